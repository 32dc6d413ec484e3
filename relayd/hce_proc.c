/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * The host check engine's process: runs hce.c's checks with no
 * privilege at all (its ICMP sockets are opened before the drop) and
 * reports every result to the pfe.  Script checks are run by the parent,
 * which may start programs as the relayd user; hce only asks.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <event2/event.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "relayd.h"
#include "hce.h"
#include "proc.h"

/* Host results for the pfe, sent together (see hcep_status). */
#define HCEP_BATCH	(MSG_MAXLEN / sizeof(struct m_host_status))

struct hcep {
	struct event_base	*hp_base;
	struct relayd_conf	*hp_conf;
	struct hce		*hp_hce;
	struct chan		 hp_parent;
	struct chan		 hp_pfe;
	uint32_t		 hp_gen;
	struct m_host_status	 hp_batch[HCEP_BATCH];
	size_t			 hp_nbatch;
};

static void
hcep_flush(struct hcep *hp)
{
	if (hp->hp_nbatch == 0)
		return;
	chan_send(&hp->hp_pfe, M_HOST_STATUS, hp->hp_batch,
	    hp->hp_nbatch * sizeof(hp->hp_batch[0]));
	hp->hp_nbatch = 0;
}

/*
 * A state change goes to the pfe at once (it moves traffic); results
 * that only move counters and reasons wait for the end of the round, so
 * a thousand checks a second cost a message a round, not one a check.
 */
static void
hcep_status(void *arg, const struct rd_host *h, int changed)
{
	struct hcep		*hp = arg;
	struct m_host_status	*hs;

	hs = &hp->hp_batch[hp->hp_nbatch++];
	memset(hs, 0, sizeof(*hs));
	hs->hs_gen = hp->hp_gen;
	hs->hs_id = h->h_id;
	hs->hs_state = h->h_state;
	hs->hs_reason = h->h_reason;
	hs->hs_retry_left = h->h_retry_left;
	hs->hs_checks = h->h_checks;
	hs->hs_ups = h->h_ups;
	if (changed || hp->hp_nbatch == HCEP_BATCH)
		hcep_flush(hp);
}

static void
hcep_sync(void *arg)
{
	struct hcep	*hp = arg;

	hcep_flush(hp);
	chan_send(&hp->hp_pfe, M_SYNC, NULL, 0);
}

static void
hcep_script(void *arg, const struct rd_host *h)
{
	struct hcep	*hp = arg;
	uint32_t	 id = h->h_id;

	chan_send(&hp->hp_parent, M_SCRIPT_RUN, &id, sizeof(id));
}

static const struct hce_ops hcep_ops = {
	hcep_status, hcep_sync, hcep_script
};

/* The id of a message made for our configuration, or -1. */
static int
msg_id(const struct hcep *hp, const struct msg *m, uint32_t *id)
{
	struct m_id	 mi;

	if (m->m_len != sizeof(mi))
		return (-1);
	memcpy(&mi, m->m_data, sizeof(mi));
	if (mi.mi_gen != hp->hp_gen)
		return (-1);
	*id = mi.mi_id;
	return (0);
}

static void
hcep_dispatch_parent(struct chan *ch, struct msg *m, void *arg)
{
	struct hcep		*hp = arg;
	struct relayd_conf	*nc;
	struct m_script		 sc;
	uint32_t		 gen;

	switch (m->m_type) {
	case M_CFG_TEXT:
	case M_CFG_END:
		if ((nc = chan_recv_conf(ch, m, &gen)) == NULL)
			break;
		/* Results so far name hosts of the old configuration. */
		hcep_flush(hp);
		conf_merge_state(nc, hp->hp_conf);
		hce_set_conf(hp->hp_hce, nc);
		conf_free(hp->hp_conf);
		hp->hp_conf = nc;
		hp->hp_gen = gen;
		break;
	case M_SCRIPT_DONE:
		if (m->m_len != sizeof(sc))
			break;
		memcpy(&sc, m->m_data, sizeof(sc));
		hce_script_done(hp->hp_hce, sc.sc_id, sc.sc_result);
		break;
	case M_LOG_VERBOSE:
		(void)chan_recv_verbose(m);
		break;
	default:
		log_warnx("hce: unexpected message %u from the parent",
		    m->m_type);
		break;
	}
}

static void
hcep_dispatch_pfe(struct chan *ch, struct msg *m, void *arg)
{
	struct hcep	*hp = arg;
	struct rd_host	*h, *c;
	struct rd_table	*t;
	uint32_t	 id;

	(void)ch;
	switch (m->m_type) {
	case M_POLL:
		hce_poll(hp->hp_hce);
		return;
	case M_HOST_ENABLE:
	case M_HOST_DISABLE:
		if (msg_id(hp, m, &id) == -1 ||
		    (h = conf_host(hp->hp_conf, id)) == NULL)
			break;
		TAILQ_FOREACH(t, &hp->hp_conf->c_tables, t_entry)
			TAILQ_FOREACH(c, &t->t_hosts, h_entry)
				if (c == h || c->h_parentid == id) {
					hce_host_reset(c);
					c->h_disabled =
					    m->m_type == M_HOST_DISABLE;
				}
		return;
	case M_TABLE_ENABLE:
	case M_TABLE_DISABLE:
		if (msg_id(hp, m, &id) == -1 ||
		    (t = conf_table(hp->hp_conf, id)) == NULL)
			break;
		t->t_disabled = m->m_type == M_TABLE_DISABLE;
		if (!t->t_disabled)
			TAILQ_FOREACH(h, &t->t_hosts, h_entry)
				if (!h->h_disabled)
					hce_host_reset(h);
		return;
	default:
		break;
	}
	log_warnx("hce: bad message %u from pfe", m->m_type);
}

void
hce_main(struct relayd_conf *conf, int parentfd, int pfefd, int verbose)
{
	struct hcep	 hp;
	int		 icmp4, icmp6;

	memset(&hp, 0, sizeof(hp));
	hp.hp_conf = conf;
	log_setverbose(verbose);
	/* ^C reaches the whole process group: the parent coordinates the
	 * stop.  SIGTERM (the parent's cleanup) ends the child. */
	(void)signal(SIGINT, SIG_IGN);
	(void)signal(SIGTERM, SIG_DFL);
	(void)signal(SIGHUP, SIG_IGN);
	(void)signal(SIGPIPE, SIG_IGN);
	/* HCE-1: raw sockets made before the drop. */
	icmp4 = hce_icmp_open(AF_INET);
	icmp6 = hce_icmp_open(AF_INET6);
	proc_drop("hce");
	if ((hp.hp_base = event_base_new()) == NULL)
		fatalx("hce: event_base_new");
	if (chan_init(&hp.hp_parent, hp.hp_base, parentfd, "parent",
	    hcep_dispatch_parent, &hp) == -1 ||
	    chan_init(&hp.hp_pfe, hp.hp_base, pfefd, "pfe", hcep_dispatch_pfe,
	    &hp) == -1)
		fatalx("hce: channels");
	if ((hp.hp_hce = hce_new(hp.hp_base, conf, &hcep_ops, &hp, icmp4,
	    icmp6)) == NULL)
		fatalx("hce: cannot start the check engine");
	hce_start(hp.hp_hce);
	(void)event_base_dispatch(hp.hp_base);
	_exit(0);
}
