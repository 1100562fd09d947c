"""Benchmark of two_time on frames that are not a dense array: streamed from disk, photon-sparse.

Called by ``benchmarks/bench_correlation.py`` (``--skip-stream``, ``--skip-sparse``,
``--peer``); runnable alone::

    python benchmarks/bench_correlation_large.py                       # 4000 x 256 x 256 stream, sparse T = 3000
    python benchmarks/bench_correlation_large.py --quick               # seconds
    python benchmarks/bench_correlation_large.py --peer /tmp/peer/bin/python

1. Streamed vs in memory: a uint16 stack (default 4,000 frames of 256 x 256, 0.5 GB)
   is written to a ``.npy`` file a block at a time; then two fresh processes each run
   ``two_time`` on it, one after ``np.load`` (the whole stack in memory), one on
   ``open_frames`` (blocks read through a memory map).  Each prints its peak resident
   memory (``VmHWM`` of /proc/self/status, everything the process ever held) above
   its RSS after importing; printed side by side with the ratio and the bound the
   streamed path promises: the output maps + two gathered blocks + one raw block.
2. Sparse vs dense: Poisson counts at 1, 2 and 5 % of pixels non-zero (T = 3,000,
   128 x 128, one ROI over all pixels, ratio form): ``two_time`` on the CSR matrix and
   on the same counts as a dense uint16 array, alternating, best of ``--repeat``.
3. ``--peer PYTHON``: xpcs-correlator's sparse correlator
   (``correlator_sparse_pixel_chunked``, t1,t2 form, no dask cluster) on the same
   data in that interpreter (its own virtual environment), after an untimed run that
   compiles its numba kernels; its C2 (upper triangle, which is all it fills) is
   compared with ours.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from xpcs_nb.correlation import two_time  # noqa: E402

_CHILD = textwrap.dedent("""
    import json, sys, time
    import numpy as np
    sys.path.insert(0, {root!r})
    from xpcs_nb.correlation import open_frames, two_time

    def status(key):
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith(key):
                    return int(line.split()[1]) * 1024

    path, mode, n_rings = sys.argv[1], sys.argv[2], int(sys.argv[3])
    h = w = int(sys.argv[4])
    y, x = np.indices((h, w)) - (h - 1) / 2
    r = np.hypot(y, x)
    labels = np.where((r >= h / 8) & (r < 3 * h / 8), 1 + ((r - h / 8) // (h / 4 / n_rings)).astype(int), 0)
    base = status("VmRSS")
    t0 = time.perf_counter()
    frames = np.load(path) if mode == "memory" else open_frames(path)
    c2 = two_time(frames, labels)
    seconds = time.perf_counter() - t0
    checksum = float(np.nansum(c2[:, :50, :50], dtype=np.float64))
    print(json.dumps(dict(peak=status("VmHWM") - base, seconds=seconds, out=c2.nbytes,
                          pixels=int((labels > 0).sum()), checksum=checksum)))
""")


def _mib(n: float) -> str:
    return f"{n / 2**20:7.0f} MiB"


def _write_stack(path: Path, n_frames: int, side: int, block: int = 250) -> None:
    """Poisson counts on a speckle pattern, written to a .npy file a block of frames at a time."""
    rng = np.random.default_rng(0)
    speckle = rng.exponential(1.0, (side, side))
    out = np.lib.format.open_memmap(path, mode="w+", dtype=np.uint16, shape=(n_frames, side, side))
    for t0 in range(0, n_frames, block):
        t1 = min(n_frames, t0 + block)
        out[t0:t1] = rng.poisson(speckle * rng.exponential(1.0, (t1 - t0, side, side)))
        out.flush()
    del out


def bench_stream(n_frames: int, side: int, n_rings: int = 2) -> None:
    """Peak memory of two_time on a .npy stack: loaded whole, and streamed with open_frames."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "stack.npy"
        _write_stack(path, n_frames, side)
        size = path.stat().st_size
        print(f"\nstreamed vs in memory: {n_frames} frames x {side} x {side} uint16 ({_mib(size).strip()} on disk), "
              f"{n_rings} q-ring ROIs, ratio form, float32; each run a fresh process")
        runs = {}
        for mode in ("memory", "stream"):
            code = _CHILD.format(root=str(ROOT))
            done = subprocess.run([sys.executable, "-c", code, str(path), mode, str(n_rings), str(side)],
                                  capture_output=True, text=True, check=True,
                                  env={**os.environ, "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1")})
            runs[mode] = json.loads(done.stdout.strip().splitlines()[-1])
        assert runs["memory"]["checksum"] == runs["stream"]["checksum"], "streamed C2 differs from in-memory C2"
        pixels = runs["stream"]["pixels"]
        block = min(n_frames, max(1, (1 << 26) // (pixels * 4)))  # two_time's default block_frames (float32)
        bound = runs["stream"]["out"] + 2 * block * pixels * 4 + block * side * side * 2 + block * pixels * 2
        print(f"{'':22s} {'peak RSS':>11s} {'time s':>8s}")
        for mode in ("memory", "stream"):
            print(f"{mode:22s} {_mib(runs[mode]['peak']):>11s} {runs[mode]['seconds']:8.1f}")
        print(f"output maps {_mib(runs['stream']['out']).strip()}; streamed bound (maps + 2 gathered blocks of "
              f"{block} frames x {pixels} pixels float32 + a raw block and its gather) {_mib(bound).strip()}")
        print(f"peak memory in memory / streamed: {runs['memory']['peak'] / runs['stream']['peak']:.2f}x; "
              f"streamed peak / bound: {runs['stream']['peak'] / bound:.2f}")


def _sparse_stack(n_frames: int, side: int, density: float, seed: int = 0) -> np.ndarray:
    """Counts with about ``density`` of the pixels non-zero in each frame (Poisson, mean -log(1 - d))."""
    rng = np.random.default_rng(seed)
    return rng.poisson(-np.log1p(-density), size=(n_frames, side, side)).astype(np.uint16)


def bench_sparse(n_frames: int, side: int, densities, repeat: int, peer: str | None) -> None:
    """two_time on CSR vs dense uint16, side by side (and xpcs-correlator's sparse path in ``peer``)."""
    mask = np.ones((side, side), dtype=bool)
    print(f"\nsparse vs dense: {n_frames} frames x {side} x {side}, one ROI, ratio form, float32; "
          f"best of {repeat}, alternating")
    head = f"{'density':>8s} {'dense s':>8s} {'sparse s':>9s} {'dense/sparse':>13s} {'max |diff|':>11s}"
    print(head + (f" {'peer s':>8s} {'peer/sparse':>12s} {'peer |diff|':>12s}" if peer else ""))
    for density in densities:
        frames = _sparse_stack(n_frames, side, density)
        csr = sp.csr_matrix(frames.reshape(n_frames, -1))
        t_dense, t_sparse = [], []
        for _ in range(repeat):
            t0 = time.perf_counter()
            dense_c2 = two_time(frames, mask)
            t_dense.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            sparse_c2 = two_time(csr, mask)
            t_sparse.append(time.perf_counter() - t0)
        diff = float(np.nanmax(np.abs(dense_c2 - sparse_c2)))
        line = (f"{100 * csr.nnz / frames.size:7.2f}% {min(t_dense):8.3f} {min(t_sparse):9.3f} "
                f"{min(t_dense) / min(t_sparse):12.1f}x {diff:11.1e}")
        if peer:
            p_s, p_diff = _peer_sparse(peer, csr, (n_frames, side, side), sparse_c2[0], repeat)
            line += f" {p_s:8.3f} {p_s / min(t_sparse):11.1f}x {p_diff:12.1e}"
        print(line)


_PEER = textwrap.dedent("""
    import json, sys, time
    import numpy as np
    from xpcscorr import correlator_sparse_pixel_chunked
    data = np.load(sys.argv[1])
    shape, repeat = tuple(data["shape"]), int(sys.argv[2])
    mask = np.ones(shape[1:], dtype=bool)
    args = (data["intensity"], data["time_index"], data["pixel_pointer"], shape, mask)
    opts = dict(ttcf_format="t1,t2", extra_options=dict(dask_cluster_type=None))
    correlator_sparse_pixel_chunked(*args, **opts)  # compiles the numba kernels
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        res = correlator_sparse_pixel_chunked(*args, **opts)
        times.append(time.perf_counter() - t0)
    upper = np.triu(np.ones(shape[0], dtype=bool))  # it fills t2 >= t1 only (zeros below)
    c2, ours = np.asarray(res.ttcf)[0][upper], data["ours"][upper]
    print(json.dumps(dict(seconds=min(times), diff=float(np.nanmax(np.abs(c2 - ours))))))
""")


def _peer_sparse(peer: str, csr: sp.csr_matrix, shape, ours: np.ndarray, repeat: int) -> tuple[float, float]:
    """xpcs-correlator's sparse pixel correlator in its own interpreter: (best seconds, max |C2 - ours|)."""
    csc = csr.tocsc()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "data.npz"
        np.savez(path, intensity=csc.data.astype(np.uint16), time_index=csc.indices.astype(np.int32),
                 pixel_pointer=csc.indptr.astype(np.int64), shape=np.array(shape), ours=ours)
        done = subprocess.run([peer, "-c", _PEER, str(path), str(repeat)], capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"the peer failed:\n{done.stderr[-3000:]}")
    res = json.loads(done.stdout.strip().splitlines()[-1])
    return res["seconds"], res["diff"]


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_arguments(p)
    args = p.parse_args(argv)
    run(args)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--stream-frames", type=int, default=4000, help="frames of the streamed stack")
    p.add_argument("--stream-side", type=int, default=256, help="detector side of the streamed stack")
    p.add_argument("--sparse-frames", type=int, default=3000, help="frames of the sparse comparison")
    p.add_argument("--sparse-side", type=int, default=128, help="detector side of the sparse comparison")
    p.add_argument("--peer", default=None, help="python of a venv with xpcs-correlator (e.g. /tmp/peer/bin/python)")
    p.add_argument("--skip-stream", action="store_true", help="no streamed-vs-in-memory run")
    p.add_argument("--skip-sparse", action="store_true", help="no sparse-vs-dense run")
    if not any(a.dest == "repeat" for a in p._actions):
        p.add_argument("--repeat", type=int, default=3, help="runs per case; the best counts")
    if not any(a.dest == "quick" for a in p._actions):
        p.add_argument("--quick", action="store_true", help="small sizes, a smoke run")


def run(args) -> None:
    if args.quick:
        args.stream_frames, args.stream_side, args.sparse_frames, args.sparse_side = 400, 64, 300, 32
    if not args.skip_stream:
        bench_stream(args.stream_frames, args.stream_side)
    if not args.skip_sparse:
        bench_sparse(args.sparse_frames, args.sparse_side, (0.01, 0.02, 0.05), args.repeat, args.peer)


if __name__ == "__main__":
    main()
