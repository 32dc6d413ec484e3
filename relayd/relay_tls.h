/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

#ifndef RELAYD_RELAY_TLS_H
#define RELAYD_RELAY_TLS_H

/*
 * TLS for relays (spec REL-16/17, TLS-1..13, PRIV-5).
 *
 * The privileged parent reads every file a relay's TLS needs into a
 * struct relay_tls_files (relay_tls_load), packs it into one buffer
 * for the parent->relay channel (relay_tls_files_pack), and the relay
 * process unpacks it (relay_tls_files_unpack, bounded: the bytes come
 * from another process) and builds its libtls configurations from
 * memory.  Relay processes never open a key file.
 *
 * Where the private key lives (PRIV-5): in the ca processes only.  The
 * parent replaces each key in tf with a stand-in that has the public
 * half alone (ca_split, ca.h) before packing it for the relays; the
 * relays' RSA/EC methods send private operations to their ca process.
 * relay_tls_server() still clears the PEM copies once tls_configure()
 * has read them.
 *
 * Session tickets (TLS-12): the parent makes the ticket key, a new one
 * every RELAY_TLS_TICKET_LIFETIME / 4, and sends it to every relay
 * process (relay_tls_ticket_key), so a ticket one process issued
 * resumes on any other.  A relay process keeps the last
 * RELAY_TLS_TICKET_KEYS keys, each good for the lifetime, in one place
 * that every server context with tickets on reads at each handshake,
 * so a key serves the moment it arrives, in old contexts and new.
 * The session id context, which OpenSSL also checks on resumption, is
 * derived from the listener's certificates and client CA, so it is
 * the same in every process and changes when those do.
 *
 * Default file names (REL-16, TLS-4/5), under sslroot ("/etc/ssl"):
 *	SSLROOT/NAME:PORT.crt, SSLROOT/private/NAME:PORT.key,
 *	SSLROOT/NAME:PORT.ocsp (optional), then the same without ":PORT";
 * NAME is each keypair of the protocol, in order, or, when none is
 * named, the listen address of each "listen on ... tls".
 */

#include <stddef.h>
#include <stdint.h>

#include "conf_l7.h"

struct tls;
struct tls_config;

#define RELAY_TLS_SSLROOT	"/etc/ssl"
#define RELAY_TLS_MAXFILE	(1024 * 1024)	/* one PEM or DER file */
#define RELAY_TLS_MAXKEYPAIRS	64		/* per listener */
#define RELAY_TLS_TICKET_LIFETIME 7200		/* s, TLS-12 */
#define RELAY_TLS_TICKET_KEYS	4		/* kept, as libtls does */

/* One keypair: PEM certificate chain, PEM key, optional OCSP DER. */
struct relay_tls_keypair {
	char		 kf_name[RELAYD_NAMELEN + 8];	/* NAME[:PORT] */
	uint8_t		*kf_cert;		/* owned */
	size_t		 kf_certlen;
	uint8_t		*kf_key;		/* owned, freezero'd */
	size_t		 kf_keylen;
	uint8_t		*kf_ocsp;		/* owned; NULL = none */
	size_t		 kf_ocsplen;
};

/* The keypairs of one "listen on ... tls": the first one is served
 * when SNI names none of them. */
struct relay_tls_listen {
	int		 tl_listen;		/* index into rl_listen[] */
	struct relay_tls_keypair *tl_kp;	/* owned array */
	int		 tl_nkp;
};

/* Everything a relay's TLS needs, read by the parent. */
struct relay_tls_files {
	struct relay_tls_listen tf_listen[RELAYD_MAXLISTEN];
	int		 tf_nlisten;		/* TLS listeners only */
	uint8_t		*tf_ca;			/* "ca file", backends; owned */
	size_t		 tf_calen;
	uint8_t		*tf_client_ca;		/* "client ca"; owned */
	size_t		 tf_client_calen;
	/* REL-18: "ca cert", "ca key" (in relays, a stand-in); owned */
	uint8_t		*tf_cacert;
	size_t		 tf_cacertlen;
	uint8_t		*tf_cakey;
	size_t		 tf_cakeylen;
};

/*
 * Parent: reads the keypairs of every TLS listener of rl (proto may be
 * NULL: no keypairs named), the "ca file" when a forward uses TLS, the
 * "client ca" when a listener does, and "ca cert" and "ca key" when
 * both do (inspection, REL-18).  sslroot NULL means /etc/ssl.
 * Key files readable by others are refused.  Returns 0, or -1 with tf
 * empty and err naming the relay and every path tried (also logged).
 */
int	 relay_tls_load(const struct rd_relay *rl,
	    const struct rd_protocol *proto, const char *sslroot,
	    struct relay_tls_files *tf, char *err, size_t errlen);

/* Zeroes every private key byte in place (allocations kept). */
void	 relay_tls_files_clear_keys(struct relay_tls_files *);

/* Frees everything, the keys through freezero(); tf is left empty. */
void	 relay_tls_files_free(struct relay_tls_files *);

/*
 * One buffer for the parent->relay channel.  It holds the keys: the
 * caller releases it with freezero(*buf, *len).  It may be larger than
 * one lib/msg message (MSG_MAXLEN).  Returns 0 or -1 (ENOMEM, EINVAL).
 */
int	 relay_tls_files_pack(const struct relay_tls_files *,
	    uint8_t **buf, size_t *len);

/*
 * Relay: rebuilds tf from a packed buffer.  Bounded (counts, lengths,
 * names, no trailing bytes); returns 0, or -1 with tf empty.
 */
int	 relay_tls_files_unpack(const uint8_t *buf, size_t len,
	    struct relay_tls_files *tf);

/*
 * Relay: a server config for the first TLS listener in tf, or for the
 * listener rl_listen[listen] (relay_tls_server_config_listen).  The
 * caller runs tls_configure(), then tls_config_clear_keys(), then
 * tls_config_free(); relay_tls_server() does all of that.  NULL with
 * err set on failure.
 */
struct tls_config *relay_tls_server_config(const struct relay_tls_files *,
	    const struct rd_protocol *, char *err, size_t errlen);
struct tls_config *relay_tls_server_config_listen(
	    const struct relay_tls_files *, const struct rd_protocol *,
	    int listen, char *err, size_t errlen);
/* A configured tls_server() context for rl_listen[listen]; keys in the
 * config are cleared before it returns.  Released with tls_free(). */
struct tls *relay_tls_server(const struct relay_tls_files *,
	    const struct rd_protocol *, int listen, char *err, size_t errlen);

/*
 * Relay: a ticket key from the parent (TLS-12), sealing new tickets
 * from now on; the previous ones still open theirs.  The newest key
 * again changes nothing.  Returns 0, or -1 with err set: a key of the
 * wrong length, or a revision already seen with other bytes.
 */
int	 relay_tls_ticket_key(uint32_t keyrev, const uint8_t *key,
	    size_t keylen, char *err, size_t errlen);

/*
 * Relay: the config for "forward with tls" (REL-17): with "ca file" the
 * backend's certificate is verified against it, without, not at all;
 * names are never checked (PP-5).  NULL with err set on failure.
 */
struct tls_config *relay_tls_client_config(const struct relay_tls_files *,
	    const struct rd_protocol *, char *err, size_t errlen);

#endif /* RELAYD_RELAY_TLS_H */
