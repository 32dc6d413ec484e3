/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * rtnetlink through libmnl: see nl.h for why it looks like this.
 *
 * libmnl builds the requests and validates attribute types; the receive
 * side is ours so that it can drop datagrams not sent by the kernel, skip
 * replies to an earlier request, and keep reading a dump to its end after
 * an error, which leaves the socket in step for the next request.
 */

#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "addr.h"
#include "nl.h"

/*
 * Large enough for any one link message the kernel sends (it sizes dump
 * datagrams to what the reader offered before), so MSG_TRUNC means a bug.
 */
#define NL_BUFSIZE	32768
/* A request: header, fixed part, name, alias, a few small attributes. */
#define NL_REQSIZE	1024
/* The kernel always answers; a reply this late means something broke. */
#define NL_TIMEOUT_SEC	5
/* Datagrams read per nl_ev_read() call, so a flood cannot starve others. */
#define NL_EV_BATCH	32
/* Event socket receive buffer: room for a burst of link/address events. */
#define NL_EV_RCVBUF	(1024 * 1024)

/* Received datagrams, aligned for the headers read from them. */
union nl_rbuf {
	struct nlmsghdr		 rb_hdr;
	uint8_t			 rb_data[NL_BUFSIZE];
};

struct nl {
	struct mnl_socket	*nl_sock;
	unsigned int		 nl_portid;
	uint32_t		 nl_seq;
	union nl_rbuf		 nl_buf;
};

struct nl_ev {
	struct mnl_socket	*ev_sock;
	union nl_rbuf		 ev_buf;
};

/* A request under construction, aligned for the headers put into it. */
struct nl_req {
	_Alignas(struct nlmsghdr) uint8_t r_buf[NL_REQSIZE];
};

struct nl_list_arg {
	int	(*la_cb)(const struct nl_link *, void *);
	void	 *la_arg;
};

struct nl_get_arg {
	struct nl_link	*ga_out;
	int		 ga_found;
};

struct nl_first_arg {
	int		 fa_ifindex;
	int		 fa_af;
	int		 fa_linklocal;
	struct addr	*fa_out;
	int		 fa_found;
};

static int	 nl_talk(struct nl *, struct nlmsghdr *,
		    int (*)(const struct nlmsghdr *, void *), void *);
static int	 nl_reply_error(const struct nlmsghdr *);
static int	 nl_payload(const struct nlmsghdr *, size_t, size_t,
		    const void **, const void **, size_t *);
static int	 nl_attr_table(const void *, size_t, const struct nlattr **,
		    int);
static int	 nl_attr_str(const struct nlattr *, char *, size_t, int);
static struct nlmsghdr *nl_link_req(struct nl_req *, uint16_t, uint16_t,
		    int);
static int	 nl_link_get_cb(const struct nlmsghdr *, void *);
static int	 nl_link_list_cb(const struct nlmsghdr *, void *);
static int	 nl_macvlan_finish(struct nl *, int, const char *);
static int	 nl_addr_req(struct nl *, uint16_t, uint16_t, int,
		    const struct addr *);
static int	 nl_addr_first_cb(const struct nlmsghdr *, void *);
static int	 nl_ev_dispatch(const struct nlmsghdr *,
		    int (*)(const struct nl_event *, void *), void *);
static int	 nl_ev_overrun(int, int (*)(const struct nl_event *, void *),
		    void *);

struct nl *
nl_open(void)
{
	struct nl	*nl;
	struct timeval	 tv = { .tv_sec = NL_TIMEOUT_SEC };
	int		 one = 1, fd, save;

	if ((nl = calloc(1, sizeof(*nl))) == NULL)
		return (NULL);
	if ((nl->nl_sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC)) ==
	    NULL)
		goto fail;
	fd = mnl_socket_get_fd(nl->nl_sock);
	/* Errors need not echo our request back: we know what we sent. */
	if (setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one,
	    sizeof(one)) == -1)
		goto fail;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == -1)
		goto fail;
	if (mnl_socket_bind(nl->nl_sock, 0, MNL_SOCKET_AUTOPID) == -1)
		goto fail;
	nl->nl_portid = mnl_socket_get_portid(nl->nl_sock);
	nl->nl_seq = (uint32_t)time(NULL);
	return (nl);
 fail:
	save = errno;
	nl_close(nl);
	errno = save;
	return (NULL);
}

void
nl_close(struct nl *nl)
{
	if (nl == NULL)
		return;
	if (nl->nl_sock != NULL)
		(void)mnl_socket_close(nl->nl_sock);
	free(nl);
}

/*
 * Receives one datagram.  Returns its length, 0 for a datagram that did
 * not come from the kernel (dropped: any local process may write to our
 * port), or -1 with errno set (ENOSPC if it was truncated).
 */
ssize_t
nl_recv_kernel(int fd, void *buf, size_t len)
{
	struct sockaddr_nl	 sa;
	struct iovec		 iov;
	struct msghdr		 msg;
	ssize_t			 n;

	iov.iov_base = buf;
	iov.iov_len = len;
	memset(&msg, 0, sizeof(msg));
	memset(&sa, 0, sizeof(sa));
	msg.msg_name = &sa;
	msg.msg_namelen = sizeof(sa);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	do {
		n = recvmsg(fd, &msg, 0);
	} while (n == -1 && errno == EINTR);
	if (n == -1)
		return (-1);
	if (msg.msg_flags & MSG_TRUNC) {
		errno = ENOSPC;
		return (-1);
	}
	if (msg.msg_namelen != sizeof(sa) || sa.nl_family != AF_NETLINK ||
	    sa.nl_pid != 0)
		return (0);
	return (n);
}

/* The errno an NLMSG_ERROR carries: 0 for an ack, -1 if malformed. */
static int
nl_reply_error(const struct nlmsghdr *nlh)
{
	struct nlmsgerr	 e;

	if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(e.error))
		return (-1);
	memcpy(&e.error, mnl_nlmsg_get_payload(nlh), sizeof(e.error));
	if (e.error > 0 || e.error == INT_MIN)
		return (-1);
	return (-e.error);
}

/*
 * Sends req and reads until its ack, error or end of dump, giving every
 * other message of the reply to cb.  Replies to earlier requests (an
 * earlier call that timed out) are skipped by sequence number.  After cb
 * fails, or a dump reports an error, the rest of the reply is still read
 * so the next request starts clean.  Returns 0, or -1 with errno set:
 * the kernel's error, cb's, EBADMSG for a malformed reply, EAGAIN for a
 * dump the kernel marked inconsistent (try again), ETIMEDOUT.
 */
int
nl_request(struct mnl_socket *sock, unsigned int portid, uint32_t *seqp,
    void *buf, size_t buflen, struct nlmsghdr *req,
    int (*cb)(const struct nlmsghdr *, void *), void *arg)
{
	const struct nlmsghdr	*nlh;
	ssize_t			 n;
	uint32_t		 seq;
	int			 fd, rem, err = 0, e, done = 0;

	fd = mnl_socket_get_fd(sock);
	seq = ++*seqp;
	req->nlmsg_seq = seq;
	req->nlmsg_flags |= NLM_F_REQUEST;
	if ((req->nlmsg_flags & NLM_F_DUMP) != NLM_F_DUMP)
		req->nlmsg_flags |= NLM_F_ACK;
	n = mnl_socket_sendto(sock, req, req->nlmsg_len);
	if (n == -1)
		return (-1);
	if ((size_t)n != req->nlmsg_len) {
		errno = EMSGSIZE;
		return (-1);
	}

	while (!done) {
		if ((n = nl_recv_kernel(fd, buf, buflen)) == -1) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				errno = ETIMEDOUT;
			return (-1);
		}
		nlh = buf;
		rem = (int)n;
		for (; mnl_nlmsg_ok(nlh, rem); nlh = mnl_nlmsg_next(nlh, &rem)) {
			if (nlh->nlmsg_seq != seq || nlh->nlmsg_pid != portid)
				continue;	/* not an answer to req */
			if ((nlh->nlmsg_flags & NLM_F_DUMP_INTR) && err == 0)
				err = EAGAIN;
			switch (nlh->nlmsg_type) {
			case NLMSG_NOOP:
				continue;
			case NLMSG_ERROR:
				if ((e = nl_reply_error(nlh)) == -1)
					e = EBADMSG;
				if (err == 0)
					err = e;
				done = 1;
				break;
			case NLMSG_DONE:
				/* A dump may end with its own error code. */
				if ((e = nl_reply_error(nlh)) > 0 && err == 0)
					err = e;
				done = 1;
				break;
			case NLMSG_OVERRUN:
				if (err == 0)
					err = EBADMSG;
				break;
			default:
				if (cb == NULL || err != 0)
					break;
				errno = 0;
				if (cb(nlh, arg) == -1)
					err = errno != 0 ? errno : EBADMSG;
				break;
			}
			if (done)
				break;
		}
		/* Bytes left that make no message: the datagram is corrupt. */
		if (!done && rem > 0) {
			errno = EBADMSG;
			return (-1);
		}
	}
	if (err != 0) {
		errno = err;
		return (-1);
	}
	return (0);
}

static int
nl_talk(struct nl *nl, struct nlmsghdr *req,
    int (*cb)(const struct nlmsghdr *, void *), void *arg)
{
	return (nl_request(nl->nl_sock, nl->nl_portid, &nl->nl_seq,
	    &nl->nl_buf, sizeof(nl->nl_buf), req, cb, arg));
}

/*
 * Checks that nlh fits in len and holds at least a fixed header of size
 * fixed; points *fixedp at that header and *attrs, *alen at what
 * follows it.  -1 with EBADMSG (EINVAL if nlh is misaligned).
 */
static int
nl_payload(const struct nlmsghdr *nlh, size_t len, size_t fixed,
    const void **fixedp, const void **attrs, size_t *alen)
{
	size_t		 hlen = MNL_NLMSG_HDRLEN + MNL_ALIGN(fixed);
	uint32_t	 mlen;

	if (((uintptr_t)nlh & (NLMSG_ALIGNTO - 1)) != 0) {
		errno = EINVAL;
		return (-1);
	}
	if (len < sizeof(*nlh) || len > INT_MAX)
		goto bad;
	mlen = nlh->nlmsg_len;
	if (mlen > len || mlen < NLMSG_HDRLEN + fixed)
		goto bad;
	*fixedp = mnl_nlmsg_get_payload(nlh);
	if (mlen <= hlen) {
		*attrs = NULL;
		*alen = 0;
	} else {
		*attrs = mnl_nlmsg_get_payload_offset(nlh, fixed);
		*alen = mlen - hlen;
	}
	return (0);
 bad:
	errno = EBADMSG;
	return (-1);
}

/*
 * Indexes the attributes in data[0..len) by type into tb[0..max] (the
 * last of a type wins; types above max are skipped).  -1 if an attribute
 * is shorter than its header or runs past the end, or if bytes are left
 * over that make no attribute.
 */
static int
nl_attr_table(const void *data, size_t len, const struct nlattr **tb,
    int max)
{
	const struct nlattr	*a = data;
	int			 rem, type;

	memset(tb, 0, sizeof(*tb) * ((size_t)max + 1));
	if (len > INT_MAX)
		return (-1);
	rem = (int)len;
	while (rem >= (int)sizeof(*a)) {
		if (!mnl_attr_ok(a, rem))
			return (-1);
		type = mnl_attr_get_type(a);
		if (type <= max)
			tb[type] = a;
		/* The last attribute may stop short of its padding. */
		rem -= (int)MNL_ALIGN(a->nla_len);
		if (rem > 0)
			a = mnl_attr_next(a);
	}
	return (rem <= 0 ? 0 : -1);
}

/*
 * Copies a string attribute (up to its NUL or its end) into dst.  When it
 * does not fit: -1, or a truncated copy if trunc_ok.
 */
static int
nl_attr_str(const struct nlattr *a, char *dst, size_t dstlen, int trunc_ok)
{
	const char	*s, *nul;
	size_t		 n;

	s = mnl_attr_get_payload(a);
	n = mnl_attr_get_payload_len(a);
	if ((nul = memchr(s, '\0', n)) != NULL)
		n = (size_t)(nul - s);
	if (n >= dstlen) {
		if (!trunc_ok)
			return (-1);
		n = dstlen - 1;
	}
	memcpy(dst, s, n);
	dst[n] = '\0';
	return (0);
}

int
nl_parse_link(const struct nlmsghdr *nlh, size_t len, struct nl_link *out)
{
	const struct nlattr	*tb[IFLA_MAX + 1], *li[IFLA_INFO_MAX + 1];
	const struct nlattr	*a;
	const void		*fixed, *attrs;
	struct ifinfomsg	 ifi;
	size_t			 alen;
	uint32_t		 v;

	if (nl_payload(nlh, len, sizeof(ifi), &fixed, &attrs, &alen) == -1)
		return (-1);
	if (nlh->nlmsg_type != RTM_NEWLINK && nlh->nlmsg_type != RTM_DELLINK)
		goto bad;
	memcpy(&ifi, fixed, sizeof(ifi));
	if (ifi.ifi_index <= 0)
		goto bad;
	if (nl_attr_table(attrs, alen, tb, IFLA_MAX) == -1)
		goto bad;

	memset(out, 0, sizeof(*out));
	out->ifindex = ifi.ifi_index;
	out->flags = ifi.ifi_flags;
	out->oper_up = (ifi.ifi_flags & IFF_UP) && (ifi.ifi_flags & IFF_RUNNING);

	/* Every link has a name; without one the message is not a link. */
	if ((a = tb[IFLA_IFNAME]) == NULL ||
	    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == -1 ||
	    nl_attr_str(a, out->name, sizeof(out->name), 0) == -1 ||
	    out->name[0] == '\0')
		goto bad;
	/* Other link types have other address lengths: no MAC for them. */
	if ((a = tb[IFLA_ADDRESS]) != NULL &&
	    mnl_attr_get_payload_len(a) == sizeof(out->mac))
		memcpy(out->mac, mnl_attr_get_payload(a), sizeof(out->mac));
	if ((a = tb[IFLA_LINK]) != NULL) {
		if (mnl_attr_validate(a, MNL_TYPE_U32) == -1)
			goto bad;
		if ((v = mnl_attr_get_u32(a)) > INT_MAX)
			goto bad;
		out->link_ifindex = (int)v;
	}
	if ((a = tb[IFLA_IFALIAS]) != NULL &&
	    (mnl_attr_validate(a, MNL_TYPE_STRING) == -1 ||
	    nl_attr_str(a, out->alias, sizeof(out->alias), 0) == -1))
		goto bad;
	if ((a = tb[IFLA_LINKINFO]) != NULL) {
		if (mnl_attr_validate(a, MNL_TYPE_NESTED) == -1 ||
		    nl_attr_table(mnl_attr_get_payload(a),
		    mnl_attr_get_payload_len(a), li, IFLA_INFO_MAX) == -1)
			goto bad;
		/*
		 * A kind too long for kind[] is no kind we look for; keep
		 * it truncated rather than fail a whole dump over it.
		 */
		if ((a = li[IFLA_INFO_KIND]) != NULL &&
		    (mnl_attr_validate(a, MNL_TYPE_STRING) == -1 ||
		    nl_attr_str(a, out->kind, sizeof(out->kind), 1) == -1))
			goto bad;
	}
	return (0);
 bad:
	errno = EBADMSG;
	return (-1);
}

int
nl_parse_addr(const struct nlmsghdr *nlh, size_t len, int *ifindex,
    struct addr *out, unsigned int *flags)
{
	const struct nlattr	*tb[IFA_MAX + 1], *a;
	const void		*fixed, *attrs;
	struct ifaddrmsg	 ifa;
	size_t			 alen, asz;
	int			 max;

	if (nl_payload(nlh, len, sizeof(ifa), &fixed, &attrs, &alen) == -1)
		return (-1);
	if (nlh->nlmsg_type != RTM_NEWADDR && nlh->nlmsg_type != RTM_DELADDR)
		goto bad;
	memcpy(&ifa, fixed, sizeof(ifa));
	if (ifa.ifa_family == AF_INET) {
		asz = 4;
		max = 32;
	} else if (ifa.ifa_family == AF_INET6) {
		asz = 16;
		max = 128;
	} else {
		errno = EAFNOSUPPORT;
		return (-1);
	}
	if (ifa.ifa_index == 0 || ifa.ifa_index > INT_MAX ||
	    ifa.ifa_prefixlen > max)
		goto bad;
	if (nl_attr_table(attrs, alen, tb, IFA_MAX) == -1)
		goto bad;
	if ((tb[IFA_LOCAL] != NULL &&
	    mnl_attr_validate2(tb[IFA_LOCAL], MNL_TYPE_BINARY, asz) == -1) ||
	    (tb[IFA_ADDRESS] != NULL &&
	    mnl_attr_validate2(tb[IFA_ADDRESS], MNL_TYPE_BINARY, asz) == -1))
		goto bad;
	/*
	 * IFA_LOCAL is our end when the kernel sends both (IFA_ADDRESS is
	 * then the peer of a point-to-point link); else IFA_ADDRESS is it.
	 */
	if ((a = tb[IFA_LOCAL]) == NULL && (a = tb[IFA_ADDRESS]) == NULL)
		goto bad;

	memset(out, 0, sizeof(*out));
	out->a_af = ifa.ifa_family;
	out->a_plen = ifa.ifa_prefixlen;
	memcpy(out->a_u.raw, mnl_attr_get_payload(a), asz);
	*ifindex = (int)ifa.ifa_index;
	*flags = ifa.ifa_flags;
	/* Flags above the first eight only fit in IFA_FLAGS. */
	if ((a = tb[IFA_FLAGS]) != NULL) {
		if (mnl_attr_validate(a, MNL_TYPE_U32) == -1)
			goto bad;
		*flags = mnl_attr_get_u32(a);
	}
	return (0);
 bad:
	errno = EBADMSG;
	return (-1);
}

/* Starts an RTM_*LINK request about ifindex (0: named by attribute). */
static struct nlmsghdr *
nl_link_req(struct nl_req *r, uint16_t type, uint16_t flags, int ifindex)
{
	struct nlmsghdr		*nlh;
	struct ifinfomsg	*ifi;

	memset(r, 0, sizeof(*r));
	nlh = mnl_nlmsg_put_header(r->r_buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	return (nlh);
}

static int
nl_link_get_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct nl_get_arg	*ga = arg;

	if (ga->ga_found)
		return (0);
	if (nl_parse_link(nlh, nlh->nlmsg_len, ga->ga_out) == -1)
		return (-1);
	ga->ga_found = 1;
	return (0);
}

int
nl_link_get(struct nl *nl, int ifindex, const char *name,
    struct nl_link *out)
{
	struct nl_req		 r;
	struct nlmsghdr		*nlh;
	struct nl_get_arg	 ga = { .ga_out = out };

	if (ifindex <= 0) {
		if (name == NULL || name[0] == '\0') {
			errno = EINVAL;
			return (-1);
		}
		if (strlen(name) >= IFNAMSIZ) {
			errno = ENODEV;		/* no link has that name */
			return (-1);
		}
		ifindex = 0;
	}
	nlh = nl_link_req(&r, RTM_GETLINK, 0, ifindex);
	if (ifindex == 0)
		mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	if (nl_talk(nl, nlh, nl_link_get_cb, &ga) == -1)
		return (-1);
	if (!ga.ga_found) {
		errno = EBADMSG;	/* acked, but no link in the reply */
		return (-1);
	}
	return (0);
}

int
nl_link_index(struct nl *nl, const char *name)
{
	struct nl_link	 l;

	if (nl_link_get(nl, 0, name, &l) == -1)
		return (-1);
	return (l.ifindex);
}

static int
nl_link_list_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct nl_list_arg	*la = arg;
	struct nl_link		 l;

	if (nl_parse_link(nlh, nlh->nlmsg_len, &l) == -1)
		return (-1);
	return (la->la_cb(&l, la->la_arg));
}

int
nl_link_list(struct nl *nl, int (*cb)(const struct nl_link *, void *),
    void *arg)
{
	struct nl_req		 r;
	struct nlmsghdr		*nlh;
	struct nl_list_arg	 la = { .la_cb = cb, .la_arg = arg };

	nlh = nl_link_req(&r, RTM_GETLINK, NLM_F_DUMP, 0);
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	return (nl_talk(nl, nlh, nl_link_list_cb, &la));
}

/*
 * The kernel ignores IFLA_IFALIAS when it creates a link, and refuses
 * IFLA_AF_SPEC for AF_INET6 until the link has its IPv6 state, so both
 * are set once the link exists (it is still down: no link-local yet).
 */
static int
nl_macvlan_finish(struct nl *nl, int ifindex, const char *alias)
{
	struct nl_req	 r;
	struct nlmsghdr	*nlh;
	struct nlattr	*af, *in6;

	if (alias != NULL) {
		nlh = nl_link_req(&r, RTM_NEWLINK, 0, ifindex);
		mnl_attr_put_strz(nlh, IFLA_IFALIAS, alias);
		if (nl_talk(nl, nlh, NULL, NULL) == -1)
			return (-1);
	}
	nlh = nl_link_req(&r, RTM_NEWLINK, 0, ifindex);
	af = mnl_attr_nest_start(nlh, IFLA_AF_SPEC);
	in6 = mnl_attr_nest_start(nlh, AF_INET6);
	mnl_attr_put_u8(nlh, IFLA_INET6_ADDR_GEN_MODE, IN6_ADDR_GEN_MODE_NONE);
	mnl_attr_nest_end(nlh, in6);
	mnl_attr_nest_end(nlh, af);
	if (nl_talk(nl, nlh, NULL, NULL) == -1) {
		/* A kernel without IPv6 adds no link-local either. */
		if (errno == EAFNOSUPPORT)
			return (0);
		return (-1);
	}
	return (0);
}

int
nl_macvlan_create(struct nl *nl, const char *name, int parent_ifindex,
    const uint8_t mac[6], const char *alias)
{
	struct nl_req	 r;
	struct nlmsghdr	*nlh;
	struct nlattr	*info, *data;
	int		 ifindex, save;

	/* Bounded inputs keep the request well inside NL_REQSIZE. */
	if (name == NULL || name[0] == '\0' || strlen(name) >= IFNAMSIZ ||
	    parent_ifindex <= 0 || mac == NULL ||
	    (alias != NULL && strlen(alias) >= NL_ALIASLEN)) {
		errno = EINVAL;
		return (-1);
	}
	nlh = nl_link_req(&r, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	mnl_attr_put_u32(nlh, IFLA_LINK, (uint32_t)parent_ifindex);
	mnl_attr_put(nlh, IFLA_ADDRESS, 6, mac);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "macvlan");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	mnl_attr_put_u32(nlh, IFLA_MACVLAN_MODE, MACVLAN_MODE_BRIDGE);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
	if (nl_talk(nl, nlh, NULL, NULL) == -1)
		return (-1);

	if ((ifindex = nl_link_index(nl, name)) == -1 ||
	    nl_macvlan_finish(nl, ifindex, alias) == -1)
		goto fail;
	return (0);
 fail:
	/* By name: the index may be what we failed to learn. */
	save = errno;
	nlh = nl_link_req(&r, RTM_DELLINK, 0, 0);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	(void)nl_talk(nl, nlh, NULL, NULL);
	errno = save;
	return (-1);
}

int
nl_link_delete(struct nl *nl, int ifindex)
{
	struct nl_req	 r;
	struct nlmsghdr	*nlh;

	if (ifindex <= 0) {
		errno = EINVAL;
		return (-1);
	}
	nlh = nl_link_req(&r, RTM_DELLINK, 0, ifindex);
	return (nl_talk(nl, nlh, NULL, NULL));
}

int
nl_link_set_up(struct nl *nl, int ifindex, int up)
{
	struct nl_req		 r;
	struct nlmsghdr		*nlh;
	struct ifinfomsg	*ifi;

	if (ifindex <= 0) {
		errno = EINVAL;
		return (-1);
	}
	nlh = nl_link_req(&r, RTM_NEWLINK, 0, ifindex);
	ifi = mnl_nlmsg_get_payload(nlh);
	ifi->ifi_change = IFF_UP;
	ifi->ifi_flags = up ? IFF_UP : 0;
	return (nl_talk(nl, nlh, NULL, NULL));
}

/* RTM_NEWADDR or RTM_DELADDR for a on ifindex. */
static int
nl_addr_req(struct nl *nl, uint16_t type, uint16_t flags, int ifindex,
    const struct addr *a)
{
	struct nl_req		 r;
	struct nlmsghdr		*nlh;
	struct ifaddrmsg	*ifa;
	uint32_t		 mask, bcast;
	int			 max, plen;

	if (ifindex <= 0 || a == NULL ||
	    (a->a_af != AF_INET && a->a_af != AF_INET6)) {
		errno = EINVAL;
		return (-1);
	}
	max = a->a_af == AF_INET ? 32 : 128;
	plen = a->a_plen == -1 ? max : a->a_plen;
	if (plen < 0 || plen > max) {
		errno = EINVAL;
		return (-1);
	}
	memset(&r, 0, sizeof(r));
	nlh = mnl_nlmsg_put_header(r.r_buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = (uint8_t)a->a_af;
	ifa->ifa_prefixlen = (uint8_t)plen;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = (uint32_t)ifindex;
	mnl_attr_put(nlh, IFA_LOCAL, addr_len(a), a->a_u.raw);
	mnl_attr_put(nlh, IFA_ADDRESS, addr_len(a), a->a_u.raw);
	if (type == RTM_NEWADDR && a->a_af == AF_INET6) {
		/* No DAD: the VIP must answer the moment we are master. */
		ifa->ifa_flags = IFA_F_NODAD;
		mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_NODAD);
	}
	if (type == RTM_NEWADDR && a->a_af == AF_INET && plen < 31) {
		mask = plen == 0 ? 0 : htonl(0xffffffffU << (32 - plen));
		bcast = a->a_v4.s_addr | ~mask;
		mnl_attr_put(nlh, IFA_BROADCAST, sizeof(bcast), &bcast);
	}
	return (nl_talk(nl, nlh, NULL, NULL));
}

int
nl_addr_add(struct nl *nl, int ifindex, const struct addr *a)
{
	if (nl_addr_req(nl, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, ifindex,
	    a) == -1) {
		if (errno == EEXIST)
			return (0);
		return (-1);
	}
	return (0);
}

int
nl_addr_del(struct nl *nl, int ifindex, const struct addr *a)
{
	if (nl_addr_req(nl, RTM_DELADDR, 0, ifindex, a) == -1) {
		if (errno == ENOENT || errno == EADDRNOTAVAIL)
			return (0);
		return (-1);
	}
	return (0);
}

static int
nl_addr_first_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct nl_first_arg	*fa = arg;
	struct addr		 a;
	unsigned int		 flags;
	int			 ifindex;

	if (fa->fa_found)
		return (0);
	if (nl_parse_addr(nlh, nlh->nlmsg_len, &ifindex, &a, &flags) == -1)
		return (errno == EAFNOSUPPORT ? 0 : -1);
	/* Older kernels dump every link's addresses whatever we asked. */
	if (ifindex != fa->fa_ifindex || a.a_af != fa->fa_af)
		return (0);
	if (flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED))
		return (0);
	if (a.a_af == AF_INET && (flags & IFA_F_SECONDARY))
		return (0);
	if (a.a_af == AF_INET6 &&
	    addr_is_v6_linklocal(&a) != (fa->fa_linklocal != 0))
		return (0);
	*fa->fa_out = a;
	fa->fa_found = 1;
	return (0);
}

int
nl_addr_first(struct nl *nl, int ifindex, int af, int want_linklocal,
    struct addr *out)
{
	struct nl_req		 r;
	struct nlmsghdr		*nlh;
	struct ifaddrmsg	*ifa;
	struct nl_first_arg	 fa = {
		.fa_ifindex = ifindex, .fa_af = af,
		.fa_linklocal = want_linklocal, .fa_out = out
	};

	if (ifindex <= 0 || (af != AF_INET && af != AF_INET6)) {
		errno = EINVAL;
		return (-1);
	}
	memset(&r, 0, sizeof(r));
	nlh = mnl_nlmsg_put_header(r.r_buf);
	nlh->nlmsg_type = RTM_GETADDR;
	nlh->nlmsg_flags = NLM_F_DUMP;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = (uint8_t)af;
	ifa->ifa_index = (uint32_t)ifindex;
	if (nl_talk(nl, nlh, nl_addr_first_cb, &fa) == -1)
		return (-1);
	if (!fa.fa_found) {
		errno = ENOENT;
		return (-1);
	}
	return (0);
}

int
nl_sysctl_set(const char *path, const char *value)
{
	char		 full[PATH_MAX];
	const char	*p;
	size_t		 len;
	ssize_t		 n;
	int		 fd, r, save;

	if (strncmp(path, "/proc/sys/", 10) == 0)
		path += 10;
	/* Relative to /proc/sys and staying there. */
	if (path[0] == '\0' || path[0] == '/') {
		errno = EINVAL;
		return (-1);
	}
	for (p = path; p != NULL; p = strchr(p, '/')) {
		if (*p == '/')
			p++;
		if (strncmp(p, "..", 2) == 0 && (p[2] == '/' || p[2] == '\0')) {
			errno = EINVAL;
			return (-1);
		}
	}
	r = snprintf(full, sizeof(full), "/proc/sys/%s", path);
	if (r < 0 || (size_t)r >= sizeof(full)) {
		errno = ENAMETOOLONG;
		return (-1);
	}
	if ((fd = open(full, O_WRONLY | O_CLOEXEC)) == -1)
		return (-1);
	len = strlen(value);
	if ((n = write(fd, value, len)) == -1)
		goto fail;
	if ((size_t)n != len) {
		errno = EIO;
		goto fail;
	}
	return (close(fd));
 fail:
	save = errno;
	(void)close(fd);
	errno = save;
	return (-1);
}

struct nl_ev *
nl_ev_open(void)
{
	struct nl_ev	*ev;
	int		 fd, sz = NL_EV_RCVBUF, save;

	if ((ev = calloc(1, sizeof(*ev))) == NULL)
		return (NULL);
	if ((ev->ev_sock = mnl_socket_open2(NETLINK_ROUTE,
	    SOCK_CLOEXEC | SOCK_NONBLOCK)) == NULL)
		goto fail;
	fd = mnl_socket_get_fd(ev->ev_sock);
	/* Past rmem_max when we may (CAP_NET_ADMIN), else up to it. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) == -1 &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz)) == -1)
		goto fail;
	if (mnl_socket_bind(ev->ev_sock, RTMGRP_LINK | RTMGRP_IPV4_IFADDR |
	    RTMGRP_IPV6_IFADDR, MNL_SOCKET_AUTOPID) == -1)
		goto fail;
	return (ev);
 fail:
	save = errno;
	nl_ev_close(ev);
	errno = save;
	return (NULL);
}

void
nl_ev_close(struct nl_ev *ev)
{
	if (ev == NULL)
		return;
	if (ev->ev_sock != NULL)
		(void)mnl_socket_close(ev->ev_sock);
	free(ev);
}

int
nl_ev_fd(const struct nl_ev *ev)
{
	return (mnl_socket_get_fd(ev->ev_sock));
}

const char *
nl_ev_name(enum nl_ev_type type)
{
	switch (type) {
	case NL_EV_LINK_NEW:
		return ("link new");
	case NL_EV_LINK_DEL:
		return ("link del");
	case NL_EV_ADDR_NEW:
		return ("addr new");
	case NL_EV_ADDR_DEL:
		return ("addr del");
	case NL_EV_OVERRUN:
		return ("overrun");
	}
	return ("unknown");
}

static int
nl_ev_overrun(int error, int (*cb)(const struct nl_event *, void *),
    void *arg)
{
	struct nl_event	 e;

	memset(&e, 0, sizeof(e));
	e.type = NL_EV_OVERRUN;
	e.error = error;
	return (cb(&e, arg));
}

/*
 * One event message to cb.  A message we cannot parse is an event lost,
 * so cb hears of it as an overrun and resyncs.
 */
static int
nl_ev_dispatch(const struct nlmsghdr *nlh,
    int (*cb)(const struct nl_event *, void *), void *arg)
{
	struct nl_event	 e;

	memset(&e, 0, sizeof(e));
	switch (nlh->nlmsg_type) {
	case RTM_NEWLINK:
	case RTM_DELLINK:
		e.type = nlh->nlmsg_type == RTM_NEWLINK ? NL_EV_LINK_NEW :
		    NL_EV_LINK_DEL;
		if (nl_parse_link(nlh, nlh->nlmsg_len, &e.link) == -1)
			return (nl_ev_overrun(EBADMSG, cb, arg));
		break;
	case RTM_NEWADDR:
	case RTM_DELADDR:
		e.type = nlh->nlmsg_type == RTM_NEWADDR ? NL_EV_ADDR_NEW :
		    NL_EV_ADDR_DEL;
		if (nl_parse_addr(nlh, nlh->nlmsg_len, &e.addr_ifindex,
		    &e.addr, &e.addr_flags) == -1) {
			if (errno == EAFNOSUPPORT)
				return (0);
			return (nl_ev_overrun(EBADMSG, cb, arg));
		}
		break;
	default:
		return (0);
	}
	return (cb(&e, arg));
}

int
nl_ev_read(struct nl_ev *ev, int (*cb)(const struct nl_event *, void *),
    void *arg)
{
	const struct nlmsghdr	*nlh;
	ssize_t			 n;
	int			 fd, i, rem;

	fd = mnl_socket_get_fd(ev->ev_sock);
	for (i = 0; i < NL_EV_BATCH; i++) {
		if ((n = nl_recv_kernel(fd, &ev->ev_buf, sizeof(ev->ev_buf))) == -1) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return (0);
			if (errno == ENOBUFS || errno == ENOSPC) {
				/* The kernel dropped events, or we did. */
				if (nl_ev_overrun(errno, cb, arg) == -1)
					return (-1);
				continue;
			}
			return (-1);
		}
		nlh = &ev->ev_buf.rb_hdr;
		rem = (int)n;
		for (; mnl_nlmsg_ok(nlh, rem); nlh = mnl_nlmsg_next(nlh, &rem))
			if (nl_ev_dispatch(nlh, cb, arg) == -1)
				return (-1);
		if (rem > 0 &&
		    nl_ev_overrun(EBADMSG, cb, arg) == -1)
			return (-1);
	}
	return (0);
}
