/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * Peers, frames and the SA/policy stream: the I/O around sasync_role.c's
 * decisions.  One TCP connection per peer, filled by either direction;
 * frames are reassembled in the bufferevent's input buffer and read only
 * whole; nothing blocks (connects time out after 5 s).
 */

#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "carpclient.h"
#include "log.h"
#include "sasyncd.h"

static void	peer_read(struct bufferevent *, void *);
static void	peer_event(struct bufferevent *, short, void *);
static void	peer_drop(struct sasyncd_peer *, const char *why);
static void	peer_connect(struct sasyncd_peer *);
static void	run_acts(struct sasyncd *, struct role_acts *);
static void	role_timer(struct sasyncd *);

int64_t
sync_now(void)
{
	struct timespec	 ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

static const char *
peer_name(const struct sasyncd_peer *p)
{
	return (p->p_conf->p_name);
}

/* Encodes and queues one frame; a peer whose queue overflows is dropped. */
static int
peer_send(struct sasyncd_peer *p, uint32_t type, const void *payload,
    size_t len)
{
	struct sasyncd	*env = p->p_env;
	uint8_t		 frame[SASYNC_MAXFRAME];
	ssize_t		 n;

	if (p->p_bev == NULL || p->p_connecting)
		return (-1);
	if ((n = sasync_frame_encode(&env->env_conf->c_key, type, payload,
	    len, NULL, frame, sizeof(frame))) == -1) {
		env->env_stats.encode_errors++;
		log_warnx("peer %s: cannot encode a %s frame of %zu bytes",
		    peer_name(p), sasync_msg_name(type), len);
		return (-1);
	}
	if (bufferevent_write(p->p_bev, frame, (size_t)n) == -1) {
		peer_drop(p, "write failed");
		return (-1);
	}
	p->p_tx_frames++;
	if (evbuffer_get_length(bufferevent_get_output(p->p_bev)) >
	    SASYNCD_MAXQUEUE) {
		env->env_stats.slow_peer++;
		peer_drop(p, "too much output waiting");
		return (-1);
	}
	return (0);
}

static void
peer_send_ctl(struct sasyncd_peer *p, const struct sasync_ctl *c)
{
	uint8_t	 buf[SASYNC_CTLLEN];

	sasync_ctl_encode(c, buf);
	log_debug("peer %s: send %s %u %u", peer_name(p),
	    sasync_ctl_name(c->c_type), c->c_data, c->c_data2);
	(void)peer_send(p, SASYNC_MSG_SYNCCTL, buf, sizeof(buf));
}

/* mode skipslave: the message names one of our connected peers. */
static int
skips_slave(struct sasyncd *env, const struct xm_info *info)
{
	const struct sockaddr_storage	*ss;
	const struct sasyncd_peer	*p;
	int				 i, j;

	if (!env->env_conf->c_skipslave)
		return (0);
	for (i = 0; i < env->env_npeers; i++) {
		p = &env->env_peers[i];
		ss = &p->p_conf->p_ss;
		for (j = 0; j < info->naddr; j++) {
			if (ss->ss_family == AF_INET &&
			    info->addr[j].af == AF_INET &&
			    memcmp(&((const struct sockaddr_in *)
			    (const void *)ss)->sin_addr,
			    &info->addr[j].a.a4, 4) == 0)
				return (1);
			if (ss->ss_family == AF_INET6 &&
			    info->addr[j].af == AF_INET6 &&
			    memcmp(&((const struct sockaddr_in6 *)
			    (const void *)ss)->sin6_addr,
			    &info->addr[j].a.a6, 16) == 0)
				return (1);
		}
	}
	return (0);
}

/*
 * Turns a kernel event or dump entry into the message for the slaves.
 * Returns its length, 0 when nothing is to be sent.
 */
static ssize_t
outgoing(struct sasyncd *env, const struct nlmsghdr *nh, int snapshot,
    uint8_t *out, size_t outlen, struct xm_info *info)
{
	ssize_t	 n;
	char	 desc[160];

	if ((n = xm_from_event(nh, out, outlen)) <= 0) {
		if (n == -1)
			log_warn("kernel message type %u not sent",
			    nh->nlmsg_type);
		env->env_stats.ev_skipped++;
		return (0);
	}
	if (xm_validate(out, (size_t)n, info) != XM_OK) {
		env->env_stats.ev_skipped++;
		return (0);
	}
	if ((info->type == XFRM_MSG_FLUSHSA ||
	    info->type == XFRM_MSG_FLUSHPOLICY) &&
	    env->env_conf->c_flushmode == FLUSH_NEVER) {
		env->env_stats.ev_noflush++;
		return (0);
	}
	if (skips_slave(env, info)) {
		env->env_stats.ev_skipslave++;
		return (0);
	}
	if (!snapshot && log_getverbose() > 1) {
		xm_describe(out, (size_t)n, desc, sizeof(desc));
		log_debug("sync %s", desc);
	}
	return (n);
}

static void
send_all(struct sasyncd *env, const void *msg, size_t len)
{
	int	 i;

	for (i = 0; i < env->env_npeers; i++)
		if (env->env_peers[i].p_bev != NULL &&
		    !env->env_peers[i].p_connecting)
			(void)peer_send(&env->env_peers[i],
			    SASYNC_MSG_XFRMDATA, msg, len);
}

/* Forgets a pending replay update (the SA is gone or was just sent). */
static void
ae_forget(struct sasyncd *env, const struct xm_sakey *key)
{
	struct sasyncd_ae	**pp, *ae;

	for (pp = &env->env_ae; (ae = *pp) != NULL; pp = &ae->ae_next)
		if (xm_sakey_eq(&ae->ae_key, key)) {
			*pp = ae->ae_next;
			free(ae);
			env->env_nae--;
			return;
		}
}

/* Keeps the latest replay update per SA until the interval ends. */
static void
ae_queue(struct sasyncd *env, const uint8_t *msg, size_t len,
    const struct xm_info *info)
{
	struct sasyncd_ae	*ae;

	if (!info->has_sakey || len > sizeof(ae->ae_msg))
		return;
	for (ae = env->env_ae; ae != NULL; ae = ae->ae_next)
		if (xm_sakey_eq(&ae->ae_key, &info->sakey))
			break;
	if (ae != NULL)
		env->env_stats.ae_coalesced++;
	else {
		if (env->env_nae >= SASYNCD_MAXAE ||
		    (ae = calloc(1, sizeof(*ae))) == NULL) {
			env->env_stats.ae_overflow++;
			return;
		}
		ae->ae_key = info->sakey;
		ae->ae_next = env->env_ae;
		env->env_ae = ae;
		env->env_nae++;
	}
	memcpy(ae->ae_msg, msg, len);
	ae->ae_len = len;
}

static void
ae_flush(evutil_socket_t fd, short what, void *arg)
{
	struct sasyncd		*env = arg;
	struct sasyncd_ae	*ae;
	struct timeval		 tv = { env->env_conf->c_aeinterval, 0 };

	(void)fd;
	(void)what;
	while ((ae = env->env_ae) != NULL) {
		env->env_ae = ae->ae_next;
		if (env->env_role.r_state == ROLE_MASTER)
			send_all(env, ae->ae_msg, ae->ae_len);
		free(ae);
	}
	env->env_nae = 0;
	(void)evtimer_add(env->env_ae_ev, &tv);
}

/* A live kernel event (MASTER only: a slave reads and drops them). */
static int
on_event(const struct nlmsghdr *nh, void *arg)
{
	struct sasyncd	*env = arg;
	struct xm_info	 info;
	uint8_t		 out[XM_MAXMSG];
	ssize_t		 n;

	env->env_stats.ev_seen++;
	if (env->env_role.r_state != ROLE_MASTER)
		return (0);
	if ((n = outgoing(env, nh, 0, out, sizeof(out), &info)) == 0)
		return (0);
	if (info.type == XFRM_MSG_NEWAE) {
		ae_queue(env, out, (size_t)n, &info);
		return (0);
	}
	if (info.type == XFRM_MSG_DELSA && info.has_sakey)
		ae_forget(env, &info.sakey);
	env->env_stats.ev_sent++;
	send_all(env, out, (size_t)n);
	return (0);
}

struct snap_ctx {
	struct sasyncd_peer	*sc_peer;
	uint64_t		 sc_sas;
	uint64_t		 sc_policies;
};

static int
snap_one(const struct nlmsghdr *nh, void *arg)
{
	struct snap_ctx	*sc = arg;
	struct sasyncd	*env = sc->sc_peer->p_env;
	struct xm_info	 info;
	uint8_t		 out[XM_MAXMSG];
	ssize_t		 n;

	if ((n = outgoing(env, nh, 1, out, sizeof(out), &info)) == 0)
		return (0);
	if (peer_send(sc->sc_peer, SASYNC_MSG_XFRMDATA, out, (size_t)n) ==
	    -1)
		return (-1);
	if (info.type == XFRM_MSG_NEWSA)
		sc->sc_sas++;
	else
		sc->sc_policies++;
	return (0);
}

/* Spec 6.2: optional flushes, every SA, every policy, CTL_ENDSNAP. */
static void
snapshot(struct sasyncd_peer *p)
{
	struct sasyncd		*env = p->p_env;
	struct snap_ctx		 sc = { p, 0, 0 };
	struct sasync_ctl	 end = { SASYNC_CTL_ENDSNAP, 0, 0 };
	uint8_t			 msg[64];
	ssize_t			 n;

	if (env->env_conf->c_flushmode == FLUSH_STARTUP) {
		if ((n = xm_flush(XFRM_MSG_FLUSHSA, msg, sizeof(msg))) > 0)
			(void)peer_send(p, SASYNC_MSG_XFRMDATA, msg,
			    (size_t)n);
		if ((n = xm_flush(XFRM_MSG_FLUSHPOLICY, msg,
		    sizeof(msg))) > 0)
			(void)peer_send(p, SASYNC_MSG_XFRMDATA, msg,
			    (size_t)n);
	}
	if (env->env_be->ops->dump(env->env_be, snap_one, &sc) == -1) {
		if (p->p_bev != NULL)
			log_warn("peer %s: snapshot: dump failed",
			    peer_name(p));
		if (p->p_bev != NULL)
			peer_drop(p, "incomplete snapshot");
		return;
	}
	if (p->p_bev == NULL)
		return;
	peer_send_ctl(p, &end);
	p->p_snapshots++;
	env->env_stats.snap_sent++;
	env->env_stats.snap_sas += sc.sc_sas;
	env->env_stats.snap_policies += sc.sc_policies;
	env->env_last_snap_sent = time(NULL);
	log_info("peer %s: snapshot sent: %llu SAs, %llu policies",
	    peer_name(p), (unsigned long long)sc.sc_sas,
	    (unsigned long long)sc.sc_policies);
}

static void
read_events(evutil_socket_t fd, short what, void *arg)
{
	struct sasyncd	*env = arg;
	int		 i;

	(void)fd;
	(void)what;
	if (env->env_be->ops->events(env->env_be, on_event, env) == 0 ||
	    errno != ENOBUFS)
		return;
	/* Events were lost: the slaves get everything again. */
	env->env_stats.ev_lost++;
	log_warnx("kernel events lost; sending snapshots again");
	if (env->env_role.r_state != ROLE_MASTER)
		return;
	for (i = 0; i < env->env_npeers; i++)
		if (env->env_peers[i].p_bev != NULL &&
		    !env->env_peers[i].p_connecting)
			snapshot(&env->env_peers[i]);
}

/* Data from a peer: checked, readied, applied; never half a message. */
static void
apply(struct sasyncd_peer *p, const uint8_t *msg, size_t len)
{
	struct sasyncd	*env = p->p_env;
	struct xm_info	 info;
	enum xm_drop	 d;
	uint8_t		 buf[XM_MAXMSG] __attribute__((aligned(8)));
	uint8_t		 del[XM_MAXMSG] __attribute__((aligned(8)));
	ssize_t		 n, m;
	char		 desc[160];
	int		 rv;

	if ((d = xm_validate(msg, len, &info)) != XM_OK) {
		env->env_stats.xfrm_drops[d]++;
		log_warnx("peer %s: bad XFRM message dropped (%s)",
		    peer_name(p), xm_drop_name(d));
		return;
	}
	if ((n = xm_prepare(msg, len, env->env_conf->c_margin,
	    ++env->env_seq, buf, sizeof(buf))) == -1) {
		env->env_stats.xfrm_drops[XM_BADATTR]++;
		log_warn("peer %s: XFRM message not usable", peer_name(p));
		return;
	}
	rv = env->env_be->ops->apply(env->env_be, (struct nlmsghdr *)buf);
	if (rv == -1 && errno == EEXIST && info.type == XFRM_MSG_NEWSA &&
	    (m = xm_delsa_for(buf, (size_t)n, del, sizeof(del))) > 0) {
		((struct nlmsghdr *)del)->nlmsg_flags = NLM_F_REQUEST |
		    NLM_F_ACK;
		((struct nlmsghdr *)del)->nlmsg_seq = ++env->env_seq;
		(void)env->env_be->ops->apply(env->env_be,
		    (struct nlmsghdr *)del);
		((struct nlmsghdr *)buf)->nlmsg_seq = ++env->env_seq;
		rv = env->env_be->ops->apply(env->env_be,
		    (struct nlmsghdr *)buf);
	}
	if (rv == -1 && (errno == ESRCH || errno == ENOENT) &&
	    (info.type == XFRM_MSG_DELSA || info.type == XFRM_MSG_DELPOLICY))
		rv = 0;		/* already gone */
	xm_describe(msg, len, desc, sizeof(desc));
	if (rv == -1) {
		env->env_stats.apply_errors++;
		log_warn("peer %s: %s", peer_name(p), desc);
		return;
	}
	log_debug("peer %s: applied %s", peer_name(p), desc);
	switch (info.type) {
	case XFRM_MSG_NEWSA:
		env->env_stats.applied_sas++;
		break;
	case XFRM_MSG_UPDPOLICY:
		env->env_stats.applied_policies++;
		break;
	case XFRM_MSG_DELSA:
	case XFRM_MSG_DELPOLICY:
		env->env_stats.applied_deletes++;
		break;
	case XFRM_MSG_FLUSHSA:
	case XFRM_MSG_FLUSHPOLICY:
		env->env_stats.applied_flushes++;
		break;
	case XFRM_MSG_NEWAE:
		env->env_stats.applied_ae++;
		break;
	default:
		break;
	}
}

static void
peer_frame(struct sasyncd_peer *p, const uint8_t *frame, size_t len)
{
	struct sasyncd		*env = p->p_env;
	struct role_acts	 acts = { 0 };
	struct sasync_ctl	 c;
	uint8_t			 payload[SASYNC_MAXDATA]
			    __attribute__((aligned(8)));
	uint32_t		 type;
	size_t			 plen;
	enum sasync_drop	 d;

	if ((d = sasync_frame_decode(&env->env_conf->c_key, frame, len,
	    &type, payload, &plen)) != SASYNC_OK) {
		env->env_stats.frame_drops[d]++;
		if (d == SASYNC_DROP_BADHASH)
			log_warnx("peer %s: got bad message (typo in shared "
			    "key?)", peer_name(p));
		else
			log_warnx("peer %s: frame dropped (%s)",
			    peer_name(p), sasync_drop_name(d));
		return;
	}
	p->p_rx_frames++;
	p->p_last_rx = time(NULL);
	switch (type) {
	case SASYNC_MSG_SYNCCTL:
		if (sasync_ctl_decode(payload, plen, &c) == -1) {
			env->env_stats.frame_drops[SASYNC_DROP_BADTYPE]++;
			log_warnx("peer %s: control message of %zu bytes",
			    peer_name(p), plen);
			return;
		}
		log_debug("peer %s: got %s %u %u", peer_name(p),
		    sasync_ctl_name(c.c_type), c.c_data, c.c_data2);
		if (c.c_type == SASYNC_CTL_ENDSNAP) {
			p->p_endsnaps++;
			env->env_last_snap_rx = time(NULL);
			log_info("peer %s: snapshot received", peer_name(p));
		}
		role_ctl(&env->env_role, p->p_idx, &c, &acts);
		break;
	case SASYNC_MSG_PFKEYDATA:
		env->env_stats.pfkey_drops++;
		log_warnx("peer %s: PF_KEY data from an OpenBSD peer "
		    "dropped (no translator)", peer_name(p));
		return;
	case SASYNC_MSG_XFRMDATA:
		p->p_rx_data++;
		if (!role_data_ok(&env->env_role, p->p_idx, &acts)) {
			env->env_stats.not_master++;
			log_debug("peer %s: data while it is not MASTER or "
			    "we are: dropped", peer_name(p));
			break;
		}
		apply(p, payload, plen);
		break;
	default:
		break;
	}
	run_acts(env, &acts);
}

static void
peer_read(struct bufferevent *bev, void *arg)
{
	struct sasyncd_peer	*p = arg;
	struct evbuffer		*in = bufferevent_get_input(bev);
	uint8_t			 frame[SASYNC_MAXFRAME];
	uint8_t			 head[4];
	ssize_t			 size;

	/* p_bev goes NULL if a frame's actions drop the peer. */
	while (p->p_bev == bev) {
		if (evbuffer_copyout(in, head, sizeof(head)) < 4)
			return;
		if ((size = sasync_frame_size(head, sizeof(head))) == -1) {
			p->p_env->env_stats.frame_drops[
			    SASYNC_DROP_BADLEN]++;
			peer_drop(p, "bad frame length: stream closed");
			return;
		}
		if (evbuffer_get_length(in) < (size_t)size) {
			bufferevent_setwatermark(bev, EV_READ, (size_t)size,
			    SASYNCD_MAXQUEUE);
			return;
		}
		bufferevent_setwatermark(bev, EV_READ, 0, SASYNCD_MAXQUEUE);
		(void)evbuffer_remove(in, frame, (size_t)size);
		peer_frame(p, frame, (size_t)size);
	}
}

static void
peer_drop(struct sasyncd_peer *p, const char *why)
{
	struct sasyncd	*env = p->p_env;

	if (p->p_bev == NULL)
		return;
	log_info("peer %s: disconnected (%s)", peer_name(p), why);
	bufferevent_free(p->p_bev);
	p->p_bev = NULL;
	p->p_connecting = 0;
	evtimer_del(p->p_timeout);
	role_peer_down(&env->env_role, p->p_idx);
	role_timer(env);
}

static void
set_keepalive(int fd)
{
	int	 on = 1, idle = 10, intvl = 5, cnt = 3;
	unsigned int tmo = 30000;

	/* A dead peer's slot is freed in about 25 s, not hours. */
	(void)setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on));
	(void)setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
	(void)setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl,
	    sizeof(intvl));
	(void)setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
	(void)setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &tmo,
	    sizeof(tmo));
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
}

static void
peer_up(struct sasyncd_peer *p, int outgoing)
{
	struct sasyncd		*env = p->p_env;
	struct role_acts	 acts = { 0 };
	socklen_t		 sl = sizeof(p->p_local);

	p->p_connecting = 0;
	p->p_outgoing = outgoing;
	p->p_since = time(NULL);
	evtimer_del(p->p_timeout);
	(void)getsockname(bufferevent_getfd(p->p_bev),
	    (struct sockaddr *)&p->p_local, &sl);
	set_keepalive(bufferevent_getfd(p->p_bev));
	log_info("peer %s: connected (%s)", peer_name(p),
	    outgoing ? "outgoing" : "incoming");
	role_peer_up(&env->env_role, p->p_idx, outgoing, sync_now(), &acts);
	run_acts(env, &acts);
	role_timer(env);
}

static void
peer_event(struct bufferevent *bev, short what, void *arg)
{
	struct sasyncd_peer	*p = arg;

	(void)bev;
	if (what & BEV_EVENT_CONNECTED) {
		peer_up(p, 1);
		return;
	}
	if (what & BEV_EVENT_EOF)
		peer_drop(p, "closed by the peer");
	else if (what & BEV_EVENT_ERROR)
		peer_drop(p, evutil_socket_error_to_string(
		    EVUTIL_SOCKET_ERROR()));
}

static void
peer_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct sasyncd_peer	*p = arg;

	(void)fd;
	(void)what;
	if (p->p_connecting)
		peer_drop(p, "connect timed out");
}

static void
peer_connect(struct sasyncd_peer *p)
{
	struct sasyncd	*env = p->p_env;
	struct timeval	 tv = { SASYNCD_CONNECT_TIMEOUT, 0 };

	if (p->p_bev != NULL || p->p_conf->p_sslen == 0)
		return;
	if ((p->p_bev = bufferevent_socket_new(env->env_base, -1,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL)
		return;
	bufferevent_setcb(p->p_bev, peer_read, NULL, peer_event, p);
	bufferevent_setwatermark(p->p_bev, EV_READ, 0, SASYNCD_MAXQUEUE);
	p->p_connecting = 1;
	log_debug("peer %s: connecting", peer_name(p));
	if (bufferevent_socket_connect(p->p_bev,
	    (const struct sockaddr *)&p->p_conf->p_ss,
	    (int)p->p_conf->p_sslen) == -1) {
		bufferevent_free(p->p_bev);
		p->p_bev = NULL;
		p->p_connecting = 0;
		log_debug("peer %s: connect failed", peer_name(p));
		return;
	}
	(void)bufferevent_enable(p->p_bev, EV_READ | EV_WRITE);
	(void)evtimer_add(p->p_timeout, &tv);
}

static int
addr_eq(const struct sockaddr *a, const struct sockaddr_storage *b)
{
	const struct sockaddr_in6	*a6;

	if (a->sa_family == AF_INET && b->ss_family == AF_INET)
		return (memcmp(&((const struct sockaddr_in *)
		    (const void *)a)->sin_addr, &((const struct sockaddr_in *)
		    (const void *)b)->sin_addr, 4) == 0);
	if (a->sa_family != AF_INET6)
		return (0);
	a6 = (const struct sockaddr_in6 *)(const void *)a;
	if (b->ss_family == AF_INET6)
		return (memcmp(&a6->sin6_addr, &((const struct sockaddr_in6 *)
		    (const void *)b)->sin6_addr, 16) == 0);
	/* a v4 peer reaching a dual-stack socket */
	return (b->ss_family == AF_INET &&
	    IN6_IS_ADDR_V4MAPPED(&a6->sin6_addr) &&
	    memcmp(&a6->sin6_addr.s6_addr[12], &((const struct sockaddr_in *)
	    (const void *)b)->sin_addr, 4) == 0);
}

/* Raw address bytes for the tie-break (v4-mapped reduced to v4). */
static size_t
addr_bytes(const struct sockaddr_storage *ss, const uint8_t **out)
{
	const struct sockaddr_in6	*s6;

	if (ss->ss_family == AF_INET) {
		*out = (const uint8_t *)&((const struct sockaddr_in *)
		    (const void *)ss)->sin_addr;
		return (4);
	}
	s6 = (const struct sockaddr_in6 *)(const void *)ss;
	if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
		*out = &s6->sin6_addr.s6_addr[12];
		return (4);
	}
	*out = s6->sin6_addr.s6_addr;
	return (16);
}

static void
do_accept(evutil_socket_t lfd, short what, void *arg)
{
	struct sasyncd		*env = arg;
	struct sasyncd_peer	*p = NULL;
	struct sockaddr_storage	 ss, local;
	socklen_t		 sl = sizeof(ss), ll = sizeof(local);
	const uint8_t		*la, *ra;
	size_t			 ln, rn;
	char			 host[NI_MAXHOST];
	int			 fd, i;

	(void)what;
	if ((fd = accept4(lfd, (struct sockaddr *)&ss, &sl,
	    SOCK_NONBLOCK | SOCK_CLOEXEC)) == -1) {
		if (errno != EAGAIN && errno != EINTR)
			log_warn("accept");
		return;
	}
	/* Only numeric peers are matched: a name proves nothing. */
	for (i = 0; i < env->env_npeers; i++)
		if (env->env_peers[i].p_conf->p_numeric &&
		    addr_eq((struct sockaddr *)&ss,
		    &env->env_peers[i].p_conf->p_ss)) {
			p = &env->env_peers[i];
			break;
		}
	if (p == NULL) {
		env->env_stats.refused++;
		if (getnameinfo((struct sockaddr *)&ss, sl, host,
		    sizeof(host), NULL, 0, NI_NUMERICHOST) != 0)
			(void)strlcpy(host, "?", sizeof(host));
		log_warnx("connection from %s refused: not a configured peer",
		    host);
		(void)close(fd);
		return;
	}
	if (p->p_bev != NULL) {
		/*
		 * Both sides connected at once.  Both keep the connection
		 * opened by the lower address, so they agree without a
		 * word; a restarted peer whose old connection we still
		 * hold wins as well once ours fails (keepalive).
		 */
		(void)getsockname(fd, (struct sockaddr *)&local, &ll);
		ln = addr_bytes(&local, &la);
		rn = addr_bytes(&ss, &ra);
		if (p->p_outgoing && !p->p_connecting && ln == rn &&
		    memcmp(la, ra, ln) < 0) {
			log_debug("peer %s: second connection closed",
			    peer_name(p));
			(void)close(fd);
			return;
		}
		peer_drop(p, "replaced by its new connection");
	}
	if ((p->p_bev = bufferevent_socket_new(env->env_base, fd,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		(void)close(fd);
		return;
	}
	bufferevent_setcb(p->p_bev, peer_read, NULL, peer_event, p);
	bufferevent_setwatermark(p->p_bev, EV_READ, 0, SASYNCD_MAXQUEUE);
	(void)bufferevent_enable(p->p_bev, EV_READ | EV_WRITE);
	peer_up(p, 0);
}

static void
run_acts(struct sasyncd *env, struct role_acts *acts)
{
	struct sasyncd_peer	*p;
	struct role_act		*a;
	int			 i;

	for (i = 0; i < acts->n; i++) {
		a = &acts->a[i];
		p = a->ra_peer >= 0 && a->ra_peer < env->env_npeers ?
		    &env->env_peers[a->ra_peer] : NULL;
		switch (a->ra_type) {
		case RA_SEND:
			if (p != NULL)
				peer_send_ctl(p, &a->ra_ctl);
			break;
		case RA_CONNECT:
			if (p != NULL)
				peer_connect(p);
			break;
		case RA_SNAPSHOT:
			if (p != NULL && p->p_bev != NULL)
				snapshot(p);
			break;
		case RA_UNDEMOTE:
			if (env->env_demote_held && env->env_carp != NULL) {
				(void)carp_client_demote(env->env_carp,
				    env->env_conf->c_group, -1);
				env->env_demote_held = 0;
				log_info("carp group %s: start-up demotion "
				    "lifted", env->env_conf->c_group);
			}
			break;
		case RA_BOTHMASTER:
			env->env_stats.both_master++;
			if (p != NULL)
				log_warnx("peer %s: says MASTER as we do",
				    peer_name(p));
			break;
		case RA_PEERERROR:
			if (p != NULL)
				log_info("peer %s: refused our %s",
				    peer_name(p),
				    a->ra_ctl.c_data == SASYNC_CTL_STATE ?
				    "state" : "data");
			break;
		}
	}
	acts->n = 0;
}

static void
role_fire(evutil_socket_t fd, short what, void *arg)
{
	struct sasyncd		*env = arg;
	struct role_acts	 acts = { 0 };

	(void)fd;
	(void)what;
	role_tick(&env->env_role, sync_now(), &acts);
	run_acts(env, &acts);
	role_timer(env);
}

static void
role_timer(struct sasyncd *env)
{
	struct timeval	 tv;
	int64_t		 next, now;

	if ((next = role_next(&env->env_role)) < 0)
		return;
	now = sync_now();
	next = next > now ? next - now : 0;
	tv.tv_sec = next / 1000;
	tv.tv_usec = (next % 1000) * 1000;
	(void)evtimer_add(env->env_role_ev, &tv);
}

void
sync_set_state(struct sasyncd *env, uint32_t state, const char *why)
{
	struct role_acts	 acts = { 0 };
	uint32_t		 old = env->env_role.r_state;

	role_set_state(&env->env_role, state, sync_now(), &acts);
	if (env->env_role.r_state == old)
		return;
	env->env_role_since = time(NULL);
	log_info("state %s -> %s (%s)", sasync_state_name(old),
	    sasync_state_name(state), why);
	run_acts(env, &acts);
	role_timer(env);
}

static int
listen_one(struct sasyncd *env, const struct sockaddr *sa, socklen_t sl)
{
	char	 host[NI_MAXHOST];
	int	 fd, on = 1, off = 0;

	if (env->env_nlisten >= SASYNCD_MAXLISTEN) {
		log_warnx("listen: more than %d addresses",
		    SASYNCD_MAXLISTEN);
		return (-1);
	}
	if (getnameinfo(sa, sl, host, sizeof(host), NULL, 0,
	    NI_NUMERICHOST) != 0)
		(void)strlcpy(host, "?", sizeof(host));
	if ((fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1) {
		log_warn("listen on %s", host);
		return (-1);
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	/* A VIP this box does not hold yet can be listened on. */
	(void)setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &on, sizeof(on));
	if (sa->sa_family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY,
		    env->env_conf->c_listen_af == AF_INET6 ||
		    env->env_conf->c_listen[0] != '\0' ? &on : &off,
		    sizeof(on));
	if (bind(fd, sa, sl) == -1 || listen(fd, 3) == -1) {
		log_warn("listen on %s port %u", host, env->env_conf->c_port);
		(void)close(fd);
		return (-1);
	}
	env->env_listen[env->env_nlisten] = fd;
	if ((env->env_listen_ev[env->env_nlisten] = event_new(env->env_base,
	    fd, EV_READ | EV_PERSIST, do_accept, env)) == NULL ||
	    event_add(env->env_listen_ev[env->env_nlisten], NULL) == -1) {
		(void)close(fd);
		return (-1);
	}
	env->env_nlisten++;
	log_debug("listening on %s port %u", host, env->env_conf->c_port);
	return (0);
}

static int
listen_all(struct sasyncd *env)
{
	const struct sasyncd_conf	*c = env->env_conf;
	struct ifaddrs			*ifa, *i;
	struct addrinfo			 hints, *res, *r;
	struct sockaddr_storage		 ss;
	char				 port[8];
	int				 n = 0;

	(void)snprintf(port, sizeof(port), "%u", c->c_port);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = c->c_listen_af;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	if (c->c_listen[0] == '\0') {
		/* All addresses: one dual-stack socket unless inet. */
		hints.ai_family = c->c_listen_af == AF_INET ? AF_INET :
		    AF_INET6;
		if (getaddrinfo(c->c_listen_af == AF_INET ? "0.0.0.0" : "::",
		    port, &hints, &res) != 0)
			return (-1);
		n = listen_one(env, res->ai_addr, res->ai_addrlen);
		freeaddrinfo(res);
		return (n);
	}
	if (if_nametoindex(c->c_listen) != 0) {
		if (getifaddrs(&ifa) == -1)
			return (-1);
		for (i = ifa; i != NULL; i = i->ifa_next) {
			if (i->ifa_addr == NULL ||
			    strcmp(i->ifa_name, c->c_listen) != 0 ||
			    (i->ifa_addr->sa_family != AF_INET &&
			    i->ifa_addr->sa_family != AF_INET6) ||
			    (c->c_listen_af != AF_UNSPEC &&
			    i->ifa_addr->sa_family != c->c_listen_af))
				continue;
			memset(&ss, 0, sizeof(ss));
			memcpy(&ss, i->ifa_addr, i->ifa_addr->sa_family ==
			    AF_INET ? sizeof(struct sockaddr_in) :
			    sizeof(struct sockaddr_in6));
			if (ss.ss_family == AF_INET)
				((struct sockaddr_in *)&ss)->sin_port =
				    htons(c->c_port);
			else
				((struct sockaddr_in6 *)&ss)->sin6_port =
				    htons(c->c_port);
			if (listen_one(env, (struct sockaddr *)&ss,
			    ss.ss_family == AF_INET ?
			    sizeof(struct sockaddr_in) :
			    sizeof(struct sockaddr_in6)) == 0)
				n++;
		}
		freeifaddrs(ifa);
		if (n == 0)
			log_warnx("listen on %s: the interface has no "
			    "address", c->c_listen);
		return (n > 0 ? 0 : -1);
	}
	if (getaddrinfo(c->c_listen, port, &hints, &res) != 0) {
		log_warnx("listen on %s: cannot resolve", c->c_listen);
		return (-1);
	}
	for (r = res; r != NULL; r = r->ai_next)
		if (listen_one(env, r->ai_addr, r->ai_addrlen) == 0)
			n++;
	freeaddrinfo(res);
	return (n > 0 ? 0 : -1);
}

int
sync_init(struct sasyncd *env)
{
	struct sasync_peer_conf	*pc;
	struct sasyncd_peer	*p;
	struct timeval		 tv = { env->env_conf->c_aeinterval, 0 };
	int			 fd;

	role_init(&env->env_role, env->env_conf->c_npeers, sync_now());
	if (env->env_conf->c_lock == LOCK_MASTER)
		role_lock(&env->env_role, ROLE_MASTER);
	else if (env->env_conf->c_lock == LOCK_SLAVE)
		role_lock(&env->env_role, ROLE_SLAVE);
	TAILQ_FOREACH(pc, &env->env_conf->c_peers, p_entry) {
		if (env->env_npeers >= ROLE_MAXPEERS) {
			log_warnx("more than %d peers", ROLE_MAXPEERS);
			return (-1);
		}
		p = &env->env_peers[env->env_npeers];
		p->p_conf = pc;
		p->p_idx = env->env_npeers++;
		p->p_env = env;
		if ((p->p_timeout = evtimer_new(env->env_base, peer_timeout,
		    p)) == NULL)
			return (-1);
	}
	if (listen_all(env) == -1)
		return (-1);
	if ((env->env_role_ev = evtimer_new(env->env_base, role_fire,
	    env)) == NULL ||
	    (env->env_ae_ev = evtimer_new(env->env_base, ae_flush,
	    env)) == NULL)
		return (-1);
	(void)evtimer_add(env->env_ae_ev, &tv);
	if ((fd = env->env_be->ops->event_fd(env->env_be)) != -1) {
		if ((env->env_be_ev = event_new(env->env_base, fd,
		    EV_READ | EV_PERSIST, read_events, env)) == NULL ||
		    event_add(env->env_be_ev, NULL) == -1)
			return (-1);
	}
	env->env_role_since = time(NULL);
	return (0);
}

void
sync_start(struct sasyncd *env)
{
	int	 i;

	for (i = 0; i < env->env_npeers; i++)
		peer_connect(&env->env_peers[i]);
	role_timer(env);
}

void
sync_shutdown(struct sasyncd *env)
{
	struct sasyncd_ae	*ae;
	int			 i;

	for (i = 0; i < env->env_npeers; i++) {
		if (env->env_peers[i].p_bev != NULL)
			bufferevent_free(env->env_peers[i].p_bev);
		env->env_peers[i].p_bev = NULL;
		if (env->env_peers[i].p_timeout != NULL)
			event_free(env->env_peers[i].p_timeout);
	}
	for (i = 0; i < env->env_nlisten; i++) {
		event_free(env->env_listen_ev[i]);
		(void)close(env->env_listen[i]);
	}
	while ((ae = env->env_ae) != NULL) {
		env->env_ae = ae->ae_next;
		free(ae);
	}
	if (env->env_be_ev != NULL)
		event_free(env->env_be_ev);
	if (env->env_role_ev != NULL)
		event_free(env->env_role_ev);
	if (env->env_ae_ev != NULL)
		event_free(env->env_ae_ev);
}

static json_t *
ts_json(time_t t)
{
	return (t == 0 ? json_null() : json_integer((json_int_t)t));
}

json_t *
sync_show(struct sasyncd *env)
{
	const struct sasyncd_stats	*st = &env->env_stats;
	struct sasyncd_peer		*p;
	json_t				*peers, *c, *o;
	int				 i;

	peers = json_array();
	for (i = 0; i < env->env_npeers; i++) {
		p = &env->env_peers[i];
		o = json_pack("{s:s,s:b,s:s,s:s,s:b,s:I,s:I,s:I,s:I,s:I,s:o,"
		    "s:o}",
		    "peer", peer_name(p),
		    "numeric", p->p_conf->p_numeric,
		    "connection", p->p_bev == NULL ? "none" :
		    p->p_connecting ? "connecting" :
		    p->p_outgoing ? "outgoing" : "incoming",
		    "state", sasync_state_name(
		    env->env_role.r_peers[i].rp_state),
		    "endsnap", env->env_role.r_peers[i].rp_endsnap,
		    "rx_frames", (json_int_t)p->p_rx_frames,
		    "tx_frames", (json_int_t)p->p_tx_frames,
		    "rx_data", (json_int_t)p->p_rx_data,
		    "snapshots_sent", (json_int_t)p->p_snapshots,
		    "snapshots_received", (json_int_t)p->p_endsnaps,
		    "since", ts_json(p->p_bev != NULL && !p->p_connecting ?
		    p->p_since : 0),
		    "last_rx", ts_json(p->p_last_rx));
		(void)json_array_append_new(peers, o);
	}
	c = json_object();
	for (i = 1; i < SASYNC_DROP_MAX; i++)
		(void)json_object_set_new(c, sasync_drop_name(i),
		    json_integer((json_int_t)st->frame_drops[i]));
	for (i = 1; i < XM_DROP_MAX; i++) {
		char	 key[48];

		(void)snprintf(key, sizeof(key), "xfrm %s", xm_drop_name(i));
		(void)json_object_set_new(c, key,
		    json_integer((json_int_t)st->xfrm_drops[i]));
	}
#define CNT(n, f) (void)json_object_set_new(c, n, \
	json_integer((json_int_t)st->f))
	CNT("pfkey_dropped", pfkey_drops);
	CNT("not_master", not_master);
	CNT("refused", refused);
	CNT("slow_peer", slow_peer);
	CNT("both_master", both_master);
	CNT("events", ev_seen);
	CNT("events_sent", ev_sent);
	CNT("events_skipped", ev_skipped);
	CNT("events_skipslave", ev_skipslave);
	CNT("flush_held", ev_noflush);
	CNT("events_lost", ev_lost);
	CNT("replay_coalesced", ae_coalesced);
	CNT("replay_overflow", ae_overflow);
	CNT("snapshots_sent", snap_sent);
	CNT("snapshot_sas", snap_sas);
	CNT("snapshot_policies", snap_policies);
	CNT("applied_sas", applied_sas);
	CNT("applied_policies", applied_policies);
	CNT("applied_deletes", applied_deletes);
	CNT("applied_flushes", applied_flushes);
	CNT("applied_replay", applied_ae);
	CNT("apply_errors", apply_errors);
	CNT("encode_errors", encode_errors);
#undef CNT
	return (json_pack("{s:b,s:s,s:s,s:s,s:b,s:s,s:o,s:b,s:s,s:o,s:o,"
	    "s:o,s:o}",
	    "ok", 1,
	    "state", sasync_state_name(env->env_role.r_state),
	    "interface", env->env_conf->c_carpif,
	    "group", env->env_conf->c_group,
	    "locked", env->env_role.r_locked,
	    "backend", env->env_be->ops->name,
	    "since", ts_json(env->env_role_since),
	    "demoted", env->env_demote_held,
	    "flushmode", env->env_conf->c_flushmode == FLUSH_STARTUP ?
	    "startup" : env->env_conf->c_flushmode == FLUSH_SYNC ? "sync" :
	    "never",
	    "last_snapshot_sent", ts_json(env->env_last_snap_sent),
	    "last_snapshot_received", ts_json(env->env_last_snap_rx),
	    "peers", peers,
	    "counters", c));
}
