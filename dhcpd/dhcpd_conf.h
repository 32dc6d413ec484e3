/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * dhcpd.conf in memory: what parse.y builds and the server reads.
 *
 * Scopes nest as in OpenBSD's dhcpd: global > shared-network > subnet,
 * with group { } anywhere in between, and host and class declarations
 * inside any of them.  Every scope carries a struct dhcp_params whose
 * dp_parent points to the enclosing scope's, so a parameter not set in
 * a scope is looked up outward (dhcp_params_*() in conf.c).  A subnet
 * declared outside any shared-network gets an implicit one of its own
 * (sh_implicit), so every subnet has a shared network.
 *
 * One root (struct dhcpd_config) owns everything; dhcpd_config_free()
 * frees it.  Pure: libc, lib/addr.h, lib/cfglex.h only.
 */

#ifndef DHCPD_CONF_H
#define DHCPD_CONF_H

#include <sys/queue.h>

#include <netinet/in.h>

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#define DHCPD_CONF_DEFAULT	"/etc/hakit/dhcpd.conf"
#define DHCP_DEFAULT_LEASE_TIME	43200
#define DHCP_MAX_LEASE_TIME	86400
#define DHCP_HADDR_MAX		16
#define DHCP_OPT_MAX		256	/* option codes 0-255 */

/* One option value, already in wire form (may exceed 255: split on send) */
struct dhcp_optval {
	uint16_t		 ov_len;
	uint8_t			*ov_data;	/* owned */
};

/* Options set in one scope; ov_data == NULL: not set here */
struct dhcp_optset {
	struct dhcp_optval	 os_opt[DHCP_OPT_MAX];
};

/* Tri-state flags: DHCP_UNSET inherits from the enclosing scope. */
#define DHCP_UNSET		(-1)

struct dhcp_params {
	const struct dhcp_params *dp_parent;	/* enclosing scope, or NULL */
	struct dhcp_optset	 dp_opts;
	int64_t			 dp_default_lease_time;	/* -1 unset */
	int64_t			 dp_max_lease_time;
	int64_t			 dp_bootp_lease_length;
	int64_t			 dp_bootp_lease_cutoff;	/* epoch s, -1 */
	char			*dp_filename;		/* NULL unset */
	char			*dp_server_name;
	int			 dp_has_next_server;
	struct in_addr		 dp_next_server;
	int			 dp_has_server_id;
	struct in_addr		 dp_server_id;
	int			 dp_get_lease_hostnames;	/* tri-state */
	int			 dp_use_host_decl_names;
	int			 dp_use_lease_addr_for_default_route;
	int			 dp_always_reply_rfc1048;
	int			 dp_authoritative;
	int			 dp_echo_client_id;
	int			 dp_allow_unknown_clients;
	int			 dp_allow_bootp;
	int			 dp_allow_booting;
};

struct dhcp_range {
	TAILQ_ENTRY(dhcp_range)	 r_entry;
	struct in_addr		 r_low;		/* host order compare via */
	struct in_addr		 r_high;	/*   ntohl(); low <= high */
	int			 r_dynamic_bootp;
};
TAILQ_HEAD(dhcp_ranges, dhcp_range);

struct dhcp_shared;

struct dhcp_subnet {
	TAILQ_ENTRY(dhcp_subnet) s_entry;	/* in its shared network */
	TAILQ_ENTRY(dhcp_subnet) s_all;		/* in the config */
	struct in_addr		 s_net;
	struct in_addr		 s_mask;
	struct dhcp_shared	*s_shared;	/* borrowed */
	struct dhcp_params	 s_params;
	struct dhcp_ranges	 s_ranges;
	char			*s_file;	/* where declared, for */
	int			 s_line;	/*   messages */
};
TAILQ_HEAD(dhcp_subnets, dhcp_subnet);

struct dhcp_shared {
	TAILQ_ENTRY(dhcp_shared) sh_entry;
	char			*sh_name;	/* subnet's text if implicit */
	int			 sh_implicit;
	struct dhcp_params	 sh_params;
	struct dhcp_subnets	 sh_subnets;
};
TAILQ_HEAD(dhcp_shareds, dhcp_shared);

struct dhcp_host {
	TAILQ_ENTRY(dhcp_host)	 h_entry;
	char			*h_name;
	uint8_t			 h_htype;	/* 0: no hardware line */
	uint8_t			 h_hlen;
	uint8_t			 h_haddr[DHCP_HADDR_MAX];
	uint8_t			*h_uid;		/* dhcp-client-identifier */
	size_t			 h_uidlen;	/*   option, if set */
	struct in_addr		*h_fixed;	/* fixed-address list */
	size_t			 h_nfixed;
	struct dhcp_params	 h_params;
	char			*h_file;
	int			 h_line;
};
TAILQ_HEAD(dhcp_hosts, dhcp_host);

enum dhcp_class_kind {
	DHCP_CLASS_VENDOR,	/* matches option 60, vendor-class-identifier */
	DHCP_CLASS_USER,	/* matches option 77, user-class */
};

struct dhcp_class {
	TAILQ_ENTRY(dhcp_class)	 c_entry;
	enum dhcp_class_kind	 c_kind;
	char			*c_name;	/* the identifier matched */
	int			 c_deny_booting;
	struct dhcp_params	 c_params;
};
TAILQ_HEAD(dhcp_classes, dhcp_class);

/* A group { } scope: only its params; members point to them. */
struct dhcp_group {
	TAILQ_ENTRY(dhcp_group)	 g_entry;
	struct dhcp_params	 g_params;
};
TAILQ_HEAD(dhcp_groups, dhcp_group);

struct dhcpd_config {
	struct dhcp_params	 c_global;
	struct dhcp_shareds	 c_shareds;
	struct dhcp_subnets	 c_subnets;	/* every subnet, s_all */
	struct dhcp_hosts	 c_hosts;
	struct dhcp_classes	 c_classes;
	struct dhcp_groups	 c_groups;
};

/* parse.y */
struct dhcpd_config *dhcpd_config_parse(const char *path, FILE *errf);
struct dhcpd_config *dhcpd_config_parse_stream(FILE *, const char *name,
	    FILE *errf);
void	 dhcpd_config_print(FILE *, const struct dhcpd_config *);

/* conf.c: lifetime and lookups along the scope chain */
void	 dhcpd_config_free(struct dhcpd_config *);
void	 dhcp_params_init(struct dhcp_params *, const struct dhcp_params *);
void	 dhcp_params_clear(struct dhcp_params *);
const struct dhcp_optval *dhcp_params_opt(const struct dhcp_params *,
	    uint8_t code);
int64_t	 dhcp_params_default_lease_time(const struct dhcp_params *);
int64_t	 dhcp_params_max_lease_time(const struct dhcp_params *);
/* An int64_t member, -1 unset: dhcp_params_num(p,
   DHCP_FLAG(dp_bootp_lease_length), -1) */
int64_t	 dhcp_params_num(const struct dhcp_params *, size_t off,
	    int64_t dflt);
int	 dhcp_params_flag(const struct dhcp_params *, size_t off, int dflt);
const char *dhcp_params_str(const struct dhcp_params *, size_t off);
const struct in_addr *dhcp_params_server_id(const struct dhcp_params *);
const struct in_addr *dhcp_params_next_server(const struct dhcp_params *);
struct dhcp_subnet *dhcpd_config_subnet_for(const struct dhcpd_config *,
	    struct in_addr);
struct dhcp_host *dhcpd_config_host_by_haddr(const struct dhcpd_config *,
	    uint8_t htype, const uint8_t *haddr, uint8_t hlen);
struct dhcp_host *dhcpd_config_host_by_uid(const struct dhcpd_config *,
	    const uint8_t *uid, size_t len);
struct dhcp_class *dhcpd_config_class(const struct dhcpd_config *,
	    enum dhcp_class_kind, const uint8_t *id, size_t len);

/* dhcp_params_flag(p, DHCP_FLAG(dp_authoritative), 1) */
#define DHCP_FLAG(member)	offsetof(struct dhcp_params, member)

#endif /* DHCPD_CONF_H */
