/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * relayctl: relayd's control tool.  OpenBSD's command words (parser.c)
 * and text (show.c) over hakit's JSON control socket (lib/ctl.h); -j
 * prints the daemon's JSON items instead of the text.
 */

#include <err.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "parser.h"
#include "show.h"

#define RELAYCTL_SOCK	"/run/hakit/relayd.sock"

static void	 usage(void) __attribute__((__noreturn__));
static json_t	*call(const char *, json_t *);
static int	 do_show(const char *, enum parser_action, json_t *);
static int	 do_command(const char *, json_t *);
static int	 do_monitor(const char *, json_t *);
static struct ctl_client *connect_retry(const char *);
static char	*abs_path(const char *);

static int	 jflag;

static void
usage(void)
{
	extern char	*__progname;

	(void)fprintf(stderr, "usage: %s [-s socket] command [argument ...]\n",
	    __progname);
	exit(1);
}

int
main(int argc, char *argv[])
{
	struct parse_result	 res;
	const char		*sock = RELAYCTL_SOCK;
	char			 errbuf[1024], *path = NULL;
	json_t			*req;
	int			 rv;

	if (ctl_tool_args(&argc, &argv, &sock, &jflag) == -1)
		usage();
	if (parser_parse(argc, argv, &res, errbuf, sizeof(errbuf)) == -1) {
		(void)fputs(errbuf, stderr);
		exit(1);
	}
	if (res.pr_action == PARSER_LOAD && (path = abs_path(res.pr_path)) ==
	    NULL)
		err(1, "%s", res.pr_path);
	if ((req = parser_request(&res, path)) == NULL) {
		if (res.pr_action == PARSER_NONE)
			usage();
		errx(1, "out of memory");
	}
	free(path);

	switch (res.pr_action) {
	case PARSER_SHOW_SUM:
	case PARSER_SHOW_HOSTS:
	case PARSER_SHOW_RDRS:
	case PARSER_SHOW_RELAYS:
	case PARSER_SHOW_ROUTERS:
	case PARSER_SHOW_SESSIONS:
		rv = do_show(sock, res.pr_action, req);
		break;
	case PARSER_MONITOR:
		rv = do_monitor(sock, req);
		break;
	default:
		rv = do_command(sock, req);
		if (rv == -1)
			rv = 1;
		else if (res.pr_action == PARSER_LOG_VERBOSE ||
		    res.pr_action == PARSER_LOG_BRIEF) {
			if (!jflag)
				printf("logging request sent.\n");
		} else if (res.pr_action == PARSER_RELOAD ||
		    res.pr_action == PARSER_LOAD) {
			/* OpenBSD prints nothing. */
		} else if (!jflag)
			printf(rv == 0 ? "command succeeded\n" :
			    "command failed\n");
		break;
	}
	return (rv == 0 ? 0 : 1);
}

/* Sends req (consumed) and returns the reply, ok or not. */
static json_t *
call(const char *sock, json_t *req)
{
	struct ctl_client	*cl;
	json_t			*rep;
	const char		*err;

	if ((cl = ctl_client_open(sock, &err)) == NULL)
		errx(1, "connect: %s: %s", sock, err);
	if ((rep = ctl_client_call(cl, req, &err)) == NULL)
		errx(1, "%s: %s", sock, err);
	ctl_client_close(cl);
	json_decref(req);
	return (rep);
}

static int
do_show(const char *sock, enum parser_action action, json_t *req)
{
	enum show_kind	 kind;
	json_t		*rep, *items, *out = NULL, *item;
	const char	*msg;
	size_t		 i;

	switch (action) {
	case PARSER_SHOW_HOSTS:
		kind = SHOW_HOSTS;
		break;
	case PARSER_SHOW_RDRS:
		kind = SHOW_REDIRECTS;
		break;
	case PARSER_SHOW_RELAYS:
		kind = SHOW_RELAYS;
		break;
	case PARSER_SHOW_ROUTERS:
		kind = SHOW_ROUTERS;
		break;
	case PARSER_SHOW_SESSIONS:
		kind = SHOW_SESSIONS;
		break;
	default:
		kind = SHOW_SUMMARY;
		break;
	}

	rep = call(sock, req);
	if (!json_is_true(json_object_get(rep, "ok"))) {
		msg = json_string_value(json_object_get(rep, "error"));
		errx(1, "%s", msg != NULL ? msg : "request failed");
	}
	items = json_object_get(rep, "items");
	if (jflag) {
		if ((out = json_array()) == NULL)
			errx(1, "out of memory");
		json_array_foreach(items, i, item)
			if (show_wants(kind, item) &&
			    json_array_append(out, item) == -1)
				errx(1, "out of memory");
		ctl_tool_print(out);
		json_decref(out);
		json_decref(rep);
		return (0);
	}
	/* OpenBSD prints the header before it reads the reply. */
	if (kind != SHOW_SESSIONS)
		show_header(stdout);
	json_array_foreach(items, i, item)
		if (show_item(stdout, kind, item) == -1)
			errx(1, "wrong item in summary: %s",
			    json_string_value(json_object_get(item, "type")));
	json_decref(rep);
	return (0);
}

/*
 * Enable, disable, poll, stop, reload, load, log.  Returns 0 when relayd
 * accepted, 1 when it refused ("command failed"), -1 when the refusal
 * was reported here already (reload, load, log: OpenBSD has no words
 * for it).
 */
static int
do_command(const char *sock, json_t *req)
{
	json_t		*rep;
	const char	*cmd, *msg;
	int		 ok, quiet;

	cmd = json_string_value(json_object_get(req, "cmd"));
	quiet = strcmp(cmd, "reload") == 0 || strcmp(cmd, "load") == 0 ||
	    strcmp(cmd, "log") == 0;
	rep = call(sock, req);
	ok = json_is_true(json_object_get(rep, "ok"));
	if (jflag)
		ctl_tool_print(rep);
	else if (!ok && quiet) {
		msg = json_string_value(json_object_get(rep, "error"));
		warnx("%s", msg != NULL ? msg : "request failed");
	}
	json_decref(rep);
	if (ok)
		return (0);
	return (quiet ? -1 : 1);
}

/* Connects, retrying once a second while relayd's socket is absent or
 * refuses (relayd not started yet), as OpenBSD's relayctl monitor. */
static struct ctl_client *
connect_retry(const char *sock)
{
	struct ctl_client	*cl;
	const char		*err;
	char			 noent[128], refused[128];

	(void)strlcpy(noent, strerror(ENOENT), sizeof(noent));
	(void)strlcpy(refused, strerror(ECONNREFUSED), sizeof(refused));
	while ((cl = ctl_client_open(sock, &err)) == NULL) {
		if (strcmp(err, noent) != 0 && strcmp(err, refused) != 0)
			errx(1, "connect: %s: %s", sock, err);
		(void)sleep(1);
	}
	return (cl);
}

static int
do_monitor(const char *sock, json_t *req)
{
	struct ctl_client	*cl;
	json_t			*rep, *ev;
	const char		*errstr, *msg;
	char			*s;
	int			 done = 0;

	cl = connect_retry(sock);
	if ((rep = ctl_client_call(cl, req, &errstr)) == NULL)
		errx(1, "%s: %s", sock, errstr);
	json_decref(req);
	if (!json_is_true(json_object_get(rep, "ok"))) {
		msg = json_string_value(json_object_get(rep, "error"));
		errx(1, "%s", msg != NULL ? msg : "request failed");
	}
	json_decref(rep);

	while (!done) {
		if ((ev = ctl_client_read(cl, &errstr)) == NULL)
			errx(1, "%s: %s", sock, errstr);
		if (json_object_get(ev, "event") == NULL) {
			json_decref(ev);
			continue;
		}
		if (jflag) {
			if ((s = json_dumps(ev, JSON_COMPACT |
			    JSON_PRESERVE_ORDER)) == NULL)
				errx(1, "out of memory");
			printf("%s\n", s);
			free(s);
		} else
			done = show_monitor(stdout, ev, time(NULL));
		json_decref(ev);
		if (fflush(stdout) == EOF)
			err(1, "stdout");
	}
	ctl_client_close(cl);
	return (0);
}

/* load: relayd runs elsewhere (cwd /), so a relative path is made
 * absolute here.  Returns a new string or NULL with errno set. */
static char *
abs_path(const char *path)
{
	char	 cwd[PATH_MAX], *p;

	if (path[0] == '/')
		return (strdup(path));
	if (getcwd(cwd, sizeof(cwd)) == NULL)
		return (NULL);
	if (asprintf(&p, "%s/%s", cwd, path) == -1)
		return (NULL);
	return (p);
}
