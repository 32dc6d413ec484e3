/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * dhcpctl's requests: "show" (interfaces, counters, sync, carp) and
 * "leases" (the lease table), JSON over lib/ctl.
 */

#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ctl.h"
#include "dhcpd.h"
#include "tables.h"

static const char *stat_names[ST_MAX] = {
	"discover", "request", "release", "decline", "inform", "bootp",
	"offer", "ack", "nak", "bootreply", "ignored", "no_address",
	"probes", "probes_answered", "abandoned", "send_failed",
	"fsync", "file_errors", "table_errors", "not_master",
};

static const char *sync_names[SS_MAX] = {
	"sent", "send_failed", "received", "leases", "superseded",
	"ours_newer", "equal", "conflict", "dangling", "mac_other_ip",
	"own", "resend", "resend_limited", "rcvdrops",
};

static void
fmt_time(time_t t, char *buf, size_t len)
{
	struct tm	 tm;

	if (t == LEASE_INFINITE) {
		(void)strlcpy(buf, "never", len);
		return;
	}
	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, len, "%Y/%m/%d %H:%M:%S", &tm) == 0)
		(void)strlcpy(buf, "?", len);
}

static json_t *
control_show(struct dhcpd *env)
{
	struct dhcpd_sync	*sy = &env->env_sync;
	struct dhcp_if		*di;
	json_t			*r, *ifs, *st, *dr, *sync, *sdr;
	int			 i;

	ifs = json_array();
	TAILQ_FOREACH(di, &env->env_ifs, di_entry)
		(void)json_array_append_new(ifs, json_pack("{s:s,s:s}",
		    "name", di->di_name, "address", inet_ntoa(di->di_addr)));
	st = json_object();
	for (i = 0; i < ST_MAX; i++)
		(void)json_object_set_new(st, stat_names[i],
		    json_integer((json_int_t)env->env_stats[i]));
	dr = json_object();
	for (i = 1; i < DHCP_DROP_MAX; i++)
		(void)json_object_set_new(dr, dhcp_drop_name(i),
		    json_integer((json_int_t)env->env_drops[i]));
	sync = json_object();
	(void)json_object_set_new(sync, "enabled",
	    json_boolean(sy->sy_fd != -1));
	(void)json_object_set_new(sync, "listen", json_boolean(sy->sy_listen));
	(void)json_object_set_new(sync, "send", json_boolean(sy->sy_send));
	(void)json_object_set_new(sync, "multicast",
	    json_boolean(sy->sy_mcast));
	(void)json_object_set_new(sync, "targets",
	    json_integer(sy->sy_ntargets));
	(void)json_object_set_new(sync, "key",
	    json_boolean(sy->sy_keylen != 0));
	for (i = 0; i < SS_MAX; i++)
		(void)json_object_set_new(sync, sync_names[i],
		    json_integer((json_int_t)sy->sy_stats[i]));
	sdr = json_object();
	for (i = 1; i < DHCP_SYNC_DROP_MAX; i++)
		(void)json_object_set_new(sdr, dhcp_sync_drop_name(i),
		    json_integer((json_int_t)sy->sy_drops[i]));
	(void)json_object_set_new(sync, "drops", sdr);
	r = json_pack("{s:b,s:o,s:I,s:o,s:o,s:o}", "ok", 1,
	    "interfaces", ifs,
	    "leases", (json_int_t)lease_db_count(env->env_db),
	    "stats", st, "drops", dr, "sync", sync);
	if (r != NULL && env->env_carp_if != NULL)
		(void)json_object_set_new(r, "carp", json_pack("{s:s,s:b}",
		    "interface", env->env_carp_if,
		    "master", env->env_carp_master));
	if (r != NULL && env->env_tables != NULL) {
		const struct dhcp_tables_stats *ts =
		    dhcp_tables_stats(env->env_tables);

		(void)json_object_set_new(r, "tables", json_pack(
		    "{s:I,s:I,s:I,s:I,s:I,s:I}",
		    "L", (json_int_t)ts->cmds[0], "C", (json_int_t)ts->cmds[1],
		    "A", (json_int_t)ts->cmds[2], "R", (json_int_t)ts->cmds[3],
		    "errors", (json_int_t)ts->errors,
		    "ct_killed", (json_int_t)ts->ct_killed));
	}
	return (r);
}

static void
lease_json(struct lease *l, void *arg)
{
	json_t		*a = arg, *o;
	char		 s[32], e[32], mac[3 * 16];
	time_t		 now = time(NULL);
	const char	*state;
	int		 i, n = 0;

	if (l->l_hlen == 0 && l->l_uid == NULL &&
	    !(l->l_flags & LEASE_ABANDONED))
		return;		/* never used */
	for (i = 0; i < l->l_hlen; i++)
		n += snprintf(mac + n, sizeof(mac) - (size_t)n, "%s%02x",
		    i ? ":" : "", l->l_haddr[i]);
	mac[n] = '\0';
	fmt_time(l->l_starts, s, sizeof(s));
	fmt_time(l->l_ends, e, sizeof(e));
	if (l->l_flags & LEASE_ABANDONED)
		state = "abandoned";
	else if (l->l_flags & LEASE_OFFERED)
		state = "offered";
	else if (l->l_ends > now)
		state = "active";
	else
		state = "expired";
	o = json_pack("{s:s,s:s,s:s,s:I,s:I,s:s,s:s,s:b}",
	    "address", inet_ntoa(l->l_ip), "starts", s, "ends", e,
	    "starts_epoch", (json_int_t)l->l_starts,
	    "ends_epoch", (json_int_t)l->l_ends, "hardware", mac,
	    "state", state, "dangling", (l->l_flags & LEASE_DANGLING) != 0);
	if (o != NULL && l->l_client_hostname != NULL)
		(void)json_object_set_new(o, "client_hostname",
		    json_string(l->l_client_hostname));
	if (o != NULL && l->l_hostname != NULL)
		(void)json_object_set_new(o, "hostname",
		    json_string(l->l_hostname));
	(void)json_array_append_new(a, o);
}

static json_t *
control_request(struct ctl_conn *c, const json_t *req, void *arg)
{
	struct dhcpd	*env = arg;
	const char	*cmd = json_string_value(json_object_get(req, "cmd"));
	json_t		*a;

	(void)c;
	if (cmd == NULL)
		return (ctl_reply_error("no command"));
	if (strcmp(cmd, "show") == 0)
		return (control_show(env));
	if (strcmp(cmd, "leases") == 0) {
		if ((a = json_array()) == NULL)
			return (NULL);
		lease_db_foreach(env->env_db, lease_json, a);
		return (json_pack("{s:b,s:o}", "ok", 1, "leases", a));
	}
	return (ctl_reply_error("unknown command: %s", cmd));
}

int
control_open(struct dhcpd *env)
{
	if ((env->env_ctl = ctl_server_open(env->env_base, env->env_sockpath,
	    0660, control_request, NULL, env)) == NULL)
		return (-1);
	return (0);
}

void
control_close(struct dhcpd *env)
{
	if (env->env_ctl != NULL)
		ctl_server_close(env->env_ctl);
	env->env_ctl = NULL;
}
