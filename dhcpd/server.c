/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * The DHCP server proper: what OpenBSD's dhcp.c does with a request
 * (DISCOVER, REQUEST in its four states, RELEASE, DECLINE, INFORM,
 * BOOTP), over the lease table (lease.c), the lease file (leasefile.c,
 * every ACK's lease on disk before the ACK leaves: group commit at the
 * end of each batch of requests), the address tables and the sync.
 */

#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dhcpd.h"
#include "log.h"
#include "tables.h"

#define SCOPE_MAX	32

/* The parameter scopes of one reply, strongest first, each on its own */
struct scope {
	const struct dhcp_params *sc_p[SCOPE_MAX];
	int			 sc_n;
	const struct dhcp_host	*sc_host;
	const struct dhcp_subnet *sc_subnet;
};

/* One request being answered */
struct req {
	struct dhcpd		*rq_env;
	struct dhcp_if		*rq_if;		/* NULL: came over UDP */
	const uint8_t		*rq_pkt;
	size_t			 rq_len;
	struct dhcp_msg		 rq_m;
	struct dhcp_shared	*rq_shared;
	time_t			 rq_now;
	int			 rq_tries;	/* probes done; -1: no probe */
};

static void	 do_discover(struct req *);
static void	 do_request(struct req *);
static void	 do_release(struct req *);
static void	 do_decline(struct req *);
static void	 do_inform(struct req *);
static void	 do_bootp(struct req *);

static int
in_chain(const struct dhcp_params *p, const struct dhcp_params *const *v,
    int n)
{
	int	 i;

	for (i = 0; i < n; i++)
		if (v[i] == p)
			return (1);
	return (0);
}

static void
scope_add_until(struct scope *sc, const struct dhcp_params *p,
    const struct dhcp_params *const *stop, int nstop)
{
	for (; p != NULL && sc->sc_n < SCOPE_MAX; p = p->dp_parent) {
		if (in_chain(p, stop, nstop))
			return;
		sc->sc_p[sc->sc_n++] = p;
	}
}

/*
 * Precedence, strongest first: host, user class, vendor class, subnet
 * (and its enclosing scopes up to the global one).  A host's or class's
 * enclosing scopes count only until they meet the subnet's chain.
 */
static void
scope_build(struct scope *sc, const struct dhcpd_config *conf,
    const struct dhcp_host *host, const struct dhcp_subnet *sn,
    const struct dhcp_msg *m)
{
	const struct dhcp_params	*chain[SCOPE_MAX];
	const struct dhcp_params	*p;
	const struct dhcp_class		*cl;
	const uint8_t			*id;
	size_t				 len;
	int				 n = 0;

	memset(sc, 0, sizeof(*sc));
	sc->sc_host = host;
	sc->sc_subnet = sn;
	for (p = sn != NULL ? &sn->s_params : &conf->c_global;
	    p != NULL && n < SCOPE_MAX; p = p->dp_parent)
		chain[n++] = p;
	if (host != NULL)
		scope_add_until(sc, &host->h_params, chain, n);
	if (m != NULL && (id = dhcp_msg_opt(m, DHO_USER_CLASS, &len)) !=
	    NULL && (cl = dhcpd_config_class(conf, DHCP_CLASS_USER, id,
	    len)) != NULL)
		scope_add_until(sc, &cl->c_params, chain, n);
	if (m != NULL && (id = dhcp_msg_opt(m, DHO_VENDOR_CLASS, &len)) !=
	    NULL && (cl = dhcpd_config_class(conf, DHCP_CLASS_VENDOR, id,
	    len)) != NULL)
		scope_add_until(sc, &cl->c_params, chain, n);
	scope_add_until(sc, chain[0], NULL, 0);
}

static const struct dhcp_optval *
scope_opt(const struct scope *sc, uint8_t code)
{
	int	 i;

	for (i = 0; i < sc->sc_n; i++)
		if (sc->sc_p[i]->dp_opts.os_opt[code].ov_data != NULL)
			return (&sc->sc_p[i]->dp_opts.os_opt[code]);
	return (NULL);
}

static int
scope_flag(const struct scope *sc, size_t off, int dflt)
{
	int	 i, v;

	for (i = 0; i < sc->sc_n; i++) {
		memcpy(&v, (const char *)sc->sc_p[i] + off, sizeof(v));
		if (v != DHCP_UNSET)
			return (v);
	}
	return (dflt);
}

static int64_t
scope_time(const struct scope *sc, size_t off, int64_t dflt)
{
	int64_t	 v;
	int	 i;

	for (i = 0; i < sc->sc_n; i++) {
		memcpy(&v, (const char *)sc->sc_p[i] + off, sizeof(v));
		if (v != -1)
			return (v);
	}
	return (dflt);
}

static const char *
scope_str(const struct scope *sc, size_t off)
{
	const char	*v;
	int		 i;

	for (i = 0; i < sc->sc_n; i++) {
		memcpy(&v, (const char *)sc->sc_p[i] + off, sizeof(v));
		if (v != NULL)
			return (v);
	}
	return (NULL);
}

#define SC_FLAG(sc, m, d)	scope_flag((sc), DHCP_FLAG(m), (d))
#define SC_TIME(sc, m, d)	scope_time((sc), DHCP_FLAG(m), (d))
#define SC_STR(sc, m)		scope_str((sc), DHCP_FLAG(m))

/* Our server identifier on this request's interface */
static struct in_addr
server_id(const struct req *rq, const struct scope *sc)
{
	struct dhcpd	*env = rq->rq_env;
	struct in_addr	 none = { 0 };
	int		 i;

	for (i = 0; sc != NULL && i < sc->sc_n; i++)
		if (sc->sc_p[i]->dp_has_server_id)
			return (sc->sc_p[i]->dp_server_id);
	if (env->env_carp_id && env->env_carp_vip.s_addr != 0)
		return (env->env_carp_vip);
	if (rq->rq_if != NULL)
		return (rq->rq_if->di_addr);
	if (env->env_udp)
		return (env->env_udp_addr);
	return (none);
}

static struct dhcp_host *
find_host(const struct dhcpd *env, const struct dhcp_msg *m)
{
	struct dhcp_host	*h = NULL;
	const uint8_t		*uid;
	size_t			 len;

	if ((uid = dhcp_msg_opt(m, DHO_CLIENT_ID, &len)) != NULL)
		h = dhcpd_config_host_by_uid(env->env_conf, uid, len);
	if (h == NULL)
		h = dhcpd_config_host_by_haddr(env->env_conf, m->htype,
		    m->chaddr, m->hlen);
	return (h);
}

/* The host's fixed address on this shared network, if any */
static int
host_fixed(const struct dhcp_host *h, const struct dhcp_shared *sh,
    const struct dhcpd_config *conf, struct in_addr *out)
{
	const struct dhcp_subnet	*sn;
	size_t				 i;

	if (h == NULL)
		return (0);
	for (i = 0; i < h->h_nfixed; i++) {
		sn = dhcpd_config_subnet_for(conf, h->h_fixed[i]);
		if (sn != NULL && sn->s_shared == sh) {
			*out = h->h_fixed[i];
			return (1);
		}
	}
	return (0);
}

static int
same_client(const struct lease *l, const struct dhcp_msg *m)
{
	const uint8_t	*uid;
	size_t		 len;

	if ((uid = dhcp_msg_opt(m, DHO_CLIENT_ID, &len)) != NULL &&
	    l->l_uid != NULL)
		return (l->l_uidlen == len && memcmp(l->l_uid, uid, len) == 0);
	return (l->l_hlen == m->hlen && l->l_hlen > 0 &&
	    memcmp(l->l_haddr, m->chaddr, m->hlen) == 0);
}

static int
lease_in_use_by_other(const struct lease *l, const struct dhcp_msg *m,
    time_t now)
{
	if (l->l_ends <= now && !(l->l_flags & LEASE_OFFERED))
		return (0);
	if (l->l_flags & LEASE_ABANDONED)
		return (1);
	if (l->l_hlen == 0 && l->l_uid == NULL)
		return (0);
	return (!same_client(l, m));
}

/* A requested lease time below 1 or over the maximum gets the maximum */
static time_t
lease_time(const struct scope *sc, const struct dhcp_msg *m)
{
	const uint8_t	*p;
	size_t		 len;
	int64_t		 dflt, max;
	uint32_t	 v;

	dflt = SC_TIME(sc, dp_default_lease_time, DHCP_DEFAULT_LEASE_TIME);
	max = SC_TIME(sc, dp_max_lease_time, DHCP_MAX_LEASE_TIME);
	if ((p = dhcp_msg_opt(m, DHO_LEASE_TIME, &len)) == NULL || len != 4)
		return ((time_t)dflt);
	v = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
	if (v < 1 || v > max)
		return ((time_t)max);
	return ((time_t)v);
}

static void
put_u32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static void
add_opt(struct dhcp_out *o, uint8_t *done, uint8_t code, const void *data,
    size_t len)
{
	if (done[code])
		return;
	done[code] = 1;
	if (dhcp_out_opt(o, code, data, len) == -1)
		log_debug("option %u does not fit in the reply", code);
}

/*
 * Builds a reply of type type (0: BOOTREPLY) for rq into buf: the fixed
 * fields, then message type, server identifier, lease times, subnet
 * mask, the options the client asked for (all configured ones if it
 * asked for none), its hostname and its echoed identifier.
 */
static size_t
build_reply(struct req *rq, const struct scope *sc, int type,
    struct in_addr yiaddr, time_t lt, uint8_t *buf, size_t cap)
{
	const struct dhcp_msg	*m = &rq->rq_m;
	const struct dhcp_optval *ov;
	struct dhcp_msg		 h;
	struct dhcp_out		 o;
	struct in_addr		 sid, mask;
	const uint8_t		*prl, *p;
	const char		*s;
	uint8_t			 done[DHCP_OPT_MAX], v[4], t;
	size_t			 maxlen, len, i;
	int			 c;

	memset(&h, 0, sizeof(h));
	memset(done, 0, sizeof(done));
	h.op = 2;
	h.htype = m->htype;
	h.hlen = m->hlen;
	h.xid = m->xid;
	h.flags = m->flags;
	h.giaddr = m->giaddr;
	memcpy(h.chaddr, m->chaddr, sizeof(h.chaddr));
	if (type == DHCPACK || type == DHCPNAK || type == 0)
		h.ciaddr = m->ciaddr;
	if (type == DHCPNAK)
		h.ciaddr.s_addr = 0;
	if (type != DHCPNAK)
		h.yiaddr = yiaddr;
	for (i = 0; type != DHCPNAK && (int)i < sc->sc_n; i++)
		if (sc->sc_p[i]->dp_has_next_server) {
			h.siaddr = sc->sc_p[i]->dp_next_server;
			break;
		}
	/* fixed fields: NUL-padded, not necessarily NUL-terminated */
	if (type != DHCPNAK && (s = SC_STR(sc, dp_filename)) != NULL)
		memcpy(h.file, s, strnlen(s, sizeof(h.file)));
	if (type != DHCPNAK && (s = SC_STR(sc, dp_server_name)) != NULL)
		memcpy(h.sname, s, strnlen(s, sizeof(h.sname)));
	h.has_cookie = m->has_cookie || type != 0 ||
	    SC_FLAG(sc, dp_always_reply_rfc1048, 0);

	maxlen = 576 - 28;
	if ((p = dhcp_msg_opt(m, DHO_MAX_MSG_SIZE, &len)) != NULL &&
	    len == 2 && ((size_t)p[0] << 8 | p[1]) > 576)
		maxlen = ((size_t)p[0] << 8 | p[1]) - 28;
	if (maxlen > cap)
		maxlen = cap;
	if (maxlen > DHCP_MSG_MAX)
		maxlen = DHCP_MSG_MAX;
	dhcp_out_init(&o, buf, cap, maxlen, &h);
	if (!h.has_cookie)
		return (dhcp_out_finish(&o));

	sid = server_id(rq, sc);
	if (type != 0) {
		t = (uint8_t)type;
		add_opt(&o, done, DHO_MESSAGE_TYPE, &t, 1);
	}
	add_opt(&o, done, DHO_SERVER_ID, &sid, 4);
	if (type == DHCPNAK) {
		/* RFC 2131 table 3: the client identifier may go in a NAK */
		return (dhcp_out_finish(&o));
	}
	if (lt > 0) {
		put_u32(v, (uint32_t)lt);
		add_opt(&o, done, DHO_LEASE_TIME, v, 4);
		put_u32(v, (uint32_t)(lt / 2));
		add_opt(&o, done, DHO_T1, v, 4);
		put_u32(v, (uint32_t)((uint64_t)lt * 7 / 8));
		add_opt(&o, done, DHO_T2, v, 4);
	}
	if ((ov = scope_opt(sc, DHO_SUBNET_MASK)) != NULL)
		add_opt(&o, done, DHO_SUBNET_MASK, ov->ov_data, ov->ov_len);
	else if (sc->sc_subnet != NULL) {
		mask = sc->sc_subnet->s_mask;
		add_opt(&o, done, DHO_SUBNET_MASK, &mask, 4);
	}
	if (SC_FLAG(sc, dp_use_lease_addr_for_default_route, 0) &&
	    yiaddr.s_addr != 0)
		add_opt(&o, done, DHO_ROUTERS, &yiaddr, 4);
	if (sc->sc_host != NULL && sc->sc_host->h_name != NULL &&
	    SC_FLAG(sc, dp_use_host_decl_names, 0))
		add_opt(&o, done, DHO_HOST_NAME, sc->sc_host->h_name,
		    strlen(sc->sc_host->h_name));
	done[DHO_RELAY_AGENT] = 1;	/* never echoed */
	done[DHO_REQUESTED_ADDRESS] = done[DHO_PARAM_REQ] = 1;
	done[DHO_MAX_MSG_SIZE] = done[DHO_OVERLOAD] = 1;
	if ((prl = dhcp_msg_opt(m, DHO_PARAM_REQ, &len)) != NULL) {
		for (i = 0; i < len; i++)
			if (!done[prl[i]] &&
			    (ov = scope_opt(sc, prl[i])) != NULL)
				add_opt(&o, done, prl[i], ov->ov_data,
				    ov->ov_len);
	} else {
		for (c = 1; c < DHO_END; c++)
			if (!done[c] &&
			    (ov = scope_opt(sc, (uint8_t)c)) != NULL)
				add_opt(&o, done, (uint8_t)c, ov->ov_data,
				    ov->ov_len);
	}
	if (SC_FLAG(sc, dp_echo_client_id, 1) &&
	    (p = dhcp_msg_opt(m, DHO_CLIENT_ID, &len)) != NULL) {
		done[DHO_CLIENT_ID] = 0;
		add_opt(&o, done, DHO_CLIENT_ID, p, len);
	}
	return (dhcp_out_finish(&o));
}

/*
 * Where a reply goes (RFC 2131 4.1): to the relay agent; to the
 * client's own address when it has one (renewing, INFORM); broadcast
 * when it asked for it or for a NAK; else unicast to its hardware
 * address.  pe_udp.sin_port != 0 means: over the UDP socket.
 */
static int
build_dest(struct req *rq, int type, struct in_addr yiaddr,
    const uint8_t *payload, size_t len, struct dhcp_pending *pe)
{
	const struct dhcp_msg	*m = &rq->rq_m;
	struct dhcp_frame	 f;
	static const uint8_t	 bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff,
				    0xff };

	memset(pe, 0, sizeof(*pe));
	pe->pe_if = rq->rq_if;
	if (m->giaddr.s_addr != 0 || m->ciaddr.s_addr != 0 ||
	    rq->rq_if == NULL) {
		if (type == DHCPNAK && m->giaddr.s_addr == 0 &&
		    rq->rq_if != NULL)
			goto frame;
		pe->pe_udp.sin_family = AF_INET;
		if (m->giaddr.s_addr != 0) {
			pe->pe_udp.sin_addr = m->giaddr;
			pe->pe_udp.sin_port = htons(DHCP_SERVER_PORT);
		} else {
			pe->pe_udp.sin_addr = m->ciaddr;
			pe->pe_udp.sin_port = htons(DHCP_CLIENT_PORT);
		}
		if (len > sizeof(pe->pe_frame))
			return (-1);
		memcpy(pe->pe_frame, payload, len);
		pe->pe_len = len;
		return (0);
	}
 frame:
	memset(&f, 0, sizeof(f));
	memcpy(f.src_mac, rq->rq_if->di_mac, 6);
	f.src_ip = rq->rq_if->di_addr;
	f.sport = DHCP_SERVER_PORT;
	f.dport = DHCP_CLIENT_PORT;
	f.payload = payload;
	f.len = len;
	if (type == DHCPNAK || (m->flags & 0x8000) || m->htype != 1 ||
	    m->hlen != 6 || yiaddr.s_addr == 0) {
		memcpy(f.dst_mac, bcast, 6);
		f.dst_ip.s_addr = INADDR_BROADCAST;
	} else {
		memcpy(f.dst_mac, m->chaddr, 6);
		f.dst_ip = yiaddr;
	}
	if ((pe->pe_len = dhcp_frame_encode(pe->pe_frame,
	    sizeof(pe->pe_frame), &f)) == 0)
		return (-1);
	return (0);
}

static void
send_pending(struct dhcpd *env, const struct dhcp_pending *pe)
{
	if (pe->pe_udp.sin_port != 0) {
		if (sendto(env->env_udpfd, pe->pe_frame, pe->pe_len, 0,
		    (const struct sockaddr *)&pe->pe_udp,
		    sizeof(pe->pe_udp)) == -1) {
			env->env_stats[ST_SENDFAIL]++;
			log_warn("send to %s", inet_ntoa(pe->pe_udp.sin_addr));
		}
		return;
	}
	(void)netif_send_frame(env, pe->pe_if, pe->pe_frame, pe->pe_len);
}

/* Builds and sends (or, for an ACK with a lease, queues) a reply */
static void
reply(struct req *rq, const struct scope *sc, int type, struct in_addr yiaddr,
    time_t lt, struct lease *commit)
{
	struct dhcpd		*env = rq->rq_env;
	struct dhcp_pending	*pe;
	uint8_t			 buf[DHCP_MSG_MAX];
	size_t			 len;

	len = build_reply(rq, sc, type, yiaddr, lt, buf, sizeof(buf));
	if ((pe = calloc(1, sizeof(*pe))) == NULL) {
		env->env_stats[ST_SENDFAIL]++;
		return;
	}
	if (build_dest(rq, type, yiaddr, buf, len, pe) == -1) {
		env->env_stats[ST_SENDFAIL]++;
		free(pe);
		return;
	}
	switch (type) {
	case DHCPOFFER:
		env->env_stats[ST_OFFER]++;
		break;
	case DHCPACK:
		env->env_stats[ST_ACK]++;
		break;
	case DHCPNAK:
		env->env_stats[ST_NAK]++;
		break;
	default:
		env->env_stats[ST_BOOTREPLY]++;
		break;
	}
	log_info("%s on %s to %02x:%02x:%02x:%02x:%02x:%02x via %s",
	    type ? dhcp_msgtype_name(type) : "BOOTREPLY", inet_ntoa(yiaddr),
	    rq->rq_m.chaddr[0], rq->rq_m.chaddr[1], rq->rq_m.chaddr[2],
	    rq->rq_m.chaddr[3], rq->rq_m.chaddr[4], rq->rq_m.chaddr[5],
	    rq->rq_if != NULL ? rq->rq_if->di_name : "udp");
	if (commit == NULL) {
		send_pending(env, pe);
		free(pe);
		return;
	}
	/* on disk first: server_commit() fsyncs, then sends */
	pe->pe_lease = commit;
	TAILQ_INSERT_TAIL(&env->env_pending, pe, pe_entry);
}

/* Table commands and the lease file for a changed lease */
void
server_lease_changed(struct dhcpd *env, struct lease *l, int chg)
{
	if (env->env_tables != NULL) {
		if ((chg & LEASE_CHG_MAC) && dhcp_tables_cmd(env->env_tables,
		    'C', l->l_ip) == -1)
			env->env_stats[ST_TABLE_ERRORS]++;
		if (dhcp_tables_cmd(env->env_tables, 'L', l->l_ip) == -1)
			env->env_stats[ST_TABLE_ERRORS]++;
	}
	if (!(l->l_flags & LEASE_DANGLING) && env->env_lf != NULL &&
	    leasefile_append(env->env_lf, l) == -1) {
		env->env_stats[ST_FILE_ERRORS]++;
		log_warn("lease file append");
	}
}

/*
 * Group commit: one fsync covers every lease appended in this batch,
 * then the ACKs waiting for it leave and their leases go to the peers.
 * If the fsync fails the ACKs are dropped: the clients ask again.
 */
void
server_commit(struct dhcpd *env)
{
	struct dhcp_pending	*pe;
	uint64_t		 before;
	int			 ok = 1;

	if (env->env_lf != NULL) {
		before = leasefile_stats(env->env_lf)->ls_commits;
		if (leasefile_commit(env->env_lf) == -1) {
			env->env_stats[ST_FILE_ERRORS]++;
			log_warn("lease file fsync");
			ok = 0;
		} else
			env->env_stats[ST_FSYNC] +=
			    leasefile_stats(env->env_lf)->ls_commits - before;
	}
	while ((pe = TAILQ_FIRST(&env->env_pending)) != NULL) {
		TAILQ_REMOVE(&env->env_pending, pe, pe_entry);
		if (ok) {
			send_pending(env, pe);
			dsync_send_lease(env, pe->pe_lease);
		}
		free(pe);
	}
}

void
server_input(struct dhcpd *env, struct dhcp_if *di, const uint8_t *pkt,
    size_t len, struct in_addr src, uint16_t sport, int from_udp)
{
	struct dhcp_subnet	*sn;
	struct req		 rq;
	enum dhcp_drop		 why;

	(void)src;
	(void)sport;
	(void)from_udp;
	memset(&rq, 0, sizeof(rq));
	rq.rq_env = env;
	rq.rq_if = di;
	rq.rq_pkt = pkt;
	rq.rq_len = len;
	rq.rq_now = time(NULL);
	if ((why = dhcp_msg_decode(pkt, len, &rq.rq_m)) != DHCP_OK) {
		env->env_drops[why]++;
		return;
	}
	if (env->env_carp_if != NULL && !env->env_carp_master) {
		env->env_stats[ST_NOT_MASTER]++;
		return;
	}
	if (rq.rq_m.giaddr.s_addr != 0) {
		if ((sn = dhcpd_config_subnet_for(env->env_conf,
		    rq.rq_m.giaddr)) == NULL) {
			log_debug("relayed request from %s: no subnet",
			    inet_ntoa(rq.rq_m.giaddr));
			env->env_stats[ST_IGNORED]++;
			return;
		}
		rq.rq_shared = sn->s_shared;
	} else if (di != NULL)
		rq.rq_shared = di->di_shared;
	else if (rq.rq_m.ciaddr.s_addr != 0 &&
	    (sn = dhcpd_config_subnet_for(env->env_conf, rq.rq_m.ciaddr)) !=
	    NULL)
		rq.rq_shared = sn->s_shared;
	if (rq.rq_shared == NULL) {
		env->env_stats[ST_IGNORED]++;
		return;
	}
	switch (rq.rq_m.msgtype) {
	case 0:
		env->env_stats[ST_BOOTP]++;
		do_bootp(&rq);
		break;
	case DHCPDISCOVER:
		env->env_stats[ST_DISCOVER]++;
		do_discover(&rq);
		break;
	case DHCPREQUEST:
		env->env_stats[ST_REQUEST]++;
		do_request(&rq);
		break;
	case DHCPRELEASE:
		env->env_stats[ST_RELEASE]++;
		do_release(&rq);
		break;
	case DHCPDECLINE:
		env->env_stats[ST_DECLINE]++;
		do_decline(&rq);
		break;
	case DHCPINFORM:
		env->env_stats[ST_INFORM]++;
		do_inform(&rq);
		break;
	default:
		env->env_stats[ST_IGNORED]++;
		break;
	}
}

static struct dhcp_subnet *
subnet_of(struct req *rq, struct in_addr a)
{
	struct dhcp_subnet	*sn;

	sn = dhcpd_config_subnet_for(rq->rq_env->env_conf, a);
	if (sn == NULL || sn->s_shared != rq->rq_shared)
		return (NULL);
	return (sn);
}

static int
free_for(const struct lease *l, const struct dhcp_msg *m, time_t now)
{
	if (l == NULL || (l->l_flags & LEASE_DANGLING))
		return (0);
	if ((l->l_flags & LEASE_ABANDONED) && l->l_ends > now)
		return (0);
	return (!lease_in_use_by_other(l, m, now));
}

static void
do_discover(struct req *rq)
{
	struct dhcpd		*env = rq->rq_env;
	const struct dhcp_msg	*m = &rq->rq_m;
	struct dhcp_host	*h;
	struct lease		*l = NULL;
	struct scope		 sc;
	struct in_addr		 a;
	const uint8_t		*p;
	size_t			 len;
	int			 probe;

	h = find_host(env, m);
	if (host_fixed(h, rq->rq_shared, env->env_conf, &a)) {
		scope_build(&sc, env->env_conf, h, subnet_of(rq, a), m);
		reply(rq, &sc, DHCPOFFER, a, lease_time(&sc, m), NULL);
		return;
	}
	scope_build(&sc, env->env_conf, h,
	    TAILQ_FIRST(&rq->rq_shared->sh_subnets), m);
	if (h == NULL && !SC_FLAG(&sc, dp_allow_unknown_clients, 1)) {
		env->env_stats[ST_IGNORED]++;
		return;
	}
	if ((p = dhcp_msg_opt(m, DHO_CLIENT_ID, &len)) != NULL)
		l = lease_by_uid(env->env_db, p, len);
	if (l == NULL)
		l = lease_by_haddr(env->env_db, m->chaddr, m->hlen);
	if (l != NULL && (l->l_pool != rq->rq_shared ||
	    !free_for(l, m, rq->rq_now)))
		l = NULL;
	if (l == NULL && (p = dhcp_msg_opt(m, DHO_REQUESTED_ADDRESS, &len)) !=
	    NULL && len == 4) {
		memcpy(&a, p, 4);
		l = lease_by_ip(env->env_db, a);
		if (l != NULL && (l->l_pool != rq->rq_shared ||
		    !free_for(l, m, rq->rq_now)))
			l = NULL;
	}
	if (l == NULL)
		l = lease_pool_alloc(env->env_db, rq->rq_shared, rq->rq_now);
	if (l == NULL) {
		env->env_stats[ST_NOADDR]++;
		log_warnx("no free leases on shared network %s",
		    rq->rq_shared->sh_name);
		return;
	}
	probe = rq->rq_tries >= 0 && rq->rq_tries < 3 &&
	    env->env_icmpfd != -1 &&
	    rq->rq_now - l->l_timestamp > DHCPD_PROBE_AGE &&
	    !same_client(l, m);
	/* the address takes this MAC now: 'C' as OpenBSD's offer does */
	if (env->env_tables != NULL && (l->l_hlen != m->hlen ||
	    memcmp(l->l_haddr, m->chaddr, m->hlen) != 0) &&
	    dhcp_tables_cmd(env->env_tables, 'C', l->l_ip) == -1)
		env->env_stats[ST_TABLE_ERRORS]++;
	/*
	 * Reserved for this client from here on, also while its ping is
	 * out: the next client's DISCOVER gets another address.
	 */
	lease_offer(env->env_db, l, m->chaddr, m->htype, m->hlen, rq->rq_now);
	/* ping an address nobody touched for a minute (OpenBSD's rule) */
	if (probe && probe_start(env, rq->rq_if, l->l_ip, rq->rq_pkt,
	    rq->rq_len, 0, rq->rq_tries) == 0)
		return;
	scope_build(&sc, env->env_conf, h, subnet_of(rq, l->l_ip), m);
	reply(rq, &sc, DHCPOFFER, l->l_ip, lease_time(&sc, m), NULL);
}

static int
authoritative(struct req *rq, const struct dhcp_subnet *sn)
{
	struct scope	 sc;

	scope_build(&sc, rq->rq_env->env_conf, NULL, sn != NULL ? sn :
	    TAILQ_FIRST(&rq->rq_shared->sh_subnets), NULL);
	return (SC_FLAG(&sc, dp_authoritative, 1));
}

static void
nak(struct req *rq, const struct dhcp_subnet *sn, const char *why)
{
	struct scope	 sc;
	struct in_addr	 none = { 0 };

	if (!authoritative(rq, sn)) {
		rq->rq_env->env_stats[ST_IGNORED]++;
		return;
	}
	log_info("DHCPNAK: %s", why);
	scope_build(&sc, rq->rq_env->env_conf, NULL, sn != NULL ? sn :
	    TAILQ_FIRST(&rq->rq_shared->sh_subnets), NULL);
	reply(rq, &sc, DHCPNAK, none, 0, NULL);
}

/* The lease as it stands after this ACK */
static void
ack_values(struct req *rq, const struct dhcp_host *h, time_t lt,
    struct lease *n, uint8_t *uidbuf, char *hnbuf, size_t hncap)
{
	const struct dhcp_msg	*m = &rq->rq_m;
	const uint8_t		*p;
	size_t			 len;

	memset(n, 0, sizeof(*n));
	n->l_starts = rq->rq_now;
	n->l_ends = lt == LEASE_INFINITE ? LEASE_INFINITE : rq->rq_now + lt;
	n->l_timestamp = rq->rq_now;
	n->l_htype = m->htype;
	n->l_hlen = m->hlen;
	memcpy(n->l_haddr, m->chaddr, m->hlen);
	if ((p = dhcp_msg_opt(m, DHO_CLIENT_ID, &len)) != NULL && len <= 255) {
		memcpy(uidbuf, p, len);
		n->l_uid = uidbuf;
		n->l_uidlen = len;
	}
	if ((p = dhcp_msg_opt(m, DHO_HOST_NAME, &len)) != NULL &&
	    len < hncap) {
		memcpy(hnbuf, p, len);
		hnbuf[len] = '\0';
		n->l_client_hostname = hnbuf;
	}
	if (h != NULL)
		n->l_hostname = h->h_name;
}

static void
ack_lease(struct req *rq, struct dhcp_host *h, struct lease *l, int type)
{
	struct dhcpd	*env = rq->rq_env;
	struct scope	 sc;
	struct lease	 n;
	uint8_t		 uid[256];
	char		 hn[256];
	time_t		 lt;
	int		 chg;

	scope_build(&sc, env->env_conf, h, subnet_of(rq, l->l_ip),
	    &rq->rq_m);
	lt = type == 0 ? (time_t)SC_TIME(&sc, dp_bootp_lease_length,
	    LEASE_INFINITE) : lease_time(&sc, &rq->rq_m);
	ack_values(rq, h, lt, &n, uid, hn, sizeof(hn));
	if (type == 0)
		n.l_flags |= LEASE_DYNAMIC_BOOTP;
	if ((chg = lease_supersede(env->env_db, l, &n)) == -1) {
		log_warnx("%s: cannot record the lease", inet_ntoa(l->l_ip));
		return;
	}
	server_lease_changed(env, l, chg);
	reply(rq, &sc, type, l->l_ip, type == 0 ? 0 : lt, l);
}

static void
do_request(struct req *rq)
{
	struct dhcpd		*env = rq->rq_env;
	const struct dhcp_msg	*m = &rq->rq_m;
	struct dhcp_subnet	*sn;
	struct dhcp_host	*h;
	struct lease		*l;
	struct scope		 sc;
	struct in_addr		 a = { 0 }, sid, fixed;
	const uint8_t		*p;
	size_t			 len;
	int			 has_sid = 0;

	if ((p = dhcp_msg_opt(m, DHO_SERVER_ID, &len)) != NULL && len == 4) {
		memcpy(&sid, p, 4);
		has_sid = 1;
	}
	if (m->ciaddr.s_addr != 0)
		a = m->ciaddr;
	else if ((p = dhcp_msg_opt(m, DHO_REQUESTED_ADDRESS, &len)) != NULL &&
	    len == 4)
		memcpy(&a, p, 4);
	if (a.s_addr == 0) {
		env->env_stats[ST_IGNORED]++;
		return;
	}
	l = lease_by_ip(env->env_db, a);
	sn = subnet_of(rq, a);
	scope_build(&sc, env->env_conf, NULL, sn, m);
	if (has_sid && sid.s_addr != server_id(rq, &sc).s_addr) {
		/* SELECTING another server: our offer is free again */
		if (l != NULL && (l->l_flags & LEASE_OFFERED) &&
		    same_client(l, m))
			lease_release(env->env_db, l, rq->rq_now);
		env->env_stats[ST_IGNORED]++;
		return;
	}
	if (sn == NULL) {
		nak(rq, NULL, "address on the wrong network");
		return;
	}
	h = find_host(env, m);
	if (host_fixed(h, rq->rq_shared, env->env_conf, &fixed)) {
		if (fixed.s_addr != a.s_addr) {
			nak(rq, sn, "not the host's fixed address");
			return;
		}
		scope_build(&sc, env->env_conf, h, sn, m);
		reply(rq, &sc, DHCPACK, a, lease_time(&sc, m), NULL);
		return;
	}
	if (l == NULL || (l->l_flags & LEASE_DANGLING)) {
		nak(rq, sn, "address not in a range");
		return;
	}
	if (!free_for(l, m, rq->rq_now)) {
		nak(rq, sn, "address in use by another client");
		return;
	}
	if (h == NULL && !SC_FLAG(&sc, dp_allow_unknown_clients, 1)) {
		env->env_stats[ST_IGNORED]++;
		return;
	}
	ack_lease(rq, h, l, DHCPACK);
}

static void
do_release(struct req *rq)
{
	struct dhcpd	*env = rq->rq_env;
	struct lease	*l;

	l = lease_by_ip(env->env_db, rq->rq_m.ciaddr);
	if (l == NULL || !same_client(l, &rq->rq_m) ||
	    l->l_ends <= rq->rq_now) {
		env->env_stats[ST_IGNORED]++;
		return;
	}
	/* a release answered by a ping is spoofed (OpenBSD's check) */
	if (rq->rq_tries >= 0 && env->env_icmpfd != -1 &&
	    probe_start(env, rq->rq_if, l->l_ip, rq->rq_pkt, rq->rq_len, 1,
	    0) == 0)
		return;
	lease_release(env->env_db, l, rq->rq_now);
	log_info("DHCPRELEASE of %s", inet_ntoa(l->l_ip));
	server_lease_ended(env, l);
}

/* A lease ended before its time: out of -L, and on file */
void
server_lease_ended(struct dhcpd *env, struct lease *l)
{
	if (env->env_tables != NULL &&
	    dhcp_tables_cmd(env->env_tables, 'R', l->l_ip) == -1)
		env->env_stats[ST_TABLE_ERRORS]++;
	if (env->env_lf != NULL && leasefile_append(env->env_lf, l) == -1)
		env->env_stats[ST_FILE_ERRORS]++;
}

static void
abandon(struct dhcpd *env, struct lease *l, time_t now, const char *why)
{
	struct scope	 sc;

	scope_build(&sc, env->env_conf, NULL,
	    dhcpd_config_subnet_for(env->env_conf, l->l_ip), NULL);
	lease_abandon(env->env_db, l, now, (time_t)SC_TIME(&sc,
	    dp_default_lease_time, DHCP_DEFAULT_LEASE_TIME));
	env->env_stats[ST_ABANDONED]++;
	log_warnx("%s: abandoned (%s)", inet_ntoa(l->l_ip), why);
	if (env->env_tables != NULL &&
	    dhcp_tables_cmd(env->env_tables, 'A', l->l_ip) == -1)
		env->env_stats[ST_TABLE_ERRORS]++;
	if (env->env_lf != NULL && leasefile_append(env->env_lf, l) == -1)
		env->env_stats[ST_FILE_ERRORS]++;
}

static void
do_decline(struct req *rq)
{
	struct dhcpd	*env = rq->rq_env;
	struct lease	*l;
	struct in_addr	 a;
	const uint8_t	*p;
	size_t		 len;

	if ((p = dhcp_msg_opt(&rq->rq_m, DHO_REQUESTED_ADDRESS, &len)) ==
	    NULL || len != 4) {
		env->env_stats[ST_IGNORED]++;
		return;
	}
	memcpy(&a, p, 4);
	if ((l = lease_by_ip(env->env_db, a)) == NULL ||
	    !same_client(l, &rq->rq_m)) {
		env->env_stats[ST_IGNORED]++;
		return;
	}
	abandon(env, l, rq->rq_now, "declined by the client");
}

static void
do_inform(struct req *rq)
{
	struct dhcpd		*env = rq->rq_env;
	struct dhcp_subnet	*sn;
	struct scope		 sc;
	struct in_addr		 none = { 0 };

	if (rq->rq_m.ciaddr.s_addr == 0 ||
	    (sn = subnet_of(rq, rq->rq_m.ciaddr)) == NULL) {
		env->env_stats[ST_IGNORED]++;
		return;
	}
	scope_build(&sc, env->env_conf, find_host(env, &rq->rq_m), sn,
	    &rq->rq_m);
	reply(rq, &sc, DHCPACK, none, 0, NULL);
}

/* A free address of a dynamic-bootp range of the request's network */
static struct lease *
bootp_alloc(struct req *rq)
{
	struct dhcp_subnet	*sn;
	struct dhcp_range	*r;
	struct lease		*l;
	struct in_addr		 a;
	uint32_t		 i;

	TAILQ_FOREACH(sn, &rq->rq_shared->sh_subnets, s_entry)
		TAILQ_FOREACH(r, &sn->s_ranges, r_entry) {
			if (!r->r_dynamic_bootp)
				continue;
			for (i = ntohl(r->r_low.s_addr);
			    i <= ntohl(r->r_high.s_addr); i++) {
				a.s_addr = htonl(i);
				l = lease_by_ip(rq->rq_env->env_db, a);
				if (l != NULL && l->l_ends <= rq->rq_now &&
				    !(l->l_flags & LEASE_ABANDONED))
					return (l);
				if (i == UINT32_MAX)
					break;
			}
		}
	return (NULL);
}

static void
do_bootp(struct req *rq)
{
	struct dhcpd		*env = rq->rq_env;
	const struct dhcp_msg	*m = &rq->rq_m;
	struct dhcp_host	*h;
	struct lease		*l;
	struct scope		 sc;
	struct in_addr		 a;

	h = find_host(env, m);
	scope_build(&sc, env->env_conf, h,
	    TAILQ_FIRST(&rq->rq_shared->sh_subnets), m);
	if (!SC_FLAG(&sc, dp_allow_bootp, 1) ||
	    !SC_FLAG(&sc, dp_allow_booting, 1)) {
		env->env_stats[ST_IGNORED]++;
		return;
	}
	if (host_fixed(h, rq->rq_shared, env->env_conf, &a)) {
		scope_build(&sc, env->env_conf, h, subnet_of(rq, a), m);
		reply(rq, &sc, 0, a, 0, NULL);
		return;
	}
	/* dynamic BOOTP: a lease from a dynamic-bootp range of the pool */
	l = lease_by_haddr(env->env_db, m->chaddr, m->hlen);
	if (l == NULL || l->l_pool != rq->rq_shared ||
	    !(l->l_flags & LEASE_DYNAMIC_BOOTP))
		l = bootp_alloc(rq);
	if (l == NULL) {
		env->env_stats[ST_NOADDR]++;
		return;
	}
	ack_lease(rq, h, l, 0);
}

/* The ICMP probe of an address ended: answered, or 1 s of silence */
void
server_probe_done(struct dhcpd *env, struct dhcp_probe *pr, int answered)
{
	struct req	 rq;
	struct lease	*l;

	env->env_stats[ST_PROBES]++;
	memset(&rq, 0, sizeof(rq));
	rq.rq_env = env;
	rq.rq_if = pr->pr_if;
	rq.rq_pkt = pr->pr_pkt;
	rq.rq_len = pr->pr_len;
	rq.rq_now = time(NULL);
	if (dhcp_msg_decode(pr->pr_pkt, pr->pr_len, &rq.rq_m) != DHCP_OK)
		return;
	rq.rq_shared = pr->pr_if != NULL ? pr->pr_if->di_shared : NULL;
	if (rq.rq_m.giaddr.s_addr != 0) {
		struct dhcp_subnet *sn = dhcpd_config_subnet_for(
		    env->env_conf, rq.rq_m.giaddr);
		rq.rq_shared = sn != NULL ? sn->s_shared : NULL;
	}
	if (rq.rq_shared == NULL)
		return;
	l = lease_by_ip(env->env_db, pr->pr_addr);
	if (pr->pr_release) {
		if (answered) {
			env->env_stats[ST_PROBE_ANSWERED]++;
			log_warnx("DHCPRELEASE of %s ignored: the address "
			    "answers pings", inet_ntoa(pr->pr_addr));
			return;
		}
		rq.rq_tries = -1;
		do_release(&rq);
		server_commit(env);
		return;
	}
	if (answered) {
		env->env_stats[ST_PROBE_ANSWERED]++;
		if (l != NULL)
			abandon(env, l, rq.rq_now, "it answers pings");
		rq.rq_tries = pr->pr_tries + 1;
	} else {
		if (l != NULL)
			l->l_timestamp = rq.rq_now;
		rq.rq_tries = -1;
	}
	do_discover(&rq);
	server_commit(env);
}

static void
expired(struct lease *l, void *arg)
{
	struct dhcpd	*env = arg;

	if (env->env_tables != NULL &&
	    dhcp_tables_cmd(env->env_tables, 'R', l->l_ip) == -1)
		env->env_stats[ST_TABLE_ERRORS]++;
}

/* Once a second: expiries for the -L table, the periodic rewrite */
void
server_tick(struct dhcpd *env, time_t now)
{
	if (env->env_last_expire != 0 && now > env->env_last_expire)
		lease_db_expire(env->env_db, env->env_last_expire, now,
		    expired, env);
	env->env_last_expire = now;
	dsync_tick(env, now);
	if (env->env_lf != NULL && leasefile_need_rewrite(env->env_lf, now)) {
		if (leasefile_rewrite(env->env_lf, env->env_db, now) == -1) {
			env->env_stats[ST_FILE_ERRORS]++;
			log_warn("lease file rewrite");
			return;
		}
		dsync_send_all(env);
	}
}
