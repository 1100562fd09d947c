"""Benchmark of xpcs_nb.correlation: C2 throughput, speed-up over scikit-beam, memory.

Prints, from one run:

1. C2 throughput of :func:`xpcs_nb.correlation.two_time` as a ratio to one plain
   float32 BLAS SYRK (``scipy.linalg.blas.ssyrk``) on the same frames x pixels
   (goal >= 0.9).  The SYRK gets a float32 (T, P) matrix made beforehand, untimed;
   ``two_time`` gets the uint16 counts (T, H, W) and does everything: gather,
   conversion, SYRK per chunk, mirroring, normalisation.  Cases: one ROI over all
   pixels (ratio form, and ratio with 10 static q bins: one extra read of the frames
   for the per-frame bin means), 18 azimuthal sectors over all pixels (ratio, paper
   and paper_per_pixel forms; the pixels are gathered by fancy indexing).
2. The speed-up over scikit-beam (``two_time_corr`` and ``multi_tau_auto_corr``)
   on a size it can do (goal >= 500x for C2).
3. Peak memory: the peak resident set size (RSS, read from /proc/self/statm every
   5 ms by a sampling thread) above the RSS at the start of each ``two_time`` call
   -- it sees BLAS buffers, which tracemalloc does not -- next to the size of the
   returned C2; and the process-wide ``resource.getrusage`` maxrss.
4. Frames that are not a dense array (``benchmarks/bench_correlation_large.py``): the
   peak memory of ``two_time`` streaming a 0.5 GB ``.npy`` stack from disk against
   loading it, and sparse (CSR) against dense input at 1-5 % density, optionally
   beside xpcs-correlator's sparse correlator (``--peer /tmp/peer/bin/python``).
5. Realistic data (``--skip-realistic`` leaves it out): sparse against dense on
   speckle-like photon data -- a decaying speckle field (one grain per pixel, so
   full contrast) under a falling I(q) ~ q^-2, Poisson counts, made by
   :func:`xpcs_nb.simulate.simulate_movie` -- beside uniform Poisson counts of the
   same density (and beside xpcs-correlator with ``--peer``); multi-tau g2 against
   scikit-beam on a 2,000-frame 128 x 128 speckle movie with 10 q rings.

Timings are the best of ``--repeat`` runs, interleaved, wall clock; the CPU time
(all threads) is printed too, as a check when the machine is shared.

    python benchmarks/bench_correlation.py                 # 5000 frames x 100,000 pixels
    python benchmarks/bench_correlation.py --quick         # a smoke run, seconds
    python benchmarks/bench_correlation.py --threads 1     # pin BLAS to one thread
    python benchmarks/bench_correlation.py --cases static --skip-skbeam --skip-stream --skip-sparse  # static bins
    python benchmarks/bench_correlation.py --skip-throughput --skip-skbeam --peer /tmp/peer/bin/python
    python benchmarks/bench_correlation.py --threads 1 --skip-throughput --skip-skbeam --skip-stream \
        --skip-sparse                                      # realistic data only (section 5)
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import sys
import threading
import time
from contextlib import nullcontext
from pathlib import Path

import numpy as np
from scipy.linalg.blas import ssyrk

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_correlation_large import _peer_sparse, _sparse_stack  # noqa: E402
from bench_correlation_large import add_arguments as _large_arguments  # noqa: E402
from bench_correlation_large import run as _run_large  # noqa: E402

from xpcs_nb.correlation import multi_tau_g2, roi_partition, two_time  # noqa: E402
from xpcs_nb.geometry import Detector  # noqa: E402

_PAGE = os.sysconf("SC_PAGE_SIZE")


def _rss() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * _PAGE


class PeakRSS:
    """Peak RSS above the starting RSS while the block runs (sampled)."""

    def __init__(self, interval: float = 0.005) -> None:
        self.interval = interval
        self.peak = 0

    def __enter__(self) -> "PeakRSS":
        self.start = _rss()
        self.peak = self.start
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, _rss())
            self._stop.wait(self.interval)

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _rss())

    @property
    def delta(self) -> int:
        return self.peak - self.start


def _timed(fn, *args, **kwargs):
    w0, c0 = time.perf_counter(), time.process_time()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - w0, time.process_time() - c0


def _shape_for(pixels: int) -> tuple[int, int]:
    """(H, W) with H * W == pixels and H the largest divisor <= sqrt(pixels)."""
    h = int(math.isqrt(pixels))
    while pixels % h:
        h -= 1
    return h, pixels // h


def _mib(n: float) -> str:
    return f"{n / 2**20:8.1f} MiB"


def bench_throughput(n_frames: int, n_pixels: int, repeat: int, chunk: int | None, verbose: bool = False,
                     only: str | None = None) -> None:
    h, w = _shape_for(n_pixels)
    rng = np.random.default_rng(0)
    frames = rng.integers(0, 8, size=(n_frames, h, w), dtype=np.uint16)
    one = np.ones((h, w), dtype=np.int32)
    det = Detector(shape=(h, w))
    sectors = roi_partition(det.q_map(), det.azimuth_map(), [0.0, np.inf], n_sectors=18)
    assert (sectors > 0).all()
    q = det.q_map()
    edges = np.nanquantile(q, np.linspace(0, 1, 11))
    edges[0], edges[-1] = -np.inf, np.inf
    static = roi_partition(q, det.azimuth_map(), edges, n_sectors=1)  # 10 static q rings, finer than the ROI
    assert (static > 0).all()
    a = frames.reshape(n_frames, -1).astype(np.float32)  # the SYRK's input, untimed
    flops = float(n_frames) ** 2 * n_pixels  # n(n+1)/2 * k multiply-adds ~ n^2 k flops

    # per-ROI float32 matrices for a plain SYRK per sector (the same 18 outputs)
    flat = sectors.ravel()
    per_roi = [np.ascontiguousarray(a[:, flat == label]) for label in range(1, 19)]

    class _Stack(list):
        nbytes = property(lambda self: sum(x.nbytes for x in self))

    cases = {
        "plain ssyrk (T, P) float32": lambda: ssyrk(1.0, a.T, trans=1),
        "plain ssyrk x 18 sectors": lambda: _Stack(ssyrk(1.0, x.T, trans=1) for x in per_roi),
        "two_time ratio, 1 ROI": lambda: two_time(frames, one, form="ratio", chunk_pixels=chunk),
        "two_time ratio+static, 1 ROI": lambda: two_time(frames, one, form="ratio", chunk_pixels=chunk,
                                                         static_labels=static),
        "two_time ratio, 18 sectors": lambda: two_time(frames, sectors, form="ratio", chunk_pixels=chunk),
        "two_time paper, 18 sectors": lambda: two_time(frames, sectors, form="paper", chunk_pixels=chunk),
        "two_time paper_per_pixel, 18 sectors": lambda: two_time(frames, sectors, form="paper_per_pixel",
                                                                 chunk_pixels=chunk),
    }
    if only is not None:  # the plain SYRK always runs: every ratio is to it
        wanted = [k for k in cases if k.startswith("two_time") and any(o in k for o in only.split(","))]
        sectors_too = any("sectors" in k for k in wanted)
        cases = {k: fn for k, fn in cases.items()
                 if k in wanted or k == "plain ssyrk (T, P) float32" or (sectors_too and k.startswith("plain"))}
    best = {k: (np.inf, np.inf) for k in cases}
    mem = {}
    for _ in range(repeat):
        for name, fn in cases.items():
            with PeakRSS() as probe:
                out, wall, cpu = _timed(fn)
            mem[name] = max(mem.get(name, (0, 0))[0], probe.delta), out.nbytes
            best[name] = (min(best[name][0], wall), min(best[name][1], cpu))
            if verbose:
                print(f"  {name:38s} {wall:8.2f} s wall {cpu:8.2f} s cpu", flush=True)
            del out

    print(f"\nC2 throughput: {n_frames} frames x {n_pixels} pixels ({h} x {w}), uint16 counts, "
          f"best of {repeat}")
    print(f"{'case':38s} {'wall s':>8s} {'cpu s':>8s} {'GFLOP/s':>8s} {'vs SYRK':>8s} "
          f"{'peak RSS +':>13s} {'C2 size':>13s}")
    ref_wall, ref_cpu = best["plain ssyrk (T, P) float32"]
    for name, (wall, cpu) in best.items():
        peak, size = mem[name]
        print(f"{name:38s} {wall:8.2f} {cpu:8.2f} {flops / wall / 1e9:8.1f} {ref_wall / wall:8.3f} "
              f"{_mib(peak):>13s} {_mib(size):>13s}")
    per_wall, per_cpu = best.get("plain ssyrk x 18 sectors", (np.nan, np.nan))
    if "two_time ratio, 1 ROI" in best:
        one = best["two_time ratio, 1 ROI"]
        print(f"throughput ratio, two_time (1 ROI) / plain SYRK:   wall {ref_wall / one[0]:.3f}, "
              f"cpu {ref_cpu / one[1]:.3f}  (goal >= 0.9)")
    if "two_time ratio+static, 1 ROI" in best:
        st = best["two_time ratio+static, 1 ROI"]
        print(f"throughput ratio, two_time (ratio, 10 static bins, 1 ROI) / plain SYRK: wall {ref_wall / st[0]:.3f}, "
              f"cpu {ref_cpu / st[1]:.3f}  (goal >= 0.9)")
        if "two_time ratio, 1 ROI" in best:  # what the static bins add, both measured under the same load
            print(f"throughput ratio, two_time with / without static bins (1 ROI): wall {one[0] / st[0]:.3f}, "
                  f"cpu {one[1] / st[1]:.3f}")
    for form in ("ratio", "paper", "paper_per_pixel"):
        if f"two_time {form}, 18 sectors" not in best:
            continue
        w_, c_ = best[f"two_time {form}, 18 sectors"]
        print(f"throughput ratio, two_time ({form}, 18 sectors) / 18 plain SYRKs: wall {per_wall / w_:.3f}, "
              f"cpu {per_cpu / c_:.3f}; / one plain SYRK: wall {ref_wall / w_:.3f}")
    print(f"inputs: frames {_mib(frames.nbytes).strip()}, the SYRKs' float32 copies "
          f"{_mib(a.nbytes).strip()} + {_mib(sum(x.nbytes for x in per_roi)).strip()}")
    print("peak RSS + : the process RSS above its value when the call started (sampled every 5 ms);\n"
          "C2 size: the arrays returned.  two_time's working memory is the rest: one pixel chunk\n"
          "(64 MiB) and, for the sectors, the gathered pixels (a pass of at most 512 MiB of uint16)")


def bench_skbeam(n_frames: int, side: int, repeat: int) -> None:
    try:
        from skbeam.core.correlation import multi_tau_auto_corr, two_time_corr
    except ImportError:
        print("\nscikit-beam is not installed: no speed-up to report")
        return
    if n_frames % 2:
        n_frames += 1  # skbeam wants an even number of buffers; num_bufs = T
    rng = np.random.default_rng(1)
    frames = rng.poisson(4.0, size=(n_frames, side, side)).astype(np.uint16)  # detector counts
    det = Detector(shape=(side, side))
    q = det.q_map()
    labels = roi_partition(q, det.azimuth_map(), np.linspace(0, q.max(), 3), n_sectors=2)
    print(f"\nscikit-beam comparison: {n_frames} frames, {side} x {side} pixels, {labels.max()} ROIs "
          f"({int((labels > 0).sum())} labelled pixels), uint16 counts")

    _, t_sk, _ = _timed(two_time_corr, labels, frames, n_frames, n_frames, 1)
    ref = two_time_corr(labels, frames[:4], 4, 4, 1)  # warm import paths, tiny
    del ref
    t_ours = min(_timed(two_time, frames, labels, "ratio", 1, np.float64)[1] for _ in range(repeat))
    t_ours32 = min(_timed(two_time, frames, labels, "ratio")[1] for _ in range(repeat))
    levels, bufs = 6, 16
    _, t_sk_mt, _ = _timed(multi_tau_auto_corr, levels, bufs, labels, frames)
    t_mt = min(_timed(multi_tau_g2, frames, labels, levels, bufs)[1] for _ in range(repeat))
    print(f"{'case':44s} {'skbeam s':>9s} {'ours s':>9s} {'speed-up':>9s}")
    print(f"{'two-time C2 (ratio form), float64':44s} {t_sk:9.3f} {t_ours:9.4f} {t_sk / t_ours:9.0f}x")
    print(f"{'two-time C2 (ratio form), float32':44s} {t_sk:9.3f} {t_ours32:9.4f} {t_sk / t_ours32:9.0f}x")
    print(f"{f'multi-tau g2 ({levels} levels, {bufs} buffers)':44s} {t_sk_mt:9.3f} {t_mt:9.4f} "
          f"{t_sk_mt / t_mt:9.0f}x")
    print(f"speed-up over scikit-beam two_time_corr: {t_sk / t_ours:.0f}x float64, "
          f"{t_sk / t_ours32:.0f}x float32  (goal >= 500x)")


def _speckle_geometry(side: int):
    """A ``side`` x ``side`` detector whose rings hold q from a few pixels off the beam outwards."""
    det = Detector(shape=(side, side))
    return det, det.q_map(), det.azimuth_map()


def speckle_stack(n_frames: int, side: int, density: float, seed: int = 0) -> np.ndarray:
    """Photon counts (T, side, side) of a decaying speckle field under I(q) ~ q^-2, ~``density`` non-zero.

    One speckle grain per pixel (contrast 1), each pixel relaxing at Gamma(q) ~ q^2
    (about 200 frames at the median q); the mean count m(p) = c I(q(p)) with c chosen
    so that the expected non-zero fraction, mean_p m / (1 + m) (an exponential
    intensity times Poisson), is ``density``.
    """
    from xpcs_nb.simulate import Q_REF, simulate_movie, stationary

    det, q, _ = _speckle_geometry(side)
    q_floor = np.quantile(q[q > 0], 0.02)
    shape = (np.maximum(q, q_floor) / np.median(q)) ** -2.0
    low, high = 1e-6, 1e3
    for _ in range(60):  # bisection on c: mean(c I / (1 + c I)) = density
        mid = np.sqrt(low * high)
        low, high = (mid, high) if np.mean(mid * shape / (1 + mid * shape)) < density else (low, mid)
    rate = (Q_REF / float(np.median(q))) ** 2 / 200.0  # Gamma = rate (q / Q_REF)^2: 1 / 200 frames at the median q
    movie = simulate_movie(det, stationary(rate), n_frames, 1.0, seed=seed,
                           grains_per_pixel=1, photons_per_pixel=float(np.sqrt(low * high)),
                           intensity_map=shape.astype(np.float32))
    return np.asarray(movie.frames)


def bench_sparse_realistic(n_frames: int, side: int, densities, repeat: int, peer: str | None) -> None:
    """Dense vs sparse two_time (and the peer) on speckle-like and on uniform Poisson counts."""
    import scipy.sparse as sp

    mask = np.ones((side, side), dtype=bool)
    print(f"\nsparse vs dense on realistic data: {n_frames} frames x {side} x {side}, one ROI, ratio form, "
          f"float32; best of {repeat}, alternating")
    head = f"{'data':9s} {'non-zero':>8s} {'dense s':>8s} {'sparse s':>9s} {'dense/sparse':>13s}"
    print(head + (f" {'peer s':>8s} {'peer/sparse':>12s}" if peer else ""))
    for density in densities:
        for kind, frames in (("speckle", speckle_stack(n_frames, side, density)),
                             ("uniform", _sparse_stack(n_frames, side, density))):
            csr = sp.csr_matrix(frames.reshape(n_frames, -1))
            two_time(csr[:4], mask)  # compiled before timing
            t_dense, t_sparse = [], []
            for _ in range(repeat):
                t_dense.append(_timed(two_time, frames, mask)[1])
                t_sparse.append(_timed(two_time, csr, mask)[1])
            line = (f"{kind:9s} {100 * csr.nnz / frames.size:7.2f}% {min(t_dense):8.3f} {min(t_sparse):9.3f} "
                    f"{min(t_dense) / min(t_sparse):12.1f}x")
            if peer:
                sparse_c2 = two_time(csr, mask)
                p_s, _ = _peer_sparse(peer, csr, (n_frames, side, side), sparse_c2[0], repeat)
                line += f" {p_s:8.3f} {p_s / min(t_sparse):11.1f}x"
            print(line, flush=True)


def bench_multitau_realistic(n_frames: int, side: int, n_rings: int, repeat: int) -> None:
    """multi_tau_g2 against scikit-beam's multi_tau_auto_corr on a speckle movie with ``n_rings`` q rings."""
    try:
        from skbeam.core.correlation import multi_tau_auto_corr
    except ImportError:
        print("\nscikit-beam is not installed: no multi-tau comparison")
        return
    frames = speckle_stack(n_frames, side, density=0.3)
    _, q, phi = _speckle_geometry(side)
    labels = roi_partition(q, phi, np.linspace(np.quantile(q, 0.02), np.quantile(q, 0.98), n_rings + 1),
                           n_sectors=1)
    levels, bufs = 8, 16
    print(f"\nmulti-tau on a speckle movie: {n_frames} frames x {side} x {side}, {labels.max()} q rings "
          f"({int((labels > 0).sum())} pixels), {levels} levels x {bufs} buffers, uint16 counts "
          f"(mean {frames.mean():.2f} photons per pixel)")
    _, t_sk, _ = _timed(multi_tau_auto_corr, levels, bufs, labels, frames)
    t_ours = min(_timed(multi_tau_g2, frames, labels, levels, bufs)[1] for _ in range(repeat))
    print(f"scikit-beam {t_sk:.2f} s, ours {t_ours:.3f} s: {t_sk / t_ours:.1f}x", flush=True)


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--frames", type=int, default=5000, help="frames T of the throughput run")
    p.add_argument("--pixels", type=int, default=100_000, help="pixels P of the throughput run")
    p.add_argument("--repeat", type=int, default=3, help="runs per case; the best counts")
    p.add_argument("--chunk-pixels", type=int, default=None, help="two_time's chunk_pixels (default: its own)")
    p.add_argument("--skbeam-frames", type=int, default=1000, help="frames of the scikit-beam comparison")
    p.add_argument("--skbeam-side", type=int, default=64, help="detector side of the scikit-beam comparison")
    p.add_argument("--threads", type=int, default=None, help="limit BLAS threads (threadpoolctl)")
    p.add_argument("--quick", action="store_true", help="small sizes, a smoke run")
    p.add_argument("--skip-skbeam", action="store_true", help="no scikit-beam comparison")
    p.add_argument("--skip-realistic", action="store_true",
                   help="no speckle-like sparse run and no realistic multi-tau run (section 5)")
    p.add_argument("--multitau-frames", type=int, default=2000, help="frames of the realistic multi-tau run")
    p.add_argument("--multitau-side", type=int, default=128, help="detector side of the realistic multi-tau run")
    p.add_argument("--skip-throughput", action="store_true", help="no SYRK comparison")
    p.add_argument("--verbose", action="store_true", help="print every timing, not only the best")
    p.add_argument("--cases", default=None,
                   help="comma-separated parts of the two_time case names to run, e.g. 'static,ratio, 1 ROI' "
                        "(the plain SYRKs always run); default: all")
    _large_arguments(p)  # --skip-stream, --skip-sparse, --peer, sizes (bench_correlation_large.py)
    args = p.parse_args(argv)
    if args.quick:
        args.frames, args.pixels, args.repeat = 400, 8_000, 2
        args.skbeam_frames, args.skbeam_side = 100, 32
        args.multitau_frames, args.multitau_side = 200, 32

    limit = nullcontext()
    if args.threads is not None:
        from threadpoolctl import threadpool_limits

        limit = threadpool_limits(args.threads, user_api="blas")
    try:
        from threadpoolctl import threadpool_info

        blas = ", ".join(f"{i['internal_api']} {i.get('version')} x{i['num_threads']}" for i in threadpool_info()
                         if i["user_api"] == "blas")
    except ImportError:  # pragma: no cover
        blas = "?"
    with limit:
        print(f"numpy {np.__version__}; BLAS: {blas}; CPUs: {os.cpu_count()}; "
              f"load average {os.getloadavg()[0]:.1f}")
        if not args.skip_throughput:
            bench_throughput(args.frames, args.pixels, args.repeat, args.chunk_pixels, args.verbose, args.cases)
        if not args.skip_skbeam:
            bench_skbeam(args.skbeam_frames, args.skbeam_side, args.repeat)
        _run_large(args)  # streamed from disk vs in memory; sparse vs dense (vs xpcs-correlator with --peer)
        if not args.skip_realistic:
            bench_sparse_realistic(args.sparse_frames, args.sparse_side, (0.01, 0.02, 0.05), args.repeat, args.peer)
            bench_multitau_realistic(args.multitau_frames, args.multitau_side, 10, args.repeat)
    maxrss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(f"\nprocess peak RSS (getrusage maxrss, everything incl. inputs): {maxrss_kib / 2**20:.2f} GiB; "
          f"load average now {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
