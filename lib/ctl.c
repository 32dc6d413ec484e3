/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <err.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "log.h"

struct ctl_conn {
	TAILQ_ENTRY(ctl_conn)	 cc_entry;
	struct ctl_server	*cc_srv;
	struct bufferevent	*cc_bev;
	void			*cc_data;	/* owned by the daemon */
	int			 cc_subscribed;
	uid_t			 cc_uid;
};

struct ctl_server {
	struct evconnlistener	*cs_lev;
	char			 cs_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	ctl_handler		*cs_handler;
	ctl_closer		*cs_closer;
	void			*cs_arg;
	TAILQ_HEAD(, ctl_conn)	 cs_conns;
	int			 cs_nconns;
	struct ctl_stats	 cs_stats;
};

struct ctl_client {
	int	 cl_fd;
	char	*cl_buf;	/* bytes read past the last line */
	size_t	 cl_len;
	size_t	 cl_cap;	/* allocated */
};

static void	ctl_accept(struct evconnlistener *, evutil_socket_t,
		    struct sockaddr *, int, void *);
static void	ctl_read(struct bufferevent *, void *);
static void	ctl_event(struct bufferevent *, short, void *);
static void	ctl_conn_free(struct ctl_conn *);
static int	ctl_send_line(struct bufferevent *, const json_t *);

json_t *
ctl_parse_request(const char *line, size_t len, const char **err)
{
	json_error_t	 jerr;
	json_t		*req, *cmd;

	if (len > CTL_MAXLINE) {
		*err = "request too long";
		return (NULL);
	}
	if ((req = json_loadb(line, len, JSON_REJECT_DUPLICATES,
	    &jerr)) == NULL) {
		*err = "request is not valid JSON";
		return (NULL);
	}
	if (!json_is_object(req)) {
		*err = "request is not a JSON object";
		goto fail;
	}
	cmd = json_object_get(req, "cmd");
	if (!json_is_string(cmd) || json_string_length(cmd) == 0) {
		*err = "request has no \"cmd\" string";
		goto fail;
	}
	return (req);
 fail:
	json_decref(req);
	return (NULL);
}

json_t *
ctl_reply_ok(void)
{
	return (json_pack("{s:b}", "ok", 1));
}

json_t *
ctl_reply_error(const char *fmt, ...)
{
	char	 msg[512];
	va_list	 ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return (json_pack("{s:b,s:s}", "ok", 0, "error", msg));
}

struct ctl_server *
ctl_server_open(struct event_base *base, const char *path, mode_t mode,
    ctl_handler *handler, ctl_closer *closer, void *arg)
{
	struct ctl_server	*cs;
	struct sockaddr_un	 sun;
	int			 fd = -1;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, path, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return (NULL);
	}
	if ((cs = calloc(1, sizeof(*cs))) == NULL)
		return (NULL);
	TAILQ_INIT(&cs->cs_conns);
	(void)strlcpy(cs->cs_path, path, sizeof(cs->cs_path));
	cs->cs_handler = handler;
	cs->cs_closer = closer;
	cs->cs_arg = arg;

	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1)
		goto fail;
	/* A stale socket from a killed instance: replace it. */
	if (unlink(path) == -1 && errno != ENOENT)
		goto fail;
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		goto fail;
	if (chmod(path, mode) == -1)
		goto fail;
	if ((cs->cs_lev = evconnlistener_new(base, ctl_accept, cs,
	    LEV_OPT_CLOSE_ON_FREE, 16, fd)) == NULL)
		goto fail;
	return (cs);
 fail:
	if (fd != -1)
		(void)close(fd);
	free(cs);
	return (NULL);
}

void
ctl_server_close(struct ctl_server *cs)
{
	struct ctl_conn	*cc;

	if (cs == NULL)
		return;
	while ((cc = TAILQ_FIRST(&cs->cs_conns)) != NULL)
		ctl_conn_free(cc);
	evconnlistener_free(cs->cs_lev);
	(void)unlink(cs->cs_path);
	free(cs);
}

const struct ctl_stats *
ctl_server_stats(const struct ctl_server *cs)
{
	return (&cs->cs_stats);
}

static void
ctl_accept(struct evconnlistener *lev, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct ctl_server	*cs = arg;
	struct ctl_conn		*cc;
	struct ucred		 cred;
	socklen_t		 len = sizeof(cred);

	(void)lev;
	(void)sa;
	(void)salen;
	if (cs->cs_nconns >= CTL_MAXCONNS) {
		cs->cs_stats.cs_refused++;
		log_warnx("control: too many connections, refusing one");
		(void)close(fd);
		return;
	}
	if ((cc = calloc(1, sizeof(*cc))) == NULL) {
		log_warn("control: calloc");
		(void)close(fd);
		return;
	}
	cc->cc_uid = (uid_t)-1;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0)
		cc->cc_uid = cred.uid;
	cc->cc_srv = cs;
	cc->cc_bev = bufferevent_socket_new(evconnlistener_get_base(
	    cs->cs_lev), fd, BEV_OPT_CLOSE_ON_FREE);
	if (cc->cc_bev == NULL) {
		log_warnx("control: bufferevent_socket_new failed");
		(void)close(fd);
		free(cc);
		return;
	}
	bufferevent_setcb(cc->cc_bev, ctl_read, NULL, ctl_event, cc);
	/* Stop reading past one oversized line; ctl_read drops the conn. */
	bufferevent_setwatermark(cc->cc_bev, EV_READ, 0, CTL_MAXLINE + 1);
	if (bufferevent_enable(cc->cc_bev, EV_READ | EV_WRITE) == -1) {
		bufferevent_free(cc->cc_bev);
		free(cc);
		return;
	}
	TAILQ_INSERT_TAIL(&cs->cs_conns, cc, cc_entry);
	cs->cs_nconns++;
}

static void
ctl_read(struct bufferevent *bev, void *arg)
{
	struct ctl_conn		*cc = arg;
	struct ctl_server	*cs = cc->cc_srv;
	struct evbuffer		*in = bufferevent_get_input(bev);
	json_t			*req, *rep;
	const char		*err;
	char			*line;
	size_t			 len;

	while ((line = evbuffer_readln(in, &len, EVBUFFER_EOL_LF)) != NULL) {
		cs->cs_stats.cs_requests++;
		if ((req = ctl_parse_request(line, len, &err)) == NULL) {
			cs->cs_stats.cs_bad++;
			rep = ctl_reply_error("%s", err);
		} else {
			rep = cs->cs_handler(cc, req, cs->cs_arg);
			json_decref(req);
		}
		free(line);
		if (rep != NULL) {
			(void)ctl_send_line(bev, rep);
			json_decref(rep);
		}
	}
	if (evbuffer_get_length(in) > CTL_MAXLINE) {
		cs->cs_stats.cs_bad++;
		log_warnx("control: request longer than %d bytes, closing",
		    CTL_MAXLINE);
		ctl_conn_free(cc);
	}
}

static void
ctl_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		ctl_conn_free(arg);
}

static void
ctl_conn_free(struct ctl_conn *cc)
{
	struct ctl_server	*cs = cc->cc_srv;

	if (cs->cs_closer != NULL)
		cs->cs_closer(cc, cs->cs_arg);
	TAILQ_REMOVE(&cs->cs_conns, cc, cc_entry);
	cs->cs_nconns--;
	bufferevent_free(cc->cc_bev);
	free(cc);
}

static int
ctl_send_line(struct bufferevent *bev, const json_t *msg)
{
	char	*s;
	int	 rv = 0;

	if ((s = json_dumps(msg, JSON_COMPACT)) == NULL)
		return (-1);
	if (bufferevent_write(bev, s, strlen(s)) == -1 ||
	    bufferevent_write(bev, "\n", 1) == -1)
		rv = -1;
	free(s);
	return (rv);
}

int
ctl_conn_send(struct ctl_conn *cc, const json_t *msg)
{
	return (ctl_send_line(cc->cc_bev, msg));
}

void
ctl_server_broadcast(struct ctl_server *cs, const json_t *msg)
{
	struct ctl_conn	*cc;

	TAILQ_FOREACH(cc, &cs->cs_conns, cc_entry)
		if (cc->cc_subscribed)
			(void)ctl_send_line(cc->cc_bev, msg);
}

void
ctl_conn_set_data(struct ctl_conn *cc, void *data)
{
	cc->cc_data = data;
}

void
ctl_conn_subscribe(struct ctl_conn *cc)
{
	cc->cc_subscribed = 1;
}

void *
ctl_conn_data(const struct ctl_conn *cc)
{
	return (cc->cc_data);
}

uid_t
ctl_conn_uid(const struct ctl_conn *cc)
{
	return (cc->cc_uid);
}

struct ctl_client *
ctl_client_open(const char *path, const char **err)
{
	struct ctl_client	*cl;
	struct sockaddr_un	 sun;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, path, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path)) {
		*err = "socket path too long";
		return (NULL);
	}
	if ((cl = calloc(1, sizeof(*cl))) == NULL) {
		*err = strerror(errno);
		return (NULL);
	}
	if ((cl->cl_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) ==
	    -1 || connect(cl->cl_fd, (struct sockaddr *)&sun,
	    sizeof(sun)) == -1) {
		*err = strerror(errno);
		if (cl->cl_fd != -1)
			(void)close(cl->cl_fd);
		free(cl);
		return (NULL);
	}
	return (cl);
}

void
ctl_client_close(struct ctl_client *cl)
{
	if (cl == NULL)
		return;
	(void)close(cl->cl_fd);
	free(cl->cl_buf);
	free(cl);
}

int
ctl_client_send(struct ctl_client *cl, const json_t *req)
{
	char	*s, *line;
	size_t	 len, off = 0;
	ssize_t	 n;
	int	 rv = 0;

	if ((s = json_dumps(req, JSON_COMPACT)) == NULL)
		return (-1);
	len = strlen(s);
	if ((line = realloc(s, len + 1)) == NULL) {
		free(s);
		return (-1);
	}
	line[len++] = '\n';	/* replaces the NUL: not a C string now */
	while (off < len) {
		n = write(cl->cl_fd, line + off, len - off);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			rv = -1;
			break;
		}
		off += (size_t)n;
	}
	free(line);
	return (rv);
}

json_t *
ctl_client_read(struct ctl_client *cl, const char **err)
{
	json_error_t	 jerr;
	json_t		*msg;
	char		*nl, *p;
	size_t		 linelen, cap;
	ssize_t		 n;

	for (;;) {
		if (cl->cl_buf != NULL &&
		    (nl = memchr(cl->cl_buf, '\n', cl->cl_len)) != NULL) {
			linelen = (size_t)(nl - cl->cl_buf);
			msg = json_loadb(cl->cl_buf, linelen, 0, &jerr);
			cl->cl_len -= linelen + 1;
			memmove(cl->cl_buf, nl + 1, cl->cl_len);
			if (msg == NULL)
				*err = "bad reply from daemon";
			return (msg);
		}
		if (cl->cl_len > CTL_MAXREPLY) {
			*err = "reply too long";
			return (NULL);
		}
		if (cl->cl_len + 4096 > cl->cl_cap) {
			cap = cl->cl_cap < 65536 ? 65536 : cl->cl_cap * 2;
			if ((p = realloc(cl->cl_buf, cap)) == NULL) {
				*err = strerror(errno);
				return (NULL);
			}
			cl->cl_buf = p;
			cl->cl_cap = cap;
		}
		n = read(cl->cl_fd, cl->cl_buf + cl->cl_len, cl->cl_cap -
		    cl->cl_len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			*err = n == 0 ? "daemon closed the connection" :
			    strerror(errno);
			return (NULL);
		}
		cl->cl_len += (size_t)n;
	}
}

json_t *
ctl_client_call(struct ctl_client *cl, const json_t *req, const char **err)
{
	json_t	*msg;

	if (ctl_client_send(cl, req) == -1) {
		*err = strerror(errno);
		return (NULL);
	}
	for (;;) {
		if ((msg = ctl_client_read(cl, err)) == NULL)
			return (NULL);
		if (json_object_get(msg, "event") == NULL)
			return (msg);
		json_decref(msg);
	}
}

json_t *
ctl_tool_call(const char *sock, json_t *req)
{
	struct ctl_client	*cl;
	json_t			*rep;
	const char		*err, *msg;

	if (req == NULL)
		errx(1, "out of memory");
	if ((cl = ctl_client_open(sock, &err)) == NULL)
		errx(1, "%s: %s", sock, err);
	if ((rep = ctl_client_call(cl, req, &err)) == NULL)
		errx(1, "%s: %s", sock, err);
	ctl_client_close(cl);
	json_decref(req);
	if (!json_is_true(json_object_get(rep, "ok"))) {
		msg = json_string_value(json_object_get(rep, "error"));
		errx(1, "%s", msg != NULL ? msg : "request failed");
	}
	return (rep);
}

void
ctl_tool_print(const json_t *o)
{
	char	*s;

	if ((s = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER)) == NULL)
		errx(1, "json_dumps");
	printf("%s\n", s);
	free(s);
}

int
ctl_tool_args(int *argc, char ***argv, const char **sock, int *jflag)
{
	char	**av;
	int	 ch, ac, i;

	while ((ch = getopt(*argc, *argv, "+js:")) != -1) {
		switch (ch) {
		case 'j':
			*jflag = 1;
			break;
		case 's':
			*sock = optarg;
			break;
		default:
			return (-1);
		}
	}
	ac = *argc - optind;
	av = *argv + optind;
	for (i = 0; i < ac; i++)
		if (strcmp(av[i], "-j") == 0) {
			*jflag = 1;
			memmove(&av[i], &av[i + 1],
			    (size_t)(ac - i) * sizeof(*av));
			ac--;
			i--;
		}
	*argc = ac;
	*argv = av;
	return (0);
}
