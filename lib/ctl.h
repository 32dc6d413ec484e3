/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

#ifndef HAKIT_CTL_H
#define HAKIT_CTL_H

/*
 * Control sockets, shared by every daemon and ctl tool.  A client sends
 * one request per line, a JSON object with a string "cmd"; the daemon
 * answers each with one line, {"ok":true,...} or {"ok":false,"error":
 * "..."}.  A connection that subscribed also receives event lines, objects
 * with an "event" key, at any time.  Text output in OpenBSD's words is
 * the ctl tool's job; the daemon speaks JSON only, so -j is free.
 */

#include <sys/types.h>

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define CTL_MAXLINE	65536	/* longest request line */
/* Longest reply a ctl tool reads: a table of thousands of hosts or
 * leases is one line. */
#define CTL_MAXREPLY	(64 * 1024 * 1024)
#define CTL_MAXCONNS	64

struct event_base;
struct ctl_server;
struct ctl_conn;

/* Returns the reply (the server sends and frees it), or NULL to send
 * nothing.  The request is borrowed. */
typedef json_t *ctl_handler(struct ctl_conn *, const json_t *req, void *);
/* Called once when a connection closes, before it is freed. */
typedef void ctl_closer(struct ctl_conn *, void *);

struct ctl_stats {
	uint64_t	 cs_requests;
	uint64_t	 cs_bad;	/* malformed or oversized requests */
	uint64_t	 cs_refused;	/* connections over CTL_MAXCONNS */
};

struct ctl_server *ctl_server_open(struct event_base *, const char *path,
	    mode_t, ctl_handler *, ctl_closer *, void *arg);
void	 ctl_server_close(struct ctl_server *);
const struct ctl_stats *ctl_server_stats(const struct ctl_server *);
/* Sends msg (borrowed) to every subscribed connection. */
void	 ctl_server_broadcast(struct ctl_server *, const json_t *msg);
void	 ctl_conn_subscribe(struct ctl_conn *);
int	 ctl_conn_send(struct ctl_conn *, const json_t *msg);
void	 ctl_conn_set_data(struct ctl_conn *, void *);
void	*ctl_conn_data(const struct ctl_conn *);
uid_t	 ctl_conn_uid(const struct ctl_conn *);

/*
 * Parses one request line: a JSON object with a string "cmd".  Returns
 * the object, or NULL with *err naming the problem.  Pure; fuzzed.
 */
json_t	*ctl_parse_request(const char *, size_t, const char **err);

/* Reply helpers. */
json_t	*ctl_reply_ok(void);
json_t	*ctl_reply_error(const char *fmt, ...)
	    __attribute__((__format__ (printf, 1, 2)));

/*
 * Blocking client for ctl tools: connect, send a request, read lines.
 * ctl_client_call skips event lines and returns the reply, or NULL with
 * *err set.
 */
struct ctl_client;
struct ctl_client *ctl_client_open(const char *path, const char **err);
void	 ctl_client_close(struct ctl_client *);
int	 ctl_client_send(struct ctl_client *, const json_t *);
json_t	*ctl_client_read(struct ctl_client *, const char **err);
json_t	*ctl_client_call(struct ctl_client *, const json_t *, const char **err);

/*
 * For ctl tools: sends req (consumed) and returns the reply, exiting
 * with the daemon's error message when the request fails.
 */
json_t	*ctl_tool_call(const char *sock, json_t *req);
/* Prints a JSON value indented, in the daemon's key order (-j). */
void	 ctl_tool_print(const json_t *);
/*
 * The ctl tools' command line: [-j] [-s socket] command..., where -j
 * may also follow the command ("carpctl show -j").  Leaves *argc and
 * *argv at the command; returns -1 on an unknown option.
 */
int	 ctl_tool_args(int *argc, char ***argv, const char **sock,
	    int *jflag);

#endif /* HAKIT_CTL_H */
