"""Benchmark of xpcs_nb.parallel: C2 of many movies on 2 Dask workers against one process.

Prints, from one run on this machine:

1. the wall time of the serial path (``two_time_file`` on every movie, one after the
   other, in this process with one BLAS thread) and of ``two_time_files`` on a
   ``LocalCluster`` of ``--workers`` worker processes (one thread each), and their
   ratio, the speed-up; the cluster's start-up (the worker processes and their
   imports of xpcs_nb, torch among them: seconds, paid once per cluster) is timed
   apart and the speed-up given with and without it. The cluster's time includes
   gathering every C2 into this process; a third run has the workers write their C2
   to disk instead (``out_dir``) and gathers only the paths;
2. the peak resident memory (``VmHWM``, see :func:`peak_rss_mib`) of each worker process, read on the
   workers with ``client.run``, beside the size of one movie and one C2;
3. the load average before and after, as the machine may be shared, and a control
   without Dask: the same C2 in ``--workers`` plain processes at once (a
   multiprocessing pool) against one alone. Its ratio is the most any pool of
   processes can gain on this machine now; a Dask speed-up near it means Dask costs
   little.

The movies are Poisson counts (uint16 ``.npy`` files written to a temporary folder
first, untimed): the cost of C2 depends on frames x pixels, not on the counts.
The results of both paths are compared, and must be equal.

    OMP_NUM_THREADS=1 python benchmarks/bench_dask.py              # 32 movies, 20-40 s serial
    OMP_NUM_THREADS=1 python benchmarks/bench_dask.py --movies 4   # a smoke run
"""

from __future__ import annotations

import argparse
import importlib
import multiprocessing
import os
import resource
import tempfile
import time
from pathlib import Path

import numpy as np

from xpcs_nb.parallel import dask_client, two_time_file, two_time_files


def peak_rss_mib() -> float:
    """This process's peak resident memory in MiB.

    Linux: ``VmHWM`` of ``/proc/self/status``, the high-water mark of this process's
    own memory. Not ``ru_maxrss`` there: it survives fork and exec, so a worker
    process started by this one would report this one's peak. Elsewhere ``ru_maxrss``
    (KiB on Linux, bytes on macOS: read as KiB).
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed_two_time(path: Path, labels: np.ndarray) -> float:
    started = time.perf_counter()
    two_time_file(path, labels)
    return time.perf_counter() - started


def plain_processes_ratio(path: Path, labels: np.ndarray, n_processes: int) -> float:
    """Throughput of ``n_processes`` plain processes correlating at once, over one alone."""
    alone = min(timed_two_time(path, labels) for _ in range(2))
    with multiprocessing.get_context("fork").Pool(n_processes) as pool:  # forked: nothing to import
        started = time.perf_counter()
        pool.starmap(timed_two_time, [(path, labels)] * n_processes)
        together = time.perf_counter() - started
    return n_processes * alone / together


def write_movies(folder: Path, n_movies: int, n_frames: int, side: int) -> list[Path]:
    rng = np.random.default_rng(0)
    paths = []
    for index in range(n_movies):
        path = folder / f"movie{index:03d}.npy"
        np.save(path, rng.poisson(1.0, size=(n_frames, side, side)).astype(np.uint16))
        paths.append(path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--movies", type=int, default=32)
    parser.add_argument("--frames", type=int, default=2000)
    parser.add_argument("--side", type=int, default=128, help="detector side in pixels (one ROI over all of them)")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    if os.environ.get("OMP_NUM_THREADS") != "1":
        print("note: OMP_NUM_THREADS is not 1; the serial path may use several BLAS threads")
    labels = np.ones((args.side, args.side), dtype=np.int64)
    print(f"{args.movies} movies of {args.frames} frames x {args.side}x{args.side} pixels, 1 ROI; "
          f"os.cpu_count() = {os.cpu_count()}, load average before: {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory(prefix="bench_dask_") as folder:
        paths = write_movies(Path(folder), args.movies, args.frames, args.side)

        started = time.perf_counter()
        serial = [two_time_file(path, labels) for path in paths]
        serial_s = time.perf_counter() - started
        control = plain_processes_ratio(paths[0], labels, args.workers)

        started = time.perf_counter()
        with dask_client(n_workers=args.workers) as client:
            client.wait_for_workers(args.workers)
            client.run(importlib.import_module, "xpcs_nb.parallel")  # each worker's imports, paid once
            startup_s = time.perf_counter() - started
            imported_peaks = client.run(peak_rss_mib)
            started = time.perf_counter()
            parallel = two_time_files(paths, labels, scheduler=client)
            parallel_s = time.perf_counter() - started
            worker_peaks = client.run(peak_rss_mib)
            started = time.perf_counter()
            written = two_time_files(paths, labels, scheduler=client, out_dir=Path(folder) / "c2")
            written_s = time.perf_counter() - started
            assert all(np.array_equal(np.load(path), c2) for path, c2 in zip(written, serial))
        total_s = startup_s + parallel_s

    assert all(np.array_equal(a, b) for a, b in zip(serial, parallel)), "the cluster's C2 differ from serial"
    movie_mib = args.frames * args.side**2 * 2 / 2**20
    c2_mib = serial[0].nbytes / 2**20
    print(f"serial, one process:           {serial_s:6.1f} s")
    print(f"{args.workers} workers, computing:         {parallel_s:6.1f} s  speed-up {serial_s / parallel_s:.2f}x")
    print(f"{args.workers} workers, with start-up:     {total_s:6.1f} s  speed-up {serial_s / total_s:.2f}x "
          f"(cluster start {startup_s:.1f} s)")
    print(f"{args.workers} workers, C2 written by the workers (out_dir, nothing gathered): {written_s:6.1f} s  "
          f"speed-up {serial_s / written_s:.2f}x")
    print(f"results equal to the serial path: yes ({len(parallel)} C2 of {serial[0].shape})")
    print(f"one movie {movie_mib:.0f} MiB (uint16), one C2 {c2_mib:.0f} MiB (float32)")
    for address, peak in sorted(worker_peaks.items()):
        print(f"peak RSS of worker {address}: {peak:6.0f} MiB ({imported_peaks[address]:.0f} MiB "
              "after its imports, before any task)")
    print(f"peak RSS of this process (holds the serial and gathered C2): {peak_rss_mib():.0f} MiB")
    print(f"control, {args.workers} plain processes at once (no Dask) over one alone: {control:.2f}x")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
