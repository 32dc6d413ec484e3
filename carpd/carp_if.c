/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * The shell around the CARP state machine: raw sockets for protocol 112,
 * the macvlan that carries the virtual MAC and the VIPs, gratuitous ARP
 * and unsolicited NA, and the one timer per carp interface.  Every
 * decision is carp_fsm_input()'s; this file only carries it out.
 */

#include <sys/socket.h>
#include <sys/uio.h>

#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "sock.h"
#include "nl.h"
#include "carpd.h"

#ifndef IPV6_FREEBIND
#define IPV6_FREEBIND	78
#endif

static void	carp_if_timer(evutil_socket_t, short, void *);
static void	carp_if_recv4(evutil_socket_t, short, void *);
static void	carp_if_recv6(evutil_socket_t, short, void *);
static void	carp_if_input(struct carpd *, int, int, const struct addr *,
		    const uint8_t *, size_t, uint8_t);
static void	carp_if_drop(struct carpd *, enum carp_reason, int,
		    const struct addr *, int);
static void	carp_if_apply(struct carp_softc *,
		    const struct carp_actions *);
static void	carp_if_send(struct carp_softc *, int bowout);
static int	carp_if_send4(struct carp_softc *, const uint8_t *);
static int	carp_if_send6(struct carp_softc *, const uint8_t *);
static int	carp_if_sendmsg(struct carp_softc *, int, void *, socklen_t,
		    int, int, const void *, size_t, const uint8_t *);
static void	carp_if_announce(struct carp_softc *, int);
static int	carp_if_forwarding6(const char *);
static void	carp_if_vips(struct carp_softc *, int);
static void	carp_if_join(struct carpd *, int, int);
static void	carp_if_snderr(struct carp_softc *, int);
static void	carp_if_arm(struct carp_softc *, uint64_t);

int
carp_if_init(struct carpd *env)
{
	int	 on = 1, off = 0, ttl = 255, tos = CARP_TOS;
	int	 pmtu = IP_PMTUDISC_DO;

	if ((env->env_sock4 = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, CARP_PROTO)) == -1) {
		log_warn("socket(AF_INET, SOCK_RAW, %d)", CARP_PROTO);
		return (-1);
	}
	if (setsockopt(env->env_sock4, IPPROTO_IP, IP_PKTINFO, &on,
	    sizeof(on)) == -1 ||
	    setsockopt(env->env_sock4, IPPROTO_IP, IP_MULTICAST_TTL, &ttl,
	    sizeof(ttl)) == -1 ||
	    setsockopt(env->env_sock4, IPPROTO_IP, IP_TTL, &ttl,
	    sizeof(ttl)) == -1 ||
	    setsockopt(env->env_sock4, IPPROTO_IP, IP_TOS, &tos,
	    sizeof(tos)) == -1 ||
	    setsockopt(env->env_sock4, IPPROTO_IP, IP_MTU_DISCOVER, &pmtu,
	    sizeof(pmtu)) == -1 ||
	    setsockopt(env->env_sock4, IPPROTO_IP, IP_MULTICAST_LOOP, &off,
	    sizeof(off)) == -1) {
		log_warn("setsockopt IPv4");
		return (-1);
	}
	/* Never IPV6_CHECKSUM: CARP's sum has no pseudo-header. */
	if ((env->env_sock6 = socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, CARP_PROTO)) == -1) {
		log_warn("socket(AF_INET6, SOCK_RAW, %d)", CARP_PROTO);
		return (-1);
	}
	/*
	 * FREEBIND lets the parent's link-local be the source of adverts
	 * leaving through the macvlan, as OpenBSD sources them.
	 */
	if (setsockopt(env->env_sock6, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on,
	    sizeof(on)) == -1 ||
	    setsockopt(env->env_sock6, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &on,
	    sizeof(on)) == -1 ||
	    setsockopt(env->env_sock6, IPPROTO_IPV6, IPV6_MULTICAST_HOPS,
	    &ttl, sizeof(ttl)) == -1 ||
	    setsockopt(env->env_sock6, IPPROTO_IPV6, IPV6_UNICAST_HOPS,
	    &ttl, sizeof(ttl)) == -1 ||
	    setsockopt(env->env_sock6, IPPROTO_IPV6, IPV6_MULTICAST_LOOP,
	    &off, sizeof(off)) == -1 ||
	    setsockopt(env->env_sock6, IPPROTO_IPV6, IPV6_FREEBIND, &on,
	    sizeof(on)) == -1) {
		log_warn("setsockopt IPv6");
		return (-1);
	}
	if ((env->env_pkt = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0)) ==
	    -1) {
		log_warn("socket(AF_PACKET)");
		return (-1);
	}
	env->env_ev4 = event_new(env->env_base, env->env_sock4,
	    EV_READ | EV_PERSIST, carp_if_recv4, env);
	env->env_ev6 = event_new(env->env_base, env->env_sock6,
	    EV_READ | EV_PERSIST, carp_if_recv6, env);
	if (env->env_ev4 == NULL || env->env_ev6 == NULL ||
	    event_add(env->env_ev4, NULL) == -1 ||
	    event_add(env->env_ev6, NULL) == -1) {
		log_warnx("event_add");
		return (-1);
	}
	return (0);
}

struct leftover_arg {
	struct carpd	*la_env;
	int		 la_idx[64];
	int		 la_n;
};

static int
carp_if_leftover_cb(const struct nl_link *l, void *arg)
{
	struct leftover_arg	*la = arg;
	struct carp_ifconf	*ic;
	int			 ours = 0;

	if (strcmp(l->kind, "macvlan") != 0)
		return (0);
	if (strcmp(l->alias, la->la_env->env_alias) == 0)
		ours = 1;
	TAILQ_FOREACH(ic, &la->la_env->env_conf->c_ifs, ic_entry)
		if (strcmp(ic->ic_name, l->name) == 0)
			ours = 1;
	if (ours && la->la_n < (int)(sizeof(la->la_idx) /
	    sizeof(la->la_idx[0])))
		la->la_idx[la->la_n++] = l->ifindex;
	return (0);
}

/*
 * A killed carpd leaves its macvlans and VIPs behind: remove every
 * macvlan that carries our alias or a configured carp name, and the VIPs
 * a "lladdr parent" interface put on its carpdev.
 */
void
carp_if_cleanup_leftovers(struct carpd *env)
{
	struct leftover_arg	 la;
	struct carp_ifconf	*ic;
	int			 i, parent;

	memset(&la, 0, sizeof(la));
	la.la_env = env;
	if (nl_link_list(env->env_nl, carp_if_leftover_cb, &la) == -1)
		log_warn("listing links");
	for (i = 0; i < la.la_n; i++) {
		log_info("removing interface %d left by an earlier carpd",
		    la.la_idx[i]);
		if (nl_link_delete(env->env_nl, la.la_idx[i]) == -1)
			log_warn("deleting leftover interface %d",
			    la.la_idx[i]);
	}
	TAILQ_FOREACH(ic, &env->env_conf->c_ifs, ic_entry) {
		if (ic->ic_lladdr_mode != CARP_LLADDR_PARENT)
			continue;
		if ((parent = nl_link_index(env->env_nl, ic->ic_carpdev)) <= 0)
			continue;
		for (i = 0; i < ic->ic_naddrs; i++)
			(void)nl_addr_del(env->env_nl, parent,
			    &ic->ic_addrs[i]);
	}
}

static void
carp_if_join(struct carpd *env, int ifindex, int join)
{
	struct ip_mreqn		 m4;
	struct ipv6_mreq	 m6;
	int			 opt4, opt6;

	memset(&m4, 0, sizeof(m4));
	(void)inet_pton(AF_INET, CARP_GROUP4, &m4.imr_multiaddr);
	m4.imr_ifindex = ifindex;
	memset(&m6, 0, sizeof(m6));
	(void)inet_pton(AF_INET6, CARP_GROUP6, &m6.ipv6mr_multiaddr);
	m6.ipv6mr_interface = (unsigned int)ifindex;
	opt4 = join ? IP_ADD_MEMBERSHIP : IP_DROP_MEMBERSHIP;
	opt6 = join ? IPV6_ADD_MEMBERSHIP : IPV6_DROP_MEMBERSHIP;
	/* EADDRINUSE: another carp interface on this parent joined. */
	if (setsockopt(env->env_sock4, IPPROTO_IP, opt4, &m4,
	    sizeof(m4)) == -1 && errno != EADDRINUSE && join)
		log_warn("joining %s on ifindex %d", CARP_GROUP4, ifindex);
	if (setsockopt(env->env_sock6, IPPROTO_IPV6, opt6, &m6,
	    sizeof(m6)) == -1 && errno != EADDRINUSE && join)
		log_warn("joining %s on ifindex %d", CARP_GROUP6, ifindex);
}

/* Finds the carpdev, makes the macvlan, joins the groups. */
int
carp_if_attach(struct carp_softc *sc)
{
	struct carpd		*env = sc->sc_env;
	struct carp_ifconf	*ic = sc->sc_conf;
	struct nl_link		 pl;
	char			 sysctl[128];

	sc->sc_parent = 0;
	sc->sc_parent_up = 0;
	if (nl_link_get(env->env_nl, 0, ic->ic_carpdev, &pl) == -1) {
		log_warnx("%s: carpdev %s not found, staying INIT",
		    ic->ic_name, ic->ic_carpdev);
		return (0);
	}
	sc->sc_parent = pl.ifindex;
	sc->sc_parent_up = (pl.flags & IFF_UP) && pl.oper_up;
	carp_if_join(env, pl.ifindex, 1);
	/*
	 * Linux answers ARP for any local address on any interface: the
	 * carpdev would answer for the VIP with its own MAC, and announce
	 * the VIP as its own when it resolves a neighbour.
	 */
	(void)snprintf(sysctl, sizeof(sysctl),
	    "net/ipv4/conf/%s/arp_ignore", ic->ic_carpdev);
	(void)nl_sysctl_set(sysctl, "1");
	(void)snprintf(sysctl, sizeof(sysctl),
	    "net/ipv4/conf/%s/arp_announce", ic->ic_carpdev);
	(void)nl_sysctl_set(sysctl, "2");

	switch (ic->ic_lladdr_mode) {
	case CARP_LLADDR_PARENT:
		memcpy(sc->sc_mac, pl.mac, sizeof(sc->sc_mac));
		sc->sc_ifindex = pl.ifindex;
		return (0);
	case CARP_LLADDR_MANUAL:
		memcpy(sc->sc_mac, ic->ic_lladdr, sizeof(sc->sc_mac));
		break;
	case CARP_LLADDR_VIRTUAL:
		sc->sc_mac[0] = 0x00;
		sc->sc_mac[1] = 0x00;
		sc->sc_mac[2] = 0x5e;
		sc->sc_mac[3] = 0x00;
		sc->sc_mac[4] = 0x01;
		sc->sc_mac[5] = ic->ic_vhid;
		break;
	}
	if (nl_macvlan_create(env->env_nl, ic->ic_name, pl.ifindex,
	    sc->sc_mac, env->env_alias) == -1 && errno != EEXIST) {
		log_warn("%s: creating macvlan on %s", ic->ic_name,
		    ic->ic_carpdev);
		return (-1);
	}
	if ((sc->sc_ifindex = nl_link_index(env->env_nl, ic->ic_name)) <= 0) {
		log_warn("%s: macvlan vanished", ic->ic_name);
		return (-1);
	}
	(void)snprintf(sysctl, sizeof(sysctl),
	    "net/ipv6/conf/%s/accept_dad", ic->ic_name);
	(void)nl_sysctl_set(sysctl, "0");
	return (0);
}

/* Bows out if asked and MASTER, removes VIPs and the macvlan. */
void
carp_if_detach(struct carp_softc *sc, int bowout)
{
	struct carp_event	 ev = { .ce_type = CARP_EV_DOWN };
	struct carp_actions	 act;

	if (bowout) {
		carp_fsm_input(&sc->sc_vh, &ev, carpd_now(), &act);
		carp_if_apply(sc, &act);
	}
	carp_if_vips(sc, 0);
	if (sc->sc_ifindex > 0 && sc->sc_ifindex != sc->sc_parent &&
	    nl_link_delete(sc->sc_env->env_nl, sc->sc_ifindex) == -1)
		log_warn("%s: deleting macvlan", sc->sc_conf->ic_name);
	sc->sc_ifindex = 0;
	if (sc->sc_timer != NULL)
		evtimer_del(sc->sc_timer);
}

/* Feeds one event to the state machine and carries out its actions. */
void
carp_if_event(struct carp_softc *sc, const struct carp_event *ev)
{
	struct carp_actions	 act;

	sc->sc_vh.vh_demote = (uint8_t)carp_demote_of(sc->sc_env, sc);
	carp_fsm_input(&sc->sc_vh, ev, carpd_now(), &act);
	carp_if_apply(sc, &act);
}

/*
 * Re-evaluates the running conditions (6.1): UP carpdev with link, and
 * at least one address.  Called at start and on every link event.
 */
void
carp_if_update(struct carp_softc *sc)
{
	struct carp_event	 ev;
	int			 run;

	/* "state init" holds the interface down, as ifconfig's does;
	 * "state backup" is where a running interface starts anyway. */
	run = sc->sc_parent > 0 && sc->sc_parent_up &&
	    sc->sc_ifindex > 0 && sc->sc_conf->ic_naddrs > 0 &&
	    sc->sc_conf->ic_state != CARP_INIT;
	if (sc->sc_parent > 0 && !sc->sc_parent_up && !sc->sc_linkdemoted) {
		sc->sc_linkdemoted = 1;
		carp_softc_demote(sc, 1, "carpdev");
	} else if (sc->sc_parent_up && sc->sc_linkdemoted) {
		sc->sc_linkdemoted = 0;
		carp_softc_demote(sc, -1, "carpdev");
	}
	if (run == sc->sc_running)
		return;
	sc->sc_running = run;
	memset(&ev, 0, sizeof(ev));
	ev.ce_type = run ? CARP_EV_UP : CARP_EV_DOWN;
	carp_if_event(sc, &ev);
	if (run && sc->sc_conf->ic_state == CARP_MASTER) {
		ev.ce_type = CARP_EV_FORCE_MASTER;
		carp_if_event(sc, &ev);
	}
}

static void
carp_if_arm(struct carp_softc *sc, uint64_t next)
{
	struct timeval	 tv;
	uint64_t	 now, d;

	if (sc->sc_timer == NULL)
		return;
	evtimer_del(sc->sc_timer);
	if (next == 0)
		return;
	now = carpd_now();
	d = next > now ? next - now : 0;
	tv.tv_sec = (time_t)(d / 1000000);
	tv.tv_usec = (suseconds_t)(d % 1000000);
	(void)evtimer_add(sc->sc_timer, &tv);
}

static void
carp_if_timer(evutil_socket_t fd, short what, void *arg)
{
	struct carp_event	 ev = { .ce_type = CARP_EV_TIMER };

	(void)fd;
	(void)what;
	carp_if_event(arg, &ev);
}

static void
carp_if_apply(struct carp_softc *sc, const struct carp_actions *act)
{
	struct carpd	*env = sc->sc_env;
	const char	*name = sc->sc_conf->ic_name;

	if (sc->sc_timer == NULL)
		sc->sc_timer = evtimer_new(env->env_base, carp_if_timer, sc);
	if (act->ca_transition) {
		if (act->ca_to == CARP_MASTER) {
			carp_if_vips(sc, 1);
			env->env_stats.preempt++;
		}
		if (act->ca_bowout)
			carp_if_send(sc, 1);
		if (act->ca_from == CARP_MASTER)
			carp_if_vips(sc, 0);
		if (act->ca_from == CARP_INIT || act->ca_to == CARP_INIT) {
			if (carpd_loglevel(env, LOG_WARNING))
				log_prio(LOG_WARNING,
				    "%s: state transition: %s -> %s", name,
				    carp_fsm_state_name(act->ca_from),
				    carp_fsm_state_name(act->ca_to));
		} else if (carpd_loglevel(env, LOG_CRIT))
			log_prio(LOG_CRIT, "%s: state transition: %s -> %s",
			    name, carp_fsm_state_name(act->ca_from),
			    carp_fsm_state_name(act->ca_to));
		control_notify_state(env, sc);
	} else if (act->ca_bowout)
		carp_if_send(sc, 1);
	if (act->ca_send)
		carp_if_send(sc, 0);
	if (act->ca_announce)
		carp_if_announce(sc, act->ca_announce);
	carp_if_arm(sc, act->ca_next_us);
}

/* Installs (on) or removes the VIPs; the macvlan is up only with them. */
static void
carp_if_vips(struct carp_softc *sc, int on)
{
	struct carpd		*env = sc->sc_env;
	struct carp_ifconf	*ic = sc->sc_conf;
	char			 a[ADDR_STRLEN];
	int			 i, macvlan;

	if (sc->sc_ifindex <= 0 || sc->sc_vips_on == on)
		return;
	macvlan = sc->sc_ifindex != sc->sc_parent;
	if (on && macvlan && nl_link_set_up(env->env_nl, sc->sc_ifindex,
	    1) == -1)
		log_warn("%s: setting up", ic->ic_name);
	for (i = 0; i < ic->ic_naddrs; i++) {
		if ((on ? nl_addr_add : nl_addr_del)(env->env_nl,
		    sc->sc_ifindex, &ic->ic_addrs[i]) == -1)
			log_warn("%s: %s address %s", ic->ic_name,
			    on ? "adding" : "removing",
			    addr_ntop(&ic->ic_addrs[i], 1, a, sizeof(a)));
	}
	if (!on && macvlan && nl_link_set_up(env->env_nl, sc->sc_ifindex,
	    0) == -1)
		log_warn("%s: setting down", ic->ic_name);
	sc->sc_vips_on = on;
}

static int
carp_if_has_addr(const struct carp_ifconf *ic, const struct addr *a)
{
	int	 i;

	for (i = 0; i < ic->ic_naddrs; i++)
		if (addr_cmp(&ic->ic_addrs[i], a) == 0 &&
		    ic->ic_addrs[i].a_plen == a->a_plen)
			return (1);
	return (0);
}

/*
 * After a reload gave sc a new configuration: a MASTER removes the VIPs
 * only old had and adds the new ones; the addresses both have stay up
 * throughout (adding one that exists succeeds).
 */
void
carp_if_sync_vips(struct carp_softc *sc, const struct carp_ifconf *old)
{
	char	 a[ADDR_STRLEN];
	int	 i;

	if (!sc->sc_vips_on)
		return;
	for (i = 0; i < old->ic_naddrs; i++) {
		if (carp_if_has_addr(sc->sc_conf, &old->ic_addrs[i]))
			continue;
		if (nl_addr_del(sc->sc_env->env_nl, sc->sc_ifindex,
		    &old->ic_addrs[i]) == -1)
			log_warn("%s: removing address %s",
			    sc->sc_conf->ic_name, addr_ntop(&old->ic_addrs[i],
			    1, a, sizeof(a)));
	}
	sc->sc_vips_on = 0;
	carp_if_vips(sc, 1);
}

static void
carp_if_send(struct carp_softc *sc, int bowout)
{
	struct carpd	*env = sc->sc_env;
	uint8_t		 pkt[CARP_HDR_LEN];
	uint8_t		 advbase, advskew;
	int		 rv;

	if (sc->sc_parent <= 0 || sc->sc_ifindex <= 0)
		return;
	advbase = bowout ? CARP_BOWOUT : sc->sc_vh.vh_advbase;
	advskew = bowout ? CARP_BOWOUT : sc->sc_vh.vh_advskew;
	if (carp_wire_encode(&sc->sc_auth, advbase, advskew,
	    (uint8_t)carp_demote_of(env, sc), sc->sc_cookie, pkt) == -1) {
		env->env_stats.onomem++;
		return;
	}
	if (sc->sc_vh.vh_has_af[CARP_AF_INET]) {
		rv = carp_if_send4(sc, pkt);
		carp_if_snderr(sc, rv);
		if (rv == 0)
			env->env_stats.opackets++;
	}
	if (sc->sc_vh.vh_has_af[CARP_AF_INET6]) {
		rv = carp_if_send6(sc, pkt);
		carp_if_snderr(sc, rv);
		if (rv == 0)
			env->env_stats.opackets6++;
	}
}

/*
 * 3 consecutive send errors demote by one (OpenBSD: 3 x vhids, and we
 * have one vhid per carp interface); as many successes undo it.
 */
static void
carp_if_snderr(struct carp_softc *sc, int rv)
{
	if (rv == -1) {
		sc->sc_env->env_stats.onomem++;
		sc->sc_sndok = 0;
		if (++sc->sc_snderr >= 3 && !sc->sc_snddemoted) {
			sc->sc_snddemoted = 1;
			carp_softc_demote(sc, 1, "> snderrors");
		}
		return;
	}
	sc->sc_snderr = 0;
	if (sc->sc_snddemoted && ++sc->sc_sndok >= 3) {
		sc->sc_snddemoted = 0;
		sc->sc_sndok = 0;
		carp_softc_demote(sc, -1, "< snderrors");
	}
}

/*
 * Sends one advertisement to dst with a single pktinfo control message
 * (IP_PKTINFO or IPV6_PKTINFO) choosing interface and source.
 */
static int
carp_if_sendmsg(struct carp_softc *sc, int fd, void *dst, socklen_t dstlen,
    int level, int type, const void *info, size_t infolen,
    const uint8_t *pkt)
{
	struct msghdr		 msg;
	struct iovec		 iov;
	struct cmsghdr		*cm;
	union {
		struct cmsghdr	 hdr;
		uint8_t		 buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
	}			 cmsg;

	memset(&cmsg, 0, sizeof(cmsg));
	memset(&msg, 0, sizeof(msg));
	iov.iov_base = (void *)(uintptr_t)pkt;
	iov.iov_len = CARP_HDR_LEN;
	msg.msg_name = dst;
	msg.msg_namelen = dstlen;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cmsg.buf;
	msg.msg_controllen = CMSG_SPACE(infolen);
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = level;
	cm->cmsg_type = type;
	cm->cmsg_len = CMSG_LEN(infolen);
	memcpy(CMSG_DATA(cm), info, infolen);
	if (sendmsg(fd, &msg, 0) == -1) {
		log_rl(&sc->sc_env->env_rl[0], LOG_WARNING, "%s: sending %s "
		    "advertisement: %s", sc->sc_conf->ic_name,
		    level == IPPROTO_IP ? "IPv4" : "IPv6", strerror(errno));
		return (-1);
	}
	return (0);
}

static int
carp_if_send4(struct carp_softc *sc, const uint8_t *pkt)
{
	struct carpd		*env = sc->sc_env;
	struct carp_ifconf	*ic = sc->sc_conf;
	struct sockaddr_in	 dst;
	struct in_pktinfo	 pi;
	struct addr		 src;

	memset(&dst, 0, sizeof(dst));
	dst.sin_family = AF_INET;
	if (ic->ic_has_peer)
		dst.sin_addr = ic->ic_peer.a_v4;
	else
		(void)inet_pton(AF_INET, CARP_GROUP4, &dst.sin_addr);
	memset(&pi, 0, sizeof(pi));
	/* The master sends through the carp interface (virtual MAC); a
	 * unicast carppeer goes where the route says. */
	if (!ic->ic_has_peer)
		pi.ipi_ifindex = sc->sc_ifindex;
	/* Source: the carpdev's first IPv4 address, else the kernel's. */
	if (nl_addr_first(env->env_nl, sc->sc_parent, AF_INET, 0,
	    &src) == 0)
		pi.ipi_spec_dst = src.a_v4;
	return (carp_if_sendmsg(sc, env->env_sock4, &dst, sizeof(dst),
	    IPPROTO_IP, IP_PKTINFO, &pi, sizeof(pi), pkt));
}

static int
carp_if_send6(struct carp_softc *sc, const uint8_t *pkt)
{
	struct carpd		*env = sc->sc_env;
	struct sockaddr_in6	 dst;
	struct in6_pktinfo	 pi;
	struct addr		 src;

	memset(&dst, 0, sizeof(dst));
	dst.sin6_family = AF_INET6;
	(void)inet_pton(AF_INET6, CARP_GROUP6, &dst.sin6_addr);
	dst.sin6_scope_id = (uint32_t)sc->sc_ifindex;
	memset(&pi, 0, sizeof(pi));
	pi.ipi6_ifindex = (unsigned int)sc->sc_ifindex;
	if (nl_addr_first(env->env_nl, sc->sc_parent, AF_INET6, 1,
	    &src) == 0)
		pi.ipi6_addr = src.a_v6;
	return (carp_if_sendmsg(sc, env->env_sock6, &dst, sizeof(dst),
	    IPPROTO_IPV6, IPV6_PKTINFO, &pi, sizeof(pi), pkt));
}

/* The NA's Router flag says whether this box forwards IPv6 (9). */
static int
carp_if_forwarding6(const char *ifname)
{
	char	 path[128], c = '0';
	FILE	*f;

	(void)snprintf(path, sizeof(path),
	    "/proc/sys/net/ipv6/conf/%s/forwarding", ifname);
	if ((f = fopen(path, "r")) == NULL)
		return (0);
	if (fread(&c, 1, 1, f) != 1)
		c = '0';
	(void)fclose(f);
	return (c == '1');
}

/* Gratuitous ARP per IPv4 VIP, unsolicited NA per IPv6 VIP (9). */
static void
carp_if_announce(struct carp_softc *sc, int what)
{
	struct carpd		*env = sc->sc_env;
	struct carp_ifconf	*ic = sc->sc_conf;
	struct sockaddr_ll	 sll;
	uint8_t			 frame[CARP_NA_LEN];
	size_t			 len;
	int			 i, router;

	if (sc->sc_ifindex <= 0)
		return;
	router = carp_if_forwarding6(ic->ic_carpdev);
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_ifindex = sc->sc_ifindex;
	sll.sll_halen = ETH_ALEN;
	for (i = 0; i < ic->ic_naddrs; i++) {
		const struct addr *a = &ic->ic_addrs[i];

		if (a->a_af == AF_INET && (what & CARP_ANN_ARP)) {
			len = carp_wire_garp(sc->sc_mac, a, frame);
			sll.sll_protocol = htons(ETH_P_ARP);
			memset(sll.sll_addr, 0xff, ETH_ALEN);
		} else if (a->a_af == AF_INET6 && (what & CARP_ANN_NA)) {
			if (addr_is_v6_linklocal(a))
				continue;
			len = carp_wire_na(sc->sc_mac, a, router, frame);
			sll.sll_protocol = htons(ETH_P_IPV6);
			memcpy(sll.sll_addr, frame, ETH_ALEN);
		} else
			continue;
		if (sendto(env->env_pkt, frame, len, 0,
		    (struct sockaddr *)&sll, sizeof(sll)) == -1)
			log_rl(&env->env_rl[0], LOG_WARNING,
			    "%s: sending announcement: %s", ic->ic_name,
			    strerror(errno));
	}
}

static void
carp_if_drop(struct carpd *env, enum carp_reason r, int vhid,
    const struct addr *from, int ifindex)
{
	static const int level[CARP_DROP_MAX] = {
		[CARP_DROP_BADIF] = LOG_INFO,
		[CARP_DROP_BADTTL] = LOG_NOTICE,
		[CARP_DROP_BADLEN] = LOG_INFO,
		[CARP_DROP_BADSUM] = LOG_INFO,
		[CARP_DROP_BADVHID] = LOG_DEBUG,
		[CARP_DROP_BADVER] = LOG_NOTICE,
		[CARP_DROP_BADAUTH] = LOG_INFO,
		[CARP_DROP_LOOP] = LOG_WARNING,
	};
	char	 a[ADDR_STRLEN], ifn[IF_NAMESIZE];

	env->env_stats.drops[r]++;
	if (!carpd_loglevel(env, level[r]))
		return;
	if (if_indextoname((unsigned int)ifindex, ifn) == NULL)
		(void)strlcpy(ifn, "?", sizeof(ifn));
	log_rl(&env->env_rl[r], level[r], "%s: vhid %d from %s: %s", ifn,
	    vhid, addr_ntop(from, 0, a, sizeof(a)),
	    carp_wire_reason_str(r));
}

/*
 * One received advertisement: the checks of specs/carp.md section 1 in
 * OpenBSD's order, then the state machine.  dst_mcast says whether it
 * was sent to the group (group mode) or to us (carppeer mode).
 */
static void
carp_if_input(struct carpd *env, int ifindex, int dst_mcast,
    const struct addr *from, const uint8_t *p, size_t len, uint8_t ttl)
{
	struct carp_softc	*sc, *match = NULL;
	struct carp_adv		 adv;
	struct carp_event	 ev;
	enum carp_reason	 r;
	int			 parent = 0;

	TAILQ_FOREACH(sc, &env->env_softcs, sc_entry) {
		/* A copy delivered to our own macvlan: the parent has it. */
		if (sc->sc_ifindex == ifindex && sc->sc_parent != ifindex)
			return;
		if (sc->sc_parent == ifindex)
			parent = 1;
	}
	if (from->a_af == AF_INET)
		env->env_stats.ipackets++;
	else
		env->env_stats.ipackets6++;
	if (!env->env_conf->c_allow)
		return;
	if (!parent) {
		carp_if_drop(env, CARP_DROP_BADIF, 0, from, ifindex);
		return;
	}
	if ((r = carp_wire_decode(p, len, ttl, &adv)) != CARP_OK) {
		carp_if_drop(env, r, len >= 2 ? p[1] : 0, from, ifindex);
		return;
	}
	TAILQ_FOREACH(sc, &env->env_softcs, sc_entry) {
		if (sc->sc_parent != ifindex || !sc->sc_running ||
		    sc->sc_conf->ic_vhid != adv.ca_vhid)
			continue;
		if (from->a_af == AF_INET &&
		    dst_mcast == sc->sc_conf->ic_has_peer)
			continue;
		match = sc;
		break;
	}
	if (match == NULL) {
		carp_if_drop(env, CARP_DROP_BADVHID, adv.ca_vhid, from,
		    ifindex);
		return;
	}
	if ((r = carp_wire_verify(&adv, &match->sc_auth,
	    match->sc_cookie)) != CARP_OK) {
		carp_if_drop(env, r, adv.ca_vhid, from, ifindex);
		return;
	}
	memset(&ev, 0, sizeof(ev));
	ev.ce_type = CARP_EV_ADV;
	ev.ce_af = from->a_af == AF_INET ? CARP_AF_INET : CARP_AF_INET6;
	ev.ce_advbase = adv.ca_advbase;
	ev.ce_advskew = adv.ca_advskew;
	ev.ce_demote = adv.ca_demote;
	carp_if_event(match, &ev);
}

static void
carp_if_recv4(evutil_socket_t fd, short what, void *arg)
{
	struct carpd		*env = arg;
	uint8_t			 pkt[2048], vihl, ttl;
	union {
		struct cmsghdr	 hdr;
		uint8_t		 buf[CMSG_SPACE(sizeof(struct in_pktinfo))];
	}			 cmsg;
	struct sockaddr_in	 from;
	struct msghdr		 msg;
	struct cmsghdr		*cm;
	struct in_pktinfo	 pi;
	struct addr		 src;
	struct buf		 b;
	uint32_t		 daddr;
	size_t			 hlen;
	ssize_t			 n;
	int			 i, ifindex;

	(void)what;
	for (i = 0; i < 64; i++) {	/* bounded batch per wakeup */
		if ((n = sock_recvmsg(fd, pkt, sizeof(pkt), &from,
		    sizeof(from), cmsg.buf, sizeof(cmsg.buf), &msg)) == -1) {
			if (errno != EAGAIN && errno != EINTR)
				log_warn("recvmsg IPv4");
			return;
		}
		ifindex = 0;
		for (cm = CMSG_FIRSTHDR(&msg); cm != NULL;
		    cm = CMSG_NXTHDR(&msg, cm))
			if (cm->cmsg_level == IPPROTO_IP &&
			    cm->cmsg_type == IP_PKTINFO &&
			    cm->cmsg_len >= CMSG_LEN(sizeof(pi))) {
				memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
				ifindex = pi.ipi_ifindex;
			}
		memset(&src, 0, sizeof(src));
		src.a_af = AF_INET;
		src.a_v4 = from.sin_addr;
		src.a_plen = -1;
		/* The raw socket hands over the IP header: TTL from it. */
		buf_init(&b, pkt, (size_t)n);
		if (buf_get_u8(&b, &vihl) == -1 || (vihl & 0x0f) < 5 ||
		    buf_skip(&b, 7) == -1 || buf_get_u8(&b, &ttl) == -1 ||
		    buf_skip(&b, 7) == -1 || buf_get_u32(&b, &daddr) == -1 ||
		    (hlen = (size_t)(vihl & 0x0f) * 4) > (size_t)n) {
			env->env_stats.ipackets++;
			env->env_stats.hdrops++;
			continue;
		}
		carp_if_input(env, ifindex, IN_MULTICAST(daddr), &src,
		    pkt + hlen, (size_t)n - hlen, ttl);
	}
}

static void
carp_if_recv6(evutil_socket_t fd, short what, void *arg)
{
	struct carpd		*env = arg;
	uint8_t			 pkt[2048];
	union {
		struct cmsghdr	 hdr;
		uint8_t		 buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) +
				    CMSG_SPACE(sizeof(int))];
	}			 cmsg;
	struct sockaddr_in6	 from;
	struct msghdr		 msg;
	struct cmsghdr		*cm;
	struct in6_pktinfo	 pi;
	struct addr		 src;
	ssize_t			 n;
	int			 i, ifindex, hops;

	(void)what;
	for (i = 0; i < 64; i++) {
		if ((n = sock_recvmsg(fd, pkt, sizeof(pkt), &from,
		    sizeof(from), cmsg.buf, sizeof(cmsg.buf), &msg)) == -1) {
			if (errno != EAGAIN && errno != EINTR)
				log_warn("recvmsg IPv6");
			return;
		}
		ifindex = 0;
		hops = -1;
		for (cm = CMSG_FIRSTHDR(&msg); cm != NULL;
		    cm = CMSG_NXTHDR(&msg, cm)) {
			if (cm->cmsg_level != IPPROTO_IPV6)
				continue;
			if (cm->cmsg_type == IPV6_PKTINFO &&
			    cm->cmsg_len >= CMSG_LEN(sizeof(pi))) {
				memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
				ifindex = (int)pi.ipi6_ifindex;
			} else if (cm->cmsg_type == IPV6_HOPLIMIT &&
			    cm->cmsg_len >= CMSG_LEN(sizeof(int)))
				memcpy(&hops, CMSG_DATA(cm), sizeof(hops));
		}
		memset(&src, 0, sizeof(src));
		src.a_af = AF_INET6;
		src.a_v6 = from.sin6_addr;
		src.a_plen = -1;
		/* IPv6 has no unicast mode: always group semantics. */
		carp_if_input(env, ifindex, 1, &src, pkt, (size_t)n,
		    (uint8_t)(hops < 0 ? 0 : hops));
	}
}
