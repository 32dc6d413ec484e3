/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

#ifndef HAKIT_CT_H
#define HAKIT_CT_H

/*
 * The local conntrack table through ctnetlink: what pfsyncd reads and
 * writes, reduced to the fields the pfsync wire can carry.  Requests are
 * batched: many messages in one sendmsg, their acks read back together,
 * so a received packet of 17 updates costs one round trip.
 */

#include <stdint.h>

/* One direction of a connection.  Ports are in network order, as the
 * kernel and the pfsync wire both carry them. */
struct ct_tuple {
	uint8_t		 af;		/* AF_INET or AF_INET6 */
	uint8_t		 proto;		/* IPPROTO_* */
	uint16_t	 sport;
	uint16_t	 dport;
	uint8_t		 src[16];	/* IPv4 in the first 4 bytes */
	uint8_t		 dst[16];
};

/* conntrack's TCP states (enum tcp_conntrack) */
#define CT_TCP_NONE		0
#define CT_TCP_SYN_SENT		1
#define CT_TCP_SYN_RECV		2
#define CT_TCP_ESTABLISHED	3
#define CT_TCP_FIN_WAIT		4
#define CT_TCP_CLOSE_WAIT	5
#define CT_TCP_LAST_ACK		6
#define CT_TCP_TIME_WAIT	7
#define CT_TCP_CLOSE		8
#define CT_TCP_SYN_SENT2	9
#define CT_TCP_MAX		10

/* status bits (enum ip_conntrack_status) */
#define CT_S_EXPECTED		0x0001
#define CT_S_SEEN_REPLY		0x0002
#define CT_S_ASSURED		0x0004
#define CT_S_CONFIRMED		0x0008
#define CT_S_SRC_NAT		0x0010
#define CT_S_DST_NAT		0x0020
#define CT_S_SEQ_ADJUST		0x0040
#define CT_S_SRC_NAT_DONE	0x0080
#define CT_S_DST_NAT_DONE	0x0100
#define CT_S_UNTRACKED		0x1000
#define CT_S_HELPER		0x2000	/* ours: a helper is attached */

/* TCP per-direction flags (IP_CT_TCP_FLAG_*) */
#define CT_TCPF_WINDOW_SCALE	0x01
#define CT_TCPF_SACK_PERM	0x02
#define CT_TCPF_CLOSE_INIT	0x04
#define CT_TCPF_BE_LIBERAL	0x08

#define CT_DIR_ORIG		0
#define CT_DIR_REPLY		1

struct ct_state {
	struct ct_tuple	 orig;
	struct ct_tuple	 reply;	/* not the inverse of orig under NAT */
	uint16_t	 zone;
	uint32_t	 status;	/* CT_S_* */
	uint32_t	 timeout;	/* seconds remaining */
	uint32_t	 mark;
	uint32_t	 id;		/* the kernel's id, local only */
	uint32_t	 age;		/* seconds since creation, 0 unknown */
	uint8_t		 tcp_state;	/* CT_TCP_* */
	uint8_t		 tcp_wscale[2];	/* by CT_DIR_* */
	uint8_t		 tcp_flags[2];	/* CT_TCPF_* by CT_DIR_* */
	uint64_t	 packets[2];	/* by CT_DIR_*, 0 without accounting */
	uint64_t	 bytes[2];
};

enum ct_event_type {
	CT_EV_NEW,
	CT_EV_UPDATE,
	CT_EV_DESTROY
};

enum ct_op {
	CT_OP_CREATE,		/* NEW with CREATE|EXCL: fails with EEXIST */
	CT_OP_UPDATE,		/* NEW without CREATE: state, flags, timeout */
	CT_OP_DELETE,		/* by orig tuple and zone */
	CT_OP_GET
};

struct ct_handle;

/*
 * own is 1 when pfsyncd's own request caused the event (the message
 * carries our request socket's port id); such events are never sent on.
 */
typedef void ct_event_cb(enum ct_event_type, const struct ct_state *,
	    int own, void *);
typedef void ct_dump_cb(const struct ct_state *, void *);
/*
 * The result of one batched request: err is 0 or an errno (EEXIST for a
 * create of an existing entry, ENOENT for an update, delete or get of an
 * unknown one).  For CT_OP_GET, st is the entry found, else the request.
 */
typedef void ct_result_cb(enum ct_op, int err, const struct ct_state *st,
	    void *cookie, void *);

/*
 * Opens the request and event sockets.  The event socket subscribes to
 * NEW, UPDATE and DESTROY with a receive buffer of rcvbuf bytes and
 * reliable delivery (NETLINK_BROADCAST_SEND_ERROR, NETLINK_NO_ENOBUFS).
 * Returns NULL with errno set.
 */
struct ct_handle *ct_open(int rcvbuf, ct_event_cb *, void *);
void	 ct_close(struct ct_handle *);
int	 ct_event_fd(const struct ct_handle *);
/*
 * Reads and delivers every pending event.  Returns 0, or -1 with errno
 * set; ENOBUFS means events were lost and the caller must resync.
 */
int	 ct_event_read(struct ct_handle *);
/* Full dump of the table (both families, every zone), synchronous. */
int	 ct_dump(struct ct_handle *, ct_dump_cb *, void *);

/*
 * Queues one request; ct_commit sends the batch and calls cb once per
 * request, in order.  ct_queue commits by itself when the batch is full
 * (cb must then have been given by ct_set_result).
 */
void	 ct_set_result(struct ct_handle *, ct_result_cb *, void *);
int	 ct_queue(struct ct_handle *, enum ct_op, const struct ct_state *,
	    void *cookie);
int	 ct_commit(struct ct_handle *);

/*
 * The kernel's default timeout, in seconds, for an entry in this state
 * (nf_conntrack_*_timeout sysctls, read at ct_open).
 */
uint32_t ct_default_timeout(const struct ct_handle *, const struct ct_state *);

/* Request statistics, for pfsyncctl. */
struct ct_stats {
	uint64_t	 events;
	uint64_t	 own_events;
	uint64_t	 overruns;	/* ENOBUFS on the event socket */
	uint64_t	 requests;
	uint64_t	 errors;	/* requests that failed, any errno */
	uint64_t	 dumps;
};
const struct ct_stats *ct_stats(const struct ct_handle *);

/* Pure helpers. */
void	 ct_tuple_invert(const struct ct_tuple *, struct ct_tuple *);
int	 ct_tuple_cmp(const struct ct_tuple *, const struct ct_tuple *);
/* "tcp 192.0.2.1:1234 -> 198.51.100.2:80" into buf. */
const char *ct_tuple_str(const struct ct_tuple *, char *, size_t);

#endif /* HAKIT_CT_H */
