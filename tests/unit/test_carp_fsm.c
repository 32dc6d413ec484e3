/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * The CARP state machine on fake time (specs/carp.md sections 3, 6, 7).
 * Each test is a table of steps: move the clock to an absolute time in µs,
 * deliver one event, then expect the state, every action and the next
 * deadline.  The clock starts at T0, never at 0, so an armed deadline can
 * never be mistaken for "not armed", and beyond 32 bits, so a truncated
 * deadline shows.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "carp_fsm.h"

/* Where every table starts: past 2^32 µs, as after 72 minutes of uptime. */
#define T0	10000000000ULL
#define SEC	1000000ULL

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

struct step {
	uint64_t		 at;		/* the clock moves to this µs */
	struct carp_event	 ev;
	enum carp_state		 state;		/* expected afterwards */
	int			 send;
	int			 bowout;
	int			 announce;
	int			 transition;
	enum carp_state		 from;
	enum carp_state		 to;
	uint64_t		 next;		/* ca_next_us */
	int			 md;		/* also check md4 and md6 */
	uint64_t		 md4;		/* vh_mdown_next[CARP_AF_INET] */
	uint64_t		 md6;		/* vh_mdown_next[CARP_AF_INET6] */
};

#define EV(t)		{ .ce_type = CARP_EV_##t }
#define ADV(af, b, s, d) { .ce_type = CARP_EV_ADV, .ce_af = CARP_AF_##af, \
	.ce_advbase = (b), .ce_advskew = (s), .ce_demote = (d) }
#define TR(f, t)	.transition = 1, .from = CARP_##f, .to = CARP_##t
#define ANN_BOTH	(CARP_ANN_ARP | CARP_ANN_NA)
#define MD(a, b)	.md = 1, .md4 = (a), .md6 = (b)
/* BACKUP -> MASTER: advertise now, announce every address. */
#define TAKEOVER	.state = CARP_MASTER, .send = 1, .announce = ANN_BOTH, \
	TR(BACKUP, MASTER)

#define RUN(vh, steps)	run_steps((vh), (steps), nitems(steps))

static struct carp_vhost vhost(uint8_t, uint8_t, int, int);
static int	 expect(size_t, const char *, uint64_t, uint64_t);
static void	 run_steps(struct carp_vhost *, const struct step *, size_t);

static struct carp_vhost
vhost(uint8_t advbase, uint8_t advskew, int inet, int inet6)
{
	struct carp_vhost	 vh;

	memset(&vh, 0, sizeof(vh));
	vh.vh_vhid = 1;
	vh.vh_advbase = advbase;
	vh.vh_advskew = advskew;
	vh.vh_has_af[CARP_AF_INET] = inet;
	vh.vh_has_af[CARP_AF_INET6] = inet6;
	vh.vh_state = CARP_INIT;
	return (vh);
}

/* Returns 1 and names the step and field when want != got. */
static int
expect(size_t i, const char *what, uint64_t want, uint64_t got)
{
	if (want == got)
		return (0);
	print_error("step %zu: %s: expected %lld, got %lld\n", i, what,
	    (long long)want, (long long)got);
	return (1);
}

static void
run_steps(struct carp_vhost *vh, const struct step *steps, size_t n)
{
	struct carp_actions	 act;
	const struct step	*st;
	uint64_t		 now = 0;
	size_t			 i;

	for (i = 0; i < n; i++) {
		int	 bad;

		st = &steps[i];
		assert_true(st->at >= now);	/* the clock only moves on */
		now = st->at;
		/* Garbage in: the machine must clear every field itself. */
		memset(&act, 0xa5, sizeof(act));
		carp_fsm_input(vh, &st->ev, now, &act);

		bad = expect(i, "state", st->state, vh->vh_state);
		bad |= expect(i, "ca_send", st->send, act.ca_send);
		bad |= expect(i, "ca_bowout", st->bowout, act.ca_bowout);
		bad |= expect(i, "ca_announce", st->announce,
		    act.ca_announce);
		bad |= expect(i, "ca_transition", st->transition,
		    act.ca_transition);
		bad |= expect(i, "ca_from", st->from, act.ca_from);
		bad |= expect(i, "ca_to", st->to, act.ca_to);
		bad |= expect(i, "ca_next_us", st->next, act.ca_next_us);
		if (st->md) {
			bad |= expect(i, "mdown inet", st->md4,
			    vh->vh_mdown_next[CARP_AF_INET]);
			bad |= expect(i, "mdown inet6", st->md6,
			    vh->vh_mdown_next[CARP_AF_INET6]);
		}
		if (bad)
			fail_msg("step %zu of the table failed", i);
	}
}

static void
test_interval_is_advbase_plus_skew_over_256(void **state)
{
	(void)state;
	assert_int_equal(carp_fsm_interval(1, 0), 1000000);
	assert_int_equal(carp_fsm_interval(1, 100), 1390625);
	assert_int_equal(carp_fsm_interval(1, 255), 1996093);
	assert_int_equal(carp_fsm_interval(0, 0), 3906);
	assert_int_equal(carp_fsm_interval(0, 1), 3906);
	assert_int_equal(carp_fsm_interval(0, 10), 39062);
	assert_int_equal(carp_fsm_interval(0, 255), 996093);
	assert_int_equal(carp_fsm_interval(85, 254), 85992187);
	assert_int_equal(carp_fsm_interval(255, 255), 255996093);
}

static void
test_state_names_are_openbsd_words(void **state)
{
	(void)state;
	assert_string_equal(carp_fsm_state_name(CARP_INIT), "INIT");
	assert_string_equal(carp_fsm_state_name(CARP_BACKUP), "BACKUP");
	assert_string_equal(carp_fsm_state_name(CARP_MASTER), "MASTER");
	assert_string_equal(carp_fsm_state_name((enum carp_state)7),
	    "UNKNOWN");
}

static void
test_up_moves_init_to_backup_and_arms_each_family(void **state)
{
	struct carp_vhost	 vh = vhost(1, 0, 1, 1);
	const struct step	 steps[] = {
		{ .at = T0, .ev = EV(UP), .state = CARP_BACKUP,
		    TR(INIT, BACKUP), .next = T0 + 3000000,
		    MD(T0 + 3000000, T0 + 3000000) },
		/* Already BACKUP: UP again restarts nothing. */
		{ .at = T0 + 1000000, .ev = EV(UP), .state = CARP_BACKUP,
		    .next = T0 + 3000000, MD(T0 + 3000000, T0 + 3000000) },
	};

	(void)state;
	RUN(&vh, steps);
	assert_int_equal(vh.vh_adv_next, 0);
}

static void
test_up_arms_only_families_with_addresses(void **state)
{
	struct carp_vhost	 vh = vhost(1, 0, 0, 1);
	const struct step	 steps[] = {
		{ .at = T0, .ev = EV(UP), .state = CARP_BACKUP,
		    TR(INIT, BACKUP), .next = T0 + 3000000,
		    MD(0, T0 + 3000000) },
	};

	(void)state;
	RUN(&vh, steps);
}

static void
test_up_without_addresses_stays_init(void **state)
{
	struct carp_vhost	 vh = vhost(1, 0, 0, 0);
	const struct step	 steps[] = {
		{ .at = T0, .ev = EV(UP), .state = CARP_INIT, .next = 0,
		    MD(0, 0) },
		{ .at = T0 + 5000000, .ev = EV(TIMER), .state = CARP_INIT,
		    .next = 0 },
	};

	(void)state;
	RUN(&vh, steps);
}

static void
test_backup_becomes_master_after_three_silent_intervals(void **state)
{
	struct carp_vhost	 vh = vhost(1, 0, 1, 0);
	const struct step	 steps[] = {
		{ .at = T0, .ev = EV(UP), .state = CARP_BACKUP,
		    TR(INIT, BACKUP), .next = T0 + 3000000 },
		/* Called early: one µs short is still BACKUP. */
		{ .at = T0 + 2999999, .ev = EV(TIMER), .state = CARP_BACKUP,
		    .next = T0 + 3000000 },
		{ .at = T0 + 3000000, .ev = EV(TIMER), TAKEOVER,
		    .next = T0 + 4000000, MD(0, 0) },
	};

	(void)state;
	RUN(&vh, steps);
	assert_int_equal(vh.vh_adv_next, T0 + 4000000);
	assert_int_equal(vh.vh_delayed_arp, 2);
	assert_int_equal(vh.vh_preempt_count, 1);
}

static void
test_master_down_counts_the_skew_three_times(void **state)
{
	struct carp_vhost	 vh = vhost(1, 100, 1, 0);
	const struct step	 steps[] = {
		/* 3 x 1390625, not 3 s + 100/256 s. */
		{ .at = T0, .ev = EV(UP), .state = CARP_BACKUP,
		    TR(INIT, BACKUP), .next = T0 + 4171875 },
		{ .at = T0 + 4171874, .ev = EV(TIMER), .state = CARP_BACKUP,
		    .next = T0 + 4171875 },
		{ .at = T0 + 4171875, .ev = EV(TIMER), TAKEOVER,
		    .next = T0 + 5562500 },
	};

	(void)state;
	RUN(&vh, steps);
}

static void
test_master_down_with_advbase_zero_uses_the_floor(void **state)
{
	struct carp_vhost	 vh = vhost(0, 0, 1, 0);
	const struct step	 steps[] = {
		{ .at = T0, .ev = EV(UP), .state = CARP_BACKUP,
		    TR(INIT, BACKUP), .next = T0 + 11718 },
		{ .at = T0 + 11718, .ev = EV(TIMER), TAKEOVER,
		    .next = T0 + 15624 },
		{ .at = T0 + 15624, .ev = EV(TIMER), .state = CARP_MASTER,
		    .send = 1, .next = T0 + 19530 },
	};

	(void)state;
	RUN(&vh, steps);
}

static void
test_a_late_timer_takes_over_and_schedules_from_now(void **state)
{
	struct carp_vhost	 vh = vhost(1, 0, 1, 0);
	const struct step	 steps[] = {
		{ .at = T0, .ev = EV(UP), .state = CARP_BACKUP,
		    TR(INIT, BACKUP), .next = T0 + 3000000 },
		{ .at = T0 + 3500000, .ev = EV(TIMER), TAKEOVER,
		    .next = T0 + 4500000 },
	};

	(void)state;
	RUN(&vh, steps);
}

static void
test_an_ipv4_advertisement_does_not_restart_the_ipv6_timer(void **state)
{
	struct carp_vhost	 vh = vhost(1, 0, 1, 1);
	const struct step	 steps[] = {
		{ .at = T0, .ev = EV(UP), .state = CARP_BACKUP,
		    TR(INIT, BACKUP), .next = T0 + 3000000,
		    MD(T0 + 3000000, T0 + 3000000) },
		{ .at = T0 + 1000000, .ev = ADV(INET, 1, 0, 0),
		    .state = CARP_BACKUP, .next = T0 + 3000000,
		    MD(T0 + 4000000, T0 + 3000000) },
		{ .at = T0 + 2000000, .ev = ADV(INET, 1, 0, 0),
		    .state = CARP_BACKUP, .next = T0 + 3000000,
		    MD(T0 + 5000000, T0 + 3000000) },
		/* The IPv6 master is silent: its timer alone elects us. */
		{ .at = T0 + 2999999, .ev = EV(TIMER), .state = CARP_BACKUP,
		    .next = T0 + 3000000 },
		{ .at = T0 + 3000000, .ev = EV(TIMER), TAKEOVER,
		    .next = T0 + 4000000, MD(0, 0) },
	};

	(void)state;
	RUN(&vh, steps);
}

static void
test_an_ipv6_advertisement_does_not_restart_the_ipv4_timer(void **state)
{
	struct carp_vhost	 vh = vhost(1, 0, 1, 1);
	const struct step	 steps[] = {
		{ .at = T0, .ev = EV(UP), .state = CARP_BACKUP,
		    TR(INIT, BACKUP), .next = T0 + 3000000 },
		{ .at = T0 + 2500000, .ev = ADV(INET6, 1, 0, 0),
		    .state = CARP_BACKUP, .next = T0 + 3000000,
		    MD(T0 + 3000000, T0 + 5500000) },
		{ .at = T0 + 3000000, .ev = EV(TIMER), TAKEOVER,
		    .next = T0 + 4000000, MD(0, 0) },
	};

	(void)state;
	RUN(&vh, steps);
}

static void
test_advertisements_in_both_families_keep_a_backup_waiting(void **state)
{
	struct carp_vhost	 vh = vhost(1, 0, 1, 1);
	const struct step	 steps[] = {
		{ .at = T0, .ev = EV(UP), .state = CARP_BACKUP,
		    TR(INIT, BACKUP), .next = T0 + 3000000 },
		{ .at = T0 + 1000000, .ev = ADV(INET, 1, 0, 0),
		    .state = CARP_BACKUP, .next = T0 + 3000000 },
		{ .at = T0 + 1000010, .ev = ADV(INET6, 1, 0, 0),
		    .state = CARP_BACKUP, .next = T0 + 4000000 },
		{ .at = T0 + 2000000, .ev = ADV(INET, 1, 0, 0),
		    .state = CARP_BACKUP, .next = T0 + 4000010 },
		{ .at = T0 + 2000010, .ev = ADV(INET6, 1, 0, 0),
		    .state = CARP_BACKUP, .next = T0 + 5000000 },
		{ .at = T0 + 4999999, .ev = EV(TIMER), .state = CARP_BACKUP,
		    .next = T0 + 5000000, MD(T0 + 5000000, T0 + 5000010) },
		{ .at = T0 + 5000000, .ev = EV(TIMER), TAKEOVER,
		    .next = T0 + 6000000 },
	};

	(void)state;
	RUN(&vh, steps);
}

static void
test_preempting_backup_takes_over_from_a_slower_master(void **state)
{
	struct carp_vhost	 vh = vhost(1, 0, 1, 0);
	const struct step	 steps[] = {
		{ .at = T0, .ev = EV(UP), .state = CARP_BACKUP,
		    TR(INIT, BACKUP), .next = T0 + 3000000 },
		{ .at = T0 + 1000000, .ev = ADV(INET, 1, 100, 0), TAKEOVER,
		    .next = T0 + 2000000, MD(0, 0) },
	};

	(void)state;
	vh.vh_preempt = 1;
	RUN(&vh, steps);
	assert_int_equal(vh.vh_preempt_count, 1);
}

static void
test_backup_without_preempt_waits_for_a_slower_master(void **state)
{
	struct carp_vhost	 vh = vhost(1, 0, 1, 0);
	const struct step	 steps[] = {
		{ .at = T0, .ev = EV(UP), .state = CARP_BACKUP,
		    TR(INIT, BACKUP), .next = T0 + 3000000 },
		{ .at = T0 + 1000000, .ev = ADV(INET, 1, 100, 0),
		    .state = CARP_BACKUP, .next = T0 + 4000000 },
	};

	(void)state;
	RUN(&vh, steps);
	assert_int_equal(vh.vh_preempt_count, 0);
}

static void
test_preempt_needs_a_strictly_slower_master(void **state)
{
	struct carp_vhost	 vh = vhost(1, 0, 1, 0);
	const struct step	 steps[] = {
		{ .at = T0, .ev = EV(UP), .state = CARP_BACKUP,
		    TR(INIT, BACKUP), .next = T0 + 3000000 },
		{ .at = T0 + 1000000, .ev = ADV(INET, 1, 0, 0),
		    .state = CARP_BACKUP, .next = T0 + 4000000 },
	};

	(void)state;
	vh.vh_preempt = 1;
	RUN(&vh, steps);
}

static void
test_preempt_compares_seconds_before_skew(void **state)
{
	struct carp_vhost	 fast = vhost(1, 255, 1, 0);
	struct carp_vhost	 slow = vhost(2, 0, 1, 0);
	/* (1 s, 996093 µs) beats (2 s, 0 µs). */
	const struct step	 fast_steps[] = {
		{ .at = T0, .ev = EV(UP), .state = CARP_BACKUP,
		    TR(INIT, BACKUP), .next = T0 + 5988279 },
		{ .at = T0 + 1000000, .ev = ADV(INET, 2, 0, 0), TAKEOVER,
		    .next = T0 + 2996093 },
	};
	const struct step	 slow_steps[] = {
		{ .at = T0, .ev = EV(UP), .state = CARP_BACKUP,
		    TR(INIT, BACKUP), .next = T0 + 6000000 },
		{ .at = T0 + 1000000, .ev = ADV(INET, 1, 255, 0),
		    .state = CARP_BACKUP, .next = T0 + 7000000 },
	};

	(void)state;
	fast.vh_preempt = 1;
	slow.vh_preempt = 1;
	RUN(&fast, fast_steps);
	RUN(&slow, slow_steps);
}

static void
test_preempt_does_not_override_a_lower_demote_count(void **state)
{
	struct carp_vhost	 vh = vhost(1, 0, 1, 0);
	const struct step	 steps[] = {
		{ .at = T0, .ev = EV(UP), .state = CARP_BACKUP,
		    TR(INIT, BACKUP), .next = T0 + 3000000 },
		{ .at = T0 + 1000000, .ev = ADV(INET, 1, 100, 0),
		    .state = CARP_BACKUP, .next = T0 + 4000000 },
	};

	(void)state;
	vh.vh_preempt = 1;
	vh.vh_demote = 1;
	RUN(&vh, steps);
}

static void
test_two_equal_masters_both_step_down(void **state)
{
	struct carp_vhost	 a = vhost(1, 0, 1, 0);
	struct carp_vhost	 b = vhost(1, 0, 1, 0);
	/* Ties go to the sender: each hears the other and yields. */
	const struct step	 steps[] = {
		{ .at = T0, .ev = EV(UP), .state = CARP_BACKUP,
		    TR(INIT, BACKUP), .next = T0 + 3000000 },
		{ .at = T0 + 3000000, .ev = EV(TIMER), TAKEOVER,
		    .next = T0 + 4000000 },
		{ .at = T0 + 3000100, .ev = ADV(INET, 1, 0, 0),
		    .state = CARP_BACKUP, TR(MASTER, BACKUP),
		    .next = T0 + 6000100, MD(T0 + 6000100, 0) },
	};

	(void)state;
	RUN(&a, steps);
	RUN(&b, steps);
	assert_int_equal(a.vh_adv_next, 0);
	assert_int_equal(b.vh_adv_next, 0);
}

static void
test_a_master_ignores_a_slower_advertisement(void **state)
{
	struct carp_vhost	 vh = vhost(1, 0, 1, 0);
	const struct step	 steps[] = {
		{ .at = T0, .ev = EV(UP), .state = CARP_BACKUP,
		    TR(INIT, BACKUP), .next = T0 + 3000000 },
		{ .at = T0 + 3000000, .ev = EV(TIMER), TAKEOVER,
		    .next = T0 + 4000000 },
		/* No ARP, no extra advertisement, timer untouched. */
		{ .at = T0 + 3500000, .ev = ADV(INET, 1, 100, 0),
		    .state = CARP_MASTER, .next = T0 + 4000000 },
	};

	(void)state;
	RUN(&vh, steps);
}

static void
test_a_master_yields_to_a_faster_advertisement(void **state)
{
	struct carp_vhost	 vh = vhost(1, 100, 1, 1);
	const struct step	 steps[] = {
		{ .at = T0, .ev = EV(UP), .state = CARP_BACKUP,
		    TR(INIT, BACKUP), .next = T0 + 4171875 },
		{ .at = T0 + 4171875, .ev = EV(TIMER), TAKEOVER,
		    .next = T0 + 5562500 },
		/* Heard on IPv4, yet both families wait for the master. */
		{ .at = T0 + 5000000, .ev = ADV(INET, 1, 0, 0),
		    .state = CARP_BACKUP, TR(MASTER, BACKUP),
		    .next = T0 + 9171875,
		    MD(T0 + 9171875, T0 + 9171875) },
	};

	(void)state;
	RUN(&vh, steps);
}

static void
test_a_higher_demote_makes_a_backup_take_over_without_preempt(void **state)
{
	struct carp_vhost	 vh = vhost(1, 100, 1, 0);
	const struct step	 steps[] = {
		{ .at = T0, .ev = EV(UP), .state = CARP_BACKUP,
		    TR(INIT, BACKUP), .next = T0 + 4171875 },
		/* A faster master, but demoted: we are the better box. */
		{ .at = T0 + 1000000, .ev = ADV(INET, 1, 0, 1), TAKEOVER,
		    .next = T0 + 2390625 },
	};

	(void)state;
	RUN(&vh, steps);
}

static void
test_a_master_yields_to_a_lower_demote_count(void **state)
{
	struct carp_vhost	 vh = vhost(1, 0, 1, 0);
	const struct step	 steps[] = {
		{ .at = T0, .ev = EV(UP), .state = CARP_BACKUP,
		    TR(INIT, BACKUP), .next = T0 + 3000000 },
		{ .at = T0 + 3000000, .ev = EV(TIMER), TAKEOVER,
		    .next = T0 + 4000000 },
		/* Slower sender, but we are demoted and it is not. */
		{ .at = T0 + 3500000, .ev = ADV(INET, 1, 200, 0),
		    .state = CARP_BACKUP, TR(MASTER, BACKUP),
		    .next = T0 + 6500000 },
	};

	(void)state;
	vh.vh_demote = 1;
	RUN(&vh, steps);
}

static void
test_a_master_keeps_its_place_against_a_faster_demoted_sender(void **state)
{
	struct carp_vhost	 vh = vhost(1, 100, 1, 0);
	const struct step	 steps[] = {
		{ .at = T0, .ev = EV(UP), .state = CARP_BACKUP,
		    TR(INIT, BACKUP), .next = T0 + 4171875 },
		{ .at = T0 + 4171875, .ev = EV(TIMER), TAKEOVER,
		    .next = T0 + 5562500 },
		{ .at = T0 + 5000000, .ev = ADV(INET, 1, 0, 1),
		    .state = CARP_MASTER, .next = T0 + 5562500 },
	};

	(void)state;
	RUN(&vh, steps);
}

static void
test_down_from_master_bows_out_to_init(void **state)
{
	struct carp_vhost	 vh = vhost(1, 0, 1, 1);
	const struct step	 steps[] = {
		{ .at = T0, .ev = EV(UP), .state = CARP_BACKUP,
		    TR(INIT, BACKUP), .next = T0 + 3000000 },
		{ .at = T0 + 3000000, .ev = EV(TIMER), TAKEOVER,
		    .next = T0 + 4000000 },
		{ .at = T0 + 3500000, .ev = EV(DOWN), .state = CARP_INIT,
		    .bowout = 1, TR(MASTER, INIT), .next = 0, MD(0, 0) },
		/* Nothing left to fire. */
		{ .at = T0 + 4000000, .ev = EV(TIMER), .state = CARP_INIT,
		    .next = 0 },
	};

	(void)state;
	RUN(&vh, steps);
	assert_int_equal(vh.vh_adv_next, 0);
}

static void
test_down_from_backup_goes_to_init_without_bow_out(void **state)
{
	struct carp_vhost	 vh = vhost(1, 0, 1, 0);
	const struct step	 steps[] = {
		{ .at = T0, .ev = EV(UP), .state = CARP_BACKUP,
		    TR(INIT, BACKUP), .next = T0 + 3000000 },
		{ .at = T0 + 1000000, .ev = EV(DOWN), .state = CARP_INIT,
		    TR(BACKUP, INIT), .next = 0, MD(0, 0) },
		{ .at = T0 + 2000000, .ev = EV(DOWN), .state = CARP_INIT,
		    .next = 0 },
		{ .at = T0 + 5000000, .ev = EV(UP), .state = CARP_BACKUP,
		    TR(INIT, BACKUP), .next = T0 + 8000000 },
	};

	(void)state;
	RUN(&vh, steps);
}

static void
test_a_backup_takes_over_at_once_from_a_bow_out(void **state)
{
	struct carp_vhost	 vh = vhost(1, 0, 1, 0);
	const struct step	 steps[] = {
		{ .at = T0, .ev = EV(UP), .state = CARP_BACKUP,
		    TR(INIT, BACKUP), .next = T0 + 3000000 },
		{ .at = T0 + 1000000, .ev = ADV(INET, 255, 255, 0), TAKEOVER,
		    .next = T0 + 2000000 },
	};

	(void)state;
	RUN(&vh, steps);
}

static void
test_the_bow_out_shortcut_works_up_to_advbase_85(void **state)
{
	struct carp_vhost	 vh = vhost(85, 254, 1, 0);
	const struct step	 steps[] = {
		{ .at = T0, .ev = EV(UP), .state = CARP_BACKUP,
		    TR(INIT, BACKUP), .next = T0 + 257976561 },
		/* (255 s, 992187 µs) < (255 s, 996093 µs) */
		{ .at = T0 + 1000000, .ev = ADV(INET, 255, 255, 0), TAKEOVER,
		    .next = T0 + 86992187 },
	};

	(void)state;
	RUN(&vh, steps);
}

static void
test_the_bow_out_shortcut_does_not_fire_with_advbase_86(void **state)
{
	struct carp_vhost	 vh = vhost(86, 0, 1, 0);
	const struct step	 steps[] = {
		{ .at = T0, .ev = EV(UP), .state = CARP_BACKUP,
		    TR(INIT, BACKUP), .next = T0 + 258000000 },
		/* 3 x 86 s = 258 s is not below 255 s: just restart. */
		{ .at = T0 + 1000000, .ev = ADV(INET, 255, 255, 0),
		    .state = CARP_BACKUP, .next = T0 + 259000000 },
	};

	(void)state;
	RUN(&vh, steps);
}

static void
test_the_bow_out_shortcut_is_off_with_advbase_0(void **state)
{
	struct carp_vhost	 vh = vhost(0, 10, 1, 0);
	const struct step	 steps[] = {
		{ .at = T0, .ev = EV(UP), .state = CARP_BACKUP,
		    TR(INIT, BACKUP), .next = T0 + 117186 },
		/* (0 s, 39062 µs) < (1 s, 0 µs), but advbase 0 opts out. */
		{ .at = T0 + 10000, .ev = ADV(INET, 1, 0, 0),
		    .state = CARP_BACKUP, .next = T0 + 127186 },
	};

	(void)state;
	RUN(&vh, steps);
}

static void
test_the_too_slow_shortcut_keeps_our_skew(void **state)
{
	struct carp_vhost	 vh = vhost(1, 200, 1, 0);
	const struct step	 steps[] = {
		{ .at = T0, .ev = EV(UP), .state = CARP_BACKUP,
		    TR(INIT, BACKUP), .next = T0 + 5343750 },
		/* (3 s, 781250 µs) against itself: not slower, wait. */
		{ .at = T0 + 1000000, .ev = ADV(INET, 3, 200, 0),
		    .state = CARP_BACKUP, .next = T0 + 6343750 },
		/* (3 s, 785156 µs) is: it would miss our deadline. */
		{ .at = T0 + 2000000, .ev = ADV(INET, 3, 201, 0), TAKEOVER,
		    .next = T0 + 3781250 },
	};

	(void)state;
	RUN(&vh, steps);
}

static void
test_master_sends_every_interval(void **state)
{
	struct carp_vhost	 vh = vhost(1, 100, 1, 0);
	const struct step	 steps[] = {
		{ .at = T0, .ev = EV(UP), .state = CARP_BACKUP,
		    TR(INIT, BACKUP), .next = T0 + 4171875 },
		{ .at = T0 + 4171875, .ev = EV(TIMER), TAKEOVER,
		    .next = T0 + 5562500 },
		{ .at = T0 + 5562500, .ev = EV(TIMER), .state = CARP_MASTER,
		    .send = 1, .next = T0 + 6953125 },
		/* Early call: nothing due yet. */
		{ .at = T0 + 6953124, .ev = EV(TIMER), .state = CARP_MASTER,
		    .next = T0 + 6953125 },
		/* Late call: send, next interval counted from now. */
		{ .at = T0 + 6953625, .ev = EV(TIMER), .state = CARP_MASTER,
		    .send = 1, .announce = CARP_ANN_ARP,
		    .next = T0 + 8344250 },
		{ .at = T0 + 8344250, .ev = EV(TIMER), .state = CARP_MASTER,
		    .send = 1, .next = T0 + 9734875 },
	};

	(void)state;
	RUN(&vh, steps);
}

static void
test_second_garp_round_follows_the_second_timer_advertisement(void **state)
{
	struct carp_vhost	 vh = vhost(1, 0, 1, 1);
	const struct step	 steps[] = {
		{ .at = T0, .ev = EV(UP), .state = CARP_BACKUP,
		    TR(INIT, BACKUP), .next = T0 + 3000000 },
		{ .at = T0 + 3000000, .ev = EV(TIMER), TAKEOVER,
		    .next = T0 + 4000000 },
		{ .at = T0 + 4000000, .ev = EV(TIMER), .state = CARP_MASTER,
		    .send = 1, .next = T0 + 5000000 },
		/* IPv4 only: NAs are sent once. */
		{ .at = T0 + 5000000, .ev = EV(TIMER), .state = CARP_MASTER,
		    .send = 1, .announce = CARP_ANN_ARP,
		    .next = T0 + 6000000 },
		{ .at = T0 + 6000000, .ev = EV(TIMER), .state = CARP_MASTER,
		    .send = 1, .next = T0 + 7000000 },
		{ .at = T0 + 7000000, .ev = EV(TIMER), .state = CARP_MASTER,
		    .send = 1, .next = T0 + 8000000 },
		/* Step down and come back: the countdown starts over. */
		{ .at = T0 + 7500000, .ev = ADV(INET, 1, 0, 0),
		    .state = CARP_BACKUP, TR(MASTER, BACKUP),
		    .next = T0 + 10500000 },
		{ .at = T0 + 10500000, .ev = EV(TIMER), TAKEOVER,
		    .next = T0 + 11500000 },
		{ .at = T0 + 11500000, .ev = EV(TIMER), .state = CARP_MASTER,
		    .send = 1, .next = T0 + 12500000 },
		{ .at = T0 + 12500000, .ev = EV(TIMER), .state = CARP_MASTER,
		    .send = 1, .announce = CARP_ANN_ARP,
		    .next = T0 + 13500000 },
	};

	(void)state;
	RUN(&vh, steps);
	assert_int_equal(vh.vh_preempt_count, 2);
}

static void
test_force_master_takes_over_from_backup(void **state)
{
	struct carp_vhost	 vh = vhost(1, 0, 1, 0);
	const struct step	 steps[] = {
		{ .at = T0, .ev = EV(UP), .state = CARP_BACKUP,
		    TR(INIT, BACKUP), .next = T0 + 3000000 },
		{ .at = T0 + 1000000, .ev = EV(FORCE_MASTER), TAKEOVER,
		    .next = T0 + 2000000, MD(0, 0) },
		/* Already MASTER: no second takeover. */
		{ .at = T0 + 1500000, .ev = EV(FORCE_MASTER),
		    .state = CARP_MASTER, .next = T0 + 2000000 },
	};

	(void)state;
	RUN(&vh, steps);
	assert_int_equal(vh.vh_preempt_count, 1);
}

static void
test_force_master_is_ignored_in_init(void **state)
{
	struct carp_vhost	 vh = vhost(1, 0, 1, 0);
	const struct step	 steps[] = {
		{ .at = T0, .ev = EV(FORCE_MASTER), .state = CARP_INIT,
		    .next = 0 },
	};

	(void)state;
	RUN(&vh, steps);
	assert_int_equal(vh.vh_preempt_count, 0);
}

static void
test_force_backup_moves_a_master_to_backup(void **state)
{
	struct carp_vhost	 vh = vhost(1, 0, 1, 1);
	const struct step	 steps[] = {
		{ .at = T0, .ev = EV(UP), .state = CARP_BACKUP,
		    TR(INIT, BACKUP), .next = T0 + 3000000 },
		{ .at = T0 + 3000000, .ev = EV(TIMER), TAKEOVER,
		    .next = T0 + 4000000 },
		{ .at = T0 + 3500000, .ev = EV(FORCE_BACKUP),
		    .state = CARP_BACKUP, TR(MASTER, BACKUP),
		    .next = T0 + 6500000, MD(T0 + 6500000, T0 + 6500000) },
		/* Forced again while BACKUP: the timers start over. */
		{ .at = T0 + 4000000, .ev = EV(FORCE_BACKUP),
		    .state = CARP_BACKUP, .next = T0 + 7000000,
		    MD(T0 + 7000000, T0 + 7000000) },
	};

	(void)state;
	RUN(&vh, steps);
	assert_int_equal(vh.vh_adv_next, 0);
}

static void
test_force_backup_leaves_init_alone(void **state)
{
	struct carp_vhost	 vh = vhost(1, 0, 1, 0);
	const struct step	 steps[] = {
		{ .at = T0, .ev = EV(FORCE_BACKUP), .state = CARP_INIT,
		    .next = 0, MD(0, 0) },
	};

	(void)state;
	RUN(&vh, steps);
}

static void
test_demote_event_makes_a_master_advertise_now(void **state)
{
	struct carp_vhost	 vh = vhost(1, 0, 1, 0);
	const struct step	 steps[] = {
		{ .at = T0, .ev = EV(DEMOTE), .state = CARP_INIT,
		    .next = 0 },
		{ .at = T0, .ev = EV(UP), .state = CARP_BACKUP,
		    TR(INIT, BACKUP), .next = T0 + 3000000 },
		{ .at = T0 + 1000000, .ev = EV(DEMOTE), .state = CARP_BACKUP,
		    .next = T0 + 3000000 },
		{ .at = T0 + 3000000, .ev = EV(TIMER), TAKEOVER,
		    .next = T0 + 4000000 },
		/* Sent now; the regular timer is left where it was. */
		{ .at = T0 + 3250000, .ev = EV(DEMOTE), .state = CARP_MASTER,
		    .send = 1, .next = T0 + 4000000 },
		{ .at = T0 + 4000000, .ev = EV(TIMER), .state = CARP_MASTER,
		    .send = 1, .next = T0 + 5000000 },
	};

	(void)state;
	RUN(&vh, steps);
}

static void
test_init_ignores_advertisements(void **state)
{
	struct carp_vhost	 vh = vhost(1, 0, 1, 1);
	const struct step	 steps[] = {
		{ .at = T0, .ev = ADV(INET, 255, 255, 0), .state = CARP_INIT,
		    .next = 0, MD(0, 0) },
		{ .at = T0 + 1, .ev = ADV(INET6, 1, 0, 255),
		    .state = CARP_INIT, .next = 0, MD(0, 0) },
		{ .at = T0 + 2, .ev = ADV(INET, 1, 0, 0), .state = CARP_INIT,
		    .next = 0, MD(0, 0) },
		{ .at = T0 + 10000000, .ev = EV(TIMER), .state = CARP_INIT,
		    .next = 0 },
	};

	(void)state;
	vh.vh_preempt = 1;
	RUN(&vh, steps);
	assert_int_equal(vh.vh_preempt_count, 0);
}

static void
test_adverts_in_a_family_without_addresses_restart_nothing(
    void **state)
{
	struct carp_vhost	 vh = vhost(1, 0, 1, 0);
	const struct step	 steps[] = {
		{ .at = T0, .ev = EV(UP), .state = CARP_BACKUP,
		    TR(INIT, BACKUP), .next = T0 + 3000000 },
		{ .at = T0 + 1000000, .ev = ADV(INET6, 1, 0, 0),
		    .state = CARP_BACKUP, .next = T0 + 3000000,
		    MD(T0 + 3000000, 0) },
		/* An out-of-range family from a confused shell. */
		{ .at = T0 + 2000000, .ev = { .ce_type = CARP_EV_ADV,
		    .ce_af = 7, .ce_advbase = 1 }, .state = CARP_BACKUP,
		    .next = T0 + 3000000, MD(T0 + 3000000, 0) },
		{ .at = T0 + 2000000, .ev = { .ce_type = CARP_EV_ADV,
		    .ce_af = -1, .ce_advbase = 1 }, .state = CARP_BACKUP,
		    .next = T0 + 3000000, MD(T0 + 3000000, 0) },
	};

	(void)state;
	vh.vh_preempt = 1;
	RUN(&vh, steps);
	assert_int_equal(vh.vh_adv_next, 0);
	assert_int_equal(vh.vh_preempt, 1);
}

static void
test_deadlines_saturate_instead_of_wrapping_to_unarmed(void **state)
{
	struct carp_vhost	 vh = vhost(1, 0, 1, 0);
	const struct step	 steps[] = {
		{ .at = UINT64_MAX - 1000000, .ev = EV(UP),
		    .state = CARP_BACKUP, TR(INIT, BACKUP),
		    .next = UINT64_MAX, MD(UINT64_MAX, 0) },
	};

	(void)state;
	RUN(&vh, steps);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_interval_is_advbase_plus_skew_over_256),
		cmocka_unit_test(test_state_names_are_openbsd_words),
		cmocka_unit_test(
		    test_up_moves_init_to_backup_and_arms_each_family),
		cmocka_unit_test(test_up_arms_only_families_with_addresses),
		cmocka_unit_test(test_up_without_addresses_stays_init),
		cmocka_unit_test(
		    test_backup_becomes_master_after_three_silent_intervals),
		cmocka_unit_test(test_master_down_counts_the_skew_three_times),
		cmocka_unit_test(
		    test_master_down_with_advbase_zero_uses_the_floor),
		cmocka_unit_test(
		    test_a_late_timer_takes_over_and_schedules_from_now),
		cmocka_unit_test(
		    test_an_ipv4_advertisement_does_not_restart_the_ipv6_timer),
		cmocka_unit_test(
		    test_an_ipv6_advertisement_does_not_restart_the_ipv4_timer),
		cmocka_unit_test(
		    test_advertisements_in_both_families_keep_a_backup_waiting),
		cmocka_unit_test(
		    test_preempting_backup_takes_over_from_a_slower_master),
		cmocka_unit_test(
		    test_backup_without_preempt_waits_for_a_slower_master),
		cmocka_unit_test(test_preempt_needs_a_strictly_slower_master),
		cmocka_unit_test(test_preempt_compares_seconds_before_skew),
		cmocka_unit_test(
		    test_preempt_does_not_override_a_lower_demote_count),
		cmocka_unit_test(test_two_equal_masters_both_step_down),
		cmocka_unit_test(test_a_master_ignores_a_slower_advertisement),
		cmocka_unit_test(
		    test_a_master_yields_to_a_faster_advertisement),
		cmocka_unit_test(
		    test_a_higher_demote_makes_a_backup_take_over_without_preempt),
		cmocka_unit_test(test_a_master_yields_to_a_lower_demote_count),
		cmocka_unit_test(
		    test_a_master_keeps_its_place_against_a_faster_demoted_sender),
		cmocka_unit_test(test_down_from_master_bows_out_to_init),
		cmocka_unit_test(
		    test_down_from_backup_goes_to_init_without_bow_out),
		cmocka_unit_test(
		    test_a_backup_takes_over_at_once_from_a_bow_out),
		cmocka_unit_test(
		    test_the_bow_out_shortcut_works_up_to_advbase_85),
		cmocka_unit_test(
		    test_the_bow_out_shortcut_does_not_fire_with_advbase_86),
		cmocka_unit_test(test_the_bow_out_shortcut_is_off_with_advbase_0),
		cmocka_unit_test(test_the_too_slow_shortcut_keeps_our_skew),
		cmocka_unit_test(test_master_sends_every_interval),
		cmocka_unit_test(
		    test_second_garp_round_follows_the_second_timer_advertisement),
		cmocka_unit_test(test_force_master_takes_over_from_backup),
		cmocka_unit_test(test_force_master_is_ignored_in_init),
		cmocka_unit_test(test_force_backup_moves_a_master_to_backup),
		cmocka_unit_test(test_force_backup_leaves_init_alone),
		cmocka_unit_test(test_demote_event_makes_a_master_advertise_now),
		cmocka_unit_test(test_init_ignores_advertisements),
		cmocka_unit_test(
		    test_adverts_in_a_family_without_addresses_restart_nothing),
		cmocka_unit_test(
		    test_deadlines_saturate_instead_of_wrapping_to_unarmed),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
