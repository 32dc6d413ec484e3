/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

#ifndef RELAYD_HCE_H
#define RELAYD_HCE_H

/*
 * The host check engine (HCE-1..11): one unprivileged process runs every
 * check of a configuration on one libevent base, with non-blocking
 * sockets and one timer per check, no threads and no fork (scripts are
 * run by the parent).  Each result goes through hce_apply() and is handed
 * to ho_status; a round ends with ho_sync once all its checks are done.
 */

#include <stdint.h>

#include "relayd.h"

struct event_base;
struct hce;

struct hce_ops {
	/* after each result; h already updated by hce_apply();
	   changed: its state changed */
	void	(*ho_status)(void *arg, const struct rd_host *h,
		    int changed);
	void	(*ho_sync)(void *arg);		/* a round ended */
	/* ask the parent to run a script check (HCE-10) */
	void	(*ho_script)(void *arg, const struct rd_host *h);
};

/*
 * A raw ICMP (AF_INET) or ICMPv6 (AF_INET6) socket, opened before the
 * privilege drop; falls back to a ping socket (SOCK_DGRAM) where
 * net.ipv4.ping_group_range allows.  Non-blocking, close-on-exec.
 * Returns the descriptor or -1.
 */
int	 hce_icmp_open(int af);

/*
 * icmp4/icmp6 from hce_icmp_open() or -1 (icmp checks of that family then
 * fail "icmp write timeout", logged once).  The engine owns them from
 * here and closes them in hce_free().  conf is borrowed until
 * hce_set_conf() or hce_free(); the engine writes its hosts' run-time
 * fields.  Returns NULL on failure.
 */
struct hce *hce_new(struct event_base *, struct relayd_conf *,
	    const struct hce_ops *, void *arg, int icmp4, int icmp6);
/* A round now, then one every interval. */
void	 hce_start(struct hce *);
/* A round now (relayctl poll), unless one is running. */
void	 hce_poll(struct hce *);
/*
 * Reload: aborts running checks without results, switches to conf (its
 * run-time state already merged by the caller), keeps the round timer.
 */
void	 hce_set_conf(struct hce *, struct relayd_conf *);
/* The parent's answer to ho_script: exit status > 0 = up. */
void	 hce_script_done(struct hce *, uint32_t hostid, int result);
void	 hce_free(struct hce *);

/* Checks started and rounds run, for tests and statistics. */
uint64_t hce_nchecks(const struct hce *);
uint64_t hce_nrounds(const struct hce *);

/* hce_state.c */
/* 1 for the reasons meaning "up" (icmp ok, tcp connect ok, ...). */
int	 hce_reason_ok(enum hce_reason);
/*
 * Copies the parent's state, reason, budget and counters to a child
 * (TBL-3).  A disabled child is left alone.  Returns 1 when its state
 * changed.
 */
int	 hce_mirror(struct rd_host *child, const struct rd_host *parent);

#endif /* RELAYD_HCE_H */
