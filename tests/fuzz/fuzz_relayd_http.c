/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * relayd/http.c on hostile bytes.  The input is
 *
 *   byte 0     bit 0: websockets allowed; bit 1: small limits (256 bytes,
 *              8 headers)
 *   byte 1     piece size for the chunked scanner's split feed (0: 1)
 *   the rest   a request head, then a response head, then a body
 *
 * A request that parses is emitted and parsed again: the same method,
 * target and framing must come back, and every prefix of its head is
 * "more".  The response after it is parsed with the request, emitted,
 * and the bytes after the response head go through the chunked scanner
 * whole and in pieces, which must agree.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

#define CHECK(x)	do { if (!(x)) abort(); } while (0)
#define OUTLEN		(4 * 131072)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct http_msg	*rq, *rs, *again;
static char		*out;

static const struct http_limits	 lim_big = { 131072, 1024, 1 };

static long
chunked(const char *s, size_t len, size_t step, int *done)
{
	struct http_chunked	 c;
	size_t			 off, n;
	long			 r, total = 0;

	http_chunked_init(&c);
	if (step == 0)
		step = len ? len : 1;
	for (off = 0; off < len; off += n) {
		n = len - off < step ? len - off : step;
		if ((r = http_chunked_scan(&c, s + off, n)) == -1)
			return (-1);
		CHECK((size_t)r <= n);
		total += r;
		if (c.c_done) {
			CHECK(http_chunked_scan(&c, s, len) == 0);
			break;
		}
		CHECK((size_t)r == n);
	}
	*done = c.c_done;
	return (total);
}

/* What parsing the emitted head again must keep. */
static void
reparse(const struct http_msg *m, const struct http_msg *req)
{
	long	 n;

	n = http_emit(m, out, OUTLEN);
	CHECK(n > 0);
	CHECK(http_parse(again, m->m_request, out, (size_t)n, &lim_big,
	    req) == HTTP_OK);
	CHECK((size_t)n == again->m_headlen);
	CHECK(again->m_body == m->m_body);
	CHECK(again->m_length == m->m_length);
	CHECK(again->m_minor == m->m_minor);
	if (m->m_request) {
		CHECK(strcmp(again->m_method, m->m_method) == 0);
		CHECK(strcmp(http_str(again, again->m_target),
		    http_str(m, m->m_target)) == 0);
		CHECK(strcmp(http_str(again, again->m_path),
		    http_str(m, m->m_path)) == 0);
		CHECK(strcmp(http_str(again, again->m_host),
		    http_str(m, m->m_host)) == 0);
		CHECK(again->m_upgrade == m->m_upgrade);
	} else
		CHECK(again->m_status == m->m_status);
}

static void
edits(struct http_msg *m)
{
	long	 n;

	(void)http_hdr_append(m, "X-Forwarded-For", "192.0.2.1");
	(void)http_hdr_set(m, "Via", "hakit");
	(void)http_hdr_remove(m, "Cookie");
	if (m->m_request && m->m_path != 0 &&
	    http_str(m, m->m_path)[0] == '/') {
		(void)http_set_path(m, "/edited");
		(void)http_set_query(m, "a=b");
	}
	CHECK(m->m_used <= m->m_cap);
	n = http_emit(m, out, OUTLEN);
	CHECK(n > 0);
	CHECK(http_parse(again, m->m_request, out, (size_t)n, &lim_big,
	    NULL) != HTTP_MORE);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_limits	 lim = { 8192, HTTP_MAXHEADERS, 0 };
	const char		*buf;
	size_t			 len, step, hl, i;
	enum http_result	 r;
	long			 w, p;
	int			 d1, d2;

	if (rq == NULL) {
		if ((rq = http_msg_new(&lim_big)) == NULL ||
		    (rs = http_msg_new(&lim_big)) == NULL ||
		    (again = http_msg_new(&lim_big)) == NULL ||
		    (out = malloc(OUTLEN)) == NULL)
			abort();
	}
	if (size < 2)
		return (0);
	lim.l_websockets = data[0] & 1;
	if (data[0] & 2) {
		lim.l_headerlen = 256;
		lim.l_maxheaders = 8;
	}
	step = data[1];
	buf = (const char *)data + 2;
	len = size - 2;

	r = http_parse(rq, 1, buf, len, &lim, NULL);
	if (r == HTTP_ERROR) {
		CHECK(rq->m_status >= 400 && rq->m_status <= 505);
		CHECK(rq->m_error != NULL);
	}
	if (r != HTTP_OK)
		return (0);
	hl = rq->m_headlen;
	CHECK(hl <= len && hl <= lim.l_headerlen);
	for (i = 0; i < hl; i += 1 + hl / 16)
		CHECK(http_parse(again, 1, buf, i, &lim, NULL) == HTTP_MORE);
	reparse(rq, NULL);

	buf += hl;
	len -= hl;
	r = http_parse(rs, 0, buf, len, &lim, rq);
	if (r == HTTP_ERROR)
		CHECK(rs->m_status == 502 && rs->m_error != NULL);
	if (r == HTTP_OK) {
		CHECK(rs->m_status >= 100 && rs->m_status <= 599);
		reparse(rs, rq);
		buf += rs->m_headlen;
		len -= rs->m_headlen;
		edits(rs);
	}
	edits(rq);

	w = chunked(buf, len, 0, &d1);
	p = chunked(buf, len, step == 0 ? 1 : step, &d2);
	CHECK(w == p);
	if (w != -1) {
		CHECK(d1 == d2);
		CHECK((size_t)w <= len);
		if (!d1)
			CHECK((size_t)w == len);
	}
	return (0);
}
