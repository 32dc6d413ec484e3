/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

#ifndef RELAYD_RELAY_H
#define RELAYD_RELAY_H

/*
 * The relay processes (spec section 7, PRIV-4): prefork copies, each on
 * libevent, unprivileged, accepting on listening sockets the parent made
 * (IP_FREEBIND, so a backup listens on a VIP it does not hold yet).
 * A session is a client connection and at most one backend connection;
 * plain TCP moves through splice(2), everything else through buffers
 * that TLS and the HTTP parser can see.
 */

#include <sys/queue.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <stdint.h>
#include <time.h>

#include "conf_l7.h"
#include "filter.h"
#include "http.h"
#include "proc.h"
#include "relayd.h"

struct tls;
struct tls_config;

#define RELAY_BUFMAX		(256 * 1024)	/* IMP-9: output held back */
#define RELAY_READ		(64 * 1024)	/* one read or splice */
#define RELAY_MAXPIPELINE	32	/* requests awaiting responses */
#define RELAY_SPLICE_MIN	(32 * 1024)	/* a body worth a splice */
#define RELAY_POOL		4	/* PP-2: idle backends per session */
#define RELAY_CONNECT_TIMEOUT	10	/* s, per attempt */
/* A request head must be complete this long after its first byte: a
 * client trickling one byte a second is answered 408, not kept. */
#define RELAY_HEAD_TIMEOUT	10
/* A counter reaches relayctl this soon, not a statistics interval
 * later; a flood of bad requests still costs one message a second. */
#define RELAY_CTR_DELAY		1

/* One side of a session. */
struct rconn {
	int		 c_fd;
	struct tls	*c_tls;		/* NULL: plain */
	struct event	*c_rev;
	struct event	*c_wev;
	struct evbuffer	*c_in;		/* read, not yet used */
	struct evbuffer	*c_out;		/* to write */
	int		 c_eof;		/* read side ended */
	int		 c_wshut;	/* our write side shut */
	int		 c_paused;	/* reading held back (IMP-9) */
	uint64_t	 c_bytes_in;
	uint64_t	 c_bytes_out;
};

enum rsession_state {
	RS_ACCEPTED = 0,	/* TLS handshake or first request pending */
	RS_CONNECTING,		/* backend connect in progress */
	RS_RELAYING,
	RS_DONE
};

/* What the HTTP side waits for, per direction. */
enum rhttp_state {
	RH_HEAD = 0,		/* a head is being read */
	RH_BODY,		/* body bytes pass */
	RH_TUNNEL,		/* websocket: raw both ways */
	RH_CLOSE		/* nothing more in this direction */
};

struct rhttp_dir {
	enum rhttp_state d_state;
	enum http_body	 d_body;
	uint64_t	 d_left;	/* HTTP_BODY_LENGTH */
	struct http_chunked d_chunked;
};

struct relay_proc;
struct relay_gen;

struct rsession {
	TAILQ_ENTRY(rsession) s_entry;
	uint32_t	 s_id;
	struct relay_proc *s_rp;
	struct relay_gen *s_gen;	/* configuration it started with */
	const struct rd_relay *s_relay;
	struct rconn	 s_c;		/* client */
	struct rconn	 s_b;		/* backend */
	enum rsession_state s_state;
	struct sockaddr_storage s_src;
	struct sockaddr_storage s_dst;	/* what the client connected to */
	struct sockaddr_storage s_bss;	/* the backend */
	const struct rd_host *s_host;
	const struct rd_relay_fwd *s_fwd;
	int		 s_tries;
	time_t		 s_start;
	struct timespec	 s_last;	/* last byte either way */
	struct event	*s_timer;	/* idle and connect timeouts */
	int		 s_splice;	/* plain TCP through pipes */
	int		 s_pipe_cb[2];	/* client -> backend */
	int		 s_pipe_bc[2];
	size_t		 s_inpipe_cb;
	size_t		 s_inpipe_bc;
	int		 s_tls_done;	/* client handshake finished */
	int		 s_btls_done;
	/* HTTP */
	int		 s_http;
	struct rhttp_dir s_req;
	struct rhttp_dir s_resp;
	char		 s_methods[RELAY_MAXPIPELINE][HTTP_METHODLEN];
	int		 s_upgrades[RELAY_MAXPIPELINE];
	int		 s_npending;
	int		 s_close_after;	/* last response, then close */
	int		 s_closing;	/* close once the client has it all */
	int64_t		 s_head_start;	/* mono s: a partial head came */
	int		 s_bsplice;	/* a response body moves by splice */
	int		 s_qsplice;	/* a request body moves by splice */
	int		 s_qsplice_wait; /* ... once the backend took the rest */
	int		 s_tsock_wait;	/* REL-6: asked the parent */
	int		 s_inspect;	/* REL-18: listener index + 1 */
	/* PP-2: the table the backend came from (NULL: the relay's
	 * default), and idle backends of other tables */
	const char	*s_btable;
	struct rpooled {
		struct rconn	 p_c;
		const char	*p_table;
		const struct rd_relay_fwd *p_fwd;
		const struct rd_host *p_host;
		struct sockaddr_storage p_bss;
	}		 s_pool[RELAY_POOL];
	int		 s_npool;
	struct event	*s_hsev;	/* REL-18: backend handshake */
	struct flt_session s_flt;
	uint32_t	 s_hash;
};
TAILQ_HEAD(rsessions, rsession);

struct dns_table;

/* A DNS relay's state on one listener (REL-19). */
struct rdns {
	struct dns_table *d_table;
	int		 d_bfd[2];	/* to backends: IPv4, IPv6 */
	struct event	*d_bev[2];
};

/* A listening socket of a relay, shared with the other relay processes. */
struct rlisten {
	TAILQ_ENTRY(rlisten) l_entry;
	uint32_t	 l_relay;
	uint32_t	 l_idx;
	int		 l_fd;
	struct event	*l_ev;
	struct relay_proc *l_rp;
	const struct rd_relay *l_rl;
	struct relay_gen *l_gen;
	struct rdns	*l_dns;		/* DNS relays only */
};
TAILQ_HEAD(rlistens, rlisten);

/* A relay's TLS contexts in one configuration generation. */
struct rtls {
	TAILQ_ENTRY(rtls) t_entry;
	uint32_t	 t_relay;
	struct tls	*t_server[RELAYD_MAXLISTEN];	/* per listen line,
					   NULL: plain */
	struct tls_config *t_client;	/* NULL: no TLS to backends */
	struct inspect	*t_insp[RELAYD_MAXLISTEN];	/* REL-18 */
	struct chunked	 t_in;		/* material being received */
};
TAILQ_HEAD(rtlss, rtls);

/*
 * A configuration and what depends on it.  A reload makes a new one;
 * sessions keep theirs until they end (a reload closes none, PP-1).
 */
struct relay_gen {
	TAILQ_ENTRY(relay_gen) g_entry;
	uint32_t	 g_gen;
	struct relayd_conf *g_conf;
	struct rtlss	 g_tls;
	int		 g_refs;	/* sessions, plus 1 while current */
};
TAILQ_HEAD(relay_gens, relay_gen);

/* Sessions started and counters per relay since the last report. */
struct rstat {
	TAILQ_ENTRY(rstat) st_entry;
	uint32_t	 st_relay;
	uint64_t	 st_count;
	uint32_t	 st_active;
	uint64_t	 st_ctr[RELAY_NCTR];	/* enum relay_ctr */
};
TAILQ_HEAD(rstats, rstat);

struct relay_proc {
	struct event_base *rp_base;
	int		 rp_index;
	struct chan	 rp_parent;
	struct chan	 rp_pfe;
	struct relay_gens rp_gens;	/* current last */
	struct relay_gen *rp_cur;
	struct relay_gen *rp_pending;	/* received, not yet committed */
	struct rlistens	 rp_listens;	/* of the current generation */
	struct rlistens	 rp_newlistens;	/* of the pending one */
	struct rsessions rp_sessions;
	uint32_t	 rp_nextid;
	struct rstats	 rp_stats;
	struct event	*rp_stats_ev;
	struct event	*rp_ctr_ev;	/* a report soon after a count */
	struct event	*rp_sweep_ev;
	struct event	*rp_dns_ev;	/* DNS query timeouts */
	int		 rp_started;
};

/* relay.c */
__attribute__((__noreturn__)) void relay_main(struct relayd_conf *,
	    int index, int parentfd, int pfefd, int cafd, int verbose);
void	 relay_close(struct rsession *, const char *why);
/* One more of c for the session's relay; the pfe has it within
 * RELAY_CTR_DELAY seconds. */
void	 relay_count(struct rsession *, enum relay_ctr c);
void	 relay_touch(struct rsession *);
void	 relay_timer_arm(struct rsession *, int secs);
int64_t	 relay_mono(void);
int	 relay_connect_backend(struct rsession *, const char *table);
/* PP-2: between requests, the backend for table (NULL: the default);
 * a no-op while responses are pending or when it is the current one. */
void	 relay_backend_for(struct rsession *, const char *table);
void	 relay_flush(struct rsession *, struct rconn *);
void	 relay_read_enable(struct rsession *, struct rconn *, int on);
/* Moves the rest of a length-framed request (req) or response body
 * with splice(2); 0 when started, 1 when it can once the other side
 * has taken what it was sent, -1 when it cannot be (TLS...). */
int	 relay_body_splice(struct rsession *, int req);

/* relay_http.c: the HTTP side of a session's data. */
void	 relay_http_start(struct rsession *);
/* New bytes in c (client) or b (backend) input. */
void	 relay_http_input(struct rsession *, struct rconn *);
void	 relay_http_error(struct rsession *, int status, const char *why);
/* The spliced body is through: the next head. */
void	 relay_http_body_done(struct rsession *);
void	 relay_http_req_body_done(struct rsession *);

#endif /* RELAYD_RELAY_H */
