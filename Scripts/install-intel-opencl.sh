#!/usr/bin/env bash
# Installs Intel's OpenCL CPU runtime (a second conforming OpenCL driver, with fp16,
# cl_intel_bfloat16 and integer dot products) from PyPI into a folder, beside PoCL.
#
#   Scripts/install-intel-opencl.sh [DIR]     (default: $SUANLI_INTEL_OCL_DIR or ~/.cache/suanli/intel-ocl)
#
# It writes DIR/env.sh; `source DIR/env.sh` points the ICD loader at both PoCL and Intel's
# runtime (OCL_ICD_VENDORS) and puts Intel's libraries, but not its own libOpenCL, on
# LD_LIBRARY_PATH so that Debian's loader stays in use.
set -euo pipefail
dir="${1:-${SUANLI_INTEL_OCL_DIR:-$HOME/.cache/suanli/intel-ocl}}"
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"
if [ ! -x "$dir/venv/bin/pip" ]; then
  python3 -m venv "$dir/venv"
fi
if [ ! -f "$dir/venv/lib/libintelocl.so" ]; then
  "$dir/venv/bin/pip" install -q --disable-pip-version-check intel-opencl-rt intel-cmplr-lib-rt
fi
lib="$dir/venv/lib"
[ -f "$lib/libintelocl.so" ] || { echo "install-intel-opencl: $lib/libintelocl.so missing after pip install" >&2; exit 1; }
# Intel's libraries without its libOpenCL*: a folder of links.
rm -rf "$dir/lib" "$dir/vendors"
mkdir -p "$dir/lib" "$dir/vendors"
for f in "$lib"/*.so* "$lib"/*.rtl "$lib"/*.o "$lib"/cl.cfg; do
  [ -e "$f" ] || continue
  case "$(basename "$f")" in libOpenCL*) continue ;; esac
  ln -s "$f" "$dir/lib/$(basename "$f")"
done
echo "$dir/lib/libintelocl.so" > "$dir/vendors/intel-cpu.icd"
for icd in /etc/OpenCL/vendors/*.icd; do
  [ -e "$icd" ] && cp "$icd" "$dir/vendors/"
done
cat > "$dir/env.sh" <<ENV
export OCL_ICD_VENDORS="$dir/vendors"
export LD_LIBRARY_PATH="$dir/lib\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}"
ENV
echo "$dir/env.sh"
