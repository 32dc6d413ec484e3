/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * The kernel backend: NETLINK_XFRM through libmnl (spec section 6.1).
 *
 * Two sockets.  Requests (dumps and changes) go over one, synchronously:
 * each waits for its own answer, matched by sequence number and port id,
 * and a dump is read to NLMSG_DONE even after an error so the socket
 * stays in step.  The other joins the SA, POLICY, EXPIRE and AEVENTS
 * groups (never ACQUIRE), is non-blocking, and has a large receive
 * buffer.  Requests carry the request socket's port id in nlmsg_pid;
 * the kernel copies that field into the events a request causes, so
 * our own changes are recognised and dropped there.  lib/nl.c speaks
 * NETLINK_ROUTE only, hence this second, smaller copy of its receive
 * loop.
 */

#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <linux/xfrm.h>

#include "backend.h"
#include "nl.h"
#include "sasync_xfrm.h"

/* A dump datagram: the kernel fills what the reader offers, up to this. */
#define XB_BUFSIZE	65536
/* The kernel always answers; a reply this late means something broke. */
#define XB_TIMEOUT_SEC	5
/* Event socket receive buffer: a burst of SA and aevent messages. */
#define XB_EV_RCVBUF	(4 * 1024 * 1024)
#define XB_LOCKDOWN	"/sys/kernel/security/lockdown"

union xb_rbuf {
	struct nlmsghdr		 rb_hdr;
	uint8_t			 rb_data[XB_BUFSIZE];
};

struct xfrm_backend {
	struct backend		 xb_be;		/* first: see xb_of() */
	struct mnl_socket	*xb_req;
	unsigned int		 xb_portid;
	uint32_t		 xb_seq;
	struct mnl_socket	*xb_ev;
	union xb_rbuf		 xb_buf;
};

static struct xfrm_backend *xb_of(struct backend *);
static int	 xb_talk(struct xfrm_backend *, struct nlmsghdr *,
		    backend_msg_cb *, void *);
static int	 xb_dump_one(struct xfrm_backend *, uint16_t,
		    backend_msg_cb *, void *);
static int	 xb_dump(struct backend *, backend_msg_cb *, void *);
static int	 xb_apply(struct backend *, struct nlmsghdr *);
static int	 xb_event_fd(struct backend *);
static int	 xb_events(struct backend *, backend_msg_cb *, void *);
static void	 xb_close(struct backend *);

static const struct backend_ops xb_ops = {
	.name = "xfrm",
	.dump = xb_dump,
	.apply = xb_apply,
	.event_fd = xb_event_fd,
	.events = xb_events,
	.close = xb_close,
};

/* The groups followed (spec 6.1); XFRMNLGRP_ACQUIRE is left out. */
static const unsigned int xb_groups[] = {
	XFRMNLGRP_EXPIRE, XFRMNLGRP_SA, XFRMNLGRP_POLICY, XFRMNLGRP_AEVENTS
};

static struct xfrm_backend *
xb_of(struct backend *be)
{
	/* struct backend is the first member of struct xfrm_backend. */
	return ((struct xfrm_backend *)be);
}

struct backend *
backend_xfrm_open(void)
{
	struct xfrm_backend	*xb;
	struct timeval		 tv = { .tv_sec = XB_TIMEOUT_SEC };
	size_t			 i;
	unsigned int		 grp;
	int			 one = 1, sz = XB_EV_RCVBUF, fd, save;

	if ((xb = calloc(1, sizeof(*xb))) == NULL)
		return (NULL);
	xb->xb_be.ops = &xb_ops;
	if ((xb->xb_req = mnl_socket_open2(NETLINK_XFRM, SOCK_CLOEXEC)) ==
	    NULL)
		goto fail;
	fd = mnl_socket_get_fd(xb->xb_req);
	/* Errors need not echo our request (it may hold keys). */
	if (setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one,
	    sizeof(one)) == -1)
		goto fail;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == -1)
		goto fail;
	if (mnl_socket_bind(xb->xb_req, 0, MNL_SOCKET_AUTOPID) == -1)
		goto fail;
	xb->xb_portid = mnl_socket_get_portid(xb->xb_req);
	xb->xb_seq = (uint32_t)time(NULL);

	if ((xb->xb_ev = mnl_socket_open2(NETLINK_XFRM,
	    SOCK_CLOEXEC | SOCK_NONBLOCK)) == NULL)
		goto fail;
	fd = mnl_socket_get_fd(xb->xb_ev);
	/* Past rmem_max when we may (CAP_NET_ADMIN), else up to it. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) == -1 &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz)) == -1)
		goto fail;
	if (mnl_socket_bind(xb->xb_ev, 0, MNL_SOCKET_AUTOPID) == -1)
		goto fail;
	for (i = 0; i < sizeof(xb_groups) / sizeof(xb_groups[0]); i++) {
		grp = xb_groups[i];
		if (mnl_socket_setsockopt(xb->xb_ev, NETLINK_ADD_MEMBERSHIP,
		    &grp, sizeof(grp)) == -1)
			goto fail;
	}
	return (&xb->xb_be);
 fail:
	save = errno;
	xb_close(&xb->xb_be);
	errno = save;
	return (NULL);
}

static void
xb_close(struct backend *be)
{
	struct xfrm_backend	*xb = xb_of(be);

	if (xb == NULL)
		return;
	if (xb->xb_req != NULL)
		(void)mnl_socket_close(xb->xb_req);
	if (xb->xb_ev != NULL)
		(void)mnl_socket_close(xb->xb_ev);
	free(xb);
}

/* Sends req and reads its answer: lib/nl.c's loop (nl_request). */
static int
xb_talk(struct xfrm_backend *xb, struct nlmsghdr *req, backend_msg_cb *cb,
    void *arg)
{
	/*
	 * The kernel copies the request's nlmsg_pid, not the socket's
	 * port id, into the events the change causes: put ours there so
	 * xb_events() can tell them apart.
	 */
	req->nlmsg_pid = xb->xb_portid;
	return (nl_request(xb->xb_req, xb->xb_portid, &xb->xb_seq,
	    &xb->xb_buf, sizeof(xb->xb_buf), req, cb, arg));
}

/* One dump request: the header alone asks for every entry. */
static int
xb_dump_one(struct xfrm_backend *xb, uint16_t type, backend_msg_cb *cb,
    void *arg)
{
	struct nlmsghdr	 req;

	memset(&req, 0, sizeof(req));
	req.nlmsg_len = NLMSG_HDRLEN;
	req.nlmsg_type = type;
	req.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	return (xb_talk(xb, &req, cb, arg));
}

static int
xb_dump(struct backend *be, backend_msg_cb *cb, void *arg)
{
	struct xfrm_backend	*xb = xb_of(be);

	if (xb_dump_one(xb, XFRM_MSG_GETSA, cb, arg) == -1)
		return (-1);
	return (xb_dump_one(xb, XFRM_MSG_GETPOLICY, cb, arg));
}

static int
xb_apply(struct backend *be, struct nlmsghdr *nlh)
{
	if (nlh->nlmsg_len < NLMSG_HDRLEN || nlh->nlmsg_len > XM_MAXMSG ||
	    (nlh->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP) {
		errno = EINVAL;
		return (-1);
	}
	return (xb_talk(xb_of(be), nlh, NULL, NULL));
}

static int
xb_event_fd(struct backend *be)
{
	return (mnl_socket_get_fd(xb_of(be)->xb_ev));
}

/*
 * Reads every datagram waiting.  Events lost by the kernel (ENOBUFS) or
 * by us (a truncated datagram) end the call with ENOBUFS: the caller
 * resyncs from a dump.
 */
static int
xb_events(struct backend *be, backend_msg_cb *cb, void *arg)
{
	struct xfrm_backend	*xb = xb_of(be);
	const struct nlmsghdr	*nlh;
	ssize_t			 n;
	int			 fd, rem;

	fd = mnl_socket_get_fd(xb->xb_ev);
	for (;;) {
		if ((n = nl_recv_kernel(fd, &xb->xb_buf, sizeof(xb->xb_buf))) == -1) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return (0);
			if (errno == ENOSPC)
				errno = ENOBUFS;
			return (-1);
		}
		nlh = &xb->xb_buf.rb_hdr;
		rem = (int)n;
		for (; mnl_nlmsg_ok(nlh, rem);
		    nlh = mnl_nlmsg_next(nlh, &rem)) {
			if (nlh->nlmsg_pid == xb->xb_portid)
				continue;	/* our own change */
			if (nlh->nlmsg_type < XFRM_MSG_BASE)
				continue;	/* NOOP, DONE, ... */
			(void)cb(nlh, arg);
		}
	}
}

/*
 * 1 if the kernel lockdown file says [confidentiality] (keys come back
 * redacted, spec 6.5), 0 if not or if the file is absent, -1 on a read
 * error.
 */
int
xfrm_lockdown_confidential(const char *path)
{
	FILE	*fp;
	char	 line[256];
	int	 rv = 0;

	if (path == NULL)
		path = XB_LOCKDOWN;
	if ((fp = fopen(path, "re")) == NULL)
		return (errno == ENOENT ? 0 : -1);
	if (fgets(line, sizeof(line), fp) == NULL) {
		if (ferror(fp))
			rv = -1;
	} else if (strstr(line, "[confidentiality]") != NULL)
		rv = 1;
	(void)fclose(fp);
	return (rv);
}
