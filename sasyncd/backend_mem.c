/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * An SAD and SPD in memory, behind the same interface as the kernel's
 * (spec section 8, tier a): the tests run two real daemons over TCP with
 * it, on a kernel that cannot install SAs.  It answers as the kernel
 * does (EEXIST, ESRCH, ENOENT) and its "other processes" are the
 * control socket's injection commands, which change the store and
 * raise the event the kernel would.  sasyncd's own applies raise none,
 * as the XFRM backend drops the events of its own socket.
 */

#include <sys/eventfd.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <errno.h>
#include <jansson.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sasyncd.h"

#define MEM_MAXENTS	200000	/* bounded like a real SAD */
#define MEM_NBUCKETS	65536	/* lookups stay O(1) for a bench's 10^4 */

/* An SA or a policy, in its table's order and in its hash chain. */
struct mem_ent {
	TAILQ_ENTRY(mem_ent)	 m_entry;
	LIST_ENTRY(mem_ent)	 m_hash;
	struct mem_ent		*m_next;	/* event queue */
	uint32_t		 m_h;
	size_t			 m_len;
	uint8_t			 m_msg[] __attribute__((aligned(8)));
};
TAILQ_HEAD(mem_list, mem_ent);
LIST_HEAD(mem_chain, mem_ent);

struct mem_table {
	struct mem_list		 t_list;
	struct mem_chain	*t_hash;
};

struct mem_be {
	struct backend	 mb_be;
	struct mem_table mb_sas;
	struct mem_table mb_pols;
	struct mem_ent	*mb_events;	/* oldest first */
	struct mem_ent	**mb_evtail;
	size_t		 mb_nents;
	int		 mb_efd;
};

static struct mem_ent *
ent_new(const void *msg, size_t len)
{
	struct mem_ent	*e;

	if ((e = calloc(1, sizeof(*e) + len)) == NULL)
		return (NULL);
	memcpy(e->m_msg, msg, len);
	e->m_len = len;
	return (e);
}

/* FNV-1a over the identity (keys are zero-padded, see sasync_xfrm.h). */
static uint32_t
hash_bytes(const void *p, size_t n)
{
	const uint8_t	*b = p;
	uint32_t	 h = 2166136261u;

	while (n-- > 0)
		h = (h ^ *b++) * 16777619u;
	return (h);
}

static uint32_t
sa_hash(const struct xm_sakey *k)
{
	return (hash_bytes(k, sizeof(*k)));
}

/* Index and mark-less match rules are xm_polkey_eq's: hash the
 * selector and direction only. */
static uint32_t
pol_hash(const struct xm_polkey *k)
{
	return (hash_bytes(&k->sel, sizeof(k->sel)) ^ k->dir);
}

static int
table_init(struct mem_table *t)
{
	TAILQ_INIT(&t->t_list);
	return ((t->t_hash = calloc(MEM_NBUCKETS, sizeof(*t->t_hash))) ==
	    NULL ? -1 : 0);
}

static void
table_free(struct mem_table *t)
{
	struct mem_ent	*e;

	while ((e = TAILQ_FIRST(&t->t_list)) != NULL) {
		TAILQ_REMOVE(&t->t_list, e, m_entry);
		free(e);
	}
	free(t->t_hash);
}

static struct mem_ent *
find_sa(struct mem_be *mb, const struct xm_sakey *k)
{
	struct mem_ent	*e;
	struct xm_sakey	 ek;
	uint32_t	 h = sa_hash(k);

	LIST_FOREACH(e, &mb->mb_sas.t_hash[h % MEM_NBUCKETS], m_hash)
		if (e->m_h == h && xm_sakey(e->m_msg, e->m_len, &ek) == 0 &&
		    xm_sakey_eq(&ek, k))
			return (e);
	return (NULL);
}

static struct mem_ent *
find_pol(struct mem_be *mb, const struct xm_polkey *k)
{
	struct mem_ent	 *e;
	struct xm_polkey  ek;
	uint32_t	  h = pol_hash(k);

	LIST_FOREACH(e, &mb->mb_pols.t_hash[h % MEM_NBUCKETS], m_hash)
		if (e->m_h == h && xm_polkey(e->m_msg, e->m_len, &ek) == 0 &&
		    xm_polkey_eq(&ek, k))
			return (e);
	return (NULL);
}

static void
unlink_ent(struct mem_be *mb, struct mem_table *t, struct mem_ent *e)
{
	TAILQ_REMOVE(&t->t_list, e, m_entry);
	LIST_REMOVE(e, m_hash);
	free(e);
	mb->mb_nents--;
}

static void
table_flush(struct mem_be *mb, struct mem_table *t)
{
	struct mem_ent	*e;

	while ((e = TAILQ_FIRST(&t->t_list)) != NULL)
		unlink_ent(mb, t, e);
}

static int
add_ent(struct mem_be *mb, struct mem_table *t, const void *msg,
    size_t len, uint16_t type, uint32_t h)
{
	struct nlmsghdr	*nh;
	struct mem_ent	*e;

	if (mb->mb_nents >= MEM_MAXENTS) {
		errno = ENOSPC;
		return (-1);
	}
	if ((e = ent_new(msg, len)) == NULL)
		return (-1);
	nh = (struct nlmsghdr *)(void *)e->m_msg;
	nh->nlmsg_type = type;
	nh->nlmsg_flags = 0;
	nh->nlmsg_pid = 0;
	nh->nlmsg_seq = 0;
	e->m_h = h;
	TAILQ_INSERT_TAIL(&t->t_list, e, m_entry);
	LIST_INSERT_HEAD(&t->t_hash[h % MEM_NBUCKETS], e, m_hash);
	mb->mb_nents++;
	return (0);
}

static int
mem_apply(struct backend *be, struct nlmsghdr *nh)
{
	struct mem_be		*mb = (struct mem_be *)be;
	struct xm_sakey		 sk;
	struct xm_polkey	 pk;
	struct mem_ent		*e;
	size_t			 len = nh->nlmsg_len;

	switch (nh->nlmsg_type) {
	case XFRM_MSG_NEWSA:
		if (xm_sakey(nh, len, &sk) == -1)
			goto inval;
		if (find_sa(mb, &sk) != NULL) {
			errno = EEXIST;
			return (-1);
		}
		return (add_ent(mb, &mb->mb_sas, nh, len, XFRM_MSG_NEWSA,
		    sa_hash(&sk)));
	case XFRM_MSG_DELSA:
		if (xm_sakey(nh, len, &sk) == -1)
			goto inval;
		if ((e = find_sa(mb, &sk)) == NULL) {
			errno = ESRCH;
			return (-1);
		}
		unlink_ent(mb, &mb->mb_sas, e);
		return (0);
	case XFRM_MSG_NEWAE:
		if (xm_sakey(nh, len, &sk) == -1)
			goto inval;
		if ((e = find_sa(mb, &sk)) == NULL) {
			errno = ESRCH;
			return (-1);
		}
		return (xm_set_replay(e->m_msg, e->m_len, nh, len));
	case XFRM_MSG_UPDPOLICY:
	case XFRM_MSG_NEWPOLICY:
		if (xm_polkey(nh, len, &pk) == -1)
			goto inval;
		if ((e = find_pol(mb, &pk)) != NULL)
			unlink_ent(mb, &mb->mb_pols, e);
		return (add_ent(mb, &mb->mb_pols, nh, len,
		    XFRM_MSG_NEWPOLICY, pol_hash(&pk)));
	case XFRM_MSG_DELPOLICY:
		if (xm_polkey(nh, len, &pk) == -1)
			goto inval;
		if ((e = find_pol(mb, &pk)) == NULL) {
			errno = ENOENT;
			return (-1);
		}
		unlink_ent(mb, &mb->mb_pols, e);
		return (0);
	case XFRM_MSG_FLUSHSA:
		table_flush(mb, &mb->mb_sas);
		return (0);
	case XFRM_MSG_FLUSHPOLICY:
		table_flush(mb, &mb->mb_pols);
		return (0);
	default:
		break;
	}
 inval:
	errno = EINVAL;
	return (-1);
}

static int
mem_dump(struct backend *be, backend_msg_cb *cb, void *arg)
{
	struct mem_be	*mb = (struct mem_be *)be;
	struct mem_ent	*e;

	TAILQ_FOREACH(e, &mb->mb_sas.t_list, m_entry)
		if (cb((struct nlmsghdr *)(void *)e->m_msg, arg) == -1)
			return (-1);
	TAILQ_FOREACH(e, &mb->mb_pols.t_list, m_entry)
		if (cb((struct nlmsghdr *)(void *)e->m_msg, arg) == -1)
			return (-1);
	return (0);
}

static int
mem_event_fd(struct backend *be)
{
	return (((struct mem_be *)be)->mb_efd);
}

static int
mem_events(struct backend *be, backend_msg_cb *cb, void *arg)
{
	struct mem_be	*mb = (struct mem_be *)be;
	struct mem_ent	*e;
	uint64_t	 v;

	/* the eventfd only wakes us; its count is of no use */
	if (read(mb->mb_efd, &v, sizeof(v)) == -1 && errno != EAGAIN)
		return (-1);
	while ((e = mb->mb_events) != NULL) {
		mb->mb_events = e->m_next;
		if (mb->mb_events == NULL)
			mb->mb_evtail = &mb->mb_events;
		(void)cb((struct nlmsghdr *)(void *)e->m_msg, arg);
		free(e);
	}
	return (0);
}

static void
mem_close(struct backend *be)
{
	struct mem_be	*mb = (struct mem_be *)be;
	struct mem_ent	*e;

	table_free(&mb->mb_sas);
	table_free(&mb->mb_pols);
	while ((e = mb->mb_events) != NULL) {
		mb->mb_events = e->m_next;
		free(e);
	}
	(void)close(mb->mb_efd);
	free(mb);
}

static const struct backend_ops mem_ops = {
	"memory", mem_dump, mem_apply, mem_event_fd, mem_events, mem_close
};

struct backend *
backend_mem_open(void)
{
	struct mem_be	*mb;

	if ((mb = calloc(1, sizeof(*mb))) == NULL)
		return (NULL);
	if ((mb->mb_efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1) {
		free(mb);
		return (NULL);
	}
	if (table_init(&mb->mb_sas) == -1 || table_init(&mb->mb_pols) == -1) {
		free(mb->mb_sas.t_hash);
		(void)close(mb->mb_efd);
		free(mb);
		return (NULL);
	}
	mb->mb_be.ops = &mem_ops;
	mb->mb_evtail = &mb->mb_events;
	return (&mb->mb_be);
}

/* Queues the event another process's change would raise. */
static int
raise_event(struct mem_be *mb, const void *msg, size_t len, uint16_t type)
{
	struct mem_ent	*e;
	uint64_t	 one = 1;

	if ((e = ent_new(msg, len)) == NULL)
		return (-1);
	((struct nlmsghdr *)(void *)e->m_msg)->nlmsg_type = type;
	((struct nlmsghdr *)(void *)e->m_msg)->nlmsg_pid = 4242;
	*mb->mb_evtail = e;
	mb->mb_evtail = &e->m_next;
	if (write(mb->mb_efd, &one, sizeof(one)) == -1 && errno != EAGAIN)
		return (-1);
	return (0);
}

static int
sa_spec(const json_t *req, struct xm_sa_spec *sp)
{
	const char	*src, *dst, *proto;

	memset(sp, 0, sizeof(*sp));
	src = json_string_value(json_object_get(req, "src"));
	dst = json_string_value(json_object_get(req, "dst"));
	proto = json_string_value(json_object_get(req, "proto"));
	if (src == NULL || dst == NULL)
		return (-1);
	(void)strlcpy(sp->src, src, sizeof(sp->src));
	(void)strlcpy(sp->dst, dst, sizeof(sp->dst));
	sp->af = strchr(src, ':') != NULL ? AF_INET6 : AF_INET;
	sp->spi = (uint32_t)json_integer_value(json_object_get(req, "spi"));
	sp->proto = proto == NULL || strcmp(proto, "esp") == 0 ? IPPROTO_ESP :
	    strcmp(proto, "ah") == 0 ? IPPROTO_AH : IPPROTO_COMP;
	sp->reqid = (uint32_t)json_integer_value(json_object_get(req,
	    "reqid"));
	sp->oseq = (uint32_t)json_integer_value(json_object_get(req, "oseq"));
	sp->seq = (uint32_t)json_integer_value(json_object_get(req, "seq"));
	sp->esn = json_is_true(json_object_get(req, "esn"));
	return (sp->spi == 0 ? -1 : 0);
}

static int
pol_spec(const json_t *req, struct xm_pol_spec *pp)
{
	const char	*src, *dst, *tsrc, *tdst, *dir;

	memset(pp, 0, sizeof(*pp));
	src = json_string_value(json_object_get(req, "src"));
	dst = json_string_value(json_object_get(req, "dst"));
	tsrc = json_string_value(json_object_get(req, "tsrc"));
	tdst = json_string_value(json_object_get(req, "tdst"));
	dir = json_string_value(json_object_get(req, "dir"));
	if (src == NULL || dst == NULL)
		return (-1);
	(void)strlcpy(pp->src, src, sizeof(pp->src));
	(void)strlcpy(pp->dst, dst, sizeof(pp->dst));
	(void)strlcpy(pp->tsrc, tsrc != NULL ? tsrc : "", sizeof(pp->tsrc));
	(void)strlcpy(pp->tdst, tdst != NULL ? tdst : "", sizeof(pp->tdst));
	pp->af = strchr(src, ':') != NULL ? AF_INET6 : AF_INET;
	pp->dir = dir == NULL || strcmp(dir, "out") == 0 ? XFRM_POLICY_OUT :
	    strcmp(dir, "in") == 0 ? XFRM_POLICY_IN : XFRM_POLICY_FWD;
	pp->priority = (uint32_t)json_integer_value(json_object_get(req,
	    "priority"));
	return (0);
}

static json_t *
mem_list(struct mem_be *mb)
{
	struct mem_ent	*e;
	json_t		*sas, *pols, *o;
	uint64_t	 oseq, seq;
	char		 desc[200];

	sas = json_array();
	TAILQ_FOREACH(e, &mb->mb_sas.t_list, m_entry) {
		xm_describe(e->m_msg, e->m_len, desc, sizeof(desc));
		o = json_pack("{s:s}", "sa", desc);
		if (xm_replay(e->m_msg, e->m_len, &oseq, &seq) == 0) {
			(void)json_object_set_new(o, "oseq",
			    json_integer((json_int_t)oseq));
			(void)json_object_set_new(o, "seq",
			    json_integer((json_int_t)seq));
		}
		(void)json_array_append_new(sas, o);
	}
	pols = json_array();
	TAILQ_FOREACH(e, &mb->mb_pols.t_list, m_entry) {
		xm_describe(e->m_msg, e->m_len, desc, sizeof(desc));
		(void)json_array_append_new(pols, json_string(desc));
	}
	return (json_pack("{s:b,s:o,s:o}", "ok", 1, "sas", sas,
	    "policies", pols));
}

/*
 * {"cmd":"mem","op":OP,...}: what another process would do to the
 * kernel.  OP: sa-add, sa-del, sa-expire, sa-larval, acquire, ae,
 * pol-add, pol-upd, pol-del, flush-sa, flush-pol, list.
 */
json_t *
backend_mem_ctl(struct backend *be, const json_t *req)
{
	struct mem_be		*mb = (struct mem_be *)be;
	struct xm_sa_spec	 sp;
	struct xm_pol_spec	 pp;
	struct xfrm_user_expire	*exp;
	struct nlmsghdr		*nh;
	uint8_t			 msg[XM_MAXMSG] __attribute__((aligned(8)));
	uint8_t			 ev[XM_MAXMSG] __attribute__((aligned(8)));
	const char		*op;
	ssize_t			 n;
	int			 i, count;

	if (be == NULL || be->ops != &mem_ops)
		return (ctl_reply_error("mem: not the in-memory backend"));
	if ((op = json_string_value(json_object_get(req, "op"))) == NULL)
		return (ctl_reply_error("mem: no op"));
	if (strcmp(op, "list") == 0)
		return (mem_list(mb));
	nh = (struct nlmsghdr *)(void *)msg;
	if (strncmp(op, "sa-", 3) == 0 || strcmp(op, "ae") == 0) {
		if (sa_spec(req, &sp) == -1)
			return (ctl_reply_error("mem: %s needs src, dst, spi",
			    op));
		count = json_is_integer(json_object_get(req, "count")) ?
		    (int)json_integer_value(json_object_get(req, "count")) : 1;
		if (count < 1 || count > 100000)
			return (ctl_reply_error("mem: count 1..100000"));
		for (i = 0; i < count; i++, sp.spi++) {
			if (strcmp(op, "sa-add") == 0) {
				if ((n = xm_build_newsa(&sp, msg,
				    sizeof(msg))) == -1)
					return (ctl_reply_error("mem: build"));
				nh->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
				if (mem_apply(be, nh) == -1)
					return (ctl_reply_error("mem: %s: %s",
					    op, strerror(errno)));
				(void)raise_event(mb, msg, (size_t)n,
				    XFRM_MSG_NEWSA);
			} else if (strcmp(op, "sa-larval") == 0) {
				if (xm_build_newsa(&sp, msg, sizeof(msg)) ==
				    -1)
					return (ctl_reply_error("mem: build"));
				/* ALLOCSPI: no algorithm attribute */
				nh->nlmsg_len = NLMSG_LENGTH(
				    sizeof(struct xfrm_usersa_info));
				(void)raise_event(mb, msg, nh->nlmsg_len,
				    XFRM_MSG_NEWSA);
			} else if (strcmp(op, "sa-del") == 0 ||
			    strcmp(op, "sa-expire") == 0) {
				if ((n = xm_build_delsa(&sp, msg,
				    sizeof(msg))) == -1)
					return (ctl_reply_error("mem: build"));
				if (mem_apply(be, nh) == -1)
					return (ctl_reply_error("mem: %s: %s",
					    op, strerror(errno)));
				if (strcmp(op, "sa-del") == 0) {
					(void)raise_event(mb, msg, (size_t)n,
					    XFRM_MSG_DELSA);
					continue;
				}
				/* a hard expire: the kernel removes the SA
				 * and says only EXPIRE */
				if (xm_build_newsa(&sp, ev, sizeof(ev)) == -1)
					return (ctl_reply_error("mem: build"));
				memset(msg, 0, sizeof(msg));
				exp = NLMSG_DATA(nh);
				memcpy(&exp->state, NLMSG_DATA((struct nlmsghdr *)
				    (void *)ev), sizeof(exp->state));
				exp->hard = 1;
				nh->nlmsg_len = NLMSG_LENGTH(sizeof(*exp));
				(void)raise_event(mb, msg, nh->nlmsg_len,
				    XFRM_MSG_EXPIRE);
			} else if (strcmp(op, "ae") == 0) {
				if ((n = xm_build_newae(&sp, msg,
				    sizeof(msg))) == -1)
					return (ctl_reply_error("mem: build"));
				if (mem_apply(be, nh) == -1)
					return (ctl_reply_error("mem: %s: %s",
					    op, strerror(errno)));
				(void)raise_event(mb, msg, (size_t)n,
				    XFRM_MSG_NEWAE);
			} else
				return (ctl_reply_error("mem: unknown op %s",
				    op));
		}
		return (ctl_reply_ok());
	}
	if (strcmp(op, "acquire") == 0) {
		memset(msg, 0, sizeof(msg));
		nh->nlmsg_len = NLMSG_LENGTH(sizeof(struct xfrm_user_acquire));
		(void)raise_event(mb, msg, nh->nlmsg_len, XFRM_MSG_ACQUIRE);
		return (ctl_reply_ok());
	}
	if (strcmp(op, "flush-sa") == 0 || strcmp(op, "flush-pol") == 0) {
		if ((n = xm_flush(op[6] == 's' ? XFRM_MSG_FLUSHSA :
		    XFRM_MSG_FLUSHPOLICY, msg, sizeof(msg))) == -1)
			return (ctl_reply_error("mem: build"));
		(void)mem_apply(be, nh);
		(void)raise_event(mb, msg, (size_t)n, nh->nlmsg_type);
		return (ctl_reply_ok());
	}
	if (strncmp(op, "pol-", 4) == 0) {
		if (pol_spec(req, &pp) == -1)
			return (ctl_reply_error("mem: %s needs src, dst", op));
		if (strcmp(op, "pol-del") == 0)
			n = xm_build_delpolicy(&pp, msg, sizeof(msg));
		else if (strcmp(op, "pol-add") == 0 ||
		    strcmp(op, "pol-upd") == 0)
			n = xm_build_policy(op[4] == 'a' ? XFRM_MSG_NEWPOLICY :
			    XFRM_MSG_UPDPOLICY, &pp, msg, sizeof(msg));
		else
			return (ctl_reply_error("mem: unknown op %s", op));
		if (n == -1)
			return (ctl_reply_error("mem: build"));
		if (mem_apply(be, nh) == -1)
			return (ctl_reply_error("mem: %s: %s", op,
			    strerror(errno)));
		(void)raise_event(mb, msg, (size_t)n, nh->nlmsg_type);
		return (ctl_reply_ok());
	}
	return (ctl_reply_error("mem: unknown op %s", op));
}
