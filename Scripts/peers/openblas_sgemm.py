#!/usr/bin/env python3
"""Peer SGEMM: numpy `a @ b` (OpenBLAS) in float32, square N x N x N.

Usage: openblas_sgemm.py [N] [repeats] [float32|float64]   (float64: "openblas-dgemm")
Prints one JSON line: {"name": ..., "median": GFLOPS, "unit": "GFLOPS", ...}
OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE (which may be set on the benchmark machine
and slow OpenBLAS down) are removed from this process's environment before numpy
loads: the script re-executes itself without them and lists them in "env_cleared".
Pass --keep-env to measure with them. Threads: OpenBLAS default (all cores), or
OPENBLAS_NUM_THREADS.
"""
import glob
import json
import os
import statistics
import sys
import time

_TUNING_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
if "--keep-env" in sys.argv:
    sys.argv.remove("--keep-env")
elif any(v in os.environ for v in _TUNING_VARS):
    env = {k: v for k, v in os.environ.items() if k not in _TUNING_VARS}
    env["SUANLI_PEER_ENV_CLEARED"] = ",".join(v for v in _TUNING_VARS if v in os.environ)
    os.execve(sys.executable, [sys.executable] + sys.argv, env)

import numpy as np


def openblas_info():
    """(corename, threads, version) of the BLAS numpy calls: threadpoolctl's view when it is
    installed (the library actually loaded), else the bundled OpenBLAS's own calls."""
    try:
        from threadpoolctl import threadpool_info
        blas = [i for i in threadpool_info() if i.get("user_api") == "blas"]
        if blas:
            return blas[0].get("architecture"), blas[0].get("num_threads"), blas[0].get("version")
    except ImportError:
        pass
    try:
        import ctypes
        libs = glob.glob(os.path.join(os.path.dirname(np.__file__), "..", "numpy.libs", "libscipy_openblas*.so*"))
        lib = ctypes.CDLL(libs[0])
        for suffix in ("64_", ""):
            name = getattr(lib, "scipy_openblas_get_corename" + suffix, None)
            threads = getattr(lib, "scipy_openblas_get_num_threads" + suffix, None)
            if name is not None and threads is not None:
                name.restype = ctypes.c_char_p
                return name().decode(), int(threads()), None
    except Exception:
        pass
    return None, None, None


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2048
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    dtype = np.dtype(sys.argv[3] if len(sys.argv) > 3 else "float32")
    if dtype not in (np.float32, np.float64):
        sys.exit("dtype must be float32 or float64")
    rng = np.random.default_rng(1234)
    a = rng.standard_normal((n, n), dtype=dtype)
    b = rng.standard_normal((n, n), dtype=dtype)
    c = np.empty((n, n), dtype=dtype)
    for _ in range(2):  # warm-up: thread pool start, page faults
        np.matmul(a, b, out=c)
    flops = 2.0 * n * n * n
    rates = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        np.matmul(a, b, out=c)
        t1 = time.perf_counter()
        rates.append(flops / (t1 - t0) / 1e9)
    core, threads, version = openblas_info()
    print(json.dumps({
        "name": "openblas-sgemm" if dtype == np.float32 else "openblas-dgemm",
        "median": round(statistics.median(rates), 2),
        "best": round(max(rates), 2),
        "unit": "GFLOPS",
        "size": n,
        "repeats": repeats,
        "blas_core": core,
        "blas_threads": threads,
        "blas_version": version,
        "env_cleared": [v for v in os.environ.get("SUANLI_PEER_ENV_CLEARED", "").split(",") if v],
    }))


if __name__ == "__main__":
    main()
