/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

#ifndef RELAYCTL_PARSER_H
#define RELAYCTL_PARSER_H

/*
 * relayctl's command words: OpenBSD's token tables, where each word may
 * be abbreviated to any unique prefix ("relayctl sh su"), and the JSON
 * request each command sends to relayd's control socket (lib/ctl.h).
 * Pure: no I/O, errors are returned as text.
 */

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

enum parser_action {
	PARSER_NONE = 0,
	PARSER_SHOW_SUM,
	PARSER_SHOW_HOSTS,
	PARSER_SHOW_RDRS,
	PARSER_SHOW_RELAYS,
	PARSER_SHOW_ROUTERS,
	PARSER_SHOW_SESSIONS,
	PARSER_RDR_DISABLE,
	PARSER_RDR_ENABLE,
	PARSER_TABLE_DISABLE,
	PARSER_TABLE_ENABLE,
	PARSER_HOST_DISABLE,
	PARSER_HOST_ENABLE,
	PARSER_SHUTDOWN,
	PARSER_POLL,
	PARSER_LOAD,
	PARSER_RELOAD,
	PARSER_MONITOR,
	PARSER_LOG_VERBOSE,
	PARSER_LOG_BRIEF
};

struct parse_result {
	enum parser_action	 pr_action;
	int			 pr_byname;	/* the argument is no number */
	uint32_t		 pr_id;		/* redirect, table, host id */
	const char		*pr_name;	/* borrowed from argv */
	const char		*pr_path;	/* load: borrowed from argv */
};

/*
 * Matches argv (the words after the options) against the token tables.
 * Returns 0 with *res filled, or -1 with err holding what OpenBSD's
 * relayctl prints on stderr ("ambiguous argument: s", "valid
 * commands/args:" and the words the table takes, one line each).
 */
int	 parser_parse(int argc, char *const argv[], struct parse_result *res,
	    char *err, size_t errlen);

/*
 * The request for a parsed command, e.g. {"cmd":"host_disable","id":3}.
 * path, for load, replaces pr_path (relayctl passes it made absolute).
 * Returns a new reference, or NULL for PARSER_NONE or out of memory.
 */
json_t	*parser_request(const struct parse_result *res, const char *path);

#endif /* RELAYCTL_PARSER_H */
