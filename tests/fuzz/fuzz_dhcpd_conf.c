/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * dhcpd.conf through dhcpd_config_parse_stream() from memory: whatever
 * parses must print to a text that parses again and prints the same (the
 * -nv fixed point), and the lookups the server makes must hold on the
 * result.  The input is a stream (fmemopen), below which includes are
 * refused, so the target never reads a file.  Messages go to a memory
 * stream: a failed parse must have said why.  A broken invariant aborts.
 */

#include <sys/queue.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dhcp_opt.h"
#include "dhcpd_conf.h"

#define CHECK(x)	do { if (!(x)) abort(); } while (0)
#define MAXINPUT	(64 * 1024)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct dhcpd_config *parse_mem(char *, size_t, size_t *);
static char	*print_mem(const struct dhcpd_config *, size_t *);
static void	 exercise(const struct dhcpd_config *, const uint8_t *,
		    size_t);

/* Parses len bytes of buf; *nmsg is the length of what it said. */
static struct dhcpd_config *
parse_mem(char *buf, size_t len, size_t *nmsg)
{
	struct dhcpd_config	*c;
	FILE			*f, *err;
	char			*msgs = NULL;

	CHECK((err = open_memstream(&msgs, nmsg)) != NULL);
	CHECK((f = fmemopen(buf, len, "r")) != NULL);
	c = dhcpd_config_parse_stream(f, "fuzz.conf", err);
	(void)fclose(f);
	CHECK(fclose(err) == 0);
	free(msgs);
	return (c);
}

static char *
print_mem(const struct dhcpd_config *c, size_t *len)
{
	char	*buf = NULL;
	FILE	*f;

	CHECK((f = open_memstream(&buf, len)) != NULL);
	dhcpd_config_print(f, c);
	CHECK(fclose(f) == 0);
	return (buf);
}

/* Lookups with an address and a MAC from the input's first bytes. */
static void
exercise(const struct dhcpd_config *c, const uint8_t *data, size_t len)
{
	const struct dhcp_subnet	*s;
	const struct dhcp_host		*h;
	const struct dhcp_range		*r;
	const struct dhcp_optval	*ov;
	struct in_addr			 a;
	uint8_t				 mac[6] = { 0 };
	int				 i;

	memset(&a, 0, sizeof(a));
	memcpy(&a, data, len < sizeof(a) ? len : sizeof(a));
	if ((s = dhcpd_config_subnet_for(c, a)) != NULL) {
		CHECK((a.s_addr & s->s_mask.s_addr) == s->s_net.s_addr);
		CHECK(s->s_shared != NULL);
		CHECK(dhcp_params_default_lease_time(&s->s_params) >= 0);
		CHECK(dhcp_params_max_lease_time(&s->s_params) >= 0);
		for (i = 0; i < DHCP_OPT_MAX; i++)
			if ((ov = dhcp_params_opt(&s->s_params,
			    (uint8_t)i)) != NULL)
				CHECK(ov->ov_len > 0 &&
				    ov->ov_len <= DHCP_OPT_LEN_MAX);
	}
	/* Ranges lie in their subnets, and subnets do not overlap. */
	TAILQ_FOREACH(s, &c->c_subnets, s_all) {
		CHECK(dhcpd_config_subnet_for(c, s->s_net) == s);
		TAILQ_FOREACH(r, &s->s_ranges, r_entry) {
			CHECK(ntohl(r->r_low.s_addr) <=
			    ntohl(r->r_high.s_addr));
			CHECK(dhcpd_config_subnet_for(c, r->r_low) == s);
			CHECK(dhcpd_config_subnet_for(c, r->r_high) == s);
		}
	}
	/* Each host is found by what identifies it. */
	TAILQ_FOREACH(h, &c->c_hosts, h_entry) {
		if (h->h_htype != 0)
			CHECK(dhcpd_config_host_by_haddr(c, h->h_htype,
			    h->h_haddr, h->h_hlen) == h);
		if (h->h_uid != NULL)
			CHECK(dhcpd_config_host_by_uid(c, h->h_uid,
			    h->h_uidlen) == h);
	}
	if (len > 4)
		memcpy(mac, data + 4, len - 4 < sizeof(mac) ? len - 4 :
		    sizeof(mac));
	(void)dhcpd_config_host_by_haddr(c, 1, mac, sizeof(mac));
	(void)dhcpd_config_class(c, DHCP_CLASS_VENDOR, data, len < 16 ? len :
	    16);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct dhcpd_config	*c1, *c2;
	char			*in, *p1, *p2;
	size_t			 l1, l2, n1, n2;

	if (len > MAXINPUT)
		return (0);
	/* fmemopen() wants writable memory: never hand it the input. */
	CHECK((in = malloc(len + 1)) != NULL);
	memcpy(in, data, len);
	c1 = parse_mem(in, len, &n1);
	free(in);
	if (c1 == NULL) {
		CHECK(n1 > 0);		/* a failure always says why */
		return (0);
	}
	exercise(c1, data, len);
	p1 = print_mem(c1, &l1);

	c2 = parse_mem(p1, l1, &n2);
	CHECK(c2 != NULL);
	p2 = print_mem(c2, &l2);
	CHECK(l1 == l2 && memcmp(p1, p2, l1) == 0);

	dhcpd_config_free(c1);
	dhcpd_config_free(c2);
	free(p1);
	free(p2);
	return (0);
}
