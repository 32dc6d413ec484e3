/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * relayd.conf through conf_parse_buf() with no name resolution (as the
 * children parse it): whatever parses must print to a text that parses
 * again, prints the same and gives the same ids (the -nv fixed point the
 * children rely on), and the lookups must find what the lists hold.  The
 * input is read from a stream, below which the lexer refuses every
 * include, so the target never reads a file the input names.  A broken
 * invariant aborts.
 */

#include <sys/queue.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf_l7.h"
#include "relayd.h"

#define CHECK(x)	do { if (!(x)) abort(); } while (0)
#define MAXINPUT	(64 * 1024)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	 quiet(void *, const char *);
static struct relayd_conf *parse_mem(const char *, size_t, int *);
static void	 exercise(const struct relayd_conf *);
static void	 same_ids(const struct relayd_conf *,
		    const struct relayd_conf *);

static void
quiet(void *arg, const char *msg)
{
	int	*n = arg;

	CHECK(msg != NULL && strchr(msg, '\n') == NULL);
	(*n)++;
}

static struct relayd_conf *
parse_mem(const char *buf, size_t len, int *nmsg)
{
	struct conf_parse_opts	 o;

	*nmsg = 0;
	memset(&o, 0, sizeof(o));
	o.po_err = quiet;
	o.po_arg = nmsg;
	o.po_resolve = 0;
	return (conf_parse_buf(buf, len, "fuzz.conf", &o));
}

/* What every accepted configuration holds. */
static void
exercise(const struct relayd_conf *c)
{
	const struct rd_table		*t;
	const struct rd_host		*h;
	const struct rd_redirect	*r;
	uint32_t			 tid = 0, hid = 0;

	CHECK(c->c_interval >= 1);
	CHECK(c->c_timeout <= c->c_interval * 1000);
	CHECK(c->c_prefork >= 1 && c->c_prefork <= RELAYD_PREFORK_MAX);
	CHECK(c->c_nhosts <= RELAYD_MAXHOSTS);
	TAILQ_FOREACH(t, &c->c_tables, t_entry) {
		CHECK(t->t_id == ++tid);
		CHECK(conf_table(c, t->t_id) == t);
		CHECK(conf_table_byname(c, t->t_name) == t);
		CHECK(t->t_interval % c->c_interval == 0);
		CHECK(t->t_timeout <= t->t_interval * 1000);
		TAILQ_FOREACH(h, &t->t_hosts, h_entry) {
			CHECK(h->h_id == ++hid);
			CHECK(h->h_table == t);
			CHECK(conf_host(c, h->h_id) == h);
		}
	}
	CHECK(hid == c->c_nhosts);
	TAILQ_FOREACH(r, &c->c_redirects, r_entry) {
		CHECK(conf_redirect(c, r->r_id) == r);
		CHECK(r->r_nlisten >= 1 && r->r_nlisten <= RELAYD_MAXLISTEN);
		CHECK(r->r_table != NULL);
		CHECK(r->r_table->t_check.ck_type != CHECK_NOCHECK);
		CHECK(r->r_backup == NULL ||
		    r->r_backup->t_port == r->r_table->t_port);
	}
}

static void
same_ids(const struct relayd_conf *a, const struct relayd_conf *b)
{
	const struct rd_table	*t, *t2;
	const struct rd_host	*h, *h2;

	t2 = TAILQ_FIRST(&b->c_tables);
	TAILQ_FOREACH(t, &a->c_tables, t_entry) {
		CHECK(t2 != NULL && t->t_id == t2->t_id &&
		    strcmp(t->t_name, t2->t_name) == 0);
		h2 = TAILQ_FIRST(&t2->t_hosts);
		TAILQ_FOREACH(h, &t->t_hosts, h_entry) {
			CHECK(h2 != NULL && h->h_id == h2->h_id &&
			    strcmp(h->h_name, h2->h_name) == 0);
			h2 = TAILQ_NEXT(h2, h_entry);
		}
		CHECK(h2 == NULL);
		t2 = TAILQ_NEXT(t2, t_entry);
	}
	CHECK(t2 == NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct relayd_conf	*c1, *c2;
	char			*p1, *p2;
	size_t			 l1, l2;
	int			 n1, n2;

	if (len > MAXINPUT)
		return (0);
	c1 = parse_mem((const char *)data, len, &n1);
	if (c1 == NULL) {
		CHECK(n1 > 0);		/* a failure always says why */
		return (0);
	}
	exercise(c1);
	CHECK((p1 = conf_print_str(c1, &l1)) != NULL);

	c2 = parse_mem(p1, l1, &n2);
	CHECK(c2 != NULL);
	CHECK((p2 = conf_print_str(c2, &l2)) != NULL);
	CHECK(l1 == l2 && memcmp(p1, p2, l1) == 0);
	same_ids(c1, c2);
	conf_merge_state(c2, c1);

	conf_free(c1);
	conf_free(c2);
	free(p1);
	free(p2);
	return (0);
}
