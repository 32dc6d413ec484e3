/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * carpd.conf: the grammar of carpd.conf(5), as an OpenBSD parse.y.
 *
 * The file holds "set" lines, macros, includes and one block per carp
 * interface.  A block's options are also what an OpenBSD hostname.carpN
 * line says ("inet 192.0.2.1 255.255.255.0 NONE vhid 1 carpdev em0 pass
 * x"): inside braces newlines are insignificant, so such a line is just
 * several options in a row.  Every value is taken as a word (string or
 * number) and checked in its action, so a bad value is reported with the
 * option's name and the value as given, and every error of the file is
 * reported, with its file:line, before the parse fails.
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
#include "carpd.h"
#include "cfglex.h"

#define CARPD_LOG_DEFAULT	2
#define CARPD_PLEN4_DEFAULT	32	/* a VIP given without a mask */
#define CARPD_PLEN6_DEFAULT	64	/* as ifconfig(8) inet6 */

/* Options that may be given once per block. */
#define SEEN_CARPDEV	0x001
#define SEEN_VHID	0x002
#define SEEN_PASS	0x004
#define SEEN_ADVBASE	0x008
#define SEEN_ADVSKEW	0x010
#define SEEN_CARPPEER	0x020
#define SEEN_LLADDR	0x040
#define SEEN_STATE	0x080
#define SEEN_BALANCING	0x100
#define SEEN_CARPNODES	0x200

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

/* A closed block and where its messages point. */
struct blk {
	struct carp_ifconf	*b_ic;		/* borrowed from p_conf */
	const char		*b_name;	/* as written */
	struct cfglex_pos	 b_pos;		/* its name */
	struct cfglex_pos	 b_balpos;	/* balancing, when given */
	struct cfglex_pos	 b_nodespos;	/* carpnodes, when given */
	int			 b_hasnodes;
};

struct parse {
	struct cfglex		 p_lx;
	struct carpd_config	*p_conf;	/* owned until returned */

	/* the open block */
	struct carp_ifconf	*p_if;		/* owned until '}' */
	struct blk		 p_cur;
	const char		*p_name;	/* as written, for messages */
	int			 p_syntax;	/* a syntax error inside */
	int			 p_toomany;	/* addresses over the limit */
	unsigned int		 p_seen;		/* SEEN_* */
	struct carp_node	 p_nodes[CARPD_MAXNODES];
	int			 p_nnodes;
	int			 p_nodesbad;

	struct blk		*p_blks;	/* closed blocks, in order */
	size_t			 p_nblks;

	struct tok		 p_inc;		/* include, done at its '\n' */
	int			 p_hasinc;
};

static int	 yylex(YYSTYPE *, struct parse *);
static void	 yyerror(struct parse *, const char *);

static int	 if_begin(struct parse *, const struct tok *);
static int	 if_end(struct parse *);
static void	 parse_include(struct parse *);
static void	 set_yesno(struct parse *, const struct tok *, const char *,
		    int *);
static void	 set_num(struct parse *, const struct tok *, const char *,
		    long long, long long, int *);
static int	 opt_once(struct parse *, unsigned int, const struct tok *);
static void	 opt_carpdev(struct parse *, const struct tok *,
		    const struct tok *);
static void	 opt_u8(struct parse *, unsigned int, const struct tok *,
		    const struct tok *, long long, long long, uint8_t *);
static void	 opt_pass(struct parse *, const struct tok *,
		    const struct tok *);
static void	 opt_inet(struct parse *, const struct tok *,
		    const struct tok *, const struct tok *);
static void	 opt_inet6(struct parse *, const struct tok *,
		    const struct tok *);
static void	 opt_group(struct parse *, const struct tok *);
static void	 opt_carppeer(struct parse *, const struct tok *,
		    const struct tok *);
static void	 opt_lladdr(struct parse *, const struct tok *,
		    const struct tok *);
static void	 opt_state(struct parse *, const struct tok *,
		    const struct tok *);
static void	 opt_balancing(struct parse *, const struct tok *,
		    const struct tok *);
static void	 opt_carpnodes(struct parse *, const struct tok *);
static void	 nodes_add(struct parse *, const struct tok *);
static int	 node_num(const char *, size_t, long *);
static int	 node_add(struct parse *, const struct tok *, long, long);
%}

%pure-parser
%parse-param	{ struct parse *p }
%lex-param	{ struct parse *p }

%token	ADVBASE ADVSKEW ALLOW BALANCING CARPDEV CARPNODES CARPPEER GROUP
%token	INCLUDE INET INET6 LLADDR LOG PASS PREEMPT SET STARTUPDEMOTE STATE
%token	VHID
%token	STRING NUMBER ERROR

%%

grammar		: /* empty */
		| grammar '\n'
		| grammar include '\n'	{ parse_include(p); }
		| grammar varset '\n'
		| grammar set '\n'
		| grammar carpif '\n'
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

set		: SET PREEMPT string	{
			set_yesno(p, &$3, "preempt", &p->p_conf->c_preempt);
		}
		| SET ALLOW string	{
			set_yesno(p, &$3, "allow", &p->p_conf->c_allow);
		}
		| SET LOG string	{
			set_num(p, &$3, "log", 0, 7, &p->p_conf->c_log);
		}
		| SET STARTUPDEMOTE string {
			set_num(p, &$3, "startup-demote", 0, CARPD_DEMOTE_MAX,
			    &p->p_conf->c_startup_demote);
		}
		;

carpif		: ifhead ifopts '}'	{
			if (if_end(p) == -1)
				YYABORT;
		}
		| ifhead ifopts error '}' {
			yyerrok;
			p->p_syntax = 1;
			if (if_end(p) == -1)
				YYABORT;
		}
		;

ifhead		: string '{'		{
			if (if_begin(p, &$1) == -1)
				YYABORT;
		}
		| error '{'		{
			yyerrok;
			if (if_begin(p, NULL) == -1)
				YYABORT;
		}
		;

ifopts		: /* empty */
		| ifopts '\n'
		| ifopts ifopt
		| ifopts error '\n'	{
			yyerrok;
			p->p_syntax = 1;
		}
		;

ifopt		: CARPDEV string	{ opt_carpdev(p, &$1, &$2); }
		| VHID string		{
			opt_u8(p, SEEN_VHID, &$1, &$2, 1, 255,
			    &p->p_if->ic_vhid);
		}
		| PASS string		{ opt_pass(p, &$1, &$2); }
		| ADVBASE string	{
			opt_u8(p, SEEN_ADVBASE, &$1, &$2, 0, 254,
			    &p->p_if->ic_advbase);
		}
		| ADVSKEW string	{
			opt_u8(p, SEEN_ADVSKEW, &$1, &$2, 0, 254,
			    &p->p_if->ic_advskew);
		}
		| INET string		{ opt_inet(p, &$2, NULL, NULL); }
		| INET string string	{ opt_inet(p, &$2, &$3, NULL); }
		| INET string string string {
			opt_inet(p, &$2, &$3, &$4);
		}
		| INET6 string		{ opt_inet6(p, &$2, NULL); }
		| INET6 string string	{ opt_inet6(p, &$2, &$3); }
		| GROUP string		{ opt_group(p, &$2); }
		| CARPPEER string	{ opt_carppeer(p, &$1, &$2); }
		| LLADDR string		{ opt_lladdr(p, &$1, &$2); }
		| STATE string		{ opt_state(p, &$1, &$2); }
		| BALANCING string	{ opt_balancing(p, &$1, &$2); }
		| CARPNODES nodelist	{ opt_carpnodes(p, &$1); }
		;

nodelist	: string		{
			p->p_nnodes = 0;
			p->p_nodesbad = 0;
			nodes_add(p, &$1);
		}
		| nodelist ',' string	{ nodes_add(p, &$3); }
		;

%%

/* Sorted by strcmp: the lexer looks keywords up with bsearch. */
static const struct cfglex_keyword keywords[] = {
	{ "advbase",		ADVBASE },
	{ "advskew",		ADVSKEW },
	{ "allow",		ALLOW },
	{ "balancing",		BALANCING },
	{ "carpdev",		CARPDEV },
	{ "carpnodes",		CARPNODES },
	{ "carppeer",		CARPPEER },
	{ "group",		GROUP },
	{ "include",		INCLUDE },
	{ "inet",		INET },
	{ "inet6",		INET6 },
	{ "lladdr",		LLADDR },
	{ "log",		LOG },
	{ "pass",		PASS },
	{ "preempt",		PREEMPT },
	{ "set",		SET },
	{ "startup-demote",	STARTUPDEMOTE },
	{ "state",		STATE },
	{ "vhid",		VHID }
};
#define NKEYWORDS	(sizeof(keywords) / sizeof(keywords[0]))

static const char *const balancing_names[] = {
	[CARP_BAL_NONE] = "none",
	[CARP_BAL_IP] = "ip",
	[CARP_BAL_IP_STEALTH] = "ip-stealth",
	[CARP_BAL_IP_UNICAST] = "ip-unicast",
	[CARP_BAL_ARP] = "arp"
};
#define NBALANCING	(sizeof(balancing_names) / sizeof(balancing_names[0]))

static const char *const state_names[] = {
	[CARP_INIT] = "init",
	[CARP_BACKUP] = "backup",
	[CARP_MASTER] = "master"
};
#define NSTATES		(sizeof(state_names) / sizeof(state_names[0]))

static struct parse *parse_new(carpd_errfn *, void *);
static struct carpd_config *parse_run(struct parse *);
static void	 parse_finish(struct parse *);
static void	 ifconf_free(struct carp_ifconf *);
static int	 valid_ifname(const char *);
static int	 addr_unicast(const struct addr *);
static int	 add_addr(struct parse *, const struct addr *,
		    const struct tok *);
static int	 mask_parse(const char *, int *);
static int	 mac_parse(const char *, uint8_t [6]);
static int	 tok_num(struct parse *, const struct tok *, const char *,
		    long long, long long, long long *);
static void	 print_word(FILE *, const char *);
static void	 print_quoted(FILE *, const char *);

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

/*
 * Inside a block a word where an option should start is an unknown
 * keyword: every value is an argument of the option before it.
 */
static void
yyerror(struct parse *p, const char *msg)
{
	const struct cfglex_token	*t;

	t = cfglex_last(&p->p_lx);
	if (strcmp(msg, "syntax error") != 0)
		cfglex_error(&p->p_lx, &t->t_pos, "%s", msg);
	else if (p->p_if != NULL && t->t_type == STRING)
		cfglex_error(&p->p_lx, &t->t_pos, "unknown keyword '%.64s'",
		    t->t_str);
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

static void
set_yesno(struct parse *p, const struct tok *v, const char *what, int *out)
{
	if (strcmp(v->str, "yes") == 0)
		*out = 1;
	else if (strcmp(v->str, "no") == 0)
		*out = 0;
	else
		cfglex_error(&p->p_lx, &v->pos,
		    "%s expects yes or no, got '%s'", what, v->str);
}

static void
set_num(struct parse *p, const struct tok *v, const char *what,
    long long min, long long max, int *out)
{
	long long	 n;

	if (tok_num(p, v, what, min, max, &n) == 0)
		*out = (int)n;
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

/* Opens a block: name is NULL when the header itself was broken. */
static int
if_begin(struct parse *p, const struct tok *name)
{
	struct carp_ifconf	*ic;
	size_t			 i;

	if ((ic = calloc(1, sizeof(*ic))) == NULL) {
		cfglex_error(&p->p_lx, NULL, "out of memory");
		return (-1);
	}
	ic->ic_advbase = 1;
	ic->ic_advskew = 0;
	ic->ic_state = -1;
	ic->ic_lladdr_mode = CARP_LLADDR_VIRTUAL;
	ic->ic_balancing = CARP_BAL_NONE;
	memset(&p->p_cur, 0, sizeof(p->p_cur));
	p->p_if = ic;
	p->p_seen = 0;
	p->p_syntax = 0;
	p->p_toomany = 0;
	if (name == NULL) {
		p->p_name = "?";
		p->p_cur.b_name = p->p_name;
		p->p_syntax = 1;
		p->p_cur.b_pos = cfglex_last(&p->p_lx)->t_pos;
		ic->ic_line = p->p_cur.b_pos.p_line;
		return (0);
	}
	p->p_name = name->str;
	p->p_cur.b_name = name->str;
	p->p_cur.b_pos = name->pos;
	ic->ic_line = name->pos.p_line;
	if (!valid_ifname(name->str)) {
		cfglex_error(&p->p_lx, &name->pos,
		    "'%s' is not a valid interface name", name->str);
		return (0);
	}
	(void)strlcpy(ic->ic_name, name->str, sizeof(ic->ic_name));
	for (i = 0; i < p->p_nblks; i++)
		if (strcmp(p->p_blks[i].b_ic->ic_name, ic->ic_name) == 0) {
			cfglex_error(&p->p_lx, &name->pos, "%s: defined twice, "
			    "first at %s:%d", ic->ic_name,
			    p->p_blks[i].b_pos.p_file,
			    p->p_blks[i].b_pos.p_line);
			break;
		}
	return (0);
}

/* Closes a block: what must be there, what must be unique. */
static int
if_end(struct parse *p)
{
	struct carp_ifconf	*ic = p->p_if, *o;
	struct blk		*blks;
	size_t			 i;

	if (!p->p_syntax) {
		if (!(p->p_seen & SEEN_VHID))
			cfglex_error(&p->p_lx, &p->p_cur.b_pos,
			    "%s: vhid is required", p->p_name);
		if (!(p->p_seen & SEEN_CARPDEV))
			cfglex_error(&p->p_lx, &p->p_cur.b_pos,
			    "%s: carpdev is required", p->p_name);
	}
	if (ic->ic_carpdev[0] != '\0' &&
	    strcmp(ic->ic_carpdev, ic->ic_name) == 0)
		cfglex_error(&p->p_lx, &p->p_cur.b_pos,
		    "%s: carpdev cannot be the interface itself", p->p_name);
	for (i = 0; ic->ic_vhid != 0 && ic->ic_carpdev[0] != '\0' &&
	    i < p->p_nblks; i++) {
		o = p->p_blks[i].b_ic;
		if (o->ic_vhid == ic->ic_vhid &&
		    strcmp(o->ic_carpdev, ic->ic_carpdev) == 0) {
			cfglex_error(&p->p_lx, &p->p_cur.b_pos,
			    "%s: vhid %u on %s is already used by %s",
			    p->p_name, ic->ic_vhid, ic->ic_carpdev,
			    p->p_blks[i].b_name);
			break;
		}
	}

	if ((blks = reallocarray(p->p_blks, p->p_nblks + 1,
	    sizeof(*blks))) == NULL) {
		cfglex_error(&p->p_lx, NULL, "out of memory");
		return (-1);
	}
	p->p_blks = blks;
	p->p_cur.b_ic = ic;
	p->p_blks[p->p_nblks++] = p->p_cur;
	TAILQ_INSERT_TAIL(&p->p_conf->c_ifs, ic, ic_entry);
	p->p_if = NULL;		/* now owned by p_conf */
	return (0);
}

/* Marks an option seen; an option given twice is an error. */
static int
opt_once(struct parse *p, unsigned int bit, const struct tok *kw)
{
	if (p->p_seen & bit) {
		cfglex_error(&p->p_lx, &kw->pos, "%s: %s given twice",
		    p->p_name, kw->str);
		return (-1);
	}
	p->p_seen |= bit;
	return (0);
}

static void
opt_carpdev(struct parse *p, const struct tok *kw, const struct tok *v)
{
	if (opt_once(p, SEEN_CARPDEV, kw) == -1)
		return;
	if (!valid_ifname(v->str)) {
		cfglex_error(&p->p_lx, &v->pos, "carpdev expects an interface "
		    "name, got '%s'", v->str);
		return;
	}
	(void)strlcpy(p->p_if->ic_carpdev, v->str,
	    sizeof(p->p_if->ic_carpdev));
}

static void
opt_u8(struct parse *p, unsigned int bit, const struct tok *kw,
    const struct tok *v, long long min, long long max, uint8_t *out)
{
	long long	 n;

	if (opt_once(p, bit, kw) == -1)
		return;
	if (tok_num(p, v, kw->str, min, max, &n) == 0)
		*out = (uint8_t)n;
}

/* OpenBSD keeps 19 bytes of the passphrase: say so, but carry on. */
static void
opt_pass(struct parse *p, const struct tok *kw, const struct tok *v)
{
	struct carp_ifconf	*ic = p->p_if;

	if (opt_once(p, SEEN_PASS, kw) == -1)
		return;
	if ((ic->ic_pass = strdup(v->str)) == NULL) {
		cfglex_error(&p->p_lx, &v->pos, "out of memory");
		return;
	}
	ic->ic_pass_truncated = carp_wire_key(ic->ic_pass, ic->ic_key);
	if (ic->ic_pass_truncated)
		cfglex_warn(&p->p_lx, &v->pos, "%s: passphrase longer than "
		    "%d bytes is truncated, as OpenBSD does", p->p_name,
		    CARP_KEY_LEN - 1);
}

/* inet address [netmask [broadcast]], as hostname.if(5) has it. */
static void
opt_inet(struct parse *p, const struct tok *v, const struct tok *mask,
    const struct tok *bcast)
{
	struct addr	 a, b;
	const char	*errstr;
	int		 plen;

	if (addr_parse(v->str, &a, &errstr) == -1) {
		cfglex_error(&p->p_lx, &v->pos, "inet %s: %s", v->str,
		    errstr);
		return;
	}
	if (a.a_af != AF_INET) {
		cfglex_error(&p->p_lx, &v->pos, "inet expects an IPv4 "
		    "address, got '%s'", v->str);
		return;
	}
	if (mask != NULL) {
		if (a.a_plen != -1) {
			cfglex_error(&p->p_lx, &mask->pos, "inet %s: prefix "
			    "length and netmask both given", v->str);
			return;
		}
		if (mask_parse(mask->str, &plen) == -1) {
			cfglex_error(&p->p_lx, &mask->pos, "inet %s: bad "
			    "netmask '%s'", v->str, mask->str);
			return;
		}
		a.a_plen = plen;
	}
	/* The broadcast address follows from the mask: checked, unused. */
	if (bcast != NULL && strcmp(bcast->str, "NONE") != 0 &&
	    (addr_parse(bcast->str, &b, &errstr) == -1 ||
	    b.a_af != AF_INET || b.a_plen != -1)) {
		cfglex_error(&p->p_lx, &bcast->pos, "inet %s: bad broadcast "
		    "address '%s'", v->str, bcast->str);
		return;
	}
	if (a.a_plen == -1)
		a.a_plen = CARPD_PLEN4_DEFAULT;
	(void)add_addr(p, &a, v);
}

/* inet6 address[/prefixlen] [prefixlen] */
static void
opt_inet6(struct parse *p, const struct tok *v, const struct tok *plen)
{
	struct addr	 a;
	const char	*errstr;
	long long	 n;

	if (addr_parse(v->str, &a, &errstr) == -1) {
		cfglex_error(&p->p_lx, &v->pos, "inet6 %s: %s", v->str,
		    errstr);
		return;
	}
	if (a.a_af != AF_INET6) {
		cfglex_error(&p->p_lx, &v->pos, "inet6 expects an IPv6 "
		    "address, got '%s'", v->str);
		return;
	}
	if (plen != NULL) {
		if (a.a_plen != -1) {
			cfglex_error(&p->p_lx, &plen->pos, "inet6 %s: prefix "
			    "length given twice", v->str);
			return;
		}
		if (tok_num(p, plen, "prefixlen", 0, 128, &n) == -1)
			return;
		a.a_plen = (int)n;
	}
	if (a.a_plen == -1)
		a.a_plen = CARPD_PLEN6_DEFAULT;
	(void)add_addr(p, &a, v);
}

static int
add_addr(struct parse *p, const struct addr *a, const struct tok *v)
{
	struct carp_ifconf	*ic = p->p_if;
	char			 buf[ADDR_STRLEN];
	int			 i;

	if (!addr_unicast(a)) {
		cfglex_error(&p->p_lx, &v->pos, "%s %s: not a unicast "
		    "address", a->a_af == AF_INET ? "inet" : "inet6", v->str);
		return (-1);
	}
	for (i = 0; i < ic->ic_naddrs; i++)
		if (addr_cmp(&ic->ic_addrs[i], a) == 0) {
			cfglex_error(&p->p_lx, &v->pos, "%s: address %s given "
			    "twice", p->p_name, addr_ntop(a, 0, buf,
			    sizeof(buf)));
			return (-1);
		}
	if (ic->ic_naddrs == CARP_MAXADDRS) {
		if (!p->p_toomany)
			cfglex_error(&p->p_lx, &v->pos, "%s: more than %d "
			    "addresses", p->p_name, CARP_MAXADDRS);
		p->p_toomany = 1;
		return (-1);
	}
	ic->ic_addrs[ic->ic_naddrs++] = *a;
	return (0);
}

static void
opt_group(struct parse *p, const struct tok *v)
{
	struct carp_ifconf	*ic = p->p_if;
	size_t			 len;
	int			 i;

	len = strlen(v->str);
	/* OpenBSD's rule: an interface group never ends in a digit. */
	if (!valid_ifname(v->str) ||
	    isdigit((unsigned char)v->str[len - 1])) {
		cfglex_error(&p->p_lx, &v->pos, "group expects a group name "
		    "not ending in a digit, got '%s'", v->str);
		return;
	}
	if (strcmp(v->str, "carp") == 0)
		return;		/* every carp interface is in it */
	for (i = 0; i < ic->ic_ngroups; i++)
		if (strcmp(ic->ic_groups[i], v->str) == 0) {
			cfglex_error(&p->p_lx, &v->pos, "%s: group %s given "
			    "twice", p->p_name, v->str);
			return;
		}
	if (ic->ic_ngroups == CARPD_MAXGROUPS) {
		cfglex_error(&p->p_lx, &v->pos, "%s: more than %d groups",
		    p->p_name, CARPD_MAXGROUPS);
		return;
	}
	(void)strlcpy(ic->ic_groups[ic->ic_ngroups++], v->str,
	    sizeof(ic->ic_groups[0]));
}

static void
opt_carppeer(struct parse *p, const struct tok *kw, const struct tok *v)
{
	struct addr	 a;
	const char	*errstr;

	if (opt_once(p, SEEN_CARPPEER, kw) == -1)
		return;
	if (addr_parse(v->str, &a, &errstr) == -1 || a.a_af != AF_INET ||
	    a.a_plen != -1 || !addr_unicast(&a)) {
		cfglex_error(&p->p_lx, &v->pos, "carppeer expects an IPv4 "
		    "unicast address, got '%s'", v->str);
		return;
	}
	p->p_if->ic_has_peer = 1;
	p->p_if->ic_peer = a;
}

static void
opt_lladdr(struct parse *p, const struct tok *kw, const struct tok *v)
{
	struct carp_ifconf	*ic = p->p_if;
	uint8_t			 mac[6];

	if (opt_once(p, SEEN_LLADDR, kw) == -1)
		return;
	if (strcmp(v->str, "parent") == 0) {
		ic->ic_lladdr_mode = CARP_LLADDR_PARENT;
		return;
	}
	if (mac_parse(v->str, mac) == -1) {
		cfglex_error(&p->p_lx, &v->pos, "lladdr expects parent or a "
		    "MAC address, got '%s'", v->str);
		return;
	}
	if ((mac[0] & 0x01) || memcmp(mac, "\0\0\0\0\0\0", 6) == 0) {
		cfglex_error(&p->p_lx, &v->pos, "lladdr %s: not a unicast "
		    "MAC address", v->str);
		return;
	}
	ic->ic_lladdr_mode = CARP_LLADDR_MANUAL;
	memcpy(ic->ic_lladdr, mac, sizeof(mac));
}

static void
opt_state(struct parse *p, const struct tok *kw, const struct tok *v)
{
	size_t	 i;

	if (opt_once(p, SEEN_STATE, kw) == -1)
		return;
	for (i = 0; i < NSTATES; i++)
		if (strcmp(v->str, state_names[i]) == 0) {
			p->p_if->ic_state = (int)i;
			return;
		}
	cfglex_error(&p->p_lx, &v->pos, "state expects init, backup or "
	    "master, got '%s'", v->str);
}

static void
opt_balancing(struct parse *p, const struct tok *kw, const struct tok *v)
{
	size_t	 i;

	if (opt_once(p, SEEN_BALANCING, kw) == -1)
		return;
	for (i = 0; i < NBALANCING; i++)
		if (strcmp(v->str, balancing_names[i]) == 0) {
			p->p_if->ic_balancing = (enum carp_balancing)i;
			p->p_cur.b_balpos = kw->pos;
			return;
		}
	cfglex_error(&p->p_lx, &v->pos, "balancing expects none, ip, "
	    "ip-stealth, ip-unicast or arp, got '%s'", v->str);
}

static void
opt_carpnodes(struct parse *p, const struct tok *kw)
{
	struct carp_ifconf	*ic = p->p_if;

	if (opt_once(p, SEEN_CARPNODES, kw) == -1)
		return;
	p->p_cur.b_nodespos = kw->pos;
	p->p_cur.b_hasnodes = 1;
	if (p->p_nodesbad)
		return;
	memcpy(ic->ic_nodes, p->p_nodes, sizeof(ic->ic_nodes));
	ic->ic_nnodes = p->p_nnodes;
}

/*
 * One word of a carpnodes list: "vhid:advskew" entries, more of them
 * separated by commas when the word was quoted.
 */
static void
nodes_add(struct parse *p, const struct tok *v)
{
	const char	*s, *end, *colon;
	long		 vhid, skew;

	for (s = v->str;; s = end + 1) {
		if ((end = strchr(s, ',')) == NULL)
			end = s + strlen(s);
		colon = memchr(s, ':', (size_t)(end - s));
		if (colon == NULL ||
		    node_num(s, (size_t)(colon - s), &vhid) == -1 ||
		    node_num(colon + 1, (size_t)(end - colon - 1),
		    &skew) == -1) {
			cfglex_error(&p->p_lx, &v->pos, "carpnodes expects "
			    "vhid:advskew entries, got '%s'", v->str);
			p->p_nodesbad = 1;
			return;
		}
		if (node_add(p, v, vhid, skew) == -1 || *end == '\0')
			return;
	}
}

/* Up to 7 digits at s (len bytes), as a number. */
static int
node_num(const char *s, size_t len, long *out)
{
	char	 buf[8];

	if (len == 0 || len >= sizeof(buf) || strspn(s, "0123456789") < len)
		return (-1);
	memcpy(buf, s, len);
	buf[len] = '\0';
	*out = strtol(buf, NULL, 10);
	return (0);
}

/* Checks and keeps one entry; -1 when the list is full. */
static int
node_add(struct parse *p, const struct tok *v, long vhid, long skew)
{
	int	 i;

	if (vhid < 1 || vhid > 254) {
		cfglex_error(&p->p_lx, &v->pos, "carpnodes: vhid expects "
		    "1-254, got '%ld'", vhid);
		p->p_nodesbad = 1;
		return (0);
	}
	if (skew > 254) {
		cfglex_error(&p->p_lx, &v->pos, "carpnodes: advskew expects "
		    "0-254, got '%ld'", skew);
		p->p_nodesbad = 1;
		return (0);
	}
	if (p->p_nnodes == CARPD_MAXNODES) {
		cfglex_error(&p->p_lx, &v->pos, "carpnodes: more than %d "
		    "entries", CARPD_MAXNODES);
		p->p_nodesbad = 1;
		return (-1);
	}
	for (i = 0; i < p->p_nnodes; i++)
		if (p->p_nodes[i].cn_vhid == vhid) {
			cfglex_error(&p->p_lx, &v->pos, "carpnodes: vhid %ld "
			    "given twice", vhid);
			p->p_nodesbad = 1;
			return (0);
		}
	p->p_nodes[p->p_nnodes].cn_vhid = (uint8_t)vhid;
	p->p_nodes[p->p_nnodes].cn_advskew = (uint8_t)skew;
	p->p_nnodes++;
	return (0);
}

/* What only the whole file can tell. */
static void
parse_finish(struct parse *p)
{
	struct blk	*b;
	size_t		 i, j;

	for (i = 0; i < p->p_nblks; i++) {
		b = &p->p_blks[i];
		for (j = 0; j < p->p_nblks; j++)
			if (b->b_ic->ic_carpdev[0] != '\0' && j != i &&
			    strcmp(b->b_ic->ic_carpdev,
			    p->p_blks[j].b_ic->ic_name) == 0) {
				cfglex_error(&p->p_lx, &b->b_pos, "%s: carpdev "
				    "%s is a carp interface", b->b_name,
				    b->b_ic->ic_carpdev);
				break;
			}
	}
	/* Parsed, but never silently run without: say so last. */
	for (i = 0; i < p->p_nblks; i++) {
		b = &p->p_blks[i];
		if (b->b_ic->ic_balancing != CARP_BAL_NONE)
			cfglex_error(&p->p_lx, &b->b_balpos, "%s: balancing "
			    "is not supported by this version of carpd",
			    b->b_name);
		if (b->b_hasnodes)
			cfglex_error(&p->p_lx, &b->b_nodespos, "%s: carpnodes "
			    "is not supported by this version of carpd",
			    b->b_name);
	}
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

static int
addr_unicast(const struct addr *a)
{
	uint32_t	 v;

	if (a->a_af == AF_INET) {
		v = ntohl(a->a_v4.s_addr);
		/* 0/8, loopback, multicast and class E. */
		return (v >> 24 != 0 && v >> 24 != 127 && v >> 28 < 0xe);
	}
	return (!IN6_IS_ADDR_UNSPECIFIED(&a->a_v6) &&
	    !IN6_IS_ADDR_LOOPBACK(&a->a_v6) &&
	    !IN6_IS_ADDR_MULTICAST(&a->a_v6));
}

/* A dotted netmask, or hexadecimal as ifconfig(8) prints it. */
static int
mask_parse(const char *s, int *plen)
{
	unsigned long	 v;
	char		*ep;
	int		 n = 0;

	if (s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
		return (addr_mask_plen(s, plen));
	if (s[2] == '\0' || strlen(s) > 10 ||
	    strspn(s + 2, "0123456789abcdefABCDEF") != strlen(s + 2))
		return (-1);
	v = strtoul(s + 2, &ep, 16);
	while (v & 0x80000000UL) {
		n++;
		v = (v << 1) & 0xffffffffUL;
	}
	if (v != 0)
		return (-1);
	*plen = n;
	return (0);
}

/* xx:xx:xx:xx:xx:xx, one or two hex digits each. */
static int
mac_parse(const char *s, uint8_t mac[6])
{
	char	 hex[3];
	size_t	 n;
	int	 i;

	for (i = 0; i < 6; i++) {
		n = strspn(s, "0123456789abcdefABCDEF");
		if (n == 0 || n > 2)
			return (-1);
		memcpy(hex, s, n);
		hex[n] = '\0';
		mac[i] = (uint8_t)strtoul(hex, NULL, 16);
		s += n;
		if (i < 5 && *s++ != ':')
			return (-1);
	}
	return (*s == '\0' ? 0 : -1);
}

static void
ifconf_free(struct carp_ifconf *ic)
{
	if (ic == NULL)
		return;
	if (ic->ic_pass != NULL)
		freezero(ic->ic_pass, strlen(ic->ic_pass) + 1);
	freezero(ic, sizeof(*ic));
}

void
carpd_config_free(struct carpd_config *conf)
{
	struct carp_ifconf	*ic;

	if (conf == NULL)
		return;
	while ((ic = TAILQ_FIRST(&conf->c_ifs)) != NULL) {
		TAILQ_REMOVE(&conf->c_ifs, ic, ic_entry);
		ifconf_free(ic);
	}
	free(conf);
}

static struct parse *
parse_new(carpd_errfn *err, void *arg)
{
	struct parse	*p;

	if ((p = calloc(1, sizeof(*p))) == NULL ||
	    (p->p_conf = calloc(1, sizeof(*p->p_conf))) == NULL) {
		free(p);
		err(arg, "out of memory");
		return (NULL);
	}
	TAILQ_INIT(&p->p_conf->c_ifs);
	p->p_conf->c_preempt = 0;
	p->p_conf->c_allow = 1;
	p->p_conf->c_log = CARPD_LOG_DEFAULT;
	p->p_conf->c_startup_demote = 0;
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
static struct carpd_config *
parse_run(struct parse *p)
{
	struct carpd_config	*conf = p->p_conf;
	int			 rv;

	rv = yyparse(p);
	if (rv != 0 && cfglex_errors(&p->p_lx) == 0)
		cfglex_error(&p->p_lx, NULL, "cannot parse the configuration");
	parse_finish(p);
	ifconf_free(p->p_if);	/* a block the end of file left open */
	p->p_if = NULL;
	if (cfglex_errors(&p->p_lx) > 0) {
		carpd_config_free(conf);
		conf = NULL;
	}
	cfglex_close(&p->p_lx);
	free(p->p_blks);
	freezero(p, sizeof(*p));
	return (conf);
}

struct carpd_config *
carpd_parse(FILE *f, const char *name, carpd_errfn *err, void *arg)
{
	struct parse	*p;

	if ((p = parse_new(err, arg)) == NULL)
		return (NULL);
	(void)cfglex_push_stream(&p->p_lx, f, name);
	return (parse_run(p));
}

struct carpd_config *
carpd_parse_file(const char *path, carpd_errfn *err, void *arg)
{
	struct parse	*p;

	if ((p = parse_new(err, arg)) == NULL)
		return (NULL);
	(void)cfglex_push_path(&p->p_lx, path, NULL);
	return (parse_run(p));
}

/* Bare when the lexer reads it back as the same word, else quoted. */
static void
print_word(FILE *f, const char *s)
{
	size_t	 len;

	len = strlen(s);
	if (len == 0 || s[0] == '$' || cfglex_lookup(keywords, NKEYWORDS,
	    s) != -1 || strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
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

void
carpd_config_print(FILE *f, const struct carpd_config *conf)
{
	const struct carp_ifconf	*ic;
	char				 buf[ADDR_STRLEN];
	int				 i, sep = 0;

	if (conf->c_preempt) {
		(void)fprintf(f, "set preempt yes\n");
		sep = 1;
	}
	if (!conf->c_allow) {
		(void)fprintf(f, "set allow no\n");
		sep = 1;
	}
	if (conf->c_log != CARPD_LOG_DEFAULT) {
		(void)fprintf(f, "set log %d\n", conf->c_log);
		sep = 1;
	}
	if (conf->c_startup_demote != 0) {
		(void)fprintf(f, "set startup-demote %d\n",
		    conf->c_startup_demote);
		sep = 1;
	}
	TAILQ_FOREACH(ic, &conf->c_ifs, ic_entry) {
		if (sep)
			(void)fputc('\n', f);
		sep = 1;
		print_word(f, ic->ic_name);
		(void)fprintf(f, " {\n\tcarpdev ");
		print_word(f, ic->ic_carpdev);
		(void)fprintf(f, "\n\tvhid %u\n\tadvbase %u\n\tadvskew %u\n",
		    ic->ic_vhid, ic->ic_advbase, ic->ic_advskew);
		if (ic->ic_pass != NULL) {
			(void)fprintf(f, "\tpass ");
			print_quoted(f, ic->ic_pass);
			(void)fputc('\n', f);
		}
		if (ic->ic_lladdr_mode == CARP_LLADDR_PARENT)
			(void)fprintf(f, "\tlladdr parent\n");
		else if (ic->ic_lladdr_mode == CARP_LLADDR_MANUAL)
			(void)fprintf(f, "\tlladdr "
			    "%02x:%02x:%02x:%02x:%02x:%02x\n",
			    ic->ic_lladdr[0], ic->ic_lladdr[1],
			    ic->ic_lladdr[2], ic->ic_lladdr[3],
			    ic->ic_lladdr[4], ic->ic_lladdr[5]);
		if (ic->ic_has_peer)
			(void)fprintf(f, "\tcarppeer %s\n",
			    addr_ntop(&ic->ic_peer, 0, buf, sizeof(buf)));
		if (ic->ic_state >= 0 && (size_t)ic->ic_state < NSTATES)
			(void)fprintf(f, "\tstate %s\n",
			    state_names[ic->ic_state]);
		for (i = 0; i < ic->ic_ngroups; i++) {
			(void)fprintf(f, "\tgroup ");
			print_word(f, ic->ic_groups[i]);
			(void)fputc('\n', f);
		}
		for (i = 0; i < ic->ic_naddrs; i++)
			(void)fprintf(f, "\t%s %s\n",
			    ic->ic_addrs[i].a_af == AF_INET ? "inet" : "inet6",
			    addr_ntop(&ic->ic_addrs[i], 1, buf, sizeof(buf)));
		if (ic->ic_balancing != CARP_BAL_NONE &&
		    (size_t)ic->ic_balancing < NBALANCING)
			(void)fprintf(f, "\tbalancing %s\n",
			    balancing_names[ic->ic_balancing]);
		if (ic->ic_nnodes > 0) {
			(void)fprintf(f, "\tcarpnodes ");
			for (i = 0; i < ic->ic_nnodes; i++)
				(void)fprintf(f, "%s%u:%u", i ? "," : "",
				    ic->ic_nodes[i].cn_vhid,
				    ic->ic_nodes[i].cn_advskew);
			(void)fputc('\n', f);
		}
		(void)fprintf(f, "}\n");
	}
}
