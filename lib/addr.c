/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"

int
addr_parse(const char *s, struct addr *a, const char **errstr)
{
	char		 tmp[ADDR_STRLEN + 8], *slash, *end;
	long		 plen;
	int		 max;

	memset(a, 0, sizeof(*a));
	a->a_plen = -1;
	if (strlen(s) >= sizeof(tmp)) {
		*errstr = "address too long";
		return (-1);
	}
	(void)strcpy(tmp, s);
	if ((slash = strchr(tmp, '/')) != NULL)
		*slash++ = '\0';
	if (inet_pton(AF_INET, tmp, &a->a_v4) == 1) {
		a->a_af = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, tmp, &a->a_v6) == 1) {
		a->a_af = AF_INET6;
		max = 128;
	} else {
		*errstr = "not an IPv4 or IPv6 address";
		return (-1);
	}
	if (slash != NULL) {
		if (*slash < '0' || *slash > '9') {
			*errstr = "bad prefix length";
			return (-1);
		}
		plen = strtol(slash, &end, 10);
		if (*end != '\0' || plen < 0 || plen > max) {
			*errstr = "bad prefix length";
			return (-1);
		}
		a->a_plen = (int)plen;
	}
	return (0);
}

int
addr_mask_plen(const char *s, int *plen)
{
	struct in_addr	 m;
	uint32_t	 v;
	int		 n = 0;

	if (inet_pton(AF_INET, s, &m) != 1)
		return (-1);
	v = ntohl(m.s_addr);
	while (v & 0x80000000U) {
		n++;
		v <<= 1;
	}
	if (v != 0)
		return (-1);	/* not contiguous */
	*plen = n;
	return (0);
}

size_t
addr_len(const struct addr *a)
{
	return (a->a_af == AF_INET6 ? 16 : 4);
}

/* Orders by family (IPv4 first), then bytewise, as CARP's HMAC wants. */
int
addr_cmp(const struct addr *a, const struct addr *b)
{
	if (a->a_af != b->a_af)
		return (a->a_af == AF_INET ? -1 : 1);
	return (memcmp(a->a_u.raw, b->a_u.raw, addr_len(a)));
}

int
addr_is_v6_linklocal(const struct addr *a)
{
	return (a->a_af == AF_INET6 && IN6_IS_ADDR_LINKLOCAL(&a->a_v6));
}

const char *
addr_ntop(const struct addr *a, int withplen, char *out, size_t len)
{
	char	 tmp[INET6_ADDRSTRLEN];

	if (inet_ntop(a->a_af, a->a_u.raw, tmp, sizeof(tmp)) == NULL)
		(void)strcpy(tmp, "?");
	if (withplen && a->a_plen >= 0)
		(void)snprintf(out, len, "%s/%d", tmp, a->a_plen);
	else
		(void)snprintf(out, len, "%s", tmp);
	return (out);
}
