/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

#include <sys/prctl.h>

#include <errno.h>
#include <stddef.h>

#include "priv.h"

static int
priv_kept(const cap_value_t *keep, int n, cap_value_t c)
{
	int	 i;

	for (i = 0; i < n; i++)
		if (keep[i] == c)
			return (1);
	return (0);
}

int
priv_keep_caps(const cap_value_t *keep, int n)
{
	cap_t		 caps;
	cap_value_t	 c;
	int		 rv = -1;

	for (c = 0; c <= CAP_LAST_CAP; c++)
		if (!priv_kept(keep, n, c) &&
		    prctl(PR_CAPBSET_DROP, c, 0, 0, 0) == -1 && errno != EINVAL)
			return (-1);
	if ((caps = cap_init()) == NULL)
		return (-1);
	if (cap_set_flag(caps, CAP_PERMITTED, n, keep, CAP_SET) == 0 &&
	    cap_set_flag(caps, CAP_EFFECTIVE, n, keep, CAP_SET) == 0 &&
	    cap_set_proc(caps) == 0)
		rv = 0;
	(void)cap_free(caps);
	if (rv == 0 && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		rv = -1;
	return (rv);
}
