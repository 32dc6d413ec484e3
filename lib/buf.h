/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

#ifndef HAKIT_BUF_H
#define HAKIT_BUF_H

#include <stddef.h>
#include <stdint.h>

/*
 * A read cursor over untrusted bytes.  Every getter checks the bytes left
 * and returns -1 without moving when the input is short, so a decoder is a
 * chain of getters and never reads past the end.
 */
struct buf {
	const uint8_t	*b_data;
	size_t		 b_len;
	size_t		 b_off;
};

/* A bounded writer into caller-owned memory; b_err sticks on overflow. */
struct wbuf {
	uint8_t		*w_data;
	size_t		 w_cap;
	size_t		 w_len;
	int		 w_err;
};

void	 buf_init(struct buf *, const void *, size_t);
size_t	 buf_left(const struct buf *);
const uint8_t *buf_cur(const struct buf *);
int	 buf_skip(struct buf *, size_t);
int	 buf_get_u8(struct buf *, uint8_t *);
int	 buf_get_u16(struct buf *, uint16_t *);	/* network order */
int	 buf_get_u32(struct buf *, uint32_t *);	/* network order */
int	 buf_get_u64(struct buf *, uint64_t *);	/* network order */
int	 buf_get_bytes(struct buf *, void *, size_t);
int	 buf_sub(struct buf *, size_t, struct buf *);

void	 wbuf_init(struct wbuf *, void *, size_t);
void	 wbuf_put_u8(struct wbuf *, uint8_t);
void	 wbuf_put_u16(struct wbuf *, uint16_t);
void	 wbuf_put_u32(struct wbuf *, uint32_t);
void	 wbuf_put_u64(struct wbuf *, uint64_t);
void	 wbuf_put_bytes(struct wbuf *, const void *, size_t);

#endif /* HAKIT_BUF_H */
