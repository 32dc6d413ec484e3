# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The hakit Authors
#
# Guest scenario for the harness's own test: it never ends by itself.
# uml-timeout: 2

echo "RESULT started=1"
sleep 120
