/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * libhakit's pure modules: buf (bounds), hmac (RFC 2202, FIPS 180 "abc")
 * and addr (parsing, ordering, printing).
 */

#include <sys/socket.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "addr.h"
#include "buf.h"
#include "hmac.h"

static void
unhex(const char *s, uint8_t *out, size_t len)
{
	size_t		 i;
	unsigned int	 hi, lo;

	assert_int_equal(strlen(s), len * 2);
	for (i = 0; i < len; i++) {
		hi = (unsigned int)(s[2 * i] <= '9' ? s[2 * i] - '0' :
		    s[2 * i] - 'a' + 10);
		lo = (unsigned int)(s[2 * i + 1] <= '9' ? s[2 * i + 1] - '0' :
		    s[2 * i + 1] - 'a' + 10);
		out[i] = (uint8_t)(hi << 4 | lo);
	}
}

/* buf */

static const uint8_t	 seq[] = {
	0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09
};

static void
test_buf_getters_read_network_order_and_advance(void **state)
{
	struct buf	 b;
	uint8_t		 u8, raw[2];
	uint16_t	 u16;
	uint32_t	 u32;
	uint64_t	 u64;

	(void)state;
	buf_init(&b, seq, 8);
	assert_int_equal(buf_left(&b), 8);
	assert_ptr_equal(buf_cur(&b), seq);
	assert_int_equal(buf_get_u8(&b, &u8), 0);
	assert_int_equal(u8, 0x01);
	assert_int_equal(buf_get_u16(&b, &u16), 0);
	assert_int_equal(u16, 0x0203);
	assert_int_equal(buf_get_u32(&b, &u32), 0);
	assert_int_equal(u32, 0x04050607);
	assert_int_equal(buf_left(&b), 1);
	assert_ptr_equal(buf_cur(&b), seq + 7);
	assert_int_equal(buf_get_bytes(&b, raw, 1), 0);
	assert_int_equal(raw[0], 0x08);
	assert_int_equal(buf_left(&b), 0);

	buf_init(&b, seq, sizeof(seq));
	assert_int_equal(buf_skip(&b, 1), 0);
	assert_int_equal(buf_get_u64(&b, &u64), 0);
	assert_true(u64 == 0x0203040506070809ULL);
	assert_int_equal(buf_left(&b), 0);
	/* Zero bytes always fit, even at the end. */
	assert_int_equal(buf_get_bytes(&b, raw, 0), 0);
	assert_int_equal(buf_skip(&b, 0), 0);
}

static void
test_buf_every_getter_fails_without_moving_on_short_input(void **state)
{
	struct buf	 b, sub;
	uint8_t		 u8 = 0xee, raw[8];
	uint16_t	 u16 = 0xeeee;
	uint32_t	 u32 = 0xeeeeeeee;
	uint64_t	 u64 = 0xeeeeeeeeeeeeeeeeULL;
	size_t		 left;

	(void)state;
	for (left = 0; left < 8; left++) {
		/* Put the cursor "left" bytes before the end. */
		buf_init(&b, seq, 8);
		assert_int_equal(buf_skip(&b, 8 - left), 0);
		memset(raw, 0xee, sizeof(raw));

		if (left < 1) {
			assert_int_equal(buf_get_u8(&b, &u8), -1);
			assert_int_equal(u8, 0xee);
		}
		if (left < 2) {
			assert_int_equal(buf_get_u16(&b, &u16), -1);
			assert_int_equal(u16, 0xeeee);
		}
		if (left < 4) {
			assert_int_equal(buf_get_u32(&b, &u32), -1);
			assert_int_equal(u32, 0xeeeeeeee);
		}
		assert_int_equal(buf_get_u64(&b, &u64), -1);
		assert_true(u64 == 0xeeeeeeeeeeeeeeeeULL);
		assert_int_equal(buf_get_bytes(&b, raw, left + 1), -1);
		assert_int_equal(raw[0], 0xee);
		assert_int_equal(buf_skip(&b, left + 1), -1);
		assert_int_equal(buf_sub(&b, left + 1, &sub), -1);
		assert_int_equal(buf_skip(&b, SIZE_MAX), -1);
		assert_int_equal(buf_get_bytes(&b, raw, SIZE_MAX), -1);

		/* Nothing moved: the bytes left are still all readable. */
		assert_int_equal(buf_left(&b), left);
		assert_ptr_equal(buf_cur(&b), seq + 8 - left);
		assert_int_equal(buf_get_bytes(&b, raw, left), 0);
		assert_memory_equal(raw, seq + 8 - left, left);
	}
}

static void
test_buf_sub_is_bounded_by_its_own_length(void **state)
{
	struct buf	 b, sub;
	uint16_t	 u16;
	uint8_t		 u8;

	(void)state;
	buf_init(&b, seq, sizeof(seq));
	assert_int_equal(buf_sub(&b, 3, &sub), 0);
	assert_int_equal(buf_left(&b), sizeof(seq) - 3);
	assert_int_equal(buf_left(&sub), 3);
	assert_int_equal(buf_get_u16(&sub, &u16), 0);
	assert_int_equal(u16, 0x0102);
	/* The parent has more bytes, the sub cursor does not. */
	assert_int_equal(buf_get_u16(&sub, &u16), -1);
	assert_int_equal(buf_get_u8(&sub, &u8), 0);
	assert_int_equal(u8, 0x03);
	assert_int_equal(buf_get_u8(&sub, &u8), -1);
	assert_int_equal(buf_get_u8(&b, &u8), 0);
	assert_int_equal(u8, 0x04);
}

static void
test_wbuf_writes_network_order(void **state)
{
	static const uint8_t	 want[] = {
		0xaa, 0x12, 0x34, 0xde, 0xad, 0xbe, 0xef,
		0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 'h', 'i'
	};
	struct wbuf		 w;
	uint8_t			 out[sizeof(want)];

	(void)state;
	wbuf_init(&w, out, sizeof(out));
	wbuf_put_u8(&w, 0xaa);
	wbuf_put_u16(&w, 0x1234);
	wbuf_put_u32(&w, 0xdeadbeef);
	wbuf_put_u64(&w, 0x0123456789abcdefULL);
	wbuf_put_bytes(&w, "hi", 2);
	assert_int_equal(w.w_err, 0);
	assert_int_equal(w.w_len, sizeof(want));
	assert_memory_equal(out, want, sizeof(want));
	wbuf_put_bytes(&w, "", 0);	/* zero bytes fit a full buffer */
	assert_int_equal(w.w_err, 0);
}

static void
test_wbuf_overflow_sticks_and_writes_nothing_past_the_end(void **state)
{
	struct wbuf	 w;
	uint8_t		 out[8];
	size_t		 i;

	(void)state;
	memset(out, 0xee, sizeof(out));
	wbuf_init(&w, out, 5);
	wbuf_put_u32(&w, 0x01020304);
	wbuf_put_u16(&w, 0x0506);	/* one byte short */
	assert_int_equal(w.w_err, 1);
	assert_int_equal(w.w_len, 4);
	/* It would fit now, but the error sticks. */
	wbuf_put_u8(&w, 0x07);
	assert_int_equal(w.w_err, 1);
	assert_int_equal(w.w_len, 4);
	assert_memory_equal(out, "\x01\x02\x03\x04", 4);
	for (i = 4; i < sizeof(out); i++)
		assert_int_equal(out[i], 0xee);

	/* A u64 may land its first half; the error is what callers read. */
	memset(out, 0xee, sizeof(out));
	wbuf_init(&w, out, 7);
	wbuf_put_u64(&w, 0x0102030405060708ULL);
	assert_int_equal(w.w_err, 1);
	assert_true(w.w_len <= 4);
	assert_int_equal(out[7], 0xee);
	for (i = 4; i < 7; i++)
		assert_int_equal(out[i], 0xee);
	wbuf_init(&w, out, 0);
	wbuf_put_u8(&w, 1);
	assert_int_equal(w.w_err, 1);
	wbuf_init(&w, out, sizeof(out));
	wbuf_put_bytes(&w, out, SIZE_MAX);
	assert_int_equal(w.w_err, 1);
	assert_int_equal(w.w_len, 0);
}

/* hmac */

static void
check_hmac(const uint8_t *key, size_t keylen, const void *msg, size_t len,
    const char *hex)
{
	uint8_t	 want[HMAC_SHA1_LEN], got[HMAC_SHA1_LEN];

	unhex(hex, want, sizeof(want));
	memset(got, 0, sizeof(got));
	assert_int_equal(hmac_sha1(key, keylen, msg, len, got), 0);
	assert_memory_equal(got, want, sizeof(want));
}

static void
test_hmac_sha1_passes_rfc2202_cases(void **state)
{
	uint8_t	 key[80], data[50];
	size_t	 i;

	(void)state;
	memset(key, 0x0b, 20);
	check_hmac(key, 20, "Hi There", 8,
	    "b617318655057264e28bc0b6fb378c8ef146be00");
	check_hmac((const uint8_t *)"Jefe", 4,
	    "what do ya want for nothing?", 28,
	    "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
	memset(key, 0xaa, 20);
	memset(data, 0xdd, 50);
	check_hmac(key, 20, data, 50,
	    "125d7342b9ac11cd91a39af48aa17b4f63f175d3");
	for (i = 0; i < 25; i++)
		key[i] = (uint8_t)(i + 1);
	memset(data, 0xcd, 50);
	check_hmac(key, 25, data, 50,
	    "4c9007f4026250c6bc8414f9bf50c86c2d7235da");
	memset(key, 0x0c, 20);
	check_hmac(key, 20, "Test With Truncation", 20,
	    "4c1a03424b55e07fe7f27be1d58bb9324a9a5a04");
	/* Keys longer than a block are hashed first. */
	memset(key, 0xaa, 80);
	check_hmac(key, 80,
	    "Test Using Larger Than Block-Size Key - Hash Key First", 54,
	    "aa4ae5e15272d00e95705637ce8a3b55ed402112");
	check_hmac(key, 80, "Test Using Larger Than Block-Size Key and "
	    "Larger Than One Block-Size Data", 73,
	    "e8e99d0f45237d786d6bbaa7965c7808bbff1a91");
}

static void
test_hmac_sha1_accepts_an_empty_key_and_message(void **state)
{
	(void)state;
	check_hmac(NULL, 0, "", 0,
	    "fbdb1d1b18aa6c08324b7d64b71fb76370690e1d");
}

static void
test_hmac_sha1_fed_in_pieces_equals_one_shot(void **state)
{
	static const char	 msg[] = "what do ya want for nothing?";
	struct hmac_sha1	*h;
	uint8_t			 got[HMAC_SHA1_LEN], want[HMAC_SHA1_LEN];
	size_t			 i;

	(void)state;
	unhex("effcdf6ae5eb2fa2d27416d5f184df9c259a7c79", want,
	    sizeof(want));
	assert_non_null(h = hmac_sha1_new("Jefe", 4));
	for (i = 0; i < sizeof(msg) - 1; i += 5)
		assert_int_equal(hmac_sha1_update(h, msg + i,
		    sizeof(msg) - 1 - i < 5 ? sizeof(msg) - 1 - i : 5), 0);
	assert_int_equal(hmac_sha1_update(h, "", 0), 0);
	assert_int_equal(hmac_sha1_final(h, got), 0);
	hmac_sha1_free(h);
	hmac_sha1_free(NULL);
	assert_memory_equal(got, want, sizeof(want));
}

static void
test_sha1_of_abc_and_empty_match_fips_180(void **state)
{
	uint8_t	 got[HMAC_SHA1_LEN], want[HMAC_SHA1_LEN];

	(void)state;
	unhex("a9993e364706816aba3e25717850c26c9cd0d89d", want,
	    sizeof(want));
	assert_int_equal(sha1("abc", 3, got), 0);
	assert_memory_equal(got, want, sizeof(want));
	unhex("da39a3ee5e6b4b0d3255bfef95601890afd80709", want,
	    sizeof(want));
	assert_int_equal(sha1("", 0, got), 0);
	assert_memory_equal(got, want, sizeof(want));
}

static void
test_hmac_cmp_is_zero_only_when_equal(void **state)
{
	uint8_t	 a[HMAC_SHA1_LEN], b[HMAC_SHA1_LEN];

	(void)state;
	memset(a, 0x5a, sizeof(a));
	memcpy(b, a, sizeof(b));
	assert_int_equal(hmac_cmp(a, b, sizeof(a)), 0);
	b[0] ^= 1;
	assert_int_not_equal(hmac_cmp(a, b, sizeof(a)), 0);
	b[0] ^= 1;
	b[19] ^= 0x80;
	assert_int_not_equal(hmac_cmp(a, b, sizeof(a)), 0);
	assert_int_equal(hmac_cmp(a, b, 19), 0);
}

/* addr */

static void
test_addr_parses_ipv4_and_ipv6_with_and_without_prefix(void **state)
{
	struct addr	 a;
	const char	*errstr = NULL;

	(void)state;
	assert_int_equal(addr_parse("192.0.2.1", &a, &errstr), 0);
	assert_int_equal(a.a_af, AF_INET);
	assert_memory_equal(a.a_u.raw, "\xc0\x00\x02\x01", 4);
	assert_int_equal(a.a_plen, -1);
	assert_int_equal(addr_len(&a), 4);

	assert_int_equal(addr_parse("198.51.100.7/24", &a, &errstr), 0);
	assert_int_equal(a.a_af, AF_INET);
	assert_memory_equal(a.a_u.raw, "\xc6\x33\x64\x07", 4);
	assert_int_equal(a.a_plen, 24);

	assert_int_equal(addr_parse("2001:db8::1/64", &a, &errstr), 0);
	assert_int_equal(a.a_af, AF_INET6);
	assert_memory_equal(a.a_u.raw,
	    "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01", 16);
	assert_int_equal(a.a_plen, 64);
	assert_int_equal(addr_len(&a), 16);

	assert_int_equal(addr_parse("2001:db8::1", &a, &errstr), 0);
	assert_int_equal(a.a_plen, -1);
	assert_int_equal(addr_parse("0.0.0.0/0", &a, &errstr), 0);
	assert_int_equal(a.a_plen, 0);
	assert_int_equal(addr_parse("192.0.2.1/32", &a, &errstr), 0);
	assert_int_equal(a.a_plen, 32);
	assert_int_equal(addr_parse("2001:db8::/128", &a, &errstr), 0);
	assert_int_equal(a.a_plen, 128);
}

static void
test_addr_refuses_malformed_addresses_with_a_reason(void **state)
{
	static const char	*bad[] = {
		"", "192.0.2", "192.0.2.256", "192.0.2.1.5", "host.example",
		"2001:db8::1::2", "2001:db8:::1", "192.0.2.1/33",
		"2001:db8::1/129", "192.0.2.1/", "192.0.2.1/-1",
		"192.0.2.1/24x", "192.0.2.1/ 24", "192.0.2.1/+24", "/24",
		"192.0.2.1/99999999999999999999",
		"2001:0db8:0000:0000:0000:0000:0000:0001:0001/64 and more",
	};
	struct addr		 a;
	const char		*errstr;
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errstr = NULL;
		if (addr_parse(bad[i], &a, &errstr) != -1)
			fail_msg("'%s' was accepted", bad[i]);
		assert_non_null(errstr);
		assert_true(errstr[0] != '\0');
	}
}

static void
test_addr_mask_gives_prefix_length_of_contiguous_masks(void **state)
{
	int	 plen = -5;

	(void)state;
	assert_int_equal(addr_mask_plen("255.255.255.0", &plen), 0);
	assert_int_equal(plen, 24);
	assert_int_equal(addr_mask_plen("255.255.255.255", &plen), 0);
	assert_int_equal(plen, 32);
	assert_int_equal(addr_mask_plen("0.0.0.0", &plen), 0);
	assert_int_equal(plen, 0);
	assert_int_equal(addr_mask_plen("255.255.128.0", &plen), 0);
	assert_int_equal(plen, 17);
	plen = -5;
	assert_int_equal(addr_mask_plen("255.0.255.0", &plen), -1);
	assert_int_equal(addr_mask_plen("255.255.255.1", &plen), -1);
	assert_int_equal(addr_mask_plen("0.255.255.255", &plen), -1);
	assert_int_equal(addr_mask_plen("255.255.255", &plen), -1);
	assert_int_equal(addr_mask_plen("ffff::", &plen), -1);
	assert_int_equal(plen, -5);
}

static int
cmp(const char *x, const char *y)
{
	struct addr	 a, b;
	const char	*errstr;
	int		 c;

	assert_int_equal(addr_parse(x, &a, &errstr), 0);
	assert_int_equal(addr_parse(y, &b, &errstr), 0);
	c = addr_cmp(&a, &b);
	return (c < 0 ? -1 : c > 0);
}

static void
test_addr_orders_ipv4_first_then_numerically(void **state)
{
	(void)state;
	assert_int_equal(cmp("192.0.2.9", "192.0.2.10"), -1);
	assert_int_equal(cmp("192.0.2.10", "192.0.2.9"), 1);
	assert_int_equal(cmp("198.51.100.1", "203.0.113.0"), -1);
	assert_int_equal(cmp("192.0.2.10/24", "192.0.2.10"), 0);
	assert_int_equal(cmp("255.255.255.255", "::"), -1);
	assert_int_equal(cmp("2001:db8::1", "192.0.2.1"), 1);
	assert_int_equal(cmp("2001:db8::1", "2001:db8:0:1::"), -1);
	assert_int_equal(cmp("2001:db8::20", "fe80::1"), -1);
	assert_int_equal(cmp("2001:db8::1/64", "2001:db8::1/128"), 0);
}

static void
test_addr_recognises_ipv6_link_local_only(void **state)
{
	static const struct {
		const char	*s;
		int		 ll;
	} t[] = {
		{ "fe80::1", 1 }, { "fe80::200:5eff:fe00:107", 1 },
		{ "febf::1", 1 }, { "fec0::1", 0 }, { "fe7f::1", 0 },
		{ "2001:db8::1", 0 }, { "ff02::1", 0 }, { "::1", 0 },
		{ "192.0.2.1", 0 },
	};
	struct addr	 a;
	const char	*errstr;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(addr_parse(t[i].s, &a, &errstr), 0);
		if ((addr_is_v6_linklocal(&a) != 0) != t[i].ll)
			fail_msg("%s: link-local %d", t[i].s, !t[i].ll);
	}
}

static void
test_addr_ntop_prints_canonical_form_and_prefix(void **state)
{
	static const struct {
		const char	*in;
		int		 withplen;
		const char	*out;
	} t[] = {
		{ "192.0.2.1", 1, "192.0.2.1" },
		{ "192.0.2.1/24", 1, "192.0.2.1/24" },
		{ "192.0.2.1/24", 0, "192.0.2.1" },
		{ "2001:0db8:0000:0000:0000:0000:0000:0001/64", 1,
		    "2001:db8::1/64" },
		{ "2001:DB8::A", 0, "2001:db8::a" },
		{ "0.0.0.0/0", 1, "0.0.0.0/0" },
	};
	struct addr	 a;
	const char	*errstr;
	char		 buf[ADDR_STRLEN], small[8];
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(addr_parse(t[i].in, &a, &errstr), 0);
		assert_ptr_equal(addr_ntop(&a, t[i].withplen, buf,
		    sizeof(buf)), buf);
		assert_string_equal(buf, t[i].out);
	}
	/* The longest form fits ADDR_STRLEN. */
	assert_int_equal(addr_parse(
	    "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255/128", &a,
	    &errstr), 0);
	addr_ntop(&a, 1, buf, sizeof(buf));
	assert_string_equal(buf,
	    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128");
	/* A short buffer is truncated, never overrun. */
	assert_int_equal(addr_parse("198.51.100.20/24", &a, &errstr), 0);
	addr_ntop(&a, 1, small, sizeof(small));
	assert_string_equal(small, "198.51.");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    test_buf_getters_read_network_order_and_advance),
		cmocka_unit_test(
		    test_buf_every_getter_fails_without_moving_on_short_input),
		cmocka_unit_test(test_buf_sub_is_bounded_by_its_own_length),
		cmocka_unit_test(test_wbuf_writes_network_order),
		cmocka_unit_test(
		    test_wbuf_overflow_sticks_and_writes_nothing_past_the_end),
		cmocka_unit_test(test_hmac_sha1_passes_rfc2202_cases),
		cmocka_unit_test(
		    test_hmac_sha1_accepts_an_empty_key_and_message),
		cmocka_unit_test(test_hmac_sha1_fed_in_pieces_equals_one_shot),
		cmocka_unit_test(test_sha1_of_abc_and_empty_match_fips_180),
		cmocka_unit_test(test_hmac_cmp_is_zero_only_when_equal),
		cmocka_unit_test(
		    test_addr_parses_ipv4_and_ipv6_with_and_without_prefix),
		cmocka_unit_test(
		    test_addr_refuses_malformed_addresses_with_a_reason),
		cmocka_unit_test(
		    test_addr_mask_gives_prefix_length_of_contiguous_masks),
		cmocka_unit_test(test_addr_orders_ipv4_first_then_numerically),
		cmocka_unit_test(test_addr_recognises_ipv6_link_local_only),
		cmocka_unit_test(
		    test_addr_ntop_prints_canonical_form_and_prefix),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
