/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * pfsyncd.conf: the grammar of pfsyncd.conf(5), as an OpenBSD parse.y.
 *
 * One setting per line, in the words of OpenBSD's pfsync(4) and
 * ifconfig(8) where they have them (syncdev, syncpeer, maxupd, defer),
 * plus macros, includes, and pf-like "sync" / "no sync" rules that say
 * which conntrack entries are sent.  Every value is taken as a word
 * (string or number) and checked in its action, so a bad value is
 * reported with the setting's name and the value as given, and every
 * error of the file is reported, with its file:line, before the parse
 * fails.
 *
 * The lexer is lib/cfglex (includes, macros, keywords, positions); the
 * parser is reentrant: its state is struct parse, passed by
 * %parse-param.  Nothing here touches running state.
 */

%{
#include <sys/socket.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "cfglex.h"
#include "pfsyncd.h"

#define PFSYNCD_MAXUPD_DEFAULT	128
#define PFSYNCD_MTU_DEFAULT	1500
#define PFSYNCD_MTU_MIN		576
#define PFSYNCD_MTU_MAX		9000
#define PFSYNCD_CARPGROUP	"carp"
#define PFSYNCD_IMPORT_MAX	10000000	/* states per second */
#define PFSYNCD_NLBUF_MIN	(64 * 1024)
#define PFSYNCD_NLBUF_MAX	(1024 * 1024 * 1024)
#define PFSYNCD_SUNPATH		108	/* sizeof(sun_path) */

/* Settings that may be given once. */
#define SEEN_SYNCDEV	0x001
#define SEEN_MAXUPD	0x002
#define SEEN_DEFER	0x004
#define SEEN_MTU	0x008
#define SEEN_HOSTID	0x010
#define SEEN_CARPSOCK	0x020
#define SEEN_CARPGROUP	0x040
#define SEEN_NOCARP	0x080
#define SEEN_IMPORT	0x100
#define SEEN_NLBUF	0x200

/* Options that may be given once per rule. */
#define RSEEN_PROTO	0x01
#define RSEEN_AF	0x02
#define RSEEN_FROM	0x04
#define RSEEN_TO	0x08
#define RSEEN_ZONE	0x10
#define RSEEN_MARK	0x20

/* A token's value: words and numbers keep their text (in the lexer's
 * arena, valid for the whole parse). */
struct tok {
	const char		*str;
	long long		 num;
	int			 isnum;
	struct cfglex_pos	 pos;
};
typedef struct tok YYSTYPE;
#define YYSTYPE_IS_DECLARED	1

struct parse {
	struct cfglex		 p_lx;
	struct pfsyncd_config	*p_conf;	/* owned until returned */
	const char		*p_name;	/* the top file, borrowed */
	int			 p_opened;	/* the top file was read */
	unsigned int		 p_seen;	/* SEEN_* */
	struct cfglex_pos	 p_carpsock_pos;
	struct cfglex_pos	 p_carpgroup_pos;
	int			 p_toomany_peers;
	int			 p_toomany_accept;
	int			 p_toomany_zones;

	/* the rule being read, kept once its line has ended */
	struct pfsync_rule	 p_rule;
	const char		*p_rname;	/* "sync" or "no sync" */
	unsigned int		 p_rseen;	/* RSEEN_* */
	struct cfglex_pos	 p_rpos;

	struct tok		 p_inc;		/* include, at its '\n' */
	int			 p_hasinc;
};

static int	 yylex(YYSTYPE *, struct parse *);
static void	 yyerror(struct parse *, const char *);

static void	 parse_include(struct parse *);
static int	 once(struct parse *, unsigned int, const struct tok *,
		    const char *);
static void	 set_syncdev(struct parse *, const struct tok *,
		    const struct tok *);
static void	 set_syncpeer(struct parse *, const struct tok *);
static void	 set_maxupd(struct parse *, const struct tok *,
		    const struct tok *);
static void	 set_defer(struct parse *, const struct tok *,
		    const struct tok *, int);
static void	 set_mtu(struct parse *, const struct tok *,
		    const struct tok *);
static void	 set_hostid(struct parse *, const struct tok *,
		    const struct tok *);
static void	 set_carpsock(struct parse *, const struct tok *,
		    const struct tok *);
static void	 set_carpgroup(struct parse *, const struct tok *,
		    const struct tok *);
static void	 set_nocarp(struct parse *, const struct tok *);
static void	 set_accept(struct parse *, const struct tok *);
static void	 set_import(struct parse *, const struct tok *,
		    const struct tok *);
static void	 set_nlbuf(struct parse *, const struct tok *,
		    const struct tok *);
static void	 set_zone(struct parse *, const struct tok *,
		    const struct tok *);
static void	 rule_begin(struct parse *, int, const struct tok *);
static int	 rule_once(struct parse *, unsigned int, const struct tok *,
		    const char *);
static void	 rule_proto(struct parse *, const struct tok *,
		    const struct tok *);
static void	 rule_af(struct parse *, const struct tok *, int);
static void	 rule_net(struct parse *, const struct tok *,
		    const struct tok *, int);
static void	 rule_zone(struct parse *, const struct tok *,
		    const struct tok *);
static void	 rule_mark(struct parse *, const struct tok *,
		    const struct tok *);
static void	 rule_end(struct parse *);
%}

%pure-parser
%parse-param	{ struct parse *p }
%lex-param	{ struct parse *p }

%token	ACCEPT BUFFER CARP DEFER FROM GROUP HOSTID IMPORT INCLUDE INET
%token	INET6 LIMIT MARK MAXUPD MTU NETLINK NO PROTO RDOMAIN SOCKET SYNC
%token	SYNCDEV SYNCPEER TO ZONE
%token	STRING NUMBER ERROR

%%

grammar		: /* empty */
		| grammar '\n'
		| grammar include '\n'	{ parse_include(p); }
		| grammar varset '\n'
		| grammar setting '\n'
		| grammar syncrule '\n'	{ rule_end(p); }
		| grammar error '\n'	{ yyerrok; }
		;

string		: STRING
		| NUMBER
		;

/* Done once the line has ended: the file's lines follow as lines. */
include		: INCLUDE string	{
			p->p_inc = $2;
			p->p_hasinc = 1;
		}
		;

varset		: STRING '=' string	{
			(void)cfglex_macro_set(&p->p_lx, $1.str, $3.str,
			    &$1.pos);
		}
		;

setting		: SYNCDEV string	{ set_syncdev(p, &$1, &$2); }
		| SYNCPEER string	{ set_syncpeer(p, &$2); }
		| MAXUPD string		{ set_maxupd(p, &$1, &$2); }
		| DEFER			{ set_defer(p, &$1, NULL, 1); }
		| DEFER string		{ set_defer(p, &$1, &$2, 1); }
		| NO DEFER		{ set_defer(p, &$1, NULL, 0); }
		| MTU string		{ set_mtu(p, &$1, &$2); }
		| HOSTID string		{ set_hostid(p, &$1, &$2); }
		| CARP SOCKET string	{ set_carpsock(p, &$1, &$3); }
		| CARP GROUP string	{ set_carpgroup(p, &$1, &$3); }
		| CARP GROUP CARP	{ set_carpgroup(p, &$1, &$3); }
		| NO CARP		{ set_nocarp(p, &$1); }
		| ACCEPT FROM string	{ set_accept(p, &$3); }
		| IMPORT LIMIT string	{ set_import(p, &$1, &$3); }
		| NETLINK BUFFER string	{ set_nlbuf(p, &$1, &$3); }
		| ZONE string RDOMAIN string {
			set_zone(p, &$2, &$4);
		}
		;

syncrule	: synchead ruleopts
		;

synchead	: SYNC			{ rule_begin(p, 1, &$1); }
		| NO SYNC		{ rule_begin(p, 0, &$1); }
		;

ruleopts	: /* empty */
		| ruleopts ruleopt
		;

ruleopt		: PROTO string		{ rule_proto(p, &$1, &$2); }
		| INET			{ rule_af(p, &$1, AF_INET); }
		| INET6			{ rule_af(p, &$1, AF_INET6); }
		| FROM string		{ rule_net(p, &$1, &$2, 0); }
		| TO string		{ rule_net(p, &$1, &$2, 1); }
		| ZONE string		{ rule_zone(p, &$1, &$2); }
		| MARK string		{ rule_mark(p, &$1, &$2); }
		;

%%

/* Sorted by strcmp: the lexer looks keywords up with bsearch. */
static const struct cfglex_keyword keywords[] = {
	{ "accept",	ACCEPT },
	{ "buffer",	BUFFER },
	{ "carp",	CARP },
	{ "defer",	DEFER },
	{ "from",	FROM },
	{ "group",	GROUP },
	{ "hostid",	HOSTID },
	{ "import",	IMPORT },
	{ "include",	INCLUDE },
	{ "inet",	INET },
	{ "inet6",	INET6 },
	{ "limit",	LIMIT },
	{ "mark",	MARK },
	{ "maxupd",	MAXUPD },
	{ "mtu",	MTU },
	{ "netlink",	NETLINK },
	{ "no",		NO },
	{ "proto",	PROTO },
	{ "rdomain",	RDOMAIN },
	{ "socket",	SOCKET },
	{ "sync",	SYNC },
	{ "syncdev",	SYNCDEV },
	{ "syncpeer",	SYNCPEER },
	{ "to",		TO },
	{ "zone",	ZONE }
};
#define NKEYWORDS	(sizeof(keywords) / sizeof(keywords[0]))

/*
 * Protocols by name: a small table rather than getprotobyname(), so the
 * meaning of a file does not depend on /etc/protocols, and the parser
 * reads no file a configuration did not name.
 */
static const struct {
	const char	*pn_name;
	uint8_t		 pn_proto;
} protos[] = {
	{ "icmp",	IPPROTO_ICMP },
	{ "tcp",	IPPROTO_TCP },
	{ "udp",	IPPROTO_UDP },
	{ "dccp",	IPPROTO_DCCP },
	{ "gre",	IPPROTO_GRE },
	{ "esp",	IPPROTO_ESP },
	{ "ah",		IPPROTO_AH },
	{ "icmp6",	IPPROTO_ICMPV6 },
	{ "sctp",	IPPROTO_SCTP },
	{ "udplite",	IPPROTO_UDPLITE }
};
#define NPROTOS		(sizeof(protos) / sizeof(protos[0]))

static struct parse *parse_new(const char *, pfsyncd_errfn *, void *);
static struct pfsyncd_config *parse_run(struct parse *);
static void	 parse_finish(struct parse *);
static int	 tok_num(struct parse *, const struct tok *, const char *,
		    long long, long long, long long *);
static int	 u32_parse(const char *, uint32_t *);
static int	 size_parse(const char *, uint32_t *);
static int	 net_parse(struct parse *, const struct tok *, const char *,
		    struct pfsync_net *);
static int	 net_equal(const struct pfsync_net *,
		    const struct pfsync_net *);
static const char *net_str(const struct pfsync_net *, char *, size_t);
static int	 valid_ifname(const char *);
static void	 print_word(FILE *, const char *);
static void	 print_quoted(FILE *, const char *);
static void	 print_rule(FILE *, const struct pfsync_rule *);

static int
yylex(YYSTYPE *lval, struct parse *p)
{
	struct cfglex_token	 t;
	int			 type;

	type = cfglex_next(&p->p_lx, &t);
	lval->str = t.t_str;
	lval->num = t.t_num;
	lval->isnum = (type == NUMBER);
	lval->pos = t.t_pos;
	return (type);
}

static void
yyerror(struct parse *p, const char *msg)
{
	if (strcmp(msg, "syntax error") != 0)
		cfglex_error(&p->p_lx, NULL, "%s", msg);
	else
		cfglex_syntax_error(&p->p_lx);
}

static void
parse_include(struct parse *p)
{
	if (!p->p_hasinc)
		return;
	p->p_hasinc = 0;
	(void)cfglex_include(&p->p_lx, p->p_inc.str, &p->p_inc.pos);
}

/* Marks a setting as given; -1 (reported) if it was already. */
static int
once(struct parse *p, unsigned int bit, const struct tok *kw,
    const char *what)
{
	if (p->p_seen & bit) {
		cfglex_error(&p->p_lx, &kw->pos, "%s given twice", what);
		return (-1);
	}
	p->p_seen |= bit;
	return (0);
}

/* A number in [min, max], or an error naming what wanted it. */
static int
tok_num(struct parse *p, const struct tok *v, const char *what,
    long long min, long long max, long long *out)
{
	if (!v->isnum || v->num < min || v->num > max) {
		cfglex_error(&p->p_lx, &v->pos, "%s expects %lld-%lld, "
		    "got '%s'", what, min, max, v->str);
		return (-1);
	}
	*out = v->num;
	return (0);
}

static void
set_syncdev(struct parse *p, const struct tok *kw, const struct tok *v)
{
	if (once(p, SEEN_SYNCDEV, kw, "syncdev") == -1)
		return;
	if (strlen(v->str) >= sizeof(p->p_conf->c_syncdev)) {
		cfglex_error(&p->p_lx, &v->pos, "syncdev '%s' is longer than "
		    "%zu characters", v->str,
		    sizeof(p->p_conf->c_syncdev) - 1);
		return;
	}
	if (!valid_ifname(v->str)) {
		cfglex_error(&p->p_lx, &v->pos, "syncdev expects an interface "
		    "name, got '%s'", v->str);
		return;
	}
	(void)strlcpy(p->p_conf->c_syncdev, v->str,
	    sizeof(p->p_conf->c_syncdev));
}

/* OpenBSD refuses 0.0.0.0 and the broadcast address; so does multicast. */
static void
set_syncpeer(struct parse *p, const struct tok *v)
{
	struct pfsyncd_config	*c = p->p_conf;
	struct addr		 a;
	const char		*errstr;
	uint32_t		 h;
	int			 i;

	if (addr_parse(v->str, &a, &errstr) == -1 || a.a_af != AF_INET ||
	    a.a_plen != -1) {
		cfglex_error(&p->p_lx, &v->pos, "syncpeer expects an IPv4 "
		    "unicast address, got '%s'", v->str);
		return;
	}
	h = ntohl(a.a_v4.s_addr);
	if (h == INADDR_ANY || h == INADDR_BROADCAST || IN_MULTICAST(h)) {
		cfglex_error(&p->p_lx, &v->pos, "syncpeer expects an IPv4 "
		    "unicast address, got '%s'", v->str);
		return;
	}
	for (i = 0; i < c->c_npeers; i++)
		if (c->c_peers[i].s_addr == a.a_v4.s_addr) {
			cfglex_error(&p->p_lx, &v->pos, "syncpeer %s given "
			    "twice", v->str);
			return;
		}
	if (c->c_npeers == PFSYNCD_MAXPEERS) {
		if (!p->p_toomany_peers)
			cfglex_error(&p->p_lx, &v->pos, "more than %d "
			    "syncpeers", PFSYNCD_MAXPEERS);
		p->p_toomany_peers = 1;
		return;
	}
	c->c_peers[c->c_npeers++] = a.a_v4;
}

static void
set_maxupd(struct parse *p, const struct tok *kw, const struct tok *v)
{
	long long	 n;

	if (once(p, SEEN_MAXUPD, kw, "maxupd") == -1 ||
	    tok_num(p, v, "maxupd", 1, 255, &n) == -1)
		return;
	p->p_conf->c_maxupd = (uint8_t)n;
}

/* "defer", "defer on", "defer off" and "no defer". */
static void
set_defer(struct parse *p, const struct tok *kw, const struct tok *v,
    int on)
{
	if (once(p, SEEN_DEFER, kw, "defer") == -1)
		return;
	if (v != NULL) {
		if (strcmp(v->str, "on") == 0)
			on = 1;
		else if (strcmp(v->str, "off") == 0)
			on = 0;
		else {
			cfglex_error(&p->p_lx, &v->pos, "defer expects on or "
			    "off, got '%s'", v->str);
			return;
		}
	}
	p->p_conf->c_defer = on;
}

static void
set_mtu(struct parse *p, const struct tok *kw, const struct tok *v)
{
	long long	 n;

	if (once(p, SEEN_MTU, kw, "mtu") == -1 ||
	    tok_num(p, v, "mtu", PFSYNCD_MTU_MIN, PFSYNCD_MTU_MAX, &n) == -1)
		return;
	p->p_conf->c_mtu = (uint16_t)n;
}

/* The creatorid: 0 is what pfsync refuses on the wire. */
static void
set_hostid(struct parse *p, const struct tok *kw, const struct tok *v)
{
	uint32_t	 id;

	if (once(p, SEEN_HOSTID, kw, "hostid") == -1)
		return;
	if (u32_parse(v->str, &id) == -1 || id == 0) {
		cfglex_error(&p->p_lx, &v->pos, "hostid expects a non-zero "
		    "32-bit number, got '%s'", v->str);
		return;
	}
	p->p_conf->c_hostid = id;
}

static void
set_carpsock(struct parse *p, const struct tok *kw, const struct tok *v)
{
	if (once(p, SEEN_CARPSOCK, kw, "carp socket") == -1)
		return;
	p->p_carpsock_pos = kw->pos;
	if (v->str[0] == '\0') {
		cfglex_error(&p->p_lx, &v->pos, "carp socket: empty path");
		return;
	}
	if (strlen(v->str) >= PFSYNCD_SUNPATH) {
		cfglex_error(&p->p_lx, &v->pos, "carp socket: path longer "
		    "than %d bytes", PFSYNCD_SUNPATH - 1);
		return;
	}
	(void)strlcpy(p->p_conf->c_carpsock, v->str,
	    sizeof(p->p_conf->c_carpsock));
}

/* carpd's rule for groups (OpenBSD's): a name not ending in a digit. */
static void
set_carpgroup(struct parse *p, const struct tok *kw, const struct tok *v)
{
	size_t	 len;

	if (once(p, SEEN_CARPGROUP, kw, "carp group") == -1)
		return;
	p->p_carpgroup_pos = kw->pos;
	len = strlen(v->str);
	if (!valid_ifname(v->str) ||
	    isdigit((unsigned char)v->str[len - 1])) {
		cfglex_error(&p->p_lx, &v->pos, "carp group expects a group "
		    "name not ending in a digit, got '%s'", v->str);
		return;
	}
	(void)strlcpy(p->p_conf->c_carpgroup, v->str,
	    sizeof(p->p_conf->c_carpgroup));
}

static void
set_nocarp(struct parse *p, const struct tok *kw)
{
	if (once(p, SEEN_NOCARP, kw, "no carp") == -1)
		return;
	p->p_conf->c_carp = 0;
}

/* Sources are IPv4: pfsync travels over IPv4 only. */
static void
set_accept(struct parse *p, const struct tok *v)
{
	struct pfsyncd_config	*c = p->p_conf;
	struct pfsync_net	 n;
	char			 buf[ADDR_STRLEN];
	int			 i;

	if (net_parse(p, v, "accept from", &n) == -1)
		return;
	if (n.n_af != AF_INET) {
		cfglex_error(&p->p_lx, &v->pos, "accept from expects an IPv4 "
		    "address or network, got '%s'", v->str);
		return;
	}
	for (i = 0; i < c->c_naccept; i++)
		if (net_equal(&c->c_accept[i], &n)) {
			cfglex_error(&p->p_lx, &v->pos, "accept from %s given "
			    "twice", net_str(&n, buf, sizeof(buf)));
			return;
		}
	if (c->c_naccept == PFSYNCD_MAXACCEPT) {
		if (!p->p_toomany_accept)
			cfglex_error(&p->p_lx, &v->pos, "more than %d accept "
			    "from entries", PFSYNCD_MAXACCEPT);
		p->p_toomany_accept = 1;
		return;
	}
	c->c_accept[c->c_naccept++] = n;
}

static void
set_import(struct parse *p, const struct tok *kw, const struct tok *v)
{
	long long	 n;

	if (once(p, SEEN_IMPORT, kw, "import limit") == -1 ||
	    tok_num(p, v, "import limit", 1, PFSYNCD_IMPORT_MAX, &n) == -1)
		return;
	p->p_conf->c_import_limit = (uint32_t)n;
}

static void
set_nlbuf(struct parse *p, const struct tok *kw, const struct tok *v)
{
	uint32_t	 n;

	if (once(p, SEEN_NLBUF, kw, "netlink buffer") == -1)
		return;
	if (size_parse(v->str, &n) == -1 || n < PFSYNCD_NLBUF_MIN ||
	    n > PFSYNCD_NLBUF_MAX) {
		cfglex_error(&p->p_lx, &v->pos, "netlink buffer expects "
		    "64K-1024M, got '%s'", v->str);
		return;
	}
	p->p_conf->c_nlbuf = n;
}

/* One map entry each way: a zone or rdomain mapped twice is ambiguous. */
static void
set_zone(struct parse *p, const struct tok *zv, const struct tok *rv)
{
	struct pfsyncd_config	*c = p->p_conf;
	long long		 z, r;
	int			 i, bad = 0;

	if (tok_num(p, zv, "zone", 0, 65535, &z) == -1)
		bad = 1;
	if (tok_num(p, rv, "rdomain", 0, 65535, &r) == -1 || bad)
		return;
	for (i = 0; i < c->c_nzones; i++) {
		if (c->c_zones[i].zm_zone == z) {
			cfglex_error(&p->p_lx, &zv->pos, "zone %lld mapped "
			    "twice", z);
			return;
		}
		if (c->c_zones[i].zm_rdomain == r) {
			cfglex_error(&p->p_lx, &rv->pos, "rdomain %lld "
			    "mapped twice", r);
			return;
		}
	}
	if (c->c_nzones == PFSYNCD_MAXZONES) {
		if (!p->p_toomany_zones)
			cfglex_error(&p->p_lx, &zv->pos, "more than %d zone "
			    "maps", PFSYNCD_MAXZONES);
		p->p_toomany_zones = 1;
		return;
	}
	c->c_zones[c->c_nzones].zm_zone = (uint16_t)z;
	c->c_zones[c->c_nzones].zm_rdomain = (uint16_t)r;
	c->c_nzones++;
}

/* Starts a rule; it is kept by rule_end() once its line is read. */
static void
rule_begin(struct parse *p, int sync, const struct tok *kw)
{
	memset(&p->p_rule, 0, sizeof(p->p_rule));
	p->p_rule.r_sync = sync;
	p->p_rule.r_line = kw->pos.p_line;
	p->p_rule.r_zone = -1;
	p->p_rule.r_markmask = 0xffffffffU;
	p->p_rname = sync ? "sync" : "no sync";
	p->p_rseen = 0;
	p->p_rpos = kw->pos;
}

static int
rule_once(struct parse *p, unsigned int bit, const struct tok *kw,
    const char *what)
{
	if (p->p_rseen & bit) {
		cfglex_error(&p->p_lx, &kw->pos, "%s: %s given twice",
		    p->p_rname, what);
		return (-1);
	}
	p->p_rseen |= bit;
	return (0);
}

static void
rule_proto(struct parse *p, const struct tok *kw, const struct tok *v)
{
	long long	 n;
	size_t		 i;

	if (rule_once(p, RSEEN_PROTO, kw, "proto") == -1)
		return;
	if (v->isnum) {
		if (tok_num(p, v, "proto", 1, 255, &n) == 0)
			p->p_rule.r_proto = (uint8_t)n;
		return;
	}
	for (i = 0; i < NPROTOS; i++)
		if (strcmp(v->str, protos[i].pn_name) == 0) {
			p->p_rule.r_proto = protos[i].pn_proto;
			return;
		}
	cfglex_error(&p->p_lx, &v->pos, "%s: unknown protocol '%s'",
	    p->p_rname, v->str);
}

static void
rule_af(struct parse *p, const struct tok *kw, int af)
{
	if (rule_once(p, RSEEN_AF, kw, "address family") == -1)
		return;
	p->p_rule.r_af = af;
}

static void
rule_net(struct parse *p, const struct tok *kw, const struct tok *v,
    int to)
{
	struct pfsync_net	 n;

	if (rule_once(p, to ? RSEEN_TO : RSEEN_FROM, kw,
	    to ? "to" : "from") == -1 ||
	    net_parse(p, v, to ? "to" : "from", &n) == -1)
		return;
	if (to) {
		p->p_rule.r_has_to = 1;
		p->p_rule.r_to = n;
	} else {
		p->p_rule.r_has_from = 1;
		p->p_rule.r_from = n;
	}
}

static void
rule_zone(struct parse *p, const struct tok *kw, const struct tok *v)
{
	long long	 n;

	if (rule_once(p, RSEEN_ZONE, kw, "zone") == -1 ||
	    tok_num(p, v, "zone", 0, 65535, &n) == -1)
		return;
	p->p_rule.r_zone = (int)n;
}

/* "mark V" or "mark V/M", each decimal or 0x hexadecimal, 32 bits. */
static void
rule_mark(struct parse *p, const struct tok *kw, const struct tok *v)
{
	char		 buf[32];
	const char	*slash;
	uint32_t	 val, mask = 0xffffffffU;
	size_t		 len;

	if (rule_once(p, RSEEN_MARK, kw, "mark") == -1)
		return;
	if ((slash = strchr(v->str, '/')) != NULL) {
		len = (size_t)(slash - v->str);
		if (len >= sizeof(buf) || u32_parse(slash + 1, &mask) == -1)
			goto bad;
		memcpy(buf, v->str, len);
		buf[len] = '\0';
	} else if (strlcpy(buf, v->str, sizeof(buf)) >= sizeof(buf))
		goto bad;
	if (u32_parse(buf, &val) == -1)
		goto bad;
	if (mask == 0) {
		cfglex_error(&p->p_lx, &v->pos, "mark %s: the mask is 0",
		    v->str);
		return;
	}
	if ((val & ~mask) != 0) {
		cfglex_error(&p->p_lx, &v->pos, "mark %s: the value has bits "
		    "outside the mask", v->str);
		return;
	}
	p->p_rule.r_has_mark = 1;
	p->p_rule.r_mark = val;
	p->p_rule.r_markmask = mask;
	return;
 bad:
	cfglex_error(&p->p_lx, &v->pos, "mark expects VALUE or VALUE/MASK, "
	    "32-bit numbers, got '%s'", v->str);
}

/* The line has ended: what the options say together, then keep it. */
static void
rule_end(struct parse *p)
{
	struct pfsync_rule	*r = &p->p_rule, *n;
	char			 b1[ADDR_STRLEN], b2[ADDR_STRLEN];
	const char		*afname;

	afname = r->r_af == AF_INET ? "inet" : "inet6";
	if (r->r_af != 0 && r->r_has_from && r->r_from.n_af != r->r_af) {
		cfglex_error(&p->p_lx, &p->p_rpos, "%s: from %s is not %s",
		    p->p_rname, net_str(&r->r_from, b1, sizeof(b1)), afname);
		return;
	}
	if (r->r_af != 0 && r->r_has_to && r->r_to.n_af != r->r_af) {
		cfglex_error(&p->p_lx, &p->p_rpos, "%s: to %s is not %s",
		    p->p_rname, net_str(&r->r_to, b1, sizeof(b1)), afname);
		return;
	}
	if (r->r_has_from && r->r_has_to && r->r_from.n_af != r->r_to.n_af) {
		cfglex_error(&p->p_lx, &p->p_rpos, "%s: from %s and to %s "
		    "are of different address families", p->p_rname,
		    net_str(&r->r_from, b1, sizeof(b1)),
		    net_str(&r->r_to, b2, sizeof(b2)));
		return;
	}
	if ((n = calloc(1, sizeof(*n))) == NULL) {
		cfglex_error(&p->p_lx, &p->p_rpos, "out of memory");
		return;
	}
	*n = *r;
	TAILQ_INSERT_TAIL(&p->p_conf->c_rules, n, r_entry);
}

/* What only the whole file can tell. */
static void
parse_finish(struct parse *p)
{
	struct cfglex_pos	 top = { p->p_name, 0 };

	if (!p->p_opened)
		return;		/* already said why */
	if (!(p->p_seen & SEEN_SYNCDEV))
		cfglex_error(&p->p_lx, &top, "no syncdev given");
	if (!p->p_conf->c_carp && (p->p_seen & SEEN_CARPSOCK))
		cfglex_error(&p->p_lx, &p->p_carpsock_pos, "carp socket "
		    "given with no carp");
	if (!p->p_conf->c_carp && (p->p_seen & SEEN_CARPGROUP))
		cfglex_error(&p->p_lx, &p->p_carpgroup_pos, "carp group "
		    "given with no carp");
}

/* Decimal, or 0x and at most 8 hexadecimal digits. */
static int
u32_parse(const char *s, uint32_t *out)
{
	unsigned long long	 v;
	size_t			 len;

	len = strlen(s);
	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		if (len > 10 || strspn(s + 2, "0123456789abcdefABCDEF") !=
		    len - 2)
			return (-1);
		v = strtoull(s + 2, NULL, 16);
	} else {
		if (len == 0 || len > 10 || strspn(s, "0123456789") != len)
			return (-1);
		v = strtoull(s, NULL, 10);
		if (v > 0xffffffffULL)
			return (-1);
	}
	*out = (uint32_t)v;
	return (0);
}

/* Bytes, or a number of K (1024) or M (1048576): "16M", "512K". */
static int
size_parse(const char *s, uint32_t *out)
{
	unsigned long long	 v, unit = 1;
	size_t			 len, ndig;

	len = strlen(s);
	ndig = strspn(s, "0123456789");
	if (ndig == 0 || ndig > 10)
		return (-1);
	if (ndig + 1 == len && (s[ndig] == 'K' || s[ndig] == 'k'))
		unit = 1024;
	else if (ndig + 1 == len && (s[ndig] == 'M' || s[ndig] == 'm'))
		unit = 1024 * 1024;
	else if (ndig != len)
		return (-1);
	v = strtoull(s, NULL, 10) * unit;
	if (v > 0xffffffffULL)
		return (-1);
	*out = (uint32_t)v;
	return (0);
}

/*
 * ADDR or ADDR/LEN into n, without a length a host; the bits past the
 * prefix are cleared, as pf does, so the printout shows the network.
 */
static int
net_parse(struct parse *p, const struct tok *v, const char *what,
    struct pfsync_net *n)
{
	struct addr	 a;
	const char	*errstr;
	size_t		 i, alen;
	int		 plen;

	if (addr_parse(v->str, &a, &errstr) == -1) {
		cfglex_error(&p->p_lx, &v->pos, "%s %s: %s", what, v->str,
		    errstr);
		return (-1);
	}
	alen = addr_len(&a);
	plen = a.a_plen == -1 ? (int)alen * 8 : a.a_plen;
	memset(n, 0, sizeof(*n));
	n->n_af = a.a_af;
	n->n_plen = (uint8_t)plen;
	for (i = 0; i < alen; i++) {
		if ((int)i * 8 + 8 <= plen)
			n->n_addr[i] = a.a_u.raw[i];
		else if ((int)i * 8 < plen)
			n->n_addr[i] = a.a_u.raw[i] &
			    (uint8_t)(0xff00 >> (plen - (int)i * 8));
	}
	return (0);
}

static int
net_equal(const struct pfsync_net *a, const struct pfsync_net *b)
{
	return (a->n_af == b->n_af && a->n_plen == b->n_plen &&
	    memcmp(a->n_addr, b->n_addr, sizeof(a->n_addr)) == 0);
}

/* "192.0.2.0/24", "2001:db8::/32": always with the length. */
static const char *
net_str(const struct pfsync_net *n, char *buf, size_t len)
{
	char	 tmp[INET6_ADDRSTRLEN];

	if (inet_ntop(n->n_af, n->n_addr, tmp, sizeof(tmp)) == NULL)
		(void)strlcpy(tmp, "?", sizeof(tmp));
	(void)snprintf(buf, len, "%s/%u", tmp, n->n_plen);
	return (buf);
}

/* Interface names as Linux takes them, in characters we print bare. */
static int
valid_ifname(const char *s)
{
	size_t	 len;

	len = strlen(s);
	if (len == 0 || len >= IFNAMSIZ || strcmp(s, ".") == 0 ||
	    strcmp(s, "..") == 0)
		return (0);
	return (strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789._-") == len);
}

void
pfsyncd_config_free(struct pfsyncd_config *conf)
{
	struct pfsync_rule	*r;

	if (conf == NULL)
		return;
	while ((r = TAILQ_FIRST(&conf->c_rules)) != NULL) {
		TAILQ_REMOVE(&conf->c_rules, r, r_entry);
		free(r);
	}
	free(conf);
}

static struct parse *
parse_new(const char *name, pfsyncd_errfn *err, void *arg)
{
	struct pfsyncd_config	*c;
	struct parse		*p;

	if ((p = calloc(1, sizeof(*p))) == NULL ||
	    (p->p_conf = calloc(1, sizeof(*p->p_conf))) == NULL) {
		free(p);
		err(arg, "out of memory");
		return (NULL);
	}
	p->p_name = name;
	c = p->p_conf;
	TAILQ_INIT(&c->c_rules);
	c->c_maxupd = PFSYNCD_MAXUPD_DEFAULT;
	c->c_defer = 0;
	c->c_mtu = PFSYNCD_MTU_DEFAULT;
	c->c_hostid = 0;
	(void)strlcpy(c->c_carpsock, PFSYNCD_CARPSOCK, sizeof(c->c_carpsock));
	(void)strlcpy(c->c_carpgroup, PFSYNCD_CARPGROUP,
	    sizeof(c->c_carpgroup));
	c->c_carp = 1;
	c->c_import_limit = PFSYNCD_IMPORT_LIMIT;
	c->c_nlbuf = PFSYNCD_NLBUF;
	if (cfglex_init(&p->p_lx, keywords, NKEYWORDS, STRING, NUMBER, ERROR,
	    err, arg) == -1) {
		free(p->p_conf);
		free(p);
		err(arg, "keyword table not sorted");
		return (NULL);
	}
	return (p);
}

/* Parses what was pushed, then frees p; returns the config or NULL. */
static struct pfsyncd_config *
parse_run(struct parse *p)
{
	struct pfsyncd_config	*conf = p->p_conf;
	int			 rv;

	rv = yyparse(p);
	if (rv != 0 && cfglex_errors(&p->p_lx) == 0)
		cfglex_error(&p->p_lx, NULL, "cannot parse the configuration");
	parse_finish(p);
	if (cfglex_errors(&p->p_lx) > 0) {
		pfsyncd_config_free(conf);
		conf = NULL;
	}
	cfglex_close(&p->p_lx);
	freezero(p, sizeof(*p));
	return (conf);
}

struct pfsyncd_config *
pfsyncd_parse(FILE *f, const char *name, pfsyncd_errfn *err, void *arg)
{
	struct parse	*p;

	if ((p = parse_new(name, err, arg)) == NULL)
		return (NULL);
	p->p_opened = cfglex_push_stream(&p->p_lx, f, name) == 0;
	return (parse_run(p));
}

struct pfsyncd_config *
pfsyncd_parse_file(const char *path, pfsyncd_errfn *err, void *arg)
{
	struct parse	*p;

	if ((p = parse_new(path, err, arg)) == NULL)
		return (NULL);
	p->p_opened = cfglex_push_path(&p->p_lx, path, NULL) == 0;
	return (parse_run(p));
}

/* Bare when the lexer reads it back as the same word, else quoted. */
static void
print_word(FILE *f, const char *s)
{
	size_t	 len;

	len = strlen(s);
	if (len == 0 || s[0] == '$' || s[0] == '-' ||
	    cfglex_lookup(keywords, NKEYWORDS, s) != -1 ||
	    strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789._-:/") != len)
		print_quoted(f, s);
	else
		(void)fputs(s, f);
}

static void
print_quoted(FILE *f, const char *s)
{
	(void)fputc('"', f);
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			(void)fputc('\\', f);
		(void)fputc(*s, f);
	}
	(void)fputc('"', f);
}

static void
print_rule(FILE *f, const struct pfsync_rule *r)
{
	char	 buf[ADDR_STRLEN];
	size_t	 i;

	(void)fputs(r->r_sync ? "sync" : "no sync", f);
	if (r->r_proto != 0) {
		for (i = 0; i < NPROTOS; i++)
			if (protos[i].pn_proto == r->r_proto)
				break;
		if (i < NPROTOS)
			(void)fprintf(f, " proto %s", protos[i].pn_name);
		else
			(void)fprintf(f, " proto %u", r->r_proto);
	}
	if (r->r_af == AF_INET)
		(void)fputs(" inet", f);
	else if (r->r_af == AF_INET6)
		(void)fputs(" inet6", f);
	if (r->r_has_from)
		(void)fprintf(f, " from %s",
		    net_str(&r->r_from, buf, sizeof(buf)));
	if (r->r_has_to)
		(void)fprintf(f, " to %s", net_str(&r->r_to, buf, sizeof(buf)));
	if (r->r_zone >= 0)
		(void)fprintf(f, " zone %d", r->r_zone);
	if (r->r_has_mark) {
		(void)fprintf(f, " mark 0x%x", r->r_mark);
		if (r->r_markmask != 0xffffffffU)
			(void)fprintf(f, "/0x%x", r->r_markmask);
	}
	(void)fputc('\n', f);
}

/*
 * Every setting, defaults included, so that pfsyncd -nv shows what runs.
 * The two defaults no keyword can say (a random hostid, the implied
 * accept list) are comments.
 */
void
pfsyncd_config_print(FILE *f, const struct pfsyncd_config *c)
{
	const struct pfsync_rule	*r;
	char				 buf[ADDR_STRLEN];
	int				 i;

	(void)fputs("syncdev ", f);
	print_word(f, c->c_syncdev);
	(void)fputc('\n', f);
	for (i = 0; i < c->c_npeers; i++)
		(void)fprintf(f, "syncpeer %s\n", inet_ntop(AF_INET,
		    &c->c_peers[i], buf, sizeof(buf)));
	(void)fprintf(f, "maxupd %u\n", c->c_maxupd);
	(void)fputs(c->c_defer ? "defer\n" : "no defer\n", f);
	(void)fprintf(f, "mtu %u\n", c->c_mtu);
	if (c->c_hostid != 0)
		(void)fprintf(f, "hostid 0x%08x\n", c->c_hostid);
	else
		(void)fputs("# hostid: random at each start\n", f);

	(void)fputc('\n', f);
	if (c->c_carp) {
		(void)fputs("carp socket ", f);
		print_quoted(f, c->c_carpsock);
		(void)fputs("\ncarp group ", f);
		/* The default reads back although it is a keyword. */
		if (strcmp(c->c_carpgroup, PFSYNCD_CARPGROUP) == 0)
			(void)fputs(PFSYNCD_CARPGROUP, f);
		else
			print_word(f, c->c_carpgroup);
		(void)fputc('\n', f);
	} else
		(void)fputs("no carp\n", f);

	(void)fputc('\n', f);
	for (i = 0; i < c->c_naccept; i++)
		(void)fprintf(f, "accept from %s\n",
		    net_str(&c->c_accept[i], buf, sizeof(buf)));
	if (c->c_naccept == 0 && c->c_npeers > 0)
		(void)fputs("# accept from: the syncpeers\n", f);
	else if (c->c_naccept == 0)
		(void)fputs("# accept from: any host on the syncdev\n", f);
	(void)fprintf(f, "import limit %u\n", c->c_import_limit);
	if (c->c_nlbuf % (1024 * 1024) == 0)
		(void)fprintf(f, "netlink buffer %uM\n",
		    c->c_nlbuf / (1024 * 1024));
	else if (c->c_nlbuf % 1024 == 0)
		(void)fprintf(f, "netlink buffer %uK\n", c->c_nlbuf / 1024);
	else
		(void)fprintf(f, "netlink buffer %u\n", c->c_nlbuf);

	if (c->c_nzones > 0)
		(void)fputc('\n', f);
	for (i = 0; i < c->c_nzones; i++)
		(void)fprintf(f, "zone %u rdomain %u\n", c->c_zones[i].zm_zone,
		    c->c_zones[i].zm_rdomain);

	if (!TAILQ_EMPTY(&c->c_rules))
		(void)fputc('\n', f);
	TAILQ_FOREACH(r, &c->c_rules, r_entry)
		print_rule(f, r);
}
