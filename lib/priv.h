/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

#ifndef HAKIT_PRIV_H
#define HAKIT_PRIV_H

#include <sys/capability.h>

/*
 * Keeps only the n capabilities given, in the bounding set too, and sets
 * no_new_privs, so neither this process nor anything it runs can gain
 * privileges again.  Returns 0, or -1 with errno set.
 */
int	 priv_keep_caps(const cap_value_t *, int n);

#endif /* HAKIT_PRIV_H */
