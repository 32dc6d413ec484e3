/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * Which conntrack entries pfsyncd sends, and how zones travel as pf
 * rdomains: the configuration applied to one entry, without I/O.  The
 * entries no rule can bring in (CARP, pfsync, untracked, helpers) are
 * sync.c's to leave out, before it asks the rules.
 */

#include <sys/socket.h>

#include <netinet/in.h>
#include <stdint.h>
#include <string.h>

#include "ct.h"
#include "pfsyncd.h"

static int	 filter_match(const struct pfsync_rule *,
		    const struct ct_state *);

/* 1 if every option of the rule holds for the entry's orig tuple. */
static int
filter_match(const struct pfsync_rule *r, const struct ct_state *st)
{
	const struct ct_tuple	*t = &st->orig;

	if (r->r_proto != 0 && r->r_proto != t->proto)
		return (0);
	if (r->r_af != 0 && r->r_af != t->af)
		return (0);
	if (r->r_has_from && !pfsync_net_match(&r->r_from, t->af, t->src))
		return (0);
	if (r->r_has_to && !pfsync_net_match(&r->r_to, t->af, t->dst))
		return (0);
	if (r->r_zone >= 0 && r->r_zone != st->zone)
		return (0);
	if (r->r_has_mark && (st->mark & r->r_markmask) != r->r_mark)
		return (0);
	return (1);
}

int
pfsyncd_filter(const struct pfsyncd_config *conf, const struct ct_state *st)
{
	const struct pfsync_rule	*r;
	int				 sync = 1;

	/* As in pf, the last rule that matches decides: no early exit. */
	TAILQ_FOREACH(r, &conf->c_rules, r_entry)
		if (filter_match(r, st))
			sync = r->r_sync;
	return (sync);
}

uint16_t
pfsyncd_zone_to_rdomain(const struct pfsyncd_config *conf, uint16_t zone)
{
	int	 i;

	for (i = 0; i < conf->c_nzones; i++)
		if (conf->c_zones[i].zm_zone == zone)
			return (conf->c_zones[i].zm_rdomain);
	return (zone);
}

uint16_t
pfsyncd_rdomain_to_zone(const struct pfsyncd_config *conf, uint16_t rdomain)
{
	int	 i;

	for (i = 0; i < conf->c_nzones; i++)
		if (conf->c_zones[i].zm_rdomain == rdomain)
			return (conf->c_zones[i].zm_zone);
	return (rdomain);
}

/*
 * addr holds 4 bytes for AF_INET, 16 for AF_INET6, in network order.  A
 * net of another family never matches; a prefix length of 0 matches
 * every address of its family.
 */
int
pfsync_net_match(const struct pfsync_net *net, int af, const uint8_t *addr)
{
	unsigned int	 full, rest, max;
	uint8_t		 mask;

	if (net->n_af != af || (af != AF_INET && af != AF_INET6))
		return (0);
	max = af == AF_INET ? 32 : 128;
	full = net->n_plen > max ? max / 8 : net->n_plen / 8u;
	rest = net->n_plen > max ? 0 : net->n_plen % 8u;
	if (memcmp(net->n_addr, addr, full) != 0)
		return (0);
	if (rest == 0)
		return (1);
	mask = (uint8_t)(0xff00 >> rest);
	return ((net->n_addr[full] & mask) == (addr[full] & mask));
}
