"""Every method side by side on the evaluation of :mod:`xpcs_nb.evaluation`.

Rate classes (labels 0-4) scored by k-means ARI with k = 5, shape families
(heterodyne, avalanche) by precision@k retrieval against chance, at each photon rate
of the sweep, with the diagonal kept or replaced by its neighbours. The "trained"
encoder is the paper's published model for now (the chapter passes the one it
trained); the untrained network is the same architecture with random weights.

The evaluation libraries are built the first time (one per photon rate, under
``data/generated/<preset>/``) and reused after; the wall time printed includes
building them when they were missing.

Usage::

    python benchmarks/eval_methods.py --preset fast --diagonal neighbours
    python benchmarks/eval_methods.py --preset class --photons 10 1 0.3 0.1 --kmeans-seeds 5
"""

from __future__ import annotations

import argparse
import time

import pandas as pd

from xpcs_nb import evaluation, paper
from xpcs_nb.presets import PRESETS


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--preset", choices=sorted(PRESETS), default="fast")
    parser.add_argument("--photons", type=float, nargs="+", default=list(evaluation.SWEEP_PHOTONS),
                        help="photons per pixel per frame, one evaluation set each (the chapter: the preset's "
                             "eval_photons)")
    parser.add_argument("--diagonal", choices=evaluation.DIAGONAL_CHOICES, default="neighbours")
    parser.add_argument("--kmeans-seeds", type=int, default=5, help="k-means seeds 0 .. n-1")
    parser.add_argument("--untrained-seeds", type=int, default=3, help="random networks, seeds 0 .. n-1")
    parser.add_argument("--k", type=int, default=10, help="neighbours for precision@k")
    parser.add_argument("--per-class", type=int, default=None,
                        help="large C2 per label (default: the preset's eval_per_class)")
    return parser.parse_args()


def main() -> None:
    arguments = parse_arguments()
    spec = evaluation.evaluation_spec(arguments.preset, arguments.photons[0], n_per_class=arguments.per_class)
    print(f"preset {arguments.preset}: {spec.n_per_class} C2 per label x 7, {spec.crops_per_c2} crops each, "
          f"{spec.crop_size} x {spec.crop_size} from {spec.n_frames}-frame C2 ({spec.method}), "
          f"seed {spec.seed}; diagonal {arguments.diagonal!r}")
    started = time.perf_counter()
    table = evaluation.noise_sweep(arguments.preset, paper.load_model(), photons=arguments.photons,
                                   diagonal=arguments.diagonal, n_per_class=arguments.per_class,
                                   untrained_seeds=range(arguments.untrained_seeds),
                                   kmeans_seeds=range(arguments.kmeans_seeds), k=arguments.k)
    elapsed = time.perf_counter() - started
    with pd.option_context("display.width", 250, "display.max_columns", None):
        for metric, rows in table.groupby("metric", sort=False):
            counts = rows.groupby("method", sort=False)["n"].first().to_dict()
            print(f"\n{metric} (mean ± std; values per method: {counts})")
            print(evaluation.wide_table(rows).droplevel("metric", axis=1).to_string())
    print(f"\nwall time {elapsed:.0f} s")


if __name__ == "__main__":
    main()
