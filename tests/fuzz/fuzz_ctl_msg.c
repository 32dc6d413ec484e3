/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/* Control requests: whatever a local client writes on a control socket. */

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>

#include "ctl.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	const char	*err = NULL;
	json_t		*req;

	req = ctl_parse_request((const char *)data, len, &err);
	if (req == NULL) {
		if (err == NULL)
			abort();	/* a refusal always names its reason */
		return (0);
	}
	if (!json_is_object(req) ||
	    !json_is_string(json_object_get(req, "cmd")))
		abort();
	json_decref(req);
	return (0);
}
