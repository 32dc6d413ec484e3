/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * The filter rules (filter.c) on hostile heads, and the Lua patterns
 * (patterns.c) on hostile patterns and subjects.  The input is
 *
 *   byte 0     bit 0: a response (else a request); bit 1: the session
 *              starts tagged "api"
 *   byte 1     n (mod 64), then n bytes: a pattern
 *   the rest   the head, also the subject of the pattern
 *
 * The head goes through http_parse(); when it parses, a fixed set of
 * rules (every entity type and action, macros, quick, tags) runs on it
 * twice, as on two heads of one session.  flt_eval() gives 0 or -1, the
 * log stays bounded, and the edited head, emitted, parses again.
 */

#include <sys/socket.h>

#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filter.h"

#define CHECK(x)	do { if (!(x)) abort(); } while (0)
#define EMITLEN		(8192 + HTTP_EDITROOM + 1024)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct rd_rules		 rules = TAILQ_HEAD_INITIALIZER(rules);
static struct http_limits	 lim = { 8192, 64, 1 };
static struct http_msg		*msg, *again;
static char			*out;

static struct rd_rule *
rule(enum rule_action a, int response, int quick)
{
	static int	 line;
	struct rd_rule	*ru;

	CHECK((ru = calloc(1, sizeof(*ru))) != NULL);
	ru->ru_action = a;
	ru->ru_response = response;
	ru->ru_quick = quick;
	ru->ru_strip = -1;
	TAILQ_INSERT_TAIL(&rules, ru, ru_entry);
	ru->ru_line = ++line;
	return (ru);
}

static void
kv(struct rd_rule *ru, enum rule_kvtype t, enum rule_kvaction a,
    enum rule_keykind k, const char *key, const char *value)
{
	struct rd_rule_kv	*e = &ru->ru_kv[t];

	e->kv_set = 1;
	e->kv_action = a;
	e->kv_keykind = k;
	if (key != NULL)
		(void)snprintf(e->kv_key, sizeof(e->kv_key), "%s", key);
	if (value != NULL) {
		e->kv_hasvalue = 1;
		(void)snprintf(e->kv_value, sizeof(e->kv_value), "%s", value);
	}
}

static void
init(void)
{
	struct rd_rule	*ru;

	CHECK((msg = http_msg_new(&lim)) != NULL);
	CHECK((again = http_msg_new(&lim)) != NULL);
	CHECK((out = malloc(EMITLEN)) != NULL);

	ru = rule(RULE_MATCH, 0, 0);
	kv(ru, KV_HEADER, KVA_APPEND, KEY_NAME, "X-Forwarded-For",
	    "$REMOTE_ADDR");
	ru = rule(RULE_MATCH, 0, 0);
	kv(ru, KV_HEADER, KVA_SET, KEY_NAME, "X-Via",
	    "$HOST:$SERVER_PORT $SERVER_NAME $TIMEOUT");
	kv(ru, KV_COOKIE, KVA_SET, KEY_NAME, "sid", "$REMOTE_PORT");
	ru = rule(RULE_BLOCK, 0, 1);
	kv(ru, KV_PATH, KVA_TEST, KEY_NAME, "/admin*", NULL);
	(void)snprintf(ru->ru_label, sizeof(ru->ru_label), "no admin");
	ru = rule(RULE_MATCH, 0, 0);
	kv(ru, KV_QUERY, KVA_REMOVE, KEY_NAME, "utm_*", NULL);
	ru = rule(RULE_MATCH, 0, 0);
	kv(ru, KV_QUERY, KVA_SET, KEY_NAME, "lang", "en");
	kv(ru, KV_URL, KVA_LOG, KEY_NAME, "example.com/", NULL);
	ru = rule(RULE_MATCH, 0, 0);
	kv(ru, KV_PATH, KVA_HASH, KEY_NAME, "/api/*", NULL);
	ru->ru_strip = 1;
	(void)snprintf(ru->ru_tag, sizeof(ru->ru_tag), "api");
	ru = rule(RULE_PASS, 0, 0);
	(void)snprintf(ru->ru_tagged, sizeof(ru->ru_tagged), "api");
	(void)snprintf(ru->ru_table, sizeof(ru->ru_table), "api");
	ru = rule(RULE_MATCH, 0, 0);
	kv(ru, KV_HEADER, KVA_REMOVE, KEY_NAME, "Accept*", "*gzip*");
	kv(ru, KV_COOKIE, KVA_REMOVE, KEY_NAME, "track*", NULL);
	ru = rule(RULE_MATCH, 0, 0);
	kv(ru, KV_HEADER, KVA_HASH, KEY_NAME, "User-Agent", NULL);
	kv(ru, KV_COOKIE, KVA_LOG, KEY_NONE, NULL, NULL);
	ru = rule(RULE_MATCH, 0, 0);
	kv(ru, KV_HEADER, KVA_LOG, KEY_PATTERN, "^X%-%u%l+$", "^%d+$");
	ru = rule(RULE_MATCH, 0, 0);
	kv(ru, KV_PATH, KVA_SET, KEY_NAME, "/old/*", "/new/");
	kv(ru, KV_QUERY, KVA_APPEND, KEY_NAME, "from", "$REMOTE_ADDR");
	ru = rule(RULE_BLOCK, 0, 0);
	/* sha1("www.example.com/") */
	kv(ru, KV_URL, KVA_TEST, KEY_DIGEST,
	    "2a0b0c8e4485cf6cabd13f745ddbb6f530be8e89", NULL);
	(void)snprintf(ru->ru_method, sizeof(ru->ru_method), "GET");
	ru = rule(RULE_MATCH, 0, 0);
	ru->ru_notag = 1;
	ru->ru_nolabel = 1;
	kv(ru, KV_PATH, KVA_REMOVE, KEY_PATTERN, "^/gone/", NULL);

	ru = rule(RULE_MATCH, 1, 0);
	kv(ru, KV_COOKIE, KVA_SET, KEY_NAME, "id", "$SERVER_NAME");
	kv(ru, KV_HEADER, KVA_REMOVE, KEY_NAME, "Server", NULL);
	ru = rule(RULE_MATCH, 1, 0);
	kv(ru, KV_COOKIE, KVA_APPEND, KEY_NAME, "lb", "1");
	ru = rule(RULE_BLOCK, 1, 0);
	kv(ru, KV_HEADER, KVA_TEST, KEY_NAME, "X-Bad", NULL);
	kv(ru, KV_COOKIE, KVA_REMOVE, KEY_NAME, "old", "*");
	ru = rule(RULE_MATCH, 1, 1);
	kv(ru, KV_COOKIE, KVA_LOG, KEY_DIGEST,
	    "900150983cd24fb0d6963f7d28e17f72", NULL);
}

static void
session_init(struct flt_session *s, int tagged)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)&s->s_client;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&s->s_server;

	memset(s, 0, sizeof(*s));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(40000);
	sin->sin_addr.s_addr = htonl(0xc000020a);
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(80);
	sin6->sin6_addr.s6_addr[0] = 0x20;
	sin6->sin6_addr.s6_addr[15] = 1;
	s->s_server_name = "www";
	s->s_timeout = 600;
	if (tagged)
		(void)snprintf(s->s_tag, sizeof(s->s_tag), "api");
}

static void
run_rules(int request, const char *head, size_t len, int tagged)
{
	struct flt_session	 s;
	struct flt_result	 res;
	long			 n;
	int			 i, r;

	if (http_parse(msg, request, head, len, &lim, NULL) != HTTP_OK)
		return;
	session_init(&s, tagged);
	for (i = 0; i < 2; i++) {
		r = flt_eval(&rules, msg, &s, &res);
		CHECK(r == 0 || r == -1);
		CHECK(memchr(res.r_log, '\0', sizeof(res.r_log)) != NULL);
		CHECK(memchr(s.s_tag, '\0', sizeof(s.s_tag)) != NULL);
		CHECK(memchr(s.s_label, '\0', sizeof(s.s_label)) != NULL);
		CHECK(res.r_block == 0 || res.r_block == 1);
		if (r == -1 || res.r_block)
			continue;
		if ((n = http_emit(msg, out, EMITLEN)) == -1)
			continue;
		CHECK(n > 0 && (size_t)n <= EMITLEN);
		/* what the rules made is a head the parser takes */
		CHECK(http_parse(again, request, out, (size_t)n, &lim,
		    NULL) == HTTP_OK);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*pat, *subj;
	size_t	 n;
	int	 r;

	if (msg == NULL)
		init();
	if (size < 2)
		return (0);
	n = data[1] % 64;
	if (n > size - 2)
		n = size - 2;
	CHECK((pat = malloc(n + 1)) != NULL);
	CHECK((subj = malloc(size - 2 - n + 1)) != NULL);
	memcpy(pat, data + 2, n);
	pat[n] = '\0';
	memcpy(subj, data + 2 + n, size - 2 - n);
	subj[size - 2 - n] = '\0';
	r = flt_pattern(pat, subj);
	CHECK(r == 1 || r == 0 || r == -1);
	free(pat);

	run_rules(!(data[0] & 1), (const char *)data + 2 + n, size - 2 - n,
	    (data[0] & 2) != 0);
	free(subj);
	return (0);
}
