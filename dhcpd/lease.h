/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

#ifndef DHCPD_LEASE_H
#define DHCPD_LEASE_H

/*
 * The lease table (lease.c) and the lease file (leasefile.c), as in
 * OpenBSD's dhcpd (specs/dhcpd-sync.md 1.3, 1.6 and 2.7).
 *
 * Every address of every range has an entry from the start: a free one
 * has ends 0 and no MAC.  Entries are found by address, by hardware
 * address (htype not in the key) and by client identifier, and each
 * address belongs to a pool, the opaque id the caller gave its range
 * (dhcpd passes the shared network).  An address outside every range can
 * only come from a peer: it is kept as a "dangling" lease, in no pool,
 * never written to the file.  After a reload, an address that left every
 * range is in no pool either, but it is no dangling lease.
 *
 * Rules for callers: the fields of a struct lease in the table are read
 * only, except l_timestamp, which is in no index.  Everything else
 * changes through the functions below, which keep the indexes right.
 * lease.c is pure (libc and libbsd's trees): time is an argument.
 *
 * Memory: the table owns every lease and the uid and hostname copies
 * hanging from it; lease_db_free() frees them all.  A struct lease passed
 * in as a value (the n of lease_supersede, a received lease) is borrowed
 * and copied, never kept.
 */

/* libbsd's RB_GENERATE_STATIC marks its functions __unused */
#ifndef __unused
#define __unused	__attribute__((__unused__))
#endif
#include <sys/tree.h>

#include <netinet/in.h>

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* l_flags */
#define LEASE_DYNAMIC_BOOTP	0x01	/* written as dynamic-bootp */
#define LEASE_ABANDONED		0x02	/* written as abandoned */
#define LEASE_OFFERED		0x04	/* reserved by an OFFER, memory only */
#define LEASE_DANGLING		0x08	/* from a peer, outside every range */

#define LEASE_INFINITE		((time_t)0x7fffffff)	/* BOOTP ends */
#define LEASE_OFFER_TIME	120	/* s an OFFER reserves its address */
#define LEASE_HADDR_MAX		16
#define LEASE_UID_MAX		255	/* bytes of a uid read from the file */
#define LEASE_DB_MAX		(1 << 20)	/* addresses in all ranges */
#define LEASE_DANGLING_MAX	4096	/* dangling leases kept at most */

/* lease_supersede() result bits, and lease_merge() *flags_out */
#define LEASE_CHG_MAC		0x01	/* MAC changed or cleared: 'C' */
#define LEASE_MERGE_MAC_OTHER_IP 0x02	/* MAC matched a lease elsewhere */
#define LEASE_MERGE_OTHER_ENDED	0x04	/* ...which was ended: see below */

struct lease_pool;

struct lease {
	RB_ENTRY(lease)		 l_byip;
	RB_ENTRY(lease)		 l_byhaddr;	/* only when l_hlen > 0 */
	RB_ENTRY(lease)		 l_byuid;	/* only when l_uidlen > 0 */
	RB_ENTRY(lease)		 l_bypool;	/* free or abandoned tree */
	struct lease_pool	*l_lp;		/* internal */

	struct in_addr		 l_ip;
	time_t			 l_starts;
	time_t			 l_ends;
	time_t			 l_timestamp;	/* last touched */
	uint8_t			 l_htype;
	uint8_t			 l_hlen;	/* 0: no MAC */
	uint8_t			 l_haddr[LEASE_HADDR_MAX];
	uint8_t			*l_uid;		/* owned, NULL: none */
	size_t			 l_uidlen;
	char			*l_hostname;	/* owned, or NULL */
	char			*l_client_hostname; /* owned, or NULL */
	int			 l_flags;
	const void		*l_pool;	/* the range's pool id; NULL:
						   dangling, or in no range
						   since a reload */
};

struct lease_db;

/* What lease_merge() did with a lease received from a peer (2.7). */
enum lease_merge {
	LEASE_MERGE_SUPERSEDED,	/* ours was older: now the peer's (commit) */
	LEASE_MERGE_OURS_NEWER,	/* send ours back to the peers */
	LEASE_MERGE_EQUAL,	/* nothing to do */
	LEASE_MERGE_CONFLICT,	/* ours is active for another MAC: refused */
	LEASE_MERGE_DANGLING,	/* unknown address: kept in memory only */
	LEASE_MERGE_ERROR	/* out of memory, or too many dangling */
};

/* lease.c */
struct lease_db	*lease_db_new(void);
void		 lease_db_free(struct lease_db *);

/*
 * Gives every address low..high (either order) an entry in pool: a new
 * free one, or the existing one moved to pool (a dangling lease becomes
 * an ordinary one).  Returns 0, or -1 (nothing added) when pool is NULL,
 * when the ranges would hold more than LEASE_DB_MAX addresses in all, or
 * when memory ran out.
 */
int		 lease_db_add_range(struct lease_db *, struct in_addr low,
		    struct in_addr high, const void *pool);

/*
 * For a reload: takes every lease out of its pool (l_pool NULL, never
 * allocated) and forgets the pool ids, so the new configuration's ranges
 * can be added again.  Leases keep their times and owners; those left in
 * no range stay known (and in the file) but are no longer offered.
 */
void		 lease_db_unpool(struct lease_db *);

struct lease	*lease_by_ip(struct lease_db *, struct in_addr);
/* Among leases holding this MAC (htype ignored), the one ending last. */
struct lease	*lease_by_haddr(struct lease_db *, const uint8_t *haddr,
		    size_t hlen);
/* Among leases holding this client identifier, the one ending last. */
struct lease	*lease_by_uid(struct lease_db *, const uint8_t *uid,
		    size_t len);

/*
 * A free address of pool at time now: not active (ends <= now), which
 * also excludes an unexpired offer.  Never-used addresses first (ends
 * 0), then the one that ended first; abandoned addresses whose block is
 * over only when no other is free, the oldest first.  NULL when none.
 */
struct lease	*lease_pool_alloc(struct lease_db *, const void *pool,
		    time_t now);

/*
 * Reserves l for LEASE_OFFER_TIME s in memory (LEASE_OFFERED) for this
 * MAC.  A lease that is already active for the same MAC keeps its ends
 * and is not marked (it is committed; a rewrite must keep writing it).
 * A new MAC drops the old owner's uid and hostnames.
 */
void		 lease_offer(struct lease_db *, struct lease *,
		    const uint8_t *haddr, uint8_t htype, uint8_t hlen,
		    time_t now);

/*
 * Copies n's starts, ends, timestamp, hardware address, uid, hostnames
 * and flags into l (not the address, pool or LEASE_DANGLING), clears
 * LEASE_OFFERED and re-indexes l.  n may share memory with l.  Returns
 * LEASE_CHG_MAC when the MAC changed, was cleared or was set where none
 * was (OpenBSD's 'C' rule), else 0; -1 when out of memory (l unchanged).
 */
int		 lease_supersede(struct lease_db *, struct lease *,
		    const struct lease *n);

/* Ends an active lease now (ends = now) and any offer on it. */
void		 lease_release(struct lease_db *, struct lease *, time_t now);
/*
 * LEASE_ABANDONED, MAC and uid cleared, blocked until now + block_for.
 */
void		 lease_abandon(struct lease_db *, struct lease *, time_t now,
		    time_t block_for);

/* Calls cb for every lease in address order; cb must not add, remove or
   re-index leases. */
void		 lease_db_foreach(struct lease_db *,
		    void (*)(struct lease *, void *), void *);
size_t		 lease_db_count(const struct lease_db *);
size_t		 lease_db_dangling(const struct lease_db *);

/*
 * Calls cb for every lease whose ends fell in (since, now], dangling,
 * offered and abandoned ones included (the caller decides; for the -L
 * table an 'R' is harmless).  cb must not change the table.
 */
void		 lease_db_expire(struct lease_db *, time_t since, time_t now,
		    void (*)(struct lease *, void *), void *);

/*
 * Merges a lease received from a peer (2.7); only its starts, ends,
 * timestamp, address and hardware address are read.  Looks the lease up
 * by MAC, then by address.  Not found: a dangling lease is created
 * (DANGLING; the caller then runs its full write and re-send).  Ours
 * ending earlier: superseded with the peer's times and MAC (no uid, no
 * flags; hostnames kept when the MAC is the same), unless ours is active
 * for another MAC (CONFLICT).  Ours ending later: OURS_NEWER.  *local
 * gets the local lease concerned (NULL on ERROR); *flags_out gets
 * LEASE_CHG_MAC from the supersede and LEASE_MERGE_MAC_OTHER_IP when the
 * MAC matched a lease on another address.  OpenBSD then gives that
 * lease the peer's times, keeping its address: the address the peer
 * granted stays free here and the stale one is extended.  hakit merges
 * by the received address instead and, when the peer's lease is the
 * newer grant, ends the client's lease on the other address
 * (LEASE_MERGE_OTHER_ENDED; lease_merge_other() returns it for the
 * caller's file and tables).  The wire format is unchanged.
 */
enum lease_merge lease_merge(struct lease_db *, const struct lease *received,
		    time_t now, struct lease **local, int *flags_out);
struct lease	*lease_merge_other(struct lease_db *);
const char	*lease_merge_name(enum lease_merge);

/* A lease the file keeps: a MAC, a uid or abandoned; not dangling or
   offered. */
int		 lease_persistent(const struct lease *);

/* leasefile.c: pure part */

/*
 * Parses the text of a lease file (dhcpd.leases(5)).  Each good block is
 * handed to cb as a lease whose pointers live only during the call; cb
 * returns 0, or -1 to stop the parse.  A bad or truncated block is
 * reported through err (line, message and arg) and skipped: parsing goes
 * on at the next "lease" word.  cb and err may be NULL.  Returns the
 * number of good blocks, or -1 when cb stopped it or memory ran out.
 */
int		 leasefile_parse(const char *text, size_t len,
		    int (*cb)(const struct lease *, void *), void *arg,
		    void (*err)(int line, const char *msg, void *));

/*
 * Writes l as OpenBSD's dhcpd does, NUL-terminated.  Returns the length
 * without the NUL, or 0 when cap is too small (or a time cannot be
 * converted).  A hostname holding a byte outside 33..126 is omitted, as
 * in OpenBSD; hakit also omits one holding '"' or '\', which would let a
 * client write statements into the file.
 */
size_t		 leasefile_format(const struct lease *, char *buf, size_t cap);

/* leasefile.c: the file */

#define LEASEFILE_REWRITE_APPENDS	1000
#define LEASEFILE_REWRITE_AGE		3600

struct leasefile;

struct leasefile_stats {
	uint64_t	 ls_loaded;	/* blocks applied at load */
	uint64_t	 ls_dropped;	/* outside every range */
	uint64_t	 ls_bad;	/* bad or truncated blocks skipped */
	uint64_t	 ls_appends;	/* appended since the last rewrite */
	uint64_t	 ls_rewrites;
	uint64_t	 ls_commits;	/* fsyncs of appends */
};

/* Opens (creating, 0640) path for reading and writing; NULL with err
   filled on error. */
struct leasefile *leasefile_open(const char *path, char *err, size_t errlen);
/*
 * Reads the whole file into db: the last block of an address wins; an
 * address in no range (or dangling) is dropped with a message.  Bad
 * blocks are logged and skipped.  Counts as a rewrite at now for
 * leasefile_need_rewrite().  Returns the number of blocks applied, or -1
 * (read error, out of memory).
 */
int		 leasefile_load(struct leasefile *, struct lease_db *,
		    time_t now);
/*
 * Rewrites the file in place: rewind, a comment header, every
 * lease_persistent() lease, ftruncate at the offset, fsync.  Resets the
 * append count and sets the rewrite time.  Returns 0 or -1 (errno set).
 */
int		 leasefile_rewrite(struct leasefile *, struct lease_db *,
		    time_t now);
/*
 * Appends l (buffered, no fsync) and counts it.  Dangling and offered
 * leases are never written: 0 without writing.  Returns 0 or -1.
 */
int		 leasefile_append(struct leasefile *, const struct lease *);
/* Appends every lease_persistent() lease (after a dangling merge). */
int		 leasefile_append_all(struct leasefile *, struct lease_db *);
/* fflush + one fsync for every append since the last commit (group
   commit); 0 at once when nothing is pending.  Returns 0 or -1. */
int		 leasefile_commit(struct leasefile *);
/* More than 1000 appends since the last rewrite, or at least one and
   the last rewrite over 3600 s before now. */
int		 leasefile_need_rewrite(const struct leasefile *, time_t now);
const struct leasefile_stats *leasefile_stats(const struct leasefile *);
void		 leasefile_close(struct leasefile *);

#endif /* DHCPD_LEASE_H */
