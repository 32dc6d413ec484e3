/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * leasefile_parse() on hostile text.  Every lease it hands on is written
 * back with leasefile_format() and that text parsed again: exactly the
 * same lease must come back (less the hostnames the format omits), and
 * formatting it again must give the same bytes.  Each lease then goes
 * into a small table, as the loader does (supersede) and as a peer's
 * lease (lease_merge), and the table's indexes are checked after each.
 * A broken invariant aborts.
 */

#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lease.h"

#define CHECK(x)	do { if (!(x)) abort(); } while (0)
#define FMT_MAX		8192	/* two 1023-byte names, a 255-byte uid */
#define NOW		((time_t)1700000000)
#define RANGE_LOW	0xc0000200U	/* 192.0.2.0/26, two pools */
#define RANGE_MID	0xc000021fU
#define RANGE_HIGH	0xc000023fU

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int	 pool_a, pool_b;

/* A deep copy of one parsed lease, for comparing. */
struct kept {
	int		 k_n;
	struct lease	 k_l;
	uint8_t		 k_uid[LEASE_UID_MAX];
	char		 k_hn[1024];
	char		 k_chn[1024];
	int		 k_hn_set;
	int		 k_chn_set;
};

struct run {
	struct lease_db	*r_db;
	int		 r_calls;
	int		 r_errs;
};

static int	 printable(const char *);
static int	 keep(const struct lease *, void *);
static void	 count_err(int, const char *, void *);
static void	 check_name(const char *, int, const char *);
static void	 roundtrip(const struct lease *);
static void	 check_indexes(struct lease_db *, struct lease *);
static void	 into_table(struct lease_db *, const struct lease *);
static int	 on_lease(const struct lease *, void *);
static void	 check_lease(struct lease *, void *);

/* What leasefile_format() writes a hostname for. */
static int
printable(const char *s)
{
	const unsigned char	*p;

	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p < 33 || *p > 126 || *p == '"' || *p == '\\')
			return (0);
	return (1);
}

static int
keep(const struct lease *l, void *arg)
{
	struct kept	*k = arg;

	k->k_n++;
	k->k_l = *l;
	CHECK(l->l_uidlen <= LEASE_UID_MAX);
	CHECK((l->l_uid == NULL) == (l->l_uidlen == 0));
	if (l->l_uidlen > 0)
		memcpy(k->k_uid, l->l_uid, l->l_uidlen);
	if ((k->k_hn_set = l->l_hostname != NULL)) {
		CHECK(strlen(l->l_hostname) < sizeof(k->k_hn));
		memcpy(k->k_hn, l->l_hostname, strlen(l->l_hostname) + 1);
	}
	if ((k->k_chn_set = l->l_client_hostname != NULL)) {
		CHECK(strlen(l->l_client_hostname) < sizeof(k->k_chn));
		memcpy(k->k_chn, l->l_client_hostname,
		    strlen(l->l_client_hostname) + 1);
	}
	return (0);
}

static void
count_err(int line, const char *msg, void *arg)
{
	struct run	*r = arg;

	CHECK(line >= 1);
	CHECK(msg != NULL && msg[0] != '\0');
	r->r_errs++;
}

/* A name read back: the same when the format wrote it, else absent. */
static void
check_name(const char *orig, int set, const char *back)
{
	if (orig == NULL || !printable(orig))
		CHECK(!set);
	else
		CHECK(set && strcmp(orig, back) == 0);
}

static void
roundtrip(const struct lease *l)
{
	static char	 a[FMT_MAX], b[FMT_MAX];
	struct kept	 k;
	size_t		 la, lb;

	la = leasefile_format(l, a, sizeof(a));
	CHECK(la > 0 && la == strlen(a));
	memset(&k, 0, sizeof(k));
	CHECK(leasefile_parse(a, la, keep, &k, NULL) == 1);
	CHECK(k.k_n == 1);
	CHECK(k.k_l.l_ip.s_addr == l->l_ip.s_addr);
	CHECK(k.k_l.l_starts == l->l_starts);
	CHECK(k.k_l.l_ends == l->l_ends);
	CHECK(k.k_l.l_timestamp == 0 && l->l_timestamp == 0);
	CHECK(k.k_l.l_flags == l->l_flags);
	CHECK((l->l_flags & ~(LEASE_ABANDONED | LEASE_DYNAMIC_BOOTP)) == 0);
	CHECK(k.k_l.l_hlen == l->l_hlen);
	CHECK(l->l_hlen <= LEASE_HADDR_MAX);
	if (l->l_hlen > 0) {
		CHECK(k.k_l.l_htype == l->l_htype);
		CHECK(memcmp(k.k_l.l_haddr, l->l_haddr, l->l_hlen) == 0);
	}
	CHECK(k.k_l.l_uidlen == l->l_uidlen);
	if (l->l_uidlen > 0)
		CHECK(memcmp(k.k_uid, l->l_uid, l->l_uidlen) == 0);
	check_name(l->l_hostname, k.k_hn_set, k.k_hn);
	check_name(l->l_client_hostname, k.k_chn_set, k.k_chn);

	k.k_l.l_uid = k.k_l.l_uidlen > 0 ? k.k_uid : NULL;
	k.k_l.l_hostname = k.k_hn_set ? k.k_hn : NULL;
	k.k_l.l_client_hostname = k.k_chn_set ? k.k_chn : NULL;
	lb = leasefile_format(&k.k_l, b, sizeof(b));
	CHECK(la == lb && memcmp(a, b, la) == 0);
	/* one byte short of room is refused, never cut */
	CHECK(leasefile_format(l, b, la) == 0);
}

/* l is where every index says it is. */
static void
check_indexes(struct lease_db *db, struct lease *l)
{
	struct lease	*m;

	CHECK(lease_by_ip(db, l->l_ip) == l);
	if (l->l_hlen > 0) {
		m = lease_by_haddr(db, l->l_haddr, l->l_hlen);
		CHECK(m != NULL && m->l_hlen == l->l_hlen &&
		    memcmp(m->l_haddr, l->l_haddr, l->l_hlen) == 0 &&
		    m->l_ends >= l->l_ends);
	}
	if (l->l_uidlen > 0) {
		m = lease_by_uid(db, l->l_uid, l->l_uidlen);
		CHECK(m != NULL && m->l_uidlen == l->l_uidlen &&
		    memcmp(m->l_uid, l->l_uid, l->l_uidlen) == 0 &&
		    m->l_ends >= l->l_ends);
	}
	if (l->l_flags & LEASE_DANGLING)
		CHECK(l->l_pool == NULL);
}

static void
into_table(struct lease_db *db, const struct lease *p)
{
	struct lease		*l, *local, *other;
	enum lease_merge	 m;
	time_t			 ends;
	int			 flags, chg;

	/* as the loader: only addresses of a range */
	if ((l = lease_by_ip(db, p->l_ip)) != NULL &&
	    !(l->l_flags & LEASE_DANGLING)) {
		chg = lease_supersede(db, l, p);
		CHECK(chg == 0 || chg == LEASE_CHG_MAC);
		CHECK(l->l_ends == p->l_ends && l->l_hlen == p->l_hlen);
		check_indexes(db, l);
	}

	/* as a peer's lease, one second later */
	l = lease_by_ip(db, p->l_ip);
	ends = l != NULL ? l->l_ends : 0;
	m = lease_merge(db, p, NOW, &local, &flags);
	CHECK(lease_merge_name(m)[0] != 'u');
	CHECK((flags & ~(LEASE_CHG_MAC | LEASE_MERGE_MAC_OTHER_IP |
	    LEASE_MERGE_OTHER_ENDED)) == 0);
	/* an ended other lease only with a MAC seen elsewhere */
	CHECK(!(flags & LEASE_MERGE_OTHER_ENDED) ||
	    (flags & LEASE_MERGE_MAC_OTHER_IP));
	other = lease_merge_other(db);
	CHECK((other != NULL) == ((flags & LEASE_MERGE_OTHER_ENDED) != 0));
	CHECK(other == NULL || (other->l_ip.s_addr != p->l_ip.s_addr &&
	    other->l_ends <= NOW));
	switch (m) {
	case LEASE_MERGE_ERROR:
		CHECK(local == NULL);
		CHECK(lease_db_dangling(db) == LEASE_DANGLING_MAX);
		return;
	case LEASE_MERGE_DANGLING:
		CHECK(l == NULL && local != NULL &&
		    (flags & ~(LEASE_MERGE_MAC_OTHER_IP |
		    LEASE_MERGE_OTHER_ENDED)) == 0);
		CHECK(local->l_flags == LEASE_DANGLING);
		CHECK(!lease_persistent(local));
		break;
	case LEASE_MERGE_SUPERSEDED:
		CHECK(local->l_ends == p->l_ends);
		CHECK(local->l_uidlen == 0 && local->l_uid == NULL);
		CHECK((local->l_flags & ~LEASE_DANGLING) == 0);
		break;
	case LEASE_MERGE_CONFLICT:
		CHECK(local->l_ends > NOW && local->l_ends < p->l_ends);
		break;
	case LEASE_MERGE_OURS_NEWER:
		CHECK(local->l_ends > p->l_ends);
		break;
	case LEASE_MERGE_EQUAL:
		CHECK(local->l_ends == p->l_ends);
		break;
	}
	/* hakit merges by the received address, whatever the MAC says */
	CHECK(local->l_ip.s_addr == p->l_ip.s_addr);
	(void)ends;
	check_indexes(db, local);
}

static int
on_lease(const struct lease *l, void *arg)
{
	struct run	*r = arg;

	r->r_calls++;
	CHECK(l->l_ends >= 0 && l->l_starts >= 0);
	roundtrip(l);
	into_table(r->r_db, l);
	return (0);
}

static void
check_lease(struct lease *l, void *arg)
{
	struct lease_db	*db = arg;
	char		 buf[FMT_MAX];

	check_indexes(db, l);
	CHECK(leasefile_format(l, buf, sizeof(buf)) > 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct run	 r;
	struct lease	*l;
	struct in_addr	 lo, mid, hi;
	int		 n;

	memset(&r, 0, sizeof(r));
	lo.s_addr = htonl(RANGE_LOW);
	mid.s_addr = htonl(RANGE_MID);
	hi.s_addr = htonl(RANGE_HIGH);
	CHECK((r.r_db = lease_db_new()) != NULL);
	CHECK(lease_db_add_range(r.r_db, lo, mid, &pool_a) == 0);
	mid.s_addr = htonl(RANGE_MID + 1);
	CHECK(lease_db_add_range(r.r_db, mid, hi, &pool_b) == 0);

	n = leasefile_parse((const char *)data, size, on_lease, &r,
	    count_err);
	CHECK(n == r.r_calls);
	/* without callbacks the parse goes the same way */
	CHECK(leasefile_parse((const char *)data, size, NULL, NULL, NULL) ==
	    n);

	CHECK(lease_db_count(r.r_db) == 64 + lease_db_dangling(r.r_db));
	lease_db_foreach(r.r_db, check_lease, r.r_db);
	if ((l = lease_pool_alloc(r.r_db, &pool_a, NOW)) != NULL)
		CHECK(l->l_pool == &pool_a && l->l_ends <= NOW);
	CHECK(lease_pool_alloc(r.r_db, NULL, NOW) == NULL);
	lease_db_free(r.r_db);
	return (0);
}
