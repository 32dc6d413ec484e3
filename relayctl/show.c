/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * relayctl's text: the formats of OpenBSD's relayctl.c (rev. 1.63) and
 * relayd's util.c (print_availability, print_time), applied to the JSON
 * items relayd's control socket returns.  Which items a listing shows
 * and which extra lines follow a row are OpenBSD's show_summary_msg()
 * rules; see show.h for the item fields.
 */

#include <inttypes.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "show.h"

#define SHOW_HOSTLEN	256	/* OpenBSD's HOST_NAME_MAX + 1 */
#define SHOW_INTERVAL	60	/* relayd's statistics interval, s */

/*
 * Monitor events: OpenBSD's imsg type numbers are the order of enum
 * imsg_type in usr.sbin/relayd/relayd.h rev. 1.276 (2024/10/28, read in
 * openbsd/src).  OpenBSD prints the imsg's len, header included: 16
 * bytes of struct imsg_hdr (four uint32_t in imsg.h) plus the payload,
 * struct ctl_status (uint32_t, int, int, u_long, u_int16_t: 32 bytes
 * on amd64) for host_status and struct ctl_id (uint32_t, char[64]: 68
 * bytes) for the others, as control.c rev. 1.64 and pfe.c forward them.
 * The payload of IMSG_SYNC is unverified (taken as none).  Every event
 * reaches relayctl through control_imsg_forward(), which sets peerid 0
 * and pid ps_instance + 1, that is 1: the defaults here.
 */
#define IMSG_HDRLEN		16
#define CTL_STATUS_LEN		32
#define CTL_ID_LEN		68

enum mon_kind {
	MON_STATUS,		/* id and state */
	MON_ID,			/* id and, if known, name */
	MON_NONE,		/* nothing more */
	MON_UNKNOWN		/* "<unknown>", and the monitor ends */
};

static const struct mon_event {
	const char	*me_name;
	unsigned int	 me_type;
	unsigned int	 me_len;	/* payload */
	enum mon_kind	 me_kind;
} mon_events[] = {
	{ "host_status",	37, CTL_STATUS_LEN,	MON_STATUS },
	{ "ctl_rdr_disable",	18, CTL_ID_LEN,		MON_ID },
	{ "ctl_rdr_enable",	17, CTL_ID_LEN,		MON_ID },
	{ "ctl_table_disable",	20, CTL_ID_LEN,		MON_ID },
	{ "ctl_table_enable",	19, CTL_ID_LEN,		MON_ID },
	{ "ctl_host_disable",	22, CTL_ID_LEN,		MON_ID },
	{ "ctl_host_enable",	21, CTL_ID_LEN,		MON_ID },
	{ "ctl_table_changed",	13, CTL_ID_LEN,		MON_ID },
	{ "ctl_pull_ruleset",	14, CTL_ID_LEN,		MON_ID },
	{ "ctl_push_ruleset",	15, CTL_ID_LEN,		MON_ID },
	{ "sync",		38, 0,			MON_NONE },
	/* OpenBSD forwards "log" requests too, and stops there. */
	{ "ctl_verbose",	 3, sizeof(int),	MON_UNKNOWN },
};

static int	 get_id(const json_t *, const char *, uint32_t *);
static uint64_t	 get_u64(const json_t *, const char *);
static const char *get_str(const json_t *, const char *);
static void	 row(FILE *, uint32_t, const char *, const char *,
		    const char *, const char *);
static int	 show_redirect(FILE *, enum show_kind, const json_t *);
static int	 show_table(FILE *, const json_t *);
static int	 show_host(FILE *, enum show_kind, const json_t *);
static int	 show_relay(FILE *, enum show_kind, const json_t *);
static int	 show_router(FILE *, enum show_kind, const json_t *);
static int	 show_session(FILE *, const json_t *);
static void	 show_stats(FILE *, const json_t *);
static void	 show_counters(FILE *, const json_t *);
static void	 show_route(FILE *, const json_t *);

void
show_header(FILE *fp)
{
	(void)fprintf(fp, "%-4s\t%-8s\t%-24s\t%-7s\tStatus\n",
	    "Id", "Type", "Name", "Avlblty");
}

int
show_wants(enum show_kind kind, const json_t *item)
{
	const char	*type;

	if ((type = get_str(item, "type")) == NULL)
		return (0);
	switch (kind) {
	case SHOW_SUMMARY:
		return (strcmp(type, "redirect") == 0 ||
		    strcmp(type, "table") == 0 || strcmp(type, "host") == 0 ||
		    strcmp(type, "relay") == 0 || strcmp(type, "router") == 0);
	case SHOW_HOSTS:
		return (strcmp(type, "table") == 0 ||
		    strcmp(type, "host") == 0);
	case SHOW_REDIRECTS:
		return (strcmp(type, "redirect") == 0);
	case SHOW_RELAYS:
		return (strcmp(type, "relay") == 0);
	case SHOW_ROUTERS:
		return (strcmp(type, "router") == 0);
	case SHOW_SESSIONS:
		return (strcmp(type, "session") == 0);
	}
	return (0);
}

int
show_item(FILE *fp, enum show_kind kind, const json_t *item)
{
	const char	*type;

	if (!show_wants(kind, item))
		return (0);
	type = get_str(item, "type");
	if (strcmp(type, "redirect") == 0)
		return (show_redirect(fp, kind, item));
	if (strcmp(type, "table") == 0)
		return (show_table(fp, item));
	if (strcmp(type, "host") == 0)
		return (show_host(fp, kind, item));
	if (strcmp(type, "relay") == 0)
		return (show_relay(fp, kind, item));
	if (strcmp(type, "router") == 0)
		return (show_router(fp, kind, item));
	return (show_session(fp, item));
}

const char *
show_availability(uint64_t checks, uint64_t ups, char *buf, size_t len)
{
	if (len == 0)
		return (buf);
	buf[0] = '\0';
	if (checks == 0)
		return (buf);
	(void)snprintf(buf, len, "%.2f%%", (double)ups / checks * 100);
	return (buf);
}

const char *
show_duration(int64_t secs, char *buf, size_t len)
{
	uint64_t	 s;

	s = secs < 0 ? 0 : (uint64_t)secs;
	(void)snprintf(buf, len, "%.2" PRIu64 ":%.2" PRIu64 ":%.2" PRIu64,
	    s / 3600, s / 60 % 60, s % 60);
	return (buf);
}

static int
show_redirect(FILE *fp, enum show_kind kind, const json_t *item)
{
	const char	*name, *status;
	uint32_t	 id;

	if (get_id(item, "id", &id) == -1 ||
	    (name = get_str(item, "name")) == NULL ||
	    (status = get_str(item, "status")) == NULL)
		return (-1);
	if (strcmp(status, "active") != 0 &&
	    strcmp(status, "active (using backup table)") != 0 &&
	    strcmp(status, "down") != 0 && strcmp(status, "disabled") != 0)
		return (-1);
	row(fp, id, "redirect", name, "", status);
	if (kind == SHOW_REDIRECTS)
		show_stats(fp, json_object_get(item, "stats"));
	return (0);
}

static int
show_table(FILE *fp, const json_t *item)
{
	const char	*name, *status;
	char		 st[64];
	uint32_t	 id;
	uint64_t	 up;

	if (get_id(item, "id", &id) == -1 ||
	    (name = get_str(item, "name")) == NULL ||
	    (status = get_str(item, "status")) == NULL)
		return (-1);
	if (strcmp(status, "active") != 0 && strcmp(status, "empty") != 0 &&
	    strcmp(status, "disabled") != 0)
		return (-1);
	/* As OpenBSD's print_table_status(): the live count decides. */
	up = get_u64(item, "up");
	if (strcmp(status, "disabled") == 0)
		(void)strlcpy(st, "disabled", sizeof(st));
	else if (up == 0)
		(void)strlcpy(st, "empty", sizeof(st));
	else
		(void)snprintf(st, sizeof(st), "active (%d hosts)", (int)up);
	row(fp, id, "table", name, "", st);
	return (0);
}

static int
show_host(FILE *fp, enum show_kind kind, const json_t *item)
{
	const char	*name, *state, *error;
	char		 buf[SHOW_HOSTLEN], avail[32];
	uint32_t	 id, parent;
	uint64_t	 checks, ups, retries;

	if (get_id(item, "id", &id) == -1 ||
	    (name = get_str(item, "name")) == NULL ||
	    (state = get_str(item, "state")) == NULL)
		return (-1);
	if (strcmp(state, "up") != 0 && strcmp(state, "down") != 0 &&
	    strcmp(state, "unknown") != 0 && strcmp(state, "disabled") != 0)
		return (-1);
	if (json_object_get(item, "parent") == NULL)
		parent = 0;
	else if (get_id(item, "parent", &parent) == -1)
		return (-1);
	if (parent != 0)
		(void)snprintf(buf, sizeof(buf), "%s parent %u", name,
		    (unsigned int)parent);
	else
		(void)strlcpy(buf, name, sizeof(buf));
	checks = get_u64(item, "checks");
	ups = get_u64(item, "ups");
	row(fp, id, "host", buf, show_availability(checks, ups, avail,
	    sizeof(avail)), state);

	if (kind != SHOW_HOSTS || checks == 0 ||
	    !json_is_true(json_object_get(item, "checked")))
		return (0);
	(void)fprintf(fp, "\t%8s\ttotal: %" PRIu64 "/%" PRIu64 " checks", "",
	    ups, checks);
	if ((retries = get_u64(item, "retry_left")) > 0)
		(void)fprintf(fp, ", %d retries", (int)retries);
	error = get_str(item, "error");
	if (strcmp(state, "down") == 0 && error != NULL && error[0] != '\0' &&
	    strcmp(error, "none") != 0)
		(void)fprintf(fp, ", error: %s", error);
	(void)fprintf(fp, "\n");
	return (0);
}

static int
show_relay(FILE *fp, enum show_kind kind, const json_t *item)
{
	const char	*name, *status;
	uint32_t	 id;

	if (get_id(item, "id", &id) == -1 ||
	    (name = get_str(item, "name")) == NULL ||
	    (status = get_str(item, "status")) == NULL)
		return (-1);
	if (strcmp(status, "active") != 0 && strcmp(status, "disabled") != 0)
		return (-1);
	row(fp, id, "relay", name, "", status);
	if (kind == SHOW_RELAYS) {
		show_stats(fp, json_object_get(item, "stats"));
		show_counters(fp, json_object_get(item, "counters"));
	}
	return (0);
}

static int
show_router(FILE *fp, enum show_kind kind, const json_t *item)
{
	const char	*name, *status, *label;
	const json_t	*r;
	size_t		 i;
	uint32_t	 id;
	uint64_t	 rtable;

	if (get_id(item, "id", &id) == -1 ||
	    (name = get_str(item, "name")) == NULL ||
	    (status = get_str(item, "status")) == NULL)
		return (-1);
	if (strcmp(status, "active") != 0 && strcmp(status, "disabled") != 0)
		return (-1);
	row(fp, id, "router", name, "", status);
	if (kind != SHOW_ROUTERS)
		return (0);
	if ((rtable = get_u64(item, "rtable")) != 0)
		(void)fprintf(fp, "\t%8s\trtable: %d\n", "", (int)rtable);
	if ((label = get_str(item, "rtlabel")) != NULL && label[0] != '\0')
		(void)fprintf(fp, "\t%8s\trtlabel: %s\n", "", label);
	json_array_foreach(json_object_get(item, "routes"), i, r)
		show_route(fp, r);
	return (0);
}

/* A route as "ADDR/LEN", or as {"addr":ADDR,"prefixlen":LEN}. */
static void
show_route(FILE *fp, const json_t *r)
{
	const char	*addr;

	if (json_is_string(r)) {
		(void)fprintf(fp, "\t%8s\troute: %s\n", "",
		    json_string_value(r));
		return;
	}
	if ((addr = get_str(r, "addr")) == NULL)
		return;
	(void)fprintf(fp, "\t%8s\troute: %s/%d\n", "", addr,
	    (int)get_u64(r, "prefixlen"));
}

static int
show_session(FILE *fp, const json_t *item)
{
	const json_t	*tag;
	const char	*src, *dst;
	char		 age[32], idle[32];
	uint32_t	 id;

	if (get_id(item, "id", &id) == -1 ||
	    (src = get_str(item, "src")) == NULL ||
	    (dst = get_str(item, "dst")) == NULL)
		return (-1);
	(void)fprintf(fp, "session %u:%u %s:%u -> %s:%u\t%s\n",
	    (unsigned int)get_u64(item, "peer"), (unsigned int)id,
	    src, (unsigned int)get_u64(item, "sport"),
	    dst, (unsigned int)get_u64(item, "dport"),
	    json_is_true(json_object_get(item, "done")) ? "DONE" : "RUNNING");
	(void)fprintf(fp, "\tage %s, idle %s, relay %u, pid %u",
	    show_duration(json_integer_value(json_object_get(item, "age")),
	    age, sizeof(age)),
	    show_duration(json_integer_value(json_object_get(item, "idle")),
	    idle, sizeof(idle)),
	    (unsigned int)get_u64(item, "relay"),
	    (unsigned int)get_u64(item, "pid"));
	tag = json_object_get(item, "tag");
	if (json_is_string(tag) && json_string_length(tag) > 0)
		(void)fprintf(fp, ", tag (id) %s", json_string_value(tag));
	else if (json_is_integer(tag) && json_integer_value(tag) != 0)
		(void)fprintf(fp, ", tag (id) %u",
		    (unsigned int)json_integer_value(tag));
	(void)fprintf(fp, "\n");
	return (0);
}

/*
 * OpenBSD's print_statistics(): one object, or one per relay process
 * summed (in 32 bits but for the total, as OpenBSD), printed only when
 * the total is not zero.
 */
static void
show_stats(FILE *fp, const json_t *stats)
{
	const json_t	*s;
	size_t		 i, n;
	uint64_t	 total = 0, interval = SHOW_INTERVAL;
	uint32_t	 last = 0, last_hour = 0, last_day = 0;
	uint32_t	 avg = 0, avg_hour = 0, avg_day = 0;

	n = json_is_array(stats) ? json_array_size(stats) : 1;
	for (i = 0; i < n; i++) {
		s = json_is_array(stats) ? json_array_get(stats, i) : stats;
		if (!json_is_object(s))
			continue;
		if (i == 0 && json_object_get(s, "interval") != NULL)
			interval = get_u64(s, "interval");
		total += get_u64(s, "total");
		last += (uint32_t)get_u64(s, "last");
		last_hour += (uint32_t)get_u64(s, "last_hour");
		last_day += (uint32_t)get_u64(s, "last_day");
		avg += (uint32_t)get_u64(s, "avg");
		avg_hour += (uint32_t)get_u64(s, "avg_hour");
		avg_day += (uint32_t)get_u64(s, "avg_day");
	}
	if (total == 0)
		return;
	(void)fprintf(fp, "\t%8s\ttotal: %" PRIu64 " sessions\n"
	    "\t%8s\tlast: %u/%" PRIu64 "s %u/h %u/d sessions\n"
	    "\t%8s\taverage: %u/%" PRIu64 "s %u/h %u/d sessions\n",
	    "", total,
	    "", (unsigned int)last, interval, (unsigned int)last_hour,
	    (unsigned int)last_day,
	    "", (unsigned int)avg, interval, (unsigned int)avg_hour,
	    (unsigned int)avg_day);
}

/*
 * hakit's relay counters, after OpenBSD's lines: one line for each that
 * is not zero, so a relay that refused nothing prints as in OpenBSD.
 */
static void
show_counters(FILE *fp, const json_t *ctr)
{
	static const struct {
		const char	*key;
		const char	*what;	/* before the number */
		const char	*unit;	/* after it */
	} lines[] = {
		{ "bad_request", "refused", "bad requests (400)" },
		{ "too_long", "refused", "heads too long (413)" },
		{ "too_many", "refused", "heads with too many headers (431)" },
		{ "other", "refused",
		    "other requests (403, 405, 500, 501, 505)" },
		{ "timeout", "refused", "heads not complete in time (408)" },
		{ "bad_chunk", "refused", "bad chunked bodies (400)" },
		{ "edit", "refused", "heads a rule's edit made too large" },
		{ "smuggle", "defused", "requests with Content-Length and "
		    "Transfer-Encoding" },
		{ "blocked", "blocked", "by rules" },
		{ "connect", "backend", "connects failed" },
		{ "no_backend", "backend", "sessions with none available" },
		{ "bad_response", "backend", "bad responses (502)" },
		{ "early_close", "backend",
		    "closed before the response (502)" },
		{ "tls", "refused", "TLS handshakes" },
		{ "backend_tls", "backend", "TLS handshakes failed" },
	};
	uint64_t	 n;
	size_t		 i;

	if (!json_is_object(ctr))
		return;
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		if ((n = get_u64(ctr, lines[i].key)) > 0)
			(void)fprintf(fp, "\t%8s\t%s: %" PRIu64 " %s\n", "",
			    lines[i].what, n, lines[i].unit);
}

int
show_monitor(FILE *fp, const json_t *ev, time_t now)
{
	static const struct mon_event	 unknown = { "<unknown>", 0, 0,
					    MON_UNKNOWN };
	const struct mon_event		*me = &unknown;
	const char			*name, *state;
	const json_t			*t;
	char				 tbuf[64];
	struct tm			 tm;
	time_t				 when = now;
	uint32_t			 id = 0, peerid = 0, pid = 1;
	size_t				 i;

	if ((name = get_str(ev, "event")) != NULL)
		for (i = 0; i < sizeof(mon_events) / sizeof(mon_events[0]);
		    i++)
			if (strcmp(name, mon_events[i].me_name) == 0) {
				me = &mon_events[i];
				break;
			}
	if ((t = json_object_get(ev, "time")) != NULL && json_is_integer(t))
		when = (time_t)json_integer_value(t);
	if (json_object_get(ev, "peerid") != NULL)
		(void)get_id(ev, "peerid", &peerid);
	if (json_object_get(ev, "pid") != NULL)
		(void)get_id(ev, "pid", &pid);

	(void)fprintf(fp, "%s: imsg type %u len %u peerid %u pid %d\n",
	    me->me_kind == MON_UNKNOWN ? "<unknown>" : me->me_name,
	    me->me_type, IMSG_HDRLEN + me->me_len, (unsigned int)peerid,
	    (int)pid);
	/* ctime(3)'s text, newline included. */
	if (localtime_r(&when, &tm) == NULL ||
	    strftime(tbuf, sizeof(tbuf), "%a %b %e %H:%M:%S %Y\n", &tm) == 0)
		(void)strlcpy(tbuf, "\n", sizeof(tbuf));
	(void)fprintf(fp, "\ttimestamp: %lld, %s", (long long)when, tbuf);

	switch (me->me_kind) {
	case MON_STATUS:
		(void)get_id(ev, "id", &id);
		(void)fprintf(fp, "\tid: %u\n", (unsigned int)id);
		state = get_str(ev, "state");
		if (state == NULL || (strcmp(state, "up") != 0 &&
		    strcmp(state, "down") != 0))
			state = "unknown";
		(void)fprintf(fp, "\tstate: %s\n", state);
		break;
	case MON_ID:
		(void)get_id(ev, "id", &id);
		(void)fprintf(fp, "\tid: %u\n", (unsigned int)id);
		if ((name = get_str(ev, "name")) != NULL && name[0] != '\0')
			(void)fprintf(fp, "\tname: %s\n", name);
		break;
	case MON_NONE:
		break;
	case MON_UNKNOWN:
		return (1);
	}
	return (0);
}

static void
row(FILE *fp, uint32_t id, const char *type, const char *name,
    const char *avail, const char *status)
{
	(void)fprintf(fp, "%-4u\t%-8s\t%-24s\t%-7s\t%s\n", (unsigned int)id,
	    type, name, avail, status);
}

/* An unsigned 32-bit integer field; -1 when absent or out of range. */
static int
get_id(const json_t *o, const char *key, uint32_t *id)
{
	const json_t	*v = json_object_get(o, key);
	json_int_t	 n;

	if (!json_is_integer(v))
		return (-1);
	n = json_integer_value(v);
	if (n < 0 || n > (json_int_t)UINT32_MAX)
		return (-1);
	*id = (uint32_t)n;
	return (0);
}

/* A counter: 0 when absent, negative or not a number. */
static uint64_t
get_u64(const json_t *o, const char *key)
{
	const json_t	*v = json_object_get(o, key);

	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return (0);
	return ((uint64_t)json_integer_value(v));
}

static const char *
get_str(const json_t *o, const char *key)
{
	return (json_string_value(json_object_get(o, key)));
}
