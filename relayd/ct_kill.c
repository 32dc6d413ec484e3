/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * Conntrack entries of a backend that went down (spec 13.4): a redirected
 * flow's reply tuple has the backend as its source, so the entries whose
 * reply source is the backend's address (and port, when the table has
 * one) are deleted, and their clients, sticky or not, reconnect at once
 * to a live host instead of waiting on a dead one.
 *
 * As dhcpd/tables.c does, with libmnl and libnetfilter_conntrack's
 * nfct_nlmsg_parse/nfct_nlmsg_build rather than nfct_query(): the parent
 * runs this in its event loop, so the socket gets a receive timeout, and
 * the dump and the deletes stay two plain phases.  The dump is asked for
 * the backend's family only; each match is deleted by its own message
 * (tuples, zone and id as dumped, so an entry recreated meanwhile under
 * the same tuple is not hit).  An entry gone in between (ENOENT) is not
 * an error.
 */

#include <sys/socket.h>
#include <sys/time.h>

#include <netinet/in.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>

#include "nft.h"

#define CT_TIMEOUT_SEC		5
#define CT_RBUF			32768	/* a dump datagram is at most 32 KB */
#define CT_SBUF			8192

/* The backend, and the entries the dump matched (owned). */
struct ct_list {
	int			 l_af;
	uint8_t			 l_addr[16];
	uint16_t		 l_port;	/* network order, 0 = any */
	struct nf_conntrack	**l_v;
	size_t			 l_n;
	size_t			 l_cap;
};

static struct mnl_socket *ct_open(void);
static int	 ct_match(const struct nlmsghdr *, void *);
static int	 ct_dump(struct mnl_socket *, struct ct_list *);
static int	 ct_delete(struct mnl_socket *, int,
		    const struct nf_conntrack *);
static void	 ct_list_free(struct ct_list *);

static struct mnl_socket *
ct_open(void)
{
	struct mnl_socket	*s;
	struct timeval		 tv = { .tv_sec = CT_TIMEOUT_SEC };
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

/* Dump callback: keeps the entries whose reply source is the backend. */
static int
ct_match(const struct nlmsghdr *nlh, void *arg)
{
	struct ct_list		*l = arg;
	struct nf_conntrack	*ct, **v;
	const void		*a;
	size_t			 cap, alen;

	if ((ct = nfct_new()) == NULL)
		return (MNL_CB_ERROR);
	if (nfct_nlmsg_parse(nlh, ct) == -1 ||
	    nfct_get_attr_u8(ct, ATTR_L3PROTO) != l->l_af)
		goto skip;
	if (l->l_af == AF_INET6) {
		a = nfct_get_attr(ct, ATTR_REPL_IPV6_SRC);
		alen = 16;
	} else {
		a = nfct_get_attr(ct, ATTR_REPL_IPV4_SRC);
		alen = 4;
	}
	if (a == NULL || memcmp(a, l->l_addr, alen) != 0)
		goto skip;
	if (l->l_port != 0 && (!nfct_attr_is_set(ct, ATTR_REPL_PORT_SRC) ||
	    nfct_get_attr_u16(ct, ATTR_REPL_PORT_SRC) != l->l_port))
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

/* Dumps the family's table (every zone) into l.  0, or -1 with errno. */
static int
ct_dump(struct mnl_socket *s, struct ct_list *l)
{
	struct nlmsghdr		*nlh;
	struct nfgenmsg		*nfg;
	uint8_t			*buf;
	ssize_t			 n;
	uint32_t		 seq, portid;
	int			 rc, save;

	if ((buf = malloc(CT_RBUF)) == NULL)
		return (-1);
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
		goto fail;
	do {
		if ((n = mnl_socket_recvfrom(s, buf, CT_RBUF)) == -1) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				errno = ETIMEDOUT;
			goto fail;
		}
		rc = mnl_cb_run(buf, (size_t)n, seq, portid, ct_match, l);
	} while (rc == MNL_CB_OK);
	if (rc == MNL_CB_ERROR)
		goto fail;
	free(buf);
	return (0);
 fail:
	save = errno;
	free(buf);
	errno = save;
	return (-1);
}

/* Deletes one dumped entry and reads the ack.  0, or -1 with errno. */
static int
ct_delete(struct mnl_socket *s, int af, const struct nf_conntrack *ct)
{
	struct nlmsghdr		*nlh;
	struct nfgenmsg		*nfg;
	uint8_t			*buf;
	ssize_t			 n;
	uint32_t		 seq, portid;
	int			 save;

	if ((buf = calloc(1, CT_SBUF)) == NULL)
		return (-1);
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
	if (nfct_nlmsg_build(nlh, ct) == -1)
		goto fail;
	if (mnl_socket_sendto(s, nlh, nlh->nlmsg_len) == -1)
		goto fail;
	if ((n = mnl_socket_recvfrom(s, buf, CT_SBUF)) == -1) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			errno = ETIMEDOUT;
		goto fail;
	}
	if (mnl_cb_run(buf, (size_t)n, seq, portid, NULL, NULL) ==
	    MNL_CB_ERROR)
		goto fail;
	free(buf);
	return (0);
 fail:
	save = errno;
	free(buf);
	errno = save;
	return (-1);
}

static void
ct_list_free(struct ct_list *l)
{
	size_t		 i;

	for (i = 0; i < l->l_n; i++)
		nfct_destroy(l->l_v[i]);
	free(l->l_v);
	l->l_v = NULL;
	l->l_n = l->l_cap = 0;
}

int
ct_kill_backend(const struct sockaddr_storage *ss, uint16_t port,
    uint64_t *killed)
{
	struct mnl_socket	*s;
	struct ct_list		 l;
	size_t			 i;
	uint64_t		 n = 0;
	int			 err = 0;

	if (killed != NULL)
		*killed = 0;
	memset(&l, 0, sizeof(l));
	l.l_af = ss->ss_family;
	if (l.l_af == AF_INET6)
		memcpy(l.l_addr,
		    &((const struct sockaddr_in6 *)ss)->sin6_addr, 16);
	else if (l.l_af == AF_INET)
		memcpy(l.l_addr,
		    &((const struct sockaddr_in *)ss)->sin_addr, 4);
	else {
		errno = EAFNOSUPPORT;
		return (-1);
	}
	l.l_port = htons(port);
	if ((s = ct_open()) == NULL)
		return (-1);
	if (ct_dump(s, &l) == -1) {
		err = errno;
		goto done;
	}
	for (i = 0; i < l.l_n; i++) {
		if (ct_delete(s, l.l_af, l.l_v[i]) == 0)
			n++;
		else if (errno != ENOENT && err == 0)
			err = errno;
	}
 done:
	ct_list_free(&l);
	(void)mnl_socket_close(s);
	if (killed != NULL)
		*killed = n;
	if (err != 0) {
		errno = err;
		return (-1);
	}
	return (0);
}
