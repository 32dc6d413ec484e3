/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * Lua-style patterns (FLT-24, the semantics of OpenBSD's patterns(7)),
 * written here because libc has none and a regex library would bring a
 * different language: classes %a %c %d %g %l %p %s %u %w %x and their
 * upper-case complements, %x escapes, '.', sets [...] with ranges and
 * '^', the quantifiers * + - ?, anchors ^ and $, %bxy, %f[set],
 * captures () (position captures too) and back references %1-%9.
 *
 * Rule keys and values are compared against bytes a client sends, so the
 * pattern is checked once before matching (a malformed one is -1 whatever
 * the subject), the recursion is bounded by PAT_MAXDEPTH, and the work by
 * PAT_MAXSTEPS: a pattern that backtracks past it ends with -1 as well.
 */

#include <ctype.h>
#include <stddef.h>
#include <string.h>

#include "filter.h"

#define PAT_MAXCAPTURES	32
#define PAT_MAXDEPTH	200
#define PAT_MAXSTEPS	1000000L
#define PAT_ESC		'%'
#define PAT_SPECIALS	"^$*+?.([%-"

#define CAP_OPEN	(-1)	/* capture not closed yet */
#define CAP_POSITION	(-2)	/* "()": a position, no text */

struct pat_capture {
	const char	*c_init;
	ptrdiff_t	 c_len;
};

struct pat_state {
	const char	*ps_src;	/* subject start */
	const char	*ps_srcend;
	const char	*ps_pend;	/* pattern end */
	int		 ps_level;	/* captures opened */
	int		 ps_depth;
	long		 ps_steps;
	int		 ps_error;
	struct pat_capture ps_cap[PAT_MAXCAPTURES];
};

static int	 pat_check(const char *, const char *);
static const char *pat_check_set(const char *, const char *);
static const char *pat_class_end(struct pat_state *, const char *);
static int	 pat_class(int, int);
static int	 pat_in_set(int, const char *, const char *);
static int	 pat_single(struct pat_state *, const char *, const char *,
		    const char *);
static const char *pat_match(struct pat_state *, const char *,
		    const char *);
static const char *pat_item(struct pat_state *, const char *,
		    const char *, const char *);
static const char *pat_balance(struct pat_state *, const char *,
		    const char *);
static const char *pat_max_expand(struct pat_state *, const char *,
		    const char *, const char *);
static const char *pat_min_expand(struct pat_state *, const char *,
		    const char *, const char *);
static const char *pat_open(struct pat_state *, const char *,
		    const char *, int);
static const char *pat_close(struct pat_state *, const char *,
		    const char *);
static const char *pat_backref(struct pat_state *, const char *, int);

/*
 * The end of a set whose '[' is before p, or NULL when it has none: the
 * first ']' after an optional '^' and a leading ']' belongs to the set.
 */
static const char *
pat_check_set(const char *p, const char *end)
{
	if (p < end && *p == '^')
		p++;
	do {
		if (p >= end)
			return (NULL);
		if (*p++ == PAT_ESC) {
			if (p >= end)
				return (NULL);
			p++;
		}
	} while (p >= end || *p != ']');
	return (p + 1);
}

/*
 * Whether the pattern is well formed: no lone '%' at the end, sets
 * closed, %b with two characters, %f with a set, captures balanced and
 * back references to closed ones.  0 or -1.
 */
static int
pat_check(const char *p, const char *end)
{
	int	 open[PAT_MAXCAPTURES];
	int	 level = 0, depth = 0, i, n;

	if (p < end && *p == '^')
		p++;
	while (p < end) {
		switch (*p) {
		case '(':
			if (level >= PAT_MAXCAPTURES)
				return (-1);
			open[level++] = 1;
			depth++;
			p++;
			continue;
		case ')':
			for (i = level - 1; i >= 0 && !open[i]; i--)
				;
			if (i < 0)
				return (-1);
			open[i] = 0;
			depth--;
			p++;
			continue;
		case '[':
			if ((p = pat_check_set(p + 1, end)) == NULL)
				return (-1);
			break;
		case PAT_ESC:
			if (p + 1 >= end)
				return (-1);
			if (p[1] == 'b') {
				if (end - p < 4)
					return (-1);
				p += 4;
				continue;	/* no quantifier on %b */
			}
			if (p[1] == 'f') {
				if (p + 2 >= end || p[2] != '[')
					return (-1);
				if ((p = pat_check_set(p + 3, end)) == NULL)
					return (-1);
				continue;
			}
			if (isdigit((unsigned char)p[1])) {
				n = p[1] - '1';
				if (n < 0 || n >= level || open[n])
					return (-1);
				p += 2;
				continue;
			}
			p += 2;
			break;
		default:
			p++;
			break;
		}
		/* a single character class: an optional quantifier */
		if (p < end && strchr("*+-?", *p) != NULL)
			p++;
	}
	return (depth == 0 ? 0 : -1);
}

/* Past the single character class at p (checked by pat_check). */
static const char *
pat_class_end(struct pat_state *ps, const char *p)
{
	if (*p++ == PAT_ESC)
		return (p + 1);
	if (p[-1] == '[')
		return (pat_check_set(p, ps->ps_pend));
	return (p);
}

/* c against the class letter cl (%a...), upper case for complements. */
static int
pat_class(int c, int cl)
{
	int	 r;

	switch (tolower(cl)) {
	case 'a':
		r = isalpha(c);
		break;
	case 'c':
		r = iscntrl(c);
		break;
	case 'd':
		r = isdigit(c);
		break;
	case 'g':
		r = isgraph(c);
		break;
	case 'l':
		r = islower(c);
		break;
	case 'p':
		r = ispunct(c);
		break;
	case 's':
		r = isspace(c);
		break;
	case 'u':
		r = isupper(c);
		break;
	case 'w':
		r = isalnum(c);
		break;
	case 'x':
		r = isxdigit(c);
		break;
	default:
		return (cl == c);	/* an escaped character */
	}
	r = r != 0;
	return (isupper(cl) ? !r : r);
}

/* c against the set between p ('[') and end (past ']'). */
static int
pat_in_set(int c, const char *p, const char *end)
{
	int	 want = 1;

	p++;			/* '[' */
	end--;			/* ']' */
	if (*p == '^') {
		want = 0;
		p++;
	}
	while (p < end) {
		if (*p == PAT_ESC) {
			p++;
			if (pat_class(c, (unsigned char)*p))
				return (want);
			p++;
		} else if (p + 2 < end && p[1] == '-') {
			if ((unsigned char)p[0] <= c &&
			    c <= (unsigned char)p[2])
				return (want);
			p += 3;
		} else {
			if ((unsigned char)*p == c)
				return (want);
			p++;
		}
	}
	return (!want);
}

/* Whether the subject byte at s matches the class [p, ep). */
static int
pat_single(struct pat_state *ps, const char *s, const char *p,
    const char *ep)
{
	int	 c;

	if (s >= ps->ps_srcend)
		return (0);
	c = (unsigned char)*s;
	switch (*p) {
	case '.':
		return (1);
	case PAT_ESC:
		return (pat_class(c, (unsigned char)p[1]));
	case '[':
		return (pat_in_set(c, p, ep));
	default:
		return ((unsigned char)*p == c);
	}
}

static const char *
pat_balance(struct pat_state *ps, const char *s, const char *p)
{
	int	 open, close, cont = 1;

	open = (unsigned char)p[0];
	close = (unsigned char)p[1];
	if (s >= ps->ps_srcend || (unsigned char)*s != open)
		return (NULL);
	while (++s < ps->ps_srcend) {
		if ((unsigned char)*s == close) {
			if (--cont == 0)
				return (s + 1);
		} else if ((unsigned char)*s == open)
			cont++;
	}
	return (NULL);
}

/* Greedy: the longest run of the class that lets the rest match. */
static const char *
pat_max_expand(struct pat_state *ps, const char *s, const char *p,
    const char *ep)
{
	const char	*r;
	ptrdiff_t	 i = 0;

	while (pat_single(ps, s + i, p, ep))
		i++;
	for (; i >= 0; i--) {
		if ((r = pat_match(ps, s + i, ep + 1)) != NULL)
			return (r);
		if (ps->ps_error)
			return (NULL);
	}
	return (NULL);
}

/* Lazy: the shortest run of the class that lets the rest match. */
static const char *
pat_min_expand(struct pat_state *ps, const char *s, const char *p,
    const char *ep)
{
	const char	*r;

	for (;;) {
		if ((r = pat_match(ps, s, ep + 1)) != NULL)
			return (r);
		if (ps->ps_error || !pat_single(ps, s, p, ep))
			return (NULL);
		s++;
	}
}

static const char *
pat_open(struct pat_state *ps, const char *s, const char *p, int what)
{
	const char	*r;
	int		 level = ps->ps_level;

	if (level >= PAT_MAXCAPTURES) {
		ps->ps_error = 1;
		return (NULL);
	}
	ps->ps_cap[level].c_init = s;
	ps->ps_cap[level].c_len = what;
	ps->ps_level = level + 1;
	if ((r = pat_match(ps, s, p)) == NULL)
		ps->ps_level--;
	return (r);
}

static const char *
pat_close(struct pat_state *ps, const char *s, const char *p)
{
	const char	*r;
	int		 l;

	for (l = ps->ps_level - 1; l >= 0; l--)
		if (ps->ps_cap[l].c_len == CAP_OPEN)
			break;
	if (l < 0) {
		ps->ps_error = 1;
		return (NULL);
	}
	ps->ps_cap[l].c_len = s - ps->ps_cap[l].c_init;
	if ((r = pat_match(ps, s, p)) == NULL)
		ps->ps_cap[l].c_len = CAP_OPEN;
	return (r);
}

static const char *
pat_backref(struct pat_state *ps, const char *s, int n)
{
	size_t	 len;

	if (n < 0 || n >= ps->ps_level || ps->ps_cap[n].c_len < 0) {
		if (n >= 0 && n < ps->ps_level &&
		    ps->ps_cap[n].c_len == CAP_POSITION)
			return (NULL);
		ps->ps_error = 1;
		return (NULL);
	}
	len = (size_t)ps->ps_cap[n].c_len;
	if ((size_t)(ps->ps_srcend - s) >= len &&
	    memcmp(ps->ps_cap[n].c_init, s, len) == 0)
		return (s + len);
	return (NULL);
}

/*
 * One single character class [p, ep) with a quantifier at ep; the rest
 * of the pattern follows it.
 */
static const char *
pat_item(struct pat_state *ps, const char *s, const char *p,
    const char *ep)
{
	const char	*r;

	switch (*ep) {
	case '?':
		if (pat_single(ps, s, p, ep) &&
		    ((r = pat_match(ps, s + 1, ep + 1)) != NULL ||
		    ps->ps_error))
			return (r);
		return (pat_match(ps, s, ep + 1));
	case '+':
		if (!pat_single(ps, s, p, ep))
			return (NULL);
		return (pat_max_expand(ps, s + 1, p, ep));
	case '*':
		return (pat_max_expand(ps, s, p, ep));
	default:	/* '-' */
		return (pat_min_expand(ps, s, p, ep));
	}
}

/*
 * Where the pattern from p matches the subject from s up to, or NULL.
 * Plain items loop; captures and quantifiers recurse, so the depth
 * grows with those only.
 */
static const char *
pat_match(struct pat_state *ps, const char *s, const char *p)
{
	const char	*r = NULL, *ep;
	int		 prev, cur;

	if (++ps->ps_depth > PAT_MAXDEPTH) {
		ps->ps_error = 1;
		goto done;
	}
	for (;;) {
		if (++ps->ps_steps > PAT_MAXSTEPS) {
			ps->ps_error = 1;
			goto done;
		}
		if (p >= ps->ps_pend) {
			r = s;
			goto done;
		}
		switch (*p) {
		case '(':
			if (p + 1 < ps->ps_pend && p[1] == ')')
				r = pat_open(ps, s, p + 2, CAP_POSITION);
			else
				r = pat_open(ps, s, p + 1, CAP_OPEN);
			goto done;
		case ')':
			r = pat_close(ps, s, p + 1);
			goto done;
		case '$':
			if (p + 1 == ps->ps_pend) {
				r = s == ps->ps_srcend ? s : NULL;
				goto done;
			}
			break;
		case PAT_ESC:
			if (p[1] == 'b') {
				if ((s = pat_balance(ps, s, p + 2)) == NULL)
					goto done;
				p += 4;
				continue;
			}
			if (p[1] == 'f') {
				p += 2;
				ep = pat_class_end(ps, p);
				prev = s == ps->ps_src ? 0 :
				    (unsigned char)s[-1];
				cur = s < ps->ps_srcend ? (unsigned char)*s : 0;
				if (pat_in_set(prev, p, ep) ||
				    !pat_in_set(cur, p, ep))
					goto done;
				p = ep;
				continue;
			}
			if (isdigit((unsigned char)p[1])) {
				if ((s = pat_backref(ps, s, p[1] - '1')) ==
				    NULL)
					goto done;
				p += 2;
				continue;
			}
			break;
		default:
			break;
		}
		ep = pat_class_end(ps, p);
		if (ep < ps->ps_pend && strchr("*+-?", *ep) != NULL) {
			r = pat_item(ps, s, p, ep);
			goto done;
		}
		if (!pat_single(ps, s, p, ep))
			goto done;
		s++;
		p = ep;
	}
 done:
	ps->ps_depth--;
	return (r);
}

int
flt_pattern(const char *pattern, const char *s)
{
	struct pat_state	 ps;
	const char		*p = pattern, *pend, *r;
	int			 anchor;

	pend = pattern + strlen(pattern);
	if (pat_check(pattern, pend) == -1)
		return (-1);
	memset(&ps, 0, sizeof(ps));
	ps.ps_src = s;
	ps.ps_srcend = s + strlen(s);
	ps.ps_pend = pend;
	if ((anchor = (*p == '^')))
		p++;
	do {
		ps.ps_level = 0;
		ps.ps_depth = 0;
		r = pat_match(&ps, s, p);
		if (ps.ps_error)
			return (-1);
		if (r != NULL)
			return (1);
	} while (s++ < ps.ps_srcend && !anchor);
	return (0);
}
