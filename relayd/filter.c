/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * The filter rules of spec section 9 on one HTTP head, without I/O.
 *
 * Rules of the head's direction run in order.  A rule matches when all
 * its conditions hold: family, from/to, method, tagged, and every entity
 * it names (append and set need no match: they create).  The actions of
 * every matching rule (match, pass and block alike) apply at once, so a
 * later rule sees the head as edited, the tag and label as set; the last
 * matching pass or block decides, a quick one at once, default pass.  A
 * block does not stop the walk (a later pass may still win); its edits
 * go nowhere since the head is not forwarded, but tag and label stay for
 * the error page and the log.
 *
 * Case (FLT-26): header names, cookie names and values, and url lookups
 * compare without case; header values, path and query with case; the
 * `pattern` keys and values always with case.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>
#include <ctype.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "filter.h"

#define FNV_BASIS		2166136261U
#define FNV_PRIME		16777619U
#define FLT_URLHOSTS		4	/* shorter hosts looked up, FLT-14 */
#define FLT_URLPREFIXES		4	/* "/", "/a/", "/a/b/", "/a/b/c/" */
#define FLT_URLMAX		(2 + (1 + FLT_URLHOSTS) * FLT_URLPREFIXES)
#define FLT_MACROLEN		(INET6_ADDRSTRLEN + 16)

/* One head under one rule. */
struct flt_ctx {
	const struct rd_rule	*c_rule;
	struct http_msg		*c_msg;
	struct flt_session	*c_s;
	struct flt_result	*c_res;
};

/* The url lookups of FLT-14, each allocated. */
struct flt_urls {
	char		*u_str[FLT_URLMAX];
	int		 u_n;
};

static int	 addr_in(const struct addr *, const struct sockaddr_storage *);
static int	 glob_match(const char *, const char *, int);
static int	 name_eq(const char *, const char *, int);
static int	 digest_match(const char *, const char *);
static int	 key_match(const struct flt_ctx *, const struct rd_rule_kv *,
		    enum rule_kvtype, const char *, int);
static int	 value_match(const struct flt_ctx *, const struct rd_rule_kv *,
		    const char *, int);
static int	 ent_match(const struct flt_ctx *, const struct rd_rule_kv *,
		    enum rule_kvtype, const char *, const char *);
static char	*expand_new(const struct flt_ctx *, const char *);
static void	 res_hash(struct flt_result *, const char *);
static void	 res_log(struct flt_result *, const char *, const char *);
static int	 ent_act(const struct flt_ctx *, const struct rd_rule_kv *,
		    const char *, const char *);
static int	 pair_next(char **, int, char **, char **);
static char	*cookie_list(const struct http_msg *);
static int	 pairs_edit(const struct flt_ctx *, const struct rd_rule_kv *,
		    enum rule_kvtype, const char *, char **, int *);
static int	 hdr_live(const struct http_msg *, int, const char *);
static int	 hdr_framing(const char *);
static int	 kv_header(const struct flt_ctx *, const struct rd_rule_kv *,
		    int);
static int	 kv_cookie_req(const struct flt_ctx *,
		    const struct rd_rule_kv *, int);
static int	 kv_cookie_resp(const struct flt_ctx *,
		    const struct rd_rule_kv *, int);
static int	 kv_path(const struct flt_ctx *, const struct rd_rule_kv *,
		    int);
static int	 kv_query(const struct flt_ctx *, const struct rd_rule_kv *,
		    int);
static void	 url_free(struct flt_urls *);
static int	 url_add(struct flt_urls *, const char *, const char *,
		    size_t, const char *);
static int	 url_lookups(const struct http_msg *, struct flt_urls *);
static int	 kv_url(const struct flt_ctx *, const struct rd_rule_kv *,
		    int);
static int	 kv_run(const struct flt_ctx *, enum rule_kvtype, int);
static int	 path_strip(struct http_msg *, int);
static int	 rule_match(const struct flt_ctx *);
static int	 rule_apply(const struct flt_ctx *);
static void	 macro_addr(const struct sockaddr_storage *, int, char *,
		    size_t);

/* Whether the address in ss lies in a (a_plen -1: the host itself). */
static int
addr_in(const struct addr *a, const struct sockaddr_storage *ss)
{
	const uint8_t	*p;
	int		 plen, bits, i;
	uint8_t		 mask;

	if (a->a_af != ss->ss_family)
		return (0);
	if (ss->ss_family == AF_INET) {
		p = (const uint8_t *)
		    &((const struct sockaddr_in *)ss)->sin_addr;
		bits = 32;
	} else if (ss->ss_family == AF_INET6) {
		p = (const uint8_t *)
		    &((const struct sockaddr_in6 *)ss)->sin6_addr;
		bits = 128;
	} else
		return (0);
	plen = a->a_plen < 0 || a->a_plen > bits ? bits : a->a_plen;
	for (i = 0; plen >= 8; i++, plen -= 8)
		if (p[i] != a->a_u.raw[i])
			return (0);
	if (plen > 0) {
		mask = (uint8_t)(0xff << (8 - plen));
		if ((p[i] & mask) != (a->a_u.raw[i] & mask))
			return (0);
	}
	return (1);
}

/* glob(7) test (FLT-23); fold compares without case. */
static int
glob_match(const char *pattern, const char *s, int fold)
{
	return (fnmatch(pattern, s, fold ? FNM_CASEFOLD : 0) == 0);
}

static int
name_eq(const char *a, const char *b, int fold)
{
	return ((fold ? strcasecmp(a, b) : strcmp(a, b)) == 0);
}

/* FLT-22: hex is the SHA1 (40 digits) or MD5 (32) of s. */
static int
digest_match(const char *hex, const char *s)
{
	unsigned char	 md[EVP_MAX_MD_SIZE];
	char		 out[2 * EVP_MAX_MD_SIZE + 1];
	const EVP_MD	*type;
	unsigned int	 mdlen, i;
	size_t		 len = strlen(hex);

	if (len == 40)
		type = EVP_sha1();
	else if (len == 32)
		type = EVP_md5();
	else
		return (0);
	if (EVP_Digest(s, strlen(s), md, &mdlen, type, NULL) != 1)
		return (0);
	for (i = 0; i < mdlen; i++)
		(void)snprintf(out + 2 * i, 3, "%02x", md[i]);
	return (strcasecmp(out, hex) == 0);
}

/* The rule's key of this kind against an entity's key. */
static int
key_match(const struct flt_ctx *c, const struct rd_rule_kv *kv,
    enum rule_kvtype type, const char *key, int fold)
{
	const struct flt_keys	*k;
	int			 i, j;

	switch (kv->kv_keykind) {
	case KEY_NONE:
		return (1);
	case KEY_NAME:
		return (glob_match(kv->kv_key, key, fold));
	case KEY_FILE:
		for (i = 0; i < c->c_s->s_nkeys; i++) {
			k = &c->c_s->s_keys[i];
			if (k->k_rule != c->c_rule || k->k_type != type)
				continue;
			for (j = 0; j < k->k_nkeys; j++)
				if (name_eq(k->k_keys[j], key, fold))
					return (1);
		}
		return (0);
	case KEY_DIGEST:
		return (digest_match(kv->kv_key, key));
	case KEY_PATTERN:
		return (flt_pattern(kv->kv_key, key) == 1);
	}
	return (0);
}

/* The value test: glob, "*" when absent; a log value takes macros. */
static int
value_match(const struct flt_ctx *c, const struct rd_rule_kv *kv,
    const char *value, int fold)
{
	char	*pat;
	int	 r;

	if (!kv->kv_hasvalue)
		return (1);
	if (kv->kv_keykind == KEY_PATTERN)
		return (flt_pattern(kv->kv_value, value) == 1);
	if (kv->kv_action != KVA_LOG || strchr(kv->kv_value, '$') == NULL)
		return (glob_match(kv->kv_value, value, fold));
	if ((pat = expand_new(c, kv->kv_value)) == NULL)
		return (0);
	r = glob_match(pat, value, fold);
	free(pat);
	return (r);
}

/* One entity (key, value) of the given type against the rule's test. */
static int
ent_match(const struct flt_ctx *c, const struct rd_rule_kv *kv,
    enum rule_kvtype type, const char *key, const char *value)
{
	int	 kfold, vfold;

	kfold = type == KV_HEADER || type == KV_COOKIE || type == KV_URL;
	vfold = type == KV_COOKIE || type == KV_URL;
	if (!key_match(c, kv, type, key, kfold))
		return (0);
	return (value_match(c, kv, value, vfold));
}

/* The value of append/set with its macros, allocated; NULL if none. */
static char *
expand_new(const struct flt_ctx *c, const char *in)
{
	const char	*host;
	char		*out;
	size_t		 len, n = 0, each;

	host = http_str(c->c_msg, c->c_msg->m_host);
	each = strlen(host);
	if (c->c_s->s_server_name != NULL &&
	    strlen(c->c_s->s_server_name) > each)
		each = strlen(c->c_s->s_server_name);
	if (each < FLT_MACROLEN)
		each = FLT_MACROLEN;
	for (len = 0; in[len] != '\0'; len++)
		if (in[len] == '$')
			n++;
	len += n * each + 1;
	if ((out = malloc(len)) == NULL)
		return (NULL);
	if (flt_expand(in, c->c_msg, c->c_s, out, len) == -1) {
		free(out);
		return (NULL);
	}
	return (out);
}

/* FLT-18: FNV-1a over the value, carried across rules. */
static void
res_hash(struct flt_result *res, const char *s)
{
	if (!res->r_hashed) {
		res->r_hash = FNV_BASIS;
		res->r_hashed = 1;
	}
	for (; *s != '\0'; s++) {
		res->r_hash ^= (unsigned char)*s;
		res->r_hash *= FNV_PRIME;
	}
}

/* FLT-19: "[key: value]", whole entries only while they fit. */
static void
res_log(struct flt_result *res, const char *key, const char *value)
{
	size_t	 used = strlen(res->r_log);
	int	 n;

	n = snprintf(res->r_log + used, sizeof(res->r_log) - used,
	    "[%s: %s]", key, value);
	if (n < 0 || (size_t)n >= sizeof(res->r_log) - used)
		res->r_log[used] = '\0';
}

/* hash and log on one matched entity; the other actions are the type's. */
static int
ent_act(const struct flt_ctx *c, const struct rd_rule_kv *kv,
    const char *key, const char *value)
{
	if (kv->kv_action == KVA_HASH)
		res_hash(c->c_res, value);
	else if (kv->kv_action == KVA_LOG)
		res_log(c->c_res, key, value);
	return (0);
}

/*
 * The next "k=v" of a list cut in place at sep (';' for cookies, whose
 * entries are trimmed, '&' for a query).  Returns 0 at the end.
 */
static int
pair_next(char **cur, int sep, char **key, char **value)
{
	char	*p, *e, *eq;
	size_t	 len;

	while ((p = *cur) != NULL) {
		if ((e = strchr(p, sep)) != NULL)
			*e++ = '\0';
		*cur = e;
		if (sep == ';') {
			p += strspn(p, " \t");
			len = strlen(p);
			while (len > 0 && (p[len - 1] == ' ' ||
			    p[len - 1] == '\t'))
				p[--len] = '\0';
		}
		if (*p == '\0')
			continue;
		if ((eq = strchr(p, '=')) != NULL) {
			*eq = '\0';
			*value = eq + 1;
		} else
			*value = p + strlen(p);
		*key = p;
		return (1);
	}
	return (0);
}

static int
hdr_live(const struct http_msg *msg, int i, const char *name)
{
	return (!msg->m_hdrs[i].h_removed &&
	    strcasecmp(http_hdr_name(msg, i), name) == 0);
}

/*
 * The framing headers stay, as http_hdr_remove() keeps them: the parser
 * alone decides how the body is read.
 */
static int
hdr_framing(const char *name)
{
	return (strcasecmp(name, "Content-Length") == 0 ||
	    strcasecmp(name, "Transfer-Encoding") == 0);
}

/* The Cookie headers of a request joined with "; ", allocated. */
static char *
cookie_list(const struct http_msg *msg)
{
	char	*s;
	size_t	 len = 1;
	int	 i;

	for (i = 0; i < msg->m_nhdrs; i++)
		if (hdr_live(msg, i, "Cookie"))
			len += strlen(http_hdr_value(msg, i)) + 2;
	if ((s = malloc(len)) == NULL)
		return (NULL);
	s[0] = '\0';
	for (i = 0; i < msg->m_nhdrs; i++) {
		if (!hdr_live(msg, i, "Cookie"))
			continue;
		if (s[0] != '\0')
			(void)strlcat(s, "; ", len);
		(void)strlcat(s, http_hdr_value(msg, i), len);
	}
	return (s);
}

/*
 * Applies the rule's action to a pair list (request cookies, query):
 * remove drops matching pairs, set replaces the value of pairs named
 * by the key (or adds one), append adds one; hash and log act on the
 * matching pairs.  *out gets the new list (allocated) when *changed.
 */
static int
pairs_edit(const struct flt_ctx *c, const struct rd_rule_kv *kv,
    enum rule_kvtype type, const char *list, char **out, int *changed)
{
	char		*work, *cur, *key, *value, *nv = NULL, *o;
	const char	*joiner = type == KV_COOKIE ? "; " : "&";
	int		 sep = type == KV_COOKIE ? ';' : '&';
	int		 fold = type == KV_COOKIE, found = 0, haseq;
	size_t		 len, npairs = 1, i;

	*out = NULL;
	*changed = 0;
	if ((kv->kv_action == KVA_SET || kv->kv_action == KVA_APPEND) &&
	    (nv = expand_new(c, kv->kv_value)) == NULL)
		return (-1);
	for (i = 0; list[i] != '\0'; i++)
		if (list[i] == sep)
			npairs++;
	/* each pair may take the new value, each joiner two bytes */
	len = 2 * strlen(list) + (npairs + 1) * (strlen(kv->kv_key) +
	    (nv != NULL ? strlen(nv) : 0) + 3) + 1;
	if ((work = strdup(list)) == NULL || (o = malloc(len)) == NULL) {
		free(work);
		free(nv);
		return (-1);
	}
	o[0] = '\0';
	cur = work;
	while (pair_next(&cur, sep, &key, &value)) {
		haseq = value != key + strlen(key);
		if (kv->kv_action == KVA_SET &&
		    name_eq(kv->kv_key, key, fold)) {
			found = 1;
			*changed = 1;
			value = nv;
			haseq = 1;
		} else if (kv->kv_action != KVA_APPEND &&
		    kv->kv_action != KVA_SET &&
		    ent_match(c, kv, type, key, value)) {
			if (kv->kv_action == KVA_REMOVE) {
				*changed = 1;
				continue;
			}
			(void)ent_act(c, kv, key, value);
		}
		if (o[0] != '\0')
			(void)strlcat(o, joiner, len);
		(void)strlcat(o, key, len);
		if (haseq) {
			(void)strlcat(o, "=", len);
			(void)strlcat(o, value, len);
		}
	}
	if (kv->kv_action == KVA_APPEND ||
	    (kv->kv_action == KVA_SET && !found)) {
		*changed = 1;
		if (o[0] != '\0')
			(void)strlcat(o, joiner, len);
		(void)strlcat(o, kv->kv_key, len);
		(void)strlcat(o, "=", len);
		(void)strlcat(o, nv, len);
	}
	free(work);
	free(nv);
	if (*changed)
		*out = o;
	else
		free(o);
	return (0);
}

/* FLT-11: key = header name, value = field value. */
static int
kv_header(const struct flt_ctx *c, const struct rd_rule_kv *kv, int apply)
{
	struct http_msg	*msg = c->c_msg;
	char		*nv;
	int		 i, n = msg->m_nhdrs, r = 0;

	if (!apply) {
		if (kv->kv_action == KVA_APPEND || kv->kv_action == KVA_SET)
			return (1);
		for (i = 0; i < n; i++)
			if (!msg->m_hdrs[i].h_removed &&
			    ent_match(c, kv, KV_HEADER, http_hdr_name(msg, i),
			    http_hdr_value(msg, i)))
				return (1);
		return (0);
	}
	switch (kv->kv_action) {
	case KVA_APPEND:
	case KVA_SET:
		if ((nv = expand_new(c, kv->kv_value)) == NULL)
			return (-1);
		if (kv->kv_action == KVA_APPEND)
			r = http_hdr_append(msg, kv->kv_key, nv);
		else
			r = http_hdr_set(msg, kv->kv_key, nv);
		free(nv);
		return (r);
	default:
		for (i = 0; i < n; i++) {
			if (msg->m_hdrs[i].h_removed ||
			    !ent_match(c, kv, KV_HEADER, http_hdr_name(msg, i),
			    http_hdr_value(msg, i)))
				continue;
			if (kv->kv_action == KVA_REMOVE) {
				if (!hdr_framing(http_hdr_name(msg, i)))
					msg->m_hdrs[i].h_removed = 1;
			} else
				(void)ent_act(c, kv, http_hdr_name(msg, i),
				    http_hdr_value(msg, i));
		}
		return (0);
	}
}

/* FLT-10, request: the entries of the Cookie headers, one list. */
static int
kv_cookie_req(const struct flt_ctx *c, const struct rd_rule_kv *kv,
    int apply)
{
	struct http_msg	*msg = c->c_msg;
	char		*list, *cur, *key, *value, *out;
	int		 i, r = 0, changed, n = 0;

	if (!apply && (kv->kv_action == KVA_APPEND ||
	    kv->kv_action == KVA_SET))
		return (1);
	if ((list = cookie_list(msg)) == NULL)
		return (-1);
	if (!apply) {
		cur = list;
		while (r == 0 && pair_next(&cur, ';', &key, &value))
			r = ent_match(c, kv, KV_COOKIE, key, value);
		free(list);
		return (r);
	}
	r = pairs_edit(c, kv, KV_COOKIE, list, &out, &changed);
	free(list);
	if (r == -1 || !changed)
		return (r);
	for (i = 0; i < msg->m_nhdrs; i++)
		if (hdr_live(msg, i, "Cookie"))
			n++;
	if (n == 1 && out[0] != '\0')
		r = http_hdr_set(msg, "Cookie", out);
	else {
		for (i = 0; i < msg->m_nhdrs; i++)
			if (hdr_live(msg, i, "Cookie"))
				msg->m_hdrs[i].h_removed = 1;
		if (out[0] != '\0')
			r = http_hdr_append(msg, "Cookie", out);
	}
	free(out);
	return (r);
}

/*
 * FLT-10, response: each Set-Cookie is one entry, "k=v" before its
 * first ';'.  set rewrites the value and keeps the attributes (the
 * header moves to the end), append adds a header, remove drops it.
 */
static int
kv_cookie_resp(const struct flt_ctx *c, const struct rd_rule_kv *kv,
    int apply)
{
	struct http_msg	*msg = c->c_msg;
	char		*work, *attrs, *key, *value, *nv = NULL, *line;
	int		 i, n = msg->m_nhdrs, found = 0, hit, r = 0;
	size_t		 len;

	if (!apply && (kv->kv_action == KVA_APPEND ||
	    kv->kv_action == KVA_SET))
		return (1);
	if (apply && (kv->kv_action == KVA_APPEND ||
	    kv->kv_action == KVA_SET) &&
	    (nv = expand_new(c, kv->kv_value)) == NULL)
		return (-1);
	for (i = 0; i < n && r == 0; i++) {
		if (!hdr_live(msg, i, "Set-Cookie"))
			continue;
		if ((work = strdup(http_hdr_value(msg, i))) == NULL) {
			r = -1;
			break;
		}
		if ((attrs = strchr(work, ';')) != NULL)
			*attrs++ = '\0';
		value = NULL;
		line = work;
		if (!pair_next(&line, ';', &key, &value)) {
			free(work);
			continue;
		}
		if (kv->kv_action == KVA_SET || kv->kv_action == KVA_APPEND)
			hit = kv->kv_action == KVA_SET &&
			    name_eq(kv->kv_key, key, 1);
		else
			hit = ent_match(c, kv, KV_COOKIE, key, value);
		if (hit && !apply) {
			free(work);
			return (1);
		}
		if (hit && kv->kv_action == KVA_SET) {
			found = 1;
			msg->m_hdrs[i].h_removed = 1;
			len = strlen(key) + strlen(nv) +
			    (attrs != NULL ? strlen(attrs) + 1 : 0) + 2;
			if ((line = malloc(len)) == NULL)
				r = -1;
			else {
				(void)snprintf(line, len, "%s=%s%s%s", key, nv,
				    attrs != NULL ? ";" : "",
				    attrs != NULL ? attrs : "");
				r = http_hdr_append(msg, "Set-Cookie", line);
				free(line);
			}
		} else if (hit && kv->kv_action == KVA_REMOVE)
			msg->m_hdrs[i].h_removed = 1;
		else if (hit)
			(void)ent_act(c, kv, key, value);
		free(work);
	}
	if (!apply)
		return (0);
	if (r == 0 && (kv->kv_action == KVA_APPEND ||
	    (kv->kv_action == KVA_SET && !found))) {
		len = strlen(kv->kv_key) + strlen(nv) + 2;
		if ((line = malloc(len)) == NULL)
			r = -1;
		else {
			(void)snprintf(line, len, "%s=%s", kv->kv_key, nv);
			r = http_hdr_append(msg, "Set-Cookie", line);
			free(line);
		}
	}
	free(nv);
	return (r);
}

/*
 * FLT-12: key = path, value = the whole query.  The key is a condition
 * for every action: set replaces the path, append adds to it, remove
 * leaves "/".
 */
static int
kv_path(const struct flt_ctx *c, const struct rd_rule_kv *kv, int apply)
{
	struct http_msg	*msg = c->c_msg;
	const char	*path, *query;
	char		*nv, *np;
	size_t		 len;
	int		 r;

	path = http_str(msg, msg->m_path);
	query = msg->m_has_query ? http_str(msg, msg->m_query) : "";
	if (!apply) {
		if (!key_match(c, kv, KV_PATH, path, 0))
			return (0);
		if (kv->kv_action == KVA_APPEND || kv->kv_action == KVA_SET)
			return (1);
		return (value_match(c, kv, query, 0));
	}
	switch (kv->kv_action) {
	case KVA_SET:
	case KVA_APPEND:
		if ((nv = expand_new(c, kv->kv_value)) == NULL)
			return (-1);
		if (kv->kv_action == KVA_SET) {
			r = http_set_path(msg, nv);
			free(nv);
			return (r);
		}
		len = strlen(path) + strlen(nv) + 1;
		if ((np = malloc(len)) == NULL) {
			free(nv);
			return (-1);
		}
		(void)snprintf(np, len, "%s%s", path, nv);
		r = http_set_path(msg, np);
		free(np);
		free(nv);
		return (r);
	case KVA_REMOVE:
		return (http_set_path(msg, "/"));
	case KVA_HASH:
		res_hash(c->c_res, path);
		return (0);
	case KVA_LOG:
		res_log(c->c_res, path, query);
		return (0);
	default:
		return (0);
	}
}

/* FLT-13: one k=v pair of the query. */
static int
kv_query(const struct flt_ctx *c, const struct rd_rule_kv *kv, int apply)
{
	struct http_msg	*msg = c->c_msg;
	char		*list, *cur, *key, *value, *out;
	int		 r = 0, changed;

	if (!apply && (kv->kv_action == KVA_APPEND ||
	    kv->kv_action == KVA_SET))
		return (1);
	list = strdup(msg->m_has_query ? http_str(msg, msg->m_query) : "");
	if (list == NULL)
		return (-1);
	if (!apply) {
		cur = list;
		while (r == 0 && pair_next(&cur, '&', &key, &value))
			r = ent_match(c, kv, KV_QUERY, key, value);
		free(list);
		return (r);
	}
	r = pairs_edit(c, kv, KV_QUERY, list, &out, &changed);
	free(list);
	if (r == -1 || !changed)
		return (r);
	/* the last pair removed: no '?' left either */
	r = http_set_query(msg, out[0] != '\0' ? out : NULL);
	free(out);
	return (r);
}

static void
url_free(struct flt_urls *u)
{
	int	 i;

	for (i = 0; i < u->u_n; i++) {
		free(u->u_str[i]);
		u->u_str[i] = NULL;
	}
	u->u_n = 0;
}

/* Adds host + the first plen bytes of path [+ "?" query], once. */
static int
url_add(struct flt_urls *u, const char *host, const char *path,
    size_t plen, const char *query)
{
	char	*s;
	size_t	 len;
	int	 i;

	if (u->u_n >= FLT_URLMAX)
		return (0);
	len = strlen(host) + plen + (query != NULL ? strlen(query) + 1 : 0) +
	    1;
	if ((s = malloc(len)) == NULL)
		return (-1);
	(void)snprintf(s, len, "%s%.*s%s%s", host, (int)plen, path,
	    query != NULL ? "?" : "", query != NULL ? query : "");
	for (i = 0; i < u->u_n; i++)
		if (strcmp(u->u_str[i], s) == 0) {
			free(s);
			return (0);
		}
	u->u_str[u->u_n++] = s;
	return (0);
}

/*
 * FLT-14: canonical host (lower case, no port, no final dot) + path:
 * the URL with its query, without it, then for the host and up to 4
 * shorter hosts (of at most 5 labels, at least 2; none for an address)
 * the prefixes "/", "/a/", "/a/b/", "/a/b/c/".  0 or -1.
 */
static int
url_lookups(const struct http_msg *msg, struct flt_urls *u)
{
	const char	*hosts[1 + FLT_URLHOSTS], *path, *p;
	size_t		 plens[FLT_URLPREFIXES], len;
	char		 host[256];
	int		 nhosts = 0, nlabels = 0, nprefix = 0, i, j, skip;

	memset(u, 0, sizeof(*u));
	if (!msg->m_request || msg->m_host == 0)
		return (0);
	len = strlcpy(host, http_str(msg, msg->m_host), sizeof(host));
	if (len >= sizeof(host) || len == 0)
		return (0);
	if (host[len - 1] == '.')
		host[--len] = '\0';
	if (len == 0)
		return (0);
	for (i = 0; host[i] != '\0'; i++)
		host[i] = (char)tolower((unsigned char)host[i]);
	path = http_str(msg, msg->m_path);
	if (path[0] != '/')
		path = "/";

	hosts[nhosts++] = host;
	if (strspn(host, "0123456789.") != len && strchr(host, ':') == NULL &&
	    host[0] != '[') {
		for (i = 0; host[i] != '\0'; i++)
			if (host[i] == '.')
				nlabels++;
		nlabels++;
		/* the last k labels, k from min(nlabels - 1, 5) down to 2 */
		skip = nlabels - 1 > 5 ? nlabels - 5 : 1;
		for (p = host, i = 0; nlabels >= 3 && i < skip; i++)
			p = strchr(p, '.') + 1;
		for (; nlabels >= 3 && nlabels - skip >= 2 &&
		    nhosts < 1 + FLT_URLHOSTS; skip++) {
			hosts[nhosts++] = p;
			p = strchr(p, '.') + 1;
		}
	}
	for (p = path; nprefix < FLT_URLPREFIXES; p++) {
		if (*p == '/')
			plens[nprefix++] = (size_t)(p - path) + 1;
		if (*p == '\0')
			break;
	}

	if ((msg->m_has_query && url_add(u, host, path, strlen(path),
	    http_str(msg, msg->m_query)) == -1) ||
	    url_add(u, host, path, strlen(path), NULL) == -1)
		goto fail;
	for (i = 0; i < nhosts; i++)
		for (j = 0; j < nprefix; j++)
			if (url_add(u, hosts[i], path, plens[j], NULL) == -1)
				goto fail;
	return (0);
 fail:
	url_free(u);
	return (-1);
}

/* FLT-14: the first matching lookup is the entity; value = query. */
static int
kv_url(const struct flt_ctx *c, const struct rd_rule_kv *kv, int apply)
{
	struct flt_urls	 u;
	const char	*query;
	int		 i, r = 0;

	if (url_lookups(c->c_msg, &u) == -1)
		return (-1);
	query = c->c_msg->m_has_query ?
	    http_str(c->c_msg, c->c_msg->m_query) : "";
	for (i = 0; i < u.u_n; i++) {
		if (!ent_match(c, kv, KV_URL, u.u_str[i], query))
			continue;
		r = 1;
		if (apply && kv->kv_action == KVA_HASH)
			res_hash(c->c_res, u.u_str[i]);
		else if (apply)
			(void)ent_act(c, kv, u.u_str[i], query);
		break;
	}
	url_free(&u);
	return (apply ? 0 : r);
}

/* Tests (apply 0: 1 match, 0 none, -1 error) or acts (0 or -1). */
static int
kv_run(const struct flt_ctx *c, enum rule_kvtype type, int apply)
{
	const struct rd_rule_kv	*kv = &c->c_rule->ru_kv[type];
	int			 req = c->c_msg->m_request;

	switch (type) {
	case KV_HEADER:
		return (kv_header(c, kv, apply));
	case KV_COOKIE:
		return (req ? kv_cookie_req(c, kv, apply) :
		    kv_cookie_resp(c, kv, apply));
	case KV_PATH:
		return (req ? kv_path(c, kv, apply) : 0);
	case KV_QUERY:
		return (req ? kv_query(c, kv, apply) : 0);
	case KV_URL:
		return (req ? kv_url(c, kv, apply) : 0);
	default:
		return (0);
	}
}

/* FLT-20: drops the first n components of the path. */
static int
path_strip(struct http_msg *msg, int n)
{
	const char	*p;
	char		*np;
	int		 i, r;

	p = http_str(msg, msg->m_path);
	for (i = 0; i < n && *p != '\0'; i++) {
		p += strspn(p, "/");
		p += strcspn(p, "/");
	}
	if ((np = strdup(*p == '/' ? p : "/")) == NULL)
		return (-1);
	r = http_set_path(msg, np);
	free(np);
	return (r);
}

/* Whether every condition of the rule holds (no side effect). */
static int
rule_match(const struct flt_ctx *c)
{
	const struct rd_rule	*ru = c->c_rule;
	const struct http_msg	*msg = c->c_msg;
	const struct flt_session *s = c->c_s;
	int			 t;

	if (ru->ru_response == msg->m_request)
		return (0);
	if (ru->ru_af != 0 && s->s_client.ss_family != ru->ru_af)
		return (0);
	if (ru->ru_hasfrom && !addr_in(&ru->ru_from, &s->s_client))
		return (0);
	if (ru->ru_hasto && !addr_in(&ru->ru_to, &s->s_server))
		return (0);
	if (ru->ru_method[0] != '\0' && strcmp(ru->ru_method,
	    msg->m_method) != 0)
		return (0);
	if (ru->ru_tagged[0] != '\0' && strcmp(ru->ru_tagged, s->s_tag) != 0)
		return (0);
	for (t = 0; t < KV_NTYPES; t++)
		if (ru->ru_kv[t].kv_set &&
		    kv_run(c, (enum rule_kvtype)t, 0) != 1)
			return (0);
	return (1);
}

/* The actions of a matching rule. */
static int
rule_apply(const struct flt_ctx *c)
{
	const struct rd_rule	*ru = c->c_rule;
	struct flt_session	*s = c->c_s;
	int			 t;

	for (t = 0; t < KV_NTYPES; t++)
		if (ru->ru_kv[t].kv_set &&
		    ru->ru_kv[t].kv_action != KVA_TEST &&
		    kv_run(c, (enum rule_kvtype)t, 1) == -1)
			return (-1);
	if (ru->ru_strip > 0 && c->c_msg->m_request &&
	    path_strip(c->c_msg, ru->ru_strip) == -1)
		return (-1);
	if (ru->ru_notag)
		s->s_tag[0] = '\0';
	if (ru->ru_tag[0] != '\0')
		(void)strlcpy(s->s_tag, ru->ru_tag, sizeof(s->s_tag));
	if (ru->ru_nolabel)
		s->s_label[0] = '\0';
	if (ru->ru_label[0] != '\0')
		(void)strlcpy(s->s_label, ru->ru_label, sizeof(s->s_label));
	if (ru->ru_table[0] != '\0')
		c->c_res->r_table = ru->ru_table;
	return (0);
}

int
flt_eval(const struct rd_rules *rules, struct http_msg *msg,
    struct flt_session *s, struct flt_result *res)
{
	const struct rd_rule	*ru;
	struct flt_ctx		 c;

	memset(res, 0, sizeof(*res));
	c.c_msg = msg;
	c.c_s = s;
	c.c_res = res;
	TAILQ_FOREACH(ru, rules, ru_entry) {
		c.c_rule = ru;
		if (!rule_match(&c))
			continue;
		if (rule_apply(&c) == -1)
			return (-1);
		if (ru->ru_action != RULE_MATCH) {
			res->r_block = ru->ru_action == RULE_BLOCK;
			res->r_rule_line = ru->ru_line;
		}
		if (ru->ru_quick)
			break;
	}
	return (0);
}

/* The text of an address or port of ss for the macros; "" if none. */
static void
macro_addr(const struct sockaddr_storage *ss, int port, char *buf,
    size_t len)
{
	const struct sockaddr_in	*sin;
	const struct sockaddr_in6	*sin6;

	buf[0] = '\0';
	if (ss->ss_family == AF_INET) {
		sin = (const struct sockaddr_in *)ss;
		if (port)
			(void)snprintf(buf, len, "%u", ntohs(sin->sin_port));
		else if (inet_ntop(AF_INET, &sin->sin_addr, buf,
		    (socklen_t)len) == NULL)
			buf[0] = '\0';
	} else if (ss->ss_family == AF_INET6) {
		sin6 = (const struct sockaddr_in6 *)ss;
		if (port)
			(void)snprintf(buf, len, "%u", ntohs(sin6->sin6_port));
		else if (inet_ntop(AF_INET6, &sin6->sin6_addr, buf,
		    (socklen_t)len) == NULL)
			buf[0] = '\0';
	}
}

int
flt_expand(const char *in, const struct http_msg *msg,
    const struct flt_session *s, char *out, size_t outlen)
{
	static const char *const macros[] = {
		"$HOST", "$REMOTE_ADDR", "$REMOTE_PORT", "$SERVER_ADDR",
		"$SERVER_PORT", "$SERVER_NAME", "$TIMEOUT"
	};
	char		 num[FLT_MACROLEN];
	const char	*rep;
	size_t		 used = 0, n, i, mlen;

	if (outlen == 0)
		return (-1);
	while (*in != '\0') {
		rep = NULL;
		mlen = 1;
		for (i = 0; *in == '$' && i < sizeof(macros) /
		    sizeof(macros[0]); i++) {
			mlen = strlen(macros[i]);
			if (strncmp(in, macros[i], mlen) == 0)
				break;
		}
		switch (*in == '$' ? i : (size_t)-1) {
		case 0:
			rep = msg != NULL ? http_str(msg, msg->m_host) : "";
			break;
		case 1:
		case 2:
			macro_addr(&s->s_client, i == 2, num, sizeof(num));
			rep = num;
			break;
		case 3:
		case 4:
			macro_addr(&s->s_server, i == 4, num, sizeof(num));
			rep = num;
			break;
		case 5:
			rep = s->s_server_name != NULL ? s->s_server_name : "";
			break;
		case 6:
			(void)snprintf(num, sizeof(num), "%d", s->s_timeout);
			rep = num;
			break;
		default:
			mlen = 1;
			break;
		}
		if (rep == NULL) {
			if (used + 1 >= outlen)
				return (-1);
			out[used++] = *in++;
			continue;
		}
		n = strlen(rep);
		if (used + n >= outlen)
			return (-1);
		memcpy(out + used, rep, n);
		used += n;
		in += mlen;
	}
	out[used] = '\0';
	return (0);
}
