/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * backend_xfrm against the running kernel, each test in a child that
 * unshares its network namespace (skipped when not root): policies
 * applied show in dumps, events from other sockets arrive and ours do
 * not, errors come back as the kernel's errno, NEWSA works or fails
 * with exactly EPROTONOSUPPORT, a larval SA from ALLOCSPI is never
 * synced.  The lockdown parser runs on sample files, without root.
 */

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "backend.h"
#include "sasync_xfrm.h"

/* In the forked child cmocka cannot report: print and exit 1. */
#define CHK(x)	do {							\
	if (!(x)) {							\
		fprintf(stderr, "%s:%d: %s failed (errno %d)\n",	\
		    __FILE__, __LINE__, #x, errno);			\
		_exit(1);						\
	}								\
} while (0)

#define MAXSEEN		32

union mbuf {
	struct nlmsghdr	 h;
	uint8_t		 b[XM_MAXMSG];
};

/* Messages a dump or an event read gave us, copied. */
struct seen {
	int		 n;
	union mbuf	 m[MAXSEEN];
};

static int	 keep_cb(const struct nlmsghdr *, void *);
static void	 run_child(void (*)(void));
static void	 pol_spec(struct xm_pol_spec *, const char *, const char *);
static int	 apply_built(struct backend *, const void *, size_t);
static int	 policy_count(const struct seen *, const struct xm_pol_spec *,
		    uint16_t);
static void	 wait_events(struct backend *, struct seen *, int);
static void	 child_policies_show_in_dump(void);
static void	 child_events_from_others_only(void);
static void	 child_missing_delete_is_enoent(void);
static void	 child_newsa_works_or_is_unsupported(void);
static void	 child_allocspi_is_never_synced(void);
static void	 child_synced_delpolicy_is_accepted(void);

static int
keep_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct seen	*s = arg;

	if (s->n < MAXSEEN && nlh->nlmsg_len <= sizeof(s->m[0]))
		memcpy(&s->m[s->n++], nlh, nlh->nlmsg_len);
	return (0);
}

static void
run_child(void (*fn)(void))
{
	pid_t	 pid;
	int	 st;

	if (geteuid() != 0) {
		skip();
		return;
	}
	(void)fflush(NULL);
	assert_int_not_equal(pid = fork(), -1);
	if (pid == 0) {
		CHK(unshare(CLONE_NEWNET) == 0);
		fn();
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

static void
pol_spec(struct xm_pol_spec *p, const char *src, const char *dst)
{
	memset(p, 0, sizeof(*p));
	p->af = AF_INET;
	(void)strlcpy(p->src, src, sizeof(p->src));
	(void)strlcpy(p->dst, dst, sizeof(p->dst));
	p->dir = XFRM_POLICY_OUT;
	(void)strlcpy(p->tsrc, "192.0.2.1", sizeof(p->tsrc));
	(void)strlcpy(p->tdst, "192.0.2.2", sizeof(p->tdst));
	p->priority = 10;
}

/* A built peer message through xm_prepare() and apply(). */
static int
apply_built(struct backend *be, const void *msg, size_t len)
{
	union mbuf	 out;
	ssize_t		 n;

	CHK((n = xm_prepare(msg, len, 1000, 1, &out, sizeof(out))) > 0);
	return (be->ops->apply(be, &out.h));
}

/* How many messages of type name the policy of p. */
static int
policy_count(const struct seen *s, const struct xm_pol_spec *p,
    uint16_t type)
{
	union mbuf		 m;
	struct xm_polkey	 want, k;
	int			 i, c = 0;

	CHK(xm_build_delpolicy(p, &m, sizeof(m)) > 0);
	CHK(xm_polkey(&m, m.h.nlmsg_len, &want) == 0);
	for (i = 0; i < s->n; i++) {
		if (s->m[i].h.nlmsg_type != type)
			continue;
		if (xm_polkey(&s->m[i], s->m[i].h.nlmsg_len, &k) == 0 &&
		    xm_polkey_eq(&want, &k))
			c++;
	}
	return (c);
}

/* Reads events until want arrived or half a second passed quietly. */
static void
wait_events(struct backend *be, struct seen *s, int want)
{
	struct pollfd	 pfd;

	pfd.fd = be->ops->event_fd(be);
	pfd.events = POLLIN;
	while (s->n < want && poll(&pfd, 1, 500) == 1)
		CHK(be->ops->events(be, keep_cb, s) == 0);
	CHK(be->ops->events(be, keep_cb, s) == 0);
}

static void
child_policies_show_in_dump(void)
{
	struct backend		*be;
	struct xm_pol_spec	 p;
	union mbuf		 m;
	struct seen		*s;

	CHK((s = calloc(1, sizeof(*s))) != NULL);
	CHK((be = backend_xfrm_open()) != NULL);
	pol_spec(&p, "10.0.0.0/24", "10.0.1.0/24");
	CHK(xm_build_policy(XFRM_MSG_UPDPOLICY, &p, &m, sizeof(m)) > 0);
	CHK(apply_built(be, &m, m.h.nlmsg_len) == 0);
	/* UPDPOLICY again replaces, no error */
	CHK(apply_built(be, &m, m.h.nlmsg_len) == 0);
	CHK(be->ops->dump(be, keep_cb, s) == 0);
	CHK(s->n == 1);
	CHK(policy_count(s, &p, XFRM_MSG_NEWPOLICY) == 1);
	CHK(xm_validate(&s->m[0], s->m[0].h.nlmsg_len, NULL) == XM_BADTYPE);

	CHK(xm_build_delpolicy(&p, &m, sizeof(m)) > 0);
	CHK(apply_built(be, &m, m.h.nlmsg_len) == 0);
	s->n = 0;
	CHK(be->ops->dump(be, keep_cb, s) == 0);
	CHK(s->n == 0);
	be->ops->close(be);
	free(s);
}

static void
child_events_from_others_only(void)
{
	struct backend		*be, *other;
	struct xm_pol_spec	 mine, theirs;
	union mbuf		 m, out;
	struct seen		*s;
	ssize_t			 n;

	CHK((s = calloc(1, sizeof(*s))) != NULL);
	CHK((be = backend_xfrm_open()) != NULL);
	CHK((other = backend_xfrm_open()) != NULL);
	CHK(be->ops->event_fd(be) >= 0);
	pol_spec(&mine, "10.0.0.0/24", "10.0.1.0/24");
	pol_spec(&theirs, "10.0.2.0/24", "10.0.3.0/24");

	CHK(xm_build_policy(XFRM_MSG_UPDPOLICY, &mine, &m, sizeof(m)) > 0);
	CHK(apply_built(be, &m, m.h.nlmsg_len) == 0);
	CHK(xm_build_policy(XFRM_MSG_UPDPOLICY, &theirs, &m, sizeof(m)) > 0);
	CHK(apply_built(other, &m, m.h.nlmsg_len) == 0);
	wait_events(be, s, 1);
	CHK(s->n == 1);
	/* UPDPOLICY in, UPDPOLICY out: the event has the request's type */
	CHK(policy_count(s, &theirs, XFRM_MSG_UPDPOLICY) == 1);
	CHK(policy_count(s, &mine, XFRM_MSG_UPDPOLICY) == 0);
	/* and it is synced as an UPDPOLICY a peer accepts */
	CHK((n = xm_from_event(&s->m[0].h, &out, sizeof(out))) > 0);
	CHK(out.h.nlmsg_type == XFRM_MSG_UPDPOLICY);
	CHK(xm_validate(&out, (size_t)n, NULL) == XM_OK);

	/* `ip xfrm`, another process, is seen too */
	s->n = 0;
	if (system("ip xfrm policy add src 10.0.4.0/24 dst 10.0.5.0/24 "
	    "dir in 2>/dev/null") == 0) {
		wait_events(be, s, 1);
		CHK(s->n == 1);
		CHK(s->m[0].h.nlmsg_type == XFRM_MSG_NEWPOLICY);
	}
	other->ops->close(other);
	be->ops->close(be);
	free(s);
}

static void
child_missing_delete_is_enoent(void)
{
	struct backend		*be;
	struct xm_pol_spec	 p;
	struct xm_sa_spec	 sa;
	union mbuf		 m;

	CHK((be = backend_xfrm_open()) != NULL);
	pol_spec(&p, "10.9.0.0/24", "10.9.1.0/24");
	CHK(xm_build_delpolicy(&p, &m, sizeof(m)) > 0);
	errno = 0;
	CHK(apply_built(be, &m, m.h.nlmsg_len) == -1);
	CHK(errno == ENOENT);
	/* a missing SA: ESRCH */
	memset(&sa, 0, sizeof(sa));
	sa.af = AF_INET;
	(void)strlcpy(sa.src, "192.0.2.1", sizeof(sa.src));
	(void)strlcpy(sa.dst, "192.0.2.2", sizeof(sa.dst));
	sa.spi = 0x999;
	sa.proto = IPPROTO_ESP;
	CHK(xm_build_delsa(&sa, &m, sizeof(m)) > 0);
	errno = 0;
	CHK(apply_built(be, &m, m.h.nlmsg_len) == -1);
	CHK(errno == ESRCH || errno == ENOENT);
	/* the socket stays in step: a good request still works */
	pol_spec(&p, "10.9.0.0/24", "10.9.1.0/24");
	CHK(xm_build_policy(XFRM_MSG_UPDPOLICY, &p, &m, sizeof(m)) > 0);
	CHK(apply_built(be, &m, m.h.nlmsg_len) == 0);
	be->ops->close(be);
}

static void
child_newsa_works_or_is_unsupported(void)
{
	struct backend		*be;
	struct xm_sa_spec	 sa;
	union mbuf		 m;
	struct seen		*s;
	uint64_t		 o, q;
	int			 i, found = 0;

	CHK((s = calloc(1, sizeof(*s))) != NULL);
	CHK((be = backend_xfrm_open()) != NULL);
	memset(&sa, 0, sizeof(sa));
	sa.af = AF_INET;
	(void)strlcpy(sa.src, "192.0.2.1", sizeof(sa.src));
	(void)strlcpy(sa.dst, "192.0.2.2", sizeof(sa.dst));
	sa.spi = 0x100;
	sa.proto = IPPROTO_ESP;
	sa.oseq = 5;
	sa.seq = 3;
	CHK(xm_build_newsa(&sa, &m, sizeof(m)) > 0);
	errno = 0;
	if (apply_built(be, &m, m.h.nlmsg_len) == -1) {
		CHK(errno == EPROTONOSUPPORT);
		fprintf(stderr, "NEWSA: EPROTONOSUPPORT on this kernel\n");
		be->ops->close(be);
		free(s);
		return;
	}
	CHK(be->ops->dump(be, keep_cb, s) == 0);
	for (i = 0; i < s->n; i++) {
		if (s->m[i].h.nlmsg_type != XFRM_MSG_NEWSA)
			continue;
		CHK(xm_replay(&s->m[i], s->m[i].h.nlmsg_len, &o, &q) == 0);
		CHK(o == 1005 && q == 3);
		found++;
	}
	CHK(found == 1);
	/* a second NEWSA is EEXIST, and xm_delsa_for() removes it */
	errno = 0;
	CHK(apply_built(be, &m, m.h.nlmsg_len) == -1 && errno == EEXIST);
	{
		union mbuf	 d;

		CHK(xm_delsa_for(&m, m.h.nlmsg_len, &d, sizeof(d)) > 0);
		CHK(apply_built(be, &d, d.h.nlmsg_len) == 0);
	}
	be->ops->close(be);
	free(s);
}

static void
child_allocspi_is_never_synced(void)
{
	struct backend	*be;
	union mbuf	 out;
	struct seen	*s;
	int		 i, larval = 0;

	CHK((s = calloc(1, sizeof(*s))) != NULL);
	CHK((be = backend_xfrm_open()) != NULL);
	if (system("ip xfrm state allocspi src 192.0.2.1 dst 192.0.2.2 "
	    "proto esp >/dev/null 2>&1") != 0) {
		fprintf(stderr, "ip xfrm state allocspi unavailable\n");
		be->ops->close(be);
		free(s);
		return;
	}
	/* whatever event it gave (this kernel sends none) syncs nothing */
	wait_events(be, s, 1);
	for (i = 0; i < s->n; i++)
		CHK(xm_from_event(&s->m[i].h, &out, sizeof(out)) == 0);
	/* the dump holds it, larval: nothing to send either */
	s->n = 0;
	CHK(be->ops->dump(be, keep_cb, s) == 0);
	for (i = 0; i < s->n; i++) {
		if (s->m[i].h.nlmsg_type != XFRM_MSG_NEWSA)
			continue;
		larval++;
		CHK(xm_from_event(&s->m[i].h, &out, sizeof(out)) == 0);
	}
	CHK(larval == 1);
	be->ops->close(be);
	free(s);
}

/*
 * A policy deleted on the "master" reaches the "slave" as the DELPOLICY
 * xm_from_event() makes (selector, no index, templates kept): the
 * kernel takes it.  Both ends share the namespace here.
 */
static void
child_synced_delpolicy_is_accepted(void)
{
	struct backend		*be, *other;
	struct xm_pol_spec	 p;
	union mbuf		 m, del;
	struct seen		*s;
	ssize_t			 n;
	int			 i;

	CHK((s = calloc(1, sizeof(*s))) != NULL);
	CHK((be = backend_xfrm_open()) != NULL);
	CHK((other = backend_xfrm_open()) != NULL);
	pol_spec(&p, "10.0.6.0/24", "10.0.7.0/24");
	CHK(xm_build_policy(XFRM_MSG_UPDPOLICY, &p, &m, sizeof(m)) > 0);
	CHK(apply_built(other, &m, m.h.nlmsg_len) == 0);
	CHK(xm_build_delpolicy(&p, &m, sizeof(m)) > 0);
	CHK(apply_built(other, &m, m.h.nlmsg_len) == 0);
	wait_events(be, s, 2);
	CHK(s->n == 2);
	CHK(s->m[0].h.nlmsg_type == XFRM_MSG_UPDPOLICY);
	CHK(s->m[1].h.nlmsg_type == XFRM_MSG_DELPOLICY);
	CHK((n = xm_from_event(&s->m[1].h, &del, sizeof(del))) > 0);
	CHK(xm_validate(&del, (size_t)n, NULL) == XM_OK);

	/* put it back, then delete it with the synced message */
	CHK(xm_build_policy(XFRM_MSG_UPDPOLICY, &p, &m, sizeof(m)) > 0);
	CHK(apply_built(other, &m, m.h.nlmsg_len) == 0);
	CHK(apply_built(be, &del, (size_t)n) == 0);
	s->n = 0;
	CHK(be->ops->dump(be, keep_cb, s) == 0);
	for (i = 0; i < s->n; i++)
		CHK(s->m[i].h.nlmsg_type != XFRM_MSG_NEWPOLICY);
	other->ops->close(other);
	be->ops->close(be);
	free(s);
}

static void
test_policies_applied_show_in_the_dump(void **state)
{
	(void)state;
	run_child(child_policies_show_in_dump);
}

static void
test_events_of_other_sockets_arrive_and_our_own_do_not(void **state)
{
	(void)state;
	run_child(child_events_from_others_only);
}

static void
test_deleting_a_missing_policy_gives_enoent(void **state)
{
	(void)state;
	run_child(child_missing_delete_is_enoent);
}

static void
test_newsa_works_or_fails_with_eprotonosupport(void **state)
{
	(void)state;
	run_child(child_newsa_works_or_is_unsupported);
}

static void
test_larval_sa_from_allocspi_is_never_synced(void **state)
{
	(void)state;
	run_child(child_allocspi_is_never_synced);
}

static void
test_synced_delpolicy_without_index_is_accepted(void **state)
{
	(void)state;
	run_child(child_synced_delpolicy_is_accepted);
}

static void
test_lockdown_file_is_parsed(void **state)
{
	char	 dir[] = "/tmp/test_lockdownXXXXXX", path[64];
	FILE	*fp;

	(void)state;
	assert_non_null(mkdtemp(dir));
	(void)snprintf(path, sizeof(path), "%s/lockdown", dir);

	assert_non_null(fp = fopen(path, "w"));
	(void)fputs("none integrity [confidentiality]\n", fp);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(xfrm_lockdown_confidential(path), 1);

	assert_non_null(fp = fopen(path, "w"));
	(void)fputs("[none] integrity confidentiality\n", fp);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(xfrm_lockdown_confidential(path), 0);

	assert_non_null(fp = fopen(path, "w"));
	(void)fputs("none [integrity] confidentiality\n", fp);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(xfrm_lockdown_confidential(path), 0);

	assert_int_equal(unlink(path), 0);
	assert_int_equal(xfrm_lockdown_confidential(path), 0);	/* absent */
	/* a directory cannot be read */
	assert_int_equal(xfrm_lockdown_confidential(dir), -1);
	assert_int_equal(rmdir(dir), 0);
	/* the real one answers something */
	assert_true(xfrm_lockdown_confidential(NULL) >= -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_policies_applied_show_in_the_dump),
		cmocka_unit_test(
		    test_events_of_other_sockets_arrive_and_our_own_do_not),
		cmocka_unit_test(test_deleting_a_missing_policy_gives_enoent),
		cmocka_unit_test(
		    test_newsa_works_or_fails_with_eprotonosupport),
		cmocka_unit_test(
		    test_larval_sa_from_allocspi_is_never_synced),
		cmocka_unit_test(
		    test_synced_delpolicy_without_index_is_accepted),
		cmocka_unit_test(test_lockdown_file_is_parsed),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
