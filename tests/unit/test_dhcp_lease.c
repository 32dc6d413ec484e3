/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * dhcpd's lease table and lease file (specs/dhcpd-sync.md 1.3, 1.6,
 * 2.7): allocation order, offers, supersede and its MAC-change flag,
 * release, abandon, the expiry scan, every merge outcome, the lease file
 * format byte for byte (the spec's example), its parser's recovery, and
 * rewrite, append, commit and reload on a temporary file.
 */

#include <sys/stat.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "lease.h"

#define T0		((time_t)1700000000)	/* Tue 2023/11/14 22:13:20 */

static int	 pool_a, pool_b;		/* pool ids: their addresses */

static const uint8_t	 mac1[6] = { 0x00, 0x00, 0x5e, 0x00, 0x53, 0x01 };
static const uint8_t	 mac2[6] = { 0x00, 0x00, 0x5e, 0x00, 0x53, 0x02 };
static const uint8_t	 mac3[6] = { 0x00, 0x00, 0x5e, 0x00, 0x53, 0x03 };
static uint8_t		 uid1[7] = { 0x01, 0x00, 0x00, 0x5e, 0x00, 0x53, 0x01 };

/* The example of specs/dhcpd-sync.md 1.6. */
static const char	 spec_example[] =
    "lease 192.0.2.10 {\n"
    "\tstarts 2 2023/11/14 22:13:20 UTC;\n"
    "\tends 2 2023/11/14 23:13:20 UTC;\n"
    "\thardware ethernet 00:00:5e:00:53:01;\n"
    "\tuid 01:00:00:5e:00:53:01;\n"
    "\tclient-hostname \"pc1\";\n"
    "}\n";

static struct in_addr
ip4(const char *s)
{
	struct in_addr	 a;

	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return (a);
}

/* A table with 192.0.2.10-.19 in pool_a and 198.51.100.1-.4 in pool_b. */
static struct lease_db *
db_fixture(void)
{
	struct lease_db	*db;

	assert_non_null(db = lease_db_new());
	assert_int_equal(lease_db_add_range(db, ip4("192.0.2.10"),
	    ip4("192.0.2.19"), &pool_a), 0);
	assert_int_equal(lease_db_add_range(db, ip4("198.51.100.4"),
	    ip4("198.51.100.1"), &pool_b), 0);
	return (db);
}

/* A lease value for supersede: times and MAC, nothing else. */
static struct lease
value(time_t starts, time_t ends, const uint8_t *mac)
{
	struct lease	 n;

	memset(&n, 0, sizeof(n));
	n.l_starts = starts;
	n.l_ends = ends;
	n.l_timestamp = starts;
	if (mac != NULL) {
		n.l_htype = 1;
		n.l_hlen = 6;
		memcpy(n.l_haddr, mac, 6);
	}
	return (n);
}

static struct lease *
grant(struct lease_db *db, const char *ip, time_t starts, time_t ends,
    const uint8_t *mac)
{
	struct lease	*l, n;

	assert_non_null(l = lease_by_ip(db, ip4(ip)));
	n = value(starts, ends, mac);
	assert_int_not_equal(lease_supersede(db, l, &n), -1);
	return (l);
}

/* A peer's lease, as sync hands it to lease_merge() */
static struct lease
received(const char *ip, time_t starts, time_t ends, const uint8_t *mac)
{
	struct lease	 r = value(starts, ends, mac);

	r.l_ip = ip4(ip);
	return (r);
}

static int
is_ip(const struct lease *l, const char *ip)
{
	return (l != NULL && l->l_ip.s_addr == ip4(ip).s_addr);
}

/* The table */

static void
test_add_range_gives_every_address_a_free_entry(void **state)
{
	struct lease_db	*db = db_fixture();
	struct lease	*l;

	(void)state;
	assert_int_equal(lease_db_count(db), 14);
	assert_non_null(l = lease_by_ip(db, ip4("192.0.2.19")));
	assert_int_equal(l->l_ends, 0);
	assert_int_equal(l->l_hlen, 0);
	assert_ptr_equal(l->l_pool, &pool_a);
	assert_non_null(l = lease_by_ip(db, ip4("198.51.100.1")));
	assert_ptr_equal(l->l_pool, &pool_b);
	assert_null(lease_by_ip(db, ip4("192.0.2.20")));
	assert_null(lease_by_ip(db, ip4("198.51.100.5")));
	lease_db_free(db);
}

static void
test_add_range_refuses_more_than_2_20_addresses_in_all(void **state)
{
	struct lease_db	*db;

	(void)state;
	assert_non_null(db = lease_db_new());
	assert_int_equal(lease_db_add_range(db, ip4("10.0.0.0"),
	    ip4("10.16.0.0"), &pool_a), -1);
	assert_int_equal(lease_db_count(db), 0);
	assert_int_equal(lease_db_add_range(db, ip4("10.0.0.0"),
	    ip4("10.15.255.254"), &pool_a), 0);
	/* an overlap adds nothing; one new address is one too many */
	assert_int_equal(lease_db_add_range(db, ip4("10.0.0.0"),
	    ip4("10.0.255.255"), &pool_b), 0);
	assert_int_equal(lease_db_add_range(db, ip4("10.15.255.255"),
	    ip4("10.15.255.255"), &pool_a), 0);
	assert_int_equal(lease_db_add_range(db, ip4("10.16.0.0"),
	    ip4("10.16.0.0"), &pool_a), -1);
	assert_int_equal(lease_db_count(db), LEASE_DB_MAX);
	assert_ptr_equal(lease_by_ip(db, ip4("10.0.1.1"))->l_pool, &pool_b);
	assert_ptr_equal(lease_by_ip(db, ip4("10.1.1.1"))->l_pool, &pool_a);
	lease_db_free(db);
}

static void
test_add_range_moves_an_existing_address_to_the_new_pool(void **state)
{
	struct lease_db	*db = db_fixture();

	(void)state;
	assert_int_equal(lease_db_add_range(db, ip4("192.0.2.18"),
	    ip4("192.0.2.21"), &pool_b), 0);
	assert_int_equal(lease_db_count(db), 16);
	assert_ptr_equal(lease_by_ip(db, ip4("192.0.2.18"))->l_pool, &pool_b);
	assert_ptr_equal(lease_by_ip(db, ip4("192.0.2.17"))->l_pool, &pool_a);
	assert_int_equal(lease_db_add_range(db, ip4("192.0.2.1"),
	    ip4("192.0.2.1"), NULL), -1);
	lease_db_free(db);
}

static void
test_unpool_lets_a_reload_redraw_the_ranges(void **state)
{
	struct lease_db	*db = db_fixture();
	struct lease	*l, *local, r;
	int		 flags, pool_c;

	(void)state;
	l = grant(db, "192.0.2.19", T0, T0 + 3600, mac1);
	r = received("203.0.113.7", T0, T0 + 3600, mac2);
	assert_int_equal(lease_merge(db, &r, T0, &local, &flags),
	    LEASE_MERGE_DANGLING);
	lease_db_unpool(db);
	assert_null(l->l_pool);
	assert_false(l->l_flags & LEASE_DANGLING);
	assert_null(lease_pool_alloc(db, &pool_a, T0 + 7200));
	/* the new configuration: .10-.18 and the peer's address */
	assert_int_equal(lease_db_add_range(db, ip4("192.0.2.10"),
	    ip4("192.0.2.18"), &pool_c), 0);
	assert_int_equal(lease_db_add_range(db, ip4("203.0.113.7"),
	    ip4("203.0.113.7"), &pool_c), 0);
	assert_ptr_equal(lease_by_ip(db, ip4("192.0.2.18"))->l_pool, &pool_c);
	assert_ptr_equal(local->l_pool, &pool_c);
	assert_false(local->l_flags & LEASE_DANGLING);
	assert_int_equal(lease_db_dangling(db), 0);
	/* .19 left every range: known, kept in the file, never offered */
	assert_null(l->l_pool);
	assert_true(lease_persistent(l));
	assert_ptr_equal(lease_by_haddr(db, mac1, 6), l);
	assert_null(lease_pool_alloc(db, &pool_a, T0 + 7200));
	assert_non_null(lease_pool_alloc(db, &pool_c, T0 + 7200));
	assert_int_equal(lease_db_count(db), 15);
	lease_db_free(db);
}

static void
test_alloc_prefers_never_used_addresses(void **state)
{
	struct lease_db	*db = db_fixture();
	struct lease	*l;
	int		 i;
	char		 ip[32];

	(void)state;
	/* every address but .15 has ended, long ago */
	for (i = 10; i <= 19; i++) {
		if (i == 15)
			continue;
		(void)snprintf(ip, sizeof(ip), "192.0.2.%d", i);
		(void)grant(db, ip, T0 - 7200, T0 - 3600, mac1);
	}
	l = lease_pool_alloc(db, &pool_a, T0);
	assert_true(is_ip(l, "192.0.2.15"));
	lease_db_free(db);
}

static void
test_alloc_takes_the_lease_that_ended_first(void **state)
{
	struct lease_db	*db = db_fixture();
	struct lease	*l;
	int		 i;
	char		 ip[32];

	(void)state;
	for (i = 10; i <= 19; i++) {
		(void)snprintf(ip, sizeof(ip), "192.0.2.%d", i);
		(void)grant(db, ip, T0 - 7200, T0 - 100 + (i == 17 ? -50 : i),
		    mac1);
	}
	assert_true(is_ip(lease_pool_alloc(db, &pool_a, T0), "192.0.2.17"));
	/* once .17 is taken, the next oldest */
	(void)grant(db, "192.0.2.17", T0, T0 + 3600, mac2);
	assert_true(is_ip(lease_pool_alloc(db, &pool_a, T0), "192.0.2.10"));
	/* nothing free while every lease is active */
	for (i = 10; i <= 19; i++) {
		(void)snprintf(ip, sizeof(ip), "192.0.2.%d", i);
		(void)grant(db, ip, T0, T0 + 3600, mac1);
	}
	l = lease_pool_alloc(db, &pool_a, T0);
	assert_null(l);
	assert_true(is_ip(lease_pool_alloc(db, &pool_a, T0 + 3600),
	    "192.0.2.10"));
	lease_db_free(db);
}

static void
test_alloc_gives_abandoned_addresses_last_oldest_first(void **state)
{
	struct lease_db	*db = db_fixture();
	int		 i;
	char		 ip[32];

	(void)state;
	for (i = 10; i <= 19; i++) {
		(void)snprintf(ip, sizeof(ip), "192.0.2.%d", i);
		(void)grant(db, ip, T0 - 7200, T0 + 3600, mac1);
	}
	lease_abandon(db, lease_by_ip(db, ip4("192.0.2.12")), T0 - 500, 100);
	lease_abandon(db, lease_by_ip(db, ip4("192.0.2.11")), T0 - 400, 100);
	/* abandoned even though they ended before .13 did */
	lease_release(db, lease_by_ip(db, ip4("192.0.2.13")), T0 - 10);
	assert_true(is_ip(lease_pool_alloc(db, &pool_a, T0), "192.0.2.13"));
	(void)grant(db, "192.0.2.13", T0, T0 + 3600, mac2);
	assert_true(is_ip(lease_pool_alloc(db, &pool_a, T0), "192.0.2.12"));
	(void)grant(db, "192.0.2.12", T0, T0 + 3600, mac2);
	assert_true(is_ip(lease_pool_alloc(db, &pool_a, T0), "192.0.2.11"));
	lease_db_free(db);
}

static void
test_alloc_skips_abandoned_addresses_still_blocked(void **state)
{
	struct lease_db	*db = db_fixture();
	int		 i;
	char		 ip[32];

	(void)state;
	for (i = 10; i <= 19; i++) {
		(void)snprintf(ip, sizeof(ip), "192.0.2.%d", i);
		(void)grant(db, ip, T0, T0 + 86400, mac1);
	}
	lease_abandon(db, lease_by_ip(db, ip4("192.0.2.14")), T0, 43200);
	assert_null(lease_pool_alloc(db, &pool_a, T0 + 60));
	assert_true(is_ip(lease_pool_alloc(db, &pool_a, T0 + 43200),
	    "192.0.2.14"));
	lease_db_free(db);
}

static void
test_alloc_serves_only_its_own_pool(void **state)
{
	struct lease_db	*db = db_fixture();
	struct lease	*l;
	int		 other;

	(void)state;
	assert_non_null(l = lease_pool_alloc(db, &pool_b, T0));
	assert_ptr_equal(l->l_pool, &pool_b);
	assert_null(lease_pool_alloc(db, &other, T0));
	assert_null(lease_pool_alloc(db, NULL, T0));
	lease_db_free(db);
}

static void
test_offer_reserves_the_address_for_120_seconds(void **state)
{
	struct lease_db	*db;
	struct lease	*l, *l2;

	(void)state;
	assert_non_null(db = lease_db_new());
	assert_int_equal(lease_db_add_range(db, ip4("192.0.2.10"),
	    ip4("192.0.2.11"), &pool_a), 0);
	assert_non_null(l = lease_pool_alloc(db, &pool_a, T0));
	lease_offer(db, l, mac1, 1, 6, T0);
	assert_true(l->l_flags & LEASE_OFFERED);
	assert_int_equal(l->l_ends, T0 + LEASE_OFFER_TIME);
	assert_int_equal(l->l_timestamp, T0);
	assert_ptr_equal(lease_by_haddr(db, mac1, 6), l);
	assert_int_equal(lease_persistent(l), 0);

	/* the other address goes to the next client, then none is left */
	assert_non_null(l2 = lease_pool_alloc(db, &pool_a, T0 + 1));
	assert_ptr_not_equal(l2, l);
	lease_offer(db, l2, mac2, 1, 6, T0 + 1);
	assert_null(lease_pool_alloc(db, &pool_a, T0 + 119));
	/* 120 s later the first offer is free again */
	assert_ptr_equal(lease_pool_alloc(db, &pool_a, T0 + 120), l);
	lease_db_free(db);
}

static void
test_offer_of_the_clients_own_lease_keeps_it_committed(void **state)
{
	struct lease_db	*db = db_fixture();
	struct lease	*l;

	(void)state;
	l = grant(db, "192.0.2.10", T0, T0 + 3600, mac1);
	lease_offer(db, l, mac1, 1, 6, T0 + 10);
	assert_false(l->l_flags & LEASE_OFFERED);
	assert_int_equal(l->l_ends, T0 + 3600);
	assert_int_equal(l->l_timestamp, T0 + 10);
	assert_true(lease_persistent(l));

	/* an expired lease offered to a new client loses the old owner */
	l = grant(db, "192.0.2.11", T0 - 100, T0 - 10, mac1);
	lease_offer(db, l, mac2, 1, 6, T0);
	assert_true(l->l_flags & LEASE_OFFERED);
	assert_memory_equal(l->l_haddr, mac2, 6);
	assert_ptr_equal(lease_by_haddr(db, mac2, 6), l);
	assert_ptr_equal(lease_by_haddr(db, mac1, 6),
	    lease_by_ip(db, ip4("192.0.2.10")));
	lease_db_free(db);
}

static void
test_supersede_reports_a_new_mac(void **state)
{
	struct lease_db	*db = db_fixture();
	struct lease	*l, n;

	(void)state;
	assert_non_null(l = lease_by_ip(db, ip4("192.0.2.10")));
	/* no MAC before: OpenBSD's 'C' is sent too */
	n = value(T0, T0 + 3600, mac1);
	assert_int_equal(lease_supersede(db, l, &n), LEASE_CHG_MAC);
	n = value(T0 + 10, T0 + 3610, mac2);
	assert_int_equal(lease_supersede(db, l, &n), LEASE_CHG_MAC);
	n = value(T0 + 10, T0 + 3610, NULL);
	assert_int_equal(lease_supersede(db, l, &n), LEASE_CHG_MAC);
	assert_int_equal(l->l_hlen, 0);
	assert_null(lease_by_haddr(db, mac2, 6));
	lease_db_free(db);
}

static void
test_supersede_with_the_same_mac_reports_no_change(void **state)
{
	struct lease_db	*db = db_fixture();
	struct lease	*l, n;

	(void)state;
	l = grant(db, "192.0.2.10", T0, T0 + 3600, mac1);
	n = value(T0 + 1800, T0 + 5400, mac1);
	n.l_flags = LEASE_OFFERED;	/* never copied */
	assert_int_equal(lease_supersede(db, l, &n), 0);
	assert_int_equal(l->l_starts, T0 + 1800);
	assert_int_equal(l->l_ends, T0 + 5400);
	assert_int_equal(l->l_timestamp, T0 + 1800);
	assert_int_equal(l->l_flags, 0);
	assert_true(is_ip(l, "192.0.2.10"));
	lease_db_free(db);
}

static void
test_supersede_copies_uid_and_names_even_from_itself(void **state)
{
	struct lease_db	*db = db_fixture();
	struct lease	*l, n;
	char		 name[] = "pc1";

	(void)state;
	assert_non_null(l = lease_by_ip(db, ip4("192.0.2.10")));
	n = value(T0, T0 + 3600, mac1);
	n.l_uid = uid1;
	n.l_uidlen = sizeof(uid1);
	n.l_client_hostname = name;
	n.l_hostname = name;
	n.l_flags = LEASE_DYNAMIC_BOOTP;
	n.l_ip = ip4("203.0.113.1");	/* never copied */
	assert_int_equal(lease_supersede(db, l, &n), LEASE_CHG_MAC);
	name[0] = 'X';			/* the lease holds copies */
	assert_string_equal(l->l_client_hostname, "pc1");
	assert_string_equal(l->l_hostname, "pc1");
	assert_ptr_not_equal(l->l_uid, uid1);
	assert_memory_equal(l->l_uid, uid1, sizeof(uid1));
	assert_true(l->l_flags & LEASE_DYNAMIC_BOOTP);
	assert_true(is_ip(l, "192.0.2.10"));

	/* the usual idiom: copy, change a field, supersede */
	n = *l;
	n.l_ends = T0 + 7200;
	assert_int_equal(lease_supersede(db, l, &n), 0);
	assert_int_equal(l->l_ends, T0 + 7200);
	assert_string_equal(l->l_client_hostname, "pc1");
	assert_memory_equal(l->l_uid, uid1, sizeof(uid1));
	assert_int_equal(lease_supersede(db, l, l), 0);
	assert_ptr_equal(lease_by_uid(db, uid1, sizeof(uid1)), l);
	lease_db_free(db);
}

static void
test_lookups_follow_a_supersede(void **state)
{
	struct lease_db	*db = db_fixture();
	struct lease	*l, n;

	(void)state;
	l = lease_by_ip(db, ip4("192.0.2.11"));
	n = value(T0, T0 + 3600, mac1);
	n.l_uid = uid1;
	n.l_uidlen = sizeof(uid1);
	assert_int_not_equal(lease_supersede(db, l, &n), -1);
	assert_ptr_equal(lease_by_haddr(db, mac1, 6), l);
	assert_ptr_equal(lease_by_uid(db, uid1, sizeof(uid1)), l);
	assert_null(lease_by_haddr(db, mac1, 5));
	assert_null(lease_by_uid(db, uid1, sizeof(uid1) - 1));

	n = value(T0, T0 + 3600, mac2);
	assert_int_equal(lease_supersede(db, l, &n), LEASE_CHG_MAC);
	assert_null(lease_by_haddr(db, mac1, 6));
	assert_null(lease_by_uid(db, uid1, sizeof(uid1)));
	assert_ptr_equal(lease_by_haddr(db, mac2, 6), l);
	assert_ptr_equal(lease_by_ip(db, ip4("192.0.2.11")), l);
	lease_db_free(db);
}

static void
test_lookup_by_mac_returns_the_lease_ending_last(void **state)
{
	struct lease_db	*db = db_fixture();
	struct lease	*l;
	uint8_t		 other[6];

	(void)state;
	(void)grant(db, "192.0.2.12", T0, T0 + 100, mac1);
	l = grant(db, "198.51.100.3", T0, T0 + 300, mac1);
	(void)grant(db, "192.0.2.18", T0, T0 + 200, mac1);
	assert_ptr_equal(lease_by_haddr(db, mac1, 6), l);
	/* htype is not part of the key */
	(void)grant(db, "192.0.2.10", T0, T0 + 50, mac2);
	lease_by_ip(db, ip4("192.0.2.10"))->l_htype = 6;
	assert_true(is_ip(lease_by_haddr(db, mac2, 6), "192.0.2.10"));
	memcpy(other, mac1, 6);
	other[5] = 0x03;
	assert_null(lease_by_haddr(db, other, 6));
	assert_null(lease_by_haddr(db, mac1, 0));
	lease_db_free(db);
}

static void
test_release_ends_the_lease_now(void **state)
{
	struct lease_db	*db = db_fixture();
	struct lease	*l;

	(void)state;
	l = grant(db, "192.0.2.10", T0, T0 + 3600, mac1);
	lease_release(db, l, T0 + 60);
	assert_int_equal(l->l_ends, T0 + 60);
	assert_memory_equal(l->l_haddr, mac1, 6);	/* kept: sticky */
	assert_true(lease_persistent(l));
	/* released before expiry: an offer ends too */
	l = lease_by_ip(db, ip4("192.0.2.11"));
	lease_offer(db, l, mac2, 1, 6, T0);
	lease_release(db, l, T0 + 5);
	assert_int_equal(l->l_ends, T0 + 5);
	assert_false(l->l_flags & LEASE_OFFERED);
	/* an expired lease keeps its end */
	l = grant(db, "192.0.2.12", T0 - 100, T0 - 50, mac2);
	lease_release(db, l, T0);
	assert_int_equal(l->l_ends, T0 - 50);
	lease_db_free(db);
}

static void
test_abandon_clears_the_mac_and_blocks_the_address(void **state)
{
	struct lease_db	*db = db_fixture();
	struct lease	*l, n;

	(void)state;
	l = lease_by_ip(db, ip4("192.0.2.13"));
	n = value(T0, T0 + 3600, mac1);
	n.l_uid = uid1;
	n.l_uidlen = sizeof(uid1);
	assert_int_not_equal(lease_supersede(db, l, &n), -1);
	lease_abandon(db, l, T0 + 10, 43200);
	assert_true(l->l_flags & LEASE_ABANDONED);
	assert_int_equal(l->l_hlen, 0);
	assert_int_equal(l->l_uidlen, 0);
	assert_null(l->l_uid);
	assert_int_equal(l->l_ends, T0 + 10 + 43200);
	assert_null(lease_by_haddr(db, mac1, 6));
	assert_null(lease_by_uid(db, uid1, sizeof(uid1)));
	assert_true(lease_persistent(l));
	/* a grant to a client reclaims it */
	n = value(T0 + 50000, T0 + 53600, mac2);
	assert_int_equal(lease_supersede(db, l, &n), LEASE_CHG_MAC);
	assert_false(l->l_flags & LEASE_ABANDONED);
	lease_db_free(db);
}

struct seen {
	int		 n;
	struct in_addr	 ip[16];
};

static void
see(struct lease *l, void *arg)
{
	struct seen	*s = arg;

	if (s->n < 16)
		s->ip[s->n] = l->l_ip;
	s->n++;
}

static void
test_expiry_scan_reports_leases_ending_in_the_window(void **state)
{
	struct lease_db	*db = db_fixture();
	struct lease	 r, *local;
	struct seen	 s;
	int		 flags;

	(void)state;
	(void)grant(db, "192.0.2.10", T0, T0 + 100, mac1);
	(void)grant(db, "192.0.2.11", T0, T0 + 101, mac2);
	(void)grant(db, "198.51.100.2", T0, T0 + 150, mac2);
	(void)grant(db, "192.0.2.12", T0, T0 + 201, mac1);
	lease_abandon(db, lease_by_ip(db, ip4("192.0.2.13")), T0, 120);
	r = value(T0, T0 + 130, mac3);
	r.l_ip = ip4("203.0.113.9");
	assert_int_equal(lease_merge(db, &r, T0, &local, &flags),
	    LEASE_MERGE_DANGLING);

	memset(&s, 0, sizeof(s));
	lease_db_expire(db, T0 + 100, T0 + 200, see, &s);
	/* (since, now]: .10 ended at since, .12 after now; free ones never */
	assert_int_equal(s.n, 4);
	memset(&s, 0, sizeof(s));
	lease_db_expire(db, T0 + 99, T0 + 100, see, &s);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.ip[0].s_addr, ip4("192.0.2.10").s_addr);
	memset(&s, 0, sizeof(s));
	lease_db_expire(db, T0 + 200, T0 + 200, see, &s);
	assert_int_equal(s.n, 0);
	lease_db_free(db);
}

static void
test_foreach_walks_every_lease_in_address_order(void **state)
{
	struct lease_db	*db = db_fixture();
	struct seen	 s;

	(void)state;
	memset(&s, 0, sizeof(s));
	lease_db_foreach(db, see, &s);
	assert_int_equal(s.n, 14);
	assert_int_equal(s.ip[0].s_addr, ip4("192.0.2.10").s_addr);
	assert_int_equal(s.ip[9].s_addr, ip4("192.0.2.19").s_addr);
	assert_int_equal(s.ip[10].s_addr, ip4("198.51.100.1").s_addr);
	assert_int_equal(s.ip[13].s_addr, ip4("198.51.100.4").s_addr);
	lease_db_free(db);
}

/* Merge */

static void
test_merge_supersedes_an_older_local_lease(void **state)
{
	struct lease_db	*db = db_fixture();
	struct lease	*l, *local, r, n;
	char		 name[] = "pc1";
	int		 flags;

	(void)state;
	l = lease_by_ip(db, ip4("192.0.2.10"));
	n = value(T0, T0 + 3600, mac1);
	n.l_uid = uid1;
	n.l_uidlen = sizeof(uid1);
	n.l_client_hostname = name;
	n.l_flags = LEASE_DYNAMIC_BOOTP;
	assert_int_not_equal(lease_supersede(db, l, &n), -1);

	r = received("192.0.2.10", T0 + 1800, T0 + 5400, mac1);
	r.l_timestamp = T0 + 1799;
	assert_int_equal(lease_merge(db, &r, T0 + 1800, &local, &flags),
	    LEASE_MERGE_SUPERSEDED);
	assert_ptr_equal(local, l);
	assert_int_equal(flags, 0);
	assert_int_equal(l->l_starts, T0 + 1800);
	assert_int_equal(l->l_ends, T0 + 5400);
	assert_int_equal(l->l_timestamp, T0 + 1799);
	/* no uid or flags on the wire; the same client keeps its name */
	assert_int_equal(l->l_uidlen, 0);
	assert_int_equal(l->l_flags, 0);
	assert_string_equal(l->l_client_hostname, "pc1");
	lease_db_free(db);
}

static void
test_merge_keeps_a_newer_local_lease(void **state)
{
	struct lease_db	*db = db_fixture();
	struct lease	*l, *local, r;
	int		 flags;

	(void)state;
	l = grant(db, "192.0.2.10", T0, T0 + 3600, mac1);
	r = received("192.0.2.10", T0 - 100, T0 + 3000, mac1);
	assert_int_equal(lease_merge(db, &r, T0, &local, &flags),
	    LEASE_MERGE_OURS_NEWER);
	assert_ptr_equal(local, l);
	assert_int_equal(l->l_ends, T0 + 3600);
	assert_int_equal(l->l_starts, T0);
	lease_db_free(db);
}

/*
 * Both servers offered; the client took the peer's, whose ACK (30 s
 * leases) ends before our offer's 120 s hold.  The peer's binding
 * replaces our offer, of this client or another, and is no longer
 * answered as "ours newer" with the offer.
 */
static void
test_merge_puts_a_peers_binding_over_our_offer(void **state)
{
	struct lease_db	*db = db_fixture();
	struct lease	*l, *local, r;
	int		 flags = 0;

	(void)state;
	assert_non_null(l = lease_by_ip(db, ip4("192.0.2.10")));
	lease_offer(db, l, mac1, 1, 6, T0);
	assert_true(l->l_flags & LEASE_OFFERED);
	assert_true(l->l_ends > T0 + 30);
	r = received("192.0.2.10", T0 + 1, T0 + 31, mac1);
	assert_int_equal(lease_merge(db, &r, T0 + 1, &local, &flags),
	    LEASE_MERGE_SUPERSEDED);
	assert_ptr_equal(local, l);
	assert_int_equal(l->l_ends, T0 + 31);
	assert_int_equal(l->l_starts, T0 + 1);
	assert_false(l->l_flags & LEASE_OFFERED);
	/* an offer to another client gives way too */
	assert_non_null(l = lease_by_ip(db, ip4("192.0.2.11")));
	lease_offer(db, l, mac2, 1, 6, T0);
	r = received("192.0.2.11", T0 + 1, T0 + 31, mac3);
	assert_int_equal(lease_merge(db, &r, T0 + 1, &local, &flags),
	    LEASE_MERGE_SUPERSEDED);
	assert_ptr_equal(local, l);
	assert_memory_equal(l->l_haddr, mac3, 6);
	lease_db_free(db);
}

static void
test_merge_of_an_equal_lease_does_nothing(void **state)
{
	struct lease_db	*db = db_fixture();
	struct lease	*l, *local, r;
	int		 flags;

	(void)state;
	l = grant(db, "192.0.2.10", T0, T0 + 3600, mac1);
	/* starts and timestamp do not count */
	r = received("192.0.2.10", T0 + 5, T0 + 3600, mac1);
	assert_int_equal(lease_merge(db, &r, T0, &local, &flags),
	    LEASE_MERGE_EQUAL);
	assert_ptr_equal(local, l);
	assert_int_equal(l->l_starts, T0);
	lease_db_free(db);
}

static void
test_merge_refuses_a_lease_active_for_another_mac(void **state)
{
	struct lease_db	*db = db_fixture();
	struct lease	*l, *local, r;
	int		 flags;

	(void)state;
	l = grant(db, "192.0.2.10", T0, T0 + 3600, mac1);
	r = received("192.0.2.10", T0 + 10, T0 + 7200, mac2);
	assert_int_equal(lease_merge(db, &r, T0 + 10, &local, &flags),
	    LEASE_MERGE_CONFLICT);
	assert_ptr_equal(local, l);
	assert_memory_equal(l->l_haddr, mac1, 6);
	assert_int_equal(l->l_ends, T0 + 3600);
	/* once ours has expired, the peer's lease wins */
	assert_int_equal(lease_merge(db, &r, T0 + 3600, &local, &flags),
	    LEASE_MERGE_SUPERSEDED);
	assert_int_equal(flags, LEASE_CHG_MAC);
	assert_memory_equal(l->l_haddr, mac2, 6);
	assert_ptr_equal(lease_by_haddr(db, mac2, 6), l);
	assert_null(lease_by_haddr(db, mac1, 6));
	lease_db_free(db);
}

static void
test_merge_updates_the_mac_on_another_address(void **state)
{
	struct lease_db	*db = db_fixture();
	struct lease	*l, *local, r;
	int		 flags;

	(void)state;
	l = grant(db, "192.0.2.12", T0, T0 + 3600, mac1);
	r = received("192.0.2.15", T0 + 60, T0 + 7200, mac1);
	assert_int_equal(lease_merge(db, &r, T0 + 60, &local, &flags),
	    LEASE_MERGE_SUPERSEDED);
	/*
	 * hakit, not OpenBSD: the address the peer granted takes the
	 * lease, and the client's older lease on .12 is ended.
	 */
	assert_true(is_ip(local, "192.0.2.15"));
	assert_int_equal(local->l_ends, T0 + 7200);
	assert_int_equal(local->l_hlen, 6);
	assert_int_equal(flags, LEASE_MERGE_MAC_OTHER_IP |
	    LEASE_MERGE_OTHER_ENDED | LEASE_CHG_MAC);
	assert_ptr_equal(lease_merge_other(db), l);
	assert_null(lease_merge_other(db));
	assert_true(is_ip(l, "192.0.2.12"));
	assert_int_equal(l->l_ends, T0 + 60);
	/* one active lease for the MAC: the new one */
	assert_true(is_ip(lease_by_haddr(db, mac1, 6), "192.0.2.15"));
	/* an older copy of the same grant: ours is newer */
	r.l_ends = T0 + 100;
	assert_int_equal(lease_merge(db, &r, T0 + 60, &local, &flags),
	    LEASE_MERGE_OURS_NEWER);
	assert_int_equal(flags, 0);
	lease_db_free(db);
}

static void
test_merge_of_an_unknown_address_keeps_a_dangling_lease(void **state)
{
	struct lease_db	*db = db_fixture();
	struct lease	*local, *l, r;
	int		 flags;

	(void)state;
	r = received("203.0.113.7", T0, T0 + 3600, mac2);
	assert_int_equal(lease_merge(db, &r, T0, &local, &flags),
	    LEASE_MERGE_DANGLING);
	assert_non_null(local);
	assert_int_equal(flags, 0);
	assert_true(local->l_flags & LEASE_DANGLING);
	assert_null(local->l_pool);
	assert_int_equal(local->l_ends, T0 + 3600);
	assert_false(lease_persistent(local));
	assert_int_equal(lease_db_count(db), 15);
	assert_int_equal(lease_db_dangling(db), 1);
	assert_ptr_equal(lease_by_haddr(db, mac2, 6), local);
	/* known now: a newer one supersedes it, still dangling */
	r.l_ends = T0 + 7200;
	assert_int_equal(lease_merge(db, &r, T0, &l, &flags),
	    LEASE_MERGE_SUPERSEDED);
	assert_ptr_equal(l, local);
	assert_true(local->l_flags & LEASE_DANGLING);
	assert_null(lease_pool_alloc(db, NULL, T0 + 9000));
	/* a range that covers it later adopts it */
	assert_int_equal(lease_db_add_range(db, ip4("203.0.113.7"),
	    ip4("203.0.113.7"), &pool_b), 0);
	assert_false(local->l_flags & LEASE_DANGLING);
	assert_ptr_equal(local->l_pool, &pool_b);
	assert_int_equal(lease_db_dangling(db), 0);
	assert_true(lease_persistent(local));
	lease_db_free(db);
}

static void
test_merge_keeps_at_most_4096_dangling_leases(void **state)
{
	struct lease_db	*db;
	struct lease	*local, r;
	uint8_t		 mac[6] = { 0x02, 0, 0, 0, 0, 0 };
	int		 flags, i;

	(void)state;
	assert_non_null(db = lease_db_new());
	r = received("10.0.0.0", T0, T0 + 60, NULL);
	for (i = 0; i < LEASE_DANGLING_MAX; i++) {
		r.l_ip.s_addr = htonl(0x0a000000U + (uint32_t)i);
		mac[4] = (uint8_t)(i >> 8);
		mac[5] = (uint8_t)i;
		memcpy(r.l_haddr, mac, 6);
		r.l_hlen = 6;
		assert_int_equal(lease_merge(db, &r, T0, &local, &flags),
		    LEASE_MERGE_DANGLING);
	}
	r.l_ip.s_addr = htonl(0x0b000000U);
	r.l_haddr[0] = 0x04;
	assert_int_equal(lease_merge(db, &r, T0, &local, &flags),
	    LEASE_MERGE_ERROR);
	assert_null(local);
	assert_int_equal(lease_db_dangling(db), LEASE_DANGLING_MAX);
	lease_db_free(db);
}

static void
test_merge_outcomes_have_names(void **state)
{
	(void)state;
	assert_string_equal(lease_merge_name(LEASE_MERGE_SUPERSEDED),
	    "superseded");
	assert_string_equal(lease_merge_name(LEASE_MERGE_OURS_NEWER),
	    "ours newer");
	assert_string_equal(lease_merge_name(LEASE_MERGE_EQUAL), "equal");
	assert_string_equal(lease_merge_name(LEASE_MERGE_CONFLICT),
	    "conflict");
	assert_string_equal(lease_merge_name(LEASE_MERGE_DANGLING),
	    "dangling");
	assert_string_equal(lease_merge_name(LEASE_MERGE_ERROR), "error");
}

/* The file format */

struct got {
	int		 n;
	struct lease	 l[8];
	uint8_t		 uid[8][LEASE_UID_MAX];
	char		 hn[8][64];
	char		 chn[8][64];
	int		 errs;
	int		 errline[8];
	char		 errmsg[8][256];
	int		 fail_at;	/* cb fails on this call, 0: never */
};

static int
got_lease(const struct lease *l, void *arg)
{
	struct got	*g = arg;

	if (g->fail_at != 0 && g->n + 1 == g->fail_at)
		return (-1);
	assert_true(g->n < 8);
	g->l[g->n] = *l;
	if (l->l_uid != NULL) {
		memcpy(g->uid[g->n], l->l_uid, l->l_uidlen);
		g->l[g->n].l_uid = g->uid[g->n];
	}
	if (l->l_hostname != NULL) {
		(void)strlcpy(g->hn[g->n], l->l_hostname, 64);
		g->l[g->n].l_hostname = g->hn[g->n];
	}
	if (l->l_client_hostname != NULL) {
		(void)strlcpy(g->chn[g->n], l->l_client_hostname, 64);
		g->l[g->n].l_client_hostname = g->chn[g->n];
	}
	g->n++;
	return (0);
}

static void
got_err(int line, const char *msg, void *arg)
{
	struct got	*g = arg;

	if (g->errs < 8) {
		g->errline[g->errs] = line;
		(void)strlcpy(g->errmsg[g->errs], msg, 256);
	}
	g->errs++;
}

static int
parse(const char *text, struct got *g)
{
	memset(g, 0, sizeof(*g));
	return (leasefile_parse(text, strlen(text), got_lease, g, got_err));
}

static struct lease
spec_lease(void)
{
	struct lease	 l = value(T0, T0 + 3600, mac1);
	static char	 pc1[] = "pc1";

	l.l_ip = ip4("192.0.2.10");
	l.l_uid = uid1;
	l.l_uidlen = sizeof(uid1);
	l.l_client_hostname = pc1;
	return (l);
}

static void
test_format_writes_the_spec_example_byte_for_byte(void **state)
{
	struct lease	 l = spec_lease();
	char		 buf[512];

	(void)state;
	assert_int_equal(leasefile_format(&l, buf, sizeof(buf)),
	    strlen(spec_example));
	assert_string_equal(buf, spec_example);
}

static void
test_parse_reads_the_spec_example_back(void **state)
{
	struct got	 g;

	(void)state;
	assert_int_equal(parse(spec_example, &g), 1);
	assert_int_equal(g.errs, 0);
	assert_true(is_ip(&g.l[0], "192.0.2.10"));
	assert_int_equal(g.l[0].l_starts, T0);
	assert_int_equal(g.l[0].l_ends, T0 + 3600);
	assert_int_equal(g.l[0].l_htype, 1);
	assert_int_equal(g.l[0].l_hlen, 6);
	assert_memory_equal(g.l[0].l_haddr, mac1, 6);
	assert_int_equal(g.l[0].l_uidlen, sizeof(uid1));
	assert_memory_equal(g.l[0].l_uid, uid1, sizeof(uid1));
	assert_string_equal(g.l[0].l_client_hostname, "pc1");
	assert_null(g.l[0].l_hostname);
	assert_int_equal(g.l[0].l_flags, 0);
}

static void
test_format_without_a_mac_keeps_openbsds_blank_line(void **state)
{
	struct lease	 l;
	char		 buf[512];
	char		 host[] = "printer.example";
	struct got	 g;

	(void)state;
	l = value(T0, T0 + 43200, NULL);
	l.l_ip = ip4("192.0.2.11");
	l.l_flags = LEASE_ABANDONED | LEASE_DYNAMIC_BOOTP;
	l.l_hostname = host;
	assert_int_not_equal(leasefile_format(&l, buf, sizeof(buf)), 0);
	assert_string_equal(buf,
	    "lease 192.0.2.11 {\n"
	    "\tstarts 2 2023/11/14 22:13:20 UTC;\n"
	    "\tends 3 2023/11/15 10:13:20 UTC;\n"
	    "\n\tdynamic-bootp;\n"
	    "\tabandoned;\n"
	    "\thostname \"printer.example\";\n"
	    "}\n");
	assert_int_equal(parse(buf, &g), 1);
	assert_int_equal(g.l[0].l_flags,
	    LEASE_ABANDONED | LEASE_DYNAMIC_BOOTP);
	assert_string_equal(g.l[0].l_hostname, "printer.example");

	/* other hardware types by OpenBSD's names */
	l = value(T0, T0, mac2);
	l.l_htype = 6;
	assert_int_not_equal(leasefile_format(&l, buf, sizeof(buf)), 0);
	assert_non_null(strstr(buf,
	    "\thardware token-ring 00:00:5e:00:53:02;"));
	l.l_htype = 42;
	assert_int_not_equal(leasefile_format(&l, buf, sizeof(buf)), 0);
	assert_non_null(strstr(buf, "\thardware unknown-42 00:00:5e"));
	assert_int_equal(parse(buf, &g), 1);
	assert_int_equal(g.l[0].l_htype, 42);
}

static void
test_format_omits_hostnames_with_bad_characters(void **state)
{
	struct lease	 l = spec_lease();
	char		 buf[512];
	char		 sp[] = "my pc", del[] = "pc\x7f", hi[] = "caf\xc3\xa9";
	char		 quote[] = "x\";abandoned;client-hostname\"y";
	char		 bs[] = "pc\\", ok[] = "pc-1.example";

	(void)state;
	l.l_client_hostname = sp;
	l.l_hostname = ok;
	assert_int_not_equal(leasefile_format(&l, buf, sizeof(buf)), 0);
	assert_null(strstr(buf, "client-hostname"));
	assert_non_null(strstr(buf, "\n\thostname \"pc-1.example\";\n}\n"));
	l.l_hostname = del;
	assert_int_not_equal(leasefile_format(&l, buf, sizeof(buf)), 0);
	assert_null(strstr(buf, "hostname"));
	l.l_hostname = hi;
	assert_int_not_equal(leasefile_format(&l, buf, sizeof(buf)), 0);
	assert_null(strstr(buf, "hostname"));
	/* hakit: a quote or backslash would let a client inject statements */
	l.l_client_hostname = quote;
	l.l_hostname = bs;
	assert_int_not_equal(leasefile_format(&l, buf, sizeof(buf)), 0);
	assert_null(strstr(buf, "hostname"));
	assert_null(strstr(buf, "abandoned"));
}

static void
test_format_refuses_a_buffer_too_small(void **state)
{
	struct lease	 l = spec_lease();
	char		 buf[512];
	size_t		 len = strlen(spec_example);

	(void)state;
	assert_int_equal(leasefile_format(&l, buf, len), 0);
	assert_string_equal(buf, "");
	assert_int_equal(leasefile_format(&l, buf, len + 1), len);
	assert_int_equal(leasefile_format(&l, buf, 0), 0);
}

static void
test_format_writes_infinite_ends_as_openbsd_does(void **state)
{
	struct lease	 l = value(T0, LEASE_INFINITE, mac1);
	char		 buf[512];
	struct got	 g;

	(void)state;
	l.l_ip = ip4("192.0.2.12");
	l.l_flags = LEASE_DYNAMIC_BOOTP;
	assert_int_not_equal(leasefile_format(&l, buf, sizeof(buf)), 0);
	assert_non_null(strstr(buf, "\tends 2 2038/01/19 03:14:07 UTC;\n"));
	assert_int_equal(parse(buf, &g), 1);
	assert_int_equal(g.l[0].l_ends, LEASE_INFINITE);
	/* ISC's "never" is read as the same */
	assert_int_equal(parse("lease 192.0.2.12 { ends never; }", &g), 1);
	assert_int_equal(g.l[0].l_ends, LEASE_INFINITE);
}

static void
test_parse_accepts_the_old_form_without_utc(void **state)
{
	struct got	 g;

	(void)state;
	assert_int_equal(parse(
	    "# old file\n"
	    "lease 192.0.2.10 {\n"
	    "\tstarts 0 2023/11/14 22:13:20;\n"
	    "\tends 6 2023/11/14 23:13:20;\n"		/* weekday ignored */
	    "\thardware ethernet 0:0:5E:0:53:1;\n"
	    "}\n"
	    "lease 192.0.2.11{starts 2 2023/11/14 22:13:20 UTC;"
	    "ends 2 2023 / 11 / 14 23 : 13 : 20;uid \"abc\";"
	    "hostname pc2.example;}", &g), 2);
	assert_int_equal(g.errs, 0);
	assert_int_equal(g.l[0].l_starts, T0);
	assert_int_equal(g.l[0].l_ends, T0 + 3600);
	assert_memory_equal(g.l[0].l_haddr, mac1, 6);
	assert_int_equal(g.l[1].l_ends, T0 + 3600);
	assert_int_equal(g.l[1].l_uidlen, 3);
	assert_memory_equal(g.l[1].l_uid, "abc", 3);
	assert_string_equal(g.l[1].l_hostname, "pc2.example");
}

static void
test_parse_skips_a_truncated_block_and_keeps_the_good_ones(void **state)
{
	struct got	 g;
	char		 text[2048];
	size_t		 len;

	(void)state;
	(void)snprintf(text, sizeof(text), "%s%s", spec_example, spec_example);
	len = strlen(text);
	(void)strlcat(text, "lease 192.0.2.11 {\n\tstarts 2 2023/11/1",
	    sizeof(text));
	memset(&g, 0, sizeof(g));
	assert_int_equal(leasefile_parse(text, strlen(text), got_lease, &g,
	    got_err), 2);
	assert_int_equal(g.errs, 1);
	assert_int_equal(g.errline[0], 16);
	assert_string_equal(g.errmsg[0],
	    "lease 192.0.2.11: unexpected end of file");

	/* killed mid-write, then restarted: the next block is still read */
	text[len + 30] = '\0';
	(void)strlcat(text, "\n" "lease 192.0.2.12 { ends 2 2023/11/14 "
	    "23:13:20 UTC; }\n", sizeof(text));
	memset(&g, 0, sizeof(g));
	assert_int_equal(leasefile_parse(text, strlen(text), got_lease, &g,
	    got_err), 3);
	assert_int_equal(g.errs, 1);
	assert_true(is_ip(&g.l[2], "192.0.2.12"));
}

static void
test_parse_skips_a_block_with_an_unknown_statement(void **state)
{
	struct got	 g;

	(void)state;
	assert_int_equal(parse(
	    "lease 192.0.2.10 { starts 2 2023/11/14 22:13:20 UTC;\n"
	    "  binding state active; }\n"
	    "lease 192.0.2.11 { ends 2 2023/11/14 23:13:20 UTC; }\n", &g), 1);
	assert_int_equal(g.errs, 1);
	assert_int_equal(g.errline[0], 2);
	assert_string_equal(g.errmsg[0],
	    "lease 192.0.2.10: unknown statement 'binding'");
	assert_true(is_ip(&g.l[0], "192.0.2.11"));
}

static void
test_parse_refuses_bad_values_block_by_block(void **state)
{
	static const char *const bad[] = {
		"lease 192.0.2.10 { ends 2 2023/02/29 00:00:00; }",
		"lease 192.0.2.10 { ends 2 2023/13/01 00:00:00; }",
		"lease 192.0.2.10 { ends 7 2023/11/14 00:00:00; }",
		"lease 192.0.2.10 { ends 2 1969/12/31 23:59:59; }",
		"lease 192.0.2.10 { ends 2 2023/11/14 24:00:00; }",
		"lease 192.0.2.10 { ends 2 2023/11/14 23:00:00 CET; }",
		"lease 192.0.2.10 { hardware ethernet 00:11:22:33:44:55:66:77:"
		    "88:99:aa:bb:cc:dd:ee:ff:00; }",
		"lease 192.0.2.10 { hardware ethernet 0g:11; }",
		"lease 192.0.2.10 { hardware ethernet 001:11; }",
		"lease 192.0.2.10 { hardware wifi 00:11; }",
		"lease 192.0.2.10 { uid 01:; }",
		"lease 192.0.2.10 { hostname \"pc1\" }",
		"lease 192.0.2.10 { hostname \"pc1; }",
		"lease 192.0.2.10 { hostname lease; }",
		"lease 192.0.2.10 { abandoned }",
		"lease 192.0.2.256 { }",
		"lease 2001:db8::1 { }",
		"lease 192.0.2.10 }",
		"lease { }",
		"lease 192.0.2.10 { starts 2 2023/11/14 22:13:20 UTC; ",
	};
	struct got	 g;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse(bad[i], &g), 0);
		/* "hostname lease": the block, then "lease;" as a block */
		assert_int_equal(g.errs, strstr(bad[i], "name lease") ? 2 : 1);
	}
	assert_int_equal(parse("lease", &g), 0);
	assert_string_equal(g.errmsg[0],
	    "unexpected end of file after 'lease'");
	assert_int_equal(parse("lease 192.0.2.1.2 {}", &g), 0);
	assert_string_equal(g.errmsg[0], "bad lease address '192.0.2.1.2'");
	/* one-digit months, days and times are read, as strptime does */
	assert_int_equal(parse("lease 192.0.2.10 { ends 4 2024/2/29 "
	    "0:0:0; }", &g), 1);
	assert_int_equal(g.l[0].l_ends, 1709164800);
}

static void
test_parse_resumes_after_garbage_between_blocks(void **state)
{
	struct got	 g;

	(void)state;
	assert_int_equal(parse(
	    "garbage here; { }\n"
	    "lease 192.0.2.10 { abandoned; } # a comment with lease in it\n"
	    "\x01\x02 lease 192.0.2.11 { } } }\n"
	    "lease lease 192.0.2.12 { dynamic-bootp; }\n", &g), 3);
	assert_int_equal(g.errs, 4);
	assert_int_equal(g.errline[0], 1);
	assert_true(is_ip(&g.l[0], "192.0.2.10"));
	assert_int_equal(g.l[0].l_flags, LEASE_ABANDONED);
	assert_true(is_ip(&g.l[1], "192.0.2.11"));
	assert_true(is_ip(&g.l[2], "192.0.2.12"));
	assert_int_equal(parse("", &g), 0);
	assert_int_equal(parse("# nothing but a comment", &g), 0);
	assert_int_equal(g.errs, 0);
}

static void
test_parse_stops_when_the_callback_fails(void **state)
{
	struct got	 g;
	char		 text[1024];

	(void)state;
	(void)snprintf(text, sizeof(text), "%s%s%s", spec_example,
	    spec_example, spec_example);
	memset(&g, 0, sizeof(g));
	g.fail_at = 2;
	assert_int_equal(leasefile_parse(text, strlen(text), got_lease, &g,
	    got_err), -1);
	assert_int_equal(g.n, 1);
	assert_int_equal(leasefile_parse(text, strlen(text), NULL, NULL,
	    NULL), 3);
}

/* The file */

static char *
tmpfile_path(void)
{
	char	*path;
	int	 fd;

	assert_non_null(path = strdup("/tmp/test_dhcp_lease.XXXXXX"));
	assert_int_not_equal(fd = mkstemp(path), -1);
	assert_int_equal(close(fd), 0);
	return (path);
}

static void
put_file(const char *path, const char *text)
{
	FILE	*f;

	assert_non_null(f = fopen(path, "w"));
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static char *
get_file(const char *path)
{
	FILE	*f;
	char	*buf;
	size_t	 n;

	assert_non_null(buf = calloc(1, 65536));
	assert_non_null(f = fopen(path, "r"));
	n = fread(buf, 1, 65535, f);
	buf[n] = '\0';
	assert_int_equal(fclose(f), 0);
	return (buf);
}

static const char	 header[] =
    "# All times in this file are in UTC (GMT), not your local timezone.\n"
    "# The format of this file is documented in the dhcpd.leases(5) "
    "manual page.\n\n";

static void
test_load_keeps_the_last_occurrence_of_an_address(void **state)
{
	struct lease_db		*db = db_fixture();
	struct leasefile	*lf;
	struct lease		*l;
	char			*path = tmpfile_path(), err[256];

	(void)state;
	put_file(path,
	    "lease 192.0.2.10 { starts 2 2023/11/14 22:13:20 UTC;\n"
	    "  ends 2 2023/11/14 23:13:20 UTC;\n"
	    "  hardware ethernet 00:00:5e:00:53:01; uid 01:02; }\n"
	    "lease 192.0.2.11 { ends 2 2023/11/14 23:13:20 UTC; abandoned; }\n"
	    "lease 192.0.2.10 { starts 2 2023/11/14 23:13:20 UTC;\n"
	    "  ends 3 2023/11/15 00:13:20 UTC;\n"
	    "  hardware ethernet 00:00:5e:00:53:02; }\n");
	assert_non_null(lf = leasefile_open(path, err, sizeof(err)));
	assert_int_equal(leasefile_load(lf, db, T0), 3);
	l = lease_by_ip(db, ip4("192.0.2.10"));
	assert_int_equal(l->l_starts, T0 + 3600);
	assert_int_equal(l->l_ends, T0 + 7200);
	assert_memory_equal(l->l_haddr, mac2, 6);
	assert_int_equal(l->l_uidlen, 0);
	assert_ptr_equal(lease_by_haddr(db, mac2, 6), l);
	assert_null(lease_by_haddr(db, mac1, 6));
	assert_true(lease_by_ip(db, ip4("192.0.2.11"))->l_flags &
	    LEASE_ABANDONED);
	assert_int_equal(leasefile_stats(lf)->ls_loaded, 3);
	/* a load counts as a rewrite for the hourly rule */
	assert_false(leasefile_need_rewrite(lf, T0 + 7200));
	leasefile_close(lf);
	assert_int_equal(unlink(path), 0);
	free(path);
	lease_db_free(db);
}

static void
test_load_drops_leases_outside_the_ranges(void **state)
{
	struct lease_db		*db = db_fixture();
	struct leasefile	*lf;
	struct lease		*local, r;
	char			*path = tmpfile_path(), err[256];
	int			 flags;

	(void)state;
	r = received("203.0.113.8", T0, T0 + 3600, mac2);
	assert_int_equal(lease_merge(db, &r, T0, &local, &flags),
	    LEASE_MERGE_DANGLING);
	put_file(path,
	    "lease 203.0.113.7 { ends 2 2023/11/14 23:13:20 UTC;"
	    " hardware ethernet 00:00:5e:00:53:01; }\n"
	    "lease 203.0.113.8 { ends 2 2023/11/14 23:13:20 UTC;"
	    " hardware ethernet 00:00:5e:00:53:01; }\n"
	    "lease 198.51.100.2 { ends 2 2023/11/14 23:13:20 UTC;"
	    " hardware ethernet 00:00:5e:00:53:01; }\n"
	    "lease 198.51.100.3 { ends 2 2023/11/14 23:13:20 UTC;"
	    " frobnicate; }\n");
	assert_non_null(lf = leasefile_open(path, err, sizeof(err)));
	assert_int_equal(leasefile_load(lf, db, T0), 1);
	assert_int_equal(leasefile_stats(lf)->ls_dropped, 2);
	assert_int_equal(leasefile_stats(lf)->ls_bad, 1);
	assert_null(lease_by_ip(db, ip4("203.0.113.7")));
	assert_memory_equal(lease_by_ip(db, ip4("203.0.113.8"))->l_haddr,
	    mac2, 6);
	assert_true(is_ip(lease_by_haddr(db, mac1, 6), "198.51.100.2"));
	assert_int_equal(lease_db_count(db), 15);
	leasefile_close(lf);
	assert_int_equal(unlink(path), 0);
	free(path);
	lease_db_free(db);
}

static void
test_rewrite_writes_persistent_leases_and_truncates(void **state)
{
	struct lease_db		*db = db_fixture();
	struct leasefile	*lf;
	struct lease		*l, *local, r, n;
	char			*path = tmpfile_path(), *text, err[256];
	char			 expect[4096], buf[512];
	int			 flags;
	struct stat		 st;

	(void)state;
	/* a long file to be cut short */
	memset(expect, '#', sizeof(expect) - 2);
	expect[sizeof(expect) - 2] = '\n';
	expect[sizeof(expect) - 1] = '\0';
	put_file(path, expect);
	assert_non_null(lf = leasefile_open(path, err, sizeof(err)));
	assert_int_equal(leasefile_load(lf, db, T0), 0);

	l = lease_by_ip(db, ip4("192.0.2.10"));
	n = spec_lease();
	assert_int_not_equal(lease_supersede(db, l, &n), -1);
	lease_abandon(db, lease_by_ip(db, ip4("192.0.2.19")), T0, 60);
	lease_offer(db, lease_by_ip(db, ip4("192.0.2.15")), mac2, 1, 6, T0);
	r = received("203.0.113.9", T0, T0 + 60, mac3);
	assert_int_equal(lease_merge(db, &r, T0, &local, &flags),
	    LEASE_MERGE_DANGLING);

	assert_int_equal(leasefile_rewrite(lf, db, T0 + 10), 0);
	(void)strlcpy(expect, header, sizeof(expect));
	(void)strlcat(expect, spec_example, sizeof(expect));
	assert_int_not_equal(leasefile_format(lease_by_ip(db,
	    ip4("192.0.2.19")), buf, sizeof(buf)), 0);
	(void)strlcat(expect, buf, sizeof(expect));
	text = get_file(path);
	assert_string_equal(text, expect);
	free(text);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal((size_t)st.st_size, strlen(expect));
	assert_int_equal(leasefile_stats(lf)->ls_rewrites, 1);
	leasefile_close(lf);
	assert_int_equal(unlink(path), 0);
	free(path);
	lease_db_free(db);
}

static void
test_append_and_commit_add_to_the_end_of_the_file(void **state)
{
	struct lease_db		*db = db_fixture();
	struct leasefile	*lf;
	struct lease		*l;
	char			*path = tmpfile_path(), *text, err[256];
	char			 expect[4096], buf[512];

	(void)state;
	put_file(path, spec_example);
	assert_non_null(lf = leasefile_open(path, err, sizeof(err)));
	assert_int_equal(leasefile_load(lf, db, T0), 1);
	/* before any rewrite, appends still go to the end */
	l = grant(db, "192.0.2.11", T0, T0 + 60, mac2);
	assert_int_equal(leasefile_append(lf, l), 0);
	assert_int_equal(leasefile_stats(lf)->ls_appends, 1);
	assert_int_equal(leasefile_commit(lf), 0);
	assert_int_equal(leasefile_stats(lf)->ls_commits, 1);
	(void)strlcpy(expect, spec_example, sizeof(expect));
	assert_int_not_equal(leasefile_format(l, buf, sizeof(buf)), 0);
	(void)strlcat(expect, buf, sizeof(expect));
	text = get_file(path);
	assert_string_equal(text, expect);
	free(text);

	/* group commit: two appends, one fsync; nothing pending, no fsync */
	lease_release(db, l, T0 + 30);
	assert_int_equal(leasefile_append(lf, l), 0);
	l = grant(db, "192.0.2.12", T0, T0 + 60, mac2);
	assert_int_equal(leasefile_append(lf, l), 0);
	assert_int_equal(leasefile_commit(lf), 0);
	assert_int_equal(leasefile_commit(lf), 0);
	assert_int_equal(leasefile_stats(lf)->ls_commits, 2);
	assert_int_equal(leasefile_stats(lf)->ls_appends, 3);
	leasefile_close(lf);

	/* the file reads back to the same table */
	lease_db_free(db);
	db = db_fixture();
	assert_non_null(lf = leasefile_open(path, err, sizeof(err)));
	assert_int_equal(leasefile_load(lf, db, T0), 4);
	assert_int_equal(lease_by_ip(db, ip4("192.0.2.11"))->l_ends, T0 + 30);
	assert_true(is_ip(lease_by_haddr(db, mac2, 6), "192.0.2.12"));
	assert_true(is_ip(lease_by_uid(db, uid1, sizeof(uid1)),
	    "192.0.2.10"));
	leasefile_close(lf);
	assert_int_equal(unlink(path), 0);
	free(path);
	lease_db_free(db);
}

static void
test_append_never_writes_dangling_or_offered_leases(void **state)
{
	struct lease_db		*db = db_fixture();
	struct leasefile	*lf;
	struct lease		*l, *local, r;
	char			*path = tmpfile_path(), *text, err[256];
	int			 flags;

	(void)state;
	assert_non_null(lf = leasefile_open(path, err, sizeof(err)));
	l = lease_by_ip(db, ip4("192.0.2.14"));
	lease_offer(db, l, mac1, 1, 6, T0);
	assert_int_equal(leasefile_append(lf, l), 0);
	r = received("203.0.113.9", T0, T0 + 60, mac2);
	assert_int_equal(lease_merge(db, &r, T0, &local, &flags),
	    LEASE_MERGE_DANGLING);
	assert_int_equal(leasefile_append(lf, local), 0);
	assert_int_equal(leasefile_append_all(lf, db), 0);
	assert_int_equal(leasefile_stats(lf)->ls_appends, 0);
	assert_int_equal(leasefile_commit(lf), 0);
	text = get_file(path);
	assert_string_equal(text, "");
	free(text);
	/* append_all writes what a rewrite would */
	(void)grant(db, "192.0.2.16", T0, T0 + 60, mac2);
	(void)grant(db, "198.51.100.1", T0, T0 + 60, mac1);
	assert_int_equal(leasefile_append_all(lf, db), 0);
	assert_int_equal(leasefile_stats(lf)->ls_appends, 2);
	assert_int_equal(leasefile_commit(lf), 0);
	text = get_file(path);
	assert_non_null(strstr(text, "lease 192.0.2.16 {"));
	assert_non_null(strstr(text, "lease 198.51.100.1 {"));
	assert_null(strstr(text, "203.0.113.9"));
	free(text);
	leasefile_close(lf);
	assert_int_equal(unlink(path), 0);
	free(path);
	lease_db_free(db);
}

static void
test_need_rewrite_after_1001_appends_or_an_hour(void **state)
{
	struct lease_db		*db = db_fixture();
	struct leasefile	*lf;
	struct lease		*l;
	char			*path = tmpfile_path(), err[256];
	int			 i;

	(void)state;
	assert_non_null(lf = leasefile_open(path, err, sizeof(err)));
	assert_int_equal(leasefile_load(lf, db, T0), 0);
	assert_int_equal(leasefile_rewrite(lf, db, T0), 0);
	/* nothing appended: never, however old */
	assert_false(leasefile_need_rewrite(lf, T0 + 100000));
	l = grant(db, "192.0.2.10", T0, T0 + 60, mac1);
	assert_int_equal(leasefile_append(lf, l), 0);
	assert_false(leasefile_need_rewrite(lf, T0 + 3600));
	assert_true(leasefile_need_rewrite(lf, T0 + 3601));
	for (i = 1; i < 1000; i++)
		assert_int_equal(leasefile_append(lf, l), 0);
	assert_false(leasefile_need_rewrite(lf, T0 + 1));
	assert_int_equal(leasefile_append(lf, l), 0);
	assert_true(leasefile_need_rewrite(lf, T0 + 1));
	assert_int_equal(leasefile_commit(lf), 0);
	assert_int_equal(leasefile_rewrite(lf, db, T0 + 2), 0);
	assert_false(leasefile_need_rewrite(lf, T0 + 3602));
	assert_int_equal(leasefile_stats(lf)->ls_appends, 0);
	leasefile_close(lf);
	assert_int_equal(unlink(path), 0);
	free(path);
	lease_db_free(db);
}

static void
test_open_reports_what_failed(void **state)
{
	struct leasefile	*lf;
	char			*path = tmpfile_path(), err[256];
	struct stat		 st;
	mode_t			 mask;

	(void)state;
	mask = umask(022);
	(void)umask(mask);
	lf = leasefile_open("/nonexistent/dir/dhcpd.leases", err,
	    sizeof(err));
	assert_null(lf);
	assert_string_equal(err,
	    "/nonexistent/dir/dhcpd.leases: No such file or directory");
	assert_int_equal(unlink(path), 0);
	assert_non_null(lf = leasefile_open(path, err, sizeof(err)));
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640 & ~mask);
	leasefile_close(lf);
	assert_int_equal(unlink(path), 0);
	free(path);
}

int
main(void)
{
	const struct CMUnitTest	 tests[] = {
		cmocka_unit_test(
		    test_add_range_gives_every_address_a_free_entry),
		cmocka_unit_test(
		    test_add_range_refuses_more_than_2_20_addresses_in_all),
		cmocka_unit_test(
		    test_add_range_moves_an_existing_address_to_the_new_pool),
		cmocka_unit_test(
		    test_unpool_lets_a_reload_redraw_the_ranges),
		cmocka_unit_test(test_alloc_prefers_never_used_addresses),
		cmocka_unit_test(test_alloc_takes_the_lease_that_ended_first),
		cmocka_unit_test(
		    test_alloc_gives_abandoned_addresses_last_oldest_first),
		cmocka_unit_test(
		    test_alloc_skips_abandoned_addresses_still_blocked),
		cmocka_unit_test(test_alloc_serves_only_its_own_pool),
		cmocka_unit_test(
		    test_offer_reserves_the_address_for_120_seconds),
		cmocka_unit_test(
		    test_offer_of_the_clients_own_lease_keeps_it_committed),
		cmocka_unit_test(test_supersede_reports_a_new_mac),
		cmocka_unit_test(
		    test_supersede_with_the_same_mac_reports_no_change),
		cmocka_unit_test(
		    test_supersede_copies_uid_and_names_even_from_itself),
		cmocka_unit_test(test_lookups_follow_a_supersede),
		cmocka_unit_test(
		    test_lookup_by_mac_returns_the_lease_ending_last),
		cmocka_unit_test(test_release_ends_the_lease_now),
		cmocka_unit_test(
		    test_abandon_clears_the_mac_and_blocks_the_address),
		cmocka_unit_test(
		    test_expiry_scan_reports_leases_ending_in_the_window),
		cmocka_unit_test(
		    test_foreach_walks_every_lease_in_address_order),
		cmocka_unit_test(test_merge_supersedes_an_older_local_lease),
		cmocka_unit_test(test_merge_keeps_a_newer_local_lease),
		cmocka_unit_test(test_merge_puts_a_peers_binding_over_our_offer),
		cmocka_unit_test(test_merge_of_an_equal_lease_does_nothing),
		cmocka_unit_test(
		    test_merge_refuses_a_lease_active_for_another_mac),
		cmocka_unit_test(test_merge_updates_the_mac_on_another_address),
		cmocka_unit_test(
		    test_merge_of_an_unknown_address_keeps_a_dangling_lease),
		cmocka_unit_test(
		    test_merge_keeps_at_most_4096_dangling_leases),
		cmocka_unit_test(test_merge_outcomes_have_names),
		cmocka_unit_test(
		    test_format_writes_the_spec_example_byte_for_byte),
		cmocka_unit_test(test_parse_reads_the_spec_example_back),
		cmocka_unit_test(
		    test_format_without_a_mac_keeps_openbsds_blank_line),
		cmocka_unit_test(
		    test_format_omits_hostnames_with_bad_characters),
		cmocka_unit_test(test_format_refuses_a_buffer_too_small),
		cmocka_unit_test(
		    test_format_writes_infinite_ends_as_openbsd_does),
		cmocka_unit_test(test_parse_accepts_the_old_form_without_utc),
		cmocka_unit_test(
		    test_parse_skips_a_truncated_block_and_keeps_the_good_ones),
		cmocka_unit_test(
		    test_parse_skips_a_block_with_an_unknown_statement),
		cmocka_unit_test(
		    test_parse_refuses_bad_values_block_by_block),
		cmocka_unit_test(
		    test_parse_resumes_after_garbage_between_blocks),
		cmocka_unit_test(test_parse_stops_when_the_callback_fails),
		cmocka_unit_test(
		    test_load_keeps_the_last_occurrence_of_an_address),
		cmocka_unit_test(test_load_drops_leases_outside_the_ranges),
		cmocka_unit_test(
		    test_rewrite_writes_persistent_leases_and_truncates),
		cmocka_unit_test(
		    test_append_and_commit_add_to_the_end_of_the_file),
		cmocka_unit_test(
		    test_append_never_writes_dangling_or_offered_leases),
		cmocka_unit_test(
		    test_need_rewrite_after_1001_appends_or_an_hour),
		cmocka_unit_test(test_open_reports_what_failed),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
