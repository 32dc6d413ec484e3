/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

#ifndef HAKIT_PFSYNC_WIRE_H
#define HAKIT_PFSYNC_WIRE_H

/*
 * pfsync version 6 on the wire (specs/pfsync.md sections 2-4), without
 * I/O: structures in host order, encoders into a struct wbuf, and a
 * parser that walks a packet and hands each message to a callback.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct wbuf;

#define PFSYNC_PROTO		240
#define PFSYNC_GROUP		"224.0.0.240"
#define PFSYNC_VERSION		6
#define PFSYNC_TTL		255
#define PFSYNC_TOS		0x10
#define PFSYNC_DFLT_MTU		1500
#define PFSYNC_MAXUPD		128

#define PFSYNC_HDRLEN		20
#define PFSYNC_SUBHDRLEN	4
#define PFSYNC_STATELEN		264
#define PFSYNC_UPDCLEN		84
#define PFSYNC_REFLEN		12	/* INS_ACK, UPD_REQ, DEL_C */
#define PFSYNC_CLRLEN		20
#define PFSYNC_BUSLEN		12
#define PFSYNC_TDBLEN		52
#define PFSYNC_PEERLEN		32
#define PFSYNC_KEYLEN		40

enum pfsync_action {
	PFSYNC_ACT_CLR = 0,
	PFSYNC_ACT_OINS = 1,
	PFSYNC_ACT_INS_ACK = 2,
	PFSYNC_ACT_OUPD = 3,
	PFSYNC_ACT_UPD_C = 4,
	PFSYNC_ACT_UPD_REQ = 5,
	PFSYNC_ACT_DEL = 6,
	PFSYNC_ACT_DEL_C = 7,
	PFSYNC_ACT_INS_F = 8,
	PFSYNC_ACT_DEL_F = 9,
	PFSYNC_ACT_BUS = 10,
	PFSYNC_ACT_OTDB = 11,
	PFSYNC_ACT_EOF = 12,
	PFSYNC_ACT_INS = 13,
	PFSYNC_ACT_UPD = 14,
	PFSYNC_ACT_TDB = 15,
	PFSYNC_ACT_MAX = 16
};

#define PFSYNC_BUS_START	1
#define PFSYNC_BUS_END		2

/* BSD address families as pfsync carries them */
#define PFSYNC_AF_INET		2
#define PFSYNC_AF_INET6		24

#define PF_IN			1
#define PF_OUT			2

/* state_flags */
#define PFSTATE_ALLOWOPTS	0x0001
#define PFSTATE_SLOPPY		0x0002
#define PFSTATE_PFLOW		0x0004
#define PFSTATE_NOSYNC		0x0008
#define PFSTATE_ACK		0x0010
#define PFSTATE_NODF		0x0020
#define PFSTATE_SETTOS		0x0040
#define PFSTATE_RANDOMID	0x0080
#define PFSTATE_SCRUB_TCP	0x0100
#define PFSTATE_SETPRIO		0x0200

/* BSD TCP states (pf peer states) */
#define PF_TCPS_CLOSED		0
#define PF_TCPS_LISTEN		1
#define PF_TCPS_SYN_SENT	2
#define PF_TCPS_SYN_RECEIVED	3
#define PF_TCPS_ESTABLISHED	4
#define PF_TCPS_CLOSE_WAIT	5
#define PF_TCPS_FIN_WAIT_1	6
#define PF_TCPS_CLOSING		7
#define PF_TCPS_LAST_ACK	8
#define PF_TCPS_FIN_WAIT_2	9
#define PF_TCPS_TIME_WAIT	10
#define PF_TCPS_PROXY_SRC	11
#define PF_TCPS_PROXY_DST	12
/* UDP and other protocols */
#define PFUDPS_NO_TRAFFIC	0
#define PFUDPS_SINGLE		1
#define PFUDPS_MULTIPLE		2

/* PFTM timeout indexes (section 4.4) */
enum pftm {
	PFTM_TCP_FIRST_PACKET, PFTM_TCP_OPENING, PFTM_TCP_ESTABLISHED,
	PFTM_TCP_CLOSING, PFTM_TCP_FIN_WAIT, PFTM_TCP_CLOSED,
	PFTM_UDP_FIRST_PACKET, PFTM_UDP_SINGLE, PFTM_UDP_MULTIPLE,
	PFTM_ICMP_FIRST_PACKET, PFTM_ICMP_ERROR_REPLY,
	PFTM_OTHER_FIRST_PACKET, PFTM_OTHER_SINGLE, PFTM_OTHER_MULTIPLE,
	PFTM_FRAG, PFTM_INTERVAL, PFTM_ADAPTIVE_START, PFTM_ADAPTIVE_END,
	PFTM_SRC_NODE, PFTM_TS_DIFF, PFTM_MAX
};

struct pfsync_peer {
	uint16_t	 scrub_flags;	/* pfss_flags */
	uint8_t		 scrub_ttl;
	uint8_t		 scrub_flag;	/* 0x01 = scrub data valid */
	uint32_t	 scrub_ts_mod;
	uint32_t	 seqlo;
	uint32_t	 seqhi;
	uint32_t	 seqdiff;
	uint16_t	 max_win;
	uint16_t	 mss;
	uint8_t		 state;
	uint8_t		 wscale;
};

struct pfsync_key {
	uint8_t		 addr[2][16];	/* IPv4 in the first 4 bytes */
	uint16_t	 port[2];	/* network order, as on the wire */
	uint16_t	 rdomain;
	uint8_t		 af;		/* BSD numbering, 0 = the state's */
};

#define PFSYNC_KEY_WIRE		0
#define PFSYNC_KEY_STACK	1

struct pfsync_state {
	uint64_t	 id;
	char		 ifname[16];	/* NUL-terminated after decoding */
	struct pfsync_key key[2];
	struct pfsync_peer src;
	struct pfsync_peer dst;
	uint8_t		 rt_addr[16];
	uint32_t	 rule;
	uint32_t	 anchor;
	uint32_t	 nat_rule;
	uint32_t	 creation;	/* age, seconds */
	uint32_t	 expire;	/* seconds remaining */
	uint64_t	 packets[2];
	uint64_t	 bytes[2];
	uint32_t	 creatorid;
	int32_t		 rtableid[2];
	uint16_t	 max_mss;
	uint8_t		 af;
	uint8_t		 proto;
	uint8_t		 direction;
	uint8_t		 log;
	uint8_t		 rt;
	uint8_t		 timeout;
	uint8_t		 sync_flags;
	uint8_t		 updates;
	uint8_t		 min_ttl;
	uint8_t		 set_tos;
	uint16_t	 state_flags;
	uint8_t		 set_prio[2];
};

struct pfsync_upd_c {
	uint64_t	 id;
	struct pfsync_peer src;
	struct pfsync_peer dst;
	uint32_t	 creatorid;
	uint32_t	 expire;
	uint8_t		 timeout;
	uint8_t		 state_flags;
};

/* INS_ACK, UPD_REQ and DEL_C carry only this. */
struct pfsync_ref {
	uint64_t	 id;
	uint32_t	 creatorid;
};

struct pfsync_clr {
	char		 ifname[16];	/* NUL-terminated after decoding */
	uint32_t	 creatorid;
};

struct pfsync_bus {
	uint32_t	 creatorid;
	uint32_t	 endtime;
	uint8_t		 status;
};

/* Counters, with OpenBSD's netstat -s -p pfsync names. */
struct pfsync_stats {
	uint64_t	 ipackets;
	uint64_t	 ipackets6;
	uint64_t	 badif;
	uint64_t	 badttl;
	uint64_t	 hdrops;	/* shorter than the header */
	uint64_t	 badver;
	uint64_t	 badact;
	uint64_t	 badlen;
	uint64_t	 badauth;	/* source not an allowed peer */
	uint64_t	 stale;
	uint64_t	 badval;
	uint64_t	 badstate;
	uint64_t	 opackets;
	uint64_t	 opackets6;
	uint64_t	 onomem;
	uint64_t	 oerrors;
	/* hakit's own */
	uint64_t	 skipped;	/* deprecated or unknown sections skipped */
	uint64_t	 tdb;		/* TDB/OTDB messages ignored */
	uint64_t	 ratelimited;	/* imports over the rate limit */
	uint64_t	 unsupported;	/* valid but not representable (af-to,
					   seqdiff, synproxy, icmp...) */
	uint64_t	 rcvdrops;	/* packets the kernel dropped on our
					   full receive queue */
};

/*
 * The parser's callbacks, one per kind of message.  A NULL callback
 * ignores that kind.  A callback returning -1 stops the walk.
 */
struct pfsync_handler {
	int	(*ph_state)(uint8_t action, const struct pfsync_state *, void *);
	int	(*ph_upd_c)(const struct pfsync_upd_c *, void *);
	int	(*ph_ref)(uint8_t action, const struct pfsync_ref *, void *);
	int	(*ph_clr)(const struct pfsync_clr *, void *);
	int	(*ph_bus)(const struct pfsync_bus *, void *);
	int	(*ph_tdb)(uint8_t action, void *);
};

/*
 * Walks one pfsync packet (after the IP header).  Checks version and
 * length, trims bytes past the header's len, and for each section checks
 * that len*4 covers the structure, skips deprecated and unknown actions
 * when len and count are both non-zero, and stops at the first section
 * that overflows the packet.  Counts every drop in stats (badver,
 * badlen, badact, hdrops).  Returns the number of messages delivered, or
 * -1 if the packet was dropped before any message.  Never reads past len.
 */
int	 pfsync_parse(const uint8_t *, size_t, struct pfsync_stats *,
	    const struct pfsync_handler *, void *);

/*
 * Section 4.5: 0 if the state may be imported, else -1 with *reason set
 * to "badval" or "badstate" (the counter it belongs to) and *why to a
 * human explanation.
 */
int	 pfsync_state_check(const struct pfsync_state *, const char **reason,
	    const char **why);

/* Encoders; they append to w and leave w->w_err set on overflow. */
void	 pfsync_put_header(struct wbuf *, uint16_t len);
void	 pfsync_put_subheader(struct wbuf *, uint8_t action, uint16_t count);
void	 pfsync_put_state(struct wbuf *, const struct pfsync_state *);
void	 pfsync_put_upd_c(struct wbuf *, const struct pfsync_upd_c *);
void	 pfsync_put_ref(struct wbuf *, const struct pfsync_ref *);
void	 pfsync_put_clr(struct wbuf *, const struct pfsync_clr *);
void	 pfsync_put_bus(struct wbuf *, const struct pfsync_bus *);
/* Rewrites the header's len field once the packet is complete. */
void	 pfsync_set_len(uint8_t *pkt, uint16_t len);

/* Size of one message of this action as we send it, 0 if never sent. */
size_t	 pfsync_msg_len(uint8_t action);
const char *pfsync_action_name(uint8_t action);

/* The UPD_C view of a full state. */
void	 pfsync_state_to_upd_c(const struct pfsync_state *,
	    struct pfsync_upd_c *);

/*
 * Writes a human decoding of one packet, one line per message, the
 * decoder tcpdump lacks (pfsyncctl decode).  Returns 0, or -1 if the
 * packet was dropped as a whole.
 */
int	 pfsync_print(FILE *, const uint8_t *, size_t);

#endif /* HAKIT_PFSYNC_WIRE_H */
