/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "msg.h"

struct msg_hdr {
	uint32_t	 type;
	uint32_t	 len;
};

int
msg_send(int sock, uint32_t type, const void *data, size_t len, int fd)
{
	struct msg_hdr	 hdr;
	struct msghdr	 mh;
	struct iovec	 iov[2];
	union {
		struct cmsghdr	 c;
		uint8_t		 buf[CMSG_SPACE(sizeof(int))];
	}		 cmsg;
	struct cmsghdr	*cm;

	if (len > MSG_MAXLEN) {
		errno = EMSGSIZE;
		return (-1);
	}
	hdr.type = type;
	hdr.len = (uint32_t)len;
	memset(&mh, 0, sizeof(mh));
	iov[0].iov_base = &hdr;
	iov[0].iov_len = sizeof(hdr);
	iov[1].iov_base = (void *)(uintptr_t)data;
	iov[1].iov_len = len;
	mh.msg_iov = iov;
	mh.msg_iovlen = len ? 2 : 1;
	if (fd >= 0) {
		memset(&cmsg, 0, sizeof(cmsg));
		mh.msg_control = cmsg.buf;
		mh.msg_controllen = sizeof(cmsg.buf);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	}
	for (;;) {
		if (sendmsg(sock, &mh, MSG_NOSIGNAL) != -1)
			return (0);
		if (errno != EINTR)
			return (-1);
	}
}

int
msg_recv(int sock, struct msg *m)
{
	struct msg_hdr	 hdr;
	struct msghdr	 mh;
	struct iovec	 iov[2];
	union {
		struct cmsghdr	 c;
		uint8_t		 buf[CMSG_SPACE(sizeof(int))];
	}		 cmsg;
	struct cmsghdr	*cm;
	ssize_t		 n;

	m->m_fd = -1;
	memset(&hdr, 0, sizeof(hdr));
	memset(&mh, 0, sizeof(mh));
	iov[0].iov_base = &hdr;
	iov[0].iov_len = sizeof(hdr);
	iov[1].iov_base = m->m_data;
	iov[1].iov_len = sizeof(m->m_data);
	mh.msg_iov = iov;
	mh.msg_iovlen = 2;
	mh.msg_control = cmsg.buf;
	mh.msg_controllen = sizeof(cmsg.buf);
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (n == -1 && errno == EINTR);
	if (n <= 0)
		return (n == 0 ? 0 : -1);
	for (cm = CMSG_FIRSTHDR(&mh); cm != NULL; cm = CMSG_NXTHDR(&mh, cm))
		if (cm->cmsg_level == SOL_SOCKET &&
		    cm->cmsg_type == SCM_RIGHTS &&
		    cm->cmsg_len == CMSG_LEN(sizeof(int)))
			memcpy(&m->m_fd, CMSG_DATA(cm), sizeof(int));
	if ((mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) ||
	    (size_t)n < sizeof(hdr) || hdr.len != (size_t)n - sizeof(hdr)) {
		if (m->m_fd != -1)
			(void)close(m->m_fd);
		m->m_fd = -1;
		errno = EBADMSG;
		return (-1);
	}
	m->m_type = hdr.type;
	m->m_len = hdr.len;
	return (1);
}
