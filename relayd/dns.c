/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * The DNS relay's message logic (dns.h): header and question checks, the
 * table of outstanding queries, the ID swap.  Written by hand: a relay
 * needs the header and one question, not a resolver library.
 *
 * IDs come from a pool of the 65536 values: the free ones sit in
 * dt_pool[0 .. dt_nfree), a query takes one at a random index (swapped
 * with the last free one) and its reply or timeout puts it back, so an
 * outstanding ID is never handed out twice and each draw is uniform over
 * the free ones.  A query is found by its ID through dt_byid, and by its
 * deadline through a tree, so dns_expire() reads only what is due.
 */

#include <sys/socket.h>
/* libbsd's RB_GENERATE_STATIC marks its functions __unused */
#ifndef __unused
#define __unused	__attribute__((__unused__))
#endif
#include <sys/tree.h>

#include <netinet/in.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "dns.h"

#define DNS_NIDS	65536
#define DNS_QR		0x8000
#define DNS_OPCODE(f)	(((f) >> 11) & 0x0f)
#define DNS_PTR		0xc0	/* top bits of a compression pointer */

/* The first question: the name lower-cased, in wire form. */
struct dns_question {
	uint8_t		 q_name[DNS_MAXNAME];
	size_t		 q_namelen;
	uint16_t	 q_type;
	uint16_t	 q_class;
};

struct dns_entry {
	RB_ENTRY(dns_entry)	 de_bydeadline;
	uint64_t		 de_deadline;
	uint16_t		 de_newid;
	uint16_t		 de_oldid;
	uint8_t			 de_opcode;
	struct dns_question	 de_q;
	struct sockaddr_storage	 de_client;
	socklen_t		 de_clientlen;
	struct sockaddr_storage	 de_backend;
	socklen_t		 de_backendlen;	/* 0: any backend */
};

RB_HEAD(dns_deadlines, dns_entry);

struct dns_table {
	struct dns_entry	**dt_byid;	/* [DNS_NIDS], owns entries */
	uint16_t		*dt_pool;	/* [DNS_NIDS], free IDs first */
	uint32_t		 dt_nfree;
	unsigned int		 dt_max;
	unsigned int		 dt_count;
	uint64_t		 dt_rng;	/* 0: arc4random */
	struct dns_deadlines	 dt_deadlines;
	struct dns_stats	 dt_stats;
	enum dns_reason		 dt_last;
};

static int	 dns_cmp_deadline(const struct dns_entry *,
		    const struct dns_entry *);
static uint32_t	 dns_random(struct dns_table *, uint32_t);
static enum dns_reason dns_header(struct buf *, int, uint16_t *,
		    uint16_t *, uint16_t *);
static enum dns_reason dns_name(struct buf *, const uint8_t *, size_t, int,
		    struct dns_question *);
static enum dns_reason dns_question(struct buf *, const uint8_t *, size_t,
		    int, struct dns_question *);
static int	 dns_refuse(struct dns_table *, enum dns_reason);
static void	 dns_entry_drop(struct dns_table *, struct dns_entry *);
static int	 dns_sa_equal(const struct sockaddr_storage *, socklen_t,
		    const struct sockaddr *, socklen_t);

RB_GENERATE_STATIC(dns_deadlines, dns_entry, de_bydeadline, dns_cmp_deadline)

static const char *const dns_reason_names[DNS_REASON_MAX] = {
	[DNS_OK] = "ok",
	[DNS_DROP_SHORT] = "short packet",
	[DNS_DROP_NOTQUERY] = "query with the reply bit",
	[DNS_DROP_OPCODE] = "bad opcode",
	[DNS_DROP_NOQUESTION] = "no question",
	[DNS_DROP_BADNAME] = "bad question name",
	[DNS_DROP_FULL] = "too many outstanding queries",
	[DNS_DROP_NOTREPLY] = "reply without the reply bit",
	[DNS_DROP_UNKNOWN] = "reply for unknown id",
	[DNS_DROP_BACKEND] = "reply from wrong address",
	[DNS_DROP_MISMATCH] = "reply question mismatch",
	[DNS_DROP_EXPIRED] = "reply after timeout",
};

static int
dns_cmp_deadline(const struct dns_entry *a, const struct dns_entry *b)
{
	if (a->de_deadline != b->de_deadline)
		return (a->de_deadline < b->de_deadline ? -1 : 1);
	return ((int)a->de_newid - (int)b->de_newid);
}

/*
 * A uniform value below n (1 <= n <= DNS_NIDS).  Without a seed,
 * arc4random_uniform(3), which a blind spoofer cannot predict; with one,
 * splitmix64, repeatable for tests (its modulo bias below 2^17 is nil).
 */
static uint32_t
dns_random(struct dns_table *t, uint32_t n)
{
	uint64_t	 z;

	if (t->dt_rng == 0)
		return (arc4random_uniform(n));
	z = (t->dt_rng += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	z ^= z >> 31;
	return ((uint32_t)(z % n));
}

const char *
dns_reason_name(enum dns_reason r)
{
	if ((unsigned int)r >= DNS_REASON_MAX)
		return ("unknown reason");
	return (dns_reason_names[r]);
}

struct dns_table *
dns_table_new(unsigned int max, uint64_t seed)
{
	struct dns_table	*t;
	uint32_t		 i;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return (NULL);
	if ((t->dt_byid = calloc(DNS_NIDS, sizeof(*t->dt_byid))) == NULL ||
	    (t->dt_pool = reallocarray(NULL, DNS_NIDS,
	    sizeof(*t->dt_pool))) == NULL)
		goto fail;
	for (i = 0; i < DNS_NIDS; i++)
		t->dt_pool[i] = (uint16_t)i;
	t->dt_nfree = DNS_NIDS;
	t->dt_max = (max == 0 || max > DNS_TABLE_MAX) ? DNS_TABLE_MAX : max;
	t->dt_rng = seed;
	RB_INIT(&t->dt_deadlines);
	return (t);
 fail:
	free(t->dt_byid);
	free(t->dt_pool);
	free(t);
	return (NULL);
}

void
dns_table_free(struct dns_table *t)
{
	struct dns_entry	*e;

	if (t == NULL)
		return;
	while ((e = RB_ROOT(&t->dt_deadlines)) != NULL) {
		RB_REMOVE(dns_deadlines, &t->dt_deadlines, e);
		free(e);
	}
	free(t->dt_byid);
	free(t->dt_pool);
	free(t);
}

unsigned int
dns_table_count(const struct dns_table *t)
{
	return (t->dt_count);
}

const struct dns_stats *
dns_table_stats(const struct dns_table *t)
{
	return (&t->dt_stats);
}

enum dns_reason
dns_last_reason(const struct dns_table *t)
{
	return (t->dt_last);
}

/* Counts reason r and returns -1 for the caller to pass on. */
static int
dns_refuse(struct dns_table *t, enum dns_reason r)
{
	struct dns_stats	*s = &t->dt_stats;

	t->dt_last = r;
	switch (r) {
	case DNS_DROP_SHORT:
		s->ds_short++;
		break;
	case DNS_DROP_NOTQUERY:
		s->ds_notquery++;
		break;
	case DNS_DROP_OPCODE:
		s->ds_opcode++;
		break;
	case DNS_DROP_NOQUESTION:
		s->ds_noquestion++;
		break;
	case DNS_DROP_BADNAME:
		s->ds_badname++;
		break;
	case DNS_DROP_FULL:
		s->ds_full++;
		break;
	case DNS_DROP_NOTREPLY:
		s->ds_notreply++;
		break;
	case DNS_DROP_UNKNOWN:
		s->ds_unknown++;
		break;
	case DNS_DROP_BACKEND:
		s->ds_backend++;
		break;
	case DNS_DROP_MISMATCH:
		s->ds_mismatch++;
		break;
	case DNS_DROP_EXPIRED:
		s->ds_expired++;
		break;
	case DNS_OK:
	case DNS_REASON_MAX:
		break;
	}
	return (-1);
}

/*
 * The header: a reply must have QR set (isreply), a query must not; the
 * opcode must be one a server takes from a client.  Reads up to QDCOUNT
 * and skips the other counts.
 */
static enum dns_reason
dns_header(struct buf *b, int isreply, uint16_t *id, uint16_t *flags,
    uint16_t *qdcount)
{
	uint8_t		 op;

	if (buf_get_u16(b, id) == -1 || buf_get_u16(b, flags) == -1 ||
	    buf_get_u16(b, qdcount) == -1 || buf_skip(b, 6) == -1)
		return (DNS_DROP_SHORT);
	if (isreply && (*flags & DNS_QR) == 0)
		return (DNS_DROP_NOTREPLY);
	if (!isreply && (*flags & DNS_QR) != 0)
		return (DNS_DROP_NOTQUERY);
	op = DNS_OPCODE(*flags);
	if (op != DNS_OPCODE_QUERY && op != DNS_OPCODE_NOTIFY &&
	    op != DNS_OPCODE_UPDATE)
		return (DNS_DROP_OPCODE);
	return (DNS_OK);
}

/*
 * A name at b's cursor into q (lower-cased, wire form); b ends after it.
 * A query's name has no compression pointer: the only bytes before it
 * are the header.  A reply's may (follow set), each pointing strictly
 * before itself, at most DNS_MAXPTRS of them, so a loop ends refused.
 */
static enum dns_reason
dns_name(struct buf *b, const uint8_t *pkt, size_t len, int follow,
    struct dns_question *q)
{
	struct buf	 cur = *b;
	size_t		 n = 0, at, ptr, i;
	int		 ptrs = 0;
	uint8_t		 l, lo, *lab;

	for (;;) {
		at = cur.b_off;
		if (buf_get_u8(&cur, &l) == -1)
			return (DNS_DROP_SHORT);
		if ((l & DNS_PTR) == DNS_PTR) {
			if (!follow)
				return (DNS_DROP_BADNAME);
			if (buf_get_u8(&cur, &lo) == -1)
				return (DNS_DROP_SHORT);
			if (ptrs++ == 0)
				*b = cur;	/* the question goes on here */
			ptr = ((size_t)(l & ~DNS_PTR) << 8) | lo;
			if (ptrs > DNS_MAXPTRS || ptr >= at)
				return (DNS_DROP_BADNAME);
			buf_init(&cur, pkt, len);
			(void)buf_skip(&cur, ptr);
			continue;
		}
		if ((l & DNS_PTR) != 0)		/* 01, 10: no such labels */
			return (DNS_DROP_BADNAME);
		/* the label, and room left for the root after it */
		if (n + 1 + l + (l != 0) > DNS_MAXNAME)
			return (DNS_DROP_BADNAME);
		q->q_name[n++] = l;
		if (l == 0)
			break;
		lab = &q->q_name[n];
		if (buf_get_bytes(&cur, lab, l) == -1)
			return (DNS_DROP_SHORT);
		for (i = 0; i < l; i++)
			if (lab[i] >= 'A' && lab[i] <= 'Z')
				lab[i] += 'a' - 'A';
		n += l;
	}
	q->q_namelen = n;
	if (ptrs == 0)
		*b = cur;
	return (DNS_OK);
}

static enum dns_reason
dns_question(struct buf *b, const uint8_t *pkt, size_t len, int follow,
    struct dns_question *q)
{
	enum dns_reason	 r;

	if ((r = dns_name(b, pkt, len, follow, q)) != DNS_OK)
		return (r);
	if (buf_get_u16(b, &q->q_type) == -1 ||
	    buf_get_u16(b, &q->q_class) == -1)
		return (DNS_DROP_SHORT);
	return (DNS_OK);
}

/* Whether a, the stored address, is b: family, address, port (and scope). */
static int
dns_sa_equal(const struct sockaddr_storage *a, socklen_t alen,
    const struct sockaddr *b, socklen_t blen)
{
	const struct sockaddr_in	*a4, *b4;
	const struct sockaddr_in6	*a6, *b6;

	if (a->ss_family != b->sa_family)
		return (0);
	switch (b->sa_family) {
	case AF_INET:
		if (alen < sizeof(*a4) || blen < sizeof(*b4))
			return (0);
		a4 = (const struct sockaddr_in *)a;
		b4 = (const struct sockaddr_in *)b;
		return (a4->sin_port == b4->sin_port &&
		    a4->sin_addr.s_addr == b4->sin_addr.s_addr);
	case AF_INET6:
		if (alen < sizeof(*a6) || blen < sizeof(*b6))
			return (0);
		a6 = (const struct sockaddr_in6 *)a;
		b6 = (const struct sockaddr_in6 *)b;
		return (a6->sin6_port == b6->sin6_port &&
		    a6->sin6_scope_id == b6->sin6_scope_id &&
		    memcmp(&a6->sin6_addr, &b6->sin6_addr,
		    sizeof(a6->sin6_addr)) == 0);
	default:
		return (alen == blen && memcmp(a, b, blen) == 0);
	}
}

int
dns_query(struct dns_table *t, uint8_t *pkt, size_t len,
    const struct sockaddr *client, socklen_t clientlen,
    const struct sockaddr *backend, socklen_t backendlen,
    uint64_t now_ms, uint64_t timeout_ms, uint16_t *newid)
{
	struct buf		 b;
	struct dns_entry	*e;
	struct dns_question	 q;
	enum dns_reason		 r;
	uint32_t		 i;
	uint16_t		 id, flags, qdcount;

	if (client == NULL || clientlen > sizeof(e->de_client) ||
	    (backend != NULL && backendlen > sizeof(e->de_backend))) {
		errno = EINVAL;
		return (-1);
	}
	buf_init(&b, pkt, len);
	if ((r = dns_header(&b, 0, &id, &flags, &qdcount)) != DNS_OK)
		return (dns_refuse(t, r));
	if (qdcount == 0)
		return (dns_refuse(t, DNS_DROP_NOQUESTION));
	if ((r = dns_question(&b, pkt, len, 0, &q)) != DNS_OK)
		return (dns_refuse(t, r));
	if (t->dt_count >= t->dt_max || t->dt_nfree == 0 ||
	    (e = calloc(1, sizeof(*e))) == NULL)
		return (dns_refuse(t, DNS_DROP_FULL));

	i = dns_random(t, t->dt_nfree);
	e->de_newid = t->dt_pool[i];
	t->dt_pool[i] = t->dt_pool[--t->dt_nfree];
	t->dt_pool[t->dt_nfree] = e->de_newid;

	e->de_oldid = id;
	e->de_opcode = DNS_OPCODE(flags);
	e->de_q = q;
	memcpy(&e->de_client, client, clientlen);
	e->de_clientlen = clientlen;
	if (backend != NULL) {
		memcpy(&e->de_backend, backend, backendlen);
		e->de_backendlen = backendlen;
	}
	e->de_deadline = timeout_ms > UINT64_MAX - now_ms ? UINT64_MAX :
	    now_ms + timeout_ms;
	t->dt_byid[e->de_newid] = e;
	RB_INSERT(dns_deadlines, &t->dt_deadlines, e);
	t->dt_count++;
	t->dt_stats.ds_queries++;
	t->dt_last = DNS_OK;

	pkt[0] = (uint8_t)(e->de_newid >> 8);
	pkt[1] = (uint8_t)e->de_newid;
	if (newid != NULL)
		*newid = e->de_newid;
	return (0);
}

/* Forgets e and gives its ID back to the pool. */
static void
dns_entry_drop(struct dns_table *t, struct dns_entry *e)
{
	RB_REMOVE(dns_deadlines, &t->dt_deadlines, e);
	t->dt_byid[e->de_newid] = NULL;
	t->dt_pool[t->dt_nfree++] = e->de_newid;
	t->dt_count--;
	free(e);
}

int
dns_reply(struct dns_table *t, uint8_t *pkt, size_t len,
    const struct sockaddr *from, socklen_t fromlen, uint64_t now_ms,
    struct sockaddr_storage *client, socklen_t *clientlen)
{
	struct buf		 b;
	struct dns_entry	*e;
	struct dns_question	 q;
	enum dns_reason		 r;
	uint16_t		 id, flags, qdcount;

	buf_init(&b, pkt, len);
	if ((r = dns_header(&b, 1, &id, &flags, &qdcount)) != DNS_OK)
		return (dns_refuse(t, r));
	if ((e = t->dt_byid[id]) == NULL)
		return (dns_refuse(t, DNS_DROP_UNKNOWN));
	if (from != NULL && e->de_backendlen != 0 &&
	    !dns_sa_equal(&e->de_backend, e->de_backendlen, from, fromlen))
		return (dns_refuse(t, DNS_DROP_BACKEND));
	if (now_ms >= e->de_deadline) {
		dns_entry_drop(t, e);
		return (dns_refuse(t, DNS_DROP_EXPIRED));
	}
	if (DNS_OPCODE(flags) != e->de_opcode || qdcount == 0)
		return (dns_refuse(t, DNS_DROP_MISMATCH));
	if ((r = dns_question(&b, pkt, len, 1, &q)) != DNS_OK)
		return (dns_refuse(t, r));
	if (q.q_type != e->de_q.q_type || q.q_class != e->de_q.q_class ||
	    q.q_namelen != e->de_q.q_namelen ||
	    memcmp(q.q_name, e->de_q.q_name, q.q_namelen) != 0)
		return (dns_refuse(t, DNS_DROP_MISMATCH));

	pkt[0] = (uint8_t)(e->de_oldid >> 8);
	pkt[1] = (uint8_t)e->de_oldid;
	memcpy(client, &e->de_client, e->de_clientlen);
	*clientlen = e->de_clientlen;
	dns_entry_drop(t, e);
	t->dt_stats.ds_replies++;
	t->dt_last = DNS_OK;
	return (0);
}

unsigned int
dns_expire(struct dns_table *t, uint64_t now_ms)
{
	struct dns_entry	*e;
	unsigned int		 n = 0;

	while ((e = RB_MIN(dns_deadlines, &t->dt_deadlines)) != NULL &&
	    e->de_deadline <= now_ms) {
		dns_entry_drop(t, e);
		t->dt_stats.ds_timeouts++;
		n++;
	}
	return (n);
}

int
dns_next_expiry(struct dns_table *t, uint64_t *when)
{
	struct dns_entry	*e;

	if ((e = RB_MIN(dns_deadlines, &t->dt_deadlines)) == NULL)
		return (-1);
	*when = e->de_deadline;
	return (0);
}
