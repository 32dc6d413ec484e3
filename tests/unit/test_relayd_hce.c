/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * relayd's host check engine without I/O: the retry budget, unknown and
 * parent rules of spec section 4 (hce_state.c), the 34 reason words, the
 * requests of HCE-4/6 and the reply judging of HCE-4..9 (check_http.c)
 * with known digests, fed whole and byte by byte.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "relayd.h"
#include "hce.h"
#include "check_http.h"

#define SHA1_HELLO	"f572d396fae9206628714fb2ce00f72e94f2258f"
#define MD5_HELLO	"b1946ac92492d2347c6235b4d2611184"

static void
host_init(struct rd_host *h, int retry)
{
	memset(h, 0, sizeof(*h));
	h->h_id = 1;
	h->h_retry = retry;
	hce_host_reset(h);
}

static void
check_init(struct rd_check *ck, enum check_type type)
{
	memset(ck, 0, sizeof(*ck));
	ck->ck_type = type;
}

static void
expect_set(struct rd_check *ck, const char *s)
{
	ck->ck_expectlen = strlen(s);
	memcpy(ck->ck_expect, s, ck->ck_expectlen);
}

/* Feeds s whole (step 0) or in pieces of step bytes, then EOF if eof. */
static enum hce_reason
judge(const struct rd_check *ck, const char *s, size_t len, size_t step,
    int eof)
{
	struct check_read	*cr;
	enum hce_reason		 r = HCE_NONE;
	size_t			 off, n;

	cr = malloc(sizeof(*cr));
	assert_non_null(cr);
	assert_int_equal(check_http_init(cr, ck), 0);
	if (step == 0)
		step = len;
	for (off = 0; off < len && r == HCE_NONE; off += n) {
		n = len - off < step ? len - off : step;
		r = check_http_feed(cr, s + off, n);
	}
	if (r == HCE_NONE && eof)
		r = check_http_eof(cr);
	check_http_clear(cr);
	free(cr);
	return (r);
}

/* The same result whole, byte by byte and in 7-byte pieces. */
static enum hce_reason
judge_all(const struct rd_check *ck, const char *s, int eof)
{
	enum hce_reason	 r;

	r = judge(ck, s, strlen(s), 0, eof);
	assert_int_equal(judge(ck, s, strlen(s), 1, eof), r);
	assert_int_equal(judge(ck, s, strlen(s), 7, eof), r);
	return (r);
}

static void
test_reason_words_are_openbsds_in_enum_order(void **state)
{
	(void)state;
	assert_string_equal(hce_reason_str(HCE_NONE), "none");
	assert_string_equal(hce_reason_str(HCE_ABORT), "aborted");
	assert_string_equal(hce_reason_str(HCE_INTERVAL_TIMEOUT),
	    "interval timeout");
	assert_string_equal(hce_reason_str(HCE_ICMP_WRITE_TIMEOUT),
	    "icmp write timeout");
	assert_string_equal(hce_reason_str(HCE_TCP_CONNECT_FAIL),
	    "tcp connect failed");
	assert_string_equal(hce_reason_str(HCE_TCP_WRITE_FAIL),
	    "tcp write failed");
	assert_string_equal(hce_reason_str(HCE_SCRIPT_FAIL), "script failed");
	assert_string_equal(hce_reason_str(HCE_TLS_CONNECT_ERROR),
	    "tls connect error");
	assert_string_equal(hce_reason_str(HCE_SEND_EXPECT_FAIL),
	    "send/expect failed");
	assert_string_equal(hce_reason_str(HCE_HTTP_CODE_ERROR),
	    "http code malformed");
	assert_string_equal(hce_reason_str(HCE_HTTP_CODE_FAIL),
	    "http code mismatch");
	assert_string_equal(hce_reason_str(HCE_HTTP_DIGEST_OK),
	    "http digest ok");
	assert_int_equal(HCE_NREASONS, 34);
	assert_string_equal(hce_reason_str(HCE_NREASONS), "unknown");
}

static void
test_only_the_ok_reasons_mean_up(void **state)
{
	int	 r, n = 0;

	(void)state;
	for (r = 0; r < HCE_NREASONS; r++)
		if (hce_reason_ok(r)) {
			n++;
			assert_non_null(strstr(hce_reason_str(r), " ok"));
		}
	assert_int_equal(n, 7);
}

static void
test_first_failure_with_retry_0_turns_host_down(void **state)
{
	struct rd_host	 h;

	(void)state;
	host_init(&h, 0);
	assert_int_equal(h.h_state, HOST_UNKNOWN);
	assert_int_equal(hce_apply(&h, 0, HCE_TCP_CONNECT_FAIL), 1);
	assert_int_equal(h.h_state, HOST_DOWN);
	assert_int_equal(h.h_reason, HCE_TCP_CONNECT_FAIL);
	assert_int_equal(h.h_checks, 1);
	assert_int_equal(h.h_ups, 0);
}

static void
test_retry_2_host_stays_up_two_failures_falls_on_third(
    void **state)
{
	struct rd_host	 h;

	(void)state;
	host_init(&h, 2);
	assert_int_equal(hce_apply(&h, 1, HCE_TCP_CONNECT_OK), 1);
	assert_int_equal(h.h_state, HOST_UP);
	assert_int_equal(h.h_retry_left, 2);
	assert_int_equal(hce_apply(&h, 0, HCE_TCP_CONNECT_TIMEOUT), 0);
	assert_int_equal(h.h_state, HOST_UP);
	assert_int_equal(h.h_retry_left, 1);
	assert_int_equal(h.h_reason, HCE_TCP_CONNECT_TIMEOUT);
	assert_int_equal(hce_apply(&h, 0, HCE_TCP_CONNECT_TIMEOUT), 0);
	assert_int_equal(h.h_state, HOST_UP);
	assert_int_equal(h.h_retry_left, 0);
	assert_int_equal(hce_apply(&h, 0, HCE_TCP_CONNECT_TIMEOUT), 1);
	assert_int_equal(h.h_state, HOST_DOWN);
	assert_int_equal(h.h_retry_left, 2);
	/* Tolerated failures of an up host count as up. */
	assert_int_equal(h.h_checks, 4);
	assert_int_equal(h.h_ups, 3);
}

static void
test_failures_once_down_keep_it_down_with_budget_full(void **state)
{
	struct rd_host	 h;

	(void)state;
	host_init(&h, 2);
	assert_int_equal(hce_apply(&h, 0, HCE_ICMP_READ_TIMEOUT), 0);
	assert_int_equal(hce_apply(&h, 0, HCE_ICMP_READ_TIMEOUT), 0);
	assert_int_equal(hce_apply(&h, 0, HCE_ICMP_READ_TIMEOUT), 1);
	assert_int_equal(h.h_state, HOST_DOWN);
	assert_int_equal(hce_apply(&h, 0, HCE_ICMP_READ_TIMEOUT), 0);
	assert_int_equal(h.h_state, HOST_DOWN);
	assert_int_equal(h.h_retry_left, 2);
}

static void
test_success_turns_host_up_and_refills_budget(void **state)
{
	struct rd_host	 h;

	(void)state;
	host_init(&h, 3);
	assert_int_equal(hce_apply(&h, 1, HCE_ICMP_OK), 1);
	assert_int_equal(hce_apply(&h, 0, HCE_ICMP_READ_TIMEOUT), 0);
	assert_int_equal(hce_apply(&h, 0, HCE_ICMP_READ_TIMEOUT), 0);
	assert_int_equal(h.h_retry_left, 1);
	assert_int_equal(hce_apply(&h, 1, HCE_ICMP_OK), 0);
	assert_int_equal(h.h_state, HOST_UP);
	assert_int_equal(h.h_retry_left, 3);
	assert_int_equal(h.h_reason, HCE_ICMP_OK);

	/* down -> up at once, budget full again */
	h.h_retry = 0;
	assert_int_equal(hce_apply(&h, 0, HCE_ICMP_READ_TIMEOUT), 0);
	assert_int_equal(hce_apply(&h, 0, HCE_ICMP_READ_TIMEOUT), 0);
	assert_int_equal(hce_apply(&h, 0, HCE_ICMP_READ_TIMEOUT), 0);
	assert_int_equal(hce_apply(&h, 0, HCE_ICMP_READ_TIMEOUT), 1);
	assert_int_equal(h.h_state, HOST_DOWN);
	assert_int_equal(hce_apply(&h, 1, HCE_ICMP_OK), 1);
	assert_int_equal(h.h_state, HOST_UP);
}

static void
test_results_while_unknown_do_not_count(void **state)
{
	struct rd_host	 h;

	(void)state;
	host_init(&h, 2);
	assert_int_equal(hce_apply(&h, 0, HCE_TCP_CONNECT_FAIL), 0);
	assert_int_equal(h.h_state, HOST_UNKNOWN);
	assert_int_equal(h.h_retry_left, 1);
	assert_int_equal(h.h_reason, HCE_TCP_CONNECT_FAIL);
	assert_int_equal(hce_apply(&h, 0, HCE_TCP_CONNECT_FAIL), 0);
	assert_int_equal(h.h_checks, 0);
	assert_int_equal(h.h_ups, 0);
	/* The result that takes it out of unknown counts. */
	assert_int_equal(hce_apply(&h, 1, HCE_TCP_CONNECT_OK), 1);
	assert_int_equal(h.h_checks, 1);
	assert_int_equal(h.h_ups, 1);
	assert_int_equal(hce_apply(&h, 1, HCE_TCP_CONNECT_OK), 0);
	assert_int_equal(h.h_checks, 2);
	assert_int_equal(h.h_ups, 2);
}

static void
test_disabled_host_drops_results(void **state)
{
	struct rd_host	 h;

	(void)state;
	host_init(&h, 0);
	assert_int_equal(hce_apply(&h, 1, HCE_TCP_CONNECT_OK), 1);
	h.h_disabled = 1;
	assert_int_equal(hce_apply(&h, 0, HCE_TCP_CONNECT_FAIL), 0);
	assert_int_equal(h.h_state, HOST_UP);
	assert_int_equal(h.h_reason, HCE_TCP_CONNECT_OK);
	assert_int_equal(h.h_checks, 1);
}

static void
test_reenabled_host_is_unknown_full_budget_no_counts(void **state)
{
	struct rd_host	 h;

	(void)state;
	host_init(&h, 2);
	assert_int_equal(hce_apply(&h, 1, HCE_TCP_CONNECT_OK), 1);
	assert_int_equal(hce_apply(&h, 0, HCE_TCP_CONNECT_FAIL), 0);
	hce_host_reset(&h);
	assert_int_equal(h.h_state, HOST_UNKNOWN);
	assert_int_equal(h.h_reason, HCE_NONE);
	assert_int_equal(h.h_retry_left, 2);
	assert_int_equal(h.h_checks, 0);
	assert_int_equal(h.h_ups, 0);
}

static void
test_child_mirrors_its_parent(void **state)
{
	struct rd_host	 p, c;

	(void)state;
	host_init(&p, 1);
	host_init(&c, 0);
	c.h_id = 2;
	c.h_parentid = 1;
	assert_int_equal(hce_apply(&p, 1, HCE_HTTP_CODE_OK), 1);
	assert_int_equal(hce_mirror(&c, &p), 1);
	assert_int_equal(c.h_state, HOST_UP);
	assert_int_equal(c.h_reason, HCE_HTTP_CODE_OK);
	assert_int_equal(c.h_checks, 1);
	assert_int_equal(c.h_ups, 1);
	assert_int_equal(hce_mirror(&c, &p), 0);
	/* The child follows the parent's budget, not its own retry. */
	assert_int_equal(hce_apply(&p, 0, HCE_HTTP_CODE_FAIL), 0);
	assert_int_equal(hce_mirror(&c, &p), 0);
	assert_int_equal(c.h_state, HOST_UP);
	assert_int_equal(c.h_retry_left, 0);
	assert_int_equal(hce_apply(&p, 0, HCE_HTTP_CODE_FAIL), 1);
	assert_int_equal(hce_mirror(&c, &p), 1);
	assert_int_equal(c.h_state, HOST_DOWN);
	assert_int_equal(c.h_id, 2);
	/* A disabled child is left alone. */
	c.h_disabled = 1;
	assert_int_equal(hce_apply(&p, 1, HCE_HTTP_CODE_OK), 1);
	assert_int_equal(hce_mirror(&c, &p), 0);
	assert_int_equal(c.h_state, HOST_DOWN);
}

static void
test_http_code_request_is_head_http10(void **state)
{
	struct rd_check	 ck;
	char		 buf[CHECK_REQ_MAX];
	size_t		 len;

	(void)state;
	check_init(&ck, CHECK_HTTP_CODE);
	strlcpy(ck.ck_path, "/index.html", sizeof(ck.ck_path));
	ck.ck_code = 200;
	assert_int_equal(check_http_request(&ck, buf, sizeof(buf), &len), 0);
	assert_int_equal(len, strlen("HEAD /index.html HTTP/1.0\r\n\r\n"));
	assert_memory_equal(buf, "HEAD /index.html HTTP/1.0\r\n\r\n", len);
	assert_true(check_http_reads(&ck));
}

static void
test_http_request_with_host_is_http11_with_host_and_close(void **state)
{
	struct rd_check	 ck;
	char		 buf[CHECK_REQ_MAX];
	const char	*want;
	size_t		 len;

	(void)state;
	check_init(&ck, CHECK_HTTP_DIGEST);
	strlcpy(ck.ck_path, "/", sizeof(ck.ck_path));
	strlcpy(ck.ck_host, "www.example.com", sizeof(ck.ck_host));
	want = "GET / HTTP/1.1\r\nHost: www.example.com\r\n"
	    "Connection: close\r\n\r\n";
	assert_int_equal(check_http_request(&ck, buf, sizeof(buf), &len), 0);
	assert_int_equal(len, strlen(want));
	assert_memory_equal(buf, want, len);

	/* Too small, or a path that would split the request line. */
	assert_int_equal(check_http_request(&ck, buf, 20, &len), -1);
	strlcpy(ck.ck_path, "/a b", sizeof(ck.ck_path));
	assert_int_equal(check_http_request(&ck, buf, sizeof(buf), &len), -1);
	strlcpy(ck.ck_path, "/a\r\nX: y", sizeof(ck.ck_path));
	assert_int_equal(check_http_request(&ck, buf, sizeof(buf), &len), -1);
	ck.ck_path[0] = '\0';
	assert_int_equal(check_http_request(&ck, buf, sizeof(buf), &len), -1);
	strlcpy(ck.ck_path, "/", sizeof(ck.ck_path));
	strlcpy(ck.ck_host, "a\nb", sizeof(ck.ck_host));
	assert_int_equal(check_http_request(&ck, buf, sizeof(buf), &len), -1);
}

static void
test_send_request_is_the_send_bytes_or_nothing(void **state)
{
	struct rd_check	 ck;
	char		 buf[CHECK_REQ_MAX];
	size_t		 len;

	(void)state;
	check_init(&ck, CHECK_BINARY);
	ck.ck_send[0] = 0x00;
	ck.ck_send[1] = 0xff;
	ck.ck_sendlen = 2;
	assert_int_equal(check_http_request(&ck, buf, sizeof(buf), &len), 0);
	assert_int_equal(len, 2);
	assert_memory_equal(buf, "\x00\xff", 2);
	ck.ck_send_nothing = 1;
	assert_int_equal(check_http_request(&ck, buf, sizeof(buf), &len), 0);
	assert_int_equal(len, 0);
	check_init(&ck, CHECK_TCP);
	assert_int_equal(check_http_request(&ck, buf, sizeof(buf), &len), 0);
	assert_int_equal(len, 0);
	assert_false(check_http_reads(&ck));
}

static void
test_status_line_parses_http1x_codes_only(void **state)
{
	(void)state;
#define ST(s)	check_http_status((const uint8_t *)(s), strlen(s))
	assert_int_equal(ST("HTTP/1.0 200 OK"), 200);
	assert_int_equal(ST("HTTP/1.1 404 Not Found"), 404);
	assert_int_equal(ST("HTTP/1.1 503"), 503);
	assert_int_equal(ST("HTTP/1.1 999 x"), 999);
	assert_int_equal(ST("HTTP/1.1 099 x"), -1);
	assert_int_equal(ST("HTTP/1.1 2000 x"), -1);
	assert_int_equal(ST("HTTP/1.1 20 x"), -1);
	assert_int_equal(ST("HTTP/2 200"), -1);
	assert_int_equal(ST("HTTP/1.1  200"), -1);
	assert_int_equal(ST("http/1.1 200"), -1);
	assert_int_equal(ST("SSH-2.0-OpenSSH"), -1);
	assert_int_equal(ST(""), -1);
#undef ST
}

static void
test_http_code_check_judges_the_status_line(void **state)
{
	struct rd_check	 ck;

	(void)state;
	check_init(&ck, CHECK_HTTP_CODE);
	ck.ck_code = 200;
	assert_int_equal(judge_all(&ck, "HTTP/1.1 200 OK\r\n", 0),
	    HCE_HTTP_CODE_OK);
	assert_int_equal(judge_all(&ck, "HTTP/1.0 302 Found\r\nLocation: /\r\n"
	    "\r\n", 0), HCE_HTTP_CODE_FAIL);
	assert_int_equal(judge_all(&ck, "garbage\n", 0), HCE_HTTP_CODE_ERROR);
	/* No end of line yet: undecided; EOF judges what came. */
	assert_int_equal(judge_all(&ck, "HTTP/1.1 20", 0), HCE_NONE);
	assert_int_equal(judge_all(&ck, "HTTP/1.1 200", 1), HCE_HTTP_CODE_OK);
	assert_int_equal(judge_all(&ck, "HTTP/1.1 20", 1),
	    HCE_HTTP_CODE_ERROR);
	assert_int_equal(judge_all(&ck, "", 1), HCE_HTTP_CODE_ERROR);
}

static void
test_http_code_check_refuses_an_endless_status_line(void **state)
{
	struct rd_check	 ck;
	char		*s;

	(void)state;
	check_init(&ck, CHECK_HTTP_CODE);
	ck.ck_code = 200;
	s = malloc(CHECK_HEAD_MAX + 2);
	assert_non_null(s);
	memcpy(s, "HTTP/1.1 200 ", 13);
	memset(s + 13, 'x', CHECK_HEAD_MAX + 1 - 13);
	s[CHECK_HEAD_MAX + 1] = '\0';
	assert_int_equal(judge(&ck, s, strlen(s), 0, 0), HCE_HTTP_CODE_ERROR);
	assert_int_equal(judge(&ck, s, strlen(s), 4096, 0),
	    HCE_HTTP_CODE_ERROR);
	free(s);
}

static void
test_digests_of_hello_are_the_known_answers(void **state)
{
	char	 out[41];

	(void)state;
	assert_int_equal(check_http_digest_hex(DIGEST_SHA1, "hello\n", 6, out),
	    0);
	assert_string_equal(out, SHA1_HELLO);
	assert_int_equal(check_http_digest_hex(DIGEST_MD5, "hello\n", 6, out),
	    0);
	assert_string_equal(out, MD5_HELLO);
	assert_int_equal(check_http_digest_hex(DIGEST_SHA1, "", 0, out), 0);
	assert_string_equal(out, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
}

static void
test_http_digest_check_hashes_the_body_only(void **state)
{
	struct rd_check	 ck;

	(void)state;
	check_init(&ck, CHECK_HTTP_DIGEST);
	ck.ck_digest_type = DIGEST_SHA1;
	strlcpy(ck.ck_digest, SHA1_HELLO, sizeof(ck.ck_digest));
	assert_int_equal(judge_all(&ck, "HTTP/1.0 200 OK\r\nServer: x\r\n\r\n"
	    "hello\n", 1), HCE_HTTP_DIGEST_OK);
	/* Bare LF header ending too. */
	assert_int_equal(judge_all(&ck, "HTTP/1.0 200 OK\nServer: x\n\n"
	    "hello\n", 1), HCE_HTTP_DIGEST_OK);
	/* Until EOF: undecided before it. */
	assert_int_equal(judge_all(&ck, "HTTP/1.0 200 OK\r\n\r\nhello\n", 0),
	    HCE_NONE);
	assert_int_equal(judge_all(&ck, "HTTP/1.0 200 OK\r\n\r\nhello!\n", 1),
	    HCE_HTTP_DIGEST_FAIL);
	/* Content-Length ends it early, extra bytes ignored. */
	assert_int_equal(judge_all(&ck, "HTTP/1.1 200 OK\r\nContent-Length: 6"
	    "\r\n\r\nhello\nEXTRA", 0), HCE_HTTP_DIGEST_OK);
	/* Cut short of Content-Length. */
	assert_int_equal(judge_all(&ck, "HTTP/1.1 200 OK\r\ncontent-length:  7"
	    "\r\n\r\nhello\n", 1), HCE_HTTP_DIGEST_FAIL);
	/* Upper-case digest configured. */
	strlcpy(ck.ck_digest, "F572D396FAE9206628714FB2CE00F72E94F2258F",
	    sizeof(ck.ck_digest));
	assert_int_equal(judge_all(&ck, "HTTP/1.0 200 OK\r\n\r\nhello\n", 1),
	    HCE_HTTP_DIGEST_OK);
}

static void
test_http_digest_md5_by_type_or_length(void **state)
{
	struct rd_check	 ck;

	(void)state;
	check_init(&ck, CHECK_HTTP_DIGEST);
	ck.ck_digest_type = DIGEST_MD5;
	strlcpy(ck.ck_digest, MD5_HELLO, sizeof(ck.ck_digest));
	assert_int_equal(judge_all(&ck, "HTTP/1.0 200 OK\r\n\r\nhello\n", 1),
	    HCE_HTTP_DIGEST_OK);
	ck.ck_digest_type = DIGEST_NONE;
	assert_int_equal(judge_all(&ck, "HTTP/1.0 200 OK\r\n\r\nhello\n", 1),
	    HCE_HTTP_DIGEST_OK);
}

static void
test_http_digest_refuses_malformed_or_oversized_replies(
    void **state)
{
	struct rd_check	 ck;
	char		*s;
	size_t		 hl;

	(void)state;
	check_init(&ck, CHECK_HTTP_DIGEST);
	ck.ck_digest_type = DIGEST_SHA1;
	strlcpy(ck.ck_digest, SHA1_HELLO, sizeof(ck.ck_digest));
	assert_int_equal(judge_all(&ck, "HTTP/1.0 200 OK\r\n", 1),
	    HCE_HTTP_DIGEST_ERROR);
	assert_int_equal(judge_all(&ck, "hello\n\nhello\n", 1),
	    HCE_HTTP_DIGEST_ERROR);
	assert_int_equal(judge_all(&ck, "HTTP/1.0 200 OK\r\nContent-Length: "
	    "-1\r\n\r\nhello\n", 1), HCE_HTTP_DIGEST_ERROR);
	assert_int_equal(judge_all(&ck, "HTTP/1.0 200 OK\r\nContent-Length: "
	    "6\r\nContent-Length: 7\r\n\r\nhello\n", 1),
	    HCE_HTTP_DIGEST_ERROR);
	assert_int_equal(judge_all(&ck, "HTTP/1.0 200 OK\r\nContent-Length: "
	    "99999999999999999999999\r\n\r\nhello\n", 0),
	    HCE_HTTP_DIGEST_FAIL);

	/* A header without end over the limit. */
	s = malloc(CHECK_BODY_MAX + 64);
	assert_non_null(s);
	memset(s, 'x', CHECK_HEAD_MAX + 10);
	memcpy(s, "HTTP/1.0 200 OK\r\n", 17);
	assert_int_equal(judge(&ck, s, CHECK_HEAD_MAX + 10, 0, 1),
	    HCE_HTTP_DIGEST_ERROR);
	assert_int_equal(judge(&ck, s, CHECK_HEAD_MAX + 10, 1000, 1),
	    HCE_HTTP_DIGEST_ERROR);

	/* A body over the limit fails, one at the limit is judged. */
	hl = 19;
	memcpy(s, "HTTP/1.0 200 OK\r\n\r\n", hl);
	memset(s + hl, 'a', CHECK_BODY_MAX + 1);
	assert_int_equal(judge(&ck, s, hl + CHECK_BODY_MAX + 1, 0, 1),
	    HCE_HTTP_DIGEST_FAIL);
	assert_int_equal(judge(&ck, s, hl + CHECK_BODY_MAX + 1, 65536, 1),
	    HCE_HTTP_DIGEST_FAIL);
	assert_int_equal(judge(&ck, s, hl + CHECK_BODY_MAX, 65536, 0),
	    HCE_NONE);
	free(s);
}

static void
test_send_expect_globs_over_what_was_read(void **state)
{
	struct rd_check	 ck;

	(void)state;
	check_init(&ck, CHECK_SEND_EXPECT);
	expect_set(&ck, "SSH-2.0-*");
	assert_int_equal(judge(&ck, "SSH-2.0-OpenSSH_9.2\r\n", 21, 0, 0),
	    HCE_SEND_EXPECT_OK);
	/* Matches as soon as enough has come. */
	assert_int_equal(judge(&ck, "SSH-2.0-OpenSSH_9.2\r\n", 21, 1, 0),
	    HCE_SEND_EXPECT_OK);
	assert_int_equal(judge_all(&ck, "SSH-1.99-x\r\n", 1),
	    HCE_SEND_EXPECT_FAIL);
	assert_int_equal(judge_all(&ck, "SSH-1.99-x\r\n", 0), HCE_NONE);

	/*
	 * All read so far must match: no star, no trailing CRLF (when it
	 * came in the same read: each read is matched, as OpenBSD does).
	 */
	expect_set(&ck, "+OK");
	assert_int_equal(judge(&ck, "+OK\r\n", 5, 0, 1),
	    HCE_SEND_EXPECT_FAIL);
	assert_int_equal(judge_all(&ck, "+OK", 0), HCE_SEND_EXPECT_OK);
	expect_set(&ck, "220 ?ail*");
	assert_int_equal(judge_all(&ck, "220 mail.example ESMTP\r\n", 0),
	    HCE_SEND_EXPECT_OK);
	expect_set(&ck, "[0-9][0-9][0-9] *");
	assert_int_equal(judge_all(&ck, "220 x", 0), HCE_SEND_EXPECT_OK);
	/* Empty expect: only an empty reply. */
	expect_set(&ck, "");
	assert_int_equal(judge_all(&ck, "", 1), HCE_SEND_EXPECT_OK);
	assert_int_equal(judge_all(&ck, "x", 1), HCE_SEND_EXPECT_FAIL);
}

static void
test_send_expect_fails_a_reply_over_the_limit(void **state)
{
	struct rd_check	 ck;
	char		*s;

	(void)state;
	check_init(&ck, CHECK_SEND_EXPECT);
	expect_set(&ck, "*END");
	s = malloc(CHECK_HEAD_MAX + 8);
	assert_non_null(s);
	memset(s, 'x', CHECK_HEAD_MAX + 8);
	memcpy(s + CHECK_HEAD_MAX + 4, "END", 3);
	assert_int_equal(judge(&ck, s, CHECK_HEAD_MAX + 7, 0, 0),
	    HCE_SEND_EXPECT_FAIL);
	assert_int_equal(judge(&ck, s + 8, CHECK_HEAD_MAX - 1, 0, 0),
	    HCE_SEND_EXPECT_OK);
	free(s);
}

static void
test_binary_expect_is_a_prefix_of_the_reply(void **state)
{
	struct rd_check	 ck;

	(void)state;
	check_init(&ck, CHECK_BINARY);
	memcpy(ck.ck_expect, "\x00\x01\xfe\xff", 4);
	ck.ck_expectlen = 4;
	assert_int_equal(judge(&ck, "\x00\x01\xfe\xff\x10", 5, 0, 0),
	    HCE_SEND_EXPECT_OK);
	assert_int_equal(judge(&ck, "\x00\x01\xfe\xff\x10", 5, 1, 0),
	    HCE_SEND_EXPECT_OK);
	assert_int_equal(judge(&ck, "\x00\x01\xfe", 3, 1, 0), HCE_NONE);
	assert_int_equal(judge(&ck, "\x00\x01\xfe", 3, 1, 1),
	    HCE_SEND_EXPECT_FAIL);
	/* A wrong byte fails at once, without waiting for more. */
	assert_int_equal(judge(&ck, "\x00\x02", 2, 1, 0),
	    HCE_SEND_EXPECT_FAIL);
	ck.ck_expectlen = 0;
	assert_int_equal(judge(&ck, "", 0, 0, 1), HCE_SEND_EXPECT_OK);
}

static void
test_a_decided_result_sticks(void **state)
{
	struct rd_check		 ck;
	struct check_read	 cr;

	(void)state;
	check_init(&ck, CHECK_HTTP_CODE);
	ck.ck_code = 200;
	assert_int_equal(check_http_init(&cr, &ck), 0);
	assert_int_equal(check_http_feed(&cr, "HTTP/1.1 500 x\n", 15),
	    HCE_HTTP_CODE_FAIL);
	assert_int_equal(check_http_feed(&cr, "HTTP/1.1 200 x\n", 15),
	    HCE_HTTP_CODE_FAIL);
	assert_int_equal(check_http_eof(&cr), HCE_HTTP_CODE_FAIL);
	check_http_clear(&cr);
	check_http_clear(&cr);
}

int
main(void)
{
	const struct CMUnitTest	 tests[] = {
		cmocka_unit_test(test_reason_words_are_openbsds_in_enum_order),
		cmocka_unit_test(test_only_the_ok_reasons_mean_up),
		cmocka_unit_test(
		    test_first_failure_with_retry_0_turns_host_down),
		cmocka_unit_test(
		    test_retry_2_host_stays_up_two_failures_falls_on_third),
		cmocka_unit_test(
		    test_failures_once_down_keep_it_down_with_budget_full),
		cmocka_unit_test(
		    test_success_turns_host_up_and_refills_budget),
		cmocka_unit_test(test_results_while_unknown_do_not_count),
		cmocka_unit_test(test_disabled_host_drops_results),
		cmocka_unit_test(
		    test_reenabled_host_is_unknown_full_budget_no_counts),
		cmocka_unit_test(test_child_mirrors_its_parent),
		cmocka_unit_test(test_http_code_request_is_head_http10),
		cmocka_unit_test(
		    test_http_request_with_host_is_http11_with_host_and_close),
		cmocka_unit_test(
		    test_send_request_is_the_send_bytes_or_nothing),
		cmocka_unit_test(test_status_line_parses_http1x_codes_only),
		cmocka_unit_test(test_http_code_check_judges_the_status_line),
		cmocka_unit_test(
		    test_http_code_check_refuses_an_endless_status_line),
		cmocka_unit_test(test_digests_of_hello_are_the_known_answers),
		cmocka_unit_test(test_http_digest_check_hashes_the_body_only),
		cmocka_unit_test(test_http_digest_md5_by_type_or_length),
		cmocka_unit_test(
		    test_http_digest_refuses_malformed_or_oversized_replies),
		cmocka_unit_test(test_send_expect_globs_over_what_was_read),
		cmocka_unit_test(test_send_expect_fails_a_reply_over_the_limit),
		cmocka_unit_test(test_binary_expect_is_a_prefix_of_the_reply),
		cmocka_unit_test(test_a_decided_result_sticks),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
