/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/* The pure parts of ct.h, linked into tests without netlink. */

#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "ct.h"

void
ct_tuple_invert(const struct ct_tuple *t, struct ct_tuple *inv)
{
	struct ct_tuple	 r;

	memset(&r, 0, sizeof(r));
	r.af = t->af;
	r.proto = t->proto;
	r.sport = t->dport;
	r.dport = t->sport;
	memcpy(r.src, t->dst, sizeof(r.src));
	memcpy(r.dst, t->src, sizeof(r.dst));
	*inv = r;
}

int
ct_tuple_cmp(const struct ct_tuple *a, const struct ct_tuple *b)
{
	int	 c;

	if (a->af != b->af)
		return (a->af < b->af ? -1 : 1);
	if (a->proto != b->proto)
		return (a->proto < b->proto ? -1 : 1);
	if (a->sport != b->sport)
		return (a->sport < b->sport ? -1 : 1);
	if (a->dport != b->dport)
		return (a->dport < b->dport ? -1 : 1);
	if ((c = memcmp(a->src, b->src, sizeof(a->src))) != 0)
		return (c);
	return (memcmp(a->dst, b->dst, sizeof(a->dst)));
}

static const char *
ct_proto_name(uint8_t p, char *buf, size_t len)
{
	switch (p) {
	case IPPROTO_TCP:
		return ("tcp");
	case IPPROTO_UDP:
		return ("udp");
	case IPPROTO_ICMP:
		return ("icmp");
	case IPPROTO_ICMPV6:
		return ("icmp6");
	case IPPROTO_SCTP:
		return ("sctp");
	case IPPROTO_UDPLITE:
		return ("udplite");
	case IPPROTO_DCCP:
		return ("dccp");
	case IPPROTO_GRE:
		return ("gre");
	default:
		(void)snprintf(buf, len, "proto %u", p);
		return (buf);
	}
}

const char *
ct_tuple_str(const struct ct_tuple *t, char *buf, size_t len)
{
	char	 s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN], pn[16];
	int	 af = t->af == AF_INET6 ? AF_INET6 : AF_INET;

	if (inet_ntop(af, t->src, s, sizeof(s)) == NULL)
		(void)strlcpy(s, "?", sizeof(s));
	if (inet_ntop(af, t->dst, d, sizeof(d)) == NULL)
		(void)strlcpy(d, "?", sizeof(d));
	if (af == AF_INET6)
		(void)snprintf(buf, len, "%s [%s]:%u -> [%s]:%u",
		    ct_proto_name(t->proto, pn, sizeof(pn)), s,
		    ntohs(t->sport), d, ntohs(t->dport));
	else
		(void)snprintf(buf, len, "%s %s:%u -> %s:%u",
		    ct_proto_name(t->proto, pn, sizeof(pn)), s,
		    ntohs(t->sport), d, ntohs(t->dport));
	return (buf);
}
