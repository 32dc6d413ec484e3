/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * The recvmsg() set-up every daemon's datagram loop shares: the data, the
 * sender and the ancillary data (packet info, hop limit, drop counts).
 */

#include <sys/socket.h>
#include <sys/uio.h>

#include <string.h>

#include "sock.h"

ssize_t
sock_recvmsg(int fd, void *buf, size_t len, void *from, socklen_t fromlen,
    void *ctl, size_t ctllen, struct msghdr *msg)
{
	struct iovec	 iov;
	ssize_t		 n;

	memset(msg, 0, sizeof(*msg));
	iov.iov_base = buf;
	iov.iov_len = len;
	msg->msg_name = from;
	msg->msg_namelen = from != NULL ? fromlen : 0;
	msg->msg_iov = &iov;
	msg->msg_iovlen = 1;
	msg->msg_control = ctl;
	msg->msg_controllen = ctllen;
	n = recvmsg(fd, msg, 0);
	msg->msg_iov = NULL;
	msg->msg_iovlen = 0;
	return (n);
}
