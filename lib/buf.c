/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

#include <string.h>

#include "buf.h"

void
buf_init(struct buf *b, const void *data, size_t len)
{
	b->b_data = data;
	b->b_len = len;
	b->b_off = 0;
}

size_t
buf_left(const struct buf *b)
{
	return (b->b_len - b->b_off);
}

const uint8_t *
buf_cur(const struct buf *b)
{
	return (b->b_data + b->b_off);
}

int
buf_skip(struct buf *b, size_t n)
{
	if (buf_left(b) < n)
		return (-1);
	b->b_off += n;
	return (0);
}

int
buf_get_bytes(struct buf *b, void *out, size_t n)
{
	if (buf_left(b) < n)
		return (-1);
	if (n > 0)
		memcpy(out, b->b_data + b->b_off, n);
	b->b_off += n;
	return (0);
}

int
buf_get_u8(struct buf *b, uint8_t *v)
{
	return (buf_get_bytes(b, v, 1));
}

int
buf_get_u16(struct buf *b, uint16_t *v)
{
	uint8_t	 p[2];

	if (buf_get_bytes(b, p, sizeof(p)) == -1)
		return (-1);
	*v = (uint16_t)(p[0] << 8 | p[1]);
	return (0);
}

int
buf_get_u32(struct buf *b, uint32_t *v)
{
	uint8_t	 p[4];

	if (buf_get_bytes(b, p, sizeof(p)) == -1)
		return (-1);
	*v = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
	return (0);
}

int
buf_get_u64(struct buf *b, uint64_t *v)
{
	uint32_t hi, lo;

	if (buf_left(b) < 8)
		return (-1);
	(void)buf_get_u32(b, &hi);
	(void)buf_get_u32(b, &lo);
	*v = (uint64_t)hi << 32 | lo;
	return (0);
}

/* Splits the next n bytes off as their own cursor. */
int
buf_sub(struct buf *b, size_t n, struct buf *sub)
{
	if (buf_left(b) < n)
		return (-1);
	buf_init(sub, b->b_data + b->b_off, n);
	b->b_off += n;
	return (0);
}

void
wbuf_init(struct wbuf *w, void *data, size_t cap)
{
	w->w_data = data;
	w->w_cap = cap;
	w->w_len = 0;
	w->w_err = 0;
}

void
wbuf_put_bytes(struct wbuf *w, const void *p, size_t n)
{
	if (w->w_err || w->w_cap - w->w_len < n) {
		w->w_err = 1;
		return;
	}
	if (n > 0)
		memcpy(w->w_data + w->w_len, p, n);
	w->w_len += n;
}

void
wbuf_put_u8(struct wbuf *w, uint8_t v)
{
	wbuf_put_bytes(w, &v, 1);
}

void
wbuf_put_u16(struct wbuf *w, uint16_t v)
{
	uint8_t	 p[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	wbuf_put_bytes(w, p, sizeof(p));
}

void
wbuf_put_u32(struct wbuf *w, uint32_t v)
{
	uint8_t	 p[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16),
	    (uint8_t)(v >> 8), (uint8_t)v };

	wbuf_put_bytes(w, p, sizeof(p));
}

void
wbuf_put_u64(struct wbuf *w, uint64_t v)
{
	wbuf_put_u32(w, (uint32_t)(v >> 32));
	wbuf_put_u32(w, (uint32_t)v);
}
