#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The hakit Authors
#
# Runs the User-Mode Linux tier (tests/uml, pytest) and writes
# "uml PASSED FAILED" to build/results/uml.count for tests/summary.py.
# Every test skips when linux.uml is not installed.  Extra arguments go
# to pytest (-k, -x...).
set -u
cd "$(dirname "$0")/../.." || exit 1
PYTHON=${PYTHON:-/usr/bin/python3}
mkdir -p build/results
XML=build/results/uml.xml
rm -f "$XML"
"$PYTHON" -m pytest tests/uml -q -p no:cacheprovider -ra \
    --junitxml="$XML" "$@"
rc=$?
"$PYTHON" - "$rc" "$XML" > build/results/uml.count <<'PY'
import sys
import xml.etree.ElementTree as ET

rc, xml = int(sys.argv[1]), sys.argv[2]
try:
    cases = list(ET.parse(xml).getroot().iter("testcase"))
except (OSError, ET.ParseError):
    print("uml 0 1")
    sys.exit(0)
passed = failed = 0
for tc in cases:
    tags = {c.tag for c in tc}
    if tags & {"failure", "error"}:
        failed += 1
    elif "skipped" not in tags:
        passed += 1
if rc not in (0, 1, 5) and failed == 0:
    failed = 1
print("uml %d %d" % (passed, failed))
PY
cat build/results/uml.count
[ "$rc" -eq 5 ] && rc=0
exit "$rc"
