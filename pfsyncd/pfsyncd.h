/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

#ifndef PFSYNCD_H
#define PFSYNCD_H

#include <sys/queue.h>

#include <net/if.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>

#include "ct.h"

#define PFSYNCD_CONF		"/etc/hakit/pfsyncd.conf"
#define PFSYNCD_SOCK		"/run/hakit/pfsyncd.sock"
#define PFSYNCD_CARPSOCK	"/run/hakit/carpd.sock"
#define PFSYNCD_MAXPEERS	8
#define PFSYNCD_MAXACCEPT	16
#define PFSYNCD_MAXZONES	16
#define PFSYNCD_DEMOTE_BULK	32	/* OpenBSD's "pfsync start" */
#define PFSYNCD_IMPORT_LIMIT	200000	/* states per second, default */
#define PFSYNCD_NLBUF		(16 * 1024 * 1024)

/* An address with a prefix length, for filters and accept lists. */
struct pfsync_net {
	int		 n_af;		/* AF_INET or AF_INET6 */
	uint8_t		 n_addr[16];
	uint8_t		 n_plen;
};

/*
 * "sync ..." and "no sync ...": which conntrack entries are sent.  The
 * last rule that matches decides, as in pf; with no match, sync.
 */
struct pfsync_rule {
	TAILQ_ENTRY(pfsync_rule) r_entry;
	int		 r_line;
	int		 r_sync;	/* 1: sync, 0: no sync */
	uint8_t		 r_proto;	/* 0 = any */
	int		 r_af;		/* 0 = any, else AF_INET/AF_INET6 */
	int		 r_has_from;
	struct pfsync_net r_from;	/* orig source */
	int		 r_has_to;
	struct pfsync_net r_to;		/* orig destination */
	int		 r_zone;	/* -1 = any */
	int		 r_has_mark;
	uint32_t	 r_mark;
	uint32_t	 r_markmask;	/* 0xffffffff unless "mark V/M" */
};
TAILQ_HEAD(pfsync_rules, pfsync_rule);

/* "zone Z rdomain R": conntrack zone Z travels as pf rdomain R. */
struct pfsync_zonemap {
	uint16_t	 zm_zone;
	uint16_t	 zm_rdomain;
};

struct pfsyncd_config {
	char		 c_syncdev[IFNAMSIZ];	/* required */
	struct in_addr	 c_peers[PFSYNCD_MAXPEERS];	/* syncpeer */
	int		 c_npeers;		/* 0: multicast 224.0.0.240 */
	struct pfsync_net c_accept[PFSYNCD_MAXACCEPT];	/* accept from */
	int		 c_naccept;	/* 0: the syncpeers, or anyone
					   on syncdev when multicast */
	uint8_t		 c_maxupd;	/* 1-255, default 128 */
	int		 c_defer;	/* default 0 */
	uint16_t	 c_mtu;		/* 576-9000, default 1500 */
	uint32_t	 c_hostid;	/* creatorid; 0 = random at start */
	char		 c_carpsock[108];	/* carp socket "PATH" */
	char		 c_carpgroup[IFNAMSIZ];	/* carp group NAME, "carp" */
	int		 c_carp;	/* "no carp": 0, no demotion */
	uint32_t	 c_import_limit;	/* import limit N (states/s) */
	uint32_t	 c_nlbuf;	/* netlink buffer N[K|M] */
	struct pfsync_zonemap c_zones[PFSYNCD_MAXZONES];
	int		 c_nzones;
	struct pfsync_rules c_rules;
};

/*
 * parse.y: reads a configuration from f (named name in messages, which
 * are "name:line: message").  Returns a new config, or NULL after
 * reporting every error through err.  Never touches running state.
 */
typedef void pfsyncd_errfn(void *arg, const char *msg);
struct pfsyncd_config *pfsyncd_parse(FILE *f, const char *name,
	    pfsyncd_errfn *err, void *arg);
struct pfsyncd_config *pfsyncd_parse_file(const char *path,
	    pfsyncd_errfn *err, void *arg);
void	 pfsyncd_config_free(struct pfsyncd_config *);
/* Writes the configuration in canonical form; parses to the same text. */
void	 pfsyncd_config_print(FILE *, const struct pfsyncd_config *);

/* filter.c (pure): 1 if the entry is to be synced, 0 if not. */
int	 pfsyncd_filter(const struct pfsyncd_config *, const struct ct_state *);
/* Zone <-> rdomain through the zone map (identity when unmapped). */
uint16_t pfsyncd_zone_to_rdomain(const struct pfsyncd_config *, uint16_t);
uint16_t pfsyncd_rdomain_to_zone(const struct pfsyncd_config *, uint16_t);
/* 1 if addr (4 bytes, network order) is in net. */
int	 pfsync_net_match(const struct pfsync_net *, int af,
	    const uint8_t *addr);

#endif /* PFSYNCD_H */
