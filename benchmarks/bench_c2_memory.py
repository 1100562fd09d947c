"""Peak memory of ``xpcs-nb c2`` on long movies, as a ratio to the map it writes.

A (T, 4, 4) uint16 movie is tiny on disk, but its two-time map is T^2 float32: 256
MB at 8,000 frames, 576 MB at 12,000. For each length the benchmark runs the
command in a fresh process (``python -m xpcs_nb c2 movie.npy --q-edges ...``, one ROI
of all 16 pixels) and prints

- the RSS just before the command runs (interpreter, numpy, h5py and the package
  imported: what any run costs),
- the process's peak RSS (``resource.getrusage`` maxrss) and the peak above that
  baseline, and
- that extra peak over the map's size: the goal is at most 1.5 plus a constant.

Issue 21 measured 1.38 GB for 8,000 frames and 2.5 GB for 12,000 before the
writer stopped copying the maps (``/usr/bin/time -v``: the whole process).

    python benchmarks/bench_c2_memory.py                       # 8000 and 12000 frames
    python benchmarks/bench_c2_memory.py --frames 4000 8000    # other lengths
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]

# The command in a fresh process; the imports c2 makes come first, so the baseline holds them.
DRIVER = """
import json, resource, sys
import h5py, numpy, scipy.linalg
import xpcs_nb.aps, xpcs_nb.correlation, xpcs_nb.geometry
from xpcs_nb.cli import main
scipy.linalg.blas.ssyrk(1.0, numpy.ones((64, 64), numpy.float32))  # BLAS threads and buffers: a constant of any run

def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize()

before = rss()
status = main(sys.argv[1:])
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"status": status, "before": before, "peak": peak}))
"""


def measure(n_frames: int, folder: Path) -> dict:
    """Run ``c2`` on a (n_frames, 4, 4) Poisson movie; the RSS figures in bytes and the map's size."""
    movie = folder / f"movie_{n_frames}.npy"
    np.save(movie, np.random.default_rng(0).poisson(2.0, (n_frames, 4, 4)).astype(np.uint16))
    arguments = [str(movie), "--q-edges", "0.0001", "0.001", "--out", str(folder / "out")]
    done = subprocess.run([sys.executable, "-c", DRIVER, "c2", *arguments], capture_output=True, text=True,
                          cwd=ROOT, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"c2 failed on {n_frames} frames:\n{done.stderr}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["map"] = n_frames * n_frames * 4
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--frames", type=int, nargs="+", default=[8000, 12000], help="movie lengths")
    arguments = parser.parse_args()
    mb = 1e6
    print(f"{'frames':>7} {'map MB':>8} {'before MB':>10} {'peak MB':>8} {'extra MB':>9} {'extra/map':>10}")
    with tempfile.TemporaryDirectory() as folder:
        for n_frames in arguments.frames:
            r = measure(n_frames, Path(folder))
            extra = r["peak"] - r["before"]
            print(f"{n_frames:>7} {r['map'] / mb:>8.0f} {r['before'] / mb:>10.0f} {r['peak'] / mb:>8.0f} "
                  f"{extra / mb:>9.0f} {extra / r['map']:>10.2f}")


if __name__ == "__main__":
    main()
