/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

#ifndef HAKIT_CARPCLIENT_H
#define HAKIT_CARPCLIENT_H

/*
 * How hakit daemons follow carp states and demote: a connection to
 * carpd's control socket that subscribes to state changes and holds this
 * daemon's demotion shares.  carpd drops the shares when the connection
 * closes, so the client reconnects by itself (every second) and sends
 * its net shares again; the daemon never counts twice.
 */

#include <jansson.h>

struct event_base;
struct carp_client;

/* Called with each interface's state at (re)connection, then with every
 * change: an object with ifname, state, vhid, carpdev, demote... */
typedef void carp_client_cb(const json_t *ev, void *arg);

/* cb may be NULL for a client that only demotes. */
struct carp_client *carp_client_new(struct event_base *, const char *sock,
	    carp_client_cb *, void *arg);
void	 carp_client_free(struct carp_client *);
/* Adjusts this daemon's share of group by delta; kept across
 * reconnections.  Returns 0, or -1 if the share would go below 0. */
int	 carp_client_demote(struct carp_client *, const char *group,
	    int delta);
int	 carp_client_connected(const struct carp_client *);
/* The demote counter of group in carpd's last full answer (at each
 * connection), or -1 if unknown: a daemon's start-up check. */
int	 carp_client_group_demote(const struct carp_client *,
	    const char *group);
/* Last known state of ifname ("MASTER"...), or NULL. */
const char *carp_client_state(const struct carp_client *,
	    const char *ifname);

/* Runs a client on its own event base until SIGINT or SIGTERM, holding
 * demotion n on group when group is not NULL (carpctl monitor). */
int	 carp_client_run(const char *sock, carp_client_cb *, void *arg,
	    const char *group, int n);

#endif /* HAKIT_CARPCLIENT_H */
