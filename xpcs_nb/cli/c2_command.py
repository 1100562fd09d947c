"""``xpcs-nb c2``: frame stacks to two-time maps, written as APS result files.

What the command does is in :data:`DESCRIPTION` (its ``--help``). Each stack's
geometry is resolved field by field (flag, else the file's
``/entry/instrument/detector``, else the default of :class:`xpcs_nb.geometry.Detector`)
and written into the result; the memory the maps need is checked before the stack
is read (:mod:`.memory`); two inputs that would write one result are refused before
any work (:func:`xpcs_nb.atomic.check_distinct_outputs`, the Dask path's rule).

numpy, h5py and the correlator are imported inside the functions, so that
``xpcs-nb c2 --help`` answers at once.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .batch import WARNING_PREFIX, positive_int, run_batch

__all__ = ["add_c2_command", "read_frames", "roi_labels", "frames_to_aps", "DEFAULTS"]

# The AI-NERD set-up (paper, Methods): 8 m, a Lambda 750k of 55 um pixels, 11 keV
# photons (1.127 A). The same values as xpcs_nb.geometry.Detector's defaults (a test checks).
DEFAULTS = {"distance": 8.0, "pixel_size": 55e-6, "wavelength": 1.127e-10}
CROP_SIZE = 256  # the crop side the published model reads (xpcs_nb.dataset.CROP_SIZE; a test checks)

DESCRIPTION = """\
Frame stacks to two-time maps: one APS-layout result file per stack.

Each input is one frame stack (T, H, W) of photon counts: a .npy file, or an HDF5
file (--dataset names the stack; by default the file's only 3-D dataset). The ROIs
are either
  --q-edges Q0 Q1 ... --sectors N   q-rings (nm^-1) x N azimuthal sectors, or
  --labels LABELS.npy               an (H, W) integer map, 0 outside every ROI.
ROIs without a pixel on the detector are left out; the others are numbered 1, 2, ...

Geometry and frame time: each of --distance, --pixel-size, --wavelength,
--beam-center and --frame-time comes from its flag when given, else from the file
(/entry/instrument/detector/distance, x_pixel_size, wavelength, beam_center,
frame_time, in m, s and pixels unless a units attribute says otherwise), else from
the default: 8 m, 55 um pixels, 1.127 A (11 keV), the AI-NERD set-up; the beam at
the detector's centre; no frame time. So a stack without a stored distance and
without --distance is taken as 8 m. Each file's report says where every value
came from, and the result file keeps them.

Results go to OUT/<stem>_results.h5 (the maps' upper triangles, each ROI's q and
azimuth); two inputs with the same stem are refused before any work. A frame in
which an ROI caught no photon is a NaN row and column of its map in the ratio form
(one warning per file; the count is the file's frames_without_photons attribute).
The memory the maps need is checked first: a map grows as the square of the frames,
and one that will not fit is refused with its size and the --bin-frames that fits.
A map shorter than the crops classify and similar cut (--crop-size) is refused.
"""


def add_c2_command(commands) -> None:
    """Add ``c2`` to the sub-command parsers ``commands``."""
    parser = commands.add_parser("c2", help="frame stacks (T, H, W) -> APS-layout two-time result files",
                                 description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("frames", nargs="+", help="frame stacks: .npy or HDF5 files")
    parser.add_argument("--out", required=True, type=Path, help="folder for the result files")
    rois = parser.add_mutually_exclusive_group(required=True)
    rois.add_argument("--q-edges", type=float, nargs="+", metavar="Q", help="q-ring edges in nm^-1, increasing")
    rois.add_argument("--labels", type=Path, help="an (H, W) .npy of ROI labels, 0 = no ROI")
    parser.add_argument("--sectors", type=positive_int, default=1, help="azimuthal sectors per q-ring (default 1)")
    parser.add_argument("--distance", type=float, metavar="M",
                        help="sample-detector distance in m (default: the file's, else 8 m)")
    parser.add_argument("--pixel-size", type=float, metavar="M",
                        help="pixel pitch in m (default: the file's, else 55e-6 m = 55 um)")
    parser.add_argument("--wavelength", type=float, metavar="M",
                        help="x-ray wavelength in m (default: the file's, else 1.127e-10 m = 1.127 A, 11 keV)")
    parser.add_argument("--beam-center", type=float, nargs=2, metavar=("ROW", "COL"),
                        help="direct beam in pixels (default: the file's, else the detector's centre)")
    parser.add_argument("--frame-time", type=float, metavar="S",
                        help="seconds per frame, written into the result (default: the file's, else none)")
    parser.add_argument("--dataset", help="the frame stack's path inside an HDF5 file, e.g. /entry/data/data")
    parser.add_argument("--form", default="ratio", choices=("ratio", "paper", "paper_per_pixel"),
                        help="the C2 form: ratio (APS, baseline 1; default), paper (the AI-NERD paper's "
                             "eq. 1-2, baseline 0), paper_per_pixel (each pixel's own time mean)")
    parser.add_argument("--bin-frames", type=positive_int, default=1, metavar="N",
                        help="sum N frames into one first; the maps are N^2 times smaller (default 1)")
    parser.add_argument("--crop-size", type=int, default=CROP_SIZE, metavar="S",
                        help=f"refuse maps shorter than S frames after binning: the crops classify and similar "
                             f"cut (default {CROP_SIZE}, the published model's; 0 writes maps of any length)")
    parser.add_argument("--layout", default="new", choices=("new", "legacy"), help="APS file layout (default new)")
    parser.set_defaults(run=run_c2)


# ------------------------------------------------------------------ reading


def _open_stack(path: Path, dataset: str | None, handles: list):
    """The stack of ``path`` without reading it: a memory-mapped array or an h5py Dataset.

    An opened HDF5 file is appended to ``handles`` (the caller closes it).
    """
    import h5py
    import numpy as np

    from ..io import file_kind

    if file_kind(path) == "npy":
        return np.load(path, allow_pickle=False, mmap_mode="r")
    f = h5py.File(path, "r")
    handles.append(f)
    name = dataset or _only_stack(f, path)
    if name not in f:
        raise KeyError(f"{path.name} has no dataset {name!r} (--dataset)")
    item = f[name]
    if not isinstance(item, h5py.Dataset):
        stacks = _stacks_in(item)
        raise ValueError(f"--dataset {name} is a group in {path.name}, not a frame stack; "
                         f"its 3-D datasets: {', '.join(stacks) if stacks else 'none'}")
    return item


def _stacks_in(group) -> list[str]:
    import h5py

    stacks = []
    group.visititems(lambda name, item: stacks.append(item.name)
                     if isinstance(item, h5py.Dataset) and item.ndim == 3 else None)
    return stacks


def _only_stack(f, path: Path) -> str:
    stacks = _stacks_in(f)
    if len(stacks) != 1:
        raise ValueError(f"{path.name} must hold exactly one 3-D dataset, or name it with --dataset; "
                         f"it holds {stacks or 'none'}")
    return stacks[0]


def _check_stack(stack, path: Path) -> tuple[int, int, int]:
    shape = tuple(stack.shape)
    if len(shape) != 3:
        raise ValueError(f"the frames in {path.name} must be a stack (T, H, W), got shape {shape}")
    return shape


def read_frames(path, dataset: str | None = None):
    """The frame stack (T, H, W) of a ``.npy`` file (no pickle, memory-mapped) or an HDF5 file."""
    import numpy as np

    from ..validation import check_array

    path, handles = Path(path), []
    try:
        stack = _open_stack(path, dataset, handles)
        _check_stack(stack, path)
        frames = stack if isinstance(stack, np.ndarray) else stack[()]  # a memory map is read as it is used
    finally:
        for handle in handles:
            handle.close()
    return check_array(frames, f"the frames in {path.name}", ndim=3, kind="real", finite=False)


# ------------------------------------------------------------------ ROIs and geometry


def resolve_geometry(arguments, path: Path) -> dict[str, tuple[object, str]]:
    """Each of distance, pixel_size, wavelength, beam_center, frame_time: (value, "flag" / "file" / "default")."""
    from ..geometry import stored_geometry

    stored = stored_geometry(path)
    resolved = {}
    for name in ("distance", "pixel_size", "wavelength", "beam_center", "frame_time"):
        flag = getattr(arguments, name)
        if flag is not None:
            resolved[name] = (tuple(flag) if name == "beam_center" else flag, "flag")
        elif name in stored:
            resolved[name] = (stored[name], "file")
        else:
            resolved[name] = (DEFAULTS.get(name), "default")
    return resolved


def roi_labels(arguments, shape: tuple[int, int], geometry: dict | None = None):
    """(labels (H, W) numbered 1..n without gaps, q (n,) nm^-1 or None, phi (n,) deg or None, q range or None).

    ``geometry`` is :func:`resolve_geometry`'s answer (default: flags and defaults only).
    """
    import numpy as np

    from ..correlation import azimuth_map, q_map, roi_partition, roi_table
    from ..geometry import Detector
    from ..validation import check_array

    if arguments.labels is not None:
        labels = check_array(np.load(arguments.labels, allow_pickle=False), "--labels", ndim=2, kind="integer")
        if labels.shape != tuple(shape):
            raise ValueError(f"--labels must have the frames' shape {tuple(shape)}, got {labels.shape}")
        return _compact(labels), None, None, None
    values = {name: value for name, (value, _) in (geometry or {}).items()}
    for name, default in DEFAULTS.items():
        flag = getattr(arguments, name)
        values[name] = flag if flag is not None else values.get(name, default)
    beam = getattr(arguments, "beam_center", None)
    beam = tuple(beam) if beam is not None else values.get("beam_center")
    detector = Detector(shape=shape, pixel_size=values["pixel_size"], distance=values["distance"],
                        wavelength=values["wavelength"], beam_center=beam)
    q, phi = q_map(detector), azimuth_map(detector)
    labels = _compact(roi_partition(q, phi, arguments.q_edges, n_sectors=arguments.sectors))
    table = roi_table(labels, q, phi)
    in_rois = q[labels > 0]
    return labels, table["q_mean"], table["phi_mean"], (float(in_rois.min()), float(in_rois.max()))


def _compact(labels):
    """Labels renumbered 1..n in order, skipping labels without pixels; 0 and below stay 0.

    Memory follows the pixels, not the largest label (a label of 10**12 is fine).

    >>> import numpy as np
    >>> _compact(np.array([[0, 7], [10**12, 7]])).tolist()
    [[0, 1], [2, 1]]
    """
    import numpy as np

    present, inverse = np.unique(labels, return_inverse=True)
    if not np.any(present > 0):
        raise ValueError("the ROIs hold no pixel of the detector; check --q-edges, the geometry or --labels")
    numbers = np.cumsum(present > 0).astype(np.int32) * (present > 0)  # 1..n for the positive labels
    return numbers[inverse.reshape(labels.shape)]


# ------------------------------------------------------------------ one stack


def frames_to_aps(path, arguments, target: Path | None = None) -> tuple[Path, list[str]]:
    """One frame stack to ``target`` (default ``OUT/<stem>_results.h5``).

    Returns the file written and the lines of its report (ROIs, q range, geometry).
    Refuses, before reading the frames, a map that will not fit in memory or is
    shorter than ``--crop-size``.
    """
    import warnings

    import numpy as np

    from ..aps import write_aps_result
    from ..correlation import two_time
    from ..validation import check_array
    from .memory import check_fits

    path = Path(path)
    target = arguments.out / f"{path.stem}_results.h5" if target is None else target
    geometry = resolve_geometry(arguments, path)
    handles = []
    try:
        stack = _open_stack(path, arguments.dataset, handles)
        n_frames, height, width = _check_stack(stack, path)
        labels, q, phi, q_range = roi_labels(arguments, (height, width), geometry)
        _check_length(n_frames, arguments)
        roi_pixels = np.bincount(labels.ravel())[1:].tolist()
        in_memory = 0 if isinstance(stack, np.ndarray) else n_frames * height * width * stack.dtype.itemsize
        check_fits(n_frames, roi_pixels, bin_frames=arguments.bin_frames, frame_itemsize=stack.dtype.itemsize,
                   frames_in_memory_bytes=in_memory)
        frames = stack if isinstance(stack, np.ndarray) else stack[()]
    finally:
        for handle in handles:
            handle.close()
    frames = check_array(frames, f"the frames in {path.name}", ndim=3, kind="real", finite=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RuntimeWarning)
        c2 = two_time(frames, labels, form=arguments.form, bin_frames=arguments.bin_frames)
    del frames
    stored = {name: value for name, (value, source) in geometry.items()
              if value is not None and (source != "default" or arguments.q_edges is not None)}
    stored = {("x_pixel_size" if name == "pixel_size" else name): value for name, value in stored.items()}
    if arguments.q_edges is not None and "beam_center" not in stored:
        stored["beam_center"] = ((height - 1) / 2.0, (width - 1) / 2.0)
    write_aps_result(target, c2, layout=arguments.layout, q=q, phi=phi, geometry=stored)
    report = _report(c2.shape, n_frames, arguments, q_range, geometry, (height, width))
    for warning in caught:  # two_time gives one per call: one line per file
        print(f"{WARNING_PREFIX} {path}: {warning.message}", file=sys.stderr)
    return target, report


def _check_length(n_frames: int, arguments) -> None:
    n_out = n_frames // arguments.bin_frames
    if arguments.crop_size and n_out < arguments.crop_size:
        raise ValueError(f"{n_frames} frames with --bin-frames {arguments.bin_frames} give maps of {n_out} frames, "
                         f"shorter than the {arguments.crop_size}-frame crops classify and similar cut; record at "
                         f"least {arguments.crop_size * arguments.bin_frames} frames, or pass --crop-size 0 to "
                         "write the maps anyway")


def _report(shape, n_frames: int, arguments, q_range, geometry, frame_shape) -> list[str]:
    n_roi, n_out = shape[0], shape[1]
    if arguments.q_edges is not None:
        rois = (f"{_count(n_roi, 'ROI')} with pixels of {_count(len(arguments.q_edges) - 1, 'q-ring')} x "
                f"{_count(arguments.sectors, 'sector')}, q {q_range[0]:.4g} to {q_range[1]:.4g} nm^-1")
    else:
        rois = f"{_count(n_roi, 'ROI')} from {arguments.labels}"
    lines = [f"  {rois}; {n_frames} frames -> maps of {n_out} x {n_out}"]
    if arguments.q_edges is None:
        parts = []
    else:
        parts = [f"distance {_value(geometry, 'distance', 'm')}",
                 f"pixel {_value(geometry, 'pixel_size', 'm')}",
                 f"wavelength {_value(geometry, 'wavelength', 'm')}"]
        beam, source = geometry["beam_center"]
        centre = beam if beam is not None else ((frame_shape[0] - 1) / 2.0, (frame_shape[1] - 1) / 2.0)
        parts.append(f"beam centre ({centre[0]:.6g}, {centre[1]:.6g}) px ({source if beam is not None else 'default: the centre'})")
    frame_time, source = geometry["frame_time"]
    parts.append(f"frame time {frame_time:.6g} s ({source})" if frame_time is not None else "frame time none")
    lines.append("  " + ", ".join(parts))
    return lines


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _value(geometry, name: str, unit: str) -> str:
    value, source = geometry[name]
    return f"{value:.6g} {unit} ({source})"


def run_c2(arguments) -> int:
    """The ``c2`` command: every stack in turn; 1 when any failed."""
    from ..atomic import check_distinct_outputs

    if arguments.crop_size < 0:
        raise ValueError(f"--crop-size must be 0 (no check) or a crop side in frames, got {arguments.crop_size}")
    targets = {path: arguments.out / f"{Path(path).stem}_results.h5" for path in arguments.frames}
    check_distinct_outputs(arguments.frames, [targets[path] for path in arguments.frames], name="frames")
    results, failed = run_batch(arguments.frames, lambda path: frames_to_aps(path, arguments, targets[path]),
                                desc="c2")
    for path, (target, report) in results:
        print(f"{path} -> {target}")
        print("\n".join(report))
    return 1 if failed else 0
