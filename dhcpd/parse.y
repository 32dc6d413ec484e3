/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * dhcpd.conf: the grammar of OpenBSD's dhcpd.conf(5) and dhcp-options(5).
 *
 * ISC style: statements end in ';', declarations open '{ }' blocks, '#'
 * starts a comment, keywords are case-insensitive.  Parameters set in a
 * block apply to it and to what it encloses (dhcpd_conf.h); as in
 * OpenBSD, they come before the block's declarations.  Every statement
 * is accepted in the grammar wherever a statement may stand, and its
 * action says whether it belongs there ("range not allowed here"), so
 * the messages name the statement and the value, and every error of the
 * file is reported with its file:line before the parse fails.
 *
 * The lexer is lib/cfglex (keywords, positions, includes of our own).
 * cfglex is newline-oriented and takes ';' as part of a word, so each
 * file first goes through prepass(), which keeps every byte where it
 * is, so lines count the same, and rewrites three things outside quotes
 * and comments: ';' becomes the control character SEMI_CHAR, a token of
 * its own; a real SEMI_CHAR becomes CTRL_CHAR, a syntax error; and each
 * quoted string gets Q_MARK before its first character, which yylex()
 * strips, so the grammar knows a quoted "ab" (text) from a bare ab (hex
 * octets) and a quoted "host" from the keyword.  Newline tokens are
 * dropped: dhcpd.conf is free-form.  MAC addresses (00:00:5e:00:53:42),
 * dates (2023/11/14 22:13:20) and hyphenated keywords are single words
 * to cfglex already.  There are no macros; "include" is a hakit
 * extension (ISC dhcpd 3 has it), refused below a stream.
 *
 * The parser is reentrant (struct parse, passed by %parse-param) and
 * touches no running state.
 */

%{
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cfglex.h"
#include "dhcp_opt.h"
#include "dhcpd_conf.h"

#define MAXSCOPE	32		/* nested blocks */
#define MAXFILE	(16 * 1024 * 1024)	/* bytes in a file: 16M */
#define MAXFILENAME	127		/* BOOTP file field, no NUL */
#define MAXSNAME	63		/* BOOTP sname field */
#define MAXSECONDS	4294967295LL
#define Q_MARK		'\001'		/* prepass: quoted string */
#define SEMI_CHAR	'\037'		/* prepass: ';' */
#define CTRL_CHAR	'\036'		/* prepass: a real SEMI_CHAR */

/* A token's value: text in the lexer's arena, valid for the parse. */
struct tok {
	const char		*str;
	long long		 num;
	int			 isnum;
	int			 quoted;
	struct cfglex_pos	 pos;
};
typedef struct tok YYSTYPE;
#define YYSTYPE_IS_DECLARED	1

enum scope_kind {
	SC_GLOBAL,
	SC_SHARED,
	SC_SUBNET,
	SC_HOST,
	SC_GROUP,
	SC_CLASS,
	SC_JUNK		/* a refused declaration: its block is skipped */
};

/* One open block; objects are owned by the config, borrowed here. */
struct scope {
	enum scope_kind		 sc_kind;
	struct dhcp_params	*sc_params;
	struct dhcp_shared	*sc_shared;	/* enclosing shared net */
	struct dhcp_subnet	*sc_subnet;	/* enclosing subnet */
	struct dhcp_host	*sc_host;
	struct dhcp_class	*sc_class;
	int			 sc_bad;	/* refused subnet */
	int			 sc_decl;	/* a declaration was read */
	struct cfglex_pos	 sc_pos;
};

/* A file read through prepass(): the lexer borrows fp. */
struct inc {
	struct inc		*i_next;
	FILE			*i_fp;
	char			*i_buf;
};

struct range_seen {
	uint32_t		 rs_low;	/* host order */
	uint32_t		 rs_high;
	struct cfglex_pos	 rs_pos;
};

struct lease_seen {
	const struct dhcp_params *ls_params;
	struct cfglex_pos	 ls_pos;
};

struct parse {
	struct cfglex		 p_lx;
	struct dhcpd_config	*p_conf;	/* owned until returned */
	const char		*p_name;	/* the top file, borrowed */
	int			 p_opened;	/* the top file was read */
	int			 p_files;	/* includes allowed */
	struct inc		*p_incs;

	struct scope		 p_scope[MAXSCOPE];	/* [0]: global */
	int			 p_depth;
	int			 p_junk;	/* skipped blocks open */
	struct scope		 p_pending;	/* before its '{' */
	unsigned long		 p_ntok;	/* tokens read */
	unsigned long		 p_quiet;	/* token reported */
	int			 p_stmtstart;	/* after ; { } */
	struct tok		 p_last;	/* last token, for yyerror */
	int			 p_lasttype;

	/* the option statement being read */
	uint8_t			 p_optcode;
	int			 p_optbad;
	struct dhcp_opt_word	*p_words;
	struct cfglex_pos	*p_wpos;
	size_t			 p_nwords;
	size_t			 p_wcap;
	size_t			 p_wpcap;

	/* the fixed-address list being read */
	struct in_addr		*p_fixed;
	size_t			 p_nfixed;
	size_t			 p_fcap;
	int			 p_fbad;

	/* for the checks across the file */
	struct dhcp_subnet	**p_subnets;	/* accepted ones */
	size_t			 p_nsubnets;
	size_t			 p_scap;
	struct range_seen	*p_ranges;
	size_t			 p_nranges;
	size_t			 p_rcap;
	struct lease_seen	*p_leases;
	size_t			 p_nleases;
	size_t			 p_lcap;
};

static int	 yylex(YYSTYPE *, struct parse *);
static void	 yyerror(struct parse *, const char *);

static struct scope *cur(struct parse *);
static struct scope *param_scope(struct parse *, const struct tok *,
		    const char *);
static void	 decl_seen(struct parse *);
static void	 shared_head(struct parse *, const struct tok *,
		    const struct tok *);
static void	 subnet_head(struct parse *, const struct tok *,
		    const struct tok *, const struct tok *);
static void	 host_head(struct parse *, const struct tok *,
		    const struct tok *);
static void	 group_head(struct parse *, const struct tok *);
static void	 class_head(struct parse *, const struct tok *,
		    enum dhcp_class_kind, const struct tok *);
static void	 block_open(struct parse *);
static void	 block_close(struct parse *);
static void	 junk_open(struct parse *);
static void	 junk_close(struct parse *);
static void	 range(struct parse *, const struct tok *, int,
		    const struct tok *, const struct tok *);
static void	 set_time(struct parse *, const struct tok *, const char *,
		    size_t, const struct tok *);
static void	 set_cutoff(struct parse *, const struct tok *,
		    const struct tok *, const struct tok *, const struct tok *);
static void	 set_string(struct parse *, const struct tok *, const char *,
		    size_t, size_t, const struct tok *);
static void	 set_addr(struct parse *, const struct tok *, const char *,
		    int, const struct tok *);
static void	 set_flag(struct parse *, const struct tok *, const char *,
		    size_t, const struct tok *);
static void	 set_auth(struct parse *, const struct tok *, int);
static void	 set_allow(struct parse *, const struct tok *, int,
		    const struct tok *);
static void	 set_hardware(struct parse *, const struct tok *,
		    const struct tok *, const struct tok *);
static void	 fixed_begin(struct parse *);
static void	 fixed_add(struct parse *, const struct tok *);
static void	 fixed_end(struct parse *, const struct tok *);
static void	 opt_begin(struct parse *, const struct tok *);
static void	 opt_add(struct parse *, const struct tok *, int);
static void	 opt_end(struct parse *, const struct tok *);
static void	 include_file(struct parse *, const struct tok *,
		    const struct tok *);
%}

%pure-parser
%parse-param	{ struct parse *p }
%lex-param	{ struct parse *p }

%token	ALLOW ALWAYSREPLY AUTHORITATIVE BOOTPCUTOFF BOOTPLENGTH
%token	BOOTUNKNOWN DEFAULTLEASE DENY DYNAMICBOOTP ECHOCLIENTID FILENAME
%token	FIXEDADDR GETLEASEHOSTNAMES GROUP HARDWARE HOST INCLUDE MAXLEASE
%token	NETMASK NEXTSERVER NOT OPTION RANGE SERVERID SERVERNAME SHAREDNET
%token	SUBNET USEHOSTDECL USELEASEADDR USERCLASS VENDORCLASS
%token	STRING NUMBER ERROR

%%

grammar		: stmts
		;

stmts		: /* empty */
		| stmts stmt
		;

stmt		: param ';'
		| RANGE word ';'		{ range(p, &$1, 0, &$2, NULL); }
		| RANGE word word ';'		{
			range(p, &$1, 0, &$2, &$3);
		}
		| RANGE DYNAMICBOOTP word ';'	{
			range(p, &$1, 1, &$3, NULL);
		}
		| RANGE DYNAMICBOOTP word word ';' {
			range(p, &$1, 1, &$3, &$4);
		}
		/* Reduced on its ';': the file's tokens come next. */
		| INCLUDE anyword ';'		{
			include_file(p, &$1, &$2);
		}
		| decl
		| error ';'			{ yyerrok; }
		| error '{'			{ yyerrok; junk_open(p); }
		    stmts '}'			{ junk_close(p); }
		;

decl		: SHAREDNET anyword		{
			shared_head(p, &$1, &$2);
		} block
		| SUBNET word NETMASK word	{
			subnet_head(p, &$1, &$2, &$4);
		} block
		| HOST anyword			{
			host_head(p, &$1, &$2);
		} block
		| GROUP				{ group_head(p, &$1); }
		    block
		| VENDORCLASS anyword		{
			class_head(p, &$1, DHCP_CLASS_VENDOR, &$2);
		} block
		| USERCLASS anyword		{
			class_head(p, &$1, DHCP_CLASS_USER, &$2);
		} block
		;

block		: '{'				{ block_open(p); }
		    stmts '}'			{ block_close(p); }
		;

param		: DEFAULTLEASE word		{
			set_time(p, &$1, "default-lease-time",
			    DHCP_FLAG(dp_default_lease_time), &$2);
		}
		| MAXLEASE word			{
			set_time(p, &$1, "max-lease-time",
			    DHCP_FLAG(dp_max_lease_time), &$2);
		}
		| BOOTPLENGTH word		{
			set_time(p, &$1, "dynamic-bootp-lease-length",
			    DHCP_FLAG(dp_bootp_lease_length), &$2);
		}
		| BOOTPCUTOFF word word word	{
			set_cutoff(p, &$1, &$2, &$3, &$4);
		}
		| FILENAME anyword		{
			set_string(p, &$1, "filename",
			    DHCP_FLAG(dp_filename), MAXFILENAME, &$2);
		}
		| SERVERNAME anyword		{
			set_string(p, &$1, "server-name",
			    DHCP_FLAG(dp_server_name), MAXSNAME, &$2);
		}
		| NEXTSERVER anyword		{
			set_addr(p, &$1, "next-server", 0, &$2);
		}
		| SERVERID anyword		{
			set_addr(p, &$1, "server-identifier", 1, &$2);
		}
		| GETLEASEHOSTNAMES anyword	{
			set_flag(p, &$1, "get-lease-hostnames",
			    DHCP_FLAG(dp_get_lease_hostnames), &$2);
		}
		| USEHOSTDECL anyword		{
			set_flag(p, &$1, "use-host-decl-names",
			    DHCP_FLAG(dp_use_host_decl_names), &$2);
		}
		| USELEASEADDR anyword		{
			set_flag(p, &$1, "use-lease-addr-for-default-route",
			    DHCP_FLAG(dp_use_lease_addr_for_default_route),
			    &$2);
		}
		| ALWAYSREPLY anyword		{
			set_flag(p, &$1, "always-reply-rfc1048",
			    DHCP_FLAG(dp_always_reply_rfc1048), &$2);
		}
		| ECHOCLIENTID anyword		{
			set_flag(p, &$1, "echo-client-id",
			    DHCP_FLAG(dp_echo_client_id), &$2);
		}
		| BOOTUNKNOWN anyword		{
			set_flag(p, &$1, "boot-unknown-clients",
			    DHCP_FLAG(dp_allow_unknown_clients), &$2);
		}
		| AUTHORITATIVE			{ set_auth(p, &$1, 1); }
		| NOT AUTHORITATIVE		{ set_auth(p, &$1, 0); }
		| ALLOW anyword			{
			set_allow(p, &$1, 1, &$2);
		}
		| DENY anyword			{
			set_allow(p, &$1, 0, &$2);
		}
		| HARDWARE anyword anyword	{
			set_hardware(p, &$1, &$2, &$3);
		}
		| FIXEDADDR			{ fixed_begin(p); }
		    addrlist			{ fixed_end(p, &$1); }
		| OPTION anyword		{ opt_begin(p, &$2); }
		    optvals			{ opt_end(p, &$1); }
		;

addrlist	: anyword			{ fixed_add(p, &$1); }
		| addrlist ',' anyword		{ fixed_add(p, &$3); }
		;

optvals		: /* empty */
		| optlist
		;

optlist		: optelem
		| optlist ',' optelem
		;

optelem		: anyword			{ opt_add(p, &$1, 1); }
		| optelem anyword		{ opt_add(p, &$2, 0); }
		;

word		: STRING
		| NUMBER
		;

/* Where a name or a value is expected, a keyword is a word too. */
anyword		: word
		| ALLOW | ALWAYSREPLY | AUTHORITATIVE | BOOTPCUTOFF
		| BOOTPLENGTH | BOOTUNKNOWN | DEFAULTLEASE | DENY
		| DYNAMICBOOTP | ECHOCLIENTID | FILENAME | FIXEDADDR
		| GETLEASEHOSTNAMES | GROUP | HARDWARE | HOST | INCLUDE
		| MAXLEASE | NETMASK | NEXTSERVER | NOT | OPTION | RANGE
		| SERVERID | SERVERNAME | SHAREDNET | SUBNET | USEHOSTDECL
		| USELEASEADDR | USERCLASS | VENDORCLASS
		;

%%

/* Sorted by strcmp: the lexer looks keywords up with bsearch. */
static const struct cfglex_keyword keywords[] = {
	{ "allow",			ALLOW },
	{ "always-reply-rfc1048",	ALWAYSREPLY },
	{ "authoritative",		AUTHORITATIVE },
	{ "boot-unknown-clients",	BOOTUNKNOWN },
	{ "default-lease-time",		DEFAULTLEASE },
	{ "deny",			DENY },
	{ "dynamic-bootp",		DYNAMICBOOTP },
	{ "dynamic-bootp-lease-cutoff",	BOOTPCUTOFF },
	{ "dynamic-bootp-lease-length",	BOOTPLENGTH },
	{ "echo-client-id",		ECHOCLIENTID },
	{ "filename",			FILENAME },
	{ "fixed-address",		FIXEDADDR },
	{ "get-lease-hostnames",	GETLEASEHOSTNAMES },
	{ "group",			GROUP },
	{ "hardware",			HARDWARE },
	{ "host",			HOST },
	{ "include",			INCLUDE },
	{ "max-lease-time",		MAXLEASE },
	{ "netmask",			NETMASK },
	{ "next-server",		NEXTSERVER },
	{ "not",			NOT },
	{ "option",			OPTION },
	{ "range",			RANGE },
	{ "server-identifier",		SERVERID },
	{ "server-name",		SERVERNAME },
	{ "shared-network",		SHAREDNET },
	{ "subnet",			SUBNET },
	{ "use-host-decl-names",	USEHOSTDECL },
	{ "use-lease-addr-for-default-route", USELEASEADDR },
	{ "user-class",			USERCLASS },
	{ "vendor-class",		VENDORCLASS }
};
#define NKEYWORDS	(sizeof(keywords) / sizeof(keywords[0]))

/* Hardware types by name (OpenBSD's): ARP hardware type, length. */
static const struct {
	const char	*ht_name;
	uint8_t		 ht_type;
	uint8_t		 ht_len;	/* 0: 1-16 octets */
} htypes[] = {
	{ "ethernet",	1,	6 },
	{ "token-ring",	6,	0 },
	{ "fddi",	8,	0 }
};
#define NHTYPES		(sizeof(htypes) / sizeof(htypes[0]))

/* "not allowed <where>" */
static const char *const kind_where[] = {
	"at top level", "in a shared-network", "in a subnet", "in a host",
	"in a group", "in a class", "here"
};

static void	 errfn(void *, const char *);
static char	*prepass(struct parse *, FILE *, const char *,
		    const struct cfglex_pos *, size_t *);
static void	 file_error(struct parse *, const struct cfglex_pos *,
		    const char *, const char *);
static int	 push_file(struct parse *, FILE *, const char *,
		    const struct cfglex_pos *);
static void	*grow(void *, size_t *, size_t, size_t);
static char	*xstrdup(struct parse *, const char *,
		    const struct cfglex_pos *);
static int	 ip_parse(const char *, struct in_addr *);
static const char *ip_str(struct in_addr, char *, size_t);
static int	 mask_ok(struct in_addr);
static int	 flag_parse(const char *, int *);
static int	 digits(const char **, int, int *);
static int	 hex_parse(const char *, uint8_t *, size_t, size_t *);
static int	 date_parse(const char *, const char *, int64_t *);
static int	 subnet_overlap(const struct dhcp_subnet *,
		    const struct dhcp_subnet *);
static void	 pending_reset(struct parse *);
static void	 pending_new(struct parse *, enum scope_kind,
		    struct dhcp_params *, const struct tok *);
static int	 decl_allowed(struct parse *, const struct tok *,
		    const char *);
static void	 lease_seen(struct parse *, const struct dhcp_params *,
		    const struct cfglex_pos *);
static void	 parse_finish(struct parse *);
static struct parse *parse_new(const char *, FILE *);
static struct dhcpd_config *parse_run(struct parse *);
static void	 parse_free(struct parse *);

static void	 print_word(FILE *, const char *);
static void	 print_indent(FILE *, int);
static int	 print_params(FILE *, const struct dhcp_params *, int);
static void	 print_body(FILE *, const struct dhcpd_config *,
		    const struct dhcp_params *, int, int);
static void	 print_host(FILE *, const struct dhcpd_config *,
		    const struct dhcp_host *, int);
static void	 print_subnet(FILE *, const struct dhcpd_config *,
		    const struct dhcp_subnet *, int);

static int
yylex(YYSTYPE *lval, struct parse *p)
{
	struct cfglex_token	 t;
	char			 buf[64];
	size_t			 i;
	int			 type, kw;

	do {
		type = cfglex_next(&p->p_lx, &t);
	} while (type == '\n');
	memset(lval, 0, sizeof(*lval));
	lval->str = t.t_str;
	lval->num = t.t_num;
	lval->isnum = (type == NUMBER);
	lval->pos = t.t_pos;
	if (type == SEMI_CHAR) {
		type = ';';
		lval->str = ";";
	} else if (type == STRING && t.t_str[0] == Q_MARK) {
		lval->str = t.t_str + 1;
		lval->quoted = 1;
	} else if (type == STRING && strlen(t.t_str) < sizeof(buf)) {
		/* Keywords are case-insensitive. */
		for (i = 0; t.t_str[i] != '\0'; i++)
			buf[i] = (char)tolower((unsigned char)t.t_str[i]);
		buf[i] = '\0';
		if ((kw = cfglex_lookup(keywords, NKEYWORDS, buf)) != -1)
			type = kw;
	}
	p->p_ntok++;
	/*
	 * A statement starts after ';', '{', '}' and at the start, and
	 * always with a keyword: a bare word there is named for what it
	 * is, and the syntax error it causes next is not said again.
	 */
	if (p->p_stmtstart && type == STRING && !lval->quoted) {
		cfglex_error(&p->p_lx, &lval->pos, "unknown keyword '%s'",
		    lval->str);
		p->p_quiet = p->p_ntok;
	}
	p->p_stmtstart = (type == ';' || type == '{' || type == '}');
	p->p_last = *lval;
	p->p_lasttype = type;
	return (type);
}

static void
yyerror(struct parse *p, const char *msg)
{
	const struct tok	*t = &p->p_last;

	if (p->p_quiet == p->p_ntok)
		return;			/* yylex() said it */
	if (p->p_lasttype == ERROR)
		return;			/* the lexer said it */
	if (strcmp(msg, "syntax error") != 0)
		cfglex_error(&p->p_lx, &t->pos, "%s", msg);
	else if (p->p_lasttype == 0)
		cfglex_error(&p->p_lx, &t->pos, "syntax error at end of file");
	else if (t->str[0] != '\0')
		cfglex_error(&p->p_lx, &t->pos, "syntax error near '%.64s'",
		    t->str);
	else if (p->p_lasttype > 0 && p->p_lasttype < 128 &&
	    isprint(p->p_lasttype))
		cfglex_error(&p->p_lx, &t->pos, "syntax error near '%c'",
		    p->p_lasttype);
	else
		cfglex_error(&p->p_lx, &t->pos, "syntax error");
}

static void
errfn(void *arg, const char *msg)
{
	FILE	*f = arg;

	if (f != NULL)
		(void)fprintf(f, "%s\n", msg);
}

/*
 * Reads all of in (named name in messages, from where an include was)
 * and returns it rewritten for the lexer as the top comment says, in a
 * buffer the caller frees; NULL after reporting an error.  The scan
 * follows cfglex: a backslash before a newline joins lines everywhere,
 * quotes are " and ', a backslash in quotes escapes the quote or itself,
 * a newline ends a quoted string (which cfglex reports), and '#' outside
 * quotes starts a comment up to the end of the line.
 */
static char *
prepass(struct parse *p, FILE *in, const char *name,
    const struct cfglex_pos *from, size_t *lenp)
{
	char			*raw = NULL, *out = NULL, *tmp;
	size_t			 n = 0, cap = 0, got, i, j, o = 0;
	int			 c, q = 0;
	enum { OUT, QUOTE, COMMENT } st = OUT;

	for (;;) {
		if (n == cap) {
			if (cap >= MAXFILE) {
				file_error(p, from, name, "longer than 16M "
				    "bytes");
				goto fail;
			}
			cap = cap == 0 ? 4096 : cap * 2;
			if ((tmp = realloc(raw, cap)) == NULL)
				goto oom;
			raw = tmp;
		}
		got = fread(raw + n, 1, cap - n, in);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(in)) {
		file_error(p, from, name, strerror(errno));
		goto fail;
	}
	/* At most one Q_MARK per byte; fmemopen() wants one byte at least. */
	if ((out = malloc(2 * n + 1)) == NULL)
		goto oom;
	for (i = 0; i < n; ) {
		c = (unsigned char)raw[i];
		if (c == '\\' && i + 1 < n && raw[i + 1] == '\n') {
			out[o++] = raw[i++];
			out[o++] = raw[i++];
			continue;
		}
		switch (st) {
		case OUT:
			if (c == '"' || c == '\'') {
				out[o++] = (char)c;
				out[o++] = Q_MARK;
				i++;
				q = c;
				st = QUOTE;
				continue;
			}
			if (c == '#')
				st = COMMENT;
			else if (c == ';')
				c = SEMI_CHAR;
			else if (c == SEMI_CHAR)
				c = CTRL_CHAR;
			break;
		case COMMENT:
			if (c == '\n')
				st = OUT;
			break;
		case QUOTE:
			if (c == q || c == '\n') {
				st = OUT;
				break;
			}
			if (c != '\\')
				break;
			/* The next character, past joined lines, if escaped. */
			out[o++] = raw[i++];
			for (j = i; j + 1 < n && raw[j] == '\\' &&
			    raw[j + 1] == '\n'; j += 2)
				;
			if (j < n && (raw[j] == q || raw[j] == '\\')) {
				while (i <= j)
					out[o++] = raw[i++];
			}
			continue;
		}
		out[o++] = (char)c;
		i++;
	}
	if (o == 0)
		out[o++] = '\n';
	free(raw);
	*lenp = o;
	return (out);
 oom:
	file_error(p, from, name, "out of memory");
 fail:
	free(raw);
	free(out);
	return (NULL);
}

/*
 * A problem with a whole file: "name: msg" for the top file (from NULL),
 * "file:line: include \"name\": msg" for an included one.
 */
static void
file_error(struct parse *p, const struct cfglex_pos *from, const char *name,
    const char *msg)
{
	struct cfglex_pos	 top = { name, 0 };

	if (from == NULL)
		cfglex_error(&p->p_lx, &top, "%s", msg);
	else
		cfglex_error(&p->p_lx, from, "include \"%s\": %s", name, msg);
}

/* Reads in through prepass() and gives it to the lexer as name. */
static int
push_file(struct parse *p, FILE *in, const char *name,
    const struct cfglex_pos *from)
{
	struct inc	*inc;
	char		*buf;
	size_t		 len;

	if ((buf = prepass(p, in, name, from, &len)) == NULL)
		return (-1);
	if ((inc = calloc(1, sizeof(*inc))) == NULL) {
		free(buf);
		file_error(p, from, name, "out of memory");
		return (-1);
	}
	inc->i_buf = buf;
	inc->i_next = p->p_incs;
	p->p_incs = inc;
	if ((inc->i_fp = fmemopen(buf, len, "r")) == NULL) {
		file_error(p, from, name, strerror(errno));
		return (-1);
	}
	return (cfglex_push_stream(&p->p_lx, inc->i_fp, name));
}

/*
 * Makes room for n + 1 elements of size in arr, of capacity *cap: returns
 * the array, moved or not, or NULL with arr left as it was.
 */
static void *
grow(void *arr, size_t *cap, size_t n, size_t size)
{
	void	*np;
	size_t	 ncap;

	if (n < *cap)
		return (arr);
	ncap = *cap == 0 ? 16 : *cap * 2;
	if ((np = reallocarray(arr, ncap, size)) == NULL)
		return (NULL);
	*cap = ncap;
	return (np);
}

static char *
xstrdup(struct parse *p, const char *s, const struct cfglex_pos *pos)
{
	char	*d;

	if ((d = strdup(s)) == NULL)
		cfglex_error(&p->p_lx, pos, "out of memory");
	return (d);
}

/* A dotted quad: host names are not resolved. */
static int
ip_parse(const char *s, struct in_addr *a)
{
	return (inet_pton(AF_INET, s, a) == 1 ? 0 : -1);
}

static const char *
ip_str(struct in_addr a, char *buf, size_t len)
{
	if (inet_ntop(AF_INET, &a, buf, (socklen_t)len) == NULL)
		(void)snprintf(buf, len, "?");
	return (buf);
}

/* Ones, then zeroes: 255.255.255.0, also 0.0.0.0 and 255.255.255.255. */
static int
mask_ok(struct in_addr m)
{
	uint32_t	 inv = ~ntohl(m.s_addr);

	return ((inv & (inv + 1)) == 0);
}

static int
flag_parse(const char *s, int *v)
{
	if (strcasecmp(s, "true") == 0 || strcasecmp(s, "on") == 0)
		*v = 1;
	else if (strcasecmp(s, "false") == 0 || strcasecmp(s, "off") == 0)
		*v = 0;
	else
		return (-1);
	return (0);
}

/* Octets of one or two hex digits separated by ':'; at most max. */
static int
hex_parse(const char *s, uint8_t *out, size_t max, size_t *len)
{
	char	 tmp[3];
	size_t	 n;

	*len = 0;
	for (;;) {
		n = strspn(s, "0123456789abcdefABCDEF");
		if (n < 1 || n > 2 || *len == max)
			return (-1);
		memcpy(tmp, s, n);
		tmp[n] = '\0';
		out[(*len)++] = (uint8_t)strtoul(tmp, NULL, 16);
		s += n;
		if (*s == '\0')
			return (0);
		if (*s++ != ':')
			return (-1);
	}
}

/* Up to max decimal digits, at least one, into *v; advances *s. */
static int
digits(const char **s, int max, int *v)
{
	int	 n = 0;

	*v = 0;
	while (n < max && isdigit((unsigned char)**s)) {
		*v = *v * 10 + (**s - '0');
		(*s)++;
		n++;
	}
	return (n > 0 && !isdigit((unsigned char)**s) ? 0 : -1);
}

/*
 * "YYYY/MM/DD" and "HH:MM:SS", UTC, into seconds since the epoch.  The
 * day count is the proleptic Gregorian one (days from 1970-01-01).
 */
static int
date_parse(const char *ds, const char *ts, int64_t *out)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	int		 y, m, d, hh, mm, ss, leap, yy;
	int64_t		 days;

	if (digits(&ds, 4, &y) == -1 || *ds++ != '/' ||
	    digits(&ds, 2, &m) == -1 || *ds++ != '/' ||
	    digits(&ds, 2, &d) == -1 || *ds != '\0')
		return (-1);
	if (digits(&ts, 2, &hh) == -1 || *ts++ != ':' ||
	    digits(&ts, 2, &mm) == -1 || *ts++ != ':' ||
	    digits(&ts, 2, &ss) == -1 || *ts != '\0')
		return (-1);
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (y < 1970 || m < 1 || m > 12 || d < 1 ||
	    d > mdays[m - 1] + (m == 2 && leap) || hh > 23 || mm > 59 ||
	    ss > 59)
		return (-1);
	/* Days before March 1 of year yy, counted from 0000-03-01. */
	yy = m <= 2 ? y - 1 : y;
	days = (int64_t)yy * 365 + yy / 4 - yy / 100 + yy / 400 +
	    (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	days -= 719468;		/* 1970-01-01 in the same count */
	*out = days * 86400 + hh * 3600 + mm * 60 + ss;
	return (0);
}

static struct scope *
cur(struct parse *p)
{
	return (&p->p_scope[p->p_depth - 1]);
}

/*
 * The scope a parameter statement applies to, or NULL when it must be
 * skipped: inside a refused block, or after a declaration, which OpenBSD
 * refuses too ("parameters not allowed after first declaration").
 */
static struct scope *
param_scope(struct parse *p, const struct tok *kw, const char *what)
{
	struct scope	*sc;

	if (p->p_junk > 0)
		return (NULL);
	sc = cur(p);
	if (sc->sc_decl) {
		cfglex_error(&p->p_lx, &kw->pos, "%s: parameters must come "
		    "before the declarations of a block", what);
		return (NULL);
	}
	return (sc);
}

static void
decl_seen(struct parse *p)
{
	cur(p)->sc_decl = 1;
}

static void
pending_reset(struct parse *p)
{
	memset(&p->p_pending, 0, sizeof(p->p_pending));
	p->p_pending.sc_kind = SC_JUNK;
}

/* Whether a declaration may stand here; reports it when not. */
static int
decl_allowed(struct parse *p, const struct tok *kw, const char *what)
{
	struct scope	*sc = cur(p);
	int		 ok;

	if (p->p_junk > 0)
		return (0);
	decl_seen(p);
	switch (sc->sc_kind) {
	case SC_GLOBAL:
	case SC_GROUP:
	case SC_SHARED:
	case SC_SUBNET:
		ok = 1;
		break;
	default:
		ok = 0;
		break;
	}
	if (!ok) {
		cfglex_error(&p->p_lx, &kw->pos, "%s not allowed %s", what,
		    kind_where[sc->sc_kind]);
		return (0);
	}
	if (strcmp(what, "shared-network") == 0 && sc->sc_shared != NULL) {
		cfglex_error(&p->p_lx, &kw->pos, "shared-network not allowed "
		    "inside shared-network %s", sc->sc_shared->sh_name);
		return (0);
	}
	if ((strcmp(what, "shared-network") == 0 ||
	    strcmp(what, "subnet") == 0) && sc->sc_subnet != NULL) {
		cfglex_error(&p->p_lx, &kw->pos, "%s not allowed inside a "
		    "subnet", what);
		return (0);
	}
	return (1);
}

/* The pending scope: inherits what encloses it. */
static void
pending_new(struct parse *p, enum scope_kind kind, struct dhcp_params *pa,
    const struct tok *kw)
{
	struct scope	*sc = cur(p);

	pending_reset(p);
	p->p_pending.sc_kind = kind;
	p->p_pending.sc_params = pa;
	p->p_pending.sc_shared = sc->sc_shared;
	p->p_pending.sc_subnet = sc->sc_subnet;
	p->p_pending.sc_pos = kw->pos;
}

static void
shared_head(struct parse *p, const struct tok *kw, const struct tok *name)
{
	struct dhcp_shared	*sh;

	pending_reset(p);
	if (!decl_allowed(p, kw, "shared-network"))
		return;
	if (name->str[0] == '\0') {
		cfglex_error(&p->p_lx, &name->pos, "shared-network: empty "
		    "name");
		return;
	}
	if ((sh = calloc(1, sizeof(*sh))) == NULL ||
	    (sh->sh_name = xstrdup(p, name->str, &name->pos)) == NULL) {
		free(sh);
		cfglex_error(&p->p_lx, &kw->pos, "out of memory");
		return;
	}
	TAILQ_INIT(&sh->sh_subnets);
	dhcp_params_init(&sh->sh_params, cur(p)->sc_params);
	TAILQ_INSERT_TAIL(&p->p_conf->c_shareds, sh, sh_entry);
	pending_new(p, SC_SHARED, &sh->sh_params, kw);
	p->p_pending.sc_shared = sh;
}

/* Two subnets overlap when either holds the other's network. */
static int
subnet_overlap(const struct dhcp_subnet *a, const struct dhcp_subnet *b)
{
	return ((a->s_net.s_addr & b->s_mask.s_addr) == b->s_net.s_addr ||
	    (b->s_net.s_addr & a->s_mask.s_addr) == a->s_net.s_addr);
}

/*
 * A subnet outside a shared-network gets one of its own, named after its
 * network (OpenBSD's), whose params are empty and lead outward.  A
 * refused subnet is kept, flagged, so its block still parses.
 */
static void
subnet_head(struct parse *p, const struct tok *kw, const struct tok *net,
    const struct tok *mask)
{
	struct scope		*sc = cur(p);
	struct dhcp_subnet	*s, *o;
	struct dhcp_shared	*sh;
	struct in_addr		 want;
	char			 b1[INET_ADDRSTRLEN], b2[INET_ADDRSTRLEN];
	void			*np;
	size_t			 i;
	int			 bad = 0;

	pending_reset(p);
	if (!decl_allowed(p, kw, "subnet"))
		return;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		goto oom;
	TAILQ_INIT(&s->s_ranges);
	s->s_line = kw->pos.p_line;
	if ((s->s_file = strdup(kw->pos.p_file)) == NULL) {
		free(s);
		goto oom;
	}
	if ((sh = sc->sc_shared) == NULL) {
		if ((sh = calloc(1, sizeof(*sh))) == NULL ||
		    (sh->sh_name = strdup(net->str)) == NULL) {
			free(sh);
			free(s->s_file);
			free(s);
			goto oom;
		}
		sh->sh_implicit = 1;
		TAILQ_INIT(&sh->sh_subnets);
		dhcp_params_init(&sh->sh_params, sc->sc_params);
		TAILQ_INSERT_TAIL(&p->p_conf->c_shareds, sh, sh_entry);
		dhcp_params_init(&s->s_params, &sh->sh_params);
	} else
		dhcp_params_init(&s->s_params, sc->sc_params);
	s->s_shared = sh;
	TAILQ_INSERT_TAIL(&sh->sh_subnets, s, s_entry);
	TAILQ_INSERT_TAIL(&p->p_conf->c_subnets, s, s_all);
	pending_new(p, SC_SUBNET, &s->s_params, kw);
	p->p_pending.sc_shared = sh->sh_implicit ? NULL : sh;
	p->p_pending.sc_subnet = s;

	if (ip_parse(net->str, &s->s_net) == -1) {
		cfglex_error(&p->p_lx, &net->pos, "subnet expects an IPv4 "
		    "network address, got '%s'", net->str);
		bad = 1;
	}
	if (ip_parse(mask->str, &s->s_mask) == -1 || !mask_ok(s->s_mask)) {
		cfglex_error(&p->p_lx, &mask->pos, "netmask %s is not a "
		    "contiguous IPv4 netmask", mask->str);
		bad = 1;
	}
	if (!bad && (s->s_net.s_addr & ~s->s_mask.s_addr) != 0) {
		want.s_addr = s->s_net.s_addr & s->s_mask.s_addr;
		cfglex_error(&p->p_lx, &net->pos, "subnet %s netmask %s: the "
		    "address has host bits set (the network is %s)", net->str,
		    mask->str, ip_str(want, b1, sizeof(b1)));
		bad = 1;
	}
	for (i = 0; !bad && i < p->p_nsubnets; i++) {
		o = p->p_subnets[i];
		if (subnet_overlap(s, o)) {
			cfglex_error(&p->p_lx, &net->pos, "subnet %s netmask "
			    "%s overlaps subnet %s netmask %s at %s:%d",
			    net->str, mask->str,
			    ip_str(o->s_net, b1, sizeof(b1)),
			    ip_str(o->s_mask, b2, sizeof(b2)), o->s_file,
			    o->s_line);
			bad = 1;
		}
	}
	p->p_pending.sc_bad = bad;
	if (bad)
		return;
	if ((np = grow(p->p_subnets, &p->p_scap, p->p_nsubnets,
	    sizeof(*p->p_subnets))) == NULL)
		goto oom;
	p->p_subnets = np;
	p->p_subnets[p->p_nsubnets++] = s;
	return;
 oom:
	cfglex_error(&p->p_lx, &kw->pos, "out of memory");
}

static void
host_head(struct parse *p, const struct tok *kw, const struct tok *name)
{
	struct dhcp_host	*h;

	pending_reset(p);
	if (!decl_allowed(p, kw, "host"))
		return;
	if (name->str[0] == '\0') {
		cfglex_error(&p->p_lx, &name->pos, "host: empty name");
		return;
	}
	if ((h = calloc(1, sizeof(*h))) == NULL) {
		cfglex_error(&p->p_lx, &kw->pos, "out of memory");
		return;
	}
	if ((h->h_name = xstrdup(p, name->str, &name->pos)) == NULL ||
	    (h->h_file = xstrdup(p, kw->pos.p_file, &kw->pos)) == NULL) {
		free(h->h_name);
		free(h);
		return;
	}
	h->h_line = kw->pos.p_line;
	dhcp_params_init(&h->h_params, cur(p)->sc_params);
	TAILQ_INSERT_TAIL(&p->p_conf->c_hosts, h, h_entry);
	pending_new(p, SC_HOST, &h->h_params, kw);
	p->p_pending.sc_host = h;
}

static void
group_head(struct parse *p, const struct tok *kw)
{
	struct dhcp_group	*g;

	pending_reset(p);
	if (!decl_allowed(p, kw, "group"))
		return;
	if ((g = calloc(1, sizeof(*g))) == NULL) {
		cfglex_error(&p->p_lx, &kw->pos, "out of memory");
		return;
	}
	dhcp_params_init(&g->g_params, cur(p)->sc_params);
	TAILQ_INSERT_TAIL(&p->p_conf->c_groups, g, g_entry);
	pending_new(p, SC_GROUP, &g->g_params, kw);
}

/* vendor-class "id" { } and user-class "id" { }: one per kind and id. */
static void
class_head(struct parse *p, const struct tok *kw, enum dhcp_class_kind kind,
    const struct tok *name)
{
	struct dhcp_class	*cl;
	const char		*what;

	what = kind == DHCP_CLASS_VENDOR ? "vendor-class" : "user-class";
	pending_reset(p);
	if (!decl_allowed(p, kw, what))
		return;
	if (name->str[0] == '\0') {
		cfglex_error(&p->p_lx, &name->pos, "%s: empty identifier",
		    what);
		return;
	}
	if (dhcpd_config_class(p->p_conf, kind, (const uint8_t *)name->str,
	    strlen(name->str)) != NULL) {
		cfglex_error(&p->p_lx, &name->pos, "%s \"%s\" declared twice",
		    what, name->str);
		return;
	}
	if ((cl = calloc(1, sizeof(*cl))) == NULL ||
	    (cl->c_name = xstrdup(p, name->str, &name->pos)) == NULL) {
		free(cl);
		cfglex_error(&p->p_lx, &kw->pos, "out of memory");
		return;
	}
	cl->c_kind = kind;
	dhcp_params_init(&cl->c_params, cur(p)->sc_params);
	TAILQ_INSERT_TAIL(&p->p_conf->c_classes, cl, c_entry);
	pending_new(p, SC_CLASS, &cl->c_params, kw);
	p->p_pending.sc_class = cl;
}

/* At '{': the pending declaration's scope opens, or a skipped block. */
static void
block_open(struct parse *p)
{
	if (p->p_junk > 0 || p->p_pending.sc_kind == SC_JUNK) {
		p->p_junk++;
		pending_reset(p);
		return;
	}
	if (p->p_depth == MAXSCOPE) {
		cfglex_error(&p->p_lx, &p->p_pending.sc_pos, "blocks nested "
		    "more than %d deep", MAXSCOPE - 1);
		p->p_junk++;
		pending_reset(p);
		return;
	}
	p->p_scope[p->p_depth++] = p->p_pending;
	pending_reset(p);
}

static void
block_close(struct parse *p)
{
	struct scope	*sc;

	if (p->p_junk > 0) {
		p->p_junk--;
		return;
	}
	if (p->p_depth <= 1)
		return;
	sc = &p->p_scope[--p->p_depth];
	if (sc->sc_kind == SC_SHARED && TAILQ_EMPTY(&sc->sc_shared->sh_subnets))
		cfglex_error(&p->p_lx, &sc->sc_pos, "shared-network %s has no "
		    "subnet", sc->sc_shared->sh_name);
}

/* A block read after a syntax error: its statements are skipped. */
static void
junk_open(struct parse *p)
{
	p->p_junk++;
	pending_reset(p);
}

static void
junk_close(struct parse *p)
{
	if (p->p_junk > 0)
		p->p_junk--;
}

/* range [dynamic-bootp] LOW [HIGH], in its subnet, overlapping none. */
static void
range(struct parse *p, const struct tok *kw, int dynamic,
    const struct tok *lo, const struct tok *hi)
{
	struct scope		*sc = cur(p);
	struct dhcp_subnet	*s = sc->sc_subnet;
	struct dhcp_range	*r;
	struct range_seen	*rs;
	struct in_addr		 a, b;
	char			 b1[INET_ADDRSTRLEN], b2[INET_ADDRSTRLEN];
	char			 b3[INET_ADDRSTRLEN], b4[INET_ADDRSTRLEN];
	void			*np;
	uint32_t		 l, h;
	size_t			 i;
	int			 bad = 0;

	if (p->p_junk > 0)
		return;
	if (sc->sc_kind != SC_SUBNET) {
		cfglex_error(&p->p_lx, &kw->pos, "range not allowed %s: only "
		    "directly in a subnet", kind_where[sc->sc_kind]);
		return;
	}
	if (ip_parse(lo->str, &a) == -1) {
		cfglex_error(&p->p_lx, &lo->pos, "range expects an IPv4 "
		    "address, got '%s'", lo->str);
		bad = 1;
	}
	if (hi == NULL)
		b = a;
	else if (ip_parse(hi->str, &b) == -1) {
		cfglex_error(&p->p_lx, &hi->pos, "range expects an IPv4 "
		    "address, got '%s'", hi->str);
		bad = 1;
	}
	if (bad)
		return;
	ip_str(a, b1, sizeof(b1));
	ip_str(b, b2, sizeof(b2));
	l = ntohl(a.s_addr);
	h = ntohl(b.s_addr);
	if (l > h) {
		cfglex_error(&p->p_lx, &lo->pos, "range %s %s: the low address "
		    "is above the high one", b1, b2);
		return;
	}
	if (sc->sc_bad)
		return;		/* the subnet's error was reported */
	if ((a.s_addr & s->s_mask.s_addr) != s->s_net.s_addr ||
	    (b.s_addr & s->s_mask.s_addr) != s->s_net.s_addr) {
		cfglex_error(&p->p_lx, &lo->pos, "range %s %s is not inside "
		    "subnet %s netmask %s", b1, b2,
		    ip_str(s->s_net, b3, sizeof(b3)),
		    ip_str(s->s_mask, b4, sizeof(b4)));
		return;
	}
	for (i = 0; i < p->p_nranges; i++) {
		rs = &p->p_ranges[i];
		if (l <= rs->rs_high && rs->rs_low <= h) {
			a.s_addr = htonl(rs->rs_low);
			b.s_addr = htonl(rs->rs_high);
			cfglex_error(&p->p_lx, &lo->pos, "range %s %s overlaps "
			    "range %s %s at %s:%d", b1, b2,
			    ip_str(a, b3, sizeof(b3)),
			    ip_str(b, b4, sizeof(b4)), rs->rs_pos.p_file,
			    rs->rs_pos.p_line);
			return;
		}
	}
	if ((np = grow(p->p_ranges, &p->p_rcap, p->p_nranges,
	    sizeof(*p->p_ranges))) == NULL) {
		cfglex_error(&p->p_lx, &kw->pos, "out of memory");
		return;
	}
	p->p_ranges = np;
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		cfglex_error(&p->p_lx, &kw->pos, "out of memory");
		return;
	}
	rs = &p->p_ranges[p->p_nranges++];
	rs->rs_low = l;
	rs->rs_high = h;
	rs->rs_pos = lo->pos;
	r->r_low.s_addr = htonl(l);
	r->r_high.s_addr = htonl(h);
	r->r_dynamic_bootp = dynamic;
	TAILQ_INSERT_TAIL(&s->s_ranges, r, r_entry);
}

/* Remembers where a scope sets a lease time, for parse_finish(). */
static void
lease_seen(struct parse *p, const struct dhcp_params *pa,
    const struct cfglex_pos *pos)
{
	void	*np;
	size_t	 i;

	for (i = 0; i < p->p_nleases; i++)
		if (p->p_leases[i].ls_params == pa) {
			p->p_leases[i].ls_pos = *pos;
			return;
		}
	if ((np = grow(p->p_leases, &p->p_lcap, p->p_nleases,
	    sizeof(*p->p_leases))) == NULL)
		return;		/* a warning the less */
	p->p_leases = np;
	p->p_leases[p->p_nleases].ls_params = pa;
	p->p_leases[p->p_nleases].ls_pos = *pos;
	p->p_nleases++;
}

/* A number of seconds, 32 bits unsigned as OpenBSD reads it. */
static void
set_time(struct parse *p, const struct tok *kw, const char *what,
    size_t off, const struct tok *v)
{
	struct scope	*sc;
	int64_t		 n;

	if ((sc = param_scope(p, kw, what)) == NULL)
		return;
	if (!v->isnum || v->num < 0 || v->num > MAXSECONDS) {
		cfglex_error(&p->p_lx, &v->pos, "%s expects 0-%lld seconds, "
		    "got '%s'", what, MAXSECONDS, v->str);
		return;
	}
	n = v->num;
	memcpy((char *)sc->sc_params + off, &n, sizeof(n));
	if (off != DHCP_FLAG(dp_bootp_lease_length))
		lease_seen(p, sc->sc_params, &kw->pos);
}

/* W YYYY/MM/DD HH:MM:SS, UTC; the weekday is read and ignored. */
static void
set_cutoff(struct parse *p, const struct tok *kw, const struct tok *w,
    const struct tok *d, const struct tok *t)
{
	struct scope	*sc;
	int64_t		 when;

	if ((sc = param_scope(p, kw, "dynamic-bootp-lease-cutoff")) == NULL)
		return;
	if (!w->isnum || w->num < 0 || w->num > 6) {
		cfglex_error(&p->p_lx, &w->pos, "dynamic-bootp-lease-cutoff "
		    "expects a weekday 0-6, got '%s'", w->str);
		return;
	}
	if (date_parse(d->str, t->str, &when) == -1) {
		cfglex_error(&p->p_lx, &d->pos, "dynamic-bootp-lease-cutoff "
		    "expects a UTC date YYYY/MM/DD HH:MM:SS from 1970 on, got "
		    "'%s %s'", d->str, t->str);
		return;
	}
	sc->sc_params->dp_bootp_lease_cutoff = when;
}

/* filename and server-name: they travel in BOOTP's fixed fields. */
static void
set_string(struct parse *p, const struct tok *kw, const char *what,
    size_t off, size_t max, const struct tok *v)
{
	struct scope	*sc;
	char		*s, *old;

	if ((sc = param_scope(p, kw, what)) == NULL)
		return;
	if (strlen(v->str) > max) {
		cfglex_error(&p->p_lx, &v->pos, "%s \"%.32s...\" is longer "
		    "than %zu bytes", what, v->str, max);
		return;
	}
	if ((s = xstrdup(p, v->str, &v->pos)) == NULL)
		return;
	memcpy(&old, (char *)sc->sc_params + off, sizeof(old));
	free(old);
	memcpy((char *)sc->sc_params + off, &s, sizeof(s));
}

/* next-server (serverid 0) and server-identifier (1). */
static void
set_addr(struct parse *p, const struct tok *kw, const char *what,
    int serverid, const struct tok *v)
{
	struct scope	*sc;
	struct in_addr	 a;

	if ((sc = param_scope(p, kw, what)) == NULL)
		return;
	if (ip_parse(v->str, &a) == -1) {
		cfglex_error(&p->p_lx, &v->pos, "%s expects an IPv4 address "
		    "(host names are not resolved), got '%s'", what, v->str);
		return;
	}
	if (serverid) {
		sc->sc_params->dp_has_server_id = 1;
		sc->sc_params->dp_server_id = a;
	} else {
		sc->sc_params->dp_has_next_server = 1;
		sc->sc_params->dp_next_server = a;
	}
}

static void
set_flag(struct parse *p, const struct tok *kw, const char *what,
    size_t off, const struct tok *v)
{
	struct scope	*sc;
	int		 on;

	if ((sc = param_scope(p, kw, what)) == NULL)
		return;
	if (sc->sc_kind == SC_HOST && (off == DHCP_FLAG(dp_get_lease_hostnames)
	    || off == DHCP_FLAG(dp_use_host_decl_names) ||
	    off == DHCP_FLAG(dp_allow_unknown_clients))) {
		cfglex_error(&p->p_lx, &kw->pos, "%s not allowed in a host",
		    what);
		return;
	}
	if (flag_parse(v->str, &on) == -1) {
		cfglex_error(&p->p_lx, &v->pos, "%s expects true, false, on "
		    "or off, got '%s'", what, v->str);
		return;
	}
	memcpy((char *)sc->sc_params + off, &on, sizeof(on));
}

static void
set_auth(struct parse *p, const struct tok *kw, int on)
{
	struct scope	*sc;
	const char	*what = on ? "authoritative" : "not authoritative";

	if ((sc = param_scope(p, kw, what)) == NULL)
		return;
	if (sc->sc_kind == SC_HOST) {
		cfglex_error(&p->p_lx, &kw->pos, "%s makes no sense in a host",
		    what);
		return;
	}
	sc->sc_params->dp_authoritative = on;
}

/* allow|deny unknown-clients|bootp|booting; in a class, deny booting. */
static void
set_allow(struct parse *p, const struct tok *kw, int on,
    const struct tok *v)
{
	struct scope	*sc;
	const char	*what = on ? "allow" : "deny";

	if ((sc = param_scope(p, kw, what)) == NULL)
		return;
	if (strcasecmp(v->str, "unknown-clients") == 0)
		sc->sc_params->dp_allow_unknown_clients = on;
	else if (strcasecmp(v->str, "bootp") == 0)
		sc->sc_params->dp_allow_bootp = on;
	else if (strcasecmp(v->str, "booting") == 0) {
		sc->sc_params->dp_allow_booting = on;
		if (sc->sc_kind == SC_CLASS)
			sc->sc_class->c_deny_booting = !on;
	} else
		cfglex_error(&p->p_lx, &v->pos, "%s expects unknown-clients, "
		    "bootp or booting, got '%s'", what, v->str);
}

/* hardware TYPE xx:xx:...; one host per address. */
static void
set_hardware(struct parse *p, const struct tok *kw, const struct tok *type,
    const struct tok *addr)
{
	struct scope		*sc;
	struct dhcp_host	*h, *o;
	uint8_t			 buf[DHCP_HADDR_MAX];
	size_t			 i, len;

	if ((sc = param_scope(p, kw, "hardware")) == NULL)
		return;
	if (sc->sc_kind != SC_HOST) {
		cfglex_error(&p->p_lx, &kw->pos, "hardware not allowed %s: "
		    "only in a host", kind_where[sc->sc_kind]);
		return;
	}
	h = sc->sc_host;
	for (i = 0; i < NHTYPES; i++)
		if (strcasecmp(type->str, htypes[i].ht_name) == 0)
			break;
	if (i == NHTYPES) {
		cfglex_error(&p->p_lx, &type->pos, "hardware expects ethernet, "
		    "token-ring or fddi, got '%s'", type->str);
		return;
	}
	if (hex_parse(addr->str, buf, sizeof(buf), &len) == -1 ||
	    (htypes[i].ht_len != 0 && len != htypes[i].ht_len)) {
		if (htypes[i].ht_len != 0)
			cfglex_error(&p->p_lx, &addr->pos, "hardware %s "
			    "expects %u octets xx:xx:..., got '%s'",
			    htypes[i].ht_name, htypes[i].ht_len, addr->str);
		else
			cfglex_error(&p->p_lx, &addr->pos, "hardware %s "
			    "expects 1-%d octets xx:xx:..., got '%s'",
			    htypes[i].ht_name, DHCP_HADDR_MAX, addr->str);
		return;
	}
	o = dhcpd_config_host_by_haddr(p->p_conf, htypes[i].ht_type, buf,
	    (uint8_t)len);
	if (o != NULL && o != h) {
		cfglex_error(&p->p_lx, &addr->pos, "hardware %s %s already "
		    "declared for host %s at %s:%d", htypes[i].ht_name,
		    addr->str, o->h_name, o->h_file, o->h_line);
		return;
	}
	h->h_htype = htypes[i].ht_type;
	h->h_hlen = (uint8_t)len;
	memset(h->h_haddr, 0, sizeof(h->h_haddr));
	memcpy(h->h_haddr, buf, len);
}

static void
fixed_begin(struct parse *p)
{
	p->p_nfixed = 0;
	p->p_fbad = 0;
}

static void
fixed_add(struct parse *p, const struct tok *v)
{
	struct in_addr	 a;
	void		*np;

	if (p->p_junk > 0 || p->p_fbad)
		return;
	if (ip_parse(v->str, &a) == -1) {
		cfglex_error(&p->p_lx, &v->pos, "fixed-address expects IPv4 "
		    "addresses (host names are not resolved), got '%s'",
		    v->str);
		p->p_fbad = 1;
		return;
	}
	if ((np = grow(p->p_fixed, &p->p_fcap, p->p_nfixed,
	    sizeof(*p->p_fixed))) == NULL) {
		cfglex_error(&p->p_lx, &v->pos, "out of memory");
		p->p_fbad = 1;
		return;
	}
	p->p_fixed = np;
	p->p_fixed[p->p_nfixed++] = a;
}

static void
fixed_end(struct parse *p, const struct tok *kw)
{
	struct scope		*sc;
	struct dhcp_host	*h;
	struct in_addr		*a;

	if (p->p_fbad || (sc = param_scope(p, kw, "fixed-address")) == NULL)
		return;
	if (sc->sc_kind != SC_HOST) {
		cfglex_error(&p->p_lx, &kw->pos, "fixed-address not allowed "
		    "%s: only in a host", kind_where[sc->sc_kind]);
		return;
	}
	h = sc->sc_host;
	if ((a = reallocarray(NULL, p->p_nfixed, sizeof(*a))) == NULL) {
		cfglex_error(&p->p_lx, &kw->pos, "out of memory");
		return;
	}
	memcpy(a, p->p_fixed, p->p_nfixed * sizeof(*a));
	free(h->h_fixed);
	h->h_fixed = a;
	h->h_nfixed = p->p_nfixed;
}

static void
opt_begin(struct parse *p, const struct tok *name)
{
	p->p_nwords = 0;
	p->p_optbad = 0;
	if (p->p_junk > 0)
		return;
	if (dhcp_opt_by_name(name->str, &p->p_optcode) == -1) {
		cfglex_error(&p->p_lx, &name->pos, "unknown option '%s'",
		    name->str);
		p->p_optbad = 1;
	}
}

static void
opt_add(struct parse *p, const struct tok *v, int first)
{
	void	*np;

	if (p->p_junk > 0 || p->p_optbad)
		return;
	if ((np = grow(p->p_words, &p->p_wcap, p->p_nwords,
	    sizeof(*p->p_words))) != NULL) {
		p->p_words = np;
		np = grow(p->p_wpos, &p->p_wpcap, p->p_nwords,
		    sizeof(*p->p_wpos));
	}
	if (np == NULL) {
		cfglex_error(&p->p_lx, &v->pos, "out of memory");
		p->p_optbad = 1;
		return;
	}
	p->p_wpos = np;
	p->p_words[p->p_nwords].ow_str = v->str;
	p->p_words[p->p_nwords].ow_quoted = v->quoted;
	p->p_words[p->p_nwords].ow_first = first;
	p->p_wpos[p->p_nwords] = v->pos;
	p->p_nwords++;
}

/*
 * An option statement ends: encoded into the scope.  Two options are
 * not options of the reply: dhcp-server-identifier is server-identifier
 * (dhcpd.conf(5) says they are the same), and dhcp-client-identifier in
 * a host is what identifies the host.
 */
static void
opt_end(struct parse *p, const struct tok *kw)
{
	struct scope		*sc;
	struct dhcp_optval	 ov, *slot;
	struct dhcp_host	*o;
	char			 err[256], nbuf[16];
	const char		*name;
	struct cfglex_pos	 pos;
	size_t			 bad;

	if (p->p_junk > 0 || p->p_optbad ||
	    (sc = param_scope(p, kw, "option")) == NULL)
		return;
	name = dhcp_opt_name(p->p_optcode, nbuf, sizeof(nbuf));
	if (dhcp_opt_encode(p->p_optcode, p->p_words, p->p_nwords, &ov, err,
	    sizeof(err), &bad) == -1) {
		pos = bad < p->p_nwords ? p->p_wpos[bad] : kw->pos;
		cfglex_error(&p->p_lx, &pos, "option %s %s", name, err);
		return;
	}
	if (p->p_optcode == 54) {
		memcpy(&sc->sc_params->dp_server_id.s_addr, ov.ov_data, 4);
		sc->sc_params->dp_has_server_id = 1;
		free(ov.ov_data);
		return;
	}
	if (p->p_optcode == 61 && sc->sc_kind == SC_HOST) {
		o = dhcpd_config_host_by_uid(p->p_conf, ov.ov_data, ov.ov_len);
		if (o != NULL && o != sc->sc_host) {
			cfglex_error(&p->p_lx, &kw->pos, "option %s already "
			    "declared for host %s at %s:%d", name, o->h_name,
			    o->h_file, o->h_line);
			free(ov.ov_data);
			return;
		}
		free(sc->sc_host->h_uid);
		sc->sc_host->h_uid = ov.ov_data;
		sc->sc_host->h_uidlen = ov.ov_len;
		return;
	}
	slot = &sc->sc_params->dp_opts.os_opt[p->p_optcode];
	free(slot->ov_data);
	*slot = ov;
}

/* include "file": relative to the including file; only below a path. */
static void
include_file(struct parse *p, const struct tok *kw, const struct tok *path)
{
	struct stat	 st;
	char		 full[PATH_MAX];
	const char	*curf, *slash;
	FILE		*fp;
	int		 n;

	if (p->p_junk > 0)
		return;
	if (!p->p_files) {
		cfglex_error(&p->p_lx, &kw->pos, "include \"%s\": includes are "
		    "only allowed in a configuration read from a file",
		    path->str);
		return;
	}
	if (path->str[0] == '\0') {
		cfglex_error(&p->p_lx, &path->pos, "include: empty file name");
		return;
	}
	curf = kw->pos.p_file;
	if (path->str[0] != '/' && (slash = strrchr(curf, '/')) != NULL)
		n = snprintf(full, sizeof(full), "%.*s/%s",
		    (int)(slash - curf), curf, path->str);
	else
		n = snprintf(full, sizeof(full), "%s", path->str);
	if (n < 0 || (size_t)n >= sizeof(full)) {
		cfglex_error(&p->p_lx, &path->pos, "include: file name too "
		    "long");
		return;
	}
	if ((fp = fopen(full, "r")) == NULL) {
		cfglex_error(&p->p_lx, &path->pos, "include \"%s\": %s", full,
		    strerror(errno));
		return;
	}
	if (fstat(fileno(fp), &st) == -1 || !S_ISREG(st.st_mode)) {
		cfglex_error(&p->p_lx, &path->pos, "include \"%s\": not a "
		    "regular file", full);
		(void)fclose(fp);
		return;
	}
	(void)push_file(p, fp, full, &path->pos);
	(void)fclose(fp);
}

/* What only the whole file can tell; warnings do not fail the parse. */
static void
parse_finish(struct parse *p)
{
	struct dhcp_host	*h;
	struct cfglex_pos	 pos;
	const struct dhcp_params *pa;
	char			 buf[INET_ADDRSTRLEN];
	int64_t			 d, m;
	size_t			 i;

	if (!p->p_opened)
		return;
	TAILQ_FOREACH(h, &p->p_conf->c_hosts, h_entry) {
		pos.p_file = h->h_file;
		pos.p_line = h->h_line;
		for (i = 0; i < h->h_nfixed; i++)
			if (dhcpd_config_subnet_for(p->p_conf,
			    h->h_fixed[i]) == NULL)
				cfglex_warn(&p->p_lx, &pos, "warning: host %s: "
				    "fixed-address %s is in no declared "
				    "subnet", h->h_name,
				    ip_str(h->h_fixed[i], buf, sizeof(buf)));
	}
	for (i = 0; i < p->p_nleases; i++) {
		pa = p->p_leases[i].ls_params;
		d = dhcp_params_default_lease_time(pa);
		m = dhcp_params_max_lease_time(pa);
		if (d > m)
			cfglex_warn(&p->p_lx, &p->p_leases[i].ls_pos,
			    "warning: default-lease-time %lld is above "
			    "max-lease-time %lld", (long long)d,
			    (long long)m);
	}
}

static struct parse *
parse_new(const char *name, FILE *errf)
{
	struct dhcpd_config	*c;
	struct parse		*p;

	if ((p = calloc(1, sizeof(*p))) == NULL ||
	    (p->p_conf = calloc(1, sizeof(*p->p_conf))) == NULL) {
		free(p);
		errfn(errf, "out of memory");
		return (NULL);
	}
	p->p_name = name;
	c = p->p_conf;
	dhcp_params_init(&c->c_global, NULL);
	TAILQ_INIT(&c->c_shareds);
	TAILQ_INIT(&c->c_subnets);
	TAILQ_INIT(&c->c_hosts);
	TAILQ_INIT(&c->c_classes);
	TAILQ_INIT(&c->c_groups);
	p->p_scope[0].sc_kind = SC_GLOBAL;
	p->p_scope[0].sc_params = &c->c_global;
	p->p_depth = 1;
	p->p_stmtstart = 1;
	pending_reset(p);
	if (cfglex_init(&p->p_lx, keywords, NKEYWORDS, STRING, NUMBER, ERROR,
	    errfn, errf) == -1) {
		free(p->p_conf);
		free(p);
		errfn(errf, "keyword table not sorted");
		return (NULL);
	}
	return (p);
}

static void
parse_free(struct parse *p)
{
	struct inc	*inc;

	cfglex_close(&p->p_lx);
	while ((inc = p->p_incs) != NULL) {
		p->p_incs = inc->i_next;
		if (inc->i_fp != NULL)
			(void)fclose(inc->i_fp);
		free(inc->i_buf);
		free(inc);
	}
	free(p->p_words);
	free(p->p_wpos);
	free(p->p_fixed);
	free(p->p_subnets);
	free(p->p_ranges);
	free(p->p_leases);
	free(p);
}

/* Parses what was pushed, then frees p; returns the config or NULL. */
static struct dhcpd_config *
parse_run(struct parse *p)
{
	struct dhcpd_config	*conf = p->p_conf;
	int			 rv;

	if (p->p_opened) {
		rv = yyparse(p);
		if (rv != 0 && cfglex_errors(&p->p_lx) == 0)
			cfglex_error(&p->p_lx, NULL, "cannot parse the "
			    "configuration");
		parse_finish(p);
	}
	if (!p->p_opened || cfglex_errors(&p->p_lx) > 0) {
		dhcpd_config_free(conf);
		conf = NULL;
	}
	parse_free(p);
	return (conf);
}

struct dhcpd_config *
dhcpd_config_parse_stream(FILE *f, const char *name, FILE *errf)
{
	struct parse	*p;

	if ((p = parse_new(name, errf)) == NULL)
		return (NULL);
	p->p_opened = push_file(p, f, name, NULL) == 0;
	return (parse_run(p));
}

struct dhcpd_config *
dhcpd_config_parse(const char *path, FILE *errf)
{
	struct cfglex_pos	 top = { path, 0 };
	struct parse		*p;
	FILE			*f;

	if ((p = parse_new(path, errf)) == NULL)
		return (NULL);
	if ((f = fopen(path, "r")) == NULL)
		cfglex_error(&p->p_lx, &top, "%s", strerror(errno));
	else {
		p->p_files = 1;
		p->p_opened = push_file(p, f, path, NULL) == 0;
		(void)fclose(f);
	}
	return (parse_run(p));
}

/*
 * The canonical printout.  Each block prints its parameters in a fixed
 * order, then (a subnet) its ranges, then its declarations by kind:
 * classes, shared networks and subnets, groups, hosts, each kind in the
 * order of the file.  What is not set is not printed, so a scope's
 * printout is exactly what it sets; it parses back to the same tree.
 */

/* Bare when the lexer reads it back as the same word, else quoted. */
static void
print_word(FILE *f, const char *s)
{
	char	 buf[64];
	size_t	 len, i;

	len = strlen(s);
	for (i = 0; i < len && i < sizeof(buf) - 1; i++)
		buf[i] = (char)tolower((unsigned char)s[i]);
	buf[i] = '\0';
	if (len == 0 || len >= sizeof(buf) ||
	    cfglex_lookup(keywords, NKEYWORDS, buf) != -1 ||
	    strspn(s, "-0123456789") == len ||
	    strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789._:/-") != len)
		dhcp_opt_print_quoted(f, (const uint8_t *)s, len);
	else
		(void)fputs(s, f);
}

static void
print_indent(FILE *f, int depth)
{
	while (depth-- > 0)
		(void)fputc('\t', f);
}

/* Prints what a scope sets; returns the number of lines. */
static int
print_params(FILE *f, const struct dhcp_params *pa, int depth)
{
	static const struct {
		const char	*name;
		size_t		 off;
	} flags[] = {
		{ "get-lease-hostnames", DHCP_FLAG(dp_get_lease_hostnames) },
		{ "use-host-decl-names", DHCP_FLAG(dp_use_host_decl_names) },
		{ "use-lease-addr-for-default-route",
		    DHCP_FLAG(dp_use_lease_addr_for_default_route) },
		{ "always-reply-rfc1048", DHCP_FLAG(dp_always_reply_rfc1048) },
		{ "echo-client-id", DHCP_FLAG(dp_echo_client_id) },
	}, allows[] = {
		{ "unknown-clients", DHCP_FLAG(dp_allow_unknown_clients) },
		{ "bootp", DHCP_FLAG(dp_allow_bootp) },
		{ "booting", DHCP_FLAG(dp_allow_booting) },
	};
	struct tm	 tm;
	time_t		 t;
	char		 buf[INET_ADDRSTRLEN], nbuf[16];
	size_t		 i;
	int		 n = 0, v;

#define LINE	(print_indent(f, depth), n++)
	if (pa->dp_default_lease_time != -1) {
		LINE;
		(void)fprintf(f, "default-lease-time %lld;\n",
		    (long long)pa->dp_default_lease_time);
	}
	if (pa->dp_max_lease_time != -1) {
		LINE;
		(void)fprintf(f, "max-lease-time %lld;\n",
		    (long long)pa->dp_max_lease_time);
	}
	if (pa->dp_bootp_lease_length != -1) {
		LINE;
		(void)fprintf(f, "dynamic-bootp-lease-length %lld;\n",
		    (long long)pa->dp_bootp_lease_length);
	}
	if (pa->dp_bootp_lease_cutoff != -1) {
		t = (time_t)pa->dp_bootp_lease_cutoff;
		if (gmtime_r(&t, &tm) != NULL) {
			LINE;
			(void)fprintf(f, "dynamic-bootp-lease-cutoff %d "
			    "%04d/%02d/%02d %02d:%02d:%02d;\n", tm.tm_wday,
			    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
			    tm.tm_hour, tm.tm_min, tm.tm_sec);
		}
	}
	if (pa->dp_filename != NULL) {
		LINE;
		(void)fputs("filename ", f);
		dhcp_opt_print_quoted(f, (const uint8_t *)pa->dp_filename,
		    strlen(pa->dp_filename));
		(void)fputs(";\n", f);
	}
	if (pa->dp_server_name != NULL) {
		LINE;
		(void)fputs("server-name ", f);
		dhcp_opt_print_quoted(f, (const uint8_t *)pa->dp_server_name,
		    strlen(pa->dp_server_name));
		(void)fputs(";\n", f);
	}
	if (pa->dp_has_next_server) {
		LINE;
		(void)fprintf(f, "next-server %s;\n",
		    ip_str(pa->dp_next_server, buf, sizeof(buf)));
	}
	if (pa->dp_has_server_id) {
		LINE;
		(void)fprintf(f, "server-identifier %s;\n",
		    ip_str(pa->dp_server_id, buf, sizeof(buf)));
	}
	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		memcpy(&v, (const char *)pa + flags[i].off, sizeof(v));
		if (v == DHCP_UNSET)
			continue;
		LINE;
		(void)fprintf(f, "%s %s;\n", flags[i].name,
		    v ? "true" : "false");
	}
	if (pa->dp_authoritative != DHCP_UNSET) {
		LINE;
		(void)fputs(pa->dp_authoritative ? "authoritative;\n" :
		    "not authoritative;\n", f);
	}
	for (i = 0; i < sizeof(allows) / sizeof(allows[0]); i++) {
		memcpy(&v, (const char *)pa + allows[i].off, sizeof(v));
		if (v == DHCP_UNSET)
			continue;
		LINE;
		(void)fprintf(f, "%s %s;\n", v ? "allow" : "deny",
		    allows[i].name);
	}
	for (i = 0; i < DHCP_OPT_MAX; i++) {
		if (pa->dp_opts.os_opt[i].ov_data == NULL)
			continue;
		LINE;
		(void)fprintf(f, "option %s ",
		    dhcp_opt_name((uint8_t)i, nbuf, sizeof(nbuf)));
		(void)dhcp_opt_print(f, (uint8_t)i,
		    pa->dp_opts.os_opt[i].ov_data,
		    pa->dp_opts.os_opt[i].ov_len);
		(void)fputs(";\n", f);
	}
#undef LINE
	return (n);
}

static void
print_host(FILE *f, const struct dhcpd_config *c, const struct dhcp_host *h,
    int depth)
{
	size_t	 i;
	char	 buf[INET_ADDRSTRLEN];

	(void)c;
	print_indent(f, depth);
	(void)fputs("host ", f);
	print_word(f, h->h_name);
	(void)fputs(" {\n", f);
	if (h->h_htype != 0) {
		for (i = 0; i < NHTYPES; i++)
			if (htypes[i].ht_type == h->h_htype)
				break;
		print_indent(f, depth + 1);
		(void)fprintf(f, "hardware %s ",
		    i < NHTYPES ? htypes[i].ht_name : "ethernet");
		for (i = 0; i < h->h_hlen; i++)
			(void)fprintf(f, "%s%02x", i > 0 ? ":" : "",
			    h->h_haddr[i]);
		(void)fputs(";\n", f);
	}
	if (h->h_nfixed > 0) {
		print_indent(f, depth + 1);
		(void)fputs("fixed-address ", f);
		for (i = 0; i < h->h_nfixed; i++)
			(void)fprintf(f, "%s%s", i > 0 ? ", " : "",
			    ip_str(h->h_fixed[i], buf, sizeof(buf)));
		(void)fputs(";\n", f);
	}
	if (h->h_uid != NULL) {
		print_indent(f, depth + 1);
		(void)fputs("option dhcp-client-identifier ", f);
		(void)dhcp_opt_print(f, 61, h->h_uid, h->h_uidlen);
		(void)fputs(";\n", f);
	}
	(void)print_params(f, &h->h_params, depth + 1);
	print_indent(f, depth);
	(void)fputs("}\n", f);
}

static void
print_subnet(FILE *f, const struct dhcpd_config *c,
    const struct dhcp_subnet *s, int depth)
{
	const struct dhcp_range	*r;
	char			 b1[INET_ADDRSTRLEN], b2[INET_ADDRSTRLEN];

	print_indent(f, depth);
	(void)fprintf(f, "subnet %s netmask %s {\n",
	    ip_str(s->s_net, b1, sizeof(b1)),
	    ip_str(s->s_mask, b2, sizeof(b2)));
	(void)print_params(f, &s->s_params, depth + 1);
	TAILQ_FOREACH(r, &s->s_ranges, r_entry) {
		print_indent(f, depth + 1);
		(void)fprintf(f, "range %s%s", r->r_dynamic_bootp ?
		    "dynamic-bootp " : "", ip_str(r->r_low, b1, sizeof(b1)));
		if (r->r_high.s_addr != r->r_low.s_addr)
			(void)fprintf(f, " %s",
			    ip_str(r->r_high, b2, sizeof(b2)));
		(void)fputs(";\n", f);
	}
	print_body(f, c, &s->s_params, depth + 1, 0);
	print_indent(f, depth);
	(void)fputs("}\n", f);
}

/* The declarations enclosed by scope pa, one kind after the other. */
static void
print_body(FILE *f, const struct dhcpd_config *c,
    const struct dhcp_params *pa, int depth, int blank)
{
	const struct dhcp_class		*cl;
	const struct dhcp_shared	*sh;
	const struct dhcp_subnet	*s;
	const struct dhcp_group		*g;
	const struct dhcp_host		*h;

	/* At top level, a blank line before each block after the first. */
#define BLOCK	do {						\
		if (depth == 0 && blank)			\
			(void)fputc('\n', f);			\
		blank = 1;					\
	} while (0)
	TAILQ_FOREACH(cl, &c->c_classes, c_entry) {
		if (cl->c_params.dp_parent != pa)
			continue;
		BLOCK;
		print_indent(f, depth);
		(void)fputs(cl->c_kind == DHCP_CLASS_VENDOR ? "vendor-class " :
		    "user-class ", f);
		dhcp_opt_print_quoted(f, (const uint8_t *)cl->c_name,
		    strlen(cl->c_name));
		(void)fputs(" {\n", f);
		(void)print_params(f, &cl->c_params, depth + 1);
		print_indent(f, depth);
		(void)fputs("}\n", f);
	}
	TAILQ_FOREACH(sh, &c->c_shareds, sh_entry) {
		if (sh->sh_params.dp_parent != pa)
			continue;
		BLOCK;
		if (sh->sh_implicit) {
			TAILQ_FOREACH(s, &sh->sh_subnets, s_entry)
				print_subnet(f, c, s, depth);
			continue;
		}
		print_indent(f, depth);
		(void)fputs("shared-network ", f);
		print_word(f, sh->sh_name);
		(void)fputs(" {\n", f);
		(void)print_params(f, &sh->sh_params, depth + 1);
		print_body(f, c, &sh->sh_params, depth + 1, 0);
		print_indent(f, depth);
		(void)fputs("}\n", f);
	}
	TAILQ_FOREACH(s, &c->c_subnets, s_all) {
		if (s->s_params.dp_parent != pa)
			continue;
		BLOCK;
		print_subnet(f, c, s, depth);
	}
	TAILQ_FOREACH(g, &c->c_groups, g_entry) {
		if (g->g_params.dp_parent != pa)
			continue;
		BLOCK;
		print_indent(f, depth);
		(void)fputs("group {\n", f);
		(void)print_params(f, &g->g_params, depth + 1);
		print_body(f, c, &g->g_params, depth + 1, 0);
		print_indent(f, depth);
		(void)fputs("}\n", f);
	}
	TAILQ_FOREACH(h, &c->c_hosts, h_entry) {
		if (h->h_params.dp_parent != pa)
			continue;
		BLOCK;
		print_host(f, c, h, depth);
	}
#undef BLOCK
}

void
dhcpd_config_print(FILE *f, const struct dhcpd_config *c)
{
	print_body(f, c, &c->c_global, 0,
	    print_params(f, &c->c_global, 0) > 0);
}
