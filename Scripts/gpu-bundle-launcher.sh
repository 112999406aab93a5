#!/bin/sh
# The `suanli` command of a GPU validation bundle (Scripts/gpu-validate.sh --build-only copies
# this file to BUNDLE/suanli). It runs BUNDLE/bin/suanli on a host that has no Swift, whatever
# the host's C library:
#
# - bundled mode: the bundle's own dynamic loader (BUNDLE/lib/ld-linux-*.so.*) starts the
#   binary with the C library it was linked against (BUNDLE/lib: libc, libm, libpthread, … —
#   the whole glibc of the build machine, so a host library that needs one of glibc's parts gets
#   the same version as the libc in the process). The host's glibc is not used at all, so an
#   older one (Ubuntu 22.04: 2.35; RHEL 8: 2.28) does not matter. The vendor's OpenCL driver is
#   still the host's: it is loaded into a process with a newer glibc, which keeps the old
#   symbol versions, and its own dependencies are found after the bundle's folder, in the
#   user's LD_LIBRARY_PATH, SUANLI_BUNDLE_HOST_LIBS (the driver folders gpu-validate.sh found)
#   and the usual system folders, then the host's /etc/ld.so.cache.
#   The library path is given to the loader (--library-path), not exported, so the programs
#   suanli starts (sh, nvidia-smi, a --power-command) run with the host's own libraries.
#   /proc/self/exe then names the loader, not suanli: suanli does not look for itself (kernels
#   and catalogs are embedded at build time), and --argv0 keeps argv[0], which result files
#   record in command_line, as the launcher's path.
# - host mode: the host's glibc is at least as new as every bundled binary needs (recorded
#   at build time in BUNDLE/bundle.env), so the binary runs as an ordinary program. A driver
#   built for a newer glibc than the bundle's (say Intel's runtime on Ubuntu 24.04) then loads.
#
# SUANLI_BUNDLE_LIBC=auto (default) picks host mode where it works, else bundled mode;
# =bundled or =host forces one. SUANLI_BUNDLE_VERBOSE=1 says which mode and path were used.
# libstdc++ and libgcc_s: the newer of the host's and the bundle's (BUNDLE/lib/cxx), since a
# host driver may need the host's newer one and the binary may need the bundle's.
here=$(cd "$(dirname "$0")" && pwd -P) || exit 1
# Values written at build time: loader, triplet, glibc, glibc_required, cxx_glibc_required, libstdcxx.
. "$here/bundle.env" || { echo "suanli bundle: cannot read $here/bundle.env" >&2; exit 1; }

# version_at_least A B: true when dotted version A >= B (missing parts count as 0).
version_at_least() {
  a=$1 b=$2
  while [ -n "$a$b" ]; do
    x=${a%%.*} y=${b%%.*}
    [ "${x:-0}" -gt "${y:-0}" ] && return 0
    [ "${x:-0}" -lt "${y:-0}" ] && return 1
    case $a in *.*) a=${a#*.} ;; *) a= ;; esac
    case $b in *.*) b=${b#*.} ;; *) b= ;; esac
  done
  return 0
}

host_glibc=$(getconf GNU_LIBC_VERSION 2>/dev/null | sed -n 's/^glibc \([0-9][0-9.]*\).*/\1/p')
host_dirs="/lib/$triplet:/usr/lib/$triplet:/lib64:/usr/lib64:/lib:/usr/lib"
host_dirs="$host_dirs:/usr/local/nvidia/lib64:/usr/local/nvidia/lib:/usr/lib64/nvidia:/usr/lib/nvidia:/opt/rocm/lib"

# The host's libstdc++ minor number (libstdc++.so.6.0.N), empty when there is none.
host_cxx=""
old_ifs=$IFS; IFS=:
for dir in $host_dirs; do
  if [ -e "$dir/libstdc++.so.6" ]; then
    real=$(readlink -f "$dir/libstdc++.so.6")
    host_cxx=${real##*libstdc++.so.6.0.}
    case $host_cxx in ''|*[!0-9]*) host_cxx=0 ;; esac
    break
  fi
done
IFS=$old_ifs
cxx_first=0
if [ -z "$host_cxx" ] || [ "$host_cxx" -lt "$libstdcxx" ]; then cxx_first=1; fi

# The binary travels gzipped (BUNDLE/bin/suanli.gz keeps the bundle under 64 MiB). It is unpacked
# once into the user's cache folder, keyed by the archive's checksum, so the bundle itself stays
# as built (read-only is fine, and it can be carried on again at the same size).
binary="$here/bin/suanli"
if [ -f "$here/bin/suanli.gz" ]; then
  sum=$(cksum < "$here/bin/suanli.gz" | cut -d ' ' -f 1)
  binary="${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/suanli/bundle-$sum/suanli"
  mkdir -p "$(dirname "$binary")" || exit 1
  if ! [ -x "$binary" ]; then
    if command -v gzip >/dev/null 2>&1; then
      gzip -dc "$here/bin/suanli.gz" > "$binary.$$"
    else
      python3 -c 'import gzip, shutil, sys; shutil.copyfileobj(gzip.open(sys.argv[1]), sys.stdout.buffer)' \
        "$here/bin/suanli.gz" > "$binary.$$"
    fi || { rm -f "$binary.$$"; echo "suanli bundle: cannot unpack $here/bin/suanli.gz (needs gzip or python3)" >&2; exit 1; }
    chmod 755 "$binary.$$" && mv -f "$binary.$$" "$binary" || exit 1
  fi
fi

mode=${SUANLI_BUNDLE_LIBC:-auto}
case $mode in
  auto)
    mode=bundled
    if [ -n "$host_glibc" ] && version_at_least "$host_glibc" "$glibc_required"; then
      # With the bundle's libstdc++ first, that one's glibc needs count too.
      if [ "$cxx_first" -eq 0 ] || version_at_least "$host_glibc" "$cxx_glibc_required"; then mode=host; fi
    fi ;;
  host|bundled) ;;
  *) echo "suanli bundle: SUANLI_BUNDLE_LIBC must be auto, host or bundled (not $mode)" >&2; exit 64 ;;
esac
export SUANLI_OPENCL_LIBRARY="${SUANLI_OPENCL_LIBRARY:-$here/lib/libOpenCL.so.1}"

if [ "$mode" = host ]; then
  if [ "$cxx_first" -eq 1 ]; then
    LD_LIBRARY_PATH="$here/lib/cxx${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"; export LD_LIBRARY_PATH
  fi
  [ "${SUANLI_BUNDLE_VERBOSE:-0}" = 1 ] && echo "suanli bundle: host mode (host glibc $host_glibc >= $glibc_required)" >&2
  exec "$binary" "$@"
fi

path="$here/lib"
[ "$cxx_first" -eq 1 ] && path="$path:$here/lib/cxx"
[ -n "${LD_LIBRARY_PATH:-}" ] && path="$path:$LD_LIBRARY_PATH"
[ -n "${SUANLI_BUNDLE_HOST_LIBS:-}" ] && path="$path:$SUANLI_BUNDLE_HOST_LIBS"
path="$path:$host_dirs"
[ "$cxx_first" -eq 0 ] && path="$path:$here/lib/cxx"
[ "${SUANLI_BUNDLE_VERBOSE:-0}" = 1 ] \
  && echo "suanli bundle: bundled mode (glibc $glibc; host glibc ${host_glibc:-unknown}); library path $path" >&2
exec "$here/lib/$loader" --library-path "$path" --argv0 "$0" "$binary" "$@"
