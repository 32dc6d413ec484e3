/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * The lease table: OpenBSD's dhcpd keeps its leases in hash tables by
 * address, MAC and uid, and one list per shared network sorted by ends
 * so the oldest is at hand.  Here red-black trees do both jobs, which
 * keeps every operation logarithmic at LEASE_DB_MAX addresses:
 *
 *	ld_byip		every lease, by address
 *	ld_byhaddr	leases with a MAC, by (hlen, MAC, address)
 *	ld_byuid	leases with a uid, by (len, uid, address)
 *	lp_free		per pool, leases not abandoned, by (ends, address)
 *	lp_abandoned	per pool, abandoned leases, by (ends, address)
 *
 * Dangling leases sit in the pool whose id is NULL, which the allocator
 * never serves.  The leases of a range are allocated as one slab, as
 * OpenBSD does; no lease is freed before the table.  A lease is taken out
 * of the keyed trees before a key field changes and put back after
 * (lease_unindex/lease_index).  Pure: no I/O, time is an argument.
 */

#include <sys/types.h>
#include <sys/queue.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lease.h"

RB_HEAD(lease_ipt, lease);
RB_HEAD(lease_hwt, lease);
RB_HEAD(lease_uidt, lease);
RB_HEAD(lease_endt, lease);

struct lease_pool {
	RB_ENTRY(lease_pool)	 lp_entry;
	const void		*lp_id;		/* NULL: the dangling leases */
	struct lease_endt	 lp_free;
	struct lease_endt	 lp_abandoned;
};
RB_HEAD(lease_poolt, lease_pool);

/* Leases come in slabs, one per range as in OpenBSD, never freed alone. */
struct lease_slab {
	SLIST_ENTRY(lease_slab)	 ls_entry;
	size_t			 ls_used;
	size_t			 ls_n;
	struct lease		 ls_leases[];
};
SLIST_HEAD(lease_slabs, lease_slab);

struct lease_db {
	struct lease_ipt	 ld_byip;	/* owns the leases */
	struct lease_hwt	 ld_byhaddr;
	struct lease_uidt	 ld_byuid;
	struct lease_poolt	 ld_pools;	/* owns the pools */
	struct lease_slabs	 ld_slabs;	/* own the leases */
	struct lease_pool	*ld_nopool;	/* id NULL: never allocated */
	size_t			 ld_count;
	size_t			 ld_inrange;	/* leases with a pool */
	size_t			 ld_dangling;
	struct lease		*ld_other;	/* ended by the last merge */
};

static int	 cmp_ip(const struct lease *, const struct lease *);
static int	 cmp_haddr(const struct lease *, const struct lease *);
static int	 cmp_uid(const struct lease *, const struct lease *);
static int	 cmp_ends(const struct lease *, const struct lease *);
static int	 cmp_pool(const struct lease_pool *, const struct lease_pool *);
RB_GENERATE_STATIC(lease_ipt, lease, l_byip, cmp_ip)
RB_GENERATE_STATIC(lease_hwt, lease, l_byhaddr, cmp_haddr)
RB_GENERATE_STATIC(lease_uidt, lease, l_byuid, cmp_uid)
RB_GENERATE_STATIC(lease_endt, lease, l_bypool, cmp_ends)
RB_GENERATE_STATIC(lease_poolt, lease_pool, lp_entry, cmp_pool)

static struct lease_pool *pool_get(struct lease_db *, const void *, int);
static struct lease_endt *pool_tree(struct lease *);
static void	 pool_link(struct lease *);
static void	 pool_unlink(struct lease *);
static void	 lease_index(struct lease_db *, struct lease *);
static void	 lease_unindex(struct lease_db *, struct lease *);
static struct lease_slab *slab_new(struct lease_db *, size_t);
static struct lease *lease_create(struct lease_db *, struct lease_slab *,
		    struct in_addr, struct lease_pool *);
static struct lease *uid_first(struct lease_db *, const uint8_t *, size_t);
static int	 same_mac(const struct lease *, uint8_t, uint8_t,
		    const uint8_t *);
static void	 expire_tree(struct lease_endt *, time_t, time_t,
		    void (*)(struct lease *, void *), void *);
static enum lease_merge merge_by_ip(struct lease_db *, const struct lease *,
		    time_t, struct lease *, struct lease **, int *);

static int
cmp_ip(const struct lease *a, const struct lease *b)
{
	uint32_t	 x, y;

	x = ntohl(a->l_ip.s_addr);
	y = ntohl(b->l_ip.s_addr);
	return (x < y ? -1 : x > y);
}

static int
cmp_haddr(const struct lease *a, const struct lease *b)
{
	int	 rv;

	if (a->l_hlen != b->l_hlen)
		return (a->l_hlen < b->l_hlen ? -1 : 1);
	if ((rv = memcmp(a->l_haddr, b->l_haddr, a->l_hlen)) != 0)
		return (rv);
	return (cmp_ip(a, b));
}

static int
cmp_uid(const struct lease *a, const struct lease *b)
{
	int	 rv;

	if (a->l_uidlen != b->l_uidlen)
		return (a->l_uidlen < b->l_uidlen ? -1 : 1);
	if ((rv = memcmp(a->l_uid, b->l_uid, a->l_uidlen)) != 0)
		return (rv);
	return (cmp_ip(a, b));
}

static int
cmp_ends(const struct lease *a, const struct lease *b)
{
	if (a->l_ends != b->l_ends)
		return (a->l_ends < b->l_ends ? -1 : 1);
	return (cmp_ip(a, b));
}

/* Pools are ordered by their ids' values (unrelated pointers). */
static int
cmp_pool(const struct lease_pool *a, const struct lease_pool *b)
{
	uintptr_t	 x = (uintptr_t)a->lp_id, y = (uintptr_t)b->lp_id;

	return (x < y ? -1 : x > y);
}

struct lease_db *
lease_db_new(void)
{
	struct lease_db	*db;

	if ((db = calloc(1, sizeof(*db))) == NULL)
		return (NULL);
	RB_INIT(&db->ld_byip);
	RB_INIT(&db->ld_byhaddr);
	RB_INIT(&db->ld_byuid);
	RB_INIT(&db->ld_pools);
	SLIST_INIT(&db->ld_slabs);
	if ((db->ld_nopool = pool_get(db, NULL, 1)) == NULL) {
		free(db);
		return (NULL);
	}
	return (db);
}

void
lease_db_free(struct lease_db *db)
{
	struct lease		*l;
	struct lease_pool	*lp;
	struct lease_slab	*ls;

	if (db == NULL)
		return;
	RB_FOREACH(l, lease_ipt, &db->ld_byip) {
		free(l->l_uid);
		free(l->l_hostname);
		free(l->l_client_hostname);
	}
	while ((ls = SLIST_FIRST(&db->ld_slabs)) != NULL) {
		SLIST_REMOVE_HEAD(&db->ld_slabs, ls_entry);
		free(ls);
	}
	while ((lp = RB_ROOT(&db->ld_pools)) != NULL) {
		RB_REMOVE(lease_poolt, &db->ld_pools, lp);
		free(lp);
	}
	free(db);
}

/* The pool with this id; created when create is set (NULL if no memory) */
static struct lease_pool *
pool_get(struct lease_db *db, const void *id, int create)
{
	struct lease_pool	 key, *lp;

	memset(&key, 0, sizeof(key));
	key.lp_id = id;
	if ((lp = RB_FIND(lease_poolt, &db->ld_pools, &key)) != NULL ||
	    !create)
		return (lp);
	if ((lp = calloc(1, sizeof(*lp))) == NULL)
		return (NULL);
	lp->lp_id = id;
	RB_INIT(&lp->lp_free);
	RB_INIT(&lp->lp_abandoned);
	RB_INSERT(lease_poolt, &db->ld_pools, lp);
	return (lp);
}

static struct lease_endt *
pool_tree(struct lease *l)
{
	return ((l->l_flags & LEASE_ABANDONED) ? &l->l_lp->lp_abandoned :
	    &l->l_lp->lp_free);
}

static void
pool_link(struct lease *l)
{
	RB_INSERT(lease_endt, pool_tree(l), l);
}

static void
pool_unlink(struct lease *l)
{
	RB_REMOVE(lease_endt, pool_tree(l), l);
}

static void
lease_index(struct lease_db *db, struct lease *l)
{
	if (l->l_hlen > 0)
		RB_INSERT(lease_hwt, &db->ld_byhaddr, l);
	if (l->l_uidlen > 0)
		RB_INSERT(lease_uidt, &db->ld_byuid, l);
	pool_link(l);
}

static void
lease_unindex(struct lease_db *db, struct lease *l)
{
	if (l->l_hlen > 0)
		RB_REMOVE(lease_hwt, &db->ld_byhaddr, l);
	if (l->l_uidlen > 0)
		RB_REMOVE(lease_uidt, &db->ld_byuid, l);
	pool_unlink(l);
}

/* Room for n leases (n <= LEASE_DB_MAX); NULL when out of memory. */
static struct lease_slab *
slab_new(struct lease_db *db, size_t n)
{
	struct lease_slab	*ls;

	if ((ls = calloc(1, sizeof(*ls) + n * sizeof(struct lease))) == NULL)
		return (NULL);
	ls->ls_n = n;
	SLIST_INSERT_HEAD(&db->ld_slabs, ls, ls_entry);
	return (ls);
}

/* The next entry of ls, free, for ip in lp (counted). */
static struct lease *
lease_create(struct lease_db *db, struct lease_slab *ls, struct in_addr ip,
    struct lease_pool *lp)
{
	struct lease	*l;

	l = &ls->ls_leases[ls->ls_used++];
	l->l_ip = ip;
	l->l_lp = lp;
	l->l_pool = lp->lp_id;
	if (lp->lp_id == NULL) {
		l->l_flags = LEASE_DANGLING;
		db->ld_dangling++;
	} else
		db->ld_inrange++;
	RB_INSERT(lease_ipt, &db->ld_byip, l);
	pool_link(l);
	db->ld_count++;
	return (l);
}

int
lease_db_add_range(struct lease_db *db, struct in_addr low,
    struct in_addr high, const void *pool)
{
	struct lease_pool	*lp;
	struct lease_slab	*ls = NULL;
	struct lease		*l;
	struct in_addr		 a;
	uint32_t		 lo, hi, i, t;
	size_t			 nnew = 0, nadopt = 0;

	if (pool == NULL)
		return (-1);
	lo = ntohl(low.s_addr);
	hi = ntohl(high.s_addr);
	if (lo > hi) {
		t = lo;
		lo = hi;
		hi = t;
	}
	if ((uint64_t)hi - lo + 1 > LEASE_DB_MAX)
		return (-1);
	for (i = lo;; i++) {
		a.s_addr = htonl(i);
		if ((l = lease_by_ip(db, a)) == NULL)
			nnew++;
		else if (l->l_pool == NULL)
			nadopt++;
		if (i == hi)
			break;
	}
	if (db->ld_inrange + nnew + nadopt > LEASE_DB_MAX)
		return (-1);
	if ((lp = pool_get(db, pool, 1)) == NULL ||
	    (nnew > 0 && (ls = slab_new(db, nnew)) == NULL))
		return (-1);
	for (i = lo;; i++) {
		a.s_addr = htonl(i);
		if ((l = lease_by_ip(db, a)) == NULL) {
			if (ls == NULL || ls->ls_used == ls->ls_n)
				return (-1);	/* cannot happen: counted */
			(void)lease_create(db, ls, a, lp);
		} else if (l->l_lp != lp) {
			pool_unlink(l);
			if (l->l_pool == NULL)
				db->ld_inrange++;
			if (l->l_flags & LEASE_DANGLING) {
				/* a peer's lease now in one of our ranges */
				db->ld_dangling--;
				l->l_flags &= ~LEASE_DANGLING;
			}
			l->l_lp = lp;
			l->l_pool = pool;
			pool_link(l);
		}
		if (i == hi)
			break;
	}
	return (0);
}

struct lease *
lease_by_ip(struct lease_db *db, struct in_addr ip)
{
	struct lease	 key;

	memset(&key, 0, sizeof(key));
	key.l_ip = ip;
	return (RB_FIND(lease_ipt, &db->ld_byip, &key));
}

struct lease *
lease_by_haddr(struct lease_db *db, const uint8_t *haddr, size_t hlen)
{
	struct lease	 key, *l, *best = NULL;

	if (hlen == 0 || hlen > LEASE_HADDR_MAX)
		return (NULL);
	memset(&key, 0, sizeof(key));
	key.l_hlen = (uint8_t)hlen;
	memcpy(key.l_haddr, haddr, hlen);
	for (l = RB_NFIND(lease_hwt, &db->ld_byhaddr, &key); l != NULL &&
	    l->l_hlen == hlen && memcmp(l->l_haddr, haddr, hlen) == 0;
	    l = RB_NEXT(lease_hwt, &db->ld_byhaddr, l))
		if (best == NULL || l->l_ends > best->l_ends)
			best = l;
	return (best);
}

/*
 * The first lease of the uid tree holding this uid: a descent by hand,
 * since a search key would need the caller's const bytes in l_uid.
 */
static struct lease *
uid_first(struct lease_db *db, const uint8_t *uid, size_t len)
{
	struct lease	*l = RB_ROOT(&db->ld_byuid), *first = NULL;
	int		 rv;

	while (l != NULL) {
		if (len != l->l_uidlen)
			rv = len < l->l_uidlen ? -1 : 1;
		else
			rv = memcmp(uid, l->l_uid, len);
		if (rv <= 0) {
			if (rv == 0)
				first = l;
			l = RB_LEFT(l, l_byuid);
		} else
			l = RB_RIGHT(l, l_byuid);
	}
	return (first);
}

struct lease *
lease_by_uid(struct lease_db *db, const uint8_t *uid, size_t len)
{
	struct lease	*l, *best = NULL;

	if (len == 0 || uid == NULL)
		return (NULL);
	for (l = uid_first(db, uid, len); l != NULL && l->l_uidlen == len &&
	    memcmp(l->l_uid, uid, len) == 0;
	    l = RB_NEXT(lease_uidt, &db->ld_byuid, l))
		if (best == NULL || l->l_ends > best->l_ends)
			best = l;
	return (best);
}

struct lease *
lease_pool_alloc(struct lease_db *db, const void *pool, time_t now)
{
	struct lease_pool	*lp;
	struct lease		*l;

	if (pool == NULL || (lp = pool_get(db, pool, 0)) == NULL)
		return (NULL);
	if ((l = RB_MIN(lease_endt, &lp->lp_free)) != NULL && l->l_ends <= now)
		return (l);
	if ((l = RB_MIN(lease_endt, &lp->lp_abandoned)) != NULL &&
	    l->l_ends <= now)
		return (l);
	return (NULL);
}

static int
same_mac(const struct lease *l, uint8_t htype, uint8_t hlen,
    const uint8_t *haddr)
{
	return (l->l_hlen > 0 && l->l_hlen == hlen && l->l_htype == htype &&
	    memcmp(l->l_haddr, haddr, hlen) == 0);
}

void
lease_offer(struct lease_db *db, struct lease *l, const uint8_t *haddr,
    uint8_t htype, uint8_t hlen, time_t now)
{
	int	 same;

	if (hlen > LEASE_HADDR_MAX)
		hlen = LEASE_HADDR_MAX;
	same = l->l_hlen > 0 && l->l_hlen == hlen &&
	    memcmp(l->l_haddr, haddr, hlen) == 0;
	l->l_timestamp = now;
	if (same && l->l_ends > now && !(l->l_flags & LEASE_OFFERED))
		return;		/* the client's own committed lease */
	lease_unindex(db, l);
	if (!same) {
		free(l->l_uid);
		l->l_uid = NULL;
		l->l_uidlen = 0;
		free(l->l_hostname);
		l->l_hostname = NULL;
		free(l->l_client_hostname);
		l->l_client_hostname = NULL;
		memset(l->l_haddr, 0, sizeof(l->l_haddr));
		memcpy(l->l_haddr, haddr, hlen);
		l->l_hlen = hlen;
	}
	l->l_htype = htype;
	if (!same || l->l_ends < now + LEASE_OFFER_TIME)
		l->l_ends = now + LEASE_OFFER_TIME;
	l->l_flags |= LEASE_OFFERED;
	lease_index(db, l);
}

int
lease_supersede(struct lease_db *db, struct lease *l, const struct lease *n)
{
	struct lease	 v = *n;	/* n may be l, or point into it */
	uint8_t		*uid = NULL;
	char		*hn = NULL, *chn = NULL;
	int		 chg;

	if (v.l_hlen > LEASE_HADDR_MAX)
		v.l_hlen = LEASE_HADDR_MAX;
	if (v.l_uid == NULL)
		v.l_uidlen = 0;
	if (v.l_uidlen > 0 && (uid = malloc(v.l_uidlen)) == NULL)
		goto fail;
	if (uid != NULL)
		memcpy(uid, v.l_uid, v.l_uidlen);
	if (v.l_hostname != NULL && (hn = strdup(v.l_hostname)) == NULL)
		goto fail;
	if (v.l_client_hostname != NULL &&
	    (chn = strdup(v.l_client_hostname)) == NULL)
		goto fail;

	chg = same_mac(l, v.l_htype, v.l_hlen, v.l_haddr) ? 0 : LEASE_CHG_MAC;
	lease_unindex(db, l);
	free(l->l_uid);
	free(l->l_hostname);
	free(l->l_client_hostname);
	l->l_starts = v.l_starts;
	l->l_ends = v.l_ends;
	l->l_timestamp = v.l_timestamp;
	l->l_htype = v.l_htype;
	l->l_hlen = v.l_hlen;
	memmove(l->l_haddr, v.l_haddr, v.l_hlen);
	memset(l->l_haddr + v.l_hlen, 0, sizeof(l->l_haddr) - v.l_hlen);
	l->l_uid = uid;
	l->l_uidlen = v.l_uidlen;
	l->l_hostname = hn;
	l->l_client_hostname = chn;
	l->l_flags = (v.l_flags & ~(LEASE_OFFERED | LEASE_DANGLING)) |
	    (l->l_flags & LEASE_DANGLING);
	lease_index(db, l);
	return (chg);

 fail:
	free(uid);
	free(hn);
	free(chn);
	return (-1);
}

void
lease_release(struct lease_db *db, struct lease *l, time_t now)
{
	(void)db;
	if (l->l_ends <= now && !(l->l_flags & LEASE_OFFERED))
		return;
	pool_unlink(l);
	if (l->l_ends > now)
		l->l_ends = now;
	l->l_flags &= ~LEASE_OFFERED;
	pool_link(l);
}

void
lease_abandon(struct lease_db *db, struct lease *l, time_t now,
    time_t block_for)
{
	if (block_for < 0 || block_for > LEASE_INFINITE)
		block_for = LEASE_INFINITE;
	lease_unindex(db, l);
	free(l->l_uid);
	l->l_uid = NULL;
	l->l_uidlen = 0;
	l->l_htype = 0;
	l->l_hlen = 0;
	memset(l->l_haddr, 0, sizeof(l->l_haddr));
	l->l_ends = now + block_for;
	l->l_flags = (l->l_flags | LEASE_ABANDONED) & ~LEASE_OFFERED;
	lease_index(db, l);
}

void
lease_db_foreach(struct lease_db *db, void (*cb)(struct lease *, void *),
    void *arg)
{
	struct lease	*l, *next;

	for (l = RB_MIN(lease_ipt, &db->ld_byip); l != NULL; l = next) {
		next = RB_NEXT(lease_ipt, &db->ld_byip, l);
		cb(l, arg);
	}
}

void
lease_db_unpool(struct lease_db *db)
{
	struct lease		*l;
	struct lease_pool	*lp, *next;

	RB_FOREACH(l, lease_ipt, &db->ld_byip) {
		if (l->l_lp == db->ld_nopool)
			continue;
		pool_unlink(l);
		l->l_lp = db->ld_nopool;
		l->l_pool = NULL;
		pool_link(l);
	}
	db->ld_inrange = 0;
	/* the old ids may be freed memory: forget them */
	for (lp = RB_MIN(lease_poolt, &db->ld_pools); lp != NULL; lp = next) {
		next = RB_NEXT(lease_poolt, &db->ld_pools, lp);
		if (lp == db->ld_nopool)
			continue;
		RB_REMOVE(lease_poolt, &db->ld_pools, lp);
		free(lp);
	}
}

size_t
lease_db_count(const struct lease_db *db)
{
	return (db->ld_count);
}

size_t
lease_db_dangling(const struct lease_db *db)
{
	return (db->ld_dangling);
}

/* Calls cb for the leases of t whose ends is in (since, now]. */
static void
expire_tree(struct lease_endt *t, time_t since, time_t now,
    void (*cb)(struct lease *, void *), void *arg)
{
	struct lease	 key, *l, *next;

	memset(&key, 0, sizeof(key));
	key.l_ends = since + 1;		/* first ends > since, lowest address */
	for (l = RB_NFIND(lease_endt, t, &key); l != NULL && l->l_ends <= now;
	    l = next) {
		next = RB_NEXT(lease_endt, t, l);
		cb(l, arg);
	}
}

void
lease_db_expire(struct lease_db *db, time_t since, time_t now,
    void (*cb)(struct lease *, void *), void *arg)
{
	struct lease_pool	*lp;

	if (since >= now)
		return;
	RB_FOREACH(lp, lease_poolt, &db->ld_pools) {
		expire_tree(&lp->lp_free, since, now, cb, arg);
		expire_tree(&lp->lp_abandoned, since, now, cb, arg);
	}
}

enum lease_merge
lease_merge(struct lease_db *db, const struct lease *r, time_t now,
    struct lease **local, int *flags_out)
{
	struct lease		*l = NULL, *old = NULL;
	enum lease_merge	 rv;

	*local = NULL;
	*flags_out = 0;
	db->ld_other = NULL;
	if (r->l_hlen > LEASE_HADDR_MAX)
		return (LEASE_MERGE_ERROR);
	if (r->l_hlen > 0 &&
	    (l = lease_by_haddr(db, r->l_haddr, r->l_hlen)) != NULL &&
	    l->l_ip.s_addr != r->l_ip.s_addr) {
		/* hakit: by the address, not OpenBSD's MAC match */
		*flags_out |= LEASE_MERGE_MAC_OTHER_IP;
		old = l;
		l = NULL;
	}
	rv = merge_by_ip(db, r, now, l, local, flags_out);
	/* the peer granted this client another address later: end ours */
	if ((rv == LEASE_MERGE_SUPERSEDED || rv == LEASE_MERGE_DANGLING) &&
	    old != NULL && old->l_ends > now &&
	    r->l_starts >= old->l_starts) {
		lease_release(db, old, now);
		db->ld_other = old;
		*flags_out |= LEASE_MERGE_OTHER_ENDED;
	}
	return (rv);
}

struct lease *
lease_merge_other(struct lease_db *db)
{
	struct lease	*l = db->ld_other;

	db->ld_other = NULL;
	return (l);
}

static enum lease_merge
merge_by_ip(struct lease_db *db, const struct lease *r, time_t now,
    struct lease *l, struct lease **local, int *flags_out)
{
	struct lease_slab	*ls;
	struct lease		 n;
	int			 chg;

	if (l == NULL && (l = lease_by_ip(db, r->l_ip)) == NULL) {
		/* outside every range of ours (2.7.3) */
		if (db->ld_dangling >= LEASE_DANGLING_MAX ||
		    (ls = slab_new(db, 1)) == NULL)
			return (LEASE_MERGE_ERROR);
		l = lease_create(db, ls, r->l_ip, db->ld_nopool);
		pool_unlink(l);
		l->l_starts = r->l_starts;
		l->l_ends = r->l_ends;
		l->l_timestamp = r->l_timestamp;
		l->l_htype = r->l_htype;
		l->l_hlen = r->l_hlen;
		memcpy(l->l_haddr, r->l_haddr, r->l_hlen);
		pool_link(l);
		if (l->l_hlen > 0)
			RB_INSERT(lease_hwt, &db->ld_byhaddr, l);
		*local = l;
		return (LEASE_MERGE_DANGLING);
	}
	*local = l;
	/*
	 * An offer is a reservation in memory, not a binding: a peer's
	 * binding replaces it whatever the times.  With leases shorter
	 * than the offer's hold (LEASE_OFFER_TIME) the offer outlasts the
	 * peer's ACK, and "ours newer" would send the peer our offer as a
	 * lease, replacing its binding.
	 */
	if (!(l->l_flags & LEASE_OFFERED)) {
		if (l->l_ends > r->l_ends)
			return (LEASE_MERGE_OURS_NEWER);
		if (l->l_ends == r->l_ends)
			return (LEASE_MERGE_EQUAL);
		/* OpenBSD's supersede_lease() refusal ("Lease conflict") */
		if (l->l_ends > now &&
		    !same_mac(l, r->l_htype, r->l_hlen, r->l_haddr))
			return (LEASE_MERGE_CONFLICT);
	}

	memset(&n, 0, sizeof(n));
	n.l_starts = r->l_starts;
	n.l_ends = r->l_ends;
	n.l_timestamp = r->l_timestamp;
	n.l_htype = r->l_htype;
	n.l_hlen = r->l_hlen;
	memcpy(n.l_haddr, r->l_haddr, r->l_hlen);
	if (l->l_hlen == r->l_hlen &&
	    memcmp(l->l_haddr, r->l_haddr, r->l_hlen) == 0) {
		/* the same client: its names stay (OpenBSD never drops them) */
		n.l_hostname = l->l_hostname;
		n.l_client_hostname = l->l_client_hostname;
	}
	if ((chg = lease_supersede(db, l, &n)) == -1) {
		*local = NULL;
		return (LEASE_MERGE_ERROR);
	}
	*flags_out |= chg;
	return (LEASE_MERGE_SUPERSEDED);
}

const char *
lease_merge_name(enum lease_merge m)
{
	switch (m) {
	case LEASE_MERGE_SUPERSEDED:
		return ("superseded");
	case LEASE_MERGE_OURS_NEWER:
		return ("ours newer");
	case LEASE_MERGE_EQUAL:
		return ("equal");
	case LEASE_MERGE_CONFLICT:
		return ("conflict");
	case LEASE_MERGE_DANGLING:
		return ("dangling");
	case LEASE_MERGE_ERROR:
		return ("error");
	}
	return ("unknown");
}

int
lease_persistent(const struct lease *l)
{
	if (l->l_flags & (LEASE_DANGLING | LEASE_OFFERED))
		return (0);
	return (l->l_hlen > 0 || l->l_uidlen > 0 ||
	    (l->l_flags & LEASE_ABANDONED));
}
