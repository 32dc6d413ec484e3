/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * carp_wire: the known answers of specs/carp.md section 13, read from
 * tests/unit/vectors/carp.txt (written and cross-checked by gen_carp.py),
 * then the receive checks one by one and the takeover frames field by
 * field.
 */

#include <sys/socket.h>

#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "carp_wire.h"

#define VEC_FILE	"tests/unit/vectors/carp.txt"
#define VEC_MAX		16
#define VEC_ADDRS	16

struct vec {
	char		 v_name[32];
	char		 v_pass[64];
	int		 v_has_pass;
	int		 v_truncated;
	uint8_t		 v_key[CARP_KEY_LEN];
	int		 v_vhid;
	int		 v_advbase;
	int		 v_advskew;
	int		 v_demote;
	struct addr	 v_addrs[VEC_ADDRS];
	int		 v_naddrs;
	uint8_t		 v_counter[CARP_COUNTER_LEN];
	enum carp_hmac_ctx v_ctx;
	uint8_t		 v_msg[256];
	size_t		 v_msglen;
	uint8_t		 v_digest[HMAC_SHA1_LEN];
	int		 v_has_digest;
	uint8_t		 v_cksum[2];
	int		 v_has_cksum;
	uint8_t		 v_header[CARP_HDR_LEN];
	int		 v_has_header;
	uint8_t		 v_mac[6];
	int		 v_router;
	uint8_t		 v_frame[128];
	size_t		 v_framelen;
};

static struct vec	 vecs[VEC_MAX];
static int		 nvecs;

/* The digests as printed in the spec, so a damaged carp.txt fails too. */
static const struct {
	const char	*name;
	const char	*digest;
} spec_digests[] = {
	{ "A",		"da98d3dfc07761d19c2fc070497c7226991b77ea" },
	{ "A-bowout",	"da98d3dfc07761d19c2fc070497c7226991b77ea" },
	{ "B",		"7bf158b0d29ecf1276f152adf5e3dc15a2b89f45" },
	{ "B-orig",	"54738f79ca62337b6a683cedaf00a5962de7104b" },
	{ "C",		"99f3a7a92d869b0a00f10b4ce99a1339bece716f" },
	{ "D20",	"238b21ae487bd8188b98f934b72adfc88ca76e33" },
	{ "D19",	"238b21ae487bd8188b98f934b72adfc88ca76e33" },
};

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
		if (*s == ':') {
			s++;
			continue;
		}
		if ((hi = hexval(s[0])) == -1 || (lo = hexval(s[1])) == -1 ||
		    n == cap)
			return (-1);
		out[n++] = (uint8_t)(hi << 4 | lo);
		s += 2;
	}
	return ((int)n);
}

static void
unhex_exact(const char *s, uint8_t *out, size_t len)
{
	assert_int_equal(unhex(s, out, len), (int)len);
}

static void
parse_addr(const char *s, struct addr *a)
{
	const char	*errstr = NULL;

	if (addr_parse(s, a, &errstr) == -1)
		fail_msg("bad address '%s': %s", s, errstr);
}

static int
vec_field(struct vec *v, const char *key, const char *val)
{
	int	 n;

	if (strcmp(key, "pass") == 0) {
		if (strlcpy(v->v_pass, val, sizeof(v->v_pass)) >=
		    sizeof(v->v_pass))
			return (-1);
		v->v_has_pass = 1;
	} else if (strcmp(key, "truncated") == 0)
		v->v_truncated = atoi(val);
	else if (strcmp(key, "key") == 0)
		unhex_exact(val, v->v_key, sizeof(v->v_key));
	else if (strcmp(key, "vhid") == 0)
		v->v_vhid = atoi(val);
	else if (strcmp(key, "advbase") == 0)
		v->v_advbase = atoi(val);
	else if (strcmp(key, "advskew") == 0)
		v->v_advskew = atoi(val);
	else if (strcmp(key, "demote") == 0)
		v->v_demote = atoi(val);
	else if (strcmp(key, "addr") == 0) {
		if (v->v_naddrs == VEC_ADDRS)
			return (-1);
		parse_addr(val, &v->v_addrs[v->v_naddrs++]);
	} else if (strcmp(key, "counter") == 0)
		unhex_exact(val, v->v_counter, sizeof(v->v_counter));
	else if (strcmp(key, "ctx") == 0) {
		if (strcmp(val, "nov6ll") == 0)
			v->v_ctx = CARP_HMAC_NOV6LL;
		else if (strcmp(val, "orig") == 0)
			v->v_ctx = CARP_HMAC_ORIG;
		else
			return (-1);
	} else if (strcmp(key, "message") == 0) {
		if ((n = unhex(val, v->v_msg, sizeof(v->v_msg))) == -1)
			return (-1);
		v->v_msglen = (size_t)n;
	} else if (strcmp(key, "digest") == 0) {
		unhex_exact(val, v->v_digest, sizeof(v->v_digest));
		v->v_has_digest = 1;
	} else if (strcmp(key, "cksum") == 0) {
		unhex_exact(val, v->v_cksum, sizeof(v->v_cksum));
		v->v_has_cksum = 1;
	} else if (strcmp(key, "header") == 0) {
		unhex_exact(val, v->v_header, sizeof(v->v_header));
		v->v_has_header = 1;
	} else if (strcmp(key, "mac") == 0)
		unhex_exact(val, v->v_mac, sizeof(v->v_mac));
	else if (strcmp(key, "router") == 0)
		v->v_router = atoi(val);
	else if (strcmp(key, "frame") == 0) {
		if ((n = unhex(val, v->v_frame, sizeof(v->v_frame))) == -1)
			return (-1);
		v->v_framelen = (size_t)n;
	} else
		return (-1);
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
	if (strlcat(path, "/" VEC_FILE, sizeof(path)) >= sizeof(path))
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
			if (nvecs == VEC_MAX)
				goto bad;
			v = &vecs[nvecs++];
			memset(v, 0, sizeof(*v));
			if (strlcpy(v->v_name, val, sizeof(v->v_name)) >=
			    sizeof(v->v_name))
				goto bad;
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
	return (&none);	/* not reached: fail_msg() leaves the test */
}

static uint64_t
be64(const uint8_t p[8])
{
	uint64_t	 v = 0;
	int		 i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return (v);
}

static void
vec_auth(const struct vec *v, struct carp_auth *au)
{
	uint8_t	 key[CARP_KEY_LEN];

	assert_int_equal(carp_wire_key(v->v_has_pass ? v->v_pass : NULL,
	    key), v->v_truncated);
	assert_memory_equal(key, v->v_key, sizeof(key));
	carp_wire_auth_init(au, key, (uint8_t)v->v_vhid, v->v_addrs,
	    v->v_naddrs, NULL);
}

/* Rewrites the checksum after a test altered a header. */
static void
fix_cksum(uint8_t h[CARP_HDR_LEN])
{
	uint16_t	 sum;

	h[6] = h[7] = 0;
	sum = carp_wire_cksum(h, CARP_HDR_LEN);
	h[6] = (uint8_t)(sum >> 8);
	h[7] = (uint8_t)sum;
}

static const char *
spec_digest(const char *name)
{
	size_t	 i;

	for (i = 0; i < sizeof(spec_digests) / sizeof(spec_digests[0]); i++)
		if (strcmp(spec_digests[i].name, name) == 0)
			return (spec_digests[i].digest);
	fail_msg("vector %s is not in the spec", name);
	return ("");	/* not reached */
}

/*
 * Everything a vector states: key, message against lib/hmac, digest in
 * its context, and for sent vectors the header both ways.
 */
static void
check_vector(const char *name)
{
	const struct vec	*v = vec_get(name);
	struct carp_auth	 au;
	struct carp_adv		 adv;
	uint8_t			 d[HMAC_SHA1_LEN], spec[HMAC_SHA1_LEN];
	uint8_t			 hdr[CARP_HDR_LEN];

	assert_true(v->v_has_digest);
	unhex_exact(spec_digest(name), spec, sizeof(spec));
	assert_memory_equal(v->v_digest, spec, sizeof(spec));

	assert_true(v->v_msglen > 0);
	assert_int_equal(hmac_sha1(v->v_key, sizeof(v->v_key), v->v_msg,
	    v->v_msglen, d), 0);
	assert_memory_equal(d, v->v_digest, sizeof(d));

	vec_auth(v, &au);
	assert_int_equal(carp_wire_hmac(&au, v->v_counter, v->v_ctx, d), 0);
	assert_memory_equal(d, v->v_digest, sizeof(d));
	if (!v->v_has_header)
		return;

	assert_int_equal(v->v_ctx, CARP_HMAC_NOV6LL);
	assert_int_equal(carp_wire_encode(&au, (uint8_t)v->v_advbase,
	    (uint8_t)v->v_advskew, (uint8_t)v->v_demote, be64(v->v_counter),
	    hdr), 0);
	assert_memory_equal(hdr, v->v_header, sizeof(hdr));
	if (v->v_has_cksum)
		assert_memory_equal(hdr + 6, v->v_cksum, 2);

	assert_int_equal(carp_wire_decode(v->v_header, CARP_HDR_LEN,
	    CARP_TTL, &adv), CARP_OK);
	assert_int_equal(adv.ca_version, CARP_VERSION);
	assert_int_equal(adv.ca_type, CARP_ADVERTISEMENT);
	assert_int_equal(adv.ca_vhid, v->v_vhid);
	assert_int_equal(adv.ca_advskew, v->v_advskew);
	assert_int_equal(adv.ca_authlen, CARP_AUTHLEN);
	assert_int_equal(adv.ca_demote, v->v_demote);
	assert_int_equal(adv.ca_advbase, v->v_advbase);
	assert_int_equal(adv.ca_cksum, v->v_header[6] << 8 | v->v_header[7]);
	assert_memory_equal(adv.ca_counter, v->v_counter, CARP_COUNTER_LEN);
	assert_memory_equal(adv.ca_digest, v->v_digest, HMAC_SHA1_LEN);
	assert_int_equal(carp_wire_verify(&adv, &au, 0x5eedc0ffee123456ULL),
	    CARP_OK);
}

static void
test_vector_file_holds_every_spec_vector(void **state)
{
	(void)state;
	assert_int_equal(nvecs, 10);
	assert_true(vec_get("A")->v_has_header);
	assert_true(vec_get("A-bowout")->v_has_header);
	assert_true(vec_get("B")->v_has_header);
	assert_int_equal(vec_get("B-orig")->v_ctx, CARP_HMAC_ORIG);
	assert_true(vec_get("C")->v_has_cksum);
	assert_true(vec_get("D20")->v_truncated);
	assert_false(vec_get("D19")->v_truncated);
	assert_int_equal(vec_get("GARP")->v_framelen, CARP_GARP_LEN);
	assert_int_equal(vec_get("NA")->v_framelen, CARP_NA_LEN);
	assert_int_equal(vec_get("NA-router")->v_framelen, CARP_NA_LEN);
}

static void
test_vector_a_one_ipv4_vip_matches_spec(void **state)
{
	static const uint8_t	 spec[] = {
		0x21, 0x01, 0x00, 0x07, 0x00, 0x01, 0x46, 0xc6
	};

	(void)state;
	check_vector("A");
	assert_memory_equal(vec_get("A")->v_header, spec, sizeof(spec));
}

static void
test_vector_a_bowout_changes_timing_and_checksum_only(void **state)
{
	static const uint8_t	 spec[] = {
		0x21, 0x01, 0xff, 0x07, 0x00, 0xff, 0x46, 0xc7
	};
	const struct vec	*a, *bow;

	(void)state;
	check_vector("A-bowout");
	a = vec_get("A");
	bow = vec_get("A-bowout");
	assert_memory_equal(bow->v_header, spec, sizeof(spec));
	assert_memory_equal(bow->v_header + 8, a->v_header + 8,
	    CARP_HDR_LEN - 8);
}

static void
test_vector_b_nov6ll_sorts_dedups_and_skips_link_local(void **state)
{
	(void)state;
	check_vector("B");
	/* 02 01 07, three IPv4, two IPv6, counter: no fe80::. */
	assert_int_equal(vec_get("B")->v_msglen, 3 + 3 * 4 + 2 * 16 + 8);
}

static void
test_vector_b_orig_includes_link_local_and_is_accepted(void **state)
{
	const struct vec	*b, *orig;
	struct carp_auth	 au;
	struct carp_adv		 adv;
	uint8_t			 hdr[CARP_HDR_LEN];

	(void)state;
	check_vector("B-orig");
	b = vec_get("B");
	orig = vec_get("B-orig");
	assert_int_equal(orig->v_msglen, b->v_msglen + 16);

	/* A peer that sends the ORIG digest is accepted. */
	memcpy(hdr, b->v_header, sizeof(hdr));
	memcpy(hdr + 16, orig->v_digest, HMAC_SHA1_LEN);
	fix_cksum(hdr);
	vec_auth(b, &au);
	assert_int_equal(carp_wire_decode(hdr, sizeof(hdr), CARP_TTL, &adv),
	    CARP_OK);
	assert_int_equal(carp_wire_verify(&adv, &au, 1), CARP_OK);
}

static void
test_vector_c_without_passphrase_uses_zero_key(void **state)
{
	(void)state;
	check_vector("C");
	assert_memory_equal(vec_get("C")->v_cksum, "\x9a\x7a", 2);
}

static void
test_vector_d_20_byte_passphrase_is_truncated(void **state)
{
	(void)state;
	check_vector("D20");
	assert_memory_equal(vec_get("D20")->v_cksum, "\xc4\x67", 2);
}

static void
test_vector_d_19_byte_passphrase_gives_same_digest(void **state)
{
	(void)state;
	check_vector("D19");
	assert_memory_equal(vec_get("D19")->v_header,
	    vec_get("D20")->v_header, CARP_HDR_LEN);
}

static void
test_key_keeps_19_bytes_then_nul(void **state)
{
	uint8_t	 key[CARP_KEY_LEN];
	uint8_t	 want[CARP_KEY_LEN] = "abcdefghijklmnopqrs";

	(void)state;
	memset(key, 0xaa, sizeof(key));
	assert_int_equal(carp_wire_key(
	    "abcdefghijklmnopqrstuvwxyz0123456789", key), 1);
	assert_memory_equal(key, want, sizeof(key));
	assert_int_equal(key[19], 0);

	memset(key, 0xaa, sizeof(key));
	assert_int_equal(carp_wire_key("", key), 0);
	memset(want, 0, sizeof(want));
	assert_memory_equal(key, want, sizeof(key));

	memset(key, 0xaa, sizeof(key));
	assert_int_equal(carp_wire_key(NULL, key), 0);
	assert_memory_equal(key, want, sizeof(key));

	assert_int_equal(carp_wire_key("s3cret", key), 0);
	assert_memory_equal(key, "s3cret\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 20);
}

static void
test_receive_sum_of_a_good_header_is_zero(void **state)
{
	int	 i, n = 0;

	(void)state;
	for (i = 0; i < nvecs; i++) {
		if (!vecs[i].v_has_header)
			continue;
		assert_int_equal(carp_wire_cksum(vecs[i].v_header,
		    CARP_HDR_LEN), 0);
		n++;
	}
	assert_int_equal(n, 6);
}

static void
test_cksum_follows_rfc1071_for_even_and_odd_lengths(void **state)
{
	/* RFC 1071 section 3's example: sum ddf2, checksum 220d. */
	static const uint8_t	 rfc[] = {
		0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7
	};
	static const uint8_t	 odd[] = { 0x01, 0x02, 0x03 };
	static const uint8_t	 carry[] = { 0xff, 0xff, 0x00, 0x01 };

	(void)state;
	assert_int_equal(carp_wire_cksum(rfc, sizeof(rfc)), 0x220d);
	assert_int_equal(carp_wire_cksum(odd, sizeof(odd)), 0xfbfd);
	assert_int_equal(carp_wire_cksum(carry, sizeof(carry)), 0xfffe);
	assert_int_equal(carp_wire_cksum(rfc, 0), 0xffff);
}

static void
test_timing_and_demote_change_only_their_bytes_and_cksum(void **state)
{
	static const uint8_t	 cases[][3] = {	/* advbase advskew demote */
		{ 1, 0, 0 }, { 1, 100, 0 }, { 5, 0, 0 }, { 1, 0, 32 },
		{ 254, 254, 255 }, { 0, 1, 128 }, { 255, 255, 0 },
	};
	const struct vec	*a;
	struct carp_auth	 au;
	struct carp_adv		 adv;
	uint8_t			 hdr[CARP_HDR_LEN];
	size_t			 i;

	(void)state;
	a = vec_get("A");
	vec_auth(a, &au);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(carp_wire_encode(&au, cases[i][0],
		    cases[i][1], cases[i][2], be64(a->v_counter), hdr), 0);
		assert_memory_equal(hdr, a->v_header, 2);
		assert_int_equal(hdr[2], cases[i][1]);
		assert_int_equal(hdr[3], a->v_header[3]);
		assert_int_equal(hdr[4], cases[i][2]);
		assert_int_equal(hdr[5], cases[i][0]);
		assert_memory_equal(hdr + 8, a->v_header + 8,
		    CARP_HDR_LEN - 8);
		if (i > 0)
			assert_memory_not_equal(hdr + 6, a->v_header + 6, 2);
		assert_int_equal(carp_wire_cksum(hdr, sizeof(hdr)), 0);
		/* Not authenticated: still verifies. */
		assert_int_equal(carp_wire_decode(hdr, sizeof(hdr), CARP_TTL,
		    &adv), CARP_OK);
		assert_int_equal(carp_wire_verify(&adv, &au, 42), CARP_OK);
	}
}

static void
test_own_cookie_is_dropped_as_a_loop(void **state)
{
	const struct vec	*a = vec_get("A");
	struct carp_auth	 au;
	struct carp_adv		 adv;

	(void)state;
	vec_auth(a, &au);
	assert_int_equal(carp_wire_decode(a->v_header, CARP_HDR_LEN,
	    CARP_TTL, &adv), CARP_OK);
	assert_int_equal(carp_wire_verify(&adv, &au, 0x0123456789abcdefULL),
	    CARP_DROP_LOOP);
	/* Byte-swapped, or one off: not ours. */
	assert_int_equal(carp_wire_verify(&adv, &au, 0xefcdab8967452301ULL),
	    CARP_OK);
	assert_int_equal(carp_wire_verify(&adv, &au, 0x0123456789abcdeeULL),
	    CARP_OK);
}

static void
test_own_cookie_with_bad_hmac_counts_as_bad_auth(void **state)
{
	const struct vec	*a = vec_get("A");
	struct carp_auth	 au;
	struct carp_adv		 adv;
	uint8_t			 hdr[CARP_HDR_LEN];

	(void)state;
	vec_auth(a, &au);
	memcpy(hdr, a->v_header, sizeof(hdr));
	hdr[35] ^= 0x01;
	fix_cksum(hdr);
	assert_int_equal(carp_wire_decode(hdr, sizeof(hdr), CARP_TTL, &adv),
	    CARP_OK);
	assert_int_equal(carp_wire_verify(&adv, &au, be64(a->v_counter)),
	    CARP_DROP_BADAUTH);
}

/*
 * advskew 0x46 and advbase 0xc7 make the other 34 bytes of vector A sum
 * to ffff: we send checksum 0000, and a peer's ffff (the other one's
 * complement zero) sums correctly too.  Found by fuzz_carp_wire.
 */
static void
test_checksum_of_either_zero_is_accepted(void **state)
{
	const struct vec	*a = vec_get("A");
	struct carp_auth	 au;
	struct carp_adv		 adv;
	uint8_t			 hdr[CARP_HDR_LEN];

	(void)state;
	vec_auth(a, &au);
	assert_int_equal(carp_wire_encode(&au, 0xc7, 0x46, 0,
	    be64(a->v_counter), hdr), 0);
	assert_memory_equal(hdr + 6, "\x00\x00", 2);
	assert_int_equal(carp_wire_decode(hdr, sizeof(hdr), CARP_TTL, &adv),
	    CARP_OK);
	assert_int_equal(adv.ca_cksum, 0x0000);
	hdr[6] = hdr[7] = 0xff;
	assert_int_equal(carp_wire_decode(hdr, sizeof(hdr), CARP_TTL, &adv),
	    CARP_OK);
	assert_int_equal(adv.ca_cksum, 0xffff);
	assert_int_equal(carp_wire_verify(&adv, &au, 1), CARP_OK);
}

static void
test_ttl_other_than_255_is_dropped_first(void **state)
{
	const struct vec	*a = vec_get("A");
	struct carp_adv		 adv;
	uint8_t			 bad[CARP_HDR_LEN];

	(void)state;
	assert_int_equal(carp_wire_decode(a->v_header, CARP_HDR_LEN, 254,
	    &adv), CARP_DROP_BADTTL);
	assert_int_equal(carp_wire_decode(a->v_header, CARP_HDR_LEN, 64,
	    &adv), CARP_DROP_BADTTL);
	assert_int_equal(carp_wire_decode(a->v_header, CARP_HDR_LEN, 0,
	    &adv), CARP_DROP_BADTTL);
	/* Before the length and checksum checks. */
	assert_int_equal(carp_wire_decode(a->v_header, 10, 1, &adv),
	    CARP_DROP_BADTTL);
	memcpy(bad, a->v_header, sizeof(bad));
	bad[20] ^= 0xff;
	assert_int_equal(carp_wire_decode(bad, sizeof(bad), 1, &adv),
	    CARP_DROP_BADTTL);
}

static void
test_packet_shorter_than_36_bytes_is_dropped(void **state)
{
	const struct vec	*a = vec_get("A");
	struct carp_adv		 adv;
	size_t			 len;

	(void)state;
	for (len = 0; len < CARP_HDR_LEN; len++)
		assert_int_equal(carp_wire_decode(a->v_header, len, CARP_TTL,
		    &adv), CARP_DROP_BADLEN);
	assert_int_equal(carp_wire_decode(NULL, 0, CARP_TTL, &adv),
	    CARP_DROP_BADLEN);
}

static void
test_bad_checksum_is_dropped(void **state)
{
	const struct vec	*a = vec_get("A");
	struct carp_adv		 adv;
	uint8_t			 hdr[CARP_HDR_LEN];
	size_t			 i;

	(void)state;
	for (i = 0; i < CARP_HDR_LEN; i++) {
		memcpy(hdr, a->v_header, sizeof(hdr));
		hdr[i] ^= 0x10;
		assert_int_equal(carp_wire_decode(hdr, sizeof(hdr), CARP_TTL,
		    &adv), CARP_DROP_BADSUM);
	}
}

static void
test_bad_version_is_dropped_before_the_hmac(void **state)
{
	const struct vec	*a = vec_get("A");
	struct carp_auth	 au;
	struct carp_adv		 adv;
	uint8_t			 hdr[CARP_HDR_LEN];

	(void)state;
	vec_auth(a, &au);
	memcpy(hdr, a->v_header, sizeof(hdr));
	hdr[0] = 0x31;
	fix_cksum(hdr);
	assert_int_equal(carp_wire_decode(hdr, sizeof(hdr), CARP_TTL, &adv),
	    CARP_OK);
	assert_int_equal(adv.ca_version, 3);
	assert_int_equal(carp_wire_verify(&adv, &au, 1), CARP_DROP_BADVER);

	/* VRRPv3 shares protocol 112; also bad digest: still badver. */
	hdr[0] = 0x31;
	hdr[16] ^= 0xff;
	fix_cksum(hdr);
	assert_int_equal(carp_wire_decode(hdr, sizeof(hdr), CARP_TTL, &adv),
	    CARP_OK);
	assert_int_equal(carp_wire_verify(&adv, &au, 1), CARP_DROP_BADVER);
}

static void
test_bad_hmac_is_dropped(void **state)
{
	const struct vec	*a = vec_get("A");
	struct carp_auth	 au, other;
	struct carp_adv		 adv;
	struct addr		 two[2];
	uint8_t			 hdr[CARP_HDR_LEN], key[CARP_KEY_LEN];
	size_t			 i;

	(void)state;
	vec_auth(a, &au);
	for (i = 8; i < CARP_HDR_LEN; i++) {	/* counter and digest */
		memcpy(hdr, a->v_header, sizeof(hdr));
		hdr[i] ^= 0x80;
		fix_cksum(hdr);
		assert_int_equal(carp_wire_decode(hdr, sizeof(hdr), CARP_TTL,
		    &adv), CARP_OK);
		assert_int_equal(carp_wire_verify(&adv, &au, 1),
		    CARP_DROP_BADAUTH);
	}
	/* Right packet, wrong configuration. */
	assert_int_equal(carp_wire_decode(a->v_header, CARP_HDR_LEN,
	    CARP_TTL, &adv), CARP_OK);
	(void)carp_wire_key("wrong", key);
	carp_wire_auth_init(&other, key, 1, a->v_addrs, 1, NULL);
	assert_int_equal(carp_wire_verify(&adv, &other, 1),
	    CARP_DROP_BADAUTH);
	carp_wire_auth_init(&other, a->v_key, 2, a->v_addrs, 1, NULL);
	assert_int_equal(carp_wire_verify(&adv, &other, 1),
	    CARP_DROP_BADAUTH);
	two[0] = a->v_addrs[0];
	parse_addr("192.0.2.2", &two[1]);
	carp_wire_auth_init(&other, a->v_key, 1, two, 2, NULL);
	assert_int_equal(carp_wire_verify(&adv, &other, 1),
	    CARP_DROP_BADAUTH);
	carp_wire_auth_init(&other, a->v_key, 1, a->v_addrs, 1,
	    (const uint8_t *)"\x00\x00\x5e\x00\x01\x01");
	assert_int_equal(carp_wire_verify(&adv, &other, 1),
	    CARP_DROP_BADAUTH);
}

static void
test_type_and_authlen_are_not_checked(void **state)
{
	const struct vec	*a = vec_get("A");
	struct carp_auth	 au;
	struct carp_adv		 adv;
	uint8_t			 hdr[CARP_HDR_LEN];

	(void)state;
	vec_auth(a, &au);
	memcpy(hdr, a->v_header, sizeof(hdr));
	hdr[0] = 0x2f;
	hdr[3] = 0;
	fix_cksum(hdr);
	assert_int_equal(carp_wire_decode(hdr, sizeof(hdr), CARP_TTL, &adv),
	    CARP_OK);
	assert_int_equal(adv.ca_type, 0x0f);
	assert_int_equal(adv.ca_authlen, 0);
	assert_int_equal(carp_wire_verify(&adv, &au, 1), CARP_OK);
}

static void
test_trailing_bytes_are_ignored(void **state)
{
	const struct vec	*a = vec_get("A");
	struct carp_auth	 au;
	struct carp_adv		 adv, adv2;
	uint8_t			 pkt[CARP_HDR_LEN + 13];

	(void)state;
	vec_auth(a, &au);
	memcpy(pkt, a->v_header, CARP_HDR_LEN);
	memset(pkt + CARP_HDR_LEN, 0xa5, sizeof(pkt) - CARP_HDR_LEN);
	assert_int_equal(carp_wire_decode(pkt, sizeof(pkt), CARP_TTL, &adv),
	    CARP_OK);
	assert_int_equal(carp_wire_decode(pkt, CARP_HDR_LEN, CARP_TTL,
	    &adv2), CARP_OK);
	assert_int_equal(adv.ca_version, adv2.ca_version);
	assert_int_equal(adv.ca_type, adv2.ca_type);
	assert_int_equal(adv.ca_vhid, adv2.ca_vhid);
	assert_int_equal(adv.ca_advskew, adv2.ca_advskew);
	assert_int_equal(adv.ca_authlen, adv2.ca_authlen);
	assert_int_equal(adv.ca_demote, adv2.ca_demote);
	assert_int_equal(adv.ca_advbase, adv2.ca_advbase);
	assert_int_equal(adv.ca_cksum, adv2.ca_cksum);
	assert_memory_equal(adv.ca_counter, adv2.ca_counter,
	    CARP_COUNTER_LEN);
	assert_memory_equal(adv.ca_digest, adv2.ca_digest, HMAC_SHA1_LEN);
	assert_int_equal(carp_wire_verify(&adv, &au, 1), CARP_OK);
}

static void
test_auth_init_sorts_dedups_and_clears_link_local_scope(void **state)
{
	static const char	*in[] = {
		"203.0.113.5", "2001:db8::20", "192.0.2.10/24",
		"fe80:105::1", "0.0.0.0", "192.0.2.10", "2001:db8::1",
		"255.255.255.255", "198.51.100.20", "2001:db8::20/64",
		"::",
	};
	static const char	*v4[] = {
		"192.0.2.10", "198.51.100.20", "203.0.113.5"
	};
	static const char	*v6[] = {
		"2001:db8::1", "2001:db8::20", "fe80::1"
	};
	struct addr		 addrs[sizeof(in) / sizeof(in[0])], want;
	struct carp_auth	 au;
	uint8_t			 key[CARP_KEY_LEN];
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++)
		parse_addr(in[i], &addrs[i]);
	(void)carp_wire_key("k", key);
	carp_wire_auth_init(&au, key, 9, addrs, (int)(sizeof(in) /
	    sizeof(in[0])), NULL);
	assert_memory_equal(au.au_key, key, sizeof(key));
	assert_int_equal(au.au_vhid, 9);
	assert_false(au.au_has_mac);
	assert_int_equal(au.au_nv4, 3);
	for (i = 0; i < 3; i++) {
		parse_addr(v4[i], &want);
		assert_memory_equal(au.au_v4[i].a_u.raw, want.a_u.raw, 4);
		assert_int_equal(au.au_v4[i].a_af, AF_INET);
	}
	assert_int_equal(au.au_nv6, 3);
	for (i = 0; i < 3; i++) {
		parse_addr(v6[i], &want);
		assert_memory_equal(au.au_v6[i].a_u.raw, want.a_u.raw, 16);
		assert_int_equal(au.au_v6[i].a_af, AF_INET6);
	}
}

static void
test_auth_init_keeps_the_lowest_addresses_when_too_many(void **state)
{
	struct addr		 addrs[CARP_MAXADDRS + 6];
	struct carp_auth	 au;
	uint8_t			 key[CARP_KEY_LEN] = { 0 };
	char			 s[32];
	int			 i, n = CARP_MAXADDRS + 6;

	(void)state;
	for (i = 0; i < n; i++) {	/* descending */
		(void)snprintf(s, sizeof(s), "198.51.100.%d", n - i);
		parse_addr(s, &addrs[i]);
	}
	carp_wire_auth_init(&au, key, 1, addrs, n, NULL);
	assert_int_equal(au.au_nv4, CARP_MAXADDRS);
	for (i = 0; i < CARP_MAXADDRS; i++)
		assert_int_equal(au.au_v4[i].a_u.raw[3], i + 1);
}

static void
test_hand_set_mac_is_hashed_after_02_01(void **state)
{
	static const uint8_t	 mac[6] = {
		0x02, 0x00, 0x5e, 0x10, 0x20, 0x30
	};
	const struct vec	*a = vec_get("A");
	struct carp_auth	 au;
	uint8_t			 msg[64], d[HMAC_SHA1_LEN], want[HMAC_SHA1_LEN];
	size_t			 n = 0;

	(void)state;
	carp_wire_auth_init(&au, a->v_key, 1, a->v_addrs, 1, mac);
	assert_true(au.au_has_mac);
	msg[n++] = 0x02;
	msg[n++] = 0x01;
	memcpy(msg + n, mac, 6);
	n += 6;
	msg[n++] = 1;
	memcpy(msg + n, a->v_addrs[0].a_u.raw, 4);	/* 192.0.2.1 */
	n += 4;
	memcpy(msg + n, a->v_counter, 8);
	n += 8;
	assert_int_equal(hmac_sha1(a->v_key, CARP_KEY_LEN, msg, n, want), 0);
	assert_int_equal(carp_wire_hmac(&au, a->v_counter, CARP_HMAC_NOV6LL,
	    d), 0);
	assert_memory_equal(d, want, sizeof(d));
	assert_memory_not_equal(d, a->v_digest, sizeof(d));
}

static void
test_reason_names_follow_netstat(void **state)
{
	static const struct {
		enum carp_reason	 r;
		const char		*stat;
		const char		*str;
	} t[] = {
		{ CARP_DROP_BADIF, "badif", "discarded for bad interface" },
		{ CARP_DROP_BADTTL, "badttl", "discarded for wrong TTL" },
		{ CARP_DROP_BADLEN, "badlen",
		    "discarded because packet too short" },
		{ CARP_DROP_BADSUM, "badsum", "discarded for bad checksum" },
		{ CARP_DROP_BADVHID, "badvhid", "discarded for bad vhid" },
		{ CARP_DROP_BADVER, "badver", "discarded with a bad version" },
		{ CARP_DROP_BADAUTH, "badauth",
		    "discarded for bad authentication" },
		{ CARP_DROP_LOOP, "loop",
		    "discarded as a replay or network loop" },
	};
	size_t	 i;

	(void)state;
	assert_int_equal(sizeof(t) / sizeof(t[0]), CARP_DROP_MAX - 1);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_string_equal(carp_wire_reason_stat(t[i].r), t[i].stat);
		assert_string_equal(carp_wire_reason_str(t[i].r), t[i].str);
	}
	assert_string_equal(carp_wire_reason_stat(CARP_OK), "ok");
	assert_string_equal(carp_wire_reason_stat(CARP_DROP_MAX), "unknown");
	assert_non_null(carp_wire_reason_str(CARP_OK));
	assert_non_null(carp_wire_reason_str(CARP_DROP_MAX));
}

static void
test_gratuitous_arp_is_a_broadcast_request_for_the_vip(void **state)
{
	const struct vec	*v = vec_get("GARP");
	struct addr		 v6;
	uint8_t			 f[CARP_GARP_LEN];

	(void)state;
	memset(f, 0xee, sizeof(f));
	assert_int_equal(carp_wire_garp(v->v_mac, &v->v_addrs[0], f),
	    CARP_GARP_LEN);
	assert_memory_equal(f, "\xff\xff\xff\xff\xff\xff", 6);
	assert_memory_equal(f + 6, v->v_mac, 6);
	assert_memory_equal(f + 12, "\x08\x06", 2);	/* ARP */
	assert_memory_equal(f + 14, "\x00\x01", 2);	/* Ethernet */
	assert_memory_equal(f + 16, "\x08\x00", 2);	/* IPv4 */
	assert_int_equal(f[18], 6);
	assert_int_equal(f[19], 4);
	assert_memory_equal(f + 20, "\x00\x01", 2);	/* request */
	assert_memory_equal(f + 22, v->v_mac, 6);	/* sender */
	assert_memory_equal(f + 28, "\xc0\x00\x02\x01", 4);
	assert_memory_equal(f + 32, "\0\0\0\0\0\0", 6);	/* target */
	assert_memory_equal(f + 38, "\xc0\x00\x02\x01", 4);
	/* And as scapy builds it. */
	assert_int_equal(v->v_framelen, CARP_GARP_LEN);
	assert_memory_equal(f, v->v_frame, CARP_GARP_LEN);

	parse_addr("2001:db8::1", &v6);
	assert_int_equal(carp_wire_garp(v->v_mac, &v6, f), 0);
}

/* The ICMPv6 checksum recomputed here from the frame alone. */
static uint16_t
icmp6_sum(const uint8_t *f)
{
	const uint8_t	*ip = f + 14;
	uint32_t	 sum = 0;
	size_t		 i, plen = (size_t)(ip[4] << 8 | ip[5]);

	for (i = 0; i < 32; i += 2)	/* source and destination */
		sum += (uint32_t)(ip[8 + i] << 8 | ip[8 + i + 1]);
	sum += (uint32_t)plen;
	sum += ip[6];			/* next header */
	for (i = 0; i < plen; i += 2)
		sum += (uint32_t)(ip[40 + i] << 8 | ip[40 + i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ((uint16_t)sum);
}

static void
check_na(const char *name)
{
	const struct vec	*v = vec_get(name);
	const uint8_t		*vip = v->v_addrs[0].a_u.raw;
	uint8_t			 f[CARP_NA_LEN];

	memset(f, 0xee, sizeof(f));
	assert_int_equal(carp_wire_na(v->v_mac, &v->v_addrs[0], v->v_router,
	    f), CARP_NA_LEN);
	assert_int_equal(CARP_NA_LEN, 14 + 40 + 32);
	/* Ethernet */
	assert_memory_equal(f, "\x33\x33\x00\x00\x00\x01", 6);
	assert_memory_equal(f + 6, v->v_mac, 6);
	assert_memory_equal(f + 12, "\x86\xdd", 2);
	/* IPv6 */
	assert_memory_equal(f + 14, "\x60\x00\x00\x00", 4);
	assert_memory_equal(f + 18, "\x00\x20", 2);	/* payload 32 */
	assert_int_equal(f[20], 58);			/* ICMPv6 */
	assert_int_equal(f[21], 255);			/* hop limit */
	assert_memory_equal(f + 22, vip, 16);		/* source */
	assert_memory_equal(f + 38, "\xff\x02\0\0\0\0\0\0\0\0\0\0\0\0\0\x01",
	    16);
	/* ICMPv6 neighbour advertisement */
	assert_int_equal(f[54], 136);
	assert_int_equal(f[55], 0);
	assert_int_equal(f[58], v->v_router ? 0xa0 : 0x20); /* R, O; no S */
	assert_memory_equal(f + 59, "\0\0\0", 3);
	assert_memory_equal(f + 62, vip, 16);		/* target */
	assert_int_equal(f[78], 2);			/* target lladdr */
	assert_int_equal(f[79], 1);
	assert_memory_equal(f + 80, v->v_mac, 6);
	/* A correct checksum sums to ffff with the pseudo-header. */
	assert_int_equal(icmp6_sum(f), 0xffff);
	assert_int_not_equal(f[56] << 8 | f[57], 0);
	/* And as scapy builds it. */
	assert_int_equal(v->v_framelen, CARP_NA_LEN);
	assert_memory_equal(f, v->v_frame, CARP_NA_LEN);
}

static void
test_unsolicited_na_overrides_from_the_vip_to_all_nodes(void **state)
{
	const struct vec	*v = vec_get("NA");
	struct addr		 v4;
	uint8_t			 f[CARP_NA_LEN];

	(void)state;
	check_na("NA");
	parse_addr("192.0.2.1", &v4);
	assert_int_equal(carp_wire_na(v->v_mac, &v4, 0, f), 0);
}

static void
test_unsolicited_na_sets_router_flag_when_forwarding(void **state)
{
	(void)state;
	check_na("NA-router");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vector_file_holds_every_spec_vector),
		cmocka_unit_test(test_vector_a_one_ipv4_vip_matches_spec),
		cmocka_unit_test(
		    test_vector_a_bowout_changes_timing_and_checksum_only),
		cmocka_unit_test(
		    test_vector_b_nov6ll_sorts_dedups_and_skips_link_local),
		cmocka_unit_test(
		    test_vector_b_orig_includes_link_local_and_is_accepted),
		cmocka_unit_test(
		    test_vector_c_without_passphrase_uses_zero_key),
		cmocka_unit_test(test_vector_d_20_byte_passphrase_is_truncated),
		cmocka_unit_test(
		    test_vector_d_19_byte_passphrase_gives_same_digest),
		cmocka_unit_test(test_key_keeps_19_bytes_then_nul),
		cmocka_unit_test(test_receive_sum_of_a_good_header_is_zero),
		cmocka_unit_test(
		    test_cksum_follows_rfc1071_for_even_and_odd_lengths),
		cmocka_unit_test(
		    test_timing_and_demote_change_only_their_bytes_and_cksum),
		cmocka_unit_test(test_own_cookie_is_dropped_as_a_loop),
		cmocka_unit_test(
		    test_own_cookie_with_bad_hmac_counts_as_bad_auth),
		cmocka_unit_test(test_checksum_of_either_zero_is_accepted),
		cmocka_unit_test(test_ttl_other_than_255_is_dropped_first),
		cmocka_unit_test(test_packet_shorter_than_36_bytes_is_dropped),
		cmocka_unit_test(test_bad_checksum_is_dropped),
		cmocka_unit_test(test_bad_version_is_dropped_before_the_hmac),
		cmocka_unit_test(test_bad_hmac_is_dropped),
		cmocka_unit_test(test_type_and_authlen_are_not_checked),
		cmocka_unit_test(test_trailing_bytes_are_ignored),
		cmocka_unit_test(
		    test_auth_init_sorts_dedups_and_clears_link_local_scope),
		cmocka_unit_test(
		    test_auth_init_keeps_the_lowest_addresses_when_too_many),
		cmocka_unit_test(test_hand_set_mac_is_hashed_after_02_01),
		cmocka_unit_test(test_reason_names_follow_netstat),
		cmocka_unit_test(
		    test_gratuitous_arp_is_a_broadcast_request_for_the_vip),
		cmocka_unit_test(
		    test_unsolicited_na_overrides_from_the_vip_to_all_nodes),
		cmocka_unit_test(
		    test_unsolicited_na_sets_router_flag_when_forwarding),
	};

	return (cmocka_run_group_tests(tests, vec_load, NULL));
}
