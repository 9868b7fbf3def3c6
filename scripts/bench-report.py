#!/usr/bin/env python3
"""Turn lab/xr-bench.c's CSV into the benchmark's table, data and chart.

    scripts/bench-report.py BENCH_CSV OUT_DIR

Per op: the median ns per operation of each side over the rounds, the
ratio pinned / unpinned of those medians, and its 95% confidence interval
by a paired bootstrap over rounds (rounds are resampled with both sides'
values together, as each round ran both sides back to back).  A ratio
whose interval contains 1 is reported as "no difference".

Writes OUT_DIR/bench.txt (the table, also printed), bench.csv, bench.json
and, when gnuplot is installed, ratios.png.
"""
import csv
import json
import os
import random
import shutil
import statistics
import subprocess
import sys

RESAMPLES = 2000

# The series' goal for pinned / unpinned (upper bound of the interval).
GOALS = {
    "DM_OP": 1.02, "hypercall dm_op": 1.02, "MMAPBATCH_V2": 1.02,
    "MMAP_RESOURCE": 1.02, "hypercall": 1.10, "GRANT_COPY": 1.10,
    "gntdev map": 1.10,
}


def goal(op):
    best = None
    for prefix, g in GOALS.items():
        if op.startswith(prefix) and (best is None or len(prefix) > best[0]):
            best = (len(prefix), g)
    return best[1] if best else None


def main():
    src, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    rows = {}
    order = []
    with open(src) as f:
        lines = [l for l in f if not l.startswith("#")]
    for r in csv.DictReader(lines):
        op = r["op"]
        if op not in rows:
            rows[op] = {}
            order.append(op)
        rows[op].setdefault(int(r["round"]), {})[r["side"]] = float(r["ns"])

    rng = random.Random(20261124)
    results = []
    for op in order:
        rounds = rows[op]
        un = [v["unpinned"] for v in rounds.values() if "unpinned" in v]
        res = {"op": op, "rounds": len(rounds),
               "unpinned_ns": statistics.median(un)}
        paired = [(v["unpinned"], v["pinned"]) for v in rounds.values()
                  if "unpinned" in v and "pinned" in v]
        if paired:
            pi = [p for _, p in paired]
            res["pinned_ns"] = statistics.median(pi)
            res["ratio"] = res["pinned_ns"] / statistics.median(
                [u for u, _ in paired])
            boots = []
            for _ in range(RESAMPLES):
                s = [paired[rng.randrange(len(paired))] for _ in paired]
                boots.append(statistics.median([p for _, p in s]) /
                             statistics.median([u for u, _ in s]))
            boots.sort()
            res["ci_low"] = boots[int(0.025 * RESAMPLES)]
            res["ci_high"] = boots[int(0.975 * RESAMPLES) - 1]
            if res["ci_low"] <= 1.0 <= res["ci_high"]:
                res["verdict"] = "no difference"
            else:
                res["verdict"] = "slower" if res["ratio"] > 1 else "faster"
            g = goal(op)
            if g is not None:
                res["goal"] = g
                res["meets_goal"] = res["ci_high"] <= g
        results.append(res)

    hdr = ("%-30s %12s %12s %9s %7s %17s  %s" %
           ("op", "unpinned ns", "pinned ns", "delta ns", "ratio", "95% CI",
            "verdict"))
    table = [hdr, "-" * len(hdr)]
    for r in results:
        if "ratio" not in r:
            table.append("%-30s %12.0f %12s %9s %7s %17s  %s" %
                         (r["op"], r["unpinned_ns"], "-", "-", "-", "-",
                          "floor, unpinned only"))
            continue
        v = r["verdict"]
        if "goal" in r:
            v += "; goal <= %.2f %s" % (r["goal"],
                                        "met" if r["meets_goal"] else "MISSED")
        table.append("%-30s %12.0f %12.0f %+9.0f %7.3f   [%5.3f, %5.3f]  %s" %
                     (r["op"], r["unpinned_ns"], r["pinned_ns"],
                      r["pinned_ns"] - r["unpinned_ns"], r["ratio"],
                      r["ci_low"], r["ci_high"], v))
    nrounds = max(r["rounds"] for r in results) if results else 0
    table.append("")
    table.append("%d rounds; medians of ns per operation; delta = pinned - "
                 "unpinned, the audit's cost, to hold against the floor rows;"
                 % nrounds)
    table.append("ratio = pinned / unpinned; 95%% CI by a paired bootstrap "
                 "over rounds, %d resamples" % RESAMPLES)
    text = "\n".join(table) + "\n"
    with open(os.path.join(out, "bench.txt"), "w") as f:
        f.write(text)
    with open(os.path.join(out, "bench.json"), "w") as f:
        json.dump(results, f, indent=1)
    keys = ["op", "rounds", "unpinned_ns", "pinned_ns", "ratio", "ci_low",
            "ci_high", "verdict", "goal", "meets_goal"]
    with open(os.path.join(out, "bench.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=keys, extrasaction="ignore")
        w.writeheader()
        for r in results:
            w.writerow(r)
    sys.stdout.write(text)

    if not any("ratio" in r for r in results):
        print("no pinned rows: no chart")
        return
    if not shutil.which("gnuplot"):
        print("no gnuplot: no chart")
        return
    dat = os.path.join(out, "ratios.dat")
    with open(dat, "w") as f:
        for i, r in enumerate([r for r in results if "ratio" in r]):
            f.write('%d "%s" %f %f %f\n' % (i, r["op"], r["ratio"],
                                            r["ci_low"], r["ci_high"]))
    png = os.path.join(out, "ratios.png")
    plot = """
set terminal pngcairo noenhanced size 1000,600 font ",10"
set output '%s'
set xrange [-0.5:%d - 0.5]
set title "pinned / unpinned, median with 95%% CI (%d rounds)"
set xtics rotate by 45 right
set ylabel "ratio"
set grid ytics
set key off
set bmargin 12
set lmargin 16
set arrow from graph 0, first 1 to graph 1, first 1 nohead dt 2
plot '%s' using 1:3:4:5:xtic(2) with yerrorbars lw 2 pt 7 ps 1
""" % (png, len([r for r in results if "ratio" in r]), nrounds, dat)
    subprocess.run(["gnuplot"], input=plot, text=True, check=True)
    print("chart: %s" % png)


if __name__ == "__main__":
    main()
