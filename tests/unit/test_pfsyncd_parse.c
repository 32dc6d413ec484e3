/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * pfsyncd.conf: texts parsed from memory (fmemopen), the fields they give,
 * every error message word for word, includes from files in a scratch
 * directory, the canonical printout and its fixed point, and for each
 * tests/conf/pfsyncd/good-*.conf: its printout equals good-*.out and
 * parses back to the same text.  Then filter.c: which conntrack entries a
 * rule set sends, zone <-> rdomain, and network matching.
 */

#include <sys/socket.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <glob.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ct.h"
#include "pfsyncd.h"

#define NAME		"test.conf"
#define MAXERRS		128
#define GOOD_GLOB	"tests/conf/pfsyncd/good-*.conf"

struct errs {
	char		 e_line[MAXERRS][512];
	int		 e_n;
};

static struct errs	 errs;

static void	 collect(void *, const char *);
static struct pfsyncd_config *parse_text(const char *);
static char	*print_text(const struct pfsyncd_config *, size_t *);
static char	*read_file(const char *, size_t *);
static void	 assert_errors(const char *const *);
static void	 assert_one_error(const char *, const char *);
static struct pfsync_rule *nth_rule(struct pfsyncd_config *, int);
static void	 expect_net(const struct pfsync_net *, int, const char *,
		    int);
static struct ct_state ct(int, uint8_t, const char *, const char *);

static void
collect(void *arg, const char *msg)
{
	struct errs	*e = arg;

	if (e->e_n < MAXERRS)
		(void)snprintf(e->e_line[e->e_n], sizeof(e->e_line[0]), "%s",
		    msg);
	e->e_n++;
}

/* Parses text as the file NAME read from a stream; messages in errs. */
static struct pfsyncd_config *
parse_text(const char *text)
{
	struct pfsyncd_config	*c;
	char			*copy;
	FILE			*f;

	memset(&errs, 0, sizeof(errs));
	copy = strdup(text);
	assert_non_null(copy);
	f = fmemopen(copy, strlen(copy), "r");
	assert_non_null(f);
	c = pfsyncd_parse(f, NAME, collect, &errs);
	(void)fclose(f);
	free(copy);
	return (c);
}

static char *
print_text(const struct pfsyncd_config *c, size_t *len)
{
	char	*buf = NULL;
	FILE	*f;

	f = open_memstream(&buf, len);
	assert_non_null(f);
	pfsyncd_config_print(f, c);
	assert_int_equal(fclose(f), 0);
	return (buf);
}

static char *
read_file(const char *path, size_t *len)
{
	char	*buf = NULL;
	FILE	*f, *out;
	int	 c;

	f = fopen(path, "r");
	if (f == NULL)
		fail_msg("cannot open %s", path);
	out = open_memstream(&buf, len);
	assert_non_null(out);
	while ((c = getc(f)) != EOF)
		(void)putc(c, out);
	(void)fclose(f);
	assert_int_equal(fclose(out), 0);
	return (buf);
}

/* The messages are exactly these, in this order (NULL-terminated). */
static void
assert_errors(const char *const *want)
{
	int	 i;

	for (i = 0; want[i] != NULL; i++) {
		if (i >= errs.e_n)
			fail_msg("missing message %d: %s", i, want[i]);
		assert_string_equal(errs.e_line[i], want[i]);
	}
	if (errs.e_n != i)
		fail_msg("%d messages, want %d; extra: %s", errs.e_n, i,
		    errs.e_line[i]);
}

/* text is refused with exactly this one message. */
static void
assert_one_error(const char *text, const char *msg)
{
	const char	*want[2] = { msg, NULL };

	assert_null(parse_text(text));
	assert_errors(want);
}

static struct pfsync_rule *
nth_rule(struct pfsyncd_config *c, int n)
{
	struct pfsync_rule	*r;

	TAILQ_FOREACH(r, &c->c_rules, r_entry)
		if (n-- == 0)
			return (r);
	fail_msg("no rule %d", n);
	return (NULL);
}

static void
expect_net(const struct pfsync_net *n, int af, const char *s, int plen)
{
	uint8_t	 raw[16];

	memset(raw, 0, sizeof(raw));
	assert_int_equal(n->n_af, af);
	assert_int_equal(inet_pton(af, s, raw), 1);
	assert_memory_equal(n->n_addr, raw, sizeof(raw));
	assert_int_equal(n->n_plen, plen);
}

/* A conntrack entry with the orig tuple src -> dst. */
static struct ct_state
ct(int af, uint8_t proto, const char *src, const char *dst)
{
	struct ct_state	 st;

	memset(&st, 0, sizeof(st));
	st.orig.af = (uint8_t)af;
	st.orig.proto = proto;
	st.orig.sport = htons(40000);
	st.orig.dport = htons(443);
	assert_int_equal(inet_pton(af, src, st.orig.src), 1);
	assert_int_equal(inet_pton(af, dst, st.orig.dst), 1);
	ct_tuple_invert(&st.orig, &st.reply);
	st.status = CT_S_CONFIRMED | CT_S_SEEN_REPLY | CT_S_ASSURED;
	st.timeout = 300;
	return (st);
}

/* ------------------------------------------------------------------ */
/* settings */

static void
test_every_setting_fills_its_field(void **state)
{
	struct pfsyncd_config	*c;
	struct in_addr		 a;

	(void)state;
	c = parse_text(
	    "# a firewall pair\n"
	    "syncdev eth2\n"
	    "syncpeer 198.51.100.2\n"
	    "syncpeer 198.51.100.3\n"
	    "maxupd 64\n"
	    "defer\n"
	    "mtu 9000\n"
	    "hostid 0x5eed0001\n"
	    "carp socket \"/tmp/carpd test.sock\"\n"
	    "carp group fw\n"
	    "accept from 198.51.100.0/24\n"
	    "accept from 203.0.113.7\n"
	    "import limit 5000\n"
	    "netlink buffer 32M\n"
	    "zone 1 rdomain 10\n"
	    "zone 2 rdomain 20\n"
	    "sync\n"
	    "no sync proto udp\n");
	assert_non_null(c);
	assert_int_equal(errs.e_n, 0);
	assert_string_equal(c->c_syncdev, "eth2");
	assert_int_equal(c->c_npeers, 2);
	assert_int_equal(inet_pton(AF_INET, "198.51.100.2", &a), 1);
	assert_int_equal(c->c_peers[0].s_addr, a.s_addr);
	assert_int_equal(inet_pton(AF_INET, "198.51.100.3", &a), 1);
	assert_int_equal(c->c_peers[1].s_addr, a.s_addr);
	assert_int_equal(c->c_maxupd, 64);
	assert_int_equal(c->c_defer, 1);
	assert_int_equal(c->c_mtu, 9000);
	assert_int_equal(c->c_hostid, 0x5eed0001);
	assert_string_equal(c->c_carpsock, "/tmp/carpd test.sock");
	assert_string_equal(c->c_carpgroup, "fw");
	assert_int_equal(c->c_carp, 1);
	assert_int_equal(c->c_naccept, 2);
	expect_net(&c->c_accept[0], AF_INET, "198.51.100.0", 24);
	expect_net(&c->c_accept[1], AF_INET, "203.0.113.7", 32);
	assert_int_equal(c->c_import_limit, 5000);
	assert_int_equal(c->c_nlbuf, 32 * 1024 * 1024);
	assert_int_equal(c->c_nzones, 2);
	assert_int_equal(c->c_zones[0].zm_zone, 1);
	assert_int_equal(c->c_zones[0].zm_rdomain, 10);
	assert_int_equal(c->c_zones[1].zm_zone, 2);
	assert_int_equal(c->c_zones[1].zm_rdomain, 20);
	assert_int_equal(nth_rule(c, 0)->r_sync, 1);
	assert_int_equal(nth_rule(c, 0)->r_line, 17);
	assert_int_equal(nth_rule(c, 1)->r_sync, 0);
	assert_int_equal(nth_rule(c, 1)->r_proto, IPPROTO_UDP);
	assert_null(TAILQ_NEXT(nth_rule(c, 1), r_entry));
	pfsyncd_config_free(c);
}

static void
test_defaults_apply_when_only_syncdev_is_given(void **state)
{
	struct pfsyncd_config	*c;

	(void)state;
	c = parse_text("syncdev eth2\n");
	assert_non_null(c);
	assert_int_equal(errs.e_n, 0);
	assert_int_equal(c->c_npeers, 0);
	assert_int_equal(c->c_naccept, 0);
	assert_int_equal(c->c_maxupd, 128);
	assert_int_equal(c->c_defer, 0);
	assert_int_equal(c->c_mtu, 1500);
	assert_int_equal(c->c_hostid, 0);
	assert_string_equal(c->c_carpsock, "/run/hakit/carpd.sock");
	assert_string_equal(c->c_carpgroup, "carp");
	assert_int_equal(c->c_carp, 1);
	assert_int_equal(c->c_import_limit, 200000);
	assert_int_equal(c->c_nlbuf, 16 * 1024 * 1024);
	assert_int_equal(c->c_nzones, 0);
	assert_true(TAILQ_EMPTY(&c->c_rules));
	pfsyncd_config_free(c);
}

static void
test_defer_takes_on_off_and_no(void **state)
{
	static const struct {
		const char	*text;
		int		 defer;
	} cases[] = {
		{ "syncdev eth2\ndefer\n", 1 },
		{ "syncdev eth2\ndefer on\n", 1 },
		{ "syncdev eth2\ndefer off\n", 0 },
		{ "syncdev eth2\nno defer\n", 0 }
	};
	struct pfsyncd_config	*c;
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		c = parse_text(cases[i].text);
		assert_non_null(c);
		assert_int_equal(errs.e_n, 0);
		assert_int_equal(c->c_defer, cases[i].defer);
		pfsyncd_config_free(c);
	}
	assert_one_error("syncdev eth2\ndefer maybe\n",
	    "test.conf:2: defer expects on or off, got 'maybe'");
}

static void
test_hostid_takes_hex_or_decimal_but_not_zero(void **state)
{
	struct pfsyncd_config	*c;
	static const char *const want[] = {
		"test.conf:1: hostid expects a non-zero 32-bit number, got "
		    "'0'",
		"test.conf:2: hostid given twice",
		"test.conf:4: hostid expects a non-zero 32-bit number, got "
		    "'0x0'",
		"test.conf:5: hostid expects a non-zero 32-bit number, got "
		    "'0x100000000'",
		"test.conf:6: hostid expects a non-zero 32-bit number, got "
		    "'4294967296'",
		"test.conf:7: hostid expects a non-zero 32-bit number, got "
		    "'-1'",
		"test.conf:8: hostid expects a non-zero 32-bit number, got "
		    "'0xgg'",
		NULL
	};

	(void)state;
	c = parse_text("syncdev eth2\nhostid 4294967295\n");
	assert_non_null(c);
	assert_int_equal(c->c_hostid, 0xffffffffU);
	pfsyncd_config_free(c);
	c = parse_text("syncdev eth2\nhostid 0X5EED0001\n");
	assert_non_null(c);
	assert_int_equal(c->c_hostid, 0x5eed0001);
	pfsyncd_config_free(c);

	assert_null(parse_text("hostid 0\nhostid 1\nsyncdev eth2\n"
	    "x = 0x0\nhostid $x\n"));
	/* Each further hostid line is "given twice" once the first is in:
	 * check the messages of single lines instead. */
	assert_int_equal(errs.e_n, 3);
	assert_string_equal(errs.e_line[0], want[0]);
	assert_string_equal(errs.e_line[1], want[1]);
	assert_one_error("syncdev eth2\n\n\nhostid 0x0\n", want[2]);
	assert_one_error("syncdev eth2\n\n\n\nhostid 0x100000000\n", want[3]);
	assert_one_error("syncdev eth2\n\n\n\n\nhostid 4294967296\n", want[4]);
	assert_one_error("syncdev eth2\n\n\n\n\n\nhostid -1\n", want[5]);
	assert_one_error("syncdev eth2\n\n\n\n\n\n\nhostid 0xgg\n", want[6]);
}

static void
test_out_of_range_values_name_the_value(void **state)
{
	static const char *const want[] = {
		"test.conf:2: maxupd expects 1-255, got '0'",
		"test.conf:3: mtu expects 576-9000, got '575'",
		"test.conf:4: import limit expects 1-10000000, got 'many'",
		"test.conf:5: netlink buffer expects 64K-1024M, got '63K'",
		NULL
	};
	static const char *const want2[] = {
		"test.conf:2: maxupd expects 1-255, got '256'",
		"test.conf:3: mtu expects 576-9000, got '9001'",
		"test.conf:4: import limit expects 1-10000000, got '0'",
		"test.conf:5: netlink buffer expects 64K-1024M, got '1025M'",
		NULL
	};
	struct pfsyncd_config	*c;

	(void)state;
	assert_null(parse_text("syncdev eth2\nmaxupd 0\nmtu 575\n"
	    "import limit many\nnetlink buffer 63K\n"));
	assert_errors(want);
	assert_null(parse_text("syncdev eth2\nmaxupd 256\nmtu 9001\n"
	    "import limit 0\nnetlink buffer 1025M\n"));
	assert_errors(want2);
	assert_one_error("syncdev eth2\nnetlink buffer 16G\n",
	    "test.conf:2: netlink buffer expects 64K-1024M, got '16G'");
	assert_one_error("syncdev eth2\nnetlink buffer 99999999999M\n",
	    "test.conf:2: netlink buffer expects 64K-1024M, got "
	    "'99999999999M'");

	c = parse_text("syncdev eth2\nmaxupd 255\nmtu 576\n"
	    "import limit 10000000\nnetlink buffer 65536\n");
	assert_non_null(c);
	assert_int_equal(c->c_maxupd, 255);
	assert_int_equal(c->c_mtu, 576);
	assert_int_equal(c->c_import_limit, 10000000);
	assert_int_equal(c->c_nlbuf, 65536);
	pfsyncd_config_free(c);
	c = parse_text("syncdev eth2\nmaxupd 1\nnetlink buffer 1024m\n");
	assert_non_null(c);
	assert_int_equal(c->c_maxupd, 1);
	assert_int_equal(c->c_nlbuf, 1024U * 1024 * 1024);
	pfsyncd_config_free(c);
	c = parse_text("syncdev eth2\nnetlink buffer 100k\n");
	assert_non_null(c);
	assert_int_equal(c->c_nlbuf, 100 * 1024);
	pfsyncd_config_free(c);
}

static void
test_syncdev_is_required_and_checked(void **state)
{
	static const char *const want[] = {
		"test.conf:1: syncdev 'averyveryverylongname' is longer than "
		    "15 characters",
		"test.conf:2: syncdev given twice",
		NULL
	};

	(void)state;
	assert_one_error("", "test.conf: no syncdev given");
	assert_one_error("# nothing\nmaxupd 1\n",
	    "test.conf: no syncdev given");
	assert_null(parse_text("syncdev averyveryverylongname\n"
	    "syncdev eth2\n"));
	assert_errors(want);
	assert_one_error("syncdev \"eth 2\"\n",
	    "test.conf:1: syncdev expects an interface name, got 'eth 2'");
	assert_one_error("syncdev ..\n",
	    "test.conf:1: syncdev expects an interface name, got '..'");
}

static void
test_syncpeer_must_be_unicast_ipv4_and_at_most_eight(void **state)
{
	static const char *const want[] = {
		"test.conf:2: syncpeer expects an IPv4 unicast address, got "
		    "'0.0.0.0'",
		"test.conf:3: syncpeer expects an IPv4 unicast address, got "
		    "'255.255.255.255'",
		"test.conf:4: syncpeer expects an IPv4 unicast address, got "
		    "'224.0.0.240'",
		"test.conf:5: syncpeer expects an IPv4 unicast address, got "
		    "'239.1.2.3'",
		"test.conf:6: syncpeer expects an IPv4 unicast address, got "
		    "'2001:db8::2'",
		"test.conf:7: syncpeer expects an IPv4 unicast address, got "
		    "'198.51.100.0/24'",
		"test.conf:8: syncpeer expects an IPv4 unicast address, got "
		    "'peer'",
		"test.conf:10: syncpeer 198.51.100.2 given twice",
		NULL
	};
	char	 text[1024];
	size_t	 off;
	int	 i;

	(void)state;
	assert_null(parse_text("syncdev eth2\nsyncpeer 0.0.0.0\n"
	    "syncpeer 255.255.255.255\nsyncpeer 224.0.0.240\n"
	    "syncpeer 239.1.2.3\nsyncpeer 2001:db8::2\n"
	    "syncpeer 198.51.100.0/24\nsyncpeer peer\n"
	    "syncpeer 198.51.100.2\nsyncpeer 198.51.100.2\n"));
	assert_errors(want);

	off = (size_t)snprintf(text, sizeof(text), "syncdev eth2\n");
	for (i = 1; i <= PFSYNCD_MAXPEERS + 2; i++)
		off += (size_t)snprintf(text + off, sizeof(text) - off,
		    "syncpeer 198.51.100.%d\n", i);
	assert_one_error(text, "test.conf:10: more than 8 syncpeers");
}

static void
test_settings_given_twice_are_errors(void **state)
{
	static const char *const want[] = {
		"test.conf:3: maxupd given twice",
		"test.conf:5: defer given twice",
		"test.conf:7: mtu given twice",
		"test.conf:9: carp socket given twice",
		"test.conf:11: carp group given twice",
		"test.conf:13: import limit given twice",
		"test.conf:15: netlink buffer given twice",
		"test.conf:17: no carp given twice",
		"test.conf:8: carp socket given with no carp",
		"test.conf:10: carp group given with no carp",
		NULL
	};

	(void)state;
	assert_null(parse_text("syncdev eth2\n"
	    "maxupd 1\nmaxupd 2\n"
	    "defer\nno defer\n"
	    "mtu 1500\nmtu 1500\n"
	    "carp socket /a\ncarp socket /b\n"
	    "carp group a\ncarp group b\n"
	    "import limit 1\nimport limit 2\n"
	    "netlink buffer 1M\nnetlink buffer 2M\n"
	    "no carp\nno carp\n"));
	assert_errors(want);
}

static void
test_carp_group_and_socket_are_checked(void **state)
{
	struct pfsyncd_config	*c;
	char			 text[512];

	(void)state;
	assert_one_error("syncdev eth2\ncarp group fw1\n",
	    "test.conf:2: carp group expects a group name not ending in a "
	    "digit, got 'fw1'");
	assert_one_error("syncdev eth2\ncarp socket \"\"\n",
	    "test.conf:2: carp socket: empty path");
	(void)snprintf(text, sizeof(text), "syncdev eth2\ncarp socket "
	    "/%0108d\n", 0);
	assert_one_error(text, "test.conf:2: carp socket: path longer than "
	    "107 bytes");

	c = parse_text("no carp\nsyncdev eth2\n");
	assert_non_null(c);
	assert_int_equal(c->c_carp, 0);
	pfsyncd_config_free(c);
}

static void
test_accept_from_takes_ipv4_networks_once_each(void **state)
{
	struct pfsyncd_config	*c;
	static const char *const want[] = {
		"test.conf:2: accept from expects an IPv4 address or network, "
		    "got '2001:db8::/32'",
		"test.conf:3: accept from 192.0.2.0/33: bad prefix length",
		"test.conf:4: accept from peer: not an IPv4 or IPv6 address",
		"test.conf:6: accept from 198.51.100.0/24 given twice",
		NULL
	};
	char	 text[2048];
	size_t	 off;
	int	 i;

	(void)state;
	assert_null(parse_text("syncdev eth2\naccept from 2001:db8::/32\n"
	    "accept from 192.0.2.0/33\naccept from peer\n"
	    "accept from 198.51.100.0/24\naccept from 198.51.100.9/24\n"));
	assert_errors(want);

	/* Host bits past the prefix are dropped, as pf does. */
	c = parse_text("syncdev eth2\naccept from 198.51.100.130/25\n"
	    "accept from 0.0.0.0/0\n");
	assert_non_null(c);
	expect_net(&c->c_accept[0], AF_INET, "198.51.100.128", 25);
	expect_net(&c->c_accept[1], AF_INET, "0.0.0.0", 0);
	pfsyncd_config_free(c);

	off = (size_t)snprintf(text, sizeof(text), "syncdev eth2\n");
	for (i = 1; i <= PFSYNCD_MAXACCEPT + 2; i++)
		off += (size_t)snprintf(text + off, sizeof(text) - off,
		    "accept from 203.0.113.%d\n", i);
	assert_one_error(text, "test.conf:18: more than 16 accept from "
	    "entries");
}

static void
test_zone_map_is_one_to_one_and_limited(void **state)
{
	static const char *const want[] = {
		"test.conf:3: zone 1 mapped twice",
		"test.conf:4: rdomain 10 mapped twice",
		"test.conf:5: zone expects 0-65535, got '65536'",
		"test.conf:5: rdomain expects 0-65535, got 'x'",
		"test.conf:6: rdomain expects 0-65535, got '-1'",
		NULL
	};
	char	 text[2048];
	size_t	 off;
	int	 i;

	(void)state;
	assert_null(parse_text("syncdev eth2\nzone 1 rdomain 10\n"
	    "zone 1 rdomain 11\nzone 2 rdomain 10\nzone 65536 rdomain x\n"
	    "zone 3 rdomain -1\n"));
	assert_errors(want);

	off = (size_t)snprintf(text, sizeof(text), "syncdev eth2\n");
	for (i = 1; i <= PFSYNCD_MAXZONES + 2; i++)
		off += (size_t)snprintf(text + off, sizeof(text) - off,
		    "zone %d rdomain %d\n", i, i + 100);
	assert_one_error(text, "test.conf:18: more than 16 zone maps");
}

/* ------------------------------------------------------------------ */
/* sync rules */

static void
test_sync_rules_fill_every_option(void **state)
{
	struct pfsyncd_config	*c;
	struct pfsync_rule	*r;

	(void)state;
	c = parse_text("syncdev eth2\n"
	    "no sync\n"
	    "sync proto tcp inet from 192.0.2.0/24 to 198.51.100.7 zone 3 "
	    "mark 0x10/0xf0\n"
	    "sync proto 89 inet6 from 2001:db8:1::/48 to 2001:db8::1/128 "
	    "mark 7\n"
	    "no sync to 203.0.113.0/28 proto icmp6\n");
	assert_non_null(c);
	assert_int_equal(errs.e_n, 0);

	r = nth_rule(c, 0);
	assert_int_equal(r->r_sync, 0);
	assert_int_equal(r->r_line, 2);
	assert_int_equal(r->r_proto, 0);
	assert_int_equal(r->r_af, 0);
	assert_int_equal(r->r_has_from, 0);
	assert_int_equal(r->r_has_to, 0);
	assert_int_equal(r->r_zone, -1);
	assert_int_equal(r->r_has_mark, 0);

	r = nth_rule(c, 1);
	assert_int_equal(r->r_sync, 1);
	assert_int_equal(r->r_proto, IPPROTO_TCP);
	assert_int_equal(r->r_af, AF_INET);
	assert_int_equal(r->r_has_from, 1);
	expect_net(&r->r_from, AF_INET, "192.0.2.0", 24);
	assert_int_equal(r->r_has_to, 1);
	expect_net(&r->r_to, AF_INET, "198.51.100.7", 32);
	assert_int_equal(r->r_zone, 3);
	assert_int_equal(r->r_has_mark, 1);
	assert_int_equal(r->r_mark, 0x10);
	assert_int_equal(r->r_markmask, 0xf0);

	r = nth_rule(c, 2);
	assert_int_equal(r->r_proto, 89);
	assert_int_equal(r->r_af, AF_INET6);
	expect_net(&r->r_from, AF_INET6, "2001:db8:1::", 48);
	expect_net(&r->r_to, AF_INET6, "2001:db8::1", 128);
	assert_int_equal(r->r_mark, 7);
	assert_int_equal(r->r_markmask, 0xffffffffU);

	r = nth_rule(c, 3);
	assert_int_equal(r->r_sync, 0);
	assert_int_equal(r->r_proto, IPPROTO_ICMPV6);
	expect_net(&r->r_to, AF_INET, "203.0.113.0", 28);
	pfsyncd_config_free(c);
}

static void
test_every_protocol_name_is_known(void **state)
{
	static const struct {
		const char	*name;
		uint8_t		 proto;
	} names[] = {
		{ "tcp", 6 }, { "udp", 17 }, { "sctp", 132 },
		{ "udplite", 136 }, { "dccp", 33 }, { "gre", 47 },
		{ "icmp", 1 }, { "icmp6", 58 }, { "esp", 50 }, { "ah", 51 }
	};
	struct pfsyncd_config	*c;
	char			 text[128];
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		(void)snprintf(text, sizeof(text), "syncdev eth2\n"
		    "sync proto %s\n", names[i].name);
		c = parse_text(text);
		assert_non_null(c);
		assert_int_equal(nth_rule(c, 0)->r_proto, names[i].proto);
		pfsyncd_config_free(c);
	}
}

static void
test_bad_rule_options_are_reported(void **state)
{
	static const char *const want[] = {
		"test.conf:2: sync: unknown protocol 'tcpp'",
		"test.conf:3: proto expects 1-255, got '0'",
		"test.conf:4: proto expects 1-255, got '256'",
		"test.conf:5: from 192.0.2.0/33: bad prefix length",
		"test.conf:6: to 2001:db8::/129: bad prefix length",
		"test.conf:7: from 192.0.2.0/: bad prefix length",
		"test.conf:8: to nowhere: not an IPv4 or IPv6 address",
		"test.conf:9: zone expects 0-65535, got '70000'",
		"test.conf:10: no sync: proto given twice",
		"test.conf:11: sync: from given twice",
		"test.conf:12: sync: address family given twice",
		NULL
	};

	(void)state;
	assert_null(parse_text("syncdev eth2\n"
	    "sync proto tcpp\n"
	    "sync proto 0\n"
	    "sync proto 256\n"
	    "sync from 192.0.2.0/33\n"
	    "sync to 2001:db8::/129\n"
	    "sync from 192.0.2.0/\n"
	    "sync to nowhere\n"
	    "sync zone 70000\n"
	    "no sync proto tcp proto udp\n"
	    "sync from 192.0.2.1 from 192.0.2.2\n"
	    "sync inet inet6\n"));
	assert_errors(want);
}

static void
test_mark_syntax_is_checked(void **state)
{
	static const char *const want[] = {
		"test.conf:2: mark expects VALUE or VALUE/MASK, 32-bit "
		    "numbers, got 'red'",
		"test.conf:3: mark expects VALUE or VALUE/MASK, 32-bit "
		    "numbers, got '1/'",
		"test.conf:4: mark expects VALUE or VALUE/MASK, 32-bit "
		    "numbers, got '/0xff'",
		"test.conf:5: mark expects VALUE or VALUE/MASK, 32-bit "
		    "numbers, got '0x1/0xff/0'",
		"test.conf:6: mark expects VALUE or VALUE/MASK, 32-bit "
		    "numbers, got '4294967296'",
		"test.conf:7: mark expects VALUE or VALUE/MASK, 32-bit "
		    "numbers, got '-1'",
		"test.conf:8: mark 0x100/0xff: the value has bits outside "
		    "the mask",
		"test.conf:9: mark 0/0: the mask is 0",
		"test.conf:10: no sync: mark given twice",
		NULL
	};
	struct pfsyncd_config	*c;

	(void)state;
	assert_null(parse_text("syncdev eth2\n"
	    "sync mark red\n"
	    "sync mark 1/\n"
	    "sync mark /0xff\n"
	    "sync mark 0x1/0xff/0\n"
	    "sync mark 4294967296\n"
	    "sync mark -1\n"
	    "sync mark 0x100/0xff\n"
	    "sync mark 0/0\n"
	    "no sync mark 1 mark 2\n"));
	assert_errors(want);

	c = parse_text("syncdev eth2\nno sync mark 4294967295/0xFFFFFFFF\n"
	    "sync mark 0/1\n");
	assert_non_null(c);
	assert_int_equal(nth_rule(c, 0)->r_mark, 0xffffffffU);
	assert_int_equal(nth_rule(c, 0)->r_markmask, 0xffffffffU);
	assert_int_equal(nth_rule(c, 1)->r_mark, 0);
	assert_int_equal(nth_rule(c, 1)->r_markmask, 1);
	pfsyncd_config_free(c);
}

static void
test_rule_address_families_must_agree(void **state)
{
	static const char *const want[] = {
		"test.conf:2: sync: from 192.0.2.0/24 is not inet6",
		"test.conf:3: no sync: to 2001:db8::/32 is not inet",
		"test.conf:4: sync: from 192.0.2.0/24 and to 2001:db8::/32 "
		    "are of different address families",
		NULL
	};

	(void)state;
	assert_null(parse_text("syncdev eth2\n"
	    "sync inet6 from 192.0.2.0/24\n"
	    "no sync to 2001:db8::/32 inet\n"
	    "sync from 192.0.2.0/24 to 2001:db8::/32\n"));
	assert_errors(want);
}

/* ------------------------------------------------------------------ */
/* syntax, macros, includes */

static void
test_unknown_keywords_are_syntax_errors_with_their_line(void **state)
{
	static const char *const want[] = {
		"test.conf:2: syntax error near '5'",
		"test.conf:3: syntax error at end of line",
		"test.conf:4: syntax error at end of line",
		"test.conf:5: syntax error near '9000'",
		"test.conf:6: syntax error near 'rdomain'",
		"test.conf:7: syntax error near 'sync'",
		"test.conf:8: syntax error near 'syncdev'",
		"test.conf:9: macro 'nope' not defined",
		"test.conf:10: unterminated quoted string",
		NULL
	};

	(void)state;
	assert_null(parse_text("syncdev eth2\n"
	    "maxupdate 5\n"
	    "syncpeer\n"
	    "carp\n"
	    "mtu 1500 9000\n"
	    "sync zone 1 rdomain 2\n"
	    "no sync sync\n"
	    "no syncdev\n"
	    "syncpeer $nope\n"
	    "carp socket \"/run/x\n"));
	assert_errors(want);
}

static void
test_macros_expand_where_a_value_is_expected(void **state)
{
	struct pfsyncd_config	*c;

	(void)state;
	c = parse_text("dev = \"eth9\"\npeer = 198.51.100.2\n"
	    "lan = \"192.0.2.0/24\"\nopts = \"proto tcp from $lan\"\n"
	    "syncdev $dev\nsyncpeer $peer\nsync $opts\n");
	/* a macro's text is not expanded again: "$lan" stays a word */
	assert_null(c);
	assert_int_equal(errs.e_n, 1);
	assert_string_equal(errs.e_line[0], "test.conf:7: from $lan: not an "
	    "IPv4 or IPv6 address");

	c = parse_text("dev = \"eth9\"\npeer = 198.51.100.2\n"
	    "opts = \"proto tcp from 192.0.2.0/24\"\n"
	    "syncdev $dev\nsyncpeer $peer\nno sync $opts\n");
	assert_non_null(c);
	assert_int_equal(errs.e_n, 0);
	assert_string_equal(c->c_syncdev, "eth9");
	assert_int_equal(c->c_npeers, 1);
	assert_int_equal(nth_rule(c, 0)->r_proto, IPPROTO_TCP);
	assert_int_equal(nth_rule(c, 0)->r_has_from, 1);
	pfsyncd_config_free(c);
}

static void
test_include_is_refused_from_a_stream(void **state)
{
	static const char *const want[] = {
		"test.conf:1: include \"/etc/passwd\": includes are only "
		    "allowed in a configuration read from a file",
		NULL
	};

	(void)state;
	assert_null(parse_text("include \"/etc/passwd\"\nsyncdev eth2\n"));
	assert_errors(want);
}

static void
test_include_reads_files_relative_to_the_includer(void **state)
{
	char			 dir[] = "/tmp/test_pfsyncd_parse.XXXXXX";
	char			 path[256], sub[256], want[1024];
	struct pfsyncd_config	*c;
	FILE			*f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	(void)snprintf(sub, sizeof(sub), "%s/sub", dir);
	assert_int_equal(mkdir(sub, 0700), 0);

	(void)snprintf(path, sizeof(path), "%s/sub/peers.conf", dir);
	assert_non_null(f = fopen(path, "w"));
	(void)fputs("dev = \"eth7\"\nsyncpeer 198.51.100.9", f);
	(void)fclose(f);
	(void)snprintf(path, sizeof(path), "%s/main.conf", dir);
	assert_non_null(f = fopen(path, "w"));
	(void)fputs("include \"sub/peers.conf\"\nsyncdev $dev\nmtu 70\n", f);
	(void)fclose(f);

	memset(&errs, 0, sizeof(errs));
	assert_null(pfsyncd_parse_file(path, collect, &errs));
	(void)snprintf(want, sizeof(want), "%s:3: mtu expects 576-9000, got "
	    "'70'", path);
	assert_int_equal(errs.e_n, 1);
	assert_string_equal(errs.e_line[0], want);

	assert_non_null(f = fopen(path, "w"));
	(void)fputs("include \"sub/peers.conf\"\nsyncdev $dev\n", f);
	(void)fclose(f);
	memset(&errs, 0, sizeof(errs));
	c = pfsyncd_parse_file(path, collect, &errs);
	assert_non_null(c);
	assert_int_equal(errs.e_n, 0);
	assert_string_equal(c->c_syncdev, "eth7");
	assert_int_equal(c->c_npeers, 1);
	pfsyncd_config_free(c);

	/* A file that cannot be read says so, and nothing more. */
	(void)snprintf(path, sizeof(path), "%s/none.conf", dir);
	memset(&errs, 0, sizeof(errs));
	assert_null(pfsyncd_parse_file(path, collect, &errs));
	(void)snprintf(want, sizeof(want), "%s: No such file or directory",
	    path);
	assert_int_equal(errs.e_n, 1);
	assert_string_equal(errs.e_line[0], want);

	(void)snprintf(path, sizeof(path), "%s/sub/peers.conf", dir);
	(void)unlink(path);
	(void)snprintf(path, sizeof(path), "%s/main.conf", dir);
	(void)unlink(path);
	(void)rmdir(sub);
	(void)rmdir(dir);
}

static void
test_nul_byte_is_refused(void **state)
{
	static const char *const want[] = {
		"test.conf:2: NUL byte in input",
		NULL
	};
	static const char text[] = "syncdev eth2\nmaxupd 4\0 garbage\n";
	struct pfsyncd_config	*c;
	char			 buf[sizeof(text)];
	FILE			*f;

	(void)state;
	memset(&errs, 0, sizeof(errs));
	memcpy(buf, text, sizeof(text));
	f = fmemopen(buf, sizeof(text) - 1, "r");
	assert_non_null(f);
	c = pfsyncd_parse(f, NAME, collect, &errs);
	(void)fclose(f);
	assert_null(c);
	assert_errors(want);
}

/* ------------------------------------------------------------------ */
/* printing */

static void
test_print_shows_every_default(void **state)
{
	struct pfsyncd_config	*c;
	char			*out;
	size_t			 len;
	static const char	 want[] =
	    "syncdev eth2\n"
	    "maxupd 128\n"
	    "no defer\n"
	    "mtu 1500\n"
	    "# hostid: random at each start\n"
	    "\n"
	    "carp socket \"/run/hakit/carpd.sock\"\n"
	    "carp group carp\n"
	    "\n"
	    "# accept from: any host on the syncdev\n"
	    "import limit 200000\n"
	    "netlink buffer 16M\n";

	(void)state;
	c = parse_text("syncdev eth2\n");
	assert_non_null(c);
	out = print_text(c, &len);
	assert_string_equal(out, want);
	assert_int_equal(len, strlen(want));
	free(out);
	pfsyncd_config_free(c);
}

static void
test_print_is_canonical_and_a_fixed_point(void **state)
{
	struct pfsyncd_config	*c;
	char			*out, *out2;
	size_t			 len, len2;
	static const char	 want[] =
	    "syncdev \"sync\"\n"
	    "syncpeer 198.51.100.2\n"
	    "maxupd 7\n"
	    "defer\n"
	    "mtu 9000\n"
	    "hostid 0x0000002a\n"
	    "\n"
	    "no carp\n"
	    "\n"
	    "# accept from: the syncpeers\n"
	    "import limit 1\n"
	    "netlink buffer 100K\n"
	    "\n"
	    "zone 5 rdomain 0\n"
	    "zone 0 rdomain 5\n"
	    "\n"
	    "no sync\n"
	    "sync proto tcp inet from 192.0.2.0/24 to 198.51.100.7/32 zone 3 "
	    "mark 0x10/0xf0\n"
	    "sync proto 89 inet6 from 2001:db8:1::/48 mark 0xffffffff\n"
	    "no sync proto icmp6 to ::/0\n";

	(void)state;
	c = parse_text("syncdev \"sync\"  # a keyword, so quoted\n"
	    "syncpeer 198.51.100.2\nmaxupd 7\ndefer on\nmtu 9000\n"
	    "hostid 42\nno carp\nimport limit 1\n"
	    "netlink buffer 102400\nzone 5 rdomain 0\nzone 0 rdomain 5\n"
	    "no sync\n"
	    "sync mark 16/0xf0 zone 3 to 198.51.100.7 from 192.0.2.1/24 "
	    "inet proto 6\n"
	    "sync inet6 proto 89 from 2001:db8:1:2::/48 mark 0xffffffff/"
	    "4294967295\n"
	    "no sync to ::/0 proto 58\n");
	assert_non_null(c);
	assert_int_equal(errs.e_n, 0);
	out = print_text(c, &len);
	assert_string_equal(out, want);
	pfsyncd_config_free(c);

	c = parse_text(out);
	assert_non_null(c);
	assert_int_equal(errs.e_n, 0);
	out2 = print_text(c, &len2);
	assert_int_equal(len, len2);
	assert_string_equal(out, out2);
	free(out);
	free(out2);
	pfsyncd_config_free(c);
}

/* Each good file: printout == .out, and the printout is a fixed point. */
static void
test_good_files_print_their_out_and_reparse_identically(void **state)
{
	struct pfsyncd_config	*c;
	glob_t			 g;
	char			 outpath[PATH_MAX], *want, *p1, *p2;
	size_t			 i, wlen, l1, l2;
	FILE			*f;

	(void)state;
	assert_int_equal(glob(GOOD_GLOB, 0, NULL, &g), 0);
	assert_true(g.gl_pathc >= 5);
	for (i = 0; i < g.gl_pathc; i++) {
		memset(&errs, 0, sizeof(errs));
		c = pfsyncd_parse_file(g.gl_pathv[i], collect, &errs);
		if (c == NULL)
			fail_msg("%s: %s", g.gl_pathv[i], errs.e_line[0]);
		p1 = print_text(c, &l1);
		pfsyncd_config_free(c);

		(void)snprintf(outpath, sizeof(outpath), "%.*s.out",
		    (int)(strlen(g.gl_pathv[i]) - 5), g.gl_pathv[i]);
		want = read_file(outpath, &wlen);
		if (wlen != l1 || memcmp(want, p1, l1) != 0)
			fail_msg("%s: printout differs from %s:\n%s",
			    g.gl_pathv[i], outpath, p1);
		free(want);

		memset(&errs, 0, sizeof(errs));
		f = fmemopen(p1, l1, "r");
		assert_non_null(f);
		c = pfsyncd_parse(f, "printout", collect, &errs);
		(void)fclose(f);
		if (c == NULL)
			fail_msg("%s: printout: %s", g.gl_pathv[i],
			    errs.e_line[0]);
		p2 = print_text(c, &l2);
		pfsyncd_config_free(c);
		assert_int_equal(l1, l2);
		assert_memory_equal(p1, p2, l1);
		free(p1);
		free(p2);
	}
	globfree(&g);
}

/* ------------------------------------------------------------------ */
/* filter.c */

static void
test_everything_is_synced_without_rules(void **state)
{
	struct pfsyncd_config	*c;
	struct ct_state		 st;

	(void)state;
	c = parse_text("syncdev eth2\n");
	assert_non_null(c);
	st = ct(AF_INET, IPPROTO_TCP, "192.0.2.1", "198.51.100.7");
	assert_int_equal(pfsyncd_filter(c, &st), 1);
	st = ct(AF_INET6, IPPROTO_UDP, "2001:db8::1", "2001:db8::2");
	assert_int_equal(pfsyncd_filter(c, &st), 1);
	pfsyncd_config_free(c);
}

static void
test_last_matching_rule_wins(void **state)
{
	struct pfsyncd_config	*c;
	struct ct_state		 st;

	(void)state;
	c = parse_text("syncdev eth2\n"
	    "no sync\n"
	    "sync proto tcp\n"
	    "no sync proto tcp to 198.51.100.0/24\n"
	    "sync to 198.51.100.7\n");
	assert_non_null(c);
	/* no sync, sync tcp */
	st = ct(AF_INET, IPPROTO_TCP, "192.0.2.1", "203.0.113.1");
	assert_int_equal(pfsyncd_filter(c, &st), 1);
	/* no sync only */
	st = ct(AF_INET, IPPROTO_UDP, "192.0.2.1", "203.0.113.1");
	assert_int_equal(pfsyncd_filter(c, &st), 0);
	/* ... no sync tcp to 198.51.100.0/24 */
	st = ct(AF_INET, IPPROTO_TCP, "192.0.2.1", "198.51.100.8");
	assert_int_equal(pfsyncd_filter(c, &st), 0);
	/* ... sync to 198.51.100.7, last */
	st = ct(AF_INET, IPPROTO_TCP, "192.0.2.1", "198.51.100.7");
	assert_int_equal(pfsyncd_filter(c, &st), 1);
	st = ct(AF_INET, IPPROTO_UDP, "192.0.2.1", "198.51.100.7");
	assert_int_equal(pfsyncd_filter(c, &st), 1);
	pfsyncd_config_free(c);
}

static void
test_rules_match_the_orig_tuple_only(void **state)
{
	struct pfsyncd_config	*c;
	struct ct_state		 st;

	(void)state;
	c = parse_text("syncdev eth2\nno sync from 192.0.2.0/24\n");
	assert_non_null(c);
	st = ct(AF_INET, IPPROTO_TCP, "192.0.2.200", "198.51.100.7");
	assert_int_equal(pfsyncd_filter(c, &st), 0);
	/* the reply comes from 192.0.2.x, the orig does not */
	st = ct(AF_INET, IPPROTO_TCP, "198.51.100.7", "192.0.2.200");
	assert_int_equal(pfsyncd_filter(c, &st), 1);
	/* DNAT: the reply's source is in 192.0.2.0/24, orig is not */
	st = ct(AF_INET, IPPROTO_TCP, "203.0.113.9", "198.51.100.7");
	assert_int_equal(inet_pton(AF_INET, "192.0.2.80", st.reply.src), 1);
	st.status |= CT_S_DST_NAT;
	assert_int_equal(pfsyncd_filter(c, &st), 1);
	pfsyncd_config_free(c);
}

static void
test_rules_match_family_zone_and_masked_mark(void **state)
{
	struct pfsyncd_config	*c;
	struct ct_state		 st;

	(void)state;
	c = parse_text("syncdev eth2\n"
	    "no sync inet6\n"
	    "no sync zone 7\n"
	    "no sync mark 0x100/0xf00\n"
	    "no sync proto sctp\n");
	assert_non_null(c);
	st = ct(AF_INET, IPPROTO_TCP, "192.0.2.1", "198.51.100.7");
	assert_int_equal(pfsyncd_filter(c, &st), 1);
	st = ct(AF_INET6, IPPROTO_TCP, "2001:db8::1", "2001:db8::2");
	assert_int_equal(pfsyncd_filter(c, &st), 0);

	st = ct(AF_INET, IPPROTO_TCP, "192.0.2.1", "198.51.100.7");
	st.zone = 7;
	assert_int_equal(pfsyncd_filter(c, &st), 0);
	st.zone = 6;
	assert_int_equal(pfsyncd_filter(c, &st), 1);

	st.zone = 0;
	st.mark = 0x1ff;
	assert_int_equal(pfsyncd_filter(c, &st), 0);
	st.mark = 0x200;
	assert_int_equal(pfsyncd_filter(c, &st), 1);
	st.mark = 0x100;
	assert_int_equal(pfsyncd_filter(c, &st), 0);
	st.mark = 0xfffff0ff;
	assert_int_equal(pfsyncd_filter(c, &st), 1);

	st.mark = 0;
	st.orig.proto = IPPROTO_SCTP;
	assert_int_equal(pfsyncd_filter(c, &st), 0);
	pfsyncd_config_free(c);
}

static void
test_exact_mark_without_mask_compares_all_bits(void **state)
{
	struct pfsyncd_config	*c;
	struct ct_state		 st;

	(void)state;
	c = parse_text("syncdev eth2\nno sync\nsync mark 1\n");
	assert_non_null(c);
	st = ct(AF_INET, IPPROTO_UDP, "192.0.2.1", "198.51.100.7");
	st.mark = 1;
	assert_int_equal(pfsyncd_filter(c, &st), 1);
	st.mark = 0x101;
	assert_int_equal(pfsyncd_filter(c, &st), 0);
	st.mark = 0;
	assert_int_equal(pfsyncd_filter(c, &st), 0);
	pfsyncd_config_free(c);
}

static void
test_zone_map_works_both_ways_and_identity_elsewhere(void **state)
{
	struct pfsyncd_config	*c;

	(void)state;
	c = parse_text("syncdev eth2\nzone 1 rdomain 10\nzone 10 rdomain 1\n"
	    "zone 65535 rdomain 0\n");
	assert_non_null(c);
	assert_int_equal(pfsyncd_zone_to_rdomain(c, 1), 10);
	assert_int_equal(pfsyncd_zone_to_rdomain(c, 10), 1);
	assert_int_equal(pfsyncd_zone_to_rdomain(c, 65535), 0);
	assert_int_equal(pfsyncd_zone_to_rdomain(c, 0), 0);
	assert_int_equal(pfsyncd_zone_to_rdomain(c, 2), 2);
	assert_int_equal(pfsyncd_rdomain_to_zone(c, 10), 1);
	assert_int_equal(pfsyncd_rdomain_to_zone(c, 1), 10);
	assert_int_equal(pfsyncd_rdomain_to_zone(c, 0), 65535);
	assert_int_equal(pfsyncd_rdomain_to_zone(c, 2), 2);
	assert_int_equal(pfsyncd_rdomain_to_zone(c, 300), 300);
	pfsyncd_config_free(c);
}

static void
test_net_match_honours_prefix_bits_and_family(void **state)
{
	struct pfsync_net	 n;
	uint8_t			 a[16];

	(void)state;
	memset(&n, 0, sizeof(n));
	n.n_af = AF_INET;
	n.n_plen = 25;
	assert_int_equal(inet_pton(AF_INET, "192.0.2.128", n.n_addr), 1);
	assert_int_equal(inet_pton(AF_INET, "192.0.2.255", a), 1);
	assert_int_equal(pfsync_net_match(&n, AF_INET, a), 1);
	assert_int_equal(inet_pton(AF_INET, "192.0.2.127", a), 1);
	assert_int_equal(pfsync_net_match(&n, AF_INET, a), 0);
	assert_int_equal(pfsync_net_match(&n, AF_INET6, a), 0);

	n.n_plen = 0;
	assert_int_equal(pfsync_net_match(&n, AF_INET, a), 1);
	n.n_plen = 32;
	assert_int_equal(inet_pton(AF_INET, "192.0.2.128", a), 1);
	assert_int_equal(pfsync_net_match(&n, AF_INET, a), 1);
	a[3] = 129;
	assert_int_equal(pfsync_net_match(&n, AF_INET, a), 0);

	memset(&n, 0, sizeof(n));
	n.n_af = AF_INET6;
	n.n_plen = 33;
	assert_int_equal(inet_pton(AF_INET6, "2001:db8:8000::", n.n_addr), 1);
	assert_int_equal(inet_pton(AF_INET6, "2001:db8:ffff::1", a), 1);
	assert_int_equal(pfsync_net_match(&n, AF_INET6, a), 1);
	assert_int_equal(inet_pton(AF_INET6, "2001:db8:7fff::1", a), 1);
	assert_int_equal(pfsync_net_match(&n, AF_INET6, a), 0);
	n.n_plen = 128;
	assert_int_equal(inet_pton(AF_INET6, "2001:db8:8000::", a), 1);
	assert_int_equal(pfsync_net_match(&n, AF_INET6, a), 1);
	a[15] = 1;
	assert_int_equal(pfsync_net_match(&n, AF_INET6, a), 0);
	assert_int_equal(pfsync_net_match(&n, AF_INET, a), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_setting_fills_its_field),
		cmocka_unit_test(
		    test_defaults_apply_when_only_syncdev_is_given),
		cmocka_unit_test(test_defer_takes_on_off_and_no),
		cmocka_unit_test(
		    test_hostid_takes_hex_or_decimal_but_not_zero),
		cmocka_unit_test(test_out_of_range_values_name_the_value),
		cmocka_unit_test(test_syncdev_is_required_and_checked),
		cmocka_unit_test(
		    test_syncpeer_must_be_unicast_ipv4_and_at_most_eight),
		cmocka_unit_test(test_settings_given_twice_are_errors),
		cmocka_unit_test(test_carp_group_and_socket_are_checked),
		cmocka_unit_test(
		    test_accept_from_takes_ipv4_networks_once_each),
		cmocka_unit_test(test_zone_map_is_one_to_one_and_limited),
		cmocka_unit_test(test_sync_rules_fill_every_option),
		cmocka_unit_test(test_every_protocol_name_is_known),
		cmocka_unit_test(test_bad_rule_options_are_reported),
		cmocka_unit_test(test_mark_syntax_is_checked),
		cmocka_unit_test(test_rule_address_families_must_agree),
		cmocka_unit_test(
		    test_unknown_keywords_are_syntax_errors_with_their_line),
		cmocka_unit_test(test_macros_expand_where_a_value_is_expected),
		cmocka_unit_test(test_include_is_refused_from_a_stream),
		cmocka_unit_test(
		    test_include_reads_files_relative_to_the_includer),
		cmocka_unit_test(test_nul_byte_is_refused),
		cmocka_unit_test(test_print_shows_every_default),
		cmocka_unit_test(test_print_is_canonical_and_a_fixed_point),
		cmocka_unit_test(
		    test_good_files_print_their_out_and_reparse_identically),
		cmocka_unit_test(test_everything_is_synced_without_rules),
		cmocka_unit_test(test_last_matching_rule_wins),
		cmocka_unit_test(test_rules_match_the_orig_tuple_only),
		cmocka_unit_test(test_rules_match_family_zone_and_masked_mark),
		cmocka_unit_test(
		    test_exact_mark_without_mask_compares_all_bits),
		cmocka_unit_test(
		    test_zone_map_works_both_ways_and_identity_elsewhere),
		cmocka_unit_test(
		    test_net_match_honours_prefix_bits_and_family),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
