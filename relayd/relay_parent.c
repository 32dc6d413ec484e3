/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * The parent's side of relays: it makes the listening sockets (with
 * IP_FREEBIND, so a backup listens on a VIP carpd has not given it yet)
 * and reads the TLS files, both while it is still allowed to, and hands
 * them to the relay processes with each configuration.  A socket whose
 * address and port stay across a reload is the same socket, so no
 * connection waiting in its queue is lost.  It also makes the session
 * ticket keys (TLS-12), so that every relay process resumes the
 * tickets of every other.
 */

#include <sys/socket.h>

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <tls.h>

#include "log.h"
#include "relay_parent.h"
#include "relay_tls.h"

_Static_assert(sizeof(((struct m_relay_ticket *)0)->tk_key) ==
    TLS_TICKET_KEY_SIZE, "ticket key size");

static void	 ticket_send(struct relay_parent *, struct chan *);
static void	 ticket_rotate(evutil_socket_t, short, void *);

static void
sock_key(const struct sockaddr_storage *ss, uint16_t port, char *key,
    size_t len)
{
	char	 host[NI_MAXHOST];

	if (getnameinfo((const struct sockaddr *)ss, ss->ss_family == AF_INET ?
	    sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6), host,
	    sizeof(host), NULL, 0, NI_NUMERICHOST) != 0)
		(void)strlcpy(host, "?", sizeof(host));
	(void)snprintf(key, len, "[%s]:%u", host, port);
}

static int
listen_socket(const struct sockaddr_storage *ss0, uint16_t port,
    const struct rd_protocol *p, int tproxy, const char *key, char *err,
    size_t errlen)
{
	struct sockaddr_storage	 ss = *ss0;
	socklen_t		 sl;
	int			 fd, on = 1, backlog, dgram;

	if (ss.ss_family == AF_INET) {
		((struct sockaddr_in *)&ss)->sin_port = htons(port);
		sl = sizeof(struct sockaddr_in);
	} else {
		((struct sockaddr_in6 *)&ss)->sin6_port = htons(port);
		sl = sizeof(struct sockaddr_in6);
	}
	backlog = p != NULL && p->p_backlog > 0 ? p->p_backlog :
	    RELAYD_BACKLOG;
	/* PRO-3: a DNS relay listens on UDP */
	dgram = p != NULL && p->p_type == PROTO_DNS;
	if ((fd = socket(ss.ss_family, (dgram ? SOCK_DGRAM : SOCK_STREAM) |
	    SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) == -1)
		goto fail;
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	/* REL-2 and the issue: listen on a VIP the box does not hold yet */
	if (ss.ss_family == AF_INET)
		(void)setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &on, sizeof(on));
	else {
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on,
		    sizeof(on));
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_FREEBIND, &on,
		    sizeof(on));
	}
	if (p != NULL && p->p_bufsize > 0) {
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &p->p_bufsize,
		    sizeof(p->p_bufsize));
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &p->p_bufsize,
		    sizeof(p->p_bufsize));
	}
	/* REL-7: an nft tproxy rule hands it flows for other addresses;
	 * getsockname() of each then gives the original destination */
	if (tproxy && setsockopt(fd, ss.ss_family == AF_INET ? SOL_IP :
	    SOL_IPV6, ss.ss_family == AF_INET ? IP_TRANSPARENT :
	    IPV6_TRANSPARENT, &on, sizeof(on)) == -1)
		goto fail;
	if (p != NULL && p->p_minttl > 0)	/* TCP-6, GTSM */
		(void)setsockopt(fd, ss.ss_family == AF_INET ? IPPROTO_IP :
		    IPPROTO_IPV6, ss.ss_family == AF_INET ? IP_MINTTL :
		    IPV6_MINHOPCOUNT, &p->p_minttl, sizeof(p->p_minttl));
	if (bind(fd, (struct sockaddr *)&ss, sl) == -1 ||
	    (!dgram && listen(fd, backlog) == -1))
		goto fail;
	return (fd);
 fail:
	(void)snprintf(err, errlen, "relay listener %s: %s", key,
	    strerror(errno));
	if (fd != -1)
		(void)close(fd);
	return (-1);
}

static int
relay_tproxy(const struct rd_relay *rl)
{
	const struct rd_relay_fwd	*f;

	TAILQ_FOREACH(f, &rl->rl_fwds, f_entry)
		if (f->f_type == FWD_DESTINATION)
			return (1);
	return (0);
}

static struct relay_sock *
sock_find(struct relay_socks *socks, const char *key)
{
	struct relay_sock	*rs;

	TAILQ_FOREACH(rs, socks, rs_entry)
		if (strcmp(rs->rs_key, key) == 0)
			return (rs);
	return (NULL);
}

void
relay_prep_free(struct relay_prep *rp)
{
	struct relay_prep_tls	*t;

	while ((t = TAILQ_FIRST(&rp->rp_tls)) != NULL) {
		TAILQ_REMOVE(&rp->rp_tls, t, pt_entry);
		if (t->pt_buf != NULL) {
			explicit_bzero(t->pt_buf, t->pt_len);
			free(t->pt_buf);
		}
		free(t);
	}
	ca_keys_free(&rp->rp_cakeys);
}

static void
socks_close(struct relay_socks *socks)
{
	struct relay_sock	*rs;

	while ((rs = TAILQ_FIRST(socks)) != NULL) {
		TAILQ_REMOVE(socks, rs, rs_entry);
		if (rs->rs_fd != -1)
			(void)close(rs->rs_fd);
		free(rs);
	}
}

/* A prepared configuration that will not be used (a reload that failed
 * later): what it opened closes, the running set stays. */
void
relay_prep_abort(struct relay_parent *rpa, struct relay_prep *rp)
{
	struct relay_sock	*rs;

	(void)rpa;
	while ((rs = TAILQ_FIRST(&rp->rp_socks)) != NULL) {
		TAILQ_REMOVE(&rp->rp_socks, rs, rs_entry);
		if (!rs->rs_reused && rs->rs_fd != -1)
			(void)close(rs->rs_fd);
		free(rs);
	}
	relay_prep_free(rp);
}

/* PRIV-5: the relays get stand-ins, the ca processes the keys. */
static int
split_keys(const struct rd_relay *rl, struct relay_tls_files *tf,
    struct ca_keys *keys, char *err, size_t errlen)
{
	struct relay_tls_keypair	*kf;
	char				 e[256];
	int				 i, k;

	for (i = 0; i < tf->tf_nlisten; i++)
		for (k = 0; k < tf->tf_listen[i].tl_nkp; k++) {
			kf = &tf->tf_listen[i].tl_kp[k];
			if (ca_split(kf->kf_name, &kf->kf_key, &kf->kf_keylen,
			    NULL, kf->kf_cert, kf->kf_certlen, keys, e,
			    sizeof(e)) == -1) {
				(void)snprintf(err, errlen, "relay %s: %s",
				    rl->rl_name, e);
				return (-1);
			}
		}
	if (tf->tf_cakey != NULL && ca_split("ca key", &tf->tf_cakey,
	    &tf->tf_cakeylen, rl->rl_proto != NULL ?
	    rl->rl_proto->p_ca_pass : NULL, tf->tf_cacert, tf->tf_cacertlen,
	    keys, e, sizeof(e)) == -1) {
		(void)snprintf(err, errlen, "relay %s: %s", rl->rl_name, e);
		return (-1);
	}
	return (0);
}

int
relay_prepare(struct relay_parent *rpa, const struct relayd_conf *c,
    const char *sslroot, struct relay_prep *rp, char *err, size_t errlen)
{
	const struct rd_relay	*rl;
	struct relay_sock	*rs, *old;
	struct relay_prep_tls	*t;
	struct relay_tls_files	 files;
	char			 key[NI_MAXHOST + 16];
	int			 i, tls;

	memset(rp, 0, sizeof(*rp));
	TAILQ_INIT(&rp->rp_socks);
	TAILQ_INIT(&rp->rp_tls);
	TAILQ_FOREACH(rl, &c->c_relays, rl_entry) {
		tls = 0;
		for (i = 0; i < rl->rl_nlisten; i++) {
			tls |= rl->rl_listen[i].rl_tls;
			sock_key(&rl->rl_listen[i].rl_ss,
			    rl->rl_listen[i].rl_port, key, sizeof(key));
			if (sock_find(&rp->rp_socks, key) != NULL) {
				(void)snprintf(err, errlen, "relay %s: %s is "
				    "listened on twice", rl->rl_name, key);
				goto fail;
			}
			if ((rs = calloc(1, sizeof(*rs))) == NULL)
				goto nomem;
			(void)strlcpy(rs->rs_key, key, sizeof(rs->rs_key));
			rs->rs_relay = rl->rl_id;
			rs->rs_idx = (uint32_t)i;
			rs->rs_fd = -1;
			TAILQ_INSERT_TAIL(&rp->rp_socks, rs, rs_entry);
			if ((old = sock_find(&rpa->rpa_socks, key)) != NULL) {
				rs->rs_fd = old->rs_fd;
				rs->rs_reused = 1;
			} else if ((rs->rs_fd = listen_socket(
			    &rl->rl_listen[i].rl_ss, rl->rl_listen[i].rl_port,
			    rl->rl_proto, relay_tproxy(rl), key, err,
			    errlen)) == -1)
				goto fail;
		}
		/* TLS material: listeners with tls, or TLS to backends */
		if (!tls && (TAILQ_FIRST(&rl->rl_fwds) == NULL ||
		    !TAILQ_FIRST(&rl->rl_fwds)->f_tls))
			continue;
		memset(&files, 0, sizeof(files));
		if (relay_tls_load(rl, rl->rl_proto, sslroot, &files, err,
		    errlen) == -1)
			goto fail;
		if (split_keys(rl, &files, &rp->rp_cakeys, err, errlen) ==
		    -1) {
			relay_tls_files_free(&files);
			goto fail;
		}
		if ((t = calloc(1, sizeof(*t))) == NULL) {
			relay_tls_files_free(&files);
			goto nomem;
		}
		t->pt_relay = rl->rl_id;
		TAILQ_INSERT_TAIL(&rp->rp_tls, t, pt_entry);
		if (relay_tls_files_pack(&files, &t->pt_buf, &t->pt_len) ==
		    -1) {
			relay_tls_files_free(&files);
			goto nomem;
		}
		relay_tls_files_free(&files);
	}
	return (0);
 nomem:
	(void)snprintf(err, errlen, "out of memory");
 fail:
	/* sockets made for this attempt go; reused ones stay the old's */
	relay_prep_abort(rpa, rp);
	return (-1);
}

void
relay_send(struct relay_parent *rpa, const struct relayd_conf *c,
    uint32_t gen, struct relay_prep *rp)
{
	struct relay_sock	*rs, *old;
	struct relay_prep_tls	*t;
	struct m_relay_listen	 ml;
	int			 i;

	/* Keys first: a relay asks for them as soon as it serves. */
	for (i = 0; i < rpa->rpa_n; i++) {
		chan_send_chunked(&rpa->rpa_cas[i], M_CA_KEYS, gen, 0,
		    rp->rp_cakeys.ck_buf, rp->rp_cakeys.ck_len);
		chan_send(&rpa->rpa_cas[i], M_CA_COMMIT, &gen, sizeof(gen));
	}
	for (i = 0; i < rpa->rpa_n; i++) {
		struct chan *ch = &rpa->rpa_chans[i];

		chan_send_conf(ch, c, gen);
		TAILQ_FOREACH(rs, &rp->rp_socks, rs_entry) {
			ml.ml_gen = gen;
			ml.ml_relay = rs->rs_relay;
			ml.ml_idx = rs->rs_idx;
			chan_send_fd(ch, M_RELAY_LISTEN, &ml, sizeof(ml),
			    rs->rs_fd);
		}
		TAILQ_FOREACH(t, &rp->rp_tls, pt_entry)
			chan_send_chunked(ch, M_RELAY_TLS, gen, t->pt_relay,
			    t->pt_buf, t->pt_len);
		chan_send(ch, M_RELAY_COMMIT, &gen, sizeof(gen));
		ticket_send(rpa, ch);
	}
	/* The new set is ours now; sockets nobody listens on any more
	 * close (the relay processes close their copies at commit). */
	while ((old = TAILQ_FIRST(&rpa->rpa_socks)) != NULL) {
		TAILQ_REMOVE(&rpa->rpa_socks, old, rs_entry);
		if (sock_find(&rp->rp_socks, old->rs_key) == NULL)
			(void)close(old->rs_fd);
		free(old);
	}
	TAILQ_CONCAT(&rpa->rpa_socks, &rp->rp_socks, rs_entry);
	relay_prep_free(rp);
}

void
relay_parent_close(struct relay_parent *rpa)
{
	int	 i;

	socks_close(&rpa->rpa_socks);
	for (i = 0; i < rpa->rpa_n; i++) {
		chan_close(&rpa->rpa_chans[i]);
		chan_close(&rpa->rpa_cas[i]);
	}
	if (rpa->rpa_ticket_ev != NULL) {
		event_free(rpa->rpa_ticket_ev);
		rpa->rpa_ticket_ev = NULL;
	}
	explicit_bzero(&rpa->rpa_ticket, sizeof(rpa->rpa_ticket));
}

/* The current ticket key to one relay process, once there is one. */
static void
ticket_send(struct relay_parent *rpa, struct chan *ch)
{
	if (rpa->rpa_ticket_ev != NULL)
		chan_send(ch, M_RELAY_TICKET, &rpa->rpa_ticket,
		    sizeof(rpa->rpa_ticket));
}

/* A new key under the next revision; the relays keep the old ones for
 * the tickets made with them. */
static void
ticket_rotate(evutil_socket_t fd, short what, void *arg)
{
	struct relay_parent	*rpa = arg;
	int			 i;

	(void)fd;
	(void)what;
	rpa->rpa_ticket.tk_keyrev++;
	arc4random_buf(rpa->rpa_ticket.tk_key,
	    sizeof(rpa->rpa_ticket.tk_key));
	for (i = 0; i < rpa->rpa_n; i++)
		ticket_send(rpa, &rpa->rpa_chans[i]);
	log_debug("session ticket key %u", rpa->rpa_ticket.tk_keyrev);
}

void
relay_tickets_start(struct relay_parent *rpa, struct event_base *base)
{
	struct timeval	 tv = { RELAY_TLS_TICKET_LIFETIME / 4, 0 };

	if ((rpa->rpa_ticket_ev = event_new(base, -1, EV_PERSIST,
	    ticket_rotate, rpa)) == NULL ||
	    event_add(rpa->rpa_ticket_ev, &tv) == -1)
		fatalx("session ticket timer");
	/* a random start: a restarted daemon names its keys anew */
	rpa->rpa_ticket.tk_keyrev = arc4random();
	ticket_rotate(-1, 0, rpa);
}
