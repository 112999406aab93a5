#!/usr/bin/env bash
# Suanli and its peers side by side, in one run, with ratios.
#   OpenCL device (PoCL here):  SGEMM vs CLBlast,  stream bandwidth vs clpeak
#   native CPU:                 SGEMM vs OpenBLAS (numpy), triad vs a gcc -O3 -march=native -fopenmp loop
# Usage: Scripts/bench-peers.sh [GEMM_SIZE=2048]
# Installs the peers from Debian (clinfo, clpeak, libclblast-dev, gcc) and builds Suanli in release.
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
  $SUANLI bench --device cpu --suite gemm,stream --precision fp32 --size "$N" --format json --no-save > "$OUT/suanli-cpu.json"
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
PY
