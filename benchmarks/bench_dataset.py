"""Benchmark of the chapter-2 dataset: store build time, augmented crops per second.

Two measurements, one run:

1. ``build_crop_store`` on ``--n-c2`` maps of each size in ``--sizes`` (random symmetric
   C2-like matrices; a few distinct maps are reused so that making them is not timed);
2. ``AugmentedCropDataset`` on one core (``torch.set_num_threads(1)``): ``--items``
   items in shuffled order, one by one and through a ``DataLoader`` (batches of 64,
   no workers), for the wrap shift and the seam-free diagonal shift; the median of
   three passes. Goal: >= 5,000 items/s for the wrap shift.

Usage::

    python benchmarks/bench_dataset.py --quick
    python benchmarks/bench_dataset.py --sizes 512 2048 --n-c2 64 --items 20000
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import DataLoader

from xpcs_nb.dataset import AugmentedCropDataset, build_crop_store, load_crop_store, load_source_c2

GOAL_ITEMS_PER_S = 5000
REPEATS = 3  # throughputs are the median of this many passes (a shared machine is noisy)


def c2_like(n_frames: int, seed: int) -> np.ndarray:
    """A symmetric C2-like map (n_frames, n_frames), float32: a Gram matrix of random frames."""
    frames = np.random.default_rng(seed).random((n_frames, 64), dtype=np.float32)
    return frames @ frames.T / 64


def c2_list(n_frames: int, n_c2: int) -> list[np.ndarray]:
    """``n_c2`` maps that reuse four distinct ones (references, not copies)."""
    pool = [c2_like(n_frames, seed) for seed in range(4)]
    return [pool[i % len(pool)] for i in range(n_c2)]


def bench_build(sizes, n_c2: int, crop_size: int, folder: Path) -> None:
    """Time build_crop_store for each map size."""
    print(f"build_crop_store: {n_c2} maps per size, 2 crops each, crop {crop_size}")
    print(f"{'T':>6} {'seconds':>8} {'maps/s':>8} {'crops/s':>8} {'store MB':>9}")
    for n_frames in sizes:
        maps = c2_list(n_frames, n_c2)
        path = folder / f"store_{n_frames}.h5"
        start = time.perf_counter()
        build_crop_store(maps, None, path, seed=0, crop_size=crop_size, experiment_key=None)
        seconds = time.perf_counter() - start
        megabytes = path.stat().st_size / 1e6
        print(f"{n_frames:>6} {seconds:>8.2f} {n_c2 / seconds:>8.1f} "
              f"{2 * n_c2 / seconds:>8.1f} {megabytes:>9.1f}")
        path.unlink()


def items_per_second(data, order: np.ndarray) -> float:
    start = time.perf_counter()
    for item in order:
        data[int(item)]
    return len(order) / (time.perf_counter() - start)


def loader_items_per_second(data, n_items: int, batch_size: int = 64) -> float:
    sampler = torch.utils.data.RandomSampler(data, num_samples=n_items,
                                             generator=torch.Generator().manual_seed(0))
    start = time.perf_counter()
    for _ in DataLoader(data, batch_size=batch_size, sampler=sampler, num_workers=0):
        pass
    return n_items / (time.perf_counter() - start)


def bench_dataset(n_frames: int, n_c2: int, crop_size: int, n_items: int, factor: int,
                  folder: Path) -> None:
    """Items per second of both shift modes, on a store of n_c2 maps that kept its maps."""
    path = folder / "store_with_source.h5"
    build_crop_store(c2_list(n_frames, n_c2), None, path, seed=0, crop_size=crop_size,
                     experiment_key=None, keep_source=True)
    torch.set_num_threads(1)
    crops, metadata = load_crop_store(path)
    sources = load_source_c2(path)
    n_augmented = len(crops) * factor
    crop_bytes = np.prod(crops.shape[1:]) * 4
    print(f"\nAugmentedCropDataset on one core: {len(crops)} crops of {n_frames}-frame maps "
          f"x {factor} = "
          f"{n_augmented} items; {n_items} items in shuffled order")
    print(f"(materialised they would take {n_augmented * crop_bytes / 1e9:.2f} GB, "
          f"{factor}x the {len(crops) * crop_bytes / 1e9:.3f} GB of crops)")
    order = np.random.default_rng(0).integers(0, n_augmented, n_items)
    for mode in ("wrap", "diagonal"):
        data = AugmentedCropDataset(crops, seed=0, factor=factor, mode=mode,
                                    source_c2=sources, metadata=metadata)
        single = np.median([items_per_second(data, order) for _ in range(REPEATS)])
        batched = np.median([loader_items_per_second(data, n_items) for _ in range(REPEATS)])
        print(f"  {mode:>8}: {single:8.0f} items/s one by one ({single / GOAL_ITEMS_PER_S:.2f}x "
              f"goal), {batched:8.0f} items/s through a DataLoader "
              f"({batched / GOAL_ITEMS_PER_S:.2f}x goal)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[512, 2048],
                        help="frames T of the large maps (default: the fast and class presets)")
    parser.add_argument("--n-c2", type=int, default=64, help="maps per size")
    parser.add_argument("--items", type=int, default=20000, help="dataset items to read")
    parser.add_argument("--factor", type=int, default=100, help="augmentation factor")
    parser.add_argument("--crop-size", type=int, default=256)
    parser.add_argument("--quick", action="store_true", help="512-frame maps, 16 maps, 4000 items")
    args = parser.parse_args()
    if args.quick:
        args.sizes, args.n_c2, args.items = [512], 16, 4000
    with tempfile.TemporaryDirectory() as folder:
        bench_build(args.sizes, args.n_c2, args.crop_size, Path(folder))
        bench_dataset(args.sizes[0], args.n_c2, args.crop_size, args.items, args.factor,
                      Path(folder))


if __name__ == "__main__":
    main()
