/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * carpd: CARP for Linux.  One process: it keeps only CAP_NET_RAW and
 * CAP_NET_ADMIN after setup.  Unlike relayd it parses nothing from the
 * network but the fixed 36-byte header, and its control socket speaks
 * JSON through lib/ctl, so there is no child to separate privileges into.
 */

#include <sys/queue.h>
#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <event2/event.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "log.h"
#include "nl.h"
#include "priv.h"
#include "carpd.h"

static void	usage(void) __attribute__((__noreturn__));
static void	carpd_errfn_stderr(void *, const char *);
static void	carpd_errfn_log(void *, const char *);
static int	carpd_softc_add(struct carpd *, struct carp_ifconf *);
static void	carpd_softc_del(struct carpd *, struct carp_softc *, int);
static void	carpd_softc_conf(struct carp_softc *, struct carp_ifconf *);
static struct carp_group *carp_group_get(struct carpd *, const char *);
static void	carpd_sig(evutil_socket_t, short, void *);
static void	carpd_nlev(evutil_socket_t, short, void *);
static int	carpd_nlev_cb(const struct nl_event *, void *);
static void	carpd_resync(struct carpd *);
static uint64_t	carpd_cookie(void);
static void	carpd_free(struct carpd *);

static void
usage(void)
{
	extern char	*__progname;

	(void)fprintf(stderr, "usage: %s [-dnv] [-f file] [-s socket]\n",
	    __progname);
	exit(1);
}

uint64_t
carpd_now(void)
{
	struct timespec	 ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000);
}

/* net.inet.carp.log: a message of syslog level pri is logged when the
 * knob is at least that level (2 = transitions only, the default). */
int
carpd_loglevel(const struct carpd *env, int pri)
{
	return (env->env_conf->c_log >= pri || log_getverbose() > 1);
}

static void
carpd_errfn_stderr(void *arg, const char *msg)
{
	(void)arg;
	(void)fprintf(stderr, "%s\n", msg);
}

static void
carpd_errfn_log(void *arg, const char *msg)
{
	(void)arg;
	log_warnx("%s", msg);
}

static uint64_t
carpd_cookie(void)
{
	uint64_t	 c;

	arc4random_buf(&c, sizeof(c));
	return (c);
}

static struct carp_group *
carp_group_get(struct carpd *env, const char *name)
{
	struct carp_group	*g;

	TAILQ_FOREACH(g, &env->env_groups, g_entry)
		if (strcmp(g->g_name, name) == 0)
			return (g);
	if ((g = calloc(1, sizeof(*g))) == NULL)
		fatal("calloc");
	(void)strlcpy(g->g_name, name, sizeof(g->g_name));
	TAILQ_INSERT_TAIL(&env->env_groups, g, g_entry);
	return (g);
}

static int
carp_in_group(const struct carp_softc *sc, const char *name)
{
	int	 i;

	if (strcmp(name, "carp") == 0)
		return (1);
	for (i = 0; i < sc->sc_conf->ic_ngroups; i++)
		if (strcmp(sc->sc_conf->ic_groups[i], name) == 0)
			return (1);
	return (0);
}

/* Advertised demote: sum of the interface's groups, else its own. */
int
carp_demote_of(const struct carpd *env, const struct carp_softc *sc)
{
	const struct carp_group	*g;
	int			 d = 0;

	TAILQ_FOREACH(g, &env->env_groups, g_entry)
		if (carp_in_group(sc, g->g_name))
			d += g->g_demote;
	if (d == 0)
		d = sc->sc_demote;
	return (d > CARPD_DEMOTE_MAX ? CARPD_DEMOTE_MAX : d);
}

/*
 * Adjusts group name by delta (counters stay >= 0).  When a positive
 * adjustment brings it to 1 every MASTER advertises at once, so the
 * peer sees the new demote now, not an interval later.  Returns the new
 * counter.
 */
int
carp_group_adjust(struct carpd *env, const char *name, int delta,
    const char *reason)
{
	struct carp_group	*g = carp_group_get(env, name);
	struct carp_softc	*sc;
	struct carp_event	 ev = { .ce_type = CARP_EV_DEMOTE };
	int			 old = g->g_demote;

	g->g_demote += delta;
	if (g->g_demote < 0)
		g->g_demote = 0;
	if (g->g_demote > 0xffff)
		g->g_demote = 0xffff;
	if (g->g_demote != old && carpd_loglevel(env, LOG_ERR))
		log_prio(LOG_ERR, "%s demoted group %s by %d to %d (%s)",
		    name, name, delta, g->g_demote, reason);
	TAILQ_FOREACH(sc, &env->env_softcs, sc_entry)
		sc->sc_vh.vh_demote = (uint8_t)carp_demote_of(env, sc);
	if (delta > 0 && old == 0 && g->g_demote > 0)
		TAILQ_FOREACH(sc, &env->env_softcs, sc_entry)
			if (carp_in_group(sc, name))
				carp_if_event(sc, &ev);
	return (g->g_demote);
}

/* An interface's own adjustment: its private counter and its groups. */
void
carp_softc_demote(struct carp_softc *sc, int delta, const char *reason)
{
	struct carpd	*env = sc->sc_env;
	int		 i;

	sc->sc_demote += delta;
	if (sc->sc_demote < 0)
		sc->sc_demote = 0;
	(void)carp_group_adjust(env, "carp", delta, reason);
	for (i = 0; i < sc->sc_conf->ic_ngroups; i++)
		(void)carp_group_adjust(env, sc->sc_conf->ic_groups[i], delta,
		    reason);
}

struct carp_softc *
carp_softc_find(struct carpd *env, const char *name)
{
	struct carp_softc	*sc;

	TAILQ_FOREACH(sc, &env->env_softcs, sc_entry)
		if (strcmp(sc->sc_conf->ic_name, name) == 0)
			return (sc);
	return (NULL);
}

/* Takes a configuration into the running vhost (no state change). */
static void
carpd_softc_conf(struct carp_softc *sc, struct carp_ifconf *ic)
{
	struct carpd	*env = sc->sc_env;
	int		 i;

	sc->sc_conf = ic;
	sc->sc_vh.vh_vhid = ic->ic_vhid;
	sc->sc_vh.vh_advbase = ic->ic_advbase;
	sc->sc_vh.vh_advskew = ic->ic_advskew;
	sc->sc_vh.vh_preempt = env->env_conf->c_preempt;
	sc->sc_vh.vh_has_af[CARP_AF_INET] = 0;
	sc->sc_vh.vh_has_af[CARP_AF_INET6] = 0;
	for (i = 0; i < ic->ic_naddrs; i++)
		sc->sc_vh.vh_has_af[ic->ic_addrs[i].a_af == AF_INET ?
		    CARP_AF_INET : CARP_AF_INET6] = 1;
	carp_wire_auth_init(&sc->sc_auth, ic->ic_key, ic->ic_vhid,
	    ic->ic_addrs, ic->ic_naddrs,
	    ic->ic_lladdr_mode == CARP_LLADDR_MANUAL ? ic->ic_lladdr : NULL);
	(void)carp_group_get(env, "carp");
	for (i = 0; i < ic->ic_ngroups; i++)
		(void)carp_group_get(env, ic->ic_groups[i]);
}

static int
carpd_softc_add(struct carpd *env, struct carp_ifconf *ic)
{
	struct carp_softc	*sc;

	if ((sc = calloc(1, sizeof(*sc))) == NULL)
		fatal("calloc");
	sc->sc_env = env;
	sc->sc_cookie = carpd_cookie();
	sc->sc_vh.vh_state = CARP_INIT;
	carpd_softc_conf(sc, ic);
	TAILQ_INSERT_TAIL(&env->env_softcs, sc, sc_entry);
	if (carp_if_attach(sc) == -1)
		log_warnx("%s: not attached, staying INIT", ic->ic_name);
	carp_if_update(sc);
	return (0);
}

static void
carpd_softc_del(struct carpd *env, struct carp_softc *sc, int bowout)
{
	if (sc->sc_linkdemoted)
		carp_softc_demote(sc, -1, "carpdev");
	if (sc->sc_snddemoted)
		carp_softc_demote(sc, -1, "< snderrors");
	carp_if_detach(sc, bowout);
	TAILQ_REMOVE(&env->env_softcs, sc, sc_entry);
	if (sc->sc_timer != NULL)
		event_free(sc->sc_timer);
	free(sc);
}

/* Same carp interface identity: its macvlan and state can stay. */
static int
carpd_same_identity(const struct carp_ifconf *a, const struct carp_ifconf *b)
{
	return (strcmp(a->ic_carpdev, b->ic_carpdev) == 0 &&
	    a->ic_vhid == b->ic_vhid &&
	    a->ic_lladdr_mode == b->ic_lladdr_mode &&
	    memcmp(a->ic_lladdr, b->ic_lladdr, sizeof(a->ic_lladdr)) == 0 &&
	    a->ic_has_peer == b->ic_has_peer);
}

/*
 * SIGHUP: parse and validate the whole new file first; on any error keep
 * running the old one.  Then carp interfaces that are gone bow out,
 * changed identities are rebuilt, and the others keep their state and
 * take their new timing, key and addresses.
 */
void
carpd_reload(struct carpd *env)
{
	struct carpd_config	*nc, *oc = env->env_conf;
	struct carp_ifconf	*ic, *oic;
	struct carp_softc	*sc, *next;

	if ((nc = carpd_parse_file(env->env_conffile, carpd_errfn_log,
	    NULL)) == NULL) {
		log_warnx("reload of %s failed, keeping the running "
		    "configuration", env->env_conffile);
		return;
	}
	env->env_conf = nc;
	for (sc = TAILQ_FIRST(&env->env_softcs); sc != NULL; sc = next) {
		next = TAILQ_NEXT(sc, sc_entry);
		TAILQ_FOREACH(ic, &nc->c_ifs, ic_entry)
			if (strcmp(ic->ic_name, sc->sc_conf->ic_name) == 0)
				break;
		if (ic != NULL && carpd_same_identity(ic, sc->sc_conf)) {
			oic = sc->sc_conf;	/* freed with oc, below */
			carpd_softc_conf(sc, ic);
			carp_if_sync_vips(sc, oic);
			carp_if_update(sc);
			continue;
		}
		/* removed or rebuilt: uses the old config until gone */
		carpd_softc_del(env, sc, 1);
	}
	TAILQ_FOREACH(ic, &nc->c_ifs, ic_entry)
		if (carp_softc_find(env, ic->ic_name) == NULL)
			(void)carpd_softc_add(env, ic);
	carpd_config_free(oc);
	log_info("configuration reloaded from %s", env->env_conffile);
}

static void
carpd_sig(evutil_socket_t sig, short what, void *arg)
{
	struct carpd	*env = arg;

	(void)what;
	switch (sig) {
	case SIGHUP:
		log_info("reloading configuration");
		carpd_reload(env);
		break;
	case SIGTERM:
	case SIGINT:
		log_info("exiting on signal %d", (int)sig);
		(void)event_base_loopbreak(env->env_base);
		break;
	default:
		break;
	}
}

static int
carpd_nlev_cb(const struct nl_event *ev, void *arg)
{
	struct carpd		*env = arg;
	struct carp_softc	*sc;

	if (ev->type == NL_EV_OVERRUN) {
		log_warnx("netlink event overrun, resynchronising links");
		carpd_resync(env);
		return (0);
	}
	if (ev->type != NL_EV_LINK_NEW && ev->type != NL_EV_LINK_DEL)
		return (0);
	TAILQ_FOREACH(sc, &env->env_softcs, sc_entry) {
		if (strcmp(ev->link.name, sc->sc_conf->ic_carpdev) == 0 ||
		    ev->link.ifindex == sc->sc_parent) {
			if (ev->type == NL_EV_LINK_DEL) {
				if (sc->sc_ifindex != sc->sc_parent)
					sc->sc_ifindex = 0;
				sc->sc_parent = 0;
				sc->sc_parent_up = 0;
			} else if (sc->sc_parent == 0 ||
			    (sc->sc_ifindex == 0 && ev->type ==
			    NL_EV_LINK_NEW)) {
				(void)carp_if_attach(sc);
			} else
				sc->sc_parent_up = (ev->link.flags & IFF_UP) &&
				    ev->link.oper_up;
			carp_if_update(sc);
		} else if (ev->type == NL_EV_LINK_DEL &&
		    ev->link.ifindex == sc->sc_ifindex) {
			log_warnx("%s: interface deleted behind our back, "
			    "rebuilding it", sc->sc_conf->ic_name);
			sc->sc_ifindex = 0;
			sc->sc_vips_on = 0;
			carp_if_update(sc);
			(void)carp_if_attach(sc);
			carp_if_update(sc);
		}
	}
	return (0);
}

static void
carpd_resync(struct carpd *env)
{
	struct carp_softc	*sc;
	struct nl_link		 l;

	TAILQ_FOREACH(sc, &env->env_softcs, sc_entry) {
		if (nl_link_get(env->env_nl, 0, sc->sc_conf->ic_carpdev,
		    &l) == -1) {
			sc->sc_parent = 0;
			sc->sc_parent_up = 0;
		} else {
			sc->sc_parent = l.ifindex;
			sc->sc_parent_up = (l.flags & IFF_UP) && l.oper_up;
		}
		carp_if_update(sc);
	}
}

static void
carpd_nlev(evutil_socket_t fd, short what, void *arg)
{
	struct carpd	*env = arg;

	(void)fd;
	(void)what;
	if (nl_ev_read(env->env_nlev, carpd_nlev_cb, env) == -1)
		log_warn("reading netlink events");
}

/* Keeps CAP_NET_RAW and CAP_NET_ADMIN; drops everything else for good. */
/* At exit, so the leak checker sees only real leaks. */
static void
carpd_free(struct carpd *env)
{
	struct carp_group	*g;

	while ((g = TAILQ_FIRST(&env->env_groups)) != NULL) {
		TAILQ_REMOVE(&env->env_groups, g, g_entry);
		free(g);
	}
	event_free(env->env_ev4);
	event_free(env->env_ev6);
	event_free(env->env_nlev_ev);
	(void)close(env->env_sock4);
	(void)close(env->env_sock6);
	(void)close(env->env_pkt);
	nl_ev_close(env->env_nlev);
	nl_close(env->env_nl);
	event_base_free(env->env_base);
	carpd_config_free(env->env_conf);
	env->env_conf = NULL;
}

int
main(int argc, char *argv[])
{
	struct carpd		 env;
	struct carp_ifconf	*ic;
	struct carp_softc	*sc;
	struct event		*sigev[4];
	struct event_config	*evcfg;
	const int		 sigs[4] = { SIGHUP, SIGTERM, SIGINT, SIGPIPE };
	const cap_value_t	 keep[] = { CAP_NET_RAW, CAP_NET_ADMIN };
	char			 dir[256];
	int			 ch, debug = 0, noaction = 0, verbose = 0, i;

	memset(&env, 0, sizeof(env));
	env.env_conffile = CARPD_CONF;
	env.env_sockpath = CARPD_SOCK;
	env.env_sock4 = env.env_sock6 = env.env_pkt = -1;
	TAILQ_INIT(&env.env_softcs);
	TAILQ_INIT(&env.env_groups);

	while ((ch = getopt(argc, argv, "df:ns:v")) != -1) {
		switch (ch) {
		case 'd':
			debug = 1;
			break;
		case 'f':
			env.env_conffile = optarg;
			break;
		case 'n':
			noaction = 1;
			break;
		case 's':
			env.env_sockpath = optarg;
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

	if ((env.env_conf = carpd_parse_file(env.env_conffile,
	    carpd_errfn_stderr, NULL)) == NULL)
		exit(1);
	if (noaction) {
		if (verbose)
			carpd_config_print(stdout, env.env_conf);
		(void)fprintf(stderr, "configuration OK\n");
		carpd_config_free(env.env_conf);
		exit(0);
	}
	if (geteuid() != 0)
		errx(1, "need root privileges");

	log_init(debug, LOG_DAEMON);
	log_setverbose(verbose);
	if (!debug && daemon(0, 0) == -1)
		fatal("daemon");
	(void)snprintf(env.env_alias, sizeof(env.env_alias), "%s %s",
	    CARPD_ALIAS, env.env_sockpath);

	/*
	 * The default base rounds timers through a coarse clock: 3-5 ms late
	 * at advbase 1, a fifth of the budget at advbase 0.
	 */
	if ((evcfg = event_config_new()) == NULL ||
	    event_config_set_flag(evcfg, EVENT_BASE_FLAG_PRECISE_TIMER) == -1 ||
	    (env.env_base = event_base_new_with_config(evcfg)) == NULL)
		fatalx("event_base_new");
	event_config_free(evcfg);
	if ((env.env_nl = nl_open()) == NULL)
		fatal("netlink");
	if ((env.env_nlev = nl_ev_open()) == NULL)
		fatal("netlink events");
	env.env_nlev_ev = event_new(env.env_base, nl_ev_fd(env.env_nlev),
	    EV_READ | EV_PERSIST, carpd_nlev, &env);
	if (env.env_nlev_ev == NULL || event_add(env.env_nlev_ev, NULL) == -1)
		fatalx("event_add");
	if (carp_if_init(&env) == -1)
		fatalx("cannot open the CARP sockets");
	carp_if_cleanup_leftovers(&env);

	(void)strlcpy(dir, env.env_sockpath, sizeof(dir));
	if (mkdir(dirname(dir), 0755) == -1 && errno != EEXIST)
		log_warn("mkdir %s", dir);
	if (control_init(&env) == -1)
		fatal("control socket %s", env.env_sockpath);
	for (i = 0; i < 4; i++) {
		sigev[i] = evsignal_new(env.env_base, sigs[i], carpd_sig, &env);
		if (sigev[i] == NULL || evsignal_add(sigev[i], NULL) == -1)
			fatalx("evsignal_add");
	}
	if (priv_keep_caps(keep, 2) == -1)
		fatal("dropping capabilities");

	if (env.env_conf->c_startup_demote > 0)
		(void)carp_group_adjust(&env, "carp",
		    env.env_conf->c_startup_demote, "startup");
	TAILQ_FOREACH(ic, &env.env_conf->c_ifs, ic_entry)
		(void)carpd_softc_add(&env, ic);
	log_info("startup");

	(void)event_base_dispatch(env.env_base);

	/* Orderly exit: MASTERs bow out, our interfaces go away. */
	while ((sc = TAILQ_FIRST(&env.env_softcs)) != NULL)
		carpd_softc_del(&env, sc, 1);
	control_close(&env);
	for (i = 0; i < 4; i++)
		event_free(sigev[i]);
	carpd_free(&env);
	log_info("terminating");
	return (0);
}
