#!/usr/bin/env bash
# Suanli and its peers side by side, in one run, with ratios.
#   OpenCL device (PoCL here):  SGEMM vs CLBlast,  stream bandwidth vs clpeak
#   native CPU:                 SGEMM vs OpenBLAS (numpy), triad vs a gcc -O3 -march=native -fopenmp loop
#   every OpenCL CPU driver (PoCL and Intel's runtime) and the native CPU, against themselves:
#     dot / triad, roofline top / fma-best, SGEMM / fma-best, fma-best / stated peak
# Usage: Scripts/bench-peers.sh [GEMM_SIZE=2048]
# Installs the peers from Debian (clinfo, clpeak, libclblast-dev, gcc) and Intel's OpenCL CPU
# runtime (Scripts/install-intel-opencl.sh), and builds Suanli in release.
set -euo pipefail
cd "$(dirname "$0")/.."
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
swift build -c release --product suanli >/dev/null
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
print("%-32s %10s %-22s %10s %-8s %7s %7s" % ("measure", "suanli", "peer", "peer", "unit", "ratio", "target"))
for name, s, peer, p, unit, target in rows:
    ratio = s / p if s and p else float("nan")
    print("%-32s %10.1f %-22s %10.1f %-8s %6.2fx %6.1fx" % (name, s or float("nan"), peer, p or float("nan"), unit, ratio, target))

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
