/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * sasyncd.conf through sasyncd_parse_stream() from memory.  Whatever
 * parses must hold the config's invariants and print to a text that,
 * with a sharedkey of the printed length added (the key is never
 * printed), parses again and prints the same (the -nv fixed point).
 * Host names are not resolved (SASYNCD_PARSE_NODNS) and the grammar has
 * no include, so the target does no I/O.  No message may hold a
 * newline.  (That no message shows the key is the unit test's job: a
 * fuzzer can always move the key's text onto another line.)  A broken
 * invariant aborts.
 */

#include <sys/socket.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"

#define CHECK(x)	do { if (!(x)) abort(); } while (0)
#define MAXINPUT	(64 * 1024)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	 quiet(void *, const char *);
static struct sasyncd_conf *parse_mem(char *, size_t, int *);
static char	*print_mem(const struct sasyncd_conf *, size_t *);
static void	 exercise(const struct sasyncd_conf *);

static void
quiet(void *arg, const char *msg)
{
	int	*n = arg;

	CHECK(msg != NULL && strchr(msg, '\n') == NULL);
	(*n)++;
}

static struct sasyncd_conf *
parse_mem(char *buf, size_t len, int *nmsg)
{
	struct sasyncd_conf	*c;
	FILE			*f;

	*nmsg = 0;
	CHECK((f = fmemopen(buf, len, "r")) != NULL);
	c = sasyncd_parse_stream(f, "fuzz.conf", SASYNCD_PARSE_NODNS, quiet,
	    nmsg);
	(void)fclose(f);
	return (c);
}

static char *
print_mem(const struct sasyncd_conf *c, size_t *len)
{
	char	*buf = NULL;
	FILE	*f;

	CHECK((f = open_memstream(&buf, len)) != NULL);
	sasyncd_conf_print(f, c);
	CHECK(fclose(f) == 0);
	return (buf);
}

static void
exercise(const struct sasyncd_conf *c)
{
	const struct sasync_peer_conf	*pc;
	int				 n = 0;

	CHECK(c->c_key.k_len == 16 || c->c_key.k_len == 24 ||
	    c->c_key.k_len == 32);
	CHECK(c->c_carpif[0] != '\0' || c->c_lock != LOCK_NONE);
	CHECK(c->c_group[0] != '\0');
	CHECK(c->c_port >= 1);
	CHECK(c->c_listen[0] != '\0' || c->c_port == SASYNCD_DEFAULT_PORT);
	CHECK(c->c_margin >= 1 && c->c_margin <= SASYNCD_MAX_MARGIN);
	CHECK(c->c_aeinterval >= 1 &&
	    c->c_aeinterval <= SASYNCD_MAX_AEINTERVAL);
	TAILQ_FOREACH(pc, &c->c_peers, p_entry) {
		CHECK(pc->p_name[0] != '\0');
		if (pc->p_numeric)
			CHECK(pc->p_sslen > 0 &&
			    (pc->p_ss.ss_family == AF_INET ||
			    pc->p_ss.ss_family == AF_INET6));
		else
			CHECK(pc->p_sslen == 0);
		n++;
	}
	CHECK(n == c->c_npeers);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct sasyncd_conf	*c1, *c2;
	char			*in, *p1, *p2, *text;
	size_t			 l1, l2, i;
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
	exercise(c1);
	p1 = print_mem(c1, &l1);
	CHECK(memchr(p1, '\0', l1) == NULL);

	/* the printout and a stand-in key of the same length */
	CHECK((text = malloc(l1 + 64)) != NULL);
	memcpy(text, p1, l1);
	memcpy(text + l1, "sharedkey ", 10);
	for (i = 0; i < c1->c_key.k_len; i++)
		text[l1 + 10 + i] = 'k';
	text[l1 + 10 + i] = '\n';
	c2 = parse_mem(text, l1 + 11 + i, &n2);
	CHECK(c2 != NULL);
	p2 = print_mem(c2, &l2);
	CHECK(l1 == l2 && memcmp(p1, p2, l1) == 0);

	sasyncd_conf_free(c1);
	sasyncd_conf_free(c2);
	free(text);
	free(p1);
	free(p2);
	return (0);
}
