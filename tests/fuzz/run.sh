#!/bin/sh
# SPDX-License-Identifier: ISC
# tests/fuzz/run.sh replay|fuzz BUILDDIR TARGET...
# replay: runs each target's corpus once (gcc+ASan build).
# fuzz: runs each libFuzzer target for FUZZ_TIME seconds on a scratch copy
# of its corpus; a crash leaves its input under build/fuzz-crashes/.
mode=$1 dir=$2
shift 2
out=build/results
mkdir -p "$out" build/fuzz-crashes
pass=0 fail=0
export ASAN_OPTIONS=abort_on_error=1:detect_leaks=1
for t in "$@"; do
	corpus=tests/fuzz/corpus/$t
	mkdir -p "$corpus"
	if [ "$mode" = replay ]; then
		if "$dir/tests/fuzz/$t" "$corpus" >"$out/$t.replay.log" 2>&1; then
			pass=$((pass + 1))
		else
			fail=$((fail + 1))
			tail -n 40 "$out/$t.replay.log" >&2
		fi
		continue
	fi
	scratch=$(mktemp -d)
	cp -r "$corpus"/. "$scratch"/ 2>/dev/null
	if "$dir/tests/fuzz/$t" -max_total_time="${FUZZ_TIME:-10}" \
	    -timeout=10 -rss_limit_mb=2048 -print_final_stats=0 \
	    -artifact_prefix=build/fuzz-crashes/"$t"- "$scratch" \
	    >"$out/$t.fuzz.log" 2>&1; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		tail -n 40 "$out/$t.fuzz.log" >&2
	fi
	rm -rf "$scratch"
done
echo "fuzz-$mode: $pass passed, $fail failed"
echo "fuzz-$mode $pass $fail" >"$out/fuzz-$mode.count"
[ "$fail" -eq 0 ]
