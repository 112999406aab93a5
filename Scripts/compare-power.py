#!/usr/bin/env python3
"""How well `suanli compare` sees regressions, measured on this machine's real samples.

Not a test: a benchmark of the comparison itself. It resamples the samples of real result files
(default: Results/*.json), plants slowdowns of 3, 5, 10 and 20% (with and without one outlier),
draws 3, 5, 10 or 50 samples per run and 1 or 3 runs (repeats) per side, writes the trials as result
files and runs the real `suanli compare --format json` on them. It prints, per cell, how often the
verdict was `regression` (the detection rate for planted changes, the false-regression rate for
A/A pairs) and how often `inconclusive`.

  * Sources: every verified measurement with all samples positive. A file written by
    `bench --repeat R` gives R sample pools (its repeats, split by `repeat_sample_counts`); any
    other file gives one. Metrics are grouped by the coefficient of variation of all their samples.
  * One run of a side = n samples drawn with replacement from one pool. With 1 run per side, both
    sides draw from the same pool; with 3, each run draws from a different real repeat of the source
    when it has three (so the real drift between repeats is in the trial), else from its one pool.
  * A/A same run: both sides from one source, nothing planted. A/A separate runs: the sides from two
    sources of the same metric made by the same command: another file of this machine, or another
    rank of the same MPI job.
  * Planted change: every current sample multiplied by 1 − c (throughput) or 1 + c (latency).
  * Outlier: one current sample replaced by 1.5× the source's median level in the good direction
    for planted changes (it pulls against the verdict, like a sample left at its old value) and by
    0.5× in the bad direction for A/A pairs (it pulls towards a false regression).

Usage: swift build -c release && Scripts/compare-power.py [--trials 100] [--seed 1] [--markdown] [FILES...]
"""
import argparse
import glob
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile

CHANGES = [0.03, 0.05, 0.10, 0.20]
SAMPLE_COUNTS = [3, 5, 10, 50]
REPEATS = [1, 3]
CLASSES = [("CV <= 3%", 0.0, 0.03), ("3% < CV <= 10%", 0.03, 0.10), ("CV > 10%", 0.10, float("inf"))]


def load_sources(paths):
    """Every usable measurement as a source: identity, polarity, CV and its sample pools."""
    sources, template = [], None
    for path in paths:
        with open(path) as f:
            doc = json.load(f)
        if not str(doc.get("schema", "")).startswith("suanli.result/"):
            continue
        template = template or doc
        for m in doc["measurements"]:
            samples = m.get("samples") or []
            if m.get("status") != "ok" or len(samples) < 3 or min(samples) <= 0:
                continue
            counts = m.get("repeat_sample_counts") or [len(samples)]
            pools, start = [], 0
            for c in counts:
                pools.append(samples[start:start + c])
                start += c
            pools = [p for p in pools if len(p) >= 3]
            if not pools:
                continue
            device = m["device"].split(":", 1)[1] if m["device"].startswith("r") and ":" in m["device"] else m["device"]
            # Separate runs of one metric: the same command run again on the same machine (the
            # command line without the binary's path and the output folder; the ranks of one MPI
            # job ran the same command side by side), the same kernel, precision and size.
            identity = (doc["host"]["cpu_model"], command(doc), device, m["suite"], m["kernel"],
                        m.get("precision"), json.dumps(m.get("size", {}), sort_keys=True))
            mean = statistics.fmean(samples)
            cv = statistics.stdev(samples) / mean if len(samples) > 1 else 0.0
            sources.append({"id": len(sources), "file": path, "identity": identity, "m": m, "pools": pools,
                            "higher": m.get("higher_is_better", True), "cv": cv,
                            "level": statistics.median(samples)})
    return sources, template


def command(doc):
    """The bench command of a file without the binary's path and the output folder."""
    args, out, skip = doc.get("command_line", [])[1:], [], False
    for a in args:
        if skip:
            skip = False
        elif a == "--output-dir":
            skip = True
        elif not a.startswith("--output-dir="):
            out.append(a)
    return " ".join(out)


def draw_side(rng, pools, runs, n):
    """`runs` runs of n samples each; a source with enough real repeats gives each run a different one."""
    chosen = rng.sample(pools, runs) if len(pools) >= runs else [rng.choice(pools) for _ in range(runs)]
    return [[rng.choice(pool) for _ in range(n)] for pool in chosen]


def same_pool_sides(rng, pools, runs, n):
    """Both sides of a one-run trial from one pool; with repeats, each run from a random pool."""
    if runs == 1:
        pool = rng.choice(pools)
        return draw_side(rng, [pool], 1, n), draw_side(rng, [pool], 1, n)
    return draw_side(rng, pools, runs, n), draw_side(rng, pools, runs, n)


def measurement(template, kernel, runs):
    m = {k: template[k] for k in ("suite", "precision", "size", "unit", "higher_is_better") if k in template}
    samples = [x for run in runs for x in run]
    m.update(device="cpu", kernel=kernel, samples=samples, median=statistics.median(samples), verified=True, status="ok")
    if len(runs) > 1:
        m["repeat_medians"] = [statistics.median(run) for run in runs]
        m["repeat_sample_counts"] = [len(run) for run in runs]
    return m


def run_cell(args, template, sources, partners, case, change, outlier, runs, n, rng, workdir):
    """One compare call holding every trial of the cell; returns {source id: [verdicts]}."""
    base, current, owner = [], [], {}
    for s in sources:
        for t in range(args.trials):
            if case == "separate":
                others = partners.get(s["identity"], [])
                others = [o for o in others if o["id"] != s["id"]]
                if not others:
                    break
                b = draw_side(rng, s["pools"], runs, n)
                c = draw_side(rng, rng.choice(others)["pools"], runs, n)
            else:
                b, c = same_pool_sides(rng, s["pools"], runs, n)
            if change:
                factor = 1 - change if s["higher"] else 1 + change
                c = [[x * factor for x in run] for run in c]
            if outlier:
                good = change > 0
                up = s["higher"] == good
                run = rng.randrange(runs)
                c[run][rng.randrange(n)] = s["level"] * (1.5 if up else 0.5)
            kernel = f"{s['m']['kernel']}#{s['id']}.{t}"
            owner[kernel] = s["id"]
            base.append(measurement(s["m"], kernel, b))
            current.append(measurement(s["m"], kernel, c))
    if not base:
        return {}
    paths = []
    for name, ms in (("base", base), ("current", current)):
        doc = dict(template, measurements=ms, incomplete=False)
        path = os.path.join(workdir, name + ".json")
        with open(path, "w") as f:
            json.dump(doc, f)
        paths.append(path)
    out = subprocess.run([args.suanli, "compare", paths[0], paths[1], "--format", "json", "--force",
                          "--threshold", args.threshold, "--confidence", str(args.confidence)],
                         capture_output=True, text=True)
    if out.returncode not in (0, 2):
        sys.exit(f"compare-power: suanli compare exited {out.returncode}: {out.stderr.strip()}")
    verdicts = {}
    for row in json.loads(out.stdout)["rows"]:
        verdicts.setdefault(owner[row["key"]["kernel"]], []).append(row["verdict"])
    return verdicts


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("files", nargs="*", help="result files (default: Results/*.json and Results/power/*.json)")
    parser.add_argument("--suanli", default=".build/release/suanli", help="the suanli binary")
    parser.add_argument("--trials", type=int, default=100, help="trials per metric and cell")
    parser.add_argument("--threshold", default="5%")
    parser.add_argument("--confidence", type=float, default=0.95)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--markdown", action="store_true", help="print markdown tables")
    args = parser.parse_args()
    if not os.access(args.suanli, os.X_OK):
        sys.exit(f"compare-power: {args.suanli} not found; run `swift build -c release` first")
    paths = args.files or sorted(glob.glob("Results/*.json") + glob.glob("Results/power/*.json"))
    sources, template = load_sources(paths)
    if not sources:
        sys.exit("compare-power: no usable measurement in " + ", ".join(paths))
    partners = {}
    for s in sources:
        partners.setdefault(s["identity"], []).append(s)
    rng = random.Random(args.seed)
    cases = [("A/A same run", "same", 0.0), ("A/A separate runs", "separate", 0.0)] + \
            [(f"-{int(c * 100)}% planted", "same", c) for c in CHANGES]
    results = {}  # (runs, outlier, case label, n) -> {source id: [verdicts]}
    with tempfile.TemporaryDirectory(prefix="suanli-power-") as workdir:
        for runs in REPEATS:
            for outlier in (False, True):
                for label, case, change in cases:
                    for n in SAMPLE_COUNTS:
                        results[(runs, outlier, label, n)] = run_cell(args, template, sources, partners, case, change,
                                                                      outlier, runs, n, rng, workdir)
                        print(f"\r{len(results)} / {len(REPEATS) * 2 * len(cases) * len(SAMPLE_COUNTS)} cells",
                              end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)

    files = sorted({s["file"] for s in sources})
    print(f"suanli compare power on {len(sources)} measured metrics from {len(files)} result files: "
          f"{args.trials} trials per metric and cell, threshold {args.threshold}, "
          f"{args.confidence * 100:g}% intervals, seed {args.seed}.")
    print("Each cell: regression rate (inconclusive rate). Planted rows: the detection rate. "
          "A/A rows: the false-regression rate.")
    for title, lo, hi in CLASSES:
        members = {s["id"] for s in sources if lo < s["cv"] <= hi or (lo == 0 and s["cv"] == 0)}
        if not members:
            continue
        print()
        print(f"{title}: {len(members)} metrics")
        header = ["runs per side", "outlier", "case"] + [f"n={n}" for n in SAMPLE_COUNTS]
        rows = []
        for runs in REPEATS:
            for outlier in (False, True):
                for label, _, _ in cases:
                    cells = []
                    for n in SAMPLE_COUNTS:
                        got = [v for sid, vs in results[(runs, outlier, label, n)].items() if sid in members for v in vs]
                        if not got:
                            cells.append("–")
                            continue
                        reg = sum(v == "regression" for v in got) / len(got)
                        inc = sum(v == "inconclusive" for v in got) / len(got)
                        cells.append(f"{reg * 100:.1f}% ({inc * 100:.0f}%)")
                    rows.append([str(runs), "one" if outlier else "none", label] + cells)
        if args.markdown:
            print("| " + " | ".join(header) + " |")
            print("|" + "---|" * len(header))
            for r in rows:
                print("| " + " | ".join(r) + " |")
        else:
            widths = [max(len(r[i]) for r in rows + [header]) for i in range(len(header))]
            for r in [header] + rows:
                print("  ".join(c.ljust(w) if i < 3 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))))


if __name__ == "__main__":
    main()
