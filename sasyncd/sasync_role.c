/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

#include <string.h>

#include "sasync_role.h"

static void
act(struct role_acts *acts, enum role_act_type type, int peer,
    uint32_t ctype, uint32_t data, uint32_t data2)
{
	struct role_act	*a;

	/* Bounded by construction: at most two actions per peer a call. */
	if (acts == NULL || acts->n >= ROLE_MAXACTS)
		return;
	a = &acts->a[acts->n++];
	memset(a, 0, sizeof(*a));
	a->ra_type = type;
	a->ra_peer = peer;
	a->ra_ctl.c_type = ctype;
	a->ra_ctl.c_data = data;
	a->ra_ctl.c_data2 = data2;
}

static int
peer_ok(const struct role *r, int peer)
{
	return (peer >= 0 && peer < r->r_npeers);
}

void
role_init(struct role *r, int npeers, int64_t now)
{
	memset(r, 0, sizeof(*r));
	if (npeers < 0)
		npeers = 0;
	r->r_npeers = npeers > ROLE_MAXPEERS ? ROLE_MAXPEERS : npeers;
	r->r_state = ROLE_INIT;
	r->r_reconnect_at = now + ROLE_RECONNECT;
}

void
role_lock(struct role *r, uint32_t state)
{
	r->r_state = state;
	r->r_locked = 1;
}

void
role_set_state(struct role *r, uint32_t state, int64_t now,
    struct role_acts *acts)
{
	int	 i;

	if (r->r_locked || state == r->r_state || state > ROLE_FAIL)
		return;
	r->r_state = state;
	for (i = 0; i < r->r_npeers; i++) {
		if (!r->r_peers[i].rp_connected) {
			act(acts, RA_CONNECT, i, 0, 0, 0);
			continue;
		}
		act(acts, RA_SEND, i, SASYNC_CTL_STATE, state, 0);
		/*
		 * OpenBSD snapshots only after a connection.  Peers that
		 * connected while neither side was MASTER yet (both
		 * booting, carp still electing) would then wait ten
		 * minutes for their SAs: a new MASTER sends one to each
		 * connected peer that has had none on this connection.
		 */
		if (state == ROLE_MASTER && !r->r_peers[i].rp_snapped &&
		    r->r_peers[i].rp_snap_at == 0)
			r->r_peers[i].rp_snap_at = now + ROLE_SNAP_DELAY;
	}
	r->r_reconnect_at = now + ROLE_RECONNECT;
}

void
role_demote_hold(struct role *r, int64_t now)
{
	int	 i;

	r->r_demoted = 1;
	r->r_demote_until = now + ROLE_DEMOTE_MAXTIME;
	for (i = 0; i < r->r_npeers; i++)
		r->r_peers[i].rp_endsnap = 0;
}

int
role_demote_release(struct role *r)
{
	int	 was = r->r_demoted;

	r->r_demoted = 0;
	r->r_demote_until = 0;
	return (was);
}

void
role_peer_up(struct role *r, int peer, int outgoing, int64_t now,
    struct role_acts *acts)
{
	struct role_peer	*p;

	if (!peer_ok(r, peer))
		return;
	p = &r->r_peers[peer];
	p->rp_connected = 1;
	p->rp_state = ROLE_INIT;
	p->rp_snap_at = 0;
	p->rp_snapped = 0;
	if (outgoing)
		act(acts, RA_SEND, peer, SASYNC_CTL_STATE, r->r_state, 0);
	if (r->r_state == ROLE_MASTER)
		p->rp_snap_at = now + ROLE_SNAP_DELAY;
}

void
role_peer_down(struct role *r, int peer)
{
	struct role_peer	*p;

	if (!peer_ok(r, peer))
		return;
	p = &r->r_peers[peer];
	p->rp_connected = 0;
	p->rp_state = ROLE_INIT;
	p->rp_snap_at = 0;
}

static void
endsnap(struct role *r, int peer, struct role_acts *acts)
{
	int	 i;

	r->r_peers[peer].rp_endsnap = 1;
	if (!r->r_demoted)
		return;
	/* Counted per peer, so a master that sends two snapshots does not
	 * stand in for a silent one. */
	for (i = 0; i < r->r_npeers; i++)
		if (!r->r_peers[i].rp_endsnap)
			return;
	(void)role_demote_release(r);
	act(acts, RA_UNDEMOTE, -1, 0, 0, 0);
}

void
role_ctl(struct role *r, int peer, const struct sasync_ctl *c,
    struct role_acts *acts)
{
	struct role_peer	*p;

	if (!peer_ok(r, peer))
		return;
	p = &r->r_peers[peer];
	switch (c->c_type) {
	case SASYNC_CTL_STATE:
		if (c->c_data > ROLE_FAIL)
			break;
		p->rp_state = c->c_data;
		if (c->c_data == ROLE_MASTER && r->r_state == ROLE_MASTER) {
			act(acts, RA_BOTHMASTER, peer, 0, 0, 0);
			act(acts, RA_SEND, peer, SASYNC_CTL_ERROR,
			    SASYNC_CTL_STATE, 0);
		} else
			act(acts, RA_SEND, peer, SASYNC_CTL_ACK,
			    SASYNC_CTL_STATE, r->r_state);
		break;
	case SASYNC_CTL_ACK:
		if (c->c_data == SASYNC_CTL_STATE && c->c_data2 <= ROLE_FAIL)
			p->rp_state = c->c_data2;
		break;
	case SASYNC_CTL_ERROR:
		act(acts, RA_PEERERROR, peer, 0, c->c_data, 0);
		break;
	case SASYNC_CTL_ENDSNAP:
		endsnap(r, peer, acts);
		break;
	default:
		break;
	}
}

int
role_data_ok(struct role *r, int peer, struct role_acts *acts)
{
	if (!peer_ok(r, peer))
		return (0);
	if (r->r_peers[peer].rp_state == ROLE_MASTER &&
	    r->r_state != ROLE_MASTER)
		return (1);
	if (r->r_state == ROLE_MASTER)
		act(acts, RA_SEND, peer, SASYNC_CTL_STATE, r->r_state, 0);
	else
		act(acts, RA_SEND, peer, SASYNC_CTL_ERROR,
		    SASYNC_MSG_XFRMDATA, 0);
	return (0);
}

void
role_tick(struct role *r, int64_t now, struct role_acts *acts)
{
	struct role_peer	*p;
	int			 i;

	for (i = 0; i < r->r_npeers; i++) {
		p = &r->r_peers[i];
		if (p->rp_snap_at == 0 || now < p->rp_snap_at)
			continue;
		p->rp_snap_at = 0;
		/* A master that lost its role meanwhile sends nothing. */
		if (p->rp_connected && r->r_state == ROLE_MASTER) {
			p->rp_snapped = 1;
			act(acts, RA_SNAPSHOT, i, 0, 0, 0);
		}
	}
	if (r->r_demoted && now >= r->r_demote_until) {
		(void)role_demote_release(r);
		act(acts, RA_UNDEMOTE, -1, 0, 0, 0);
	}
	if (now >= r->r_reconnect_at) {
		r->r_reconnect_at = now + ROLE_RECONNECT;
		for (i = 0; i < r->r_npeers; i++)
			if (!r->r_peers[i].rp_connected)
				act(acts, RA_CONNECT, i, 0, 0, 0);
	}
}

int64_t
role_next(const struct role *r)
{
	int64_t	 t = r->r_reconnect_at;
	int	 i;

	for (i = 0; i < r->r_npeers; i++)
		if (r->r_peers[i].rp_snap_at != 0 &&
		    r->r_peers[i].rp_snap_at < t)
			t = r->r_peers[i].rp_snap_at;
	if (r->r_demoted && r->r_demote_until < t)
		t = r->r_demote_until;
	return (t);
}
