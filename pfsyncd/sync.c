/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * The sync engine: the index of synced states, what local conntrack
 * events send, what received messages do to conntrack, the bulk update
 * on both sides, and the periodic walk that refreshes timeouts and heals
 * lost events.  States go into the kernel as they arrive, so nothing
 * has to be committed when carpd moves the VIPs.
 */

#include <sys/ioctl.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "carpclient.h"
#include "log.h"
#include "sock.h"
#include "sync.h"

#define SYNC_RECV_BURST		256	/* packets read per wakeup */
/*
 * pfsync allows a message to wait up to 1 s for the packet to fill;
 * a connection opened in that second would be lost with the master.
 * 10 ms keeps that window small and still fills packets under load.
 */
#define SYNC_FLUSH_MS		10
#define SYNC_WALK_MS		10000	/* timeout refresh walk */
#define SYNC_RESYNC_MS		1000	/* at most one overrun resync per */
#define SYNC_PINGPONG_MS	2000	/* 5.2: flush at once below this */
#define BULK_RETRY_MS		2000
#define BULK_TRIES		12
#define BULK_LINKWAIT_MS	30000
#define BULK_RATE		100000	/* states/s a bulk is sent at */
#define BULK_SLACK_US		10000	/* catch-up after a late timer */
#define BULK_REDO		2	/* lossy bulks asked again */

static int	 ent_cmp_id(const struct pf_ent *, const struct pf_ent *);
static int	 ent_cmp_tuple(const struct pf_ent *, const struct pf_ent *);
RB_GENERATE_STATIC(pf_byid, pf_ent, e_byid, ent_cmp_id)
RB_GENERATE_STATIC(pf_bytuple, pf_ent, e_bytuple, ent_cmp_tuple)

static void	 sync_recv(evutil_socket_t, short, void *);
static void	 sync_ctev(evutil_socket_t, short, void *);
static void	 sync_tick(evutil_socket_t, short, void *);
static void	 sync_flush_cb(evutil_socket_t, short, void *);
static void	 sync_bulksend(evutil_socket_t, short, void *);
static void	 sync_flush(struct pfsyncd *);
static void	 sync_walk(struct pfsyncd *);

/* Requests that failed with EEXIST, retried as updates after commit. */
struct retry {
	struct ct_state	*r_st;
	size_t		 r_n;
	size_t		 r_cap;
};
static struct retry	 retries;

uint64_t
pfsyncd_now_ms(void)
{
	struct timespec	 ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

static int
ent_cmp_id(const struct pf_ent *a, const struct pf_ent *b)
{
	if (a->e_creatorid != b->e_creatorid)
		return (a->e_creatorid < b->e_creatorid ? -1 : 1);
	if (a->e_id != b->e_id)
		return (a->e_id < b->e_id ? -1 : 1);
	return (0);
}

static int
ent_cmp_tuple(const struct pf_ent *a, const struct pf_ent *b)
{
	if (a->e_ct.zone != b->e_ct.zone)
		return (a->e_ct.zone < b->e_ct.zone ? -1 : 1);
	return (ct_tuple_cmp(&a->e_ct.orig, &b->e_ct.orig));
}

static struct pf_ent *
ent_by_tuple(struct pfsyncd *env, const struct ct_state *ct)
{
	struct pf_ent	 key;

	memset(&key, 0, sizeof(key));
	key.e_ct.zone = ct->zone;
	key.e_ct.orig = ct->orig;
	return (RB_FIND(pf_bytuple, &env->env_bytuple, &key));
}

static struct pf_ent *
ent_by_id(struct pfsyncd *env, uint32_t creatorid, uint64_t id)
{
	struct pf_ent	 key;

	memset(&key, 0, sizeof(key));
	key.e_creatorid = creatorid;
	key.e_id = id;
	return (RB_FIND(pf_byid, &env->env_byid, &key));
}

static uint64_t
ent_deadline(const struct ct_state *ct)
{
	return (pfsyncd_now_ms() + (uint64_t)ct->timeout * 1000);
}

static struct pf_ent *
ent_new(struct pfsyncd *env, const struct ct_state *ct, uint32_t creatorid,
    uint64_t id, int peer)
{
	struct pf_ent	*e;

	if ((e = calloc(1, sizeof(*e))) == NULL) {
		log_warn("%s", __func__);
		return (NULL);
	}
	e->e_ct = *ct;
	e->e_creatorid = creatorid;
	e->e_id = id;
	e->e_peer = peer;
	e->e_deadline = ent_deadline(ct);
	e->e_gen = env->env_gen;
	if (RB_INSERT(pf_byid, &env->env_byid, e) != NULL ||
	    RB_INSERT(pf_bytuple, &env->env_bytuple, e) != NULL) {
		/* callers look both up first; keep the trees consistent */
		(void)RB_REMOVE(pf_byid, &env->env_byid, e);
		free(e);
		return (NULL);
	}
	if (peer)
		env->env_npeer++;
	else
		env->env_nlocal++;
	return (e);
}

static void
ent_free(struct pfsyncd *env, struct pf_ent *e)
{
	(void)RB_REMOVE(pf_byid, &env->env_byid, e);
	(void)RB_REMOVE(pf_bytuple, &env->env_bytuple, e);
	/* a pending DEL_C must still go out: detach rather than drop */
	pfsync_q_detach(&e->e_q);
	if (e->e_peer)
		env->env_npeer--;
	else
		env->env_nlocal--;
	free(e);
}

static void
ent_rekey(struct pfsyncd *env, struct pf_ent *e, uint32_t creatorid,
    uint64_t id)
{
	struct pf_ent	*old;

	if ((old = ent_by_id(env, creatorid, id)) != NULL && old != e) {
		pfsync_q_forget(&env->env_q, &old->e_q);
		ent_free(env, old);
	}
	(void)RB_REMOVE(pf_byid, &env->env_byid, e);
	e->e_creatorid = creatorid;
	e->e_id = id;
	(void)RB_INSERT(pf_byid, &env->env_byid, e);
}

/* ---- what is synced ---- */

static int
sync_wanted(struct pfsyncd *env, const struct ct_state *ct)
{
	const struct ct_tuple	*o = &ct->orig;

	/* pfsync's and CARP's own traffic is never synced (pf: no-sync) */
	if (o->proto == PFSYNC_PROTO || o->proto == 112)
		return (0);
	if (ct->status & (CT_S_UNTRACKED | CT_S_HELPER | CT_S_SEQ_ADJUST))
		return (0);
	if (o->proto == IPPROTO_ICMP || o->proto == IPPROTO_ICMPV6)
		return (0);
	if (o->af == AF_INET && (memcmp(o->src, env->env_ifaddr, 4) == 0 ||
	    memcmp(o->dst, env->env_ifaddr, 4) == 0))
		return (0);
	return (pfsyncd_filter(env->env_conf, ct));
}

/* ---- sending ---- */

static int
sync_export(struct pfsyncd *env, const struct pf_ent *e,
    struct pfsync_state *st)
{
	struct ct_state	 ct = e->e_ct;
	uint64_t	 now = pfsyncd_now_ms();
	const char	*why;

	ct.timeout = e->e_deadline > now ?
	    (uint32_t)((e->e_deadline - now + 999) / 1000) : 1;
	if (pfsync_from_ct(&ct, e->e_id, e->e_creatorid,
	    pfsyncd_zone_to_rdomain(env->env_conf, ct.zone), st, &why) == -1)
		return (-1);
	if (env->env_conf->c_defer)
		st->state_flags |= PFSTATE_ACK;
	return (0);
}

static void
sync_arm_flush(struct pfsyncd *env)
{
	struct timeval	 tv = { 0, SYNC_FLUSH_MS * 1000 };

	if (env->env_flush_armed)
		return;
	if (event_add(env->env_flush_ev, &tv) == 0)
		env->env_flush_armed = 1;
}

static void
sync_queued(struct pfsyncd *env, uint8_t action, int now)
{
	env->env_qbytes += pfsync_msg_len(action) + PFSYNC_SUBHDRLEN;
	if (now || env->env_qbytes + PFSYNC_HDRLEN + 20 >= env->env_conf->c_mtu)
		sync_flush(env);
	else
		sync_arm_flush(env);
}

static void
sync_queue_state(struct pfsyncd *env, uint8_t action, struct pf_ent *e,
    int now)
{
	struct pfsync_state	 st;
	int			 rv;

	if (sync_export(env, e, &st) == -1)
		return;
	if ((rv = pfsync_q_state(&env->env_q, action, &st,
	    action == PFSYNC_ACT_UPD ? NULL : &e->e_q)) == -1) {
		env->env_stats.onomem++;
		return;
	}
	/* the peer just updated it: tell it at once (5.2, ping-pong) */
	if (e->e_peer_ms != 0 &&
	    pfsyncd_now_ms() - e->e_peer_ms < SYNC_PINGPONG_MS)
		now = 1;
	if (action == PFSYNC_ACT_INS && env->env_conf->c_defer)
		now = 1;
	sync_queued(env, action, now || rv == 1);
}

static void
sync_queue_ref(struct pfsyncd *env, uint8_t action, uint32_t creatorid,
    uint64_t id, int now)
{
	struct pfsync_ref	 ref = { .id = id, .creatorid = creatorid };

	if (pfsync_q_ref(&env->env_q, action, &ref) == -1) {
		env->env_stats.onomem++;
		return;
	}
	sync_queued(env, action, now);
}

static void
sync_count_out(struct pfsyncd *env, const uint8_t *pkt, size_t len)
{
	struct buf	 b, sec;
	uint8_t		 act, mlen;
	uint16_t	 count;

	/* our own packets are well formed: count sections for show */
	buf_init(&b, pkt, len);
	if (buf_skip(&b, PFSYNC_HDRLEN) == -1)
		return;
	while (buf_get_u8(&b, &act) == 0 && buf_get_u8(&b, &mlen) == 0 &&
	    buf_get_u16(&b, &count) == 0) {
		if (act < PFSYNC_ACT_MAX)
			env->env_sent.c_act[act] += count;
		if (buf_sub(&b, (size_t)mlen * 4 * count, &sec) == -1)
			break;
	}
}

static void
sync_send(struct pfsyncd *env, const uint8_t *pkt, size_t len)
{
	struct sockaddr_in	 sin;
	int			 i, n;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	n = env->env_conf->c_npeers > 0 ? env->env_conf->c_npeers : 1;
	for (i = 0; i < n; i++) {
		if (env->env_conf->c_npeers > 0)
			sin.sin_addr = env->env_conf->c_peers[i];
		else
			(void)inet_pton(AF_INET, PFSYNC_GROUP, &sin.sin_addr);
		if (sendto(env->env_sock, pkt, len, 0,
		    (struct sockaddr *)&sin, sizeof(sin)) == -1) {
			static struct log_rl	 rl;

			env->env_stats.oerrors++;
			log_rl(&rl, LOG_WARNING, "send to %s: %s",
			    inet_ntoa(sin.sin_addr), strerror(errno));
		} else
			env->env_stats.opackets++;
	}
	sync_count_out(env, pkt, len);
}

static void
sync_flush(struct pfsyncd *env)
{
	uint8_t		 pkt[9000];
	size_t		 len;

	while ((len = pfsync_q_build(&env->env_q, pkt, sizeof(pkt))) > 0)
		sync_send(env, pkt, len);
	env->env_qbytes = 0;
	if (env->env_flush_armed) {
		(void)event_del(env->env_flush_ev);
		env->env_flush_armed = 0;
	}
}

static void
sync_flush_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct pfsyncd	*env = arg;

	(void)fd;
	(void)ev;
	env->env_flush_armed = 0;
	sync_flush(env);
}

/* ---- local conntrack ---- */

static void
sync_local(struct pfsyncd *env, enum ct_event_type type,
    const struct ct_state *ct)
{
	struct pf_ent	*e;

	e = ent_by_tuple(env, ct);
	if (type == CT_EV_DESTROY) {
		if (e == NULL)
			return;
		sync_queue_state(env, PFSYNC_ACT_DEL_C, e, 0);
		ent_free(env, e);
		return;
	}
	if (!sync_wanted(env, ct))
		return;
	if (e == NULL) {
		/* an UPDATE for an unknown entry: the NEW was lost */
		e = ent_new(env, ct, env->env_creatorid,
		    env->env_idbase | ++env->env_idseq, 0);
		if (e != NULL)
			sync_queue_state(env, PFSYNC_ACT_INS, e, 0);
		return;
	}
	e->e_ct = *ct;
	e->e_deadline = ent_deadline(ct);
	sync_queue_state(env, PFSYNC_ACT_UPD_C, e, 0);
}

static void
sync_ct_event(enum ct_event_type type, const struct ct_state *ct, int own,
    void *arg)
{
	/* our own injections: already known, and never re-broadcast */
	if (own)
		return;
	sync_local(arg, type, ct);
}

static void
sync_ctev(evutil_socket_t fd, short ev, void *arg)
{
	struct pfsyncd	*env = arg;

	(void)fd;
	(void)ev;
	if (ct_event_read(env->env_ct) == -1) {
		if (errno == ENOBUFS) {
			static struct log_rl	 rl;

			log_rl(&rl, LOG_WARNING, "conntrack events lost "
			    "(netlink overrun): resynchronising");
			env->env_resync = 1;
		} else if (errno != EAGAIN && errno != EINTR)
			log_warn("conntrack events");
	}
}

/* ---- applying what peers send ---- */

static void
sync_ct_result(enum ct_op op, int err, const struct ct_state *st,
    void *cookie, void *arg)
{
	struct pfsyncd	*env = arg;
	struct pf_ent	*e;
	static struct log_rl rl;
	char		 buf[128];

	(void)cookie;
	if (err == 0)
		return;
	if (op == CT_OP_CREATE && err == EEXIST) {
		/* the flow also crossed this box: take the peer's view */
		if (retries.r_n == retries.r_cap) {
			size_t	 ncap = retries.r_cap ? retries.r_cap * 2 : 64;
			void	*p;

			if ((p = reallocarray(retries.r_st, ncap,
			    sizeof(*retries.r_st))) == NULL)
				return;
			retries.r_st = p;
			retries.r_cap = ncap;
		}
		retries.r_st[retries.r_n++] = *st;
		return;
	}
	if ((op == CT_OP_DELETE || op == CT_OP_UPDATE) && err == ENOENT)
		return;		/* already gone here */
	env->env_ctfail++;
	log_rl(&rl, LOG_WARNING, "conntrack %s of %s: %s",
	    op == CT_OP_CREATE ? "create" : op == CT_OP_UPDATE ? "update" :
	    op == CT_OP_DELETE ? "delete" : "get",
	    ct_tuple_str(&st->orig, buf, sizeof(buf)), strerror(err));
	if (op == CT_OP_CREATE && (e = ent_by_tuple(env, st)) != NULL &&
	    e->e_peer) {
		pfsync_q_forget(&env->env_q, &e->e_q);
		ent_free(env, e);
	}
}

static void
sync_commit(struct pfsyncd *env)
{
	size_t	 i;

	if (ct_commit(env->env_ct) == -1)
		log_warn("conntrack commit");
	if (retries.r_n == 0)
		return;
	for (i = 0; i < retries.r_n; i++)
		(void)ct_queue(env->env_ct, CT_OP_UPDATE, &retries.r_st[i],
		    NULL);
	retries.r_n = 0;
	if (ct_commit(env->env_ct) == -1)
		log_warn("conntrack commit");
}

static int
sync_take_token(struct pfsyncd *env)
{
	if (env->env_tokens == 0) {
		env->env_stats.ratelimited++;
		return (-1);
	}
	env->env_tokens--;
	return (0);
}

static void
sync_refill(struct pfsyncd *env)
{
	uint64_t	 now = pfsyncd_now_ms(), limit;

	limit = env->env_conf->c_import_limit;
	env->env_tokens += (now - env->env_tokens_ms) * limit / 1000;
	if (env->env_tokens > limit)
		env->env_tokens = limit;
	env->env_tokens_ms = now;
}

/* Our copy is ahead of what arrived: count it and answer with ours. */
static int
sync_is_stale(struct pfsyncd *env, struct pf_ent *e,
    const struct pfsync_peer *src, const struct pfsync_peer *dst)
{
	struct pfsync_state	 ours;
	int			 n;

	if (sync_export(env, e, &ours) == -1)
		return (0);
	n = pfsync_stale(e->e_ct.orig.proto, &ours.src, &ours.dst, src, dst);
	if (n > 0) {
		env->env_stats.stale++;
		if (!e->e_peer)
			sync_queue_state(env, PFSYNC_ACT_UPD, e, 0);
	}
	return (n);
}

static int
ph_state(uint8_t action, const struct pfsync_state *st, void *arg)
{
	struct pfsyncd	*env = arg;
	struct pf_ent	*e;
	struct ct_state	 ct;
	const char	*reason, *why;
	static struct log_rl rl_bad, rl_unsup;

	env->env_rcvd.c_act[action]++;
	if (action == PFSYNC_ACT_DEL) {
		if ((e = ent_by_id(env, st->creatorid, st->id)) != NULL) {
			(void)ct_queue(env->env_ct, CT_OP_DELETE, &e->e_ct,
			    NULL);
			pfsync_q_forget(&env->env_q, &e->e_q);
			ent_free(env, e);
		}
		return (0);
	}
	if (pfsync_state_check(st, &reason, &why) == -1) {
		if (strcmp(reason, "badstate") == 0)
			env->env_stats.badstate++;
		else
			env->env_stats.badval++;
		env->env_rejected++;
		log_rl(&rl_bad, LOG_WARNING, "state %016llx/%08x rejected: %s",
		    (unsigned long long)st->id, st->creatorid, why);
		return (0);
	}
	/* UPDs come before BUS START in the bulk's first packet */
	if (action == PFSYNC_ACT_UPD && (env->env_bulk == BULK_BULK ||
	    env->env_bulk == BULK_SENT))
		env->env_bulk_states++;
	if (action == PFSYNC_ACT_INS && (st->state_flags & PFSTATE_ACK))
		sync_queue_ref(env, PFSYNC_ACT_INS_ACK, st->creatorid, st->id,
		    1);
	/*
	 * Our own creatorid is imported too: a restarted node with a fixed
	 * hostid gets its former states back by bulk update.
	 */
	if (pfsync_to_ct(st, pfsyncd_rdomain_to_zone(env->env_conf,
	    st->key[PFSYNC_KEY_WIRE].rdomain), &ct, &why) == -1) {
		env->env_stats.unsupported++;
		env->env_rejected++;
		log_rl(&rl_unsup, LOG_INFO, "state %016llx/%08x not imported: "
		    "%s", (unsigned long long)st->id, st->creatorid, why);
		return (0);
	}
	if ((e = ent_by_id(env, st->creatorid, st->id)) == NULL &&
	    (e = ent_by_tuple(env, &ct)) != NULL)
		ent_rekey(env, e, st->creatorid, st->id);
	if (e != NULL) {
		if (sync_is_stale(env, e, &st->src, &st->dst) > 0)
			return (0);
		if (sync_take_token(env) == -1)
			return (0);
		ct.id = e->e_ct.id;
		e->e_ct = ct;
		e->e_deadline = ent_deadline(&ct);
		e->e_peer_ms = pfsyncd_now_ms();
		env->env_imported++;
		(void)ct_queue(env->env_ct, CT_OP_UPDATE, &ct, NULL);
		return (0);
	}
	if (sync_take_token(env) == -1)
		return (0);
	if ((e = ent_new(env, &ct, st->creatorid, st->id, 1)) == NULL) {
		env->env_rejected++;
		return (0);
	}
	e->e_peer_ms = pfsyncd_now_ms();
	env->env_imported++;
	(void)ct_queue(env->env_ct, CT_OP_CREATE, &ct, NULL);
	return (0);
}

static int
ph_upd_c(const struct pfsync_upd_c *u, void *arg)
{
	struct pfsyncd	*env = arg;
	struct pf_ent	*e;
	struct ct_state	 ct;

	env->env_rcvd.c_act[PFSYNC_ACT_UPD_C]++;
	if (u->timeout >= PFTM_MAX || u->src.state > PF_TCPS_PROXY_DST ||
	    u->dst.state > PF_TCPS_PROXY_DST) {
		env->env_stats.badval++;
		env->env_rejected++;
		return (0);
	}
	if ((e = ent_by_id(env, u->creatorid, u->id)) == NULL) {
		/* 11: unknown state, ask for all of it */
		sync_queue_ref(env, PFSYNC_ACT_UPD_REQ, u->creatorid, u->id, 0);
		return (0);
	}
	if (sync_is_stale(env, e, &u->src, &u->dst) > 0)
		return (0);
	if (sync_take_token(env) == -1)
		return (0);
	ct = e->e_ct;
	pfsync_upd_c_to_ct(u, &ct);
	ct.timeout = ct_default_timeout(env->env_ct, &ct);
	e->e_ct = ct;
	e->e_deadline = ent_deadline(&ct);
	e->e_peer_ms = pfsyncd_now_ms();
	env->env_imported++;
	(void)ct_queue(env->env_ct, CT_OP_UPDATE, &ct, NULL);
	return (0);
}

static void	 sync_bulk_respond(struct pfsyncd *);

static int
ph_ref(uint8_t action, const struct pfsync_ref *r, void *arg)
{
	struct pfsyncd	*env = arg;
	struct pf_ent	*e;

	env->env_rcvd.c_act[action]++;
	switch (action) {
	case PFSYNC_ACT_INS_ACK:
		/* nothing is held on this side (no NFQUEUE deferral) */
		break;
	case PFSYNC_ACT_UPD_REQ:
		if (r->id == 0 && r->creatorid == 0) {
			sync_bulk_respond(env);
			break;
		}
		if ((e = ent_by_id(env, r->creatorid, r->id)) != NULL)
			sync_queue_state(env, PFSYNC_ACT_UPD, e, 0);
		break;
	case PFSYNC_ACT_DEL_C:
		if ((e = ent_by_id(env, r->creatorid, r->id)) != NULL) {
			(void)ct_queue(env->env_ct, CT_OP_DELETE, &e->e_ct,
			    NULL);
			pfsync_q_forget(&env->env_q, &e->e_q);
			ent_free(env, e);
		}
		break;
	}
	return (0);
}

static int
ph_clr(const struct pfsync_clr *c, void *arg)
{
	struct pfsyncd	*env = arg;
	struct pf_ent	*e, *next;

	env->env_rcvd.c_act[PFSYNC_ACT_CLR]++;
	/* conntrack has no interface binding: a CLR covers the creator */
	RB_FOREACH_SAFE(e, pf_byid, &env->env_byid, next) {
		if (e->e_creatorid != c->creatorid)
			continue;
		(void)ct_queue(env->env_ct, CT_OP_DELETE, &e->e_ct, NULL);
		pfsync_q_forget(&env->env_q, &e->e_q);
		ent_free(env, e);
	}
	return (0);
}

static void	 sync_bulk_done(struct pfsyncd *, const char *);

static int
ph_bus(const struct pfsync_bus *b, void *arg)
{
	struct pfsyncd	*env = arg;
	uint64_t	 est, lim;
	size_t		 per;

	env->env_rcvd.c_act[PFSYNC_ACT_BUS]++;
	switch (b->status) {
	case PFSYNC_BUS_START:
		if (env->env_bulk != BULK_SENT && env->env_bulk != BULK_BULK)
			break;
		/* 4 x (state limit / states per packet) at 50 packets/s */
		lim = 262144;
		per = (env->env_conf->c_mtu - 20 - PFSYNC_HDRLEN -
		    PFSYNC_SUBHDRLEN) / PFSYNC_STATELEN;
		est = lim / (per ? per : 1) * 1000 / 50;
		if (est < 1000)
			est = 1000;
		env->env_bulk = BULK_BULK;
		env->env_bulk_drops = env->env_stats.rcvdrops;
		env->env_bulk_deadline = pfsyncd_now_ms() + 4 * est;
		log_debug("bulk update start from %08x", b->creatorid);
		break;
	case PFSYNC_BUS_END:
		if (env->env_bulk != BULK_SENT && env->env_bulk != BULK_BULK)
			break;
		if (env->env_stats.rcvdrops == env->env_bulk_drops) {
			sync_bulk_done(env, "ok");
			break;
		}
		/*
		 * Our receive queue overflowed during the bulk: some states
		 * are missing.  Ask again (still demoted) rather than take
		 * over with a hole in the table.
		 */
		if (env->env_bulk_redo >= BULK_REDO) {
			log_warnx("bulk update lost %llu packets again: "
			    "giving up, the walk heals what is left",
			    (unsigned long long)(env->env_stats.rcvdrops -
			    env->env_bulk_drops));
			sync_bulk_done(env, "lossy");
			break;
		}
		log_warnx("bulk update lost %llu packets on a full receive "
		    "queue: asking again", (unsigned long long)
		    (env->env_stats.rcvdrops - env->env_bulk_drops));
		env->env_bulk_redo++;
		env->env_bulk_drops = env->env_stats.rcvdrops;
		env->env_bulk = BULK_SENT;
		env->env_bulk_deadline = pfsyncd_now_ms() + BULK_RETRY_MS;
		sync_queue_ref(env, PFSYNC_ACT_UPD_REQ, 0, 0, 1);
		break;
	default:
		env->env_stats.badval++;
		break;
	}
	return (0);
}

static int
ph_tdb(uint8_t action, void *arg)
{
	struct pfsyncd	*env = arg;

	/* IPsec SA counters are sasyncd's business */
	env->env_rcvd.c_act[action]++;
	env->env_stats.tdb++;
	return (0);
}

static const struct pfsync_handler sync_handler = {
	.ph_state = ph_state,
	.ph_upd_c = ph_upd_c,
	.ph_ref = ph_ref,
	.ph_clr = ph_clr,
	.ph_bus = ph_bus,
	.ph_tdb = ph_tdb,
};

static int
sync_source_ok(struct pfsyncd *env, const uint8_t *src)
{
	const struct pfsyncd_config	*c = env->env_conf;
	int				 i;

	if (c->c_naccept > 0) {
		for (i = 0; i < c->c_naccept; i++)
			if (pfsync_net_match(&c->c_accept[i], AF_INET, src))
				return (1);
		return (0);
	}
	if (c->c_npeers > 0) {
		for (i = 0; i < c->c_npeers; i++)
			if (memcmp(&c->c_peers[i], src, 4) == 0)
				return (1);
		return (0);
	}
	return (1);
}

static void
sync_input(struct pfsyncd *env, const uint8_t *pkt, size_t len,
    unsigned int ifindex)
{
	struct pfsyncd_config	*c = env->env_conf;
	size_t			 hl;
	static struct log_rl	 rl;

	env->env_stats.ipackets++;
	if (ifindex != env->env_ifindex) {
		env->env_stats.badif++;
		return;
	}
	if (len < 20 || (pkt[0] >> 4) != 4 || (hl = (size_t)(pkt[0] & 0xf)
	    * 4) < 20 || hl > len) {
		env->env_stats.hdrops++;
		return;
	}
	if (pkt[8] != PFSYNC_TTL) {
		env->env_stats.badttl++;
		return;
	}
	if (!sync_source_ok(env, pkt + 12)) {
		env->env_stats.badauth++;
		log_rl(&rl, LOG_WARNING, "pfsync packet from %u.%u.%u.%u, "
		    "not an allowed peer: dropped", pkt[12], pkt[13], pkt[14],
		    pkt[15]);
		return;
	}
	(void)c;
	(void)pfsync_parse(pkt + hl, len - hl, &env->env_stats,
	    &sync_handler, env);
}

/* SO_RXQ_OVFL: the socket's running count of packets dropped on it */
static void
sync_ovfl(struct pfsyncd *env, struct cmsghdr *cmsg)
{
	static struct log_rl		 rl;
	uint32_t			 n, d;

	memcpy(&n, CMSG_DATA(cmsg), sizeof(n));
	d = n - env->env_ovfl;		/* wraps as the kernel's counter */
	env->env_ovfl = n;
	if (d == 0)
		return;
	env->env_stats.rcvdrops += d;
	log_rl(&rl, LOG_WARNING, "sync socket receive queue full: %u "
	    "packets dropped (%llu in all)", d,
	    (unsigned long long)env->env_stats.rcvdrops);
}

static void
sync_recv(evutil_socket_t fd, short ev, void *arg)
{
	struct pfsyncd	*env = arg;
	static uint8_t	 pkt[65536];
	union {
		struct cmsghdr	 hdr;
		uint8_t		 buf[CMSG_SPACE(sizeof(struct in_pktinfo)) +
				    CMSG_SPACE(sizeof(uint32_t))];
	} cm;
	struct msghdr	 msg;
	struct cmsghdr	*cmsg;
	unsigned int	 ifindex;
	ssize_t		 n;
	int		 i;

	(void)ev;
	sync_refill(env);
	for (i = 0; i < SYNC_RECV_BURST; i++) {
		if ((n = sock_recvmsg(fd, pkt, sizeof(pkt), NULL, 0, cm.buf,
		    sizeof(cm.buf), &msg)) == -1) {
			if (errno != EAGAIN && errno != EINTR)
				log_warn("recvmsg");
			break;
		}
		ifindex = 0;
		for (cmsg = CMSG_FIRSTHDR(&msg); cmsg != NULL;
		    cmsg = CMSG_NXTHDR(&msg, cmsg))
			if (cmsg->cmsg_level == IPPROTO_IP &&
			    cmsg->cmsg_type == IP_PKTINFO) {
				struct in_pktinfo	 pi;

				memcpy(&pi, CMSG_DATA(cmsg), sizeof(pi));
				ifindex = (unsigned int)pi.ipi_ifindex;
			} else if (cmsg->cmsg_level == SOL_SOCKET &&
			    cmsg->cmsg_type == SO_RXQ_OVFL)
				sync_ovfl(env, cmsg);
		sync_input(env, pkt, (size_t)n, ifindex);
	}
	/* one netlink round trip for the whole burst */
	sync_commit(env);
}

/* ---- bulk update ---- */

static void
sync_demote(struct pfsyncd *env, int delta, const char *why)
{
	if (env->env_carp == NULL)
		return;
	if (carp_client_demote(env->env_carp, env->env_conf->c_carpgroup,
	    delta) == 0) {
		env->env_demoted += delta;
		log_info("carp group %s demoted %+d (%s)",
		    env->env_conf->c_carpgroup, delta, why);
	}
}

static void
sync_bulk_done(struct pfsyncd *env, const char *result)
{
	env->env_bulk = BULK_DONE;
	env->env_bulk_result = result;
	env->env_bulk_ms = pfsyncd_now_ms() - env->env_bulk_start;
	log_info("bulk update %s after %llu ms, %llu states",
	    strcmp(result, "ok") == 0 ? "done" : result,
	    (unsigned long long)env->env_bulk_ms,
	    (unsigned long long)env->env_bulk_states);
	sync_demote(env, -PFSYNCD_DEMOTE_BULK, "pfsync bulk done");
}

void
sync_bulk_request(struct pfsyncd *env)
{
	if (env->env_bulk == BULK_SENT || env->env_bulk == BULK_BULK)
		return;
	if (env->env_bulk == BULK_DONE || env->env_bulk == BULK_NONE)
		sync_demote(env, PFSYNCD_DEMOTE_BULK, "pfsync bulk start");
	env->env_bulk = BULK_START;
	env->env_bulk_tries = 0;
	env->env_bulk_redo = 0;
	env->env_bulk_drops = env->env_stats.rcvdrops;
	env->env_bulk_states = 0;
	env->env_bulk_result = NULL;
	env->env_bulk_start = pfsyncd_now_ms();
	env->env_bulk_deadline = env->env_bulk_start + BULK_LINKWAIT_MS;
	sync_tick(-1, 0, env);
}

static void
sync_bulk_step(struct pfsyncd *env, uint64_t now)
{
	switch (env->env_bulk) {
	case BULK_START:
		if (!env->env_link) {
			if (now >= env->env_bulk_deadline)
				sync_bulk_done(env, "no-link");
			break;
		}
		/* FALLTHROUGH */
	case BULK_SENT:
		if (env->env_bulk == BULK_SENT &&
		    now < env->env_bulk_deadline)
			break;
		if (env->env_bulk_tries >= BULK_TRIES) {
			sync_bulk_done(env, "no-reply");
			break;
		}
		env->env_bulk_tries++;
		env->env_bulk = BULK_SENT;
		env->env_bulk_deadline = now + BULK_RETRY_MS;
		sync_queue_ref(env, PFSYNC_ACT_UPD_REQ, 0, 0, 1);
		break;
	case BULK_BULK:
		if (now >= env->env_bulk_deadline)
			sync_bulk_done(env, "timeout");
		break;
	default:
		break;
	}
}

static void
sync_snap_cb(const struct ct_state *ct, void *arg)
{
	struct pfsyncd	*env = arg;
	void		*p;
	size_t		 ncap;

	if (!sync_wanted(env, ct))
		return;
	if ((env->env_nsnap & (env->env_nsnap - 1)) == 0) {
		ncap = env->env_nsnap ? env->env_nsnap * 2 : 256;
		if ((p = reallocarray(env->env_snap, ncap,
		    sizeof(*env->env_snap))) == NULL)
			return;
		env->env_snap = p;
	}
	env->env_snap[env->env_nsnap++] = *ct;
}

static void
sync_bulk_respond(struct pfsyncd *env)
{
	struct pfsync_bus	 bus;

	if (env->env_snap != NULL)
		return;		/* one bulk at a time, as pfsync */
	env->env_nsnap = env->env_snappos = 0;
	if (ct_dump(env->env_ct, sync_snap_cb, env) == -1)
		log_warn("conntrack dump for a bulk update");
	log_info("bulk update requested: sending %zu states",
	    env->env_nsnap);
	memset(&bus, 0, sizeof(bus));
	bus.creatorid = env->env_creatorid;
	bus.status = PFSYNC_BUS_START;
	pfsync_q_bus(&env->env_q, &bus);
	if (env->env_nsnap == 0) {
		sync_flush(env);
		bus.status = PFSYNC_BUS_END;
		pfsync_q_bus(&env->env_q, &bus);
		sync_flush(env);
		free(env->env_snap);
		env->env_snap = NULL;
		return;
	}
	sync_bulksend(-1, 0, env);
}

static uint64_t
now_us(void)
{
	struct timespec	 ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000);
}

/*
 * OpenBSD paces its bulk at one packet per 20 ms; the wire does not
 * require it.  We send BULK_RATE states/s, paced by the clock rather
 * than by timer ticks (a 1 ms timer fires late under load): a receiver
 * injecting in batches with a 64 MB queue keeps up with a table of a
 * few hundred thousand states, and one that does not asks again.
 */
static void
sync_bulksend(evutil_socket_t fd, short ev, void *arg)
{
	struct pfsyncd		*env = arg;
	struct pfsync_bus	 bus;
	struct pfsync_state	 st;
	struct pf_ent		*e;
	struct timeval		 tv = { 0, 1000 };
	size_t			 n, budget;
	uint64_t		 now = now_us();
	const struct ct_state	*ct;

	(void)fd;
	if (ev == 0)		/* called, not timed: the first batch */
		env->env_bulksend_us = now - 1000;
	if (env->env_bulksend_us + BULK_SLACK_US < now)
		env->env_bulksend_us = now - BULK_SLACK_US;
	budget = (size_t)((now - env->env_bulksend_us) * BULK_RATE / 1000000);
	env->env_bulksend_us += (uint64_t)budget * 1000000 / BULK_RATE;
	for (n = 0; n < budget && env->env_snappos < env->env_nsnap; n++) {
		ct = &env->env_snap[env->env_snappos++];
		if ((e = ent_by_tuple(env, ct)) == NULL)
			e = ent_new(env, ct, env->env_creatorid,
			    env->env_idbase | ++env->env_idseq, 0);
		if (e == NULL || sync_export(env, e, &st) == -1)
			continue;
		if (pfsync_q_state(&env->env_q, PFSYNC_ACT_UPD, &st,
		    NULL) == -1)
			env->env_stats.onomem++;
	}
	if (env->env_snappos >= env->env_nsnap) {
		memset(&bus, 0, sizeof(bus));
		bus.creatorid = env->env_creatorid;
		bus.status = PFSYNC_BUS_END;
		pfsync_q_bus(&env->env_q, &bus);
		sync_flush(env);
		log_info("bulk update sent: %zu states", env->env_nsnap);
		free(env->env_snap);
		env->env_snap = NULL;
		env->env_nsnap = env->env_snappos = 0;
		return;
	}
	sync_flush(env);
	(void)event_add(env->env_bulksend_ev, &tv);
}

/* ---- the walk: refresh timeouts, heal lost events ---- */

static void
sync_walk_cb(const struct ct_state *ct, void *arg)
{
	struct pfsyncd	*env = arg;
	struct pf_ent	*e;
	uint64_t	 dl, thr, diff;

	if ((e = ent_by_tuple(env, ct)) == NULL) {
		if (sync_wanted(env, ct))
			sync_local(env, CT_EV_NEW, ct);
		return;
	}
	e->e_gen = env->env_gen;
	dl = ent_deadline(ct);
	diff = dl > e->e_deadline ? dl - e->e_deadline : e->e_deadline - dl;
	/* resend when the expiry moved by a tenth of what is left */
	thr = (uint64_t)ct->timeout * 100;
	if (thr < 2000)
		thr = 2000;
	if (ct->tcp_state != e->e_ct.tcp_state ||
	    ct->status != e->e_ct.status || diff >= thr) {
		e->e_ct = *ct;
		e->e_deadline = dl;
		/* a peer's copy is refreshed by the peer, not echoed back */
		if (!e->e_peer || e->e_peer_ms + SYNC_WALK_MS <
		    pfsyncd_now_ms())
			sync_queue_state(env, PFSYNC_ACT_UPD_C, e, 0);
	}
}

static void
sync_walk(struct pfsyncd *env)
{
	struct pf_ent	*e, *next;

	env->env_gen++;
	if (ct_dump(env->env_ct, sync_walk_cb, env) == -1) {
		log_warn("conntrack dump");
		return;
	}
	RB_FOREACH_SAFE(e, pf_byid, &env->env_byid, next) {
		if (e->e_gen == env->env_gen)
			continue;
		/* gone without a DESTROY event reaching us */
		if (!e->e_peer)
			sync_queue_state(env, PFSYNC_ACT_DEL_C, e, 0);
		else
			pfsync_q_forget(&env->env_q, &e->e_q);
		ent_free(env, e);
	}
}

static void
sync_link_check(struct pfsyncd *env)
{
	struct ifreq	 ifr;
	int		 up;

	memset(&ifr, 0, sizeof(ifr));
	(void)strlcpy(ifr.ifr_name, env->env_conf->c_syncdev,
	    sizeof(ifr.ifr_name));
	up = ioctl(env->env_sock, SIOCGIFFLAGS, &ifr) == 0 &&
	    (ifr.ifr_flags & IFF_UP) && (ifr.ifr_flags & IFF_RUNNING);
	if (up == env->env_link)
		return;
	env->env_link = up;
	log_info("sync link %s %s", env->env_conf->c_syncdev,
	    up ? "up" : "down");
	/* OpenBSD: +1 while the sync link is down */
	if (!up && !env->env_linkdemoted) {
		env->env_linkdemoted = 1;
		sync_demote(env, 1, "pfsync link down");
	} else if (up && env->env_linkdemoted) {
		env->env_linkdemoted = 0;
		sync_demote(env, -1, "pfsync link up");
	}
}

static void
sync_tick(evutil_socket_t fd, short ev, void *arg)
{
	struct pfsyncd	*env = arg;
	uint64_t	 now = pfsyncd_now_ms();

	(void)ev;
	sync_link_check(env);
	sync_bulk_step(env, now);
	if (env->env_resync && now - env->env_last_resync >= SYNC_RESYNC_MS) {
		env->env_resync = 0;
		env->env_last_resync = now;
		env->env_resyncs++;
		env->env_last_walk = now;
		sync_walk(env);
	} else if (fd != -1 && now - env->env_last_walk >= SYNC_WALK_MS) {
		env->env_last_walk = now;
		sync_walk(env);
	}
	sync_refill(env);
}

/* ---- setup ---- */

static int
sync_socket(struct pfsyncd *env)
{
	struct pfsyncd_config	*c = env->env_conf;
	struct ip_mreqn		 mr;
	struct ifreq		 ifr;
	int			 s, on = 1, off = 0, ttl = PFSYNC_TTL;
	int			 tos = PFSYNC_TOS, pmtu = IP_PMTUDISC_DO;
	int			 rcv = 64 * 1024 * 1024;

	if ((env->env_ifindex = if_nametoindex(c->c_syncdev)) == 0) {
		log_warnx("syncdev %s: no such interface", c->c_syncdev);
		return (-1);
	}
	if ((s = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    PFSYNC_PROTO)) == -1) {
		log_warn("socket");
		return (-1);
	}
	env->env_sock = s;
	memset(&mr, 0, sizeof(mr));
	mr.imr_ifindex = (int)env->env_ifindex;
	if (setsockopt(s, SOL_SOCKET, SO_BINDTODEVICE, c->c_syncdev,
	    (socklen_t)strlen(c->c_syncdev)) == -1 ||
	    setsockopt(s, IPPROTO_IP, IP_PKTINFO, &on, sizeof(on)) == -1 ||
	    setsockopt(s, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl)) == -1 ||
	    setsockopt(s, IPPROTO_IP, IP_MULTICAST_TTL, &ttl,
	    sizeof(ttl)) == -1 ||
	    setsockopt(s, IPPROTO_IP, IP_TOS, &tos, sizeof(tos)) == -1 ||
	    setsockopt(s, IPPROTO_IP, IP_MTU_DISCOVER, &pmtu,
	    sizeof(pmtu)) == -1 ||
	    setsockopt(s, IPPROTO_IP, IP_MULTICAST_LOOP, &off,
	    sizeof(off)) == -1 ||
	    setsockopt(s, IPPROTO_IP, IP_MULTICAST_IF, &mr,
	    sizeof(mr)) == -1) {
		log_warn("pfsync socket options on %s", c->c_syncdev);
		return (-1);
	}
	/*
	 * A bulk update arrives faster than it is injected; the queue is
	 * charged only while it holds packets.  Drops are counted.
	 */
	if (setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof(rcv)) == -1)
		(void)setsockopt(s, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	(void)setsockopt(s, SOL_SOCKET, SO_RXQ_OVFL, &on, sizeof(on));
	(void)setsockopt(s, SOL_SOCKET, SO_SNDBUFFORCE, &rcv, sizeof(rcv));
	if (c->c_npeers == 0) {
		(void)inet_pton(AF_INET, PFSYNC_GROUP, &mr.imr_multiaddr);
		if (setsockopt(s, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mr,
		    sizeof(mr)) == -1) {
			log_warn("join %s on %s", PFSYNC_GROUP, c->c_syncdev);
			return (-1);
		}
	}
	memset(&ifr, 0, sizeof(ifr));
	(void)strlcpy(ifr.ifr_name, c->c_syncdev, sizeof(ifr.ifr_name));
	ifr.ifr_addr.sa_family = AF_INET;
	if (ioctl(s, SIOCGIFADDR, &ifr) == 0)
		memcpy(env->env_ifaddr,
		    &((struct sockaddr_in *)(void *)&ifr.ifr_addr)->sin_addr, 4);
	return (0);
}

static void
sync_load_cb(const struct ct_state *ct, void *arg)
{
	struct pfsyncd	*env = arg;

	if (sync_wanted(env, ct) && ent_by_tuple(env, ct) == NULL)
		(void)ent_new(env, ct, env->env_creatorid,
		    env->env_idbase | ++env->env_idseq, 0);
}

int
sync_init(struct pfsyncd *env)
{
	struct timeval	 tv = { 1, 0 };

	RB_INIT(&env->env_byid);
	RB_INIT(&env->env_bytuple);
	env->env_sock = -1;
	pfsync_q_init(&env->env_q, env->env_conf->c_mtu,
	    env->env_conf->c_maxupd);
	env->env_idbase = (uint64_t)time(NULL) << 32;
	env->env_tokens = env->env_conf->c_import_limit;
	env->env_tokens_ms = pfsyncd_now_ms();
	if (sync_socket(env) == -1)
		return (-1);
	if ((env->env_ct = ct_open((int)env->env_conf->c_nlbuf,
	    sync_ct_event, env)) == NULL) {
		log_warn("conntrack netlink");
		return (-1);
	}
	ct_set_result(env->env_ct, sync_ct_result, env);
	env->env_sock_ev = event_new(env->env_base, env->env_sock,
	    EV_READ | EV_PERSIST, sync_recv, env);
	env->env_ct_ev = event_new(env->env_base, ct_event_fd(env->env_ct),
	    EV_READ | EV_PERSIST, sync_ctev, env);
	env->env_flush_ev = evtimer_new(env->env_base, sync_flush_cb, env);
	env->env_bulksend_ev = evtimer_new(env->env_base, sync_bulksend, env);
	env->env_tick_ev = event_new(env->env_base, -1, EV_PERSIST, sync_tick,
	    env);
	if (env->env_sock_ev == NULL || env->env_ct_ev == NULL ||
	    env->env_flush_ev == NULL || env->env_bulksend_ev == NULL ||
	    env->env_tick_ev == NULL ||
	    event_add(env->env_sock_ev, NULL) == -1 ||
	    event_add(env->env_ct_ev, NULL) == -1 ||
	    event_add(env->env_tick_ev, &tv) == -1) {
		log_warnx("%s: event setup", __func__);
		return (-1);
	}
	return (0);
}

/* After the event socket is open: what the kernel holds now is ours. */
void
sync_start(struct pfsyncd *env)
{
	if (ct_dump(env->env_ct, sync_load_cb, env) == -1)
		log_warn("conntrack dump");
	env->env_last_walk = pfsyncd_now_ms();
	log_info("%llu states in the local table",
	    (unsigned long long)env->env_nlocal);
	sync_link_check(env);
	sync_bulk_request(env);
}

void
sync_shutdown(struct pfsyncd *env)
{
	struct pf_ent	*e, *next;

	/* no CLR on exit: the peer keeps the states (11) */
	pfsync_q_clear(&env->env_q);
	RB_FOREACH_SAFE(e, pf_byid, &env->env_byid, next)
		ent_free(env, e);
	free(env->env_snap);
	env->env_snap = NULL;
	free(retries.r_st);
	retries.r_st = NULL;
	retries.r_n = retries.r_cap = 0;
	if (env->env_sock_ev != NULL)
		event_free(env->env_sock_ev);
	if (env->env_ct_ev != NULL)
		event_free(env->env_ct_ev);
	if (env->env_flush_ev != NULL)
		event_free(env->env_flush_ev);
	if (env->env_bulksend_ev != NULL)
		event_free(env->env_bulksend_ev);
	if (env->env_tick_ev != NULL)
		event_free(env->env_tick_ev);
	if (env->env_ct != NULL)
		ct_close(env->env_ct);
	if (env->env_sock != -1)
		(void)close(env->env_sock);
}

/* ---- status ---- */

static const char *
bulk_name(enum bulk_state b)
{
	switch (b) {
	case BULK_NONE:
		return ("none");
	case BULK_START:
		return ("start");
	case BULK_SENT:
		return ("sent");
	case BULK_BULK:
		return ("bulk");
	case BULK_DONE:
		return ("done");
	}
	return ("?");
}

static json_t *
counts_json(const struct pfsync_counts *c)
{
	return (json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}",
	    "ins", (json_int_t)c->c_act[PFSYNC_ACT_INS],
	    "upd_c", (json_int_t)c->c_act[PFSYNC_ACT_UPD_C],
	    "del_c", (json_int_t)c->c_act[PFSYNC_ACT_DEL_C],
	    "upd", (json_int_t)c->c_act[PFSYNC_ACT_UPD],
	    "upd_req", (json_int_t)c->c_act[PFSYNC_ACT_UPD_REQ],
	    "ins_ack", (json_int_t)c->c_act[PFSYNC_ACT_INS_ACK],
	    "bus", (json_int_t)c->c_act[PFSYNC_ACT_BUS],
	    "clr", (json_int_t)c->c_act[PFSYNC_ACT_CLR],
	    "del", (json_int_t)c->c_act[PFSYNC_ACT_DEL]));
}

static json_t *
stats_json(const struct pfsync_stats *s)
{
	json_t	*o;

	o = json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}",
	    "ipackets", (json_int_t)s->ipackets,
	    "ipackets6", (json_int_t)s->ipackets6,
	    "badif", (json_int_t)s->badif,
	    "badttl", (json_int_t)s->badttl,
	    "hdrops", (json_int_t)s->hdrops,
	    "badver", (json_int_t)s->badver,
	    "badact", (json_int_t)s->badact,
	    "badlen", (json_int_t)s->badlen,
	    "badauth", (json_int_t)s->badauth,
	    "stale", (json_int_t)s->stale,
	    "badval", (json_int_t)s->badval,
	    "badstate", (json_int_t)s->badstate);
	if (o == NULL)
		return (NULL);
	(void)json_object_set_new(o, "opackets", json_integer(
	    (json_int_t)s->opackets));
	(void)json_object_set_new(o, "opackets6", json_integer(
	    (json_int_t)s->opackets6));
	(void)json_object_set_new(o, "onomem", json_integer(
	    (json_int_t)s->onomem));
	(void)json_object_set_new(o, "oerrors", json_integer(
	    (json_int_t)s->oerrors));
	(void)json_object_set_new(o, "skipped", json_integer(
	    (json_int_t)s->skipped));
	(void)json_object_set_new(o, "tdb", json_integer((json_int_t)s->tdb));
	(void)json_object_set_new(o, "ratelimited", json_integer(
	    (json_int_t)s->ratelimited));
	(void)json_object_set_new(o, "unsupported", json_integer(
	    (json_int_t)s->unsupported));
	(void)json_object_set_new(o, "rcvdrops", json_integer(
	    (json_int_t)s->rcvdrops));
	return (o);
}

json_t *
sync_show(struct pfsyncd *env)
{
	const struct pfsyncd_config	*c = env->env_conf;
	const struct ct_stats		*cs = ct_stats(env->env_ct);
	json_t				*r, *peers;
	char				 hostid[16];
	int				 i;

	if ((peers = json_array()) == NULL)
		return (NULL);
	for (i = 0; i < c->c_npeers; i++)
		(void)json_array_append_new(peers,
		    json_string(inet_ntoa(c->c_peers[i])));
	(void)snprintf(hostid, sizeof(hostid), "%08x", env->env_creatorid);
	r = json_pack("{s:b,s:s,s:o,s:i,s:b,s:i,s:s,s:s}",
	    "ok", 1, "syncdev", c->c_syncdev, "syncpeers", peers,
	    "maxupd", c->c_maxupd, "defer", c->c_defer, "mtu", c->c_mtu,
	    "hostid", hostid, "link", env->env_link ? "up" : "down");
	if (r == NULL)
		return (NULL);
	(void)json_object_set_new(r, "bulk", json_pack(
	    "{s:s,s:i,s:s?,s:I,s:I,s:b}",
	    "state", bulk_name(env->env_bulk), "tries", env->env_bulk_tries,
	    "result", env->env_bulk_result,
	    "ms", (json_int_t)env->env_bulk_ms,
	    "states", (json_int_t)env->env_bulk_states,
	    "sending", env->env_snap != NULL));
	(void)json_object_set_new(r, "carp", json_pack("{s:s,s:b,s:i}",
	    "socket", c->c_carpsock,
	    "connected", env->env_carp != NULL &&
	    carp_client_connected(env->env_carp),
	    "demote", env->env_demoted));
	(void)json_object_set_new(r, "states", json_pack("{s:I,s:I}",
	    "local", (json_int_t)env->env_nlocal,
	    "peer", (json_int_t)env->env_npeer));
	(void)json_object_set_new(r, "queue",
	    json_integer((json_int_t)env->env_q.q_len));
	(void)json_object_set_new(r, "stats", stats_json(&env->env_stats));
	(void)json_object_set_new(r, "sent", counts_json(&env->env_sent));
	(void)json_object_set_new(r, "received", counts_json(&env->env_rcvd));
	(void)json_object_set_new(r, "imported",
	    json_integer((json_int_t)env->env_imported));
	(void)json_object_set_new(r, "rejected",
	    json_integer((json_int_t)env->env_rejected));
	(void)json_object_set_new(r, "ct", json_pack(
	    "{s:I,s:I,s:I,s:I,s:I,s:I,s:I}",
	    "events", (json_int_t)cs->events,
	    "own_events", (json_int_t)cs->own_events,
	    "overruns", (json_int_t)cs->overruns,
	    "resyncs", (json_int_t)env->env_resyncs,
	    "requests", (json_int_t)cs->requests,
	    "errors", (json_int_t)cs->errors,
	    "dumps", (json_int_t)cs->dumps));
	return (r);
}

json_t *
sync_states(struct pfsyncd *env)
{
	struct pf_ent	*e;
	json_t		*a, *r;
	char		 id[24], cid[16], t1[128], t2[128];

	if ((a = json_array()) == NULL)
		return (NULL);
	RB_FOREACH(e, pf_byid, &env->env_byid) {
		(void)snprintf(id, sizeof(id), "%016llx",
		    (unsigned long long)e->e_id);
		(void)snprintf(cid, sizeof(cid), "%08x", e->e_creatorid);
		(void)json_array_append_new(a, json_pack(
		    "{s:s,s:s,s:s,s:s,s:i,s:b}", "id", id, "creatorid", cid,
		    "tuple", ct_tuple_str(&e->e_ct.orig, t1, sizeof(t1)),
		    "reply", ct_tuple_str(&e->e_ct.reply, t2, sizeof(t2)),
		    "zone", e->e_ct.zone, "peer", e->e_peer));
	}
	if ((r = json_pack("{s:b,s:o}", "ok", 1, "states", a)) == NULL)
		json_decref(a);
	return (r);
}
