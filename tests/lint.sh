#!/bin/sh
# SPDX-License-Identifier: ISC
# Lint step of make check: cppcheck over our C, mandoc -Tlint over every
# man page.  Each tool is one test in the summary.
out=build/results
mkdir -p "$out"
pass=0 fail=0
srcs=$(git ls-files '*.c' '*.h' 2>/dev/null | grep -v '^tests/')
if cppcheck --quiet --error-exitcode=1 --std=c11 --inline-suppr \
    --enable=warning,portability --suppress=missingIncludeSystem \
    -D__GNUC__ -DLIBBSD_OVERLAY -I/usr/include/bsd -Ilib -Icarpd \
    --suppress=unknownMacro $srcs 2>"$out/cppcheck.log"; then
	pass=$((pass + 1))
else
	fail=$((fail + 1)); cat "$out/cppcheck.log" >&2
fi
mans=$(git ls-files '*.[1-8]' 2>/dev/null)
if [ -n "$mans" ]; then
	if mandoc -Tlint -Wwarning $mans >"$out/mandoc.log" 2>&1; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1)); cat "$out/mandoc.log" >&2
	fi
fi
echo "lint: $pass passed, $fail failed"
echo "lint $pass $fail" >"$out/lint.count"
[ "$fail" -eq 0 ]
