/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

#ifndef RELAYD_HTTP_H
#define RELAYD_HTTP_H

/*
 * HTTP/1.x for relays, without I/O (spec IMP-3..IMP-8, HTTP-1/2): a
 * request or response head parsed from a complete header block, edited
 * by the filter rules, emitted again in arrival order (IMP-6), and the
 * framing of what follows (length, chunked, until EOF, upgrade).  Every
 * string lives in the message's own arena; every count is bounded.
 */

#include <stddef.h>
#include <stdint.h>

#define HTTP_MAXHEADERS		128	/* default limit on header lines */
#define HTTP_EDITROOM		4096	/* arena bytes beyond the head */
#define HTTP_METHODLEN		32

/* How the body that follows a head is delimited. */
enum http_body {
	HTTP_BODY_NONE = 0,	/* nothing follows (GET, 204, 304, HEAD reply) */
	HTTP_BODY_LENGTH,	/* Content-Length bytes */
	HTTP_BODY_CHUNKED,	/* chunked coding, then trailers */
	HTTP_BODY_EOF,		/* a response read until the server closes */
	HTTP_BODY_UPGRADE	/* 101 to websocket: a tunnel from here on */
};

/* What parsing a head gives: OK, more bytes needed, or an error with
 * the status to answer (request side) or to give the client (response
 * side: 502). */
enum http_result {
	HTTP_OK = 0,
	HTTP_MORE,		/* no end of head yet, under the limit */
	HTTP_ERROR		/* see msg->m_status and m_error */
};

struct http_limits {
	size_t		 l_headerlen;	/* total head bytes; over -> 413 */
	int		 l_maxheaders;	/* header lines; over -> 431 */
	int		 l_websockets;	/* HTTP-2: Upgrade allowed */
};

struct http_header {
	uint32_t	 h_name;	/* offsets into m_arena, NUL-ended */
	uint32_t	 h_value;
	int		 h_removed;	/* emitted no more */
};

struct http_msg {
	int		 m_request;	/* else a response */
	/* request line */
	char		 m_method[HTTP_METHODLEN];
	uint32_t	 m_target;	/* offset: as sent ("/a/b?q", or
					   absolute-form) */
	uint32_t	 m_path;	/* offset: path without query */
	uint32_t	 m_query;	/* offset: query without '?', or 0 */
	int		 m_has_query;
	uint32_t	 m_host;	/* offset: Host value (no port); 0 = none */
	/* status line */
	int		 m_status;	/* response status; on HTTP_ERROR the
					   status to answer (400, 413...) */
	uint32_t	 m_reason;	/* offset: reason phrase */
	int		 m_minor;	/* HTTP/1.m_minor */
	/* headers, in arrival order */
	struct http_header *m_hdrs;	/* l_maxheaders + room for edits */
	int		 m_nhdrs;
	int		 m_maxhdrs;
	/* framing */
	enum http_body	 m_body;
	uint64_t	 m_length;	/* HTTP_BODY_LENGTH */
	int		 m_keepalive;	/* the connection may carry another */
	int		 m_upgrade;	/* a websocket upgrade request */
	size_t		 m_headlen;	/* bytes of the head, CRLFCRLF included */
	const char	*m_error;	/* why, for logs (static string) */
	/* the arena: l_headerlen + HTTP_EDITROOM bytes */
	size_t		 m_used;
	size_t		 m_cap;
	char		 *m_arena;
};

/* A message sized for the limits (kept only while a head is handled,
 * so an idle session holds none).  NULL on allocation failure. */
struct http_msg	*http_msg_new(const struct http_limits *);
void		 http_msg_free(struct http_msg *);

/*
 * Parses the head at the start of buf (len bytes so far).  HTTP_MORE
 * when the blank line is not there yet and len is under the limit;
 * HTTP_ERROR with m_status (400, 405, 413, 431, 500, 501, 505, or 502
 * for a response) and m_error; HTTP_OK with m_headlen set.  For a
 * response, req is the request it answers (HEAD, method, upgrade), or
 * NULL.
 */
enum http_result http_parse(struct http_msg *, int request, const char *buf,
	    size_t len, const struct http_limits *, const struct http_msg *req);

/* A string of the arena by offset (offset 0 is ""). */
const char	*http_str(const struct http_msg *, uint32_t off);

/* Header access; names compare case-insensitively (FLT-26). */
/* The idx-th (from 0) live header called name, or -1. */
int		 http_hdr_find(const struct http_msg *, const char *name,
		    int idx);
const char	*http_hdr_name(const struct http_msg *, int i);
const char	*http_hdr_value(const struct http_msg *, int i);
/* 0, or -1 when the arena or the header table is full. */
int		 http_hdr_append(struct http_msg *, const char *name,
		    const char *value);
/* Replaces the value of every header called name, or appends one. */
int		 http_hdr_set(struct http_msg *, const char *name,
		    const char *value);
/* Removes every header called name; returns how many. */
int		 http_hdr_remove(struct http_msg *, const char *name);
/* Replaces the path (FLT-20 strip, rules' path set); 0 or -1. */
int		 http_set_path(struct http_msg *, const char *path);
int		 http_set_query(struct http_msg *, const char *query);

/*
 * Writes the head as it goes on the wire into out (outlen bytes):
 * request or status line, live headers in order, CRLF.  Returns its
 * length, or -1 if it does not fit.
 */
long		 http_emit(const struct http_msg *, char *out, size_t outlen);

/*
 * Chunked body scanner (IMP-5): fed the bytes after the head as they
 * come, it says how many belong to the body (passed on unchanged) and
 * when the last chunk and the trailers have gone by.
 */
struct http_chunked {
	int		 c_state;
	uint64_t	 c_left;	/* data bytes left in this chunk */
	size_t		 c_linelen;	/* bytes of the size/trailer line */
	int		 c_done;
};
void		 http_chunked_init(struct http_chunked *);
/* Scans len bytes: returns how many belong to the body (all of them
 * until the end; fewer when the body ends inside buf), or -1 on a bad
 * chunk (bad size, sign, 0x, blank, over-long line): the session ends. */
long		 http_chunked_scan(struct http_chunked *, const char *buf,
		    size_t len);

/* The canonical reason phrase for a status ("Bad Request"), or "". */
const char	*http_reason(int status);

#endif /* RELAYD_HTTP_H */
