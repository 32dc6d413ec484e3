/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * relayd's buckets (spec 13.3) and nftables text (13.1-13.4): even
 * shares and minimal moves, golden text for a configuration built by
 * hand, and, as root, every batch applied to the kernel in a private
 * network namespace, with the map elements read back and a user table
 * left alone (15.4).
 */

#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <net/if.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "nft.h"
#include "relayd.h"

/* Fixtures: a configuration built by hand. */

struct fix {
	struct relayd_conf	 c;
	struct rd_table		 t[2];
	struct rd_host		 h[4];
	struct rd_redirect	 r[2];
};

static void
ss_set(struct sockaddr_storage *ss, const char *a)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (strchr(a, ':') != NULL) {
		sin6->sin6_family = AF_INET6;
		assert_int_equal(inet_pton(AF_INET6, a, &sin6->sin6_addr), 1);
	} else {
		sin->sin_family = AF_INET;
		assert_int_equal(inet_pton(AF_INET, a, &sin->sin_addr), 1);
	}
}

static void
host_add(struct fix *f, int i, struct rd_table *t, uint32_t id,
    const char *a)
{
	struct rd_host	*h = &f->h[i];

	h->h_id = id;
	(void)snprintf(h->h_name, sizeof(h->h_name), "%s", a);
	ss_set(&h->h_ss, a);
	h->h_table = t;
	h->h_state = HOST_UP;
	TAILQ_INSERT_TAIL(&t->t_hosts, h, h_entry);
}

static void
listen_set(struct rd_listen *l, const char *a, uint8_t proto, uint16_t lo,
    uint16_t hi, const char *ifname, int pflog)
{
	ss_set(&l->l_ss, a);
	l->l_proto = proto;
	l->l_port = lo;
	l->l_port_hi = hi;
	(void)snprintf(l->l_ifname, sizeof(l->l_ifname), "%s", ifname);
	l->l_pflog = pflog;
}

/*
 * redirect 1 "www": listens on 198.51.100.10 tcp 80 on eth0 (pflog) and
 * 2001:db8::100 tcp 80; forward to web:8080 (hosts 1, 2: IPv4, 3: IPv6)
 * roundrobin, sticky-address, pftag web, session timeout 300.
 * redirect 2 "dns": listens on 198.51.100.11 udp 5300-5301; forward to
 * <dns> (no port: kept) source-hash with a fixed key; host 4.
 */
static void
fix_init(struct fix *f)
{
	struct rd_table		*t;
	struct rd_redirect	*r;
	int			 i;

	memset(f, 0, sizeof(*f));
	TAILQ_INIT(&f->c.c_tables);
	TAILQ_INIT(&f->c.c_redirects);
	TAILQ_INIT(&f->c.c_relays);
	TAILQ_INIT(&f->c.c_protocols);
	TAILQ_INIT(&f->c.c_routers);

	t = &f->t[0];
	t->t_id = 1;
	(void)snprintf(t->t_name, sizeof(t->t_name), "web:8080");
	t->t_port = 8080;
	t->t_mode = MODE_ROUNDROBIN;
	TAILQ_INIT(&t->t_hosts);
	TAILQ_INSERT_TAIL(&f->c.c_tables, t, t_entry);
	host_add(f, 0, t, 1, "192.0.2.1");
	host_add(f, 1, t, 2, "192.0.2.2");
	host_add(f, 2, t, 3, "2001:db8::3");

	t = &f->t[1];
	t->t_id = 2;
	(void)snprintf(t->t_name, sizeof(t->t_name), "dns");
	t->t_port = 0;
	t->t_mode = MODE_SOURCEHASH;
	for (i = 0; i < 16; i++)
		t->t_key[i] = (uint8_t)(i + 1);
	t->t_haskey = 1;
	TAILQ_INIT(&t->t_hosts);
	TAILQ_INSERT_TAIL(&f->c.c_tables, t, t_entry);
	host_add(f, 3, t, 4, "192.0.2.53");

	r = &f->r[0];
	r->r_id = 1;
	(void)snprintf(r->r_name, sizeof(r->r_name), "www");
	listen_set(&r->r_listen[0], "198.51.100.10", IPPROTO_TCP, 80, 80,
	    "eth0", 1);
	listen_set(&r->r_listen[1], "2001:db8::100", IPPROTO_TCP, 80, 80,
	    "", 0);
	r->r_nlisten = 2;
	r->r_table = &f->t[0];
	r->r_sticky = 1;
	r->r_timeout = 300;
	(void)snprintf(r->r_tag, sizeof(r->r_tag), "web");
	TAILQ_INSERT_TAIL(&f->c.c_redirects, r, r_entry);

	r = &f->r[1];
	r->r_id = 2;
	(void)snprintf(r->r_name, sizeof(r->r_name), "dns");
	listen_set(&r->r_listen[0], "198.51.100.11", IPPROTO_UDP, 5300, 5301,
	    "", 0);
	r->r_nlisten = 1;
	r->r_table = &f->t[1];
	r->r_timeout = 600;
	TAILQ_INSERT_TAIL(&f->c.c_redirects, r, r_entry);
}

/* What a generator wrote, malloc'd. */
static char *
gen_text(int (*fn)(FILE *, const void *), const void *arg)
{
	FILE	*f;
	char	*buf = NULL;
	size_t	 len;

	assert_non_null(f = open_memstream(&buf, &len));
	assert_int_equal(fn(f, arg), 0);
	assert_int_equal(fclose(f), 0);
	return (buf);
}

static int
gen_start(FILE *f, const void *arg)
{
	return (nft_gen_start(f, arg));
}

static int
gen_stop(FILE *f, const void *arg)
{
	(void)arg;
	return (nft_gen_stop(f));
}

/* Arguments of nft_gen_rdr() and nft_gen_reload() for gen_text(). */
struct rdr_args {
	const struct relayd_conf	*a_c;
	const struct relayd_conf	*a_old;
	const struct rd_redirect	*a_r;
	int				 a_up;
	const uint32_t			*a_b;
};

static int
gen_rdr(FILE *f, const void *arg)
{
	const struct rdr_args	*a = arg;

	return (nft_gen_rdr(f, a->a_c, a->a_r, a->a_up, a->a_b));
}

static int
gen_reload(FILE *f, const void *arg)
{
	const struct rdr_args	*a = arg;

	return (nft_gen_reload(f, a->a_old, a->a_c));
}

static char *
rdr_text(const struct fix *f, int i, int up, const uint32_t *b)
{
	struct rdr_args	 a = { &f->c, NULL, &f->r[i], up, b };

	return (gen_text(gen_rdr, &a));
}

static char *
reload_text(const struct fix *o, const struct fix *n)
{
	struct rdr_args	 a = { &n->c, &o->c, NULL, 0, NULL };

	return (gen_text(gen_reload, &a));
}

static int
count_of(const uint32_t *b, uint32_t id)
{
	int	 i, n = 0;

	for (i = 0; i < RELAYD_BUCKETS; i++)
		n += b[i] == id;
	return (n);
}

/* Buckets */

static void
test_buckets_spread_evenly_for_one_to_seventeen_hosts(void **state)
{
	uint32_t	 b[RELAYD_BUCKETS], live[17];
	int		 n, i, c, lo, hi;

	(void)state;
	for (n = 1; n <= 17; n++) {
		memset(b, 0, sizeof(b));
		for (i = 0; i < n; i++)
			live[i] = (uint32_t)(100 + i);
		assert_int_equal(buckets_update(b, live, n), RELAYD_BUCKETS);
		lo = RELAYD_BUCKETS / n;
		hi = lo + (RELAYD_BUCKETS % n != 0);
		for (i = 0; i < n; i++) {
			c = count_of(b, live[i]);
			assert_true(c == lo || c == hi);
		}
		assert_int_equal(count_of(b, 0), 0);
		/* A fresh table interleaves hosts: roundrobin alternates. */
		for (i = 0; i < n; i++)
			assert_int_equal(b[i], live[i]);
	}
}

static void
test_buckets_stay_put_when_the_live_set_is_the_same(void **state)
{
	uint32_t	 b[RELAYD_BUCKETS], b2[RELAYD_BUCKETS];
	uint32_t	 live[5] = { 5, 9, 2, 7, 3 };
	uint32_t	 rev[5] = { 3, 7, 2, 9, 5 };

	(void)state;
	memset(b, 0, sizeof(b));
	assert_int_equal(buckets_update(b, live, 5), RELAYD_BUCKETS);
	memcpy(b2, b, sizeof(b));
	assert_int_equal(buckets_update(b, live, 5), 0);
	assert_int_equal(buckets_update(b, rev, 5), 0);
	assert_memory_equal(b, b2, sizeof(b));
	/* Deterministic: the same start gives the same table. */
	memset(b2, 0, sizeof(b2));
	assert_int_equal(buckets_update(b2, rev, 5), RELAYD_BUCKETS);
	assert_memory_equal(b, b2, sizeof(b));
}

static void
test_buckets_of_a_departed_host_go_to_the_others_only(void **state)
{
	uint32_t	 b[RELAYD_BUCKETS], old[RELAYD_BUCKETS], live[17];
	int		 n, gone, i, had, c, lo, hi;

	(void)state;
	for (n = 2; n <= 17; n++) {
		for (gone = 0; gone < n; gone++) {
			memset(b, 0, sizeof(b));
			for (i = 0; i < n; i++)
				live[i] = (uint32_t)(i + 1);
			(void)buckets_update(b, live, n);
			memcpy(old, b, sizeof(b));
			had = count_of(b, live[gone]);
			live[gone] = live[n - 1];
			assert_int_equal(buckets_update(b, live, n - 1), had);
			for (i = 0; i < RELAYD_BUCKETS; i++)
				if (old[i] != (uint32_t)(gone + 1))
					assert_int_equal(b[i], old[i]);
			lo = RELAYD_BUCKETS / (n - 1);
			hi = lo + (RELAYD_BUCKETS % (n - 1) != 0);
			for (i = 0; i < n - 1; i++) {
				c = count_of(b, live[i]);
				assert_true(c == lo || c == hi);
			}
		}
	}
}

static void
test_buckets_a_newcomer_takes_only_its_share(void **state)
{
	uint32_t	 b[RELAYD_BUCKETS], old[RELAYD_BUCKETS], live[18];
	int		 n, i, moved, c, lo, hi;

	(void)state;
	for (n = 1; n <= 17; n++) {
		memset(b, 0, sizeof(b));
		for (i = 0; i < n; i++)
			live[i] = (uint32_t)(i + 1);
		(void)buckets_update(b, live, n);
		memcpy(old, b, sizeof(b));
		live[n] = 1000;
		moved = buckets_update(b, live, n + 1);
		lo = RELAYD_BUCKETS / (n + 1);
		hi = lo + (RELAYD_BUCKETS % (n + 1) != 0);
		assert_int_equal(moved, count_of(b, 1000));
		assert_true(moved == lo || moved == hi);
		/* Nothing moved between the old hosts. */
		for (i = 0; i < RELAYD_BUCKETS; i++)
			if (b[i] != 1000)
				assert_int_equal(b[i], old[i]);
		for (i = 0; i <= n; i++) {
			c = count_of(b, live[i]);
			assert_true(c == lo || c == hi);
		}
	}
}

static void
test_buckets_ignore_zero_and_repeats_and_empty_with_none(void **s)
{
	uint32_t	 b[RELAYD_BUCKETS], live[4] = { 0, 4, 4, 0 };

	(void)s;
	memset(b, 0, sizeof(b));
	assert_int_equal(buckets_update(b, live, 4), RELAYD_BUCKETS);
	assert_int_equal(count_of(b, 4), RELAYD_BUCKETS);
	assert_int_equal(buckets_update(b, NULL, 0), RELAYD_BUCKETS);
	assert_int_equal(count_of(b, 0), RELAYD_BUCKETS);
	assert_int_equal(buckets_update(b, live, 1), 0);
}

/* Text */

static void
test_tag_marks_follow_the_documented_rule(void **state)
{
	(void)state;
	assert_int_equal(nft_tag_mark(""), 0);
	assert_int_equal(nft_tag_mark("0x10"), 0x10);
	assert_int_equal(nft_tag_mark("42"), 42);
	/* FNV-1a 32 of "web" is 0x0fd9bc91 (computed by hand) | top bit. */
	assert_int_equal(nft_tag_mark("web"), 0x80000000U | 0x0fd9bc91U);
	assert_true(nft_tag_mark("0x") & 0x80000000U);
	assert_true(nft_tag_mark("4294967296") & 0x80000000U);
}

static const char golden_start[] =
"add table inet hakit_relayd\n"
"delete table inet hakit_relayd\n"
"add table inet hakit_relayd\n"
"add chain inet hakit_relayd pre { type nat hook prerouting priority "
    "dstnat; policy accept; }\n"
"add chain inet hakit_relayd out { type nat hook output priority -100; "
    "policy accept; }\n"
"add chain inet hakit_relayd sticky_pre { type filter hook prerouting "
    "priority -99; policy accept; }\n"
"add chain inet hakit_relayd sticky_out { type filter hook output "
    "priority -99; policy accept; }\n"
"add chain inet hakit_relayd r1\n"
"add map inet hakit_relayd r1_v4 { typeof numgen inc mod 256 : "
    "ip daddr . tcp dport; }\n"
"add map inet hakit_relayd r1_v6 { typeof numgen inc mod 256 : "
    "ip6 daddr . tcp dport; }\n"
"add map inet hakit_relayd r1_sticky_v4 { typeof ip saddr : ip daddr; "
    "flags dynamic, timeout; timeout 300s; }\n"
"add map inet hakit_relayd r1_sticky_v6 { typeof ip6 saddr : ip6 daddr; "
    "flags dynamic, timeout; timeout 300s; }\n"
"add counter inet hakit_relayd r1_cnt {  }\n"
"add ct timeout inet hakit_relayd r1_tcp4 { protocol tcp; l3proto ip; "
    "policy = { established: 300 }; }\n"
"add ct timeout inet hakit_relayd r1_tcp6 { protocol tcp; l3proto ip6; "
    "policy = { established: 300 }; }\n"
"add chain inet hakit_relayd r1_s\n"
"add rule inet hakit_relayd r1_s ct state new ct status dnat "
    "meta l4proto tcp ct original ip daddr 198.51.100.10 "
    "ct original proto-dst 80 update @r1_sticky_v4 "
    "{ ip saddr : ip daddr }\n"
"add rule inet hakit_relayd r1_s ct state new ct status dnat "
    "meta l4proto tcp ct original ip6 daddr 2001:db8::100 "
    "ct original proto-dst 80 update @r1_sticky_v6 "
    "{ ip6 saddr : ip6 daddr }\n"
"add chain inet hakit_relayd r2\n"
"add map inet hakit_relayd r2_v4 { typeof numgen inc mod 256 : "
    "ip daddr; }\n"
"add map inet hakit_relayd r2_v6 { typeof numgen inc mod 256 : "
    "ip6 daddr; }\n"
"add counter inet hakit_relayd r2_cnt {  }\n"
"add ct timeout inet hakit_relayd r2_udp4 { protocol udp; l3proto ip; "
    "policy = { replied: 600 }; }\n"
"add rule inet hakit_relayd pre jump r1\n"
"add rule inet hakit_relayd out jump r1\n"
"add rule inet hakit_relayd pre jump r2\n"
"add rule inet hakit_relayd out jump r2\n"
"add rule inet hakit_relayd sticky_pre jump r1_s\n"
"add rule inet hakit_relayd sticky_out jump r1_s\n";

static const char golden_rdr1_rules[] =
"flush chain inet hakit_relayd r1\n"
"add rule inet hakit_relayd r1 ip daddr 198.51.100.10 meta l4proto tcp "
    "th dport 80 iifname \"eth0\" counter name \"r1_cnt\" "
    "ct timeout set \"r1_tcp4\" "
    "meta mark set 0x8fd9bc91 ct mark set 0x8fd9bc91 "
    "log prefix \"relayd r1 \" group 0\n"
"add rule inet hakit_relayd r1 ip daddr 198.51.100.10 meta l4proto tcp "
    "th dport 80 iifname \"eth0\" dnat ip to ip saddr map @r1_sticky_v4 "
    ": 8080\n"
"add rule inet hakit_relayd r1 ip daddr 198.51.100.10 meta l4proto tcp "
    "th dport 80 iifname \"eth0\" dnat ip to numgen inc mod 256 "
    "map @r1_v4\n"
"add rule inet hakit_relayd r1 ip6 daddr 2001:db8::100 meta l4proto tcp "
    "th dport 80 counter name \"r1_cnt\" ct timeout set \"r1_tcp6\" "
    "meta mark set 0x8fd9bc91 ct mark set 0x8fd9bc91\n"
"add rule inet hakit_relayd r1 ip6 daddr 2001:db8::100 meta l4proto tcp "
    "th dport 80 dnat ip6 to ip6 saddr map @r1_sticky_v6 : 8080\n"
"add rule inet hakit_relayd r1 ip6 daddr 2001:db8::100 meta l4proto tcp "
    "th dport 80 dnat ip6 to numgen inc mod 256 map @r1_v6\n";

static void
test_start_text_is_the_golden_one(void **state)
{
	struct fix	 f;
	char		*s;

	(void)state;
	fix_init(&f);
	s = gen_text(gen_start, &f.c);
	assert_string_equal(s, golden_start);
	free(s);
	s = gen_text(gen_stop, NULL);
	assert_string_equal(s, "add table inet hakit_relayd\n"
	    "delete table inet hakit_relayd\n");
	free(s);
}

static void
test_rdr_up_writes_rules_then_maps_by_family(void **state)
{
	struct fix	 f;
	uint32_t	 b[RELAYD_BUCKETS], live[3] = { 1, 2, 3 };
	char		*s, *p;

	(void)state;
	fix_init(&f);
	memset(b, 0, sizeof(b));
	(void)buckets_update(b, live, 3);
	s = rdr_text(&f, 0, 1, b);
	assert_memory_equal(s, golden_rdr1_rules, strlen(golden_rdr1_rules));
	p = s + strlen(golden_rdr1_rules);
	/* r_buckets all 0 (unknown): sticky entries cannot be trusted. */
	assert_non_null(strstr(p, "flush map inet hakit_relayd r1_sticky_v4\n"
	    "flush map inet hakit_relayd r1_sticky_v6\n"));
	/* Buckets 0 1 2 = hosts 1 2 3; host 3 is IPv6: its v4 buckets
	 * go to the IPv4 host at bucket % 2 (2 -> host 1). */
	assert_non_null(strstr(p, "flush map inet hakit_relayd r1_v4\n"
	    "add element inet hakit_relayd r1_v4 { 0 : 192.0.2.1 . 8080, "
	    "1 : 192.0.2.2 . 8080, 2 : 192.0.2.1 . 8080, "
	    "3 : 192.0.2.1 . 8080, "));
	assert_non_null(strstr(p, "add element inet hakit_relayd r1_v6 { "
	    "0 : 2001:db8::3 . 8080, 1 : 2001:db8::3 . 8080, "));
	assert_non_null(strstr(p, "248 : "));
	assert_non_null(strstr(p, "255 : 2001:db8::3 . 8080 }\n"));
	free(s);

	/* Installed: same hosts, no sticky flush; a departure flushes. */
	memcpy(f.r[0].r_buckets, b, sizeof(b));
	s = rdr_text(&f, 0, 1, b);
	assert_null(strstr(s, "r1_sticky_v4\n"));
	free(s);
	live[1] = 3;
	(void)buckets_update(b, live, 2);
	s = rdr_text(&f, 0, 1, b);
	assert_non_null(strstr(s, "flush map inet hakit_relayd "
	    "r1_sticky_v4\n"));
	free(s);

	/* Down: rules out, sticky bindings gone, maps left. */
	s = rdr_text(&f, 0, 0, NULL);
	assert_string_equal(s, "flush chain inet hakit_relayd r1\n"
	    "flush map inet hakit_relayd r1_sticky_v4\n"
	    "flush map inet hakit_relayd r1_sticky_v6\n");
	free(s);
}

static void
test_source_hash_uses_the_key_and_keeps_the_port(void **state)
{
	struct fix	 f;
	uint32_t	 b[RELAYD_BUCKETS], live[1] = { 4 };
	char		*s;

	(void)state;
	fix_init(&f);
	memset(b, 0, sizeof(b));
	(void)buckets_update(b, live, 1);
	s = rdr_text(&f, 1, 1, b);
	/* Seed: key words 01020304 ^ 05060708 ^ 090a0b0c ^ 0d0e0f10. */
	assert_non_null(strstr(s, "add rule inet hakit_relayd r2 "
	    "ip daddr 198.51.100.11 meta l4proto udp th dport 5300-5301 "
	    "counter name \"r2_cnt\" ct timeout set \"r2_udp4\"\n"));
	assert_non_null(strstr(s, "add rule inet hakit_relayd r2 "
	    "ip daddr 198.51.100.11 meta l4proto udp th dport 5300-5301 "
	    "dnat ip to jhash ip saddr mod 256 seed 0x00000010 "
	    "map @r2_v4\n"));
	assert_non_null(strstr(s, "{ 0 : 192.0.2.53, 1 : 192.0.2.53, "));
	assert_null(strstr(s, "sticky"));
	/* No IPv6 host: the v6 map is emptied only. */
	assert_non_null(strstr(s, "flush map inet hakit_relayd r2_v6\n"));
	assert_null(strstr(s, "add element inet hakit_relayd r2_v6"));
	free(s);
}

static void
test_reload_of_the_same_config_writes_nothing(void **state)
{
	struct fix	 o, n;
	char		*s;

	(void)state;
	fix_init(&o);
	fix_init(&n);
	s = reload_text(&o, &n);
	assert_string_equal(s, "");
	free(s);
}

static void
test_reload_rebuilds_only_the_redirect_that_changed(void **state)
{
	struct fix	 o, n;
	char		*s;

	(void)state;
	fix_init(&o);
	fix_init(&n);
	n.r[1].r_timeout = 900;
	s = reload_text(&o, &n);
	assert_string_equal(s,
	    "flush chain inet hakit_relayd r2\n"
	    "delete ct timeout inet hakit_relayd r2_udp4\n"
	    "add ct timeout inet hakit_relayd r2_udp4 { protocol udp; "
	    "l3proto ip; policy = { replied: 900 }; }\n");
	free(s);

	/* Up (by its run-time fields): rules back, maps kept. */
	n.r[1].r_status = RDR_ACTIVE;
	n.r[1].r_buckets[7] = 4;
	s = reload_text(&o, &n);
	assert_non_null(strstr(s, "add rule inet hakit_relayd r2 "));
	assert_null(strstr(s, "r1"));
	assert_null(strstr(s, "element"));
	free(s);
}

static void
test_reload_removing_a_redirect_deletes_its_objects_only(void **state)
{
	struct fix	 o, n;
	char		*s;

	(void)state;
	fix_init(&o);
	fix_init(&n);
	TAILQ_REMOVE(&n.c.c_redirects, &n.r[0], r_entry);
	s = reload_text(&o, &n);
	assert_string_equal(s,
	    "flush chain inet hakit_relayd pre\n"
	    "flush chain inet hakit_relayd out\n"
	    "flush chain inet hakit_relayd sticky_pre\n"
	    "flush chain inet hakit_relayd sticky_out\n"
	    "flush chain inet hakit_relayd r1\n"
	    "delete chain inet hakit_relayd r1\n"
	    "flush chain inet hakit_relayd r1_s\n"
	    "delete chain inet hakit_relayd r1_s\n"
	    "delete map inet hakit_relayd r1_v4\n"
	    "delete map inet hakit_relayd r1_v6\n"
	    "delete map inet hakit_relayd r1_sticky_v4\n"
	    "delete map inet hakit_relayd r1_sticky_v6\n"
	    "delete counter inet hakit_relayd r1_cnt\n"
	    "delete ct timeout inet hakit_relayd r1_tcp4\n"
	    "delete ct timeout inet hakit_relayd r1_tcp6\n"
	    "add rule inet hakit_relayd pre jump r2\n"
	    "add rule inet hakit_relayd out jump r2\n");
	free(s);
}

static void
test_an_interface_name_with_a_quote_is_refused(void **state)
{
	struct fix	 f;
	uint32_t	 b[RELAYD_BUCKETS];
	FILE		*fp;
	char		*buf = NULL;
	size_t		 len;

	(void)state;
	fix_init(&f);
	memset(b, 0, sizeof(b));
	b[0] = 1;
	(void)snprintf(f.r[0].r_listen[0].l_ifname, IFNAMSIZ, "e\"; x");
	assert_non_null(fp = open_memstream(&buf, &len));
	assert_int_equal(nft_gen_rdr(fp, &f.c, &f.r[0], 1, b), -1);
	assert_int_equal(fclose(fp), 0);
	free(buf);
}

/* Kernel, as root, in a private network namespace. */

#define CHK(x) do {							\
	if (!(x)) {							\
		fprintf(stderr, "%s:%d: %s failed (%s)\n", __FILE__,	\
		    __LINE__, #x, err);					\
		_exit(1);						\
	}								\
} while (0)

static int
ns_apply_text(struct nft_handle *h, char *text, char *err, size_t errlen)
{
	int	 rv;

	rv = nft_apply(h, text, err, errlen);
	if (rv == -1)
		fprintf(stderr, "batch refused: %s\n%s", err, text);
	free(text);
	return (rv);
}

static void
ns_child(void)
{
	struct fix		 f, n;
	struct nft_handle	*h;
	struct rdr_args		 a;
	uint32_t		 b[RELAYD_BUCKETS], live[3] = { 1, 2, 3 };
	const char		*out;
	char			 err[1024] = "";

	CHK(unshare(CLONE_NEWNET) == 0);
	CHK((h = nft_open()) != NULL);
	/* An admin's table, with a rule. */
	CHK(nft_apply(h, "add table ip admin\n"
	    "add chain ip admin input { type filter hook input priority 0; "
	    "policy accept; }\n"
	    "add rule ip admin input tcp dport 22 counter accept\n",
	    err, sizeof(err)) == 0);

	fix_init(&f);
	CHK(ns_apply_text(h, gen_text(gen_start, &f.c), err,
	    sizeof(err)) == 0);
	/* A second start removes the first (a stale instance). */
	CHK(ns_apply_text(h, gen_text(gen_start, &f.c), err,
	    sizeof(err)) == 0);

	memset(b, 0, sizeof(b));
	(void)buckets_update(b, live, 3);
	CHK(ns_apply_text(h, rdr_text(&f, 0, 1, b), err, sizeof(err)) == 0);
	memcpy(f.r[0].r_buckets, b, sizeof(b));
	CHK((out = nft_list(h, "list map inet hakit_relayd r1_v4", err,
	    sizeof(err))) != NULL);
	CHK(strstr(out, "0 : 192.0.2.1 . 8080") != NULL);
	CHK(strstr(out, "1 : 192.0.2.2 . 8080") != NULL);
	CHK(strstr(out, "2 : 192.0.2.1 . 8080") != NULL);
	CHK(strstr(out, "2001:db8::3") == NULL);
	CHK((out = nft_list(h, "list map inet hakit_relayd r1_v6", err,
	    sizeof(err))) != NULL);
	CHK(strstr(out, "255 : 2001:db8::3 . 8080") != NULL);

	/* Host 1 leaves: its buckets go to 2 (v4) and 3. */
	live[0] = 3;
	live[1] = 2;
	(void)buckets_update(b, live, 2);
	CHK(ns_apply_text(h, rdr_text(&f, 0, 1, b), err, sizeof(err)) == 0);
	memcpy(f.r[0].r_buckets, b, sizeof(b));
	CHK((out = nft_list(h, "list map inet hakit_relayd r1_v4", err,
	    sizeof(err))) != NULL);
	CHK(strstr(out, "192.0.2.1 ") == NULL);
	CHK(strstr(out, "0 : 192.0.2.2 . 8080") != NULL);

	/* The other redirect, then both down and up again. */
	live[0] = 4;
	memset(b, 0, sizeof(b));
	(void)buckets_update(b, live, 1);
	CHK(ns_apply_text(h, rdr_text(&f, 1, 1, b), err, sizeof(err)) == 0);
	CHK(ns_apply_text(h, rdr_text(&f, 1, 0, NULL), err,
	    sizeof(err)) == 0);
	CHK(ns_apply_text(h, rdr_text(&f, 0, 0, NULL), err,
	    sizeof(err)) == 0);
	CHK((out = nft_list(h, "list chain inet hakit_relayd r1", err,
	    sizeof(err))) != NULL);
	CHK(strstr(out, "dnat") == NULL);
	CHK(ns_apply_text(h, rdr_text(&f, 1, 1, b), err, sizeof(err)) == 0);

	/* Reload: r2's timeout and port change while it is up (its maps
	 * become "addr . udp port"), r1 is removed. */
	fix_init(&n);
	n.r[1].r_timeout = 900;
	n.t[1].t_port = 53;
	n.r[1].r_status = RDR_ACTIVE;
	memcpy(n.r[1].r_buckets, b, sizeof(b));
	TAILQ_REMOVE(&n.c.c_redirects, &n.r[0], r_entry);
	a.a_c = &n.c;
	a.a_old = &f.c;
	CHK(ns_apply_text(h, gen_text(gen_reload, &a), err,
	    sizeof(err)) == 0);
	CHK((out = nft_list(h, "list table inet hakit_relayd", err,
	    sizeof(err))) != NULL);
	CHK(strstr(out, "chain r1 ") == NULL);
	CHK(strstr(out, "r1_v4") == NULL);
	CHK(strstr(out, "replied : 900") != NULL);
	CHK(strstr(out, "jhash ip saddr mod 256 seed 0x10 map @r2_udp_v4")
	    != NULL);
	CHK(strstr(out, "0 : 192.0.2.53 . 53") != NULL);
	/* And back: r1 created again, sticky and all. */
	a.a_c = &f.c;
	a.a_old = &n.c;
	CHK(ns_apply_text(h, gen_text(gen_reload, &a), err,
	    sizeof(err)) == 0);
	CHK((out = nft_list(h, "list table inet hakit_relayd", err,
	    sizeof(err))) != NULL);
	CHK(strstr(out, "map r1_sticky_v6") != NULL);
	CHK(strstr(out, "jump r1_s") != NULL);

	CHK(ns_apply_text(h, gen_text(gen_stop, NULL), err,
	    sizeof(err)) == 0);
	CHK(ns_apply_text(h, gen_text(gen_stop, NULL), err,
	    sizeof(err)) == 0);
	CHK((out = nft_list(h, "list ruleset", err, sizeof(err))) != NULL);
	CHK(strstr(out, "hakit_relayd") == NULL);
	CHK(strstr(out, "tcp dport 22 counter") != NULL);
	/* A bad batch is refused whole, with nft's message. */
	CHK(nft_apply(h, "add table inet hakit_relayd\n"
	    "add rule inet hakit_relayd nosuch accept\n", err,
	    sizeof(err)) == -1);
	CHK(err[0] != '\0');
	CHK((out = nft_list(h, "list ruleset", err, sizeof(err))) != NULL);
	CHK(strstr(out, "hakit_relayd") == NULL);
	nft_close(h);
	_exit(0);
}

static void
test_kernel_takes_every_batch_and_leaves_other_tables(void **state)
{
	pid_t	 pid;
	int	 st;

	(void)state;
	if (geteuid() != 0) {
		skip();
		return;
	}
	(void)fflush(NULL);
	assert_int_not_equal(pid = fork(), -1);
	if (pid == 0)
		ns_child();
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

/* Brings lo up in the child's namespace (127.0.0.0/8 then routes). */
static int
ns_lo_up(void)
{
	struct ifreq	 ifr;
	int		 fd, rv = -1;

	if ((fd = socket(AF_INET, SOCK_DGRAM, 0)) == -1)
		return (-1);
	memset(&ifr, 0, sizeof(ifr));
	(void)snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) == 0) {
		ifr.ifr_flags |= IFF_UP;
		rv = ioctl(fd, SIOCSIFFLAGS, &ifr);
	}
	(void)close(fd);
	return (rv);
}

/* A redirected UDP flow on lo, then its backend's entries killed. */
static void
ns_ct_child(void)
{
	struct fix		 f;
	struct nft_handle	*h;
	struct sockaddr_in	 sin;
	uint32_t		 b[RELAYD_BUCKETS], live[1] = { 4 };
	uint64_t		 killed = 99;
	char			 err[1024] = "";
	int			 fd;

	CHK(unshare(CLONE_NEWNET) == 0);
	CHK(ns_lo_up() == 0);
	CHK((h = nft_open()) != NULL);
	fix_init(&f);
	ss_set(&f.h[3].h_ss, "127.0.0.53");
	listen_set(&f.r[1].r_listen[0], "127.0.0.2", IPPROTO_UDP, 5300,
	    5300, "", 0);
	CHK(ns_apply_text(h, gen_text(gen_start, &f.c), err,
	    sizeof(err)) == 0);
	memset(b, 0, sizeof(b));
	(void)buckets_update(b, live, 1);
	CHK(ns_apply_text(h, rdr_text(&f, 1, 1, b), err, sizeof(err)) == 0);

	CHK((fd = socket(AF_INET, SOCK_DGRAM, 0)) != -1);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(5300);
	sin.sin_addr.s_addr = htonl(0x7f000002);
	CHK(sendto(fd, "x", 1, 0, (struct sockaddr *)&sin,
	    sizeof(sin)) == 1);
	(void)close(fd);

	/* Another port of the backend: nothing. */
	CHK(ct_kill_backend(&f.h[3].h_ss, 9, &killed) == 0);
	CHK(killed == 0);
	CHK(ct_kill_backend(&f.h[3].h_ss, 5300, &killed) == 0);
	CHK(killed == 1);
	CHK(ct_kill_backend(&f.h[3].h_ss, 0, &killed) == 0);
	CHK(killed == 0);
	CHK(ns_apply_text(h, gen_text(gen_stop, NULL), err,
	    sizeof(err)) == 0);
	nft_close(h);
	_exit(0);
}

static void
test_a_backends_conntrack_entries_are_killed(void **state)
{
	pid_t	 pid;
	int	 st;

	(void)state;
	if (geteuid() != 0) {
		skip();
		return;
	}
	(void)fflush(NULL);
	assert_int_not_equal(pid = fork(), -1);
	if (pid == 0)
		ns_ct_child();
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

static void
test_session_counters_are_read_from_nfts_listing(void **state)
{
	static const char text[] =
	    "table inet hakit_relayd {\n"
	    "\tcounter r1_cnt {\n"
	    "\t\tpackets 41 bytes 2460\n"
	    "\t}\n"
	    "\tcounter other {\n"
	    "\t\tpackets 9 bytes 1\n"
	    "\t}\n"
	    "\tcounter r12_cnt {\n"
	    "\t\tpackets 18446744073709551615 bytes 0\n"
	    "\t}\n"
	    "}\n";
	uint32_t	 ids[4];
	uint64_t	 cnt[4];

	(void)state;
	assert_int_equal(nft_parse_counters(text, ids, cnt, 4), 2);
	assert_int_equal(ids[0], 1);
	assert_int_equal(cnt[0], 41);
	assert_int_equal(ids[1], 12);
	assert_true(cnt[1] == UINT64_MAX);
	assert_int_equal(nft_parse_counters(text, ids, cnt, 1), 1);
	assert_int_equal(nft_parse_counters("", ids, cnt, 4), 0);
}

static void
test_statistics_follow_the_counter_and_its_resets(void **state)
{
	struct rd_stats	 st;
	int		 i;

	(void)state;
	memset(&st, 0, sizeof(st));
	stats_tick(&st, 5);
	assert_int_equal(st.st_cnt, 5);
	assert_int_equal(st.st_last, 5);
	assert_int_equal(st.st_avg, 2);		/* (5 + 0) / 2 */
	stats_tick(&st, 12);
	assert_int_equal(st.st_cnt, 12);
	assert_int_equal(st.st_last, 7);
	assert_int_equal(st.st_avg, 4);		/* (7 + 2) / 2 */
	/* A counter made anew by a reload counts from zero. */
	stats_tick(&st, 3);
	assert_int_equal(st.st_cnt, 15);
	assert_int_equal(st.st_last, 3);
	assert_int_equal(st.st_last_hour, 15);
	assert_int_equal(st.st_last_day, 15);
	/* The hour ends at tick 60: its total goes into the average. */
	for (i = 3; i < 60; i++)
		stats_tick(&st, 3 + (uint64_t)(i - 2));
	assert_int_equal(st.st_tick, 60);
	assert_int_equal(st.st_cnt, 72);
	assert_int_equal(st.st_last_hour, 0);
	assert_int_equal(st.st_avg_hour, 36);	/* (72 + 0) / 2 */
	assert_int_equal(st.st_last_day, 72);
	assert_int_equal(st.st_avg_day, 0);
}

static int
held(const uint32_t *b, uint32_t id)
{
	int	 i, n = 0;

	for (i = 0; i < RELAYD_BUCKETS; i++)
		n += b[i] == id;
	return (n);
}

static void
test_least_states_gives_the_idle_host_most_buckets(void **state)
{
	uint32_t	 b[RELAYD_BUCKETS], old[RELAYD_BUCKETS];
	uint32_t	 ids[3] = { 7, 8, 9 };
	uint64_t	 cnt[3] = { 0, 99, 99 };
	int		 i, moved, ch;

	(void)state;
	memset(b, 0, sizeof(b));
	(void)buckets_update(b, ids, 3);
	memcpy(old, b, sizeof(b));
	ch = buckets_weigh(b, ids, cnt, 3);
	/* Weights 1, 1/100, 1/100: 256 x 100/102 = 250.98 -> 251. */
	assert_int_equal(held(b, 7), 251);
	assert_int_equal(held(b, 8) + held(b, 9), 5);
	assert_true(held(b, 8) >= 1 && held(b, 9) >= 1);
	/* Only what changed owner moved: host 7 kept its own 86. */
	for (i = moved = 0; i < RELAYD_BUCKETS; i++) {
		if (old[i] == 7)
			assert_int_equal(b[i], 7);
		moved += old[i] != b[i];
	}
	assert_int_equal(moved, ch);
	assert_int_equal(moved, 251 - 86);
	/* Same counts again: nothing moves. */
	assert_int_equal(buckets_weigh(b, ids, cnt, 3), 0);
}

static void
test_least_states_with_equal_counts_is_even(void **state)
{
	uint32_t	 b[RELAYD_BUCKETS];
	uint32_t	 ids[3] = { 1, 2, 3 };
	uint64_t	 cnt[3] = { 5, 5, 5 };

	(void)state;
	memset(b, 0, sizeof(b));
	(void)buckets_update(b, ids, 3);
	assert_int_equal(buckets_weigh(b, ids, cnt, 3), 0);
	assert_true(held(b, 1) >= 85 && held(b, 1) <= 86);
	/* Every host keeps at least one bucket however loaded. */
	cnt[0] = 0;
	cnt[1] = cnt[2] = 1000000;
	(void)buckets_weigh(b, ids, cnt, 3);
	assert_int_equal(held(b, 2), 1);
	assert_int_equal(held(b, 3), 1);
	assert_int_equal(held(b, 1), 254);
}

static void
test_hosts_that_come_up_one_by_one_end_interleaved(void **state)
{
	uint32_t	 b[RELAYD_BUCKETS], ids[4] = { 1, 2, 3, 4 };
	int		 i, k, n, run, maxrun;

	(void)state;
	memset(b, 0, sizeof(b));
	for (n = 1; n <= 4; n++) {
		(void)buckets_update(b, ids, n);
		/* Roundrobin walks the slots in order: no host gets a long
		 * run of flows, every host is met within a few slots. */
		for (i = 1, run = maxrun = 1; i < RELAYD_BUCKETS; i++) {
			run = b[i] == b[i - 1] ? run + 1 : 1;
			if (run > maxrun)
				maxrun = run;
		}
		assert_true(n == 1 || maxrun <= 2);
		for (i = 0; i + 3 * n <= RELAYD_BUCKETS; i++)
			for (k = 0; k < n; k++) {
				int	 j, seen = 0;

				for (j = i; j < i + 3 * n; j++)
					seen |= b[j] == ids[k];
				assert_true(seen);
			}
	}
}

static void
test_reload_rebuilds_an_id_that_names_another_redirect(void **state)
{
	struct fix	 o, n;
	char		*s;

	(void)state;
	fix_init(&o);
	fix_init(&n);
	/* A redirect inserted above: id 1 is another redirect now. */
	(void)snprintf(n.r[0].r_name, sizeof(n.r[0].r_name), "new");
	s = reload_text(&o, &n);
	assert_non_null(strstr(s, "flush chain inet hakit_relayd pre\n"));
	assert_non_null(strstr(s, "delete chain inet hakit_relayd r1\n"));
	assert_non_null(strstr(s, "delete counter inet hakit_relayd r1_cnt\n"));
	assert_non_null(strstr(s, "add chain inet hakit_relayd r1\n"));
	assert_non_null(strstr(s, "add counter inet hakit_relayd r1_cnt"));
	assert_non_null(strstr(s, "add rule inet hakit_relayd pre jump r1\n"));
	/* The other redirect, same id and name, is not rebuilt. */
	assert_null(strstr(s, "delete chain inet hakit_relayd r2\n"));
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    test_buckets_spread_evenly_for_one_to_seventeen_hosts),
		cmocka_unit_test(
		    test_buckets_stay_put_when_the_live_set_is_the_same),
		cmocka_unit_test(
		    test_buckets_of_a_departed_host_go_to_the_others_only),
		cmocka_unit_test(test_buckets_a_newcomer_takes_only_its_share),
		cmocka_unit_test(
		    test_buckets_ignore_zero_and_repeats_and_empty_with_none),
		cmocka_unit_test(test_tag_marks_follow_the_documented_rule),
		cmocka_unit_test(
		    test_reload_rebuilds_an_id_that_names_another_redirect),
		cmocka_unit_test(
		    test_hosts_that_come_up_one_by_one_end_interleaved),
		cmocka_unit_test(
		    test_least_states_gives_the_idle_host_most_buckets),
		cmocka_unit_test(test_least_states_with_equal_counts_is_even),
		cmocka_unit_test(
		    test_session_counters_are_read_from_nfts_listing),
		cmocka_unit_test(
		    test_statistics_follow_the_counter_and_its_resets),
		cmocka_unit_test(test_start_text_is_the_golden_one),
		cmocka_unit_test(test_rdr_up_writes_rules_then_maps_by_family),
		cmocka_unit_test(
		    test_source_hash_uses_the_key_and_keeps_the_port),
		cmocka_unit_test(test_reload_of_the_same_config_writes_nothing),
		cmocka_unit_test(
		    test_reload_rebuilds_only_the_redirect_that_changed),
		cmocka_unit_test(
		    test_reload_removing_a_redirect_deletes_its_objects_only),
		cmocka_unit_test(
		    test_an_interface_name_with_a_quote_is_refused),
		cmocka_unit_test(
		    test_kernel_takes_every_batch_and_leaves_other_tables),
		cmocka_unit_test(test_a_backends_conntrack_entries_are_killed),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
