/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * sasyncd.conf: the grammar of OpenBSD's sasyncd.conf(5), as an OpenBSD
 * parse.y, plus hakit's "replay margin" and "replay interval".
 *
 * One setting per line; macros as cfglex gives them, no includes (the
 * file must be root's and private, and an included file would escape
 * that check).  Values are taken as words and checked in their action,
 * so a bad value is reported with the setting's name, and every error of
 * the file is reported, with its file:line, before the parse fails.
 *
 * The shared key never reaches a message: sasync_key_parse() words its
 * errors without it, and while the lexer is on a sharedkey line any text
 * quoted in a lexer or syntax message is replaced by "...".
 *
 * The lexer is lib/cfglex; the parser is reentrant (struct parse by
 * %parse-param).  Host name peers are resolved here with getaddrinfo()
 * unless SASYNCD_PARSE_NODNS says not to (fuzzers, tests).
 */

%{
#include <sys/socket.h>
#include <sys/stat.h>

#include <netinet/in.h>
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "cfglex.h"
#include "conf.h"

/* Settings that may be given once. */
#define SEEN_INTERFACE	0x001
#define SEEN_GROUP	0x002
#define SEEN_LISTEN	0x004
#define SEEN_SHAREDKEY	0x008
#define SEEN_FLUSHMODE	0x010
#define SEEN_LOCK	0x020
#define SEEN_SKIPSLAVE	0x040
#define SEEN_CONTROL	0x080
#define SEEN_MARGIN	0x100
#define SEEN_INTERVAL	0x200

#define HOSTCHARS	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" \
			"0123456789.-_"

/* A token's value: words and numbers keep their text (lexer's arena). */
struct tok {
	const char		*str;
	long long		 num;
	int			 isnum;
	int			 type;
	struct cfglex_pos	 pos;
};
typedef struct tok YYSTYPE;
#define YYSTYPE_IS_DECLARED	1

struct parse {
	struct cfglex		 p_lx;
	struct sasyncd_conf	*p_conf;	/* owned until returned */
	const char		*p_name;	/* the top file, borrowed */
	int			 p_flags;	/* SASYNCD_PARSE_* */
	int			 p_opened;	/* the file was read */
	unsigned int		 p_seen;	/* SEEN_* */
	int			 p_inkey;	/* lexing a sharedkey line */
	unsigned int		 p_lexed;	/* SEEN_* of keywords read */
	sasyncd_errfn		*p_err;
	void			*p_arg;
};

static int	 yylex(YYSTYPE *, struct parse *);
static void	 yyerror(struct parse *, const char *);

static int	 once(struct parse *, unsigned int, const struct tok *,
		    const char *);
static void	 set_interface(struct parse *, const struct tok *,
		    const struct tok *);
static void	 set_group(struct parse *, const struct tok *,
		    const struct tok *);
static void	 set_listen(struct parse *, const struct tok *,
		    const struct tok *, int, const struct tok *);
static void	 set_peer(struct parse *, const struct tok *);
static void	 set_sharedkey(struct parse *, const struct tok *,
		    const struct tok *);
static void	 set_flushmode(struct parse *, const struct tok *,
		    const struct tok *);
static void	 set_mode(struct parse *, const struct tok *,
		    const struct tok *);
static void	 set_control(struct parse *, const struct tok *,
		    const struct tok *);
static void	 set_margin(struct parse *, const struct tok *,
		    const struct tok *);
static void	 set_interval(struct parse *, const struct tok *,
		    const struct tok *);
%}

%pure-parser
%parse-param	{ struct parse *p }
%lex-param	{ struct parse *p }

%token	CONTROL FLUSHMODE GROUP INET INET6 INTERFACE INTERVAL LISTEN MARGIN
%token	MODE ON PEER PORT REPLAY SHAREDKEY
%token	STRING NUMBER ERROR

%%

grammar		: /* empty */
		| grammar '\n'
		| grammar varset '\n'
		| grammar setting '\n'
		| grammar error '\n'	{ yyerrok; }
		;

string		: STRING
		| NUMBER
		;

varset		: STRING '=' string	{
			(void)cfglex_macro_set(&p->p_lx, $1.str, $3.str,
			    &$1.pos);
		}
		;

setting		: INTERFACE string	{ set_interface(p, &$1, &$2); }
		| GROUP string		{ set_group(p, &$1, &$2); }
		| LISTEN ON string af	{ set_listen(p, &$1, &$3, $4.type,
					    NULL); }
		| LISTEN ON string af PORT string {
			set_listen(p, &$1, &$3, $4.type, &$6);
		}
		| PEER string		{ set_peer(p, &$2); }
		| SHAREDKEY string	{ set_sharedkey(p, &$1, &$2); }
		| FLUSHMODE string	{ set_flushmode(p, &$1, &$2); }
		| MODE string		{ set_mode(p, &$1, &$2); }
		| CONTROL string	{ set_control(p, &$1, &$2); }
		| REPLAY MARGIN string	{ set_margin(p, &$1, &$3); }
		| REPLAY INTERVAL string { set_interval(p, &$1, &$3); }
		;

af		: /* empty */		{ $$.type = AF_UNSPEC; }
		| INET			{ $$.type = AF_INET; }
		| INET6			{ $$.type = AF_INET6; }
		;

%%

/* Sorted by strcmp: the lexer looks keywords up with bsearch. */
static const struct cfglex_keyword keywords[] = {
	{ "control",	CONTROL },
	{ "flushmode",	FLUSHMODE },
	{ "group",	GROUP },
	{ "inet",	INET },
	{ "inet6",	INET6 },
	{ "interface",	INTERFACE },
	{ "interval",	INTERVAL },
	{ "listen",	LISTEN },
	{ "margin",	MARGIN },
	{ "mode",	MODE },
	{ "on",		ON },
	{ "peer",	PEER },
	{ "port",	PORT },
	{ "replay",	REPLAY },
	{ "sharedkey",	SHAREDKEY }
};
#define NKEYWORDS	(sizeof(keywords) / sizeof(keywords[0]))

static struct parse *parse_new(const char *, int, sasyncd_errfn *, void *);
static struct sasyncd_conf *parse_run(struct parse *);
static void	 parse_finish(struct parse *);
static void	 parse_msg(void *, const char *);
static void	 stderr_msg(void *, const char *);
static int	 tok_num(struct parse *, const struct tok *, const char *,
		    long long, long long, long long *);
static int	 valid_ifname(const char *);
static int	 valid_host(const char *);
static int	 peer_resolve(struct parse *, const struct tok *,
		    struct sasync_peer_conf *);
static int	 ss_same_addr(const struct sockaddr_storage *,
		    const struct sockaddr_storage *);
static void	 ss_set_port(struct sockaddr_storage *, uint16_t);
static int	 perms_check(struct parse *, FILE *);

int
sasyncd_conf_keyword(const char *s)
{
	return (cfglex_lookup(keywords, NKEYWORDS, s) != -1);
}

static int
yylex(YYSTYPE *lval, struct parse *p)
{
	struct cfglex_token	 t;
	int			 type;

	type = cfglex_next(&p->p_lx, &t);
	lval->str = t.t_str;
	lval->num = t.t_num;
	lval->isnum = (type == NUMBER);
	lval->type = type;
	lval->pos = t.t_pos;
	if (type == SHAREDKEY) {
		p->p_inkey = 1;
		p->p_lexed |= SEEN_SHAREDKEY;
	} else if (type == INTERFACE)
		p->p_lexed |= SEEN_INTERFACE;
	else if (type == '\n' || type == 0)
		p->p_inkey = 0;
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

/*
 * Every message passes here.  On a sharedkey line, the text between the
 * first and the last quote of a lexer or syntax message may be the key:
 * it becomes "...".
 */
static void
parse_msg(void *arg, const char *msg)
{
	struct parse	*p = arg;
	char		 buf[CFGLEX_MAXMSG + 16];
	const char	*q1, *q2;

	if (p->p_inkey && (q1 = strchr(msg, '\'')) != NULL &&
	    (q2 = strrchr(msg, '\'')) != q1) {
		(void)snprintf(buf, sizeof(buf), "%.*s'...'%s",
		    (int)(q1 - msg), msg, q2 + 1);
		msg = buf;
	}
	if (p->p_err != NULL)
		p->p_err(p->p_arg, msg);
}

static void
stderr_msg(void *arg, const char *msg)
{
	(void)arg;
	(void)fprintf(stderr, "%s\n", msg);
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

/* Interface names as Linux takes them, in characters we print bare. */
static int
valid_ifname(const char *s)
{
	size_t	 len;

	len = strlen(s);
	if (len == 0 || len >= IFNAMSIZ || strcmp(s, ".") == 0 ||
	    strcmp(s, "..") == 0)
		return (0);
	return (strspn(s, HOSTCHARS) == len);
}

/* A host or interface name: letters, digits, '.', '-', '_'. */
static int
valid_host(const char *s)
{
	size_t	 len;

	len = strlen(s);
	return (len > 0 && len < SASYNCD_NAMELEN && s[0] != '-' &&
	    strspn(s, HOSTCHARS) == len);
}

static void
set_interface(struct parse *p, const struct tok *kw, const struct tok *v)
{
	if (once(p, SEEN_INTERFACE, kw, "interface") == -1)
		return;
	if (!valid_ifname(v->str)) {
		cfglex_error(&p->p_lx, &v->pos, "interface expects an "
		    "interface name of at most %d characters, got '%s'",
		    IFNAMSIZ - 1, v->str);
		return;
	}
	(void)strlcpy(p->p_conf->c_carpif, v->str,
	    sizeof(p->p_conf->c_carpif));
}

/* carpd's rule for groups (OpenBSD's): a name not ending in a digit. */
static void
set_group(struct parse *p, const struct tok *kw, const struct tok *v)
{
	size_t	 len;

	if (once(p, SEEN_GROUP, kw, "group") == -1)
		return;
	len = strlen(v->str);
	if (!valid_ifname(v->str) ||
	    isdigit((unsigned char)v->str[len - 1])) {
		cfglex_error(&p->p_lx, &v->pos, "group expects a group name "
		    "not ending in a digit, got '%s'", v->str);
		return;
	}
	(void)strlcpy(p->p_conf->c_group, v->str,
	    sizeof(p->p_conf->c_group));
}

/*
 * "listen on ADDR|HOST|IFNAME [inet|inet6] [port N]": the name is kept
 * as written, the daemon tells an interface from a host; an address
 * must be of the family given, if any.
 */
static void
set_listen(struct parse *p, const struct tok *kw, const struct tok *v,
    int af, const struct tok *port)
{
	struct sasyncd_conf	*c = p->p_conf;
	struct addr		 a;
	const char		*errstr;
	long long		 n = SASYNCD_DEFAULT_PORT;
	int			 bad = 0;

	if (once(p, SEEN_LISTEN, kw, "listen") == -1)
		return;
	if (addr_parse(v->str, &a, &errstr) == 0) {
		if (a.a_plen != -1) {
			cfglex_error(&p->p_lx, &v->pos, "listen on expects an "
			    "address without a prefix length, got '%s'",
			    v->str);
			bad = 1;
		} else if (af != AF_UNSPEC && a.a_af != af) {
			cfglex_error(&p->p_lx, &v->pos, "listen on %s: not an "
			    "%s address", v->str,
			    af == AF_INET ? "IPv4" : "IPv6");
			bad = 1;
		}
	} else if (!valid_host(v->str)) {
		cfglex_error(&p->p_lx, &v->pos, "listen on expects an address, "
		    "host or interface name, got '%s'", v->str);
		bad = 1;
	}
	if (port != NULL && tok_num(p, port, "port", 1, 65535, &n) == -1)
		bad = 1;
	if (bad)
		return;
	(void)strlcpy(c->c_listen, v->str, sizeof(c->c_listen));
	c->c_listen_af = af;
	c->c_port = (uint16_t)n;
}

/*
 * An address is kept as is; a host name is resolved now (its first
 * address) and is never matched against incoming connections.
 */
static int
peer_resolve(struct parse *p, const struct tok *v,
    struct sasync_peer_conf *pc)
{
	struct addrinfo		 hints, *res = NULL;
	struct sockaddr_in	*sin;
	struct sockaddr_in6	*sin6;
	struct addr		 a;
	const char		*errstr;
	int			 rv;

	memset(&pc->p_ss, 0, sizeof(pc->p_ss));
	if (addr_parse(v->str, &a, &errstr) == 0) {
		if (a.a_plen != -1) {
			cfglex_error(&p->p_lx, &v->pos, "peer expects an "
			    "address without a prefix length, got '%s'",
			    v->str);
			return (-1);
		}
		pc->p_numeric = 1;
		if (a.a_af == AF_INET) {
			sin = (struct sockaddr_in *)&pc->p_ss;
			sin->sin_family = AF_INET;
			sin->sin_addr = a.a_v4;
			pc->p_sslen = sizeof(*sin);
		} else {
			sin6 = (struct sockaddr_in6 *)&pc->p_ss;
			sin6->sin6_family = AF_INET6;
			sin6->sin6_addr = a.a_v6;
			pc->p_sslen = sizeof(*sin6);
		}
		return (0);
	}
	if (!valid_host(v->str)) {
		cfglex_error(&p->p_lx, &v->pos, "peer expects an address or a "
		    "host name, got '%s'", v->str);
		return (-1);
	}
	pc->p_numeric = 0;
	pc->p_sslen = 0;
	if (p->p_flags & SASYNCD_PARSE_NODNS)
		return (0);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((rv = getaddrinfo(v->str, NULL, &hints, &res)) != 0) {
		cfglex_error(&p->p_lx, &v->pos, "peer %s: %s", v->str,
		    rv == EAI_SYSTEM ? strerror(errno) : gai_strerror(rv));
		return (-1);
	}
	if (res->ai_addrlen > sizeof(pc->p_ss) ||
	    (res->ai_family != AF_INET && res->ai_family != AF_INET6)) {
		cfglex_error(&p->p_lx, &v->pos, "peer %s: no IPv4 or IPv6 "
		    "address", v->str);
		freeaddrinfo(res);
		return (-1);
	}
	memcpy(&pc->p_ss, res->ai_addr, res->ai_addrlen);
	pc->p_sslen = res->ai_addrlen;
	freeaddrinfo(res);
	return (0);
}

static int
ss_same_addr(const struct sockaddr_storage *a,
    const struct sockaddr_storage *b)
{
	const struct sockaddr_in	*a4, *b4;
	const struct sockaddr_in6	*a6, *b6;

	if (a->ss_family != b->ss_family)
		return (0);
	if (a->ss_family == AF_INET) {
		a4 = (const struct sockaddr_in *)a;
		b4 = (const struct sockaddr_in *)b;
		return (a4->sin_addr.s_addr == b4->sin_addr.s_addr);
	}
	if (a->ss_family == AF_INET6) {
		a6 = (const struct sockaddr_in6 *)a;
		b6 = (const struct sockaddr_in6 *)b;
		return (memcmp(&a6->sin6_addr, &b6->sin6_addr,
		    sizeof(a6->sin6_addr)) == 0);
	}
	return (0);
}

static void
ss_set_port(struct sockaddr_storage *ss, uint16_t port)
{
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons(port);
	else if (ss->ss_family == AF_INET6)
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
}

static void
set_peer(struct parse *p, const struct tok *v)
{
	struct sasyncd_conf	*c = p->p_conf;
	struct sasync_peer_conf	*pc, *o;

	if ((pc = calloc(1, sizeof(*pc))) == NULL) {
		cfglex_error(&p->p_lx, &v->pos, "out of memory");
		return;
	}
	if (peer_resolve(p, v, pc) == -1) {
		free(pc);
		return;
	}
	(void)strlcpy(pc->p_name, v->str, sizeof(pc->p_name));
	TAILQ_FOREACH(o, &c->c_peers, p_entry) {
		if (strcasecmp(o->p_name, pc->p_name) == 0) {
			cfglex_error(&p->p_lx, &v->pos, "peer %s given twice",
			    v->str);
			free(pc);
			return;
		}
		if (o->p_sslen > 0 && pc->p_sslen > 0 &&
		    ss_same_addr(&o->p_ss, &pc->p_ss)) {
			cfglex_error(&p->p_lx, &v->pos, "peer %s: the same "
			    "address as peer %s", v->str, o->p_name);
			free(pc);
			return;
		}
	}
	if (!pc->p_numeric)
		cfglex_warn(&p->p_lx, &v->pos, "warning: peer %s is a host "
		    "name: connections from it are never accepted, only "
		    "ours to it", v->str);
	TAILQ_INSERT_TAIL(&c->c_peers, pc, p_entry);
	c->c_npeers++;
}

static void
set_sharedkey(struct parse *p, const struct tok *kw, const struct tok *v)
{
	char	 err[128];

	if (once(p, SEEN_SHAREDKEY, kw, "sharedkey") == -1)
		return;
	if (sasync_key_parse(v->str, &p->p_conf->c_key, err,
	    sizeof(err)) == -1)
		cfglex_error(&p->p_lx, &v->pos, "%s", err);
}

static void
set_flushmode(struct parse *p, const struct tok *kw, const struct tok *v)
{
	if (once(p, SEEN_FLUSHMODE, kw, "flushmode") == -1)
		return;
	if (strcmp(v->str, "startup") == 0)
		p->p_conf->c_flushmode = FLUSH_STARTUP;
	else if (strcmp(v->str, "sync") == 0)
		p->p_conf->c_flushmode = FLUSH_SYNC;
	else if (strcmp(v->str, "never") == 0)
		p->p_conf->c_flushmode = FLUSH_NEVER;
	else
		cfglex_error(&p->p_lx, &v->pos, "flushmode expects sync, "
		    "startup or never, got '%s'", v->str);
}

/* "mode master|slave" locks the state; "mode skipslave" is a flag. */
static void
set_mode(struct parse *p, const struct tok *kw, const struct tok *v)
{
	if (strcmp(v->str, "skipslave") == 0) {
		if (once(p, SEEN_SKIPSLAVE, kw, "mode skipslave") == 0)
			p->p_conf->c_skipslave = 1;
		return;
	}
	if (strcmp(v->str, "master") != 0 && strcmp(v->str, "slave") != 0) {
		cfglex_error(&p->p_lx, &v->pos, "mode expects master, slave "
		    "or skipslave, got '%s'", v->str);
		return;
	}
	if (once(p, SEEN_LOCK, kw, "mode master or slave") == -1)
		return;
	p->p_conf->c_lock = strcmp(v->str, "master") == 0 ? LOCK_MASTER :
	    LOCK_SLAVE;
}

/* Spec 5.2: Linux has neither isakmpd nor iked; accepted, with a word. */
static void
set_control(struct parse *p, const struct tok *kw, const struct tok *v)
{
	struct sasyncd_conf	*c = p->p_conf;

	if (once(p, SEEN_CONTROL, kw, "control") == -1)
		return;
	if (strcmp(v->str, "none") == 0) {
		c->c_ike = IKE_NONE;
		return;
	}
	if (strcmp(v->str, "isakmpd") == 0)
		c->c_ike = IKE_ISAKMPD;
	else if (strcmp(v->str, "iked") == 0)
		c->c_ike = IKE_IKED;
	else if (strcmp(v->str, "all") == 0)
		c->c_ike = IKE_ALL;
	else {
		cfglex_error(&p->p_lx, &v->pos, "control expects isakmpd, "
		    "iked, all or none, got '%s'", v->str);
		return;
	}
	cfglex_warn(&p->p_lx, &v->pos, "warning: control %s: Linux has "
	    "neither isakmpd nor iked, no IKE daemon is switched", v->str);
}

static void
set_margin(struct parse *p, const struct tok *kw, const struct tok *v)
{
	long long	 n;

	if (once(p, SEEN_MARGIN, kw, "replay margin") == -1 ||
	    tok_num(p, v, "replay margin", 1, SASYNCD_MAX_MARGIN, &n) == -1)
		return;
	p->p_conf->c_margin = (uint32_t)n;
}

static void
set_interval(struct parse *p, const struct tok *kw, const struct tok *v)
{
	long long	 n;

	if (once(p, SEEN_INTERVAL, kw, "replay interval") == -1 ||
	    tok_num(p, v, "replay interval", 1, SASYNCD_MAX_AEINTERVAL,
	    &n) == -1)
		return;
	p->p_conf->c_aeinterval = (unsigned int)n;
}

/* What only the whole file can tell. */
static void
parse_finish(struct parse *p)
{
	struct sasyncd_conf	*c = p->p_conf;
	struct sasync_peer_conf	*pc;
	struct cfglex_pos	 top = { p->p_name, 0 };

	if (!p->p_opened)
		return;		/* already said why */
	/* A setting whose line had an error is not reported missing. */
	if (!((p->p_seen | p->p_lexed) & SEEN_SHAREDKEY))
		cfglex_error(&p->p_lx, &top, "no sharedkey given");
	if (c->c_carpif[0] == '\0' && c->c_lock == LOCK_NONE &&
	    !((p->p_seen | p->p_lexed) & SEEN_INTERFACE))
		cfglex_error(&p->p_lx, &top, "no interface given (needed "
		    "unless mode master or mode slave)");
	TAILQ_FOREACH(pc, &c->c_peers, p_entry)
		ss_set_port(&pc->p_ss, c->c_port);
}

void
sasyncd_conf_free(struct sasyncd_conf *c)
{
	struct sasync_peer_conf	*pc;

	if (c == NULL)
		return;
	while ((pc = TAILQ_FIRST(&c->c_peers)) != NULL) {
		TAILQ_REMOVE(&c->c_peers, pc, p_entry);
		free(pc);
	}
	freezero(c, sizeof(*c));
}

static struct parse *
parse_new(const char *name, int flags, sasyncd_errfn *err, void *arg)
{
	struct sasyncd_conf	*c;
	struct parse		*p;

	if ((p = calloc(1, sizeof(*p))) == NULL ||
	    (p->p_conf = calloc(1, sizeof(*p->p_conf))) == NULL) {
		free(p);
		if (err != NULL)
			err(arg, "out of memory");
		return (NULL);
	}
	p->p_name = name;
	p->p_flags = flags;
	p->p_err = err;
	p->p_arg = arg;
	c = p->p_conf;
	TAILQ_INIT(&c->c_peers);
	(void)strlcpy(c->c_group, SASYNCD_DEFAULT_GROUP, sizeof(c->c_group));
	c->c_listen_af = AF_UNSPEC;
	c->c_port = SASYNCD_DEFAULT_PORT;
	c->c_flushmode = FLUSH_STARTUP;
	c->c_lock = LOCK_NONE;
	c->c_ike = IKE_NONE;
	c->c_margin = SASYNCD_DEFAULT_MARGIN;
	c->c_aeinterval = SASYNCD_DEFAULT_AEINTERVAL;
	if (cfglex_init(&p->p_lx, keywords, NKEYWORDS, STRING, NUMBER, ERROR,
	    parse_msg, p) == -1) {
		free(p->p_conf);
		free(p);
		if (err != NULL)
			err(arg, "keyword table not sorted");
		return (NULL);
	}
	return (p);
}

/* Parses what was pushed, then frees p; returns the config or NULL. */
static struct sasyncd_conf *
parse_run(struct parse *p)
{
	struct sasyncd_conf	*conf = p->p_conf;
	int			 rv;

	if (p->p_opened) {
		rv = yyparse(p);
		if (rv != 0 && cfglex_errors(&p->p_lx) == 0)
			cfglex_error(&p->p_lx, NULL, "cannot parse the "
			    "configuration");
	}
	parse_finish(p);
	if (cfglex_errors(&p->p_lx) > 0) {
		sasyncd_conf_free(conf);
		conf = NULL;
	}
	cfglex_close(&p->p_lx);
	freezero(p, sizeof(*p));
	return (conf);
}

/*
 * Spec 5.1: a regular file owned by root, no group or other bits.
 * Checked on the open file, so what is read is what was checked.
 */
static int
perms_check(struct parse *p, FILE *f)
{
	struct cfglex_pos	 top = { p->p_name, 0 };
	struct stat		 st;

	if (fstat(fileno(f), &st) == -1) {
		cfglex_error(&p->p_lx, &top, "%s", strerror(errno));
		return (-1);
	}
	if (!S_ISREG(st.st_mode)) {
		cfglex_error(&p->p_lx, &top, "not a regular file");
		return (-1);
	}
	if (st.st_uid != 0) {
		cfglex_error(&p->p_lx, &top, "owned by uid %u, not by root",
		    (unsigned int)st.st_uid);
		return (-1);
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		cfglex_error(&p->p_lx, &top, "mode %04o gives access to group "
		    "or others, use 0600", (unsigned int)(st.st_mode & 07777));
		return (-1);
	}
	return (0);
}

struct sasyncd_conf *
sasyncd_parse_stream(FILE *f, const char *name, int flags,
    sasyncd_errfn *err, void *arg)
{
	struct parse	*p;

	if ((p = parse_new(name, flags, err, arg)) == NULL)
		return (NULL);
	p->p_opened = cfglex_push_stream(&p->p_lx, f, name) == 0;
	return (parse_run(p));
}

struct sasyncd_conf *
sasyncd_parse_file(const char *path, int flags, sasyncd_errfn *err,
    void *arg)
{
	struct sasyncd_conf	*c;
	struct parse		*p;
	struct cfglex_pos	 top = { path, 0 };
	FILE			*f;

	if ((p = parse_new(path, flags, err, arg)) == NULL)
		return (NULL);
	if ((f = fopen(path, "r")) == NULL) {
		cfglex_error(&p->p_lx, &top, "%s", strerror(errno));
		return (parse_run(p));
	}
	if (!(flags & SASYNCD_PARSE_PERMS) || perms_check(p, f) == 0)
		p->p_opened = cfglex_push_stream(&p->p_lx, f, path) == 0;
	c = parse_run(p);
	(void)fclose(f);
	return (c);
}

struct sasyncd_conf *
sasyncd_parse(const char *path, int check_perms)
{
	return (sasyncd_parse_file(path, check_perms ? SASYNCD_PARSE_PERMS :
	    0, stderr_msg, NULL));
}
