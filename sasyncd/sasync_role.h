/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

#ifndef SASYNCD_ROLE_H
#define SASYNCD_ROLE_H

/*
 * sasyncd's decisions, without sockets or clocks (spec sections 2, 3.2,
 * 3.3, 4.1, 4.3): who we are, what each peer last said it was, when a
 * snapshot is due, when the start-up demotion ends.  The daemon feeds
 * events and the time in milliseconds and carries out the actions it
 * gets back; the unit tests drive the same code on a fake clock.
 */

#include <stdint.h>

#include "sasync_frame.h"

#define ROLE_MAXPEERS		32
#define ROLE_SNAP_DELAY		2000	/* ms after a connection */
#define ROLE_DEMOTE_MAXTIME	60000	/* OpenBSD's CARP_DEMOTE_MAXTIME */
#define ROLE_RECONNECT		600000	/* every peer, every 10 minutes */
#define ROLE_MAXACTS		(2 * ROLE_MAXPEERS + 4)

/* The numbers that go on the wire. */
enum role_state {
	ROLE_INIT = 0,
	ROLE_SLAVE = 1,
	ROLE_MASTER = 2,
	ROLE_FAIL = 3
};

enum role_act_type {
	RA_SEND,		/* send ra_ctl to ra_peer */
	RA_CONNECT,		/* connect ra_peer (it is not connected) */
	RA_SNAPSHOT,		/* send ra_peer a snapshot now */
	RA_UNDEMOTE,		/* lift the start-up demotion */
	RA_BOTHMASTER,		/* ra_peer says MASTER while we are */
	RA_PEERERROR		/* ra_peer refused something of ours */
};

struct role_act {
	enum role_act_type	 ra_type;
	int			 ra_peer;
	struct sasync_ctl	 ra_ctl;
};

struct role_acts {
	int			 n;
	struct role_act		 a[ROLE_MAXACTS];
};

struct role_peer {
	int			 rp_connected;
	uint32_t		 rp_state;	/* last heard; INIT until then */
	int			 rp_endsnap;	/* has sent CTL_ENDSNAP */
	int64_t			 rp_snap_at;	/* snapshot due, 0 if none */
	int			 rp_snapped;	/* one sent on this connection */
};

struct role {
	uint32_t		 r_state;
	int			 r_locked;	/* mode master|slave */
	int			 r_npeers;
	struct role_peer	 r_peers[ROLE_MAXPEERS];
	int			 r_demoted;	/* start-up demotion held */
	int64_t			 r_demote_until;
	int64_t			 r_reconnect_at;
};

void	 role_init(struct role *, int npeers, int64_t now);
/* Locks the state (mode master|slave); carp changes are then ignored. */
void	 role_lock(struct role *, uint32_t state);
/* A new carp state; actions when it changed. */
void	 role_set_state(struct role *, uint32_t state, int64_t now,
	    struct role_acts *);
/* Holds the start-up demotion until every peer's ENDSNAP or the limit. */
void	 role_demote_hold(struct role *, int64_t now);
/* Lifts it at exit or at once; returns 1 if it was held. */
int	 role_demote_release(struct role *);
void	 role_peer_up(struct role *, int peer, int outgoing, int64_t now,
	    struct role_acts *);
void	 role_peer_down(struct role *, int peer);
/* A control message from a peer. */
void	 role_ctl(struct role *, int peer, const struct sasync_ctl *,
	    struct role_acts *);
/*
 * Whether data from peer may be applied: it was last seen MASTER and we
 * are not.  When not, the answer to send is added (our state if we are
 * MASTER, else CTL_ERROR).
 */
int	 role_data_ok(struct role *, int peer, struct role_acts *);
/* Due timers: snapshots, the demotion limit, reconnection. */
void	 role_tick(struct role *, int64_t now, struct role_acts *);
/* The next time role_tick has work, or -1 for none. */
int64_t	 role_next(const struct role *);

#endif /* SASYNCD_ROLE_H */
