/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * pfsync version 6 on the wire (specs/pfsync.md sections 2-4): the
 * bounded walk over a packet, the message decoders and encoders, the
 * import checks of 4.5 and the printer behind pfsyncctl decode.  Written
 * by hand: pfsync's layouts are OpenBSD's own and no library carries
 * them.  Every integer is big-endian on the wire; addresses and ports are
 * raw bytes.  Nothing here does I/O except pfsync_print's FILE.
 */

#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "pfsync_wire.h"

#define NITEMS(a)	(sizeof(a) / sizeof((a)[0]))

/* The scrub part opening each peer, and the pad bytes of each record. */
#define PEER_SCRUBLEN	8
#define PEER_PADLEN	6
#define KEY_PADLEN	1
#define UPDC_PADLEN	2
#define BUS_PADLEN	3
#define IFNAMELEN	16

_Static_assert(PEER_SCRUBLEN + 4 * 3 + 2 * 2 + 2 + PEER_PADLEN ==
    PFSYNC_PEERLEN, "peer length");
_Static_assert(16 * 2 + 2 * 2 + 2 + 1 + KEY_PADLEN == PFSYNC_KEYLEN,
    "key length");
_Static_assert(8 + IFNAMELEN + 2 * PFSYNC_KEYLEN + 2 * PFSYNC_PEERLEN + 16 +
    4 * 5 + 16 * 2 + 4 + 4 * 2 + 2 + 10 + 2 + 2 == PFSYNC_STATELEN,
    "state length");
_Static_assert(8 + 2 * PFSYNC_PEERLEN + 4 + 4 + 1 + 1 + UPDC_PADLEN ==
    PFSYNC_UPDCLEN, "upd_c length");
_Static_assert(8 + 4 == PFSYNC_REFLEN, "ref length");
_Static_assert(IFNAMELEN + 4 == PFSYNC_CLRLEN, "clr length");
_Static_assert(4 + 4 + 1 + BUS_PADLEN == PFSYNC_BUSLEN, "bus length");
_Static_assert(sizeof(((struct pfsync_state *)0)->ifname) == IFNAMELEN,
    "state ifname");
_Static_assert(sizeof(((struct pfsync_clr *)0)->ifname) == IFNAMELEN,
    "clr ifname");

/* What the walk tells pfsync_print besides the messages themselves. */
enum walk_note {
	NOTE_HDROPS,		/* n = packet length */
	NOTE_BADVER,		/* n = version */
	NOTE_BADLEN_HDR,	/* n = header len, m = packet length */
	NOTE_TRIMMED,		/* n = bytes past the header's len */
	NOTE_SKIPPED,		/* a deprecated or unknown action's section */
	NOTE_BADACT,		/* such a section without len or count */
	NOTE_SHORTMSG,		/* len*4 below the structure's size */
	NOTE_OVERFLOW,		/* len*4*count past the end */
	NOTE_TAIL		/* n = bytes after the last section */
};

struct walk_sect {
	uint8_t		 ws_action;
	uint8_t		 ws_words;
	uint16_t	 ws_count;
};

struct walk {
	struct pfsync_stats		*wk_stats;
	const struct pfsync_handler	*wk_h;
	void				*wk_arg;
	/* pfsync_print's hook, NULL for pfsync_parse */
	void	(*wk_note)(void *, enum walk_note, const struct walk_sect *,
		    size_t, size_t);
};

static void	 get_peer(struct buf *, struct pfsync_peer *);
static void	 get_key(struct buf *, struct pfsync_key *);
static void	 get_ifname(struct buf *, char *);
static int	 get_state(struct buf *, struct pfsync_state *);
static int	 get_upd_c(struct buf *, struct pfsync_upd_c *);
static int	 get_ref(struct buf *, struct pfsync_ref *);
static int	 get_clr(struct buf *, struct pfsync_clr *);
static int	 get_bus(struct buf *, struct pfsync_bus *);
static void	 put_peer(struct wbuf *, const struct pfsync_peer *);
static void	 put_key(struct wbuf *, const struct pfsync_key *);
static void	 put_ifname(struct wbuf *, const char *);
static void	 put_zero(struct wbuf *, size_t);
static size_t	 act_size(uint8_t);
static int	 deliver(struct walk *, uint8_t, struct buf *);
static void	 note(struct walk *, enum walk_note,
		    const struct walk_sect *, size_t, size_t);
static int	 walk(struct walk *, const uint8_t *, size_t);

/*
 * Size of the structure each action carries, 0 for the actions pfsyncd
 * does not read (deprecated, never implemented, OTDB): the walk skips
 * those by len*4*count.
 */
static const size_t	 act_sizes[PFSYNC_ACT_MAX] = {
	[PFSYNC_ACT_CLR] =	PFSYNC_CLRLEN,
	[PFSYNC_ACT_INS_ACK] =	PFSYNC_REFLEN,
	[PFSYNC_ACT_UPD_C] =	PFSYNC_UPDCLEN,
	[PFSYNC_ACT_UPD_REQ] =	PFSYNC_REFLEN,
	[PFSYNC_ACT_DEL] =	PFSYNC_STATELEN,
	[PFSYNC_ACT_DEL_C] =	PFSYNC_REFLEN,
	[PFSYNC_ACT_BUS] =	PFSYNC_BUSLEN,
	[PFSYNC_ACT_INS] =	PFSYNC_STATELEN,
	[PFSYNC_ACT_UPD] =	PFSYNC_STATELEN,
	[PFSYNC_ACT_TDB] =	PFSYNC_TDBLEN,
};

static const char *const act_names[PFSYNC_ACT_MAX] = {
	"CLR", "OINS", "INS_ACK", "OUPD", "UPD_C", "UPD_REQ", "DEL", "DEL_C",
	"INS_F", "DEL_F", "BUS", "OTDB", "EOF", "INS", "UPD", "TDB"
};

static size_t
act_size(uint8_t action)
{
	if (action >= PFSYNC_ACT_MAX)
		return (0);
	return (act_sizes[action]);
}

const char *
pfsync_action_name(uint8_t action)
{
	if (action >= PFSYNC_ACT_MAX)
		return ("unknown");
	return (act_names[action]);
}

size_t
pfsync_msg_len(uint8_t action)
{
	/* DEL is no longer sent and TDB is sasyncd's business. */
	if (action == PFSYNC_ACT_DEL || action == PFSYNC_ACT_TDB)
		return (0);
	return (act_size(action));
}

/*
 * Decoders.  Each is handed a cursor holding exactly one message of at
 * least the structure's size (the walk checked len*4), so only the first
 * getter can fail; the bytes past the structure are a newer sender's
 * extension and stay unread.
 */

static void
get_peer(struct buf *b, struct pfsync_peer *p)
{
	(void)buf_get_u16(b, &p->scrub_flags);
	(void)buf_get_u8(b, &p->scrub_ttl);
	(void)buf_get_u8(b, &p->scrub_flag);
	(void)buf_get_u32(b, &p->scrub_ts_mod);
	(void)buf_get_u32(b, &p->seqlo);
	(void)buf_get_u32(b, &p->seqhi);
	(void)buf_get_u32(b, &p->seqdiff);
	(void)buf_get_u16(b, &p->max_win);
	(void)buf_get_u16(b, &p->mss);
	(void)buf_get_u8(b, &p->state);
	(void)buf_get_u8(b, &p->wscale);
	(void)buf_skip(b, PEER_PADLEN);
}

static void
get_key(struct buf *b, struct pfsync_key *k)
{
	(void)buf_get_bytes(b, k->addr, sizeof(k->addr));
	/* Ports stay in network order, as pf keeps them. */
	(void)buf_get_bytes(b, &k->port[0], sizeof(k->port[0]));
	(void)buf_get_bytes(b, &k->port[1], sizeof(k->port[1]));
	(void)buf_get_u16(b, &k->rdomain);
	(void)buf_get_u8(b, &k->af);
	(void)buf_skip(b, KEY_PADLEN);
}

/* A sender may fill all 16 bytes: the last one is sacrificed to the NUL. */
static void
get_ifname(struct buf *b, char *ifname)
{
	(void)buf_get_bytes(b, ifname, IFNAMELEN);
	ifname[IFNAMELEN - 1] = '\0';
}

static int
get_state(struct buf *b, struct pfsync_state *s)
{
	uint32_t	 v;
	int		 i;

	memset(s, 0, sizeof(*s));
	if (buf_left(b) < PFSYNC_STATELEN)
		return (-1);
	(void)buf_get_u64(b, &s->id);
	get_ifname(b, s->ifname);
	get_key(b, &s->key[PFSYNC_KEY_WIRE]);
	get_key(b, &s->key[PFSYNC_KEY_STACK]);
	get_peer(b, &s->src);
	get_peer(b, &s->dst);
	(void)buf_get_bytes(b, s->rt_addr, sizeof(s->rt_addr));
	(void)buf_get_u32(b, &s->rule);
	(void)buf_get_u32(b, &s->anchor);
	(void)buf_get_u32(b, &s->nat_rule);
	(void)buf_get_u32(b, &s->creation);
	(void)buf_get_u32(b, &s->expire);
	/* pf's [hi, lo] pairs of 32-bit words read as one 64-bit integer. */
	(void)buf_get_u64(b, &s->packets[0]);
	(void)buf_get_u64(b, &s->packets[1]);
	(void)buf_get_u64(b, &s->bytes[0]);
	(void)buf_get_u64(b, &s->bytes[1]);
	(void)buf_get_u32(b, &s->creatorid);
	for (i = 0; i < 2; i++) {
		(void)buf_get_u32(b, &v);
		s->rtableid[i] = (int32_t)v;
	}
	(void)buf_get_u16(b, &s->max_mss);
	(void)buf_get_u8(b, &s->af);
	(void)buf_get_u8(b, &s->proto);
	(void)buf_get_u8(b, &s->direction);
	(void)buf_get_u8(b, &s->log);
	(void)buf_get_u8(b, &s->rt);
	(void)buf_get_u8(b, &s->timeout);
	(void)buf_get_u8(b, &s->sync_flags);
	(void)buf_get_u8(b, &s->updates);
	(void)buf_get_u8(b, &s->min_ttl);
	(void)buf_get_u8(b, &s->set_tos);
	(void)buf_get_u16(b, &s->state_flags);
	(void)buf_get_bytes(b, s->set_prio, sizeof(s->set_prio));
	return (0);
}

static int
get_upd_c(struct buf *b, struct pfsync_upd_c *u)
{
	memset(u, 0, sizeof(*u));
	if (buf_left(b) < PFSYNC_UPDCLEN)
		return (-1);
	(void)buf_get_u64(b, &u->id);
	get_peer(b, &u->src);
	get_peer(b, &u->dst);
	(void)buf_get_u32(b, &u->creatorid);
	(void)buf_get_u32(b, &u->expire);
	(void)buf_get_u8(b, &u->timeout);
	(void)buf_get_u8(b, &u->state_flags);
	(void)buf_skip(b, UPDC_PADLEN);
	return (0);
}

static int
get_ref(struct buf *b, struct pfsync_ref *r)
{
	memset(r, 0, sizeof(*r));
	if (buf_left(b) < PFSYNC_REFLEN)
		return (-1);
	(void)buf_get_u64(b, &r->id);
	(void)buf_get_u32(b, &r->creatorid);
	return (0);
}

static int
get_clr(struct buf *b, struct pfsync_clr *c)
{
	memset(c, 0, sizeof(*c));
	if (buf_left(b) < PFSYNC_CLRLEN)
		return (-1);
	get_ifname(b, c->ifname);
	(void)buf_get_u32(b, &c->creatorid);
	return (0);
}

static int
get_bus(struct buf *b, struct pfsync_bus *bus)
{
	memset(bus, 0, sizeof(*bus));
	if (buf_left(b) < PFSYNC_BUSLEN)
		return (-1);
	(void)buf_get_u32(b, &bus->creatorid);
	(void)buf_get_u32(b, &bus->endtime);
	(void)buf_get_u8(b, &bus->status);
	(void)buf_skip(b, BUS_PADLEN);
	return (0);
}

/*
 * Hands one message to its callback.  Returns the callback's answer (0
 * when there is none), -1 to stop the walk.
 */
static int
deliver(struct walk *wk, uint8_t action, struct buf *m)
{
	const struct pfsync_handler	*h = wk->wk_h;
	struct pfsync_state		 st;
	struct pfsync_upd_c		 uc;
	struct pfsync_ref		 ref;
	struct pfsync_clr		 clr;
	struct pfsync_bus		 bus;

	switch (action) {
	case PFSYNC_ACT_CLR:
		if (get_clr(m, &clr) == -1)
			return (-1);
		return (h->ph_clr ? h->ph_clr(&clr, wk->wk_arg) : 0);
	case PFSYNC_ACT_INS_ACK:
	case PFSYNC_ACT_UPD_REQ:
	case PFSYNC_ACT_DEL_C:
		if (get_ref(m, &ref) == -1)
			return (-1);
		return (h->ph_ref ? h->ph_ref(action, &ref, wk->wk_arg) : 0);
	case PFSYNC_ACT_UPD_C:
		if (get_upd_c(m, &uc) == -1)
			return (-1);
		return (h->ph_upd_c ? h->ph_upd_c(&uc, wk->wk_arg) : 0);
	case PFSYNC_ACT_DEL:
	case PFSYNC_ACT_INS:
	case PFSYNC_ACT_UPD:
		if (get_state(m, &st) == -1)
			return (-1);
		return (h->ph_state ? h->ph_state(action, &st, wk->wk_arg) :
		    0);
	case PFSYNC_ACT_BUS:
		if (get_bus(m, &bus) == -1)
			return (-1);
		return (h->ph_bus ? h->ph_bus(&bus, wk->wk_arg) : 0);
	case PFSYNC_ACT_TDB:
		/* IPsec SA counters are sasyncd's job: counted only. */
		wk->wk_stats->tdb++;
		return (h->ph_tdb ? h->ph_tdb(action, wk->wk_arg) : 0);
	default:
		/* act_sizes[] and this switch disagree. */
		return (-1);
	}
}

static void
note(struct walk *wk, enum walk_note what, const struct walk_sect *ws,
    size_t n, size_t m)
{
	if (wk->wk_note != NULL)
		wk->wk_note(wk->wk_arg, what, ws, n, m);
}

/*
 * The walk of section 2, shared by pfsync_parse and pfsync_print.  A
 * section is checked as a whole before any of its messages is handed
 * on, so one that overflows the packet delivers nothing.  Returns the
 * number of messages delivered (a callback that stops the walk has been
 * delivered its message), or -1 when the header is refused.
 */
static int
walk(struct walk *wk, const uint8_t *pkt, size_t pktlen)
{
	struct pfsync_stats	*st = wk->wk_stats;
	struct walk_sect	 ws;
	struct buf		 b, sec, m;
	size_t			 mlen, size;
	uint16_t		 len;
	uint8_t			 version;
	int			 n = 0;
	unsigned int		 i;

	buf_init(&b, pkt, pktlen);
	if (pktlen < PFSYNC_HDRLEN) {
		st->hdrops++;
		note(wk, NOTE_HDROPS, NULL, pktlen, 0);
		return (-1);
	}
	(void)buf_get_u8(&b, &version);
	(void)buf_skip(&b, 1);
	(void)buf_get_u16(&b, &len);
	if (version != PFSYNC_VERSION) {
		st->badver++;
		note(wk, NOTE_BADVER, NULL, version, 0);
		return (-1);
	}
	if (len > pktlen || len < PFSYNC_HDRLEN) {
		st->badlen++;
		note(wk, NOTE_BADLEN_HDR, NULL, len, pktlen);
		return (-1);
	}
	if (pktlen > len)
		note(wk, NOTE_TRIMMED, NULL, pktlen - len, 0);
	/* From here on the packet ends where the header says. */
	buf_init(&b, pkt + PFSYNC_HDRLEN, len - PFSYNC_HDRLEN);

	while (buf_left(&b) >= PFSYNC_SUBHDRLEN) {
		(void)buf_get_u8(&b, &ws.ws_action);
		(void)buf_get_u8(&b, &ws.ws_words);
		(void)buf_get_u16(&b, &ws.ws_count);
		mlen = (size_t)ws.ws_words * 4;
		size = act_size(ws.ws_action);

		if (size == 0) {
			/* Only len and count tell how far to skip. */
			if (mlen == 0 || ws.ws_count == 0) {
				st->badact++;
				note(wk, NOTE_BADACT, &ws, 0, 0);
				return (n);
			}
			if (buf_skip(&b, mlen * ws.ws_count) == -1) {
				st->badlen++;
				note(wk, NOTE_OVERFLOW, &ws, buf_left(&b), 0);
				return (n);
			}
			st->skipped++;
			if (ws.ws_action == PFSYNC_ACT_OTDB)
				st->tdb += ws.ws_count;
			note(wk, NOTE_SKIPPED, &ws, 0, 0);
			continue;
		}
		if (mlen < size) {
			st->badlen++;
			note(wk, NOTE_SHORTMSG, &ws, size, 0);
			return (n);
		}
		if (buf_sub(&b, mlen * ws.ws_count, &sec) == -1) {
			st->badlen++;
			note(wk, NOTE_OVERFLOW, &ws, buf_left(&b), 0);
			return (n);
		}
		for (i = 0; i < ws.ws_count; i++) {
			(void)buf_sub(&sec, mlen, &m);
			n++;
			if (deliver(wk, ws.ws_action, &m) == -1)
				return (n);
		}
	}
	/* Less than a subheader left: OpenBSD ignores it too. */
	if (buf_left(&b) > 0 && buf_left(&b) < PFSYNC_SUBHDRLEN)
		note(wk, NOTE_TAIL, NULL, buf_left(&b), 0);
	return (n);
}

int
pfsync_parse(const uint8_t *pkt, size_t len, struct pfsync_stats *stats,
    const struct pfsync_handler *h, void *arg)
{
	struct walk	 wk;

	memset(&wk, 0, sizeof(wk));
	wk.wk_stats = stats;
	wk.wk_h = h;
	wk.wk_arg = arg;
	return (walk(&wk, pkt, len));
}

int
pfsync_state_check(const struct pfsync_state *s, const char **reason,
    const char **why)
{
	const char	*r = "badval", *w = NULL;
	int		 i;

	if (s->timeout >= PFTM_MAX)
		w = "timeout index out of range";
	else if (s->src.state > PF_TCPS_PROXY_DST)
		w = "source peer state out of range";
	else if (s->dst.state > PF_TCPS_PROXY_DST)
		w = "destination peer state out of range";
	else if (s->direction > PF_OUT)
		w = "direction out of range";
	else if (s->af != PFSYNC_AF_INET && s->af != PFSYNC_AF_INET6)
		w = "address family neither inet nor inet6";
	if (w == NULL) {
		/* What pf's own import refuses: a bad key or no creator. */
		r = "badstate";
		for (i = 0; i < 2 && w == NULL; i++) {
			if (s->key[i].af != 0 &&
			    s->key[i].af != PFSYNC_AF_INET &&
			    s->key[i].af != PFSYNC_AF_INET6)
				w = i == PFSYNC_KEY_WIRE ?
				    "wire key address family unknown" :
				    "stack key address family unknown";
		}
		if (w == NULL && s->creatorid == 0)
			w = "creator id 0";
	}
	if (w == NULL)
		return (0);
	if (reason != NULL)
		*reason = r;
	if (why != NULL)
		*why = w;
	return (-1);
}

/* Encoders */

static void
put_zero(struct wbuf *w, size_t n)
{
	static const uint8_t	 zero[IFNAMELEN];
	size_t			 k;

	while (n > 0) {
		k = n < sizeof(zero) ? n : sizeof(zero);
		wbuf_put_bytes(w, zero, k);
		n -= k;
	}
}

static void
put_ifname(struct wbuf *w, const char *ifname)
{
	size_t	 len;

	len = strnlen(ifname, IFNAMELEN);
	wbuf_put_bytes(w, ifname, len);
	put_zero(w, IFNAMELEN - len);
}

static void
put_peer(struct wbuf *w, const struct pfsync_peer *p)
{
	wbuf_put_u16(w, p->scrub_flags);
	wbuf_put_u8(w, p->scrub_ttl);
	wbuf_put_u8(w, p->scrub_flag);
	wbuf_put_u32(w, p->scrub_ts_mod);
	wbuf_put_u32(w, p->seqlo);
	wbuf_put_u32(w, p->seqhi);
	wbuf_put_u32(w, p->seqdiff);
	wbuf_put_u16(w, p->max_win);
	wbuf_put_u16(w, p->mss);
	wbuf_put_u8(w, p->state);
	wbuf_put_u8(w, p->wscale);
	put_zero(w, PEER_PADLEN);
}

static void
put_key(struct wbuf *w, const struct pfsync_key *k)
{
	wbuf_put_bytes(w, k->addr, sizeof(k->addr));
	wbuf_put_bytes(w, &k->port[0], sizeof(k->port[0]));
	wbuf_put_bytes(w, &k->port[1], sizeof(k->port[1]));
	wbuf_put_u16(w, k->rdomain);
	wbuf_put_u8(w, k->af);
	put_zero(w, KEY_PADLEN);
}

void
pfsync_put_header(struct wbuf *w, uint16_t len)
{
	wbuf_put_u8(w, PFSYNC_VERSION);
	wbuf_put_u8(w, 0);
	wbuf_put_u16(w, len);
	put_zero(w, PFSYNC_HDRLEN - 4);	/* the old ruleset checksum */
}

void
pfsync_put_subheader(struct wbuf *w, uint8_t action, uint16_t count)
{
	wbuf_put_u8(w, action);
	wbuf_put_u8(w, (uint8_t)(act_size(action) / 4));
	wbuf_put_u16(w, count);
}

void
pfsync_put_state(struct wbuf *w, const struct pfsync_state *s)
{
	int	 i;

	wbuf_put_u64(w, s->id);
	put_ifname(w, s->ifname);
	put_key(w, &s->key[PFSYNC_KEY_WIRE]);
	put_key(w, &s->key[PFSYNC_KEY_STACK]);
	put_peer(w, &s->src);
	put_peer(w, &s->dst);
	wbuf_put_bytes(w, s->rt_addr, sizeof(s->rt_addr));
	wbuf_put_u32(w, s->rule);
	wbuf_put_u32(w, s->anchor);
	wbuf_put_u32(w, s->nat_rule);
	wbuf_put_u32(w, s->creation);
	wbuf_put_u32(w, s->expire);
	/* [hi, lo] big-endian is the 64-bit big-endian integer. */
	wbuf_put_u64(w, s->packets[0]);
	wbuf_put_u64(w, s->packets[1]);
	wbuf_put_u64(w, s->bytes[0]);
	wbuf_put_u64(w, s->bytes[1]);
	wbuf_put_u32(w, s->creatorid);
	for (i = 0; i < 2; i++)
		wbuf_put_u32(w, (uint32_t)s->rtableid[i]);
	wbuf_put_u16(w, s->max_mss);
	wbuf_put_u8(w, s->af);
	wbuf_put_u8(w, s->proto);
	wbuf_put_u8(w, s->direction);
	wbuf_put_u8(w, s->log);
	wbuf_put_u8(w, s->rt);
	wbuf_put_u8(w, s->timeout);
	wbuf_put_u8(w, s->sync_flags);
	wbuf_put_u8(w, s->updates);
	wbuf_put_u8(w, s->min_ttl);
	wbuf_put_u8(w, s->set_tos);
	wbuf_put_u16(w, s->state_flags);
	wbuf_put_bytes(w, s->set_prio, sizeof(s->set_prio));
}

void
pfsync_put_upd_c(struct wbuf *w, const struct pfsync_upd_c *u)
{
	wbuf_put_u64(w, u->id);
	put_peer(w, &u->src);
	put_peer(w, &u->dst);
	wbuf_put_u32(w, u->creatorid);
	wbuf_put_u32(w, u->expire);
	wbuf_put_u8(w, u->timeout);
	wbuf_put_u8(w, u->state_flags);
	put_zero(w, UPDC_PADLEN);
}

void
pfsync_put_ref(struct wbuf *w, const struct pfsync_ref *r)
{
	wbuf_put_u64(w, r->id);
	wbuf_put_u32(w, r->creatorid);
}

void
pfsync_put_clr(struct wbuf *w, const struct pfsync_clr *c)
{
	put_ifname(w, c->ifname);
	wbuf_put_u32(w, c->creatorid);
}

void
pfsync_put_bus(struct wbuf *w, const struct pfsync_bus *b)
{
	wbuf_put_u32(w, b->creatorid);
	wbuf_put_u32(w, b->endtime);
	wbuf_put_u8(w, b->status);
	put_zero(w, BUS_PADLEN);
}

void
pfsync_set_len(uint8_t *pkt, uint16_t len)
{
	pkt[2] = (uint8_t)(len >> 8);
	pkt[3] = (uint8_t)len;
}

/*
 * OpenBSD sends expire 0 in an UPD_C and receivers ignore it; only the
 * low byte of the state flags has room.
 */
void
pfsync_state_to_upd_c(const struct pfsync_state *s, struct pfsync_upd_c *u)
{
	memset(u, 0, sizeof(*u));
	u->id = s->id;
	u->src = s->src;
	u->dst = s->dst;
	u->creatorid = s->creatorid;
	u->expire = 0;
	u->timeout = s->timeout;
	u->state_flags = (uint8_t)s->state_flags;
}

/*
 * The printer: one line per message, and a line for each thing the walk
 * skipped or refused, so a hostile packet reads as plainly as a good one.
 */

struct print_ctx {
	FILE		*pc_f;
};

static void	 pr(FILE *, const char *, ...)
		    __attribute__((__format__(__printf__, 2, 3)));
static const char *act_str(uint8_t, char *, size_t);
static const char *proto_str(uint8_t, char *, size_t);
static const char *peer_str(uint8_t, uint8_t, char *, size_t);
static void	 print_ifname(FILE *, const char *);
static void	 print_endpoint(FILE *, uint8_t, const uint8_t *, uint16_t);
static void	 print_key(FILE *, const char *, const struct pfsync_key *,
		    uint8_t, uint8_t);
static int	 print_state(uint8_t, const struct pfsync_state *, void *);
static int	 print_upd_c(const struct pfsync_upd_c *, void *);
static int	 print_ref(uint8_t, const struct pfsync_ref *, void *);
static int	 print_clr(const struct pfsync_clr *, void *);
static int	 print_bus(const struct pfsync_bus *, void *);
static int	 print_tdb(uint8_t, void *);
static void	 print_note(void *, enum walk_note, const struct walk_sect *,
		    size_t, size_t);

static const char *const tcps_names[] = {
	"CLOSED", "LISTEN", "SYN_SENT", "SYN_RECEIVED", "ESTABLISHED",
	"CLOSE_WAIT", "FIN_WAIT_1", "CLOSING", "LAST_ACK", "FIN_WAIT_2",
	"TIME_WAIT", "PROXY_SRC", "PROXY_DST"
};
static const char *const udps_names[] = {
	"NO_TRAFFIC", "SINGLE", "MULTIPLE"
};

/* Output errors show on the FILE; a decoder has nothing better to do. */
static void
pr(FILE *f, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	(void)vfprintf(f, fmt, ap);
	va_end(ap);
}

static const char *
act_str(uint8_t action, char *s, size_t len)
{
	if (action < PFSYNC_ACT_MAX)
		return (act_names[action]);
	(void)snprintf(s, len, "action %u", action);
	return (s);
}

static const char *
proto_str(uint8_t proto, char *s, size_t len)
{
	switch (proto) {
	case IPPROTO_ICMP:
		return ("icmp");
	case IPPROTO_TCP:
		return ("tcp");
	case IPPROTO_UDP:
		return ("udp");
	case IPPROTO_ICMPV6:
		return ("icmp6");
	case IPPROTO_SCTP:
		return ("sctp");
	default:
		(void)snprintf(s, len, "proto %u", proto);
		return (s);
	}
}

static const char *
peer_str(uint8_t proto, uint8_t state, char *s, size_t len)
{
	if (proto == IPPROTO_TCP && state < NITEMS(tcps_names))
		return (tcps_names[state]);
	if (proto != IPPROTO_TCP && state < NITEMS(udps_names))
		return (udps_names[state]);
	(void)snprintf(s, len, "%u", state);
	return (s);
}

/* Interface names come off the wire: anything unprintable shows as '?'. */
static void
print_ifname(FILE *f, const char *ifname)
{
	char	 s[IFNAMELEN];
	size_t	 i;

	for (i = 0; i < IFNAMELEN - 1 && ifname[i] != '\0'; i++)
		s[i] = ifname[i] >= 0x21 && ifname[i] <= 0x7e ? ifname[i] :
		    '?';
	s[i] = '\0';
	pr(f, "%s", s);
}

static void
print_endpoint(FILE *f, uint8_t af, const uint8_t *addr, uint16_t port)
{
	char	 s[INET6_ADDRSTRLEN];

	if (af == PFSYNC_AF_INET &&
	    inet_ntop(AF_INET, addr, s, sizeof(s)) != NULL)
		pr(f, "%s:%u", s, ntohs(port));
	else if (af == PFSYNC_AF_INET6 &&
	    inet_ntop(AF_INET6, addr, s, sizeof(s)) != NULL)
		pr(f, "[%s]:%u", s, ntohs(port));
	else
		pr(f, "?:%u", ntohs(port));
}

/*
 * A key as "source -> destination": pf's sidx is 0 for PF_IN and 1 for
 * PF_OUT (section 4.3).  Without a direction the key's order is kept.
 */
static void
print_key(FILE *f, const char *label, const struct pfsync_key *k,
    uint8_t af, uint8_t direction)
{
	int	 s = direction == PF_OUT ? 1 : 0;

	if (k->af != 0)
		af = k->af;
	pr(f, " %s ", label);
	print_endpoint(f, af, k->addr[s], k->port[s]);
	pr(f, direction == PF_IN || direction == PF_OUT ? " -> " : " <> ");
	print_endpoint(f, af, k->addr[!s], k->port[!s]);
	if (k->rdomain != 0)
		pr(f, " rdomain %u", k->rdomain);
}

static int
print_state(uint8_t action, const struct pfsync_state *s, void *arg)
{
	struct print_ctx	*pc = arg;
	FILE			*f = pc->pc_f;
	char			 b1[16], b2[16], b3[16];
	const char		*af;

	if (s->af == PFSYNC_AF_INET)
		af = "inet";
	else if (s->af == PFSYNC_AF_INET6)
		af = "inet6";
	else {
		(void)snprintf(b3, sizeof(b3), "af %u", s->af);
		af = b3;
	}
	pr(f, "%s id %016" PRIx64 " creatorid %08" PRIx32 " %s %s %s",
	    act_names[action], s->id, s->creatorid, af,
	    proto_str(s->proto, b1, sizeof(b1)),
	    s->direction == PF_IN ? "in" : s->direction == PF_OUT ? "out" :
	    "dir?");
	if (s->ifname[0] != '\0') {
		pr(f, " on ");
		print_ifname(f, s->ifname);
	}
	print_key(f, "wire", &s->key[PFSYNC_KEY_WIRE], s->af, s->direction);
	print_key(f, "stack", &s->key[PFSYNC_KEY_STACK], s->af,
	    s->direction);
	pr(f, " peers %s:", peer_str(s->proto, s->src.state, b1, sizeof(b1)));
	pr(f, "%s", peer_str(s->proto, s->dst.state, b2, sizeof(b2)));
	pr(f, " timeout %u expire %" PRIu32 "s age %" PRIu32 "s",
	    s->timeout, s->expire, s->creation);
	pr(f, " packets %" PRIu64 ":%" PRIu64 " bytes %" PRIu64 ":%" PRIu64,
	    s->packets[0], s->packets[1], s->bytes[0], s->bytes[1]);
	pr(f, " flags 0x%04x\n", s->state_flags);
	return (0);
}

static int
print_upd_c(const struct pfsync_upd_c *u, void *arg)
{
	struct print_ctx	*pc = arg;

	pr(pc->pc_f, "UPD_C id %016" PRIx64 " creatorid %08" PRIx32
	    " peers %u:%u timeout %u expire %" PRIu32 "s flags 0x%02x\n",
	    u->id, u->creatorid, u->src.state, u->dst.state, u->timeout,
	    u->expire, u->state_flags);
	return (0);
}

static int
print_ref(uint8_t action, const struct pfsync_ref *r, void *arg)
{
	struct print_ctx	*pc = arg;

	pr(pc->pc_f, "%s id %016" PRIx64 " creatorid %08" PRIx32 "%s\n",
	    act_names[action], r->id, r->creatorid,
	    action == PFSYNC_ACT_UPD_REQ && r->id == 0 && r->creatorid == 0 ?
	    " (bulk request)" : "");
	return (0);
}

static int
print_clr(const struct pfsync_clr *c, void *arg)
{
	struct print_ctx	*pc = arg;

	pr(pc->pc_f, "CLR creatorid %08" PRIx32, c->creatorid);
	if (c->ifname[0] != '\0') {
		pr(pc->pc_f, " on ");
		print_ifname(pc->pc_f, c->ifname);
	}
	pr(pc->pc_f, "\n");
	return (0);
}

static int
print_bus(const struct pfsync_bus *b, void *arg)
{
	struct print_ctx	*pc = arg;
	char			 s[16];
	const char		*status = s;

	if (b->status == PFSYNC_BUS_START)
		status = "start";
	else if (b->status == PFSYNC_BUS_END)
		status = "end";
	else
		(void)snprintf(s, sizeof(s), "%u", b->status);
	pr(pc->pc_f, "BUS creatorid %08" PRIx32 " status %s endtime %" PRIu32
	    "\n", b->creatorid, status, b->endtime);
	return (0);
}

static int
print_tdb(uint8_t action, void *arg)
{
	struct print_ctx	*pc = arg;

	pr(pc->pc_f, "%s ignored\n", act_names[action]);
	return (0);
}

static void
print_note(void *arg, enum walk_note what, const struct walk_sect *ws,
    size_t n, size_t m)
{
	struct print_ctx	*pc = arg;
	FILE			*f = pc->pc_f;
	char			 s[16];
	const char		*act = "";

	if (ws != NULL)
		act = act_str(ws->ws_action, s, sizeof(s));
	switch (what) {
	case NOTE_HDROPS:
		pr(f, "hdrops: %zu bytes, shorter than the pfsync header\n",
		    n);
		break;
	case NOTE_BADVER:
		pr(f, "badver: version %zu\n", n);
		break;
	case NOTE_BADLEN_HDR:
		pr(f, "badlen: header len %zu, packet %zu bytes\n", n, m);
		break;
	case NOTE_TRIMMED:
		pr(f, "%zu bytes past the header's len ignored\n", n);
		break;
	case NOTE_SKIPPED:
		pr(f, "%s: %u messages of %u bytes skipped\n", act,
		    ws->ws_count, ws->ws_words * 4);
		break;
	case NOTE_BADACT:
		pr(f, "badact: %s with len %u count %u, rest dropped\n", act,
		    ws->ws_words * 4, ws->ws_count);
		break;
	case NOTE_SHORTMSG:
		pr(f, "badlen: %s messages of %u bytes, %zu needed, "
		    "rest dropped\n", act, ws->ws_words * 4, n);
		break;
	case NOTE_OVERFLOW:
		pr(f, "badlen: %s %u messages of %u bytes, %zu bytes left, "
		    "rest dropped\n", act, ws->ws_count, ws->ws_words * 4, n);
		break;
	case NOTE_TAIL:
		pr(f, "%zu bytes after the last section ignored\n", n);
		break;
	}
}

int
pfsync_print(FILE *f, const uint8_t *pkt, size_t len)
{
	static const struct pfsync_handler h = {
		.ph_state = print_state,
		.ph_upd_c = print_upd_c,
		.ph_ref = print_ref,
		.ph_clr = print_clr,
		.ph_bus = print_bus,
		.ph_tdb = print_tdb,
	};
	struct pfsync_stats	 stats;
	struct print_ctx	 pc;
	struct walk		 wk;

	memset(&stats, 0, sizeof(stats));
	pc.pc_f = f;
	wk.wk_stats = &stats;
	wk.wk_h = &h;
	wk.wk_arg = &pc;
	wk.wk_note = print_note;
	return (walk(&wk, pkt, len) == -1 ? -1 : 0);
}
