/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * pfsyncctl: pfsyncd's control tool.  The status line is the one
 * OpenBSD's ifconfig prints for pfsync0, the counters are netstat -s -p
 * pfsync's; -j prints the daemon's JSON.  decode prints a pfsync packet,
 * which tcpdump cannot.
 */

#include <err.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "../pfsyncd/pfsync_wire.h"

#define PFSYNCD_SOCK	"/run/hakit/pfsyncd.sock"

static void	 usage(void) __attribute__((__noreturn__));
static int	 jflag;

static void
usage(void)
{
	extern char	*__progname;

	(void)fprintf(stderr,
	    "usage: %s [-j] [-s socket] command\n"
	    "commands:\n"
	    "\tshow [-j]\n"
	    "\tshow states [-j]\n"
	    "\tbulk\n"
	    "\tdecode [file]\n", __progname);
	exit(1);
}

static long long
jint(const json_t *o, const char *k)
{
	return ((long long)json_integer_value(json_object_get(o, k)));
}

static const char *
jstr(const json_t *o, const char *k)
{
	const char	*s = json_string_value(json_object_get(o, k));

	return (s != NULL ? s : "-");
}

/* netstat -s -p pfsync's lines, in its order. */
static const struct {
	const char	*key;
	const char	*text;
} stat_lines[] = {
	{ "ipackets", "packets received (IPv4)" },
	{ "ipackets6", "packets received (IPv6)" },
	{ "badif", "packets discarded for bad interface" },
	{ "badttl", "packets discarded for bad ttl" },
	{ "hdrops", "packets shorter than header" },
	{ "badver", "packets discarded for bad version" },
	{ "badauth", "packets discarded for bad HMAC" },
	{ "badact", "packets discarded for bad action" },
	{ "badlen", "packets discarded for short packet" },
	{ "badval", "states discarded for bad values" },
	{ "stale", "stale states" },
	{ "badstate", "failed state lookup/inserts" },
	{ "opackets", "packets sent (IPv4)" },
	{ "opackets6", "packets sent (IPv6)" },
	{ "onomem", "send failed due to mbuf memory error" },
	{ "oerrors", "send error" },
	{ "skipped", "deprecated or unknown sections skipped" },
	{ "tdb", "IPsec SA updates ignored" },
	{ "ratelimited", "states over the import limit" },
	{ "unsupported", "states Linux cannot hold" },
	{ "rcvdrops", "packets dropped on a full receive queue" },
};

static void
show_text(const json_t *r)
{
	const json_t	*peers = json_object_get(r, "syncpeers");
	const json_t	*bulk = json_object_get(r, "bulk");
	const json_t	*carp = json_object_get(r, "carp");
	const json_t	*st = json_object_get(r, "states");
	const json_t	*stats = json_object_get(r, "stats");
	const json_t	*v;
	size_t		 i;

	printf("pfsync: syncdev: %s", jstr(r, "syncdev"));
	json_array_foreach(peers, i, v)
		printf(" syncpeer: %s", json_string_value(v));
	printf(" maxupd: %lld defer: %s\n", jint(r, "maxupd"),
	    json_is_true(json_object_get(r, "defer")) ? "on" : "off");
	printf("\thostid: %s link: %s mtu: %lld\n", jstr(r, "hostid"),
	    jstr(r, "link"), jint(r, "mtu"));
	printf("\tbulk update: %s", jstr(bulk, "state"));
	if (json_is_string(json_object_get(bulk, "result")))
		printf(" (%s, %lld states in %lld ms)", jstr(bulk, "result"),
		    jint(bulk, "states"), jint(bulk, "ms"));
	if (json_is_true(json_object_get(bulk, "sending")))
		printf(", sending one");
	printf("\n\tcarp: %s, %s, demote %lld\n", jstr(carp, "socket"),
	    json_is_true(json_object_get(carp, "connected")) ?
	    "connected" : "not connected", jint(carp, "demote"));
	printf("\tstates: %lld local, %lld from peers; queue: %lld; "
	    "imported %lld, rejected %lld\n", jint(st, "local"),
	    jint(st, "peer"), jint(r, "queue"), jint(r, "imported"),
	    jint(r, "rejected"));
	printf("pfsync:\n");
	for (i = 0; i < sizeof(stat_lines) / sizeof(stat_lines[0]); i++) {
		printf("\t%llu %s\n",
		    (unsigned long long)jint(stats, stat_lines[i].key),
		    stat_lines[i].text);
	}
}

static void
states_text(const json_t *r)
{
	const json_t	*a = json_object_get(r, "states"), *s;
	size_t		 i;

	json_array_foreach(a, i, s)
		printf("%s/%s %s %s (reply %s) zone %lld\n", jstr(s, "id"),
		    jstr(s, "creatorid"), json_is_true(json_object_get(s,
		    "peer")) ? "peer " : "local", jstr(s, "tuple"),
		    jstr(s, "reply"), jint(s, "zone"));
}

static int
decode(const char *path)
{
	static uint8_t	 pkt[65536];
	FILE		*f = stdin;
	size_t		 n, off = 0;

	if (path != NULL && (f = fopen(path, "rb")) == NULL)
		err(1, "%s", path);
	n = fread(pkt, 1, sizeof(pkt), f);
	if (ferror(f))
		err(1, "%s", path != NULL ? path : "stdin");
	if (f != stdin)
		(void)fclose(f);
	/* an IPv4 packet of protocol 240: skip its header */
	if (n >= 20 && (pkt[0] >> 4) == 4 && pkt[9] == PFSYNC_PROTO &&
	    (size_t)(pkt[0] & 0xf) * 4 <= n)
		off = (size_t)(pkt[0] & 0xf) * 4;
	if (pfsync_print(stdout, pkt + off, n - off) == -1)
		errx(1, "not a pfsync version 6 packet");
	return (0);
}

int
main(int argc, char *argv[])
{
	const char	*sock = PFSYNCD_SOCK;
	json_t		*rep;

	if (ctl_tool_args(&argc, &argv, &sock, &jflag) == -1)
		usage();
	if (argc < 1)
		usage();
	if (strcmp(argv[0], "decode") == 0 && argc <= 2)
		return (decode(argc == 2 ? argv[1] : NULL));
	if (strcmp(argv[0], "show") == 0 && argc == 1) {
		rep = ctl_tool_call(sock, json_pack("{s:s}", "cmd", "show"));
		if (jflag)
			ctl_tool_print(rep);
		else
			show_text(rep);
	} else if (strcmp(argv[0], "show") == 0 && argc == 2 &&
	    strcmp(argv[1], "states") == 0) {
		rep = ctl_tool_call(sock, json_pack("{s:s}", "cmd", "states"));
		if (jflag)
			ctl_tool_print(json_object_get(rep, "states"));
		else
			states_text(rep);
	} else if (strcmp(argv[0], "bulk") == 0 && argc == 1) {
		rep = ctl_tool_call(sock, json_pack("{s:s}", "cmd", "bulk"));
		printf("bulk update requested\n");
	} else
		usage();
	json_decref(rep);
	return (0);
}
