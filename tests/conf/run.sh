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

# sasyncd refuses a config file that group or others may read (as
# OpenBSD's does) and a git checkout is 0644: it reads a 0600 copy, under
# the same relative name so its messages match.
conf_n() {	# conf_n BIN FLAG FILE [-v]
	if [ "$(basename "$1")" != sasyncd ]; then
		"$1" -n$4 "$2" "$3"
		return
	fi
	case $3 in
	/*)	chmod 0600 "$3" && "$1" -n$4 "$2" "$3"
		return ;;
	esac
	mkdir -p "$tmp/m/$(dirname "$3")"
	cp "$3" "$tmp/m/$3" && chmod 0600 "$tmp/m/$3" &&
	    (cd "$tmp/m" && "$OLDPWD/$1" -n$4 "$2" "$3")
}

ko() { fail=$((fail + 1)); echo "conf: FAIL $*" >&2; }

for dir in tests/conf/*/; do
	d=$(basename "$dir")
	bin="$d/$d"
	[ -x "$bin" ] || { ko "$bin missing"; continue; }
	# the config flag is OpenBSD's: dhcpd's -f means foreground
	cf=-f
	[ "$d" = dhcpd ] && cf=-c
	[ "$d" = sasyncd ] && cf=-c
	for f in "$dir"good-*.conf; do
		[ -e "$f" ] || continue
		if ! conf_n "$bin" "$cf" "$f" v >"$tmp/out" 2>"$tmp/err"; then
			ko "$f: -n failed: $(cat "$tmp/err")"
			continue
		fi
		if ! diff -u "${f%.conf}.out" "$tmp/out" >&2; then
			ko "$f: -nv output differs"
			continue
		fi
		# a key is never printed: put a placeholder of its length back
		cp "$tmp/out" "$tmp/again"
		n=$(sed -n 's/^# sharedkey: \([0-9]*\) bytes, not shown$/\1/p' \
		    "$tmp/out")
		[ -n "$n" ] && printf 'sharedkey "%s"\n' \
		    "$(printf "%${n}s" | tr ' ' k)" >>"$tmp/again"
		if ! conf_n "$bin" "$cf" "$tmp/again" v >"$tmp/out2" \
		    2>"$tmp/err" ||
		    ! cmp -s "$tmp/out" "$tmp/out2"; then
			ko "$f: printout does not parse to the same text"
			continue
		fi
		ok
	done
	for f in "$dir"bad-*.conf; do
		[ -e "$f" ] || continue
		if conf_n "$bin" "$cf" "$f" >"$tmp/out" 2>"$tmp/err"; then
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
		if conf_n "$bin" "$cf" "$f" >/dev/null 2>"$tmp/err"; then ok; else
			ko "$f: $(cat "$tmp/err")"; fi
	done
done
echo "conf: $pass passed, $fail failed"
echo "conf $pass $fail" >"$out/conf.count"
[ "$fail" -eq 0 ]
