/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * What the benchmark's small C tools (vipprobe, ss_gen, ss_probe) share.
 * Each tool is one file built with a plain cc command, so this header
 * holds static definitions rather than a library.
 */

#ifndef PROBE_UTIL_H
#define PROBE_UTIL_H

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

extern char	*program_invocation_short_name;

static volatile sig_atomic_t	 got_event;	/* SIGUSR1: mark now */
static volatile sig_atomic_t	 got_stop;	/* SIGTERM, SIGINT */

static inline void
on_signal(int sig)
{
	if (sig == SIGUSR1)
		got_event = 1;
	else
		got_stop = 1;
}

static inline int64_t
mono_ns(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec);
}

/* A decimal argument in [lo, hi], or exit 2 naming it. */
static inline long
num(const char *s, long lo, long hi, const char *what)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *s == '\0' || *end != '\0' || v < lo || v > hi) {
		fprintf(stderr, "%s: bad %s: %s\n",
		    program_invocation_short_name, what, s);
		exit(2);
	}
	return (v);
}

#endif
