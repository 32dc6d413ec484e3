/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

#ifndef DHCP_WIRE_H
#define DHCP_WIRE_H

/*
 * DHCP and BOOTP messages on the wire (RFC 951, 1542, 2131, 2132, 3396)
 * and the Ethernet/IPv4/UDP frames an AF_PACKET socket carries them in.
 * No I/O: a decoder over untrusted bytes that names every drop reason,
 * an encoder into the caller's buffer, and the frame wrappers.
 *
 *  0        1        2        3
 * +--------+--------+--------+--------+
 * |   op   | htype  |  hlen  |  hops  |   op 1 = BOOTREQUEST, 2 = BOOTREPLY
 * +--------+--------+--------+--------+
 * |               xid                 |
 * +-----------------+-----------------+
 * |      secs       |      flags      |   flags 0x8000 = BROADCAST
 * +-----------------+-----------------+
 * | ciaddr | yiaddr | siaddr | giaddr |   4 bytes each
 * | chaddr (16) | sname (64) | file (128)                   -> 236 bytes
 * +-----------------------------------+
 * | 63 82 53 63  options ... END (255)|   cookie and options: DHCP and
 * +-----------------------------------+   RFC 1048 BOOTP; absent in BOOTP
 *
 * An option is code, length, data; PAD (0) and END (255) are one byte.
 * One code may appear several times: its data are concatenated (RFC
 * 3396), in the options field, then file (overload bit 1), then sname
 * (overload bit 2).  Decoders read through lib/buf and never cast the
 * layout struct below over received bytes.
 */

#include <netinet/in.h>

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define DHCP_SERVER_PORT	67
#define DHCP_CLIENT_PORT	68

#define DHCP_FIXED_LEN		236	/* op .. file */
#define DHCP_COOKIE		0x63825363
#define DHCP_COOKIE_LEN		4
#define DHCP_OPTIONS_OFF	(DHCP_FIXED_LEN + DHCP_COOKIE_LEN)
#define DHCP_MIN_LEN		300	/* BOOTP minimum; replies padded */
#define DHCP_MSG_MAX		1472	/* largest message we build */
#define DHCP_CHADDR_LEN		16
#define DHCP_SNAME_LEN		64
#define DHCP_FILE_LEN		128

/* The largest UDP payload an IPv4 datagram holds: 65535 - 20 - 8. */
#define DHCP_PKT_MAX		65507
/* Option data of a DHCP_PKT_MAX message, options field, file and sname
 * all used, is always below this. */
#define DHCP_OPTDATA_MAX	(DHCP_PKT_MAX - DHCP_OPTIONS_OFF + \
				    DHCP_FILE_LEN + DHCP_SNAME_LEN)

#define BOOTREQUEST		1
#define BOOTREPLY		2
#define DHCP_FLAG_BROADCAST	0x8000
#define DHCP_HTYPE_ETHER	1

/* Option codes the server reads or writes (RFC 2132 unless noted). */
#define DHO_PAD			0
#define DHO_SUBNET_MASK		1
#define DHO_ROUTERS		3
#define DHO_DOMAIN_NAME_SERVERS	6
#define DHO_HOST_NAME		12
#define DHO_DOMAIN_NAME		15
#define DHO_BROADCAST_ADDRESS	28
#define DHO_REQUESTED_ADDRESS	50
#define DHO_LEASE_TIME		51
#define DHO_OVERLOAD		52
#define DHO_MESSAGE_TYPE	53
#define DHO_SERVER_ID		54
#define DHO_PARAM_REQ		55
#define DHO_MESSAGE		56
#define DHO_MAX_MSG_SIZE	57
#define DHO_T1			58
#define DHO_T2			59
#define DHO_VENDOR_CLASS	60
#define DHO_CLIENT_ID		61
#define DHO_USER_CLASS		77	/* RFC 3004 */
#define DHO_RELAY_AGENT		82	/* RFC 3046 */
#define DHO_CLASSLESS_ROUTES	121	/* RFC 3442 */
#define DHO_END			255

/* Values of DHO_OVERLOAD: which header fields carry options too. */
#define DHCP_OVERLOAD_FILE	1
#define DHCP_OVERLOAD_SNAME	2

/* Values of DHO_MESSAGE_TYPE (0 in struct dhcp_msg: plain BOOTP). */
#define DHCPDISCOVER		1
#define DHCPOFFER		2
#define DHCPREQUEST		3
#define DHCPDECLINE		4
#define DHCPACK			5
#define DHCPNAK			6
#define DHCPRELEASE		7
#define DHCPINFORM		8

/* Frame layout of dhcp_frame_encode(): no VLAN tag, no IP options. */
#define DHCP_ETHER_HDR_LEN	14
#define DHCP_IP_HDR_LEN		20
#define DHCP_UDP_HDR_LEN	8
#define DHCP_FRAME_HDR_LEN	(DHCP_ETHER_HDR_LEN + DHCP_IP_HDR_LEN + \
				    DHCP_UDP_HDR_LEN)
#define DHCP_FRAME_MAX		(DHCP_FRAME_HDR_LEN + DHCP_MSG_MAX)
#define DHCP_IP_TOS		0x10	/* IPTOS_LOWDELAY, as OpenBSD */
#define DHCP_IP_TTL		64	/* when dhcp_frame.ttl is 0 */

struct dhcp_fixed_layout {	/* documentation of the layout only */
	uint8_t		op;
	uint8_t		htype;
	uint8_t		hlen;
	uint8_t		hops;
	uint32_t	xid;
	uint16_t	secs;
	uint16_t	flags;
	uint8_t		ciaddr[4];
	uint8_t		yiaddr[4];
	uint8_t		siaddr[4];
	uint8_t		giaddr[4];
	uint8_t		chaddr[DHCP_CHADDR_LEN];
	uint8_t		sname[DHCP_SNAME_LEN];
	uint8_t		file[DHCP_FILE_LEN];
};
_Static_assert(sizeof(struct dhcp_fixed_layout) == DHCP_FIXED_LEN,
    "BOOTP fixed part is 236 bytes");
_Static_assert(DHCP_OPTDATA_MAX <= UINT16_MAX,
    "option offsets and lengths fit 16 bits");

/*
 * Why a message or frame was dropped, in the order the checks run.  Each
 * has a counter keyed by dhcp_drop_name().
 */
enum dhcp_drop {
	DHCP_OK = 0,
	DHCP_DROP_SHORT,	/* shorter than the 236-byte fixed part */
	DHCP_DROP_OP,		/* op is not BOOTREQUEST */
	DHCP_DROP_HLEN,		/* hlen above 16 */
	DHCP_DROP_OPTLEN,	/* an option runs past its field */
	DHCP_DROP_OVERLOAD,	/* option 52 not one byte of 0-3 */
	DHCP_DROP_MSGTYPE,	/* option 53 not one byte of 1-8 */
	DHCP_DROP_ETHER,	/* short frame or ethertype not IPv4 */
	DHCP_DROP_IP,		/* version, header or total length */
	DHCP_DROP_IPCSUM,	/* IPv4 header checksum */
	DHCP_DROP_FRAG,		/* a fragment (MF or offset set) */
	DHCP_DROP_UDP,		/* not UDP, or UDP length wrong */
	DHCP_DROP_UDPCSUM,	/* UDP checksum (when not 0) */
	DHCP_DROP_MAX
};

/* Where one option code's concatenated data sit in dhcp_msg.data. */
struct dhcp_optref {
	uint8_t		 present;
	uint16_t	 off;
	uint16_t	 len;
};

/*
 * A decoded message.  Addresses and the raw header fields are copied as
 * they were on the wire; xid, secs and flags are in host order.  sname
 * and file are raw bytes: when overload says they carry options they are
 * not names.  The option table and data array come last, so a header for
 * the encoder needs only the fields above them; the struct is large
 * (about 67 KB): keep it off small stacks and avoid copying it.
 */
struct dhcp_msg {
	uint8_t		 op;
	uint8_t		 htype;
	uint8_t		 hlen;
	uint8_t		 hops;
	uint32_t	 xid;
	uint16_t	 secs;
	uint16_t	 flags;
	struct in_addr	 ciaddr;
	struct in_addr	 yiaddr;
	struct in_addr	 siaddr;
	struct in_addr	 giaddr;
	uint8_t		 chaddr[DHCP_CHADDR_LEN];
	uint8_t		 sname[DHCP_SNAME_LEN];
	uint8_t		 file[DHCP_FILE_LEN];
	int		 has_cookie;	/* 0: plain BOOTP, no options */
	uint8_t		 msgtype;	/* option 53, 0 if absent */
	uint8_t		 overload;	/* option 52, 0 if absent */

	/* private: use dhcp_msg_opt() */
	struct dhcp_optref opts[256];
	uint8_t		 data[DHCP_OPTDATA_MAX];
};

/*
 * Decodes a message received on port 67.  Accepts only BOOTREQUEST, hlen
 * up to 16, and a cookie with bounded options (PAD skipped, END or the
 * end of a field stops, bytes after END ignored), or no cookie at all
 * (BOOTP: no options, msgtype 0).  Bytes beyond DHCP_PKT_MAX are ignored.
 * Returns DHCP_OK, or the reason the message must be dropped; m is then
 * only partly filled.
 */
enum dhcp_drop dhcp_msg_decode(const uint8_t *p, size_t len,
	    struct dhcp_msg *m);

/*
 * The concatenated data of option code, with its length in *len (may be
 * NULL), or NULL when the option is absent.  A present option of length
 * 0 returns a non-NULL pointer.
 */
const uint8_t *dhcp_msg_opt(const struct dhcp_msg *, uint8_t code,
	    size_t *len);
/* Fixed-size options: 0 when present with exactly that length, else -1. */
int	 dhcp_msg_opt_u16(const struct dhcp_msg *, uint8_t code, uint16_t *);
int	 dhcp_msg_opt_u32(const struct dhcp_msg *, uint8_t code, uint32_t *);
int	 dhcp_msg_opt_addr(const struct dhcp_msg *, uint8_t code,
	    struct in_addr *);

/*
 * A message being built in the caller's buffer.  Bytes beyond do_max
 * (the smaller of the buffer and the size the client accepts) are never
 * written by dhcp_out_opt().
 */
struct dhcp_out {
	struct wbuf	 do_w;
	size_t		 do_max;
	int		 do_opts;	/* cookie written: options allowed */
};

/*
 * Starts a message in buf (cap bytes, at least DHCP_MIN_LEN) with the
 * fixed part taken from hdr (op included: a reply sets BOOTREPLY) and,
 * when hdr->has_cookie, the cookie.  maxlen caps the message size:
 * DHCP_MSG_MAX, or less when the client's option 57 says so.  Options of
 * hdr are not copied.
 */
void	 dhcp_out_init(struct dhcp_out *, uint8_t *buf, size_t cap,
	    size_t maxlen, const struct dhcp_msg *hdr);
/*
 * Appends option code with len bytes of data, split into instances of
 * at most 255 bytes (RFC 3396).  Returns 0, or -1 having written nothing
 * when no cookie was written, code is PAD or END, or the option would
 * not leave room for END within maxlen.
 */
int	 dhcp_out_opt(struct dhcp_out *, uint8_t code, const void *data,
	    size_t len);
int	 dhcp_out_opt_u8(struct dhcp_out *, uint8_t code, uint8_t);
int	 dhcp_out_opt_u16(struct dhcp_out *, uint8_t code, uint16_t);
int	 dhcp_out_opt_u32(struct dhcp_out *, uint8_t code, uint32_t);
int	 dhcp_out_opt_addr(struct dhcp_out *, uint8_t code, struct in_addr);
/*
 * Appends END (when a cookie was written) and zeroes up to DHCP_MIN_LEN.
 * Call once.  Returns the message length, or 0 when the buffer was too
 * small.
 */
size_t	 dhcp_out_finish(struct dhcp_out *);

/* A UDP datagram in an Ethernet II frame, as an AF_PACKET socket sees
 * it.  Addresses in network order, ports in host order. */
struct dhcp_frame {
	uint8_t		 src_mac[6];
	uint8_t		 dst_mac[6];
	struct in_addr	 src_ip;
	struct in_addr	 dst_ip;
	uint16_t	 sport;
	uint16_t	 dport;
	const uint8_t	*payload;	/* borrowed: into the frame */
	size_t		 len;
	uint8_t		 ttl;
};

/*
 * Checks an Ethernet II / IPv4 / UDP frame: ethertype, IPv4 version,
 * header and total length, header checksum, no fragment, UDP and its
 * length, UDP checksum when not 0.  IP options are skipped, Ethernet
 * padding after the datagram ignored.  Ports are not checked.  On
 * DHCP_OK, f->payload points into frame.
 */
enum dhcp_drop dhcp_frame_decode(const uint8_t *frame, size_t len,
	    struct dhcp_frame *f);
/*
 * The same without the UDP checksum, for a frame whose sender left it
 * to checksum offload (a packet socket reports TP_STATUS_CSUMNOTREADY:
 * a local sender on veth or virtio); the kernel vouches for it.
 */
enum dhcp_drop dhcp_frame_decode_offloaded(const uint8_t *frame, size_t len,
	    struct dhcp_frame *f);

/*
 * Builds Ethernet + IPv4 (no options, id 0, DF clear, TOS 0x10, TTL
 * f->ttl or 64) + UDP with both checksums, then the payload.  The payload
 * may already sit at out + DHCP_FRAME_HDR_LEN (built in place).  Returns
 * the frame length, or 0 when cap is too small or the payload too long.
 */
size_t	 dhcp_frame_encode(uint8_t *out, size_t cap,
	    const struct dhcp_frame *f);

/* "short", "optlen", ...: counter keys; "ok" for DHCP_OK. */
const char *dhcp_drop_name(enum dhcp_drop);
/* "DHCPDISCOVER" .. "DHCPINFORM", "BOOTPREQUEST" for 0, else "UNKNOWN". */
const char *dhcp_msgtype_name(int);

#endif /* DHCP_WIRE_H */
