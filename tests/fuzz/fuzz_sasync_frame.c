/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * sasync_frame_size() and sasync_frame_decode() on a hostile stream, as
 * a peer's reassembly buffer sees it: frames are cut from the input one
 * after the other until the length field is bad or the bytes run out.
 * Each frame that decodes is encoded again with its own IV and decoded
 * back to the same type and payload; a 12-byte SYNCCTL payload goes
 * through the control codec both ways.  The key is the spec's (4.5), so
 * the seeds can hold frames that decode.  A broken invariant aborts.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sasync_frame.h"

#define CHECK(x)	do { if (!(x)) abort(); } while (0)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	 one_frame(const struct sasync_key *, const uint8_t *,
		    size_t);

static void
one_frame(const struct sasync_key *k, const uint8_t *f, size_t len)
{
	static uint8_t		 p1[SASYNC_MAXDATA], p2[SASYNC_MAXDATA];
	static uint8_t		 again[SASYNC_MAXFRAME];
	struct sasync_ctl	 c, d;
	uint8_t			 cb[SASYNC_CTLLEN];
	enum sasync_drop	 why;
	uint32_t		 t1, t2;
	size_t			 l1, l2;
	ssize_t			 n;

	why = sasync_frame_decode(k, f, len, &t1, p1, &l1);
	CHECK((unsigned int)why < SASYNC_DROP_MAX);
	CHECK(sasync_drop_name(why)[0] != '?');
	/* sasync_frame_size() said the length field is good */
	CHECK(why != SASYNC_DROP_BADLEN && why != SASYNC_DROP_CRYPTO);
	if (why != SASYNC_OK)
		return;
	CHECK(t1 <= SASYNC_MSG_XFRMDATA);
	CHECK(l1 >= 1 && l1 <= SASYNC_MAXDATA && l1 + 15 >= len - 48);
	n = sasync_frame_encode(k, t1, p1, l1, f + 32, again, sizeof(again));
	CHECK(n > 0 && (size_t)n == len);
	/* the header is the same: the padding alone may differ */
	CHECK(memcmp(again, f, 32) == 0);
	CHECK(sasync_frame_decode(k, again, (size_t)n, &t2, p2, &l2) ==
	    SASYNC_OK);
	CHECK(t2 == t1 && l2 == l1 && memcmp(p1, p2, l1) == 0);

	if (t1 == SASYNC_MSG_SYNCCTL &&
	    sasync_ctl_decode(p1, l1, &c) == 0) {
		CHECK(l1 == SASYNC_CTLLEN);
		sasync_ctl_encode(&c, cb);
		CHECK(memcmp(cb, p1, sizeof(cb)) == 0);
		CHECK(sasync_ctl_decode(cb, sizeof(cb), &d) == 0);
		CHECK(d.c_type == c.c_type && d.c_data == c.c_data &&
		    d.c_data2 == c.c_data2);
		(void)sasync_ctl_name(c.c_type);
		(void)sasync_state_name(c.c_data);
	} else if (t1 == SASYNC_MSG_SYNCCTL)
		CHECK(l1 != SASYNC_CTLLEN);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct sasync_key	 k;
	ssize_t			 sz;
	size_t			 i;

	memset(&k, 0, sizeof(k));
	for (i = 0; i < 16; i++)
		k.k_bytes[i] = (uint8_t)i;
	k.k_len = 16;

	while (len > 0) {
		sz = sasync_frame_size(data, len);
		if (sz == 0) {
			CHECK(len < 4);
			break;
		}
		if (sz == -1)
			break;		/* the daemon closes the stream */
		CHECK(sz >= 64 && sz <= 4 + 44 + SASYNC_MAXDATA &&
		    (sz - 64) % 16 == 0);
		if ((size_t)sz > len)
			break;		/* waits for more */
		one_frame(&k, data, (size_t)sz);
		data += sz;
		len -= (size_t)sz;
	}
	return (0);
}
