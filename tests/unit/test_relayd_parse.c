/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * relayd.conf: texts parsed from memory (conf_parse_buf), the fields and
 * ids they give, templates and "name:port" tables, defaults, the order
 * rule, every error message word for word, includes from files in a
 * scratch directory, the canonical printout and its fixed point (same
 * text, same ids), the golden files under tests/conf/relayd/, lookups,
 * and conf_merge_state() over a reload.
 */

#include <sys/socket.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <glob.h>
#include <limits.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "conf_l7.h"
#include "relayd.h"

#define NAME		"test.conf"
#define MAXERRS		64
#define GOOD_GLOB	"tests/conf/relayd/good-*.conf"
#define BAD_GLOB	"tests/conf/relayd/bad-*.conf"

/* One redirect around a table: most texts need one. */
#define RDR(tbl, extra)							\
	"redirect r {\n"						\
	"\tlisten on 192.0.2.100 port 80\n"				\
	"\tforward to <" tbl "> check tcp" extra "\n"			\
	"}\n"

struct errs {
	char		 e_line[MAXERRS][512];
	int		 e_n;
};

static struct errs	 errs;

static void	 collect(void *, const char *);
static struct relayd_conf *parse_opts(const char *,
		    const struct conf_parse_opts *);
static struct relayd_conf *parse_text(const char *);
static char	*read_file(const char *, size_t *);
static void	 write_file(const char *, const char *, const char *);
static void	 assert_errors(const char *const *);
static void	 assert_one_error(const char *, const char *);
static void	 assert_fixed_point(const struct relayd_conf *);
static struct rd_table *nth_table(const struct relayd_conf *, int);
static struct rd_host *nth_host(const struct rd_table *, int);
static const char *host_addr(const struct rd_host *, char *, size_t);
static struct rd_template *template(const struct relayd_conf *,
		    const char *);

static void
collect(void *arg, const char *msg)
{
	struct errs	*e = arg;

	if (e->e_n < MAXERRS)
		(void)snprintf(e->e_line[e->e_n], sizeof(e->e_line[0]), "%s",
		    msg);
	e->e_n++;
}

static struct relayd_conf *
parse_opts(const char *text, const struct conf_parse_opts *in)
{
	struct conf_parse_opts	 o;

	memset(&errs, 0, sizeof(errs));
	memset(&o, 0, sizeof(o));
	if (in != NULL)
		o = *in;
	o.po_err = collect;
	o.po_arg = &errs;
	return (conf_parse_buf(text, strlen(text), NAME, &o));
}

/* Parses text as NAME, no name resolution; messages in errs. */
static struct relayd_conf *
parse_text(const char *text)
{
	return (parse_opts(text, NULL));
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

static void
write_file(const char *dir, const char *name, const char *text)
{
	char	 path[PATH_MAX];
	FILE	*f;

	(void)snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
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

static void
assert_one_error(const char *text, const char *msg)
{
	const char	*want[2] = { msg, NULL };

	assert_null(parse_text(text));
	assert_errors(want);
}

/* The printout parses to the same printout, with the same ids. */
static void
assert_fixed_point(const struct relayd_conf *c)
{
	struct relayd_conf	*c2;
	struct rd_table		*t, *t2;
	struct rd_host		*h, *h2;
	char			*p1, *p2;
	size_t			 l1, l2;

	p1 = conf_print_str(c, &l1);
	assert_non_null(p1);
	c2 = parse_text(p1);
	if (c2 == NULL)
		fail_msg("printout refused: %s\n%s", errs.e_line[0], p1);
	p2 = conf_print_str(c2, &l2);
	assert_non_null(p2);
	assert_string_equal(p1, p2);
	t2 = TAILQ_FIRST(&c2->c_tables);
	TAILQ_FOREACH(t, &c->c_tables, t_entry) {
		assert_non_null(t2);
		assert_int_equal(t->t_id, t2->t_id);
		assert_string_equal(t->t_name, t2->t_name);
		h2 = TAILQ_FIRST(&t2->t_hosts);
		TAILQ_FOREACH(h, &t->t_hosts, h_entry) {
			assert_non_null(h2);
			assert_int_equal(h->h_id, h2->h_id);
			assert_string_equal(h->h_name, h2->h_name);
			h2 = TAILQ_NEXT(h2, h_entry);
		}
		t2 = TAILQ_NEXT(t2, t_entry);
	}
	assert_null(t2);
	conf_free(c2);
	free(p1);
	free(p2);
}

static struct rd_table *
nth_table(const struct relayd_conf *c, int n)
{
	struct rd_table	*t;

	TAILQ_FOREACH(t, &c->c_tables, t_entry)
		if (n-- == 0)
			return (t);
	fail_msg("no table %d", n);
	return (NULL);
}

static struct rd_host *
nth_host(const struct rd_table *t, int n)
{
	struct rd_host	*h;

	TAILQ_FOREACH(h, &t->t_hosts, h_entry)
		if (n-- == 0)
			return (h);
	fail_msg("no host %d", n);
	return (NULL);
}

static const char *
host_addr(const struct rd_host *h, char *buf, size_t len)
{
	const void	*a;

	if (h->h_ss.ss_family == AF_INET)
		a = &((const struct sockaddr_in *)&h->h_ss)->sin_addr;
	else
		a = &((const struct sockaddr_in6 *)&h->h_ss)->sin6_addr;
	assert_non_null(inet_ntop(h->h_ss.ss_family, a, buf,
	    (socklen_t)len));
	return (buf);
}

static struct rd_template *
template(const struct relayd_conf *c, const char *name)
{
	struct rd_template	*tp;

	tp = conf_template(c, name);
	assert_non_null(tp);
	return (tp);
}

/* ------------------------------------------------------------------ */
/* defaults and globals */

static void
test_defaults_are_openbsds(void **state)
{
	struct relayd_conf	*c;
	struct rd_redirect	*r;
	struct rd_table		*t;
	struct rd_host		*h;

	(void)state;
	c = parse_text("table <t> { 192.0.2.1 }\n" RDR("t", ""));
	assert_non_null(c);
	assert_int_equal(c->c_interval, 10);
	assert_int_equal(c->c_timeout, 200);
	assert_int_equal(c->c_prefork, 3);
	assert_int_equal(c->c_log, 0);
	assert_int_equal(c->c_loglevel, -1);
	assert_string_equal(c->c_socket, "");
	r = TAILQ_FIRST(&c->c_redirects);
	assert_int_equal(r->r_id, 1);
	assert_int_equal(r->r_timeout, 600);
	assert_int_equal(r->r_listen[0].l_proto, IPPROTO_TCP);
	assert_int_equal(r->r_listen[0].l_port, 80);
	assert_int_equal(r->r_listen[0].l_port_hi, 80);
	t = r->r_table;
	assert_string_equal(t->t_name, "t:80");
	assert_string_equal(t->t_template, "t");
	assert_int_equal(t->t_interval, 10);
	assert_int_equal(t->t_timeout, 200);
	assert_int_equal(t->t_mode, MODE_ROUNDROBIN);
	assert_int_equal(t->t_haskey, 0);
	assert_null(r->r_backup);
	h = TAILQ_FIRST(&t->t_hosts);
	assert_int_equal(h->h_id, 1);
	assert_int_equal(h->h_priority, 8);
	assert_int_equal(h->h_retry, 0);
	assert_int_equal(h->h_parentid, 0);
	assert_ptr_equal(h->h_table, t);
	assert_string_equal(h->h_name, "192.0.2.1");
	assert_int_equal(c->c_nhosts, 1);
	conf_free(c);
}

static void
test_every_global_option_fills_its_field(void **state)
{
	struct relayd_conf	*c;

	(void)state;
	c = parse_text(
	    "interval 5\ntimeout 1000\nprefork 32\n"
	    "log state changes\nlog host checks\nlog connection errors\n"
	    "log level brief\nsocket \"/tmp/r.sock\"\n"
	    "agentx context \"ctx\" path \"/tmp/ax\"\n"
	    "table <t> { 192.0.2.1 }\n" RDR("t", ""));
	assert_non_null(c);
	assert_int_equal(c->c_interval, 5);
	assert_int_equal(c->c_timeout, 1000);
	assert_int_equal(c->c_prefork, 32);
	assert_int_equal(c->c_log, CONF_LOG_STATE | CONF_LOG_CHECKS |
	    CONF_LOG_CONNERR);
	assert_int_equal(c->c_loglevel, 0);
	assert_string_equal(c->c_socket, "/tmp/r.sock");
	assert_int_equal(c->c_agentx, 1);
	assert_string_equal(c->c_agentx_context, "ctx");
	assert_string_equal(c->c_agentx_path, "/tmp/ax");
	assert_fixed_point(c);
	conf_free(c);
}

static void
test_global_timeout_applies_only_to_later_tables(void **state)
{
	struct relayd_conf	*c;

	(void)state;
	c = parse_text(
	    "table <early> { 192.0.2.1 }\n"
	    "timeout 700\n"
	    "table <late> { 192.0.2.2 }\n"
	    "redirect a {\n\tlisten on 192.0.2.100 port 80\n"
	    "\tforward to <early> check tcp\n}\n"
	    "redirect b {\n\tlisten on 192.0.2.100 port 81\n"
	    "\tforward to <late> check tcp\n}\n");
	assert_non_null(c);
	assert_int_equal(conf_table_byname(c, "early:80")->t_timeout, 200);
	assert_int_equal(conf_table_byname(c, "late:81")->t_timeout, 700);
	assert_int_equal(template(c, "early")->tp_timeout, 200);
	assert_int_equal(template(c, "late")->tp_timeout, 700);
	/* the printout says so on the forward line */
	assert_fixed_point(c);
	conf_free(c);
}

static void
test_a_timeout_above_the_interval_is_an_error(void **state)
{
	const char	*want[] = {
		"test.conf:2: timeout 3000 ms exceeds the interval of 2 s",
		"test.conf:6: table t:80: timeout 9000 ms exceeds the "
		    "interval of 8 s",
		NULL
	};

	(void)state;
	assert_null(parse_text("interval 2\ntimeout 3000\n"
	    "table <t> { 192.0.2.1 }\n"
	    "redirect r {\n\tlisten on 192.0.2.100 port 80\n"
	    "\tforward to <t> check tcp interval 8 timeout 9000\n}\n"));
	assert_errors(want);
	assert_one_error("table <t> { 192.0.2.1 }\n"
	    RDR("t", " interval 15"),
	    "test.conf:4: table t:80: interval 15 is not a multiple of the "
	    "global interval 10");
}

static void
test_defines_come_first_and_the_file_cannot_override_them(void **state)
{
	struct conf_parse_opts	 o;
	struct relayd_conf	*c;
	const char		*defs[] = { "vip=192.0.2.7", "p=8080" };
	char			 buf[64];
	struct sockaddr_in	*sin;

	(void)state;
	memset(&o, 0, sizeof(o));
	o.po_defines = defs;
	o.po_ndefines = 2;
	c = parse_opts("vip = \"192.0.2.99\"\nother = \"192.0.2.1\"\n"
	    "table <t> { $other }\n"
	    "redirect r {\n\tlisten on $vip port $p\n"
	    "\tforward to <t> check tcp\n}\n", &o);
	assert_non_null(c);
	sin = (struct sockaddr_in *)&TAILQ_FIRST(&c->c_redirects)->
	    r_listen[0].l_ss;
	assert_non_null(inet_ntop(AF_INET, &sin->sin_addr, buf,
	    sizeof(buf)));
	assert_string_equal(buf, "192.0.2.7");
	assert_int_equal(TAILQ_FIRST(&c->c_redirects)->r_listen[0].l_port,
	    8080);
	conf_free(c);

	defs[0] = "novalue";
	o.po_ndefines = 1;
	assert_null(parse_opts("table <t> { 192.0.2.1 }\n" RDR("t", ""),
	    &o));
	assert_int_equal(errs.e_n, 1);
	assert_string_equal(errs.e_line[0], "-D: -D novalue: expects "
	    "name=value");
}

static void
test_macros_expand_outside_quotes_only(void **state)
{
	struct relayd_conf	*c;
	struct rd_table		*t;

	(void)state;
	c = parse_text("h = \"192.0.2.1 192.0.2.2\"\n"
	    "table <t> { $h }\n"
	    "redirect r {\n\tlisten on 192.0.2.100 port 80\n"
	    "\tforward to <t> check send \"$h\" expect \"*\"\n}\n");
	assert_non_null(c);
	t = nth_table(c, 0);
	assert_int_equal(template(c, "t")->tp_nhosts, 2);
	assert_int_equal(t->t_check.ck_sendlen, 2);
	assert_memory_equal(t->t_check.ck_send, "$h", 2);
	conf_free(c);
	assert_one_error("table <t> { $nope }\n" RDR("t", ""),
	    "test.conf:1: macro 'nope' not defined");
	assert_one_error("table = \"x\"\ntable <t> { 192.0.2.1 }\n"
	    RDR("t", ""), "test.conf:1: syntax error near '='");
}

/* ------------------------------------------------------------------ */
/* tables, ids and templates */

static void
test_host_ids_count_from_one_over_the_whole_config(void **state)
{
	struct relayd_conf	*c;
	struct rd_table		*a, *b;

	(void)state;
	c = parse_text(
	    "table <a> { 192.0.2.1, 192.0.2.2\n192.0.2.3 }\n"
	    "table <b> {\n\t192.0.2.4\n\t192.0.2.5\n}\n"
	    "redirect r {\n\tlisten on 192.0.2.100 port 80\n"
	    "\tforward to <a> check tcp\n\tforward to <b> check icmp\n}\n");
	assert_non_null(c);
	a = nth_table(c, 0);
	b = nth_table(c, 1);
	assert_int_equal(a->t_id, 1);
	assert_int_equal(b->t_id, 2);
	assert_int_equal(nth_host(a, 0)->h_id, 1);
	assert_int_equal(nth_host(a, 2)->h_id, 3);
	assert_int_equal(nth_host(b, 0)->h_id, 4);
	assert_int_equal(nth_host(b, 1)->h_id, 5);
	assert_ptr_equal(TAILQ_FIRST(&c->c_redirects)->r_backup, b);
	assert_ptr_equal(conf_host(c, 4), nth_host(b, 0));
	assert_null(conf_host(c, 6));
	assert_null(conf_host(c, 0));
	assert_int_equal(c->c_nhosts, 5);
	/* template hosts carry no id */
	assert_int_equal(TAILQ_FIRST(&template(c, "a")->tp_hosts)->h_id, 0);
	assert_fixed_point(c);
	conf_free(c);
}

static void
test_a_table_used_on_two_ports_is_copied_per_port(void **state)
{
	struct relayd_conf	*c;
	struct rd_table		*t80, *t81;

	(void)state;
	c = parse_text("table <web> { 192.0.2.1 192.0.2.2 }\n"
	    "redirect a {\n\tlisten on 192.0.2.100 port 80\n"
	    "\tforward to <web> check tcp\n}\n"
	    "redirect b {\n\tlisten on 192.0.2.100 port 81\n"
	    "\tforward to <web> check http \"/\" code 200\n}\n"
	    "redirect c {\n\tlisten on 192.0.2.101 port 80\n"
	    "\tforward to <web> check tcp\n}\n");
	assert_non_null(c);
	t80 = conf_table_byname(c, "web:80");
	t81 = conf_table_byname(c, "web:81");
	assert_non_null(t80);
	assert_non_null(t81);
	assert_int_equal(t80->t_id, 1);
	assert_int_equal(t81->t_id, 2);
	assert_int_equal(t80->t_port, 80);
	assert_int_equal(nth_host(t81, 0)->h_id, 3);
	assert_ptr_not_equal(nth_host(t80, 0), nth_host(t81, 0));
	/* the same name:port with the same check is one table */
	assert_ptr_equal(conf_redirect_byname(c, "c")->r_table, t80);
	assert_ptr_equal(conf_table(c, 2), t81);
	assert_null(conf_table(c, 3));
	assert_null(conf_table_byname(c, "web"));
	assert_int_equal(c->c_nhosts, 4);
	assert_fixed_point(c);
	conf_free(c);
}

static void
test_a_port_reused_with_another_check_is_an_error(void **state)
{
	(void)state;
	assert_one_error("table <web> { 192.0.2.1 }\n"
	    "redirect a {\n\tlisten on 192.0.2.100 port 80\n"
	    "\tforward to <web> check tcp\n}\n"
	    "redirect b {\n\tlisten on 192.0.2.101 port 80\n"
	    "\tforward to <web> check icmp\n}\n",
	    "test.conf:8: table web:80 is already used with a different "
	    "check");
	assert_one_error("table <web> { 192.0.2.1 }\n"
	    "redirect a {\n\tlisten on 192.0.2.100 port 80\n"
	    "\tforward to <web> check tcp\n}\n"
	    "redirect b {\n\tlisten on 192.0.2.101 port 80\n"
	    "\tforward to <web> check tcp demote carp\n}\n",
	    "test.conf:8: table web:80 is already used with different "
	    "options");
}

static void
test_table_ids_follow_the_printed_order_of_blocks(void **state)
{
	struct relayd_conf	*c;

	(void)state;
	c = parse_text("table <x> { 192.0.2.1 }\ntable <y> { 192.0.2.2 }\n"
	    "relay rl {\n\tlisten on 192.0.2.100 port 8080\n"
	    "\tforward to <x> check tcp\n}\n"
	    "redirect r {\n\tlisten on 192.0.2.100 port 80\n"
	    "\tforward to <y> check tcp\n}\n");
	assert_non_null(c);
	/* redirects come first, whatever the file order */
	assert_string_equal(conf_table(c, 1)->t_name, "y:80");
	assert_string_equal(conf_table(c, 2)->t_name, "x:8080");
	assert_int_equal(nth_host(conf_table(c, 1), 0)->h_id, 1);
	assert_fixed_point(c);
	conf_free(c);
}

static void
test_host_options_are_kept_per_host(void **state)
{
	struct relayd_conf	*c;
	struct rd_table		*t;

	(void)state;
	c = parse_text("table <t> {\n"
	    "\t192.0.2.1 retry 3 priority 20\n"
	    "\t192.0.2.2 parent 1 ip ttl 1\n"
	    "\t2001:db8::1 hostname \"www.example.com\"\n"
	    "}\n" RDR("t", ""));
	assert_non_null(c);
	t = nth_table(c, 0);
	assert_int_equal(nth_host(t, 0)->h_retry, 3);
	assert_int_equal(nth_host(t, 0)->h_retry_left, 3);
	assert_int_equal(nth_host(t, 0)->h_priority, 20);
	assert_int_equal(nth_host(t, 1)->h_parentid, 1);
	assert_int_equal(nth_host(t, 1)->h_ttl, 1);
	assert_string_equal(nth_host(t, 2)->h_name, "www.example.com");
	assert_ptr_equal(conf_host_byname(c, "www.example.com"),
	    nth_host(t, 2));
	assert_null(conf_host_byname(c, "nope"));
	assert_fixed_point(c);
	conf_free(c);
	assert_one_error("table <t> { 192.0.2.1 parent 7 }\n" RDR("t", ""),
	    "test.conf:4: table t:80: host 192.0.2.1: parent 7 is not "
	    "another host's id");
	assert_one_error("table <t> { 192.0.2.1 priority 256 }\n"
	    RDR("t", ""), "test.conf:1: priority expects 0-255, got '256'");
}

static void
test_disabled_tables_and_empty_tables(void **state)
{
	struct relayd_conf	*c;

	(void)state;
	c = parse_text("table <t> disable { 192.0.2.1 }\n" RDR("t", ""));
	assert_non_null(c);
	assert_int_equal(nth_table(c, 0)->t_disabled, 1);
	assert_fixed_point(c);
	conf_free(c);
	assert_one_error("table <t> { }\n" RDR("t", ""),
	    "test.conf:1: table t has no hosts");
	assert_one_error("table <t> { 192.0.2.1 }\n" RDR("u", ""),
	    "test.conf:4: table u is not defined");
}

/* ------------------------------------------------------------------ */
/* addresses, ports, limits */

static void
test_names_are_refused_without_resolution(void **state)
{
	(void)state;
	assert_one_error("table <t> { www.example.com }\n" RDR("t", ""),
	    "test.conf:1: 'www.example.com' is not an IPv4 or IPv6 address");
	assert_one_error("table <t> { 192.0.2.0/24 }\n" RDR("t", ""),
	    "test.conf:1: '192.0.2.0/24': an address here takes no prefix "
	    "length");
}

static void
test_an_interface_gives_its_first_ipv4_address_first(void **state)
{
	struct conf_parse_opts	 o;
	struct relayd_conf	*c;
	struct rd_table		*t;
	char			 buf[64];
	char			*p;

	(void)state;
	memset(&o, 0, sizeof(o));
	o.po_resolve = 1;
	c = parse_opts("table <t> { lo }\n" RDR("t", ""), &o);
	assert_non_null(c);
	t = nth_table(c, 0);
	assert_string_equal(host_addr(nth_host(t, 0), buf, sizeof(buf)),
	    "127.0.0.1");
	assert_string_equal(nth_host(t, 0)->h_name, "lo");
	/* the printout keeps the name, as an address with a hostname */
	p = conf_print_str(c, NULL);
	assert_non_null(strstr(p, "\t127.0.0.1 hostname \"lo\"\n"));
	free(p);
	assert_fixed_point(c);
	conf_free(c);
}

static void
test_ports_take_services_and_ranges_where_allowed(void **state)
{
	struct relayd_conf	*c;
	struct rd_redirect	*r;

	(void)state;
	c = parse_text("table <t> { 192.0.2.1 }\n"
	    "redirect r {\n\tlisten on 192.0.2.100 port 6000:6010\n"
	    "\tlisten on 192.0.2.100 udp port domain\n"
	    "\tlisten on 192.0.2.100 port http\n"
	    "\tforward to <t> port https check tcp\n}\n");
	assert_non_null(c);
	r = TAILQ_FIRST(&c->c_redirects);
	assert_int_equal(r->r_nlisten, 3);
	assert_int_equal(r->r_listen[0].l_port, 6000);
	assert_int_equal(r->r_listen[0].l_port_hi, 6010);
	assert_int_equal(r->r_listen[1].l_port, 53);
	assert_int_equal(r->r_listen[1].l_proto, IPPROTO_UDP);
	assert_int_equal(r->r_listen[2].l_port, 80);
	assert_string_equal(r->r_table->t_name, "t:443");
	assert_fixed_point(c);
	conf_free(c);
	assert_one_error("table <t> { 192.0.2.1 }\n"
	    "relay r {\n\tlisten on 192.0.2.100 port 1:2\n"
	    "\tforward to <t> port 80 check tcp\n}\n",
	    "test.conf:3: port: a port range is only allowed in a redirect "
	    "listen on, got '1:2'");
}

static void
test_names_listens_and_hosts_are_bounded(void **state)
{
	char		*text, *p;
	size_t		 len = 256 * 1024;
	int		 i;

	(void)state;
	assert_one_error("table <t> { 192.0.2.1 }\n"
	    "redirect \"0123456789012345678901234567890123456789012345678901"
	    "234567890123\" {\n\tlisten on 192.0.2.100 port 80\n"
	    "\tforward to <t> check tcp\n}\n",
	    "test.conf:2: redirect name '0123456789012345678901234567890123"
	    "456789012345678901234567890123...' is longer than 63 "
	    "characters");

	text = malloc(len);
	assert_non_null(text);
	p = text;
	p += sprintf(p, "table <t> { 192.0.2.1 }\nredirect r {\n");
	for (i = 0; i < RELAYD_MAXLISTEN + 1; i++)
		p += sprintf(p, "\tlisten on 192.0.2.%d port 80\n", i + 1);
	(void)sprintf(p, "\tforward to <t> check tcp\n}\n");
	assert_one_error(text, "test.conf:19: redirect r: more than 16 "
	    "listen on addresses");

	p = text;
	p += sprintf(p, "table <t> {\n");
	for (i = 0; i < RELAYD_MAXHOSTS + 1; i++)
		p += sprintf(p, "10.%d.%d.1\n", i / 256, i % 256);
	(void)sprintf(p, "}\n" RDR("t", ""));
	assert_one_error(text, "test.conf:4098: more than 4096 hosts");
	free(text);
}

/* ------------------------------------------------------------------ */
/* redirects */

static void
test_a_redirect_table_needs_a_check(void **state)
{
	(void)state;
	assert_one_error("table <web> { 192.0.2.1 }\n"
	    "redirect \"www\" {\n\tlisten on 192.0.2.100 port 80\n"
	    "\tforward to <web>\n}\n",
	    "test.conf:4: table web:80 has no check");
}

static void
test_one_backup_table_with_the_same_port_and_mode(void **state)
{
	struct relayd_conf	*c;
	const char		*want[] = {
		"test.conf:6: redirect r: backup table b:8080 must use the "
		    "same port as a:80",
		"test.conf:6: redirect r: backup table b:8080 must use the "
		    "same mode as a:80",
		NULL
	};

	(void)state;
	c = parse_text("table <a> { 192.0.2.1 }\ntable <b> { 192.0.2.2 }\n"
	    "redirect r {\n\tlisten on 192.0.2.100 port 80\n"
	    "\tforward to <a> mode source-hash check tcp\n"
	    "\tforward to <b> mode source-hash check icmp\n}\n");
	assert_non_null(c);
	assert_string_equal(TAILQ_FIRST(&c->c_redirects)->r_backup->t_name,
	    "b:80");
	conf_free(c);
	assert_null(parse_text("table <a> { 192.0.2.1 }\n"
	    "table <b> { 192.0.2.2 }\n"
	    "redirect r {\n\tlisten on 192.0.2.100 port 80\n"
	    "\tforward to <a> mode random check tcp\n"
	    "\tforward to <b> port 8080 check tcp\n}\n"));
	assert_errors(want);
	assert_one_error("table <a> { 192.0.2.1 }\ntable <b> { 192.0.2.2 }\n"
	    "redirect r {\n\tlisten on 192.0.2.100 port 80\n"
	    "\tforward to <a> check tcp\n\tforward to <b> check tcp\n"
	    "\tforward to <b> check tcp\n}\n",
	    "test.conf:7: redirect r: more than one backup table");
}

static void
test_route_to_is_refused_until_supported(void **state)
{
	(void)state;
	assert_one_error("table <gw> { 192.0.2.1 }\n"
	    "redirect \"dsr\" {\n\tlisten on 192.0.2.100 port 80\n"
	    "\troute to <gw> check icmp interface eth1\n}\n",
	    "test.conf:4: redirect dsr: route to is not supported yet");
}

static void
test_redirect_options_fill_their_fields(void **state)
{
	struct relayd_conf	*c;
	struct rd_redirect	*r;

	(void)state;
	c = parse_text("table <t> { 192.0.2.1 }\n"
	    "redirect \"a b\" {\n"
	    "\tlisten on 2001:db8::1 proto sctp port 80 interface eth0 "
	    "pflog\n"
	    "\tforward to <t> check tcp\n"
	    "\tsticky-address\n\tsession timeout 2147483647\n"
	    "\tmatch pftag \"web tag\"\n\tdisable\n}\n");
	assert_non_null(c);
	r = conf_redirect_byname(c, "a b");
	assert_non_null(r);
	assert_ptr_equal(conf_redirect(c, 1), r);
	assert_null(conf_redirect(c, 2));
	assert_int_equal(r->r_listen[0].l_ss.ss_family, AF_INET6);
	assert_int_equal(r->r_listen[0].l_proto, IPPROTO_SCTP);
	assert_string_equal(r->r_listen[0].l_ifname, "eth0");
	assert_int_equal(r->r_listen[0].l_pflog, 1);
	assert_int_equal(r->r_sticky, 1);
	assert_int_equal(r->r_timeout, 2147483647);
	assert_string_equal(r->r_tag, "web tag");
	assert_int_equal(r->r_match, 1);
	assert_int_equal(r->r_disabled, 1);
	assert_fixed_point(c);
	conf_free(c);
	assert_one_error("table <t> { 192.0.2.1 }\n"
	    RDR("t", "") "redirect r {\n\tlisten on 192.0.2.1 port 81\n"
	    "\tforward to <t> check tcp\n}\n",
	    "test.conf:6: redirect r defined twice");
}

/* ------------------------------------------------------------------ */
/* modes and keys */

static void
test_modes_are_allowed_per_context(void **state)
{
	(void)state;
	assert_one_error("table <t> { 192.0.2.1 }\n"
	    RDR("t", " mode loadbalance"),
	    "test.conf:4: redirect r: mode loadbalance is only for relays");
	assert_one_error("table <t> { 192.0.2.1 }\n"
	    RDR("t", " mode hash"),
	    "test.conf:4: redirect r: mode hash is only for relays");
	assert_one_error("table <t> { 192.0.2.1 }\n"
	    "relay x {\n\tlisten on 192.0.2.100 port 80\n"
	    "\tforward to <t> mode least-states check tcp\n}\n",
	    "test.conf:4: relay x: mode least-states is only for redirects");
	assert_one_error("table <t> { 192.0.2.1 }\n"
	    RDR("t", " mode random \"k\""),
	    "test.conf:4: mode random takes no key");
	assert_one_error("table <t> { 192.0.2.1 }\n"
	    RDR("t", " mode fastest"), "test.conf:4: unknown mode 'fastest'");
}

static void
test_a_string_key_is_its_md5_and_no_key_prints_none(void **state)
{
	struct relayd_conf	*c;
	struct rd_table		*t;
	uint8_t			 md[EVP_MAX_MD_SIZE];
	unsigned int		 len;
	char			*p;
	const uint8_t		 hex[16] = {
		0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
		0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff
	};

	(void)state;
	c = parse_text("table <t> { 192.0.2.1 }\n"
	    RDR("t", " mode source-hash \"a secret\""));
	assert_non_null(c);
	t = nth_table(c, 0);
	assert_int_equal(EVP_Digest("a secret", 8, md, &len, EVP_md5(),
	    NULL), 1);
	assert_int_equal(t->t_haskey, 1);
	assert_memory_equal(t->t_key, md, 16);
	assert_fixed_point(c);
	conf_free(c);

	c = parse_text("table <t> { 192.0.2.1 }\n"
	    RDR("t", " mode source-hash 0x00112233445566778899AABBCCDDEEFF"));
	assert_non_null(c);
	assert_memory_equal(nth_table(c, 0)->t_key, hex, 16);
	p = conf_print_str(c, NULL);
	assert_non_null(strstr(p, "mode source-hash "
	    "0x00112233445566778899aabbccddeeff check tcp"));
	free(p);
	conf_free(c);

	c = parse_text("table <t> { 192.0.2.1 }\n"
	    RDR("t", " mode source-hash"));
	assert_non_null(c);
	assert_int_equal(nth_table(c, 0)->t_haskey, 0);
	p = conf_print_str(c, NULL);
	assert_non_null(strstr(p, "mode source-hash check tcp\n"));
	free(p);
	conf_free(c);
}

/* ------------------------------------------------------------------ */
/* checks */

static void
test_every_check_method_fills_the_check(void **state)
{
	struct relayd_conf	*c;
	struct rd_check		*ck;

	(void)state;
	c = parse_text("table <t> { 192.0.2.1 }\n"
	    "redirect r {\n\tlisten on 192.0.2.100 port 80\n"
	    "\tforward to <t> port 1 check icmp\n}\n"
	    "redirect r2 {\n\tlisten on 192.0.2.100 port 81\n"
	    "\tforward to <t> port 2 check https \"/x\" host h code 302\n}\n"
	    "redirect r3 {\n\tlisten on 192.0.2.100 port 82\n"
	    "\tforward to <t> port 3 check http \"/\" digest "
	    "\"D41D8CD98F00B204E9800998ECF8427E\"\n}\n"
	    "redirect r4 {\n\tlisten on 192.0.2.100 port 83\n"
	    "\tforward to <t> port 4 check binary send \"00ff\" expect "
	    "\"0A\" tls\n}\n"
	    "redirect r5 {\n\tlisten on 192.0.2.100 port 84\n"
	    "\tforward to <t> port 5 check send \"\" expect \"SSH-*\"\n}\n"
	    "redirect r6 {\n\tlisten on 192.0.2.100 port 85\n"
	    "\tforward to <t> port 6 check script \"/bin/true\"\n}\n");
	assert_non_null(c);
	assert_int_equal(conf_table_byname(c, "t:1")->t_check.ck_type,
	    CHECK_ICMP);
	ck = &conf_table_byname(c, "t:2")->t_check;
	assert_int_equal(ck->ck_type, CHECK_HTTP_CODE);
	assert_int_equal(ck->ck_tls, 1);
	assert_string_equal(ck->ck_path, "/x");
	assert_string_equal(ck->ck_host, "h");
	assert_int_equal(ck->ck_code, 302);
	ck = &conf_table_byname(c, "t:3")->t_check;
	assert_int_equal(ck->ck_type, CHECK_HTTP_DIGEST);
	assert_int_equal(ck->ck_digest_type, DIGEST_MD5);
	assert_string_equal(ck->ck_digest, "d41d8cd98f00b204e9800998ecf8427e");
	ck = &conf_table_byname(c, "t:4")->t_check;
	assert_int_equal(ck->ck_type, CHECK_BINARY);
	assert_int_equal(ck->ck_sendlen, 2);
	assert_memory_equal(ck->ck_send, "\x00\xff", 2);
	assert_int_equal(ck->ck_expectlen, 1);
	assert_int_equal(ck->ck_expect[0], 0x0a);
	assert_int_equal(ck->ck_tls, 1);
	ck = &conf_table_byname(c, "t:5")->t_check;
	assert_int_equal(ck->ck_type, CHECK_SEND_EXPECT);
	assert_int_equal(ck->ck_send_nothing, 1);
	assert_int_equal(ck->ck_expectlen, 5);
	ck = &conf_table_byname(c, "t:6")->t_check;
	assert_int_equal(ck->ck_type, CHECK_SCRIPT);
	assert_string_equal(ck->ck_path, "/bin/true");
	assert_fixed_point(c);
	conf_free(c);
}

static void
test_bad_checks_are_reported_with_values(void **state)
{
	(void)state;
	assert_one_error("table <t> { 192.0.2.1 }\n"
	    RDR("t", " check icmp"),
	    "test.conf:4: forward to: check given twice");
	assert_one_error("table <t> { 192.0.2.1 }\n"
	    "redirect r {\n\tlisten on 192.0.2.100 port 80\n"
	    "\tforward to <t> check http \"/\" digest \"abc\"\n}\n",
	    "test.conf:4: digest expects 32 (MD5) or 40 (SHA1) hexadecimal "
	    "digits, got 'abc'");
	assert_one_error("table <t> { 192.0.2.1 }\n"
	    "redirect r {\n\tlisten on 192.0.2.100 port 80\n"
	    "\tforward to <t> check binary send \"abc\" expect \"00\"\n}\n",
	    "test.conf:4: binary send expects hexadecimal bytes (at most "
	    "1024), got 'abc'");
	assert_one_error("table <t> { 192.0.2.1 }\n"
	    "redirect r {\n\tlisten on 192.0.2.100 port 80\n"
	    "\tforward to <t> check gopher \"/\" code 200\n}\n",
	    "test.conf:4: unknown check 'gopher'");
}

/* ------------------------------------------------------------------ */
/* relays, protocols, routers */

static void
test_relays_keep_their_forwards_and_modes(void **state)
{
	struct relayd_conf	*c;
	struct rd_relay		*rl;
	struct rd_relay_fwd	*f;
	struct rd_redirect	*r;

	(void)state;
	c = parse_text("table <t> { 192.0.2.1 }\n"
	    "tcp protocol p { tcp nodelay }\n"
	    "relay x {\n\tlisten on 192.0.2.100 port 80 tls\n"
	    "\tprotocol p\n"
	    "\tforward with tls to <t> mode loadbalance check tcp retry 2\n"
	    "\ttransparent forward to 192.0.2.9 port 81\n"
	    "\tforward to nat lookup\n"
	    "\tsession timeout 30\n\tproxy-protocol v1\n}\n"
	    "redirect r {\n\tlisten on 192.0.2.100 port 80\n"
	    "\tforward to <t> mode source-hash check tcp\n}\n");
	assert_non_null(c);
	rl = conf_relay_byname(c, "x");
	assert_non_null(rl);
	assert_int_equal(rl->rl_id, 1);
	assert_int_equal(rl->rl_listen[0].rl_tls, 1);
	assert_ptr_equal(rl->rl_proto, conf_protocol_byname(c, "p"));
	assert_int_equal(rl->rl_timeout, 30);
	assert_int_equal(rl->rl_proxyproto, 1);
	f = TAILQ_FIRST(&rl->rl_fwds);
	assert_int_equal(f->f_type, FWD_TABLE);
	assert_int_equal(f->f_tls, 1);
	assert_int_equal(f->f_retry, 2);
	assert_int_equal(f->f_mode, MODE_LOADBALANCE);
	/* shared with the redirect, whose mode the table keeps */
	r = TAILQ_FIRST(&c->c_redirects);
	assert_ptr_equal(f->f_table, r->r_table);
	assert_int_equal(r->r_table->t_mode, MODE_SOURCEHASH);
	f = TAILQ_NEXT(f, f_entry);
	assert_int_equal(f->f_type, FWD_ADDR);
	assert_int_equal(f->f_transparent, 1);
	assert_int_equal(f->f_port, 81);
	assert_int_equal(f->f_retry, -1);
	f = TAILQ_NEXT(f, f_entry);
	assert_int_equal(f->f_type, FWD_NATLOOKUP);
	assert_fixed_point(c);
	conf_free(c);
}

static void
test_relay_errors_name_the_relay(void **state)
{
	(void)state;
	assert_one_error("relay x {\n\tforward to 192.0.2.1 port 80\n}\n",
	    "test.conf:1: relay x has no listen on");
	assert_one_error("relay x {\n\tlisten on 192.0.2.1 port 80\n"
	    "\tprotocol nope\n\tforward to 192.0.2.2\n}\n",
	    "test.conf:1: relay x: protocol nope is not defined");
	assert_one_error("table <a> { 192.0.2.1 }\n"
	    "http protocol p { pass forward to <a> }\n"
	    "relay x {\n\tlisten on 192.0.2.1 port 80\n"
	    "\tprotocol p\n\tforward to 192.0.2.2\n}\n",
	    "test.conf:3: relay x: protocol p forwards to <a>, which the "
	    "relay does not forward to");
}

static void
test_filter_rules_are_kept_in_order_with_their_options(void **state)
{
	struct relayd_conf	*c;
	struct rd_protocol	*pr;
	struct rd_rule		*ru;

	(void)state;
	c = parse_text("table <a> { 192.0.2.1 }\n"
	    "http protocol h {\n"
	    "\tmatch request header append \"X-F\" value \"$REMOTE_ADDR\"\n"
	    "\tblock response quick inet from 192.0.2.0/24 to 192.0.2.1 "
	    "label \"no\"\n"
	    "\tpass method post url file \"/etc/u\" forward to <a> tag t1\n"
	    "\tpass tagged t1 path strip 2 cookie log \"sid\" no label\n"
	    "\tmatch query pattern \"^a%d+\" value \"x\"\n"
	    "\treturn error\n"
	    "}\n"
	    "relay x {\n\tlisten on 192.0.2.100 port 80\n\tprotocol h\n"
	    "\tforward to <a> check tcp\n}\n");
	assert_non_null(c);
	pr = conf_protocol_byname(c, "h");
	assert_int_equal(pr->p_type, PROTO_HTTP);
	assert_int_equal(pr->p_nrules, 5);
	assert_int_equal(pr->p_return_error, 1);
	ru = TAILQ_FIRST(&pr->p_rules);
	assert_int_equal(ru->ru_action, RULE_MATCH);
	assert_int_equal(ru->ru_kv[KV_HEADER].kv_set, 1);
	assert_int_equal(ru->ru_kv[KV_HEADER].kv_action, KVA_APPEND);
	assert_string_equal(ru->ru_kv[KV_HEADER].kv_key, "X-F");
	assert_string_equal(ru->ru_kv[KV_HEADER].kv_value, "$REMOTE_ADDR");
	ru = TAILQ_NEXT(ru, ru_entry);
	assert_int_equal(ru->ru_action, RULE_BLOCK);
	assert_int_equal(ru->ru_response, 1);
	assert_int_equal(ru->ru_quick, 1);
	assert_int_equal(ru->ru_af, AF_INET);
	assert_int_equal(ru->ru_from.a_plen, 24);
	assert_int_equal(ru->ru_hasto, 1);
	assert_string_equal(ru->ru_label, "no");
	ru = TAILQ_NEXT(ru, ru_entry);
	assert_string_equal(ru->ru_method, "POST");
	assert_int_equal(ru->ru_kv[KV_URL].kv_keykind, KEY_FILE);
	assert_string_equal(ru->ru_table, "a");
	assert_string_equal(ru->ru_tag, "t1");
	ru = TAILQ_NEXT(ru, ru_entry);
	assert_string_equal(ru->ru_tagged, "t1");
	assert_int_equal(ru->ru_strip, 2);
	assert_int_equal(ru->ru_kv[KV_COOKIE].kv_action, KVA_LOG);
	assert_int_equal(ru->ru_nolabel, 1);
	ru = TAILQ_NEXT(ru, ru_entry);
	assert_int_equal(ru->ru_kv[KV_QUERY].kv_keykind, KEY_PATTERN);
	assert_fixed_point(c);
	conf_free(c);
	assert_one_error("http protocol h { pass method FETCH }\n"
	    "relay x {\n\tlisten on 192.0.2.1 port 80\n"
	    "\tforward to 192.0.2.2\n}\n",
	    "test.conf:1: unknown method 'FETCH'");
	assert_one_error("protocol t {\n\tpass path \"/\"\n}\n"
	    "relay x {\n\tlisten on 192.0.2.1 port 80\n"
	    "\tforward to 192.0.2.2\n}\n",
	    "test.conf:2: protocol t: filter rules need an http protocol");
}

static void
test_protocol_options_fill_their_fields(void **state)
{
	struct relayd_conf	*c;
	struct rd_protocol	*pr;
	struct rd_keypair	*kp;

	(void)state;
	c = parse_text("http protocol h {\n"
	    "\ttcp { nodelay, no sack, socket buffer 4096, backlog 512 }\n"
	    "\ttcp ip ttl 3\n\ttcp ip minttl 254\n"
	    "\thttp { headerlen 131072 websockets }\n"
	    "\ttls { no tlsv1.2, client-renegotiation, "
	    "no cipher-server-preference }\n"
	    "\ttls ca key \"/k\" password \"secret\"\n"
	    "\ttls keypair a.example ocsp \"/o\"\n\tssl session tickets\n"
	    "}\n"
	    "relay x {\n\tlisten on 192.0.2.100 port 80\n\tprotocol h\n"
	    "\tforward to 192.0.2.1\n}\n");
	assert_non_null(c);
	pr = conf_protocol_byname(c, "h");
	assert_int_equal(pr->p_nodelay, 1);
	assert_int_equal(pr->p_sack, 0);
	assert_int_equal(pr->p_splice, -1);
	assert_int_equal(pr->p_bufsize, 4096);
	assert_int_equal(pr->p_backlog, 512);
	assert_int_equal(pr->p_ttl, 3);
	assert_int_equal(pr->p_minttl, 254);
	assert_int_equal(pr->p_headerlen, 131072);
	assert_int_equal(pr->p_websockets, 1);
	assert_int_equal(pr->p_tlsv, TLSV_1_3);
	assert_int_equal(pr->p_client_reneg, 1);
	assert_int_equal(pr->p_cipher_pref, 0);
	assert_int_equal(pr->p_tickets, 1);
	assert_string_equal(pr->p_ca_key, "/k");
	assert_string_equal(pr->p_ca_pass, "secret");
	kp = TAILQ_FIRST(&pr->p_keypairs);
	assert_string_equal(kp->kp_name, "a.example");
	assert_string_equal(kp->kp_ocsp, "/o");
	assert_fixed_point(c);
	conf_free(c);
}

static void
test_routers_keep_routes_and_their_gateway_table(void **state)
{
	struct relayd_conf	*c;
	struct rd_router	*rt;
	char			 buf[ADDR_STRLEN];

	(void)state;
	c = parse_text("table <gw> { 192.0.2.1 }\n"
	    "router \"up\" {\n\troute 10.1.2.3/8\n"
	    "\tforward to <gw> check icmp\n\trtable 5\n\trtlabel x\n}\n");
	assert_non_null(c);
	rt = TAILQ_FIRST(&c->c_routers);
	assert_int_equal(rt->rt_id, 1);
	assert_int_equal(rt->rt_nroutes, 1);
	assert_string_equal(addr_ntop(&rt->rt_routes[0].rt_addr, 1, buf,
	    sizeof(buf)), "10.0.0.0/8");
	assert_string_equal(rt->rt_table->t_name, "gw");
	assert_int_equal(rt->rt_rtable, 5);
	assert_string_equal(rt->rt_label, "x");
	assert_fixed_point(c);
	conf_free(c);
	assert_one_error("table <gw> { 192.0.2.1 }\n"
	    "router r {\n\troute 2001:db8::/32\n"
	    "\tforward to <gw> check icmp\n}\n",
	    "test.conf:4: router r: gateway 192.0.2.1 is not of the routes' "
	    "address family");
}

/* ------------------------------------------------------------------ */
/* errors, includes */

static void
test_several_errors_are_reported_and_parsing_goes_on(void **state)
{
	const char	*want[] = {
		"test.conf:1: interval expects 1-86400, got '0'",
		"test.conf:2: syntax error near '12'",
		"test.conf:5: syntax error near 'sticky'",
		"test.conf:9: prefork expects 1-32, got '33'",
		NULL
	};

	(void)state;
	assert_null(parse_text("interval 0\nfrobnicate 12\n"
	    "table <t> { 192.0.2.1 }\n"
	    "redirect r {\n\tsticky\n"
	    "\tlisten on 192.0.2.1 port 80\n\tforward to <t> check tcp\n}\n"
	    "prefork 33\n"));
	assert_errors(want);
}

static void
test_an_empty_file_has_nothing_to_do(void **state)
{
	(void)state;
	assert_one_error("", "test.conf: no actions, nothing to do");
	assert_one_error("# nothing\ntable <t> { 192.0.2.1 }\n",
	    "test.conf: no actions, nothing to do");
}

static void
test_include_is_refused_from_memory(void **state)
{
	(void)state;
	assert_null(parse_text("include \"/etc/passwd\"\n"));
	assert_true(errs.e_n >= 1);
	assert_non_null(strstr(errs.e_line[0], "test.conf:1: "));
}

static void
test_errors_in_included_files_carry_file_and_line(void **state)
{
	struct conf_parse_opts	 o;
	struct relayd_conf	*c;
	char			 dir[] = "/tmp/test_relayd_parse.XXXXXX";
	char			 path[PATH_MAX], want[PATH_MAX + 64];

	(void)state;
	assert_non_null(mkdtemp(dir));
	write_file(dir, "hosts.conf", "192.0.2.1\n192.0.2.2 retry 1\n");
	write_file(dir, "body.conf", "\tlisten on 192.0.2.100 port 80\n"
	    "\tforward to <t> check tcp\n");
	write_file(dir, "main.conf", "table <t> {\n"
	    "\tinclude \"hosts.conf\"\n}\n"
	    "redirect r {\n\tinclude \"body.conf\"\n}\n");
	write_file(dir, "bad.conf", "\n\tlisten on 192.0.2.100 port 99999\n");
	write_file(dir, "main2.conf", "table <t> { 192.0.2.1 }\n"
	    "redirect r {\n\tinclude \"bad.conf\"\n"
	    "\tforward to <t> check tcp\n}\n");

	memset(&errs, 0, sizeof(errs));
	memset(&o, 0, sizeof(o));
	o.po_err = collect;
	o.po_arg = &errs;
	(void)snprintf(path, sizeof(path), "%s/main.conf", dir);
	c = conf_parse_file(path, &o);
	assert_non_null(c);
	assert_int_equal(nth_table(c, 0)->t_id, 1);
	assert_int_equal(nth_host(nth_table(c, 0), 1)->h_retry, 1);
	assert_int_equal(TAILQ_FIRST(&c->c_redirects)->r_nlisten, 1);
	conf_free(c);

	(void)snprintf(path, sizeof(path), "%s/main2.conf", dir);
	assert_null(conf_parse_file(path, &o));
	(void)snprintf(want, sizeof(want), "%s/bad.conf:2: port expects "
	    "1-65535, a range lo:hi or a service name, got '99999'", dir);
	assert_string_equal(errs.e_line[0], want);

	(void)snprintf(path, sizeof(path), "%s/main.conf", dir);
	(void)unlink(path);
	(void)snprintf(path, sizeof(path), "%s/main2.conf", dir);
	(void)unlink(path);
	(void)snprintf(path, sizeof(path), "%s/bad.conf", dir);
	(void)unlink(path);
	(void)snprintf(path, sizeof(path), "%s/body.conf", dir);
	(void)unlink(path);
	(void)snprintf(path, sizeof(path), "%s/hosts.conf", dir);
	(void)unlink(path);
	assert_int_equal(rmdir(dir), 0);
}

/* ------------------------------------------------------------------ */
/* golden files */

static void
test_good_files_print_their_out_files_and_parse_back(void **state)
{
	struct conf_parse_opts	 o;
	struct relayd_conf	*c;
	glob_t			 g;
	char			 out[PATH_MAX];
	char			*want, *got;
	size_t			 i, wl, gl;

	(void)state;
	memset(&o, 0, sizeof(o));
	o.po_err = collect;
	o.po_arg = &errs;
	assert_int_equal(glob(GOOD_GLOB, 0, NULL, &g), 0);
	assert_true(g.gl_pathc >= 5);
	for (i = 0; i < g.gl_pathc; i++) {
		memset(&errs, 0, sizeof(errs));
		c = conf_parse_file(g.gl_pathv[i], &o);
		if (c == NULL)
			fail_msg("%s: %s", g.gl_pathv[i], errs.e_line[0]);
		(void)snprintf(out, sizeof(out), "%.*s.out",
		    (int)(strlen(g.gl_pathv[i]) - 5), g.gl_pathv[i]);
		want = read_file(out, &wl);
		got = conf_print_str(c, &gl);
		assert_non_null(got);
		if (strcmp(want, got) != 0)
			fail_msg("%s: printout differs from %s", g.gl_pathv[i],
			    out);
		assert_fixed_point(c);
		conf_free(c);
		free(want);
		free(got);
	}
	globfree(&g);
}

static void
test_bad_files_report_every_line_of_their_err_files(void **state)
{
	struct conf_parse_opts	 o;
	glob_t			 g;
	char			 path[PATH_MAX];
	char			*want, *line, *save;
	size_t			 i, wl;
	int			 j, found;

	(void)state;
	memset(&o, 0, sizeof(o));
	o.po_err = collect;
	o.po_arg = &errs;
	assert_int_equal(glob(BAD_GLOB, 0, NULL, &g), 0);
	assert_true(g.gl_pathc >= 10);
	for (i = 0; i < g.gl_pathc; i++) {
		memset(&errs, 0, sizeof(errs));
		assert_null(conf_parse_file(g.gl_pathv[i], &o));
		assert_true(errs.e_n > 0);
		(void)snprintf(path, sizeof(path), "%.*s.err",
		    (int)(strlen(g.gl_pathv[i]) - 5), g.gl_pathv[i]);
		want = read_file(path, &wl);
		for (line = strtok_r(want, "\n", &save); line != NULL;
		    line = strtok_r(NULL, "\n", &save)) {
			for (found = 0, j = 0; j < errs.e_n && j < MAXERRS;
			    j++)
				found |= strcmp(errs.e_line[j], line) == 0;
			if (!found)
				fail_msg("%s: missing '%s'", g.gl_pathv[i],
				    line);
		}
		free(want);
	}
	globfree(&g);
}

/* ------------------------------------------------------------------ */
/* reload */

static void
test_merge_state_keeps_hosts_of_unchanged_tables(void **state)
{
	struct relayd_conf	*oldc, *newc;
	struct rd_host		*h;

	(void)state;
	oldc = parse_text("table <t> { 192.0.2.1 192.0.2.2 }\n"
	    RDR("t", ""));
	assert_non_null(oldc);
	h = conf_host(oldc, 2);
	h->h_state = HOST_UP;
	h->h_checks = 10;
	h->h_ups = 9;
	h->h_reason = HCE_TCP_CONNECT_OK;
	conf_host(oldc, 1)->h_state = HOST_DOWN;
	conf_host(oldc, 1)->h_disabled = 1;
	TAILQ_FIRST(&oldc->c_redirects)->r_buckets[0] = 2;
	TAILQ_FIRST(&oldc->c_redirects)->r_buckets[1] = 1;

	/* a new host in front shifts the ids (IMP-13) */
	newc = parse_text("table <t> { 192.0.2.9 192.0.2.1 192.0.2.2 }\n"
	    RDR("t", ""));
	assert_non_null(newc);
	conf_merge_state(newc, oldc);
	h = conf_host(newc, 3);
	assert_string_equal(h->h_name, "192.0.2.2");
	assert_int_equal(h->h_state, HOST_UP);
	assert_int_equal(h->h_checks, 10);
	assert_int_equal(h->h_ups, 9);
	assert_int_equal(h->h_reason, HCE_TCP_CONNECT_OK);
	assert_int_equal(conf_host(newc, 2)->h_disabled, 1);
	assert_int_equal(conf_host(newc, 1)->h_state, HOST_UNKNOWN);
	assert_int_equal(nth_table(newc, 0)->t_up, 1);
	/* buckets follow the hosts to their new ids */
	assert_int_equal(TAILQ_FIRST(&newc->c_redirects)->r_buckets[0], 3);
	assert_int_equal(TAILQ_FIRST(&newc->c_redirects)->r_buckets[1], 2);
	assert_int_equal(TAILQ_FIRST(&newc->c_redirects)->r_buckets[2], 0);
	conf_free(newc);

	/* another check: the hosts start over */
	newc = parse_text("table <t> { 192.0.2.1 192.0.2.2 }\n"
	    "redirect r {\n\tlisten on 192.0.2.100 port 80\n"
	    "\tforward to <t> check icmp\n}\n");
	assert_non_null(newc);
	conf_merge_state(newc, oldc);
	assert_int_equal(conf_host(newc, 2)->h_state, HOST_UNKNOWN);
	assert_int_equal(conf_host(newc, 2)->h_checks, 0);
	conf_free(newc);
	conf_free(oldc);
}

static void
test_merge_state_keeps_what_relayctl_disabled(void **state)
{
	struct relayd_conf	*oldc, *newc;

	(void)state;
	oldc = parse_text("table <t> { 192.0.2.1 }\n" RDR("t", ""));
	assert_non_null(oldc);
	nth_table(oldc, 0)->t_disabled = 1;
	TAILQ_FIRST(&oldc->c_redirects)->r_disabled = 1;
	TAILQ_FIRST(&oldc->c_redirects)->r_ctl = 2;	/* by relayctl */
	TAILQ_FIRST(&oldc->c_redirects)->r_status = RDR_DISABLED;
	newc = parse_text("table <t> { 192.0.2.1 }\n" RDR("t", ""));
	assert_non_null(newc);
	conf_merge_state(newc, oldc);
	assert_int_equal(nth_table(newc, 0)->t_disabled, 1);
	assert_int_equal(TAILQ_FIRST(&newc->c_redirects)->r_disabled, 1);
	assert_int_equal(TAILQ_FIRST(&newc->c_redirects)->r_status,
	    RDR_DISABLED);
	conf_free(newc);
	conf_free(oldc);

	/* disabled by the old file, not by relayctl: the new file decides */
	oldc = parse_text("table <t> disable { 192.0.2.1 }\n" RDR("t", ""));
	assert_non_null(oldc);
	newc = parse_text("table <t> { 192.0.2.1 }\n" RDR("t", ""));
	assert_non_null(newc);
	conf_merge_state(newc, oldc);
	assert_int_equal(nth_table(newc, 0)->t_disabled, 0);
	conf_merge_state(newc, NULL);
	conf_free(newc);
	conf_free(oldc);

	/* A redirect the old file disabled and the new one does not: on. */
	oldc = parse_text("table <t> { 192.0.2.1 }\n"
	    "redirect r {\n\tlisten on 192.0.2.100 port 80\n"
	    "\tforward to <t> check tcp\n\tdisable\n}\n");
	assert_non_null(oldc);
	assert_int_equal(TAILQ_FIRST(&oldc->c_redirects)->r_disabled, 1);
	newc = parse_text("table <t> { 192.0.2.1 }\n" RDR("t", ""));
	assert_non_null(newc);
	conf_merge_state(newc, oldc);
	assert_int_equal(TAILQ_FIRST(&newc->c_redirects)->r_disabled, 0);
	conf_free(newc);
	conf_free(oldc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_are_openbsds),
		cmocka_unit_test(test_every_global_option_fills_its_field),
		cmocka_unit_test(
		    test_global_timeout_applies_only_to_later_tables),
		cmocka_unit_test(test_a_timeout_above_the_interval_is_an_error),
		cmocka_unit_test(
		    test_defines_come_first_and_the_file_cannot_override_them),
		cmocka_unit_test(test_macros_expand_outside_quotes_only),
		cmocka_unit_test(
		    test_host_ids_count_from_one_over_the_whole_config),
		cmocka_unit_test(
		    test_a_table_used_on_two_ports_is_copied_per_port),
		cmocka_unit_test(
		    test_a_port_reused_with_another_check_is_an_error),
		cmocka_unit_test(
		    test_table_ids_follow_the_printed_order_of_blocks),
		cmocka_unit_test(test_host_options_are_kept_per_host),
		cmocka_unit_test(test_disabled_tables_and_empty_tables),
		cmocka_unit_test(test_names_are_refused_without_resolution),
		cmocka_unit_test(
		    test_an_interface_gives_its_first_ipv4_address_first),
		cmocka_unit_test(
		    test_ports_take_services_and_ranges_where_allowed),
		cmocka_unit_test(test_names_listens_and_hosts_are_bounded),
		cmocka_unit_test(test_a_redirect_table_needs_a_check),
		cmocka_unit_test(
		    test_one_backup_table_with_the_same_port_and_mode),
		cmocka_unit_test(test_route_to_is_refused_until_supported),
		cmocka_unit_test(test_redirect_options_fill_their_fields),
		cmocka_unit_test(test_modes_are_allowed_per_context),
		cmocka_unit_test(
		    test_a_string_key_is_its_md5_and_no_key_prints_none),
		cmocka_unit_test(test_every_check_method_fills_the_check),
		cmocka_unit_test(test_bad_checks_are_reported_with_values),
		cmocka_unit_test(test_relays_keep_their_forwards_and_modes),
		cmocka_unit_test(test_relay_errors_name_the_relay),
		cmocka_unit_test(
		    test_filter_rules_are_kept_in_order_with_their_options),
		cmocka_unit_test(test_protocol_options_fill_their_fields),
		cmocka_unit_test(
		    test_routers_keep_routes_and_their_gateway_table),
		cmocka_unit_test(
		    test_several_errors_are_reported_and_parsing_goes_on),
		cmocka_unit_test(test_an_empty_file_has_nothing_to_do),
		cmocka_unit_test(test_include_is_refused_from_memory),
		cmocka_unit_test(
		    test_errors_in_included_files_carry_file_and_line),
		cmocka_unit_test(
		    test_good_files_print_their_out_files_and_parse_back),
		cmocka_unit_test(
		    test_bad_files_report_every_line_of_their_err_files),
		cmocka_unit_test(
		    test_merge_state_keeps_hosts_of_unchanged_tables),
		cmocka_unit_test(test_merge_state_keeps_what_relayctl_disabled),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
