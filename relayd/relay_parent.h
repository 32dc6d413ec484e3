/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

#ifndef RELAYD_RELAY_PARENT_H
#define RELAYD_RELAY_PARENT_H

#include <sys/queue.h>

#include <netdb.h>
#include <stdint.h>

#include "ca.h"
#include "conf_l7.h"
#include "proc.h"
#include "relayd.h"

/* A listening socket the parent holds for the relay processes. */
struct relay_sock {
	TAILQ_ENTRY(relay_sock) rs_entry;
	char		 rs_key[NI_MAXHOST + 16];	/* "[addr]:port" */
	uint32_t	 rs_relay;
	uint32_t	 rs_idx;
	int		 rs_fd;
	int		 rs_reused;	/* the running configuration's */
};
TAILQ_HEAD(relay_socks, relay_sock);

struct relay_prep_tls {
	TAILQ_ENTRY(relay_prep_tls) pt_entry;
	uint32_t	 pt_relay;
	uint8_t		*pt_buf;	/* relay_tls_files_pack() */
	size_t		 pt_len;
};

/* What a configuration needs before it can be sent: made and read
 * first, so a reload that cannot have it changes nothing. */
struct relay_prep {
	struct relay_socks rp_socks;
	TAILQ_HEAD(, relay_prep_tls) rp_tls;
	struct ca_keys	 rp_cakeys;	/* the real keys, for the ca */
};

struct relay_parent {
	struct chan	 rpa_chans[RELAYD_PREFORK_MAX];
	pid_t		 rpa_pids[RELAYD_PREFORK_MAX];
	struct chan	 rpa_cas[RELAYD_PREFORK_MAX];	/* PRIV-5 */
	pid_t		 rpa_ca_pids[RELAYD_PREFORK_MAX];
	int		 rpa_n;
	struct relay_socks rpa_socks;	/* of the running configuration */
	struct event	*rpa_ticket_ev;	/* TLS-12: NULL until started */
	struct m_relay_ticket rpa_ticket;	/* the current key */
};

/* 0, or -1 with err set; on error nothing is left open. */
int	 relay_prepare(struct relay_parent *, const struct relayd_conf *,
	    const char *sslroot, struct relay_prep *, char *err,
	    size_t errlen);
void	 relay_prep_free(struct relay_prep *);
void	 relay_prep_abort(struct relay_parent *, struct relay_prep *);
/* Sends the configuration, its sockets and TLS material to every
 * relay process, then makes the prepared sockets the running set. */
void	 relay_send(struct relay_parent *, const struct relayd_conf *,
	    uint32_t gen, struct relay_prep *);
/* Closes the channels and sockets; stops the ticket keys, wiped. */
void	 relay_parent_close(struct relay_parent *);
/*
 * TLS-12: makes the session ticket key every relay process shares, and
 * a new one every RELAY_TLS_TICKET_LIFETIME / 4 on base; each goes to
 * every relay process, and the current one again after each
 * configuration (relay_send), so each process holds the same keys.
 */
void	 relay_tickets_start(struct relay_parent *, struct event_base *);

#endif /* RELAYD_RELAY_PARENT_H */
