/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * The host check engine's state logic (spec section 4), with no I/O: a
 * check result goes through the retry budget into the host's state and
 * counters; a parent's state is copied to its children.  The engine
 * (hce.c) and the unit tests call these.
 */

#include <stddef.h>
#include <stdint.h>

#include "relayd.h"
#include "hce.h"

/* HCE-11: OpenBSD's words, in enum hce_reason order. */
static const char *const hce_reasons[HCE_NREASONS] = {
	"none",
	"aborted",
	"interval timeout",
	"icmp ok",
	"icmp read timeout",
	"icmp write timeout",
	"tcp socket error",
	"tcp socket limit",
	"tcp socket option",
	"tcp connect failed",
	"tcp connect timeout",
	"tcp connect ok",
	"tcp write timeout",
	"tcp write failed",
	"tcp read timeout",
	"tcp read failed",
	"script ok",
	"script failed",
	"tls connect ok",
	"tls connect failed",
	"tls connect timeout",
	"tls connect error",
	"tls read timeout",
	"tls write timeout",
	"tls read error",
	"tls write error",
	"send/expect failed",
	"send/expect ok",
	"http code malformed",
	"http code mismatch",
	"http code ok",
	"http digest malformed",
	"http digest mismatch",
	"http digest ok",
};

const char *
hce_reason_str(enum hce_reason r)
{
	if ((unsigned int)r >= HCE_NREASONS)
		return ("unknown");
	return (hce_reasons[r]);
}

int
hce_reason_ok(enum hce_reason r)
{
	switch (r) {
	case HCE_ICMP_OK:
	case HCE_TCP_CONNECT_OK:
	case HCE_SCRIPT_OK:
	case HCE_TLS_CONNECT_OK:
	case HCE_SEND_EXPECT_OK:
	case HCE_HTTP_CODE_OK:
	case HCE_HTTP_DIGEST_OK:
		return (1);
	default:
		return (0);
	}
}

/*
 * A failure with budget left keeps the state (up, or unknown) and spends
 * one; with none left the host turns down.  A success, or a failure once
 * down, refills the budget.  The counters take the result only when the
 * state after it is known (OpenBSD's hce_notify_done() does the same), so
 * failures spent from the budget of an unknown host do not count.  A
 * disabled host takes no result.
 */
int
hce_apply(struct rd_host *h, int ok, enum hce_reason r)
{
	enum host_state	 old = h->h_state;

	if (h->h_disabled)
		return (0);
	h->h_reason = r;
	if (ok) {
		h->h_state = HOST_UP;
		h->h_retry_left = h->h_retry;
	} else if (h->h_state != HOST_DOWN && h->h_retry_left > 0)
		h->h_retry_left--;
	else {
		h->h_state = HOST_DOWN;
		h->h_retry_left = h->h_retry;
	}
	if (h->h_state != HOST_UNKNOWN) {
		h->h_checks++;
		if (h->h_state == HOST_UP)
			h->h_ups++;
	}
	return (h->h_state != old);
}

void
hce_host_reset(struct rd_host *h)
{
	h->h_state = HOST_UNKNOWN;
	h->h_reason = HCE_NONE;
	h->h_retry_left = h->h_retry;
	h->h_checks = 0;
	h->h_ups = 0;
}

int
hce_mirror(struct rd_host *child, const struct rd_host *parent)
{
	enum host_state	 old = child->h_state;

	if (child->h_disabled)
		return (0);
	child->h_state = parent->h_state;
	child->h_reason = parent->h_reason;
	child->h_retry_left = parent->h_retry_left;
	child->h_checks = parent->h_checks;
	child->h_ups = parent->h_ups;
	return (child->h_state != old);
}
