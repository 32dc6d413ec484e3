/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

#ifndef HAKIT_PFSYNC_MAP_H
#define HAKIT_PFSYNC_MAP_H

/*
 * conntrack <-> pfsync state records (specs/pfsync.md sections 4.3 and
 * 10), the stale rule of 5.1, and the send queue's coalescing.  Pure: no
 * I/O, no clock (times are passed in), so every rule is unit-tested.
 */

#include <sys/queue.h>

#include <stddef.h>
#include <stdint.h>

#include "ct.h"
#include "pfsync_wire.h"

/*
 * Export: one conntrack entry as a pf state with direction PF_IN,
 * WIRE = ORIG, STACK = inverse(REPLY), TCP flagged SLOPPY with zero
 * sequence fields, rules -1, ifname "all".  rdomain is the zone after
 * the configured map (the caller maps).  Returns 0, or -1 with *why set
 * when the entry cannot be carried (ICMP until pf's packing is known,
 * protocols without ports other than "other").
 */
int	 pfsync_from_ct(const struct ct_state *, uint64_t id,
	    uint32_t creatorid, uint16_t rdomain, struct pfsync_state *,
	    const char **why);

/*
 * Import: the conntrack entry a pf state stands for, with NAT folded
 * into REPLY (4.3), the TCP tables of section 10 and BE_LIBERAL in both
 * directions.  The state must have passed pfsync_state_check.  zone is
 * the zone after the configured map.  Returns 0, or -1 with *why set
 * (af-to, synproxy, seqdiff or timestamp modulation, expire 0...).
 */
int	 pfsync_to_ct(const struct pfsync_state *, uint16_t zone,
	    struct ct_state *, const char **why);

/* Applies an UPD_C's peers to an entry we hold (TCP state, wscale). */
void	 pfsync_upd_c_to_ct(const struct pfsync_upd_c *, struct ct_state *);

/* pf's timeout index for the peers of a state (section 4.4). */
uint8_t	 pfsync_timeout_index(uint8_t proto, const struct pfsync_peer *src,
	    const struct pfsync_peer *dst);

/*
 * Section 5.1: compares the peers of an incoming update with ours.
 * Returns the number of stale sides (0, 1 or 2): sides where our copy
 * is ahead.  proto selects the TCP or the other-protocols rule.
 */
int	 pfsync_stale(uint8_t proto, const struct pfsync_peer *ours_src,
	    const struct pfsync_peer *ours_dst,
	    const struct pfsync_peer *in_src,
	    const struct pfsync_peer *in_dst);

/*
 * Folding (4.3): two pf states of one forwarded flow map to the same
 * ORIG tuple.  Merges b into a: keeps a's identity, takes the NAT of
 * whichever side translates.  Returns 0, or -1 if the tuples differ.
 */
int	 pfsync_ct_fold(struct ct_state *a, const struct ct_state *b);

/*
 * The send queue: at most one pending message per state, coalesced as
 * pfsync does (5.2): INS then UPD_C stays an INS with the newer content,
 * INS then DEL_C sends nothing, UPD_C then DEL_C sends the DEL_C, UPD_C
 * twice sends one.  UPD (bulk, UPD_REQ replies), INS_ACK, UPD_REQ and
 * BUS go in their own lists.  pfsync_q_build fills one packet in the
 * order INS_ACK, UPD_C, DEL_C, INS, UPD, UPD_REQ, BUS.
 */
struct pfsync_qent {
	TAILQ_ENTRY(pfsync_qent) q_entry;
	uint8_t		 q_action;	/* INS, UPD_C, DEL_C, UPD */
	uint8_t		 q_updates;	/* UPD_C coalesced into this one */
	struct pfsync_state q_st;	/* id and creatorid always set */
	struct pfsync_qent **q_entp;	/* the caller's pointer, or NULL */
};
TAILQ_HEAD(pfsync_qlist, pfsync_qent);

struct pfsync_refent {
	TAILQ_ENTRY(pfsync_refent) r_entry;
	struct pfsync_ref r_ref;
};
TAILQ_HEAD(pfsync_reflist, pfsync_refent);

#define PFSYNC_Q_UPD_C	0
#define PFSYNC_Q_DEL_C	1
#define PFSYNC_Q_INS	2
#define PFSYNC_Q_UPD	3
#define PFSYNC_Q_MAX	4
#define PFSYNC_Q_BUSMAX	4	/* BUS messages pending at once */

struct pfsync_queue {
	struct pfsync_qlist  q_list[PFSYNC_Q_MAX];
	struct pfsync_reflist q_acks;	/* INS_ACK */
	struct pfsync_reflist q_reqs;	/* UPD_REQ */
	/* each BUS is due once the UPDs queued before it have gone */
	struct pfsync_bus q_bus[PFSYNC_Q_BUSMAX];
	size_t		 q_bus_after[PFSYNC_Q_BUSMAX];
	int		 q_bus_pending;	/* used entries of q_bus */
	size_t		 q_len;		/* messages queued, all lists */
	size_t		 q_mtu;
	uint8_t		 q_maxupd;
};

void	 pfsync_q_init(struct pfsync_queue *, size_t mtu, uint8_t maxupd);
/* Frees every pending message, clearing the callers' pointers. */
void	 pfsync_q_clear(struct pfsync_queue *);
/*
 * Queues a state message (INS, UPD_C, DEL_C or UPD).  entp is the
 * caller's per-state pointer to its pending entry (*entp NULL when none,
 * entp NULL for messages never coalesced, such as bulk UPDs): the queue
 * keeps *entp current, so coalescing costs no lookup, and sets it NULL
 * when the message leaves.  Returns 1 when the packet should go out now
 * (an UPD_C reached maxupd), 0 otherwise, -1 on allocation failure.
 */
int	 pfsync_q_state(struct pfsync_queue *, uint8_t action,
	    const struct pfsync_state *, struct pfsync_qent **entp);
/* The caller's record is going away: the message stays queued. */
void	 pfsync_q_detach(struct pfsync_qent **entp);
/* Drops whatever is pending for a state. */
void	 pfsync_q_forget(struct pfsync_queue *, struct pfsync_qent **entp);
/* Queues an INS_ACK or UPD_REQ; an identical pending one is not repeated. */
int	 pfsync_q_ref(struct pfsync_queue *, uint8_t action,
	    const struct pfsync_ref *);
/*
 * Queues a BUS.  It ends the first packet that leaves none of the UPDs
 * queued before it behind: a BUS START queued before a bulk's UPDs goes
 * with the first of them, a BUS END queued after them with the last.
 * With PFSYNC_Q_BUSMAX pending, the newest replaces the last.
 */
void	 pfsync_q_bus(struct pfsync_queue *, const struct pfsync_bus *);
int	 pfsync_q_empty(const struct pfsync_queue *);
/*
 * Builds one packet (pfsync header and sections, no IP header) of at
 * most q_mtu - 20 bytes into buf (cap at least that), taking messages off
 * the queue in the order INS_ACK, UPD_C, DEL_C, INS, UPD, UPD_REQ, BUS,
 * at most one section per kind.  Returns the length, 0 when empty.
 */
size_t	 pfsync_q_build(struct pfsync_queue *, uint8_t *buf, size_t cap);

#endif /* HAKIT_PFSYNC_MAP_H */
