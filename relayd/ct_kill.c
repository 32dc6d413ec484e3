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

static int	 ct_match(const struct nf_conntrack *, void *);

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

int
ct_kill_backend(const struct sockaddr_storage *ss, uint16_t port,
    uint64_t *killed)
{
	struct ct_backend	 b;

	if (killed != NULL)
		*killed = 0;
	memset(&b, 0, sizeof(b));
	b.b_af = ss->ss_family;
	if (b.b_af == AF_INET6)
		memcpy(b.b_addr,
		    &((const struct sockaddr_in6 *)ss)->sin6_addr, 16);
	else if (b.b_af == AF_INET)
		memcpy(b.b_addr,
		    &((const struct sockaddr_in *)ss)->sin_addr, 4);
	else {
		errno = EAFNOSUPPORT;
		return (-1);
	}
	b.b_port = htons(port);
	return (ctkill(b.b_af, ct_match, &b, killed));
}
