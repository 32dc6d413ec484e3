/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * carpd.conf through carpd_parse() from memory: whatever parses must
 * print to a text that parses again and prints the same (the -nv fixed
 * point).  The input is read from a stream (fmemopen), and the lexer
 * refuses every include below a stream, so an input saying
 * include "/etc/shadow" only gets an error: the target never reads a
 * file.  A broken invariant aborts.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "carpd.h"

#define CHECK(x)	do { if (!(x)) abort(); } while (0)
#define MAXINPUT	(64 * 1024)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	 quiet(void *, const char *);
static struct carpd_config *parse_mem(char *, size_t, int *);
static char	*print_mem(const struct carpd_config *, size_t *);

static void
quiet(void *arg, const char *msg)
{
	int	*n = arg;

	CHECK(msg != NULL && strchr(msg, '\n') == NULL);
	(*n)++;
}

static struct carpd_config *
parse_mem(char *buf, size_t len, int *nmsg)
{
	struct carpd_config	*c;
	FILE			*f;

	*nmsg = 0;
	CHECK((f = fmemopen(buf, len, "r")) != NULL);
	c = carpd_parse(f, "fuzz.conf", quiet, nmsg);
	(void)fclose(f);
	return (c);
}

static char *
print_mem(const struct carpd_config *c, size_t *len)
{
	char	*buf = NULL;
	FILE	*f;

	CHECK((f = open_memstream(&buf, len)) != NULL);
	carpd_config_print(f, c);
	CHECK(fclose(f) == 0);
	return (buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct carpd_config	*c1, *c2;
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
	p1 = print_mem(c1, &l1);

	c2 = parse_mem(p1, l1, &n2);
	CHECK(c2 != NULL);
	p2 = print_mem(c2, &l2);
	CHECK(l1 == l2 && memcmp(p1, p2, l1) == 0);

	carpd_config_free(c1);
	carpd_config_free(c2);
	free(p1);
	free(p2);
	return (0);
}
