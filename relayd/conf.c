/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * Lookups in a parsed configuration, and the carrying of run-time state
 * over a reload (conf_merge_state()).  Pure: no I/O.
 */

#include <sys/queue.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "conf_l7.h"
#include "relayd.h"

static int	 ss_equal(const struct sockaddr_storage *,
		    const struct sockaddr_storage *);
static const struct rd_host *host_find(const struct rd_table *,
		    const struct rd_host *);
static uint32_t	 bucket_map(const struct relayd_conf *,
		    const struct relayd_conf *, uint32_t);

struct rd_host *
conf_host(const struct relayd_conf *c, uint32_t id)
{
	struct rd_table	*t;
	struct rd_host	*h;

	if (id == 0)
		return (NULL);
	TAILQ_FOREACH(t, &c->c_tables, t_entry)
		TAILQ_FOREACH(h, &t->t_hosts, h_entry)
			if (h->h_id == id)
				return (h);
	return (NULL);
}

/* The first host by that name, in id order. */
struct rd_host *
conf_host_byname(const struct relayd_conf *c, const char *name)
{
	struct rd_table	*t;
	struct rd_host	*h;

	TAILQ_FOREACH(t, &c->c_tables, t_entry)
		TAILQ_FOREACH(h, &t->t_hosts, h_entry)
			if (strcmp(h->h_name, name) == 0)
				return (h);
	return (NULL);
}

struct rd_table *
conf_table(const struct relayd_conf *c, uint32_t id)
{
	struct rd_table	*t;

	TAILQ_FOREACH(t, &c->c_tables, t_entry)
		if (t->t_id == id)
			return (t);
	return (NULL);
}

/* By the shown name ("web:80"). */
struct rd_table *
conf_table_byname(const struct relayd_conf *c, const char *name)
{
	struct rd_table	*t;

	TAILQ_FOREACH(t, &c->c_tables, t_entry)
		if (strcmp(t->t_name, name) == 0)
			return (t);
	return (NULL);
}

struct rd_redirect *
conf_redirect(const struct relayd_conf *c, uint32_t id)
{
	struct rd_redirect	*r;

	TAILQ_FOREACH(r, &c->c_redirects, r_entry)
		if (r->r_id == id)
			return (r);
	return (NULL);
}

struct rd_redirect *
conf_redirect_byname(const struct relayd_conf *c, const char *name)
{
	struct rd_redirect	*r;

	TAILQ_FOREACH(r, &c->c_redirects, r_entry)
		if (strcmp(r->r_name, name) == 0)
			return (r);
	return (NULL);
}

struct rd_template *
conf_template(const struct relayd_conf *c, const char *name)
{
	struct rd_templates	*tps = c->c_templates;
	struct rd_template	*tp;

	if (tps == NULL)
		return (NULL);
	TAILQ_FOREACH(tp, tps, tp_entry)
		if (strcmp(tp->tp_name, name) == 0)
			return (tp);
	return (NULL);
}

struct rd_protocol *
conf_protocol_byname(const struct relayd_conf *c, const char *name)
{
	struct rd_protocol	*p;

	TAILQ_FOREACH(p, &c->c_protocols, p_entry)
		if (strcmp(p->p_name, name) == 0)
			return (p);
	return (NULL);
}

struct rd_relay *
conf_relay_byname(const struct relayd_conf *c, const char *name)
{
	struct rd_relay	*rl;

	TAILQ_FOREACH(rl, &c->c_relays, rl_entry)
		if (strcmp(rl->rl_name, name) == 0)
			return (rl);
	return (NULL);
}

/* Field by field: the buffers past their lengths do not count. */
int
conf_check_equal(const struct rd_check *a, const struct rd_check *b)
{
	return (a->ck_type == b->ck_type && a->ck_tls == b->ck_tls &&
	    strcmp(a->ck_path, b->ck_path) == 0 &&
	    strcmp(a->ck_host, b->ck_host) == 0 &&
	    a->ck_code == b->ck_code &&
	    a->ck_digest_type == b->ck_digest_type &&
	    strcmp(a->ck_digest, b->ck_digest) == 0 &&
	    a->ck_send_nothing == b->ck_send_nothing &&
	    a->ck_sendlen == b->ck_sendlen &&
	    memcmp(a->ck_send, b->ck_send, a->ck_sendlen) == 0 &&
	    a->ck_expectlen == b->ck_expectlen &&
	    memcmp(a->ck_expect, b->ck_expect, a->ck_expectlen) == 0);
}

static int
ss_equal(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	const struct sockaddr_in	*a4, *b4;
	const struct sockaddr_in6	*a6, *b6;

	if (a->ss_family != b->ss_family)
		return (0);
	if (a->ss_family == AF_INET) {
		a4 = (const struct sockaddr_in *)a;
		b4 = (const struct sockaddr_in *)b;
		return (a4->sin_addr.s_addr == b4->sin_addr.s_addr);
	}
	if (a->ss_family == AF_INET6) {
		a6 = (const struct sockaddr_in6 *)a;
		b6 = (const struct sockaddr_in6 *)b;
		return (memcmp(&a6->sin6_addr, &b6->sin6_addr,
		    sizeof(a6->sin6_addr)) == 0 &&
		    a6->sin6_scope_id == b6->sin6_scope_id);
	}
	return (0);
}

/* The host of old table t with h's name and address, or NULL. */
static const struct rd_host *
host_find(const struct rd_table *t, const struct rd_host *h)
{
	const struct rd_host	*o;

	TAILQ_FOREACH(o, &t->t_hosts, h_entry)
		if (strcmp(o->h_name, h->h_name) == 0 &&
		    ss_equal(&o->h_ss, &h->h_ss))
			return (o);
	return (NULL);
}

/*
 * Host state carries over when the table keeps its name and its check;
 * a table disabled at run time (relayctl, not the file) stays disabled,
 * and so does a redirect disabled before.  Buckets and status follow a
 * redirect by name, so no map empties across a reload (PP-1).
 */
void
conf_merge_state(struct relayd_conf *newc, const struct relayd_conf *oldc)
{
	struct rd_table			*t;
	const struct rd_table		*ot;
	struct rd_host			*h;
	const struct rd_host		*oh;
	struct rd_redirect		*r;
	const struct rd_redirect	*orr;
	const struct rd_template	*otp;
	int				 i;

	if (newc == NULL || oldc == NULL)
		return;
	TAILQ_FOREACH(t, &newc->c_tables, t_entry) {
		if ((ot = conf_table_byname(oldc, t->t_name)) == NULL)
			continue;
		otp = conf_template(oldc, ot->t_template);
		if (ot->t_disabled && otp != NULL && !otp->tp_disabled)
			t->t_disabled = 1;
		if (strcmp(t->t_demote, ot->t_demote) == 0)
			t->t_demoted = ot->t_demoted;
		if (!conf_check_equal(&t->t_check, &ot->t_check))
			continue;
		t->t_up = 0;
		TAILQ_FOREACH(h, &t->t_hosts, h_entry) {
			if ((oh = host_find(ot, h)) == NULL)
				continue;
			h->h_state = oh->h_state;
			h->h_disabled = oh->h_disabled;
			h->h_retry_left = oh->h_retry_left;
			h->h_reason = oh->h_reason;
			h->h_checks = oh->h_checks;
			h->h_ups = oh->h_ups;
			if (h->h_state == HOST_UP && !h->h_disabled)
				t->t_up++;
		}
	}
	TAILQ_FOREACH(r, &newc->c_redirects, r_entry) {
		if ((orr = conf_redirect_byname(oldc, r->r_name)) == NULL)
			continue;
		/* relayctl's enable or disable outlives a reload; without
		 * one, the file's word counts. */
		if (orr->r_ctl != 0) {
			r->r_ctl = orr->r_ctl;
			r->r_disabled = orr->r_ctl == 2;
		}
		r->r_status = orr->r_status;
		for (i = 0; i < RELAYD_BUCKETS; i++)
			r->r_buckets[i] = bucket_map(newc, oldc,
			    orr->r_buckets[i]);
	}
}

/*
 * An old host id to the id of the same host (table name, name, address)
 * in the new configuration, or 0: ids may shift over a reload (IMP-13).
 */
static uint32_t
bucket_map(const struct relayd_conf *newc, const struct relayd_conf *oldc,
    uint32_t id)
{
	const struct rd_host	*oh, *nh;
	const struct rd_table	*nt;

	if (id == 0 || (oh = conf_host(oldc, id)) == NULL ||
	    oh->h_table == NULL ||
	    (nt = conf_table_byname(newc, oh->h_table->t_name)) == NULL ||
	    (nh = host_find(nt, oh)) == NULL)
		return (0);
	return (nh->h_id);
}

uint16_t
conf_ss_port(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return (ntohs(((const struct sockaddr_in *)(const void *)ss)->
		    sin_port));
	return (ntohs(((const struct sockaddr_in6 *)(const void *)ss)->
	    sin6_port));
}

const char *
conf_ss_str(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	const void	*a;

	if (ss->ss_family == AF_INET)
		a = &((const struct sockaddr_in *)(const void *)ss)->sin_addr;
	else
		a = &((const struct sockaddr_in6 *)(const void *)ss)->sin6_addr;
	if (inet_ntop(ss->ss_family, a, buf, (socklen_t)len) == NULL)
		(void)strlcpy(buf, "?", len);
	return (buf);
}
