"""Benchmark of the simulator: a speckle movie's time per frame, a labelled C2 by the movie path.

Two measurements, one run, each the median of ``--repeat`` calls (wall clock and the
process's CPU time, so that a busy machine shows as wall > CPU):

1. ``simulate_movie`` on a ``--side`` x ``--side`` detector with 4 grains per pixel:
   seconds per frame;
2. ``scenario_c2(label, n_frames, method="movie")`` (photons of one ROI simulated and
   correlated by ``two_time``) for each ``--frames``: seconds per C2.

Usage::

    OMP_NUM_THREADS=1 python benchmarks/bench_simulate.py
    python benchmarks/bench_simulate.py --frames 512 --repeat 1   # a smoke run
"""

from __future__ import annotations

import argparse
import statistics
import time

from xpcs_nb.geometry import Detector
from xpcs_nb.scenarios import scenario_c2
from xpcs_nb.simulate import simulate_movie, stationary


def timed(call, repeat: int) -> tuple[float, float]:
    """Median (wall seconds, CPU seconds) of ``repeat`` calls of ``call()``."""
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        call()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def movie_per_frame(side: int, n_frames: int, repeat: int) -> tuple[float, float]:
    """(wall, CPU) seconds per frame of a stationary movie on a side x side detector, 4 grains per pixel."""
    detector = Detector(shape=(side, side))
    wall, cpu = timed(lambda: simulate_movie(detector, stationary(5.0), n_frames, 0.01, seed=0,
                                             grains_per_pixel=4), repeat)
    return wall / n_frames, cpu / n_frames


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--side", type=int, default=160, help="detector side of the movie run")
    parser.add_argument("--movie-frames", type=int, default=200, help="frames of the movie run")
    parser.add_argument("--frames", type=int, nargs="+", default=[512, 2048], help="frames of each scenario C2")
    parser.add_argument("--label", type=int, default=2, help="the scenario label (0-6)")
    parser.add_argument("--repeat", type=int, default=3, help="calls per measurement; the median counts")
    args = parser.parse_args()

    wall, cpu = movie_per_frame(args.side, args.movie_frames, args.repeat)
    print(f"simulate_movie {args.side} x {args.side} x 4 grains: {wall * 1e3:.2f} ms per frame wall, "
          f"{cpu * 1e3:.2f} ms CPU")
    for n_frames in args.frames:
        wall, cpu = timed(lambda: scenario_c2(args.label, n_frames, seed=0, method="movie"), args.repeat)
        print(f"scenario_c2 label {args.label}, {n_frames} frames, movie path: {wall:.3f} s wall, {cpu:.3f} s CPU")


if __name__ == "__main__":
    main()
