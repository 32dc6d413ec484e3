/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * Private keys out of the relay processes (PRIV-5): see ca.h.  The
 * RSA_METHOD and EC_KEY_METHOD calls are deprecated in OpenSSL 3 but
 * are what its default provider still runs for private operations;
 * OpenBSD's relayd rests on the same hooks.
 */

#define OPENSSL_SUPPRESS_DEPRECATED

#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "ca.h"
#include "log.h"

#define CA_MAXKEYS	4096
#define CA_MAXPEM	(64 * 1024)

struct ca_key {
	uint8_t		 k_id[CA_IDLEN];
	RSA		*k_rsa;
	EC_KEY		*k_ec;
	uint32_t	 k_gen;
};

struct ca_store {
	struct ca_key	*s_keys;
	size_t		 s_n;
	size_t		 s_cap;
};

static int	 key_id(const char *, const uint8_t *, size_t,
		    uint8_t [CA_IDLEN]);
static int	 rsa_id(const RSA *, uint8_t [CA_IDLEN]);
static int	 ec_id(const EC_KEY *, uint8_t [CA_IDLEN]);
static int	 no_password(char *, int, int, void *);
static EVP_PKEY	*stand_in(EVP_PKEY *);
static int	 keys_append(struct ca_keys *, const uint8_t *, size_t);
static struct ca_key *store_find(const struct ca_store *,
		    const uint8_t [CA_IDLEN]);
static void	 key_free(struct ca_key *);

/* The id is a digest of a tag and the public half's bytes. */
static int
key_id(const char *tag, const uint8_t *pub, size_t len,
    uint8_t id[CA_IDLEN])
{
	EVP_MD_CTX	*md;
	unsigned int	 n = 0;
	int		 ok;

	if ((md = EVP_MD_CTX_new()) == NULL)
		return (-1);
	ok = EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1 &&
	    EVP_DigestUpdate(md, tag, strlen(tag) + 1) == 1 &&
	    EVP_DigestUpdate(md, pub, len) == 1 &&
	    EVP_DigestFinal_ex(md, id, &n) == 1 && n == CA_IDLEN;
	EVP_MD_CTX_free(md);
	return (ok ? 0 : -1);
}

static int
rsa_id(const RSA *rsa, uint8_t id[CA_IDLEN])
{
	const BIGNUM	*n = RSA_get0_n(rsa);
	uint8_t		 b[CA_MAXDATA];
	int		 len;

	if (n == NULL || (len = BN_num_bytes(n)) <= 0 ||
	    (size_t)len > sizeof(b) || BN_bn2bin(n, b) != len)
		return (-1);
	return (key_id("RSA", b, (size_t)len, id));
}

static int
ec_id(const EC_KEY *ec, uint8_t id[CA_IDLEN])
{
	const EC_GROUP	*g = EC_KEY_get0_group(ec);
	const EC_POINT	*p = EC_KEY_get0_public_key(ec);
	uint8_t		 b[256];
	size_t		 len;

	if (g == NULL || p == NULL || (len = EC_POINT_point2oct(g, p,
	    POINT_CONVERSION_UNCOMPRESSED, b, sizeof(b), NULL)) == 0)
		return (-1);
	return (key_id("EC", b, len, id));
}

/* The configured password, if any: never a prompt on the terminal. */
static int
no_password(char *buf, int size, int rwflag, void *arg)
{
	const char	*pass = arg;
	size_t		 len;

	(void)rwflag;
	if (pass == NULL || (len = strlen(pass)) == 0 || len >= (size_t)size)
		return (-1);
	memcpy(buf, pass, len);
	return ((int)len);
}

/*
 * The key a relay process gets: the public numbers of pk, and 1 for
 * every private one.  OpenSSL compares only public halves when it
 * matches a key with its certificate, and the relay's methods never
 * use the private numbers.
 */
static EVP_PKEY *
stand_in(EVP_PKEY *pk)
{
	OSSL_PARAM_BLD	*bld;
	OSSL_PARAM	*params = NULL;
	EVP_PKEY_CTX	*ctx = NULL;
	EVP_PKEY	*out = NULL;
	BIGNUM		*one, *n = NULL, *e = NULL;
	const char	*type, *priv[] = { OSSL_PKEY_PARAM_RSA_D,
			    OSSL_PKEY_PARAM_RSA_FACTOR1,
			    OSSL_PKEY_PARAM_RSA_FACTOR2,
			    OSSL_PKEY_PARAM_RSA_EXPONENT1,
			    OSSL_PKEY_PARAM_RSA_EXPONENT2,
			    OSSL_PKEY_PARAM_RSA_COEFFICIENT1 };
	char		 group[80];
	uint8_t		 pub[256];
	size_t		 glen, plen, i;
	int		 ok = 0;

	if ((bld = OSSL_PARAM_BLD_new()) == NULL || (one = BN_new()) == NULL) {
		OSSL_PARAM_BLD_free(bld);
		return (NULL);
	}
	if (!BN_one(one))
		goto done;
	if (EVP_PKEY_is_a(pk, "RSA")) {
		type = "RSA";
		if (!EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_N, &n) ||
		    !EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_E, &e) ||
		    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) ||
		    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e))
			goto done;
		for (i = 0; i < sizeof(priv) / sizeof(priv[0]); i++)
			if (!OSSL_PARAM_BLD_push_BN(bld, priv[i], one))
				goto done;
	} else {
		type = "EC";
		if (!EVP_PKEY_get_utf8_string_param(pk,
		    OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group), &glen) ||
		    !EVP_PKEY_get_octet_string_param(pk,
		    OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof(pub), &plen) ||
		    !OSSL_PARAM_BLD_push_utf8_string(bld,
		    OSSL_PKEY_PARAM_GROUP_NAME, group, 0) ||
		    !OSSL_PARAM_BLD_push_octet_string(bld,
		    OSSL_PKEY_PARAM_PUB_KEY, pub, plen) ||
		    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, one))
			goto done;
	}
	if ((params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    (ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &out, EVP_PKEY_KEYPAIR, params) <= 0)
		goto done;
	ok = 1;
 done:
	if (!ok) {
		EVP_PKEY_free(out);
		out = NULL;
	}
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(one);
	BN_free(n);
	BN_free(e);
	return (out);
}

static int
keys_append(struct ca_keys *keys, const uint8_t *pem, size_t len)
{
	uint8_t		*nb;
	uint32_t	 l = (uint32_t)len;

	if (len > CA_MAXPEM || (nb = malloc(keys->ck_len + 4 + len)) == NULL)
		return (-1);
	if (keys->ck_len > 0)
		memcpy(nb, keys->ck_buf, keys->ck_len);
	memcpy(nb + keys->ck_len, &l, 4);
	memcpy(nb + keys->ck_len + 4, pem, len);
	if (keys->ck_buf != NULL)
		freezero(keys->ck_buf, keys->ck_len);
	keys->ck_buf = nb;
	keys->ck_len += 4 + len;
	return (0);
}

void
ca_keys_free(struct ca_keys *keys)
{
	if (keys->ck_buf != NULL)
		freezero(keys->ck_buf, keys->ck_len);
	keys->ck_buf = NULL;
	keys->ck_len = 0;
}

int
ca_split(const char *name, uint8_t **key, size_t *keylen, const char *pass,
    const uint8_t *cert, size_t certlen, struct ca_keys *keys, char *err,
    size_t errlen)
{
	BIO		*b = NULL, *out = NULL, *real = NULL;
	EVP_PKEY	*pk = NULL, *fake = NULL;
	X509		*x = NULL;
	char		*pem, *rpem;
	uint8_t		*nk;
	long		 plen, rlen;
	int		 rv = -1;

	if (*keylen > CA_MAXPEM || certlen > INT32_MAX) {
		(void)snprintf(err, errlen, "keypair %s: key file too large",
		    name);
		return (-1);
	}
	if ((b = BIO_new_mem_buf(*key, (int)*keylen)) == NULL ||
	    (pk = PEM_read_bio_PrivateKey(b, NULL, no_password,
	    (void *)(uintptr_t)pass)) == NULL) {
		(void)snprintf(err, errlen, "keypair %s: the key is not a PEM "
		    "private key%s", name, pass != NULL && *pass != '\0' ?
		    " this password opens" : " without a password");
		goto done;
	}
	BIO_free(b);
	if ((b = BIO_new_mem_buf(cert, (int)certlen)) == NULL ||
	    (x = PEM_read_bio_X509(b, NULL, NULL, NULL)) == NULL) {
		(void)snprintf(err, errlen, "keypair %s: the certificate is "
		    "not PEM", name);
		goto done;
	}
	if (EVP_PKEY_eq(X509_get0_pubkey(x), pk) != 1) {
		(void)snprintf(err, errlen, "keypair %s: the key is not the "
		    "certificate's", name);
		goto done;
	}
	if (!EVP_PKEY_is_a(pk, "RSA") && !EVP_PKEY_is_a(pk, "EC")) {
		(void)snprintf(err, errlen, "keypair %s: %s keys cannot be "
		    "kept in the ca process; use an RSA or ECDSA key", name,
		    EVP_PKEY_get0_type_name(pk));
		goto done;
	}
	if ((fake = stand_in(pk)) == NULL ||
	    (out = BIO_new(BIO_s_mem())) == NULL ||
	    !PEM_write_bio_PrivateKey(out, fake, NULL, NULL, 0, NULL, NULL) ||
	    (plen = BIO_get_mem_data(out, &pem)) <= 0 ||
	    (nk = malloc((size_t)plen)) == NULL) {
		(void)snprintf(err, errlen, "keypair %s: cannot make the "
		    "relay's stand-in key", name);
		goto done;
	}
	/* the ca gets it without its password, which it does not know */
	if ((real = BIO_new(BIO_s_mem())) == NULL ||
	    !PEM_write_bio_PrivateKey(real, pk, NULL, NULL, 0, NULL, NULL) ||
	    (rlen = BIO_get_mem_data(real, &rpem)) <= 0 ||
	    keys_append(keys, (uint8_t *)rpem, (size_t)rlen) == -1) {
		free(nk);
		(void)snprintf(err, errlen, "keypair %s: out of memory", name);
		goto done;
	}
	memcpy(nk, pem, (size_t)plen);
	freezero(*key, *keylen);
	*key = nk;
	*keylen = (size_t)plen;
	rv = 0;
 done:
	BIO_free(b);
	BIO_free(out);
	if (real != NULL) {
		if ((rlen = BIO_get_mem_data(real, &rpem)) > 0)
			explicit_bzero(rpem, (size_t)rlen);
		BIO_free(real);
	}
	EVP_PKEY_free(pk);
	EVP_PKEY_free(fake);
	X509_free(x);
	return (rv);
}

struct ca_store *
ca_store_new(void)
{
	return (calloc(1, sizeof(struct ca_store)));
}

static void
key_free(struct ca_key *k)
{
	RSA_free(k->k_rsa);
	EC_KEY_free(k->k_ec);
	memset(k, 0, sizeof(*k));
}

void
ca_store_free(struct ca_store *s)
{
	size_t	 i;

	if (s == NULL)
		return;
	for (i = 0; i < s->s_n; i++)
		key_free(&s->s_keys[i]);
	free(s->s_keys);
	free(s);
}

static struct ca_key *
store_find(const struct ca_store *s, const uint8_t id[CA_IDLEN])
{
	size_t	 i;

	for (i = 0; i < s->s_n; i++)
		if (memcmp(s->s_keys[i].k_id, id, CA_IDLEN) == 0)
			return (&s->s_keys[i]);
	return (NULL);
}

int
ca_store_add(struct ca_store *s, const uint8_t *buf, size_t len,
    uint32_t gen)
{
	struct ca_key	 k, *old, *nk;
	EVP_PKEY	*pk;
	BIO		*b;
	uint32_t	 l;
	size_t		 off = 0;

	while (off < len) {
		if (len - off < 4)
			return (-1);
		memcpy(&l, buf + off, 4);
		off += 4;
		if (l > len - off || l > CA_MAXPEM)
			return (-1);
		memset(&k, 0, sizeof(k));
		pk = NULL;
		if ((b = BIO_new_mem_buf(buf + off, (int)l)) != NULL)
			pk = PEM_read_bio_PrivateKey(b, NULL, no_password,
			    NULL);
		BIO_free(b);
		off += l;
		if (pk == NULL)
			return (-1);
		if (EVP_PKEY_is_a(pk, "RSA"))
			k.k_rsa = EVP_PKEY_get1_RSA(pk);
		else if (EVP_PKEY_is_a(pk, "EC"))
			k.k_ec = EVP_PKEY_get1_EC_KEY(pk);
		EVP_PKEY_free(pk);
		if ((k.k_rsa == NULL && k.k_ec == NULL) ||
		    (k.k_rsa != NULL && (RSA_size(k.k_rsa) > CA_MAXDATA ||
		    rsa_id(k.k_rsa, k.k_id) == -1)) ||
		    (k.k_ec != NULL && (ECDSA_size(k.k_ec) > CA_MAXDATA ||
		    ec_id(k.k_ec, k.k_id) == -1))) {
			key_free(&k);
			return (-1);
		}
		k.k_gen = gen;
		if ((old = store_find(s, k.k_id)) != NULL) {
			old->k_gen = gen;
			key_free(&k);
			continue;
		}
		if (s->s_n == s->s_cap) {
			if (s->s_cap >= CA_MAXKEYS || (nk = reallocarray(
			    s->s_keys, s->s_cap + 16, sizeof(*nk))) == NULL) {
				key_free(&k);
				return (-1);
			}
			s->s_keys = nk;
			s->s_cap += 16;
		}
		s->s_keys[s->s_n++] = k;
	}
	return (0);
}

/* Sessions of the previous generation may still be in a handshake. */
void
ca_store_commit(struct ca_store *s, uint32_t gen)
{
	size_t	 i = 0;

	while (i < s->s_n) {
		if (gen - s->s_keys[i].k_gen > 1) {
			key_free(&s->s_keys[i]);
			s->s_keys[i] = s->s_keys[--s->s_n];
		} else
			i++;
	}
}

size_t
ca_store_count(const struct ca_store *s)
{
	return (s->s_n);
}

int
ca_store_has(const struct ca_store *s, const struct ca_req *req)
{
	return (store_find(s, req->cr_id) != NULL);
}

size_t
ca_store_answer(struct ca_store *s, const void *in, size_t len,
    struct ca_rep *rep)
{
	struct ca_req	 req;
	struct ca_key	*k;
	unsigned int	 sl;
	int		 ret = -1;

	memset(rep, 0, CA_REP_HDR);
	rep->cp_ret = -1;
	if (len < CA_REQ_HDR || len > sizeof(req))
		return (CA_REP_HDR);
	memcpy(&req, in, len);
	rep->cp_seq = req.cr_seq;
	if (req.cr_len != len - CA_REQ_HDR ||
	    (k = store_find(s, req.cr_id)) == NULL)
		goto done;
	switch (req.cr_op) {
	case CA_RSA_ENC:
	case CA_RSA_DEC:
		if (k->k_rsa == NULL ||
		    req.cr_len > (uint32_t)RSA_size(k->k_rsa))
			break;
		if (req.cr_op == CA_RSA_ENC)
			ret = RSA_private_encrypt((int)req.cr_len,
			    req.cr_data, rep->cp_data, k->k_rsa,
			    req.cr_padding);
		else
			ret = RSA_private_decrypt((int)req.cr_len,
			    req.cr_data, rep->cp_data, k->k_rsa,
			    req.cr_padding);
		break;
	case CA_EC_SIGN:
		if (k->k_ec == NULL || req.cr_len > EVP_MAX_MD_SIZE)
			break;
		if (ECDSA_sign(0, req.cr_data, (int)req.cr_len, rep->cp_data,
		    &sl, k->k_ec) == 1)
			ret = (int)sl;
		break;
	default:
		break;
	}
 done:
	explicit_bzero(&req, sizeof(req));
	rep->cp_ret = ret < 0 ? -1 : ret;
	return (CA_REP_HDR + (ret < 0 ? 0 : (size_t)ret));
}

/* --- relay side --- */

static int		 ca_fd = -1;
static uint32_t		 ca_seq;
static uint64_t		 ca_failed;

static int64_t
mono_ms(void)
{
	struct timespec	 ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/*
 * One private operation, waited for: libssl calls the methods inside
 * a handshake step and needs the result before it returns.  A reply
 * to an earlier request that timed out is skipped by its number.
 */
static int
ca_call(uint32_t op, int padding, const uint8_t id[CA_IDLEN],
    const uint8_t *in, size_t inlen, uint8_t *out, size_t outmax)
{
	struct ca_req	 req;
	struct ca_rep	 rep;
	struct pollfd	 pfd;
	int64_t		 end = mono_ms() + CA_TIMEOUT_MS, left;
	ssize_t		 n;
	int		 ret = -1;

	if (ca_fd == -1 || inlen > CA_MAXDATA)
		goto fail;
	memset(&req, 0, CA_REQ_HDR);
	req.cr_op = op;
	req.cr_padding = padding;
	req.cr_seq = ++ca_seq;
	req.cr_len = (uint32_t)inlen;
	memcpy(req.cr_id, id, CA_IDLEN);
	memcpy(req.cr_data, in, inlen);
	n = send(ca_fd, &req, CA_REQ_HDR + inlen, MSG_NOSIGNAL);
	explicit_bzero(req.cr_data, inlen);
	if (n != (ssize_t)(CA_REQ_HDR + inlen)) {
		log_warn("relay: ca request");
		goto fail;
	}
	for (;;) {
		if ((left = end - mono_ms()) <= 0) {
			log_warnx("relay: no answer from the ca process in "
			    "%d ms", CA_TIMEOUT_MS);
			goto fail;
		}
		pfd.fd = ca_fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, (int)left) == -1 && errno != EINTR)
			goto fail;
		n = recv(ca_fd, &rep, sizeof(rep), MSG_DONTWAIT);
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n < (ssize_t)CA_REP_HDR) {
			log_warnx("relay: the ca process is gone");
			goto fail;
		}
		if (rep.cp_seq != req.cr_seq)
			continue;
		if (rep.cp_ret < 0 || (size_t)rep.cp_ret > outmax ||
		    (size_t)rep.cp_ret > (size_t)n - CA_REP_HDR) {
			log_warnx("relay: the ca process refused a private "
			    "key operation");
			goto fail;
		}
		memcpy(out, rep.cp_data, (size_t)rep.cp_ret);
		ret = rep.cp_ret;
		explicit_bzero(&rep, sizeof(rep));
		return (ret);
	}
 fail:
	explicit_bzero(&rep, sizeof(rep));
	ca_failed++;
	return (-1);
}

static int
rsa_priv(uint32_t op, int flen, const unsigned char *from,
    unsigned char *to, RSA *rsa, int padding)
{
	uint8_t	 id[CA_IDLEN];

	if (flen < 0 || rsa_id(rsa, id) == -1) {
		ca_failed++;
		return (-1);
	}
	return (ca_call(op, padding, id, from, (size_t)flen, to,
	    (size_t)RSA_size(rsa)));
}

static int
rsa_priv_enc(int flen, const unsigned char *from, unsigned char *to,
    RSA *rsa, int padding)
{
	return (rsa_priv(CA_RSA_ENC, flen, from, to, rsa, padding));
}

static int
rsa_priv_dec(int flen, const unsigned char *from, unsigned char *to,
    RSA *rsa, int padding)
{
	return (rsa_priv(CA_RSA_DEC, flen, from, to, rsa, padding));
}

static int
ec_sign(int type, const unsigned char *dgst, int dlen, unsigned char *sig,
    unsigned int *siglen, const BIGNUM *kinv, const BIGNUM *r, EC_KEY *ec)
{
	uint8_t	 id[CA_IDLEN];
	int	 n;

	(void)type;
	(void)kinv;
	(void)r;
	*siglen = 0;
	if (dlen < 0 || ec_id(ec, id) == -1) {
		ca_failed++;
		return (0);
	}
	if ((n = ca_call(CA_EC_SIGN, 0, id, dgst, (size_t)dlen, sig,
	    (size_t)ECDSA_size(ec))) < 0)
		return (0);
	*siglen = (unsigned int)n;
	return (1);
}

static ECDSA_SIG *
ec_sign_sig(const unsigned char *dgst, int dlen, const BIGNUM *kinv,
    const BIGNUM *r, EC_KEY *ec)
{
	uint8_t		 sig[CA_MAXDATA];
	const uint8_t	*p = sig;
	unsigned int	 len;

	if ((size_t)ECDSA_size(ec) > sizeof(sig) ||
	    ec_sign(0, dgst, dlen, sig, &len, kinv, r, ec) != 1)
		return (NULL);
	return (d2i_ECDSA_SIG(NULL, &p, (long)len));
}

void
ca_client_init(int fd)
{
	static RSA_METHOD *rm;
	static EC_KEY_METHOD *em;
	static int	 done;
	int		 (*setup)(EC_KEY *, BN_CTX *, BIGNUM **, BIGNUM **);

	ca_fd = fd;
	if (done++)
		return;
	if ((rm = RSA_meth_dup(RSA_PKCS1_OpenSSL())) == NULL ||
	    RSA_meth_set1_name(rm, "hakit ca") != 1 ||
	    RSA_meth_set_priv_enc(rm, rsa_priv_enc) != 1 ||
	    RSA_meth_set_priv_dec(rm, rsa_priv_dec) != 1)
		fatalx("relay: RSA method");
	RSA_set_default_method(rm);
	if ((em = EC_KEY_METHOD_new(EC_KEY_OpenSSL())) == NULL)
		fatalx("relay: EC method");
	EC_KEY_METHOD_get_sign(em, NULL, &setup, NULL);
	EC_KEY_METHOD_set_sign(em, ec_sign, setup, ec_sign_sig);
	EC_KEY_set_default_method(em);
}

uint64_t
ca_client_failures(void)
{
	return (ca_failed);
}
