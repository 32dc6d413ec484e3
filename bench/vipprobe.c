/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * vipprobe: the client's view of a virtual address, with ~1 ms resolution.
 *
 * Sends an ICMP echo request to DST every INTERVAL microseconds through the
 * client's own stack (its routes and its ARP cache, as a real client would)
 * and prints one line per echo reply:
 *
 *	r MONO_NS SEQ TTL
 *
 * MONO_NS is CLOCK_MONOTONIC when the reply was read, the clock Python's
 * time.monotonic_ns() reads, so the bench can compare it with the moment
 * it killed a daemon.  The replying router is told apart by the TTL of its
 * replies (the bench gives each router its own net.ipv4.ip_default_ttl),
 * since CARP's routers share one MAC address.
 *
 * Bounded: it stops after -t seconds or -c requests, whichever comes first.
 * SIGUSR1 marks the event ("e MONO_NS"): from then on, -k replies carrying
 * TTL -w end the run early.  SIGTERM or SIGINT end it at once.  The last
 * line is "x SENT RECEIVED".
 *
 * With -a IFNAME it also joins 224.0.0.18 on IFNAME and prints every
 * IP protocol 112 packet (CARP or VRRP advertisement) it hears:
 *
 *	a MONO_NS SOURCE
 *
 * so the bench knows when the master spoke last before it died.
 */

#include <sys/socket.h>

#include <net/if.h>

#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "probe_util.h"

#define PROBE_PAYLOAD	32
#define PROTO_CARP	112

/* <linux/icmp.h>'s, which cannot be included with <netinet/ip_icmp.h>. */
#ifndef ICMP_FILTER
#define ICMP_FILTER	1
#endif


static void	 usage(void);
static uint16_t	 cksum(const void *, size_t);
static int	 send_echo(int, const struct sockaddr_in *, uint16_t,
		    uint16_t);
static int	 read_replies(int, uint16_t, int, int *, long *);
static int	 open_adverts(const char *);
static int	 read_adverts(int);

static void
usage(void)
{
	fprintf(stderr, "usage: vipprobe [-a ifname] [-c count] "
	    "[-i interval_us] [-k replies] [-t seconds] [-w ttl] address\n");
	exit(2);
}



static uint16_t
cksum(const void *p, size_t len)
{
	const uint8_t	*b = p;
	uint32_t	 sum = 0;
	size_t		 i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (len & 1)
		sum += (uint32_t)(b[len - 1] << 8);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (htons((uint16_t)~sum));
}


static int
send_echo(int s, const struct sockaddr_in *dst, uint16_t id, uint16_t seq)
{
	uint8_t		 pkt[sizeof(struct icmphdr) + PROBE_PAYLOAD];
	struct icmphdr	*ic = (struct icmphdr *)pkt;

	memset(pkt, 0, sizeof(pkt));
	ic->type = ICMP_ECHO;
	ic->un.echo.id = htons(id);
	ic->un.echo.sequence = htons(seq);
	ic->checksum = cksum(pkt, sizeof(pkt));
	/* A send error (no ARP answer yet) is just a lost probe. */
	if (sendto(s, pkt, sizeof(pkt), MSG_DONTWAIT,
	    (const struct sockaddr *)dst, sizeof(*dst)) == -1 &&
	    errno != EHOSTUNREACH && errno != EAGAIN && errno != ENOBUFS &&
	    errno != EHOSTDOWN && errno != ENETUNREACH)
		return (-1);
	return (0);
}

/*
 * Reads every pending reply; counts those with TTL want after the event
 * into *after.  Returns the number of replies read, or -1.
 */
static int
read_replies(int s, uint16_t id, int want, int *after, long *recvd)
{
	uint8_t		 buf[1500];
	struct icmphdr	*ic;
	ssize_t		 n;
	size_t		 hl;
	int		 got = 0, ttl;

	for (;;) {
		n = recv(s, buf, sizeof(buf), MSG_DONTWAIT);
		if (n == -1) {
			if (errno == EAGAIN || errno == EINTR)
				return (got);
			return (-1);
		}
		if ((size_t)n < sizeof(struct iphdr))
			continue;
		hl = (size_t)(buf[0] & 0x0f) * 4;
		if (hl < sizeof(struct iphdr) ||
		    (size_t)n < hl + sizeof(struct icmphdr))
			continue;
		ic = (struct icmphdr *)(buf + hl);
		if (ic->type != ICMP_ECHOREPLY || ntohs(ic->un.echo.id) != id)
			continue;
		ttl = buf[8];
		printf("r %lld %u %d\n", (long long)mono_ns(),
		    ntohs(ic->un.echo.sequence), ttl);
		(*recvd)++;
		got++;
		if (got_event && ttl == want)
			(*after)++;
	}
}

static int
open_adverts(const char *ifname)
{
	struct ip_mreqn	 mr;
	int		 s;

	if ((s = socket(AF_INET, SOCK_RAW, PROTO_CARP)) == -1)
		return (-1);
	memset(&mr, 0, sizeof(mr));
	mr.imr_multiaddr.s_addr = htonl(0xe0000012);	/* 224.0.0.18 */
	if ((mr.imr_ifindex = (int)if_nametoindex(ifname)) == 0 ||
	    setsockopt(s, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mr,
	    sizeof(mr)) == -1) {
		close(s);
		return (-1);
	}
	return (s);
}

static int
read_adverts(int s)
{
	uint8_t		 buf[1500];
	char		 src[INET_ADDRSTRLEN];
	ssize_t		 n;

	for (;;) {
		n = recv(s, buf, sizeof(buf), MSG_DONTWAIT);
		if (n == -1)
			return (errno == EAGAIN || errno == EINTR ? 0 : -1);
		if ((size_t)n < sizeof(struct iphdr) ||
		    inet_ntop(AF_INET, buf + 12, src, sizeof(src)) == NULL)
			continue;
		printf("a %lld %s\n", (long long)mono_ns(), src);
	}
}

int
main(int argc, char *argv[])
{
	struct sockaddr_in	 dst;
	struct sigaction	 sa;
	uint32_t		 filt;
	struct pollfd		 pfd[2];
	struct timespec		 ts;
	int64_t			 start, next, now, end, wait;
	long			 count = 100000, interval = 1000, seconds = 20;
	long			 keep = 50, sent = 0, recvd = 0;
	const char		*advif = NULL;
	int			 ch, s, as = -1, want = -1, after = 0;
	int			 marked = 0;
	uint16_t		 id;

	while ((ch = getopt(argc, argv, "a:c:i:k:t:w:")) != -1) {
		switch (ch) {
		case 'a':
			advif = optarg;
			break;
		case 'c':
			count = num(optarg, 1, 1000000, "count");
			break;
		case 'i':
			interval = num(optarg, 100, 10000000, "interval");
			break;
		case 'k':
			keep = num(optarg, 1, 1000000, "reply count");
			break;
		case 't':
			seconds = num(optarg, 1, 600, "duration");
			break;
		case 'w':
			want = (int)num(optarg, 1, 255, "ttl");
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 1)
		usage();
	memset(&dst, 0, sizeof(dst));
	dst.sin_family = AF_INET;
	if (inet_pton(AF_INET, argv[0], &dst.sin_addr) != 1) {
		fprintf(stderr, "vipprobe: bad address %s\n", argv[0]);
		return (2);
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL) == -1 ||
	    sigaction(SIGTERM, &sa, NULL) == -1 ||
	    sigaction(SIGINT, &sa, NULL) == -1) {
		perror("vipprobe: sigaction");
		return (1);
	}
	if ((s = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP)) == -1) {
		perror("vipprobe: socket");
		return (1);
	}
	/* Only echo replies reach us: everything but type 0 is filtered. */
	filt = ~(1U << ICMP_ECHOREPLY);
	if (setsockopt(s, SOL_RAW, ICMP_FILTER, &filt, sizeof(filt)) == -1) {
		perror("vipprobe: ICMP_FILTER");
		return (1);
	}
	if (advif != NULL && (as = open_adverts(advif)) == -1) {
		perror("vipprobe: advertisements");
		return (1);
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	id = (uint16_t)(getpid() & 0xffff);

	start = next = mono_ns();
	end = start + (int64_t)seconds * 1000000000;
	pfd[0].fd = s;
	pfd[0].events = POLLIN;
	pfd[1].fd = as;
	pfd[1].events = POLLIN;
	while (!got_stop) {
		now = mono_ns();
		if (now >= end)
			break;
		if (got_event && !marked) {
			printf("e %lld\n", (long long)now);
			marked = 1;
		}
		if (now >= next) {
			if (sent >= count)
				break;
			if (send_echo(s, &dst, id, (uint16_t)sent) == -1) {
				perror("vipprobe: sendto");
				return (1);
			}
			sent++;
			/* Keep the cadence; never send a burst to catch up. */
			next += (int64_t)interval * 1000;
			if (next < now)
				next = now + (int64_t)interval * 1000;
		}
		wait = next - mono_ns();
		if (wait < 0)
			wait = 0;
		ts.tv_sec = wait / 1000000000;
		ts.tv_nsec = wait % 1000000000;
		if (ppoll(pfd, as == -1 ? 1 : 2, &ts, NULL) == -1 &&
		    errno != EINTR) {
			perror("vipprobe: ppoll");
			return (1);
		}
		if (read_replies(s, id, want, &after, &recvd) == -1 ||
		    (as != -1 && read_adverts(as) == -1)) {
			perror("vipprobe: recv");
			return (1);
		}
		if (got_event && want != -1 && after >= keep)
			break;
	}
	printf("x %ld %ld\n", sent, recvd);
	if (as != -1)
		close(as);
	close(s);
	return (0);
}
