"""The command line: ``python -m xpcs_nb COMMAND ...``, also installed as ``xpcs-nb``.

Four commands; the first three work over a batch of files::

    xpcs-nb c2 movie.npy --q-edges 0.02 0.025 0.03 --sectors 6 --out results/
        frame stacks (T, H, W) -> APS-layout result files (one per stack)
    xpcs-nb classify results/*.h5 maps.npy --model published --out classes/
        maps -> classes.csv (file, roi, class, distances) and classes.png
    xpcs-nb similar results/*.h5 --space my_space/ --neighbours 5 --out similar/
        maps -> neighbours.csv (the nearest reference crops) and neighbours.png
    xpcs-nb train --data crops.npy --checkpoint-dir runs/mine
        scaled crops (N, S, S) -> a trained autoencoder (also ``python -m xpcs_nb.train``)

A file that cannot be read or used prints one line ``xpcs-nb: error: FILE: why`` on
stderr; the other files are still processed, and the command then exits with status 1
(status 2: wrong arguments). Every output file is written whole or not at all
(:func:`xpcs_nb.atomic.atomic_path`). ``python -m xpcs_nb COMMAND --help`` lists the
options; it answers without importing numpy, h5py or torch (each command imports
what it needs when it runs).

One file per command: :mod:`.c2_command`, :mod:`.classify` (``classify`` and ``similar``) and
:mod:`.train`;
:mod:`.batch` runs a function over files with a progress bar and error lines,
:mod:`.memory` checks that ``c2``'s maps fit, :mod:`.trust` checks the maps
``classify`` and ``similar`` are given.
"""

from __future__ import annotations

import argparse
import sys
from importlib import import_module

from .batch import ERROR_PREFIX, WARNING_PREFIX, positive_int, run_batch
from .c2_command import DEFAULTS, add_c2_command, frames_to_aps, read_frames, roi_labels
from .classify import DESCRIPTION, MAX_SHOWN, add_classify_commands, load_space
from .memory import available_bytes, c2_peak_bytes, check_fits, format_bytes
from .train import PROG, add_train_command

# names whose module imports numpy, imported on first use so that --help stays light
_LAZY = {"FAR": "trust", "FLAT": "trust", "map_doubts": "trust", "far_doubt": "trust"}

__all__ = ["build_parser", "main",
           "add_c2_command", "add_classify_commands", "add_train_command", "PROG",
           "ERROR_PREFIX", "WARNING_PREFIX", "positive_int", "run_batch",
           "DEFAULTS", "read_frames", "roi_labels", "frames_to_aps",
           "DESCRIPTION", "MAX_SHOWN", "load_space",
           "available_bytes", "c2_peak_bytes", "check_fits", "format_bytes",
           *_LAZY]


def __getattr__(name: str):
    """The names of ``_LAZY``, imported from their module on first use (PEP 562)."""
    if name in _LAZY:
        return getattr(import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def build_parser() -> argparse.ArgumentParser:
    """The ``xpcs-nb`` argument parser, one sub-command per task."""
    parser = argparse.ArgumentParser(
        prog="xpcs-nb", description="XPCS two-time maps to classes with the AI-NERD autoencoder.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add_c2_command(commands)
    add_classify_commands(commands)
    add_train_command(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 all files done, 1 some failed).

    ``argv`` as the shell would split it, without the program name (default
    ``sys.argv[1:]``). Wrong arguments end in ``SystemExit(2)``, as argparse does.

    >>> import tempfile, pathlib
    >>> import numpy as np
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> np.save(folder / "movie.npy", np.random.default_rng(0).poisson(4.0, (20, 32, 32)))
    >>> main(["c2", str(folder / "movie.npy"), "--q-edges", "0.001", "0.004", "--crop-size", "0",
    ...       "--out", str(folder)])  # doctest: +ELLIPSIS
    /.../movie.npy -> /.../movie_results.h5
      1 ROI with pixels of 1 q-ring x 1 sector, q 0.001117 to 0.003881 nm^-1; 20 frames -> maps of 20 x 20
      distance 8 m (default), pixel 5.5e-05 m (default), wavelength 1.127e-10 m (default), beam centre (15.5, 15.5) px (default: the centre), frame time none
    0
    """
    arguments = build_parser().parse_args(argv)
    try:
        return arguments.run(arguments)
    except Exception as error:  # set-up failed (no model, a bad --space): one line, not a traceback
        print(f"{ERROR_PREFIX} {type(error).__name__}: {error}", file=sys.stderr)
        return 1
