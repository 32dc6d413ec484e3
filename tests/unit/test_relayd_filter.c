/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * relayd's filter rules (spec section 9, FLT-1..26) on parsed heads,
 * without sockets: one test or more per FLT row, order, quick and match
 * rules, tag and label sticking across two heads, the case rules, url
 * lookups, digests with known answers, macros, Lua patterns from
 * patterns(7), and edits as http_emit() puts them on the wire.  The file
 * includes filter.c for its statics (url_lookups, digest_match).
 */

#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "filter.c"

#define EMITLEN		8192

struct fixture {
	struct rd_rules		 rules;
	struct flt_session	 s;
	struct flt_result	 res;
	struct http_msg		*msg;
	char			 out[EMITLEN];
};

static struct http_limits	 lim = { 8192, 64, 0 };

static void
set_addr(struct sockaddr_storage *ss, const char *a, int port)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (strchr(a, ':') != NULL) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		assert_int_equal(inet_pton(AF_INET6, a, &sin6->sin6_addr), 1);
	} else {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		assert_int_equal(inet_pton(AF_INET, a, &sin->sin_addr), 1);
	}
}

static int
setup(void **state)
{
	struct fixture	*f;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return (-1);
	TAILQ_INIT(&f->rules);
	set_addr(&f->s.s_client, "192.0.2.10", 40000);
	set_addr(&f->s.s_server, "198.51.100.1", 80);
	f->s.s_server_name = "www";
	f->s.s_timeout = 600;
	*state = f;
	return (0);
}

static int
teardown(void **state)
{
	struct fixture	*f = *state;
	struct rd_rule	*ru;

	while ((ru = TAILQ_FIRST(&f->rules)) != NULL) {
		TAILQ_REMOVE(&f->rules, ru, ru_entry);
		free(ru);
	}
	http_msg_free(f->msg);
	free(f);
	return (0);
}

/* A rule at the end of the list, as parse.y leaves one. */
static struct rd_rule *
rule(struct fixture *f, enum rule_action a, int line)
{
	struct rd_rule	*ru;

	ru = calloc(1, sizeof(*ru));
	assert_non_null(ru);
	ru->ru_action = a;
	ru->ru_strip = -1;
	ru->ru_line = line;
	TAILQ_INSERT_TAIL(&f->rules, ru, ru_entry);
	return (ru);
}

static void
kv(struct rd_rule *ru, enum rule_kvtype t, enum rule_kvaction a,
    enum rule_keykind k, const char *key, const char *value)
{
	struct rd_rule_kv	*e = &ru->ru_kv[t];

	memset(e, 0, sizeof(*e));
	e->kv_set = 1;
	e->kv_action = a;
	e->kv_keykind = k;
	if (key != NULL)
		(void)strlcpy(e->kv_key, key, sizeof(e->kv_key));
	if (value != NULL) {
		e->kv_hasvalue = 1;
		(void)strlcpy(e->kv_value, value, sizeof(e->kv_value));
	}
}

/* Parses a head (request, or response) into f->msg. */
static void
head(struct fixture *f, int request, const char *raw)
{
	http_msg_free(f->msg);
	f->msg = http_msg_new(&lim);
	assert_non_null(f->msg);
	assert_int_equal(http_parse(f->msg, request, raw, strlen(raw), &lim,
	    NULL), HTTP_OK);
}

static void
req(struct fixture *f, const char *raw)
{
	head(f, 1, raw);
}

/* Runs the rules on f->msg; returns the emitted head. */
static const char *
eval(struct fixture *f)
{
	long	 n;

	assert_int_equal(flt_eval(&f->rules, f->msg, &f->s, &f->res), 0);
	n = http_emit(f->msg, f->out, sizeof(f->out) - 1);
	assert_true(n > 0);
	f->out[n] = '\0';
	return (f->out);
}

#define GET(target, hdrs) \
	"GET " target " HTTP/1.1\r\nHost: www.example.com\r\n" hdrs "\r\n"

/* FLT-1, default */
static void
test_no_rule_passes(void **state)
{
	struct fixture	*f = *state;

	req(f, GET("/", ""));
	(void)eval(f);
	assert_int_equal(f->res.r_block, 0);
	assert_int_equal(f->res.r_rule_line, 0);
	assert_null(f->res.r_table);
	assert_int_equal(f->res.r_hashed, 0);
	assert_string_equal(f->res.r_log, "");
}

/* FLT-1: the last matching pass or block decides */
static void
test_last_matching_rule_decides(void **state)
{
	struct fixture	*f = *state;

	(void)rule(f, RULE_PASS, 1);
	(void)rule(f, RULE_BLOCK, 2);
	req(f, GET("/", ""));
	(void)eval(f);
	assert_int_equal(f->res.r_block, 1);
	assert_int_equal(f->res.r_rule_line, 2);
	(void)rule(f, RULE_PASS, 3);
	(void)eval(f);
	assert_int_equal(f->res.r_block, 0);
	assert_int_equal(f->res.r_rule_line, 3);
}

/* FLT-1: match rules act but never decide */
static void
test_match_rule_acts_without_deciding(void **state)
{
	struct fixture	*f = *state;
	struct rd_rule	*ru;

	(void)rule(f, RULE_BLOCK, 1);
	ru = rule(f, RULE_MATCH, 2);
	kv(ru, KV_HEADER, KVA_SET, KEY_NAME, "X-Seen", "1");
	req(f, GET("/", ""));
	assert_non_null(strstr(eval(f), "\r\nX-Seen: 1\r\n"));
	assert_int_equal(f->res.r_block, 1);
	assert_int_equal(f->res.r_rule_line, 1);
}

/* FLT-3: quick makes a match final, also on a match rule */
static void
test_quick_rule_ends_the_walk(void **state)
{
	struct fixture	*f = *state;
	struct rd_rule	*ru;

	ru = rule(f, RULE_PASS, 1);
	ru->ru_quick = 1;
	(void)rule(f, RULE_BLOCK, 2);
	req(f, GET("/", ""));
	(void)eval(f);
	assert_int_equal(f->res.r_block, 0);
	assert_int_equal(f->res.r_rule_line, 1);

	TAILQ_FIRST(&f->rules)->ru_action = RULE_MATCH;
	(void)eval(f);
	assert_int_equal(f->res.r_block, 0);
	assert_int_equal(f->res.r_rule_line, 0);
}

/* A quick rule that does not match does not end anything. */
static void
test_unmatched_quick_rule_is_skipped(void **state)
{
	struct fixture	*f = *state;
	struct rd_rule	*ru;

	ru = rule(f, RULE_PASS, 1);
	ru->ru_quick = 1;
	(void)strlcpy(ru->ru_method, "POST", sizeof(ru->ru_method));
	(void)rule(f, RULE_BLOCK, 2);
	req(f, GET("/", ""));
	(void)eval(f);
	assert_int_equal(f->res.r_block, 1);
	assert_int_equal(f->res.r_rule_line, 2);
}

/* FLT-2 */
static void
test_rules_apply_to_their_direction_only(void **state)
{
	struct fixture	*f = *state;
	struct rd_rule	*ru;

	ru = rule(f, RULE_BLOCK, 1);
	ru->ru_response = 1;
	req(f, GET("/", ""));
	(void)eval(f);
	assert_int_equal(f->res.r_block, 0);
	head(f, 0, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
	(void)eval(f);
	assert_int_equal(f->res.r_block, 1);
	ru->ru_response = 0;
	(void)eval(f);
	assert_int_equal(f->res.r_block, 0);
}

/* FLT-4 */
static void
test_inet_and_inet6_test_the_client_family(void **state)
{
	struct fixture	*f = *state;
	struct rd_rule	*ru;

	ru = rule(f, RULE_BLOCK, 1);
	ru->ru_af = AF_INET6;
	req(f, GET("/", ""));
	(void)eval(f);
	assert_int_equal(f->res.r_block, 0);
	ru->ru_af = AF_INET;
	(void)eval(f);
	assert_int_equal(f->res.r_block, 1);
	set_addr(&f->s.s_client, "2001:db8::10", 40000);
	(void)eval(f);
	assert_int_equal(f->res.r_block, 0);
}

/* FLT-5 */
static void
test_from_and_to_take_prefixes(void **state)
{
	struct fixture	*f = *state;
	struct rd_rule	*ru;
	const char	*err;

	ru = rule(f, RULE_BLOCK, 1);
	ru->ru_hasfrom = 1;
	assert_int_equal(addr_parse("192.0.2.0/24", &ru->ru_from, &err), 0);
	req(f, GET("/", ""));
	(void)eval(f);
	assert_int_equal(f->res.r_block, 1);
	assert_int_equal(addr_parse("192.0.2.128/25", &ru->ru_from, &err), 0);
	(void)eval(f);
	assert_int_equal(f->res.r_block, 0);
	assert_int_equal(addr_parse("192.0.2.10", &ru->ru_from, &err), 0);
	(void)eval(f);
	assert_int_equal(f->res.r_block, 1);
	assert_int_equal(addr_parse("192.0.2.12/30", &ru->ru_from, &err), 0);
	(void)eval(f);
	assert_int_equal(f->res.r_block, 0);

	ru->ru_hasfrom = 0;
	ru->ru_hasto = 1;
	assert_int_equal(addr_parse("198.51.100.1", &ru->ru_to, &err), 0);
	(void)eval(f);
	assert_int_equal(f->res.r_block, 1);
	assert_int_equal(addr_parse("2001:db8::/32", &ru->ru_to, &err), 0);
	(void)eval(f);
	assert_int_equal(f->res.r_block, 0);
	set_addr(&f->s.s_server, "2001:db8:0:1::80", 80);
	(void)eval(f);
	assert_int_equal(f->res.r_block, 1);
}

/* FLT-6 */
static void
test_forward_to_names_the_table(void **state)
{
	struct fixture	*f = *state;
	struct rd_rule	*ru;

	ru = rule(f, RULE_MATCH, 1);
	kv(ru, KV_PATH, KVA_TEST, KEY_NAME, "/api/*", NULL);
	(void)strlcpy(ru->ru_table, "api", sizeof(ru->ru_table));
	req(f, GET("/api/v1", ""));
	(void)eval(f);
	assert_string_equal(f->res.r_table, "api");
	req(f, GET("/www", ""));
	(void)eval(f);
	assert_null(f->res.r_table);
}

/* FLT-7 */
static void
test_label_sticks_to_the_session(void **state)
{
	struct fixture	*f = *state;
	struct rd_rule	*ru;

	ru = rule(f, RULE_BLOCK, 1);
	kv(ru, KV_PATH, KVA_TEST, KEY_NAME, "/admin*", NULL);
	(void)strlcpy(ru->ru_label, "<b>no admin</b>", sizeof(ru->ru_label));
	req(f, GET("/admin", ""));
	(void)eval(f);
	assert_int_equal(f->res.r_block, 1);
	assert_string_equal(f->s.s_label, "<b>no admin</b>");
	/* the next request matches nothing: the label stays */
	req(f, GET("/", ""));
	(void)eval(f);
	assert_int_equal(f->res.r_block, 0);
	assert_string_equal(f->s.s_label, "<b>no admin</b>");
	ru = rule(f, RULE_MATCH, 2);
	ru->ru_nolabel = 1;
	(void)eval(f);
	assert_string_equal(f->s.s_label, "");
}

/* FLT-8 */
static void
test_tag_sticks_and_a_new_one_replaces_it(void **state)
{
	struct fixture	*f = *state;
	struct rd_rule	*ru, *tagged;

	ru = rule(f, RULE_MATCH, 1);
	kv(ru, KV_HEADER, KVA_TEST, KEY_NAME, "X-Bot", NULL);
	(void)strlcpy(ru->ru_tag, "bot", sizeof(ru->ru_tag));
	tagged = rule(f, RULE_BLOCK, 2);
	(void)strlcpy(tagged->ru_tagged, "bot", sizeof(tagged->ru_tagged));

	req(f, GET("/", ""));
	(void)eval(f);
	assert_int_equal(f->res.r_block, 0);
	assert_string_equal(f->s.s_tag, "");
	/* tagged in the same pass, by an earlier rule */
	req(f, GET("/", "X-Bot: 1\r\n"));
	(void)eval(f);
	assert_int_equal(f->res.r_block, 1);
	assert_string_equal(f->s.s_tag, "bot");
	/* and on the next request of the session */
	req(f, GET("/", ""));
	(void)eval(f);
	assert_int_equal(f->res.r_block, 1);

	ru = rule(f, RULE_MATCH, 3);
	kv(ru, KV_PATH, KVA_TEST, KEY_NAME, "/human", NULL);
	(void)strlcpy(ru->ru_tag, "human", sizeof(ru->ru_tag));
	req(f, GET("/human", ""));
	(void)eval(f);
	assert_string_equal(f->s.s_tag, "human");
	req(f, GET("/", ""));
	(void)eval(f);
	assert_int_equal(f->res.r_block, 0);

	ru->ru_tag[0] = '\0';
	ru->ru_notag = 1;
	req(f, GET("/human", ""));
	(void)eval(f);
	assert_string_equal(f->s.s_tag, "");
}

/* FLT-9 */
static void
test_method_matches_the_request_method(void **state)
{
	struct fixture	*f = *state;
	struct rd_rule	*ru;

	ru = rule(f, RULE_BLOCK, 1);
	(void)strlcpy(ru->ru_method, "PROPFIND", sizeof(ru->ru_method));
	req(f, GET("/", ""));
	(void)eval(f);
	assert_int_equal(f->res.r_block, 0);
	req(f, "PROPFIND /dav HTTP/1.1\r\nHost: h\r\n\r\n");
	(void)eval(f);
	assert_int_equal(f->res.r_block, 1);
}

/* FLT-10, FLT-26: cookie names and values without case */
static void
test_request_cookie_matches_without_case(void **state)
{
	struct fixture	*f = *state;
	struct rd_rule	*ru;

	ru = rule(f, RULE_BLOCK, 1);
	kv(ru, KV_COOKIE, KVA_TEST, KEY_NAME, "session", "ADMIN*");
	req(f, GET("/", "Cookie: a=1;  SESSION=admin-42 ; b\r\n"));
	(void)eval(f);
	assert_int_equal(f->res.r_block, 1);
	req(f, GET("/", "Cookie: a=1\r\nCookie: Session=Admin\r\n"));
	(void)eval(f);
	assert_int_equal(f->res.r_block, 1);
	req(f, GET("/", "Cookie: session2=admin\r\n"));
	(void)eval(f);
	assert_int_equal(f->res.r_block, 0);
	req(f, GET("/", "X-Cookie: session=admin\r\n"));
	(void)eval(f);
	assert_int_equal(f->res.r_block, 0);
}

/* FLT-10, FLT-15..17 on the Cookie header */
static void
test_request_cookie_edits_rewrite_the_cookie_header(void **state)
{
	struct fixture	*f = *state;
	struct rd_rule	*ru;

	ru = rule(f, RULE_MATCH, 1);
	kv(ru, KV_COOKIE, KVA_SET, KEY_NAME, "b", "new");
	req(f, GET("/", "Cookie: a=1; B=2;c\r\nX: y\r\n"));
	assert_non_null(strstr(eval(f), "\r\nCookie: a=1; B=new; c\r\nX: y"));
	kv(ru, KV_COOKIE, KVA_SET, KEY_NAME, "d", "4");
	req(f, GET("/", "Cookie: a=1\r\n"));
	assert_non_null(strstr(eval(f), "\r\nCookie: a=1; d=4\r\n"));
	kv(ru, KV_COOKIE, KVA_APPEND, KEY_NAME, "a", "$REMOTE_PORT");
	req(f, GET("/", "Cookie: a=1\r\n"));
	assert_non_null(strstr(eval(f), "\r\nCookie: a=1; a=40000\r\n"));
	/* two headers become one */
	kv(ru, KV_COOKIE, KVA_REMOVE, KEY_NAME, "A", NULL);
	req(f, GET("/", "Cookie: a=1; b=2\r\nX: y\r\nCookie: a=3\r\n"));
	assert_string_equal(eval(f), "GET / HTTP/1.1\r\n"
	    "Host: www.example.com\r\nX: y\r\nCookie: b=2\r\n\r\n");
	/* the last one gone: no Cookie header */
	req(f, GET("/", "Cookie: a=1\r\n"));
	assert_string_equal(eval(f), GET("/", ""));
}

/* FLT-10 on responses: Set-Cookie */
static void
test_response_cookie_is_set_cookie(void **state)
{
	struct fixture	*f = *state;
	struct rd_rule	*ru;
	const char	*resp = "HTTP/1.1 200 OK\r\n"
	    "Set-Cookie: id=7; Path=/; HttpOnly\r\n"
	    "Set-Cookie: theme=dark\r\nContent-Length: 0\r\n\r\n";

	ru = rule(f, RULE_BLOCK, 1);
	ru->ru_response = 1;
	kv(ru, KV_COOKIE, KVA_TEST, KEY_NAME, "THEME", "DARK");
	head(f, 0, resp);
	(void)eval(f);
	assert_int_equal(f->res.r_block, 1);

	ru->ru_action = RULE_MATCH;
	kv(ru, KV_COOKIE, KVA_SET, KEY_NAME, "id", "8");
	assert_string_equal(eval(f), "HTTP/1.1 200 OK\r\n"
	    "Set-Cookie: theme=dark\r\nContent-Length: 0\r\n"
	    "Set-Cookie: id=8; Path=/; HttpOnly\r\n\r\n");
	head(f, 0, resp);
	kv(ru, KV_COOKIE, KVA_REMOVE, KEY_NAME, "theme", NULL);
	assert_string_equal(eval(f), "HTTP/1.1 200 OK\r\n"
	    "Set-Cookie: id=7; Path=/; HttpOnly\r\n"
	    "Content-Length: 0\r\n\r\n");
	kv(ru, KV_COOKIE, KVA_APPEND, KEY_NAME, "lb", "$SERVER_NAME");
	assert_non_null(strstr(eval(f), "\r\nSet-Cookie: lb=www\r\n"));
}

/* FLT-11, FLT-26: names without case, values with case */
static void
test_header_names_fold_and_values_do_not(void **state)
{
	struct fixture	*f = *state;
	struct rd_rule	*ru;

	ru = rule(f, RULE_BLOCK, 1);
	kv(ru, KV_HEADER, KVA_TEST, KEY_NAME, "user-agent", "*curl*");
	req(f, GET("/", "USER-AGENT: curl/8.0\r\n"));
	(void)eval(f);
	assert_int_equal(f->res.r_block, 1);
	req(f, GET("/", "User-Agent: CURL/8.0\r\n"));
	(void)eval(f);
	assert_int_equal(f->res.r_block, 0);
	/* a key with a glob */
	kv(ru, KV_HEADER, KVA_TEST, KEY_NAME, "X-Debug-*", NULL);
	req(f, GET("/", "x-debug-level: 3\r\n"));
	(void)eval(f);
	assert_int_equal(f->res.r_block, 1);
}

/* FLT-23: an absent value is "*", and the header must be there */
static void
test_missing_value_matches_any_value(void **state)
{
	struct fixture	*f = *state;
	struct rd_rule	*ru;

	ru = rule(f, RULE_BLOCK, 1);
	kv(ru, KV_HEADER, KVA_TEST, KEY_NAME, "X-Forwarded-For", NULL);
	req(f, GET("/", "X-Forwarded-For: \r\n"));
	(void)eval(f);
	assert_int_equal(f->res.r_block, 1);
	req(f, GET("/", "X-Forwarded-For: 192.0.2.1\r\n"));
	(void)eval(f);
	assert_int_equal(f->res.r_block, 1);
	req(f, GET("/", ""));
	(void)eval(f);
	assert_int_equal(f->res.r_block, 0);
}

/* FLT-15, FLT-16, FLT-17 on headers, with macros (FLT-25) */
static void
test_header_append_set_remove_show_on_the_wire(void **state)
{
	struct fixture	*f = *state;
	struct rd_rule	*ru;

	ru = rule(f, RULE_MATCH, 1);
	kv(ru, KV_HEADER, KVA_APPEND, KEY_NAME, "X-Forwarded-For",
	    "$REMOTE_ADDR");
	ru = rule(f, RULE_MATCH, 2);
	kv(ru, KV_HEADER, KVA_SET, KEY_NAME, "x-real", "$SERVER_ADDR:"
	    "$SERVER_PORT");
	ru = rule(f, RULE_MATCH, 3);
	kv(ru, KV_HEADER, KVA_REMOVE, KEY_NAME, "Accept*", "*gzip*");
	req(f, GET("/", "X-Real: old\r\nX-Forwarded-For: 203.0.113.9\r\n"
	    "Accept-Encoding: gzip\r\nAccept: */*\r\n"));
	assert_string_equal(eval(f), "GET / HTTP/1.1\r\n"
	    "Host: www.example.com\r\nX-Real: 198.51.100.1:80\r\n"
	    "X-Forwarded-For: 203.0.113.9\r\nAccept: */*\r\n"
	    "X-Forwarded-For: 192.0.2.10\r\n\r\n");
}

/* The parser alone frames the body: no rule removes Content-Length. */
static void
test_framing_headers_are_not_removed(void **state)
{
	struct fixture	*f = *state;
	struct rd_rule	*ru;

	ru = rule(f, RULE_MATCH, 1);
	kv(ru, KV_HEADER, KVA_REMOVE, KEY_NAME, "*", NULL);
	req(f, "POST /f HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n"
	    "X: 1\r\n\r\nab");
	assert_string_equal(eval(f), "POST /f HTTP/1.1\r\n"
	    "Content-Length: 2\r\n\r\n");
}

/* An edit the message refuses: flt_eval says -1 (the caller sends 500) */
static void
test_refused_edit_fails_the_evaluation(void **state)
{
	struct fixture	*f = *state;
	struct rd_rule	*ru;

	ru = rule(f, RULE_MATCH, 1);
	kv(ru, KV_HEADER, KVA_SET, KEY_NAME, "Content-Length", "0");
	req(f, GET("/", ""));
	assert_int_equal(flt_eval(&f->rules, f->msg, &f->s, &f->res), -1);
}

/* FLT-12, FLT-26: key = path, value = the whole query, with case */
static void
test_path_key_is_the_path_and_value_the_query(void **state)
{
	struct fixture	*f = *state;
	struct rd_rule	*ru;

	ru = rule(f, RULE_BLOCK, 1);
	kv(ru, KV_PATH, KVA_TEST, KEY_NAME, "/cgi-bin/*", "*cmd=*");
	req(f, GET("/cgi-bin/x?a=1&cmd=ls", ""));
	(void)eval(f);
	assert_int_equal(f->res.r_block, 1);
	req(f, GET("/cgi-bin/x?a=1&CMD=ls", ""));
	(void)eval(f);
	assert_int_equal(f->res.r_block, 0);
	req(f, GET("/CGI-BIN/x?cmd=ls", ""));
	(void)eval(f);
	assert_int_equal(f->res.r_block, 0);
	kv(ru, KV_PATH, KVA_TEST, KEY_NAME, "/cgi-bin/*", NULL);
	req(f, GET("/cgi-bin/x", ""));
	(void)eval(f);
	assert_int_equal(f->res.r_block, 1);
}

/* path set, FLT-16 */
static void
test_path_set_replaces_the_path(void **state)
{
	struct fixture	*f = *state;
	struct rd_rule	*ru;

	ru = rule(f, RULE_MATCH, 1);
	kv(ru, KV_PATH, KVA_SET, KEY_NAME, "/old/*", "/new/index.html");
	req(f, GET("/old/x?q=1", ""));
	assert_string_equal(eval(f), GET("/new/index.html?q=1", ""));
	req(f, GET("/other", ""));
	assert_string_equal(eval(f), GET("/other", ""));
}

/* FLT-13, FLT-26: one pair of the query, with case */
static void
test_query_matches_one_pair(void **state)
{
	struct fixture	*f = *state;
	struct rd_rule	*ru;

	ru = rule(f, RULE_BLOCK, 1);
	kv(ru, KV_QUERY, KVA_TEST, KEY_NAME, "debug", "1");
	req(f, GET("/?a=b&debug=1", ""));
	(void)eval(f);
	assert_int_equal(f->res.r_block, 1);
	req(f, GET("/?a=b&Debug=1", ""));
	(void)eval(f);
	assert_int_equal(f->res.r_block, 0);
	req(f, GET("/?debug=10", ""));
	(void)eval(f);
	assert_int_equal(f->res.r_block, 0);
	req(f, GET("/", ""));
	(void)eval(f);
	assert_int_equal(f->res.r_block, 0);
}

static void
test_query_set_append_remove_edit_the_target(void **state)
{
	struct fixture	*f = *state;
	struct rd_rule	*ru;

	ru = rule(f, RULE_MATCH, 1);
	kv(ru, KV_QUERY, KVA_SET, KEY_NAME, "lang", "en");
	req(f, GET("/p?lang=de&x=1", ""));
	assert_string_equal(eval(f), GET("/p?lang=en&x=1", ""));
	req(f, GET("/p", ""));
	assert_string_equal(eval(f), GET("/p?lang=en", ""));
	kv(ru, KV_QUERY, KVA_APPEND, KEY_NAME, "t", "$TIMEOUT");
	req(f, GET("/p?t=1", ""));
	assert_string_equal(eval(f), GET("/p?t=1&t=600", ""));
	kv(ru, KV_QUERY, KVA_REMOVE, KEY_NAME, "utm_*", NULL);
	req(f, GET("/p?utm_a=1&k=v&utm_b=2", ""));
	assert_string_equal(eval(f), GET("/p?k=v", ""));
	req(f, GET("/p?utm_a=1", ""));
	assert_string_equal(eval(f), GET("/p", ""));
}

/* FLT-14: the lookups of the example, in order */
static void
test_url_lookups_follow_the_spec(void **state)
{
	struct fixture	*f = *state;
	struct flt_urls	 u;
	static const char *const want[] = {
		"www.example.com/a/b/c/d?x=1",
		"www.example.com/a/b/c/d",
		"www.example.com/",
		"www.example.com/a/",
		"www.example.com/a/b/",
		"www.example.com/a/b/c/",
		"example.com/",
		"example.com/a/",
		"example.com/a/b/",
		"example.com/a/b/c/"
	};
	size_t		 i;

	req(f, "GET /a/b/c/d?x=1 HTTP/1.1\r\nHost: WWW.Example.COM:8080\r\n"
	    "\r\n");
	assert_int_equal(url_lookups(f->msg, &u), 0);
	assert_int_equal(u.u_n, sizeof(want) / sizeof(want[0]));
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		assert_string_equal(u.u_str[i], want[i]);
	url_free(&u);
}

/* FLT-14: up to 4 shorter hosts, at most 5 labels, none for addresses */
static void
test_url_lookups_shorten_hosts_but_not_addresses(void **state)
{
	struct fixture	*f = *state;
	struct flt_urls	 u;

	req(f, "GET / HTTP/1.1\r\nHost: a.b.c.d.e.f.g\r\n\r\n");
	assert_int_equal(url_lookups(f->msg, &u), 0);
	assert_int_equal(u.u_n, 5);
	assert_string_equal(u.u_str[0], "a.b.c.d.e.f.g/");
	assert_string_equal(u.u_str[1], "c.d.e.f.g/");
	assert_string_equal(u.u_str[2], "d.e.f.g/");
	assert_string_equal(u.u_str[3], "e.f.g/");
	assert_string_equal(u.u_str[4], "f.g/");
	url_free(&u);

	/* one label: no shorter host (a fuzzer find) */
	req(f, "GET /a/ HTTP/1.1\r\nHost: w2\r\n\r\n");
	assert_int_equal(url_lookups(f->msg, &u), 0);
	assert_int_equal(u.u_n, 2);
	assert_string_equal(u.u_str[0], "w2/a/");
	assert_string_equal(u.u_str[1], "w2/");
	url_free(&u);

	req(f, "GET /a HTTP/1.1\r\nHost: 192.0.2.1\r\n\r\n");
	assert_int_equal(url_lookups(f->msg, &u), 0);
	assert_int_equal(u.u_n, 2);
	assert_string_equal(u.u_str[0], "192.0.2.1/a");
	assert_string_equal(u.u_str[1], "192.0.2.1/");
	url_free(&u);
}

/* FLT-14, FLT-26: url keys without case */
static void
test_url_matches_any_lookup_without_case(void **state)
{
	struct fixture	*f = *state;
	struct rd_rule	*ru;

	ru = rule(f, RULE_BLOCK, 1);
	kv(ru, KV_URL, KVA_TEST, KEY_NAME, "EXAMPLE.com/a/", NULL);
	req(f, GET("/a/b/c/d?x=1", ""));
	(void)eval(f);
	assert_int_equal(f->res.r_block, 1);
	req(f, GET("/b/a/", ""));
	(void)eval(f);
	assert_int_equal(f->res.r_block, 0);
	kv(ru, KV_URL, KVA_TEST, KEY_NAME, "www.example.com/A/B?X=1", NULL);
	req(f, GET("/a/b?x=1", ""));
	(void)eval(f);
	assert_int_equal(f->res.r_block, 1);
}

/* FLT-18: FNV-1a of the values, across rules */
static void
test_hash_feeds_the_values(void **state)
{
	struct fixture	*f = *state;
	struct rd_rule	*ru;

	ru = rule(f, RULE_MATCH, 1);
	kv(ru, KV_HEADER, KVA_HASH, KEY_NAME, "X-User", NULL);
	req(f, GET("/", "X-User: abc\r\n"));
	(void)eval(f);
	assert_int_equal(f->res.r_hashed, 1);
	assert_int_equal(f->res.r_hash, 0x1a47e90b);	/* fnv1a("abc") */
	ru = rule(f, RULE_MATCH, 2);
	kv(ru, KV_COOKIE, KVA_HASH, KEY_NAME, "s", NULL);
	req(f, GET("/", "X-User: abc\r\nCookie: s=def\r\n"));
	(void)eval(f);
	assert_int_equal(f->res.r_hash, 0xff478a2a);	/* fnv1a("abcdef") */
	req(f, GET("/", ""));
	(void)eval(f);
	assert_int_equal(f->res.r_hashed, 0);
}

/* FLT-19: "[key: value]", bounded */
static void
test_log_adds_key_and_value_within_bounds(void **state)
{
	struct fixture	*f = *state;
	struct rd_rule	*ru;
	char		 big[1200], raw[4096];
	int		 i;

	ru = rule(f, RULE_MATCH, 1);
	kv(ru, KV_HEADER, KVA_LOG, KEY_NAME, "host", NULL);
	ru = rule(f, RULE_MATCH, 2);
	kv(ru, KV_PATH, KVA_LOG, KEY_NAME, "*", NULL);
	req(f, GET("/x?y=1", ""));
	(void)eval(f);
	assert_string_equal(f->res.r_log, "[Host: www.example.com][/x: y=1]");

	memset(big, 'v', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	(void)snprintf(raw, sizeof(raw), GET("/x?y=1", "X-A: %s\r\n"
	    "X-B: %s\r\n"), big, big);
	for (i = 0; i < 2; i++) {
		ru = rule(f, RULE_MATCH, 3 + i);
		kv(ru, KV_HEADER, KVA_LOG, KEY_NAME, i ? "X-B" : "X-A", NULL);
	}
	req(f, raw);
	(void)eval(f);
	assert_true(strlen(f->res.r_log) < FLT_LOGLEN);
	assert_non_null(strstr(f->res.r_log, "[X-A: vvv"));
	/* the second entry does not fit whole: left out */
	assert_null(strstr(f->res.r_log, "[X-B: "));
}

/* FLT-20 */
static void
test_path_strip_drops_leading_components(void **state)
{
	struct fixture	*f = *state;
	struct rd_rule	*ru;

	ru = rule(f, RULE_MATCH, 1);
	kv(ru, KV_PATH, KVA_TEST, KEY_NAME, "/api/*", NULL);
	ru->ru_strip = 1;
	req(f, GET("/api/v1/users?id=3", ""));
	assert_string_equal(eval(f), GET("/v1/users?id=3", ""));
	ru->ru_strip = 2;
	req(f, GET("/api/v1/", ""));
	assert_string_equal(eval(f), GET("/", ""));
	ru->ru_strip = 5;
	req(f, GET("/api/v1/users", ""));
	assert_string_equal(eval(f), GET("/", ""));
	/* a later rule sees the stripped path */
	ru->ru_strip = 1;
	ru = rule(f, RULE_BLOCK, 2);
	kv(ru, KV_PATH, KVA_TEST, KEY_NAME, "/v1/*", NULL);
	req(f, GET("/api/v1/x", ""));
	(void)eval(f);
	assert_int_equal(f->res.r_block, 1);
}

/* FLT-21: keys from the rule's file list */
static void
test_file_keys_match_any_listed_key(void **state)
{
	struct fixture	*f = *state;
	struct rd_rule	*ru;
	struct flt_keys	 keys[2];
	char		*list[] = { "evil.example.net/", "example.com/bad/" };
	char		*other[] = { "www.example.com/" };

	ru = rule(f, RULE_BLOCK, 1);
	kv(ru, KV_URL, KVA_TEST, KEY_FILE, "/etc/blocked", NULL);
	keys[0].k_rule = ru;
	keys[0].k_type = KV_URL;
	keys[0].k_keys = list;
	keys[0].k_nkeys = 2;
	keys[1].k_rule = NULL;	/* another rule's list */
	keys[1].k_type = KV_URL;
	keys[1].k_keys = other;
	keys[1].k_nkeys = 1;
	f->s.s_keys = keys;
	f->s.s_nkeys = 2;
	req(f, GET("/bad/thing", ""));
	(void)eval(f);
	assert_int_equal(f->res.r_block, 1);
	req(f, GET("/good", ""));
	(void)eval(f);
	assert_int_equal(f->res.r_block, 0);
	f->s.s_keys = NULL;
	f->s.s_nkeys = 0;
	req(f, GET("/bad/thing", ""));
	(void)eval(f);
	assert_int_equal(f->res.r_block, 0);
}

/* FLT-22: known answers */
static void
test_digests_have_known_answers(void **state)
{
	(void)state;
	assert_true(digest_match("a9993e364706816aba3e25717850c26c9cd0d89d",
	    "abc"));
	assert_true(digest_match("A9993E364706816ABA3E25717850C26C9CD0D89D",
	    "abc"));
	assert_true(digest_match("900150983cd24fb0d6963f7d28e17f72", "abc"));
	assert_true(digest_match("da39a3ee5e6b4b0d3255bfef95601890afd80709",
	    ""));
	assert_false(digest_match("900150983cd24fb0d6963f7d28e17f72",
	    "abd"));
	assert_false(digest_match("abc", "abc"));
}

static void
test_url_digest_matches_a_lookup(void **state)
{
	struct fixture	*f = *state;
	struct rd_rule	*ru;

	ru = rule(f, RULE_BLOCK, 1);
	/* sha1("example.com/a/") */
	kv(ru, KV_URL, KVA_TEST, KEY_DIGEST,
	    "1505cde83d3272c753cb9554ae690424c43f98d8", NULL);
	req(f, GET("/a/b", ""));
	(void)eval(f);
	assert_int_equal(f->res.r_block, 1);
	/* md5("www.example.com/") */
	kv(ru, KV_URL, KVA_TEST, KEY_DIGEST,
	    "d00b298ca73e7699a3875d338f78a5ce", NULL);
	req(f, GET("/zzz", ""));
	(void)eval(f);
	assert_int_equal(f->res.r_block, 1);
	/* sha1("/admin") on the path */
	kv(ru, KV_URL, KVA_TEST, KEY_NONE, NULL, NULL);
	ru->ru_kv[KV_URL].kv_set = 0;
	kv(ru, KV_PATH, KVA_TEST, KEY_DIGEST,
	    "492924f55ccb86045b8e2142acf33d94581f6e11", NULL);
	req(f, GET("/admin", ""));
	(void)eval(f);
	assert_int_equal(f->res.r_block, 1);
	req(f, GET("/Admin", ""));
	(void)eval(f);
	assert_int_equal(f->res.r_block, 0);
}

/* FLT-24: pattern keys and values, with case */
static void
test_pattern_keys_and_values(void **state)
{
	struct fixture	*f = *state;
	struct rd_rule	*ru;

	ru = rule(f, RULE_BLOCK, 1);
	kv(ru, KV_HEADER, KVA_TEST, KEY_PATTERN, "^X%-Id$", "^%d+$");
	req(f, GET("/", "X-Id: 123\r\n"));
	(void)eval(f);
	assert_int_equal(f->res.r_block, 1);
	req(f, GET("/", "X-Id: 12a\r\n"));
	(void)eval(f);
	assert_int_equal(f->res.r_block, 0);
	req(f, GET("/", "x-id: 123\r\n"));
	(void)eval(f);
	assert_int_equal(f->res.r_block, 0);
	/* a malformed pattern matches nothing */
	kv(ru, KV_HEADER, KVA_TEST, KEY_PATTERN, "[X", NULL);
	req(f, GET("/", "X-Id: 123\r\n"));
	(void)eval(f);
	assert_int_equal(f->res.r_block, 0);
}

/* FLT-25 */
static void
test_macros_expand_from_the_session(void **state)
{
	struct fixture	*f = *state;
	char		 out[256];

	req(f, GET("/", ""));
	assert_int_equal(flt_expand("$HOST|$REMOTE_ADDR|$REMOTE_PORT|"
	    "$SERVER_ADDR|$SERVER_PORT|$SERVER_NAME|$TIMEOUT|$OTHER|$",
	    f->msg, &f->s, out, sizeof(out)), 0);
	assert_string_equal(out, "www.example.com|192.0.2.10|40000|"
	    "198.51.100.1|80|www|600|$OTHER|$");
	set_addr(&f->s.s_client, "2001:db8::10", 1234);
	assert_int_equal(flt_expand("[$REMOTE_ADDR]:$REMOTE_PORT", f->msg,
	    &f->s, out, sizeof(out)), 0);
	assert_string_equal(out, "[2001:db8::10]:1234");
	assert_int_equal(flt_expand("$HOST", f->msg, &f->s, out, 15), -1);
	assert_int_equal(flt_expand("$HOST", f->msg, &f->s, out, 16), 0);
	assert_int_equal(flt_expand("abc", f->msg, &f->s, out, 3), -1);
}

/* A block stops no action: tag and label still stick. */
static void
test_block_still_sets_tag_and_label(void **state)
{
	struct fixture	*f = *state;
	struct rd_rule	*ru;

	ru = rule(f, RULE_BLOCK, 1);
	(void)strlcpy(ru->ru_tag, "blocked", sizeof(ru->ru_tag));
	(void)strlcpy(ru->ru_label, "go away", sizeof(ru->ru_label));
	req(f, GET("/", ""));
	(void)eval(f);
	assert_int_equal(f->res.r_block, 1);
	assert_string_equal(f->s.s_tag, "blocked");
	assert_string_equal(f->s.s_label, "go away");
}

/* All conditions of a rule must hold. */
static void
test_rule_needs_every_condition(void **state)
{
	struct fixture	*f = *state;
	struct rd_rule	*ru;

	ru = rule(f, RULE_BLOCK, 1);
	kv(ru, KV_HEADER, KVA_TEST, KEY_NAME, "X-A", NULL);
	kv(ru, KV_QUERY, KVA_TEST, KEY_NAME, "b", NULL);
	(void)strlcpy(ru->ru_method, "GET", sizeof(ru->ru_method));
	req(f, GET("/?b=1", "X-A: 1\r\n"));
	(void)eval(f);
	assert_int_equal(f->res.r_block, 1);
	req(f, GET("/?c=1", "X-A: 1\r\n"));
	(void)eval(f);
	assert_int_equal(f->res.r_block, 0);
	req(f, GET("/?b=1", ""));
	(void)eval(f);
	assert_int_equal(f->res.r_block, 0);
}

/* patterns(7): known cases */
static void
test_patterns_follow_patterns7(void **state)
{
	static const struct {
		const char	*p, *s;
		int		 want;
	} t[] = {
		{ "^hello", "hello world", 1 },
		{ "world$", "hello world", 1 },
		{ "^world", "hello world", 0 },
		{ "hello$", "hello world", 0 },
		{ "a$b", "a$b", 1 },
		{ "%d+", "abc123", 1 },
		{ "^%d+$", "12a", 0 },
		{ "%a%d", "x1", 1 },
		{ "%D", "123", 0 },
		{ "%S", " \t", 0 },
		{ "%u%l", "xAb", 1 },
		{ "%p", "ab!", 1 },
		{ "%c", "a\tb", 1 },
		{ "^%x+$", "DEADbeef", 1 },
		{ "^%x+$", "xyz", 0 },
		{ "^%g+$", "a b", 0 },
		{ "^[%w_]+$", "a_1", 1 },
		{ "^[0-7]+$", "0178", 0 },
		{ "^[0-7%l%-]+$", "07-ab", 1 },
		{ "^[^%d]+$", "abc", 1 },
		{ "^[^%d]+$", "ab1", 0 },
		{ "[]]", "]", 1 },
		{ "[^]]", "]", 0 },
		{ "[a-]", "-", 1 },
		{ "%.", "a.b", 1 },
		{ "%.", "ab", 0 },
		{ ".", "", 0 },
		{ "", "", 1 },
		{ "^$", "", 1 },
		{ "^a-b", "aaab", 1 },
		{ "^a-$", "aaa", 1 },
		{ "^<.->$", "<a><b>", 1 },
		{ "^a*$", "", 1 },
		{ "^a+$", "", 0 },
		{ "^a?b$", "b", 1 },
		{ "^a?b$", "aab", 0 },
		{ "^%b()$", "(a(b)c)", 1 },
		{ "^%b()$", "(a(b)", 0 },
		{ "%f[%w]%w+", "  word", 1 },
		{ "%f[%a]THE%f[%A]", "THE (quick)", 1 },
		{ "%f[%a]THE%f[%A]", "THEN", 0 },
		{ "%f[%a]THE%f[%A]", "ATHE", 0 },
		{ "^(%w+)=(%w+)$", "key=val", 1 },
		{ "^(a+)%1$", "aaaa", 1 },
		{ "^(a+)%1$", "aaa", 0 },
		{ "^()a()$", "a", 1 },
		{ "%%", "100%", 1 },
		/* malformed */
		{ "[a", "a", -1 },
		{ "%", "a", -1 },
		{ "(a", "a", -1 },
		{ "a)", "a", -1 },
		{ "%b(", "(", -1 },
		{ "%f%w", "a", -1 },
		{ "%1", "a", -1 },
		{ "(a)%2", "aa", -1 },
		{ "x[", "abc", -1 }
	};
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (flt_pattern(t[i].p, t[i].s) != t[i].want)
			fail_msg("pattern '%s' on '%s': want %d", t[i].p,
			    t[i].s, t[i].want);
	}
}

/* Hostile subjects cannot make a pattern run away. */
static void
test_patterns_are_bounded(void **state)
{
	char	*s, p[1100];
	size_t	 i;

	(void)state;
	s = malloc(5001);
	assert_non_null(s);
	memset(s, 'a', 5000);
	s[5000] = '\0';
	assert_int_equal(flt_pattern("a*a*a*a*a*a*a*b", s), -1);
	/* a long plain pattern needs no depth */
	memset(p, 'a', 1000);
	p[1000] = '\0';
	assert_int_equal(flt_pattern(p, s), 1);
	/* nesting past the depth limit */
	for (i = 0; i < 500; i++) {
		p[2 * i] = 'a';
		p[2 * i + 1] = '?';
	}
	p[1000] = '\0';
	assert_int_equal(flt_pattern(p, s), -1);
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_no_rule_passes,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_last_matching_rule_decides, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_match_rule_acts_without_deciding, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_quick_rule_ends_the_walk, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_unmatched_quick_rule_is_skipped, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_rules_apply_to_their_direction_only, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_inet_and_inet6_test_the_client_family, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_from_and_to_take_prefixes, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_forward_to_names_the_table, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_label_sticks_to_the_session, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_tag_sticks_and_a_new_one_replaces_it, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_method_matches_the_request_method, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_request_cookie_matches_without_case, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_request_cookie_edits_rewrite_the_cookie_header, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_response_cookie_is_set_cookie, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_header_names_fold_and_values_do_not, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_missing_value_matches_any_value, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_header_append_set_remove_show_on_the_wire, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_framing_headers_are_not_removed, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_refused_edit_fails_the_evaluation, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_path_key_is_the_path_and_value_the_query, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_path_set_replaces_the_path, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_query_matches_one_pair, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_query_set_append_remove_edit_the_target, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_url_lookups_follow_the_spec, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_url_lookups_shorten_hosts_but_not_addresses, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_url_matches_any_lookup_without_case, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_hash_feeds_the_values, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_log_adds_key_and_value_within_bounds, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_path_strip_drops_leading_components, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_file_keys_match_any_listed_key, setup, teardown),
		cmocka_unit_test(test_digests_have_known_answers),
		cmocka_unit_test_setup_teardown(
		    test_url_digest_matches_a_lookup, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_pattern_keys_and_values, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_macros_expand_from_the_session, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_block_still_sets_tag_and_label, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_rule_needs_every_condition, setup, teardown),
		cmocka_unit_test(test_patterns_follow_patterns7),
		cmocka_unit_test(test_patterns_are_bounded),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
