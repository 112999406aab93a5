#!/usr/bin/env bash
# Everything a GPU machine needs to validate Suanli, in one command.
#
#   Scripts/gpu-validate.sh [--bundle DIR] [--build-only] [--quick] [--allow-no-gpu] [--out DIR]
#
# 1. Bundle (on a machine with Swift; skipped when DIR/suanli exists and is newer than the
#    sources): a release `suanli` with the Swift runtime linked in (--static-swift-stdlib), packed
#    with Debian's ICD loader (libOpenCL.so.1), under 64 MiB, in DIR (default .build-gpu-bundle, git
#    ignored). --build-only stops here (to carry DIR to a GPU machine that has no Swift).
# 2. Driver: finds the vendor's OpenCL library — NVIDIA's libnvidia-opencl.so.1 under the driver
#    folders (a container often has the driver's libraries but no /etc/OpenCL/vendors entry), ROCm's
#    libamdocl64.so, Intel's libigdrcl.so — writes an ICD file for each into DIR/vendors, adds the
#    system's ICD files, and points the bundled loader at that folder (OCL_ICD_VENDORS,
#    SUANLI_OPENCL_LIBRARY).
# 3. Runs every suite at every precision on every GPU (`suanli bench`, default sizes, or --quick),
#    writes the result file under Results/ (and a copy under --out), and prints, for each GPU the
#    catalog knows, the ratios to its dense peaks: fp32 GEMM / fp32 peak, best triad / HBM
#    bandwidth, best bf16 tensor-or-matrix GEMM / bf16 peak (goals 0.8, 0.9 and 0.6).
# Exit status: bench's (0 all verified, 3 a measurement failed), 2 when no GPU is found (unless
# --allow-no-gpu, which runs on whatever OpenCL devices there are: a local check of the bundle).
set -uo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
bundle="$root/.build-gpu-bundle"
build_only=0
quick=()
allow_no_gpu=0
out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --bundle) bundle="$(mkdir -p "$2" && cd "$2" && pwd)"; shift 2 ;;
    --build-only) build_only=1; shift ;;
    --quick) quick=(--quick); shift ;;
    --allow-no-gpu) allow_no_gpu=1; shift ;;
    --out) out="$2"; shift 2 ;;
    -h|--help) sed -n 2,23p "$0"; exit 0 ;;
    *) echo "gpu-validate: unknown option $1" >&2; exit 64 ;;
  esac
done
say() { echo "gpu-validate: $*" >&2; }

# ---- 1. bundle -------------------------------------------------------------------------------
stale=1
if [ -x "$bundle/suanli" ] && [ -f "$bundle/libOpenCL.so.1" ]; then
  newer="$(find Sources Kernels Catalog Package.swift -newer "$bundle/suanli" -print -quit 2>/dev/null)"
  [ -z "$newer" ] && stale=0
  command -v swift >/dev/null 2>&1 || stale=0   # no toolchain here: use the carried bundle
fi
if [ "$stale" -eq 1 ]; then
  command -v swift >/dev/null 2>&1 || { say "no bundle in $bundle and no Swift toolchain to build one"; exit 1; }
  say "building a release suanli with the Swift runtime linked in"
  swift build -c release --static-swift-stdlib --product suanli >&2 || { say "build failed"; exit 1; }
  bin="$(swift build -c release --static-swift-stdlib --show-bin-path)/suanli"
  loader=""
  for candidate in /usr/lib/x86_64-linux-gnu/libOpenCL.so.1 /usr/lib/aarch64-linux-gnu/libOpenCL.so.1 /usr/lib64/libOpenCL.so.1 /usr/lib/libOpenCL.so.1; do
    [ -f "$candidate" ] && { loader="$(readlink -f "$candidate")"; break; }
  done
  [ -n "$loader" ] || { say "no libOpenCL.so.1 (Debian: apt-get install ocl-icd-libopencl1)"; exit 1; }
  rm -rf "$bundle" && mkdir -p "$bundle"
  cp "$bin" "$bundle/suanli" && strip "$bundle/suanli" 2>/dev/null
  cp "$loader" "$bundle/libOpenCL.so.1"
  size=$(du -sb "$bundle" | cut -f1)
  say "bundle $bundle: $(du -sh "$bundle" | cut -f1) ($(ldd "$bundle/suanli" 2>/dev/null | grep -c '=>') shared libraries: the C and C++ runtimes)"
  if [ "$size" -gt $((64 * 1024 * 1024)) ]; then say "bundle is over 64 MiB"; exit 1; fi
fi
[ "$build_only" -eq 1 ] && { echo "$bundle"; exit 0; }

# ---- 2. the vendor's OpenCL library ------------------------------------------------------------
vendors="$bundle/vendors"
rm -rf "$vendors" && mkdir -p "$vendors"
for icd in /etc/OpenCL/vendors/*.icd; do [ -e "$icd" ] && cp "$icd" "$vendors/"; done
find_library() {  # name: the first match under the usual driver folders, then the linker cache
  local name="$1" dir found
  for dir in /usr/lib/x86_64-linux-gnu /usr/lib/aarch64-linux-gnu /usr/lib64 /usr/lib /usr/local/nvidia/lib64 \
             /usr/local/nvidia/lib /usr/lib/nvidia /usr/lib64/nvidia /run/nvidia/driver/usr/lib/x86_64-linux-gnu \
             /usr/local/cuda/compat /usr/local/cuda/lib64 /opt/rocm/lib /opt/rocm/opencl/lib /usr/lib/x86_64-linux-gnu/intel-opencl; do
    found="$(find "$dir" -maxdepth 2 -name "$name*" \( -type f -o -type l \) 2>/dev/null | sort | head -1)"
    [ -n "$found" ] && { echo "$found"; return 0; }
  done
  found="$(ldconfig -p 2>/dev/null | awk -v n="$name" '$1 ~ n {print $NF; exit}')"
  [ -n "$found" ] && { echo "$found"; return 0; }
  return 1
}
for pair in nvidia:libnvidia-opencl.so.1 amd:libamdocl64.so intel:libigdrcl.so; do
  vendor="${pair%%:*}" library="${pair#*:}"
  if path="$(find_library "$library")"; then
    grep -qsF "$library" "$vendors"/*.icd || echo "$path" > "$vendors/suanli-$vendor.icd"
    say "OpenCL driver: $path"
  fi
done
export OCL_ICD_VENDORS="$vendors"
export SUANLI_OPENCL_LIBRARY="$bundle/libOpenCL.so.1"
export SUANLI_CACHE_DIR="$bundle/cache"
command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi --query-gpu=name,driver_version,clocks.max.sm,memory.total --format=csv >&2

# ---- 3. every suite, every precision -----------------------------------------------------------
devices_json="$("$bundle/suanli" devices --format json)" || { say "suanli devices failed"; exit 1; }
gpus="$(python3 -c 'import json,sys; print(" ".join(d["id"] for d in json.load(sys.stdin) if d.get("type") == "gpu"))' <<<"$devices_json")"
"$bundle/suanli" devices >&2
device_args=()
if [ -z "$gpus" ]; then
  if [ "$allow_no_gpu" -eq 0 ]; then say "no OpenCL GPU found (drivers looked for: NVIDIA, ROCm, Intel)"; exit 2; fi
  first="$(python3 -c 'import json,sys; print(next((d["id"] for d in json.load(sys.stdin) if d["id"].startswith("opencl:")), "cpu"))' <<<"$devices_json")"
  device_args=(--device "$first")
  say "no GPU: checking the bundle on $first"
else
  for g in $gpus; do device_args+=(--device "$g"); done
fi
mkdir -p Results
before="$(ls Results/*.json 2>/dev/null | sort)"
"$bundle/suanli" bench "${device_args[@]}" --precision fp32,fp64,fp16,mixed,bf16,int8,tf32,fp8 "${quick[@]}" \
  --output-dir Results --step-timeout 600 >&2
status=$?
result="$(comm -13 <(echo "$before") <(ls Results/*.json 2>/dev/null | sort) | tail -1)"
[ -n "$result" ] || { say "no result file was written (bench exit $status)"; exit "$status"; }
say "result: $result (bench exit $status)"
[ -n "$out" ] && mkdir -p "$out" && cp "$result" "$out/"

# Ratios to the catalog's dense peaks.
"$bundle/suanli" size devices --format json > "$bundle/catalog.json"
python3 - "$result" "$bundle/catalog.json" <<'PY' >&2 || true
import json, re, sys
doc = json.load(open(sys.argv[1]))
catalog = json.load(open(sys.argv[2]))
entries = catalog if isinstance(catalog, list) else catalog.get("accelerators", catalog.get("devices", []))
def norm(s): return re.sub(r"[^a-z0-9]", "", s.lower())
def match(name):
    keys = [norm(name)] + [norm(name)[len(v):] for v in ("nvidia", "amd") if norm(name).startswith(v)]
    found = [e for e in entries if any(norm(x) in keys for x in [e.get("id", ""), e.get("name", "")] + e.get("aliases", []))]
    return found[0] if len(found) == 1 else None
def dense(e, p):
    v = (e.get("dense_tflops") or {}).get(p)
    return v.get("value") if isinstance(v, dict) else v
for device in doc["devices"]:
    if device.get("type") != "gpu": continue
    rows = [m for m in doc["measurements"] if m["device"] == device["id"] and m.get("status") == "ok"]
    def best(pred):
        vals = [m["median"] for m in rows if pred(m)]
        return max(vals) if vals else None
    fp32 = best(lambda m: m["suite"] == "gemm" and m.get("precision") == "fp32")
    bf16 = best(lambda m: m["suite"] == "gemm" and m.get("precision") == "bf16"
                and (m.get("parameters") or {}).get("engine") in ("tensor", "matrix"))
    triad = best(lambda m: m["suite"] == "stream" and m["kernel"] == "triad")
    e = match(device.get("name", ""))
    print(f"{device['id']} {device.get('name')}: catalog entry {e['id'] if e else 'none (ratios need one)'}")
    if not e: continue
    bw = (e.get("memory_bandwidth_gbps") or {})
    bw = bw.get("value") if isinstance(bw, dict) else bw
    for label, got, peak, unit, goal in [("fp32 GEMM", fp32, dense(e, "fp32"), 1000, 0.8),
                                         ("triad", triad, bw, 1, 0.9),
                                         ("bf16 tensor GEMM", bf16, dense(e, "bf16"), 1000, 0.6)]:
        if got is None or not peak:
            print(f"  {label}: not measured"); continue
        ratio = got / (peak * unit)
        print(f"  {label}: {got / unit:,.1f} of {peak:,} {'TFLOPS' if unit == 1000 else 'GB/s'} dense peak = {ratio:.3f} "
              f"(goal {goal}: {'met' if ratio >= goal else 'NOT met'})")
PY
exit "$status"
