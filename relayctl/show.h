/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

#ifndef RELAYCTL_SHOW_H
#define RELAYCTL_SHOW_H

/*
 * relayctl's text output: relayd's JSON items and events turned into
 * the lines OpenBSD's relayctl prints, byte for byte (TABs, widths,
 * status words).  Pure: each function writes to the stream it is given,
 * which is stdout in relayctl and a memory stream in the tests.
 *
 * Items, from {"cmd":"show"} (fields a function does not need may be
 * absent; numbers absent count as 0):
 *   redirect  id name status stats
 *   table     id name status up
 *   host      id name parent state checks ups retry_left error checked
 *   relay     id name status stats (an object, or an array of one
 *             object per relay process, summed) counters (an object of
 *             counts: bad_request too_long too_many other timeout
 *             bad_chunk edit smuggle blocked connect no_backend
 *             bad_response early_close)
 *   router    id name status rtable rtlabel routes (["ADDR/LEN", ...] or
 *             [{"addr":A,"prefixlen":N}, ...])
 *   session   pid peer id src sport dst dport done age idle relay tag
 * stats: total last last_hour last_day avg avg_hour avg_day [interval]
 * Events, from {"cmd":"monitor"}: {"event":NAME,"id":N,"state":S,
 * "name":S,"time":EPOCH}.
 */

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

enum show_kind {
	SHOW_SUMMARY,		/* every row, no extra lines */
	SHOW_HOSTS,		/* tables and hosts, counters lines */
	SHOW_REDIRECTS,		/* redirects and their statistics */
	SHOW_RELAYS,		/* relays and their statistics */
	SHOW_ROUTERS,		/* routers, rtable, rtlabel and routes */
	SHOW_SESSIONS		/* relay sessions, two lines each */
};

/* "Id  \tType    \tName ...\tStatus", the show commands' first line
 * (not for sessions). */
void	 show_header(FILE *);

/* Whether an item belongs to the listing of kind (text and -j alike). */
int	 show_wants(enum show_kind, const json_t *item);

/*
 * Prints an item the listing wants: its row, then the extra lines of
 * kind.  Returns 0 (also for an item not wanted, which prints nothing),
 * or -1 for a malformed item (no id, no name, an unknown status word),
 * having printed nothing.
 */
int	 show_item(FILE *, enum show_kind, const json_t *item);

/*
 * The monitor's lines for one event, OpenBSD's "NAME: imsg type T len L
 * peerid P pid X" then its timestamp and fields.  now stands for an
 * event without "time".  Returns 1 when monitoring ends (an event
 * OpenBSD's relayctl calls <unknown>), else 0.
 */
int	 show_monitor(FILE *, const json_t *ev, time_t now);

/* "%.2f%%" of ups in checks, "" before the first check. */
const char *show_availability(uint64_t checks, uint64_t ups, char *,
	    size_t);
/* Seconds as HH:MM:SS, hours past 99 as they come. */
const char *show_duration(int64_t secs, char *, size_t);

#endif /* RELAYCTL_SHOW_H */
