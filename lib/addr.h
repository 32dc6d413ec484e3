/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

#ifndef HAKIT_ADDR_H
#define HAKIT_ADDR_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

/* An IPv4 or IPv6 address with an optional prefix length. */
struct addr {
	int		 a_af;		/* AF_INET or AF_INET6 */
	union {
		struct in_addr	 v4;
		struct in6_addr	 v6;
		uint8_t		 raw[16];
	}		 a_u;
	int		 a_plen;	/* -1 when none was given */
};
#define a_v4	a_u.v4
#define a_v6	a_u.v6

#define ADDR_STRLEN	(INET6_ADDRSTRLEN + 4)

/*
 * Parses "192.0.2.1", "192.0.2.1/24", "2001:db8::1/64".  Returns 0, or -1
 * with *errstr naming what is wrong.
 */
int	 addr_parse(const char *, struct addr *, const char **errstr);
/* Parses a dotted netmask ("255.255.255.0") into a prefix length. */
int	 addr_mask_plen(const char *, int *plen);
size_t	 addr_len(const struct addr *);
int	 addr_cmp(const struct addr *, const struct addr *);
int	 addr_is_v6_linklocal(const struct addr *);
/* Writes the address, and "/plen" when withplen and known. */
const char *addr_ntop(const struct addr *, int withplen, char *, size_t);

#endif /* HAKIT_ADDR_H */
