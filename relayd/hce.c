/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * The host check engine (HCE-1..11): every check of a configuration in
 * one unprivileged process on one libevent base.  A round starts every
 * interval; each due host gets one check with its table's timeout, run
 * on a non-blocking socket (icmp: one shared raw socket per family) with
 * one timer.  Nothing blocks and nothing forks, so thousands of hosts at
 * an interval of 1 s cost a few descriptors and timers each.  Results go
 * through hce_apply() (hce_state.c) and out through hce_ops; replies are
 * judged by check_http.c.
 */

#include <sys/queue.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <tls.h>

#include "log.h"
#include "relayd.h"
#include "hce.h"
#include "check_http.h"

#define HCE_ICMP_SLOTS		65536	/* by echo sequence number */
#define HCE_ICMP_DATALEN	56	/* payload, as ping(8) */
#define HCE_ICMP_MAXPKT		1500
#define HCE_ICMP_BURST		32	/* echo requests per wakeup */
#define HCE_ICMP_READS		1024	/* replies read per wakeup */
#define HCE_SCRIPT_GRACE_MS	1000	/* parent kills at the timeout */
#define HCE_READ_CHUNK		4096
#define HCE_READ_LOOPS		16	/* reads per wakeup */

enum hce_phase {
	HC_ICMP,		/* echo queued or sent, awaiting the reply */
	HC_CONNECT,
	HC_TLS,			/* handshake */
	HC_WRITE,
	HC_READ,
	HC_SCRIPT		/* the parent runs it */
};

/* One running check, from launch to hce_check_done(). */
struct hce_check {
	TAILQ_ENTRY(hce_check)	 hc_entry;	/* running checks */
	TAILQ_ENTRY(hce_check)	 hc_qentry;	/* icmp send queue */
	struct hce		*hc_hce;
	struct rd_host		*hc_host;	/* of the conf */
	struct rd_table		*hc_table;
	const struct rd_check	*hc_check;
	enum hce_phase		 hc_phase;
	int			 hc_fd;		/* owned; icmp: -1 */
	int			 hc_tls_on;
	struct tls		*hc_tls;	/* owned */
	struct event		*hc_io;		/* owned */
	struct event		*hc_timer;	/* owned */
	struct timespec		 hc_start;
	int			 hc_queued;	/* icmp: not sent yet */
	int			 hc_slot;	/* icmp: seq, or -1 */
	char			 hc_req[CHECK_REQ_MAX];
	size_t			 hc_reqlen;
	size_t			 hc_reqoff;
	struct check_read	*hc_read;	/* owned */
};
TAILQ_HEAD(hce_checks, hce_check);

struct hce_icmp {
	int			 ic_fd;		/* owned */
	int			 ic_af;
	int			 ic_raw;	/* 0: ping socket */
	int			 ic_ttl;	/* set on the socket */
	int			 ic_logged;
	struct event		*ic_rev;
	struct event		*ic_wev;
	struct hce_checks	 ic_sendq;
};

/* A parent and one of its children (TBL-3). */
struct hce_child {
	struct rd_host		*hk_child;
	struct rd_host		*hk_parent;
};

struct hce {
	struct event_base	*he_base;	/* borrowed */
	struct relayd_conf	*he_conf;	/* borrowed */
	const struct hce_ops	*he_ops;
	void			*he_arg;
	struct event		*he_round;
	int			 he_started;
	int			 he_interval;	/* s, armed */
	uint64_t		 he_rounds;
	uint64_t		 he_nchecks;
	int			 he_pending;	/* in this round */
	int			 he_launching;
	int			 he_inround;
	struct hce_checks	 he_checks;
	struct hce_icmp		 he_icmp4;
	struct hce_icmp		 he_icmp6;
	struct hce_check	**he_slots;	/* HCE_ICMP_SLOTS */
	uint16_t		 he_seq;
	uint16_t		 he_ident;
	struct tls_config	*he_tlscfg;
	struct hce_child	*he_children;
	size_t			 he_nchildren;
};

static void	 hce_conf_prepare(struct hce *);
static void	 hce_nofile(size_t);
static int	 hce_timeout_ms(const struct hce *, const struct rd_table *);
static void	 hce_round(struct hce *);
static void	 hce_round_cb(evutil_socket_t, short, void *);
static void	 hce_round_end(struct hce *);
static void	 hce_launch(struct hce *, struct rd_table *,
		    struct rd_host *);
static void	 hce_check_free(struct hce_check *);
static void	 hce_check_done(struct hce_check *, enum hce_reason);
static void	 hce_report(struct hce *, struct rd_host *, int changed,
		    enum host_state, const struct hce_check *);
static const char *hce_check_name(const struct rd_check *);
static void	 hce_abort_all(struct hce *);
static void	 hce_timer_cb(evutil_socket_t, short, void *);
static void	 hce_io_cb(evutil_socket_t, short, void *);
static void	 hce_wait(struct hce_check *, short);
static void	 hce_tcp_start(struct hce_check *);
static void	 hce_tcp_connected(struct hce_check *);
static void	 hce_tls_handshake(struct hce_check *);
static void	 hce_send_start(struct hce_check *);
static void	 hce_write(struct hce_check *);
static void	 hce_read(struct hce_check *);
static int	 hce_set_ttl(int fd, int af, int ttl);
static void	 hce_icmp_init(struct hce *, struct hce_icmp *, int, int);
static void	 hce_icmp_close(struct hce_icmp *);
static struct hce_icmp *hce_icmp_of(struct hce *, int af);
static void	 hce_icmp_start(struct hce_check *);
static int	 hce_icmp_send(struct hce_check *);
static void	 hce_icmp_write_cb(evutil_socket_t, short, void *);
static void	 hce_icmp_read_cb(evutil_socket_t, short, void *);
static void	 hce_icmp_input(struct hce *, struct hce_icmp *,
		    const uint8_t *, size_t, const struct sockaddr_storage *);
static uint16_t	 hce_cksum(const uint8_t *, size_t);
static void	 hce_script_start(struct hce_check *);

/* ---- ICMP sockets ---- */

int
hce_icmp_open(int af)
{
	struct icmp6_filter	 filt;
	int			 fd, proto;

	proto = af == AF_INET6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
	fd = socket(af, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
	if (fd == -1) {
		/* Ping sockets, where net.ipv4.ping_group_range allows. */
		fd = socket(af, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    proto);
		if (fd == -1)
			return (-1);
		return (fd);
	}
	if (af == AF_INET6) {
		ICMP6_FILTER_SETBLOCKALL(&filt);
		ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &filt);
		if (setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &filt,
		    sizeof(filt)) == -1)
			log_warn("%s: ICMP6_FILTER", __func__);
	}
	return (fd);
}

static void
hce_icmp_init(struct hce *he, struct hce_icmp *ic, int af, int fd)
{
	int		 type;
	socklen_t	 len = sizeof(type);

	memset(ic, 0, sizeof(*ic));
	TAILQ_INIT(&ic->ic_sendq);
	ic->ic_af = af;
	ic->ic_fd = fd;
	ic->ic_ttl = -1;
	if (fd == -1)
		return;
	ic->ic_raw = getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0 &&
	    type == SOCK_RAW;
	ic->ic_rev = event_new(he->he_base, fd, EV_READ | EV_PERSIST,
	    hce_icmp_read_cb, he);
	ic->ic_wev = event_new(he->he_base, fd, EV_WRITE,
	    hce_icmp_write_cb, ic);
	if (ic->ic_rev == NULL || ic->ic_wev == NULL ||
	    event_add(ic->ic_rev, NULL) == -1) {
		log_warnx("%s: icmp events", __func__);
		hce_icmp_close(ic);
	}
}

static void
hce_icmp_close(struct hce_icmp *ic)
{
	if (ic->ic_rev != NULL)
		event_free(ic->ic_rev);
	if (ic->ic_wev != NULL)
		event_free(ic->ic_wev);
	ic->ic_rev = ic->ic_wev = NULL;
	if (ic->ic_fd != -1)
		(void)close(ic->ic_fd);
	ic->ic_fd = -1;
}

static struct hce_icmp *
hce_icmp_of(struct hce *he, int af)
{
	return (af == AF_INET6 ? &he->he_icmp6 : &he->he_icmp4);
}

/* ---- life cycle ---- */

struct hce *
hce_new(struct event_base *base, struct relayd_conf *conf,
    const struct hce_ops *ops, void *arg, int icmp4, int icmp6)
{
	struct hce	*he;

	if ((he = calloc(1, sizeof(*he))) == NULL) {
		if (icmp4 != -1)
			(void)close(icmp4);
		if (icmp6 != -1)
			(void)close(icmp6);
		return (NULL);
	}
	he->he_base = base;
	he->he_conf = conf;
	he->he_ops = ops;
	he->he_arg = arg;
	he->he_ident = (uint16_t)(getpid() & 0xffff);
	TAILQ_INIT(&he->he_checks);
	hce_icmp_init(he, &he->he_icmp4, AF_INET, icmp4);
	hce_icmp_init(he, &he->he_icmp6, AF_INET6, icmp6);
	if ((he->he_slots = calloc(HCE_ICMP_SLOTS,
	    sizeof(*he->he_slots))) == NULL)
		goto fail;
	if ((he->he_round = event_new(base, -1, EV_PERSIST, hce_round_cb,
	    he)) == NULL)
		goto fail;
	/* Without a TLS config, tls checks fail "tls connect error". */
	if ((he->he_tlscfg = tls_config_new()) != NULL) {
		tls_config_insecure_noverifycert(he->he_tlscfg);
		tls_config_insecure_noverifyname(he->he_tlscfg);
		tls_config_insecure_noverifytime(he->he_tlscfg);
	} else
		log_warnx("%s: tls_config_new failed", __func__);
	hce_conf_prepare(he);
	return (he);
 fail:
	hce_free(he);
	return (NULL);
}

void
hce_free(struct hce *he)
{
	if (he == NULL)
		return;
	hce_abort_all(he);
	if (he->he_round != NULL)
		event_free(he->he_round);
	hce_icmp_close(&he->he_icmp4);
	hce_icmp_close(&he->he_icmp6);
	free(he->he_slots);
	free(he->he_children);
	if (he->he_tlscfg != NULL)
		tls_config_free(he->he_tlscfg);
	free(he);
}

/*
 * Fresh hosts get their retry budget; parents are found for children
 * (by id over the whole configuration, TBL-3).
 */
static void
hce_conf_prepare(struct hce *he)
{
	struct rd_table		*t, *pt;
	struct rd_host		*h, *p;
	size_t			 n = 0, nhosts = 0;

	free(he->he_children);
	he->he_children = NULL;
	he->he_nchildren = 0;
	TAILQ_FOREACH(t, &he->he_conf->c_tables, t_entry)
		TAILQ_FOREACH(h, &t->t_hosts, h_entry) {
			if (h->h_state == HOST_UNKNOWN && h->h_checks == 0 &&
			    h->h_reason == HCE_NONE)
				h->h_retry_left = h->h_retry;
			if (h->h_parentid != 0)
				n++;
			nhosts++;
		}
	hce_nofile(nhosts);
	if (n == 0)
		return;
	if ((he->he_children = calloc(n, sizeof(*he->he_children))) == NULL) {
		log_warn("%s", __func__);
		return;
	}
	TAILQ_FOREACH(t, &he->he_conf->c_tables, t_entry)
		TAILQ_FOREACH(h, &t->t_hosts, h_entry) {
			if (h->h_parentid == 0)
				continue;
			p = NULL;
			TAILQ_FOREACH(pt, &he->he_conf->c_tables, t_entry) {
				TAILQ_FOREACH(p, &pt->t_hosts, h_entry)
					if (p->h_id == h->h_parentid)
						break;
				if (p != NULL)
					break;
			}
			if (p == NULL || p == h) {
				log_warnx("host %s: parent id %u not found",
				    h->h_name, h->h_parentid);
				continue;
			}
			he->he_children[he->he_nchildren].hk_child = h;
			he->he_children[he->he_nchildren].hk_parent = p;
			he->he_nchildren++;
		}
}

/*
 * Every host may hold a socket at once: raise the soft descriptor limit
 * toward the hard one when the default (often 1024) is short.
 */
static void
hce_nofile(size_t nhosts)
{
	struct rlimit	 rl;
	rlim_t		 want = (rlim_t)nhosts + 64;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur >= want)
		return;
	rl.rlim_cur = rl.rlim_max != RLIM_INFINITY && rl.rlim_max < want ?
	    rl.rlim_max : want;
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
		log_warn("%s: setrlimit", __func__);
	if (rl.rlim_cur < want)
		log_warnx("%zu hosts, %llu descriptors: checks may fail "
		    "\"tcp socket limit\"", nhosts,
		    (unsigned long long)rl.rlim_cur);
}

void
hce_start(struct hce *he)
{
	struct timeval	 tv;

	he->he_interval = he->he_conf->c_interval > 0 ?
	    he->he_conf->c_interval : RELAYD_INTERVAL;
	tv.tv_sec = he->he_interval;
	tv.tv_usec = 0;
	he->he_started = 1;
	if (event_add(he->he_round, &tv) == -1)
		log_warnx("%s: event_add", __func__);
	hce_round(he);
}

/* A round already running is the poll: its checks are not cut short. */
void
hce_poll(struct hce *he)
{
	if (he->he_inround) {
		log_debug("%s: a round is running", __func__);
		return;
	}
	hce_round(he);
}

void
hce_set_conf(struct hce *he, struct relayd_conf *conf)
{
	struct timeval	 tv;
	int		 interval;

	hce_abort_all(he);
	he->he_conf = conf;
	hce_conf_prepare(he);
	interval = conf->c_interval > 0 ? conf->c_interval : RELAYD_INTERVAL;
	if (he->he_started && interval != he->he_interval) {
		he->he_interval = interval;
		tv.tv_sec = interval;
		tv.tv_usec = 0;
		if (event_add(he->he_round, &tv) == -1)
			log_warnx("%s: event_add", __func__);
	}
}

uint64_t
hce_nchecks(const struct hce *he)
{
	return (he->he_nchecks);
}

uint64_t
hce_nrounds(const struct hce *he)
{
	return (he->he_rounds);
}

/* ---- rounds ---- */

static void
hce_round_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	hce_round(arg);
}

static int
hce_timeout_ms(const struct hce *he, const struct rd_table *t)
{
	if (t->t_timeout > 0)
		return (t->t_timeout);
	if (he->he_conf->c_timeout > 0)
		return (he->he_conf->c_timeout);
	return (RELAYD_TIMEOUT);
}

/*
 * Checks still running from the last round end as "interval timeout"
 * (closing that round); then every due table's enabled hosts, parents'
 * children excepted, get one check.  A table of interval k*interval is
 * due every k-th round.
 */
static void
hce_round(struct hce *he)
{
	struct rd_table	*t;
	struct rd_host	*h;
	uint64_t	 round;
	int		 k, interval;

	while (!TAILQ_EMPTY(&he->he_checks))
		hce_check_done(TAILQ_FIRST(&he->he_checks),
		    HCE_INTERVAL_TIMEOUT);

	round = he->he_rounds++;
	interval = he->he_conf->c_interval > 0 ? he->he_conf->c_interval :
	    RELAYD_INTERVAL;
	he->he_inround = 1;
	he->he_launching = 1;
	TAILQ_FOREACH(t, &he->he_conf->c_tables, t_entry) {
		if (t->t_disabled || t->t_check.ck_type == CHECK_NOCHECK)
			continue;
		k = t->t_interval > interval ? t->t_interval / interval : 1;
		if (round % (uint64_t)k != 0)
			continue;
		TAILQ_FOREACH(h, &t->t_hosts, h_entry) {
			if (h->h_disabled || h->h_parentid != 0)
				continue;
			hce_launch(he, t, h);
		}
	}
	he->he_launching = 0;
	if (he->he_pending == 0)
		hce_round_end(he);
}

static void
hce_round_end(struct hce *he)
{
	if (!he->he_inround)
		return;
	he->he_inround = 0;
	if (he->he_ops->ho_sync != NULL)
		he->he_ops->ho_sync(he->he_arg);
}

static void
hce_launch(struct hce *he, struct rd_table *t, struct rd_host *h)
{
	struct hce_check	*hc;
	struct timeval		 tv;
	int			 ms;

	if ((hc = calloc(1, sizeof(*hc))) == NULL) {
		log_warn("%s", __func__);
		return;
	}
	hc->hc_hce = he;
	hc->hc_host = h;
	hc->hc_table = t;
	hc->hc_check = &t->t_check;
	hc->hc_fd = -1;
	hc->hc_slot = -1;
	hc->hc_tls_on = t->t_check.ck_tls || t->t_check.ck_type == CHECK_TLS;
	(void)clock_gettime(CLOCK_MONOTONIC, &hc->hc_start);
	TAILQ_INSERT_TAIL(&he->he_checks, hc, hc_entry);
	he->he_pending++;
	he->he_nchecks++;

	ms = hce_timeout_ms(he, t);
	if (t->t_check.ck_type == CHECK_SCRIPT)
		ms += HCE_SCRIPT_GRACE_MS;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	if ((hc->hc_timer = evtimer_new(he->he_base, hce_timer_cb,
	    hc)) == NULL || evtimer_add(hc->hc_timer, &tv) == -1) {
		log_warnx("%s: timer", __func__);
		hce_check_done(hc, HCE_TCP_SOCKET_ERROR);
		return;
	}

	switch (t->t_check.ck_type) {
	case CHECK_ICMP:
		hce_icmp_start(hc);
		break;
	case CHECK_SCRIPT:
		hce_script_start(hc);
		break;
	default:
		hce_tcp_start(hc);
		break;
	}
}

static void
hce_check_free(struct hce_check *hc)
{
	struct hce	*he = hc->hc_hce;
	struct hce_icmp	*ic;

	TAILQ_REMOVE(&he->he_checks, hc, hc_entry);
	if (hc->hc_queued) {
		ic = hce_icmp_of(he, hc->hc_host->h_ss.ss_family);
		TAILQ_REMOVE(&ic->ic_sendq, hc, hc_qentry);
		hc->hc_queued = 0;
	}
	if (hc->hc_slot != -1)
		he->he_slots[hc->hc_slot] = NULL;
	if (hc->hc_io != NULL)
		event_free(hc->hc_io);
	if (hc->hc_timer != NULL)
		event_free(hc->hc_timer);
	if (hc->hc_tls != NULL) {
		(void)tls_close(hc->hc_tls);
		tls_free(hc->hc_tls);
	}
	if (hc->hc_fd != -1)
		(void)close(hc->hc_fd);
	if (hc->hc_read != NULL) {
		check_http_clear(hc->hc_read);
		free(hc->hc_read);
	}
	free(hc);
}

/* Checks dropped without a result: reload and shutdown. */
static void
hce_abort_all(struct hce *he)
{
	while (!TAILQ_EMPTY(&he->he_checks))
		hce_check_free(TAILQ_FIRST(&he->he_checks));
	he->he_pending = 0;
	he->he_inround = 0;
}

/*
 * A check ended: its host takes the result (unless disabled meanwhile),
 * then its children, all reported; the round ends with its last check.
 */
static void
hce_check_done(struct hce_check *hc, enum hce_reason reason)
{
	struct hce	*he = hc->hc_hce;
	struct rd_host	*h = hc->hc_host;
	enum host_state	 old;
	size_t		 i;
	int		 changed;

	if (!h->h_disabled) {
		old = h->h_state;
		changed = hce_apply(h, hce_reason_ok(reason), reason);
		hce_report(he, h, changed, old, hc);
		for (i = 0; i < he->he_nchildren; i++) {
			if (he->he_children[i].hk_parent != h ||
			    he->he_children[i].hk_child->h_disabled)
				continue;
			old = he->he_children[i].hk_child->h_state;
			changed = hce_mirror(he->he_children[i].hk_child, h);
			hce_report(he, he->he_children[i].hk_child, changed,
			    old, hc);
		}
	}
	hce_check_free(hc);
	if (he->he_pending > 0)
		he->he_pending--;
	if (he->he_pending == 0 && !he->he_launching)
		hce_round_end(he);
}

static const char *
hce_check_name(const struct rd_check *ck)
{
	switch (ck->ck_type) {
	case CHECK_ICMP:
		return ("icmp");
	case CHECK_TCP:
	case CHECK_TLS:
		return ("tcp");
	case CHECK_HTTP_CODE:
		return ("http code");
	case CHECK_HTTP_DIGEST:
		return ("http digest");
	case CHECK_SEND_EXPECT:
	case CHECK_BINARY:
		return ("send expect");
	case CHECK_SCRIPT:
		return ("script");
	default:
		return ("none");
	}
}

/* OpenBSD's log line, for state changes and (if asked) every check. */
static void
hce_report(struct hce *he, struct rd_host *h, int changed,
    enum host_state old, const struct hce_check *hc)
{
	static const char *const states[] = { "unknown", "up", "down" };
	struct timespec	 now;
	char		 avail[32];
	long		 ms;

	if ((changed && (he->he_conf->c_log & CONF_LOG_STATE)) ||
	    (he->he_conf->c_log & CONF_LOG_CHECKS)) {
		(void)clock_gettime(CLOCK_MONOTONIC, &now);
		ms = (now.tv_sec - hc->hc_start.tv_sec) * 1000 +
		    (now.tv_nsec - hc->hc_start.tv_nsec) / 1000000;
		avail[0] = '\0';
		if (h->h_checks > 0)
			(void)snprintf(avail, sizeof(avail), "%.2f%%",
			    (double)h->h_ups / (double)h->h_checks * 100);
		log_info("host %s, check %s%s (%ldms,%s), state %s -> %s, "
		    "availability %s", h->h_name, hce_check_name(hc->hc_check),
		    hc->hc_tls_on ? " use tls" : "", ms,
		    hce_reason_str(h->h_reason), states[old % 3],
		    states[h->h_state % 3], avail);
	}
	if (he->he_ops->ho_status != NULL)
		he->he_ops->ho_status(he->he_arg, h, changed);
}

static void
hce_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct hce_check	*hc = arg;
	enum hce_reason		 r;

	(void)fd;
	(void)what;
	switch (hc->hc_phase) {
	case HC_ICMP:
		r = hc->hc_queued ? HCE_ICMP_WRITE_TIMEOUT :
		    HCE_ICMP_READ_TIMEOUT;
		break;
	case HC_CONNECT:
		r = HCE_TCP_CONNECT_TIMEOUT;
		break;
	case HC_TLS:
		r = HCE_TLS_CONNECT_TIMEOUT;
		break;
	case HC_WRITE:
		r = hc->hc_tls_on ? HCE_TLS_WRITE_TIMEOUT :
		    HCE_TCP_WRITE_TIMEOUT;
		break;
	case HC_READ:
		/* As OpenBSD's check_tcp: what arrived before the timeout is
		 * judged (a wrong banner from a server that then hangs is
		 * "send/expect failed"); only silence is a read timeout. */
		if (hc->hc_read != NULL && (hc->hc_read->cr_len > 0 ||
		    hc->hc_read->cr_inbody))
			r = check_http_eof(hc->hc_read);
		else
			r = hc->hc_tls_on ? HCE_TLS_READ_TIMEOUT :
			    HCE_TCP_READ_TIMEOUT;
		break;
	default:
		r = HCE_SCRIPT_FAIL;
		break;
	}
	hce_check_done(hc, r);
}

/* ---- TCP, TLS, send and read ---- */

static int
hce_set_ttl(int fd, int af, int ttl)
{
	if (af == AF_INET6)
		return (setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &ttl,
		    sizeof(ttl)));
	return (setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl)));
}

/* Waits for the check's socket to be readable or writable. */
static void
hce_wait(struct hce_check *hc, short what)
{
	struct hce	*he = hc->hc_hce;

	if (hc->hc_io == NULL)
		hc->hc_io = event_new(he->he_base, hc->hc_fd, what, hce_io_cb,
		    hc);
	else {
		(void)event_del(hc->hc_io);
		if (event_assign(hc->hc_io, he->he_base, hc->hc_fd, what,
		    hce_io_cb, hc) == -1) {
			event_free(hc->hc_io);
			hc->hc_io = NULL;
		}
	}
	if (hc->hc_io == NULL || event_add(hc->hc_io, NULL) == -1) {
		log_warnx("%s: event", __func__);
		hce_check_done(hc, HCE_TCP_SOCKET_ERROR);
	}
}

static void
hce_io_cb(evutil_socket_t fd, short what, void *arg)
{
	struct hce_check	*hc = arg;
	socklen_t		 len;
	int			 err;

	(void)what;
	switch (hc->hc_phase) {
	case HC_CONNECT:
		len = sizeof(err);
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
			err = errno;
		if (err != 0) {
			log_debug("host %s: connect: %s", hc->hc_host->h_name,
			    strerror(err));
			hce_check_done(hc, HCE_TCP_CONNECT_FAIL);
			return;
		}
		hce_tcp_connected(hc);
		break;
	case HC_TLS:
		hce_tls_handshake(hc);
		break;
	case HC_WRITE:
		hce_write(hc);
		break;
	case HC_READ:
		hce_read(hc);
		break;
	default:
		break;
	}
}

static void
hce_tcp_start(struct hce_check *hc)
{
	struct rd_host		*h = hc->hc_host;
	struct sockaddr_storage	 ss;
	struct linger		 lng;
	socklen_t		 slen;
	int			 af = h->h_ss.ss_family;

	ss = h->h_ss;
	if (af == AF_INET) {
		((struct sockaddr_in *)&ss)->sin_port =
		    htons(hc->hc_table->t_port);
		slen = sizeof(struct sockaddr_in);
	} else if (af == AF_INET6) {
		((struct sockaddr_in6 *)&ss)->sin6_port =
		    htons(hc->hc_table->t_port);
		slen = sizeof(struct sockaddr_in6);
	} else {
		hce_check_done(hc, HCE_TCP_SOCKET_ERROR);
		return;
	}

	hc->hc_fd = socket(af, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (hc->hc_fd == -1) {
		log_debug("host %s: socket: %s", h->h_name, strerror(errno));
		hce_check_done(hc, errno == EMFILE || errno == ENFILE ?
		    HCE_TCP_SOCKET_LIMIT : HCE_TCP_SOCKET_ERROR);
		return;
	}
	/* Close with a reset: no TIME_WAIT pile-up at short intervals. */
	lng.l_onoff = 1;
	lng.l_linger = 0;
	if (setsockopt(hc->hc_fd, SOL_SOCKET, SO_LINGER, &lng,
	    sizeof(lng)) == -1 ||
	    (h->h_ttl > 0 && hce_set_ttl(hc->hc_fd, af, h->h_ttl) == -1)) {
		hce_check_done(hc, HCE_TCP_SOCKET_OPTION);
		return;
	}
	hc->hc_phase = HC_CONNECT;
	if (connect(hc->hc_fd, (struct sockaddr *)&ss, slen) == 0) {
		hce_tcp_connected(hc);
		return;
	}
	if (errno != EINPROGRESS) {
		log_debug("host %s: connect: %s", h->h_name, strerror(errno));
		hce_check_done(hc, HCE_TCP_CONNECT_FAIL);
		return;
	}
	hce_wait(hc, EV_WRITE);
}

static void
hce_tcp_connected(struct hce_check *hc)
{
	struct hce	*he = hc->hc_hce;
	const char	*sni;

	if (!hc->hc_tls_on) {
		if (hc->hc_check->ck_type == CHECK_TCP)
			hce_check_done(hc, HCE_TCP_CONNECT_OK);
		else
			hce_send_start(hc);
		return;
	}
	sni = hc->hc_check->ck_host[0] != '\0' ? hc->hc_check->ck_host : NULL;
	if (he->he_tlscfg == NULL || (hc->hc_tls = tls_client()) == NULL ||
	    tls_configure(hc->hc_tls, he->he_tlscfg) == -1 ||
	    tls_connect_socket(hc->hc_tls, hc->hc_fd, sni) == -1) {
		log_debug("host %s: tls: %s", hc->hc_host->h_name,
		    hc->hc_tls != NULL ? tls_error(hc->hc_tls) : "no context");
		hce_check_done(hc, HCE_TLS_CONNECT_ERROR);
		return;
	}
	hc->hc_phase = HC_TLS;
	hce_tls_handshake(hc);
}

static void
hce_tls_handshake(struct hce_check *hc)
{
	int	 rv;

	rv = tls_handshake(hc->hc_tls);
	if (rv == TLS_WANT_POLLIN)
		hce_wait(hc, EV_READ);
	else if (rv == TLS_WANT_POLLOUT)
		hce_wait(hc, EV_WRITE);
	else if (rv == -1) {
		log_debug("host %s: tls handshake: %s", hc->hc_host->h_name,
		    tls_error(hc->hc_tls));
		hce_check_done(hc, HCE_TLS_CONNECT_FAIL);
	} else if (hc->hc_check->ck_type == CHECK_TLS ||
	    hc->hc_check->ck_type == CHECK_TCP)
		hce_check_done(hc, HCE_TLS_CONNECT_OK);
	else
		hce_send_start(hc);
}

static void
hce_send_start(struct hce_check *hc)
{
	if (check_http_request(hc->hc_check, hc->hc_req, sizeof(hc->hc_req),
	    &hc->hc_reqlen) == -1) {
		log_warnx("host %s: check request cannot be built",
		    hc->hc_host->h_name);
		hce_check_done(hc, hc->hc_tls_on ? HCE_TLS_WRITE_ERROR :
		    HCE_TCP_WRITE_FAIL);
		return;
	}
	if ((hc->hc_read = malloc(sizeof(*hc->hc_read))) == NULL ||
	    check_http_init(hc->hc_read, hc->hc_check) == -1) {
		log_warn("%s", __func__);
		free(hc->hc_read);
		hc->hc_read = NULL;
		hce_check_done(hc, hc->hc_tls_on ? HCE_TLS_READ_ERROR :
		    HCE_TCP_READ_FAIL);
		return;
	}
	hc->hc_reqoff = 0;
	hc->hc_phase = HC_WRITE;
	hce_write(hc);
}

static void
hce_write(struct hce_check *hc)
{
	ssize_t	 n;

	while (hc->hc_reqoff < hc->hc_reqlen) {
		if (hc->hc_tls_on) {
			n = tls_write(hc->hc_tls, hc->hc_req + hc->hc_reqoff,
			    hc->hc_reqlen - hc->hc_reqoff);
			if (n == TLS_WANT_POLLIN || n == TLS_WANT_POLLOUT) {
				hce_wait(hc, n == TLS_WANT_POLLIN ? EV_READ :
				    EV_WRITE);
				return;
			}
			if (n == -1) {
				log_debug("host %s: tls write: %s",
				    hc->hc_host->h_name, tls_error(hc->hc_tls));
				hce_check_done(hc, HCE_TLS_WRITE_ERROR);
				return;
			}
		} else {
			n = send(hc->hc_fd, hc->hc_req + hc->hc_reqoff,
			    hc->hc_reqlen - hc->hc_reqoff, MSG_NOSIGNAL);
			if (n == -1 && (errno == EAGAIN || errno == EINTR)) {
				hce_wait(hc, EV_WRITE);
				return;
			}
			if (n == -1) {
				log_debug("host %s: write: %s",
				    hc->hc_host->h_name, strerror(errno));
				hce_check_done(hc, HCE_TCP_WRITE_FAIL);
				return;
			}
		}
		hc->hc_reqoff += (size_t)n;
	}
	hc->hc_phase = HC_READ;
	hce_read(hc);
}

static void
hce_read(struct hce_check *hc)
{
	uint8_t		 buf[HCE_READ_CHUNK];
	enum hce_reason	 r;
	ssize_t		 n;
	int		 loops;

	for (loops = 0; loops < HCE_READ_LOOPS; loops++) {
		if (hc->hc_tls_on) {
			n = tls_read(hc->hc_tls, buf, sizeof(buf));
			if (n == TLS_WANT_POLLIN || n == TLS_WANT_POLLOUT) {
				hce_wait(hc, n == TLS_WANT_POLLIN ? EV_READ :
				    EV_WRITE);
				return;
			}
			if (n == -1) {
				log_debug("host %s: tls read: %s",
				    hc->hc_host->h_name, tls_error(hc->hc_tls));
				hce_check_done(hc, HCE_TLS_READ_ERROR);
				return;
			}
		} else {
			n = recv(hc->hc_fd, buf, sizeof(buf), 0);
			if (n == -1 && (errno == EAGAIN || errno == EINTR)) {
				hce_wait(hc, EV_READ);
				return;
			}
			if (n == -1) {
				log_debug("host %s: read: %s",
				    hc->hc_host->h_name, strerror(errno));
				hce_check_done(hc, HCE_TCP_READ_FAIL);
				return;
			}
		}
		if (n == 0) {
			hce_check_done(hc, check_http_eof(hc->hc_read));
			return;
		}
		r = check_http_feed(hc->hc_read, buf, (size_t)n);
		if (r != HCE_NONE) {
			hce_check_done(hc, r);
			return;
		}
	}
	/* More may be waiting: let other checks run first. */
	hce_wait(hc, EV_READ);
}

/* ---- ICMP ---- */

static void
hce_icmp_start(struct hce_check *hc)
{
	struct hce	*he = hc->hc_hce;
	struct hce_icmp	*ic;
	int		 af = hc->hc_host->h_ss.ss_family, i;

	hc->hc_phase = HC_ICMP;
	if (af != AF_INET && af != AF_INET6) {
		hce_check_done(hc, HCE_ICMP_WRITE_TIMEOUT);
		return;
	}
	ic = hce_icmp_of(he, af);
	if (ic->ic_fd == -1) {
		if (!ic->ic_logged)
			log_warnx("no %s socket: icmp checks fail",
			    af == AF_INET6 ? "ICMPv6" : "ICMP");
		ic->ic_logged = 1;
		hce_check_done(hc, HCE_ICMP_WRITE_TIMEOUT);
		return;
	}
	for (i = 0; i < HCE_ICMP_SLOTS; i++) {
		he->he_seq++;
		if (he->he_slots[he->he_seq] == NULL)
			break;
	}
	if (i == HCE_ICMP_SLOTS) {
		hce_check_done(hc, HCE_ICMP_WRITE_TIMEOUT);
		return;
	}
	hc->hc_slot = he->he_seq;
	he->he_slots[hc->hc_slot] = hc;

	/*
	 * Sent from the write callback in bursts, so replies are read
	 * between them: a round of thousands of probes sent at once would
	 * overflow the socket's receive buffer on a fast network.
	 */
	hc->hc_queued = 1;
	TAILQ_INSERT_TAIL(&ic->ic_sendq, hc, hc_qentry);
	if (event_add(ic->ic_wev, NULL) == -1)
		log_warnx("%s: event_add", __func__);
}

/*
 * Sends the echo request of hc.  Returns 0 when sent, 1 when the socket
 * would block; on other errors the check is done (write timeout) and -1
 * returned.
 */
static int
hce_icmp_send(struct hce_check *hc)
{
	struct hce	*he = hc->hc_hce;
	struct rd_host	*h = hc->hc_host;
	struct hce_icmp	*ic = hce_icmp_of(he, h->h_ss.ss_family);
	uint8_t		 pkt[8 + HCE_ICMP_DATALEN];
	uint16_t	 ck;
	socklen_t	 slen;
	int		 ttl;

	memset(pkt, 0, sizeof(pkt));
	pkt[0] = ic->ic_af == AF_INET6 ? ICMP6_ECHO_REQUEST : ICMP_ECHO;
	pkt[4] = he->he_ident >> 8;
	pkt[5] = he->he_ident & 0xff;
	pkt[6] = (uint8_t)(hc->hc_slot >> 8);
	pkt[7] = (uint8_t)(hc->hc_slot & 0xff);
	memcpy(pkt + 8, "hakit relayd hce", 16);
	if (ic->ic_af == AF_INET) {
		ck = hce_cksum(pkt, sizeof(pkt));
		pkt[2] = ck >> 8;
		pkt[3] = ck & 0xff;
	}
	ttl = h->h_ttl > 0 ? h->h_ttl : -1;	/* -1: the system default */
	if (ttl != ic->ic_ttl) {
		if (hce_set_ttl(ic->ic_fd, ic->ic_af, ttl) == -1)
			log_warn("host %s: ip ttl %d", h->h_name, ttl);
		else
			ic->ic_ttl = ttl;
	}
	slen = ic->ic_af == AF_INET6 ? sizeof(struct sockaddr_in6) :
	    sizeof(struct sockaddr_in);
	if (sendto(ic->ic_fd, pkt, sizeof(pkt), 0,
	    (const struct sockaddr *)&h->h_ss, slen) == -1) {
		if (errno == EAGAIN || errno == ENOBUFS || errno == EINTR)
			return (1);
		log_debug("host %s: icmp sendto: %s", h->h_name,
		    strerror(errno));
		hce_check_done(hc, HCE_ICMP_WRITE_TIMEOUT);
		return (-1);
	}
	return (0);
}

static void
hce_icmp_write_cb(evutil_socket_t fd, short what, void *arg)
{
	struct hce_icmp		*ic = arg;
	struct hce_check	*hc;
	int			 rv, n;

	(void)fd;
	(void)what;
	for (n = 0; n < HCE_ICMP_BURST &&
	    (hc = TAILQ_FIRST(&ic->ic_sendq)) != NULL; n++) {
		TAILQ_REMOVE(&ic->ic_sendq, hc, hc_qentry);
		hc->hc_queued = 0;
		if ((rv = hce_icmp_send(hc)) == 1) {
			/* The socket is full: again when it drains. */
			hc->hc_queued = 1;
			TAILQ_INSERT_HEAD(&ic->ic_sendq, hc, hc_qentry);
			break;
		}
	}
	if (!TAILQ_EMPTY(&ic->ic_sendq) && event_add(ic->ic_wev, NULL) == -1)
		log_warnx("%s: event_add", __func__);
}

static void
hce_icmp_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct hce		*he = arg;
	struct hce_icmp		*ic;
	struct sockaddr_storage	 ss;
	uint8_t			 pkt[HCE_ICMP_MAXPKT];
	socklen_t		 slen;
	ssize_t			 n;
	int			 loops;

	(void)what;
	ic = fd == he->he_icmp6.ic_fd ? &he->he_icmp6 : &he->he_icmp4;
	for (loops = 0; loops < HCE_ICMP_READS; loops++) {
		slen = sizeof(ss);
		n = recvfrom(fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&ss,
		    &slen);
		if (n == -1)
			return;
		hce_icmp_input(he, ic, pkt, (size_t)n, &ss);
	}
}

/* An echo reply: ours by id (raw sockets) and sequence, from the host. */
static void
hce_icmp_input(struct hce *he, struct hce_icmp *ic, const uint8_t *pkt,
    size_t len, const struct sockaddr_storage *from)
{
	struct hce_check	*hc;
	const struct sockaddr_storage *to;
	size_t			 hl = 0;
	uint16_t		 id, seq;

	if (ic->ic_af == AF_INET && ic->ic_raw) {
		if (len < 20 || (pkt[0] >> 4) != 4)
			return;
		hl = (size_t)(pkt[0] & 0x0f) * 4;
		if (hl < 20)
			return;
	}
	if (len < hl + 8)
		return;
	pkt += hl;
	if (pkt[0] != (ic->ic_af == AF_INET6 ? ICMP6_ECHO_REPLY :
	    ICMP_ECHOREPLY) || pkt[1] != 0)
		return;
	id = (uint16_t)(pkt[4] << 8 | pkt[5]);
	seq = (uint16_t)(pkt[6] << 8 | pkt[7]);
	if (ic->ic_raw && id != he->he_ident)
		return;
	if ((hc = he->he_slots[seq]) == NULL || hc->hc_phase != HC_ICMP ||
	    hc->hc_queued)
		return;
	to = &hc->hc_host->h_ss;
	if (from->ss_family != ic->ic_af || to->ss_family != ic->ic_af)
		return;
	if (ic->ic_af == AF_INET) {
		if (memcmp(&((const struct sockaddr_in *)from)->sin_addr,
		    &((const struct sockaddr_in *)to)->sin_addr,
		    sizeof(struct in_addr)) != 0)
			return;
	} else if (memcmp(&((const struct sockaddr_in6 *)from)->sin6_addr,
	    &((const struct sockaddr_in6 *)to)->sin6_addr,
	    sizeof(struct in6_addr)) != 0)
		return;
	hce_check_done(hc, HCE_ICMP_OK);
}

/* The Internet checksum (RFC 1071). */
static uint16_t
hce_cksum(const uint8_t *p, size_t len)
{
	uint32_t	 sum = 0;
	size_t		 i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ((uint16_t)~sum);
}

/* ---- scripts (HCE-10) ---- */

static void
hce_script_start(struct hce_check *hc)
{
	struct hce	*he = hc->hc_hce;

	hc->hc_phase = HC_SCRIPT;
	if (he->he_ops->ho_script == NULL) {
		hce_check_done(hc, HCE_SCRIPT_FAIL);
		return;
	}
	he->he_ops->ho_script(he->he_arg, hc->hc_host);
}

void
hce_script_done(struct hce *he, uint32_t hostid, int result)
{
	struct hce_check	*hc;

	TAILQ_FOREACH(hc, &he->he_checks, hc_entry)
		if (hc->hc_phase == HC_SCRIPT && hc->hc_host->h_id == hostid)
			break;
	if (hc == NULL) {
		log_debug("%s: host id %u has no script running", __func__,
		    hostid);
		return;
	}
	hce_check_done(hc, result > 0 ? HCE_SCRIPT_OK : HCE_SCRIPT_FAIL);
}
