/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * dns_query() and dns_reply() on hostile bytes.  The input goes in as a
 * client's query; if taken, only its ID changed, and the same bytes
 * turned into a reply (QR set, the new ID) must be matched and get the
 * old ID back.  Then the input goes in as a backend's reply, once with
 * its own ID and once with the ID of an outstanding query for
 * www.example.com A, so the question checks and pointer walks run.  Each
 * refusal counts exactly one reason and leaves the bytes alone.  A
 * broken invariant aborts.
 */

#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"

#define CHECK(x)	do { if (!(x)) abort(); } while (0)
#define PKT_MAX		4096
#define SEED		0x5eed
#define NOW		1000000
#define TIMEOUT		2000

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static uint64_t	 drops(const struct dns_table *);
static void	 as_query(struct dns_table *, const uint8_t *, size_t);
static void	 as_reply(struct dns_table *, const uint8_t *, size_t, int);

static const uint8_t	 www_query[] = {
	0xab, 0xcd, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00,
	0x03, 'w', 'w', 'w', 0x07, 'e', 'x', 'a', 'm', 'p', 'l', 'e',
	0x03, 'c', 'o', 'm', 0x00,
	0x00, 0x01, 0x00, 0x01,
};

static struct dns_table		*table;	/* one for all inputs */
static struct sockaddr_in	 client, backend;
static uint8_t			 pkt[PKT_MAX];

static uint64_t
drops(const struct dns_table *t)
{
	const struct dns_stats	*s = dns_table_stats(t);

	return (s->ds_short + s->ds_notquery + s->ds_opcode +
	    s->ds_noquestion + s->ds_badname + s->ds_full + s->ds_notreply +
	    s->ds_unknown + s->ds_backend + s->ds_mismatch + s->ds_expired);
}

/* The input as a query; if taken, its own reply must come back. */
static void
as_query(struct dns_table *t, const uint8_t *data, size_t size)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sslen;
	uint64_t		 d = drops(t);
	unsigned int		 n = dns_table_count(t);
	uint16_t		 id;

	memcpy(pkt, data, size);
	if (dns_query(t, pkt, size, (struct sockaddr *)&client,
	    sizeof(client), (struct sockaddr *)&backend, sizeof(backend), NOW,
	    TIMEOUT, &id) == -1) {
		CHECK(dns_last_reason(t) != DNS_OK);
		CHECK(drops(t) == d + 1);
		CHECK(dns_table_count(t) == n);
		CHECK(memcmp(pkt, data, size) == 0);
		return;
	}
	CHECK(size >= DNS_HDRLEN && (data[2] & 0x80) == 0);
	CHECK(dns_last_reason(t) == DNS_OK && drops(t) == d);
	CHECK(dns_table_count(t) == n + 1);
	CHECK(((pkt[0] << 8) | pkt[1]) == id);
	CHECK(memcmp(pkt + 2, data + 2, size - 2) == 0);

	pkt[2] |= 0x80;
	CHECK(dns_reply(t, pkt, size, (struct sockaddr *)&backend,
	    sizeof(backend), NOW + 1, &ss, &sslen) == 0);
	CHECK(pkt[0] == data[0] && pkt[1] == data[1]);
	CHECK(sslen == sizeof(client) && memcmp(&ss, &client, sslen) == 0);
	CHECK(dns_table_count(t) == n);
}

/* The input as a reply, with its own ID or the outstanding query's. */
static void
as_reply(struct dns_table *t, const uint8_t *data, size_t size, int id)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sslen;
	uint64_t		 d = drops(t), r;
	unsigned int		 n = dns_table_count(t);

	memcpy(pkt, data, size);
	if (id != -1 && size >= 2) {
		pkt[0] = (uint8_t)(id >> 8);
		pkt[1] = (uint8_t)id;
	}
	r = dns_table_stats(t)->ds_replies;
	if (dns_reply(t, pkt, size, (size & 1) ? NULL :
	    (struct sockaddr *)&backend, sizeof(backend), NOW + 1, &ss,
	    &sslen) == -1) {
		CHECK(dns_last_reason(t) != DNS_OK);
		CHECK(drops(t) == d + 1);
		CHECK(dns_table_count(t) == n);
		CHECK(size < 2 || id == -1 || (pkt[0] == (uint8_t)(id >> 8) &&
		    pkt[1] == (uint8_t)id));
		CHECK(size < 2 || memcmp(pkt + 2, data + 2, size - 2) == 0);
		return;
	}
	CHECK(id != -1 || n > 0);
	CHECK(size >= DNS_HDRLEN && (data[2] & 0x80) != 0);
	CHECK(drops(t) == d && dns_table_stats(t)->ds_replies == r + 1);
	CHECK(dns_table_count(t) == n - 1);
	CHECK(pkt[0] == www_query[0] && pkt[1] == www_query[1]);
	CHECK(memcmp(pkt + 2, data + 2, size - 2) == 0);
	CHECK(sslen == sizeof(client) && memcmp(&ss, &client, sslen) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t		 q[sizeof(www_query)];
	uint16_t	 id;

	if (size > PKT_MAX)
		return (0);
	if (table == NULL) {
		client.sin_family = AF_INET;
		client.sin_port = htons(5353);
		client.sin_addr.s_addr = htonl(0xc0000207);
		backend.sin_family = AF_INET;
		backend.sin_port = htons(53);
		backend.sin_addr.s_addr = htonl(0xc6336401);
		if ((table = dns_table_new(4, SEED)) == NULL)
			abort();
	}

	as_query(table, data, size);

	memcpy(q, www_query, sizeof(q));
	CHECK(dns_query(table, q, sizeof(q), (struct sockaddr *)&client,
	    sizeof(client), (struct sockaddr *)&backend, sizeof(backend), NOW,
	    TIMEOUT, &id) == 0);
	as_reply(table, data, size, -1);
	if (dns_table_count(table) == 1)
		as_reply(table, data, size, id);

	/* Empty again for the next input; the IDs drawn differ, no matter. */
	(void)dns_expire(table, UINT64_MAX);
	CHECK(dns_table_count(table) == 0);
	return (0);
}
