/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * dhcp_wire: a hand-built DISCOVER and BOOTP request field by field,
 * every drop reason, RFC 3396 concatenation across instances and into
 * file and sname, the encoder's split, room and padding rules, and the
 * Ethernet/IPv4/UDP frames with checksums derived by hand.
 */

#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dhcp_wire.h"

#define PKT_CAP		(DHCP_PKT_MAX + 256)
#define OFF_FILE	108		/* op..chaddr: 4+4+2+2+16+16 = 44, */
#define OFF_SNAME	44		/*   + sname 64 = 108 */
#define OFF_OPTS	DHCP_OPTIONS_OFF

struct pkt {
	uint8_t		 b[PKT_CAP];
	size_t		 len;
};

static void	 pkt_fixed(struct pkt *, uint8_t, int);
static void	 pkt_u8(struct pkt *, uint8_t);
static void	 pkt_opt(struct pkt *, uint8_t, size_t, const void *);
static void	 pkt_pad300(struct pkt *);
static void	 assert_opt(const struct dhcp_msg *, uint8_t, const void *,
		    size_t);
static void	 hdr_request(struct dhcp_msg *);
static size_t	 frame_sample(uint8_t *, size_t, size_t, uint8_t);
static uint16_t	 ref_cksum(const uint8_t *, size_t);
static void	 ip_refix(uint8_t *);

/* Large: statics, reset by each test that uses them. */
static struct pkt	 pk;
static struct dhcp_msg	 msg, hdr;
static uint8_t		 out[PKT_CAP];
static uint8_t		 frame[PKT_CAP];

static const uint8_t	 mac1[6] = { 0x00, 0x00, 0x5e, 0x00, 0x53, 0x01 };
static const uint8_t	 mac_srv[6] = { 0x00, 0x00, 0x5e, 0x00, 0x53, 0xaa };
static const uint8_t	 mac_bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

/* The fixed part: xid 0x3903f326, secs 3, BROADCAST, giaddr 192.0.2.1,
 * chaddr mac1; the cookie when asked. */
static void
pkt_fixed(struct pkt *p, uint8_t op, int cookie)
{
	memset(p->b, 0, sizeof(p->b));
	p->b[0] = op;
	p->b[1] = DHCP_HTYPE_ETHER;
	p->b[2] = 6;
	p->b[3] = 1;
	p->b[4] = 0x39;
	p->b[5] = 0x03;
	p->b[6] = 0xf3;
	p->b[7] = 0x26;
	p->b[9] = 3;
	p->b[10] = 0x80;
	p->b[24] = 192;
	p->b[26] = 2;
	p->b[27] = 1;
	memcpy(p->b + 28, mac1, sizeof(mac1));
	p->len = DHCP_FIXED_LEN;
	if (cookie) {
		pkt_u8(p, 0x63);
		pkt_u8(p, 0x82);
		pkt_u8(p, 0x53);
		pkt_u8(p, 0x63);
	}
}

static void
pkt_u8(struct pkt *p, uint8_t v)
{
	assert_true(p->len < sizeof(p->b));
	p->b[p->len++] = v;
}

static void
pkt_opt(struct pkt *p, uint8_t code, size_t len, const void *data)
{
	assert_true(len <= 255 && p->len + 2 + len <= sizeof(p->b));
	p->b[p->len++] = code;
	p->b[p->len++] = (uint8_t)len;
	if (len > 0)
		memcpy(p->b + p->len, data, len);
	p->len += len;
}

static void
pkt_pad300(struct pkt *p)
{
	if (p->len < DHCP_MIN_LEN)
		p->len = DHCP_MIN_LEN;	/* bytes already zero */
}

static void
assert_opt(const struct dhcp_msg *m, uint8_t code, const void *want,
    size_t wantlen)
{
	const uint8_t	*got;
	size_t		 len;

	got = dhcp_msg_opt(m, code, &len);
	assert_non_null(got);
	assert_int_equal(len, wantlen);
	if (wantlen > 0)
		assert_memory_equal(got, want, wantlen);
}

/* A DISCOVER as a client sends it: cookie, 53, 61, 55, 57, 12, END. */
static void
test_discover_decodes_header_fields_and_options(void **state)
{
	static const uint8_t	 cid[] = { 1, 0x00, 0x00, 0x5e, 0x00, 0x53,
	    0x01 };
	static const uint8_t	 prl[] = { 1, 3, 6, 15 };
	static const uint8_t	 mms[] = { 0x05, 0xdc };
	uint8_t			 t = DHCPDISCOVER;
	uint16_t		 v16;
	size_t			 len;

	(void)state;
	pkt_fixed(&pk, BOOTREQUEST, 1);
	pkt_opt(&pk, DHO_MESSAGE_TYPE, 1, &t);
	pkt_opt(&pk, DHO_CLIENT_ID, sizeof(cid), cid);
	pkt_opt(&pk, DHO_PARAM_REQ, sizeof(prl), prl);
	pkt_opt(&pk, DHO_MAX_MSG_SIZE, sizeof(mms), mms);
	pkt_opt(&pk, DHO_HOST_NAME, 3, "pc1");
	pkt_u8(&pk, DHO_END);
	pkt_pad300(&pk);

	assert_int_equal(dhcp_msg_decode(pk.b, pk.len, &msg), DHCP_OK);
	assert_int_equal(msg.op, BOOTREQUEST);
	assert_int_equal(msg.htype, DHCP_HTYPE_ETHER);
	assert_int_equal(msg.hlen, 6);
	assert_int_equal(msg.hops, 1);
	assert_int_equal(msg.xid, 0x3903f326);
	assert_int_equal(msg.secs, 3);
	assert_int_equal(msg.flags, DHCP_FLAG_BROADCAST);
	assert_int_equal(msg.ciaddr.s_addr, 0);
	assert_int_equal(msg.yiaddr.s_addr, 0);
	assert_int_equal(msg.siaddr.s_addr, 0);
	assert_int_equal(msg.giaddr.s_addr, inet_addr("192.0.2.1"));
	assert_memory_equal(msg.chaddr, mac1, sizeof(mac1));
	assert_int_equal(msg.has_cookie, 1);
	assert_int_equal(msg.msgtype, DHCPDISCOVER);
	assert_int_equal(msg.overload, 0);
	assert_opt(&msg, DHO_MESSAGE_TYPE, &t, 1);
	assert_opt(&msg, DHO_CLIENT_ID, cid, sizeof(cid));
	assert_opt(&msg, DHO_PARAM_REQ, prl, sizeof(prl));
	assert_opt(&msg, DHO_HOST_NAME, "pc1", 3);
	assert_int_equal(dhcp_msg_opt_u16(&msg, DHO_MAX_MSG_SIZE, &v16), 0);
	assert_int_equal(v16, 1500);
	assert_null(dhcp_msg_opt(&msg, DHO_REQUESTED_ADDRESS, &len));
	assert_int_equal(len, 0);
	assert_null(dhcp_msg_opt(&msg, DHO_PAD, NULL));
	assert_null(dhcp_msg_opt(&msg, DHO_END, NULL));
}

static void
test_fixed_size_option_getters_want_the_exact_length(void **state)
{
	static const uint8_t	 lt[] = { 0x00, 0x00, 0x0e, 0x10 };
	static const uint8_t	 rq[] = { 192, 0, 2, 10 };
	struct in_addr		 a;
	uint32_t		 v32;
	uint16_t		 v16;

	(void)state;
	pkt_fixed(&pk, BOOTREQUEST, 1);
	pkt_opt(&pk, DHO_LEASE_TIME, sizeof(lt), lt);
	pkt_opt(&pk, DHO_REQUESTED_ADDRESS, sizeof(rq), rq);
	pkt_opt(&pk, DHO_MAX_MSG_SIZE, 3, "abc");
	pkt_u8(&pk, DHO_END);
	assert_int_equal(dhcp_msg_decode(pk.b, pk.len, &msg), DHCP_OK);
	assert_int_equal(dhcp_msg_opt_u32(&msg, DHO_LEASE_TIME, &v32), 0);
	assert_int_equal(v32, 3600);
	assert_int_equal(dhcp_msg_opt_addr(&msg, DHO_REQUESTED_ADDRESS, &a),
	    0);
	assert_int_equal(a.s_addr, inet_addr("192.0.2.10"));
	assert_int_equal(dhcp_msg_opt_u16(&msg, DHO_MAX_MSG_SIZE, &v16), -1);
	assert_int_equal(dhcp_msg_opt_u16(&msg, DHO_LEASE_TIME, &v16), -1);
	assert_int_equal(dhcp_msg_opt_u32(&msg, DHO_SERVER_ID, &v32), -1);
}

static void
test_bootp_request_without_cookie_has_no_options(void **state)
{
	(void)state;
	pkt_fixed(&pk, BOOTREQUEST, 0);
	/* An RFC 951 vendor area that happens to look like an option. */
	pkt_opt(&pk, DHO_MESSAGE_TYPE, 1, "\x09");
	pkt_pad300(&pk);
	assert_int_equal(dhcp_msg_decode(pk.b, pk.len, &msg), DHCP_OK);
	assert_int_equal(msg.has_cookie, 0);
	assert_int_equal(msg.msgtype, 0);
	assert_int_equal(msg.xid, 0x3903f326);
	assert_null(dhcp_msg_opt(&msg, DHO_MESSAGE_TYPE, NULL));
	assert_string_equal(dhcp_msgtype_name(msg.msgtype), "BOOTPREQUEST");
}

static void
test_bootp_request_of_only_the_fixed_part_is_accepted(void **state)
{
	(void)state;
	pkt_fixed(&pk, BOOTREQUEST, 0);
	assert_int_equal(dhcp_msg_decode(pk.b, DHCP_FIXED_LEN, &msg),
	    DHCP_OK);
	assert_int_equal(msg.has_cookie, 0);
	/* Three cookie bytes are not a cookie. */
	pkt_fixed(&pk, BOOTREQUEST, 1);
	assert_int_equal(dhcp_msg_decode(pk.b, DHCP_FIXED_LEN + 3, &msg),
	    DHCP_OK);
	assert_int_equal(msg.has_cookie, 0);
}

static void
test_message_shorter_than_fixed_part_is_dropped_as_short(void **state)
{
	(void)state;
	pkt_fixed(&pk, BOOTREQUEST, 1);
	assert_int_equal(dhcp_msg_decode(pk.b, DHCP_FIXED_LEN - 1, &msg),
	    DHCP_DROP_SHORT);
	assert_int_equal(dhcp_msg_decode(pk.b, 0, &msg), DHCP_DROP_SHORT);
}

static void
test_boot_reply_or_unknown_op_is_dropped_as_op(void **state)
{
	(void)state;
	pkt_fixed(&pk, BOOTREPLY, 1);
	pkt_u8(&pk, DHO_END);
	assert_int_equal(dhcp_msg_decode(pk.b, pk.len, &msg), DHCP_DROP_OP);
	pk.b[0] = 0;
	assert_int_equal(dhcp_msg_decode(pk.b, pk.len, &msg), DHCP_DROP_OP);
}

static void
test_hardware_length_above_sixteen_is_dropped_as_hlen(void **state)
{
	(void)state;
	pkt_fixed(&pk, BOOTREQUEST, 1);
	pkt_u8(&pk, DHO_END);
	pk.b[2] = 17;
	assert_int_equal(dhcp_msg_decode(pk.b, pk.len, &msg),
	    DHCP_DROP_HLEN);
	pk.b[2] = 16;
	assert_int_equal(dhcp_msg_decode(pk.b, pk.len, &msg), DHCP_OK);
}

static void
test_option_running_past_packet_is_dropped_as_optlen(void **state)
{
	(void)state;
	pkt_fixed(&pk, BOOTREQUEST, 1);
	pkt_u8(&pk, DHO_HOST_NAME);
	pkt_u8(&pk, 10);
	pkt_u8(&pk, 'a');
	assert_int_equal(dhcp_msg_decode(pk.b, pk.len, &msg),
	    DHCP_DROP_OPTLEN);

	/* A code as the last byte, its length missing. */
	pkt_fixed(&pk, BOOTREQUEST, 1);
	pkt_opt(&pk, DHO_HOST_NAME, 1, "a");
	pkt_u8(&pk, DHO_CLIENT_ID);
	assert_int_equal(dhcp_msg_decode(pk.b, pk.len, &msg),
	    DHCP_DROP_OPTLEN);
}

static void
test_option_running_past_file_field_is_dropped_as_optlen(void **state)
{
	(void)state;
	pkt_fixed(&pk, BOOTREQUEST, 1);
	pkt_opt(&pk, DHO_OVERLOAD, 1, "\x01");
	pkt_u8(&pk, DHO_END);
	/* Last byte of file: code 12, length 5 beyond the field. */
	pk.b[OFF_FILE + DHCP_FILE_LEN - 2] = DHO_HOST_NAME;
	pk.b[OFF_FILE + DHCP_FILE_LEN - 1] = 5;
	assert_int_equal(dhcp_msg_decode(pk.b, pk.len, &msg),
	    DHCP_DROP_OPTLEN);
	/* The same bytes in file without overload are only a name. */
	pk.b[OFF_OPTS + 2] = 0;
	assert_int_equal(dhcp_msg_decode(pk.b, pk.len, &msg), DHCP_OK);
	assert_int_equal(msg.overload, 0);
	assert_null(dhcp_msg_opt(&msg, DHO_HOST_NAME, NULL));
}

static void
test_overload_not_one_byte_of_zero_to_three_is_dropped(void **state)
{
	(void)state;
	pkt_fixed(&pk, BOOTREQUEST, 1);
	pkt_opt(&pk, DHO_OVERLOAD, 2, "\x01\x01");
	pkt_u8(&pk, DHO_END);
	assert_int_equal(dhcp_msg_decode(pk.b, pk.len, &msg),
	    DHCP_DROP_OVERLOAD);

	pkt_fixed(&pk, BOOTREQUEST, 1);
	pkt_opt(&pk, DHO_OVERLOAD, 0, NULL);
	pkt_u8(&pk, DHO_END);
	assert_int_equal(dhcp_msg_decode(pk.b, pk.len, &msg),
	    DHCP_DROP_OVERLOAD);

	pkt_fixed(&pk, BOOTREQUEST, 1);
	pkt_opt(&pk, DHO_OVERLOAD, 1, "\x04");
	pkt_u8(&pk, DHO_END);
	assert_int_equal(dhcp_msg_decode(pk.b, pk.len, &msg),
	    DHCP_DROP_OVERLOAD);

	pk.b[OFF_OPTS + 2] = 0;
	assert_int_equal(dhcp_msg_decode(pk.b, pk.len, &msg), DHCP_OK);
	assert_int_equal(msg.overload, 0);
}

static void
test_overload_repeated_inside_file_is_dropped(void **state)
{
	(void)state;
	pkt_fixed(&pk, BOOTREQUEST, 1);
	pkt_opt(&pk, DHO_OVERLOAD, 1, "\x01");
	pkt_u8(&pk, DHO_END);
	pk.b[OFF_FILE] = DHO_OVERLOAD;
	pk.b[OFF_FILE + 1] = 1;
	pk.b[OFF_FILE + 2] = 3;
	pk.b[OFF_FILE + 3] = DHO_END;
	assert_int_equal(dhcp_msg_decode(pk.b, pk.len, &msg),
	    DHCP_DROP_OVERLOAD);
}

static void
test_message_type_not_one_byte_of_one_to_eight_is_dropped(void **state)
{
	static const uint8_t	 bad[] = { 0, 9, 255 };
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(bad); i++) {
		pkt_fixed(&pk, BOOTREQUEST, 1);
		pkt_opt(&pk, DHO_MESSAGE_TYPE, 1, &bad[i]);
		pkt_u8(&pk, DHO_END);
		assert_int_equal(dhcp_msg_decode(pk.b, pk.len, &msg),
		    DHCP_DROP_MSGTYPE);
	}
	pkt_fixed(&pk, BOOTREQUEST, 1);
	pkt_opt(&pk, DHO_MESSAGE_TYPE, 2, "\x01\x00");
	pkt_u8(&pk, DHO_END);
	assert_int_equal(dhcp_msg_decode(pk.b, pk.len, &msg),
	    DHCP_DROP_MSGTYPE);
	/* Two one-byte instances concatenate to two bytes. */
	pkt_fixed(&pk, BOOTREQUEST, 1);
	pkt_opt(&pk, DHO_MESSAGE_TYPE, 1, "\x01");
	pkt_opt(&pk, DHO_MESSAGE_TYPE, 1, "\x03");
	pkt_u8(&pk, DHO_END);
	assert_int_equal(dhcp_msg_decode(pk.b, pk.len, &msg),
	    DHCP_DROP_MSGTYPE);
	pkt_fixed(&pk, BOOTREQUEST, 1);
	pkt_opt(&pk, DHO_MESSAGE_TYPE, 1, "\x08");
	pkt_u8(&pk, DHO_END);
	assert_int_equal(dhcp_msg_decode(pk.b, pk.len, &msg), DHCP_OK);
	assert_int_equal(msg.msgtype, DHCPINFORM);
}

static void
test_instances_of_one_code_are_concatenated_in_order(void **state)
{
	(void)state;
	pkt_fixed(&pk, BOOTREQUEST, 1);
	pkt_opt(&pk, DHO_HOST_NAME, 2, "ab");
	pkt_opt(&pk, DHO_CLIENT_ID, 1, "x");
	pkt_opt(&pk, DHO_HOST_NAME, 0, NULL);
	pkt_opt(&pk, DHO_HOST_NAME, 3, "cde");
	pkt_opt(&pk, DHO_CLIENT_ID, 1, "y");
	pkt_u8(&pk, DHO_END);
	assert_int_equal(dhcp_msg_decode(pk.b, pk.len, &msg), DHCP_OK);
	assert_opt(&msg, DHO_HOST_NAME, "abcde", 5);
	assert_opt(&msg, DHO_CLIENT_ID, "xy", 2);
}

static void
test_overload_concatenates_options_then_file_then_sname(void **state)
{
	(void)state;
	pkt_fixed(&pk, BOOTREQUEST, 1);
	pkt_opt(&pk, DHO_HOST_NAME, 2, "ab");
	pkt_opt(&pk, DHO_OVERLOAD, 1, "\x03");
	pkt_u8(&pk, DHO_END);
	memcpy(pk.b + OFF_FILE, "\x0c\x02" "cd" "\x3d\x01" "z" "\xff", 8);
	memcpy(pk.b + OFF_SNAME, "\x0c\x02" "ef" "\x35\x01\x03" "\xff", 8);
	pkt_pad300(&pk);
	assert_int_equal(dhcp_msg_decode(pk.b, pk.len, &msg), DHCP_OK);
	assert_int_equal(msg.overload, 3);
	assert_int_equal(msg.msgtype, DHCPREQUEST);
	assert_opt(&msg, DHO_HOST_NAME, "abcdef", 6);
	assert_opt(&msg, DHO_CLIENT_ID, "z", 1);
	assert_opt(&msg, DHO_OVERLOAD, "\x03", 1);
	/* The raw fields are still there as received. */
	assert_memory_equal(msg.file, "\x0c\x02" "cd", 4);
}

static void
test_overload_of_sname_alone_leaves_file_unparsed(void **state)
{
	(void)state;
	pkt_fixed(&pk, BOOTREQUEST, 1);
	pkt_opt(&pk, DHO_OVERLOAD, 1, "\x02");
	pkt_opt(&pk, DHO_HOST_NAME, 2, "ab");
	pkt_u8(&pk, DHO_END);
	memcpy(pk.b + OFF_FILE, "\x0c\x02" "XX" "\xff", 5);
	memcpy(pk.b + OFF_SNAME, "\x0c\x02" "cd", 4);	/* no END: zeros */
	assert_int_equal(dhcp_msg_decode(pk.b, pk.len, &msg), DHCP_OK);
	assert_int_equal(msg.overload, DHCP_OVERLOAD_SNAME);
	assert_opt(&msg, DHO_HOST_NAME, "abcd", 4);
}

static void
test_pad_bytes_are_skipped_and_never_present(void **state)
{
	(void)state;
	pkt_fixed(&pk, BOOTREQUEST, 1);
	pkt_u8(&pk, DHO_PAD);
	pkt_u8(&pk, DHO_PAD);
	pkt_opt(&pk, DHO_MESSAGE_TYPE, 1, "\x01");
	pkt_u8(&pk, DHO_PAD);
	pkt_opt(&pk, DHO_HOST_NAME, 1, "a");
	pkt_u8(&pk, DHO_PAD);
	pkt_u8(&pk, DHO_END);
	assert_int_equal(dhcp_msg_decode(pk.b, pk.len, &msg), DHCP_OK);
	assert_int_equal(msg.msgtype, DHCPDISCOVER);
	assert_opt(&msg, DHO_HOST_NAME, "a", 1);
	assert_null(dhcp_msg_opt(&msg, DHO_PAD, NULL));
}

static void
test_bytes_after_end_are_ignored(void **state)
{
	(void)state;
	pkt_fixed(&pk, BOOTREQUEST, 1);
	pkt_opt(&pk, DHO_MESSAGE_TYPE, 1, "\x03");
	pkt_u8(&pk, DHO_END);
	pkt_opt(&pk, DHO_MESSAGE_TYPE, 1, "\x09");	/* would be bad */
	pkt_u8(&pk, DHO_HOST_NAME);
	pkt_u8(&pk, 250);				/* would run past */
	assert_int_equal(dhcp_msg_decode(pk.b, pk.len, &msg), DHCP_OK);
	assert_int_equal(msg.msgtype, DHCPREQUEST);
	assert_opt(&msg, DHO_MESSAGE_TYPE, "\x03", 1);
	assert_null(dhcp_msg_opt(&msg, DHO_HOST_NAME, NULL));
}

static void
test_options_ending_with_packet_without_end_are_accepted(void **state)
{
	(void)state;
	pkt_fixed(&pk, BOOTREQUEST, 1);
	pkt_opt(&pk, DHO_MESSAGE_TYPE, 1, "\x01");
	pkt_opt(&pk, DHO_HOST_NAME, 2, "pc");
	assert_int_equal(dhcp_msg_decode(pk.b, pk.len, &msg), DHCP_OK);
	assert_opt(&msg, DHO_HOST_NAME, "pc", 2);
	/* A cookie and nothing after it. */
	pkt_fixed(&pk, BOOTREQUEST, 1);
	assert_int_equal(dhcp_msg_decode(pk.b, pk.len, &msg), DHCP_OK);
	assert_int_equal(msg.has_cookie, 1);
	assert_int_equal(msg.msgtype, 0);
}

static void
test_option_of_length_zero_is_present_and_empty(void **state)
{
	const uint8_t	*p;
	size_t		 len = 99;

	(void)state;
	pkt_fixed(&pk, BOOTREQUEST, 1);
	pkt_opt(&pk, 80, 0, NULL);		/* rapid commit, RFC 4039 */
	pkt_u8(&pk, DHO_END);
	assert_int_equal(dhcp_msg_decode(pk.b, pk.len, &msg), DHCP_OK);
	p = dhcp_msg_opt(&msg, 80, &len);
	assert_non_null(p);
	assert_int_equal(len, 0);
}

/*
 * The largest IPv4 UDP payload, every field full of option data, still
 * fits the message's array; bytes beyond it are ignored.
 */
static void
test_largest_message_with_full_overload_fits(void **state)
{
	uint8_t		 chunk[255];
	const uint8_t	*p;
	size_t		 len, want = 0, tail, left, n, i;

	(void)state;
	memset(chunk, 0x5a, sizeof(chunk));
	pkt_fixed(&pk, BOOTREQUEST, 1);
	pkt_opt(&pk, DHO_OVERLOAD, 1, "\x03");
	while ((left = DHCP_PKT_MAX - pk.len) >= 2) {
		n = left - 2 > sizeof(chunk) ? sizeof(chunk) : left - 2;
		pkt_opt(&pk, 43, n, chunk);
		want += n;
	}
	while (pk.len < DHCP_PKT_MAX)
		pkt_u8(&pk, DHO_PAD);
	/* file and sname: one option each, data all zeros. */
	pk.b[OFF_FILE] = 43;
	pk.b[OFF_FILE + 1] = DHCP_FILE_LEN - 2;
	pk.b[OFF_SNAME] = 43;
	pk.b[OFF_SNAME + 1] = DHCP_SNAME_LEN - 2;
	tail = DHCP_FILE_LEN - 2 + DHCP_SNAME_LEN - 2;
	want += tail;
	assert_int_equal(pk.len, DHCP_PKT_MAX);
	assert_int_equal(dhcp_msg_decode(pk.b, pk.len, &msg), DHCP_OK);
	p = dhcp_msg_opt(&msg, 43, &len);
	assert_non_null(p);
	assert_int_equal(len, want);
	assert_true(len <= DHCP_OPTDATA_MAX);
	for (i = 0; i < len; i++)
		assert_int_equal(p[i], i < len - tail ? 0x5a : 0);

	/* What follows DHCP_PKT_MAX would run past; it is not looked at. */
	pkt_u8(&pk, DHO_HOST_NAME);
	pkt_u8(&pk, 200);
	assert_int_equal(dhcp_msg_decode(pk.b, pk.len, &msg), DHCP_OK);
	assert_null(dhcp_msg_opt(&msg, DHO_HOST_NAME, NULL));
}

/* A header as the server would fill it, op BOOTREQUEST so it decodes. */
static void
hdr_request(struct dhcp_msg *h)
{
	memset(h, 0, offsetof(struct dhcp_msg, opts));
	h->op = BOOTREQUEST;
	h->htype = DHCP_HTYPE_ETHER;
	h->hlen = 6;
	h->hops = 2;
	h->xid = 0xdeadbeef;
	h->secs = 7;
	h->flags = DHCP_FLAG_BROADCAST;
	h->ciaddr.s_addr = inet_addr("192.0.2.20");
	h->yiaddr.s_addr = inet_addr("192.0.2.10");
	h->siaddr.s_addr = inet_addr("192.0.2.2");
	h->giaddr.s_addr = inet_addr("192.0.2.1");
	memcpy(h->chaddr, mac1, sizeof(mac1));
	memcpy(h->sname, "boot", 4);
	memcpy(h->file, "pxelinux.0", 10);
	h->has_cookie = 1;
}

static void
test_encoded_message_decodes_to_same_fields_and_options(void **state)
{
	static const uint8_t	 routers[] = { 192, 0, 2, 1, 192, 0, 2, 3 };
	struct dhcp_out		 o;
	struct in_addr		 a;
	uint32_t		 v;
	size_t			 len;

	(void)state;
	hdr_request(&hdr);
	dhcp_out_init(&o, out, sizeof(out), DHCP_MSG_MAX, &hdr);
	assert_int_equal(dhcp_out_opt_u8(&o, DHO_MESSAGE_TYPE, DHCPACK), 0);
	assert_int_equal(dhcp_out_opt_addr(&o, DHO_SERVER_ID,
	    hdr.siaddr), 0);
	assert_int_equal(dhcp_out_opt_u32(&o, DHO_LEASE_TIME, 43200), 0);
	assert_int_equal(dhcp_out_opt_u16(&o, DHO_MAX_MSG_SIZE, 576), 0);
	assert_int_equal(dhcp_out_opt(&o, DHO_ROUTERS, routers,
	    sizeof(routers)), 0);
	assert_int_equal(dhcp_out_opt(&o, DHO_HOST_NAME, "pc1", 3), 0);
	len = dhcp_out_finish(&o);
	assert_int_equal(len, DHCP_MIN_LEN);

	assert_int_equal(dhcp_msg_decode(out, len, &msg), DHCP_OK);
	assert_int_equal(msg.op, hdr.op);
	assert_int_equal(msg.htype, hdr.htype);
	assert_int_equal(msg.hlen, hdr.hlen);
	assert_int_equal(msg.hops, hdr.hops);
	assert_int_equal(msg.xid, hdr.xid);
	assert_int_equal(msg.secs, hdr.secs);
	assert_int_equal(msg.flags, hdr.flags);
	assert_int_equal(msg.ciaddr.s_addr, hdr.ciaddr.s_addr);
	assert_int_equal(msg.yiaddr.s_addr, hdr.yiaddr.s_addr);
	assert_int_equal(msg.siaddr.s_addr, hdr.siaddr.s_addr);
	assert_int_equal(msg.giaddr.s_addr, hdr.giaddr.s_addr);
	assert_memory_equal(msg.chaddr, hdr.chaddr, DHCP_CHADDR_LEN);
	assert_memory_equal(msg.sname, hdr.sname, DHCP_SNAME_LEN);
	assert_memory_equal(msg.file, hdr.file, DHCP_FILE_LEN);
	assert_int_equal(msg.msgtype, DHCPACK);
	assert_int_equal(dhcp_msg_opt_addr(&msg, DHO_SERVER_ID, &a), 0);
	assert_int_equal(a.s_addr, hdr.siaddr.s_addr);
	assert_int_equal(dhcp_msg_opt_u32(&msg, DHO_LEASE_TIME, &v), 0);
	assert_int_equal(v, 43200);
	assert_opt(&msg, DHO_MAX_MSG_SIZE, "\x02\x40", 2);
	assert_opt(&msg, DHO_ROUTERS, routers, sizeof(routers));
	assert_opt(&msg, DHO_HOST_NAME, "pc1", 3);

	/* The wire bytes of the start, for the record. */
	assert_memory_equal(out, "\x01\x01\x06\x02\xde\xad\xbe\xef"
	    "\x00\x07\x80\x00", 12);
	assert_memory_equal(out + DHCP_FIXED_LEN, "\x63\x82\x53\x63"
	    "\x35\x01\x05", 7);

	/* A reply as the server sends it is refused by our own decoder. */
	hdr.op = BOOTREPLY;
	dhcp_out_init(&o, out, sizeof(out), DHCP_MSG_MAX, &hdr);
	len = dhcp_out_finish(&o);
	assert_int_equal(out[0], BOOTREPLY);
	assert_int_equal(dhcp_msg_decode(out, len, &msg), DHCP_DROP_OP);
}

static void
test_option_of_300_bytes_is_split_into_255_and_45(void **state)
{
	struct dhcp_out	 o;
	uint8_t		 data[300];
	size_t		 i, len;

	(void)state;
	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)i;
	hdr_request(&hdr);
	dhcp_out_init(&o, out, sizeof(out), DHCP_MSG_MAX, &hdr);
	assert_int_equal(dhcp_out_opt(&o, DHO_CLASSLESS_ROUTES, data,
	    sizeof(data)), 0);
	len = dhcp_out_finish(&o);
	assert_int_equal(len, OFF_OPTS + 2 + 255 + 2 + 45 + 1);
	assert_int_equal(out[OFF_OPTS], DHO_CLASSLESS_ROUTES);
	assert_int_equal(out[OFF_OPTS + 1], 255);
	assert_memory_equal(out + OFF_OPTS + 2, data, 255);
	assert_int_equal(out[OFF_OPTS + 257], DHO_CLASSLESS_ROUTES);
	assert_int_equal(out[OFF_OPTS + 258], 45);
	assert_memory_equal(out + OFF_OPTS + 259, data + 255, 45);
	assert_int_equal(out[len - 1], DHO_END);

	assert_int_equal(dhcp_msg_decode(out, len, &msg), DHCP_OK);
	assert_opt(&msg, DHO_CLASSLESS_ROUTES, data, sizeof(data));
}

static void
test_option_leaving_no_room_for_end_writes_nothing(void **state)
{
	struct dhcp_out	 o;
	uint8_t		 data[300], copy[DHCP_MIN_LEN];
	size_t		 len;

	(void)state;
	memset(data, 'x', sizeof(data));
	memset(out, 0xaa, sizeof(out));
	hdr_request(&hdr);
	/* 60 bytes after the cookie: 2 + 57 + END fits, 2 + 58 + END not. */
	dhcp_out_init(&o, out, sizeof(out), DHCP_MIN_LEN, &hdr);
	assert_int_equal(dhcp_out_opt(&o, DHO_HOST_NAME, data, 58), -1);
	assert_int_equal(o.do_w.w_len, OFF_OPTS);
	assert_int_equal(out[OFF_OPTS], 0xaa);
	assert_int_equal(dhcp_out_opt(&o, DHO_HOST_NAME, data, 57), 0);
	assert_int_equal(o.do_w.w_len, DHCP_MIN_LEN - 1);
	memcpy(copy, out, sizeof(copy));
	assert_int_equal(dhcp_out_opt(&o, 80, NULL, 0), -1);
	assert_int_equal(dhcp_out_opt_u8(&o, DHO_MESSAGE_TYPE, 2), -1);
	assert_memory_equal(copy, out, sizeof(copy));
	len = dhcp_out_finish(&o);
	assert_int_equal(len, DHCP_MIN_LEN);
	assert_int_equal(out[DHCP_MIN_LEN - 1], DHO_END);
	assert_int_equal(dhcp_msg_decode(out, len, &msg), DHCP_OK);
	assert_opt(&msg, DHO_HOST_NAME, data, 57);

	/* A split option counts its second header: 256 bytes need 261. */
	dhcp_out_init(&o, out, sizeof(out), OFF_OPTS + 260, &hdr);
	assert_int_equal(dhcp_out_opt(&o, DHO_HOST_NAME, data, 256), -1);
	dhcp_out_init(&o, out, sizeof(out), OFF_OPTS + 261, &hdr);
	assert_int_equal(dhcp_out_opt(&o, DHO_HOST_NAME, data, 256), 0);

	/* The buffer limits too, and PAD and END are not options. */
	dhcp_out_init(&o, out, OFF_OPTS + 10, DHCP_MSG_MAX, &hdr);
	assert_int_equal(dhcp_out_opt(&o, DHO_HOST_NAME, data, 8), -1);
	assert_int_equal(dhcp_out_opt(&o, DHO_HOST_NAME, data, 7), 0);
	assert_int_equal(dhcp_out_opt(&o, DHO_PAD, data, 0), -1);
	assert_int_equal(dhcp_out_opt(&o, DHO_END, data, 0), -1);
}

static void
test_reply_is_padded_with_zeros_to_300_bytes(void **state)
{
	struct dhcp_out	 o;
	uint8_t		 data[100];
	size_t		 len, i;

	(void)state;
	memset(out, 0xaa, sizeof(out));
	hdr_request(&hdr);
	dhcp_out_init(&o, out, sizeof(out), DHCP_MSG_MAX, &hdr);
	assert_int_equal(dhcp_out_opt_u8(&o, DHO_MESSAGE_TYPE, DHCPOFFER), 0);
	len = dhcp_out_finish(&o);
	assert_int_equal(len, DHCP_MIN_LEN);
	assert_int_equal(out[OFF_OPTS + 3], DHO_END);
	for (i = OFF_OPTS + 4; i < DHCP_MIN_LEN; i++)
		assert_int_equal(out[i], 0);
	assert_int_equal(out[DHCP_MIN_LEN], 0xaa);

	/* Longer than 300: no padding, ends with END. */
	memset(data, 'y', sizeof(data));
	dhcp_out_init(&o, out, sizeof(out), DHCP_MSG_MAX, &hdr);
	assert_int_equal(dhcp_out_opt(&o, DHO_MESSAGE, data,
	    sizeof(data)), 0);
	len = dhcp_out_finish(&o);
	assert_int_equal(len, OFF_OPTS + 2 + sizeof(data) + 1);
	assert_int_equal(out[len - 1], DHO_END);

	/* A buffer too small for the minimum gives 0. */
	dhcp_out_init(&o, out, DHCP_MIN_LEN - 1, DHCP_MSG_MAX, &hdr);
	assert_int_equal(dhcp_out_finish(&o), 0);
}

static void
test_bootp_reply_has_no_cookie_and_refuses_options(void **state)
{
	struct dhcp_out	 o;
	size_t		 len, i;

	(void)state;
	hdr_request(&hdr);
	hdr.has_cookie = 0;
	memset(out, 0xaa, sizeof(out));
	dhcp_out_init(&o, out, sizeof(out), DHCP_MSG_MAX, &hdr);
	assert_int_equal(dhcp_out_opt_u8(&o, DHO_MESSAGE_TYPE, DHCPACK), -1);
	len = dhcp_out_finish(&o);
	assert_int_equal(len, DHCP_MIN_LEN);
	for (i = DHCP_FIXED_LEN; i < DHCP_MIN_LEN; i++)
		assert_int_equal(out[i], 0);
	assert_int_equal(dhcp_msg_decode(out, len, &msg), DHCP_OK);
	assert_int_equal(msg.has_cookie, 0);
	assert_int_equal(msg.xid, hdr.xid);
}

/*
 * A 300-byte zero payload from 00:00:5e:00:53:aa, 192.0.2.1:67 to
 * ff:ff:ff:ff:ff:ff, 192.0.2.10:68, with the given TTL field.
 */
static size_t
frame_sample(uint8_t *buf, size_t cap, size_t paylen, uint8_t ttl)
{
	static const uint8_t	 zero[DHCP_MIN_LEN];
	struct dhcp_frame	 f;

	memset(&f, 0, sizeof(f));
	memcpy(f.src_mac, mac_srv, 6);
	memcpy(f.dst_mac, mac_bcast, 6);
	f.src_ip.s_addr = inet_addr("192.0.2.1");
	f.dst_ip.s_addr = inet_addr("192.0.2.10");
	f.sport = DHCP_SERVER_PORT;
	f.dport = DHCP_CLIENT_PORT;
	f.payload = zero;
	f.len = paylen;
	f.ttl = ttl;
	return (dhcp_frame_encode(buf, cap, &f));
}

/* An independent RFC 1071 sum for tests that edit a header. */
static uint16_t
ref_cksum(const uint8_t *p, size_t len)
{
	uint32_t	 sum = 0;
	size_t		 i;

	for (i = 0; i < len; i += 2)
		sum += (uint32_t)p[i] << 8 | (i + 1 < len ? p[i + 1] : 0);
	while (sum > 0xffff)
		sum = (sum >> 16) + (sum & 0xffff);
	return ((uint16_t)~sum);
}

/* Recomputes the IPv4 header checksum after an edit. */
static void
ip_refix(uint8_t *f)
{
	uint8_t		*ip = f + DHCP_ETHER_HDR_LEN;
	size_t		 hl = (size_t)(ip[0] & 0x0f) * 4;
	uint16_t	 sum;

	ip[10] = ip[11] = 0;
	sum = ref_cksum(ip, hl);
	ip[10] = (uint8_t)(sum >> 8);
	ip[11] = (uint8_t)sum;
}

static void
test_frame_encode_then_decode_round_trips(void **state)
{
	struct dhcp_frame	 f, g;
	struct dhcp_out		 o;
	size_t			 len, i;

	(void)state;
	hdr_request(&hdr);
	/* The payload built in place after the headers. */
	dhcp_out_init(&o, frame + DHCP_FRAME_HDR_LEN,
	    sizeof(frame) - DHCP_FRAME_HDR_LEN, DHCP_MSG_MAX, &hdr);
	assert_int_equal(dhcp_out_opt_u8(&o, DHO_MESSAGE_TYPE, DHCPDISCOVER),
	    0);
	len = dhcp_out_finish(&o);
	memcpy(out, frame + DHCP_FRAME_HDR_LEN, len);
	memset(&f, 0, sizeof(f));
	memcpy(f.src_mac, mac1, 6);
	memcpy(f.dst_mac, mac_bcast, 6);
	f.src_ip.s_addr = inet_addr("192.0.2.77");
	f.dst_ip.s_addr = htonl(INADDR_BROADCAST);
	f.sport = DHCP_CLIENT_PORT;
	f.dport = DHCP_SERVER_PORT;
	f.payload = frame + DHCP_FRAME_HDR_LEN;
	f.len = len;
	f.ttl = 16;
	assert_int_equal(dhcp_frame_encode(frame, sizeof(frame), &f),
	    DHCP_FRAME_HDR_LEN + len);
	assert_memory_equal(frame + DHCP_FRAME_HDR_LEN, out, len);

	assert_int_equal(dhcp_frame_decode(frame, DHCP_FRAME_HDR_LEN + len,
	    &g), DHCP_OK);
	assert_memory_equal(g.src_mac, f.src_mac, 6);
	assert_memory_equal(g.dst_mac, f.dst_mac, 6);
	assert_int_equal(g.src_ip.s_addr, f.src_ip.s_addr);
	assert_int_equal(g.dst_ip.s_addr, f.dst_ip.s_addr);
	assert_int_equal(g.sport, DHCP_CLIENT_PORT);
	assert_int_equal(g.dport, DHCP_SERVER_PORT);
	assert_int_equal(g.ttl, 16);
	assert_ptr_equal(g.payload, frame + DHCP_FRAME_HDR_LEN);
	assert_int_equal(g.len, len);
	assert_int_equal(dhcp_msg_decode(g.payload, g.len, &msg), DHCP_OK);
	assert_int_equal(msg.msgtype, DHCPDISCOVER);

	/* Fixed header fields: TOS lowdelay, id 0, DF clear. */
	assert_int_equal(frame[12], 0x08);
	assert_int_equal(frame[13], 0x00);
	assert_int_equal(frame[14], 0x45);
	assert_int_equal(frame[15], DHCP_IP_TOS);
	for (i = 18; i < 22; i++)
		assert_int_equal(frame[i], 0);
	assert_int_equal(frame[23], 17);
}

/*
 * Known answer for the IPv4 header checksum, by hand.  The header of a
 * 300-byte payload from 192.0.2.1 to 192.0.2.10, TTL 64 (the default):
 *
 *   45 10  01 48  00 00  00 00  40 11  [cs]  c0 00  02 01  c0 00  02 0a
 *
 * (total length 20 + 8 + 300 = 328 = 0x0148).  The 16-bit words summed:
 *   0x4510 + 0x0148 = 0x4658
 *   0x4658 + 0x0000 + 0x0000 + 0x4011 = 0x8669
 *   0x8669 + 0xc000 = 0x14669;  + 0x0201 = 0x1486a
 *   0x1486a + 0xc000 = 0x2086a;  + 0x020a = 0x20a74
 * fold the carry: 0x0a74 + 0x2 = 0x0a76; complement: 0xf589.
 *
 * And the UDP checksum of the same datagram (ports 67 to 68, UDP length
 * 308 = 0x0134, payload all zeros): the pseudo-header words c000 0201
 * c000 020a 0011 0134, then 0043 0044 0134 0000, sum to 0x1870b; fold:
 * 0x870b + 0x1 = 0x870c; complement: 0x78f3.
 */
static void
test_ipv4_and_udp_checksums_match_values_computed_by_hand(void **state)
{
	static const uint8_t	 want_ip[DHCP_IP_HDR_LEN] = {
		0x45, 0x10, 0x01, 0x48, 0x00, 0x00, 0x00, 0x00,
		0x40, 0x11, 0xf5, 0x89, 0xc0, 0x00, 0x02, 0x01,
		0xc0, 0x00, 0x02, 0x0a
	};
	static const uint8_t	 want_udp[DHCP_UDP_HDR_LEN] = {
		0x00, 0x43, 0x00, 0x44, 0x01, 0x34, 0x78, 0xf3
	};
	struct dhcp_frame	 f;
	size_t			 len;

	(void)state;
	len = frame_sample(frame, sizeof(frame), DHCP_MIN_LEN, 0);
	assert_int_equal(len, DHCP_FRAME_HDR_LEN + DHCP_MIN_LEN);
	assert_memory_equal(frame, mac_bcast, 6);
	assert_memory_equal(frame + 6, mac_srv, 6);
	assert_memory_equal(frame + DHCP_ETHER_HDR_LEN, want_ip,
	    sizeof(want_ip));
	assert_memory_equal(frame + DHCP_ETHER_HDR_LEN + DHCP_IP_HDR_LEN,
	    want_udp, sizeof(want_udp));
	assert_int_equal(dhcp_frame_decode(frame, len, &f), DHCP_OK);
	assert_int_equal(f.ttl, DHCP_IP_TTL);
}

static void
test_an_offloaded_checksum_is_not_checked_but_the_ip_header_is(
    void **state)
{
	struct dhcp_frame	 f;
	size_t			 len;

	(void)state;
	len = frame_sample(frame, sizeof(frame), DHCP_MIN_LEN, 0);
	/* a local sender's partial checksum, as veth delivers it */
	frame[DHCP_ETHER_HDR_LEN + DHCP_IP_HDR_LEN + 6] ^= 0x5a;
	assert_int_equal(dhcp_frame_decode(frame, len, &f),
	    DHCP_DROP_UDPCSUM);
	assert_int_equal(dhcp_frame_decode_offloaded(frame, len, &f),
	    DHCP_OK);
	assert_int_equal(f.len, DHCP_MIN_LEN);
	frame[DHCP_ETHER_HDR_LEN + 10] ^= 0x01;
	assert_int_equal(dhcp_frame_decode_offloaded(frame, len, &f),
	    DHCP_DROP_IPCSUM);
}

static void
test_udp_checksum_is_verified_and_corrupt_byte_rejected(void **state)
{
	struct dhcp_frame	 f;
	size_t			 len;

	(void)state;
	len = frame_sample(frame, sizeof(frame), DHCP_MIN_LEN, 0);
	assert_int_equal(dhcp_frame_decode(frame, len, &f), DHCP_OK);
	frame[DHCP_FRAME_HDR_LEN + 100] ^= 0x01;
	assert_int_equal(dhcp_frame_decode(frame, len, &f),
	    DHCP_DROP_UDPCSUM);
	frame[DHCP_FRAME_HDR_LEN + 100] ^= 0x01;
	/* The pseudo-header counts: another destination breaks it. */
	frame[DHCP_ETHER_HDR_LEN + 19] = 11;
	ip_refix(frame);
	assert_int_equal(dhcp_frame_decode(frame, len, &f),
	    DHCP_DROP_UDPCSUM);
	/* Checksum 0: not computed by the sender, not checked. */
	frame[DHCP_ETHER_HDR_LEN + DHCP_IP_HDR_LEN + 6] = 0;
	frame[DHCP_ETHER_HDR_LEN + DHCP_IP_HDR_LEN + 7] = 0;
	assert_int_equal(dhcp_frame_decode(frame, len, &f), DHCP_OK);
}

/* A sum that comes out 0 is sent as ffff, which verifies. */
static void
test_udp_checksum_computing_to_zero_is_sent_as_all_ones(void **state)
{
	struct dhcp_frame	 f, g;
	uint8_t			 pay[2] = { 0, 0 };
	size_t			 len;

	(void)state;
	memset(&f, 0, sizeof(f));
	f.src_ip.s_addr = inet_addr("192.0.2.1");
	f.dst_ip.s_addr = inet_addr("192.0.2.10");
	f.sport = 67;
	f.dport = 68;
	f.payload = pay;
	f.len = sizeof(pay);
	assert_int_equal(dhcp_frame_encode(frame, sizeof(frame), &f), 44);
	/* Adding the checksum C as a payload word makes the sum ffff. */
	pay[0] = frame[40];
	pay[1] = frame[41];
	len = dhcp_frame_encode(frame, sizeof(frame), &f);
	assert_int_equal(frame[40], 0xff);
	assert_int_equal(frame[41], 0xff);
	assert_int_equal(dhcp_frame_decode(frame, len, &g), DHCP_OK);
	assert_int_equal(g.len, 2);
}

static void
test_ip_header_checksum_error_is_rejected(void **state)
{
	struct dhcp_frame	 f;
	size_t			 len;

	(void)state;
	len = frame_sample(frame, sizeof(frame), DHCP_MIN_LEN, 0);
	frame[DHCP_ETHER_HDR_LEN + 8] = 63;	/* TTL, checksum kept */
	assert_int_equal(dhcp_frame_decode(frame, len, &f),
	    DHCP_DROP_IPCSUM);
	ip_refix(frame);
	assert_int_equal(dhcp_frame_decode(frame, len, &f), DHCP_OK);
	assert_int_equal(f.ttl, 63);
}

static void
test_fragment_is_rejected(void **state)
{
	struct dhcp_frame	 f;
	uint8_t			*ip = frame + DHCP_ETHER_HDR_LEN;
	size_t			 len;

	(void)state;
	len = frame_sample(frame, sizeof(frame), DHCP_MIN_LEN, 0);
	ip[6] = 0x20;			/* MF */
	ip_refix(frame);
	assert_int_equal(dhcp_frame_decode(frame, len, &f), DHCP_DROP_FRAG);
	ip[6] = 0x00;
	ip[7] = 0x01;			/* offset 8 */
	ip_refix(frame);
	assert_int_equal(dhcp_frame_decode(frame, len, &f), DHCP_DROP_FRAG);
	ip[6] = 0x40;			/* DF alone is fine */
	ip[7] = 0x00;
	ip_refix(frame);
	assert_int_equal(dhcp_frame_decode(frame, len, &f), DHCP_OK);
}

static void
test_non_ipv4_ethertype_or_short_frame_is_rejected(void **state)
{
	struct dhcp_frame	 f;
	size_t			 len;

	(void)state;
	len = frame_sample(frame, sizeof(frame), DHCP_MIN_LEN, 0);
	frame[12] = 0x86;
	frame[13] = 0xdd;
	assert_int_equal(dhcp_frame_decode(frame, len, &f), DHCP_DROP_ETHER);
	frame[12] = 0x81;			/* a VLAN tag */
	frame[13] = 0x00;
	assert_int_equal(dhcp_frame_decode(frame, len, &f), DHCP_DROP_ETHER);
	frame[12] = 0x08;
	frame[13] = 0x00;
	assert_int_equal(dhcp_frame_decode(frame, 13, &f), DHCP_DROP_ETHER);
	assert_int_equal(dhcp_frame_decode(frame, 0, &f), DHCP_DROP_ETHER);
	assert_int_equal(dhcp_frame_decode(frame, len, &f), DHCP_OK);
}

static void
test_bad_ip_version_or_lengths_are_rejected(void **state)
{
	struct dhcp_frame	 f;
	uint8_t			*ip = frame + DHCP_ETHER_HDR_LEN;
	size_t			 len;

	(void)state;
	len = frame_sample(frame, sizeof(frame), DHCP_MIN_LEN, 0);
	assert_int_equal(dhcp_frame_decode(frame, DHCP_ETHER_HDR_LEN + 3,
	    &f), DHCP_DROP_IP);
	ip[0] = 0x65;
	ip_refix(frame);
	assert_int_equal(dhcp_frame_decode(frame, len, &f), DHCP_DROP_IP);
	ip[0] = 0x44;
	assert_int_equal(dhcp_frame_decode(frame, len, &f), DHCP_DROP_IP);
	ip[0] = 0x45;
	/* Total length one past the frame. */
	ip[2] = 0x01;
	ip[3] = 0x49;
	ip_refix(frame);
	assert_int_equal(dhcp_frame_decode(frame, len, &f), DHCP_DROP_IP);
	/* Total length below the header. */
	ip[2] = 0x00;
	ip[3] = 0x13;
	ip_refix(frame);
	assert_int_equal(dhcp_frame_decode(frame, len, &f), DHCP_DROP_IP);
	/* Header longer than the frame. */
	ip[0] = 0x4f;
	ip[2] = 0x00;
	ip[3] = 0x3c;
	assert_int_equal(dhcp_frame_decode(frame, DHCP_ETHER_HDR_LEN + 40,
	    &f), DHCP_DROP_IP);
}

static void
test_non_udp_or_bad_udp_length_is_rejected(void **state)
{
	struct dhcp_frame	 f;
	uint8_t			*ip = frame + DHCP_ETHER_HDR_LEN;
	uint8_t			*udp = ip + DHCP_IP_HDR_LEN;
	size_t			 len;

	(void)state;
	len = frame_sample(frame, sizeof(frame), DHCP_MIN_LEN, 0);
	ip[9] = 6;
	ip_refix(frame);
	assert_int_equal(dhcp_frame_decode(frame, len, &f), DHCP_DROP_UDP);
	ip[9] = 17;
	ip_refix(frame);
	udp[4] = 0x00;
	udp[5] = 0x07;
	assert_int_equal(dhcp_frame_decode(frame, len, &f), DHCP_DROP_UDP);
	udp[4] = 0x01;
	udp[5] = 0x35;			/* 309: one past the datagram */
	assert_int_equal(dhcp_frame_decode(frame, len, &f), DHCP_DROP_UDP);
	/* An IP datagram too short for a UDP header. */
	ip[2] = 0x00;
	ip[3] = 0x1b;
	ip_refix(frame);
	assert_int_equal(dhcp_frame_decode(frame, len, &f), DHCP_DROP_UDP);
}

static void
test_ethernet_padding_and_ip_options_are_skipped(void **state)
{
	struct dhcp_frame	 f;
	uint8_t			*ip = frame + DHCP_ETHER_HDR_LEN;
	size_t			 len;

	(void)state;
	/* 4-byte payload: a 46-byte frame padded to the 60-byte minimum. */
	len = frame_sample(frame, sizeof(frame), 4, 0);
	assert_int_equal(len, 46);
	memset(frame + len, 0, 14);
	assert_int_equal(dhcp_frame_decode(frame, 60, &f), DHCP_OK);
	assert_int_equal(f.len, 4);

	/* Four NOP option bytes after a 20-byte header. */
	len = frame_sample(frame, sizeof(frame), DHCP_MIN_LEN, 0);
	memmove(ip + 24, ip + 20, len - DHCP_ETHER_HDR_LEN - 20);
	memset(ip + 20, 1, 4);
	ip[0] = 0x46;
	ip[3] += 4;
	ip_refix(frame);
	assert_int_equal(dhcp_frame_decode(frame, len + 4, &f), DHCP_OK);
	assert_ptr_equal(f.payload, frame + DHCP_FRAME_HDR_LEN + 4);
	assert_int_equal(f.len, DHCP_MIN_LEN);
	assert_int_equal(f.sport, DHCP_SERVER_PORT);
}

static void
test_frame_encode_refuses_a_buffer_too_small(void **state)
{
	(void)state;
	assert_int_equal(frame_sample(frame, DHCP_FRAME_HDR_LEN + 99, 100,
	    0), 0);
	assert_int_equal(frame_sample(frame, DHCP_FRAME_HDR_LEN + 100, 100,
	    0), DHCP_FRAME_HDR_LEN + 100);
	assert_int_equal(frame_sample(frame, 0, 0, 0), 0);
}

static void
test_drop_names_are_snake_case_counter_keys(void **state)
{
	static const char *const want[DHCP_DROP_MAX] = {
		"ok", "short", "op", "hlen", "optlen", "overload", "msgtype",
		"ether", "ip", "ipcsum", "frag", "udp", "udpcsum"
	};
	int	 i;

	(void)state;
	for (i = 0; i < DHCP_DROP_MAX; i++)
		assert_string_equal(dhcp_drop_name((enum dhcp_drop)i),
		    want[i]);
	assert_string_equal(dhcp_drop_name(DHCP_DROP_MAX), "unknown");
}

static void
test_message_type_names_follow_rfc_2132(void **state)
{
	(void)state;
	assert_string_equal(dhcp_msgtype_name(0), "BOOTPREQUEST");
	assert_string_equal(dhcp_msgtype_name(DHCPDISCOVER), "DHCPDISCOVER");
	assert_string_equal(dhcp_msgtype_name(DHCPOFFER), "DHCPOFFER");
	assert_string_equal(dhcp_msgtype_name(DHCPREQUEST), "DHCPREQUEST");
	assert_string_equal(dhcp_msgtype_name(DHCPDECLINE), "DHCPDECLINE");
	assert_string_equal(dhcp_msgtype_name(DHCPACK), "DHCPACK");
	assert_string_equal(dhcp_msgtype_name(DHCPNAK), "DHCPNAK");
	assert_string_equal(dhcp_msgtype_name(DHCPRELEASE), "DHCPRELEASE");
	assert_string_equal(dhcp_msgtype_name(DHCPINFORM), "DHCPINFORM");
	assert_string_equal(dhcp_msgtype_name(9), "UNKNOWN");
	assert_string_equal(dhcp_msgtype_name(-1), "UNKNOWN");
}

int
main(void)
{
	const struct CMUnitTest	 tests[] = {
		cmocka_unit_test(
		    test_discover_decodes_header_fields_and_options),
		cmocka_unit_test(
		    test_fixed_size_option_getters_want_the_exact_length),
		cmocka_unit_test(
		    test_bootp_request_without_cookie_has_no_options),
		cmocka_unit_test(
		    test_bootp_request_of_only_the_fixed_part_is_accepted),
		cmocka_unit_test(
		    test_message_shorter_than_fixed_part_is_dropped_as_short),
		cmocka_unit_test(
		    test_boot_reply_or_unknown_op_is_dropped_as_op),
		cmocka_unit_test(
		    test_hardware_length_above_sixteen_is_dropped_as_hlen),
		cmocka_unit_test(
		    test_option_running_past_packet_is_dropped_as_optlen),
		cmocka_unit_test(
		    test_option_running_past_file_field_is_dropped_as_optlen),
		cmocka_unit_test(
		    test_overload_not_one_byte_of_zero_to_three_is_dropped),
		cmocka_unit_test(test_overload_repeated_inside_file_is_dropped),
		cmocka_unit_test(
		    test_message_type_not_one_byte_of_one_to_eight_is_dropped),
		cmocka_unit_test(
		    test_instances_of_one_code_are_concatenated_in_order),
		cmocka_unit_test(
		    test_overload_concatenates_options_then_file_then_sname),
		cmocka_unit_test(
		    test_overload_of_sname_alone_leaves_file_unparsed),
		cmocka_unit_test(
		    test_pad_bytes_are_skipped_and_never_present),
		cmocka_unit_test(test_bytes_after_end_are_ignored),
		cmocka_unit_test(
		    test_options_ending_with_packet_without_end_are_accepted),
		cmocka_unit_test(
		    test_option_of_length_zero_is_present_and_empty),
		cmocka_unit_test(test_largest_message_with_full_overload_fits),
		cmocka_unit_test(
		    test_encoded_message_decodes_to_same_fields_and_options),
		cmocka_unit_test(
		    test_option_of_300_bytes_is_split_into_255_and_45),
		cmocka_unit_test(
		    test_option_leaving_no_room_for_end_writes_nothing),
		cmocka_unit_test(test_reply_is_padded_with_zeros_to_300_bytes),
		cmocka_unit_test(
		    test_bootp_reply_has_no_cookie_and_refuses_options),
		cmocka_unit_test(test_frame_encode_then_decode_round_trips),
		cmocka_unit_test(
		    test_ipv4_and_udp_checksums_match_values_computed_by_hand),
		cmocka_unit_test(
		    test_udp_checksum_is_verified_and_corrupt_byte_rejected),
		cmocka_unit_test(
		    test_udp_checksum_computing_to_zero_is_sent_as_all_ones),
		cmocka_unit_test(test_ip_header_checksum_error_is_rejected),
		cmocka_unit_test(test_fragment_is_rejected),
		cmocka_unit_test(
		    test_non_ipv4_ethertype_or_short_frame_is_rejected),
		cmocka_unit_test(test_bad_ip_version_or_lengths_are_rejected),
		cmocka_unit_test(test_non_udp_or_bad_udp_length_is_rejected),
		cmocka_unit_test(
		    test_an_offloaded_checksum_is_not_checked_but_the_ip_header_is),
		cmocka_unit_test(
		    test_ethernet_padding_and_ip_options_are_skipped),
		cmocka_unit_test(test_frame_encode_refuses_a_buffer_too_small),
		cmocka_unit_test(test_drop_names_are_snake_case_counter_keys),
		cmocka_unit_test(test_message_type_names_follow_rfc_2132),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
