/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

#ifndef RELAYD_H
#define RELAYD_H

/*
 * relayd: the parsed configuration (shared by every process), the host
 * check reasons, and the messages between the parent, the pf engine
 * (pfe) and the host check engine (hce).
 *
 * One struct relayd_conf is what parse.y builds, what conf_print() writes
 * back, and what every process works on.  The parent sends its children
 * the printed text of a validated configuration and they parse it again
 * (a printout re-parses to the same thing: the golden tests check it), so
 * there is one serialisation and it is the one an operator can read.
 * Run-time fields (host states, counters) sit next to the configured
 * ones, as in OpenBSD's relayd.h; conf_merge_state() carries them over a
 * reload.
 */

#include <sys/queue.h>
#include <sys/socket.h>

#include <net/if.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "msg.h"

#define RELAYD_CONF		"/etc/hakit/relayd.conf"
#define RELAYD_SOCK		"/run/hakit/relayd.sock"
#define RELAYD_CARPSOCK		"/run/hakit/carpd.sock"
#define RELAYD_SSLROOT		"/etc/ssl"	/* REL-16, TLS-4 */
#define RELAYD_USER		"_hakit"
#define RELAYD_NFT_TABLE	"hakit_relayd"	/* family inet */

#define RELAYD_INTERVAL		10	/* s, CFG-8 */
#define RELAYD_TIMEOUT		200	/* ms, CFG-9 */
#define RELAYD_PREFORK		3	/* CFG-15 */
#define RELAYD_PREFORK_MAX	32
#define RELAYD_SESS_TIMEOUT	600	/* s, RDR-6, REL-14 */
#define RELAYD_SESS_TIMEOUT_MAX	2147483647
#define RELAYD_MAXLISTEN	16	/* per redirect, RDR-2 */
#define RELAYD_NAMELEN		64	/* table, redirect, relay... names */
#define RELAYD_HOSTLEN		256	/* a host as configured */
#define RELAYD_BUCKETS		256	/* nft map slots per redirect (13.3) */
#define RELAYD_MAXHOSTS		4096	/* per configuration */

/* HCE-11: the last result of a host's check.  The words are OpenBSD's
 * (relayctl prints hce_reason_str()); the order is the spec's list. */
enum hce_reason {
	HCE_NONE = 0,
	HCE_ABORT,
	HCE_INTERVAL_TIMEOUT,
	HCE_ICMP_OK,
	HCE_ICMP_READ_TIMEOUT,
	HCE_ICMP_WRITE_TIMEOUT,
	HCE_TCP_SOCKET_ERROR,
	HCE_TCP_SOCKET_LIMIT,
	HCE_TCP_SOCKET_OPTION,
	HCE_TCP_CONNECT_FAIL,
	HCE_TCP_CONNECT_TIMEOUT,
	HCE_TCP_CONNECT_OK,
	HCE_TCP_WRITE_TIMEOUT,
	HCE_TCP_WRITE_FAIL,
	HCE_TCP_READ_TIMEOUT,
	HCE_TCP_READ_FAIL,
	HCE_SCRIPT_OK,
	HCE_SCRIPT_FAIL,
	HCE_TLS_CONNECT_OK,
	HCE_TLS_CONNECT_FAIL,
	HCE_TLS_CONNECT_TIMEOUT,
	HCE_TLS_CONNECT_ERROR,
	HCE_TLS_READ_TIMEOUT,
	HCE_TLS_WRITE_TIMEOUT,
	HCE_TLS_READ_ERROR,
	HCE_TLS_WRITE_ERROR,
	HCE_SEND_EXPECT_FAIL,
	HCE_SEND_EXPECT_OK,
	HCE_HTTP_CODE_ERROR,
	HCE_HTTP_CODE_FAIL,
	HCE_HTTP_CODE_OK,
	HCE_HTTP_DIGEST_ERROR,
	HCE_HTTP_DIGEST_FAIL,
	HCE_HTTP_DIGEST_OK,
	HCE_NREASONS
};
const char *hce_reason_str(enum hce_reason);

/* Check methods, HCE-1..10; https = HTTP with ck_tls. */
enum check_type {
	CHECK_NOCHECK = 0,	/* relay tables only */
	CHECK_ICMP,
	CHECK_TCP,
	CHECK_TLS,
	CHECK_HTTP_CODE,
	CHECK_HTTP_DIGEST,
	CHECK_SEND_EXPECT,
	CHECK_BINARY,
	CHECK_SCRIPT
};

enum digest_type {
	DIGEST_NONE = 0,
	DIGEST_SHA1,		/* 40 hex digits */
	DIGEST_MD5		/* 32 hex digits */
};

#define CHECK_MAXDATA		1024	/* send/expect bytes */

struct rd_check {
	enum check_type	 ck_type;
	int		 ck_tls;	/* https, "... expect ... tls" */
	char		 ck_path[1024];	/* http path, script path */
	char		 ck_host[256];	/* http "host h", "" = none */
	int		 ck_code;	/* http code n */
	enum digest_type ck_digest_type;
	char		 ck_digest[41];	/* lower-case hex */
	int		 ck_send_nothing; /* "send nothing" */
	uint8_t		 ck_send[CHECK_MAXDATA];	/* send (binary: decoded) */
	size_t		 ck_sendlen;
	uint8_t		 ck_expect[CHECK_MAXDATA];	/* glob text, or decoded
							   binary prefix */
	size_t		 ck_expectlen;
};

/* Scheduling, SCH-1..7. */
enum rd_mode {
	MODE_ROUNDROBIN = 0,
	MODE_RANDOM,
	MODE_SOURCEHASH,
	MODE_LOADBALANCE,	/* relays only */
	MODE_HASH,		/* relays only */
	MODE_LEASTSTATES	/* redirects only */
};

enum host_state {
	HOST_UNKNOWN = 0,
	HOST_UP,
	HOST_DOWN
};

struct rd_table;

struct rd_host {
	TAILQ_ENTRY(rd_host) h_entry;		/* in its table */
	uint32_t	 h_id;			/* TBL-10, from 1 */
	char		 h_name[RELAYD_HOSTLEN];	/* as configured */
	struct sockaddr_storage h_ss;		/* resolved, port 0 */
	uint32_t	 h_parentid;		/* "parent id", 0 = none */
	int		 h_retry;		/* "retry n" */
	int		 h_priority;		/* "priority n", default 8 */
	int		 h_ttl;			/* "ip ttl n", 0 = default */
	struct rd_table	*h_table;

	/* Run time. */
	enum host_state	 h_state;
	int		 h_disabled;
	int		 h_retry_left;		/* budget, HCE */
	enum hce_reason	 h_reason;		/* last result */
	uint64_t	 h_checks;		/* counted checks */
	uint64_t	 h_ups;			/* of them, up */
};
TAILQ_HEAD(rd_hosts, rd_host);

/*
 * A table as used: "forward to <web> port 80 check ..." makes the table
 * "web:80" (TBL-10), a copy of the template's hosts with fresh ids and
 * the check, mode and timing of that forward line.  t_name is the shown
 * name ("web:80"); t_template the declared one ("web").
 */
struct rd_table {
	TAILQ_ENTRY(rd_table) t_entry;
	uint32_t	 t_id;			/* from 1 */
	char		 t_name[RELAYD_NAMELEN + 8];
	char		 t_template[RELAYD_NAMELEN];
	uint16_t	 t_port;		/* host order; 0 = none */
	int		 t_disabled;		/* "disable" or relayctl */
	struct rd_check	 t_check;
	int		 t_interval;		/* s; multiple of global */
	int		 t_timeout;		/* ms */
	char		 t_demote[IFNAMSIZ];	/* "demote group", "" */
	enum rd_mode	 t_mode;
	uint8_t		 t_key[16];		/* SCH-7 */
	int		 t_haskey;
	struct rd_hosts	 t_hosts;
	int		 t_line;		/* of the forward line */

	/* Run time. */
	int		 t_up;			/* live hosts */
	int		 t_demoted;		/* our share is raised */
};
TAILQ_HEAD(rd_tables, rd_table);

/* One "listen on" of a redirect, RDR-2. */
struct rd_listen {
	struct sockaddr_storage l_ss;		/* port 0 */
	uint8_t		 l_proto;		/* IPPROTO_TCP default */
	uint16_t	 l_port;		/* host order */
	uint16_t	 l_port_hi;		/* == l_port unless "p:q" */
	char		 l_ifname[IFNAMSIZ];	/* "interface if", "" */
	int		 l_pflog;		/* RDR-10 */
};

/*
 * Session statistics of a redirect (IMP-11), one tick every
 * RELAYD_STATINTERVAL seconds from the nft counter of its new flows.
 */
#define RELAYD_STATINTERVAL	60
struct rd_stats {
	uint64_t	 st_cnt;		/* sessions since start */
	uint64_t	 st_seen;		/* last counter value read */
	uint64_t	 st_last;		/* in the last interval */
	uint64_t	 st_avg;
	uint64_t	 st_last_hour;
	uint64_t	 st_avg_hour;
	uint64_t	 st_last_day;
	uint64_t	 st_avg_day;
	uint32_t	 st_tick;
};

enum rdr_status {
	RDR_ACTIVE = 0,
	RDR_BACKUP,		/* "active (using backup table)" */
	RDR_DOWN,
	RDR_DISABLED
};

struct rd_redirect {
	TAILQ_ENTRY(rd_redirect) r_entry;
	uint32_t	 r_id;			/* from 1 */
	char		 r_name[RELAYD_NAMELEN];
	struct rd_listen r_listen[RELAYD_MAXLISTEN];
	int		 r_nlisten;
	struct rd_table	*r_table;		/* forward to */
	struct rd_table	*r_backup;		/* second forward to, or NULL */
	int		 r_route;		/* "route to" (RDR-5) */
	int		 r_sticky;		/* RDR-7 */
	int		 r_timeout;		/* session timeout, s */
	char		 r_tag[RELAYD_NAMELEN];	/* pftag, "" */
	int		 r_match;		/* "match pftag" */
	int		 r_disabled;		/* RDR-11 */
	int		 r_line;

	/* Run time. */
	enum rdr_status	 r_status;
	uint32_t	 r_buckets[RELAYD_BUCKETS];	/* host ids, 0 = none */
	struct rd_stats	 r_stats;
	int		 r_ctl;			/* relayctl's last word: 0 none,
						   1 enabled, 2 disabled */
};
TAILQ_HEAD(rd_redirects, rd_redirect);

/*
 * Relays, protocols and routers are parsed, checked and printed in this
 * part; serving them comes with the layer-7 work.  parse.y owns their
 * structs (relayd/conf_l7.h).
 */
struct rd_relay;
struct rd_protocol;
struct rd_router;
TAILQ_HEAD(rd_relays, rd_relay);
TAILQ_HEAD(rd_protocols, rd_protocol);
TAILQ_HEAD(rd_routers, rd_router);

#define CONF_LOG_STATE		0x01	/* log state changes */
#define CONF_LOG_CHECKS		0x02	/* log host checks */
#define CONF_LOG_CONN		0x04	/* log connection */
#define CONF_LOG_CONNERR	0x08	/* log connection errors */

struct relayd_conf {
	int		 c_interval;		/* s */
	int		 c_timeout;		/* ms */
	int		 c_log;			/* CONF_LOG_* */
	int		 c_loglevel;		/* -1 unset, 0 brief, 1 verbose */
	int		 c_prefork;
	char		 c_socket[108];		/* "socket", "" = default */
	int		 c_agentx;
	char		 c_agentx_context[64];
	char		 c_agentx_path[108];

	struct rd_tables c_tables;		/* used tables, by id */
	struct rd_redirects c_redirects;
	struct rd_relays c_relays;
	struct rd_protocols c_protocols;
	struct rd_routers c_routers;
	uint32_t	 c_nhosts;
	/* Declared tables, for the printer (hosts as written). */
	void		*c_templates;
};

struct conf_parse_opts {
	/* "-D name=value", applied before the file, not overridden by it. */
	const char	*const *po_defines;
	int		 po_ndefines;
	/* Where "file:line: message" lines go; NULL = stderr. */
	void		(*po_err)(void *, const char *);
	void		*po_arg;
	/* Resolve DNS names (parent); children parse printed text, which
	 * holds addresses only. */
	int		 po_resolve;
};

/* parse.y */
struct relayd_conf *conf_parse_file(const char *path,
	    const struct conf_parse_opts *);
struct relayd_conf *conf_parse_buf(const char *text, size_t len,
	    const char *name, const struct conf_parse_opts *);
void	 conf_free(struct relayd_conf *);

/* conf_print.c: the configuration as relayd.conf text, re-parseable. */
void	 conf_print(FILE *, const struct relayd_conf *);
/* The same into a malloc'd string, or NULL. */
char	*conf_print_str(const struct relayd_conf *, size_t *lenp);

/* conf.c */
struct rd_host *conf_host(const struct relayd_conf *, uint32_t id);
struct rd_host *conf_host_byname(const struct relayd_conf *,
	    const char *);
struct rd_table *conf_table(const struct relayd_conf *, uint32_t id);
struct rd_table *conf_table_byname(const struct relayd_conf *,
	    const char *);
struct rd_redirect *conf_redirect(const struct relayd_conf *, uint32_t);
struct rd_redirect *conf_redirect_byname(const struct relayd_conf *,
	    const char *);
/*
 * Carries run-time state over a reload: a host keeps its state and
 * counters when a host of the same table name, name and address with an
 * identical check existed; a table or redirect keeps "disabled" set by
 * relayctl.  Redirect buckets carry over by name.
 */
void	 conf_merge_state(struct relayd_conf *newc,
	    const struct relayd_conf *oldc);

/* hce_state.c: HCE state logic, pure. */
/*
 * Applies one check result (ok or not, with its reason) to h: retry
 * budget, counters, state.  Returns 1 when h_state changed.
 */
int	 hce_apply(struct rd_host *h, int ok, enum hce_reason);
/* A host re-enabled by relayctl: unknown, budget refilled, counters 0. */
void	 hce_host_reset(struct rd_host *h);

/* buckets.c: redirect buckets, pure (13.3). */
/*
 * Recomputes b[RELAYD_BUCKETS] (host ids) for the live ids given,
 * moving as few buckets as possible: departed hosts' buckets go to the
 * hosts below their share, a newcomer takes its share from those above
 * it.  With nlive == 0 every bucket becomes 0.  Each live host ends with
 * floor(256/n) or ceil(256/n) buckets.  Returns the buckets changed.
 */
int	 buckets_update(uint32_t *b, const uint32_t *live, int nlive);
/*
 * least-states: re-weighs b for the hosts ids[] holding counts[] states
 * each (shares inverse to count + 1, at least one slot each), moving as
 * few slots as needed.  Returns the buckets changed, or -1.
 */
int	 buckets_weigh(uint32_t *b, const uint32_t *ids,
	    const uint64_t *counts, int n);

/* conf.c: the port of an address, host order; the address as text
 * ("?" if it has none). */
uint16_t conf_ss_port(const struct sockaddr_storage *);
const char *conf_ss_str(const struct sockaddr_storage *, char *, size_t);

/* stats.c: one statistics tick from a redirect's counter value. */
void	 stats_tick(struct rd_stats *, uint64_t counter);

/* Messages between processes (lib/msg.h types). */
enum relayd_msg {
	M_CFG_TEXT = 1,		/* parent -> child: a chunk of config text */
	M_CFG_END,		/* parent -> child: uint32_t generation */
	M_CFG_OK,		/* child -> parent: applied */
	M_START,		/* parent -> child: run */
	M_HOST_STATUS,		/* hce -> pfe: struct m_host_status */
	M_SYNC,			/* hce -> pfe: a check round ended */
	M_HOST_ENABLE,		/* pfe -> hce: struct m_id, host */
	M_HOST_DISABLE,		/* pfe -> hce: struct m_id, host */
	M_TABLE_ENABLE,		/* pfe -> hce: struct m_id, table */
	M_TABLE_DISABLE,	/* pfe -> hce: struct m_id, table */
	M_POLL,			/* pfe -> hce: check now */
	M_SCRIPT_RUN,		/* hce -> parent: uint32_t host id */
	M_SCRIPT_DONE,		/* parent -> hce: struct m_script */
	M_RDR_APPLY,		/* pfe -> parent: struct m_rdr */
	M_DEMOTE,		/* pfe -> parent: struct m_demote */
	M_RELOAD,		/* pfe -> parent: path ("" = same file) */
	M_RELOAD_DONE,		/* parent -> pfe: "" or the error text */
	M_LOG_VERBOSE,		/* pfe -> parent -> children: int */
	M_STOP,			/* pfe -> parent */
	M_RDR_STATS,		/* parent -> pfe: struct m_rdr_stats[] */
	M_RDR_LOAD,		/* parent -> pfe: struct m_rdr_load */
	M_RELAY_LISTEN,		/* parent -> relay: m_relay_listen + fd */
	M_RELAY_TLS,		/* parent -> relay: m_relay_tls + chunk */
	M_RELAY_COMMIT,		/* parent -> relay: uint32_t generation */
	M_RELAY_HOSTS,		/* pfe -> relay: m_relay_hosts;
				   relay -> pfe: uint32_t gen (send them) */
	M_RELAY_SESSIONS,	/* pfe -> relay: uint32_t request id;
				   relay -> pfe: m_relay_sessions */
	M_RELAY_STATS,		/* relay -> pfe: m_relay_stats */
	M_RELAY_TSOCK,		/* relay -> parent: m_relay_tsock;
				   parent -> relay: m_relay_tsock + fd */
	M_CA_KEYS,		/* parent -> ca: m_relay_tls + chunk */
	M_CA_COMMIT,		/* parent -> ca: uint32_t generation */
	M_RELAY_TICKET,		/* parent -> relay: m_relay_ticket */
};

/*
 * Host ids mean other hosts after a reload (IMP-13), and the pfe and the
 * hce take a new configuration each in its own time: every message that
 * names a host or table carries the generation it was made for, and a
 * message of another generation is dropped.  (A dropped state is sent
 * again with the next round's results.)
 */
struct m_id {
	uint32_t	 mi_gen;
	uint32_t	 mi_id;
};

struct m_host_status {
	uint32_t	 hs_gen;
	uint32_t	 hs_id;
	uint32_t	 hs_state;		/* enum host_state */
	uint32_t	 hs_reason;		/* enum hce_reason */
	int32_t		 hs_retry_left;
	uint64_t	 hs_checks;
	uint64_t	 hs_ups;
};

struct m_script {
	uint32_t	 sc_id;
	int32_t		 sc_result;		/* exit status > 0 = up */
};

struct m_rdr {
	uint32_t	 mr_gen;		/* configuration generation */
	uint32_t	 mr_id;
	uint32_t	 mr_up;			/* 0: rules out (down/disabled) */
	uint32_t	 mr_buckets[RELAYD_BUCKETS];	/* host ids */
};

struct m_rdr_stats {
	uint32_t	 ms_gen;
	uint32_t	 ms_id;
	uint64_t	 ms_count;		/* the nft counter: new flows */
};

/* least-states: the states each host of a redirect's buckets holds. */
struct m_rdr_load {
	uint32_t	 ml_gen;
	uint32_t	 ml_id;
	uint32_t	 ml_n;
	uint32_t	 ml_ids[RELAYD_BUCKETS];
	uint64_t	 ml_counts[RELAYD_BUCKETS];
};

struct m_demote {
	char		 md_group[IFNAMSIZ];
	int32_t		 md_delta;
};

/* A relay's listening socket (the parent's, shared by every relay
 * process), for listen line ml_idx of relay ml_relay. */
struct m_relay_listen {
	uint32_t	 ml_gen;
	uint32_t	 ml_relay;
	uint32_t	 ml_idx;
};

/* A relay's TLS material (relay_tls_files_pack()), in chunks. */
struct m_relay_tls {
	uint32_t	 mt_gen;
	uint32_t	 mt_relay;
	uint32_t	 mt_total;		/* bytes in all */
	uint32_t	 mt_off;		/* of this chunk */
};

/* TLS-12: a session ticket key, the same in every relay process; the
 * parent makes a new one every RELAY_TLS_TICKET_LIFETIME / 4. */
struct m_relay_ticket {
	uint32_t	 tk_keyrev;		/* names the key in a ticket */
	uint8_t		 tk_key[48];		/* TLS_TICKET_KEY_SIZE */
};

/* REL-6: a socket bound to the client's address (IP_TRANSPARENT needs
 * CAP_NET_ADMIN, so the parent makes it); no fd in the reply: refused. */
struct m_relay_tsock {
	uint32_t	 mt_session;
	struct sockaddr_storage mt_ss;
};

/* Host liveness for relays (IMP-12): hosts of relay tables. */
#define RELAY_HOSTS_MAX	((MSG_MAXLEN - 8) / 8)
struct m_relay_hosts {
	uint32_t	 mh_gen;
	uint32_t	 mh_n;
	struct {
		uint32_t	 id;
		uint32_t	 live;
	}		 mh_hosts[RELAY_HOSTS_MAX];
};

/* One session for relayctl show sessions (CTL-7). */
struct m_session {
	uint32_t	 ss_id;
	uint32_t	 ss_relay;
	struct sockaddr_storage ss_src;
	struct sockaddr_storage ss_dst;
	int64_t		 ss_age;		/* s */
	int64_t		 ss_idle;		/* s */
	uint32_t	 ss_pid;
	uint32_t	 ss_done;
	char		 ss_tag[RELAYD_NAMELEN];
};
#define RELAY_SESSIONS_MAX \
	((MSG_MAXLEN - 12) / sizeof(struct m_session))
struct m_relay_sessions {
	uint32_t	 rs_req;
	uint32_t	 rs_last;		/* the last chunk of this reply */
	uint32_t	 rs_n;
	struct m_session rs_s[RELAY_SESSIONS_MAX];
};

/*
 * What a relay refused or could not do (CTL-5), counted by the relay
 * processes, summed by the pfe and shown by relayctl show relays under
 * the names of pfe.c's rctr_names.
 */
enum relay_ctr {
	RCTR_BAD_REQUEST = 0,	/* request head refused 400 */
	RCTR_TOO_LONG,		/* 413: head over headerlen */
	RCTR_TOO_MANY,		/* 431: over maxheaders */
	RCTR_OTHER,		/* 403 websocket, 405, 500 method, 501, 505 */
	RCTR_TIMEOUT,		/* 408: head not complete in time */
	RCTR_BAD_CHUNK,		/* 400: bad chunked request body */
	RCTR_EDIT,		/* a rule's edit made a head too large */
	RCTR_SMUGGLE,		/* Content-Length with Transfer-Encoding:
				   passed as chunked, then closed */
	RCTR_BLOCKED,		/* a block rule */
	RCTR_CONNECT,		/* backend connect failed or timed out */
	RCTR_NO_BACKEND,	/* none to connect to (503) */
	RCTR_BAD_RESPONSE,	/* backend head or chunk refused (502) */
	RCTR_EARLY_CLOSE,	/* backend closed before its response (502) */
	RCTR_TLS,		/* client TLS handshake failed */
	RCTR_BACKEND_TLS,	/* backend TLS handshake failed */
	RELAY_NCTR
};

/* Per relay: sessions started and counters since the last report
 * (every interval, and a second after a counter moved). */
struct m_relay_stat {
	uint32_t	 relay;
	uint32_t	 active;
	uint64_t	 count;
	uint64_t	 ctr[RELAY_NCTR];
};
#define RELAY_STATS_MAX	((MSG_MAXLEN - 8) / sizeof(struct m_relay_stat))
struct m_relay_stats {
	uint32_t	 st_gen;
	uint32_t	 st_n;
	struct m_relay_stat st_r[RELAY_STATS_MAX];
};

#endif /* RELAYD_H */
