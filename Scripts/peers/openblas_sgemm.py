#!/usr/bin/env python3
"""Peer SGEMM: numpy `a @ b` (OpenBLAS) in float32, square N x N x N.

Usage: openblas_sgemm.py [N] [repeats]
Prints one JSON line: {"name": ..., "median": GFLOPS, "unit": "GFLOPS", ...}
Run with OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE unset, e.g.
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python3 openblas_sgemm.py 2048
"""
import json
import statistics
import sys
import time

import numpy as np


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2048
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    rng = np.random.default_rng(1234)
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    c = np.empty((n, n), dtype=np.float32)
    for _ in range(2):  # warm-up: thread pool start, page faults
        np.matmul(a, b, out=c)
    flops = 2.0 * n * n * n
    rates = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        np.matmul(a, b, out=c)
        t1 = time.perf_counter()
        rates.append(flops / (t1 - t0) / 1e9)
    threads = None
    try:
        from threadpoolctl import threadpool_info
        threads = [p.get("num_threads") for p in threadpool_info() if p.get("user_api") == "blas"]
    except Exception:
        pass
    print(json.dumps({
        "name": "openblas-sgemm",
        "median": round(statistics.median(rates), 2),
        "best": round(max(rates), 2),
        "unit": "GFLOPS",
        "size": n,
        "repeats": repeats,
        "blas_threads": threads,
    }))


if __name__ == "__main__":
    main()
