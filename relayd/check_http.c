/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * Requests and reply judging for the http, send/expect and binary checks
 * (HCE-4..9), pure: bytes in, an enum hce_reason out.  Only the status
 * line and Content-Length of a reply matter here, so this is a small
 * reader of its own rather than the relay's full HTTP parser.
 */

#include <sys/types.h>

#include <ctype.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "relayd.h"
#include "check_http.h"

_Static_assert(CHECK_REQ_MAX >= CHECK_MAXDATA, "send data fits");
_Static_assert(CHECK_REQ_MAX > sizeof(((struct rd_check *)0)->ck_path) +
    sizeof(((struct rd_check *)0)->ck_host) + 64, "http request fits");

static int	 check_http_is_http(const struct rd_check *);
static size_t	 check_http_append(struct check_read *, const uint8_t *,
		    size_t);
static ssize_t	 check_http_head_end(const uint8_t *, size_t, size_t);
static int	 check_http_clen(const uint8_t *, size_t, int64_t *);
static enum hce_reason check_http_feed_code(struct check_read *,
		    const uint8_t *, size_t);
static enum hce_reason check_http_feed_digest(struct check_read *,
		    const uint8_t *, size_t);
static enum hce_reason check_http_body(struct check_read *,
		    const uint8_t *, size_t);
static enum hce_reason check_http_final(struct check_read *);
static enum hce_reason check_http_feed_expect(struct check_read *,
		    const uint8_t *, size_t);
static enum hce_reason check_http_match(struct check_read *);
static enum hce_reason check_http_feed_binary(struct check_read *,
		    const uint8_t *, size_t);

static int
check_http_is_http(const struct rd_check *ck)
{
	return (ck->ck_type == CHECK_HTTP_CODE ||
	    ck->ck_type == CHECK_HTTP_DIGEST);
}

int
check_http_reads(const struct rd_check *ck)
{
	return (check_http_is_http(ck) || ck->ck_type == CHECK_SEND_EXPECT ||
	    ck->ck_type == CHECK_BINARY);
}

int
check_http_request(const struct rd_check *ck, char *buf, size_t size,
    size_t *lenp)
{
	const char	*method;
	size_t		 i, plen, hlen;
	int		 n;

	*lenp = 0;
	if (ck->ck_type == CHECK_SEND_EXPECT || ck->ck_type == CHECK_BINARY) {
		if (ck->ck_send_nothing || ck->ck_sendlen == 0)
			return (0);
		if (ck->ck_sendlen > sizeof(ck->ck_send) ||
		    ck->ck_sendlen > size)
			return (-1);
		memcpy(buf, ck->ck_send, ck->ck_sendlen);
		*lenp = ck->ck_sendlen;
		return (0);
	}
	if (!check_http_is_http(ck))
		return (0);

	plen = strnlen(ck->ck_path, sizeof(ck->ck_path));
	hlen = strnlen(ck->ck_host, sizeof(ck->ck_host));
	if (plen == 0 || plen == sizeof(ck->ck_path) ||
	    hlen == sizeof(ck->ck_host))
		return (-1);
	for (i = 0; i < plen; i++)
		if (iscntrl((unsigned char)ck->ck_path[i]) ||
		    ck->ck_path[i] == ' ')
			return (-1);
	for (i = 0; i < hlen; i++)
		if (iscntrl((unsigned char)ck->ck_host[i]))
			return (-1);

	method = ck->ck_type == CHECK_HTTP_DIGEST ? "GET" : "HEAD";
	if (hlen == 0)
		n = snprintf(buf, size, "%s %s HTTP/1.0\r\n\r\n", method,
		    ck->ck_path);
	else
		n = snprintf(buf, size, "%s %s HTTP/1.1\r\nHost: %s\r\n"
		    "Connection: close\r\n\r\n", method, ck->ck_path,
		    ck->ck_host);
	if (n < 0 || (size_t)n >= size)
		return (-1);
	*lenp = (size_t)n;
	return (0);
}

int
check_http_init(struct check_read *cr, const struct rd_check *ck)
{
	const EVP_MD	*md;
	enum digest_type dt;

	memset(cr, 0, sizeof(*cr));
	cr->cr_check = ck;
	cr->cr_clen = -1;
	cr->cr_result = HCE_NONE;
	if (ck->ck_type != CHECK_HTTP_DIGEST)
		return (0);

	dt = ck->ck_digest_type;
	if (dt == DIGEST_NONE)
		dt = strnlen(ck->ck_digest, sizeof(ck->ck_digest)) == 32 ?
		    DIGEST_MD5 : DIGEST_SHA1;
	md = dt == DIGEST_MD5 ? EVP_md5() : EVP_sha1();
	if ((cr->cr_md = EVP_MD_CTX_new()) == NULL)
		return (-1);
	if (EVP_DigestInit_ex(cr->cr_md, md, NULL) != 1) {
		EVP_MD_CTX_free(cr->cr_md);
		cr->cr_md = NULL;
		return (-1);
	}
	return (0);
}

void
check_http_clear(struct check_read *cr)
{
	EVP_MD_CTX_free(cr->cr_md);
	cr->cr_md = NULL;
}

/* Appends what fits of data to the buffer; returns the bytes taken. */
static size_t
check_http_append(struct check_read *cr, const uint8_t *data, size_t len)
{
	size_t	 n;

	n = CHECK_HEAD_MAX - cr->cr_len;
	if (n > len)
		n = len;
	if (n > 0)
		memcpy(cr->cr_buf + cr->cr_len, data, n);
	cr->cr_len += n;
	cr->cr_buf[cr->cr_len] = '\0';
	return (n);
}

/*
 * The offset just past the blank line ending a header of len bytes
 * ("\r\n\r\n" or "\n\n"), searching from about from; -1 when not there.
 */
static ssize_t
check_http_head_end(const uint8_t *p, size_t len, size_t from)
{
	size_t	 i;

	from = from > 3 ? from - 3 : 0;
	for (i = from; i < len; i++) {
		if (p[i] != '\n')
			continue;
		if (i + 1 < len && p[i + 1] == '\n')
			return ((ssize_t)(i + 2));
		if (i + 2 < len && p[i + 1] == '\r' && p[i + 2] == '\n')
			return ((ssize_t)(i + 3));
	}
	return (-1);
}

int
check_http_status(const uint8_t *line, size_t len)
{
	int	 code, i;

	/* "HTTP/1.0 200", "HTTP/1.1 404 Not Found" */
	if (len < 12 || memcmp(line, "HTTP/1.", 7) != 0 ||
	    !isdigit(line[7]) || line[8] != ' ')
		return (-1);
	code = 0;
	for (i = 9; i < 12; i++) {
		if (!isdigit(line[i]))
			return (-1);
		code = code * 10 + (line[i] - '0');
	}
	if (code < 100)
		return (-1);
	if (len > 12 && line[12] != ' ' && line[12] != '\r')
		return (-1);
	return (code);
}

/*
 * The Content-Length of a complete header: 0 with *clen set (-1 when
 * absent), or -1 when malformed or given twice with different values.
 */
static int
check_http_clen(const uint8_t *p, size_t len, int64_t *clen)
{
	static const char	 name[] = "content-length:";
	const size_t		 nlen = sizeof(name) - 1;
	size_t			 i, eol;
	int64_t			 v;
	int			 digits;

	*clen = -1;
	for (i = 0; i < len; i = eol + 1) {
		for (eol = i; eol < len && p[eol] != '\n'; eol++)
			;
		if (eol - i < nlen || strncasecmp((const char *)p + i, name,
		    nlen) != 0)
			continue;
		i += nlen;
		while (i < eol && (p[i] == ' ' || p[i] == '\t'))
			i++;
		v = 0;
		digits = 0;
		while (i < eol && isdigit(p[i])) {
			if (v <= CHECK_BODY_MAX)	/* beyond: too long */
				v = v * 10 + (p[i] - '0');
			digits++;
			i++;
		}
		while (i < eol && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r'))
			i++;
		if (digits == 0 || i != eol)
			return (-1);
		if (v > CHECK_BODY_MAX)
			v = (int64_t)CHECK_BODY_MAX + 1;
		if (*clen != -1 && *clen != v)
			return (-1);
		*clen = v;
	}
	return (0);
}

static enum hce_reason
check_http_feed_code(struct check_read *cr, const uint8_t *data, size_t len)
{
	const uint8_t	*nl;
	size_t		 n, llen;
	int		 code;

	n = check_http_append(cr, data, len);
	if ((nl = memchr(cr->cr_buf, '\n', cr->cr_len)) == NULL) {
		if (n < len || cr->cr_len == CHECK_HEAD_MAX)
			return (HCE_HTTP_CODE_ERROR);
		return (HCE_NONE);
	}
	llen = (size_t)(nl - cr->cr_buf);
	if (llen > 0 && cr->cr_buf[llen - 1] == '\r')
		llen--;
	if ((code = check_http_status(cr->cr_buf, llen)) == -1)
		return (HCE_HTTP_CODE_ERROR);
	return (code == cr->cr_check->ck_code ? HCE_HTTP_CODE_OK :
	    HCE_HTTP_CODE_FAIL);
}

/* Body bytes: hashed, bounded, done at Content-Length. */
static enum hce_reason
check_http_body(struct check_read *cr, const uint8_t *data, size_t len)
{
	if (cr->cr_clen != -1 &&
	    (uint64_t)cr->cr_clen - cr->cr_bodylen < len)
		len = (size_t)((uint64_t)cr->cr_clen - cr->cr_bodylen);
	if (cr->cr_bodylen + len > CHECK_BODY_MAX)
		return (HCE_HTTP_DIGEST_FAIL);
	if (len > 0 && EVP_DigestUpdate(cr->cr_md, data, len) != 1)
		return (HCE_HTTP_DIGEST_FAIL);
	cr->cr_bodylen += len;
	if (cr->cr_clen != -1 && cr->cr_bodylen == (uint64_t)cr->cr_clen)
		return (check_http_final(cr));
	return (HCE_NONE);
}

/* The whole body was hashed: compare. */
static enum hce_reason
check_http_final(struct check_read *cr)
{
	static const char	 hex[] = "0123456789abcdef";
	unsigned char		 md[EVP_MAX_MD_SIZE];
	char			 out[2 * EVP_MAX_MD_SIZE + 1];
	unsigned int		 mdlen, i;

	if (cr->cr_clen != -1 && cr->cr_bodylen != (uint64_t)cr->cr_clen)
		return (HCE_HTTP_DIGEST_FAIL);	/* cut short */
	if (EVP_DigestFinal_ex(cr->cr_md, md, &mdlen) != 1)
		return (HCE_HTTP_DIGEST_FAIL);
	for (i = 0; i < mdlen; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 0xf];
	}
	out[2 * mdlen] = '\0';
	if (strncasecmp(out, cr->cr_check->ck_digest,
	    sizeof(cr->cr_check->ck_digest)) != 0)
		return (HCE_HTTP_DIGEST_FAIL);
	return (HCE_HTTP_DIGEST_OK);
}

static enum hce_reason
check_http_feed_digest(struct check_read *cr, const uint8_t *data,
    size_t len)
{
	const uint8_t	*nl;
	size_t		 old, n, llen;
	ssize_t		 end;
	enum hce_reason	 r;

	if (cr->cr_md == NULL)
		return (HCE_HTTP_DIGEST_FAIL);
	if (cr->cr_inbody)
		return (check_http_body(cr, data, len));

	old = cr->cr_len;
	n = check_http_append(cr, data, len);
	if ((end = check_http_head_end(cr->cr_buf, cr->cr_len, old)) == -1) {
		if (n < len || cr->cr_len == CHECK_HEAD_MAX)
			return (HCE_HTTP_DIGEST_ERROR);
		return (HCE_NONE);
	}
	nl = memchr(cr->cr_buf, '\n', cr->cr_len);
	llen = nl == NULL ? 0 : (size_t)(nl - cr->cr_buf);
	if (llen > 0 && cr->cr_buf[llen - 1] == '\r')
		llen--;
	if (check_http_status(cr->cr_buf, llen) == -1 ||
	    check_http_clen(cr->cr_buf, (size_t)end, &cr->cr_clen) == -1)
		return (HCE_HTTP_DIGEST_ERROR);
	if (cr->cr_clen > CHECK_BODY_MAX)
		return (HCE_HTTP_DIGEST_FAIL);
	cr->cr_inbody = 1;

	/* What followed the header: in the buffer, then the rest of data. */
	r = check_http_body(cr, cr->cr_buf + end, cr->cr_len - (size_t)end);
	if (r != HCE_NONE)
		return (r);
	return (check_http_body(cr, data + n, len - n));
}

static enum hce_reason
check_http_match(struct check_read *cr)
{
	char	 pat[CHECK_MAXDATA + 1];
	size_t	 plen;

	plen = cr->cr_check->ck_expectlen;
	if (plen > CHECK_MAXDATA)
		plen = CHECK_MAXDATA;
	memcpy(pat, cr->cr_check->ck_expect, plen);
	pat[plen] = '\0';
	if (fnmatch(pat, (const char *)cr->cr_buf, 0) == 0)
		return (HCE_SEND_EXPECT_OK);
	return (HCE_NONE);
}

static enum hce_reason
check_http_feed_expect(struct check_read *cr, const uint8_t *data,
    size_t len)
{
	size_t	 n;

	n = check_http_append(cr, data, len);
	if (check_http_match(cr) == HCE_SEND_EXPECT_OK)
		return (HCE_SEND_EXPECT_OK);
	if (n < len || cr->cr_len == CHECK_HEAD_MAX)
		return (HCE_SEND_EXPECT_FAIL);
	return (HCE_NONE);
}

static enum hce_reason
check_http_feed_binary(struct check_read *cr, const uint8_t *data,
    size_t len)
{
	const struct rd_check	*ck = cr->cr_check;
	size_t			 want, n;

	want = ck->ck_expectlen > CHECK_MAXDATA ? CHECK_MAXDATA :
	    ck->ck_expectlen;
	n = want - cr->cr_len;		/* cr_len: bytes matched so far */
	if (n > len)
		n = len;
	if (n > 0 && memcmp(ck->ck_expect + cr->cr_len, data, n) != 0)
		return (HCE_SEND_EXPECT_FAIL);
	cr->cr_len += n;
	if (cr->cr_len == want)
		return (HCE_SEND_EXPECT_OK);
	return (HCE_NONE);
}

enum hce_reason
check_http_feed(struct check_read *cr, const void *data, size_t len)
{
	enum hce_reason	 r;

	if (cr->cr_result != HCE_NONE)
		return (cr->cr_result);
	switch (cr->cr_check->ck_type) {
	case CHECK_HTTP_CODE:
		r = check_http_feed_code(cr, data, len);
		break;
	case CHECK_HTTP_DIGEST:
		r = check_http_feed_digest(cr, data, len);
		break;
	case CHECK_SEND_EXPECT:
		r = check_http_feed_expect(cr, data, len);
		break;
	case CHECK_BINARY:
		r = check_http_feed_binary(cr, data, len);
		break;
	default:
		r = HCE_SEND_EXPECT_FAIL;
		break;
	}
	cr->cr_result = r;
	return (r);
}

enum hce_reason
check_http_eof(struct check_read *cr)
{
	const uint8_t	*nl;
	size_t		 llen;
	int		 code;

	if (cr->cr_result != HCE_NONE)
		return (cr->cr_result);
	switch (cr->cr_check->ck_type) {
	case CHECK_HTTP_CODE:
		/* A status line cut by EOF is judged as it stands. */
		nl = memchr(cr->cr_buf, '\n', cr->cr_len);
		llen = nl == NULL ? cr->cr_len : (size_t)(nl - cr->cr_buf);
		if (llen > 0 && cr->cr_buf[llen - 1] == '\r')
			llen--;
		if ((code = check_http_status(cr->cr_buf, llen)) == -1)
			cr->cr_result = HCE_HTTP_CODE_ERROR;
		else
			cr->cr_result = code == cr->cr_check->ck_code ?
			    HCE_HTTP_CODE_OK : HCE_HTTP_CODE_FAIL;
		break;
	case CHECK_HTTP_DIGEST:
		if (cr->cr_md == NULL)
			cr->cr_result = HCE_HTTP_DIGEST_FAIL;
		else if (!cr->cr_inbody)
			cr->cr_result = HCE_HTTP_DIGEST_ERROR;
		else
			cr->cr_result = check_http_final(cr);
		break;
	case CHECK_SEND_EXPECT:
		if (check_http_match(cr) == HCE_SEND_EXPECT_OK)
			cr->cr_result = HCE_SEND_EXPECT_OK;
		else
			cr->cr_result = HCE_SEND_EXPECT_FAIL;
		break;
	case CHECK_BINARY:
		/* Undecided means the reply ended before the expect bytes,
		 * unless there were none to expect. */
		cr->cr_result = cr->cr_check->ck_expectlen == 0 ?
		    HCE_SEND_EXPECT_OK : HCE_SEND_EXPECT_FAIL;
		break;
	default:
		cr->cr_result = HCE_SEND_EXPECT_FAIL;
		break;
	}
	return (cr->cr_result);
}

int
check_http_digest_hex(enum digest_type dt, const void *data, size_t len,
    char out[41])
{
	static const char	 hex[] = "0123456789abcdef";
	unsigned char		 md[EVP_MAX_MD_SIZE];
	unsigned int		 mdlen, i;

	if (EVP_Digest(data, len, md, &mdlen,
	    dt == DIGEST_MD5 ? EVP_md5() : EVP_sha1(), NULL) != 1 ||
	    mdlen > 20)
		return (-1);
	for (i = 0; i < mdlen; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 0xf];
	}
	out[2 * mdlen] = '\0';
	return (0);
}
