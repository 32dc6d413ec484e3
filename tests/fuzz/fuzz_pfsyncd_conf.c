/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * pfsyncd.conf through pfsyncd_parse() from memory: whatever parses must
 * print to a text that parses again and prints the same (the -nv fixed
 * point), and the filter and zone map must run over the result.  The
 * input is read from a stream (fmemopen), and the lexer refuses every
 * include below a stream, so an input saying include "/etc/shadow" only
 * gets an error: the target never reads a file.  A broken invariant
 * aborts.
 */

#include <sys/socket.h>

#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ct.h"
#include "pfsyncd.h"

#define CHECK(x)	do { if (!(x)) abort(); } while (0)
#define MAXINPUT	(64 * 1024)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	 quiet(void *, const char *);
static struct pfsyncd_config *parse_mem(char *, size_t, int *);
static char	*print_mem(const struct pfsyncd_config *, size_t *);
static void	 exercise(const struct pfsyncd_config *, const uint8_t *,
		    size_t);

static void
quiet(void *arg, const char *msg)
{
	int	*n = arg;

	CHECK(msg != NULL && strchr(msg, '\n') == NULL);
	(*n)++;
}

static struct pfsyncd_config *
parse_mem(char *buf, size_t len, int *nmsg)
{
	struct pfsyncd_config	*c;
	FILE			*f;

	*nmsg = 0;
	CHECK((f = fmemopen(buf, len, "r")) != NULL);
	c = pfsyncd_parse(f, "fuzz.conf", quiet, nmsg);
	(void)fclose(f);
	return (c);
}

static char *
print_mem(const struct pfsyncd_config *c, size_t *len)
{
	char	*buf = NULL;
	FILE	*f;

	CHECK((f = open_memstream(&buf, len)) != NULL);
	pfsyncd_config_print(f, c);
	CHECK(fclose(f) == 0);
	return (buf);
}

/*
 * Runs the filter over an entry built from the input's first bytes, and
 * checks what every accepted config must hold.
 */
static void
exercise(const struct pfsyncd_config *c, const uint8_t *data, size_t len)
{
	struct ct_state	 st;
	uint16_t	 z;
	int		 i;

	CHECK(c->c_syncdev[0] != '\0');
	CHECK(c->c_maxupd >= 1);
	CHECK(c->c_mtu >= 576 && c->c_mtu <= 9000);
	CHECK(c->c_npeers >= 0 && c->c_npeers <= PFSYNCD_MAXPEERS);
	CHECK(c->c_naccept >= 0 && c->c_naccept <= PFSYNCD_MAXACCEPT);
	CHECK(c->c_nzones >= 0 && c->c_nzones <= PFSYNCD_MAXZONES);
	/* The map is one to one: each way undoes the other. */
	for (i = 0; i < c->c_nzones; i++) {
		z = c->c_zones[i].zm_zone;
		CHECK(pfsyncd_rdomain_to_zone(c,
		    pfsyncd_zone_to_rdomain(c, z)) == z);
	}

	memset(&st, 0, sizeof(st));
	memcpy(&st, data, len < sizeof(st) ? len : sizeof(st));
	st.orig.af = (st.orig.af & 1) ? AF_INET6 : AF_INET;
	CHECK(pfsyncd_filter(c, &st) == 0 || pfsyncd_filter(c, &st) == 1);
	for (i = 0; i < c->c_naccept; i++)
		(void)pfsync_net_match(&c->c_accept[i], st.orig.af,
		    st.orig.src);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct pfsyncd_config	*c1, *c2;
	char			*in, *p1, *p2;
	size_t			 l1, l2;
	int			 n1, n2;

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

	pfsyncd_config_free(c1);
	pfsyncd_config_free(c2);
	free(p1);
	free(p2);
	return (0);
}
