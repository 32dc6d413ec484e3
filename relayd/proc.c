/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

#include <sys/types.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/socket.h>

#include <errno.h>
#include <event2/event.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "relayd.h"
#include "proc.h"

#define CHAN_MAXTEXT	(16 * 1024 * 1024)	/* a printed configuration */

static void	 chan_read(int, short, void *);

/* Set in children: a sibling's channel closing means relayd stops. */
static int	 chan_in_child;

int
chan_init(struct chan *ch, struct event_base *base, int fd,
    const char *peer, chan_dispatch *dispatch, void *arg)
{
	int	 sz = 1024 * 1024;

	memset(ch, 0, sizeof(*ch));
	ch->ch_fd = fd;
	ch->ch_peer = peer;
	ch->ch_dispatch = dispatch;
	ch->ch_arg = arg;
	/* Room for a burst of redirect updates without blocking. */
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	if ((ch->ch_ev = event_new(base, fd, EV_READ | EV_PERSIST, chan_read,
	    ch)) == NULL || event_add(ch->ch_ev, NULL) == -1)
		return (-1);
	return (0);
}

void
chan_close(struct chan *ch)
{
	if (ch->ch_ev != NULL)
		event_free(ch->ch_ev);
	ch->ch_ev = NULL;
	free(ch->ch_text);
	ch->ch_text = NULL;
	if (ch->ch_fd != -1)
		(void)close(ch->ch_fd);
	ch->ch_fd = -1;
}

static void
chan_read(int fd, short ev, void *arg)
{
	struct chan	*ch = arg;
	int		 rv;

	(void)ev;
	rv = msg_recv(fd, &ch->ch_msg);
	if (rv == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (rv == 0) {
		/*
		 * A child's parent going away is how relayd stops; at a
		 * stop the parent ends the children in turn, so a child
		 * may see a sibling go first.  A crash is the parent's to
		 * report: it loses a channel while it runs.
		 */
		if (strcmp(ch->ch_peer, "parent") == 0 || chan_in_child) {
			log_debug("%s closed its channel", ch->ch_peer);
			exit(0);
		}
		fatalx("%s closed its channel", ch->ch_peer);
	}
	if (rv == -1)
		fatal("reading from %s", ch->ch_peer);
	ch->ch_dispatch(ch, &ch->ch_msg, ch->ch_arg);
	if (ch->ch_msg.m_fd != -1) {
		(void)close(ch->ch_msg.m_fd);
		ch->ch_msg.m_fd = -1;
	}
}

void
chan_send(struct chan *ch, uint32_t type, const void *data, size_t len)
{
	if (msg_send(ch->ch_fd, type, data, len, -1) == -1)
		fatal("sending to %s", ch->ch_peer);
}

void
chan_send_fd(struct chan *ch, uint32_t type, const void *data, size_t len,
    int fd)
{
	if (msg_send(ch->ch_fd, type, data, len, fd) == -1)
		fatal("sending to %s", ch->ch_peer);
}

void
chan_send_chunked(struct chan *ch, uint32_t type, uint32_t gen,
    uint32_t relay, const uint8_t *data, size_t len)
{
	static uint8_t		 buf[MSG_MAXLEN];
	struct m_relay_tls	*mt = (struct m_relay_tls *)(void *)buf;
	size_t			 off, n, max = MSG_MAXLEN - sizeof(*mt);

	for (off = 0; off < len; off += n) {
		n = len - off < max ? len - off : max;
		mt->mt_gen = gen;
		mt->mt_relay = relay;
		mt->mt_total = (uint32_t)len;
		mt->mt_off = (uint32_t)off;
		memcpy(buf + sizeof(*mt), data + off, n);
		chan_send(ch, type, buf, sizeof(*mt) + n);
	}
	explicit_bzero(buf, sizeof(buf));
}

int
chunked_add(struct chunked *cb, const struct msg *m)
{
	const struct m_relay_tls *mt = (const void *)m->m_data;
	size_t			 n;

	if (m->m_len < sizeof(*mt))
		return (-1);
	n = m->m_len - sizeof(*mt);
	if (cb->cb_buf == NULL) {
		if (mt->mt_off != 0 || mt->mt_total > CHAN_MAXCHUNKED ||
		    (cb->cb_buf = malloc((size_t)mt->mt_total + 1)) == NULL)
			return (-1);
		cb->cb_total = mt->mt_total;
		cb->cb_have = 0;
		cb->cb_gen = mt->mt_gen;
	}
	if (mt->mt_off != cb->cb_have || mt->mt_gen != cb->cb_gen ||
	    n > cb->cb_total - cb->cb_have)
		return (-1);
	memcpy(cb->cb_buf + cb->cb_have, m->m_data + sizeof(*mt), n);
	cb->cb_have += n;
	return (cb->cb_have == cb->cb_total);
}

void
chunked_free(struct chunked *cb)
{
	if (cb->cb_buf != NULL)
		freezero(cb->cb_buf, cb->cb_total + 1);
	memset(cb, 0, sizeof(*cb));
}

void
chan_send_conf(struct chan *ch, const struct relayd_conf *conf,
    uint32_t gen)
{
	char	*text;
	size_t	 len, off, n;

	if ((text = conf_print_str(conf, &len)) == NULL)
		fatalx("printing the configuration");
	for (off = 0; off < len; off += n) {
		n = len - off < MSG_MAXLEN ? len - off : MSG_MAXLEN;
		chan_send(ch, M_CFG_TEXT, text + off, n);
	}
	chan_send(ch, M_CFG_END, &gen, sizeof(gen));
	free(text);
}

struct relayd_conf *
chan_recv_conf(struct chan *ch, const struct msg *m, uint32_t *gen)
{
	struct conf_parse_opts	 po;
	struct relayd_conf	*conf;
	char			*t;

	if (m->m_type == M_CFG_TEXT) {
		if (ch->ch_textlen + m->m_len > CHAN_MAXTEXT)
			fatalx("configuration text from %s too long",
			    ch->ch_peer);
		if ((t = realloc(ch->ch_text, ch->ch_textlen + m->m_len + 1)) ==
		    NULL)
			fatal("realloc");
		memcpy(t + ch->ch_textlen, m->m_data, m->m_len);
		ch->ch_text = t;
		ch->ch_textlen += m->m_len;
		return (NULL);
	}
	if (m->m_len != sizeof(*gen))
		fatalx("bad configuration end from %s", ch->ch_peer);
	memcpy(gen, m->m_data, sizeof(*gen));
	memset(&po, 0, sizeof(po));
	conf = conf_parse_buf(ch->ch_text != NULL ? ch->ch_text : "",
	    ch->ch_textlen, "(from parent)", &po);
	free(ch->ch_text);
	ch->ch_text = NULL;
	ch->ch_textlen = 0;
	if (conf == NULL)
		fatalx("the configuration from %s does not parse",
		    ch->ch_peer);
	return (conf);
}

int
chan_recv_verbose(const struct msg *m)
{
	int	 v;

	if (m->m_len != sizeof(v))
		return (-1);
	memcpy(&v, m->m_data, sizeof(v));
	log_setverbose(v);
	return (v);
}

void
proc_drop(const char *title)
{
	struct passwd	*pw;
	cap_value_t	 c;

	log_procinit(title);
	chan_in_child = 1;
	(void)prctl(PR_SET_NAME, title, 0, 0, 0);
	if ((pw = getpwnam(RELAYD_USER)) == NULL)
		fatalx("%s: no user %s (make install creates it)", title,
		    RELAYD_USER);
	/*
	 * Linux differs: no chroot, Debian has no /var/empty; the process
	 * keeps no capability and no file it could use is open.  The
	 * bounding set goes first, while CAP_SETPCAP is still held; the
	 * change of uid then clears the rest.
	 */
	for (c = 0; c <= CAP_LAST_CAP; c++)
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) == -1 && errno != EINVAL)
			fatal("%s: dropping capabilities", title);
	if (setgroups(1, &pw->pw_gid) == -1 ||
	    setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) == -1 ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) == -1)
		fatal("%s: dropping to %s", title, RELAYD_USER);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		fatal("%s: no_new_privs", title);
}

/*
 * After conf_merge_state() has carried a redirect's buckets over a reload
 * by names (host ids may shift, IMP-13), the buckets of hosts that are
 * gone go to those that stay, so a redirect whose hosts stay live keeps
 * every bucket where it was and its map never empties.  A redirect new in
 * this configuration has nothing installed.  Both the parent (what is
 * installed) and the pfe (what should be) use it.
 */
void
rdr_carry_over(struct relayd_conf *newc, const struct relayd_conf *oldc)
{
	static uint32_t		 live[RELAYD_BUCKETS];
	struct rd_redirect	*r;
	const struct rd_redirect *o;
	int			 i, j, n;

	TAILQ_FOREACH(r, &newc->c_redirects, r_entry) {
		if ((o = conf_redirect_byname(oldc, r->r_name)) == NULL) {
			memset(r->r_buckets, 0, sizeof(r->r_buckets));
			r->r_status = RDR_DOWN;
			continue;
		}
		r->r_stats = o->r_stats;
		for (i = n = 0; i < RELAYD_BUCKETS; i++) {
			if (r->r_buckets[i] == 0)
				continue;
			for (j = 0; j < n && live[j] != r->r_buckets[i]; j++)
				;
			if (j == n)
				live[n++] = r->r_buckets[i];
		}
		(void)buckets_update(r->r_buckets, live, n);
		if (n == 0 && r->r_status != RDR_DISABLED)
			r->r_status = RDR_DOWN;
	}
}
