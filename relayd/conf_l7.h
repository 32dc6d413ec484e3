/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

#ifndef RELAYD_CONF_L7_H
#define RELAYD_CONF_L7_H

/*
 * What parse.y, conf.c and conf_print.c share beyond relayd.h: the
 * declared tables ("templates", hosts as written), relays, protocols
 * with their filter rules, and routers.  Relays, protocols and routers
 * are parsed, checked and printed; serving them is the layer-7 work.
 *
 * Ownership: everything hangs from struct relayd_conf and is freed by
 * conf_free().  Used tables (struct rd_table) are owned by c_tables
 * only; redirects, relay forwards and routers borrow them, and two users
 * of the same "name:port" with the same check and timing share one table.
 * t_mode and t_key are a redirect's; a relay keeps its own in its forward.
 */

#include <sys/queue.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <stdint.h>

#include "addr.h"
#include "relayd.h"

#define RELAYD_STRLEN		1024	/* paths, values, keys */
#define RELAYD_RELAY_MAXHOSTS	32	/* hosts of a relay table, REL-4 */
#define RELAYD_MAXROUTES	64	/* routes of a router */
#define RELAYD_HEADERLEN	8192	/* HTTP-1 default */
#define RELAYD_HEADERLEN_MAX	131072
#define RELAYD_MAXHEADERS	100	/* header lines, hakit */
#define RELAYD_MAXHEADERS_MAX	10000
#define RELAYD_BACKLOG		10	/* TCP-4 default */
#define RELAYD_BACKLOG_MAX	512

/* A declared table: "table <name> [disable] { hosts }". */
struct rd_template {
	TAILQ_ENTRY(rd_template) tp_entry;
	char		 tp_name[RELAYD_NAMELEN];
	int		 tp_disabled;
	int		 tp_timeout;	/* the global timeout then (order
					   rule, CFG-9) */
	struct rd_hosts	 tp_hosts;	/* h_id 0; as written, resolved */
	int		 tp_nhosts;
	int		 tp_line;
};
TAILQ_HEAD(rd_templates, rd_template);

/* A relay's "listen on addr [port p] [tls]", one per address. */
struct rd_relay_listen {
	struct sockaddr_storage rl_ss;		/* port 0 */
	uint16_t	 rl_port;		/* host order; 0 = none */
	int		 rl_tls;
};

enum rd_fwd_type {
	FWD_ADDR = 0,		/* forward to addr [port p] */
	FWD_TABLE,		/* forward to <table> ... */
	FWD_NATLOOKUP,		/* forward to nat lookup */
	FWD_DESTINATION		/* forward to destination */
};

/* One "[transparent] forward [with tls] to ..." line of a relay. */
struct rd_relay_fwd {
	TAILQ_ENTRY(rd_relay_fwd) f_entry;
	enum rd_fwd_type f_type;
	int		 f_tls;			/* with tls */
	int		 f_transparent;
	struct sockaddr_storage f_ss;		/* FWD_ADDR, port 0 */
	uint16_t	 f_port;		/* FWD_ADDR; 0 = listen port */
	int		 f_retry;		/* -1 = not given */
	struct rd_table	*f_table;		/* FWD_TABLE, borrowed */
	enum rd_mode	 f_mode;		/* the relay's, not t_mode */
	int		 f_haskey;
	uint8_t		 f_key[16];
	int		 f_af;			/* "inet", "inet6": 0 = none */
	struct addr	 f_prefix;		/* inet6 prefix */
	int		 f_line;
};
TAILQ_HEAD(rd_relay_fwds, rd_relay_fwd);

struct rd_relay {
	TAILQ_ENTRY(rd_relay) rl_entry;
	uint32_t	 rl_id;			/* from 1 */
	char		 rl_name[RELAYD_NAMELEN];
	struct rd_relay_listen rl_listen[RELAYD_MAXLISTEN];
	int		 rl_nlisten;
	struct rd_relay_fwds rl_fwds;
	char		 rl_proto_name[RELAYD_NAMELEN];	/* "" = tcp */
	struct rd_protocol *rl_proto;		/* borrowed, or NULL */
	int		 rl_timeout;		/* session timeout, s */
	int		 rl_disabled;
	int		 rl_proxyproto;		/* 0, 1 or 2 */
	int		 rl_line;

	/* Run time, in the pfe: sessions started, as the relay
	 * processes report them (IMP-11). */
	uint64_t	 rl_count;
	struct rd_stats	 rl_stats;
};

enum rd_proto_type {
	PROTO_TCP = 0,
	PROTO_HTTP,
	PROTO_DNS
};

/* Filter rules, FLT. */
enum rule_action {
	RULE_PASS = 0,
	RULE_BLOCK,
	RULE_MATCH
};

enum rule_kvtype {
	KV_COOKIE = 0,
	KV_HEADER,
	KV_PATH,
	KV_QUERY,
	KV_URL,
	KV_NTYPES
};

enum rule_kvaction {
	KVA_TEST = 0,		/* no action word: a lookup */
	KVA_APPEND,
	KVA_SET,
	KVA_REMOVE,
	KVA_HASH,
	KVA_LOG
};

enum rule_keykind {
	KEY_NONE = 0,		/* no key given */
	KEY_NAME,		/* "key" */
	KEY_FILE,		/* file "path" */
	KEY_DIGEST,		/* digest "hex" */
	KEY_PATTERN		/* pattern "lua pattern" [new] */
};

struct rd_rule_kv {
	int		 kv_set;		/* this type is used */
	enum rule_kvaction kv_action;
	enum rule_keykind kv_keykind;
	char		 kv_key[RELAYD_STRLEN];
	int		 kv_hasvalue;
	char		 kv_value[RELAYD_STRLEN];
};

struct rd_rule {
	TAILQ_ENTRY(rd_rule) ru_entry;
	enum rule_action ru_action;
	int		 ru_response;		/* else request */
	int		 ru_quick;
	int		 ru_af;			/* 0, AF_INET, AF_INET6 */
	int		 ru_hasfrom;
	struct addr	 ru_from;		/* a_plen -1 = host */
	int		 ru_hasto;
	struct addr	 ru_to;
	char		 ru_method[32];		/* "" = any */
	struct rd_rule_kv ru_kv[KV_NTYPES];
	int		 ru_strip;		/* path strip n, -1 = none */
	char		 ru_table[RELAYD_NAMELEN];	/* forward to, "" */
	char		 ru_tag[RELAYD_NAMELEN];
	int		 ru_notag;
	char		 ru_tagged[RELAYD_NAMELEN];
	char		 ru_label[RELAYD_STRLEN];
	int		 ru_nolabel;
	int		 ru_line;
};
TAILQ_HEAD(rd_rules, rd_rule);

/* "keypair name [cert p] [key p] [ocsp p]", TLS-4. */
struct rd_keypair {
	TAILQ_ENTRY(rd_keypair) kp_entry;
	char		 kp_name[RELAYD_NAMELEN];
	char		 kp_cert[RELAYD_STRLEN];	/* "" = default */
	char		 kp_key[RELAYD_STRLEN];
	char		 kp_ocsp[RELAYD_STRLEN];
};
TAILQ_HEAD(rd_keypairs, rd_keypair);

#define TLSV_1_2		0x01
#define TLSV_1_3		0x02
#define TLSV_DEFAULT		(TLSV_1_2 | TLSV_1_3)

struct rd_protocol {
	TAILQ_ENTRY(rd_protocol) p_entry;
	uint32_t	 p_id;			/* from 1 */
	char		 p_name[RELAYD_NAMELEN];
	enum rd_proto_type p_type;
	int		 p_line;

	/* tcp; -1 = not given */
	int		 p_nodelay;
	int		 p_sack;
	int		 p_splice;
	int		 p_bufsize;
	int		 p_backlog;
	int		 p_ttl;
	int		 p_minttl;

	/* http */
	int		 p_headerlen;		/* 0 = default */
	int		 p_maxheaders;		/* 0 = default (100) */
	int		 p_websockets;		/* 0, 1 */

	/* return error */
	int		 p_return_error;
	char		 p_style[RELAYD_STRLEN];	/* "" = none */

	/* tls */
	char		 p_ciphers[RELAYD_STRLEN];	/* "" = default */
	char		 p_ecdhe[RELAYD_STRLEN];	/* "" = default */
	int		 p_edh;			/* 0 none, 1 edh */
	char		 p_edh_params[16];	/* "" = default (auto) */
	char		 p_ca_file[RELAYD_STRLEN];
	char		 p_ca_cert[RELAYD_STRLEN];
	char		 p_ca_key[RELAYD_STRLEN];
	char		 p_ca_pass[RELAYD_STRLEN];
	char		 p_client_ca[RELAYD_STRLEN];
	int		 p_tickets;		/* session tickets */
	int		 p_client_reneg;	/* client-renegotiation */
	int		 p_cipher_pref;		/* cipher-server-preference */
	int		 p_tlsv;		/* TLSV_* */
	struct rd_keypairs p_keypairs;

	struct rd_rules	 p_rules;
	int		 p_nrules;
};

struct rd_route {
	struct addr	 rt_addr;		/* network, a_plen set */
};

struct rd_router {
	TAILQ_ENTRY(rd_router) rt_entry;
	uint32_t	 rt_id;			/* from 1 */
	char		 rt_name[RELAYD_NAMELEN];
	struct rd_route	 rt_routes[RELAYD_MAXROUTES];
	int		 rt_nroutes;
	struct rd_table	*rt_table;		/* forward to, borrowed */
	int		 rt_rtable;		/* -1 = none */
	char		 rt_label[RELAYD_NAMELEN];	/* "" = none */
	int		 rt_disabled;
	int		 rt_line;
};

/* conf.c */
/* The declared table named name, or NULL. */
struct rd_template *conf_template(const struct relayd_conf *,
	    const char *name);
/* The protocol and relay named name, or NULL. */
struct rd_protocol *conf_protocol_byname(const struct relayd_conf *,
	    const char *);
struct rd_relay *conf_relay_byname(const struct relayd_conf *,
	    const char *);
/* parse.y: whether s is a keyword (the printer quotes those). */
int	 conf_keyword(const char *s);

/* Two checks that test the same thing. */
int	 conf_check_equal(const struct rd_check *, const struct rd_check *);

#endif /* RELAYD_CONF_L7_H */
