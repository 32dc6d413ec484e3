#!/bin/sh
# SPDX-License-Identifier: ISC
# Runs each cmocka binary with TAP output; counts "ok" and "not ok" lines.
# A binary that dies before reporting counts as one failure.
out=build/results
mkdir -p "$out"
pass=0 fail=0
export ASAN_OPTIONS=abort_on_error=1:detect_leaks=1
export UBSAN_OPTIONS=print_stacktrace=1
for t in "$@"; do
	log="$out/$(basename "$t").tap"
	CMOCKA_MESSAGE_OUTPUT=TAP "$t" >"$log" 2>&1
	rc=$?
	p=$(grep -c '^ok ' "$log")
	f=$(grep -c '^not ok ' "$log")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
		echo "unit: $t exited $rc without a failed test:" >&2
		tail -n 30 "$log" >&2
	fi
	[ "$f" -gt 0 ] && grep -A5 '^not ok ' "$log" >&2
	echo "unit: $(basename "$t"): $p passed, $f failed"
	pass=$((pass + p)) fail=$((fail + f))
done
echo "unit $pass $fail" >"$out/unit.count"
[ "$fail" -eq 0 ]
