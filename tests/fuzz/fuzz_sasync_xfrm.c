/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * sasync_xfrm on hostile bytes, both as a peer's message and as a kernel
 * event.  A peer message that xm_validate() accepts must go through
 * xm_prepare(), and the result must validate again; whatever
 * xm_from_event() makes must be a message a peer may send (valid, or
 * refused only for a selector ifindex).  The input is also fed
 * unaligned.  A broken invariant aborts.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sasync_xfrm.h"

#define CHECK(x)	do { if (!(x)) abort(); } while (0)
#define FUZZ_MAX	(2 * XM_MAXMSG)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

union fbuf {
	struct nlmsghdr	 h;
	uint8_t		 b[FUZZ_MAX + 1];
};

static union fbuf	 in, out, out2;
static void		 as_peer(const uint8_t *, size_t);
static void		 as_event(size_t);

static void
as_peer(const uint8_t *data, size_t size)
{
	struct xm_info		 info;
	struct xm_sakey		 sk;
	struct xm_polkey	 pk;
	char			 desc[256];
	uint64_t		 o, q;
	ssize_t			 n;

	xm_describe(data, size, desc, sizeof(desc));
	CHECK(strlen(desc) < sizeof(desc));
	(void)xm_replay(data, size, &o, &q);
	(void)xm_sakey(data, size, &sk);
	(void)xm_polkey(data, size, &pk);
	if (xm_validate(data, size, &info) != XM_OK)
		return;
	CHECK(info.naddr >= 0 && info.naddr <= XM_MAXADDR);
	n = xm_prepare(data, size, 0x10000, 7, &out, XM_MAXMSG);
	CHECK(n >= NLMSG_HDRLEN && (size_t)n <= size + 3);
	CHECK(out.h.nlmsg_len == (uint32_t)n && out.h.nlmsg_seq == 7);
	CHECK(xm_validate(&out, (size_t)n, NULL) == XM_OK);
	if (info.type == XFRM_MSG_NEWSA) {
		n = xm_delsa_for(data, size, &out2, XM_MAXMSG);
		CHECK(n > 0 && xm_validate(&out2, (size_t)n, NULL) == XM_OK);
	}
}

static void
as_event(size_t size)
{
	ssize_t		 n;
	enum xm_drop	 d;

	if (size < NLMSG_HDRLEN || in.h.nlmsg_len > size)
		return;	/* the receive loop checks this much */
	n = xm_from_event(&in.h, &out, XM_MAXMSG);
	CHECK(n >= -1 && n <= XM_MAXMSG);
	if (n <= 0)
		return;
	CHECK(out.h.nlmsg_len == (uint32_t)n && out.h.nlmsg_pid == 0 &&
	    out.h.nlmsg_seq == 0 && out.h.nlmsg_flags == 0);
	d = xm_validate(&out, (size_t)n, NULL);
	CHECK(d == XM_OK || d == XM_IFINDEX);
	if (d == XM_OK)
		CHECK(xm_prepare(&out, (size_t)n, 1, 1, &out2, XM_MAXMSG) > 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > FUZZ_MAX)
		return (0);
	memcpy(in.b, data, size);
	as_peer(in.b, size);
	as_event(size);
	/* the same bytes at an odd address */
	memmove(in.b + 1, in.b, size);
	as_peer(in.b + 1, size);
	return (0);
}
