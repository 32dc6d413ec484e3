/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

#ifndef HAKIT_HMAC_H
#define HAKIT_HMAC_H

#include <stddef.h>
#include <stdint.h>

#define HMAC_SHA1_LEN	20

/*
 * HMAC-SHA1 through OpenSSL 3's EVP_MAC (the HMAC_CTX calls are
 * deprecated).  A context is fed in pieces, as protocol messages are built
 * from several fields.  Returns 0 or -1 on an OpenSSL failure.
 */
struct hmac_sha1;

struct hmac_sha1 *hmac_sha1_new(const void *key, size_t keylen);
int	 hmac_sha1_update(struct hmac_sha1 *, const void *, size_t);
int	 hmac_sha1_final(struct hmac_sha1 *, uint8_t out[HMAC_SHA1_LEN]);
void	 hmac_sha1_free(struct hmac_sha1 *);
int	 hmac_sha1(const void *key, size_t keylen, const void *msg,
	    size_t msglen, uint8_t out[HMAC_SHA1_LEN]);
int	 sha1(const void *, size_t, uint8_t out[HMAC_SHA1_LEN]);
/* Constant-time comparison; 0 when equal. */
int	 hmac_cmp(const void *, const void *, size_t);

#endif /* HAKIT_HMAC_H */
