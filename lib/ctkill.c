/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * Dump the conntrack table over ctnetlink, keep the entries the caller
 * matches, delete them: see ctkill.h for why it is done this way.
 */

#include <sys/socket.h>
#include <sys/time.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>

#include "ctkill.h"

/*
 * One buffer serves the dump and then each delete in turn: a dump
 * datagram is at most 32 KB; a delete message builds to far less, in
 * its first CTKILL_MSGSZ bytes, zeroed each time.
 */
#define CTKILL_BUFSZ		32768
#define CTKILL_MSGSZ		8192

/* The caller's match, and the entries the dump matched (owned). */
struct ctkill_list {
	int			 l_af;
	int			(*l_match)(const struct nf_conntrack *, void *);
	void			*l_arg;
	struct nf_conntrack	**l_v;
	size_t			 l_n;
	size_t			 l_cap;
};

static struct mnl_socket *ctkill_open(void);
static ssize_t	 ctkill_recv(struct mnl_socket *, uint8_t *);
static int	 ctkill_collect(const struct nlmsghdr *, void *);
static int	 ctkill_dump(struct mnl_socket *, uint8_t *,
		    struct ctkill_list *);
static int	 ctkill_delete(struct mnl_socket *, uint8_t *, int,
		    const struct nf_conntrack *);
static void	 ctkill_list_free(struct ctkill_list *);

/* A ctnetlink socket with a receive timeout. */
static struct mnl_socket *
ctkill_open(void)
{
	struct mnl_socket	*s;
	struct timeval		 tv = { .tv_sec = CTKILL_TIMEOUT_SEC };
	int			 save;

	if ((s = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC)) == NULL)
		return (NULL);
	if (mnl_socket_bind(s, 0, MNL_SOCKET_AUTOPID) == -1 ||
	    setsockopt(mnl_socket_get_fd(s), SOL_SOCKET, SO_RCVTIMEO, &tv,
	    sizeof(tv)) == -1) {
		save = errno;
		(void)mnl_socket_close(s);
		errno = save;
		return (NULL);
	}
	return (s);
}

/* Dump callback: keeps the entries of l_af that l_match wants. */
static int
ctkill_collect(const struct nlmsghdr *nlh, void *arg)
{
	struct ctkill_list	*l = arg;
	struct nf_conntrack	*ct, **v;
	size_t			 cap;

	if ((ct = nfct_new()) == NULL)
		return (MNL_CB_ERROR);
	/* An entry we cannot read cannot be matched: skip it. */
	if (nfct_nlmsg_parse(nlh, ct) == -1 ||
	    nfct_get_attr_u8(ct, ATTR_L3PROTO) != l->l_af ||
	    l->l_match(ct, l->l_arg) != 1)
		goto skip;
	if (l->l_n == l->l_cap) {
		cap = l->l_cap == 0 ? 16 : l->l_cap * 2;
		if ((v = reallocarray(l->l_v, cap,
		    sizeof(struct nf_conntrack *))) == NULL) {
			nfct_destroy(ct);
			return (MNL_CB_ERROR);
		}
		l->l_v = v;
		l->l_cap = cap;
	}
	l->l_v[l->l_n++] = ct;
	return (MNL_CB_OK);
 skip:
	nfct_destroy(ct);
	return (MNL_CB_OK);
}

/* Receives one datagram into buf; a silent kernel is ETIMEDOUT. */
static ssize_t
ctkill_recv(struct mnl_socket *s, uint8_t *buf)
{
	ssize_t		 n;

	if ((n = mnl_socket_recvfrom(s, buf, CTKILL_BUFSZ)) == -1 &&
	    (errno == EAGAIN || errno == EWOULDBLOCK))
		errno = ETIMEDOUT;
	return (n);
}

/*
 * Dumps the family's table (every zone) into l, through buf.  0, or -1
 * with errno.
 */
static int
ctkill_dump(struct mnl_socket *s, uint8_t *buf, struct ctkill_list *l)
{
	struct nlmsghdr		*nlh;
	struct nfgenmsg		*nfg;
	ssize_t			 n;
	uint32_t		 seq, portid;
	int			 rc;

	portid = mnl_socket_get_portid(s);
	seq = (uint32_t)getpid() ^ (uint32_t)time(NULL);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_GET;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = (uint8_t)l->l_af;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = 0;
	if (mnl_socket_sendto(s, nlh, nlh->nlmsg_len) == -1)
		return (-1);
	do {
		if ((n = ctkill_recv(s, buf)) == -1)
			return (-1);
		rc = mnl_cb_run(buf, (size_t)n, seq, portid, ctkill_collect,
		    l);
	} while (rc == MNL_CB_OK);
	return (rc == MNL_CB_ERROR ? -1 : 0);
}

/*
 * Deletes one dumped entry and reads the ack, through buf.  0, or -1
 * with errno.
 */
static int
ctkill_delete(struct mnl_socket *s, uint8_t *buf, int af,
    const struct nf_conntrack *ct)
{
	struct nlmsghdr		*nlh;
	struct nfgenmsg		*nfg;
	ssize_t			 n;
	uint32_t		 seq, portid;

	memset(buf, 0, CTKILL_MSGSZ);
	portid = mnl_socket_get_portid(s);
	seq = (uint32_t)getpid() ^ (uint32_t)time(NULL) ^ 0x5a5a5a5aU;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_DELETE;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = (uint8_t)af;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = 0;
	/*
	 * The whole dumped object, as conntrack(8) -D sends it: the kernel
	 * reads the original tuple, the zones and the id and ignores the
	 * rest.  A dumped entry builds to a few hundred bytes.
	 */
	if (nfct_nlmsg_build(nlh, ct) == -1 ||
	    mnl_socket_sendto(s, nlh, nlh->nlmsg_len) == -1 ||
	    (n = ctkill_recv(s, buf)) == -1)
		return (-1);
	if (mnl_cb_run(buf, (size_t)n, seq, portid, NULL, NULL) ==
	    MNL_CB_ERROR)
		return (-1);
	return (0);
}

static void
ctkill_list_free(struct ctkill_list *l)
{
	size_t		 i;

	for (i = 0; i < l->l_n; i++)
		nfct_destroy(l->l_v[i]);
	free(l->l_v);
	l->l_v = NULL;
	l->l_n = l->l_cap = 0;
}

int
ctkill(int af, int (*match)(const struct nf_conntrack *, void *), void *arg,
    uint64_t *killed)
{
	struct mnl_socket	*s;
	struct ctkill_list	 l;
	uint8_t			*buf;
	size_t			 i;
	uint64_t		 n = 0;
	int			 err = 0;

	if (killed != NULL)
		*killed = 0;
	if (af != AF_INET && af != AF_INET6) {
		errno = EAFNOSUPPORT;
		return (-1);
	}
	memset(&l, 0, sizeof(l));
	l.l_af = af;
	l.l_match = match;
	l.l_arg = arg;
	s = NULL;
	if ((buf = malloc(CTKILL_BUFSZ)) == NULL ||
	    (s = ctkill_open()) == NULL || ctkill_dump(s, buf, &l) == -1) {
		err = errno;
		goto done;
	}
	/* The dump is over: the socket now carries one request at a time. */
	for (i = 0; i < l.l_n; i++) {
		if (ctkill_delete(s, buf, af, l.l_v[i]) == 0)
			n++;
		else if (errno != ENOENT && err == 0)
			err = errno;
	}
 done:
	ctkill_list_free(&l);
	if (s != NULL)
		(void)mnl_socket_close(s);
	free(buf);
	if (killed != NULL)
		*killed = n;
	if (err != 0) {
		errno = err;
		return (-1);
	}
	return (0);
}
