/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * relayd.conf: the grammar of OpenBSD's relayd.conf(5) (manual rev.
 * 1.224 and the older files it still accepts), into a new struct
 * relayd_conf.
 *
 * Globals, macros (-D first, never overridden by the file), include (at
 * the top and inside every block), tables, redirects, relays, protocols
 * with their filter rules, and routers.  Every value is taken as a word
 * and checked in its action, so a bad value is reported with its
 * file:line and the parse goes on to the end of the line; every error of
 * the file is reported before the parse fails.
 *
 * A table is declared once ("template", hosts as written) and used by
 * forward lines: each use with a port becomes the table "name:port", a
 * copy of the hosts with the check, mode and timing of that line (TBL-10).
 * Uses are made when their block closes (a redirect's default port is its
 * first listen port, which may come later in the block); ids are given
 * at the end, in the order the printer writes the blocks (redirects,
 * relays, routers), so a printout parses to the same ids.
 *
 * The lexer is lib/cfglex; the parser is reentrant (struct parse by
 * %parse-param).  Names are resolved here (interfaces, DNS) only when the
 * caller asks (po_resolve): children parse printed text, which holds
 * addresses only.
 */

%{
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "addr.h"
#include "cfglex.h"
#include "conf_l7.h"
#include "relayd.h"

#define MAXRESOLVE	64	/* addresses of one name */
#define MAXTPLHOSTS	RELAYD_MAXHOSTS

/* Contexts of a block. */
enum ctx {
	CTX_NONE = 0,
	CTX_TABLE,
	CTX_RDR,
	CTX_RELAY,
	CTX_PROTO,
	CTX_ROUTER
};

/* Forward line heads. */
#define FH_FORWARD	0
#define FH_TRANSPARENT	1
#define FH_ROUTE	2

/* Options given on a forward line, once each. */
#define FS_PORT		0x001
#define FS_RETRY	0x002
#define FS_TIMEOUT	0x004
#define FS_INTERVAL	0x008
#define FS_DEMOTE	0x010
#define FS_MODE		0x020
#define FS_CHECK	0x040
#define FS_IFACE	0x080
#define FS_AF		0x100

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

/* A forward line as read; made into a table use when its block ends. */
struct fwd {
	int			 fw_head;	/* FH_* */
	int			 fw_tls;
	enum rd_fwd_type	 fw_type;
	char			 fw_name[RELAYD_NAMELEN];	/* table */
	struct sockaddr_storage	 fw_ss;		/* FWD_ADDR */
	unsigned int		 fw_seen;	/* FS_* */
	int			 fw_port;
	int			 fw_retry;
	int			 fw_timeout;
	int			 fw_interval;
	char			 fw_demote[IFNAMSIZ];
	enum rd_mode		 fw_mode;
	int			 fw_haskey;
	uint8_t			 fw_key[16];
	struct rd_check		 fw_check;
	int			 fw_af;
	struct addr		 fw_prefix;
	struct cfglex_pos	 fw_pos;
	int			 fw_bad;
};

struct parse {
	struct cfglex		 p_lx;
	struct relayd_conf	*p_conf;	/* owned until returned */
	struct rd_templates	*p_tps;		/* p_conf->c_templates */
	const struct conf_parse_opts *p_opts;
	const char		*p_name;	/* the top file, borrowed */
	int			 p_opened;
	struct tok		 p_inc;		/* include, at its '\n' */
	int			 p_hasinc;
	int			 p_ntpl;	/* template hosts in all */
	struct cfglex_pos	 p_timeout_pos;
	int			 p_timeout_set;

	/* the open block; its object is already in p_conf */
	enum ctx		 p_ctx;
	int			 p_bad;		/* its header was refused */
	struct cfglex_pos	 p_bpos;
	struct rd_template	*p_tp;
	struct rd_redirect	*p_rdr;
	struct rd_relay		*p_rl;
	struct rd_protocol	*p_pr;
	struct rd_router	*p_rt;
	struct fwd		*p_fwds;	/* forward lines of the block */
	int			 p_nfwds;
	int			 p_toomany;
	int			 p_errs0;	/* errors before the block */

	/* the line being read */
	struct fwd		 p_fwd;
	struct rd_host		 p_host;
	struct tok		 p_hosttok;
	int			 p_hostbad;
	int			 p_lproto;
	char			 p_lifname[IFNAMSIZ];
	int			 p_lpflog;
	struct rd_rule		 p_rule;
	int			 p_rulebad;
};

static int	 yylex(YYSTYPE *, struct parse *);
static void	 yyerror(struct parse *, const char *);

static void	 parse_include(struct parse *);
static void	 macro_set(struct parse *, const struct tok *,
		    const struct tok *);
static int	 tok_int(struct parse *, const struct tok *, const char *,
		    long long, long long, int *);
static int	 name_copy(struct parse *, const struct tok *, const char *,
		    char *, size_t);
static int	 str_copy(struct parse *, const struct tok *, const char *,
		    char *, size_t);
static int	 ifname_copy(struct parse *, const struct tok *,
		    const char *, char *);

static void	 set_interval(struct parse *, const struct tok *);
static void	 set_timeout(struct parse *, const struct tok *);
static void	 set_prefork(struct parse *, const struct tok *);
static void	 set_loglevel(struct parse *, const struct tok *);
static void	 set_socket(struct parse *, const struct tok *);
static void	 set_agentx(struct parse *, int, const struct tok *);

static void	 tpl_begin(struct parse *, const struct tok *);
static void	 tpl_end(struct parse *);
static void	 host_begin(struct parse *, const struct tok *);
static void	 host_opt(struct parse *, int, const struct tok *,
		    const struct tok *);
static void	 host_end(struct parse *);

static void	 rdr_begin(struct parse *, const struct tok *);
static void	 rdr_listen(struct parse *, const struct tok *,
		    const struct tok *);
static void	 rdr_lproto(struct parse *, int, const struct tok *);
static void	 rdr_opt(struct parse *, int, const struct tok *,
		    const struct tok *);
static void	 rdr_end(struct parse *);

static void	 fwd_begin(struct parse *, int, int, const struct tok *);
static void	 fwd_target(struct parse *, enum rd_fwd_type,
		    const struct tok *);
static int	 fwd_once(struct parse *, unsigned int, const struct tok *);
static void	 fwd_opt(struct parse *, int, const struct tok *,
		    const struct tok *);
static void	 fwd_mode(struct parse *, const struct tok *,
		    const struct tok *);
static void	 fwd_end(struct parse *);
static void	 check_set(struct parse *, const struct tok *,
		    enum check_type, int);
static void	 check_http(struct parse *, const struct tok *, int,
		    const struct tok *, const struct tok *, int,
		    const struct tok *);
static void	 check_send(struct parse *, const struct tok *,
		    const struct tok *, const struct tok *, int);
static void	 check_binary(struct parse *, const struct tok *,
		    const struct tok *, const struct tok *, int);
static void	 check_script(struct parse *, const struct tok *,
		    const struct tok *);

static void	 relay_begin(struct parse *, const struct tok *);
static void	 relay_listen(struct parse *, const struct tok *,
		    const struct tok *, int);
static void	 relay_opt(struct parse *, int, const struct tok *,
		    const struct tok *);
static void	 relay_end(struct parse *);

static void	 proto_begin(struct parse *, int, const struct tok *);
static void	 proto_opt(struct parse *, int, const struct tok *,
		    const struct tok *);
static void	 proto_flag(struct parse *, int, const struct tok *);
static void	 proto_keypair(struct parse *, const struct tok *);
static void	 proto_kpopt(struct parse *, int, const struct tok *);
static void	 rule_begin(struct parse *, enum rule_action,
		    const struct tok *);
static void	 rule_opt(struct parse *, int, const struct tok *,
		    const struct tok *);
static void	 rule_kv(struct parse *, const struct tok *, int, int, int,
		    const struct tok *, const struct tok *);
static void	 rule_end(struct parse *);

static void	 router_begin(struct parse *, const struct tok *);
static void	 router_opt(struct parse *, int, const struct tok *,
		    const struct tok *);
static void	 router_end(struct parse *);
static void	 block_end(struct parse *);
%}

%pure-parser
%parse-param	{ struct parse *p }
%lex-param	{ struct parse *p }

%token	AGENTX APPEND BACKLOG BINARY BLOCK BUFFER CA CERT CHANGES CHECK
%token	CHECKS CIPHERS CLIENT CODE CONNECTION CONTEXT COOKIE DEMOTE
%token	DESTINATION DIGEST DISABLE DNS ECDHE EDH ERRORKW ERRORS EXPECT
%token	FILENAME FORWARD FROM HASH HEADER HEADERLEN HOST HOSTNAME HTTP
%token	ICMP INCLUDE INET INET6 INTERFACE INTERVAL IP KEY KEYPAIR LABEL
%token	LEVEL LISTEN LOG LOOKUP MATCH METHOD MINTTL MODE NAT NO NODELAY
%token	NOTHING OCSP ON PARAMS PARENT PASS PASSWORD PATH PATTERN PFLOG
%token	PFTAG PORT PREFORK PRIORITY PROTO PROTOCOL PROXYPROTO QUERY QUICK
%token	REDIRECT RELAY REMOVE REQUEST RESPONSE RETRY RETURN ROUTE ROUTER
%token	RTABLE RTLABEL SACK SCRIPT SEND SESSION SET SOCKET SPLICE SSL STATE
%token	STICKY STRIP STYLE TABLE TAG TAGGED TCP TICKETS TIMEOUT TLS TO
%token	TRANSPARENT TTL UDP URL VALUE WEBSOCKETS WITH MAXHEADERS
%token	STRING NUMBER LEXERR

%%

grammar		: /* empty */
		| grammar '\n'
		| grammar include '\n'	{ parse_include(p); }
		| grammar varset '\n'
		| grammar main '\n'
		| grammar tabledef '\n'
		| grammar rdr '\n'
		| grammar relay '\n'
		| grammar proto '\n'
		| grammar router '\n'
		| grammar error '\n'	{ yyerrok; block_end(p); }
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

varset		: STRING '=' string	{ macro_set(p, &$1, &$3); }
		;

main		: INTERVAL string	{ set_interval(p, &$2); }
		| TIMEOUT string	{ set_timeout(p, &$2); }
		| PREFORK string	{ set_prefork(p, &$2); }
		| LOG STATE CHANGES	{ p->p_conf->c_log |= CONF_LOG_STATE; }
		| LOG HOST CHECKS	{ p->p_conf->c_log |= CONF_LOG_CHECKS; }
		| LOG CONNECTION	{
			p->p_conf->c_log |= CONF_LOG_CONN | CONF_LOG_CONNERR;
		}
		| LOG CONNECTION ERRORS	{
			p->p_conf->c_log |= CONF_LOG_CONNERR;
		}
		| LOG LEVEL string	{ set_loglevel(p, &$3); }
		| AGENTX agentxopts	{ p->p_conf->c_agentx = 1; }
		| SOCKET string		{ set_socket(p, &$2); }
		;

agentxopts	: /* empty */
		| agentxopts CONTEXT string	{ set_agentx(p, 0, &$3); }
		| agentxopts PATH string	{ set_agentx(p, 1, &$3); }
		;

/* Tables. */
tabledef	: tablehead tableflags '{' hostlist '}' tableflags {
			tpl_end(p);
		}
		| tablehead tableflags '{' hostlist error '}' tableflags {
			yyerrok;
			block_end(p);
		}
		;

tablehead	: TABLE '<' string '>'	{ tpl_begin(p, &$3); }
		;

tableflags	: /* empty */
		| tableflags DISABLE	{
			if (p->p_tp != NULL)
				p->p_tp->tp_disabled = 1;
		}
		;

hostlist	: /* empty */
		| hostlist '\n'
		| hostlist ','
		| hostlist host
		| hostlist include '\n'	{ parse_include(p); }
		| hostlist error '\n'	{ yyerrok; }
		;

host		: hosthead hostopts	{ host_end(p); }
		;

hosthead	: string		{ host_begin(p, &$1); }
		;

hostopts	: /* empty */
		| hostopts hostopt
		;

hostopt		: RETRY string		{ host_opt(p, RETRY, &$1, &$2); }
		| PARENT string		{ host_opt(p, PARENT, &$1, &$2); }
		| PRIORITY string	{ host_opt(p, PRIORITY, &$1, &$2); }
		| IP TTL string		{ host_opt(p, TTL, &$1, &$3); }
		| HOSTNAME string	{ host_opt(p, HOSTNAME, &$1, &$2); }
		;

/* Redirects. */
rdr		: rdrhead '{' rdropts '}'		{ rdr_end(p); }
		| rdrhead '{' rdropts rdropt '}'	{ rdr_end(p); }
		| rdrhead '{' rdropts error '}' {
			yyerrok;
			block_end(p);
		}
		;

rdrhead		: REDIRECT string	{ rdr_begin(p, &$2); }
		;

rdropts		: /* empty */
		| rdropts '\n'
		| rdropts rdropt '\n'
		| rdropts include '\n'	{ parse_include(p); }
		| rdropts error '\n'	{ yyerrok; }
		;

rdropt		: LISTEN ON string lproto PORT portval lopts {
			rdr_listen(p, &$3, &$6);
		}
		| fwdline		{ fwd_end(p); }
		| SESSION TIMEOUT string { rdr_opt(p, SESSION, &$1, &$3); }
		| STICKY		{ rdr_opt(p, STICKY, &$1, NULL); }
		| PFTAG string		{ rdr_opt(p, PFTAG, &$1, &$2); }
		| MATCH PFTAG string	{ rdr_opt(p, MATCH, &$1, &$3); }
		| DISABLE		{ rdr_opt(p, DISABLE, &$1, NULL); }
		;

lproto		: /* empty */		{ rdr_lproto(p, TCP, NULL); }
		| TCP			{ rdr_lproto(p, TCP, NULL); }
		| UDP			{ rdr_lproto(p, UDP, NULL); }
		| PROTO string		{ rdr_lproto(p, PROTO, &$2); }
		| PROTO TCP		{ rdr_lproto(p, TCP, NULL); }
		| PROTO UDP		{ rdr_lproto(p, UDP, NULL); }
		;

lopts		: /* empty */
		| lopts INTERFACE string {
			(void)ifname_copy(p, &$3, "interface",
			    p->p_lifname);
		}
		| lopts PFLOG		{ p->p_lpflog = 1; }
		;

/* Forward lines: redirects, relays and routers; checked by context. */
fwdline		: fwdhead fwdtarget fwdopts
		;

fwdhead		: FORWARD fwdtls TO	{
			fwd_begin(p, FH_FORWARD, (int)$2.num, &$1);
		}
		| TRANSPARENT FORWARD fwdtls TO {
			fwd_begin(p, FH_TRANSPARENT, (int)$3.num, &$1);
		}
		| ROUTE TO		{ fwd_begin(p, FH_ROUTE, 0, &$1); }
		;

fwdtls		: /* empty */		{ $$.num = 0; }
		| WITH TLS		{ $$.num = 1; }
		| WITH SSL		{ $$.num = 1; }
		;

fwdtarget	: '<' string '>'	{ fwd_target(p, FWD_TABLE, &$2); }
		| NAT LOOKUP		{ fwd_target(p, FWD_NATLOOKUP, &$1); }
		| DESTINATION		{
			fwd_target(p, FWD_DESTINATION, &$1);
		}
		| string		{ fwd_target(p, FWD_ADDR, &$1); }
		;

fwdopts		: /* empty */
		| fwdopts fwdopt
		;

fwdopt		: PORT portval		{ fwd_opt(p, PORT, &$1, &$2); }
		| RETRY string		{ fwd_opt(p, RETRY, &$1, &$2); }
		| TIMEOUT string	{ fwd_opt(p, TIMEOUT, &$1, &$2); }
		| INTERVAL string	{ fwd_opt(p, INTERVAL, &$1, &$2); }
		| DEMOTE string		{ fwd_opt(p, DEMOTE, &$1, &$2); }
		| INTERFACE string	{ fwd_opt(p, INTERFACE, &$1, &$2); }
		| INET			{ fwd_opt(p, INET, &$1, NULL); }
		| INET6 string		{ fwd_opt(p, INET6, &$1, &$2); }
		| MODE modeword		{ fwd_mode(p, &$2, NULL); }
		| MODE modeword string	{ fwd_mode(p, &$2, &$3); }
		| CHECK check
		;

modeword	: STRING
		| HASH
		;

check		: ICMP			{ check_set(p, &$1, CHECK_ICMP, 0); }
		| TCP			{ check_set(p, &$1, CHECK_TCP, 0); }
		| TLS			{ check_set(p, &$1, CHECK_TLS, 1); }
		| SSL			{ check_set(p, &$1, CHECK_TLS, 1); }
		| httptype string checkhost CODE string {
			check_http(p, &$1, (int)$1.num, &$2, &$3, 0, &$5);
		}
		| httptype string checkhost DIGEST string {
			check_http(p, &$1, (int)$1.num, &$2, &$3, 1, &$5);
		}
		| SEND sendbuf EXPECT string checktls {
			check_send(p, &$1, &$2, &$4, (int)$5.num);
		}
		| BINARY SEND string EXPECT string checktls {
			check_binary(p, &$1, &$3, &$5, (int)$6.num);
		}
		| SCRIPT string		{ check_script(p, &$1, &$2); }
		;

httptype	: HTTP			{ $$ = $1; $$.num = 0; }
		| STRING		{
			$$ = $1;
			$$.num = 1;
			if (strcmp($1.str, "https") != 0) {
				cfglex_error(&p->p_lx, &$1.pos, "unknown check "
				    "'%s'", $1.str);
				p->p_fwd.fw_bad = 1;
			}
		}
		;

/* A port: a number or a service name, which may be a keyword. */
portval		: string
		| HTTP
		;

checkhost	: /* empty */		{ $$.str = NULL; }
		| HOST string		{ $$ = $2; }
		;

sendbuf		: NOTHING		{ $$ = $1; $$.str = NULL; }
		| string
		;

checktls	: /* empty */		{ $$.num = 0; }
		| TLS			{ $$.num = 1; }
		| SSL			{ $$.num = 1; }
		;

/* Relays. */
relay		: relayhead '{' relayopts '}'		{ relay_end(p); }
		| relayhead '{' relayopts relayopt '}'	{ relay_end(p); }
		| relayhead '{' relayopts error '}' {
			yyerrok;
			block_end(p);
		}
		;

relayhead	: RELAY string		{ relay_begin(p, &$2); }
		;

relayopts	: /* empty */
		| relayopts '\n'
		| relayopts relayopt '\n'
		| relayopts include '\n' { parse_include(p); }
		| relayopts error '\n'	{ yyerrok; }
		;

relayopt	: LISTEN ON string relport reltls {
			relay_listen(p, &$3, &$4, (int)$5.num);
		}
		| fwdline		{ fwd_end(p); }
		| SESSION TIMEOUT string { relay_opt(p, SESSION, &$1, &$3); }
		| PROTOCOL string	{ relay_opt(p, PROTOCOL, &$1, &$2); }
		| DISABLE		{ relay_opt(p, DISABLE, &$1, NULL); }
		| PROXYPROTO string	{ relay_opt(p, PROXYPROTO, &$1, &$2); }
		;

relport		: /* empty */		{ $$.str = NULL; }
		| PORT portval		{ $$ = $2; }
		;

reltls		: /* empty */		{ $$.num = 0; }
		| TLS			{ $$.num = 1; }
		| SSL			{ $$.num = 1; }
		;

/* Protocols. */
proto		: protohead '{' protopts '}'		{ block_end(p); }
		| protohead '{' protopts protopt '}'	{ block_end(p); }
		| protohead '{' protopts error '}' {
			yyerrok;
			block_end(p);
		}
		;

protohead	: prototype PROTOCOL string {
			proto_begin(p, (int)$1.num, &$3);
		}
		;

prototype	: /* empty */		{ $$.num = PROTO_TCP; }
		| TCP			{ $$.num = PROTO_TCP; }
		| HTTP			{ $$.num = PROTO_HTTP; }
		| DNS			{ $$.num = PROTO_DNS; }
		;

protopts	: /* empty */
		| protopts '\n'
		| protopts protopt '\n'
		| protopts include '\n'	{ parse_include(p); }
		| protopts error '\n'	{ yyerrok; }
		;

protopt		: TLS tlsopt
		| TLS '{' tlsopts '}'
		| SSL tlsopt
		| SSL '{' tlsopts '}'
		| TCP tcpopt
		| TCP '{' tcpopts '}'
		| HTTP httpopt
		| HTTP '{' httpopts '}'
		| RETURN ERRORKW	{ proto_opt(p, RETURN, &$1, NULL); }
		| RETURN ERRORKW STYLE string {
			proto_opt(p, RETURN, &$1, &$4);
		}
		| filterrule		{ rule_end(p); }
		;

optsep		: /* empty */
		| optsep ','
		| optsep '\n'
		;

tlsopts		: optsep
		| tlsopts tlsopt optsep
		;

tcpopts		: optsep
		| tcpopts tcpopt optsep
		;

httpopts	: optsep
		| httpopts httpopt optsep
		;

tlsopt		: SESSION TICKETS	{ proto_opt(p, TICKETS, &$1, NULL); }
		| NO SESSION TICKETS	{ proto_flag(p, 0, &$3); }
		| CIPHERS string	{ proto_opt(p, CIPHERS, &$1, &$2); }
		| ECDHE string		{ proto_opt(p, ECDHE, &$1, &$2); }
		| EDH			{ proto_opt(p, EDH, &$1, NULL); }
		| EDH PARAMS string	{ proto_opt(p, EDH, &$1, &$3); }
		| NO EDH		{ proto_flag(p, 0, &$2); }
		| CA FILENAME string	{ proto_opt(p, FILENAME, &$1, &$3); }
		| CA CERT string	{ proto_opt(p, CERT, &$1, &$3); }
		| CA KEY string PASSWORD string {
			proto_opt(p, KEY, &$3, &$5);
		}
		| CLIENT CA string	{ proto_opt(p, CLIENT, &$1, &$3); }
		| KEYPAIR string	{ proto_keypair(p, &$2); } kpopts
		| NO string		{ proto_flag(p, 0, &$2); }
		| string		{ proto_flag(p, 1, &$1); }
		;

kpopts		: /* empty */
		| kpopts CERT string	{ proto_kpopt(p, CERT, &$3); }
		| kpopts KEY string	{ proto_kpopt(p, KEY, &$3); }
		| kpopts OCSP string	{ proto_kpopt(p, OCSP, &$3); }
		;

tcpopt		: NODELAY		{ proto_opt(p, NODELAY, &$1, NULL); }
		| NO NODELAY		{ proto_flag(p, 0, &$2); }
		| SACK			{ proto_opt(p, SACK, &$1, NULL); }
		| NO SACK		{ proto_flag(p, 0, &$2); }
		| SPLICE		{ proto_opt(p, SPLICE, &$1, NULL); }
		| NO SPLICE		{ proto_flag(p, 0, &$2); }
		| BACKLOG string	{ proto_opt(p, BACKLOG, &$1, &$2); }
		| SOCKET BUFFER string	{ proto_opt(p, BUFFER, &$1, &$3); }
		| IP TTL string		{ proto_opt(p, TTL, &$1, &$3); }
		| IP MINTTL string	{ proto_opt(p, MINTTL, &$1, &$3); }
		;

httpopt		: HEADERLEN string	{ proto_opt(p, HEADERLEN, &$1, &$2); }
		| MAXHEADERS string	{ proto_opt(p, MAXHEADERS, &$1, &$2); }
		| WEBSOCKETS		{ proto_opt(p, WEBSOCKETS, &$1, NULL); }
		| NO WEBSOCKETS		{ proto_flag(p, 0, &$2); }
		;

/* Filter rules, FLT. */
filterrule	: rulehead ruledir rulequick ruleaf rulefrom ruleto ruleopts
		;

rulehead	: PASS			{ rule_begin(p, RULE_PASS, &$1); }
		| BLOCK			{ rule_begin(p, RULE_BLOCK, &$1); }
		| MATCH			{ rule_begin(p, RULE_MATCH, &$1); }
		;

ruledir		: /* empty */
		| REQUEST
		| RESPONSE		{ p->p_rule.ru_response = 1; }
		;

rulequick	: /* empty */
		| QUICK			{ p->p_rule.ru_quick = 1; }
		;

ruleaf		: /* empty */
		| INET			{ p->p_rule.ru_af = AF_INET; }
		| INET6			{ p->p_rule.ru_af = AF_INET6; }
		;

rulefrom	: /* empty */
		| FROM string		{ rule_opt(p, FROM, &$1, &$2); }
		;

ruleto		: /* empty */
		| TO string		{ rule_opt(p, TO, &$1, &$2); }
		;

ruleopts	: /* empty */
		| ruleopts ruleopt
		;

ruleopt		: METHOD string		{ rule_opt(p, METHOD, &$1, &$2); }
		| kvtype kvaction kvkey kvvalue {
			rule_kv(p, &$1, (int)$1.num, (int)$2.num,
			    (int)$3.num, &$3, &$4);
		}
		| PATH STRIP string	{ rule_opt(p, STRIP, &$1, &$3); }
		| FORWARD TO '<' string '>' {
			rule_opt(p, FORWARD, &$1, &$4);
		}
		| TAG string		{ rule_opt(p, TAG, &$1, &$2); }
		| TAGGED string		{ rule_opt(p, TAGGED, &$1, &$2); }
		| NO TAG		{ rule_opt(p, NO, &$1, &$2); }
		| LABEL string		{ rule_opt(p, LABEL, &$1, &$2); }
		| NO LABEL		{ rule_opt(p, NO, &$1, &$2); }
		;

kvtype		: COOKIE		{ $$ = $1; $$.num = KV_COOKIE; }
		| HEADER		{ $$ = $1; $$.num = KV_HEADER; }
		| PATH			{ $$ = $1; $$.num = KV_PATH; }
		| QUERY			{ $$ = $1; $$.num = KV_QUERY; }
		| URL			{ $$ = $1; $$.num = KV_URL; }
		;

kvaction	: /* empty */		{ $$.num = KVA_TEST; }
		| APPEND		{ $$.num = KVA_APPEND; }
		| SET			{ $$.num = KVA_SET; }
		| REMOVE		{ $$.num = KVA_REMOVE; }
		| HASH			{ $$.num = KVA_HASH; }
		| LOG			{ $$.num = KVA_LOG; }
		;

kvkey		: /* empty */		{ $$.str = NULL; $$.num = KEY_NONE; }
		| string		{ $$ = $1; $$.num = KEY_NAME; }
		| FILENAME string	{ $$ = $2; $$.num = KEY_FILE; }
		| DIGEST string		{ $$ = $2; $$.num = KEY_DIGEST; }
		| PATTERN string	{ $$ = $2; $$.num = KEY_PATTERN; }
		;

kvvalue		: /* empty */		{ $$.str = NULL; }
		| VALUE string		{ $$ = $2; }
		;

/* Routers. */
router		: routerhead '{' routeropts '}'		{ router_end(p); }
		| routerhead '{' routeropts routeropt '}' { router_end(p); }
		| routerhead '{' routeropts error '}' {
			yyerrok;
			block_end(p);
		}
		;

routerhead	: ROUTER string		{ router_begin(p, &$2); }
		;

routeropts	: /* empty */
		| routeropts '\n'
		| routeropts routeropt '\n'
		| routeropts include '\n' { parse_include(p); }
		| routeropts error '\n'	{ yyerrok; }
		;

routeropt	: ROUTE string		{ router_opt(p, ROUTE, &$1, &$2); }
		| fwdline		{ fwd_end(p); }
		| RTABLE string		{ router_opt(p, RTABLE, &$1, &$2); }
		| RTLABEL string	{ router_opt(p, RTLABEL, &$1, &$2); }
		| DISABLE		{ router_opt(p, DISABLE, &$1, NULL); }
		;

%%

/* Sorted by strcmp: the lexer looks keywords up with bsearch. */
static const struct cfglex_keyword keywords[] = {
	{ "agentx",		AGENTX },
	{ "append",		APPEND },
	{ "backlog",		BACKLOG },
	{ "binary",		BINARY },
	{ "block",		BLOCK },
	{ "buffer",		BUFFER },
	{ "ca",			CA },
	{ "cert",		CERT },
	{ "changes",		CHANGES },
	{ "check",		CHECK },
	{ "checks",		CHECKS },
	{ "ciphers",		CIPHERS },
	{ "client",		CLIENT },
	{ "code",		CODE },
	{ "connection",		CONNECTION },
	{ "context",		CONTEXT },
	{ "cookie",		COOKIE },
	{ "demote",		DEMOTE },
	{ "destination",	DESTINATION },
	{ "digest",		DIGEST },
	{ "disable",		DISABLE },
	{ "dns",		DNS },
	{ "ecdhe",		ECDHE },
	{ "edh",		EDH },
	{ "error",		ERRORKW },
	{ "errors",		ERRORS },
	{ "expect",		EXPECT },
	{ "file",		FILENAME },
	{ "forward",		FORWARD },
	{ "from",		FROM },
	{ "hash",		HASH },
	{ "header",		HEADER },
	{ "headerlen",		HEADERLEN },
	{ "host",		HOST },
	{ "hostname",		HOSTNAME },
	{ "http",		HTTP },
	{ "icmp",		ICMP },
	{ "include",		INCLUDE },
	{ "inet",		INET },
	{ "inet6",		INET6 },
	{ "interface",		INTERFACE },
	{ "interval",		INTERVAL },
	{ "ip",			IP },
	{ "key",		KEY },
	{ "keypair",		KEYPAIR },
	{ "label",		LABEL },
	{ "level",		LEVEL },
	{ "listen",		LISTEN },
	{ "log",		LOG },
	{ "lookup",		LOOKUP },
	{ "match",		MATCH },
	{ "maxheaders",		MAXHEADERS },
	{ "method",		METHOD },
	{ "minttl",		MINTTL },
	{ "mode",		MODE },
	{ "nat",		NAT },
	{ "no",			NO },
	{ "nodelay",		NODELAY },
	{ "nothing",		NOTHING },
	{ "ocsp",		OCSP },
	{ "on",			ON },
	{ "params",		PARAMS },
	{ "parent",		PARENT },
	{ "pass",		PASS },
	{ "password",		PASSWORD },
	{ "path",		PATH },
	{ "pattern",		PATTERN },
	{ "pflog",		PFLOG },
	{ "pftag",		PFTAG },
	{ "port",		PORT },
	{ "prefork",		PREFORK },
	{ "priority",		PRIORITY },
	{ "proto",		PROTO },
	{ "protocol",		PROTOCOL },
	{ "proxy-protocol",	PROXYPROTO },
	{ "query",		QUERY },
	{ "quick",		QUICK },
	{ "redirect",		REDIRECT },
	{ "relay",		RELAY },
	{ "remove",		REMOVE },
	{ "request",		REQUEST },
	{ "response",		RESPONSE },
	{ "retry",		RETRY },
	{ "return",		RETURN },
	{ "route",		ROUTE },
	{ "router",		ROUTER },
	{ "rtable",		RTABLE },
	{ "rtlabel",		RTLABEL },
	{ "sack",		SACK },
	{ "script",		SCRIPT },
	{ "send",		SEND },
	{ "session",		SESSION },
	{ "set",		SET },
	{ "socket",		SOCKET },
	{ "splice",		SPLICE },
	{ "ssl",		SSL },
	{ "state",		STATE },
	{ "sticky-address",	STICKY },
	{ "strip",		STRIP },
	{ "style",		STYLE },
	{ "table",		TABLE },
	{ "tag",		TAG },
	{ "tagged",		TAGGED },
	{ "tcp",		TCP },
	{ "tickets",		TICKETS },
	{ "timeout",		TIMEOUT },
	{ "tls",		TLS },
	{ "to",			TO },
	{ "transparent",	TRANSPARENT },
	{ "ttl",		TTL },
	{ "udp",		UDP },
	{ "url",		URL },
	{ "value",		VALUE },
	{ "websockets",		WEBSOCKETS },
	{ "with",		WITH }
};
#define NKEYWORDS	(sizeof(keywords) / sizeof(keywords[0]))

/* Redirect listen protocols by name (no /etc/protocols lookup). */
static const struct {
	const char	*pn_name;
	uint8_t		 pn_proto;
} protos[] = {
	{ "tcp",	IPPROTO_TCP },
	{ "udp",	IPPROTO_UDP },
	{ "sctp",	IPPROTO_SCTP },
	{ "dccp",	IPPROTO_DCCP },
	{ "udplite",	IPPROTO_UDPLITE }
};
#define NPROTOS		(sizeof(protos) / sizeof(protos[0]))

static const char *const mode_names[] = {
	[MODE_ROUNDROBIN] = "roundrobin",
	[MODE_RANDOM] = "random",
	[MODE_SOURCEHASH] = "source-hash",
	[MODE_LOADBALANCE] = "loadbalance",
	[MODE_HASH] = "hash",
	[MODE_LEASTSTATES] = "least-states"
};
#define NMODES		(sizeof(mode_names) / sizeof(mode_names[0]))

/* The 33 methods of FLT-9. */
static const char *const methods[] = {
	"ACL", "BASELINE-CONTROL", "CHECKIN", "CHECKOUT", "CONNECT", "COPY",
	"DELETE", "GET", "HEAD", "LABEL", "LOCK", "MERGE", "MKACTIVITY",
	"MKCALENDAR", "MKCOL", "MKREDIRECTREF", "MKWORKSPACE", "MOVE",
	"OPTIONS", "ORDERPATCH", "PATCH", "POST", "PROPFIND", "PROPPATCH",
	"PUT", "REPORT", "SEARCH", "TRACE", "UNCHECKOUT", "UNLOCK", "UPDATE",
	"UPDATEREDIRECTREF", "VERSION-CONTROL"
};
#define NMETHODS	(sizeof(methods) / sizeof(methods[0]))

static const char *const kv_names[] = {
	[KV_COOKIE] = "cookie",
	[KV_HEADER] = "header",
	[KV_PATH] = "path",
	[KV_QUERY] = "query",
	[KV_URL] = "url"
};

static struct parse *parse_new(const char *, const struct conf_parse_opts *);
static struct relayd_conf *parse_run(struct parse *);
static void	 parse_finish(struct parse *);
static void	 parse_defines(struct parse *);
static int	 is_defined(const struct parse *, const char *);
static void	 errfn_stderr(void *, const char *);
static int	 resolve(struct parse *, const struct tok *,
		    struct sockaddr_storage *, int);
static long	 link_group_id(const char *);
static int	 link_in_group(const char *, long);
static int	 resolve_if(const char *, struct sockaddr_storage *, int);
static int	 resolve_dns(const char *, struct sockaddr_storage *, int);
static int	 ss_from_addr(const struct addr *, struct sockaddr_storage *);
static int	 port_parse(struct parse *, const struct tok *, const char *,
		    int, uint16_t *, uint16_t *);
static int	 hex_decode(const char *, uint8_t *, size_t, size_t *);
static struct rd_table *table_use(struct parse *, const struct fwd *,
		    uint16_t, enum ctx);
static int	 table_same(const struct rd_table *, const struct rd_table *);
static int	 rdr_uses(const struct relayd_conf *, const struct rd_table *);
static void	 table_free(struct rd_table *);
static void	 hosts_free(struct rd_hosts *);
static void	 relay_free(struct rd_relay *);
static void	 proto_free(struct rd_protocol *);
static void	 number_ids(struct parse *);
static void	 table_order(struct relayd_conf *, struct rd_table *,
		    uint32_t *, struct rd_tables *);
static void	 check_tables(struct parse *);
static void	 check_relays(struct parse *);

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

/* Inside a block a word where an option should start is unknown. */
static void
yyerror(struct parse *p, const char *msg)
{
	const struct cfglex_token	*t;

	t = cfglex_last(&p->p_lx);
	if (strcmp(msg, "syntax error") != 0)
		cfglex_error(&p->p_lx, &t->t_pos, "%s", msg);
	else if (p->p_ctx != CTX_NONE && t->t_type == STRING)
		cfglex_error(&p->p_lx, &t->t_pos, "syntax error near '%.64s'",
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
errfn_stderr(void *arg, const char *msg)
{
	(void)arg;
	(void)fprintf(stderr, "%s\n", msg);
}

/* CLI-2: "-D name=value" first; the file cannot override them. */
static void
parse_defines(struct parse *p)
{
	const struct conf_parse_opts	*o = p->p_opts;
	struct cfglex_pos		 pos = { "-D", 0 };
	char				 name[CFGLEX_MAXTOKEN + 1];
	const char			*eq;
	size_t				 len;
	int				 i;

	for (i = 0; o != NULL && i < o->po_ndefines; i++) {
		eq = strchr(o->po_defines[i], '=');
		len = eq == NULL ? 0 : (size_t)(eq - o->po_defines[i]);
		if (eq == NULL || len == 0 || len >= sizeof(name)) {
			cfglex_error(&p->p_lx, &pos, "-D %s: expects "
			    "name=value", o->po_defines[i]);
			continue;
		}
		memcpy(name, o->po_defines[i], len);
		name[len] = '\0';
		(void)cfglex_macro_set(&p->p_lx, name, eq + 1, &pos);
	}
}

static int
is_defined(const struct parse *p, const char *name)
{
	const struct conf_parse_opts	*o = p->p_opts;
	size_t				 len;
	int				 i;

	len = strlen(name);
	for (i = 0; o != NULL && i < o->po_ndefines; i++)
		if (strncmp(o->po_defines[i], name, len) == 0 &&
		    o->po_defines[i][len] == '=')
			return (1);
	return (0);
}

static void
macro_set(struct parse *p, const struct tok *name, const struct tok *val)
{
	if (cfglex_lookup(keywords, NKEYWORDS, name->str) != -1) {
		cfglex_error(&p->p_lx, &name->pos, "macro name '%s' is a "
		    "keyword", name->str);
		return;
	}
	if (is_defined(p, name->str))
		return;
	(void)cfglex_macro_set(&p->p_lx, name->str, val->str, &name->pos);
}

/* A number in [min, max], or an error naming what wanted it. */
static int
tok_int(struct parse *p, const struct tok *v, const char *what,
    long long min, long long max, int *out)
{
	if (!v->isnum || v->num < min || v->num > max) {
		cfglex_error(&p->p_lx, &v->pos, "%s expects %lld-%lld, "
		    "got '%s'", what, min, max, v->str);
		return (-1);
	}
	*out = (int)v->num;
	return (0);
}

/* A name of a table, redirect, relay...: not empty, fits. */
static int
name_copy(struct parse *p, const struct tok *v, const char *what,
    char *dst, size_t size)
{
	if (v->str[0] == '\0') {
		cfglex_error(&p->p_lx, &v->pos, "%s name is empty", what);
		return (-1);
	}
	if (strlcpy(dst, v->str, size) >= size) {
		cfglex_error(&p->p_lx, &v->pos, "%s name '%.64s...' is longer "
		    "than %zu characters", what, v->str, size - 1);
		dst[0] = '\0';
		return (-1);
	}
	return (0);
}

static int
str_copy(struct parse *p, const struct tok *v, const char *what,
    char *dst, size_t size)
{
	if (strlcpy(dst, v->str, size) >= size) {
		cfglex_error(&p->p_lx, &v->pos, "%s is longer than %zu "
		    "characters", what, size - 1);
		dst[0] = '\0';
		return (-1);
	}
	return (0);
}

/* Interface and group names as Linux takes them. */
static int
ifname_copy(struct parse *p, const struct tok *v, const char *what,
    char *dst)
{
	size_t	 len;

	len = strlen(v->str);
	if (len == 0 || len >= IFNAMSIZ || strcmp(v->str, ".") == 0 ||
	    strcmp(v->str, "..") == 0 ||
	    strspn(v->str, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789._-") != len) {
		cfglex_error(&p->p_lx, &v->pos, "%s expects an interface or "
		    "group name of at most %d characters, got '%s'", what,
		    IFNAMSIZ - 1, v->str);
		return (-1);
	}
	(void)strlcpy(dst, v->str, IFNAMSIZ);
	return (0);
}

static void
set_interval(struct parse *p, const struct tok *v)
{
	(void)tok_int(p, v, "interval", 1, 86400, &p->p_conf->c_interval);
}

static void
set_timeout(struct parse *p, const struct tok *v)
{
	if (tok_int(p, v, "timeout", 1, 86400000, &p->p_conf->c_timeout) ==
	    0) {
		p->p_timeout_pos = v->pos;
		p->p_timeout_set = 1;
	}
}

static void
set_prefork(struct parse *p, const struct tok *v)
{
	(void)tok_int(p, v, "prefork", 1, RELAYD_PREFORK_MAX,
	    &p->p_conf->c_prefork);
}

static void
set_loglevel(struct parse *p, const struct tok *v)
{
	if (strcmp(v->str, "brief") == 0)
		p->p_conf->c_loglevel = 0;
	else if (strcmp(v->str, "verbose") == 0)
		p->p_conf->c_loglevel = 1;
	else
		cfglex_error(&p->p_lx, &v->pos, "log level expects brief or "
		    "verbose, got '%s'", v->str);
}

static void
set_socket(struct parse *p, const struct tok *v)
{
	if (v->str[0] == '\0') {
		cfglex_error(&p->p_lx, &v->pos, "socket: empty path");
		return;
	}
	(void)str_copy(p, v, "socket path", p->p_conf->c_socket,
	    sizeof(p->p_conf->c_socket));
}

static void
set_agentx(struct parse *p, int path, const struct tok *v)
{
	if (path)
		(void)str_copy(p, v, "agentx path", p->p_conf->c_agentx_path,
		    sizeof(p->p_conf->c_agentx_path));
	else
		(void)str_copy(p, v, "agentx context",
		    p->p_conf->c_agentx_context,
		    sizeof(p->p_conf->c_agentx_context));
}

/*
 * Blocks: the object goes into the configuration at once, so a block
 * broken by a syntax error leaks nothing; its checks at '}' are skipped.
 */
static void
block_end(struct parse *p)
{
	p->p_ctx = CTX_NONE;
	p->p_tp = NULL;
	p->p_rdr = NULL;
	p->p_rl = NULL;
	p->p_pr = NULL;
	p->p_rt = NULL;
	free(p->p_fwds);
	p->p_fwds = NULL;
	p->p_nfwds = 0;
	p->p_bad = 0;
	p->p_toomany = 0;
}

static void
tpl_begin(struct parse *p, const struct tok *name)
{
	struct rd_template	*tp;

	block_end(p);
	p->p_errs0 = cfglex_errors(&p->p_lx);
	if ((tp = calloc(1, sizeof(*tp))) == NULL) {
		cfglex_error(&p->p_lx, &name->pos, "out of memory");
		return;
	}
	TAILQ_INIT(&tp->tp_hosts);
	tp->tp_timeout = p->p_conf->c_timeout;	/* order rule */
	tp->tp_line = name->pos.p_line;
	TAILQ_INSERT_TAIL(p->p_tps, tp, tp_entry);
	p->p_ctx = CTX_TABLE;
	p->p_tp = tp;
	p->p_bpos = name->pos;
	if (name_copy(p, name, "table", tp->tp_name,
	    sizeof(tp->tp_name)) == -1) {
		p->p_bad = 1;
		return;
	}
	if (conf_template(p->p_conf, name->str) != tp) {
		cfglex_error(&p->p_lx, &name->pos, "table %s defined twice",
		    name->str);
		p->p_bad = 1;
	}
}

static void
tpl_end(struct parse *p)
{
	if (p->p_tp != NULL && !p->p_bad && p->p_tp->tp_nhosts == 0 &&
	    cfglex_errors(&p->p_lx) == p->p_errs0)
		cfglex_error(&p->p_lx, &p->p_bpos, "table %s has no hosts",
		    p->p_tp->tp_name);
	block_end(p);
}

static void
host_begin(struct parse *p, const struct tok *name)
{
	memset(&p->p_host, 0, sizeof(p->p_host));
	p->p_host.h_priority = 8;
	p->p_hosttok = *name;
	p->p_hostbad = 0;
	if (name_copy(p, name, "host", p->p_host.h_name,
	    sizeof(p->p_host.h_name)) == -1)
		p->p_hostbad = 1;
}

static void
host_opt(struct parse *p, int opt, const struct tok *kw, const struct tok *v)
{
	struct rd_host	*h = &p->p_host;
	int		 n;

	(void)kw;
	switch (opt) {
	case RETRY:
		if (tok_int(p, v, "retry", 0, 1000, &h->h_retry) == -1)
			p->p_hostbad = 1;
		break;
	case PARENT:
		if (tok_int(p, v, "parent", 1, RELAYD_MAXHOSTS, &n) == -1)
			p->p_hostbad = 1;
		else
			h->h_parentid = (uint32_t)n;
		break;
	case PRIORITY:
		if (tok_int(p, v, "priority", 0, 255, &h->h_priority) == -1)
			p->p_hostbad = 1;
		break;
	case TTL:
		if (tok_int(p, v, "ip ttl", 1, 255, &h->h_ttl) == -1)
			p->p_hostbad = 1;
		break;
	case HOSTNAME:
		if (name_copy(p, v, "host", h->h_name,
		    sizeof(h->h_name)) == -1)
			p->p_hostbad = 1;
		break;
	}
}

/* The host as read: one per address its name has. */
static void
host_end(struct parse *p)
{
	struct sockaddr_storage	 ss[MAXRESOLVE];
	struct rd_template	*tp = p->p_tp;
	struct rd_host		*h;
	int			 i, n;

	if (tp == NULL || p->p_hostbad)
		return;
	if ((n = resolve(p, &p->p_hosttok, ss, MAXRESOLVE)) <= 0)
		return;
	for (i = 0; i < n; i++) {
		if (p->p_ntpl >= MAXTPLHOSTS) {
			if (!p->p_toomany)
				cfglex_error(&p->p_lx, &p->p_hosttok.pos,
				    "more than %d hosts", RELAYD_MAXHOSTS);
			p->p_toomany = 1;
			return;
		}
		if ((h = calloc(1, sizeof(*h))) == NULL) {
			cfglex_error(&p->p_lx, &p->p_hosttok.pos,
			    "out of memory");
			return;
		}
		*h = p->p_host;
		h->h_ss = ss[i];
		TAILQ_INSERT_TAIL(&tp->tp_hosts, h, h_entry);
		tp->tp_nhosts++;
		p->p_ntpl++;
	}
}

static void
rdr_begin(struct parse *p, const struct tok *name)
{
	struct rd_redirect	*r;

	block_end(p);
	p->p_errs0 = cfglex_errors(&p->p_lx);
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		cfglex_error(&p->p_lx, &name->pos, "out of memory");
		return;
	}
	r->r_timeout = RELAYD_SESS_TIMEOUT;
	r->r_line = name->pos.p_line;
	TAILQ_INSERT_TAIL(&p->p_conf->c_redirects, r, r_entry);
	p->p_ctx = CTX_RDR;
	p->p_rdr = r;
	p->p_bpos = name->pos;
	if (name_copy(p, name, "redirect", r->r_name,
	    sizeof(r->r_name)) == -1) {
		p->p_bad = 1;
		return;
	}
	if (conf_redirect_byname(p->p_conf, name->str) != r) {
		cfglex_error(&p->p_lx, &name->pos, "redirect %s defined "
		    "twice", name->str);
		p->p_bad = 1;
	}
}

static void
rdr_lproto(struct parse *p, int which, const struct tok *v)
{
	size_t	 i;
	int	 n;

	p->p_lifname[0] = '\0';
	p->p_lpflog = 0;
	p->p_lproto = which == UDP ? IPPROTO_UDP : IPPROTO_TCP;
	if (which != PROTO)
		return;
	p->p_lproto = -1;
	if (v->isnum) {
		if (tok_int(p, v, "proto", 1, 255, &n) == 0)
			p->p_lproto = n;
		return;
	}
	for (i = 0; i < NPROTOS; i++)
		if (strcmp(v->str, protos[i].pn_name) == 0) {
			p->p_lproto = protos[i].pn_proto;
			return;
		}
	cfglex_error(&p->p_lx, &v->pos, "unknown protocol '%s'", v->str);
}

static void
rdr_listen(struct parse *p, const struct tok *addr, const struct tok *port)
{
	struct sockaddr_storage	 ss[MAXRESOLVE];
	struct rd_redirect	*r = p->p_rdr;
	struct rd_listen	*l;
	uint16_t		 lo, hi;
	int			 i, n;

	if (r == NULL || p->p_lproto == -1)
		return;
	if (port_parse(p, port, "port", 1, &lo, &hi) == -1)
		return;
	if ((n = resolve(p, addr, ss, MAXRESOLVE)) <= 0)
		return;
	for (i = 0; i < n; i++) {
		if (r->r_nlisten == RELAYD_MAXLISTEN) {
			if (!p->p_toomany)
				cfglex_error(&p->p_lx, &addr->pos, "redirect "
				    "%s: more than %d listen on addresses",
				    r->r_name, RELAYD_MAXLISTEN);
			p->p_toomany = 1;
			return;
		}
		l = &r->r_listen[r->r_nlisten++];
		l->l_ss = ss[i];
		l->l_proto = (uint8_t)p->p_lproto;
		l->l_port = lo;
		l->l_port_hi = hi;
		(void)strlcpy(l->l_ifname, p->p_lifname, sizeof(l->l_ifname));
		l->l_pflog = p->p_lpflog;
	}
}

static void
rdr_opt(struct parse *p, int opt, const struct tok *kw, const struct tok *v)
{
	struct rd_redirect	*r = p->p_rdr;

	(void)kw;
	if (r == NULL)
		return;
	switch (opt) {
	case SESSION:
		(void)tok_int(p, v, "session timeout", 1,
		    RELAYD_SESS_TIMEOUT_MAX, &r->r_timeout);
		break;
	case STICKY:
		r->r_sticky = 1;
		break;
	case PFTAG:
	case MATCH:
		if (name_copy(p, v, "pftag", r->r_tag,
		    sizeof(r->r_tag)) == 0)
			r->r_match = (opt == MATCH);
		break;
	case DISABLE:
		r->r_disabled = 1;
		break;
	}
}

/* The forward lines of the redirect become its tables. */
static void
rdr_end(struct parse *p)
{
	struct rd_redirect	*r = p->p_rdr;
	struct rd_table		*t;
	struct fwd		*fw;
	uint16_t		 port;
	int			 i;

	if (r == NULL || p->p_bad) {
		block_end(p);
		return;
	}
	if (r->r_nlisten == 0 && cfglex_errors(&p->p_lx) == p->p_errs0)
		cfglex_error(&p->p_lx, &p->p_bpos, "redirect %s has no "
		    "listen on", r->r_name);
	if (p->p_nfwds == 0 && cfglex_errors(&p->p_lx) == p->p_errs0)
		cfglex_error(&p->p_lx, &p->p_bpos, "redirect %s has no "
		    "forward to", r->r_name);
	for (i = 0; i < p->p_nfwds; i++) {
		fw = &p->p_fwds[i];
		if (fw->fw_bad)
			continue;
		if (i == 2) {
			cfglex_error(&p->p_lx, &fw->fw_pos, "redirect %s: "
			    "more than one backup table", r->r_name);
			break;
		}
		port = (fw->fw_seen & FS_PORT) ? (uint16_t)fw->fw_port :
		    (r->r_nlisten > 0 ? r->r_listen[0].l_port : 0);
		if ((t = table_use(p, fw, port, CTX_RDR)) == NULL)
			continue;
		if (t->t_check.ck_type == CHECK_NOCHECK)
			cfglex_error(&p->p_lx, &fw->fw_pos, "table %s has no "
			    "check", t->t_name);
		if (i == 0) {
			r->r_table = t;
			continue;
		}
		r->r_backup = t;
		if (r->r_table != NULL && r->r_table->t_port != t->t_port)
			cfglex_error(&p->p_lx, &fw->fw_pos, "redirect %s: "
			    "backup table %s must use the same port as %s",
			    r->r_name, t->t_name, r->r_table->t_name);
		if (r->r_table != NULL && r->r_table->t_mode != t->t_mode)
			cfglex_error(&p->p_lx, &fw->fw_pos, "redirect %s: "
			    "backup table %s must use the same mode as %s",
			    r->r_name, t->t_name, r->r_table->t_name);
	}
	block_end(p);
}

static void
fwd_begin(struct parse *p, int head, int tls, const struct tok *kw)
{
	struct fwd	*fw = &p->p_fwd;

	memset(fw, 0, sizeof(*fw));
	fw->fw_head = head;
	fw->fw_tls = tls;
	fw->fw_retry = -1;
	fw->fw_timeout = -1;
	fw->fw_interval = -1;
	fw->fw_mode = MODE_ROUNDROBIN;
	fw->fw_pos = kw->pos;
}

static void
fwd_target(struct parse *p, enum rd_fwd_type type, const struct tok *v)
{
	struct sockaddr_storage	 ss[MAXRESOLVE];
	struct fwd		*fw = &p->p_fwd;

	fw->fw_type = type;
	if (type == FWD_TABLE) {
		if (name_copy(p, v, "table", fw->fw_name,
		    sizeof(fw->fw_name)) == -1)
			fw->fw_bad = 1;
	} else if (type == FWD_ADDR) {
		if (resolve(p, v, ss, MAXRESOLVE) <= 0)
			fw->fw_bad = 1;
		else
			fw->fw_ss = ss[0];
	}
}

static int
fwd_once(struct parse *p, unsigned int bit, const struct tok *kw)
{
	if (p->p_fwd.fw_seen & bit) {
		cfglex_error(&p->p_lx, &kw->pos, "forward to: %s given twice",
		    kw->str);
		p->p_fwd.fw_bad = 1;
		return (-1);
	}
	p->p_fwd.fw_seen |= bit;
	return (0);
}

static void
fwd_opt(struct parse *p, int opt, const struct tok *kw, const struct tok *v)
{
	struct fwd	*fw = &p->p_fwd;
	const char	*errstr;
	uint16_t	 lo, hi;
	int		 bad = 0;

	switch (opt) {
	case PORT:
		if (fwd_once(p, FS_PORT, kw) == -1)
			return;
		if (port_parse(p, v, "port", 0, &lo, &hi) == -1)
			bad = 1;
		fw->fw_port = lo;
		break;
	case RETRY:
		if (fwd_once(p, FS_RETRY, kw) == -1)
			return;
		bad = tok_int(p, v, "retry", 0, 1000, &fw->fw_retry);
		break;
	case TIMEOUT:
		if (fwd_once(p, FS_TIMEOUT, kw) == -1)
			return;
		bad = tok_int(p, v, "timeout", 1, 86400000, &fw->fw_timeout);
		break;
	case INTERVAL:
		if (fwd_once(p, FS_INTERVAL, kw) == -1)
			return;
		bad = tok_int(p, v, "interval", 1, 86400, &fw->fw_interval);
		break;
	case DEMOTE:
		if (fwd_once(p, FS_DEMOTE, kw) == -1)
			return;
		bad = ifname_copy(p, v, "demote", fw->fw_demote);
		break;
	case INTERFACE:
		if (fwd_once(p, FS_IFACE, kw) == -1)
			return;
		{
			char	 ifname[IFNAMSIZ];

			bad = ifname_copy(p, v, "interface", ifname);
		}
		break;
	case INET:
		if (fwd_once(p, FS_AF, kw) == -1)
			return;
		fw->fw_af = AF_INET;
		break;
	case INET6:
		if (fwd_once(p, FS_AF, kw) == -1)
			return;
		fw->fw_af = AF_INET6;
		if (addr_parse(v->str, &fw->fw_prefix, &errstr) == -1 ||
		    fw->fw_prefix.a_af != AF_INET6 ||
		    fw->fw_prefix.a_plen == -1 || fw->fw_prefix.a_plen > 96) {
			cfglex_error(&p->p_lx, &v->pos, "inet6 expects an "
			    "IPv6 prefix of at most 96 bits, got '%s'",
			    v->str);
			bad = 1;
		}
		break;
	}
	if (bad)
		fw->fw_bad = 1;
}

/* SCH-7: "0x" and 32 hex digits, or any string (its MD5). */
static void
fwd_mode(struct parse *p, const struct tok *m, const struct tok *key)
{
	struct fwd	*fw = &p->p_fwd;
	unsigned int	 len = 0;
	size_t		 i, n;

	if (fwd_once(p, FS_MODE, m) == -1)
		return;
	for (i = 0; i < NMODES; i++)
		if (strcmp(m->str, mode_names[i]) == 0)
			break;
	if (i == NMODES) {
		cfglex_error(&p->p_lx, &m->pos, "unknown mode '%s'", m->str);
		fw->fw_bad = 1;
		return;
	}
	fw->fw_mode = (enum rd_mode)i;
	if (key == NULL)
		return;
	if (fw->fw_mode != MODE_SOURCEHASH && fw->fw_mode != MODE_LOADBALANCE &&
	    fw->fw_mode != MODE_HASH) {
		cfglex_error(&p->p_lx, &key->pos, "mode %s takes no key",
		    m->str);
		fw->fw_bad = 1;
		return;
	}
	fw->fw_haskey = 1;
	if (strncmp(key->str, "0x", 2) == 0 && strlen(key->str) == 34) {
		if (hex_decode(key->str + 2, fw->fw_key, sizeof(fw->fw_key),
		    &n) == -1 || n != sizeof(fw->fw_key)) {
			cfglex_error(&p->p_lx, &key->pos, "mode %s: bad "
			    "hexadecimal key '%s'", m->str, key->str);
			fw->fw_bad = 1;
		}
		return;
	}
	if (EVP_Digest(key->str, strlen(key->str), fw->fw_key, &len,
	    EVP_md5(), NULL) != 1 || len != sizeof(fw->fw_key)) {
		cfglex_error(&p->p_lx, &key->pos, "mode %s: cannot hash the "
		    "key", m->str);
		fw->fw_bad = 1;
	}
}

static void
check_set(struct parse *p, const struct tok *kw, enum check_type type,
    int tls)
{
	struct rd_check	*ck = &p->p_fwd.fw_check;
	struct tok	 what;

	what = *kw;
	what.str = "check";
	if (fwd_once(p, FS_CHECK, &what) == -1)
		return;
	memset(ck, 0, sizeof(*ck));
	ck->ck_type = type;
	ck->ck_tls = tls;
}

static void
check_http(struct parse *p, const struct tok *kw, int tls,
    const struct tok *path, const struct tok *host, int digest,
    const struct tok *v)
{
	struct rd_check	*ck = &p->p_fwd.fw_check;
	size_t		 len, i;

	check_set(p, kw, digest ? CHECK_HTTP_DIGEST : CHECK_HTTP_CODE, tls);
	if (p->p_fwd.fw_bad)
		return;
	if (str_copy(p, path, "check path", ck->ck_path,
	    sizeof(ck->ck_path)) == -1 ||
	    (host->str != NULL && str_copy(p, host, "check host",
	    ck->ck_host, sizeof(ck->ck_host)) == -1))
		goto bad;
	if (!digest) {
		if (tok_int(p, v, "code", 100, 999, &ck->ck_code) == -1)
			goto bad;
		return;
	}
	len = strlen(v->str);
	if ((len != 32 && len != 40) ||
	    strspn(v->str, "0123456789abcdefABCDEF") != len) {
		cfglex_error(&p->p_lx, &v->pos, "digest expects 32 (MD5) or "
		    "40 (SHA1) hexadecimal digits, got '%s'", v->str);
		goto bad;
	}
	for (i = 0; i < len; i++)
		ck->ck_digest[i] = (char)tolower((unsigned char)v->str[i]);
	ck->ck_digest[len] = '\0';
	ck->ck_digest_type = len == 40 ? DIGEST_SHA1 : DIGEST_MD5;
	return;
 bad:
	p->p_fwd.fw_bad = 1;
}

static void
check_send(struct parse *p, const struct tok *kw, const struct tok *send,
    const struct tok *expect, int tls)
{
	struct rd_check	*ck = &p->p_fwd.fw_check;
	size_t		 len;

	check_set(p, kw, CHECK_SEND_EXPECT, tls);
	if (p->p_fwd.fw_bad)
		return;
	if (send->str == NULL || send->str[0] == '\0')
		ck->ck_send_nothing = 1;
	else {
		len = strlen(send->str);
		if (len > CHECK_MAXDATA) {
			cfglex_error(&p->p_lx, &send->pos, "send is longer "
			    "than %d bytes", CHECK_MAXDATA);
			goto bad;
		}
		memcpy(ck->ck_send, send->str, len);
		ck->ck_sendlen = len;
	}
	len = strlen(expect->str);
	if (len >= CHECK_MAXDATA) {
		cfglex_error(&p->p_lx, &expect->pos, "expect is longer than "
		    "%d bytes", CHECK_MAXDATA - 1);
		goto bad;
	}
	memcpy(ck->ck_expect, expect->str, len);
	ck->ck_expectlen = len;
	return;
 bad:
	p->p_fwd.fw_bad = 1;
}

static void
check_binary(struct parse *p, const struct tok *kw, const struct tok *send,
    const struct tok *expect, int tls)
{
	struct rd_check	*ck = &p->p_fwd.fw_check;

	check_set(p, kw, CHECK_BINARY, tls);
	if (p->p_fwd.fw_bad)
		return;
	if (hex_decode(send->str, ck->ck_send, sizeof(ck->ck_send),
	    &ck->ck_sendlen) == -1 || ck->ck_sendlen == 0) {
		cfglex_error(&p->p_lx, &send->pos, "binary send expects "
		    "hexadecimal bytes (at most %d), got '%.64s'",
		    CHECK_MAXDATA, send->str);
		p->p_fwd.fw_bad = 1;
		return;
	}
	if (hex_decode(expect->str, ck->ck_expect, sizeof(ck->ck_expect),
	    &ck->ck_expectlen) == -1 || ck->ck_expectlen == 0) {
		cfglex_error(&p->p_lx, &expect->pos, "binary expect expects "
		    "hexadecimal bytes (at most %d), got '%.64s'",
		    CHECK_MAXDATA, expect->str);
		p->p_fwd.fw_bad = 1;
	}
}

static void
check_script(struct parse *p, const struct tok *kw, const struct tok *path)
{
	struct rd_check	*ck = &p->p_fwd.fw_check;

	check_set(p, kw, CHECK_SCRIPT, 0);
	if (p->p_fwd.fw_bad)
		return;
	if (path->str[0] != '/') {
		cfglex_error(&p->p_lx, &path->pos, "check script expects an "
		    "absolute path, got '%s'", path->str);
		p->p_fwd.fw_bad = 1;
		return;
	}
	if (str_copy(p, path, "script path", ck->ck_path,
	    sizeof(ck->ck_path)) == -1)
		p->p_fwd.fw_bad = 1;
}

/* The line is read: what its context allows, then keep it. */
static void
fwd_end(struct parse *p)
{
	struct fwd	*fw = &p->p_fwd, *n;
	const char	*what, *name;

	switch (p->p_ctx) {
	case CTX_RDR:
		what = "redirect";
		name = p->p_rdr != NULL ? p->p_rdr->r_name : "?";
		break;
	case CTX_RELAY:
		what = "relay";
		name = p->p_rl != NULL ? p->p_rl->rl_name : "?";
		break;
	case CTX_ROUTER:
		what = "router";
		name = p->p_rt != NULL ? p->p_rt->rt_name : "?";
		break;
	default:
		return;
	}
	if (fw->fw_head == FH_ROUTE) {
		cfglex_error(&p->p_lx, &fw->fw_pos, "%s %s: route to is not "
		    "supported yet", what, name);
		fw->fw_bad = 1;
	}
	if (p->p_ctx != CTX_RELAY) {
		if (fw->fw_type != FWD_TABLE) {
			cfglex_error(&p->p_lx, &fw->fw_pos, "%s %s: forward "
			    "to expects a <table>", what, name);
			fw->fw_bad = 1;
		}
		if (fw->fw_head == FH_TRANSPARENT || fw->fw_tls ||
		    (fw->fw_seen & (FS_RETRY | FS_AF))) {
			cfglex_error(&p->p_lx, &fw->fw_pos, "%s %s: "
			    "transparent, with tls, retry, inet and inet6 "
			    "are relay options", what, name);
			fw->fw_bad = 1;
		}
	}
	if (p->p_ctx != CTX_RDR && (fw->fw_seen & FS_IFACE)) {
		cfglex_error(&p->p_lx, &fw->fw_pos, "%s %s: interface is a "
		    "redirect option", what, name);
		fw->fw_bad = 1;
	}
	if (fw->fw_type != FWD_TABLE && (fw->fw_seen & (FS_CHECK | FS_MODE |
	    FS_TIMEOUT | FS_INTERVAL | FS_DEMOTE))) {
		cfglex_error(&p->p_lx, &fw->fw_pos, "%s %s: check, mode, "
		    "timeout, interval and demote need a <table>", what, name);
		fw->fw_bad = 1;
	}
	if (fw->fw_type != FWD_ADDR && fw->fw_type != FWD_TABLE &&
	    (fw->fw_seen & FS_PORT)) {
		cfglex_error(&p->p_lx, &fw->fw_pos, "%s %s: port needs an "
		    "address or a <table>", what, name);
		fw->fw_bad = 1;
	}
	if ((fw->fw_mode == MODE_LOADBALANCE || fw->fw_mode == MODE_HASH) &&
	    p->p_ctx != CTX_RELAY) {
		cfglex_error(&p->p_lx, &fw->fw_pos, "%s %s: mode %s is only "
		    "for relays", what, name, mode_names[fw->fw_mode]);
		fw->fw_bad = 1;
	}
	if (fw->fw_mode == MODE_LEASTSTATES && p->p_ctx != CTX_RDR) {
		cfglex_error(&p->p_lx, &fw->fw_pos, "%s %s: mode "
		    "least-states is only for redirects", what, name);
		fw->fw_bad = 1;
	}
	if (p->p_nfwds >= 64) {
		cfglex_error(&p->p_lx, &fw->fw_pos, "%s %s: too many forward "
		    "lines", what, name);
		return;
	}
	if ((n = reallocarray(p->p_fwds, p->p_nfwds + 1,
	    sizeof(*n))) == NULL) {
		cfglex_error(&p->p_lx, &fw->fw_pos, "out of memory");
		return;
	}
	p->p_fwds = n;
	p->p_fwds[p->p_nfwds++] = *fw;
}

/*
 * The table a forward line uses: its template's hosts (fresh copies,
 * ids given at the end) with the line's check, mode and timing, named
 * "name:port".  A second use of the same name:port with the same
 * options shares the table; with other options it is an error.
 */
static struct rd_table *
table_use(struct parse *p, const struct fwd *fw, uint16_t port, enum ctx ctx)
{
	struct rd_template	*tp;
	struct rd_table		*t, *o;
	struct rd_host		*th, *h;
	int			 nhosts = 0;

	if ((tp = conf_template(p->p_conf, fw->fw_name)) == NULL) {
		cfglex_error(&p->p_lx, &fw->fw_pos, "table %s is not defined",
		    fw->fw_name);
		return (NULL);
	}
	if ((t = calloc(1, sizeof(*t))) == NULL) {
		cfglex_error(&p->p_lx, &fw->fw_pos, "out of memory");
		return (NULL);
	}
	TAILQ_INIT(&t->t_hosts);
	(void)strlcpy(t->t_template, tp->tp_name, sizeof(t->t_template));
	if (port != 0)
		(void)snprintf(t->t_name, sizeof(t->t_name), "%s:%u",
		    tp->tp_name, port);
	else
		(void)strlcpy(t->t_name, tp->tp_name, sizeof(t->t_name));
	t->t_port = port;
	t->t_disabled = tp->tp_disabled;
	t->t_check = fw->fw_check;
	t->t_interval = fw->fw_interval;	/* -1: the global, at the end */
	t->t_timeout = fw->fw_timeout != -1 ? fw->fw_timeout :
	    tp->tp_timeout;
	(void)strlcpy(t->t_demote, fw->fw_demote, sizeof(t->t_demote));
	if (ctx == CTX_RDR) {
		t->t_mode = fw->fw_mode;
		t->t_haskey = fw->fw_haskey;
		if (fw->fw_haskey)
			memcpy(t->t_key, fw->fw_key, sizeof(t->t_key));
	}
	if (!t->t_haskey)
		arc4random_buf(t->t_key, sizeof(t->t_key));
	t->t_line = fw->fw_pos.p_line;

	if ((o = conf_table_byname(p->p_conf, t->t_name)) != NULL) {
		if (!conf_check_equal(&o->t_check, &t->t_check))
			cfglex_error(&p->p_lx, &fw->fw_pos, "table %s is "
			    "already used with a different check", t->t_name);
		else if (!table_same(o, t))
			cfglex_error(&p->p_lx, &fw->fw_pos, "table %s is "
			    "already used with different options", t->t_name);
		else if (ctx == CTX_RDR && rdr_uses(p->p_conf, o) &&
		    (o->t_mode != t->t_mode || o->t_haskey != t->t_haskey ||
		    (o->t_haskey && memcmp(o->t_key, t->t_key,
		    sizeof(t->t_key)) != 0)))
			cfglex_error(&p->p_lx, &fw->fw_pos, "table %s is "
			    "already used with a different mode", t->t_name);
		else if (ctx == CTX_RDR && !rdr_uses(p->p_conf, o)) {
			o->t_mode = t->t_mode;
			o->t_haskey = t->t_haskey;
			memcpy(o->t_key, t->t_key, sizeof(o->t_key));
		}
		table_free(t);
		return (o);
	}
	TAILQ_FOREACH(th, &tp->tp_hosts, h_entry) {
		if (p->p_conf->c_nhosts >= RELAYD_MAXHOSTS) {
			cfglex_error(&p->p_lx, &fw->fw_pos, "more than %d "
			    "hosts", RELAYD_MAXHOSTS);
			table_free(t);
			return (NULL);
		}
		if ((h = calloc(1, sizeof(*h))) == NULL) {
			cfglex_error(&p->p_lx, &fw->fw_pos, "out of memory");
			table_free(t);
			return (NULL);
		}
		*h = *th;
		h->h_table = t;
		h->h_retry_left = h->h_retry;
		TAILQ_INSERT_TAIL(&t->t_hosts, h, h_entry);
		p->p_conf->c_nhosts++;
		nhosts++;
	}
	if (ctx == CTX_RELAY && nhosts > RELAYD_RELAY_MAXHOSTS)
		cfglex_error(&p->p_lx, &fw->fw_pos, "table %s: a relay "
		    "table has at most %d hosts, got %d", t->t_name,
		    RELAYD_RELAY_MAXHOSTS, nhosts);
	TAILQ_INSERT_TAIL(&p->p_conf->c_tables, t, t_entry);
	return (t);
}

static int
table_same(const struct rd_table *a, const struct rd_table *b)
{
	return (a->t_interval == b->t_interval &&
	    a->t_timeout == b->t_timeout &&
	    strcmp(a->t_demote, b->t_demote) == 0);
}

/* Whether a redirect already uses t (and so has set its mode). */
static int
rdr_uses(const struct relayd_conf *c, const struct rd_table *t)
{
	const struct rd_redirect	*r;

	TAILQ_FOREACH(r, &c->c_redirects, r_entry)
		if (r->r_table == t || r->r_backup == t)
			return (1);
	return (0);
}

static void
relay_begin(struct parse *p, const struct tok *name)
{
	struct rd_relay	*rl;

	block_end(p);
	p->p_errs0 = cfglex_errors(&p->p_lx);
	if ((rl = calloc(1, sizeof(*rl))) == NULL) {
		cfglex_error(&p->p_lx, &name->pos, "out of memory");
		return;
	}
	TAILQ_INIT(&rl->rl_fwds);
	rl->rl_timeout = RELAYD_SESS_TIMEOUT;
	rl->rl_line = name->pos.p_line;
	TAILQ_INSERT_TAIL(&p->p_conf->c_relays, rl, rl_entry);
	p->p_ctx = CTX_RELAY;
	p->p_rl = rl;
	p->p_bpos = name->pos;
	if (name_copy(p, name, "relay", rl->rl_name,
	    sizeof(rl->rl_name)) == -1) {
		p->p_bad = 1;
		return;
	}
	if (conf_relay_byname(p->p_conf, name->str) != rl) {
		cfglex_error(&p->p_lx, &name->pos, "relay %s defined twice",
		    name->str);
		p->p_bad = 1;
	}
}

static void
relay_listen(struct parse *p, const struct tok *addr, const struct tok *port,
    int tls)
{
	struct sockaddr_storage	 ss[MAXRESOLVE];
	struct rd_relay		*rl = p->p_rl;
	struct rd_relay_listen	*l;
	uint16_t		 lo = 0, hi;
	int			 i, n;

	if (rl == NULL)
		return;
	if (port->str != NULL &&
	    port_parse(p, port, "port", 0, &lo, &hi) == -1)
		return;
	if ((n = resolve(p, addr, ss, MAXRESOLVE)) <= 0)
		return;
	for (i = 0; i < n; i++) {
		if (rl->rl_nlisten == RELAYD_MAXLISTEN) {
			if (!p->p_toomany)
				cfglex_error(&p->p_lx, &addr->pos, "relay %s: "
				    "more than %d listen on addresses",
				    rl->rl_name, RELAYD_MAXLISTEN);
			p->p_toomany = 1;
			return;
		}
		l = &rl->rl_listen[rl->rl_nlisten++];
		l->rl_ss = ss[i];
		l->rl_port = lo;
		l->rl_tls = tls;
	}
}

static void
relay_opt(struct parse *p, int opt, const struct tok *kw, const struct tok *v)
{
	struct rd_relay	*rl = p->p_rl;

	(void)kw;
	if (rl == NULL)
		return;
	switch (opt) {
	case SESSION:
		(void)tok_int(p, v, "session timeout", 1,
		    RELAYD_SESS_TIMEOUT_MAX, &rl->rl_timeout);
		break;
	case PROTOCOL:
		(void)name_copy(p, v, "protocol", rl->rl_proto_name,
		    sizeof(rl->rl_proto_name));
		break;
	case DISABLE:
		rl->rl_disabled = 1;
		break;
	case PROXYPROTO:
		if (strcmp(v->str, "v1") == 0)
			rl->rl_proxyproto = 1;
		else if (strcmp(v->str, "v2") == 0)
			rl->rl_proxyproto = 2;
		else
			cfglex_error(&p->p_lx, &v->pos, "proxy-protocol "
			    "expects v1 or v2, got '%s'", v->str);
		break;
	}
}

static void
relay_end(struct parse *p)
{
	struct rd_relay		*rl = p->p_rl;
	struct rd_relay_fwd	*f;
	struct fwd		*fw;
	uint16_t		 port;
	int			 i;

	if (rl == NULL || p->p_bad) {
		block_end(p);
		return;
	}
	if (rl->rl_nlisten == 0 && cfglex_errors(&p->p_lx) == p->p_errs0)
		cfglex_error(&p->p_lx, &p->p_bpos, "relay %s has no listen "
		    "on", rl->rl_name);
	if (p->p_nfwds == 0 && cfglex_errors(&p->p_lx) == p->p_errs0)
		cfglex_error(&p->p_lx, &p->p_bpos, "relay %s has no forward "
		    "to", rl->rl_name);
	for (i = 0; i < p->p_nfwds; i++) {
		fw = &p->p_fwds[i];
		if (fw->fw_bad)
			continue;
		if ((f = calloc(1, sizeof(*f))) == NULL) {
			cfglex_error(&p->p_lx, &fw->fw_pos, "out of memory");
			break;
		}
		f->f_type = fw->fw_type;
		f->f_tls = fw->fw_tls;
		f->f_transparent = fw->fw_head == FH_TRANSPARENT;
		f->f_ss = fw->fw_ss;
		f->f_retry = fw->fw_retry;
		f->f_af = fw->fw_af;
		f->f_prefix = fw->fw_prefix;
		f->f_mode = fw->fw_mode;
		f->f_haskey = fw->fw_haskey;
		if (fw->fw_haskey)
			memcpy(f->f_key, fw->fw_key, sizeof(f->f_key));
		else
			arc4random_buf(f->f_key, sizeof(f->f_key));
		f->f_line = fw->fw_pos.p_line;
		TAILQ_INSERT_TAIL(&rl->rl_fwds, f, f_entry);
		if (fw->fw_type == FWD_ADDR) {
			f->f_port = (uint16_t)fw->fw_port;
			continue;
		}
		if (fw->fw_type != FWD_TABLE)
			continue;
		port = (fw->fw_seen & FS_PORT) ? (uint16_t)fw->fw_port :
		    (rl->rl_nlisten > 0 ? rl->rl_listen[0].rl_port : 0);
		if (port == 0) {
			cfglex_error(&p->p_lx, &fw->fw_pos, "relay %s: "
			    "forward to <%s> needs a port", rl->rl_name,
			    fw->fw_name);
			continue;
		}
		f->f_table = table_use(p, fw, port, CTX_RELAY);
	}
	block_end(p);
}

static void
proto_begin(struct parse *p, int type, const struct tok *name)
{
	struct rd_protocol	*pr;

	block_end(p);
	if ((pr = calloc(1, sizeof(*pr))) == NULL) {
		cfglex_error(&p->p_lx, &name->pos, "out of memory");
		return;
	}
	pr->p_type = (enum rd_proto_type)type;
	pr->p_line = name->pos.p_line;
	pr->p_nodelay = pr->p_sack = pr->p_splice = -1;
	pr->p_bufsize = pr->p_backlog = pr->p_ttl = pr->p_minttl = -1;
	pr->p_cipher_pref = 1;
	pr->p_tlsv = TLSV_DEFAULT;
	TAILQ_INIT(&pr->p_keypairs);
	TAILQ_INIT(&pr->p_rules);
	TAILQ_INSERT_TAIL(&p->p_conf->c_protocols, pr, p_entry);
	p->p_ctx = CTX_PROTO;
	p->p_pr = pr;
	p->p_bpos = name->pos;
	if (name_copy(p, name, "protocol", pr->p_name,
	    sizeof(pr->p_name)) == -1) {
		p->p_bad = 1;
		return;
	}
	if (conf_protocol_byname(p->p_conf, name->str) != pr) {
		cfglex_error(&p->p_lx, &name->pos, "protocol %s defined "
		    "twice", name->str);
		p->p_bad = 1;
	}
}

static void
proto_opt(struct parse *p, int opt, const struct tok *kw, const struct tok *v)
{
	struct rd_protocol	*pr = p->p_pr;

	if (pr == NULL)
		return;
	switch (opt) {
	case TICKETS:
		pr->p_tickets = 1;
		break;
	case CIPHERS:
		(void)str_copy(p, v, "ciphers", pr->p_ciphers,
		    sizeof(pr->p_ciphers));
		break;
	case ECDHE:
		(void)str_copy(p, v, "ecdhe", pr->p_ecdhe,
		    sizeof(pr->p_ecdhe));
		break;
	case EDH:
		pr->p_edh = 1;
		if (v == NULL)
			break;
		if (strcmp(v->str, "none") != 0 &&
		    strcmp(v->str, "auto") != 0 &&
		    strcmp(v->str, "legacy") != 0) {
			cfglex_error(&p->p_lx, &v->pos, "edh params expects "
			    "none, auto or legacy, got '%s'", v->str);
			break;
		}
		(void)strlcpy(pr->p_edh_params, v->str,
		    sizeof(pr->p_edh_params));
		break;
	case FILENAME:
		(void)str_copy(p, v, "ca file", pr->p_ca_file,
		    sizeof(pr->p_ca_file));
		break;
	case CERT:
		(void)str_copy(p, v, "ca cert", pr->p_ca_cert,
		    sizeof(pr->p_ca_cert));
		break;
	case KEY:
		/* kw is the key path here, v the password */
		(void)str_copy(p, kw, "ca key", pr->p_ca_key,
		    sizeof(pr->p_ca_key));
		(void)str_copy(p, v, "ca key password", pr->p_ca_pass,
		    sizeof(pr->p_ca_pass));
		break;
	case CLIENT:
		(void)str_copy(p, v, "client ca", pr->p_client_ca,
		    sizeof(pr->p_client_ca));
		break;
	case NODELAY:
		pr->p_nodelay = 1;
		break;
	case SACK:
		pr->p_sack = 1;
		break;
	case SPLICE:
		pr->p_splice = 1;
		break;
	case BACKLOG:
		(void)tok_int(p, v, "backlog", 1, RELAYD_BACKLOG_MAX,
		    &pr->p_backlog);
		break;
	case BUFFER:
		(void)tok_int(p, v, "socket buffer", 1, 16 * 1024 * 1024,
		    &pr->p_bufsize);
		break;
	case TTL:
		(void)tok_int(p, v, "ip ttl", 1, 255, &pr->p_ttl);
		break;
	case MINTTL:
		(void)tok_int(p, v, "ip minttl", 1, 255, &pr->p_minttl);
		break;
	case HEADERLEN:
		(void)tok_int(p, v, "headerlen", 1, RELAYD_HEADERLEN_MAX,
		    &pr->p_headerlen);
		break;
	case MAXHEADERS:	/* hakit: header lines, else 431 */
		(void)tok_int(p, v, "maxheaders", 1, RELAYD_MAXHEADERS_MAX,
		    &pr->p_maxheaders);
		break;
	case WEBSOCKETS:
		pr->p_websockets = 1;
		break;
	case RETURN:
		pr->p_return_error = 1;
		if (v != NULL)
			(void)str_copy(p, v, "style", pr->p_style,
			    sizeof(pr->p_style));
		break;
	}
}

/*
 * "no X" (on = 0) and the TLS flags given as words: tlsv1 (= 1.2 and
 * 1.3), tlsv1.2, tlsv1.3, the old versions (accepted, no effect),
 * client-renegotiation, cipher-server-preference.
 */
static void
proto_flag(struct parse *p, int on, const struct tok *v)
{
	struct rd_protocol	*pr = p->p_pr;
	const char		*s = v->str;
	int			 bits = 0;

	if (pr == NULL)
		return;
	if (strcmp(s, "tickets") == 0)
		pr->p_tickets = on;
	else if (strcmp(s, "edh") == 0)
		pr->p_edh = on;
	else if (strcmp(s, "nodelay") == 0)
		pr->p_nodelay = on;
	else if (strcmp(s, "sack") == 0)
		pr->p_sack = on;
	else if (strcmp(s, "splice") == 0)
		pr->p_splice = on;
	else if (strcmp(s, "websockets") == 0)
		pr->p_websockets = on;
	else if (strcmp(s, "client-renegotiation") == 0)
		pr->p_client_reneg = on;
	else if (strcmp(s, "cipher-server-preference") == 0)
		pr->p_cipher_pref = on;
	else if (strcmp(s, "tlsv1") == 0)
		bits = TLSV_1_2 | TLSV_1_3;
	else if (strcmp(s, "tlsv1.2") == 0)
		bits = TLSV_1_2;
	else if (strcmp(s, "tlsv1.3") == 0)
		bits = TLSV_1_3;
	else if (strcmp(s, "sslv3") == 0 || strcmp(s, "tlsv1.0") == 0 ||
	    strcmp(s, "tlsv1.1") == 0)
		return;
	else {
		cfglex_error(&p->p_lx, &v->pos, "protocol %s: unknown tls "
		    "option '%s'", pr->p_name, s);
		return;
	}
	if (on)
		pr->p_tlsv |= bits;
	else
		pr->p_tlsv &= ~bits;
}

static void
proto_keypair(struct parse *p, const struct tok *name)
{
	struct rd_protocol	*pr = p->p_pr;
	struct rd_keypair	*kp;

	if (pr == NULL)
		return;
	if ((kp = calloc(1, sizeof(*kp))) == NULL) {
		cfglex_error(&p->p_lx, &name->pos, "out of memory");
		return;
	}
	TAILQ_INSERT_TAIL(&pr->p_keypairs, kp, kp_entry);
	(void)name_copy(p, name, "keypair", kp->kp_name, sizeof(kp->kp_name));
}

static void
proto_kpopt(struct parse *p, int opt, const struct tok *v)
{
	struct rd_keypair	*kp;

	if (p->p_pr == NULL ||
	    (kp = TAILQ_LAST(&p->p_pr->p_keypairs, rd_keypairs)) == NULL)
		return;
	if (opt == CERT)
		(void)str_copy(p, v, "keypair cert", kp->kp_cert,
		    sizeof(kp->kp_cert));
	else if (opt == KEY)
		(void)str_copy(p, v, "keypair key", kp->kp_key,
		    sizeof(kp->kp_key));
	else
		(void)str_copy(p, v, "keypair ocsp", kp->kp_ocsp,
		    sizeof(kp->kp_ocsp));
}

static void
rule_begin(struct parse *p, enum rule_action a, const struct tok *kw)
{
	memset(&p->p_rule, 0, sizeof(p->p_rule));
	p->p_rule.ru_action = a;
	p->p_rule.ru_strip = -1;
	p->p_rule.ru_line = kw->pos.p_line;
	p->p_rulebad = 0;
}

static void
rule_opt(struct parse *p, int opt, const struct tok *kw, const struct tok *v)
{
	struct rd_rule	*ru = &p->p_rule;
	const char	*errstr;
	struct addr	*a;
	size_t		 i;
	int		 bad = 0;

	switch (opt) {
	case FROM:
	case TO:
		a = opt == FROM ? &ru->ru_from : &ru->ru_to;
		if (addr_parse(v->str, a, &errstr) == -1) {
			cfglex_error(&p->p_lx, &v->pos, "%s %s: %s", kw->str,
			    v->str, errstr);
			bad = 1;
		} else if (opt == FROM)
			ru->ru_hasfrom = 1;
		else
			ru->ru_hasto = 1;
		break;
	case METHOD:
		for (i = 0; i < NMETHODS; i++)
			if (strcasecmp(v->str, methods[i]) == 0)
				break;
		if (i == NMETHODS) {
			cfglex_error(&p->p_lx, &v->pos, "unknown method '%s'",
			    v->str);
			bad = 1;
		} else
			(void)strlcpy(ru->ru_method, methods[i],
			    sizeof(ru->ru_method));
		break;
	case STRIP:
		bad = tok_int(p, v, "path strip", 0, 1000, &ru->ru_strip);
		break;
	case FORWARD:
		bad = name_copy(p, v, "table", ru->ru_table,
		    sizeof(ru->ru_table));
		break;
	case TAG:
		bad = name_copy(p, v, "tag", ru->ru_tag, sizeof(ru->ru_tag));
		break;
	case TAGGED:
		bad = name_copy(p, v, "tagged", ru->ru_tagged,
		    sizeof(ru->ru_tagged));
		break;
	case LABEL:
		bad = str_copy(p, v, "label", ru->ru_label,
		    sizeof(ru->ru_label));
		break;
	case NO:
		if (v->str != NULL && strcmp(v->str, "tag") == 0)
			ru->ru_notag = 1;
		else
			ru->ru_nolabel = 1;
		break;
	}
	if (bad)
		p->p_rulebad = 1;
}

static void
rule_kv(struct parse *p, const struct tok *kw, int type, int action,
    int keykind, const struct tok *key, const struct tok *value)
{
	struct rd_rule_kv	*kv = &p->p_rule.ru_kv[type];
	size_t			 len;

	if (kv->kv_set) {
		cfglex_error(&p->p_lx, &kw->pos, "%s given twice in a rule",
		    kv_names[type]);
		goto bad;
	}
	kv->kv_set = 1;
	kv->kv_action = (enum rule_kvaction)action;
	kv->kv_keykind = (enum rule_keykind)keykind;
	if (key->str != NULL && str_copy(p, key, "key", kv->kv_key,
	    sizeof(kv->kv_key)) == -1)
		goto bad;
	if (value->str != NULL) {
		kv->kv_hasvalue = 1;
		if (str_copy(p, value, "value", kv->kv_value,
		    sizeof(kv->kv_value)) == -1)
			goto bad;
	}
	if (keykind == KEY_DIGEST) {
		len = strlen(kv->kv_key);
		if ((len != 32 && len != 40) ||
		    strspn(kv->kv_key, "0123456789abcdefABCDEF") != len) {
			cfglex_error(&p->p_lx, &key->pos, "digest expects 32 "
			    "(MD5) or 40 (SHA1) hexadecimal digits, got '%s'",
			    kv->kv_key);
			goto bad;
		}
	}
	if ((action == KVA_APPEND || action == KVA_SET) &&
	    (keykind != KEY_NAME || !kv->kv_hasvalue)) {
		cfglex_error(&p->p_lx, &kw->pos, "%s %s needs a key and a "
		    "value", kv_names[type], action == KVA_SET ? "set" :
		    "append");
		goto bad;
	}
	if ((action == KVA_REMOVE || action == KVA_APPEND ||
	    action == KVA_SET) && type == KV_URL) {
		cfglex_error(&p->p_lx, &kw->pos, "url cannot be changed");
		goto bad;
	}
	return;
 bad:
	p->p_rulebad = 1;
}

static void
rule_end(struct parse *p)
{
	struct rd_protocol	*pr = p->p_pr;
	struct rd_rule		*ru = &p->p_rule, *n;

	if (pr == NULL || p->p_rulebad)
		return;
	if (ru->ru_af != 0 && ((ru->ru_hasfrom && ru->ru_from.a_af !=
	    ru->ru_af) || (ru->ru_hasto && ru->ru_to.a_af != ru->ru_af))) {
		cfglex_error(&p->p_lx, NULL, "protocol %s: rule addresses do "
		    "not match its address family", pr->p_name);
		return;
	}
	if (pr->p_type != PROTO_HTTP) {
		cfglex_error(&p->p_lx, NULL, "protocol %s: filter rules "
		    "need an http protocol", pr->p_name);
		return;
	}
	if (pr->p_nrules >= 4096) {
		cfglex_error(&p->p_lx, NULL, "protocol %s: too many rules",
		    pr->p_name);
		return;
	}
	if ((n = malloc(sizeof(*n))) == NULL) {
		cfglex_error(&p->p_lx, NULL, "out of memory");
		return;
	}
	*n = *ru;
	TAILQ_INSERT_TAIL(&pr->p_rules, n, ru_entry);
	pr->p_nrules++;
}

static void
router_begin(struct parse *p, const struct tok *name)
{
	struct rd_router	*rt, *o;

	block_end(p);
	p->p_errs0 = cfglex_errors(&p->p_lx);
	if ((rt = calloc(1, sizeof(*rt))) == NULL) {
		cfglex_error(&p->p_lx, &name->pos, "out of memory");
		return;
	}
	rt->rt_rtable = -1;
	rt->rt_line = name->pos.p_line;
	TAILQ_INSERT_TAIL(&p->p_conf->c_routers, rt, rt_entry);
	p->p_ctx = CTX_ROUTER;
	p->p_rt = rt;
	p->p_bpos = name->pos;
	if (name_copy(p, name, "router", rt->rt_name,
	    sizeof(rt->rt_name)) == -1) {
		p->p_bad = 1;
		return;
	}
	TAILQ_FOREACH(o, &p->p_conf->c_routers, rt_entry)
		if (o != rt && strcmp(o->rt_name, rt->rt_name) == 0) {
			cfglex_error(&p->p_lx, &name->pos, "router %s defined "
			    "twice", name->str);
			p->p_bad = 1;
			break;
		}
}

static void
router_opt(struct parse *p, int opt, const struct tok *kw,
    const struct tok *v)
{
	struct rd_router	*rt = p->p_rt;
	struct addr		 a;
	const char		*errstr;
	size_t			 i, len;

	(void)kw;
	if (rt == NULL)
		return;
	switch (opt) {
	case ROUTE:
		if (addr_parse(v->str, &a, &errstr) == -1 || a.a_plen == -1) {
			cfglex_error(&p->p_lx, &v->pos, "route expects "
			    "ADDRESS/LENGTH, got '%s'", v->str);
			return;
		}
		/* the network: host bits cleared */
		len = addr_len(&a);
		for (i = 0; i < len; i++) {
			if ((int)i * 8 >= a.a_plen)
				a.a_u.raw[i] = 0;
			else if ((int)i * 8 + 8 > a.a_plen)
				a.a_u.raw[i] &= (uint8_t)(0xff00 >>
				    (a.a_plen - (int)i * 8));
		}
		if (rt->rt_nroutes > 0 && rt->rt_routes[0].rt_addr.a_af !=
		    a.a_af) {
			cfglex_error(&p->p_lx, &v->pos, "router %s: one "
			    "address family per router", rt->rt_name);
			return;
		}
		if (rt->rt_nroutes == RELAYD_MAXROUTES) {
			cfglex_error(&p->p_lx, &v->pos, "router %s: more than "
			    "%d routes", rt->rt_name, RELAYD_MAXROUTES);
			return;
		}
		rt->rt_routes[rt->rt_nroutes++].rt_addr = a;
		break;
	case RTABLE:
		(void)tok_int(p, v, "rtable", 0, 0x7fffffff, &rt->rt_rtable);
		break;
	case RTLABEL:
		(void)name_copy(p, v, "rtlabel", rt->rt_label,
		    sizeof(rt->rt_label));
		break;
	case DISABLE:
		rt->rt_disabled = 1;
		break;
	}
}

static void
router_end(struct parse *p)
{
	struct rd_router	*rt = p->p_rt;
	struct rd_host		*h;
	struct fwd		*fw;
	int			 i;

	if (rt == NULL || p->p_bad) {
		block_end(p);
		return;
	}
	if (rt->rt_nroutes == 0 && cfglex_errors(&p->p_lx) == p->p_errs0)
		cfglex_error(&p->p_lx, &p->p_bpos, "router %s has no route",
		    rt->rt_name);
	if (p->p_nfwds != 1 && cfglex_errors(&p->p_lx) == p->p_errs0)
		cfglex_error(&p->p_lx, &p->p_bpos, "router %s needs one "
		    "forward to", rt->rt_name);
	for (i = 0; i < p->p_nfwds && i < 1; i++) {
		fw = &p->p_fwds[i];
		if (fw->fw_bad)
			continue;
		rt->rt_table = table_use(p, fw, (fw->fw_seen & FS_PORT) ?
		    (uint16_t)fw->fw_port : 0, CTX_ROUTER);
		if (rt->rt_table == NULL || rt->rt_nroutes == 0)
			continue;
		TAILQ_FOREACH(h, &rt->rt_table->t_hosts, h_entry)
			if (h->h_ss.ss_family !=
			    rt->rt_routes[0].rt_addr.a_af) {
				cfglex_error(&p->p_lx, &fw->fw_pos, "router "
				    "%s: gateway %s is not of the routes' "
				    "address family", rt->rt_name, h->h_name);
				break;
			}
	}
	block_end(p);
}

/*
 * Addresses of a host word: numeric IPv4/IPv6; with po_resolve also an
 * interface (its first IPv4 address, then the others) or a DNS name
 * (every A and AAAA).  Returns how many, or -1 after the error.
 */
static int
resolve(struct parse *p, const struct tok *v, struct sockaddr_storage *ss,
    int max)
{
	struct addr	 a;
	const char	*errstr;
	int		 n;

	if (addr_parse(v->str, &a, &errstr) == 0) {
		if (a.a_plen != -1) {
			cfglex_error(&p->p_lx, &v->pos, "'%s': an address "
			    "here takes no prefix length", v->str);
			return (-1);
		}
		return (ss_from_addr(&a, ss));
	}
	if (p->p_opts == NULL || !p->p_opts->po_resolve) {
		cfglex_error(&p->p_lx, &v->pos, "'%s' is not an IPv4 or IPv6 "
		    "address", v->str);
		return (-1);
	}
	if ((n = resolve_if(v->str, ss, max)) > 0)
		return (n);
	if ((n = resolve_dns(v->str, ss, max)) > 0)
		return (n);
	cfglex_error(&p->p_lx, &v->pos, "cannot resolve '%s'", v->str);
	return (-1);
}

static int
ss_from_addr(const struct addr *a, struct sockaddr_storage *ss)
{
	struct sockaddr_in	*s4;
	struct sockaddr_in6	*s6;

	memset(ss, 0, sizeof(*ss));
	if (a->a_af == AF_INET) {
		s4 = (struct sockaddr_in *)ss;
		s4->sin_family = AF_INET;
		s4->sin_addr = a->a_v4;
	} else {
		s6 = (struct sockaddr_in6 *)ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_addr = a->a_v6;
	}
	return (1);
}

/*
 * CFG-4, Linux: an interface group is a link group (ip link set IF group
 * G), named in iproute2's group file; "egress" works once the operator
 * names a group so and puts the outside interfaces in it.  The id of
 * group name, or -1.
 */
static long
link_group_id(const char *name)
{
	static const char *const files[] = {
		"/etc/iproute2/group", "/usr/share/iproute2/group"
	};
	char		 line[256], n[64];
	FILE		*f;
	long		 v, id = -1;
	size_t		 i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]) && id == -1; i++) {
		if ((f = fopen(files[i], "re")) == NULL)
			continue;
		while (id == -1 && fgets(line, sizeof(line), f) != NULL)
			if (line[0] != '#' &&
			    sscanf(line, "%li %63s", &v, n) == 2 &&
			    strcmp(n, name) == 0 && v >= 0)
				id = v;
		(void)fclose(f);
	}
	return (id);
}

static int
link_in_group(const char *ifname, long id)
{
	char	 path[64 + IFNAMSIZ];
	FILE	*f;
	long	 v;
	int	 in = 0;

	(void)snprintf(path, sizeof(path), "/sys/class/net/%s/netdev_group",
	    ifname);
	if ((f = fopen(path, "re")) == NULL)
		return (0);
	in = fscanf(f, "%li", &v) == 1 && v == id;
	(void)fclose(f);
	return (in);
}

/*
 * CFG-4: an interface's first IPv4 address, then its others; or those of
 * every interface of a group.
 */
static int
resolve_if(const char *name, struct sockaddr_storage *ss, int max)
{
	struct ifaddrs		*ifa, *i;
	struct sockaddr_in6	*s6;
	long			 group = -1;
	int			 n = 0, pass, found = 0;

	if (strlen(name) >= IFNAMSIZ || getifaddrs(&ifa) == -1)
		return (0);
	for (i = ifa; i != NULL && !found; i = i->ifa_next)
		found = strcmp(i->ifa_name, name) == 0;
	if (!found && (group = link_group_id(name)) == -1) {
		freeifaddrs(ifa);
		return (0);
	}
	for (pass = 0; pass < 2; pass++)
		for (i = ifa; i != NULL && n < max; i = i->ifa_next) {
			if (i->ifa_addr == NULL || (group == -1 ?
			    strcmp(i->ifa_name, name) != 0 :
			    !link_in_group(i->ifa_name, group)))
				continue;
			if (pass == 0 && i->ifa_addr->sa_family == AF_INET) {
				memset(&ss[n], 0, sizeof(ss[n]));
				memcpy(&ss[n++], i->ifa_addr,
				    sizeof(struct sockaddr_in));
			} else if (pass == 1 &&
			    i->ifa_addr->sa_family == AF_INET6) {
				s6 = (struct sockaddr_in6 *)&ss[n];
				memset(&ss[n], 0, sizeof(ss[n]));
				memcpy(s6, i->ifa_addr, sizeof(*s6));
				if (IN6_IS_ADDR_LINKLOCAL(&s6->sin6_addr))
					continue;	/* needs a scope */
				s6->sin6_scope_id = 0;
				n++;
			}
		}
	freeifaddrs(ifa);
	return (n);
}

/* Every A and AAAA, without duplicates, port 0. */
static int
resolve_dns(const char *name, struct sockaddr_storage *ss, int max)
{
	struct addrinfo		 hints, *res, *ai;
	int			 n = 0, i, dup;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(name, NULL, &hints, &res) != 0)
		return (0);
	for (ai = res; ai != NULL && n < max; ai = ai->ai_next) {
		if ((ai->ai_family != AF_INET && ai->ai_family != AF_INET6) ||
		    ai->ai_addrlen > sizeof(ss[n]))
			continue;
		memset(&ss[n], 0, sizeof(ss[n]));
		memcpy(&ss[n], ai->ai_addr, ai->ai_addrlen);
		if (ai->ai_family == AF_INET)
			((struct sockaddr_in *)&ss[n])->sin_port = 0;
		else
			((struct sockaddr_in6 *)&ss[n])->sin6_port = 0;
		for (dup = 0, i = 0; i < n && !dup; i++)
			dup = memcmp(&ss[i], &ss[n], sizeof(ss[n])) == 0;
		if (!dup)
			n++;
	}
	freeaddrinfo(res);
	return (n);
}

/* CFG-5: a number or a services(5) name; "lo:hi" where allowed. */
static int
port_parse(struct parse *p, const struct tok *v, const char *what,
    int range, uint16_t *lo, uint16_t *hi)
{
	struct servent	*se;
	const char	*colon, *s = v->str;
	char		*end;
	long		 a, b;

	*lo = *hi = 0;
	if ((colon = strchr(s, ':')) != NULL) {
		if (!range) {
			cfglex_error(&p->p_lx, &v->pos, "%s: a port range "
			    "is only allowed in a redirect listen on, got "
			    "'%s'", what, s);
			return (-1);
		}
		a = strtol(s, &end, 10);
		if (end != colon || s == colon || colon[1] < '0' ||
		    colon[1] > '9')
			goto bad;
		b = strtol(colon + 1, &end, 10);
		if (*end != '\0' || a < 1 || a > 65535 || b < a || b > 65535)
			goto bad;
		*lo = (uint16_t)a;
		*hi = (uint16_t)b;
		return (0);
	}
	if (v->isnum) {
		if (v->num < 1 || v->num > 65535)
			goto bad;
		*lo = *hi = (uint16_t)v->num;
		return (0);
	}
	if (s[0] != '\0' && strlen(s) < 64 &&
	    (se = getservbyname(s, "tcp")) != NULL) {
		*lo = *hi = ntohs((uint16_t)se->s_port);
		return (0);
	}
 bad:
	cfglex_error(&p->p_lx, &v->pos, "%s expects 1-65535%s or a service "
	    "name, got '%s'", what, range ? ", a range lo:hi" : "", s);
	return (-1);
}

/* Hex digits, an even number of them, into at most size bytes. */
static int
hex_decode(const char *s, uint8_t *out, size_t size, size_t *lenp)
{
	size_t		 len, i;
	unsigned int	 hi, lo;

	len = strlen(s);
	if (len % 2 != 0 || len / 2 > size ||
	    strspn(s, "0123456789abcdefABCDEF") != len)
		return (-1);
	for (i = 0; i < len / 2; i++) {
		hi = (unsigned int)(isdigit((unsigned char)s[2 * i]) ?
		    s[2 * i] - '0' : tolower((unsigned char)s[2 * i]) -
		    'a' + 10);
		lo = (unsigned int)(isdigit((unsigned char)s[2 * i + 1]) ?
		    s[2 * i + 1] - '0' :
		    tolower((unsigned char)s[2 * i + 1]) - 'a' + 10);
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	*lenp = len / 2;
	return (0);
}

/*
 * Ids in the order the printer writes: redirects (main, then backup
 * table), relays, routers; tables first used there get the next table
 * id, hosts follow their tables.  c_tables is re-sorted by id.
 */
static void
number_ids(struct parse *p)
{
	struct relayd_conf	*c = p->p_conf;
	struct rd_tables	 sorted;
	struct rd_redirect	*r;
	struct rd_relay		*rl;
	struct rd_relay_fwd	*f;
	struct rd_router	*rt;
	struct rd_protocol	*pr;
	struct rd_table		*t;
	struct rd_host		*h;
	uint32_t		 tid = 0, hid = 0, id;

	TAILQ_INIT(&sorted);
	id = 0;
	TAILQ_FOREACH(r, &c->c_redirects, r_entry) {
		r->r_id = ++id;
		table_order(c, r->r_table, &tid, &sorted);
		table_order(c, r->r_backup, &tid, &sorted);
	}
	id = 0;
	TAILQ_FOREACH(rl, &c->c_relays, rl_entry) {
		rl->rl_id = ++id;
		TAILQ_FOREACH(f, &rl->rl_fwds, f_entry)
			table_order(c, f->f_table, &tid, &sorted);
	}
	id = 0;
	TAILQ_FOREACH(rt, &c->c_routers, rt_entry) {
		rt->rt_id = ++id;
		table_order(c, rt->rt_table, &tid, &sorted);
	}
	id = 0;
	TAILQ_FOREACH(pr, &c->c_protocols, p_entry)
		pr->p_id = ++id;
	/* tables of blocks with errors: not reached, freed with the rest */
	while ((t = TAILQ_FIRST(&c->c_tables)) != NULL) {
		TAILQ_REMOVE(&c->c_tables, t, t_entry);
		TAILQ_INSERT_TAIL(&sorted, t, t_entry);
	}
	TAILQ_CONCAT(&c->c_tables, &sorted, t_entry);
	TAILQ_FOREACH(t, &c->c_tables, t_entry)
		TAILQ_FOREACH(h, &t->t_hosts, h_entry)
			h->h_id = ++hid;
}

/* Moves t, if still in c_tables, to the end of sorted with the next id. */
static void
table_order(struct relayd_conf *c, struct rd_table *t, uint32_t *tid,
    struct rd_tables *sorted)
{
	if (t == NULL || t->t_id != 0)
		return;
	t->t_id = ++*tid;
	TAILQ_REMOVE(&c->c_tables, t, t_entry);
	TAILQ_INSERT_TAIL(sorted, t, t_entry);
}

/* Timing (CFG-8, CFG-9, TBL-7) and parents (TBL-3). */
static void
check_tables(struct parse *p)
{
	struct relayd_conf	*c = p->p_conf;
	struct cfglex_pos	 pos = { p->p_name, 0 };
	struct rd_table		*t;
	struct rd_host		*h, *ph;

	if (p->p_timeout_set && (long long)c->c_timeout >
	    (long long)c->c_interval * 1000)
		cfglex_error(&p->p_lx, &p->p_timeout_pos, "timeout %d ms "
		    "exceeds the interval of %d s", c->c_timeout,
		    c->c_interval);
	TAILQ_FOREACH(t, &c->c_tables, t_entry) {
		pos.p_line = t->t_line;
		if (t->t_interval == -1)
			t->t_interval = c->c_interval;
		else if (t->t_interval % c->c_interval != 0) {
			cfglex_error(&p->p_lx, &pos, "table %s: interval %d "
			    "is not a multiple of the global interval %d",
			    t->t_name, t->t_interval, c->c_interval);
			continue;
		}
		if ((long long)t->t_timeout > (long long)t->t_interval * 1000)
			cfglex_error(&p->p_lx, &pos, "table %s: timeout %d ms "
			    "exceeds the interval of %d s", t->t_name,
			    t->t_timeout, t->t_interval);
		TAILQ_FOREACH(h, &t->t_hosts, h_entry) {
			if (h->h_parentid == 0)
				continue;
			ph = conf_host(c, h->h_parentid);
			if (ph == NULL || ph == h)
				cfglex_error(&p->p_lx, &pos, "table %s: host "
				    "%s: parent %u is not another host's id",
				    t->t_name, h->h_name, h->h_parentid);
		}
	}
}

/* Relay protocols and the tables their rules name (FLT-6). */
static void
check_relays(struct parse *p)
{
	struct relayd_conf	*c = p->p_conf;
	struct cfglex_pos	 pos = { p->p_name, 0 };
	struct rd_relay		*rl;
	struct rd_relay_fwd	*f;
	struct rd_rule		*ru;

	TAILQ_FOREACH(rl, &c->c_relays, rl_entry) {
		pos.p_line = rl->rl_line;
		if (rl->rl_proto_name[0] == '\0')
			continue;
		if ((rl->rl_proto = conf_protocol_byname(c,
		    rl->rl_proto_name)) == NULL) {
			cfglex_error(&p->p_lx, &pos, "relay %s: protocol %s "
			    "is not defined", rl->rl_name, rl->rl_proto_name);
			continue;
		}
		TAILQ_FOREACH(ru, &rl->rl_proto->p_rules, ru_entry) {
			if (ru->ru_table[0] == '\0')
				continue;
			TAILQ_FOREACH(f, &rl->rl_fwds, f_entry)
				if (f->f_table != NULL && strcmp(
				    f->f_table->t_template, ru->ru_table) == 0)
					break;
			if (f == NULL)
				cfglex_error(&p->p_lx, &pos, "relay %s: "
				    "protocol %s forwards to <%s>, which the "
				    "relay does not forward to", rl->rl_name,
				    rl->rl_proto->p_name, ru->ru_table);
		}
	}
}

/* What only the whole file can tell. */
static void
parse_finish(struct parse *p)
{
	struct cfglex_pos	 top = { p->p_name, 0 };

	if (!p->p_opened)
		return;		/* already said why */
	block_end(p);
	number_ids(p);
	check_tables(p);
	check_relays(p);
	if (cfglex_errors(&p->p_lx) == 0 &&
	    TAILQ_EMPTY(&p->p_conf->c_redirects) &&
	    TAILQ_EMPTY(&p->p_conf->c_relays) &&
	    TAILQ_EMPTY(&p->p_conf->c_routers))
		cfglex_error(&p->p_lx, &top, "no actions, nothing to do");
}

static void
hosts_free(struct rd_hosts *hs)
{
	struct rd_host	*h;

	while ((h = TAILQ_FIRST(hs)) != NULL) {
		TAILQ_REMOVE(hs, h, h_entry);
		free(h);
	}
}

static void
table_free(struct rd_table *t)
{
	hosts_free(&t->t_hosts);
	freezero(t, sizeof(*t));
}

static void
relay_free(struct rd_relay *rl)
{
	struct rd_relay_fwd	*f;

	while ((f = TAILQ_FIRST(&rl->rl_fwds)) != NULL) {
		TAILQ_REMOVE(&rl->rl_fwds, f, f_entry);
		free(f);
	}
	free(rl);
}

static void
proto_free(struct rd_protocol *pr)
{
	struct rd_keypair	*kp;
	struct rd_rule		*ru;

	while ((kp = TAILQ_FIRST(&pr->p_keypairs)) != NULL) {
		TAILQ_REMOVE(&pr->p_keypairs, kp, kp_entry);
		free(kp);
	}
	while ((ru = TAILQ_FIRST(&pr->p_rules)) != NULL) {
		TAILQ_REMOVE(&pr->p_rules, ru, ru_entry);
		free(ru);
	}
	/* the CA key password */
	freezero(pr, sizeof(*pr));
}

void
conf_free(struct relayd_conf *c)
{
	struct rd_templates	*tps;
	struct rd_template	*tp;
	struct rd_table		*t;
	struct rd_redirect	*r;
	struct rd_relay		*rl;
	struct rd_protocol	*pr;
	struct rd_router	*rt;

	if (c == NULL)
		return;
	if ((tps = c->c_templates) != NULL) {
		while ((tp = TAILQ_FIRST(tps)) != NULL) {
			TAILQ_REMOVE(tps, tp, tp_entry);
			hosts_free(&tp->tp_hosts);
			free(tp);
		}
		free(tps);
		c->c_templates = NULL;
	}
	while ((t = TAILQ_FIRST(&c->c_tables)) != NULL) {
		TAILQ_REMOVE(&c->c_tables, t, t_entry);
		table_free(t);
	}
	while ((r = TAILQ_FIRST(&c->c_redirects)) != NULL) {
		TAILQ_REMOVE(&c->c_redirects, r, r_entry);
		free(r);
	}
	while ((rl = TAILQ_FIRST(&c->c_relays)) != NULL) {
		TAILQ_REMOVE(&c->c_relays, rl, rl_entry);
		relay_free(rl);
	}
	while ((pr = TAILQ_FIRST(&c->c_protocols)) != NULL) {
		TAILQ_REMOVE(&c->c_protocols, pr, p_entry);
		proto_free(pr);
	}
	while ((rt = TAILQ_FIRST(&c->c_routers)) != NULL) {
		TAILQ_REMOVE(&c->c_routers, rt, rt_entry);
		free(rt);
	}
	free(c);
}

static struct parse *
parse_new(const char *name, const struct conf_parse_opts *opts)
{
	struct relayd_conf	*c;
	struct parse		*p;
	cfglex_errfn		*err = errfn_stderr;
	void			*arg = NULL;

	if (opts != NULL && opts->po_err != NULL) {
		err = opts->po_err;
		arg = opts->po_arg;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL ||
	    (p->p_conf = c = calloc(1, sizeof(*c))) == NULL ||
	    (p->p_tps = calloc(1, sizeof(*p->p_tps))) == NULL) {
		if (p != NULL)
			free(p->p_conf);
		free(p);
		err(arg, "out of memory");
		return (NULL);
	}
	p->p_name = name;
	p->p_opts = opts;
	TAILQ_INIT(p->p_tps);
	c->c_templates = p->p_tps;
	TAILQ_INIT(&c->c_tables);
	TAILQ_INIT(&c->c_redirects);
	TAILQ_INIT(&c->c_relays);
	TAILQ_INIT(&c->c_protocols);
	TAILQ_INIT(&c->c_routers);
	c->c_interval = RELAYD_INTERVAL;
	c->c_timeout = RELAYD_TIMEOUT;
	c->c_prefork = RELAYD_PREFORK;
	c->c_loglevel = -1;
	if (cfglex_init(&p->p_lx, keywords, NKEYWORDS, STRING, NUMBER, LEXERR,
	    err, arg) == -1) {
		conf_free(c);
		free(p);
		err(arg, "keyword table not sorted");
		return (NULL);
	}
	parse_defines(p);
	return (p);
}

/* Parses what was pushed, then frees p; returns the config or NULL. */
static struct relayd_conf *
parse_run(struct parse *p)
{
	struct relayd_conf	*conf = p->p_conf;
	int			 rv;

	if (p->p_opened) {
		rv = yyparse(p);
		if (rv != 0 && cfglex_errors(&p->p_lx) == 0)
			cfglex_error(&p->p_lx, NULL, "cannot parse the "
			    "configuration");
	}
	parse_finish(p);
	if (cfglex_errors(&p->p_lx) > 0) {
		conf_free(conf);
		conf = NULL;
	}
	block_end(p);
	cfglex_close(&p->p_lx);
	freezero(p, sizeof(*p));
	return (conf);
}

struct relayd_conf *
conf_parse_file(const char *path, const struct conf_parse_opts *opts)
{
	struct parse	*p;

	if ((p = parse_new(path, opts)) == NULL)
		return (NULL);
	p->p_opened = cfglex_push_path(&p->p_lx, path, NULL) == 0;
	return (parse_run(p));
}

/* From memory: no include can be followed (a stream has no directory). */
struct relayd_conf *
conf_parse_buf(const char *text, size_t len, const char *name,
    const struct conf_parse_opts *opts)
{
	struct relayd_conf	*c;
	struct parse		*p;
	FILE			*f;
	char			*copy;

	if ((p = parse_new(name, opts)) == NULL)
		return (NULL);
	/* fmemopen() wants writable memory and a non-zero size. */
	if ((copy = malloc(len + 1)) == NULL) {
		cfglex_error(&p->p_lx, NULL, "out of memory");
		return (parse_run(p));
	}
	memcpy(copy, text, len);
	copy[len] = '\n';	/* read only when len is 0: an empty line */
	if ((f = fmemopen(copy, len > 0 ? len : 1, "r")) == NULL) {
		cfglex_error(&p->p_lx, NULL, "out of memory");
		free(copy);
		return (parse_run(p));
	}
	p->p_opened = cfglex_push_stream(&p->p_lx, f, name) == 0;
	c = parse_run(p);
	(void)fclose(f);
	free(copy);
	return (c);
}

/* The parser's keywords, for the printer's quoting. */
int
conf_keyword(const char *s)
{
	return (cfglex_lookup(keywords, NKEYWORDS, s) != -1);
}
