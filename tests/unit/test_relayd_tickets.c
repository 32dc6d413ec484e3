/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * Session tickets in relay processes (TLS-12): real TLS 1.2 handshakes
 * over socketpairs between relay_tls_server() contexts and a libtls
 * client that keeps its session in a file.  Two contexts built from
 * the same files stand for two relay processes; the key ring is the
 * relay process's, set through relay_tls_ticket_key() as the parent's
 * messages would.  relay_tls.c is included for its statics (the ring,
 * the session id context).  Certificates are made with the openssl
 * CLI; without it the handshake tests skip.
 */

#include <sys/queue.h>
#include <sys/socket.h>

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

#include "../../relayd/relay_tls.c"

#define ERRLEN		4096

static char	 dir[] = "/tmp/test_relayd_tickets.XXXXXX";
static int	 have_certs;

/* What one handshake showed. */
struct hs {
	int		 ok;		/* both ends done */
	int		 resumed;	/* as the client saw it */
};

static int	 gen_certs(void **);
static int	 rm_certs(void **);
static const char *path(const char *);
static void	 key_of(uint8_t, uint8_t *);
static void	 ring_reset(void);
static void	 load(struct relay_tls_files *, struct rd_protocol *,
		    const char *, const char *);
static struct tls *server(struct relay_tls_files *, struct rd_protocol *);
static struct tls_config *client(int);
static void	 handshake(struct tls *, struct tls_config *, struct hs *);

static int
gen_certs(void **state)
{
	char	 cmd[4096];

	(void)state;
	if (system("command -v openssl >/dev/null 2>&1") != 0)
		return (0);
	if (mkdtemp(dir) == NULL)
		return (-1);
	(void)snprintf(cmd, sizeof(cmd),
	    "(set -e; cd '%s'; umask 077; "
	    "EC='-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes'; "
	    "for n in a b; do "
	    "  openssl req -x509 $EC -keyout $n.key -out $n.crt -days 2 "
	    "    -subj /CN=$n.example; "
	    "done) >/dev/null 2>&1", dir);
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

static const char *
path(const char *name)
{
	static char	 p[4][PATH_MAX];
	static int	 n;

	n = (n + 1) % 4;
	(void)snprintf(p[n], sizeof(p[n]), "%s/%s", dir, name);
	return (p[n]);
}

/* A 48-byte key that differs by its first byte. */
static void
key_of(uint8_t v, uint8_t *key)
{
	memset(key, 0x5a, TLS_TICKET_KEY_SIZE);
	key[0] = v;
}

/* A relay process that has heard nothing from its parent. */
static void
ring_reset(void)
{
	explicit_bzero(ticket_keys, sizeof(ticket_keys));
	ticket_nkeys = 0;
}

/* One TLS listener serving keypair cert/key, tickets on. */
static void
load(struct relay_tls_files *tf, struct rd_protocol *pr, const char *cert,
    const char *key)
{
	static struct rd_keypair kp;
	struct rd_relay		 rl;
	char			 err[ERRLEN];

	memset(pr, 0, sizeof(*pr));
	(void)strlcpy(pr->p_name, "https", sizeof(pr->p_name));
	pr->p_type = PROTO_HTTP;
	pr->p_cipher_pref = 1;
	pr->p_tlsv = TLSV_DEFAULT;
	pr->p_tickets = 1;
	TAILQ_INIT(&pr->p_keypairs);
	TAILQ_INIT(&pr->p_rules);
	memset(&kp, 0, sizeof(kp));
	(void)strlcpy(kp.kp_name, "a.example", sizeof(kp.kp_name));
	(void)strlcpy(kp.kp_cert, cert, sizeof(kp.kp_cert));
	(void)strlcpy(kp.kp_key, key, sizeof(kp.kp_key));
	TAILQ_INSERT_TAIL(&pr->p_keypairs, &kp, kp_entry);

	memset(&rl, 0, sizeof(rl));
	(void)strlcpy(rl.rl_name, "www", sizeof(rl.rl_name));
	TAILQ_INIT(&rl.rl_fwds);
	rl.rl_listen[0].rl_ss.ss_family = AF_INET;
	rl.rl_listen[0].rl_port = 443;
	rl.rl_listen[0].rl_tls = 1;
	rl.rl_nlisten = 1;
	rl.rl_proto = pr;
	if (relay_tls_load(&rl, pr, dir, tf, err, sizeof(err)) == -1)
		fail_msg("%s", err);
}

static struct tls *
server(struct relay_tls_files *tf, struct rd_protocol *pr)
{
	struct tls	*srv;
	char		 err[ERRLEN];

	if ((srv = relay_tls_server(tf, pr, 0, err, sizeof(err))) == NULL)
		fail_msg("%s", err);
	return (srv);
}

/* A TLS 1.2 client (its ticket comes within the handshake) keeping its
 * session in the file sfd. */
static struct tls_config *
client(int sfd)
{
	struct tls_config	*cfg;

	assert_non_null(cfg = tls_config_new());
	tls_config_insecure_noverifycert(cfg);
	tls_config_insecure_noverifyname(cfg);
	assert_int_equal(tls_config_set_protocols(cfg, TLS_PROTOCOL_TLSv1_2),
	    0);
	assert_int_equal(tls_config_set_session_fd(cfg, sfd), 0);
	return (cfg);
}

/* One handshake over a non-blocking socketpair, both ends in turn. */
static void
handshake(struct tls *srv, struct tls_config *ccfg, struct hs *hs)
{
	struct tls	*sc = NULL, *cli;
	int		 sv[2], i, r, s_rv = 1, c_rv = 1;

	memset(hs, 0, sizeof(*hs));
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	for (i = 0; i < 2; i++)
		assert_int_equal(fcntl(sv[i], F_SETFL, O_NONBLOCK), 0);
	assert_int_equal(tls_accept_socket(srv, &sc, sv[0]), 0);
	assert_non_null(cli = tls_client());
	assert_int_equal(tls_configure(cli, ccfg), 0);
	assert_int_equal(tls_connect_socket(cli, sv[1], "a.example"), 0);
	for (i = 0; i < 100 && (s_rv == 1 || c_rv == 1); i++) {
		if (s_rv == 1 && (r = tls_handshake(sc)) != TLS_WANT_POLLIN &&
		    r != TLS_WANT_POLLOUT)
			s_rv = r == 0 ? 0 : -1;
		if (c_rv == 1 && (r = tls_handshake(cli)) != TLS_WANT_POLLIN &&
		    r != TLS_WANT_POLLOUT)
			c_rv = r == 0 ? 0 : -1;
		if (s_rv == -1 || c_rv == -1)
			break;
	}
	hs->ok = s_rv == 0 && c_rv == 0;
	if (hs->ok) {
		hs->resumed = tls_conn_session_resumed(cli);
		assert_int_equal(tls_conn_session_resumed(sc), hs->resumed);
	}
	tls_free(sc);
	tls_free(cli);
	(void)close(sv[0]);
	(void)close(sv[1]);
}

/* A session file, empty: the next handshake is a full one. */
static int
session_file(void)
{
	char	 p[] = "/tmp/test_relayd_tickets.sess.XXXXXX";
	int	 fd;

	assert_int_not_equal(fd = mkstemp(p), -1);
	(void)unlink(p);
	return (fd);
}

static void
test_a_ticket_resumes_on_every_context_that_has_the_key(void **state)
{
	struct relay_tls_files	 tf;
	struct rd_protocol	 pr;
	struct tls_config	*ccfg;
	struct tls		*p1, *p2;
	struct hs		 hs;
	uint8_t			 key[TLS_TICKET_KEY_SIZE];
	char			 err[ERRLEN];
	int			 sfd;

	(void)state;
	if (!have_certs)
		skip();
	ring_reset();
	load(&tf, &pr, path("a.crt"), path("a.key"));
	key_of(1, key);
	assert_int_equal(relay_tls_ticket_key(7, key, sizeof(key), err,
	    sizeof(err)), 0);
	/* two relay processes: contexts of their own, the same files */
	p1 = server(&tf, &pr);
	p2 = server(&tf, &pr);
	ccfg = client(sfd = session_file());
	handshake(p1, ccfg, &hs);
	assert_true(hs.ok);
	assert_false(hs.resumed);
	handshake(p2, ccfg, &hs);
	assert_true(hs.ok);
	assert_true(hs.resumed);
	handshake(p1, ccfg, &hs);
	assert_true(hs.ok && hs.resumed);
	tls_config_free(ccfg);
	(void)close(sfd);
	tls_free(p1);
	tls_free(p2);
	relay_tls_files_free(&tf);
}

static void
test_rotated_keys_still_open_old_tickets_until_they_expire(void **state)
{
	struct relay_tls_files	 tf;
	struct rd_protocol	 pr;
	struct tls_config	*ccfg;
	struct tls		*srv;
	struct hs		 hs;
	uint8_t			 key[TLS_TICKET_KEY_SIZE];
	char			 err[ERRLEN];
	int			 sfd, sfd2, v;

	(void)state;
	if (!have_certs)
		skip();
	ring_reset();
	load(&tf, &pr, path("a.crt"), path("a.key"));
	key_of(1, key);
	assert_int_equal(relay_tls_ticket_key(1, key, sizeof(key), err,
	    sizeof(err)), 0);
	srv = server(&tf, &pr);
	ccfg = client(sfd = session_file());
	handshake(srv, ccfg, &hs);
	assert_true(hs.ok && !hs.resumed);
	/* the parent rotates: the context made earlier sees it at once */
	for (v = 2; v <= RELAY_TLS_TICKET_KEYS; v++) {
		key_of((uint8_t)v, key);
		assert_int_equal(relay_tls_ticket_key((uint32_t)v, key,
		    sizeof(key), err, sizeof(err)), 0);
	}
	/* a second client's ticket is under the newest key */
	tls_config_free(ccfg);
	ccfg = client(sfd2 = session_file());
	handshake(srv, ccfg, &hs);
	assert_true(hs.ok && !hs.resumed);
	assert_memory_equal(ticket_keys[ticket_nkeys - 1].tk_key, key,
	    sizeof(key));
	tls_config_free(ccfg);
	/* key 1 is the oldest kept: its ticket resumes */
	ccfg = client(sfd);
	handshake(srv, ccfg, &hs);
	assert_true(hs.ok && hs.resumed);
	tls_config_free(ccfg);
	/* and stops resuming once its key is older than the lifetime
	 * (the session file holds the renewed ticket, so start over) */
	(void)close(sfd);
	ccfg = client(sfd = session_file());
	ring_reset();
	key_of(1, key);
	assert_int_equal(relay_tls_ticket_key(1, key, sizeof(key), err,
	    sizeof(err)), 0);
	handshake(srv, ccfg, &hs);
	assert_true(hs.ok && !hs.resumed);
	ticket_keys[0].tk_time -= RELAY_TLS_TICKET_LIFETIME;
	handshake(srv, ccfg, &hs);
	assert_true(hs.ok && !hs.resumed);
	tls_config_free(ccfg);
	(void)close(sfd);
	(void)close(sfd2);
	tls_free(srv);
	relay_tls_files_free(&tf);
}

static void
test_a_process_without_the_key_makes_a_full_handshake(void **state)
{
	struct relay_tls_files	 tf;
	struct rd_protocol	 pr;
	struct tls_config	*ccfg;
	struct tls		*srv;
	struct hs		 hs;
	uint8_t			 key[TLS_TICKET_KEY_SIZE];
	char			 err[ERRLEN];
	int			 sfd;

	(void)state;
	if (!have_certs)
		skip();
	/* before the parent's first key: a key of the process's own */
	ring_reset();
	load(&tf, &pr, path("a.crt"), path("a.key"));
	srv = server(&tf, &pr);
	ccfg = client(sfd = session_file());
	handshake(srv, ccfg, &hs);
	assert_true(hs.ok && !hs.resumed);
	assert_int_equal(ticket_nkeys, 1);
	assert_int_equal(ticket_keys[0].tk_name[4], 1);
	handshake(srv, ccfg, &hs);
	assert_true(hs.ok && hs.resumed);
	/* another process, which never had that key */
	ring_reset();
	key_of(9, key);
	assert_int_equal(relay_tls_ticket_key(9, key, sizeof(key), err,
	    sizeof(err)), 0);
	handshake(srv, ccfg, &hs);
	assert_true(hs.ok && !hs.resumed);
	tls_config_free(ccfg);
	(void)close(sfd);
	tls_free(srv);
	relay_tls_files_free(&tf);
}

static void
test_the_session_id_context_follows_certificates_and_client_ca(
    void **state)
{
	struct relay_tls_files	 a1, a2, b;
	struct rd_protocol	 pr;
	uint8_t			 s1[HMAC_SHA1_LEN], s2[HMAC_SHA1_LEN];
	uint8_t			 s3[HMAC_SHA1_LEN], s4[HMAC_SHA1_LEN];
	uint8_t			 ca[] = "-----BEGIN CERTIFICATE-----";

	(void)state;
	if (!have_certs)
		skip();
	load(&a1, &pr, path("a.crt"), path("a.key"));
	load(&a2, &pr, path("a.crt"), path("a.key"));
	load(&b, &pr, path("b.crt"), path("b.key"));
	assert_int_equal(session_id(&a1, &a1.tf_listen[0], s1), 0);
	assert_int_equal(session_id(&a2, &a2.tf_listen[0], s2), 0);
	assert_int_equal(session_id(&b, &b.tf_listen[0], s3), 0);
	assert_memory_equal(s1, s2, sizeof(s1));
	assert_memory_not_equal(s1, s3, sizeof(s1));
	/* "client ca" set: tickets from before it do not resume */
	a2.tf_client_ca = ca;
	a2.tf_client_calen = sizeof(ca);
	assert_int_equal(session_id(&a2, &a2.tf_listen[0], s4), 0);
	assert_memory_not_equal(s1, s4, sizeof(s1));
	a2.tf_client_ca = NULL;
	a2.tf_client_calen = 0;
	relay_tls_files_free(&a1);
	relay_tls_files_free(&a2);
	relay_tls_files_free(&b);
}

static void
test_the_parent_key_ring_keeps_the_last_four_and_refuses_reuse(
    void **state)
{
	uint8_t		 key[TLS_TICKET_KEY_SIZE], other[TLS_TICKET_KEY_SIZE];
	char		 err[ERRLEN];
	int		 v;

	(void)state;
	ring_reset();
	key_of(1, key);
	key_of(2, other);
	assert_int_equal(relay_tls_ticket_key(100, key, sizeof(key), err,
	    sizeof(err)), 0);
	/* sent again after a configuration: nothing changes */
	assert_int_equal(relay_tls_ticket_key(100, key, sizeof(key), err,
	    sizeof(err)), 0);
	assert_int_equal(ticket_nkeys, 1);
	/* the same revision with other bytes: the processes disagree */
	assert_int_equal(relay_tls_ticket_key(100, other, sizeof(other), err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "ticket key 100"));
	assert_int_equal(relay_tls_ticket_key(101, key, sizeof(key) - 1, err,
	    sizeof(err)), -1);
	assert_int_equal(ticket_nkeys, 1);
	for (v = 101; v <= 104; v++) {
		key_of((uint8_t)v, key);
		assert_int_equal(relay_tls_ticket_key((uint32_t)v, key,
		    sizeof(key), err, sizeof(err)), 0);
	}
	assert_int_equal(ticket_nkeys, RELAY_TLS_TICKET_KEYS);
	/* 100 went; 101..104 stay, oldest first */
	for (v = 0; v < RELAY_TLS_TICKET_KEYS; v++)
		assert_int_equal(ticket_keys[v].tk_key[0], 101 + v);
	/* an old revision no longer kept counts as new (harmless) */
	key_of(1, key);
	assert_int_equal(relay_tls_ticket_key(100, key, sizeof(key), err,
	    sizeof(err)), 0);
	ring_reset();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    test_a_ticket_resumes_on_every_context_that_has_the_key),
		cmocka_unit_test(
		    test_rotated_keys_still_open_old_tickets_until_they_expire),
		cmocka_unit_test(
		    test_a_process_without_the_key_makes_a_full_handshake),
		cmocka_unit_test(
		    test_the_session_id_context_follows_certificates_and_client_ca),
		cmocka_unit_test(
		    test_the_parent_key_ring_keeps_the_last_four_and_refuses_reuse),
	};

	return (cmocka_run_group_tests(tests, gen_certs, rm_certs));
}
