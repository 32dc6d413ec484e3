/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * The ca process (PRIV-5): holds the private keys and answers its relay
 * process's private operations (ca.c).  It opens nothing, has no
 * network, and is not dumpable, so its relay cannot read its memory.
 */

#include <sys/types.h>
#include <sys/prctl.h>
#include <sys/socket.h>

#include <errno.h>
#include <event2/event.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ca.h"
#include "log.h"
#include "proc.h"
#include "relayd.h"

struct ca_proc {
	struct event_base *cp_base;
	struct chan	 cp_parent;
	int		 cp_relay;
	struct event	*cp_relay_ev;
	struct event	*cp_wait_ev;
	struct ca_store	*cp_store;
	struct chunked	 cp_in;		/* M_CA_KEYS being received */
	struct ca_req	 cp_held;	/* for a key not here yet */
	size_t		 cp_heldlen;
};

static void
ca_reply(struct ca_proc *cp, const void *req, size_t len)
{
	struct ca_rep	 rep;
	size_t		 n;

	n = ca_store_answer(cp->cp_store, req, len, &rep);
	if (rep.cp_ret < 0)
		log_warnx("ca: refused a request of %zu bytes", len);
	if (send(cp->cp_relay, &rep, n, MSG_NOSIGNAL) == -1 &&
	    errno != EAGAIN)
		log_warn("ca: reply");
	explicit_bzero(&rep, sizeof(rep));
}

/* A held request is answered when its key comes, or refused. */
static void
ca_release(struct ca_proc *cp)
{
	if (cp->cp_heldlen == 0)
		return;
	(void)event_del(cp->cp_wait_ev);
	ca_reply(cp, &cp->cp_held, cp->cp_heldlen);
	explicit_bzero(&cp->cp_held, sizeof(cp->cp_held));
	cp->cp_heldlen = 0;
}

static void
ca_wait_done(int fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	ca_release(arg);
}

static void
ca_relay_read(int fd, short ev, void *arg)
{
	struct ca_proc	*cp = arg;
	struct ca_req	 req;
	struct timeval	 tv = { 0, (CA_TIMEOUT_MS - 100) * 1000 };
	ssize_t		 n;

	(void)ev;
	if ((n = recv(fd, &req, sizeof(req), MSG_DONTWAIT)) == -1) {
		if (errno == EAGAIN || errno == EINTR)
			return;
		fatal("ca: relay channel");
	}
	if (n == 0) {
		log_debug("ca: the relay closed its channel");
		exit(0);
	}
	/*
	 * The parent sends keys before the configuration that uses them,
	 * but on another channel: a first request may come first.
	 */
	if ((size_t)n >= CA_REQ_HDR && !ca_store_has(cp->cp_store, &req)) {
		ca_release(cp);
		memcpy(&cp->cp_held, &req, (size_t)n);
		cp->cp_heldlen = (size_t)n;
		(void)event_add(cp->cp_wait_ev, &tv);
	} else
		ca_reply(cp, &req, (size_t)n);
	explicit_bzero(&req, sizeof(req));
}

static void
ca_keys_chunk(struct ca_proc *cp, const struct msg *m)
{
	switch (chunked_add(&cp->cp_in, m)) {
	case -1:
		fatalx("ca: keys out of order, too large or no memory");
	case 0:
		return;
	default:
		break;
	}
	if (ca_store_add(cp->cp_store, cp->cp_in.cb_buf, cp->cp_in.cb_total,
	    cp->cp_in.cb_gen) == -1)
		fatalx("ca: bad keys from the parent");
	chunked_free(&cp->cp_in);
}

static void
ca_dispatch_parent(struct chan *ch, struct msg *m, void *arg)
{
	struct ca_proc	*cp = arg;
	uint32_t	 gen;

	(void)ch;
	switch (m->m_type) {
	case M_CA_KEYS:
		ca_keys_chunk(cp, m);
		break;
	case M_CA_COMMIT:
		if (m->m_len != sizeof(gen))
			break;
		memcpy(&gen, m->m_data, sizeof(gen));
		ca_store_commit(cp->cp_store, gen);
		log_debug("ca: generation %u, %zu keys", gen,
		    ca_store_count(cp->cp_store));
		if (cp->cp_heldlen > 0 &&
		    ca_store_has(cp->cp_store, &cp->cp_held))
			ca_release(cp);
		break;
	case M_LOG_VERBOSE:
		(void)chan_recv_verbose(m);
		break;
	default:
		log_warnx("ca: unexpected message %u from the parent",
		    m->m_type);
		break;
	}
}

void
ca_main(int index, int parentfd, int relayfd, int verbose)
{
	static struct ca_proc	 cp;
	char			 title[32];

	memset(&cp, 0, sizeof(cp));
	cp.cp_relay = relayfd;
	log_setverbose(verbose);
	(void)signal(SIGINT, SIG_IGN);
	(void)signal(SIGTERM, SIG_DFL);
	(void)signal(SIGHUP, SIG_IGN);
	(void)signal(SIGPIPE, SIG_IGN);
	(void)snprintf(title, sizeof(title), "ca %d", index);
	proc_drop(title);
	/* Relay processes run as the same user: no ptrace, no
	 * /proc/PID/mem for them. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1)
		fatal("ca: PR_SET_DUMPABLE");
	if ((cp.cp_store = ca_store_new()) == NULL ||
	    (cp.cp_base = event_base_new()) == NULL)
		fatalx("ca: out of memory");
	if (chan_init(&cp.cp_parent, cp.cp_base, parentfd, "parent",
	    ca_dispatch_parent, &cp) == -1 ||
	    (cp.cp_relay_ev = event_new(cp.cp_base, relayfd,
	    EV_READ | EV_PERSIST, ca_relay_read, &cp)) == NULL ||
	    event_add(cp.cp_relay_ev, NULL) == -1 ||
	    (cp.cp_wait_ev = evtimer_new(cp.cp_base, ca_wait_done,
	    &cp)) == NULL)
		fatalx("ca: channels");
	(void)event_base_dispatch(cp.cp_base);
	_exit(0);
}
