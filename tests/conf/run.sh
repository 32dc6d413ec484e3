#!/bin/sh
# SPDX-License-Identifier: ISC
# Config tests for every daemon under tests/conf/<daemon>/ (STYLE.md):
# good-*.conf passes -n, its -nv output equals good-*.out and parses again
# to the same text; bad-*.conf fails -n with every line of its .err on
# stderr.  Every example in contrib/ must pass -n too.
out=build/results
mkdir -p "$out"
pass=0 fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ok() { pass=$((pass + 1)); }
ko() { fail=$((fail + 1)); echo "conf: FAIL $*" >&2; }

for dir in tests/conf/*/; do
	d=$(basename "$dir")
	bin="$d/$d"
	[ -x "$bin" ] || { ko "$bin missing"; continue; }
	# the config flag is OpenBSD's: dhcpd's -f means foreground
	cf=-f
	[ "$d" = dhcpd ] && cf=-c
	for f in "$dir"good-*.conf; do
		[ -e "$f" ] || continue
		if ! "$bin" -nv "$cf" "$f" >"$tmp/out" 2>"$tmp/err"; then
			ko "$f: -n failed: $(cat "$tmp/err")"
			continue
		fi
		if ! diff -u "${f%.conf}.out" "$tmp/out" >&2; then
			ko "$f: -nv output differs"
			continue
		fi
		if ! "$bin" -nv "$cf" "$tmp/out" >"$tmp/out2" 2>"$tmp/err" ||
		    ! cmp -s "$tmp/out" "$tmp/out2"; then
			ko "$f: printout does not parse to the same text"
			continue
		fi
		ok
	done
	for f in "$dir"bad-*.conf; do
		[ -e "$f" ] || continue
		if "$bin" -n "$cf" "$f" >"$tmp/out" 2>"$tmp/err"; then
			ko "$f: -n accepted a bad file"
			continue
		fi
		missing=0
		while IFS= read -r line; do
			[ -n "$line" ] || continue
			grep -qF -- "$line" "$tmp/err" || {
				missing=1
				echo "conf: $f: expected: $line" >&2
			}
		done <"${f%.conf}.err"
		if [ "$missing" -eq 1 ]; then
			echo "conf: $f: got: $(cat "$tmp/err")" >&2
			ko "$f: message"
			continue
		fi
		ok
	done
	for f in contrib/"$d".conf contrib/"$d"-*.conf; do
		[ -e "$f" ] || continue
		if "$bin" -n "$cf" "$f" >/dev/null 2>"$tmp/err"; then ok; else
			ko "$f: $(cat "$tmp/err")"; fi
	done
done
echo "conf: $pass passed, $fail failed"
echo "conf $pass $fail" >"$out/conf.count"
[ "$fail" -eq 0 ]
