/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * relayd/http.c without sockets: the request and response rules of spec
 * IMP-3..IMP-8 and HTTP-1/2 (smuggling, limits, framing, keep-alive,
 * websockets), header edits, emission, and the chunked scanner fed whole
 * and byte by byte.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "http.h"

static const struct http_limits	 lim_std = { 8192, HTTP_MAXHEADERS, 0 };
static const struct http_limits	 lim_ws = { 8192, HTTP_MAXHEADERS, 1 };

/* Parses a request; the message is the test's to free. */
static enum http_result
req_lim(const char *s, const struct http_limits *lim, struct http_msg **mp)
{
	struct http_msg	*m;

	m = http_msg_new(lim);
	assert_non_null(m);
	*mp = m;
	return (http_parse(m, 1, s, strlen(s), lim, NULL));
}

static enum http_result
req(const char *s, struct http_msg **mp)
{
	return (req_lim(s, &lim_std, mp));
}

/* The status a bad request gets. */
static int
req_status(const char *s)
{
	struct http_msg	*m;
	int		 st;

	assert_int_equal(req(s, &m), HTTP_ERROR);
	st = m->m_status;
	assert_non_null(m->m_error);
	http_msg_free(m);
	return (st);
}

static enum http_result
resp(const char *s, const struct http_msg *rq, struct http_msg **mp)
{
	struct http_msg	*m;

	m = http_msg_new(&lim_std);
	assert_non_null(m);
	*mp = m;
	return (http_parse(m, 0, s, strlen(s), &lim_std, rq));
}

/* A response to a request of that method (and upgrade flag). */
static enum http_result
resp_to(const char *method, int upgrade, const char *s, struct http_msg **mp)
{
	struct http_msg	 rq;
	enum http_result r;

	memset(&rq, 0, sizeof(rq));
	rq.m_request = 1;
	snprintf(rq.m_method, sizeof(rq.m_method), "%s", method);
	rq.m_upgrade = upgrade;
	r = resp(s, &rq, mp);
	return (r);
}

static void
test_a_simple_get_is_parsed_with_path_query_and_host(void **state)
{
	struct http_msg	*m;

	(void)state;
	assert_int_equal(req("GET /a/b?x=1&y HTTP/1.1\r\n"
	    "Host: WWW.Example.COM:8080\r\nAccept: */*\r\n\r\n", &m), HTTP_OK);
	assert_string_equal(m->m_method, "GET");
	assert_string_equal(http_str(m, m->m_target), "/a/b?x=1&y");
	assert_string_equal(http_str(m, m->m_path), "/a/b");
	assert_int_equal(m->m_has_query, 1);
	assert_string_equal(http_str(m, m->m_query), "x=1&y");
	assert_string_equal(http_str(m, m->m_host), "www.example.com");
	assert_int_equal(m->m_minor, 1);
	assert_int_equal(m->m_nhdrs, 2);
	assert_int_equal(m->m_body, HTTP_BODY_NONE);
	assert_int_equal(m->m_keepalive, 1);
	assert_int_equal(m->m_headlen, 25 + 28 + 13 + 2);
	assert_string_equal(http_hdr_value(m, 1), "*/*");
	http_msg_free(m);
}

static void
test_a_head_without_its_blank_line_needs_more(void **state)
{
	struct http_msg	*m;

	(void)state;
	assert_int_equal(req("GET / HTTP/1.1\r\nHost: a\r\n", &m), HTTP_MORE);
	http_msg_free(m);
	assert_int_equal(req("GET / HTTP/1.1\r\nHost: a\r\n\r", &m),
	    HTTP_MORE);
	http_msg_free(m);
	assert_int_equal(req("", &m), HTTP_MORE);
	http_msg_free(m);
}

static void
test_the_head_length_stops_at_the_blank_line(void **state)
{
	struct http_msg	*m;
	const char	*s = "POST / HTTP/1.1\r\nHost: a\r\n"
			    "Content-Length: 3\r\n\r\nabc";

	(void)state;
	assert_int_equal(req(s, &m), HTTP_OK);
	assert_int_equal(m->m_headlen, strlen(s) - 3);
	assert_int_equal(m->m_body, HTTP_BODY_LENGTH);
	assert_int_equal(m->m_length, 3);
	http_msg_free(m);
}

static void
test_empty_lines_before_a_request_line_are_skipped(void **state)
{
	struct http_msg	*m;

	(void)state;
	assert_int_equal(req("\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", &m),
	    HTTP_OK);
	assert_int_equal(m->m_headlen, 4 + 16 + 9 + 2);
	http_msg_free(m);
}

static void
test_a_request_line_without_a_space_is_400(void **state)
{
	(void)state;
	assert_int_equal(req_status("GET\r\nHost: a\r\n\r\n"), 400);
	assert_int_equal(req_status("GET /\r\nHost: a\r\n\r\n"), 400);
	assert_int_equal(req_status("GET  / HTTP/1.1\r\nHost: a\r\n\r\n"),
	    400);
}

static void
test_an_unknown_method_is_500(void **state)
{
	(void)state;
	assert_int_equal(req_status("BREW / HTTP/1.1\r\nHost: a\r\n\r\n"), 500);
	assert_int_equal(req_status("get / HTTP/1.1\r\nHost: a\r\n\r\n"), 500);
}

static void
test_all_33_methods_are_known(void **state)
{
	static const char *const methods[] = { "GET", "HEAD", "POST", "PUT",
	    "DELETE", "OPTIONS", "TRACE", "CONNECT", "PROPFIND", "PROPPATCH",
	    "MKCOL", "COPY", "MOVE", "LOCK", "UNLOCK", "VERSION-CONTROL",
	    "REPORT", "CHECKOUT", "CHECKIN", "UNCHECKOUT", "MKWORKSPACE",
	    "UPDATE", "LABEL", "MERGE", "BASELINE-CONTROL", "MKACTIVITY",
	    "ORDERPATCH", "ACL", "MKREDIRECTREF", "UPDATEREDIRECTREF",
	    "SEARCH", "PATCH", "MKCALENDAR" };
	struct http_msg	*m;
	char		 s[128];
	size_t		 i;

	(void)state;
	assert_int_equal(sizeof(methods) / sizeof(methods[0]), 33);
	for (i = 0; i < 33; i++) {
		if (strcmp(methods[i], "CONNECT") == 0)
			snprintf(s, sizeof(s), "CONNECT a:443 HTTP/1.1\r\n"
			    "Host: a:443\r\n\r\n");
		else
			snprintf(s, sizeof(s), "%s / HTTP/1.1\r\nHost: a\r\n"
			    "\r\n", methods[i]);
		assert_int_equal(req(s, &m), HTTP_OK);
		assert_string_equal(m->m_method, methods[i]);
		http_msg_free(m);
	}
}

static void
test_versions_other_than_1_x_are_505(void **state)
{
	struct http_msg	*m;

	(void)state;
	assert_int_equal(req_status("GET / HTTP/2.0\r\nHost: a\r\n\r\n"), 505);
	assert_int_equal(req_status("GET / HTTP/3\r\nHost: a\r\n\r\n"), 505);
	assert_int_equal(req_status("GET / HTTP/0.9\r\nHost: a\r\n\r\n"), 505);
	assert_int_equal(req_status("GET / FTP/1.0\r\nHost: a\r\n\r\n"), 400);
	assert_int_equal(req("GET / HTTP/1.0\r\n\r\n", &m), HTTP_OK);
	assert_int_equal(m->m_minor, 0);
	assert_int_equal(m->m_host, 0);
	http_msg_free(m);
}

static void
test_http_1_1_without_host_or_with_two_is_400(void **state)
{
	(void)state;
	assert_int_equal(req_status("GET / HTTP/1.1\r\n\r\n"), 400);
	assert_int_equal(req_status("GET / HTTP/1.1\r\nHost: a\r\n"
	    "host: b\r\n\r\n"), 400);
	assert_int_equal(req_status("GET / HTTP/1.1\r\nHost: a/b\r\n\r\n"),
	    400);
	assert_int_equal(req_status("GET / HTTP/1.1\r\nHost: a:80x\r\n\r\n"),
	    400);
}

static void
test_an_ipv6_host_keeps_its_brackets_and_loses_its_port(void **state)
{
	struct http_msg	*m;

	(void)state;
	assert_int_equal(req("GET / HTTP/1.1\r\nHost: [2001:DB8::1]:8080\r\n"
	    "\r\n", &m), HTTP_OK);
	assert_string_equal(http_str(m, m->m_host), "[2001:db8::1]");
	http_msg_free(m);
}

static void
test_absolute_form_host_must_equal_host(void **state)
{
	struct http_msg	*m;

	(void)state;
	assert_int_equal(req("GET http://Example.com:80/p/q?z HTTP/1.1\r\n"
	    "Host: example.COM\r\n\r\n", &m), HTTP_OK);
	assert_string_equal(http_str(m, m->m_path), "/p/q");
	assert_string_equal(http_str(m, m->m_query), "z");
	assert_string_equal(http_str(m, m->m_host), "example.com");
	assert_string_equal(http_str(m, m->m_target),
	    "http://Example.com:80/p/q?z");
	http_msg_free(m);
	assert_int_equal(req("GET http://a HTTP/1.1\r\nHost: a\r\n\r\n", &m),
	    HTTP_OK);
	assert_string_equal(http_str(m, m->m_path), "/");
	http_msg_free(m);
	assert_int_equal(req_status("GET http://evil/ HTTP/1.1\r\n"
	    "Host: good\r\n\r\n"), 400);
	assert_int_equal(req_status("GET ftp://a/ HTTP/1.1\r\nHost: a\r\n"
	    "\r\n"), 400);
	assert_int_equal(req_status("GET http://u@a/ HTTP/1.1\r\nHost: a\r\n"
	    "\r\n"), 400);
}

static void
test_asterisk_form_is_for_options_only(void **state)
{
	struct http_msg	*m;

	(void)state;
	assert_int_equal(req("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", &m),
	    HTTP_OK);
	assert_string_equal(http_str(m, m->m_path), "*");
	http_msg_free(m);
	assert_int_equal(req_status("GET * HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
}

static void
test_a_header_line_without_colon_is_400(void **state)
{
	(void)state;
	assert_int_equal(req_status("GET / HTTP/1.1\r\nHost: a\r\n"
	    "Broken header\r\n\r\n"), 400);
}

static void
test_header_names_must_be_tokens(void **state)
{
	(void)state;
	assert_int_equal(req_status("GET / HTTP/1.1\r\nHost : a\r\n\r\n"),
	    400);
	assert_int_equal(req_status("GET / HTTP/1.1\r\nHost: a\r\n"
	    "X(y): 1\r\n\r\n"), 400);
	assert_int_equal(req_status("GET / HTTP/1.1\r\nHost: a\r\n"
	    ": 1\r\n\r\n"), 400);
}

static void
test_a_nul_anywhere_in_the_head_is_400(void **state)
{
	struct http_msg	*m;
	const char	 s[] = "GET / HTTP/1.1\r\nHost: a\r\nX: a\0b\r\n\r\n";

	(void)state;
	m = http_msg_new(&lim_std);
	assert_non_null(m);
	assert_int_equal(http_parse(m, 1, s, sizeof(s) - 1, &lim_std, NULL),
	    HTTP_ERROR);
	assert_int_equal(m->m_status, 400);
	/* Before the end of the head is seen, too. */
	assert_int_equal(http_parse(m, 1, s, 31, &lim_std, NULL), HTTP_ERROR);
	assert_int_equal(m->m_status, 400);
	http_msg_free(m);
}

static void
test_bare_cr_or_lf_is_400(void **state)
{
	(void)state;
	assert_int_equal(req_status("GET / HTTP/1.1\nHost: a\n\n"), 400);
	assert_int_equal(req_status("GET / HTTP/1.1\r\nHost: a\n\r\n"), 400);
	assert_int_equal(req_status("GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n"),
	    400);
	assert_int_equal(req_status("GET / HTTP/1.1\r\nHost: a\r\nX: a\x01\r\n"
	    "\r\n"), 400);
}

static void
test_obs_fold_is_400_in_a_request_and_502_in_a_response(void **state)
{
	struct http_msg	*m;

	(void)state;
	assert_int_equal(req_status("GET / HTTP/1.1\r\nHost: a\r\nX: b\r\n"
	    " c\r\n\r\n"), 400);
	assert_int_equal(req_status("GET / HTTP/1.1\r\nHost: a\r\nX: b\r\n"
	    "\tc\r\n\r\n"), 400);
	assert_int_equal(resp("HTTP/1.1 200 OK\r\nX: b\r\n c\r\n"
	    "Content-Length: 0\r\n\r\n", NULL, &m), HTTP_ERROR);
	assert_int_equal(m->m_status, 502);
	http_msg_free(m);
}

static void
test_an_oversized_head_is_413_even_before_it_ends(void **state)
{
	struct http_limits	 lim = { 64, HTTP_MAXHEADERS, 0 };
	struct http_msg		*m;
	char			 s[256];

	(void)state;
	memset(s, 0, sizeof(s));
	snprintf(s, sizeof(s), "GET / HTTP/1.1\r\nHost: a\r\nX: %080d\r\n", 0);
	assert_int_equal(req_lim(s, &lim, &m), HTTP_ERROR);
	assert_int_equal(m->m_status, 413);
	http_msg_free(m);
	/* Exactly at the limit passes; one byte more does not. */
	snprintf(s, sizeof(s), "GET / HTTP/1.1\r\nHost: a\r\nX: %032d\r\n\r\n",
	    0);
	assert_int_equal(strlen(s), 64);
	assert_int_equal(req_lim(s, &lim, &m), HTTP_OK);
	http_msg_free(m);
	snprintf(s, sizeof(s), "GET / HTTP/1.1\r\nHost: a\r\nX: %033d\r\n\r\n",
	    0);
	assert_int_equal(req_lim(s, &lim, &m), HTTP_ERROR);
	assert_int_equal(m->m_status, 413);
	http_msg_free(m);
	/* Under the limit without the blank line: more. */
	assert_int_equal(req_lim("GET / HTTP/1.1\r\n", &lim, &m), HTTP_MORE);
	http_msg_free(m);
}

static void
test_too_many_headers_is_431(void **state)
{
	struct http_limits	 lim = { 8192, 3, 0 };
	struct http_msg		*m;

	(void)state;
	assert_int_equal(req_lim("GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\n"
	    "\r\n", &lim, &m), HTTP_OK);
	http_msg_free(m);
	assert_int_equal(req_lim("GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\n"
	    "C: 3\r\n\r\n", &lim, &m), HTTP_ERROR);
	assert_int_equal(m->m_status, 431);
	http_msg_free(m);
}

static void
test_smuggling_with_cl_and_te_drops_cl_and_closes(void **state)
{
	struct http_msg	*m;
	char		 out[512];
	long		 n;

	(void)state;
	assert_int_equal(req("POST / HTTP/1.1\r\nHost: a\r\n"
	    "Content-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n", &m),
	    HTTP_OK);
	assert_int_equal(m->m_body, HTTP_BODY_CHUNKED);
	assert_int_equal(m->m_keepalive, 0);
	assert_int_equal(http_hdr_find(m, "content-length", 0), -1);
	n = http_emit(m, out, sizeof(out));
	assert_true(n > 0);
	out[n] = '\0';
	assert_string_equal(out, "POST / HTTP/1.1\r\nHost: a\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n");
	http_msg_free(m);
}

static void
test_duplicate_content_length_is_400_even_when_equal(void **state)
{
	(void)state;
	assert_int_equal(req_status("POST / HTTP/1.1\r\nHost: a\r\n"
	    "Content-Length: 5\r\nContent-Length: 5\r\n\r\n"), 400);
	assert_int_equal(req_status("POST / HTTP/1.1\r\nHost: a\r\n"
	    "Content-Length: 5\r\nContent-Length: 6\r\n\r\n"), 400);
	assert_int_equal(req_status("POST / HTTP/1.1\r\nHost: a\r\n"
	    "Content-Length: 5, 5\r\n\r\n"), 400);
}

static void
test_signed_non_numeric_or_huge_content_length_is_400(void **state)
{
	struct http_msg	*m;

	(void)state;
	assert_int_equal(req_status("POST / HTTP/1.1\r\nHost: a\r\n"
	    "Content-Length: -1\r\n\r\n"), 400);
	assert_int_equal(req_status("POST / HTTP/1.1\r\nHost: a\r\n"
	    "Content-Length: +1\r\n\r\n"), 400);
	assert_int_equal(req_status("POST / HTTP/1.1\r\nHost: a\r\n"
	    "Content-Length: 0x10\r\n\r\n"), 400);
	assert_int_equal(req_status("POST / HTTP/1.1\r\nHost: a\r\n"
	    "Content-Length: \r\n\r\n"), 400);
	assert_int_equal(req_status("POST / HTTP/1.1\r\nHost: a\r\n"
	    "Content-Length: 9223372036854775808\r\n\r\n"), 400);
	assert_int_equal(req("POST / HTTP/1.1\r\nHost: a\r\n"
	    "Content-Length: 9223372036854775807\r\n\r\n", &m), HTTP_OK);
	assert_int_equal(m->m_length, INT64_MAX);
	http_msg_free(m);
}

static void
test_codings_other_than_chunked_alone_are_501(void **state)
{
	struct http_msg	*m;

	(void)state;
	assert_int_equal(req_status("POST / HTTP/1.1\r\nHost: a\r\n"
	    "Transfer-Encoding: gzip, chunked\r\n\r\n"), 501);
	assert_int_equal(req_status("POST / HTTP/1.1\r\nHost: a\r\n"
	    "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n"
	    "\r\n"), 501);
	assert_int_equal(req_status("POST / HTTP/1.1\r\nHost: a\r\n"
	    "Transfer-Encoding: identity\r\n\r\n"), 501);
	assert_int_equal(req("POST / HTTP/1.1\r\nHost: a\r\n"
	    "Transfer-Encoding: ChunKed \r\n\r\n", &m), HTTP_OK);
	assert_int_equal(m->m_body, HTTP_BODY_CHUNKED);
	assert_int_equal(m->m_keepalive, 1);
	http_msg_free(m);
	assert_int_equal(resp("HTTP/1.1 200 OK\r\n"
	    "Transfer-Encoding: gzip\r\n\r\n", NULL, &m), HTTP_ERROR);
	assert_int_equal(m->m_status, 502);
	http_msg_free(m);
}

static void
test_an_http_1_0_chunked_request_closes_after(void **state)
{
	struct http_msg	*m;

	(void)state;
	assert_int_equal(req("POST / HTTP/1.0\r\nConnection: keep-alive\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n", &m), HTTP_OK);
	assert_int_equal(m->m_body, HTTP_BODY_CHUNKED);
	assert_int_equal(m->m_keepalive, 0);
	http_msg_free(m);
}

static void
test_get_with_a_body_is_400_and_a_zero_length_is_dropped(void **state)
{
	struct http_msg	*m;

	(void)state;
	assert_int_equal(req_status("GET / HTTP/1.1\r\nHost: a\r\n"
	    "Content-Length: 4\r\n\r\n"), 400);
	assert_int_equal(req_status("HEAD / HTTP/1.1\r\nHost: a\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n"), 400);
	assert_int_equal(req_status("MOVE / HTTP/1.1\r\nHost: a\r\n"
	    "Content-Length: 1\r\n\r\n"), 400);
	assert_int_equal(req("COPY / HTTP/1.1\r\nHost: a\r\n"
	    "Content-Length: 0\r\n\r\n", &m), HTTP_OK);
	assert_int_equal(m->m_body, HTTP_BODY_NONE);
	assert_int_equal(http_hdr_find(m, "Content-Length", 0), -1);
	http_msg_free(m);
}

static void
test_content_length_on_trace_or_connect_is_400(void **state)
{
	(void)state;
	assert_int_equal(req_status("TRACE / HTTP/1.1\r\nHost: a\r\n"
	    "Content-Length: 0\r\n\r\n"), 400);
	assert_int_equal(req_status("CONNECT a:443 HTTP/1.1\r\nHost: a\r\n"
	    "Content-Length: 3\r\n\r\n"), 400);
	assert_int_equal(req_status("CONNECT /x HTTP/1.1\r\nHost: a\r\n\r\n"),
	    400);
}

static void
test_a_post_without_length_has_no_body(void **state)
{
	struct http_msg	*m;

	(void)state;
	assert_int_equal(req("POST / HTTP/1.1\r\nHost: a\r\n\r\n", &m),
	    HTTP_OK);
	assert_int_equal(m->m_body, HTTP_BODY_NONE);
	http_msg_free(m);
	assert_int_equal(req("PUT / HTTP/1.1\r\nHost: a\r\n"
	    "Content-Length: 0\r\n\r\n", &m), HTTP_OK);
	assert_int_equal(m->m_body, HTTP_BODY_NONE);
	assert_int_equal(http_hdr_find(m, "Content-Length", 0), 1);
	http_msg_free(m);
}

static void
test_keep_alive_follows_version_and_connection(void **state)
{
	struct http_msg	*m;

	(void)state;
	assert_int_equal(req("GET / HTTP/1.1\r\nHost: a\r\n"
	    "Connection: foo, Close\r\n\r\n", &m), HTTP_OK);
	assert_int_equal(m->m_keepalive, 0);
	http_msg_free(m);
	assert_int_equal(req("GET / HTTP/1.0\r\n\r\n", &m), HTTP_OK);
	assert_int_equal(m->m_keepalive, 0);
	http_msg_free(m);
	assert_int_equal(req("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n"
	    "\r\n", &m), HTTP_OK);
	assert_int_equal(m->m_keepalive, 1);
	http_msg_free(m);
	assert_int_equal(resp_to("GET", 0, "HTTP/1.0 200 OK\r\n"
	    "Content-Length: 2\r\n\r\n", &m), HTTP_OK);
	assert_int_equal(m->m_keepalive, 0);
	assert_int_equal(m->m_body, HTTP_BODY_LENGTH);
	http_msg_free(m);
	assert_int_equal(resp_to("GET", 0, "HTTP/1.1 200 OK\r\n"
	    "Content-Length: 2\r\n\r\n", &m), HTTP_OK);
	assert_int_equal(m->m_keepalive, 1);
	http_msg_free(m);
}

static void
test_websocket_without_the_option_is_403(void **state)
{
	(void)state;
	assert_int_equal(req_status("GET /ws HTTP/1.1\r\nHost: a\r\n"
	    "Upgrade: websocket\r\nConnection: Upgrade\r\n\r\n"), 403);
}

static void
test_websocket_needs_connection_upgrade_and_get(void **state)
{
	struct http_msg	*m;

	(void)state;
	assert_int_equal(req_lim("GET /ws HTTP/1.1\r\nHost: a\r\n"
	    "Upgrade: websocket\r\n\r\n", &lim_ws, &m), HTTP_ERROR);
	assert_int_equal(m->m_status, 400);
	http_msg_free(m);
	assert_int_equal(req_lim("POST /ws HTTP/1.1\r\nHost: a\r\n"
	    "Upgrade: WebSocket\r\nConnection: keep-alive, Upgrade\r\n\r\n",
	    &lim_ws, &m), HTTP_ERROR);
	assert_int_equal(m->m_status, 405);
	http_msg_free(m);
	assert_int_equal(req_lim("GET /ws HTTP/1.1\r\nHost: a\r\n"
	    "Upgrade: websocket\r\nConnection: keep-alive, Upgrade\r\n\r\n",
	    &lim_ws, &m), HTTP_OK);
	assert_int_equal(m->m_upgrade, 1);
	http_msg_free(m);
}

static void
test_a_101_needs_both_upgrade_headers_and_an_upgrade_request(void **state)
{
	struct http_msg	*m;

	(void)state;
	assert_int_equal(resp_to("GET", 1, "HTTP/1.1 101 Switching Protocols\r\n"
	    "Upgrade: websocket\r\nConnection: Upgrade\r\n\r\n", &m), HTTP_OK);
	assert_int_equal(m->m_body, HTTP_BODY_UPGRADE);
	assert_int_equal(m->m_status, 101);
	http_msg_free(m);
	assert_int_equal(resp_to("GET", 1, "HTTP/1.1 101 Switching Protocols\r\n"
	    "Upgrade: websocket\r\n\r\n", &m), HTTP_ERROR);
	assert_int_equal(m->m_status, 502);
	http_msg_free(m);
	assert_int_equal(resp_to("GET", 1, "HTTP/1.1 101 Switching Protocols\r\n"
	    "Connection: upgrade\r\n\r\n", &m), HTTP_ERROR);
	http_msg_free(m);
	assert_int_equal(resp_to("GET", 0, "HTTP/1.1 101 Switching Protocols\r\n"
	    "Upgrade: websocket\r\nConnection: Upgrade\r\n\r\n", &m),
	    HTTP_ERROR);
	http_msg_free(m);
}

static void
test_head_204_and_304_answers_end_at_the_head(void **state)
{
	struct http_msg	*m;

	(void)state;
	assert_int_equal(resp_to("HEAD", 0, "HTTP/1.1 200 OK\r\n"
	    "Content-Length: 1234\r\n\r\n", &m), HTTP_OK);
	assert_int_equal(m->m_body, HTTP_BODY_NONE);
	assert_int_equal(http_hdr_find(m, "Content-Length", 0), 0);
	http_msg_free(m);
	assert_int_equal(resp_to("HEAD", 0, "HTTP/1.1 200 OK\r\n\r\n", &m),
	    HTTP_OK);
	assert_int_equal(m->m_body, HTTP_BODY_NONE);
	assert_int_equal(m->m_keepalive, 1);
	http_msg_free(m);
	assert_int_equal(resp_to("GET", 0, "HTTP/1.1 304 Not Modified\r\n"
	    "Content-Length: 99\r\n\r\n", &m), HTTP_OK);
	assert_int_equal(m->m_body, HTTP_BODY_NONE);
	http_msg_free(m);
	assert_int_equal(resp_to("GET", 0, "HTTP/1.1 204 No Content\r\n\r\n",
	    &m), HTTP_OK);
	assert_int_equal(m->m_body, HTTP_BODY_NONE);
	http_msg_free(m);
	assert_int_equal(resp_to("GET", 0, "HTTP/1.1 100 Continue\r\n\r\n",
	    &m), HTTP_OK);
	assert_int_equal(m->m_body, HTTP_BODY_NONE);
	http_msg_free(m);
}

static void
test_a_1xx_or_204_with_a_length_is_502(void **state)
{
	struct http_msg	*m;

	(void)state;
	assert_int_equal(resp_to("GET", 0, "HTTP/1.1 204 No Content\r\n"
	    "Content-Length: 3\r\n\r\n", &m), HTTP_ERROR);
	assert_int_equal(m->m_status, 502);
	http_msg_free(m);
	assert_int_equal(resp_to("GET", 0, "HTTP/1.1 100 Continue\r\n"
	    "Content-Length: 1\r\n\r\n", &m), HTTP_ERROR);
	assert_int_equal(m->m_status, 502);
	http_msg_free(m);
	assert_int_equal(resp_to("GET", 0, "HTTP/1.1 204 No Content\r\n"
	    "Content-Length: 0\r\n\r\n", &m), HTTP_OK);
	http_msg_free(m);
}

static void
test_a_response_without_length_runs_to_eof(void **state)
{
	struct http_msg	*m;

	(void)state;
	assert_int_equal(resp_to("GET", 0, "HTTP/1.1 200 OK\r\n"
	    "Content-Type: text/plain\r\n\r\nbody...", &m), HTTP_OK);
	assert_int_equal(m->m_body, HTTP_BODY_EOF);
	assert_int_equal(m->m_keepalive, 0);
	http_msg_free(m);
	assert_int_equal(resp("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
	    "Content-Length: 5\r\n\r\n", NULL, &m), HTTP_OK);
	assert_int_equal(m->m_body, HTTP_BODY_CHUNKED);
	assert_int_equal(m->m_keepalive, 0);
	assert_int_equal(http_hdr_find(m, "Content-Length", 0), -1);
	http_msg_free(m);
}

static void
test_bad_status_lines_are_502(void **state)
{
	struct http_msg	*m;

	(void)state;
	assert_int_equal(resp("HTTP/2 200 OK\r\n\r\n", NULL, &m), HTTP_ERROR);
	assert_int_equal(m->m_status, 502);
	http_msg_free(m);
	assert_int_equal(resp("HTTP/1.1 2000 OK\r\n\r\n", NULL, &m),
	    HTTP_ERROR);
	http_msg_free(m);
	assert_int_equal(resp("HTTP/1.1 099 Low\r\n\r\n", NULL, &m),
	    HTTP_ERROR);
	http_msg_free(m);
	assert_int_equal(resp("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n",
	    NULL, &m), HTTP_OK);
	assert_int_equal(m->m_status, 200);
	http_msg_free(m);
	/* Request-side limits turn into 502 on the response side. */
	assert_int_equal(resp("HTTP/1.1 200 OK\r\nBroken\r\n\r\n", NULL, &m),
	    HTTP_ERROR);
	assert_int_equal(m->m_status, 502);
	http_msg_free(m);
}

static void
test_emit_round_trips_a_request_in_arrival_order(void **state)
{
	struct http_msg	*m, *m2;
	const char	*s = "GET /x?y HTTP/1.1\r\nHost: a\r\nZ: 1\r\nA: 2\r\n"
			    "z: 3\r\n\r\n";
	char		 out[512];
	long		 n;

	(void)state;
	assert_int_equal(req(s, &m), HTTP_OK);
	n = http_emit(m, out, sizeof(out));
	assert_int_equal(n, strlen(s));
	assert_memory_equal(out, s, n);
	/* Too small an output: -1. */
	assert_int_equal(http_emit(m, out, n - 1), -1);
	assert_int_equal(http_emit(m, out, n), n);
	m2 = http_msg_new(&lim_std);
	assert_non_null(m2);
	assert_int_equal(http_parse(m2, 1, out, n, &lim_std, NULL), HTTP_OK);
	assert_int_equal(m2->m_nhdrs, 4);
	http_msg_free(m2);
	http_msg_free(m);
}

static void
test_emit_of_a_response_uses_the_reason_or_the_standard_one(void **state)
{
	struct http_msg	*m;
	char		 out[256];
	long		 n;

	(void)state;
	assert_int_equal(resp("HTTP/1.1 404 Nope\r\nContent-Length: 0\r\n\r\n",
	    NULL, &m), HTTP_OK);
	n = http_emit(m, out, sizeof(out) - 1);
	assert_true(n > 0);
	out[n] = '\0';
	assert_string_equal(out, "HTTP/1.1 404 Nope\r\nContent-Length: 0\r\n"
	    "\r\n");
	http_msg_free(m);
	assert_int_equal(resp("HTTP/1.0 503\r\n\r\n", NULL, &m), HTTP_OK);
	n = http_emit(m, out, sizeof(out) - 1);
	assert_true(n > 0);
	out[n] = '\0';
	assert_string_equal(out, "HTTP/1.0 503 Service Unavailable\r\n\r\n");
	http_msg_free(m);
}

static void
test_header_edits_compare_names_case_insensitively(void **state)
{
	struct http_msg	*m;
	char		 out[512];
	long		 n;

	(void)state;
	assert_int_equal(req("GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\r\n"
	    "Cookie: c=1\r\nx-a: 2\r\n\r\n", &m), HTTP_OK);
	assert_int_equal(http_hdr_find(m, "X-a", 0), 1);
	assert_int_equal(http_hdr_find(m, "X-a", 1), 3);
	assert_int_equal(http_hdr_find(m, "X-a", 2), -1);
	assert_int_equal(http_hdr_set(m, "x-A", "new"), 0);
	assert_string_equal(http_hdr_value(m, 1), "new");
	assert_string_equal(http_hdr_value(m, 3), "new");
	assert_int_equal(http_hdr_append(m, "X-Forwarded-For", "192.0.2.1"),
	    0);
	assert_int_equal(http_hdr_remove(m, "COOKIE"), 1);
	assert_int_equal(http_hdr_remove(m, "cookie"), 0);
	assert_int_equal(http_hdr_set(m, "Via", "hakit"), 0);
	n = http_emit(m, out, sizeof(out) - 1);
	assert_true(n > 0);
	out[n] = '\0';
	assert_string_equal(out, "GET / HTTP/1.1\r\nHost: a\r\nX-A: new\r\n"
	    "x-a: new\r\nX-Forwarded-For: 192.0.2.1\r\nVia: hakit\r\n\r\n");
	http_msg_free(m);
}

static void
test_edits_refuse_injection_and_framing_headers(void **state)
{
	struct http_msg	*m;

	(void)state;
	assert_int_equal(req("POST / HTTP/1.1\r\nHost: a\r\n"
	    "Content-Length: 2\r\n\r\n", &m), HTTP_OK);
	assert_int_equal(http_hdr_append(m, "X", "a\r\nEvil: 1"), -1);
	assert_int_equal(http_hdr_append(m, "Bad Name", "v"), -1);
	assert_int_equal(http_hdr_set(m, "content-length", "5"), -1);
	assert_int_equal(http_hdr_append(m, "Transfer-Encoding", "chunked"),
	    -1);
	assert_int_equal(http_hdr_remove(m, "Content-Length"), 0);
	assert_int_equal(http_hdr_find(m, "Content-Length", 0), 1);
	http_msg_free(m);
}

static void
test_path_and_query_edits_rebuild_the_target(void **state)
{
	struct http_msg	*m;
	char		 out[512];
	long		 n;

	(void)state;
	assert_int_equal(req("GET http://a/one/two?q=1 HTTP/1.1\r\nHost: a\r\n"
	    "\r\n", &m), HTTP_OK);
	assert_int_equal(http_set_path(m, "/two"), 0);
	assert_string_equal(http_str(m, m->m_target), "/two?q=1");
	assert_int_equal(http_set_query(m, "r=2"), 0);
	assert_string_equal(http_str(m, m->m_target), "/two?r=2");
	assert_int_equal(http_set_query(m, NULL), 0);
	assert_string_equal(http_str(m, m->m_target), "/two");
	assert_int_equal(http_set_path(m, "no-slash"), -1);
	assert_int_equal(http_set_path(m, "/a b"), -1);
	assert_int_equal(http_set_path(m, "/a?b"), -1);
	n = http_emit(m, out, sizeof(out) - 1);
	assert_true(n > 0);
	out[n] = '\0';
	assert_string_equal(out, "GET /two HTTP/1.1\r\nHost: a\r\n\r\n");
	http_msg_free(m);
}

static void
test_a_full_arena_or_header_table_makes_edits_fail(void **state)
{
	struct http_msg	*m;
	char		 big[1024], name[16];
	int		 i, rv = 0;

	(void)state;
	memset(big, 'v', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(req("GET / HTTP/1.1\r\nHost: a\r\n\r\n", &m), HTTP_OK);
	for (i = 0; i < 100 && rv == 0; i++)
		rv = http_hdr_append(m, "X-Big", big);
	assert_int_equal(rv, -1);
	assert_true(m->m_used <= m->m_cap);
	/* What fitted is intact. */
	assert_string_equal(http_hdr_value(m, 1), big);
	http_msg_free(m);

	assert_int_equal(req("GET / HTTP/1.1\r\nHost: a\r\n\r\n", &m), HTTP_OK);
	for (i = 0, rv = 0; i < 1000 && rv == 0; i++) {
		snprintf(name, sizeof(name), "X-%d", i);
		rv = http_hdr_append(m, name, "1");
	}
	assert_int_equal(rv, -1);
	assert_int_equal(m->m_nhdrs, m->m_maxhdrs);
	http_msg_free(m);
}

static void
test_reason_phrases_are_the_standard_ones(void **state)
{
	(void)state;
	assert_string_equal(http_reason(200), "OK");
	assert_string_equal(http_reason(400), "Bad Request");
	assert_string_equal(http_reason(403), "Forbidden");
	assert_string_equal(http_reason(413), "Content Too Large");
	assert_string_equal(http_reason(431),
	    "Request Header Fields Too Large");
	assert_string_equal(http_reason(502), "Bad Gateway");
	assert_string_equal(http_reason(505), "HTTP Version Not Supported");
	assert_string_equal(http_reason(599), "");
}

/* Scans s whole or one byte at a time: bytes taken, or -1. */
static long
chunk_scan(const char *s, size_t len, int bytewise, int *done)
{
	struct http_chunked	 c;
	size_t			 i;
	long			 n, total = 0;

	http_chunked_init(&c);
	if (!bytewise) {
		n = http_chunked_scan(&c, s, len);
		*done = c.c_done;
		return (n);
	}
	for (i = 0; i < len; i++) {
		n = http_chunked_scan(&c, s + i, 1);
		if (n == -1)
			return (-1);
		total += n;
		if (c.c_done)
			break;
	}
	*done = c.c_done;
	return (total);
}

static long
chunk_both(const char *s, int *done)
{
	long	 whole, bytes;
	int	 d1, d2;

	whole = chunk_scan(s, strlen(s), 0, &d1);
	bytes = chunk_scan(s, strlen(s), 1, &d2);
	assert_int_equal(whole, bytes);
	if (whole != -1)
		assert_int_equal(d1, d2);
	*done = d1;
	return (whole);
}

static void
test_chunked_bodies_end_after_the_last_chunk_and_trailers(void **state)
{
	const char	*s = "5\r\nhello\r\n1a;ext=1\r\n"
			    "abcdefghijklmnopqrstuvwxyz\r\n0\r\nX-T: 1\r\n\r\n"
			    "NEXT";
	int		 done;

	(void)state;
	assert_int_equal(chunk_both(s, &done), strlen(s) - 4);
	assert_int_equal(done, 1);
	assert_int_equal(chunk_both("0\r\n\r\n", &done), 5);
	assert_int_equal(done, 1);
	assert_int_equal(chunk_both("A\r\n0123", &done), 7);
	assert_int_equal(done, 0);
}

static void
test_bad_chunk_sizes_end_the_session(void **state)
{
	int	 done;

	(void)state;
	assert_int_equal(chunk_both("0x10\r\n", &done), -1);
	assert_int_equal(chunk_both("-5\r\n", &done), -1);
	assert_int_equal(chunk_both("+5\r\n", &done), -1);
	assert_int_equal(chunk_both(" 5\r\n", &done), -1);
	assert_int_equal(chunk_both("5 \r\n", &done), -1);
	assert_int_equal(chunk_both("\r\n", &done), -1);
	assert_int_equal(chunk_both("5\nhello\r\n", &done), -1);
	assert_int_equal(chunk_both("5\r\nhelloX\r\n", &done), -1);
	assert_int_equal(chunk_both("g\r\n", &done), -1);
	assert_int_equal(chunk_both("0\r\nX: 1\n\r\n", &done), -1);
}

static void
test_huge_chunk_sizes_and_long_lines_are_refused(void **state)
{
	char	 s[8192];
	int	 done;

	(void)state;
	/* 2^62 itself passes, one more does not. */
	assert_int_equal(chunk_both("4000000000000000\r\n", &done), 18);
	assert_int_equal(chunk_both("4000000000000001\r\n", &done), -1);
	assert_int_equal(chunk_both("10000000000000000000\r\n", &done), -1);
	assert_int_equal(chunk_both("0000000000000000000000001\r\nx\r\n",
	    &done), 30);
	memset(s, 0, sizeof(s));
	s[0] = '1';
	s[1] = ';';
	memset(s + 2, 'e', 5000);
	assert_int_equal(chunk_both(s, &done), -1);
	memcpy(s, "0\r\nX: ", 6);
	memset(s + 6, 'v', 5000);
	assert_int_equal(chunk_both(s, &done), -1);
}

static void
test_a_failed_scanner_stays_failed_and_a_done_one_takes_nothing(void **state)
{
	struct http_chunked	 c;

	(void)state;
	http_chunked_init(&c);
	assert_int_equal(http_chunked_scan(&c, "z", 1), -1);
	assert_int_equal(http_chunked_scan(&c, "0\r\n\r\n", 5), -1);
	http_chunked_init(&c);
	assert_int_equal(http_chunked_scan(&c, "0\r\n\r\nGET", 8), 5);
	assert_int_equal(http_chunked_scan(&c, "GET", 3), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    test_a_simple_get_is_parsed_with_path_query_and_host),
		cmocka_unit_test(test_a_head_without_its_blank_line_needs_more),
		cmocka_unit_test(test_the_head_length_stops_at_the_blank_line),
		cmocka_unit_test(
		    test_empty_lines_before_a_request_line_are_skipped),
		cmocka_unit_test(test_a_request_line_without_a_space_is_400),
		cmocka_unit_test(test_an_unknown_method_is_500),
		cmocka_unit_test(test_all_33_methods_are_known),
		cmocka_unit_test(test_versions_other_than_1_x_are_505),
		cmocka_unit_test(test_http_1_1_without_host_or_with_two_is_400),
		cmocka_unit_test(
		    test_an_ipv6_host_keeps_its_brackets_and_loses_its_port),
		cmocka_unit_test(test_absolute_form_host_must_equal_host),
		cmocka_unit_test(test_asterisk_form_is_for_options_only),
		cmocka_unit_test(test_a_header_line_without_colon_is_400),
		cmocka_unit_test(test_header_names_must_be_tokens),
		cmocka_unit_test(test_a_nul_anywhere_in_the_head_is_400),
		cmocka_unit_test(test_bare_cr_or_lf_is_400),
		cmocka_unit_test(
		    test_obs_fold_is_400_in_a_request_and_502_in_a_response),
		cmocka_unit_test(
		    test_an_oversized_head_is_413_even_before_it_ends),
		cmocka_unit_test(test_too_many_headers_is_431),
		cmocka_unit_test(
		    test_smuggling_with_cl_and_te_drops_cl_and_closes),
		cmocka_unit_test(
		    test_duplicate_content_length_is_400_even_when_equal),
		cmocka_unit_test(
		    test_signed_non_numeric_or_huge_content_length_is_400),
		cmocka_unit_test(test_codings_other_than_chunked_alone_are_501),
		cmocka_unit_test(test_an_http_1_0_chunked_request_closes_after),
		cmocka_unit_test(
		    test_get_with_a_body_is_400_and_a_zero_length_is_dropped),
		cmocka_unit_test(
		    test_content_length_on_trace_or_connect_is_400),
		cmocka_unit_test(test_a_post_without_length_has_no_body),
		cmocka_unit_test(test_keep_alive_follows_version_and_connection),
		cmocka_unit_test(test_websocket_without_the_option_is_403),
		cmocka_unit_test(
		    test_websocket_needs_connection_upgrade_and_get),
		cmocka_unit_test(
		    test_a_101_needs_both_upgrade_headers_and_an_upgrade_request),
		cmocka_unit_test(test_head_204_and_304_answers_end_at_the_head),
		cmocka_unit_test(test_a_1xx_or_204_with_a_length_is_502),
		cmocka_unit_test(test_a_response_without_length_runs_to_eof),
		cmocka_unit_test(test_bad_status_lines_are_502),
		cmocka_unit_test(
		    test_emit_round_trips_a_request_in_arrival_order),
		cmocka_unit_test(
		    test_emit_of_a_response_uses_the_reason_or_the_standard_one),
		cmocka_unit_test(
		    test_header_edits_compare_names_case_insensitively),
		cmocka_unit_test(
		    test_edits_refuse_injection_and_framing_headers),
		cmocka_unit_test(test_path_and_query_edits_rebuild_the_target),
		cmocka_unit_test(
		    test_a_full_arena_or_header_table_makes_edits_fail),
		cmocka_unit_test(test_reason_phrases_are_the_standard_ones),
		cmocka_unit_test(
		    test_chunked_bodies_end_after_the_last_chunk_and_trailers),
		cmocka_unit_test(test_bad_chunk_sizes_end_the_session),
		cmocka_unit_test(
		    test_huge_chunk_sizes_and_long_lines_are_refused),
		cmocka_unit_test(
		    test_a_failed_scanner_stays_failed_and_a_done_one_takes_nothing),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
