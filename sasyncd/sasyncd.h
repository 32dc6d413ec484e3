/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

#ifndef SASYNCD_SASYNCD_H
#define SASYNCD_SASYNCD_H

#include <sys/socket.h>

#include <event2/event.h>
#include <jansson.h>
#include <stdint.h>
#include <time.h>

#include "backend.h"
#include "ctl.h"
#include "conf.h"
#include "sasync_frame.h"
#include "sasync_role.h"
#include "sasync_xfrm.h"

#define SASYNCD_CARPSOCK	"/run/hakit/carpd.sock"
#define SASYNCD_MAXLISTEN	16
#define SASYNCD_CONNECT_TIMEOUT	5	/* seconds, spec 4.1 */
/* A peer that lets this much output pile up is dropped (and snapshots
 * again when it reconnects). */
#define SASYNCD_MAXQUEUE	(64 * 1024 * 1024)
#define SASYNCD_MAXAE		65536	/* pending replay updates */

/* Counters that are not per peer. */
struct sasyncd_stats {
	uint64_t	 frame_drops[SASYNC_DROP_MAX];
	uint64_t	 xfrm_drops[XM_DROP_MAX];
	uint64_t	 pfkey_drops;	/* OpenBSD payload, no translator */
	uint64_t	 not_master;	/* data from a peer not seen MASTER */
	uint64_t	 refused;	/* connections from unknown sources */
	uint64_t	 slow_peer;	/* dropped for SASYNCD_MAXQUEUE */
	uint64_t	 both_master;
	uint64_t	 ev_seen;	/* kernel events read */
	uint64_t	 ev_sent;	/* turned into sync messages */
	uint64_t	 ev_skipped;	/* larval, ACQUIRE, soft expire... */
	uint64_t	 ev_skipslave;
	uint64_t	 ev_noflush;	/* FLUSH held back by flushmode */
	uint64_t	 ev_lost;	/* ENOBUFS: a resync followed */
	uint64_t	 ae_coalesced;	/* replay updates merged */
	uint64_t	 ae_overflow;
	uint64_t	 snap_sent;
	uint64_t	 snap_sas;
	uint64_t	 snap_policies;
	uint64_t	 applied_sas;
	uint64_t	 applied_policies;
	uint64_t	 applied_deletes;
	uint64_t	 applied_flushes;
	uint64_t	 applied_ae;
	uint64_t	 apply_errors;
	uint64_t	 encode_errors;
};

struct sasyncd_peer {
	const struct sasync_peer_conf	*p_conf;
	int			 p_idx;
	struct sasyncd		*p_env;
	struct bufferevent	*p_bev;		/* NULL while unconnected */
	int			 p_outgoing;
	int			 p_connecting;	/* connect in progress */
	struct event		*p_timeout;	/* connect limit */
	struct sockaddr_storage	 p_local;	/* our end, for tie-breaks */
	uint64_t		 p_rx_frames;
	uint64_t		 p_tx_frames;
	uint64_t		 p_rx_data;
	uint64_t		 p_snapshots;	/* sent to this peer */
	uint64_t		 p_endsnaps;	/* received from it */
	time_t			 p_since;	/* connected since */
	time_t			 p_last_rx;
};

/* A replay update waiting for the next sync interval (spec 6.4). */
struct sasyncd_ae {
	struct sasyncd_ae	*ae_next;
	struct xm_sakey		 ae_key;
	size_t			 ae_len;
	uint8_t			 ae_msg[512];
};

struct sasyncd {
	struct event_base	*env_base;
	struct sasyncd_conf	*env_conf;
	const char		*env_conffile;
	const char		*env_sockpath;
	const char		*env_carpsock;
	struct ctl_server	*env_ctl;
	struct carp_client	*env_carp;
	struct backend		*env_be;
	int			 env_memory;	/* -M: in-memory backend */
	struct role		 env_role;
	struct sasyncd_peer	 env_peers[ROLE_MAXPEERS];
	int			 env_npeers;
	int			 env_listen[SASYNCD_MAXLISTEN];
	struct event		*env_listen_ev[SASYNCD_MAXLISTEN];
	int			 env_nlisten;
	struct event		*env_role_ev;	/* role_next() timer */
	struct event		*env_ae_ev;	/* replay update interval */
	struct event		*env_carp_ev;	/* carpd reachability */
	struct event		*env_be_ev;
	struct sasyncd_ae	*env_ae;
	size_t			 env_nae;
	uint32_t		 env_seq;
	int			 env_carp_seen;	/* first answer handled */
	int			 env_demote_held;
	time_t			 env_last_snap_sent;
	time_t			 env_last_snap_rx;
	time_t			 env_role_since;
	struct sasyncd_stats	 env_stats;
};

/* sync.c */
int	 sync_init(struct sasyncd *);
void	 sync_start(struct sasyncd *);
void	 sync_shutdown(struct sasyncd *);
void	 sync_set_state(struct sasyncd *, uint32_t, const char *why);
json_t	*sync_show(struct sasyncd *);
int64_t	 sync_now(void);

/* backend_mem.c: the tests' injection commands (-M only). */
json_t	*backend_mem_ctl(struct backend *, const json_t *req);

#endif /* SASYNCD_SASYNCD_H */
