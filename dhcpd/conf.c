/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * dhcpd.conf in memory: freeing the tree parse.y builds, and the lookups
 * the server makes in it.  A parameter not set in a scope is looked up
 * along dp_parent (host, group, subnet, shared-network, global), and the
 * built-in default applies when no scope sets it.  Pure: no I/O.
 */

#include <sys/queue.h>

#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dhcpd_conf.h"

static void	 params_free(struct dhcp_params *);

void
dhcp_params_init(struct dhcp_params *p, const struct dhcp_params *parent)
{
	memset(p, 0, sizeof(*p));
	p->dp_parent = parent;
	p->dp_default_lease_time = -1;
	p->dp_max_lease_time = -1;
	p->dp_bootp_lease_length = -1;
	p->dp_bootp_lease_cutoff = -1;
	p->dp_get_lease_hostnames = DHCP_UNSET;
	p->dp_use_host_decl_names = DHCP_UNSET;
	p->dp_use_lease_addr_for_default_route = DHCP_UNSET;
	p->dp_always_reply_rfc1048 = DHCP_UNSET;
	p->dp_authoritative = DHCP_UNSET;
	p->dp_echo_client_id = DHCP_UNSET;
	p->dp_allow_unknown_clients = DHCP_UNSET;
	p->dp_allow_bootp = DHCP_UNSET;
	p->dp_allow_booting = DHCP_UNSET;
}

static void
params_free(struct dhcp_params *p)
{
	int	 i;

	for (i = 0; i < DHCP_OPT_MAX; i++) {
		free(p->dp_opts.os_opt[i].ov_data);
		p->dp_opts.os_opt[i].ov_data = NULL;
		p->dp_opts.os_opt[i].ov_len = 0;
	}
	free(p->dp_filename);
	p->dp_filename = NULL;
	free(p->dp_server_name);
	p->dp_server_name = NULL;
}

/* Frees what the scope owns and leaves it unset, keeping its parent. */
void
dhcp_params_clear(struct dhcp_params *p)
{
	const struct dhcp_params	*parent = p->dp_parent;

	params_free(p);
	dhcp_params_init(p, parent);
}

void
dhcpd_config_free(struct dhcpd_config *c)
{
	struct dhcp_shared	*sh;
	struct dhcp_subnet	*s;
	struct dhcp_range	*r;
	struct dhcp_host	*h;
	struct dhcp_class	*cl;
	struct dhcp_group	*g;

	if (c == NULL)
		return;
	while ((s = TAILQ_FIRST(&c->c_subnets)) != NULL) {
		TAILQ_REMOVE(&c->c_subnets, s, s_all);
		while ((r = TAILQ_FIRST(&s->s_ranges)) != NULL) {
			TAILQ_REMOVE(&s->s_ranges, r, r_entry);
			free(r);
		}
		params_free(&s->s_params);
		free(s->s_file);
		free(s);
	}
	while ((sh = TAILQ_FIRST(&c->c_shareds)) != NULL) {
		TAILQ_REMOVE(&c->c_shareds, sh, sh_entry);
		params_free(&sh->sh_params);
		free(sh->sh_name);
		free(sh);
	}
	while ((h = TAILQ_FIRST(&c->c_hosts)) != NULL) {
		TAILQ_REMOVE(&c->c_hosts, h, h_entry);
		params_free(&h->h_params);
		free(h->h_name);
		free(h->h_uid);
		free(h->h_fixed);
		free(h->h_file);
		free(h);
	}
	while ((cl = TAILQ_FIRST(&c->c_classes)) != NULL) {
		TAILQ_REMOVE(&c->c_classes, cl, c_entry);
		params_free(&cl->c_params);
		free(cl->c_name);
		free(cl);
	}
	while ((g = TAILQ_FIRST(&c->c_groups)) != NULL) {
		TAILQ_REMOVE(&c->c_groups, g, g_entry);
		params_free(&g->g_params);
		free(g);
	}
	params_free(&c->c_global);
	free(c);
}

/* The option as the innermost scope that sets it has it, or NULL. */
const struct dhcp_optval *
dhcp_params_opt(const struct dhcp_params *p, uint8_t code)
{
	for (; p != NULL; p = p->dp_parent)
		if (p->dp_opts.os_opt[code].ov_data != NULL)
			return (&p->dp_opts.os_opt[code]);
	return (NULL);
}

/* An int64_t member (DHCP_FLAG(dp_...)) along the scopes, or dflt. */
int64_t
dhcp_params_num(const struct dhcp_params *p, size_t off, int64_t dflt)
{
	int64_t	 v;

	for (; p != NULL; p = p->dp_parent) {
		memcpy(&v, (const char *)p + off, sizeof(v));
		if (v != -1)
			return (v);
	}
	return (dflt);
}

int64_t
dhcp_params_default_lease_time(const struct dhcp_params *p)
{
	return (dhcp_params_num(p, DHCP_FLAG(dp_default_lease_time),
	    DHCP_DEFAULT_LEASE_TIME));
}

int64_t
dhcp_params_max_lease_time(const struct dhcp_params *p)
{
	return (dhcp_params_num(p, DHCP_FLAG(dp_max_lease_time),
	    DHCP_MAX_LEASE_TIME));
}

/* A tri-state member (DHCP_FLAG(dp_...)) along the scopes, or dflt. */
int
dhcp_params_flag(const struct dhcp_params *p, size_t off, int dflt)
{
	int	 v;

	for (; p != NULL; p = p->dp_parent) {
		memcpy(&v, (const char *)p + off, sizeof(v));
		if (v != DHCP_UNSET)
			return (v);
	}
	return (dflt);
}

/* A string member (DHCP_FLAG(dp_filename)...) along the scopes, or NULL. */
const char *
dhcp_params_str(const struct dhcp_params *p, size_t off)
{
	const char	*s;

	for (; p != NULL; p = p->dp_parent) {
		memcpy(&s, (const char *)p + off, sizeof(s));
		if (s != NULL)
			return (s);
	}
	return (NULL);
}

const struct in_addr *
dhcp_params_server_id(const struct dhcp_params *p)
{
	for (; p != NULL; p = p->dp_parent)
		if (p->dp_has_server_id)
			return (&p->dp_server_id);
	return (NULL);
}

const struct in_addr *
dhcp_params_next_server(const struct dhcp_params *p)
{
	for (; p != NULL; p = p->dp_parent)
		if (p->dp_has_next_server)
			return (&p->dp_next_server);
	return (NULL);
}

/* The subnet holding addr; subnets never overlap, so there is one. */
struct dhcp_subnet *
dhcpd_config_subnet_for(const struct dhcpd_config *c, struct in_addr addr)
{
	struct dhcp_subnet	*s;

	TAILQ_FOREACH(s, &c->c_subnets, s_all)
		if ((addr.s_addr & s->s_mask.s_addr) == s->s_net.s_addr)
			return (s);
	return (NULL);
}

struct dhcp_host *
dhcpd_config_host_by_haddr(const struct dhcpd_config *c, uint8_t htype,
    const uint8_t *haddr, uint8_t hlen)
{
	struct dhcp_host	*h;

	if (htype == 0 || hlen == 0 || hlen > DHCP_HADDR_MAX)
		return (NULL);
	TAILQ_FOREACH(h, &c->c_hosts, h_entry)
		if (h->h_htype == htype && h->h_hlen == hlen &&
		    memcmp(h->h_haddr, haddr, hlen) == 0)
			return (h);
	return (NULL);
}

struct dhcp_host *
dhcpd_config_host_by_uid(const struct dhcpd_config *c, const uint8_t *uid,
    size_t len)
{
	struct dhcp_host	*h;

	if (len == 0)
		return (NULL);
	TAILQ_FOREACH(h, &c->c_hosts, h_entry)
		if (h->h_uid != NULL && h->h_uidlen == len &&
		    memcmp(h->h_uid, uid, len) == 0)
			return (h);
	return (NULL);
}

/* The class whose identifier is exactly id[0..len). */
struct dhcp_class *
dhcpd_config_class(const struct dhcpd_config *c, enum dhcp_class_kind kind,
    const uint8_t *id, size_t len)
{
	struct dhcp_class	*cl;

	TAILQ_FOREACH(cl, &c->c_classes, c_entry)
		if (cl->c_kind == kind && strlen(cl->c_name) == len &&
		    memcmp(cl->c_name, id, len) == 0)
			return (cl);
	return (NULL);
}
