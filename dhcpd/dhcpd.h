/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * dhcpd: OpenBSD's DHCP server with its lease sync (-y/-Y).  One
 * process: it parses DHCP requests (dhcp_wire.c) and sync datagrams
 * (sync_wire.c), both bounded and fuzzed, and keeps CAP_NET_RAW (its
 * packet and ICMP sockets are open before the drop; the capability is
 * kept for reopening after an interface comes back) and CAP_NET_ADMIN
 * (nftables sets, conntrack kills).
 */

#ifndef DHCPD_H
#define DHCPD_H

#include <sys/queue.h>

#include <netinet/in.h>

#include <stdint.h>
#include <time.h>

#include "dhcp_wire.h"
#include "dhcpd_conf.h"
#include "lease.h"
#include "sync_wire.h"

#define DHCPD_LEASES_DEFAULT	"/var/lib/hakit/dhcpd.leases"
#define DHCPD_KEY_DEFAULT	"/var/lib/hakit/dhcpd.key"
#define DHCPD_SOCK_DEFAULT	"/run/hakit/dhcpd.sock"
#define DHCPD_CARP_SOCK_DEFAULT	"/run/hakit/carpd.sock"
#define DHCPD_OFFER_HOLD	120	/* s an OFFER reserves an address */
#define DHCPD_PROBE_AGE		60	/* s: older addresses are pinged */
#define DHCPD_PROBE_WAIT_MS	1000
#define DHCPD_PROBE_MAX		256	/* probes in flight */
#define DHCPD_MAX_SYNC_TARGETS	16
#define DHCPD_RESEND_MIN	10	/* s between full re-sends */
#define DHCPD_MAX_SYNC_PEERS	32
#define DHCPD_PEER_SILENT	60	/* s: a peer quiet this long is new */

struct event;
struct event_base;
struct ctl_server;
struct carp_client;
struct dhcp_tables;
struct leasefile;

/* A served interface (one AF_PACKET socket each) */
struct dhcpd;

struct dhcp_if {
	TAILQ_ENTRY(dhcp_if)	 di_entry;
	struct dhcpd		*di_env;
	char			 di_name[16];
	unsigned int		 di_index;
	uint8_t			 di_mac[6];
	struct in_addr		 di_addr;	/* primary IPv4 address */
	struct in_addr		 di_mask;
	struct dhcp_shared	*di_shared;	/* borrowed from the config */
	int			 di_fd;
	struct event		*di_ev;
};
TAILQ_HEAD(dhcp_ifs, dhcp_if);

/* Counters shown by dhcpctl */
enum dhcpd_stat {
	ST_DISCOVER, ST_REQUEST, ST_RELEASE, ST_DECLINE, ST_INFORM, ST_BOOTP,
	ST_OFFER, ST_ACK, ST_NAK, ST_BOOTREPLY, ST_IGNORED, ST_NOADDR,
	ST_PROBES, ST_PROBE_ANSWERED, ST_ABANDONED, ST_SENDFAIL,
	ST_FSYNC, ST_FILE_ERRORS, ST_TABLE_ERRORS, ST_NOT_MASTER,
	ST_MAX
};

enum dhcpd_sync_stat {
	SS_SENT, SS_SENDFAIL, SS_RECEIVED, SS_LEASES, SS_SUPERSEDED,
	SS_OURS_NEWER, SS_EQUAL, SS_CONFLICT, SS_DANGLING, SS_MAC_OTHER_IP,
	SS_OWN, SS_RESEND, SS_RESEND_LIMITED, SS_RCVDROPS,
	SS_MAX
};

struct dhcp_sync_target {
	struct sockaddr_in	 st_sin;
};

/* Sources heard from, to notice a peer that comes back */
struct dhcp_sync_peer {
	struct in_addr		 sp_addr;
	time_t			 sp_last;
	uint32_t		 sp_counter;	/* its last datagram's */
};

struct dhcpd_sync {
	int			 sy_fd;
	struct event		*sy_ev;
	int			 sy_send;	/* -Y given */
	int			 sy_listen;	/* -y given */
	char			 sy_key[DHCP_SYNC_KEYLEN + 1];
	size_t			 sy_keylen;	/* 0: no key file */
	uint32_t		 sy_counter;
	uint32_t		 sy_ovfl;	/* SO_RXQ_OVFL last seen */
	int			 sy_mcast;	/* send to the group */
	unsigned int		 sy_mcast_if;
	struct in_addr		 sy_mcast_addr;	/* own-source filter */
	int			 sy_mcast_ttl;
	struct dhcp_sync_target	 sy_targets[DHCPD_MAX_SYNC_TARGETS];
	int			 sy_ntargets;
	time_t			 sy_last_resend;
	int			 sy_resend_pending;
	int			 sy_rewrite_pending;
	struct dhcp_sync_peer	 sy_peers[DHCPD_MAX_SYNC_PEERS];
	uint64_t		 sy_stats[SS_MAX];
	uint64_t		 sy_drops[DHCP_SYNC_DROP_MAX];
};

/* An offer or a release waiting for the ICMP probe of its address */
struct dhcp_probe {
	TAILQ_ENTRY(dhcp_probe)	 pr_entry;
	struct in_addr		 pr_addr;
	uint16_t		 pr_seq;
	uint64_t		 pr_deadline_ms;
	int			 pr_release;	/* a release, else an offer */
	int			 pr_tries;
	struct dhcp_if		*pr_if;
	uint8_t			 pr_pkt[1500];	/* the request, to redo */
	size_t			 pr_len;
};
TAILQ_HEAD(dhcp_probes, dhcp_probe);

/* An ACK waiting for the lease file's fsync (group commit) */
struct dhcp_pending {
	TAILQ_ENTRY(dhcp_pending) pe_entry;
	struct dhcp_if		*pe_if;
	struct lease		*pe_lease;	/* for the sync datagram */
	uint8_t			 pe_frame[1600];
	size_t			 pe_len;
	struct sockaddr_in	 pe_udp;	/* sin_port 0: a frame */
};
TAILQ_HEAD(dhcp_pendings, dhcp_pending);

struct dhcpd {
	struct event_base	*env_base;
	struct dhcpd_config	*env_conf;
	const char		*env_conffile;
	const char		*env_leasefile;
	const char		*env_keyfile;
	const char		*env_sockpath;
	int			 env_debug;
	int			 env_udp;		/* -u */
	struct in_addr		 env_udp_addr;
	const char		*env_tab_abandoned;	/* -A */
	const char		*env_tab_changed;	/* -C */
	const char		*env_tab_leased;	/* -L */

	struct dhcp_ifs		 env_ifs;
	int			 env_udpfd;	/* port 67: relays, unicast */
	struct event		*env_udp_ev;
	int			 env_icmpfd;
	struct event		*env_icmp_ev;
	uint16_t		 env_icmp_id;
	uint16_t		 env_icmp_seq;
	struct dhcp_probes	 env_probes;
	int			 env_nprobes;
	struct event		*env_probe_ev;

	struct lease_db		*env_db;
	struct leasefile	*env_lf;
	struct dhcp_pendings	 env_pending;
	struct event		*env_commit_ev;
	int			 env_commit_armed;
	struct event		*env_tick_ev;
	time_t			 env_last_expire;

	struct dhcp_tables	*env_tables;
	struct dhcpd_sync	 env_sync;
	struct ctl_server	*env_ctl;

	/* carp: -K ifname (answer only while MASTER), -I (VIP as id) */
	const char		*env_carp_sock;
	const char		*env_carp_if;
	int			 env_carp_id;
	struct carp_client	*env_carp;
	int			 env_carp_master;
	struct in_addr		 env_carp_vip;

	uint64_t		 env_stats[ST_MAX];
	uint64_t		 env_drops[DHCP_DROP_MAX];
};

/* dhcpd.c */
uint64_t dhcpd_now_ms(void);

/* netif.c */
int	 netif_setup(struct dhcpd *, char **names, int n);
int	 netif_send_frame(struct dhcpd *, struct dhcp_if *, const uint8_t *,
	    size_t);
int	 netif_udp_open(struct dhcpd *);
void	 netif_close(struct dhcpd *);
struct dhcp_if *netif_by_index(struct dhcpd *, unsigned int);

/* server.c */
void	 server_input(struct dhcpd *, struct dhcp_if *, const uint8_t *,
	    size_t, struct in_addr src, uint16_t sport, int from_udp);
void	 server_probe_done(struct dhcpd *, struct dhcp_probe *, int answered);
void	 server_commit(struct dhcpd *);
void	 server_lease_changed(struct dhcpd *, struct lease *, int chg);
void	 server_lease_ended(struct dhcpd *, struct lease *);
void	 server_tick(struct dhcpd *, time_t now);

/* probe.c */
int	 probe_open(struct dhcpd *);
int	 probe_start(struct dhcpd *, struct dhcp_if *, struct in_addr,
	    const uint8_t *pkt, size_t len, int release, int tries);
void	 probe_close(struct dhcpd *);

/* sync.c */
int	 dsync_setup(struct dhcpd *, const char *listen, char **targets,
	    int ntargets);
void	 dsync_send_lease(struct dhcpd *, const struct lease *);
void	 dsync_send_all(struct dhcpd *);
void	 dsync_tick(struct dhcpd *, time_t);
void	 dsync_close(struct dhcpd *);

/* control.c */
int	 control_open(struct dhcpd *);
void	 control_close(struct dhcpd *);

#endif /* DHCPD_H */
