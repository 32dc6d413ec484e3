/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

#include <stdlib.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "hmac.h"

struct hmac_sha1 {
	EVP_MAC_CTX	*h_ctx;
};

struct hmac_sha1 *
hmac_sha1_new(const void *key, size_t keylen)
{
	static const uint8_t	 zero;
	struct hmac_sha1	*h;
	EVP_MAC			*mac;
	OSSL_PARAM		 params[2];

	if ((h = calloc(1, sizeof(*h))) == NULL)
		return (NULL);
	if ((mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL)
		goto fail;
	h->h_ctx = EVP_MAC_CTX_new(mac);
	EVP_MAC_free(mac);
	if (h->h_ctx == NULL)
		goto fail;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    (char *)(uintptr_t)"SHA1", 0);
	params[1] = OSSL_PARAM_construct_end();
	/* EVP_MAC_init refuses a NULL key even when its length is 0. */
	if (EVP_MAC_init(h->h_ctx, keylen ? key : &zero, keylen,
	    params) != 1)
		goto fail;
	return (h);
 fail:
	hmac_sha1_free(h);
	return (NULL);
}

int
hmac_sha1_update(struct hmac_sha1 *h, const void *p, size_t n)
{
	return (EVP_MAC_update(h->h_ctx, p, n) == 1 ? 0 : -1);
}

int
hmac_sha1_final(struct hmac_sha1 *h, uint8_t out[HMAC_SHA1_LEN])
{
	size_t	 len = 0;

	if (EVP_MAC_final(h->h_ctx, out, &len, HMAC_SHA1_LEN) != 1 ||
	    len != HMAC_SHA1_LEN)
		return (-1);
	return (0);
}

void
hmac_sha1_free(struct hmac_sha1 *h)
{
	if (h == NULL)
		return;
	EVP_MAC_CTX_free(h->h_ctx);
	free(h);
}

int
hmac_sha1(const void *key, size_t keylen, const void *msg, size_t msglen,
    uint8_t out[HMAC_SHA1_LEN])
{
	struct hmac_sha1	*h;
	int			 rv = -1;

	if ((h = hmac_sha1_new(key, keylen)) == NULL)
		return (-1);
	if (hmac_sha1_update(h, msg, msglen) == 0 &&
	    hmac_sha1_final(h, out) == 0)
		rv = 0;
	hmac_sha1_free(h);
	return (rv);
}

int
sha1(const void *p, size_t n, uint8_t out[HMAC_SHA1_LEN])
{
	unsigned int	 len = 0;

	if (EVP_Digest(p, n, out, &len, EVP_sha1(), NULL) != 1 ||
	    len != HMAC_SHA1_LEN)
		return (-1);
	return (0);
}

int
hmac_cmp(const void *a, const void *b, size_t n)
{
	return (CRYPTO_memcmp(a, b, n) != 0);
}
