/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * sasyncd.conf: texts parsed from memory (fmemopen), the defaults and
 * the field each keyword fills, every error and warning word for word,
 * the shared key kept out of every message, the file permission check
 * on scratch files, the canonical printout and its fixed point (with a
 * sharedkey of the printed length added back), and for each
 * tests/conf/sasyncd/good-*.conf: its printout equals good-*.out.
 */

#include <sys/socket.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <glob.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "conf.h"

#define NAME		"test.conf"
#define MAXERRS		64
#define GOOD_GLOB	"tests/conf/sasyncd/good-*.conf"
#define KEY16		"sharedkey 0123456789abcdef\n"
#define BASE		"interface carp0\n" KEY16

struct errs {
	char		 e_line[MAXERRS][512];
	int		 e_n;
};

static struct errs	 errs;

static void	 collect(void *, const char *);
static struct sasyncd_conf *parse_flags(const char *, int);
static struct sasyncd_conf *parse_text(const char *);
static char	*print_text(const struct sasyncd_conf *, size_t *);
static char	*read_file(const char *, size_t *);
static void	 assert_errors(const char *const *);
static void	 assert_one_error(const char *, const char *);
static struct sasync_peer_conf *nth_peer(struct sasyncd_conf *, int);
static void	 assert_fixed_point(const struct sasyncd_conf *);
static char	*scratch_file(const char *, mode_t);

static void
collect(void *arg, const char *msg)
{
	struct errs	*e = arg;

	assert_null(strchr(msg, '\n'));
	if (e->e_n < MAXERRS)
		(void)snprintf(e->e_line[e->e_n], sizeof(e->e_line[0]), "%s",
		    msg);
	e->e_n++;
}

/* Parses text as the file NAME read from a stream; messages in errs. */
static struct sasyncd_conf *
parse_flags(const char *text, int flags)
{
	struct sasyncd_conf	*c;
	char			*copy;
	FILE			*f;

	memset(&errs, 0, sizeof(errs));
	copy = strdup(text);
	assert_non_null(copy);
	f = fmemopen(copy, strlen(copy), "r");
	assert_non_null(f);
	c = sasyncd_parse_stream(f, NAME, flags, collect, &errs);
	(void)fclose(f);
	free(copy);
	return (c);
}

static struct sasyncd_conf *
parse_text(const char *text)
{
	return (parse_flags(text, SASYNCD_PARSE_NODNS));
}

static char *
print_text(const struct sasyncd_conf *c, size_t *len)
{
	char	*buf = NULL;
	FILE	*f;

	f = open_memstream(&buf, len);
	assert_non_null(f);
	sasyncd_conf_print(f, c);
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

static struct sasync_peer_conf *
nth_peer(struct sasyncd_conf *c, int n)
{
	struct sasync_peer_conf	*pc;

	TAILQ_FOREACH(pc, &c->c_peers, p_entry)
		if (n-- == 0)
			return (pc);
	fail_msg("no peer %d", n);
	return (NULL);
}

/*
 * The printout parses back to the same text once a sharedkey of the
 * printed length is added (the key itself is never printed).
 */
static void
assert_fixed_point(const struct sasyncd_conf *c)
{
	struct sasyncd_conf	*c2;
	char			*p1, *p2, *text;
	size_t			 l1, l2, i;

	p1 = print_text(c, &l1);
	text = malloc(l1 + 64);
	assert_non_null(text);
	memcpy(text, p1, l1);
	(void)strcpy(text + l1, "sharedkey ");
	for (i = 0; i < c->c_key.k_len; i++)
		(void)strcat(text, "k");
	(void)strcat(text, "\n");
	c2 = parse_text(text);
	if (c2 == NULL)
		fail_msg("printout does not parse: %s\n%s", errs.e_line[0],
		    text);
	p2 = print_text(c2, &l2);
	assert_int_equal(l1, l2);
	assert_memory_equal(p1, p2, l1);
	sasyncd_conf_free(c2);
	free(text);
	free(p1);
	free(p2);
}

/* A file in a scratch directory holding text, with this mode. */
static char *
scratch_file(const char *text, mode_t mode)
{
	char	*path;
	int	 fd;

	path = strdup("/tmp/test_sasyncd_parse.XXXXXX");
	assert_non_null(path);
	fd = mkstemp(path);
	assert_true(fd != -1);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	assert_int_equal(close(fd), 0);
	return (path);
}

/* ------------------------------------------------------------------ */
/* settings */

static void
test_defaults_fill_what_the_file_does_not_say(void **state)
{
	struct sasyncd_conf	*c;

	(void)state;
	c = parse_text(BASE);
	assert_non_null(c);
	assert_int_equal(errs.e_n, 0);
	assert_string_equal(c->c_carpif, "carp0");
	assert_string_equal(c->c_group, "carp");
	assert_string_equal(c->c_listen, "");
	assert_int_equal(c->c_listen_af, AF_UNSPEC);
	assert_int_equal(c->c_port, SASYNCD_DEFAULT_PORT);
	assert_int_equal(c->c_port, 500);
	assert_true(TAILQ_EMPTY(&c->c_peers));
	assert_int_equal(c->c_npeers, 0);
	assert_int_equal(c->c_key.k_len, 16);
	assert_memory_equal(c->c_key.k_bytes, "0123456789abcdef", 16);
	assert_int_equal(c->c_flushmode, FLUSH_STARTUP);
	assert_int_equal(c->c_lock, LOCK_NONE);
	assert_int_equal(c->c_skipslave, 0);
	assert_int_equal(c->c_ike, IKE_NONE);
	assert_int_equal(c->c_margin, SASYNCD_DEFAULT_MARGIN);
	assert_int_equal(c->c_aeinterval, SASYNCD_DEFAULT_AEINTERVAL);
	assert_fixed_point(c);
	sasyncd_conf_free(c);
}

static void
test_every_setting_fills_its_field(void **state)
{
	struct sasyncd_conf	*c;

	(void)state;
	c = parse_text(
	    "# every keyword\n"
	    "interface carp1\n"
	    "group vpn\n"
	    "listen on 192.0.2.1 inet port 5000\n"
	    "peer 192.0.2.2\n"
	    "sharedkey 0x000102030405060708090a0b0c0d0e0f"
	    "101112131415161718191a1b1c1d1e1f\n"
	    "flushmode never\n"
	    "mode skipslave\n"
	    "control none\n"
	    "replay margin 2147483648\n"
	    "replay interval 3600\n");
	assert_non_null(c);
	assert_int_equal(errs.e_n, 0);
	assert_string_equal(c->c_carpif, "carp1");
	assert_string_equal(c->c_group, "vpn");
	assert_string_equal(c->c_listen, "192.0.2.1");
	assert_int_equal(c->c_listen_af, AF_INET);
	assert_int_equal(c->c_port, 5000);
	assert_int_equal(c->c_npeers, 1);
	assert_int_equal(c->c_key.k_len, 32);
	assert_int_equal(c->c_key.k_bytes[31], 0x1f);
	assert_int_equal(c->c_flushmode, FLUSH_NEVER);
	assert_int_equal(c->c_skipslave, 1);
	assert_int_equal(c->c_lock, LOCK_NONE);
	assert_int_equal(c->c_margin, 2147483648U);
	assert_int_equal(c->c_aeinterval, 3600);
	assert_fixed_point(c);
	sasyncd_conf_free(c);
}

static void
test_flushmode_takes_each_of_its_three_words(void **state)
{
	static const struct {
		const char		*w;
		enum sasync_flushmode	 m;
	} t[] = {
		{ "startup", FLUSH_STARTUP },
		{ "sync", FLUSH_SYNC },
		{ "never", FLUSH_NEVER }
	};
	struct sasyncd_conf	*c;
	char			 text[128];
	size_t			 i;

	(void)state;
	for (i = 0; i < 3; i++) {
		(void)snprintf(text, sizeof(text), BASE "flushmode %s\n",
		    t[i].w);
		c = parse_text(text);
		assert_non_null(c);
		assert_int_equal(c->c_flushmode, t[i].m);
		assert_fixed_point(c);
		sasyncd_conf_free(c);
	}
}

static void
test_mode_master_or_slave_locks_the_state_without_an_interface(
    void **state)
{
	struct sasyncd_conf	*c;

	(void)state;
	c = parse_text("mode master\n" KEY16);
	assert_non_null(c);
	assert_int_equal(c->c_lock, LOCK_MASTER);
	assert_string_equal(c->c_carpif, "");
	assert_fixed_point(c);
	sasyncd_conf_free(c);

	c = parse_text("mode slave\nmode skipslave\n" KEY16);
	assert_non_null(c);
	assert_int_equal(c->c_lock, LOCK_SLAVE);
	assert_int_equal(c->c_skipslave, 1);
	assert_fixed_point(c);
	sasyncd_conf_free(c);

	/* an interface may still be named */
	c = parse_text("mode slave\n" BASE);
	assert_non_null(c);
	assert_string_equal(c->c_carpif, "carp0");
	sasyncd_conf_free(c);
}

static void
test_control_isakmpd_iked_and_all_are_accepted_with_a_warning(void **state)
{
	static const struct {
		const char	*w;
		enum sasync_ike	 ike;
	} t[] = {
		{ "isakmpd", IKE_ISAKMPD },
		{ "iked", IKE_IKED },
		{ "all", IKE_ALL }
	};
	struct sasyncd_conf	*c;
	char			 text[128], want[256];
	const char		*w[2] = { want, NULL };
	size_t			 i;

	(void)state;
	for (i = 0; i < 3; i++) {
		(void)snprintf(text, sizeof(text), BASE "control %s\n",
		    t[i].w);
		(void)snprintf(want, sizeof(want), NAME ":3: warning: "
		    "control %s: Linux has neither isakmpd nor iked, no IKE "
		    "daemon is switched", t[i].w);
		c = parse_text(text);
		assert_non_null(c);
		assert_int_equal(c->c_ike, t[i].ike);
		assert_errors(w);
		sasyncd_conf_free(c);
	}
	c = parse_text(BASE "control none\n");
	assert_non_null(c);
	assert_int_equal(c->c_ike, IKE_NONE);
	assert_int_equal(errs.e_n, 0);
	sasyncd_conf_free(c);
}

static void
test_listen_keeps_the_name_family_and_port(void **state)
{
	struct sasyncd_conf	*c;

	(void)state;
	c = parse_text(BASE "listen on eth1 inet6\n");
	assert_non_null(c);
	assert_string_equal(c->c_listen, "eth1");
	assert_int_equal(c->c_listen_af, AF_INET6);
	assert_int_equal(c->c_port, 500);
	assert_fixed_point(c);
	sasyncd_conf_free(c);

	c = parse_text(BASE "listen on 2001:db8::1 port 65535\n");
	assert_non_null(c);
	assert_string_equal(c->c_listen, "2001:db8::1");
	assert_int_equal(c->c_listen_af, AF_UNSPEC);
	assert_int_equal(c->c_port, 65535);
	assert_fixed_point(c);
	sasyncd_conf_free(c);

	c = parse_text(BASE "listen on gw.example.org inet port 1\n");
	assert_non_null(c);
	assert_string_equal(c->c_listen, "gw.example.org");
	assert_int_equal(c->c_listen_af, AF_INET);
	assert_int_equal(c->c_port, 1);
	sasyncd_conf_free(c);
}

static void
test_numeric_peers_get_the_listen_port_even_when_given_first(void **state)
{
	struct sasyncd_conf		*c;
	struct sasync_peer_conf		*pc;
	const struct sockaddr_in	*sin;
	const struct sockaddr_in6	*sin6;
	char				 buf[INET6_ADDRSTRLEN];

	(void)state;
	c = parse_text(BASE "peer 192.0.2.2\npeer 2001:db8::2\n"
	    "listen on 192.0.2.1 port 4500\n");
	assert_non_null(c);
	assert_int_equal(c->c_npeers, 2);

	pc = nth_peer(c, 0);
	assert_string_equal(pc->p_name, "192.0.2.2");
	assert_int_equal(pc->p_numeric, 1);
	assert_int_equal(pc->p_sslen, sizeof(struct sockaddr_in));
	sin = (const struct sockaddr_in *)&pc->p_ss;
	assert_int_equal(sin->sin_family, AF_INET);
	assert_int_equal(ntohs(sin->sin_port), 4500);
	assert_string_equal(inet_ntop(AF_INET, &sin->sin_addr, buf,
	    sizeof(buf)), "192.0.2.2");

	pc = nth_peer(c, 1);
	assert_int_equal(pc->p_numeric, 1);
	assert_int_equal(pc->p_sslen, sizeof(struct sockaddr_in6));
	sin6 = (const struct sockaddr_in6 *)&pc->p_ss;
	assert_int_equal(sin6->sin6_family, AF_INET6);
	assert_int_equal(ntohs(sin6->sin6_port), 4500);
	assert_string_equal(inet_ntop(AF_INET6, &sin6->sin6_addr, buf,
	    sizeof(buf)), "2001:db8::2");
	assert_fixed_point(c);
	sasyncd_conf_free(c);
}

static void
test_a_host_name_peer_is_resolved_and_flagged_with_a_warning(void **state)
{
	struct sasyncd_conf		*c;
	struct sasync_peer_conf		*pc;
	const char			*w[] = {
		NAME ":3: warning: peer localhost is a host name: "
		    "connections from it are never accepted, only ours to it",
		NULL
	};

	(void)state;
	c = parse_flags(BASE "peer localhost\n", 0);
	assert_non_null(c);
	assert_errors(w);
	pc = nth_peer(c, 0);
	assert_string_equal(pc->p_name, "localhost");
	assert_int_equal(pc->p_numeric, 0);
	assert_true(pc->p_sslen > 0);
	assert_true(pc->p_ss.ss_family == AF_INET ||
	    pc->p_ss.ss_family == AF_INET6);
	if (pc->p_ss.ss_family == AF_INET)
		assert_int_equal(ntohs(((struct sockaddr_in *)
		    &pc->p_ss)->sin_port), 500);
	sasyncd_conf_free(c);

	/* without DNS the name stays unresolved */
	c = parse_text(BASE "peer gw2.example.org\n");
	assert_non_null(c);
	assert_int_equal(errs.e_n, 1);
	pc = nth_peer(c, 0);
	assert_int_equal(pc->p_numeric, 0);
	assert_int_equal(pc->p_sslen, 0);
	assert_fixed_point(c);
	sasyncd_conf_free(c);
}

static void
test_macros_expand_in_values(void **state)
{
	struct sasyncd_conf	*c;

	(void)state;
	c = parse_text("ifc = carp7\n"
	    "key = \"0x00112233445566778899aabbccddeeff\"\n"
	    "interface $ifc\nsharedkey $key\n");
	assert_non_null(c);
	assert_string_equal(c->c_carpif, "carp7");
	assert_int_equal(c->c_key.k_len, 16);
	assert_int_equal(c->c_key.k_bytes[15], 0xff);
	sasyncd_conf_free(c);
}

static void
test_keywords_and_numbers_are_quoted_in_the_printout(void **state)
{
	struct sasyncd_conf	*c;
	char			*p;
	size_t			 l;

	(void)state;
	c = parse_text("interface \"port\"\ngroup \"peer\"\n"
	    "listen on \"1234\" port 70\n" KEY16);
	assert_non_null(c);
	p = print_text(c, &l);
	assert_non_null(strstr(p, "interface \"port\"\n"));
	assert_non_null(strstr(p, "group \"peer\"\n"));
	assert_non_null(strstr(p, "listen on \"1234\" port 70\n"));
	free(p);
	assert_fixed_point(c);
	sasyncd_conf_free(c);
}

static void
test_the_printout_never_shows_the_key(void **state)
{
	struct sasyncd_conf	*c;
	char			*p;
	size_t			 l;

	(void)state;
	c = parse_text("interface carp0\nsharedkey \"secret-secret-secret\"\n"
	    "sharedkey2 = x\n");
	assert_null(c);
	c = parse_text("interface carp0\n"
	    "sharedkey \"secret-secret-secret-sec\"\n");
	assert_non_null(c);
	p = print_text(c, &l);
	assert_null(strstr(p, "secret"));
	assert_non_null(strstr(p, "# sharedkey: 24 bytes, not shown\n"));
	free(p);
	sasyncd_conf_free(c);
}

/* ------------------------------------------------------------------ */
/* errors */

static void
test_a_missing_sharedkey_or_interface_is_an_error(void **state)
{
	const char	*both[] = {
		NAME ": no sharedkey given",
		NAME ": no interface given (needed unless mode master or "
		    "mode slave)",
		NULL
	};

	(void)state;
	assert_one_error("interface carp0\n", NAME ": no sharedkey given");
	assert_one_error(KEY16 "mode skipslave\n", NAME ": no interface "
	    "given (needed unless mode master or mode slave)");
	assert_null(parse_text(""));
	assert_errors(both);
}

static void
test_each_bad_key_is_refused_with_its_length_only(void **state)
{
	(void)state;
	assert_one_error("interface carp0\nsharedkey 0123456789abcde\n",
	    NAME ":2: sharedkey must be 16, 24 or 32 bytes, got 15");
	assert_one_error("interface carp0\n"
	    "sharedkey 0123456789abcdef0123456789abcdef0\n",
	    NAME ":2: sharedkey must be 16, 24 or 32 bytes, got 33");
	assert_one_error("interface carp0\n"
	    "sharedkey 0x000102030405060708090a0b0c0d0e0\n",
	    NAME ":2: sharedkey: odd number of hex digits (31)");
	assert_one_error("interface carp0\n"
	    "sharedkey 0x000102030405060708090a0b0c0d0eZZ\n",
	    NAME ":2: sharedkey: bad hex digit after 0x at position 31");
}

/* Whatever goes wrong on a sharedkey line, no message holds the key. */
static void
test_no_message_ever_holds_the_key(void **state)
{
	static const char *const texts[] = {
		"sharedkey 12345678901234567890123456789012\n",	/* number */
		"sharedkey topsecretpassword extra\n",		/* syntax */
		"sharedkey topsecretpassword topsecretpassword\n",
		"sharedkey \"topsecretpassword\n",		/* quote */
		"sharedkey peer\n",
		"sharedkey topsecretpasswordtopsecretpassword\n",
		"sharedkey 0xtopsecretpasswordtopsecretpassword00\n",
		"sharedkey 0123456789abcdef\nsharedkey topsecretpassword\n",
	};
	size_t	 i;
	int	 j;

	(void)state;
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		assert_null(parse_text(texts[i]));
		assert_true(errs.e_n > 0);
		for (j = 0; j < errs.e_n && j < MAXERRS; j++) {
			if (strstr(errs.e_line[j], "topsecret") != NULL ||
			    strstr(errs.e_line[j], "123456789012") != NULL ||
			    strstr(errs.e_line[j], "'peer'") != NULL)
				fail_msg("key in message: %s",
				    errs.e_line[j]);
		}
	}
	/* the number lexer error is reported, with the key hidden */
	assert_one_error("interface carp0\n"
	    "sharedkey 12345678901234567890123456789012\n",
	    NAME ":2: number too large: '...'");
	/* on other lines quoted text is shown as usual */
	assert_one_error(BASE "mode backup\n", NAME ":3: mode expects "
	    "master, slave or skipslave, got 'backup'");
}

static void
test_each_setting_given_twice_is_an_error(void **state)
{
	const char	*want[] = {
		NAME ":3: interface given twice",
		NAME ":5: group given twice",
		NAME ":7: listen given twice",
		NAME ":8: sharedkey given twice",
		NAME ":10: flushmode given twice",
		NAME ":12: mode master or slave given twice",
		NAME ":14: mode skipslave given twice",
		NAME ":16: control given twice",
		NAME ":18: replay margin given twice",
		NAME ":20: replay interval given twice",
		NULL
	};

	(void)state;
	assert_null(parse_text(BASE
	    "interface carp1\n"
	    "group a\ngroup b\n"
	    "listen on 192.0.2.1\nlisten on 192.0.2.2\n"
	    KEY16
	    "flushmode sync\nflushmode never\n"
	    "mode master\nmode slave\n"
	    "mode skipslave\nmode skipslave\n"
	    "control none\ncontrol none\n"
	    "replay margin 10\nreplay margin 10\n"
	    "replay interval 1\nreplay interval 1\n"));
	assert_errors(want);
}

static void
test_duplicate_peers_are_refused_by_name_or_address(void **state)
{
	const char	*want[] = {
		NAME ":4: peer 192.0.2.2 given twice",
		NAME ":6: peer 2001:db8:0::1: the same address as peer "
		    "2001:db8::1",
		NAME ":8: peer GW.example.org given twice",
		NULL
	};

	(void)state;
	assert_null(parse_text(BASE "peer 192.0.2.2\npeer 192.0.2.2\n"
	    "peer 2001:db8::1\npeer 2001:db8:0::1\n"
	    "peer gw.example.org\npeer GW.example.org\n"));
	/* the host name warnings come first, one per accepted name */
	assert_int_equal(errs.e_n, 4);
	assert_string_equal(errs.e_line[0], want[0]);
	assert_string_equal(errs.e_line[1], want[1]);
	assert_non_null(strstr(errs.e_line[2], ":7: warning: peer "
	    "gw.example.org is a host name"));
	assert_string_equal(errs.e_line[3], want[2]);
}

static void
test_bad_peers_are_refused(void **state)
{
	const char	*want[] = {
		NAME ":3: peer expects an address without a prefix length, "
		    "got '192.0.2.0/24'",
		NAME ":4: peer expects an address or a host name, got "
		    "'host/name'",
		NAME ":5: peer expects an address or a host name, got '-x'",
		NULL
	};

	(void)state;
	assert_null(parse_text(BASE "peer 192.0.2.0/24\npeer host/name\n"
	    "peer -x\n"));
	assert_errors(want);
}

static void
test_an_unresolvable_peer_is_an_error(void **state)
{
	(void)state;
	assert_null(parse_flags(BASE "peer no-such-host.invalid\n", 0));
	assert_int_equal(errs.e_n, 1);
	assert_non_null(strstr(errs.e_line[0],
	    NAME ":3: peer no-such-host.invalid: "));
}

static void
test_bad_listen_values_are_refused(void **state)
{
	(void)state;
	assert_one_error(BASE "listen on 192.0.2.1 port 0\n",
	    NAME ":3: port expects 1-65535, got '0'");
	assert_one_error(BASE "listen on 192.0.2.1 port 65536\n",
	    NAME ":3: port expects 1-65535, got '65536'");
	assert_one_error(BASE "listen on 192.0.2.1 port http\n",
	    NAME ":3: port expects 1-65535, got 'http'");
	assert_one_error(BASE "listen on 192.0.2.1 inet6\n",
	    NAME ":3: listen on 192.0.2.1: not an IPv6 address");
	assert_one_error(BASE "listen on 2001:db8::1 inet\n",
	    NAME ":3: listen on 2001:db8::1: not an IPv4 address");
	assert_one_error(BASE "listen on 2001:db8::/64\n",
	    NAME ":3: listen on expects an address without a prefix "
	    "length, got '2001:db8::/64'");
	assert_one_error(BASE "listen on a/b\n",
	    NAME ":3: listen on expects an address, host or interface "
	    "name, got 'a/b'");
	assert_one_error(BASE "listen 192.0.2.1\n",
	    NAME ":3: syntax error near '192.0.2.1'");
}

static void
test_bad_values_name_the_setting_and_the_value(void **state)
{
	(void)state;
	assert_one_error(BASE "replay margin 0\n",
	    NAME ":3: replay margin expects 1-2147483648, got '0'");
	assert_one_error(BASE "replay margin 2147483649\n",
	    NAME ":3: replay margin expects 1-2147483648, got '2147483649'");
	assert_one_error(BASE "replay interval 0\n",
	    NAME ":3: replay interval expects 1-3600, got '0'");
	assert_one_error(BASE "replay interval 3601\n",
	    NAME ":3: replay interval expects 1-3600, got '3601'");
	assert_one_error(BASE "replay interval soon\n",
	    NAME ":3: replay interval expects 1-3600, got 'soon'");
	assert_one_error(BASE "mode backup\n",
	    NAME ":3: mode expects master, slave or skipslave, got 'backup'");
	assert_one_error(BASE "flushmode always\n",
	    NAME ":3: flushmode expects sync, startup or never, got 'always'");
	assert_one_error(BASE "control strongswan\n",
	    NAME ":3: control expects isakmpd, iked, all or none, got "
	    "'strongswan'");
	assert_one_error(BASE "group carp0\n",
	    NAME ":3: group expects a group name not ending in a digit, "
	    "got 'carp0'");
	assert_one_error("interface an-interface-name-too-long\n" KEY16,
	    NAME ":1: interface expects an interface name of at most 15 "
	    "characters, got 'an-interface-name-too-long'");
	assert_one_error("interface carp0\n" KEY16 "interface carp1\n",
	    NAME ":3: interface given twice");
}

static void
test_syntax_errors_and_unknown_words_are_reported_per_line(void **state)
{
	const char	*want[] = {
		NAME ":1: syntax error near 'carp1'",
		NAME ":3: syntax error near '192.0.2.2'",
		NAME ":4: syntax error near '/etc/sasyncd.conf'",
		NAME ":5: macro 'nope' not defined",
		NULL
	};

	(void)state;
	assert_null(parse_text("interface carp0 carp1\n" KEY16
	    "syncpeer 192.0.2.2\n"
	    "include \"/etc/sasyncd.conf\"\n"
	    "group $nope\n"));
	assert_errors(want);
}

/* ------------------------------------------------------------------ */
/* files and permissions */

static void
test_a_private_root_file_is_read(void **state)
{
	struct sasyncd_conf	*c;
	char			*path;

	(void)state;
	if (geteuid() != 0)
		skip();
	path = scratch_file(BASE, 0600);
	memset(&errs, 0, sizeof(errs));
	c = sasyncd_parse_file(path, SASYNCD_PARSE_PERMS, collect, &errs);
	assert_non_null(c);
	assert_int_equal(errs.e_n, 0);
	sasyncd_conf_free(c);
	/* the stderr variant too */
	c = sasyncd_parse(path, 1);
	assert_non_null(c);
	sasyncd_conf_free(c);
	assert_int_equal(unlink(path), 0);
	free(path);
}

static void
test_a_file_readable_by_group_or_others_is_refused(void **state)
{
	static const mode_t	 modes[] = { 0644, 0640, 0604, 0601, 0610 };
	struct sasyncd_conf	*c;
	char			*path, want[256];
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		path = scratch_file(BASE, modes[i]);
		if (geteuid() == 0)
			(void)snprintf(want, sizeof(want), "%s: mode %04o "
			    "gives access to group or others, use 0600", path,
			    (unsigned int)modes[i]);
		else
			(void)snprintf(want, sizeof(want), "%s: owned by uid "
			    "%u, not by root", path, (unsigned int)geteuid());
		memset(&errs, 0, sizeof(errs));
		c = sasyncd_parse_file(path, SASYNCD_PARSE_PERMS, collect,
		    &errs);
		assert_null(c);
		assert_int_equal(errs.e_n, 1);
		assert_string_equal(errs.e_line[0], want);
		/* without the check the same file is read */
		memset(&errs, 0, sizeof(errs));
		c = sasyncd_parse_file(path, 0, collect, &errs);
		assert_non_null(c);
		sasyncd_conf_free(c);
		assert_int_equal(unlink(path), 0);
		free(path);
	}
}

static void
test_a_file_not_owned_by_root_is_refused(void **state)
{
	struct sasyncd_conf	*c;
	char			*path, want[256];

	(void)state;
	path = scratch_file(BASE, 0600);
	if (geteuid() == 0)
		assert_int_equal(chown(path, 1, 1), 0);
	(void)snprintf(want, sizeof(want), "%s: owned by uid %u, not by "
	    "root", path, geteuid() == 0 ? 1U : (unsigned int)geteuid());
	memset(&errs, 0, sizeof(errs));
	c = sasyncd_parse_file(path, SASYNCD_PARSE_PERMS, collect, &errs);
	assert_null(c);
	assert_int_equal(errs.e_n, 1);
	assert_string_equal(errs.e_line[0], want);
	assert_int_equal(unlink(path), 0);
	free(path);
}

static void
test_a_directory_or_a_missing_file_is_refused(void **state)
{
	struct sasyncd_conf	*c;

	(void)state;
	memset(&errs, 0, sizeof(errs));
	c = sasyncd_parse_file("/", SASYNCD_PARSE_PERMS, collect, &errs);
	assert_null(c);
	assert_int_equal(errs.e_n, 1);
	assert_string_equal(errs.e_line[0], "/: not a regular file");

	memset(&errs, 0, sizeof(errs));
	c = sasyncd_parse_file("/nonexistent/sasyncd.conf", 0, collect,
	    &errs);
	assert_null(c);
	assert_int_equal(errs.e_n, 1);
	assert_string_equal(errs.e_line[0], "/nonexistent/sasyncd.conf: "
	    "No such file or directory");
}

/* ------------------------------------------------------------------ */
/* golden files */

static void
test_each_good_conf_prints_its_out_file_and_parses_back(void **state)
{
	struct sasyncd_conf	*c;
	glob_t			 g;
	char			*p1, *want, outpath[512];
	size_t			 i, l1, wlen;

	(void)state;
	assert_int_equal(glob(GOOD_GLOB, 0, NULL, &g), 0);
	assert_true(g.gl_pathc >= 5);
	for (i = 0; i < g.gl_pathc; i++) {
		memset(&errs, 0, sizeof(errs));
		c = sasyncd_parse_file(g.gl_pathv[i], 0, collect, &errs);
		if (c == NULL)
			fail_msg("%s: %s", g.gl_pathv[i], errs.e_line[0]);
		p1 = print_text(c, &l1);

		(void)snprintf(outpath, sizeof(outpath), "%.*s.out",
		    (int)(strlen(g.gl_pathv[i]) - 5), g.gl_pathv[i]);
		want = read_file(outpath, &wlen);
		if (wlen != l1 || memcmp(want, p1, l1) != 0)
			fail_msg("%s: printout differs from %s:\n%s",
			    g.gl_pathv[i], outpath, p1);
		free(want);
		free(p1);
		assert_fixed_point(c);
		sasyncd_conf_free(c);
	}
	globfree(&g);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_fill_what_the_file_does_not_say),
		cmocka_unit_test(test_every_setting_fills_its_field),
		cmocka_unit_test(test_flushmode_takes_each_of_its_three_words),
		cmocka_unit_test(
	test_mode_master_or_slave_locks_the_state_without_an_interface),
		cmocka_unit_test(
	test_control_isakmpd_iked_and_all_are_accepted_with_a_warning),
		cmocka_unit_test(test_listen_keeps_the_name_family_and_port),
		cmocka_unit_test(
	test_numeric_peers_get_the_listen_port_even_when_given_first),
		cmocka_unit_test(
	test_a_host_name_peer_is_resolved_and_flagged_with_a_warning),
		cmocka_unit_test(test_macros_expand_in_values),
		cmocka_unit_test(
		    test_keywords_and_numbers_are_quoted_in_the_printout),
		cmocka_unit_test(test_the_printout_never_shows_the_key),
		cmocka_unit_test(
		    test_a_missing_sharedkey_or_interface_is_an_error),
		cmocka_unit_test(
		    test_each_bad_key_is_refused_with_its_length_only),
		cmocka_unit_test(test_no_message_ever_holds_the_key),
		cmocka_unit_test(test_each_setting_given_twice_is_an_error),
		cmocka_unit_test(
		    test_duplicate_peers_are_refused_by_name_or_address),
		cmocka_unit_test(test_bad_peers_are_refused),
		cmocka_unit_test(test_an_unresolvable_peer_is_an_error),
		cmocka_unit_test(test_bad_listen_values_are_refused),
		cmocka_unit_test(
		    test_bad_values_name_the_setting_and_the_value),
		cmocka_unit_test(
	test_syntax_errors_and_unknown_words_are_reported_per_line),
		cmocka_unit_test(test_a_private_root_file_is_read),
		cmocka_unit_test(
		    test_a_file_readable_by_group_or_others_is_refused),
		cmocka_unit_test(test_a_file_not_owned_by_root_is_refused),
		cmocka_unit_test(
		    test_a_directory_or_a_missing_file_is_refused),
		cmocka_unit_test(
		    test_each_good_conf_prints_its_out_file_and_parses_back),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
