/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

#ifndef HAKIT_SASYNC_FRAME_H
#define HAKIT_SASYNC_FRAME_H

/*
 * The sasyncd frame, as OpenBSD's sasyncd puts it on its TCP stream
 * (specs/sasyncd.md 4.2-4.6), without I/O:
 *
 *	off  size
 *	  0     4  length: bytes that follow, 4 + 4 + 20 + 16 + N (BE)
 *	  4     4  type: 0 SYNCCTL, 1 PFKEYDATA, 2 XFRMDATA (hakit) (BE)
 *	  8     4  padlen, 0..15 (BE)
 *	 12    20  SHA-1 of the plaintext payload, before padding, in clear
 *	 32    16  IV, random per frame
 *	 48     N  AES-CBC(key, IV, payload || padding), N a multiple of 16,
 *		   12 <= N <= 4096 (so in fact 16 <= N)
 *
 * Padding: p = 16 - (L mod 16) bytes valued p, p-1, ..., 1 (not PKCS#7),
 * none when the payload length L is a multiple of 16.  A receiver drops
 * padlen bytes without looking at their values, as OpenBSD's does, so
 * any sender interoperates.
 *
 * This is AES-CBC and an unkeyed SHA-1, not a MAC: a frame decrypting to
 * its clear hash is all the "authentication" there is, and a captured
 * frame replays verbatim.  Implemented for compatibility only.
 *
 * SYNCCTL payloads are 12 bytes: three BE u32, type, data, data2.
 */

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#define SASYNC_HDRLEN		48	/* length..IV */
#define SASYNC_HASHLEN		20
#define SASYNC_IVLEN		16
#define SASYNC_BLOCK		16
#define SASYNC_MINDATA		12
#define SASYNC_MAXDATA		4096	/* N and also the max payload */
#define SASYNC_MAXFRAME		(SASYNC_HDRLEN + SASYNC_MAXDATA)
#define SASYNC_LENOVERHEAD	44	/* length field minus N */
#define SASYNC_CTLLEN		12

enum {
	SASYNC_MSG_SYNCCTL = 0,
	SASYNC_MSG_PFKEYDATA = 1,
	SASYNC_MSG_XFRMDATA = 2
};

enum {
	SASYNC_CTL_RESERVED = 0,
	SASYNC_CTL_STATE = 1,
	SASYNC_CTL_ERROR = 2,
	SASYNC_CTL_ACK = 3,
	SASYNC_CTL_ENDSNAP = 4,
	SASYNC_CTL_UNKNOWN = 5
};

/* Carp states on the wire (CTL_STATE data). */
enum {
	SASYNC_STATE_INIT = 0,
	SASYNC_STATE_SLAVE = 1,
	SASYNC_STATE_MASTER = 2,
	SASYNC_STATE_FAIL = 3
};

/* Why a frame is refused; each has a counter. */
enum sasync_drop {
	SASYNC_OK = 0,
	SASYNC_DROP_BADLEN,	/* the stream is lost: close it */
	SASYNC_DROP_BADTYPE,
	SASYNC_DROP_BADPAD,
	SASYNC_DROP_BADHASH,	/* "typo in shared key?" */
	SASYNC_DROP_CRYPTO,	/* OpenSSL failed */
	SASYNC_DROP_MAX
};

/* A shared key: AES-128, -192 or -256.  Clear it with explicit_bzero(). */
struct sasync_key {
	uint8_t		 k_bytes[32];
	size_t		 k_len;		/* 16, 24 or 32 */
};

struct sasync_ctl {
	uint32_t	 c_type;
	uint32_t	 c_data;
	uint32_t	 c_data2;
};

/* Short counter names: "ok", "bad_length", ...; "?" out of range. */
const char	*sasync_drop_name(enum sasync_drop);

/*
 * Parses a sharedkey: the bytes of an ASCII string, or "0x" and an even
 * number of hex digits; 16, 24 or 32 bytes.  Returns 0, or -1 with a
 * message in err (which never holds any of the key) and key cleared.
 */
int	 sasync_key_parse(const char *, struct sasync_key *, char *err,
	    size_t errlen);

/*
 * Encodes one frame of the given type into out (outlen >= 48 + N, so
 * SASYNC_MAXFRAME always fits).  iv NULL takes a random IV (RAND_bytes).
 * Returns the frame length, or -1 when len is 0 or above SASYNC_MAXDATA,
 * out is too short, or OpenSSL fails.
 */
ssize_t	 sasync_frame_encode(const struct sasync_key *, uint32_t type,
	    const void *payload, size_t len, const uint8_t *iv, uint8_t *out,
	    size_t outlen);

/*
 * Stream framing over len buffered bytes: 0 when fewer than 4, -1 when
 * the length field is bad (N = length - 44 outside 12..4096 or not a
 * multiple of 16: the caller closes the connection), else the size of
 * the whole frame (4 + length).
 */
ssize_t	 sasync_frame_size(const uint8_t *buf, size_t len);

/*
 * Decodes one whole frame (framelen from sasync_frame_size()).  On
 * SASYNC_OK, *type is the frame's type (PFKEYDATA too: the caller counts
 * and drops it) and the plaintext payload, padding dropped and hash
 * checked, is in payload (room for SASYNC_MAXDATA bytes), its length in
 * *plen.  Otherwise the reason; nothing in payload is meaningful.
 */
enum sasync_drop sasync_frame_decode(const struct sasync_key *,
	    const uint8_t *frame, size_t framelen, uint32_t *type,
	    uint8_t *payload, size_t *plen);

void	 sasync_ctl_encode(const struct sasync_ctl *, uint8_t out[12]);
/* 0, or -1 unless len is exactly 12. */
int	 sasync_ctl_decode(const uint8_t *, size_t len, struct sasync_ctl *);
/* "CTL_RESERVED" .. "CTL_UNKNOWN", "?" for other values. */
const char	*sasync_ctl_name(uint32_t type);
/* "INIT", "SLAVE", "MASTER", "FAIL", "?" for other values. */
const char	*sasync_state_name(uint32_t);
/* "SYNCCTL", "PFKEYDATA", "XFRMDATA", "?" for other values. */
const char	*sasync_msg_name(uint32_t);

#endif /* HAKIT_SASYNC_FRAME_H */
