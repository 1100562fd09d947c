"""``xpcs-nb classify`` and ``xpcs-nb similar``: maps to classes or neighbours, a table and a figure.

Inputs are APS result files or ``.npy`` maps (:func:`xpcs_nb.map_files.read_maps`),
each cut into crops by :func:`xpcs_nb.prepare_crops` (``--crops-per-map``, ``--seed``,
``--frame-time`` / ``--target-frame-time``). The latent space is

- ``--model published``: the published autoencoder with the paper's 900 published
  latents as the reference set, k-means with k at the knee over 2 .. 12 (or ``--k``),
  classes ordered slowest first by their decoded centres
  (:meth:`xpcs_nb.latent.LatentSpace.published`; the files come from
  ``$XPCS_PAPER_DATA`` when set, so it runs offline), or
- ``--space FOLDER``: a :class:`~xpcs_nb.latent.LatentSpace` saved with ``save``.

Outputs in ``--out``:

- ``classify``: ``classes.csv``, one row per crop: ``file, roi, map_index,
  crop_offset, ..., class, distance, distance_0 .. distance_{k-1}`` (latent units),
  and ``classes.png``, the first crops with their classes;
- ``similar``: ``neighbours.csv``, ``--neighbours`` rows per crop: the crop's columns,
  then ``rank, neighbour, neighbour_distance, neighbour_class`` and the reference
  set's columns; and ``neighbours.png``, the first crops beside their neighbours as
  the decoder draws them (the reference set keeps latents, not crops), each decoded
  image scaled to [0, 1] for display.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from ..atomic import atomic_path
from .batch import run_batch

__all__ = ["add_classify_commands", "load_space", "MAX_SHOWN"]

MAX_SHOWN = 12  # crops drawn in classes.png; neighbours.png shows a third as many rows


def add_classify_commands(commands) -> None:
    """Add ``classify`` and ``similar`` to the sub-command parsers ``commands``."""
    for name, run, help_text in (("classify", run_classify, "maps -> classes.csv and classes.png"),
                                 ("similar", run_similar, "maps -> neighbours.csv and neighbours.png")):
        parser = commands.add_parser(name, help=help_text, description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
        parser.add_argument("files", nargs="+", help="APS result files (.h5, .hdf5, .hdf, .nxs) or .npy maps")
        parser.add_argument("--out", required=True, type=Path, help="folder for the table and the figure")
        space = parser.add_mutually_exclusive_group(required=True)
        space.add_argument("--model", choices=("published",), help="the published model and latents")
        space.add_argument("--space", type=Path, help="a folder written by LatentSpace.save")
        parser.add_argument("--k", type=int, help="classes for --model published (default: the knee)")
        parser.add_argument("--seed", type=int, default=0, help="k-means and crop offsets (default 0)")
        parser.add_argument("--crops-per-map", type=int, default=1, help="crops cut from each map (default 1)")
        parser.add_argument("--frame-time", type=float, help="seconds per frame of the maps")
        parser.add_argument("--target-frame-time", type=float, help="bin frames to this many seconds")
        parser.add_argument("--device", default="cpu", help="where the model runs (default cpu)")
        if name == "similar":
            parser.add_argument("--neighbours", type=int, default=5, help="neighbours per crop (default 5)")
        parser.set_defaults(run=run)


def load_space(arguments):
    """The LatentSpace the arguments name, with their crop settings."""
    from ..latent.space import LatentSpace
    from ..prepare import check_frame_times

    check_frame_times(arguments.frame_time, arguments.target_frame_time)  # before the model loads
    settings = dict(crops_per_map=arguments.crops_per_map, frame_time=arguments.frame_time,
                    target_frame_time=arguments.target_frame_time)
    if arguments.space is not None:
        if arguments.k is not None:
            raise ValueError(f"--k applies to --model published only; a saved space keeps its k, got --k {arguments.k}")
        space = LatentSpace.load(arguments.space, device=arguments.device)
        space.crops_per_map = settings["crops_per_map"]
        space.frame_time, space.target_frame_time = settings["frame_time"], settings["target_frame_time"]
        space.seed = arguments.seed
        return space
    space = LatentSpace.published(k=arguments.k, seed=arguments.seed, **settings)
    space.model.to(arguments.device)
    return space


def run_classify(arguments) -> int:
    """The ``classify`` command; 1 when any file failed."""
    space = load_space(arguments)

    def work(path):
        crops, table = space.prepare(path)
        return crops, space.classify_crops(crops, table)

    results, failed = run_batch(arguments.files, work, desc="classify")
    table = _write_table(results, arguments.out / "classes.csv")
    if results:
        crops = np.concatenate([crops for _, (crops, _) in results])[:MAX_SHOWN]
        titles = [f"{Path(row.file).name} roi {row.roi}\nclass {row['class']}, d = {row.distance:.3g}"
                  for _, row in table.head(MAX_SHOWN).iterrows()]
        _save_figure(_grid(crops, titles=titles, title=f"classes of {len(table)} crops (k = {space.k})"),
                     arguments.out / "classes.png")
    return 1 if failed else 0


def run_similar(arguments) -> int:
    """The ``similar`` command; 1 when any file failed."""
    space = load_space(arguments)

    def work(path):
        crops, table = space.prepare(path)
        return crops, space.neighbours_of_crops(crops, table, k=arguments.neighbours)

    results, failed = run_batch(arguments.files, work, desc="similar")
    _write_table(results, arguments.out / "neighbours.csv")
    if results:
        _save_figure(_neighbour_figure(space, results, arguments.neighbours), arguments.out / "neighbours.png")
    return 1 if failed else 0


def _write_table(results, target: Path) -> pd.DataFrame:
    """The tables of all files, one CSV (header only when no file worked)."""
    tables = [table for _, (_, table) in results]
    table = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(columns=["file", "roi", "class"])
    with atomic_path(target) as tmp:
        table.to_csv(tmp, index=False)
    print(f"{len(table)} rows -> {target}")
    return table


def _neighbour_figure(space, results, k: int):
    """Rows of [query crop, its k neighbours decoded], for the first few crops."""
    from ..dataset import minmax_scale
    from ..latent.encoding import decode

    crops = np.concatenate([crops for _, (crops, _) in results])
    table = pd.concat([table for _, (_, table) in results], ignore_index=True)
    n_rows = min(len(crops), max(1, MAX_SHOWN // 3))
    images, titles, row_labels = [], [], []
    for row in range(n_rows):
        found = table.iloc[row * k: (row + 1) * k]
        decoded, _, _ = minmax_scale(decode(space.model, space.latents[found["neighbour"].to_numpy()]))
        images += [crops[row], *decoded]
        titles += ["query"] + [f"#{r.neighbour} class {r.neighbour_class}\nd = {r.neighbour_distance:.3g}"
                               for r in found.itertuples()]
        row_labels.append(f"{Path(found['file'].iloc[0]).name}\nroi {found['roi'].iloc[0]}")
    return _grid(np.stack(images), n_cols=k + 1, titles=titles, row_labels=row_labels,
                 title="nearest reference crops (decoded)")


def _grid(images, **options):
    from ..plotting import crop_grid

    return crop_grid(images, **options)


def _save_figure(fig, target: Path) -> None:
    import matplotlib.pyplot as plt

    with atomic_path(target) as tmp:
        fig.savefig(tmp, format="png", dpi=80, bbox_inches="tight")
    plt.close(fig)
    print(f"figure -> {target}")
