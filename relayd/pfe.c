/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * The pf engine (pfe): the control socket, the host, table and redirect
 * states, and what each redirect's nftables map should hold.  It owns no
 * privilege: netlink refuses a socket used by a process without
 * CAP_NET_ADMIN, so it asks the parent (M_RDR_APPLY, M_DEMOTE) and the
 * parent writes the kernel.
 */

#include <sys/types.h>

#include <errno.h>
#include <event2/event.h>
#include <jansson.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/queue.h>


#include "conf_l7.h"
#include "ctl.h"
#include "log.h"
#include "relayd.h"
#include "proc.h"

#define SESS_TIMEOUT	2	/* s: relay processes to answer */

/* A relayctl show sessions waiting for the relay processes. */
struct sess_req {
	TAILQ_ENTRY(sess_req)	 sr_entry;
	uint32_t		 sr_id;
	struct ctl_conn		*sr_cc;		/* NULL: it went away */
	json_t			*sr_items;
	int			 sr_left;	/* relays yet to answer */
	struct event		*sr_timer;
	struct pfe		*sr_pfe;
};
TAILQ_HEAD(sess_reqs, sess_req);

/*
 * What a relay refused (CTL-5), summed over the relay processes.  Kept
 * by relay name, so a reload keeps it: names stay, ids may not (IMP-13).
 */
struct rctr {
	TAILQ_ENTRY(rctr)	 rc_entry;
	char			 rc_name[RELAYD_NAMELEN];
	uint64_t		 rc_ctr[RELAY_NCTR];
};
TAILQ_HEAD(rctrs, rctr);

/* relayctl's names for enum relay_ctr (the JSON keys). */
static const char *const rctr_names[] = {
	[RCTR_BAD_REQUEST] = "bad_request",
	[RCTR_TOO_LONG] = "too_long",
	[RCTR_TOO_MANY] = "too_many",
	[RCTR_OTHER] = "other",
	[RCTR_TIMEOUT] = "timeout",
	[RCTR_BAD_CHUNK] = "bad_chunk",
	[RCTR_EDIT] = "edit",
	[RCTR_SMUGGLE] = "smuggle",
	[RCTR_BLOCKED] = "blocked",
	[RCTR_CONNECT] = "connect",
	[RCTR_NO_BACKEND] = "no_backend",
	[RCTR_BAD_RESPONSE] = "bad_response",
	[RCTR_EARLY_CLOSE] = "early_close",
	[RCTR_TLS] = "tls",
	[RCTR_BACKEND_TLS] = "backend_tls",
};
_Static_assert(sizeof(rctr_names) / sizeof(rctr_names[0]) == RELAY_NCTR,
    "a name for every relay counter");

struct pfe {
	struct event_base	*p_base;
	struct relayd_conf	*p_conf;
	uint32_t		 p_gen;
	struct chan		 p_parent;
	struct chan		 p_hce;
	struct chan		 p_relays[RELAYD_PREFORK_MAX];
	int			 p_nrelays;
	struct ctl_server	*p_ctl;
	struct sess_reqs	 p_sreqs;
	uint32_t		 p_sreq_id;
	struct event		*p_rstats;
	struct rctrs		 p_rctrs;	/* owns its entries */
};

static void	 pfe_dispatch_parent(struct chan *, struct msg *, void *);
static void	 pfe_dispatch_hce(struct chan *, struct msg *, void *);
static json_t	*pfe_ctl(struct ctl_conn *, const json_t *, void *);
static json_t	*pfe_sessions(struct pfe *, struct ctl_conn *);
static void	 relay_items(const struct pfe *, json_t *);
static void	 pfe_update(struct pfe *, int force);
static void	 pfe_relay_hosts(struct pfe *);
static void	 pfe_event(struct pfe *, const char *, uint32_t,
		    const char *, const char *);
static struct rctr *rctr_find(const struct pfe *, const char *);
static void	 rctr_prune(struct pfe *);

static int
host_live(const struct rd_host *h)
{
	return (!h->h_disabled && h->h_state == HOST_UP);
}

static const char *
host_state_str(const struct rd_host *h)
{
	if (h->h_disabled)
		return ("disabled");
	switch (h->h_state) {
	case HOST_UP:
		return ("up");
	case HOST_DOWN:
		return ("down");
	default:
		return ("unknown");
	}
}

static int
table_live(const struct rd_table *t, uint32_t *ids, int max)
{
	struct rd_host	*h;
	int		 n = 0;

	if (t == NULL || t->t_disabled)
		return (0);
	TAILQ_FOREACH(h, &t->t_hosts, h_entry)
		if (host_live(h)) {
			if (ids != NULL && n < max)
				ids[n] = h->h_id;
			n++;
		}
	return (n);
}

/*
 * Recomputes every table's live count, every redirect's status and
 * buckets, and sends the parent what changed (all with force: after a
 * reload or at start).
 */
static void
pfe_update(struct pfe *p, int force)
{
	static uint32_t		 live[RELAYD_MAXHOSTS];
	struct rd_table		*t;
	struct rd_redirect	*r;
	struct m_rdr		 mr;
	enum rdr_status		 st;
	int			 n, changed, up;

	TAILQ_FOREACH(t, &p->p_conf->c_tables, t_entry) {
		n = table_live(t, NULL, 0);
		if (n != t->t_up)
			pfe_event(p, "ctl_table_changed", t->t_id, t->t_name,
			    NULL);
		t->t_up = n;
	}
	TAILQ_FOREACH(r, &p->p_conf->c_redirects, r_entry) {
		n = 0;
		if (r->r_disabled)
			st = RDR_DISABLED;
		else if ((n = table_live(r->r_table, live,
		    RELAYD_MAXHOSTS)) > 0)
			st = RDR_ACTIVE;
		else if ((n = table_live(r->r_backup, live,
		    RELAYD_MAXHOSTS)) > 0)
			st = RDR_BACKUP;
		else
			st = RDR_DOWN;
		if (n > RELAYD_MAXHOSTS)
			n = RELAYD_MAXHOSTS;
		changed = buckets_update(r->r_buckets, live, n);
		up = st == RDR_ACTIVE || st == RDR_BACKUP;
		if (st != r->r_status) {
			if (st == RDR_DOWN)
				pfe_event(p, "ctl_pull_ruleset", r->r_id,
				    r->r_name, NULL);
			else if (r->r_status == RDR_DOWN)
				pfe_event(p, "ctl_push_ruleset", r->r_id,
				    r->r_name, NULL);
			log_info("redirect %s: %s", r->r_name,
			    st == RDR_ACTIVE ? "active" : st == RDR_BACKUP ?
			    "using backup table" : st == RDR_DOWN ? "down" :
			    "disabled");
		}
		if (!force && !changed && st == r->r_status)
			continue;
		r->r_status = st;
		memset(&mr, 0, sizeof(mr));
		mr.mr_gen = p->p_gen;
		mr.mr_id = r->r_id;
		mr.mr_up = up;
		memcpy(mr.mr_buckets, r->r_buckets, sizeof(mr.mr_buckets));
		chan_send(&p->p_parent, M_RDR_APPLY, &mr, sizeof(mr));
	}
	pfe_relay_hosts(p);
}

/* IMP-12: every host's liveness to the relay processes. */
static void
pfe_relay_hosts(struct pfe *p)
{
	static struct m_relay_hosts	 mh;
	struct rd_table			*t;
	struct rd_host			*h;
	int				 i;

	if (p->p_nrelays == 0 || TAILQ_EMPTY(&p->p_conf->c_relays))
		return;
	memset(&mh, 0, sizeof(mh));
	mh.mh_gen = p->p_gen;
	TAILQ_FOREACH(t, &p->p_conf->c_tables, t_entry)
		TAILQ_FOREACH(h, &t->t_hosts, h_entry) {
			mh.mh_hosts[mh.mh_n].id = h->h_id;
			mh.mh_hosts[mh.mh_n].live = host_live(h) &&
			    !t->t_disabled;
			if (++mh.mh_n < RELAY_HOSTS_MAX)
				continue;
			for (i = 0; i < p->p_nrelays; i++)
				chan_send(&p->p_relays[i], M_RELAY_HOSTS, &mh,
				    8 + mh.mh_n * 8);
			mh.mh_n = 0;
		}
	if (mh.mh_n > 0)
		for (i = 0; i < p->p_nrelays; i++)
			chan_send(&p->p_relays[i], M_RELAY_HOSTS, &mh,
			    8 + mh.mh_n * 8);
}

static void
pfe_demote_send(struct pfe *p, const char *group, int delta)
{
	struct m_demote	 md;

	memset(&md, 0, sizeof(md));
	(void)strlcpy(md.md_group, group, sizeof(md.md_group));
	md.md_delta = delta;
	chan_send(&p->p_parent, M_DEMOTE, &md, sizeof(md));
}

/*
 * TBL-9: a table with "demote" holds its carp group demoted while none
 * of its hosts is live.  Judged at the end of a check round, as
 * OpenBSD's pfe_sync does, so a start or a reload (hosts unknown) does
 * not demote before the checks have spoken.
 */
static void
pfe_demote(struct pfe *p)
{
	struct rd_table	*t;
	int		 down;

	TAILQ_FOREACH(t, &p->p_conf->c_tables, t_entry) {
		if (t->t_demote[0] == '\0')
			continue;
		down = t->t_up == 0;
		if (down != (t->t_demoted != 0)) {
			t->t_demoted = down;
			pfe_demote_send(p, t->t_demote, down ? 1 : -1);
		}
	}
}

/* Before a reload: a demoted table that goes, or changes group, lifts
 * its demotion (conf_merge_state carries it only for the same group). */
static void
pfe_demote_drop(struct pfe *p, const struct relayd_conf *nc)
{
	struct rd_table	*t, *n;

	TAILQ_FOREACH(t, &p->p_conf->c_tables, t_entry) {
		if (!t->t_demoted)
			continue;
		if ((n = conf_table_byname(nc, t->t_name)) == NULL ||
		    strcmp(n->t_demote, t->t_demote) != 0)
			pfe_demote_send(p, t->t_demote, -1);
	}
}

static void
pfe_event(struct pfe *p, const char *name, uint32_t id, const char *what,
    const char *state)
{
	json_t	*ev;

	if (p->p_ctl == NULL)
		return;
	ev = json_pack("{s:s, s:I, s:I}", "event", name, "id", (json_int_t)id,
	    "time", (json_int_t)time(NULL));
	if (ev == NULL)
		return;
	if (what != NULL)
		(void)json_object_set_new(ev, "name", json_string(what));
	if (state != NULL)
		(void)json_object_set_new(ev, "state", json_string(state));
	ctl_server_broadcast(p->p_ctl, ev);
	json_decref(ev);
}

/*
 * least-states: weighs the buckets of a redirect by the states of its
 * hosts, when the counts are for the hosts it uses now.
 */
static void
pfe_load(struct pfe *p, const struct m_rdr_load *ml)
{
	static uint32_t		 live[RELAYD_MAXHOSTS];
	static uint64_t		 cnt[RELAYD_MAXHOSTS];
	struct rd_redirect	*r;
	struct m_rdr		 mr;
	uint32_t		 j;
	int			 i, n;

	if (ml->ml_gen != p->p_gen || ml->ml_n > RELAYD_BUCKETS ||
	    (r = conf_redirect(p->p_conf, ml->ml_id)) == NULL ||
	    (r->r_status != RDR_ACTIVE && r->r_status != RDR_BACKUP))
		return;
	/* The live hosts now, with the states counted (none if absent). */
	n = table_live(r->r_status == RDR_ACTIVE ? r->r_table : r->r_backup,
	    live, RELAYD_MAXHOSTS);
	if (n <= 0 || n > RELAYD_BUCKETS)
		return;
	for (i = 0; i < n; i++) {
		cnt[i] = 0;
		for (j = 0; j < ml->ml_n; j++)
			if (ml->ml_ids[j] == live[i])
				cnt[i] = ml->ml_counts[j];
	}
	if (buckets_weigh(r->r_buckets, live, cnt, n) <= 0)
		return;
	memset(&mr, 0, sizeof(mr));
	mr.mr_gen = p->p_gen;
	mr.mr_id = r->r_id;
	mr.mr_up = 1;
	memcpy(mr.mr_buckets, r->r_buckets, sizeof(mr.mr_buckets));
	chan_send(&p->p_parent, M_RDR_APPLY, &mr, sizeof(mr));
}

static void
pfe_dispatch_parent(struct chan *ch, struct msg *m, void *arg)
{
	struct pfe		*p = arg;
	struct relayd_conf	*nc;
	static struct m_rdr_load ml;
	struct m_rdr_stats	 ms;
	struct rd_redirect	*r;
	uint32_t		 gen;
	size_t			 off;

	switch (m->m_type) {
	case M_CFG_TEXT:
	case M_CFG_END:
		if ((nc = chan_recv_conf(ch, m, &gen)) == NULL)
			break;
		pfe_demote_drop(p, nc);
		conf_merge_state(nc, p->p_conf);
		rdr_carry_over(nc, p->p_conf);
		conf_free(p->p_conf);
		p->p_conf = nc;
		p->p_gen = gen;
		rctr_prune(p);
		pfe_update(p, 1);
		log_info("pfe: configuration %u in place", gen);
		break;
	case M_RDR_STATS:
		if (m->m_len % sizeof(ms) != 0)
			break;
		for (off = 0; off < m->m_len; off += sizeof(ms)) {
			memcpy(&ms, m->m_data + off, sizeof(ms));
			if (ms.ms_gen == p->p_gen &&
			    (r = conf_redirect(p->p_conf, ms.ms_id)) != NULL)
				stats_tick(&r->r_stats, ms.ms_count);
		}
		break;
	case M_RDR_LOAD:
		/* Copied out: m_data is not aligned for uint64_t. */
		if (m->m_len == sizeof(ml)) {
			memcpy(&ml, m->m_data, sizeof(ml));
			pfe_load(p, &ml);
		}
		break;
	case M_RELOAD_DONE:
		if (m->m_len > 0)
			log_warnx("reload failed, configuration unchanged: "
			    "%.*s", (int)m->m_len, (char *)m->m_data);
		break;
	case M_LOG_VERBOSE:
		(void)chan_recv_verbose(m);
		break;
	default:
		log_warnx("pfe: unexpected message %u from the parent",
		    m->m_type);
		break;
	}
}

/* One host's result; returns 1 when its state changed. */
static int
pfe_host_status(struct pfe *p, const struct m_host_status *hs)
{
	struct rd_host	*h;
	enum host_state	 old;

	if (hs->hs_gen != p->p_gen ||
	    (h = conf_host(p->p_conf, hs->hs_id)) == NULL || h->h_disabled)
		return (0);	/* another configuration's, or a host disabled
				   meanwhile */
	if (hs->hs_state > HOST_DOWN || hs->hs_reason >= HCE_NREASONS)
		return (0);
	old = h->h_state;
	h->h_state = hs->hs_state;
	h->h_reason = hs->hs_reason;
	h->h_retry_left = hs->hs_retry_left;
	h->h_checks = hs->hs_checks;
	h->h_ups = hs->hs_ups;
	if (old == h->h_state)
		return (0);
	pfe_event(p, "host_status", h->h_id, h->h_name, host_state_str(h));
	return (1);
}

static void
pfe_dispatch_hce(struct chan *ch, struct msg *m, void *arg)
{
	struct pfe		*p = arg;
	struct m_host_status	 hs;
	size_t			 off;
	int			 changed;

	(void)ch;
	switch (m->m_type) {
	case M_HOST_STATUS:
		if (m->m_len == 0 || m->m_len % sizeof(hs) != 0) {
			log_warnx("pfe: bad host status from hce");
			break;
		}
		changed = 0;
		for (off = 0; off < m->m_len; off += sizeof(hs)) {
			memcpy(&hs, m->m_data + off, sizeof(hs));
			changed |= pfe_host_status(p, &hs);
		}
		if (changed)
			pfe_update(p, 0);
		break;
	case M_SYNC:
		pfe_demote(p);
		pfe_event(p, "sync", 0, NULL, NULL);
		break;
	default:
		log_warnx("pfe: unexpected message %u from hce", m->m_type);
		break;
	}
}

/* --- control socket --- */

static json_t *
host_item(const struct rd_host *h)
{
	return (json_pack("{s:s, s:I, s:s, s:I, s:s, s:I, s:I, s:i, s:s, "
	    "s:b}", "type", "host", "id", (json_int_t)h->h_id,
	    "name", h->h_name, "parent", (json_int_t)h->h_parentid,
	    "state", host_state_str(h), "checks", (json_int_t)h->h_checks,
	    "ups", (json_int_t)h->h_ups, "retry_left", h->h_retry_left,
	    "error", hce_reason_str(h->h_reason),
	    "checked", h->h_table->t_check.ck_type != CHECK_NOCHECK));
}

static void
table_items(json_t *items, const struct rd_table *t)
{
	struct rd_host	*h;

	(void)json_array_append_new(items, json_pack("{s:s, s:I, s:s, s:s, "
	    "s:i}", "type", "table", "id", (json_int_t)t->t_id,
	    "name", t->t_name, "status", t->t_disabled ? "disabled" :
	    t->t_up > 0 ? "active" : "empty", "up", t->t_up));
	if (t->t_disabled)
		return;
	TAILQ_FOREACH(h, &t->t_hosts, h_entry)
		(void)json_array_append_new(items, host_item(h));
}

static json_t *
stats_json(const struct rd_stats *st)
{
	return (json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
	    "total", (json_int_t)st->st_cnt,
	    "last", (json_int_t)st->st_last,
	    "last_hour", (json_int_t)st->st_last_hour,
	    "last_day", (json_int_t)st->st_last_day,
	    "avg", (json_int_t)st->st_avg,
	    "avg_hour", (json_int_t)st->st_avg_hour,
	    "avg_day", (json_int_t)st->st_avg_day));
}

/* Every counter of a relay, zeros included, so a script finds each. */
static json_t *
rctr_json(const struct pfe *p, const struct rd_relay *rl)
{
	const struct rctr	*rc;
	json_t			*o;
	int			 i;

	if ((o = json_object()) == NULL)
		return (NULL);
	rc = rctr_find(p, rl->rl_name);
	for (i = 0; i < RELAY_NCTR; i++)
		(void)json_object_set_new(o, rctr_names[i], json_integer(
		    rc != NULL ? (json_int_t)rc->rc_ctr[i] : 0));
	return (o);
}

/* Relay rows (CTL-5), each followed by its tables. */
static void
relay_items(const struct pfe *p, json_t *items)
{
	const struct rd_relay		*rl;
	const struct rd_relay_fwd	*f;

	TAILQ_FOREACH(rl, &p->p_conf->c_relays, rl_entry) {
		(void)json_array_append_new(items, json_pack("{s:s, s:I, s:s, "
		    "s:s, s:o, s:o}", "type", "relay", "id",
		    (json_int_t)rl->rl_id, "name", rl->rl_name, "status",
		    rl->rl_disabled ? "disabled" : "active", "stats",
		    stats_json(&rl->rl_stats), "counters", rctr_json(p, rl)));
		TAILQ_FOREACH(f, &rl->rl_fwds, f_entry)
			if (f->f_type == FWD_TABLE && f->f_table != NULL)
				table_items(items, f->f_table);
	}
}

static json_t *
pfe_show(const struct pfe *p)
{
	static const char *const rst[] = { "active",
	    "active (using backup table)", "down", "disabled" };
	struct rd_redirect	*r;
	const struct rd_stats	*st;
	json_t			*items;

	if ((items = json_array()) == NULL)
		return (NULL);
	TAILQ_FOREACH(r, &p->p_conf->c_redirects, r_entry) {
		st = &r->r_stats;
		(void)json_array_append_new(items, json_pack("{s:s, s:I, s:s, "
		    "s:s, s:o}", "type", "redirect", "id", (json_int_t)r->r_id,
		    "name", r->r_name, "status", rst[r->r_status],
		    "stats", stats_json(st)));
		if (r->r_disabled)
			continue;
		table_items(items, r->r_table);
		if (r->r_backup != NULL)
			table_items(items, r->r_backup);
	}
	relay_items(p, items);
	return (json_pack("{s:b, s:o}", "ok", 1, "items", items));
}

/* A relayctl argument: "id" (number) or "name". */
static int
ctl_target(const json_t *req, uint32_t *id, const char **name)
{
	json_t	*v;

	*id = 0;
	*name = NULL;
	if ((v = json_object_get(req, "id")) != NULL && json_is_integer(v) &&
	    json_integer_value(v) > 0 && json_integer_value(v) <= UINT32_MAX) {
		*id = (uint32_t)json_integer_value(v);
		return (0);
	}
	if ((v = json_object_get(req, "name")) != NULL && json_is_string(v)) {
		*name = json_string_value(v);
		return (0);
	}
	return (-1);
}

static void
host_set_disabled(struct pfe *p, struct rd_host *h, int off)
{
	struct rd_table	*t;
	struct rd_host	*c;
	struct m_id	 mi;
	uint32_t	 id = h->h_id;

	mi.mi_gen = p->p_gen;
	mi.mi_id = id;
	chan_send(&p->p_hce, off ? M_HOST_DISABLE : M_HOST_ENABLE, &mi,
	    sizeof(mi));
	/* The parent's children follow it (spec 10). */
	TAILQ_FOREACH(t, &p->p_conf->c_tables, t_entry)
		TAILQ_FOREACH(c, &t->t_hosts, h_entry) {
			if (c != h && c->h_parentid != h->h_id)
				continue;
			hce_host_reset(c);
			c->h_disabled = off;
		}
	pfe_event(p, off ? "ctl_host_disable" : "ctl_host_enable", id,
	    h->h_name, NULL);
}

static void
table_set_disabled(struct pfe *p, struct rd_table *t, int off)
{
	struct rd_host	*h;
	struct m_id	 mi;
	uint32_t	 id = t->t_id;

	t->t_disabled = off;
	if (!off)
		TAILQ_FOREACH(h, &t->t_hosts, h_entry)
			if (!h->h_disabled)
				hce_host_reset(h);
	mi.mi_gen = p->p_gen;
	mi.mi_id = id;
	chan_send(&p->p_hce, off ? M_TABLE_DISABLE : M_TABLE_ENABLE, &mi,
	    sizeof(mi));
	pfe_event(p, off ? "ctl_table_disable" : "ctl_table_enable", id,
	    t->t_name, NULL);
}

static json_t *
pfe_ctl_toggle(struct pfe *p, const char *cmd, const json_t *req)
{
	struct rd_host		*h;
	struct rd_table		*t;
	struct rd_redirect	*r;
	const char		*name;
	uint32_t		 id;
	int			 off;

	if (ctl_target(req, &id, &name) == -1)
		return (ctl_reply_error("%s needs an id or a name", cmd));
	off = strstr(cmd, "_disable") != NULL;
	if (strncmp(cmd, "host_", 5) == 0) {
		h = name != NULL ? conf_host_byname(p->p_conf, name) :
		    conf_host(p->p_conf, id);
		if (h == NULL)
			return (ctl_reply_error("no such host"));
		if (h->h_disabled == off)
			return (ctl_reply_error("host already %s",
			    off ? "disabled" : "enabled"));
		host_set_disabled(p, h, off);
	} else if (strncmp(cmd, "table_", 6) == 0) {
		t = name != NULL ? conf_table_byname(p->p_conf, name) :
		    conf_table(p->p_conf, id);
		if (t == NULL)
			return (ctl_reply_error("no such table"));
		if (t->t_disabled == off)
			return (ctl_reply_error("table already %s",
			    off ? "disabled" : "enabled"));
		table_set_disabled(p, t, off);
	} else {
		r = name != NULL ? conf_redirect_byname(p->p_conf, name) :
		    conf_redirect(p->p_conf, id);
		if (r == NULL)
			return (ctl_reply_error("no such redirect"));
		if (r->r_disabled == off)
			return (ctl_reply_error("redirect already %s",
			    off ? "disabled" : "enabled"));
		r->r_disabled = off;
		r->r_ctl = off ? 2 : 1;
		/* Spec 10: a disabled redirect's tables are disabled too. */
		if (r->r_table->t_disabled != off)
			table_set_disabled(p, r->r_table, off);
		if (r->r_backup != NULL && r->r_backup->t_disabled != off)
			table_set_disabled(p, r->r_backup, off);
		pfe_event(p, off ? "ctl_rdr_disable" : "ctl_rdr_enable",
		    r->r_id, r->r_name, NULL);
	}
	pfe_update(p, 0);
	return (ctl_reply_ok());
}

static void
sess_req_done(struct sess_req *sr)
{
	struct pfe	*p = sr->sr_pfe;
	json_t		*rep;

	if (sr->sr_cc != NULL) {
		rep = json_pack("{s:b, s:O}", "ok", 1, "items", sr->sr_items);
		if (rep != NULL)
			(void)ctl_conn_send(sr->sr_cc, rep);
		json_decref(rep);
	}
	TAILQ_REMOVE(&p->p_sreqs, sr, sr_entry);
	event_free(sr->sr_timer);
	json_decref(sr->sr_items);
	free(sr);
}

static void
sess_req_timeout(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	log_warnx("pfe: a relay process did not list its sessions in time");
	sess_req_done(arg);
}

/* CTL-7: every relay process lists its sessions; one reply of all. */
static json_t *
pfe_sessions(struct pfe *p, struct ctl_conn *cc)
{
	struct sess_req	*sr;
	struct timeval	 tv = { SESS_TIMEOUT, 0 };
	int		 i;

	if (p->p_nrelays == 0)
		return (json_pack("{s:b, s:[]}", "ok", 1, "items"));
	if ((sr = calloc(1, sizeof(*sr))) == NULL ||
	    (sr->sr_items = json_array()) == NULL ||
	    (sr->sr_timer = evtimer_new(p->p_base, sess_req_timeout,
	    sr)) == NULL) {
		if (sr != NULL)
			json_decref(sr->sr_items);
		free(sr);
		return (ctl_reply_error("out of memory"));
	}
	sr->sr_id = ++p->p_sreq_id;
	sr->sr_cc = cc;
	sr->sr_left = p->p_nrelays;
	sr->sr_pfe = p;
	TAILQ_INSERT_TAIL(&p->p_sreqs, sr, sr_entry);
	(void)evtimer_add(sr->sr_timer, &tv);
	for (i = 0; i < p->p_nrelays; i++)
		chan_send(&p->p_relays[i], M_RELAY_SESSIONS, &sr->sr_id,
		    sizeof(sr->sr_id));
	return (NULL);		/* answered when all have */
}

static void
pfe_ctl_closed(struct ctl_conn *cc, void *arg)
{
	struct pfe	*p = arg;
	struct sess_req	*sr;

	TAILQ_FOREACH(sr, &p->p_sreqs, sr_entry)
		if (sr->sr_cc == cc)
			sr->sr_cc = NULL;
}

static json_t *
session_item(const struct m_session *ms)
{
	char	 src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];
	int	 sp, dp;

	(void)conf_ss_str(&ms->ss_src, src, sizeof(src));
	(void)conf_ss_str(&ms->ss_dst, dst, sizeof(dst));
	sp = conf_ss_port(&ms->ss_src);
	dp = conf_ss_port(&ms->ss_dst);
	return (json_pack("{s:s, s:I, s:i, s:s, s:i, s:s, s:i, s:b, s:I, "
	    "s:I, s:I, s:I, s:s}", "type", "session",
	    "id", (json_int_t)ms->ss_id, "peer", 0, "src", src, "sport", sp,
	    "dst", dst, "dport", dp, "done", ms->ss_done != 0,
	    "age", (json_int_t)ms->ss_age, "idle", (json_int_t)ms->ss_idle,
	    "relay", (json_int_t)ms->ss_relay, "pid", (json_int_t)ms->ss_pid,
	    "tag", ms->ss_tag));
}

static void
pfe_relay_sessions(struct pfe *p, const struct msg *m)
{
	static struct m_relay_sessions	 rs;
	struct sess_req			*sr;
	size_t				 hdr = offsetof(struct
					    m_relay_sessions, rs_s);
	uint32_t			 i;
	json_t				*o;

	if (m->m_len < hdr || m->m_len > sizeof(rs))
		return;
	memset(&rs, 0, sizeof(rs));
	memcpy(&rs, m->m_data, m->m_len);	/* aligned copy */
	if (rs.rs_n > RELAY_SESSIONS_MAX ||
	    m->m_len < hdr + rs.rs_n * sizeof(rs.rs_s[0]))
		return;
	TAILQ_FOREACH(sr, &p->p_sreqs, sr_entry)
		if (sr->sr_id == rs.rs_req)
			break;
	if (sr == NULL)
		return;		/* timed out already */
	for (i = 0; i < rs.rs_n; i++)
		if ((o = session_item(&rs.rs_s[i])) != NULL)
			(void)json_array_append_new(sr->sr_items, o);
	if (rs.rs_last && --sr->sr_left == 0)
		sess_req_done(sr);
}

static struct rctr *
rctr_find(const struct pfe *p, const char *name)
{
	struct rctr	*rc;

	TAILQ_FOREACH(rc, &p->p_rctrs, rc_entry)
		if (strcmp(rc->rc_name, name) == 0)
			return (rc);
	return (NULL);
}

/* A relay's counters go with the relay. */
static void
rctr_prune(struct pfe *p)
{
	struct rctr	*rc, *next;

	TAILQ_FOREACH_SAFE(rc, &p->p_rctrs, rc_entry, next)
		if (conf_relay_byname(p->p_conf, rc->rc_name) == NULL) {
			TAILQ_REMOVE(&p->p_rctrs, rc, rc_entry);
			free(rc);
		}
}

/* Adds what one relay process counted for rl since its last report. */
static void
rctr_add(struct pfe *p, const struct rd_relay *rl, const uint64_t *ctr)
{
	struct rctr	*rc;
	int		 i;

	for (i = 0; i < RELAY_NCTR && ctr[i] == 0; i++)
		;
	if (i == RELAY_NCTR)
		return;
	if ((rc = rctr_find(p, rl->rl_name)) == NULL) {
		if ((rc = calloc(1, sizeof(*rc))) == NULL) {
			log_warn("pfe: relay counters");
			return;
		}
		(void)strlcpy(rc->rc_name, rl->rl_name, sizeof(rc->rc_name));
		TAILQ_INSERT_TAIL(&p->p_rctrs, rc, rc_entry);
	}
	for (i = 0; i < RELAY_NCTR; i++)
		rc->rc_ctr[i] += ctr[i];
}

/* IMP-11: each process's count of new sessions and its counters,
 * summed per relay. */
static void
pfe_relay_stats(struct pfe *p, const struct msg *m)
{
	static struct m_relay_stats	 ms;
	size_t				 hdr = offsetof(struct m_relay_stats,
					    st_r);
	struct rd_relay			*rl;
	uint32_t			 i;

	if (m->m_len < hdr || m->m_len > sizeof(ms))
		return;
	memset(&ms, 0, sizeof(ms));
	memcpy(&ms, m->m_data, m->m_len);
	if (ms.st_n > RELAY_STATS_MAX || m->m_len < hdr + ms.st_n *
	    sizeof(ms.st_r[0]) || ms.st_gen != p->p_gen)
		return;
	for (i = 0; i < ms.st_n; i++)
		TAILQ_FOREACH(rl, &p->p_conf->c_relays, rl_entry)
			if (rl->rl_id == ms.st_r[i].relay) {
				rl->rl_count += ms.st_r[i].count;
				rctr_add(p, rl, ms.st_r[i].ctr);
			}
}

static void
pfe_rstats_tick(evutil_socket_t fd, short what, void *arg)
{
	struct pfe	*p = arg;
	struct rd_relay	*rl;

	(void)fd;
	(void)what;
	TAILQ_FOREACH(rl, &p->p_conf->c_relays, rl_entry)
		stats_tick(&rl->rl_stats, rl->rl_count);
}

static void
pfe_dispatch_relay(struct chan *ch, struct msg *m, void *arg)
{
	struct pfe	*p = arg;

	uint32_t	 gen;

	switch (m->m_type) {
	case M_RELAY_HOSTS:
		/* a relay process took a configuration: it wants the host
		 * states of that generation, once we have it too */
		if (m->m_len == sizeof(gen)) {
			memcpy(&gen, m->m_data, sizeof(gen));
			if (gen == p->p_gen)
				pfe_relay_hosts(p);
		}
		break;
	case M_RELAY_SESSIONS:
		pfe_relay_sessions(p, m);
		break;
	case M_RELAY_STATS:
		pfe_relay_stats(p, m);
		break;
	default:
		log_warnx("pfe: unexpected message %u from %s", m->m_type,
		    ch->ch_peer);
		break;
	}
}

static json_t *
pfe_ctl(struct ctl_conn *cc, const json_t *req, void *arg)
{
	struct pfe	*p = arg;
	const char	*cmd, *s;
	json_t		*v;
	int		 level;

	cmd = json_string_value(json_object_get(req, "cmd"));
	if (strcmp(cmd, "show") == 0 &&
	    json_is_true(json_object_get(req, "sessions")))
		return (pfe_sessions(p, cc));
	if (strcmp(cmd, "show") == 0)
		return (pfe_show(p));
	if (strcmp(cmd, "monitor") == 0) {
		ctl_conn_subscribe(cc);
		return (ctl_reply_ok());
	}
	if (ctl_conn_uid(cc) != 0)
		return (ctl_reply_error("%s: permission denied", cmd));
	if (strcmp(cmd, "host_enable") == 0 ||
	    strcmp(cmd, "host_disable") == 0 ||
	    strcmp(cmd, "table_enable") == 0 ||
	    strcmp(cmd, "table_disable") == 0 ||
	    strcmp(cmd, "redirect_enable") == 0 ||
	    strcmp(cmd, "redirect_disable") == 0)
		return (pfe_ctl_toggle(p, cmd, req));
	if (strcmp(cmd, "poll") == 0) {
		chan_send(&p->p_hce, M_POLL, NULL, 0);
		return (ctl_reply_ok());
	}
	if (strcmp(cmd, "reload") == 0 || strcmp(cmd, "load") == 0) {
		s = "";
		if (strcmp(cmd, "load") == 0 && ((v = json_object_get(req,
		    "file")) == NULL || (s = json_string_value(v)) == NULL ||
		    s[0] != '/'))
			return (ctl_reply_error("load needs an absolute file"));
		chan_send(&p->p_parent, M_RELOAD, s, strlen(s));
		return (ctl_reply_ok());
	}
	if (strcmp(cmd, "log") == 0) {
		s = json_string_value(json_object_get(req, "level"));
		if (s == NULL || (strcmp(s, "brief") != 0 &&
		    strcmp(s, "verbose") != 0))
			return (ctl_reply_error("log brief or verbose"));
		level = strcmp(s, "verbose") == 0 ? 2 : 0;
		log_setverbose(level);
		chan_send(&p->p_parent, M_LOG_VERBOSE, &level, sizeof(level));
		return (ctl_reply_ok());
	}
	if (strcmp(cmd, "stop") == 0) {
		chan_send(&p->p_parent, M_STOP, NULL, 0);
		return (ctl_reply_ok());
	}
	return (ctl_reply_error("unknown command %s", cmd));
}

void
pfe_main(struct relayd_conf *conf, int parentfd, int hcefd,
    const int *relayfds, int nrelays, const char *sockpath, int verbose)
{
	struct pfe	 p;
	struct timeval	 tv = { RELAYD_STATINTERVAL, 0 };
	int		 i;

	memset(&p, 0, sizeof(p));
	TAILQ_INIT(&p.p_sreqs);
	TAILQ_INIT(&p.p_rctrs);
	p.p_conf = conf;
	log_setverbose(verbose);
	/* ^C reaches the whole process group: the parent coordinates the
	 * stop.  SIGTERM (the parent's cleanup) ends the child. */
	(void)signal(SIGINT, SIG_IGN);
	(void)signal(SIGTERM, SIG_DFL);
	(void)signal(SIGHUP, SIG_IGN);
	(void)signal(SIGPIPE, SIG_IGN);
	if ((p.p_base = event_base_new()) == NULL)
		fatalx("pfe: event_base_new");
	/* Bound while still root: the socket's directory is root's. */
	if ((p.p_ctl = ctl_server_open(p.p_base, sockpath, 0660, pfe_ctl,
	    pfe_ctl_closed, &p)) == NULL)
		fatal("control socket %s", sockpath);
	proc_drop("pfe");
	if (chan_init(&p.p_parent, p.p_base, parentfd, "parent",
	    pfe_dispatch_parent, &p) == -1 ||
	    chan_init(&p.p_hce, p.p_base, hcefd, "hce", pfe_dispatch_hce,
	    &p) == -1)
		fatalx("pfe: channels");
	for (i = 0; i < nrelays && i < RELAYD_PREFORK_MAX; i++)
		if (chan_init(&p.p_relays[i], p.p_base, relayfds[i], "relay",
		    pfe_dispatch_relay, &p) == -1)
			fatalx("pfe: channels");
	p.p_nrelays = i;
	if ((p.p_rstats = event_new(p.p_base, -1, EV_PERSIST,
	    pfe_rstats_tick, &p)) == NULL || event_add(p.p_rstats, &tv) == -1)
		fatalx("pfe: statistics timer");
	/* Every redirect starts down: rules go in with the first live
	 * host. */
	pfe_update(&p, 1);
	(void)event_base_dispatch(p.p_base);
	_exit(0);
}
