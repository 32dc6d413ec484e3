/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * relayctl's token tables, as OpenBSD's relayctl/parser.c lays them out:
 * each table lists the words allowed at one position and the table for
 * the next word.  A word matches every keyword it is a prefix of; more
 * than one match is "ambiguous", none is "unknown".  An id argument is
 * a number (0 to 4294967295) or else a name.
 */

#include <jansson.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parser.h"

enum token_type {
	NOTOKEN,
	ENDTOKEN,
	HOSTID,
	TABLEID,
	RDRID,
	KEYWORD,
	PATH
};

struct token {
	enum token_type		 t_type;
	const char		*t_keyword;
	enum parser_action	 t_value;
	const struct token	*t_next;
};

struct errbuf {
	char	*eb_buf;
	size_t	 eb_len;
	size_t	 eb_off;
};

static const struct token *match_token(const char *, const struct token *,
		    struct parse_result *, struct errbuf *);
static void	 show_valid_args(const struct token *, struct errbuf *);
static void	 eprintf(struct errbuf *, const char *, ...)
		    __attribute__((__format__ (printf, 2, 3)));
static json_t	*request_id(const char *, const struct parse_result *);

static const struct token t_main[];
static const struct token t_show[];
static const struct token t_rdr[];
static const struct token t_table[];
static const struct token t_host[];
static const struct token t_rdr_id[];
static const struct token t_table_id[];
static const struct token t_host_id[];
static const struct token t_log[];
static const struct token t_load[];

static const struct token t_main[] = {
	{ KEYWORD,	"monitor",	PARSER_MONITOR,		NULL },
	{ KEYWORD,	"show",		PARSER_NONE,		t_show },
	{ KEYWORD,	"load",		PARSER_LOAD,		t_load },
	{ KEYWORD,	"poll",		PARSER_POLL,		NULL },
	{ KEYWORD,	"reload",	PARSER_RELOAD,		NULL },
	{ KEYWORD,	"stop",		PARSER_SHUTDOWN,	NULL },
	{ KEYWORD,	"redirect",	PARSER_NONE,		t_rdr },
	{ KEYWORD,	"table",	PARSER_NONE,		t_table },
	{ KEYWORD,	"host",		PARSER_NONE,		t_host },
	{ KEYWORD,	"log",		PARSER_NONE,		t_log },
	{ ENDTOKEN,	"",		PARSER_NONE,		NULL }
};

static const struct token t_show[] = {
	{ KEYWORD,	"summary",	PARSER_SHOW_SUM,	NULL },
	{ KEYWORD,	"hosts",	PARSER_SHOW_HOSTS,	NULL },
	{ KEYWORD,	"redirects",	PARSER_SHOW_RDRS,	NULL },
	{ KEYWORD,	"relays",	PARSER_SHOW_RELAYS,	NULL },
	{ KEYWORD,	"routers",	PARSER_SHOW_ROUTERS,	NULL },
	{ KEYWORD,	"sessions",	PARSER_SHOW_SESSIONS,	NULL },
	{ ENDTOKEN,	"",		PARSER_NONE,		NULL }
};

static const struct token t_rdr[] = {
	{ KEYWORD,	"disable",	PARSER_RDR_DISABLE,	t_rdr_id },
	{ KEYWORD,	"enable",	PARSER_RDR_ENABLE,	t_rdr_id },
	{ ENDTOKEN,	"",		PARSER_NONE,		NULL }
};

static const struct token t_table[] = {
	{ KEYWORD,	"disable",	PARSER_TABLE_DISABLE,	t_table_id },
	{ KEYWORD,	"enable",	PARSER_TABLE_ENABLE,	t_table_id },
	{ ENDTOKEN,	"",		PARSER_NONE,		NULL }
};

static const struct token t_host[] = {
	{ KEYWORD,	"disable",	PARSER_HOST_DISABLE,	t_host_id },
	{ KEYWORD,	"enable",	PARSER_HOST_ENABLE,	t_host_id },
	{ ENDTOKEN,	"",		PARSER_NONE,		NULL }
};

static const struct token t_rdr_id[] = {
	{ RDRID,	"",		PARSER_NONE,		NULL },
	{ ENDTOKEN,	"",		PARSER_NONE,		NULL }
};

static const struct token t_table_id[] = {
	{ TABLEID,	"",		PARSER_NONE,		NULL },
	{ ENDTOKEN,	"",		PARSER_NONE,		NULL }
};

static const struct token t_host_id[] = {
	{ HOSTID,	"",		PARSER_NONE,		NULL },
	{ ENDTOKEN,	"",		PARSER_NONE,		NULL }
};

static const struct token t_log[] = {
	{ KEYWORD,	"verbose",	PARSER_LOG_VERBOSE,	NULL },
	{ KEYWORD,	"brief",	PARSER_LOG_BRIEF,	NULL },
	{ ENDTOKEN,	"",		PARSER_NONE,		NULL }
};

static const struct token t_load[] = {
	{ PATH,		"",		PARSER_NONE,		NULL },
	{ ENDTOKEN,	"",		PARSER_NONE,		NULL }
};

int
parser_parse(int argc, char *const argv[], struct parse_result *res,
    char *err, size_t errlen)
{
	const struct token	*table = t_main, *match;
	struct errbuf		 eb = { err, errlen, 0 };

	memset(res, 0, sizeof(*res));
	if (errlen > 0)
		err[0] = '\0';

	/* As OpenBSD: one more round than words, so a missing word shows. */
	while (argc >= 0) {
		match = match_token(argc > 0 ? argv[0] : NULL, table, res,
		    &eb);
		if (match == NULL) {
			eprintf(&eb, "valid commands/args:\n");
			show_valid_args(table, &eb);
			return (-1);
		}
		argc--;
		argv++;
		if (match->t_type == NOTOKEN || match->t_next == NULL)
			break;
		table = match->t_next;
	}
	if (argc > 0) {
		eprintf(&eb, "superfluous argument: %s\n", argv[0]);
		return (-1);
	}
	return (0);
}

/* Returns the one token word matches in table, or NULL with the reason
 * in eb.  Fills res as the match goes (action, id or name, path). */
static const struct token *
match_token(const char *word, const struct token *table,
    struct parse_result *res, struct errbuf *eb)
{
	const struct token	*t = NULL;
	const char		*errstr;
	long long		 id;
	unsigned int		 i, match = 0;

	for (i = 0; table[i].t_type != ENDTOKEN; i++) {
		switch (table[i].t_type) {
		case NOTOKEN:
			if (word == NULL || word[0] == '\0') {
				match++;
				t = &table[i];
			}
			break;
		case KEYWORD:
			if (word != NULL && strncmp(word, table[i].t_keyword,
			    strlen(word)) == 0) {
				match++;
				t = &table[i];
				if (t->t_value != PARSER_NONE)
					res->pr_action = t->t_value;
			}
			break;
		case HOSTID:
		case TABLEID:
		case RDRID:
			if (word == NULL)
				break;
			id = strtonum(word, 0, UINT32_MAX, &errstr);
			if (errstr != NULL) {
				res->pr_byname = 1;
				res->pr_name = word;
				res->pr_id = 0;
			} else {
				res->pr_byname = 0;
				res->pr_name = NULL;
				res->pr_id = (uint32_t)id;
			}
			match++;
			t = &table[i];
			break;
		case PATH:
			if (match == 0 && word != NULL && word[0] != '\0') {
				res->pr_path = word;
				match++;
				t = &table[i];
			}
			break;
		case ENDTOKEN:
			break;
		}
	}

	if (match != 1) {
		if (word == NULL)
			eprintf(eb, "missing argument:\n");
		else if (match > 1)
			eprintf(eb, "ambiguous argument: %s\n", word);
		else
			eprintf(eb, "unknown argument: %s\n", word);
		return (NULL);
	}
	return (t);
}

static void
show_valid_args(const struct token *table, struct errbuf *eb)
{
	unsigned int	 i;

	for (i = 0; table[i].t_type != ENDTOKEN; i++) {
		switch (table[i].t_type) {
		case NOTOKEN:
			eprintf(eb, "  <cr>\n");
			break;
		case KEYWORD:
			eprintf(eb, "  %s\n", table[i].t_keyword);
			break;
		case RDRID:
			eprintf(eb, "  <redirectid>\n");
			break;
		case TABLEID:
			eprintf(eb, "  <tableid>\n");
			break;
		case HOSTID:
			eprintf(eb, "  <hostid>\n");
			break;
		case PATH:
			eprintf(eb, "  <path>\n");
			break;
		case ENDTOKEN:
			break;
		}
	}
}

/* Appends to the caller's error text, truncating at its size. */
static void
eprintf(struct errbuf *eb, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	if (eb->eb_off + 1 >= eb->eb_len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(eb->eb_buf + eb->eb_off, eb->eb_len - eb->eb_off, fmt,
	    ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= eb->eb_len - eb->eb_off)
		eb->eb_off = eb->eb_len - 1;
	else
		eb->eb_off += (size_t)n;
}

static json_t *
request_id(const char *cmd, const struct parse_result *res)
{
	if (res->pr_byname)
		return (json_pack("{s:s,s:s}", "cmd", cmd, "name",
		    res->pr_name != NULL ? res->pr_name : ""));
	return (json_pack("{s:s,s:I}", "cmd", cmd, "id",
	    (json_int_t)res->pr_id));
}

json_t *
parser_request(const struct parse_result *res, const char *path)
{
	switch (res->pr_action) {
	case PARSER_NONE:
		return (NULL);
	case PARSER_SHOW_SUM:
	case PARSER_SHOW_HOSTS:
	case PARSER_SHOW_RDRS:
	case PARSER_SHOW_RELAYS:
	case PARSER_SHOW_ROUTERS:
		return (json_pack("{s:s}", "cmd", "show"));
	case PARSER_SHOW_SESSIONS:
		/* the relay processes are asked: only when wanted */
		return (json_pack("{s:s,s:b}", "cmd", "show", "sessions", 1));
	case PARSER_RDR_DISABLE:
		return (request_id("redirect_disable", res));
	case PARSER_RDR_ENABLE:
		return (request_id("redirect_enable", res));
	case PARSER_TABLE_DISABLE:
		return (request_id("table_disable", res));
	case PARSER_TABLE_ENABLE:
		return (request_id("table_enable", res));
	case PARSER_HOST_DISABLE:
		return (request_id("host_disable", res));
	case PARSER_HOST_ENABLE:
		return (request_id("host_enable", res));
	case PARSER_SHUTDOWN:
		return (json_pack("{s:s}", "cmd", "stop"));
	case PARSER_POLL:
		return (json_pack("{s:s}", "cmd", "poll"));
	case PARSER_LOAD:
		if (path == NULL)
			path = res->pr_path;
		if (path == NULL)
			return (NULL);
		return (json_pack("{s:s,s:s}", "cmd", "load", "file", path));
	case PARSER_RELOAD:
		return (json_pack("{s:s}", "cmd", "reload"));
	case PARSER_MONITOR:
		return (json_pack("{s:s}", "cmd", "monitor"));
	case PARSER_LOG_VERBOSE:
		return (json_pack("{s:s,s:s}", "cmd", "log", "level",
		    "verbose"));
	case PARSER_LOG_BRIEF:
		return (json_pack("{s:s,s:s}", "cmd", "log", "level",
		    "brief"));
	}
	return (NULL);
}
