/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

#ifndef HAKIT_MSG_H
#define HAKIT_MSG_H

/*
 * Messages between a daemon's processes, over a SOCK_SEQPACKET
 * socketpair: a 8-byte header (type, length of the payload, both host
 * order since both ends are the same binary on the same host), a payload
 * of at most MSG_MAXLEN bytes, and at most one descriptor passed with
 * SCM_RIGHTS.  Written by hand because imsg has no Debian package;
 * SEQPACKET keeps message boundaries, so a reader never reassembles.
 */

#include <stddef.h>
#include <stdint.h>

#define MSG_MAXLEN	16384

struct msg {
	uint32_t	 m_type;
	uint32_t	 m_len;		/* bytes in m_data */
	int		 m_fd;		/* -1 when none; the receiver owns it */
	uint8_t		 m_data[MSG_MAXLEN];
};

/* Returns 0, or -1 with errno set (EMSGSIZE when len > MSG_MAXLEN). */
int	 msg_send(int sock, uint32_t type, const void *, size_t len, int fd);
/*
 * Reads one message.  Returns 1, 0 on end of file, or -1 with errno set:
 * EAGAIN when nothing is pending on a non-blocking socket, EBADMSG when
 * the message is truncated, shorter than its header, or its header
 * disagrees with its size.  A descriptor that came with a bad message is
 * closed.
 */
int	 msg_recv(int sock, struct msg *);

#endif /* HAKIT_MSG_H */
