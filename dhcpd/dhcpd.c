/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * dhcpd: main(), OpenBSD's command line, reload, carp following.
 */

#include <sys/stat.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <err.h>
#include <errno.h>
#include <event2/event.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "carpclient.h"
#include "dhcpd.h"
#include "log.h"
#include "priv.h"
#include "tables.h"

#define MAX_TARGETS	DHCPD_MAX_SYNC_TARGETS

static void	usage(void) __attribute__((__noreturn__));

static void
usage(void)
{
	extern char	*__progname;

	(void)fprintf(stderr, "usage: %s [-dfInv] [-A table] [-C table] "
	    "[-c config-file] [-K carp-if]\n\t[-k key-file] [-L table] "
	    "[-l lease-file] [-S carp-socket] [-s socket]\n"
	    "\t[-u[bind_address]] [-Y synctarget] [-y synclisten] "
	    "[if0 [... ifN]]\n", __progname);
	exit(1);
}

uint64_t
dhcpd_now_ms(void)
{
	struct timespec	 ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

/* Every range of conf becomes addresses of its shared network's pool */
static int
dhcpd_pools(struct dhcpd *env, struct dhcpd_config *conf)
{
	struct dhcp_subnet	*sn;
	struct dhcp_range	*r;

	TAILQ_FOREACH(sn, &conf->c_subnets, s_all)
		TAILQ_FOREACH(r, &sn->s_ranges, r_entry)
			if (lease_db_add_range(env->env_db, r->r_low,
			    r->r_high, sn->s_shared) == -1) {
				log_warnx("%s:%d: range %s: too many "
				    "addresses", sn->s_file, sn->s_line,
				    inet_ntoa(r->r_low));
				return (-1);
			}
	return (0);
}

/*
 * SIGHUP: the new file is parsed and checked whole; on any error the
 * running configuration stays.  Leases keep their times; addresses that
 * left every range stay known but are no longer offered.
 */
static void
dhcpd_reload(struct dhcpd *env)
{
	struct dhcpd_config	*nc, *old;
	struct dhcp_subnet	*sn;
	struct dhcp_if		*di;

	if ((nc = dhcpd_config_parse(env->env_conffile, stderr)) == NULL) {
		log_warnx("reload: %s has errors; the running configuration "
		    "stays", env->env_conffile);
		return;
	}
	TAILQ_FOREACH(di, &env->env_ifs, di_entry)
		if (dhcpd_config_subnet_for(nc, di->di_addr) == NULL) {
			log_warnx("reload: no subnet for %s (%s); the running "
			    "configuration stays", di->di_name,
			    inet_ntoa(di->di_addr));
			dhcpd_config_free(nc);
			return;
		}
	lease_db_unpool(env->env_db);
	if (dhcpd_pools(env, nc) == -1) {
		/* ranges partly added: fall back to the old pools */
		lease_db_unpool(env->env_db);
		(void)dhcpd_pools(env, env->env_conf);
		dhcpd_config_free(nc);
		return;
	}
	TAILQ_FOREACH(di, &env->env_ifs, di_entry) {
		sn = dhcpd_config_subnet_for(nc, di->di_addr);
		di->di_shared = sn->s_shared;
	}
	old = env->env_conf;
	env->env_conf = nc;
	dhcpd_config_free(old);
	log_info("reload: %s applied", env->env_conffile);
}

static void
dhcpd_sig(evutil_socket_t sig, short ev, void *arg)
{
	struct dhcpd	*env = arg;

	(void)ev;
	switch (sig) {
	case SIGTERM:
	case SIGINT:
		(void)event_base_loopbreak(env->env_base);
		break;
	case SIGHUP:
		dhcpd_reload(env);
		break;
	default:
		break;
	}
}

static void
dhcpd_tick(evutil_socket_t fd, short ev, void *arg)
{
	struct dhcpd	*env = arg;
	struct timeval	 tv = { 1, 0 };

	(void)fd;
	(void)ev;
	server_tick(env, time(NULL));
	(void)evtimer_add(env->env_tick_ev, &tv);
}

/* carpd says: the state of our carp interface, and its VIP */
static void
dhcpd_carp(const json_t *ev, void *arg)
{
	struct dhcpd	*env = arg;
	const char	*ifname, *state, *a;
	json_t		*addrs, *v;
	char		 buf[64], *slash;
	size_t		 i;
	int		 master;

	ifname = json_string_value(json_object_get(ev, "ifname"));
	state = json_string_value(json_object_get(ev, "state"));
	if (ifname == NULL || state == NULL ||
	    strcmp(ifname, env->env_carp_if) != 0)
		return;
	master = strcmp(state, "MASTER") == 0;
	if (master != env->env_carp_master)
		log_info("carp %s %s: %s", ifname, state, master ?
		    "answering clients" : "silent");
	env->env_carp_master = master;
	addrs = json_object_get(ev, "addresses");
	json_array_foreach(addrs, i, v) {
		if ((a = json_string_value(v)) == NULL ||
		    strlcpy(buf, a, sizeof(buf)) >= sizeof(buf))
			continue;
		if ((slash = strchr(buf, '/')) != NULL)
			*slash = '\0';
		if (inet_pton(AF_INET, buf, &env->env_carp_vip) == 1)
			break;
	}
}

static void
dhcpd_startup_tables(struct lease *l, void *arg)
{
	struct dhcpd	*env = arg;

	if (l->l_ends > time(NULL) && l->l_hlen != 0 &&
	    !(l->l_flags & LEASE_ABANDONED))
		(void)dhcp_tables_cmd(env->env_tables, 'L', l->l_ip);
}

int
main(int argc, char *argv[])
{
	struct dhcpd		 env;
	struct event		*sigev[4];
	const int		 sigs[4] = { SIGHUP, SIGTERM, SIGINT, SIGPIPE };
	const cap_value_t	 keep[] = { CAP_NET_RAW, CAP_NET_ADMIN };
	char			*targets[MAX_TARGETS], dir[256], err[256];
	const char		*listen = NULL;
	struct timeval		 tv = { 1, 0 };
	int			 ch, debug = 0, noaction = 0, verbose = 0;
	int			 ntargets = 0, i, nif;

	memset(&env, 0, sizeof(env));
	env.env_conffile = DHCPD_CONF_DEFAULT;
	env.env_leasefile = DHCPD_LEASES_DEFAULT;
	env.env_keyfile = DHCPD_KEY_DEFAULT;
	env.env_sockpath = DHCPD_SOCK_DEFAULT;
	env.env_carp_sock = DHCPD_CARP_SOCK_DEFAULT;
	env.env_udpfd = env.env_icmpfd = -1;
	env.env_sync.sy_fd = -1;
	TAILQ_INIT(&env.env_pending);
	TAILQ_INIT(&env.env_ifs);
	TAILQ_INIT(&env.env_probes);
	while ((ch = getopt(argc, argv, "A:C:c:dfIK:k:L:l:nS:s:u::vY:y:")) !=
	    -1) {
		switch (ch) {
		case 'A':
			env.env_tab_abandoned = optarg;
			break;
		case 'C':
			env.env_tab_changed = optarg;
			break;
		case 'c':
			env.env_conffile = optarg;
			break;
		case 'd':
		case 'f':
			debug = 1;
			break;
		case 'I':
			env.env_carp_id = 1;
			break;
		case 'K':
			env.env_carp_if = optarg;
			break;
		case 'k':
			env.env_keyfile = optarg;
			break;
		case 'L':
			env.env_tab_leased = optarg;
			break;
		case 'l':
			env.env_leasefile = optarg;
			break;
		case 'n':
			noaction = 1;
			break;
		case 'S':
			env.env_carp_sock = optarg;
			break;
		case 's':
			env.env_sockpath = optarg;
			break;
		case 'u':
			env.env_udp = 1;
			if (optarg != NULL && inet_pton(AF_INET, optarg,
			    &env.env_udp_addr) != 1)
				errx(1, "-u: bad address %s", optarg);
			break;
		case 'v':
			verbose++;
			break;
		case 'Y':
			if (ntargets == MAX_TARGETS)
				errx(1, "more than %d -Y targets",
				    MAX_TARGETS);
			targets[ntargets++] = optarg;
			break;
		case 'y':
			if (listen != NULL)
				errx(1, "-y may be given once");
			listen = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (env.env_carp_id && env.env_carp_if == NULL)
		errx(1, "-I needs -K carp-interface");

	if ((env.env_conf = dhcpd_config_parse(env.env_conffile,
	    stderr)) == NULL)
		exit(1);
	if (noaction) {
		if (verbose)
			dhcpd_config_print(stdout, env.env_conf);
		else
			(void)fprintf(stderr, "configuration OK\n");
		dhcpd_config_free(env.env_conf);
		exit(0);
	}
	if (geteuid() != 0)
		errx(1, "need root privileges");

	log_init(debug, LOG_DAEMON);
	log_setverbose(verbose);
	if ((env.env_db = lease_db_new()) == NULL)
		fatal("lease table");
	if (dhcpd_pools(&env, env.env_conf) == -1)
		fatalx("too many addresses in the ranges");
	/* open before the capabilities go; it stays open */
	if ((env.env_lf = leasefile_open(env.env_leasefile, err,
	    sizeof(err))) == NULL)
		fatalx("lease file %s: %s", env.env_leasefile, err);
	if (leasefile_load(env.env_lf, env.env_db, time(NULL)) == -1)
		fatalx("lease file %s: cannot be read", env.env_leasefile);
	if (leasefile_rewrite(env.env_lf, env.env_db, time(NULL)) == -1)
		fatal("lease file %s: rewrite", env.env_leasefile);

	if (!debug && daemon(0, 0) == -1)
		fatal("daemon");
	if ((env.env_base = event_base_new()) == NULL)
		fatalx("event_base_new");
	if ((env.env_tab_abandoned != NULL || env.env_tab_changed != NULL ||
	    env.env_tab_leased != NULL) && (env.env_tables = dhcp_tables_open(
	    env.env_tab_abandoned, env.env_tab_changed, env.env_tab_leased,
	    err, sizeof(err))) == NULL)
		fatalx("address tables: %s", err);
	if (env.env_tables != NULL)
		lease_db_foreach(env.env_db, dhcpd_startup_tables, &env);
	if ((nif = netif_setup(&env, argv, argc)) <= 0)
		fatalx("no interface to serve: give one with a subnet "
		    "declaration");
	if (netif_udp_open(&env) == -1)
		fatalx("cannot open UDP port %d", DHCP_SERVER_PORT);
	(void)probe_open(&env);
	if (dsync_setup(&env, listen, targets, ntargets) == -1)
		fatalx("cannot set up the lease sync");
	(void)strlcpy(dir, env.env_sockpath, sizeof(dir));
	if (mkdir(dirname(dir), 0755) == -1 && errno != EEXIST)
		log_warn("mkdir %s", dir);
	if (control_open(&env) == -1)
		fatal("control socket %s", env.env_sockpath);
	if (env.env_carp_if != NULL && (env.env_carp = carp_client_new(
	    env.env_base, env.env_carp_sock, dhcpd_carp, &env)) == NULL)
		fatalx("carpd client");
	for (i = 0; i < 4; i++) {
		sigev[i] = evsignal_new(env.env_base, sigs[i], dhcpd_sig,
		    &env);
		if (sigev[i] == NULL || evsignal_add(sigev[i], NULL) == -1)
			fatalx("evsignal_add");
	}
	if ((env.env_tick_ev = evtimer_new(env.env_base, dhcpd_tick,
	    &env)) == NULL || evtimer_add(env.env_tick_ev, &tv) == -1)
		fatalx("timer");
	if (priv_keep_caps(keep, 2) == -1)
		fatal("dropping capabilities");

	log_info("startup: %d interface(s), %zu leases", nif,
	    lease_db_count(env.env_db));
	(void)event_base_dispatch(env.env_base);

	for (i = 0; i < 4; i++)
		event_free(sigev[i]);
	event_free(env.env_tick_ev);
	server_commit(&env);
	if (env.env_carp != NULL)
		carp_client_free(env.env_carp);
	control_close(&env);
	dsync_close(&env);
	probe_close(&env);
	netif_close(&env);
	if (env.env_tables != NULL)
		dhcp_tables_close(env.env_tables);
	leasefile_close(env.env_lf);
	lease_db_free(env.env_db);
	event_base_free(env.env_base);
	dhcpd_config_free(env.env_conf);
	log_info("terminating");
	return (0);
}
