/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * The CARP state machine of one vhid (specs/carp.md sections 3, 6, 7).
 *
 * Pure: it reads the configuration half of struct carp_vhost and the
 * event, updates the half it owns, and tells the shell what to do through
 * struct carp_actions.  Time is the caller's monotonic clock in µs and a
 * deadline of 0 means "not armed".  The shell may deliver CARP_EV_TIMER
 * late or early, so every timer check is "deadline <= now", never "==".
 */

#include <stdint.h>
#include <string.h>

#include "carp_fsm.h"

#define CARP_USEC		1000000ULL
#define CARP_MDOWN_RATIO	3	/* master-down = 3 intervals (6.3) */

/*
 * An advertising rate as section 6.3 compares it: whole seconds first,
 * then the skew in µs.  Never summed into one number, so the bow-out
 * test (3 * advbase seconds against 255 seconds) reads as the spec does.
 */
struct carp_rate {
	unsigned int	 cr_sec;
	uint64_t	 cr_usec;
};

static uint64_t	 fsm_skew_usec(uint8_t);
static int	 fsm_rate_cmp(const struct carp_rate *,
		    const struct carp_rate *);
static uint64_t	 fsm_after(uint64_t, uint64_t);
static uint64_t	 fsm_mdown_usec(const struct carp_vhost *);
static int	 fsm_arm_mdown(struct carp_vhost *, uint64_t);
static void	 fsm_clear_timers(struct carp_vhost *);
static void	 fsm_master_down(struct carp_vhost *, uint64_t,
		    struct carp_actions *);
static void	 fsm_become_backup(struct carp_vhost *, uint64_t);
static void	 fsm_up(struct carp_vhost *, uint64_t);
static void	 fsm_down(struct carp_vhost *, struct carp_actions *);
static void	 fsm_timer(struct carp_vhost *, uint64_t,
		    struct carp_actions *);
static void	 fsm_adv(struct carp_vhost *, const struct carp_event *,
		    uint64_t, struct carp_actions *);
static void	 fsm_adv_master(struct carp_vhost *,
		    const struct carp_event *, uint64_t);
static void	 fsm_adv_backup(struct carp_vhost *,
		    const struct carp_event *, uint64_t,
		    struct carp_actions *);
static uint64_t	 fsm_next(const struct carp_vhost *);

uint64_t
carp_fsm_interval(uint8_t advbase, uint8_t advskew)
{
	uint64_t	 usec;

	usec = advbase * CARP_USEC + fsm_skew_usec(advskew);
	/* advbase 0 advskew 0 would advertise in a busy loop: floor it. */
	if (usec == 0)
		usec = CARP_USEC / 256;
	return (usec);
}

void
carp_fsm_input(struct carp_vhost *vh, const struct carp_event *ev,
    uint64_t now, struct carp_actions *act)
{
	enum carp_state	 from;

	memset(act, 0, sizeof(*act));
	from = vh->vh_state;

	switch (ev->ce_type) {
	case CARP_EV_UP:
		fsm_up(vh, now);
		break;
	case CARP_EV_DOWN:
		fsm_down(vh, act);
		break;
	case CARP_EV_ADV:
		fsm_adv(vh, ev, now, act);
		break;
	case CARP_EV_TIMER:
		fsm_timer(vh, now, act);
		break;
	case CARP_EV_FORCE_BACKUP:
		if (vh->vh_state != CARP_INIT)
			fsm_become_backup(vh, now);
		break;
	case CARP_EV_FORCE_MASTER:
		if (vh->vh_state == CARP_BACKUP)
			fsm_master_down(vh, now, act);
		break;
	case CARP_EV_DEMOTE:
		/* Peers learn our new demote count now, not an interval later. */
		if (vh->vh_state == CARP_MASTER)
			act->ca_send = 1;
		break;
	}

	if (vh->vh_state != from) {
		act->ca_transition = 1;
		act->ca_from = from;
		act->ca_to = vh->vh_state;
	}
	act->ca_next_us = fsm_next(vh);
}

const char *
carp_fsm_state_name(enum carp_state state)
{
	switch (state) {
	case CARP_INIT:
		return ("INIT");
	case CARP_BACKUP:
		return ("BACKUP");
	case CARP_MASTER:
		return ("MASTER");
	}
	return ("UNKNOWN");
}

/* advskew in µs, truncated the way OpenBSD builds its timeval. */
static uint64_t
fsm_skew_usec(uint8_t advskew)
{
	return (advskew * CARP_USEC / 256);
}

/* Returns <0, 0 or >0 as a is faster than, equal to or slower than b. */
static int
fsm_rate_cmp(const struct carp_rate *a, const struct carp_rate *b)
{
	if (a->cr_sec != b->cr_sec)
		return (a->cr_sec < b->cr_sec ? -1 : 1);
	if (a->cr_usec != b->cr_usec)
		return (a->cr_usec < b->cr_usec ? -1 : 1);
	return (0);
}

/* now + delta, saturated so a deadline never wraps to "not armed". */
static uint64_t
fsm_after(uint64_t now, uint64_t delta)
{
	if (UINT64_MAX - now < delta)
		return (UINT64_MAX);
	return (now + delta);
}

static uint64_t
fsm_mdown_usec(const struct carp_vhost *vh)
{
	return (CARP_MDOWN_RATIO *
	    carp_fsm_interval(vh->vh_advbase, vh->vh_advskew));
}

/*
 * Arms the master-down timer of each family with addresses and disarms
 * the others.  Returns how many were armed.
 */
static int
fsm_arm_mdown(struct carp_vhost *vh, uint64_t now)
{
	int	 af, armed = 0;

	for (af = 0; af < CARP_NAF; af++) {
		if (vh->vh_has_af[af]) {
			vh->vh_mdown_next[af] = fsm_after(now,
			    fsm_mdown_usec(vh));
			armed++;
		} else
			vh->vh_mdown_next[af] = 0;
	}
	return (armed);
}

static void
fsm_clear_timers(struct carp_vhost *vh)
{
	int	 af;

	vh->vh_adv_next = 0;
	for (af = 0; af < CARP_NAF; af++)
		vh->vh_mdown_next[af] = 0;
}

/*
 * BACKUP -> MASTER (6.2): advertise at once so the old master and the
 * other backups hear us before their own timers run out, announce the
 * addresses, and start the second-GARP countdown for switches that miss
 * the first round.  Only a BACKUP may take over.
 */
static void
fsm_master_down(struct carp_vhost *vh, uint64_t now,
    struct carp_actions *act)
{
	if (vh->vh_state != CARP_BACKUP)
		return;
	vh->vh_state = CARP_MASTER;
	fsm_clear_timers(vh);
	vh->vh_adv_next = fsm_after(now,
	    carp_fsm_interval(vh->vh_advbase, vh->vh_advskew));
	vh->vh_delayed_arp = 2;
	vh->vh_preempt_count++;
	act->ca_send = 1;
	act->ca_announce = CARP_ANN_ARP | CARP_ANN_NA;
}

/* From MASTER or BACKUP: stop advertising and wait for the master. */
static void
fsm_become_backup(struct carp_vhost *vh, uint64_t now)
{
	vh->vh_state = CARP_BACKUP;
	vh->vh_adv_next = 0;
	vh->vh_delayed_arp = -1;
	(void)fsm_arm_mdown(vh, now);
}

/* INIT -> BACKUP once the running conditions hold (6.1). */
static void
fsm_up(struct carp_vhost *vh, uint64_t now)
{
	if (vh->vh_state != CARP_INIT)
		return;
	/* No address in either family: nothing to hold, stay INIT. */
	if (fsm_arm_mdown(vh, now) == 0)
		return;
	vh->vh_state = CARP_BACKUP;
}

/* Any state -> INIT; a MASTER bows out so a backup takes over at once. */
static void
fsm_down(struct carp_vhost *vh, struct carp_actions *act)
{
	if (vh->vh_state == CARP_MASTER)
		act->ca_bowout = 1;
	vh->vh_state = CARP_INIT;
	vh->vh_delayed_arp = -1;
	fsm_clear_timers(vh);
}

static void
fsm_timer(struct carp_vhost *vh, uint64_t now, struct carp_actions *act)
{
	int	 af;

	switch (vh->vh_state) {
	case CARP_INIT:
		break;
	case CARP_BACKUP:
		for (af = 0; af < CARP_NAF; af++) {
			if (vh->vh_mdown_next[af] != 0 &&
			    vh->vh_mdown_next[af] <= now) {
				fsm_master_down(vh, now, act);
				break;
			}
		}
		break;
	case CARP_MASTER:
		if (vh->vh_adv_next == 0 || vh->vh_adv_next > now)
			break;
		act->ca_send = 1;
		vh->vh_adv_next = fsm_after(now,
		    carp_fsm_interval(vh->vh_advbase, vh->vh_advskew));
		/* 2 -> 1 -> 0: second ARP round with the second advert. */
		if (vh->vh_delayed_arp > 0 && --vh->vh_delayed_arp == 0) {
			act->ca_announce |= CARP_ANN_ARP;
			vh->vh_delayed_arp = -1;
		}
		break;
	}
}

static void
fsm_adv(struct carp_vhost *vh, const struct carp_event *ev, uint64_t now,
    struct carp_actions *act)
{
	switch (vh->vh_state) {
	case CARP_INIT:
		break;
	case CARP_BACKUP:
		fsm_adv_backup(vh, ev, now, act);
		break;
	case CARP_MASTER:
		fsm_adv_master(vh, ev, now);
		break;
	}
}

/*
 * A MASTER yields to a sender at least as fast and no more demoted, or to
 * any less demoted sender.  Ties go to the sender: two equal masters both
 * step down and the timers elect again.
 */
static void
fsm_adv_master(struct carp_vhost *vh, const struct carp_event *ev,
    uint64_t now)
{
	struct carp_rate	 ours, theirs;

	ours.cr_sec = vh->vh_advbase;
	ours.cr_usec = fsm_skew_usec(vh->vh_advskew);
	theirs.cr_sec = ev->ce_advbase;
	theirs.cr_usec = fsm_skew_usec(ev->ce_advskew);

	if ((fsm_rate_cmp(&theirs, &ours) <= 0 &&
	    ev->ce_demote <= vh->vh_demote) ||
	    ev->ce_demote < vh->vh_demote)
		fsm_become_backup(vh, now);
}

/*
 * A BACKUP takes over from a slower master when preempting, from a more
 * demoted one always, and from one that will surely miss our master-down
 * deadline (a bow-out's advbase 255).  Otherwise the master is alive:
 * restart the timer of the family the advertisement came in on.
 */
static void
fsm_adv_backup(struct carp_vhost *vh, const struct carp_event *ev,
    uint64_t now, struct carp_actions *act)
{
	struct carp_rate	 ours, theirs, deadline;

	ours.cr_sec = vh->vh_advbase;
	ours.cr_usec = fsm_skew_usec(vh->vh_advskew);
	theirs.cr_sec = ev->ce_advbase;
	theirs.cr_usec = fsm_skew_usec(ev->ce_advskew);
	deadline.cr_sec = CARP_MDOWN_RATIO * vh->vh_advbase;
	deadline.cr_usec = ours.cr_usec;

	if (vh->vh_preempt && fsm_rate_cmp(&ours, &theirs) < 0 &&
	    ev->ce_demote >= vh->vh_demote) {
		fsm_master_down(vh, now, act);
		return;
	}
	if (ev->ce_demote > vh->vh_demote) {
		fsm_master_down(vh, now, act);
		return;
	}
	if (vh->vh_advbase != 0 && fsm_rate_cmp(&deadline, &theirs) < 0) {
		fsm_master_down(vh, now, act);
		return;
	}
	/* The shell decodes ce_af; a family we hold no address in is no sign. */
	if (ev->ce_af < 0 || ev->ce_af >= CARP_NAF ||
	    !vh->vh_has_af[ev->ce_af])
		return;
	vh->vh_mdown_next[ev->ce_af] = fsm_after(now, fsm_mdown_usec(vh));
}

/* The earliest armed deadline, 0 if none. */
static uint64_t
fsm_next(const struct carp_vhost *vh)
{
	uint64_t	 next = 0;
	int		 af;

	if (vh->vh_adv_next != 0)
		next = vh->vh_adv_next;
	for (af = 0; af < CARP_NAF; af++) {
		if (vh->vh_mdown_next[af] != 0 &&
		    (next == 0 || vh->vh_mdown_next[af] < next))
			next = vh->vh_mdown_next[af];
	}
	return (next);
}
