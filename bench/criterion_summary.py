#!/usr/bin/env python3
"""Prints the median (and its 95% interval) of every criterion benchmark under a
criterion output directory, one line each.

Usage: bench/criterion_summary.py [CRITERION_DIR]   (default: $CARGO_TARGET_DIR/criterion
or target/criterion)
"""
import json
import os
import sys


def fmt(ns):
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.3g} {unit}"
    return f"{ns:.3g} ns"


def main():
    default = os.path.join(os.environ.get("CARGO_TARGET_DIR", "target"), "criterion")
    root = sys.argv[1] if len(sys.argv) > 1 else default
    rows = []
    for dirpath, _, files in os.walk(root):
        if "estimates.json" in files and os.path.basename(dirpath) == "new":
            bench = os.path.relpath(os.path.dirname(dirpath), root)
            with open(os.path.join(dirpath, "estimates.json")) as f:
                median = json.load(f)["median"]
            ci = median["confidence_interval"]
            rows.append((bench, median["point_estimate"], ci["lower_bound"], ci["upper_bound"]))
    if not rows:
        sys.exit(f"no criterion results under {root}")
    width = max(len(r[0]) for r in rows)
    for bench, point, low, high in sorted(rows):
        print(f"{bench:<{width}}  median {fmt(point):>9}  [{fmt(low)} .. {fmt(high)}]")


if __name__ == "__main__":
    main()
