/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

#ifndef RELAYD_INSPECT_H
#define RELAYD_INSPECT_H

/*
 * TLS inspection (spec REL-18, TLS-7/8): a relay with "listen ... tls",
 * "forward with tls" and a protocol with "tls ca cert" and "tls ca key"
 * connects to the server before it answers the client, copies the
 * server's certificate, puts in the relay's own public key, names the
 * inspection CA as issuer and signs it with the CA key, then serves the
 * client with that certificate.  The CA key, like every private key,
 * stays in the ca process: the relay holds a stand-in and its signing
 * goes through the ca (ca.h).  Made certificates are cached by the
 * server certificate's digest.
 */

#include <stddef.h>
#include <stdint.h>

#include "conf_l7.h"

struct tls;
struct relay_tls_files;
struct inspect;
typedef struct x509_st X509;
typedef struct evp_pkey_st EVP_PKEY;

#define INSPECT_CACHE	64		/* certificates per listener */

/*
 * Relay: inspection for rl_listen[listen] from the TLS material (the
 * CA certificate, the CA key's stand-in and the listener's first
 * keypair).  NULL with err set when tf has no inspection CA or the
 * material does not parse.
 */
struct inspect *inspect_new(const struct relay_tls_files *, int listen,
	    char *err, size_t errlen);
void	 inspect_free(struct inspect *);

/*
 * The server context for a backend whose certificate chain is the PEM
 * chain (tls_peer_cert_chain_pem()): cached, or made now.  It belongs to
 * the cache; a session's tls_accept_socket() keeps what it needs.  NULL
 * with err set.
 */
struct tls *inspect_server(struct inspect *, const struct rd_protocol *,
	    const uint8_t *chain, size_t len, char *err, size_t errlen);

/* Certificates made, served from the cache, failed. */
void	 inspect_counts(const struct inspect *, uint64_t *made,
	    uint64_t *cached, uint64_t *failed);

/*
 * The copy of srv with pub as its key, cacert's subject as issuer,
 * no authority key identifier of the old issuer, signed with cakey
 * (SHA-256).  NULL on failure.
 */
X509	*inspect_mint(X509 *srv, EVP_PKEY *pub, X509 *cacert,
	    EVP_PKEY *cakey);

#endif /* RELAYD_INSPECT_H */
