/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

#ifndef RELAYD_PROC_H
#define RELAYD_PROC_H

/*
 * relayd's processes and the channels between them.  OpenBSD re-executes
 * relayd for each child (-P/-I) so that each gets a fresh address space;
 * hakit forks before any secret or peer input exists (the parent has
 * only parsed its own file), which gives the same separation without a
 * second exec, and each child drops to the unprivileged user at once.
 */

#include <stddef.h>
#include <stdint.h>

#include "msg.h"

struct event_base;
struct event;
struct relayd_conf;

struct chan;
typedef void chan_dispatch(struct chan *, struct msg *, void *);

struct chan {
	int		 ch_fd;
	const char	*ch_peer;	/* "parent", "pfe", "hce" */
	struct event	*ch_ev;
	chan_dispatch	*ch_dispatch;
	void		*ch_arg;
	struct msg	 ch_msg;
	/* Reassembly of a configuration sent as text chunks. */
	char		*ch_text;
	size_t		 ch_textlen;
};

/* Watches fd; a closed or broken peer is fatal (as OpenBSD's proc). */
int	 chan_init(struct chan *, struct event_base *, int fd,
	    const char *peer, chan_dispatch *, void *arg);
void	 chan_close(struct chan *);
/* Sends one message; a failure is fatal: the peer is gone. */
void	 chan_send(struct chan *, uint32_t type, const void *, size_t);
/* The same with a descriptor (the receiver gets its own copy). */
void	 chan_send_fd(struct chan *, uint32_t type, const void *, size_t,
	    int fd);
/*
 * A buffer longer than one message (TLS material, keys): chunks of
 * struct m_relay_tls and the bytes, in order.  The buffer and the
 * message copy are the caller's to wipe; this wipes its own.
 */
void	 chan_send_chunked(struct chan *, uint32_t type, uint32_t gen,
	    uint32_t relay, const uint8_t *, size_t);

/* Its reassembly. */
#define CHAN_MAXCHUNKED	(64 * 1024 * 1024)
struct chunked {
	uint8_t		*cb_buf;	/* NULL: none under way */
	size_t		 cb_total;
	size_t		 cb_have;
	uint32_t	 cb_gen;
};
/*
 * Feeds one chunk; a chunk at offset 0 starts a buffer when none is
 * under way.  1 when the buffer is whole, 0 while more is due, -1 for a
 * short message, a chunk out of order or of another generation, a
 * total over CHAN_MAXCHUNKED, or no memory.
 */
int	 chunked_add(struct chunked *, const struct msg *);
/* Wipes and frees the buffer; cb is ready for the next one. */
void	 chunked_free(struct chunked *);

/* Sends conf as its printed text (M_CFG_TEXT chunks, then M_CFG_END
 * carrying gen). */
void	 chan_send_conf(struct chan *, const struct relayd_conf *,
	    uint32_t gen);
/*
 * Feeds an M_CFG_TEXT or M_CFG_END message.  On M_CFG_END returns the
 * parsed configuration (and its generation in *gen); NULL while text is
 * still arriving.  A text that does not parse is fatal: the parent
 * checked it, so the child cannot go on.
 */
struct relayd_conf *chan_recv_conf(struct chan *, const struct msg *,
	    uint32_t *gen);
/* M_LOG_VERBOSE: sets the verbosity and returns it, or -1 (bad size). */
int	 chan_recv_verbose(const struct msg *);

/* After conf_merge_state(): fills the holes of carried buckets. */
void	 rdr_carry_over(struct relayd_conf *newc,
	    const struct relayd_conf *oldc);

/* The unprivileged user: drops to it, keeping no capability. */
void	 proc_drop(const char *title);

/* pfe.c, hce_proc.c: a child's main loop; never returns. */
__attribute__((__noreturn__)) void pfe_main(struct relayd_conf *,
	    int parentfd, int hcefd, const int *relayfds, int nrelays,
	    const char *sockpath, int verbose);
__attribute__((__noreturn__)) void hce_main(struct relayd_conf *,
	    int parentfd, int pfefd, int verbose);

#endif /* RELAYD_PROC_H */
