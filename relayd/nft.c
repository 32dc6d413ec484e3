/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * relayd's nftables text (see nft.h for the table's layout).
 *
 * Everything below nft_open() is plain text generation, checked against
 * nftables 1.0.6 (Debian 12) and the kernel in a scratch namespace:
 *
 *  - Bucket maps are declared "typeof numgen inc mod 256 : ip daddr .
 *    tcp dport": 1.0.6 refuses "type mark : ..." for a numgen key
 *    (datatype mismatch) and "type integer" has no size.  nft ties a
 *    map whose data is "tcp dport" (or "th dport") to rules matching tcp
 *    ("conflicting protocols specified: udp vs. tcp"), so udp listens
 *    get "udp dport" maps of their own, rN_udp_v4 and rN_udp_v6.
 *  - "ct timeout set" works from the dstnat chain: the nat chains see
 *    only a flow's first packet, whose conntrack entry is not yet
 *    confirmed, so the timeout policy is attached there.  One object per
 *    l3proto: "l3proto inet" is accepted by recent kernels but ip and
 *    ip6 objects work everywhere.  The kernel keeps timeouts in signed
 *    32-bit jiffies, so a session timeout is capped at NFT_CT_MAX s
 *    (24.8 days at HZ=1000) although the grammar allows more.
 *  - sticky-address: nft cannot use a map lookup as the data of a
 *    dynamic map update ("update @m { ip saddr : numgen ... map @b }" is
 *    a syntax error) nor chain two map lookups, so the chosen backend is
 *    learnt after NAT instead: chain rN_s, hooked just after DNAT,
 *    stores "ip saddr : ip daddr" (the translated header) for new flows
 *    the redirect translated ("ct status dnat" and the original
 *    destination).  Rule 2 of each listen DNATs a known source through
 *    that map, with the table's port as a constant (every host of the
 *    main and backup table shares it); a miss falls through to the
 *    bucket rule.  The sticky maps hold addresses only because nft
 *    1.0.6 aborts (netlink_linearize.c assertion "dreg < reg_low") on a
 *    dynamic update whose data is "ip6 daddr . th dport": a libnftables
 *    assertion would take the parent down.  nft cannot
 *    delete map elements by value either, so when a host leaves, the
 *    redirect's sticky maps are emptied; every source then chooses again
 *    and sticks anew.  (ct_kill of the departed host's flows is not done
 *    here.)
 *  - "delete table" of an absent table fails the batch with ENOENT and
 *    1.0.6 has no "destroy": a stale-table delete is "add table" then
 *    "delete table", which always finds it.  Deleting a map or ct
 *    timeout and adding one of the same name in one batch works, as does
 *    deleting a chain whose jumps were flushed earlier in the batch.
 *  - The output hook refuses the "dstnat" keyword in an inet table, so
 *    chain out uses -100, its value.
 *
 * Strings pasted into commands are addresses from inet_ntop(), numbers,
 * and interface names; an interface name with a quote, backslash or
 * control character is refused (-1) rather than escaped.
 */

#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nftables/libnftables.h>

#include "nft.h"

#define T		"inet " RELAYD_NFT_TABLE
#define NFT_CT_MAX	2147483		/* s, see above */
#define NFT_MAXOBJ	21	/* 5 protocols x 2 maps, 2 sticky, 4 ct,
				   the counter */
#define NFT_ERRLEN	1024
#define NFT_PERLINE	8		/* map elements per command */

struct nft_handle {
	struct nft_ctx	*nh_ctx;	/* owned */
};

/* A declared object of a redirect: "add <kind> T <name> { <body> }". */
struct nft_obj {
	const char	*o_kind;	/* "map", "ct timeout" */
	char		 o_name[32];
	char		 o_body[256];
	int		 o_bucket;	/* a bucket map */
	int		 o_v6;		/* of IPv6 backends */
};

static int	 nft_str_ok(const char *);
static int	 nft_proto_ports(uint8_t);
static void	 nft_proto_name(uint8_t, char *, size_t);
static int	 nft_ss_af(const struct sockaddr_storage *);
static int	 nft_ss_any(const struct sockaddr_storage *);
static void	 nft_ss_str(const struct sockaddr_storage *, char *, size_t);
static int	 nft_rdr_ports(const struct rd_redirect *);
static int	 nft_rdr_timeout(const struct rd_redirect *);
static uint32_t	 nft_rdr_seed(const struct rd_redirect *);
static void	 nft_map_name(const struct rd_redirect *, uint8_t, int, char *,
		    size_t);
static int	 nft_rdr_objs(const struct rd_redirect *, struct nft_obj *);
static int	 nft_listen_match(const struct rd_listen *, char *, size_t);
static int	 nft_rdr_rules(FILE *, const struct rd_redirect *);
static int	 nft_rdr_sticky_rules(FILE *, const struct rd_redirect *);
static int	 nft_rdr_create(FILE *, const struct rd_redirect *);
static void	 nft_rdr_delete(FILE *, const struct rd_redirect *);
static int	 nft_rdr_fam(const struct relayd_conf *, const uint32_t *, int,
		    const struct rd_host **);
static int	 nft_rdr_elems(FILE *, const struct relayd_conf *,
		    const struct rd_redirect *, const uint32_t *, int);
static void	 nft_rdr_sticky_flush(FILE *, const struct rd_redirect *);
static int	 nft_rdr_departed(const struct rd_redirect *,
		    const uint32_t *);
static int	 nft_rdr_up(const struct rd_redirect *);
static void	 nft_dispatch(FILE *, const struct relayd_conf *, int);
static int	 nft_dispatch_same(const struct relayd_conf *,
		    const struct relayd_conf *);
static char	*nft_text(const struct rd_redirect *,
		    int (*)(FILE *, const struct rd_redirect *));
static int	 nft_rdr_reload(FILE *, const struct rd_redirect *,
		    const struct rd_redirect *, const struct relayd_conf *);
static const struct nft_obj *nft_obj_find(const struct nft_obj *, int,
		    const char *);
static int	 nft_run(struct nft_handle *, const char *, char *, size_t);

uint32_t
nft_tag_mark(const char *tag)
{
	unsigned long long	 v;
	uint32_t		 h;
	char			*end;
	const unsigned char	*p;

	if (tag == NULL || *tag == '\0')
		return (0);
	if (isdigit((unsigned char)*tag)) {
		errno = 0;
		v = strtoull(tag, &end, 0);
		if (errno == 0 && *end == '\0' && v >= 1 && v <= 0xffffffffULL)
			return ((uint32_t)v);
	}
	h = 2166136261U;
	for (p = (const unsigned char *)tag; *p != '\0'; p++) {
		h ^= *p;
		h *= 16777619U;
	}
	return (h | 0x80000000U);
}

/* A string safe between double quotes in nft text. */
static int
nft_str_ok(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s == '"' || *s == '\\' || iscntrl((unsigned char)*s))
			return (0);
	return (1);
}

static int
nft_proto_ports(uint8_t p)
{
	return (p == IPPROTO_TCP || p == IPPROTO_UDP || p == IPPROTO_DCCP ||
	    p == IPPROTO_SCTP || p == IPPROTO_UDPLITE);
}

static void
nft_proto_name(uint8_t p, char *buf, size_t len)
{
	switch (p) {
	case IPPROTO_TCP:
		(void)snprintf(buf, len, "tcp");
		break;
	case IPPROTO_UDP:
		(void)snprintf(buf, len, "udp");
		break;
	case IPPROTO_DCCP:
		(void)snprintf(buf, len, "dccp");
		break;
	case IPPROTO_SCTP:
		(void)snprintf(buf, len, "sctp");
		break;
	case IPPROTO_UDPLITE:
		(void)snprintf(buf, len, "udplite");
		break;
	default:
		(void)snprintf(buf, len, "%u", p);
		break;
	}
}

static int
nft_ss_af(const struct sockaddr_storage *ss)
{
	return (ss->ss_family == AF_INET6 ? AF_INET6 : AF_INET);
}

/* 0.0.0.0 or ::, or no address at all. */
static int
nft_ss_any(const struct sockaddr_storage *ss)
{
	const struct sockaddr_in	*sin;
	const struct sockaddr_in6	*sin6;

	switch (ss->ss_family) {
	case AF_INET:
		sin = (const struct sockaddr_in *)ss;
		return (sin->sin_addr.s_addr == INADDR_ANY);
	case AF_INET6:
		sin6 = (const struct sockaddr_in6 *)ss;
		return (IN6_IS_ADDR_UNSPECIFIED(&sin6->sin6_addr));
	default:
		return (1);
	}
}

static void
nft_ss_str(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	const void	*a;

	if (ss->ss_family == AF_INET6)
		a = &((const struct sockaddr_in6 *)ss)->sin6_addr;
	else
		a = &((const struct sockaddr_in *)ss)->sin_addr;
	if (inet_ntop(nft_ss_af(ss), a, buf, (socklen_t)len) == NULL)
		(void)snprintf(buf, len, "?");
}

/*
 * 1: the maps hold "addr . port" (the table has a port and every listen
 * a protocol with ports); 0: "addr" only, the destination port kept.
 */
static int
nft_rdr_ports(const struct rd_redirect *r)
{
	int	 i;

	if (r->r_table == NULL || r->r_table->t_port == 0)
		return (0);
	for (i = 0; i < r->r_nlisten; i++)
		if (!nft_proto_ports(r->r_listen[i].l_proto))
			return (0);
	return (1);
}

static int
nft_rdr_timeout(const struct rd_redirect *r)
{
	if (r->r_timeout <= 0)
		return (RELAYD_SESS_TIMEOUT);
	return (r->r_timeout > NFT_CT_MAX ? NFT_CT_MAX : r->r_timeout);
}

/* The jhash seed: the table key's four 32-bit words XORed together. */
static uint32_t
nft_rdr_seed(const struct rd_redirect *r)
{
	const uint8_t	*k;
	uint32_t	 s = 0;
	int		 i;

	if (r->r_table == NULL)
		return (0);
	k = r->r_table->t_key;
	for (i = 0; i < 16; i += 4)
		s ^= (uint32_t)k[i] << 24 | (uint32_t)k[i + 1] << 16 |
		    (uint32_t)k[i + 2] << 8 | k[i + 3];
	return (s);
}

/* The bucket map of r for listens of protocol p and family v6. */
static void
nft_map_name(const struct rd_redirect *r, uint8_t p, int v6, char *buf,
    size_t len)
{
	char	 pn[8];

	if (!nft_rdr_ports(r) || p == IPPROTO_TCP)
		(void)snprintf(buf, len, "r%u_v%c", r->r_id, v6 ? '6' : '4');
	else {
		nft_proto_name(p, pn, sizeof(pn));
		(void)snprintf(buf, len, "r%u_%s_v%c", r->r_id, pn,
		    v6 ? '6' : '4');
	}
}

/*
 * Fills v[NFT_MAXOBJ] with r's maps and ct timeouts; returns the count.
 * Bucket maps: rN_v4 and rN_v6 always; with ports, one pair more per
 * other protocol the listens use (rN_udp_v4...), since nft ties a map's
 * "udp dport" data to rules that match udp.
 */
static int
nft_rdr_objs(const struct rd_redirect *r, struct nft_obj *v)
{
	char		 pn[8];
	uint8_t		 protos[RELAYD_MAXLISTEN + 1];
	int		 n = 0, i, j, f, p, np, used[2][2];

	memset(v, 0, sizeof(*v) * NFT_MAXOBJ);
	memset(used, 0, sizeof(used));
	protos[0] = IPPROTO_TCP;
	np = 1;
	for (i = 0; i < r->r_nlisten && nft_rdr_ports(r); i++) {
		for (j = 0; j < np; j++)
			if (protos[j] == r->r_listen[i].l_proto)
				break;
		if (j == np)
			protos[np++] = r->r_listen[i].l_proto;
	}
	for (j = 0; j < np; j++) {
		nft_proto_name(protos[j], pn, sizeof(pn));
		for (f = 0; f < 2; f++) {
			v[n].o_kind = "map";
			v[n].o_bucket = 1;
			v[n].o_v6 = f;
			nft_map_name(r, protos[j], f, v[n].o_name,
			    sizeof(v[n].o_name));
			if (nft_rdr_ports(r))
				(void)snprintf(v[n++].o_body, sizeof(v->o_body),
				    "typeof numgen inc mod %d : %s daddr . "
				    "%s dport;", RELAYD_BUCKETS,
				    f ? "ip6" : "ip", pn);
			else
				(void)snprintf(v[n++].o_body, sizeof(v->o_body),
				    "typeof numgen inc mod %d : %s daddr;",
				    RELAYD_BUCKETS, f ? "ip6" : "ip");
		}
	}
	if (r->r_sticky) {
		v[n].o_kind = "map";
		(void)snprintf(v[n].o_name, sizeof(v[n].o_name),
		    "r%u_sticky_v4", r->r_id);
		(void)snprintf(v[n++].o_body, sizeof(v->o_body),
		    "typeof ip saddr : ip daddr; flags dynamic, timeout; "
		    "timeout %ds;", nft_rdr_timeout(r));
		v[n].o_kind = "map";
		(void)snprintf(v[n].o_name, sizeof(v[n].o_name),
		    "r%u_sticky_v6", r->r_id);
		(void)snprintf(v[n++].o_body, sizeof(v->o_body),
		    "typeof ip6 saddr : ip6 daddr; flags dynamic, timeout; "
		    "timeout %ds;", nft_rdr_timeout(r));
	}
	for (i = 0; i < r->r_nlisten; i++) {
		f = nft_ss_af(&r->r_listen[i].l_ss) == AF_INET6;
		if (r->r_listen[i].l_proto == IPPROTO_TCP)
			used[0][f] = 1;
		else if (r->r_listen[i].l_proto == IPPROTO_UDP)
			used[1][f] = 1;
	}
	/* IMP-11: the nat chains see the first packet of each flow only,
	 * so the counter's packets are the redirect's sessions. */
	v[n].o_kind = "counter";
	(void)snprintf(v[n].o_name, sizeof(v[n].o_name), "r%u_cnt", r->r_id);
	v[n++].o_body[0] = '\0';
	for (p = 0; p < 2; p++)
		for (f = 0; f < 2; f++) {
			if (!used[p][f])
				continue;
			v[n].o_kind = "ct timeout";
			(void)snprintf(v[n].o_name, sizeof(v[n].o_name),
			    "r%u_%s%c", r->r_id, p == 0 ? "tcp" : "udp",
			    f ? '6' : '4');
			(void)snprintf(v[n++].o_body, sizeof(v->o_body),
			    "protocol %s; l3proto %s; policy = { %s: %d };",
			    p == 0 ? "tcp" : "udp", f ? "ip6" : "ip",
			    p == 0 ? "established" : "replied",
			    nft_rdr_timeout(r));
		}
	return (n);
}

/* "ip daddr A meta l4proto P th dport X-Y iifname "if"" for one listen. */
static int
nft_listen_match(const struct rd_listen *l, char *buf, size_t len)
{
	char	 addr[INET6_ADDRSTRLEN], proto[8], port[32], ifn[32];
	int	 v6 = nft_ss_af(&l->l_ss) == AF_INET6, rv;

	if (!nft_str_ok(l->l_ifname))
		return (-1);
	nft_ss_str(&l->l_ss, addr, sizeof(addr));
	nft_proto_name(l->l_proto, proto, sizeof(proto));
	port[0] = '\0';
	if (nft_proto_ports(l->l_proto)) {
		if (l->l_port_hi > l->l_port)
			(void)snprintf(port, sizeof(port), " th dport %u-%u",
			    l->l_port, l->l_port_hi);
		else
			(void)snprintf(port, sizeof(port), " th dport %u",
			    l->l_port);
	}
	ifn[0] = '\0';
	if (l->l_ifname[0] != '\0')
		(void)snprintf(ifn, sizeof(ifn), " iifname \"%s\"",
		    l->l_ifname);
	if (nft_ss_any(&l->l_ss))
		rv = snprintf(buf, len, "meta nfproto %s meta l4proto %s%s%s",
		    v6 ? "ipv6" : "ipv4", proto, port, ifn);
	else
		rv = snprintf(buf, len, "%s daddr %s meta l4proto %s%s%s",
		    v6 ? "ip6" : "ip", addr, proto, port, ifn);
	return (rv < 0 || (size_t)rv >= len ? -1 : 0);
}

/* The rules of chain rN: per listen, statements, sticky, buckets. */
static int
nft_rdr_rules(FILE *fp, const struct rd_redirect *r)
{
	const struct rd_listen	*l;
	char			 m[256], sel[64], map[32];
	const char		*fam, *ip;
	uint32_t		 mark = nft_tag_mark(r->r_tag);
	int			 i, v6;

	for (i = 0; i < r->r_nlisten; i++) {
		l = &r->r_listen[i];
		if (nft_listen_match(l, m, sizeof(m)) == -1)
			return (-1);
		v6 = nft_ss_af(&l->l_ss) == AF_INET6;
		fam = v6 ? "v6" : "v4";
		ip = v6 ? "ip6" : "ip";
		/* Every new flow passes this rule, sticky or not. */
		fprintf(fp, "add rule %s r%u %s counter name \"r%u_cnt\"",
		    T, r->r_id, m, r->r_id);
		if (l->l_proto == IPPROTO_TCP ||
		    l->l_proto == IPPROTO_UDP)
			fprintf(fp, " ct timeout set \"r%u_%s%c\"",
			    r->r_id, l->l_proto == IPPROTO_TCP ?
			    "tcp" : "udp", v6 ? '6' : '4');
		if (mark != 0)
			fprintf(fp, " meta mark set 0x%08x"
			    " ct mark set 0x%08x", mark, mark);
		if (l->l_pflog)
			fprintf(fp, " log prefix \"relayd r%u \""
			    " group %d", r->r_id, NFT_PFLOG_GROUP);
		fprintf(fp, "\n");
		if (r->r_sticky) {
			fprintf(fp, "add rule %s r%u %s dnat %s to %s saddr "
			    "map @r%u_sticky_%s", T, r->r_id, m, ip, ip,
			    r->r_id, fam);
			if (nft_rdr_ports(r))
				fprintf(fp, " : %u", r->r_table->t_port);
			fprintf(fp, "\n");
		}
		switch (r->r_table != NULL ? r->r_table->t_mode :
		    MODE_ROUNDROBIN) {
		case MODE_RANDOM:
			(void)snprintf(sel, sizeof(sel),
			    "numgen random mod %d", RELAYD_BUCKETS);
			break;
		case MODE_SOURCEHASH:
			(void)snprintf(sel, sizeof(sel),
			    "jhash %s saddr mod %d seed 0x%08x", ip,
			    RELAYD_BUCKETS, nft_rdr_seed(r));
			break;
		default:	/* roundrobin; least-states: see nft.h */
			(void)snprintf(sel, sizeof(sel), "numgen inc mod %d",
			    RELAYD_BUCKETS);
			break;
		}
		nft_map_name(r, l->l_proto, v6, map, sizeof(map));
		fprintf(fp, "add rule %s r%u %s dnat %s to %s map @%s\n",
		    T, r->r_id, m, ip, sel, map);
	}
	return (ferror(fp) ? -1 : 0);
}

/* The rules of chain rN_s: learn each new flow's backend after DNAT. */
static int
nft_rdr_sticky_rules(FILE *fp, const struct rd_redirect *r)
{
	const struct rd_listen	*l;
	char			 addr[INET6_ADDRSTRLEN], proto[8], m[192];
	const char		*ip;
	int			 i, v6, rv;

	for (i = 0; i < r->r_nlisten && r->r_sticky; i++) {
		l = &r->r_listen[i];
		v6 = nft_ss_af(&l->l_ss) == AF_INET6;
		ip = v6 ? "ip6" : "ip";
		nft_ss_str(&l->l_ss, addr, sizeof(addr));
		nft_proto_name(l->l_proto, proto, sizeof(proto));
		if (nft_ss_any(&l->l_ss))
			rv = snprintf(m, sizeof(m), "meta nfproto %s "
			    "meta l4proto %s", v6 ? "ipv6" : "ipv4", proto);
		else
			rv = snprintf(m, sizeof(m), "meta l4proto %s "
			    "ct original %s daddr %s", proto, ip, addr);
		if (rv < 0 || (size_t)rv >= sizeof(m))
			return (-1);
		fprintf(fp, "add rule %s r%u_s ct state new ct status dnat %s",
		    T, r->r_id, m);
		if (nft_proto_ports(l->l_proto)) {
			if (l->l_port_hi > l->l_port)
				fprintf(fp, " ct original proto-dst %u-%u",
				    l->l_port, l->l_port_hi);
			else
				fprintf(fp, " ct original proto-dst %u",
				    l->l_port);
		}
		fprintf(fp, " update @r%u_sticky_%s { %s saddr : %s daddr }\n",
		    r->r_id, v6 ? "v6" : "v4", ip, ip);
	}
	return (ferror(fp) ? -1 : 0);
}

/* Chains and objects of r, its rule chain empty. */
static int
nft_rdr_create(FILE *fp, const struct rd_redirect *r)
{
	struct nft_obj	 v[NFT_MAXOBJ];
	int		 i, n;

	fprintf(fp, "add chain %s r%u\n", T, r->r_id);
	n = nft_rdr_objs(r, v);
	for (i = 0; i < n; i++)
		fprintf(fp, "add %s %s %s { %s }\n", v[i].o_kind, T,
		    v[i].o_name, v[i].o_body);
	if (r->r_sticky) {
		fprintf(fp, "add chain %s r%u_s\n", T, r->r_id);
		if (nft_rdr_sticky_rules(fp, r) == -1)
			return (-1);
	}
	return (ferror(fp) ? -1 : 0);
}

/* Every object of r; its jumps must be gone earlier in the batch. */
static void
nft_rdr_delete(FILE *fp, const struct rd_redirect *r)
{
	struct nft_obj	 v[NFT_MAXOBJ];
	int		 i, n;

	fprintf(fp, "flush chain %s r%u\n", T, r->r_id);
	fprintf(fp, "delete chain %s r%u\n", T, r->r_id);
	if (r->r_sticky) {
		fprintf(fp, "flush chain %s r%u_s\n", T, r->r_id);
		fprintf(fp, "delete chain %s r%u_s\n", T, r->r_id);
	}
	n = nft_rdr_objs(r, v);
	for (i = 0; i < n; i++)
		fprintf(fp, "delete %s %s %s\n", v[i].o_kind, T, v[i].o_name);
}

/*
 * The hosts of one family for each bucket: a bucket whose host is
 * missing or of the other family goes to the same-family host at
 * (bucket % count) among those in b, in id order.  Returns the count of
 * distinct hosts (0: none, fh unset).
 */
static int
nft_rdr_fam(const struct relayd_conf *c, const uint32_t *b, int af,
    const struct rd_host **fh)
{
	const struct rd_host	*h;
	uint32_t		 ids[RELAYD_BUCKETS];
	int			 i, j, n;

	memset(ids, 0, sizeof(ids));
	for (i = n = 0; i < RELAYD_BUCKETS; i++) {
		if (b[i] == 0 || (h = conf_host(c, b[i])) == NULL ||
		    h->h_ss.ss_family != af)
			continue;
		for (j = 0; j < n && ids[j] < b[i]; j++)
			;
		if (j < n && ids[j] == b[i])
			continue;
		memmove(&ids[j + 1], &ids[j], (size_t)(n - j) * sizeof(ids[0]));
		ids[j] = b[i];
		n++;
	}
	for (i = 0; i < RELAYD_BUCKETS && n > 0; i++) {
		h = b[i] != 0 ? conf_host(c, b[i]) : NULL;
		if (h == NULL || h->h_ss.ss_family != af)
			h = conf_host(c, ids[i % n]);
		fh[i] = h;
	}
	return (n);
}

/* Every bucket map of r rewritten from b (flushed, then filled). */
static int
nft_rdr_elems(FILE *fp, const struct relayd_conf *c,
    const struct rd_redirect *r, const uint32_t *b, int ports)
{
	struct nft_obj		 v[NFT_MAXOBJ];
	const struct rd_host	*h, *fh[2][RELAYD_BUCKETS];
	char			 addr[INET6_ADDRSTRLEN];
	uint16_t		 port;
	int			 nf[2], i, k, o, n;

	if (r->r_table == NULL)
		return (-1);
	nf[0] = nft_rdr_fam(c, b, AF_INET, fh[0]);
	nf[1] = nft_rdr_fam(c, b, AF_INET6, fh[1]);
	n = nft_rdr_objs(r, v);
	for (o = 0; o < n; o++) {
		if (!v[o].o_bucket)
			continue;
		fprintf(fp, "flush map %s %s\n", T, v[o].o_name);
		if (nf[v[o].o_v6] == 0)
			continue;
		for (i = 0; i < RELAYD_BUCKETS; i += NFT_PERLINE) {
			fprintf(fp, "add element %s %s { ", T, v[o].o_name);
			for (k = i; k < i + NFT_PERLINE &&
			    k < RELAYD_BUCKETS; k++) {
				if ((h = fh[v[o].o_v6][k]) == NULL)
					return (-1);
				nft_ss_str(&h->h_ss, addr, sizeof(addr));
				port = h->h_table != NULL &&
				    h->h_table->t_port != 0 ?
				    h->h_table->t_port : r->r_table->t_port;
				fprintf(fp, "%s%d : %s", k > i ? ", " : "", k,
				    addr);
				if (ports)
					fprintf(fp, " . %u", port);
			}
			fprintf(fp, " }\n");
		}
	}
	return (ferror(fp) ? -1 : 0);
}

static void
nft_rdr_sticky_flush(FILE *fp, const struct rd_redirect *r)
{
	if (!r->r_sticky)
		return;
	fprintf(fp, "flush map %s r%u_sticky_v4\n", T, r->r_id);
	fprintf(fp, "flush map %s r%u_sticky_v6\n", T, r->r_id);
}

/*
 * 1 when a host of o's installed buckets (ids of oc) is not among the
 * hosts of r's buckets (ids of nc), by table and host name.
 */
int
nft_rdr_host_gone(const struct relayd_conf *oc, const struct rd_redirect *o,
    const struct relayd_conf *nc, const struct rd_redirect *r)
{
	const struct rd_host	*oh;
	int			 i;

	for (i = 0; i < RELAYD_BUCKETS; i++)
		if (o->r_buckets[i] != 0 &&
		    (oh = conf_host(oc, o->r_buckets[i])) != NULL &&
		    !nft_rdr_host_kept(nc, r, oh))
			return (1);
	return (0);
}

int
nft_rdr_host_kept(const struct relayd_conf *nc, const struct rd_redirect *r,
    const struct rd_host *oh)
{
	const struct rd_host	*nh;
	int			 j;

	for (j = 0; j < RELAYD_BUCKETS; j++)
		if (r->r_buckets[j] != 0 &&
		    (nh = conf_host(nc, r->r_buckets[j])) != NULL &&
		    strcmp(nh->h_name, oh->h_name) == 0 &&
		    strcmp(nh->h_table->t_name, oh->h_table->t_name) == 0)
			return (1);
	return (0);
}

/* 1 when a host of r->r_buckets is missing from b, or r_buckets is 0s. */
static int
nft_rdr_departed(const struct rd_redirect *r, const uint32_t *b)
{
	int	 i, j, any = 0;

	for (i = 0; i < RELAYD_BUCKETS; i++) {
		if (r->r_buckets[i] == 0)
			continue;
		any = 1;
		if (i > 0 && r->r_buckets[i] == r->r_buckets[i - 1])
			continue;
		for (j = 0; j < RELAYD_BUCKETS; j++)
			if (b[j] == r->r_buckets[i])
				break;
		if (j == RELAYD_BUCKETS)
			return (1);
	}
	return (!any);
}

/*
 * r is installed: active or backup with a host in a bucket.  In the
 * parent r_status is what is installed, whatever the file's "disable"
 * says (relayctl may have enabled it since).
 */
static int
nft_rdr_up(const struct rd_redirect *r)
{
	int	 i;

	if (r->r_status != RDR_ACTIVE && r->r_status != RDR_BACKUP)
		return (0);
	for (i = 0; i < RELAYD_BUCKETS; i++)
		if (r->r_buckets[i] != 0)
			return (1);
	return (0);
}

/* Jumps from pre/out (and sticky_pre/out) to every redirect of c. */
static void
nft_dispatch(FILE *fp, const struct relayd_conf *c, int flush)
{
	const struct rd_redirect	*r;

	if (flush) {
		fprintf(fp, "flush chain %s pre\n", T);
		fprintf(fp, "flush chain %s out\n", T);
		fprintf(fp, "flush chain %s sticky_pre\n", T);
		fprintf(fp, "flush chain %s sticky_out\n", T);
		return;
	}
	TAILQ_FOREACH(r, &c->c_redirects, r_entry) {
		fprintf(fp, "add rule %s pre jump r%u\n", T, r->r_id);
		fprintf(fp, "add rule %s out jump r%u\n", T, r->r_id);
	}
	TAILQ_FOREACH(r, &c->c_redirects, r_entry) {
		if (!r->r_sticky)
			continue;
		fprintf(fp, "add rule %s sticky_pre jump r%u_s\n", T, r->r_id);
		fprintf(fp, "add rule %s sticky_out jump r%u_s\n", T, r->r_id);
	}
}

/* 1 when both configurations have the same redirect ids and stickiness. */
static int
nft_dispatch_same(const struct relayd_conf *a, const struct relayd_conf *b)
{
	const struct rd_redirect	*x, *y;

	y = TAILQ_FIRST(&b->c_redirects);
	TAILQ_FOREACH(x, &a->c_redirects, r_entry) {
		/* Another redirect at this id is deleted and made again:
		 * the jumps to it go first. */
		if (y == NULL || x->r_id != y->r_id ||
		    strcmp(x->r_name, y->r_name) != 0 ||
		    (x->r_sticky != 0) != (y->r_sticky != 0))
			return (0);
		y = TAILQ_NEXT(y, r_entry);
	}
	return (y == NULL);
}

int
nft_gen_start(FILE *fp, const struct relayd_conf *c)
{
	const struct rd_redirect	*r;

	fprintf(fp, "add table %s\n", T);
	fprintf(fp, "delete table %s\n", T);
	fprintf(fp, "add table %s\n", T);
	fprintf(fp, "add chain %s pre { type nat hook prerouting priority "
	    "dstnat; policy accept; }\n", T);
	fprintf(fp, "add chain %s out { type nat hook output priority %d; "
	    "policy accept; }\n", T, NFT_PRIO_NAT);
	fprintf(fp, "add chain %s sticky_pre { type filter hook prerouting "
	    "priority %d; policy accept; }\n", T, NFT_PRIO_STICKY);
	fprintf(fp, "add chain %s sticky_out { type filter hook output "
	    "priority %d; policy accept; }\n", T, NFT_PRIO_STICKY);
	TAILQ_FOREACH(r, &c->c_redirects, r_entry)
		if (nft_rdr_create(fp, r) == -1)
			return (-1);
	nft_dispatch(fp, c, 0);
	return (ferror(fp) ? -1 : 0);
}

int
nft_gen_rdr(FILE *fp, const struct relayd_conf *c,
    const struct rd_redirect *r, int up, const uint32_t *b)
{
	fprintf(fp, "flush chain %s r%u\n", T, r->r_id);
	if (!up || b == NULL) {
		nft_rdr_sticky_flush(fp, r);
		return (ferror(fp) ? -1 : 0);
	}
	if (nft_rdr_rules(fp, r) == -1)
		return (-1);
	return (nft_gen_maps(fp, c, r, b));
}

int
nft_gen_maps(FILE *fp, const struct relayd_conf *c,
    const struct rd_redirect *r, const uint32_t *b)
{
	if (r->r_table == NULL)
		return (-1);
	if (nft_rdr_departed(r, b))
		nft_rdr_sticky_flush(fp, r);
	return (nft_rdr_elems(fp, c, r, b, nft_rdr_ports(r)));
}

/* The text fn writes for r, malloc'd, or NULL. */
static char *
nft_text(const struct rd_redirect *r,
    int (*fn)(FILE *, const struct rd_redirect *))
{
	FILE	*f;
	char	*buf = NULL;
	size_t	 len;
	int	 rv;

	if ((f = open_memstream(&buf, &len)) == NULL)
		return (NULL);
	rv = fn(f, r);
	if (fclose(f) != 0 || rv == -1) {
		free(buf);
		return (NULL);
	}
	return (buf);
}

static const struct nft_obj *
nft_obj_find(const struct nft_obj *v, int n, const char *name)
{
	int	 i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i].o_name, name) == 0)
			return (&v[i]);
	return (NULL);
}

/*
 * One redirect present in both configurations (same id): only what
 * differs is written.  Objects are compared one by one; a map recreated
 * or different rules mean the rule chain is rewritten.
 */
static int
nft_rdr_reload(FILE *fp, const struct rd_redirect *o,
    const struct rd_redirect *r, const struct relayd_conf *nc)
{
	struct nft_obj		 ov[NFT_MAXOBJ], nv[NFT_MAXOBJ];
	const struct nft_obj	*x;
	char			*orules, *nrules, *osticky, *nsticky;
	int			 on, nn, i, rules, sticky, maps = 0, objs = 0;
	int			 rv = -1;

	orules = nft_text(o, nft_rdr_rules);
	nrules = nft_text(r, nft_rdr_rules);
	osticky = nft_text(o, nft_rdr_sticky_rules);
	nsticky = nft_text(r, nft_rdr_sticky_rules);
	if (orules == NULL || nrules == NULL || osticky == NULL ||
	    nsticky == NULL)
		goto done;
	on = nft_rdr_objs(o, ov);
	nn = nft_rdr_objs(r, nv);
	for (i = 0; i < nn; i++) {
		x = nft_obj_find(ov, on, nv[i].o_name);
		if (x == NULL || strcmp(x->o_body, nv[i].o_body) != 0) {
			maps |= strcmp(nv[i].o_kind, "map") == 0;
			objs = 1;
		}
	}
	for (i = 0; i < on; i++)
		if (nft_obj_find(nv, nn, ov[i].o_name) == NULL) {
			maps |= strcmp(ov[i].o_kind, "map") == 0;
			objs = 1;
		}
	/* A rule holds a reference on every object it names. */
	rules = objs || strcmp(orules, nrules) != 0;
	sticky = objs || strcmp(osticky, nsticky) != 0 ||
	    (o->r_sticky != 0) != (r->r_sticky != 0);

	if (rules)
		fprintf(fp, "flush chain %s r%u\n", T, r->r_id);
	if (sticky && o->r_sticky)
		fprintf(fp, "flush chain %s r%u_s\n", T, r->r_id);
	if (sticky && o->r_sticky && !r->r_sticky)
		fprintf(fp, "delete chain %s r%u_s\n", T, r->r_id);
	for (i = 0; i < on; i++) {
		x = nft_obj_find(nv, nn, ov[i].o_name);
		if (x == NULL || strcmp(x->o_body, ov[i].o_body) != 0)
			fprintf(fp, "delete %s %s %s\n", ov[i].o_kind, T,
			    ov[i].o_name);
	}
	for (i = 0; i < nn; i++) {
		x = nft_obj_find(ov, on, nv[i].o_name);
		if (x == NULL || strcmp(x->o_body, nv[i].o_body) != 0)
			fprintf(fp, "add %s %s %s { %s }\n", nv[i].o_kind, T,
			    nv[i].o_name, nv[i].o_body);
	}
	if (sticky && r->r_sticky) {
		fprintf(fp, "add chain %s r%u_s\n", T, r->r_id);
		fputs(nsticky, fp);
	}
	if (rules && nft_rdr_up(r)) {
		fputs(nrules, fp);
		if (maps && nft_rdr_elems(fp, nc, r, r->r_buckets,
		    nft_rdr_ports(r)) == -1)
			goto done;
	}
	rv = ferror(fp) ? -1 : 0;
 done:
	free(orules);
	free(nrules);
	free(osticky);
	free(nsticky);
	return (rv);
}

int
nft_gen_reload(FILE *fp, const struct relayd_conf *oc,
    const struct relayd_conf *nc)
{
	const struct rd_redirect	*o, *r;
	int				 same;

	/*
	 * Objects are named by id, and ids follow the file's order: a
	 * redirect inserted above others shifts theirs.  An id whose
	 * redirect is another one now is rebuilt whole, so no sticky entry,
	 * map element or counter passes from one redirect to another.
	 */
	if ((same = nft_dispatch_same(oc, nc)) == 0)
		nft_dispatch(fp, oc, 1);
	TAILQ_FOREACH(o, &oc->c_redirects, r_entry)
		if ((r = conf_redirect(nc, o->r_id)) == NULL ||
		    strcmp(r->r_name, o->r_name) != 0)
			nft_rdr_delete(fp, o);
	TAILQ_FOREACH(r, &nc->c_redirects, r_entry) {
		if ((o = conf_redirect(oc, r->r_id)) != NULL &&
		    strcmp(r->r_name, o->r_name) == 0) {
			if (nft_rdr_reload(fp, o, r, nc) == -1)
				return (-1);
			/* A host gone from the file: its sticky clients
			 * choose again (entries cannot go by value). */
			if (r->r_sticky && o->r_sticky &&
			    nft_rdr_host_gone(oc, o, nc, r))
				nft_rdr_sticky_flush(fp, r);
			continue;
		}
		if (nft_rdr_create(fp, r) == -1)
			return (-1);
		if (nft_rdr_up(r) && (nft_rdr_rules(fp, r) == -1 ||
		    nft_rdr_elems(fp, nc, r, r->r_buckets,
		    nft_rdr_ports(r)) == -1))
			return (-1);
	}
	if (!same)
		nft_dispatch(fp, nc, 0);
	return (ferror(fp) ? -1 : 0);
}

int
nft_gen_stop(FILE *fp)
{
	fprintf(fp, "add table %s\n", T);
	fprintf(fp, "delete table %s\n", T);
	return (ferror(fp) ? -1 : 0);
}

struct nft_handle *
nft_open(void)
{
	struct nft_handle	*h;

	if ((h = calloc(1, sizeof(*h))) == NULL)
		return (NULL);
	if ((h->nh_ctx = nft_ctx_new(NFT_CTX_DEFAULT)) == NULL)
		goto fail;
	if (nft_ctx_buffer_output(h->nh_ctx) != 0 ||
	    nft_ctx_buffer_error(h->nh_ctx) != 0)
		goto fail;
	return (h);
 fail:
	nft_close(h);
	return (NULL);
}

/*
 * Runs text; 0, or -1 with the first line of libnftables' error (the
 * lines after it quote the command, which for a buffer nftables 1.0.6
 * gets wrong) in err.
 */
static int
nft_run(struct nft_handle *h, const char *text, char *err, size_t errlen)
{
	const char	*e;
	size_t		 len;

	if (nft_run_cmd_from_buffer(h->nh_ctx, text) == 0) {
		(void)nft_ctx_get_error_buffer(h->nh_ctx);
		return (0);
	}
	e = nft_ctx_get_error_buffer(h->nh_ctx);
	if (e == NULL || *e == '\0')
		e = "libnftables failed (no message)";
	if (strncmp(e, "Error: ", 7) == 0)
		e += 7;
	len = strcspn(e, "\n");
	if (errlen > 0)
		(void)snprintf(err, errlen, "%.*s", (int)len, e);
	return (-1);
}

int
nft_apply(struct nft_handle *h, const char *batch, char *err, size_t errlen)
{
	int	 rv;

	rv = nft_run(h, batch, err, errlen);
	(void)nft_ctx_get_output_buffer(h->nh_ctx);
	return (rv);
}

const char *
nft_list(struct nft_handle *h, const char *cmd, char *err, size_t errlen)
{
	if (nft_run(h, cmd, err, errlen) == -1) {
		(void)nft_ctx_get_output_buffer(h->nh_ctx);
		return (NULL);
	}
	return (nft_ctx_get_output_buffer(h->nh_ctx));
}

int
nft_parse_counters(const char *text, uint32_t *ids, uint64_t *counts,
    int max)
{
	const char		*p, *nl;
	unsigned long long	 v;
	unsigned int		 id;
	int			 n = 0, cur = 0;

	/* "counter rN_cnt {" then "packets P bytes B", as nft lists them. */
	for (p = text; p != NULL && *p != '\0' && n < max; p = nl) {
		if ((nl = strchr(p, '\n')) != NULL)
			nl++;
		while (*p == ' ' || *p == '\t')
			p++;
		if (sscanf(p, "counter r%u_cnt {", &id) == 1) {
			cur = 1;
			ids[n] = id;
		} else if (cur && sscanf(p, "packets %llu", &v) == 1) {
			counts[n++] = v;
			cur = 0;
		}
	}
	return (n);
}

void
nft_close(struct nft_handle *h)
{
	if (h == NULL)
		return;
	if (h->nh_ctx != NULL)
		nft_ctx_free(h->nh_ctx);
	free(h);
}
