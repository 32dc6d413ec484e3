/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * Lease sync I/O (-y/-Y), as OpenBSD's dhcpd: fire-and-forget UDP
 * datagrams (sync_wire.c) to the multicast group on an interface and to
 * unicast targets, one lease each, after every ACK and for the whole
 * table at each lease-file rewrite; received leases are merged by the
 * rules of lease_merge().  Sync trusts the servers' clocks to agree
 * (NTP): the lease with the later `ends' wins.
 */

#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <net/if.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "dhcpd.h"
#include "log.h"
#include "sock.h"

static void	 dsync_recv(evutil_socket_t, short, void *);
static void	 dsync_send_buf(struct dhcpd *, const uint8_t *, size_t);
static void	 dsync_resend(struct dhcpd *, time_t, int);

/* Key file: SHA-1 of its content in hex; none (ENOENT): the empty key */
static int
dsync_key(struct dhcpd_sync *sy, const char *path)
{
	struct stat	 st;
	uint8_t		*buf = NULL;
	size_t		 len = 0;
	ssize_t		 n;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		if (errno == ENOENT) {
			log_info("sync key %s: none, using the empty key",
			    path);
			sy->sy_keylen = 0;
			sy->sy_key[0] = '\0';
			return (0);
		}
		log_warn("sync key %s", path);
		return (-1);
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		log_warnx("sync key %s: not a regular file", path);
		goto fail;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		log_warnx("sync key %s: readable by group or others (mode "
		    "%03o): refused", path, (unsigned)(st.st_mode & 0777));
		goto fail;
	}
	if (st.st_size > 1024 * 1024) {
		log_warnx("sync key %s: larger than 1 MB", path);
		goto fail;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL)
		goto fail;
	while (len < (size_t)st.st_size && (n = read(fd, buf + len,
	    (size_t)st.st_size - len)) > 0)
		len += (size_t)n;
	if (dhcp_sync_key(buf, len, sy->sy_key) == -1) {
		log_warnx("sync key %s: cannot hash it", path);
		freezero(buf, (size_t)st.st_size + 1);
		buf = NULL;
		goto fail;
	}
	sy->sy_keylen = DHCP_SYNC_KEYLEN;
	freezero(buf, (size_t)st.st_size + 1);
	(void)close(fd);
	return (0);
 fail:
	free(buf);
	(void)close(fd);
	return (-1);
}

static uint16_t
dsync_port(void)
{
	struct servent	*se;

	/* OpenBSD's services name; Debian has none: 8067 */
	if ((se = getservbyname("dhcpd-sync", "udp")) != NULL)
		return (ntohs((uint16_t)se->s_port));
	return (DHCP_SYNC_PORT);
}

/* "IFNAME[:TTL]" */
static int
dsync_ifspec(const char *spec, char *ifname, size_t cap, int *ttl)
{
	const char	*c, *errstr;
	size_t		 n;

	*ttl = 1;
	if ((c = strchr(spec, ':')) == NULL)
		n = strlen(spec);
	else {
		n = (size_t)(c - spec);
		*ttl = (int)strtonum(c + 1, 1, 255, &errstr);
		if (errstr != NULL) {
			log_warnx("sync: ttl %s is %s", c + 1, errstr);
			return (-1);
		}
	}
	if (n == 0 || n >= cap)
		return (-1);
	memcpy(ifname, spec, n);
	ifname[n] = '\0';
	return (0);
}

static int
dsync_ifaddr(const char *ifname, struct in_addr *a)
{
	struct ifreq	 ifr;
	int		 s, rv = -1;

	if ((s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return (-1);
	memset(&ifr, 0, sizeof(ifr));
	(void)strlcpy(ifr.ifr_name, ifname, sizeof(ifr.ifr_name));
	if (ioctl(s, SIOCGIFADDR, &ifr) == 0) {
		*a = ((struct sockaddr_in *)(void *)&ifr.ifr_addr)->sin_addr;
		rv = 0;
	}
	(void)close(s);
	return (rv);
}

/*
 * -y listen (an address, or an interface whose group we join) and -Y
 * targets (addresses, or one interface[:ttl] for the group).
 */
int
dsync_setup(struct dhcpd *env, const char *listen, char **targets,
    int ntargets)
{
	struct dhcpd_sync	*sy = &env->env_sync;
	struct sockaddr_in	 sin;
	struct ip_mreqn		 mr;
	struct in_addr		 a;
	const char		*mcast_spec = NULL, *join_spec = NULL;
	const char		*spec;
	char			 ifname[IF_NAMESIZE];
	uint16_t		 port = dsync_port();
	int			 i, on = 1, off = 0, ttl, s = -1;
	int			 rcv = 4 * 1024 * 1024;

	sy->sy_fd = -1;
	if (listen == NULL && ntargets == 0)
		return (0);
	if (dsync_key(sy, env->env_keyfile) == -1)
		return (-1);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	for (i = 0; i < ntargets; i++) {
		if (inet_pton(AF_INET, targets[i], &a) == 1) {
			if (sy->sy_ntargets == DHCPD_MAX_SYNC_TARGETS) {
				log_warnx("sync: more than %d targets",
				    DHCPD_MAX_SYNC_TARGETS);
				return (-1);
			}
			sy->sy_targets[sy->sy_ntargets].st_sin = sin;
			sy->sy_targets[sy->sy_ntargets].st_sin.sin_addr = a;
			sy->sy_targets[sy->sy_ntargets].st_sin.sin_port =
			    htons(port);
			sy->sy_ntargets++;
		} else
			mcast_spec = targets[i];	/* the last one wins */
	}
	sy->sy_send = ntargets > 0;
	if (listen != NULL && inet_pton(AF_INET, listen, &a) != 1)
		join_spec = listen;
	if (join_spec != NULL && mcast_spec != NULL &&
	    strcmp(join_spec, mcast_spec) != 0) {
		log_warnx("sync: multicast interface does not match (-y %s, "
		    "-Y %s)", listen, mcast_spec);
		return (-1);
	}
	if ((s = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1) {
		log_warn("sync socket");
		return (-1);
	}
	if (setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1)
		goto fail;
	/*
	 * A busy peer sends a datagram per ACK, thousands a second: room
	 * for bursts, and a count of what the kernel still drops.
	 */
	if (setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof(rcv)) == -1)
		(void)setsockopt(s, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	(void)setsockopt(s, SOL_SOCKET, SO_RXQ_OVFL, &on, sizeof(on));
	sin.sin_port = 0;
	if (listen != NULL || mcast_spec != NULL)
		sin.sin_port = htons(port);
	if (listen != NULL && join_spec == NULL)
		(void)inet_pton(AF_INET, listen, &sin.sin_addr);
	spec = mcast_spec != NULL ? mcast_spec : join_spec;
	if (spec != NULL) {
		if (dsync_ifspec(spec, ifname, sizeof(ifname), &ttl) == -1 ||
		    (sy->sy_mcast_if = if_nametoindex(ifname)) == 0) {
			log_warnx("sync: %s: no such interface", spec);
			goto fail;
		}
		if (dsync_ifaddr(ifname, &sy->sy_mcast_addr) == -1) {
			log_warnx("sync: %s has no IPv4 address", ifname);
			goto fail;
		}
		sy->sy_mcast_ttl = ttl;
		memset(&mr, 0, sizeof(mr));
		mr.imr_ifindex = (int)sy->sy_mcast_if;
		(void)inet_pton(AF_INET, DHCP_SYNC_GROUP, &mr.imr_multiaddr);
		/* OpenBSD leaves the interface to routing; Linux may pick
		 * another, so name it; and receive only groups we join */
		if (setsockopt(s, IPPROTO_IP, IP_MULTICAST_IF, &mr,
		    sizeof(mr)) == -1 ||
		    setsockopt(s, IPPROTO_IP, IP_MULTICAST_TTL, &ttl,
		    sizeof(ttl)) == -1 ||
		    setsockopt(s, IPPROTO_IP, IP_MULTICAST_LOOP, &on,
		    sizeof(on)) == -1 ||
		    setsockopt(s, IPPROTO_IP, IP_MULTICAST_ALL, &off,
		    sizeof(off)) == -1) {
			log_warn("sync: multicast options on %s", ifname);
			goto fail;
		}
		if (join_spec != NULL && setsockopt(s, IPPROTO_IP,
		    IP_ADD_MEMBERSHIP, &mr, sizeof(mr)) == -1) {
			log_warn("sync: join %s on %s", DHCP_SYNC_GROUP,
			    ifname);
			goto fail;
		}
		sy->sy_mcast = mcast_spec != NULL;
	}
	if (bind(s, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		log_warn("sync: bind port %u", port);
		goto fail;
	}
	sy->sy_fd = s;
	sy->sy_listen = listen != NULL;
	if (sy->sy_listen && ((sy->sy_ev = event_new(env->env_base, s,
	    EV_READ | EV_PERSIST, dsync_recv, env)) == NULL ||
	    event_add(sy->sy_ev, NULL) == -1))
		goto fail;
	/*
	 * hakit: say hello (a datagram with no lease: OpenBSD ignores it)
	 * and send our table at start; a peer holding newer leases sends
	 * them back (re-education), and a hakit peer that has not heard
	 * from us lately, or sees our counter start again, sends its
	 * whole table: a restarted server catches up.
	 */
	if (sy->sy_send) {
		uint8_t	 hello[DHCP_SYNC_HELLO_LEN];

		if (dhcp_sync_encode_hello(hello, sy->sy_key, sy->sy_keylen,
		    sy->sy_counter++) != 0)
			dsync_send_buf(env, hello, sizeof(hello));
	}
	dsync_send_all(env);
	log_info("sync: %s%s%s, %d unicast target(s), %s key",
	    sy->sy_listen ? "listening" : "not listening",
	    sy->sy_mcast ? ", sending to " DHCP_SYNC_GROUP " on " : "",
	    sy->sy_mcast ? ifname : "", sy->sy_ntargets,
	    sy->sy_keylen ? "with a" : "the empty");
	return (0);
 fail:
	if (s != -1)
		(void)close(s);
	sy->sy_fd = -1;
	return (-1);
}

static void
dsync_to_wire(const struct lease *l, struct dhcp_sync_lease *w)
{
	memset(w, 0, sizeof(*w));
	w->starts = dhcp_sync_time_out(l->l_starts);
	w->ends = dhcp_sync_time_out(l->l_ends);
	w->timestamp = dhcp_sync_time_out(l->l_timestamp);
	w->ip = l->l_ip;
	w->htype = l->l_htype;
	w->hlen = l->l_hlen;
	memcpy(w->haddr, l->l_haddr, l->l_hlen);
}

/* One datagram to the group (if we send there) and to every target */
static void
dsync_send_buf(struct dhcpd *env, const uint8_t *pkt, size_t len)
{
	struct dhcpd_sync	*sy = &env->env_sync;
	struct sockaddr_in	 sin;
	int			 i;

	if (sy->sy_mcast) {
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_port = htons(dsync_port());
		(void)inet_pton(AF_INET, DHCP_SYNC_GROUP, &sin.sin_addr);
		if (sendto(sy->sy_fd, pkt, len, 0, (struct sockaddr *)&sin,
		    sizeof(sin)) == -1)
			sy->sy_stats[SS_SENDFAIL]++;
		else
			sy->sy_stats[SS_SENT]++;
	}
	for (i = 0; i < sy->sy_ntargets; i++) {
		if (sendto(sy->sy_fd, pkt, len, 0,
		    (struct sockaddr *)&sy->sy_targets[i].st_sin,
		    sizeof(sy->sy_targets[i].st_sin)) == -1)
			sy->sy_stats[SS_SENDFAIL]++;
		else
			sy->sy_stats[SS_SENT]++;
	}
}

void
dsync_send_lease(struct dhcpd *env, const struct lease *l)
{
	struct dhcpd_sync	*sy = &env->env_sync;
	struct dhcp_sync_lease	 w;
	uint8_t			 pkt[DHCP_SYNC_LEN];
	size_t			 len;

	if (sy->sy_fd == -1 || !sy->sy_send || l == NULL)
		return;
	dsync_to_wire(l, &w);
	if ((len = dhcp_sync_encode(pkt, sy->sy_key, sy->sy_keylen,
	    sy->sy_counter++, &w)) == 0) {
		sy->sy_stats[SS_SENDFAIL]++;
		return;
	}
	dsync_send_buf(env, pkt, len);
}

static void
dsync_send_one(struct lease *l, void *arg)
{
	if ((l->l_hlen != 0 || l->l_uid != NULL ||
	    (l->l_flags & LEASE_ABANDONED)) &&
	    !(l->l_flags & (LEASE_OFFERED | LEASE_DANGLING)))
		dsync_send_lease(arg, l);
}

/* Every lease with a MAC, a uid or the abandoned flag (at a rewrite) */
void
dsync_send_all(struct dhcpd *env)
{
	if (env->env_sync.sy_fd == -1 || !env->env_sync.sy_send)
		return;
	lease_db_foreach(env->env_db, dsync_send_one, env);
}

static int
dsync_merge(const struct dhcp_sync_lease *w, void *arg)
{
	struct dhcpd		*env = arg;
	struct dhcpd_sync	*sy = &env->env_sync;
	struct lease		 r, *local = NULL, *other;
	time_t			 now = time(NULL);
	int			 flags = 0;

	sy->sy_stats[SS_LEASES]++;
	memset(&r, 0, sizeof(r));
	r.l_ip = w->ip;
	r.l_starts = dhcp_sync_time_in(w->starts);
	r.l_ends = dhcp_sync_time_in(w->ends);
	r.l_timestamp = dhcp_sync_time_in(w->timestamp);
	r.l_htype = w->htype;
	r.l_hlen = w->hlen;
	memcpy(r.l_haddr, w->haddr, w->hlen);
	switch (lease_merge(env->env_db, &r, now, &local, &flags)) {
	case LEASE_MERGE_SUPERSEDED:
		sy->sy_stats[SS_SUPERSEDED]++;
		log_debug("sync: %s from a peer, until %lld",
		    inet_ntoa(local->l_ip), (long long)local->l_ends);
		server_lease_changed(env, local, flags);
		break;
	case LEASE_MERGE_OURS_NEWER:
		/* re-educate the peer */
		sy->sy_stats[SS_OURS_NEWER]++;
		dsync_send_lease(env, local);
		break;
	case LEASE_MERGE_EQUAL:
		sy->sy_stats[SS_EQUAL]++;
		break;
	case LEASE_MERGE_CONFLICT:
		sy->sy_stats[SS_CONFLICT]++;
		log_warnx("sync: lease conflict on %s: active here for "
		    "another client", inet_ntoa(w->ip));
		break;
	case LEASE_MERGE_ERROR:
		log_warnx("sync: %s: out of memory", inet_ntoa(w->ip));
		break;
	case LEASE_MERGE_DANGLING:
		sy->sy_stats[SS_DANGLING]++;
		log_info("sync: %s is outside our ranges: kept in memory",
		    inet_ntoa(w->ip));
		/* OpenBSD writes and re-sends everything: rate-limited */
		dsync_resend(env, now, 1);
		break;
	}
	if (flags & LEASE_MERGE_MAC_OTHER_IP)
		sy->sy_stats[SS_MAC_OTHER_IP]++;
	if ((flags & LEASE_MERGE_OTHER_ENDED) &&
	    (other = lease_merge_other(env->env_db)) != NULL) {
		log_info("sync: %s ended: the peer gave its client %s",
		    inet_ntoa(other->l_ip), inet_ntoa(w->ip));
		server_lease_ended(env, other);
	}
	return (0);
}

/*
 * The whole table to the peers, at most once every DHCPD_RESEND_MIN
 * seconds: a request inside that window is kept and done by the tick
 * when the window ends (never dropped: a peer would miss leases).
 * rewrite: rewrite the lease file first (OpenBSD's full write).
 */
static void
dsync_resend(struct dhcpd *env, time_t now, int rewrite)
{
	struct dhcpd_sync	*sy = &env->env_sync;

	if (now - sy->sy_last_resend < DHCPD_RESEND_MIN) {
		if (!sy->sy_resend_pending)
			sy->sy_stats[SS_RESEND_LIMITED]++;
		sy->sy_resend_pending = 1;
		sy->sy_rewrite_pending |= rewrite;
		return;
	}
	rewrite |= sy->sy_rewrite_pending;
	sy->sy_resend_pending = sy->sy_rewrite_pending = 0;
	sy->sy_last_resend = now;
	sy->sy_stats[SS_RESEND]++;
	if (rewrite && env->env_lf != NULL &&
	    leasefile_rewrite(env->env_lf, env->env_db, now) == -1)
		env->env_stats[ST_FILE_ERRORS]++;
	dsync_send_all(env);
}

/* Once a second: a re-send that waited for its window */
void
dsync_tick(struct dhcpd *env, time_t now)
{
	if (env->env_sync.sy_resend_pending)
		dsync_resend(env, now, 0);
}

/*
 * A peer heard for the first time, or again after a silence, may have
 * missed leases (OpenBSD's sync has no bulk): send it the whole table,
 * at most once every DHCPD_RESEND_MIN seconds.  A hakit extension that
 * uses only OpenBSD's datagrams.
 */
static void
dsync_peer_heard(struct dhcpd *env, struct in_addr from, uint32_t counter,
    time_t now)
{
	struct dhcpd_sync	*sy = &env->env_sync;
	struct dhcp_sync_peer	*p, *oldest = NULL;
	int			 i, fresh = 1;

	for (i = 0; i < DHCPD_MAX_SYNC_PEERS; i++) {
		p = &sy->sy_peers[i];
		if (p->sp_addr.s_addr == from.s_addr && p->sp_last != 0) {
			/* silent for long, or its counter started again */
			fresh = now - p->sp_last > DHCPD_PEER_SILENT ||
			    counter <= p->sp_counter;
			oldest = p;
			break;
		}
		if (oldest == NULL || p->sp_last < oldest->sp_last)
			oldest = p;
	}
	oldest->sp_addr = from;
	oldest->sp_last = now;
	oldest->sp_counter = counter;
	if (!fresh || !sy->sy_send)
		return;
	log_info("sync: %s is new or back: sending it every lease",
	    inet_ntoa(from));
	dsync_resend(env, now, 0);
}

static void
dsync_recv(evutil_socket_t fd, short ev, void *arg)
{
	static struct log_rl	 rl;
	struct dhcpd		*env = arg;
	struct dhcpd_sync	*sy = &env->env_sync;
	struct sockaddr_in	 from;
	uint8_t			 pkt[DHCP_SYNC_MAXSIZE];
	union {
		struct cmsghdr	 hdr;
		uint8_t		 buf[CMSG_SPACE(sizeof(uint32_t))];
	} cm;
	struct msghdr		 msg;
	struct cmsghdr		*c;
	uint32_t		 ovfl;
	ssize_t			 n;
	enum dhcp_sync_drop	 why;
	int			 i;

	(void)ev;
	for (i = 0; i < 256; i++) {
		if ((n = sock_recvmsg(fd, pkt, sizeof(pkt), &from,
		    sizeof(from), cm.buf, sizeof(cm.buf), &msg)) == -1)
			break;
		for (c = CMSG_FIRSTHDR(&msg); c != NULL;
		    c = CMSG_NXTHDR(&msg, c))
			if (c->cmsg_level == SOL_SOCKET &&
			    c->cmsg_type == SO_RXQ_OVFL) {
				memcpy(&ovfl, CMSG_DATA(c), sizeof(ovfl));
				/* the kernel's running count */
				sy->sy_stats[SS_RCVDROPS] +=
				    (uint32_t)(ovfl - sy->sy_ovfl);
				sy->sy_ovfl = ovfl;
			}
		if (sy->sy_mcast_if != 0 &&
		    from.sin_addr.s_addr == sy->sy_mcast_addr.s_addr) {
			sy->sy_stats[SS_OWN]++;	/* our own, looped */
			continue;
		}
		sy->sy_stats[SS_RECEIVED]++;
		if ((why = dhcp_sync_decode(pkt, (size_t)n, sy->sy_key,
		    sy->sy_keylen, dsync_merge, env)) != DHCP_SYNC_OK) {
			sy->sy_drops[why]++;
			log_rl(&rl, LOG_WARNING, "sync: datagram from %s "
			    "dropped: %s", inet_ntoa(from.sin_addr),
			    dhcp_sync_drop_text(why));
			continue;
		}
		dsync_peer_heard(env, from.sin_addr, dhcp_sync_counter(pkt),
		    time(NULL));
	}
	server_commit(env);
}

void
dsync_close(struct dhcpd *env)
{
	struct dhcpd_sync	*sy = &env->env_sync;

	if (sy->sy_ev != NULL)
		event_free(sy->sy_ev);
	sy->sy_ev = NULL;
	if (sy->sy_fd != -1)
		(void)close(sy->sy_fd);
	sy->sy_fd = -1;
	explicit_bzero(sy->sy_key, sizeof(sy->sy_key));
}
