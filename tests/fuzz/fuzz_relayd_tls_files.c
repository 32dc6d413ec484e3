/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * relay_tls_files_unpack() on hostile bytes: what the relay process
 * reads from the parent.  An accepted buffer is in canonical form, so
 * packing what came out must give back exactly the input; a refused one
 * leaves the files empty.  A broken invariant aborts.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "relay_tls.h"

#define CHECK(x)	do { if (!(x)) abort(); } while (0)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct relay_tls_files	 tf;
	uint8_t			*buf;
	size_t			 len;
	int			 i;

	if (relay_tls_files_unpack(data, size, &tf) == -1) {
		CHECK(tf.tf_nlisten == 0 && tf.tf_ca == NULL &&
		    tf.tf_client_ca == NULL);
		return (0);
	}
	CHECK(tf.tf_nlisten <= RELAYD_MAXLISTEN);
	for (i = 0; i < tf.tf_nlisten; i++)
		CHECK(tf.tf_listen[i].tl_nkp >= 1 &&
		    tf.tf_listen[i].tl_nkp <= RELAY_TLS_MAXKEYPAIRS &&
		    tf.tf_listen[i].tl_kp[0].kf_name[0] != '\0');
	CHECK(relay_tls_files_pack(&tf, &buf, &len) == 0);
	CHECK(len == size && memcmp(buf, data, size) == 0);
	freezero(buf, len);
	relay_tls_files_free(&tf);
	CHECK(tf.tf_nlisten == 0);
	return (0);
}
