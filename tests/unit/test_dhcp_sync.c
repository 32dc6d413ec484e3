/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * sync_wire: the two known answers of specs/dhcpd-sync.md section 2.5,
 * read from tests/unit/vectors/dhcp_sync.txt and checked against the
 * digests the spec prints; then the byte order of the host-order fields,
 * every drop reason of section 2.3 on a crafted datagram (re-signed when
 * the reason comes after the HMAC check), multi-TLV datagrams and the
 * time conversions.
 */

#include <arpa/inet.h>
#include <netinet/in.h>

#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "hmac.h"
#include "sync_wire.h"

#define VEC_FILE	"tests/unit/vectors/dhcp_sync.txt"
#define VEC_MAX		4
#define MAXLEASES	21	/* as many as DHCP_SYNC_MAXSIZE holds */
#define BUFLEN		DHCP_SYNC_MAXSIZE

struct vec {
	char			 v_name[32];
	uint8_t			 v_keyfile[256];
	size_t			 v_keyfilelen;
	int			 v_has_keyfile;
	char			 v_key[DHCP_SYNC_KEYLEN + 1];
	uint32_t		 v_counter;
	struct dhcp_sync_lease	 v_lease;
	uint8_t			 v_hmac[HMAC_SHA1_LEN];
	uint8_t			 v_dgram[DHCP_SYNC_LEN];
	size_t			 v_dgramlen;
};

/* What the callback saw. */
struct got {
	int			 n;
	int			 stop_after;	/* 0: never stop */
	struct dhcp_sync_lease	 l[MAXLEASES];
};

static struct vec	 vecs[VEC_MAX];
static int		 nvecs;

/* The digests as printed in the spec, so a damaged vector file fails. */
static const struct {
	const char	*name;
	const char	*hmac;
} spec_hmacs[] = {
	{ "keyfile",	"68782aeb74cd2f2f5610bac38d48a3a47e2f9479" },
	{ "nokey",	"534d51b7667e612d76ab2c831aef91e21be4c225" },
};

static const char spec_key[] = "4e1243bd22c66e76c2ba9eddc1f91394e57f9f83";

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

/* Decodes hex into out; returns the byte count or -1. */
static int
unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t	 n = 0;
	int	 hi, lo;

	while (*s != '\0') {
		if ((hi = hexval(s[0])) == -1 || (lo = hexval(s[1])) == -1 ||
		    n == cap)
			return (-1);
		out[n++] = (uint8_t)(hi << 4 | lo);
		s += 2;
	}
	return ((int)n);
}

static int
get_num(const char *s, uint32_t *v)
{
	char			*end;
	unsigned long long	 n;

	n = strtoull(s, &end, 10);
	if (*s == '\0' || *end != '\0' || n > UINT32_MAX)
		return (-1);
	*v = (uint32_t)n;
	return (0);
}

static int
vec_field(struct vec *v, const char *name, const char *val)
{
	uint32_t	 n;
	int		 len;

	if (strcmp(name, "keyfile") == 0) {
		if ((len = unhex(val, v->v_keyfile, sizeof(v->v_keyfile))) ==
		    -1)
			return (-1);
		v->v_keyfilelen = (size_t)len;
		v->v_has_keyfile = 1;
	} else if (strcmp(name, "key") == 0) {
		if (strlen(val) != DHCP_SYNC_KEYLEN)
			return (-1);
		memcpy(v->v_key, val, DHCP_SYNC_KEYLEN + 1);
	} else if (strcmp(name, "ip") == 0) {
		if (inet_pton(AF_INET, val, &v->v_lease.ip) != 1)
			return (-1);
	} else if (strcmp(name, "haddr") == 0) {
		if (unhex(val, v->v_lease.haddr,
		    sizeof(v->v_lease.haddr)) == -1)
			return (-1);
	} else if (strcmp(name, "hmac") == 0) {
		if (unhex(val, v->v_hmac, sizeof(v->v_hmac)) != HMAC_SHA1_LEN)
			return (-1);
	} else if (strcmp(name, "datagram") == 0) {
		if ((len = unhex(val, v->v_dgram, sizeof(v->v_dgram))) == -1)
			return (-1);
		v->v_dgramlen = (size_t)len;
	} else {
		if (get_num(val, &n) == -1)
			return (-1);
		if (strcmp(name, "counter") == 0)
			v->v_counter = n;
		else if (strcmp(name, "htype") == 0 && n <= UINT8_MAX)
			v->v_lease.htype = (uint8_t)n;
		else if (strcmp(name, "hlen") == 0 && n <= UINT8_MAX)
			v->v_lease.hlen = (uint8_t)n;
		else if (strcmp(name, "starts") == 0)
			v->v_lease.starts = n;
		else if (strcmp(name, "ends") == 0)
			v->v_lease.ends = n;
		else if (strcmp(name, "timestamp") == 0)
			v->v_lease.timestamp = n;
		else
			return (-1);
	}
	return (0);
}

/*
 * The test runs from the repository root; from elsewhere, the file is
 * found from the binary's own path (build/FLAVOUR/tests/unit/NAME).
 */
static FILE *
vec_open(void)
{
	char	 path[PATH_MAX], *slash;
	ssize_t	 n;
	int	 i;
	FILE	*f;

	if ((f = fopen(VEC_FILE, "r")) != NULL)
		return (f);
	n = readlink("/proc/self/exe", path, sizeof(path) - 1);
	if (n == -1)
		return (NULL);
	path[n] = '\0';
	for (i = 0; i < 5; i++) {
		if ((slash = strrchr(path, '/')) == NULL)
			return (NULL);
		*slash = '\0';
	}
	n = (ssize_t)strlen(path);
	if (snprintf(path + n, sizeof(path) - (size_t)n, "/%s", VEC_FILE) >=
	    (int)(sizeof(path) - (size_t)n))
		return (NULL);
	return (fopen(path, "r"));
}

static int
vec_load(void **state)
{
	char		 line[1024], *val;
	struct vec	*v = NULL;
	FILE		*f;
	size_t		 len;
	int		 lineno = 0;

	(void)state;
	if ((f = vec_open()) == NULL) {
		print_error("cannot open %s\n", VEC_FILE);
		return (-1);
	}
	nvecs = 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		len = strcspn(line, "\r\n");
		line[len] = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		if ((val = strchr(line, ' ')) == NULL)
			goto bad;
		*val++ = '\0';
		if (strcmp(line, "vector") == 0) {
			if (nvecs == VEC_MAX ||
			    strlen(val) >= sizeof(v->v_name))
				goto bad;
			v = &vecs[nvecs++];
			memset(v, 0, sizeof(*v));
			memcpy(v->v_name, val, strlen(val) + 1);
		} else if (v == NULL || vec_field(v, line, val) == -1)
			goto bad;
	}
	(void)fclose(f);
	return (0);
 bad:
	print_error("%s:%d: cannot parse\n", VEC_FILE, lineno);
	(void)fclose(f);
	return (-1);
}

static const struct vec *
vec_get(const char *name)
{
	static const struct vec	 none;
	int			 i;

	for (i = 0; i < nvecs; i++)
		if (strcmp(vecs[i].v_name, name) == 0)
			return (&vecs[i]);
	fail_msg("vector %s missing from %s", name, VEC_FILE);
	return (&none);	/* not reached */
}

static int
collect(const struct dhcp_sync_lease *l, void *arg)
{
	struct got	*g = arg;

	if (g->n < MAXLEASES)
		g->l[g->n] = *l;
	g->n++;
	if (g->stop_after != 0 && g->n >= g->stop_after)
		return (-1);
	return (0);
}

static enum dhcp_sync_drop
decode(const uint8_t *p, size_t len, const char *key, struct got *g)
{
	memset(g, 0, sizeof(*g));
	return (dhcp_sync_decode(p, len, key, key == NULL ? 0 : strlen(key),
	    collect, g));
}

/* The spec's lease, with its key. */
static void
spec_lease(struct dhcp_sync_lease *l)
{
	static const uint8_t	 mac[6] = { 0x00, 0x00, 0x5e, 0x00, 0x53,
	    0x01 };

	memset(l, 0, sizeof(*l));
	l->starts = 1700000000;
	l->ends = 1700003600;
	l->timestamp = 1700000000;
	assert_int_equal(inet_pton(AF_INET, "192.0.2.10", &l->ip), 1);
	l->htype = 1;
	l->hlen = 6;
	memcpy(l->haddr, mac, sizeof(mac));
}

static void
encode_spec(uint8_t out[DHCP_SYNC_LEN])
{
	struct dhcp_sync_lease	 l;

	spec_lease(&l);
	assert_int_equal(dhcp_sync_encode(out, spec_key, strlen(spec_key), 0,
	    &l), DHCP_SYNC_LEN);
}

static void
put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/*
 * Sets the header's length and re-signs the datagram with key, through
 * lib/hmac directly (not the code under test), so a test reaches the
 * checks after the HMAC.
 */
static void
resign(uint8_t *p, uint16_t length, const char *key)
{
	uint8_t	 mac[HMAC_SHA1_LEN];

	put_be16(p + 2, length);
	memset(p + 8, 0, HMAC_SHA1_LEN);
	assert_int_equal(hmac_sha1(key, strlen(key), p, length, mac), 0);
	memcpy(p + 8, mac, sizeof(mac));
}

/*
 * A datagram holding the LEASE TLVs of leases [0, n) then END, signed
 * with the spec key; returns its length.
 */
static uint16_t
build(uint8_t *p, const struct dhcp_sync_lease *ls, int n)
{
	uint8_t		 one[DHCP_SYNC_LEN];
	size_t		 off;
	int		 i;

	memset(p, 0, BUFLEN);
	encode_spec(one);
	memcpy(p, one, DHCP_SYNC_HDRLEN);
	off = DHCP_SYNC_HDRLEN;
	for (i = 0; i < n; i++) {
		assert_int_equal(dhcp_sync_encode(one, spec_key,
		    strlen(spec_key), 0, &ls[i]), DHCP_SYNC_LEN);
		memcpy(p + off, one + DHCP_SYNC_HDRLEN, DHCP_SYNC_LEASE_LEN);
		off += DHCP_SYNC_LEASE_LEN;
	}
	put_be16(p + off, DHCP_SYNC_TLV_END);
	put_be16(p + off + 2, DHCP_SYNC_END_LEN);
	off += DHCP_SYNC_END_LEN;
	resign(p, (uint16_t)off, spec_key);
	return ((uint16_t)off);
}

static void
three_leases(struct dhcp_sync_lease ls[3])
{
	int	 i;

	for (i = 0; i < 3; i++) {
		spec_lease(&ls[i]);
		ls[i].ip.s_addr = htonl(0xc000020a + (uint32_t)i);
		ls[i].haddr[5] = (uint8_t)(1 + i);
		ls[i].ends += (uint32_t)i;
	}
}

static void
assert_lease_equal(const struct dhcp_sync_lease *a,
    const struct dhcp_sync_lease *b)
{
	assert_int_equal(a->starts, b->starts);
	assert_int_equal(a->ends, b->ends);
	assert_int_equal(a->timestamp, b->timestamp);
	assert_int_equal(a->ip.s_addr, b->ip.s_addr);
	assert_int_equal(a->htype, b->htype);
	assert_int_equal(a->hlen, b->hlen);
	assert_memory_equal(a->haddr, b->haddr, sizeof(a->haddr));
}

/* Everything one spec vector states, both ways. */
static void
check_vector(const char *name, const char *spec)
{
	const struct vec	*v = vec_get(name);
	uint8_t			 want[HMAC_SHA1_LEN], out[DHCP_SYNC_LEN];
	char			 key[DHCP_SYNC_KEYLEN + 1];
	struct got		 g;
	size_t			 keylen;

	assert_int_equal(unhex(spec, want, sizeof(want)), HMAC_SHA1_LEN);
	assert_memory_equal(v->v_hmac, want, sizeof(want));
	assert_int_equal(v->v_dgramlen, DHCP_SYNC_LEN);
	assert_memory_equal(v->v_dgram + 8, want, sizeof(want));

	if (v->v_has_keyfile) {
		assert_int_equal(dhcp_sync_key(v->v_keyfile, v->v_keyfilelen,
		    key), 0);
		assert_string_equal(key, v->v_key);
	} else
		key[0] = '\0';	/* no key file: the empty key */
	keylen = strlen(key);

	assert_int_equal(dhcp_sync_encode(out, keylen ? key : NULL, keylen,
	    v->v_counter, &v->v_lease), DHCP_SYNC_LEN);
	assert_memory_equal(out, v->v_dgram, DHCP_SYNC_LEN);

	memset(&g, 0, sizeof(g));
	assert_int_equal(dhcp_sync_decode(v->v_dgram, v->v_dgramlen,
	    keylen ? key : NULL, keylen, collect, &g), DHCP_SYNC_OK);
	assert_int_equal(g.n, 1);
	assert_lease_equal(&g.l[0], &v->v_lease);
}

static void
test_vector_file_holds_both_spec_vectors(void **state)
{
	size_t	 i;

	(void)state;
	assert_int_equal(nvecs, 2);
	for (i = 0; i < sizeof(spec_hmacs) / sizeof(spec_hmacs[0]); i++)
		(void)vec_get(spec_hmacs[i].name);
	assert_true(vec_get("keyfile")->v_has_keyfile);
	assert_false(vec_get("nokey")->v_has_keyfile);
}

static void
test_key_file_test_newline_gives_the_spec_key(void **state)
{
	char	 key[DHCP_SYNC_KEYLEN + 1];

	(void)state;
	assert_int_equal(dhcp_sync_key("test\n", 5, key), 0);
	assert_string_equal(key, spec_key);
	assert_string_equal(vec_get("keyfile")->v_key, spec_key);
}

static void
test_key_is_lowercase_hex_of_sha1_over_the_whole_content(void **state)
{
	static const uint8_t	 bin[] = { 't', 'e', 's', 't', '\0', 'x' };
	char			 key[DHCP_SYNC_KEYLEN + 1], k2[sizeof(key)];
	size_t			 i;

	(void)state;
	/* SHA-1 of nothing */
	assert_int_equal(dhcp_sync_key("", 0, key), 0);
	assert_string_equal(key, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
	/* A NUL byte does not end the content. */
	assert_int_equal(dhcp_sync_key(bin, sizeof(bin), key), 0);
	assert_int_equal(dhcp_sync_key(bin, 4, k2), 0);
	assert_string_not_equal(key, k2);
	assert_int_equal(strlen(key), DHCP_SYNC_KEYLEN);
	for (i = 0; i < DHCP_SYNC_KEYLEN; i++)
		assert_non_null(strchr("0123456789abcdef", key[i]));
}

static void
test_spec_datagram_with_key_file_encodes_and_decodes(void **state)
{
	(void)state;
	check_vector("keyfile", spec_hmacs[0].hmac);
}

static void
test_spec_datagram_without_key_file_encodes_and_decodes(void **state)
{
	(void)state;
	check_vector("nokey", spec_hmacs[1].hmac);
}

static void
test_encoded_datagram_has_the_spec_layout(void **state)
{
	static const uint8_t	 end[4] = { 0x00, 0x00, 0x00, 0x04 };
	static const uint8_t	 zero[16];
	uint8_t			 p[DHCP_SYNC_LEN];

	(void)state;
	encode_spec(p);
	assert_int_equal(p[0], DHCP_SYNC_VERSION);
	assert_int_equal(p[1], 2);
	assert_int_equal(p[2], 0);
	assert_int_equal(p[3], 100);		/* length BE */
	assert_memory_equal(p + 28, zero, 4);	/* pad */
	assert_int_equal(p[32], 0);
	assert_int_equal(p[33], 1);		/* LEASE */
	assert_int_equal(p[34], 0);
	assert_int_equal(p[35], 64);
	assert_memory_equal(p + 36, "\x65\x53\xf1\x00", 4);	/* starts BE */
	assert_memory_equal(p + 56, zero, 12);	/* iabuf past the address */
	assert_memory_equal(p + 86, zero, 10);	/* TLV padding */
	assert_memory_equal(p + 96, end, sizeof(end));
}

static void
test_datagram_signed_with_another_key_is_dropped_for_hmac(void **state)
{
	const struct vec	*a = vec_get("keyfile"), *b = vec_get("nokey");
	struct got		 g;

	(void)state;
	assert_int_equal(decode(a->v_dgram, a->v_dgramlen, "", &g),
	    DHCP_SYNC_DROP_HMAC);
	assert_int_equal(decode(b->v_dgram, b->v_dgramlen, spec_key, &g),
	    DHCP_SYNC_DROP_HMAC);
	assert_int_equal(g.n, 0);
}

static void
test_counter_is_little_endian_and_ignored_on_receive(void **state)
{
	struct dhcp_sync_lease	 l;
	uint8_t			 p[DHCP_SYNC_LEN];
	struct got		 g;

	(void)state;
	spec_lease(&l);
	assert_int_equal(dhcp_sync_encode(p, spec_key, strlen(spec_key),
	    0x12345678, &l), DHCP_SYNC_LEN);
	assert_memory_equal(p + 4, "\x78\x56\x34\x12", 4);
	assert_int_equal(decode(p, sizeof(p), spec_key, &g), DHCP_SYNC_OK);
	assert_int_equal(g.n, 1);
	assert_lease_equal(&g.l[0], &l);
}

static void
test_address_length_is_written_little_endian(void **state)
{
	uint8_t	 p[DHCP_SYNC_LEN];

	(void)state;
	encode_spec(p);
	assert_memory_equal(p + 48, "\x04\x00\x00\x00", 4);
	assert_memory_equal(p + 52, "\xc0\x00\x02\x0a", 4);
}

static void
test_haddr_bytes_beyond_hlen_are_zeroed_on_send(void **state)
{
	static const uint8_t	 zero[16];
	struct dhcp_sync_lease	 l;
	uint8_t			 p[DHCP_SYNC_LEN], q[DHCP_SYNC_LEN];

	(void)state;
	spec_lease(&l);
	memset(l.haddr + 6, 0xee, sizeof(l.haddr) - 6);
	assert_int_equal(dhcp_sync_encode(p, spec_key, strlen(spec_key), 0,
	    &l), DHCP_SYNC_LEN);
	assert_memory_equal(p + 70, "\x00\x00\x5e\x00\x53\x01", 6);
	assert_memory_equal(p + 76, zero, 10);
	encode_spec(q);
	assert_memory_equal(p, q, DHCP_SYNC_LEN);
}

static void
test_haddr_and_iabuf_bytes_beyond_their_length_are_ignored(void **state)
{
	struct dhcp_sync_lease	 l;
	uint8_t			 p[DHCP_SYNC_LEN];
	struct got		 g;

	(void)state;
	encode_spec(p);
	memset(p + 56, 0xaa, 12);	/* iabuf past the address */
	memset(p + 76, 0xbb, 10);	/* haddr past hlen */
	memset(p + 86, 0xcc, 10);	/* TLV padding */
	resign(p, DHCP_SYNC_LEN, spec_key);
	assert_int_equal(decode(p, sizeof(p), spec_key, &g), DHCP_SYNC_OK);
	assert_int_equal(g.n, 1);
	spec_lease(&l);
	assert_lease_equal(&g.l[0], &l);
}

static void
test_hlen_above_16_is_sent_as_16(void **state)
{
	struct dhcp_sync_lease	 l;
	uint8_t			 p[DHCP_SYNC_LEN];
	struct got		 g;

	(void)state;
	spec_lease(&l);
	l.hlen = 200;
	memset(l.haddr, 0x42, sizeof(l.haddr));
	assert_int_equal(dhcp_sync_encode(p, spec_key, strlen(spec_key), 0,
	    &l), DHCP_SYNC_LEN);
	assert_int_equal(p[69], 16);
	assert_int_equal(decode(p, sizeof(p), spec_key, &g), DHCP_SYNC_OK);
	assert_int_equal(g.l[0].hlen, 16);
	assert_memory_equal(g.l[0].haddr, l.haddr, 16);
}

static void
test_datagram_shorter_than_the_header_is_dropped(void **state)
{
	uint8_t		 p[DHCP_SYNC_LEN];
	struct got	 g;

	(void)state;
	encode_spec(p);
	assert_int_equal(decode(p, DHCP_SYNC_HDRLEN - 1, spec_key, &g),
	    DHCP_SYNC_DROP_SHORT);
	assert_int_equal(decode(p, 0, spec_key, &g), DHCP_SYNC_DROP_SHORT);
	assert_int_equal(decode(p, 1, spec_key, &g), DHCP_SYNC_DROP_SHORT);
	assert_int_equal(g.n, 0);
}

static void
test_version_other_than_1_is_dropped(void **state)
{
	uint8_t		 p[DHCP_SYNC_LEN];
	struct got	 g;

	(void)state;
	encode_spec(p);
	p[0] = 2;
	resign(p, DHCP_SYNC_LEN, spec_key);
	assert_int_equal(decode(p, sizeof(p), spec_key, &g),
	    DHCP_SYNC_DROP_VERSION);
	p[0] = 0;
	assert_int_equal(decode(p, sizeof(p), spec_key, &g),
	    DHCP_SYNC_DROP_VERSION);
}

static void
test_af_other_than_inet_is_dropped(void **state)
{
	uint8_t		 p[DHCP_SYNC_LEN];
	struct got	 g;

	(void)state;
	encode_spec(p);
	p[1] = 24;	/* AF_INET6 as BSD numbers it */
	resign(p, DHCP_SYNC_LEN, spec_key);
	assert_int_equal(decode(p, sizeof(p), spec_key, &g),
	    DHCP_SYNC_DROP_AF);
	p[1] = 10;	/* Linux's AF_INET6 */
	assert_int_equal(decode(p, sizeof(p), spec_key, &g),
	    DHCP_SYNC_DROP_AF);
}

static void
test_version_is_checked_before_af(void **state)
{
	uint8_t		 p[DHCP_SYNC_LEN];
	struct got	 g;

	(void)state;
	encode_spec(p);
	p[0] = 9;
	p[1] = 9;
	assert_int_equal(decode(p, sizeof(p), spec_key, &g),
	    DHCP_SYNC_DROP_VERSION);
}

static void
test_length_beyond_the_datagram_is_dropped(void **state)
{
	uint8_t		 p[DHCP_SYNC_LEN];
	struct got	 g;

	(void)state;
	encode_spec(p);
	assert_int_equal(decode(p, DHCP_SYNC_LEN - 1, spec_key, &g),
	    DHCP_SYNC_DROP_LENGTH);
	put_be16(p + 2, 0xffff);
	assert_int_equal(decode(p, sizeof(p), spec_key, &g),
	    DHCP_SYNC_DROP_LENGTH);
	assert_int_equal(g.n, 0);
}

static void
test_length_inside_the_header_is_dropped(void **state)
{
	uint8_t		 p[DHCP_SYNC_LEN];
	struct got	 g;

	(void)state;
	encode_spec(p);
	resign(p, DHCP_SYNC_HDRLEN - 1, spec_key);
	assert_int_equal(decode(p, sizeof(p), spec_key, &g),
	    DHCP_SYNC_DROP_LENGTH);
	put_be16(p + 2, 0);
	assert_int_equal(decode(p, sizeof(p), spec_key, &g),
	    DHCP_SYNC_DROP_LENGTH);
}

static void
test_any_altered_byte_after_the_length_fails_the_hmac(void **state)
{
	uint8_t		 p[DHCP_SYNC_LEN];
	struct got	 g;
	size_t		 i;

	(void)state;
	for (i = 4; i < DHCP_SYNC_LEN; i++) {
		encode_spec(p);
		p[i] ^= 0x01;
		assert_int_equal(decode(p, sizeof(p), spec_key, &g),
		    DHCP_SYNC_DROP_HMAC);
		assert_int_equal(g.n, 0);
	}
}

static void
test_header_only_datagram_is_accepted_with_no_lease(void **state)
{
	uint8_t		 p[DHCP_SYNC_LEN];
	struct got	 g;

	(void)state;
	encode_spec(p);
	resign(p, DHCP_SYNC_HDRLEN, spec_key);
	assert_int_equal(decode(p, sizeof(p), spec_key, &g), DHCP_SYNC_OK);
	assert_int_equal(g.n, 0);
}

static void
test_tlv_length_below_4_is_dropped(void **state)
{
	uint8_t		 p[DHCP_SYNC_LEN];
	struct got	 g;
	uint16_t	 tlen;

	(void)state;
	for (tlen = 0; tlen < 4; tlen++) {
		encode_spec(p);
		put_be16(p + 34, tlen);
		resign(p, DHCP_SYNC_LEN, spec_key);
		assert_int_equal(decode(p, sizeof(p), spec_key, &g),
		    DHCP_SYNC_DROP_TLVLEN);
		/* the END TLV too */
		encode_spec(p);
		put_be16(p + 98, tlen);
		resign(p, DHCP_SYNC_LEN, spec_key);
		assert_int_equal(decode(p, sizeof(p), spec_key, &g),
		    DHCP_SYNC_DROP_TLVLEN);
		assert_int_equal(g.n, 0);
	}
}

static void
test_tlv_length_beyond_the_header_length_is_dropped(void **state)
{
	uint8_t		 p[DHCP_SYNC_LEN];
	struct got	 g;

	(void)state;
	encode_spec(p);
	put_be16(p + 34, DHCP_SYNC_LEASE_LEN + 5);	/* 4 bytes left */
	resign(p, DHCP_SYNC_LEN, spec_key);
	assert_int_equal(decode(p, sizeof(p), spec_key, &g),
	    DHCP_SYNC_DROP_TLVLEN);
	/* the LEASE fits in the datagram but not in `length' */
	encode_spec(p);
	resign(p, DHCP_SYNC_HDRLEN + DHCP_SYNC_LEASE_LEN - 1, spec_key);
	assert_int_equal(decode(p, sizeof(p), spec_key, &g),
	    DHCP_SYNC_DROP_TLVLEN);
	assert_int_equal(g.n, 0);
}

static void
test_tlv_header_cut_by_the_length_is_dropped(void **state)
{
	uint8_t		 p[DHCP_SYNC_LEN];
	struct got	 g;

	(void)state;
	encode_spec(p);
	resign(p, DHCP_SYNC_HDRLEN + 2, spec_key);
	assert_int_equal(decode(p, sizeof(p), spec_key, &g),
	    DHCP_SYNC_DROP_TLVLEN);
	/* END cut after its type */
	encode_spec(p);
	resign(p, DHCP_SYNC_LEN - 2, spec_key);
	assert_int_equal(decode(p, sizeof(p), spec_key, &g),
	    DHCP_SYNC_DROP_TLVLEN);
	assert_int_equal(g.n, 0);
}

static void
test_lease_tlv_shorter_than_54_is_dropped(void **state)
{
	uint8_t		 p[DHCP_SYNC_LEN];
	struct got	 g;
	uint16_t	 tlen;

	(void)state;
	for (tlen = 4; tlen < DHCP_SYNC_LEASE_MINLEN; tlen += 7) {
		encode_spec(p);
		put_be16(p + 34, tlen);
		resign(p, DHCP_SYNC_LEN, spec_key);
		assert_int_equal(decode(p, sizeof(p), spec_key, &g),
		    DHCP_SYNC_DROP_LEASELEN);
	}
	encode_spec(p);
	put_be16(p + 34, DHCP_SYNC_LEASE_MINLEN - 1);
	resign(p, DHCP_SYNC_LEN, spec_key);
	assert_int_equal(decode(p, sizeof(p), spec_key, &g),
	    DHCP_SYNC_DROP_LEASELEN);
	assert_int_equal(g.n, 0);
}

static void
test_lease_tlv_of_54_bytes_without_padding_is_accepted(void **state)
{
	struct dhcp_sync_lease	 l;
	uint8_t			 p[DHCP_SYNC_LEN];
	struct got		 g;
	size_t			 off = DHCP_SYNC_HDRLEN +
			    DHCP_SYNC_LEASE_MINLEN;

	(void)state;
	encode_spec(p);
	put_be16(p + 34, DHCP_SYNC_LEASE_MINLEN);
	put_be16(p + off, DHCP_SYNC_TLV_END);
	put_be16(p + off + 2, DHCP_SYNC_END_LEN);
	resign(p, (uint16_t)(off + DHCP_SYNC_END_LEN), spec_key);
	assert_int_equal(decode(p, off + DHCP_SYNC_END_LEN, spec_key, &g),
	    DHCP_SYNC_OK);
	assert_int_equal(g.n, 1);
	spec_lease(&l);
	assert_lease_equal(&g.l[0], &l);
}

static void
test_unknown_tlv_type_is_dropped(void **state)
{
	uint8_t		 p[DHCP_SYNC_LEN];
	struct got	 g;

	(void)state;
	encode_spec(p);
	put_be16(p + 32, 2);
	resign(p, DHCP_SYNC_LEN, spec_key);
	assert_int_equal(decode(p, sizeof(p), spec_key, &g),
	    DHCP_SYNC_DROP_TLVTYPE);
	put_be16(p + 32, 0x0100);	/* LEASE written little-endian */
	resign(p, DHCP_SYNC_LEN, spec_key);
	assert_int_equal(decode(p, sizeof(p), spec_key, &g),
	    DHCP_SYNC_DROP_TLVTYPE);
	assert_int_equal(g.n, 0);
}

static void
test_address_length_other_than_4_is_dropped(void **state)
{
	static const uint8_t	 bad[][4] = {
		{ 0x00, 0x00, 0x00, 0x04 },	/* a big-endian peer */
		{ 0x10, 0x00, 0x00, 0x00 },	/* 16: IPv6 */
		{ 0x00, 0x00, 0x00, 0x00 },
		{ 0xff, 0xff, 0xff, 0xff },
	};
	uint8_t			 p[DHCP_SYNC_LEN];
	struct got		 g;
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		encode_spec(p);
		memcpy(p + 48, bad[i], 4);
		resign(p, DHCP_SYNC_LEN, spec_key);
		assert_int_equal(decode(p, sizeof(p), spec_key, &g),
		    DHCP_SYNC_DROP_ADDRLEN);
		assert_int_equal(g.n, 0);
	}
}

static void
test_hlen_above_16_is_dropped(void **state)
{
	uint8_t		 p[DHCP_SYNC_LEN];
	struct got	 g;

	(void)state;
	encode_spec(p);
	p[69] = 17;
	resign(p, DHCP_SYNC_LEN, spec_key);
	assert_int_equal(decode(p, sizeof(p), spec_key, &g),
	    DHCP_SYNC_DROP_HLEN);
	p[69] = 16;
	resign(p, DHCP_SYNC_LEN, spec_key);
	assert_int_equal(decode(p, sizeof(p), spec_key, &g), DHCP_SYNC_OK);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.l[0].hlen, 16);
}

static void
test_several_lease_tlvs_are_all_delivered_in_order(void **state)
{
	struct dhcp_sync_lease	 ls[3];
	uint8_t			 p[BUFLEN];
	struct got		 g;
	uint16_t		 len;
	int			 i;

	(void)state;
	three_leases(ls);
	len = build(p, ls, 3);
	assert_int_equal(len, DHCP_SYNC_HDRLEN + 3 * DHCP_SYNC_LEASE_LEN +
	    DHCP_SYNC_END_LEN);
	assert_int_equal(decode(p, len, spec_key, &g), DHCP_SYNC_OK);
	assert_int_equal(g.n, 3);
	for (i = 0; i < 3; i++)
		assert_lease_equal(&g.l[i], &ls[i]);
}

static void
test_a_full_buffer_of_leases_is_accepted(void **state)
{
	struct dhcp_sync_lease	 ls[MAXLEASES];
	uint8_t			 p[BUFLEN];
	struct got		 g;
	uint16_t		 len;
	int			 i;

	(void)state;
	for (i = 0; i < MAXLEASES; i++) {
		spec_lease(&ls[i]);
		ls[i].ip.s_addr = htonl(0xc0000200 + (uint32_t)i);
	}
	len = build(p, ls, MAXLEASES);
	assert_true(len <= DHCP_SYNC_MAXSIZE);
	assert_true(len + DHCP_SYNC_LEASE_LEN > DHCP_SYNC_MAXSIZE);
	assert_int_equal(decode(p, len, spec_key, &g), DHCP_SYNC_OK);
	assert_int_equal(g.n, MAXLEASES);
	assert_int_equal(g.l[MAXLEASES - 1].ip.s_addr,
	    htonl(0xc0000200 + MAXLEASES - 1));
}

static void
test_bytes_after_the_length_are_ignored(void **state)
{
	uint8_t		 p[BUFLEN];
	struct got	 g;

	(void)state;
	memset(p, 0xff, sizeof(p));
	encode_spec(p);
	assert_int_equal(decode(p, sizeof(p), spec_key, &g), DHCP_SYNC_OK);
	assert_int_equal(g.n, 1);
	/* even a whole unsigned TLV */
	memcpy(p + DHCP_SYNC_LEN, p + DHCP_SYNC_HDRLEN, DHCP_SYNC_LEASE_LEN);
	assert_int_equal(decode(p, DHCP_SYNC_LEN + DHCP_SYNC_LEASE_LEN,
	    spec_key, &g), DHCP_SYNC_OK);
	assert_int_equal(g.n, 1);
}

static void
test_tlvs_after_end_are_ignored(void **state)
{
	struct dhcp_sync_lease	 ls[3];
	uint8_t			 p[BUFLEN];
	struct got		 g;
	uint16_t		 len;

	(void)state;
	three_leases(ls);
	len = build(p, ls, 1);
	/* END, then what would be an unknown type, all signed */
	memset(p + len, 0x77, 40);
	resign(p, (uint16_t)(len + 40), spec_key);
	assert_int_equal(decode(p, len + 40, spec_key, &g), DHCP_SYNC_OK);
	assert_int_equal(g.n, 1);
	/* and a LEASE after END is not delivered */
	len = build(p, ls, 1);
	memcpy(p + len, p + DHCP_SYNC_HDRLEN, DHCP_SYNC_LEASE_LEN);
	resign(p, (uint16_t)(len + DHCP_SYNC_LEASE_LEN), spec_key);
	assert_int_equal(decode(p, len + DHCP_SYNC_LEASE_LEN, spec_key, &g),
	    DHCP_SYNC_OK);
	assert_int_equal(g.n, 1);
}

static void
test_datagram_without_end_is_accepted_up_to_the_length(void **state)
{
	struct dhcp_sync_lease	 ls[3];
	uint8_t			 p[BUFLEN];
	struct got		 g;
	uint16_t		 len;

	(void)state;
	three_leases(ls);
	len = build(p, ls, 2) - DHCP_SYNC_END_LEN;
	resign(p, len, spec_key);
	assert_int_equal(decode(p, len, spec_key, &g), DHCP_SYNC_OK);
	assert_int_equal(g.n, 2);
	assert_lease_equal(&g.l[1], &ls[1]);
}

static void
test_bad_tlv_after_a_good_one_delivers_nothing(void **state)
{
	struct dhcp_sync_lease	 ls[3];
	uint8_t			 p[BUFLEN];
	struct got		 g;
	uint16_t		 len;
	size_t			 second = DHCP_SYNC_HDRLEN +
			    DHCP_SYNC_LEASE_LEN;

	(void)state;
	three_leases(ls);

	len = build(p, ls, 3);
	p[second + 37] = 17;			/* hlen of the second */
	resign(p, len, spec_key);
	assert_int_equal(decode(p, len, spec_key, &g), DHCP_SYNC_DROP_HLEN);
	assert_int_equal(g.n, 0);

	len = build(p, ls, 3);
	put_be16(p + second + 64, 9);		/* type of the third */
	resign(p, len, spec_key);
	assert_int_equal(decode(p, len, spec_key, &g),
	    DHCP_SYNC_DROP_TLVTYPE);
	assert_int_equal(g.n, 0);

	len = build(p, ls, 2);
	put_be16(p + second + 2, 70);		/* runs past length */
	resign(p, len, spec_key);
	assert_int_equal(decode(p, len, spec_key, &g),
	    DHCP_SYNC_DROP_TLVLEN);
	assert_int_equal(g.n, 0);
}

static void
test_first_bad_tlv_gives_the_drop_reason(void **state)
{
	struct dhcp_sync_lease	 ls[3];
	uint8_t			 p[BUFLEN];
	struct got		 g;
	uint16_t		 len;
	size_t			 second = DHCP_SYNC_HDRLEN +
			    DHCP_SYNC_LEASE_LEN;

	(void)state;
	three_leases(ls);
	len = build(p, ls, 3);
	p[second + 16] = 6;			/* addr len of the second */
	put_be16(p + second + 64, 9);		/* type of the third */
	resign(p, len, spec_key);
	assert_int_equal(decode(p, len, spec_key, &g),
	    DHCP_SYNC_DROP_ADDRLEN);
}

static void
test_callback_returning_nonzero_stops_the_delivery(void **state)
{
	struct dhcp_sync_lease	 ls[3];
	uint8_t			 p[BUFLEN];
	struct got		 g;
	uint16_t		 len;

	(void)state;
	three_leases(ls);
	len = build(p, ls, 3);
	memset(&g, 0, sizeof(g));
	g.stop_after = 2;
	assert_int_equal(dhcp_sync_decode(p, len, spec_key, strlen(spec_key),
	    collect, &g), DHCP_SYNC_OK);
	assert_int_equal(g.n, 2);
	/* no callback: validation only */
	assert_int_equal(dhcp_sync_decode(p, len, spec_key, strlen(spec_key),
	    NULL, NULL), DHCP_SYNC_OK);
}

static void
test_decode_leaves_the_datagram_untouched(void **state)
{
	uint8_t		 p[DHCP_SYNC_LEN], q[DHCP_SYNC_LEN];
	struct got	 g;

	(void)state;
	encode_spec(p);
	memcpy(q, p, sizeof(q));
	assert_int_equal(decode(p, sizeof(p), spec_key, &g), DHCP_SYNC_OK);
	assert_memory_equal(p, q, sizeof(p));
	/* twice: the HMAC field was not zeroed in place */
	assert_int_equal(decode(p, sizeof(p), spec_key, &g), DHCP_SYNC_OK);
}

static void
test_drop_names_are_the_counter_keys(void **state)
{
	static const char *const	 names[DHCP_SYNC_DROP_MAX] = {
		"ok", "short", "version", "af", "length", "hmac", "tlvlen",
		"leaselen", "tlvtype", "addrlen", "hlen"
	};
	int				 i;

	(void)state;
	for (i = 0; i < DHCP_SYNC_DROP_MAX; i++)
		assert_string_equal(dhcp_sync_drop_name(i), names[i]);
	assert_string_equal(dhcp_sync_drop_name(DHCP_SYNC_DROP_MAX),
	    "unknown");
}

static void
test_every_drop_reason_has_its_own_words(void **state)
{
	int	 i, j;

	(void)state;
	assert_string_equal(dhcp_sync_drop_text(DHCP_SYNC_DROP_SHORT),
	    "datagrams shorter than the header");
	assert_string_equal(dhcp_sync_drop_text(DHCP_SYNC_DROP_HMAC),
	    "bad HMAC");
	for (i = 0; i < DHCP_SYNC_DROP_MAX; i++) {
		assert_non_null(dhcp_sync_drop_text(i));
		assert_true(strlen(dhcp_sync_drop_text(i)) > 0);
		for (j = 0; j < i; j++)
			assert_string_not_equal(dhcp_sync_drop_text(i),
			    dhcp_sync_drop_text(j));
	}
	assert_non_null(dhcp_sync_drop_text(DHCP_SYNC_DROP_MAX));
}

static void
test_time_out_sends_infinite_as_0x7fffffff(void **state)
{
	(void)state;
	assert_int_equal(dhcp_sync_time_out(DHCP_SYNC_INFINITE), 0x7fffffff);
	assert_int_equal(dhcp_sync_time_out(1700000000), 1700000000);
	assert_int_equal(dhcp_sync_time_out(0), 0);
}

static void
test_time_out_clamps_negative_and_beyond_u32_times(void **state)
{
	(void)state;
	assert_int_equal(dhcp_sync_time_out(-1), 0);
	assert_int_equal(dhcp_sync_time_out((time_t)INT32_MIN), 0);
	/* 2038 to 2106 fits in a u32 */
	assert_int_equal(dhcp_sync_time_out((time_t)0x80000000LL),
	    0x80000000U);
	assert_int_equal(dhcp_sync_time_out((time_t)UINT32_MAX), UINT32_MAX);
	/* beyond: infinite, whatever the lease table's infinity is */
	assert_int_equal(dhcp_sync_time_out((time_t)UINT32_MAX + 1),
	    DHCP_SYNC_INFINITE);
	assert_int_equal(dhcp_sync_time_out((time_t)INT64_MAX),
	    DHCP_SYNC_INFINITE);
}

static void
test_time_in_widens_unsigned_past_2038(void **state)
{
	(void)state;
	assert_true(sizeof(time_t) >= 8);
	assert_true(dhcp_sync_time_in(0x80000000U) == (time_t)0x80000000LL);
	assert_true(dhcp_sync_time_in(0xffffffffU) > 0);
	assert_true(dhcp_sync_time_in(0xffffffffU) == (time_t)4294967295LL);
	assert_true(dhcp_sync_time_in(1700000000) == 1700000000);
	assert_true(dhcp_sync_time_in(0) == 0);
}

static void
test_time_in_keeps_infinite(void **state)
{
	(void)state;
	assert_true(dhcp_sync_time_in(0x7fffffff) == DHCP_SYNC_INFINITE);
	assert_int_equal(dhcp_sync_time_out(dhcp_sync_time_in(0x7fffffff)),
	    0x7fffffff);
	assert_int_equal(dhcp_sync_time_out(dhcp_sync_time_in(0xfffffffe)),
	    0xfffffffe);
}

static void
test_infinite_bootp_lease_travels_intact(void **state)
{
	struct dhcp_sync_lease	 l;
	uint8_t			 p[DHCP_SYNC_LEN];
	struct got		 g;

	(void)state;
	spec_lease(&l);
	l.ends = dhcp_sync_time_out(DHCP_SYNC_INFINITE);
	assert_int_equal(dhcp_sync_encode(p, spec_key, strlen(spec_key), 7,
	    &l), DHCP_SYNC_LEN);
	assert_memory_equal(p + 40, "\x7f\xff\xff\xff", 4);
	assert_int_equal(decode(p, sizeof(p), spec_key, &g), DHCP_SYNC_OK);
	assert_true(dhcp_sync_time_in(g.l[0].ends) == DHCP_SYNC_INFINITE);
}

static void
test_a_hello_is_a_valid_datagram_with_no_lease(void **state)
{
	uint8_t		 p[DHCP_SYNC_HELLO_LEN];
	struct got	 g;

	(void)state;
	assert_int_equal(dhcp_sync_encode_hello(p, spec_key,
	    strlen(spec_key), 7), DHCP_SYNC_HELLO_LEN);
	/* header length 36, END at 32 */
	assert_int_equal(p[2] << 8 | p[3], DHCP_SYNC_HELLO_LEN);
	assert_int_equal(p[32] << 24 | p[33] << 16 | p[34] << 8 | p[35], 4);
	assert_int_equal(decode(p, sizeof(p), spec_key, &g), DHCP_SYNC_OK);
	assert_int_equal(g.n, 0);
	assert_int_equal(decode(p, sizeof(p), "", &g), DHCP_SYNC_DROP_HMAC);
}

static void
test_the_counter_is_read_little_endian(void **state)
{
	uint8_t		 p[DHCP_SYNC_HELLO_LEN];

	(void)state;
	assert_int_equal(dhcp_sync_encode_hello(p, "", 0, 0x12345678),
	    DHCP_SYNC_HELLO_LEN);
	assert_int_equal(p[4], 0x78);
	assert_int_equal(dhcp_sync_counter(p), 0x12345678);
}

int
main(void)
{
	const struct CMUnitTest	 tests[] = {
		cmocka_unit_test(test_vector_file_holds_both_spec_vectors),
		cmocka_unit_test(
		    test_key_file_test_newline_gives_the_spec_key),
		cmocka_unit_test(
		    test_key_is_lowercase_hex_of_sha1_over_the_whole_content),
		cmocka_unit_test(
		    test_spec_datagram_with_key_file_encodes_and_decodes),
		cmocka_unit_test(
		    test_spec_datagram_without_key_file_encodes_and_decodes),
		cmocka_unit_test(test_encoded_datagram_has_the_spec_layout),
		cmocka_unit_test(
		    test_datagram_signed_with_another_key_is_dropped_for_hmac),
		cmocka_unit_test(
		    test_counter_is_little_endian_and_ignored_on_receive),
		cmocka_unit_test(test_address_length_is_written_little_endian),
		cmocka_unit_test(
		    test_haddr_bytes_beyond_hlen_are_zeroed_on_send),
		cmocka_unit_test(
		    test_haddr_and_iabuf_bytes_beyond_their_length_are_ignored),
		cmocka_unit_test(test_hlen_above_16_is_sent_as_16),
		cmocka_unit_test(
		    test_datagram_shorter_than_the_header_is_dropped),
		cmocka_unit_test(test_version_other_than_1_is_dropped),
		cmocka_unit_test(test_af_other_than_inet_is_dropped),
		cmocka_unit_test(test_version_is_checked_before_af),
		cmocka_unit_test(test_length_beyond_the_datagram_is_dropped),
		cmocka_unit_test(test_length_inside_the_header_is_dropped),
		cmocka_unit_test(
		    test_any_altered_byte_after_the_length_fails_the_hmac),
		cmocka_unit_test(
		    test_header_only_datagram_is_accepted_with_no_lease),
		cmocka_unit_test(test_tlv_length_below_4_is_dropped),
		cmocka_unit_test(
		    test_tlv_length_beyond_the_header_length_is_dropped),
		cmocka_unit_test(test_tlv_header_cut_by_the_length_is_dropped),
		cmocka_unit_test(test_lease_tlv_shorter_than_54_is_dropped),
		cmocka_unit_test(
		    test_lease_tlv_of_54_bytes_without_padding_is_accepted),
		cmocka_unit_test(test_unknown_tlv_type_is_dropped),
		cmocka_unit_test(test_address_length_other_than_4_is_dropped),
		cmocka_unit_test(test_hlen_above_16_is_dropped),
		cmocka_unit_test(
		    test_several_lease_tlvs_are_all_delivered_in_order),
		cmocka_unit_test(test_a_full_buffer_of_leases_is_accepted),
		cmocka_unit_test(test_bytes_after_the_length_are_ignored),
		cmocka_unit_test(test_tlvs_after_end_are_ignored),
		cmocka_unit_test(
		    test_datagram_without_end_is_accepted_up_to_the_length),
		cmocka_unit_test(
		    test_bad_tlv_after_a_good_one_delivers_nothing),
		cmocka_unit_test(test_first_bad_tlv_gives_the_drop_reason),
		cmocka_unit_test(
		    test_callback_returning_nonzero_stops_the_delivery),
		cmocka_unit_test(test_decode_leaves_the_datagram_untouched),
		cmocka_unit_test(test_drop_names_are_the_counter_keys),
		cmocka_unit_test(test_every_drop_reason_has_its_own_words),
		cmocka_unit_test(test_time_out_sends_infinite_as_0x7fffffff),
		cmocka_unit_test(
		    test_time_out_clamps_negative_and_beyond_u32_times),
		cmocka_unit_test(test_time_in_widens_unsigned_past_2038),
		cmocka_unit_test(test_time_in_keeps_infinite),
		cmocka_unit_test(test_infinite_bootp_lease_travels_intact),
		cmocka_unit_test(test_a_hello_is_a_valid_datagram_with_no_lease),
		cmocka_unit_test(test_the_counter_is_read_little_endian),
	};

	return (cmocka_run_group_tests(tests, vec_load, NULL));
}
