/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * sasyncd's role decisions on fake time (specs/sasyncd.md 2, 3.2, 3.3,
 * 4.1, 4.3): control message answers, the both-MASTER error, who may
 * send data, snapshot timing, the start-up demotion and reconnection.
 * The clock starts at T0 so "0 = not armed" cannot hide a bug.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sasync_role.h"

#define T0	5000000000LL	/* ms */

static int
count(const struct role_acts *a, enum role_act_type t, int peer)
{
	int	 i, n = 0;

	for (i = 0; i < a->n; i++)
		if (a->a[i].ra_type == t && (peer < 0 ||
		    a->a[i].ra_peer == peer))
			n++;
	return (n);
}

static const struct role_act *
find(const struct role_acts *a, enum role_act_type t, int peer)
{
	int	 i;

	for (i = 0; i < a->n; i++)
		if (a->a[i].ra_type == t && a->a[i].ra_peer == peer)
			return (&a->a[i]);
	return (NULL);
}

static void
ctl(struct role *r, int peer, uint32_t type, uint32_t d, uint32_t d2,
    struct role_acts *a)
{
	struct sasync_ctl	 c = { type, d, d2 };

	memset(a, 0, sizeof(*a));
	role_ctl(r, peer, &c, a);
}

static void
test_the_connecting_side_sends_its_state_first(void **st)
{
	struct role		 r;
	struct role_acts	 a = { 0 };
	const struct role_act	*s;

	(void)st;
	role_init(&r, 2, T0);
	role_set_state(&r, ROLE_SLAVE, T0, &a);
	memset(&a, 0, sizeof(a));
	role_peer_up(&r, 0, 1, T0, &a);
	assert_non_null(s = find(&a, RA_SEND, 0));
	assert_int_equal(s->ra_ctl.c_type, SASYNC_CTL_STATE);
	assert_int_equal(s->ra_ctl.c_data, ROLE_SLAVE);
	memset(&a, 0, sizeof(a));
	role_peer_up(&r, 1, 0, T0, &a);
	assert_int_equal(a.n, 0);
}

static void
test_a_state_is_acked_with_our_own_state(void **st)
{
	struct role		 r;
	struct role_acts	 a;
	const struct role_act	*s;

	(void)st;
	role_init(&r, 1, T0);
	role_lock(&r, ROLE_SLAVE);
	role_peer_up(&r, 0, 0, T0, NULL);
	ctl(&r, 0, SASYNC_CTL_STATE, ROLE_MASTER, 0, &a);
	assert_non_null(s = find(&a, RA_SEND, 0));
	assert_int_equal(s->ra_ctl.c_type, SASYNC_CTL_ACK);
	assert_int_equal(s->ra_ctl.c_data, SASYNC_CTL_STATE);
	assert_int_equal(s->ra_ctl.c_data2, ROLE_SLAVE);
	assert_int_equal(r.r_peers[0].rp_state, ROLE_MASTER);
}

static void
test_two_masters_get_ctl_error(void **st)
{
	struct role		 r;
	struct role_acts	 a;
	const struct role_act	*s;

	(void)st;
	role_init(&r, 1, T0);
	role_lock(&r, ROLE_MASTER);
	role_peer_up(&r, 0, 0, T0, NULL);
	ctl(&r, 0, SASYNC_CTL_STATE, ROLE_MASTER, 0, &a);
	assert_non_null(s = find(&a, RA_SEND, 0));
	assert_int_equal(s->ra_ctl.c_type, SASYNC_CTL_ERROR);
	assert_int_equal(s->ra_ctl.c_data, SASYNC_CTL_STATE);
	assert_int_equal(count(&a, RA_BOTHMASTER, 0), 1);
}

static void
test_an_ack_records_the_peers_state(void **st)
{
	struct role		 r;
	struct role_acts	 a;

	(void)st;
	role_init(&r, 1, T0);
	role_peer_up(&r, 0, 1, T0, NULL);
	ctl(&r, 0, SASYNC_CTL_ACK, SASYNC_CTL_STATE, ROLE_MASTER, &a);
	assert_int_equal(r.r_peers[0].rp_state, ROLE_MASTER);
	assert_int_equal(a.n, 0);
	/* an ACK of something else, or a state out of range, is ignored */
	ctl(&r, 0, SASYNC_CTL_ACK, SASYNC_CTL_ENDSNAP, ROLE_SLAVE, &a);
	ctl(&r, 0, SASYNC_CTL_ACK, SASYNC_CTL_STATE, 9, &a);
	assert_int_equal(r.r_peers[0].rp_state, ROLE_MASTER);
}

static void
test_data_is_taken_only_from_a_master_while_we_are_not(void **st)
{
	struct role		 r;
	struct role_acts	 a = { 0 };
	const struct role_act	*s;

	(void)st;
	role_init(&r, 1, T0);
	role_set_state(&r, ROLE_SLAVE, T0, &a);
	role_peer_up(&r, 0, 0, T0, NULL);
	/* peer never said MASTER */
	memset(&a, 0, sizeof(a));
	assert_false(role_data_ok(&r, 0, &a));
	assert_non_null(s = find(&a, RA_SEND, 0));
	assert_int_equal(s->ra_ctl.c_type, SASYNC_CTL_ERROR);
	ctl(&r, 0, SASYNC_CTL_STATE, ROLE_MASTER, 0, &a);
	memset(&a, 0, sizeof(a));
	assert_true(role_data_ok(&r, 0, &a));
	assert_int_equal(a.n, 0);
	/* we became MASTER: refused, answered with our state */
	role_set_state(&r, ROLE_MASTER, T0, &a);
	memset(&a, 0, sizeof(a));
	assert_false(role_data_ok(&r, 0, &a));
	assert_non_null(s = find(&a, RA_SEND, 0));
	assert_int_equal(s->ra_ctl.c_type, SASYNC_CTL_STATE);
	assert_int_equal(s->ra_ctl.c_data, ROLE_MASTER);
	/* a reconnection forgets what the peer was */
	role_set_state(&r, ROLE_SLAVE, T0, NULL);
	role_peer_down(&r, 0);
	role_peer_up(&r, 0, 0, T0, NULL);
	assert_false(role_data_ok(&r, 0, NULL));
}

static void
test_a_master_snapshots_two_seconds_after_a_connection(void **st)
{
	struct role		 r;
	struct role_acts	 a = { 0 };

	(void)st;
	role_init(&r, 2, T0);
	role_set_state(&r, ROLE_MASTER, T0, &a);
	role_peer_up(&r, 1, 0, T0 + 100, NULL);
	assert_int_equal(role_next(&r), T0 + 100 + ROLE_SNAP_DELAY);
	memset(&a, 0, sizeof(a));
	role_tick(&r, T0 + 100 + ROLE_SNAP_DELAY - 1, &a);
	assert_int_equal(count(&a, RA_SNAPSHOT, -1), 0);
	role_tick(&r, T0 + 100 + ROLE_SNAP_DELAY, &a);
	assert_int_equal(count(&a, RA_SNAPSHOT, 1), 1);
	assert_int_equal(a.n, 1);
	/* once only */
	memset(&a, 0, sizeof(a));
	role_tick(&r, T0 + 10000, &a);
	assert_int_equal(count(&a, RA_SNAPSHOT, -1), 0);
}

static void
test_no_snapshot_when_the_role_was_lost_or_the_peer_left(void **st)
{
	struct role		 r;
	struct role_acts	 a = { 0 };

	(void)st;
	role_init(&r, 2, T0);
	role_set_state(&r, ROLE_MASTER, T0, &a);
	role_peer_up(&r, 0, 0, T0, NULL);
	role_peer_up(&r, 1, 0, T0, NULL);
	role_peer_down(&r, 1);
	role_set_state(&r, ROLE_SLAVE, T0 + 500, NULL);
	memset(&a, 0, sizeof(a));
	role_tick(&r, T0 + 3000, &a);
	assert_int_equal(count(&a, RA_SNAPSHOT, -1), 0);
	/* a slave never schedules one */
	role_peer_up(&r, 1, 0, T0 + 3000, NULL);
	role_tick(&r, T0 + 9000, &a);
	assert_int_equal(count(&a, RA_SNAPSHOT, -1), 0);
}

static void
test_a_new_master_snapshots_peers_that_connected_before(void **st)
{
	struct role		 r;
	struct role_acts	 a = { 0 };

	(void)st;
	role_init(&r, 2, T0);
	/* both booting: connected while INIT, carp elects later */
	role_peer_up(&r, 0, 1, T0, NULL);
	role_peer_up(&r, 1, 0, T0, NULL);
	assert_int_equal(role_next(&r), T0 + ROLE_RECONNECT);
	role_set_state(&r, ROLE_MASTER, T0 + 3000, &a);
	memset(&a, 0, sizeof(a));
	role_tick(&r, T0 + 3000 + ROLE_SNAP_DELAY, &a);
	assert_int_equal(count(&a, RA_SNAPSHOT, 0), 1);
	assert_int_equal(count(&a, RA_SNAPSHOT, 1), 1);
	/* a flap back to MASTER on the same connections: no second one */
	role_set_state(&r, ROLE_SLAVE, T0 + 6000, NULL);
	role_set_state(&r, ROLE_MASTER, T0 + 7000, NULL);
	memset(&a, 0, sizeof(a));
	role_tick(&r, T0 + 7000 + ROLE_SNAP_DELAY, &a);
	assert_int_equal(count(&a, RA_SNAPSHOT, -1), 0);
	/* a reconnection gets one again */
	role_peer_down(&r, 1);
	role_peer_up(&r, 1, 0, T0 + 8000, NULL);
	role_tick(&r, T0 + 8000 + ROLE_SNAP_DELAY, &a);
	assert_int_equal(count(&a, RA_SNAPSHOT, 1), 1);
}

static void
test_a_state_change_reaches_every_peer(void **st)
{
	struct role		 r;
	struct role_acts	 a = { 0 };
	const struct role_act	*s;

	(void)st;
	role_init(&r, 3, T0);
	role_peer_up(&r, 0, 0, T0, NULL);
	role_peer_up(&r, 2, 0, T0, NULL);
	role_set_state(&r, ROLE_MASTER, T0, &a);
	assert_non_null(s = find(&a, RA_SEND, 0));
	assert_int_equal(s->ra_ctl.c_data, ROLE_MASTER);
	assert_non_null(find(&a, RA_SEND, 2));
	assert_non_null(find(&a, RA_CONNECT, 1));
	assert_int_equal(a.n, 3);
	/* the same state again is no change */
	memset(&a, 0, sizeof(a));
	role_set_state(&r, ROLE_MASTER, T0, &a);
	assert_int_equal(a.n, 0);
}

static void
test_a_locked_role_ignores_carp(void **st)
{
	struct role		 r;
	struct role_acts	 a = { 0 };

	(void)st;
	role_init(&r, 1, T0);
	role_lock(&r, ROLE_SLAVE);
	role_set_state(&r, ROLE_MASTER, T0, &a);
	assert_int_equal(r.r_state, ROLE_SLAVE);
	assert_int_equal(a.n, 0);
}

static void
test_demotion_ends_when_every_peer_sent_endsnap(void **st)
{
	struct role		 r;
	struct role_acts	 a;

	(void)st;
	role_init(&r, 2, T0);
	role_demote_hold(&r, T0);
	ctl(&r, 0, SASYNC_CTL_ENDSNAP, 0, 0, &a);
	assert_int_equal(count(&a, RA_UNDEMOTE, -1), 0);
	/* the same peer twice does not count for the other */
	ctl(&r, 0, SASYNC_CTL_ENDSNAP, 0, 0, &a);
	assert_int_equal(count(&a, RA_UNDEMOTE, -1), 0);
	assert_true(r.r_demoted);
	ctl(&r, 1, SASYNC_CTL_ENDSNAP, 0, 0, &a);
	assert_int_equal(count(&a, RA_UNDEMOTE, -1), 1);
	assert_false(r.r_demoted);
	/* and only once */
	ctl(&r, 1, SASYNC_CTL_ENDSNAP, 0, 0, &a);
	assert_int_equal(a.n, 0);
}

static void
test_demotion_ends_after_sixty_seconds(void **st)
{
	struct role		 r;
	struct role_acts	 a = { 0 };

	(void)st;
	role_init(&r, 1, T0);
	role_demote_hold(&r, T0);
	assert_int_equal(role_next(&r), T0 + ROLE_DEMOTE_MAXTIME);
	role_tick(&r, T0 + ROLE_DEMOTE_MAXTIME - 1, &a);
	assert_int_equal(count(&a, RA_UNDEMOTE, -1), 0);
	role_tick(&r, T0 + ROLE_DEMOTE_MAXTIME, &a);
	assert_int_equal(count(&a, RA_UNDEMOTE, -1), 1);
	assert_int_equal(role_demote_release(&r), 0);
}

static void
test_unconnected_peers_are_retried_every_ten_minutes(void **st)
{
	struct role		 r;
	struct role_acts	 a = { 0 };

	(void)st;
	role_init(&r, 2, T0);
	role_peer_up(&r, 0, 1, T0, NULL);
	assert_int_equal(role_next(&r), T0 + ROLE_RECONNECT);
	role_tick(&r, T0 + ROLE_RECONNECT - 1, &a);
	assert_int_equal(a.n, 0);
	role_tick(&r, T0 + ROLE_RECONNECT, &a);
	assert_int_equal(count(&a, RA_CONNECT, 1), 1);
	assert_int_equal(count(&a, RA_CONNECT, 0), 0);
	assert_int_equal(role_next(&r), T0 + 2 * ROLE_RECONNECT);
}

static void
test_bad_peer_numbers_and_states_change_nothing(void **st)
{
	struct role		 r;
	struct role_acts	 a;

	(void)st;
	role_init(&r, 1, T0);
	ctl(&r, 5, SASYNC_CTL_STATE, ROLE_MASTER, 0, &a);
	assert_int_equal(a.n, 0);
	ctl(&r, -1, SASYNC_CTL_STATE, ROLE_MASTER, 0, &a);
	assert_int_equal(a.n, 0);
	ctl(&r, 0, SASYNC_CTL_STATE, 7, 0, &a);
	assert_int_equal(a.n, 0);
	assert_int_equal(r.r_peers[0].rp_state, ROLE_INIT);
	ctl(&r, 0, 99, 0, 0, &a);
	assert_int_equal(a.n, 0);
	assert_false(role_data_ok(&r, 3, NULL));
	role_peer_up(&r, 40, 1, T0, &a);
	assert_int_equal(a.n, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_the_connecting_side_sends_its_state_first),
		cmocka_unit_test(test_a_state_is_acked_with_our_own_state),
		cmocka_unit_test(test_two_masters_get_ctl_error),
		cmocka_unit_test(test_an_ack_records_the_peers_state),
		cmocka_unit_test(
		    test_data_is_taken_only_from_a_master_while_we_are_not),
		cmocka_unit_test(
		    test_a_master_snapshots_two_seconds_after_a_connection),
		cmocka_unit_test(
		    test_no_snapshot_when_the_role_was_lost_or_the_peer_left),
		cmocka_unit_test(
		    test_a_new_master_snapshots_peers_that_connected_before),
		cmocka_unit_test(test_a_state_change_reaches_every_peer),
		cmocka_unit_test(test_a_locked_role_ignores_carp),
		cmocka_unit_test(test_demotion_ends_when_every_peer_sent_endsnap),
		cmocka_unit_test(test_demotion_ends_after_sixty_seconds),
		cmocka_unit_test(
		    test_unconnected_peers_are_retried_every_ten_minutes),
		cmocka_unit_test(
		    test_bad_peer_numbers_and_states_change_nothing),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
