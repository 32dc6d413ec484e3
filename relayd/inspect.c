/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * TLS inspection (REL-18): see inspect.h.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <tls.h>

#include "inspect.h"
#include "relay_tls.h"

struct icache {
	uint8_t		 ic_fp[EVP_MAX_MD_SIZE];
	struct tls	*ic_ctx;
	uint64_t	 ic_used;
};

struct inspect {
	int		 i_listen;
	X509		*i_cacert;
	EVP_PKEY	*i_cakey;	/* a stand-in: signs through the ca */
	EVP_PKEY	*i_pub;		/* the relay's key (a stand-in too) */
	uint8_t		*i_key;		/* its PEM, for every context */
	size_t		 i_keylen;
	uint8_t		*i_capem;	/* the CA certificate, for chains */
	size_t		 i_capemlen;
	uint8_t		*i_client_ca;	/* TLS-9 */
	size_t		 i_client_calen;
	struct icache	 i_cache[INSPECT_CACHE];
	uint64_t	 i_clock;
	uint64_t	 i_made, i_cached, i_failed;
};

static uint8_t	*dup_mem(const uint8_t *, size_t);
static char	*pem_of(X509 *, const uint8_t *, size_t, size_t *);

static uint8_t *
dup_mem(const uint8_t *p, size_t len)
{
	uint8_t	*d;

	if ((d = malloc(len + 1)) == NULL)
		return (NULL);
	memcpy(d, p, len);
	d[len] = '\0';
	return (d);
}

X509 *
inspect_mint(X509 *srv, EVP_PKEY *pub, X509 *cacert, EVP_PKEY *cakey)
{
	X509_EXTENSION	*ext;
	X509		*x;
	int		 i;

	if ((x = X509_dup(srv)) == NULL)
		return (NULL);
	if (X509_set_pubkey(x, pub) != 1 ||
	    X509_set_issuer_name(x, X509_get_subject_name(cacert)) != 1)
		goto fail;
	/* it named the real issuer's key: a verifier would look for it */
	while ((i = X509_get_ext_by_NID(x, NID_authority_key_identifier,
	    -1)) >= 0) {
		if ((ext = X509_delete_ext(x, i)) == NULL)
			goto fail;
		X509_EXTENSION_free(ext);
	}
	if (X509_sign(x, cakey, EVP_sha256()) <= 0)
		goto fail;
	return (x);
 fail:
	X509_free(x);
	return (NULL);
}

struct inspect *
inspect_new(const struct relay_tls_files *tf, int listen, char *err,
    size_t errlen)
{
	const struct relay_tls_listen	*tl = NULL;
	struct inspect			*in;
	BIO				*b;
	int				 i;

	for (i = 0; i < tf->tf_nlisten; i++)
		if (tf->tf_listen[i].tl_listen == listen)
			tl = &tf->tf_listen[i];
	if (tf->tf_cacert == NULL || tf->tf_cakey == NULL || tl == NULL ||
	    tl->tl_nkp == 0) {
		(void)snprintf(err, errlen, "inspection needs ca cert, ca key "
		    "and a keypair");
		return (NULL);
	}
	if ((in = calloc(1, sizeof(*in))) == NULL)
		goto nomem;
	in->i_listen = listen;
	if ((in->i_key = dup_mem(tl->tl_kp[0].kf_key,
	    tl->tl_kp[0].kf_keylen)) == NULL ||
	    (in->i_capem = dup_mem(tf->tf_cacert, tf->tf_cacertlen)) == NULL ||
	    (tf->tf_client_ca != NULL && (in->i_client_ca =
	    dup_mem(tf->tf_client_ca, tf->tf_client_calen)) == NULL))
		goto nomem;
	in->i_keylen = tl->tl_kp[0].kf_keylen;
	in->i_capemlen = tf->tf_cacertlen;
	in->i_client_calen = tf->tf_client_calen;
	if ((b = BIO_new_mem_buf(in->i_capem, (int)in->i_capemlen)) != NULL)
		in->i_cacert = PEM_read_bio_X509(b, NULL, NULL, NULL);
	BIO_free(b);
	if ((b = BIO_new_mem_buf(tf->tf_cakey, (int)tf->tf_cakeylen)) !=
	    NULL)
		in->i_cakey = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
	BIO_free(b);
	if ((b = BIO_new_mem_buf(in->i_key, (int)in->i_keylen)) != NULL)
		in->i_pub = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
	BIO_free(b);
	if (in->i_cacert == NULL || in->i_cakey == NULL || in->i_pub == NULL) {
		(void)snprintf(err, errlen, "inspection: the CA certificate, "
		    "the CA key or the keypair %s does not parse",
		    tl->tl_kp[0].kf_name);
		inspect_free(in);
		return (NULL);
	}
	return (in);
 nomem:
	inspect_free(in);
	(void)snprintf(err, errlen, "out of memory");
	return (NULL);
}

void
inspect_free(struct inspect *in)
{
	int	 i;

	if (in == NULL)
		return;
	for (i = 0; i < INSPECT_CACHE; i++)
		tls_free(in->i_cache[i].ic_ctx);
	X509_free(in->i_cacert);
	EVP_PKEY_free(in->i_cakey);
	EVP_PKEY_free(in->i_pub);
	free(in->i_key);
	free(in->i_capem);
	free(in->i_client_ca);
	free(in);
}

/* The made certificate, then the CA's, as one PEM chain. */
static char *
pem_of(X509 *x, const uint8_t *ca, size_t calen, size_t *len)
{
	BIO	*b;
	char	*p, *out = NULL;
	long	 n;

	if ((b = BIO_new(BIO_s_mem())) == NULL)
		return (NULL);
	if (PEM_write_bio_X509(b, x) == 1 &&
	    BIO_write(b, ca, (int)calen) == (int)calen &&
	    (n = BIO_get_mem_data(b, &p)) > 0 &&
	    (out = malloc((size_t)n)) != NULL) {
		memcpy(out, p, (size_t)n);
		*len = (size_t)n;
	}
	BIO_free(b);
	return (out);
}

struct tls *
inspect_server(struct inspect *in, const struct rd_protocol *pr,
    const uint8_t *chain, size_t len, char *err, size_t errlen)
{
	struct relay_tls_keypair	 kp;
	struct relay_tls_files		 tf;
	struct icache			*c, *lru = NULL;
	X509				*srv = NULL, *x = NULL;
	BIO				*b;
	struct tls			*ctx = NULL;
	uint8_t				 fp[EVP_MAX_MD_SIZE];
	unsigned int			 fplen = 0;
	char				*pem = NULL;
	size_t				 pemlen;
	int				 i;

	if (len > INT32_MAX || (b = BIO_new_mem_buf(chain, (int)len)) ==
	    NULL)
		goto fail;
	srv = PEM_read_bio_X509(b, NULL, NULL, NULL);
	BIO_free(b);
	if (srv == NULL || X509_digest(srv, EVP_sha256(), fp, &fplen) != 1) {
		(void)snprintf(err, errlen, "the server sent no certificate "
		    "that parses");
		goto fail;
	}
	for (i = 0; i < INSPECT_CACHE; i++) {
		c = &in->i_cache[i];
		if (c->ic_ctx != NULL && memcmp(c->ic_fp, fp, fplen) == 0) {
			c->ic_used = ++in->i_clock;
			in->i_cached++;
			X509_free(srv);
			return (c->ic_ctx);
		}
		if (lru == NULL || c->ic_used < lru->ic_used)
			lru = c;
	}
	if ((x = inspect_mint(srv, in->i_pub, in->i_cacert, in->i_cakey)) ==
	    NULL) {
		(void)snprintf(err, errlen, "cannot sign the server's "
		    "certificate with the inspection CA");
		goto fail;
	}
	if ((pem = pem_of(x, in->i_capem, in->i_capemlen, &pemlen)) == NULL) {
		(void)snprintf(err, errlen, "out of memory");
		goto fail;
	}
	memset(&kp, 0, sizeof(kp));
	(void)strlcpy(kp.kf_name, "inspection", sizeof(kp.kf_name));
	kp.kf_cert = (uint8_t *)pem;
	kp.kf_certlen = pemlen;
	kp.kf_key = in->i_key;
	kp.kf_keylen = in->i_keylen;
	memset(&tf, 0, sizeof(tf));
	tf.tf_nlisten = 1;
	tf.tf_listen[0].tl_listen = in->i_listen;
	tf.tf_listen[0].tl_kp = &kp;
	tf.tf_listen[0].tl_nkp = 1;
	tf.tf_client_ca = in->i_client_ca;
	tf.tf_client_calen = in->i_client_calen;
	if ((ctx = relay_tls_server(&tf, pr, in->i_listen, err, errlen)) ==
	    NULL)
		goto fail;
	tls_free(lru->ic_ctx);
	memcpy(lru->ic_fp, fp, fplen);
	lru->ic_ctx = ctx;
	lru->ic_used = ++in->i_clock;
	in->i_made++;
	free(pem);
	X509_free(x);
	X509_free(srv);
	return (ctx);
 fail:
	in->i_failed++;
	free(pem);
	X509_free(x);
	X509_free(srv);
	return (NULL);
}

void
inspect_counts(const struct inspect *in, uint64_t *made, uint64_t *cached,
    uint64_t *failed)
{
	*made = in->i_made;
	*cached = in->i_cached;
	*failed = in->i_failed;
}
