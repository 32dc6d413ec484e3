/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * relayd dns: a query for www.example.com A built by hand has its ID
 * swapped and the reply gets it back; replies from nowhere, from another
 * backend, with another question or after the timeout are refused with
 * their counters; the table fills and drops; every malformed header and
 * question is refused for its reason; compression loops in a reply's
 * question end refused; IDs stay unique among outstanding queries.
 */

#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "dns.h"

#define PKT_MAX		512
#define SEED		0x5eed
#define TIMEOUT		2000
#define T0		1000000

/* www.example.com IN A, ID 0xabcd, RD (RFC 1035 4.1). */
static const uint8_t	 www_query[] = {
	0xab, 0xcd, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00,
	0x03, 'w', 'w', 'w', 0x07, 'e', 'x', 'a', 'm', 'p', 'l', 'e',
	0x03, 'c', 'o', 'm', 0x00,
	0x00, 0x01, 0x00, 0x01,
};

/* Its answer: QR RD RA, one A record 192.0.2.80 through a pointer. */
static const uint8_t	 www_reply[] = {
	0x00, 0x00, 0x81, 0x80, 0x00, 0x01, 0x00, 0x01,
	0x00, 0x00, 0x00, 0x00,
	0x03, 'w', 'w', 'w', 0x07, 'e', 'x', 'a', 'm', 'p', 'l', 'e',
	0x03, 'c', 'o', 'm', 0x00,
	0x00, 0x01, 0x00, 0x01,
	0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x0e, 0x10,
	0x00, 0x04, 192, 0, 2, 80,
};

struct fix {
	struct dns_table	*t;
	struct sockaddr_in	 client;
	struct sockaddr_in	 backend;
	struct sockaddr_in6	 client6;
};

static void	 sin_make(struct sockaddr_in *, const char *, uint16_t);
static size_t	 pkt_build(uint8_t *, uint16_t, uint16_t, uint16_t,
		    const char *, uint16_t, uint16_t);
static int	 query(struct fix *, uint8_t *, size_t, uint64_t, uint16_t *);
static int	 reply(struct fix *, uint8_t *, size_t, uint64_t);
static void	 set_id(uint8_t *, uint16_t);

static void
sin_make(struct sockaddr_in *sin, const char *a, uint16_t port)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	assert_int_equal(inet_pton(AF_INET, a, &sin->sin_addr), 1);
}

static void
set_id(uint8_t *p, uint16_t id)
{
	p[0] = (uint8_t)(id >> 8);
	p[1] = (uint8_t)id;
}

/* A header and one question for the dotted name; returns its length. */
static size_t
pkt_build(uint8_t *p, uint16_t id, uint16_t flags, uint16_t qdcount,
    const char *name, uint16_t qtype, uint16_t qclass)
{
	struct wbuf	 w;
	const char	*dot;
	size_t		 l;

	wbuf_init(&w, p, PKT_MAX);
	wbuf_put_u16(&w, id);
	wbuf_put_u16(&w, flags);
	wbuf_put_u16(&w, qdcount);
	wbuf_put_u16(&w, 0);
	wbuf_put_u16(&w, 0);
	wbuf_put_u16(&w, 0);
	while (*name != '\0') {
		dot = strchr(name, '.');
		l = dot ? (size_t)(dot - name) : strlen(name);
		wbuf_put_u8(&w, (uint8_t)l);
		wbuf_put_bytes(&w, name, l);
		name += l + (dot != NULL);
	}
	wbuf_put_u8(&w, 0);
	wbuf_put_u16(&w, qtype);
	wbuf_put_u16(&w, qclass);
	assert_false(w.w_err);
	return (w.w_len);
}

static int
query(struct fix *f, uint8_t *p, size_t len, uint64_t now, uint16_t *newid)
{
	return (dns_query(f->t, p, len, (struct sockaddr *)&f->client,
	    sizeof(f->client), (struct sockaddr *)&f->backend,
	    sizeof(f->backend), now, TIMEOUT, newid));
}

static int
reply(struct fix *f, uint8_t *p, size_t len, uint64_t now)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sslen;

	return (dns_reply(f->t, p, len, (struct sockaddr *)&f->backend,
	    sizeof(f->backend), now, &ss, &sslen));
}

static int
setup(void **state)
{
	struct fix	*f;

	f = calloc(1, sizeof(*f));
	assert_non_null(f);
	assert_non_null(f->t = dns_table_new(0, SEED));
	sin_make(&f->client, "192.0.2.7", 5353);
	sin_make(&f->backend, "198.51.100.1", 53);
	f->client6.sin6_family = AF_INET6;
	f->client6.sin6_port = htons(40000);
	assert_int_equal(inet_pton(AF_INET6, "2001:db8::7",
	    &f->client6.sin6_addr), 1);
	*state = f;
	return (0);
}

static int
teardown(void **state)
{
	struct fix	*f = *state;

	dns_table_free(f->t);
	free(f);
	return (0);
}

static void
test_www_query_gets_a_new_id_and_its_reply_the_old(
    void **state)
{
	struct fix		*f = *state;
	struct sockaddr_storage	 ss;
	socklen_t		 sslen;
	uint8_t			 q[sizeof(www_query)], r[sizeof(www_reply)];
	uint16_t		 newid;

	memcpy(q, www_query, sizeof(q));
	assert_int_equal(dns_query(f->t, q, sizeof(q),
	    (struct sockaddr *)&f->client6, sizeof(f->client6),
	    (struct sockaddr *)&f->backend, sizeof(f->backend), T0, TIMEOUT,
	    &newid), 0);
	assert_int_equal(dns_last_reason(f->t), DNS_OK);
	assert_int_equal((q[0] << 8) | q[1], newid);
	assert_memory_equal(q + 2, www_query + 2, sizeof(q) - 2);
	assert_int_equal(dns_table_count(f->t), 1);

	memcpy(r, www_reply, sizeof(r));
	set_id(r, newid);
	assert_int_equal(dns_reply(f->t, r, sizeof(r),
	    (struct sockaddr *)&f->backend, sizeof(f->backend), T0 + 5, &ss,
	    &sslen), 0);
	assert_int_equal(r[0], 0xab);
	assert_int_equal(r[1], 0xcd);
	assert_memory_equal(r + 2, www_reply + 2, sizeof(r) - 2);
	assert_int_equal(sslen, sizeof(f->client6));
	assert_memory_equal(&ss, &f->client6, sizeof(f->client6));
	assert_int_equal(dns_table_count(f->t), 0);
	assert_int_equal(dns_table_stats(f->t)->ds_queries, 1);
	assert_int_equal(dns_table_stats(f->t)->ds_replies, 1);

	/* The same reply again: the ID is no longer outstanding. */
	set_id(r, newid);
	assert_int_equal(reply(f, r, sizeof(r), T0 + 6), -1);
	assert_int_equal(dns_last_reason(f->t), DNS_DROP_UNKNOWN);
}

static void
test_reply_for_no_outstanding_id_is_refused(void **state)
{
	struct fix	*f = *state;
	uint8_t		 q[PKT_MAX], r[sizeof(www_reply)];
	size_t		 len;
	uint16_t	 newid;

	memcpy(r, www_reply, sizeof(r));
	set_id(r, 0x1234);
	assert_int_equal(reply(f, r, sizeof(r), T0), -1);
	assert_int_equal(dns_last_reason(f->t), DNS_DROP_UNKNOWN);

	len = pkt_build(q, 0x1234, 0x0100, 1, "www.example.com", 1, 1);
	assert_int_equal(query(f, q, len, T0, &newid), 0);
	set_id(r, (uint16_t)(newid + 1));
	assert_int_equal(reply(f, r, sizeof(r), T0), -1);
	assert_int_equal(dns_last_reason(f->t), DNS_DROP_UNKNOWN);
	assert_int_equal(dns_table_stats(f->t)->ds_unknown, 2);
	assert_memory_equal(r + 2, www_reply + 2, sizeof(r) - 2);
	assert_int_equal(dns_table_count(f->t), 1);
}

static void
test_reply_from_another_address_is_refused(
    void **state)
{
	struct fix		*f = *state;
	struct sockaddr_storage	 ss;
	struct sockaddr_in	 other;
	socklen_t		 sslen;
	uint8_t			 q[sizeof(www_query)], r[sizeof(www_reply)];
	uint16_t		 newid;

	memcpy(q, www_query, sizeof(q));
	assert_int_equal(query(f, q, sizeof(q), T0, &newid), 0);
	memcpy(r, www_reply, sizeof(r));
	set_id(r, newid);

	sin_make(&other, "198.51.100.2", 53);
	assert_int_equal(dns_reply(f->t, r, sizeof(r),
	    (struct sockaddr *)&other, sizeof(other), T0, &ss, &sslen), -1);
	assert_int_equal(dns_last_reason(f->t), DNS_DROP_BACKEND);
	sin_make(&other, "198.51.100.1", 5353);		/* same host, port */
	assert_int_equal(dns_reply(f->t, r, sizeof(r),
	    (struct sockaddr *)&other, sizeof(other), T0, &ss, &sslen), -1);
	assert_int_equal(dns_table_stats(f->t)->ds_backend, 2);
	assert_int_equal(dns_table_count(f->t), 1);

	assert_int_equal(reply(f, r, sizeof(r), T0), 0);
	assert_int_equal(r[0], 0xab);
}

static void
test_reply_with_another_question_is_refused(
    void **state)
{
	struct fix	*f = *state;
	uint8_t		 q[PKT_MAX], r[PKT_MAX];
	size_t		 len, rlen;
	uint16_t	 newid;

	len = pkt_build(q, 7, 0x0100, 1, "www.example.com", 28, 1);
	assert_int_equal(query(f, q, len, T0, &newid), 0);

	rlen = pkt_build(r, newid, 0x8180, 1, "www.example.org", 28, 1);
	assert_int_equal(reply(f, r, rlen, T0), -1);
	assert_int_equal(dns_last_reason(f->t), DNS_DROP_MISMATCH);
	rlen = pkt_build(r, newid, 0x8180, 1, "www.example.com", 1, 1);
	assert_int_equal(reply(f, r, rlen, T0), -1);
	rlen = pkt_build(r, newid, 0x8180, 1, "www.example.com", 28, 3);
	assert_int_equal(reply(f, r, rlen, T0), -1);
	rlen = pkt_build(r, newid, 0x8180, 1, "www.example.co", 28, 1);
	assert_int_equal(reply(f, r, rlen, T0), -1);
	rlen = pkt_build(r, newid, 0x8180, 0, "www.example.com", 28, 1);
	assert_int_equal(reply(f, r, rlen, T0), -1);	/* no question */
	rlen = pkt_build(r, newid, 0xa180, 1, "www.example.com", 28, 1);
	assert_int_equal(reply(f, r, rlen, T0), -1);	/* NOTIFY */
	assert_int_equal(dns_table_stats(f->t)->ds_mismatch, 6);
	assert_int_equal(dns_table_count(f->t), 1);
	assert_int_equal((r[0] << 8) | r[1], newid);

	/* Case differs (0x20 bit): the same name. */
	rlen = pkt_build(r, newid, 0x8180, 1, "WwW.ExAmPlE.cOm", 28, 1);
	assert_int_equal(reply(f, r, rlen, T0), 0);
	assert_int_equal((r[0] << 8) | r[1], 7);
	assert_int_equal(dns_table_stats(f->t)->ds_replies, 1);
}

static void
test_query_past_its_timeout_is_dropped(void **state)
{
	struct fix	*f = *state;
	uint8_t		 q[PKT_MAX], r[PKT_MAX];
	size_t		 len;
	uint64_t	 when;
	uint16_t	 a, b;

	assert_int_equal(dns_next_expiry(f->t, &when), -1);
	len = pkt_build(q, 1, 0x0100, 1, "a.example", 1, 1);
	assert_int_equal(query(f, q, len, T0, &a), 0);
	len = pkt_build(q, 2, 0x0100, 1, "b.example", 1, 1);
	assert_int_equal(query(f, q, len, T0 + 500, &b), 0);
	assert_int_equal(dns_next_expiry(f->t, &when), 0);
	assert_int_equal(when, T0 + TIMEOUT);

	assert_int_equal(dns_expire(f->t, T0 + TIMEOUT - 1), 0);
	assert_int_equal(dns_table_count(f->t), 2);
	assert_int_equal(dns_expire(f->t, T0 + TIMEOUT), 1);
	assert_int_equal(dns_table_count(f->t), 1);
	assert_int_equal(dns_table_stats(f->t)->ds_timeouts, 1);
	assert_int_equal(dns_next_expiry(f->t, &when), 0);
	assert_int_equal(when, T0 + 500 + TIMEOUT);

	len = pkt_build(r, a, 0x8180, 1, "a.example", 1, 1);
	assert_int_equal(reply(f, r, len, T0 + TIMEOUT), -1);
	assert_int_equal(dns_last_reason(f->t), DNS_DROP_UNKNOWN);

	/* Late, before any expiry ran: refused, and the query forgotten. */
	len = pkt_build(r, b, 0x8180, 1, "b.example", 1, 1);
	assert_int_equal(reply(f, r, len, T0 + 500 + TIMEOUT), -1);
	assert_int_equal(dns_last_reason(f->t), DNS_DROP_EXPIRED);
	assert_int_equal(dns_table_stats(f->t)->ds_expired, 1);
	assert_int_equal(dns_table_count(f->t), 0);
	assert_int_equal(dns_next_expiry(f->t, &when), -1);
	assert_int_equal(dns_expire(f->t, UINT64_MAX), 0);
}

static void
test_full_table_drops_the_query_and_counts_it(void **state)
{
	struct fix		*f = *state;
	struct dns_table	*t;
	uint8_t			 q[PKT_MAX], r[PKT_MAX];
	size_t			 len;
	uint16_t		 ids[3], id;
	int			 i;

	assert_non_null(t = dns_table_new(3, SEED));
	dns_table_free(f->t);
	f->t = t;
	len = pkt_build(q, 9, 0x0100, 1, "example", 1, 1);
	for (i = 0; i < 3; i++) {
		set_id(q, 9);
		assert_int_equal(query(f, q, len, T0, &ids[i]), 0);
	}
	set_id(q, 9);
	assert_int_equal(query(f, q, len, T0, &id), -1);
	assert_int_equal(dns_last_reason(t), DNS_DROP_FULL);
	assert_int_equal(dns_table_stats(t)->ds_full, 1);
	assert_int_equal((q[0] << 8) | q[1], 9);	/* left alone */

	len = pkt_build(r, ids[1], 0x8180, 1, "example", 1, 1);
	assert_int_equal(reply(f, r, len, T0), 0);
	len = pkt_build(q, 9, 0x0100, 1, "example", 1, 1);
	assert_int_equal(query(f, q, len, T0, &id), 0);
	assert_int_equal(dns_table_count(t), 3);
}

static void
test_ids_stay_unique_among_65536_outstanding(void **state)
{
	struct fix	*f = *state;
	uint8_t		*seen;
	uint8_t		 q[PKT_MAX], r[PKT_MAX];
	size_t		 len;
	uint16_t	 id, freed = 0;
	int		 i, inorder = 0;

	seen = calloc(DNS_TABLE_MAX, 1);
	assert_non_null(seen);
	len = pkt_build(q, 0, 0x0100, 1, "example", 1, 1);
	for (i = 0; i < DNS_TABLE_MAX; i++) {
		set_id(q, 0);
		assert_int_equal(query(f, q, len, T0, &id), 0);
		assert_int_equal(seen[id], 0);
		seen[id] = 1;
		inorder += (id == i);
		if (i == 1000)
			freed = id;
	}
	assert_true(inorder < 100);		/* shuffled, not counted */
	assert_int_equal(dns_table_count(f->t), DNS_TABLE_MAX);
	assert_int_equal(query(f, q, len, T0, &id), -1);
	assert_int_equal(dns_last_reason(f->t), DNS_DROP_FULL);

	/* The one ID given back is the only one left to draw. */
	len = pkt_build(r, freed, 0x8180, 1, "example", 1, 1);
	assert_int_equal(reply(f, r, len, T0), 0);
	len = pkt_build(q, 0, 0x0100, 1, "example", 1, 1);
	assert_int_equal(query(f, q, len, T0, &id), 0);
	assert_int_equal(id, freed);
	free(seen);
}

static void
test_same_seed_gives_same_ids_and_no_seed_works(void **state)
{
	struct dns_table	*a, *b;
	struct sockaddr_in	 c;
	uint8_t			 q[PKT_MAX];
	size_t			 len;
	uint16_t		 ia, ib;
	int			 i;

	(void)state;
	sin_make(&c, "192.0.2.1", 1);
	assert_non_null(a = dns_table_new(0, 42));
	assert_non_null(b = dns_table_new(0, 42));
	len = pkt_build(q, 0, 0x0100, 1, "example", 1, 1);
	for (i = 0; i < 100; i++) {
		assert_int_equal(dns_query(a, q, len, (struct sockaddr *)&c,
		    sizeof(c), NULL, 0, T0, TIMEOUT, &ia), 0);
		assert_int_equal(dns_query(b, q, len, (struct sockaddr *)&c,
		    sizeof(c), NULL, 0, T0, TIMEOUT, &ib), 0);
		assert_int_equal(ia, ib);
	}
	dns_table_free(a);
	dns_table_free(b);

	assert_non_null(a = dns_table_new(0, 0));	/* arc4random */
	for (i = 0; i < 100; i++)
		assert_int_equal(dns_query(a, q, len, (struct sockaddr *)&c,
		    sizeof(c), NULL, 0, T0, TIMEOUT, &ia), 0);
	assert_int_equal(dns_table_count(a), 100);
	dns_table_free(a);
}

static void
test_every_malformed_query_is_refused_for_its_reason(void **state)
{
	struct fix	*f = *state;
	uint8_t		 q[PKT_MAX], orig[PKT_MAX];
	char		 name[400];
	size_t		 len;
	uint16_t	 id;
	unsigned int	 op;
	int		 i;

#define REFUSED(l, why) do {						\
	memcpy(orig, q, sizeof(q));					\
	assert_int_equal(query(f, q, (l), T0, &id), -1);		\
	assert_int_equal(dns_last_reason(f->t), (why));			\
	assert_memory_equal(q, orig, sizeof(q));			\
} while (0)

	len = pkt_build(q, 1, 0x0100, 1, "www.example.com", 1, 1);
	REFUSED(0, DNS_DROP_SHORT);
	REFUSED(DNS_HDRLEN - 1, DNS_DROP_SHORT);
	REFUSED(DNS_HDRLEN, DNS_DROP_SHORT);		/* no question */
	REFUSED(DNS_HDRLEN + 5, DNS_DROP_SHORT);	/* mid-label */
	REFUSED(len - 4, DNS_DROP_SHORT);		/* no QTYPE */
	REFUSED(len - 1, DNS_DROP_SHORT);		/* half a QCLASS */

	len = pkt_build(q, 1, 0x8100, 1, "www.example.com", 1, 1);
	REFUSED(len, DNS_DROP_NOTQUERY);
	for (op = 0; op < 16; op++) {
		len = pkt_build(q, 1, (uint16_t)(op << 11), 1, "a", 1, 1);
		if (op == 0 || op == 4 || op == 5)
			assert_int_equal(query(f, q, len, T0, &id), 0);
		else
			REFUSED(len, DNS_DROP_OPCODE);
	}
	len = pkt_build(q, 1, 0x0100, 0, "www.example.com", 1, 1);
	REFUSED(len, DNS_DROP_NOQUESTION);

	/* Label types 01 and 10, a 64-byte label, a pointer. */
	len = pkt_build(q, 1, 0x0100, 1, "www.example.com", 1, 1);
	q[DNS_HDRLEN] = 0x40;
	REFUSED(len, DNS_DROP_BADNAME);
	q[DNS_HDRLEN] = 0x83;
	REFUSED(len, DNS_DROP_BADNAME);
	q[DNS_HDRLEN] = 0xc0;
	q[DNS_HDRLEN + 1] = 0x00;
	REFUSED(len, DNS_DROP_BADNAME);
	memset(name, 'x', 64);
	name[64] = '\0';
	len = pkt_build(q, 1, 0x0100, 1, name, 1, 1);
	REFUSED(len, DNS_DROP_BADNAME);
	name[63] = '\0';
	len = pkt_build(q, 1, 0x0100, 1, name, 1, 1);
	assert_int_equal(query(f, q, len, T0, &id), 0);

	/* 255 bytes in wire form pass, 256 do not. */
	for (i = 0; i < 3; i++) {
		memset(name + i * 64, 'n', 63);
		name[i * 64 + 63] = '.';
	}
	memset(name + 192, 'n', 61);
	name[253] = '\0';				/* 64*3 + 62 + 1 */
	len = pkt_build(q, 1, 0x0100, 1, name, 1, 1);
	assert_int_equal(len, DNS_HDRLEN + 255 + 4);
	assert_int_equal(query(f, q, len, T0, &id), 0);
	name[253] = 'n';
	name[254] = '\0';
	len = pkt_build(q, 1, 0x0100, 1, name, 1, 1);
	REFUSED(len, DNS_DROP_BADNAME);

	/* Two questions and trailing records: the first one is kept. */
	len = pkt_build(q, 1, 0x0100, 2, "www.example.com", 1, 1);
	q[len++] = 0;
	assert_int_equal(query(f, q, len, T0, &id), 0);

	assert_int_equal(dns_table_stats(f->t)->ds_short, 6);
	assert_int_equal(dns_table_stats(f->t)->ds_notquery, 1);
	assert_int_equal(dns_table_stats(f->t)->ds_opcode, 13);
	assert_int_equal(dns_table_stats(f->t)->ds_noquestion, 1);
	assert_int_equal(dns_table_stats(f->t)->ds_badname, 5);
	assert_int_equal(dns_table_stats(f->t)->ds_queries, 6);
#undef REFUSED
}

static void
test_every_malformed_reply_is_refused_for_its_reason(void **state)
{
	struct fix	*f = *state;
	uint8_t		 q[PKT_MAX], r[PKT_MAX];
	size_t		 len;
	uint16_t	 id;

	len = pkt_build(q, 1, 0x0100, 1, "www.example.com", 1, 1);
	assert_int_equal(query(f, q, len, T0, &id), 0);

	len = pkt_build(r, id, 0x8180, 1, "www.example.com", 1, 1);
	assert_int_equal(reply(f, r, DNS_HDRLEN - 1, T0), -1);
	assert_int_equal(dns_last_reason(f->t), DNS_DROP_SHORT);
	assert_int_equal(reply(f, r, len - 1, T0), -1);
	assert_int_equal(dns_last_reason(f->t), DNS_DROP_SHORT);
	assert_int_equal(reply(f, r, DNS_HDRLEN + 3, T0), -1);
	assert_int_equal(dns_last_reason(f->t), DNS_DROP_SHORT);
	len = pkt_build(r, id, 0x0180, 1, "www.example.com", 1, 1);
	assert_int_equal(reply(f, r, len, T0), -1);
	assert_int_equal(dns_last_reason(f->t), DNS_DROP_NOTREPLY);
	len = pkt_build(r, id, 0x8980, 1, "www.example.com", 1, 1);
	assert_int_equal(reply(f, r, len, T0), -1);
	assert_int_equal(dns_last_reason(f->t), DNS_DROP_OPCODE);
	len = pkt_build(r, id, 0x8180, 1, "www.example.com", 1, 1);
	r[DNS_HDRLEN] = 0x80;
	assert_int_equal(reply(f, r, len, T0), -1);
	assert_int_equal(dns_last_reason(f->t), DNS_DROP_BADNAME);

	assert_int_equal(dns_table_stats(f->t)->ds_short, 3);
	assert_int_equal(dns_table_stats(f->t)->ds_notreply, 1);
	assert_int_equal(dns_table_stats(f->t)->ds_opcode, 1);
	assert_int_equal(dns_table_stats(f->t)->ds_badname, 1);
	assert_int_equal(dns_table_count(f->t), 1);
}

static void
test_compression_loop_in_a_reply_question_is_refused(void **state)
{
	struct fix	*f = *state;
	uint8_t		 q[PKT_MAX], r[PKT_MAX];
	size_t		 len;
	uint16_t	 id;

	len = pkt_build(q, 1, 0x0100, 1, "a", 1, 1);
	assert_int_equal(query(f, q, len, T0, &id), 0);

	/* A pointer to itself. */
	len = pkt_build(r, id, 0x8180, 1, "", 1, 1);
	r[DNS_HDRLEN] = 0xc0;
	r[DNS_HDRLEN + 1] = DNS_HDRLEN;
	memcpy(r + DNS_HDRLEN + 2, "\0\1\0\1", 4);
	assert_int_equal(reply(f, r, DNS_HDRLEN + 6, T0), -1);
	assert_int_equal(dns_last_reason(f->t), DNS_DROP_BADNAME);

	/* A label, then a pointer back to it: a loop ended by the count. */
	memcpy(r + DNS_HDRLEN, "\1a\xc0\x0c\0\1\0\1", 8);
	assert_int_equal(reply(f, r, DNS_HDRLEN + 8, T0), -1);
	assert_int_equal(dns_last_reason(f->t), DNS_DROP_BADNAME);

	/* A pointer forward, past the end. */
	memcpy(r + DNS_HDRLEN, "\xc0\x30\0\1\0\1", 6);
	assert_int_equal(reply(f, r, DNS_HDRLEN + 6, T0), -1);
	assert_int_equal(dns_last_reason(f->t), DNS_DROP_BADNAME);
	memcpy(r + DNS_HDRLEN, "\xc0", 1);
	assert_int_equal(reply(f, r, DNS_HDRLEN + 1, T0), -1);
	assert_int_equal(dns_last_reason(f->t), DNS_DROP_SHORT);
	assert_int_equal(dns_table_stats(f->t)->ds_badname, 3);
	assert_int_equal(dns_table_count(f->t), 1);

	/*
	 * A pointer back into the header, whose ANCOUNT and NSCOUNT spell
	 * "\1a\0": followed, and the question is "a".
	 */
	r[6] = 0x01;
	r[7] = 'a';
	r[8] = 0x00;
	memcpy(r + DNS_HDRLEN, "\xc0\x06\0\1\0\1", 6);
	assert_int_equal(reply(f, r, DNS_HDRLEN + 6, T0), 0);
	assert_int_equal((r[0] << 8) | r[1], 1);
}

static void
test_every_reason_has_a_printable_name(void **state)
{
	int	 i, j;

	(void)state;
	for (i = 0; i < DNS_REASON_MAX; i++) {
		assert_non_null(dns_reason_name(i));
		for (j = 0; j < i; j++)
			assert_string_not_equal(dns_reason_name(i),
			    dns_reason_name(j));
	}
	assert_string_equal(dns_reason_name(DNS_REASON_MAX),
	    "unknown reason");
}

int
main(void)
{
	const struct CMUnitTest	 tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_www_query_gets_a_new_id_and_its_reply_the_old,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_reply_for_no_outstanding_id_is_refused,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_reply_from_another_address_is_refused,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_reply_with_another_question_is_refused,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_query_past_its_timeout_is_dropped,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_full_table_drops_the_query_and_counts_it,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_ids_stay_unique_among_65536_outstanding,
		    setup, teardown),
		cmocka_unit_test(
		    test_same_seed_gives_same_ids_and_no_seed_works),
		cmocka_unit_test_setup_teardown(
		    test_every_malformed_query_is_refused_for_its_reason,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_every_malformed_reply_is_refused_for_its_reason,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_compression_loop_in_a_reply_question_is_refused,
		    setup, teardown),
		cmocka_unit_test(test_every_reason_has_a_printable_name),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
