/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * HTTP/1.x heads for relays (spec IMP-3..IMP-8, HTTP-1/2; RFC 9110,
 * RFC 9112), without I/O.  Written by hand: the relay must edit and
 * re-emit heads, refuse whatever two parsers could read differently
 * (request smuggling), and bound every byte it keeps, which no small
 * library does the way relayd's rules want.
 *
 * Strictness, where the RFC lets a recipient choose:
 * - lines end with CRLF only: a bare LF or a bare CR anywhere in the
 *   head is refused (400 / 502), since a peer that splits lines on LF
 *   alone would see other headers than we do;
 * - empty lines before a request line are skipped (RFC 9112 2.2);
 * - duplicate Content-Length lines and list values ("5, 5") are refused
 *   even when equal, and so is a length over INT64_MAX;
 * - a GET, HEAD, COPY or MOVE request with a body (Content-Length > 0
 *   or Transfer-Encoding) is refused with 400 rather than having its
 *   body dropped: the dropped bytes would otherwise be read as the next
 *   request; "Content-Length: 0" there is removed (IMP-4);
 * - a request with both Transfer-Encoding and Content-Length loses the
 *   Content-Length and the connection closes after it (IMP-3);
 * - an unknown method (not one of FLT-9's 33, compared case-sensitively)
 *   is answered 500, as IMP-3 says; a version "HTTP/..." other than
 *   HTTP/1.x 505 (HTTP/1.2-1.9 read as 1.1), anything else 400;
 * - an absolute-form target's host must equal Host's, both lowercased
 *   and without port; userinfo is refused;
 * - an Upgrade other than websocket passes, but a 101 answers only a
 *   websocket request (else 502); a 2xx to CONNECT is a tunnel
 *   (HTTP_BODY_UPGRADE);
 * - Content-Length: 0 gives HTTP_BODY_NONE (the header stays, except on
 *   the bodiless methods).
 * The arena holds twice the head limit plus HTTP_EDITROOM: a target is
 * kept whole and again as path and query.
 */

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http.h"

#define HTTP_EDITHDRS		32	/* header slots beyond the limit */
#define HTTP_HEADERLEN_DEF	8192
#define HTTP_HEADERLEN_MAX	((size_t)1024 * 1024)
#define HTTP_MAXHEADERS_MAX	65536
#define HTTP_CHUNKLINE_MAX	4096	/* chunk-size and trailer lines */
#define HTTP_CHUNK_MAX		(1ULL << 62)

/* What the request line says of the body and the target forms. */
#define METH_NOBODY		0x01	/* GET HEAD COPY MOVE (IMP-4) */
#define METH_NOLENGTH		0x02	/* TRACE CONNECT: CL -> 400 */

/* Chunked scanner states. */
enum {
	CH_SIZE = 0,		/* first hex digit of a size line */
	CH_SIZE_MORE,		/* further hex digits */
	CH_EXT,			/* chunk-ext after ';' */
	CH_SIZE_LF,		/* CR seen after the size line */
	CH_DATA,
	CH_DATA_CR,
	CH_DATA_LF,
	CH_TRAILER,		/* start of a trailer line or the end */
	CH_TRAILER_LINE,
	CH_TRAILER_LF,
	CH_END_LF,		/* CR of the last empty line seen */
	CH_DONE
};

struct http_method {
	const char	*hm_name;
	int		 hm_flags;
};

/* What the headers say, gathered once. */
struct http_scan {
	int		 s_nhost;
	int		 s_host;	/* index of the Host line */
	int		 s_ncl;
	int		 s_cl;
	int		 s_nte;
	int		 s_close;	/* Connection tokens */
	int		 s_keepalive;
	int		 s_conn_upgrade;
	int		 s_websocket;	/* Upgrade: websocket */
	int		 s_upgrade;	/* any Upgrade line */
};

struct http_status {
	int		 hs_code;
	const char	*hs_reason;
};

static void	 arena_reset(struct http_msg *, int);
static uint32_t	 arena_add(struct http_msg *, const char *, size_t);
static int	 http_fail(struct http_msg *, int, const char *);
static int	 is_tchar(unsigned char);
static int	 is_token(const char *, size_t);
static int	 value_ok(const char *, size_t);
static const struct http_method *method_find(const char *, size_t);
static enum http_result head_find(struct http_msg *, const char *, size_t,
		    size_t, size_t *);
static int	 target_chars(const char *, size_t);
static int	 host_split(const char *, size_t, size_t *);
static void	 lower(char *, size_t);
static int	 set_host(struct http_msg *, const char *, size_t);
static int	 split_path(struct http_msg *, const char *, size_t);
static int	 parse_absolute(struct http_msg *, const char *, size_t,
		    uint32_t *);
static int	 parse_target(struct http_msg *, const char *, size_t,
		    uint32_t *);
static int	 parse_version(const char *, size_t, int *);
static int	 parse_reqline(struct http_msg *, const char *, size_t,
		    uint32_t *);
static int	 parse_statusline(struct http_msg *, const char *, size_t);
static int	 parse_header(struct http_msg *, const char *, size_t, int);
static int	 list_has(const char *, const char *);
static int	 te_chunked_only(const struct http_msg *);
static int	 parse_length(const char *, uint64_t *);
static void	 scan_headers(const struct http_msg *, struct http_scan *);
static void	 remove_idx_name(struct http_msg *, const char *);
static int	 request_framing(struct http_msg *, const struct http_limits *,
		    uint32_t);
static int	 response_framing(struct http_msg *, const struct http_msg *);
static int	 rebuild_target(struct http_msg *);
static int	 framing_name(const char *);
static int	 hdr_is(const struct http_msg *, int, const char *);
static int	 emit_str(char *, size_t, size_t *, const char *);
static int	 hexval(unsigned char);
static int	 chunked_byte(struct http_chunked *, unsigned char);

/* FLT-9's methods. */
static const struct http_method http_methods[] = {
	{ "GET",		METH_NOBODY },
	{ "HEAD",		METH_NOBODY },
	{ "POST",		0 },
	{ "PUT",		0 },
	{ "DELETE",		0 },
	{ "OPTIONS",		0 },
	{ "TRACE",		METH_NOLENGTH },
	{ "CONNECT",		METH_NOLENGTH },
	{ "PROPFIND",		0 },
	{ "PROPPATCH",		0 },
	{ "MKCOL",		0 },
	{ "COPY",		METH_NOBODY },
	{ "MOVE",		METH_NOBODY },
	{ "LOCK",		0 },
	{ "UNLOCK",		0 },
	{ "VERSION-CONTROL",	0 },
	{ "REPORT",		0 },
	{ "CHECKOUT",		0 },
	{ "CHECKIN",		0 },
	{ "UNCHECKOUT",		0 },
	{ "MKWORKSPACE",	0 },
	{ "UPDATE",		0 },
	{ "LABEL",		0 },
	{ "MERGE",		0 },
	{ "BASELINE-CONTROL",	0 },
	{ "MKACTIVITY",		0 },
	{ "ORDERPATCH",		0 },
	{ "ACL",		0 },
	{ "MKREDIRECTREF",	0 },
	{ "UPDATEREDIRECTREF",	0 },
	{ "SEARCH",		0 },
	{ "PATCH",		0 },
	{ "MKCALENDAR",		0 }
};

/* RFC 9110 section 15 phrases (and RFC 6585's 428, 429, 431, 511). */
static const struct http_status http_statuses[] = {
	{ 100, "Continue" },
	{ 101, "Switching Protocols" },
	{ 103, "Early Hints" },
	{ 200, "OK" },
	{ 201, "Created" },
	{ 202, "Accepted" },
	{ 203, "Non-Authoritative Information" },
	{ 204, "No Content" },
	{ 205, "Reset Content" },
	{ 206, "Partial Content" },
	{ 207, "Multi-Status" },
	{ 300, "Multiple Choices" },
	{ 301, "Moved Permanently" },
	{ 302, "Found" },
	{ 303, "See Other" },
	{ 304, "Not Modified" },
	{ 305, "Use Proxy" },
	{ 307, "Temporary Redirect" },
	{ 308, "Permanent Redirect" },
	{ 400, "Bad Request" },
	{ 401, "Unauthorized" },
	{ 402, "Payment Required" },
	{ 403, "Forbidden" },
	{ 404, "Not Found" },
	{ 405, "Method Not Allowed" },
	{ 406, "Not Acceptable" },
	{ 407, "Proxy Authentication Required" },
	{ 408, "Request Timeout" },
	{ 409, "Conflict" },
	{ 410, "Gone" },
	{ 411, "Length Required" },
	{ 412, "Precondition Failed" },
	{ 413, "Content Too Large" },
	{ 414, "URI Too Long" },
	{ 415, "Unsupported Media Type" },
	{ 416, "Range Not Satisfiable" },
	{ 417, "Expectation Failed" },
	{ 421, "Misdirected Request" },
	{ 422, "Unprocessable Content" },
	{ 426, "Upgrade Required" },
	{ 428, "Precondition Required" },
	{ 429, "Too Many Requests" },
	{ 431, "Request Header Fields Too Large" },
	{ 500, "Internal Server Error" },
	{ 501, "Not Implemented" },
	{ 502, "Bad Gateway" },
	{ 503, "Service Unavailable" },
	{ 504, "Gateway Timeout" },
	{ 505, "HTTP Version Not Supported" },
	{ 511, "Network Authentication Required" }
};

struct http_msg *
http_msg_new(const struct http_limits *lim)
{
	struct http_msg	*m;
	size_t		 hl = HTTP_HEADERLEN_DEF;
	int		 mh = HTTP_MAXHEADERS;

	if (lim != NULL && lim->l_headerlen > 0)
		hl = lim->l_headerlen;
	if (lim != NULL && lim->l_maxheaders > 0)
		mh = lim->l_maxheaders;
	if (hl > HTTP_HEADERLEN_MAX || mh > HTTP_MAXHEADERS_MAX)
		return (NULL);
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return (NULL);
	/*
	 * Twice the head: a request target is kept whole and as path and
	 * query, the Host value also lowercased; every other byte once.
	 */
	m->m_cap = 2 * hl + HTTP_EDITROOM;
	m->m_maxhdrs = mh + HTTP_EDITHDRS;
	if ((m->m_arena = malloc(m->m_cap)) == NULL ||
	    (m->m_hdrs = calloc(m->m_maxhdrs, sizeof(*m->m_hdrs))) == NULL) {
		http_msg_free(m);
		return (NULL);
	}
	arena_reset(m, 1);
	return (m);
}

void
http_msg_free(struct http_msg *m)
{
	if (m == NULL)
		return;
	free(m->m_arena);
	free(m->m_hdrs);
	free(m);
}

/* Empties the message; offset 0 stays the empty string. */
static void
arena_reset(struct http_msg *m, int request)
{
	struct http_header	*hdrs = m->m_hdrs;
	char			*arena = m->m_arena;
	size_t			 cap = m->m_cap;
	int			 maxhdrs = m->m_maxhdrs;

	memset(m, 0, sizeof(*m));
	m->m_hdrs = hdrs;
	m->m_maxhdrs = maxhdrs;
	m->m_arena = arena;
	m->m_cap = cap;
	m->m_request = request;
	m->m_arena[0] = '\0';
	m->m_used = 1;
}

/* Copies len bytes and a NUL into the arena: the offset, 0 when full. */
static uint32_t
arena_add(struct http_msg *m, const char *s, size_t len)
{
	uint32_t	 off;

	if (len >= m->m_cap - m->m_used)
		return (0);
	off = (uint32_t)m->m_used;
	memcpy(m->m_arena + off, s, len);
	m->m_arena[off + len] = '\0';
	m->m_used += len + 1;
	return (off);
}

/* The status to answer: a response's faults are all the gateway's 502. */
static int
http_fail(struct http_msg *m, int status, const char *why)
{
	m->m_status = m->m_request ? status : 502;
	m->m_error = why;
	return (-1);
}

/* RFC 9110 5.6.2 tchar. */
static int
is_tchar(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return (1);
	return (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static int
is_token(const char *s, size_t len)
{
	size_t	 i;

	if (len == 0)
		return (0);
	for (i = 0; i < len; i++)
		if (!is_tchar((unsigned char)s[i]))
			return (0);
	return (1);
}

/* field-value bytes: HTAB, SP, VCHAR, obs-text; no other control. */
static int
value_ok(const char *s, size_t len)
{
	size_t		 i;
	unsigned char	 c;

	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return (0);
	}
	return (1);
}

static const struct http_method *
method_find(const char *s, size_t len)
{
	size_t	 i;

	for (i = 0; i < sizeof(http_methods) / sizeof(http_methods[0]); i++)
		if (strlen(http_methods[i].hm_name) == len &&
		    memcmp(http_methods[i].hm_name, s, len) == 0)
			return (&http_methods[i]);
	return (NULL);
}

/*
 * Finds the blank line ending the head within limit bytes, checking on
 * the way that the bytes hold no NUL and that CR and LF come only as
 * CRLF.  *start skips the empty lines a request may begin with.
 */
static enum http_result
head_find(struct http_msg *m, const char *buf, size_t len, size_t limit,
    size_t *start)
{
	size_t	 i = 0, n, line;

	n = len < limit ? len : limit;
	if (m->m_request)
		while (i + 1 < n && buf[i] == '\r' && buf[i + 1] == '\n')
			i += 2;
	*start = line = i;
	for (; i < n; i++) {
		switch (buf[i]) {
		case '\0':
			(void)http_fail(m, 400, "NUL in head");
			return (HTTP_ERROR);
		case '\n':
			(void)http_fail(m, 400, "bare LF in head");
			return (HTTP_ERROR);
		case '\r':
			if (i + 1 >= n)
				break;
			if (buf[i + 1] != '\n') {
				(void)http_fail(m, 400, "bare CR in head");
				return (HTTP_ERROR);
			}
			if (i == line && i != *start) {
				m->m_headlen = i + 2;
				return (HTTP_OK);
			}
			i++;
			line = i + 1;
			break;
		default:
			break;
		}
	}
	if (len >= limit) {
		(void)http_fail(m, 413, "head too long");
		return (HTTP_ERROR);
	}
	return (HTTP_MORE);
}

/* A request target holds no control byte, blank or DEL. */
static int
target_chars(const char *s, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] == 0x7f)
			return (0);
	return (1);
}

/*
 * Checks a Host value or an URI authority (RFC 3986 host [":" port]):
 * 0 with the length of the host part, or -1.
 */
static int
host_split(const char *s, size_t len, size_t *hostlen)
{
	size_t		 i = 0, j;
	unsigned char	 c;

	if (len > 0 && s[0] == '[') {
		for (i = 1; i < len && s[i] != ']'; i++) {
			c = (unsigned char)s[i];
			if (strchr("0123456789abcdefABCDEF:.", c) == NULL ||
			    c == '\0')
				return (-1);
		}
		if (i == len)
			return (-1);
		i++;
	} else {
		for (; i < len && s[i] != ':'; i++) {
			c = (unsigned char)s[i];
			if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (c >= '0' && c <= '9'))
				continue;
			if (c == '\0' || strchr("-._~!$&'()*+,;=%", c) == NULL)
				return (-1);
		}
	}
	*hostlen = i;
	if (i == len)
		return (0);
	if (s[i] != ':' || len - i - 1 > 5)
		return (-1);
	for (j = i + 1; j < len; j++)
		if (s[j] < '0' || s[j] > '9')
			return (-1);
	return (0);
}

static void
lower(char *s, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		if (s[i] >= 'A' && s[i] <= 'Z')
			s[i] = (char)(s[i] + ('a' - 'A'));
}

/* m_host: the host part lowercased. */
static int
set_host(struct http_msg *m, const char *s, size_t len)
{
	size_t	 hl;

	if (host_split(s, len, &hl) == -1)
		return (http_fail(m, 400, "bad Host"));
	if (hl == 0) {
		m->m_host = 0;
		return (0);
	}
	if ((m->m_host = arena_add(m, s, hl)) == 0)
		return (http_fail(m, 500, "head does not fit"));
	lower(m->m_arena + m->m_host, hl);
	return (0);
}

/* m_path and m_query from "path[?query]". */
static int
split_path(struct http_msg *m, const char *s, size_t len)
{
	const char	*q;
	size_t		 plen;

	q = memchr(s, '?', len);
	plen = q != NULL ? (size_t)(q - s) : len;
	if ((m->m_path = arena_add(m, s, plen)) == 0)
		return (http_fail(m, 500, "head does not fit"));
	if (q != NULL) {
		m->m_has_query = 1;
		if ((m->m_query = arena_add(m, q + 1, len - plen - 1)) == 0)
			return (http_fail(m, 500, "head does not fit"));
	}
	return (0);
}

/* absolute-form: http[s]://authority[/path][?query]; *auth its host. */
static int
parse_absolute(struct http_msg *m, const char *s, size_t len, uint32_t *auth)
{
	size_t		 i, alen, hl;

	if (len > 7 && strncasecmp(s, "http://", 7) == 0)
		i = 7;
	else if (len > 8 && strncasecmp(s, "https://", 8) == 0)
		i = 8;
	else
		return (http_fail(m, 400, "bad request target"));
	for (alen = 0; i + alen < len && s[i + alen] != '/' &&
	    s[i + alen] != '?'; alen++)
		if (s[i + alen] == '@' || s[i + alen] == '#')
			return (http_fail(m, 400, "bad request target"));
	if (host_split(s + i, alen, &hl) == -1 || hl == 0)
		return (http_fail(m, 400, "bad request target"));
	if ((*auth = arena_add(m, s + i, hl)) == 0)
		return (http_fail(m, 500, "head does not fit"));
	lower(m->m_arena + *auth, hl);
	i += alen;
	if (i == len || s[i] == '?') {
		/* An empty path is "/" (RFC 9112 3.2.1). */
		if ((m->m_path = arena_add(m, "/", 1)) == 0)
			return (http_fail(m, 500, "head does not fit"));
		if (i < len) {
			m->m_has_query = 1;
			if ((m->m_query = arena_add(m, s + i + 1,
			    len - i - 1)) == 0)
				return (http_fail(m, 500,
				    "head does not fit"));
		}
		return (0);
	}
	return (split_path(m, s + i, len - i));
}

/* The four target forms of RFC 9112 3.2. */
static int
parse_target(struct http_msg *m, const char *s, size_t len, uint32_t *auth)
{
	size_t	 hl;

	if (len == 0 || !target_chars(s, len))
		return (http_fail(m, 400, "bad request target"));
	if ((m->m_target = arena_add(m, s, len)) == 0)
		return (http_fail(m, 500, "head does not fit"));
	if (strcmp(m->m_method, "CONNECT") == 0) {
		if (host_split(s, len, &hl) == -1 || hl == 0 || hl == len)
			return (http_fail(m, 400, "bad CONNECT target"));
		m->m_path = m->m_target;
		return (0);
	}
	if (s[0] == '/')
		return (split_path(m, s, len));
	if (len == 1 && s[0] == '*') {
		if (strcmp(m->m_method, "OPTIONS") != 0)
			return (http_fail(m, 400, "bad request target"));
		m->m_path = m->m_target;
		return (0);
	}
	return (parse_absolute(m, s, len, auth));
}

/* "HTTP/1.d": 0 with the minor version (above 1 read as 1), else -1. */
static int
parse_version(const char *s, size_t len, int *minor)
{
	if (len != 8 || memcmp(s, "HTTP/1.", 7) != 0 ||
	    s[7] < '0' || s[7] > '9')
		return (-1);
	*minor = s[7] == '0' ? 0 : 1;
	return (0);
}

static int
parse_reqline(struct http_msg *m, const char *s, size_t len, uint32_t *auth)
{
	const char	*sp1, *sp2, *v;
	size_t		 mlen, vlen;

	if ((sp1 = memchr(s, ' ', len)) == NULL)
		return (http_fail(m, 400, "request line without a space"));
	mlen = sp1 - s;
	if (method_find(s, mlen) == NULL)
		return (http_fail(m, 500, "unknown method"));
	memcpy(m->m_method, s, mlen);
	m->m_method[mlen] = '\0';
	sp2 = memchr(sp1 + 1, ' ', len - mlen - 1);
	if (sp2 == NULL)
		return (http_fail(m, 400, "request line without version"));
	v = sp2 + 1;
	vlen = len - (v - s);
	if (parse_version(v, vlen, &m->m_minor) == -1) {
		if (vlen >= 5 && memcmp(v, "HTTP/", 5) == 0)
			return (http_fail(m, 505, "unsupported version"));
		return (http_fail(m, 400, "bad request line"));
	}
	return (parse_target(m, sp1 + 1, sp2 - sp1 - 1, auth));
}

/* "HTTP/1.d SP 3DIGIT [SP reason]"; a missing reason is tolerated. */
static int
parse_statusline(struct http_msg *m, const char *s, size_t len)
{
	if (len < 12 || parse_version(s, 8, &m->m_minor) == -1 ||
	    s[8] != ' ')
		return (http_fail(m, 502, "bad status line"));
	if (s[9] < '1' || s[9] > '5' || s[10] < '0' || s[10] > '9' ||
	    s[11] < '0' || s[11] > '9')
		return (http_fail(m, 502, "bad status code"));
	m->m_status = (s[9] - '0') * 100 + (s[10] - '0') * 10 + s[11] - '0';
	if (len == 12) {
		m->m_reason = 0;
		return (0);
	}
	if (s[12] != ' ' || !value_ok(s + 13, len - 13))
		return (http_fail(m, 502, "bad status line"));
	if ((m->m_reason = arena_add(m, s + 13, len - 13)) == 0)
		return (http_fail(m, 502, "head does not fit"));
	return (0);
}

/* One field line: name ":" OWS value OWS. */
static int
parse_header(struct http_msg *m, const char *s, size_t len, int maxhdrs)
{
	const char		*colon, *v;
	size_t			 nlen, vlen;
	struct http_header	*h;

	if (s[0] == ' ' || s[0] == '\t')
		return (http_fail(m, 400, "obs-fold in head"));
	if ((colon = memchr(s, ':', len)) == NULL)
		return (http_fail(m, 400, "header without colon"));
	nlen = colon - s;
	if (!is_token(s, nlen))
		return (http_fail(m, 400, "bad header name"));
	v = colon + 1;
	vlen = len - nlen - 1;
	while (vlen > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		vlen--;
	}
	while (vlen > 0 && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
		vlen--;
	if (!value_ok(v, vlen))
		return (http_fail(m, 400, "bad header value"));
	if (m->m_nhdrs >= maxhdrs || m->m_nhdrs >= m->m_maxhdrs)
		return (http_fail(m, 431, "too many headers"));
	h = &m->m_hdrs[m->m_nhdrs];
	if ((h->h_name = arena_add(m, s, nlen)) == 0 ||
	    (h->h_value = arena_add(m, v, vlen)) == 0)
		return (http_fail(m, 500, "head does not fit"));
	h->h_removed = 0;
	m->m_nhdrs++;
	return (0);
}

/* Whether header i is live and called name. */
static int
hdr_is(const struct http_msg *m, int i, const char *name)
{
	return (!m->m_hdrs[i].h_removed &&
	    strcasecmp(http_str(m, m->m_hdrs[i].h_name), name) == 0);
}

/* Whether a comma list holds tok (case-insensitive, OWS trimmed). */
static int
list_has(const char *v, const char *tok)
{
	size_t		 tlen = strlen(tok), n;

	for (;;) {
		while (*v == ' ' || *v == '\t' || *v == ',')
			v++;
		if (*v == '\0')
			return (0);
		n = strcspn(v, ",");
		while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
			n--;
		if (n == tlen && strncasecmp(v, tok, n) == 0)
			return (1);
		v += strcspn(v, ",");
	}
}

/* Every Transfer-Encoding line together names exactly "chunked". */
static int
te_chunked_only(const struct http_msg *m)
{
	const char	*v;
	size_t		 n, e;
	int		 i, codings = 0, chunked = 0;

	for (i = 0; i < m->m_nhdrs; i++) {
		if (!hdr_is(m, i, "Transfer-Encoding"))
			continue;
		v = http_str(m, m->m_hdrs[i].h_value);
		for (;;) {
			while (*v == ' ' || *v == '\t' || *v == ',')
				v++;
			if (*v == '\0')
				break;
			n = strcspn(v, ",");
			for (e = n; e > 0 && (v[e - 1] == ' ' ||
			    v[e - 1] == '\t'); e--)
				;
			codings++;
			if (e == 7 && strncasecmp(v, "chunked", 7) == 0)
				chunked++;
			v += n;
		}
	}
	return (codings == 1 && chunked == 1);
}

/* 1*DIGIT up to INT64_MAX. */
static int
parse_length(const char *s, uint64_t *len)
{
	uint64_t	 v = 0;

	if (*s == '\0')
		return (-1);
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return (-1);
		if (v > (INT64_MAX - (uint64_t)(*s - '0')) / 10)
			return (-1);
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*len = v;
	return (0);
}

static void
scan_headers(const struct http_msg *m, struct http_scan *sc)
{
	const char	*n, *v;
	int		 i;

	memset(sc, 0, sizeof(*sc));
	sc->s_host = sc->s_cl = -1;
	for (i = 0; i < m->m_nhdrs; i++) {
		if (m->m_hdrs[i].h_removed)
			continue;
		n = http_str(m, m->m_hdrs[i].h_name);
		v = http_str(m, m->m_hdrs[i].h_value);
		if (strcasecmp(n, "Host") == 0) {
			sc->s_nhost++;
			sc->s_host = i;
		} else if (strcasecmp(n, "Content-Length") == 0) {
			sc->s_ncl++;
			sc->s_cl = i;
		} else if (strcasecmp(n, "Transfer-Encoding") == 0)
			sc->s_nte++;
		else if (strcasecmp(n, "Connection") == 0) {
			sc->s_close |= list_has(v, "close");
			sc->s_keepalive |= list_has(v, "keep-alive");
			sc->s_conn_upgrade |= list_has(v, "upgrade");
		} else if (strcasecmp(n, "Upgrade") == 0) {
			sc->s_upgrade = 1;
			sc->s_websocket |= list_has(v, "websocket");
		}
	}
}

/* Framing headers leave by the parser only (see http_hdr_remove). */
static void
remove_idx_name(struct http_msg *m, const char *name)
{
	int	 i;

	for (i = 0; i < m->m_nhdrs; i++)
		if (strcasecmp(http_str(m, m->m_hdrs[i].h_name), name) == 0)
			m->m_hdrs[i].h_removed = 1;
}

static int
request_framing(struct http_msg *m, const struct http_limits *lim,
    uint32_t auth)
{
	const struct http_method	*hm;
	const char			*hv;
	struct http_scan		 sc;
	uint64_t			 cl = 0;

	if ((hm = method_find(m->m_method, strlen(m->m_method))) == NULL)
		return (http_fail(m, 500, "unknown method"));
	scan_headers(m, &sc);

	/* Host (RFC 9112 3.2, IMP-3). */
	if (sc.s_nhost > 1)
		return (http_fail(m, 400, "duplicate Host"));
	if (sc.s_nhost == 0 && m->m_minor >= 1)
		return (http_fail(m, 400, "no Host"));
	if (sc.s_nhost == 1) {
		hv = http_str(m, m->m_hdrs[sc.s_host].h_value);
		if (set_host(m, hv, strlen(hv)) == -1)
			return (-1);
	}
	if (auth != 0) {
		if (sc.s_nhost == 0)
			m->m_host = auth;
		else if (strcmp(http_str(m, auth), http_str(m, m->m_host)) != 0)
			return (http_fail(m, 400,
			    "absolute URI host differs from Host"));
	}

	/* Content-Length and Transfer-Encoding (IMP-3, IMP-4). */
	if (sc.s_ncl > 1)
		return (http_fail(m, 400, "duplicate Content-Length"));
	if (sc.s_ncl == 1 &&
	    parse_length(http_str(m, m->m_hdrs[sc.s_cl].h_value), &cl) == -1)
		return (http_fail(m, 400, "bad Content-Length"));
	if ((hm->hm_flags & METH_NOLENGTH) && (sc.s_ncl > 0 || sc.s_nte > 0))
		return (http_fail(m, 400, "body on TRACE or CONNECT"));
	if ((hm->hm_flags & METH_NOBODY) && (cl > 0 || sc.s_nte > 0))
		return (http_fail(m, 400, "body on a bodiless method"));
	if (sc.s_nte > 0) {
		if (!te_chunked_only(m))
			return (http_fail(m, 501, "unsupported coding"));
		m->m_body = HTTP_BODY_CHUNKED;
	} else if (cl > 0) {
		m->m_body = HTTP_BODY_LENGTH;
		m->m_length = cl;
	}
	if ((hm->hm_flags & METH_NOBODY) && sc.s_ncl > 0)
		remove_idx_name(m, "Content-Length");

	/* Keep-alive (RFC 9112 9.3). */
	if (m->m_minor >= 1)
		m->m_keepalive = !sc.s_close;
	else
		m->m_keepalive = sc.s_keepalive && !sc.s_close;
	if (sc.s_nte > 0 && (sc.s_ncl > 0 || m->m_minor == 0)) {
		/* The smuggling case: chunked wins, then close. */
		remove_idx_name(m, "Content-Length");
		m->m_keepalive = 0;
	}

	/* Websocket (IMP-8, HTTP-2). */
	if (sc.s_websocket) {
		if (lim == NULL || !lim->l_websockets)
			return (http_fail(m, 403, "Websocket Forbidden"));
		if (!sc.s_conn_upgrade)
			return (http_fail(m, 400,
			    "websocket without Connection: upgrade"));
		if (strcmp(m->m_method, "GET") != 0)
			return (http_fail(m, 405, "websocket without GET"));
		m->m_upgrade = 1;
	}
	return (0);
}

/*
 * RFC 9112 6.3 from the response's side.  Of req only m_method and
 * m_upgrade are read; the caller combines m_keepalive with the
 * request's.
 */
static int
response_framing(struct http_msg *m, const struct http_msg *req)
{
	struct http_scan	 sc;
	uint64_t		 cl = 0;
	const char		*method = "GET";
	int			 upgrade = 0, st = m->m_status;

	if (req != NULL) {
		method = req->m_method;
		upgrade = req->m_upgrade;
	}
	scan_headers(m, &sc);
	if (sc.s_ncl > 1)
		return (http_fail(m, 502, "duplicate Content-Length"));
	if (sc.s_ncl == 1 &&
	    parse_length(http_str(m, m->m_hdrs[sc.s_cl].h_value), &cl) == -1)
		return (http_fail(m, 502, "bad Content-Length"));
	if (m->m_minor >= 1)
		m->m_keepalive = !sc.s_close;
	else
		m->m_keepalive = sc.s_keepalive && !sc.s_close;

	if (st < 200 || st == 204) {
		if (cl != 0 || sc.s_nte > 0)
			return (http_fail(m, 502, "body on 1xx or 204"));
		if (st == 101) {
			if (!upgrade || !sc.s_websocket || !sc.s_conn_upgrade)
				return (http_fail(m, 502, "bad 101"));
			m->m_body = HTTP_BODY_UPGRADE;
			m->m_keepalive = 0;
		}
		return (0);
	}
	if (st == 304 || strcmp(method, "HEAD") == 0)
		return (0);
	if (strcmp(method, "CONNECT") == 0 && st < 300) {
		m->m_body = HTTP_BODY_UPGRADE;
		m->m_keepalive = 0;
		return (0);
	}
	if (sc.s_nte > 0) {
		if (!te_chunked_only(m))
			return (http_fail(m, 502, "unsupported coding"));
		m->m_body = HTTP_BODY_CHUNKED;
		if (sc.s_ncl > 0 || m->m_minor == 0) {
			remove_idx_name(m, "Content-Length");
			m->m_keepalive = 0;
		}
	} else if (sc.s_ncl > 0) {
		if (cl > 0) {
			m->m_body = HTTP_BODY_LENGTH;
			m->m_length = cl;
		}
	} else {
		m->m_body = HTTP_BODY_EOF;
		m->m_keepalive = 0;
	}
	return (0);
}

enum http_result
http_parse(struct http_msg *m, int request, const char *buf, size_t len,
    const struct http_limits *lim, const struct http_msg *req)
{
	enum http_result r;
	const char	*p, *nl;
	size_t		 limit, start, end, off;
	uint32_t	 auth = 0;
	int		 maxhdrs, first = 1;

	arena_reset(m, request);
	limit = lim != NULL && lim->l_headerlen > 0 ? lim->l_headerlen :
	    HTTP_HEADERLEN_DEF;
	if (limit > (m->m_cap - HTTP_EDITROOM) / 2)
		limit = (m->m_cap - HTTP_EDITROOM) / 2;
	maxhdrs = lim != NULL && lim->l_maxheaders > 0 ? lim->l_maxheaders :
	    HTTP_MAXHEADERS;
	if (maxhdrs > m->m_maxhdrs - HTTP_EDITHDRS)
		maxhdrs = m->m_maxhdrs - HTTP_EDITHDRS;

	if ((r = head_find(m, buf, len, limit, &start)) != HTTP_OK)
		return (r);
	end = m->m_headlen - 2;		/* the blank line's CRLF */
	for (off = start; off < end; off = nl - buf + 1) {
		/* head_find saw every LF preceded by a CR. */
		p = buf + off;
		if ((nl = memchr(p, '\n', end - off)) == NULL)
			break;
		if (first) {
			first = 0;
			if (request) {
				if (parse_reqline(m, p, nl - p - 1,
				    &auth) == -1)
					return (HTTP_ERROR);
			} else if (parse_statusline(m, p, nl - p - 1) == -1)
				return (HTTP_ERROR);
		} else if (parse_header(m, p, nl - p - 1, maxhdrs) == -1)
			return (HTTP_ERROR);
	}
	if (first) {
		(void)http_fail(m, 400, "empty head");
		return (HTTP_ERROR);
	}
	if (request) {
		if (request_framing(m, lim, auth) == -1)
			return (HTTP_ERROR);
		m->m_status = 0;
	} else if (response_framing(m, req) == -1)
		return (HTTP_ERROR);
	return (HTTP_OK);
}

const char *
http_str(const struct http_msg *m, uint32_t off)
{
	if (off == 0 || off >= m->m_used)
		return ("");
	return (m->m_arena + off);
}

int
http_hdr_find(const struct http_msg *m, const char *name, int idx)
{
	int	 i;

	for (i = 0; i < m->m_nhdrs; i++) {
		if (!hdr_is(m, i, name))
			continue;
		if (idx-- == 0)
			return (i);
	}
	return (-1);
}

/* The name of header i (removed ones too), or NULL out of range. */
const char *
http_hdr_name(const struct http_msg *m, int i)
{
	if (i < 0 || i >= m->m_nhdrs)
		return (NULL);
	return (http_str(m, m->m_hdrs[i].h_name));
}

const char *
http_hdr_value(const struct http_msg *m, int i)
{
	if (i < 0 || i >= m->m_nhdrs)
		return (NULL);
	return (http_str(m, m->m_hdrs[i].h_value));
}

/*
 * The parser alone decides the framing: rules may not add, change or
 * remove Content-Length or Transfer-Encoding, or the backend would read
 * the body otherwise than we pass it on.
 */
static int
framing_name(const char *name)
{
	return (strcasecmp(name, "Content-Length") == 0 ||
	    strcasecmp(name, "Transfer-Encoding") == 0);
}

/* -1 also for a name that is no token, a value with CR, LF or another
 * control byte (no header injection), or a framing header. */
int
http_hdr_append(struct http_msg *m, const char *name, const char *value)
{
	struct http_header	*h;
	size_t			 used = m->m_used;
	uint32_t		 n, v;

	if (!is_token(name, strlen(name)) ||
	    !value_ok(value, strlen(value)) || framing_name(name) ||
	    m->m_nhdrs >= m->m_maxhdrs)
		return (-1);
	if ((n = arena_add(m, name, strlen(name))) == 0 ||
	    (v = arena_add(m, value, strlen(value))) == 0) {
		m->m_used = used;
		return (-1);
	}
	h = &m->m_hdrs[m->m_nhdrs++];
	h->h_name = n;
	h->h_value = v;
	h->h_removed = 0;
	return (0);
}

int
http_hdr_set(struct http_msg *m, const char *name, const char *value)
{
	uint32_t	 v = 0;
	int		 i, found = 0;

	if (!value_ok(value, strlen(value)) || framing_name(name))
		return (-1);
	for (i = 0; i < m->m_nhdrs; i++) {
		if (!hdr_is(m, i, name))
			continue;
		/* One copy serves every line so named. */
		if (found == 0 &&
		    (v = arena_add(m, value, strlen(value))) == 0)
			return (-1);
		m->m_hdrs[i].h_value = v;
		found = 1;
	}
	if (found)
		return (0);
	return (http_hdr_append(m, name, value));
}

/* Framing headers are kept (see framing_name) and not counted. */
int
http_hdr_remove(struct http_msg *m, const char *name)
{
	int	 i, n = 0;

	if (framing_name(name))
		return (0);
	for (i = 0; i < m->m_nhdrs; i++) {
		if (!hdr_is(m, i, name))
			continue;
		m->m_hdrs[i].h_removed = 1;
		n++;
	}
	return (n);
}

/* m_target becomes path[?query] (origin-form) after an edit. */
static int
rebuild_target(struct http_msg *m)
{
	const char	*p = http_str(m, m->m_path);
	const char	*q = http_str(m, m->m_query);
	size_t		 plen = strlen(p), qlen = strlen(q), need;
	char		*t;

	need = plen + (m->m_has_query ? qlen + 1 : 0) + 1;
	if (need > m->m_cap - m->m_used)
		return (-1);
	t = m->m_arena + m->m_used;
	memcpy(t, p, plen);
	if (m->m_has_query) {
		t[plen] = '?';
		memcpy(t + plen + 1, q, qlen);
	}
	t[need - 1] = '\0';
	m->m_target = (uint32_t)m->m_used;
	m->m_used += need;
	return (0);
}

/* A path that starts with '/' and holds no blank, control, '?' or '#'. */
int
http_set_path(struct http_msg *m, const char *path)
{
	size_t		 used = m->m_used, len = strlen(path);
	uint32_t	 old = m->m_path;

	if (len == 0 || path[0] != '/' || !target_chars(path, len) ||
	    strpbrk(path, "?#") != NULL)
		return (-1);
	if ((m->m_path = arena_add(m, path, len)) == 0 ||
	    rebuild_target(m) == -1) {
		m->m_path = old;
		m->m_used = used;
		return (-1);
	}
	return (0);
}

/* NULL drops the query; no blank, control or '#' in it. */
int
http_set_query(struct http_msg *m, const char *query)
{
	size_t		 used = m->m_used;
	uint32_t	 old = m->m_query;
	int		 oldhas = m->m_has_query;

	if (query == NULL) {
		m->m_query = 0;
		m->m_has_query = 0;
	} else {
		if (!target_chars(query, strlen(query)) ||
		    strchr(query, '#') != NULL)
			return (-1);
		if (*query == '\0')
			m->m_query = 0;
		else if ((m->m_query = arena_add(m, query,
		    strlen(query))) == 0) {
			m->m_query = old;
			return (-1);
		}
		m->m_has_query = 1;
	}
	if (rebuild_target(m) == -1) {
		m->m_query = old;
		m->m_has_query = oldhas;
		m->m_used = used;
		return (-1);
	}
	return (0);
}

static int
emit_str(char *out, size_t outlen, size_t *pos, const char *s)
{
	size_t	 n = strlen(s);

	if (n > outlen - *pos)
		return (-1);
	memcpy(out + *pos, s, n);
	*pos += n;
	return (0);
}

long
http_emit(const struct http_msg *m, char *out, size_t outlen)
{
	const char	*reason;
	char		 line[32];
	size_t		 pos = 0;
	int		 i, rv = 0;

	if (m->m_request) {
		rv |= emit_str(out, outlen, &pos, m->m_method);
		rv |= emit_str(out, outlen, &pos, " ");
		rv |= emit_str(out, outlen, &pos, http_str(m, m->m_target));
		rv |= emit_str(out, outlen, &pos,
		    m->m_minor == 0 ? " HTTP/1.0\r\n" : " HTTP/1.1\r\n");
	} else {
		if (m->m_status < 100 || m->m_status > 999)
			return (-1);
		reason = http_str(m, m->m_reason);
		if (*reason == '\0')
			reason = http_reason(m->m_status);
		/* Three digits and a blank, from the check above. */
		line[0] = (char)('0' + m->m_status / 100);
		line[1] = (char)('0' + m->m_status / 10 % 10);
		line[2] = (char)('0' + m->m_status % 10);
		line[3] = ' ';
		line[4] = '\0';
		rv |= emit_str(out, outlen, &pos,
		    m->m_minor == 0 ? "HTTP/1.0 " : "HTTP/1.1 ");
		rv |= emit_str(out, outlen, &pos, line);
		rv |= emit_str(out, outlen, &pos, reason);
		rv |= emit_str(out, outlen, &pos, "\r\n");
	}
	for (i = 0; i < m->m_nhdrs && rv == 0; i++) {
		if (m->m_hdrs[i].h_removed)
			continue;
		rv |= emit_str(out, outlen, &pos,
		    http_str(m, m->m_hdrs[i].h_name));
		rv |= emit_str(out, outlen, &pos, ": ");
		rv |= emit_str(out, outlen, &pos,
		    http_str(m, m->m_hdrs[i].h_value));
		rv |= emit_str(out, outlen, &pos, "\r\n");
	}
	rv |= emit_str(out, outlen, &pos, "\r\n");
	if (rv != 0 || pos > LONG_MAX)
		return (-1);
	return ((long)pos);
}

void
http_chunked_init(struct http_chunked *c)
{
	memset(c, 0, sizeof(*c));
	c->c_state = CH_SIZE;
}

static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

/* One byte of a size or trailer line; -1 on a fault. */
static int
chunked_byte(struct http_chunked *c, unsigned char ch)
{
	int	 d;

	switch (c->c_state) {
	case CH_SIZE:
	case CH_SIZE_MORE:
		if ((d = hexval(ch)) != -1) {
			if (c->c_left > (HTTP_CHUNK_MAX >> 4))
				return (-1);
			c->c_left = c->c_left * 16 + (uint64_t)d;
			if (c->c_left > HTTP_CHUNK_MAX)
				return (-1);
			c->c_state = CH_SIZE_MORE;
		} else if (c->c_state == CH_SIZE)
			return (-1);	/* blank, sign, empty line */
		else if (ch == ';')
			c->c_state = CH_EXT;
		else if (ch == '\r')
			c->c_state = CH_SIZE_LF;
		else
			return (-1);	/* "0x", blank after digits */
		break;
	case CH_EXT:
		if (ch == '\r')
			c->c_state = CH_SIZE_LF;
		else if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
			return (-1);
		break;
	case CH_SIZE_LF:
		if (ch != '\n')
			return (-1);
		c->c_linelen = 0;
		c->c_state = c->c_left > 0 ? CH_DATA : CH_TRAILER;
		return (0);
	case CH_DATA_CR:
		if (ch != '\r')
			return (-1);
		c->c_state = CH_DATA_LF;
		return (0);
	case CH_DATA_LF:
		if (ch != '\n')
			return (-1);
		c->c_state = CH_SIZE;
		c->c_linelen = 0;
		return (0);
	case CH_TRAILER:
	case CH_TRAILER_LINE:
		if (c->c_state == CH_TRAILER && ch == '\r')
			c->c_state = CH_END_LF;
		else if (ch == '\r')
			c->c_state = CH_TRAILER_LF;
		else if (ch == '\n' || ch == '\0')
			return (-1);
		else
			c->c_state = CH_TRAILER_LINE;
		break;
	case CH_TRAILER_LF:
		if (ch != '\n')
			return (-1);
		c->c_state = CH_TRAILER;
		c->c_linelen = 0;
		return (0);
	case CH_END_LF:
		if (ch != '\n')
			return (-1);
		c->c_state = CH_DONE;
		c->c_done = 1;
		return (0);
	default:
		return (-1);
	}
	if (++c->c_linelen > HTTP_CHUNKLINE_MAX)
		return (-1);
	return (0);
}

long
http_chunked_scan(struct http_chunked *c, const char *buf, size_t len)
{
	size_t		 i = 0, n;

	if (c->c_done)
		return (0);
	if (len > LONG_MAX)
		len = LONG_MAX;
	while (i < len) {
		if (c->c_state == CH_DATA) {
			n = len - i;
			if (n > c->c_left)
				n = (size_t)c->c_left;
			i += n;
			c->c_left -= n;
			if (c->c_left == 0)
				c->c_state = CH_DATA_CR;
			continue;
		}
		if (chunked_byte(c, (unsigned char)buf[i++]) == -1) {
			c->c_state = -1;
			return (-1);
		}
		if (c->c_done)
			break;
	}
	return ((long)i);
}

const char *
http_reason(int status)
{
	size_t	 i;

	for (i = 0; i < sizeof(http_statuses) / sizeof(http_statuses[0]);
	    i++)
		if (http_statuses[i].hs_code == status)
			return (http_statuses[i].hs_reason);
	return ("");
}
