/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * The real host check engine against servers this test runs on
 * 127.0.0.1 (and ::1) on the same private event base: a server that
 * answers, a closed port, a full accept queue, one that accepts and says
 * nothing, a TLS server (libtls, a throw-away self-signed key).  Each test
 * builds a struct relayd_conf by hand, runs rounds with hce_poll() and
 * asserts the reasons, states, rounds and syncs the engine reports.
 */

#include <sys/queue.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>
#include <tls.h>

#include "relayd.h"
#include "hce.h"

#define MAXT		4
#define MAXH		8
#define MAXS		4
#define MAXST		64
#define MAXCONN		16

static const char	 test_cert[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBfDCCASOgAwIBAgIUadpR8RNaqCV42mcxk3F3Rew0cVQwCgYIKoZIzj0EAwIw\n"
    "EzERMA8GA1UEAwwIaGNlLnRlc3QwIBcNMjYxMjA2MTk0MjI3WhgPMjEyNjExMTIx\n"
    "OTQyMjdaMBMxETAPBgNVBAMMCGhjZS50ZXN0MFkwEwYHKoZIzj0CAQYIKoZIzj0D\n"
    "AQcDQgAEFEPJuevIOLaqC05lXhad6hmrzoucCQJEo31wnmubtEhxSBLpQIP//4Sk\n"
    "nN4JxuuSCfikaBkgjx1kkg67mmibV6NTMFEwHQYDVR0OBBYEFGhDugEaEWqH4gqX\n"
    "Br6cB/YvnQD8MB8GA1UdIwQYMBaAFGhDugEaEWqH4gqXBr6cB/YvnQD8MA8GA1Ud\n"
    "EwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDRwAwRAIgFvtU+VMxjQWKeq+MAHgdaryq\n"
    "CQy2HUYH/n+Fp9Qj9qMCIEg9Rzwo8busGECtycnYEk0Khng0XEgYFYnD9Oul/j23\n"
    "-----END CERTIFICATE-----\n";
static const char	 test_key[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgp6A+uRmtAZqqRhwU\n"
    "Ykd7ESfBt36BsdfRgnvK4Pl/sZmhRANCAAQUQ8m568g4tqoLTmVeFp3qGavOi5wJ\n"
    "AkSjfXCea5u0SHFIEulAg///hKSc3gnG65IJ+KRoGSCPHWSSDruaaJtX\n"
    "-----END PRIVATE KEY-----\n";

enum srv_mode {
	SRV_ANSWER,	/* read a request, write the reply, close */
	SRV_BANNER,	/* write the reply at once, stay open */
	SRV_SILENT,	/* accept, never write */
	SRV_NOACCEPT	/* listen only */
};

struct conn {
	struct srv	*c_srv;
	int		 c_fd;
	struct tls	*c_tls;
	struct event	*c_ev;
	int		 c_phase;	/* 0 tls 1 read 2 write 3 idle */
	size_t		 c_off;
};

struct srv {
	struct event_base *s_base;
	int		 s_fd;
	uint16_t	 s_port;
	enum srv_mode	 s_mode;
	struct tls	*s_tls;
	struct tls_config *s_tlscfg;
	const char	*s_reply;
	char		 s_seen[2048];
	size_t		 s_seenlen;
	int		 s_accepted;
	struct event	*s_ev;
	struct conn	 s_conns[MAXCONN];
	int		 s_nconns;
};

struct status {
	uint32_t	 id;
	enum host_state	 state;
	enum hce_reason	 reason;
	uint64_t	 checks;
};

struct fx {
	struct event_base *base;
	struct relayd_conf conf;
	struct rd_table	 tables[MAXT];
	int		 ntables;
	struct rd_host	 hosts[MAXH];
	int		 nhosts;
	struct hce	*hce;
	int		 nsync;
	int		 want_sync;
	struct status	 st[MAXST];
	int		 nst;
	int		 nscript;
	uint32_t	 script_id;
	struct srv	 srv[MAXS];
	int		 nsrv;
};

static void	 on_status(void *, const struct rd_host *, int);
static void	 on_sync(void *);
static void	 on_script(void *, const struct rd_host *);

static const struct hce_ops	 test_ops = {
	.ho_status = on_status,
	.ho_sync = on_sync,
	.ho_script = on_script,
};

static void
on_status(void *arg, const struct rd_host *h, int changed)
{
	struct fx	*f = arg;

	(void)changed;
	assert_true(f->nst < MAXST);
	f->st[f->nst].id = h->h_id;
	f->st[f->nst].state = h->h_state;
	f->st[f->nst].reason = h->h_reason;
	f->st[f->nst].checks = h->h_checks;
	f->nst++;
}

static void
on_sync(void *arg)
{
	struct fx	*f = arg;

	f->nsync++;
	if (f->nsync >= f->want_sync)
		event_base_loopbreak(f->base);
}

static void
on_script(void *arg, const struct rd_host *h)
{
	struct fx	*f = arg;

	f->nscript++;
	f->script_id = h->h_id;
}

/* ---- servers ---- */

static void	 conn_step(struct conn *);

static void
conn_close(struct conn *c)
{
	if (c->c_ev != NULL)
		event_free(c->c_ev);
	c->c_ev = NULL;
	if (c->c_tls != NULL) {
		(void)tls_close(c->c_tls);
		tls_free(c->c_tls);
		c->c_tls = NULL;
	}
	if (c->c_fd != -1)
		(void)close(c->c_fd);
	c->c_fd = -1;
}

static void
conn_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	conn_step(arg);
}

static void
conn_wait(struct conn *c, short what)
{
	if (c->c_ev != NULL)
		event_free(c->c_ev);
	c->c_ev = event_new(c->c_srv->s_base, c->c_fd, what, conn_cb, c);
	assert_non_null(c->c_ev);
	assert_int_equal(event_add(c->c_ev, NULL), 0);
}

static void
conn_step(struct conn *c)
{
	struct srv	*s = c->c_srv;
	char		 buf[1024];
	size_t		 len;
	ssize_t		 n;
	int		 rv;

	for (;;) {
		switch (c->c_phase) {
		case 0:
			rv = tls_handshake(c->c_tls);
			if (rv == TLS_WANT_POLLIN || rv == TLS_WANT_POLLOUT) {
				conn_wait(c, rv == TLS_WANT_POLLIN ? EV_READ :
				    EV_WRITE);
				return;
			}
			if (rv == -1) {
				conn_close(c);
				return;
			}
			c->c_phase = s->s_mode == SRV_BANNER ? 2 :
			    s->s_mode == SRV_SILENT ? 3 : 1;
			break;
		case 1:
			n = c->c_tls != NULL ?
			    tls_read(c->c_tls, buf, sizeof(buf)) :
			    read(c->c_fd, buf, sizeof(buf));
			if (n == TLS_WANT_POLLIN || (n == -1 &&
			    c->c_tls == NULL && errno == EAGAIN)) {
				conn_wait(c, EV_READ);
				return;
			}
			if (n <= 0) {
				conn_close(c);
				return;
			}
			len = (size_t)n;
			if (len > sizeof(s->s_seen) - s->s_seenlen)
				len = sizeof(s->s_seen) - s->s_seenlen;
			memcpy(s->s_seen + s->s_seenlen, buf, len);
			s->s_seenlen += len;
			if (s->s_seenlen >= 4 && memcmp(s->s_seen +
			    s->s_seenlen - 4, "\r\n\r\n", 4) != 0 &&
			    strncmp(s->s_seen, "GET", 3) == 0)
				break;
			c->c_phase = 2;
			break;
		case 2:
			len = strlen(s->s_reply);
			n = c->c_tls != NULL ? tls_write(c->c_tls,
			    s->s_reply + c->c_off, len - c->c_off) :
			    write(c->c_fd, s->s_reply + c->c_off,
			    len - c->c_off);
			if (n == TLS_WANT_POLLOUT || n == TLS_WANT_POLLIN ||
			    (n == -1 && c->c_tls == NULL && errno == EAGAIN)) {
				conn_wait(c, n == TLS_WANT_POLLIN ? EV_READ :
				    EV_WRITE);
				return;
			}
			if (n < 0) {
				conn_close(c);
				return;
			}
			c->c_off += (size_t)n;
			if (c->c_off < len)
				break;
			if (s->s_mode == SRV_ANSWER) {
				conn_close(c);
				return;
			}
			c->c_phase = 3;
			break;
		default:
			/* Idle: close when the peer does. */
			n = c->c_tls != NULL ?
			    tls_read(c->c_tls, buf, sizeof(buf)) :
			    read(c->c_fd, buf, sizeof(buf));
			if (n == TLS_WANT_POLLIN || (n == -1 &&
			    c->c_tls == NULL && errno == EAGAIN)) {
				conn_wait(c, EV_READ);
				return;
			}
			if (n <= 0) {
				conn_close(c);
				return;
			}
			break;
		}
	}
}

static void
srv_accept_cb(evutil_socket_t fd, short what, void *arg)
{
	struct srv	*s = arg;
	struct conn	*c;
	int		 cfd;

	(void)what;
	if ((cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK)) == -1)
		return;
	s->s_accepted++;
	if (s->s_nconns == MAXCONN) {
		(void)close(cfd);
		return;
	}
	c = &s->s_conns[s->s_nconns++];
	memset(c, 0, sizeof(*c));
	c->c_srv = s;
	c->c_fd = cfd;
	if (s->s_tls != NULL) {
		assert_int_equal(tls_accept_socket(s->s_tls, &c->c_tls, cfd),
		    0);
		c->c_phase = 0;
	} else
		c->c_phase = s->s_mode == SRV_BANNER ? 2 :
		    s->s_mode == SRV_SILENT ? 3 : 1;
	conn_step(c);
}

/* A listening server on 127.0.0.1 (or ::1); returns it. */
static struct srv *
srv_new(struct fx *f, int af, enum srv_mode mode, int tls,
    const char *reply)
{
	struct srv		*s;
	struct sockaddr_storage	 ss;
	socklen_t		 slen;
	int			 one = 1;

	assert_true(f->nsrv < MAXS);
	s = &f->srv[f->nsrv++];
	memset(s, 0, sizeof(*s));
	s->s_base = f->base;
	s->s_mode = mode;
	s->s_reply = reply;
	memset(&ss, 0, sizeof(ss));
	if (af == AF_INET6) {
		((struct sockaddr_in6 *)&ss)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)&ss)->sin6_addr = in6addr_loopback;
		slen = sizeof(struct sockaddr_in6);
	} else {
		((struct sockaddr_in *)&ss)->sin_family = AF_INET;
		((struct sockaddr_in *)&ss)->sin_addr.s_addr =
		    htonl(INADDR_LOOPBACK);
		slen = sizeof(struct sockaddr_in);
	}
	s->s_fd = socket(af, SOCK_STREAM | SOCK_NONBLOCK, 0);
	assert_true(s->s_fd != -1);
	(void)setsockopt(s->s_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	assert_int_equal(bind(s->s_fd, (struct sockaddr *)&ss, slen), 0);
	assert_int_equal(listen(s->s_fd, mode == SRV_NOACCEPT ? 0 : 16), 0);
	assert_int_equal(getsockname(s->s_fd, (struct sockaddr *)&ss,
	    &slen), 0);
	s->s_port = ntohs(af == AF_INET6 ?
	    ((struct sockaddr_in6 *)&ss)->sin6_port :
	    ((struct sockaddr_in *)&ss)->sin_port);
	if (tls) {
		s->s_tlscfg = tls_config_new();
		assert_non_null(s->s_tlscfg);
		assert_int_equal(tls_config_set_keypair_mem(s->s_tlscfg,
		    (const uint8_t *)test_cert, strlen(test_cert),
		    (const uint8_t *)test_key, strlen(test_key)), 0);
		s->s_tls = tls_server();
		assert_non_null(s->s_tls);
		assert_int_equal(tls_configure(s->s_tls, s->s_tlscfg), 0);
	}
	if (mode != SRV_NOACCEPT) {
		s->s_ev = event_new(f->base, s->s_fd, EV_READ | EV_PERSIST,
		    srv_accept_cb, s);
		assert_non_null(s->s_ev);
		assert_int_equal(event_add(s->s_ev, NULL), 0);
	}
	return (s);
}

static void
srv_free(struct srv *s)
{
	int	 i;

	for (i = 0; i < s->s_nconns; i++)
		conn_close(&s->s_conns[i]);
	if (s->s_ev != NULL)
		event_free(s->s_ev);
	if (s->s_tls != NULL)
		tls_free(s->s_tls);
	if (s->s_tlscfg != NULL)
		tls_config_free(s->s_tlscfg);
	(void)close(s->s_fd);
}

/* A port nothing listens on (bound, then closed). */
static uint16_t
closed_port(void)
{
	struct sockaddr_in	 sin;
	socklen_t		 slen = sizeof(sin);
	int			 fd;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd != -1);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &slen), 0);
	(void)close(fd);
	return (ntohs(sin.sin_port));
}

/* ---- configuration by hand ---- */

static struct rd_table *
table_add(struct fx *f, enum check_type type, uint16_t port, int timeout)
{
	struct rd_table	*t;

	assert_true(f->ntables < MAXT);
	t = &f->tables[f->ntables++];
	memset(t, 0, sizeof(*t));
	t->t_id = (uint32_t)f->ntables;
	(void)snprintf(t->t_name, sizeof(t->t_name), "t%d:%u", f->ntables,
	    port);
	t->t_port = port;
	t->t_check.ck_type = type;
	t->t_interval = f->conf.c_interval;
	t->t_timeout = timeout;
	TAILQ_INIT(&t->t_hosts);
	TAILQ_INSERT_TAIL(&f->conf.c_tables, t, t_entry);
	return (t);
}

static struct rd_host *
host_add(struct fx *f, struct rd_table *t, const char *addr)
{
	struct rd_host	*h;

	assert_true(f->nhosts < MAXH);
	h = &f->hosts[f->nhosts++];
	memset(h, 0, sizeof(*h));
	h->h_id = (uint32_t)f->nhosts;
	strlcpy(h->h_name, addr, sizeof(h->h_name));
	h->h_priority = 8;
	h->h_table = t;
	if (strchr(addr, ':') != NULL) {
		h->h_ss.ss_family = AF_INET6;
		assert_int_equal(inet_pton(AF_INET6, addr,
		    &((struct sockaddr_in6 *)&h->h_ss)->sin6_addr), 1);
	} else {
		h->h_ss.ss_family = AF_INET;
		assert_int_equal(inet_pton(AF_INET, addr,
		    &((struct sockaddr_in *)&h->h_ss)->sin_addr), 1);
	}
	TAILQ_INSERT_TAIL(&t->t_hosts, h, h_entry);
	return (h);
}

static int
setup(void **state)
{
	struct fx	*f;

	f = calloc(1, sizeof(*f));
	assert_non_null(f);
	f->base = event_base_new();
	assert_non_null(f->base);
	f->conf.c_interval = 1;
	f->conf.c_timeout = 200;
	TAILQ_INIT(&f->conf.c_tables);
	TAILQ_INIT(&f->conf.c_redirects);
	TAILQ_INIT(&f->conf.c_relays);
	TAILQ_INIT(&f->conf.c_protocols);
	TAILQ_INIT(&f->conf.c_routers);
	*state = f;
	return (0);
}

static int
teardown(void **state)
{
	struct fx	*f = *state;
	int		 i;

	hce_free(f->hce);
	for (i = 0; i < f->nsrv; i++)
		srv_free(&f->srv[i]);
	event_base_free(f->base);
	free(f);
	return (0);
}

static void
engine(struct fx *f, int icmp4, int icmp6)
{
	f->hce = hce_new(f->base, &f->conf, &test_ops, f, icmp4, icmp6);
	assert_non_null(f->hce);
}

/* One round by hce_poll(), run until it syncs (bounded by 5 s). */
static void
round_run(struct fx *f)
{
	struct timeval	 tv = { 5, 0 };
	int		 before = f->nsync;

	f->want_sync = before + 1;
	hce_poll(f->hce);
	if (f->nsync < f->want_sync) {
		assert_int_equal(event_base_loopexit(f->base, &tv), 0);
		assert_int_equal(event_base_dispatch(f->base), 0);
	}
	assert_int_equal(f->nsync, before + 1);
}

/* The last status reported for host id. */
static const struct status *
last(const struct fx *f, uint32_t id)
{
	int	 i;

	for (i = f->nst - 1; i >= 0; i--)
		if (f->st[i].id == id)
			return (&f->st[i]);
	fail_msg("no status for host %u", id);
	return (NULL);
}

static int
nstatus(const struct fx *f, uint32_t id)
{
	int	 i, n = 0;

	for (i = 0; i < f->nst; i++)
		if (f->st[i].id == id)
			n++;
	return (n);
}

/* ---- tests ---- */

static void
test_tcp_check_is_up_on_open_port_down_on_closed(
    void **state)
{
	struct fx	*f = *state;
	struct srv	*s;
	struct rd_table	*t1, *t2;
	struct rd_host	*h1, *h2;

	s = srv_new(f, AF_INET, SRV_SILENT, 0, "");
	t1 = table_add(f, CHECK_TCP, s->s_port, 300);
	h1 = host_add(f, t1, "127.0.0.1");
	t2 = table_add(f, CHECK_TCP, closed_port(), 300);
	h2 = host_add(f, t2, "127.0.0.1");
	engine(f, -1, -1);
	round_run(f);
	assert_int_equal(last(f, h1->h_id)->reason, HCE_TCP_CONNECT_OK);
	assert_int_equal(h1->h_state, HOST_UP);
	assert_int_equal(last(f, h2->h_id)->reason, HCE_TCP_CONNECT_FAIL);
	assert_int_equal(h2->h_state, HOST_DOWN);
	assert_int_equal(f->nsync, 1);
	assert_int_equal(hce_nchecks(f->hce), 2);
}

static void
test_tcp_check_over_ipv6(void **state)
{
	struct fx	*f = *state;
	struct srv	*s;
	struct rd_table	*t;
	struct rd_host	*h;

	s = srv_new(f, AF_INET6, SRV_SILENT, 0, "");
	t = table_add(f, CHECK_TCP, s->s_port, 300);
	h = host_add(f, t, "::1");
	h->h_ttl = 1;
	engine(f, -1, -1);
	round_run(f);
	assert_int_equal(last(f, h->h_id)->reason, HCE_TCP_CONNECT_OK);
}

static void
test_tcp_connect_times_out_on_a_full_accept_queue(void **state)
{
	struct fx	*f = *state;
	struct srv	*s;
	struct rd_table	*t;
	struct rd_host	*h;
	struct sockaddr_in sin;
	int		 fds[4], i;

	s = srv_new(f, AF_INET, SRV_NOACCEPT, 0, "");
	/* Fill the backlog of 0 (one slot, and the kernel's slack). */
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons(s->s_port);
	for (i = 0; i < 4; i++) {
		fds[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		assert_true(fds[i] != -1);
		(void)connect(fds[i], (struct sockaddr *)&sin, sizeof(sin));
	}
	usleep(50000);
	t = table_add(f, CHECK_TCP, s->s_port, 200);
	h = host_add(f, t, "127.0.0.1");
	engine(f, -1, -1);
	round_run(f);
	assert_int_equal(last(f, h->h_id)->reason, HCE_TCP_CONNECT_TIMEOUT);
	assert_int_equal(h->h_state, HOST_DOWN);
	for (i = 0; i < 4; i++)
		(void)close(fds[i]);
}

static void
test_http_code_check_sends_head_and_judges_the_code(void **state)
{
	struct fx	*f = *state;
	struct srv	*ok, *nf;
	struct rd_table	*t1, *t2;
	struct rd_host	*h1, *h2;

	ok = srv_new(f, AF_INET, SRV_ANSWER, 0,
	    "HTTP/1.0 200 OK\r\nServer: test\r\n\r\n");
	nf = srv_new(f, AF_INET, SRV_ANSWER, 0,
	    "HTTP/1.0 404 Not Found\r\n\r\n");
	t1 = table_add(f, CHECK_HTTP_CODE, ok->s_port, 500);
	strlcpy(t1->t_check.ck_path, "/", sizeof(t1->t_check.ck_path));
	t1->t_check.ck_code = 200;
	h1 = host_add(f, t1, "127.0.0.1");
	t2 = table_add(f, CHECK_HTTP_CODE, nf->s_port, 500);
	strlcpy(t2->t_check.ck_path, "/x", sizeof(t2->t_check.ck_path));
	strlcpy(t2->t_check.ck_host, "www.example.com",
	    sizeof(t2->t_check.ck_host));
	t2->t_check.ck_code = 200;
	h2 = host_add(f, t2, "127.0.0.1");
	engine(f, -1, -1);
	round_run(f);
	assert_int_equal(last(f, h1->h_id)->reason, HCE_HTTP_CODE_OK);
	assert_int_equal(last(f, h2->h_id)->reason, HCE_HTTP_CODE_FAIL);
	assert_int_equal(ok->s_seenlen, strlen("HEAD / HTTP/1.0\r\n\r\n"));
	assert_memory_equal(ok->s_seen, "HEAD / HTTP/1.0\r\n\r\n",
	    ok->s_seenlen);
	assert_int_equal(nf->s_seenlen, strlen("HEAD /x HTTP/1.1\r\n"
	    "Host: www.example.com\r\nConnection: close\r\n\r\n"));
}

static void
test_http_digest_check_hashes_the_body_until_close(void **state)
{
	struct fx	*f = *state;
	struct srv	*s;
	struct rd_table	*t;
	struct rd_host	*h;

	s = srv_new(f, AF_INET, SRV_ANSWER, 0,
	    "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nhello\n");
	t = table_add(f, CHECK_HTTP_DIGEST, s->s_port, 500);
	strlcpy(t->t_check.ck_path, "/hello", sizeof(t->t_check.ck_path));
	t->t_check.ck_digest_type = DIGEST_SHA1;
	strlcpy(t->t_check.ck_digest,
	    "f572d396fae9206628714fb2ce00f72e94f2258f",
	    sizeof(t->t_check.ck_digest));
	h = host_add(f, t, "127.0.0.1");
	engine(f, -1, -1);
	round_run(f);
	assert_int_equal(last(f, h->h_id)->reason, HCE_HTTP_DIGEST_OK);
	assert_memory_equal(s->s_seen, "GET /hello HTTP/1.0\r\n\r\n",
	    s->s_seenlen);
}

static void
test_silent_server_gives_tcp_read_timeout(void **state)
{
	struct fx	*f = *state;
	struct srv	*s;
	struct rd_table	*t;
	struct rd_host	*h;

	s = srv_new(f, AF_INET, SRV_SILENT, 0, "");
	t = table_add(f, CHECK_HTTP_CODE, s->s_port, 150);
	strlcpy(t->t_check.ck_path, "/", sizeof(t->t_check.ck_path));
	t->t_check.ck_code = 200;
	h = host_add(f, t, "127.0.0.1");
	engine(f, -1, -1);
	round_run(f);
	assert_int_equal(last(f, h->h_id)->reason, HCE_TCP_READ_TIMEOUT);
	assert_int_equal(s->s_accepted, 1);
}

static void
test_send_expect_matches_a_banner_before_close(void **state)
{
	struct fx	*f = *state;
	struct srv	*s1, *s2;
	struct rd_table	*t1, *t2;
	struct rd_host	*h1, *h2;

	s1 = srv_new(f, AF_INET, SRV_BANNER, 0, "SSH-2.0-OpenSSH_9.2\r\n");
	s2 = srv_new(f, AF_INET, SRV_ANSWER, 0, "\x05\x06pong");
	t1 = table_add(f, CHECK_SEND_EXPECT, s1->s_port, 500);
	t1->t_check.ck_send_nothing = 1;
	memcpy(t1->t_check.ck_expect, "SSH-2.0-*", 9);
	t1->t_check.ck_expectlen = 9;
	h1 = host_add(f, t1, "127.0.0.1");
	t2 = table_add(f, CHECK_BINARY, s2->s_port, 500);
	memcpy(t2->t_check.ck_send, "\x01\x02", 2);
	t2->t_check.ck_sendlen = 2;
	memcpy(t2->t_check.ck_expect, "\x05\x06", 2);
	t2->t_check.ck_expectlen = 2;
	h2 = host_add(f, t2, "127.0.0.1");
	engine(f, -1, -1);
	round_run(f);
	assert_int_equal(last(f, h1->h_id)->reason, HCE_SEND_EXPECT_OK);
	assert_int_equal(last(f, h2->h_id)->reason, HCE_SEND_EXPECT_OK);
	assert_memory_equal(s2->s_seen, "\x01\x02", 2);

	/* A banner that does not match, from a server that then keeps
	 * the connection open, is judged at the timeout (OpenBSD). */
	memcpy(t1->t_check.ck_expect, "220 *", 5);
	t1->t_check.ck_expectlen = 5;
	round_run(f);
	assert_int_equal(last(f, h1->h_id)->reason, HCE_SEND_EXPECT_FAIL);
	memcpy(t2->t_check.ck_expect, "\x05\x01", 2);
	assert_int_equal(last(f, h2->h_id)->reason, HCE_SEND_EXPECT_OK);
	round_run(f);
	assert_int_equal(last(f, h2->h_id)->reason, HCE_SEND_EXPECT_FAIL);
}

static void
test_tls_and_https_checks_against_a_libtls_server(void **state)
{
	struct fx	*f = *state;
	struct srv	*s1, *s2, *plain;
	struct rd_table	*t1, *t2, *t3;
	struct rd_host	*h1, *h2, *h3;

	s1 = srv_new(f, AF_INET, SRV_SILENT, 1, "");
	s2 = srv_new(f, AF_INET, SRV_ANSWER, 1,
	    "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nhello\n");
	plain = srv_new(f, AF_INET, SRV_ANSWER, 0, "not tls at all\r\n");
	t1 = table_add(f, CHECK_TLS, s1->s_port, 1000);
	h1 = host_add(f, t1, "127.0.0.1");
	t2 = table_add(f, CHECK_HTTP_DIGEST, s2->s_port, 1000);
	t2->t_check.ck_tls = 1;
	strlcpy(t2->t_check.ck_path, "/", sizeof(t2->t_check.ck_path));
	strlcpy(t2->t_check.ck_host, "hce.test", sizeof(t2->t_check.ck_host));
	t2->t_check.ck_digest_type = DIGEST_MD5;
	strlcpy(t2->t_check.ck_digest, "b1946ac92492d2347c6235b4d2611184",
	    sizeof(t2->t_check.ck_digest));
	h2 = host_add(f, t2, "127.0.0.1");
	t3 = table_add(f, CHECK_TLS, plain->s_port, 1000);
	h3 = host_add(f, t3, "127.0.0.1");
	engine(f, -1, -1);
	round_run(f);
	assert_int_equal(last(f, h1->h_id)->reason, HCE_TLS_CONNECT_OK);
	assert_int_equal(last(f, h2->h_id)->reason, HCE_HTTP_DIGEST_OK);
	assert_int_equal(last(f, h3->h_id)->reason, HCE_TLS_CONNECT_FAIL);
	assert_memory_equal(s2->s_seen, "GET / HTTP/1.1\r\nHost: hce.test\r\n",
	    32);

	/* A body until close_notify, no Content-Length. */
	s2->s_reply = "HTTP/1.0 200 OK\r\n\r\nhello\n";
	round_run(f);
	assert_int_equal(last(f, h2->h_id)->reason, HCE_HTTP_DIGEST_OK);
}

static void
test_icmp_echo_to_loopback(void **state)
{
	struct fx	*f = *state;
	struct rd_table	*t;
	struct rd_host	*h4, *h6;
	int		 fd4, fd6;

	fd4 = hce_icmp_open(AF_INET);
	fd6 = hce_icmp_open(AF_INET6);
	if (fd4 == -1 || fd6 == -1) {
		if (fd4 != -1)
			(void)close(fd4);
		if (fd6 != -1)
			(void)close(fd6);
		skip();
	}
	t = table_add(f, CHECK_ICMP, 0, 500);
	h4 = host_add(f, t, "127.0.0.1");
	h6 = host_add(f, t, "::1");
	h4->h_ttl = 2;
	engine(f, fd4, fd6);
	round_run(f);
	assert_int_equal(last(f, h4->h_id)->reason, HCE_ICMP_OK);
	assert_int_equal(last(f, h6->h_id)->reason, HCE_ICMP_OK);
	round_run(f);
	assert_int_equal(h4->h_checks, 2);
	assert_int_equal(h4->h_ups, 2);
}

static void
test_icmp_without_socket_fails_write_timeout(void **state)
{
	struct fx	*f = *state;
	struct rd_table	*t;
	struct rd_host	*h;

	t = table_add(f, CHECK_ICMP, 0, 100);
	h = host_add(f, t, "127.0.0.1");
	engine(f, -1, -1);
	round_run(f);
	assert_int_equal(last(f, h->h_id)->reason, HCE_ICMP_WRITE_TIMEOUT);
	assert_int_equal(h->h_state, HOST_DOWN);
}

static void
test_script_check_asks_the_parent_and_takes_its_answer(void **state)
{
	struct fx	*f = *state;
	struct rd_table	*t;
	struct rd_host	*h;
	struct timeval	 tv = { 0, 20000 };

	t = table_add(f, CHECK_SCRIPT, 0, 100);
	strlcpy(t->t_check.ck_path, "/bin/true", sizeof(t->t_check.ck_path));
	h = host_add(f, t, "127.0.0.1");
	engine(f, -1, -1);
	f->want_sync = 1;
	hce_poll(f->hce);
	assert_int_equal(f->nscript, 1);
	assert_int_equal(f->script_id, h->h_id);
	assert_int_equal(f->nsync, 0);
	(void)event_base_loopexit(f->base, &tv);
	(void)event_base_dispatch(f->base);
	assert_int_equal(f->nsync, 0);
	hce_script_done(f->hce, 99, 1);	/* no such check */
	assert_int_equal(f->nsync, 0);
	hce_script_done(f->hce, h->h_id, 1);
	assert_int_equal(f->nsync, 1);
	assert_int_equal(last(f, h->h_id)->reason, HCE_SCRIPT_OK);
	assert_int_equal(h->h_state, HOST_UP);

	/* No answer within the timeout (and grace): failed. */
	round_run(f);
	assert_int_equal(f->nscript, 2);
	assert_int_equal(last(f, h->h_id)->reason, HCE_SCRIPT_FAIL);
	hce_script_done(f->hce, h->h_id, 1);	/* late: dropped */
	assert_int_equal(h->h_state, HOST_DOWN);
}

static void
test_children_mirror_disabled_hosts_tables_skip(
    void **state)
{
	struct fx	*f = *state;
	struct srv	*s;
	struct rd_table	*t1, *t2;
	struct rd_host	*p, *c, *d, *x;

	s = srv_new(f, AF_INET, SRV_SILENT, 0, "");
	t1 = table_add(f, CHECK_TCP, s->s_port, 300);
	p = host_add(f, t1, "127.0.0.1");
	c = host_add(f, t1, "127.0.0.2");
	c->h_parentid = p->h_id;
	d = host_add(f, t1, "127.0.0.3");
	d->h_disabled = 1;
	t2 = table_add(f, CHECK_TCP, s->s_port, 300);
	t2->t_disabled = 1;
	x = host_add(f, t2, "127.0.0.1");
	engine(f, -1, -1);
	round_run(f);
	assert_int_equal(hce_nchecks(f->hce), 1);
	assert_int_equal(last(f, p->h_id)->reason, HCE_TCP_CONNECT_OK);
	assert_int_equal(last(f, c->h_id)->reason, HCE_TCP_CONNECT_OK);
	assert_int_equal(c->h_state, HOST_UP);
	assert_int_equal(nstatus(f, d->h_id), 0);
	assert_int_equal(nstatus(f, x->h_id), 0);
	assert_int_equal(s->s_accepted, 1);
}

static void
test_table_interval_checks_every_kth_round(void **state)
{
	struct fx	*f = *state;
	struct srv	*s;
	struct rd_table	*t1, *t3;
	struct rd_host	*h1, *h3;
	int		 i;

	s = srv_new(f, AF_INET, SRV_SILENT, 0, "");
	t1 = table_add(f, CHECK_TCP, s->s_port, 300);
	h1 = host_add(f, t1, "127.0.0.1");
	t3 = table_add(f, CHECK_TCP, s->s_port, 300);
	t3->t_interval = 3;
	h3 = host_add(f, t3, "127.0.0.1");
	engine(f, -1, -1);
	for (i = 0; i < 6; i++)
		round_run(f);
	assert_int_equal(nstatus(f, h1->h_id), 6);
	assert_int_equal(nstatus(f, h3->h_id), 2);
	assert_int_equal(hce_nrounds(f->hce), 6);
	assert_int_equal(f->nsync, 6);
}

static void
test_retry_budget_through_the_engine(void **state)
{
	struct fx	*f = *state;
	struct srv	*s;
	struct rd_table	*t;
	struct rd_host	*h;

	s = srv_new(f, AF_INET, SRV_SILENT, 0, "");
	t = table_add(f, CHECK_TCP, s->s_port, 300);
	h = host_add(f, t, "127.0.0.1");
	h->h_retry = 1;
	f->conf.c_log = CONF_LOG_STATE;
	engine(f, -1, -1);
	assert_int_equal(h->h_retry_left, 1);
	round_run(f);
	assert_int_equal(h->h_state, HOST_UP);
	t->t_port = closed_port();
	round_run(f);
	assert_int_equal(h->h_state, HOST_UP);
	assert_int_equal(h->h_reason, HCE_TCP_CONNECT_FAIL);
	round_run(f);
	assert_int_equal(h->h_state, HOST_DOWN);
	assert_int_equal(h->h_checks, 3);
	assert_int_equal(h->h_ups, 2);
}

static void
test_reload_aborts_running_checks_without_results(void **state)
{
	struct fx	*f = *state;
	struct srv	*s;
	struct rd_table	*t;
	struct rd_host	*h;
	struct timeval	 tv = { 0, 30000 };

	s = srv_new(f, AF_INET, SRV_SILENT, 0, "");
	t = table_add(f, CHECK_HTTP_CODE, s->s_port, 1000);
	strlcpy(t->t_check.ck_path, "/", sizeof(t->t_check.ck_path));
	h = host_add(f, t, "127.0.0.1");
	engine(f, -1, -1);
	f->want_sync = 1;
	hce_poll(f->hce);
	(void)event_base_loopexit(f->base, &tv);
	(void)event_base_dispatch(f->base);
	hce_set_conf(f->hce, &f->conf);
	assert_int_equal(nstatus(f, h->h_id), 0);
	assert_int_equal(f->nsync, 0);
	/* The engine runs on after it. */
	t->t_check.ck_type = CHECK_TCP;
	round_run(f);
	assert_int_equal(last(f, h->h_id)->reason, HCE_TCP_CONNECT_OK);
}

static void
test_start_runs_a_round_now_and_then_every_interval(void **state)
{
	struct fx	*f = *state;
	struct srv	*s;
	struct rd_table	*t;
	struct timeval	 tv = { 3, 0 };

	s = srv_new(f, AF_INET, SRV_SILENT, 0, "");
	t = table_add(f, CHECK_TCP, s->s_port, 100);
	(void)host_add(f, t, "127.0.0.1");
	engine(f, -1, -1);
	f->want_sync = 2;
	hce_start(f->hce);
	(void)event_base_loopexit(f->base, &tv);
	(void)event_base_dispatch(f->base);
	assert_int_equal(f->nsync, 2);
	assert_int_equal(hce_nrounds(f->hce), 2);
}

int
main(void)
{
	const struct CMUnitTest	 tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_tcp_check_is_up_on_open_port_down_on_closed,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_tcp_check_over_ipv6,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_tcp_connect_times_out_on_a_full_accept_queue,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_http_code_check_sends_head_and_judges_the_code,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_http_digest_check_hashes_the_body_until_close,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_silent_server_gives_tcp_read_timeout,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_send_expect_matches_a_banner_before_close,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_tls_and_https_checks_against_a_libtls_server,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_icmp_echo_to_loopback,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_icmp_without_socket_fails_write_timeout,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_script_check_asks_the_parent_and_takes_its_answer,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_children_mirror_disabled_hosts_tables_skip,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_table_interval_checks_every_kth_round,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_retry_budget_through_the_engine, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_reload_aborts_running_checks_without_results,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_start_runs_a_round_now_and_then_every_interval,
		    setup, teardown),
	};

	(void)signal(SIGPIPE, SIG_IGN);
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
