/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

#ifndef HAKIT_SASYNCD_CONF_H
#define HAKIT_SASYNCD_CONF_H

/*
 * sasyncd.conf (specs/sasyncd.md 5.1): OpenBSD's sasyncd.conf(5) grammar
 * plus two hakit settings, "replay margin" and "replay interval" (6.4).
 * parse.y builds a struct sasyncd_conf; conf_print.c prints it back in
 * canonical form for -nv.  Neither touches running state.
 */

#include <sys/queue.h>
#include <sys/socket.h>

#include <net/if.h>
#include <stdint.h>
#include <stdio.h>

#include "sasync_frame.h"

#define SASYNCD_CONF			"/etc/hakit/sasyncd.conf"
#define SASYNCD_SOCK			"/run/hakit/sasyncd.sock"
#define SASYNCD_DEFAULT_PORT		500
#define SASYNCD_DEFAULT_GROUP		"carp"
#define SASYNCD_DEFAULT_MARGIN		100000	/* replay margin, packets */
#define SASYNCD_MAX_MARGIN		2147483648U	/* 2^31 */
#define SASYNCD_DEFAULT_AEINTERVAL	1	/* s between replay updates */
#define SASYNCD_MAX_AEINTERVAL		3600
#define SASYNCD_NAMELEN			256	/* peer and listen names */

enum sasync_flushmode {
	FLUSH_STARTUP,		/* default: flush a new slave, pass flushes */
	FLUSH_SYNC,		/* only pass flushes on */
	FLUSH_NEVER
};

enum sasync_lock {
	LOCK_NONE,		/* follow the carp interface */
	LOCK_MASTER,
	LOCK_SLAVE
};

/* Default IKE_NONE: Linux has neither daemon (spec 5.2, hakit). */
enum sasync_ike {
	IKE_NONE,
	IKE_ISAKMPD,
	IKE_IKED,
	IKE_ALL
};

struct sasync_peer_conf {
	TAILQ_ENTRY(sasync_peer_conf) p_entry;
	char			 p_name[SASYNCD_NAMELEN]; /* as written */
	int			 p_numeric;	/* an address: may be accepted */
	/* Resolved at parse time, port c_port; p_sslen 0 when the name
	 * was not resolved (SASYNCD_PARSE_NODNS). */
	struct sockaddr_storage	 p_ss;
	socklen_t		 p_sslen;
};

struct sasyncd_conf {
	char			 c_carpif[IFNAMSIZ]; /* "" unless given */
	char			 c_group[IFNAMSIZ];  /* "carp" by default */
	/* "" = all addresses; else ADDR, HOST or IFNAME as written */
	char			 c_listen[SASYNCD_NAMELEN];
	int			 c_listen_af;	/* AF_UNSPEC, AF_INET(6) */
	uint16_t		 c_port;
	TAILQ_HEAD(, sasync_peer_conf) c_peers;
	int			 c_npeers;
	struct sasync_key	 c_key;		/* freezero()d on free */
	enum sasync_flushmode	 c_flushmode;
	enum sasync_lock	 c_lock;
	int			 c_skipslave;
	enum sasync_ike		 c_ike;
	uint32_t		 c_margin;	/* 1..2^31 */
	unsigned int		 c_aeinterval;	/* 1..3600 s */
};

/* Receives one "file:line: message" line, without a newline. */
typedef void sasyncd_errfn(void *arg, const char *msg);

#define SASYNCD_PARSE_PERMS	0x01	/* file: regular, root's, 0600 */
#define SASYNCD_PARSE_NODNS	0x02	/* leave host names unresolved */

/*
 * Reads path; with check_perms the file must be a regular file owned by
 * root with no group or other permission bits (spec 5.1), else it is
 * refused with a message naming the problem.  Errors and warnings go to
 * stderr as "file:line: message" (warnings as "file:line: warning: ...").
 * Every error is reported; NULL on any error.
 */
struct sasyncd_conf *sasyncd_parse(const char *path, int check_perms);

/* The same with SASYNCD_PARSE_* flags and messages to err(arg, line). */
struct sasyncd_conf *sasyncd_parse_file(const char *path, int flags,
	    sasyncd_errfn *err, void *arg);

/*
 * Reads a borrowed stream named name in messages (tests and fuzzers use
 * fmemopen); SASYNCD_PARSE_PERMS is ignored.
 */
struct sasyncd_conf *sasyncd_parse_stream(FILE *, const char *name,
	    int flags, sasyncd_errfn *err, void *arg);

/* Frees the peers and clears the key; NULL is fine. */
void	 sasyncd_conf_free(struct sasyncd_conf *);

/* 1 when s is a keyword of the grammar (a word to quote in printouts). */
int	 sasyncd_conf_keyword(const char *s);

/*
 * Writes the configuration for -nv, every default included.  The key is
 * never printed: it becomes the comment "# sharedkey: N bytes, not shown",
 * so the printout parses back to the same text once a sharedkey of the
 * same length is added to it.
 */
void	 sasyncd_conf_print(FILE *, const struct sasyncd_conf *);

#endif /* HAKIT_SASYNCD_CONF_H */
