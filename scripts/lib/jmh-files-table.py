#!/usr/bin/env python3
"""Turns FileBench JMH JSON results into a markdown table: one row per benchmark (and cache mode)
and thread count, local disk beside Hearth, throughput (MiB/s for the sequential rows, ops/s for
the others), the ratio Hearth/local, and latency (p50/p99 in sample mode, the mean otherwise);
then the issue's goals against the measured figures. Every thread is a closed loop, so throughput
is threads / mean time per operation. A failed trial shows as "failed", a target left out of
the run as "not run"."""
import json
import sys
from collections import defaultdict

UNIT_S = {"ns/op": 1e-9, "us/op": 1e-6, "ms/op": 1e-3, "s/op": 1.0}
ORDER = ["seqWrite", "seqRead", "randRead", "randWrite", "smallFile"]
GOALS = [  # (benchmark, cache, goal MiB/s) on this 2-core machine, from the issue
    ("seqWrite", None, 300),
    ("seqRead", "hot", 800),
]

rows = defaultdict(dict)
params_seen = defaultdict(set)
for path in sys.argv[1:]:
    for r in json.load(open(path)):
        name = r["benchmark"].rsplit(".", 1)[1]
        p = r.get("params", {})
        for k, v in p.items():
            params_seen[k].add(v)
        threads = r["threads"]
        m = r["primaryMetric"]
        mean_s = m["score"] * UNIT_S[m["scoreUnit"]]
        pct = m.get("scorePercentiles", {})
        sample = r["mode"] == "sample"
        cell = {
            "mean_s": mean_s,
            "p50_s": pct.get("50.0", 0) * UNIT_S[m["scoreUnit"]] if sample else None,
            "p99_s": pct.get("99.0", 0) * UNIT_S[m["scoreUnit"]] if sample else None,
        }
        if name in ("seqWrite", "seqRead"):
            cell["value"] = threads * int(p["fileMiB"]) / mean_s if mean_s else 0
            cell["unit"] = "MiB/s"
        else:
            cell["value"] = threads / mean_s if mean_s else 0
            cell["unit"] = "ops/s"
        rows[(name, p.get("cache"), p.get("fileMiB") or p.get("randFileMiB"), threads)][p["target"]] = cell


def size(mib):
    mib = int(mib)
    return f"{mib // 1024} GiB" if mib % 1024 == 0 else f"{mib} MiB"


def label(name, cache, mib):
    if name == "seqWrite":
        return f"seq write {size(mib)}: 1 MiB writes, fsync, close"
    if name == "seqRead":
        return f"seq read {size(mib)}: 1 MiB reads, page cache {'dropped' if cache == 'cold' else 'hot'}"
    if name == "randRead":
        return f"4 KiB random read ({size(mib)} file)"
    if name == "randWrite":
        return f"4 KiB random write, fsync / 64 ({size(mib)} file)"
    if name == "smallFile":
        return "small file: create, write 4 KiB, close"
    return name


def fmt_t(s):
    if s is None:
        return "-"
    if s >= 1:
        return f"{s:.2f} s"
    if s >= 1e-3:
        return f"{s * 1e3:.2f} ms"
    return f"{s * 1e6:.1f} us"


def fmt_v(c, target):
    if c:
        return f"{c['value']:,.0f} {c['unit']}"
    # A target with results elsewhere failed here; one with none was not asked for (-p target=).
    return "failed" if target in params_seen.get("target", ()) else "not run"


def fmt_lat(c):
    if not c:
        return "-"
    if c["p50_s"] is None:
        return f"mean {fmt_t(c['mean_s'])}"
    return f"{fmt_t(c['p50_s'])} / {fmt_t(c['p99_s'])}"


def key_order(k):
    name, cache, mib, threads = k
    return (ORDER.index(name) if name in ORDER else 99, cache != "hot", int(mib or 0), threads)


print("| row | threads | local | hearth | hearth/local | local p50 / p99 | hearth p50 / p99 |")
print("|---|---|---|---|---|---|---|")
for k in sorted(rows, key=key_order):
    name, cache, mib, threads = k
    l, h = rows[k].get("local"), rows[k].get("hearth")
    ratio = f"{h['value'] / l['value']:.3f}" if l and h and l["value"] else "-"
    print(f"| {label(name, cache, mib)} | {threads} | {fmt_v(l, 'local')} | {fmt_v(h, 'hearth')} | {ratio} | "
          f"{fmt_lat(l)} | {fmt_lat(h)} |")

goal_lines = []
for name, cache, goal in GOALS:
    for k in sorted(rows, key=key_order):
        if k[0] != name or (cache and k[1] != cache) or k[3] != 1:
            continue
        h = rows[k].get("hearth")
        got = fmt_v(h, "hearth")
        met = "met" if h and h["value"] >= goal else "**not met**"
        goal_lines.append(f"| {label(*k[:3])} >= {goal} MiB/s | {got} | {met} |")
if goal_lines:
    print()
    print("| goal | hearth | |")
    print("|---|---|---|")
    print("\n".join(goal_lines))

seeds = ", ".join(sorted(params_seen.get("seed", [])))
if seeds:
    print()
    print(f"seed: {seeds}")
