/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * A redirect's session statistics, as relayctl show redirects prints
 * them (total, last and average per 60 s, hour and day).  The averages
 * follow OpenBSD's pfe: each is the mean of the previous average and the
 * period just ended, updated when that period ends (as recalled from
 * pfe.c's pfe_statistics(); unverified).  Unlike OpenBSD's, the day
 * total starts again each day.  Pure; unit-tested.
 */

#include "relayd.h"

#define TICKS_HOUR	(3600 / RELAYD_STATINTERVAL)
#define TICKS_DAY	(86400 / RELAYD_STATINTERVAL)

void
stats_tick(struct rd_stats *st, uint64_t counter)
{
	uint64_t	 n;

	/* A counter below the last value was made anew (its redirect's
	 * rules were rebuilt by a reload): it counts from zero. */
	n = counter >= st->st_seen ? counter - st->st_seen : counter;
	st->st_seen = counter;
	st->st_cnt += n;
	st->st_last = n;
	st->st_tick++;
	st->st_avg = (st->st_last + st->st_avg) / 2;
	st->st_last_hour += n;
	st->st_last_day += n;
	if (st->st_tick % TICKS_HOUR == 0) {
		st->st_avg_hour = (st->st_last_hour + st->st_avg_hour) / 2;
		st->st_last_hour = 0;
	}
	if (st->st_tick % TICKS_DAY == 0) {
		st->st_avg_day = (st->st_last_day + st->st_avg_day) / 2;
		st->st_last_day = 0;
	}
}
