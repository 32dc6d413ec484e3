/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

#ifndef PFSYNCD_SYNC_H
#define PFSYNCD_SYNC_H

/* libbsd's RB_GENERATE_STATIC marks its functions __unused */
#ifndef __unused
#define __unused	__attribute__((__unused__))
#endif
#include <sys/tree.h>

#include <event2/event.h>
#include <jansson.h>
#include <stdint.h>

#include "ct.h"
#include "pfsync_map.h"
#include "pfsync_wire.h"
#include "pfsyncd.h"

/*
 * One synced connection: the conntrack entry and the pf identity it
 * travels under.  Indexed both ways, since the wire names states by
 * (creatorid, id) and the kernel by tuple and zone.
 */
struct pf_ent {
	RB_ENTRY(pf_ent)	 e_byid;
	RB_ENTRY(pf_ent)	 e_bytuple;
	uint64_t		 e_id;
	uint32_t		 e_creatorid;
	struct ct_state		 e_ct;		/* last known */
	int			 e_peer;	/* learnt from a peer */
	struct pfsync_qent	*e_q;		/* pending message */
	uint64_t		 e_deadline;	/* ms: expiry as last sent */
	uint64_t		 e_peer_ms;	/* last update from a peer */
	uint32_t		 e_gen;		/* walk that last saw it */
};
RB_HEAD(pf_byid, pf_ent);
RB_HEAD(pf_bytuple, pf_ent);

enum bulk_state {
	BULK_NONE,
	BULK_START,		/* waiting for the sync link */
	BULK_SENT,		/* UPD_REQ 0/0 sent */
	BULK_BULK,		/* BUS START received */
	BULK_DONE
};

/* Messages sent and received, by action. */
struct pfsync_counts {
	uint64_t	 c_act[PFSYNC_ACT_MAX];
};

struct pfsyncd {
	struct event_base	*env_base;
	struct pfsyncd_config	*env_conf;
	const char		*env_conffile;
	const char		*env_sockpath;
	uint32_t		 env_creatorid;
	uint32_t		 env_idseq;
	uint64_t		 env_idbase;

	int			 env_sock;	/* raw IPv4, proto 240 */
	struct event		*env_sock_ev;
	unsigned int		 env_ifindex;	/* syncdev */
	uint8_t			 env_ifaddr[4];	/* syncdev's address */
	int			 env_link;	/* syncdev running */

	struct ct_handle	*env_ct;
	struct event		*env_ct_ev;
	struct ctl_server	*env_ctl;
	struct carp_client	*env_carp;
	int			 env_demoted;	/* our carp shares */

	struct pf_byid		 env_byid;
	struct pf_bytuple	 env_bytuple;
	uint64_t		 env_nlocal;
	uint64_t		 env_npeer;
	uint32_t		 env_gen;

	struct pfsync_queue	 env_q;
	size_t			 env_qbytes;	/* estimate since the last flush */
	struct event		*env_flush_ev;
	int			 env_flush_armed;

	struct event		*env_tick_ev;	/* 1 s: link, bulk, refresh */
	uint64_t		 env_last_walk;
	int			 env_resync;	/* an overrun wants a walk */
	uint64_t		 env_last_resync;

	/* bulk update, requester side */
	enum bulk_state		 env_bulk;
	int			 env_bulk_tries;
	uint64_t		 env_bulk_deadline;	/* ms */
	uint64_t		 env_bulk_start;	/* ms */
	uint64_t		 env_bulk_ms;	/* last duration */
	uint64_t		 env_bulk_states;
	const char		*env_bulk_result;
	uint64_t		 env_bulk_drops;	/* rcvdrops at BUS START */
	int			 env_bulk_redo;		/* lossy bulks retried */
	uint32_t		 env_ovfl;		/* SO_RXQ_OVFL last seen */
	int			 env_linkdemoted;

	/* bulk update, responder side */
	struct ct_state		*env_snap;
	size_t			 env_nsnap;
	size_t			 env_snappos;
	struct event		*env_bulksend_ev;
	uint64_t		 env_bulksend_us;	/* paced up to here */

	/* import rate limit: a token bucket refilled every tick */
	uint64_t		 env_tokens;
	uint64_t		 env_tokens_ms;

	struct pfsync_stats	 env_stats;
	struct pfsync_counts	 env_sent;
	struct pfsync_counts	 env_rcvd;
	uint64_t		 env_imported;
	uint64_t		 env_rejected;
	uint64_t		 env_resyncs;
	uint64_t		 env_ctfail;
};

uint64_t pfsyncd_now_ms(void);

/* sync.c */
int	 sync_init(struct pfsyncd *);
void	 sync_start(struct pfsyncd *);
void	 sync_shutdown(struct pfsyncd *);
void	 sync_bulk_request(struct pfsyncd *);
json_t	*sync_show(struct pfsyncd *);
json_t	*sync_states(struct pfsyncd *);

#endif /* PFSYNCD_SYNC_H */
