/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * The HTTP side of a relay session (PRO-2, IMP-1..9): request heads
 * are parsed whole (http.c), run through the protocol's filter rules
 * (filter.c) and emitted again; bodies pass by their framing, checked
 * as they go (chunk sizes included), so a malformed or smuggled request
 * never reaches the backend.  Requests may be pipelined: responses are
 * matched to them in order.  The backend is connected after the first
 * head passed the rules (IMP-1) and kept for the session (IMP-2).
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "relay.h"

static void
limits_of(const struct rsession *s, struct http_limits *l)
{
	const struct rd_protocol	*p = s->s_relay->rl_proto;

	memset(l, 0, sizeof(*l));
	l->l_headerlen = p != NULL && p->p_headerlen > 0 ?
	    (size_t)p->p_headerlen : RELAYD_HEADERLEN;
	l->l_maxheaders = p != NULL && p->p_maxheaders > 0 ?
	    p->p_maxheaders : RELAYD_MAXHEADERS;
	l->l_websockets = p != NULL && p->p_websockets;
}

/*
 * One message kept for the next head: a head is handled whole between
 * two events, so one is all a process ever needs at a time, and most
 * heads then cost no allocation.
 */
static struct http_msg	*msg_cache;
static size_t		 msg_cache_len;
static int		 msg_cache_hdrs;

static struct http_msg *
msg_get(const struct http_limits *l)
{
	struct http_msg	*m;

	if (msg_cache != NULL && msg_cache_len == l->l_headerlen &&
	    msg_cache_hdrs == l->l_maxheaders) {
		m = msg_cache;
		msg_cache = NULL;
		return (m);
	}
	return (http_msg_new(l));
}

static void
msg_put(struct http_msg *m, const struct http_limits *l)
{
	if (msg_cache == NULL) {
		msg_cache = m;
		msg_cache_len = l->l_headerlen;
		msg_cache_hdrs = l->l_maxheaders;
		return;
	}
	http_msg_free(m);
}

void
relay_http_start(struct rsession *s)
{
	s->s_req.d_state = RH_HEAD;
	s->s_resp.d_state = RH_HEAD;
}

/* Minimal HTML escaping for the label on an error page. */
static void
html_escape(const char *in, char *out, size_t len)
{
	size_t	 o = 0;
	const char *rep;

	for (; *in != '\0' && o + 7 < len; in++) {
		switch (*in) {
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '&': rep = "&amp;"; break;
		case '"': rep = "&quot;"; break;
		default: rep = NULL; break;
		}
		if (rep != NULL) {
			(void)strlcpy(out + o, rep, len - o);
			o += strlen(rep);
		} else
			out[o++] = *in;
	}
	out[o] = '\0';
}

/*
 * Answers the client with status and closes once it is written (PRO-4:
 * the page carries the label).  The rest of the input is dropped.
 */
void
relay_http_error(struct rsession *s, int status, const char *why)
{
	const struct rd_protocol	*p = s->s_relay->rl_proto;
	char				 label[FLT_LABELLEN * 2], body[4096];
	int				 n;

	log_info("relay %s, session %u: %d %s: %s", s->s_relay->rl_name,
	    s->s_id, status, http_reason(status), why);
	html_escape(s->s_flt.s_label, label, sizeof(label));
	n = snprintf(body, sizeof(body), "<!DOCTYPE html>\n<html>\n<head>\n"
	    "<title>%d %s</title>\n<style type=\"text/css\"><!--\n%s\n-->"
	    "</style>\n</head>\n<body>\n<h1>%s</h1>\n<div id='m'>%s</div>\n"
	    "%s%s%s<hr><address>relayd at %s</address>\n</body>\n</html>\n",
	    status, http_reason(status), p != NULL && p->p_style[0] != '\0' ?
	    p->p_style : "body { background-color: #a00000; color: white; "
	    "font-family: 'Comic Sans MS', 'Chalkboard SE', 'Comic Neue', "
	    "sans-serif; }", http_reason(status), why,
	    label[0] != '\0' ? "<div id='l'>" : "", label,
	    label[0] != '\0' ? "</div>\n" : "", s->s_relay->rl_name);
	if (n < 0 || (size_t)n >= sizeof(body))
		n = (int)strlen(body);
	(void)evbuffer_add_printf(s->s_c.c_out, "HTTP/1.1 %d %s\r\n"
	    "Content-Type: text/html\r\nContent-Length: %d\r\n"
	    "Connection: close\r\n\r\n%s", status, http_reason(status), n,
	    body);
	(void)evbuffer_drain(s->s_c.c_in, evbuffer_get_length(s->s_c.c_in));
	s->s_req.d_state = RH_CLOSE;
	s->s_resp.d_state = RH_CLOSE;
	s->s_closing = 1;
	relay_read_enable(s, &s->s_c, 0);
	relay_read_enable(s, &s->s_b, 0);
	relay_flush(s, &s->s_c);
}

/* The counter for a request head http_parse() refused with status. */
static enum relay_ctr
head_ctr(int status)
{
	switch (status) {
	case 400:
		return (RCTR_BAD_REQUEST);
	case 413:
		return (RCTR_TOO_LONG);
	case 431:
		return (RCTR_TOO_MANY);
	default:
		return (RCTR_OTHER);
	}
}

/*
 * Whether a request came with Content-Length and Transfer-Encoding
 * (IMP-3): http_parse() passed it, the length dropped, the body read
 * as chunked and the connection to close after it; counted here.
 */
static int
smuggled(const struct http_msg *m)
{
	int	 i;

	if (m->m_body != HTTP_BODY_CHUNKED)
		return (0);
	/* the length was marked removed, not forgotten */
	for (i = 0; i < m->m_nhdrs; i++)
		if (strcasecmp(http_str(m, m->m_hdrs[i].h_name),
		    "Content-Length") == 0)
			return (1);
	return (0);
}

/* A block (FLT-1): a 403 page with return error, else a silent close. */
static void
blocked(struct rsession *s, const struct flt_result *res)
{
	const struct rd_protocol	*p = s->s_relay->rl_proto;
	char				 why[64];

	relay_count(s, RCTR_BLOCKED);
	if (p != NULL && p->p_return_error) {
		(void)snprintf(why, sizeof(why), "blocked by rule at line %d",
		    res->r_rule_line);
		relay_http_error(s, 403, why);
		return;
	}
	log_info("relay %s, session %u: blocked by the rule at line %d",
	    s->s_relay->rl_name, s->s_id, res->r_rule_line);
	relay_close(s, "blocked");
}

/* The head emitted into out; -1 if it does not fit. */
static int
emit(struct http_msg *m, struct evbuffer *out)
{
	struct evbuffer_iovec	 v;
	size_t			 room = m->m_cap + 1024;
	long			 n;

	if (evbuffer_reserve_space(out, room, &v, 1) < 1)
		return (-1);
	if ((n = http_emit(m, v.iov_base, v.iov_len)) < 0)
		return (-1);
	v.iov_len = (size_t)n;
	return (evbuffer_commit_space(out, &v, 1));
}

/*
 * Passes body bytes of direction d from in to out; returns 1 when the
 * body ended, 0 when more is to come, -1 on a bad chunk.
 */
static int
body(struct rhttp_dir *d, struct evbuffer *in, struct evbuffer *out)
{
	size_t		 len = evbuffer_get_length(in), n;
	const char	*data;
	long		 k;

	switch (d->d_body) {
	case HTTP_BODY_LENGTH:
		n = len < d->d_left ? len : (size_t)d->d_left;
		(void)evbuffer_remove_buffer(in, out, n);
		d->d_left -= n;
		return (d->d_left == 0);
	case HTTP_BODY_CHUNKED:
		while ((len = evbuffer_get_length(in)) > 0 &&
		    !d->d_chunked.c_done) {
			n = len < RELAY_READ ? len : RELAY_READ;
			if ((data = (const char *)evbuffer_pullup(in,
			    (ssize_t)n)) == NULL)
				return (-1);
			if ((k = http_chunked_scan(&d->d_chunked, data, n)) <
			    0)
				return (-1);
			(void)evbuffer_remove_buffer(in, out, (size_t)k);
			if ((size_t)k < n && !d->d_chunked.c_done)
				return (-1);
		}
		return (d->d_chunked.c_done);
	case HTTP_BODY_EOF:
	case HTTP_BODY_UPGRADE:
		(void)evbuffer_add_buffer(out, in);
		return (0);
	case HTTP_BODY_NONE:
	default:
		return (1);
	}
}

static void
start_body(struct rhttp_dir *d, const struct http_msg *m)
{
	d->d_body = m->m_body;
	d->d_left = m->m_length;
	http_chunked_init(&d->d_chunked);
	d->d_state = m->m_body == HTTP_BODY_NONE ? RH_HEAD : RH_BODY;
}

/* One request head from the client: 0 to go on, -1 when handled. */
static int
client_head(struct rsession *s)
{
	const struct rd_protocol	*p = s->s_relay->rl_proto;
	struct rconn			*c = &s->s_c;
	struct http_limits		 lim;
	struct http_msg			*m;
	struct flt_result		 res;
	size_t				 len, n;
	const char			*data;
	enum http_result		 r;

	limits_of(s, &lim);
	len = evbuffer_get_length(c->c_in);
	n = len < lim.l_headerlen + 1 ? len : lim.l_headerlen + 1;
	if ((data = (const char *)evbuffer_pullup(c->c_in, (ssize_t)n)) ==
	    NULL || (m = msg_get(&lim)) == NULL) {
		relay_close(s, "out of memory");
		return (-1);
	}
	r = http_parse(m, 1, data, n, &lim, NULL);
	if (r == HTTP_MORE) {
		msg_put(m, &lim);
		if (c->c_eof) {
			relay_close(s, len > 0 ? "client closed in a head" :
			    "client closed");
			return (-1);
		}
		if (s->s_head_start == 0) {
			s->s_head_start = relay_mono();
			relay_timer_arm(s, RELAY_HEAD_TIMEOUT);
		}
		return (1);		/* wait for more */
	}
	s->s_head_start = 0;
	if (r == HTTP_ERROR) {
		relay_count(s, head_ctr(m->m_status));
		relay_http_error(s, m->m_status, m->m_error != NULL ?
		    m->m_error : "bad request");
		msg_put(m, &lim);
		return (-1);
	}
	(void)evbuffer_drain(c->c_in, m->m_headlen);
	if (smuggled(m))
		relay_count(s, RCTR_SMUGGLE);
	memset(&res, 0, sizeof(res));
	if (p != NULL && flt_eval(&p->p_rules, m, &s->s_flt, &res) == -1) {
		msg_put(m, &lim);
		relay_count(s, RCTR_EDIT);
		relay_http_error(s, 500, "a rule's edit does not fit");
		return (-1);
	}
	if (res.r_log[0] != '\0')
		log_info("relay %s, session %u: %s %s %s",
		    s->s_relay->rl_name, s->s_id, m->m_method,
		    http_str(m, m->m_target), res.r_log);
	if (res.r_block) {
		msg_put(m, &lim);
		blocked(s, &res);
		return (-1);
	}
	if (res.r_hashed)
		s->s_hash = res.r_hash;
	/* PP-2: this request's table, if another than the backend's */
	relay_backend_for(s, res.r_table);
	if (s->s_state == RS_DONE) {
		msg_put(m, &lim);
		return (-1);
	}
	(void)strlcpy(s->s_methods[s->s_npending], m->m_method,
	    sizeof(s->s_methods[0]));
	s->s_upgrades[s->s_npending] = m->m_upgrade;
	s->s_npending++;
	start_body(&s->s_req, m);
	if (!m->m_keepalive)
		s->s_close_after = 1;
	if (emit(m, s->s_b.c_out) == -1) {
		msg_put(m, &lim);
		relay_count(s, RCTR_EDIT);
		relay_http_error(s, 500, "request head too large");
		return (-1);
	}
	msg_put(m, &lim);
	/* IMP-1: the backend once the first head passed the rules */
	if (s->s_b.c_fd == -1 && s->s_state == RS_ACCEPTED &&
	    relay_connect_backend(s, res.r_table) == -1) {
		relay_count(s, RCTR_NO_BACKEND);
		relay_http_error(s, 503, "no backend available");
		return (-1);
	}
	if (s->s_req.d_state == RH_HEAD && s->s_close_after)
		s->s_req.d_state = RH_CLOSE;
	return (0);
}

static void
client_input(struct rsession *s)
{
	struct rconn	*c = &s->s_c;
	int		 rv;

	while (s->s_state != RS_DONE && !s->s_closing) {
		switch (s->s_req.d_state) {
		case RH_HEAD:
			if (evbuffer_get_length(c->c_in) == 0) {
				if (c->c_eof && s->s_npending == 0 &&
				    s->s_state != RS_RELAYING)
					relay_close(s, "client closed");
				return;
			}
			if (s->s_npending >= RELAY_MAXPIPELINE) {
				/* too many waiting: read on later */
				c->c_paused = 1;
				relay_read_enable(s, c, 0);
				return;
			}
			if (client_head(s) != 0)
				return;
			break;
		case RH_BODY:
			if (s->s_qsplice)
				return;
			/* the rest of a large upload: no copy through us
			 * (not while connecting: a flush would take the
			 * write event the connect waits on) */
			if (s->s_req.d_body == HTTP_BODY_LENGTH &&
			    s->s_state == RS_RELAYING &&
			    evbuffer_get_length(c->c_in) == 0) {
				relay_flush(s, &s->s_b);
				if (s->s_state == RS_DONE)
					return;
				switch (relay_body_splice(s, 1)) {
				case 0:
					return;
				case 1:
					/* the backend has bytes yet: read
					 * no more until it took them */
					s->s_qsplice_wait = 1;
					s->s_c.c_paused = 1;
					relay_read_enable(s, c, 0);
					return;
				default:
					break;
				}
			}
			if (evbuffer_get_length(c->c_in) == 0)
				return;
			if ((rv = body(&s->s_req, c->c_in, s->s_b.c_out)) ==
			    -1) {
				relay_count(s, RCTR_BAD_CHUNK);
				relay_http_error(s, 400, "bad chunked body");
				return;
			}
			if (rv == 1)
				s->s_req.d_state = s->s_close_after ?
				    RH_CLOSE : RH_HEAD;
			break;
		case RH_TUNNEL:
			(void)evbuffer_add_buffer(s->s_b.c_out, c->c_in);
			return;
		case RH_CLOSE:
		default:
			/* after the last request nothing more is read */
			(void)evbuffer_drain(c->c_in,
			    evbuffer_get_length(c->c_in));
			return;
		}
	}
}

static void
pop_pending(struct rsession *s)
{
	if (s->s_npending == 0)
		return;
	memmove(s->s_methods[0], s->s_methods[1],
	    (size_t)(s->s_npending - 1) * sizeof(s->s_methods[0]));
	memmove(&s->s_upgrades[0], &s->s_upgrades[1],
	    (size_t)(s->s_npending - 1) * sizeof(s->s_upgrades[0]));
	s->s_npending--;
	if (s->s_c.c_paused && s->s_npending < RELAY_MAXPIPELINE) {
		s->s_c.c_paused = 0;
		relay_read_enable(s, &s->s_c, 1);
	}
}

/* The response is complete: the next one, or the end of the session. */
static void
response_done(struct rsession *s)
{
	pop_pending(s);
	s->s_resp.d_state = RH_HEAD;
	if (s->s_close_after && s->s_npending == 0) {
		s->s_closing = 1;
		relay_read_enable(s, &s->s_c, 0);
		relay_read_enable(s, &s->s_b, 0);
	}
}

static int
backend_head(struct rsession *s)
{
	const struct rd_protocol	*p = s->s_relay->rl_proto;
	struct rconn			*b = &s->s_b;
	struct http_limits		 lim;
	struct http_msg			*m, req;
	struct flt_result		 res;
	size_t				 len, n;
	const char			*data;
	enum http_result		 r;

	if (s->s_npending == 0) {
		relay_close(s, "backend sent a response nobody asked for");
		return (-1);
	}
	limits_of(s, &lim);
	lim.l_websockets = 1;	/* the request side decided */
	len = evbuffer_get_length(b->c_in);
	n = len < lim.l_headerlen + 1 ? len : lim.l_headerlen + 1;
	memset(&req, 0, sizeof(req));
	req.m_request = 1;
	(void)strlcpy(req.m_method, s->s_methods[0], sizeof(req.m_method));
	req.m_upgrade = s->s_upgrades[0];
	if ((data = (const char *)evbuffer_pullup(b->c_in, (ssize_t)n)) ==
	    NULL || (m = msg_get(&lim)) == NULL) {
		relay_close(s, "out of memory");
		return (-1);
	}
	r = http_parse(m, 0, data, n, &lim, &req);
	if (r == HTTP_MORE) {
		msg_put(m, &lim);
		if (b->c_eof) {
			relay_count(s, RCTR_EARLY_CLOSE);
			relay_http_error(s, 502, "backend closed before its "
			    "response");
			return (-1);
		}
		return (1);
	}
	if (r == HTTP_ERROR) {
		relay_count(s, RCTR_BAD_RESPONSE);
		relay_http_error(s, 502, m->m_error != NULL ? m->m_error :
		    "bad response");
		msg_put(m, &lim);
		return (-1);
	}
	(void)evbuffer_drain(b->c_in, m->m_headlen);
	memset(&res, 0, sizeof(res));
	if (p != NULL && flt_eval(&p->p_rules, m, &s->s_flt, &res) == -1) {
		msg_put(m, &lim);
		relay_count(s, RCTR_EDIT);
		relay_http_error(s, 500, "a rule's edit does not fit");
		return (-1);
	}
	if (res.r_block) {
		msg_put(m, &lim);
		blocked(s, &res);
		return (-1);
	}
	if (emit(m, s->s_c.c_out) == -1) {
		msg_put(m, &lim);
		relay_count(s, RCTR_EDIT);
		relay_http_error(s, 502, "response head too large");
		return (-1);
	}
	if (!m->m_keepalive)
		s->s_close_after = 1;
	if (m->m_body == HTTP_BODY_UPGRADE) {
		/* websocket (IMP-8): a tunnel both ways from here */
		s->s_req.d_state = RH_TUNNEL;
		s->s_resp.d_state = RH_TUNNEL;
		msg_put(m, &lim);
		return (0);
	}
	if (m->m_status >= 100 && m->m_status < 200) {
		msg_put(m, &lim);	/* interim: the real one follows */
		return (0);
	}
	start_body(&s->s_resp, m);
	if (m->m_body == HTTP_BODY_EOF)
		s->s_close_after = 1;
	msg_put(m, &lim);
	if (s->s_resp.d_state == RH_HEAD)
		response_done(s);
	return (0);
}

static void
backend_input(struct rsession *s)
{
	struct rconn	*b = &s->s_b;
	int		 rv;

	while (s->s_state != RS_DONE && !s->s_closing) {
		switch (s->s_resp.d_state) {
		case RH_HEAD:
			if (evbuffer_get_length(b->c_in) == 0) {
				if (b->c_eof) {
					if (s->s_npending > 0) {
						relay_count(s,
						    RCTR_EARLY_CLOSE);
						relay_http_error(s, 502,
						    "backend closed");
					}
					else
						relay_close(s,
						    "backend closed");
				}
				return;
			}
			if (backend_head(s) != 0)
				return;
			break;
		case RH_BODY:
			if (s->s_bsplice)
				return;
			if ((rv = body(&s->s_resp, b->c_in, s->s_c.c_out)) ==
			    -1) {
				relay_count(s, RCTR_BAD_RESPONSE);
				relay_close(s, "bad chunked body from the "
				    "backend");
				return;
			}
			if (rv == 1) {
				response_done(s);
				break;
			}
			if (s->s_resp.d_body == HTTP_BODY_EOF && b->c_eof) {
				response_done(s);
				s->s_closing = 1;
			}
			/* the rest of a large body: no copy through us */
			if (s->s_resp.d_body == HTTP_BODY_LENGTH &&
			    evbuffer_get_length(b->c_in) == 0) {
				relay_flush(s, &s->s_c);
				if (s->s_state == RS_DONE)
					return;
				if (relay_body_splice(s, 0) == 0)
					return;
			}
			if (evbuffer_get_length(b->c_in) == 0)
				return;
			break;
		case RH_TUNNEL:
			(void)evbuffer_add_buffer(s->s_c.c_out, b->c_in);
			return;
		case RH_CLOSE:
		default:
			(void)evbuffer_drain(b->c_in,
			    evbuffer_get_length(b->c_in));
			return;
		}
	}
}

void
relay_http_req_body_done(struct rsession *s)
{
	s->s_req.d_state = s->s_close_after ? RH_CLOSE : RH_HEAD;
	client_input(s);
	if (s->s_state != RS_DONE)
		relay_flush(s, &s->s_b);
}

void
relay_http_body_done(struct rsession *s)
{
	response_done(s);
	if (s->s_closing && evbuffer_get_length(s->s_c.c_out) == 0) {
		relay_close(s, "closed after the last response");
		return;
	}
	/* pipelined responses may be waiting in the socket */
	backend_input(s);
	if (s->s_state != RS_DONE)
		relay_flush(s, &s->s_c);
}

void
relay_http_input(struct rsession *s, struct rconn *c)
{
	if (c == &s->s_c)
		client_input(s);
	else
		backend_input(s);
	if (s->s_state == RS_DONE)
		return;
	if (s->s_b.c_fd != -1 && s->s_state == RS_RELAYING)
		relay_flush(s, &s->s_b);
	if (s->s_state == RS_DONE)
		return;
	relay_flush(s, &s->s_c);
	if (s->s_state == RS_DONE)
		return;
	/* IMP-9 */
	if (evbuffer_get_length(s->s_b.c_out) > RELAY_BUFMAX &&
	    !s->s_c.c_paused) {
		s->s_c.c_paused = 1;
		relay_read_enable(s, &s->s_c, 0);
	}
	if (evbuffer_get_length(s->s_c.c_out) > RELAY_BUFMAX &&
	    !s->s_b.c_paused) {
		s->s_b.c_paused = 1;
		relay_read_enable(s, &s->s_b, 0);
	}
	/* both ends of a tunnel or an EOF body */
	if ((s->s_req.d_state == RH_TUNNEL || s->s_closing) &&
	    s->s_c.c_eof && s->s_b.c_eof)
		s->s_closing = 1;
}
