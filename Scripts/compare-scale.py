#!/usr/bin/env python3
"""Times `suanli compare` at CI scale (issue 21): two result files of MEASUREMENTS measurements
with SAMPLES samples each (default 30,000 x 200), the current one with planted regressions,
improvements and noise. The files are valid suanli.result/2 documents built on the header of a
committed reference file; statistics are computed from the samples as the bench does.

    Scripts/compare-scale.py [--binary .build/release/suanli] [--measurements 30000] [--samples 200]
                             [--keep DIR] [--repeat 3]

Prints the wall time of each run and the verdict counts; exits non-zero if compare fails with
anything but 0 or 2 (2: the planted regressions).
"""
import argparse
import copy
import json
import math
import os
import random
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REFERENCE = os.path.join(ROOT, "Results", "20261125T175639-vm-88b70e4c.json")


def quantile(ordered, q):
    """Linear interpolation between ranks, as the bench's p10/p90."""
    position = q * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def measurement(index, samples):
    ordered = sorted(samples)
    count = len(ordered)
    median = ordered[count // 2] if count % 2 else (ordered[count // 2 - 1] + ordered[count // 2]) / 2
    mean = sum(samples) / count
    sd = math.sqrt(sum((s - mean) ** 2 for s in samples) / (count - 1))
    kernels = ["copy", "mul", "add", "triad", "dot"]
    return {
        "device": "cpu", "suite": "stream", "kernel": kernels[index % 5], "precision": "fp32",
        "size": {"n": 1024 + index // 5}, "unit": "GB/s", "higher_is_better": True,
        "median": median, "min": ordered[0], "max": ordered[-1], "p10": quantile(ordered, 0.1),
        "p90": quantile(ordered, 0.9), "cv": sd / mean, "samples": samples, "verified": True,
        "status": "ok", "timing": "host-clock", "theoretical_peak": 1000.0, "fraction_of_peak": median / 1000.0,
        "peak_basis": "compare-scale.py: a stated ceiling for the validation",
    }


def document(template, run_id, created, measurements):
    doc = copy.deepcopy(template)
    doc["run_id"] = run_id
    doc["created"] = created
    doc["measurements"] = measurements
    doc.pop("hierarchy", None)
    return doc


def generate(folder, count, samples):
    with open(REFERENCE) as f:
        template = json.load(f)
    template["measurements"] = []
    rng = random.Random(21)
    base, current = [], []
    for index in range(count):
        level = rng.uniform(20, 400)
        noise = rng.choice([0.005, 0.01, 0.03])
        kind = index % 100
        factor = 0.9 if kind == 0 else 1.1 if kind == 1 else 1.0 + rng.uniform(-0.01, 0.01)
        base.append(measurement(index, [level * (1 + rng.gauss(0, noise)) for _ in range(samples)]))
        current.append(measurement(index, [level * factor * (1 + rng.gauss(0, noise)) for _ in range(samples)]))
    paths = []
    for name, run_id, created, rows in [("baseline.json", "scale-base", "2026-12-01T00:00:00Z", base),
                                        ("current.json", "scale-current", "2026-12-02T00:00:00Z", current)]:
        path = os.path.join(folder, name)
        with open(path, "w") as f:
            json.dump(document(template, run_id, created, rows), f)
        paths.append(path)
    return paths


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build", "release", "suanli"))
    parser.add_argument("--measurements", type=int, default=30000)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--keep", help="write the files here and keep them (default: a temporary folder)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--format", default="json", help="compare --format (default json)")
    args = parser.parse_args()
    if not os.access(args.binary, os.X_OK):
        sys.exit(f"compare-scale: {args.binary} is not an executable (swift build -c release first)")
    folder = args.keep or tempfile.mkdtemp(prefix="suanli-compare-scale-")
    os.makedirs(folder, exist_ok=True)
    started = time.monotonic()
    baseline, current = generate(folder, args.measurements, args.samples)
    size = os.path.getsize(baseline) / 1e6
    print(f"generated 2 files of {args.measurements} x {args.samples} samples ({size:.0f} MB each) "
          f"in {time.monotonic() - started:.1f} s: {folder}")
    for attempt in range(args.repeat):
        started = time.monotonic()
        run = subprocess.run([args.binary, "compare", baseline, current, "--format", args.format],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        elapsed = time.monotonic() - started
        if run.returncode not in (0, 2):
            sys.stderr.write(run.stderr.decode(errors="replace"))
            sys.exit(f"compare-scale: compare exited {run.returncode}")
        summary = ""
        if args.format == "json":
            summary = " ".join(f"{k}={v}" for k, v in sorted(json.loads(run.stdout)["counts"].items()) if v)
        print(f"run {attempt + 1}: {elapsed:.2f} s, exit {run.returncode} {summary}")
    if not args.keep:
        for path in (baseline, current):
            os.unlink(path)
        os.rmdir(folder)


if __name__ == "__main__":
    main()
