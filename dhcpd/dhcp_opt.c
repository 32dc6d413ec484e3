/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * DHCP options by name: see dhcp_opt.h.  The names, codes and formats
 * are those of OpenBSD's dhcp-options(5); the values are checked here as
 * strictly as the wire wants them, so whatever parses can be sent.
 */

#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dhcp_opt.h"

/* Sorted by code. */
static const struct dhcp_opt_def opt_defs[] = {
	{ "subnet-mask",		1,	DHCP_FMT_IP },
	{ "time-offset",		2,	DHCP_FMT_INT32 },
	{ "routers",			3,	DHCP_FMT_IPS },
	{ "time-servers",		4,	DHCP_FMT_IPS },
	{ "ien116-name-servers",	5,	DHCP_FMT_IPS },
	{ "domain-name-servers",	6,	DHCP_FMT_IPS },
	{ "log-servers",		7,	DHCP_FMT_IPS },
	{ "cookie-servers",		8,	DHCP_FMT_IPS },
	{ "lpr-servers",		9,	DHCP_FMT_IPS },
	{ "impress-servers",		10,	DHCP_FMT_IPS },
	{ "resource-location-servers",	11,	DHCP_FMT_IPS },
	{ "host-name",			12,	DHCP_FMT_DATA },
	{ "boot-size",			13,	DHCP_FMT_UINT16 },
	{ "merit-dump",			14,	DHCP_FMT_TEXT },
	{ "domain-name",		15,	DHCP_FMT_TEXT },
	{ "swap-server",		16,	DHCP_FMT_IP },
	{ "root-path",			17,	DHCP_FMT_TEXT },
	{ "extensions-path",		18,	DHCP_FMT_TEXT },
	{ "ip-forwarding",		19,	DHCP_FMT_FLAG },
	{ "non-local-source-routing",	20,	DHCP_FMT_FLAG },
	{ "policy-filter",		21,	DHCP_FMT_IPPAIRS },
	{ "max-dgram-reassembly",	22,	DHCP_FMT_UINT16 },
	{ "default-ip-ttl",		23,	DHCP_FMT_UINT8 },
	{ "path-mtu-aging-timeout",	24,	DHCP_FMT_UINT32 },
	{ "path-mtu-plateau-table",	25,	DHCP_FMT_UINT16S },
	{ "interface-mtu",		26,	DHCP_FMT_UINT16 },
	{ "all-subnets-local",		27,	DHCP_FMT_FLAG },
	{ "broadcast-address",		28,	DHCP_FMT_IP },
	{ "perform-mask-discovery",	29,	DHCP_FMT_FLAG },
	{ "mask-supplier",		30,	DHCP_FMT_FLAG },
	{ "router-discovery",		31,	DHCP_FMT_FLAG },
	{ "router-solicitation-address",	32,	DHCP_FMT_IP },
	{ "static-routes",		33,	DHCP_FMT_IPPAIRS },
	{ "trailer-encapsulation",	34,	DHCP_FMT_FLAG },
	{ "arp-cache-timeout",		35,	DHCP_FMT_UINT32 },
	{ "ieee802-3-encapsulation",	36,	DHCP_FMT_FLAG },
	{ "default-tcp-ttl",		37,	DHCP_FMT_UINT8 },
	{ "tcp-keepalive-interval",	38,	DHCP_FMT_UINT32 },
	{ "tcp-keepalive-garbage",	39,	DHCP_FMT_FLAG },
	{ "nis-domain",			40,	DHCP_FMT_TEXT },
	{ "nis-servers",		41,	DHCP_FMT_IPS },
	{ "ntp-servers",		42,	DHCP_FMT_IPS },
	{ "vendor-encapsulated-options",	43,	DHCP_FMT_DATA },
	{ "netbios-name-servers",	44,	DHCP_FMT_IPS },
	{ "netbios-dd-server",		45,	DHCP_FMT_IPS },
	{ "netbios-node-type",		46,	DHCP_FMT_UINT8 },
	{ "netbios-scope",		47,	DHCP_FMT_TEXT },
	{ "font-servers",		48,	DHCP_FMT_IPS },
	{ "x-display-manager",		49,	DHCP_FMT_IPS },
	{ "dhcp-requested-address",	50,	DHCP_FMT_IP },
	{ "dhcp-lease-time",		51,	DHCP_FMT_UINT32 },
	{ "dhcp-option-overload",	52,	DHCP_FMT_UINT8 },
	{ "dhcp-message-type",		53,	DHCP_FMT_UINT8 },
	{ "dhcp-server-identifier",	54,	DHCP_FMT_IP },
	{ "dhcp-parameter-request-list",	55,	DHCP_FMT_UINT8S },
	{ "dhcp-message",		56,	DHCP_FMT_TEXT },
	{ "dhcp-max-message-size",	57,	DHCP_FMT_UINT16 },
	{ "dhcp-renewal-time",		58,	DHCP_FMT_UINT32 },
	{ "dhcp-rebinding-time",	59,	DHCP_FMT_UINT32 },
	{ "dhcp-class-identifier",	60,	DHCP_FMT_TEXT },
	{ "dhcp-client-identifier",	61,	DHCP_FMT_DATA },
	{ "nisplus-domain",		64,	DHCP_FMT_TEXT },
	{ "nisplus-servers",		65,	DHCP_FMT_IPS },
	{ "tftp-server-name",		66,	DHCP_FMT_TEXT },
	{ "bootfile-name",		67,	DHCP_FMT_TEXT },
	{ "mobile-ip-home-agent",	68,	DHCP_FMT_IPS },
	{ "smtp-server",		69,	DHCP_FMT_IPS },
	{ "pop-server",			70,	DHCP_FMT_IPS },
	{ "nntp-server",		71,	DHCP_FMT_IPS },
	{ "www-server",			72,	DHCP_FMT_IPS },
	{ "finger-server",		73,	DHCP_FMT_IPS },
	{ "irc-server",			74,	DHCP_FMT_IPS },
	{ "streettalk-server",		75,	DHCP_FMT_IPS },
	{ "streettalk-directory-assistance-server", 76, DHCP_FMT_IPS },
	{ "user-class",			77,	DHCP_FMT_TEXT },
	{ "relay-agent-information",	82,	DHCP_FMT_DATA },
	{ "nds-servers",		85,	DHCP_FMT_IPS },
	{ "nds-tree-name",		86,	DHCP_FMT_DATA },
	{ "nds-context",		87,	DHCP_FMT_DATA },
	{ "domain-search",		119,	DHCP_FMT_DOMAINS },
	{ "classless-static-routes",	121,	DHCP_FMT_ROUTES },
	{ "tftp-config-file",		144,	DHCP_FMT_TEXT },
	{ "voip-configuration-server",	150,	DHCP_FMT_IPS },
	{ "classless-ms-static-routes",	249,	DHCP_FMT_ROUTES },
	{ "autoproxy-script",		252,	DHCP_FMT_TEXT },
};
#define NOPTDEFS	(sizeof(opt_defs) / sizeof(opt_defs[0]))

/* An encoding under way: bounded by DHCP_OPT_LEN_MAX. */
struct enc {
	uint8_t		 e_buf[DHCP_OPT_LEN_MAX];
	size_t		 e_len;
	char		*e_err;
	size_t		 e_errlen;
	enum dhcp_opt_fmt e_fmt;
};

static int	 enc_put(struct enc *, const void *, size_t);
static void	 enc_fail(struct enc *, const char *);
static int	 parse_num(const char *, int, long long, long long,
		    long long *);
static int	 parse_ip(const char *, uint8_t *);
static int	 parse_flag(const char *, uint8_t *);
static int	 parse_hex(const char *, struct enc *);
static int	 parse_domain(const char *, struct enc *);
static int	 label_ok(const uint8_t *, size_t);
static int	 parse_route(const char *, const char *, struct enc *,
		    const char **);
static size_t	 elem_len(const struct dhcp_opt_word *, size_t, size_t);
static int	 fmt_list(enum dhcp_opt_fmt);
static size_t	 fmt_words(enum dhcp_opt_fmt);
static int	 enc_ip(struct enc *, const char *);
static int	 enc_int(struct enc *, const struct dhcp_opt_word *,
		    long long, long long, size_t);
static int	 enc_data(struct enc *, const struct dhcp_opt_word *);
static int	 enc_elem(struct enc *, uint8_t, const struct dhcp_opt_word *,
		    size_t *);
static int	 print_fits(enum dhcp_opt_fmt, const uint8_t *, size_t);
static void	 print_hex(FILE *, const uint8_t *, size_t);
static void	 print_ip(FILE *, const uint8_t *);
static int	 print_domains(FILE *, const uint8_t *, size_t, int);
static int	 print_routes(FILE *, const uint8_t *, size_t, int);
static uint32_t	 get32(const uint8_t *);

const struct dhcp_opt_def *
dhcp_opt_by_code(uint8_t code)
{
	size_t	 lo = 0, hi = NOPTDEFS, mid;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (opt_defs[mid].od_code == code)
			return (&opt_defs[mid]);
		if (opt_defs[mid].od_code < code)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (NULL);
}

int
dhcp_opt_by_name(const char *name, uint8_t *code)
{
	const char	*num;
	size_t		 i, len;
	long		 n;

	for (i = 0; i < NOPTDEFS; i++)
		if (strcasecmp(name, opt_defs[i].od_name) == 0) {
			*code = opt_defs[i].od_code;
			return (0);
		}
	if (strncasecmp(name, "option-", 7) != 0)
		return (-1);
	num = name + 7;
	len = strlen(num);
	if (len == 0 || len > 3 || strspn(num, "0123456789") != len ||
	    (num[0] == '0'))
		return (-1);
	n = strtol(num, NULL, 10);
	if (n < 1 || n > 254)
		return (-1);
	*code = (uint8_t)n;
	return (0);
}

const char *
dhcp_opt_name(uint8_t code, char *buf, size_t len)
{
	const struct dhcp_opt_def	*d;

	if ((d = dhcp_opt_by_code(code)) != NULL)
		return (d->od_name);
	(void)snprintf(buf, len, "option-%u", code);
	return (buf);
}

enum dhcp_opt_fmt
dhcp_opt_fmt(uint8_t code)
{
	const struct dhcp_opt_def	*d;

	if ((d = dhcp_opt_by_code(code)) != NULL)
		return (d->od_fmt);
	return (DHCP_FMT_DATA);
}

const char *
dhcp_opt_fmt_str(enum dhcp_opt_fmt fmt)
{
	switch (fmt) {
	case DHCP_FMT_IP:
		return ("an IPv4 address");
	case DHCP_FMT_IPS:
		return ("IPv4 addresses separated by ','");
	case DHCP_FMT_IPPAIRS:
		return ("address pairs 'A B' separated by ','");
	case DHCP_FMT_INT32:
		return ("a number -2147483648-2147483647");
	case DHCP_FMT_UINT32:
		return ("a number 0-4294967295");
	case DHCP_FMT_UINT16:
		return ("a number 0-65535");
	case DHCP_FMT_UINT16S:
		return ("numbers 0-65535 separated by ','");
	case DHCP_FMT_UINT8:
		return ("a number 0-255");
	case DHCP_FMT_UINT8S:
		return ("numbers 0-255 separated by ','");
	case DHCP_FMT_FLAG:
		return ("true, false, on or off");
	case DHCP_FMT_TEXT:
		return ("a string");
	case DHCP_FMT_DATA:
		return ("a quoted string or hex octets xx:xx:...");
	case DHCP_FMT_DOMAINS:
		return ("domain names separated by ','");
	case DHCP_FMT_ROUTES:
		return ("routes 'NET/LEN ROUTER' separated by ','");
	}
	return ("?");
}

static int
enc_put(struct enc *e, const void *p, size_t len)
{
	if (len > sizeof(e->e_buf) - e->e_len) {
		(void)snprintf(e->e_err, e->e_errlen, "value longer than %d "
		    "bytes", DHCP_OPT_LEN_MAX);
		return (-1);
	}
	memcpy(e->e_buf + e->e_len, p, len);
	e->e_len += len;
	return (0);
}

/* "expects <what the format wants>, got 'w'" */
static void
enc_fail(struct enc *e, const char *got)
{
	(void)snprintf(e->e_err, e->e_errlen, "expects %s, got '%.64s'",
	    dhcp_opt_fmt_str(e->e_fmt), got);
}

/* A decimal number in [min, max], never quoted. */
static int
parse_num(const char *s, int quoted, long long min, long long max,
    long long *out)
{
	long long	 v;
	size_t		 len, i;

	len = strlen(s);
	i = (s[0] == '-');
	if (quoted || len == i || len - i > 12 ||
	    strspn(s + i, "0123456789") != len - i)
		return (-1);
	errno = 0;
	v = strtoll(s, NULL, 10);
	if (errno != 0 || v < min || v > max)
		return (-1);
	*out = v;
	return (0);
}

/* A dotted quad into 4 bytes, network order. */
static int
parse_ip(const char *s, uint8_t *out)
{
	struct in_addr	 a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return (-1);
	memcpy(out, &a.s_addr, 4);
	return (0);
}

static int
parse_flag(const char *s, uint8_t *out)
{
	if (strcasecmp(s, "true") == 0 || strcasecmp(s, "on") == 0)
		*out = 1;
	else if (strcasecmp(s, "false") == 0 || strcasecmp(s, "off") == 0)
		*out = 0;
	else
		return (-1);
	return (0);
}

/* Octets of one or two hex digits separated by ':' ("1:54:c9:2b:47"). */
static int
parse_hex(const char *s, struct enc *e)
{
	const char	*p = s;
	size_t		 n;
	uint8_t		 b;
	char		 tmp[3];

	for (;;) {
		n = strspn(p, "0123456789abcdefABCDEF");
		if (n < 1 || n > 2)
			return (-1);
		memcpy(tmp, p, n);
		tmp[n] = '\0';
		b = (uint8_t)strtoul(tmp, NULL, 16);
		if (enc_put(e, &b, 1) == -1)
			return (-2);
		p += n;
		if (*p == '\0')
			return (0);
		if (*p++ != ':')
			return (-1);
	}
}

/*
 * A domain name as RFC 1035 labels ending in the root label, without
 * compression (RFC 3397 allows it, and clients must take either).  A
 * trailing dot is allowed; labels are letters, digits, '-' and '_'.
 */
static int
parse_domain(const char *s, struct enc *e)
{
	const char	*p = s, *dot;
	size_t		 len, total = 1;
	uint8_t		 n;

	if (*s == '\0' || strcmp(s, ".") == 0)
		return (-1);
	while (*p != '\0') {
		if ((dot = strchr(p, '.')) == NULL)
			dot = p + strlen(p);
		len = (size_t)(dot - p);
		if (len == 0 || len > 63 ||
		    !label_ok((const uint8_t *)p, len))
			return (-1);
		total += len + 1;
		if (total > 255)
			return (-1);
		n = (uint8_t)len;
		if (enc_put(e, &n, 1) == -1 || enc_put(e, p, len) == -1)
			return (-2);
		p = dot;
		if (*p == '.')
			p++;
	}
	n = 0;
	return (enc_put(e, &n, 1) == -1 ? -2 : 0);
}

/* Letters, digits, '-' and '_': what parse_domain() takes in a label. */
static int
label_ok(const uint8_t *p, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (!isalnum(p[i]) && p[i] != '-' && p[i] != '_')
			return (0);
	return (1);
}

/*
 * One RFC 3442 route: the prefix length, the significant octets of the
 * destination, then the router.  The destination must have no bits set
 * past its prefix, which the wire form could not carry.
 */
static int
parse_route(const char *net, const char *gw, struct enc *e,
    const char **bad)
{
	char		 tmp[32];
	const char	*slash;
	uint8_t		 dst[4], rtr[4], plen;
	long long	 len;
	uint32_t	 mask, a;
	size_t		 n;

	*bad = net;
	if ((slash = strchr(net, '/')) == NULL ||
	    (size_t)(slash - net) >= sizeof(tmp))
		return (-1);
	memcpy(tmp, net, (size_t)(slash - net));
	tmp[slash - net] = '\0';
	if (parse_ip(tmp, dst) == -1 || parse_num(slash + 1, 0, 0, 32,
	    &len) == -1)
		return (-1);
	mask = len == 0 ? 0 : 0xffffffffU << (32 - len);
	a = get32(dst);
	if ((a & ~mask) != 0) {
		(void)snprintf(e->e_err, e->e_errlen, "route %.32s has bits "
		    "set past its prefix length", net);
		return (-3);
	}
	*bad = gw;
	if (parse_ip(gw, rtr) == -1)
		return (-1);
	plen = (uint8_t)len;
	n = ((size_t)len + 7) / 8;
	if (enc_put(e, &plen, 1) == -1 || enc_put(e, dst, n) == -1 ||
	    enc_put(e, rtr, 4) == -1)
		return (-2);
	return (0);
}

/* The number of words in the element starting at w[i]. */
static size_t
elem_len(const struct dhcp_opt_word *w, size_t nw, size_t i)
{
	size_t	 n = 1;

	while (i + n < nw && !w[i + n].ow_first)
		n++;
	return (n);
}

/* Formats that take a list of elements, and the words in one element. */
static int
fmt_list(enum dhcp_opt_fmt fmt)
{
	switch (fmt) {
	case DHCP_FMT_IPS:
	case DHCP_FMT_IPPAIRS:
	case DHCP_FMT_UINT16S:
	case DHCP_FMT_UINT8S:
	case DHCP_FMT_DOMAINS:
	case DHCP_FMT_ROUTES:
		return (1);
	default:
		return (0);
	}
}

static size_t
fmt_words(enum dhcp_opt_fmt fmt)
{
	return (fmt == DHCP_FMT_IPPAIRS || fmt == DHCP_FMT_ROUTES ? 2 : 1);
}

static int
enc_ip(struct enc *e, const char *s)
{
	uint8_t	 b[4];

	if (parse_ip(s, b) == -1) {
		enc_fail(e, s);
		return (-1);
	}
	return (enc_put(e, b, 4));
}

/* A number in [min, max], size bytes big-endian (two's complement). */
static int
enc_int(struct enc *e, const struct dhcp_opt_word *w, long long min,
    long long max, size_t size)
{
	long long	 v;
	uint32_t	 u;
	uint8_t		 b[4];

	if (parse_num(w->ow_str, w->ow_quoted, min, max, &v) == -1) {
		enc_fail(e, w->ow_str);
		return (-1);
	}
	u = (uint32_t)v;
	b[0] = (uint8_t)(u >> 24);
	b[1] = (uint8_t)(u >> 16);
	b[2] = (uint8_t)(u >> 8);
	b[3] = (uint8_t)u;
	return (enc_put(e, b + 4 - size, size));
}

/* A data string: quoted it is text, bare it is hex octets. */
static int
enc_data(struct enc *e, const struct dhcp_opt_word *w)
{
	int	 r;

	if (w->ow_quoted) {
		if (w->ow_str[0] == '\0') {
			(void)snprintf(e->e_err, e->e_errlen, "expects a "
			    "non-empty string");
			return (-1);
		}
		return (enc_put(e, w->ow_str, strlen(w->ow_str)));
	}
	if ((r = parse_hex(w->ow_str, e)) == -1)
		enc_fail(e, w->ow_str);
	return (r == 0 ? 0 : -1);
}

/*
 * One element of fmt_words() words into e.  Returns 0, or -1 with the
 * message and *bad the index of the word it is about.
 */
static int
enc_elem(struct enc *e, uint8_t code, const struct dhcp_opt_word *w,
    size_t *bad)
{
	const char	*badword;
	uint8_t		 b;
	int		 r;

	*bad = 0;
	switch (e->e_fmt) {
	case DHCP_FMT_IP:
	case DHCP_FMT_IPS:
		return (enc_ip(e, w[0].ow_str));
	case DHCP_FMT_IPPAIRS:
		if (code == 33 && strcmp(w[0].ow_str, "0.0.0.0") == 0) {
			(void)snprintf(e->e_err, e->e_errlen, "0.0.0.0 is not "
			    "a valid destination (the default route is option "
			    "routers)");
			return (-1);
		}
		if (enc_ip(e, w[0].ow_str) == -1)
			return (-1);
		*bad = 1;
		return (enc_ip(e, w[1].ow_str));
	case DHCP_FMT_ROUTES:
		if ((r = parse_route(w[0].ow_str, w[1].ow_str, e,
		    &badword)) == -1) {
			*bad = badword == w[0].ow_str ? 0 : 1;
			enc_fail(e, badword);
		}
		return (r == 0 ? 0 : -1);
	case DHCP_FMT_INT32:
		return (enc_int(e, w, -2147483648LL, 2147483647LL, 4));
	case DHCP_FMT_UINT32:
		return (enc_int(e, w, 0, 4294967295LL, 4));
	case DHCP_FMT_UINT16:
	case DHCP_FMT_UINT16S:
		return (enc_int(e, w, 0, 65535, 2));
	case DHCP_FMT_UINT8:
	case DHCP_FMT_UINT8S:
		return (enc_int(e, w, 0, 255, 1));
	case DHCP_FMT_FLAG:
		if (parse_flag(w[0].ow_str, &b) == -1) {
			enc_fail(e, w[0].ow_str);
			return (-1);
		}
		return (enc_put(e, &b, 1));
	case DHCP_FMT_TEXT:
		if (w[0].ow_str[0] == '\0') {
			(void)snprintf(e->e_err, e->e_errlen, "expects a "
			    "non-empty string");
			return (-1);
		}
		return (enc_put(e, w[0].ow_str, strlen(w[0].ow_str)));
	case DHCP_FMT_DATA:
		return (enc_data(e, w));
	case DHCP_FMT_DOMAINS:
		if ((r = parse_domain(w[0].ow_str, e)) == -1)
			enc_fail(e, w[0].ow_str);
		return (r == 0 ? 0 : -1);
	}
	return (-1);
}

int
dhcp_opt_encode(uint8_t code, const struct dhcp_opt_word *w, size_t nw,
    struct dhcp_optval *out, char *err, size_t errlen, size_t *bad)
{
	struct enc	*e;
	size_t		 i, n, want, off;
	int		 rv = -1;

	*bad = 0;
	out->ov_len = 0;
	out->ov_data = NULL;
	if ((e = calloc(1, sizeof(*e))) == NULL) {
		(void)snprintf(err, errlen, "out of memory");
		return (-1);
	}
	e->e_err = err;
	e->e_errlen = errlen;
	e->e_fmt = dhcp_opt_fmt(code);
	want = fmt_words(e->e_fmt);
	if (code == 0 || code == 255) {
		(void)snprintf(err, errlen, "cannot be set");
		goto done;
	}
	if (nw == 0) {
		(void)snprintf(err, errlen, "expects %s, got nothing",
		    dhcp_opt_fmt_str(e->e_fmt));
		goto done;
	}
	for (i = 0; i < nw; i += n) {
		n = elem_len(w, nw, i);
		*bad = i;
		if (i > 0 && !fmt_list(e->e_fmt)) {
			(void)snprintf(err, errlen, "expects %s, not a list",
			    dhcp_opt_fmt_str(e->e_fmt));
			goto done;
		}
		if (n < want) {
			enc_fail(e, w[i].ow_str);
			goto done;
		}
		if (n > want) {
			*bad = i + want;
			(void)snprintf(err, errlen, "expects %s, got '%.64s' "
			    "after '%.64s' (a ',' missing?)",
			    dhcp_opt_fmt_str(e->e_fmt), w[i + want].ow_str,
			    w[i + want - 1].ow_str);
			goto done;
		}
		if (enc_elem(e, code, w + i, &off) == -1) {
			*bad = i + off;
			goto done;
		}
	}
	if ((out->ov_data = malloc(e->e_len)) == NULL) {
		(void)snprintf(err, errlen, "out of memory");
		goto done;
	}
	memcpy(out->ov_data, e->e_buf, e->e_len);
	out->ov_len = (uint16_t)e->e_len;
	rv = 0;
 done:
	free(e);
	return (rv);
}

static uint32_t
get32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3]);
}

void
dhcp_opt_print_quoted(FILE *f, const uint8_t *s, size_t len)
{
	size_t	 i;

	(void)fputc('"', f);
	for (i = 0; i < len; i++) {
		if (s[i] == '"' || s[i] == '\\')
			(void)fputc('\\', f);
		(void)fputc(s[i], f);
	}
	(void)fputc('"', f);
}

static void
print_hex(FILE *f, const uint8_t *p, size_t len)
{
	size_t	 i;

	if (len == 0) {
		(void)fputs("\"\"", f);
		return;
	}
	for (i = 0; i < len; i++)
		(void)fprintf(f, "%s%02x", i > 0 ? ":" : "", p[i]);
}

static void
print_ip(FILE *f, const uint8_t *p)
{
	(void)fprintf(f, "%u.%u.%u.%u", p[0], p[1], p[2], p[3]);
}

/* Checks (print == 0) or prints the labels of a domain-search list. */
static int
print_domains(FILE *f, const uint8_t *p, size_t len, int print)
{
	size_t	 i = 0, n, start, total;
	int	 first = 1;

	if (len == 0)
		return (-1);
	while (i < len) {
		if (print)
			(void)fputs(first ? "\"" : ", \"", f);
		first = 0;
		total = 1;
		start = i;
		for (;;) {
			if (i >= len)
				return (-1);
			n = p[i++];
			if (n == 0)
				break;
			if (n > 63 || n > len - i)
				return (-1);
			total += n + 1;
			if (total > 255 || !label_ok(p + i, n))
				return (-1);
			if (print)
				(void)fprintf(f, "%s%.*s", i - 1 > start ?
				    "." : "", (int)n, (const char *)p + i);
			i += n;
		}
		if (i - 1 == start)
			return (-1);	/* the root alone */
		if (print)
			(void)fputc('"', f);
	}
	return (0);
}

/* Checks (print == 0) or prints RFC 3442 routes. */
static int
print_routes(FILE *f, const uint8_t *p, size_t len, int print)
{
	uint8_t	 dst[4];
	size_t	 i = 0, n;
	uint32_t mask;
	int	 first = 1;

	if (len == 0)
		return (-1);
	while (i < len) {
		if (p[i] > 32)
			return (-1);
		n = ((size_t)p[i] + 7) / 8;
		if (len - i < 1 + n + 4)
			return (-1);
		memset(dst, 0, sizeof(dst));
		memcpy(dst, p + i + 1, n);
		mask = p[i] == 0 ? 0 : 0xffffffffU << (32 - p[i]);
		if ((get32(dst) & ~mask) != 0)
			return (-1);
		if (print) {
			if (!first)
				(void)fputs(", ", f);
			print_ip(f, dst);
			(void)fprintf(f, "/%u ", p[i]);
			print_ip(f, p + i + 1 + n);
		}
		first = 0;
		i += 1 + n + 4;
	}
	return (0);
}

/* Whether the bytes read back through the format to themselves. */
static int
print_fits(enum dhcp_opt_fmt fmt, const uint8_t *p, size_t len)
{
	switch (fmt) {
	case DHCP_FMT_IP:
		return (len == 4);
	case DHCP_FMT_IPS:
		return (len > 0 && len % 4 == 0);
	case DHCP_FMT_IPPAIRS:
		return (len > 0 && len % 8 == 0);
	case DHCP_FMT_INT32:
	case DHCP_FMT_UINT32:
		return (len == 4);
	case DHCP_FMT_UINT16:
		return (len == 2);
	case DHCP_FMT_UINT16S:
		return (len > 0 && len % 2 == 0);
	case DHCP_FMT_UINT8:
		return (len == 1);
	case DHCP_FMT_UINT8S:
		return (len > 0);
	case DHCP_FMT_FLAG:
		return (len == 1 && p[0] <= 1);
	case DHCP_FMT_TEXT:
		return (len > 0 && memchr(p, '\0', len) == NULL &&
		    memchr(p, '\n', len) == NULL);
	case DHCP_FMT_DATA:
		return (len > 0);
	case DHCP_FMT_DOMAINS:
		return (print_domains(NULL, p, len, 0) == 0);
	case DHCP_FMT_ROUTES:
		return (print_routes(NULL, p, len, 0) == 0);
	}
	return (0);
}

int
dhcp_opt_print(FILE *f, uint8_t code, const uint8_t *p, size_t len)
{
	enum dhcp_opt_fmt	 fmt;
	size_t			 i;
	int			 printable;

	fmt = dhcp_opt_fmt(code);
	if (!print_fits(fmt, p, len)) {
		print_hex(f, p, len);
		return (-1);
	}
	switch (fmt) {
	case DHCP_FMT_IP:
	case DHCP_FMT_IPS:
		for (i = 0; i < len; i += 4) {
			if (i > 0)
				(void)fputs(", ", f);
			print_ip(f, p + i);
		}
		break;
	case DHCP_FMT_IPPAIRS:
		for (i = 0; i < len; i += 8) {
			if (i > 0)
				(void)fputs(", ", f);
			print_ip(f, p + i);
			(void)fputc(' ', f);
			print_ip(f, p + i + 4);
		}
		break;
	case DHCP_FMT_INT32:
		(void)fprintf(f, "%d", (int32_t)get32(p));
		break;
	case DHCP_FMT_UINT32:
		(void)fprintf(f, "%u", get32(p));
		break;
	case DHCP_FMT_UINT16:
	case DHCP_FMT_UINT16S:
		for (i = 0; i < len; i += 2)
			(void)fprintf(f, "%s%u", i > 0 ? ", " : "",
			    (unsigned int)(p[i] << 8 | p[i + 1]));
		break;
	case DHCP_FMT_UINT8:
	case DHCP_FMT_UINT8S:
		for (i = 0; i < len; i++)
			(void)fprintf(f, "%s%u", i > 0 ? ", " : "", p[i]);
		break;
	case DHCP_FMT_FLAG:
		(void)fputs(p[0] ? "true" : "false", f);
		break;
	case DHCP_FMT_TEXT:
		dhcp_opt_print_quoted(f, p, len);
		break;
	case DHCP_FMT_DATA:
		printable = 1;
		for (i = 0; i < len; i++)
			if (p[i] < 0x20 || p[i] > 0x7e)
				printable = 0;
		if (printable)
			dhcp_opt_print_quoted(f, p, len);
		else
			print_hex(f, p, len);
		break;
	case DHCP_FMT_DOMAINS:
		(void)print_domains(f, p, len, 1);
		break;
	case DHCP_FMT_ROUTES:
		(void)print_routes(f, p, len, 1);
		break;
	}
	return (0);
}
