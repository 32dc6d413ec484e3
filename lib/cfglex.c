/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfglex.h"

#define CFGLEX_MACRO	0x100	/* in lf_unget: the char came from a macro */

/* One token's text (or a file name, a macro), zeroed when freed. */
struct cfglex_str {
	struct cfglex_str *s_next;
	size_t		 s_size;	/* of s_text, NUL included */
	char		 s_text[];
};

struct cfglex_macro {
	struct cfglex_macro *m_next;
	const char	*m_name;	/* arena */
	const char	*m_value;	/* arena */
};

static const char *lx_save(struct cfglex *, const char *, size_t);
static struct cfglex_file *lx_top(struct cfglex *);
static int	 lx_push(struct cfglex *, FILE *, const char *, int,
		    const struct cfglex_pos *);
static void	 lx_pop(struct cfglex *);
static int	 lx_raw(struct cfglex *, int *);
static void	 lx_unget(struct cfglex *, int, int);
static int	 lx_getc(struct cfglex *, int *);
static int	 lx_wordchar(int);
static int	 kw_cmp(const void *, const void *);
static const struct cfglex_keyword *lx_find(const struct cfglex_keyword *,
		    size_t, const char *);
static int	 lx_ret(struct cfglex *, struct cfglex_token *, int);
static int	 lx_fail(struct cfglex *, struct cfglex_token *);
static int	 lx_expand(struct cfglex *, struct cfglex_token *);
static int	 lx_quoted(struct cfglex *, struct cfglex_token *, int);
static int	 lx_word(struct cfglex *, struct cfglex_token *, int, int);
static void	 lx_report(struct cfglex *, const struct cfglex_pos *, int,
		    const char *, va_list)
		    __attribute__((__format__ (printf, 4, 0)));

int
cfglex_init(struct cfglex *lx, const struct cfglex_keyword *kw, size_t nkw,
    int tstring, int tnumber, int terror, cfglex_errfn *err, void *arg)
{
	size_t		 i;

	memset(lx, 0, sizeof(*lx));
	for (i = 1; i < nkw; i++)
		if (strcmp(kw[i - 1].kw_name, kw[i].kw_name) >= 0)
			return (-1);
	lx->cl_kw = kw;
	lx->cl_nkw = nkw;
	lx->cl_tstring = tstring;
	lx->cl_tnumber = tnumber;
	lx->cl_terror = terror;
	lx->cl_err = err;
	lx->cl_arg = arg;
	/* As if after a newline: an empty file gives no token but the end. */
	lx->cl_last.t_type = '\n';
	lx->cl_last.t_str = "";
	return (0);
}

/* Copies len bytes and a NUL into the arena; NULL when out of memory. */
static const char *
lx_save(struct cfglex *lx, const char *s, size_t len)
{
	struct cfglex_str	*str;

	if ((str = malloc(sizeof(*str) + len + 1)) == NULL) {
		if (!lx->cl_oom)
			cfglex_error(lx, NULL, "out of memory");
		lx->cl_oom = 1;
		return (NULL);
	}
	str->s_size = len + 1;
	memcpy(str->s_text, s, len);
	str->s_text[len] = '\0';
	str->s_next = lx->cl_arena;
	lx->cl_arena = str;
	return (str->s_text);
}

static struct cfglex_file *
lx_top(struct cfglex *lx)
{
	return (&lx->cl_files[lx->cl_depth - 1]);
}

static int
lx_push(struct cfglex *lx, FILE *fp, const char *name, int close,
    const struct cfglex_pos *from)
{
	struct cfglex_file	*f;
	const char		*saved;

	if (lx->cl_depth == CFGLEX_MAXDEPTH) {
		cfglex_error(lx, from, "include \"%s\": more than %d nested "
		    "files", name, CFGLEX_MAXDEPTH);
		goto fail;
	}
	if ((saved = lx_save(lx, name, strlen(name))) == NULL)
		goto fail;
	f = &lx->cl_files[lx->cl_depth++];
	f->lf_fp = fp;
	f->lf_name = saved;
	f->lf_line = 1;
	f->lf_close = close;
	f->lf_eof = 0;
	f->lf_nunget = 0;
	return (0);
 fail:
	if (close)
		(void)fclose(fp);
	return (-1);
}

static void
lx_pop(struct cfglex *lx)
{
	struct cfglex_file	*f;

	f = lx_top(lx);
	if (f->lf_close)
		(void)fclose(f->lf_fp);
	/* The pushback may hold macro text. */
	memset(f->lf_unget, 0, sizeof(f->lf_unget));
	f->lf_fp = NULL;
	f->lf_nunget = 0;
	lx->cl_depth--;
}

int
cfglex_push_path(struct cfglex *lx, const char *path,
    const struct cfglex_pos *from)
{
	struct stat	 st;
	FILE		*fp;

	if ((fp = fopen(path, "r")) == NULL) {
		if (from != NULL)
			cfglex_error(lx, from, "include \"%s\": %s", path,
			    strerror(errno));
		else {
			struct cfglex_pos top = { path, 0 };

			cfglex_error(lx, &top, "%s", strerror(errno));
		}
		return (-1);
	}
	/* An include must not make us read a device or a fifo. */
	if (from != NULL && (fstat(fileno(fp), &st) == -1 ||
	    !S_ISREG(st.st_mode))) {
		cfglex_error(lx, from, "include \"%s\": not a regular file",
		    path);
		(void)fclose(fp);
		return (-1);
	}
	if (lx_push(lx, fp, path, 1, from) == -1)
		return (-1);
	if (lx->cl_depth == 1)
		lx->cl_includes = 1;
	return (0);
}

int
cfglex_push_stream(struct cfglex *lx, FILE *fp, const char *name)
{
	if (lx_push(lx, fp, name, 0, NULL) == -1)
		return (-1);
	if (lx->cl_depth == 1)
		lx->cl_includes = 0;
	return (0);
}

int
cfglex_include(struct cfglex *lx, const char *path,
    const struct cfglex_pos *pos)
{
	char		 full[PATH_MAX];
	const char	*cur, *slash;
	int		 n;

	if (!lx->cl_includes) {
		cfglex_error(lx, pos, "include \"%s\": includes are only "
		    "allowed in a configuration read from a file", path);
		return (-1);
	}
	if (*path == '\0') {
		cfglex_error(lx, pos, "include: empty file name");
		return (-1);
	}
	cur = lx->cl_depth > 0 ? lx_top(lx)->lf_name : "";
	if (*path != '/' && (slash = strrchr(cur, '/')) != NULL)
		n = snprintf(full, sizeof(full), "%.*s/%s",
		    (int)(slash - cur), cur, path);
	else
		n = snprintf(full, sizeof(full), "%s", path);
	if (n < 0 || (size_t)n >= sizeof(full)) {
		cfglex_error(lx, pos, "include: file name too long");
		return (-1);
	}
	return (cfglex_push_path(lx, full, pos));
}

/*
 * The next byte of the current file, from the pushback first; *macro
 * tells whether it came from a macro's text.  Counts lines.
 */
static int
lx_raw(struct cfglex *lx, int *macro)
{
	struct cfglex_file	*f;
	struct cfglex_pos	 pos;
	int			 c;

	*macro = 0;
	if (lx->cl_depth == 0)
		return (EOF);
	f = lx_top(lx);
	if (f->lf_nunget > 0) {
		c = f->lf_unget[--f->lf_nunget];
		*macro = (c & CFGLEX_MACRO) != 0;
		c &= 0xff;
	} else {
		if (f->lf_eof)
			return (EOF);
		c = getc(f->lf_fp);
		if (c == EOF || c == '\0') {
			pos.p_file = f->lf_name;
			pos.p_line = f->lf_line;
			if (c == '\0')
				cfglex_error(lx, &pos, "NUL byte in input");
			else if (ferror(f->lf_fp))
				cfglex_error(lx, &pos, "read error: %s",
				    strerror(errno));
			f->lf_eof = 1;
			return (EOF);
		}
	}
	if (c == '\n' && !*macro)
		f->lf_line++;
	return (c);
}

static void
lx_unget(struct cfglex *lx, int c, int macro)
{
	struct cfglex_file	*f;

	if (c == EOF || lx->cl_depth == 0)
		return;
	f = lx_top(lx);
	/* Sized for a macro's text and a lookahead: cannot overflow. */
	if (f->lf_nunget == CFGLEX_UNGET)
		return;
	if (c == '\n' && !macro)
		f->lf_line--;
	f->lf_unget[f->lf_nunget++] =
	    (uint16_t)(c | (macro ? CFGLEX_MACRO : 0));
}

/* lx_raw() with backslash-newline removed. */
static int
lx_getc(struct cfglex *lx, int *macro)
{
	int	 c, next, nmacro;

	for (;;) {
		c = lx_raw(lx, macro);
		if (c != '\\' || *macro)
			return (c);
		next = lx_raw(lx, &nmacro);
		if (next == '\n' && !nmacro)
			continue;
		lx_unget(lx, next, nmacro);
		return (c);
	}
}

/* Letters, digits and punctuation that does not stand alone. */
static int
lx_wordchar(int c)
{
	if (c == EOF)
		return (0);
	if (isalnum(c))
		return (1);
	return (ispunct(c) && strchr("(){}<>!=#,\"'", c) == NULL);
}

static int
lx_ret(struct cfglex *lx, struct cfglex_token *t, int type)
{
	t->t_type = type;
	lx->cl_last = *t;
	return (type);
}

/* The error token, after the error has been reported. */
static int
lx_fail(struct cfglex *lx, struct cfglex_token *t)
{
	t->t_str = "";
	return (lx_ret(lx, t, lx->cl_terror));
}

int
cfglex_next(struct cfglex *lx, struct cfglex_token *t)
{
	struct cfglex_file	*f;
	int			 c, macro;

 top:
	memset(t, 0, sizeof(*t));
	t->t_str = "";
	if (lx->cl_depth == 0)
		return (lx_ret(lx, t, 0));
	f = lx_top(lx);
	do {
		c = lx_getc(lx, &macro);
	} while (c == ' ' || c == '\t' || c == '\r' || c == '\f' ||
	    c == '\v');
	t->t_pos.p_file = f->lf_name;
	t->t_pos.p_line = f->lf_line;

	if (c == '#' && !macro) {
		while ((c = lx_getc(lx, &macro)) != '\n' && c != EOF)
			;
	}
	if (c == '\n') {
		t->t_pos.p_line = f->lf_line - 1;
		return (lx_ret(lx, t, '\n'));
	}
	if (c == EOF) {
		/* Every file's last line ends, even without a newline. */
		if (lx->cl_last.t_type != '\n' && lx->cl_last.t_type != 0)
			return (lx_ret(lx, t, '\n'));
		if (lx->cl_depth > 1) {
			lx_pop(lx);
			goto top;
		}
		if (lx->cl_last.t_type == '\n' &&
		    lx->cl_last.t_pos.p_file == f->lf_name)
			t->t_pos.p_line = lx->cl_last.t_pos.p_line;
		return (lx_ret(lx, t, 0));
	}
	if (c == '$' && !macro) {
		if (lx_expand(lx, t) == -1)
			return (lx_fail(lx, t));
		goto top;
	}
	if (c == '"' || c == '\'')
		return (lx_quoted(lx, t, c));
	if (lx_wordchar(c))
		return (lx_word(lx, t, c, macro));
	return (lx_ret(lx, t, c));
}

/* After '$': puts the macro's text back in front of the input. */
static int
lx_expand(struct cfglex *lx, struct cfglex_token *t)
{
	struct cfglex_file	*f;
	const char		*val;
	size_t			 len = 0, i;
	int			 c, macro;

	f = lx_top(lx);
	while ((c = lx_getc(lx, &macro)) != EOF && !macro &&
	    (isalnum(c) || c == '_')) {
		if (len < CFGLEX_MAXTOKEN)
			lx->cl_buf[len] = (char)c;
		len++;
	}
	lx_unget(lx, c, macro);
	if (len == 0) {
		cfglex_error(lx, &t->t_pos, "'$' without a macro name");
		return (-1);
	}
	if (len > CFGLEX_MAXTOKEN) {
		cfglex_error(lx, &t->t_pos, "macro name too long");
		return (-1);
	}
	lx->cl_buf[len] = '\0';
	if ((val = cfglex_macro_get(lx, lx->cl_buf)) == NULL) {
		cfglex_error(lx, &t->t_pos, "macro '%s' not defined",
		    lx->cl_buf);
		return (-1);
	}
	len = strlen(val);
	if (len + 1 > (size_t)(CFGLEX_UNGET - f->lf_nunget)) {
		cfglex_error(lx, &t->t_pos, "macro '%s' too long", lx->cl_buf);
		return (-1);
	}
	/* A blank after the text keeps it from running into what follows. */
	lx_unget(lx, ' ', 1);
	for (i = len; i > 0; i--)
		lx_unget(lx, (unsigned char)val[i - 1], 1);
	return (0);
}

/* A string between quotes q: never a keyword. */
static int
lx_quoted(struct cfglex *lx, struct cfglex_token *t, int q)
{
	size_t		 len = 0;
	int		 c, next, macro, nmacro;

	for (;;) {
		c = lx_getc(lx, &macro);
		if (c == EOF || c == '\n') {
			lx_unget(lx, c, macro);
			cfglex_error(lx, &t->t_pos,
			    "unterminated quoted string");
			return (lx_fail(lx, t));
		}
		if (c == q)
			break;
		if (c == '\\') {
			next = lx_getc(lx, &nmacro);
			if (next == q || next == '\\')
				c = next;
			else
				lx_unget(lx, next, nmacro);
		}
		if (len < CFGLEX_MAXTOKEN)
			lx->cl_buf[len] = (char)c;
		len++;
	}
	if (len > CFGLEX_MAXTOKEN) {
		cfglex_error(lx, &t->t_pos, "string longer than %d bytes",
		    CFGLEX_MAXTOKEN);
		return (lx_fail(lx, t));
	}
	if ((t->t_str = lx_save(lx, lx->cl_buf, len)) == NULL)
		return (lx_fail(lx, t));
	return (lx_ret(lx, t, lx->cl_tstring));
}

/* A word starting with c: a number, a keyword or a string. */
static int
lx_word(struct cfglex *lx, struct cfglex_token *t, int c, int macro)
{
	const char	*s;
	char		*end;
	const struct cfglex_keyword *kw;
	size_t		 len = 0, i;

	do {
		if (len < CFGLEX_MAXTOKEN)
			lx->cl_buf[len] = (char)c;
		len++;
		c = lx_getc(lx, &macro);
	} while (lx_wordchar(c));
	lx_unget(lx, c, macro);
	if (len > CFGLEX_MAXTOKEN) {
		cfglex_error(lx, &t->t_pos, "word longer than %d bytes",
		    CFGLEX_MAXTOKEN);
		return (lx_fail(lx, t));
	}
	lx->cl_buf[len] = '\0';
	s = lx->cl_buf;

	/* As OpenBSD: an optional '-' and digits only is a number. */
	i = (s[0] == '-');
	if (s[i] != '\0' && strspn(s + i, "0123456789") == len - i) {
		errno = 0;
		t->t_num = strtoll(s, &end, 10);
		if (errno == ERANGE || *end != '\0') {
			cfglex_error(lx, &t->t_pos, "number too large: '%s'",
			    s);
			return (lx_fail(lx, t));
		}
		if ((t->t_str = lx_save(lx, s, len)) == NULL)
			return (lx_fail(lx, t));
		return (lx_ret(lx, t, lx->cl_tnumber));
	}
	if ((kw = lx_find(lx->cl_kw, lx->cl_nkw, s)) != NULL) {
		t->t_str = kw->kw_name;
		return (lx_ret(lx, t, kw->kw_token));
	}
	if ((t->t_str = lx_save(lx, s, len)) == NULL)
		return (lx_fail(lx, t));
	return (lx_ret(lx, t, lx->cl_tstring));
}

const struct cfglex_token *
cfglex_last(const struct cfglex *lx)
{
	return (&lx->cl_last);
}

static int
kw_cmp(const void *k, const void *e)
{
	const struct cfglex_keyword	*kw = e;

	return (strcmp(k, kw->kw_name));
}

static const struct cfglex_keyword *
lx_find(const struct cfglex_keyword *kw, size_t nkw, const char *s)
{
	if (nkw == 0)
		return (NULL);
	return (bsearch(s, kw, nkw, sizeof(*kw), kw_cmp));
}

int
cfglex_lookup(const struct cfglex_keyword *kw, size_t nkw, const char *s)
{
	const struct cfglex_keyword	*hit;

	hit = lx_find(kw, nkw, s);
	return (hit == NULL ? -1 : hit->kw_token);
}

int
cfglex_macro_set(struct cfglex *lx, const char *name, const char *value,
    const struct cfglex_pos *pos)
{
	struct cfglex_macro	*m;
	const char		*s, *v;

	if (*name == '\0' || strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789_") != strlen(name)) {
		cfglex_error(lx, pos, "macro name '%s' must be letters, "
		    "digits and '_' only", name);
		return (-1);
	}
	if (strlen(name) > CFGLEX_MAXTOKEN || strlen(value) > CFGLEX_MAXTOKEN) {
		cfglex_error(lx, pos, "macro '%s' too long", name);
		return (-1);
	}
	/* Lines are counted in files only: a macro's text stays on one. */
	if (strchr(value, '\n') != NULL) {
		cfglex_error(lx, pos, "macro '%s' holds a newline", name);
		return (-1);
	}
	if ((v = lx_save(lx, value, strlen(value))) == NULL)
		return (-1);
	for (m = lx->cl_macros; m != NULL; m = m->m_next)
		if (strcmp(m->m_name, name) == 0) {
			m->m_value = v;
			return (0);
		}
	if ((s = lx_save(lx, name, strlen(name))) == NULL)
		return (-1);
	if ((m = malloc(sizeof(*m))) == NULL) {
		cfglex_error(lx, pos, "out of memory");
		return (-1);
	}
	m->m_name = s;
	m->m_value = v;
	m->m_next = lx->cl_macros;
	lx->cl_macros = m;
	return (0);
}

const char *
cfglex_macro_get(const struct cfglex *lx, const char *name)
{
	const struct cfglex_macro	*m;

	for (m = lx->cl_macros; m != NULL; m = m->m_next)
		if (strcmp(m->m_name, name) == 0)
			return (m->m_value);
	return (NULL);
}

static void
lx_report(struct cfglex *lx, const struct cfglex_pos *pos, int count,
    const char *fmt, va_list ap)
{
	char		 msg[CFGLEX_MAXMSG];
	char		 line[PATH_MAX + CFGLEX_MAXMSG + 16];
	char		*s;

	if (pos == NULL)
		pos = &lx->cl_last.t_pos;
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	if (pos->p_file == NULL)
		(void)snprintf(line, sizeof(line), "%s", msg);
	else if (pos->p_line > 0)
		(void)snprintf(line, sizeof(line), "%s:%d: %s", pos->p_file,
		    pos->p_line, msg);
	else
		(void)snprintf(line, sizeof(line), "%s: %s", pos->p_file, msg);
	/* Input text is echoed: keep control characters off terminals. */
	for (s = line; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
	if (count)
		lx->cl_errors++;
	if (lx->cl_err != NULL)
		lx->cl_err(lx->cl_arg, line);
}

void
cfglex_error(struct cfglex *lx, const struct cfglex_pos *pos,
    const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	lx_report(lx, pos, 1, fmt, ap);
	va_end(ap);
}

void
cfglex_warn(struct cfglex *lx, const struct cfglex_pos *pos,
    const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	lx_report(lx, pos, 0, fmt, ap);
	va_end(ap);
}

void
cfglex_syntax_error(struct cfglex *lx)
{
	const struct cfglex_token	*t = &lx->cl_last;

	if (t->t_type == lx->cl_terror)
		return;		/* the lexer said why */
	if (t->t_type == 0)
		cfglex_error(lx, &t->t_pos, "syntax error at end of file");
	else if (t->t_type == '\n')
		cfglex_error(lx, &t->t_pos, "syntax error at end of line");
	else if (t->t_str[0] != '\0')
		cfglex_error(lx, &t->t_pos, "syntax error near '%.64s'",
		    t->t_str);
	else if (t->t_type > 0 && t->t_type < 256 && isprint(t->t_type))
		cfglex_error(lx, &t->t_pos, "syntax error near '%c'",
		    t->t_type);
	else
		cfglex_error(lx, &t->t_pos, "syntax error");
}

int
cfglex_errors(const struct cfglex *lx)
{
	return (lx->cl_errors);
}

void
cfglex_close(struct cfglex *lx)
{
	struct cfglex_macro	*m;
	struct cfglex_str	*s;

	while (lx->cl_depth > 0)
		lx_pop(lx);
	while ((m = lx->cl_macros) != NULL) {
		lx->cl_macros = m->m_next;
		free(m);
	}
	while ((s = lx->cl_arena) != NULL) {
		lx->cl_arena = s->s_next;
		explicit_bzero(s->s_text, s->s_size);
		free(s);
	}
	explicit_bzero(lx->cl_buf, sizeof(lx->cl_buf));
	lx->cl_last.t_str = "";
	lx->cl_last.t_pos.p_file = NULL;
}
