#!/usr/bin/env bash
# CI check of the GPU validation bundle (issue 19): built here by `Scripts/gpu-validate.sh
# --build-only`, it must run where there is no Swift, no build tree and maybe an older glibc.
#
#   Scripts/test-gpu-bundle.sh [--bundle DIR]     (default: build or reuse .build-gpu-bundle)
#
# 1. Static checks: the bundle is under 64 MiB; every library the binary names is in the
#    bundle; no RPATH/RUNPATH but $ORIGIN (SwiftPM's); nothing of Swift's is linked.
# 2. Empty root (a mount namespace, chroot): only the bundle (read-only), /proc, /dev, /sys and
#    an empty /tmp — no /usr, no /lib, no shell, no libc but the bundle's. The bundle's loader
#    runs the binary: `devices --format json`, `size devices`, and a quick CPU bench whose JSON
#    must parse with verified measurements. This proves the binary needs nothing from the host's
#    userland, so the host's glibc version cannot matter.
# 3. Bare GPU host (a second root): the host's /usr, /etc and the usrmerge links (PoCL, python3,
#    bash) read-only, but not /opt (the Swift toolchain), /work, /root or the build tree; checked
#    by looking for swift and libswiftCore.so inside. Under `env -i`, with only the bundle's
#    folder and /usr/bin on PATH, from a temporary folder:
#    - `suanli devices` in bundled mode with LD_DEBUG=libs: libc.so.6 and the loader must come
#      from the bundle, PoCL must be listed, and no file under a Swift or build folder loads;
#    - the launcher's choice: auto picks host mode on this glibc and bundled mode when getconf
#      says glibc 2.28 (an older host simulated), both run `devices`;
#    - BUNDLE/gpu-validate.sh --allow-no-gpu --quick against PoCL (bundled mode, the bundle
#      read-only): gemm, peak and stream at small sizes; exit 0 and a result file that parses
#      as JSON with verified gemm, peak and stream measurements on the PoCL device.
# Clean roots need root and unshare(1) (CI runs as root). Elsewhere steps 2–3 run under `env -i`
# on the host instead, with the LD_DEBUG check for Swift and build-tree files, and say so;
# SUANLI_REQUIRE_CLEAN_ROOT=1 (set in .ci/run) makes that a failure instead.
# SUANLI_CLEAN_ROOT=0 takes the env -i way even where clean roots work (to check that way).
# SUANLI_BUNDLE_TEST_KEEP=1 keeps the work folder (logs, result file) and says where.
# 4. Optional, an older glibc: SUANLI_OLD_GLIBC_ROOT=DIR names the root of an older distribution
#    (e.g. `debootstrap --variant=minbase bullseye DIR`: glibc 2.31, libstdc++ of GCC 10). There,
#    host mode must fail for want of GLIBC_2.3x, auto must choose bundled mode, and `devices`
#    and a CPU bench must run; with SUANLI_OLD_ROOT_OPENCL=DIR (a driver folder with vendors/ and
#    lib/, such as Intel's CPU runtime from install-intel-opencl.sh, built for glibc 2.28) also
#    a bench on that OpenCL device at fp32, fp16, bf16 and int8: a vendor driver built for an older
#    glibc, loaded into the bundled newer one, as NVIDIA's would be on Ubuntu 20.04.
# Not verified here: a real GPU driver loading into the bundled glibc.
set -euo pipefail
say() { echo "test-gpu-bundle: $*" >&2; }
fail() { say "FAIL: $*"; exit 1; }

bind() {  # source target [ro]: a bind mount (inside the private mount namespace only)
  mkdir -p "$2"
  mount --rbind "$1" "$2"
  [ "${3:-}" = ro ] && mount -o remount,bind,ro "$2"
  return 0
}

if [ "${1:-}" = --in-namespace ]; then
  # ---- inside a private mount namespace: build the two roots and run the checks ---------------
  work="$2"
  mount --make-rprivate /
  empty="$work/empty"
  mkdir -p "$empty" && mount -t tmpfs -o mode=755 suanli-empty "$empty"
  bind "$work/bundle" "$empty/bundle" ro
  for d in proc dev sys; do bind "/$d" "$empty/$d"; done
  mkdir -m 1777 "$empty/tmp"
  cp "$work/suanli" "$empty/tmp/suanli"
  host="$work/host"
  mkdir -p "$host" && mount -t tmpfs -o mode=755 suanli-host "$host"
  for d in usr etc bin sbin lib lib32 lib64 libx32; do
    if [ -L "/$d" ]; then cp -P "/$d" "$host/$d"; elif [ -d "/$d" ]; then bind "/$d" "$host/$d" ro; fi
  done
  bind "$work/bundle" "$host/bundle" ro
  bind "$work/out" "$host/out"
  for d in proc dev sys; do bind "/$d" "$host/$d"; done
  mkdir -m 1777 "$host/tmp"
  "$BASH" "$0" --checks "$work" "$empty" "$host"
  exit $?
fi

if [ "${1:-}" = --checks ]; then
  work="$2" empty="$3" host="$4"
  . "$work/bundle/bundle.env"
  in_empty() { env -i HOME=/tmp /usr/sbin/chroot "$empty" /bundle/lib/"$loader" --library-path /bundle/lib:/bundle/lib/cxx /tmp/suanli "$@"; }
  # in_host [VAR=VALUE…] COMMAND…: in the bare-host root, from /tmp, under env -i.
  in_host() { env -i HOME=/tmp/home PATH=/bundle:/usr/bin:/bin /usr/sbin/chroot "$host" \
                /bin/sh -c 'mkdir -p "$HOME" && cd /tmp && exec /usr/bin/env "$@"' sh "$@"; }
  clean=1
else
  clean=0
fi

if [ "$clean" -eq 0 ]; then
  cd "$(dirname "$0")/.."
  root="$PWD"
  if [ "${1:-}" = --bundle ]; then
    bundle="$(cd "$2" && pwd -P)"
  else
    bundle="$(Scripts/gpu-validate.sh --build-only)" || fail "gpu-validate.sh --build-only failed"
  fi
  [ -f "$bundle/bundle.env" ] || fail "$bundle is not a bundle (no bundle.env)"
  # shellcheck disable=SC1091
  . "$bundle/bundle.env"

  # ---- 1. static checks ------------------------------------------------------------------------
  size=$(du -sb "$bundle" | cut -f1)
  [ "$size" -le $((64 * 1024 * 1024)) ] || fail "bundle is $size bytes, over 64 MiB"
  work="$(mktemp -d "${TMPDIR:-/tmp}/suanli-bundle-test.XXXXXX")"
  if [ "${SUANLI_BUNDLE_TEST_KEEP:-0}" = 1 ]; then say "keeping $work"; else trap 'rm -rf "$work"' EXIT; fi
  cp -a "$bundle" "$work/bundle"
  mkdir -p "$work/out"
  gzip -dc "$bundle/bin/suanli.gz" > "$work/suanli" && chmod 755 "$work/suanli"
  while read -r needed; do
    [ -e "$bundle/lib/$needed" ] || [ -e "$bundle/lib/cxx/$needed" ] || [ "$needed" = "$loader" ] \
      || fail "the binary needs $needed, which is not in the bundle"
  done < <(readelf -d "$work/suanli" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
  runpath="$(readelf -d "$work/suanli" | sed -n 's/.*(R[UN]*PATH).*\[\(.*\)\]/\1/p')"
  [ -z "$runpath" ] || [ "$runpath" = '$ORIGIN' ] || fail "the binary has an RPATH/RUNPATH beyond \$ORIGIN: $runpath"
  ! readelf -d "$work/suanli" | grep -q 'libswift\|libFoundation\|libdispatch' || fail "the binary links a Swift library"
  say "static checks passed: $((size / 1024 / 1024)) MiB; needs glibc >= $glibc_required, carries $glibc; libstdc++ .$libstdcxx"

  if [ "${SUANLI_CLEAN_ROOT:-1}" = 1 ] && [ "$(id -u)" -eq 0 ] && unshare --mount true 2>/dev/null && [ -x /usr/sbin/chroot ]; then
    unshare --mount "$BASH" "$0" --in-namespace "$work" || exit 1
    exit 0
  fi
  [ "${SUANLI_REQUIRE_CLEAN_ROOT:-0}" = 1 ] && fail "no clean root here (needs root and unshare --mount) and SUANLI_REQUIRE_CLEAN_ROOT=1"
  say "NOTE: no clean root (needs root and unshare --mount): running under env -i on this host instead"
  empty="" host=""
  mkdir -p "$work/tmp"
  in_empty() { env -i HOME="$work/tmp" "$work/bundle/lib/$loader" --library-path "$work/bundle/lib:$work/bundle/lib/cxx" "$work/suanli" "$@"; }
  in_host() { env -i HOME="$work/tmp/home" PATH="$work/bundle:/usr/bin:/bin" \
                /bin/sh -c 'mkdir -p "$HOME" && cd "$HOME/.." && exec /usr/bin/env "$@"' sh "$@"; }
fi

# The paths the checks use, inside a clean root or on the host.
if [ "$clean" -eq 1 ]; then B=/bundle O=/out; else B="$work/bundle" O="$work/out"; fi
json_ok() {  # file python-expression-over-doc: the file parses and the expression holds
  python3 - "$1" "$2" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
ms = doc.get("measurements", []) if isinstance(doc, dict) else []
def ok(suite): return any(m["suite"] == suite and m.get("status") == "ok" for m in ms)
sys.exit(0 if eval(sys.argv[2]) else 1)
PY
}

not_ok_rows() {  # a result file, or a folder of them: each measurement not ok or skipped, with its reason
  python3 - "$1" <<'PY' >&2 || true
import glob, json, os, sys
for f in sorted(glob.glob(sys.argv[1] + "/*.json")) if os.path.isdir(sys.argv[1]) else [sys.argv[1]]:
    for m in json.load(open(f)).get("measurements", []):
        if m.get("status") not in ("ok", "skipped"):
            print(f"  {m.get('status')}: {m.get('suite')} {m.get('kernel')} {m.get('precision')} {m.get('size')}: "
                  f"median {m.get('median')}; {m.get('reason')}; peak basis: {m.get('peak_basis')}")
PY
}

# ---- 2. the empty root: the bundle alone -----------------------------------------------------
if [ "$clean" -eq 1 ]; then
  [ ! -e "$empty/usr" ] && [ ! -e "$empty/lib" ] && [ ! -e "$empty/bin" ] || fail "the empty root is not empty"
fi
in_empty devices --format json > "$work/devices-empty.json" || fail "devices in the empty root failed"
json_ok "$work/devices-empty.json" 'any(d["id"] == "cpu" for d in (doc["devices"] if isinstance(doc, dict) else doc))' \
  || fail "devices in the empty root lists no cpu: $(head -c 300 "$work/devices-empty.json")"
in_empty size devices --format json > "$work/catalog.json" || fail "size devices in the empty root failed"
python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$work/catalog.json" || fail "size devices printed no JSON"
in_empty bench --device cpu --quick --suite gemm,stream --precision fp32 --size 128 --stream-length 1048576 \
  --no-save --format json > "$work/bench-empty.json" || fail "a quick CPU bench in the empty root failed (exit $?)"
json_ok "$work/bench-empty.json" 'ok("gemm") and ok("stream")' || fail "the empty-root bench has no verified gemm and stream"
where="env -i on this host"; [ "$clean" -eq 1 ] && where="empty root (the bundle, /proc, /dev, /sys)"
say "$where: devices, size devices and a CPU bench ran from the bundle's loader and libraries"

# ---- 3. a bare GPU host: the host's OS with PoCL, no Swift -------------------------------------
if [ "$clean" -eq 1 ]; then
  ! chroot "$host" /bin/sh -c 'command -v swift swiftc' >/dev/null || fail "swift is reachable in the bare-host root"
  [ -z "$(chroot "$host" find / -xdev -name 'libswiftCore.so*' -print -quit 2>/dev/null)" ] \
    && [ -z "$(find "$host/usr" "$host/etc" -name 'libswiftCore.so*' -print -quit 2>/dev/null)" ] \
    || fail "libswiftCore.so is reachable in the bare-host root"
  [ ! -e "$host/opt" ] && [ ! -e "$host/work" ] && [ ! -e "$host/root" ] || fail "the bare-host root shows /opt, /work or /root"
fi
# Bundled mode, every library the loader opens logged.
in_host SUANLI_BUNDLE_LIBC=bundled LD_DEBUG=libs "$B/suanli" devices --format json \
  > "$work/devices.json" 2> "$work/ld-debug.txt" || { tail -20 "$work/ld-debug.txt" >&2; fail "devices in bundled mode failed"; }
# The suanli process's part of the log: its PID's lines after the launcher's shell handed over
# (exec keeps the PID) — the launcher's helpers (getconf, cksum, …) use the host's libc, rightly.
python3 - "$work/ld-debug.txt" "$B/lib/" > "$work/ld-suanli.txt" <<'PY' || fail "no suanli start in the LD_DEBUG log"
import re, sys
lines = [re.match(r"\s*(\d+):\s?(.*)", l) for l in open(sys.argv[1], errors="replace")]
lines = [(m.group(1), m.group(2)) for m in lines if m]
start = next(i for i, (_, t) in enumerate(lines) if t.startswith("initialize program:") and "suanli" in t)
pid = lines[start][0]
mine = [(i, t) for i, (p, t) in enumerate(lines) if p == pid]
handover = max((i for i, t in mine if i < start and t.startswith("transferring control:")), default=-1)
for i, t in mine:
    if i > handover: print(t)
PY
grep -q "calling init: $B/lib/libc.so.6" "$work/ld-suanli.txt" || { grep 'calling init' "$work/ld-suanli.txt" | head >&2; fail "libc.so.6 did not come from the bundle"; }
! grep 'calling init:' "$work/ld-suanli.txt" | grep -v "calling init: $B/lib/" | grep -qE '/(libc|libm|libpthread|libdl|librt|libresolv)\.so|/ld-linux' \
  || fail "a glibc part came from the host: $(grep 'calling init:' "$work/ld-suanli.txt" | grep -v "$B/lib/" | grep -E 'lib(c|m)\.so|ld-linux' | head -3)"
! grep -E 'swift|/\.build' "$work/ld-debug.txt" | grep -qE 'file=|init:' \
  || fail "a Swift or build-tree file was looked at: $(grep -E 'swift|/\.build' "$work/ld-debug.txt" | grep -E 'file=|init:' | head -3)"
json_ok "$work/devices.json" 'any(d["id"].startswith("opencl:") for d in (doc["devices"] if isinstance(doc, dict) else doc))' \
  || fail "no OpenCL (PoCL) device in bundled mode: $(head -c 300 "$work/devices.json")"
say "bundled mode: libc from $B/lib, PoCL listed, no Swift or build-tree file loaded ($(grep -c 'calling init:' "$work/ld-suanli.txt") libraries initialised in suanli)"
# The launcher's choice, on this glibc and on a simulated older one.
in_host SUANLI_BUNDLE_VERBOSE=1 "$B/suanli" devices > /dev/null 2> "$work/auto.txt" || fail "devices in auto mode failed: $(cat "$work/auto.txt")"
host_glibc="$(getconf GNU_LIBC_VERSION | awk '{print $2}')"
expect=bundled
[ "$(printf '%s\n%s\n' "$glibc_required" "$host_glibc" | sort -V | head -1)" = "$glibc_required" ] && expect=host
grep -q "$expect mode" "$work/auto.txt" || fail "auto mode on glibc $host_glibc (binary needs $glibc_required) should choose $expect mode: $(cat "$work/auto.txt")"
# A host with glibc 2.28 (RHEL 8), simulated by a getconf that says so.
if [ "$clean" -eq 1 ]; then fake=/tmp/fakebin; mkdir -p "$host$fake"; else fake="$work/tmp/fakebin"; mkdir -p "$fake"; fi
printf '#!/bin/sh\necho "glibc 2.28"\n' > "$host$fake/getconf" && chmod 755 "$host$fake/getconf"
in_host PATH="$fake:$B:/usr/bin:/bin" SUANLI_BUNDLE_VERBOSE=1 "$B/suanli" devices > /dev/null 2> "$work/old.txt" \
  || fail "devices with a simulated glibc 2.28 failed: $(cat "$work/old.txt")"
grep -q "bundled mode" "$work/old.txt" || fail "a host with glibc 2.28 should get bundled mode: $(cat "$work/old.txt")"
say "launcher: auto mode chose $expect mode on glibc $host_glibc, bundled mode on a simulated glibc 2.28"
# The validation script from the bundle, against PoCL.
started=$(date +%s)
in_host SUANLI_BUNDLE_LIBC=bundled "$B/gpu-validate.sh" --allow-no-gpu --quick --out "$O" \
  --suites gemm,peak,stream --precisions fp32,fp64,bf16 -- --size 128 --stream-length 1048576 \
  > "$work/validate.txt" 2>&1 || { tail -30 "$work/validate.txt" >&2; not_ok_rows "$work/out"; fail "gpu-validate.sh from the bundle failed"; }
result="$(ls "$work/out"/*.json 2>/dev/null | head -1)"
[ -n "$result" ] || { tail -20 "$work/validate.txt" >&2; fail "gpu-validate.sh wrote no result file"; }
json_ok "$result" 'ok("gemm") and ok("peak") and ok("stream") and all(m["device"].startswith("opencl:") for m in ms)' \
  || fail "the result file lacks verified gemm, peak and stream measurements on the OpenCL device"
say "gpu-validate.sh from the bundle against PoCL: $(basename "$result") ($(( $(date +%s) - started )) s)"

# ---- 4. an older glibc (optional): a root of an older distribution ------------------------------
old="${SUANLI_OLD_GLIBC_ROOT:-}"
if [ -n "$old" ] && [ "$clean" -eq 0 ]; then
  say "NOTE: SUANLI_OLD_GLIBC_ROOT needs a clean root (root and unshare): older-glibc check not run"
elif [ -n "$old" ]; then
  [ -x "$old/bin/sh" ] || fail "SUANLI_OLD_GLIBC_ROOT=$old is not a root (no /bin/sh)"
  old_glibc="$(chroot "$old" getconf GNU_LIBC_VERSION | awk '{print $2}')"
  bind "$work/bundle" "$old/bundle" ro
  for d in proc dev sys; do bind "/$d" "$old/$d"; done
  opencl_env=()
  if [ -n "${SUANLI_OLD_ROOT_OPENCL:-}" ]; then  # a driver folder with vendors/*.icd and lib/ (Intel's runtime)
    bind "$SUANLI_OLD_ROOT_OPENCL" "$old$SUANLI_OLD_ROOT_OPENCL" ro
    opencl_env=(OCL_ICD_VENDORS="$SUANLI_OLD_ROOT_OPENCL/vendors" LD_LIBRARY_PATH="$SUANLI_OLD_ROOT_OPENCL/lib")
  fi
  in_old() { env -i HOME=/tmp/home PATH=/bundle:/usr/bin:/bin "${opencl_env[@]}" /usr/sbin/chroot "$old" \
               /bin/sh -c 'mkdir -p "$HOME" && cd /tmp && exec /usr/bin/env "$@"' sh "$@"; }
  if [ "$(printf '%s\n%s\n' "$glibc_required" "$old_glibc" | sort -V | head -1)" != "$glibc_required" ]; then
    ! in_old SUANLI_BUNDLE_LIBC=host "$B/suanli" devices > /dev/null 2> "$work/old-host.txt" \
      || fail "the binary ran on glibc $old_glibc with the host's libc though it needs $glibc_required"
    grep -q "GLIBC_" "$work/old-host.txt" || fail "host mode on glibc $old_glibc failed otherwise than for glibc: $(head -3 "$work/old-host.txt")"
  fi
  in_old SUANLI_BUNDLE_VERBOSE=1 "$B/suanli" devices --format json > "$work/old-devices.json" 2> "$work/old-auto.txt" \
    || fail "devices on glibc $old_glibc failed: $(cat "$work/old-auto.txt")"
  grep -q "bundled mode" "$work/old-auto.txt" || [ "$(printf '%s\n%s\n' "$glibc_required" "$old_glibc" | sort -V | head -1)" = "$glibc_required" ] \
    || fail "glibc $old_glibc should get bundled mode: $(cat "$work/old-auto.txt")"
  in_old "$B/suanli" bench --device cpu --quick --suite gemm,stream --precision fp32 --size 128 --stream-length 1048576 \
    --no-save --format json > "$work/old-cpu.json" || { not_ok_rows "$work/old-cpu.json"; fail "a quick CPU bench on glibc $old_glibc failed"; }
  json_ok "$work/old-cpu.json" 'ok("gemm") and ok("stream")' || fail "the CPU bench on glibc $old_glibc has no verified gemm and stream"
  what="devices and a CPU bench"
  if [ -n "${SUANLI_OLD_ROOT_OPENCL:-}" ]; then
    dev="$(python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); d = d["devices"] if isinstance(d, dict) else d
print(next((x["id"] for x in d if x["id"].startswith("opencl:")), ""))' "$work/old-devices.json")"
    [ -n "$dev" ] || fail "no OpenCL device from $SUANLI_OLD_ROOT_OPENCL on glibc $old_glibc"
    in_old "$B/suanli" bench --device "$dev" --quick --suite gemm,peak,stream --precision fp32,fp16,bf16,int8 --size 128 \
      --stream-length 1048576 --no-save --format json > "$work/old-opencl.json" 2> "$work/old-opencl.txt" \
      || { tail -5 "$work/old-opencl.txt" >&2; not_ok_rows "$work/old-opencl.json"; fail "the OpenCL bench on glibc $old_glibc failed"; }
    json_ok "$work/old-opencl.json" 'ok("gemm") and ok("peak") and ok("stream") and any(m["suite"] == "gemm" and m.get("precision") == "fp16" and m.get("status") == "ok" for m in ms)' \
      || fail "the OpenCL bench on glibc $old_glibc lacks verified gemm (fp16 too), peak and stream"
    what="$what and an OpenCL bench on $dev ($(basename "$SUANLI_OLD_ROOT_OPENCL"), built for an older glibc, loaded into the bundled one)"
  fi
  say "glibc $old_glibc root ($old): bundled mode ran $what"
fi
say "passed${host:+ in clean roots}"
