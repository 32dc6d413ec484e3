/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * DHCP/BOOTP messages and their Ethernet/IPv4/UDP frames, without I/O.
 * Written by hand: Debian has no C library that decodes DHCP for a
 * server (ISC dhcpd's code is not a library, Kea's is C++), the format
 * is small, and a codec of our own is bounded by lib/buf and fuzzed.
 * The checksums are the RFC 1071 sum, a few lines.
 */

#include <netinet/in.h>

#include <string.h>

#include "buf.h"
#include "dhcp_wire.h"

#define ETHERTYPE_IPV4		0x0800
#define IPV4_VERSION		4
#define IPV4_MF			0x2000
#define IPV4_OFFMASK		0x1fff
#define UDP_PROTO		17
#define OPT_MAXLEN		255

enum walk {
	WALK_COUNT,		/* mark present, add lengths */
	WALK_COPY		/* copy data to the offsets counted */
};

static int	 get_addr(struct buf *, struct in_addr *);
static int	 get_fixed(struct buf *, struct dhcp_msg *);
static int	 opt_walk(struct dhcp_msg *, const uint8_t *, size_t,
		    enum walk, uint8_t *);
static enum dhcp_drop opt_parse(struct dhcp_msg *, const uint8_t *, size_t);
static void	 put_addr(struct wbuf *, struct in_addr);
static uint64_t	 cksum_add(uint64_t, const uint8_t *, size_t);
static uint16_t	 cksum_fold(uint64_t);
static uint16_t	 udp_cksum(struct in_addr, struct in_addr, const uint8_t *,
		    size_t);

static const char *const drop_names[DHCP_DROP_MAX] = {
	[DHCP_OK] = "ok",
	[DHCP_DROP_SHORT] = "short",
	[DHCP_DROP_OP] = "op",
	[DHCP_DROP_HLEN] = "hlen",
	[DHCP_DROP_OPTLEN] = "optlen",
	[DHCP_DROP_OVERLOAD] = "overload",
	[DHCP_DROP_MSGTYPE] = "msgtype",
	[DHCP_DROP_ETHER] = "ether",
	[DHCP_DROP_IP] = "ip",
	[DHCP_DROP_IPCSUM] = "ipcsum",
	[DHCP_DROP_FRAG] = "frag",
	[DHCP_DROP_UDP] = "udp",
	[DHCP_DROP_UDPCSUM] = "udpcsum",
};

static const char *const msgtype_names[] = {
	"BOOTPREQUEST", "DHCPDISCOVER", "DHCPOFFER", "DHCPREQUEST",
	"DHCPDECLINE", "DHCPACK", "DHCPNAK", "DHCPRELEASE", "DHCPINFORM"
};

const char *
dhcp_drop_name(enum dhcp_drop d)
{
	if ((int)d < 0 || d >= DHCP_DROP_MAX)
		return ("unknown");
	return (drop_names[d]);
}

const char *
dhcp_msgtype_name(int t)
{
	if (t < 0 || (size_t)t >= sizeof(msgtype_names) /
	    sizeof(msgtype_names[0]))
		return ("UNKNOWN");
	return (msgtype_names[t]);
}

static int
get_addr(struct buf *b, struct in_addr *a)
{
	/* s_addr holds the address in network order: the wire bytes. */
	return (buf_get_bytes(b, &a->s_addr, sizeof(a->s_addr)));
}

static int
get_fixed(struct buf *b, struct dhcp_msg *m)
{
	if (buf_get_u8(b, &m->op) == -1 ||
	    buf_get_u8(b, &m->htype) == -1 ||
	    buf_get_u8(b, &m->hlen) == -1 ||
	    buf_get_u8(b, &m->hops) == -1 ||
	    buf_get_u32(b, &m->xid) == -1 ||
	    buf_get_u16(b, &m->secs) == -1 ||
	    buf_get_u16(b, &m->flags) == -1 ||
	    get_addr(b, &m->ciaddr) == -1 ||
	    get_addr(b, &m->yiaddr) == -1 ||
	    get_addr(b, &m->siaddr) == -1 ||
	    get_addr(b, &m->giaddr) == -1 ||
	    buf_get_bytes(b, m->chaddr, sizeof(m->chaddr)) == -1 ||
	    buf_get_bytes(b, m->sname, sizeof(m->sname)) == -1 ||
	    buf_get_bytes(b, m->file, sizeof(m->file)) == -1)
		return (-1);
	return (0);
}

/*
 * Walks one field of options.  WALK_COUNT marks codes present, adds
 * their lengths and keeps the last data byte of option 52 in *ovl;
 * WALK_COPY appends each instance's data at its code's offset, the
 * lengths having been reset.  PAD is skipped, END or the end of the
 * field stops.  Returns -1 when an option runs past the field.
 */
static int
opt_walk(struct dhcp_msg *m, const uint8_t *field, size_t fieldlen,
    enum walk how, uint8_t *ovl)
{
	struct buf		 b;
	struct dhcp_optref	*o;
	uint8_t			 code, olen;

	buf_init(&b, field, fieldlen);
	while (buf_get_u8(&b, &code) == 0) {
		if (code == DHO_PAD)
			continue;
		if (code == DHO_END)
			break;
		if (buf_get_u8(&b, &olen) == -1 || buf_left(&b) < olen)
			return (-1);
		o = &m->opts[code];
		if (how == WALK_COUNT) {
			if (code == DHO_OVERLOAD && olen > 0)
				*ovl = buf_cur(&b)[olen - 1];
			o->present = 1;
			(void)buf_skip(&b, olen);
		} else {
			/* The count pass bounded the sum; check anyway. */
			if ((size_t)o->off + o->len + olen > sizeof(m->data))
				return (-1);
			(void)buf_get_bytes(&b, m->data + o->off + o->len,
			    olen);
		}
		o->len += olen;
	}
	return (0);
}

/*
 * Options after the cookie: counted over every field first (options,
 * then file and sname as overload says), so that each code's instances
 * land next to each other in m->data, then copied.
 */
static enum dhcp_drop
opt_parse(struct dhcp_msg *m, const uint8_t *p, size_t len)
{
	const struct dhcp_optref *o;
	size_t			 off;
	int			 code;
	uint8_t			 ovl = 0;

	if (opt_walk(m, p, len, WALK_COUNT, &ovl) == -1)
		return (DHCP_DROP_OPTLEN);
	o = &m->opts[DHO_OVERLOAD];
	if (o->present) {
		if (o->len != 1 || ovl > (DHCP_OVERLOAD_FILE |
		    DHCP_OVERLOAD_SNAME))
			return (DHCP_DROP_OVERLOAD);
		m->overload = ovl;
	}
	if ((m->overload & DHCP_OVERLOAD_FILE) && opt_walk(m, m->file,
	    sizeof(m->file), WALK_COUNT, &ovl) == -1)
		return (DHCP_DROP_OPTLEN);
	if ((m->overload & DHCP_OVERLOAD_SNAME) && opt_walk(m, m->sname,
	    sizeof(m->sname), WALK_COUNT, &ovl) == -1)
		return (DHCP_DROP_OPTLEN);
	/* Option 52 again inside file or sname. */
	if (o->present && o->len != 1)
		return (DHCP_DROP_OVERLOAD);

	off = 0;
	for (code = 0; code < 256; code++) {
		if (off + m->opts[code].len > sizeof(m->data))
			return (DHCP_DROP_OPTLEN);
		m->opts[code].off = (uint16_t)off;
		off += m->opts[code].len;
		m->opts[code].len = 0;
	}
	if (opt_walk(m, p, len, WALK_COPY, NULL) == -1 ||
	    ((m->overload & DHCP_OVERLOAD_FILE) && opt_walk(m, m->file,
	    sizeof(m->file), WALK_COPY, NULL) == -1) ||
	    ((m->overload & DHCP_OVERLOAD_SNAME) && opt_walk(m, m->sname,
	    sizeof(m->sname), WALK_COPY, NULL) == -1))
		return (DHCP_DROP_OPTLEN);

	o = &m->opts[DHO_MESSAGE_TYPE];
	if (o->present) {
		if (o->len != 1 || m->data[o->off] < DHCPDISCOVER ||
		    m->data[o->off] > DHCPINFORM)
			return (DHCP_DROP_MSGTYPE);
		m->msgtype = m->data[o->off];
	}
	return (DHCP_OK);
}

enum dhcp_drop
dhcp_msg_decode(const uint8_t *p, size_t len, struct dhcp_msg *m)
{
	struct buf	 b;
	uint32_t	 cookie;

	/* The data array is written only as far as options fill it. */
	memset(m, 0, offsetof(struct dhcp_msg, data));
	/* No IPv4 datagram carries more; treat the rest as trailing. */
	if (len > DHCP_PKT_MAX)
		len = DHCP_PKT_MAX;
	buf_init(&b, p, len);
	if (get_fixed(&b, m) == -1)
		return (DHCP_DROP_SHORT);
	if (m->op != BOOTREQUEST)
		return (DHCP_DROP_OP);
	if (m->hlen > DHCP_CHADDR_LEN)
		return (DHCP_DROP_HLEN);
	/* Without the cookie the vendor area is BOOTP's own: no options. */
	if (buf_get_u32(&b, &cookie) == -1 || cookie != DHCP_COOKIE)
		return (DHCP_OK);
	m->has_cookie = 1;
	return (opt_parse(m, buf_cur(&b), buf_left(&b)));
}

const uint8_t *
dhcp_msg_opt(const struct dhcp_msg *m, uint8_t code, size_t *len)
{
	const struct dhcp_optref *o = &m->opts[code];

	if (!o->present) {
		if (len != NULL)
			*len = 0;
		return (NULL);
	}
	if (len != NULL)
		*len = o->len;
	return (m->data + o->off);
}

int
dhcp_msg_opt_u16(const struct dhcp_msg *m, uint8_t code, uint16_t *v)
{
	const uint8_t	*p;
	size_t		 len;

	if ((p = dhcp_msg_opt(m, code, &len)) == NULL || len != 2)
		return (-1);
	*v = (uint16_t)(p[0] << 8 | p[1]);
	return (0);
}

int
dhcp_msg_opt_u32(const struct dhcp_msg *m, uint8_t code, uint32_t *v)
{
	const uint8_t	*p;
	size_t		 len;

	if ((p = dhcp_msg_opt(m, code, &len)) == NULL || len != 4)
		return (-1);
	*v = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
	return (0);
}

int
dhcp_msg_opt_addr(const struct dhcp_msg *m, uint8_t code, struct in_addr *a)
{
	const uint8_t	*p;
	size_t		 len;

	if ((p = dhcp_msg_opt(m, code, &len)) == NULL || len != 4)
		return (-1);
	memcpy(&a->s_addr, p, sizeof(a->s_addr));
	return (0);
}

static void
put_addr(struct wbuf *w, struct in_addr a)
{
	wbuf_put_bytes(w, &a.s_addr, sizeof(a.s_addr));
}

void
dhcp_out_init(struct dhcp_out *o, uint8_t *buf, size_t cap, size_t maxlen,
    const struct dhcp_msg *hdr)
{
	struct wbuf	*w = &o->do_w;

	wbuf_init(w, buf, cap);
	o->do_max = maxlen < cap ? maxlen : cap;
	o->do_opts = hdr->has_cookie != 0;
	wbuf_put_u8(w, hdr->op);
	wbuf_put_u8(w, hdr->htype);
	wbuf_put_u8(w, hdr->hlen);
	wbuf_put_u8(w, hdr->hops);
	wbuf_put_u32(w, hdr->xid);
	wbuf_put_u16(w, hdr->secs);
	wbuf_put_u16(w, hdr->flags);
	put_addr(w, hdr->ciaddr);
	put_addr(w, hdr->yiaddr);
	put_addr(w, hdr->siaddr);
	put_addr(w, hdr->giaddr);
	wbuf_put_bytes(w, hdr->chaddr, sizeof(hdr->chaddr));
	wbuf_put_bytes(w, hdr->sname, sizeof(hdr->sname));
	wbuf_put_bytes(w, hdr->file, sizeof(hdr->file));
	if (o->do_opts)
		wbuf_put_u32(w, DHCP_COOKIE);
}

int
dhcp_out_opt(struct dhcp_out *o, uint8_t code, const void *data, size_t len)
{
	struct wbuf	*w = &o->do_w;
	const uint8_t	*p = data;
	size_t		 need, room, n;

	if (!o->do_opts || w->w_err || code == DHO_PAD || code == DHO_END)
		return (-1);
	if (w->w_len >= o->do_max || len >= o->do_max)
		return (-1);
	room = o->do_max - w->w_len;
	/* One instance per 255 bytes or part, one for empty data; END. */
	need = len + 2 * (len == 0 ? 1 : (len + OPT_MAXLEN - 1) /
	    OPT_MAXLEN) + 1;
	if (need > room)
		return (-1);
	if (len == 0) {
		wbuf_put_u8(w, code);
		wbuf_put_u8(w, 0);
	}
	while (len > 0) {
		n = len > OPT_MAXLEN ? OPT_MAXLEN : len;
		wbuf_put_u8(w, code);
		wbuf_put_u8(w, (uint8_t)n);
		wbuf_put_bytes(w, p, n);
		p += n;
		len -= n;
	}
	return (w->w_err ? -1 : 0);
}

int
dhcp_out_opt_u8(struct dhcp_out *o, uint8_t code, uint8_t v)
{
	return (dhcp_out_opt(o, code, &v, sizeof(v)));
}

int
dhcp_out_opt_u16(struct dhcp_out *o, uint8_t code, uint16_t v)
{
	uint8_t	 p[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	return (dhcp_out_opt(o, code, p, sizeof(p)));
}

int
dhcp_out_opt_u32(struct dhcp_out *o, uint8_t code, uint32_t v)
{
	uint8_t	 p[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16),
	    (uint8_t)(v >> 8), (uint8_t)v };

	return (dhcp_out_opt(o, code, p, sizeof(p)));
}

int
dhcp_out_opt_addr(struct dhcp_out *o, uint8_t code, struct in_addr a)
{
	return (dhcp_out_opt(o, code, &a.s_addr, sizeof(a.s_addr)));
}

size_t
dhcp_out_finish(struct dhcp_out *o)
{
	static const uint8_t	 zero[DHCP_MIN_LEN];
	struct wbuf		*w = &o->do_w;

	if (o->do_opts)
		wbuf_put_u8(w, DHO_END);
	if (!w->w_err && w->w_len < DHCP_MIN_LEN)
		wbuf_put_bytes(w, zero, DHCP_MIN_LEN - w->w_len);
	if (w->w_err)
		return (0);
	return (w->w_len);
}

/* RFC 1071: 16-bit big-endian words summed; an odd byte is padded. */
static uint64_t
cksum_add(uint64_t sum, const uint8_t *p, size_t len)
{
	size_t	 i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return (sum);
}

/* Folds the carries in and complements: 0 over bytes that include a
 * correct checksum. */
static uint16_t
cksum_fold(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ((uint16_t)~sum);
}

/* Over the pseudo-header (src, dst, 0, 17, UDP length) and the segment. */
static uint16_t
udp_cksum(struct in_addr src, struct in_addr dst, const uint8_t *seg,
    size_t len)
{
	uint8_t		 ph[12];
	uint64_t	 sum;

	memcpy(ph, &src.s_addr, 4);
	memcpy(ph + 4, &dst.s_addr, 4);
	ph[8] = 0;
	ph[9] = UDP_PROTO;
	ph[10] = (uint8_t)(len >> 8);
	ph[11] = (uint8_t)len;
	sum = cksum_add(0, ph, sizeof(ph));
	sum = cksum_add(sum, seg, len);
	return (cksum_fold(sum));
}

static enum dhcp_drop	 frame_decode(const uint8_t *, size_t,
			    struct dhcp_frame *, int);

enum dhcp_drop
dhcp_frame_decode(const uint8_t *frame, size_t len, struct dhcp_frame *f)
{
	return (frame_decode(frame, len, f, 1));
}

enum dhcp_drop
dhcp_frame_decode_offloaded(const uint8_t *frame, size_t len,
    struct dhcp_frame *f)
{
	return (frame_decode(frame, len, f, 0));
}

static enum dhcp_drop
frame_decode(const uint8_t *frame, size_t len, struct dhcp_frame *f,
    int check_udp)
{
	struct buf	 b, ip, peek;
	const uint8_t	*iph, *udph;
	uint16_t	 etype, iplen, frag, ulen, ucsum;
	uint8_t		 vhl, proto;
	size_t		 hl;

	memset(f, 0, sizeof(*f));
	buf_init(&b, frame, len);
	if (buf_get_bytes(&b, f->dst_mac, sizeof(f->dst_mac)) == -1 ||
	    buf_get_bytes(&b, f->src_mac, sizeof(f->src_mac)) == -1 ||
	    buf_get_u16(&b, &etype) == -1 || etype != ETHERTYPE_IPV4)
		return (DHCP_DROP_ETHER);

	/* Version, header and total length, then the datagram alone:
	 * Ethernet padding after it is not ours. */
	peek = b;
	if (buf_get_u8(&peek, &vhl) == -1 || buf_skip(&peek, 1) == -1 ||
	    buf_get_u16(&peek, &iplen) == -1)
		return (DHCP_DROP_IP);
	hl = (size_t)(vhl & 0x0f) << 2;
	if ((vhl >> 4) != IPV4_VERSION || hl < DHCP_IP_HDR_LEN ||
	    iplen < hl || buf_sub(&b, iplen, &ip) == -1)
		return (DHCP_DROP_IP);
	iph = buf_cur(&ip);
	if (cksum_fold(cksum_add(0, iph, hl)) != 0)
		return (DHCP_DROP_IPCSUM);
	if (buf_skip(&ip, 6) == -1 ||
	    buf_get_u16(&ip, &frag) == -1 ||
	    buf_get_u8(&ip, &f->ttl) == -1 ||
	    buf_get_u8(&ip, &proto) == -1 ||
	    buf_skip(&ip, 2) == -1 ||
	    get_addr(&ip, &f->src_ip) == -1 ||
	    get_addr(&ip, &f->dst_ip) == -1 ||
	    buf_skip(&ip, hl - DHCP_IP_HDR_LEN) == -1)
		return (DHCP_DROP_IP);
	if ((frag & IPV4_MF) || (frag & IPV4_OFFMASK) != 0)
		return (DHCP_DROP_FRAG);

	/* UDP: its length may be below what IP carries, never above. */
	udph = buf_cur(&ip);
	if (proto != UDP_PROTO ||
	    buf_get_u16(&ip, &f->sport) == -1 ||
	    buf_get_u16(&ip, &f->dport) == -1 ||
	    buf_get_u16(&ip, &ulen) == -1 ||
	    buf_get_u16(&ip, &ucsum) == -1 ||
	    ulen < DHCP_UDP_HDR_LEN ||
	    (size_t)ulen - DHCP_UDP_HDR_LEN > buf_left(&ip))
		return (DHCP_DROP_UDP);
	if (check_udp && ucsum != 0 &&
	    udp_cksum(f->src_ip, f->dst_ip, udph, ulen) != 0)
		return (DHCP_DROP_UDPCSUM);
	f->payload = buf_cur(&ip);
	f->len = (size_t)ulen - DHCP_UDP_HDR_LEN;
	return (DHCP_OK);
}

size_t
dhcp_frame_encode(uint8_t *out, size_t cap, const struct dhcp_frame *f)
{
	struct wbuf	 w;
	uint8_t		*iph, *udph;
	uint16_t	 sum;
	size_t		 ulen, total;

	if (f->len > UINT16_MAX - DHCP_IP_HDR_LEN - DHCP_UDP_HDR_LEN)
		return (0);
	ulen = DHCP_UDP_HDR_LEN + f->len;
	total = DHCP_FRAME_HDR_LEN + f->len;
	if (cap < total)
		return (0);
	/* Payload first: it may overlap the buffer, even be in place. */
	if (f->len > 0)
		memmove(out + DHCP_FRAME_HDR_LEN, f->payload, f->len);

	wbuf_init(&w, out, DHCP_FRAME_HDR_LEN);
	wbuf_put_bytes(&w, f->dst_mac, sizeof(f->dst_mac));
	wbuf_put_bytes(&w, f->src_mac, sizeof(f->src_mac));
	wbuf_put_u16(&w, ETHERTYPE_IPV4);
	iph = out + w.w_len;
	wbuf_put_u8(&w, IPV4_VERSION << 4 | DHCP_IP_HDR_LEN >> 2);
	wbuf_put_u8(&w, DHCP_IP_TOS);
	wbuf_put_u16(&w, (uint16_t)(DHCP_IP_HDR_LEN + ulen));
	wbuf_put_u16(&w, 0);		/* id */
	wbuf_put_u16(&w, 0);		/* DF clear, offset 0 */
	wbuf_put_u8(&w, f->ttl != 0 ? f->ttl : DHCP_IP_TTL);
	wbuf_put_u8(&w, UDP_PROTO);
	wbuf_put_u16(&w, 0);		/* checksum, below */
	put_addr(&w, f->src_ip);
	put_addr(&w, f->dst_ip);
	udph = out + w.w_len;
	wbuf_put_u16(&w, f->sport);
	wbuf_put_u16(&w, f->dport);
	wbuf_put_u16(&w, (uint16_t)ulen);
	wbuf_put_u16(&w, 0);		/* checksum, below */
	if (w.w_err || w.w_len != DHCP_FRAME_HDR_LEN)
		return (0);

	sum = cksum_fold(cksum_add(0, iph, DHCP_IP_HDR_LEN));
	iph[10] = (uint8_t)(sum >> 8);
	iph[11] = (uint8_t)sum;
	/* A computed 0 is sent as all ones: 0 means "no checksum". */
	sum = udp_cksum(f->src_ip, f->dst_ip, udph, ulen);
	if (sum == 0)
		sum = 0xffff;
	udph[6] = (uint8_t)(sum >> 8);
	udph[7] = (uint8_t)sum;
	return (total);
}
