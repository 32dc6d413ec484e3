/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * TLS for relays: the parent reads certificates and keys, the relay
 * builds libtls configurations from memory.  See relay_tls.h for the
 * file names tried and where the private key lives.
 *
 * Session tickets (TLS-12) are sealed with the parent's keys, so every
 * relay process resumes every other's tickets.  libtls keeps ticket
 * keys too, but its callback answers 0 where OpenSSL 1.1.1 and later
 * read "issue no ticket", so under LibreTLS a server never sends one.
 * The ticket callback here replaces it in the SSL_CTXs libtls makes
 * for a server with tickets on (OpenSSL's ex_data hook shows them as
 * tls_configure() creates them), and seals tickets as libtls would:
 * AES-256-CBC and HMAC-SHA256 under a 48-byte key, named by its
 * revision.  "client-renegotiation" (TLS-10) has no effect: libtls
 * always refuses renegotiation.
 */

#include <sys/stat.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <tls.h>

#include "buf.h"
#include "hmac.h"
#include "log.h"
#include "relay_tls.h"

#define RELAY_TLS_MAGIC		0x524c5431	/* "RLT1": format version 1 */
#define TRIEDLEN		2048

/* The paths tried for one file, for the error and the log (PP-5). */
struct tried {
	char		 t_buf[TRIEDLEN];
	int		 t_n;
};

#define TICKET_NAMELEN		16	/* OpenSSL's key_name */
#define TICKET_AESLEN		32	/* then the HMAC key */

/* A ticket key: the parent's, or this process's own until the
 * parent's first one arrives. */
struct ticket_key {
	uint8_t		 tk_name[TICKET_NAMELEN];	/* in each ticket */
	uint8_t		 tk_key[TLS_TICKET_KEY_SIZE];
	int64_t		 tk_time;		/* s, monotonic: made */
};

/* Relay process state.  The last keys, oldest first: tickets under any
 * of them resume for RELAY_TLS_TICKET_LIFETIME, new ones use the last. */
static struct ticket_key ticket_keys[RELAY_TLS_TICKET_KEYS];
static int		 ticket_nkeys;
/* The SSL_CTXs made while relay_tls_server() configures a context with
 * tickets on; -1 while nobody watches. */
static SSL_CTX		*ticket_ctxs[RELAY_TLS_MAXKEYPAIRS];
static int		 ticket_nctxs = -1;
static int		 ticket_exidx = -1;

static int	 file_read(const char *, int, uint8_t **, size_t *, char *,
		    size_t);
static int	 file_try(const char *, int, uint8_t **, size_t *,
		    struct tried *, char *, size_t);
static int	 mkpath(char *, size_t, const char *, const char *,
		    const char *, const char *, char *, size_t);
static void	 tried_add(struct tried *, const char *);
static int	 tried_fail(const char *, const char *, const char *,
		    const struct tried *, char *, size_t);
static int	 load_keypair(const char *, const char *, const char *,
		    uint16_t, const struct rd_keypair *,
		    struct relay_tls_keypair *, char *, size_t);
static int	 load_listen(const struct rd_relay *,
		    const struct rd_protocol *, const char *, int,
		    struct relay_tls_listen *, char *, size_t);
static int	 listen_name(const struct rd_relay_listen *, char *, size_t);
static void	 keypair_free(struct relay_tls_keypair *);
static size_t	 blob_size(size_t);
static int	 files_check(const struct relay_tls_files *);
static size_t	 files_size(const struct relay_tls_files *);
static void	 put_blob(struct wbuf *, const uint8_t *, size_t);
static int	 get_blob(struct buf *, int, uint8_t **, size_t *);
static int	 get_keypair(struct buf *, struct relay_tls_keypair *);
static int	 set_protocols(struct tls_config *, const struct rd_protocol *,
		    char *, size_t);
static int	 set_keypairs(struct tls_config *,
		    const struct relay_tls_listen *, char *, size_t);
static int	 session_id(const struct relay_tls_files *,
		    const struct relay_tls_listen *, uint8_t *);
static int	 set_tickets(struct tls_config *,
		    const struct relay_tls_files *,
		    const struct relay_tls_listen *, char *, size_t);
static int64_t	 ticket_now(void);
static void	 ticket_name(uint32_t, int, uint8_t *);
static void	 ticket_add(const uint8_t *, const uint8_t *);
static struct ticket_key *ticket_current(void);
static int	 ticket_cb(SSL *, unsigned char *, unsigned char *,
		    EVP_CIPHER_CTX *, EVP_MAC_CTX *, int);
static void	 ticket_ctx_new(void *, void *, CRYPTO_EX_DATA *, int, long,
		    void *);
static void	 ticket_ctx_free(void *, void *, CRYPTO_EX_DATA *, int, long,
		    void *);
static int	 ticket_configure(struct tls *, struct tls_config *, char *,
		    size_t);

/*
 * Reads a whole regular file into a new buffer.  A key (iskey) that
 * others may read is refused.  Returns 0, 1 when the file does not
 * exist, -1 with err set on any other failure.
 */
static int
file_read(const char *path, int iskey, uint8_t **data, size_t *len,
    char *err, size_t errlen)
{
	struct stat	 st;
	uint8_t		*p = NULL;
	size_t		 size = 0, off = 0;
	ssize_t		 n;
	int		 fd;

	*data = NULL;
	*len = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1) {
		if (errno == ENOENT)
			return (1);
		(void)snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return (-1);
	}
	if (fstat(fd, &st) == -1) {
		(void)snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		(void)snprintf(err, errlen, "%s: not a regular file", path);
		goto fail;
	}
	if (iskey && (st.st_mode & S_IRWXO) != 0) {
		(void)snprintf(err, errlen, "%s: key file is accessible by "
		    "others (mode %04o)", path,
		    (unsigned int)(st.st_mode & 07777));
		goto fail;
	}
	if (st.st_size <= 0 || st.st_size > RELAY_TLS_MAXFILE) {
		(void)snprintf(err, errlen, "%s: size %lld, expected 1-%d "
		    "bytes", path, (long long)st.st_size, RELAY_TLS_MAXFILE);
		goto fail;
	}
	size = (size_t)st.st_size;
	if ((p = malloc(size)) == NULL) {
		(void)snprintf(err, errlen, "%s: out of memory", path);
		goto fail;
	}
	while (off < size) {
		if ((n = read(fd, p + off, size - off)) == -1) {
			if (errno == EINTR)
				continue;
			(void)snprintf(err, errlen, "%s: %s", path,
			    strerror(errno));
			goto fail;
		}
		if (n == 0) {
			(void)snprintf(err, errlen, "%s: file shrank while "
			    "read", path);
			goto fail;
		}
		off += (size_t)n;
	}
	(void)close(fd);
	*data = p;
	*len = size;
	return (0);
 fail:
	if (p != NULL)
		freezero(p, size);
	(void)close(fd);
	return (-1);
}

/* ROOT SUB/STEM EXT into path; a path too long is an error. */
static int
mkpath(char *path, size_t len, const char *root, const char *sub,
    const char *stem, const char *ext, char *err, size_t errlen)
{
	int	 n;

	n = snprintf(path, len, "%s%s/%s%s", root, sub, stem, ext);
	if (n < 0 || (size_t)n >= len) {
		(void)snprintf(err, errlen, "%s%s/%s%s: path too long", root,
		    sub, stem, ext);
		return (-1);
	}
	return (0);
}

static void
tried_add(struct tried *t, const char *path)
{
	if (t->t_n++ > 0)
		(void)strlcat(t->t_buf, ", ", sizeof(t->t_buf));
	(void)strlcat(t->t_buf, path, sizeof(t->t_buf));
}

/* file_read() that records a missing path in t. */
static int
file_try(const char *path, int iskey, uint8_t **data, size_t *len,
    struct tried *t, char *err, size_t errlen)
{
	int	 rv;

	log_debug("%s: trying %s", __func__, path);
	if ((rv = file_read(path, iskey, data, len, err, errlen)) == 1)
		tried_add(t, path);
	return (rv);
}

/* Sets the "no WHAT for NAME" error naming every path tried. */
static int
tried_fail(const char *relay, const char *what, const char *name,
    const struct tried *t, char *err, size_t errlen)
{
	(void)snprintf(err, errlen, "relay %s: no %s for %s: tried %s",
	    relay, what, name, t->t_buf);
	return (-1);
}

/*
 * Reads one keypair: kp's explicit paths where given, else the default
 * names NAME:PORT then NAME (port 0: NAME only).  The key and OCSP
 * files follow the stem the certificate was found under.
 */
static int
load_keypair(const char *relay, const char *root, const char *name,
    uint16_t port, const struct rd_keypair *kp, struct relay_tls_keypair *kf,
    char *err, size_t errlen)
{
	char		 stem[2][RELAYD_NAMELEN + 8];
	char		 path[PATH_MAX];
	struct tried	 t;
	int		 nstem = 0, used = -1, i, rv;

	memset(kf, 0, sizeof(*kf));
	if (name[0] == '\0' || strchr(name, '/') != NULL ||
	    strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
		(void)snprintf(err, errlen, "relay %s: keypair name '%s' "
		    "cannot name a file", relay, name);
		return (-1);
	}
	if (port != 0)
		(void)snprintf(stem[nstem++], sizeof(stem[0]), "%s:%u", name,
		    port);
	(void)strlcpy(stem[nstem++], name, sizeof(stem[0]));
	(void)strlcpy(kf->kf_name, stem[0], sizeof(kf->kf_name));

	/* certificate */
	memset(&t, 0, sizeof(t));
	if (kp != NULL && kp->kp_cert[0] != '\0') {
		if ((rv = file_try(kp->kp_cert, 0, &kf->kf_cert,
		    &kf->kf_certlen, &t, err, errlen)) == -1)
			goto fail;
		if (rv == 1) {
			(void)tried_fail(relay, "certificate", name, &t, err,
			    errlen);
			goto fail;
		}
	} else {
		for (i = 0; i < nstem && used == -1; i++) {
			if (mkpath(path, sizeof(path), root, "", stem[i],
			    ".crt", err, errlen) == -1)
				goto fail;
			if ((rv = file_try(path, 0, &kf->kf_cert,
			    &kf->kf_certlen, &t, err, errlen)) == -1)
				goto fail;
			if (rv == 0)
				used = i;
		}
		if (used == -1) {
			(void)tried_fail(relay, "certificate", name, &t, err,
			    errlen);
			goto fail;
		}
		(void)strlcpy(kf->kf_name, stem[used], sizeof(kf->kf_name));
	}

	/* key */
	memset(&t, 0, sizeof(t));
	rv = 1;
	if (kp != NULL && kp->kp_key[0] != '\0') {
		rv = file_try(kp->kp_key, 1, &kf->kf_key, &kf->kf_keylen, &t,
		    err, errlen);
	} else {
		for (i = (used == -1 ? 0 : used);
		    i < (used == -1 ? nstem : used + 1) && rv == 1; i++) {
			if (mkpath(path, sizeof(path), root, "/private",
			    stem[i], ".key", err, errlen) == -1)
				goto fail;
			rv = file_try(path, 1, &kf->kf_key, &kf->kf_keylen,
			    &t, err, errlen);
		}
	}
	if (rv == -1)
		goto fail;
	if (rv == 1) {
		(void)tried_fail(relay, "key", name, &t, err, errlen);
		goto fail;
	}

	/* OCSP staple: explicit, or optional next to a default crt */
	memset(&t, 0, sizeof(t));
	if (kp != NULL && kp->kp_ocsp[0] != '\0') {
		if ((rv = file_try(kp->kp_ocsp, 0, &kf->kf_ocsp,
		    &kf->kf_ocsplen, &t, err, errlen)) == -1)
			goto fail;
		if (rv == 1) {
			(void)tried_fail(relay, "ocsp response", name, &t, err,
			    errlen);
			goto fail;
		}
	} else if (used != -1) {
		if (mkpath(path, sizeof(path), root, "", stem[used],
		    ".ocsp", err, errlen) == -1)
			goto fail;
		if (file_read(path, 0, &kf->kf_ocsp, &kf->kf_ocsplen, err,
		    errlen) == -1)
			goto fail;
	}
	log_debug("relay %s: keypair %s loaded", relay, kf->kf_name);
	return (0);
 fail:
	if (strncmp(err, "relay ", 6) != 0) {
		(void)strlcpy(path, err, sizeof(path));
		(void)snprintf(err, errlen, "relay %s: keypair %s: %s", relay,
		    name, path);
	}
	keypair_free(kf);
	return (-1);
}

/* The listen address as a file name stem ("192.0.2.1", "2001:db8::1"). */
static int
listen_name(const struct rd_relay_listen *l, char *name, size_t len)
{
	const struct sockaddr_in	*sin;
	const struct sockaddr_in6	*sin6;
	const void			*a;
	int				 af = l->rl_ss.ss_family;

	if (af == AF_INET) {
		sin = (const struct sockaddr_in *)&l->rl_ss;
		a = &sin->sin_addr;
	} else if (af == AF_INET6) {
		sin6 = (const struct sockaddr_in6 *)&l->rl_ss;
		a = &sin6->sin6_addr;
	} else
		return (-1);
	if (inet_ntop(af, a, name, (socklen_t)len) == NULL)
		return (-1);
	return (0);
}

/* The keypairs of rl_listen[idx]: the protocol's, else its address. */
static int
load_listen(const struct rd_relay *rl, const struct rd_protocol *proto,
    const char *root, int idx, struct relay_tls_listen *tl, char *err,
    size_t errlen)
{
	const struct rd_relay_listen	*l = &rl->rl_listen[idx];
	const struct rd_keypair		*kp;
	char				 name[INET6_ADDRSTRLEN];
	int				 n = 0;

	tl->tl_listen = idx;
	if (proto != NULL)
		TAILQ_FOREACH(kp, &proto->p_keypairs, kp_entry)
			n++;
	if (n > RELAY_TLS_MAXKEYPAIRS) {
		(void)snprintf(err, errlen, "relay %s: %d keypairs, at most "
		    "%d", rl->rl_name, n, RELAY_TLS_MAXKEYPAIRS);
		return (-1);
	}
	if ((tl->tl_kp = calloc(n > 0 ? (size_t)n : 1,
	    sizeof(*tl->tl_kp))) == NULL) {
		(void)snprintf(err, errlen, "relay %s: out of memory",
		    rl->rl_name);
		return (-1);
	}
	if (n == 0) {
		if (listen_name(l, name, sizeof(name)) == -1) {
			(void)snprintf(err, errlen, "relay %s: listen address "
			    "%d has no address family", rl->rl_name, idx);
			return (-1);
		}
		if (load_keypair(rl->rl_name, root, name, l->rl_port, NULL,
		    &tl->tl_kp[0], err, errlen) == -1)
			return (-1);
		tl->tl_nkp = 1;
		return (0);
	}
	TAILQ_FOREACH(kp, &proto->p_keypairs, kp_entry) {
		if (load_keypair(rl->rl_name, root, kp->kp_name, l->rl_port,
		    kp, &tl->tl_kp[tl->tl_nkp], err, errlen) == -1)
			return (-1);
		tl->tl_nkp++;
	}
	return (0);
}

int
relay_tls_load(const struct rd_relay *rl, const struct rd_protocol *proto,
    const char *sslroot, struct relay_tls_files *tf, char *err,
    size_t errlen)
{
	const struct rd_relay_fwd	*f;
	struct tried			 t;
	char				 msg[TRIEDLEN + 256];
	int				 i, fwdtls = 0, rv;

	memset(tf, 0, sizeof(*tf));
	if (errlen > 0)
		err[0] = '\0';
	if (sslroot == NULL)
		sslroot = RELAY_TLS_SSLROOT;
	for (i = 0; i < rl->rl_nlisten && i < RELAYD_MAXLISTEN; i++) {
		if (!rl->rl_listen[i].rl_tls)
			continue;
		/* counted first: the free below sees this listener */
		if (load_listen(rl, proto, sslroot, i,
		    &tf->tf_listen[tf->tf_nlisten++], err, errlen) == -1)
			goto fail;
	}
	TAILQ_FOREACH(f, &rl->rl_fwds, f_entry)
		if (f->f_tls)
			fwdtls = 1;
	if (proto != NULL && proto->p_ca_file[0] != '\0' && fwdtls) {
		memset(&t, 0, sizeof(t));
		if ((rv = file_try(proto->p_ca_file, 0, &tf->tf_ca,
		    &tf->tf_calen, &t, err, errlen)) == 1)
			rv = tried_fail(rl->rl_name, "ca file", "backends",
			    &t, err, errlen);
		if (rv == -1)
			goto fail;
	}
	/* REL-18: inspection needs TLS on both sides and both files */
	if (proto != NULL && (proto->p_ca_cert[0] != '\0' ||
	    proto->p_ca_key[0] != '\0') && tf->tf_nlisten > 0 && fwdtls) {
		if (proto->p_ca_cert[0] == '\0' ||
		    proto->p_ca_key[0] == '\0') {
			(void)snprintf(err, errlen, "relay %s: TLS inspection "
			    "needs both ca cert and ca key", rl->rl_name);
			goto fail;
		}
		memset(&t, 0, sizeof(t));
		if ((rv = file_try(proto->p_ca_cert, 0, &tf->tf_cacert,
		    &tf->tf_cacertlen, &t, err, errlen)) == 1)
			rv = tried_fail(rl->rl_name, "ca cert", "inspection",
			    &t, err, errlen);
		if (rv == -1)
			goto fail;
		memset(&t, 0, sizeof(t));
		if ((rv = file_try(proto->p_ca_key, 1, &tf->tf_cakey,
		    &tf->tf_cakeylen, &t, err, errlen)) == 1)
			rv = tried_fail(rl->rl_name, "ca key", "inspection",
			    &t, err, errlen);
		if (rv == -1)
			goto fail;
	}
	if (proto != NULL && proto->p_client_ca[0] != '\0' &&
	    tf->tf_nlisten > 0) {
		memset(&t, 0, sizeof(t));
		if ((rv = file_try(proto->p_client_ca, 0, &tf->tf_client_ca,
		    &tf->tf_client_calen, &t, err, errlen)) == 1)
			rv = tried_fail(rl->rl_name, "client ca", "clients",
			    &t, err, errlen);
		if (rv == -1)
			goto fail;
	}
	return (0);
 fail:
	if (strncmp(err, "relay ", 6) != 0) {
		(void)strlcpy(msg, err, sizeof(msg));
		(void)snprintf(err, errlen, "relay %s: %s", rl->rl_name, msg);
	}
	/* the one log line: it names every path tried (PP-5) */
	log_warnx("%s", err);
	relay_tls_files_free(tf);
	return (-1);
}

static void
keypair_free(struct relay_tls_keypair *kf)
{
	free(kf->kf_cert);
	if (kf->kf_key != NULL)
		freezero(kf->kf_key, kf->kf_keylen);
	free(kf->kf_ocsp);
	memset(kf, 0, sizeof(*kf));
}

void
relay_tls_files_clear_keys(struct relay_tls_files *tf)
{
	struct relay_tls_listen	*tl;
	int			 i, k;

	for (i = 0; i < tf->tf_nlisten; i++) {
		tl = &tf->tf_listen[i];
		for (k = 0; k < tl->tl_nkp; k++)
			if (tl->tl_kp[k].kf_key != NULL)
				explicit_bzero(tl->tl_kp[k].kf_key,
				    tl->tl_kp[k].kf_keylen);
	}
	if (tf->tf_cakey != NULL)
		explicit_bzero(tf->tf_cakey, tf->tf_cakeylen);
}

void
relay_tls_files_free(struct relay_tls_files *tf)
{
	struct relay_tls_listen	*tl;
	int			 i, k;

	relay_tls_files_clear_keys(tf);
	for (i = 0; i < tf->tf_nlisten; i++) {
		tl = &tf->tf_listen[i];
		if (tl->tl_kp != NULL)
			for (k = 0; k < tl->tl_nkp; k++)
				keypair_free(&tl->tl_kp[k]);
		free(tl->tl_kp);
		tl->tl_kp = NULL;
	}
	free(tf->tf_ca);
	free(tf->tf_client_ca);
	free(tf->tf_cacert);
	free(tf->tf_cakey);
	memset(tf, 0, sizeof(*tf));
}

/*
 * The packed form, all integers in network order:
 *	u32 magic, u8 nlisten,
 *	nlisten x { u8 listen index (increasing), u8 nkp (1-64),
 *	    nkp x { u8 namelen, name, blob cert, blob key, blob ocsp } },
 *	blob ca file, blob client ca, blob ca cert, blob ca key;
 * a blob is u32 length (0 = none, at most RELAY_TLS_MAXFILE) and the
 * bytes.  Cert and key are never empty; nothing follows.
 */
static size_t
blob_size(size_t len)
{
	return (4 + len);
}

/* The invariants unpack enforces, so pack only emits what it takes. */
static int
files_check(const struct relay_tls_files *tf)
{
	const struct relay_tls_listen	*tl;
	const struct relay_tls_keypair	*kf;
	size_t				 n;
	int				 i, k, prev = -1;

	if (tf->tf_nlisten < 0 || tf->tf_nlisten > RELAYD_MAXLISTEN ||
	    tf->tf_calen > RELAY_TLS_MAXFILE ||
	    tf->tf_client_calen > RELAY_TLS_MAXFILE ||
	    tf->tf_cacertlen > RELAY_TLS_MAXFILE ||
	    tf->tf_cakeylen > RELAY_TLS_MAXFILE ||
	    (tf->tf_cacertlen == 0) != (tf->tf_cakeylen == 0))
		return (-1);
	for (i = 0; i < tf->tf_nlisten; i++) {
		tl = &tf->tf_listen[i];
		if (tl->tl_listen <= prev ||
		    tl->tl_listen >= RELAYD_MAXLISTEN || tl->tl_nkp < 1 ||
		    tl->tl_nkp > RELAY_TLS_MAXKEYPAIRS)
			return (-1);
		prev = tl->tl_listen;
		for (k = 0; k < tl->tl_nkp; k++) {
			kf = &tl->tl_kp[k];
			n = strnlen(kf->kf_name, sizeof(kf->kf_name));
			if (n == 0 || n == sizeof(kf->kf_name) ||
			    kf->kf_certlen == 0 || kf->kf_keylen == 0 ||
			    kf->kf_certlen > RELAY_TLS_MAXFILE ||
			    kf->kf_keylen > RELAY_TLS_MAXFILE ||
			    kf->kf_ocsplen > RELAY_TLS_MAXFILE)
				return (-1);
		}
	}
	return (0);
}

static size_t
files_size(const struct relay_tls_files *tf)
{
	const struct relay_tls_keypair	*kf;
	size_t				 len = 4 + 1;
	int				 i, k;

	for (i = 0; i < tf->tf_nlisten; i++) {
		len += 2;
		for (k = 0; k < tf->tf_listen[i].tl_nkp; k++) {
			kf = &tf->tf_listen[i].tl_kp[k];
			len += 1 + strlen(kf->kf_name) +
			    blob_size(kf->kf_certlen) +
			    blob_size(kf->kf_keylen) +
			    blob_size(kf->kf_ocsplen);
		}
	}
	return (len + blob_size(tf->tf_calen) +
	    blob_size(tf->tf_client_calen) + blob_size(tf->tf_cacertlen) +
	    blob_size(tf->tf_cakeylen));
}

static void
put_blob(struct wbuf *w, const uint8_t *p, size_t len)
{
	wbuf_put_u32(w, (uint32_t)len);
	wbuf_put_bytes(w, p, len);
}

int
relay_tls_files_pack(const struct relay_tls_files *tf, uint8_t **buf,
    size_t *len)
{
	const struct relay_tls_listen	*tl;
	const struct relay_tls_keypair	*kf;
	struct wbuf			 w;
	uint8_t				*p;
	size_t				 size;
	int				 i, k;

	*buf = NULL;
	*len = 0;
	if (files_check(tf) == -1) {
		errno = EINVAL;
		return (-1);
	}
	size = files_size(tf);
	if ((p = malloc(size)) == NULL)
		return (-1);
	wbuf_init(&w, p, size);
	wbuf_put_u32(&w, RELAY_TLS_MAGIC);
	wbuf_put_u8(&w, (uint8_t)tf->tf_nlisten);
	for (i = 0; i < tf->tf_nlisten; i++) {
		tl = &tf->tf_listen[i];
		wbuf_put_u8(&w, (uint8_t)tl->tl_listen);
		wbuf_put_u8(&w, (uint8_t)tl->tl_nkp);
		for (k = 0; k < tl->tl_nkp; k++) {
			kf = &tl->tl_kp[k];
			wbuf_put_u8(&w, (uint8_t)strlen(kf->kf_name));
			wbuf_put_bytes(&w, kf->kf_name, strlen(kf->kf_name));
			put_blob(&w, kf->kf_cert, kf->kf_certlen);
			put_blob(&w, kf->kf_key, kf->kf_keylen);
			put_blob(&w, kf->kf_ocsp, kf->kf_ocsplen);
		}
	}
	put_blob(&w, tf->tf_ca, tf->tf_calen);
	put_blob(&w, tf->tf_client_ca, tf->tf_client_calen);
	put_blob(&w, tf->tf_cacert, tf->tf_cacertlen);
	put_blob(&w, tf->tf_cakey, tf->tf_cakeylen);
	if (w.w_err || w.w_len != size) {
		freezero(p, size);
		errno = EINVAL;
		return (-1);
	}
	*buf = p;
	*len = size;
	return (0);
}

/* A blob into a new buffer; an empty one gives NULL (refused when
 * required).  The length is checked against the bytes left before any
 * allocation. */
static int
get_blob(struct buf *b, int required, uint8_t **data, size_t *len)
{
	uint32_t	 n;

	*data = NULL;
	*len = 0;
	if (buf_get_u32(b, &n) == -1 || n > RELAY_TLS_MAXFILE ||
	    n > buf_left(b) || (n == 0 && required))
		return (-1);
	if (n == 0)
		return (0);
	if ((*data = malloc(n)) == NULL)
		return (-1);
	if (buf_get_bytes(b, *data, n) == -1) {
		free(*data);
		*data = NULL;
		return (-1);
	}
	*len = n;
	return (0);
}

static int
get_keypair(struct buf *b, struct relay_tls_keypair *kf)
{
	uint8_t	 n;

	if (buf_get_u8(b, &n) == -1 || n == 0 || n >= sizeof(kf->kf_name) ||
	    buf_get_bytes(b, kf->kf_name, n) == -1 ||
	    memchr(kf->kf_name, '\0', n) != NULL)
		return (-1);
	kf->kf_name[n] = '\0';
	if (get_blob(b, 1, &kf->kf_cert, &kf->kf_certlen) == -1 ||
	    get_blob(b, 1, &kf->kf_key, &kf->kf_keylen) == -1 ||
	    get_blob(b, 0, &kf->kf_ocsp, &kf->kf_ocsplen) == -1)
		return (-1);
	return (0);
}

int
relay_tls_files_unpack(const uint8_t *data, size_t len,
    struct relay_tls_files *tf)
{
	struct relay_tls_listen	*tl;
	struct buf		 b;
	uint32_t		 magic;
	uint8_t			 nlisten, idx, nkp;
	int			 i, prev = -1;

	memset(tf, 0, sizeof(*tf));
	buf_init(&b, data, len);
	if (buf_get_u32(&b, &magic) == -1 || magic != RELAY_TLS_MAGIC ||
	    buf_get_u8(&b, &nlisten) == -1 || nlisten > RELAYD_MAXLISTEN)
		goto fail;
	for (i = 0; i < nlisten; i++) {
		if (buf_get_u8(&b, &idx) == -1 || (int)idx <= prev ||
		    idx >= RELAYD_MAXLISTEN || buf_get_u8(&b, &nkp) == -1 ||
		    nkp == 0 || nkp > RELAY_TLS_MAXKEYPAIRS)
			goto fail;
		prev = idx;
		tl = &tf->tf_listen[tf->tf_nlisten++];
		tl->tl_listen = idx;
		if ((tl->tl_kp = calloc(nkp, sizeof(*tl->tl_kp))) == NULL)
			goto fail;
		while (tl->tl_nkp < nkp) {
			/* counted first: the free sees a half-read pair */
			if (get_keypair(&b, &tl->tl_kp[tl->tl_nkp++]) == -1)
				goto fail;
		}
	}
	if (get_blob(&b, 0, &tf->tf_ca, &tf->tf_calen) == -1 ||
	    get_blob(&b, 0, &tf->tf_client_ca, &tf->tf_client_calen) == -1 ||
	    get_blob(&b, 0, &tf->tf_cacert, &tf->tf_cacertlen) == -1 ||
	    get_blob(&b, 0, &tf->tf_cakey, &tf->tf_cakeylen) == -1 ||
	    (tf->tf_cacert == NULL) != (tf->tf_cakey == NULL) ||
	    buf_left(&b) != 0)
		goto fail;
	return (0);
 fail:
	relay_tls_files_free(tf);
	return (-1);
}

/* TLS-13: the versions left enabled; none is an error. */
static int
set_protocols(struct tls_config *cfg, const struct rd_protocol *pr,
    char *err, size_t errlen)
{
	uint32_t	 protos = 0;
	int		 v = pr != NULL ? pr->p_tlsv : TLSV_DEFAULT;

	if (v & TLSV_1_2)
		protos |= TLS_PROTOCOL_TLSv1_2;
	if (v & TLSV_1_3)
		protos |= TLS_PROTOCOL_TLSv1_3;
	if (protos == 0) {
		(void)snprintf(err, errlen, "protocol %s: no TLS version "
		    "enabled", pr != NULL ? pr->p_name : "tcp");
		return (-1);
	}
	if (tls_config_set_protocols(cfg, protos) == -1) {
		(void)snprintf(err, errlen, "tls protocols: %s",
		    tls_config_error(cfg));
		return (-1);
	}
	return (0);
}

/* The first keypair is the default one; SNI picks among the others. */
static int
set_keypairs(struct tls_config *cfg, const struct relay_tls_listen *tl,
    char *err, size_t errlen)
{
	const struct relay_tls_keypair	*kf;
	int				 k, rv;

	for (k = 0; k < tl->tl_nkp; k++) {
		kf = &tl->tl_kp[k];
		if (k == 0)
			rv = tls_config_set_keypair_ocsp_mem(cfg, kf->kf_cert,
			    kf->kf_certlen, kf->kf_key, kf->kf_keylen,
			    kf->kf_ocsp, kf->kf_ocsplen);
		else
			rv = tls_config_add_keypair_ocsp_mem(cfg, kf->kf_cert,
			    kf->kf_certlen, kf->kf_key, kf->kf_keylen,
			    kf->kf_ocsp, kf->kf_ocsplen);
		if (rv == -1) {
			(void)snprintf(err, errlen, "keypair %s: %s",
			    kf->kf_name, tls_config_error(cfg));
			return (-1);
		}
	}
	return (0);
}

/*
 * The session id context of a listener: OpenSSL resumes a session only
 * under the context it was made in.  libtls picks a random one per
 * config, which no other relay process shares.  Derived from what the
 * client verified and was verified with (every certificate, the client
 * CA), it is the same in every process and across reloads that keep
 * them, and a ticket made without a client certificate does not
 * resume once "client ca" is set.
 */
static int
session_id(const struct relay_tls_files *tf,
    const struct relay_tls_listen *tl, uint8_t *sid)
{
	static const char	 label[] = "hakit relayd session id";
	struct hmac_sha1	*h;
	uint32_t		 len;
	int			 k, rv = 0;

	if ((h = hmac_sha1_new(label, sizeof(label) - 1)) == NULL)
		return (-1);
	for (k = 0; k < tl->tl_nkp; k++) {
		len = htonl((uint32_t)tl->tl_kp[k].kf_certlen);
		if (hmac_sha1_update(h, &len, sizeof(len)) == -1 ||
		    hmac_sha1_update(h, tl->tl_kp[k].kf_cert,
		    tl->tl_kp[k].kf_certlen) == -1)
			rv = -1;
	}
	len = htonl((uint32_t)tf->tf_client_calen);
	if (hmac_sha1_update(h, &len, sizeof(len)) == -1 ||
	    (tf->tf_client_calen > 0 && hmac_sha1_update(h, tf->tf_client_ca,
	    tf->tf_client_calen) == -1) ||
	    hmac_sha1_final(h, sid) == -1)
		rv = -1;
	hmac_sha1_free(h);
	return (rv);
}

/* TLS-12: the shared session id context and the lifetime, which also
 * turns tickets on in libtls. */
static int
set_tickets(struct tls_config *cfg, const struct relay_tls_files *tf,
    const struct relay_tls_listen *tl, char *err, size_t errlen)
{
	uint8_t		 sid[HMAC_SHA1_LEN];

	if (session_id(tf, tl, sid) == -1) {
		(void)snprintf(err, errlen, "session tickets: no session id");
		return (-1);
	}
	if (tls_config_set_session_id(cfg, sid, sizeof(sid)) == -1 ||
	    tls_config_set_session_lifetime(cfg,
	    RELAY_TLS_TICKET_LIFETIME) == -1) {
		(void)snprintf(err, errlen, "session tickets: %s",
		    tls_config_error(cfg));
		return (-1);
	}
	return (0);
}

static int64_t
ticket_now(void)
{
	struct timespec	 ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec);
}

/* As libtls names its keys: the revision, big-endian, then zeros;
 * byte 4 tells a process's own key from the parent's. */
static void
ticket_name(uint32_t keyrev, int own, uint8_t *name)
{
	uint32_t	 n = htonl(keyrev);

	memset(name, 0, TICKET_NAMELEN);
	memcpy(name, &n, sizeof(n));
	name[sizeof(n)] = own ? 1 : 0;
}

/* Appends a key, the oldest going when all places are taken. */
static void
ticket_add(const uint8_t *name, const uint8_t *key)
{
	struct ticket_key	*tk;

	if (ticket_nkeys == RELAY_TLS_TICKET_KEYS) {
		memmove(&ticket_keys[0], &ticket_keys[1],
		    (RELAY_TLS_TICKET_KEYS - 1) * sizeof(ticket_keys[0]));
		ticket_nkeys--;
	}
	tk = &ticket_keys[ticket_nkeys++];
	memcpy(tk->tk_name, name, sizeof(tk->tk_name));
	memcpy(tk->tk_key, key, sizeof(tk->tk_key));
	tk->tk_time = ticket_now();
}

/*
 * The key new tickets use.  Before the parent's first key (it follows
 * each configuration at once) a random one of this process's own:
 * declining to issue a ticket is no option, as OpenSSL 3.0 then sends
 * an empty TLS 1.3 ticket, which clients reject.
 */
static struct ticket_key *
ticket_current(void)
{
	uint8_t		 name[TICKET_NAMELEN];
	uint8_t		 key[TLS_TICKET_KEY_SIZE];

	if (ticket_nkeys == 0) {
		ticket_name(arc4random(), 1, name);
		arc4random_buf(key, sizeof(key));
		ticket_add(name, key);
		explicit_bzero(key, sizeof(key));
	}
	return (&ticket_keys[ticket_nkeys - 1]);
}

/*
 * OpenSSL's ticket key callback: enc 1 sets up sealing a new ticket
 * (returns 1), enc 0 opening one named name (2: opened, and a new
 * ticket is sent; 0 when the key is unknown or expired: a full
 * handshake).  -1 is an error.
 */
static int
ticket_cb(SSL *ssl, unsigned char *name, unsigned char *iv,
    EVP_CIPHER_CTX *cctx, EVP_MAC_CTX *hctx, int enc)
{
	static char		 digest[] = "SHA256";
	struct ticket_key	*tk = NULL;
	OSSL_PARAM		 params[2];
	int64_t			 now;
	int			 i, ivlen;

	(void)ssl;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    digest, 0);
	params[1] = OSSL_PARAM_construct_end();
	if (enc) {
		tk = ticket_current();
		memcpy(name, tk->tk_name, sizeof(tk->tk_name));
		ivlen = EVP_CIPHER_get_iv_length(EVP_aes_256_cbc());
		if (ivlen <= 0 || RAND_bytes(iv, ivlen) != 1 ||
		    EVP_EncryptInit_ex(cctx, EVP_aes_256_cbc(), NULL,
		    tk->tk_key, iv) != 1 ||
		    EVP_MAC_init(hctx, tk->tk_key + TICKET_AESLEN,
		    sizeof(tk->tk_key) - TICKET_AESLEN, params) != 1)
			return (-1);
		return (1);
	}
	now = ticket_now();
	for (i = 0; i < ticket_nkeys; i++)
		if (memcmp(name, ticket_keys[i].tk_name, TICKET_NAMELEN) ==
		    0 && now - ticket_keys[i].tk_time <
		    RELAY_TLS_TICKET_LIFETIME)
			tk = &ticket_keys[i];
	if (tk == NULL)
		return (0);
	if (EVP_DecryptInit_ex(cctx, EVP_aes_256_cbc(), NULL, tk->tk_key,
	    iv) != 1 ||
	    EVP_MAC_init(hctx, tk->tk_key + TICKET_AESLEN,
	    sizeof(tk->tk_key) - TICKET_AESLEN, params) != 1)
		return (-1);
	/* always 2, a new ticket: a TLS 1.3 client uses each ticket once,
	 * so with 1 every other connection of a client was a full
	 * handshake (wrk showed it; OpenSSL sends no ticket after a
	 * resumption the callback does not ask to renew) */
	return (2);
}

/* ex_data hooks, called for every SSL_CTX the process makes or frees. */
static void
ticket_ctx_new(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx,
    long argl, void *argp)
{
	(void)ptr;
	(void)ad;
	(void)idx;
	(void)argl;
	(void)argp;
	if (ticket_nctxs < 0)
		return;
	/* one more than there is room for: ticket_configure refuses */
	if (ticket_nctxs < RELAY_TLS_MAXKEYPAIRS)
		ticket_ctxs[ticket_nctxs] = parent;
	if (ticket_nctxs <= RELAY_TLS_MAXKEYPAIRS)
		ticket_nctxs++;
}

static void
ticket_ctx_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx,
    long argl, void *argp)
{
	int	 i;

	(void)ptr;
	(void)ad;
	(void)idx;
	(void)argl;
	(void)argp;
	for (i = 0; i < ticket_nctxs && i < RELAY_TLS_MAXKEYPAIRS; i++)
		if (ticket_ctxs[i] == parent)
			ticket_ctxs[i] = NULL;
}

/*
 * tls_configure() for a server with tickets on, then ticket_cb in
 * every SSL_CTX it made (the first one seals and opens the tickets;
 * the others serve SNI).  0, or -1 with err set.
 */
static int
ticket_configure(struct tls *ctx, struct tls_config *cfg, char *err,
    size_t errlen)
{
	int	 i, n, rv;

	if (ticket_exidx == -1 && (ticket_exidx = SSL_CTX_get_ex_new_index(0,
	    NULL, ticket_ctx_new, NULL, ticket_ctx_free)) == -1) {
		(void)snprintf(err, errlen, "session tickets: no ex_data "
		    "index");
		return (-1);
	}
	ticket_nctxs = 0;
	rv = tls_configure(ctx, cfg);
	n = ticket_nctxs;
	ticket_nctxs = -1;
	if (rv == -1) {
		(void)snprintf(err, errlen, "tls_configure: %s",
		    tls_error(ctx));
		return (-1);
	}
	if (n == 0 || n > RELAY_TLS_MAXKEYPAIRS || ticket_ctxs[0] == NULL) {
		(void)snprintf(err, errlen, "session tickets: libtls made %d "
		    "SSL contexts, expected 1-%d", n, RELAY_TLS_MAXKEYPAIRS);
		return (-1);
	}
	for (i = 0; i < n; i++)
		if (ticket_ctxs[i] != NULL &&
		    SSL_CTX_set_tlsext_ticket_key_evp_cb(ticket_ctxs[i],
		    ticket_cb) != 1) {
			(void)snprintf(err, errlen, "session tickets: no "
			    "ticket callback");
			return (-1);
		}
	return (0);
}

struct tls_config *
relay_tls_server_config(const struct relay_tls_files *tf,
    const struct rd_protocol *pr, char *err, size_t errlen)
{
	if (tf->tf_nlisten == 0) {
		(void)snprintf(err, errlen, "no TLS listener");
		return (NULL);
	}
	return (relay_tls_server_config_listen(tf, pr,
	    tf->tf_listen[0].tl_listen, err, errlen));
}

struct tls_config *
relay_tls_server_config_listen(const struct relay_tls_files *tf,
    const struct rd_protocol *pr, int listen, char *err, size_t errlen)
{
	const struct relay_tls_listen	*tl = NULL;
	struct tls_config		*cfg;
	const char			*s;
	int				 i;

	for (i = 0; i < tf->tf_nlisten; i++)
		if (tf->tf_listen[i].tl_listen == listen)
			tl = &tf->tf_listen[i];
	if (tl == NULL || tl->tl_nkp == 0) {
		(void)snprintf(err, errlen, "listen address %d: no keypair",
		    listen);
		return (NULL);
	}
	if ((cfg = tls_config_new()) == NULL) {
		(void)snprintf(err, errlen, "tls_config_new: out of memory");
		return (NULL);
	}
	if (set_protocols(cfg, pr, err, errlen) == -1)
		goto fail;
	/* TLS-1 */
	s = pr != NULL && pr->p_ciphers[0] != '\0' ? pr->p_ciphers : "secure";
	if (tls_config_set_ciphers(cfg, s) == -1) {
		(void)snprintf(err, errlen, "ciphers \"%s\": %s", s,
		    tls_config_error(cfg));
		goto fail;
	}
	/* TLS-2 */
	s = pr != NULL && pr->p_ecdhe[0] != '\0' ? pr->p_ecdhe : "default";
	if (tls_config_set_ecdhecurves(cfg, s) == -1) {
		(void)snprintf(err, errlen, "ecdhe \"%s\": %s", s,
		    tls_config_error(cfg));
		goto fail;
	}
	/* TLS-3: off unless "edh"; "edh" alone means auto */
	if (pr == NULL || !pr->p_edh)
		s = "none";
	else
		s = pr->p_edh_params[0] != '\0' ? pr->p_edh_params : "auto";
	if (tls_config_set_dheparams(cfg, s) == -1) {
		(void)snprintf(err, errlen, "edh params %s: %s", s,
		    tls_config_error(cfg));
		goto fail;
	}
	if (set_keypairs(cfg, tl, err, errlen) == -1)
		goto fail;
	/* TLS-9 */
	if (tf->tf_client_ca != NULL) {
		if (tls_config_set_ca_mem(cfg, tf->tf_client_ca,
		    tf->tf_client_calen) == -1) {
			(void)snprintf(err, errlen, "client ca: %s",
			    tls_config_error(cfg));
			goto fail;
		}
		tls_config_verify_client(cfg);
	}
	/* TLS-11 */
	if (pr == NULL || pr->p_cipher_pref)
		tls_config_prefer_ciphers_server(cfg);
	else
		tls_config_prefer_ciphers_client(cfg);
	/* TLS-12: libtls leaves tickets off without a lifetime */
	if (pr != NULL && pr->p_tickets &&
	    set_tickets(cfg, tf, tl, err, errlen) == -1)
		goto fail;
	return (cfg);
 fail:
	tls_config_clear_keys(cfg);
	tls_config_free(cfg);
	return (NULL);
}

struct tls *
relay_tls_server(const struct relay_tls_files *tf,
    const struct rd_protocol *pr, int listen, char *err, size_t errlen)
{
	struct tls_config	*cfg;
	struct tls		*ctx;

	if ((cfg = relay_tls_server_config_listen(tf, pr, listen, err,
	    errlen)) == NULL)
		return (NULL);
	if ((ctx = tls_server()) == NULL) {
		(void)snprintf(err, errlen, "tls_server: out of memory");
		goto fail;
	}
	if (pr != NULL && pr->p_tickets) {
		if (ticket_configure(ctx, cfg, err, errlen) == -1) {
			tls_free(ctx);
			ctx = NULL;
		}
	} else if (tls_configure(ctx, cfg) == -1) {
		(void)snprintf(err, errlen, "tls_configure: %s",
		    tls_error(ctx));
		tls_free(ctx);
		ctx = NULL;
	}
 fail:
	/* ctx holds its own reference; the PEM keys are no longer needed */
	tls_config_clear_keys(cfg);
	tls_config_free(cfg);
	return (ctx);
}

int
relay_tls_ticket_key(uint32_t keyrev, const uint8_t *key, size_t keylen,
    char *err, size_t errlen)
{
	uint8_t		 name[TICKET_NAMELEN];
	int		 i;

	if (keylen != TLS_TICKET_KEY_SIZE) {
		(void)snprintf(err, errlen, "ticket key %u: %zu bytes, "
		    "expected %d", keyrev, keylen, TLS_TICKET_KEY_SIZE);
		return (-1);
	}
	ticket_name(keyrev, 0, name);
	for (i = 0; i < ticket_nkeys; i++) {
		if (memcmp(ticket_keys[i].tk_name, name, sizeof(name)) != 0)
			continue;
		/* the newest again: sent after each configuration */
		if (i == ticket_nkeys - 1 &&
		    hmac_cmp(ticket_keys[i].tk_key, key, keylen) == 0)
			return (0);
		(void)snprintf(err, errlen, "ticket key %u: revision already "
		    "used", keyrev);
		return (-1);
	}
	ticket_add(name, key);
	return (0);
}

struct tls_config *
relay_tls_client_config(const struct relay_tls_files *tf,
    const struct rd_protocol *pr, char *err, size_t errlen)
{
	struct tls_config	*cfg;

	if ((cfg = tls_config_new()) == NULL) {
		(void)snprintf(err, errlen, "tls_config_new: out of memory");
		return (NULL);
	}
	if (set_protocols(cfg, pr, err, errlen) == -1)
		goto fail;
	if (tf->tf_ca != NULL) {
		if (tls_config_set_ca_mem(cfg, tf->tf_ca, tf->tf_calen) ==
		    -1) {
			(void)snprintf(err, errlen, "ca file: %s",
			    tls_config_error(cfg));
			goto fail;
		}
	} else
		tls_config_insecure_noverifycert(cfg);
	tls_config_insecure_noverifyname(cfg);
	return (cfg);
 fail:
	tls_config_free(cfg);
	return (NULL);
}
