/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

#ifndef HAKIT_LOG_H
#define HAKIT_LOG_H

#include <stdarg.h>
#include <stdint.h>
#include <time.h>

/*
 * A rate limit for one kind of message: the first is logged, then at most
 * one per interval, with the count of those suppressed meanwhile, so a
 * flood of bad packets cannot fill syslog.
 */
struct log_rl {
	time_t		 rl_last;
	uint64_t	 rl_suppressed;
};
#define LOG_RL_INTERVAL	10	/* seconds */

void	 log_init(int debug, int facility);
void	 log_procinit(const char *);
void	 log_setverbose(int);
int	 log_getverbose(void);
void	 log_warn(const char *, ...)
	    __attribute__((__format__ (printf, 1, 2)));
void	 log_warnx(const char *, ...)
	    __attribute__((__format__ (printf, 1, 2)));
void	 log_info(const char *, ...)
	    __attribute__((__format__ (printf, 1, 2)));
void	 log_debug(const char *, ...)
	    __attribute__((__format__ (printf, 1, 2)));
void	 log_prio(int, const char *, ...)
	    __attribute__((__format__ (printf, 2, 3)));
void	 log_rl(struct log_rl *, int, const char *, ...)
	    __attribute__((__format__ (printf, 3, 4)));
void	 vlog(int, const char *, va_list)
	    __attribute__((__format__ (printf, 2, 0)));
__attribute__((__noreturn__)) void fatal(const char *, ...)
	    __attribute__((__format__ (printf, 1, 2)));
__attribute__((__noreturn__)) void fatalx(const char *, ...)
	    __attribute__((__format__ (printf, 1, 2)));

#endif /* HAKIT_LOG_H */
