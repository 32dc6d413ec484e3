#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The hakit Authors
#
# Runs the lab tests (tests/lab, pytest in network namespaces, as root)
# and writes "lab PASSED FAILED" to build/results/lab.count for
# tests/summary.py.  A skipped test counts as neither; an error (setup,
# teardown) counts as failed.  Extra arguments go to pytest (-k, -x...).
set -u
cd "$(dirname "$0")/../.." || exit 1
PYTHON=${PYTHON:-/usr/bin/python3}
mkdir -p build/results
rm -rf build/results/lab-logs
XML=build/results/lab.xml
rm -f "$XML"

# Missing programs fail the tests instead of skipping them.
HAKIT_LAB_STRICT=1 "$PYTHON" -m pytest tests/lab -q -p no:cacheprovider \
    --junitxml="$XML" "$@"
rc=$?

"$PYTHON" - "$XML" "$rc" > build/results/lab.count <<'PY'
import sys
import xml.etree.ElementTree as ET

xml, rc = sys.argv[1], int(sys.argv[2])
try:
    root = ET.parse(xml).getroot()
except (OSError, ET.ParseError):
    # pytest died before writing its report: one failure, not silence.
    print("lab 0 1")
    sys.exit(0)
# One verdict per test case: failure or error anywhere (call, setup,
# teardown) fails it; a skip alone skips it.
verdict = {}
for tc in root.iter("testcase"):
    key = (tc.get("classname"), tc.get("name"))
    tags = {c.tag for c in tc}
    if tags & {"failure", "error"}:
        v = "failed"
    elif "skipped" in tags:
        v = "skipped"
    else:
        v = "passed"
    rank = {"skipped": 0, "passed": 1, "failed": 2}
    if rank[v] >= rank.get(verdict.get(key), -1):
        verdict[key] = v
passed = sum(v == "passed" for v in verdict.values())
failed = sum(v == "failed" for v in verdict.values())
if rc not in (0, 1, 5) and failed == 0:
    failed = 1      # interrupted or internal error
print("lab %d %d" % (passed, failed))
PY
cat build/results/lab.count
# No tests collected is not a failure of the suite runner.
[ "$rc" -eq 5 ] && rc=0
exit "$rc"
