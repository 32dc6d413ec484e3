/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * pfsyncd/ct.c against the kernel's conntrack: every test runs in a
 * fresh network namespace (unshare(CLONE_NEWNET) in its setup), so the
 * table starts empty and nothing leaks into the host's.  Needs root
 * (CAP_NET_ADMIN); without the right to make a namespace the tests are
 * skipped.  What is checked is what the kernel reports back: an entry
 * read with GET or a dump must carry the fields we created it with, a
 * refused request must come back with the kernel's errno, in order.
 */

#include <sys/socket.h>
#include <sys/time.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "ct.h"

#define MAXRES		12000
#define MAXEV		4096
#define MAXDUMP		12000

struct result {
	enum ct_op	 r_op;
	int		 r_err;
	struct ct_state	 r_st;
	uintptr_t	 r_cookie;
};

struct event {
	enum ct_event_type	 e_type;
	struct ct_state		 e_st;
	int			 e_own;
};

struct fix {
	struct ct_handle	*f_h;
	struct result		*f_res;		/* MAXRES, owned */
	size_t			 f_nres;
	struct event		*f_ev;		/* MAXEV, owned */
	size_t			 f_nev;
	struct ct_state		*f_dump;	/* MAXDUMP, owned */
	size_t			 f_ndump;
};

static void
on_result(enum ct_op op, int err, const struct ct_state *st, void *cookie,
    void *arg)
{
	struct fix	*f = arg;
	struct result	*r;

	assert_true(f->f_nres < MAXRES);
	r = &f->f_res[f->f_nres++];
	r->r_op = op;
	r->r_err = err;
	r->r_st = *st;
	r->r_cookie = (uintptr_t)cookie;
}

static void
on_event(enum ct_event_type type, const struct ct_state *st, int own,
    void *arg)
{
	struct fix	*f = arg;
	struct event	*e;

	if (f->f_nev >= MAXEV)
		return;
	e = &f->f_ev[f->f_nev++];
	e->e_type = type;
	e->e_st = *st;
	e->e_own = own;
}

static void
on_dump(const struct ct_state *st, void *arg)
{
	struct fix	*f = arg;

	assert_true(f->f_ndump < MAXDUMP);
	f->f_dump[f->f_ndump++] = *st;
}

/* Writes value to a sysctl of the namespace we are in. */
static void
sysctl_set(const char *name, const char *value)
{
	char	 path[256];
	int	 fd;

	(void)snprintf(path, sizeof(path), "/proc/sys/net/netfilter/%s", name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	assert_int_not_equal(fd, -1);
	assert_int_equal(write(fd, value, strlen(value)),
	    (ssize_t)strlen(value));
	assert_int_equal(close(fd), 0);
}

/* A new, empty network namespace, or the test is skipped. */
static int
enter_netns(void)
{
	if (unshare(CLONE_NEWNET) == -1) {
		if (errno == EPERM)
			return (-1);
		fail_msg("unshare: %s", strerror(errno));
	}
	return (0);
}

static int
setup(void **state)
{
	struct fix	*f;

	if (enter_netns() == -1) {
		*state = NULL;
		return (0);
	}
	f = calloc(1, sizeof(*f));
	assert_non_null(f);
	f->f_res = calloc(MAXRES, sizeof(*f->f_res));
	f->f_ev = calloc(MAXEV, sizeof(*f->f_ev));
	f->f_dump = calloc(MAXDUMP, sizeof(*f->f_dump));
	assert_non_null(f->f_res);
	assert_non_null(f->f_ev);
	assert_non_null(f->f_dump);
	f->f_h = ct_open(1024 * 1024, on_event, f);
	assert_non_null(f->f_h);
	ct_set_result(f->f_h, on_result, f);
	*state = f;
	return (0);
}

static int
teardown(void **state)
{
	struct fix	*f = *state;

	if (f == NULL)
		return (0);
	ct_close(f->f_h);
	free(f->f_res);
	free(f->f_ev);
	free(f->f_dump);
	free(f);
	return (0);
}

/* The fixture, or skip the test when no namespace could be made. */
static struct fix *
fix_get(void **state)
{
	if (*state == NULL)
		skip();
	return (*state);
}

static void
tuple(struct ct_tuple *t, int af, uint8_t proto, const char *src,
    uint16_t sport, const char *dst, uint16_t dport)
{
	memset(t, 0, sizeof(*t));
	t->af = (uint8_t)af;
	t->proto = proto;
	t->sport = htons(sport);
	t->dport = htons(dport);
	assert_int_equal(inet_pton(af, src, t->src), 1);
	assert_int_equal(inet_pton(af, dst, t->dst), 1);
}

/* An ESTABLISHED TCP entry with window scaling, liberal both ways. */
static void
tcp_state(struct ct_state *st, const char *src, uint16_t sport,
    const char *dst, uint16_t dport)
{
	memset(st, 0, sizeof(*st));
	tuple(&st->orig, AF_INET, IPPROTO_TCP, src, sport, dst, dport);
	ct_tuple_invert(&st->orig, &st->reply);
	st->status = CT_S_SEEN_REPLY | CT_S_ASSURED;
	st->timeout = 300;
	st->mark = 0x42;
	st->tcp_state = CT_TCP_ESTABLISHED;
	st->tcp_wscale[CT_DIR_ORIG] = 7;
	st->tcp_wscale[CT_DIR_REPLY] = 8;
	st->tcp_flags[CT_DIR_ORIG] = CT_TCPF_WINDOW_SCALE | CT_TCPF_SACK_PERM |
	    CT_TCPF_BE_LIBERAL;
	st->tcp_flags[CT_DIR_REPLY] = CT_TCPF_WINDOW_SCALE |
	    CT_TCPF_BE_LIBERAL;
}

static void
udp_state(struct ct_state *st, const char *src, uint16_t sport,
    const char *dst, uint16_t dport)
{
	memset(st, 0, sizeof(*st));
	tuple(&st->orig, AF_INET, IPPROTO_UDP, src, sport, dst, dport);
	ct_tuple_invert(&st->orig, &st->reply);
	st->status = CT_S_SEEN_REPLY;
	st->timeout = 60;
}

/* Queues one request and commits it; returns its result. */
static struct result *
one(struct fix *f, enum ct_op op, const struct ct_state *st)
{
	size_t	 n = f->f_nres;

	assert_int_equal(ct_queue(f->f_h, op, st, (void *)(uintptr_t)77), 0);
	assert_int_equal(ct_commit(f->f_h), 0);
	assert_int_equal(f->f_nres, n + 1);
	assert_int_equal(f->f_res[n].r_op, op);
	assert_int_equal(f->f_res[n].r_cookie, 77);
	return (&f->f_res[n]);
}

static void
assert_tuple_equal(const struct ct_tuple *a, const struct ct_tuple *b)
{
	char	 sa[128], sb[128];

	if (ct_tuple_cmp(a, b) != 0)
		fail_msg("tuple %s != %s", ct_tuple_str(a, sa, sizeof(sa)),
		    ct_tuple_str(b, sb, sizeof(sb)));
}

/* The dumped entry whose orig tuple and zone are these; fails if none. */
static const struct ct_state *
dump_find(const struct fix *f, const struct ct_tuple *orig, uint16_t zone)
{
	size_t	 i;
	char	 buf[128];

	for (i = 0; i < f->f_ndump; i++)
		if (ct_tuple_cmp(&f->f_dump[i].orig, orig) == 0 &&
		    f->f_dump[i].zone == zone)
			return (&f->f_dump[i]);
	fail_msg("%s zone %u not in the dump", ct_tuple_str(orig, buf,
	    sizeof(buf)), zone);
	return (&f->f_dump[0]);	/* not reached */
}

static double
now_sec(void)
{
	struct timespec	 ts;

	assert_int_equal(clock_gettime(CLOCK_MONOTONIC, &ts), 0);
	return ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
}

static void
test_tcp_established_liberal_entry_reads_back_as_created(void **state)
{
	struct fix		*f = fix_get(state);
	struct ct_state		 st;
	const struct ct_state	*g;
	struct result		*r;

	tcp_state(&st, "192.0.2.1", 40001, "198.51.100.2", 80);
	r = one(f, CT_OP_CREATE, &st);
	assert_int_equal(r->r_err, 0);

	r = one(f, CT_OP_GET, &st);
	assert_int_equal(r->r_err, 0);
	g = &r->r_st;
	assert_tuple_equal(&g->orig, &st.orig);
	assert_tuple_equal(&g->reply, &st.reply);
	assert_int_equal(g->zone, 0);
	assert_int_equal(g->status, CT_S_SEEN_REPLY | CT_S_ASSURED |
	    CT_S_CONFIRMED);
	assert_in_range(g->timeout, 295, 300);
	assert_int_equal(g->mark, 0x42);
	assert_int_not_equal(g->id, 0);
	assert_int_equal(g->tcp_state, CT_TCP_ESTABLISHED);
	assert_int_equal(g->tcp_wscale[CT_DIR_ORIG], 7);
	assert_int_equal(g->tcp_wscale[CT_DIR_REPLY], 8);
	assert_int_equal(g->tcp_flags[CT_DIR_ORIG], CT_TCPF_WINDOW_SCALE |
	    CT_TCPF_SACK_PERM | CT_TCPF_BE_LIBERAL);
	assert_int_equal(g->tcp_flags[CT_DIR_REPLY], CT_TCPF_WINDOW_SCALE |
	    CT_TCPF_BE_LIBERAL);
	/* No accounting or timestamps in a fresh namespace. */
	assert_int_equal(g->packets[CT_DIR_ORIG], 0);
	assert_int_equal(g->bytes[CT_DIR_REPLY], 0);
	assert_int_equal(g->age, 0);
	assert_int_equal(ct_stats(f->f_h)->requests, 2);
	assert_int_equal(ct_stats(f->f_h)->errors, 0);
}

static void
test_second_create_of_the_same_tuple_fails_with_eexist(void **state)
{
	struct fix		*f = fix_get(state);
	struct ct_state		 st;

	tcp_state(&st, "192.0.2.1", 40002, "198.51.100.2", 80);
	assert_int_equal(ct_queue(f->f_h, CT_OP_CREATE, &st, NULL), 0);
	assert_int_equal(ct_queue(f->f_h, CT_OP_CREATE, &st, NULL), 0);
	assert_int_equal(ct_commit(f->f_h), 0);
	assert_int_equal(f->f_nres, 2);
	assert_int_equal(f->f_res[0].r_err, 0);
	assert_int_equal(f->f_res[1].r_err, EEXIST);
	assert_int_equal(ct_stats(f->f_h)->errors, 1);
}

static void
test_update_changes_state_flags_and_timeout(void **state)
{
	struct fix		*f = fix_get(state);
	struct ct_state		 st, up;
	struct result		*r;

	tcp_state(&st, "192.0.2.1", 40003, "198.51.100.2", 80);
	assert_int_equal(one(f, CT_OP_CREATE, &st)->r_err, 0);

	up = st;
	up.tcp_state = CT_TCP_FIN_WAIT;
	up.timeout = 100;
	up.mark = 0x43;
	up.tcp_flags[CT_DIR_ORIG] |= CT_TCPF_CLOSE_INIT;
	/* Status the kernel already went past: retried without it. */
	up.status = CT_S_SEEN_REPLY;
	assert_int_equal(one(f, CT_OP_UPDATE, &up)->r_err, 0);

	r = one(f, CT_OP_GET, &st);
	assert_int_equal(r->r_err, 0);
	assert_int_equal(r->r_st.tcp_state, CT_TCP_FIN_WAIT);
	assert_in_range(r->r_st.timeout, 95, 100);
	assert_int_equal(r->r_st.mark, 0x43);
	assert_int_equal(r->r_st.status, CT_S_SEEN_REPLY | CT_S_ASSURED |
	    CT_S_CONFIRMED);
	assert_int_equal(r->r_st.tcp_flags[CT_DIR_ORIG],
	    CT_TCPF_WINDOW_SCALE | CT_TCPF_SACK_PERM | CT_TCPF_CLOSE_INIT |
	    CT_TCPF_BE_LIBERAL);
	/* An update never clears BE_LIBERAL nor the handshake's flags. */
	up.tcp_flags[CT_DIR_REPLY] = 0;
	up.timeout = 0;		/* unchanged */
	up.mark = 0;		/* unchanged */
	assert_int_equal(one(f, CT_OP_UPDATE, &up)->r_err, 0);
	r = one(f, CT_OP_GET, &st);
	assert_int_equal(r->r_st.tcp_flags[CT_DIR_REPLY],
	    CT_TCPF_WINDOW_SCALE | CT_TCPF_BE_LIBERAL);
	assert_in_range(r->r_st.timeout, 90, 100);
	assert_int_equal(r->r_st.mark, 0x43);
}

static void
test_update_raises_an_unreplied_entry_to_assured(void **state)
{
	struct fix		*f = fix_get(state);
	struct ct_state		 st;
	struct result		*r;

	udp_state(&st, "192.0.2.20", 5000, "198.51.100.20", 5001);
	st.status = 0;
	assert_int_equal(one(f, CT_OP_CREATE, &st)->r_err, 0);
	r = one(f, CT_OP_GET, &st);
	assert_int_equal(r->r_st.status, CT_S_CONFIRMED);
	st.status = CT_S_SEEN_REPLY | CT_S_ASSURED;
	assert_int_equal(one(f, CT_OP_UPDATE, &st)->r_err, 0);
	r = one(f, CT_OP_GET, &st);
	assert_int_equal(r->r_st.status, CT_S_SEEN_REPLY | CT_S_ASSURED |
	    CT_S_CONFIRMED);
}

static void
test_delete_removes_the_entry_and_then_fails_with_enoent(void **state)
{
	struct fix		*f = fix_get(state);
	struct ct_state		 st;

	tcp_state(&st, "192.0.2.1", 40004, "198.51.100.2", 80);
	assert_int_equal(one(f, CT_OP_CREATE, &st)->r_err, 0);
	assert_int_equal(one(f, CT_OP_DELETE, &st)->r_err, 0);
	assert_int_equal(one(f, CT_OP_GET, &st)->r_err, ENOENT);
	assert_int_equal(one(f, CT_OP_DELETE, &st)->r_err, ENOENT);
	assert_int_equal(one(f, CT_OP_UPDATE, &st)->r_err, ENOENT);
	/* A failed GET hands back the request. */
	assert_tuple_equal(&f->f_res[f->f_nres - 2].r_st.orig, &st.orig);
}

static void
test_udp_snat_entry_gets_the_translated_reply_and_src_nat(void **state)
{
	struct fix		*f = fix_get(state);
	struct ct_state		 st;
	struct ct_tuple		 want;
	const struct ct_state	*d;
	struct result		*r;

	udp_state(&st, "192.0.2.10", 40000, "198.51.100.7", 53);
	/* Replies come back to the translated source. */
	tuple(&st.reply, AF_INET, IPPROTO_UDP, "198.51.100.7", 53,
	    "203.0.113.1", 61000);
	want = st.reply;
	r = one(f, CT_OP_CREATE, &st);
	assert_int_equal(r->r_err, 0);

	r = one(f, CT_OP_GET, &st);
	assert_int_equal(r->r_err, 0);
	assert_tuple_equal(&r->r_st.orig, &st.orig);
	assert_tuple_equal(&r->r_st.reply, &want);
	assert_true(r->r_st.status & CT_S_SRC_NAT);
	assert_false(r->r_st.status & CT_S_DST_NAT);
	assert_true(r->r_st.status & CT_S_SRC_NAT_DONE);

	assert_int_equal(ct_dump(f->f_h, on_dump, f), 0);
	assert_int_equal(f->f_ndump, 1);
	d = dump_find(f, &st.orig, 0);
	assert_tuple_equal(&d->reply, &want);
	assert_true(d->status & CT_S_SRC_NAT);
	/* The translated reply is the key the kernel finds replies by. */
	assert_int_equal(one(f, CT_OP_DELETE, &st)->r_err, 0);
}

static void
test_udp_dnat_entry_gets_the_translated_reply_and_dst_nat(void **state)
{
	struct fix		*f = fix_get(state);
	struct ct_state		 st;
	struct ct_tuple		 want;
	struct result		*r;

	udp_state(&st, "192.0.2.10", 40001, "203.0.113.1", 53);
	/* Replies come from the translated destination. */
	tuple(&st.reply, AF_INET, IPPROTO_UDP, "198.51.100.7", 5353,
	    "192.0.2.10", 40001);
	want = st.reply;
	assert_int_equal(one(f, CT_OP_CREATE, &st)->r_err, 0);
	r = one(f, CT_OP_GET, &st);
	assert_int_equal(r->r_err, 0);
	assert_tuple_equal(&r->r_st.reply, &want);
	assert_true(r->r_st.status & CT_S_DST_NAT);
	assert_false(r->r_st.status & CT_S_SRC_NAT);
}

static void
test_tcp_entry_with_both_snat_and_dnat(void **state)
{
	struct fix		*f = fix_get(state);
	struct ct_state		 st;
	struct ct_tuple		 want;
	struct result		*r;

	tcp_state(&st, "192.0.2.30", 33000, "203.0.113.80", 80);
	tuple(&st.reply, AF_INET, IPPROTO_TCP, "198.51.100.80", 8080,
	    "203.0.113.2", 62000);
	want = st.reply;
	assert_int_equal(one(f, CT_OP_CREATE, &st)->r_err, 0);
	r = one(f, CT_OP_GET, &st);
	assert_int_equal(r->r_err, 0);
	assert_tuple_equal(&r->r_st.reply, &want);
	assert_int_equal(r->r_st.status & (CT_S_SRC_NAT | CT_S_DST_NAT),
	    CT_S_SRC_NAT | CT_S_DST_NAT);
	assert_int_equal(r->r_st.tcp_flags[CT_DIR_REPLY],
	    CT_TCPF_WINDOW_SCALE | CT_TCPF_BE_LIBERAL);
}

static void
test_ipv6_entry_reads_back(void **state)
{
	struct fix		*f = fix_get(state);
	struct ct_state		 st;
	struct result		*r;
	char			 buf[128];

	tcp_state(&st, "192.0.2.1", 1, "192.0.2.2", 2);
	tuple(&st.orig, AF_INET6, IPPROTO_TCP, "2001:db8::1", 40005,
	    "2001:db8:1::2", 443);
	ct_tuple_invert(&st.orig, &st.reply);
	assert_int_equal(one(f, CT_OP_CREATE, &st)->r_err, 0);
	r = one(f, CT_OP_GET, &st);
	assert_int_equal(r->r_err, 0);
	assert_tuple_equal(&r->r_st.orig, &st.orig);
	assert_tuple_equal(&r->r_st.reply, &st.reply);
	assert_string_equal(ct_tuple_str(&r->r_st.reply, buf, sizeof(buf)),
	    "tcp [2001:db8:1::2]:443 -> [2001:db8::1]:40005");
	assert_int_equal(r->r_st.tcp_state, CT_TCP_ESTABLISHED);
}

static void
test_ipv6_snat_entry(void **state)
{
	struct fix		*f = fix_get(state);
	struct ct_state		 st;
	struct ct_tuple		 want;
	struct result		*r;

	memset(&st, 0, sizeof(st));
	tuple(&st.orig, AF_INET6, IPPROTO_UDP, "2001:db8::10", 40000,
	    "2001:db8:1::7", 53);
	tuple(&st.reply, AF_INET6, IPPROTO_UDP, "2001:db8:1::7", 53,
	    "2001:db8:2::1", 61000);
	st.timeout = 30;
	want = st.reply;
	assert_int_equal(one(f, CT_OP_CREATE, &st)->r_err, 0);
	r = one(f, CT_OP_GET, &st);
	assert_int_equal(r->r_err, 0);
	assert_tuple_equal(&r->r_st.reply, &want);
	assert_true(r->r_st.status & CT_S_SRC_NAT);
}

static void
test_icmp_echo_entry_packs_id_type_and_code(void **state)
{
	struct fix		*f = fix_get(state);
	struct ct_state		 st;
	struct ct_tuple		 want;
	struct result		*r;

	memset(&st, 0, sizeof(st));
	/* sport: the id; dport: type 8 (echo) in the high byte, code 0. */
	tuple(&st.orig, AF_INET, IPPROTO_ICMP, "192.0.2.1", 0x1234,
	    "198.51.100.1", 8 << 8);
	want = st.orig;
	ct_tuple_invert(&st.orig, &want);
	want.sport = htons(0x1234);
	want.dport = htons(0 << 8);	/* echo reply */
	st.timeout = 30;
	assert_int_equal(one(f, CT_OP_CREATE, &st)->r_err, 0);
	r = one(f, CT_OP_GET, &st);
	assert_int_equal(r->r_err, 0);
	assert_tuple_equal(&r->r_st.orig, &st.orig);
	assert_tuple_equal(&r->r_st.reply, &want);

	/* ICMPv6 echo request 128 -> reply 129. */
	memset(&st, 0, sizeof(st));
	tuple(&st.orig, AF_INET6, IPPROTO_ICMPV6, "2001:db8::1", 0x99,
	    "2001:db8::2", 128 << 8);
	ct_tuple_invert(&st.orig, &want);
	want.sport = htons(0x99);
	want.dport = htons(129 << 8);
	st.timeout = 30;
	assert_int_equal(one(f, CT_OP_CREATE, &st)->r_err, 0);
	r = one(f, CT_OP_GET, &st);
	assert_int_equal(r->r_err, 0);
	assert_tuple_equal(&r->r_st.orig, &st.orig);
	assert_tuple_equal(&r->r_st.reply, &want);
}

static void
test_zone_5_entry_is_found_in_zone_5_only(void **state)
{
	struct fix		*f = fix_get(state);
	struct ct_state		 st, z0;
	struct result		*r;

	tcp_state(&st, "192.0.2.1", 40006, "198.51.100.2", 80);
	st.zone = 5;
	assert_int_equal(one(f, CT_OP_CREATE, &st)->r_err, 0);
	r = one(f, CT_OP_GET, &st);
	assert_int_equal(r->r_err, 0);
	assert_int_equal(r->r_st.zone, 5);
	z0 = st;
	z0.zone = 0;
	assert_int_equal(one(f, CT_OP_GET, &z0)->r_err, ENOENT);
	/* The same tuple in zone 0 is another entry. */
	assert_int_equal(one(f, CT_OP_CREATE, &z0)->r_err, 0);
	assert_int_equal(one(f, CT_OP_DELETE, &st)->r_err, 0);
	assert_int_equal(one(f, CT_OP_GET, &z0)->r_err, 0);
	assert_int_equal(one(f, CT_OP_GET, &st)->r_err, ENOENT);
}

/* Queues n creates of distinct TCP tuples, cookie = index. */
static void
queue_creates(struct fix *f, size_t n, uint16_t zone)
{
	struct ct_state	 st;
	size_t		 i;
	uint32_t	 a;

	for (i = 0; i < n; i++) {
		tcp_state(&st, "192.0.2.1", 1, "198.51.100.2", 80);
		/* 192.0.2.0/24 x 65536 ports is room enough. */
		a = htonl(0xc0000200 | (uint32_t)(i / 50000 + 1));
		memcpy(st.orig.src, &a, sizeof(a));
		st.orig.sport = htons((uint16_t)(1024 + i % 50000));
		ct_tuple_invert(&st.orig, &st.reply);
		st.zone = zone;
		assert_int_equal(ct_queue(f->f_h, CT_OP_CREATE, &st,
		    (void *)(uintptr_t)i), 0);
	}
}

static void
test_batch_of_1000_creates_gives_1000_results_in_order(void **state)
{
	struct fix	*f = fix_get(state);
	size_t		 i;

	queue_creates(f, 1000, 0);
	assert_int_equal(ct_commit(f->f_h), 0);
	assert_int_equal(f->f_nres, 1000);
	for (i = 0; i < 1000; i++) {
		assert_int_equal(f->f_res[i].r_op, CT_OP_CREATE);
		assert_int_equal(f->f_res[i].r_err, 0);
		assert_int_equal(f->f_res[i].r_cookie, i);
	}
	assert_int_equal(ct_dump(f->f_h, on_dump, f), 0);
	assert_int_equal(f->f_ndump, 1000);
	/* The same again: every one exists. */
	f->f_nres = 0;
	queue_creates(f, 1000, 0);
	assert_int_equal(ct_commit(f->f_h), 0);
	assert_int_equal(f->f_nres, 1000);
	for (i = 0; i < 1000; i++) {
		assert_int_equal(f->f_res[i].r_err, EEXIST);
		assert_int_equal(f->f_res[i].r_cookie, i);
	}
	assert_int_equal(ct_stats(f->f_h)->requests, 2000);
	assert_int_equal(ct_stats(f->f_h)->errors, 1000);
}

static void
test_batch_of_gets_answers_each_with_its_entry(void **state)
{
	struct fix	*f = fix_get(state);
	struct ct_state	 st;
	size_t		 i, n = 600;

	queue_creates(f, n, 0);
	assert_int_equal(ct_commit(f->f_h), 0);
	f->f_nres = 0;
	for (i = 0; i < n; i++) {
		/* Every other one does not exist. */
		tcp_state(&st, "192.0.2.1", (uint16_t)(1024 + i),
		    "198.51.100.2", i % 2 ? 81 : 80);
		assert_int_equal(ct_queue(f->f_h, CT_OP_GET, &st,
		    (void *)(uintptr_t)i), 0);
	}
	assert_int_equal(ct_commit(f->f_h), 0);
	assert_int_equal(f->f_nres, n);
	for (i = 0; i < n; i++) {
		assert_int_equal(f->f_res[i].r_cookie, i);
		if (i % 2) {
			assert_int_equal(f->f_res[i].r_err, ENOENT);
			continue;
		}
		assert_int_equal(f->f_res[i].r_err, 0);
		assert_int_equal(ntohs(f->f_res[i].r_st.orig.sport), 1024 + i);
		assert_int_not_equal(f->f_res[i].r_st.id, 0);
	}
}

static void
test_batch_of_10000_creates_rate(void **state)
{
	struct fix	*f = fix_get(state);
	double		 t0, t1;
	size_t		 i;

	t0 = now_sec();
	queue_creates(f, 10000, 0);
	assert_int_equal(ct_commit(f->f_h), 0);
	t1 = now_sec();
	assert_int_equal(f->f_nres, 10000);
	for (i = 0; i < 10000; i++)
		assert_int_equal(f->f_res[i].r_err, 0);
	print_message("10000 creates in %.3f s: %.0f creates/s\n", t1 - t0,
	    10000 / (t1 - t0));
	t0 = now_sec();
	assert_int_equal(ct_dump(f->f_h, on_dump, f), 0);
	t1 = now_sec();
	assert_int_equal(f->f_ndump, 10000);
	print_message("dump of 10000 entries in %.3f s\n", t1 - t0);
}

static void
test_own_create_gives_a_new_event_marked_own(void **state)
{
	struct fix		*f = fix_get(state);
	struct ct_state		 st;

	tcp_state(&st, "192.0.2.1", 40007, "198.51.100.2", 80);
	assert_int_equal(one(f, CT_OP_CREATE, &st)->r_err, 0);
	assert_int_equal(ct_event_read(f->f_h), 0);
	assert_int_equal(f->f_nev, 1);
	assert_int_equal(f->f_ev[0].e_type, CT_EV_NEW);
	assert_int_equal(f->f_ev[0].e_own, 1);
	assert_tuple_equal(&f->f_ev[0].e_st.orig, &st.orig);
	assert_int_equal(f->f_ev[0].e_st.tcp_state, CT_TCP_ESTABLISHED);

	st.tcp_state = CT_TCP_CLOSE_WAIT;
	assert_int_equal(one(f, CT_OP_UPDATE, &st)->r_err, 0);
	assert_int_equal(one(f, CT_OP_DELETE, &st)->r_err, 0);
	assert_int_equal(ct_event_read(f->f_h), 0);
	assert_int_equal(f->f_nev, 3);
	assert_int_equal(f->f_ev[1].e_type, CT_EV_UPDATE);
	assert_int_equal(f->f_ev[1].e_own, 1);
	assert_int_equal(f->f_ev[1].e_st.tcp_state, CT_TCP_CLOSE_WAIT);
	assert_int_equal(f->f_ev[2].e_type, CT_EV_DESTROY);
	assert_int_equal(f->f_ev[2].e_own, 1);
	assert_tuple_equal(&f->f_ev[2].e_st.orig, &st.orig);
	assert_int_equal(ct_stats(f->f_h)->events, 3);
	assert_int_equal(ct_stats(f->f_h)->own_events, 3);
	assert_int_equal(ct_stats(f->f_h)->overruns, 0);
}

static void
test_create_through_another_socket_gives_an_event_not_own(void **state)
{
	struct fix		*f = fix_get(state);
	struct ct_handle	*other;
	struct ct_state		 st;

	other = ct_open(0, NULL, NULL);
	assert_non_null(other);
	assert_int_equal(ct_event_fd(other), -1);
	ct_set_result(other, on_result, f);
	udp_state(&st, "192.0.2.40", 4000, "198.51.100.40", 53);
	assert_int_equal(ct_queue(other, CT_OP_CREATE, &st, NULL), 0);
	assert_int_equal(ct_commit(other), 0);
	assert_int_equal(f->f_res[0].r_err, 0);
	ct_close(other);

	assert_int_equal(ct_event_read(f->f_h), 0);
	assert_int_equal(f->f_nev, 1);
	assert_int_equal(f->f_ev[0].e_type, CT_EV_NEW);
	assert_int_equal(f->f_ev[0].e_own, 0);
	assert_tuple_equal(&f->f_ev[0].e_st.orig, &st.orig);
	assert_int_equal(ct_stats(f->f_h)->own_events, 0);
	/* Nothing more pending. */
	assert_int_equal(ct_event_read(f->f_h), 0);
	assert_int_equal(f->f_nev, 1);
}

static void
test_event_flood_past_a_small_buffer_reports_enobufs(void **state)
{
	struct fix		*f = fix_get(state);
	struct ct_handle	*small;
	int			 r;

	small = ct_open(1, on_event, f);	/* the kernel's minimum */
	assert_non_null(small);
	queue_creates(f, 1000, 0);
	assert_int_equal(ct_commit(f->f_h), 0);
	f->f_nev = 0;
	r = ct_event_read(small);
	assert_int_equal(r, -1);
	assert_int_equal(errno, ENOBUFS);
	assert_int_equal(ct_stats(small)->overruns, 1);
	/* Some arrived, most did not. */
	assert_in_range(f->f_nev, 1, 999);
	/* The loss is reported once. */
	assert_int_equal(ct_event_read(small), 0);
	ct_close(small);
}

static void
test_dump_returns_every_entry_of_both_families_and_all_zones(void **state)
{
	struct fix		*f = fix_get(state);
	struct ct_state		 st[4];
	const struct ct_state	*d;
	size_t			 i;

	tcp_state(&st[0], "192.0.2.1", 40008, "198.51.100.2", 80);
	udp_state(&st[1], "192.0.2.10", 40000, "198.51.100.7", 53);
	tuple(&st[1].reply, AF_INET, IPPROTO_UDP, "198.51.100.7", 53,
	    "203.0.113.1", 61000);
	memset(&st[2], 0, sizeof(st[2]));
	tuple(&st[2].orig, AF_INET6, IPPROTO_UDP, "2001:db8::1", 5000,
	    "2001:db8::2", 53);
	st[2].timeout = 30;
	tcp_state(&st[3], "192.0.2.1", 40008, "198.51.100.2", 80);
	st[3].zone = 5;
	for (i = 0; i < 4; i++)
		assert_int_equal(ct_queue(f->f_h, CT_OP_CREATE, &st[i], NULL),
		    0);
	assert_int_equal(ct_commit(f->f_h), 0);
	for (i = 0; i < 4; i++)
		assert_int_equal(f->f_res[i].r_err, 0);

	assert_int_equal(ct_dump(f->f_h, on_dump, f), 0);
	assert_int_equal(f->f_ndump, 4);
	for (i = 0; i < 4; i++) {
		d = dump_find(f, &st[i].orig, st[i].zone);
		if (i != 2)
			assert_tuple_equal(&d->reply, &st[i].reply);
	}
	assert_int_equal(ct_stats(f->f_h)->dumps, 1);
}

static void
test_default_timeouts_follow_the_namespace_sysctls(void **state)
{
	struct fix		*f = fix_get(state);
	struct ct_handle	*h;
	struct ct_state		 st;
	struct result		*r;

	sysctl_set("nf_conntrack_udp_timeout", "31");
	sysctl_set("nf_conntrack_udp_timeout_stream", "77");
	sysctl_set("nf_conntrack_tcp_timeout_established", "4000");
	sysctl_set("nf_conntrack_tcp_timeout_time_wait", "99");
	/* Read at open. */
	h = ct_open(0, NULL, NULL);
	assert_non_null(h);
	udp_state(&st, "192.0.2.1", 1, "198.51.100.1", 2);
	st.status = CT_S_SEEN_REPLY;
	assert_int_equal(ct_default_timeout(h, &st), 31);
	st.status |= CT_S_ASSURED;
	assert_int_equal(ct_default_timeout(h, &st), 77);
	tcp_state(&st, "192.0.2.1", 1, "198.51.100.1", 2);
	assert_int_equal(ct_default_timeout(h, &st), 4000);
	st.tcp_state = CT_TCP_TIME_WAIT;
	assert_int_equal(ct_default_timeout(h, &st), 99);
	st.orig.proto = IPPROTO_GRE;
	assert_int_equal(ct_default_timeout(h, &st), 180);
	st.orig.proto = 200;
	assert_int_equal(ct_default_timeout(h, &st), 600);
	ct_close(h);

	/* A create with timeout 0 gets the default for its state. */
	ct_close(f->f_h);
	f->f_h = ct_open(0, NULL, NULL);
	assert_non_null(f->f_h);
	ct_set_result(f->f_h, on_result, f);
	tcp_state(&st, "192.0.2.1", 40009, "198.51.100.2", 80);
	st.timeout = 0;
	assert_int_equal(one(f, CT_OP_CREATE, &st)->r_err, 0);
	r = one(f, CT_OP_GET, &st);
	assert_in_range(r->r_st.timeout, 3995, 4000);
}

static void
test_queue_refuses_requests_it_cannot_build(void **state)
{
	struct fix	*f = fix_get(state);
	struct ct_state	 st;

	tcp_state(&st, "192.0.2.1", 1, "198.51.100.1", 2);
	st.orig.af = AF_UNIX;
	errno = 0;
	assert_int_equal(ct_queue(f->f_h, CT_OP_CREATE, &st, NULL), -1);
	assert_int_equal(errno, EINVAL);
	tcp_state(&st, "192.0.2.1", 1, "198.51.100.1", 2);
	st.tcp_state = CT_TCP_MAX;
	assert_int_equal(ct_queue(f->f_h, CT_OP_CREATE, &st, NULL), -1);
	tcp_state(&st, "192.0.2.1", 1, "198.51.100.1", 2);
	st.reply.af = AF_INET6;
	assert_int_equal(ct_queue(f->f_h, CT_OP_CREATE, &st, NULL), -1);
	assert_int_equal(ct_queue(f->f_h, (enum ct_op)9, &st, NULL), -1);
	assert_int_equal(ct_commit(f->f_h), 0);
	assert_int_equal(f->f_nres, 0);
}

/* A result callback that queues and commits the update an EEXIST asks. */
static void
on_result_update(enum ct_op op, int err, const struct ct_state *st,
    void *cookie, void *arg)
{
	struct fix	*f = arg;

	on_result(op, err, st, cookie, arg);
	if (op == CT_OP_CREATE && err == EEXIST) {
		assert_int_equal(ct_queue(f->f_h, CT_OP_UPDATE, st, cookie),
		    0);
		assert_int_equal(ct_commit(f->f_h), 0);
	}
}

static void
test_result_callback_may_queue_and_commit_again(void **state)
{
	struct fix	*f = fix_get(state);
	struct ct_state	 st;
	struct result	*r;

	tcp_state(&st, "192.0.2.1", 40010, "198.51.100.2", 80);
	assert_int_equal(one(f, CT_OP_CREATE, &st)->r_err, 0);
	ct_set_result(f->f_h, on_result_update, f);
	st.tcp_state = CT_TCP_TIME_WAIT;
	st.timeout = 50;
	assert_int_equal(ct_queue(f->f_h, CT_OP_CREATE, &st, NULL), 0);
	assert_int_equal(ct_commit(f->f_h), 0);
	assert_int_equal(f->f_nres, 3);
	assert_int_equal(f->f_res[1].r_err, EEXIST);
	assert_int_equal(f->f_res[2].r_op, CT_OP_UPDATE);
	assert_int_equal(f->f_res[2].r_err, 0);
	ct_set_result(f->f_h, on_result, f);
	r = one(f, CT_OP_GET, &st);
	assert_int_equal(r->r_st.tcp_state, CT_TCP_TIME_WAIT);
	assert_in_range(r->r_st.timeout, 45, 50);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn)	cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_tcp_established_liberal_entry_reads_back_as_created),
		T(test_second_create_of_the_same_tuple_fails_with_eexist),
		T(test_update_changes_state_flags_and_timeout),
		T(test_update_raises_an_unreplied_entry_to_assured),
		T(test_delete_removes_the_entry_and_then_fails_with_enoent),
		T(test_udp_snat_entry_gets_the_translated_reply_and_src_nat),
		T(test_udp_dnat_entry_gets_the_translated_reply_and_dst_nat),
		T(test_tcp_entry_with_both_snat_and_dnat),
		T(test_ipv6_entry_reads_back),
		T(test_ipv6_snat_entry),
		T(test_icmp_echo_entry_packs_id_type_and_code),
		T(test_zone_5_entry_is_found_in_zone_5_only),
		T(test_batch_of_1000_creates_gives_1000_results_in_order),
		T(test_batch_of_gets_answers_each_with_its_entry),
		T(test_batch_of_10000_creates_rate),
		T(test_own_create_gives_a_new_event_marked_own),
		T(test_create_through_another_socket_gives_an_event_not_own),
		T(test_event_flood_past_a_small_buffer_reports_enobufs),
		T(test_dump_returns_every_entry_of_both_families_and_all_zones),
		T(test_default_timeouts_follow_the_namespace_sysctls),
		T(test_queue_refuses_requests_it_cannot_build),
		T(test_result_callback_may_queue_and_commit_again),
#undef T
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
