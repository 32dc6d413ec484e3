#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""Sums build/results/*.count ("suite passed failed") into make check's
closing line; exits 1 on any failure or when nothing was tested."""
import pathlib
import sys

d = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "build/results")
tp = tf = 0
for f in sorted(d.glob("*.count")):
    for line in f.read_text().splitlines():
        parts = line.split()
        if len(parts) != 3:
            continue
        name, p, n = parts[0], int(parts[1]), int(parts[2])
        print(f"  {name:<14} {p:5d} passed {n:5d} failed")
        tp += p
        tf += n
print(f"{tp} passed, {tf} failed")
sys.exit(1 if tf or tp == 0 else 0)
