/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * dhcp_msg_decode() and dhcp_frame_decode() on hostile bytes.  The same
 * input is read as a DHCP message and as an Ethernet frame (whose payload
 * is then read as a message).  Every decoded option is looked up and
 * bounded; a decoded message is encoded again (fixed part, every option
 * but overload) and must decode to the same options; a decoded frame is
 * encoded again and must decode to the same fields and payload.  A
 * broken invariant aborts.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dhcp_wire.h"

#define CHECK(x)	do { if (!(x)) abort(); } while (0)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	 check_msg(const uint8_t *, size_t);
static void	 check_options(const struct dhcp_msg *);
static void	 reencode_msg(const struct dhcp_msg *);
static void	 check_frame(const uint8_t *, size_t);

/* Large: kept out of the stack. */
static struct dhcp_msg	 m1, m2;
static uint8_t		 obuf[DHCP_PKT_MAX];
static uint8_t		 fbuf[DHCP_FRAME_HDR_LEN + DHCP_PKT_MAX];

/* Every code: present ones point into the data array, bounded. */
static void
check_options(const struct dhcp_msg *m)
{
	const uint8_t	*p;
	size_t		 len, total = 0;
	int		 code;

	for (code = 0; code < 256; code++) {
		p = dhcp_msg_opt(m, (uint8_t)code, &len);
		if (p == NULL) {
			CHECK(len == 0);
			continue;
		}
		CHECK(m->has_cookie);
		CHECK(code != DHO_PAD && code != DHO_END);
		CHECK(p >= m->data && len <= sizeof(m->data) &&
		    (size_t)(p - m->data) <= sizeof(m->data) - len);
		total += len;
	}
	CHECK(total <= sizeof(m->data));
	if (m->msgtype != 0) {
		p = dhcp_msg_opt(m, DHO_MESSAGE_TYPE, &len);
		CHECK(p != NULL && len == 1 && *p == m->msgtype);
		CHECK(m->msgtype >= DHCPDISCOVER && m->msgtype <= DHCPINFORM);
	} else
		CHECK(dhcp_msg_opt(m, DHO_MESSAGE_TYPE, NULL) == NULL);
	CHECK(m->overload <= 3);
	CHECK(m->hlen <= DHCP_CHADDR_LEN);
	CHECK(m->op == BOOTREQUEST);
	CHECK(strcmp(dhcp_msgtype_name(m->msgtype), "UNKNOWN") != 0);
}

/*
 * Builds the message again without overload (file and sname then stay
 * names): the fixed part and each option's data come back unchanged.
 */
static void
reencode_msg(const struct dhcp_msg *m)
{
	struct dhcp_out	 o;
	const uint8_t	*p, *q;
	size_t		 len, qlen, olen;
	int		 code;

	dhcp_out_init(&o, obuf, sizeof(obuf), sizeof(obuf), m);
	for (code = 1; code < 255; code++) {
		if (code == DHO_OVERLOAD ||
		    (p = dhcp_msg_opt(m, (uint8_t)code, &len)) == NULL)
			continue;
		if (dhcp_out_opt(&o, (uint8_t)code, p, len) == -1)
			return;		/* grew past the largest datagram */
	}
	olen = dhcp_out_finish(&o);
	CHECK(olen >= DHCP_MIN_LEN && olen <= sizeof(obuf));
	CHECK(dhcp_msg_decode(obuf, olen, &m2) == DHCP_OK);
	CHECK(obuf[0] == m->op);
	CHECK(m2.xid == m->xid && m2.secs == m->secs &&
	    m2.flags == m->flags && m2.hlen == m->hlen &&
	    m2.ciaddr.s_addr == m->ciaddr.s_addr &&
	    m2.giaddr.s_addr == m->giaddr.s_addr);
	CHECK(memcmp(m2.chaddr, m->chaddr, sizeof(m->chaddr)) == 0);
	CHECK(memcmp(m2.file, m->file, sizeof(m->file)) == 0);
	CHECK(memcmp(m2.sname, m->sname, sizeof(m->sname)) == 0);
	CHECK(m2.has_cookie == m->has_cookie && m2.msgtype == m->msgtype);
	CHECK(m2.overload == 0);
	for (code = 0; code < 256; code++) {
		if (code == DHO_OVERLOAD)
			continue;
		p = dhcp_msg_opt(m, (uint8_t)code, &len);
		q = dhcp_msg_opt(&m2, (uint8_t)code, &qlen);
		CHECK((p == NULL) == (q == NULL) && len == qlen);
		CHECK(len == 0 || memcmp(p, q, len) == 0);
	}
}

static void
check_msg(const uint8_t *data, size_t size)
{
	enum dhcp_drop	 d;

	d = dhcp_msg_decode(data, size, &m1);
	CHECK(d <= DHCP_DROP_MSGTYPE);
	CHECK(strcmp(dhcp_drop_name(d), "unknown") != 0);
	if (d != DHCP_OK)
		return;
	check_options(&m1);
	reencode_msg(&m1);
}

static void
check_frame(const uint8_t *data, size_t size)
{
	struct dhcp_frame	 f, g;
	enum dhcp_drop		 d;
	size_t			 len;

	d = dhcp_frame_decode(data, size, &f);
	CHECK(d == DHCP_OK || (d >= DHCP_DROP_ETHER && d < DHCP_DROP_MAX));
	if (d != DHCP_OK)
		return;
	CHECK(f.payload >= data + DHCP_FRAME_HDR_LEN &&
	    f.len <= size - (size_t)(f.payload - data));
	check_msg(f.payload, f.len);

	len = dhcp_frame_encode(fbuf, sizeof(fbuf), &f);
	CHECK(len == DHCP_FRAME_HDR_LEN + f.len);
	CHECK(dhcp_frame_decode(fbuf, len, &g) == DHCP_OK);
	CHECK(memcmp(g.src_mac, f.src_mac, 6) == 0 &&
	    memcmp(g.dst_mac, f.dst_mac, 6) == 0 &&
	    g.src_ip.s_addr == f.src_ip.s_addr &&
	    g.dst_ip.s_addr == f.dst_ip.s_addr &&
	    g.sport == f.sport && g.dport == f.dport &&
	    g.len == f.len && g.payload == fbuf + DHCP_FRAME_HDR_LEN &&
	    (f.ttl == 0 ? g.ttl == DHCP_IP_TTL : g.ttl == f.ttl));
	CHECK(f.len == 0 || memcmp(g.payload, f.payload, f.len) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_msg(data, size);
	check_frame(data, size);
	return (0);
}
