/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

#ifndef RELAYD_FILTER_H
#define RELAYD_FILTER_H

/*
 * A protocol's filter rules (spec section 9, FLT-1..26) run against one
 * request or response head, without I/O: rules in order, the last
 * matching pass/block decides unless a quick one matched first, match
 * rules only act; entity actions edit the head, feed the hash, add to
 * the log; tag and label stick to the session.
 */

#include <sys/socket.h>

#include <stdint.h>

#include "conf_l7.h"
#include "http.h"

#define FLT_TAGLEN	RELAYD_NAMELEN
#define FLT_LABELLEN	RELAYD_STRLEN
#define FLT_LOGLEN	2048

/* Keys of a `file "path"` rule: read by the parent at load, since relay
 * processes open no file; one list per rule and type. */
struct flt_keys {
	const struct rd_rule	*k_rule;
	enum rule_kvtype	 k_type;
	char			**k_keys;
	int			 k_nkeys;
};

/* What the rules see of the session and keep across its requests. */
struct flt_session {
	struct sockaddr_storage	 s_client;	/* FLT-5 from, $REMOTE_* */
	struct sockaddr_storage	 s_server;	/* FLT-5 to, $SERVER_* */
	const char		*s_server_name;	/* $SERVER_NAME (relay) */
	int			 s_timeout;	/* $TIMEOUT */
	char			 s_tag[FLT_TAGLEN];	/* sticky, "" = none */
	char			 s_label[FLT_LABELLEN];	/* sticky */
	const struct flt_keys	*s_keys;	/* file keys, may be NULL */
	int			 s_nkeys;
};

/* The outcome for one head. */
struct flt_result {
	int		 r_block;		/* close (or 403 page) */
	const char	*r_table;		/* forward to <table>, or NULL */
	int		 r_hashed;		/* some rule fed the hash */
	uint32_t	 r_hash;
	char		 r_log[FLT_LOGLEN];	/* "[key: value]..." */
	int		 r_rule_line;		/* deciding rule's line, 0 */
};

/*
 * Runs rules (a protocol's, both directions; only those of the head's
 * direction apply) on msg.  Edits msg in place (append/set/remove,
 * path strip), updates s's tag and label, fills res.  Returns 0, or -1
 * when an edit does not fit the message (the caller answers 500).
 */
int	 flt_eval(const struct rd_rules *, struct http_msg *,
	    struct flt_session *, struct flt_result *);

/* Lua-style pattern match (FLT-24, patterns(7)): 1 on a match anywhere
 * in s ('^' anchors), 0 if none, -1 on a malformed pattern. */
int	 flt_pattern(const char *pattern, const char *s);

/* The macros of FLT-25 expanded into out; 0, or -1 if it does not fit. */
int	 flt_expand(const char *in, const struct http_msg *,
	    const struct flt_session *, char *out, size_t outlen);

#endif /* RELAYD_FILTER_H */
