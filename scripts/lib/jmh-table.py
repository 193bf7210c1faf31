#!/usr/bin/env python3
"""Turns JMH sample-mode JSON results into a markdown table: one row per benchmark and thread
count, local disk beside Hearth, p50/p99 latency, throughput (threads / mean latency: every
thread is a closed loop) and the ratio Hearth/local."""
import json
import sys
from collections import defaultdict

rows = defaultdict(dict)
for path in sys.argv[1:]:
    for r in json.load(open(path)):
        name = r["benchmark"].rsplit(".", 1)[1]
        threads = r["threads"]
        target = r["params"]["target"]
        m = r["primaryMetric"]
        pct = m["scorePercentiles"]
        mean_us = m["score"]
        rows[(name, threads)][target] = {
            "p50": pct["50.0"], "p99": pct["99.0"], "ops": threads * 1e6 / mean_us if mean_us else 0,
        }

def fmt_lat(us):
    return f"{us/1000:.2f} ms" if us >= 1000 else f"{us:.1f} us"

print("| op | threads | local p50 | local p99 | local ops/s | hearth p50 | hearth p99 | hearth ops/s | hearth/local ops/s |")
print("|---|---|---|---|---|---|---|---|---|")
for (name, threads) in sorted(rows):
    l, h = rows[(name, threads)].get("local"), rows[(name, threads)].get("hearth")
    if not l or not h:
        continue
    ratio = h["ops"] / l["ops"] if l["ops"] else 0
    print(f"| {name} | {threads} | {fmt_lat(l['p50'])} | {fmt_lat(l['p99'])} | {l['ops']:,.0f} | "
          f"{fmt_lat(h['p50'])} | {fmt_lat(h['p99'])} | {h['ops']:,.0f} | {ratio:.3f} |")
