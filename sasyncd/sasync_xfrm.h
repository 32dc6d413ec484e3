/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

#ifndef SASYNCD_SASYNC_XFRM_H
#define SASYNCD_SASYNC_XFRM_H

/*
 * XFRM netlink messages as sasyncd moves them (spec sections 6.2-6.4),
 * without I/O.  A message is a whole netlink message: struct nlmsghdr,
 * the fixed body of its type, then attributes, all in host byte order
 * (peers share endianness, spec 6.3).  Every parse is bounded by the
 * length given: a header, body or attribute that does not fit makes the
 * message malformed, and nothing past the length is read.  Output
 * buffers should be aligned for struct nlmsghdr.  Keys never reach a
 * string made here.
 */

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#include <linux/netlink.h>
#include <linux/xfrm.h>

#define XM_MAXMSG	4096	/* largest message sent or accepted */
#define XM_MAXADDR	8	/* addresses kept in struct xm_info */

/* Why a peer's message was refused; one counter each. */
enum xm_drop {
	XM_OK = 0,
	XM_SHORT,	/* shorter than a netlink header or its body */
	XM_BADLEN,	/* nlmsg_len disagrees with the payload */
	XM_BADTYPE,	/* not a type a peer may send */
	XM_BADATTR,	/* attribute truncated or of the wrong size */
	XM_IFINDEX,	/* selector bound to one of the sender's interfaces */
	XM_TOOBIG,	/* more than XM_MAXMSG bytes */
	XM_DROP_MAX
};

/* An SA's identity: what DELSA, GETSA and NEWAE name it by. */
struct xm_sakey {
	uint16_t	 family;
	xfrm_address_t	 daddr;
	uint32_t	 spi;		/* network order, as in the kernel */
	uint8_t		 proto;
	uint32_t	 mark_v;
	uint32_t	 mark_m;
};

/* A policy's identity: selector, direction, index, mark. */
struct xm_polkey {
	struct xfrm_selector	 sel;
	uint8_t			 dir;
	uint32_t		 index;
	uint32_t		 mark_v;
	uint32_t		 mark_m;
};

struct xm_addr {
	int		 af;
	xfrm_address_t	 a;
};

/* What the daemon needs to know about a validated message. */
struct xm_info {
	uint16_t	 type;
	int		 family;
	/* SA saddr/daddr, policy template saddr/daddr (for skipslave) */
	int		 naddr;
	struct xm_addr	 addr[XM_MAXADDR];
	int		 larval;	/* NEWSA without any ALG attribute */
	int		 has_sakey;
	struct xm_sakey	 sakey;		/* NEWSA, DELSA, NEWAE */
};

/* Counter name of a drop reason ("short", "bad length", ...). */
const char	*xm_drop_name(enum xm_drop);

/*
 * A message from a peer (spec 6.3): type one of NEWSA, DELSA, FLUSHSA,
 * UPDPOLICY, DELPOLICY, FLUSHPOLICY, NEWAE; at most XM_MAXMSG bytes;
 * body and attribute sizes right for the type; a selector with a
 * non-zero ifindex refused.  info (may be NULL) is filled on XM_OK.
 */
enum xm_drop	 xm_validate(const void *msg, size_t len, struct xm_info *info);

/*
 * A kernel event or dump entry -> the message to send to slaves (spec
 * 6.2): NEWSA/UPDSA with an algorithm -> NEWSA without host-local
 * attributes; larval SA -> nothing; DELSA -> DELSA; hard EXPIRE ->
 * DELSA; soft EXPIRE -> nothing; NEW/UPDPOLICY -> UPDPOLICY; DELPOLICY
 * and hard POLEXPIRE -> DELPOLICY; FLUSHSA/FLUSHPOLICY -> the same;
 * NEWAE -> NEWAE; ACQUIRE, GET* and others -> nothing.  The input's
 * nlmsg_len is trusted to lie within its buffer (the receive loop
 * checked it).  Returns the length written, 0 for nothing, or -1 with
 * errno EBADMSG (malformed) or E2BIG (result over XM_MAXMSG or outlen).
 * The output's nlmsg_pid, nlmsg_seq and nlmsg_flags are zero.
 */
ssize_t		 xm_from_event(const struct nlmsghdr *, void *out,
		    size_t outlen);

/*
 * A validated peer message readied for our kernel: host-local
 * attributes stripped, margin added to oseq in XFRMA_REPLAY_VAL
 * (saturating at 0xffffffff) and XFRMA_REPLAY_ESN_VAL (carrying into
 * oseq_hi), flags REQUEST|ACK (plus CREATE|EXCL for NEWSA,
 * CREATE|REPLACE for UPDPOLICY, REPLACE for NEWAE), pid 0, the given
 * seq.  A NEWSA without a replay attribute gets none (the kernel then
 * starts at 0).  Returns the new length, or -1 with errno EBADMSG (not
 * a valid peer message) or E2BIG.
 */
ssize_t		 xm_prepare(const void *in, size_t len, uint32_t margin,
		    uint32_t seq, void *out, size_t outlen);

/* The DELSA that removes the SA a NEWSA describes (EEXIST on NEWSA). */
ssize_t		 xm_delsa_for(const void *newsa, size_t len, void *out,
		    size_t outlen);
/* An empty FLUSHSA (all protocols) or FLUSHPOLICY (main type). */
ssize_t		 xm_flush(uint16_t type, void *out, size_t outlen);

/*
 * One line for logs, never a key: "NEWSA esp spi 0x00000100 192.0.2.1 >
 * 192.0.2.2", "UPDPOLICY out 192.0.2.1/32 > 192.0.2.2/32".
 */
void		 xm_describe(const void *msg, size_t len, char *buf,
		    size_t buflen);

/* Builders for tests, the in-memory backend and the lab. */
struct xm_sa_spec {
	int		 af;		/* AF_INET or AF_INET6 */
	char		 src[46], dst[46];
	uint32_t	 spi;		/* host order */
	uint8_t		 proto;		/* IPPROTO_ESP, _AH, _COMP */
	uint32_t	 reqid;
	uint32_t	 oseq, seq, bitmap;
	int		 esn;
	uint32_t	 mark;		/* 0: no XFRMA_MARK */
};

/*
 * Tunnel mode; ESP: cbc(aes) with a 128-bit key of fixed test bytes and
 * hmac(sha1) 160-bit; AH: the auth algorithm only; IPCOMP: deflate.
 * XFRMA_REPLAY_VAL, or with esn XFRMA_REPLAY_ESN_VAL (replay_window 32,
 * bmp_len 1), carrying oseq/seq/bitmap.  Flags and pid are zero.
 */
ssize_t		 xm_build_newsa(const struct xm_sa_spec *, void *out,
		    size_t outlen);
ssize_t		 xm_build_delsa(const struct xm_sa_spec *, void *out,
		    size_t outlen);
/* NEWAE with the replay attribute of the spec and flags XFRM_AE_RVAL. */
ssize_t		 xm_build_newae(const struct xm_sa_spec *, void *out,
		    size_t outlen);

struct xm_pol_spec {
	int		 af;
	char		 src[50], dst[50];	/* "address/prefixlen" */
	int		 dir;			/* XFRM_POLICY_IN, OUT, FWD */
	char		 tsrc[46], tdst[46];	/* tunnel template ends */
	uint32_t	 priority;
	uint32_t	 index;
};

/* type NEWPOLICY or UPDPOLICY; one ESP tunnel template. */
ssize_t		 xm_build_policy(uint16_t type, const struct xm_pol_spec *,
		    void *out, size_t outlen);
ssize_t		 xm_build_delpolicy(const struct xm_pol_spec *, void *out,
		    size_t outlen);

/*
 * The replay state of a NEWSA or NEWAE: oseq (64-bit with ESN) and seq.
 * 0, or -1 if malformed or without a replay attribute.
 */
int		 xm_replay(const void *msg, size_t len, uint64_t *oseq,
		    uint64_t *seq);

/* Identity of NEWSA, DELSA, NEWAE, EXPIRE (SA) or a policy message
 * (NEW/UPD/DELPOLICY, POLEXPIRE).  0, or -1 if malformed. */
int		 xm_sakey(const void *msg, size_t len, struct xm_sakey *);
int		 xm_polkey(const void *msg, size_t len, struct xm_polkey *);
/* 1 if two keys name the same SA (policy), 0 if not. */
int		 xm_sakey_eq(const struct xm_sakey *, const struct xm_sakey *);
int		 xm_polkey_eq(const struct xm_polkey *,
		    const struct xm_polkey *);

/*
 * Overwrites the replay attribute of an SA message (NEWSA) in place
 * with that of a NEWAE, for the in-memory backend.  The attributes
 * must have the same type and size.  0, or -1 with errno set.
 */
int		 xm_set_replay(void *sa, size_t len, const void *newae,
		    size_t aelen);

#endif /* SASYNCD_SASYNC_XFRM_H */
