/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

#ifndef DHCPD_TABLES_H
#define DHCPD_TABLES_H

/*
 * dhcpd's address tables (-A abandoned, -C changed MAC, -L leased;
 * specs/dhcpd-sync.md section 1.7).  OpenBSD keeps them in PF tables;
 * here each one is a named nftables set of type ipv4_addr in the table
 * "ip hakit_dhcpd", which dhcpd creates but never flushes or deletes, so
 * a restarted daemon keeps the entries and rules that use the sets keep
 * working.  Commands are applied through libnftables, one nftables
 * transaction per command; the 'A' command also deletes the address's
 * conntrack entries through ctnetlink.  Needs CAP_NET_ADMIN.
 */

#include <netinet/in.h>

#include <stddef.h>
#include <stdint.h>

#define DHCP_TABLES_NFT_TABLE	"hakit_dhcpd"	/* family ip */
#define DHCP_TABLES_NAME_MAX	63		/* set name length */

/* Index of each command in dhcp_tables_stats.cmds */
enum dhcp_tables_cmd_idx {
	DHCP_TABLES_L,		/* lease granted: -A remove, -L add */
	DHCP_TABLES_C,		/* MAC changed: -A, -C remove */
	DHCP_TABLES_A,		/* abandoned: -A add, -L remove, states */
	DHCP_TABLES_R,		/* released or expired: -L remove */
	DHCP_TABLES_NCMD
};

/*
 * cmds counts every command received, by letter (failed ones too);
 * errors the commands that failed, unknown letters included; ct_killed
 * the conntrack entries the 'A' commands deleted.
 */
struct dhcp_tables_stats {
	uint64_t	 cmds[DHCP_TABLES_NCMD];
	uint64_t	 errors;
	uint64_t	 ct_killed;
};

struct dhcp_tables;

/*
 * Opens the tables named by -A, -C and -L; a NULL name leaves that table
 * out (with all three NULL nothing is created, and only the state kill
 * of 'A' does anything).  Checks each name (a letter or '_' first, then
 * letters, digits, '_' and '-', at most DHCP_TABLES_NAME_MAX characters,
 * and not an nftables keyword), then creates "table ip hakit_dhcpd" and
 * the sets if they are missing, in one transaction.  Existing sets and
 * their elements are kept; one that exists with other flags is used as
 * it is if it takes IPv4 addresses, else refused.  Returns NULL with a
 * message in err (which may be NULL) on failure.
 */
struct dhcp_tables *dhcp_tables_open(const char *abandoned,
	    const char *changed, const char *leased, char *err,
	    size_t errlen);

/*
 * Applies command cmd ('L', 'C', 'A' or 'R') to address a.  The set
 * changes of one command are one nftables transaction: all or none.
 * Adding a present address or removing an absent one is not an error.
 * Returns 0, or -1 with stats.errors counted and the reason kept for
 * dhcp_tables_last_error().
 */
int	 dhcp_tables_cmd(struct dhcp_tables *, char cmd, struct in_addr a);

/* The reason of the last failure ("" if none), valid until the next
 * call on the handle. */
const char *dhcp_tables_last_error(const struct dhcp_tables *);
const struct dhcp_tables_stats *dhcp_tables_stats(const struct dhcp_tables *);
/* Frees the handle; the nftables table and sets stay. */
void	 dhcp_tables_close(struct dhcp_tables *);

/*
 * Deletes every IPv4 conntrack entry (any zone) whose original or reply
 * tuple has a as source or destination.  *killed (may be NULL) gets the
 * number deleted, even on failure.  Returns 0, or -1 with errno set.
 */
int	 dhcp_tables_ct_kill(struct in_addr a, uint64_t *killed);

#endif /* DHCPD_TABLES_H */
