#!/usr/bin/env bash
# Installs what Suanli needs on a fresh Debian machine (run as root, or with sudo available).
# OpenCL headers for the build; the ICD loader and PoCL so OpenCL runs on the CPU when no GPU
# driver is installed (a GPU's own ICD, e.g. NVIDIA's, is used alongside when present).
set -euo pipefail
packages=(opencl-headers ocl-icd-opencl-dev ocl-icd-libopencl1 pocl-opencl-icd clinfo)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
