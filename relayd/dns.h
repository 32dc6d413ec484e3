/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

#ifndef HAKIT_RELAYD_DNS_H
#define HAKIT_RELAYD_DNS_H

/*
 * The DNS relay's message logic (REL-19, PRO-3), without I/O.
 *
 * A client's query goes to a backend with its 16-bit ID swapped for a
 * random one that no other outstanding query of the table holds; the
 * table remembers the client, its ID, the backend and the question.  A
 * backend's reply is matched by that ID and the address it came from, its
 * question must be the query's (RFC 1035 4.1.1, RFC 5452 section 9.1:
 * a blind spoofer must also guess the name), then the client's ID goes
 * back in and the caller sends it to the client.  Queries outstanding
 * longer than the relay's session timeout are dropped.
 *
 * The header (RFC 1035 4.1.1), 12 bytes, big-endian:
 *
 *	ID(16) | QR(1) OPCODE(4) AA TC RD RA Z AD CD RCODE(4) |
 *	QDCOUNT(16) | ANCOUNT(16) | NSCOUNT(16) | ARCOUNT(16)
 *
 * then the question: QNAME (labels of 1-63 bytes, 255 bytes in all with
 * their length bytes and the root), QTYPE(16), QCLASS(16).  Only the
 * header and the first question are read; the rest passes untouched.
 * Time is an argument, in milliseconds.
 */

#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

#define DNS_HDRLEN		12
#define DNS_MAXNAME		255	/* wire form, length bytes and root */
#define DNS_MAXLABEL		63
#define DNS_MAXPTRS		16	/* compression pointers in a reply's
					   question name */
#define DNS_TABLE_MAX		65536	/* outstanding queries: one per ID */

#define DNS_OPCODE_QUERY	0
#define DNS_OPCODE_NOTIFY	4
#define DNS_OPCODE_UPDATE	5

/* Why a packet was refused; dns_reason_name() prints each. */
enum dns_reason {
	DNS_OK = 0,
	DNS_DROP_SHORT,		/* below the header or mid-question */
	DNS_DROP_NOTQUERY,	/* query with QR set */
	DNS_DROP_OPCODE,	/* opcode other than QUERY, NOTIFY, UPDATE */
	DNS_DROP_NOQUESTION,	/* QDCOUNT 0 */
	DNS_DROP_BADNAME,	/* label, length, label type or pointer */
	DNS_DROP_FULL,		/* table holds its maximum */
	DNS_DROP_NOTREPLY,	/* reply with QR clear */
	DNS_DROP_UNKNOWN,	/* reply for no outstanding ID */
	DNS_DROP_BACKEND,	/* reply from another address than asked */
	DNS_DROP_MISMATCH,	/* reply's opcode or question differs */
	DNS_DROP_EXPIRED,	/* reply after the query's timeout */
	DNS_REASON_MAX
};

/* One counter per refusal reason, and what went through. */
struct dns_stats {
	uint64_t	 ds_queries;	/* queries forwarded */
	uint64_t	 ds_replies;	/* replies handed back */
	uint64_t	 ds_timeouts;	/* entries dropped by dns_expire */
	uint64_t	 ds_short;
	uint64_t	 ds_notquery;
	uint64_t	 ds_opcode;
	uint64_t	 ds_noquestion;
	uint64_t	 ds_badname;
	uint64_t	 ds_full;
	uint64_t	 ds_notreply;
	uint64_t	 ds_unknown;
	uint64_t	 ds_backend;
	uint64_t	 ds_mismatch;
	uint64_t	 ds_expired;
};

struct dns_table;

/*
 * A table of at most max outstanding queries (0 or above DNS_TABLE_MAX
 * means DNS_TABLE_MAX).  seed 0 draws IDs from arc4random(3); any other
 * seed gives a repeatable sequence, for tests and fuzzing only.
 * Returns NULL when out of memory.
 */
struct dns_table *dns_table_new(unsigned int max, uint64_t seed);
void		 dns_table_free(struct dns_table *);

/*
 * A client's query: checks the header and the question and, on success,
 * writes a fresh ID over pkt's and stores it in *newid; the query is
 * outstanding until its reply or now_ms + timeout_ms.  backend, the
 * address the caller sends it to, may be NULL: its reply is then taken
 * from any address.  Returns 0, or -1 with pkt unchanged, the reason
 * counted and kept for dns_last_reason().
 */
int		 dns_query(struct dns_table *, uint8_t *pkt, size_t len,
		    const struct sockaddr *client, socklen_t clientlen,
		    const struct sockaddr *backend, socklen_t backendlen,
		    uint64_t now_ms, uint64_t timeout_ms, uint16_t *newid);

/*
 * A backend's reply from address from (NULL: not checked): matches it to
 * its query, writes the client's ID back into pkt, fills *client and
 * *clientlen with the address to send it to and forgets the query.
 * Returns 0, or -1 with pkt unchanged and the reason counted.  A reply
 * from another address or with another question leaves the query
 * outstanding (the real reply may still come); a late one drops it.
 */
int		 dns_reply(struct dns_table *, uint8_t *pkt, size_t len,
		    const struct sockaddr *from, socklen_t fromlen,
		    uint64_t now_ms, struct sockaddr_storage *client,
		    socklen_t *clientlen);

/* Drops the queries whose timeout has passed; returns how many. */
unsigned int	 dns_expire(struct dns_table *, uint64_t now_ms);

/*
 * The earliest deadline into *when, for the caller's timer: 0, or -1 when
 * nothing is outstanding.  (Not const: RB_MIN takes a mutable head.)
 */
int		 dns_next_expiry(struct dns_table *, uint64_t *when);

unsigned int	 dns_table_count(const struct dns_table *);
const struct dns_stats *dns_table_stats(const struct dns_table *);
enum dns_reason	 dns_last_reason(const struct dns_table *);
const char	*dns_reason_name(enum dns_reason);

#endif /* HAKIT_RELAYD_DNS_H */
