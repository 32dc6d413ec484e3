/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * The sasyncd frame codec (see sasync_frame.h): AES-CBC through OpenSSL
 * 3's EVP without its padding (the frame's padding is its own), SHA-1
 * through lib/hmac.  No I/O, no state: the caller owns the stream.
 */

#include <sys/types.h>

#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "buf.h"
#include "hmac.h"
#include "sasync_frame.h"

static const EVP_CIPHER *frame_cipher(size_t);
static int	 frame_crypt(const struct sasync_key *, int, const uint8_t *,
		    const uint8_t *, uint8_t *, size_t);
static int	 frame_datalen_ok(uint32_t, size_t *);
static int	 hexval(int);

static const char *const drop_names[SASYNC_DROP_MAX] = {
	"ok", "bad_length", "bad_type", "bad_padding", "bad_hash",
	"crypto_error"
};

static const char *const ctl_names[] = {
	"CTL_RESERVED", "CTL_STATE", "CTL_ERROR", "CTL_ACK", "CTL_ENDSNAP",
	"CTL_UNKNOWN"
};

static const char *const state_names[] = {
	"INIT", "SLAVE", "MASTER", "FAIL"
};

static const char *const msg_names[] = {
	"SYNCCTL", "PFKEYDATA", "XFRMDATA"
};

const char *
sasync_drop_name(enum sasync_drop d)
{
	if ((unsigned int)d >= SASYNC_DROP_MAX)
		return ("?");
	return (drop_names[d]);
}

const char *
sasync_ctl_name(uint32_t type)
{
	if (type >= sizeof(ctl_names) / sizeof(ctl_names[0]))
		return ("?");
	return (ctl_names[type]);
}

const char *
sasync_state_name(uint32_t state)
{
	if (state >= sizeof(state_names) / sizeof(state_names[0]))
		return ("?");
	return (state_names[state]);
}

const char *
sasync_msg_name(uint32_t type)
{
	if (type >= sizeof(msg_names) / sizeof(msg_names[0]))
		return ("?");
	return (msg_names[type]);
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

/*
 * As OpenBSD: "0x" makes it hex, anything else is taken byte for byte.
 * Messages give lengths and positions, never key characters.
 */
int
sasync_key_parse(const char *s, struct sasync_key *key, char *err,
    size_t errlen)
{
	size_t	 len, i;
	int	 hi, lo;

	explicit_bzero(key, sizeof(*key));
	len = strlen(s);
	if (len >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		s += 2;
		len -= 2;
		if (len % 2 != 0) {
			(void)snprintf(err, errlen, "sharedkey: odd number "
			    "of hex digits (%zu)", len);
			goto fail;
		}
		len /= 2;
		if (len != 16 && len != 24 && len != 32) {
			(void)snprintf(err, errlen, "sharedkey must be 16, 24 "
			    "or 32 bytes, got %zu", len);
			goto fail;
		}
		for (i = 0; i < len; i++) {
			hi = hexval((unsigned char)s[2 * i]);
			lo = hexval((unsigned char)s[2 * i + 1]);
			if (hi == -1 || lo == -1) {
				(void)snprintf(err, errlen, "sharedkey: bad "
				    "hex digit after 0x at position %zu",
				    2 * i + (hi == -1 ? 1 : 2));
				goto fail;
			}
			key->k_bytes[i] = (uint8_t)(hi << 4 | lo);
		}
	} else {
		if (len != 16 && len != 24 && len != 32) {
			(void)snprintf(err, errlen, "sharedkey must be 16, 24 "
			    "or 32 bytes, got %zu", len);
			goto fail;
		}
		memcpy(key->k_bytes, s, len);
	}
	key->k_len = len;
	return (0);
 fail:
	explicit_bzero(key, sizeof(*key));
	return (-1);
}

static const EVP_CIPHER *
frame_cipher(size_t klen)
{
	switch (klen) {
	case 16:
		return (EVP_aes_128_cbc());
	case 24:
		return (EVP_aes_192_cbc());
	case 32:
		return (EVP_aes_256_cbc());
	default:
		return (NULL);
	}
}

/* AES-CBC over n bytes (a multiple of 16), no padding; in may be out. */
static int
frame_crypt(const struct sasync_key *key, int enc, const uint8_t *iv,
    const uint8_t *in, uint8_t *out, size_t n)
{
	const EVP_CIPHER	*c;
	EVP_CIPHER_CTX		*ctx;
	int			 l1 = 0, l2 = 0, rv = -1;

	if ((c = frame_cipher(key->k_len)) == NULL || n % SASYNC_BLOCK != 0 ||
	    n > SASYNC_MAXDATA)
		return (-1);
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL)
		return (-1);
	if (EVP_CipherInit_ex(ctx, c, NULL, key->k_bytes, iv, enc) != 1 ||
	    EVP_CIPHER_CTX_set_padding(ctx, 0) != 1 ||
	    EVP_CipherUpdate(ctx, out, &l1, in, (int)n) != 1 ||
	    EVP_CipherFinal_ex(ctx, out + l1, &l2) != 1 ||
	    (size_t)l1 + (size_t)l2 != n)
		goto fail;
	rv = 0;
 fail:
	EVP_CIPHER_CTX_free(ctx);
	return (rv);
}

ssize_t
sasync_frame_encode(const struct sasync_key *key, uint32_t type,
    const void *payload, size_t len, const uint8_t *iv, uint8_t *out,
    size_t outlen)
{
	struct wbuf	 w;
	uint8_t		 hash[SASYNC_HASHLEN], rnd[SASYNC_IVLEN];
	uint8_t		*data;
	size_t		 padlen, n, i;

	if (len == 0 || len > SASYNC_MAXDATA)
		return (-1);
	padlen = (SASYNC_BLOCK - len % SASYNC_BLOCK) % SASYNC_BLOCK;
	n = len + padlen;
	if (n < SASYNC_MINDATA || outlen < SASYNC_HDRLEN + n ||
	    frame_cipher(key->k_len) == NULL)
		return (-1);
	if (iv == NULL) {
		if (RAND_bytes(rnd, sizeof(rnd)) != 1)
			return (-1);
		iv = rnd;
	}
	if (sha1(payload, len, hash) == -1)
		return (-1);

	wbuf_init(&w, out, SASYNC_HDRLEN);
	wbuf_put_u32(&w, (uint32_t)(SASYNC_LENOVERHEAD + n));
	wbuf_put_u32(&w, type);
	wbuf_put_u32(&w, (uint32_t)padlen);
	wbuf_put_bytes(&w, hash, sizeof(hash));
	wbuf_put_bytes(&w, iv, SASYNC_IVLEN);
	if (w.w_err || w.w_len != SASYNC_HDRLEN)
		return (-1);

	/* Payload and padding in place, then encrypted in place. */
	data = out + SASYNC_HDRLEN;
	memmove(data, payload, len);
	for (i = 0; i < padlen; i++)
		data[len + i] = (uint8_t)(padlen - i);
	if (frame_crypt(key, 1, out + SASYNC_HDRLEN - SASYNC_IVLEN, data,
	    data, n) == -1) {
		explicit_bzero(data, n);
		return (-1);
	}
	return ((ssize_t)(SASYNC_HDRLEN + n));
}

/* The length field gives N; 0 if it is one a frame may have. */
static int
frame_datalen_ok(uint32_t length, size_t *n)
{
	if (length < SASYNC_LENOVERHEAD + SASYNC_MINDATA ||
	    length > SASYNC_LENOVERHEAD + SASYNC_MAXDATA)
		return (-1);
	*n = length - SASYNC_LENOVERHEAD;
	if (*n % SASYNC_BLOCK != 0)
		return (-1);
	return (0);
}

ssize_t
sasync_frame_size(const uint8_t *data, size_t len)
{
	struct buf	 b;
	uint32_t	 length;
	size_t		 n;

	buf_init(&b, data, len);
	if (buf_get_u32(&b, &length) == -1)
		return (0);
	if (frame_datalen_ok(length, &n) == -1)
		return (-1);
	return ((ssize_t)(4 + (size_t)length));
}

enum sasync_drop
sasync_frame_decode(const struct sasync_key *key, const uint8_t *frame,
    size_t framelen, uint32_t *type, uint8_t *payload, size_t *plen)
{
	struct buf	 b;
	uint8_t		 hash[SASYNC_HASHLEN], got[SASYNC_HASHLEN];
	uint8_t		 iv[SASYNC_IVLEN];
	uint32_t	 length, t, padlen;
	size_t		 n, l;

	*plen = 0;
	buf_init(&b, frame, framelen);
	if (buf_get_u32(&b, &length) == -1 ||
	    frame_datalen_ok(length, &n) == -1 ||
	    (size_t)length != framelen - 4)
		return (SASYNC_DROP_BADLEN);
	if (buf_get_u32(&b, &t) == -1 ||
	    buf_get_u32(&b, &padlen) == -1 ||
	    buf_get_bytes(&b, hash, sizeof(hash)) == -1 ||
	    buf_get_bytes(&b, iv, sizeof(iv)) == -1 ||
	    buf_left(&b) != n)
		return (SASYNC_DROP_BADLEN);
	if (t > SASYNC_MSG_XFRMDATA)
		return (SASYNC_DROP_BADTYPE);
	if (padlen >= SASYNC_BLOCK || padlen > n)
		return (SASYNC_DROP_BADPAD);

	if (frame_crypt(key, 0, iv, buf_cur(&b), payload, n) == -1) {
		explicit_bzero(payload, n);
		return (SASYNC_DROP_CRYPTO);
	}
	/* As OpenBSD: the pad bytes are dropped, not checked. */
	l = n - padlen;
	if (sha1(payload, l, got) == -1) {
		explicit_bzero(payload, n);
		return (SASYNC_DROP_CRYPTO);
	}
	if (hmac_cmp(got, hash, sizeof(hash)) != 0) {
		explicit_bzero(payload, n);
		return (SASYNC_DROP_BADHASH);
	}
	explicit_bzero(payload + l, padlen);
	*type = t;
	*plen = l;
	return (SASYNC_OK);
}

void
sasync_ctl_encode(const struct sasync_ctl *c, uint8_t out[12])
{
	struct wbuf	 w;

	wbuf_init(&w, out, SASYNC_CTLLEN);
	wbuf_put_u32(&w, c->c_type);
	wbuf_put_u32(&w, c->c_data);
	wbuf_put_u32(&w, c->c_data2);
}

int
sasync_ctl_decode(const uint8_t *data, size_t len, struct sasync_ctl *c)
{
	struct buf	 b;

	if (len != SASYNC_CTLLEN)
		return (-1);
	buf_init(&b, data, len);
	if (buf_get_u32(&b, &c->c_type) == -1 ||
	    buf_get_u32(&b, &c->c_data) == -1 ||
	    buf_get_u32(&b, &c->c_data2) == -1)
		return (-1);
	return (0);
}
