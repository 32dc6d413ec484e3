/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * carpd's control socket: carpctl's commands, and the subscription and
 * demotion service other hakit daemons use through lib/carpclient.  A
 * daemon's demotion belongs to its connection: when the connection
 * closes, its share is taken back, so a crashed daemon cannot leave the
 * box demoted forever and a restarted one is never counted twice.
 */

#include <sys/queue.h>

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "log.h"
#include "nl.h"
#include "carpd.h"

/* A session's demotion share on one group. */
struct ctl_share {
	TAILQ_ENTRY(ctl_share)	 s_entry;
	char			 s_group[IFNAMSIZ];
	int			 s_amount;
};

struct ctl_session {
	TAILQ_HEAD(, ctl_share)	 cs_shares;
};

static json_t	*control_dispatch(struct ctl_conn *, const json_t *, void *);
static void	 control_closed(struct ctl_conn *, void *);
static json_t	*control_show(struct carpd *);
static json_t	*control_softc(struct carpd *, const struct carp_softc *);
static json_t	*control_stats(struct carpd *);
static json_t	*control_demote(struct carpd *, struct ctl_conn *,
		    const json_t *);
static json_t	*control_ifcmd(struct carpd *, const json_t *);
static struct ctl_session *control_session(struct ctl_conn *);

int
control_init(struct carpd *env)
{
	env->env_ctl = ctl_server_open(env->env_base, env->env_sockpath,
	    0660, control_dispatch, control_closed, env);
	return (env->env_ctl == NULL ? -1 : 0);
}

void
control_close(struct carpd *env)
{
	ctl_server_close(env->env_ctl);
	env->env_ctl = NULL;
}

static struct ctl_session *
control_session(struct ctl_conn *cc)
{
	struct ctl_session	*s;

	if ((s = ctl_conn_data(cc)) != NULL)
		return (s);
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return (NULL);
	TAILQ_INIT(&s->cs_shares);
	ctl_conn_set_data(cc, s);
	return (s);
}

static void
control_closed(struct ctl_conn *cc, void *arg)
{
	struct carpd		*env = arg;
	struct ctl_session	*s = ctl_conn_data(cc);
	struct ctl_share	*sh;

	if (s == NULL)
		return;
	while ((sh = TAILQ_FIRST(&s->cs_shares)) != NULL) {
		if (sh->s_amount != 0)
			(void)carp_group_adjust(env, sh->s_group,
			    -sh->s_amount, "control connection closed");
		TAILQ_REMOVE(&s->cs_shares, sh, s_entry);
		free(sh);
	}
	free(s);
	ctl_conn_set_data(cc, NULL);
}

static json_t *
control_softc(struct carpd *env, const struct carp_softc *sc)
{
	const struct carp_ifconf *ic = sc->sc_conf;
	json_t			*o, *addrs, *groups;
	char			 a[ADDR_STRLEN], mac[18];
	int			 i;

	addrs = json_array();
	for (i = 0; i < ic->ic_naddrs; i++)
		(void)json_array_append_new(addrs, json_string(
		    addr_ntop(&ic->ic_addrs[i], 1, a, sizeof(a))));
	groups = json_array();
	(void)json_array_append_new(groups, json_string("carp"));
	for (i = 0; i < ic->ic_ngroups; i++)
		(void)json_array_append_new(groups,
		    json_string(ic->ic_groups[i]));
	(void)snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x",
	    sc->sc_mac[0], sc->sc_mac[1], sc->sc_mac[2], sc->sc_mac[3],
	    sc->sc_mac[4], sc->sc_mac[5]);
	o = json_pack("{s:s,s:s,s:i,s:s,s:i,s:i,s:i,s:o,s:o,s:s,s:b,s:b}",
	    "ifname", ic->ic_name,
	    "state", carp_fsm_state_name(sc->sc_vh.vh_state),
	    "vhid", ic->ic_vhid,
	    "carpdev", ic->ic_carpdev,
	    "advbase", sc->sc_vh.vh_advbase,
	    "advskew", sc->sc_vh.vh_advskew,
	    "demote", carp_demote_of(env, sc),
	    "addresses", addrs,
	    "groups", groups,
	    "lladdr", mac,
	    "running", sc->sc_running,
	    "carpdev_up", sc->sc_parent_up);
	if (o != NULL && ic->ic_has_peer)
		(void)json_object_set_new(o, "carppeer", json_string(
		    addr_ntop(&ic->ic_peer, 0, a, sizeof(a))));
	return (o);
}

static json_t *
control_show(struct carpd *env)
{
	struct carp_softc	*sc;
	struct carp_group	*g;
	json_t			*ifs, *groups;

	ifs = json_array();
	TAILQ_FOREACH(sc, &env->env_softcs, sc_entry)
		(void)json_array_append_new(ifs, control_softc(env, sc));
	groups = json_array();
	TAILQ_FOREACH(g, &env->env_groups, g_entry)
		(void)json_array_append_new(groups, json_pack("{s:s,s:i}",
		    "name", g->g_name, "demote", g->g_demote));
	return (json_pack("{s:b,s:o,s:o,s:b}", "ok", 1, "interfaces", ifs,
	    "groups", groups, "preempt", env->env_conf->c_preempt));
}

static json_t *
control_stats(struct carpd *env)
{
	const struct carp_stats	*st = &env->env_stats;
	json_t			*o;
	int			 r;

	o = json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}",
	    "ipackets", (json_int_t)st->ipackets,
	    "ipackets6", (json_int_t)st->ipackets6,
	    "opackets", (json_int_t)st->opackets,
	    "opackets6", (json_int_t)st->opackets6,
	    "onomem", (json_int_t)st->onomem,
	    "ostates", (json_int_t)0,
	    "preempt", (json_int_t)st->preempt,
	    "badaddrs", (json_int_t)0);
	if (o == NULL)
		return (NULL);
	(void)json_object_set_new(o, "hdrops",
	    json_integer((json_int_t)st->hdrops));
	for (r = CARP_DROP_BADIF; r < CARP_DROP_MAX; r++)
		(void)json_object_set_new(o, carp_wire_reason_stat(r),
		    json_integer((json_int_t)st->drops[r]));
	(void)json_object_set_new(o, "ctl_bad", json_integer(
	    (json_int_t)ctl_server_stats(env->env_ctl)->cs_bad));
	return (json_pack("{s:b,s:o}", "ok", 1, "stats", o));
}

/*
 * {"cmd":"demote","group":G,"delta":N[,"session":true]}.  Without
 * session the change is the administrator's and stays; with it, it is
 * the connection's share and goes when the connection does.
 */
static json_t *
control_demote(struct carpd *env, struct ctl_conn *cc, const json_t *req)
{
	struct ctl_session	*s;
	struct ctl_share	*sh;
	const char		*group;
	json_int_t		 delta;
	int			 now;

	group = json_string_value(json_object_get(req, "group"));
	if (group == NULL || *group == '\0' || strlen(group) >= IFNAMSIZ)
		return (ctl_reply_error("demote: bad group name"));
	if (!json_is_integer(json_object_get(req, "delta")))
		return (ctl_reply_error("demote: delta must be an integer"));
	delta = json_integer_value(json_object_get(req, "delta"));
	if (delta < -255 || delta > 255)
		return (ctl_reply_error("demote: delta expects -255..255, "
		    "got %lld", (long long)delta));
	if (json_is_true(json_object_get(req, "session"))) {
		if ((s = control_session(cc)) == NULL)
			return (ctl_reply_error("out of memory"));
		TAILQ_FOREACH(sh, &s->cs_shares, s_entry)
			if (strcmp(sh->s_group, group) == 0)
				break;
		if (sh == NULL) {
			if ((sh = calloc(1, sizeof(*sh))) == NULL)
				return (ctl_reply_error("out of memory"));
			(void)strlcpy(sh->s_group, group,
			    sizeof(sh->s_group));
			TAILQ_INSERT_TAIL(&s->cs_shares, sh, s_entry);
		}
		/* a share never goes below zero */
		if (sh->s_amount + delta < 0)
			delta = -sh->s_amount;
		sh->s_amount += (int)delta;
	}
	now = carp_group_adjust(env, group, (int)delta, "control");
	return (json_pack("{s:b,s:s,s:i}", "ok", 1, "group", group,
	    "demote", now));
}

/* carpctl carpN advskew N | carpN state backup|master */
static json_t *
control_ifcmd(struct carpd *env, const json_t *req)
{
	struct carp_softc	*sc;
	struct carp_event	 ev;
	const char		*name, *cmd, *state;
	json_int_t		 v;

	cmd = json_string_value(json_object_get(req, "cmd"));
	name = json_string_value(json_object_get(req, "ifname"));
	if (name == NULL || (sc = carp_softc_find(env, name)) == NULL)
		return (ctl_reply_error("no such carp interface: %s",
		    name ? name : "(none)"));
	memset(&ev, 0, sizeof(ev));
	if (strcmp(cmd, "advskew") == 0 || strcmp(cmd, "advbase") == 0) {
		if (!json_is_integer(json_object_get(req, "value")))
			return (ctl_reply_error("%s expects a number", cmd));
		v = json_integer_value(json_object_get(req, "value"));
		if (v < 0 || v > 254)
			return (ctl_reply_error("%s expects 0-254, got "
			    "%lld", cmd, (long long)v));
		if (cmd[3] == 's')
			sc->sc_vh.vh_advskew = (uint8_t)v;
		else
			sc->sc_vh.vh_advbase = (uint8_t)v;
		log_info("%s: %s set to %lld", name, cmd, (long long)v);
		return (ctl_reply_ok());
	}
	state = json_string_value(json_object_get(req, "state"));
	if (state != NULL && strcmp(state, "backup") == 0)
		ev.ce_type = CARP_EV_FORCE_BACKUP;
	else if (state != NULL && strcmp(state, "master") == 0)
		ev.ce_type = CARP_EV_FORCE_MASTER;
	else
		return (ctl_reply_error("state expects backup or master"));
	if (sc->sc_vh.vh_state == CARP_INIT)
		return (ctl_reply_error("%s is INIT (carpdev down or no "
		    "address)", name));
	carp_if_event(sc, &ev);
	return (ctl_reply_ok());
}

static json_t *
control_dispatch(struct ctl_conn *cc, const json_t *req, void *arg)
{
	struct carpd	*env = arg;
	const char	*cmd;
	json_t		*rep;

	cmd = json_string_value(json_object_get(req, "cmd"));
	if (strcmp(cmd, "show") == 0)
		return (control_show(env));
	if (strcmp(cmd, "stats") == 0)
		return (control_stats(env));
	if (strcmp(cmd, "demote") == 0)
		return (control_demote(env, cc, req));
	if (strcmp(cmd, "advskew") == 0 || strcmp(cmd, "advbase") == 0 ||
	    strcmp(cmd, "state") == 0)
		return (control_ifcmd(env, req));
	if (strcmp(cmd, "subscribe") == 0) {
		ctl_conn_subscribe(cc);
		rep = control_show(env);
		return (rep);
	}
	if (strcmp(cmd, "reload") == 0) {
		carpd_reload(env);
		return (ctl_reply_ok());
	}
	env->env_stats.ctl_bad++;
	return (ctl_reply_error("unknown command: %s", cmd));
}

/* Pushes a state change to every subscriber. */
void
control_notify_state(struct carpd *env, const struct carp_softc *sc)
{
	json_t	*ev;

	if (env->env_ctl == NULL)
		return;
	if ((ev = control_softc(env, sc)) == NULL)
		return;
	(void)json_object_set_new(ev, "event", json_string("state"));
	ctl_server_broadcast(env->env_ctl, ev);
	json_decref(ev);
}
