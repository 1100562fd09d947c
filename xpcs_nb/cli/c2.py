"""``xpcs-nb c2``: frame stacks to two-time maps, written as APS result files.

Each input is one frame stack ``(T, H, W)`` of photon counts: a ``.npy`` file, or an
HDF5 file (``--dataset`` names the stack; by default the file's only 3-D dataset).
The ROIs are either

- ``--q-edges Q0 Q1 ... --sectors N``: q-rings (nm^-1) x N azimuthal sectors on a
  flat detector (``--distance``, ``--pixel-size``, ``--wavelength``, ``--beam-center``;
  the defaults of :class:`xpcs_nb.geometry.Detector`), or
- ``--labels LABELS.npy``: an (H, W) integer map, 0 outside every ROI.

ROIs without a pixel on the detector are left out and the others numbered 1, 2, ...
in label order. The maps (:func:`xpcs_nb.correlation.two_time`) go to
``OUT/<stem>_results.h5`` in the APS layout (:func:`xpcs_nb.aps.write_aps_result`),
with each ROI's mean q and azimuth when the ROIs come from ``--q-edges``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import h5py
import numpy as np

from ..aps import write_aps_result
from ..correlation import azimuth_map, q_map, roi_partition, roi_table, two_time
from ..geometry import Detector
from ..validation import check_array
from .batch import run_batch

__all__ = ["add_c2_command", "read_frames", "roi_labels", "frames_to_aps"]


def add_c2_command(commands) -> None:
    """Add ``c2`` to the sub-command parsers ``commands``."""
    parser = commands.add_parser("c2", help="frame stacks (T, H, W) -> APS-layout two-time result files",
                                 description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("frames", nargs="+", help="frame stacks: .npy or HDF5 files")
    parser.add_argument("--out", required=True, type=Path, help="folder for the result files")
    rois = parser.add_mutually_exclusive_group(required=True)
    rois.add_argument("--q-edges", type=float, nargs="+", metavar="Q", help="q-ring edges, nm^-1, increasing")
    rois.add_argument("--labels", type=Path, help="an (H, W) .npy of ROI labels, 0 = no ROI")
    parser.add_argument("--sectors", type=int, default=1, help="azimuthal sectors per q-ring (default 1)")
    parser.add_argument("--distance", type=float, default=Detector.distance, help="sample-detector distance, m")
    parser.add_argument("--pixel-size", type=float, default=Detector.pixel_size, help="pixel pitch, m")
    parser.add_argument("--wavelength", type=float, default=Detector.wavelength, help="x-ray wavelength, m")
    parser.add_argument("--beam-center", type=float, nargs=2, metavar=("ROW", "COL"),
                        help="direct beam, pixels (default: the detector's centre)")
    parser.add_argument("--dataset", help="the frame stack's path inside an HDF5 file")
    parser.add_argument("--form", default="ratio", choices=("ratio", "paper", "paper_per_pixel"),
                        help="the C2 form (see xpcs_nb.correlation.two_time)")
    parser.add_argument("--bin-frames", type=int, default=1, help="sum this many frames first (default 1)")
    parser.add_argument("--layout", default="new", choices=("new", "legacy"), help="APS file layout")
    parser.set_defaults(run=run_c2)


def read_frames(path, dataset: str | None = None) -> np.ndarray:
    """The frame stack (T, H, W) of a ``.npy`` file (no pickle) or an HDF5 file."""
    path = Path(path)
    if path.suffix.lower() == ".npy":
        frames = np.load(path, allow_pickle=False, mmap_mode="r")
    else:
        with h5py.File(path, "r") as f:
            name = dataset or _only_stack(f, path)
            if name not in f:
                raise KeyError(f"{path.name} has no dataset {name!r}")
            frames = f[name][()]
    return check_array(frames, f"the frames in {path.name}", ndim=3, kind="real", finite=False)


def _only_stack(f: h5py.File, path: Path) -> str:
    stacks = []
    f.visititems(lambda name, item: stacks.append(name) if isinstance(item, h5py.Dataset) and item.ndim == 3 else None)
    if len(stacks) != 1:
        raise ValueError(f"{path.name} must hold exactly one 3-D dataset, or name it with --dataset; "
                         f"it holds {stacks or 'none'}")
    return stacks[0]


def roi_labels(arguments, shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """(labels (H, W) numbered 1..n without gaps, q (n,) nm^-1 or None, phi (n,) deg or None)."""
    if arguments.labels is not None:
        labels = check_array(np.load(arguments.labels, allow_pickle=False), "--labels", ndim=2, kind="integer")
        if labels.shape != tuple(shape):
            raise ValueError(f"--labels must have the frames' shape {tuple(shape)}, got {labels.shape}")
        return _compact(labels), None, None
    detector = Detector(shape=shape, pixel_size=arguments.pixel_size, distance=arguments.distance,
                        wavelength=arguments.wavelength,
                        beam_center=None if arguments.beam_center is None else tuple(arguments.beam_center))
    q, phi = q_map(detector), azimuth_map(detector)
    labels = _compact(roi_partition(q, phi, arguments.q_edges, n_sectors=arguments.sectors))
    table = roi_table(labels, q, phi)
    return labels, table["q_mean"], table["phi_mean"]


def _compact(labels: np.ndarray) -> np.ndarray:
    """Labels renumbered 1..n in order, skipping labels without pixels; 0 stays 0."""
    present = np.unique(labels[labels > 0])
    if present.size == 0:
        raise ValueError("the ROIs hold no pixel of the detector; check --q-edges, the geometry or --labels")
    lookup = np.zeros(int(labels.max()) + 1, dtype=np.int32)
    lookup[present] = np.arange(1, present.size + 1)
    return lookup[np.maximum(labels, 0)]


def frames_to_aps(path, arguments) -> Path:
    """One frame stack to ``OUT/<stem>_results.h5``; returns the file written."""
    frames = read_frames(path, arguments.dataset)
    labels, q, phi = roi_labels(arguments, frames.shape[1:])
    c2 = two_time(frames, labels, form=arguments.form, bin_frames=arguments.bin_frames)
    c2 = (c2 + np.swapaxes(c2, 1, 2)) / 2  # exactly symmetric: APS files keep one triangle
    target = arguments.out / f"{Path(path).stem}_results.h5"
    write_aps_result(target, list(c2), layout=arguments.layout, q=q, phi=phi)
    return target


def run_c2(arguments) -> int:
    """The ``c2`` command: every stack in turn; 1 when any failed."""
    results, failed = run_batch(arguments.frames, lambda path: frames_to_aps(path, arguments), desc="c2")
    for path, target in results:
        print(f"{path} -> {target}")
    return 1 if failed else 0
