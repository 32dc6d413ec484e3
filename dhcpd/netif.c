/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * Packet I/O.  A client without an address cannot be answered through a
 * UDP socket: the kernel would ARP for the offered address, which nobody
 * holds yet.  So, as OpenBSD reads through BPF and writes whole frames,
 * each served interface gets one AF_PACKET socket with a classic BPF
 * filter (IPv4, UDP, not a fragment, destination port 67), and replies
 * are built as Ethernet/IPv4/UDP frames (dhcp_frame_encode).  A UDP
 * socket bound to port 67 sends what has a routable destination (relay
 * agents, clients with an address) and, with -u, receives requests from
 * links without Ethernet framing (with -I, renewals sent to the VIP).
 */

#include <sys/ioctl.h>
#include <sys/socket.h>

#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>

#include <errno.h>
#include <event2/event.h>
#include <ifaddrs.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dhcpd.h"
#include "log.h"
#include "sock.h"

static void	 netif_recv(evutil_socket_t, short, void *);
static void	 netif_udp_recv(evutil_socket_t, short, void *);
static int	 netif_open(struct dhcpd *, struct dhcp_if *);

/*
 * ldh [12] == IPv4; ldb [23] == UDP; not a fragment; X = IP header
 * length; ldh [X + 16] == 67 (UDP destination port).
 */
static struct sock_filter dhcp_bpf[] = {
	BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 12),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETH_P_IP, 0, 8),
	BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 23),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_UDP, 0, 6),
	BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 20),
	BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x1fff, 4, 0),
	BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 14),
	BPF_STMT(BPF_LD | BPF_H | BPF_IND, 16),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, DHCP_SERVER_PORT, 0, 1),
	BPF_STMT(BPF_RET | BPF_K, 0x40000),
	BPF_STMT(BPF_RET | BPF_K, 0),
};

static int
netif_info(struct dhcp_if *di)
{
	struct ifreq	 ifr;
	int		 s, rv = -1;

	if ((s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return (-1);
	memset(&ifr, 0, sizeof(ifr));
	(void)strlcpy(ifr.ifr_name, di->di_name, sizeof(ifr.ifr_name));
	if (ioctl(s, SIOCGIFHWADDR, &ifr) == -1) {
		log_warn("%s: hardware address", di->di_name);
		goto out;
	}
	if (ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER) {
		log_warnx("%s: not an Ethernet interface", di->di_name);
		goto out;
	}
	memcpy(di->di_mac, ifr.ifr_hwaddr.sa_data, 6);
	if (ioctl(s, SIOCGIFADDR, &ifr) == -1) {
		log_warn("%s: no IPv4 address", di->di_name);
		goto out;
	}
	di->di_addr = ((struct sockaddr_in *)(void *)&ifr.ifr_addr)->sin_addr;
	if (ioctl(s, SIOCGIFNETMASK, &ifr) == -1) {
		log_warn("%s: netmask", di->di_name);
		goto out;
	}
	di->di_mask =
	    ((struct sockaddr_in *)(void *)&ifr.ifr_netmask)->sin_addr;
	rv = 0;
 out:
	(void)close(s);
	return (rv);
}

static int
netif_add(struct dhcpd *env, const char *name, int quiet)
{
	struct dhcp_if		*di;
	struct dhcp_subnet	*sn;

	if ((di = calloc(1, sizeof(*di))) == NULL)
		return (-1);
	di->di_env = env;
	di->di_fd = -1;
	if (strlcpy(di->di_name, name, sizeof(di->di_name)) >=
	    sizeof(di->di_name) || (di->di_index = if_nametoindex(name)) == 0) {
		log_warnx("%s: no such interface", name);
		goto fail;
	}
	if (netif_info(di) == -1)
		goto fail;
	if ((sn = dhcpd_config_subnet_for(env->env_conf, di->di_addr)) ==
	    NULL) {
		if (!quiet)
			log_warnx("%s: no subnet declaration for %s", name,
			    inet_ntoa(di->di_addr));
		goto fail;
	}
	di->di_shared = sn->s_shared;
	if (netif_open(env, di) == -1)
		goto fail;
	TAILQ_INSERT_TAIL(&env->env_ifs, di, di_entry);
	log_info("listening on %s (%s)", name, inet_ntoa(di->di_addr));
	return (0);
 fail:
	free(di);
	return (-1);
}

/*
 * The named interfaces, or every broadcast interface with an IPv4
 * address in a declared subnet.  Returns the number set up, or -1.
 */
int
netif_setup(struct dhcpd *env, char **names, int n)
{
	struct ifaddrs	*ifa, *i;
	struct dhcp_if	*di;
	int		 k, dup;

	TAILQ_INIT(&env->env_ifs);
	for (k = 0; k < n; k++)
		if (netif_add(env, names[k], 0) == -1)
			return (-1);
	if (n > 0)
		return (n);
	if (getifaddrs(&ifa) == -1) {
		log_warn("getifaddrs");
		return (-1);
	}
	for (i = ifa; i != NULL; i = i->ifa_next) {
		if (i->ifa_addr == NULL || i->ifa_addr->sa_family != AF_INET ||
		    !(i->ifa_flags & IFF_BROADCAST) ||
		    (i->ifa_flags & IFF_LOOPBACK))
			continue;
		dup = 0;
		TAILQ_FOREACH(di, &env->env_ifs, di_entry)
			if (strcmp(di->di_name, i->ifa_name) == 0)
				dup = 1;
		if (!dup)
			(void)netif_add(env, i->ifa_name, 1);
	}
	freeifaddrs(ifa);
	k = 0;
	TAILQ_FOREACH(di, &env->env_ifs, di_entry)
		k++;
	return (k);
}

static int
netif_open(struct dhcpd *env, struct dhcp_if *di)
{
	struct sockaddr_ll	 sll;
	struct sock_fprog	 prog = { sizeof(dhcp_bpf) / sizeof(dhcp_bpf[0]),
				    dhcp_bpf };
	int			 s, on = 1;

	if ((s = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    htons(ETH_P_IP))) == -1) {
		log_warn("%s: packet socket", di->di_name);
		return (-1);
	}
	if (setsockopt(s, SOL_SOCKET, SO_ATTACH_FILTER, &prog,
	    sizeof(prog)) == -1) {
		log_warn("%s: BPF filter", di->di_name);
		goto fail;
	}
	/* tells a frame whose UDP checksum is left to offload */
	if (setsockopt(s, SOL_PACKET, PACKET_AUXDATA, &on, sizeof(on)) == -1) {
		log_warn("%s: PACKET_AUXDATA", di->di_name);
		goto fail;
	}
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_IP);
	sll.sll_ifindex = (int)di->di_index;
	if (bind(s, (struct sockaddr *)&sll, sizeof(sll)) == -1) {
		log_warn("%s: bind packet socket", di->di_name);
		goto fail;
	}
	di->di_fd = s;
	if ((di->di_ev = event_new(env->env_base, s, EV_READ | EV_PERSIST,
	    netif_recv, di)) == NULL || event_add(di->di_ev, NULL) == -1) {
		log_warnx("%s: event", di->di_name);
		goto fail;
	}
	return (0);
 fail:
	(void)close(s);
	di->di_fd = -1;
	return (-1);
}

static void
netif_recv(evutil_socket_t fd, short ev, void *arg)
{
	struct dhcp_if		*di = arg;
	struct dhcpd		*env = di->di_env;
	struct sockaddr_ll	 from;
	struct dhcp_frame	 f;
	struct tpacket_auxdata	 aux;
	static uint8_t		 pkt[65536];
	union {
		struct cmsghdr	 hdr;
		uint8_t		 buf[CMSG_SPACE(sizeof(aux))];
	} cm;
	struct msghdr		 msg;
	struct cmsghdr		*c;
	ssize_t			 n;
	enum dhcp_drop		 why;
	int			 i, partial;

	(void)ev;
	for (i = 0; i < 64; i++) {
		if ((n = sock_recvmsg(fd, pkt, sizeof(pkt), &from,
		    sizeof(from), cm.buf, sizeof(cm.buf), &msg)) == -1) {
			if (errno != EAGAIN && errno != EINTR)
				log_warn("%s: recvmsg", di->di_name);
			break;
		}
		if (from.sll_pkttype == PACKET_OUTGOING)
			continue;
		partial = 0;
		for (c = CMSG_FIRSTHDR(&msg); c != NULL;
		    c = CMSG_NXTHDR(&msg, c))
			if (c->cmsg_level == SOL_PACKET &&
			    c->cmsg_type == PACKET_AUXDATA) {
				memcpy(&aux, CMSG_DATA(c), sizeof(aux));
				partial = (aux.tp_status &
				    TP_STATUS_CSUMNOTREADY) != 0;
			}
		why = partial ? dhcp_frame_decode_offloaded(pkt, (size_t)n,
		    &f) : dhcp_frame_decode(pkt, (size_t)n, &f);
		if (why != DHCP_OK) {
			env->env_drops[why]++;
			continue;
		}
		server_input(env, di, f.payload, f.len, f.src_ip, f.sport, 0);
	}
	server_commit(env);
}

int
netif_send_frame(struct dhcpd *env, struct dhcp_if *di, const uint8_t *frame,
    size_t len)
{
	if (write(di->di_fd, frame, len) == -1) {
		env->env_stats[ST_SENDFAIL]++;
		log_warn("%s: send", di->di_name);
		return (-1);
	}
	return (0);
}

struct dhcp_if *
netif_by_index(struct dhcpd *env, unsigned int index)
{
	struct dhcp_if	*di;

	TAILQ_FOREACH(di, &env->env_ifs, di_entry)
		if (di->di_index == index)
			return (di);
	return (NULL);
}

/*
 * Port 67 over UDP: replies to relay agents and to clients that have an
 * address go through the kernel's routing; with -u, requests from links
 * without Ethernet framing arrive here (those from our packet-socket
 * interfaces are read there and ignored here).
 */
int
netif_udp_open(struct dhcpd *env)
{
	struct sockaddr_in	 sin;
	int			 s, on = 1;

	if ((s = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1) {
		log_warn("udp socket");
		return (-1);
	}
	if (setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1 ||
	    setsockopt(s, SOL_SOCKET, SO_BROADCAST, &on, sizeof(on)) == -1 ||
	    setsockopt(s, IPPROTO_IP, IP_PKTINFO, &on, sizeof(on)) == -1) {
		log_warn("udp socket options");
		goto fail;
	}
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(DHCP_SERVER_PORT);
	if (env->env_udp)
		sin.sin_addr = env->env_udp_addr;
	if (bind(s, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		log_warn("bind udp port %d", DHCP_SERVER_PORT);
		goto fail;
	}
	env->env_udpfd = s;
	if ((env->env_udp_ev = event_new(env->env_base, s,
	    EV_READ | EV_PERSIST, netif_udp_recv, env)) == NULL ||
	    event_add(env->env_udp_ev, NULL) == -1)
		goto fail;
	return (0);
 fail:
	(void)close(s);
	env->env_udpfd = -1;
	return (-1);
}

static void
netif_udp_recv(evutil_socket_t fd, short ev, void *arg)
{
	struct dhcpd		*env = arg;
	static uint8_t		 pkt[65536];
	union {
		struct cmsghdr	 hdr;
		uint8_t		 buf[CMSG_SPACE(sizeof(struct in_pktinfo))];
	} cm;
	struct sockaddr_in	 from;
	struct msghdr		 msg;
	struct cmsghdr		*c;
	struct in_pktinfo	 pi;
	ssize_t			 n;
	int			 i;

	(void)ev;
	for (i = 0; i < 64; i++) {
		if ((n = sock_recvmsg(fd, pkt, sizeof(pkt), &from,
		    sizeof(from), cm.buf, sizeof(cm.buf), &msg)) == -1)
			break;
		/*
		 * With -I, clients renew by unicast to the carp VIP, which
		 * lives on carpd's macvlan: only this socket sees those.
		 */
		if (!env->env_udp && !env->env_carp_id)
			continue;	/* the socket only sends */
		memset(&pi, 0, sizeof(pi));
		for (c = CMSG_FIRSTHDR(&msg); c != NULL;
		    c = CMSG_NXTHDR(&msg, c))
			if (c->cmsg_level == IPPROTO_IP &&
			    c->cmsg_type == IP_PKTINFO)
				memcpy(&pi, CMSG_DATA(c), sizeof(pi));
		if (netif_by_index(env, (unsigned int)pi.ipi_ifindex) != NULL)
			continue;	/* read by its packet socket */
		server_input(env, NULL, pkt, (size_t)n, from.sin_addr,
		    ntohs(from.sin_port), 1);
	}
	server_commit(env);
}

void
netif_close(struct dhcpd *env)
{
	struct dhcp_if	*di;

	while ((di = TAILQ_FIRST(&env->env_ifs)) != NULL) {
		TAILQ_REMOVE(&env->env_ifs, di, di_entry);
		if (di->di_ev != NULL)
			event_free(di->di_ev);
		if (di->di_fd != -1)
			(void)close(di->di_fd);
		free(di);
	}
	if (env->env_udp_ev != NULL)
		event_free(env->env_udp_ev);
	env->env_udp_ev = NULL;
	if (env->env_udpfd != -1)
		(void)close(env->env_udpfd);
	env->env_udpfd = -1;
}
