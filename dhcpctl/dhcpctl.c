/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * dhcpctl: dhcpd's control tool (OpenBSD has none).  show prints the
 * interfaces, the counters and the sync state; show leases the lease
 * table; -j prints the daemon's JSON.
 */

#include <err.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"

#define DHCPD_SOCK	"/run/hakit/dhcpd.sock"

static void	 usage(void) __attribute__((__noreturn__));

static void
usage(void)
{
	extern char	*__progname;

	(void)fprintf(stderr,
	    "usage: %s [-j] [-s socket] command\n"
	    "commands:\n"
	    "\tshow [-j]\n"
	    "\tshow leases [-j]\n", __progname);
	exit(1);
}

/* "name value" lines of an object of counters, nonzero ones only */
static void
counters(const char *title, const json_t *o)
{
	const char	*k;
	json_t		*v;

	printf("%s:\n", title);
	json_object_foreach((json_t *)(uintptr_t)o, k, v)
		if (json_is_integer(v) && json_integer_value(v) != 0)
			printf("\t%lld %s\n",
			    (long long)json_integer_value(v), k);
}

static void
show_text(const json_t *r)
{
	const json_t	*ifs = json_object_get(r, "interfaces");
	const json_t	*sy = json_object_get(r, "sync");
	const json_t	*carp = json_object_get(r, "carp");
	json_t		*v;
	size_t		 i;

	printf("dhcpd: %lld leases\n",
	    (long long)json_integer_value(json_object_get(r, "leases")));
	json_array_foreach((json_t *)(uintptr_t)ifs, i, v)
		printf("\tlistening on %s (%s)\n",
		    json_string_value(json_object_get(v, "name")),
		    json_string_value(json_object_get(v, "address")));
	if (carp != NULL)
		printf("\tcarp %s: %s\n",
		    json_string_value(json_object_get(carp, "interface")),
		    json_is_true(json_object_get(carp, "master")) ?
		    "MASTER, answering" : "not MASTER, silent");
	counters("messages", json_object_get(r, "stats"));
	counters("packets dropped", json_object_get(r, "drops"));
	if (json_is_true(json_object_get(sy, "enabled"))) {
		printf("sync: %s%s, %lld unicast targets, %s\n",
		    json_is_true(json_object_get(sy, "listen")) ?
		    "listening" : "not listening",
		    json_is_true(json_object_get(sy, "multicast")) ?
		    ", multicast" : "",
		    (long long)json_integer_value(json_object_get(sy,
		    "targets")),
		    json_is_true(json_object_get(sy, "key")) ? "keyed" :
		    "empty key");
		counters("sync datagrams dropped",
		    json_object_get(sy, "drops"));
	}
	if (json_object_get(r, "tables") != NULL)
		counters("address tables", json_object_get(r, "tables"));
}

static void
leases_text(const json_t *r)
{
	json_t		*v;
	const char	*hn;
	size_t		 i;

	printf("%-15s %-17s %-9s %-19s %s\n", "address", "hardware", "state",
	    "ends (UTC)", "hostname");
	json_array_foreach(json_object_get(r, "leases"), i, v) {
		hn = json_string_value(json_object_get(v, "client_hostname"));
		printf("%-15s %-17s %-9s %-19s %s\n",
		    json_string_value(json_object_get(v, "address")),
		    json_string_value(json_object_get(v, "hardware")),
		    json_string_value(json_object_get(v, "state")),
		    json_string_value(json_object_get(v, "ends")),
		    hn != NULL ? hn : "");
	}
}

int
main(int argc, char *argv[])
{
	const char	*sock = DHCPD_SOCK;
	json_t		*rep;
	int		 jflag = 0;

	if (ctl_tool_args(&argc, &argv, &sock, &jflag) == -1)
		usage();
	if (argc < 1 || strcmp(argv[0], "show") != 0 || argc > 2)
		usage();
	if (argc == 1) {
		rep = ctl_tool_call(sock, json_pack("{s:s}", "cmd", "show"));
		if (jflag)
			ctl_tool_print(rep);
		else
			show_text(rep);
	} else if (strcmp(argv[1], "leases") == 0) {
		rep = ctl_tool_call(sock, json_pack("{s:s}", "cmd", "leases"));
		if (jflag)
			ctl_tool_print(json_object_get(rep, "leases"));
		else
			leases_text(rep);
	} else
		usage();
	json_decref(rep);
	return (0);
}
