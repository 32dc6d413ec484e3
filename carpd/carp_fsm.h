/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

#ifndef CARP_FSM_H
#define CARP_FSM_H

/*
 * The CARP state machine of one vhid (specs/carp.md section 6): pure, no
 * sockets, no timers, no clock.  The shell passes events and the current
 * time in microseconds, then carries out the actions it gets back and
 * arms one timer at ca_next_us.
 */

#include <stdint.h>

enum carp_state {
	CARP_INIT = 0,
	CARP_BACKUP,
	CARP_MASTER
};

#define CARP_AF_INET	0	/* index into per-family timers */
#define CARP_AF_INET6	1
#define CARP_NAF	2

struct carp_vhost {
	/* set by the shell from the configuration */
	uint8_t		 vh_vhid;
	uint8_t		 vh_advbase;
	uint8_t		 vh_advskew;
	int		 vh_preempt;		/* global knob, default 0 */
	int		 vh_has_af[CARP_NAF];	/* families with addresses */
	uint8_t		 vh_demote;		/* our advertised D, capped */

	/* owned by the state machine */
	enum carp_state	 vh_state;
	uint64_t	 vh_adv_next;		/* µs, 0 = not armed */
	uint64_t	 vh_mdown_next[CARP_NAF]; /* µs, 0 = not armed */
	int		 vh_delayed_arp;	/* second GARP countdown */
	uint64_t	 vh_preempt_count;	/* times we became MASTER */
};

enum carp_ev_type {
	CARP_EV_UP,		/* running conditions hold (6.1) */
	CARP_EV_DOWN,		/* they stopped holding; bow out if MASTER */
	CARP_EV_ADV,		/* a valid advertisement arrived */
	CARP_EV_TIMER,		/* now >= the deadline last returned */
	CARP_EV_FORCE_BACKUP,	/* state backup */
	CARP_EV_FORCE_MASTER,	/* state master */
	CARP_EV_DEMOTE		/* a group counter reached 1: advertise now */
};

struct carp_event {
	enum carp_ev_type ce_type;
	int		 ce_af;		/* CARP_AF_* of an advertisement */
	uint8_t		 ce_advbase;
	uint8_t		 ce_advskew;
	uint8_t		 ce_demote;
};

#define CARP_ANN_ARP	0x1	/* gratuitous ARP for every IPv4 VIP */
#define CARP_ANN_NA	0x2	/* unsolicited NA for every IPv6 VIP */

struct carp_actions {
	int		 ca_send;	/* advertise now, each family with addrs */
	int		 ca_bowout;	/* send one advbase/advskew 255 advert */
	int		 ca_announce;	/* CARP_ANN_* */
	int		 ca_transition;	/* state changed ... */
	enum carp_state	 ca_from;	/* ... from this ... */
	enum carp_state	 ca_to;		/* ... to this */
	uint64_t	 ca_next_us;	/* earliest deadline, 0 = none */
};

/* Interval in µs: advbase s + advskew/256 s, floor 1000000/256 µs. */
uint64_t carp_fsm_interval(uint8_t advbase, uint8_t advskew);

/* Feeds one event at time now (µs, monotonic); fills act. */
void	 carp_fsm_input(struct carp_vhost *, const struct carp_event *,
	    uint64_t now, struct carp_actions *act);

const char *carp_fsm_state_name(enum carp_state);	/* "MASTER" */

#endif /* CARP_FSM_H */
