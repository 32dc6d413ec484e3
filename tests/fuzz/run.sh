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

# One libFuzzer run; its exit status goes to $out/$t.fuzz.rc.
fuzz_one() {
	t=$1
	scratch=$(mktemp -d)
	cp -r "tests/fuzz/corpus/$t"/. "$scratch"/ 2>/dev/null
	"$dir/tests/fuzz/$t" -max_total_time="${FUZZ_TIME:-10}" \
	    -timeout=10 -rss_limit_mb=2048 -print_final_stats=0 \
	    -artifact_prefix=build/fuzz-crashes/"$t"- "$scratch" \
	    >"$out/$t.fuzz.log" 2>&1
	echo $? >"$out/$t.fuzz.rc"
	rm -rf "$scratch"
}

targets="$*"
for t in $targets; do
	mkdir -p "tests/fuzz/corpus/$t"
done
if [ "$mode" = fuzz ]; then
	# Two at a time: each fuzzer uses one core, and the machine has two.
	while [ $# -gt 0 ]; do
		fuzz_one "$1" &
		if [ $# -gt 1 ]; then
			fuzz_one "$2" &
			shift
		fi
		shift
		wait
	done
fi
for t in $targets; do
	if [ "$mode" = replay ]; then
		if "$dir/tests/fuzz/$t" "tests/fuzz/corpus/$t" \
		    >"$out/$t.replay.log" 2>&1; then
			pass=$((pass + 1))
		else
			fail=$((fail + 1))
			tail -n 40 "$out/$t.replay.log" >&2
		fi
		continue
	fi
	if [ "$(cat "$out/$t.fuzz.rc" 2>/dev/null)" = 0 ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		tail -n 40 "$out/$t.fuzz.log" >&2
	fi
done
echo "fuzz-$mode: $pass passed, $fail failed"
echo "fuzz-$mode $pass $fail" >"$out/fuzz-$mode.count"
[ "$fail" -eq 0 ]
