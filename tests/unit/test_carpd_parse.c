/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * carpd.conf: texts parsed from memory (fmemopen), the fields they give,
 * every error message word for word, includes from files in a scratch
 * directory, and for each tests/conf/carpd/good-*.conf: its printout
 * equals good-*.out and parses back to the same text.  The shared lexer
 * (lib/cfglex) is checked token by token first.
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

#include "carpd.h"
#include "cfglex.h"

#define NAME		"test.conf"
#define MAXERRS		128
#define GOOD_GLOB	"tests/conf/carpd/good-*.conf"

struct errs {
	char		 e_line[MAXERRS][512];
	int		 e_n;
};

static struct errs	 errs;

static void	 collect(void *, const char *);
static struct carpd_config *parse_text(const char *);
static char	*print_text(const struct carpd_config *, size_t *);
static char	*read_file(const char *, size_t *);
static void	 assert_errors(const char *const *);
static struct carp_ifconf *nth_if(struct carpd_config *, int);
static void	 expect_addr(const struct addr *, int, const char *, int);

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
static struct carpd_config *
parse_text(const char *text)
{
	struct carpd_config	*c;
	char			*copy;
	FILE			*f;

	memset(&errs, 0, sizeof(errs));
	copy = strdup(text);
	assert_non_null(copy);
	f = fmemopen(copy, strlen(copy), "r");
	assert_non_null(f);
	c = carpd_parse(f, NAME, collect, &errs);
	(void)fclose(f);
	free(copy);
	return (c);
}

static char *
print_text(const struct carpd_config *c, size_t *len)
{
	char	*buf = NULL;
	FILE	*f;

	f = open_memstream(&buf, len);
	assert_non_null(f);
	carpd_config_print(f, c);
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

static struct carp_ifconf *
nth_if(struct carpd_config *c, int n)
{
	struct carp_ifconf	*ic;

	TAILQ_FOREACH(ic, &c->c_ifs, ic_entry)
		if (n-- == 0)
			return (ic);
	fail_msg("no interface %d", n);
	return (NULL);
}

static void
expect_addr(const struct addr *a, int af, const char *s, int plen)
{
	uint8_t	 raw[16];

	assert_int_equal(a->a_af, af);
	assert_int_equal(inet_pton(af, s, raw), 1);
	assert_memory_equal(a->a_u.raw, raw, af == AF_INET ? 4 : 16);
	assert_int_equal(a->a_plen, plen);
}

/* ------------------------------------------------------------------ */
/* lib/cfglex */

#define T_STRING	257
#define T_NUMBER	258
#define T_ERROR		259
#define T_FOO		260
#define T_INCLUDE	261

static const struct cfglex_keyword lxkw[] = {
	{ "foo", T_FOO },
	{ "include", T_INCLUDE }
};

struct want {
	int		 type;
	const char	*str;
	int		 line;
};

static void
lex_expect(const char *text, const struct want *w, int nw)
{
	struct cfglex		 lx;
	struct cfglex_token	 t;
	char			*copy;
	FILE			*f;
	int			 i;

	memset(&errs, 0, sizeof(errs));
	copy = strdup(text);
	assert_non_null(copy);
	f = fmemopen(copy, strlen(copy), "r");
	assert_non_null(f);
	assert_int_equal(cfglex_init(&lx, lxkw, 2, T_STRING, T_NUMBER,
	    T_ERROR, collect, &errs), 0);
	assert_int_equal(cfglex_macro_set(&lx, "m", "foo $m 7", NULL), 0);
	assert_int_equal(cfglex_push_stream(&lx, f, "lex"), 0);
	for (i = 0; i < nw; i++) {
		assert_int_equal(cfglex_next(&lx, &t), w[i].type);
		if (w[i].str != NULL)
			assert_string_equal(t.t_str, w[i].str);
		assert_int_equal(t.t_pos.p_line, w[i].line);
	}
	cfglex_close(&lx);
	(void)fclose(f);
	free(copy);
}

static void
test_lexer_tells_words_numbers_strings_and_keywords_apart(void **state)
{
	static const struct want w[] = {
		{ T_FOO, "foo", 1 },
		{ T_STRING, "bar", 1 },
		{ T_NUMBER, "42", 1 },
		{ T_NUMBER, "-7", 1 },
		{ T_STRING, "4x", 1 },
		{ T_STRING, "foo", 1 },		/* quoted: never a keyword */
		{ T_STRING, "a\"b\\c d", 1 },
		{ T_STRING, "it's", 1 },
		{ '{', "", 1 },
		{ '}', "", 1 },
		{ '=', "", 1 },
		{ ',', "", 1 },
		{ '\n', "", 1 },
		{ T_STRING, "192.0.2.1/24", 2 },
		{ '\n', "", 2 },
		{ 0, "", 2 }
	};

	(void)state;
	lex_expect("foo bar 42 -7 4x \"foo\" \"a\\\"b\\\\c d\" 'it\\'s' "
	    "{ } = , # comment\n192.0.2.1/24\n", w, 16);
	assert_int_equal(errs.e_n, 0);
}

static void
test_lexer_joins_continued_lines_and_counts_them(void **state)
{
	static const struct want w[] = {
		{ T_STRING, "abcd", 1 },
		{ '\n', "", 2 },
		{ T_NUMBER, "12", 3 },
		{ '\n', "", 4 },
		{ '\n', "", 5 },
		{ T_STRING, "x", 6 },
		{ '\n', "", 6 },	/* the file's end ends the line */
		{ 0, "", 6 }
	};

	(void)state;
	lex_expect("ab\\\ncd\n1\\\n2\n\nx", w, 8);
	assert_int_equal(errs.e_n, 0);
}

static void
test_lexer_expands_a_macro_once_in_place(void **state)
{
	static const struct want w[] = {
		{ T_STRING, "a", 1 },
		{ T_FOO, "foo", 1 },
		{ T_STRING, "$m", 1 },	/* not expanded again */
		{ T_NUMBER, "7", 1 },
		{ '}', "", 1 },
		{ '\n', "", 1 },
		{ 0, "", 1 }
	};

	(void)state;
	lex_expect("a $m}", w, 7);
	assert_int_equal(errs.e_n, 0);
}

static void
test_lexer_reports_undefined_macro_and_bad_tokens(void **state)
{
	static const struct want w[] = {
		{ T_ERROR, "", 1 },
		{ '\n', "", 1 },
		{ T_ERROR, "", 2 },
		{ '\n', "", 2 },
		{ T_ERROR, "", 3 },
		{ '\n', "", 3 },
		{ T_ERROR, "", 4 },
		{ '\n', "", 4 },
		{ 0, "", 4 }
	};
	static const char *const want[] = {
		"lex:1: macro 'nope' not defined",
		"lex:2: number too large: '99999999999999999999'",
		"lex:3: unterminated quoted string",
		"lex:4: '$' without a macro name",
		NULL
	};

	(void)state;
	lex_expect("$nope\n99999999999999999999\n\"open\n$", w, 9);
	assert_errors(want);
}

static void
test_lexer_refuses_an_unsorted_keyword_table(void **state)
{
	static const struct cfglex_keyword bad[] = {
		{ "vhid", 1 },
		{ "advskew", 2 }
	};
	struct cfglex	 lx;

	(void)state;
	assert_int_equal(cfglex_init(&lx, bad, 2, 3, 4, 5, NULL, NULL), -1);
	assert_int_equal(cfglex_lookup(lxkw, 2, "include"), T_INCLUDE);
	assert_int_equal(cfglex_lookup(lxkw, 2, "inc"), -1);
}

/* ------------------------------------------------------------------ */
/* carpd.conf */

static void
test_full_block_fills_every_field(void **state)
{
	struct carpd_config	*c;
	struct carp_ifconf	*ic;
	static const uint8_t	 key[CARP_KEY_LEN] = "my secret";
	static const uint8_t	 mac[6] = {
		0x00, 0x11, 0x22, 0x33, 0x44, 0x55
	};

	(void)state;
	c = parse_text(
	    "# comment\n"
	    "set preempt yes\n"
	    "set allow no\n"
	    "set log 7\n"
	    "set startup-demote 128\n"
	    "carp0 {\n"
	    "\tcarpdev eth1\n"
	    "\tvhid 1\n"
	    "\tpass \"my secret\"\n"
	    "\tadvbase 2\n"
	    "\tadvskew 100\n"
	    "\tinet 192.0.2.10/24\n"
	    "\tinet 192.0.2.11 255.255.255.128 192.0.2.127\n"
	    "\tinet6 2001:db8::10/64\n"
	    "\tinet6 2001:db8::11 56\n"
	    "\tgroup mygroup\n"
	    "\tgroup carp\n"
	    "\tcarppeer 192.0.2.2\n"
	    "\tlladdr 00:11:22:33:44:55\n"
	    "\tstate master\n"
	    "}\n");
	assert_non_null(c);
	assert_int_equal(errs.e_n, 0);
	assert_int_equal(c->c_preempt, 1);
	assert_int_equal(c->c_allow, 0);
	assert_int_equal(c->c_log, 7);
	assert_int_equal(c->c_startup_demote, 128);
	ic = nth_if(c, 0);
	assert_string_equal(ic->ic_name, "carp0");
	assert_string_equal(ic->ic_carpdev, "eth1");
	assert_int_equal(ic->ic_line, 6);
	assert_int_equal(ic->ic_vhid, 1);
	assert_int_equal(ic->ic_advbase, 2);
	assert_int_equal(ic->ic_advskew, 100);
	assert_string_equal(ic->ic_pass, "my secret");
	assert_memory_equal(ic->ic_key, key, CARP_KEY_LEN);
	assert_int_equal(ic->ic_pass_truncated, 0);
	assert_int_equal(ic->ic_naddrs, 4);
	expect_addr(&ic->ic_addrs[0], AF_INET, "192.0.2.10", 24);
	expect_addr(&ic->ic_addrs[1], AF_INET, "192.0.2.11", 25);
	expect_addr(&ic->ic_addrs[2], AF_INET6, "2001:db8::10", 64);
	expect_addr(&ic->ic_addrs[3], AF_INET6, "2001:db8::11", 56);
	assert_int_equal(ic->ic_ngroups, 1);	/* "carp" is implied */
	assert_string_equal(ic->ic_groups[0], "mygroup");
	assert_int_equal(ic->ic_has_peer, 1);
	expect_addr(&ic->ic_peer, AF_INET, "192.0.2.2", -1);
	assert_int_equal(ic->ic_lladdr_mode, CARP_LLADDR_MANUAL);
	assert_memory_equal(ic->ic_lladdr, mac, 6);
	assert_int_equal(ic->ic_state, CARP_MASTER);
	assert_int_equal(ic->ic_balancing, CARP_BAL_NONE);
	assert_int_equal(ic->ic_nnodes, 0);
	assert_null(TAILQ_NEXT(ic, ic_entry));
	carpd_config_free(c);
}

static void
test_defaults_apply_and_addresses_may_be_missing(void **state)
{
	struct carpd_config	*c;
	struct carp_ifconf	*ic;
	static const uint8_t	 zero[CARP_KEY_LEN];

	(void)state;
	c = parse_text("carp0 {\n carpdev eth0\n vhid 255\n}\n");
	assert_non_null(c);
	assert_int_equal(errs.e_n, 0);
	assert_int_equal(c->c_preempt, 0);
	assert_int_equal(c->c_allow, 1);
	assert_int_equal(c->c_log, 2);
	assert_int_equal(c->c_startup_demote, 0);
	ic = nth_if(c, 0);
	assert_int_equal(ic->ic_vhid, 255);
	assert_int_equal(ic->ic_advbase, 1);
	assert_int_equal(ic->ic_advskew, 0);
	assert_null(ic->ic_pass);
	assert_memory_equal(ic->ic_key, zero, CARP_KEY_LEN);
	assert_int_equal(ic->ic_naddrs, 0);
	assert_int_equal(ic->ic_ngroups, 0);
	assert_int_equal(ic->ic_has_peer, 0);
	assert_int_equal(ic->ic_lladdr_mode, CARP_LLADDR_VIRTUAL);
	assert_int_equal(ic->ic_state, -1);
	carpd_config_free(c);
}

static void
test_hostname_line_is_several_options_in_a_row(void **state)
{
	struct carpd_config	*c;
	struct carp_ifconf	*ic;

	(void)state;
	c = parse_text("carp1 {\n"
	    "inet 192.0.2.1 255.255.255.0 192.0.2.255 vhid 1 carpdev eth0 "
	    "pass s3cret advskew 100\n"
	    "inet 198.51.100.1 0xffffff00 NONE inet6 2001:db8::1 lladdr "
	    "parent }\n");
	assert_non_null(c);
	assert_int_equal(errs.e_n, 0);
	ic = nth_if(c, 0);
	assert_int_equal(ic->ic_vhid, 1);
	assert_string_equal(ic->ic_carpdev, "eth0");
	assert_string_equal(ic->ic_pass, "s3cret");
	assert_memory_equal(ic->ic_key, "s3cret\0\0\0\0\0\0\0\0\0\0\0\0\0",
	    CARP_KEY_LEN);
	assert_int_equal(ic->ic_advskew, 100);
	assert_int_equal(ic->ic_naddrs, 3);
	expect_addr(&ic->ic_addrs[0], AF_INET, "192.0.2.1", 24);
	expect_addr(&ic->ic_addrs[1], AF_INET, "198.51.100.1", 24);
	expect_addr(&ic->ic_addrs[2], AF_INET6, "2001:db8::1", 64);
	assert_int_equal(ic->ic_lladdr_mode, CARP_LLADDR_PARENT);
	carpd_config_free(c);
}

static void
test_long_passphrase_is_truncated_with_a_warning(void **state)
{
	struct carpd_config	*c;
	struct carp_ifconf	*ic;
	static const char *const want[] = {
		"test.conf:3: carp0: passphrase longer than 19 bytes is "
		    "truncated, as OpenBSD does",
		NULL
	};

	(void)state;
	c = parse_text("carp0 {\n carpdev eth0 vhid 1\n"
	    " pass \"0123456789abcdefghijKLMN\"\n}\n");
	assert_non_null(c);
	assert_errors(want);
	ic = nth_if(c, 0);
	assert_int_equal(ic->ic_pass_truncated, 1);
	assert_string_equal(ic->ic_pass, "0123456789abcdefghijKLMN");
	assert_memory_equal(ic->ic_key, "0123456789abcdefghi\0", CARP_KEY_LEN);
	carpd_config_free(c);

	/* 19 bytes fit. */
	c = parse_text("carp0 {\n carpdev eth0 vhid 1\n"
	    " pass 0123456789abcdefghi\n}\n");
	assert_non_null(c);
	assert_int_equal(errs.e_n, 0);
	assert_int_equal(nth_if(c, 0)->ic_pass_truncated, 0);
	carpd_config_free(c);
}

static void
test_macros_expand_where_a_value_is_expected(void **state)
{
	struct carpd_config	*c;
	struct carp_ifconf	*ic;

	(void)state;
	c = parse_text("ext = \"eth1\"\nid = 7\nopts = \"advskew 50 "
	    "advbase 3\"\nname = carp7\n"
	    "$name {\n carpdev $ext\n vhid $id\n $opts\n}\n");
	assert_non_null(c);
	assert_int_equal(errs.e_n, 0);
	ic = nth_if(c, 0);
	assert_string_equal(ic->ic_name, "carp7");
	assert_string_equal(ic->ic_carpdev, "eth1");
	assert_int_equal(ic->ic_vhid, 7);
	assert_int_equal(ic->ic_advskew, 50);
	assert_int_equal(ic->ic_advbase, 3);
	carpd_config_free(c);
}

static void
test_out_of_range_values_name_the_value(void **state)
{
	static const char *const want[] = {
		"test.conf:2: vhid expects 1-255, got '0'",
		"test.conf:3: advskew expects 0-254, got '300'",
		"test.conf:4: advbase expects 0-254, got 'fast'",
		"test.conf:7: log expects 0-7, got '8'",
		"test.conf:8: startup-demote expects 0-255, got '-1'",
		"test.conf:9: preempt expects yes or no, got 'maybe'",
		NULL
	};

	(void)state;
	assert_null(parse_text("carp0 {\n vhid 0\n advskew 300\n"
	    " advbase fast\n carpdev eth0\n}\nset log 8\n"
	    "set startup-demote -1\nset preempt maybe\n"));
	assert_errors(want);
}

static void
test_vhid_and_carpdev_are_required(void **state)
{
	static const char *const want[] = {
		"test.conf:1: carp0: vhid is required",
		"test.conf:1: carp0: carpdev is required",
		"test.conf:3: carp1: carpdev is required",
		NULL
	};

	(void)state;
	assert_null(parse_text("carp0 {\n}\ncarp1 {\n vhid 2\n}\n"));
	assert_errors(want);
}

static void
test_address_family_must_match_the_keyword(void **state)
{
	static const char *const want[] = {
		"test.conf:2: inet expects an IPv4 address, got '2001:db8::1'",
		"test.conf:3: inet6 expects an IPv6 address, got '192.0.2.1'",
		"test.conf:4: inet 192.0.2.1/33: bad prefix length",
		"test.conf:5: inet 192.0.2.2: bad netmask '255.0.255.0'",
		"test.conf:6: inet 224.0.0.1/4: not a unicast address",
		"test.conf:7: inet6 banana: not an IPv4 or IPv6 address",
		"test.conf:8: prefixlen expects 0-128, got '129'",
		NULL
	};

	(void)state;
	assert_null(parse_text("carp0 { carpdev eth0 vhid 1\n"
	    " inet 2001:db8::1\n inet6 192.0.2.1\n inet 192.0.2.1/33\n"
	    " inet 192.0.2.2 255.0.255.0\n inet 224.0.0.1/4\n"
	    " inet6 banana\n inet6 2001:db8::1 129\n}\n"));
	assert_errors(want);
}

static void
test_duplicate_address_is_an_error(void **state)
{
	static const char *const want[] = {
		"test.conf:4: carp0: address 192.0.2.1 given twice",
		"test.conf:5: carp0: address 2001:db8::1 given twice",
		NULL
	};

	(void)state;
	assert_null(parse_text("carp0 { carpdev eth0 vhid 1\n"
	    " inet 192.0.2.1/24\n inet6 2001:db8::1/64\n"
	    " inet 192.0.2.1/25\n inet6 2001:db8:0::1 48\n}\n"));
	assert_errors(want);
}

static void
test_carppeer_must_be_ipv4_unicast(void **state)
{
	static const char *const want[] = {
		"test.conf:2: carppeer expects an IPv4 unicast address, "
		    "got '2001:db8::2'",
		"test.conf:5: carppeer expects an IPv4 unicast address, "
		    "got '224.0.0.18'",
		"test.conf:8: carppeer expects an IPv4 unicast address, "
		    "got '192.0.2.2/24'",
		"test.conf:11: carppeer expects an IPv4 unicast address, "
		    "got '255.255.255.255'",
		NULL
	};

	(void)state;
	assert_null(parse_text(
	    "a0 { carpdev eth0 vhid 1\n carppeer 2001:db8::2\n}\n"
	    "a1 { carpdev eth0 vhid 2\n carppeer 224.0.0.18\n}\n"
	    "a2 { carpdev eth0 vhid 3\n carppeer 192.0.2.2/24\n}\n"
	    "a3 { carpdev eth0 vhid 4\n carppeer 255.255.255.255\n}\n"));
	assert_errors(want);
}

static void
test_more_than_carp_maxaddrs_addresses_is_an_error(void **state)
{
	static const char *const want[] = {
		"test.conf:66: carp0: more than 64 addresses",
		NULL
	};
	char	 text[8192];
	size_t	 off;
	int	 i;

	(void)state;
	off = (size_t)snprintf(text, sizeof(text), "carp0 {\n");
	for (i = 0; i < CARP_MAXADDRS + 2; i++)
		off += (size_t)snprintf(text + off, sizeof(text) - off,
		    "inet 192.0.2.%d/24\n", i + 1);
	(void)snprintf(text + off, sizeof(text) - off,
	    "carpdev eth0 vhid 1\n}\n");
	assert_null(parse_text(text));
	assert_errors(want);
}

static void
test_groups_are_checked_and_limited(void **state)
{
	static const char *const want[] = {
		"test.conf:2: group expects a group name not ending in a "
		    "digit, got 'web1'",
		"test.conf:3: carp0: group ga given twice",
		"test.conf:4: carp0: more than 8 groups",
		NULL
	};

	(void)state;
	assert_null(parse_text("carp0 { carpdev eth0 vhid 1\n"
	    " group web1\n group ga group ga\n"
	    " group gb group gc group gd group ge group gf group gg "
	    "group gh group gi\n}\n"));
	assert_errors(want);
}

static void
test_carpnodes_are_checked(void **state)
{
	static const char *const want[] = {
		"test.conf:2: carpnodes expects vhid:advskew entries, got "
		    "'1-0'",
		"test.conf:5: carpnodes: vhid expects 1-254, got '255'",
		"test.conf:8: carpnodes: advskew expects 0-254, got '255'",
		"test.conf:11: carpnodes: vhid 2 given twice",
		"test.conf:14: carpnodes: more than 32 entries",
		NULL
	};
	char	 text[4096];
	size_t	 off;
	int	 i;

	(void)state;
	off = (size_t)snprintf(text, sizeof(text),
	    "a0 { carpdev eth0 vhid 1\n carpnodes 1-0\n}\n"
	    "a1 { carpdev eth0 vhid 2\n carpnodes 1:0,255:0\n}\n"
	    "a2 { carpdev eth0 vhid 3\n carpnodes \"1:255\"\n}\n"
	    "a3 { carpdev eth0 vhid 4\n carpnodes 2:0, 2:100\n}\n"
	    "a4 { carpdev eth0 vhid 5\n carpnodes 1:0");
	for (i = 2; i <= CARPD_MAXNODES + 1; i++)
		off += (size_t)snprintf(text + off, sizeof(text) - off,
		    ",%d:0", i);
	(void)snprintf(text + off, sizeof(text) - off, "\n}\n");
	/* the first messages only: "not supported" follows for each */
	assert_null(parse_text(text));
	assert_true(errs.e_n >= 5);
	errs.e_n = 5;
	assert_errors(want);
}

static void
test_balancing_and_carpnodes_parse_then_are_refused(void **state)
{
	static const char *const want[] = {
		"test.conf:6: vhid expects 1-255, got '300'",
		"test.conf:3: carp0: balancing is not supported by this "
		    "version of carpd",
		"test.conf:4: carp0: carpnodes is not supported by this "
		    "version of carpd",
		NULL
	};
	struct carpd_config	*c;

	(void)state;
	assert_null(parse_text("carp0 {\n carpdev eth0 vhid 1\n"
	    " balancing ip-stealth\n carpnodes 1:0,2:100\n}\n"
	    "carp1 { carpdev eth0 vhid 300 }\n"));
	assert_errors(want);

	c = parse_text("carp0 {\n carpdev eth0 vhid 1\n balancing none\n}\n");
	assert_non_null(c);
	assert_int_equal(errs.e_n, 0);
	carpd_config_free(c);
}

static void
test_duplicate_pair_and_names_are_reported(void **state)
{
	static const char *const want[] = {
		"test.conf:2: carp0: defined twice, first at test.conf:1",
		"test.conf:2: carp0: vhid 1 on eth0 is already used by carp0",
		"test.conf:3: carp2: vhid 1 on eth0 is already used by carp0",
		"test.conf:4: 'a/b' is not a valid interface name",
		"test.conf:5: carpdev expects an interface name, got "
		    "'eth0:1'",
		"test.conf:6: carp6: carpdev cannot be the interface itself",
		NULL
	};

	(void)state;
	assert_null(parse_text(
	    "carp0 { carpdev eth0 vhid 1 }\n"
	    "carp0 { carpdev eth0 vhid 1 }\n"
	    "carp2 { carpdev eth0 vhid 1 }\n"
	    "a/b { carpdev eth0 vhid 3 }\n"
	    "carp5 { carpdev eth0:1 vhid 4 }\n"
	    "carp6 { carpdev carp6 vhid 5 }\n"));
	assert_errors(want);
}

static void
test_options_given_twice_are_errors(void **state)
{
	static const char *const want[] = {
		"test.conf:2: carp0: vhid given twice",
		"test.conf:3: carp0: pass given twice",
		"test.conf:4: carp0: lladdr given twice",
		"test.conf:6: lladdr 01:00:5e:00:00:01: not a unicast MAC "
		    "address",
		"test.conf:7: lladdr expects parent or a MAC address, got "
		    "'00:11:22:33:44'",
		"test.conf:8: state expects init, backup or master, got 'up'",
		"test.conf:9: balancing expects none, ip, ip-stealth, "
		    "ip-unicast or arp, got 'rr'",
		NULL
	};

	(void)state;
	assert_null(parse_text("carp0 { carpdev eth0 vhid 1 pass a\n"
	    " vhid 2\n pass b\n lladdr parent lladdr parent\n}\n"
	    "carp1 { carpdev eth0 vhid 2 lladdr 01:00:5e:00:00:01 }\n"
	    "carp2 { carpdev eth0 vhid 3 lladdr 00:11:22:33:44 }\n"
	    "carp3 { carpdev eth0 vhid 4 state up }\n"
	    "carp4 { carpdev eth0 vhid 5 balancing rr }\n"));
	assert_errors(want);
}

static void
test_syntax_errors_are_all_reported_and_recovered(void **state)
{
	static const char *const want[] = {
		"test.conf:1: syntax error near 'preempt'",
		"test.conf:4: unknown keyword 'vhdi'",
		"test.conf:5: unknown keyword 'priority'",
		"test.conf:7: syntax error near 'foo'",
		"test.conf:10: macro 'nope' not defined",
		"test.conf:12: syntax error near '}'",
		"test.conf:13: unterminated quoted string",
		"test.conf:15: syntax error at end of file",
		NULL
	};

	(void)state;
	assert_null(parse_text(
	    "sett preempt yes\n"
	    "carp0 {\n"
	    " carpdev eth0\n"
	    " vhdi 1\n"
	    " priority 3\n"
	    "}\n"
	    "carp1 foo {\n"
	    " carpdev eth0\n"
	    " vhid 2\n"
	    " pass $nope\n"
	    "}\n"
	    "}\n"
	    "x = \"open\n"
	    "carp2 {\n"
	    " carpdev eth0 vhid 3\n"));
	assert_errors(want);
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
	assert_null(parse_text("include \"/etc/passwd\"\n"));
	assert_errors(want);
}

static void
test_nul_byte_and_long_token_are_refused(void **state)
{
	static const char *const want[] = {
		"test.conf:2: NUL byte in input",
		NULL
	};
	static const char text[] = "set log 3\nset log 4\0 garbage\n";
	struct carpd_config	*c;
	char			 buf[sizeof(text)], big[CFGLEX_MAXTOKEN + 64];
	FILE			*f;

	(void)state;
	memset(&errs, 0, sizeof(errs));
	memcpy(buf, text, sizeof(text));
	f = fmemopen(buf, sizeof(text) - 1, "r");
	assert_non_null(f);
	c = carpd_parse(f, NAME, collect, &errs);
	(void)fclose(f);
	assert_null(c);
	assert_errors(want);

	memset(big, 'a', sizeof(big));
	memcpy(big, "x = ", 4);
	big[sizeof(big) - 2] = '\n';
	big[sizeof(big) - 1] = '\0';
	assert_null(parse_text(big));
	assert_int_equal(errs.e_n, 1);
	assert_string_equal(errs.e_line[0],
	    "test.conf:1: word longer than 1024 bytes");
}

/* Includes from files: relative to the including file, depth limited. */
static void
test_include_reads_files_relative_to_the_includer(void **state)
{
	char			 dir[] = "/tmp/test_carpd_parse.XXXXXX";
	char			 path[256], sub[256], want[1024];
	struct carpd_config	*c;
	FILE			*f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	(void)snprintf(sub, sizeof(sub), "%s/sub", dir);
	assert_int_equal(mkdir(sub, 0700), 0);

	(void)snprintf(path, sizeof(path), "%s/sub/dev.conf", dir);
	assert_non_null(f = fopen(path, "w"));
	(void)fputs("ext = \"eth4\"\nset preempt yes", f);	/* no newline */
	(void)fclose(f);
	(void)snprintf(path, sizeof(path), "%s/loop.conf", dir);
	assert_non_null(f = fopen(path, "w"));
	(void)fputs("include \"loop.conf\"\n", f);
	(void)fclose(f);
	(void)snprintf(path, sizeof(path), "%s/main.conf", dir);
	assert_non_null(f = fopen(path, "w"));
	(void)fputs("include \"sub/dev.conf\"\ncarp0 {\n carpdev $ext\n"
	    " vhid 1\n}\n", f);
	(void)fclose(f);

	memset(&errs, 0, sizeof(errs));
	c = carpd_parse_file(path, collect, &errs);
	assert_non_null(c);
	assert_int_equal(errs.e_n, 0);
	assert_int_equal(c->c_preempt, 1);
	assert_string_equal(nth_if(c, 0)->ic_carpdev, "eth4");
	carpd_config_free(c);

	(void)snprintf(path, sizeof(path), "%s/loop.conf", dir);
	memset(&errs, 0, sizeof(errs));
	assert_null(carpd_parse_file(path, collect, &errs));
	(void)snprintf(want, sizeof(want), "%s:1: include \"%s\": more than "
	    "8 nested files", path, path);
	assert_int_equal(errs.e_n, 1);
	assert_string_equal(errs.e_line[0], want);

	(void)snprintf(path, sizeof(path), "%s/none.conf", dir);
	memset(&errs, 0, sizeof(errs));
	assert_null(carpd_parse_file(path, collect, &errs));
	(void)snprintf(want, sizeof(want), "%s: No such file or directory",
	    path);
	assert_int_equal(errs.e_n, 1);
	assert_string_equal(errs.e_line[0], want);

	(void)snprintf(path, sizeof(path), "%s/sub/dev.conf", dir);
	(void)unlink(path);
	(void)snprintf(path, sizeof(path), "%s/loop.conf", dir);
	(void)unlink(path);
	(void)snprintf(path, sizeof(path), "%s/main.conf", dir);
	(void)unlink(path);
	(void)rmdir(sub);
	(void)rmdir(dir);
}

static void
test_print_quotes_what_would_not_read_back(void **state)
{
	struct carpd_config	*c;
	char			*out;
	size_t			 len;
	static const char	 want[] =
	    "\"log\" {\n"
	    "\tcarpdev \"state\"\n"
	    "\tvhid 9\n"
	    "\tadvbase 0\n"
	    "\tadvskew 254\n"
	    "\tpass \"a \\\"quoted\\\" \\\\ pass\"\n"
	    "\tlladdr 0a:0b:0c:0d:0e:0f\n"
	    "\tgroup \"set\"\n"
	    "\tinet 192.0.2.1/32\n"
	    "}\n";

	(void)state;
	c = parse_text("\"log\" { carpdev \"state\" vhid 9 advbase 0 "
	    "advskew 254\n pass \"a \\\"quoted\\\" \\\\ pass\"\n"
	    " lladdr a:B:c:D:e:F group \"set\" inet 192.0.2.1 }\n");
	assert_non_null(c);
	assert_int_equal(errs.e_n, 0);
	out = print_text(c, &len);
	assert_string_equal(out, want);
	carpd_config_free(c);
	c = parse_text(out);
	assert_non_null(c);
	free(out);
	out = print_text(c, &len);
	assert_string_equal(out, want);
	free(out);
	carpd_config_free(c);
}

/* Each good file: printout == .out, and the printout is a fixed point. */
static void
test_good_files_print_their_out_and_reparse_identically(void **state)
{
	struct carpd_config	*c;
	glob_t			 g;
	char			 outpath[PATH_MAX], *want, *p1, *p2;
	size_t			 i, wlen, l1, l2;
	FILE			*f;

	(void)state;
	assert_int_equal(glob(GOOD_GLOB, 0, NULL, &g), 0);
	assert_true(g.gl_pathc >= 5);
	for (i = 0; i < g.gl_pathc; i++) {
		memset(&errs, 0, sizeof(errs));
		c = carpd_parse_file(g.gl_pathv[i], collect, &errs);
		if (c == NULL)
			fail_msg("%s: %s", g.gl_pathv[i], errs.e_line[0]);
		p1 = print_text(c, &l1);
		carpd_config_free(c);

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
		c = carpd_parse(f, "printout", collect, &errs);
		(void)fclose(f);
		if (c == NULL)
			fail_msg("%s: printout: %s", g.gl_pathv[i],
			    errs.e_line[0]);
		p2 = print_text(c, &l2);
		carpd_config_free(c);
		assert_int_equal(l1, l2);
		assert_memory_equal(p1, p2, l1);
		free(p1);
		free(p2);
	}
	globfree(&g);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    test_lexer_tells_words_numbers_strings_and_keywords_apart),
		cmocka_unit_test(
		    test_lexer_joins_continued_lines_and_counts_them),
		cmocka_unit_test(test_lexer_expands_a_macro_once_in_place),
		cmocka_unit_test(
		    test_lexer_reports_undefined_macro_and_bad_tokens),
		cmocka_unit_test(test_lexer_refuses_an_unsorted_keyword_table),
		cmocka_unit_test(test_full_block_fills_every_field),
		cmocka_unit_test(
		    test_defaults_apply_and_addresses_may_be_missing),
		cmocka_unit_test(
		    test_hostname_line_is_several_options_in_a_row),
		cmocka_unit_test(
		    test_long_passphrase_is_truncated_with_a_warning),
		cmocka_unit_test(test_macros_expand_where_a_value_is_expected),
		cmocka_unit_test(test_out_of_range_values_name_the_value),
		cmocka_unit_test(test_vhid_and_carpdev_are_required),
		cmocka_unit_test(test_address_family_must_match_the_keyword),
		cmocka_unit_test(test_duplicate_address_is_an_error),
		cmocka_unit_test(test_carppeer_must_be_ipv4_unicast),
		cmocka_unit_test(
		    test_more_than_carp_maxaddrs_addresses_is_an_error),
		cmocka_unit_test(test_groups_are_checked_and_limited),
		cmocka_unit_test(test_carpnodes_are_checked),
		cmocka_unit_test(
		    test_balancing_and_carpnodes_parse_then_are_refused),
		cmocka_unit_test(test_duplicate_pair_and_names_are_reported),
		cmocka_unit_test(test_options_given_twice_are_errors),
		cmocka_unit_test(
		    test_syntax_errors_are_all_reported_and_recovered),
		cmocka_unit_test(test_include_is_refused_from_a_stream),
		cmocka_unit_test(test_nul_byte_and_long_token_are_refused),
		cmocka_unit_test(
		    test_include_reads_files_relative_to_the_includer),
		cmocka_unit_test(test_print_quotes_what_would_not_read_back),
		cmocka_unit_test(
		    test_good_files_print_their_out_and_reparse_identically),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
