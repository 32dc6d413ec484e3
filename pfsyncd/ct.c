/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * The conntrack table through ctnetlink: see ct.h for the interface.
 *
 * libmnl carries the messages and libnetfilter_conntrack builds and
 * parses the attributes, so the layout of every CTA_* nest is the one
 * conntrack-tools use; this file only converts between struct ct_state
 * and that library's object and runs the sockets.
 *
 * Three sockets:
 * - the request socket: ct_queue() stores requests, ct_commit() builds
 *   them into datagrams of many messages (each with NLM_F_ACK and its own
 *   sequence number), sends each with one sendmsg and reads the acks.
 *   The kernel handles a datagram within sendmsg, so every answer is
 *   queued on our socket before sendmsg returns; a chunk is therefore
 *   sized to fit the answers in the receive buffer, or the kernel would
 *   drop acks and we could not tell which request failed.
 * - the event socket, subscribed to the NEW, UPDATE and DESTROY groups
 *   with reliable delivery: NETLINK_BROADCAST_SEND_ERROR makes a failed
 *   delivery an error the kernel sees, so it keeps an undelivered
 *   DESTROY on its dying list and retries, and remembers other missed
 *   events in the entry to send them with its next event.
 *   NETLINK_NO_ENOBUFS stops the kernel from also reporting ENOBUFS
 *   for those; we still learn of every drop from the socket's drop
 *   counter (SO_MEMINFO) and report it as ENOBUFS, so pfsyncd resyncs
 *   an entry whose NEW would otherwise wait for its next event.
 * - a temporary socket for each dump, so a dump never interleaves with
 *   the acks of a batch.
 *
 * Own events.  The kernel puts the port id of the socket whose request
 * caused an event into the event's nlmsg_pid, and 0 for events of
 * traffic or timers.  Seen on Linux 6.18: our create, update and delete
 * give NEW, UPDATE and DESTROY events carrying the request socket's port
 * id (the unit test checks it); conntrack(8) -I gave its own socket's;
 * a ping tracked by an nft rule gave 0.
 *
 * Tuples.  Ports stay in network order.  ICMP and ICMPv6 have no ports:
 * sport carries the echo id (network order, as the kernel has it) and
 * dport the type in its first byte and the code in its second, so
 * ntohs(dport) == type << 8 | code.  This is also how the library's
 * objects lay them out, so the same setters serve every protocol.
 *
 * NAT.  A create needs the reply tuple the kernel would have made
 * without NAT, the plain inverse of orig; CTA_NAT_SRC / CTA_NAT_DST then
 * let the kernel's NAT code rewrite it, set SRC_NAT / DST_NAT and the
 * *_NAT_DONE bits, exactly as if a NAT rule had matched (a NATed reply
 * tuple given directly would be taken as is, without the status bits, so
 * no packet would be translated).  The translated source is where
 * replies go (the reply's dst), the translated destination where they
 * come from (the reply's src); min = max.  ICMP gets addresses only: a
 * remapped echo id is not recreated.  No nft nat table is needed.
 */

#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>

#include <netinet/in.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>

#include "ct.h"

/* Requests queued before ct_queue() commits by itself. */
#define CT_BATCH	1024
/*
 * Largest message we build: both tuples in IPv6, status, timeout, mark,
 * zone, TCP protoinfo and both NAT nests come to about 400 bytes; the
 * library writes without bounds checks, so each message gets this much
 * room.
 */
#define CT_MSG_MAX	1024
/* Bytes per sendmsg: well under the default socket send buffer. */
#define CT_SEND_MAX	(64 * 1024)
/* Messages per sendmsg at most, whatever the buffer. */
#define CT_CHUNK_MAX	512
/*
 * What one message's answer costs in the receive buffer (skb truesize):
 * measured on Linux 6.18, 832 bytes for an ack, 1664 for a GET's entry
 * and its ack.  We count 2.5 times that.
 */
#define CT_ACK_COST	2048
#define CT_GET_COST	4096
/* Request socket receive buffer (forced when we may). */
#define CT_REQ_RCVBUF	(4 * 1024 * 1024)
/* Default event buffer when ct_open() is given 0. */
#define CT_EV_RCVBUF	(16 * 1024 * 1024)
/*
 * Receive buffers: the kernel sizes a dump's datagrams to what the
 * reader offered before, up to 32 KB; events and acks are far smaller.
 */
#define CT_RBUF		(64 * 1024)
/* The kernel answers within sendmsg; this only guards against a bug. */
#define CT_TIMEOUT_SEC	5

/* Status bits ct_state carries, and those a request may set. */
#define CT_S_KNOWN	(CT_S_EXPECTED | CT_S_SEEN_REPLY | CT_S_ASSURED | \
			 CT_S_CONFIRMED | CT_S_SRC_NAT | CT_S_DST_NAT | \
			 CT_S_SEQ_ADJUST | CT_S_SRC_NAT_DONE | \
			 CT_S_DST_NAT_DONE | CT_S_UNTRACKED | CT_S_HELPER)
#define CT_S_SETTABLE	(CT_S_SEEN_REPLY | CT_S_ASSURED)
/* TCP flags ct_state carries. */
#define CT_TCPF_KNOWN	(CT_TCPF_WINDOW_SCALE | CT_TCPF_SACK_PERM | \
			 CT_TCPF_CLOSE_INIT | CT_TCPF_BE_LIBERAL)

#define CT_NLTYPE(m)	((NFNL_SUBSYS_CTNETLINK << 8) | (m))

/* Attribute table for one nest level while reading ICMP replies. */
#define CT_TB_MAX	64
_Static_assert(CTA_MAX < CT_TB_MAX && CTA_TUPLE_MAX < CT_TB_MAX &&
    CTA_PROTO_MAX < CT_TB_MAX, "CT_TB_MAX too small");

struct ct_tb {
	const struct nlattr	*tb[CT_TB_MAX];
};

/* Received datagrams, aligned for the headers read from them. */
union ct_rbuf {
	struct nlmsghdr		 rb_hdr;
	uint8_t			 rb_data[CT_RBUF];
};

/* Datagrams being built, likewise aligned. */
union ct_sbuf {
	struct nlmsghdr		 sb_hdr;
	uint8_t			 sb_data[CT_SEND_MAX];
};

enum ct_req_state {
	CT_R_TODO,		/* to be sent */
	CT_R_SENT,		/* in the chunk on the wire */
	CT_R_DONE		/* answered, r_err final */
};

/*
 * One queued request.  r_st is the request, replaced by the entry a GET
 * finds; r_cookie is the caller's, handed back.  r_status: an UPDATE
 * sent CTA_STATUS; r_nostatus: it is retried without.  r_answer: a
 * GET's entry arrived; r_aerr: the errno of reading it.
 */
struct ct_req {
	enum ct_op		 r_op;
	void			*r_cookie;
	struct ct_state		 r_st;
	enum ct_req_state	 r_state;
	int			 r_err;
	int			 r_status;
	int			 r_nostatus;
	int			 r_answer;
	int			 r_aerr;
};

/* The nf_conntrack_*_timeout sysctls of our netns, in seconds. */
struct ct_timeouts {
	uint32_t	 to_tcp[CT_TCP_MAX];
	uint32_t	 to_udp;
	uint32_t	 to_udp_stream;
	uint32_t	 to_icmp;
	uint32_t	 to_icmpv6;
	uint32_t	 to_sctp;
	uint32_t	 to_gre;
	uint32_t	 to_gre_stream;
	uint32_t	 to_generic;
};

/*
 * h_portid is the request socket's, which marks our own events; h_chunk
 * and h_budget bound the messages and answer bytes of one sendmsg;
 * h_ev is NULL without an event callback, h_drops its drop count seen
 * so far; h_q holds the pending requests (owned, CT_BATCH of them).
 */
struct ct_handle {
	struct mnl_socket	*h_req;
	unsigned int		 h_portid;
	uint32_t		 h_seq;
	size_t			 h_chunk;
	size_t			 h_budget;
	struct mnl_socket	*h_ev;
	ct_event_cb		*h_evcb;
	void			*h_evarg;
	uint32_t		 h_drops;
	ct_result_cb		*h_rescb;
	void			*h_resarg;
	struct ct_req		*h_q;
	size_t			 h_nq;
	struct ct_req		*h_chunkv[CT_CHUNK_MAX];
	struct ct_timeouts	 h_to;
	struct ct_stats		 h_stats;
	union ct_sbuf		 h_sbuf;
	union ct_rbuf		 h_rbuf;	/* request answers */
	union ct_rbuf		 h_evbuf;	/* events */
};

static struct mnl_socket *ct_sock_open(void);
static int	 ct_set_rcvbuf(int, int);
static ssize_t	 ct_recv(int, void *, size_t, int);
static int	 ct_reply_error(const struct nlmsghdr *);
static void	 ct_read_timeouts(struct ct_timeouts *);
static uint32_t	 ct_sysctl_u32(const char *, uint32_t);
static int	 ct_check(enum ct_op, const struct ct_state *);
static int	 ct_is_icmp(uint8_t);
static uint8_t	 ct_icmp_reply_type(uint8_t, uint8_t);
static void	 ct_plain_reply(const struct ct_tuple *, struct ct_tuple *);
static void	 ct_set_tuple(struct nf_conntrack *, const struct ct_tuple *,
		    int);
static void	 ct_set_nat(struct nf_conntrack *, const struct ct_state *);
static void	 ct_set_tcp(struct nf_conntrack *, const struct ct_state *,
		    int);
static size_t	 ct_build(struct ct_handle *, const struct ct_req *,
		    uint32_t, uint8_t *);
static int	 ct_get_tuple(const struct nf_conntrack *, int,
		    struct ct_tuple *);
static int	 ct_tb_cb(const struct nlattr *, void *);
static int	 ct_icmp_reply(const struct nlmsghdr *, struct ct_tuple *);
static int	 ct_parse(const struct nlmsghdr *, struct ct_state *);
static size_t	 ct_fill(struct ct_handle *, struct ct_req *, size_t,
		    size_t *, uint32_t, size_t *);
static int	 ct_run(struct ct_handle *, struct ct_req *, size_t);
static int	 ct_chunk(struct ct_handle *, size_t, uint32_t, size_t);
static void	 ct_answer(struct ct_handle *, const struct nlmsghdr *,
		    uint32_t, size_t, size_t *);
static int	 ct_event_msg(struct ct_handle *, const struct nlmsghdr *);
static int	 ct_event_drops(struct ct_handle *);

/* A ctnetlink request socket, bound to an automatic port id. */
static struct mnl_socket *
ct_sock_open(void)
{
	struct mnl_socket	*s;
	int			 save;

	if ((s = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC)) == NULL)
		return (NULL);
	if (mnl_socket_bind(s, 0, MNL_SOCKET_AUTOPID) == -1) {
		save = errno;
		(void)mnl_socket_close(s);
		errno = save;
		return (NULL);
	}
	return (s);
}

/* Sets a receive buffer of sz bytes: past rmem_max when we may. */
static int
ct_set_rcvbuf(int fd, int sz)
{
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) ==
	    -1 && setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz)) == -1)
		return (-1);
	return (0);
}

struct ct_handle *
ct_open(int rcvbuf, ct_event_cb *cb, void *arg)
{
	struct ct_handle	*h;
	struct timeval		 tv = { .tv_sec = CT_TIMEOUT_SEC };
	socklen_t		 sl;
	int			 one = 1, fd, sz, save;
	unsigned int		 groups;

	if ((h = calloc(1, sizeof(*h))) == NULL)
		return (NULL);
	h->h_evcb = cb;
	h->h_evarg = arg;

	if ((h->h_req = ct_sock_open()) == NULL)
		goto fail;
	fd = mnl_socket_get_fd(h->h_req);
	/* Errors need not echo our request back: we know what we sent. */
	if (setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one,
	    sizeof(one)) == -1)
		goto fail;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == -1)
		goto fail;
	if (ct_set_rcvbuf(fd, CT_REQ_RCVBUF) == -1)
		goto fail;
	/* Size the chunks to the buffer we got (the kernel doubles it). */
	sl = sizeof(sz);
	if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, &sl) == -1)
		goto fail;
	h->h_budget = (size_t)sz / 2;
	h->h_chunk = h->h_budget / CT_ACK_COST;
	if (h->h_chunk > CT_CHUNK_MAX)
		h->h_chunk = CT_CHUNK_MAX;
	if (h->h_chunk < 1)
		h->h_chunk = 1;
	h->h_portid = mnl_socket_get_portid(h->h_req);
	h->h_seq = (uint32_t)time(NULL);

	if (cb != NULL) {
		groups = 1U << (NFNLGRP_CONNTRACK_NEW - 1) |
		    1U << (NFNLGRP_CONNTRACK_UPDATE - 1) |
		    1U << (NFNLGRP_CONNTRACK_DESTROY - 1);
		/* Options first, so no event arrives before they hold. */
		if ((h->h_ev = mnl_socket_open2(NETLINK_NETFILTER,
		    SOCK_CLOEXEC | SOCK_NONBLOCK)) == NULL)
			goto fail;
		fd = mnl_socket_get_fd(h->h_ev);
		if (ct_set_rcvbuf(fd, rcvbuf > 0 ? rcvbuf : CT_EV_RCVBUF) ==
		    -1)
			goto fail;
		if (setsockopt(fd, SOL_NETLINK, NETLINK_BROADCAST_SEND_ERROR,
		    &one, sizeof(one)) == -1 ||
		    setsockopt(fd, SOL_NETLINK, NETLINK_NO_ENOBUFS, &one,
		    sizeof(one)) == -1)
			goto fail;
		if (mnl_socket_bind(h->h_ev, groups, MNL_SOCKET_AUTOPID) == -1)
			goto fail;
	}
	ct_read_timeouts(&h->h_to);
	return (h);
 fail:
	save = errno;
	ct_close(h);
	errno = save;
	return (NULL);
}

/* Requests still queued are dropped without their callbacks. */
void
ct_close(struct ct_handle *h)
{
	if (h == NULL)
		return;
	if (h->h_req != NULL)
		(void)mnl_socket_close(h->h_req);
	if (h->h_ev != NULL)
		(void)mnl_socket_close(h->h_ev);
	free(h->h_q);
	free(h);
}

/* -1 when ct_open() had no event callback. */
int
ct_event_fd(const struct ct_handle *h)
{
	if (h->h_ev == NULL)
		return (-1);
	return (mnl_socket_get_fd(h->h_ev));
}

const struct ct_stats *
ct_stats(const struct ct_handle *h)
{
	return (&h->h_stats);
}

void
ct_set_result(struct ct_handle *h, ct_result_cb *cb, void *arg)
{
	h->h_rescb = cb;
	h->h_resarg = arg;
}

/*
 * Receives one datagram.  Returns its length, 0 for one that did not
 * come from the kernel (dropped: any local process may write to our
 * port), or -1 with errno set (ENOSPC if it was truncated).
 */
static ssize_t
ct_recv(int fd, void *buf, size_t len, int flags)
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
		n = recvmsg(fd, &msg, flags);
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
ct_reply_error(const struct nlmsghdr *nlh)
{
	int32_t		 e;

	if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(e))
		return (-1);
	memcpy(&e, mnl_nlmsg_get_payload(nlh), sizeof(e));
	if (e > 0 || e == INT32_MIN)
		return (-1);
	return (-e);
}

/*
 * One sysctl under /proc/sys/net/netfilter, or def when it cannot be
 * read (conntrack of that protocol not built, or an odd value).
 */
static uint32_t
ct_sysctl_u32(const char *name, uint32_t def)
{
	char		 path[128], buf[32];
	const char	*errstr;
	long long	 v;
	ssize_t		 n;
	int		 fd, r;

	r = snprintf(path, sizeof(path), "/proc/sys/net/netfilter/%s", name);
	if (r < 0 || (size_t)r >= sizeof(path))
		return (def);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return (def);
	n = read(fd, buf, sizeof(buf) - 1);
	(void)close(fd);
	if (n <= 0)
		return (def);
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	v = strtonum(buf, 0, UINT32_MAX, &errstr);
	if (errstr != NULL)
		return (def);
	return ((uint32_t)v);
}

/* The sysctls, with the kernel's defaults when one is missing. */
static void
ct_read_timeouts(struct ct_timeouts *to)
{
	uint32_t	*t = to->to_tcp;

	t[CT_TCP_SYN_SENT] = ct_sysctl_u32("nf_conntrack_tcp_timeout_syn_sent",
	    120);
	t[CT_TCP_SYN_RECV] = ct_sysctl_u32("nf_conntrack_tcp_timeout_syn_recv",
	    60);
	t[CT_TCP_ESTABLISHED] = ct_sysctl_u32(
	    "nf_conntrack_tcp_timeout_established", 432000);
	t[CT_TCP_FIN_WAIT] = ct_sysctl_u32("nf_conntrack_tcp_timeout_fin_wait",
	    120);
	t[CT_TCP_CLOSE_WAIT] = ct_sysctl_u32(
	    "nf_conntrack_tcp_timeout_close_wait", 60);
	t[CT_TCP_LAST_ACK] = ct_sysctl_u32("nf_conntrack_tcp_timeout_last_ack",
	    30);
	t[CT_TCP_TIME_WAIT] = ct_sysctl_u32(
	    "nf_conntrack_tcp_timeout_time_wait", 120);
	t[CT_TCP_CLOSE] = ct_sysctl_u32("nf_conntrack_tcp_timeout_close", 10);
	/* The kernel times SYN_SENT2 as SYN_SENT; NONE has no timer. */
	t[CT_TCP_SYN_SENT2] = t[CT_TCP_SYN_SENT];
	t[CT_TCP_NONE] = t[CT_TCP_SYN_SENT];
	to->to_udp = ct_sysctl_u32("nf_conntrack_udp_timeout", 30);
	to->to_udp_stream = ct_sysctl_u32("nf_conntrack_udp_timeout_stream",
	    120);
	to->to_icmp = ct_sysctl_u32("nf_conntrack_icmp_timeout", 30);
	to->to_icmpv6 = ct_sysctl_u32("nf_conntrack_icmpv6_timeout", 30);
	to->to_sctp = ct_sysctl_u32("nf_conntrack_sctp_timeout_established",
	    210);
	to->to_gre = ct_sysctl_u32("nf_conntrack_gre_timeout", 30);
	to->to_gre_stream = ct_sysctl_u32("nf_conntrack_gre_timeout_stream",
	    180);
	to->to_generic = ct_sysctl_u32("nf_conntrack_generic_timeout", 600);
}

/*
 * The timeout the kernel would give: TCP by state, UDP and GRE the
 * stream value once ASSURED, SCTP (whose state ct_state does not carry)
 * the established value, anything else the generic one.
 */
uint32_t
ct_default_timeout(const struct ct_handle *h, const struct ct_state *st)
{
	const struct ct_timeouts	*to = &h->h_to;
	int				 assured;

	assured = (st->status & CT_S_ASSURED) != 0;
	switch (st->orig.proto) {
	case IPPROTO_TCP:
		if (st->tcp_state >= CT_TCP_MAX)
			return (to->to_tcp[CT_TCP_ESTABLISHED]);
		return (to->to_tcp[st->tcp_state]);
	case IPPROTO_UDP:
	case IPPROTO_UDPLITE:
		return (assured ? to->to_udp_stream : to->to_udp);
	case IPPROTO_ICMP:
		return (to->to_icmp);
	case IPPROTO_ICMPV6:
		return (to->to_icmpv6);
	case IPPROTO_SCTP:
		return (to->to_sctp);
	case IPPROTO_GRE:
		return (assured ? to->to_gre_stream : to->to_gre);
	default:
		return (to->to_generic);
	}
}

static int
ct_is_icmp(uint8_t proto)
{
	return (proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6);
}

/*
 * The reply type of an ICMP query the kernel tracks (echo, timestamp,
 * information, address mask; ICMPv6 echo and node information), or 255,
 * which the kernel refuses.
 */
static uint8_t
ct_icmp_reply_type(uint8_t proto, uint8_t type)
{
	if (proto == IPPROTO_ICMP) {
		switch (type) {
		case 8:
			return (0);
		case 13:
		case 15:
		case 17:
			return (type + 1);
		default:
			return (255);
		}
	}
	switch (type) {
	case 128:
	case 139:
		return (type + 1);
	default:
		return (255);
	}
}

/* The reply tuple of orig without NAT. */
static void
ct_plain_reply(const struct ct_tuple *o, struct ct_tuple *r)
{
	uint8_t		 tc[2];

	ct_tuple_invert(o, r);
	if (ct_is_icmp(o->proto)) {
		/* Same id, the type of the answer, same code. */
		r->sport = o->sport;
		memcpy(tc, &o->dport, sizeof(tc));
		tc[0] = ct_icmp_reply_type(o->proto, tc[0]);
		memcpy(&r->dport, tc, sizeof(tc));
	}
}

/* What ct_queue() refuses: EINVAL, the request is not taken. */
static int
ct_check(enum ct_op op, const struct ct_state *st)
{
	const struct ct_tuple	*o = &st->orig, *r = &st->reply;

	switch (op) {
	case CT_OP_CREATE:
	case CT_OP_UPDATE:
	case CT_OP_DELETE:
	case CT_OP_GET:
		break;
	default:
		return (-1);
	}
	if (o->af != AF_INET && o->af != AF_INET6)
		return (-1);
	if (o->proto == IPPROTO_TCP && st->tcp_state >= CT_TCP_MAX &&
	    (op == CT_OP_CREATE || op == CT_OP_UPDATE))
		return (-1);
	/* No NAT between families or protocols in conntrack. */
	if (op == CT_OP_CREATE && r->af != 0 &&
	    (r->af != o->af || r->proto != o->proto))
		return (-1);
	return (0);
}

/* One tuple of t into the object, dir CT_DIR_*. */
static void
ct_set_tuple(struct nf_conntrack *ct, const struct ct_tuple *t, int dir)
{
	struct in6_addr	 a6;
	uint32_t	 a4;
	int		 orig = dir == CT_DIR_ORIG;

	nfct_set_attr_u8(ct, orig ? ATTR_ORIG_L3PROTO : ATTR_REPL_L3PROTO,
	    t->af);
	nfct_set_attr_u8(ct, orig ? ATTR_ORIG_L4PROTO : ATTR_REPL_L4PROTO,
	    t->proto);
	if (t->af == AF_INET) {
		memcpy(&a4, t->src, sizeof(a4));
		nfct_set_attr_u32(ct, orig ? ATTR_ORIG_IPV4_SRC :
		    ATTR_REPL_IPV4_SRC, a4);
		memcpy(&a4, t->dst, sizeof(a4));
		nfct_set_attr_u32(ct, orig ? ATTR_ORIG_IPV4_DST :
		    ATTR_REPL_IPV4_DST, a4);
	} else {
		memcpy(&a6, t->src, sizeof(a6));
		nfct_set_attr(ct, orig ? ATTR_ORIG_IPV6_SRC :
		    ATTR_REPL_IPV6_SRC, &a6);
		memcpy(&a6, t->dst, sizeof(a6));
		nfct_set_attr(ct, orig ? ATTR_ORIG_IPV6_DST :
		    ATTR_REPL_IPV6_DST, &a6);
	}
	/* For ICMP these fill id, type and code (see the top). */
	nfct_set_attr_u16(ct, orig ? ATTR_ORIG_PORT_SRC : ATTR_REPL_PORT_SRC,
	    t->sport);
	nfct_set_attr_u16(ct, orig ? ATTR_ORIG_PORT_DST : ATTR_REPL_PORT_DST,
	    t->dport);
}

/*
 * CTA_NAT_SRC / CTA_NAT_DST from a reply that is not the plain inverse
 * of orig.  Ports only for protocols whose ports NAT rewrites.
 */
static void
ct_set_nat(struct nf_conntrack *ct, const struct ct_state *st)
{
	const struct ct_tuple	*o = &st->orig, *r = &st->reply;
	struct in6_addr		 a6;
	uint32_t		 a4;
	size_t			 alen;
	int			 ports, v4;

	if (r->af == 0)
		return;		/* no reply given: no NAT */
	v4 = o->af == AF_INET;
	alen = v4 ? 4 : 16;
	ports = o->proto == IPPROTO_TCP || o->proto == IPPROTO_UDP ||
	    o->proto == IPPROTO_UDPLITE || o->proto == IPPROTO_SCTP ||
	    o->proto == IPPROTO_DCCP;
	/* Replies go to the translated source. */
	if (memcmp(r->dst, o->src, alen) != 0 ||
	    (ports && r->dport != o->sport)) {
		if (v4) {
			memcpy(&a4, r->dst, sizeof(a4));
			nfct_set_attr_u32(ct, ATTR_SNAT_IPV4, a4);
		} else {
			memcpy(&a6, r->dst, sizeof(a6));
			nfct_set_attr(ct, ATTR_SNAT_IPV6, &a6);
		}
		if (ports)
			nfct_set_attr_u16(ct, ATTR_SNAT_PORT, r->dport);
	}
	/* Replies come from the translated destination. */
	if (memcmp(r->src, o->dst, alen) != 0 ||
	    (ports && r->sport != o->dport)) {
		if (v4) {
			memcpy(&a4, r->src, sizeof(a4));
			nfct_set_attr_u32(ct, ATTR_DNAT_IPV4, a4);
		} else {
			memcpy(&a6, r->src, sizeof(a6));
			nfct_set_attr(ct, ATTR_DNAT_IPV6, &a6);
		}
		if (ports)
			nfct_set_attr_u16(ct, ATTR_DNAT_PORT, r->sport);
	}
}

/*
 * TCP protoinfo.  A create sets the four flags ct_state knows in each
 * direction, as given (pfsyncd passes BE_LIBERAL for both), with the
 * window scales.  An update leaves WINDOW_SCALE, SACK_PERM and the
 * scales alone (they are fixed by the handshake), sets CLOSE_INIT as
 * given and may set BE_LIBERAL but never clears it, so a peer's view
 * cannot turn window tracking back on for an entry made liberal.
 */
static void
ct_set_tcp(struct nf_conntrack *ct, const struct ct_state *st, int create)
{
	uint8_t		 f0, f1, m0, m1;

	nfct_set_attr_u8(ct, ATTR_TCP_STATE, st->tcp_state);
	f0 = st->tcp_flags[CT_DIR_ORIG] & CT_TCPF_KNOWN;
	f1 = st->tcp_flags[CT_DIR_REPLY] & CT_TCPF_KNOWN;
	if (create) {
		m0 = m1 = CT_TCPF_KNOWN;
		nfct_set_attr_u8(ct, ATTR_TCP_WSCALE_ORIG,
		    st->tcp_wscale[CT_DIR_ORIG]);
		nfct_set_attr_u8(ct, ATTR_TCP_WSCALE_REPL,
		    st->tcp_wscale[CT_DIR_REPLY]);
	} else {
		f0 &= CT_TCPF_CLOSE_INIT | CT_TCPF_BE_LIBERAL;
		f1 &= CT_TCPF_CLOSE_INIT | CT_TCPF_BE_LIBERAL;
		m0 = CT_TCPF_CLOSE_INIT | (f0 & CT_TCPF_BE_LIBERAL);
		m1 = CT_TCPF_CLOSE_INIT | (f1 & CT_TCPF_BE_LIBERAL);
	}
	nfct_set_attr_u8(ct, ATTR_TCP_FLAGS_ORIG, f0);
	nfct_set_attr_u8(ct, ATTR_TCP_MASK_ORIG, m0);
	nfct_set_attr_u8(ct, ATTR_TCP_FLAGS_REPL, f1);
	nfct_set_attr_u8(ct, ATTR_TCP_MASK_REPL, m1);
}

/*
 * Builds request r with sequence number seq at buf (CT_MSG_MAX bytes
 * free).  Returns the message length, or 0 with errno set.
 *
 * CREATE: NEW with CREATE|EXCL, orig, the plain reply, NAT, zone, the
 *   settable status bits (the kernel ignores the others on create),
 *   timeout (0: the default for the state), mark, TCP protoinfo.
 * UPDATE: NEW without CREATE: orig, zone, timeout and mark (0: leave as
 *   is, so a peer whose wire has no mark cannot wipe the one local
 *   rules set), TCP protoinfo, and the settable status bits when any is
 *   set.  The kernel refuses (EBUSY) a status that lacks a bit the entry
 *   already has, so ct_run() retries such an update without CTA_STATUS.
 * DELETE, GET: orig and zone.
 */
static size_t
ct_build(struct ct_handle *h, const struct ct_req *r, uint32_t seq,
    uint8_t *buf)
{
	const struct ct_state	*st = &r->r_st;
	struct nf_conntrack	*ct;
	struct nlmsghdr		*nlh;
	struct nfgenmsg		*nfg;
	struct ct_tuple		 plain;
	uint32_t		 status, timeout;
	uint16_t		 type = IPCTNL_MSG_CT_NEW, flags = 0;

	if ((ct = nfct_new()) == NULL)
		return (0);
	ct_set_tuple(ct, &st->orig, CT_DIR_ORIG);
	nfct_set_attr_u16(ct, ATTR_ZONE, st->zone);
	switch (r->r_op) {
	case CT_OP_CREATE:
		flags = NLM_F_CREATE | NLM_F_EXCL;
		ct_plain_reply(&st->orig, &plain);
		ct_set_tuple(ct, &plain, CT_DIR_REPLY);
		ct_set_nat(ct, st);
		nfct_set_attr_u32(ct, ATTR_STATUS, st->status & CT_S_SETTABLE);
		timeout = st->timeout != 0 ? st->timeout :
		    ct_default_timeout(h, st);
		nfct_set_attr_u32(ct, ATTR_TIMEOUT, timeout);
		nfct_set_attr_u32(ct, ATTR_MARK, st->mark);
		if (st->orig.proto == IPPROTO_TCP)
			ct_set_tcp(ct, st, 1);
		break;
	case CT_OP_UPDATE:
		status = st->status & CT_S_SETTABLE;
		if (status != 0 && !r->r_nostatus)
			nfct_set_attr_u32(ct, ATTR_STATUS, status);
		if (st->timeout != 0)
			nfct_set_attr_u32(ct, ATTR_TIMEOUT, st->timeout);
		if (st->mark != 0)
			nfct_set_attr_u32(ct, ATTR_MARK, st->mark);
		if (st->orig.proto == IPPROTO_TCP)
			ct_set_tcp(ct, st, 0);
		break;
	case CT_OP_DELETE:
		type = IPCTNL_MSG_CT_DELETE;
		break;
	case CT_OP_GET:
		type = IPCTNL_MSG_CT_GET;
		break;
	}
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = CT_NLTYPE(type);
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	nlh->nlmsg_seq = seq;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = st->orig.af;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = 0;
	if (nfct_nlmsg_build(nlh, ct) == -1) {
		nfct_destroy(ct);
		return (0);
	}
	nfct_destroy(ct);
	if (nlh->nlmsg_len > CT_MSG_MAX)
		abort();	/* written past the room: CT_MSG_MAX is wrong */
	return (nlh->nlmsg_len);
}

int
ct_queue(struct ct_handle *h, enum ct_op op, const struct ct_state *st,
    void *cookie)
{
	struct ct_req	*r;

	if (ct_check(op, st) == -1) {
		errno = EINVAL;
		return (-1);
	}
	if (h->h_q == NULL &&
	    (h->h_q = reallocarray(NULL, CT_BATCH, sizeof(*h->h_q))) == NULL)
		return (-1);
	r = &h->h_q[h->h_nq++];
	memset(r, 0, sizeof(*r));
	r->r_op = op;
	r->r_cookie = cookie;
	r->r_st = *st;
	if (h->h_nq == CT_BATCH)
		(void)ct_commit(h);	/* failures reach the callbacks */
	return (0);
}

/*
 * Sends every request of the batch and collects the answers, then
 * calls the result callback once per request, in order.  The batch is
 * taken off the handle first, so a callback may queue and commit anew.
 * Returns 0, or -1 with errno set when a datagram could not be sent or
 * its answers were lost (those requests got that errno).
 */
int
ct_commit(struct ct_handle *h)
{
	struct ct_req	*q = h->h_q;
	size_t		 i, n = h->h_nq;
	int		 err;

	if (n == 0)
		return (0);
	h->h_q = NULL;
	h->h_nq = 0;
	err = ct_run(h, q, n);
	for (i = 0; i < n; i++) {
		h->h_stats.requests++;
		if (q[i].r_err != 0)
			h->h_stats.errors++;
	}
	for (i = 0; i < n; i++)
		if (h->h_rescb != NULL)
			h->h_rescb(q[i].r_op, q[i].r_err, &q[i].r_st,
			    q[i].r_cookie, h->h_resarg);
	/* Keep the array for the next batch unless a callback started one. */
	if (h->h_q == NULL)
		h->h_q = q;
	else
		free(q);
	if (err != 0) {
		errno = err;
		return (-1);
	}
	return (0);
}

/*
 * Puts the next requests of q[*ip..n) still CT_R_TODO into one datagram
 * in h_sbuf, as many as the send buffer, the chunk size and the answer
 * budget allow.  Returns the count (0 when none is left); *lenp gets the
 * datagram's length and *ip where to go on.
 */
static size_t
ct_fill(struct ct_handle *h, struct ct_req *q, size_t n, size_t *ip,
    uint32_t base, size_t *lenp)
{
	struct ct_req	*r;
	size_t		 i, len, off = 0, cnt = 0, cost = 0, c;

	for (i = *ip; i < n && cnt < h->h_chunk; i++) {
		r = &q[i];
		if (r->r_state != CT_R_TODO)
			continue;
		c = r->r_op == CT_OP_GET ? CT_GET_COST : CT_ACK_COST;
		if (off + CT_MSG_MAX > sizeof(h->h_sbuf) ||
		    (cnt > 0 && cost + c > h->h_budget))
			break;
		len = ct_build(h, r, base + (uint32_t)cnt,
		    h->h_sbuf.sb_data + off);
		if (len == 0) {
			r->r_err = errno != 0 ? errno : EINVAL;
			r->r_state = CT_R_DONE;
			continue;
		}
		r->r_status = r->r_op == CT_OP_UPDATE && !r->r_nostatus &&
		    (r->r_st.status & CT_S_SETTABLE) != 0;
		r->r_state = CT_R_SENT;
		h->h_chunkv[cnt++] = r;
		off += MNL_ALIGN(len);
		cost += c;
	}
	*ip = i;
	*lenp = off;
	return (cnt);
}

/*
 * Runs requests q[0..n) to CT_R_DONE, datagram after datagram, then
 * once more for updates the kernel refused only for their status bits.
 * Returns 0, or the errno of the first datagram that could not be sent
 * or whose answers were lost (its requests carry it too).
 */
static int
ct_run(struct ct_handle *h, struct ct_req *q, size_t n)
{
	size_t		 i, len, cnt, pass;
	uint32_t	 base;
	int		 err = 0;

	for (i = 0; i < n; i++)
		q[i].r_state = CT_R_TODO;
	for (pass = 0; pass < 2; pass++) {
		i = 0;
		while (i < n) {
			base = h->h_seq + 1;
			if ((cnt = ct_fill(h, q, n, &i, base, &len)) == 0)
				continue;
			h->h_seq += (uint32_t)cnt;
			if (ct_chunk(h, cnt, base, len) == -1 && err == 0)
				err = errno;
		}
		/* The retry: updates whose status the kernel would not take. */
		cnt = 0;
		for (i = 0; i < n; i++) {
			if (q[i].r_err == EBUSY && q[i].r_status) {
				q[i].r_nostatus = 1;
				q[i].r_err = 0;
				q[i].r_state = CT_R_TODO;
				cnt++;
			}
		}
		if (cnt == 0)
			break;
	}
	return (err);
}

/*
 * Sends the off bytes of h_sbuf holding the cnt messages of h_chunkv
 * (sequence numbers base...) and reads their answers.  Every request of
 * the chunk ends CT_R_DONE; those without an answer get the transport's
 * errno.  Returns 0 or -1.
 */
static int
ct_chunk(struct ct_handle *h, size_t cnt, uint32_t base, size_t off)
{
	const struct nlmsghdr	*nlh;
	ssize_t			 n;
	size_t			 i, left = cnt;
	int			 fd, rem, flags = 0, err = 0;

	fd = mnl_socket_get_fd(h->h_req);
	n = mnl_socket_sendto(h->h_req, h->h_sbuf.sb_data, off);
	if (n == -1 || (size_t)n != off) {
		err = n == -1 ? errno : EMSGSIZE;
		goto fail;
	}
	while (left > 0) {
		n = ct_recv(fd, h->h_rbuf.rb_data, sizeof(h->h_rbuf), flags);
		if (n == -1) {
			if (errno == ENOBUFS || errno == ENOSPC) {
				/*
				 * Answers were lost.  The kernel queued all
				 * the others before sendmsg returned: read
				 * them without waiting.
				 */
				err = ENOBUFS;
				flags = MSG_DONTWAIT;
				continue;
			}
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				err = err != 0 ? err : ETIMEDOUT;
			else
				err = errno;
			goto fail;
		}
		nlh = &h->h_rbuf.rb_hdr;
		rem = (int)n;
		for (; mnl_nlmsg_ok(nlh, rem); nlh = mnl_nlmsg_next(nlh, &rem))
			ct_answer(h, nlh, base, cnt, &left);
	}
	return (0);
 fail:
	for (i = 0; i < cnt; i++) {
		if (h->h_chunkv[i]->r_state == CT_R_SENT) {
			h->h_chunkv[i]->r_err = err;
			h->h_chunkv[i]->r_state = CT_R_DONE;
		}
	}
	errno = err;
	return (-1);
}

/* One answer message: an ack or error, or the entry a GET asked for. */
static void
ct_answer(struct ct_handle *h, const struct nlmsghdr *nlh, uint32_t base,
    size_t cnt, size_t *left)
{
	struct ct_req	*r;
	struct ct_state	 st;
	uint32_t	 idx;
	int		 e;

	if (nlh->nlmsg_pid != h->h_portid)
		return;
	idx = nlh->nlmsg_seq - base;
	if (idx >= cnt)
		return;		/* an earlier chunk's, given up on */
	r = h->h_chunkv[idx];
	if (r->r_state != CT_R_SENT)
		return;
	if (nlh->nlmsg_type == NLMSG_ERROR) {
		if ((e = ct_reply_error(nlh)) == -1)
			e = EBADMSG;
		/* A GET acked without its entry, or with one we could not
		 * read (or untracked: ENOENT), did not answer. */
		if (e == 0 && r->r_op == CT_OP_GET && !r->r_answer)
			e = ENOENT;
		else if (e == 0 && r->r_op == CT_OP_GET && r->r_aerr != 0)
			e = r->r_aerr;
		r->r_err = e;
		r->r_state = CT_R_DONE;
		(*left)--;
		return;
	}
	if (nlh->nlmsg_type == CT_NLTYPE(IPCTNL_MSG_CT_NEW) &&
	    r->r_op == CT_OP_GET && !r->r_answer) {
		r->r_answer = 1;
		if (ct_parse(nlh, &st) == 0)
			r->r_st = st;
		else
			r->r_aerr = errno != 0 ? errno : EBADMSG;
	}
}

/* One direction's tuple from the parsed object. */
static int
ct_get_tuple(const struct nf_conntrack *ct, int dir, struct ct_tuple *t)
{
	const void	*s, *d;
	int		 orig = dir == CT_DIR_ORIG;
	size_t		 alen;

	memset(t, 0, sizeof(*t));
	t->af = nfct_get_attr_u8(ct, ATTR_ORIG_L3PROTO);
	t->proto = nfct_get_attr_u8(ct, ATTR_ORIG_L4PROTO);
	if (t->af == AF_INET) {
		alen = 4;
		s = nfct_get_attr(ct, orig ? ATTR_ORIG_IPV4_SRC :
		    ATTR_REPL_IPV4_SRC);
		d = nfct_get_attr(ct, orig ? ATTR_ORIG_IPV4_DST :
		    ATTR_REPL_IPV4_DST);
	} else if (t->af == AF_INET6) {
		alen = 16;
		s = nfct_get_attr(ct, orig ? ATTR_ORIG_IPV6_SRC :
		    ATTR_REPL_IPV6_SRC);
		d = nfct_get_attr(ct, orig ? ATTR_ORIG_IPV6_DST :
		    ATTR_REPL_IPV6_DST);
	} else {
		errno = EAFNOSUPPORT;
		return (-1);
	}
	if (s == NULL || d == NULL) {
		errno = EBADMSG;
		return (-1);
	}
	memcpy(t->src, s, alen);
	memcpy(t->dst, d, alen);
	if (ct_is_icmp(t->proto)) {
		/* The reply's ICMP fields have no getter: ct_icmp_reply(). */
		if (orig) {
			t->sport = nfct_get_attr_u16(ct, ATTR_ICMP_ID);
			t->dport = htons((uint16_t)(nfct_get_attr_u8(ct,
			    ATTR_ICMP_TYPE) << 8 |
			    nfct_get_attr_u8(ct, ATTR_ICMP_CODE)));
		}
	} else {
		t->sport = nfct_get_attr_u16(ct, orig ? ATTR_ORIG_PORT_SRC :
		    ATTR_REPL_PORT_SRC);
		t->dport = nfct_get_attr_u16(ct, orig ? ATTR_ORIG_PORT_DST :
		    ATTR_REPL_PORT_DST);
	}
	return (0);
}


static int
ct_tb_cb(const struct nlattr *a, void *arg)
{
	struct ct_tb	*t = arg;
	uint16_t	 type;

	type = mnl_attr_get_type(a);
	if (type >= CT_TB_MAX)
		return (MNL_CB_OK);	/* newer than us: skip */
	t->tb[type] = a;
	return (MNL_CB_OK);
}

/*
 * The ICMP id, type and code of the reply tuple, read from the message:
 * libnetfilter_conntrack parses them but offers no getter.  Each
 * attribute is length-checked; one missing leaves the field 0.
 */
static int
ct_icmp_reply(const struct nlmsghdr *nlh, struct ct_tuple *t)
{
	struct ct_tb		 top, tup, pr;
	const struct nlattr	*a;
	uint16_t		 idt, tyt, cot;
	uint8_t			 tc[2] = { 0, 0 };

	memset(&top, 0, sizeof(top));
	memset(&tup, 0, sizeof(tup));
	memset(&pr, 0, sizeof(pr));
	if (mnl_attr_parse(nlh, sizeof(struct nfgenmsg), ct_tb_cb,
	    &top) != MNL_CB_OK)
		return (-1);
	if ((a = top.tb[CTA_TUPLE_REPLY]) == NULL)
		return (0);
	if (mnl_attr_validate(a, MNL_TYPE_NESTED) == -1 ||
	    mnl_attr_parse_nested(a, ct_tb_cb, &tup) != MNL_CB_OK)
		return (-1);
	if ((a = tup.tb[CTA_TUPLE_PROTO]) == NULL)
		return (0);
	if (mnl_attr_validate(a, MNL_TYPE_NESTED) == -1 ||
	    mnl_attr_parse_nested(a, ct_tb_cb, &pr) != MNL_CB_OK)
		return (-1);
	if (t->proto == IPPROTO_ICMP) {
		idt = CTA_PROTO_ICMP_ID;
		tyt = CTA_PROTO_ICMP_TYPE;
		cot = CTA_PROTO_ICMP_CODE;
	} else {
		idt = CTA_PROTO_ICMPV6_ID;
		tyt = CTA_PROTO_ICMPV6_TYPE;
		cot = CTA_PROTO_ICMPV6_CODE;
	}
	if ((a = pr.tb[idt]) != NULL) {
		if (mnl_attr_validate(a, MNL_TYPE_U16) == -1)
			return (-1);
		t->sport = mnl_attr_get_u16(a);
	}
	if ((a = pr.tb[tyt]) != NULL) {
		if (mnl_attr_validate(a, MNL_TYPE_U8) == -1)
			return (-1);
		tc[0] = mnl_attr_get_u8(a);
	}
	if ((a = pr.tb[cot]) != NULL) {
		if (mnl_attr_validate(a, MNL_TYPE_U8) == -1)
			return (-1);
		tc[1] = mnl_attr_get_u8(a);
	}
	memcpy(&t->dport, tc, sizeof(tc));
	return (0);
}

/*
 * A ctnetlink conntrack message (dump entry, GET answer or event) into
 * *st.  Returns 0, or -1 with errno: EBADMSG for a message that does not
 * parse, EAFNOSUPPORT for a family other than inet/inet6, ENOENT for an
 * untracked entry (never pfsyncd's business).
 */
static int
ct_parse(const struct nlmsghdr *nlh, struct ct_state *st)
{
	struct nf_conntrack	*ct;
	struct timespec		 now;
	uint64_t		 start, nsec;
	int			 save;

	memset(st, 0, sizeof(*st));
	if (nlh->nlmsg_len < MNL_NLMSG_HDRLEN +
	    MNL_ALIGN(sizeof(struct nfgenmsg))) {
		errno = EBADMSG;
		return (-1);
	}
	if ((ct = nfct_new()) == NULL)
		return (-1);
	if (nfct_nlmsg_parse(nlh, ct) == -1) {
		errno = EBADMSG;
		goto fail;
	}
	if (ct_get_tuple(ct, CT_DIR_ORIG, &st->orig) == -1 ||
	    ct_get_tuple(ct, CT_DIR_REPLY, &st->reply) == -1)
		goto fail;
	if (ct_is_icmp(st->orig.proto) &&
	    ct_icmp_reply(nlh, &st->reply) == -1) {
		errno = EBADMSG;
		goto fail;
	}
	st->status = nfct_get_attr_u32(ct, ATTR_STATUS) & CT_S_KNOWN;
	if (st->status & CT_S_UNTRACKED) {
		errno = ENOENT;
		goto fail;
	}
	if (nfct_attr_is_set(ct, ATTR_HELPER_NAME) > 0)
		st->status |= CT_S_HELPER;
	/* A zone for both directions, else the one direction's. */
	if (nfct_attr_is_set(ct, ATTR_ZONE) > 0)
		st->zone = nfct_get_attr_u16(ct, ATTR_ZONE);
	else if (nfct_attr_is_set(ct, ATTR_ORIG_ZONE) > 0)
		st->zone = nfct_get_attr_u16(ct, ATTR_ORIG_ZONE);
	else
		st->zone = nfct_get_attr_u16(ct, ATTR_REPL_ZONE);
	st->timeout = nfct_get_attr_u32(ct, ATTR_TIMEOUT);
	st->mark = nfct_get_attr_u32(ct, ATTR_MARK);
	st->id = nfct_get_attr_u32(ct, ATTR_ID);
	if (st->orig.proto == IPPROTO_TCP) {
		st->tcp_state = nfct_get_attr_u8(ct, ATTR_TCP_STATE);
		st->tcp_wscale[CT_DIR_ORIG] = nfct_get_attr_u8(ct,
		    ATTR_TCP_WSCALE_ORIG);
		st->tcp_wscale[CT_DIR_REPLY] = nfct_get_attr_u8(ct,
		    ATTR_TCP_WSCALE_REPL);
		st->tcp_flags[CT_DIR_ORIG] = nfct_get_attr_u8(ct,
		    ATTR_TCP_FLAGS_ORIG) & CT_TCPF_KNOWN;
		st->tcp_flags[CT_DIR_REPLY] = nfct_get_attr_u8(ct,
		    ATTR_TCP_FLAGS_REPL) & CT_TCPF_KNOWN;
	}
	st->packets[CT_DIR_ORIG] = nfct_get_attr_u64(ct,
	    ATTR_ORIG_COUNTER_PACKETS);
	st->packets[CT_DIR_REPLY] = nfct_get_attr_u64(ct,
	    ATTR_REPL_COUNTER_PACKETS);
	st->bytes[CT_DIR_ORIG] = nfct_get_attr_u64(ct,
	    ATTR_ORIG_COUNTER_BYTES);
	st->bytes[CT_DIR_REPLY] = nfct_get_attr_u64(ct,
	    ATTR_REPL_COUNTER_BYTES);
	/* The start stamp is wall-clock nanoseconds (timestamp sysctl). */
	start = nfct_get_attr_u64(ct, ATTR_TIMESTAMP_START);
	if (start != 0 && clock_gettime(CLOCK_REALTIME, &now) == 0) {
		nsec = (uint64_t)now.tv_sec * 1000000000ULL +
		    (uint64_t)now.tv_nsec;
		if (nsec > start && (nsec - start) / 1000000000ULL <=
		    UINT32_MAX)
			st->age = (uint32_t)((nsec - start) / 1000000000ULL);
	}
	nfct_destroy(ct);
	return (0);
 fail:
	save = errno;
	nfct_destroy(ct);
	memset(st, 0, sizeof(*st));
	errno = save;
	return (-1);
}

/*
 * Dumps the table through a socket of its own (family AF_UNSPEC: both
 * families; no zone given: every zone).  Untracked entries and other
 * families are skipped.  Returns 0, or -1 with errno set: the kernel's
 * error, EBADMSG (or ENOMEM) for an entry we could not read (the rest
 * is still read and delivered), ETIMEDOUT.
 */
int
ct_dump(struct ct_handle *h, ct_dump_cb *cb, void *arg)
{
	struct mnl_socket	*s;
	union ct_rbuf		*rb = NULL;
	struct nlmsghdr		*nlh;
	const struct nlmsghdr	*m;
	struct nfgenmsg		*nfg;
	struct ct_state		 st;
	struct timeval		 tv = { .tv_sec = CT_TIMEOUT_SEC };
	ssize_t			 n;
	uint32_t		 seq, portid;
	int			 fd, rem, done = 0, err = 0, e;

	if ((s = ct_sock_open()) == NULL)
		return (-1);
	fd = mnl_socket_get_fd(s);
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == -1)
		goto fail;
	/* Heap, not the handle: cb may commit through h meanwhile. */
	if ((rb = malloc(sizeof(*rb))) == NULL)
		goto fail;
	portid = mnl_socket_get_portid(s);
	seq = ++h->h_seq;
	nlh = mnl_nlmsg_put_header(rb->rb_data);
	nlh->nlmsg_type = CT_NLTYPE(IPCTNL_MSG_CT_GET);
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = AF_UNSPEC;
	nfg->version = NFNETLINK_V0;
	if (mnl_socket_sendto(s, nlh, nlh->nlmsg_len) == -1)
		goto fail;
	h->h_stats.dumps++;
	while (!done) {
		if ((n = ct_recv(fd, rb->rb_data, sizeof(*rb), 0)) == -1) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				errno = ETIMEDOUT;
			goto fail;
		}
		m = &rb->rb_hdr;
		rem = (int)n;
		for (; !done && mnl_nlmsg_ok(m, rem);
		    m = mnl_nlmsg_next(m, &rem)) {
			if (m->nlmsg_seq != seq || m->nlmsg_pid != portid)
				continue;
			switch (m->nlmsg_type) {
			case NLMSG_ERROR:
				if ((e = ct_reply_error(m)) != 0 && err == 0)
					err = e == -1 ? EBADMSG : e;
				done = 1;
				break;
			case NLMSG_DONE:
				if ((e = ct_reply_error(m)) > 0 && err == 0)
					err = e;
				done = 1;
				break;
			case CT_NLTYPE(IPCTNL_MSG_CT_NEW):
				if (ct_parse(m, &st) == 0)
					cb(&st, arg);
				else if (errno != ENOENT &&
				    errno != EAFNOSUPPORT && err == 0)
					err = errno;
				break;
			default:
				break;
			}
		}
	}
	free(rb);
	(void)mnl_socket_close(s);
	if (err != 0) {
		errno = err;
		return (-1);
	}
	return (0);
 fail:
	e = errno;
	free(rb);
	(void)mnl_socket_close(s);
	errno = e;
	return (-1);
}

/*
 * One event message to the callback; untracked entries and other
 * families are skipped.  -1 for one we could not read: that event is
 * lost, which the caller reports as an overrun.
 */
static int
ct_event_msg(struct ct_handle *h, const struct nlmsghdr *nlh)
{
	struct ct_state		 st;
	enum ct_event_type	 type;
	int			 own;

	switch (nlh->nlmsg_type) {
	case CT_NLTYPE(IPCTNL_MSG_CT_NEW):
		if ((nlh->nlmsg_flags & (NLM_F_CREATE | NLM_F_EXCL)) ==
		    (NLM_F_CREATE | NLM_F_EXCL))
			type = CT_EV_NEW;
		else
			type = CT_EV_UPDATE;
		break;
	case CT_NLTYPE(IPCTNL_MSG_CT_DELETE):
		type = CT_EV_DESTROY;
		break;
	default:
		return (0);
	}
	if (ct_parse(nlh, &st) == -1)
		return (errno == ENOENT || errno == EAFNOSUPPORT ? 0 : -1);
	own = nlh->nlmsg_pid != 0 && nlh->nlmsg_pid == h->h_portid;
	h->h_stats.events++;
	if (own)
		h->h_stats.own_events++;
	h->h_evcb(type, &st, own, h->h_evarg);
	return (0);
}

/*
 * 1 if the kernel dropped events for us since the last call (the drop
 * counter moved; NETLINK_NO_ENOBUFS hides the ENOBUFS), else 0.
 */
static int
ct_event_drops(struct ct_handle *h)
{
	uint32_t	 mem[SK_MEMINFO_VARS];
	socklen_t	 len = sizeof(mem);

	memset(mem, 0, sizeof(mem));
	if (getsockopt(mnl_socket_get_fd(h->h_ev), SOL_SOCKET, SO_MEMINFO,
	    mem, &len) == -1 || len <= SK_MEMINFO_DROPS * sizeof(mem[0]))
		return (0);
	if (mem[SK_MEMINFO_DROPS] == h->h_drops)
		return (0);
	h->h_drops = mem[SK_MEMINFO_DROPS];
	return (1);
}

/*
 * Reads until the socket is empty.  An overrun (ENOBUFS, the drop
 * counter moving, a truncated or unparsable event) is counted once per
 * call and returned as -1 with ENOBUFS after the events still queued
 * have been delivered.
 */
int
ct_event_read(struct ct_handle *h)
{
	const struct nlmsghdr	*nlh;
	ssize_t			 n;
	int			 fd, rem, lost = 0;

	if (h->h_ev == NULL) {
		errno = EBADF;
		return (-1);
	}
	fd = mnl_socket_get_fd(h->h_ev);
	for (;;) {
		n = ct_recv(fd, h->h_evbuf.rb_data, sizeof(h->h_evbuf), 0);
		if (n == -1) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			if (errno == ENOBUFS || errno == ENOSPC) {
				lost = 1;
				continue;
			}
			return (-1);
		}
		nlh = &h->h_evbuf.rb_hdr;
		rem = (int)n;
		for (; mnl_nlmsg_ok(nlh, rem); nlh = mnl_nlmsg_next(nlh, &rem))
			if (ct_event_msg(h, nlh) == -1)
				lost = 1;
		if (rem > 0)
			lost = 1;
	}
	if (ct_event_drops(h))
		lost = 1;
	if (lost) {
		h->h_stats.overruns++;
		errno = ENOBUFS;
		return (-1);
	}
	return (0);
}
