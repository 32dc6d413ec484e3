/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

#ifndef RELAYD_CA_H
#define RELAYD_CA_H

/*
 * Private keys out of the relay processes (spec PRIV-5), as OpenBSD's
 * ca processes.
 *
 * The parent reads each keypair and splits it (ca_split): the relay
 * processes get a stand-in key that holds the public half and
 * meaningless private numbers, the ca processes get the real key.
 * Each relay process has its own ca process, linked by a socketpair.
 *
 * Under OpenSSL 3 a key read from PEM lives in the default provider,
 * but that provider builds its RSA and EC_KEY objects with the
 * process's default RSA_METHOD and EC_KEY_METHOD, and its signature
 * and decryption code calls their private operations.  The relay
 * installs methods whose private operations are forwarded to its ca
 * process (ca_client_init) before any key is loaded; public operations
 * and key generation stay OpenSSL's.  Keys are named by a digest of
 * their public half (RSA modulus, EC point), so any stand-in of the
 * same key finds it.  Only RSA and ECDSA keys can be split; others are
 * refused by the parent.
 */

#include <stddef.h>
#include <stdint.h>

#define CA_IDLEN	32		/* SHA-256 of the public half */
#define CA_MAXDATA	2048		/* RSA up to 16384 bits */
#define CA_TIMEOUT_MS	1000		/* a relay waits this long */

enum ca_op {
	CA_RSA_ENC = 1,			/* RSA_private_encrypt */
	CA_RSA_DEC,			/* RSA_private_decrypt */
	CA_EC_SIGN			/* ECDSA_sign, DER out */
};

struct ca_req {
	uint32_t	 cr_op;
	int32_t		 cr_padding;	/* RSA padding mode */
	uint32_t	 cr_seq;
	uint32_t	 cr_len;
	uint8_t		 cr_id[CA_IDLEN];
	uint8_t		 cr_data[CA_MAXDATA];
};
#define CA_REQ_HDR	offsetof(struct ca_req, cr_data)

struct ca_rep {
	uint32_t	 cp_seq;
	int32_t		 cp_ret;	/* bytes in cp_data, or -1 */
	uint8_t		 cp_data[CA_MAXDATA];
};
#define CA_REP_HDR	offsetof(struct ca_rep, cp_data)

/* Real keys for the ca processes: PEM keys, each after a 32-bit
 * length in host order. */
struct ca_keys {
	uint8_t		*ck_buf;
	size_t		 ck_len;
};

/*
 * Parent: reads the PEM key *key (opened with pass when it is
 * encrypted; pass may be NULL), checks it is the key of the PEM
 * certificate cert, appends it unencrypted to keys and replaces *key
 * by a stand-in (the old buffer is wiped and freed).  name is for
 * errors.  Returns 0, or -1 with err set and *key untouched.
 */
int	 ca_split(const char *name, uint8_t **key, size_t *keylen,
	    const char *pass, const uint8_t *cert, size_t certlen,
	    struct ca_keys *keys, char *err, size_t errlen);
void	 ca_keys_free(struct ca_keys *);

/* The ca's key store: every key of the last two generations. */
struct ca_store;
struct ca_store *ca_store_new(void);
void	 ca_store_free(struct ca_store *);
/* Adds a ca_keys buffer's keys under gen; -1 when it does not parse. */
int	 ca_store_add(struct ca_store *, const uint8_t *, size_t,
	    uint32_t gen);
/* Forgets keys that no generation from gen - 1 on has. */
void	 ca_store_commit(struct ca_store *, uint32_t gen);
size_t	 ca_store_count(const struct ca_store *);
/* Does the store hold the key req names? */
int	 ca_store_has(const struct ca_store *, const struct ca_req *);
/*
 * Answers one request of len bytes (bounded: it comes from a relay
 * process).  Fills rep and returns its length; cp_ret is -1 for an
 * unknown key, a bad request or a failed operation.
 */
size_t	 ca_store_answer(struct ca_store *, const void *req, size_t len,
	    struct ca_rep *rep);

/* Relay: installs the forwarding methods; fd is the ca's socket. */
void	 ca_client_init(int fd);
/* Private operations that failed (no answer, refused). */
uint64_t ca_client_failures(void);

/* The ca process's main loop; never returns. */
__attribute__((__noreturn__)) void ca_main(int index, int parentfd,
	    int relayfd, int verbose);

#endif /* RELAYD_CA_H */
