/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * DHCP options by name: the table of dhcp-options(5) (name, code, data
 * format) and the conversion between an "option NAME VALUE, ...;"
 * statement's words and the option's wire form, both ways.
 *
 * The formats are OpenBSD's (tables.c letters in brackets): an IPv4
 * address [I], a list of them [IA], address pairs [IIA], signed 32-bit
 * [l], unsigned 32/16/8-bit [L S B] and lists [SA BA], a flag [f], text
 * [t], a data string (quoted text or hex octets xx:xx) [X], a list of
 * domain names [D] and RFC 3442 classless routes NET/LEN ROUTER [CIA].
 * A code with no name is "option-NNN" and takes a data string.
 *
 * Host names are not resolved: an address is a dotted quad.  Pure: libc
 * only, no state.
 */

#ifndef DHCP_OPT_H
#define DHCP_OPT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dhcpd_conf.h"

#define DHCP_OPT_LEN_MAX	1024	/* bytes of one option's value */

enum dhcp_opt_fmt {
	DHCP_FMT_IP,		/* I */
	DHCP_FMT_IPS,		/* IA */
	DHCP_FMT_IPPAIRS,	/* IIA: static-routes and policy-filter */
	DHCP_FMT_INT32,		/* l */
	DHCP_FMT_UINT32,	/* L */
	DHCP_FMT_UINT16,	/* S */
	DHCP_FMT_UINT16S,	/* SA */
	DHCP_FMT_UINT8,		/* B */
	DHCP_FMT_UINT8S,	/* BA */
	DHCP_FMT_FLAG,		/* f */
	DHCP_FMT_TEXT,		/* t */
	DHCP_FMT_DATA,		/* X */
	DHCP_FMT_DOMAINS,	/* D: domain-search, RFC 1035 labels */
	DHCP_FMT_ROUTES,	/* CIA: classless routes, RFC 3442 */
};

struct dhcp_opt_def {
	const char		*od_name;
	uint8_t			 od_code;
	enum dhcp_opt_fmt	 od_fmt;
};

/* One word of an option's value, as the lexer gave it. */
struct dhcp_opt_word {
	const char		*ow_str;	/* borrowed */
	int			 ow_quoted;	/* was between quotes */
	int			 ow_first;	/* starts an element: the
						   first, or after ',' */
};

/* The named option with this code, or NULL (then "option-NNN", data). */
const struct dhcp_opt_def *dhcp_opt_by_code(uint8_t);
/*
 * The code of an option name (case-insensitive), a dhcp-options(5) name
 * or "option-NNN" with NNN 1-254.  Returns 0, or -1 for an unknown name.
 */
int	 dhcp_opt_by_name(const char *, uint8_t *code);
/* The name of a code: "routers", or "option-62" for one without. */
const char *dhcp_opt_name(uint8_t code, char *buf, size_t len);
enum dhcp_opt_fmt dhcp_opt_fmt(uint8_t code);
/* What a format expects, for messages: "an IPv4 address". */
const char *dhcp_opt_fmt_str(enum dhcp_opt_fmt);

/*
 * Encodes the value words w[0..nw) of option code into out (whose
 * ov_data is allocated; free it with free()).  Returns 0, or -1 with a
 * message in err ("expects an IPv4 address, got 'x'", without the
 * option's name) and *bad the index of the word it is about.
 */
int	 dhcp_opt_encode(uint8_t code, const struct dhcp_opt_word *w,
	    size_t nw, struct dhcp_optval *out, char *err, size_t errlen,
	    size_t *bad);

/*
 * Prints a value in the syntax dhcp_opt_encode() reads back to the same
 * bytes: "192.0.2.1, 192.0.2.2", "\"example.org\"", "01:02:03".  Bytes
 * that do not fit the format (never from the parser) are printed as hex
 * octets.  Returns 0, or -1 when they did not fit.
 */
int	 dhcp_opt_print(FILE *, uint8_t code, const uint8_t *data,
	    size_t len);

/* Prints s between double quotes, with '"' and '\' escaped. */
void	 dhcp_opt_print_quoted(FILE *, const uint8_t *s, size_t len);

#endif /* DHCP_OPT_H */
