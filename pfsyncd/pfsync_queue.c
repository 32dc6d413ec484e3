/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * The send queue (specs/pfsync.md section 5.2).  Like pfsync, it keeps at
 * most one pending message per state, so a busy connection costs one
 * UPD_C per flush however often conntrack reports it; the caller's
 * per-state pointer finds that message without a lookup.  Unlike pfsync,
 * whose queue never outgrows one packet, it may hold several packets'
 * worth (a bulk transfer, a burst of events): pfsync_q_build takes one
 * packet at a time off the front, in the order a packet carries them.
 */

#include <sys/queue.h>

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "pfsync_map.h"
#include "pfsync_wire.h"

#define IPV4_HDRLEN	20	/* the socket's header, no options */

static int	 q_index(uint8_t);
static struct pfsync_qent *q_new(struct pfsync_queue *, int, uint8_t,
		    const struct pfsync_state *, struct pfsync_qent **);
static void	 q_move(struct pfsync_queue *, struct pfsync_qent *, int,
		    uint8_t);
static void	 q_free(struct pfsync_queue *, int, struct pfsync_qent *);
static struct pfsync_reflist *q_reflist(struct pfsync_queue *, uint8_t);
static size_t	 q_room(size_t, size_t, size_t);
static size_t	 q_take_refs(struct pfsync_queue *, struct wbuf *, uint8_t,
		    size_t);
static size_t	 q_take_states(struct pfsync_queue *, struct wbuf *, int,
		    size_t);
static int	 q_pending(struct pfsync_queue *, uint8_t);
static void	 q_bus_sent_upds(struct pfsync_queue *, size_t);
static size_t	 q_take_bus(struct pfsync_queue *, struct wbuf *);

/* The list a state message goes to, -1 for other actions. */
static int
q_index(uint8_t action)
{
	switch (action) {
	case PFSYNC_ACT_UPD_C:
		return (PFSYNC_Q_UPD_C);
	case PFSYNC_ACT_DEL_C:
		return (PFSYNC_Q_DEL_C);
	case PFSYNC_ACT_INS:
		return (PFSYNC_Q_INS);
	case PFSYNC_ACT_UPD:
		return (PFSYNC_Q_UPD);
	default:
		return (-1);
	}
}

static struct pfsync_qent *
q_new(struct pfsync_queue *q, int qi, uint8_t action,
    const struct pfsync_state *st, struct pfsync_qent **entp)
{
	struct pfsync_qent	*e;

	if ((e = calloc(1, sizeof(*e))) == NULL)
		return (NULL);
	e->q_action = action;
	e->q_st = *st;
	e->q_entp = entp;
	if (entp != NULL)
		*entp = e;
	TAILQ_INSERT_TAIL(&q->q_list[qi], e, q_entry);
	q->q_len++;
	return (e);
}

/* Turns a pending message into another kind, at the end of its list. */
static void
q_move(struct pfsync_queue *q, struct pfsync_qent *e, int qi, uint8_t action)
{
	TAILQ_REMOVE(&q->q_list[q_index(e->q_action)], e, q_entry);
	TAILQ_INSERT_TAIL(&q->q_list[qi], e, q_entry);
	e->q_action = action;
	e->q_updates = 0;
}

/* Drops a message from its list qi (given, so loops over a list see it). */
static void
q_free(struct pfsync_queue *q, int qi, struct pfsync_qent *e)
{
	TAILQ_REMOVE(&q->q_list[qi], e, q_entry);
	if (e->q_entp != NULL)
		*e->q_entp = NULL;
	free(e);
	q->q_len--;
}

void
pfsync_q_init(struct pfsync_queue *q, size_t mtu, uint8_t maxupd)
{
	int	 i;

	memset(q, 0, sizeof(*q));
	for (i = 0; i < PFSYNC_Q_MAX; i++)
		TAILQ_INIT(&q->q_list[i]);
	TAILQ_INIT(&q->q_acks);
	TAILQ_INIT(&q->q_reqs);
	q->q_mtu = mtu;
	q->q_maxupd = maxupd;
}

void
pfsync_q_clear(struct pfsync_queue *q)
{
	struct pfsync_qent	*e;
	struct pfsync_refent	*r;
	int			 i;

	for (i = 0; i < PFSYNC_Q_MAX; i++)
		while ((e = TAILQ_FIRST(&q->q_list[i])) != NULL)
			q_free(q, i, e);
	while ((r = TAILQ_FIRST(&q->q_acks)) != NULL) {
		TAILQ_REMOVE(&q->q_acks, r, r_entry);
		free(r);
	}
	while ((r = TAILQ_FIRST(&q->q_reqs)) != NULL) {
		TAILQ_REMOVE(&q->q_reqs, r, r_entry);
		free(r);
	}
	q->q_bus_pending = 0;
	q->q_len = 0;
}

/*
 * What a new message does to the pending one:
 *
 *   pending   new INS            new UPD_C           new DEL_C
 *   INS       newer content      INS, newer content  both vanish
 *   UPD_C     becomes INS        one UPD_C, counted  becomes DEL_C
 *   DEL_C     DEL_C, then INS    dropped             newer content
 *
 * A DEL_C is always taken before an INS of the same packet, so a state
 * deleted and created again reaches the peer in that order.
 */
int
pfsync_q_state(struct pfsync_queue *q, uint8_t action,
    const struct pfsync_state *st, struct pfsync_qent **entp)
{
	struct pfsync_qent	*e;
	int			 qi;

	if ((qi = q_index(action)) == -1)
		return (-1);
	/* bulk and UPD_REQ replies: full states, never merged */
	if (action == PFSYNC_ACT_UPD)
		entp = NULL;
	if (entp == NULL || (e = *entp) == NULL)
		return (q_new(q, qi, action, st, entp) == NULL ? -1 : 0);

	switch (e->q_action) {
	case PFSYNC_ACT_INS:
		if (action == PFSYNC_ACT_DEL_C) {
			/* the peer never heard of it: send nothing */
			q_free(q, q_index(e->q_action), e);
			return (0);
		}
		e->q_st = *st;
		return (0);
	case PFSYNC_ACT_UPD_C:
		if (action == PFSYNC_ACT_UPD_C) {
			e->q_st = *st;
			if (e->q_updates < UINT8_MAX)
				e->q_updates++;
			/* a busy TCP state must not starve the peer */
			if (st->proto == IPPROTO_TCP &&
			    e->q_updates >= q->q_maxupd)
				return (1);
			return (0);
		}
		q_move(q, e, qi, action);
		e->q_st = *st;
		return (0);
	case PFSYNC_ACT_DEL_C:
		if (action == PFSYNC_ACT_UPD_C)
			return (0);
		if (action == PFSYNC_ACT_DEL_C) {
			e->q_st = *st;
			return (0);
		}
		/* a new state under the old record: the DEL_C goes alone */
		e->q_entp = NULL;
		*entp = NULL;
		return (q_new(q, qi, action, st, entp) == NULL ? -1 : 0);
	default:
		/* an UPD is never linked to a record */
		return (-1);
	}
}

void
pfsync_q_detach(struct pfsync_qent **entp)
{
	if (*entp == NULL)
		return;
	(*entp)->q_entp = NULL;
	*entp = NULL;
}

void
pfsync_q_forget(struct pfsync_queue *q, struct pfsync_qent **entp)
{
	if (*entp == NULL)
		return;
	q_free(q, q_index((*entp)->q_action), *entp);
	*entp = NULL;
}

static struct pfsync_reflist *
q_reflist(struct pfsync_queue *q, uint8_t action)
{
	switch (action) {
	case PFSYNC_ACT_INS_ACK:
		return (&q->q_acks);
	case PFSYNC_ACT_UPD_REQ:
		return (&q->q_reqs);
	default:
		return (NULL);
	}
}

int
pfsync_q_ref(struct pfsync_queue *q, uint8_t action,
    const struct pfsync_ref *ref)
{
	struct pfsync_reflist	*l;
	struct pfsync_refent	*r;

	if ((l = q_reflist(q, action)) == NULL)
		return (-1);
	TAILQ_FOREACH(r, l, r_entry)
		if (r->r_ref.id == ref->id &&
		    r->r_ref.creatorid == ref->creatorid)
			return (0);
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return (-1);
	r->r_ref = *ref;
	TAILQ_INSERT_TAIL(l, r, r_entry);
	q->q_len++;
	return (0);
}

/*
 * A BUS frames a bulk of UPDs, whose list only ever loses its head to a
 * packet (an UPD is never merged or forgotten): counting the UPDs ahead
 * of the BUS is exact, where other messages may vanish unsent.
 */
void
pfsync_q_bus(struct pfsync_queue *q, const struct pfsync_bus *bus)
{
	struct pfsync_qent	*e;
	size_t			 ahead = 0;
	int			 i;

	TAILQ_FOREACH(e, &q->q_list[PFSYNC_Q_UPD], q_entry)
		ahead++;
	if (q->q_bus_pending < PFSYNC_Q_BUSMAX) {
		i = q->q_bus_pending++;
		q->q_len++;
	} else
		i = PFSYNC_Q_BUSMAX - 1;
	q->q_bus[i] = *bus;
	q->q_bus_after[i] = ahead;
}

int
pfsync_q_empty(const struct pfsync_queue *q)
{
	return (q->q_len == 0);
}

/*
 * How many messages of msglen bytes fit in a new section when used of
 * limit bytes are taken.
 */
static size_t
q_room(size_t used, size_t limit, size_t msglen)
{
	size_t	 room;

	if (msglen == 0 || used + PFSYNC_SUBHDRLEN + msglen > limit)
		return (0);
	room = (limit - used - PFSYNC_SUBHDRLEN) / msglen;
	return (room > UINT16_MAX ? UINT16_MAX : room);
}

/* Takes up to room INS_ACK or UPD_REQ messages; returns how many. */
static size_t
q_take_refs(struct pfsync_queue *q, struct wbuf *w, uint8_t action,
    size_t room)
{
	struct pfsync_reflist	*l;
	struct pfsync_refent	*r;
	size_t			 n = 0;

	if ((l = q_reflist(q, action)) == NULL)
		return (0);
	while (n < room && (r = TAILQ_FIRST(l)) != NULL) {
		pfsync_put_ref(w, &r->r_ref);
		TAILQ_REMOVE(l, r, r_entry);
		free(r);
		q->q_len--;
		n++;
	}
	return (n);
}

/* Takes up to room state messages of list qi; returns how many. */
static size_t
q_take_states(struct pfsync_queue *q, struct wbuf *w, int qi, size_t room)
{
	struct pfsync_qent	*e;
	struct pfsync_upd_c	 uc;
	struct pfsync_ref	 ref;
	size_t			 n = 0;

	while (n < room && (e = TAILQ_FIRST(&q->q_list[qi])) != NULL) {
		switch (e->q_action) {
		case PFSYNC_ACT_UPD_C:
			pfsync_state_to_upd_c(&e->q_st, &uc);
			pfsync_put_upd_c(w, &uc);
			break;
		case PFSYNC_ACT_DEL_C:
			ref.id = e->q_st.id;
			ref.creatorid = e->q_st.creatorid;
			pfsync_put_ref(w, &ref);
			break;
		default:
			pfsync_put_state(w, &e->q_st);
			break;
		}
		q_free(q, qi, e);
		n++;
	}
	return (n);
}

/* Whether messages of this kind are waiting. */
static int
q_pending(struct pfsync_queue *q, uint8_t action)
{
	int	 qi;

	switch (action) {
	case PFSYNC_ACT_INS_ACK:
		return (!TAILQ_EMPTY(&q->q_acks));
	case PFSYNC_ACT_UPD_REQ:
		return (!TAILQ_EMPTY(&q->q_reqs));
	default:
		if ((qi = q_index(action)) == -1)
			return (0);
		return (!TAILQ_EMPTY(&q->q_list[qi]));
	}
}

/* n UPDs have left: the BUS messages behind them move up. */
static void
q_bus_sent_upds(struct pfsync_queue *q, size_t n)
{
	int	 i;

	for (i = 0; i < q->q_bus_pending; i++)
		q->q_bus_after[i] -= n < q->q_bus_after[i] ?
		    n : q->q_bus_after[i];
}

/*
 * Writes the BUS messages now due, oldest first, as one section.
 * Returns how many.
 */
static size_t
q_take_bus(struct pfsync_queue *q, struct wbuf *w)
{
	size_t	 n = 0;
	int	 i;

	while ((int)n < q->q_bus_pending && q->q_bus_after[n] == 0)
		n++;
	if (n == 0)
		return (0);
	pfsync_put_subheader(w, PFSYNC_ACT_BUS, (uint16_t)n);
	for (i = 0; i < (int)n; i++)
		pfsync_put_bus(w, &q->q_bus[i]);
	for (i = (int)n; i < q->q_bus_pending; i++) {
		q->q_bus[i - n] = q->q_bus[i];
		q->q_bus_after[i - n] = q->q_bus_after[i];
	}
	q->q_bus_pending -= (int)n;
	q->q_len -= n;
	return (n);
}

/*
 * Sections are taken in the order a packet carries them, and the first
 * message that does not fit ends the packet even if a later, smaller
 * kind would, so a DEL_C never overtakes the INS of a recreated state
 * and an UPD_REQ keeps its place.  BUS messages follow their own rule
 * (pfsync_q_bus), with room kept for them at the end of every packet
 * while one is pending.  A section's count is written once its messages
 * are known.  Returns 0 also when not even the first message fits (an
 * MTU below 308 bytes, which the configuration does not allow).
 */
size_t
pfsync_q_build(struct pfsync_queue *q, uint8_t *buf, size_t cap)
{
	static const uint8_t	 order[] = {
		PFSYNC_ACT_INS_ACK, PFSYNC_ACT_UPD_C, PFSYNC_ACT_DEL_C,
		PFSYNC_ACT_INS, PFSYNC_ACT_UPD, PFSYNC_ACT_UPD_REQ
	};
	struct wbuf		 w;
	size_t			 limit, room, n, sub, i, reserve = 0;
	uint8_t			 act;
	int			 qi;

	if (q->q_len == 0 || q->q_mtu < IPV4_HDRLEN)
		return (0);
	/* q_mtu counts the IPv4 header the socket adds */
	limit = q->q_mtu - IPV4_HDRLEN;
	if (limit > cap)
		limit = cap;
	if (limit > UINT16_MAX)
		limit = UINT16_MAX;
	if (q->q_bus_pending > 0)
		reserve = PFSYNC_SUBHDRLEN +
		    (size_t)q->q_bus_pending * PFSYNC_BUSLEN;
	if (limit < PFSYNC_HDRLEN + reserve)
		return (0);
	wbuf_init(&w, buf, limit);
	pfsync_put_header(&w, 0);

	for (i = 0; i < sizeof(order); i++) {
		act = order[i];
		if (!q_pending(q, act))
			continue;
		room = q_room(w.w_len, limit - reserve, pfsync_msg_len(act));
		if (room == 0)
			break;
		sub = w.w_len;
		pfsync_put_subheader(&w, act, 0);
		if ((qi = q_index(act)) != -1)
			n = q_take_states(q, &w, qi, room);
		else
			n = q_take_refs(q, &w, act, room);
		if (act == PFSYNC_ACT_UPD)
			q_bus_sent_upds(q, n);
		buf[sub + 2] = (uint8_t)(n >> 8);
		buf[sub + 3] = (uint8_t)n;
		if (q_pending(q, act))
			break;
	}
	(void)q_take_bus(q, &w);
	if (w.w_err || w.w_len == PFSYNC_HDRLEN)
		return (0);
	pfsync_set_len(buf, (uint16_t)w.w_len);
	return (w.w_len);
}
