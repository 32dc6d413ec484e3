/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * conntrack entries <-> pf states (specs/pfsync.md sections 4.3, 4.4,
 * 5.1 and 10).  The two tables hold different things: pf keeps a
 * sequence window per side and two keys, conntrack a single TCP state
 * and two tuples.  What survives the trip is the flow, its NAT and
 * roughly where the TCP handshake or teardown stands; the tables below
 * are hakit's, chosen so that a round trip between two hakit peers keeps
 * the conntrack state (SYN_SENT2 and CLOSE excepted, see the tests).
 */

#include <sys/socket.h>

#include <netinet/in.h>
#include <string.h>

#include "ct.h"
#include "pfsync_map.h"
#include "pfsync_wire.h"

#define PF_WSCALE_FLAG		0x80
#define PF_WSCALE_MASK		0x0f
#define PFSS_TIMESTAMP		0x0001
#define PFSYNC_SCRUB_VALID	0x01

#define CT_S_NAT_MASK	(CT_S_SRC_NAT | CT_S_DST_NAT | \
			 CT_S_SRC_NAT_DONE | CT_S_DST_NAT_DONE)

/* Which side closed first, for CLOSE_INIT. */
#define CLOSER_NONE	(-1)

static int	 fail(const char **, const char *);
static uint8_t	 af_to_wire(uint8_t);
static uint8_t	 af_from_wire(uint8_t);
static int	 is_icmp(uint8_t);
static void	 key_set(struct pfsync_key *, const struct ct_tuple *,
		    uint16_t, uint8_t);
static void	 key_get(const struct pfsync_key *, int, uint8_t,
		    uint8_t *, uint16_t *);
static int	 tcp_export(const struct ct_state *, struct pfsync_state *,
		    const char **);
static void	 peer_wscale(const struct ct_state *, int,
		    struct pfsync_peer *);
static void	 udp_export(const struct ct_state *, struct pfsync_state *);
static int	 tcp_import(const struct pfsync_peer *,
		    const struct pfsync_peer *, uint8_t *, uint32_t *, int *);
static void	 tcp_import_flags(const struct pfsync_peer *,
		    const struct pfsync_peer *, struct ct_state *);
static uint32_t	 other_import(const struct pfsync_peer *,
		    const struct pfsync_peer *);
static int	 scrub_ts_mod(const struct pfsync_peer *);
static int	 same_src(const struct ct_tuple *, const struct ct_tuple *);
static int	 same_dst(const struct ct_tuple *, const struct ct_tuple *);
static uint32_t	 nat_status(const struct ct_tuple *,
		    const struct ct_tuple *);
static int	 tcp_side_stale(const struct pfsync_peer *,
		    const struct pfsync_peer *);

static int
fail(const char **why, const char *msg)
{
	if (why != NULL)
		*why = msg;
	return (-1);
}

/* Linux address families to pfsync's BSD numbering; 0 for others. */
static uint8_t
af_to_wire(uint8_t af)
{
	switch (af) {
	case AF_INET:
		return (PFSYNC_AF_INET);
	case AF_INET6:
		return (PFSYNC_AF_INET6);
	default:
		return (0);
	}
}

static uint8_t
af_from_wire(uint8_t af)
{
	switch (af) {
	case PFSYNC_AF_INET:
		return (AF_INET);
	case PFSYNC_AF_INET6:
		return (AF_INET6);
	default:
		return (0);
	}
}

static int
is_icmp(uint8_t proto)
{
	return (proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6);
}

/* A pf key from a tuple: addr[0] = source, addr[1] = destination. */
static void
key_set(struct pfsync_key *k, const struct ct_tuple *t, uint16_t rdomain,
    uint8_t af)
{
	memcpy(k->addr[0], t->src, sizeof(k->addr[0]));
	memcpy(k->addr[1], t->dst, sizeof(k->addr[1]));
	k->port[0] = t->sport;
	k->port[1] = t->dport;
	k->rdomain = rdomain;
	k->af = af;
}

/*
 * One end of a key.  An IPv4 address is its first four bytes: the rest
 * is whatever the sender left there, so it is not copied.
 */
static void
key_get(const struct pfsync_key *k, int i, uint8_t af, uint8_t *addr,
    uint16_t *port)
{
	memset(addr, 0, 16);
	memcpy(addr, k->addr[i], af == AF_INET ? 4 : 16);
	*port = k->port[i];
}

int
pfsync_from_ct(const struct ct_state *ct, uint64_t id, uint32_t creatorid,
    uint16_t rdomain, struct pfsync_state *st, const char **why)
{
	struct ct_tuple	 stack;
	uint8_t		 af;

	memset(st, 0, sizeof(*st));
	if (why != NULL)
		*why = NULL;
	if ((af = af_to_wire(ct->orig.af)) == 0)
		return (fail(why, "unknown address family"));
	if (ct->reply.af != ct->orig.af)
		return (fail(why, "af-to"));
	if (ct->reply.proto != ct->orig.proto)
		return (fail(why, "protocol differs between directions"));
	/* pf keeps ICMP ids in the port slots; how exactly is unverified. */
	if (is_icmp(ct->orig.proto))
		return (fail(why, "icmp packing unverified"));

	st->id = id;
	st->creatorid = creatorid;
	/* conntrack is not bound to an interface: a floating state */
	memcpy(st->ifname, "all", sizeof("all"));
	key_set(&st->key[PFSYNC_KEY_WIRE], &ct->orig, rdomain, af);
	ct_tuple_invert(&ct->reply, &stack);
	key_set(&st->key[PFSYNC_KEY_STACK], &stack, rdomain, af);
	st->af = af;
	st->proto = ct->orig.proto;
	st->direction = PF_IN;
	st->rule = st->anchor = st->nat_rule = UINT32_MAX;
	st->rtableid[0] = st->rtableid[1] = -1;
	st->creation = ct->age;
	st->expire = ct->timeout;
	st->packets[0] = ct->packets[CT_DIR_ORIG];
	st->packets[1] = ct->packets[CT_DIR_REPLY];
	st->bytes[0] = ct->bytes[CT_DIR_ORIG];
	st->bytes[1] = ct->bytes[CT_DIR_REPLY];

	if (ct->orig.proto == IPPROTO_TCP) {
		if (tcp_export(ct, st, why) == -1)
			return (-1);
		/* no sequence windows to give: OpenBSD must not check them */
		st->state_flags = PFSTATE_SLOPPY;
	} else
		udp_export(ct, st);
	return (0);
}

static void
peer_wscale(const struct ct_state *ct, int dir, struct pfsync_peer *p)
{
	if (ct->tcp_flags[dir] & CT_TCPF_WINDOW_SCALE)
		p->wscale = PF_WSCALE_FLAG |
		    (ct->tcp_wscale[dir] & PF_WSCALE_MASK);
}

/* The TCP export table of section 10. */
static int
tcp_export(const struct ct_state *ct, struct pfsync_state *st,
    const char **why)
{
	struct pfsync_peer	*closer, *other;

	/* Without a CLOSE_INIT mark the initiator is taken as the closer. */
	if (!(ct->tcp_flags[CT_DIR_ORIG] & CT_TCPF_CLOSE_INIT) &&
	    (ct->tcp_flags[CT_DIR_REPLY] & CT_TCPF_CLOSE_INIT)) {
		closer = &st->dst;
		other = &st->src;
	} else {
		closer = &st->src;
		other = &st->dst;
	}

	switch (ct->tcp_state) {
	case CT_TCP_SYN_SENT:
	case CT_TCP_SYN_SENT2:
		st->src.state = PF_TCPS_SYN_SENT;
		st->dst.state = PF_TCPS_CLOSED;
		st->timeout = PFTM_TCP_FIRST_PACKET;
		break;
	case CT_TCP_SYN_RECV:
		st->src.state = PF_TCPS_ESTABLISHED;
		st->dst.state = PF_TCPS_SYN_SENT;
		st->timeout = PFTM_TCP_OPENING;
		break;
	case CT_TCP_ESTABLISHED:
		st->src.state = PF_TCPS_ESTABLISHED;
		st->dst.state = PF_TCPS_ESTABLISHED;
		st->timeout = PFTM_TCP_ESTABLISHED;
		break;
	case CT_TCP_FIN_WAIT:
		closer->state = PF_TCPS_CLOSING;
		other->state = PF_TCPS_ESTABLISHED;
		st->timeout = PFTM_TCP_CLOSING;
		break;
	case CT_TCP_CLOSE_WAIT:
		closer->state = PF_TCPS_FIN_WAIT_2;
		other->state = PF_TCPS_ESTABLISHED;
		st->timeout = PFTM_TCP_CLOSING;
		break;
	case CT_TCP_LAST_ACK:
		closer->state = PF_TCPS_FIN_WAIT_2;
		other->state = PF_TCPS_CLOSING;
		st->timeout = PFTM_TCP_FIN_WAIT;
		break;
	case CT_TCP_TIME_WAIT:
	case CT_TCP_CLOSE:
		st->src.state = PF_TCPS_TIME_WAIT;
		st->dst.state = PF_TCPS_TIME_WAIT;
		st->timeout = PFTM_TCP_CLOSED;
		break;
	default:
		/* NONE is never confirmed; anything else is not a state */
		return (fail(why, "no tcp state"));
	}
	peer_wscale(ct, CT_DIR_ORIG, &st->src);
	peer_wscale(ct, CT_DIR_REPLY, &st->dst);
	return (0);
}

/* UDP and the other protocols: pf's SINGLE/MULTIPLE from the status. */
static void
udp_export(const struct ct_state *ct, struct pfsync_state *st)
{
	if (ct->status & CT_S_ASSURED) {
		st->src.state = PFUDPS_MULTIPLE;
		st->dst.state = PFUDPS_MULTIPLE;
	} else if (ct->status & CT_S_SEEN_REPLY) {
		st->src.state = PFUDPS_MULTIPLE;
		st->dst.state = PFUDPS_SINGLE;
	} else {
		st->src.state = PFUDPS_SINGLE;
		st->dst.state = PFUDPS_NO_TRAFFIC;
	}
	st->timeout = pfsync_timeout_index(st->proto, &st->src, &st->dst);
}

/*
 * The TCP import table of section 10.  Sets the conntrack state, the
 * status bits it implies and the side that closed first (CT_DIR_* or
 * CLOSER_NONE).  Returns -1 for synproxy states, which have no
 * conntrack equivalent: the handshake lives in pf itself.
 */
static int
tcp_import(const struct pfsync_peer *src, const struct pfsync_peer *dst,
    uint8_t *state, uint32_t *status, int *closer)
{
	uint8_t	 s = src->state, d = dst->state;

	*closer = CLOSER_NONE;
	*status = CT_S_SEEN_REPLY | CT_S_ASSURED;
	if (s == PF_TCPS_PROXY_SRC || s == PF_TCPS_PROXY_DST ||
	    d == PF_TCPS_PROXY_SRC || d == PF_TCPS_PROXY_DST)
		return (-1);
	if (s >= PF_TCPS_FIN_WAIT_2 && d >= PF_TCPS_FIN_WAIT_2)
		*state = CT_TCP_TIME_WAIT;
	else if (s >= PF_TCPS_CLOSING && d >= PF_TCPS_CLOSING) {
		*state = CT_TCP_LAST_ACK;
		/* the closer's FIN is acked, so it is the side further on */
		*closer = d > s ? CT_DIR_REPLY : CT_DIR_ORIG;
	} else if (s >= PF_TCPS_CLOSING || d >= PF_TCPS_CLOSING) {
		*closer = s >= PF_TCPS_CLOSING ? CT_DIR_ORIG : CT_DIR_REPLY;
		/* FIN sent: FIN_WAIT; FIN acked: CLOSE_WAIT */
		if ((s >= PF_TCPS_CLOSING ? s : d) >= PF_TCPS_FIN_WAIT_2)
			*state = CT_TCP_CLOSE_WAIT;
		else
			*state = CT_TCP_FIN_WAIT;
	} else if (s >= PF_TCPS_ESTABLISHED && d >= PF_TCPS_ESTABLISHED)
		*state = CT_TCP_ESTABLISHED;
	else if (d >= PF_TCPS_SYN_SENT) {
		/* the responder's SYN seen, not yet acked */
		*state = CT_TCP_SYN_RECV;
		*status = CT_S_SEEN_REPLY;
	} else {
		*state = CT_TCP_SYN_SENT;
		*status = 0;
	}
	return (0);
}

/* Window scaling as pf saw it negotiated; the windows are re-learnt. */
static void
tcp_import_flags(const struct pfsync_peer *src, const struct pfsync_peer *dst,
    struct ct_state *ct)
{
	const struct pfsync_peer	*p[2] = { src, dst };
	int				 dir;

	for (dir = CT_DIR_ORIG; dir <= CT_DIR_REPLY; dir++) {
		ct->tcp_flags[dir] &= ~CT_TCPF_WINDOW_SCALE;
		ct->tcp_wscale[dir] = 0;
		if (p[dir]->wscale & PF_WSCALE_FLAG) {
			ct->tcp_flags[dir] |= CT_TCPF_WINDOW_SCALE;
			ct->tcp_wscale[dir] = p[dir]->wscale & PF_WSCALE_MASK;
		}
	}
}

static uint32_t
other_import(const struct pfsync_peer *src, const struct pfsync_peer *dst)
{
	uint32_t	 status = 0;

	if (src->state >= PFUDPS_SINGLE && dst->state >= PFUDPS_SINGLE)
		status |= CT_S_SEEN_REPLY;
	if (src->state >= PFUDPS_MULTIPLE && dst->state >= PFUDPS_MULTIPLE)
		status |= CT_S_ASSURED;
	return (status);
}

/* pf rewrites TCP timestamps of this side: conntrack cannot follow. */
static int
scrub_ts_mod(const struct pfsync_peer *p)
{
	return ((p->scrub_flag & PFSYNC_SCRUB_VALID) &&
	    (p->scrub_flags & PFSS_TIMESTAMP) && p->scrub_ts_mod != 0);
}

static int
same_src(const struct ct_tuple *a, const struct ct_tuple *b)
{
	return (a->sport == b->sport &&
	    memcmp(a->src, b->src, sizeof(a->src)) == 0);
}

static int
same_dst(const struct ct_tuple *a, const struct ct_tuple *b)
{
	return (a->dport == b->dport &&
	    memcmp(a->dst, b->dst, sizeof(a->dst)) == 0);
}

/*
 * NAT as conntrack shows it: the reply goes to a translated source, or
 * comes from a translated destination.
 */
static uint32_t
nat_status(const struct ct_tuple *orig, const struct ct_tuple *reply)
{
	struct ct_tuple	 inv;
	uint32_t	 status = 0;

	ct_tuple_invert(reply, &inv);
	if (!same_src(&inv, orig))
		status |= CT_S_SRC_NAT | CT_S_SRC_NAT_DONE;
	if (!same_dst(&inv, orig))
		status |= CT_S_DST_NAT | CT_S_DST_NAT_DONE;
	return (status);
}

int
pfsync_to_ct(const struct pfsync_state *st, uint16_t zone,
    struct ct_state *ct, const char **why)
{
	const struct pfsync_key	*pre, *post;
	uint8_t			 af, waf, saf, state = 0;
	uint32_t		 status;
	int			 sidx, didx, closer = CLOSER_NONE;

	memset(ct, 0, sizeof(*ct));
	if (why != NULL)
		*why = NULL;
	if ((af = af_from_wire(st->af)) == 0)
		return (fail(why, "unknown address family"));
	waf = st->key[PFSYNC_KEY_WIRE].af != 0 ?
	    st->key[PFSYNC_KEY_WIRE].af : st->af;
	saf = st->key[PFSYNC_KEY_STACK].af != 0 ?
	    st->key[PFSYNC_KEY_STACK].af : st->af;
	if (waf != st->af || saf != st->af)
		return (fail(why, "af-to"));
	/* one conntrack entry lives in one zone */
	if (st->key[PFSYNC_KEY_WIRE].rdomain !=
	    st->key[PFSYNC_KEY_STACK].rdomain)
		return (fail(why, "keys in different rdomains"));
	switch (st->direction) {
	case PF_IN:
		sidx = 0;
		pre = &st->key[PFSYNC_KEY_WIRE];
		post = &st->key[PFSYNC_KEY_STACK];
		break;
	case PF_OUT:
		sidx = 1;
		pre = &st->key[PFSYNC_KEY_STACK];
		post = &st->key[PFSYNC_KEY_WIRE];
		break;
	default:
		return (fail(why, "unknown direction"));
	}
	didx = 1 - sidx;
	if (is_icmp(st->proto))
		return (fail(why, "icmp packing unverified"));

	if (st->proto == IPPROTO_TCP) {
		if (tcp_import(&st->src, &st->dst, &state, &status,
		    &closer) == -1)
			return (fail(why, "synproxy"));
		if (st->src.seqdiff != 0 || st->dst.seqdiff != 0)
			return (fail(why, "modulated sequence numbers"));
		if (scrub_ts_mod(&st->src) || scrub_ts_mod(&st->dst))
			return (fail(why, "timestamp modulation"));
	} else
		status = other_import(&st->src, &st->dst);
	if (st->expire == 0)
		return (fail(why, "expired"));

	ct->orig.af = ct->reply.af = af;
	ct->orig.proto = ct->reply.proto = st->proto;
	key_get(pre, sidx, af, ct->orig.src, &ct->orig.sport);
	key_get(pre, didx, af, ct->orig.dst, &ct->orig.dport);
	key_get(post, didx, af, ct->reply.src, &ct->reply.sport);
	key_get(post, sidx, af, ct->reply.dst, &ct->reply.dport);
	ct->zone = zone;
	ct->status = status | nat_status(&ct->orig, &ct->reply);
	ct->timeout = st->expire;
	ct->age = st->creation;
	if (st->proto == IPPROTO_TCP) {
		ct->tcp_state = state;
		/* Linux cannot take pf's windows: the kernel re-learns them */
		ct->tcp_flags[CT_DIR_ORIG] = CT_TCPF_BE_LIBERAL;
		ct->tcp_flags[CT_DIR_REPLY] = CT_TCPF_BE_LIBERAL;
		if (closer != CLOSER_NONE)
			ct->tcp_flags[closer] |= CT_TCPF_CLOSE_INIT;
		tcp_import_flags(&st->src, &st->dst, ct);
	}
	return (0);
}

void
pfsync_upd_c_to_ct(const struct pfsync_upd_c *u, struct ct_state *ct)
{
	uint8_t		 state;
	uint32_t	 status;
	int		 closer;

	if (ct->orig.proto != IPPROTO_TCP) {
		/* conntrack cannot unsee a reply: bits are only added */
		ct->status |= other_import(&u->src, &u->dst);
		return;
	}
	if (tcp_import(&u->src, &u->dst, &state, &status, &closer) == -1)
		return;
	ct->tcp_state = state;
	ct->status |= status;
	if (closer != CLOSER_NONE) {
		ct->tcp_flags[CT_DIR_ORIG] &= ~CT_TCPF_CLOSE_INIT;
		ct->tcp_flags[CT_DIR_REPLY] &= ~CT_TCPF_CLOSE_INIT;
		ct->tcp_flags[closer] |= CT_TCPF_CLOSE_INIT;
	}
	tcp_import_flags(&u->src, &u->dst, ct);
}

uint8_t
pfsync_timeout_index(uint8_t proto, const struct pfsync_peer *src,
    const struct pfsync_peer *dst)
{
	uint8_t	 s = src->state, d = dst->state;

	switch (proto) {
	case IPPROTO_TCP:
		if (s >= PF_TCPS_FIN_WAIT_2 && d >= PF_TCPS_FIN_WAIT_2)
			return (PFTM_TCP_CLOSED);
		if (s >= PF_TCPS_CLOSING && d >= PF_TCPS_CLOSING)
			return (PFTM_TCP_FIN_WAIT);
		if (s < PF_TCPS_ESTABLISHED || d < PF_TCPS_ESTABLISHED)
			return (PFTM_TCP_OPENING);
		if (s >= PF_TCPS_CLOSING || d >= PF_TCPS_CLOSING)
			return (PFTM_TCP_CLOSING);
		return (PFTM_TCP_ESTABLISHED);
	case IPPROTO_UDP:
		if (s >= PFUDPS_MULTIPLE && d >= PFUDPS_MULTIPLE)
			return (PFTM_UDP_MULTIPLE);
		if (d >= PFUDPS_SINGLE)
			return (PFTM_UDP_SINGLE);
		return (PFTM_UDP_FIRST_PACKET);
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		if (d >= PFUDPS_SINGLE)
			return (PFTM_ICMP_ERROR_REPLY);
		return (PFTM_ICMP_FIRST_PACKET);
	default:
		if (s >= PFUDPS_MULTIPLE && d >= PFUDPS_MULTIPLE)
			return (PFTM_OTHER_MULTIPLE);
		if (d >= PFUDPS_SINGLE)
			return (PFTM_OTHER_SINGLE);
		return (PFTM_OTHER_FIRST_PACKET);
	}
}

/*
 * One TCP side: ours is ahead when its state is further on, except that
 * a synproxy state may give way to any real one, or when the states are
 * equal and our seqlo is later in sequence space.
 */
static int
tcp_side_stale(const struct pfsync_peer *ours, const struct pfsync_peer *in)
{
	if (ours->state > in->state &&
	    (ours->state < PF_TCPS_PROXY_SRC || in->state >= PF_TCPS_PROXY_SRC))
		return (1);
	if (ours->state == in->state && (int32_t)(ours->seqlo - in->seqlo) > 0)
		return (1);
	return (0);
}

int
pfsync_stale(uint8_t proto, const struct pfsync_peer *ours_src,
    const struct pfsync_peer *ours_dst, const struct pfsync_peer *in_src,
    const struct pfsync_peer *in_dst)
{
	if (proto == IPPROTO_TCP)
		return (tcp_side_stale(ours_src, in_src) +
		    tcp_side_stale(ours_dst, in_dst));
	return ((ours_src->state > in_src->state) +
	    (ours_dst->state > in_dst->state));
}

/*
 * Besides two states with the same ORIG (the egress half translating
 * the source, the ingress half nothing), folds a chain: when one half's
 * translated view is the other's ORIG (rdr on the way in, nat-to on the
 * way out), the entry runs from the first half's ORIG to the second's
 * REPLY.  If b is the first half, a's ORIG becomes b's: the caller
 * notices by comparing, and must replace the kernel entry.
 */
int
pfsync_ct_fold(struct ct_state *a, const struct ct_state *b)
{
	struct ct_tuple	 orig, reply, ainv, binv;
	int		 w;

	if (a->zone != b->zone)
		return (-1);
	ct_tuple_invert(&a->reply, &ainv);
	ct_tuple_invert(&b->reply, &binv);
	if (ct_tuple_cmp(&a->orig, &b->orig) == 0) {
		/* each translation from whichever state makes it */
		orig = a->orig;
		reply = a->reply;
		if (same_dst(&ainv, &a->orig)) {
			memcpy(reply.src, b->reply.src, sizeof(reply.src));
			reply.sport = b->reply.sport;
		}
		if (same_src(&ainv, &a->orig)) {
			memcpy(reply.dst, b->reply.dst, sizeof(reply.dst));
			reply.dport = b->reply.dport;
		}
	} else if (ct_tuple_cmp(&ainv, &b->orig) == 0) {
		orig = a->orig;
		reply = b->reply;
	} else if (ct_tuple_cmp(&binv, &a->orig) == 0) {
		orig = b->orig;
		reply = a->reply;
	} else
		return (-1);

	a->orig = orig;
	a->reply = reply;
	a->status = (a->status & ~CT_S_NAT_MASK) |
	    (b->status & (CT_S_SEEN_REPLY | CT_S_ASSURED)) |
	    nat_status(&a->orig, &a->reply);
	if (b->timeout > a->timeout)
		a->timeout = b->timeout;
	if (b->age > a->age)
		a->age = b->age;
	for (w = CT_DIR_ORIG; w <= CT_DIR_REPLY; w++) {
		if (!(a->tcp_flags[w] & CT_TCPF_WINDOW_SCALE) &&
		    (b->tcp_flags[w] & CT_TCPF_WINDOW_SCALE)) {
			a->tcp_flags[w] |= CT_TCPF_WINDOW_SCALE;
			a->tcp_wscale[w] = b->tcp_wscale[w];
		}
	}
	return (0);
}
