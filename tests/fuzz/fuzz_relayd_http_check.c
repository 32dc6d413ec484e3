/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * check_http.c on hostile replies with random checks.  The input is
 *
 *   byte 0     check: 0 http code, 1 http digest, 2 send/expect, 3 binary
 *   byte 1     bit 0: md5 (else sha1); bit 1: end with EOF
 *   byte 2     piece size for the split feed (0: one byte)
 *   bytes 3-4  http code (big-endian)
 *   byte 5     n, then n bytes: the expect glob or bytes (n <= 64)
 *   the rest   the reply
 *
 * The reply is judged whole and in pieces: http and binary judging must
 * not depend on how the bytes arrive, and a glob matched whole matches in
 * pieces too.  Every answer is one of the check's reasons; EOF always
 * decides.  The request builder and the status line parser run on the
 * same bytes.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "relayd.h"
#include "check_http.h"

#define CHECK(x)	do { if (!(x)) abort(); } while (0)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct check_read	*cr;

static enum hce_reason
judge(const struct rd_check *ck, const uint8_t *data, size_t len,
    size_t step, int eof)
{
	enum hce_reason	 r = HCE_NONE;
	size_t		 off, n;

	CHECK(check_http_init(cr, ck) == 0);
	if (step == 0)
		step = len ? len : 1;
	for (off = 0; off < len && r == HCE_NONE; off += n) {
		n = len - off < step ? len - off : step;
		r = check_http_feed(cr, data + off, n);
	}
	if (len == 0)
		r = check_http_feed(cr, data, 0);
	if (r == HCE_NONE && eof) {
		r = check_http_eof(cr);
		CHECK(r != HCE_NONE);
	}
	/* Decided results stick. */
	if (r != HCE_NONE) {
		CHECK(check_http_feed(cr, "x", 1) == r);
		CHECK(check_http_eof(cr) == r);
	}
	check_http_clear(cr);
	return (r);
}

static int
allowed(enum check_type type, enum hce_reason r)
{
	switch (type) {
	case CHECK_HTTP_CODE:
		return (r == HCE_NONE || r == HCE_HTTP_CODE_OK ||
		    r == HCE_HTTP_CODE_FAIL || r == HCE_HTTP_CODE_ERROR);
	case CHECK_HTTP_DIGEST:
		return (r == HCE_NONE || r == HCE_HTTP_DIGEST_OK ||
		    r == HCE_HTTP_DIGEST_FAIL || r == HCE_HTTP_DIGEST_ERROR);
	default:
		return (r == HCE_NONE || r == HCE_SEND_EXPECT_OK ||
		    r == HCE_SEND_EXPECT_FAIL);
	}
}

static void
request(const uint8_t *data, size_t size)
{
	struct rd_check	 ck;
	char		 buf[CHECK_REQ_MAX];
	size_t		 len, n, i, sp;

	memset(&ck, 0, sizeof(ck));
	ck.ck_type = size > 0 && (data[0] & 1) ? CHECK_HTTP_DIGEST :
	    CHECK_HTTP_CODE;
	n = size / 2 < sizeof(ck.ck_path) - 1 ? size / 2 :
	    sizeof(ck.ck_path) - 1;
	memcpy(ck.ck_path, data, n);
	if (size - n < sizeof(ck.ck_host) - 1)
		memcpy(ck.ck_host, data + n, size - n);
	if (check_http_request(&ck, buf, sizeof(buf), &len) == -1)
		return;
	CHECK(len >= 4 && len < sizeof(buf));
	CHECK(memcmp(buf + len - 4, "\r\n\r\n", 4) == 0);
	/* The request line holds exactly two blanks, then CRLF. */
	for (i = 0, sp = 0; i < len && buf[i] != '\r'; i++) {
		CHECK(buf[i] != '\n');
		if (buf[i] == ' ')
			sp++;
	}
	CHECK(sp == 2);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rd_check		 ck;
	const uint8_t		*reply;
	size_t			 n, rlen, step;
	enum hce_reason		 whole, split;
	int			 eof, code;

	if (cr == NULL && (cr = malloc(sizeof(*cr))) == NULL)
		abort();
	request(data, size);
	if (size < 6)
		return (0);

	memset(&ck, 0, sizeof(ck));
	switch (data[0] & 3) {
	case 0:
		ck.ck_type = CHECK_HTTP_CODE;
		break;
	case 1:
		ck.ck_type = CHECK_HTTP_DIGEST;
		break;
	case 2:
		ck.ck_type = CHECK_SEND_EXPECT;
		break;
	default:
		ck.ck_type = CHECK_BINARY;
		break;
	}
	ck.ck_digest_type = data[1] & 1 ? DIGEST_MD5 : DIGEST_SHA1;
	strlcpy(ck.ck_digest, data[1] & 1 ? "b1946ac92492d2347c6235b4d2611184" :
	    "f572d396fae9206628714fb2ce00f72e94f2258f", sizeof(ck.ck_digest));
	eof = (data[1] >> 1) & 1;
	step = data[2] == 0 ? 1 : data[2];
	ck.ck_code = data[3] << 8 | data[4];
	n = data[5] > 64 ? 64 : data[5];
	if (size - 6 < n)
		n = size - 6;
	memcpy(ck.ck_expect, data + 6, n);
	ck.ck_expectlen = n;
	reply = data + 6 + n;
	rlen = size - 6 - n;

	whole = judge(&ck, reply, rlen, 0, eof);
	split = judge(&ck, reply, rlen, step, eof);
	CHECK(allowed(ck.ck_type, whole) && allowed(ck.ck_type, split));
	if (ck.ck_type == CHECK_SEND_EXPECT) {
		if (whole == HCE_SEND_EXPECT_OK)
			CHECK(split == HCE_SEND_EXPECT_OK);
	} else
		CHECK(whole == split);

	code = check_http_status(reply, rlen);
	CHECK(code == -1 || (code >= 100 && code <= 999));
	return (0);
}
