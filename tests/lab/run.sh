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
XML2=build/results/lab-relayd.xml
rm -f "$XML" "$XML2" build/results/lab-relayd.out

# Missing programs fail the tests instead of skipping them.
export HAKIT_LAB_STRICT=1
if [ $# -gt 0 ]; then
	"$PYTHON" -m pytest tests/lab -q -p no:cacheprovider \
	    --junitxml="$XML" "$@"
	rc=$?
	rc2=5
	xmls=$XML
else
	# Two pytest runs side by side, to keep make check short on two
	# cores: relayd's and sasyncd's tests (mostly waiting on checks and
	# timers) and the others.
	# Each lab's namespaces carry its pytest's pid, so neither touches
	# the other's (cleanup_stale only removes those of dead pids).
	"$PYTHON" -m pytest tests/lab -q -p no:cacheprovider -k "relayd or sasyncd" \
	    --junitxml="$XML2" >build/results/lab-relayd.out 2>&1 &
	pid2=$!
	"$PYTHON" -m pytest tests/lab -q -p no:cacheprovider -k "not relayd and not sasyncd" \
	    --junitxml="$XML"
	rc=$?
	wait "$pid2"
	rc2=$?
	echo "--- relayd and sasyncd lab tests (run alongside) ---"
	cat build/results/lab-relayd.out
	xmls="$XML $XML2"
fi
# The worse of the two: a failure (1) or an error (>1) wins over 0 or 5.
[ "$rc2" -ne 0 ] && [ "$rc2" -ne 5 ] && { [ "$rc" -eq 0 ] || [ "$rc" -eq 5 ]; } &&
    rc=$rc2

# shellcheck disable=SC2086
"$PYTHON" - "$rc" $xmls > build/results/lab.count <<'PY'
import sys
import xml.etree.ElementTree as ET

rc, xmls = int(sys.argv[1]), sys.argv[2:]
cases = []
for xml in xmls:
    try:
        cases += list(ET.parse(xml).getroot().iter("testcase"))
    except (OSError, ET.ParseError):
        # pytest died before writing its report: one failure, not silence.
        print("lab 0 1")
        sys.exit(0)
# One verdict per test case: failure or error anywhere (call, setup,
# teardown) fails it; a skip alone skips it.
verdict = {}
for tc in cases:
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
