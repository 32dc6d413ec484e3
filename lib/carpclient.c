/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <jansson.h>
#include <net/if.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "carpclient.h"
#include "ctl.h"
#include "log.h"

#define CARP_CLIENT_RETRY	1	/* seconds between reconnections */

struct cc_share {
	TAILQ_ENTRY(cc_share)	 sh_entry;
	char			 sh_group[IFNAMSIZ];
	int			 sh_amount;
};

struct cc_state {
	TAILQ_ENTRY(cc_state)	 st_entry;
	char			 st_ifname[IFNAMSIZ];
	char			 st_state[8];
};

struct cc_group {
	TAILQ_ENTRY(cc_group)	 gr_entry;
	char			 gr_name[IFNAMSIZ];
	int			 gr_demote;
};

struct carp_client {
	struct event_base	*c_base;
	char			 c_sock[sizeof(((struct sockaddr_un *)0)->sun_path)];
	carp_client_cb		*c_cb;
	void			*c_arg;
	struct bufferevent	*c_bev;		/* NULL while disconnected */
	struct event		*c_retry;
	TAILQ_HEAD(, cc_share)	 c_shares;
	TAILQ_HEAD(, cc_state)	 c_states;
	TAILQ_HEAD(, cc_group)	 c_groups;
};

static void	cc_connect(evutil_socket_t, short, void *);
static void	cc_read(struct bufferevent *, void *);
static void	cc_event(struct bufferevent *, short, void *);
static void	cc_drop(struct carp_client *);
static int	cc_send(struct carp_client *, json_t *);
static void	cc_deliver(struct carp_client *, const json_t *);
static void	cc_groups(struct carp_client *, const json_t *);
static void	cc_groups_free(struct carp_client *);

struct carp_client *
carp_client_new(struct event_base *base, const char *sock,
    carp_client_cb *cb, void *arg)
{
	struct carp_client	*c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return (NULL);
	if (strlcpy(c->c_sock, sock, sizeof(c->c_sock)) >= sizeof(c->c_sock)) {
		free(c);
		errno = ENAMETOOLONG;
		return (NULL);
	}
	c->c_base = base;
	c->c_cb = cb;
	c->c_arg = arg;
	TAILQ_INIT(&c->c_shares);
	TAILQ_INIT(&c->c_states);
	TAILQ_INIT(&c->c_groups);
	if ((c->c_retry = evtimer_new(base, cc_connect, c)) == NULL) {
		free(c);
		return (NULL);
	}
	cc_connect(-1, 0, c);
	return (c);
}

void
carp_client_free(struct carp_client *c)
{
	struct cc_share	*sh;
	struct cc_state	*st;

	if (c == NULL)
		return;
	cc_drop(c);
	event_free(c->c_retry);
	while ((sh = TAILQ_FIRST(&c->c_shares)) != NULL) {
		TAILQ_REMOVE(&c->c_shares, sh, sh_entry);
		free(sh);
	}
	while ((st = TAILQ_FIRST(&c->c_states)) != NULL) {
		TAILQ_REMOVE(&c->c_states, st, st_entry);
		free(st);
	}
	cc_groups_free(c);
	free(c);
}

int
carp_client_connected(const struct carp_client *c)
{
	return (c->c_bev != NULL);
}

int
carp_client_group_demote(const struct carp_client *c, const char *group)
{
	const struct cc_group	*g;

	TAILQ_FOREACH(g, &c->c_groups, gr_entry)
		if (strcmp(g->gr_name, group) == 0)
			return (g->gr_demote);
	return (-1);
}

static void
cc_groups_free(struct carp_client *c)
{
	struct cc_group	*g;

	while ((g = TAILQ_FIRST(&c->c_groups)) != NULL) {
		TAILQ_REMOVE(&c->c_groups, g, gr_entry);
		free(g);
	}
}

/* Keeps the group counters of a full answer; groups carpd no longer
 * lists are forgotten. */
static void
cc_groups(struct carp_client *c, const json_t *arr)
{
	struct cc_group	*g;
	const json_t	*o;
	const char	*name;
	size_t		 i;

	cc_groups_free(c);
	json_array_foreach(arr, i, o) {
		name = json_string_value(json_object_get(o, "name"));
		if (name == NULL || strlen(name) >= IFNAMSIZ ||
		    !json_is_integer(json_object_get(o, "demote")) ||
		    (g = calloc(1, sizeof(*g))) == NULL)
			continue;
		(void)strlcpy(g->gr_name, name, sizeof(g->gr_name));
		g->gr_demote = (int)json_integer_value(json_object_get(o,
		    "demote"));
		TAILQ_INSERT_TAIL(&c->c_groups, g, gr_entry);
	}
}

const char *
carp_client_state(const struct carp_client *c, const char *ifname)
{
	const struct cc_state	*st;

	TAILQ_FOREACH(st, &c->c_states, st_entry)
		if (strcmp(st->st_ifname, ifname) == 0)
			return (st->st_state);
	return (NULL);
}

static int
cc_send(struct carp_client *c, json_t *req)
{
	char	*s;
	int	 rv = -1;

	if (req == NULL)
		return (-1);
	if (c->c_bev != NULL && (s = json_dumps(req, JSON_COMPACT)) != NULL) {
		if (bufferevent_write(c->c_bev, s, strlen(s)) == 0 &&
		    bufferevent_write(c->c_bev, "\n", 1) == 0)
			rv = 0;
		free(s);
	}
	json_decref(req);
	return (rv);
}

static json_t *
cc_demote_req(const char *group, int delta)
{
	return (json_pack("{s:s,s:s,s:i,s:b}", "cmd", "demote", "group",
	    group, "delta", delta, "session", 1));
}

int
carp_client_demote(struct carp_client *c, const char *group, int delta)
{
	struct cc_share	*sh;

	TAILQ_FOREACH(sh, &c->c_shares, sh_entry)
		if (strcmp(sh->sh_group, group) == 0)
			break;
	if (sh == NULL) {
		if ((sh = calloc(1, sizeof(*sh))) == NULL)
			return (-1);
		if (strlcpy(sh->sh_group, group, sizeof(sh->sh_group)) >=
		    sizeof(sh->sh_group)) {
			free(sh);
			errno = ENAMETOOLONG;
			return (-1);
		}
		TAILQ_INSERT_TAIL(&c->c_shares, sh, sh_entry);
	}
	if (sh->sh_amount + delta < 0) {
		errno = EINVAL;
		return (-1);
	}
	sh->sh_amount += delta;
	/* Disconnected: carpd holds nothing of ours; sent on reconnect. */
	if (c->c_bev != NULL)
		(void)cc_send(c, cc_demote_req(group, delta));
	return (0);
}

static void
cc_connect(evutil_socket_t fd, short what, void *arg)
{
	struct carp_client	*c = arg;
	struct cc_share		*sh;
	struct sockaddr_un	 sun;
	struct timeval		 tv = { CARP_CLIENT_RETRY, 0 };
	int			 s;

	(void)fd;
	(void)what;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	(void)strlcpy(sun.sun_path, c->c_sock, sizeof(sun.sun_path));
	if ((s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    connect(s, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		if (s != -1)
			(void)close(s);
		(void)evtimer_add(c->c_retry, &tv);
		return;
	}
	(void)evutil_make_socket_nonblocking(s);
	if ((c->c_bev = bufferevent_socket_new(c->c_base, s,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		(void)close(s);
		(void)evtimer_add(c->c_retry, &tv);
		return;
	}
	bufferevent_setcb(c->c_bev, cc_read, NULL, cc_event, c);
	bufferevent_setwatermark(c->c_bev, EV_READ, 0, CTL_MAXLINE + 1);
	(void)bufferevent_enable(c->c_bev, EV_READ | EV_WRITE);
	(void)cc_send(c, json_pack("{s:s}", "cmd", "subscribe"));
	TAILQ_FOREACH(sh, &c->c_shares, sh_entry)
		if (sh->sh_amount > 0)
			(void)cc_send(c, cc_demote_req(sh->sh_group,
			    sh->sh_amount));
}

static void
cc_drop(struct carp_client *c)
{
	struct timeval	 tv = { CARP_CLIENT_RETRY, 0 };

	if (c->c_bev == NULL)
		return;
	bufferevent_free(c->c_bev);
	c->c_bev = NULL;
	(void)evtimer_add(c->c_retry, &tv);
}

/* Remembers and passes on one interface's state. */
static void
cc_deliver(struct carp_client *c, const json_t *o)
{
	struct cc_state	*st;
	const char	*ifname, *state;

	ifname = json_string_value(json_object_get(o, "ifname"));
	state = json_string_value(json_object_get(o, "state"));
	if (ifname == NULL || state == NULL)
		return;
	TAILQ_FOREACH(st, &c->c_states, st_entry)
		if (strcmp(st->st_ifname, ifname) == 0)
			break;
	if (st == NULL && (st = calloc(1, sizeof(*st))) != NULL) {
		(void)strlcpy(st->st_ifname, ifname, sizeof(st->st_ifname));
		TAILQ_INSERT_TAIL(&c->c_states, st, st_entry);
	}
	if (st != NULL)
		(void)strlcpy(st->st_state, state, sizeof(st->st_state));
	if (c->c_cb != NULL)
		c->c_cb(o, c->c_arg);
}

static void
cc_read(struct bufferevent *bev, void *arg)
{
	struct carp_client	*c = arg;
	struct evbuffer		*in = bufferevent_get_input(bev);
	json_error_t		 jerr;
	json_t			*msg, *o;
	char			*line;
	size_t			 len, i;

	while ((line = evbuffer_readln(in, &len, EVBUFFER_EOL_LF)) != NULL) {
		msg = json_loadb(line, len, 0, &jerr);
		free(line);
		if (msg == NULL || !json_is_object(msg)) {
			log_warnx("carp client: bad message from carpd");
			json_decref(msg);
			continue;
		}
		if (json_object_get(msg, "event") != NULL)
			cc_deliver(c, msg);
		else if (json_is_array(json_object_get(msg, "interfaces"))) {
			/* groups first: a callback may ask for them */
			if (json_is_array(json_object_get(msg, "groups")))
				cc_groups(c, json_object_get(msg, "groups"));
			json_array_foreach(json_object_get(msg,
			    "interfaces"), i, o)
				cc_deliver(c, o);
		}
		else if (!json_is_true(json_object_get(msg, "ok")))
			log_warnx("carp client: carpd says: %s",
			    json_string_value(json_object_get(msg, "error")) ?
			    json_string_value(json_object_get(msg, "error")) :
			    "error");
		json_decref(msg);
	}
	if (evbuffer_get_length(in) > CTL_MAXLINE) {
		log_warnx("carp client: oversized message from carpd");
		cc_drop(c);
	}
}

static void
cc_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
		log_warnx("carp client: lost carpd, reconnecting");
		cc_drop(arg);
	}
}

static void
cc_sig(evutil_socket_t sig, short what, void *arg)
{
	(void)sig;
	(void)what;
	(void)event_base_loopbreak(arg);
}

int
carp_client_run(const char *sock, carp_client_cb *cb, void *arg,
    const char *group, int n)
{
	struct event_base	*base;
	struct carp_client	*c;
	struct event		*ev_int, *ev_term;

	if ((base = event_base_new()) == NULL)
		return (1);
	if ((c = carp_client_new(base, sock, cb, arg)) == NULL) {
		event_base_free(base);
		return (1);
	}
	if (group != NULL && carp_client_demote(c, group, n) == -1) {
		carp_client_free(c);
		event_base_free(base);
		return (1);
	}
	ev_int = evsignal_new(base, SIGINT, cc_sig, base);
	ev_term = evsignal_new(base, SIGTERM, cc_sig, base);
	(void)evsignal_add(ev_int, NULL);
	(void)evsignal_add(ev_term, NULL);
	(void)event_base_dispatch(base);
	event_free(ev_int);
	event_free(ev_term);
	carp_client_free(c);
	event_base_free(base);
	return (0);
}
