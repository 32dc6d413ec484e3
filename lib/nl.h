/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

#ifndef HAKIT_NL_H
#define HAKIT_NL_H

#include <net/if.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

/*
 * rtnetlink helpers: the one place where hakit's daemons ask the kernel
 * about links and addresses and change them (macvlans, VIPs, link state).
 *
 * Why this shape:
 * - libmnl and not a hand-rolled netlink layer: it is small, Debian ships
 *   it, and its attribute builders and validators are what every other
 *   netlink user already trusts.  The request loop is ours because it
 *   must drop what the kernel did not send and resynchronise after a
 *   request that failed half way through a dump.
 * - Synchronous request/ack on one NETLINK_ROUTE socket: every change is
 *   acknowledged before the call returns, so the daemon's view and the
 *   kernel's cannot drift, and a kernel refusal comes back as -1 with
 *   errno set from the netlink error (EEXIST, ENODEV, EPERM...), which
 *   the caller logs and counts.  Sequence numbers and the sender's port
 *   are checked, so a stale or forged reply is never taken as the answer.
 * - A second, non-blocking socket subscribed to the link and address
 *   multicast groups: the daemon learns that a carpdev went down or that
 *   an address vanished, and when the socket overruns (ENOBUFS: events
 *   were lost) it is told so and resyncs with a dump.
 * - Every reply and event is parsed with explicit bounds: a message or
 *   attribute whose length does not fit, or whose payload has the wrong
 *   size for its type, makes the call fail with EBADMSG; nothing is read
 *   past the bytes received.
 *
 * Netlink checks the sender's capabilities (CAP_NET_ADMIN for changes),
 * so only a privileged process may use the request socket for writes.
 */

#define NL_KINDLEN	16	/* IFLA_INFO_KIND, "macvlan" */
#define NL_ALIASLEN	256	/* IFLA_IFALIAS, the kernel's IFALIASZ */

/* What a link looks like to a daemon. */
struct nl_link {
	int		 ifindex;
	char		 name[IFNAMSIZ];
	unsigned int	 flags;		/* IFF_* as the kernel reports them */
	int		 oper_up;	/* IFF_UP and IFF_RUNNING */
	uint8_t		 mac[6];	/* zero unless a 6-byte link address */
	int		 link_ifindex;	/* IFLA_LINK (the parent), 0 if none */
	char		 kind[NL_KINDLEN];	/* "" unless IFLA_INFO_KIND */
	char		 alias[NL_ALIASLEN];	/* "" unless IFLA_IFALIAS */
};

struct nl;		/* request socket, sequence number, reply buffer */
struct nl_ev;		/* event socket */
struct nlmsghdr;

struct mnl_socket;

/*
 * The request loop under every call below, for a daemon with a netlink
 * socket of another family (sasyncd's NETLINK_XFRM): sends req with the
 * next sequence number and reads into buf (aligned for nlmsghdr) until
 * its ack, error or end of dump, giving every other answer to req to cb.
 * Replies to earlier requests are skipped; after cb fails or the kernel
 * reports an error mid-dump the rest is still read.  0, or -1 with
 * errno: the kernel's error, cb's, EBADMSG (malformed reply), EAGAIN
 * (dump interrupted: try again), ETIMEDOUT.
 */
int	 nl_request(struct mnl_socket *, unsigned int portid, uint32_t *seq,
	    void *buf, size_t buflen, struct nlmsghdr *req,
	    int (*cb)(const struct nlmsghdr *, void *), void *arg);
/* One datagram from the kernel: its length, 0 for one from another
 * sender (dropped), -1 with errno (ENOSPC: truncated). */
ssize_t	 nl_recv_kernel(int fd, void *buf, size_t len);

/* Opens and binds the request socket; NULL with errno set on failure. */
struct nl	*nl_open(void);
void		 nl_close(struct nl *);

/* The index of the link called name; -1 with ENODEV if there is none. */
int	 nl_link_index(struct nl *, const char *name);

/*
 * Fills *out for the link with this index (when ifindex > 0) or else
 * this name.  -1 with errno set (ENODEV if no such link).
 */
int	 nl_link_get(struct nl *, int ifindex, const char *name,
	    struct nl_link *out);

/*
 * Dumps every link and calls cb for each.  cb returns 0 to go on or -1
 * (with errno set) to make nl_link_list return -1; the rest of the dump
 * is read and dropped either way, so the socket stays in step.
 */
int	 nl_link_list(struct nl *, int (*cb)(const struct nl_link *, void *),
	    void *arg);

/*
 * Creates macvlan name on parent_ifindex in bridge mode with the given
 * MAC and (when not NULL) alias, administratively down, and with IPv6
 * address generation off so the kernel adds no link-local address of its
 * own.  -1 with errno set (EEXIST if the name is taken); on failure
 * nothing is left behind.
 */
int	 nl_macvlan_create(struct nl *, const char *name, int parent_ifindex,
	    const uint8_t mac[6], const char *alias);
int	 nl_link_delete(struct nl *, int ifindex);
int	 nl_link_set_up(struct nl *, int ifindex, int up);

/*
 * Adds address a (a_plen -1 means a host address, /32 or /128).  IPv6
 * addresses skip duplicate address detection so a VIP works at once;
 * IPv4 ones shorter than /31 get their broadcast address.  An address
 * already there is success.
 */
int	 nl_addr_add(struct nl *, int ifindex, const struct addr *a);
/* Removes address a; one already gone is success. */
int	 nl_addr_del(struct nl *, int ifindex, const struct addr *a);

/*
 * The first usable address of ifindex in family af: for AF_INET the first
 * primary address; for AF_INET6 the link-local one (want_linklocal) or
 * the first other one.  Tentative and DAD-failed addresses are not
 * usable.  -1 with ENOENT if there is none.
 */
int	 nl_addr_first(struct nl *, int ifindex, int af, int want_linklocal,
	    struct addr *out);

/*
 * Writes value to /proc/sys/path ("net/ipv6/conf/carp0/accept_dad"); a
 * path starting with "/proc/sys/" is taken as is.  Sysctls are not
 * netlink, but they are kernel state set next to it.  -1 with errno set.
 */
int	 nl_sysctl_set(const char *path, const char *value);

enum nl_ev_type {
	NL_EV_LINK_NEW = 1,
	NL_EV_LINK_DEL,
	NL_EV_ADDR_NEW,
	NL_EV_ADDR_DEL,
	NL_EV_OVERRUN	/* events were lost: resync with a dump */
};

struct nl_event {
	enum nl_ev_type	 type;
	int		 error;		/* NL_EV_OVERRUN: ENOBUFS, or EBADMSG
					   for a message that did not parse */
	struct nl_link	 link;		/* NL_EV_LINK_* */
	int		 addr_ifindex;	/* NL_EV_ADDR_* */
	struct addr	 addr;		/* NL_EV_ADDR_*, a_plen set */
	unsigned int	 addr_flags;	/* NL_EV_ADDR_*: IFA_F_* */
};

/* Opens the event socket (non-blocking); NULL with errno set. */
struct nl_ev	*nl_ev_open(void);
void		 nl_ev_close(struct nl_ev *);
int		 nl_ev_fd(const struct nl_ev *);

/*
 * Reads the events pending (never blocks) and calls cb for each.  cb
 * returns 0 to go on or -1 (errno set) to stop: nl_ev_read then returns
 * -1 and the rest of that datagram is dropped.  Otherwise returns 0, also
 * after an overrun, which cb sees as NL_EV_OVERRUN.  At most a bounded
 * number of datagrams is read per call, so a flood cannot starve the
 * event loop: the fd stays readable and the loop calls again.
 */
int	 nl_ev_read(struct nl_ev *, int (*cb)(const struct nl_event *, void *),
	    void *arg);
const char *nl_ev_name(enum nl_ev_type);

/*
 * Pure parsers shared by the dumps, the events, the tests and fuzzers.
 * nlh points at len readable bytes, 4-byte aligned.  nl_parse_link takes
 * RTM_NEWLINK / RTM_DELLINK, nl_parse_addr RTM_NEWADDR / RTM_DELADDR of
 * AF_INET or AF_INET6 (the IFA_F_* flags go to *flags).  Both return 0,
 * or -1 with EBADMSG for a malformed message or EAFNOSUPPORT for an
 * address family other than those two.
 */
int	 nl_parse_link(const struct nlmsghdr *nlh, size_t len,
	    struct nl_link *out);
int	 nl_parse_addr(const struct nlmsghdr *nlh, size_t len, int *ifindex,
	    struct addr *out, unsigned int *flags);

#endif /* HAKIT_NL_H */
