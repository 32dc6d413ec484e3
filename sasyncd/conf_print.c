/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * sasyncd -nv: the configuration in canonical form, every default
 * included, in an order that parses back to the same text.  The shared
 * key is never printed (spec 6.5): a comment gives its length only.
 */

#include <sys/socket.h>

#include <stdio.h>
#include <string.h>

#include "conf.h"

static void	 print_word(FILE *, const char *);

/*
 * Bare when the lexer reads it back as the same word, else quoted.
 * Every name the parser keeps is made of letters, digits, ".-_:", so a
 * quote is only needed for a keyword or a name read as a number.
 */
static void
print_word(FILE *f, const char *s)
{
	size_t	 len;

	len = strlen(s);
	if (len == 0 || sasyncd_conf_keyword(s) ||
	    strspn(s, "0123456789") == len ||
	    strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789._-:") != len)
		(void)fprintf(f, "\"%s\"", s);
	else
		(void)fputs(s, f);
}

void
sasyncd_conf_print(FILE *f, const struct sasyncd_conf *c)
{
	static const char *const flushmodes[] = {
		"startup", "sync", "never"
	};
	static const char *const ikes[] = {
		"none", "isakmpd", "iked", "all"
	};
	const struct sasync_peer_conf	*pc;

	if (c->c_carpif[0] != '\0') {
		(void)fputs("interface ", f);
		print_word(f, c->c_carpif);
		(void)fputc('\n', f);
	} else
		(void)fputs("# interface: none, the state is locked\n", f);
	(void)fputs("group ", f);
	print_word(f, c->c_group);
	(void)fputc('\n', f);
	if (c->c_lock == LOCK_MASTER)
		(void)fputs("mode master\n", f);
	else if (c->c_lock == LOCK_SLAVE)
		(void)fputs("mode slave\n", f);
	if (c->c_skipslave)
		(void)fputs("mode skipslave\n", f);

	(void)fputc('\n', f);
	if (c->c_listen[0] != '\0') {
		(void)fputs("listen on ", f);
		print_word(f, c->c_listen);
		if (c->c_listen_af == AF_INET)
			(void)fputs(" inet", f);
		else if (c->c_listen_af == AF_INET6)
			(void)fputs(" inet6", f);
		(void)fprintf(f, " port %u\n", c->c_port);
	} else
		(void)fprintf(f, "# listen on all addresses, port %u\n",
		    c->c_port);
	TAILQ_FOREACH(pc, &c->c_peers, p_entry) {
		(void)fputs("peer ", f);
		print_word(f, pc->p_name);
		(void)fputc('\n', f);
	}
	(void)fprintf(f, "# sharedkey: %zu bytes, not shown\n",
	    c->c_key.k_len);

	(void)fputc('\n', f);
	if ((size_t)c->c_flushmode < sizeof(flushmodes) / sizeof(flushmodes[0]))
		(void)fprintf(f, "flushmode %s\n", flushmodes[c->c_flushmode]);
	if ((size_t)c->c_ike < sizeof(ikes) / sizeof(ikes[0]))
		(void)fprintf(f, "control %s\n", ikes[c->c_ike]);
	(void)fprintf(f, "replay margin %u\n", c->c_margin);
	(void)fprintf(f, "replay interval %u\n", c->c_aeinterval);
}
