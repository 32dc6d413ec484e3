/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * carpctl: carpd's control tool.  Prints carp interfaces as ifconfig
 * does and counters as netstat -s -p carp does; -j prints the daemon's
 * JSON instead.
 */

#include <err.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "carpclient.h"
#include "ctl.h"

#define CARPD_SOCK	"/run/hakit/carpd.sock"

static void	 usage(void) __attribute__((__noreturn__));
static void	 show_text(const json_t *);
static void	 stats_text(const json_t *);
static int	 monitor(const char *, int, char **);

static int	 jflag;

static void
usage(void)
{
	extern char	*__progname;

	(void)fprintf(stderr,
	    "usage: %s [-j] [-s socket] command [argument ...]\n"
	    "commands:\n"
	    "\tshow [-j]\n"
	    "\tshow stats [-j]\n"
	    "\tcarpN advskew N | advbase N\n"
	    "\tcarpN state backup|master\n"
	    "\tdemote GROUP [+N|-N]\n"
	    "\tmonitor [-D GROUP:N]\n"
	    "\treload\n", __progname);
	exit(1);
}

static void
show_text(const json_t *rep)
{
	const json_t	*ifs, *o, *a, *g;
	size_t		 i, j;
	char		 state[16];
	const char	*sep;

	ifs = json_object_get(rep, "interfaces");
	json_array_foreach(ifs, i, o) {
		(void)strlcpy(state, json_string_value(json_object_get(o,
		    "state")), sizeof(state));
		printf("%s:\n", json_string_value(json_object_get(o,
		    "ifname")));
		printf("\tlladdr %s\n", json_string_value(json_object_get(o,
		    "lladdr")));
		printf("\tcarp: %s carpdev %s vhid %lld advbase %lld "
		    "advskew %lld", state,
		    json_string_value(json_object_get(o, "carpdev")),
		    json_integer_value(json_object_get(o, "vhid")),
		    json_integer_value(json_object_get(o, "advbase")),
		    json_integer_value(json_object_get(o, "advskew")));
		if (json_object_get(o, "carppeer") != NULL)
			printf(" carppeer %s", json_string_value(
			    json_object_get(o, "carppeer")));
		printf("\n\tgroups:");
		json_array_foreach(json_object_get(o, "groups"), j, g)
			printf(" %s", json_string_value(g));
		/* OpenBSD's status words */
		sep = strcmp(state, "MASTER") == 0 ? "master" :
		    strcmp(state, "BACKUP") == 0 ? "backup" : "invalid";
		printf("\n\tstatus: %s\n", sep);
		printf("\tdemote: %lld\n",
		    json_integer_value(json_object_get(o, "demote")));
		json_array_foreach(json_object_get(o, "addresses"), j, a)
			printf("\t%s %s\n", strchr(json_string_value(a), ':') ?
			    "inet6" : "inet", json_string_value(a));
	}
	json_array_foreach(json_object_get(rep, "groups"), i, g)
		printf("%s: carp demote count %lld\n",
		    json_string_value(json_object_get(g, "name")),
		    json_integer_value(json_object_get(g, "demote")));
}

static void
stats_text(const json_t *st)
{
	static const struct {
		const char	*key;
		int		 sub;	/* indented under the line above */
		const char	*what;
	} lines[] = {
		{ "ipackets",	0, "packets received (IPv4)" },
		{ "ipackets6",	0, "packets received (IPv6)" },
		{ "badif",	1, "packets discarded for bad interface" },
		{ "badttl",	1, "packets discarded for wrong TTL" },
		{ "hdrops",	1, "packets shorter than header" },
		{ "badsum",	1, "discarded for bad checksums" },
		{ "badver",	1, "discarded packets with a bad version" },
		{ "badlen",	1, "discarded because packet too short" },
		{ "badauth",	1, "discarded for bad authentication" },
		{ "badvhid",	1, "discarded for unknown vhid" },
		{ "badaddrs",	1, "discarded because of a bad address list" },
		{ "loop",	1, "discarded as our own (network loop)" },
		{ "opackets",	0, "packets sent (IPv4)" },
		{ "opackets6",	0, "packets sent (IPv6)" },
		{ "onomem",	1, "send failed" },
		{ "preempt",	0, "transitions to master" },
	};
	size_t	 i;

	printf("carp:\n");
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		printf("%s%lld %s\n", lines[i].sub ? "\t\t" : "\t",
		    json_integer_value(json_object_get(st, lines[i].key)),
		    lines[i].what);
}

static void
monitor_cb(const json_t *ev, void *arg)
{
	(void)arg;
	if (jflag) {
		char *s = json_dumps(ev, JSON_COMPACT);

		if (s != NULL)
			printf("%s\n", s);
		free(s);
	} else
		printf("%s: %s vhid %lld\n",
		    json_string_value(json_object_get(ev, "ifname")),
		    json_string_value(json_object_get(ev, "state")),
		    json_integer_value(json_object_get(ev, "vhid")));
	(void)fflush(stdout);
}

/* Follows state changes through lib/carpclient, as the other daemons do;
 * -D GROUP:N holds a demotion for as long as carpctl runs. */
static int
monitor(const char *sock, int argc, char **argv)
{
	char		*colon, group[64] = "";
	const char	*errstr;
	int		 n = 0;

	if (argc == 2 && strcmp(argv[0], "-D") == 0) {
		(void)strlcpy(group, argv[1], sizeof(group));
		if ((colon = strchr(group, ':')) == NULL)
			errx(1, "-D expects GROUP:N");
		*colon++ = '\0';
		n = (int)strtonum(colon, 1, 255, &errstr);
		if (errstr != NULL)
			errx(1, "demotion %s: %s", colon, errstr);
	} else if (argc != 0)
		usage();
	return (carp_client_run(sock, monitor_cb, NULL, group[0] ? group :
	    NULL, n));
}

int
main(int argc, char *argv[])
{
	const char	*sock = CARPD_SOCK, *errstr;
	json_t		*rep, *req = NULL;
	long long	 n;

	if (ctl_tool_args(&argc, &argv, &sock, &jflag) == -1)
		usage();
	if (argc < 1)
		usage();

	if (strcmp(argv[0], "show") == 0 && argc == 1) {
		rep = ctl_tool_call(sock, json_pack("{s:s}", "cmd", "show"));
		if (jflag)
			ctl_tool_print(json_object_get(rep, "interfaces"));
		else
			show_text(rep);
	} else if (strcmp(argv[0], "show") == 0 && argc == 2 &&
	    strcmp(argv[1], "stats") == 0) {
		rep = ctl_tool_call(sock, json_pack("{s:s}", "cmd", "stats"));
		if (jflag)
			ctl_tool_print(json_object_get(rep, "stats"));
		else
			stats_text(json_object_get(rep, "stats"));
	} else if (strcmp(argv[0], "show") == 0 && argc == 2 &&
	    strcmp(argv[1], "groups") == 0) {
		rep = ctl_tool_call(sock, json_pack("{s:s}", "cmd", "show"));
		if (jflag)
			ctl_tool_print(json_object_get(rep, "groups"));
		else {
			req = json_pack("{s:O}", "groups",
			    json_object_get(rep, "groups"));
			show_text(req);
		}
	} else if (strcmp(argv[0], "demote") == 0 && (argc == 2 ||
	    argc == 3)) {
		if (argc == 2) {
			rep = ctl_tool_call(sock, json_pack("{s:s,s:s,s:i}",
			    "cmd", "demote", "group", argv[1], "delta", 0));
		} else {
			if (argv[2][0] != '+' && argv[2][0] != '-')
				errx(1, "demote: expects +N or -N, got '%s'",
				    argv[2]);
			n = strtonum(argv[2] + 1, 0, 255, &errstr);
			if (errstr != NULL)
				errx(1, "demote: %s is %s", argv[2], errstr);
			if (argv[2][0] == '-')
				n = -n;
			rep = ctl_tool_call(sock, json_pack("{s:s,s:s,s:I}",
			    "cmd", "demote", "group", argv[1], "delta",
			    (json_int_t)n));
		}
		if (jflag)
			ctl_tool_print(rep);
		else
			printf("%s: carp demote count %lld\n", argv[1],
			    json_integer_value(json_object_get(rep,
			    "demote")));
	} else if (strcmp(argv[0], "reload") == 0 && argc == 1) {
		rep = ctl_tool_call(sock, json_pack("{s:s}", "cmd", "reload"));
		printf("reload requested\n");
	} else if (strcmp(argv[0], "monitor") == 0) {
		return (monitor(sock, argc - 1, argv + 1));
	} else if (argc == 3 && (strcmp(argv[1], "advskew") == 0 ||
	    strcmp(argv[1], "advbase") == 0)) {
		n = strtonum(argv[2], 0, 254, &errstr);
		if (errstr != NULL)
			errx(1, "%s expects 0-254, got '%s'", argv[1],
			    argv[2]);
		rep = ctl_tool_call(sock, json_pack("{s:s,s:s,s:I}", "cmd",
		    argv[1], "ifname", argv[0], "value", (json_int_t)n));
	} else if (argc == 3 && strcmp(argv[1], "state") == 0) {
		if (strcmp(argv[2], "backup") != 0 &&
		    strcmp(argv[2], "master") != 0)
			errx(1, "state expects backup or master, got '%s'",
			    argv[2]);
		rep = ctl_tool_call(sock, json_pack("{s:s,s:s,s:s}", "cmd",
		    "state", "ifname", argv[0], "state", argv[2]));
	} else
		usage();
	json_decref(req);
	json_decref(rep);
	return (0);
}
