"""``xpcs-nb classify`` and ``xpcs-nb similar``: maps to classes or neighbours, a table and a figure.

What the commands do is in :data:`DESCRIPTION` (their ``--help``). Inputs are read
with :func:`xpcs_nb.io.read_maps` and cut by :func:`xpcs_nb.prepare_crops`
as :meth:`xpcs_nb.latent.LatentSpace.prepare` does; each map is checked first
(:mod:`.trust`). numpy, pandas and torch are imported inside the functions, so
that ``--help`` answers at once.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .batch import WARNING_PREFIX, positive_int, run_batch

__all__ = ["add_classify_commands", "load_space", "MAX_SHOWN", "DESCRIPTION"]

MAX_SHOWN = 12  # crops drawn in classes.png; neighbours.png shows a third as many rows

DESCRIPTION = """\
Two-time maps to classes (classify) or to their nearest reference crops (similar).

Inputs are APS result files (.h5, .hdf5, .hdf, .nxs; every ROI they hold) or .npy
maps (T, T) or stacks (n_roi, T, T). Each map is cut into --crops-per-map crops of
the model's size along the diagonal, each scaled to [0, 1], as the training crops
were. With --frame-time and --target-frame-time, frames are binned first; a result
file written by xpcs-nb c2 gives its own frame time.

The latent space is either --model published (the AI-NERD autoencoder and the
paper's 900 published latents as the reference set, k-means with k at the knee
over 2 to 12 or --k; classes ordered slowest first; the files come from
$XPCS_PAPER_DATA when it is set), or --space FOLDER, a space saved from Python
(weights.pt, space.json and space.npz, as the book's chapters save them).

Outputs in --out:
  classify: classes.csv, one row per crop: file, roi, map_index, crop_offset, ...,
    class, distance (to its class centre), distance_0 ... (to every centre), in
    latent units; and classes.png, the first crops with their classes.
  similar: neighbours.csv, --neighbours rows per crop: the crop's columns, then
    rank, neighbour, neighbour_distance, neighbour_class and the reference set's
    columns; and neighbours.png, crops beside their neighbours as the decoder draws
    them, each scaled to [0, 1].
Both tables end with gap_ratio, the crop's distance to the nearest reference latent
over the typical spacing of the reference set (the median distance from a reference
latent to its nearest other one): near 1 the map sits among the reference maps, above
2 it lies apart and its class only means "most like". And trust: "ok", or why the
map is not a C2 to trust (constant, not symmetric, one triangle stored, far from the
reference set); each such map also gets one warning line on stderr.
"""


def add_classify_commands(commands) -> None:
    """Add ``classify`` and ``similar`` to the sub-command parsers ``commands``."""
    for name, run, help_text in (("classify", run_classify, "maps -> classes.csv and classes.png"),
                                 ("similar", run_similar, "maps -> neighbours.csv and neighbours.png")):
        parser = commands.add_parser(name, help=help_text, description=DESCRIPTION,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
        parser.add_argument("files", nargs="+", help="APS result files (.h5, .hdf5, .hdf, .nxs) or .npy maps")
        parser.add_argument("--out", required=True, type=Path, help="folder for the table and the figure")
        space = parser.add_mutually_exclusive_group(required=True)
        space.add_argument("--model", choices=("published",), help="the published model and latents")
        space.add_argument("--space", type=Path,
                           help="a folder with a saved space (weights.pt, space.json, space.npz)")
        parser.add_argument("--k", type=positive_int, help="classes for --model published (default: the knee)")
        parser.add_argument("--seed", type=int, default=0, help="k-means and crop offsets (default 0)")
        parser.add_argument("--crops-per-map", type=positive_int, default=1, help="crops cut from each map (default 1)")
        parser.add_argument("--frame-time", type=float, metavar="S",
                            help="seconds per frame of the maps (default: the file's, else none)")
        parser.add_argument("--target-frame-time", type=float, metavar="S",
                            help="bin frames to this many seconds (needs the maps' frame time)")
        parser.add_argument("--device", default="cpu",
                            help="where the model runs: cpu (default), cuda, cuda:1, mps")
        if name == "similar":
            parser.add_argument("--neighbours", type=positive_int, default=5, help="neighbours per crop (default 5)")
        parser.set_defaults(run=run)


# ------------------------------------------------------------------ the space


def _check_device(device: str) -> None:
    """ValueError naming --device when this torch build cannot use it."""
    import torch

    try:
        kind = torch.device(device).type
    except (RuntimeError, ValueError):
        raise ValueError(f"--device must be cpu, cuda, cuda:N or mps, got {device!r}") from None
    if kind == "cuda" and not torch.cuda.is_available():
        why = "this torch build has no CUDA" if torch.version.cuda is None else "no CUDA GPU is visible"
        raise ValueError(f"--device {device}: {why}; use --device cpu")
    if kind == "mps" and not torch.backends.mps.is_available():
        raise ValueError(f"--device {device}: MPS is not available here; use --device cpu")


def _check_saved_space(folder: Path) -> None:
    """Read the saved files once, so that a damaged one is named (torch's own errors do not name it)."""
    import numpy as np
    import torch

    weights, arrays = folder / "weights.pt", folder / "space.npz"
    if weights.is_file():
        try:
            torch.load(weights, map_location="cpu", weights_only=True)
        except Exception as error:  # truncated, not a torch file, or one needing pickle
            raise ValueError(f"{weights} cannot be read as saved weights ({type(error).__name__}: "
                             f"{str(error).strip().splitlines()[0] if str(error).strip() else 'no detail'}); "
                             "is it whole? save the space again") from None
    if arrays.is_file():
        try:
            with np.load(arrays, allow_pickle=False) as saved:
                for key in saved.files:
                    saved[key]
        except Exception as error:
            raise ValueError(f"{arrays} cannot be read ({type(error).__name__}: {error}); "
                             "is it whole? save the space again") from None


def load_space(arguments):
    """The LatentSpace the arguments name, with their crop settings."""
    from ..latent.space import LatentSpace
    from ..prepare import check_frame_times

    if arguments.frame_time is not None:
        check_frame_times(arguments.frame_time, arguments.target_frame_time)  # before the model loads
    _check_device(arguments.device)
    settings = dict(crops_per_map=arguments.crops_per_map, frame_time=arguments.frame_time,
                    target_frame_time=arguments.target_frame_time if arguments.frame_time is not None else None)
    if arguments.space is not None:
        if arguments.k is not None:
            raise ValueError(f"--k applies to --model published only; a saved space keeps its k, got --k {arguments.k}")
        _check_saved_space(arguments.space)
        space = LatentSpace.load(arguments.space, device=arguments.device)
        space.crops_per_map = settings["crops_per_map"]
        space.frame_time, space.target_frame_time = settings["frame_time"], settings["target_frame_time"]
        space.seed = arguments.seed
        return space
    space = LatentSpace.published(k=arguments.k, seed=arguments.seed, **settings)
    space.model.to(arguments.device)
    return space


# ------------------------------------------------------------------ one file


def _stored_frame_time(path: Path):
    from ..geometry import stored_geometry
    from ..io import file_kind

    if file_kind(path) != "hdf5":
        return None
    try:
        return stored_geometry(path).get("frame_time")
    except ValueError as error:  # an odd unit in a field we only use when it is there: say so, go on
        print(f"{WARNING_PREFIX} {path}: stored frame time not used ({error}); give --frame-time", file=sys.stderr)
        return None


def prepare_file(space, path, arguments):
    """(crops, table, doubts per map) of one file, cut as LatentSpace.prepare cuts them.

    The frame time is ``--frame-time``, else the one the file stores (``xpcs-nb c2``
    writes it), else none.
    """
    from ..io import read_maps
    from ..prepare import check_frame_times, prepare_crops
    from .trust import map_doubts

    path = Path(path)
    maps, rois = read_maps(path)
    frame_time = arguments.frame_time if arguments.frame_time is not None else _stored_frame_time(path)
    if arguments.target_frame_time is not None and frame_time is None:
        raise ValueError("--target-frame-time needs the maps' frame time: the file stores none; give --frame-time")
    factor, _ = check_frame_times(frame_time, arguments.target_frame_time)
    binned = maps.shape[1] // factor
    if binned < space.crop_size:
        raise ValueError(f"maps of {maps.shape[1]} frames{f' ({binned} after binning {factor})' if factor > 1 else ''} "
                         f"are shorter than the model's {space.crop_size}-frame crops; correlate at least "
                         f"{space.crop_size * factor} frames (xpcs-nb c2 refuses shorter stacks by default)")
    doubts = [map_doubts(c2) for c2 in maps]
    crops, table = prepare_crops(maps, crop_size=space.crop_size, crops_per_map=space.crops_per_map, seed=space.seed,
                                 frame_time=frame_time, target_frame_time=arguments.target_frame_time, rois=rois)
    table.insert(0, "file", str(path))
    return crops, table, doubts


def _with_trust(space, crops, table, doubts, path):
    """The table with ``gap_ratio`` and ``trust``; one warning line per doubtful map."""
    from ..latent.encoding import encode
    from .trust import far_doubt

    gap = space.distance_to_reference(encode(space.model, crops))["gap_ratio"].to_numpy()
    per_crop = dict(zip(table.index, gap))
    trust = []
    for map_index, rows in table.groupby("map_index", sort=False).groups.items():
        reasons = list(doubts[map_index])
        far = far_doubt([per_crop[row] for row in rows])
        if far:
            reasons.append(far)
        trust += [(row, "; ".join(reasons) if reasons else "ok") for row in rows]
        if reasons:
            roi = table.loc[rows[0], "roi"]
            print(f"{WARNING_PREFIX} {path} roi {roi}: {'; '.join(reasons)}", file=sys.stderr)
    table = table.copy()
    table["gap_ratio"] = gap
    table["trust"] = [reason for _, reason in sorted(trust)]
    return table


# ------------------------------------------------------------------ the commands


def run_classify(arguments) -> int:
    """The ``classify`` command; 1 when any file failed."""
    import numpy as np

    space = load_space(arguments)

    def work(path):
        crops, table, doubts = prepare_file(space, path, arguments)
        classes = space.classify_crops(crops, table)
        return crops, _with_trust(space, crops, classes, doubts, path)

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
    if arguments.neighbours > len(space.latents):
        raise ValueError(f"--neighbours must be at most the {len(space.latents)} reference latents, "
                         f"got {arguments.neighbours}")

    def work(path):
        crops, table, doubts = prepare_file(space, path, arguments)
        trusted = _with_trust(space, crops, table, doubts, path)
        found = space.neighbours_of_crops(crops, table, k=arguments.neighbours)
        per_crop = trusted[["gap_ratio", "trust"]].loc[trusted.index.repeat(arguments.neighbours)]
        found[["gap_ratio", "trust"]] = per_crop.to_numpy()
        found["gap_ratio"] = found["gap_ratio"].astype(float)
        return crops, found

    results, failed = run_batch(arguments.files, work, desc="similar")
    _write_table(results, arguments.out / "neighbours.csv")
    if results:
        _save_figure(_neighbour_figure(space, results, arguments.neighbours), arguments.out / "neighbours.png")
    return 1 if failed else 0


def _write_table(results, target: Path):
    """The tables of all files, one CSV (header only when no file worked)."""
    import pandas as pd

    from ..atomic import atomic_path

    tables = [table for _, (_, table) in results]
    table = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(columns=["file", "roi", "class"])
    with atomic_path(target) as tmp:
        table.to_csv(tmp, index=False)
    print(f"{len(table)} rows -> {target}")
    return table


def _neighbour_figure(space, results, k: int):
    """Rows of [query crop, its k neighbours decoded], for the first few crops."""
    import numpy as np
    import pandas as pd

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

    from ..atomic import atomic_path

    with atomic_path(target) as tmp:
        fig.savefig(tmp, format="png", dpi=80, bbox_inches="tight")
    plt.close(fig)
    print(f"figure -> {target}")
