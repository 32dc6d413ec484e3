/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * ss_gen: a burst of new UDP flows, one packet each, for the state_sync
 * benchmark.
 *
 * Sends COUNT UDP packets from SRC to DST through the host's own routing
 * (a raw IPv4 socket, the kernel fills in the IP id, length and checksum),
 * each one a distinct flow, so every packet that crosses a firewall
 * creates one conntrack entry there (with its NAT).  Flow number i
 * (counted from -o) goes from source port SPORT + i / NDPORTS to
 * destination port DPORT + i % NDPORTS: spreading the flows over a few
 * destination ports keeps a source NAT to one address far from running
 * out of ports.
 *
 * With -r the flows are paced to RATE per second (in batches); without it
 * they go as fast as the stack takes them.  A full socket buffer is waited
 * out (poll), never dropped.  Bounded: at most -t seconds.
 *
 * Prints one line at the end:
 *
 *	g START_NS END_NS SENT ERRORS
 *
 * START_NS and END_NS are CLOCK_MONOTONIC, the clock Python's
 * time.monotonic_ns() reads, taken before the first and after the last
 * packet.
 */

#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "probe_util.h"

#define GEN_BATCH	64
#define GEN_PAYLOAD	16
#define GEN_PKTLEN	(sizeof(struct iphdr) + sizeof(struct udphdr) + \
			    GEN_PAYLOAD)

struct gen {
	struct in_addr	 src;
	struct in_addr	 dst;
	long		 sport;
	long		 dport;
	long		 ndports;
	long		 first;
	long		 count;
	long		 rate;
	long		 seconds;
};

static void	 usage(void);
static void	 build(const struct gen *, long, uint8_t *);
static void	 sleep_until(int64_t);

static void
usage(void)
{
	fprintf(stderr, "usage: ss_gen [-m ndports] [-o first] [-r rate] "
	    "[-t seconds] -c count -s src -d dst -P sport -p dport\n");
	exit(2);
}



static void
sleep_until(int64_t t)
{
	struct timespec	 ts;

	ts.tv_sec = t / 1000000000;
	ts.tv_nsec = t % 1000000000;
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts,
	    NULL) == EINTR)
		;
}

/* Flow i: its own (source port, destination port) pair. */
static void
build(const struct gen *g, long i, uint8_t *pkt)
{
	struct iphdr	*ip = (struct iphdr *)pkt;
	struct udphdr	*uh = (struct udphdr *)(pkt + sizeof(*ip));
	uint32_t	 v;

	memset(pkt, 0, GEN_PKTLEN);
	ip->version = 4;
	ip->ihl = sizeof(*ip) / 4;
	ip->ttl = 64;
	ip->protocol = IPPROTO_UDP;
	ip->saddr = g->src.s_addr;
	ip->daddr = g->dst.s_addr;
	/* tot_len, id and check are the kernel's with IPPROTO_RAW. */
	uh->source = htons((uint16_t)(g->sport + i / g->ndports));
	uh->dest = htons((uint16_t)(g->dport + i % g->ndports));
	uh->len = htons(sizeof(*uh) + GEN_PAYLOAD);
	uh->check = 0;		/* none: allowed over IPv4 */
	v = htonl((uint32_t)i);
	memcpy(pkt + sizeof(*ip) + sizeof(*uh), &v, sizeof(v));
}

int
main(int argc, char *argv[])
{
	static uint8_t		 pkts[GEN_BATCH][GEN_PKTLEN];
	struct mmsghdr		 msgs[GEN_BATCH];
	struct iovec		 iov[GEN_BATCH];
	struct sockaddr_in	 dst;
	struct pollfd		 pfd;
	struct gen		 g;
	int64_t			 start, end, deadline, due;
	long			 i, n, sent = 0, errors = 0, k;
	int			 ch, s, r, one = 1;

	memset(&g, 0, sizeof(g));
	g.ndports = 16;
	g.seconds = 60;
	g.count = -1;
	g.sport = g.dport = -1;
	while ((ch = getopt(argc, argv, "c:d:m:o:P:p:r:s:t:")) != -1) {
		switch (ch) {
		case 'c':
			g.count = num(optarg, 1, 4000000, "count");
			break;
		case 'd':
			if (inet_pton(AF_INET, optarg, &g.dst) != 1)
				usage();
			break;
		case 'm':
			g.ndports = num(optarg, 1, 1024, "ndports");
			break;
		case 'o':
			g.first = num(optarg, 0, 4000000, "first flow");
			break;
		case 'P':
			g.sport = num(optarg, 1, 65535, "source port");
			break;
		case 'p':
			g.dport = num(optarg, 1, 65535, "destination port");
			break;
		case 'r':
			g.rate = num(optarg, 1, 100000000, "rate");
			break;
		case 's':
			if (inet_pton(AF_INET, optarg, &g.src) != 1)
				usage();
			break;
		case 't':
			g.seconds = num(optarg, 1, 600, "duration");
			break;
		default:
			usage();
		}
	}
	if (optind != argc || g.count < 0 || g.sport < 0 || g.dport < 0 ||
	    g.src.s_addr == 0 || g.dst.s_addr == 0)
		usage();
	if (g.dport + g.ndports - 1 > 65535 ||
	    g.sport + (g.first + g.count - 1) / g.ndports > 65535) {
		fprintf(stderr, "ss_gen: the flows do not fit in the port "
		    "range\n");
		return (2);
	}

	if ((s = socket(AF_INET, SOCK_RAW, IPPROTO_RAW)) == -1) {
		perror("ss_gen: socket");
		return (1);
	}
	(void)setsockopt(s, SOL_IP, IP_HDRINCL, &one, sizeof(one));
	memset(&dst, 0, sizeof(dst));
	dst.sin_family = AF_INET;
	dst.sin_addr = g.dst;
	memset(msgs, 0, sizeof(msgs));
	for (k = 0; k < GEN_BATCH; k++) {
		iov[k].iov_base = pkts[k];
		iov[k].iov_len = GEN_PKTLEN;
		msgs[k].msg_hdr.msg_iov = &iov[k];
		msgs[k].msg_hdr.msg_iovlen = 1;
		msgs[k].msg_hdr.msg_name = &dst;
		msgs[k].msg_hdr.msg_namelen = sizeof(dst);
	}
	pfd.fd = s;
	pfd.events = POLLOUT;

	start = mono_ns();
	deadline = start + (int64_t)g.seconds * 1000000000;
	for (i = 0; i < g.count && mono_ns() < deadline; i += n) {
		n = g.count - i < GEN_BATCH ? g.count - i : GEN_BATCH;
		if (g.rate > 0) {
			due = start + (int64_t)(i * (1000000000.0 / g.rate));
			if (due > mono_ns())
				sleep_until(due);
		}
		for (k = 0; k < n; k++)
			build(&g, g.first + i + k, pkts[k]);
		for (k = 0; k < n && mono_ns() < deadline; ) {
			r = sendmmsg(s, msgs + k, (unsigned int)(n - k), 0);
			if (r > 0) {
				k += r;
				sent += r;
				continue;
			}
			if (errno == EAGAIN || errno == ENOBUFS) {
				(void)poll(&pfd, 1, 1);
				continue;
			}
			if (errno == EINTR)
				continue;
			/* Unroutable and the like: count it, go on. */
			errors++;
			k++;
		}
	}
	end = mono_ns();
	printf("g %lld %lld %ld %ld\n", (long long)start, (long long)end,
	    sent, errors);
	close(s);
	return (0);
}
