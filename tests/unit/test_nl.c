/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * lib/nl parsers on hand-built rtnetlink messages: what a good link or
 * address message yields, and that every truncation or bad length is
 * refused with EBADMSG without reading past the bytes given (ASan).
 * The code that talks to the kernel is exercised in a namespace by hand.
 */

#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "addr.h"
#include "nl.h"

#define MSGSIZE	2048
#define MAXCUTS	32

static const uint8_t mac5[6] = { 0x00, 0x00, 0x5e, 0x00, 0x01, 0x05 };

struct msg {
	union {
		struct nlmsghdr	 hdr;
		uint8_t		 data[MSGSIZE];
	}		 m_u;
	/* Where each top-level attribute ends, without and with padding. */
	uint32_t	 m_end[MAXCUTS];
	uint32_t	 m_padend[MAXCUTS];
	int		 m_nends;
};

static struct nlmsghdr *
msg_start(struct msg *m, uint16_t type)
{
	struct nlmsghdr	*nlh;

	memset(m, 0, sizeof(*m));
	nlh = mnl_nlmsg_put_header(m->m_u.data);
	nlh->nlmsg_type = type;
	return (nlh);
}

/* Records where the attribute just put ends, for the truncation test. */
static void
msg_mark(struct msg *m, const struct nlattr *a)
{
	const uint8_t	*start = (const void *)a;
	uint32_t	 off = (uint32_t)(start - m->m_u.data);

	assert_true(m->m_nends < MAXCUTS);
	m->m_end[m->m_nends] = off + a->nla_len;
	m->m_padend[m->m_nends++] = off + MNL_ALIGN(a->nla_len);
}

/* The last attribute of nlh, just put. */
static const struct nlattr *
msg_last(struct nlmsghdr *nlh, uint16_t type)
{
	struct nlattr	*a, *last = NULL;

	mnl_attr_for_each(a, nlh, sizeof(struct ifinfomsg))
		if (mnl_attr_get_type(a) == type)
			last = a;
	assert_non_null(last);
	return (last);
}

/* A macvlan as the kernel describes it: carp5 on ifindex 3. */
static struct nlmsghdr *
build_macvlan(struct msg *m)
{
	struct nlmsghdr		*nlh;
	struct ifinfomsg	*ifi;
	struct nlattr		*info, *data;
	uint8_t			 pad[3] = { 1, 2, 3 };

	nlh = msg_start(m, RTM_NEWLINK);
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = 7;
	ifi->ifi_flags = IFF_UP | IFF_RUNNING | IFF_BROADCAST | IFF_MULTICAST;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "carp5");
	msg_mark(m, msg_last(nlh, IFLA_IFNAME));
	mnl_attr_put_u32(nlh, IFLA_MTU, 1500);
	msg_mark(m, msg_last(nlh, IFLA_MTU));
	mnl_attr_put(nlh, IFLA_ADDRESS, sizeof(mac5), mac5);
	msg_mark(m, msg_last(nlh, IFLA_ADDRESS));
	mnl_attr_put_u32(nlh, IFLA_LINK, 3);
	msg_mark(m, msg_last(nlh, IFLA_LINK));
	mnl_attr_put_strz(nlh, IFLA_IFALIAS, "hakit-carpd");
	msg_mark(m, msg_last(nlh, IFLA_IFALIAS));
	/* An attribute type we do not know is skipped. */
	mnl_attr_put(nlh, 0x3ff, sizeof(pad), pad);
	msg_mark(m, msg_last(nlh, 0x3ff));
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "macvlan");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	mnl_attr_put_u32(nlh, IFLA_MACVLAN_MODE, MACVLAN_MODE_BRIDGE);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
	msg_mark(m, info);
	return (nlh);
}

/* Parses len bytes of nlh from a heap copy of exactly that size. */
static int
parse_link_copy(const struct nlmsghdr *nlh, size_t len, struct nl_link *l)
{
	void	*copy;
	int	 r, save;

	copy = malloc(len == 0 ? 1 : len);
	assert_non_null(copy);
	memcpy(copy, nlh, len);
	r = nl_parse_link(copy, len, l);
	save = errno;
	free(copy);
	errno = save;
	return (r);
}

static struct nlattr *
attr_of(struct nlmsghdr *nlh, uint16_t type)
{
	struct nlattr	*a;

	mnl_attr_for_each(a, nlh, sizeof(struct ifinfomsg))
		if (mnl_attr_get_type(a) == type)
			return (a);
	fail_msg("no attribute %u", type);
	return (NULL);
}

static void
expect_bad_link(const struct nlmsghdr *nlh, size_t len)
{
	struct nl_link	 l;

	errno = 0;
	assert_int_equal(parse_link_copy(nlh, len, &l), -1);
	assert_int_equal(errno, EBADMSG);
}

static void
test_macvlan_link_message_yields_every_field(void **state)
{
	struct msg	 m;
	struct nlmsghdr	*nlh;
	struct nl_link	 l;

	(void)state;
	nlh = build_macvlan(&m);
	memset(&l, 0xa5, sizeof(l));
	assert_int_equal(parse_link_copy(nlh, nlh->nlmsg_len, &l), 0);
	assert_int_equal(l.ifindex, 7);
	assert_string_equal(l.name, "carp5");
	assert_int_equal(l.flags,
	    IFF_UP | IFF_RUNNING | IFF_BROADCAST | IFF_MULTICAST);
	assert_int_equal(l.oper_up, 1);
	assert_memory_equal(l.mac, mac5, 6);
	assert_int_equal(l.link_ifindex, 3);
	assert_string_equal(l.kind, "macvlan");
	assert_string_equal(l.alias, "hakit-carpd");
}

static void
test_link_that_is_up_but_not_running_is_not_oper_up(void **state)
{
	struct msg		 m;
	struct nlmsghdr		*nlh;
	struct ifinfomsg	*ifi;
	struct nl_link		 l;

	(void)state;
	nlh = build_macvlan(&m);
	ifi = mnl_nlmsg_get_payload(nlh);
	ifi->ifi_flags = IFF_UP | IFF_BROADCAST;
	assert_int_equal(parse_link_copy(nlh, nlh->nlmsg_len, &l), 0);
	assert_int_equal(l.flags, IFF_UP | IFF_BROADCAST);
	assert_int_equal(l.oper_up, 0);
}

static void
test_dellink_message_parses_like_newlink(void **state)
{
	struct msg	 m;
	struct nlmsghdr	*nlh;
	struct nl_link	 l;

	(void)state;
	nlh = build_macvlan(&m);
	nlh->nlmsg_type = RTM_DELLINK;
	assert_int_equal(parse_link_copy(nlh, nlh->nlmsg_len, &l), 0);
	assert_int_equal(l.ifindex, 7);
	assert_string_equal(l.name, "carp5");
}

static void
test_plain_link_has_no_kind_alias_parent_or_mac(void **state)
{
	struct msg		 m;
	struct nlmsghdr		*nlh;
	struct ifinfomsg	*ifi;
	struct nl_link		 l;
	uint8_t			 v4[4] = { 192, 0, 2, 1 };

	(void)state;
	nlh = msg_start(&m, RTM_NEWLINK);
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_index = 2;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "tun0");
	/* A tunnel's link address is not a MAC. */
	mnl_attr_put(nlh, IFLA_ADDRESS, sizeof(v4), v4);
	memset(&l, 0xa5, sizeof(l));
	assert_int_equal(parse_link_copy(nlh, nlh->nlmsg_len, &l), 0);
	assert_int_equal(l.ifindex, 2);
	assert_string_equal(l.name, "tun0");
	assert_int_equal(l.flags, 0);
	assert_int_equal(l.oper_up, 0);
	assert_memory_equal(l.mac, "\0\0\0\0\0\0", 6);
	assert_int_equal(l.link_ifindex, 0);
	assert_string_equal(l.kind, "");
	assert_string_equal(l.alias, "");
}

static void
test_over_long_kind_is_truncated_not_refused(void **state)
{
	struct msg		 m;
	struct nlmsghdr		*nlh;
	struct ifinfomsg	*ifi;
	struct nlattr		*info;
	struct nl_link		 l;

	(void)state;
	nlh = msg_start(&m, RTM_NEWLINK);
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_index = 9;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "x0");
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "averyveryverylongkind");
	mnl_attr_nest_end(nlh, info);
	assert_int_equal(parse_link_copy(nlh, nlh->nlmsg_len, &l), 0);
	assert_string_equal(l.kind, "averyveryverylo");
}

/* Whether cut falls after a whole attribute, in or after its padding. */
static int
is_attr_end(const struct msg *m, uint32_t cut)
{
	int	 i;

	for (i = 0; i < m->m_nends; i++)
		if (cut >= m->m_end[i] && cut <= m->m_padend[i])
			return (1);
	return (0);
}

/*
 * Cut the message everywhere: it parses only where the cut falls at the
 * end of a whole attribute after the name (the padding of the last one
 * may be missing); elsewhere it is refused.
 */
static void
test_link_message_cut_anywhere_inside_an_attribute_is_refused(void **state)
{
	struct msg	 m;
	struct nlmsghdr	*nlh;
	struct nl_link	 l;
	uint32_t	 full, cut;
	int		 i, ok, r, parsed = 0, expect = 0;

	(void)state;
	nlh = build_macvlan(&m);
	full = nlh->nlmsg_len;
	for (cut = 0; cut <= full; cut++) {
		if (cut >= sizeof(*nlh))
			nlh->nlmsg_len = cut;
		ok = cut >= m.m_end[0] && is_attr_end(&m, cut);
		errno = 0;
		r = parse_link_copy(nlh, cut, &l);
		if (ok) {
			assert_int_equal(r, 0);
			assert_string_equal(l.name, "carp5");
			parsed++;
		} else {
			if (r != -1)
				fail_msg("cut at %u of %u parsed", cut, full);
			assert_int_equal(errno, EBADMSG);
		}
	}
	for (i = 0; i < m.m_nends; i++)
		expect += (int)(m.m_padend[i] - m.m_end[i]) + 1;
	assert_int_equal(m.m_nends, 7);
	assert_int_equal(parsed, expect);
}

static void
test_buffer_shorter_than_nlmsg_len_is_refused(void **state)
{
	struct msg	 m;
	struct nlmsghdr	*nlh;

	(void)state;
	nlh = build_macvlan(&m);
	expect_bad_link(nlh, nlh->nlmsg_len - 1);
	expect_bad_link(nlh, sizeof(*nlh) - 1);
	expect_bad_link(nlh, 0);
}

static void
test_attribute_longer_than_the_message_is_refused(void **state)
{
	struct msg	 m;
	struct nlmsghdr	*nlh;

	(void)state;
	nlh = build_macvlan(&m);
	attr_of(nlh, IFLA_MTU)->nla_len = (uint16_t)nlh->nlmsg_len;
	expect_bad_link(nlh, nlh->nlmsg_len);
}

static void
test_attribute_shorter_than_its_header_is_refused(void **state)
{
	struct msg	 m;
	struct nlmsghdr	*nlh;

	(void)state;
	nlh = build_macvlan(&m);
	attr_of(nlh, IFLA_MTU)->nla_len = 2;
	expect_bad_link(nlh, nlh->nlmsg_len);
}

static void
test_u32_attribute_of_two_bytes_is_refused(void **state)
{
	struct msg		 m;
	struct nlmsghdr		*nlh;
	struct ifinfomsg	*ifi;
	uint16_t		 two = 3;

	(void)state;
	nlh = msg_start(&m, RTM_NEWLINK);
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_index = 7;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "carp5");
	mnl_attr_put(nlh, IFLA_LINK, sizeof(two), &two);
	expect_bad_link(nlh, nlh->nlmsg_len);
}

static void
test_nested_attribute_overrunning_its_nest_is_refused(void **state)
{
	struct msg	 m;
	struct nlmsghdr	*nlh;
	struct nlattr	*info, *kind;

	(void)state;
	nlh = build_macvlan(&m);
	info = attr_of(nlh, IFLA_LINKINFO);
	kind = mnl_attr_get_payload(info);
	assert_int_equal(mnl_attr_get_type(kind), IFLA_INFO_KIND);
	/* Past the nest, though still inside the message. */
	kind->nla_len = (uint16_t)(info->nla_len);
	nlh->nlmsg_len += 64;
	expect_bad_link(nlh, nlh->nlmsg_len);
}

static void
test_name_without_nul_or_too_long_or_missing_is_refused(void **state)
{
	struct msg		 m;
	struct nlmsghdr		*nlh;
	struct ifinfomsg	*ifi;

	(void)state;
	nlh = msg_start(&m, RTM_NEWLINK);
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_index = 7;
	mnl_attr_put(nlh, IFLA_IFNAME, 5, "carp5");	/* no NUL */
	expect_bad_link(nlh, nlh->nlmsg_len);

	nlh = msg_start(&m, RTM_NEWLINK);
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_index = 7;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "0123456789abcdef"); /* 16 */
	expect_bad_link(nlh, nlh->nlmsg_len);

	nlh = msg_start(&m, RTM_NEWLINK);
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_index = 7;
	mnl_attr_put_u32(nlh, IFLA_LINK, 3);
	expect_bad_link(nlh, nlh->nlmsg_len);
}

static void
test_zero_ifindex_or_other_message_type_is_refused(void **state)
{
	struct msg		 m;
	struct nlmsghdr		*nlh;
	struct ifinfomsg	*ifi;

	(void)state;
	nlh = build_macvlan(&m);
	ifi = mnl_nlmsg_get_payload(nlh);
	ifi->ifi_index = 0;
	expect_bad_link(nlh, nlh->nlmsg_len);
	ifi->ifi_index = -4;
	expect_bad_link(nlh, nlh->nlmsg_len);

	nlh = build_macvlan(&m);
	nlh->nlmsg_type = RTM_NEWADDR;
	expect_bad_link(nlh, nlh->nlmsg_len);
}

static void
test_stray_bytes_after_the_last_attribute_are_refused(void **state)
{
	struct msg	 m;
	struct nlmsghdr	*nlh;

	(void)state;
	nlh = build_macvlan(&m);
	nlh->nlmsg_len += 2;
	expect_bad_link(nlh, nlh->nlmsg_len);
}

static void
test_misaligned_message_is_refused_with_einval(void **state)
{
	struct msg	 m;
	struct nlmsghdr	*nlh;
	struct nl_link	 l;
	uint8_t		*shifted;

	(void)state;
	nlh = build_macvlan(&m);
	shifted = malloc(nlh->nlmsg_len + 1);
	assert_non_null(shifted);
	memcpy(shifted + 1, nlh, nlh->nlmsg_len);
	errno = 0;
	assert_int_equal(nl_parse_link((const void *)(shifted + 1),
	    nlh->nlmsg_len, &l), -1);
	assert_int_equal(errno, EINVAL);
	free(shifted);
}

static struct nlmsghdr *
build_addr(struct msg *m, uint8_t af, uint8_t plen, uint32_t ifindex)
{
	struct nlmsghdr		*nlh;
	struct ifaddrmsg	*ifa;

	nlh = msg_start(m, RTM_NEWADDR);
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = af;
	ifa->ifa_prefixlen = plen;
	ifa->ifa_index = ifindex;
	ifa->ifa_flags = IFA_F_PERMANENT;
	return (nlh);
}

static int
parse_addr_copy(const struct nlmsghdr *nlh, size_t len, int *ifindex,
    struct addr *a, unsigned int *flags)
{
	void	*copy;
	int	 r, save;

	copy = malloc(len);
	assert_non_null(copy);
	memcpy(copy, nlh, len);
	r = nl_parse_addr(copy, len, ifindex, a, flags);
	save = errno;
	free(copy);
	errno = save;
	return (r);
}

static void
test_ipv4_address_is_the_local_end_not_the_peer(void **state)
{
	struct msg	 m;
	struct nlmsghdr	*nlh;
	struct addr	 a;
	char		 s[ADDR_STRLEN];
	uint8_t		 local[4] = { 192, 0, 2, 5 };
	uint8_t		 peer[4] = { 192, 0, 2, 6 };
	unsigned int	 flags;
	int		 ifindex;

	(void)state;
	nlh = build_addr(&m, AF_INET, 24, 4);
	mnl_attr_put(nlh, IFA_ADDRESS, 4, peer);
	mnl_attr_put(nlh, IFA_LOCAL, 4, local);
	mnl_attr_put_strz(nlh, IFA_LABEL, "carp5");
	assert_int_equal(parse_addr_copy(nlh, nlh->nlmsg_len, &ifindex, &a,
	    &flags), 0);
	assert_int_equal(ifindex, 4);
	assert_int_equal(a.a_af, AF_INET);
	assert_string_equal(addr_ntop(&a, 1, s, sizeof(s)), "192.0.2.5/24");
	assert_int_equal(flags, IFA_F_PERMANENT);
}

static void
test_ipv6_address_takes_its_flags_from_ifa_flags(void **state)
{
	struct msg	 m;
	struct nlmsghdr	*nlh;
	struct addr	 a;
	struct in6_addr	 in6;
	char		 s[ADDR_STRLEN];
	unsigned int	 flags;
	int		 ifindex;

	(void)state;
	assert_int_equal(inet_pton(AF_INET6, "2001:db8::5", &in6), 1);
	nlh = build_addr(&m, AF_INET6, 64, 11);
	mnl_attr_put(nlh, IFA_ADDRESS, 16, &in6);
	mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_NODAD | IFA_F_PERMANENT |
	    IFA_F_NOPREFIXROUTE);
	assert_int_equal(parse_addr_copy(nlh, nlh->nlmsg_len, &ifindex, &a,
	    &flags), 0);
	assert_int_equal(ifindex, 11);
	assert_string_equal(addr_ntop(&a, 1, s, sizeof(s)), "2001:db8::5/64");
	assert_int_equal(flags, IFA_F_NODAD | IFA_F_PERMANENT |
	    IFA_F_NOPREFIXROUTE);
}

static void
test_address_of_the_wrong_size_or_missing_is_refused(void **state)
{
	struct msg	 m;
	struct nlmsghdr	*nlh;
	struct addr	 a;
	uint8_t		 v4[4] = { 192, 0, 2, 5 };
	unsigned int	 flags;
	int		 ifindex;

	(void)state;
	nlh = build_addr(&m, AF_INET6, 64, 11);
	mnl_attr_put(nlh, IFA_ADDRESS, 4, v4);
	errno = 0;
	assert_int_equal(parse_addr_copy(nlh, nlh->nlmsg_len, &ifindex, &a,
	    &flags), -1);
	assert_int_equal(errno, EBADMSG);

	nlh = build_addr(&m, AF_INET, 24, 11);
	mnl_attr_put_u32(nlh, IFA_FLAGS, 0);
	errno = 0;
	assert_int_equal(parse_addr_copy(nlh, nlh->nlmsg_len, &ifindex, &a,
	    &flags), -1);
	assert_int_equal(errno, EBADMSG);
}

static void
test_address_with_bad_prefix_or_index_is_refused(void **state)
{
	struct msg	 m;
	struct nlmsghdr	*nlh;
	struct addr	 a;
	uint8_t		 v4[4] = { 192, 0, 2, 5 };
	unsigned int	 flags;
	int		 ifindex;

	(void)state;
	nlh = build_addr(&m, AF_INET, 33, 4);
	mnl_attr_put(nlh, IFA_LOCAL, 4, v4);
	errno = 0;
	assert_int_equal(parse_addr_copy(nlh, nlh->nlmsg_len, &ifindex, &a,
	    &flags), -1);
	assert_int_equal(errno, EBADMSG);

	nlh = build_addr(&m, AF_INET, 24, 0);
	mnl_attr_put(nlh, IFA_LOCAL, 4, v4);
	errno = 0;
	assert_int_equal(parse_addr_copy(nlh, nlh->nlmsg_len, &ifindex, &a,
	    &flags), -1);
	assert_int_equal(errno, EBADMSG);

	/* Cut inside IFA_LOCAL. */
	nlh = build_addr(&m, AF_INET, 24, 4);
	mnl_attr_put(nlh, IFA_LOCAL, 4, v4);
	nlh->nlmsg_len -= 2;
	errno = 0;
	assert_int_equal(parse_addr_copy(nlh, nlh->nlmsg_len, &ifindex, &a,
	    &flags), -1);
	assert_int_equal(errno, EBADMSG);
}

static void
test_address_of_another_family_is_not_supported(void **state)
{
	struct msg	 m;
	struct nlmsghdr	*nlh;
	struct addr	 a;
	uint8_t		 v4[4] = { 192, 0, 2, 5 };
	unsigned int	 flags;
	int		 ifindex;

	(void)state;
	nlh = build_addr(&m, AF_PACKET, 0, 4);
	mnl_attr_put(nlh, IFA_LOCAL, 4, v4);
	errno = 0;
	assert_int_equal(parse_addr_copy(nlh, nlh->nlmsg_len, &ifindex, &a,
	    &flags), -1);
	assert_int_equal(errno, EAFNOSUPPORT);
}

static void
test_sysctl_path_leaving_proc_sys_is_refused(void **state)
{
	(void)state;
	errno = 0;
	assert_int_equal(nl_sysctl_set("net/../../etc/passwd", "x"), -1);
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_int_equal(nl_sysctl_set("/proc/sys/../x", "x"), -1);
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_int_equal(nl_sysctl_set("..", "x"), -1);
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_int_equal(nl_sysctl_set("/etc/passwd", "x"), -1);
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_int_equal(nl_sysctl_set("", "x"), -1);
	assert_int_equal(errno, EINVAL);
}

static void
test_every_event_type_has_a_name(void **state)
{
	(void)state;
	assert_string_equal(nl_ev_name(NL_EV_LINK_NEW), "link new");
	assert_string_equal(nl_ev_name(NL_EV_LINK_DEL), "link del");
	assert_string_equal(nl_ev_name(NL_EV_ADDR_NEW), "addr new");
	assert_string_equal(nl_ev_name(NL_EV_ADDR_DEL), "addr del");
	assert_string_equal(nl_ev_name(NL_EV_OVERRUN), "overrun");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_macvlan_link_message_yields_every_field),
		cmocka_unit_test(
		    test_link_that_is_up_but_not_running_is_not_oper_up),
		cmocka_unit_test(test_dellink_message_parses_like_newlink),
		cmocka_unit_test(
		    test_plain_link_has_no_kind_alias_parent_or_mac),
		cmocka_unit_test(test_over_long_kind_is_truncated_not_refused),
		cmocka_unit_test(
		    test_link_message_cut_anywhere_inside_an_attribute_is_refused),
		cmocka_unit_test(test_buffer_shorter_than_nlmsg_len_is_refused),
		cmocka_unit_test(
		    test_attribute_longer_than_the_message_is_refused),
		cmocka_unit_test(
		    test_attribute_shorter_than_its_header_is_refused),
		cmocka_unit_test(test_u32_attribute_of_two_bytes_is_refused),
		cmocka_unit_test(
		    test_nested_attribute_overrunning_its_nest_is_refused),
		cmocka_unit_test(
		    test_name_without_nul_or_too_long_or_missing_is_refused),
		cmocka_unit_test(
		    test_zero_ifindex_or_other_message_type_is_refused),
		cmocka_unit_test(
		    test_stray_bytes_after_the_last_attribute_are_refused),
		cmocka_unit_test(test_misaligned_message_is_refused_with_einval),
		cmocka_unit_test(
		    test_ipv4_address_is_the_local_end_not_the_peer),
		cmocka_unit_test(
		    test_ipv6_address_takes_its_flags_from_ifa_flags),
		cmocka_unit_test(
		    test_address_of_the_wrong_size_or_missing_is_refused),
		cmocka_unit_test(
		    test_address_with_bad_prefix_or_index_is_refused),
		cmocka_unit_test(
		    test_address_of_another_family_is_not_supported),
		cmocka_unit_test(test_sysctl_path_leaving_proc_sys_is_refused),
		cmocka_unit_test(test_every_event_type_has_a_name),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
