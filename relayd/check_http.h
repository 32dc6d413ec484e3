/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

#ifndef RELAYD_CHECK_HTTP_H
#define RELAYD_CHECK_HTTP_H

/*
 * What a check writes and how it judges what it reads back (HCE-4..9),
 * with no I/O: the engine feeds the bytes as they arrive and stops at the
 * first answer.  http code: the status line decides; http digest: SHA1 or
 * MD5 of the body (after the header, until EOF or Content-Length; a
 * chunked body is hashed as sent, as OpenBSD does); send/expect: glob(7)
 * over all read so far; binary: the reply begins with the expect bytes.
 * Everything is bounded: a header or send/expect reply over
 * CHECK_HEAD_MAX, a body over CHECK_BODY_MAX fails.
 */

#include <stddef.h>
#include <stdint.h>

#include "relayd.h"

#define CHECK_HEAD_MAX		(16 * 1024)
#define CHECK_BODY_MAX		(1024 * 1024)
/* Room for any request check_http_request() builds. */
#define CHECK_REQ_MAX		2048

struct evp_md_ctx_st;

/* One check's reading state; check_http_init() .. check_http_clear(). */
struct check_read {
	const struct rd_check	*cr_check;	/* borrowed */
	uint8_t			 cr_buf[CHECK_HEAD_MAX + 1];
	size_t			 cr_len;
	int			 cr_inbody;	/* digest: header seen */
	int64_t			 cr_clen;	/* or -1 */
	uint64_t		 cr_bodylen;
	struct evp_md_ctx_st	*cr_md;		/* owned */
	enum hce_reason		 cr_result;	/* or HCE_NONE */
};

/*
 * Writes the request of ck (http: HCE-4/6; send, binary: the send bytes;
 * other checks and "send nothing": none) into buf and its length into
 * *lenp.  Returns 0, or -1 when it does not fit, or when the path is
 * empty or holds a blank or control character, or the host a control
 * character (they would split the request).
 */
int	 check_http_request(const struct rd_check *ck, char *buf,
	    size_t size, size_t *lenp);

/* Whether the check type reads a reply (http, send/expect, binary). */
int	 check_http_reads(const struct rd_check *);

/* Prepares cr for a check of ck.  Returns 0, or -1 (out of memory). */
int	 check_http_init(struct check_read *cr, const struct rd_check *ck);
/*
 * Feeds the next bytes read.  Returns HCE_NONE while undecided, else the
 * result (which sticks: later calls return it again).
 */
enum hce_reason check_http_feed(struct check_read *cr, const void *data,
	    size_t len);
/* The peer closed: returns the final result (never HCE_NONE). */
enum hce_reason check_http_eof(struct check_read *cr);
void	 check_http_clear(struct check_read *cr);

/*
 * The status code of an "HTTP/1.x NNN ..." line of len bytes (without
 * its end of line), 100..999, or -1 when malformed.
 */
int	 check_http_status(const uint8_t *line, size_t len);

/*
 * The lower-case hex digest of data (41 bytes with the NUL for SHA1, 33
 * for MD5).  Returns 0, or -1.
 */
int	 check_http_digest_hex(enum digest_type, const void *data,
	    size_t len, char out[41]);

#endif /* RELAYD_CHECK_HTTP_H */
