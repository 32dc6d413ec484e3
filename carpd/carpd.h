/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

#ifndef CARPD_H
#define CARPD_H

#include <sys/queue.h>

#include <net/if.h>
#include <stdint.h>
#include <stdio.h>

#include "addr.h"
#include "log.h"
#include "carp_fsm.h"
#include "carp_wire.h"

#define CARPD_CONF		"/etc/hakit/carpd.conf"
#define CARPD_SOCK		"/run/hakit/carpd.sock"
#define CARPD_MAXGROUPS		8	/* besides "carp" */
#define CARPD_MAXNODES		32
#define CARPD_DEMOTE_MAX	255
#define CARPD_ALIAS		"hakit-carpd"	/* ifalias of our macvlans */

/* How the carp interface gets its MAC (lladdr keyword). */
enum carp_lladdr {
	CARP_LLADDR_VIRTUAL = 0,	/* macvlan with 00:00:5e:00:01:vhid */
	CARP_LLADDR_PARENT,		/* no macvlan: VIPs on the carpdev */
	CARP_LLADDR_MANUAL		/* macvlan with a hand-set MAC */
};

enum carp_balancing {
	CARP_BAL_NONE = 0,
	CARP_BAL_IP,
	CARP_BAL_IP_STEALTH,
	CARP_BAL_IP_UNICAST,
	CARP_BAL_ARP
};

struct carp_node {
	uint8_t		 cn_vhid;
	uint8_t		 cn_advskew;
};

/* One carp interface as configured: a "carpN { ... }" block. */
struct carp_ifconf {
	TAILQ_ENTRY(carp_ifconf) ic_entry;
	char		 ic_name[IFNAMSIZ];
	char		 ic_carpdev[IFNAMSIZ];
	int		 ic_line;		/* where the block starts */
	uint8_t		 ic_vhid;		/* 0 = not given */
	uint8_t		 ic_advbase;		/* default 1 */
	uint8_t		 ic_advskew;		/* default 0 */
	char		*ic_pass;		/* owned, NULL = none */
	uint8_t		 ic_key[CARP_KEY_LEN];
	int		 ic_pass_truncated;	/* passphrase >= 20 bytes */
	struct addr	 ic_addrs[CARP_MAXADDRS];
	int		 ic_naddrs;
	char		 ic_groups[CARPD_MAXGROUPS][IFNAMSIZ];
	int		 ic_ngroups;
	enum carp_lladdr ic_lladdr_mode;
	uint8_t		 ic_lladdr[6];		/* CARP_LLADDR_MANUAL */
	int		 ic_has_peer;
	struct addr	 ic_peer;		/* carppeer, IPv4 unicast */
	enum carp_balancing ic_balancing;	/* parsed, not yet served */
	struct carp_node ic_nodes[CARPD_MAXNODES]; /* carpnodes, parsed */
	int		 ic_nnodes;
	int		 ic_state;		/* -1, or a forced carp_state */
};
TAILQ_HEAD(carp_ifconfs, carp_ifconf);

/* A whole configuration: freed by carpd_config_free(). */
struct carpd_config {
	int		 c_preempt;		/* set preempt yes|no, default no */
	int		 c_allow;		/* set allow yes|no, default yes */
	int		 c_log;			/* set log 0..7, default 2 */
	int		 c_startup_demote;	/* set startup-demote N, group carp */
	struct carp_ifconfs c_ifs;
};

/*
 * parse.y: reads a configuration from f (named name in messages, which
 * are "name:line: message").  Returns a new config, or NULL after
 * reporting every error through err.  Warnings (a truncated passphrase)
 * go through err too but do not fail.  Never touches running state.
 */
typedef void carpd_errfn(void *arg, const char *msg);
struct carpd_config *carpd_parse(FILE *f, const char *name,
	    carpd_errfn *err, void *arg);
struct carpd_config *carpd_parse_file(const char *path,
	    carpd_errfn *err, void *arg);
void	 carpd_config_free(struct carpd_config *);
/* Writes the configuration in canonical form; parses to the same text. */
void	 carpd_config_print(FILE *, const struct carpd_config *);

/* Counters, named as OpenBSD's netstat -s -p carp prints them. */
struct carp_stats {
	uint64_t	 ipackets;	/* IPv4 advertisements received */
	uint64_t	 ipackets6;	/* IPv6 advertisements received */
	uint64_t	 drops[CARP_DROP_MAX];	/* by enum carp_reason */
	uint64_t	 hdrops;	/* IP header unreadable */
	uint64_t	 opackets;	/* IPv4 advertisements sent */
	uint64_t	 opackets6;
	uint64_t	 onomem;	/* send failures */
	uint64_t	 preempt;	/* transitions to MASTER */
	uint64_t	 ctl_bad;	/* malformed control requests */
};

/* A demotion group: "carp", or one named by a group keyword. */
struct carp_group {
	TAILQ_ENTRY(carp_group)	 g_entry;
	char			 g_name[IFNAMSIZ];
	int			 g_demote;
};
TAILQ_HEAD(carp_groups, carp_group);

/* One carp interface at run time. */
struct carp_softc {
	TAILQ_ENTRY(carp_softc)	 sc_entry;
	struct carpd		*sc_env;
	struct carp_ifconf	*sc_conf;	/* borrowed from the running
						   config; replaced on reload */
	struct carp_vhost	 sc_vh;
	struct carp_auth	 sc_auth;
	uint64_t		 sc_cookie;	/* loop detection, constant */
	int			 sc_ifindex;	/* macvlan, or the carpdev */
	int			 sc_parent;	/* carpdev ifindex, 0 = absent */
	int			 sc_parent_up;	/* UP and RUNNING */
	int			 sc_running;	/* conditions of 6.1 hold */
	int			 sc_linkdemoted;/* our +1 for carpdev is on */
	int			 sc_vips_on;	/* VIPs installed */
	uint8_t			 sc_mac[6];
	int			 sc_demote;	/* private counter */
	int			 sc_snderr;	/* consecutive send errors */
	int			 sc_sndok;	/* successes since demoted */
	int			 sc_snddemoted;
	struct event		*sc_timer;
};
TAILQ_HEAD(carp_softcs, carp_softc);

struct carpd {
	struct carpd_config	*env_conf;	/* owned */
	const char		*env_conffile;
	const char		*env_sockpath;
	char			 env_alias[128];
	struct carp_softcs	 env_softcs;
	struct carp_groups	 env_groups;
	struct carp_stats	 env_stats;
	struct event_base	*env_base;
	struct nl		*env_nl;
	struct nl_ev		*env_nlev;
	struct event		*env_nlev_ev;
	int			 env_sock4;	/* raw, protocol 112 */
	int			 env_sock6;
	int			 env_pkt;	/* packet socket: GARP, NA */
	struct event		*env_ev4;
	struct event		*env_ev6;
	struct ctl_server	*env_ctl;
	struct log_rl		 env_rl[CARP_DROP_MAX];
};

/* carpd.c */
uint64_t carpd_now(void);
int	 carpd_loglevel(const struct carpd *, int);
int	 carp_group_adjust(struct carpd *, const char *, int, const char *);
int	 carp_demote_of(const struct carpd *, const struct carp_softc *);
void	 carp_softc_demote(struct carp_softc *, int, const char *);
void	 carpd_reload(struct carpd *);
struct carp_softc *carp_softc_find(struct carpd *, const char *);

/* carp_if.c */
int	 carp_if_init(struct carpd *);
void	 carp_if_cleanup_leftovers(struct carpd *);
int	 carp_if_attach(struct carp_softc *);
void	 carp_if_detach(struct carp_softc *, int bowout);
void	 carp_if_event(struct carp_softc *, const struct carp_event *);
void	 carp_if_update(struct carp_softc *);
void	 carp_if_sync_vips(struct carp_softc *,
	    const struct carp_ifconf *);

/* control.c */
int	 control_init(struct carpd *);
void	 control_notify_state(struct carpd *, const struct carp_softc *);
void	 control_close(struct carpd *);

#endif /* CARPD_H */
