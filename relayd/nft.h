/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

#ifndef RELAYD_NFT_H
#define RELAYD_NFT_H

/*
 * relayd's redirections as nftables (spec 13.1-13.4).
 *
 * relayd owns "table inet hakit_relayd" and nothing else.  The nft_gen_*
 * functions are pure: they write nft command text (one batch each) to a
 * FILE and touch no kernel; nft_apply() hands a batch to libnftables,
 * which sends it as one netlink transaction, applied whole or not at all.
 *
 * The table, by redirect id N (names may hold characters nft refuses):
 *
 *   chain pre          nat, hook prerouting, priority dstnat: jump rN
 *   chain out          nat, hook output, priority -100 (dstnat): jump rN,
 *                      so local clients reach the redirect too
 *   chain sticky_pre   filter, prerouting, priority -99 (after NAT):
 *   chain sticky_out   filter, output, priority -99: jump rN_s
 *   chain rN           the redirect's rules; empty while it is down
 *   chain rN_s         sticky-address only: remembers each new flow's
 *                      backend, read after NAT from the packet itself
 *   map rN_v4, rN_v6   bucket (0..255) -> backend "addr . port", or
 *                      "addr" when the table has no port (the port is
 *                      then kept) or a listen's protocol has no ports;
 *                      with ports, rN_udp_v4/v6 (sctp, dccp, udplite
 *                      likewise) serve the listens of that protocol
 *   map rN_sticky_v4, rN_sticky_v6
 *                      sticky-address only: source -> backend address
 *                      (the table's port is a constant of the rule),
 *                      dynamic, timeout = session timeout
 *   ct timeout rN_tcp4, rN_tcp6, rN_udp4, rN_udp6
 *                      TCP established / UDP replied = session timeout,
 *                      one per l3proto as nftables 1.0.6 wants; only
 *                      those the listens use
 *
 * Per listen, rule 1 sets the ct timeout, the pftag mark and the log;
 * rule 2 (sticky only) DNATs a known source to its remembered backend
 * (a miss falls through); rule 3 DNATs through the bucket map:
 *   roundrobin, least-states   numgen inc mod 256
 *   random                     numgen random mod 256
 *   source-hash                jhash ip saddr mod 256 seed K
 * (least-states: the parent counts each backend's redirected conntrack
 * entries every interval and the pfe weighs the buckets by them, spec
 * 13.3; buckets_weigh().)
 *
 * pftag (RDR-8): a tag name becomes the packet and conntrack mark
 *   - a number (decimal, or 0x and hex digits) from 1 to 0xffffffff is
 *     the mark itself: "pftag 0x10" -> mark 0x10;
 *   - any other name: the 32-bit FNV-1a hash of its bytes, with the
 *     top bit set (so it never collides with small numeric marks):
 *     mark = 0x80000000 | fnv1a32(name).
 *   nft_tag_mark() computes it; "nft list table inet hakit_relayd" shows
 *   the value in the rule.  A filter rule of the admin's matches it with
 *   "meta mark 0x..." or "ct mark 0x...".
 * match pftag (RDR-9): nftables' nat statement ends the evaluation of
 * our own chain only; chains of other tables still see the packet and
 * its mark, which is what pf's "match" gives.  So the text is the same.
 * pflog (RDR-10): "log prefix "relayd rN " group NFT_PFLOG_GROUP" on the
 * first packet of each redirected flow (an NFLOG group, for ulogd2 or
 * "tcpdump -i nflog:0").
 */

#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "relayd.h"

#define NFT_PFLOG_GROUP		0	/* NFLOG group of "pflog" */
#define NFT_PRIO_NAT		(-100)	/* NF_IP_PRI_NAT_DST */
#define NFT_PRIO_STICKY		(-99)	/* just after DNAT */

struct nft_handle;

/* The mark a pftag name stands for (see above); 0 for "". */
uint32_t nft_tag_mark(const char *);

/*
 * At start: deletes a stale table of an earlier instance, then creates
 * the table, its chains and every redirect's objects, with empty rule
 * chains (rules come with nft_gen_rdr()).  0, or -1 when c holds
 * something that cannot be written (an interface name with a quote) or
 * the stream fails.
 */
int	 nft_gen_start(FILE *, const struct relayd_conf *);
/*
 * One redirect's state, one batch.  up == 0: its rules out (chain rN
 * flushed; maps left as they are; sticky maps emptied).  up == 1: its
 * rules (re)written and its maps rewritten from buckets[RELAYD_BUCKETS]
 * (host ids -> conf_host() address, the host's table port).  A map of
 * one family holds that family's hosts only: a bucket whose host is of
 * the other family goes to a host of the right family (the one at
 * bucket % count among them, in id order); with none the map is empty
 * and that family's listens do not redirect.
 * rdr->r_buckets is taken as what is installed now: when a host there
 * is missing from buckets (or r_buckets is all 0, unknown) the sticky
 * maps are emptied, since nft cannot delete entries by value.
 */
int	 nft_gen_rdr(FILE *, const struct relayd_conf *,
	    const struct rd_redirect *, int up, const uint32_t *buckets);
/*
 * Only the maps of an up redirect whose rules are in (a host change):
 * the map elements rewritten, sticky maps emptied as above.
 */
int	 nft_gen_maps(FILE *, const struct relayd_conf *,
	    const struct rd_redirect *, const uint32_t *buckets);
/*
 * Reload, matched by id: objects of removed redirects deleted, new ones
 * created, changed ones (rules or objects differ) rebuilt; unchanged
 * ones are not mentioned at all.  pre/out are never deleted, only their
 * jumps rewritten when the set of redirects changes.  A new or changed
 * redirect gets its rules and maps when its r_status is active or backup,
 * it is not disabled and r_buckets holds a host; else it stays down
 * until the next nft_gen_rdr().
 */
int	 nft_gen_reload(FILE *, const struct relayd_conf *oldc,
	    const struct relayd_conf *newc);
/*
 * 1 when a host installed for o (buckets of oc) is not among r's buckets
 * (of nc), by table and host name: a reload dropped it.
 */
int	 nft_rdr_host_gone(const struct relayd_conf *oc,
	    const struct rd_redirect *o, const struct relayd_conf *nc,
	    const struct rd_redirect *r);
/* 1 when host oh (of another configuration) is among r's buckets. */
int	 nft_rdr_host_kept(const struct relayd_conf *nc,
	    const struct rd_redirect *r, const struct rd_host *oh);
/* Deletes table inet hakit_relayd (no error when it is absent). */
int	 nft_gen_stop(FILE *);

/* A libnftables context whose output and errors go to its buffers. */
struct nft_handle *nft_open(void);
/*
 * Applies a batch atomically.  0, or -1 with nft's first error line in
 * err.
 */
int	 nft_apply(struct nft_handle *, const char *batch, char *err,
	    size_t errlen);
/*
 * Runs a listing command ("list table inet hakit_relayd") and returns
 * its output, valid until the next call on h; NULL on error.
 */
const char *nft_list(struct nft_handle *, const char *cmd, char *err,
	    size_t errlen);
void	 nft_close(struct nft_handle *);
/*
 * The redirects' session counters (counter rN_cnt, packets of the nat
 * chains: one per new flow) from the text of "list counters table inet
 * hakit_relayd"; pure.  Fills ids[] and counts[], returns how many.
 */
int	 nft_parse_counters(const char *text, uint32_t *ids,
	    uint64_t *counts, int max);

/*
 * ct_kill.c: deletes the conntrack entries whose reply source is the
 * backend ss (address; and port, host order, unless 0), so its clients
 * reconnect at once when it goes down.  0, or -1 with errno; *killed
 * counts the entries deleted.
 */
int	 ct_kill_backend(const struct sockaddr_storage *ss, uint16_t port,
	    uint64_t *killed);
/*
 * least-states: counts[i] = the conntrack entries whose reply source is
 * backend ss[i] (and port ports[i], host order, unless 0); n at most
 * RELAYD_BUCKETS.  0, or -1 with errno.
 */
int	 ct_count_backends(const struct sockaddr_storage *ss,
	    const uint16_t *ports, int n, uint64_t *counts);

#endif /* RELAYD_NFT_H */
