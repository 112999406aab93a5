#!/usr/bin/env bash
# Installs what Scripts/check-vendor-kernels.sh needs to compile the vendor kernels offline:
# Debian's clang-19 (OpenCL C for nvptx64 and amdgcn) and NVIDIA's ptxas from PyPI's
# nvidia-cuda-nvcc wheel, in a virtual environment.
#
#   Scripts/install-vendor-tools.sh [VENV]   (default: $SUANLI_CUDA_NVCC_VENV or ~/.cache/suanli/cuda-nvcc)
#
# Prints the path of ptxas; check-vendor-kernels.sh finds it in the same default folder.
set -euo pipefail
venv="${1:-${SUANLI_CUDA_NVCC_VENV:-$HOME/.cache/suanli/cuda-nvcc}}"
missing=()
for p in clang-19 python3-venv; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
ptxas="$(find "$venv" -name ptxas -type f 2>/dev/null | sort | tail -1 || true)"
if [ -z "$ptxas" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check nvidia-cuda-nvcc
  ptxas="$(find "$venv" -name ptxas -type f 2>/dev/null | sort | tail -1)"
fi
[ -n "$ptxas" ] || { echo "install-vendor-tools: ptxas not found in $venv after pip install" >&2; exit 1; }
echo "$ptxas"
