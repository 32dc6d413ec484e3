/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * relayd's parent: parses the configuration, starts the pf engine and
 * the host check engine, and is the only process that writes the kernel
 * (nftables through libnftables) or runs check scripts.  It keeps only
 * the capabilities that needs.  A reload is parsed and validated whole,
 * applied to nftables as one transaction that leaves unchanged redirects
 * alone, and only then sent to the children; on any error the running
 * configuration stays.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <netinet/in.h>

#include <err.h>
#include <errno.h>
#include <event2/event.h>
#include <grp.h>
#include <libgen.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "ca.h"
#include "carpclient.h"
#include "log.h"
#include "priv.h"
#include "relayd.h"
#include "nft.h"
#include "proc.h"
#include "relay.h"
#include "relay_parent.h"

#define RELAYD_MAXDEFINES	64
#define RELAYD_MAXSCRIPTS	256	/* script checks running at once */
#define STATS_MAX	(MSG_MAXLEN / sizeof(struct m_rdr_stats))

struct script {
	TAILQ_ENTRY(script)	 s_entry;
	pid_t			 s_pid;
	uint32_t		 s_hostid;
	uint32_t		 s_gen;
	struct event		*s_timer;
};
TAILQ_HEAD(scripts, script);

struct parent {
	struct event_base	*pa_base;
	struct relayd_conf	*pa_conf;
	uint32_t		 pa_gen;
	const char		*pa_conffile;
	char			 pa_sockpath[108];	/* a copy: the
						   configuration it may come
						   from is freed at reload */
	const char		*pa_carpsock;
	const char		*const *pa_defines;
	int			 pa_ndefines;
	struct chan		 pa_pfe;
	struct chan		 pa_hce;
	pid_t			 pa_pfe_pid;
	pid_t			 pa_hce_pid;
	struct nft_handle	*pa_nft;
	int			 pa_nft_started;
	struct carp_client	*pa_carp;
	struct event		*pa_stats;
	struct event		*pa_load;
	struct scripts		 pa_scripts;
	int			 pa_nscripts;
	uid_t			 pa_uid;
	gid_t			 pa_gid;
	struct relay_parent	 pa_relays;
	const char		*pa_sslroot;	/* /etc/ssl: REL-16, TLS-4 */
};

static struct parent	*the_parent;	/* for the atexit cleanup */

__attribute__((__noreturn__)) static void usage(void);
static void	 parent_stderr(void *, const char *);
static void	 parent_collect(void *, const char *);
static struct relayd_conf *parent_parse(struct parent *, const char *,
		    int collect);
static void	 parent_dispatch_pfe(struct chan *, struct msg *, void *);
static void	 parent_dispatch_hce(struct chan *, struct msg *, void *);
static void	 parent_reload(struct parent *, const char *);
static void	 parent_sig(int, short, void *);
static void	 parent_cleanup(void);
static void	 script_run(struct parent *, uint32_t);
static void	 script_timeout(int, short, void *);
static void	 script_reap(struct parent *);
static void	 report_unserved(const struct relayd_conf *);
static void	 rdr_apply(struct parent *, struct rd_redirect *,
		    const struct m_rdr *);
static void	 rdr_none_installed(struct relayd_conf *);
static void	 parent_stats(int, short, void *);
static void	 reload_kill_gone(const struct relayd_conf *,
		    const struct relayd_conf *);
static void	 parent_load(int, short, void *);

__attribute__((__noreturn__)) static void
usage(void)
{
	(void)fprintf(stderr, "usage: relayd [-dnv] [-C carpsock] "
	    "[-D macro=value] [-f file] [-s socket]\n");
	exit(1);
}

static void
parent_stderr(void *arg, const char *msg)
{
	(void)arg;
	(void)fprintf(stderr, "%s\n", msg);
}

/* Reload errors go to the log (relayd runs detached). */
static void
parent_collect(void *arg, const char *msg)
{
	(void)arg;
	log_warnx("%s", msg);
}

static struct relayd_conf *
parent_parse(struct parent *pa, const char *path, int collect)
{
	struct conf_parse_opts	 po;

	memset(&po, 0, sizeof(po));
	po.po_defines = pa->pa_defines;
	po.po_ndefines = pa->pa_ndefines;
	po.po_err = collect ? parent_collect : parent_stderr;
	po.po_arg = pa;
	po.po_resolve = 1;
	return (conf_parse_file(path, &po));
}

/*
 * Spec 0: parts of the grammar not served yet are parsed and checked,
 * and said at startup, never silently ignored.
 */
static void
report_unserved(const struct relayd_conf *c)
{
	if (!TAILQ_EMPTY(&c->c_routers))
		log_warnx("routers are parsed and checked but not served yet: "
		    "no route is installed");
	if (c->c_agentx)
		log_warnx("agentx is parsed but not served yet");
}

/* An nft batch being written: a memstream. */
struct batch {
	FILE		*b_f;
	char		*b_buf;
	size_t		 b_len;
};

static FILE *
batch_open(struct batch *b)
{
	memset(b, 0, sizeof(*b));
	if ((b->b_f = open_memstream(&b->b_buf, &b->b_len)) == NULL)
		log_warn("open_memstream");
	return (b->b_f);
}

/* Applies the batch unless gen (what wrote it) failed; 0 or -1, logged. */
static int
batch_apply(struct parent *pa, struct batch *b, int gen, const char *what)
{
	char	 err[1024];
	int	 rv = -1;

	if (b->b_f == NULL)
		return (-1);
	if (fclose(b->b_f) != 0)
		log_warnx("nft %s: out of memory", what);
	else if (gen == -1)
		log_warnx("nft %s: cannot write the rules", what);
	else if ((rv = nft_apply(pa->pa_nft, b->b_buf, err, sizeof(err))) ==
	    -1)
		log_warnx("nft %s: %s", what, err);
	free(b->b_buf);
	memset(b, 0, sizeof(*b));
	return (rv);
}

/*
 * IMP-11: every statistics interval, each redirect's count of new flows
 * (its nft counter) goes to the pfe, which keeps the statistics.
 */
static void
parent_stats(int fd, short ev, void *arg)
{
	static struct m_rdr_stats	 ms[STATS_MAX];
	static uint32_t			 ids[STATS_MAX];
	static uint64_t			 cnt[STATS_MAX];
	struct parent			*pa = arg;
	const char			*text;
	char				 err[256];
	int				 i, n;

	(void)fd;
	(void)ev;
	if ((text = nft_list(pa->pa_nft, "list counters table inet "
	    RELAYD_NFT_TABLE, err, sizeof(err))) == NULL) {
		log_warnx("statistics: %s", err);
		return;
	}
	n = nft_parse_counters(text, ids, cnt, STATS_MAX);
	for (i = 0; i < n; i++) {
		ms[i].ms_gen = pa->pa_gen;
		ms[i].ms_id = ids[i];
		ms[i].ms_count = cnt[i];
	}
	if (n > 0)
		chan_send(&pa->pa_pfe, M_RDR_STATS, ms, n * sizeof(ms[0]));
}

/*
 * least-states (SCH-6): every check interval, the conntrack entries of
 * each backend a least-states redirect sends to are counted and the
 * counts go to the pfe, which weighs the buckets.  Counting needs
 * CAP_NET_ADMIN, hence the parent.
 */
static void
parent_load(int fd, short ev, void *arg)
{
	static struct m_rdr_load	 ml;
	static struct sockaddr_storage	 ss[RELAYD_BUCKETS];
	static uint16_t			 ports[RELAYD_BUCKETS];
	struct parent			*pa = arg;
	struct rd_redirect		*r;
	struct rd_table			*t;
	struct rd_host			*h;
	struct timeval			 tv;
	uint32_t			 n;
	int				 k;

	(void)fd;
	(void)ev;
	TAILQ_FOREACH(r, &pa->pa_conf->c_redirects, r_entry) {
		if (r->r_table->t_mode != MODE_LEASTSTATES ||
		    r->r_status != RDR_ACTIVE)
			continue;
		/* Every host of the main and backup tables: the pfe knows
		 * which of them are live. */
		memset(&ml, 0, sizeof(ml));
		n = 0;
		for (k = 0; k < 2; k++) {
			if ((t = k == 0 ? r->r_table : r->r_backup) == NULL)
				continue;
			TAILQ_FOREACH(h, &t->t_hosts, h_entry) {
				if (n == RELAYD_BUCKETS)
					break;
				ml.ml_ids[n] = h->h_id;
				ss[n] = h->h_ss;
				ports[n++] = t->t_port;
			}
		}
		if (n == 0)
			continue;
		if (ct_count_backends(ss, ports, (int)n, ml.ml_counts) == -1) {
			log_warn("redirect %s: counting states", r->r_name);
			continue;
		}
		ml.ml_gen = pa->pa_gen;
		ml.ml_id = r->r_id;
		ml.ml_n = n;
		chan_send(&pa->pa_pfe, M_RDR_LOAD, &ml, sizeof(ml));
	}
	tv.tv_sec = pa->pa_conf->c_interval;
	tv.tv_usec = 0;
	(void)evtimer_add(pa->pa_load, &tv);
}

/* A parsed configuration has nothing installed yet. */
static void
rdr_none_installed(struct relayd_conf *c)
{
	struct rd_redirect	*r;

	TAILQ_FOREACH(r, &c->c_redirects, r_entry) {
		r->r_status = RDR_DOWN;
		memset(r->r_buckets, 0, sizeof(r->r_buckets));
	}
}

static void
parent_cleanup(void)
{
	struct parent	*pa = the_parent;
	struct batch	 b;
	FILE		*f;
	int		 i;

	if (pa == NULL || !pa->pa_nft_started)
		return;
	pa->pa_nft_started = 0;
	/* IMP-14: every rule withdrawn at exit. */
	if ((f = batch_open(&b)) != NULL)
		(void)batch_apply(pa, &b, nft_gen_stop(f), "stop");
	if (pa->pa_pfe_pid > 0)
		(void)kill(pa->pa_pfe_pid, SIGTERM);
	if (pa->pa_hce_pid > 0)
		(void)kill(pa->pa_hce_pid, SIGTERM);
	for (i = 0; i < pa->pa_relays.rpa_n; i++)
		if (pa->pa_relays.rpa_pids[i] > 0)
			(void)kill(pa->pa_relays.rpa_pids[i], SIGTERM);
	for (i = 0; i < pa->pa_relays.rpa_n; i++)
		if (pa->pa_relays.rpa_ca_pids[i] > 0)
			(void)kill(pa->pa_relays.rpa_ca_pids[i], SIGTERM);
	(void)unlink(pa->pa_sockpath);
}

static int
ids_has(const uint32_t *ids, int n, uint32_t id)
{
	int	 i;

	for (i = 0; i < n; i++)
		if (ids[i] == id)
			return (1);
	return (0);
}

/*
 * Installs what the pfe wants for one redirect.  r_status and r_buckets
 * of the parent's configuration are what is installed: a host change on
 * a redirect that is up rewrites the map elements only (the rules, and
 * roundrobin's counter, stay), and the conntrack entries of a host that
 * left a sticky redirect go, so its clients choose again at once.
 */
static void
rdr_apply(struct parent *pa, struct rd_redirect *r, const struct m_rdr *mr)
{
	struct rd_host	*h;
	struct batch	 b;
	FILE		*f;
	uint32_t	 gone[RELAYD_BUCKETS], id;
	uint64_t	 killed;
	int		 i, ngone = 0, was_up, rv;

	was_up = r->r_status == RDR_ACTIVE || r->r_status == RDR_BACKUP;
	if ((f = batch_open(&b)) == NULL)
		return;
	if (mr->mr_up && was_up)
		rv = nft_gen_maps(f, pa->pa_conf, r, mr->mr_buckets);
	else
		rv = nft_gen_rdr(f, pa->pa_conf, r, mr->mr_up != 0,
		    mr->mr_buckets);
	if (batch_apply(pa, &b, rv, r->r_name) == -1)
		return;
	for (i = 0; r->r_sticky && i < RELAYD_BUCKETS; i++) {
		id = r->r_buckets[i];
		if (id == 0 || ids_has(gone, ngone, id) ||
		    (mr->mr_up && ids_has(mr->mr_buckets, RELAYD_BUCKETS, id)))
			continue;
		gone[ngone++] = id;
		if ((h = conf_host(pa->pa_conf, id)) != NULL &&
		    ct_kill_backend(&h->h_ss, h->h_table->t_port,
		    &killed) == 0 && killed > 0)
			log_info("redirect %s: %llu connections to %s ended",
			    r->r_name, (unsigned long long)killed, h->h_name);
	}
	memcpy(r->r_buckets, mr->mr_buckets, sizeof(r->r_buckets));
	r->r_status = mr->mr_up ? RDR_ACTIVE : RDR_DOWN;
}

/*
 * A sticky redirect's host that a reload dropped: its clients' conntrack
 * entries go, as for a host that went down (nft_gen_reload emptied the
 * sticky maps).
 */
static void
reload_kill_gone(const struct relayd_conf *oc, const struct relayd_conf *nc)
{
	const struct rd_redirect	*r, *o;
	const struct rd_host		*oh;
	uint32_t			 done[RELAYD_BUCKETS];
	uint64_t			 killed;
	int				 i, n;

	TAILQ_FOREACH(r, &nc->c_redirects, r_entry) {
		if (!r->r_sticky ||
		    (o = conf_redirect_byname(oc, r->r_name)) == NULL)
			continue;
		for (i = n = 0; i < RELAYD_BUCKETS; i++) {
			if (o->r_buckets[i] == 0 ||
			    ids_has(done, n, o->r_buckets[i]) ||
			    (oh = conf_host(oc, o->r_buckets[i])) == NULL)
				continue;
			done[n++] = oh->h_id;
			if (!nft_rdr_host_kept(nc, r, oh) &&
			    ct_kill_backend(&oh->h_ss,
			    oh->h_table->t_port, &killed) == 0 && killed > 0)
				log_info("redirect %s: %llu connections to %s, "
				    "gone from the configuration, ended",
				    r->r_name, (unsigned long long)killed,
				    oh->h_name);
		}
	}
}

static int
demote_group_known(const struct relayd_conf *c, const char *group)
{
	struct rd_table	*t;

	TAILQ_FOREACH(t, &c->c_tables, t_entry)
		if (strcmp(t->t_demote, group) == 0)
			return (1);
	return (0);
}

/*
 * relayctl load names a file that root reads: it must be root's and
 * writable by root only, or any local user who can reach the control
 * socket through the unprivileged pfe could have root install DNAT.
 */
static int
load_file_ok(const char *path)
{
	struct stat	 st;

	if (stat(path, &st) == -1) {
		log_warn("load %s", path);
		return (0);
	}
	if (!S_ISREG(st.st_mode) || st.st_uid != 0 ||
	    (st.st_mode & (S_IWGRP | S_IWOTH))) {
		log_warnx("load %s: refused, not a regular file owned and "
		    "writable by root only", path);
		return (0);
	}
	return (1);
}

static int
rdr_buckets_ok(const struct relayd_conf *c, const struct rd_redirect *r,
    const uint32_t *b)
{
	struct rd_host	*h;
	int		 i;

	for (i = 0; i < RELAYD_BUCKETS; i++) {
		if (b[i] == 0)
			continue;
		if ((h = conf_host(c, b[i])) == NULL ||
		    (h->h_table != r->r_table && h->h_table != r->r_backup))
			return (0);
	}
	return (1);
}

static void
parent_dispatch_pfe(struct chan *ch, struct msg *m, void *arg)
{
	struct parent		*pa = arg;
	struct m_rdr		 mr;
	struct m_demote		 md;
	struct rd_redirect	*r;
	char			 path[1024];
	int			 v, i;

	(void)ch;
	switch (m->m_type) {
	case M_RDR_APPLY:
		if (m->m_len != sizeof(mr))
			goto bad;
		memcpy(&mr, m->m_data, sizeof(mr));
		if (mr.mr_gen != pa->pa_gen)
			break;	/* made for the configuration before a reload */
		if ((r = conf_redirect(pa->pa_conf, mr.mr_id)) == NULL ||
		    !rdr_buckets_ok(pa->pa_conf, r, mr.mr_buckets))
			goto bad;
		rdr_apply(pa, r, &mr);
		break;
	case M_DEMOTE:
		if (m->m_len != sizeof(md))
			goto bad;
		memcpy(&md, m->m_data, sizeof(md));
		md.md_group[sizeof(md.md_group) - 1] = '\0';
		/* One step at a time, and only up for a group the
		 * configuration names (down is bounded by carpd: a share
		 * never goes below 0). */
		if ((md.md_delta != 1 && md.md_delta != -1) ||
		    (md.md_delta == 1 && !demote_group_known(pa->pa_conf,
		    md.md_group)))
			goto bad;
		if (pa->pa_carp == NULL && (pa->pa_carp = carp_client_new(
		    pa->pa_base, pa->pa_carpsock, NULL, NULL)) == NULL) {
			log_warnx("demote %s: no carpd client", md.md_group);
			break;
		}
		if (carp_client_demote(pa->pa_carp, md.md_group,
		    md.md_delta) == -1)
			log_warnx("demote %s by %d refused", md.md_group,
			    md.md_delta);
		else
			log_info("carp group %s %s", md.md_group,
			    md.md_delta > 0 ? "demoted" : "restored");
		break;
	case M_RELOAD:
		if (m->m_len >= sizeof(path))
			goto bad;
		memcpy(path, m->m_data, m->m_len);
		path[m->m_len] = '\0';
		if (path[0] != '\0' && !load_file_ok(path)) {
			chan_send(&pa->pa_pfe, M_RELOAD_DONE, "refused", 7);
			break;
		}
		parent_reload(pa, path[0] != '\0' ? path : NULL);
		break;
	case M_LOG_VERBOSE:
		if ((v = chan_recv_verbose(m)) == -1)
			goto bad;
		chan_send(&pa->pa_hce, M_LOG_VERBOSE, &v, sizeof(v));
		for (i = 0; i < pa->pa_relays.rpa_n; i++)
			chan_send(&pa->pa_relays.rpa_cas[i], M_LOG_VERBOSE,
			    &v, sizeof(v));
		break;
	case M_STOP:
		log_info("stop requested through the control socket");
		(void)event_base_loopbreak(pa->pa_base);
		break;
	default:
		goto bad;
	}
	return;
 bad:
	log_warnx("bad message %u (%u bytes) from the pfe, ignored",
	    m->m_type, m->m_len);
}

static void
parent_dispatch_hce(struct chan *ch, struct msg *m, void *arg)
{
	struct parent	*pa = arg;
	uint32_t	 id;

	(void)ch;
	if (m->m_type != M_SCRIPT_RUN || m->m_len != sizeof(id)) {
		log_warnx("bad message %u from the hce, ignored", m->m_type);
		return;
	}
	memcpy(&id, m->m_data, sizeof(id));
	script_run(pa, id);
}

/* HCE-10: "path HOSTNAME" as the relayd user, killed at the timeout. */
static void
script_run(struct parent *pa, uint32_t id)
{
	struct rd_host		*h;
	struct rd_table		*t;
	struct script		*s;
	struct m_script		 sc;
	struct timeval		 tv;
	pid_t			 pid;

	if ((h = conf_host(pa->pa_conf, id)) == NULL ||
	    (t = h->h_table)->t_check.ck_type != CHECK_SCRIPT)
		return;
	memset(&sc, 0, sizeof(sc));
	sc.sc_id = id;
	if (pa->pa_nscripts >= RELAYD_MAXSCRIPTS ||
	    (s = calloc(1, sizeof(*s))) == NULL) {
		log_warnx("script check of %s: too many running", h->h_name);
		chan_send(&pa->pa_hce, M_SCRIPT_DONE, &sc, sizeof(sc));
		return;
	}
	switch ((pid = fork())) {
	case -1:
		log_warn("script check of %s: fork", h->h_name);
		free(s);
		chan_send(&pa->pa_hce, M_SCRIPT_DONE, &sc, sizeof(sc));
		return;
	case 0:
		/* Down (exit 0) when the script cannot run; said once per
		 * failure, the log is the operator's only clue. */
		if (setgroups(1, &pa->pa_gid) == -1 ||
		    setresgid(pa->pa_gid, pa->pa_gid, pa->pa_gid) == -1 ||
		    setresuid(pa->pa_uid, pa->pa_uid, pa->pa_uid) == -1) {
			log_warn("script check of %s: dropping to %s",
			    h->h_name, RELAYD_USER);
			_exit(0);
		}
		(void)signal(SIGPIPE, SIG_DFL);
		if (chdir("/") == -1)
			_exit(0);
		execl(t->t_check.ck_path, t->t_check.ck_path, h->h_name,
		    (char *)NULL);
		log_warn("script check of %s: %s", h->h_name,
		    t->t_check.ck_path);
		_exit(0);
	default:
		break;
	}
	s->s_pid = pid;
	s->s_hostid = id;
	s->s_gen = pa->pa_gen;
	tv.tv_sec = t->t_timeout / 1000;
	tv.tv_usec = (t->t_timeout % 1000) * 1000;
	if ((s->s_timer = evtimer_new(pa->pa_base, script_timeout, s)) !=
	    NULL)
		(void)evtimer_add(s->s_timer, &tv);
	TAILQ_INSERT_TAIL(&pa->pa_scripts, s, s_entry);
	pa->pa_nscripts++;
}

static void
script_timeout(int fd, short ev, void *arg)
{
	struct script	*s = arg;

	(void)fd;
	(void)ev;
	(void)kill(s->s_pid, SIGKILL);	/* reaped on SIGCHLD */
}

static void
script_reap(struct parent *pa)
{
	struct script	*s;
	struct m_script	 sc;
	pid_t		 pid;
	int		 status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (pid == pa->pa_pfe_pid || pid == pa->pa_hce_pid) {
			log_warnx("%s exited, shutting down",
			    pid == pa->pa_pfe_pid ? "pfe" : "hce");
			if (pid == pa->pa_pfe_pid)
				pa->pa_pfe_pid = 0;
			else
				pa->pa_hce_pid = 0;
			(void)event_base_loopbreak(pa->pa_base);
			continue;
		}
		TAILQ_FOREACH(s, &pa->pa_scripts, s_entry)
			if (s->s_pid == pid)
				break;
		if (s == NULL)
			continue;
		TAILQ_REMOVE(&pa->pa_scripts, s, s_entry);
		pa->pa_nscripts--;
		if (s->s_timer != NULL)
			event_free(s->s_timer);
		memset(&sc, 0, sizeof(sc));
		sc.sc_id = s->s_hostid;
		sc.sc_result = WIFEXITED(status) ? WEXITSTATUS(status) : 0;
		/* A result for hosts of an older configuration is dropped:
		 * the ids may mean other hosts now. */
		if (s->s_gen == pa->pa_gen)
			chan_send(&pa->pa_hce, M_SCRIPT_DONE, &sc, sizeof(sc));
		free(s);
	}
}

/*
 * Reload (IMP-15, PP-1): parse and check the new file whole; write the
 * nftables changes as one transaction; only then give the children the
 * new configuration.  Any failure keeps everything as it was.
 */
static void
parent_reload(struct parent *pa, const char *path)
{
	struct relayd_conf	*nc;
	struct relay_prep	 rprep;
	struct batch		 b;
	FILE			*f;
	char			 err[512];

	if (path == NULL)
		path = pa->pa_conffile;
	log_info("reloading configuration from %s", path);
	if ((nc = parent_parse(pa, path, 1)) == NULL) {
		log_warnx("reload: %s has errors, configuration unchanged",
		    path);
		/* The errors are in the log; the pfe only learns that the
		 * file was refused (it may quote files only root reads). */
		chan_send(&pa->pa_pfe, M_RELOAD_DONE, "errors", 6);
		return;
	}
	/* Relay sockets and TLS files first: a reload that cannot
	 * have them changes nothing. */
	if (relay_prepare(&pa->pa_relays, nc, pa->pa_sslroot, &rprep, err,
	    sizeof(err)) == -1) {
		log_warnx("reload: %s; configuration unchanged", err);
		conf_free(nc);
		chan_send(&pa->pa_pfe, M_RELOAD_DONE, "relays", 6);
		return;
	}
	/* What is installed stays installed, with the new ids. */
	conf_merge_state(nc, pa->pa_conf);
	rdr_carry_over(nc, pa->pa_conf);
	if ((f = batch_open(&b)) == NULL ||
	    batch_apply(pa, &b, nft_gen_reload(f, pa->pa_conf, nc),
	    "reload") == -1) {
		log_warnx("reload: nftables refused the change, configuration "
		    "unchanged");
		relay_prep_abort(&pa->pa_relays, &rprep);
		conf_free(nc);
		chan_send(&pa->pa_pfe, M_RELOAD_DONE, "nftables", 8);
		return;
	}
	report_unserved(nc);
	reload_kill_gone(pa->pa_conf, nc);
	conf_free(pa->pa_conf);
	pa->pa_conf = nc;
	pa->pa_gen++;
	chan_send_conf(&pa->pa_hce, nc, pa->pa_gen);
	chan_send_conf(&pa->pa_pfe, nc, pa->pa_gen);
	relay_send(&pa->pa_relays, nc, pa->pa_gen, &rprep);
	chan_send(&pa->pa_pfe, M_RELOAD_DONE, NULL, 0);
	log_info("configuration %u loaded", pa->pa_gen);
}

static void
parent_sig(int sig, short ev, void *arg)
{
	struct parent	*pa = arg;

	(void)ev;
	switch (sig) {
	case SIGHUP:
		parent_reload(pa, NULL);
		break;
	case SIGCHLD:
		script_reap(pa);
		break;
	default:
		log_info("signal %d: terminating", sig);
		(void)event_base_loopbreak(pa->pa_base);
		break;
	}
}

enum child_kind { CHILD_PFE, CHILD_HCE, CHILD_RELAY, CHILD_CA };

/* Forks a child that keeps only the descriptors in keep. */
static pid_t
start_child(struct parent *pa, const char *name, enum child_kind kind,
    int index, const int *keep, int nkeep, const int *all, int nall)
{
	pid_t	 pid;
	int	 i, j, k;

	if ((pid = fork()) == -1)
		fatal("fork %s", name);
	if (pid != 0)
		return (pid);
	for (i = 0; i < nall; i++) {
		k = 0;
		for (j = 0; j < nkeep; j++)
			if (all[i] == keep[j])
				k = 1;
		if (!k)
			(void)close(all[i]);
	}
	switch (kind) {
	case CHILD_PFE:
		pfe_main(pa->pa_conf, keep[0], keep[1], keep + 2, nkeep - 2,
		    pa->pa_sockpath, log_getverbose());
	case CHILD_HCE:
		hce_main(pa->pa_conf, keep[0], keep[1], log_getverbose());
	case CHILD_CA:
		conf_free(pa->pa_conf);
		ca_main(index, keep[0], keep[1], log_getverbose());
	case CHILD_RELAY:
	default:
		relay_main(pa->pa_conf, index, keep[0], keep[1], keep[2],
		    log_getverbose());
	}
}

/*
 * REL-6: a socket whose source is the client's address.  Only the
 * family and address the relay names are used; the port is the
 * kernel's choice.
 */
static void
parent_tsock(struct chan *ch, const struct msg *m)
{
	struct m_relay_tsock	 mt;
	socklen_t		 sl;
	int			 fd = -1, on = 1;

	if (m->m_len != sizeof(mt))
		return;
	memcpy(&mt, m->m_data, sizeof(mt));
	if (mt.mt_ss.ss_family == AF_INET) {
		((struct sockaddr_in *)&mt.mt_ss)->sin_port = 0;
		sl = sizeof(struct sockaddr_in);
	} else if (mt.mt_ss.ss_family == AF_INET6) {
		((struct sockaddr_in6 *)&mt.mt_ss)->sin6_port = 0;
		sl = sizeof(struct sockaddr_in6);
	} else
		return;
	if ((fd = socket(mt.mt_ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1 ||
	    setsockopt(fd, mt.mt_ss.ss_family == AF_INET ? SOL_IP : SOL_IPV6,
	    mt.mt_ss.ss_family == AF_INET ? IP_TRANSPARENT :
	    IPV6_TRANSPARENT, &on, sizeof(on)) == -1 ||
	    bind(fd, (struct sockaddr *)&mt.mt_ss, sl) == -1) {
		log_warn("transparent forward: socket for a client address");
		if (fd != -1)
			(void)close(fd);
		fd = -1;
	}
	chan_send_fd(ch, M_RELAY_TSOCK, &mt, sizeof(mt), fd);
	if (fd != -1)
		(void)close(fd);
}

static void
parent_dispatch_relay(struct chan *ch, struct msg *m, void *arg)
{
	(void)arg;
	if (m->m_type == M_RELAY_TSOCK) {
		parent_tsock(ch, m);
		return;
	}
	log_warnx("unexpected message %u from %s", m->m_type, ch->ch_peer);
}

int
main(int argc, char *argv[])
{
	static const char	*defines[RELAYD_MAXDEFINES];
	static struct parent	 pa;
	/* NET_BIND_SERVICE: relay sockets on ports < 1024 at a reload */
	const cap_value_t	 keep[] = { CAP_NET_ADMIN, CAP_NET_RAW,
				    CAP_SETUID, CAP_SETGID, CAP_KILL,
				    CAP_NET_BIND_SERVICE };
	const int		 sigs[] = { SIGHUP, SIGTERM, SIGINT, SIGCHLD };
	struct event		*sigev[4];
	struct passwd		*pw;
	struct batch		 b;
	FILE			*f;
	char			 dir[256];
	int			 ch, debug = 0, noaction = 0, verbose = 0, i;
	int			 pp[2], ph[2], ps[2], nrelay;
	int			 pr[RELAYD_PREFORK_MAX][2];
	int			 fr[RELAYD_PREFORK_MAX][2];
	int			 pc[RELAYD_PREFORK_MAX][2];
	int			 rc[RELAYD_PREFORK_MAX][2];

	TAILQ_INIT(&pa.pa_scripts);
	TAILQ_INIT(&pa.pa_relays.rpa_socks);
	pa.pa_sslroot = RELAYD_SSLROOT;
	pa.pa_conffile = RELAYD_CONF;
	pa.pa_carpsock = RELAYD_CARPSOCK;
	pa.pa_defines = defines;
	while ((ch = getopt(argc, argv, "C:dD:f:ns:v")) != -1) {
		switch (ch) {
		case 'C':
			pa.pa_carpsock = optarg;
			break;
		case 'd':
			debug = 1;
			break;
		case 'D':
			if (strchr(optarg, '=') == NULL)
				errx(1, "-D %s: expected name=value", optarg);
			if (pa.pa_ndefines >= RELAYD_MAXDEFINES)
				errx(1, "too many -D");
			defines[pa.pa_ndefines++] = optarg;
			break;
		case 'f':
			pa.pa_conffile = optarg;
			break;
		case 'n':
			noaction = 1;
			break;
		case 's':
			if (strlcpy(pa.pa_sockpath, optarg,
			    sizeof(pa.pa_sockpath)) >= sizeof(pa.pa_sockpath))
				errx(1, "-s %s: path too long", optarg);
			break;
		case 'v':
			verbose++;
			break;
		default:
			usage();
		}
	}
	if (argc != optind)
		usage();

	if ((pa.pa_conf = parent_parse(&pa, pa.pa_conffile, 0)) == NULL)
		exit(1);

	rdr_none_installed(pa.pa_conf);
	if (noaction) {
		if (verbose)
			conf_print(stdout, pa.pa_conf);
		(void)fprintf(stderr, "configuration OK\n");
		conf_free(pa.pa_conf);
		exit(0);
	}
	if (geteuid() != 0)
		errx(1, "need root privileges");
	if ((pw = getpwnam(RELAYD_USER)) == NULL)
		errx(1, "unknown user %s (make install creates it)",
		    RELAYD_USER);
	pa.pa_uid = pw->pw_uid;
	pa.pa_gid = pw->pw_gid;
	if (pa.pa_sockpath[0] == '\0')
		(void)strlcpy(pa.pa_sockpath, pa.pa_conf->c_socket[0] != '\0' ?
		    pa.pa_conf->c_socket : RELAYD_SOCK, sizeof(pa.pa_sockpath));

	log_init(debug, LOG_DAEMON);
	log_setverbose(verbose);
	if (!debug && daemon(0, 0) == -1)
		fatal("daemon");
	log_procinit("parent");
	report_unserved(pa.pa_conf);
	(void)strlcpy(dir, pa.pa_sockpath, sizeof(dir));
	if (mkdir(dirname(dir), 0755) == -1 && errno != EEXIST)
		log_warn("mkdir %s", dir);

	/* One channel per pair of processes, as OpenBSD's relayd;
	 * close-on-exec, so a check script holds none of them. */
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pp) == -1 ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ph) == -1 ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ps) == -1)
		fatal("socketpair");
	/* Relay processes (PRIV-4): a channel to the parent and one to the
	 * pfe each, and each its ca process (PRIV-5), which has a channel
	 * to the parent.  Their number is fixed at start (prefork). */
	nrelay = pa.pa_conf->c_prefork;
	for (i = 0; i < nrelay; i++)
		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0,
		    pr[i]) == -1 || socketpair(AF_UNIX, SOCK_SEQPACKET |
		    SOCK_CLOEXEC, 0, fr[i]) == -1 || socketpair(AF_UNIX,
		    SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pc[i]) == -1 ||
		    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0,
		    rc[i]) == -1)
			fatal("socketpair");
	{
		int all[6 + 8 * RELAYD_PREFORK_MAX], nall = 0;
		int kp[2 + RELAYD_PREFORK_MAX], kh[2], kr[3], kc[2];

		all[nall++] = pp[0]; all[nall++] = pp[1];
		all[nall++] = ph[0]; all[nall++] = ph[1];
		all[nall++] = ps[0]; all[nall++] = ps[1];
		kp[0] = pp[1];
		kp[1] = ps[0];
		for (i = 0; i < nrelay; i++) {
			all[nall++] = pr[i][0]; all[nall++] = pr[i][1];
			all[nall++] = fr[i][0]; all[nall++] = fr[i][1];
			all[nall++] = pc[i][0]; all[nall++] = pc[i][1];
			all[nall++] = rc[i][0]; all[nall++] = rc[i][1];
			kp[2 + i] = fr[i][0];
		}
		kh[0] = ph[1];
		kh[1] = ps[1];
		pa.pa_pfe_pid = start_child(&pa, "pfe", CHILD_PFE, 0, kp,
		    2 + nrelay, all, nall);
		pa.pa_hce_pid = start_child(&pa, "hce", CHILD_HCE, 0, kh, 2,
		    all, nall);
		for (i = 0; i < nrelay; i++) {
			kr[0] = pr[i][1];
			kr[1] = fr[i][1];
			kr[2] = rc[i][0];
			pa.pa_relays.rpa_pids[i] = start_child(&pa, "relay",
			    CHILD_RELAY, i, kr, 3, all, nall);
			kc[0] = pc[i][1];
			kc[1] = rc[i][1];
			pa.pa_relays.rpa_ca_pids[i] = start_child(&pa, "ca",
			    CHILD_CA, i, kc, 2, all, nall);
		}
	}
	(void)close(pp[1]);
	(void)close(ph[1]);
	(void)close(ps[0]);
	(void)close(ps[1]);
	for (i = 0; i < nrelay; i++) {
		(void)close(pr[i][1]);
		(void)close(fr[i][0]);
		(void)close(fr[i][1]);
		(void)close(pc[i][1]);
		(void)close(rc[i][0]);
		(void)close(rc[i][1]);
	}
	pa.pa_relays.rpa_n = nrelay;
	the_parent = &pa;
	if (atexit(parent_cleanup) != 0)
		fatal("atexit");

	if ((pa.pa_base = event_base_new()) == NULL)
		fatalx("event_base_new");
	if (chan_init(&pa.pa_pfe, pa.pa_base, pp[0], "pfe",
	    parent_dispatch_pfe, &pa) == -1 ||
	    chan_init(&pa.pa_hce, pa.pa_base, ph[0], "hce",
	    parent_dispatch_hce, &pa) == -1)
		fatalx("channels");
	for (i = 0; i < nrelay; i++)
		if (chan_init(&pa.pa_relays.rpa_chans[i], pa.pa_base,
		    pr[i][0], "relay", parent_dispatch_relay, &pa) == -1 ||
		    chan_init(&pa.pa_relays.rpa_cas[i], pa.pa_base, pc[i][0],
		    "ca", parent_dispatch_relay, &pa) == -1)
			fatalx("channels");
	{
		struct relay_prep	 rprep;
		char			 err[512];

		if (relay_prepare(&pa.pa_relays, pa.pa_conf, pa.pa_sslroot,
		    &rprep, err, sizeof(err)) == -1)
			fatalx("%s", err);
		relay_send(&pa.pa_relays, pa.pa_conf, pa.pa_gen, &rprep);
	}
	relay_tickets_start(&pa.pa_relays, pa.pa_base);
	for (i = 0; i < 4; i++) {
		sigev[i] = evsignal_new(pa.pa_base, sigs[i], parent_sig, &pa);
		if (sigev[i] == NULL || evsignal_add(sigev[i], NULL) == -1)
			fatalx("evsignal_add");
	}
	(void)signal(SIGPIPE, SIG_IGN);

	/* spec 13.1: our table only, made afresh (an earlier instance's
	 * leftovers go first). */
	if ((pa.pa_nft = nft_open()) == NULL)
		fatalx("libnftables: cannot open a context");
	pa.pa_nft_started = 1;
	if ((f = batch_open(&b)) == NULL ||
	    batch_apply(&pa, &b, nft_gen_start(f, pa.pa_conf), "start") == -1)
		fatalx("cannot create nftables table inet %s",
		    RELAYD_NFT_TABLE);
	if (priv_keep_caps(keep, sizeof(keep) / sizeof(keep[0])) == -1)
		fatal("dropping capabilities");
	{
		struct timeval tv = { RELAYD_STATINTERVAL, 0 };

		if ((pa.pa_stats = event_new(pa.pa_base, -1, EV_PERSIST,
		    parent_stats, &pa)) == NULL ||
		    event_add(pa.pa_stats, &tv) == -1 ||
		    (pa.pa_load = evtimer_new(pa.pa_base, parent_load,
		    &pa)) == NULL)
			fatalx("statistics timer");
		tv.tv_sec = pa.pa_conf->c_interval;
		(void)evtimer_add(pa.pa_load, &tv);
	}
	log_info("startup: %s, control socket %s", pa.pa_conffile,
	    pa.pa_sockpath);

	(void)event_base_dispatch(pa.pa_base);

	parent_cleanup();
	for (i = 0; i < 4; i++)
		event_free(sigev[i]);
	event_free(pa.pa_stats);
	event_free(pa.pa_load);
	if (pa.pa_carp != NULL)
		carp_client_free(pa.pa_carp);
	nft_close(pa.pa_nft);
	chan_close(&pa.pa_pfe);
	chan_close(&pa.pa_hce);
	relay_parent_close(&pa.pa_relays);
	event_base_free(pa.pa_base);
	conf_free(pa.pa_conf);
	log_info("terminating");
	return (0);
}
