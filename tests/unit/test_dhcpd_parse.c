/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * dhcpd.conf: texts parsed from memory (fmemopen), the tree they give,
 * the lookups along dp_parent, the wire form of every option format,
 * every error message word for word, includes from files in a scratch
 * directory, and the canonical printout: its fixed point on a large
 * config, and for each tests/conf/dhcpd/good-*.conf, equality with
 * good-*.out.
 */

#include <sys/queue.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <netinet/in.h>
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

#include "dhcp_opt.h"
#include "dhcpd_conf.h"

#define NAME		"test.conf"
#define GOOD_GLOB	"tests/conf/dhcpd/good-*.conf"

/* What the last parse said on errf. */
static char	*msgs;
static size_t	 msglen;

static struct dhcpd_config *parse_text(const char *);
static char	*print_text(const struct dhcpd_config *, size_t *);
static char	*read_file(const char *, size_t *);
static void	 assert_msgs(const char *);
static void	 assert_refused(const char *, const char *);
static struct in_addr ip(const char *);
static struct dhcp_subnet *subnet_at(struct dhcpd_config *, const char *);
static struct dhcp_host *host_named(struct dhcpd_config *, const char *);
static void	 assert_opt(const struct dhcp_params *, uint8_t,
		    const uint8_t *, size_t);
static void	 assert_global_opt(const char *, uint8_t, const uint8_t *,
		    size_t);
static void	 assert_fixed_point(const struct dhcpd_config *);

/* Parses text as the file NAME read from a stream; messages in msgs. */
static struct dhcpd_config *
parse_text(const char *text)
{
	struct dhcpd_config	*c;
	char			*copy;
	FILE			*f, *err;

	free(msgs);
	msgs = NULL;
	err = open_memstream(&msgs, &msglen);
	assert_non_null(err);
	copy = strdup(text);
	assert_non_null(copy);
	f = fmemopen(copy, strlen(copy), "r");
	assert_non_null(f);
	c = dhcpd_config_parse_stream(f, NAME, err);
	(void)fclose(f);
	free(copy);
	assert_int_equal(fclose(err), 0);
	return (c);
}

static char *
print_text(const struct dhcpd_config *c, size_t *len)
{
	char	*buf = NULL;
	FILE	*f;

	f = open_memstream(&buf, len);
	assert_non_null(f);
	dhcpd_config_print(f, c);
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

/* The messages are exactly want (lines, each ending in '\n'). */
static void
assert_msgs(const char *want)
{
	assert_non_null(msgs);
	assert_string_equal(msgs, want);
}

/* text is refused with exactly these messages. */
static void
assert_refused(const char *text, const char *want)
{
	assert_null(parse_text(text));
	assert_msgs(want);
}

static struct in_addr
ip(const char *s)
{
	struct in_addr	 a;

	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return (a);
}

static struct dhcp_subnet *
subnet_at(struct dhcpd_config *c, const char *addr)
{
	struct dhcp_subnet	*s;

	s = dhcpd_config_subnet_for(c, ip(addr));
	assert_non_null(s);
	return (s);
}

static struct dhcp_host *
host_named(struct dhcpd_config *c, const char *name)
{
	struct dhcp_host	*h;

	TAILQ_FOREACH(h, &c->c_hosts, h_entry)
		if (strcmp(h->h_name, name) == 0)
			return (h);
	fail_msg("no host %s", name);
	return (NULL);
}

/* The option as seen from pa is exactly these bytes. */
static void
assert_opt(const struct dhcp_params *pa, uint8_t code, const uint8_t *want,
    size_t len)
{
	const struct dhcp_optval	*ov;

	ov = dhcp_params_opt(pa, code);
	assert_non_null(ov);
	assert_int_equal(ov->ov_len, len);
	assert_memory_equal(ov->ov_data, want, len);
}

/* "option ..." alone gives option code these bytes at top level. */
static void
assert_global_opt(const char *text, uint8_t code, const uint8_t *want,
    size_t len)
{
	struct dhcpd_config	*c;

	c = parse_text(text);
	if (c == NULL)
		fail_msg("refused: %s", msgs);
	assert_opt(&c->c_global, code, want, len);
	assert_fixed_point(c);
	dhcpd_config_free(c);
}

/* The printout parses back to a config that prints the same. */
static void
assert_fixed_point(const struct dhcpd_config *c)
{
	struct dhcpd_config	*c2;
	char			*p1, *p2;
	size_t			 l1, l2;

	p1 = print_text(c, &l1);
	c2 = parse_text(p1);
	if (c2 == NULL)
		fail_msg("printout refused: %s\n%s", msgs, p1);
	p2 = print_text(c2, &l2);
	assert_string_equal(p1, p2);
	dhcpd_config_free(c2);
	free(p1);
	free(p2);
}

/* ------------------------------------------------------------------ */
/* declarations */

static void
test_spec_example_gives_a_subnet_a_range_and_a_host(void **state)
{
	struct dhcpd_config	*c;
	struct dhcp_subnet	*s;
	struct dhcp_range	*r;
	struct dhcp_host	*h;
	const uint8_t		 mac[6] = { 0, 0, 0x5e, 0, 0x53, 0x42 };
	const uint8_t		 dns[4] = { 192, 0, 2, 53 };
	const uint8_t		 gw[4] = { 192, 0, 2, 1 };

	(void)state;
	c = parse_text(
	    "option domain-name-servers 192.0.2.53;\n"
	    "subnet 192.0.2.0 netmask 255.255.255.0 {\n"
	    "\toption routers 192.0.2.1;\n"
	    "\trange 192.0.2.10 192.0.2.250;\n"
	    "\thost printer {\n"
	    "\t\thardware ethernet 00:00:5e:00:53:42;\n"
	    "\t\tfixed-address 192.0.2.5;\n"
	    "\t}\n"
	    "}\n");
	assert_non_null(c);
	assert_msgs("");
	s = TAILQ_FIRST(&c->c_subnets);
	assert_non_null(s);
	assert_int_equal(s->s_net.s_addr, ip("192.0.2.0").s_addr);
	assert_int_equal(s->s_mask.s_addr, ip("255.255.255.0").s_addr);
	assert_string_equal(s->s_file, NAME);
	assert_int_equal(s->s_line, 2);
	r = TAILQ_FIRST(&s->s_ranges);
	assert_non_null(r);
	assert_int_equal(r->r_low.s_addr, ip("192.0.2.10").s_addr);
	assert_int_equal(r->r_high.s_addr, ip("192.0.2.250").s_addr);
	assert_int_equal(r->r_dynamic_bootp, 0);
	assert_null(TAILQ_NEXT(r, r_entry));

	h = TAILQ_FIRST(&c->c_hosts);
	assert_non_null(h);
	assert_string_equal(h->h_name, "printer");
	assert_int_equal(h->h_htype, 1);
	assert_int_equal(h->h_hlen, 6);
	assert_memory_equal(h->h_haddr, mac, 6);
	assert_int_equal(h->h_nfixed, 1);
	assert_int_equal(h->h_fixed[0].s_addr, ip("192.0.2.5").s_addr);
	assert_int_equal(h->h_line, 5);
	/* host -> subnet -> implicit shared network -> global */
	assert_opt(&h->h_params, 3, gw, 4);
	assert_opt(&h->h_params, 6, dns, 4);
	assert_ptr_equal(h->h_params.dp_parent, &s->s_params);
	dhcpd_config_free(c);
}

static void
test_shared_network_holds_its_subnets(void **state)
{
	struct dhcpd_config	*c;
	struct dhcp_shared	*sh;
	struct dhcp_subnet	*a, *b;

	(void)state;
	c = parse_text(
	    "shared-network \"lab wire\" {\n"
	    "  option domain-name \"lab.example.org\";\n"
	    "  subnet 198.51.100.0 netmask 255.255.255.128 {\n"
	    "    range 198.51.100.10 198.51.100.20; }\n"
	    "  subnet 198.51.100.128 netmask 255.255.255.128 {\n"
	    "    range 198.51.100.130 198.51.100.140; }\n"
	    "}\n");
	assert_non_null(c);
	sh = TAILQ_FIRST(&c->c_shareds);
	assert_non_null(sh);
	assert_null(TAILQ_NEXT(sh, sh_entry));
	assert_string_equal(sh->sh_name, "lab wire");
	assert_int_equal(sh->sh_implicit, 0);
	a = subnet_at(c, "198.51.100.15");
	b = subnet_at(c, "198.51.100.135");
	assert_ptr_equal(a->s_shared, sh);
	assert_ptr_equal(b->s_shared, sh);
	assert_ptr_equal(TAILQ_FIRST(&sh->sh_subnets), a);
	assert_ptr_equal(TAILQ_NEXT(a, s_entry), b);
	assert_ptr_equal(a->s_params.dp_parent, &sh->sh_params);
	assert_ptr_equal(sh->sh_params.dp_parent, &c->c_global);
	assert_non_null(dhcp_params_opt(&b->s_params, 15));
	dhcpd_config_free(c);
}

static void
test_lone_subnet_gets_an_implicit_shared_network(void **state)
{
	struct dhcpd_config	*c;
	struct dhcp_subnet	*s;

	(void)state;
	c = parse_text("subnet 203.0.113.0 netmask 255.255.255.0 { }\n");
	assert_non_null(c);
	s = subnet_at(c, "203.0.113.77");
	assert_non_null(s->s_shared);
	assert_int_equal(s->s_shared->sh_implicit, 1);
	assert_string_equal(s->s_shared->sh_name, "203.0.113.0");
	assert_ptr_equal(s->s_params.dp_parent, &s->s_shared->sh_params);
	assert_ptr_equal(s->s_shared->sh_params.dp_parent, &c->c_global);
	assert_null(dhcpd_config_subnet_for(c, ip("203.0.114.1")));
	assert_fixed_point(c);
	dhcpd_config_free(c);
}

static void
test_subnet_in_a_group_in_a_shared_network_belongs_to_it(void **state)
{
	struct dhcpd_config	*c;
	struct dhcp_subnet	*s;
	struct dhcp_group	*g;

	(void)state;
	c = parse_text(
	    "shared-network wire {\n"
	    "  group { filename \"g\";\n"
	    "    subnet 192.0.2.0 netmask 255.255.255.0 { } }\n"
	    "}\n");
	assert_non_null(c);
	s = subnet_at(c, "192.0.2.1");
	g = TAILQ_FIRST(&c->c_groups);
	assert_non_null(g);
	assert_string_equal(s->s_shared->sh_name, "wire");
	assert_ptr_equal(s->s_params.dp_parent, &g->g_params);
	assert_string_equal(dhcp_params_str(&s->s_params,
	    DHCP_FLAG(dp_filename)), "g");
	assert_fixed_point(c);
	dhcpd_config_free(c);
}

static void
test_range_forms_single_pair_and_dynamic_bootp(void **state)
{
	struct dhcpd_config	*c;
	struct dhcp_range	*r;

	(void)state;
	c = parse_text(
	    "subnet 192.0.2.0 netmask 255.255.255.0 {\n"
	    "  range 192.0.2.7;\n"
	    "  range dynamic-bootp 192.0.2.20 192.0.2.29;\n"
	    "  range dynamic-bootp 192.0.2.40;\n"
	    "}\n");
	assert_non_null(c);
	r = TAILQ_FIRST(&subnet_at(c, "192.0.2.1")->s_ranges);
	assert_int_equal(r->r_low.s_addr, ip("192.0.2.7").s_addr);
	assert_int_equal(r->r_high.s_addr, ip("192.0.2.7").s_addr);
	assert_int_equal(r->r_dynamic_bootp, 0);
	r = TAILQ_NEXT(r, r_entry);
	assert_int_equal(r->r_high.s_addr, ip("192.0.2.29").s_addr);
	assert_int_equal(r->r_dynamic_bootp, 1);
	r = TAILQ_NEXT(r, r_entry);
	assert_int_equal(r->r_low.s_addr, ip("192.0.2.40").s_addr);
	assert_int_equal(r->r_dynamic_bootp, 1);
	assert_fixed_point(c);
	dhcpd_config_free(c);
}

/* ------------------------------------------------------------------ */
/* parameters and their lookups along dp_parent */

static void
test_options_are_found_from_the_innermost_scope_outward(void **state)
{
	struct dhcpd_config	*c;
	struct dhcp_host	*h;
	struct dhcp_subnet	*s;
	const uint8_t		 g[] = "global", sh[] = "shared",
				 sub[] = "subnet", grp[] = "group",
				 host[] = "host";

	(void)state;
	c = parse_text(
	    "option domain-name \"global\"; option root-path \"global\";\n"
	    "option merit-dump \"global\"; option nis-domain \"global\";\n"
	    "option extensions-path \"global\";\n"
	    "shared-network s {\n"
	    "  option root-path \"shared\"; option merit-dump \"shared\";\n"
	    "  option nis-domain \"shared\";\n"
	    "  subnet 192.0.2.0 netmask 255.255.255.0 {\n"
	    "    option merit-dump \"subnet\"; option nis-domain \"subnet\";\n"
	    "    group { option nis-domain \"group\";\n"
	    "      option extensions-path \"group\";\n"
	    "      host h { option extensions-path \"host\"; } }\n"
	    "  }\n"
	    "}\n");
	assert_non_null(c);
	h = host_named(c, "h");
	s = subnet_at(c, "192.0.2.1");
	assert_opt(&h->h_params, 15, g, 6);
	assert_opt(&h->h_params, 17, sh, 6);
	assert_opt(&h->h_params, 14, sub, 6);
	assert_opt(&h->h_params, 40, grp, 5);
	assert_opt(&h->h_params, 18, host, 4);
	assert_opt(&s->s_params, 40, sub, 6);
	assert_opt(&s->s_params, 18, g, 6);
	assert_null(dhcp_params_opt(&h->h_params, 3));
	dhcpd_config_free(c);
}

static void
test_lease_times_default_to_43200_and_86400(void **state)
{
	struct dhcpd_config	*c;
	struct dhcp_subnet	*a, *b;

	(void)state;
	c = parse_text(
	    "max-lease-time 7200;\n"
	    "subnet 192.0.2.0 netmask 255.255.255.0 {\n"
	    "  default-lease-time 60; }\n"
	    "subnet 198.51.100.0 netmask 255.255.255.0 {\n"
	    "  dynamic-bootp-lease-length 3600; }\n");
	assert_non_null(c);
	a = subnet_at(c, "192.0.2.1");
	b = subnet_at(c, "198.51.100.1");
	assert_int_equal(dhcp_params_default_lease_time(&a->s_params), 60);
	assert_int_equal(dhcp_params_max_lease_time(&a->s_params), 7200);
	assert_int_equal(dhcp_params_default_lease_time(&b->s_params),
	    DHCP_DEFAULT_LEASE_TIME);
	assert_int_equal(dhcp_params_default_lease_time(&c->c_global), 43200);
	assert_int_equal(dhcp_params_num(&b->s_params,
	    DHCP_FLAG(dp_bootp_lease_length), -1), 3600);
	assert_int_equal(dhcp_params_num(&a->s_params,
	    DHCP_FLAG(dp_bootp_lease_length), -1), -1);
	dhcpd_config_free(c);

	c = parse_text("");
	assert_non_null(c);
	assert_int_equal(dhcp_params_max_lease_time(&c->c_global),
	    DHCP_MAX_LEASE_TIME);
	dhcpd_config_free(c);
}

static void
test_flags_inherit_and_take_their_default_when_unset(void **state)
{
	struct dhcpd_config	*c;
	struct dhcp_host	*h;
	struct dhcp_subnet	*s;

	(void)state;
	c = parse_text(
	    "not authoritative; echo-client-id off; deny bootp;\n"
	    "subnet 192.0.2.0 netmask 255.255.255.0 {\n"
	    "  authoritative; get-lease-hostnames true;\n"
	    "  always-reply-rfc1048 on; use-lease-addr-for-default-route on;\n"
	    "  host h { deny booting; }\n"
	    "}\n");
	assert_non_null(c);
	h = host_named(c, "h");
	s = subnet_at(c, "192.0.2.9");
	assert_int_equal(dhcp_params_flag(&c->c_global,
	    DHCP_FLAG(dp_authoritative), 1), 0);
	assert_int_equal(dhcp_params_flag(&h->h_params,
	    DHCP_FLAG(dp_authoritative), 1), 1);
	assert_int_equal(dhcp_params_flag(&h->h_params,
	    DHCP_FLAG(dp_echo_client_id), 1), 0);
	assert_int_equal(dhcp_params_flag(&h->h_params,
	    DHCP_FLAG(dp_allow_bootp), 1), 0);
	assert_int_equal(dhcp_params_flag(&h->h_params,
	    DHCP_FLAG(dp_allow_booting), 1), 0);
	assert_int_equal(dhcp_params_flag(&s->s_params,
	    DHCP_FLAG(dp_allow_booting), 1), 1);
	assert_int_equal(dhcp_params_flag(&h->h_params,
	    DHCP_FLAG(dp_get_lease_hostnames), 0), 1);
	assert_int_equal(dhcp_params_flag(&h->h_params,
	    DHCP_FLAG(dp_always_reply_rfc1048), 0), 1);
	assert_int_equal(dhcp_params_flag(&h->h_params,
	    DHCP_FLAG(dp_use_lease_addr_for_default_route), 0), 1);
	assert_int_equal(dhcp_params_flag(&h->h_params,
	    DHCP_FLAG(dp_use_host_decl_names), 0), 0);
	assert_int_equal(dhcp_params_flag(&h->h_params,
	    DHCP_FLAG(dp_allow_unknown_clients), 1), 1);
	assert_int_equal(h->h_params.dp_authoritative, DHCP_UNSET);
	dhcpd_config_free(c);
}

static void
test_strings_and_addresses_inherit(void **state)
{
	struct dhcpd_config	*c;
	struct dhcp_host	*a, *b;

	(void)state;
	c = parse_text(
	    "server-name \"boot\"; server-identifier 192.0.2.1;\n"
	    "group { filename \"pxelinux.0\"; next-server 192.0.2.2;\n"
	    "  host a { }\n"
	    "  host b { filename \"other\";\n"
	    "    option dhcp-server-identifier 192.0.2.3; }\n"
	    "}\n");
	assert_non_null(c);
	a = host_named(c, "a");
	b = host_named(c, "b");
	assert_string_equal(dhcp_params_str(&a->h_params,
	    DHCP_FLAG(dp_filename)), "pxelinux.0");
	assert_string_equal(dhcp_params_str(&b->h_params,
	    DHCP_FLAG(dp_filename)), "other");
	assert_string_equal(dhcp_params_str(&b->h_params,
	    DHCP_FLAG(dp_server_name)), "boot");
	assert_null(dhcp_params_str(&c->c_global, DHCP_FLAG(dp_filename)));
	assert_int_equal(dhcp_params_next_server(&a->h_params)->s_addr,
	    ip("192.0.2.2").s_addr);
	assert_null(dhcp_params_next_server(&c->c_global));
	assert_int_equal(dhcp_params_server_id(&a->h_params)->s_addr,
	    ip("192.0.2.1").s_addr);
	/* dhcp-server-identifier is server-identifier, not an option. */
	assert_int_equal(dhcp_params_server_id(&b->h_params)->s_addr,
	    ip("192.0.2.3").s_addr);
	assert_null(dhcp_params_opt(&b->h_params, 54));
	assert_fixed_point(c);
	dhcpd_config_free(c);
}

static void
test_params_clear_frees_and_unsets_a_scope(void **state)
{
	struct dhcpd_config	*c;

	(void)state;
	c = parse_text("filename \"x\"; default-lease-time 5;\n"
	    "option routers 192.0.2.1; authoritative;\n");
	assert_non_null(c);
	dhcp_params_clear(&c->c_global);
	assert_null(c->c_global.dp_filename);
	assert_null(dhcp_params_opt(&c->c_global, 3));
	assert_int_equal(c->c_global.dp_default_lease_time, -1);
	assert_int_equal(c->c_global.dp_authoritative, DHCP_UNSET);
	assert_null(c->c_global.dp_parent);
	dhcpd_config_free(c);
}

static void
test_bootp_lease_cutoff_is_seconds_since_the_epoch_utc(void **state)
{
	struct dhcpd_config	*c;

	(void)state;
	c = parse_text("dynamic-bootp-lease-cutoff 2 2023/11/14 22:13:20;\n");
	assert_non_null(c);
	assert_int_equal(c->c_global.dp_bootp_lease_cutoff, 1700000000);
	assert_fixed_point(c);
	dhcpd_config_free(c);
	c = parse_text("dynamic-bootp-lease-cutoff 0 2024/2/29 0:0:0;\n");
	assert_non_null(c);
	assert_int_equal(c->c_global.dp_bootp_lease_cutoff, 1709164800);
	dhcpd_config_free(c);
	assert_refused("dynamic-bootp-lease-cutoff 7 2024/01/01 00:00:00;\n",
	    NAME ":1: dynamic-bootp-lease-cutoff expects a weekday 0-6, "
	    "got '7'\n");
	assert_refused("dynamic-bootp-lease-cutoff 1 2023/02/29 00:00:00;\n",
	    NAME ":1: dynamic-bootp-lease-cutoff expects a UTC date "
	    "YYYY/MM/DD HH:MM:SS from 1970 on, got '2023/02/29 00:00:00'\n");
}

/* ------------------------------------------------------------------ */
/* hosts and classes */

static void
test_hosts_are_found_by_hardware_address_and_by_uid(void **state)
{
	struct dhcpd_config	*c;
	struct dhcp_host	*a, *b;
	const uint8_t		 mac[6] = { 0, 0, 0x5e, 0, 0x53, 0x0a };
	const uint8_t		 other[6] = { 0, 0, 0x5e, 0, 0x53, 0x0b };
	const uint8_t		 uid[] = { 1, 0, 0, 0x5e, 0, 0x53, 1 };

	(void)state;
	c = parse_text(
	    "host a { hardware ethernet 00:00:5E:00:53:0A; }\n"
	    "host b { option dhcp-client-identifier 01:00:00:5e:00:53:01; }\n"
	    "host c { option dhcp-client-identifier \"CLIENT-FOO\"; }\n");
	assert_non_null(c);
	a = host_named(c, "a");
	b = host_named(c, "b");
	assert_ptr_equal(dhcpd_config_host_by_haddr(c, 1, mac, 6), a);
	assert_null(dhcpd_config_host_by_haddr(c, 1, other, 6));
	assert_null(dhcpd_config_host_by_haddr(c, 6, mac, 6));
	assert_null(dhcpd_config_host_by_haddr(c, 1, mac, 5));
	assert_ptr_equal(dhcpd_config_host_by_uid(c, uid, sizeof(uid)), b);
	assert_ptr_equal(dhcpd_config_host_by_uid(c,
	    (const uint8_t *)"CLIENT-FOO", 10), host_named(c, "c"));
	assert_null(dhcpd_config_host_by_uid(c, uid, sizeof(uid) - 1));
	/* The identifier names the host: it is not an option it gets. */
	assert_int_equal(b->h_uidlen, sizeof(uid));
	assert_null(dhcp_params_opt(&b->h_params, 61));
	assert_int_equal(b->h_htype, 0);
	assert_fixed_point(c);
	dhcpd_config_free(c);
}

static void
test_fixed_address_takes_a_list_of_dotted_quads(void **state)
{
	struct dhcpd_config	*c;
	struct dhcp_host	*h;

	(void)state;
	c = parse_text(
	    "subnet 192.0.2.0 netmask 255.255.255.0 { }\n"
	    "subnet 198.51.100.0 netmask 255.255.255.0 { }\n"
	    "host h { fixed-address 192.0.2.5, 198.51.100.5; }\n");
	assert_non_null(c);
	assert_msgs("");
	h = host_named(c, "h");
	assert_int_equal(h->h_nfixed, 2);
	assert_int_equal(h->h_fixed[1].s_addr, ip("198.51.100.5").s_addr);
	assert_fixed_point(c);
	dhcpd_config_free(c);
	assert_refused("host joe { fixed-address joe.fugue.com; }\n",
	    NAME ":1: fixed-address expects IPv4 addresses (host names are "
	    "not resolved), got 'joe.fugue.com'\n");
}

static void
test_fixed_address_in_no_subnet_is_only_a_warning(void **state)
{
	struct dhcpd_config	*c;

	(void)state;
	c = parse_text(
	    "subnet 192.0.2.0 netmask 255.255.255.0 { }\n"
	    "host far {\n"
	    "  fixed-address 192.0.2.9, 203.0.113.5;\n"
	    "}\n");
	assert_non_null(c);
	assert_msgs(NAME ":2: warning: host far: fixed-address 203.0.113.5 "
	    "is in no declared subnet\n");
	dhcpd_config_free(c);
}

static void
test_classes_are_found_by_kind_and_identifier(void **state)
{
	struct dhcpd_config	*c;
	struct dhcp_class	*v, *u;

	(void)state;
	c = parse_text(
	    "vendor-class \"MSFT 5.0\" { option netbios-node-type 8; }\n"
	    "user-class \"MSFT 5.0\" { filename \"u\"; }\n"
	    "subnet 192.0.2.0 netmask 255.255.255.0 {\n"
	    "  vendor-class PXEClient { filename \"pxe\"; } }\n");
	assert_non_null(c);
	v = dhcpd_config_class(c, DHCP_CLASS_VENDOR,
	    (const uint8_t *)"MSFT 5.0", 8);
	u = dhcpd_config_class(c, DHCP_CLASS_USER,
	    (const uint8_t *)"MSFT 5.0", 8);
	assert_non_null(v);
	assert_non_null(u);
	assert_true(v != u);
	assert_int_equal(v->c_kind, DHCP_CLASS_VENDOR);
	assert_null(dhcpd_config_class(c, DHCP_CLASS_VENDOR,
	    (const uint8_t *)"MSFT 5", 6));
	assert_null(dhcpd_config_class(c, DHCP_CLASS_USER,
	    (const uint8_t *)"PXEClient", 9));
	v = dhcpd_config_class(c, DHCP_CLASS_VENDOR,
	    (const uint8_t *)"PXEClient", 9);
	assert_non_null(v);
	assert_ptr_equal(v->c_params.dp_parent,
	    &subnet_at(c, "192.0.2.1")->s_params);
	assert_string_equal(dhcp_params_str(&u->c_params,
	    DHCP_FLAG(dp_filename)), "u");
	assert_fixed_point(c);
	dhcpd_config_free(c);
	assert_refused("user-class \"x\" { }\nuser-class \"x\" { }\n",
	    NAME ":2: user-class \"x\" declared twice\n");
}

static void
test_deny_booting_in_a_class_sets_c_deny_booting(void **state)
{
	struct dhcpd_config	*c;
	struct dhcp_class	*a, *b;

	(void)state;
	c = parse_text(
	    "vendor-class \"a\" { deny booting; }\n"
	    "vendor-class \"b\" { allow booting; }\n");
	assert_non_null(c);
	a = dhcpd_config_class(c, DHCP_CLASS_VENDOR, (const uint8_t *)"a", 1);
	b = dhcpd_config_class(c, DHCP_CLASS_VENDOR, (const uint8_t *)"b", 1);
	assert_int_equal(a->c_deny_booting, 1);
	assert_int_equal(b->c_deny_booting, 0);
	assert_int_equal(a->c_params.dp_allow_booting, 0);
	assert_fixed_point(c);
	dhcpd_config_free(c);
}

/* ------------------------------------------------------------------ */
/* option encodings */

static void
test_ip_address_options_and_lists(void **state)
{
	const uint8_t	 mask[] = { 255, 255, 255, 0 };
	const uint8_t	 gws[] = { 192, 0, 2, 1, 192, 0, 2, 2,
			    192, 0, 2, 3 };

	(void)state;
	assert_global_opt("option subnet-mask 255.255.255.0;", 1, mask, 4);
	assert_global_opt("option routers 192.0.2.1,192.0.2.2 , 192.0.2.3;",
	    3, gws, sizeof(gws));
	assert_global_opt("option ntp-servers 192.0.2.1;", 42, gws, 4);
}

static void
test_integer_options_are_big_endian(void **state)
{
	const uint8_t	 off[] = { 0xff, 0xff, 0xf1, 0xf0 };
	const uint8_t	 t32[] = { 0xff, 0xff, 0xff, 0xff };
	const uint8_t	 mtu[] = { 0x05, 0xdc };
	const uint8_t	 table[] = { 0, 68, 0x01, 0x28, 0x05, 0xd4 };
	const uint8_t	 ttl[] = { 64 };
	const uint8_t	 prl[] = { 1, 3, 6, 15 };

	(void)state;
	assert_global_opt("option time-offset -3600;", 2, off, 4);
	assert_global_opt("option arp-cache-timeout 4294967295;", 35, t32, 4);
	assert_global_opt("option interface-mtu 1500;", 26, mtu, 2);
	assert_global_opt("option path-mtu-plateau-table 68, 296, 1492;", 25,
	    table, sizeof(table));
	assert_global_opt("option default-ip-ttl 64;", 23, ttl, 1);
	assert_global_opt("option dhcp-parameter-request-list 1,3,6,15;", 55,
	    prl, sizeof(prl));
}

static void
test_flag_text_and_data_options(void **state)
{
	const uint8_t	 one[] = { 1 }, zero[] = { 0 };
	const uint8_t	 hex[] = { 0x01, 0x54, 0xc9, 0x2b, 0x47 };
	const uint8_t	 ab[] = { 0xab };

	(void)state;
	assert_global_opt("option ip-forwarding on;", 19, one, 1);
	assert_global_opt("option router-discovery FALSE;", 31, zero, 1);
	assert_global_opt("option domain-name \"example.org\";", 15,
	    (const uint8_t *)"example.org", 11);
	assert_global_opt("option root-path /export/root;", 17,
	    (const uint8_t *)"/export/root", 12);
	assert_global_opt("option domain-name \"a\\\"b\\\\c\";", 15,
	    (const uint8_t *)"a\"b\\c", 5);
	/* A data string: quoted it is text, bare it is hex octets. */
	assert_global_opt("option host-name \"ab\";", 12,
	    (const uint8_t *)"ab", 2);
	assert_global_opt("option host-name ab;", 12, ab, 1);
	assert_global_opt("option option-129 1:54:c9:2b:47;", 129, hex,
	    sizeof(hex));
	assert_global_opt("option option-133 \"my-option-133-text\";", 133,
	    (const uint8_t *)"my-option-133-text", 18);
}

static void
test_address_pairs_encode_static_routes_and_filters(void **state)
{
	const uint8_t	 routes[] = { 198, 51, 100, 0, 192, 0, 2, 1,
			    203, 0, 113, 0, 192, 0, 2, 2 };
	const uint8_t	 filter[] = { 10, 0, 0, 0, 255, 0, 0, 0 };

	(void)state;
	assert_global_opt("option static-routes 198.51.100.0 192.0.2.1, "
	    "203.0.113.0 192.0.2.2;", 33, routes, sizeof(routes));
	assert_global_opt("option policy-filter 10.0.0.0 255.0.0.0;", 21,
	    filter, sizeof(filter));
	assert_refused("option static-routes 0.0.0.0 192.0.2.1;\n",
	    NAME ":1: option static-routes 0.0.0.0 is not a valid "
	    "destination (the default route is option routers)\n");
	assert_refused("option static-routes 198.51.100.0;\n",
	    NAME ":1: option static-routes expects address pairs 'A B' "
	    "separated by ',', got '198.51.100.0'\n");
}

static void
test_classless_static_routes_encode_as_rfc3442(void **state)
{
	/* RFC 3442 section 3: width, significant octets, router. */
	const uint8_t	 want[] = {
		24, 198, 51, 100, 192, 0, 2, 1,
		0, 192, 0, 2, 1,
		8, 10, 192, 0, 2, 3,
		17, 172, 16, 128, 192, 0, 2, 4,
		32, 203, 0, 113, 9, 192, 0, 2, 5
	};

	(void)state;
	assert_global_opt("option classless-static-routes "
	    "198.51.100.0/24 192.0.2.1, 0.0.0.0/0 192.0.2.1, "
	    "10.0.0.0/8 192.0.2.3, 172.16.128.0/17 192.0.2.4, "
	    "203.0.113.9/32 192.0.2.5;", 121, want, sizeof(want));
	assert_global_opt("option classless-ms-static-routes "
	    "198.51.100.0/24 192.0.2.1;", 249, want, 8);
	assert_refused("option classless-static-routes 198.51.100.1/24 "
	    "192.0.2.1;\n", NAME ":1: option classless-static-routes route "
	    "198.51.100.1/24 has bits set past its prefix length\n");
	assert_refused("option classless-static-routes 198.51.100.0 "
	    "192.0.2.1;\n", NAME ":1: option classless-static-routes "
	    "expects routes 'NET/LEN ROUTER' separated by ',', got "
	    "'198.51.100.0'\n");
}

static void
test_domain_search_encodes_dns_labels(void **state)
{
	const uint8_t	 want[] = {
		7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'o', 'r', 'g', 0,
		3, 'l', 'a', 'b', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e',
		3, 'n', 'e', 't', 0
	};

	(void)state;
	assert_global_opt("option domain-search \"example.org\", "
	    "lab.example.net.;", 119, want, sizeof(want));
	assert_refused("option domain-search \"a..b\";\n",
	    NAME ":1: option domain-search expects domain names separated by "
	    "',', got 'a..b'\n");
}

static void
test_every_option_code_prints_and_parses_back(void **state)
{
	struct dhcpd_config	*c;
	char			 text[256], nbuf[16];
	const char		*val;
	int			 code;

	(void)state;
	for (code = 1; code < 255; code++) {
		switch (dhcp_opt_fmt((uint8_t)code)) {
		case DHCP_FMT_IP:	val = "192.0.2.1"; break;
		case DHCP_FMT_IPS:	val = "192.0.2.1, 192.0.2.2"; break;
		case DHCP_FMT_IPPAIRS:	val = "10.0.0.0 192.0.2.1"; break;
		case DHCP_FMT_INT32:	val = "-7"; break;
		case DHCP_FMT_UINT32:	val = "7"; break;
		case DHCP_FMT_UINT16:	val = "1500"; break;
		case DHCP_FMT_UINT16S:	val = "68, 1500"; break;
		case DHCP_FMT_UINT8:	val = "8"; break;
		case DHCP_FMT_UINT8S:	val = "1, 3"; break;
		case DHCP_FMT_FLAG:	val = "true"; break;
		case DHCP_FMT_TEXT:	val = "\"text\""; break;
		case DHCP_FMT_DATA:	val = "01:02:ff"; break;
		case DHCP_FMT_DOMAINS:	val = "\"example.org\""; break;
		case DHCP_FMT_ROUTES:	val = "10.0.0.0/8 10.0.0.1"; break;
		default:		val = NULL; break;
		}
		assert_non_null(val);
		(void)snprintf(text, sizeof(text), "option %s %s;\n",
		    dhcp_opt_name((uint8_t)code, nbuf, sizeof(nbuf)), val);
		c = parse_text(text);
		if (c == NULL)
			fail_msg("%s: %s", text, msgs);
		if (code == 54)
			assert_true(c->c_global.dp_has_server_id);
		else
			assert_non_null(dhcp_params_opt(&c->c_global,
			    (uint8_t)code));
		assert_fixed_point(c);
		dhcpd_config_free(c);
	}
	assert_refused("option pad 1;\n", NAME ":1: unknown option 'pad'\n");
	assert_refused("option option-255 1;\n",
	    NAME ":1: unknown option 'option-255'\n");
}

static void
test_option_names_and_codes_map_both_ways(void **state)
{
	uint8_t	 code;
	char	 buf[16];

	(void)state;
	assert_int_equal(dhcp_opt_by_name("routers", &code), 0);
	assert_int_equal(code, 3);
	assert_int_equal(dhcp_opt_by_name("Domain-Name-Servers", &code), 0);
	assert_int_equal(code, 6);
	assert_int_equal(dhcp_opt_by_name("option-62", &code), 0);
	assert_int_equal(code, 62);
	assert_int_equal(dhcp_opt_by_name("option-3", &code), 0);
	assert_int_equal(code, 3);
	assert_int_equal(dhcp_opt_by_name("option-062", &code), -1);
	assert_int_equal(dhcp_opt_by_name("option-0", &code), -1);
	assert_int_equal(dhcp_opt_by_name("routerz", &code), -1);
	assert_string_equal(dhcp_opt_name(121, buf, sizeof(buf)),
	    "classless-static-routes");
	assert_string_equal(dhcp_opt_name(62, buf, sizeof(buf)),
	    "option-62");
	assert_int_equal(dhcp_opt_fmt(62), DHCP_FMT_DATA);
	assert_int_equal(dhcp_opt_fmt(121), DHCP_FMT_ROUTES);
	assert_null(dhcp_opt_by_code(62));
	assert_int_equal(dhcp_opt_by_code(77)->od_fmt, DHCP_FMT_TEXT);
}

static void
test_option_bytes_not_fitting_the_format_print_as_hex(void **state)
{
	const uint8_t	 bad[] = { 192, 0, 2 };
	char		*buf = NULL;
	size_t		 len;
	FILE		*f;

	(void)state;
	f = open_memstream(&buf, &len);
	assert_non_null(f);
	assert_int_equal(dhcp_opt_print(f, 3, bad, sizeof(bad)), -1);
	assert_int_equal(fclose(f), 0);
	assert_string_equal(buf, "c0:00:02");
	free(buf);
}

/* ------------------------------------------------------------------ */
/* lexing */

static void
test_keywords_ignore_case_and_quotes_keep_their_text(void **state)
{
	struct dhcpd_config	*c;
	struct dhcp_host	*h;

	(void)state;
	c = parse_text(
	    "Default-Lease-Time 600; FILENAME \"a;b#c{d}\";  # ; comment\n"
	    "HOST \"host\" { Hardware ETHERNET 0:0:5e:0:53:a; }\n"
	    "host Group { }\n"
	    "host multi\\\n"
	    ".line { }\n"
	    "host last { }\n");
	assert_non_null(c);
	assert_int_equal(c->c_global.dp_default_lease_time, 600);
	assert_string_equal(c->c_global.dp_filename, "a;b#c{d}");
	h = host_named(c, "host");
	assert_int_equal(h->h_haddr[5], 0x0a);
	(void)host_named(c, "Group");
	/* A backslash joins lines, and the lines still count. */
	assert_int_equal(host_named(c, "multi.line")->h_line, 4);
	assert_int_equal(host_named(c, "last")->h_line, 6);
	assert_fixed_point(c);
	dhcpd_config_free(c);
}

static void
test_statements_may_span_lines_and_share_them(void **state)
{
	struct dhcpd_config	*c;

	(void)state;
	c = parse_text("subnet\n192.0.2.0\nnetmask\n255.255.255.0\n{\n"
	    "range 192.0.2.1\n192.0.2.2\n;\n}\n"
	    "host a { } host b { } max-lease-time 9;\n");
	assert_null(c);
	assert_msgs(NAME ":10: max-lease-time: parameters must come before "
	    "the declarations of a block\n");
	c = parse_text("max-lease-time\n9\n;subnet 192.0.2.0 netmask "
	    "255.255.255.0 { range 192.0.2.1\n192.0.2.2\n;\n}\n");
	assert_non_null(c);
	assert_int_equal(c->c_global.dp_max_lease_time, 9);
	dhcpd_config_free(c);
}

static void
test_includes_are_read_from_files_only(void **state)
{
	struct dhcpd_config	*c;
	char			 dir[] = "/tmp/test_dhcpd_parse.XXXXXX";
	char			 top[PATH_MAX], sub[PATH_MAX];
	FILE			*f;

	(void)state;
	assert_refused("include \"/etc/passwd\";\n",
	    NAME ":1: include \"/etc/passwd\": includes are only allowed in "
	    "a configuration read from a file\n");

	assert_non_null(mkdtemp(dir));
	(void)snprintf(top, sizeof(top), "%s/dhcpd.conf", dir);
	(void)snprintf(sub, sizeof(sub), "%s/hosts.conf", dir);
	f = fopen(top, "w");
	assert_non_null(f);
	(void)fputs("default-lease-time 60;\ninclude \"hosts.conf\";\n"
	    "host b { hardware ethernet 00:00:5e:00:53:01; }\n", f);
	assert_int_equal(fclose(f), 0);
	f = fopen(sub, "w");
	assert_non_null(f);
	(void)fputs("host a {\n hardware ethernet 00:00:5e:00:53:01; }\n", f);
	assert_int_equal(fclose(f), 0);

	free(msgs);
	msgs = NULL;
	f = open_memstream(&msgs, &msglen);
	assert_non_null(f);
	c = dhcpd_config_parse(top, f);
	assert_int_equal(fclose(f), 0);
	assert_null(c);
	assert_non_null(strstr(msgs, "dhcpd.conf:3: hardware ethernet "
	    "00:00:5e:00:53:01 already declared for host a at "));
	assert_non_null(strstr(msgs, "/hosts.conf:1\n"));

	f = fopen(top, "w");
	assert_non_null(f);
	(void)fputs("include \"hosts.conf\";\n", f);
	assert_int_equal(fclose(f), 0);
	c = dhcpd_config_parse(top, NULL);
	assert_non_null(c);
	assert_int_equal(host_named(c, "a")->h_haddr[5], 1);
	dhcpd_config_free(c);

	assert_int_equal(unlink(sub), 0);
	assert_int_equal(unlink(top), 0);
	assert_int_equal(rmdir(dir), 0);
	c = dhcpd_config_parse(top, NULL);
	assert_null(c);
}

/* ------------------------------------------------------------------ */
/* errors */

static void
test_netmask_must_be_contiguous(void **state)
{
	(void)state;
	assert_refused("subnet 192.0.2.0 netmask 255.255.0.255 { }\n",
	    NAME ":1: netmask 255.255.0.255 is not a contiguous IPv4 "
	    "netmask\n");
	assert_refused("subnet 192.0.2.0 netmask 24 { }\n",
	    NAME ":1: netmask 24 is not a contiguous IPv4 netmask\n");
}

static void
test_subnet_address_must_have_no_host_bits(void **state)
{
	(void)state;
	assert_refused("subnet 192.0.2.1 netmask 255.255.255.0 { }\n",
	    NAME ":1: subnet 192.0.2.1 netmask 255.255.255.0: the address has "
	    "host bits set (the network is 192.0.2.0)\n");
	assert_refused("subnet example.org netmask 255.255.255.0 { }\n",
	    NAME ":1: subnet expects an IPv4 network address, got "
	    "'example.org'\n");
}

static void
test_range_must_lie_in_its_subnet_low_to_high(void **state)
{
	(void)state;
	assert_refused("subnet 192.0.2.0 netmask 255.255.255.0 {\n"
	    "range 192.0.2.10 192.0.3.20; }\n",
	    NAME ":2: range 192.0.2.10 192.0.3.20 is not inside subnet "
	    "192.0.2.0 netmask 255.255.255.0\n");
	assert_refused("subnet 192.0.2.0 netmask 255.255.255.0 {\n"
	    "range 192.0.2.50 192.0.2.10; }\n",
	    NAME ":2: range 192.0.2.50 192.0.2.10: the low address is above "
	    "the high one\n");
	assert_refused("subnet 192.0.2.0 netmask 255.255.255.0 {\n"
	    "range 192.0.2.10 192.0.2.20; range 192.0.2.20; }\n",
	    NAME ":2: range 192.0.2.20 192.0.2.20 overlaps range 192.0.2.10 "
	    "192.0.2.20 at " NAME ":2\n");
	assert_refused("range 192.0.2.1;\n",
	    NAME ":1: range not allowed at top level: only directly in a "
	    "subnet\n");
	assert_refused("subnet 192.0.2.0 netmask 255.255.255.0 {\n"
	    "group { range 192.0.2.1; } }\n",
	    NAME ":2: range not allowed in a group: only directly in a "
	    "subnet\n");
}

static void
test_subnets_must_not_overlap(void **state)
{
	(void)state;
	assert_refused("subnet 192.0.2.0 netmask 255.255.255.0 { }\n"
	    "subnet 192.0.2.128 netmask 255.255.255.128 { }\n",
	    NAME ":2: subnet 192.0.2.128 netmask 255.255.255.128 overlaps "
	    "subnet 192.0.2.0 netmask 255.255.255.0 at " NAME ":1\n");
	assert_refused("subnet 192.0.2.0 netmask 255.255.255.128 { }\n"
	    "subnet 192.0.0.0 netmask 255.255.0.0 { }\n",
	    NAME ":2: subnet 192.0.0.0 netmask 255.255.0.0 overlaps subnet "
	    "192.0.2.0 netmask 255.255.255.128 at " NAME ":1\n");
}

static void
test_hardware_address_and_uid_name_one_host(void **state)
{
	(void)state;
	assert_refused("host a { hardware ethernet 00:00:5e:00:53:42; }\n"
	    "host b { hardware ethernet 0:0:5E:0:53:42; }\n",
	    NAME ":2: hardware ethernet 0:0:5E:0:53:42 already declared for "
	    "host a at " NAME ":1\n");
	assert_refused("host a { option dhcp-client-identifier \"A\"; }\n"
	    "host b { option dhcp-client-identifier 41; }\n",
	    NAME ":2: option dhcp-client-identifier already declared for "
	    "host a at " NAME ":1\n");
	assert_refused("host a { hardware ethernet 00:00:5e:00:53; }\n",
	    NAME ":1: hardware ethernet expects 6 octets xx:xx:..., got "
	    "'00:00:5e:00:53'\n");
	assert_refused("host a { hardware wifi 00:00:5e:00:53:01; }\n",
	    NAME ":1: hardware expects ethernet, token-ring or fddi, got "
	    "'wifi'\n");
	assert_refused("hardware ethernet 00:00:5e:00:53:01;\n",
	    NAME ":1: hardware not allowed at top level: only in a host\n");
}

static void
test_unknown_option_and_bad_values_are_named(void **state)
{
	(void)state;
	assert_refused("option domain-nameservers 192.0.2.53;\n",
	    NAME ":1: unknown option 'domain-nameservers'\n");
	assert_refused("option routers 192.0.2.1 192.0.2.2;\n",
	    NAME ":1: option routers expects IPv4 addresses separated by ',', "
	    "got '192.0.2.2' after '192.0.2.1' (a ',' missing?)\n");
	assert_refused("option routers gw.example.org;\n",
	    NAME ":1: option routers expects IPv4 addresses separated by ',', "
	    "got 'gw.example.org'\n");
	assert_refused("option subnet-mask 255.255.255.0, 255.0.0.0;\n",
	    NAME ":1: option subnet-mask expects an IPv4 address, not a "
	    "list\n");
	assert_refused("option interface-mtu 65536;\n",
	    NAME ":1: option interface-mtu expects a number 0-65535, got "
	    "'65536'\n");
	assert_refused("option time-offset \"5\";\n",
	    NAME ":1: option time-offset expects a number "
	    "-2147483648-2147483647, got '5'\n");
	assert_refused("option ip-forwarding 1;\n",
	    NAME ":1: option ip-forwarding expects true, false, on or off, "
	    "got '1'\n");
	assert_refused("option host-name myhost;\n",
	    NAME ":1: option host-name expects a quoted string or hex octets "
	    "xx:xx:..., got 'myhost'\n");
	assert_refused("option domain-name \"\";\n",
	    NAME ":1: option domain-name expects a non-empty string\n");
	assert_refused("option routers;\n",
	    NAME ":1: option routers expects IPv4 addresses separated by ',', "
	    "got nothing\n");
}

static void
test_lease_times_are_seconds_and_max_below_default_warns(void **state)
{
	struct dhcpd_config	*c;

	(void)state;
	assert_refused("default-lease-time -1;\n",
	    NAME ":1: default-lease-time expects 0-4294967295 seconds, got "
	    "'-1'\n");
	assert_refused("max-lease-time 1d;\n",
	    NAME ":1: max-lease-time expects 0-4294967295 seconds, got "
	    "'1d'\n");
	assert_refused("dynamic-bootp-lease-length 4294967296;\n",
	    NAME ":1: dynamic-bootp-lease-length expects 0-4294967295 "
	    "seconds, got '4294967296'\n");
	c = parse_text("default-lease-time 7200;\nmax-lease-time 3600;\n");
	assert_non_null(c);
	assert_msgs(NAME ":2: warning: default-lease-time 7200 is above "
	    "max-lease-time 3600\n");
	dhcpd_config_free(c);
	/* Across scopes: the subnet's default against the global max. */
	c = parse_text("max-lease-time 600;\n"
	    "subnet 192.0.2.0 netmask 255.255.255.0 {\n"
	    "  default-lease-time 900; }\n");
	assert_non_null(c);
	assert_msgs(NAME ":1: warning: default-lease-time 43200 is above "
	    "max-lease-time 600\n"
	    NAME ":3: warning: default-lease-time 900 is above "
	    "max-lease-time 600\n");
	dhcpd_config_free(c);
}

static void
test_unknown_keywords_and_syntax_errors_name_the_line(void **state)
{
	(void)state;
	assert_refused("default-lease-time 600;\nlease-time 600;\n",
	    NAME ":2: unknown keyword 'lease-time'\n");
	assert_refused("subnet 192.0.2.0 netmask 255.255.255.0 {\n"
	    "  range 192.0.2.1 192.0.2.9\n}\n",
	    NAME ":3: syntax error near '}'\n");
	assert_refused("group {\n  host a {\n",
	    NAME ":2: syntax error at end of file\n");
	assert_refused("option domain-name \"x\n",
	    NAME ":1: unterminated quoted string\n");
	assert_refused("not bootp;\n", NAME ":1: syntax error near 'bootp'\n");
	assert_refused("get-lease-hostnames maybe;\n",
	    NAME ":1: get-lease-hostnames expects true, false, on or off, got "
	    "'maybe'\n");
	assert_refused("allow dynamic-bootp;\n",
	    NAME ":1: allow expects unknown-clients, bootp or booting, got "
	    "'dynamic-bootp'\n");
}

static void
test_declarations_are_refused_where_they_do_not_belong(void **state)
{
	(void)state;
	assert_refused("host a { subnet 192.0.2.0 netmask 255.255.255.0 { "
	    "range 192.0.2.1; } }\n",
	    NAME ":1: subnet not allowed in a host\n");
	assert_refused("subnet 192.0.2.0 netmask 255.255.255.0 {\n"
	    "  group { subnet 192.0.3.0 netmask 255.255.255.0 { } } }\n",
	    NAME ":2: subnet not allowed inside a subnet\n");
	assert_refused("shared-network a { group { shared-network b { } } }\n",
	    NAME ":1: shared-network not allowed inside shared-network a\n"
	    NAME ":1: shared-network a has no subnet\n");
	assert_refused("vendor-class \"v\" { host h { } }\n",
	    NAME ":1: host not allowed in a class\n");
	assert_refused("host a { authoritative; }\n",
	    NAME ":1: authoritative makes no sense in a host\n");
	assert_refused("host a { use-host-decl-names on; }\n",
	    NAME ":1: use-host-decl-names not allowed in a host\n");
	assert_refused("fixed-address 192.0.2.1;\n",
	    NAME ":1: fixed-address not allowed at top level: only in a "
	    "host\n");
	assert_refused("shared-network empty { }\n",
	    NAME ":1: shared-network empty has no subnet\n");
}

static void
test_parameters_must_come_before_declarations(void **state)
{
	(void)state;
	assert_refused("subnet 192.0.2.0 netmask 255.255.255.0 { }\n"
	    "option domain-name \"example.org\";\n",
	    NAME ":2: option: parameters must come before the declarations of "
	    "a block\n");
	assert_refused("group { host a { } filename \"x\"; }\n",
	    NAME ":1: filename: parameters must come before the declarations "
	    "of a block\n");
}

static void
test_every_error_is_reported_before_the_parse_fails(void **state)
{
	(void)state;
	assert_refused(
	    "default-lease-time soon;\n"
	    "option routers 192.0.2.300;\n"
	    "frobnicate 1 2;\n"
	    "subnet 192.0.2.0 netmask 255.255.255.0 {\n"
	    "  range 192.0.3.1;\n"
	    "  option bogus 1;\n"
	    "}\n"
	    "host a { fixed-address a.example; hardware ethernet 1; }\n",
	    NAME ":1: default-lease-time expects 0-4294967295 seconds, got "
	    "'soon'\n"
	    NAME ":2: option routers expects IPv4 addresses separated by ',', "
	    "got '192.0.2.300'\n"
	    NAME ":3: unknown keyword 'frobnicate'\n"
	    NAME ":5: range 192.0.3.1 192.0.3.1 is not inside subnet "
	    "192.0.2.0 netmask 255.255.255.0\n"
	    NAME ":6: unknown option 'bogus'\n"
	    NAME ":8: fixed-address expects IPv4 addresses (host names are not "
	    "resolved), got 'a.example'\n"
	    NAME ":8: hardware ethernet expects 6 octets xx:xx:..., got '1'\n");
}

/* ------------------------------------------------------------------ */
/* printing */

static void
test_empty_config_prints_nothing(void **state)
{
	struct dhcpd_config	*c;
	char			*p;
	size_t			 len;

	(void)state;
	c = parse_text("# nothing\n\n");
	assert_non_null(c);
	p = print_text(c, &len);
	assert_int_equal(len, 0);
	free(p);
	dhcpd_config_free(c);
}

static void
test_printout_is_canonical_and_stable_on_a_large_config(void **state)
{
	struct dhcpd_config	*c;
	char			*text = NULL, *p1;
	size_t			 len, l1;
	FILE			*f;
	int			 i, n = 0;

	(void)state;
	f = open_memstream(&text, &len);
	assert_non_null(f);
	(void)fputs("default-lease-time 600; max-lease-time 7200;\n"
	    "option domain-name-servers 192.0.2.53, 192.0.2.54;\n"
	    "vendor-class \"MSFT 5.0\" { deny booting; }\n", f);
	for (i = 0; i < 16; i++) {
		(void)fprintf(f, "shared-network net%d {\n"
		    " option domain-search \"n%d.example.org\";\n"
		    " subnet 10.%d.0.0 netmask 255.255.255.0 {\n"
		    "  option routers 10.%d.0.1;\n"
		    "  range 10.%d.0.10 10.%d.0.99;\n"
		    "  range dynamic-bootp 10.%d.0.100;\n", i, i, i, i, i, i,
		    i);
		(void)fprintf(f, "  user-class \"u%d\" { filename \"f%d\"; }\n"
		    " }\n subnet 10.%d.1.0 netmask 255.255.255.0 {\n"
		    "  option classless-static-routes 10.%d.0.0/16 10.%d.1.1,"
		    " 0.0.0.0/0 10.%d.1.1;\n }\n}\n", i, i, i, i, i, i);
	}
	(void)fputs("group { use-host-decl-names on;\n", f);
	for (i = 0; i < 300; i++, n++)
		(void)fprintf(f, " host h%d { hardware ethernet "
		    "00:00:5e:00:%02x:%02x; fixed-address 10.%d.0.%d;"
		    " option host-name \"h%d\"; }\n", i, i / 256, i % 256,
		    i % 16, 200 + i / 16, i);
	(void)fputs("}\n", f);
	for (i = 0; i < 50; i++, n++)
		(void)fprintf(f, "host uid%d { option dhcp-client-identifier "
		    "01:00:00:5e:00:54:%02x; }\n", i, i);
	assert_int_equal(fclose(f), 0);

	c = parse_text(text);
	if (c == NULL)
		fail_msg("%s", msgs);
	assert_msgs("");
	i = 0;
	{
		struct dhcp_host	*h;

		TAILQ_FOREACH(h, &c->c_hosts, h_entry)
			i++;
	}
	assert_int_equal(i, n);
	p1 = print_text(c, &l1);
	/* Canonical: one statement per line, tabs for nesting. */
	assert_non_null(strstr(p1, "\n\thost h7 {\n\t\thardware ethernet "
	    "00:00:5e:00:00:07;\n\t\tfixed-address 10.7.0.200;\n"));
	assert_non_null(strstr(p1, "shared-network net3 {\n\toption "
	    "domain-search \"n3.example.org\";\n\tsubnet 10.3.0.0 netmask "
	    "255.255.255.0 {\n\t\toption routers 10.3.0.1;\n\t\trange "
	    "10.3.0.10 10.3.0.99;\n\t\trange dynamic-bootp 10.3.0.100;\n"
	    "\t\tuser-class \"u3\" {\n"));
	assert_fixed_point(c);
	dhcpd_config_free(c);
	free(p1);
	free(text);
}

static void
test_good_files_print_as_their_out_files(void **state)
{
	struct dhcpd_config	*c;
	glob_t			 g;
	char			 out[PATH_MAX];
	char			*want, *got;
	size_t			 i, wl, gl;
	FILE			*f;

	(void)state;
	assert_int_equal(glob(GOOD_GLOB, 0, NULL, &g), 0);
	assert_true(g.gl_pathc >= 6);
	for (i = 0; i < g.gl_pathc; i++) {
		free(msgs);
		msgs = NULL;
		f = open_memstream(&msgs, &msglen);
		assert_non_null(f);
		c = dhcpd_config_parse(g.gl_pathv[i], f);
		assert_int_equal(fclose(f), 0);
		if (c == NULL)
			fail_msg("%s: %s", g.gl_pathv[i], msgs);
		(void)snprintf(out, sizeof(out), "%.*s.out",
		    (int)(strlen(g.gl_pathv[i]) - 5), g.gl_pathv[i]);
		want = read_file(out, &wl);
		got = print_text(c, &gl);
		if (strcmp(want, got) != 0)
			fail_msg("%s: printout differs:\n%s", out, got);
		assert_fixed_point(c);
		dhcpd_config_free(c);
		free(want);
		free(got);
	}
	globfree(&g);
	/* The example in contrib/ parses too. */
	c = dhcpd_config_parse("contrib/dhcpd.conf", NULL);
	assert_non_null(c);
	dhcpd_config_free(c);
}

static int
teardown(void **state)
{
	(void)state;
	free(msgs);
	msgs = NULL;
	return (0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    test_spec_example_gives_a_subnet_a_range_and_a_host),
		cmocka_unit_test(test_shared_network_holds_its_subnets),
		cmocka_unit_test(
		    test_lone_subnet_gets_an_implicit_shared_network),
		cmocka_unit_test(
		    test_subnet_in_a_group_in_a_shared_network_belongs_to_it),
		cmocka_unit_test(
		    test_range_forms_single_pair_and_dynamic_bootp),
		cmocka_unit_test(
		    test_options_are_found_from_the_innermost_scope_outward),
		cmocka_unit_test(test_lease_times_default_to_43200_and_86400),
		cmocka_unit_test(
		    test_flags_inherit_and_take_their_default_when_unset),
		cmocka_unit_test(test_strings_and_addresses_inherit),
		cmocka_unit_test(test_params_clear_frees_and_unsets_a_scope),
		cmocka_unit_test(
		    test_bootp_lease_cutoff_is_seconds_since_the_epoch_utc),
		cmocka_unit_test(
		    test_hosts_are_found_by_hardware_address_and_by_uid),
		cmocka_unit_test(
		    test_fixed_address_takes_a_list_of_dotted_quads),
		cmocka_unit_test(
		    test_fixed_address_in_no_subnet_is_only_a_warning),
		cmocka_unit_test(test_classes_are_found_by_kind_and_identifier),
		cmocka_unit_test(
		    test_deny_booting_in_a_class_sets_c_deny_booting),
		cmocka_unit_test(test_ip_address_options_and_lists),
		cmocka_unit_test(test_integer_options_are_big_endian),
		cmocka_unit_test(test_flag_text_and_data_options),
		cmocka_unit_test(
		    test_address_pairs_encode_static_routes_and_filters),
		cmocka_unit_test(
		    test_classless_static_routes_encode_as_rfc3442),
		cmocka_unit_test(test_domain_search_encodes_dns_labels),
		cmocka_unit_test(
		    test_every_option_code_prints_and_parses_back),
		cmocka_unit_test(test_option_names_and_codes_map_both_ways),
		cmocka_unit_test(
		    test_option_bytes_not_fitting_the_format_print_as_hex),
		cmocka_unit_test(
		    test_keywords_ignore_case_and_quotes_keep_their_text),
		cmocka_unit_test(
		    test_statements_may_span_lines_and_share_them),
		cmocka_unit_test(test_includes_are_read_from_files_only),
		cmocka_unit_test(test_netmask_must_be_contiguous),
		cmocka_unit_test(test_subnet_address_must_have_no_host_bits),
		cmocka_unit_test(
		    test_range_must_lie_in_its_subnet_low_to_high),
		cmocka_unit_test(test_subnets_must_not_overlap),
		cmocka_unit_test(test_hardware_address_and_uid_name_one_host),
		cmocka_unit_test(test_unknown_option_and_bad_values_are_named),
		cmocka_unit_test(
		    test_lease_times_are_seconds_and_max_below_default_warns),
		cmocka_unit_test(
		    test_unknown_keywords_and_syntax_errors_name_the_line),
		cmocka_unit_test(
		    test_declarations_are_refused_where_they_do_not_belong),
		cmocka_unit_test(test_parameters_must_come_before_declarations),
		cmocka_unit_test(
		    test_every_error_is_reported_before_the_parse_fails),
		cmocka_unit_test(test_empty_config_prints_nothing),
		cmocka_unit_test(
		    test_printout_is_canonical_and_stable_on_a_large_config),
		cmocka_unit_test(test_good_files_print_as_their_out_files),
	};

	return (cmocka_run_group_tests(tests, NULL, teardown));
}
