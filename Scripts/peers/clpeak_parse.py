#!/usr/bin/env python3
"""Peer numbers from clpeak for Suanli: best global-memory bandwidth and best SP compute.

Runs only the requested clpeak tests (never --all-tests: PoCL has been seen hanging in
clpeak's kernel-latency test), each under a timeout, and prints one JSON line per test:
  {"name":"clpeak-global-bandwidth","best_gbps":..,"by_type":{"float":..,...},"device":..}
  {"name":"clpeak-compute-sp","best_gflops":..,"by_type":{...},"device":..}
Usage: clpeak_parse.py [--platform 0] [--device 0] [--tests bandwidth,sp] [--timeout 300]
                       [--wall-timer]   (default passes --use-event-timer: kernel time only)
"""
import argparse, json, re, subprocess, sys

TESTS = {
    "bandwidth": ("--global-bandwidth", "Global memory bandwidth", "clpeak-global-bandwidth", "best_gbps"),
    "sp": ("--compute-sp", "Single-precision compute", "clpeak-compute-sp", "best_gflops"),
    "dp": ("--compute-dp", "Double-precision compute", "clpeak-compute-dp", "best_gflops"),
}
LINE = re.compile(r"^\s*([A-Za-z0-9_]+)\s*:\s*([0-9.]+)\s*$")


def parse(text, section):
    """Return ({type: value}, device) for the section whose header starts with `section`."""
    vals, dev, inside = {}, None, False
    for line in text.splitlines():
        s = line.strip()
        if s.startswith("Device:"):
            dev = s.split(":", 1)[1].strip()
        if s.startswith(section):
            inside = True
            continue
        if inside:
            m = LINE.match(line)
            if m:
                vals[m.group(1)] = float(m.group(2))
            elif s:
                inside = False
    return vals, dev


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--platform", type=int, default=0)
    ap.add_argument("--device", type=int, default=0)
    ap.add_argument("--tests", default="bandwidth,sp")
    ap.add_argument("--timeout", type=int, default=300)
    ap.add_argument("--wall-timer", action="store_true")
    a = ap.parse_args()
    rc = 0
    for t in a.tests.split(","):
        flag, section, name, key = TESTS[t]
        cmd = ["clpeak", "-p", str(a.platform), "-d", str(a.device), flag]
        if not a.wall_timer:
            cmd.append("--use-event-timer")
        try:
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=a.timeout)
            out = p.stdout
        except subprocess.TimeoutExpired as e:
            out = e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
            print(json.dumps({"name": name, "error": "timeout after %ds" % a.timeout}))
            rc = 1
            continue
        vals, dev = parse(out, section)
        if not vals:
            print(json.dumps({"name": name, "error": "no results parsed", "tail": out[-300:]}))
            rc = 1
            continue
        print(json.dumps({"name": name, key: max(vals.values()), "by_type": vals, "device": dev,
                          "timer": "wall" if a.wall_timer else "event"}), flush=True)
    return rc


if __name__ == "__main__":
    sys.exit(main())
