/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * XFRM netlink messages without I/O (see sasync_xfrm.h).
 *
 * Written by hand rather than with libmnl's attribute parser so that the
 * same bounded walk serves kernel events and hostile peer bytes, which
 * may sit unaligned in a frame buffer: every structure is copied out of
 * the message with buf_get_bytes(), never cast over it.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <linux/ipsec.h>
#include <linux/netlink.h>
#include <linux/xfrm.h>

#include "addr.h"
#include "buf.h"
#include "sasync_xfrm.h"

#define XM_MAXTMPL	6	/* XFRM_MAX_DEPTH in the kernel */
#define XM_ESN_MAXBMP	(XFRMA_REPLAY_ESN_MAX / 4 / 8)
#define XM_MAXOSEQ32	0xffffffffU

/* A message split into header, fixed body and attributes. */
struct xm_msg {
	struct nlmsghdr	 m_hdr;
	struct buf	 m_body;	/* the fixed body of the type */
	struct buf	 m_attrs;	/* everything after it */
};

/* What the walk over attributes found. */
struct xm_attr {
	uint16_t	 a_type;	/* without the flag bits */
	struct buf	 a_pl;		/* payload */
};

static int	 xm_body_size(uint16_t, size_t *);
static enum xm_drop xm_parse(const void *, size_t, struct xm_msg *);
static int	 xm_attr_next(struct buf *, struct xm_attr *);
static int	 xm_attr_check(const struct xm_attr *);
static int	 xm_algo_check(const struct buf *, size_t);
static int	 xm_attr_find(const struct xm_msg *, uint16_t, struct buf *);
static int	 xm_get(const struct buf *, void *, size_t);
static int	 xm_strip(uint16_t);
static int	 xm_larval(const struct xm_msg *);
static void	 xm_put_body(struct wbuf *, const void *, size_t);
static void	 xm_put_attr(struct wbuf *, uint16_t, const void *, size_t);
static ssize_t	 xm_finish(struct wbuf *, uint16_t, uint16_t, uint32_t);
static void	 xm_begin(struct wbuf *, void *, size_t);
static ssize_t	 xm_copy(const struct xm_msg *, uint16_t, uint32_t, int,
		    void *, size_t);
static void	 xm_margin(struct xm_attr *, uint8_t *, uint32_t);
static ssize_t	 xm_delsa(const struct xfrm_usersa_id *,
		    const xfrm_address_t *, const struct xm_msg *, void *,
		    size_t);
static ssize_t	 xm_delpol(const struct xfrm_userpolicy_id *,
		    const struct xm_msg *, void *, size_t);
static int	 xm_sa_id(const struct xm_msg *, struct xfrm_usersa_id *,
		    xfrm_address_t *, int *);
static int	 xm_sakey_msg(const struct xm_msg *, struct xm_sakey *);
static void	 xm_info_addr(struct xm_info *, int, const xfrm_address_t *);
static void	 xm_info_fill(const struct xm_msg *, struct xm_info *);
static int	 xm_sel_ifindex(const struct xm_msg *);
static void	 xm_addr_norm(xfrm_address_t *, int);
static const char *xm_ntop(int, const xfrm_address_t *, char *, size_t);
static const char *xm_proto_name(uint8_t);
static const char *xm_dir_name(uint8_t);
static const char *xm_type_name(uint16_t);
static int	 xm_spec_addr(int, const char *, xfrm_address_t *, int *);
static void	 xm_put_replay(struct wbuf *, const struct xm_sa_spec *);
static void	 xm_put_algo(struct wbuf *, uint16_t, const char *, int,
		    uint8_t);
static void	 xm_put_mark(struct wbuf *, uint32_t);
static int	 xm_spec_id(const struct xm_sa_spec *, struct xfrm_usersa_id *,
		    xfrm_address_t *);
static void	 xm_lft_inf(struct xfrm_lifetime_cfg *);
static int	 xm_pol_sel(const struct xm_pol_spec *,
		    struct xfrm_selector *);

static const uint8_t	 xm_zero[NLMSG_HDRLEN];	/* header space, padding */

/* Fixed test keys: easy to spot if they ever leak into a string. */
#define XM_TEST_CRYPT_BYTE	0x41
#define XM_TEST_AUTH_BYTE	0x42

const char *
xm_drop_name(enum xm_drop d)
{
	switch (d) {
	case XM_OK:
		return ("ok");
	case XM_SHORT:
		return ("short");
	case XM_BADLEN:
		return ("bad length");
	case XM_BADTYPE:
		return ("bad type");
	case XM_BADATTR:
		return ("bad attribute");
	case XM_IFINDEX:
		return ("selector ifindex");
	case XM_TOOBIG:
		return ("too big");
	case XM_DROP_MAX:
		break;
	}
	return ("unknown");
}

/* Size of the fixed body of a message type; -1 for types we ignore. */
static int
xm_body_size(uint16_t type, size_t *sz)
{
	switch (type) {
	case XFRM_MSG_NEWSA:
	case XFRM_MSG_UPDSA:
		*sz = sizeof(struct xfrm_usersa_info);
		break;
	case XFRM_MSG_DELSA:
	case XFRM_MSG_GETSA:
		*sz = sizeof(struct xfrm_usersa_id);
		break;
	case XFRM_MSG_NEWPOLICY:
	case XFRM_MSG_UPDPOLICY:
		*sz = sizeof(struct xfrm_userpolicy_info);
		break;
	case XFRM_MSG_DELPOLICY:
	case XFRM_MSG_GETPOLICY:
		*sz = sizeof(struct xfrm_userpolicy_id);
		break;
	case XFRM_MSG_EXPIRE:
		*sz = sizeof(struct xfrm_user_expire);
		break;
	case XFRM_MSG_POLEXPIRE:
		*sz = sizeof(struct xfrm_user_polexpire);
		break;
	case XFRM_MSG_FLUSHSA:
		*sz = sizeof(struct xfrm_usersa_flush);
		break;
	case XFRM_MSG_FLUSHPOLICY:
		*sz = 0;
		break;
	case XFRM_MSG_NEWAE:
	case XFRM_MSG_GETAE:
		*sz = sizeof(struct xfrm_aevent_id);
		break;
	case XFRM_MSG_ACQUIRE:
		*sz = sizeof(struct xfrm_user_acquire);
		break;
	case XFRM_MSG_ALLOCSPI:
		*sz = sizeof(struct xfrm_userspi_info);
		break;
	default:
		return (-1);
	}
	return (0);
}

/*
 * Splits msg into header, body and attributes and checks every
 * attribute.  Reads only the first min(len, nlmsg_len) bytes.
 */
static enum xm_drop
xm_parse(const void *msg, size_t len, struct xm_msg *m)
{
	struct buf	 b, attrs;
	struct xm_attr	 a;
	size_t		 bsz, off;
	int		 r;

	buf_init(&b, msg, len);
	if (buf_get_bytes(&b, &m->m_hdr, sizeof(m->m_hdr)) == -1)
		return (XM_SHORT);
	if (m->m_hdr.nlmsg_len < NLMSG_HDRLEN || m->m_hdr.nlmsg_len > len)
		return (XM_BADLEN);
	if (xm_body_size(m->m_hdr.nlmsg_type, &bsz) == -1)
		return (XM_BADTYPE);
	buf_init(&b, msg, m->m_hdr.nlmsg_len);
	if (buf_skip(&b, NLMSG_HDRLEN) == -1 ||
	    buf_sub(&b, bsz, &m->m_body) == -1)
		return (XM_SHORT);
	/* Attributes start at the aligned end of the body, if anywhere. */
	off = NLMSG_ALIGN(bsz) - bsz;
	if (off > buf_left(&b))
		off = buf_left(&b);
	(void)buf_skip(&b, off);
	m->m_attrs = b;
	attrs = b;
	while ((r = xm_attr_next(&attrs, &a)) == 1)
		if (xm_attr_check(&a) == -1)
			return (XM_BADATTR);
	if (r == -1)
		return (XM_BADATTR);
	return (XM_OK);
}

/* The next attribute: 1, 0 at the end, -1 if truncated. */
static int
xm_attr_next(struct buf *b, struct xm_attr *a)
{
	struct nlattr	 nla;
	size_t		 pad;

	if (buf_left(b) == 0)
		return (0);
	if (buf_get_bytes(b, &nla, sizeof(nla)) == -1)
		return (-1);
	if (nla.nla_len < NLA_HDRLEN ||
	    buf_sub(b, nla.nla_len - NLA_HDRLEN, &a->a_pl) == -1)
		return (-1);
	a->a_type = nla.nla_type & NLA_TYPE_MASK;
	/* The last attribute may come without its padding. */
	pad = NLA_ALIGN(nla.nla_len) - nla.nla_len;
	if (pad > buf_left(b))
		pad = buf_left(b);
	(void)buf_skip(b, pad);
	return (1);
}

/* An xfrm_algo* of header size hsz whose key fits in the payload. */
static int
xm_algo_check(const struct buf *pl, size_t hsz)
{
	struct xfrm_algo	 alg;
	size_t			 keylen;

	if (buf_left(pl) < hsz || xm_get(pl, &alg, sizeof(alg)) == -1)
		return (-1);
	keylen = ((size_t)alg.alg_key_len + 7) / 8;
	if (keylen > buf_left(pl) - hsz)
		return (-1);
	return (0);
}

/*
 * Sizes as the kernel's xfrma_policy wants them (minimums), and the
 * inner lengths of algorithms, templates and ESN bitmaps.  Types this
 * header does not know pass: the kernel judges them.
 */
static int
xm_attr_check(const struct xm_attr *a)
{
	struct xfrm_replay_state_esn	 esn;
	struct xfrm_user_sec_ctx	 ctx;
	size_t				 n = buf_left(&a->a_pl), min = 0;

	switch (a->a_type) {
	case XFRMA_ALG_AUTH:
	case XFRMA_ALG_CRYPT:
	case XFRMA_ALG_COMP:
		return (xm_algo_check(&a->a_pl, sizeof(struct xfrm_algo)));
	case XFRMA_ALG_AUTH_TRUNC:
		return (xm_algo_check(&a->a_pl,
		    sizeof(struct xfrm_algo_auth)));
	case XFRMA_ALG_AEAD:
		return (xm_algo_check(&a->a_pl,
		    sizeof(struct xfrm_algo_aead)));
	case XFRMA_TMPL:
		if (n == 0 || n % sizeof(struct xfrm_user_tmpl) != 0 ||
		    n / sizeof(struct xfrm_user_tmpl) > XM_MAXTMPL)
			return (-1);
		return (0);
	case XFRMA_REPLAY_ESN_VAL:
		if (xm_get(&a->a_pl, &esn, sizeof(esn)) == -1 ||
		    esn.bmp_len > XM_ESN_MAXBMP ||
		    n - sizeof(esn) < esn.bmp_len * sizeof(uint32_t))
			return (-1);
		return (0);
	case XFRMA_SEC_CTX:
		if (xm_get(&a->a_pl, &ctx, sizeof(ctx)) == -1 ||
		    ctx.len != sizeof(ctx) + ctx.ctx_len || ctx.len > n)
			return (-1);
		return (0);
	case XFRMA_ENCAP:
		min = sizeof(struct xfrm_encap_tmpl);
		break;
	case XFRMA_SA:
		min = sizeof(struct xfrm_usersa_info);
		break;
	case XFRMA_POLICY:
		min = sizeof(struct xfrm_userpolicy_info);
		break;
	case XFRMA_LTIME_VAL:
		min = sizeof(struct xfrm_lifetime_cur);
		break;
	case XFRMA_REPLAY_VAL:
		min = sizeof(struct xfrm_replay_state);
		break;
	case XFRMA_SRCADDR:
	case XFRMA_COADDR:
		min = sizeof(xfrm_address_t);
		break;
	case XFRMA_LASTUSED:
		min = sizeof(uint64_t);
		break;
	case XFRMA_POLICY_TYPE:
		min = sizeof(struct xfrm_userpolicy_type);
		break;
	case XFRMA_MIGRATE:
		min = sizeof(struct xfrm_user_migrate);
		break;
	case XFRMA_KMADDRESS:
		min = sizeof(struct xfrm_user_kmaddress);
		break;
	case XFRMA_MARK:
		min = sizeof(struct xfrm_mark);
		break;
	case XFRMA_ADDRESS_FILTER:
		min = sizeof(struct xfrm_address_filter);
		break;
	case XFRMA_OFFLOAD_DEV:
		min = sizeof(struct xfrm_user_offload);
		break;
	case XFRMA_PROTO:
		min = sizeof(uint8_t);
		break;
	case XFRMA_REPLAY_THRESH:
	case XFRMA_ETIMER_THRESH:
	case XFRMA_TFCPAD:
	case XFRMA_SA_EXTRA_FLAGS:
	case XFRMA_SET_MARK:
	case XFRMA_SET_MARK_MASK:
	case XFRMA_IF_ID:
	case XFRMA_MTIMER_THRESH:
		min = sizeof(uint32_t);
		break;
	default:
		break;
	}
	return (n < min ? -1 : 0);
}

/* The payload of the first attribute of this type: 1, or 0 if none. */
static int
xm_attr_find(const struct xm_msg *m, uint16_t type, struct buf *pl)
{
	struct buf	 b = m->m_attrs;
	struct xm_attr	 a;

	while (xm_attr_next(&b, &a) == 1) {
		if (a.a_type == type) {
			*pl = a.a_pl;
			return (1);
		}
	}
	return (0);
}

/* Copies the first sz bytes of a cursor without moving it. */
static int
xm_get(const struct buf *b, void *out, size_t sz)
{
	struct buf	 c = *b;

	return (buf_get_bytes(&c, out, sz));
}

/*
 * Attributes that describe this host, not the SA or policy: a device
 * for hardware offload, a last-use time, a dump filter.
 */
static int
xm_strip(uint16_t type)
{
	return (type == XFRMA_OFFLOAD_DEV || type == XFRMA_LASTUSED ||
	    type == XFRMA_ADDRESS_FILTER);
}

/* An SA without any algorithm: larval, from ALLOCSPI. */
static int
xm_larval(const struct xm_msg *m)
{
	struct buf	 b = m->m_attrs;
	struct xm_attr	 a;

	while (xm_attr_next(&b, &a) == 1) {
		switch (a.a_type) {
		case XFRMA_ALG_AUTH:
		case XFRMA_ALG_CRYPT:
		case XFRMA_ALG_COMP:
		case XFRMA_ALG_AEAD:
		case XFRMA_ALG_AUTH_TRUNC:
			return (0);
		default:
			break;
		}
	}
	return (1);
}

static void
xm_begin(struct wbuf *w, void *out, size_t outlen)
{
	wbuf_init(w, out, outlen < XM_MAXMSG ? outlen : XM_MAXMSG);
	wbuf_put_bytes(w, xm_zero, NLMSG_HDRLEN);
}

static void
xm_put_body(struct wbuf *w, const void *p, size_t n)
{
	wbuf_put_bytes(w, p, n);
	wbuf_put_bytes(w, xm_zero, NLMSG_ALIGN(n) - n);
}

static void
xm_put_attr(struct wbuf *w, uint16_t type, const void *p, size_t n)
{
	struct nlattr	 nla;

	if (n > UINT16_MAX - NLA_HDRLEN) {
		w->w_err = 1;
		return;
	}
	nla.nla_len = (uint16_t)(NLA_HDRLEN + n);
	nla.nla_type = type;
	wbuf_put_bytes(w, &nla, sizeof(nla));
	wbuf_put_bytes(w, p, n);
	wbuf_put_bytes(w, xm_zero, NLA_ALIGN(n) - n);
}

/* Writes the header over the reserved bytes; E2BIG if it did not fit. */
static ssize_t
xm_finish(struct wbuf *w, uint16_t type, uint16_t flags, uint32_t seq)
{
	struct nlmsghdr	 h;

	if (w->w_err) {
		errno = E2BIG;
		return (-1);
	}
	memset(&h, 0, sizeof(h));
	h.nlmsg_len = (uint32_t)w->w_len;
	h.nlmsg_type = type;
	h.nlmsg_flags = flags;
	h.nlmsg_seq = seq;
	memcpy(w->w_data, &h, sizeof(h));
	return ((ssize_t)w->w_len);
}

/* Adds margin to the outgoing sequence number of a replay attribute. */
static void
xm_margin(struct xm_attr *a, uint8_t *p, uint32_t margin)
{
	struct xfrm_replay_state	 rs;
	struct xfrm_replay_state_esn	 esn;
	uint64_t			 o;

	if (a->a_type == XFRMA_REPLAY_VAL) {
		memcpy(&rs, p, sizeof(rs));
		rs.oseq = rs.oseq > XM_MAXOSEQ32 - margin ? XM_MAXOSEQ32 :
		    rs.oseq + margin;
		memcpy(p, &rs, sizeof(rs));
	} else if (a->a_type == XFRMA_REPLAY_ESN_VAL) {
		memcpy(&esn, p, sizeof(esn));
		o = ((uint64_t)esn.oseq_hi << 32) | esn.oseq;
		o = o > UINT64_MAX - margin ? UINT64_MAX : o + margin;
		esn.oseq = (uint32_t)o;
		esn.oseq_hi = (uint32_t)(o >> 32);
		memcpy(p, &esn, sizeof(esn));
	}
}

/*
 * Copies body and attributes as type, without host-local attributes;
 * with addmargin, the replay attributes get margin added to oseq.
 */
static ssize_t
xm_copy(const struct xm_msg *m, uint16_t type, uint32_t margin,
    int addmargin, void *out, size_t outlen)
{
	struct wbuf	 w;
	struct buf	 b = m->m_attrs, body = m->m_body;
	struct xm_attr	 a;
	uint8_t		 tmp[XM_MAXMSG];
	size_t		 n;

	xm_begin(&w, out, outlen);
	n = buf_left(&body);
	if (buf_get_bytes(&body, tmp, n) == -1)
		return (-1);
	xm_put_body(&w, tmp, n);
	while (xm_attr_next(&b, &a) == 1) {
		if (xm_strip(a.a_type))
			continue;
		n = buf_left(&a.a_pl);
		if (n > sizeof(tmp) || buf_get_bytes(&a.a_pl, tmp, n) == -1) {
			w.w_err = 1;
			break;
		}
		if (addmargin)
			xm_margin(&a, tmp, margin);
		xm_put_attr(&w, a.a_type, tmp, n);
	}
	return (xm_finish(&w, type, 0, 0));
}

/* DELSA for an SA id, its source address (may be NULL) and m's mark. */
static ssize_t
xm_delsa(const struct xfrm_usersa_id *id, const xfrm_address_t *saddr,
    const struct xm_msg *m, void *out, size_t outlen)
{
	struct wbuf	 w;
	struct buf	 pl;
	struct xfrm_mark mark;

	xm_begin(&w, out, outlen);
	xm_put_body(&w, id, sizeof(*id));
	if (saddr != NULL)
		xm_put_attr(&w, XFRMA_SRCADDR, saddr, sizeof(*saddr));
	if (m != NULL && xm_attr_find(m, XFRMA_MARK, &pl) &&
	    xm_get(&pl, &mark, sizeof(mark)) == 0)
		xm_put_attr(&w, XFRMA_MARK, &mark, sizeof(mark));
	return (xm_finish(&w, XFRM_MSG_DELSA, 0, 0));
}

/*
 * DELPOLICY for a policy id with the attributes that take part in the
 * lookup (mark, if_id, type, security context) and the templates, which
 * the kernel ignores here but skipslave looks at.  The index is left at
 * zero by callers: a peer assigns its own indexes, so only the selector
 * names the same policy on both.
 */
static ssize_t
xm_delpol(const struct xfrm_userpolicy_id *id, const struct xm_msg *m,
    void *out, size_t outlen)
{
	static const uint16_t	 keep[] = { XFRMA_MARK, XFRMA_IF_ID,
	    XFRMA_POLICY_TYPE, XFRMA_SEC_CTX, XFRMA_TMPL };
	struct wbuf		 w;
	struct buf		 b = m->m_attrs;
	struct xm_attr		 a;
	uint8_t			 tmp[XM_MAXMSG];
	size_t			 i, n;

	xm_begin(&w, out, outlen);
	xm_put_body(&w, id, sizeof(*id));
	while (xm_attr_next(&b, &a) == 1) {
		for (i = 0; i < sizeof(keep) / sizeof(keep[0]); i++)
			if (a.a_type == keep[i])
				break;
		if (i == sizeof(keep) / sizeof(keep[0]))
			continue;
		n = buf_left(&a.a_pl);
		if (n > sizeof(tmp) || buf_get_bytes(&a.a_pl, tmp, n) == -1) {
			w.w_err = 1;
			break;
		}
		xm_put_attr(&w, a.a_type, tmp, n);
	}
	return (xm_finish(&w, XFRM_MSG_DELPOLICY, 0, 0));
}

ssize_t
xm_from_event(const struct nlmsghdr *nlh, void *out, size_t outlen)
{
	struct xm_msg			 m;
	struct xfrm_usersa_info		 sa;
	struct xfrm_usersa_id		 id;
	struct xfrm_user_expire		 ex;
	struct xfrm_user_polexpire	 pex;
	struct xfrm_userpolicy_id	 pid;
	struct xfrm_userpolicy_info	 pol;
	struct buf			 pl;
	xfrm_address_t			*saddr = NULL;

	memset(&ex, 0, sizeof(ex));
	memset(&pex, 0, sizeof(pex));
	memset(&pid, 0, sizeof(pid));
	switch (nlh->nlmsg_type) {
	case XFRM_MSG_NEWSA:
	case XFRM_MSG_UPDSA:
	case XFRM_MSG_DELSA:
	case XFRM_MSG_EXPIRE:
	case XFRM_MSG_NEWPOLICY:
	case XFRM_MSG_UPDPOLICY:
	case XFRM_MSG_DELPOLICY:
	case XFRM_MSG_POLEXPIRE:
	case XFRM_MSG_FLUSHSA:
	case XFRM_MSG_FLUSHPOLICY:
	case XFRM_MSG_NEWAE:
		break;
	default:
		return (0);	/* ACQUIRE, GET*, REPORT, MAPPING, ... */
	}
	if (xm_parse(nlh, nlh->nlmsg_len, &m) != XM_OK) {
		errno = EBADMSG;
		return (-1);
	}

	switch (m.m_hdr.nlmsg_type) {
	case XFRM_MSG_NEWSA:
	case XFRM_MSG_UPDSA:
		if (xm_larval(&m))
			return (0);
		return (xm_copy(&m, XFRM_MSG_NEWSA, 0, 0, out, outlen));
	case XFRM_MSG_DELSA:
		/* The kernel puts the whole SA in XFRMA_SA. */
		(void)xm_get(&m.m_body, &id, sizeof(id));
		if (xm_attr_find(&m, XFRMA_SA, &pl) &&
		    xm_get(&pl, &sa, sizeof(sa)) == 0)
			saddr = &sa.saddr;
		return (xm_delsa(&id, saddr, &m, out, outlen));
	case XFRM_MSG_EXPIRE:
		(void)xm_get(&m.m_body, &ex, sizeof(ex));
		if (!ex.hard)
			return (0);
		memset(&id, 0, sizeof(id));
		id.daddr = ex.state.id.daddr;
		id.spi = ex.state.id.spi;
		id.family = ex.state.family;
		id.proto = ex.state.id.proto;
		return (xm_delsa(&id, &ex.state.saddr, &m, out, outlen));
	case XFRM_MSG_NEWPOLICY:
	case XFRM_MSG_UPDPOLICY:
		return (xm_copy(&m, XFRM_MSG_UPDPOLICY, 0, 0, out, outlen));
	case XFRM_MSG_DELPOLICY:
		(void)xm_get(&m.m_body, &pid, sizeof(pid));
		/* Deleted by index, the kernel leaves the selector zero. */
		if (xm_attr_find(&m, XFRMA_POLICY, &pl) &&
		    xm_get(&pl, &pol, sizeof(pol)) == 0) {
			pid.sel = pol.sel;
			pid.dir = pol.dir;
		}
		pid.index = 0;
		return (xm_delpol(&pid, &m, out, outlen));
	case XFRM_MSG_POLEXPIRE:
		(void)xm_get(&m.m_body, &pex, sizeof(pex));
		if (!pex.hard)
			return (0);
		memset(&pid, 0, sizeof(pid));
		pid.sel = pex.pol.sel;
		pid.dir = pex.pol.dir;
		return (xm_delpol(&pid, &m, out, outlen));
	default:	/* FLUSHSA, FLUSHPOLICY, NEWAE */
		return (xm_copy(&m, m.m_hdr.nlmsg_type, 0, 0, out, outlen));
	}
}

/* Identity, source address and whether there is one, of an SA message. */
static int
xm_sa_id(const struct xm_msg *m, struct xfrm_usersa_id *id,
    xfrm_address_t *saddr, int *has_saddr)
{
	struct xfrm_usersa_info	 sa;
	struct xfrm_aevent_id	 ae;
	struct xfrm_user_expire	 ex;
	struct buf		 pl;

	memset(id, 0, sizeof(*id));
	memset(saddr, 0, sizeof(*saddr));
	*has_saddr = 0;
	switch (m->m_hdr.nlmsg_type) {
	case XFRM_MSG_NEWSA:
	case XFRM_MSG_UPDSA:
	case XFRM_MSG_EXPIRE:
		if (m->m_hdr.nlmsg_type == XFRM_MSG_EXPIRE) {
			if (xm_get(&m->m_body, &ex, sizeof(ex)) == -1)
				return (-1);
			sa = ex.state;
		} else if (xm_get(&m->m_body, &sa, sizeof(sa)) == -1)
			return (-1);
		id->daddr = sa.id.daddr;
		id->spi = sa.id.spi;
		id->family = sa.family;
		id->proto = sa.id.proto;
		*saddr = sa.saddr;
		*has_saddr = 1;
		return (0);
	case XFRM_MSG_DELSA:
	case XFRM_MSG_GETSA:
		if (xm_get(&m->m_body, id, sizeof(*id)) == -1)
			return (-1);
		if (xm_attr_find(m, XFRMA_SRCADDR, &pl) &&
		    xm_get(&pl, saddr, sizeof(*saddr)) == 0)
			*has_saddr = 1;
		return (0);
	case XFRM_MSG_NEWAE:
	case XFRM_MSG_GETAE:
		if (xm_get(&m->m_body, &ae, sizeof(ae)) == -1)
			return (-1);
		*id = ae.sa_id;
		*saddr = ae.saddr;
		*has_saddr = 1;
		return (0);
	default:
		return (-1);
	}
}

static void
xm_info_addr(struct xm_info *info, int af, const xfrm_address_t *a)
{
	if (info->naddr >= XM_MAXADDR)
		return;
	info->addr[info->naddr].af = af;
	info->addr[info->naddr].a = *a;
	xm_addr_norm(&info->addr[info->naddr].a, af);
	info->naddr++;
}

static void
xm_info_fill(const struct xm_msg *m, struct xm_info *info)
{
	struct xfrm_usersa_id		 id;
	struct xfrm_userpolicy_info	 pol;
	struct xfrm_userpolicy_id	 pid;
	struct xfrm_user_tmpl		 t;
	struct buf			 b = m->m_attrs, pl;
	struct xm_attr			 a;
	xfrm_address_t			 saddr;
	int				 has_saddr;

	memset(info, 0, sizeof(*info));
	info->type = m->m_hdr.nlmsg_type;
	if (xm_sa_id(m, &id, &saddr, &has_saddr) == 0) {
		info->family = id.family;
		if (has_saddr)
			xm_info_addr(info, id.family, &saddr);
		xm_info_addr(info, id.family, &id.daddr);
		info->has_sakey = xm_sakey_msg(m, &info->sakey) == 0;
		if (info->type == XFRM_MSG_NEWSA)
			info->larval = xm_larval(m);
		return;
	}
	switch (info->type) {
	case XFRM_MSG_UPDPOLICY:
	case XFRM_MSG_NEWPOLICY:
		if (xm_get(&m->m_body, &pol, sizeof(pol)) == 0)
			info->family = pol.sel.family;
		break;
	case XFRM_MSG_DELPOLICY:
		if (xm_get(&m->m_body, &pid, sizeof(pid)) == 0)
			info->family = pid.sel.family;
		break;
	default:
		return;
	}
	while (xm_attr_next(&b, &a) == 1) {
		if (a.a_type != XFRMA_TMPL)
			continue;
		pl = a.a_pl;
		while (buf_get_bytes(&pl, &t, sizeof(t)) == 0) {
			xm_info_addr(info, t.family, &t.saddr);
			xm_info_addr(info, t.family, &t.id.daddr);
		}
	}
}

/* 1 if the selector of a peer's message names one of its interfaces. */
static int
xm_sel_ifindex(const struct xm_msg *m)
{
	struct xfrm_usersa_info		 sa;
	struct xfrm_userpolicy_info	 pol;
	struct xfrm_userpolicy_id	 pid;

	switch (m->m_hdr.nlmsg_type) {
	case XFRM_MSG_NEWSA:
		return (xm_get(&m->m_body, &sa, sizeof(sa)) == 0 &&
		    sa.sel.ifindex != 0);
	case XFRM_MSG_UPDPOLICY:
		return (xm_get(&m->m_body, &pol, sizeof(pol)) == 0 &&
		    pol.sel.ifindex != 0);
	case XFRM_MSG_DELPOLICY:
		return (xm_get(&m->m_body, &pid, sizeof(pid)) == 0 &&
		    pid.sel.ifindex != 0);
	default:
		return (0);
	}
}

enum xm_drop
xm_validate(const void *msg, size_t len, struct xm_info *info)
{
	struct xm_msg	 m;
	struct nlmsghdr	 h;
	enum xm_drop	 d;

	if (len > XM_MAXMSG)
		return (XM_TOOBIG);
	if (len < sizeof(h))
		return (XM_SHORT);
	memcpy(&h, msg, sizeof(h));
	/* One message, perhaps with its final alignment padding. */
	if (h.nlmsg_len < NLMSG_HDRLEN || h.nlmsg_len > len ||
	    len - h.nlmsg_len >= NLMSG_ALIGNTO)
		return (XM_BADLEN);
	switch (h.nlmsg_type) {
	case XFRM_MSG_NEWSA:
	case XFRM_MSG_DELSA:
	case XFRM_MSG_FLUSHSA:
	case XFRM_MSG_UPDPOLICY:
	case XFRM_MSG_DELPOLICY:
	case XFRM_MSG_FLUSHPOLICY:
	case XFRM_MSG_NEWAE:
		break;
	default:
		return (XM_BADTYPE);
	}
	if ((d = xm_parse(msg, len, &m)) != XM_OK)
		return (d);
	if (xm_sel_ifindex(&m))
		return (XM_IFINDEX);
	if (info != NULL)
		xm_info_fill(&m, info);
	return (XM_OK);
}

/*
 * A NEWSA without a replay attribute gets none: the kernel then starts
 * its counters at 0, and the margin cannot apply.  The master always
 * sends one (dumps and events of a valid SA carry it).
 */
ssize_t
xm_prepare(const void *in, size_t len, uint32_t margin, uint32_t seq,
    void *out, size_t outlen)
{
	struct xm_msg	 m;
	struct nlmsghdr	 h;
	ssize_t		 n;
	uint16_t	 type, flags = NLM_F_REQUEST | NLM_F_ACK;
	int		 addmargin;

	if (xm_validate(in, len, NULL) != XM_OK ||
	    xm_parse(in, len, &m) != XM_OK) {
		errno = EBADMSG;
		return (-1);
	}
	type = m.m_hdr.nlmsg_type;
	switch (type) {
	case XFRM_MSG_NEWSA:
		flags |= NLM_F_CREATE | NLM_F_EXCL;
		break;
	case XFRM_MSG_UPDPOLICY:
		flags |= NLM_F_CREATE | NLM_F_REPLACE;
		break;
	case XFRM_MSG_NEWAE:
		flags |= NLM_F_REPLACE;
		break;
	default:
		break;
	}
	addmargin = type == XFRM_MSG_NEWSA || type == XFRM_MSG_NEWAE;
	if ((n = xm_copy(&m, type, margin, addmargin, out, outlen)) == -1)
		return (-1);
	memcpy(&h, out, sizeof(h));
	h.nlmsg_flags = flags;
	h.nlmsg_seq = seq;
	h.nlmsg_pid = 0;
	memcpy(out, &h, sizeof(h));
	return (n);
}

ssize_t
xm_delsa_for(const void *newsa, size_t len, void *out, size_t outlen)
{
	struct xm_msg		 m;
	struct xfrm_usersa_info	 sa;
	struct xfrm_usersa_id	 id;

	if (xm_parse(newsa, len, &m) != XM_OK ||
	    (m.m_hdr.nlmsg_type != XFRM_MSG_NEWSA &&
	    m.m_hdr.nlmsg_type != XFRM_MSG_UPDSA) ||
	    xm_get(&m.m_body, &sa, sizeof(sa)) == -1) {
		errno = EBADMSG;
		return (-1);
	}
	memset(&id, 0, sizeof(id));
	id.daddr = sa.id.daddr;
	id.spi = sa.id.spi;
	id.family = sa.family;
	id.proto = sa.id.proto;
	return (xm_delsa(&id, &sa.saddr, &m, out, outlen));
}

ssize_t
xm_flush(uint16_t type, void *out, size_t outlen)
{
	struct wbuf			 w;
	struct xfrm_usersa_flush	 f;

	xm_begin(&w, out, outlen);
	if (type == XFRM_MSG_FLUSHSA) {
		memset(&f, 0, sizeof(f));
		f.proto = IPSEC_PROTO_ANY;
		xm_put_body(&w, &f, sizeof(f));
	} else if (type != XFRM_MSG_FLUSHPOLICY) {
		errno = EINVAL;
		return (-1);
	}
	return (xm_finish(&w, type, 0, 0));
}

static void
xm_addr_norm(xfrm_address_t *a, int af)
{
	if (af == AF_INET)
		memset((uint8_t *)a + sizeof(struct in_addr), 0,
		    sizeof(*a) - sizeof(struct in_addr));
}

static const char *
xm_ntop(int af, const xfrm_address_t *a, char *buf, size_t len)
{
	if ((af != AF_INET && af != AF_INET6) ||
	    inet_ntop(af, a, buf, (socklen_t)len) == NULL)
		(void)strlcpy(buf, "?", len);
	return (buf);
}

static const char *
xm_proto_name(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_ESP:
		return ("esp");
	case IPPROTO_AH:
		return ("ah");
	case IPPROTO_COMP:
		return ("comp");
	case IPSEC_PROTO_ANY:
		return ("any");
	case 0:
		return ("all");
	default:
		return ("proto?");
	}
}

static const char *
xm_dir_name(uint8_t dir)
{
	switch (dir) {
	case XFRM_POLICY_IN:
		return ("in");
	case XFRM_POLICY_OUT:
		return ("out");
	case XFRM_POLICY_FWD:
		return ("fwd");
	default:
		return ("dir?");
	}
}

static const char *
xm_type_name(uint16_t type)
{
	switch (type) {
	case XFRM_MSG_NEWSA:
		return ("NEWSA");
	case XFRM_MSG_UPDSA:
		return ("UPDSA");
	case XFRM_MSG_DELSA:
		return ("DELSA");
	case XFRM_MSG_GETSA:
		return ("GETSA");
	case XFRM_MSG_EXPIRE:
		return ("EXPIRE");
	case XFRM_MSG_NEWPOLICY:
		return ("NEWPOLICY");
	case XFRM_MSG_UPDPOLICY:
		return ("UPDPOLICY");
	case XFRM_MSG_DELPOLICY:
		return ("DELPOLICY");
	case XFRM_MSG_GETPOLICY:
		return ("GETPOLICY");
	case XFRM_MSG_POLEXPIRE:
		return ("POLEXPIRE");
	case XFRM_MSG_FLUSHSA:
		return ("FLUSHSA");
	case XFRM_MSG_FLUSHPOLICY:
		return ("FLUSHPOLICY");
	case XFRM_MSG_NEWAE:
		return ("NEWAE");
	case XFRM_MSG_GETAE:
		return ("GETAE");
	case XFRM_MSG_ACQUIRE:
		return ("ACQUIRE");
	case XFRM_MSG_ALLOCSPI:
		return ("ALLOCSPI");
	default:
		return (NULL);
	}
}

void
xm_describe(const void *msg, size_t len, char *buf, size_t buflen)
{
	struct xm_msg			 m;
	struct xfrm_usersa_id		 id;
	struct xfrm_userpolicy_info	 pol;
	struct xfrm_userpolicy_id	 pid;
	struct xfrm_usersa_flush	 f;
	struct xfrm_selector		 sel;
	struct xfrm_user_expire		 ex;
	struct xfrm_user_polexpire	 pex;
	xfrm_address_t			 saddr;
	const char			*tn, *kind = "";
	char				 s[INET6_ADDRSTRLEN];
	char				 d[INET6_ADDRSTRLEN];
	uint64_t			 oseq, seq;
	uint8_t				 dir;
	int				 has_saddr;

	if (buflen == 0)
		return;
	memset(&sel, 0, sizeof(sel));
	memset(&f, 0, sizeof(f));
	dir = 0;
	if (xm_parse(msg, len, &m) != XM_OK) {
		(void)snprintf(buf, buflen, "malformed message (%zu bytes)",
		    len);
		return;
	}
	if ((tn = xm_type_name(m.m_hdr.nlmsg_type)) == NULL) {
		(void)snprintf(buf, buflen, "type %u",
		    m.m_hdr.nlmsg_type);
		return;
	}
	if (m.m_hdr.nlmsg_type == XFRM_MSG_EXPIRE &&
	    xm_get(&m.m_body, &ex, sizeof(ex)) == 0)
		kind = ex.hard ? " hard" : " soft";
	if (xm_sa_id(&m, &id, &saddr, &has_saddr) == 0) {
		(void)snprintf(buf, buflen, "%s%s %s spi 0x%08x %s > %s", tn,
		    kind, xm_proto_name(id.proto), ntohl(id.spi),
		    has_saddr ? xm_ntop(id.family, &saddr, s, sizeof(s)) :
		    "any", xm_ntop(id.family, &id.daddr, d, sizeof(d)));
		if (m.m_hdr.nlmsg_type == XFRM_MSG_NEWAE &&
		    xm_replay(msg, len, &oseq, &seq) == 0) {
			size_t	 l = strlen(buf);

			(void)snprintf(buf + l, buflen - l,
			    " oseq %llu seq %llu", (unsigned long long)oseq,
			    (unsigned long long)seq);
		}
		return;
	}
	switch (m.m_hdr.nlmsg_type) {
	case XFRM_MSG_NEWPOLICY:
	case XFRM_MSG_UPDPOLICY:
		(void)xm_get(&m.m_body, &pol, sizeof(pol));
		sel = pol.sel;
		dir = pol.dir;
		break;
	case XFRM_MSG_DELPOLICY:
	case XFRM_MSG_GETPOLICY:
		(void)xm_get(&m.m_body, &pid, sizeof(pid));
		sel = pid.sel;
		dir = pid.dir;
		break;
	case XFRM_MSG_POLEXPIRE:
		(void)xm_get(&m.m_body, &pex, sizeof(pex));
		sel = pex.pol.sel;
		dir = pex.pol.dir;
		kind = pex.hard ? " hard" : " soft";
		break;
	case XFRM_MSG_FLUSHSA:
		(void)xm_get(&m.m_body, &f, sizeof(f));
		(void)snprintf(buf, buflen, "%s %s", tn,
		    xm_proto_name(f.proto));
		return;
	default:
		(void)snprintf(buf, buflen, "%s", tn);
		return;
	}
	(void)snprintf(buf, buflen, "%s%s %s %s/%u > %s/%u", tn, kind,
	    xm_dir_name(dir), xm_ntop(sel.family, &sel.saddr, s, sizeof(s)),
	    sel.prefixlen_s, xm_ntop(sel.family, &sel.daddr, d, sizeof(d)),
	    sel.prefixlen_d);
}

/* Parses an address of family af, with "/plen" if plen is not NULL. */
static int
xm_spec_addr(int af, const char *str, xfrm_address_t *out, int *plen)
{
	struct addr	 a;
	const char	*errstr;

	memset(out, 0, sizeof(*out));
	if (addr_parse(str, &a, &errstr) == -1 || a.a_af != af ||
	    (plen == NULL && a.a_plen != -1)) {
		errno = EINVAL;
		return (-1);
	}
	memcpy(out, a.a_u.raw, af == AF_INET ? sizeof(struct in_addr) :
	    sizeof(struct in6_addr));
	if (plen != NULL)
		*plen = a.a_plen == -1 ? (af == AF_INET ? 32 : 128) :
		    a.a_plen;
	return (0);
}

static void
xm_put_replay(struct wbuf *w, const struct xm_sa_spec *s)
{
	struct xfrm_replay_state	 rs;
	struct xfrm_replay_state_esn	 esn;
	uint8_t				 e[sizeof(esn) + sizeof(uint32_t)];

	if (s->esn) {
		memset(&esn, 0, sizeof(esn));
		esn.bmp_len = 1;
		esn.oseq = s->oseq;
		esn.seq = s->seq;
		esn.replay_window = 32;
		memcpy(e, &esn, sizeof(esn));
		memcpy(e + sizeof(esn), &s->bitmap, sizeof(s->bitmap));
		xm_put_attr(w, XFRMA_REPLAY_ESN_VAL, e, sizeof(e));
	} else {
		memset(&rs, 0, sizeof(rs));
		rs.oseq = s->oseq;
		rs.seq = s->seq;
		rs.bitmap = s->bitmap;
		xm_put_attr(w, XFRMA_REPLAY_VAL, &rs, sizeof(rs));
	}
}

static void
xm_put_mark(struct wbuf *w, uint32_t v)
{
	struct xfrm_mark	 mark;

	if (v == 0)
		return;
	mark.v = v;
	mark.m = 0xffffffff;
	xm_put_attr(w, XFRMA_MARK, &mark, sizeof(mark));
}

static int
xm_spec_id(const struct xm_sa_spec *s, struct xfrm_usersa_id *id,
    xfrm_address_t *saddr)
{
	memset(id, 0, sizeof(*id));
	if (xm_spec_addr(s->af, s->src, saddr, NULL) == -1 ||
	    xm_spec_addr(s->af, s->dst, &id->daddr, NULL) == -1)
		return (-1);
	id->spi = htonl(s->spi);
	id->family = (uint16_t)s->af;
	id->proto = s->proto;
	return (0);
}

static void
xm_lft_inf(struct xfrm_lifetime_cfg *l)
{
	l->soft_byte_limit = l->hard_byte_limit = XFRM_INF;
	l->soft_packet_limit = l->hard_packet_limit = XFRM_INF;
}

/* An xfrm_algo attribute with a key of keybits bits, all of one byte. */
static void
xm_put_algo(struct wbuf *w, uint16_t type, const char *name, int keybits,
    uint8_t keybyte)
{
	struct xfrm_algo	 alg;
	uint8_t			 a[sizeof(alg) + 32];
	size_t			 keylen = (size_t)keybits / 8;

	memset(&alg, 0, sizeof(alg));
	(void)strlcpy(alg.alg_name, name, sizeof(alg.alg_name));
	alg.alg_key_len = (unsigned int)keybits;
	memcpy(a, &alg, sizeof(alg));
	memset(a + sizeof(alg), keybyte, keylen);
	xm_put_attr(w, type, a, sizeof(alg) + keylen);
}

ssize_t
xm_build_newsa(const struct xm_sa_spec *s, void *out, size_t outlen)
{
	struct wbuf		 w;
	struct xfrm_usersa_info	 sa;
	struct xfrm_usersa_id	 id;

	memset(&sa, 0, sizeof(sa));
	if (xm_spec_id(s, &id, &sa.saddr) == -1)
		return (-1);
	sa.sel.family = (uint16_t)s->af;
	sa.id.daddr = id.daddr;
	sa.id.spi = id.spi;
	sa.id.proto = s->proto;
	xm_lft_inf(&sa.lft);
	sa.reqid = s->reqid;
	sa.family = (uint16_t)s->af;
	sa.mode = XFRM_MODE_TUNNEL;
	if (s->esn)
		sa.flags |= XFRM_STATE_ESN;	/* window in the ESN attr */
	else
		sa.replay_window = 32;

	xm_begin(&w, out, outlen);
	xm_put_body(&w, &sa, sizeof(sa));
	if (s->proto == IPPROTO_ESP)
		xm_put_algo(&w, XFRMA_ALG_CRYPT, "cbc(aes)", 128,
		    XM_TEST_CRYPT_BYTE);
	if (s->proto == IPPROTO_ESP || s->proto == IPPROTO_AH)
		xm_put_algo(&w, XFRMA_ALG_AUTH, "hmac(sha1)", 160,
		    XM_TEST_AUTH_BYTE);
	else if (s->proto == IPPROTO_COMP)
		xm_put_algo(&w, XFRMA_ALG_COMP, "deflate", 0, 0);
	xm_put_replay(&w, s);
	xm_put_mark(&w, s->mark);
	return (xm_finish(&w, XFRM_MSG_NEWSA, 0, 0));
}

ssize_t
xm_build_delsa(const struct xm_sa_spec *s, void *out, size_t outlen)
{
	struct wbuf		 w;
	struct xfrm_usersa_id	 id;
	xfrm_address_t		 saddr;

	if (xm_spec_id(s, &id, &saddr) == -1)
		return (-1);
	xm_begin(&w, out, outlen);
	xm_put_body(&w, &id, sizeof(id));
	xm_put_attr(&w, XFRMA_SRCADDR, &saddr, sizeof(saddr));
	xm_put_mark(&w, s->mark);
	return (xm_finish(&w, XFRM_MSG_DELSA, 0, 0));
}

ssize_t
xm_build_newae(const struct xm_sa_spec *s, void *out, size_t outlen)
{
	struct wbuf		 w;
	struct xfrm_aevent_id	 ae;

	memset(&ae, 0, sizeof(ae));
	if (xm_spec_id(s, &ae.sa_id, &ae.saddr) == -1)
		return (-1);
	ae.flags = XFRM_AE_RVAL;
	ae.reqid = s->reqid;
	xm_begin(&w, out, outlen);
	xm_put_body(&w, &ae, sizeof(ae));
	xm_put_replay(&w, s);
	xm_put_mark(&w, s->mark);
	return (xm_finish(&w, XFRM_MSG_NEWAE, 0, 0));
}

static int
xm_pol_sel(const struct xm_pol_spec *p, struct xfrm_selector *sel)
{
	int	 sp, dp;

	memset(sel, 0, sizeof(*sel));
	if (xm_spec_addr(p->af, p->src, &sel->saddr, &sp) == -1 ||
	    xm_spec_addr(p->af, p->dst, &sel->daddr, &dp) == -1)
		return (-1);
	sel->family = (uint16_t)p->af;
	sel->prefixlen_s = (uint8_t)sp;
	sel->prefixlen_d = (uint8_t)dp;
	return (0);
}

ssize_t
xm_build_policy(uint16_t type, const struct xm_pol_spec *p, void *out,
    size_t outlen)
{
	struct wbuf			 w;
	struct xfrm_userpolicy_info	 pol;
	struct xfrm_user_tmpl		 t;

	if (type != XFRM_MSG_NEWPOLICY && type != XFRM_MSG_UPDPOLICY) {
		errno = EINVAL;
		return (-1);
	}
	memset(&pol, 0, sizeof(pol));
	if (xm_pol_sel(p, &pol.sel) == -1)
		return (-1);
	xm_lft_inf(&pol.lft);
	pol.priority = p->priority;
	pol.index = p->index;
	pol.dir = (uint8_t)p->dir;
	pol.action = XFRM_POLICY_ALLOW;
	memset(&t, 0, sizeof(t));
	if (p->tdst[0] != '\0') {
		if (xm_spec_addr(p->af, p->tsrc, &t.saddr, NULL) == -1 ||
		    xm_spec_addr(p->af, p->tdst, &t.id.daddr, NULL) == -1)
			return (-1);
		t.id.proto = IPPROTO_ESP;
		t.family = (uint16_t)p->af;
		t.mode = XFRM_MODE_TUNNEL;
		t.aalgos = t.ealgos = t.calgos = ~0U;
	}
	xm_begin(&w, out, outlen);
	xm_put_body(&w, &pol, sizeof(pol));
	if (p->tdst[0] != '\0')
		xm_put_attr(&w, XFRMA_TMPL, &t, sizeof(t));
	return (xm_finish(&w, type, 0, 0));
}

ssize_t
xm_build_delpolicy(const struct xm_pol_spec *p, void *out, size_t outlen)
{
	struct wbuf			 w;
	struct xfrm_userpolicy_id	 id;

	memset(&id, 0, sizeof(id));
	if (xm_pol_sel(p, &id.sel) == -1)
		return (-1);
	id.index = p->index;
	id.dir = (uint8_t)p->dir;
	xm_begin(&w, out, outlen);
	xm_put_body(&w, &id, sizeof(id));
	return (xm_finish(&w, XFRM_MSG_DELPOLICY, 0, 0));
}

int
xm_replay(const void *msg, size_t len, uint64_t *oseq, uint64_t *seq)
{
	struct xm_msg			 m;
	struct xfrm_replay_state	 rs;
	struct xfrm_replay_state_esn	 esn;
	struct buf			 pl;

	if (xm_parse(msg, len, &m) != XM_OK)
		return (-1);
	if (xm_attr_find(&m, XFRMA_REPLAY_ESN_VAL, &pl) &&
	    xm_get(&pl, &esn, sizeof(esn)) == 0) {
		*oseq = ((uint64_t)esn.oseq_hi << 32) | esn.oseq;
		*seq = ((uint64_t)esn.seq_hi << 32) | esn.seq;
		return (0);
	}
	if (xm_attr_find(&m, XFRMA_REPLAY_VAL, &pl) &&
	    xm_get(&pl, &rs, sizeof(rs)) == 0) {
		*oseq = rs.oseq;
		*seq = rs.seq;
		return (0);
	}
	return (-1);
}

int
xm_sakey(const void *msg, size_t len, struct xm_sakey *k)
{
	struct xm_msg		 m;

	memset(k, 0, sizeof(*k));
	if (xm_parse(msg, len, &m) != XM_OK)
		return (-1);
	return (xm_sakey_msg(&m, k));
}

static int
xm_sakey_msg(const struct xm_msg *m, struct xm_sakey *k)
{
	struct xfrm_usersa_id	 id;
	struct xfrm_mark	 mark;
	struct buf		 pl;
	xfrm_address_t		 saddr;
	int			 has_saddr;

	memset(k, 0, sizeof(*k));
	if (xm_sa_id(m, &id, &saddr, &has_saddr) == -1)
		return (-1);
	k->family = id.family;
	k->daddr = id.daddr;
	xm_addr_norm(&k->daddr, id.family);
	k->spi = id.spi;
	k->proto = id.proto;
	if (xm_attr_find(m, XFRMA_MARK, &pl) &&
	    xm_get(&pl, &mark, sizeof(mark)) == 0) {
		k->mark_v = mark.v & mark.m;
		k->mark_m = mark.m;
	}
	return (0);
}

int
xm_polkey(const void *msg, size_t len, struct xm_polkey *k)
{
	struct xm_msg			 m;
	struct xfrm_userpolicy_info	 pol;
	struct xfrm_userpolicy_id	 pid;
	struct xfrm_user_polexpire	 pex;
	struct xfrm_selector		 sel;
	struct xfrm_mark		 mark;
	struct buf			 pl;

	memset(k, 0, sizeof(*k));
	if (xm_parse(msg, len, &m) != XM_OK)
		return (-1);
	switch (m.m_hdr.nlmsg_type) {
	case XFRM_MSG_NEWPOLICY:
	case XFRM_MSG_UPDPOLICY:
		(void)xm_get(&m.m_body, &pol, sizeof(pol));
		break;
	case XFRM_MSG_POLEXPIRE:
		(void)xm_get(&m.m_body, &pex, sizeof(pex));
		pol = pex.pol;
		break;
	case XFRM_MSG_DELPOLICY:
	case XFRM_MSG_GETPOLICY:
		(void)xm_get(&m.m_body, &pid, sizeof(pid));
		memset(&pol, 0, sizeof(pol));
		pol.sel = pid.sel;
		pol.dir = pid.dir;
		pol.index = pid.index;
		break;
	default:
		return (-1);
	}
	/* Field by field, so padding and the unused address tail are 0. */
	memset(&sel, 0, sizeof(sel));
	sel.daddr = pol.sel.daddr;
	sel.saddr = pol.sel.saddr;
	xm_addr_norm(&sel.daddr, pol.sel.family);
	xm_addr_norm(&sel.saddr, pol.sel.family);
	sel.dport = pol.sel.dport;
	sel.dport_mask = pol.sel.dport_mask;
	sel.sport = pol.sel.sport;
	sel.sport_mask = pol.sel.sport_mask;
	sel.family = pol.sel.family;
	sel.prefixlen_d = pol.sel.prefixlen_d;
	sel.prefixlen_s = pol.sel.prefixlen_s;
	sel.proto = pol.sel.proto;
	sel.ifindex = pol.sel.ifindex;
	sel.user = pol.sel.user;
	k->sel = sel;
	k->dir = pol.dir;
	k->index = pol.index;
	if (xm_attr_find(&m, XFRMA_MARK, &pl) &&
	    xm_get(&pl, &mark, sizeof(mark)) == 0) {
		k->mark_v = mark.v & mark.m;
		k->mark_m = mark.m;
	}
	return (0);
}

int
xm_sakey_eq(const struct xm_sakey *a, const struct xm_sakey *b)
{
	return (a->family == b->family && a->spi == b->spi &&
	    a->proto == b->proto && a->mark_v == b->mark_v &&
	    a->mark_m == b->mark_m &&
	    memcmp(&a->daddr, &b->daddr, sizeof(a->daddr)) == 0);
}

/*
 * Same selector, direction and mark; the indexes must agree only when
 * both are known, since a delete by selector carries none.
 */
int
xm_polkey_eq(const struct xm_polkey *a, const struct xm_polkey *b)
{
	if (a->index != 0 && b->index != 0 && a->index != b->index)
		return (0);
	return (a->dir == b->dir && a->mark_v == b->mark_v &&
	    a->mark_m == b->mark_m &&
	    memcmp(&a->sel, &b->sel, sizeof(a->sel)) == 0);
}

int
xm_set_replay(void *sa, size_t len, const void *newae, size_t aelen)
{
	struct xm_msg	 m, ae;
	struct buf	 b, pl;
	struct xm_attr	 a;
	size_t		 n;

	if (xm_parse(sa, len, &m) != XM_OK ||
	    xm_parse(newae, aelen, &ae) != XM_OK ||
	    ae.m_hdr.nlmsg_type != XFRM_MSG_NEWAE) {
		errno = EINVAL;
		return (-1);
	}
	b = m.m_attrs;
	while (xm_attr_next(&b, &a) == 1) {
		if (a.a_type != XFRMA_REPLAY_VAL &&
		    a.a_type != XFRMA_REPLAY_ESN_VAL)
			continue;
		n = buf_left(&a.a_pl);
		if (!xm_attr_find(&ae, a.a_type, &pl) ||
		    buf_left(&pl) != n) {
			errno = EINVAL;
			return (-1);
		}
		/* a.a_pl points into sa, which the caller lets us write. */
		memcpy((uint8_t *)sa + (buf_cur(&a.a_pl) -
		    (const uint8_t *)sa), buf_cur(&pl), n);
		return (0);
	}
	errno = ENOENT;
	return (-1);
}
