/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * relay_tls: the parent's file lookup (explicit keypair paths,
 * NAME:PORT, NAME, the listen address, errors naming every path), the
 * packed form for the parent->relay channel, and real handshakes over
 * socketpairs with the configurations a relay builds: SNI, client
 * certificates, protocol versions, backend verification.  Keys and
 * certificates are made once with the openssl CLI in a mkdtemp
 * directory; without openssl the tests skip.
 */

#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <tls.h>

#include "relay_tls.h"

#define ERRLEN		4096

static char	 dir[] = "/tmp/test_relayd_tls.XXXXXX";
static char	 sslroot[128];
static int	 have_certs;

struct hs {
	int		 s_rv;		/* 0 done, -1 failed, 1 pending */
	int		 c_rv;
	char		 s_version[32];
	char		 c_subject[256];	/* the server's cert */
	char		 s_subject[256];	/* the client's cert */
};

static int	 gen_certs(void **);
static int	 rm_certs(void **);
static const char *gen(const char *);
static void	 relay_init(struct rd_relay *, const char *);
static void	 relay_listen(struct rd_relay *, const char *, uint16_t, int);
static void	 proto_init(struct rd_protocol *);
static void	 proto_keypair(struct rd_protocol *, const char *,
		    const char *, const char *, const char *);
static void	 proto_free(struct rd_protocol *);
static int	 file_equal(const uint8_t *, size_t, const char *);
static void	 handshake(struct tls *, struct tls_config *, const char *,
		    struct hs *);
static struct tls_config *test_client(const char *, const char *);
static struct tls *plain_server(const char *, const char *);
static void	 load_sni(struct relay_tls_files *, struct rd_relay *,
		    struct rd_protocol *);
static void	 files_equal(const struct relay_tls_files *,
		    const struct relay_tls_files *);

/*
 * gen/: a test CA, servers a.example, b.example, default and a client
 * signed by it, and a self-signed "rogue" a.example.  ssl/: the files
 * under their default names.
 */
static int
gen_certs(void **state)
{
	char	 cmd[8192];

	(void)state;
	if (system("command -v openssl >/dev/null 2>&1") != 0)
		return (0);
	if (mkdtemp(dir) == NULL)
		return (-1);
	(void)snprintf(sslroot, sizeof(sslroot), "%s/ssl", dir);
	(void)snprintf(cmd, sizeof(cmd),
	    "(set -e; cd '%s'; mkdir gen ssl ssl/private; "
	    "chmod 700 ssl/private; cd gen; umask 077; "
	    "EC='-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes'; "
	    "openssl req -x509 $EC -keyout ca.key -out ca.crt -days 3650 "
	    "  -subj /CN=hakit-test-ca "
	    "  -addext basicConstraints=critical,CA:TRUE "
	    "  -addext keyUsage=critical,keyCertSign,cRLSign; "
	    "for n in a.example b.example default client; do "
	    "  openssl req $EC -keyout $n.key -out $n.csr -subj /CN=$n; "
	    "  printf 'subjectAltName=DNS:%%s\\n' $n > $n.ext; "
	    "  openssl x509 -req -in $n.csr -CA ca.crt -CAkey ca.key "
	    "    -CAcreateserial -days 3650 -extfile $n.ext -out $n.crt; "
	    "done; "
	    "openssl req -x509 $EC -keyout rogue.key -out rogue.crt "
	    "  -days 3650 -subj /CN=a.example "
	    "  -addext subjectAltName=DNS:a.example; "
	    "cd ..; "
	    "cp gen/a.example.crt 'ssl/a.example:443.crt'; "
	    "cp gen/a.example.key 'ssl/private/a.example:443.key'; "
	    "cp gen/b.example.crt ssl/b.example.crt; "
	    "cp gen/b.example.key ssl/private/b.example.key; "
	    "cp gen/a.example.crt 'ssl/127.0.0.1:8443.crt'; "
	    "cp gen/a.example.key 'ssl/private/127.0.0.1:8443.key'; "
	    "cp gen/b.example.crt ssl/127.0.0.2.crt; "
	    "cp gen/b.example.key ssl/private/127.0.0.2.key; "
	    "cp gen/b.example.crt ssl/o.example.crt; "
	    "cp gen/b.example.key ssl/private/o.example.key; "
	    "printf 'ocsp-der' > ssl/o.example.ocsp; "
	    "cp gen/a.example.crt ssl/nokey.example.crt; "
	    "cp gen/a.example.crt ssl/open.example.crt; "
	    "cp gen/a.example.key ssl/private/open.example.key; "
	    "chmod 600 ssl/private/*.key gen/*.key; "
	    "chmod 604 ssl/private/open.example.key"
	    ") >/dev/null 2>&1", dir);
	if (system(cmd) != 0)
		return (-1);
	have_certs = 1;
	return (0);
}

static int
rm_certs(void **state)
{
	char	 cmd[PATH_MAX + 32];

	(void)state;
	if (!have_certs)
		return (0);
	(void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return (system(cmd) == 0 ? 0 : -1);
}

/* A path under gen/ (static storage: one at a time per call site). */
static const char *
gen(const char *name)
{
	static char	 path[4][PATH_MAX];
	static int	 n;

	n = (n + 1) % 4;
	(void)snprintf(path[n], sizeof(path[n]), "%s/gen/%s", dir, name);
	return (path[n]);
}

static void
relay_init(struct rd_relay *rl, const char *name)
{
	memset(rl, 0, sizeof(*rl));
	(void)strlcpy(rl->rl_name, name, sizeof(rl->rl_name));
	TAILQ_INIT(&rl->rl_fwds);
}

static void
relay_listen(struct rd_relay *rl, const char *addr, uint16_t port, int tls)
{
	struct rd_relay_listen	*l = &rl->rl_listen[rl->rl_nlisten++];
	struct sockaddr_in	*sin = (struct sockaddr_in *)&l->rl_ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&l->rl_ss;

	if (inet_pton(AF_INET, addr, &sin->sin_addr) == 1)
		sin->sin_family = AF_INET;
	else {
		assert_int_equal(inet_pton(AF_INET6, addr, &sin6->sin6_addr),
		    1);
		sin6->sin6_family = AF_INET6;
	}
	l->rl_port = port;
	l->rl_tls = tls;
}

static void
proto_init(struct rd_protocol *pr)
{
	memset(pr, 0, sizeof(*pr));
	(void)strlcpy(pr->p_name, "https", sizeof(pr->p_name));
	pr->p_type = PROTO_HTTP;
	pr->p_cipher_pref = 1;
	pr->p_tlsv = TLSV_DEFAULT;
	TAILQ_INIT(&pr->p_keypairs);
	TAILQ_INIT(&pr->p_rules);
}

static void
proto_keypair(struct rd_protocol *pr, const char *name, const char *cert,
    const char *key, const char *ocsp)
{
	struct rd_keypair	*kp;

	kp = calloc(1, sizeof(*kp));
	assert_non_null(kp);
	(void)strlcpy(kp->kp_name, name, sizeof(kp->kp_name));
	if (cert != NULL)
		(void)strlcpy(kp->kp_cert, cert, sizeof(kp->kp_cert));
	if (key != NULL)
		(void)strlcpy(kp->kp_key, key, sizeof(kp->kp_key));
	if (ocsp != NULL)
		(void)strlcpy(kp->kp_ocsp, ocsp, sizeof(kp->kp_ocsp));
	TAILQ_INSERT_TAIL(&pr->p_keypairs, kp, kp_entry);
}

static void
proto_free(struct rd_protocol *pr)
{
	struct rd_keypair	*kp;

	while ((kp = TAILQ_FIRST(&pr->p_keypairs)) != NULL) {
		TAILQ_REMOVE(&pr->p_keypairs, kp, kp_entry);
		free(kp);
	}
}

/* Whether data holds exactly the bytes of the file at path. */
static int
file_equal(const uint8_t *data, size_t len, const char *path)
{
	uint8_t		*f;
	size_t		 flen;
	int		 eq;

	if ((f = tls_load_file(path, &flen, NULL)) == NULL)
		return (0);
	eq = flen == len && memcmp(f, data, len) == 0;
	tls_unload_file(f, flen);
	return (eq);
}

/*
 * One handshake over a non-blocking socketpair, both ends driven in
 * turn until both are done or one fails.
 */
static void
handshake(struct tls *srv, struct tls_config *ccfg, const char *servername,
    struct hs *hs)
{
	struct tls	*sc = NULL, *cli;
	const char	*s;
	int		 sv[2], i, r;

	memset(hs, 0, sizeof(*hs));
	hs->s_rv = hs->c_rv = 1;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	for (i = 0; i < 2; i++)
		assert_int_equal(fcntl(sv[i], F_SETFL, O_NONBLOCK), 0);
	assert_int_equal(tls_accept_socket(srv, &sc, sv[0]), 0);
	assert_non_null(cli = tls_client());
	assert_int_equal(tls_configure(cli, ccfg), 0);
	assert_int_equal(tls_connect_socket(cli, sv[1], servername), 0);
	for (i = 0; i < 100 && (hs->s_rv == 1 || hs->c_rv == 1); i++) {
		if (hs->s_rv == 1 && (r = tls_handshake(sc)) !=
		    TLS_WANT_POLLIN && r != TLS_WANT_POLLOUT)
			hs->s_rv = r == 0 ? 0 : -1;
		if (hs->c_rv == 1 && (r = tls_handshake(cli)) !=
		    TLS_WANT_POLLIN && r != TLS_WANT_POLLOUT)
			hs->c_rv = r == 0 ? 0 : -1;
		if (hs->s_rv == -1 || hs->c_rv == -1)
			break;
	}
	if (hs->s_rv == 0) {
		if ((s = tls_conn_version(sc)) != NULL)
			(void)strlcpy(hs->s_version, s, sizeof(hs->s_version));
		if (tls_peer_cert_provided(sc) &&
		    (s = tls_peer_cert_subject(sc)) != NULL)
			(void)strlcpy(hs->s_subject, s, sizeof(hs->s_subject));
	}
	if (hs->c_rv == 0 && (s = tls_peer_cert_subject(cli)) != NULL)
		(void)strlcpy(hs->c_subject, s, sizeof(hs->c_subject));
	tls_free(sc);
	tls_free(cli);
	(void)close(sv[0]);
	(void)close(sv[1]);
}

/* A test client trusting the test CA, names unchecked; with a client
 * certificate when cert is given. */
static struct tls_config *
test_client(const char *cert, const char *key)
{
	struct tls_config	*cfg;

	assert_non_null(cfg = tls_config_new());
	assert_int_equal(tls_config_set_ca_file(cfg, gen("ca.crt")), 0);
	tls_config_insecure_noverifyname(cfg);
	if (cert != NULL)
		assert_int_equal(tls_config_set_keypair_file(cfg, cert, key),
		    0);
	return (cfg);
}

/* A backend: a libtls server with one keypair from files. */
static struct tls *
plain_server(const char *cert, const char *key)
{
	struct tls_config	*cfg;
	struct tls		*ctx;

	assert_non_null(cfg = tls_config_new());
	assert_int_equal(tls_config_set_keypair_file(cfg, cert, key), 0);
	assert_non_null(ctx = tls_server());
	assert_int_equal(tls_configure(ctx, cfg), 0);
	tls_config_free(cfg);
	return (ctx);
}

/* Keypairs default (explicit paths), a.example, b.example on :443. */
static void
load_sni(struct relay_tls_files *tf, struct rd_relay *rl,
    struct rd_protocol *pr)
{
	char	 err[ERRLEN];

	relay_init(rl, "www");
	relay_listen(rl, "127.0.0.1", 443, 1);
	proto_init(pr);
	proto_keypair(pr, "default", gen("default.crt"), gen("default.key"),
	    NULL);
	proto_keypair(pr, "a.example", NULL, NULL, NULL);
	proto_keypair(pr, "b.example", NULL, NULL, NULL);
	rl->rl_proto = pr;
	if (relay_tls_load(rl, pr, sslroot, tf, err, sizeof(err)) == -1)
		fail_msg("%s", err);
}

static void
files_equal(const struct relay_tls_files *a, const struct relay_tls_files *b)
{
	const struct relay_tls_keypair	*ka, *kb;
	int				 i, k;

	assert_int_equal(a->tf_nlisten, b->tf_nlisten);
	for (i = 0; i < a->tf_nlisten; i++) {
		assert_int_equal(a->tf_listen[i].tl_listen,
		    b->tf_listen[i].tl_listen);
		assert_int_equal(a->tf_listen[i].tl_nkp,
		    b->tf_listen[i].tl_nkp);
		for (k = 0; k < a->tf_listen[i].tl_nkp; k++) {
			ka = &a->tf_listen[i].tl_kp[k];
			kb = &b->tf_listen[i].tl_kp[k];
			assert_string_equal(ka->kf_name, kb->kf_name);
			assert_int_equal(ka->kf_certlen, kb->kf_certlen);
			assert_memory_equal(ka->kf_cert, kb->kf_cert,
			    ka->kf_certlen);
			assert_int_equal(ka->kf_keylen, kb->kf_keylen);
			assert_memory_equal(ka->kf_key, kb->kf_key,
			    ka->kf_keylen);
			assert_int_equal(ka->kf_ocsplen, kb->kf_ocsplen);
			if (ka->kf_ocsplen > 0)
				assert_memory_equal(ka->kf_ocsp, kb->kf_ocsp,
				    ka->kf_ocsplen);
		}
	}
	assert_int_equal(a->tf_calen, b->tf_calen);
	if (a->tf_calen > 0)
		assert_memory_equal(a->tf_ca, b->tf_ca, a->tf_calen);
	assert_int_equal(a->tf_client_calen, b->tf_client_calen);
	if (a->tf_client_calen > 0)
		assert_memory_equal(a->tf_client_ca, b->tf_client_ca,
		    a->tf_client_calen);
}

static void
test_keypairs_load_by_explicit_path_then_name_port_or_name(void **state)
{
	struct relay_tls_files	 tf;
	struct rd_relay		 rl;
	struct rd_protocol	 pr;
	struct relay_tls_keypair *kp;
	char			 path[PATH_MAX];

	(void)state;
	if (!have_certs)
		skip();
	load_sni(&tf, &rl, &pr);
	assert_int_equal(tf.tf_nlisten, 1);
	assert_int_equal(tf.tf_listen[0].tl_listen, 0);
	assert_int_equal(tf.tf_listen[0].tl_nkp, 3);
	kp = tf.tf_listen[0].tl_kp;
	assert_string_equal(kp[0].kf_name, "default:443");
	assert_true(file_equal(kp[0].kf_cert, kp[0].kf_certlen,
	    gen("default.crt")));
	assert_true(file_equal(kp[0].kf_key, kp[0].kf_keylen,
	    gen("default.key")));
	assert_string_equal(kp[1].kf_name, "a.example:443");
	(void)snprintf(path, sizeof(path), "%s/a.example:443.crt", sslroot);
	assert_true(file_equal(kp[1].kf_cert, kp[1].kf_certlen, path));
	assert_true(file_equal(kp[1].kf_key, kp[1].kf_keylen,
	    gen("a.example.key")));
	assert_string_equal(kp[2].kf_name, "b.example");
	assert_true(file_equal(kp[2].kf_cert, kp[2].kf_certlen,
	    gen("b.example.crt")));
	assert_true(file_equal(kp[2].kf_key, kp[2].kf_keylen,
	    gen("b.example.key")));
	assert_null(kp[1].kf_ocsp);
	assert_null(tf.tf_ca);
	assert_null(tf.tf_client_ca);
	relay_tls_files_free(&tf);
	proto_free(&pr);
}

static void
test_without_keypairs_the_listen_address_names_the_files(void **state)
{
	struct relay_tls_files	 tf;
	struct rd_relay		 rl;
	char			 err[ERRLEN];

	(void)state;
	if (!have_certs)
		skip();
	relay_init(&rl, "www");
	relay_listen(&rl, "127.0.0.1", 8443, 1);
	relay_listen(&rl, "127.0.0.3", 80, 0);		/* no tls: no files */
	relay_listen(&rl, "127.0.0.2", 443, 1);
	if (relay_tls_load(&rl, NULL, sslroot, &tf, err, sizeof(err)) == -1)
		fail_msg("%s", err);
	assert_int_equal(tf.tf_nlisten, 2);
	assert_int_equal(tf.tf_listen[0].tl_listen, 0);
	assert_int_equal(tf.tf_listen[0].tl_nkp, 1);
	assert_string_equal(tf.tf_listen[0].tl_kp[0].kf_name,
	    "127.0.0.1:8443");
	assert_true(file_equal(tf.tf_listen[0].tl_kp[0].kf_cert,
	    tf.tf_listen[0].tl_kp[0].kf_certlen, gen("a.example.crt")));
	assert_int_equal(tf.tf_listen[1].tl_listen, 2);
	assert_string_equal(tf.tf_listen[1].tl_kp[0].kf_name, "127.0.0.2");
	assert_true(file_equal(tf.tf_listen[1].tl_kp[0].kf_key,
	    tf.tf_listen[1].tl_kp[0].kf_keylen, gen("b.example.key")));
	relay_tls_files_free(&tf);
}

static void
test_missing_certificate_error_names_every_path_tried(void **state)
{
	struct relay_tls_files	 tf;
	struct rd_relay		 rl;
	struct rd_protocol	 pr;
	char			 err[ERRLEN], path[PATH_MAX];

	(void)state;
	if (!have_certs)
		skip();
	relay_init(&rl, "www");
	relay_listen(&rl, "127.0.0.1", 443, 1);
	proto_init(&pr);
	proto_keypair(&pr, "a.example", NULL, NULL, NULL);
	proto_keypair(&pr, "c.example", NULL, NULL, NULL);
	assert_int_equal(relay_tls_load(&rl, &pr, sslroot, &tf, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "relay www: no certificate for "
	    "c.example"));
	(void)snprintf(path, sizeof(path), "%s/c.example:443.crt", sslroot);
	assert_non_null(strstr(err, path));
	(void)snprintf(path, sizeof(path), "%s/c.example.crt, ", sslroot);
	assert_null(strstr(err, path));
	(void)snprintf(path, sizeof(path), "%s/c.example.crt", sslroot);
	assert_non_null(strstr(err, path));
	assert_int_equal(tf.tf_nlisten, 0);
	proto_free(&pr);

	/* no address fallback on another port: ADDR:PORT, ADDR */
	relay_init(&rl, "www");
	relay_listen(&rl, "2001:db8::1", 443, 1);
	assert_int_equal(relay_tls_load(&rl, NULL, sslroot, &tf, err,
	    sizeof(err)), -1);
	(void)snprintf(path, sizeof(path), "tried %s/2001:db8::1:443.crt, "
	    "%s/2001:db8::1.crt", sslroot, sslroot);
	assert_non_null(strstr(err, path));

	/* an explicit path that is missing */
	proto_init(&pr);
	proto_keypair(&pr, "x", gen("nothere.crt"), NULL, NULL);
	relay_init(&rl, "www");
	relay_listen(&rl, "127.0.0.1", 443, 1);
	assert_int_equal(relay_tls_load(&rl, &pr, sslroot, &tf, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, gen("nothere.crt")));
	proto_free(&pr);
}

static void
test_key_must_exist_under_the_cert_name_and_be_private(void **state)
{
	struct relay_tls_files	 tf;
	struct rd_relay		 rl;
	struct rd_protocol	 pr;
	char			 err[ERRLEN], path[PATH_MAX];

	(void)state;
	if (!have_certs)
		skip();
	relay_init(&rl, "www");
	relay_listen(&rl, "127.0.0.1", 443, 1);
	proto_init(&pr);
	proto_keypair(&pr, "nokey.example", NULL, NULL, NULL);
	assert_int_equal(relay_tls_load(&rl, &pr, sslroot, &tf, err,
	    sizeof(err)), -1);
	(void)snprintf(path, sizeof(path), "no key for nokey.example: "
	    "tried %s/private/nokey.example.key", sslroot);
	assert_non_null(strstr(err, path));
	/* the crt was found without the port: the key is not looked up
	 * under another name */
	assert_null(strstr(err, "nokey.example:443.key"));
	proto_free(&pr);

	proto_init(&pr);
	proto_keypair(&pr, "open.example", NULL, NULL, NULL);
	assert_int_equal(relay_tls_load(&rl, &pr, sslroot, &tf, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "open.example.key: key file is "
	    "accessible by others"));
	proto_free(&pr);

	/* a keypair name is a file name, never a path */
	proto_init(&pr);
	proto_keypair(&pr, "../gen/a.example", NULL, NULL, NULL);
	assert_int_equal(relay_tls_load(&rl, &pr, sslroot, &tf, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot name a file"));
	proto_free(&pr);
}

static void
test_ocsp_next_to_the_certificate_and_ca_files_are_read(void **state)
{
	struct relay_tls_files	 tf;
	struct rd_relay		 rl;
	struct rd_relay_fwd	 fwd;
	struct rd_protocol	 pr;
	char			 err[ERRLEN];

	(void)state;
	if (!have_certs)
		skip();
	relay_init(&rl, "www");
	relay_listen(&rl, "127.0.0.1", 443, 1);
	proto_init(&pr);
	proto_keypair(&pr, "o.example", NULL, NULL, NULL);
	(void)strlcpy(pr.p_ca_file, gen("ca.crt"), sizeof(pr.p_ca_file));
	(void)strlcpy(pr.p_client_ca, gen("ca.crt"), sizeof(pr.p_client_ca));
	/* no forward with tls: the ca file is not needed */
	if (relay_tls_load(&rl, &pr, sslroot, &tf, err, sizeof(err)) == -1)
		fail_msg("%s", err);
	assert_int_equal(tf.tf_listen[0].tl_kp[0].kf_ocsplen, 8);
	assert_memory_equal(tf.tf_listen[0].tl_kp[0].kf_ocsp, "ocsp-der", 8);
	assert_null(tf.tf_ca);
	assert_true(file_equal(tf.tf_client_ca, tf.tf_client_calen,
	    gen("ca.crt")));
	relay_tls_files_free(&tf);

	memset(&fwd, 0, sizeof(fwd));
	fwd.f_tls = 1;
	TAILQ_INSERT_TAIL(&rl.rl_fwds, &fwd, f_entry);
	if (relay_tls_load(&rl, &pr, sslroot, &tf, err, sizeof(err)) == -1)
		fail_msg("%s", err);
	assert_true(file_equal(tf.tf_ca, tf.tf_calen, gen("ca.crt")));
	relay_tls_files_free(&tf);

	(void)strlcpy(pr.p_ca_file, gen("nothere.crt"), sizeof(pr.p_ca_file));
	assert_int_equal(relay_tls_load(&rl, &pr, sslroot, &tf, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "no ca file"));
	assert_non_null(strstr(err, gen("nothere.crt")));
	proto_free(&pr);
}

static void
test_pack_and_unpack_give_back_every_byte(void **state)
{
	struct relay_tls_files	 tf, back;
	struct rd_relay		 rl;
	struct rd_relay_fwd	 fwd;
	struct rd_protocol	 pr;
	uint8_t			*buf, *buf2, *big;
	size_t			 len, len2, cut;
	char			 err[ERRLEN];

	(void)state;
	if (!have_certs)
		skip();
	load_sni(&tf, &rl, &pr);
	relay_tls_files_free(&tf);
	relay_listen(&rl, "127.0.0.1", 8443, 0);
	relay_listen(&rl, "127.0.0.2", 443, 1);
	proto_keypair(&pr, "o.example", NULL, NULL, NULL);
	(void)strlcpy(pr.p_ca_file, gen("ca.crt"), sizeof(pr.p_ca_file));
	(void)strlcpy(pr.p_client_ca, gen("client.crt"),
	    sizeof(pr.p_client_ca));
	memset(&fwd, 0, sizeof(fwd));
	fwd.f_tls = 1;
	TAILQ_INSERT_TAIL(&rl.rl_fwds, &fwd, f_entry);
	if (relay_tls_load(&rl, &pr, sslroot, &tf, err, sizeof(err)) == -1)
		fail_msg("%s", err);
	assert_int_equal(tf.tf_nlisten, 2);
	assert_int_equal(tf.tf_listen[1].tl_listen, 2);

	assert_int_equal(relay_tls_files_pack(&tf, &buf, &len), 0);
	assert_int_equal(relay_tls_files_unpack(buf, len, &back), 0);
	files_equal(&tf, &back);
	assert_int_equal(relay_tls_files_pack(&back, &buf2, &len2), 0);
	assert_int_equal(len, len2);
	assert_memory_equal(buf, buf2, len);
	freezero(buf2, len2);
	relay_tls_files_free(&back);

	/* every truncation and a trailing byte are refused */
	for (cut = 0; cut < len; cut++)
		assert_int_equal(relay_tls_files_unpack(buf, cut, &back), -1);
	assert_non_null(big = malloc(len + 1));
	memcpy(big, buf, len);
	big[len] = 0;
	assert_int_equal(relay_tls_files_unpack(big, len + 1, &back), -1);
	/* the first certificate's length over the limit */
	big[4 + 1 + 2 + 1 + strlen("default:443")] = 0xff;
	assert_int_equal(relay_tls_files_unpack(big, len, &back), -1);
	assert_int_equal(back.tf_nlisten, 0);
	free(big);
	freezero(buf, len);
	relay_tls_files_free(&tf);
	proto_free(&pr);
}

static void
test_sni_picks_the_keypair_and_unknown_names_get_the_first(void **state)
{
	struct relay_tls_files	 tf;
	struct rd_relay		 rl;
	struct rd_protocol	 pr;
	struct tls_config	*ccfg;
	struct tls		*srv;
	struct hs		 hs;
	char			 err[ERRLEN];
	static const struct {
		const char	*sni;
		const char	*cn;
	} cases[] = {
		{ "a.example", "CN=a.example" },
		{ "b.example", "CN=b.example" },
		{ "unknown.example", "CN=default" },
		{ NULL, "CN=default" },
	};
	size_t			 i;

	(void)state;
	if (!have_certs)
		skip();
	load_sni(&tf, &rl, &pr);
	if ((srv = relay_tls_server(&tf, &pr, 0, err, sizeof(err))) == NULL)
		fail_msg("%s", err);
	relay_tls_files_free(&tf);
	ccfg = test_client(NULL, NULL);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		handshake(srv, ccfg, cases[i].sni, &hs);
		assert_int_equal(hs.s_rv, 0);
		assert_int_equal(hs.c_rv, 0);
		if (strstr(hs.c_subject, cases[i].cn) == NULL)
			fail_msg("sni %s: got '%s', want %s", cases[i].sni,
			    hs.c_subject, cases[i].cn);
		assert_string_equal(hs.s_version, "TLSv1.3");
		assert_string_equal(hs.s_subject, "");
	}
	tls_config_free(ccfg);
	tls_free(srv);
	proto_free(&pr);
}

static void
test_client_ca_refuses_clients_without_a_good_certificate(void **state)
{
	struct relay_tls_files	 tf;
	struct rd_relay		 rl;
	struct rd_protocol	 pr;
	struct tls_config	*ccfg;
	struct tls		*srv;
	struct hs		 hs;
	char			 err[ERRLEN];
	int			 v;

	(void)state;
	if (!have_certs)
		skip();
	load_sni(&tf, &rl, &pr);
	relay_tls_files_free(&tf);
	(void)strlcpy(pr.p_client_ca, gen("ca.crt"), sizeof(pr.p_client_ca));
	if (relay_tls_load(&rl, &pr, sslroot, &tf, err, sizeof(err)) == -1)
		fail_msg("%s", err);
	for (v = 0; v < 2; v++) {
		/* TLS 1.3, then 1.2: the client learns at different times */
		pr.p_tlsv = v == 0 ? TLSV_DEFAULT : TLSV_1_2;
		if ((srv = relay_tls_server(&tf, &pr, 0, err, sizeof(err))) ==
		    NULL)
			fail_msg("%s", err);

		ccfg = test_client(NULL, NULL);
		handshake(srv, ccfg, "a.example", &hs);
		assert_int_equal(hs.s_rv, -1);
		tls_config_free(ccfg);

		ccfg = test_client(gen("rogue.crt"), gen("rogue.key"));
		handshake(srv, ccfg, "a.example", &hs);
		assert_int_equal(hs.s_rv, -1);
		tls_config_free(ccfg);

		ccfg = test_client(gen("client.crt"), gen("client.key"));
		handshake(srv, ccfg, "a.example", &hs);
		assert_int_equal(hs.s_rv, 0);
		assert_int_equal(hs.c_rv, 0);
		assert_non_null(strstr(hs.s_subject, "CN=client"));
		tls_config_free(ccfg);
		tls_free(srv);
	}
	relay_tls_files_free(&tf);
	proto_free(&pr);
}

static void
test_protocol_versions_follow_no_tlsv13_and_no_tlsv12(void **state)
{
	struct relay_tls_files	 tf;
	struct rd_relay		 rl;
	struct rd_protocol	 pr;
	struct tls_config	*ccfg;
	struct tls		*srv;
	struct hs		 hs;
	char			 err[ERRLEN];

	(void)state;
	if (!have_certs)
		skip();
	load_sni(&tf, &rl, &pr);
	ccfg = test_client(NULL, NULL);

	pr.p_tlsv = TLSV_1_2;			/* no tlsv1.3 */
	(void)strlcpy(pr.p_ciphers, "HIGH:!aNULL", sizeof(pr.p_ciphers));
	pr.p_edh = 1;
	pr.p_cipher_pref = 0;
	if ((srv = relay_tls_server(&tf, &pr, 0, err, sizeof(err))) == NULL)
		fail_msg("%s", err);
	handshake(srv, ccfg, "b.example", &hs);
	assert_int_equal(hs.s_rv, 0);
	assert_string_equal(hs.s_version, "TLSv1.2");
	tls_free(srv);

	pr.p_tlsv = TLSV_1_3;			/* no tlsv1.2 */
	if ((srv = relay_tls_server(&tf, &pr, 0, err, sizeof(err))) == NULL)
		fail_msg("%s", err);
	handshake(srv, ccfg, "b.example", &hs);
	assert_int_equal(hs.s_rv, 0);
	assert_string_equal(hs.s_version, "TLSv1.3");
	tls_free(srv);

	pr.p_tlsv = 0;
	assert_null(relay_tls_server(&tf, &pr, 0, err, sizeof(err)));
	assert_non_null(strstr(err, "no TLS version"));

	pr.p_tlsv = TLSV_DEFAULT;
	(void)strlcpy(pr.p_ciphers, "no-such-cipher", sizeof(pr.p_ciphers));
	assert_null(relay_tls_server(&tf, &pr, 0, err, sizeof(err)));
	assert_non_null(strstr(err, "no-such-cipher"));

	/* session tickets configure; a listener without files does not */
	pr.p_ciphers[0] = '\0';
	pr.p_tickets = 1;
	if ((srv = relay_tls_server(&tf, &pr, 0, err, sizeof(err))) == NULL)
		fail_msg("%s", err);
	handshake(srv, ccfg, "a.example", &hs);
	assert_int_equal(hs.s_rv, 0);
	tls_free(srv);
	assert_null(relay_tls_server(&tf, &pr, 1, err, sizeof(err)));
	assert_non_null(strstr(err, "no keypair"));

	tls_config_free(ccfg);
	relay_tls_files_free(&tf);
	proto_free(&pr);
}

static void
test_backend_ca_file_accepts_the_ca_refuses_self_signed(void **state)
{
	struct relay_tls_files	 tf;
	struct rd_relay		 rl;
	struct rd_relay_fwd	 fwd;
	struct rd_protocol	 pr;
	struct tls_config	*ccfg;
	struct tls		*good, *rogue;
	struct hs		 hs;
	char			 err[ERRLEN];

	(void)state;
	if (!have_certs)
		skip();
	good = plain_server(gen("a.example.crt"), gen("a.example.key"));
	rogue = plain_server(gen("rogue.crt"), gen("rogue.key"));
	relay_init(&rl, "www");
	relay_listen(&rl, "127.0.0.1", 80, 0);
	memset(&fwd, 0, sizeof(fwd));
	fwd.f_tls = 1;
	TAILQ_INSERT_TAIL(&rl.rl_fwds, &fwd, f_entry);
	proto_init(&pr);
	(void)strlcpy(pr.p_ca_file, gen("ca.crt"), sizeof(pr.p_ca_file));
	if (relay_tls_load(&rl, &pr, sslroot, &tf, err, sizeof(err)) == -1)
		fail_msg("%s", err);
	assert_int_equal(tf.tf_nlisten, 0);
	assert_null(relay_tls_server_config(&tf, &pr, err, sizeof(err)));
	if ((ccfg = relay_tls_client_config(&tf, &pr, err, sizeof(err))) ==
	    NULL)
		fail_msg("%s", err);
	/* names are never checked: another name, or none, is fine */
	handshake(good, ccfg, "other.example", &hs);
	assert_int_equal(hs.c_rv, 0);
	assert_non_null(strstr(hs.c_subject, "CN=a.example"));
	handshake(good, ccfg, NULL, &hs);
	assert_int_equal(hs.c_rv, 0);
	handshake(rogue, ccfg, "a.example", &hs);
	assert_int_equal(hs.c_rv, -1);
	tls_config_free(ccfg);
	relay_tls_files_free(&tf);

	/* without a ca file nothing is verified */
	pr.p_ca_file[0] = '\0';
	if (relay_tls_load(&rl, &pr, sslroot, &tf, err, sizeof(err)) == -1)
		fail_msg("%s", err);
	if ((ccfg = relay_tls_client_config(&tf, &pr, err, sizeof(err))) ==
	    NULL)
		fail_msg("%s", err);
	handshake(rogue, ccfg, "a.example", &hs);
	assert_int_equal(hs.c_rv, 0);
	assert_int_equal(hs.s_rv, 0);
	tls_config_free(ccfg);
	relay_tls_files_free(&tf);

	tls_free(good);
	tls_free(rogue);
	proto_free(&pr);
}

static void
test_clearing_keys_zeroes_every_key_byte(void **state)
{
	struct relay_tls_files	 tf;
	struct rd_relay		 rl;
	struct rd_protocol	 pr;
	struct relay_tls_keypair *kf;
	size_t			 j, certlen;
	int			 k;

	(void)state;
	if (!have_certs)
		skip();
	load_sni(&tf, &rl, &pr);
	for (k = 0; k < tf.tf_listen[0].tl_nkp; k++) {
		kf = &tf.tf_listen[0].tl_kp[k];
		assert_true(kf->kf_keylen > 0);
		assert_non_null(memmem(kf->kf_key, kf->kf_keylen,
		    "PRIVATE KEY", 11));
	}
	certlen = tf.tf_listen[0].tl_kp[0].kf_certlen;
	relay_tls_files_clear_keys(&tf);
	for (k = 0; k < tf.tf_listen[0].tl_nkp; k++) {
		kf = &tf.tf_listen[0].tl_kp[k];
		for (j = 0; j < kf->kf_keylen; j++)
			assert_int_equal(kf->kf_key[j], 0);
	}
	/* certificates are public and stay */
	assert_int_equal(tf.tf_listen[0].tl_kp[0].kf_certlen, certlen);
	assert_true(file_equal(tf.tf_listen[0].tl_kp[0].kf_cert, certlen,
	    gen("default.crt")));
	relay_tls_files_free(&tf);
	assert_int_equal(tf.tf_nlisten, 0);
	assert_null(tf.tf_ca);
	proto_free(&pr);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    test_keypairs_load_by_explicit_path_then_name_port_or_name),
		cmocka_unit_test(
		    test_without_keypairs_the_listen_address_names_the_files),
		cmocka_unit_test(
		    test_missing_certificate_error_names_every_path_tried),
		cmocka_unit_test(
		    test_key_must_exist_under_the_cert_name_and_be_private),
		cmocka_unit_test(
		    test_ocsp_next_to_the_certificate_and_ca_files_are_read),
		cmocka_unit_test(test_pack_and_unpack_give_back_every_byte),
		cmocka_unit_test(
		    test_sni_picks_the_keypair_and_unknown_names_get_the_first),
		cmocka_unit_test(
		    test_client_ca_refuses_clients_without_a_good_certificate),
		cmocka_unit_test(
		    test_protocol_versions_follow_no_tlsv13_and_no_tlsv12),
		cmocka_unit_test(
		    test_backend_ca_file_accepts_the_ca_refuses_self_signed),
		cmocka_unit_test(test_clearing_keys_zeroes_every_key_byte),
	};

	return (cmocka_run_group_tests(tests, gen_certs, rm_certs));
}
