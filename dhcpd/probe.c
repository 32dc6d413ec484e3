/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * OpenBSD's conflict check: before offering an address nobody touched
 * for a minute, and before honouring a release, one ICMP echo goes to
 * the address and the request waits up to a second.  A reply means the
 * address is in use (the offer moves on, the address is abandoned) or
 * the release is spoofed.  The request waits here as a copy of its
 * bytes and is processed again when the probe ends.
 */

#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "dhcpd.h"
#include "log.h"

static void	 probe_recv(evutil_socket_t, short, void *);
static void	 probe_timer(evutil_socket_t, short, void *);

static uint16_t
probe_cksum(const uint8_t *p, size_t len)
{
	uint32_t	 sum = 0;
	size_t		 i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)(p[len - 1] << 8);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ((uint16_t)~sum);
}

int
probe_open(struct dhcpd *env)
{
	int	 s;

	TAILQ_INIT(&env->env_probes);
	env->env_icmpfd = -1;
	if ((s = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    IPPROTO_ICMP)) == -1) {
		log_warn("icmp socket: addresses are offered without a ping");
		return (-1);
	}
	if (getrandom(&env->env_icmp_id, sizeof(env->env_icmp_id), 0) == -1)
		env->env_icmp_id = (uint16_t)getpid();
	env->env_icmpfd = s;
	if ((env->env_icmp_ev = event_new(env->env_base, s,
	    EV_READ | EV_PERSIST, probe_recv, env)) == NULL ||
	    event_add(env->env_icmp_ev, NULL) == -1 ||
	    (env->env_probe_ev = event_new(env->env_base, -1, 0, probe_timer,
	    env)) == NULL) {
		log_warnx("icmp socket: event");
		return (-1);
	}
	return (0);
}

static void
probe_arm(struct dhcpd *env)
{
	struct timeval	 tv = { 0, 50000 };

	if (!TAILQ_EMPTY(&env->env_probes) &&
	    !evtimer_pending(env->env_probe_ev, NULL))
		(void)evtimer_add(env->env_probe_ev, &tv);
}

/*
 * Starts a probe of a for the request pkt; returns 0 (the request now
 * waits for it), or -1 (no probe: the caller goes on at once).
 */
int
probe_start(struct dhcpd *env, struct dhcp_if *di, struct in_addr a,
    const uint8_t *pkt, size_t len, int release, int tries)
{
	struct dhcp_probe	*pr;
	struct sockaddr_in	 sin;
	uint8_t			 echo[8 + 8];
	uint16_t		 ck;

	if (env->env_icmpfd == -1 || env->env_nprobes >= DHCPD_PROBE_MAX ||
	    len > sizeof(pr->pr_pkt))
		return (-1);
	TAILQ_FOREACH(pr, &env->env_probes, pr_entry)
		if (pr->pr_addr.s_addr == a.s_addr)
			return (0);	/* a retransmission: wait for it */
	if ((pr = calloc(1, sizeof(*pr))) == NULL)
		return (-1);
	pr->pr_addr = a;
	pr->pr_seq = ++env->env_icmp_seq;
	pr->pr_deadline_ms = dhcpd_now_ms() + DHCPD_PROBE_WAIT_MS;
	pr->pr_release = release;
	pr->pr_tries = tries;
	pr->pr_if = di;
	memcpy(pr->pr_pkt, pkt, len);
	pr->pr_len = len;

	memset(echo, 0, sizeof(echo));
	echo[0] = ICMP_ECHO;
	echo[4] = env->env_icmp_id >> 8;
	echo[5] = env->env_icmp_id & 0xff;
	echo[6] = pr->pr_seq >> 8;
	echo[7] = pr->pr_seq & 0xff;
	memcpy(echo + 8, "hakitdhc", 8);
	ck = probe_cksum(echo, sizeof(echo));
	echo[2] = ck >> 8;
	echo[3] = ck & 0xff;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr = a;
	if (sendto(env->env_icmpfd, echo, sizeof(echo), 0,
	    (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		log_warn("ping %s", inet_ntoa(a));
		free(pr);
		return (-1);
	}
	TAILQ_INSERT_TAIL(&env->env_probes, pr, pr_entry);
	env->env_nprobes++;
	probe_arm(env);
	return (0);
}

static void
probe_end(struct dhcpd *env, struct dhcp_probe *pr, int answered)
{
	TAILQ_REMOVE(&env->env_probes, pr, pr_entry);
	env->env_nprobes--;
	server_probe_done(env, pr, answered);
	free(pr);
}

static void
probe_recv(evutil_socket_t fd, short ev, void *arg)
{
	struct dhcpd		*env = arg;
	struct dhcp_probe	*pr;
	struct sockaddr_in	 from;
	uint8_t			 pkt[1500];
	socklen_t		 fl;
	ssize_t			 n;
	size_t			 hl;
	uint16_t		 id, seq;
	int			 i;

	(void)ev;
	for (i = 0; i < 64; i++) {
		fl = sizeof(from);
		if ((n = recvfrom(fd, pkt, sizeof(pkt), 0,
		    (struct sockaddr *)&from, &fl)) == -1)
			break;
		if (n < 20 || (hl = (size_t)(pkt[0] & 0x0f) * 4) < 20 ||
		    (size_t)n < hl + 8 || pkt[hl] != ICMP_ECHOREPLY)
			continue;
		id = (uint16_t)(pkt[hl + 4] << 8 | pkt[hl + 5]);
		seq = (uint16_t)(pkt[hl + 6] << 8 | pkt[hl + 7]);
		if (id != env->env_icmp_id)
			continue;
		TAILQ_FOREACH(pr, &env->env_probes, pr_entry)
			if (pr->pr_seq == seq &&
			    pr->pr_addr.s_addr == from.sin_addr.s_addr)
				break;
		if (pr != NULL)
			probe_end(env, pr, 1);
	}
}

static void
probe_timer(evutil_socket_t fd, short ev, void *arg)
{
	struct dhcpd		*env = arg;
	struct dhcp_probe	*pr, *next;
	uint64_t		 now = dhcpd_now_ms();

	(void)fd;
	(void)ev;
	TAILQ_FOREACH_SAFE(pr, &env->env_probes, pr_entry, next)
		if (now >= pr->pr_deadline_ms)
			probe_end(env, pr, 0);
	probe_arm(env);
}

void
probe_close(struct dhcpd *env)
{
	struct dhcp_probe	*pr;

	while ((pr = TAILQ_FIRST(&env->env_probes)) != NULL) {
		TAILQ_REMOVE(&env->env_probes, pr, pr_entry);
		free(pr);
	}
	if (env->env_probe_ev != NULL)
		event_free(env->env_probe_ev);
	if (env->env_icmp_ev != NULL)
		event_free(env->env_icmp_ev);
	if (env->env_icmpfd != -1)
		(void)close(env->env_icmpfd);
	env->env_icmpfd = -1;
}
