/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * pfsyncd: OpenBSD's pfsync for Linux conntrack.  One process, like
 * carpd: it parses only pfsync's fixed-layout messages from the network,
 * every read bounded (pfsync_wire.c, fuzzed), and keeps CAP_NET_ADMIN
 * (conntrack writes) and CAP_NET_RAW (its socket) only.
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
#include <sys/random.h>
#include <syslog.h>
#include <unistd.h>

#include "carpclient.h"
#include "ctl.h"
#include "log.h"
#include "priv.h"
#include "sync.h"

static void	usage(void) __attribute__((__noreturn__));

static void
usage(void)
{
	extern char	*__progname;

	(void)fprintf(stderr, "usage: %s [-dnv] [-f file] [-s socket]\n",
	    __progname);
	exit(1);
}

static void
pfsyncd_stderr(void *arg, const char *msg)
{
	(void)arg;
	(void)fprintf(stderr, "%s\n", msg);
}

static json_t *
pfsyncd_ctl(struct ctl_conn *c, const json_t *req, void *arg)
{
	struct pfsyncd	*env = arg;
	const char	*cmd = json_string_value(json_object_get(req, "cmd"));

	(void)c;
	if (strcmp(cmd, "show") == 0 || strcmp(cmd, "stats") == 0)
		return (sync_show(env));
	if (strcmp(cmd, "states") == 0)
		return (sync_states(env));
	if (strcmp(cmd, "bulk") == 0) {
		sync_bulk_request(env);
		return (ctl_reply_ok());
	}
	return (ctl_reply_error("unknown command: %s", cmd));
}

static void
pfsyncd_carp(const json_t *ev, void *arg)
{
	const char	*ifname, *state;

	(void)arg;
	ifname = json_string_value(json_object_get(ev, "ifname"));
	state = json_string_value(json_object_get(ev, "state"));
	if (ifname != NULL && state != NULL)
		log_debug("carp %s %s", ifname, state);
}

static void
pfsyncd_sig(evutil_socket_t sig, short ev, void *arg)
{
	struct pfsyncd	*env = arg;

	(void)ev;
	switch (sig) {
	case SIGTERM:
	case SIGINT:
		(void)event_base_loopbreak(env->env_base);
		break;
	case SIGHUP:
		log_info("SIGHUP: pfsyncd.conf is read at start only; "
		    "restart to apply changes");
		break;
	default:
		break;
	}
}

int
main(int argc, char *argv[])
{
	struct pfsyncd		 env;
	struct event		*sigev[4];
	const int		 sigs[4] = { SIGHUP, SIGTERM, SIGINT, SIGPIPE };
	const cap_value_t	 keep[] = { CAP_NET_RAW, CAP_NET_ADMIN };
	char			 dir[256];
	int			 ch, debug = 0, noaction = 0, verbose = 0, i;

	memset(&env, 0, sizeof(env));
	env.env_conffile = PFSYNCD_CONF;
	env.env_sockpath = PFSYNCD_SOCK;
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

	if ((env.env_conf = pfsyncd_parse_file(env.env_conffile,
	    pfsyncd_stderr, NULL)) == NULL)
		exit(1);
	if (noaction) {
		if (verbose)
			pfsyncd_config_print(stdout, env.env_conf);
		(void)fprintf(stderr, "configuration OK\n");
		pfsyncd_config_free(env.env_conf);
		exit(0);
	}
	if (geteuid() != 0)
		errx(1, "need root privileges");

	log_init(debug, LOG_DAEMON);
	log_setverbose(verbose);
	if (!debug && daemon(0, 0) == -1)
		fatal("daemon");
	env.env_creatorid = env.env_conf->c_hostid;
	while (env.env_creatorid == 0)
		if (getrandom(&env.env_creatorid, sizeof(env.env_creatorid),
		    0) != sizeof(env.env_creatorid))
			fatal("getrandom");

	if ((env.env_base = event_base_new()) == NULL)
		fatalx("event_base_new");
	if (sync_init(&env) == -1)
		fatalx("cannot set up the sync link and conntrack");
	(void)strlcpy(dir, env.env_sockpath, sizeof(dir));
	if (mkdir(dirname(dir), 0755) == -1 && errno != EEXIST)
		log_warn("mkdir %s", dir);
	if ((env.env_ctl = ctl_server_open(env.env_base, env.env_sockpath,
	    0660, pfsyncd_ctl, NULL, &env)) == NULL)
		fatal("control socket %s", env.env_sockpath);
	if (env.env_conf->c_carp && (env.env_carp = carp_client_new(
	    env.env_base, env.env_conf->c_carpsock, pfsyncd_carp, &env)) ==
	    NULL)
		fatalx("carpd client");
	for (i = 0; i < 4; i++) {
		sigev[i] = evsignal_new(env.env_base, sigs[i], pfsyncd_sig,
		    &env);
		if (sigev[i] == NULL || evsignal_add(sigev[i], NULL) == -1)
			fatalx("evsignal_add");
	}
	if (priv_keep_caps(keep, 2) == -1)
		fatal("dropping capabilities");

	log_info("startup: hostid %08x, syncdev %s", env.env_creatorid,
	    env.env_conf->c_syncdev);
	sync_start(&env);
	(void)event_base_dispatch(env.env_base);

	for (i = 0; i < 4; i++)
		event_free(sigev[i]);
	sync_shutdown(&env);
	if (env.env_carp != NULL)
		carp_client_free(env.env_carp);
	ctl_server_close(env.env_ctl);
	event_base_free(env.env_base);
	pfsyncd_config_free(env.env_conf);
	log_info("terminating");
	return (0);
}
