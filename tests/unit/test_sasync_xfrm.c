/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * sasync_xfrm: the builders, every row of the event table of spec 6.2
 * through xm_from_event(), each drop reason of xm_validate(), the margin
 * of xm_prepare() (ESN carry, 32-bit saturation), host-local attributes
 * stripped, identities, and xm_describe() never showing a key byte.
 * Kernel events are built here by hand in the layouts the kernel uses.
 */

#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sasync_xfrm.h"

#define MSG_MAX		8192

union mbuf {
	struct nlmsghdr	 h;
	uint8_t		 b[MSG_MAX];
};

static size_t	 mk(union mbuf *, uint16_t, const void *, size_t);
static size_t	 add_attr(union mbuf *, uint16_t, const void *, size_t);
static int	 find_attr(const void *, size_t, size_t, uint16_t, void *,
		    size_t);
static int	 count_attrs(const void *, size_t, size_t);
static void	 spec_v4(struct xm_sa_spec *, uint8_t);
static void	 pol_v4(struct xm_pol_spec *);
static struct nlmsghdr hdr_of(const void *);
static void	 no_key_bytes(const char *);

/* A message of type with a fixed body, header and body only. */
static size_t
mk(union mbuf *m, uint16_t type, const void *body, size_t blen)
{
	memset(m, 0, sizeof(*m));
	m->h.nlmsg_type = type;
	m->h.nlmsg_len = NLMSG_HDRLEN + NLMSG_ALIGN(blen);
	if (blen > 0)
		memcpy(m->b + NLMSG_HDRLEN, body, blen);
	return (m->h.nlmsg_len);
}

static size_t
add_attr(union mbuf *m, uint16_t type, const void *p, size_t n)
{
	struct nlattr	 nla;
	size_t		 off = m->h.nlmsg_len;

	nla.nla_len = (uint16_t)(NLA_HDRLEN + n);
	nla.nla_type = type;
	memcpy(m->b + off, &nla, sizeof(nla));
	if (n > 0)
		memcpy(m->b + off + NLA_HDRLEN, p, n);
	m->h.nlmsg_len = (uint32_t)(off + NLA_ALIGN(NLA_HDRLEN + n));
	return (m->h.nlmsg_len);
}

/* Copies attribute type of a message whose body is blen bytes: 1/0. */
static int
find_attr(const void *msg, size_t len, size_t blen, uint16_t type,
    void *out, size_t outlen)
{
	const uint8_t	*p = msg;
	struct nlattr	 nla;
	size_t		 off = NLMSG_HDRLEN + NLMSG_ALIGN(blen), pl;

	while (off + NLA_HDRLEN <= len) {
		memcpy(&nla, p + off, sizeof(nla));
		if (nla.nla_len < NLA_HDRLEN || off + nla.nla_len > len)
			return (0);
		if (nla.nla_type == type) {
			pl = (size_t)nla.nla_len - NLA_HDRLEN;
			if (out != NULL)
				memcpy(out, p + off + NLA_HDRLEN,
				    outlen < pl ? outlen : pl);
			return (1);
		}
		off += NLA_ALIGN(nla.nla_len);
	}
	return (0);
}

static int
count_attrs(const void *msg, size_t len, size_t blen)
{
	const uint8_t	*p = msg;
	struct nlattr	 nla;
	size_t		 off = NLMSG_HDRLEN + NLMSG_ALIGN(blen);
	int		 n = 0;

	while (off + NLA_HDRLEN <= len) {
		memcpy(&nla, p + off, sizeof(nla));
		if (nla.nla_len < NLA_HDRLEN)
			return (-1);
		n++;
		off += NLA_ALIGN(nla.nla_len);
	}
	return (n);
}

static void
spec_v4(struct xm_sa_spec *s, uint8_t proto)
{
	memset(s, 0, sizeof(*s));
	s->af = AF_INET;
	(void)strlcpy(s->src, "192.0.2.1", sizeof(s->src));
	(void)strlcpy(s->dst, "192.0.2.2", sizeof(s->dst));
	s->spi = 0x100;
	s->proto = proto;
	s->reqid = 7;
	s->oseq = 1000;
	s->seq = 900;
	s->bitmap = 0xffff;
}

static void
pol_v4(struct xm_pol_spec *p)
{
	memset(p, 0, sizeof(*p));
	p->af = AF_INET;
	(void)strlcpy(p->src, "192.0.2.1/32", sizeof(p->src));
	(void)strlcpy(p->dst, "192.0.2.2/32", sizeof(p->dst));
	p->dir = XFRM_POLICY_OUT;
	(void)strlcpy(p->tsrc, "198.51.100.1", sizeof(p->tsrc));
	(void)strlcpy(p->tdst, "198.51.100.2", sizeof(p->tdst));
	p->priority = 100;
}

static struct nlmsghdr
hdr_of(const void *msg)
{
	struct nlmsghdr	 h;

	memcpy(&h, msg, sizeof(h));
	return (h);
}

/* The test keys are 0x41 (crypt) and 0x42 (auth) bytes. */
static void
no_key_bytes(const char *s)
{
	assert_null(strstr(s, "AAAA"));
	assert_null(strstr(s, "BBBB"));
	assert_null(strstr(s, "4141"));
	assert_null(strstr(s, "4242"));
}

static void
test_every_drop_reason_has_its_own_name(void **state)
{
	int	 i, j;

	(void)state;
	for (i = 0; i < XM_DROP_MAX; i++) {
		assert_string_not_equal(xm_drop_name(i), "unknown");
		for (j = 0; j < i; j++)
			assert_string_not_equal(xm_drop_name(i),
			    xm_drop_name(j));
	}
	assert_string_equal(xm_drop_name(XM_DROP_MAX), "unknown");
}

static void
test_built_esp_sa_validates_and_names_its_ends(void **state)
{
	union mbuf		 m;
	struct xm_sa_spec	 s;
	struct xm_info		 info;
	struct xfrm_usersa_info	 sa;
	struct xfrm_replay_state rs;
	struct in_addr		 a;
	ssize_t			 n;

	(void)state;
	spec_v4(&s, IPPROTO_ESP);
	s.mark = 5;
	assert_true((n = xm_build_newsa(&s, &m, sizeof(m))) > 0);
	assert_int_equal(hdr_of(&m).nlmsg_len, n);
	assert_int_equal(xm_validate(&m, (size_t)n, &info), XM_OK);
	assert_int_equal(info.type, XFRM_MSG_NEWSA);
	assert_int_equal(info.family, AF_INET);
	assert_false(info.larval);
	assert_true(info.has_sakey);
	assert_int_equal(info.sakey.spi, htonl(0x100));
	assert_int_equal(info.sakey.proto, IPPROTO_ESP);
	assert_int_equal(info.sakey.mark_v, 5);
	assert_int_equal(info.naddr, 2);
	assert_int_equal(inet_pton(AF_INET, "192.0.2.1", &a), 1);
	assert_memory_equal(&info.addr[0].a, &a, sizeof(a));
	assert_int_equal(inet_pton(AF_INET, "192.0.2.2", &a), 1);
	assert_memory_equal(&info.addr[1].a, &a, sizeof(a));

	memcpy(&sa, m.b + NLMSG_HDRLEN, sizeof(sa));
	assert_int_equal(sa.mode, XFRM_MODE_TUNNEL);
	assert_int_equal(sa.replay_window, 32);
	assert_int_equal(sa.reqid, 7);
	assert_true(find_attr(&m, (size_t)n, sizeof(sa), XFRMA_ALG_CRYPT,
	    NULL, 0));
	assert_true(find_attr(&m, (size_t)n, sizeof(sa), XFRMA_ALG_AUTH,
	    NULL, 0));
	assert_true(find_attr(&m, (size_t)n, sizeof(sa), XFRMA_REPLAY_VAL,
	    &rs, sizeof(rs)));
	assert_int_equal(rs.oseq, 1000);
	assert_int_equal(rs.seq, 900);
	assert_int_equal(rs.bitmap, 0xffff);
}

static void
test_ah_ipcomp_and_esn_sas_build_with_their_attributes(void **state)
{
	union mbuf			 m;
	struct xm_sa_spec		 s;
	struct xm_info			 info;
	struct xfrm_usersa_info		 sa;
	struct xfrm_replay_state_esn	 esn;
	ssize_t				 n;

	(void)state;
	spec_v4(&s, IPPROTO_AH);
	assert_true((n = xm_build_newsa(&s, &m, sizeof(m))) > 0);
	assert_int_equal(xm_validate(&m, (size_t)n, &info), XM_OK);
	assert_false(info.larval);
	assert_false(find_attr(&m, (size_t)n, sizeof(sa), XFRMA_ALG_CRYPT,
	    NULL, 0));
	assert_true(find_attr(&m, (size_t)n, sizeof(sa), XFRMA_ALG_AUTH,
	    NULL, 0));

	spec_v4(&s, IPPROTO_COMP);
	assert_true((n = xm_build_newsa(&s, &m, sizeof(m))) > 0);
	assert_int_equal(xm_validate(&m, (size_t)n, &info), XM_OK);
	assert_false(info.larval);
	assert_true(find_attr(&m, (size_t)n, sizeof(sa), XFRMA_ALG_COMP,
	    NULL, 0));

	spec_v4(&s, IPPROTO_ESP);
	s.esn = 1;
	assert_true((n = xm_build_newsa(&s, &m, sizeof(m))) > 0);
	assert_int_equal(xm_validate(&m, (size_t)n, NULL), XM_OK);
	memcpy(&sa, m.b + NLMSG_HDRLEN, sizeof(sa));
	assert_true(sa.flags & XFRM_STATE_ESN);
	assert_int_equal(sa.replay_window, 0);
	assert_true(find_attr(&m, (size_t)n, sizeof(sa),
	    XFRMA_REPLAY_ESN_VAL, &esn, sizeof(esn)));
	assert_int_equal(esn.bmp_len, 1);
	assert_int_equal(esn.replay_window, 32);
	assert_int_equal(esn.oseq, 1000);
	assert_false(find_attr(&m, (size_t)n, sizeof(sa), XFRMA_REPLAY_VAL,
	    NULL, 0));

	/* An address of the other family, or a prefix, is refused. */
	spec_v4(&s, IPPROTO_ESP);
	(void)strlcpy(s.dst, "2001:db8::1", sizeof(s.dst));
	assert_int_equal(xm_build_newsa(&s, &m, sizeof(m)), -1);
	spec_v4(&s, IPPROTO_ESP);
	(void)strlcpy(s.dst, "192.0.2.0/24", sizeof(s.dst));
	assert_int_equal(xm_build_newsa(&s, &m, sizeof(m)), -1);
	/* No room. */
	spec_v4(&s, IPPROTO_ESP);
	assert_int_equal(xm_build_newsa(&s, &m, 100), -1);
	assert_int_equal(errno, E2BIG);
}

static void
test_new_and_updated_sas_go_out_as_newsa_with_zero_header(void **state)
{
	union mbuf		 in, out;
	struct xm_sa_spec	 s;
	struct nlmsghdr		 h;
	ssize_t			 n, r;

	(void)state;
	spec_v4(&s, IPPROTO_ESP);
	assert_true((n = xm_build_newsa(&s, &in, sizeof(in))) > 0);
	in.h.nlmsg_pid = 1234;
	in.h.nlmsg_seq = 99;
	in.h.nlmsg_flags = NLM_F_MULTI;
	r = xm_from_event(&in.h, &out, sizeof(out));
	assert_int_equal(r, n);
	h = hdr_of(&out);
	assert_int_equal(h.nlmsg_type, XFRM_MSG_NEWSA);
	assert_int_equal(h.nlmsg_pid, 0);
	assert_int_equal(h.nlmsg_seq, 0);
	assert_int_equal(h.nlmsg_flags, 0);
	assert_memory_equal(out.b + NLMSG_HDRLEN, in.b + NLMSG_HDRLEN,
	    (size_t)n - NLMSG_HDRLEN);

	in.h.nlmsg_type = XFRM_MSG_UPDSA;
	assert_int_equal(xm_from_event(&in.h, &out, sizeof(out)), n);
	assert_int_equal(hdr_of(&out).nlmsg_type, XFRM_MSG_NEWSA);
}

static void
test_larval_sa_from_allocspi_sends_nothing(void **state)
{
	union mbuf		 in, out;
	struct xfrm_usersa_info	 sa;
	struct xfrm_replay_state rs;
	struct xm_info		 info;

	(void)state;
	memset(&sa, 0, sizeof(sa));
	sa.family = AF_INET;
	sa.id.proto = IPPROTO_ESP;
	sa.id.spi = htonl(0xc0ffee);
	(void)mk(&in, XFRM_MSG_NEWSA, &sa, sizeof(sa));
	memset(&rs, 0, sizeof(rs));
	(void)add_attr(&in, XFRMA_REPLAY_VAL, &rs, sizeof(rs));
	assert_int_equal(xm_from_event(&in.h, &out, sizeof(out)), 0);
	in.h.nlmsg_type = XFRM_MSG_UPDSA;
	assert_int_equal(xm_from_event(&in.h, &out, sizeof(out)), 0);
	/* A peer's larval NEWSA is valid but marked. */
	in.h.nlmsg_type = XFRM_MSG_NEWSA;
	assert_int_equal(xm_validate(&in, in.h.nlmsg_len, &info), XM_OK);
	assert_true(info.larval);
}

static void
test_offload_device_is_stripped_from_events_and_peers(void **state)
{
	union mbuf		 in, out, ref;
	struct xm_sa_spec	 s;
	struct xfrm_user_offload off;
	uint64_t		 last = 12345;
	ssize_t			 n, r;

	(void)state;
	spec_v4(&s, IPPROTO_ESP);
	assert_true((n = xm_build_newsa(&s, &ref, sizeof(ref))) > 0);
	memcpy(&in, &ref, sizeof(in));
	memset(&off, 0, sizeof(off));
	off.ifindex = 3;
	(void)add_attr(&in, XFRMA_OFFLOAD_DEV, &off, sizeof(off));
	(void)add_attr(&in, XFRMA_LASTUSED, &last, sizeof(last));
	assert_true(in.h.nlmsg_len > (uint32_t)n);
	r = xm_from_event(&in.h, &out, sizeof(out));
	assert_int_equal(r, n);
	assert_memory_equal(out.b + NLMSG_HDRLEN, ref.b + NLMSG_HDRLEN,
	    (size_t)n - NLMSG_HDRLEN);

	/* From a peer: accepted, then dropped by xm_prepare(). */
	assert_int_equal(xm_validate(&in, in.h.nlmsg_len, NULL), XM_OK);
	r = xm_prepare(&in, in.h.nlmsg_len, 0, 1, &out, sizeof(out));
	assert_int_equal(r, n);
	assert_false(find_attr(&out, (size_t)r,
	    sizeof(struct xfrm_usersa_info), XFRMA_OFFLOAD_DEV, NULL, 0));
}

static void
test_delsa_event_becomes_id_srcaddr_and_mark_without_keys(void **state)
{
	union mbuf		 in, out, sa_msg;
	struct xm_sa_spec	 s;
	struct xfrm_usersa_info	 sa;
	struct xfrm_usersa_id	 id, oid;
	struct xfrm_mark	 mark = { .v = 9, .m = 0xffffffff };
	xfrm_address_t		 src;
	struct in_addr		 a;
	ssize_t			 n, r;
	size_t			 alen;

	(void)state;
	/* As the kernel sends it: usersa_id, XFRMA_SA, then the rest. */
	spec_v4(&s, IPPROTO_ESP);
	assert_true((n = xm_build_newsa(&s, &sa_msg, sizeof(sa_msg))) > 0);
	memcpy(&sa, sa_msg.b + NLMSG_HDRLEN, sizeof(sa));
	memset(&id, 0, sizeof(id));
	id.daddr = sa.id.daddr;
	id.spi = sa.id.spi;
	id.family = AF_INET;
	id.proto = IPPROTO_ESP;
	(void)mk(&in, XFRM_MSG_DELSA, &id, sizeof(id));
	(void)add_attr(&in, XFRMA_SA, &sa, sizeof(sa));
	/* the SA's own attributes, keys included */
	alen = (size_t)n - NLMSG_HDRLEN - NLMSG_ALIGN(sizeof(sa));
	memcpy(in.b + in.h.nlmsg_len, sa_msg.b + NLMSG_HDRLEN +
	    NLMSG_ALIGN(sizeof(sa)), alen);
	in.h.nlmsg_len += (uint32_t)alen;
	(void)add_attr(&in, XFRMA_MARK, &mark, sizeof(mark));

	r = xm_from_event(&in.h, &out, sizeof(out));
	assert_true(r > 0);
	assert_int_equal(hdr_of(&out).nlmsg_type, XFRM_MSG_DELSA);
	memcpy(&oid, out.b + NLMSG_HDRLEN, sizeof(oid));
	assert_memory_equal(&oid, &id, sizeof(id));
	assert_int_equal(count_attrs(&out, (size_t)r, sizeof(id)), 2);
	assert_true(find_attr(&out, (size_t)r, sizeof(id), XFRMA_SRCADDR,
	    &src, sizeof(src)));
	assert_int_equal(inet_pton(AF_INET, "192.0.2.1", &a), 1);
	assert_memory_equal(&src, &a, sizeof(a));
	assert_true(find_attr(&out, (size_t)r, sizeof(id), XFRMA_MARK,
	    &mark, sizeof(mark)));
	assert_int_equal(mark.v, 9);
	assert_null(memmem(out.b, (size_t)r, "AAAA", 4));
	assert_int_equal(xm_validate(&out, (size_t)r, NULL), XM_OK);
}

static void
test_hard_expire_becomes_delsa_and_soft_expire_nothing(void **state)
{
	union mbuf		 in, out, sa_msg, ref;
	struct xm_sa_spec	 s;
	struct xfrm_user_expire	 ex;
	ssize_t			 r, rn;

	(void)state;
	spec_v4(&s, IPPROTO_ESP);
	s.mark = 0x77;
	assert_true(xm_build_newsa(&s, &sa_msg, sizeof(sa_msg)) > 0);
	memset(&ex, 0, sizeof(ex));
	memcpy(&ex.state, sa_msg.b + NLMSG_HDRLEN, sizeof(ex.state));
	ex.hard = 1;
	(void)mk(&in, XFRM_MSG_EXPIRE, &ex, sizeof(ex));
	(void)add_attr(&in, XFRMA_MARK,
	    &(struct xfrm_mark){ .v = 0x77, .m = 0xffffffff },
	    sizeof(struct xfrm_mark));
	r = xm_from_event(&in.h, &out, sizeof(out));
	assert_true(r > 0);
	/* The same bytes as the DELSA built from the spec. */
	assert_true((rn = xm_build_delsa(&s, &ref, sizeof(ref))) > 0);
	assert_int_equal(r, rn);
	assert_memory_equal(&out, &ref, (size_t)r);

	ex.hard = 0;
	(void)mk(&in, XFRM_MSG_EXPIRE, &ex, sizeof(ex));
	assert_int_equal(xm_from_event(&in.h, &out, sizeof(out)), 0);
}

static void
test_new_and_updated_policies_go_out_as_updpolicy(void **state)
{
	union mbuf		 in, out;
	struct xm_pol_spec	 p;
	struct xm_info		 info;
	struct in_addr		 a;
	ssize_t			 n, r;

	(void)state;
	pol_v4(&p);
	assert_true((n = xm_build_policy(XFRM_MSG_NEWPOLICY, &p, &in,
	    sizeof(in))) > 0);
	r = xm_from_event(&in.h, &out, sizeof(out));
	assert_int_equal(r, n);
	assert_int_equal(hdr_of(&out).nlmsg_type, XFRM_MSG_UPDPOLICY);
	assert_memory_equal(out.b + NLMSG_HDRLEN, in.b + NLMSG_HDRLEN,
	    (size_t)n - NLMSG_HDRLEN);
	assert_int_equal(xm_validate(&out, (size_t)r, &info), XM_OK);
	assert_int_equal(info.family, AF_INET);
	assert_false(info.has_sakey);
	/* skipslave looks at the template's ends */
	assert_int_equal(info.naddr, 2);
	assert_int_equal(inet_pton(AF_INET, "198.51.100.1", &a), 1);
	assert_memory_equal(&info.addr[0].a, &a, sizeof(a));
	assert_int_equal(inet_pton(AF_INET, "198.51.100.2", &a), 1);
	assert_memory_equal(&info.addr[1].a, &a, sizeof(a));

	in.h.nlmsg_type = XFRM_MSG_UPDPOLICY;
	assert_int_equal(xm_from_event(&in.h, &out, sizeof(out)), n);
	assert_int_equal(hdr_of(&out).nlmsg_type, XFRM_MSG_UPDPOLICY);
}

static void
test_delpolicy_by_index_takes_selector_and_drops_index(void **state)
{
	union mbuf			 in, out, pol_msg;
	struct xm_pol_spec		 p;
	struct xfrm_userpolicy_info	 pol;
	struct xfrm_userpolicy_id	 id, oid;
	struct xfrm_userpolicy_type	 pt = { .type = XFRM_POLICY_TYPE_MAIN };
	uint32_t			 ifid = 4;
	ssize_t				 n, r;

	(void)state;
	pol_v4(&p);
	p.index = 0x1234 * 8 + XFRM_POLICY_OUT;
	assert_true((n = xm_build_policy(XFRM_MSG_NEWPOLICY, &p, &pol_msg,
	    sizeof(pol_msg))) > 0);
	memcpy(&pol, pol_msg.b + NLMSG_HDRLEN, sizeof(pol));
	/* Deleted by index: the kernel leaves the id's selector zero. */
	memset(&id, 0, sizeof(id));
	id.dir = XFRM_POLICY_OUT;
	id.index = pol.index;
	(void)mk(&in, XFRM_MSG_DELPOLICY, &id, sizeof(id));
	(void)add_attr(&in, XFRMA_POLICY, &pol, sizeof(pol));
	(void)add_attr(&in, XFRMA_POLICY_TYPE, &pt, sizeof(pt));
	(void)add_attr(&in, XFRMA_IF_ID, &ifid, sizeof(ifid));
	(void)add_attr(&in, XFRMA_LASTUSED, &(uint64_t){ 1 },
	    sizeof(uint64_t));

	r = xm_from_event(&in.h, &out, sizeof(out));
	assert_true(r > 0);
	assert_int_equal(hdr_of(&out).nlmsg_type, XFRM_MSG_DELPOLICY);
	memcpy(&oid, out.b + NLMSG_HDRLEN, sizeof(oid));
	assert_memory_equal(&oid.sel, &pol.sel, sizeof(pol.sel));
	assert_int_equal(oid.dir, XFRM_POLICY_OUT);
	assert_int_equal(oid.index, 0);
	assert_true(find_attr(&out, (size_t)r, sizeof(oid),
	    XFRMA_POLICY_TYPE, NULL, 0));
	assert_true(find_attr(&out, (size_t)r, sizeof(oid), XFRMA_IF_ID,
	    NULL, 0));
	assert_false(find_attr(&out, (size_t)r, sizeof(oid), XFRMA_POLICY,
	    NULL, 0));
	assert_false(find_attr(&out, (size_t)r, sizeof(oid), XFRMA_LASTUSED,
	    NULL, 0));
	assert_int_equal(xm_validate(&out, (size_t)r, NULL), XM_OK);
}

static void
test_hard_polexpire_becomes_delpolicy_and_soft_nothing(void **state)
{
	union mbuf			 in, out, pol_msg, ref;
	struct xm_pol_spec		 p;
	struct xfrm_user_polexpire	 pex;
	ssize_t				 r, rn;

	(void)state;
	pol_v4(&p);
	(void)strlcpy(p.tdst, "", sizeof(p.tdst));	/* no template */
	assert_true(xm_build_policy(XFRM_MSG_NEWPOLICY, &p, &pol_msg,
	    sizeof(pol_msg)) > 0);
	memset(&pex, 0, sizeof(pex));
	memcpy(&pex.pol, pol_msg.b + NLMSG_HDRLEN, sizeof(pex.pol));
	pex.hard = 1;
	(void)mk(&in, XFRM_MSG_POLEXPIRE, &pex, sizeof(pex));
	r = xm_from_event(&in.h, &out, sizeof(out));
	assert_true((rn = xm_build_delpolicy(&p, &ref, sizeof(ref))) > 0);
	assert_int_equal(r, rn);
	assert_memory_equal(&out, &ref, (size_t)r);

	pex.hard = 0;
	(void)mk(&in, XFRM_MSG_POLEXPIRE, &pex, sizeof(pex));
	assert_int_equal(xm_from_event(&in.h, &out, sizeof(out)), 0);
}

static void
test_flushes_and_aevents_go_out_as_they_came(void **state)
{
	union mbuf		 in, out;
	struct xm_sa_spec	 s;
	struct xfrm_usersa_flush f = { .proto = IPPROTO_ESP };
	struct xfrm_userpolicy_type pt = { .type = XFRM_POLICY_TYPE_MAIN };
	ssize_t			 n;

	(void)state;
	/* the kernel's FLUSHSA: nlmsg_len counts the one body byte */
	(void)mk(&in, XFRM_MSG_FLUSHSA, &f, sizeof(f));
	in.h.nlmsg_len = NLMSG_HDRLEN + 1;
	assert_int_equal(xm_from_event(&in.h, &out, sizeof(out)), 20);
	assert_int_equal(hdr_of(&out).nlmsg_type, XFRM_MSG_FLUSHSA);
	assert_int_equal(out.b[NLMSG_HDRLEN], IPPROTO_ESP);

	(void)mk(&in, XFRM_MSG_FLUSHPOLICY, NULL, 0);
	(void)add_attr(&in, XFRMA_POLICY_TYPE, &pt, sizeof(pt));
	n = xm_from_event(&in.h, &out, sizeof(out));
	assert_int_equal(n, in.h.nlmsg_len);
	assert_int_equal(hdr_of(&out).nlmsg_type, XFRM_MSG_FLUSHPOLICY);

	spec_v4(&s, IPPROTO_ESP);
	assert_true((n = xm_build_newae(&s, &in, sizeof(in))) > 0);
	in.h.nlmsg_pid = 77;
	assert_int_equal(xm_from_event(&in.h, &out, sizeof(out)), n);
	assert_int_equal(hdr_of(&out).nlmsg_pid, 0);
	assert_memory_equal(out.b + NLMSG_HDRLEN, in.b + NLMSG_HDRLEN,
	    (size_t)n - NLMSG_HDRLEN);
}

static void
test_acquire_gets_and_other_types_send_nothing(void **state)
{
	union mbuf			 in, out;
	static const uint16_t		 types[] = { XFRM_MSG_ACQUIRE,
	    XFRM_MSG_GETSA, XFRM_MSG_GETPOLICY, XFRM_MSG_ALLOCSPI,
	    XFRM_MSG_GETAE, XFRM_MSG_REPORT, XFRM_MSG_MIGRATE,
	    XFRM_MSG_NEWSADINFO, XFRM_MSG_MAPPING, NLMSG_ERROR, NLMSG_DONE };
	size_t				 i;

	(void)state;
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		(void)mk(&in, types[i], NULL, 0);
		/* even a short one: the type alone decides */
		assert_int_equal(xm_from_event(&in.h, &out, sizeof(out)), 0);
	}
}

static void
test_malformed_event_and_small_output_are_errors(void **state)
{
	union mbuf		 in, out;
	struct xm_sa_spec	 s;
	ssize_t			 n;

	(void)state;
	spec_v4(&s, IPPROTO_ESP);
	assert_true((n = xm_build_newsa(&s, &in, sizeof(in))) > 0);
	/* body cut short */
	in.h.nlmsg_len = NLMSG_HDRLEN + 8;
	errno = 0;
	assert_int_equal(xm_from_event(&in.h, &out, sizeof(out)), -1);
	assert_int_equal(errno, EBADMSG);
	/* an attribute overruns the message */
	assert_true((n = xm_build_newsa(&s, &in, sizeof(in))) > 0);
	in.h.nlmsg_len = (uint32_t)n - 4;
	errno = 0;
	assert_int_equal(xm_from_event(&in.h, &out, sizeof(out)), -1);
	assert_int_equal(errno, EBADMSG);
	/* the output does not fit */
	in.h.nlmsg_len = (uint32_t)n;
	errno = 0;
	assert_int_equal(xm_from_event(&in.h, &out, (size_t)n - 1), -1);
	assert_int_equal(errno, E2BIG);
}

static void
test_event_larger_than_4096_bytes_is_too_big_to_send(void **state)
{
	union mbuf		 in, out;
	struct xm_sa_spec	 s;
	uint8_t			 junk[1000];
	int			 i;

	(void)state;
	spec_v4(&s, IPPROTO_ESP);
	assert_true(xm_build_newsa(&s, &in, sizeof(in)) > 0);
	memset(junk, 0, sizeof(junk));
	for (i = 0; i < 5; i++)
		(void)add_attr(&in, XFRMA_SEC_CTX + 100, junk, sizeof(junk));
	assert_true(in.h.nlmsg_len > XM_MAXMSG);
	errno = 0;
	assert_int_equal(xm_from_event(&in.h, &out, sizeof(out)), -1);
	assert_int_equal(errno, E2BIG);
	assert_int_equal(xm_validate(&in, in.h.nlmsg_len, NULL), XM_TOOBIG);
}

static void
test_validate_refuses_short_and_bad_lengths(void **state)
{
	union mbuf		 m;
	struct xm_sa_spec	 s;
	ssize_t			 n;

	(void)state;
	spec_v4(&s, IPPROTO_ESP);
	assert_true((n = xm_build_newsa(&s, &m, sizeof(m))) > 0);
	assert_int_equal(xm_validate(&m, 0, NULL), XM_SHORT);
	assert_int_equal(xm_validate(&m, NLMSG_HDRLEN - 1, NULL), XM_SHORT);
	/* header claims more than was received */
	assert_int_equal(xm_validate(&m, (size_t)n - 1, NULL), XM_BADLEN);
	/* header claims less than the header */
	m.h.nlmsg_len = 8;
	assert_int_equal(xm_validate(&m, (size_t)n, NULL), XM_BADLEN);
	/* trailing bytes after the message */
	m.h.nlmsg_len = (uint32_t)n;
	assert_int_equal(xm_validate(&m, (size_t)n + 4, NULL), XM_BADLEN);
	/* the body cut short */
	m.h.nlmsg_len = NLMSG_HDRLEN + 100;
	assert_int_equal(xm_validate(&m, NLMSG_HDRLEN + 100, NULL), XM_SHORT);
	/* a FLUSHPOLICY is only a header */
	(void)mk(&m, XFRM_MSG_FLUSHPOLICY, NULL, 0);
	assert_int_equal(xm_validate(&m, NLMSG_HDRLEN, NULL), XM_OK);
	/* too big comes first */
	assert_int_equal(xm_validate(&m, XM_MAXMSG + 1, NULL), XM_TOOBIG);
}

static void
test_validate_refuses_types_a_peer_may_not_send(void **state)
{
	union mbuf		 m;
	struct xm_pol_spec	 p;
	uint8_t			 body[512];
	static const uint16_t	 bad[] = { XFRM_MSG_GETSA, XFRM_MSG_UPDSA,
	    XFRM_MSG_ACQUIRE, XFRM_MSG_EXPIRE, XFRM_MSG_POLEXPIRE,
	    XFRM_MSG_ALLOCSPI, XFRM_MSG_GETAE, XFRM_MSG_MIGRATE, 0x7fff,
	    NLMSG_ERROR };
	size_t			 i;

	(void)state;
	pol_v4(&p);
	assert_true(xm_build_policy(XFRM_MSG_NEWPOLICY, &p, &m,
	    sizeof(m)) > 0);
	assert_int_equal(xm_validate(&m, m.h.nlmsg_len, NULL), XM_BADTYPE);
	memset(body, 0, sizeof(body));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		(void)mk(&m, bad[i], body, sizeof(body));
		assert_int_equal(xm_validate(&m, m.h.nlmsg_len, NULL),
		    XM_BADTYPE);
	}
}

static void
test_validate_refuses_bad_attributes(void **state)
{
	union mbuf		 m, base;
	struct xm_sa_spec	 s;
	struct xm_pol_spec	 p;
	struct xfrm_algo	 alg;
	struct xfrm_replay_state_esn esn;
	uint8_t			 raw[200];
	ssize_t			 n;

	(void)state;
	memset(raw, 0, sizeof(raw));
	spec_v4(&s, IPPROTO_ESP);
	assert_true((n = xm_build_newsa(&s, &base, sizeof(base))) > 0);

	/* truncated attribute header: 2 stray bytes, counted */
	memcpy(&m, &base, sizeof(m));
	m.h.nlmsg_len += 2;
	assert_int_equal(xm_validate(&m, m.h.nlmsg_len, NULL), XM_BADATTR);
	/* attribute length below its header */
	memcpy(&m, &base, sizeof(m));
	(void)add_attr(&m, XFRMA_MARK, raw, 8);
	memcpy(m.b + n, &(struct nlattr){ .nla_len = 2,
	    .nla_type = XFRMA_MARK }, sizeof(struct nlattr));
	assert_int_equal(xm_validate(&m, m.h.nlmsg_len, NULL), XM_BADATTR);
	/* REPLAY_VAL too short */
	memcpy(&m, &base, sizeof(m));
	memset(raw, 0, sizeof(raw));
	(void)add_attr(&m, XFRMA_REPLAY_VAL, raw, 8);
	assert_int_equal(xm_validate(&m, m.h.nlmsg_len, NULL), XM_BADATTR);
	/* a key longer than its attribute */
	memcpy(&m, &base, sizeof(m));
	memset(&alg, 0, sizeof(alg));
	(void)strlcpy(alg.alg_name, "cbc(aes)", sizeof(alg.alg_name));
	alg.alg_key_len = 256;
	memcpy(raw, &alg, sizeof(alg));
	(void)add_attr(&m, XFRMA_ALG_CRYPT, raw, sizeof(alg) + 16);
	assert_int_equal(xm_validate(&m, m.h.nlmsg_len, NULL), XM_BADATTR);
	/* an ESN bitmap longer than its attribute */
	memcpy(&m, &base, sizeof(m));
	memset(&esn, 0, sizeof(esn));
	esn.bmp_len = 4;
	memcpy(raw, &esn, sizeof(esn));
	(void)add_attr(&m, XFRMA_REPLAY_ESN_VAL, raw, sizeof(esn) + 8);
	assert_int_equal(xm_validate(&m, m.h.nlmsg_len, NULL), XM_BADATTR);
	/* an ESN bitmap over the kernel's limit */
	memcpy(&m, &base, sizeof(m));
	esn.bmp_len = 1000;
	memcpy(raw, &esn, sizeof(esn));
	(void)add_attr(&m, XFRMA_REPLAY_ESN_VAL, raw, sizeof(esn));
	assert_int_equal(xm_validate(&m, m.h.nlmsg_len, NULL), XM_BADATTR);
	/* a template list that is not whole templates */
	pol_v4(&p);
	assert_true(xm_build_policy(XFRM_MSG_UPDPOLICY, &p, &m,
	    sizeof(m)) > 0);
	assert_int_equal(xm_validate(&m, m.h.nlmsg_len, NULL), XM_OK);
	(void)add_attr(&m, XFRMA_TMPL, raw, 10);
	assert_int_equal(xm_validate(&m, m.h.nlmsg_len, NULL), XM_BADATTR);
}

static void
test_validate_refuses_a_selector_bound_to_an_interface(void **state)
{
	union mbuf			 m;
	struct xm_sa_spec		 s;
	struct xm_pol_spec		 p;
	struct xfrm_usersa_info		 sa;
	struct xfrm_userpolicy_info	 pol;
	struct xfrm_userpolicy_id	 id;

	(void)state;
	spec_v4(&s, IPPROTO_ESP);
	assert_true(xm_build_newsa(&s, &m, sizeof(m)) > 0);
	memcpy(&sa, m.b + NLMSG_HDRLEN, sizeof(sa));
	sa.sel.ifindex = 2;
	memcpy(m.b + NLMSG_HDRLEN, &sa, sizeof(sa));
	assert_int_equal(xm_validate(&m, m.h.nlmsg_len, NULL), XM_IFINDEX);

	pol_v4(&p);
	assert_true(xm_build_policy(XFRM_MSG_UPDPOLICY, &p, &m,
	    sizeof(m)) > 0);
	memcpy(&pol, m.b + NLMSG_HDRLEN, sizeof(pol));
	pol.sel.ifindex = 2;
	memcpy(m.b + NLMSG_HDRLEN, &pol, sizeof(pol));
	assert_int_equal(xm_validate(&m, m.h.nlmsg_len, NULL), XM_IFINDEX);

	assert_true(xm_build_delpolicy(&p, &m, sizeof(m)) > 0);
	memcpy(&id, m.b + NLMSG_HDRLEN, sizeof(id));
	id.sel.ifindex = 2;
	memcpy(m.b + NLMSG_HDRLEN, &id, sizeof(id));
	assert_int_equal(xm_validate(&m, m.h.nlmsg_len, NULL), XM_IFINDEX);
}

static void
test_validate_reads_an_unaligned_message(void **state)
{
	union mbuf		 m;
	struct xm_sa_spec	 s;
	uint8_t			*odd;
	ssize_t			 n;

	(void)state;
	spec_v4(&s, IPPROTO_ESP);
	assert_true((n = xm_build_newsa(&s, &m, sizeof(m))) > 0);
	assert_non_null(odd = malloc((size_t)n + 1));
	memcpy(odd + 1, &m, (size_t)n);
	assert_int_equal(xm_validate(odd + 1, (size_t)n, NULL), XM_OK);
	free(odd);
}

static void
test_prepare_sets_flags_seq_and_pid_for_each_type(void **state)
{
	union mbuf		 in, out;
	struct xm_sa_spec	 s;
	struct xm_pol_spec	 p;
	struct nlmsghdr		 h;
	ssize_t			 n;

	(void)state;
	spec_v4(&s, IPPROTO_ESP);
	pol_v4(&p);

	assert_true(xm_build_newsa(&s, &in, sizeof(in)) > 0);
	in.h.nlmsg_pid = 555;
	assert_true((n = xm_prepare(&in, in.h.nlmsg_len, 0, 42, &out,
	    sizeof(out))) > 0);
	h = hdr_of(&out);
	assert_int_equal(h.nlmsg_len, n);
	assert_int_equal(h.nlmsg_type, XFRM_MSG_NEWSA);
	assert_int_equal(h.nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK |
	    NLM_F_CREATE | NLM_F_EXCL);
	assert_int_equal(h.nlmsg_seq, 42);
	assert_int_equal(h.nlmsg_pid, 0);

	assert_true(xm_build_policy(XFRM_MSG_UPDPOLICY, &p, &in,
	    sizeof(in)) > 0);
	assert_true(xm_prepare(&in, in.h.nlmsg_len, 0, 1, &out,
	    sizeof(out)) > 0);
	assert_int_equal(hdr_of(&out).nlmsg_flags, NLM_F_REQUEST |
	    NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE);

	assert_true(xm_build_newae(&s, &in, sizeof(in)) > 0);
	assert_true(xm_prepare(&in, in.h.nlmsg_len, 0, 1, &out,
	    sizeof(out)) > 0);
	assert_int_equal(hdr_of(&out).nlmsg_flags, NLM_F_REQUEST |
	    NLM_F_ACK | NLM_F_REPLACE);

	assert_true(xm_build_delsa(&s, &in, sizeof(in)) > 0);
	assert_true(xm_prepare(&in, in.h.nlmsg_len, 0, 1, &out,
	    sizeof(out)) > 0);
	assert_int_equal(hdr_of(&out).nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);

	assert_true(xm_build_delpolicy(&p, &in, sizeof(in)) > 0);
	assert_true(xm_prepare(&in, in.h.nlmsg_len, 0, 1, &out,
	    sizeof(out)) > 0);
	assert_int_equal(hdr_of(&out).nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);

	assert_true(xm_flush(XFRM_MSG_FLUSHSA, &in, sizeof(in)) > 0);
	assert_true(xm_prepare(&in, in.h.nlmsg_len, 0, 1, &out,
	    sizeof(out)) > 0);
	assert_int_equal(hdr_of(&out).nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);

	/* not a peer message */
	assert_true(xm_build_policy(XFRM_MSG_NEWPOLICY, &p, &in,
	    sizeof(in)) > 0);
	errno = 0;
	assert_int_equal(xm_prepare(&in, in.h.nlmsg_len, 0, 1, &out,
	    sizeof(out)), -1);
	assert_int_equal(errno, EBADMSG);
}

static void
test_prepare_adds_the_margin_to_oseq_only(void **state)
{
	union mbuf		 in, out;
	struct xm_sa_spec	 s;
	struct xfrm_replay_state rs;
	uint64_t		 o, q;
	ssize_t			 n;

	(void)state;
	spec_v4(&s, IPPROTO_ESP);
	assert_true(xm_build_newsa(&s, &in, sizeof(in)) > 0);
	assert_true((n = xm_prepare(&in, in.h.nlmsg_len, 500, 1, &out,
	    sizeof(out))) > 0);
	assert_true(find_attr(&out, (size_t)n,
	    sizeof(struct xfrm_usersa_info), XFRMA_REPLAY_VAL, &rs,
	    sizeof(rs)));
	assert_int_equal(rs.oseq, 1500);
	assert_int_equal(rs.seq, 900);
	assert_int_equal(rs.bitmap, 0xffff);
	/* the input is left alone */
	assert_int_equal(xm_replay(&in, in.h.nlmsg_len, &o, &q), 0);
	assert_int_equal(o, 1000);

	/* NEWAE too */
	assert_true(xm_build_newae(&s, &in, sizeof(in)) > 0);
	assert_true((n = xm_prepare(&in, in.h.nlmsg_len, 500, 1, &out,
	    sizeof(out))) > 0);
	assert_int_equal(xm_replay(&out, (size_t)n, &o, &q), 0);
	assert_int_equal(o, 1500);
	assert_int_equal(q, 900);
}

static void
test_margin_saturates_a_32_bit_counter(void **state)
{
	union mbuf		 in, out;
	struct xm_sa_spec	 s;
	uint64_t		 o, q;
	ssize_t			 n;

	(void)state;
	spec_v4(&s, IPPROTO_ESP);
	s.oseq = 0xfffffff0;
	assert_true(xm_build_newsa(&s, &in, sizeof(in)) > 0);
	assert_true((n = xm_prepare(&in, in.h.nlmsg_len, 0x100, 1, &out,
	    sizeof(out))) > 0);
	assert_int_equal(xm_replay(&out, (size_t)n, &o, &q), 0);
	assert_int_equal(o, 0xffffffffULL);
	/* exactly at the top */
	s.oseq = 0xffffff00;
	assert_true(xm_build_newsa(&s, &in, sizeof(in)) > 0);
	assert_true((n = xm_prepare(&in, in.h.nlmsg_len, 0xff, 1, &out,
	    sizeof(out))) > 0);
	assert_int_equal(xm_replay(&out, (size_t)n, &o, &q), 0);
	assert_int_equal(o, 0xffffffffULL);
}

static void
test_margin_carries_into_oseq_hi_with_esn(void **state)
{
	union mbuf			 in, out;
	struct xm_sa_spec		 s;
	struct xfrm_replay_state_esn	 esn;
	uint32_t			 bmp;
	uint64_t			 o, q;
	ssize_t				 n;

	(void)state;
	spec_v4(&s, IPPROTO_ESP);
	s.esn = 1;
	s.oseq = 0xffffff00;
	s.bitmap = 0xa5a5;
	assert_true(xm_build_newsa(&s, &in, sizeof(in)) > 0);
	assert_true((n = xm_prepare(&in, in.h.nlmsg_len, 0x200, 1, &out,
	    sizeof(out))) > 0);
	assert_true(find_attr(&out, (size_t)n,
	    sizeof(struct xfrm_usersa_info), XFRMA_REPLAY_ESN_VAL, &esn,
	    sizeof(esn)));
	assert_int_equal(esn.oseq, 0x100);
	assert_int_equal(esn.oseq_hi, 1);
	assert_int_equal(esn.seq, 900);
	assert_int_equal(esn.bmp_len, 1);
	assert_int_equal(esn.replay_window, 32);
	assert_int_equal(xm_replay(&out, (size_t)n, &o, &q), 0);
	assert_int_equal(o, 0x100000100ULL);
	/* the bitmap follows unchanged */
	{
		uint8_t	 raw[sizeof(esn) + 4];

		assert_true(find_attr(&out, (size_t)n,
		    sizeof(struct xfrm_usersa_info), XFRMA_REPLAY_ESN_VAL,
		    raw, sizeof(raw)));
		memcpy(&bmp, raw + sizeof(esn), sizeof(bmp));
		assert_int_equal(bmp, 0xa5a5);
	}
}

static void
test_newsa_without_replay_attribute_gets_none(void **state)
{
	union mbuf		 in, out;
	struct xfrm_usersa_info	 sa;
	struct xfrm_algo	 alg;
	uint64_t		 o, q;
	ssize_t			 n;

	(void)state;
	memset(&sa, 0, sizeof(sa));
	sa.family = AF_INET;
	sa.id.proto = IPPROTO_COMP;
	(void)mk(&in, XFRM_MSG_NEWSA, &sa, sizeof(sa));
	memset(&alg, 0, sizeof(alg));
	(void)strlcpy(alg.alg_name, "deflate", sizeof(alg.alg_name));
	(void)add_attr(&in, XFRMA_ALG_COMP, &alg, sizeof(alg));
	assert_true((n = xm_prepare(&in, in.h.nlmsg_len, 1000, 1, &out,
	    sizeof(out))) > 0);
	assert_int_equal(n, in.h.nlmsg_len);
	assert_int_equal(xm_replay(&out, (size_t)n, &o, &q), -1);
}

static void
test_delsa_for_a_newsa_equals_the_built_delsa(void **state)
{
	union mbuf		 in, out, ref;
	struct xm_sa_spec	 s;
	ssize_t			 r, rn;

	(void)state;
	spec_v4(&s, IPPROTO_ESP);
	s.mark = 0x10;
	assert_true(xm_build_newsa(&s, &in, sizeof(in)) > 0);
	assert_true((r = xm_delsa_for(&in, in.h.nlmsg_len, &out,
	    sizeof(out))) > 0);
	assert_true((rn = xm_build_delsa(&s, &ref, sizeof(ref))) > 0);
	assert_int_equal(r, rn);
	assert_memory_equal(&out, &ref, (size_t)r);
	assert_int_equal(xm_validate(&out, (size_t)r, NULL), XM_OK);

	assert_true(xm_build_delsa(&s, &in, sizeof(in)) > 0);
	errno = 0;
	assert_int_equal(xm_delsa_for(&in, in.h.nlmsg_len, &out,
	    sizeof(out)), -1);
	assert_int_equal(errno, EBADMSG);
}

static void
test_flush_messages_are_header_and_proto_any(void **state)
{
	union mbuf	 m;
	struct xm_info	 info;

	(void)state;
	assert_int_equal(xm_flush(XFRM_MSG_FLUSHSA, &m, sizeof(m)), 20);
	assert_int_equal(hdr_of(&m).nlmsg_type, XFRM_MSG_FLUSHSA);
	assert_int_equal(m.b[NLMSG_HDRLEN], 255);
	assert_int_equal(xm_validate(&m, 20, &info), XM_OK);
	assert_int_equal(info.type, XFRM_MSG_FLUSHSA);
	assert_int_equal(xm_flush(XFRM_MSG_FLUSHPOLICY, &m, sizeof(m)),
	    NLMSG_HDRLEN);
	assert_int_equal(xm_validate(&m, NLMSG_HDRLEN, NULL), XM_OK);
	errno = 0;
	assert_int_equal(xm_flush(XFRM_MSG_NEWSA, &m, sizeof(m)), -1);
	assert_int_equal(errno, EINVAL);
}

static void
test_describe_names_sa_and_policy_without_keys(void **state)
{
	union mbuf		 m, ev;
	struct xm_sa_spec	 s;
	struct xm_pol_spec	 p;
	char			 buf[256];
	ssize_t			 n;

	(void)state;
	spec_v4(&s, IPPROTO_ESP);
	assert_true((n = xm_build_newsa(&s, &m, sizeof(m))) > 0);
	/* the keys really are there */
	assert_non_null(memmem(m.b, (size_t)n, "AAAAAAAAAAAAAAAA", 16));
	assert_non_null(memmem(m.b, (size_t)n, "BBBBBBBBBBBBBBBBBBBB", 20));
	xm_describe(&m, (size_t)n, buf, sizeof(buf));
	assert_string_equal(buf,
	    "NEWSA esp spi 0x00000100 192.0.2.1 > 192.0.2.2");
	no_key_bytes(buf);

	assert_true((n = xm_build_delsa(&s, &m, sizeof(m))) > 0);
	xm_describe(&m, (size_t)n, buf, sizeof(buf));
	assert_string_equal(buf,
	    "DELSA esp spi 0x00000100 192.0.2.1 > 192.0.2.2");

	assert_true((n = xm_build_newae(&s, &m, sizeof(m))) > 0);
	xm_describe(&m, (size_t)n, buf, sizeof(buf));
	assert_string_equal(buf, "NEWAE esp spi 0x00000100 192.0.2.1 > "
	    "192.0.2.2 oseq 1000 seq 900");

	pol_v4(&p);
	assert_true((n = xm_build_policy(XFRM_MSG_UPDPOLICY, &p, &m,
	    sizeof(m))) > 0);
	xm_describe(&m, (size_t)n, buf, sizeof(buf));
	assert_string_equal(buf, "UPDPOLICY out 192.0.2.1/32 > 192.0.2.2/32");
	assert_true((n = xm_build_delpolicy(&p, &m, sizeof(m))) > 0);
	xm_describe(&m, (size_t)n, buf, sizeof(buf));
	assert_string_equal(buf, "DELPOLICY out 192.0.2.1/32 > 192.0.2.2/32");

	assert_true((n = xm_flush(XFRM_MSG_FLUSHSA, &m, sizeof(m))) > 0);
	xm_describe(&m, (size_t)n, buf, sizeof(buf));
	assert_string_equal(buf, "FLUSHSA any");
	assert_true((n = xm_flush(XFRM_MSG_FLUSHPOLICY, &m, sizeof(m))) > 0);
	xm_describe(&m, (size_t)n, buf, sizeof(buf));
	assert_string_equal(buf, "FLUSHPOLICY");

	/* every SA kind and a hard expire, through a small buffer too */
	spec_v4(&s, IPPROTO_AH);
	assert_true((n = xm_build_newsa(&s, &m, sizeof(m))) > 0);
	xm_describe(&m, (size_t)n, buf, sizeof(buf));
	assert_string_equal(buf,
	    "NEWSA ah spi 0x00000100 192.0.2.1 > 192.0.2.2");
	no_key_bytes(buf);
	xm_describe(&m, (size_t)n, buf, 10);
	assert_string_equal(buf, "NEWSA ah ");
	{
		struct xfrm_user_expire	 ex;

		spec_v4(&s, IPPROTO_ESP);
		assert_true(xm_build_newsa(&s, &ev, sizeof(ev)) > 0);
		memset(&ex, 0, sizeof(ex));
		memcpy(&ex.state, ev.b + NLMSG_HDRLEN, sizeof(ex.state));
		ex.hard = 1;
		n = (ssize_t)mk(&m, XFRM_MSG_EXPIRE, &ex, sizeof(ex));
		xm_describe(&m, (size_t)n, buf, sizeof(buf));
		assert_string_equal(buf, "EXPIRE hard esp spi 0x00000100 "
		    "192.0.2.1 > 192.0.2.2");
	}
	xm_describe(&m, 3, buf, sizeof(buf));
	assert_non_null(strstr(buf, "malformed"));
}

static void
test_describe_prints_ipv6_ends(void **state)
{
	union mbuf		 m;
	struct xm_sa_spec	 s;
	struct xm_pol_spec	 p;
	char			 buf[256];
	ssize_t			 n;

	(void)state;
	spec_v4(&s, IPPROTO_ESP);
	s.af = AF_INET6;
	(void)strlcpy(s.src, "2001:db8::1", sizeof(s.src));
	(void)strlcpy(s.dst, "2001:db8::2", sizeof(s.dst));
	s.spi = 0xdeadbeef;
	assert_true((n = xm_build_newsa(&s, &m, sizeof(m))) > 0);
	assert_int_equal(xm_validate(&m, (size_t)n, NULL), XM_OK);
	xm_describe(&m, (size_t)n, buf, sizeof(buf));
	assert_string_equal(buf,
	    "NEWSA esp spi 0xdeadbeef 2001:db8::1 > 2001:db8::2");

	memset(&p, 0, sizeof(p));
	p.af = AF_INET6;
	(void)strlcpy(p.src, "2001:db8:1::/48", sizeof(p.src));
	(void)strlcpy(p.dst, "2001:db8:2::/48", sizeof(p.dst));
	p.dir = XFRM_POLICY_FWD;
	assert_true((n = xm_build_policy(XFRM_MSG_NEWPOLICY, &p, &m,
	    sizeof(m))) > 0);
	xm_describe(&m, (size_t)n, buf, sizeof(buf));
	assert_string_equal(buf,
	    "NEWPOLICY fwd 2001:db8:1::/48 > 2001:db8:2::/48");
}

static void
test_replay_reads_32_and_64_bit_counters(void **state)
{
	union mbuf		 m;
	struct xm_sa_spec	 s;
	struct xm_pol_spec	 p;
	uint64_t		 o, q;

	(void)state;
	spec_v4(&s, IPPROTO_ESP);
	assert_true(xm_build_newsa(&s, &m, sizeof(m)) > 0);
	assert_int_equal(xm_replay(&m, m.h.nlmsg_len, &o, &q), 0);
	assert_int_equal(o, 1000);
	assert_int_equal(q, 900);
	s.esn = 1;
	assert_true(xm_build_newae(&s, &m, sizeof(m)) > 0);
	assert_int_equal(xm_replay(&m, m.h.nlmsg_len, &o, &q), 0);
	assert_int_equal(o, 1000);
	pol_v4(&p);
	assert_true(xm_build_policy(XFRM_MSG_NEWPOLICY, &p, &m,
	    sizeof(m)) > 0);
	assert_int_equal(xm_replay(&m, m.h.nlmsg_len, &o, &q), -1);
	assert_int_equal(xm_replay(&m, 4, &o, &q), -1);
}

static void
test_sa_keys_agree_across_newsa_delsa_and_newae(void **state)
{
	union mbuf		 m;
	struct xm_sa_spec	 s;
	struct xm_sakey		 a, b, c;

	(void)state;
	spec_v4(&s, IPPROTO_ESP);
	s.mark = 3;
	assert_true(xm_build_newsa(&s, &m, sizeof(m)) > 0);
	assert_int_equal(xm_sakey(&m, m.h.nlmsg_len, &a), 0);
	assert_true(xm_build_delsa(&s, &m, sizeof(m)) > 0);
	assert_int_equal(xm_sakey(&m, m.h.nlmsg_len, &b), 0);
	assert_true(xm_build_newae(&s, &m, sizeof(m)) > 0);
	assert_int_equal(xm_sakey(&m, m.h.nlmsg_len, &c), 0);
	assert_true(xm_sakey_eq(&a, &b));
	assert_true(xm_sakey_eq(&a, &c));
	assert_int_equal(a.mark_v, 3);
	s.spi = 0x101;
	assert_true(xm_build_delsa(&s, &m, sizeof(m)) > 0);
	assert_int_equal(xm_sakey(&m, m.h.nlmsg_len, &b), 0);
	assert_false(xm_sakey_eq(&a, &b));
	s.spi = 0x100;
	s.mark = 0;
	assert_true(xm_build_delsa(&s, &m, sizeof(m)) > 0);
	assert_int_equal(xm_sakey(&m, m.h.nlmsg_len, &b), 0);
	assert_false(xm_sakey_eq(&a, &b));
	assert_true(xm_flush(XFRM_MSG_FLUSHSA, &m, sizeof(m)) > 0);
	assert_int_equal(xm_sakey(&m, m.h.nlmsg_len, &b), -1);
}

static void
test_policy_keys_match_by_selector_and_known_index(void **state)
{
	union mbuf		 m;
	struct xm_pol_spec	 p;
	struct xm_polkey	 a, b;

	(void)state;
	pol_v4(&p);
	p.index = 0x100 * 8 + XFRM_POLICY_OUT;
	assert_true(xm_build_policy(XFRM_MSG_NEWPOLICY, &p, &m,
	    sizeof(m)) > 0);
	assert_int_equal(xm_polkey(&m, m.h.nlmsg_len, &a), 0);
	assert_int_equal(a.index, p.index);
	p.index = 0;
	assert_true(xm_build_delpolicy(&p, &m, sizeof(m)) > 0);
	assert_int_equal(xm_polkey(&m, m.h.nlmsg_len, &b), 0);
	assert_true(xm_polkey_eq(&a, &b));
	p.index = 0x101 * 8 + XFRM_POLICY_OUT;
	assert_true(xm_build_delpolicy(&p, &m, sizeof(m)) > 0);
	assert_int_equal(xm_polkey(&m, m.h.nlmsg_len, &b), 0);
	assert_false(xm_polkey_eq(&a, &b));
	p.index = 0;
	p.dir = XFRM_POLICY_IN;
	assert_true(xm_build_delpolicy(&p, &m, sizeof(m)) > 0);
	assert_int_equal(xm_polkey(&m, m.h.nlmsg_len, &b), 0);
	assert_false(xm_polkey_eq(&a, &b));
	pol_v4(&p);
	(void)strlcpy(p.dst, "192.0.2.0/24", sizeof(p.dst));
	assert_true(xm_build_delpolicy(&p, &m, sizeof(m)) > 0);
	assert_int_equal(xm_polkey(&m, m.h.nlmsg_len, &b), 0);
	assert_false(xm_polkey_eq(&a, &b));
}

static void
test_set_replay_copies_the_aevent_counters_into_the_sa(void **state)
{
	union mbuf		 sa, ae;
	struct xm_sa_spec	 s;
	uint64_t		 o, q;

	(void)state;
	spec_v4(&s, IPPROTO_ESP);
	assert_true(xm_build_newsa(&s, &sa, sizeof(sa)) > 0);
	s.oseq = 5000;
	s.seq = 4000;
	assert_true(xm_build_newae(&s, &ae, sizeof(ae)) > 0);
	assert_int_equal(xm_set_replay(&sa, sa.h.nlmsg_len, &ae,
	    ae.h.nlmsg_len), 0);
	assert_int_equal(xm_replay(&sa, sa.h.nlmsg_len, &o, &q), 0);
	assert_int_equal(o, 5000);
	assert_int_equal(q, 4000);
	assert_int_equal(xm_validate(&sa, sa.h.nlmsg_len, NULL), XM_OK);
	/* ESN aevent for a 32-bit SA: refused */
	s.esn = 1;
	assert_true(xm_build_newae(&s, &ae, sizeof(ae)) > 0);
	errno = 0;
	assert_int_equal(xm_set_replay(&sa, sa.h.nlmsg_len, &ae,
	    ae.h.nlmsg_len), -1);
	assert_int_equal(errno, EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_drop_reason_has_its_own_name),
		cmocka_unit_test(
		    test_built_esp_sa_validates_and_names_its_ends),
		cmocka_unit_test(
		    test_ah_ipcomp_and_esn_sas_build_with_their_attributes),
		cmocka_unit_test(
		    test_new_and_updated_sas_go_out_as_newsa_with_zero_header),
		cmocka_unit_test(test_larval_sa_from_allocspi_sends_nothing),
		cmocka_unit_test(
		    test_offload_device_is_stripped_from_events_and_peers),
		cmocka_unit_test(
		    test_delsa_event_becomes_id_srcaddr_and_mark_without_keys),
		cmocka_unit_test(
		    test_hard_expire_becomes_delsa_and_soft_expire_nothing),
		cmocka_unit_test(
		    test_new_and_updated_policies_go_out_as_updpolicy),
		cmocka_unit_test(
		    test_delpolicy_by_index_takes_selector_and_drops_index),
		cmocka_unit_test(
		    test_hard_polexpire_becomes_delpolicy_and_soft_nothing),
		cmocka_unit_test(test_flushes_and_aevents_go_out_as_they_came),
		cmocka_unit_test(
		    test_acquire_gets_and_other_types_send_nothing),
		cmocka_unit_test(
		    test_malformed_event_and_small_output_are_errors),
		cmocka_unit_test(
		    test_event_larger_than_4096_bytes_is_too_big_to_send),
		cmocka_unit_test(test_validate_refuses_short_and_bad_lengths),
		cmocka_unit_test(
		    test_validate_refuses_types_a_peer_may_not_send),
		cmocka_unit_test(test_validate_refuses_bad_attributes),
		cmocka_unit_test(
		    test_validate_refuses_a_selector_bound_to_an_interface),
		cmocka_unit_test(test_validate_reads_an_unaligned_message),
		cmocka_unit_test(
		    test_prepare_sets_flags_seq_and_pid_for_each_type),
		cmocka_unit_test(test_prepare_adds_the_margin_to_oseq_only),
		cmocka_unit_test(test_margin_saturates_a_32_bit_counter),
		cmocka_unit_test(test_margin_carries_into_oseq_hi_with_esn),
		cmocka_unit_test(test_newsa_without_replay_attribute_gets_none),
		cmocka_unit_test(
		    test_delsa_for_a_newsa_equals_the_built_delsa),
		cmocka_unit_test(test_flush_messages_are_header_and_proto_any),
		cmocka_unit_test(
		    test_describe_names_sa_and_policy_without_keys),
		cmocka_unit_test(test_describe_prints_ipv6_ends),
		cmocka_unit_test(test_replay_reads_32_and_64_bit_counters),
		cmocka_unit_test(
		    test_sa_keys_agree_across_newsa_delsa_and_newae),
		cmocka_unit_test(
		    test_policy_keys_match_by_selector_and_known_index),
		cmocka_unit_test(
		    test_set_replay_copies_the_aevent_counters_into_the_sa),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
