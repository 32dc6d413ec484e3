/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "log.h"

static int		 log_debug_mode = 1;	/* stderr until log_init */
static int		 log_verbose;
static const char	*log_procname;

void
log_init(int debug, int facility)
{
	extern char	*__progname;

	log_debug_mode = debug;
	log_verbose = debug;
	log_procinit(__progname);
	if (!debug)
		openlog(__progname, LOG_PID | LOG_NDELAY, facility);
	tzset();
}

void
log_procinit(const char *procname)
{
	if (procname != NULL)
		log_procname = procname;
}

void
log_setverbose(int v)
{
	log_verbose = v;
}

int
log_getverbose(void)
{
	return (log_verbose);
}

void
vlog(int pri, const char *fmt, va_list ap)
{
	int	 saved_errno = errno;

	if (log_debug_mode) {
		(void)vfprintf(stderr, fmt, ap);
		(void)fputc('\n', stderr);
		(void)fflush(stderr);
	} else
		vsyslog(pri, fmt, ap);
	errno = saved_errno;
}

void
log_prio(int pri, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog(pri, fmt, ap);
	va_end(ap);
}

static __attribute__((__format__ (printf, 2, 0))) void
vlog_errno(int pri, const char *fmt, va_list ap)
{
	char	 msg[1024];
	int	 saved_errno = errno;

	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	log_prio(pri, "%s: %s", msg, strerror(saved_errno));
	errno = saved_errno;
}

void
log_warn(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog_errno(LOG_ERR, fmt, ap);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog(LOG_ERR, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog(LOG_INFO, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list	 ap;

	if (!log_verbose)
		return;
	va_start(ap, fmt);
	vlog(LOG_DEBUG, fmt, ap);
	va_end(ap);
}

void
log_rl(struct log_rl *rl, int pri, const char *fmt, ...)
{
	struct timespec	 ts;
	va_list		 ap;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	if (rl->rl_last != 0 && ts.tv_sec - rl->rl_last < LOG_RL_INTERVAL) {
		rl->rl_suppressed++;
		return;
	}
	if (rl->rl_suppressed > 0)
		log_prio(pri, "(%llu similar messages suppressed)",
		    (unsigned long long)rl->rl_suppressed);
	rl->rl_suppressed = 0;
	rl->rl_last = ts.tv_sec ? ts.tv_sec : 1;
	va_start(ap, fmt);
	vlog(pri, fmt, ap);
	va_end(ap);
}

static __attribute__((__noreturn__, __format__ (printf, 2, 0))) void
vfatal(int err, const char *fmt, va_list ap)
{
	char	 msg[1024];

	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	if (err)
		log_prio(LOG_CRIT, "fatal in %s: %s: %s",
		    log_procname ? log_procname : "?", msg, strerror(err));
	else
		log_prio(LOG_CRIT, "fatal in %s: %s",
		    log_procname ? log_procname : "?", msg);
	exit(1);
}

void
fatal(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vfatal(errno, fmt, ap);
	va_end(ap);
}

void
fatalx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vfatal(0, fmt, ap);
	va_end(ap);
}
