/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * ss_probe: a UDP request/reply stream through a NAT firewall pair, with
 * ~1 ms resolution, for the state_sync benchmark.
 *
 * Client (default): sends a request (session id, sequence number) to
 * ADDRESS:PORT every INTERVAL microseconds from source port -p, and
 * prints one line per reply:
 *
 *	r MONO_NS SEQ
 *
 * MONO_NS is CLOCK_MONOTONIC when the reply was read (the clock Python's
 * time.monotonic_ns() reads).  SIGUSR1 marks the event ("e MONO_NS");
 * from then on -k replies end the run early.  Bounded by -t seconds and
 * -c requests; SIGTERM or SIGINT end it at once.  Last line: "x SENT
 * RECEIVED".
 *
 * Server (-l): answers every request of a session at the address and
 * port the session's first request came from, as a server that keeps its
 * peer's address for the session does (RTP, SIP, game and VPN servers).
 * A firewall that takes over without the connection's NAT state maps the
 * client's next requests to a new source port: they still reach the
 * server, but the replies go to the old mapping, which only a firewall
 * holding the synced state forwards.  The server prints
 *
 *	s MONO_NS SESSION ADDR:PORT	a new session
 *	m MONO_NS SESSION ADDR:PORT	a session's request from elsewhere
 *
 * (the second once per new address), so the bench can tell that the NAT
 * mapping changed.
 */

#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "probe_util.h"

#define PROBE_MAGIC	0x73737072	/* "sspr" */
#define PROBE_SESSIONS	64

struct probe_msg {
	uint32_t	 magic;
	uint32_t	 session;
	uint32_t	 seq;
	uint32_t	 pad;
};

struct session {
	uint32_t		 id;
	struct sockaddr_in	 peer;	/* where replies go */
	struct sockaddr_in	 last;	/* last other source reported */
};


static void	 usage(void);
static int	 client(const struct sockaddr_in *, long, long, long, long,
		    long, uint32_t);
static int	 server(long, long);
static int	 same_addr(const struct sockaddr_in *,
		    const struct sockaddr_in *);

static void
usage(void)
{
	fprintf(stderr, "usage: ss_probe [-c count] [-i interval_us] "
	    "[-k replies] [-p sport] [-S session] [-t seconds] address port\n"
	    "       ss_probe -l [-t seconds] port\n");
	exit(2);
}




static int
same_addr(const struct sockaddr_in *a, const struct sockaddr_in *b)
{
	return (a->sin_addr.s_addr == b->sin_addr.s_addr &&
	    a->sin_port == b->sin_port);
}

static int
client(const struct sockaddr_in *dst, long sport, long count, long interval,
    long seconds, long keep, uint32_t session)
{
	struct sockaddr_in	 me;
	struct probe_msg	 m, r;
	struct pollfd		 pfd;
	struct timespec		 ts;
	int64_t			 next, now, end, wait;
	long			 sent = 0, recvd = 0, after = 0;
	ssize_t			 n;
	int			 s, marked = 0;

	if ((s = socket(AF_INET, SOCK_DGRAM, 0)) == -1) {
		perror("ss_probe: socket");
		return (1);
	}
	memset(&me, 0, sizeof(me));
	me.sin_family = AF_INET;
	me.sin_port = htons((uint16_t)sport);
	if (sport != 0 && bind(s, (struct sockaddr *)&me, sizeof(me)) == -1) {
		perror("ss_probe: bind");
		return (1);
	}
	next = mono_ns();
	end = next + (int64_t)seconds * 1000000000;
	pfd.fd = s;
	pfd.events = POLLIN;
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
			memset(&m, 0, sizeof(m));
			m.magic = htonl(PROBE_MAGIC);
			m.session = htonl(session);
			m.seq = htonl((uint32_t)sent);
			/* Unconnected: ICMP errors are not reported. */
			(void)sendto(s, &m, sizeof(m), MSG_DONTWAIT,
			    (const struct sockaddr *)dst, sizeof(*dst));
			sent++;
			next += (int64_t)interval * 1000;
			if (next < now)
				next = now + (int64_t)interval * 1000;
		}
		wait = next - mono_ns();
		if (wait < 0)
			wait = 0;
		ts.tv_sec = wait / 1000000000;
		ts.tv_nsec = wait % 1000000000;
		if (ppoll(&pfd, 1, &ts, NULL) == -1 && errno != EINTR) {
			perror("ss_probe: ppoll");
			return (1);
		}
		for (;;) {
			n = recv(s, &r, sizeof(r), MSG_DONTWAIT);
			if (n == -1) {
				if (errno == EAGAIN || errno == EINTR ||
				    errno == ECONNREFUSED)
					break;
				perror("ss_probe: recv");
				return (1);
			}
			if (n != sizeof(r) || ntohl(r.magic) != PROBE_MAGIC ||
			    ntohl(r.session) != session)
				continue;
			printf("r %lld %u\n", (long long)mono_ns(),
			    ntohl(r.seq));
			recvd++;
			if (got_event)
				after++;
		}
		if (got_event && after >= keep)
			break;
	}
	printf("x %ld %ld\n", sent, recvd);
	close(s);
	return (0);
}

static int
server(long port, long seconds)
{
	struct session		 sess[PROBE_SESSIONS];
	struct sockaddr_in	 me, from;
	struct probe_msg	 m;
	struct pollfd		 pfd;
	socklen_t		 flen;
	char			 a[INET_ADDRSTRLEN];
	int64_t			 end, left;
	ssize_t			 n;
	size_t			 nsess = 0, i;
	int			 s;
	uint32_t		 id;

	if ((s = socket(AF_INET, SOCK_DGRAM, 0)) == -1) {
		perror("ss_probe: socket");
		return (1);
	}
	memset(&me, 0, sizeof(me));
	me.sin_family = AF_INET;
	me.sin_port = htons((uint16_t)port);
	if (bind(s, (struct sockaddr *)&me, sizeof(me)) == -1) {
		perror("ss_probe: bind");
		return (1);
	}
	end = mono_ns() + (int64_t)seconds * 1000000000;
	pfd.fd = s;
	pfd.events = POLLIN;
	while (!got_stop) {
		left = (end - mono_ns()) / 1000000;
		if (left <= 0)
			break;
		if (poll(&pfd, 1, left > 1000 ? 1000 : (int)left) == -1 &&
		    errno != EINTR) {
			perror("ss_probe: poll");
			return (1);
		}
		for (;;) {
			flen = sizeof(from);
			n = recvfrom(s, &m, sizeof(m), MSG_DONTWAIT,
			    (struct sockaddr *)&from, &flen);
			if (n == -1) {
				if (errno == EAGAIN || errno == EINTR)
					break;
				perror("ss_probe: recvfrom");
				return (1);
			}
			if (n != sizeof(m) || ntohl(m.magic) != PROBE_MAGIC)
				continue;
			id = ntohl(m.session);
			for (i = 0; i < nsess && sess[i].id != id; i++)
				;
			inet_ntop(AF_INET, &from.sin_addr, a, sizeof(a));
			if (i == nsess) {
				if (nsess == PROBE_SESSIONS)
					continue;
				sess[i].id = id;
				sess[i].peer = from;
				sess[i].last = from;
				nsess++;
				printf("s %lld %u %s:%u\n",
				    (long long)mono_ns(), id, a,
				    ntohs(from.sin_port));
			} else if (!same_addr(&from, &sess[i].peer) &&
			    !same_addr(&from, &sess[i].last)) {
				sess[i].last = from;
				printf("m %lld %u %s:%u\n",
				    (long long)mono_ns(), id, a,
				    ntohs(from.sin_port));
			}
			(void)sendto(s, &m, sizeof(m), MSG_DONTWAIT,
			    (struct sockaddr *)&sess[i].peer,
			    sizeof(sess[i].peer));
		}
	}
	close(s);
	return (0);
}

int
main(int argc, char *argv[])
{
	struct sockaddr_in	 dst;
	struct sigaction	 sa;
	long			 count = 1000000, interval = 1000, seconds = 20;
	long			 keep = 20, sport = 0, session = 1;
	int			 ch, lflag = 0;

	while ((ch = getopt(argc, argv, "c:i:k:lp:S:t:")) != -1) {
		switch (ch) {
		case 'c':
			count = num(optarg, 1, 100000000, "count");
			break;
		case 'i':
			interval = num(optarg, 100, 10000000, "interval");
			break;
		case 'k':
			keep = num(optarg, 1, 1000000, "reply count");
			break;
		case 'l':
			lflag = 1;
			break;
		case 'p':
			sport = num(optarg, 1, 65535, "source port");
			break;
		case 'S':
			session = num(optarg, 0, 0xffffffffL, "session");
			break;
		case 't':
			seconds = num(optarg, 1, 3600, "duration");
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL) == -1 ||
	    sigaction(SIGTERM, &sa, NULL) == -1 ||
	    sigaction(SIGINT, &sa, NULL) == -1) {
		perror("ss_probe: sigaction");
		return (1);
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (lflag) {
		if (argc != 1)
			usage();
		return (server(num(argv[0], 1, 65535, "port"), seconds));
	}
	if (argc != 2)
		usage();
	memset(&dst, 0, sizeof(dst));
	dst.sin_family = AF_INET;
	dst.sin_port = htons((uint16_t)num(argv[1], 1, 65535, "port"));
	if (inet_pton(AF_INET, argv[0], &dst.sin_addr) != 1) {
		fprintf(stderr, "ss_probe: bad address %s\n", argv[0]);
		return (2);
	}
	return (client(&dst, sport, count, interval, seconds, keep,
	    (uint32_t)session));
}
