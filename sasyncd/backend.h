/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

#ifndef SASYNCD_BACKEND_H
#define SASYNCD_BACKEND_H

/*
 * The kernel side of sasyncd: where SAs and policies are dumped from,
 * where changes come from, and where the peer's changes go.  The daemon
 * sees only this interface, so the tests run it on an in-memory store
 * (spec section 8, tier a) and the daemon on XFRM over netlink.
 * Every message is one XFRM netlink message (nlmsghdr + body + attrs).
 */

#include <stddef.h>

struct nlmsghdr;
struct backend;

/* A message in a dump or an event; 0 to go on, -1 to stop (dump only). */
typedef int backend_msg_cb(const struct nlmsghdr *, void *arg);

struct backend_ops {
	const char	*name;
	/* Every SA (XFRM_MSG_NEWSA), then every policy
	 * (XFRM_MSG_NEWPOLICY).  0, or -1 with errno set. */
	int	(*dump)(struct backend *, backend_msg_cb *, void *);
	/* Applies one message prepared by xm_prepare() and waits for the
	 * answer: 0, or -1 with errno as the kernel gave it (EEXIST,
	 * ESRCH, ENOENT, EPROTONOSUPPORT...). */
	int	(*apply)(struct backend *, struct nlmsghdr *);
	/* Descriptor that becomes readable when events wait; -1 if none. */
	int	(*event_fd)(struct backend *);
	/* Reads the waiting events and calls cb for each one that this
	 * backend's own changes did not cause.  0, or -1 with errno
	 * (ENOBUFS: events were lost, the caller resyncs). */
	int	(*events)(struct backend *, backend_msg_cb *, void *);
	void	(*close)(struct backend *);
};

struct backend {
	const struct backend_ops	*ops;
};

/* NETLINK_XFRM (backend_xfrm.c); NULL with errno set. */
struct backend	*backend_xfrm_open(void);
/* 1 if the kernel's lockdown file (path NULL: the sysfs one) says
 * [confidentiality], which redacts keys in dumps; 0 if not or absent;
 * -1 on a read error. */
int		 xfrm_lockdown_confidential(const char *path);
/* In memory, for tests (backend_mem.c). */
struct backend	*backend_mem_open(void);

#endif /* SASYNCD_BACKEND_H */
