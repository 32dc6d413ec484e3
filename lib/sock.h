/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

#ifndef HAKIT_SOCK_H
#define HAKIT_SOCK_H

#include <sys/types.h>
#include <sys/socket.h>

/*
 * recvmsg() of one datagram into buf, with the sender's address in from
 * (fromlen bytes; from may be NULL) and up to ctllen bytes of control
 * data in ctl.  msg is left ready for CMSG_FIRSTHDR() (its iovec is
 * cleared: it pointed into this call).  Returns recvmsg()'s result.
 */
ssize_t	 sock_recvmsg(int fd, void *buf, size_t len, void *from,
	    socklen_t fromlen, void *ctl, size_t ctllen, struct msghdr *msg);

#endif /* HAKIT_SOCK_H */
