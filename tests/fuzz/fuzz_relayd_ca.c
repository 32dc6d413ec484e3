/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * ca_store_answer() on hostile requests, as a compromised relay process
 * could send them.  The first byte picks the key the request names
 * (0: the RSA key, 1: the EC key, else the bytes' own id), so the
 * operations run on real keys; the rest is the request.  A reply never
 * claims more bytes than it has or than the key's size.  With first
 * byte 2 the rest goes to ca_store_add() as a parent's key buffer.
 */

#define OPENSSL_SUPPRESS_DEPRECATED

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "ca.h"

#define CHECK(x)	do { if (!(x)) abort(); } while (0)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct ca_store	*store;
static uint8_t		 rsa_id[CA_IDLEN], ec_id[CA_IDLEN];

static void
id_of(const char *tag, const uint8_t *b, size_t len, uint8_t *id)
{
	unsigned int	 n;
	EVP_MD_CTX	*md = EVP_MD_CTX_new();

	CHECK(md != NULL && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1 &&
	    EVP_DigestUpdate(md, tag, strlen(tag) + 1) == 1 &&
	    EVP_DigestUpdate(md, b, len) == 1 &&
	    EVP_DigestFinal_ex(md, id, &n) == 1);
	EVP_MD_CTX_free(md);
}

static void
add_key(EVP_PKEY *pk)
{
	BIO		*b = BIO_new(BIO_s_mem());
	char		*pem;
	uint8_t		 buf[8192], pub[256];
	uint32_t	 l;
	BIGNUM		*n = NULL;
	size_t		 pl;
	long		 len;

	CHECK(pk != NULL && b != NULL &&
	    PEM_write_bio_PrivateKey(b, pk, NULL, NULL, 0, NULL, NULL) == 1);
	len = BIO_get_mem_data(b, &pem);
	CHECK(len > 0 && (size_t)len + 4 <= sizeof(buf));
	l = (uint32_t)len;
	memcpy(buf, &l, 4);
	memcpy(buf + 4, pem, (size_t)len);
	CHECK(ca_store_add(store, buf, (size_t)len + 4, 1) == 0);
	if (EVP_PKEY_is_a(pk, "RSA")) {
		CHECK(EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_N, &n));
		pl = (size_t)BN_bn2bin(n, pub);
		id_of("RSA", pub, pl, rsa_id);
		BN_free(n);
	} else {
		CHECK(EVP_PKEY_get_octet_string_param(pk,
		    OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof(pub), &pl));
		id_of("EC", pub, pl, ec_id);
	}
	BIO_free(b);
	EVP_PKEY_free(pk);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ca_req	 req;
	struct ca_rep	 rep;
	struct ca_store	*s;
	size_t		 n;

	if (store == NULL) {
		CHECK((store = ca_store_new()) != NULL);
		add_key(EVP_RSA_gen(1024));
		add_key(EVP_EC_gen("P-256"));
		CHECK(ca_store_count(store) == 2);
	}
	if (size < 1)
		return (0);
	if (data[0] == 2) {
		CHECK((s = ca_store_new()) != NULL);
		(void)ca_store_add(s, data + 1, size - 1, 1);
		ca_store_free(s);
		return (0);
	}
	n = size - 1 < sizeof(req) ? size - 1 : sizeof(req);
	memset(&req, 0, sizeof(req));
	memcpy(&req, data + 1, n);
	if (n >= CA_REQ_HDR && data[0] < 2)
		memcpy(req.cr_id, data[0] == 0 ? rsa_id : ec_id, CA_IDLEN);
	/* also as the exact length the request claims */
	if (n >= CA_REQ_HDR && data[0] == 0 && req.cr_len <= CA_MAXDATA &&
	    CA_REQ_HDR + req.cr_len <= sizeof(req))
		n = CA_REQ_HDR + req.cr_len;
	n = ca_store_answer(store, &req, n, &rep);
	CHECK(n >= CA_REP_HDR && n <= sizeof(rep));
	CHECK(rep.cp_ret == -1 ? n == CA_REP_HDR :
	    rep.cp_ret >= 0 && n == CA_REP_HDR + (size_t)rep.cp_ret &&
	    rep.cp_ret <= 256);
	return (0);
}
