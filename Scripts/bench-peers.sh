#!/usr/bin/env bash
# Suanli and its peers side by side, in one run, with ratios.
#   OpenCL device (PoCL here):  SGEMM vs CLBlast,  stream bandwidth vs clpeak
#   native CPU:                 SGEMM vs OpenBLAS (numpy), triad vs a gcc -O3 -march=native -fopenmp loop
#   memory hierarchy:           cache read sweep vs a gcc OpenMP read sweep, memlat chase vs a C pointer
#                               chase, at the same working sets (4 KiB to 256 MiB); L1/DRAM bandwidth ratios
#   every OpenCL CPU driver (PoCL and Intel's runtime) and the native CPU, against themselves:
#     dot / triad, roofline top / fma-best, SGEMM / fma-best, fma-best / stated peak
# Usage: Scripts/bench-peers.sh [GEMM_SIZE=2048]
#        Scripts/bench-peers.sh --cpu-sgemm-sweep [ROUNDS=3]
#   The sweep: native CPU SGEMM against numpy's OpenBLAS only, at N = 256 512 1024 2048 4096
#   (SGEMM_SWEEP_SIZES overrides), the two alternating within each round (the order flips every
#   round), then the native fma-best once: per N the median of each side's per-round medians,
#   their ratio and the range of the per-round ratios; SGEMM 2048 / fma-best; the load average
#   before and after; the kernel OpenBLAS runs (threadpoolctl) and the Suanli kernel variant.
# Installs the peers from Debian (clinfo, clpeak, libclblast-dev, gcc) and Intel's OpenCL CPU
# runtime (Scripts/install-intel-opencl.sh), and builds Suanli in release
# (SUANLI_NO_BUILD=1: use the release build already there, e.g. one built under a lock).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" = "--cpu-sgemm-sweep" ]; then
  ROUNDS=${2:-3}
  case "$ROUNDS" in ''|*[!0-9]*|0) echo "bench-peers: ROUNDS must be a positive integer, got '$ROUNDS'" >&2; exit 64 ;; esac
  SIZES=${SGEMM_SWEEP_SIZES:-"256 512 1024 2048 4096"}
  python3 -c "import numpy" 2>/dev/null || python3 -m pip install -q numpy
  python3 -c "import threadpoolctl" 2>/dev/null || python3 -m pip install -q threadpoolctl
  [ "${SUANLI_NO_BUILD:-0}" = 1 ] || swift build -c release --product suanli >/dev/null
  SUANLI=.build/release/suanli
  OUT=$(mktemp -d)
  uptime > "$OUT/load-before.txt"
  for round in $(seq 1 "$ROUNDS"); do
    for n in $SIZES; do
      # OpenBLAS repeats: about 20 GFLOP per measurement, 10 to 200 calls.
      reps=$(python3 -c "print(max(10, min(200, int(2e10 / (2 * $n ** 3)))))")
      native() { $SUANLI bench --device cpu --suite gemm --precision fp32 --size "$n" --format json --no-save > "$OUT/suanli-$n-$round.json"; }
      # OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE are unset for the peer's command only.
      peer() { env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python3 Scripts/peers/openblas_sgemm.py "$n" "$reps" > "$OUT/openblas-$n-$round.json"; }
      if [ $((round % 2)) = 1 ]; then native; peer; else peer; native; fi
    done
  done
  $SUANLI bench --device cpu --suite peak --precision fp32 --format json --no-save > "$OUT/suanli-peak.json"
  uptime > "$OUT/load-after.txt"
  python3 - "$OUT" "$ROUNDS" "$SIZES" <<'PY'
import json, os, statistics, sys
out, rounds, sizes = sys.argv[1], int(sys.argv[2]), [int(x) for x in sys.argv[3].split()]
def load(name):
    with open(os.path.join(out, name)) as f:
        return json.loads(f.read())
def native_gemm(doc):
    ms = [m for m in doc["measurements"] if m["suite"] == "gemm" and m.get("precision") == "fp32"]
    bad = [m for m in ms if m["status"] != "ok"]
    if bad or not ms:
        sys.exit("bench-peers: a native SGEMM measurement did not pass: %s" % (bad[0].get("reason") if bad else "none"))
    return ms[0]["median"]
print("load before: " + open(os.path.join(out, "load-before.txt")).read().strip())
variant = blas = None
rows, by_n = [], {}
for n in sizes:
    s = [native_gemm(load("suanli-%d-%d.json" % (n, r))) for r in range(1, rounds + 1)]
    o = [load("openblas-%d-%d.json" % (n, r)) for r in range(1, rounds + 1)]
    variant = load("suanli-%d-1.json" % n).get("tool", {}).get("cpu_kernel_variant")
    blas = o[0]
    om = [x["median"] for x in o]
    ratios = [a / b for a, b in zip(s, om)]
    sm, obm = statistics.median(s), statistics.median(om)
    by_n[n] = sm
    rows.append((n, sm, obm, sm / obm, min(ratios), max(ratios)))
print("native kernel variant: %s; OpenBLAS %s kernel %s, %s threads (env cleared: %s)" % (
    variant, blas.get("blas_version"), blas.get("blas_core"), blas.get("blas_threads"), ",".join(blas.get("env_cleared") or []) or "none set"))
print("%6s %14s %16s %8s %18s" % ("N", "suanli GFLOP/s", "OpenBLAS GFLOP/s", "ratio", "per-round ratios"))
for n, sm, obm, r, lo, hi in rows:
    print("%6d %14.1f %16.1f %7.2fx %8.2f - %-8.2f" % (n, sm, obm, r, lo, hi))
peak = load("suanli-peak.json")
fma = next((m for m in peak["measurements"] if m["kernel"] == "fma-best" and m["status"] == "ok"), None)
if fma and 2048 in by_n:
    stated = fma.get("theoretical_peak")
    print("fma-best %.1f GFLOP/s (stated peak %s); SGEMM 2048 / fma-best = %.2f" % (
        fma["median"], "%.1f" % stated if stated else "none", by_n[2048] / fma["median"]))
print("load after:  " + open(os.path.join(out, "load-after.txt")).read().strip())
PY
  exit 0
fi

N=${1:-2048}
Scripts/install-deps.sh
need=()
for p in clpeak libclblast-dev gcc; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || need+=("$p"); done
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
python3 -c "import numpy" 2>/dev/null || python3 -m pip install -q numpy
mkdir -p Scripts/peers/bin
gcc -O2 -o Scripts/peers/bin/clblast_sgemm Scripts/peers/clblast_sgemm.c -lclblast -lOpenCL
gcc -O3 -march=native -fopenmp -o Scripts/peers/bin/triad Scripts/peers/triad.c
gcc -O2 -o Scripts/peers/bin/pointer_chase Scripts/peers/pointer_chase.c -lm
gcc -O3 -march=native -fopenmp -o Scripts/peers/bin/read_sweep Scripts/peers/read_sweep.c -lm
SWEEP_MAX=$((256 << 20))
[ "${SUANLI_NO_BUILD:-0}" = 1 ] || swift build -c release --product suanli >/dev/null
SUANLI=.build/release/suanli
OCL=$($SUANLI devices --format json | python3 -c "import json,sys; print(next((d['id'] for d in json.load(sys.stdin) if d['backend']=='opencl'), ''))")
# Intel's runtime beside PoCL for the integrity ratios (its own env, so the peers above see only PoCL).
INTEL_ENV=$(Scripts/install-intel-opencl.sh 2>/dev/null || true)
OUT=$(mktemp -d)
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); OpenCL device: ${OCL:-none}"
# OpenBLAS peer runs with the machine's defaults unset only in its own command (see the env notes).
{
  if [ -n "$OCL" ]; then
    Scripts/peers/bin/clblast_sgemm "$N" "$N" "$N" 5 > "$OUT/clblast.json"
    python3 Scripts/peers/clpeak_parse.py --tests bandwidth --timeout 600 > "$OUT/clpeak.json"
    $SUANLI bench --device "$OCL" --suite gemm,stream --precision fp32 --size "$N" --format json --no-save > "$OUT/suanli-ocl.json"
    $SUANLI bench --device "$OCL" --suite cache --max-working-set "$SWEEP_MAX" --format json --no-save > "$OUT/suanli-ocl-mem.json"
  fi
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python3 Scripts/peers/openblas_sgemm.py "$N" 10 > "$OUT/openblas.json"
  Scripts/peers/bin/triad $((1 << 25)) 20 > "$OUT/triad.json"
  $SUANLI bench --device cpu --suite gemm,stream,peak,roofline --precision fp32 --size "$N" --format json --no-save > "$OUT/suanli-cpu.json"
  if [ -n "$OCL" ]; then
    $SUANLI bench --device "$OCL" --suite peak,roofline --precision fp32 --format json --no-save > "$OUT/suanli-ocl-peak.json"
  fi
  if [ -n "$INTEL_ENV" ]; then
    (
      # shellcheck disable=SC1090
      source "$INTEL_ENV"
      INTEL=$($SUANLI devices --format json | python3 -c "import json,sys; print(next((d['id'] for d in json.load(sys.stdin) if 'Intel(R) OpenCL' in d.get('opencl', {}).get('platform_name', '')), ''))")
      [ -n "$INTEL" ] && $SUANLI bench --device "$INTEL" --suite gemm,stream,peak,roofline --precision fp32 --size "$N" --format json --no-save > "$OUT/suanli-intel.json"
    ) || true
  fi
  Scripts/peers/bin/pointer_chase "$SWEEP_MAX" 0.2 > "$OUT/chase.jsonl"
  # Passive waits: on a shared machine, OpenMP's default spinning barriers collapse the short runs.
  OMP_WAIT_POLICY=passive Scripts/peers/bin/read_sweep "$SWEEP_MAX" 0.2 > "$OUT/sweep.jsonl"
  $SUANLI bench --device cpu --suite cache,memlat --max-working-set "$SWEEP_MAX" --format json --no-save > "$OUT/suanli-cpu-mem.json"
} 2> "$OUT/stderr.log" || { cat "$OUT/stderr.log" >&2; exit 1; }
python3 - "$OUT" "$N" <<'PY'
import json, sys, os
out, n = sys.argv[1], sys.argv[2]
def load(name):
    p = os.path.join(out, name)
    if not os.path.exists(p) or os.path.getsize(p) == 0: return None
    text = open(p).read().strip()
    try: return json.loads(text)
    except ValueError: return [json.loads(l) for l in text.splitlines() if l.strip()]
def suanli(doc, suite, kernels):
    best = None
    for m in doc["measurements"]:
        if m["suite"] == suite and m["kernel"] in kernels and m["status"] == "ok" and m.get("precision") == "fp32":
            best = max(best or 0, m["median"])
    return best
rows = []
ocl, cpu = load("suanli-ocl.json"), load("suanli-cpu.json")
if ocl:
    cb = load("clblast.json"); cp = load("clpeak.json")
    cp = cp[0] if isinstance(cp, list) else cp
    rows.append(("OpenCL SGEMM %s^3" % n, suanli(ocl, "gemm", {"gemm"}), "CLBlast", cb.get("median_gflops"), "GFLOP/s", 3.0))
    rows.append(("OpenCL stream best(copy,triad)", suanli(ocl, "stream", {"copy", "triad"}), "clpeak global bw", cp.get("best_gbps"), "GB/s", 1.0))
ob, tr = load("openblas.json"), load("triad.json")
rows.append(("CPU SGEMM %s^3" % n, suanli(cpu, "gemm", {"gemm"}), "OpenBLAS (numpy)", ob.get("median"), "GFLOP/s", 0.9))
rows.append(("CPU triad", suanli(cpu, "stream", {"triad"}), "gcc -O3 OpenMP triad", tr.get("median"), "GB/s", 0.9))
intel = load("suanli-intel.json")
if intel:
    rows.append(("Intel OpenCL triad", suanli(intel, "stream", {"triad"}), "gcc -O3 OpenMP triad", tr.get("median"), "GB/s", 0.9))

# Memory hierarchy: the same working sets on both sides. L1 is the 32 KiB set (16 KiB per core on
# two cores, inside every L1d here); DRAM is the largest set (256 MiB, 8x the L3).
def at(doc, suite, kernel, size):
    for m in (doc or {}).get("measurements", []):
        if m["suite"] == suite and m["kernel"] == kernel and m["size"].get("bytes") == size and m["status"] == "ok":
            return m["median"]
def peer_at(lines, key, size):
    return next((l[key] for l in lines if l["bytes"] == size), None)
def lines(name):
    doc = load(name) or []
    return doc if isinstance(doc, list) else [doc]
mem, ocl_mem = load("suanli-cpu-mem.json"), load("suanli-ocl-mem.json")
chase, sweep = lines("chase.jsonl"), lines("sweep.jsonl")
L1, DRAM = 32 << 10, 256 << 20
# L1 bandwidth: the L1 plateau Suanli found (its median), against the C sweep's median over the same sizes.
l1 = next((h for h in (mem or {}).get("hierarchy") or [] if h["device"] == "cpu" and h["level"] == "L1"), None)
if l1 and l1.get("bandwidth_gbs") and l1.get("bandwidth_through_bytes"):
    on_plateau = sorted(l["gbs"] for l in sweep if l["bytes"] <= l1["bandwidth_through_bytes"])
    peer_l1 = on_plateau[len(on_plateau) // 2] if on_plateau else None
    rows.append(("CPU L1 read bandwidth (to %d KiB)" % (l1["bandwidth_through_bytes"] >> 10), l1["bandwidth_gbs"],
                 "gcc OpenMP read sweep", peer_l1, "GB/s", "0.9x"))
else:
    rows.append(("CPU read bandwidth 32 KiB (L1)", at(mem, "cache", "read", L1), "gcc OpenMP read sweep", peer_at(sweep, "gbs", L1), "GB/s", "0.9x"))
rows.append(("CPU chase latency 256 MiB (DRAM)", at(mem, "memlat", "chase", DRAM), "C pointer chase", peer_at(chase, "ns", DRAM), "ns", "0.85-1.15x"))
rows.append(("CPU chase latency 32 KiB (L1)", at(mem, "memlat", "chase", L1), "C pointer chase", peer_at(chase, "ns", L1), "ns", "< 3 ns"))
print("%-34s %10s %-22s %10s %-8s %7s %10s" % ("measure", "suanli", "peer", "peer", "unit", "ratio", "target"))
for name, s, peer, p, unit, target in rows:
    ratio = s / p if s and p else float("nan")
    target = target if isinstance(target, str) else "%.1fx" % target
    print("%-34s %10.1f %-22s %10.1f %-8s %6.2fx %10s" % (name, s or float("nan"), peer, p or float("nan"), unit, ratio, target))

def l1_over_dram(doc):
    x, y = at(doc, "cache", "read", L1), at(doc, "cache", "read", DRAM)
    return x / y if x and y else float("nan")
print("%-34s %10.1fx %45s" % ("CPU read bandwidth L1 / DRAM", l1_over_dram(mem), ">= 3.0x"))
if ocl_mem:
    print("%-34s %10.1fx %45s" % ("OpenCL read bandwidth L1 / DRAM", l1_over_dram(ocl_mem), ">= 2.0x"))
huge = next((m.get("parameters", {}).get("huge_pages") for m in (mem or {}).get("measurements", [])
             if m["suite"] == "memlat" and m["size"].get("bytes") == DRAM), "?")
print("huge pages at 256 MiB: suanli %s, C chase %s" % (huge, chase[-1].get("huge_pages") if chase else "?"))

# Integrity: each kernel reaches the hardware the same driver's own FMA peak shows.
def merged(*docs):
    ms = []
    for d in docs:
        if d: ms += d["measurements"]
    return {"measurements": ms} if ms else None
def peak_fraction(doc):
    for m in doc["measurements"]:
        if m["kernel"] == "fma-best" and m.get("precision") == "fp32" and m.get("theoretical_peak"):
            return m["median"] / m["theoretical_peak"] if m["status"] == "ok" else None
def roofline_top(doc):
    pts = [(m["size"].get("flops_per_element", 0), m["median"]) for m in doc["measurements"]
           if m["suite"] == "roofline" and m["status"] == "ok"]
    return max(pts)[1] if pts else None
print()
print("%-12s %-28s %8s %7s" % ("driver", "ratio", "value", "target"))
for label, doc in (("native CPU", cpu), ("PoCL", merged(ocl, load("suanli-ocl-peak.json"))), ("Intel", load("suanli-intel.json"))):
    if not doc: continue
    fma = suanli(doc, "peak", {"fma-best"})
    checks = [("dot / triad", suanli(doc, "stream", {"dot"}), suanli(doc, "stream", {"triad"}), 0.8),
              ("roofline top / fma-best", roofline_top(doc), fma, 0.8),
              ("SGEMM %s^3 / fma-best" % n, suanli(doc, "gemm", {"gemm"}), fma, 0.9 if label == "native CPU" else 0.75)]
    for name, a, b, target in checks:
        if label == "native CPU" and name.startswith("dot"): target = 0.8
        value = a / b if a and b else float("nan")
        print("%-12s %-28s %7.2fx %6.2fx" % (label, name, value, target))
    f = peak_fraction(doc)
    print("%-12s %-28s %7.2f  %s" % (label, "fma-best / stated peak", f if f else float("nan"), "0.8-1.0"))
PY
