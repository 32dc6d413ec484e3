/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * sasyncd: the CARP master's IPsec SAs and policies, streamed to its
 * backups (OpenBSD's sasyncd on Linux XFRM).  One process: the only
 * input from the network is the peers' frames (sasync_frame.c and
 * sasync_xfrm.c, both fuzzed), and after start it keeps CAP_NET_ADMIN
 * only, which XFRM changes need.  OpenBSD splits a privileged process
 * off for PF_KEY; here the one capability left is that same power, so a
 * second process would guard nothing more.
 */

#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <event2/event.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "carpclient.h"
#include "ctl.h"
#include "log.h"
#include "priv.h"
#include "sasyncd.h"

static void	usage(void) __attribute__((__noreturn__));

static void
usage(void)
{
	extern char	*__progname;

	(void)fprintf(stderr, "usage: %s [-dnv] [-c config-file] "
	    "[-s socket] [-C carpd-socket]\n", __progname);
	exit(1);
}

static json_t *
sasyncd_ctl(struct ctl_conn *c, const json_t *req, void *arg)
{
	struct sasyncd	*env = arg;
	const char	*cmd = json_string_value(json_object_get(req, "cmd"));

	(void)c;
	if (strcmp(cmd, "show") == 0)
		return (sync_show(env));
	if (strcmp(cmd, "mem") == 0 && env->env_memory)
		return (backend_mem_ctl(env->env_be, req));
	return (ctl_reply_error("unknown command: %s", cmd));
}

/* Spec 2.3: MASTER -> MASTER, BACKUP -> SLAVE, INIT -> INIT. */
static void
sasyncd_carp(const json_t *ev, void *arg)
{
	struct sasyncd	*env = arg;
	const char	*ifname, *state;
	int		 d;

	if (!env->env_carp_seen) {
		/* carpd's first full answer: the start-up check (2.2) */
		env->env_carp_seen = 1;
		d = carp_client_group_demote(env->env_carp,
		    env->env_conf->c_group);
		if (d > 0 && env->env_role.r_npeers > 0 &&
		    carp_client_demote(env->env_carp,
		    env->env_conf->c_group, 1) == 0) {
			env->env_demote_held = 1;
			role_demote_hold(&env->env_role, sync_now());
			log_info("carp group %s already demoted (%d): "
			    "demoted by 1 more until every peer's snapshot "
			    "is in, at most %d s", env->env_conf->c_group, d,
			    ROLE_DEMOTE_MAXTIME / 1000);
		}
	}
	ifname = json_string_value(json_object_get(ev, "ifname"));
	state = json_string_value(json_object_get(ev, "state"));
	if (ifname == NULL || state == NULL ||
	    strcmp(ifname, env->env_conf->c_carpif) != 0)
		return;
	if (strcmp(state, "MASTER") == 0)
		sync_set_state(env, ROLE_MASTER, "carp MASTER");
	else if (strcmp(state, "BACKUP") == 0)
		sync_set_state(env, ROLE_SLAVE, "carp BACKUP");
	else
		sync_set_state(env, ROLE_INIT, "carp INIT");
}

/* carpd unreachable is FAIL (spec 2.3): we neither send nor apply. */
static void
sasyncd_carp_check(evutil_socket_t fd, short what, void *arg)
{
	struct sasyncd	*env = arg;
	struct timeval	 tv = { 1, 0 };

	(void)fd;
	(void)what;
	if (!carp_client_connected(env->env_carp))
		sync_set_state(env, ROLE_FAIL, "carpd unreachable");
	else if (carp_client_state(env->env_carp,
	    env->env_conf->c_carpif) == NULL &&
	    env->env_role.r_state == ROLE_FAIL)
		sync_set_state(env, ROLE_INIT, "no such carp interface");
	(void)evtimer_add(env->env_carp_ev, &tv);
}

static void
sasyncd_sig(evutil_socket_t sig, short ev, void *arg)
{
	struct sasyncd	*env = arg;

	(void)ev;
	switch (sig) {
	case SIGTERM:
	case SIGINT:
		(void)event_base_loopbreak(env->env_base);
		break;
	case SIGHUP:
		log_info("SIGHUP: sasyncd.conf is read at start only; "
		    "restart to apply changes");
		break;
	default:
		break;
	}
}

int
main(int argc, char *argv[])
{
	struct sasyncd		 env;
	struct event		*sigev[4];
	const int		 sigs[4] = { SIGHUP, SIGTERM, SIGINT, SIGPIPE };
	const cap_value_t	 keep[] = { CAP_NET_ADMIN };
	struct timeval		 tv = { 1, 0 };
	char			 dir[256];
	int			 ch, debug = 0, noaction = 0, verbose = 0, i;

	memset(&env, 0, sizeof(env));
	env.env_conffile = SASYNCD_CONF;
	env.env_sockpath = SASYNCD_SOCK;
	env.env_carpsock = SASYNCD_CARPSOCK;
	/* -c is OpenBSD's; -f is what every other hakit daemon takes. */
	while ((ch = getopt(argc, argv, "C:c:df:Mns:v")) != -1) {
		switch (ch) {
		case 'C':
			env.env_carpsock = optarg;
			break;
		case 'c':
		case 'f':
			env.env_conffile = optarg;
			break;
		case 'd':
			debug = 1;
			break;
		case 'M':
			env.env_memory = 1;
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

	if ((env.env_conf = sasyncd_parse(env.env_conffile, 1)) == NULL)
		exit(1);
	if (noaction) {
		if (verbose)
			sasyncd_conf_print(stdout, env.env_conf);
		(void)fprintf(stderr, "configuration OK\n");
		sasyncd_conf_free(env.env_conf);
		exit(0);
	}
	if (geteuid() != 0)
		errx(1, "need root privileges");
	if (!env.env_memory && xfrm_lockdown_confidential(NULL) == 1)
		errx(1, "kernel lockdown (confidentiality) hides SA keys "
		    "from XFRM dumps; sasyncd cannot copy SAs here");

	log_init(debug, LOG_DAEMON);
	log_setverbose(verbose);
	if (!debug && daemon(0, 0) == -1)
		fatal("daemon");
	if ((env.env_base = event_base_new()) == NULL)
		fatalx("event_base_new");
	if ((env.env_be = env.env_memory ? backend_mem_open() :
	    backend_xfrm_open()) == NULL)
		fatal("%s backend", env.env_memory ? "memory" : "XFRM");
	if (sync_init(&env) == -1)
		fatalx("cannot listen for peers");
	(void)strlcpy(dir, env.env_sockpath, sizeof(dir));
	if (mkdir(dirname(dir), 0755) == -1 && errno != EEXIST)
		log_warn("mkdir %s", dir);
	if ((env.env_ctl = ctl_server_open(env.env_base, env.env_sockpath,
	    0660, sasyncd_ctl, NULL, &env)) == NULL)
		fatal("control socket %s", env.env_sockpath);
	if (env.env_conf->c_carpif[0] != '\0' &&
	    env.env_conf->c_lock == LOCK_NONE) {
		if ((env.env_carp = carp_client_new(env.env_base,
		    env.env_carpsock, sasyncd_carp, &env)) == NULL ||
		    (env.env_carp_ev = evtimer_new(env.env_base,
		    sasyncd_carp_check, &env)) == NULL)
			fatalx("carpd client");
		(void)evtimer_add(env.env_carp_ev, &tv);
	}
	for (i = 0; i < 4; i++) {
		sigev[i] = evsignal_new(env.env_base, sigs[i], sasyncd_sig,
		    &env);
		if (sigev[i] == NULL || evsignal_add(sigev[i], NULL) == -1)
			fatalx("evsignal_add");
	}
	if (priv_keep_caps(keep, 1) == -1)
		fatal("dropping capabilities");

	log_info("startup: %s backend, %s, %d peer%s, port %u",
	    env.env_be->ops->name, env.env_conf->c_lock == LOCK_MASTER ?
	    "locked MASTER" : env.env_conf->c_lock == LOCK_SLAVE ?
	    "locked SLAVE" : env.env_conf->c_carpif, env.env_npeers,
	    env.env_npeers == 1 ? "" : "s", env.env_conf->c_port);
	sync_start(&env);
	(void)event_base_dispatch(env.env_base);

	for (i = 0; i < 4; i++)
		event_free(sigev[i]);
	if (env.env_carp != NULL) {
		if (env.env_demote_held)
			(void)carp_client_demote(env.env_carp,
			    env.env_conf->c_group, -1);
		event_free(env.env_carp_ev);
		carp_client_free(env.env_carp);
	}
	sync_shutdown(&env);
	ctl_server_close(env.env_ctl);
	env.env_be->ops->close(env.env_be);
	event_base_free(env.env_base);
	sasyncd_conf_free(env.env_conf);
	log_info("terminating");
	return (0);
}
