#!/usr/bin/env bash
# Everything a GPU machine needs to validate Suanli, in one command.
#
#   Scripts/gpu-validate.sh [--bundle DIR] [--build-only] [--quick] [--allow-no-gpu] [--out DIR]
#                           [--suites LIST] [--precisions LIST] [--step-timeout S] [--budget S]
#                           [--binary FILE] [-- MORE BENCH OPTIONS]
#   BUNDLE/gpu-validate.sh  [the same options but --bundle and --build-only]   (on the GPU host)
#
# 1. Bundle (on a machine with Swift; skipped when DIR/bin/suanli.gz is newer than the sources):
#    a release `suanli` with the Swift runtime linked in (--static-swift-stdlib), made independent
#    of the GPU host's C library: DIR/lib holds this machine's dynamic loader and its whole glibc
#    (libc, libm, libpthread, libdl, librt, libresolv, … ~5 MB), DIR/lib/cxx libstdc++ and
#    libgcc_s, DIR/lib/libOpenCL.so.1 Debian's ICD loader; DIR/bin/suanli.gz the binary (gzip:
#    63 MB of which 34 MB are ICU's data, 24 MB packed, unpacked on first use); DIR/suanli the
#    launcher (Scripts/gpu-bundle-launcher.sh: runs the binary through the bundled loader when the
#    host's glibc is older than the binary needs, natively otherwise; see its header);
#    DIR/bundle.env what the launcher needs to know; DIR/gpu-validate.sh this script. The
#    whole folder must stay under 64 MiB (checked). --build-only stops here: copy DIR to the GPU
#    host (it needs only the GPU driver, /bin/sh, bash, gzip or python3, and python3 for the
#    summary) and run DIR/gpu-validate.sh there. Scripts/test-gpu-bundle.sh checks the bundle in
#    a clean root without Swift (CI). --binary FILE packs that release binary (built with
#    --static-swift-stdlib) instead of building one.
# 2. Driver: finds the vendor's OpenCL library — NVIDIA's libnvidia-opencl.so.1 under the driver
#    folders (a container often has the driver's libraries but no /etc/OpenCL/vendors entry), ROCm's
#    libamdocl64.so, Intel's libigdrcl.so — writes an ICD file for each into a temporary vendors
#    folder, adds the system's ICD files, and points the bundled ICD loader at that folder
#    (OCL_ICD_VENDORS, SUANLI_OPENCL_LIBRARY); the drivers' folders go on the bundled loader's
#    library path (SUANLI_BUNDLE_HOST_LIBS).
# 3. Runs the suites on every GPU (`suanli bench`), writes the result file under Results/ (of the
#    repository, or of the current folder when run from a bundle; a copy under --out), and prints,
#    for each GPU the catalog knows, the ratios to its dense peaks: fp32 GEMM / fp32 peak, best
#    triad / HBM bandwidth, best bf16 tensor-or-matrix GEMM / bf16 peak (goals 0.8, 0.9 and 0.6).
#
# Time (the default run fits in 10 minutes on one GPU). By default every suite at every
# precision, most telling first: gemm (8 precisions × 2 shapes, 4096³ and 4096×4096×1024:
# 16 steps; each is compile + tuning on first use + ≥10 samples over ≥1 s + verification,
# ~5–10 s on an H100-class GPU: ~2.5 min), peak (≤ 8 steps, vector and engine kernels, ~1–2 s
# each: ~0.5 min), stream (fp32 and fp64, 4 kernels on 2^28-element arrays: ~0.5 min with the
# host-side fill and check), transfer, roofline and latency (~1 min), then the cache and
# memlat sweeps (33 working sets from 4 KiB to 256 MiB, ≥1 s each: ~1.5 min each), about
# 7–8 minutes in all. These are estimates, not measurements: Suanli has not run on a GPU
# yet. Two bounds keep it under 10 minutes whatever happens: --step-timeout (default 120 s: a
# step that runs longer is recorded as failed and ends the run) and --budget (default 520 s:
# the bench then gets SIGTERM, saves what it measured as an incomplete result file, and this
# script exits 4; SIGKILL 30 s later if it cannot stop), so at most ~9.5 minutes with the
# device listing and the summary. The sweeps come last, so a run cut short loses the least.
# --quick (small sizes, short sampling) takes about a minute.
#
# Exit status: bench's (0 all verified, 3 a measurement failed or was implausible), 4 the
# budget ran out (incomplete result file), 2 when no GPU is found (unless --allow-no-gpu,
# which runs on whatever OpenCL devices there are: a local check of the bundle), 1 other errors.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd -P)"
if [ -f "$here/bundle.env" ] && [ -f "$here/suanli" ]; then
  in_bundle=1 bundle="$here" results_root="$PWD"          # run from a carried bundle
else
  in_bundle=0 root="$(dirname "$here")" bundle="$root/.build-gpu-bundle" results_root="$root"
  cd "$root" || exit 1
fi
build_only=0
quick=()
allow_no_gpu=0
out=""
suites="gemm,peak,stream,transfer,roofline,latency,cache,memlat"
precisions="fp32,fp64,fp16,mixed,bf16,int8,tf32,fp8"
step_timeout=120
budget=520
extra=()
binary=""
say() { echo "gpu-validate: $*" >&2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --bundle) [ "$in_bundle" -eq 0 ] || { say "--bundle: this is a bundle already ($bundle)"; exit 64; }
              bundle="$(mkdir -p "$2" && cd "$2" && pwd -P)" || exit 64; shift 2 ;;
    --build-only) [ "$in_bundle" -eq 0 ] || { say "--build-only: this is a bundle already ($bundle)"; exit 64; }
                  build_only=1; shift ;;
    --binary) binary="$(readlink -f "$2")"; shift 2 ;;
    --quick) quick=(--quick); shift ;;
    --allow-no-gpu) allow_no_gpu=1; shift ;;
    --out) out="$2"; shift 2 ;;
    --suites) suites="$2"; shift 2 ;;
    --precisions) precisions="$2"; shift 2 ;;
    --step-timeout) step_timeout="$2"; shift 2 ;;
    --budget) budget="$2"; shift 2 ;;
    --) shift; extra=("$@"); break ;;
    -h|--help) sed -n '2,/^set -uo/p' "$0" | sed '$d'; exit 0 ;;
    *) say "unknown option $1"; exit 64 ;;
  esac
done
case "$budget$step_timeout" in *[!0-9]*|'') say "--budget and --step-timeout take whole seconds"; exit 64 ;; esac

# ---- 1. bundle -------------------------------------------------------------------------------
build_bundle() {
  local bin staging icd libc_path libdir loader name f size required cxx_required cxx_real
  if [ -n "$binary" ]; then
    bin="$binary"
  else
    say "building a release suanli with the Swift runtime linked in"
    swift build -c release --static-swift-stdlib --product suanli >&2 || { say "build failed"; return 1; }
    bin="$(swift build -c release --static-swift-stdlib --show-bin-path)/suanli"
  fi
  icd=""
  for f in /usr/lib/x86_64-linux-gnu/libOpenCL.so.1 /usr/lib/aarch64-linux-gnu/libOpenCL.so.1 /usr/lib64/libOpenCL.so.1 /usr/lib/libOpenCL.so.1; do
    [ -f "$f" ] && { icd="$(readlink -f "$f")"; break; }
  done
  [ -n "$icd" ] || { say "no libOpenCL.so.1 (Debian: apt-get install ocl-icd-libopencl1)"; return 1; }
  # The binary's C library: the folder ldd finds libc.so.6 in, and the loader named in its ELF header.
  # (ldd as the system resolves it: an LD_LIBRARY_PATH, such as the Intel runtime's, must not choose.)
  ldd() { env -u LD_LIBRARY_PATH ldd "$@"; }
  libc_path="$(ldd "$bin" | awk '$1 == "libc.so.6" {print $3}')"
  [ -f "$libc_path" ] || { say "ldd finds no libc.so.6 for $bin"; return 1; }
  libdir="$(dirname "$(readlink -f "$libc_path")")"
  loader="$(readelf -l "$bin" | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')"
  [ -f "$loader" ] || { say "no program interpreter found for $bin"; return 1; }
  staging="$bundle.new.$$"
  rm -rf "$staging" && mkdir -p "$staging/bin" "$staging/lib/cxx" || return 1
  cp "$bin" "$staging/bin/suanli" && strip "$staging/bin/suanli" || return 1
  # The whole glibc, not only what the binary names: a host library that needs one of its parts
  # (libresolv, libnss_*) must get the part that matches the libc in the process.
  for name in libc.so.6 libm.so.6 libmvec.so.1 libpthread.so.0 libdl.so.2 librt.so.1 libresolv.so.2 libutil.so.1 \
              libanl.so.1 libnsl.so.1 libBrokenLocale.so.1 libthread_db.so.1 libc_malloc_debug.so.0 \
              libnss_files.so.2 libnss_dns.so.2 libnss_compat.so.2 libnss_hesiod.so.2; do
    [ -e "$libdir/$name" ] && cp -L "$libdir/$name" "$staging/lib/$name"
  done
  cp -L "$loader" "$staging/lib/$(basename "$loader")" || return 1
  # Anything else the binary links (today: libstdc++ and libgcc_s, which go to lib/cxx).
  while read -r name f; do
    case "$name" in
      libstdc++.so.*|libgcc_s.so.*) cp -L "$f" "$staging/lib/cxx/$name" ;;
      *) [ -e "$staging/lib/$name" ] || cp -L "$f" "$staging/lib/$name" ;;
    esac
  done < <(ldd "$bin" | awk '$2 == "=>" && $3 ~ /^\// {print $1, $3}')
  [ -f "$staging/lib/cxx/libstdc++.so.6" ] || { say "the binary does not link libstdc++.so.6 (expected with --static-swift-stdlib)"; return 1; }
  cp "$icd" "$staging/lib/libOpenCL.so.1"
  if ldd "$bin" | grep -q 'libswift\|not found'; then say "the binary still needs Swift's libraries: $(ldd "$bin" | grep 'libswift\|not found' | head -3)"; return 1; fi
  gzip -9 "$staging/bin/suanli" || return 1
  # What the launcher needs: the newest glibc symbol version the binary and the ICD loader (or
  # the bundled libstdc++ and libgcc_s) ask for decides whether the host's glibc can run them.
  required="$(objdump -T "$bin" "$staging/lib/libOpenCL.so.1" | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -1)"
  cxx_required="$(objdump -T "$staging"/lib/cxx/* | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -1)"
  cxx_real="$(readlink -f "$(ldd "$bin" | awk '$1 == "libstdc++.so.6" {print $3}')")"
  {
    echo "# Written by Scripts/gpu-validate.sh --build-only on $(uname -n), $(date -u +%FT%TZ); read by ./suanli."
    echo "loader=$(basename "$loader")"
    echo "triplet=$(basename "$libdir")"
    echo "glibc=$(getconf GNU_LIBC_VERSION | awk '{print $2}')"
    echo "glibc_required=$required"
    echo "cxx_glibc_required=$cxx_required"
    echo "libstdcxx=${cxx_real##*libstdc++.so.6.0.}"
  } > "$staging/bundle.env"
  cp "$here/gpu-bundle-launcher.sh" "$staging/suanli" && chmod 755 "$staging/suanli"
  cp "$here/gpu-validate.sh" "$staging/gpu-validate.sh" && chmod 755 "$staging/gpu-validate.sh"
  size=$(du -sb "$staging" | cut -f1)
  if [ "$size" -gt $((64 * 1024 * 1024)) ]; then say "bundle is over 64 MiB ($size bytes)"; rm -rf "$staging"; return 1; fi
  rm -rf "$bundle" && mv "$staging" "$bundle" || return 1
  say "bundle $bundle: $((size / 1024 / 1024)) MiB (binary needs glibc >= $required; carries glibc $(getconf GNU_LIBC_VERSION | awk '{print $2}') and its loader)"
}
if [ "$in_bundle" -eq 0 ]; then
  stale=1
  if [ -f "$bundle/bin/suanli.gz" ] && [ -f "$bundle/bundle.env" ]; then
    newer="$(find Sources Kernels Catalog Package.swift Scripts/gpu-validate.sh Scripts/gpu-bundle-launcher.sh \
             -newer "$bundle/bin/suanli.gz" -print -quit 2>/dev/null)"
    [ -z "$newer" ] && stale=0
    command -v swift >/dev/null 2>&1 || stale=0   # no toolchain here: use the carried bundle
  fi
  [ -n "$binary" ] && stale=1
  if [ "$stale" -eq 1 ]; then
    command -v swift >/dev/null 2>&1 || { say "no bundle in $bundle and no Swift toolchain to build one"; exit 1; }
    build_bundle || { rm -rf "$bundle.new.$$"; exit 1; }
  fi
fi
[ "$build_only" -eq 1 ] && { echo "$bundle"; exit 0; }

# ---- 2. the vendor's OpenCL library ------------------------------------------------------------
work="$(mktemp -d "${TMPDIR:-/tmp}/suanli-validate.XXXXXX")" || exit 1
trap 'rm -rf "$work"' EXIT
vendors="$work/vendors"
mkdir -p "$vendors"
for icd in /etc/OpenCL/vendors/*.icd; do [ -e "$icd" ] && cp "$icd" "$vendors/"; done
find_library() {  # name: the first match under the usual driver folders, then the linker cache
  local name="$1" dir found
  for dir in /usr/lib/x86_64-linux-gnu /usr/lib/aarch64-linux-gnu /usr/lib64 /usr/lib /usr/local/nvidia/lib64 \
             /usr/local/nvidia/lib /usr/lib/nvidia /usr/lib64/nvidia /run/nvidia/driver/usr/lib/x86_64-linux-gnu \
             /usr/local/cuda/compat /usr/local/cuda/lib64 /opt/rocm/lib /opt/rocm/opencl/lib /usr/lib/x86_64-linux-gnu/intel-opencl; do
    found="$(find "$dir" -maxdepth 2 -name "$name*" \( -type f -o -type l \) 2>/dev/null | sort | head -1)"
    [ -n "$found" ] && { echo "$found"; return 0; }
  done
  found="$( (ldconfig -p || /sbin/ldconfig -p) 2>/dev/null | awk -v n="$name" '$1 ~ n {print $NF; exit}')"
  [ -n "$found" ] && { echo "$found"; return 0; }
  return 1
}
host_libs=""
for pair in nvidia:libnvidia-opencl.so.1 amd:libamdocl64.so intel:libigdrcl.so; do
  vendor="${pair%%:*}" library="${pair#*:}"
  if path="$(find_library "$library")"; then
    grep -qsF "$library" "$vendors"/*.icd || echo "$path" > "$vendors/suanli-$vendor.icd"
    host_libs="${host_libs:+$host_libs:}$(dirname "$path")"
    say "OpenCL driver: $path"
  fi
done
export OCL_ICD_VENDORS="$vendors"
export SUANLI_OPENCL_LIBRARY="$bundle/lib/libOpenCL.so.1"
export SUANLI_BUNDLE_HOST_LIBS="$host_libs${SUANLI_BUNDLE_HOST_LIBS:+:$SUANLI_BUNDLE_HOST_LIBS}"
command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi --query-gpu=name,driver_version,clocks.max.sm,memory.total --format=csv >&2
suanli="$bundle/suanli"

# ---- 3. the suites -----------------------------------------------------------------------------
devices_json="$("$suanli" devices --format json)" || { say "suanli devices failed"; exit 1; }
list_devices() {  # kind: gpu ids, or the first OpenCL id
  python3 -c '
import json, sys
doc = json.load(sys.stdin)
devices = doc["devices"] if isinstance(doc, dict) else doc
if sys.argv[1] == "gpu":
    print(" ".join(d["id"] for d in devices if d.get("type") == "gpu"))
else:
    print(next((d["id"] for d in devices if d["id"].startswith("opencl:")), "cpu"))' "$1" <<<"$devices_json"
}
gpus="$(list_devices gpu)" || { say "cannot read the device list: $devices_json"; exit 1; }
"$suanli" devices >&2
device_args=()
if [ -z "$gpus" ]; then
  if [ "$allow_no_gpu" -eq 0 ]; then say "no OpenCL GPU found (drivers looked for: NVIDIA, ROCm, Intel)"; exit 2; fi
  first="$(list_devices first)"
  device_args=(--device "$first")
  say "no GPU: checking the bundle on $first"
else
  for g in $gpus; do device_args+=(--device "$g"); done
fi
results="$results_root/Results"
mkdir -p "$results" || exit 1
before="$(ls "$results"/*.json 2>/dev/null | sort)"
say "suanli bench ${device_args[*]} --suite $suites --precision $precisions ${quick[*]} ${extra[*]} (budget $budget s, step timeout $step_timeout s)"
started=$(date +%s)
timeout --signal=TERM --kill-after=30 "$budget" "$suanli" bench "${device_args[@]}" --suite "$suites" \
  --precision "$precisions" "${quick[@]}" --output-dir "$results" --step-timeout "$step_timeout" "${extra[@]}" >&2
status=$?
say "bench took $(( $(date +%s) - started )) s"
if [ "$status" -eq 130 ] || [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
  say "the run did not finish within the $budget s budget: the result file holds what was measured (incomplete)"
  status=4
fi
result="$(comm -13 <(echo "$before") <(ls "$results"/*.json 2>/dev/null | sort) | tail -1)"
[ -n "$result" ] || { say "no result file was written (bench exit $status)"; exit "$status"; }
say "result: $result (exit $status)"
[ -n "$out" ] && mkdir -p "$out" && cp "$result" "$out/"

# Ratios to the catalog's dense peaks.
"$suanli" size devices --format json > "$work/catalog.json"
python3 - "$result" "$work/catalog.json" <<'PY' >&2 || true
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
