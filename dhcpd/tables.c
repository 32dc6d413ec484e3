/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * The -A/-C/-L address tables as nftables sets: see tables.h.
 *
 * Sets.  libnftables takes nft's own command language, so each command
 * is a few lines of text handed to nft_run_cmd_from_buffer(), which
 * sends them to the kernel as one batch: one transaction, applied whole
 * or not at all.  Output and errors go to libnftables' buffers, not to
 * our stdout or stderr (except one line that libnftables 1.0.6 prints
 * to stderr itself when the kernel says EPERM); the first line of an
 * error becomes our error text.
 *
 * Removing an absent element fails the whole batch with ENOENT, and
 * nftables 1.0.6 (Debian 12) has no "destroy element" that would ignore
 * it.  So a removal is written "add element" then "delete element" in
 * the same batch: the add is harmless if the address is there, and the
 * delete then always finds it.  ENOENT cannot happen and the command's
 * other changes still apply in the same transaction.
 *
 * Names.  A set name is pasted into that text, so it is held to a safe
 * alphabet (no spaces, braces, quotes or ';' that could start another
 * command).  nft's grammar also refuses its keywords ("counter", "ip",
 * "set", ...) as set names and takes no quoted names there, and the
 * keyword list changes between versions: each name is therefore tried
 * once in a dry run of its "add set", where a syntax error means a
 * keyword.
 *
 * The table.  "table ip hakit_dhcpd" and the sets are created with
 * "add", which leaves existing ones and their elements alone, so a
 * restarted dhcpd keeps its tables and user rules keep working.  The
 * kernel refuses (EEXIST) an "add set" whose flags differ from the
 * existing set's; such a set that takes IPv4 addresses (an admin's set
 * with "flags dynamic, timeout" for rules to fill, say) is used as it
 * is, anything else fails the open: we never replace a set.
 *
 * Conntrack.  The state kill is lib/ctkill's (see ctkill.h for how and
 * why): the dump is asked for IPv4 only, and the entries whose original
 * or reply tuple has the address on either side are deleted.
 */

#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include <nftables/libnftables.h>

#include "ctkill.h"
#include "tables.h"

#define TABLES_ERRLEN		512
#define TABLES_NAME_SZ		(DHCP_TABLES_NAME_MAX + 1)
#define TABLES_BATCH_MAX	1024	/* bytes of nft text per command */

/* The names of every set, comma-separated. */
#define TABLES_SETS_LEN	\
	(TABLES_NSET * (DHCP_TABLES_NAME_MAX + 1) + 1)

enum tables_set {
	TABLES_ABANDONED,	/* -A */
	TABLES_CHANGED,		/* -C */
	TABLES_LEASED,		/* -L */
	TABLES_NSET
};

static const char *const tables_flag[TABLES_NSET] = { "-A", "-C", "-L" };

/*
 * t_set[i] is the set name, "" when that table is not used; t_nft is
 * owned; t_err holds the last failure.
 */
struct dhcp_tables {
	struct nft_ctx		*t_nft;
	char			 t_set[TABLES_NSET][TABLES_NAME_SZ];
	struct dhcp_tables_stats t_stats;
	char			 t_err[TABLES_ERRLEN];
};

/*
 * nft text being built; b_over: it did not fit; b_sets names the sets
 * it changes, for error messages.
 */
struct tables_batch {
	char			 b_buf[TABLES_BATCH_MAX];
	size_t			 b_len;
	int			 b_lines;
	int			 b_over;
	char			 b_sets[TABLES_SETS_LEN];
};

static int	 tables_name_ok(const char *, const char *, char *, size_t);
static struct nft_ctx *tables_nft_new(void);
static int	 tables_nft_run(struct nft_ctx *, const char *, char *,
		    size_t);
static void	 tables_batch_add(struct tables_batch *, const char *, ...)
		    __attribute__((__format__ (printf, 2, 3)));
static void	 tables_batch_set(struct tables_batch *, const char *);
static void	 tables_elem_add(struct tables_batch *, const char *,
		    const char *);
static void	 tables_elem_del(struct tables_batch *, const char *,
		    const char *);
static int	 tables_probe(struct dhcp_tables *, int, char *, size_t);
static int	 tables_create(struct dhcp_tables *, char *, size_t);
static void	 tables_seterr(struct dhcp_tables *, const char *, ...)
		    __attribute__((__format__ (printf, 2, 3)));
static int	 tables_cmd_idx(char);
static int	 tables_ct_match(const struct nf_conntrack *, void *);

/*
 * Checks one set name: a letter or '_' first, then letters, digits, '_'
 * and '-', 1 to DHCP_TABLES_NAME_MAX characters.  flag names the option
 * in the message.
 */
static int
tables_name_ok(const char *flag, const char *name, char *err, size_t errlen)
{
	size_t		 i, len;
	unsigned char	 c;

	len = strlen(name);
	if (len == 0) {
		(void)snprintf(err, errlen, "%s: empty table name", flag);
		return (-1);
	}
	if (len > DHCP_TABLES_NAME_MAX) {
		(void)snprintf(err, errlen, "%s: table name '%.20s...' is "
		    "longer than %d characters", flag, name,
		    DHCP_TABLES_NAME_MAX);
		return (-1);
	}
	for (i = 0; i < len; i++) {
		c = (unsigned char)name[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    c == '_')
			continue;
		if (i > 0 && ((c >= '0' && c <= '9') || c == '-'))
			continue;
		if (i == 0 && ((c >= '0' && c <= '9') || c == '-'))
			(void)snprintf(err, errlen, "%s: table name '%s' "
			    "must start with a letter or '_'", flag, name);
		else
			(void)snprintf(err, errlen, "%s: table name '%s': "
			    "character %zu is not a letter, digit, '_' or "
			    "'-'", flag, name, i + 1);
		return (-1);
	}
	return (0);
}

/* A libnftables context whose output and errors go to its buffers. */
static struct nft_ctx *
tables_nft_new(void)
{
	struct nft_ctx	*nft;

	if ((nft = nft_ctx_new(NFT_CTX_DEFAULT)) == NULL)
		return (NULL);
	if (nft_ctx_buffer_output(nft) != 0 ||
	    nft_ctx_buffer_error(nft) != 0) {
		nft_ctx_free(nft);
		return (NULL);
	}
	return (nft);
}

/*
 * Runs nft text as one batch.  Returns 0, or -1 with the first line of
 * libnftables' error in err.  (The lines after it quote a command, but
 * for text from a buffer nftables 1.0.6 quotes the first line of the
 * buffer whichever one failed, so they would mislead.)  Both buffers
 * are read, which also empties them for the next run.
 */
static int
tables_nft_run(struct nft_ctx *nft, const char *text, char *err,
    size_t errlen)
{
	const char	*e, *hint;
	size_t		 len;
	int		 rc;

	rc = nft_run_cmd_from_buffer(nft, text);
	(void)nft_ctx_get_output_buffer(nft);
	e = nft_ctx_get_error_buffer(nft);
	if (rc == 0)
		return (0);
	if (e == NULL || *e == '\0') {
		(void)snprintf(err, errlen, "libnftables failed (no message)");
		return (-1);
	}
	if (strncmp(e, "Error: ", 7) == 0)
		e += 7;
	/* Its guess at a set of another table would only confuse. */
	len = strcspn(e, "\n");
	if ((hint = strstr(e, "; did you mean")) != NULL && hint < e + len)
		len = (size_t)(hint - e);
	(void)snprintf(err, errlen, "%.*s", (int)len, e);
	return (-1);
}

static void
tables_batch_add(struct tables_batch *b, const char *fmt, ...)
{
	va_list		 ap;
	int		 n;

	if (b->b_over)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->b_buf + b->b_len, sizeof(b->b_buf) - b->b_len, fmt,
	    ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(b->b_buf) - b->b_len) {
		b->b_over = 1;
		return;
	}
	b->b_len += (size_t)n;
	b->b_lines++;
}

static void
tables_batch_set(struct tables_batch *b, const char *set)
{
	if (b->b_sets[0] != '\0')
		(void)strlcat(b->b_sets, ",", sizeof(b->b_sets));
	(void)strlcat(b->b_sets, set, sizeof(b->b_sets));
}

static void
tables_elem_add(struct tables_batch *b, const char *set, const char *addr)
{
	if (*set == '\0')
		return;
	tables_batch_set(b, set);
	tables_batch_add(b, "add element ip %s %s { %s }\n",
	    DHCP_TABLES_NFT_TABLE, set, addr);
}

/* Removal that cannot fail with ENOENT: see the top of the file. */
static void
tables_elem_del(struct tables_batch *b, const char *set, const char *addr)
{
	if (*set == '\0')
		return;
	tables_batch_set(b, set);
	tables_batch_add(b, "add element ip %s %s { %s }\n"
	    "delete element ip %s %s { %s }\n",
	    DHCP_TABLES_NFT_TABLE, set, addr,
	    DHCP_TABLES_NFT_TABLE, set, addr);
}

/*
 * Tries set i in dry runs: libnftables parses the text, and the kernel
 * checks the batch and aborts it instead of committing.  Returns 1 if
 * "add set" would do (the set is missing, or exists as we would make
 * it), 0 if the set exists with other flags (dynamic, timeout, ...) but
 * takes IPv4 addresses, so we use it as it is, or -1 with err set: the
 * name is an nftables keyword, or the set holds something else.
 */
static int
tables_probe(struct dhcp_tables *t, int i, char *err, size_t errlen)
{
	char		 text[256], nerr[TABLES_ERRLEN];
	const char	*set = t->t_set[i];
	int		 rc;

	nft_ctx_set_dry_run(t->t_nft, true);
	(void)snprintf(text, sizeof(text), "add table ip %s\n"
	    "add set ip %s %s { type ipv4_addr; }\n",
	    DHCP_TABLES_NFT_TABLE, DHCP_TABLES_NFT_TABLE, set);
	if ((rc = tables_nft_run(t->t_nft, text, nerr, sizeof(nerr))) == 0) {
		rc = 1;
		goto done;
	}
	if (strstr(nerr, "syntax error") != NULL) {
		(void)snprintf(err, errlen, "%s: table name '%s' is an "
		    "nftables keyword", tables_flag[i], set);
		goto done;
	}
	if (strstr(nerr, "File exists") == NULL) {
		(void)snprintf(err, errlen, "%s %s: %s", tables_flag[i], set,
		    nerr);
		goto done;
	}
	(void)snprintf(text, sizeof(text),
	    "add element ip %s %s { 0.0.0.0 }\n", DHCP_TABLES_NFT_TABLE, set);
	if ((rc = tables_nft_run(t->t_nft, text, nerr, sizeof(nerr))) == -1)
		(void)snprintf(err, errlen, "%s: set %s in table ip %s exists "
		    "and does not take IPv4 addresses: %s", tables_flag[i],
		    set, DHCP_TABLES_NFT_TABLE, nerr);
 done:
	nft_ctx_set_dry_run(t->t_nft, false);
	return (rc);
}

/*
 * Checks each set in dry runs, then creates the table and the missing
 * sets in one batch.
 */
static int
tables_create(struct dhcp_tables *t, char *err, size_t errlen)
{
	struct tables_batch	 b;
	char			 nerr[TABLES_ERRLEN];
	int			 i, n = 0;

	memset(&b, 0, sizeof(b));
	tables_batch_add(&b, "add table ip %s\n", DHCP_TABLES_NFT_TABLE);
	for (i = 0; i < TABLES_NSET; i++) {
		if (t->t_set[i][0] == '\0')
			continue;
		n++;
		switch (tables_probe(t, i, err, errlen)) {
		case -1:
			return (-1);
		case 1:
			tables_batch_add(&b,
			    "add set ip %s %s { type ipv4_addr; }\n",
			    DHCP_TABLES_NFT_TABLE, t->t_set[i]);
			break;
		default:
			break;
		}
	}
	if (n == 0)
		return (0);
	if (b.b_over) {
		(void)snprintf(err, errlen, "nftables command too long");
		return (-1);
	}
	if (tables_nft_run(t->t_nft, b.b_buf, nerr, sizeof(nerr)) == -1) {
		(void)snprintf(err, errlen, "table ip %s: %s",
		    DHCP_TABLES_NFT_TABLE, nerr);
		return (-1);
	}
	return (0);
}

struct dhcp_tables *
dhcp_tables_open(const char *abandoned, const char *changed,
    const char *leased, char *err, size_t errlen)
{
	struct dhcp_tables	*t;
	const char		*names[TABLES_NSET];
	char			 dummy[1];
	int			 i;

	if (err == NULL || errlen == 0) {
		err = dummy;
		errlen = sizeof(dummy);
	}
	err[0] = '\0';
	names[TABLES_ABANDONED] = abandoned;
	names[TABLES_CHANGED] = changed;
	names[TABLES_LEASED] = leased;
	for (i = 0; i < TABLES_NSET; i++)
		if (names[i] != NULL &&
		    tables_name_ok(tables_flag[i], names[i], err, errlen) == -1)
			return (NULL);

	if ((t = calloc(1, sizeof(*t))) == NULL) {
		(void)snprintf(err, errlen, "%s", strerror(errno));
		return (NULL);
	}
	for (i = 0; i < TABLES_NSET; i++)
		if (names[i] != NULL)
			(void)strlcpy(t->t_set[i], names[i],
			    sizeof(t->t_set[i]));
	if ((t->t_nft = tables_nft_new()) == NULL) {
		(void)snprintf(err, errlen, "libnftables: cannot create a "
		    "context");
		goto fail;
	}
	if (tables_create(t, err, errlen) == -1)
		goto fail;
	return (t);
 fail:
	dhcp_tables_close(t);
	return (NULL);
}

void
dhcp_tables_close(struct dhcp_tables *t)
{
	if (t == NULL)
		return;
	if (t->t_nft != NULL)
		nft_ctx_free(t->t_nft);
	free(t);
}

const struct dhcp_tables_stats *
dhcp_tables_stats(const struct dhcp_tables *t)
{
	return (&t->t_stats);
}

const char *
dhcp_tables_last_error(const struct dhcp_tables *t)
{
	return (t->t_err);
}

static void
tables_seterr(struct dhcp_tables *t, const char *fmt, ...)
{
	va_list		 ap;

	va_start(ap, fmt);
	(void)vsnprintf(t->t_err, sizeof(t->t_err), fmt, ap);
	va_end(ap);
}

static int
tables_cmd_idx(char cmd)
{
	switch (cmd) {
	case 'L':
		return (DHCP_TABLES_L);
	case 'C':
		return (DHCP_TABLES_C);
	case 'A':
		return (DHCP_TABLES_A);
	case 'R':
		return (DHCP_TABLES_R);
	default:
		return (-1);
	}
}

int
dhcp_tables_cmd(struct dhcp_tables *t, char cmd, struct in_addr a)
{
	struct tables_batch	 b;
	char			 addr[INET_ADDRSTRLEN], nerr[TABLES_ERRLEN];
	uint64_t		 killed = 0;
	int			 idx, rc = 0;

	t->t_err[0] = '\0';
	if (inet_ntop(AF_INET, &a, addr, sizeof(addr)) == NULL)
		(void)strlcpy(addr, "?", sizeof(addr));
	if ((idx = tables_cmd_idx(cmd)) == -1) {
		t->t_stats.errors++;
		tables_seterr(t, "unknown table command 0x%02x for %s",
		    (unsigned char)cmd, addr);
		errno = EINVAL;
		return (-1);
	}
	t->t_stats.cmds[idx]++;

	memset(&b, 0, sizeof(b));
	switch (idx) {
	case DHCP_TABLES_L:
		tables_elem_del(&b, t->t_set[TABLES_ABANDONED], addr);
		tables_elem_add(&b, t->t_set[TABLES_LEASED], addr);
		break;
	case DHCP_TABLES_C:
		tables_elem_del(&b, t->t_set[TABLES_ABANDONED], addr);
		tables_elem_del(&b, t->t_set[TABLES_CHANGED], addr);
		break;
	case DHCP_TABLES_A:
		tables_elem_add(&b, t->t_set[TABLES_ABANDONED], addr);
		tables_elem_del(&b, t->t_set[TABLES_LEASED], addr);
		break;
	case DHCP_TABLES_R:
		tables_elem_del(&b, t->t_set[TABLES_LEASED], addr);
		break;
	}
	if (b.b_over) {
		tables_seterr(t, "%c %s: nftables command too long", cmd, addr);
		rc = -1;
	} else if (b.b_lines > 0 &&
	    tables_nft_run(t->t_nft, b.b_buf, nerr, sizeof(nerr)) == -1) {
		tables_seterr(t, "%c %s: nftables sets %s: %s", cmd, addr,
		    b.b_sets, nerr);
		rc = -1;
	}

	/* The states go even if a set could not be changed. */
	if (idx == DHCP_TABLES_A) {
		if (dhcp_tables_ct_kill(a, &killed) == -1 && rc == 0) {
			tables_seterr(t, "%c %s: conntrack: %s", cmd, addr,
			    strerror(errno));
			rc = -1;
		}
		t->t_stats.ct_killed += killed;
	}
	if (rc == -1)
		t->t_stats.errors++;
	return (rc);
}

/* ctkill() match: the IPv4 entries that involve the address *arg. */
static int
tables_ct_match(const struct nf_conntrack *ct, void *arg)
{
	const in_addr_t		*a = arg;

	if (nfct_get_attr_u32(ct, ATTR_ORIG_IPV4_SRC) != *a &&
	    nfct_get_attr_u32(ct, ATTR_ORIG_IPV4_DST) != *a &&
	    nfct_get_attr_u32(ct, ATTR_REPL_IPV4_SRC) != *a &&
	    nfct_get_attr_u32(ct, ATTR_REPL_IPV4_DST) != *a)
		return (0);
	return (1);
}

int
dhcp_tables_ct_kill(struct in_addr a, uint64_t *killed)
{
	return (ctkill(AF_INET, tables_ct_match, &a.s_addr, killed));
}
