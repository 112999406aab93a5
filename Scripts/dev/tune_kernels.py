#!/usr/bin/env python3
"""Development / tuning harness for Suanli's OpenCL kernels (pyopencl + numpy).

Not the product harness (that is Swift); this documents how the kernel
parameters in Kernels/gemm.tuning.json and the stream/peak defaults were chosen.

Usage:
  tune_kernels.py gemm   [--size 2048] [--reps 5] [--configs all|name,name] [--json]
  tune_kernels.py gemmcheck            # correctness sweep over odd sizes/configs/precisions
  tune_kernels.py stream [--n 33554432] [--reps 10]
  tune_kernels.py peak   [--iters 4096]
  tune_kernels.py latency
Times are kernel-only (profiling events), medians over --reps after 1 warm-up.
"""
import argparse, json, os, statistics, sys, time
import numpy as np
import pyopencl as cl

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", ".."))
KDIR = os.path.join(ROOT, "Kernels")

_ctx = _queue = _dev = None


def env():
    global _ctx, _queue, _dev
    if _ctx is None:
        plat = cl.get_platforms()[int(os.environ.get("SL_PLATFORM", "0"))]
        _dev = plat.get_devices()[int(os.environ.get("SL_DEVICE", "0"))]
        _ctx = cl.Context([_dev])
        _queue = cl.CommandQueue(_ctx, properties=cl.command_queue_properties.PROFILING_ENABLE)
    return _ctx, _queue, _dev


PREC = {  # name -> (REAL np dtype, ACC np dtype, defines)
    "fp32": (np.float32, np.float32, {"REAL": "float", "ACC": "float"}),
    "fp64": (np.float64, np.float64, {"REAL": "double", "ACC": "double", "USE_FP64": None}),
    "mixed": (np.float16, np.float32, {"REAL": "half", "ACC": "float"}),
}


_progs = {}


def build(fname, defines):
    key = (fname, tuple(sorted(defines.items())))
    if key in _progs:
        return _progs[key]
    ctx, _, _ = env()
    # The preludes Kernels/preludes.json declares for this program go in front, as KernelSources joins them.
    preludes = json.load(open(os.path.join(KDIR, "preludes.json"))).get(fname, [])
    src = "".join(open(os.path.join(KDIR, p)).read() + "\n" for p in preludes) + open(os.path.join(KDIR, fname)).read()
    opts = []
    for k, v in defines.items():
        opts.append("-D%s" % k if v is None else "-D%s=%s" % (k, v))
    _progs[key] = cl.Program(ctx, src).build(options=opts)
    return _progs[key]


def ev_ms(ev):
    ev.wait()
    return (ev.profile.end - ev.profile.start) * 1e-6


def load_tuning():
    return json.load(open(os.path.join(KDIR, "gemm.tuning.json")))


# ----------------------------------------------------------------------------- GEMM
def gemm_global(cfg, M, N):
    d = cfg["defines"]
    return (-(-N // d["NWG"]) * d["NDIMC"], -(-M // d["MWG"]) * d["MDIMC"])


def run_gemm(cfg, M, N, K, prec="fp32", reps=3, beta=0.0, alpha=1.0, check=True, exact=False, seed=1):
    ctx, q, _ = env()
    rt, at, pdef = PREC[prec]
    defs = dict(pdef)
    defs.update(cfg["defines"])
    if exact:
        defs["EXACT_TILES"] = None
    prg = build("gemm.cl", defs)
    k = cl.Kernel(prg, "gemm")
    rng = np.random.default_rng(seed)
    A = (rng.random((M, K)) - 0.5).astype(rt)
    B = (rng.random((K, N)) - 0.5).astype(rt)
    C0 = (rng.random((M, N)) - 0.5).astype(rt) if beta != 0 else np.full((M, N), np.nan, rt)
    mf = cl.mem_flags
    dA = cl.Buffer(ctx, mf.READ_ONLY | mf.COPY_HOST_PTR, hostbuf=A)
    dB = cl.Buffer(ctx, mf.READ_ONLY | mf.COPY_HOST_PTR, hostbuf=B)
    dC = cl.Buffer(ctx, mf.READ_WRITE | mf.COPY_HOST_PTR, hostbuf=C0)
    k.set_args(np.int32(M), np.int32(N), np.int32(K), at(alpha), dA, np.int32(K), dB, np.int32(N),
               at(beta), dC, np.int32(N))
    gsz = gemm_global(cfg, M, N)
    lsz = tuple(cfg["local"])
    times = []
    for r in range(reps + 1):
        if beta != 0 and r > 0:
            cl.enqueue_copy(q, dC, C0).wait()
        ev = cl.enqueue_nd_range_kernel(q, k, gsz, lsz)
        t = ev_ms(ev)
        if r > 0:
            times.append(t)
        if r == 0 and check:
            C = np.empty_like(C0)
            cl.enqueue_copy(q, C, dC).wait()
            ref = alpha * (A.astype(np.float64) @ B.astype(np.float64))
            if beta != 0:
                ref += beta * C0.astype(np.float64)
            err = np.max(np.abs(C.astype(np.float64) - ref)) if C.size else 0.0
            tol = {"fp32": 1e-5, "fp64": 1e-12, "mixed": 2e-3}[prec] * max(1, K) ** 0.5 * 4
            if prec == "mixed":
                tol += np.max(np.abs(ref)) * 1e-3  # half rounding of the stored result
            if not np.isfinite(err) or err > tol:
                raise RuntimeError("gemm %s %s M=%d N=%d K=%d beta=%g: max err %g > tol %g"
                                   % (cfg["name"], prec, M, N, K, beta, err, tol))
        if not check and r == 0 and reps == 0:
            break
    med = statistics.median(times) if times else float("nan")
    return med, 2.0 * M * N * K / (med * 1e-3) / 1e9


def cmd_gemm(a):
    cfgs = load_tuning()
    if a.configs != "all":
        want = a.configs.split(",")
        cfgs = [c for c in cfgs if c["name"] in want]
    if a.extra:
        cfgs += json.loads(a.extra)
    res = []
    for c in cfgs:
        try:
            ms, gf = run_gemm(c, a.size, a.size, a.size, a.prec, a.reps, check=not a.nocheck, exact=a.exact)
            res.append((gf, c["name"]))
            print(json.dumps({"name": "suanli-gemm", "config": c["name"], "prec": a.prec, "m": a.size,
                              "median_ms": round(ms, 3), "median_gflops": round(gf, 2)}), flush=True)
        except Exception as e:  # noqa
            print(json.dumps({"config": c["name"], "error": str(e)[:400]}), flush=True)
    if res:
        print("best:", max(res))


def cmd_gemmcheck(a):
    cfgs = load_tuning()
    sizes = [(1, 1, 1), (1, 7, 3), (17, 1, 5), (5, 9, 1), (33, 65, 17), (63, 129, 70), (100, 37, 250),
             (128, 128, 128), (130, 66, 257)]
    n = 0
    for c in cfgs:
        for prec in ["fp32", "fp64", "mixed"]:
            for (M, N, K) in sizes:
                for beta in (0.0, 0.5):
                    run_gemm(c, M, N, K, prec, reps=0, beta=beta, alpha=1.5, check=True)
                    n += 1
        # exact-tiles path on a multiple of the tile
        tm, tn = c["tile_m"], c["tile_n"]
        kw = c["defines"]["KWG"]
        run_gemm(c, 2 * tm, 3 * tn, 2 * kw, "fp32", reps=0, beta=0.25, check=True, exact=True)
        print("ok", c["name"], flush=True)
    print("gemmcheck passed: %d runs" % n)


# ----------------------------------------------------------------------------- STREAM
def cmd_stream(a):
    ctx, q, dev = env()
    rt, at, pdef = PREC[a.prec]
    results = {}
    for epi in [int(x) for x in a.epi.split(",")]:
        for vw in [int(x) for x in a.vw.split(",")]:
            defs = dict(pdef)
            defs.update({"ELEMS_PER_ITEM": epi, "VW": vw, "DOT_WG": a.dot_wg})
            prg = build("stream.cl", defs)
            n = a.n
            per = epi * vw
            mf = cl.mem_flags
            ha = np.full(n, 0.1, rt); hb = np.full(n, 0.2, rt); hc = np.full(n, 0.0, rt)
            da = cl.Buffer(ctx, mf.READ_WRITE | mf.COPY_HOST_PTR, hostbuf=ha)
            db = cl.Buffer(ctx, mf.READ_WRITE | mf.COPY_HOST_PTR, hostbuf=hb)
            dc = cl.Buffer(ctx, mf.READ_WRITE | mf.COPY_HOST_PTR, hostbuf=hc)
            gs = -(-(-(-n // vw)) // epi)  # ceil(ceil(n/VW)/EPI)
            ls = a.local if a.local > 0 else None
            if ls:
                gs = -(-gs // ls) * ls
            ngroups = a.dot_groups
            dsum = cl.Buffer(ctx, mf.READ_WRITE, ngroups * np.dtype(at).itemsize)
            s = at(0.4)
            un = np.uint32(n)
            kern = {
                "copy": (cl.Kernel(prg, "stream_copy"), (da, dc, un), 2),
                "mul": (cl.Kernel(prg, "stream_mul"), (db, dc, s, un), 2),
                "add": (cl.Kernel(prg, "stream_add"), (da, db, dc, un), 3),
                "triad": (cl.Kernel(prg, "stream_triad"), (da, db, dc, s, un), 3),
            }
            sc = float(s)
            expect = {  # output buffer, expected value from a=0.1, b=0.2, c=0.3
                "copy": (dc, 0.1), "mul": (db, sc * 0.3), "add": (dc, 0.1 + 0.2),
                "triad": (da, 0.2 + sc * 0.3)}
            rng = np.random.default_rng(0)
            for name, (k, args, nb) in kern.items():
                k.set_args(*args)
                ts = []
                for buf, val in ((da, 0.1), (db, 0.2), (dc, 0.3)):
                    cl.enqueue_fill_buffer(q, buf, rt(val), 0, n * np.dtype(rt).itemsize).wait()
                for r in range(a.reps + 1):
                    ev = cl.enqueue_nd_range_kernel(q, k, (gs,), (ls,) if ls else None)
                    t = ev_ms(ev)
                    if r:
                        ts.append(t)
                    else:
                        out = np.empty(n, rt)
                        cl.enqueue_copy(q, out, expect[name][0]).wait()
                        idx = np.concatenate([rng.integers(0, n, 4096), np.arange(max(0, n - 40), n), np.arange(40)])
                        if not np.allclose(out.astype(np.float64), expect[name][1], rtol=1e-2) or \
                           not np.all(np.isfinite(out)):
                            bad = np.nonzero(~np.isclose(out.astype(np.float64), expect[name][1], rtol=1e-2))[0]
                            raise RuntimeError("%s wrong at %d elements, first %s" % (name, bad.size, bad[:5]))
                med = statistics.median(ts)
                gbs = nb * n * np.dtype(rt).itemsize / (med * 1e-3) / 1e9
                results.setdefault(name, []).append((gbs, epi, vw))
                print(json.dumps({"kernel": name, "epi": epi, "vw": vw, "median_ms": round(med, 3),
                                  "GBps": round(gbs, 2)}), flush=True)
            k = cl.Kernel(prg, "stream_dot")
            k.set_args(da, db, dsum, un)
            ts = []
            for r in range(a.reps + 1):
                ev = cl.enqueue_nd_range_kernel(q, k, (ngroups * a.dot_wg,), (a.dot_wg,))
                t = ev_ms(ev)
                if r:
                    ts.append(t)
            part = np.empty(ngroups, at)
            cl.enqueue_copy(q, part, dsum).wait()
            cl.enqueue_copy(q, ha, da).wait()
            cl.enqueue_copy(q, hb, db).wait()
            ref = float(np.dot(ha.astype(np.float64), hb.astype(np.float64)))
            rel = abs(float(part.astype(np.float64).sum()) - ref) / abs(ref)
            if rel > (1e-3 if rt != np.float64 else 1e-10):
                raise RuntimeError("dot mismatch: rel err %g" % rel)
            med = statistics.median(ts)
            gbs = 2 * n * np.dtype(rt).itemsize / (med * 1e-3) / 1e9
            print(json.dumps({"kernel": "dot", "epi": epi, "vw": vw, "median_ms": round(med, 3),
                              "GBps": round(gbs, 2), "sum": float(part.sum())}), flush=True)
    for name, v in results.items():
        print("best", name, max(v))


# ----------------------------------------------------------------------------- PEAK
def cmd_peak(a):
    ctx, q, dev = env()
    defs = {"fp32": {"REAL": "float"}, "fp64": {"REAL": "double", "USE_FP64": None},
            "fp16": {"REAL": "half", "USE_FP16": None}}[a.prec]
    defs["NCHAINS"] = a.nchains
    prg = build("peak.cl", defs)
    gs = a.items
    out = cl.Buffer(ctx, cl.mem_flags.WRITE_ONLY, 4 * gs)
    best = []
    for w in (1, 2, 4, 8, 16):
        k = cl.Kernel(prg, "peak_fma_%d" % w)
        k.set_args(out, np.int32(a.iters), np.float32(-1.0), np.float32(1.0))
        ts = []
        for r in range(a.reps + 1):
            t = ev_ms(cl.enqueue_nd_range_kernel(q, k, (gs,), (a.local,) if a.local else None))
            if r:
                ts.append(t)
        h = np.empty(gs, np.float32)
        cl.enqueue_copy(q, h, out).wait()
        g = np.arange(gs)
        nc = a.nchains
        ref = w * (nc * (g % 64) + nc * (nc - 1) / 2)
        assert np.array_equal(h, ref.astype(np.float32)), "peak_fma_%d wrong" % w
        med = statistics.median(ts)
        flops = gs * a.iters * nc * 8 * 2 * w
        gf = flops / (med * 1e-3) / 1e9
        best.append(gf)
        print(json.dumps({"kernel": "peak_fma_%d" % w, "prec": a.prec, "median_ms": round(med, 3),
                          "gflops": round(gf, 2)}), flush=True)
    print(json.dumps({"name": "suanli-peak", "prec": a.prec, "best_gflops": round(max(best), 2)}))


def cmd_latency(a):
    ctx, q, dev = env()
    prg = build("latency.cl", {})
    buf = cl.Buffer(ctx, cl.mem_flags.READ_WRITE, 4)
    for name in ("empty", "empty_arg"):
        k = cl.Kernel(prg, name)
        if name == "empty_arg":
            k.set_args(buf)
        walls, kern = [], []
        for r in range(a.reps + 10):
            t0 = time.perf_counter()
            ev = cl.enqueue_nd_range_kernel(q, k, (1,), (1,))
            ev.wait()
            t1 = time.perf_counter()
            if r >= 10:
                walls.append((t1 - t0) * 1e6)
                kern.append((ev.profile.end - ev.profile.queued) * 1e-3)
        print(json.dumps({"kernel": name, "median_wall_us": round(statistics.median(walls), 1),
                          "median_queued_to_end_us": round(statistics.median(kern), 1)}))


# ----------------------------------------------------------------------------- COMPARE
def _run_json(cmd, timeout=600):
    import subprocess
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout).stdout
    return [json.loads(l) for l in out.splitlines() if l.startswith("{")]


def cmd_compare(a):
    """Side by side, interleaved, `--rounds` times: our GEMM (best config of the json at
    --size) vs CLBlast, our copy/triad vs clpeak --global-bandwidth. Prints medians."""
    import subprocess
    me = os.path.abspath(__file__)
    peers = os.path.join(ROOT, "Scripts", "peers")
    binp = os.path.join(peers, "bin", "clblast_sgemm")
    os.makedirs(os.path.dirname(binp), exist_ok=True)
    subprocess.run(["gcc", "-O2", "-o", binp, os.path.join(peers, "clblast_sgemm.c"),
                    "-lclblast", "-lOpenCL"], check=True)
    acc = {}

    def add(k, v):
        acc.setdefault(k, []).append(v)
    for r in range(a.rounds):
        for row in _run_json([sys.executable, me, "gemm", "--size", str(a.size), "--reps", "3",
                              "--configs", a.configs]):
            if "median_gflops" in row:
                add("suanli-gemm[%s]" % row["config"], row["median_gflops"])
        for row in _run_json([binp, str(a.size), str(a.size), str(a.size), "3"]):
            add("clblast-sgemm", row["median_gflops"])
        for row in _run_json([sys.executable, me, "stream", "--n", str(1 << 25), "--reps", "7",
                              "--vw", "16", "--local", "0", "--dot_wg", "1", "--dot_groups", "64"]):
            if "GBps" in row:
                add("suanli-stream-" + row["kernel"], row["GBps"])
        for row in _run_json([sys.executable, os.path.join(peers, "clpeak_parse.py"), "--tests",
                              "bandwidth,sp"]):
            if "best_gbps" in row:
                add("clpeak-global-bandwidth", row["best_gbps"])
            if "best_gflops" in row:
                add("clpeak-compute-sp", row["best_gflops"])
        for row in _run_json([sys.executable, me, "peak", "--prec", "fp32", "--nchains", "16", "--iters", "1024"]):
            if "best_gflops" in row:
                add("suanli-peak-fp32", row["best_gflops"])
        print("round", r + 1, "done", file=sys.stderr, flush=True)
    for k, v in acc.items():
        print(json.dumps({"name": k, "median": round(statistics.median(v), 2), "runs": v}))


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("gemm")
    g.add_argument("--size", type=int, default=2048)
    g.add_argument("--reps", type=int, default=3)
    g.add_argument("--prec", default="fp32")
    g.add_argument("--configs", default="all")
    g.add_argument("--extra", default="")
    g.add_argument("--exact", action="store_true")
    g.add_argument("--nocheck", action="store_true")
    sub.add_parser("gemmcheck")
    s = sub.add_parser("stream")
    s.add_argument("--n", type=int, default=1 << 25)
    s.add_argument("--reps", type=int, default=10)
    s.add_argument("--prec", default="fp32")
    s.add_argument("--epi", default="1")
    s.add_argument("--vw", default="1")
    s.add_argument("--local", type=int, default=0)
    s.add_argument("--dot_wg", type=int, default=256)
    s.add_argument("--dot_groups", type=int, default=256)
    k = sub.add_parser("peak")
    k.add_argument("--prec", default="fp32")
    k.add_argument("--iters", type=int, default=2048)
    k.add_argument("--items", type=int, default=4096)
    k.add_argument("--local", type=int, default=0)
    k.add_argument("--nchains", type=int, default=8)
    k.add_argument("--reps", type=int, default=5)
    c = sub.add_parser("compare")
    c.add_argument("--size", type=int, default=2048)
    c.add_argument("--rounds", type=int, default=3)
    c.add_argument("--configs", default="cpu-64x32-k128-a0,cpu-64x64-k128-a2,cpu-128x32-k128-a2")
    l = sub.add_parser("latency")
    l.add_argument("--reps", type=int, default=200)
    a = p.parse_args()
    {"gemm": cmd_gemm, "gemmcheck": cmd_gemmcheck, "stream": cmd_stream, "peak": cmd_peak,
     "latency": cmd_latency, "compare": cmd_compare}[a.cmd](a)


if __name__ == "__main__":
    main()
