/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * relayd's ca (PRIV-5): the stand-in key a relay gets holds no private
 * number of the real one, the store answers only well-formed requests
 * for keys it has, and a relay's signatures made through a ca at the
 * other end of a socketpair verify with the real public key.
 */

#define OPENSSL_SUPPRESS_DEPRECATED

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "ca.h"
#include "inspect.h"

struct kp {
	EVP_PKEY	*pk;
	uint8_t		*key;		/* PEM, malloc'd */
	size_t		 keylen;
	uint8_t		*cert;
	size_t		 certlen;
};

static struct kp rsa_kp, ec_kp, ed_kp, other_kp;

static uint8_t *
bio_take(BIO *b, size_t *len)
{
	char	*p;
	long	 n = BIO_get_mem_data(b, &p);
	uint8_t	*out;

	assert_true(n > 0);
	assert_non_null(out = malloc((size_t)n));
	memcpy(out, p, (size_t)n);
	*len = (size_t)n;
	BIO_free(b);
	return (out);
}

/* A key and a self-signed certificate for it, both PEM. */
static void
kp_make(struct kp *kp, EVP_PKEY *pk)
{
	X509	*x;
	BIO	*b;

	kp->pk = pk;
	assert_non_null(pk);
	assert_non_null(x = X509_new());
	assert_int_equal(X509_set_version(x, 2), 1);
	assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(x), 1), 1);
	assert_non_null(X509_gmtime_adj(X509_getm_notBefore(x), 0));
	assert_non_null(X509_gmtime_adj(X509_getm_notAfter(x), 3600));
	assert_int_equal(X509_NAME_add_entry_by_txt(X509_get_subject_name(x),
	    "CN", MBSTRING_ASC, (const unsigned char *)"ca.example", -1, -1,
	    0), 1);
	assert_int_equal(X509_set_issuer_name(x, X509_get_subject_name(x)),
	    1);
	assert_int_equal(X509_set_pubkey(x, pk), 1);
	assert_true(X509_sign(x, pk, EVP_PKEY_is_a(pk, "ED25519") ? NULL :
	    EVP_sha256()) > 0);
	assert_non_null(b = BIO_new(BIO_s_mem()));
	assert_int_equal(PEM_write_bio_X509(b, x), 1);
	kp->cert = bio_take(b, &kp->certlen);
	assert_non_null(b = BIO_new(BIO_s_mem()));
	assert_int_equal(PEM_write_bio_PrivateKey(b, pk, NULL, NULL, 0, NULL,
	    NULL), 1);
	kp->key = bio_take(b, &kp->keylen);
	X509_free(x);
}

static int
setup(void **state)
{
	(void)state;
	kp_make(&rsa_kp, EVP_RSA_gen(2048));
	kp_make(&ec_kp, EVP_EC_gen("P-256"));
	kp_make(&ed_kp, EVP_PKEY_Q_keygen(NULL, NULL, "ED25519"));
	kp_make(&other_kp, EVP_RSA_gen(2048));
	return (0);
}

static int
teardown(void **state)
{
	struct kp	*k[] = { &rsa_kp, &ec_kp, &ed_kp, &other_kp };
	size_t		 i;

	(void)state;
	for (i = 0; i < 4; i++) {
		EVP_PKEY_free(k[i]->pk);
		free(k[i]->key);
		free(k[i]->cert);
	}
	return (0);
}

static EVP_PKEY *
pem_key(const uint8_t *pem, size_t len)
{
	BIO		*b;
	EVP_PKEY	*pk;

	assert_non_null(b = BIO_new_mem_buf(pem, (int)len));
	pk = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
	BIO_free(b);
	return (pk);
}

/* A copy of kp's key split: the stand-in in *key, the real one in keys. */
static void
split(const struct kp *kp, uint8_t **key, size_t *keylen,
    struct ca_keys *keys)
{
	char	 err[256] = "";

	assert_non_null(*key = malloc(kp->keylen));
	memcpy(*key, kp->key, kp->keylen);
	*keylen = kp->keylen;
	assert_int_equal(ca_split("t", key, keylen, NULL, kp->cert,
	    kp->certlen, keys, err, sizeof(err)), 0);
	assert_string_equal(err, "");
}

static void
test_the_stand_in_has_the_public_half_and_no_private_number(void **state)
{
	struct ca_keys	 keys = { NULL, 0 };
	EVP_PKEY	*fake;
	BIGNUM		*d = NULL, *rd = NULL, *p = NULL;
	uint8_t		*key;
	size_t		 keylen;

	(void)state;
	split(&rsa_kp, &key, &keylen, &keys);
	assert_non_null(fake = pem_key(key, keylen));
	assert_int_equal(EVP_PKEY_eq(fake, rsa_kp.pk), 1);
	assert_int_equal(EVP_PKEY_get_bn_param(fake, OSSL_PKEY_PARAM_RSA_D,
	    &d), 1);
	assert_int_equal(EVP_PKEY_get_bn_param(rsa_kp.pk,
	    OSSL_PKEY_PARAM_RSA_D, &rd), 1);
	assert_int_equal(EVP_PKEY_get_bn_param(fake,
	    OSSL_PKEY_PARAM_RSA_FACTOR1, &p), 1);
	assert_true(BN_is_one(d));
	assert_true(BN_is_one(p));
	assert_int_not_equal(BN_cmp(d, rd), 0);
	/* the real key went to the ca's buffer, after its length */
	assert_int_equal(keys.ck_len, 4 + rsa_kp.keylen);
	assert_memory_equal(keys.ck_buf + 4, rsa_kp.key, rsa_kp.keylen);
	BN_free(d);
	BN_free(rd);
	BN_free(p);
	d = NULL;
	EVP_PKEY_free(fake);
	free(key);

	split(&ec_kp, &key, &keylen, &keys);
	assert_non_null(fake = pem_key(key, keylen));
	assert_int_equal(EVP_PKEY_eq(fake, ec_kp.pk), 1);
	assert_int_equal(EVP_PKEY_get_bn_param(fake,
	    OSSL_PKEY_PARAM_PRIV_KEY, &d), 1);
	assert_true(BN_is_one(d));
	BN_free(d);
	EVP_PKEY_free(fake);
	free(key);
	assert_int_equal(keys.ck_len, 8 + rsa_kp.keylen + ec_kp.keylen);
	ca_keys_free(&keys);
	assert_null(keys.ck_buf);
}

static void
test_a_key_that_cannot_be_split_is_refused_and_left_alone(void **state)
{
	struct ca_keys	 keys = { NULL, 0 };
	char		 err[256];
	uint8_t		*key = rsa_kp.key, junk[] = "-----BEGIN PRIVATE "
			    "KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
	size_t		 keylen = rsa_kp.keylen;

	(void)state;
	/* another key's certificate */
	assert_int_equal(ca_split("a.example", &key, &keylen, NULL,
	    other_kp.cert, other_kp.certlen, &keys, err, sizeof(err)), -1);
	assert_string_equal(err, "keypair a.example: the key is not the "
	    "certificate's");
	assert_ptr_equal(key, rsa_kp.key);
	assert_int_equal(keys.ck_len, 0);
	/* Ed25519 has no method to forward */
	key = ed_kp.key;
	keylen = ed_kp.keylen;
	assert_int_equal(ca_split("e", &key, &keylen, NULL, ed_kp.cert,
	    ed_kp.certlen, &keys, err, sizeof(err)), -1);
	assert_string_equal(err, "keypair e: ED25519 keys cannot be kept in "
	    "the ca process; use an RSA or ECDSA key");
	key = junk;
	keylen = sizeof(junk) - 1;
	assert_int_equal(ca_split("j", &key, &keylen, NULL, rsa_kp.cert,
	    rsa_kp.certlen, &keys, err, sizeof(err)), -1);
	assert_string_equal(err, "keypair j: the key is not a PEM private "
	    "key without a password");
	key = rsa_kp.key;
	keylen = rsa_kp.keylen;
	assert_int_equal(ca_split("c", &key, &keylen, NULL, junk,
	    sizeof(junk) - 1, &keys, err, sizeof(err)), -1);
	assert_string_equal(err, "keypair c: the certificate is not PEM");
	assert_null(keys.ck_buf);
}

/* An inspection CA key is often encrypted (TLS-8): opened with the
 * configured password, handed to the ca without one. */
static void
test_an_encrypted_key_opens_with_its_password_only(void **state)
{
	struct ca_keys	 keys = { NULL, 0 };
	char		 err[256];
	uint8_t		*enc, *key;
	size_t		 enclen, keylen;
	BIO		*b;
	EVP_PKEY	*real;

	(void)state;
	assert_non_null(b = BIO_new(BIO_s_mem()));
	assert_int_equal(PEM_write_bio_PrivateKey(b, ec_kp.pk,
	    EVP_aes_256_cbc(), NULL, 0, NULL, (void *)"s3cret"), 1);
	enc = bio_take(b, &enclen);
	key = enc;
	keylen = enclen;
	assert_int_equal(ca_split("ca", &key, &keylen, "wrong", ec_kp.cert,
	    ec_kp.certlen, &keys, err, sizeof(err)), -1);
	assert_string_equal(err, "keypair ca: the key is not a PEM private "
	    "key this password opens");
	assert_int_equal(ca_split("ca", &key, &keylen, NULL, ec_kp.cert,
	    ec_kp.certlen, &keys, err, sizeof(err)), -1);
	assert_ptr_equal(key, enc);
	assert_int_equal(ca_split("ca", &key, &keylen, "s3cret", ec_kp.cert,
	    ec_kp.certlen, &keys, err, sizeof(err)), 0);
	assert_ptr_not_equal(key, enc);		/* the stand-in */
	assert_null(memmem(keys.ck_buf, keys.ck_len, "ENCRYPTED", 9));
	assert_non_null(real = pem_key(keys.ck_buf + 4, keys.ck_len - 4));
	assert_int_equal(EVP_PKEY_eq(real, ec_kp.pk), 1);
	EVP_PKEY_free(real);
	free(key);
	ca_keys_free(&keys);
}

static X509 *
pem_cert(const uint8_t *pem, size_t len)
{
	BIO	*b;
	X509	*x;

	assert_non_null(b = BIO_new_mem_buf(pem, (int)len));
	x = PEM_read_bio_X509(b, NULL, NULL, NULL);
	BIO_free(b);
	return (x);
}

/*
 * REL-18: the made certificate is the server's (subject, serial,
 * validity, other extensions) with our key, the CA as issuer, no
 * authority key identifier of the old issuer, and the CA's signature.
 */
static void
test_inspection_copies_the_servers_certificate_with_our_key(
    void **state)
{
	X509		*srv, *ca, *x;
	X509V3_CTX	 v3;
	X509_EXTENSION	*ext;

	(void)state;
	assert_non_null(srv = pem_cert(rsa_kp.cert, rsa_kp.certlen));
	assert_non_null(ca = pem_cert(ec_kp.cert, ec_kp.certlen));
	/* the server's, as its CA issued it: with an AKI and a SAN */
	X509V3_set_ctx(&v3, srv, srv, NULL, NULL, 0);
	assert_non_null(ext = X509V3_EXT_conf_nid(NULL, &v3,
	    NID_subject_key_identifier, "hash"));
	assert_int_equal(X509_add_ext(srv, ext, -1), 1);
	X509_EXTENSION_free(ext);
	assert_non_null(ext = X509V3_EXT_conf_nid(NULL, &v3,
	    NID_authority_key_identifier, "keyid:always"));
	assert_int_equal(X509_add_ext(srv, ext, -1), 1);
	X509_EXTENSION_free(ext);
	assert_non_null(ext = X509V3_EXT_conf_nid(NULL, &v3,
	    NID_subject_alt_name, "DNS:www.example.com"));
	assert_int_equal(X509_add_ext(srv, ext, -1), 1);
	X509_EXTENSION_free(ext);
	assert_true(X509_sign(srv, rsa_kp.pk, EVP_sha256()) > 0);

	assert_non_null(x = inspect_mint(srv, other_kp.pk, ca, ec_kp.pk));
	assert_int_equal(X509_NAME_cmp(X509_get_subject_name(x),
	    X509_get_subject_name(srv)), 0);
	assert_int_equal(X509_NAME_cmp(X509_get_issuer_name(x),
	    X509_get_subject_name(ca)), 0);
	assert_int_equal(ASN1_INTEGER_cmp(X509_get0_serialNumber(x),
	    X509_get0_serialNumber(srv)), 0);
	assert_int_equal(ASN1_TIME_compare(X509_get0_notAfter(x),
	    X509_get0_notAfter(srv)), 0);
	assert_int_equal(EVP_PKEY_eq(X509_get0_pubkey(x), other_kp.pk), 1);
	assert_int_equal(X509_get_ext_by_NID(x, NID_authority_key_identifier,
	    -1), -1);
	assert_true(X509_get_ext_by_NID(x, NID_subject_alt_name, -1) >= 0);
	assert_int_equal(X509_verify(x, ec_kp.pk), 1);
	assert_int_not_equal(X509_verify(x, rsa_kp.pk), 1);
	X509_free(x);
	X509_free(srv);
	X509_free(ca);
}

/* A request as the relay's RSA method makes it, for the stand-in. */
static size_t
rsa_req(struct ca_req *req, const uint8_t *key, size_t keylen,
    uint32_t op, const uint8_t *data, size_t len, int padding)
{
	EVP_PKEY	*fake;
	BIGNUM		*n = NULL;
	EVP_MD_CTX	*md;
	uint8_t		 b[CA_MAXDATA];
	unsigned int	 dl;
	int		 bl;

	assert_non_null(fake = pem_key(key, keylen));
	assert_int_equal(EVP_PKEY_get_bn_param(fake, OSSL_PKEY_PARAM_RSA_N,
	    &n), 1);
	bl = BN_bn2bin(n, b);
	/* the id as ca.h says: SHA-256 of "RSA\0" and the modulus */
	assert_non_null(md = EVP_MD_CTX_new());
	assert_int_equal(EVP_DigestInit_ex(md, EVP_sha256(), NULL), 1);
	assert_int_equal(EVP_DigestUpdate(md, "RSA", 4), 1);
	assert_int_equal(EVP_DigestUpdate(md, b, (size_t)bl), 1);
	assert_int_equal(EVP_DigestFinal_ex(md, req->cr_id, &dl), 1);
	EVP_MD_CTX_free(md);
	BN_free(n);
	EVP_PKEY_free(fake);
	req->cr_op = op;
	req->cr_padding = padding;
	req->cr_seq = 7;
	req->cr_len = (uint32_t)len;
	memcpy(req->cr_data, data, len);
	return (CA_REQ_HDR + len);
}

static void
test_the_store_answers_good_requests_and_refuses_the_rest(void **state)
{
	struct ca_keys	 keys = { NULL, 0 };
	struct ca_store	*s;
	struct ca_req	 req;
	struct ca_rep	 rep;
	RSA		*pub;
	uint8_t		*key, back[CA_MAXDATA], msg[32];
	size_t		 keylen, len;

	(void)state;
	memset(msg, 0x5a, sizeof(msg));
	split(&rsa_kp, &key, &keylen, &keys);
	assert_non_null(s = ca_store_new());
	assert_int_equal(ca_store_add(s, keys.ck_buf, keys.ck_len, 1), 0);
	assert_int_equal(ca_store_add(s, keys.ck_buf, keys.ck_len, 1), 0);
	assert_int_equal(ca_store_count(s), 1);
	len = rsa_req(&req, key, keylen, CA_RSA_ENC, msg, sizeof(msg),
	    RSA_PKCS1_PADDING);
	assert_true(ca_store_has(s, &req));
	assert_int_equal(ca_store_answer(s, &req, len, &rep), CA_REP_HDR +
	    256);
	assert_int_equal(rep.cp_seq, 7);
	assert_int_equal(rep.cp_ret, 256);
	/* the real public key undoes it */
	assert_non_null(pub = EVP_PKEY_get1_RSA(rsa_kp.pk));
	assert_int_equal(RSA_public_decrypt(256, rep.cp_data, back, pub,
	    RSA_PKCS1_PADDING), sizeof(msg));
	assert_memory_equal(back, msg, sizeof(msg));
	/* and a decryption for RSA key exchange */
	assert_int_equal(RSA_public_encrypt(sizeof(msg), msg, back, pub,
	    RSA_PKCS1_PADDING), 256);
	len = rsa_req(&req, key, keylen, CA_RSA_DEC, back, 256,
	    RSA_PKCS1_PADDING);
	assert_int_equal(ca_store_answer(s, &req, len, &rep), CA_REP_HDR +
	    sizeof(msg));
	assert_memory_equal(rep.cp_data, msg, sizeof(msg));
	RSA_free(pub);

	/* short, lying about its length, unknown op, EC op on RSA */
	assert_int_equal(ca_store_answer(s, &req, CA_REQ_HDR - 1, &rep),
	    CA_REP_HDR);
	assert_int_equal(rep.cp_ret, -1);
	len = rsa_req(&req, key, keylen, CA_RSA_ENC, msg, sizeof(msg),
	    RSA_PKCS1_PADDING);
	assert_int_equal(ca_store_answer(s, &req, len - 1, &rep),
	    CA_REP_HDR);
	assert_int_equal(rep.cp_ret, -1);
	req.cr_op = 99;
	assert_int_equal(ca_store_answer(s, &req, len, &rep), CA_REP_HDR);
	assert_int_equal(rep.cp_ret, -1);
	req.cr_op = CA_EC_SIGN;
	assert_int_equal(ca_store_answer(s, &req, len, &rep), CA_REP_HDR);
	assert_int_equal(rep.cp_ret, -1);
	/* longer than the modulus */
	len = rsa_req(&req, key, keylen, CA_RSA_ENC, back, 257,
	    RSA_NO_PADDING);
	assert_int_equal(ca_store_answer(s, &req, len, &rep), CA_REP_HDR);
	assert_int_equal(rep.cp_ret, -1);
	/* a key the store does not have */
	req.cr_id[0] ^= 1;
	assert_false(ca_store_has(s, &req));
	assert_int_equal(ca_store_answer(s, &req, len, &rep), CA_REP_HDR);
	assert_int_equal(rep.cp_ret, -1);

	/* generations: kept for one more, then gone */
	ca_store_commit(s, 2);
	assert_int_equal(ca_store_count(s), 1);
	ca_store_commit(s, 3);
	assert_int_equal(ca_store_count(s), 0);
	/* a truncated buffer from the parent */
	assert_int_equal(ca_store_add(s, keys.ck_buf, keys.ck_len - 1, 4),
	    -1);
	assert_int_equal(ca_store_add(s, keys.ck_buf, 3, 4), -1);
	ca_store_free(s);
	ca_keys_free(&keys);
	free(key);
}

/* The ca side of a socketpair: answers n requests, then exits. */
static void
ca_child(int fd, const struct ca_keys *keys, int n)
{
	struct ca_store	*s;
	struct ca_req	 req;
	struct ca_rep	 rep;
	ssize_t		 r;
	size_t		 len;

	if ((s = ca_store_new()) == NULL ||
	    ca_store_add(s, keys->ck_buf, keys->ck_len, 1) == -1)
		_exit(2);
	while (n-- > 0) {
		if ((r = recv(fd, &req, sizeof(req), 0)) <= 0)
			_exit(3);
		len = ca_store_answer(s, &req, (size_t)r, &rep);
		if (send(fd, &rep, len, 0) == -1)
			_exit(4);
	}
	_exit(0);
}

static int
sign_verify(EVP_PKEY *signer, EVP_PKEY *verifier, int pss)
{
	EVP_MD_CTX	*md;
	EVP_PKEY_CTX	*pctx;
	uint8_t		 sig[1024], tbs[] = "a handshake transcript";
	size_t		 sl = sizeof(sig);
	int		 ok;

	assert_non_null(md = EVP_MD_CTX_new());
	assert_int_equal(EVP_DigestSignInit(md, &pctx, EVP_sha256(), NULL,
	    signer), 1);
	if (pss)
		assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(pctx,
		    RSA_PKCS1_PSS_PADDING), 1);
	ok = EVP_DigestSign(md, sig, &sl, tbs, sizeof(tbs));
	EVP_MD_CTX_free(md);
	if (ok != 1)
		return (0);
	assert_non_null(md = EVP_MD_CTX_new());
	assert_int_equal(EVP_DigestVerifyInit(md, &pctx, EVP_sha256(), NULL,
	    verifier), 1);
	if (pss)
		assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(pctx,
		    RSA_PKCS1_PSS_PADDING), 1);
	ok = EVP_DigestVerify(md, sig, sl, tbs, sizeof(tbs));
	EVP_MD_CTX_free(md);
	return (ok == 1);
}

/*
 * Last, as it installs the forwarding methods in this process: RSA
 * (PKCS#1 and PSS, as TLS 1.2 and 1.3 sign) and ECDSA signatures made
 * with stand-ins verify with the real keys; with no ca answering,
 * signing fails within the timeout and is counted.
 */
static void
test_signatures_through_a_ca_verify_with_the_real_keys(void **state)
{
	struct ca_keys	 keys = { NULL, 0 };
	EVP_PKEY	*rsa_fake, *ec_fake;
	uint8_t		*rk, *ek;
	size_t		 rkl, ekl;
	uint64_t	 failed;
	int		 sv[2], sv2[2], st;
	pid_t		 pid;
	time_t		 t0;

	(void)state;
	split(&rsa_kp, &rk, &rkl, &keys);
	split(&ec_kp, &ek, &ekl, &keys);
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	assert_true((pid = fork()) != -1);
	if (pid == 0) {
		(void)close(sv[0]);
		ca_child(sv[1], &keys, 3);
	}
	(void)close(sv[1]);
	ca_client_init(sv[0]);
	/* keys loaded after the methods are in place, as a relay does */
	assert_non_null(rsa_fake = pem_key(rk, rkl));
	assert_non_null(ec_fake = pem_key(ek, ekl));
	assert_true(sign_verify(rsa_fake, rsa_kp.pk, 0));
	assert_true(sign_verify(rsa_fake, rsa_kp.pk, 1));
	assert_true(sign_verify(ec_fake, ec_kp.pk, 0));
	/* the stand-in alone would not have verified */
	assert_int_equal(ca_client_failures(), 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	/* the ca is gone: a refusal, counted, not a hang */
	t0 = time(NULL);
	failed = ca_client_failures();
	assert_false(sign_verify(ec_fake, ec_kp.pk, 0));
	assert_true(ca_client_failures() > failed);
	assert_true(time(NULL) - t0 <= 2);
	/* a ca that never answers: the same, after CA_TIMEOUT_MS */
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv2), 0);
	ca_client_init(sv2[0]);
	t0 = time(NULL);
	failed = ca_client_failures();
	assert_false(sign_verify(rsa_fake, rsa_kp.pk, 1));
	assert_int_equal(ca_client_failures(), failed + 1);
	assert_true(time(NULL) - t0 >= 0 && time(NULL) - t0 <= 3);
	(void)close(sv2[0]);
	(void)close(sv2[1]);
	EVP_PKEY_free(rsa_fake);
	EVP_PKEY_free(ec_fake);
	free(rk);
	free(ek);
	ca_keys_free(&keys);
	(void)close(sv[0]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    test_the_stand_in_has_the_public_half_and_no_private_number),
		cmocka_unit_test(
		    test_a_key_that_cannot_be_split_is_refused_and_left_alone),
		cmocka_unit_test(
		    test_an_encrypted_key_opens_with_its_password_only),
		cmocka_unit_test(
		    test_inspection_copies_the_servers_certificate_with_our_key),
		cmocka_unit_test(
		    test_the_store_answers_good_requests_and_refuses_the_rest),
		cmocka_unit_test(
		    test_signatures_through_a_ca_verify_with_the_real_keys),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
