/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * The configuration as canonical relayd.conf text: one statement per
 * line, numeric addresses and ports, every option that differs from its
 * default.  Globals come first, so every declared table takes the global
 * timeout on reading it back and a used table's own timing is written on
 * its forward line; then declared tables, redirects, relays, protocols
 * and routers, in that order, which is the order parse.y numbers them.
 * Children parse this text (with no name resolution), so it must say
 * everything: a printout parses back to the same printout and ids.
 */

#include <sys/queue.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "conf_l7.h"
#include "relayd.h"

static void	 print_quoted(FILE *, const char *);
static void	 print_bytes(FILE *, const uint8_t *, size_t);
static void	 print_word(FILE *, const char *);
static void	 print_globals(FILE *, const struct relayd_conf *);
static void	 print_template(FILE *, const struct rd_template *);
static void	 print_check(FILE *, const struct rd_check *);
static void	 print_table_opts(FILE *, const struct relayd_conf *,
		    const struct rd_table *, enum rd_mode, int,
		    const uint8_t *);
static void	 print_redirect(FILE *, const struct relayd_conf *,
		    const struct rd_redirect *);
static void	 print_relay(FILE *, const struct relayd_conf *,
		    const struct rd_relay *);
static void	 print_protocol(FILE *, const struct rd_protocol *);
static void	 print_rule(FILE *, const struct rd_rule *);
static void	 print_router(FILE *, const struct relayd_conf *,
		    const struct rd_router *);
static void	 print_tri(FILE *, const char *, const char *, int);
static void	 print_tls_path(FILE *, const char *, const char *);

static const char *const mode_names[] = {
	[MODE_ROUNDROBIN] = "roundrobin",
	[MODE_RANDOM] = "random",
	[MODE_SOURCEHASH] = "source-hash",
	[MODE_LOADBALANCE] = "loadbalance",
	[MODE_HASH] = "hash",
	[MODE_LEASTSTATES] = "least-states"
};

static const char *const kv_names[] = {
	[KV_COOKIE] = "cookie",
	[KV_HEADER] = "header",
	[KV_PATH] = "path",
	[KV_QUERY] = "query",
	[KV_URL] = "url"
};

static const char *const kva_names[] = {
	[KVA_TEST] = "",
	[KVA_APPEND] = " append",
	[KVA_SET] = " set",
	[KVA_REMOVE] = " remove",
	[KVA_HASH] = " hash",
	[KVA_LOG] = " log"
};

static const char *const key_names[] = {
	[KEY_NONE] = "",
	[KEY_NAME] = "",
	[KEY_FILE] = " file",
	[KEY_DIGEST] = " digest",
	[KEY_PATTERN] = " pattern"
};

/* Between double quotes; the lexer reads \" and \\ back. */
static void
print_quoted(FILE *f, const char *s)
{
	print_bytes(f, (const uint8_t *)s, strlen(s));
}

static void
print_bytes(FILE *f, const uint8_t *s, size_t len)
{
	size_t	 i;

	(void)fputc('"', f);
	for (i = 0; i < len; i++) {
		if (s[i] == '"' || s[i] == '\\')
			(void)fputc('\\', f);
		(void)fputc(s[i], f);
	}
	(void)fputc('"', f);
}

/* Bare when the lexer reads it back as the same string, else quoted. */
static void
print_word(FILE *f, const char *s)
{
	size_t	 len;

	len = strlen(s);
	if (len == 0 || conf_keyword(s) ||
	    strspn(s, "0123456789") == len || (s[0] == '-' &&
	    strspn(s + 1, "0123456789") == len - 1) ||
	    strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789._-") != len)
		print_quoted(f, s);
	else
		(void)fputs(s, f);
}

static void
print_globals(FILE *f, const struct relayd_conf *c)
{
	int	 any = 0;

	if (c->c_interval != RELAYD_INTERVAL)
		any = fprintf(f, "interval %d\n", c->c_interval);
	if (c->c_timeout != RELAYD_TIMEOUT)
		any = fprintf(f, "timeout %d\n", c->c_timeout);
	if (c->c_prefork != RELAYD_PREFORK)
		any = fprintf(f, "prefork %d\n", c->c_prefork);
	if (c->c_log & CONF_LOG_STATE)
		any = fprintf(f, "log state changes\n");
	if (c->c_log & CONF_LOG_CHECKS)
		any = fprintf(f, "log host checks\n");
	if (c->c_log & CONF_LOG_CONN)
		any = fprintf(f, "log connection\n");
	else if (c->c_log & CONF_LOG_CONNERR)
		any = fprintf(f, "log connection errors\n");
	if (c->c_loglevel != -1)
		any = fprintf(f, "log level %s\n",
		    c->c_loglevel ? "verbose" : "brief");
	if (c->c_socket[0] != '\0') {
		(void)fputs("socket ", f);
		print_quoted(f, c->c_socket);
		any = fprintf(f, "\n");
	}
	if (c->c_agentx) {
		(void)fputs("agentx", f);
		if (c->c_agentx_context[0] != '\0') {
			(void)fputs(" context ", f);
			print_quoted(f, c->c_agentx_context);
		}
		if (c->c_agentx_path[0] != '\0') {
			(void)fputs(" path ", f);
			print_quoted(f, c->c_agentx_path);
		}
		any = fprintf(f, "\n");
	}
	if (any)
		(void)fputc('\n', f);
}

static void
print_template(FILE *f, const struct rd_template *tp)
{
	const struct rd_host	*h;
	char			 buf[INET6_ADDRSTRLEN];

	(void)fputs("table <", f);
	print_word(f, tp->tp_name);
	(void)fputs(tp->tp_disabled ? "> disable {\n" : "> {\n", f);
	TAILQ_FOREACH(h, &tp->tp_hosts, h_entry) {
		(void)fprintf(f, "\t%s", conf_ss_str(&h->h_ss, buf,
		    sizeof(buf)));
		if (h->h_retry != 0)
			(void)fprintf(f, " retry %d", h->h_retry);
		if (h->h_parentid != 0)
			(void)fprintf(f, " parent %u", h->h_parentid);
		if (h->h_priority != 8)
			(void)fprintf(f, " priority %d", h->h_priority);
		if (h->h_ttl != 0)
			(void)fprintf(f, " ip ttl %d", h->h_ttl);
		if (strcmp(h->h_name, buf) != 0) {
			(void)fputs(" hostname ", f);
			print_quoted(f, h->h_name);
		}
		(void)fputc('\n', f);
	}
	(void)fputs("}\n\n", f);
}

static void
print_check(FILE *f, const struct rd_check *ck)
{
	size_t	 i;

	switch (ck->ck_type) {
	case CHECK_NOCHECK:
		return;
	case CHECK_ICMP:
		(void)fputs(" check icmp", f);
		return;
	case CHECK_TCP:
		(void)fputs(" check tcp", f);
		return;
	case CHECK_TLS:
		(void)fputs(" check tls", f);
		return;
	case CHECK_HTTP_CODE:
	case CHECK_HTTP_DIGEST:
		(void)fputs(ck->ck_tls ? " check https " : " check http ", f);
		print_quoted(f, ck->ck_path);
		if (ck->ck_host[0] != '\0') {
			(void)fputs(" host ", f);
			print_quoted(f, ck->ck_host);
		}
		if (ck->ck_type == CHECK_HTTP_CODE)
			(void)fprintf(f, " code %d", ck->ck_code);
		else
			(void)fprintf(f, " digest \"%s\"", ck->ck_digest);
		return;
	case CHECK_SEND_EXPECT:
		(void)fputs(" check send ", f);
		if (ck->ck_send_nothing)
			(void)fputs("nothing", f);
		else
			print_bytes(f, ck->ck_send, ck->ck_sendlen);
		(void)fputs(" expect ", f);
		print_bytes(f, ck->ck_expect, ck->ck_expectlen);
		break;
	case CHECK_BINARY:
		(void)fputs(" check binary send \"", f);
		for (i = 0; i < ck->ck_sendlen; i++)
			(void)fprintf(f, "%02X", ck->ck_send[i]);
		(void)fputs("\" expect \"", f);
		for (i = 0; i < ck->ck_expectlen; i++)
			(void)fprintf(f, "%02X", ck->ck_expect[i]);
		(void)fputc('"', f);
		break;
	case CHECK_SCRIPT:
		(void)fputs(" check script ", f);
		print_quoted(f, ck->ck_path);
		return;
	}
	if (ck->ck_tls)
		(void)fputs(" tls", f);
}

/* "<name> port P" and what differs from the defaults. */
static void
print_table_opts(FILE *f, const struct relayd_conf *c,
    const struct rd_table *t, enum rd_mode mode, int haskey,
    const uint8_t *key)
{
	size_t	 i;

	(void)fputc('<', f);
	print_word(f, t->t_template);
	(void)fputc('>', f);
	if (t->t_port != 0)
		(void)fprintf(f, " port %u", t->t_port);
	if (mode != MODE_ROUNDROBIN || haskey)
		(void)fprintf(f, " mode %s", mode_names[mode]);
	if (haskey) {
		(void)fputs(" 0x", f);
		for (i = 0; i < sizeof(t->t_key); i++)
			(void)fprintf(f, "%02x", key[i]);
	}
	if (t->t_interval != c->c_interval)
		(void)fprintf(f, " interval %d", t->t_interval);
	if (t->t_timeout != c->c_timeout)
		(void)fprintf(f, " timeout %d", t->t_timeout);
	if (t->t_demote[0] != '\0')
		(void)fprintf(f, " demote %s", t->t_demote);
	print_check(f, &t->t_check);
}

static void
print_redirect(FILE *f, const struct relayd_conf *c,
    const struct rd_redirect *r)
{
	const struct rd_listen	*l;
	char			 buf[INET6_ADDRSTRLEN];
	int			 i;

	(void)fputs("redirect ", f);
	print_quoted(f, r->r_name);
	(void)fputs(" {\n", f);
	for (i = 0; i < r->r_nlisten; i++) {
		l = &r->r_listen[i];
		(void)fprintf(f, "\tlisten on %s", conf_ss_str(&l->l_ss, buf,
		    sizeof(buf)));
		if (l->l_proto == IPPROTO_UDP)
			(void)fputs(" udp", f);
		else if (l->l_proto != IPPROTO_TCP)
			(void)fprintf(f, " proto %u", l->l_proto);
		if (l->l_port_hi != l->l_port)
			(void)fprintf(f, " port %u:%u", l->l_port,
			    l->l_port_hi);
		else
			(void)fprintf(f, " port %u", l->l_port);
		if (l->l_ifname[0] != '\0')
			(void)fprintf(f, " interface %s", l->l_ifname);
		if (l->l_pflog)
			(void)fputs(" pflog", f);
		(void)fputc('\n', f);
	}
	if (r->r_table != NULL) {
		(void)fputs("\tforward to ", f);
		print_table_opts(f, c, r->r_table, r->r_table->t_mode,
		    r->r_table->t_haskey, r->r_table->t_key);
		(void)fputc('\n', f);
	}
	if (r->r_backup != NULL) {
		(void)fputs("\tforward to ", f);
		print_table_opts(f, c, r->r_backup, r->r_backup->t_mode,
		    r->r_backup->t_haskey, r->r_backup->t_key);
		(void)fputc('\n', f);
	}
	if (r->r_timeout != RELAYD_SESS_TIMEOUT)
		(void)fprintf(f, "\tsession timeout %d\n", r->r_timeout);
	if (r->r_sticky)
		(void)fputs("\tsticky-address\n", f);
	if (r->r_tag[0] != '\0') {
		(void)fputs(r->r_match ? "\tmatch pftag " : "\tpftag ", f);
		print_quoted(f, r->r_tag);
		(void)fputc('\n', f);
	}
	if (r->r_disabled)
		(void)fputs("\tdisable\n", f);
	(void)fputs("}\n\n", f);
}

static void
print_relay(FILE *f, const struct relayd_conf *c, const struct rd_relay *rl)
{
	const struct rd_relay_listen	*l;
	const struct rd_relay_fwd	*fw;
	char				 buf[ADDR_STRLEN];
	int				 i;

	(void)fputs("relay ", f);
	print_quoted(f, rl->rl_name);
	(void)fputs(" {\n", f);
	for (i = 0; i < rl->rl_nlisten; i++) {
		l = &rl->rl_listen[i];
		(void)fprintf(f, "\tlisten on %s", conf_ss_str(&l->rl_ss, buf,
		    sizeof(buf)));
		if (l->rl_port != 0)
			(void)fprintf(f, " port %u", l->rl_port);
		(void)fputs(l->rl_tls ? " tls\n" : "\n", f);
	}
	if (rl->rl_proto_name[0] != '\0') {
		(void)fputs("\tprotocol ", f);
		print_quoted(f, rl->rl_proto_name);
		(void)fputc('\n', f);
	}
	TAILQ_FOREACH(fw, &rl->rl_fwds, f_entry) {
		(void)fputs(fw->f_transparent ? "\ttransparent forward" :
		    "\tforward", f);
		(void)fputs(fw->f_tls ? " with tls to " : " to ", f);
		switch (fw->f_type) {
		case FWD_ADDR:
			(void)fputs(conf_ss_str(&fw->f_ss, buf, sizeof(buf)),
			    f);
			if (fw->f_port != 0)
				(void)fprintf(f, " port %u", fw->f_port);
			break;
		case FWD_TABLE:
			if (fw->f_table != NULL)
				print_table_opts(f, c, fw->f_table,
				    fw->f_mode, fw->f_haskey, fw->f_key);
			break;
		case FWD_NATLOOKUP:
			(void)fputs("nat lookup", f);
			break;
		case FWD_DESTINATION:
			(void)fputs("destination", f);
			break;
		}
		if (fw->f_retry != -1)
			(void)fprintf(f, " retry %d", fw->f_retry);
		if (fw->f_af == AF_INET)
			(void)fputs(" inet", f);
		else if (fw->f_af == AF_INET6)
			(void)fprintf(f, " inet6 %s", addr_ntop(&fw->f_prefix,
			    1, buf, sizeof(buf)));
		(void)fputc('\n', f);
	}
	if (rl->rl_timeout != RELAYD_SESS_TIMEOUT)
		(void)fprintf(f, "\tsession timeout %d\n", rl->rl_timeout);
	if (rl->rl_proxyproto != 0)
		(void)fprintf(f, "\tproxy-protocol v%d\n", rl->rl_proxyproto);
	if (rl->rl_disabled)
		(void)fputs("\tdisable\n", f);
	(void)fputs("}\n\n", f);
}

static void
print_tri(FILE *f, const char *pfx, const char *what, int v)
{
	if (v == 1)
		(void)fprintf(f, "\t%s %s\n", pfx, what);
	else if (v == 0)
		(void)fprintf(f, "\t%s no %s\n", pfx, what);
}

static void
print_tls_path(FILE *f, const char *what, const char *path)
{
	if (path[0] == '\0')
		return;
	(void)fprintf(f, "\ttls %s ", what);
	print_quoted(f, path);
	(void)fputc('\n', f);
}

static void
print_protocol(FILE *f, const struct rd_protocol *pr)
{
	const struct rd_keypair	*kp;
	const struct rd_rule	*ru;
	static const char *const types[] = {
		[PROTO_TCP] = "tcp", [PROTO_HTTP] = "http",
		[PROTO_DNS] = "dns"
	};

	(void)fprintf(f, "%s protocol ", types[pr->p_type]);
	print_quoted(f, pr->p_name);
	(void)fputs(" {\n", f);
	print_tri(f, "tcp", "nodelay", pr->p_nodelay);
	print_tri(f, "tcp", "sack", pr->p_sack);
	print_tri(f, "tcp", "splice", pr->p_splice);
	if (pr->p_bufsize != -1)
		(void)fprintf(f, "\ttcp socket buffer %d\n", pr->p_bufsize);
	if (pr->p_backlog != -1)
		(void)fprintf(f, "\ttcp backlog %d\n", pr->p_backlog);
	if (pr->p_ttl != -1)
		(void)fprintf(f, "\ttcp ip ttl %d\n", pr->p_ttl);
	if (pr->p_minttl != -1)
		(void)fprintf(f, "\ttcp ip minttl %d\n", pr->p_minttl);
	if (pr->p_headerlen != 0)
		(void)fprintf(f, "\thttp headerlen %d\n", pr->p_headerlen);
	if (pr->p_maxheaders != 0)
		(void)fprintf(f, "\thttp maxheaders %d\n", pr->p_maxheaders);
	if (pr->p_websockets)
		(void)fputs("\thttp websockets\n", f);
	if (pr->p_return_error) {
		(void)fputs("\treturn error", f);
		if (pr->p_style[0] != '\0') {
			(void)fputs(" style ", f);
			print_quoted(f, pr->p_style);
		}
		(void)fputc('\n', f);
	}
	print_tls_path(f, "ciphers", pr->p_ciphers);
	print_tls_path(f, "ecdhe", pr->p_ecdhe);
	if (pr->p_edh) {
		(void)fputs("\ttls edh", f);
		if (pr->p_edh_params[0] != '\0')
			(void)fprintf(f, " params %s", pr->p_edh_params);
		(void)fputc('\n', f);
	}
	print_tls_path(f, "ca file", pr->p_ca_file);
	print_tls_path(f, "ca cert", pr->p_ca_cert);
	if (pr->p_ca_key[0] != '\0') {
		(void)fputs("\ttls ca key ", f);
		print_quoted(f, pr->p_ca_key);
		(void)fputs(" password ", f);
		print_quoted(f, pr->p_ca_pass);
		(void)fputc('\n', f);
	}
	print_tls_path(f, "client ca", pr->p_client_ca);
	if (pr->p_tickets)
		(void)fputs("\ttls session tickets\n", f);
	if (pr->p_client_reneg)
		(void)fputs("\ttls client-renegotiation\n", f);
	if (!pr->p_cipher_pref)
		(void)fputs("\ttls no cipher-server-preference\n", f);
	if (!(pr->p_tlsv & TLSV_1_2))
		(void)fputs("\ttls no tlsv1.2\n", f);
	if (!(pr->p_tlsv & TLSV_1_3))
		(void)fputs("\ttls no tlsv1.3\n", f);
	TAILQ_FOREACH(kp, &pr->p_keypairs, kp_entry) {
		(void)fputs("\ttls keypair ", f);
		print_quoted(f, kp->kp_name);
		if (kp->kp_cert[0] != '\0') {
			(void)fputs(" cert ", f);
			print_quoted(f, kp->kp_cert);
		}
		if (kp->kp_key[0] != '\0') {
			(void)fputs(" key ", f);
			print_quoted(f, kp->kp_key);
		}
		if (kp->kp_ocsp[0] != '\0') {
			(void)fputs(" ocsp ", f);
			print_quoted(f, kp->kp_ocsp);
		}
		(void)fputc('\n', f);
	}
	TAILQ_FOREACH(ru, &pr->p_rules, ru_entry)
		print_rule(f, ru);
	(void)fputs("}\n\n", f);
}

static void
print_rule(FILE *f, const struct rd_rule *ru)
{
	const struct rd_rule_kv	*kv;
	char			 buf[ADDR_STRLEN];
	int			 i;
	static const char *const actions[] = {
		[RULE_PASS] = "pass", [RULE_BLOCK] = "block",
		[RULE_MATCH] = "match"
	};

	(void)fprintf(f, "\t%s", actions[ru->ru_action]);
	if (ru->ru_response)
		(void)fputs(" response", f);
	if (ru->ru_quick)
		(void)fputs(" quick", f);
	if (ru->ru_af == AF_INET)
		(void)fputs(" inet", f);
	else if (ru->ru_af == AF_INET6)
		(void)fputs(" inet6", f);
	if (ru->ru_hasfrom)
		(void)fprintf(f, " from %s", addr_ntop(&ru->ru_from, 1, buf,
		    sizeof(buf)));
	if (ru->ru_hasto)
		(void)fprintf(f, " to %s", addr_ntop(&ru->ru_to, 1, buf,
		    sizeof(buf)));
	if (ru->ru_method[0] != '\0')
		(void)fprintf(f, " method %s", ru->ru_method);
	for (i = 0; i < KV_NTYPES; i++) {
		kv = &ru->ru_kv[i];
		if (!kv->kv_set)
			continue;
		(void)fprintf(f, " %s%s", kv_names[i],
		    kva_names[kv->kv_action]);
		if (kv->kv_keykind != KEY_NONE) {
			(void)fprintf(f, "%s ", key_names[kv->kv_keykind]);
			print_quoted(f, kv->kv_key);
		}
		if (kv->kv_hasvalue) {
			(void)fputs(" value ", f);
			print_quoted(f, kv->kv_value);
		}
	}
	if (ru->ru_strip != -1)
		(void)fprintf(f, " path strip %d", ru->ru_strip);
	if (ru->ru_table[0] != '\0') {
		(void)fputs(" forward to <", f);
		print_word(f, ru->ru_table);
		(void)fputc('>', f);
	}
	if (ru->ru_tagged[0] != '\0') {
		(void)fputs(" tagged ", f);
		print_quoted(f, ru->ru_tagged);
	}
	if (ru->ru_tag[0] != '\0') {
		(void)fputs(" tag ", f);
		print_quoted(f, ru->ru_tag);
	}
	if (ru->ru_notag)
		(void)fputs(" no tag", f);
	if (ru->ru_label[0] != '\0') {
		(void)fputs(" label ", f);
		print_quoted(f, ru->ru_label);
	}
	if (ru->ru_nolabel)
		(void)fputs(" no label", f);
	(void)fputc('\n', f);
}

static void
print_router(FILE *f, const struct relayd_conf *c, const struct rd_router *rt)
{
	char	 buf[ADDR_STRLEN];
	int	 i;

	(void)fputs("router ", f);
	print_quoted(f, rt->rt_name);
	(void)fputs(" {\n", f);
	for (i = 0; i < rt->rt_nroutes; i++)
		(void)fprintf(f, "\troute %s\n", addr_ntop(
		    &rt->rt_routes[i].rt_addr, 1, buf, sizeof(buf)));
	if (rt->rt_table != NULL) {
		(void)fputs("\tforward to ", f);
		print_table_opts(f, c, rt->rt_table, MODE_ROUNDROBIN, 0,
		    NULL);
		(void)fputc('\n', f);
	}
	if (rt->rt_rtable != -1)
		(void)fprintf(f, "\trtable %d\n", rt->rt_rtable);
	if (rt->rt_label[0] != '\0') {
		(void)fputs("\trtlabel ", f);
		print_quoted(f, rt->rt_label);
		(void)fputc('\n', f);
	}
	if (rt->rt_disabled)
		(void)fputs("\tdisable\n", f);
	(void)fputs("}\n\n", f);
}

void
conf_print(FILE *f, const struct relayd_conf *c)
{
	const struct rd_templates	*tps = c->c_templates;
	const struct rd_template	*tp;
	const struct rd_redirect	*r;
	const struct rd_relay		*rl;
	const struct rd_protocol	*pr;
	const struct rd_router		*rt;

	print_globals(f, c);
	if (tps != NULL)
		TAILQ_FOREACH(tp, tps, tp_entry)
			print_template(f, tp);
	TAILQ_FOREACH(r, &c->c_redirects, r_entry)
		print_redirect(f, c, r);
	TAILQ_FOREACH(rl, &c->c_relays, rl_entry)
		print_relay(f, c, rl);
	TAILQ_FOREACH(pr, &c->c_protocols, p_entry)
		print_protocol(f, pr);
	TAILQ_FOREACH(rt, &c->c_routers, rt_entry)
		print_router(f, c, rt);
}

char *
conf_print_str(const struct relayd_conf *c, size_t *lenp)
{
	char	*buf = NULL;
	size_t	 len = 0;
	FILE	*f;

	if ((f = open_memstream(&buf, &len)) == NULL)
		return (NULL);
	conf_print(f, c);
	if (fclose(f) != 0) {
		free(buf);
		return (NULL);
	}
	if (lenp != NULL)
		*lenp = len;
	return (buf);
}
