/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * Redirect buckets (spec 13.3): RELAYD_BUCKETS slots, each naming the
 * live host that gets the flows hashed or counted into it.  nft picks a
 * slot with numgen or jhash "mod 256" and looks it up in the redirect's
 * map, so the slot table is the whole scheduling state.
 *
 * The rules, all deterministic (same input, same output):
 *  - each of n live hosts ends with floor(256/n) or ceil(256/n) slots;
 *  - a host keeps the slots it has up to its share: the 256 % n larger
 *    shares go to the hosts holding most now (ties: lower id), so an
 *    unchanged live set changes nothing;
 *  - the slots a host gives up are spread evenly over those it holds;
 *    slots of departed hosts and those given up are refilled in slot
 *    order, cycling through the hosts below their share in id order, so
 *    a fresh table interleaves hosts (1 2 3 1 2 3 ...), hosts that come
 *    up one by one end up interleaved too, and roundrobin through
 *    "numgen inc" alternates hosts flow by flow.
 * Only slots of departed hosts, or the fewest needed for a newcomer's
 * share, change owner, so source-hash clients mostly stay put.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "relayd.h"

struct bk_host {
	uint32_t	 bh_id;
	int		 bh_have;	/* slots held now */
	int		 bh_want;	/* share */
	int		 bh_keep;	/* of those held, kept */
	int		 bh_seen;	/* held slots met so far */
};

static int	 bk_cmp_id(const void *, const void *);
static int	 bk_cmp_have(const void *, const void *);
static struct bk_host *bk_find(struct bk_host *, int, uint32_t);
static int	 bk_load(struct bk_host **, const uint32_t *, int,
		    const uint32_t *);
static int	 bk_assign(uint32_t *, struct bk_host *, int);

static int
bk_cmp_id(const void *a, const void *b)
{
	const struct bk_host	*x = a, *y = b;

	return (x->bh_id < y->bh_id ? -1 : x->bh_id > y->bh_id);
}

/* Most slots first, then lower id. */
static int
bk_cmp_have(const void *a, const void *b)
{
	const struct bk_host	*x = a, *y = b;

	if (x->bh_have != y->bh_have)
		return (x->bh_have > y->bh_have ? -1 : 1);
	return (bk_cmp_id(a, b));
}

/*
 * v (sorted by id, unique, ids 0 dropped) from the n ids given, with the
 * slots each holds in b; returns the count, or -1 without memory.
 */
static int
bk_load(struct bk_host **vp, const uint32_t *ids, int nids,
    const uint32_t *b)
{
	struct bk_host	*v, *h;
	int		 i, j, n;

	*vp = NULL;
	if (nids <= 0)
		return (0);
	if ((v = calloc((size_t)nids, sizeof(*v))) == NULL)
		return (-1);
	for (i = n = 0; i < nids; i++)
		if (ids[i] != 0)
			v[n++].bh_id = ids[i];
	qsort(v, (size_t)n, sizeof(*v), bk_cmp_id);
	for (i = j = 0; i < n; i++)
		if (j == 0 || v[i].bh_id != v[j - 1].bh_id)
			v[j++] = v[i];
	n = j;
	for (i = 0; i < RELAYD_BUCKETS; i++)
		if ((h = bk_find(v, n, b[i])) != NULL)
			h->bh_have++;
	*vp = v;
	return (n);
}

/*
 * Gives each host of v its bh_want slots (the shares sum to 256): a
 * host keeps its share spread over the slots it holds, the rest are
 * refilled.
 * Returns the slots whose owner changed.
 */
static int
bk_assign(uint32_t *b, struct bk_host *v, int n)
{
	struct bk_host	*h;
	uint32_t	 nb[RELAYD_BUCKETS];
	int		 i, j, changed, next;

	/*
	 * Keep what fits in each share, spread over the slots the host
	 * holds (its j-th slot stays when floor((j + 1) * want / have)
	 * steps), so the slots it gives up, and the newcomer that takes
	 * them, are spread round the ring: numgen's roundrobin then
	 * alternates hosts instead of sending a run of flows to one.
	 */
	memset(nb, 0, sizeof(nb));
	for (i = 0; i < n; i++) {
		v[i].bh_keep = v[i].bh_want < v[i].bh_have ? v[i].bh_want :
		    v[i].bh_have;
		v[i].bh_seen = 0;
	}
	for (i = 0; i < RELAYD_BUCKETS; i++) {
		if ((h = bk_find(v, n, b[i])) == NULL)
			continue;
		j = h->bh_seen++;
		if ((long)(j + 1) * h->bh_keep / h->bh_have >
		    (long)j * h->bh_keep / h->bh_have) {
			nb[i] = b[i];
			h->bh_want--;
		}
	}
	/* Refill the free slots, cycling through hosts in id order. */
	next = 0;
	for (i = 0; i < RELAYD_BUCKETS; i++) {
		if (nb[i] != 0)
			continue;
		for (j = 0; j < n; j++) {
			h = &v[(next + j) % n];
			if (h->bh_want > 0)
				break;
		}
		if (j == n)
			break;		/* cannot happen: shares sum to 256 */
		nb[i] = h->bh_id;
		h->bh_want--;
		next = (next + j + 1) % n;
	}

	for (i = changed = 0; i < RELAYD_BUCKETS; i++) {
		changed += b[i] != nb[i];
		b[i] = nb[i];
	}
	return (changed);
}

static struct bk_host *
bk_find(struct bk_host *v, int n, uint32_t id)
{
	struct bk_host	 key;

	memset(&key, 0, sizeof(key));
	key.bh_id = id;
	return (bsearch(&key, v, (size_t)n, sizeof(*v), bk_cmp_id));
}

/*
 * See relayd.h.  Ids 0 and repeated ids in live are ignored.  Returns
 * the number of slots whose owner changed, or -1 when memory runs out
 * (b is then unchanged).
 */
int
buckets_update(uint32_t *b, const uint32_t *live, int nlive)
{
	struct bk_host	*v;
	int		 i, n, q, r, changed;

	if (nlive <= 0) {
		for (i = changed = 0; i < RELAYD_BUCKETS; i++) {
			changed += b[i] != 0;
			b[i] = 0;
		}
		return (changed);
	}
	if ((n = bk_load(&v, live, nlive, b)) == -1)
		return (-1);
	if (n == 0) {
		free(v);
		return (buckets_update(b, live, 0));
	}
	/* Shares: the larger ones to those holding most. */
	q = RELAYD_BUCKETS / n;
	r = RELAYD_BUCKETS % n;
	qsort(v, (size_t)n, sizeof(*v), bk_cmp_have);
	for (i = 0; i < n; i++)
		v[i].bh_want = q + (i < r);
	qsort(v, (size_t)n, sizeof(*v), bk_cmp_id);

	changed = bk_assign(b, v, n);
	free(v);
	return (changed);
}

/*
 * least-states (SCH-6): nftables cannot pick the backend with the fewest
 * states, so the slots are weighed instead: host i's share is inverse to
 * its state count + 1, at least one slot each, so new flows go mostly
 * to the least loaded hosts.  counts[i] belongs to ids[i].  Moves only
 * the slots needed to reach the new shares.  Returns the slots changed,
 * or -1 without memory.
 */
int
buckets_weigh(uint32_t *b, const uint32_t *ids, const uint64_t *counts,
    int nids)
{
	struct bk_host	*v;
	double		 w[RELAYD_BUCKETS], sum = 0, fr, best;
	int		 i, j, n, total, changed;

	if ((n = bk_load(&v, ids, nids, b)) <= 0 || n > RELAYD_BUCKETS) {
		free(v);
		return (n == -1 ? -1 : 0);
	}
	for (i = 0; i < n; i++) {
		for (j = 0; j < nids && ids[j] != v[i].bh_id; j++)
			;
		w[i] = 1.0 / ((double)counts[j] + 1.0);
		sum += w[i];
	}
	for (i = total = 0; i < n; i++) {
		v[i].bh_want = (int)(RELAYD_BUCKETS * w[i] / sum);
		if (v[i].bh_want < 1)
			v[i].bh_want = 1;
		total += v[i].bh_want;
	}
	/* To 256 exactly: the largest remainders first, then take from the
	 * largest shares. */
	while (total < RELAYD_BUCKETS) {
		for (i = 0, j = 0, best = -1; i < n; i++) {
			fr = RELAYD_BUCKETS * w[i] / sum - v[i].bh_want;
			if (fr > best) {
				best = fr;
				j = i;
			}
		}
		v[j].bh_want++;
		total++;
	}
	while (total > RELAYD_BUCKETS) {
		for (i = 1, j = 0; i < n; i++)
			if (v[i].bh_want > v[j].bh_want)
				j = i;
		v[j].bh_want--;
		total--;
	}
	changed = bk_assign(b, v, n);
	free(v);
	return (changed);
}
