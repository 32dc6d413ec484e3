/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * Conntrack entries of a backend that went down (spec 13.4): a redirected
 * flow's reply tuple has the backend as its source, so the entries whose
 * reply source is the backend's address (and port, when the table has
 * one) are deleted, and their clients, sticky or not, reconnect at once
 * to a live host instead of waiting on a dead one.
 *
 * The dump, asked for the backend's family only, and the deletes are
 * lib/ctkill's (see ctkill.h for how and why); here is only the match.
 */

#include <sys/socket.h>

#include <netinet/in.h>
#include <errno.h>
#include <string.h>

#include <libnetfilter_conntrack/libnetfilter_conntrack.h>

#include "ctkill.h"
#include "nft.h"

/* The backend. */
struct ct_backend {
	int			 b_af;
	uint8_t			 b_addr[16];
	uint16_t		 b_port;	/* network order, 0 = any */
};

/* Backends whose states are counted, for least-states. */
struct ct_tally {
	int			 t_af;
	struct ct_backend	*t_b;
	uint64_t		*t_counts;
	int			 t_n;
};

static int	 ct_match(const struct nf_conntrack *, void *);
static int	 ct_backend_set(struct ct_backend *,
		    const struct sockaddr_storage *, uint16_t);
static int	 ct_tally(const struct nf_conntrack *, void *);

/* ctkill() match: the entries whose reply source is the backend. */
static int
ct_match(const struct nf_conntrack *ct, void *arg)
{
	const struct ct_backend	*b = arg;
	const void		*a;
	size_t			 alen;

	if (b->b_af == AF_INET6) {
		a = nfct_get_attr(ct, ATTR_REPL_IPV6_SRC);
		alen = 16;
	} else {
		a = nfct_get_attr(ct, ATTR_REPL_IPV4_SRC);
		alen = 4;
	}
	if (a == NULL || memcmp(a, b->b_addr, alen) != 0)
		return (0);
	if (b->b_port != 0 && (!nfct_attr_is_set(ct, ATTR_REPL_PORT_SRC) ||
	    nfct_get_attr_u16(ct, ATTR_REPL_PORT_SRC) != b->b_port))
		return (0);
	return (1);
}

static int
ct_backend_set(struct ct_backend *b, const struct sockaddr_storage *ss,
    uint16_t port)
{
	memset(b, 0, sizeof(*b));
	b->b_af = ss->ss_family;
	if (b->b_af == AF_INET6)
		memcpy(b->b_addr,
		    &((const struct sockaddr_in6 *)ss)->sin6_addr, 16);
	else if (b->b_af == AF_INET)
		memcpy(b->b_addr,
		    &((const struct sockaddr_in *)ss)->sin_addr, 4);
	else {
		errno = EAFNOSUPPORT;
		return (-1);
	}
	b->b_port = htons(port);
	return (0);
}

int
ct_kill_backend(const struct sockaddr_storage *ss, uint16_t port,
    uint64_t *killed)
{
	struct ct_backend	 b;

	if (killed != NULL)
		*killed = 0;
	if (ct_backend_set(&b, ss, port) == -1)
		return (-1);
	return (ctkill(b.b_af, ct_match, &b, killed));
}

/* A ctkill() match that never matches: it counts, and deletes nothing. */
static int
ct_tally(const struct nf_conntrack *ct, void *arg)
{
	struct ct_tally	*t = arg;
	int		 i;

	/* Redirected flows only, as pf counts the states of its rdr rule:
	 * relayd's own check connections to a backend are not NATed. */
	if (!nfct_attr_is_set(ct, ATTR_STATUS) ||
	    !(nfct_get_attr_u32(ct, ATTR_STATUS) & IPS_DST_NAT))
		return (0);
	for (i = 0; i < t->t_n; i++)
		if (t->t_b[i].b_af == t->t_af && ct_match(ct, &t->t_b[i])) {
			t->t_counts[i]++;
			break;
		}
	return (0);
}

int
ct_count_backends(const struct sockaddr_storage *ss, const uint16_t *ports,
    int n, uint64_t *counts)
{
	struct ct_backend	 b[RELAYD_BUCKETS];
	struct ct_tally		 t;
	int			 i, v4 = 0, v6 = 0;

	if (n < 0 || n > RELAYD_BUCKETS) {
		errno = EINVAL;
		return (-1);
	}
	for (i = 0; i < n; i++) {
		counts[i] = 0;
		if (ct_backend_set(&b[i], &ss[i], ports[i]) == -1)
			return (-1);
		v4 |= b[i].b_af == AF_INET;
		v6 |= b[i].b_af == AF_INET6;
	}
	t.t_b = b;
	t.t_counts = counts;
	t.t_n = n;
	t.t_af = AF_INET;
	if (v4 && ctkill(AF_INET, ct_tally, &t, NULL) == -1)
		return (-1);
	t.t_af = AF_INET6;
	if (v6 && ctkill(AF_INET6, ct_tally, &t, NULL) == -1)
		return (-1);
	return (0);
}
