/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * The lease file, dhcpd.leases(5): a pure parser and formatter, then the
 * file itself (specs/dhcpd-sync.md 1.6).
 *
 * The parser is written by hand over a lib/buf cursor: the file is small
 * and flat (one kind of block, a few statements), and unlike a grammar
 * it must survive a block cut short by a crash and carry on with the
 * next one, which is "resynchronise at the next 'lease' word".  A block
 * is parsed whole before it is handed on, so a bad block changes
 * nothing.
 *
 * The file is opened once and stays open (the daemon drops privileges
 * after): load it, rewrite it in place (no temporary file, as OpenBSD),
 * append a changed lease, and commit with one fsync for every append
 * since the last (group commit).
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "lease.h"

#define LX_MAXWORD	255	/* bytes of a word */
#define LX_MAXSTR	1023	/* bytes of a quoted string */
#define LEASEFILE_MAXSIZE ((size_t)1 << 30)	/* refused beyond */
#define LOAD_MAXLOG	10	/* messages of each kind at load */
#define LEASE_FMTMAX	1024	/* a lease without long names fits */

#define LEASEFILE_HEADER \
	"# All times in this file are in UTC (GMT), " \
	"not your local timezone.\n" \
	"# The format of this file is documented in the dhcpd.leases(5) " \
	"manual page.\n\n"

enum lx_tok {
	LX_EOF,
	LX_WORD,	/* letters, digits, '.', '-', '_' */
	LX_STRING,	/* "...", on one line, without the quotes */
	LX_SEMI,
	LX_LBRACE,
	LX_RBRACE,
	LX_COLON,
	LX_SLASH,
	LX_BAD		/* lx_why says what */
};

struct lexer {
	struct buf	 lx_b;
	int		 lx_line;	/* of the next character */
	enum lx_tok	 lx_type;	/* the last token */
	int		 lx_tokline;
	char		 lx_tok[LX_MAXSTR + 1];
	size_t		 lx_toklen;
	int		 lx_peeked;
	const char	*lx_why;
	const char	*lx_text;
	size_t		 lx_len;
};

/* The numbers of a date and the separator after each (LX_EOF: none). */
#define DATE_FIELDS	7
static const struct {
	size_t		 df_digits;
	long		 df_min;
	long		 df_max;
	enum lx_tok	 df_sep;
} date_fields[DATE_FIELDS] = {
	{ 1, 0, 6, LX_EOF },		/* weekday, ignored */
	{ 4, 1970, 9999, LX_SLASH },	/* year */
	{ 2, 1, 12, LX_SLASH },		/* month */
	{ 2, 1, 31, LX_EOF },		/* day */
	{ 2, 0, 23, LX_COLON },		/* hour */
	{ 2, 0, 59, LX_COLON },		/* minute */
	{ 2, 0, 59, LX_EOF }		/* second */
};

struct lx_pos {
	size_t		 p_off;
	int		 p_line;
};

/* One block being parsed; what cb receives points into it. */
struct pstate {
	struct lexer	 ps_lx;
	struct lease	 ps_l;
	uint8_t		 ps_uid[LEASE_UID_MAX];
	char		 ps_hostname[LX_MAXSTR + 1];
	char		 ps_chostname[LX_MAXSTR + 1];
	char		 ps_ip[INET_ADDRSTRLEN];
	char		 ps_msg[256];
	int		 ps_line;
};

struct fmt {
	char		*f_buf;
	size_t		 f_cap;
	size_t		 f_len;
	int		 f_err;
};

struct leasefile {
	FILE			*lf_fp;		/* owns the descriptor */
	char			*lf_path;
	int			 lf_at_end;	/* positioned to append */
	size_t			 lf_pending;	/* appends not yet fsynced */
	time_t			 lf_rewrite_time;
	struct leasefile_stats	 lf_stats;
};

struct load_ctx {
	struct leasefile	*lc_lf;
	struct lease_db		*lc_db;
	int			 lc_applied;
};

struct write_ctx {
	struct leasefile	*wc_lf;
	int			 wc_append;	/* append, else rewrite */
	int			 wc_errno;
};

static void	 lx_init(struct lexer *, const char *, size_t);
static int	 lx_peekc(const struct lexer *);
static void	 lx_skipc(struct lexer *);
static int	 lx_wordchar(int);
static enum lx_tok lx_scan(struct lexer *);
static enum lx_tok lx_next(struct lexer *);
static enum lx_tok lx_peek(struct lexer *);
static struct lx_pos lx_save(const struct lexer *);
static void	 lx_restore(struct lexer *, struct lx_pos);
static void	 lx_resync(struct lexer *);
static int	 perr(struct pstate *, const char *, ...)
		    __attribute__((__format__ (printf, 2, 3)));
static int	 expected(struct pstate *, const char *);
static int	 number(const char *, size_t, long, long, long *);
static int	 hexbyte(const char *, uint8_t *);
static int	 parse_date(struct pstate *, const char *, time_t *);
static int	 parse_hex(struct pstate *, const char *, uint8_t *, size_t,
		    size_t *);
static int	 parse_htype(const char *, uint8_t *);
static const char *htype_name(uint8_t, char *, size_t);
static int	 parse_name(struct pstate *, const char *, char *, char **);
static int	 parse_statement(struct pstate *);
static int	 parse_block(struct pstate *);
static void	 fmt_add(struct fmt *, const char *, ...)
		    __attribute__((__format__ (printf, 2, 3)));
static int	 fmt_time(time_t, char *, size_t);
static int	 printable(const char *);
static int	 write_lease(struct leasefile *, const struct lease *);
static void	 write_one(struct lease *, void *);
static int	 load_one(const struct lease *, void *);
static void	 load_err(int, const char *, void *);

/* The lexer */

static void
lx_init(struct lexer *lx, const char *text, size_t len)
{
	memset(lx, 0, sizeof(*lx));
	lx->lx_text = text;
	lx->lx_len = len;
	buf_init(&lx->lx_b, text, len);
	lx->lx_line = 1;
}

static int
lx_peekc(const struct lexer *lx)
{
	if (buf_left(&lx->lx_b) == 0)
		return (-1);
	return (buf_cur(&lx->lx_b)[0]);
}

static void
lx_skipc(struct lexer *lx)
{
	if (lx_peekc(lx) == '\n')
		lx->lx_line++;
	(void)buf_skip(&lx->lx_b, 1);
}

static int
lx_wordchar(int c)
{
	return ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_');
}

/* Reads one token into lx_tok; a bad one says why in lx_why. */
static enum lx_tok
lx_scan(struct lexer *lx)
{
	int	 c;

	lx->lx_toklen = 0;
	lx->lx_tok[0] = '\0';
	for (;;) {
		if ((c = lx_peekc(lx)) == -1) {
			lx->lx_tokline = lx->lx_line;
			return (LX_EOF);
		}
		if (c == '#') {
			while ((c = lx_peekc(lx)) != -1 && c != '\n')
				lx_skipc(lx);
			continue;
		}
		if (c != ' ' && c != '\t' && c != '\n' && c != '\r' &&
		    c != '\f' && c != '\v')
			break;
		lx_skipc(lx);
	}
	lx->lx_tokline = lx->lx_line;
	if (lx_wordchar(c)) {
		while (lx_wordchar(c = lx_peekc(lx))) {
			lx_skipc(lx);
			if (lx->lx_toklen == LX_MAXWORD) {
				lx->lx_why = "word too long";
				while (lx_wordchar(lx_peekc(lx)))
					lx_skipc(lx);
				return (LX_BAD);
			}
			lx->lx_tok[lx->lx_toklen++] = (char)c;
		}
		lx->lx_tok[lx->lx_toklen] = '\0';
		return (LX_WORD);
	}
	lx_skipc(lx);
	switch (c) {
	case ';':
		return (LX_SEMI);
	case '{':
		return (LX_LBRACE);
	case '}':
		return (LX_RBRACE);
	case ':':
		return (LX_COLON);
	case '/':
		return (LX_SLASH);
	case '"':
		break;
	default:
		lx->lx_why = "unexpected character";
		return (LX_BAD);
	}
	/* a string ends on its line: a lost quote spoils one line only */
	for (;;) {
		if ((c = lx_peekc(lx)) == -1 || c == '\n') {
			lx->lx_why = "unterminated string";
			return (LX_BAD);
		}
		lx_skipc(lx);
		if (c == '"')
			break;
		if (c == '\0') {
			lx->lx_why = "NUL byte in a string";
			return (LX_BAD);
		}
		if (lx->lx_toklen == LX_MAXSTR) {
			lx->lx_why = "string too long";
			while ((c = lx_peekc(lx)) != -1 && c != '\n') {
				lx_skipc(lx);
				if (c == '"')
					break;
			}
			return (LX_BAD);
		}
		lx->lx_tok[lx->lx_toklen++] = (char)c;
	}
	lx->lx_tok[lx->lx_toklen] = '\0';
	return (LX_STRING);
}

static enum lx_tok
lx_next(struct lexer *lx)
{
	if (lx->lx_peeked)
		lx->lx_peeked = 0;
	else
		lx->lx_type = lx_scan(lx);
	return (lx->lx_type);
}

static enum lx_tok
lx_peek(struct lexer *lx)
{
	if (!lx->lx_peeked) {
		lx->lx_type = lx_scan(lx);
		lx->lx_peeked = 1;
	}
	return (lx->lx_type);
}

/* Where the lexer stands; only valid when no token is peeked. */
static struct lx_pos
lx_save(const struct lexer *lx)
{
	struct lx_pos	 p;

	p.p_off = lx->lx_len - buf_left(&lx->lx_b);
	p.p_line = lx->lx_line;
	return (p);
}

static void
lx_restore(struct lexer *lx, struct lx_pos p)
{
	buf_init(&lx->lx_b, lx->lx_text, lx->lx_len);
	(void)buf_skip(&lx->lx_b, p.p_off);
	lx->lx_line = p.p_line;
	lx->lx_peeked = 0;
}

/* Skips tokens up to (not past) the next "lease" word or the end. */
static void
lx_resync(struct lexer *lx)
{
	enum lx_tok	 t;

	while ((t = lx_peek(lx)) != LX_EOF) {
		if (t == LX_WORD && strcmp(lx->lx_tok, "lease") == 0)
			return;
		(void)lx_next(lx);
	}
}

/* The parser */

static int
perr(struct pstate *ps, const char *fmt, ...)
{
	va_list	 ap;

	ps->ps_line = ps->ps_lx.lx_tokline;
	va_start(ap, fmt);
	(void)vsnprintf(ps->ps_msg, sizeof(ps->ps_msg), fmt, ap);
	va_end(ap);
	return (-1);
}

/* An error on the current token: expected is what should have come. */
static int
expected(struct pstate *ps, const char *expected)
{
	struct lexer	*lx = &ps->ps_lx;

	switch (lx->lx_type) {
	case LX_EOF:
		return (perr(ps, "lease %s: unexpected end of file",
		    ps->ps_ip));
	case LX_BAD:
		return (perr(ps, "lease %s: %s", ps->ps_ip, lx->lx_why));
	case LX_WORD:
		return (perr(ps, "lease %s: %s expected, got '%s'",
		    ps->ps_ip, expected, lx->lx_tok));
	default:
		return (perr(ps, "lease %s: %s expected", ps->ps_ip,
		    expected));
	}
}

/* A decimal of at most maxdigits digits in min..max. */
static int
number(const char *s, size_t maxdigits, long min, long max, long *v)
{
	size_t	 i;
	long	 n = 0;

	if (s[0] == '\0' || strlen(s) > maxdigits)
		return (-1);
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] < '0' || s[i] > '9')
			return (-1);
		n = n * 10 + (s[i] - '0');
	}
	if (n < min || n > max)
		return (-1);
	*v = n;
	return (0);
}

/* One or two hex digits. */
static int
hexbyte(const char *s, uint8_t *v)
{
	unsigned int	 n = 0;
	size_t		 i;
	char		 c;

	if (s[0] == '\0' || strlen(s) > 2)
		return (-1);
	for (i = 0; (c = s[i]) != '\0'; i++) {
		n <<= 4;
		if (c >= '0' && c <= '9')
			n |= (unsigned int)(c - '0');
		else if (c >= 'a' && c <= 'f')
			n |= (unsigned int)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			n |= (unsigned int)(c - 'A' + 10);
		else
			return (-1);
	}
	*v = (uint8_t)n;
	return (0);
}

/*
 * date :== WEEKDAY YEAR / MONTH / DAY HOUR : MINUTE : SECOND [UTC]
 *	  | never
 * in UTC; the weekday (0-6) is ignored, " UTC" is absent in old files.
 * The ';' is left to the caller.
 */
static int
parse_date(struct pstate *ps, const char *kw, time_t *t)
{
	struct lexer	*lx = &ps->ps_lx;
	struct tm	 tm, chk;
	long		 v[DATE_FIELDS];
	size_t		 i;
	time_t		 r;

	memset(v, 0, sizeof(v));
	if (lx_peek(lx) == LX_WORD && strcmp(lx->lx_tok, "never") == 0) {
		(void)lx_next(lx);
		*t = LEASE_INFINITE;
		return (0);
	}
	for (i = 0; i < DATE_FIELDS; i++) {
		if (lx_next(lx) != LX_WORD)
			return (expected(ps, "a date"));
		if (number(lx->lx_tok, date_fields[i].df_digits,
		    date_fields[i].df_min, date_fields[i].df_max, &v[i]) == -1)
			return (perr(ps, "lease %s: bad %s date near '%s'",
			    ps->ps_ip, kw, lx->lx_tok));
		if (date_fields[i].df_sep != LX_EOF &&
		    lx_next(lx) != date_fields[i].df_sep)
			return (expected(ps, date_fields[i].df_sep == LX_SLASH ?
			    "'/'" : "':'"));
	}
	if (lx_peek(lx) == LX_WORD && strcmp(lx->lx_tok, "UTC") == 0)
		(void)lx_next(lx);

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = (int)v[1] - 1900;
	tm.tm_mon = (int)v[2] - 1;
	tm.tm_mday = (int)v[3];
	tm.tm_hour = (int)v[4];
	tm.tm_min = (int)v[5];
	tm.tm_sec = (int)v[6];
	if ((r = timegm(&tm)) == -1 || gmtime_r(&r, &chk) == NULL ||
	    chk.tm_mday != (int)v[3] || chk.tm_mon != (int)v[2] - 1)
		return (perr(ps, "lease %s: no such %s date", ps->ps_ip, kw));
	*t = r;
	return (0);
}

/* hex :== BYTE [: BYTE]...  at most max bytes, into out. */
static int
parse_hex(struct pstate *ps, const char *kw, uint8_t *out, size_t max,
    size_t *len)
{
	struct lexer	*lx = &ps->ps_lx;
	size_t		 n = 0;

	for (;;) {
		if (lx_next(lx) != LX_WORD)
			return (expected(ps, "a hex byte"));
		if (n == max)
			return (perr(ps, "lease %s: %s longer than %zu bytes",
			    ps->ps_ip, kw, max));
		if (hexbyte(lx->lx_tok, &out[n]) == -1)
			return (perr(ps, "lease %s: bad %s byte '%s'",
			    ps->ps_ip, kw, lx->lx_tok));
		n++;
		if (lx_peek(lx) != LX_COLON)
			break;
		(void)lx_next(lx);
	}
	*len = n;
	return (0);
}

/* OpenBSD's hardware_types[] names: ethernet, token-ring, fddi,
   ipsec-tunnel, else unknown-N. */
static int
parse_htype(const char *s, uint8_t *htype)
{
	long	 v;

	if (strcmp(s, "ethernet") == 0)
		*htype = 1;
	else if (strcmp(s, "token-ring") == 0)
		*htype = 6;
	else if (strcmp(s, "fddi") == 0)
		*htype = 8;
	else if (strcmp(s, "ipsec-tunnel") == 0)
		*htype = 31;
	else if (strncmp(s, "unknown-", 8) == 0 &&
	    number(s + 8, 3, 0, 255, &v) == 0)
		*htype = (uint8_t)v;
	else
		return (-1);
	return (0);
}

static const char *
htype_name(uint8_t htype, char *buf, size_t len)
{
	switch (htype) {
	case 1:
		return ("ethernet");
	case 6:
		return ("token-ring");
	case 8:
		return ("fddi");
	case 31:
		return ("ipsec-tunnel");
	default:
		(void)snprintf(buf, len, "unknown-%u", htype);
		return (buf);
	}
}

/* A hostname: a quoted string, or a word as OpenBSD also reads. */
static int
parse_name(struct pstate *ps, const char *kw, char *dst, char **field)
{
	struct lexer	*lx = &ps->ps_lx;
	enum lx_tok	 t;

	t = lx_next(lx);
	/* "lease" is never a value: the resync point stays a block start */
	if (t != LX_STRING && (t != LX_WORD ||
	    strcmp(lx->lx_tok, "lease") == 0))
		return (expected(ps, kw));
	memcpy(dst, lx->lx_tok, lx->lx_toklen + 1);
	*field = dst;
	return (0);
}

/* One statement of a block, its ';' included. */
static int
parse_statement(struct pstate *ps)
{
	struct lexer	*lx = &ps->ps_lx;
	struct lease	*l = &ps->ps_l;
	char		 kw[LX_MAXWORD + 1];
	size_t		 n = 0;

	memcpy(kw, lx->lx_tok, lx->lx_toklen + 1);
	if (strcmp(kw, "starts") == 0) {
		if (parse_date(ps, kw, &l->l_starts) == -1)
			return (-1);
	} else if (strcmp(kw, "ends") == 0) {
		if (parse_date(ps, kw, &l->l_ends) == -1)
			return (-1);
	} else if (strcmp(kw, "hardware") == 0) {
		if (lx_next(lx) != LX_WORD)
			return (expected(ps, "a hardware type"));
		if (parse_htype(lx->lx_tok, &l->l_htype) == -1)
			return (perr(ps, "lease %s: unknown hardware type "
			    "'%s'", ps->ps_ip, lx->lx_tok));
		memset(l->l_haddr, 0, sizeof(l->l_haddr));
		if (parse_hex(ps, "hardware address", l->l_haddr,
		    LEASE_HADDR_MAX, &n) == -1)
			return (-1);
		l->l_hlen = (uint8_t)n;
	} else if (strcmp(kw, "uid") == 0) {
		if (lx_peek(lx) == LX_STRING) {
			(void)lx_next(lx);
			if (lx->lx_toklen > LEASE_UID_MAX)
				return (perr(ps, "lease %s: uid longer than "
				    "%d bytes", ps->ps_ip, LEASE_UID_MAX));
			n = lx->lx_toklen;
			memcpy(ps->ps_uid, lx->lx_tok, n);
		} else if (parse_hex(ps, "uid", ps->ps_uid, LEASE_UID_MAX,
		    &n) == -1)
			return (-1);
		l->l_uid = n > 0 ? ps->ps_uid : NULL;
		l->l_uidlen = n;
	} else if (strcmp(kw, "dynamic-bootp") == 0)
		l->l_flags |= LEASE_DYNAMIC_BOOTP;
	else if (strcmp(kw, "abandoned") == 0)
		l->l_flags |= LEASE_ABANDONED;
	else if (strcmp(kw, "client-hostname") == 0) {
		if (parse_name(ps, "a client hostname", ps->ps_chostname,
		    &l->l_client_hostname) == -1)
			return (-1);
	} else if (strcmp(kw, "hostname") == 0) {
		if (parse_name(ps, "a hostname", ps->ps_hostname,
		    &l->l_hostname) == -1)
			return (-1);
	} else
		return (perr(ps, "lease %s: unknown statement '%s'",
		    ps->ps_ip, kw));
	if (lx_next(lx) != LX_SEMI)
		return (expected(ps, "';'"));
	return (0);
}

/* block :== ADDRESS { statement... }, after the word "lease". */
static int
parse_block(struct pstate *ps)
{
	struct lexer	*lx = &ps->ps_lx;
	enum lx_tok	 t;

	memset(&ps->ps_l, 0, sizeof(ps->ps_l));
	ps->ps_ip[0] = '\0';
	if ((t = lx_next(lx)) == LX_EOF)
		return (perr(ps, "unexpected end of file after 'lease'"));
	if (t != LX_WORD)
		return (perr(ps, "an address expected after 'lease'"));
	if (inet_pton(AF_INET, lx->lx_tok, &ps->ps_l.l_ip) != 1)
		return (perr(ps, "bad lease address '%s'", lx->lx_tok));
	(void)strlcpy(ps->ps_ip, lx->lx_tok, sizeof(ps->ps_ip));
	if (lx_next(lx) != LX_LBRACE)
		return (expected(ps, "'{'"));
	while ((t = lx_next(lx)) != LX_RBRACE) {
		if (t != LX_WORD)
			return (expected(ps, "a statement"));
		if (parse_statement(ps) == -1)
			return (-1);
	}
	return (0);
}

int
leasefile_parse(const char *text, size_t len,
    int (*cb)(const struct lease *, void *), void *arg,
    void (*err)(int, const char *, void *))
{
	struct pstate	*ps;
	struct lexer	*lx;
	struct lx_pos	 start;
	int		 n = 0;

	if ((ps = calloc(1, sizeof(*ps))) == NULL)
		return (-1);
	lx = &ps->ps_lx;
	lx_init(lx, text, len);
	for (;;) {
		if (lx_next(lx) == LX_EOF)
			break;
		if (lx->lx_type != LX_WORD ||
		    strcmp(lx->lx_tok, "lease") != 0) {
			if (err != NULL)
				err(lx->lx_tokline, "'lease' expected", arg);
			lx_resync(lx);
			continue;
		}
		start = lx_save(lx);
		if (parse_block(ps) == -1) {
			if (err != NULL)
				err(ps->ps_line, ps->ps_msg, arg);
			lx_restore(lx, start);
			lx_resync(lx);
			continue;
		}
		n++;
		if (cb != NULL && cb(&ps->ps_l, arg) == -1) {
			n = -1;
			break;
		}
	}
	free(ps);
	return (n);
}

/* The formatter */

static void
fmt_add(struct fmt *f, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	if (f->f_err)
		return;
	va_start(ap, fmt);
	n = vsnprintf(f->f_buf + f->f_len, f->f_cap - f->f_len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= f->f_cap - f->f_len)
		f->f_err = 1;
	else
		f->f_len += (size_t)n;
}

/* "W YYYY/MM/DD HH:MM:SS UTC", OpenBSD's DB_TIMEFMT, in UTC. */
static int
fmt_time(time_t t, char *buf, size_t len)
{
	struct tm	 tm;
	int		 n;

	if (gmtime_r(&t, &tm) == NULL)
		return (-1);
	n = snprintf(buf, len, "%d %d/%02d/%02d %02d:%02d:%02d UTC",
	    tm.tm_wday, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
	    tm.tm_hour, tm.tm_min, tm.tm_sec);
	return (n < 0 || (size_t)n >= len ? -1 : 0);
}

/* OpenBSD writes a hostname only when every byte is in 33..126. */
static int
printable(const char *s)
{
	const unsigned char	*p;

	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p < 33 || *p > 126 || *p == '"' || *p == '\\')
			return (0);
	return (1);
}

size_t
leasefile_format(const struct lease *l, char *buf, size_t cap)
{
	struct fmt	 f;
	char		 ip[INET_ADDRSTRLEN], ts[64], te[64], tn[16];
	size_t		 i, hlen;

	if (cap == 0)
		return (0);
	f.f_buf = buf;
	f.f_cap = cap;
	f.f_len = 0;
	f.f_err = 0;
	buf[0] = '\0';
	if (inet_ntop(AF_INET, &l->l_ip, ip, sizeof(ip)) == NULL ||
	    fmt_time(l->l_starts, ts, sizeof(ts)) == -1 ||
	    fmt_time(l->l_ends, te, sizeof(te)) == -1)
		return (0);
	/* the statements and their odd newlines are OpenBSD's write_lease */
	fmt_add(&f, "lease %s {\n\tstarts %s;\n\tends %s;\n", ip, ts, te);
	if ((hlen = l->l_hlen) > LEASE_HADDR_MAX)
		hlen = LEASE_HADDR_MAX;
	if (hlen > 0) {
		fmt_add(&f, "\thardware %s ",
		    htype_name(l->l_htype, tn, sizeof(tn)));
		for (i = 0; i < hlen; i++)
			fmt_add(&f, "%s%02x", i ? ":" : "", l->l_haddr[i]);
		fmt_add(&f, ";");
	}
	if (l->l_uidlen > 0 && l->l_uid != NULL) {
		fmt_add(&f, "\n\tuid ");
		for (i = 0; i < l->l_uidlen; i++)
			fmt_add(&f, "%s%02x", i ? ":" : "", l->l_uid[i]);
		fmt_add(&f, ";");
	}
	if (l->l_flags & LEASE_DYNAMIC_BOOTP)
		fmt_add(&f, "\n\tdynamic-bootp;");
	if (l->l_flags & LEASE_ABANDONED)
		fmt_add(&f, "\n\tabandoned;");
	if (l->l_client_hostname != NULL && printable(l->l_client_hostname))
		fmt_add(&f, "\n\tclient-hostname \"%s\";",
		    l->l_client_hostname);
	if (l->l_hostname != NULL && printable(l->l_hostname))
		fmt_add(&f, "\n\thostname \"%s\";", l->l_hostname);
	fmt_add(&f, "\n}\n");
	if (f.f_err) {
		buf[0] = '\0';
		return (0);
	}
	return (f.f_len);
}

/* The file */

struct leasefile *
leasefile_open(const char *path, char *err, size_t errlen)
{
	struct leasefile	*lf = NULL;
	int			 fd, saved;

	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640)) == -1)
		goto fail;
	if ((lf = calloc(1, sizeof(*lf))) == NULL ||
	    (lf->lf_path = strdup(path)) == NULL ||
	    (lf->lf_fp = fdopen(fd, "r+")) == NULL)
		goto fail;
	return (lf);

 fail:
	saved = errno;
	if (err != NULL && errlen > 0)
		(void)snprintf(err, errlen, "%s: %s", path, strerror(saved));
	if (lf != NULL)
		free(lf->lf_path);
	free(lf);
	if (fd != -1)
		(void)close(fd);
	errno = saved;
	return (NULL);
}

static int
load_one(const struct lease *pl, void *arg)
{
	struct load_ctx	*lc = arg;
	struct lease	*l;
	char		 ip[INET_ADDRSTRLEN];

	l = lease_by_ip(lc->lc_db, pl->l_ip);
	if (l == NULL || (l->l_flags & LEASE_DANGLING)) {
		if (lc->lc_lf->lf_stats.ls_dropped++ < LOAD_MAXLOG)
			log_warnx("%s: lease %s is in no range, dropped",
			    lc->lc_lf->lf_path, inet_ntop(AF_INET, &pl->l_ip,
			    ip, sizeof(ip)) != NULL ? ip : "?");
		return (0);
	}
	if (lease_supersede(lc->lc_db, l, pl) == -1)
		return (-1);
	lc->lc_lf->lf_stats.ls_loaded++;
	lc->lc_applied++;
	return (0);
}

static void
load_err(int line, const char *msg, void *arg)
{
	struct load_ctx	*lc = arg;

	if (lc->lc_lf->lf_stats.ls_bad++ < LOAD_MAXLOG)
		log_warnx("%s:%d: %s, block skipped", lc->lc_lf->lf_path,
		    line, msg);
}

int
leasefile_load(struct leasefile *lf, struct lease_db *db, time_t now)
{
	struct load_ctx	 lc;
	char		*text = NULL, *p;
	size_t		 len = 0, cap = 65536;
	ssize_t		 n;
	int		 fd, rv;

	fd = fileno(lf->lf_fp);
	if ((text = malloc(cap)) == NULL)
		return (-1);
	for (;;) {
		if (len == cap) {
			if (cap >= LEASEFILE_MAXSIZE) {
				errno = EFBIG;
				goto fail;
			}
			if ((p = realloc(text, cap * 2)) == NULL)
				goto fail;
			text = p;
			cap *= 2;
		}
		if ((n = pread(fd, text + len, cap - len, (off_t)len)) == -1) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}

	memset(&lc, 0, sizeof(lc));
	lc.lc_lf = lf;
	lc.lc_db = db;
	lf->lf_stats.ls_loaded = lf->lf_stats.ls_dropped = 0;
	lf->lf_stats.ls_bad = 0;
	rv = leasefile_parse(text, len, load_one, &lc, load_err);
	free(text);
	text = NULL;
	if (rv == -1)
		return (-1);
	if (lf->lf_stats.ls_bad > 0 || lf->lf_stats.ls_dropped > 0)
		log_warnx("%s: %llu bad blocks skipped, %llu leases in no "
		    "range dropped", lf->lf_path,
		    (unsigned long long)lf->lf_stats.ls_bad,
		    (unsigned long long)lf->lf_stats.ls_dropped);
	lf->lf_rewrite_time = now;
	return (lc.lc_applied);

 fail:
	free(text);
	return (-1);
}

/* Formats and writes one lease at the stream's position. */
static int
write_lease(struct leasefile *lf, const struct lease *l)
{
	char	 sbuf[LEASE_FMTMAX], *buf = sbuf;
	size_t	 len, cap;

	if ((len = leasefile_format(l, sbuf, sizeof(sbuf))) == 0) {
		cap = LEASE_FMTMAX + 3 * l->l_uidlen +
		    (l->l_hostname != NULL ? strlen(l->l_hostname) : 0) +
		    (l->l_client_hostname != NULL ?
		    strlen(l->l_client_hostname) : 0);
		if ((buf = malloc(cap)) == NULL)
			return (-1);
		if ((len = leasefile_format(l, buf, cap)) == 0) {
			free(buf);
			errno = EINVAL;
			return (-1);
		}
	}
	if (fwrite(buf, 1, len, lf->lf_fp) != len) {
		if (buf != sbuf)
			free(buf);
		return (-1);
	}
	if (buf != sbuf)
		free(buf);
	return (0);
}

static void
write_one(struct lease *l, void *arg)
{
	struct write_ctx	*wc = arg;

	if (wc->wc_errno != 0 || !lease_persistent(l))
		return;
	if ((wc->wc_append ? leasefile_append(wc->wc_lf, l) :
	    write_lease(wc->wc_lf, l)) == -1)
		wc->wc_errno = errno != 0 ? errno : EIO;
}

int
leasefile_rewrite(struct leasefile *lf, struct lease_db *db, time_t now)
{
	struct write_ctx	 wc;
	off_t			 off;
	int			 fd;

	fd = fileno(lf->lf_fp);
	/* earlier appends reach the file first, in case this fails */
	if (fflush(lf->lf_fp) == EOF)
		return (-1);
	lf->lf_at_end = 0;
	if (fseeko(lf->lf_fp, 0, SEEK_SET) == -1)
		return (-1);
	if (fputs(LEASEFILE_HEADER, lf->lf_fp) == EOF)
		return (-1);
	memset(&wc, 0, sizeof(wc));
	wc.wc_lf = lf;
	lease_db_foreach(db, write_one, &wc);
	if (wc.wc_errno != 0) {
		errno = wc.wc_errno;
		return (-1);
	}
	if (fflush(lf->lf_fp) == EOF || (off = ftello(lf->lf_fp)) == -1 ||
	    ftruncate(fd, off) == -1 || fsync(fd) == -1)
		return (-1);
	lf->lf_at_end = 1;
	lf->lf_pending = 0;
	lf->lf_stats.ls_appends = 0;
	lf->lf_stats.ls_rewrites++;
	lf->lf_rewrite_time = now;
	return (0);
}

int
leasefile_append(struct leasefile *lf, const struct lease *l)
{
	if (l->l_flags & (LEASE_DANGLING | LEASE_OFFERED))
		return (0);
	if (!lf->lf_at_end) {
		if (fseeko(lf->lf_fp, 0, SEEK_END) == -1)
			return (-1);
		lf->lf_at_end = 1;
	}
	if (write_lease(lf, l) == -1)
		return (-1);
	lf->lf_pending++;
	lf->lf_stats.ls_appends++;
	return (0);
}

int
leasefile_append_all(struct leasefile *lf, struct lease_db *db)
{
	struct write_ctx	 wc;

	memset(&wc, 0, sizeof(wc));
	wc.wc_lf = lf;
	wc.wc_append = 1;
	lease_db_foreach(db, write_one, &wc);
	if (wc.wc_errno != 0) {
		errno = wc.wc_errno;
		return (-1);
	}
	return (0);
}

int
leasefile_commit(struct leasefile *lf)
{
	if (lf->lf_pending == 0)
		return (0);
	if (fflush(lf->lf_fp) == EOF || fsync(fileno(lf->lf_fp)) == -1)
		return (-1);
	lf->lf_pending = 0;
	lf->lf_stats.ls_commits++;
	return (0);
}

int
leasefile_need_rewrite(const struct leasefile *lf, time_t now)
{
	return (lf->lf_stats.ls_appends > LEASEFILE_REWRITE_APPENDS ||
	    (lf->lf_stats.ls_appends >= 1 &&
	    now - lf->lf_rewrite_time > LEASEFILE_REWRITE_AGE));
}

const struct leasefile_stats *
leasefile_stats(const struct leasefile *lf)
{
	return (&lf->lf_stats);
}

void
leasefile_close(struct leasefile *lf)
{
	if (lf == NULL)
		return;
	(void)fclose(lf->lf_fp);
	free(lf->lf_path);
	free(lf);
}
