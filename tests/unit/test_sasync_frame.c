/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * sasync_frame: the worked example of specs/sasyncd.md 4.5 byte for byte
 * (its SHA-1 checked with python3 hashlib and its ciphertext with openssl
 * enc -aes-128-cbc -nopad), the descending padding of 4.2, round trips
 * for every payload length 1..40 and the edges with each key size, every
 * rejection of 4.6, stream framing, sharedkey parsing and its messages,
 * and control payloads.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sasync_frame.h"

/* Spec 4.5. */
static const uint8_t vec_frame[] = {
	0x00, 0x00, 0x00, 0x3c, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x04,
	0xb0, 0xe0, 0xf9, 0x84, 0x74, 0xdb, 0x56, 0x27, 0xea, 0xd9,
	0xa1, 0x2c, 0xf2, 0x0c, 0x33, 0xd6, 0x3a, 0xe5, 0x05, 0x66,
	0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
	0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
	0xe7, 0x21, 0xa8, 0xde, 0xd0, 0x3c, 0xf3, 0x35,
	0x7d, 0xca, 0x78, 0x4a, 0xa9, 0x7c, 0xd3, 0x18
};
static const uint8_t vec_payload[12] = {
	0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0
};
static const uint8_t vec_iv[16] = {
	0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
	0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f
};

static void	 key_seq(struct sasync_key *, size_t);
static size_t	 encode(const struct sasync_key *, uint32_t, const uint8_t *,
		    size_t, uint8_t *);
static void	 put32(uint8_t *, uint32_t);
static enum sasync_drop decode(const struct sasync_key *, const uint8_t *,
		    size_t);
static void	 key_ok(const char *, size_t, const uint8_t *);
static void	 key_bad(const char *, const char *);

/* Key bytes 00 01 02 ...: the spec's key when len is 16. */
static void
key_seq(struct sasync_key *k, size_t len)
{
	size_t	 i;

	memset(k, 0, sizeof(*k));
	for (i = 0; i < len; i++)
		k->k_bytes[i] = (uint8_t)i;
	k->k_len = len;
}

static size_t
encode(const struct sasync_key *k, uint32_t type, const uint8_t *p,
    size_t len, uint8_t *out)
{
	ssize_t	 n;

	n = sasync_frame_encode(k, type, p, len, vec_iv, out,
	    SASYNC_MAXFRAME);
	assert_true(n > 0);
	return ((size_t)n);
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static enum sasync_drop
decode(const struct sasync_key *k, const uint8_t *f, size_t len)
{
	uint8_t		 out[SASYNC_MAXDATA];
	uint32_t	 type;
	size_t		 plen;

	return (sasync_frame_decode(k, f, len, &type, out, &plen));
}

static void
test_the_spec_example_encodes_byte_for_byte(void **state)
{
	struct sasync_key	 k;
	uint8_t			 out[SASYNC_MAXFRAME];
	ssize_t			 n;

	(void)state;
	key_seq(&k, 16);
	n = sasync_frame_encode(&k, SASYNC_MSG_SYNCCTL, vec_payload,
	    sizeof(vec_payload), vec_iv, out, sizeof(out));
	assert_int_equal(n, sizeof(vec_frame));
	assert_memory_equal(out, vec_frame, sizeof(vec_frame));
}

static void
test_the_spec_example_decodes_to_ctl_state_master(void **state)
{
	struct sasync_key	 k;
	struct sasync_ctl	 c;
	uint8_t			 out[SASYNC_MAXDATA];
	uint32_t		 type = 99;
	size_t			 plen;

	(void)state;
	key_seq(&k, 16);
	assert_int_equal(sasync_frame_size(vec_frame, sizeof(vec_frame)),
	    sizeof(vec_frame));
	assert_int_equal(sasync_frame_decode(&k, vec_frame,
	    sizeof(vec_frame), &type, out, &plen), SASYNC_OK);
	assert_int_equal(type, SASYNC_MSG_SYNCCTL);
	assert_int_equal(plen, 12);
	assert_memory_equal(out, vec_payload, 12);
	assert_int_equal(sasync_ctl_decode(out, plen, &c), 0);
	assert_int_equal(c.c_type, SASYNC_CTL_STATE);
	assert_int_equal(c.c_data, SASYNC_STATE_MASTER);
	assert_int_equal(c.c_data2, 0);
}

static void
test_aligned_payloads_have_no_padding(void **state)
{
	struct sasync_key	 k;
	uint8_t			 p[32], out[SASYNC_MAXFRAME];
	size_t			 n;

	(void)state;
	key_seq(&k, 16);
	memset(p, 0xa5, sizeof(p));
	n = encode(&k, SASYNC_MSG_XFRMDATA, p, 16, out);
	assert_int_equal(n, SASYNC_HDRLEN + 16);
	assert_int_equal(out[11], 0);		/* padlen */
	assert_int_equal(out[3], 44 + 16);
	n = encode(&k, SASYNC_MSG_XFRMDATA, p, 32, out);
	assert_int_equal(n, SASYNC_HDRLEN + 32);
	assert_int_equal(out[11], 0);
	assert_int_equal(out[3], 44 + 32);
}

/* Decrypts the data part with the codec's own key, by a zero-pad frame. */
static void
test_padding_bytes_are_descending_from_padlen_to_one(void **state)
{
	struct sasync_key	 k;
	uint8_t			 p[16], out[SASYNC_MAXFRAME];
	uint8_t			 plain[SASYNC_MAXDATA];
	uint8_t			 forged[SASYNC_MAXFRAME];
	uint32_t		 type;
	size_t			 n, len, plen, padlen, i;

	(void)state;
	key_seq(&k, 16);
	memset(p, 0x5a, sizeof(p));
	for (len = 1; len < 16; len++) {
		n = encode(&k, SASYNC_MSG_XFRMDATA, p, len, out);
		padlen = 16 - len;
		assert_int_equal(out[11], padlen);
		/*
		 * Claim padlen 0 and the hash of the padded block: the
		 * decoder then hands back payload and padding as they were
		 * encrypted.  The hash is the one thing to recompute, so
		 * take it from a frame of the padded bytes, encoded aligned.
		 */
		memcpy(plain, p, len);
		for (i = 0; i < padlen; i++)
			plain[len + i] = (uint8_t)(padlen - i);
		assert_int_equal(encode(&k, SASYNC_MSG_XFRMDATA, plain, 16,
		    forged), n);
		/* Same key, IV and plaintext block: same ciphertext. */
		assert_memory_equal(forged + SASYNC_HDRLEN,
		    out + SASYNC_HDRLEN, 16);
		assert_int_equal(sasync_frame_decode(&k, forged, n, &type,
		    plain, &plen), SASYNC_OK);
		assert_int_equal(plen, 16);
		for (i = 0; i < padlen; i++)
			assert_int_equal(plain[len + i], padlen - i);
	}
}

static void
test_every_length_from_1_to_40_round_trips_with_aes_128_192_256(void **state)
{
	static const size_t	 klens[] = { 16, 24, 32 };
	struct sasync_key	 k;
	uint8_t			 p[40], out[SASYNC_MAXFRAME];
	uint8_t			 back[SASYNC_MAXDATA];
	uint32_t		 type;
	size_t			 ki, len, n, plen, i;
	ssize_t			 sz;

	(void)state;
	for (i = 0; i < sizeof(p); i++)
		p[i] = (uint8_t)(i * 7 + 3);
	for (ki = 0; ki < 3; ki++) {
		key_seq(&k, klens[ki]);
		for (len = 1; len <= sizeof(p); len++) {
			sz = sasync_frame_encode(&k, SASYNC_MSG_XFRMDATA, p,
			    len, NULL, out, sizeof(out));
			assert_true(sz > 0);
			n = (size_t)sz;
			assert_int_equal(n, SASYNC_HDRLEN +
			    (len + 15) / 16 * 16);
			assert_int_equal(out[11], (16 - len % 16) % 16);
			assert_int_equal(sasync_frame_size(out, n), n);
			assert_int_equal(sasync_frame_decode(&k, out, n,
			    &type, back, &plen), SASYNC_OK);
			assert_int_equal(type, SASYNC_MSG_XFRMDATA);
			assert_int_equal(plen, len);
			assert_memory_equal(back, p, len);
		}
	}
}

static void
test_the_largest_payload_round_trips_and_a_larger_one_is_refused(void **state)
{
	struct sasync_key	 k;
	static uint8_t		 p[SASYNC_MAXDATA + 1];
	static uint8_t		 out[SASYNC_MAXFRAME + 16];
	static uint8_t		 back[SASYNC_MAXDATA];
	uint32_t		 type;
	size_t			 plen;
	ssize_t			 n;

	(void)state;
	key_seq(&k, 32);
	memset(p, 0x42, sizeof(p));
	n = sasync_frame_encode(&k, SASYNC_MSG_PFKEYDATA, p, SASYNC_MAXDATA,
	    NULL, out, SASYNC_MAXFRAME);
	assert_int_equal(n, SASYNC_MAXFRAME);
	assert_int_equal(sasync_frame_decode(&k, out, (size_t)n, &type, back,
	    &plen), SASYNC_OK);
	assert_int_equal(type, SASYNC_MSG_PFKEYDATA);
	assert_int_equal(plen, SASYNC_MAXDATA);
	assert_int_equal(sasync_frame_encode(&k, 0, p, SASYNC_MAXDATA + 1,
	    NULL, out, sizeof(out)), -1);
	assert_int_equal(sasync_frame_encode(&k, 0, p, 0, NULL, out,
	    sizeof(out)), -1);
	/* out too short for the frame */
	assert_int_equal(sasync_frame_encode(&k, 0, p, 17, NULL, out,
	    SASYNC_HDRLEN + 16), -1);
	/* a key of no AES size */
	k.k_len = 20;
	assert_int_equal(sasync_frame_encode(&k, 0, p, 16, NULL, out,
	    sizeof(out)), -1);
}

static void
test_random_ivs_differ_between_frames(void **state)
{
	struct sasync_key	 k;
	uint8_t			 a[SASYNC_MAXFRAME], b[SASYNC_MAXFRAME];

	(void)state;
	key_seq(&k, 16);
	assert_int_equal(sasync_frame_encode(&k, 0, vec_payload, 12, NULL, a,
	    sizeof(a)), 64);
	assert_int_equal(sasync_frame_encode(&k, 0, vec_payload, 12, NULL, b,
	    sizeof(b)), 64);
	assert_memory_not_equal(a + 32, b + 32, 16);
	/* the clear hash is the same: the spec's assessment */
	assert_memory_equal(a + 12, b + 12, 20);
}

static void
test_frame_size_waits_for_four_bytes(void **state)
{
	size_t	 i;

	(void)state;
	for (i = 0; i < 4; i++)
		assert_int_equal(sasync_frame_size(vec_frame, i), 0);
	assert_int_equal(sasync_frame_size(vec_frame, 4), 64);
	assert_int_equal(sasync_frame_size(vec_frame, 5), 64);
}

static void
test_frame_size_refuses_each_bad_length_field(void **state)
{
	uint8_t	 h[4];

	(void)state;
	put32(h, 44 + 17);		/* not a multiple of 16 */
	assert_int_equal(sasync_frame_size(h, 4), -1);
	put32(h, 44 + 8);		/* N < 12 */
	assert_int_equal(sasync_frame_size(h, 4), -1);
	put32(h, 44);			/* N = 0 */
	assert_int_equal(sasync_frame_size(h, 4), -1);
	put32(h, 0);
	assert_int_equal(sasync_frame_size(h, 4), -1);
	put32(h, 44 + 4096 + 16);	/* N > 4096 */
	assert_int_equal(sasync_frame_size(h, 4), -1);
	put32(h, 0xffffffffU);
	assert_int_equal(sasync_frame_size(h, 4), -1);
	put32(h, 44 + 4096);		/* the largest */
	assert_int_equal(sasync_frame_size(h, 4), 4 + 44 + 4096);
	put32(h, 44 + 16);		/* the smallest */
	assert_int_equal(sasync_frame_size(h, 4), 64);
}

static void
test_decode_refuses_a_bad_length_field_or_a_frame_of_another_size(
    void **state)
{
	struct sasync_key	 k;
	uint8_t			 f[sizeof(vec_frame) + 16];

	(void)state;
	key_seq(&k, 16);
	memcpy(f, vec_frame, sizeof(vec_frame));
	put32(f, 44 + 17);
	assert_int_equal(decode(&k, f, sizeof(vec_frame)),
	    SASYNC_DROP_BADLEN);
	put32(f, 44 + 8);
	assert_int_equal(decode(&k, f, sizeof(vec_frame)),
	    SASYNC_DROP_BADLEN);
	put32(f, 44 + 4112);
	assert_int_equal(decode(&k, f, sizeof(vec_frame)),
	    SASYNC_DROP_BADLEN);
	memcpy(f, vec_frame, sizeof(vec_frame));
	assert_int_equal(decode(&k, f, sizeof(vec_frame) - 1),
	    SASYNC_DROP_BADLEN);
	assert_int_equal(decode(&k, f, sizeof(vec_frame) + 16),
	    SASYNC_DROP_BADLEN);
	assert_int_equal(decode(&k, f, 3), SASYNC_DROP_BADLEN);
	assert_int_equal(decode(&k, f, 0), SASYNC_DROP_BADLEN);
}

static void
test_decode_refuses_type_3_and_above(void **state)
{
	struct sasync_key	 k;
	uint8_t			 f[sizeof(vec_frame)];

	(void)state;
	key_seq(&k, 16);
	memcpy(f, vec_frame, sizeof(f));
	put32(f + 4, 3);
	assert_int_equal(decode(&k, f, sizeof(f)), SASYNC_DROP_BADTYPE);
	put32(f + 4, 0xffffffffU);
	assert_int_equal(decode(&k, f, sizeof(f)), SASYNC_DROP_BADTYPE);
	/* type 1 and 2 with the same bytes decode */
	put32(f + 4, SASYNC_MSG_PFKEYDATA);
	assert_int_equal(decode(&k, f, sizeof(f)), SASYNC_OK);
	put32(f + 4, SASYNC_MSG_XFRMDATA);
	assert_int_equal(decode(&k, f, sizeof(f)), SASYNC_OK);
}

/*
 * padlen 16 is above 15; since N >= 16 on a valid length field, padlen >
 * N is only reachable with padlen > 15, and is the same refusal.
 */
static void
test_decode_refuses_padlen_16_and_padlen_above_n(void **state)
{
	struct sasync_key	 k;
	uint8_t			 f[sizeof(vec_frame)];

	(void)state;
	key_seq(&k, 16);
	memcpy(f, vec_frame, sizeof(f));
	put32(f + 8, 16);
	assert_int_equal(decode(&k, f, sizeof(f)), SASYNC_DROP_BADPAD);
	put32(f + 8, 17);		/* > N = 16 */
	assert_int_equal(decode(&k, f, sizeof(f)), SASYNC_DROP_BADPAD);
	put32(f + 8, 0xffffffffU);
	assert_int_equal(decode(&k, f, sizeof(f)), SASYNC_DROP_BADPAD);
	put32(f + 8, 15);		/* in range: the hash then fails */
	assert_int_equal(decode(&k, f, sizeof(f)), SASYNC_DROP_BADHASH);
}

static void
test_a_flipped_ciphertext_byte_is_a_bad_hash(void **state)
{
	struct sasync_key	 k;
	uint8_t			 f[sizeof(vec_frame)];
	size_t			 i;

	(void)state;
	key_seq(&k, 16);
	for (i = SASYNC_HDRLEN; i < sizeof(f); i++) {
		memcpy(f, vec_frame, sizeof(f));
		f[i] ^= 0x01;
		assert_int_equal(decode(&k, f, sizeof(f)),
		    SASYNC_DROP_BADHASH);
	}
	/* the clear hash and the IV are covered too */
	memcpy(f, vec_frame, sizeof(f));
	f[12] ^= 0x80;
	assert_int_equal(decode(&k, f, sizeof(f)), SASYNC_DROP_BADHASH);
	memcpy(f, vec_frame, sizeof(f));
	f[32] ^= 0x01;
	assert_int_equal(decode(&k, f, sizeof(f)), SASYNC_DROP_BADHASH);
}

static void
test_a_wrong_key_is_a_bad_hash(void **state)
{
	struct sasync_key	 k;

	(void)state;
	key_seq(&k, 16);
	k.k_bytes[15] ^= 1;
	assert_int_equal(decode(&k, vec_frame, sizeof(vec_frame)),
	    SASYNC_DROP_BADHASH);
	key_seq(&k, 32);		/* same prefix, AES-256 */
	assert_int_equal(decode(&k, vec_frame, sizeof(vec_frame)),
	    SASYNC_DROP_BADHASH);
	k.k_len = 0;			/* no cipher at all */
	assert_int_equal(decode(&k, vec_frame, sizeof(vec_frame)),
	    SASYNC_DROP_CRYPTO);
}

static void
test_drop_names_are_short_counter_names(void **state)
{
	(void)state;
	assert_string_equal(sasync_drop_name(SASYNC_OK), "ok");
	assert_string_equal(sasync_drop_name(SASYNC_DROP_BADLEN),
	    "bad_length");
	assert_string_equal(sasync_drop_name(SASYNC_DROP_BADTYPE),
	    "bad_type");
	assert_string_equal(sasync_drop_name(SASYNC_DROP_BADPAD),
	    "bad_padding");
	assert_string_equal(sasync_drop_name(SASYNC_DROP_BADHASH),
	    "bad_hash");
	assert_string_equal(sasync_drop_name(SASYNC_DROP_CRYPTO),
	    "crypto_error");
	assert_string_equal(sasync_drop_name(SASYNC_DROP_MAX), "?");
}

static void
key_ok(const char *s, size_t len, const uint8_t *want)
{
	struct sasync_key	 k;
	char			 err[128];

	assert_int_equal(sasync_key_parse(s, &k, err, sizeof(err)), 0);
	assert_int_equal(k.k_len, len);
	assert_memory_equal(k.k_bytes, want, len);
}

static void
key_bad(const char *s, const char *msg)
{
	struct sasync_key	 k;
	char			 err[128];
	const char		*body;
	size_t			 i;

	memset(&k, 0xee, sizeof(k));
	strcpy(err, "unset");
	assert_int_equal(sasync_key_parse(s, &k, err, sizeof(err)), -1);
	assert_string_equal(err, msg);
	assert_int_equal(k.k_len, 0);
	for (i = 0; i < sizeof(k.k_bytes); i++)
		assert_int_equal(k.k_bytes[i], 0);
	/* no three characters of the key appear in the message */
	body = (s[0] == '0' && s[1] == 'x') ? s + 2 : s;
	for (i = 0; i + 3 <= strlen(body); i++) {
		char	 piece[4];

		memcpy(piece, body + i, 3);
		piece[3] = '\0';
		if (strspn(piece, "0123456789") == 3)
			continue;	/* lengths are numbers */
		assert_null(strstr(err, piece));
	}
}

static void
test_key_parse_takes_ascii_of_16_24_and_32_bytes(void **state)
{
	(void)state;
	key_ok("abcdefghijklmnop", 16, (const uint8_t *)"abcdefghijklmnop");
	key_ok("abcdefghijklmnopqrstuvwx", 24,
	    (const uint8_t *)"abcdefghijklmnopqrstuvwx");
	key_ok("abcdefghijklmnopqrstuvwxyz012345", 32,
	    (const uint8_t *)"abcdefghijklmnopqrstuvwxyz012345");
}

static void
test_key_parse_takes_hex_after_0x(void **state)
{
	uint8_t	 want[32];
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(want); i++)
		want[i] = (uint8_t)i;
	key_ok("0x000102030405060708090a0b0c0d0e0f", 16, want);
	key_ok("0x000102030405060708090A0B0C0D0E0F1011121314151617", 24,
	    want);
	key_ok("0X000102030405060708090a0b0c0d0e0f"
	    "101112131415161718191a1b1c1d1e1f", 32, want);
}

static void
test_key_parse_refuses_bad_keys_without_showing_them(void **state)
{
	(void)state;
	key_bad("0x000102030405060708090a0b0c0d0e0", "sharedkey: odd "
	    "number of hex digits (31)");
	key_bad("abcdefghijklmno", "sharedkey must be 16, 24 or 32 bytes, "
	    "got 15");
	key_bad("abcdefghijklmnopqrstuvwxyz0123456", "sharedkey must be 16, "
	    "24 or 32 bytes, got 33");
	key_bad("", "sharedkey must be 16, 24 or 32 bytes, got 0");
	key_bad("0x", "sharedkey must be 16, 24 or 32 bytes, got 0");
	key_bad("0x0001020304050607", "sharedkey must be 16, 24 or 32 "
	    "bytes, got 8");
	key_bad("0x000102030405060708090a0b0c0d0eZZ", "sharedkey: bad hex "
	    "digit after 0x at position 31");
	key_bad("0x0g0102030405060708090a0b0c0d0e0f", "sharedkey: bad hex "
	    "digit after 0x at position 2");
	key_bad("0xsecretsecretsecretsecretsecretse", "sharedkey: bad hex "
	    "digit after 0x at position 1");
}

static void
test_ctl_encodes_three_big_endian_words(void **state)
{
	static const uint8_t	 want[12] = {
		0, 0, 0, 3, 0, 0, 0, 1, 0, 0, 0, 2
	};
	struct sasync_ctl	 c = { SASYNC_CTL_ACK, SASYNC_CTL_STATE,
	    SASYNC_STATE_MASTER }, d;
	uint8_t			 out[12];

	(void)state;
	sasync_ctl_encode(&c, out);
	assert_memory_equal(out, want, 12);
	assert_int_equal(sasync_ctl_decode(out, 12, &d), 0);
	assert_int_equal(d.c_type, SASYNC_CTL_ACK);
	assert_int_equal(d.c_data, SASYNC_CTL_STATE);
	assert_int_equal(d.c_data2, SASYNC_STATE_MASTER);
	c.c_type = 0x01020304;
	c.c_data = 0xa0b0c0d0;
	c.c_data2 = 0xffffffff;
	sasync_ctl_encode(&c, out);
	assert_int_equal(out[0], 0x01);
	assert_int_equal(out[3], 0x04);
	assert_int_equal(out[4], 0xa0);
	assert_int_equal(out[11], 0xff);
}

static void
test_ctl_decode_wants_exactly_12_bytes(void **state)
{
	struct sasync_ctl	 c;
	uint8_t			 b[16] = { 0 };

	(void)state;
	assert_int_equal(sasync_ctl_decode(b, 11, &c), -1);
	assert_int_equal(sasync_ctl_decode(b, 13, &c), -1);
	assert_int_equal(sasync_ctl_decode(b, 16, &c), -1);
	assert_int_equal(sasync_ctl_decode(b, 0, &c), -1);
	assert_int_equal(sasync_ctl_decode(b, 12, &c), 0);
}

static void
test_names_cover_every_ctl_state_and_message_type(void **state)
{
	(void)state;
	assert_string_equal(sasync_ctl_name(SASYNC_CTL_RESERVED),
	    "CTL_RESERVED");
	assert_string_equal(sasync_ctl_name(SASYNC_CTL_STATE), "CTL_STATE");
	assert_string_equal(sasync_ctl_name(SASYNC_CTL_ERROR), "CTL_ERROR");
	assert_string_equal(sasync_ctl_name(SASYNC_CTL_ACK), "CTL_ACK");
	assert_string_equal(sasync_ctl_name(SASYNC_CTL_ENDSNAP),
	    "CTL_ENDSNAP");
	assert_string_equal(sasync_ctl_name(SASYNC_CTL_UNKNOWN),
	    "CTL_UNKNOWN");
	assert_string_equal(sasync_ctl_name(6), "?");
	assert_string_equal(sasync_state_name(0), "INIT");
	assert_string_equal(sasync_state_name(1), "SLAVE");
	assert_string_equal(sasync_state_name(2), "MASTER");
	assert_string_equal(sasync_state_name(3), "FAIL");
	assert_string_equal(sasync_state_name(4), "?");
	assert_string_equal(sasync_msg_name(0), "SYNCCTL");
	assert_string_equal(sasync_msg_name(1), "PFKEYDATA");
	assert_string_equal(sasync_msg_name(2), "XFRMDATA");
	assert_string_equal(sasync_msg_name(3), "?");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_the_spec_example_encodes_byte_for_byte),
		cmocka_unit_test(
		    test_the_spec_example_decodes_to_ctl_state_master),
		cmocka_unit_test(test_aligned_payloads_have_no_padding),
		cmocka_unit_test(
		    test_padding_bytes_are_descending_from_padlen_to_one),
		cmocka_unit_test(
		test_every_length_from_1_to_40_round_trips_with_aes_128_192_256),
		cmocka_unit_test(
		test_the_largest_payload_round_trips_and_a_larger_one_is_refused),
		cmocka_unit_test(test_random_ivs_differ_between_frames),
		cmocka_unit_test(test_frame_size_waits_for_four_bytes),
		cmocka_unit_test(test_frame_size_refuses_each_bad_length_field),
		cmocka_unit_test(
	test_decode_refuses_a_bad_length_field_or_a_frame_of_another_size),
		cmocka_unit_test(test_decode_refuses_type_3_and_above),
		cmocka_unit_test(
		    test_decode_refuses_padlen_16_and_padlen_above_n),
		cmocka_unit_test(test_a_flipped_ciphertext_byte_is_a_bad_hash),
		cmocka_unit_test(test_a_wrong_key_is_a_bad_hash),
		cmocka_unit_test(test_drop_names_are_short_counter_names),
		cmocka_unit_test(
		    test_key_parse_takes_ascii_of_16_24_and_32_bytes),
		cmocka_unit_test(test_key_parse_takes_hex_after_0x),
		cmocka_unit_test(
		    test_key_parse_refuses_bad_keys_without_showing_them),
		cmocka_unit_test(test_ctl_encodes_three_big_endian_words),
		cmocka_unit_test(test_ctl_decode_wants_exactly_12_bytes),
		cmocka_unit_test(
		    test_names_cover_every_ctl_state_and_message_type),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
