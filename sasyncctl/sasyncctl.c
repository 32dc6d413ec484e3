/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * sasyncctl: sasyncd's control tool.  OpenBSD's sasyncd has none (its
 * state is only in the log); this one prints the role, the peers, the
 * last snapshots and every counter, and -j the daemon's JSON.
 */

#include <err.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl.h"

#define SASYNCD_SOCK	"/run/hakit/sasyncd.sock"

static void	 usage(void) __attribute__((__noreturn__));

static void
usage(void)
{
	extern char	*__progname;

	(void)fprintf(stderr,
	    "usage: %s [-j] [-s socket] command\n"
	    "commands:\n"
	    "\tshow [-j]\n"
	    "\tmem op [key=value ...]\n", __progname);
	exit(1);
}

static const char *
jstr(const json_t *o, const char *k)
{
	const char	*s = json_string_value(json_object_get(o, k));

	return (s != NULL ? s : "-");
}

static long long
jint(const json_t *o, const char *k)
{
	return ((long long)json_integer_value(json_object_get(o, k)));
}

/* A time in the local zone, or "never". */
static const char *
jtime(const json_t *o, const char *k, char *buf, size_t len)
{
	const json_t	*v = json_object_get(o, k);
	struct tm	 tm;
	time_t		 t;

	if (!json_is_integer(v))
		return ("never");
	t = (time_t)json_integer_value(v);
	if (localtime_r(&t, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		return ("?");
	return (buf);
}

static void
show(const json_t *rep)
{
	const json_t	*p, *c, *v;
	const char	*k;
	char		 t1[32], t2[32];
	size_t		 i;

	(void)printf("state %s%s, since %s\n", jstr(rep, "state"),
	    json_is_true(json_object_get(rep, "locked")) ? " (locked)" : "",
	    jtime(rep, "since", t1, sizeof(t1)));
	if (*jstr(rep, "interface") != '\0')
		(void)printf("carp interface %s, group %s%s\n",
		    jstr(rep, "interface"), jstr(rep, "group"),
		    json_is_true(json_object_get(rep, "demoted")) ?
		    ", start-up demotion held" : "");
	(void)printf("backend %s, flushmode %s\n", jstr(rep, "backend"),
	    jstr(rep, "flushmode"));
	(void)printf("last snapshot sent %s, received %s\n",
	    jtime(rep, "last_snapshot_sent", t1, sizeof(t1)),
	    jtime(rep, "last_snapshot_received", t2, sizeof(t2)));
	json_array_foreach(json_object_get(rep, "peers"), i, p) {
		(void)printf("peer %s: %s", jstr(p, "peer"),
		    jstr(p, "connection"));
		if (strcmp(jstr(p, "connection"), "none") != 0 &&
		    strcmp(jstr(p, "connection"), "connecting") != 0)
			(void)printf(" since %s, state %s",
			    jtime(p, "since", t1, sizeof(t1)),
			    jstr(p, "state"));
		(void)printf("\n\tframes in %lld (data %lld), out %lld; "
		    "snapshots sent %lld, received %lld\n",
		    jint(p, "rx_frames"), jint(p, "rx_data"),
		    jint(p, "tx_frames"), jint(p, "snapshots_sent"),
		    jint(p, "snapshots_received"));
	}
	c = json_object_get(rep, "counters");
	(void)printf("counters:\n");
	json_object_foreach((json_t *)(uintptr_t)c, k, v)
		(void)printf("\t%lld %s\n", (long long)json_integer_value(v),
		    k);
}

/* mem op key=value...: numbers become integers, true/false booleans. */
static json_t *
mem_request(int argc, char *argv[])
{
	json_t		*req;
	char		*eq, *end;
	long long	 n;
	int		 i;

	req = json_pack("{s:s,s:s}", "cmd", "mem", "op", argv[0]);
	for (i = 1; req != NULL && i < argc; i++) {
		if ((eq = strchr(argv[i], '=')) == NULL) {
			json_decref(req);
			errx(1, "%s: expected key=value", argv[i]);
		} else
			*eq++ = '\0';
		n = strtoll(eq, &end, 0);
		if (*eq != '\0' && *end == '\0')
			(void)json_object_set_new(req, argv[i],
			    json_integer(n));
		else if (strcmp(eq, "true") == 0 || strcmp(eq, "false") == 0)
			(void)json_object_set_new(req, argv[i],
			    json_boolean(*eq == 't'));
		else
			(void)json_object_set_new(req, argv[i],
			    json_string(eq));
	}
	return (req);
}

int
main(int argc, char *argv[])
{
	const char	*sock = SASYNCD_SOCK;
	json_t		*rep;
	int		 jflag = 0;

	if (ctl_tool_args(&argc, &argv, &sock, &jflag) == -1 || argc < 1)
		usage();
	if (strcmp(argv[0], "show") == 0 && argc == 1) {
		rep = ctl_tool_call(sock, json_pack("{s:s}", "cmd", "show"));
		if (jflag)
			ctl_tool_print(rep);
		else
			show(rep);
	} else if (strcmp(argv[0], "mem") == 0 && argc >= 2) {
		rep = ctl_tool_call(sock, mem_request(argc - 1, argv + 1));
		if (json_object_get(rep, "sas") != NULL || jflag)
			ctl_tool_print(rep);
	} else
		usage();
	json_decref(rep);
	return (0);
}
