/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

#ifndef HAKIT_CFGLEX_H
#define HAKIT_CFGLEX_H

/*
 * The lexer shared by every daemon's parse.y.
 *
 * Why by hand: OpenBSD writes yylex() by hand in each parse.y, because
 * what its grammars need is not what lex offers: a macro ("$name") is
 * re-lexed in place, "include" stacks files with a line number each,
 * keywords come from a sorted table, a newline is a token, and a word
 * made of digits only is a NUMBER.  With flex all of that would still be
 * hand-written around a second generated file per daemon, whose scanner
 * keeps globals unless built reentrant.  OpenBSD copies its lexer into
 * each grammar; five copies would drift, so hakit keeps one here.  It
 * uses libc only (no lib/log), holds all its state in struct cfglex, and
 * so can be fuzzed and run many times over in one process.
 *
 * Tokens:
 *	word		a run of letters, digits and punctuation other than
 *			( ) { } < > ! = # , " ' ; it is a keyword when the
 *			caller's table has it, a number token when it is an
 *			optional '-' and digits only, a string token otherwise
 *	"..." '...'	a string token, never a keyword; \" (or \') and \\
 *			stand for the character, other backslashes are kept
 *	$name		the value of macro name, lexed again in place (a
 *			macro's text is not expanded a second time); an
 *			undefined macro is an error
 *	# ...		a comment up to the end of the line
 *	\ newline	joins two lines, also inside comments and strings
 *	newline		the token '\n'; the end of every file gives one too
 *			when its last line has none
 *	other		any other character is a token of its own: { } = ,
 *
 * Limits: a token holds at most CFGLEX_MAXTOKEN bytes, includes nest at
 * most CFGLEX_MAXDEPTH deep, a NUL byte ends the file with an error.
 * Each error is "file:line: message" through the caller's function and is
 * counted; after a lexer error the token is the caller's error token, on
 * which the grammar fails quietly (cfglex_syntax_error() knows not to say
 * more) and recovers at the end of the line.
 *
 * Include policy: cfglex_include() only works below a file opened by path
 * (cfglex_push_path()).  A configuration read from a stream (a pipe, or
 * fmemopen() in the fuzzers and tests) refuses every include, so hostile
 * input cannot make the parser read files.  A relative include path is
 * taken from the directory of the file that includes it.
 *
 * Memory: the text of every token lives in an arena owned by the lexer
 * until cfglex_close(), which zeroes it (it may hold passphrases).  The
 * grammar copies what it keeps and never frees a token, so error recovery
 * discarding tokens leaks nothing.
 *
 * How a grammar uses it (byacc or bison, reentrant; carpd/parse.y is a
 * complete example):
 *
 *	%pure-parser
 *	%parse-param { struct parse *p }
 *	%lex-param { struct parse *p }
 *	%token FOO BAR INCLUDE STRING NUMBER ERROR
 *
 *	static const struct cfglex_keyword keywords[] = {
 *		{ "bar", BAR }, { "foo", FOO }, { "include", INCLUDE }
 *	};				(sorted by strcmp)
 *
 *	cfglex_init(&p->lx, keywords, nitems(keywords), STRING, NUMBER,
 *	    ERROR, errfn, arg);
 *	cfglex_push_path(&p->lx, path, NULL);	(or cfglex_push_stream)
 *	yyparse(p);
 *	nerrors = cfglex_errors(&p->lx);
 *	cfglex_close(&p->lx);
 *
 *	yylex(): tok = cfglex_next(&p->lx, &t); copy t into *lval.
 *	yyerror(): cfglex_syntax_error(&p->lx).
 *	macros:  varset: STRING '=' STRING
 *	    { cfglex_macro_set(&p->lx, $1, $3, &pos); }
 *	include: grammar: grammar INCLUDE STRING '\n'
 *	    { cfglex_include(&p->lx, $3, &pos); }  (reduced on the newline,
 *	    so the included file's lines follow as lines of their own)
 *	errors:  grammar: grammar error '\n' { yyerrok; }
 *	    and cfglex_error(&p->lx, &pos, "advskew expects 0-254, got '%s'", s)
 */

#include <stdint.h>
#include <stdio.h>

#define CFGLEX_MAXTOKEN		1024	/* bytes in one token */
#define CFGLEX_MAXDEPTH		8	/* files open at once, includes */
#define CFGLEX_MAXMSG		1024	/* bytes in one message */
#define CFGLEX_UNGET		(CFGLEX_MAXTOKEN + 16)

/* Where a token was read: the file name lives until cfglex_close(). */
struct cfglex_pos {
	const char	*p_file;
	int		 p_line;
};

/* One keyword and the grammar's token for it; tables sorted by name. */
struct cfglex_keyword {
	const char	*kw_name;
	int		 kw_token;
};

/* What cfglex_next() read. */
struct cfglex_token {
	int		 t_type;	/* as returned */
	const char	*t_str;		/* text (words, strings, numbers,
					   keywords), "" otherwise; arena */
	long long	 t_num;		/* number tokens */
	struct cfglex_pos t_pos;
};

/* Receives one whole "file:line: message" line, without a newline. */
typedef void cfglex_errfn(void *arg, const char *msg);

struct cfglex_file {
	FILE		*lf_fp;
	const char	*lf_name;	/* arena */
	int		 lf_line;
	int		 lf_close;	/* opened here, fclose() on pop */
	int		 lf_eof;
	uint16_t	 lf_unget[CFGLEX_UNGET]; /* pushback, LIFO */
	int		 lf_nunget;
};

struct cfglex_macro;
struct cfglex_str;

struct cfglex {
	const struct cfglex_keyword *cl_kw;
	size_t		 cl_nkw;
	int		 cl_tstring;
	int		 cl_tnumber;
	int		 cl_terror;
	cfglex_errfn	*cl_err;
	void		*cl_arg;

	struct cfglex_file cl_files[CFGLEX_MAXDEPTH];
	int		 cl_depth;
	int		 cl_includes;	/* allowed: bottom file has a path */
	struct cfglex_macro *cl_macros;
	struct cfglex_str *cl_arena;
	struct cfglex_token cl_last;	/* the last token returned */
	int		 cl_errors;
	int		 cl_oom;
	char		 cl_buf[CFGLEX_MAXTOKEN + 1];
};

/*
 * Sets up an empty lexer: kw (nkw entries, sorted by strcmp; the table is
 * borrowed and must outlive the lexer), the grammar's tokens for strings,
 * numbers and lexer errors, and where messages go.  Returns 0, or -1 when
 * the table is not sorted (a programming error).
 */
int	 cfglex_init(struct cfglex *, const struct cfglex_keyword *kw,
	    size_t nkw, int tstring, int tnumber, int terror,
	    cfglex_errfn *err, void *arg);

/*
 * Opens path and reads from it until its end.  The first file pushed by
 * path allows includes.  from (NULL for the first file) is where an error
 * is reported.  Returns 0, or -1 after reporting the error.
 */
int	 cfglex_push_path(struct cfglex *, const char *path,
	    const struct cfglex_pos *from);

/* Reads from a borrowed stream named name in messages; no includes. */
int	 cfglex_push_stream(struct cfglex *, FILE *, const char *name);

/*
 * Pushes the file an include names (relative to the including file), if
 * includes are allowed and the depth limit is not reached.  Returns 0,
 * or -1 after reporting the error at pos.
 */
int	 cfglex_include(struct cfglex *, const char *path,
	    const struct cfglex_pos *pos);

/* Reads the next token into t; returns its type, 0 at the very end. */
int	 cfglex_next(struct cfglex *, struct cfglex_token *t);

/* The last token cfglex_next() returned. */
const struct cfglex_token *cfglex_last(const struct cfglex *);

/*
 * Defines (or redefines) macro name, whose name must be letters, digits
 * and '_' only.  Both strings are copied.  Returns 0, or -1 after
 * reporting the error at pos.
 */
int	 cfglex_macro_set(struct cfglex *, const char *name, const char *value,
	    const struct cfglex_pos *pos);
/* The value of a macro, or NULL. */
const char *cfglex_macro_get(const struct cfglex *, const char *name);

/* The keyword's token in a sorted table, or -1. */
int	 cfglex_lookup(const struct cfglex_keyword *, size_t, const char *);

/*
 * Reports "file:line: message" at pos (the last token's position when
 * NULL) and counts an error.  Control characters in the message are
 * shown as '?'.
 */
void	 cfglex_error(struct cfglex *, const struct cfglex_pos *,
	    const char *fmt, ...) __attribute__((__format__ (printf, 3, 4)));
/* The same, not counted: a warning. */
void	 cfglex_warn(struct cfglex *, const struct cfglex_pos *,
	    const char *fmt, ...) __attribute__((__format__ (printf, 3, 4)));

/*
 * For yyerror(): reports "syntax error near 'x'" (or "at end of line",
 * "at end of file") at the last token, unless that token was the error
 * token of a problem the lexer has already reported.
 */
void	 cfglex_syntax_error(struct cfglex *);

/* Errors counted so far. */
int	 cfglex_errors(const struct cfglex *);

/* Closes the files, zeroes and frees every token, macro and name. */
void	 cfglex_close(struct cfglex *);

#endif /* HAKIT_CFGLEX_H */
