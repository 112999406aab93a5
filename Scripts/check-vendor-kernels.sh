#!/usr/bin/env bash
# Compiles every vendor tensor/matrix-engine kernel offline, without a GPU:
#   NVIDIA  gemm_mma_nv.cl, peak_mma_nv.cl   sm_80 and sm_90: clang (OpenCL C -> PTX), then ptxas
#   AMD     gemm_mfma_amd.cl, peak_mfma_amd.cl  gfx90a and gfx942: clang (OpenCL C -> code object);
#           gemm_wmma_amd.cl, peak_wmma_amd.cl  gfx1100 (RDNA3)
#   Intel   gemm_dpas_intel.cl, peak_dpas_intel.cl  SG 8 and 16: clang spir64 front end (type check
#           against the extension's declared built-ins; Intel's GPU compiler is not available here)
# for every element type the architecture has and every configuration in gemm_engines.tuning.json.
# Each file is compiled as the benchmark builds it: its preludes (preludes.json) joined in front.
#
#   Scripts/check-vendor-kernels.sh [KERNELS_DIR]     (default: Kernels/ beside this script)
#   Scripts/check-vendor-kernels.sh --self-test       plants an illegal NVIDIA mma shape and an MFMA
#                                                    that gfx942 lacks in a copy of the kernels, and
#                                                    fails unless the check catches both
# Exit status: 0 when everything compiles, 1 on any compile error, 2 when a tool is missing.
# Tools: clang-19 (or $CLANG), ptxas (or $PTXAS; Scripts/install-vendor-tools.sh installs both).
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
helpers="$here/vendor-kernels"

if [ "${1:-}" = "--self-test" ]; then
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  cp -r "$here/../Kernels/." "$work/"
  # bf16 mma exists as m16n8k8 and m16n8k16; m16n8k32 is illegal for it.
  sed -i 's/m16n8k16\.row\.col\.f32\.bf16\.bf16\.f32/m16n8k32.row.col.f32.bf16.bf16.f32/' "$work/gemm_mma_nv.cl"
  # fp8 MFMA is gfx940+: gfx90a does not have it.
  sed -i 's/__builtin_amdgcn_mfma_f32_16x16x16bf16_1k(as_short4(a), as_short4(b)/__builtin_amdgcn_mfma_f32_16x16x32_fp8_fp8(as_long(a), as_long(b)/' "$work/peak_mfma_amd.cl"
  grep -q 'm16n8k32.row.col.f32.bf16' "$work/gemm_mma_nv.cl" && [ "$(grep -c '16x16x32_fp8_fp8(as_long(a), as_long(b)' "$work/peak_mfma_amd.cl")" -eq 2 ] ||
    { echo "self-test: could not plant the faults" >&2; exit 1; }
  output="$("$0" "$work" 2>&1)"
  status=$?
  nv="$(grep -m1 'Illegal matrix shape' <<<"$output")"
  amd="$(grep -m1 '^FAIL gfx90a peak_mfma_amd.cl MF_BF16' <<<"$output")"
  if [ "$status" -eq 1 ] && [ -n "$nv" ] && [ -n "$amd" ]; then
    echo "self-test: ok, both planted faults fail the check:"
    echo "  $nv"
    echo "  $amd"
    exit 0
  fi
  echo "self-test: FAILED: a planted fault was not caught (status $status)" >&2
  echo "$output" | tail -5 >&2
  exit 1
fi

kernels="$(cd "${1:-$here/../Kernels}" && pwd)" || { echo "check-vendor-kernels: no such folder: ${1:-}" >&2; exit 2; }

find_clang() {
  for c in "${CLANG:-}" clang-19 clang-20 clang-18 clang; do
    [ -n "$c" ] && command -v "$c" >/dev/null 2>&1 && { echo "$c"; return 0; }
  done
  return 1
}
find_ptxas() {
  [ -n "${PTXAS:-}" ] && [ -x "$PTXAS" ] && { echo "$PTXAS"; return 0; }
  command -v ptxas >/dev/null 2>&1 && { command -v ptxas; return 0; }
  local venv="${SUANLI_CUDA_NVCC_VENV:-$HOME/.cache/suanli/cuda-nvcc}"
  local found
  found="$(find "$venv" /usr/local/cuda/bin -name ptxas -type f 2>/dev/null | sort | tail -1)"
  [ -n "$found" ] && { echo "$found"; return 0; }
  return 1
}
clang="$(find_clang)" || { echo "check-vendor-kernels: clang-19 not found (apt-get install clang-19, or set CLANG)" >&2; exit 2; }
ptxas="$(find_ptxas)" || { echo "check-vendor-kernels: ptxas not found (Scripts/install-vendor-tools.sh, or set PTXAS)" >&2; exit 2; }

# Configurations: "file|name|-DKEY=VALUE ..." lines from gemm_engines.tuning.json.
configs="$(python3 - "$kernels/gemm_engines.tuning.json" <<'PY'
import json, sys
for file, entries in json.load(open(sys.argv[1])).items():
    for e in entries:
        print(f"{file}|{e['name']}|" + " ".join(f"-D{k}={v}" for k, v in sorted(e["defines"].items())))
PY
)" || { echo "check-vendor-kernels: cannot read $kernels/gemm_engines.tuning.json" >&2; exit 1; }
configs_for() { grep "^$1|" <<<"$configs"; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# Every kernel file joined with its preludes, as KernelSources.source joins them.
mkdir -p "$work/joined"
python3 - "$kernels" "$work/joined" <<'PY' || { echo "check-vendor-kernels: cannot join the preludes of $kernels" >&2; exit 1; }
import json, os, sys
src, dst = sys.argv[1], sys.argv[2]
table_path = os.path.join(src, "preludes.json")
table = json.load(open(table_path)) if os.path.exists(table_path) else {}
for name in os.listdir(src):
    if not name.endswith(".cl"):
        continue
    parts = table.get(name, []) + [name]
    with open(os.path.join(dst, name), "w") as out:
        for part in parts:
            text = open(os.path.join(src, part)).read()
            if len(parts) > 1:
                out.write('#line 1 "%s"\n' % part)
            out.write(text if text.endswith("\n") else text + "\n")
PY
passed=0
failed=0

report() {  # label, log file, status
  if [ "$3" -eq 0 ]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    local first
    first="$(grep -m1 -iE 'error|fatal' "$2" || head -1 "$2")"
    echo "FAIL $1: $first"
  fi
}

nvidia() {  # sm, type, file, name, defines
  local sm="$1" type="$2" file="$3" name="$4" defines="$5" ptx="$work/k.ptx" log="$work/log"
  local isa=+ptx80
  [ "$type" = TC_E4M3 ] && isa=+ptx84   # fp8 mma needs PTX ISA 8.4
  {
    "$clang" -x cl -cl-std=CL2.0 -target nvptx64-nvidia-nvcl -Xclang -target-cpu -Xclang "$sm" \
      -Xclang -target-feature -Xclang "$isa" -Xclang -finclude-default-header \
      -include "$helpers/nvptx-workitem.h" -D"$type" $defines -S "$work/joined/$file" -o "$ptx" &&
    "$ptxas" -arch="$sm" -c "$ptx" -o "$work/k.cubin"
  } >"$log" 2>&1
  report "$sm $file $type $name" "$log" $?
}

amd() {  # gfx, type, file, name, defines
  local gfx="$1" type="$2" file="$3" name="$4" defines="$5" log="$work/log"
  "$clang" -x cl -cl-std=CL2.0 -target amdgcn-amd-amdhsa -mcpu="$gfx" -nogpulib \
    -Xclang -finclude-default-header -D"$type" $defines -c "$work/joined/$file" -o "$work/k.o" >"$log" 2>&1
  report "$gfx $file $type $name" "$log" $?
}

intel() {  # sg, type, file, name, defines
  local sg="$1" type="$2" file="$3" name="$4" defines="$5" log="$work/log"
  "$clang" -x cl -cl-std=CL3.0 -target spir64 -Xclang -finclude-default-header \
    -DSG="$sg" -include "$helpers/intel-dpas-declarations.h" -D"$type" $defines \
    -fsyntax-only "$work/joined/$file" >"$log" 2>&1
  report "intel-sg$sg $file $type $name" "$log" $?
}

for sm in sm_80 sm_90; do
  types="TC_F16 TC_F16ACC TC_BF16 TC_TF32 TC_S8"
  [ "$sm" = sm_90 ] && types="$types TC_E4M3"   # fp8 mma: sm_89 and newer
  for type in $types; do
    while IFS='|' read -r file name defines; do
      nvidia "$sm" "$type" "$file" "$name" "$defines"
    done < <(configs_for gemm_mma_nv.cl)
    nvidia "$sm" "$type" peak_mma_nv.cl default ""
  done
done

for gfx in gfx90a gfx942; do
  types="MF_F16 MF_BF16 MF_I8"
  [ "$gfx" = gfx942 ] && types="$types MF_XF32 MF_FP8"   # xf32 and fp8 MFMA: gfx940-gfx942
  for type in $types; do
    while IFS='|' read -r file name defines; do
      amd "$gfx" "$type" "$file" "$name" "$defines"
    done < <(configs_for gemm_mfma_amd.cl)
    amd "$gfx" "$type" peak_mfma_amd.cl default ""
  done
done

for type in WM_F16 WM_BF16 WM_I8; do
  while IFS='|' read -r file name defines; do
    amd gfx1100 "$type" "$file" "$name" "$defines"
  done < <(configs_for gemm_wmma_amd.cl)
  amd gfx1100 "$type" peak_wmma_amd.cl default ""
done

for sg in 8 16; do
  for type in DP_F16 DP_BF16 DP_I8; do
    while IFS='|' read -r file name defines; do
      intel "$sg" "$type" "$file" "$name" "$defines"
    done < <(configs_for gemm_dpas_intel.cl)
    intel "$sg" "$type" peak_dpas_intel.cl default ""
  done
done

echo "check-vendor-kernels: $passed compiled, $failed failed ($("$clang" --version | head -1); $("$ptxas" --version | tail -1))"
[ "$failed" -eq 0 ]
