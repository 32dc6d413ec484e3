/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

#ifndef HAKIT_CTKILL_H
#define HAKIT_CTKILL_H

#include <stdint.h>

/*
 * Deleting the conntrack entries a daemon no longer wants: those of an
 * abandoned DHCP lease (dhcpd's 'A' table command), those of a relayd
 * backend that went down.  The caller says which entries by a match
 * function; the dump and the deletes are here.
 *
 * Why this shape:
 * - libmnl with libnetfilter_conntrack's nfct_nlmsg_parse/
 *   nfct_nlmsg_build, as pfsyncd/ct.c does, rather than nfct_query():
 *   the callers run this inside their event loop, so the socket gets a
 *   receive timeout (nfct_query blocks in recv with none; here a silent
 *   kernel is ETIMEDOUT after CTKILL_TIMEOUT_SEC), and the dump and the
 *   deletes stay two separate, plain phases on a socket we own.
 * - The dump is asked for one family (the kernel filters by family) and
 *   covers every zone.  The matching entries are kept, then each is
 *   deleted by its own message carrying the tuples, zone and id as
 *   dumped, so an entry recreated meanwhile under the same tuple is not
 *   hit.  An entry gone between the dump and its delete (ENOENT) is not
 *   an error.
 *
 * A match that never returns 1 makes it a walk over the table that
 * deletes nothing (relayd counts each backend's states so).
 *
 * Netlink checks the sender's capabilities: needs CAP_NET_ADMIN.
 */

#define CTKILL_TIMEOUT_SEC	5	/* per receive, dump or ack */

struct nf_conntrack;

/*
 * Deletes the conntrack entries of family af (AF_INET or AF_INET6, every
 * zone) for which match(ct, arg) returns 1; ct is a dumped entry of that
 * family, borrowed for the call.  *killed (may be NULL) counts the
 * entries deleted, even on failure.  Returns 0, or -1 with errno set
 * by the first failure; a failed delete does not stop the others.
 */
int	 ctkill(int af, int (*match)(const struct nf_conntrack *, void *),
	    void *arg, uint64_t *killed);

#endif /* HAKIT_CTKILL_H */
