/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * A relay process (spec section 7, PRIV-4).  It holds no capability and
 * opens no file: listening sockets and TLS material come from the
 * parent, host states from the pfe.  A reload brings a new
 * configuration generation; sessions keep the one they started with, so
 * a reload closes nothing (PP-1), and listeners that did not change are
 * the same sockets.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <tls.h>
#include <unistd.h>

#include "dns.h"
#include "ca.h"
#include "inspect.h"
#include "log.h"
#include "relay.h"
#include "relay_tls.h"

/* linux/netfilter_ipv4.h and ip6_tables.h, which clash with net/if.h */
#ifndef SO_ORIGINAL_DST
#define SO_ORIGINAL_DST		80
#endif
#ifndef IP6T_SO_ORIGINAL_DST
#define IP6T_SO_ORIGINAL_DST	80
#endif

static void	 relay_accept(evutil_socket_t, short, void *);
static void	 conn_readcb(evutil_socket_t, short, void *);
static void	 conn_writecb(evutil_socket_t, short, void *);
static void	 relay_timer(evutil_socket_t, short, void *);
static int64_t	 mono_s(const struct timespec *);
static void	 relay_pump(struct rsession *, struct rconn *);
static void	 relay_check_done(struct rsession *);
static void	 gen_unref(struct relay_proc *, struct relay_gen *);
static void	 session_free(evutil_socket_t, short, void *);
static void	 af_translate(const struct rd_relay_fwd *,
		    struct sockaddr_storage *);
static struct rtls *relay_tls_of(struct relay_gen *, uint32_t);

static void
ss_setport(struct sockaddr_storage *ss, uint16_t port)
{
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)(void *)ss)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)(void *)ss)->sin6_port = htons(port);
}

static int64_t
mono_s(const struct timespec *ts)
{
	return ((int64_t)ts->tv_sec);
}

void
relay_touch(struct rsession *s)
{
	(void)clock_gettime(CLOCK_MONOTONIC, &s->s_last);
}

static struct rconn *
other(struct rsession *s, struct rconn *c)
{
	return (c == &s->s_c ? &s->s_b : &s->s_c);
}

static const char *
side(const struct rsession *s, const struct rconn *c)
{
	return (c == &s->s_c ? "client" : "backend");
}

static void
conn_init(struct rconn *c)
{
	memset(c, 0, sizeof(*c));
	c->c_fd = -1;
}

static int
conn_bufs(struct rconn *c)
{
	if ((c->c_in == NULL && (c->c_in = evbuffer_new()) == NULL) ||
	    (c->c_out == NULL && (c->c_out = evbuffer_new()) == NULL))
		return (-1);
	return (0);
}

static int
conn_open(struct rsession *s, struct rconn *c, int fd)
{
	struct event_base	*base = s->s_rp->rp_base;

	c->c_fd = fd;
	if (conn_bufs(c) == -1 ||
	    (c->c_rev = event_new(base, fd, EV_READ | EV_PERSIST,
	    conn_readcb, s)) == NULL ||
	    (c->c_wev = event_new(base, fd, EV_WRITE | EV_PERSIST,
	    conn_writecb, s)) == NULL)
		return (-1);
	return (0);
}

/* The connection goes; what its buffers hold stays (a retry sends it). */
static void
conn_shut(struct rconn *c)
{
	if (c->c_tls != NULL) {
		(void)tls_close(c->c_tls);
		tls_free(c->c_tls);
		c->c_tls = NULL;
	}
	if (c->c_rev != NULL)
		event_free(c->c_rev);
	if (c->c_wev != NULL)
		event_free(c->c_wev);
	c->c_rev = c->c_wev = NULL;
	if (c->c_fd != -1)
		(void)close(c->c_fd);
	c->c_fd = -1;
}

static void
conn_free(struct rconn *c)
{
	conn_shut(c);
	if (c->c_in != NULL)
		evbuffer_free(c->c_in);
	if (c->c_out != NULL)
		evbuffer_free(c->c_out);
	conn_init(c);
}

void
relay_read_enable(struct rsession *s, struct rconn *c, int on)
{
	(void)s;
	if (c->c_rev == NULL)
		return;
	if (on && !c->c_eof)
		(void)event_add(c->c_rev, NULL);
	else
		(void)event_del(c->c_rev);
}

static void
write_enable(struct rconn *c, int on)
{
	if (c->c_wev == NULL)
		return;
	if (on)
		(void)event_add(c->c_wev, NULL);
	else
		(void)event_del(c->c_wev);
}

static struct rstat *
stat_of(struct relay_proc *rp, uint32_t relay)
{
	struct rstat	*st;

	TAILQ_FOREACH(st, &rp->rp_stats, st_entry)
		if (st->st_relay == relay)
			return (st);
	if ((st = calloc(1, sizeof(*st))) == NULL)
		return (NULL);
	st->st_relay = relay;
	TAILQ_INSERT_TAIL(&rp->rp_stats, st, st_entry);
	return (st);
}

void
relay_count(struct rsession *s, enum relay_ctr c)
{
	struct relay_proc	*rp = s->s_rp;
	struct rstat		*st;
	struct timeval		 tv = { RELAY_CTR_DELAY, 0 };

	if ((st = stat_of(rp, s->s_relay->rl_id)) == NULL)
		return;
	st->st_ctr[c]++;
	if (rp->rp_ctr_ev != NULL && !evtimer_pending(rp->rp_ctr_ev, NULL))
		(void)evtimer_add(rp->rp_ctr_ev, &tv);
}

void
relay_close(struct rsession *s, const char *why)
{
	struct relay_proc	*rp = s->s_rp;
	struct rstat		*st;
	const struct timeval	 now = { 0, 0 };
	char			 a[INET6_ADDRSTRLEN + 8];

	if (s->s_state == RS_DONE)
		return;
	s->s_state = RS_DONE;
	log_debug("relay %s, session %u (%s) finished: %s, %llu bytes in, "
	    "%llu out%s%s", s->s_relay->rl_name, s->s_id,
	    conf_ss_str(&s->s_src, a, sizeof(a)),
	    why, (unsigned long long)s->s_c.c_bytes_in,
	    (unsigned long long)s->s_c.c_bytes_out,
	    s->s_flt.s_tag[0] != '\0' ? ", tag " : "", s->s_flt.s_tag);
	TAILQ_REMOVE(&rp->rp_sessions, s, s_entry);
	if ((st = stat_of(rp, s->s_relay->rl_id)) != NULL &&
	    st->st_active > 0)
		st->st_active--;
	conn_free(&s->s_c);
	conn_free(&s->s_b);
	while (s->s_npool > 0)
		conn_free(&s->s_pool[--s->s_npool].p_c);
	if (s->s_timer != NULL)
		event_free(s->s_timer);
	if (s->s_hsev != NULL)
		event_free(s->s_hsev);
	if (s->s_pipe_cb[0] != -1) {
		(void)close(s->s_pipe_cb[0]);
		(void)close(s->s_pipe_cb[1]);
	}
	if (s->s_pipe_bc[0] != -1) {
		(void)close(s->s_pipe_bc[0]);
		(void)close(s->s_pipe_bc[1]);
	}
	/* Callers up the stack still look at s_state: free it later. */
	if (event_base_once(rp->rp_base, -1, EV_TIMEOUT, session_free, s,
	    &now) == -1) {
		log_warnx("relay: session %u leaked", s->s_id);
		return;
	}
}

static void
session_free(evutil_socket_t fd, short what, void *arg)
{
	struct rsession	*s = arg;

	(void)fd;
	(void)what;
	gen_unref(s->s_rp, s->s_gen);
	free(s);
}

/* --- reading and writing, plain or TLS --- */

/* Reads what is there into c_in.  0, or -1 when the session ended. */
static int
conn_read(struct rsession *s, struct rconn *c)
{
	struct evbuffer_iovec	 v;
	ssize_t			 n;

	if (evbuffer_reserve_space(c->c_in, RELAY_READ, &v, 1) < 1)
		return (-1);
	if (c->c_tls != NULL) {
		n = tls_read(c->c_tls, v.iov_base, RELAY_READ);
		if (n == TLS_WANT_POLLIN || n == TLS_WANT_POLLOUT) {
			if (n == TLS_WANT_POLLOUT)
				write_enable(c, 1);
			return (0);
		}
		if (n == -1) {
			log_debug("session %u: %s: %s", s->s_id, side(s, c),
			    tls_error(c->c_tls));
			/* no version yet: the handshake failed */
			if (tls_conn_version(c->c_tls) == NULL)
				relay_count(s, c == &s->s_c ? RCTR_TLS :
				    RCTR_BACKEND_TLS);
			c->c_eof = 1;
			return (0);
		}
	} else {
		n = read(c->c_fd, v.iov_base, RELAY_READ);
		if (n == -1) {
			if (errno == EAGAIN || errno == EINTR)
				return (0);
			c->c_eof = 1;	/* reset: as an end */
			return (0);
		}
	}
	if (n == 0) {
		c->c_eof = 1;
		relay_read_enable(s, c, 0);
		return (0);
	}
	v.iov_len = (size_t)n;
	(void)evbuffer_commit_space(c->c_in, &v, 1);
	c->c_bytes_in += (uint64_t)n;
	relay_touch(s);
	return (0);
}

/*
 * Writes what c_out holds; the write event stays on while some is left.
 * Plain sockets take up to 16 buffer chains in one writev(2), so a head
 * and a small body leave in one segment; TLS gets up to 16 KiB
 * gathered into one record.
 */
void
relay_flush(struct rsession *s, struct rconn *c)
{
	struct evbuffer_iovec	 v[16];
	struct iovec		 iov[16];
	const void		*p;
	size_t			 len;
	ssize_t			 n;
	int			 nv, i;

	while (c->c_fd != -1 && (len = evbuffer_get_length(c->c_out)) > 0) {
		if (c->c_tls != NULL) {
			if (len > 16384)
				len = 16384;
			if ((p = evbuffer_pullup(c->c_out, (ssize_t)len)) ==
			    NULL) {
				relay_close(s, "out of memory");
				return;
			}
			n = tls_write(c->c_tls, p, len);
			if (n == TLS_WANT_POLLIN || n == TLS_WANT_POLLOUT) {
				write_enable(c, 1);
				return;
			}
		} else {
			nv = evbuffer_peek(c->c_out, -1, NULL, v, 16);
			if (nv > 16)
				nv = 16;
			for (i = 0; i < nv; i++) {
				iov[i].iov_base = v[i].iov_base;
				iov[i].iov_len = v[i].iov_len;
			}
			n = writev(c->c_fd, iov, nv);
			if (n == -1 && (errno == EAGAIN || errno == EINTR)) {
				write_enable(c, 1);
				return;
			}
		}
		if (n <= 0) {
			relay_close(s, "write error");
			return;
		}
		(void)evbuffer_drain(c->c_out, (size_t)n);
		c->c_bytes_out += (uint64_t)n;
		relay_touch(s);
	}
	write_enable(c, 0);
	if (s->s_closing && c == &s->s_c) {
		relay_close(s, "closed after the last response");
		return;
	}
	/* a large upload waited for the backend to take what it had */
	if (c == &s->s_b && s->s_qsplice_wait) {
		s->s_qsplice_wait = 0;
		if (relay_body_splice(s, 1) == 0) {
			s->s_c.c_paused = 0;
			return;
		}
	}
	/* Room again: the other side may read (IMP-9). */
	if (other(s, c)->c_paused) {
		other(s, c)->c_paused = 0;
		relay_read_enable(s, other(s, c), 1);
	}
	relay_check_done(s);
}

/* IMP-9: a side stops reading while the other's output is too long. */
static void
backpressure(struct rsession *s, struct rconn *from)
{
	struct rconn	*to = other(s, from);

	if (evbuffer_get_length(to->c_out) > RELAY_BUFMAX) {
		from->c_paused = 1;
		relay_read_enable(s, from, 0);
	}
}

/*
 * A direction is done when its source has ended and everything read
 * has been written: the destination's write side is shut, so a half
 * close passes through.  The session ends when both are (PP-3).
 */
static void
relay_check_done(struct rsession *s)
{
	struct rconn	*pairs[2][2] = { { &s->s_c, &s->s_b },
			    { &s->s_b, &s->s_c } };
	int		 i, done = 0;

	if (s->s_state != RS_RELAYING)
		return;
	for (i = 0; i < 2; i++) {
		struct rconn *from = pairs[i][0], *to = pairs[i][1];

		if (!from->c_eof || evbuffer_get_length(from->c_in) > 0 ||
		    evbuffer_get_length(to->c_out) > 0 ||
		    (i == 0 ? s->s_inpipe_cb : s->s_inpipe_bc) > 0)
			continue;
		if (!to->c_wshut && to->c_fd != -1) {
			to->c_wshut = 1;
			if (to->c_tls == NULL)
				(void)shutdown(to->c_fd, SHUT_WR);
		}
		done++;
	}
	if (done == 2)
		relay_close(s, "done");
	else if (s->s_c.c_eof && s->s_c.c_tls != NULL && done >= 1 &&
	    s->s_b.c_eof)
		relay_close(s, "done");
}

/* --- splice(2): plain TCP, no copy (TCP-7) --- */

/* Empties a pipe into to: 0 when empty, 1 when to is full, -1 when
 * to is gone. */
static int
pipe_drain(int pipe[2], size_t *inpipe, struct rconn *to)
{
	ssize_t	 n;

	while (*inpipe > 0) {
		n = splice(pipe[0], NULL, to->c_fd, NULL, *inpipe,
		    SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
		if (n > 0) {
			*inpipe -= (size_t)n;
			to->c_bytes_out += (uint64_t)n;
			continue;
		}
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			return (1);
		return (-1);
	}
	return (0);
}

static int
splice_move(struct rsession *s, struct rconn *from, int pipe[2],
    size_t *inpipe, struct rconn *to)
{
	ssize_t	 n;

	if (!from->c_eof && *inpipe < RELAY_READ) {
		n = splice(from->c_fd, NULL, pipe[1], NULL,
		    RELAY_READ - *inpipe, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
		if (n == 0)
			from->c_eof = 1;
		else if (n > 0) {
			*inpipe += (size_t)n;
			from->c_bytes_in += (uint64_t)n;
			relay_touch(s);
		} else if (errno != EAGAIN && errno != EINTR)
			from->c_eof = 1;	/* reset: as an end */
	}
	return (pipe_drain(pipe, inpipe, to));
}

static void
splice_pump(struct rsession *s, struct rconn *from)
{
	struct rconn	*to = other(s, from);
	int		*pipe = from == &s->s_c ? s->s_pipe_cb : s->s_pipe_bc;
	size_t		*inpipe = from == &s->s_c ? &s->s_inpipe_cb :
			    &s->s_inpipe_bc;
	int		 rv;

	if ((rv = splice_move(s, from, pipe, inpipe, to)) == -1) {
		relay_close(s, "splice error");
		return;
	}
	if (rv == 1) {
		/* the destination is full: wait for it, read no more */
		relay_read_enable(s, from, 0);
		write_enable(to, 1);
		return;
	}
	write_enable(to, 0);
	relay_read_enable(s, from, !from->c_eof);
	relay_check_done(s);
}

/*
 * A length-framed body with no TLS either side goes from one socket to
 * the other through a pipe: the bytes never enter the process (the
 * issue's "once no filtering needs to see the bytes"); the next head is
 * parsed as usual.  req: the client's request body, else a response's.
 */
int
relay_body_splice(struct rsession *s, int req)
{
	struct rconn	*from = req ? &s->s_c : &s->s_b;
	struct rconn	*to = other(s, from);
	int		*pipe = req ? s->s_pipe_cb : s->s_pipe_bc;
	uint64_t	 left = req ? s->s_req.d_left : s->s_resp.d_left;

	if (s->s_c.c_tls != NULL || s->s_b.c_tls != NULL ||
	    left < RELAY_SPLICE_MIN || to->c_fd == -1 ||
	    s->s_state != RS_RELAYING ||
	    evbuffer_get_length(from->c_in) > 0)
		return (-1);
	if (evbuffer_get_length(to->c_out) > 0)
		return (1);
	if (pipe[0] == -1 && pipe2(pipe, O_NONBLOCK | O_CLOEXEC) == -1)
		return (-1);
	if (req)
		s->s_qsplice = 1;
	else
		s->s_bsplice = 1;
	log_debug("session %u: %llu %s body bytes by splice", s->s_id,
	    (unsigned long long)left, req ? "request" : "response");
	relay_read_enable(s, from, 1);
	return (0);
}

static void
body_splice(struct rsession *s, int req)
{
	struct rconn	*from = req ? &s->s_c : &s->s_b;
	struct rconn	*to = other(s, from);
	int		*pipe = req ? s->s_pipe_cb : s->s_pipe_bc;
	size_t		*inpipe = req ? &s->s_inpipe_cb : &s->s_inpipe_bc;
	uint64_t	*left = req ? &s->s_req.d_left : &s->s_resp.d_left;
	size_t		 want;
	ssize_t		 n;

	if (*left > 0 && *inpipe < RELAY_READ) {
		want = RELAY_READ - *inpipe;
		if (want > *left)
			want = (size_t)*left;
		n = splice(from->c_fd, NULL, pipe[1], NULL, want,
		    SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
		if (n == 0 || (n == -1 && errno != EAGAIN && errno != EINTR)) {
			relay_close(s, req ? "client closed in a body" :
			    "backend closed in a body");
			return;
		}
		if (n > 0) {
			*left -= (uint64_t)n;
			*inpipe += (size_t)n;
			from->c_bytes_in += (uint64_t)n;
			relay_touch(s);
		}
	}
	switch (pipe_drain(pipe, inpipe, to)) {
	case 1:		/* the destination is full: wait for it */
		relay_read_enable(s, from, 0);
		write_enable(to, 1);
		return;
	case -1:
		relay_close(s, req ? "backend gone in a body" :
		    "client gone in a body");
		return;
	default:
		break;
	}
	write_enable(to, evbuffer_get_length(to->c_out) > 0);
	if (*left > 0) {
		relay_read_enable(s, from, 1);
		return;
	}
	if (req) {
		s->s_qsplice = 0;
		relay_read_enable(s, from, !from->c_paused);
		relay_http_req_body_done(s);
		return;
	}
	s->s_bsplice = 0;
	relay_read_enable(s, from, 1);
	relay_read_enable(s, to, !to->c_paused);
	relay_http_body_done(s);
}

/* --- event callbacks --- */

static void
conn_readcb(evutil_socket_t fd, short what, void *arg)
{
	struct rsession	*s = arg;
	struct rconn	*c = fd == s->s_c.c_fd ? &s->s_c : &s->s_b;

	(void)what;
	if (s->s_splice && s->s_state == RS_RELAYING) {
		splice_pump(s, c);
		return;
	}
	if (s->s_bsplice && c == &s->s_b) {
		body_splice(s, 0);
		return;
	}
	if (s->s_qsplice && c == &s->s_c) {
		body_splice(s, 1);
		return;
	}
	if (conn_read(s, c) == -1) {
		relay_close(s, "out of memory");
		return;
	}
	relay_pump(s, c);
}

static void
conn_writecb(evutil_socket_t fd, short what, void *arg)
{
	struct rsession	*s = arg;
	struct rconn	*c = fd == s->s_c.c_fd ? &s->s_c : &s->s_b;

	(void)what;
	if (s->s_splice && s->s_state == RS_RELAYING) {
		/* the pipe toward c drains */
		splice_pump(s, other(s, c));
		return;
	}
	if (s->s_bsplice && c == &s->s_c && s->s_inpipe_bc > 0) {
		body_splice(s, 0);
		return;
	}
	if (s->s_qsplice && c == &s->s_b && s->s_inpipe_cb > 0) {
		body_splice(s, 1);
		return;
	}
	relay_flush(s, c);
	/* TLS may have wanted a write to go on reading */
	if (s->s_state != RS_DONE && c->c_tls != NULL && !c->c_eof &&
	    !c->c_paused)
		relay_pump(s, c);
}

/* Moves what a side read to where it goes. */
static void
relay_pump(struct rsession *s, struct rconn *c)
{
	struct rconn	*to = other(s, c);

	if (s->s_state == RS_DONE)
		return;
	if (s->s_http) {
		relay_http_input(s, c);
	} else if (s->s_state == RS_RELAYING) {
		(void)evbuffer_add_buffer(to->c_out, c->c_in);
		relay_flush(s, to);
		if (s->s_state == RS_DONE)
			return;
		backpressure(s, c);
	}
	if (s->s_state == RS_DONE)
		return;
	if (c->c_eof && s->s_state != RS_RELAYING && !s->s_closing) {
		relay_close(s, c == &s->s_c ? "client closed" :
		    "backend closed");
		return;
	}
	relay_check_done(s);
}

/* --- timers: idle timeout both ways (REL-14), connect limit --- */

int64_t
relay_mono(void)
{
	struct timespec	 ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec);
}

void
relay_timer_arm(struct rsession *s, int secs)
{
	struct timeval	 tv = { secs > 0 ? secs : 1, 0 };

	(void)evtimer_add(s->s_timer, &tv);
}

static void
relay_timer(evutil_socket_t fd, short what, void *arg)
{
	struct rsession	*s = arg;
	struct timespec	 now;
	int		 timeout = s->s_relay->rl_timeout, idle;

	(void)fd;
	(void)what;
	if (s->s_state == RS_CONNECTING) {
		relay_count(s, RCTR_CONNECT);
		relay_close(s, "backend connect timeout");
		return;
	}
	(void)clock_gettime(CLOCK_MONOTONIC, &now);
	if (s->s_http && s->s_head_start != 0 && !s->s_closing &&
	    mono_s(&now) - s->s_head_start >= RELAY_HEAD_TIMEOUT) {
		relay_count(s, RCTR_TIMEOUT);
		relay_http_error(s, 408, "request head not complete in time");
		return;
	}
	idle = (int)(mono_s(&now) - mono_s(&s->s_last));
	if (idle >= timeout) {
		relay_close(s, "session timeout");
		return;
	}
	if (s->s_http && s->s_head_start != 0 && RELAY_HEAD_TIMEOUT -
	    (mono_s(&now) - s->s_head_start) < timeout - idle)
		relay_timer_arm(s, (int)(RELAY_HEAD_TIMEOUT -
		    (mono_s(&now) - s->s_head_start)));
	else
		relay_timer_arm(s, timeout - idle);
}

/* --- backends --- */

static int
host_live(const struct rd_host *h)
{
	return (!h->h_disabled && h->h_state == HOST_UP);
}

static uint32_t
hash_ss(const struct sockaddr_storage *ss, int port, uint32_t h)
{
	const uint8_t	*p;
	size_t		 n, i;

	if (ss->ss_family == AF_INET) {
		p = (const uint8_t *)&((const struct sockaddr_in *)
		    (const void *)ss)->sin_addr;
		n = 4;
	} else {
		p = (const uint8_t *)&((const struct sockaddr_in6 *)
		    (const void *)ss)->sin6_addr;
		n = 16;
	}
	for (i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	if (port) {
		h = (h ^ (uint32_t)conf_ss_port(ss)) * 16777619u;
	}
	return (h);
}

/* Active sessions of this process on host h (least-states here). */
static int
host_sessions(const struct relay_proc *rp, const struct rd_host *h)
{
	const struct rsession	*s;
	int			 n = 0;

	TAILQ_FOREACH(s, &rp->rp_sessions, s_entry)
		if (s->s_host == h)
			n++;
	return (n);
}

/* REL-4 and SCH: a live host of the table by the forward's mode. */
static const struct rd_host *
pick_host(struct rsession *s, const struct rd_relay_fwd *f)
{
	static uint32_t		 rr;
	const struct rd_host	*h, *live[RELAYD_RELAY_MAXHOSTS], *best;
	uint32_t		 key = 2166136261u;
	int			 n = 0, i, min;

	TAILQ_FOREACH(h, &f->f_table->t_hosts, h_entry)
		if (host_live(h) && n < RELAYD_RELAY_MAXHOSTS)
			live[n++] = h;
	if (n == 0 || f->f_table->t_disabled)
		return (NULL);
	if (f->f_haskey)
		for (i = 0; i < 16; i++)
			key = (key ^ f->f_key[i]) * 16777619u;
	switch (f->f_mode) {
	case MODE_RANDOM:
		return (live[arc4random_uniform((uint32_t)n)]);
	case MODE_SOURCEHASH:
		return (live[hash_ss(&s->s_src, 0, key) % (uint32_t)n]);
	case MODE_LOADBALANCE:
		return (live[hash_ss(&s->s_src, 1, hash_ss(&s->s_dst, 1,
		    key)) % (uint32_t)n]);
	case MODE_HASH:
		return (live[(s->s_flt.s_tag[0] != '\0' || s->s_hash != 0 ?
		    s->s_hash ^ key : hash_ss(&s->s_src, 0, key)) %
		    (uint32_t)n]);
	case MODE_LEASTSTATES:
		best = live[0];
		min = host_sessions(s->s_rp, best);
		for (i = 1; i < n; i++)
			if (host_sessions(s->s_rp, live[i]) < min) {
				best = live[i];
				min = host_sessions(s->s_rp, best);
			}
		return (best);
	case MODE_ROUNDROBIN:
	default:
		return (live[rr++ % (uint32_t)n]);
	}
}

static int
connect_to(struct rsession *s, const struct sockaddr_storage *ss, int fd)
{
	const struct rd_protocol	*p = s->s_relay->rl_proto;
	socklen_t	 sl = ss->ss_family == AF_INET ?
			    sizeof(struct sockaddr_in) :
			    sizeof(struct sockaddr_in6);
	int		 on = 1;

	if (fd == -1 && (fd = socket(ss->ss_family, SOCK_STREAM |
	    SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) == -1)
		return (-1);
	if (p == NULL || p->p_nodelay != 0)
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
	if (p != NULL && p->p_bufsize > 0) {
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &p->p_bufsize,
		    sizeof(p->p_bufsize));
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &p->p_bufsize,
		    sizeof(p->p_bufsize));
	}
	if (p != NULL && p->p_ttl > 0)
		(void)setsockopt(fd, ss->ss_family == AF_INET ? IPPROTO_IP :
		    IPPROTO_IPV6, ss->ss_family == AF_INET ? IP_TTL :
		    IPV6_UNICAST_HOPS, &p->p_ttl, sizeof(p->p_ttl));
	if (connect(fd, (const struct sockaddr *)ss, sl) == -1 &&
	    errno != EINPROGRESS) {
		(void)close(fd);
		return (-1);
	}
	return (fd);
}

/* REL-8: the destination a NAT redirect rewrote. */
static int
original_dst(struct rsession *s, struct sockaddr_storage *ss)
{
	socklen_t	 sl = sizeof(*ss);

	memset(ss, 0, sizeof(*ss));
	if (s->s_dst.ss_family == AF_INET)
		return (getsockopt(s->s_c.c_fd, SOL_IP, SO_ORIGINAL_DST, ss,
		    &sl));
	return (getsockopt(s->s_c.c_fd, SOL_IPV6, IP6T_SO_ORIGINAL_DST, ss,
	    &sl));
}

static void backend_connected(evutil_socket_t, short, void *);
static void backend_ready(struct rsession *);
static void inspect_step(evutil_socket_t, short, void *);

/*
 * Picks the backend (forward lines in order, REL-3/4/7/8; table names
 * the one a rule chose) and starts connecting.  0, or -1 when none is
 * available (the caller closes or answers 502/503).
 */
static int
start_connect(struct rsession *s, const struct rd_relay_fwd *f,
    const struct rd_host *h, const struct sockaddr_storage *ss, int fd)
{
	struct timeval	 tv = { RELAY_CONNECT_TIMEOUT, 0 };

	if ((fd = connect_to(s, ss, fd)) == -1) {
		log_debug("session %u: connect: %s", s->s_id,
		    strerror(errno));
		return (-1);
	}
	s->s_fwd = f;
	s->s_host = h;
	s->s_bss = *ss;
	if (conn_open(s, &s->s_b, fd) == -1) {
		(void)close(fd);
		return (-1);
	}
	s->s_state = RS_CONNECTING;
	event_free(s->s_b.c_wev);
	if ((s->s_b.c_wev = event_new(s->s_rp->rp_base, fd, EV_WRITE,
	    backend_connected, s)) == NULL)
		return (-1);
	(void)event_add(s->s_b.c_wev, NULL);
	(void)evtimer_add(s->s_timer, &tv);
	return (0);
}

/*
 * Picks the backend (forward lines in order, REL-3/4/7/8; table names
 * the one a rule chose) and starts connecting.  0, or -1 when none is
 * available (the caller closes or answers 502/503).
 */
int
relay_connect_backend(struct rsession *s, const char *table)
{
	const struct rd_relay_fwd	*f;
	const struct rd_host		*h = NULL;
	struct sockaddr_storage		 ss;
	struct m_relay_tsock		 mt;
	struct timeval			 tv = { RELAY_CONNECT_TIMEOUT, 0 };
	uint16_t			 port;

	s->s_btable = table;
	TAILQ_FOREACH(f, &s->s_relay->rl_fwds, f_entry) {
		if (table != NULL && (f->f_type != FWD_TABLE ||
		    (strcmp(f->f_table->t_name, table) != 0 &&
		    strcmp(f->f_table->t_template, table) != 0)))
			continue;
		memset(&ss, 0, sizeof(ss));
		h = NULL;
		switch (f->f_type) {
		case FWD_ADDR:
			ss = f->f_ss;
			port = f->f_port != 0 ? f->f_port :
			    conf_ss_port(&s->s_dst);
			break;
		case FWD_TABLE:
			if ((h = pick_host(s, f)) == NULL)
				continue;
			ss = h->h_ss;
			port = f->f_table->t_port;
			break;
		case FWD_NATLOOKUP:
			if (original_dst(s, &ss) == -1)
				continue;
			port = conf_ss_port(&ss);
			break;
		case FWD_DESTINATION:
			ss = s->s_dst;
			port = conf_ss_port(&ss);
			break;
		default:
			continue;
		}
		af_translate(f, &ss);
		ss_setport(&ss, port);
		if (f->f_transparent && ss.ss_family == s->s_src.ss_family) {
			/* REL-6: the parent makes the socket; the connect
			 * goes on when it arrives (relay_tsock). */
			memset(&mt, 0, sizeof(mt));
			mt.mt_session = s->s_id;
			mt.mt_ss = s->s_src;
			s->s_fwd = f;
			s->s_host = h;
			s->s_bss = ss;
			s->s_tsock_wait = 1;
			s->s_state = RS_CONNECTING;
			chan_send(&s->s_rp->rp_parent, M_RELAY_TSOCK, &mt,
			    sizeof(mt));
			(void)evtimer_add(s->s_timer, &tv);
			return (0);
		}
		if (start_connect(s, f, h, &ss, -1) == 0)
			return (0);
	}
	return (-1);
}

/* Is the current backend one for table (NULL: the relay's default)? */
static int
backend_fits(const char *table, const char *btable,
    const struct rd_relay_fwd *f)
{
	if (table == NULL || btable == NULL)
		return (table == btable);
	if (strcmp(table, btable) == 0)
		return (1);
	return (f != NULL && f->f_type == FWD_TABLE &&
	    (strcmp(f->f_table->t_name, table) == 0 ||
	    strcmp(f->f_table->t_template, table) == 0));
}

/* A parked connection still open, with nothing unasked for in it, to
 * a host still live? */
static int
pooled_usable(const struct rpooled *p)
{
	char	 b;
	ssize_t	 n;

	if (p->p_host != NULL && !host_live(p->p_host))
		return (0);
	n = recv(p->p_c.c_fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);
	return (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK));
}

/*
 * PP-2: OpenBSD keeps every request of a connection on its first
 * backend (IMP-2); here a request whose rules name another table goes
 * to it.  Only between requests: with responses pending or a body
 * moving, the request stays where the others went.  The backend left
 * is parked (up to RELAY_POOL per session) for a later request of its
 * table; one for the new table comes from the pool or is connected by
 * the caller (s_state goes back to RS_ACCEPTED).
 */
void
relay_backend_for(struct rsession *s, const char *table)
{
	struct rconn	*b = &s->s_b;
	struct rpooled	*p;
	int		 i;

	if (b->c_fd == -1 || s->s_state != RS_RELAYING ||
	    backend_fits(table, s->s_btable, s->s_fwd) ||
	    s->s_npending > 0 || s->s_resp.d_state != RH_HEAD ||
	    s->s_bsplice || s->s_qsplice || b->c_eof ||
	    evbuffer_get_length(b->c_in) > 0 ||
	    evbuffer_get_length(b->c_out) > 0)
		return;
	if (s->s_npool == RELAY_POOL) {
		conn_free(&s->s_pool[0].p_c);
		memmove(&s->s_pool[0], &s->s_pool[1],
		    (RELAY_POOL - 1) * sizeof(s->s_pool[0]));
		s->s_npool--;
	}
	relay_read_enable(s, b, 0);
	write_enable(b, 0);
	p = &s->s_pool[s->s_npool++];
	p->p_c = *b;
	p->p_table = s->s_btable;
	p->p_fwd = s->s_fwd;
	p->p_host = s->s_host;
	p->p_bss = s->s_bss;
	conn_init(b);
	s->s_host = NULL;
	s->s_fwd = NULL;
	s->s_tries = 0;
	for (i = 0; i < s->s_npool; i++) {
		p = &s->s_pool[i];
		if (!backend_fits(table, p->p_table, p->p_fwd))
			continue;
		if (pooled_usable(p)) {
			*b = p->p_c;
			s->s_btable = p->p_table;
			s->s_fwd = p->p_fwd;
			s->s_host = p->p_host;
			s->s_bss = p->p_bss;
		} else
			conn_free(&p->p_c);
		memmove(p, p + 1, (size_t)(s->s_npool - i - 1) * sizeof(*p));
		s->s_npool--;
		if (b->c_fd != -1) {
			log_debug("session %u: backend for %s from the pool",
			    s->s_id, table != NULL ? table : "the default");
			relay_read_enable(s, b, 1);
			return;
		}
		break;
	}
	if (conn_bufs(b) == -1) {
		relay_close(s, "out of memory");
		return;
	}
	s->s_state = RS_ACCEPTED;
}

/*
 * REL-10/11: "inet" takes an IPv6 destination's last 32 bits as the
 * IPv4 address; "inet6 prefix" puts an IPv4 destination after the
 * prefix's first 96 bits.  Other families pass as they are.
 */
static void
af_translate(const struct rd_relay_fwd *f, struct sockaddr_storage *ss)
{
	struct sockaddr_in	 sin;
	struct sockaddr_in6	 sin6;

	if (f->f_af == AF_INET && ss->ss_family == AF_INET6) {
		memcpy(&sin6, ss, sizeof(sin6));
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_port = sin6.sin6_port;
		memcpy(&sin.sin_addr, sin6.sin6_addr.s6_addr + 12, 4);
		memset(ss, 0, sizeof(*ss));
		memcpy(ss, &sin, sizeof(sin));
	} else if (f->f_af == AF_INET6 && ss->ss_family == AF_INET &&
	    f->f_prefix.a_af == AF_INET6) {
		memcpy(&sin, ss, sizeof(sin));
		memset(&sin6, 0, sizeof(sin6));
		sin6.sin6_family = AF_INET6;
		sin6.sin6_port = sin.sin_port;
		memcpy(sin6.sin6_addr.s6_addr, f->f_prefix.a_u.raw, 12);
		memcpy(sin6.sin6_addr.s6_addr + 12, &sin.sin_addr, 4);
		memset(ss, 0, sizeof(*ss));
		memcpy(ss, &sin6, sizeof(sin6));
	}
}

/* The parent's transparent socket for a session that asked. */
static void
relay_tsock(struct relay_proc *rp, struct msg *m)
{
	struct m_relay_tsock	 mt;
	struct rsession		*s;
	int			 fd;

	if (m->m_len != sizeof(mt))
		return;
	memcpy(&mt, m->m_data, sizeof(mt));
	TAILQ_FOREACH(s, &rp->rp_sessions, s_entry)
		if (s->s_id == mt.mt_session && s->s_tsock_wait)
			break;
	if (s == NULL)
		return;		/* gone meanwhile: chan_read closes m_fd */
	s->s_tsock_wait = 0;
	fd = m->m_fd;
	m->m_fd = -1;		/* ours now; start_connect closes it on error */
	if (fd == -1 || start_connect(s, s->s_fwd, s->s_host, &s->s_bss,
	    fd) == -1) {
		relay_count(s, RCTR_CONNECT);
		if (s->s_http)
			relay_http_error(s, 502, "transparent connect failed");
		else
			relay_close(s, "transparent connect failed");
	}
}

static int
backend_tls(struct rsession *s)
{
	struct rtls	*t;

	TAILQ_FOREACH(t, &s->s_gen->g_tls, t_entry)
		if (t->t_relay == s->s_relay->rl_id)
			break;
	if (t == NULL || t->t_client == NULL ||
	    (s->s_b.c_tls = tls_client()) == NULL ||
	    tls_configure(s->s_b.c_tls, t->t_client) == -1 ||
	    tls_connect_socket(s->s_b.c_tls, s->s_b.c_fd, NULL) == -1) {
		log_warnx("session %u: backend TLS: %s", s->s_id,
		    s->s_b.c_tls != NULL ? tls_error(s->s_b.c_tls) :
		    "no TLS client configuration");
		return (-1);
	}
	return (0);
}

/*
 * REL-12: the PROXY header (v1 text or v2 binary) naming the client as
 * source and the address it connected to as destination, written
 * before anything else, TLS included.  0, or -1.
 */
static int
proxy_header(struct rsession *s, int fd)
{
	static const uint8_t	 sig[12] = { 0x0d, 0x0a, 0x0d, 0x0a, 0x00,
				    0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a };
	uint8_t			 buf[128];
	char			 src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];
	int			 v6 = s->s_src.ss_family == AF_INET6;
	size_t			 len, alen = v6 ? 16 : 4;
	uint16_t		 sp, dp, n;
	const void		*sa, *da;

	if (s->s_relay->rl_proxyproto == 0)
		return (0);
	sp = htons(conf_ss_port(&s->s_src));
	dp = htons(conf_ss_port(&s->s_dst));
	sa = v6 ? (const void *)&((const struct sockaddr_in6 *)(const void *)
	    &s->s_src)->sin6_addr : (const void *)&((const struct
	    sockaddr_in *)(const void *)&s->s_src)->sin_addr;
	da = v6 ? (const void *)&((const struct sockaddr_in6 *)(const void *)
	    &s->s_dst)->sin6_addr : (const void *)&((const struct
	    sockaddr_in *)(const void *)&s->s_dst)->sin_addr;
	if (s->s_relay->rl_proxyproto == 1) {
		(void)inet_ntop(s->s_src.ss_family, sa, src, sizeof(src));
		(void)inet_ntop(s->s_dst.ss_family, da, dst, sizeof(dst));
		len = (size_t)snprintf((char *)buf, sizeof(buf),
		    "PROXY %s %s %s %u %u\r\n", v6 ? "TCP6" : "TCP4", src,
		    dst, ntohs(sp), ntohs(dp));
	} else {
		memcpy(buf, sig, sizeof(sig));
		buf[12] = 0x21;			/* version 2, PROXY */
		buf[13] = v6 ? 0x21 : 0x11;	/* TCP over IPv6 / IPv4 */
		n = htons((uint16_t)(2 * alen + 4));
		memcpy(buf + 14, &n, 2);
		memcpy(buf + 16, sa, alen);
		memcpy(buf + 16 + alen, da, alen);
		memcpy(buf + 16 + 2 * alen, &sp, 2);
		memcpy(buf + 18 + 2 * alen, &dp, 2);
		len = 20 + 2 * alen;
	}
	/* a fresh connection's send buffer takes a hundred bytes */
	return (write(fd, buf, len) == (ssize_t)len ? 0 : -1);
}

static void
backend_connected(evutil_socket_t fd, short what, void *arg)
{
	struct rsession	*s = arg;
	const struct rd_relay_fwd *f = s->s_fwd;
	int		 err = 0;
	socklen_t	 el = sizeof(err);

	(void)what;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) == -1 || err) {
		log_debug("session %u: backend connect: %s", s->s_id,
		    strerror(err));
		conn_shut(&s->s_b);
		/* REL-9: retry n extra attempts */
		if (f->f_retry > 0 && s->s_tries++ < f->f_retry &&
		    relay_connect_backend(s, NULL) == 0)
			return;
		relay_count(s, RCTR_CONNECT);
		/* REL-18: the client has no TLS yet to carry an error */
		if (s->s_http && !s->s_inspect) {
			s->s_state = RS_ACCEPTED;
			relay_http_error(s, 502, "backend connect failed");
		} else
			relay_close(s, "backend connect failed");
		return;
	}
	event_free(s->s_b.c_wev);
	if ((s->s_b.c_wev = event_new(s->s_rp->rp_base, fd,
	    EV_WRITE | EV_PERSIST, conn_writecb, s)) == NULL) {
		relay_close(s, "out of memory");
		return;
	}
	if (proxy_header(s, fd) == -1) {
		relay_close(s, "cannot send the PROXY header");
		return;
	}
	if (f->f_tls && backend_tls(s) == -1) {
		relay_close(s, "backend TLS");
		return;
	}
	if (s->s_inspect) {
		inspect_step(fd, 0, s);
		return;
	}
	backend_ready(s);
}

/*
 * REL-18: the backend's handshake first, then the client's with a copy
 * of the backend's certificate made by the inspection CA.
 */
static void
inspect_step(evutil_socket_t fd, short what, void *arg)
{
	struct rsession		*s = arg;
	const struct rd_relay	*rl = s->s_relay;
	struct rtls		*t;
	struct tls		*ctx = NULL;
	const uint8_t		*chain;
	size_t			 len = 0;
	char			 err[256] = "no certificate";
	int			 rv;

	(void)what;
	if (s->s_hsev != NULL)
		event_free(s->s_hsev);
	s->s_hsev = NULL;
	rv = tls_handshake(s->s_b.c_tls);
	if (rv == TLS_WANT_POLLIN || rv == TLS_WANT_POLLOUT) {
		if ((s->s_hsev = event_new(s->s_rp->rp_base, fd,
		    rv == TLS_WANT_POLLIN ? EV_READ : EV_WRITE, inspect_step,
		    s)) == NULL || event_add(s->s_hsev, NULL) == -1)
			relay_close(s, "out of memory");
		return;
	}
	if (rv == -1) {
		log_warnx("session %u: inspection: backend handshake: %s",
		    s->s_id, tls_error(s->s_b.c_tls));
		relay_count(s, RCTR_BACKEND_TLS);
		relay_close(s, "backend TLS handshake");
		return;
	}
	t = relay_tls_of(s->s_gen, rl->rl_id);
	if (t == NULL || (chain = tls_peer_cert_chain_pem(s->s_b.c_tls,
	    &len)) == NULL || (ctx = inspect_server(t->t_insp[s->s_inspect -
	    1], rl->rl_proto, chain, len, err, sizeof(err))) == NULL ||
	    tls_accept_socket(ctx, &s->s_c.c_tls, s->s_c.c_fd) == -1) {
		log_warnx("session %u: inspection: %s", s->s_id, ctx != NULL ?
		    tls_error(ctx) : err);
		relay_count(s, RCTR_TLS);
		relay_close(s, "TLS inspection");
		return;
	}
	s->s_inspect = 0;
	backend_ready(s);
}

/* Connected, and the backend's TLS (if any) under way: data flows. */
static void
backend_ready(struct rsession *s)
{
	s->s_state = RS_RELAYING;
	(void)evtimer_del(s->s_timer);
	relay_timer_arm(s, s->s_relay->rl_timeout);
	relay_touch(s);
	if (s->s_splice) {
		relay_read_enable(s, &s->s_c, 1);
		relay_read_enable(s, &s->s_b, 1);
		splice_pump(s, &s->s_c);
		return;
	}
	relay_read_enable(s, &s->s_b, 1);
	relay_read_enable(s, &s->s_c, !s->s_c.c_paused);
	/* what the client sent while we connected */
	relay_flush(s, &s->s_b);
	if (s->s_state != RS_DONE)
		relay_pump(s, &s->s_c);
}

/* --- accepting --- */

static struct rtls *
relay_tls_of(struct relay_gen *g, uint32_t relay)
{
	struct rtls	*t;

	TAILQ_FOREACH(t, &g->g_tls, t_entry)
		if (t->t_relay == relay)
			return (t);
	return (NULL);
}

static void
relay_accept(evutil_socket_t lfd, short what, void *arg)
{
	struct rlisten		*l = arg;
	struct relay_proc	*rp = l->l_rp;
	const struct rd_relay	*rl = l->l_rl;
	const struct rd_protocol *p = rl->rl_proto;
	struct rsession		*s;
	struct rstat		*st;
	struct rtls		*t;
	socklen_t		 sl;
	int			 fd, on = 1;

	(void)what;
	if ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) ==
	    -1) {
		if (errno == EMFILE || errno == ENFILE)
			log_warnx("relay %s: out of descriptors",
			    rl->rl_name);
		return;		/* another process took it, or EAGAIN */
	}
	if (rl->rl_disabled) {		/* REL-15 */
		(void)close(fd);
		return;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		(void)close(fd);
		return;
	}
	s->s_id = ++rp->rp_nextid;
	s->s_rp = rp;
	s->s_gen = l->l_gen;
	s->s_gen->g_refs++;
	s->s_relay = rl;
	s->s_pipe_cb[0] = s->s_pipe_cb[1] = -1;
	s->s_pipe_bc[0] = s->s_pipe_bc[1] = -1;
	conn_init(&s->s_c);
	conn_init(&s->s_b);
	s->s_start = time(NULL);
	relay_touch(s);
	TAILQ_INSERT_TAIL(&rp->rp_sessions, s, s_entry);
	if ((st = stat_of(rp, rl->rl_id)) != NULL) {
		st->st_count++;
		st->st_active++;
	}
	sl = sizeof(s->s_src);
	(void)getpeername(fd, (struct sockaddr *)&s->s_src, &sl);
	sl = sizeof(s->s_dst);
	(void)getsockname(fd, (struct sockaddr *)&s->s_dst, &sl);
	if (p == NULL || p->p_nodelay != 0)
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
	if (conn_open(s, &s->s_c, fd) == -1 || conn_bufs(&s->s_b) == -1 ||
	    (s->s_timer = evtimer_new(rp->rp_base, relay_timer, s)) == NULL) {
		relay_close(s, "out of memory");
		return;
	}
	s->s_flt.s_client = s->s_src;
	s->s_flt.s_server = s->s_dst;
	s->s_flt.s_server_name = rl->rl_name;
	s->s_flt.s_timeout = rl->rl_timeout;
	relay_timer_arm(s, rl->rl_timeout);
	if (rl->rl_listen[l->l_idx].rl_tls) {
		if ((t = relay_tls_of(s->s_gen, rl->rl_id)) == NULL ||
		    t->t_server[l->l_idx] == NULL) {
			relay_close(s, "no TLS server context");
			return;
		}
		if (t->t_insp[l->l_idx] != NULL)
			s->s_inspect = (int)l->l_idx + 1;
		else if (tls_accept_socket(t->t_server[l->l_idx],
		    &s->s_c.c_tls, fd) == -1) {
			relay_close(s, "no TLS server context");
			return;
		}
	}
	s->s_http = p != NULL && p->p_type == PROTO_HTTP;
	s->s_splice = !s->s_http && s->s_c.c_tls == NULL && !s->s_inspect &&
	    (p == NULL || p->p_splice != 0);
	/* TLS to the backend means no splice either */
	if (s->s_splice && TAILQ_FIRST(&rl->rl_fwds) != NULL &&
	    TAILQ_FIRST(&rl->rl_fwds)->f_tls)
		s->s_splice = 0;
	if (s->s_splice && (pipe2(s->s_pipe_cb, O_NONBLOCK | O_CLOEXEC) ==
	    -1 || pipe2(s->s_pipe_bc, O_NONBLOCK | O_CLOEXEC) == -1)) {
		s->s_splice = 0;	/* out of descriptors: copy instead */
		if (s->s_pipe_cb[0] != -1) {
			(void)close(s->s_pipe_cb[0]);
			(void)close(s->s_pipe_cb[1]);
			s->s_pipe_cb[0] = s->s_pipe_cb[1] = -1;
		}
	}
	if (s->s_http) {
		relay_http_start(s);
		if (!s->s_inspect) {
			relay_read_enable(s, &s->s_c, 1);
			return;
		}
	}
	/* IMP-1: a TCP relay connects at accept; what the client sends
	 * meanwhile waits in its buffer (or its socket, spliced).  With
	 * inspection (REL-18) an HTTP relay does too, and the client
	 * waits for its handshake until the backend's is done. */
	if (relay_connect_backend(s, NULL) == -1) {
		relay_count(s, RCTR_NO_BACKEND);
		relay_close(s, "no backend");
		return;
	}
	if (!s->s_splice && !s->s_inspect)
		relay_read_enable(s, &s->s_c, 1);
}

/* --- DNS relays (REL-19, PRO-3) --- */

static uint64_t
mono_ms(void)
{
	struct timespec	 ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

/* A query from a client: to a live backend with a fresh ID. */
static void
dns_client(evutil_socket_t fd, short what, void *arg)
{
	struct rlisten		*l = arg;
	struct rdns		*d = l->l_dns;
	const struct rd_relay	*rl = l->l_rl;
	const struct rd_relay_fwd *f;
	const struct rd_host	*h;
	struct rsession		 tmp;
	struct sockaddr_storage	 client, be;
	socklen_t		 cl;
	uint8_t			 pkt[65536];
	uint16_t		 newid;
	ssize_t			 n;
	int			 i, bfd;

	(void)what;
	for (i = 0; i < 64; i++) {	/* a burst, then others' turn */
		cl = sizeof(client);
		if ((n = recvfrom(fd, pkt, sizeof(pkt), 0,
		    (struct sockaddr *)&client, &cl)) == -1)
			return;
		if (rl->rl_disabled)
			continue;
		memset(&tmp, 0, sizeof(tmp));
		tmp.s_rp = l->l_rp;
		tmp.s_src = client;
		tmp.s_dst = rl->rl_listen[l->l_idx].rl_ss;
		memset(&be, 0, sizeof(be));
		TAILQ_FOREACH(f, &rl->rl_fwds, f_entry) {
			if (f->f_type == FWD_ADDR) {
				be = f->f_ss;
				ss_setport(&be, f->f_port != 0 ? f->f_port :
				    rl->rl_listen[l->l_idx].rl_port);
				break;
			}
			if (f->f_type == FWD_TABLE &&
			    (h = pick_host(&tmp, f)) != NULL) {
				be = h->h_ss;
				ss_setport(&be, f->f_table->t_port);
				break;
			}
		}
		if (be.ss_family == 0)
			continue;	/* no live backend: the client retries */
		bfd = d->d_bfd[be.ss_family == AF_INET6];
		if (bfd == -1 || dns_query(d->d_table, pkt, (size_t)n,
		    (struct sockaddr *)&client, cl, (struct sockaddr *)&be,
		    be.ss_family == AF_INET ? sizeof(struct sockaddr_in) :
		    sizeof(struct sockaddr_in6), mono_ms(),
		    (uint64_t)rl->rl_timeout * 1000, &newid) == -1) {
			log_debug("relay %s: query dropped: %s", rl->rl_name,
			    dns_reason_name(dns_last_reason(d->d_table)));
			continue;
		}
		(void)sendto(bfd, pkt, (size_t)n, 0, (struct sockaddr *)&be,
		    be.ss_family == AF_INET ? sizeof(struct sockaddr_in) :
		    sizeof(struct sockaddr_in6));
	}
}

/* A reply from a backend: its ID restored, to the client that asked. */
static void
dns_backend(evutil_socket_t fd, short what, void *arg)
{
	struct rlisten		*l = arg;
	struct rdns		*d = l->l_dns;
	struct sockaddr_storage	 from, client;
	socklen_t		 fl, cl;
	uint8_t			 pkt[65536];
	ssize_t			 n;
	int			 i;

	(void)what;
	for (i = 0; i < 64; i++) {
		fl = sizeof(from);
		if ((n = recvfrom(fd, pkt, sizeof(pkt), 0,
		    (struct sockaddr *)&from, &fl)) == -1)
			return;
		cl = sizeof(client);
		if (dns_reply(d->d_table, pkt, (size_t)n,
		    (struct sockaddr *)&from, fl, mono_ms(), &client,
		    &cl) == -1) {
			log_debug("relay %s: reply dropped: %s",
			    l->l_rl->rl_name,
			    dns_reason_name(dns_last_reason(d->d_table)));
			continue;
		}
		(void)sendto(l->l_fd, pkt, (size_t)n, 0,
		    (struct sockaddr *)&client, cl);
	}
}

static int
dns_setup(struct relay_proc *rp, struct rlisten *l)
{
	struct rdns	*d;
	int		 i, af;

	if ((d = calloc(1, sizeof(*d))) == NULL)
		return (-1);
	d->d_bfd[0] = d->d_bfd[1] = -1;
	l->l_dns = d;
	if ((d->d_table = dns_table_new(0, 0)) == NULL)
		return (-1);
	for (i = 0; i < 2; i++) {
		af = i == 0 ? AF_INET : AF_INET6;
		if ((d->d_bfd[i] = socket(af, SOCK_DGRAM | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, 0)) == -1)
			continue;	/* no IPv6 here: v4 only */
		if ((d->d_bev[i] = event_new(rp->rp_base, d->d_bfd[i],
		    EV_READ | EV_PERSIST, dns_backend, l)) == NULL ||
		    event_add(d->d_bev[i], NULL) == -1)
			return (-1);
	}
	return (0);
}

static void
dns_tick(evutil_socket_t fd, short what, void *arg)
{
	struct relay_proc	*rp = arg;
	struct rlisten		*l;

	(void)fd;
	(void)what;
	TAILQ_FOREACH(l, &rp->rp_listens, l_entry)
		if (l->l_dns != NULL)
			(void)dns_expire(l->l_dns->d_table, mono_ms());
}

/* --- configuration generations --- */

static void
gen_unref(struct relay_proc *rp, struct relay_gen *g)
{
	struct rtls	*t;
	int		 i;

	if (--g->g_refs > 0)
		return;
	TAILQ_REMOVE(&rp->rp_gens, g, g_entry);
	while ((t = TAILQ_FIRST(&g->g_tls)) != NULL) {
		TAILQ_REMOVE(&g->g_tls, t, t_entry);
		for (i = 0; i < RELAYD_MAXLISTEN; i++) {
			if (t->t_server[i] != NULL)
				tls_free(t->t_server[i]);
			inspect_free(t->t_insp[i]);
		}
		if (t->t_client != NULL)
			tls_config_free(t->t_client);
		chunked_free(&t->t_in);
		free(t);
	}
	conf_free(g->g_conf);
	free(g);
}

static void
dns_free(struct rdns *d)
{
	int	 i;

	if (d == NULL)
		return;
	for (i = 0; i < 2; i++) {
		if (d->d_bev[i] != NULL)
			event_free(d->d_bev[i]);
		if (d->d_bfd[i] != -1)
			(void)close(d->d_bfd[i]);
	}
	if (d->d_table != NULL)
		dns_table_free(d->d_table);
	free(d);
}

static void
listen_free(struct rlisten *l, int closefd)
{
	dns_free(l->l_dns);
	if (l->l_ev != NULL)
		event_free(l->l_ev);
	if (closefd && l->l_fd != -1)
		(void)close(l->l_fd);
	free(l);
}

static void
relay_tls_chunk(struct relay_proc *rp, const struct msg *m)
{
	const struct m_relay_tls *mt = (const void *)m->m_data;
	struct relay_gen	*g = rp->rp_pending;
	struct rtls		*t;
	struct relay_tls_files	 files;
	const struct rd_relay	*rl;
	char			 err[256];
	int			 i;

	if (m->m_len < sizeof(*mt) || g == NULL || mt->mt_gen != g->g_gen)
		return;
	if ((t = relay_tls_of(g, mt->mt_relay)) == NULL) {
		if (mt->mt_off != 0 || mt->mt_total > CHAN_MAXCHUNKED ||
		    (t = calloc(1, sizeof(*t))) == NULL)
			return;
		t->t_relay = mt->mt_relay;
		TAILQ_INSERT_TAIL(&g->g_tls, t, t_entry);
	} else if (t->t_in.cb_buf == NULL)
		fatalx("relay: TLS material out of order");
	switch (chunked_add(&t->t_in, m)) {
	case -1:
		fatalx("relay: TLS material out of order");
	case 0:
		return;
	default:
		break;
	}
	TAILQ_FOREACH(rl, &g->g_conf->c_relays, rl_entry)
		if (rl->rl_id == t->t_relay)
			break;
	if (rl == NULL)
		fatalx("relay: TLS material for unknown relay %u",
		    t->t_relay);
	memset(&files, 0, sizeof(files));
	if (relay_tls_files_unpack(t->t_in.cb_buf, t->t_in.cb_total,
	    &files) == -1)
		fatalx("relay %s: bad TLS material", rl->rl_name);
	chunked_free(&t->t_in);
	for (i = 0; i < rl->rl_nlisten; i++) {
		if (!rl->rl_listen[i].rl_tls)
			continue;
		if ((t->t_server[i] = relay_tls_server(&files, rl->rl_proto, i,
		    err, sizeof(err))) == NULL)
			fatalx("relay %s: TLS server: %s", rl->rl_name, err);
		/* REL-18: the parent sent a CA only with TLS on both sides */
		if (files.tf_cacert != NULL && (t->t_insp[i] =
		    inspect_new(&files, i, err, sizeof(err))) == NULL)
			fatalx("relay %s: TLS inspection: %s", rl->rl_name,
			    err);
	}
	if ((t->t_client = relay_tls_client_config(&files, rl->rl_proto,
	    err, sizeof(err))) == NULL)
		fatalx("relay %s: TLS client: %s", rl->rl_name, err);
	relay_tls_files_free(&files);
}

/* Makes the pending generation current: new accepts use it. */
static void
relay_commit(struct relay_proc *rp, uint32_t gen)
{
	struct rlisten		*l, *nl;
	const struct rd_relay	*rl;
	struct relay_gen	*old = rp->rp_cur;

	if (rp->rp_pending == NULL || rp->rp_pending->g_gen != gen)
		return;
	/* Old listeners stop; their sockets are the parent's and ours
	 * to close (the new generation has its own copies). */
	while ((l = TAILQ_FIRST(&rp->rp_listens)) != NULL) {
		TAILQ_REMOVE(&rp->rp_listens, l, l_entry);
		listen_free(l, 1);
	}
	rp->rp_cur = rp->rp_pending;
	rp->rp_pending = NULL;
	TAILQ_FOREACH_SAFE(l, &rp->rp_newlistens, l_entry, nl) {
		TAILQ_REMOVE(&rp->rp_newlistens, l, l_entry);
		TAILQ_FOREACH(rl, &rp->rp_cur->g_conf->c_relays, rl_entry)
			if (rl->rl_id == l->l_relay)
				break;
		if (rl == NULL || l->l_idx >= (uint32_t)rl->rl_nlisten) {
			listen_free(l, 1);
			continue;
		}
		l->l_rl = rl;
		l->l_gen = rp->rp_cur;
		l->l_rp = rp;
		if (rl->rl_proto != NULL && rl->rl_proto->p_type ==
		    PROTO_DNS && dns_setup(rp, l) == -1)
			fatalx("relay %s: DNS relay", rl->rl_name);
		if ((l->l_ev = event_new(rp->rp_base, l->l_fd,
		    EV_READ | EV_PERSIST, l->l_dns != NULL ? dns_client :
		    relay_accept, l)) == NULL ||
		    event_add(l->l_ev, NULL) == -1)
			fatalx("relay: listener event");
		TAILQ_INSERT_TAIL(&rp->rp_listens, l, l_entry);
	}
	if (old != NULL)
		gen_unref(rp, old);
	rp->rp_started = 1;
	chan_send(&rp->rp_pfe, M_RELAY_HOSTS, &gen, sizeof(gen));
	log_debug("relay %d: configuration %u in use", rp->rp_index, gen);
}

/* TLS-12: the parent's new session ticket key, for every TLS relay. */
static void
relay_ticket(struct msg *m)
{
	struct m_relay_ticket	 mk;
	char			 err[256];

	if (m->m_len != sizeof(mk))
		fatalx("relay: ticket key message of %u bytes, expected %zu",
		    m->m_len, sizeof(mk));
	memcpy(&mk, m->m_data, sizeof(mk));
	explicit_bzero(m->m_data, sizeof(mk));
	if (relay_tls_ticket_key(mk.tk_keyrev, mk.tk_key, sizeof(mk.tk_key),
	    err, sizeof(err)) == -1)
		log_warnx("relay: %s", err);
	explicit_bzero(&mk, sizeof(mk));
}

static void
relay_dispatch_parent(struct chan *ch, struct msg *m, void *arg)
{
	struct relay_proc	*rp = arg;
	const struct m_relay_listen *ml;
	struct relayd_conf	*c;
	struct rlisten		*l;
	struct relay_gen	*g;
	uint32_t		 gen;

	switch (m->m_type) {
	case M_CFG_TEXT:
	case M_CFG_END:
		if ((c = chan_recv_conf(ch, m, &gen)) == NULL)
			break;
		if (rp->rp_pending != NULL) {
			rp->rp_pending->g_refs = 1;
			gen_unref(rp, rp->rp_pending);
		}
		while ((l = TAILQ_FIRST(&rp->rp_newlistens)) != NULL) {
			TAILQ_REMOVE(&rp->rp_newlistens, l, l_entry);
			listen_free(l, 1);
		}
		if ((g = calloc(1, sizeof(*g))) == NULL)
			fatal("relay: configuration");
		g->g_gen = gen;
		g->g_conf = c;
		g->g_refs = 1;
		TAILQ_INIT(&g->g_tls);
		TAILQ_INSERT_TAIL(&rp->rp_gens, g, g_entry);
		rp->rp_pending = g;
		break;
	case M_RELAY_LISTEN:
		ml = (const void *)m->m_data;
		if (m->m_len != sizeof(*ml) || m->m_fd == -1 ||
		    rp->rp_pending == NULL ||
		    ml->ml_gen != rp->rp_pending->g_gen) {
			if (m->m_fd != -1)
				(void)close(m->m_fd);
			break;
		}
		if ((l = calloc(1, sizeof(*l))) == NULL)
			fatal("relay: listener");
		l->l_relay = ml->ml_relay;
		l->l_idx = ml->ml_idx;
		l->l_fd = m->m_fd;
		m->m_fd = -1;
		TAILQ_INSERT_TAIL(&rp->rp_newlistens, l, l_entry);
		break;
	case M_RELAY_TLS:
		relay_tls_chunk(rp, m);
		break;
	case M_RELAY_COMMIT:
		if (m->m_len == sizeof(gen)) {
			memcpy(&gen, m->m_data, sizeof(gen));
			relay_commit(rp, gen);
		}
		break;
	case M_LOG_VERBOSE:
		(void)chan_recv_verbose(m);
		break;
	case M_RELAY_TSOCK:
		relay_tsock(rp, m);
		break;
	case M_RELAY_TICKET:
		relay_ticket(m);
		break;
	default:
		log_warnx("relay: unexpected message %u from the parent",
		    m->m_type);
		break;
	}
}

/* IMP-12: relay tables follow the pfe's host states. */
static void
relay_hosts(struct relay_proc *rp, const struct msg *m)
{
	const struct m_relay_hosts *mh = (const void *)m->m_data;
	struct relay_gen	*g;
	struct rd_table		*t;
	struct rd_host		*h;
	uint32_t		 i;

	if (m->m_len < 8 || mh->mh_n > RELAY_HOSTS_MAX ||
	    m->m_len < 8 + mh->mh_n * 8)
		return;
	TAILQ_FOREACH(g, &rp->rp_gens, g_entry) {
		if (g->g_gen != mh->mh_gen)
			continue;
		TAILQ_FOREACH(t, &g->g_conf->c_tables, t_entry)
			TAILQ_FOREACH(h, &t->t_hosts, h_entry)
				for (i = 0; i < mh->mh_n; i++)
					if (mh->mh_hosts[i].id == h->h_id) {
						h->h_state = mh->mh_hosts[i].live ?
						    HOST_UP : HOST_DOWN;
						h->h_disabled = 0;
						break;
					}
	}
}

static void
relay_sessions(struct relay_proc *rp, const struct msg *m)
{
	static struct m_relay_sessions	 rs;
	const struct rsession		*s;
	struct timespec			 now;
	uint32_t			 req;

	if (m->m_len != sizeof(req))
		return;
	memcpy(&req, m->m_data, sizeof(req));
	(void)clock_gettime(CLOCK_MONOTONIC, &now);
	memset(&rs, 0, sizeof(rs));
	rs.rs_req = req;
	TAILQ_FOREACH(s, &rp->rp_sessions, s_entry) {
		struct m_session *ms = &rs.rs_s[rs.rs_n++];

		memset(ms, 0, sizeof(*ms));
		ms->ss_id = s->s_id;
		ms->ss_relay = s->s_relay->rl_id;
		ms->ss_src = s->s_src;
		ms->ss_dst = s->s_dst;
		ms->ss_age = (int64_t)(time(NULL) - s->s_start);
		ms->ss_idle = mono_s(&now) - mono_s(&s->s_last);
		ms->ss_pid = (uint32_t)getpid();
		ms->ss_done = s->s_state == RS_DONE;
		(void)strlcpy(ms->ss_tag, s->s_flt.s_tag, sizeof(ms->ss_tag));
		if (rs.rs_n == RELAY_SESSIONS_MAX) {
			chan_send(&rp->rp_pfe, M_RELAY_SESSIONS, &rs,
			    sizeof(rs));
			rs.rs_n = 0;
		}
	}
	rs.rs_last = 1;
	chan_send(&rp->rp_pfe, M_RELAY_SESSIONS, &rs,
	    offsetof(struct m_relay_sessions, rs_s) +
	    rs.rs_n * sizeof(rs.rs_s[0]));
}

static void
relay_dispatch_pfe(struct chan *ch, struct msg *m, void *arg)
{
	struct relay_proc	*rp = arg;

	(void)ch;
	switch (m->m_type) {
	case M_RELAY_HOSTS:
		relay_hosts(rp, m);
		break;
	case M_RELAY_SESSIONS:
		relay_sessions(rp, m);
		break;
	default:
		log_warnx("relay: unexpected message %u from the pfe",
		    m->m_type);
		break;
	}
}

static void
relay_stats_send(struct relay_proc *rp, struct m_relay_stats *ms)
{
	chan_send(&rp->rp_pfe, M_RELAY_STATS, ms,
	    offsetof(struct m_relay_stats, st_r) +
	    ms->st_n * sizeof(ms->st_r[0]));
	ms->st_n = 0;
}

/*
 * IMP-11: sessions per relay, every interval, to the pfe; with them the
 * counters (CTL-5), which also come here a moment after they moved.
 * What is sent is since the last report: the pfe adds it up.
 */
static void
relay_stats(evutil_socket_t fd, short what, void *arg)
{
	static struct m_relay_stats	 ms;
	struct relay_proc		*rp = arg;
	struct rstat			*st;
	struct m_relay_stat		*r;

	(void)fd;
	(void)what;
	if (rp->rp_ctr_ev != NULL)
		(void)evtimer_del(rp->rp_ctr_ev);
	memset(&ms, 0, sizeof(ms));
	ms.st_gen = rp->rp_cur != NULL ? rp->rp_cur->g_gen : 0;
	TAILQ_FOREACH(st, &rp->rp_stats, st_entry) {
		if (ms.st_n == RELAY_STATS_MAX)
			relay_stats_send(rp, &ms);
		r = &ms.st_r[ms.st_n++];
		r->relay = st->st_relay;
		r->active = st->st_active;
		r->count = st->st_count;
		memcpy(r->ctr, st->st_ctr, sizeof(r->ctr));
		st->st_count = 0;
		memset(st->st_ctr, 0, sizeof(st->st_ctr));
	}
	relay_stats_send(rp, &ms);
}

void
relay_main(struct relayd_conf *conf, int index, int parentfd, int pfefd,
    int cafd, int verbose)
{
	static struct relay_proc	 rp;
	struct timeval			 tv = { RELAYD_STATINTERVAL, 0 };
	char				 title[32];

	memset(&rp, 0, sizeof(rp));
	rp.rp_index = index;
	TAILQ_INIT(&rp.rp_gens);
	TAILQ_INIT(&rp.rp_listens);
	TAILQ_INIT(&rp.rp_newlistens);
	TAILQ_INIT(&rp.rp_sessions);
	TAILQ_INIT(&rp.rp_stats);
	/* The configuration comes again over the channel, with its
	 * generation; the inherited copy is not used. */
	conf_free(conf);
	log_setverbose(verbose);
	(void)signal(SIGINT, SIG_IGN);
	(void)signal(SIGTERM, SIG_DFL);
	(void)signal(SIGHUP, SIG_IGN);
	(void)signal(SIGPIPE, SIG_IGN);
	if (tls_init() == -1)
		fatalx("relay: tls_init");
	/* PRIV-5: before any key is loaded */
	ca_client_init(cafd);
	if ((rp.rp_base = event_base_new()) == NULL)
		fatalx("relay: event_base_new");
	(void)snprintf(title, sizeof(title), "relay %d", index);
	proc_drop(title);
	if (chan_init(&rp.rp_parent, rp.rp_base, parentfd, "parent",
	    relay_dispatch_parent, &rp) == -1 ||
	    chan_init(&rp.rp_pfe, rp.rp_base, pfefd, "pfe",
	    relay_dispatch_pfe, &rp) == -1)
		fatalx("relay: channels");
	if ((rp.rp_stats_ev = event_new(rp.rp_base, -1, EV_PERSIST,
	    relay_stats, &rp)) == NULL ||
	    event_add(rp.rp_stats_ev, &tv) == -1 ||
	    (rp.rp_ctr_ev = evtimer_new(rp.rp_base, relay_stats, &rp)) == NULL)
		fatalx("relay: statistics timer");
	tv.tv_sec = 1;
	if ((rp.rp_dns_ev = event_new(rp.rp_base, -1, EV_PERSIST,
	    dns_tick, &rp)) == NULL || event_add(rp.rp_dns_ev, &tv) == -1)
		fatalx("relay: DNS timer");
	(void)event_base_dispatch(rp.rp_base);
	_exit(0);
}
