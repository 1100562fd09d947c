"""xpcs_nb: the helper package of the AI-NERD XPCS + machine-learning book.

The package follows the data, from a speckle movie to classes beside the rheometer.
The map is drawn from the code: read top to bottom, each part imports (at the top of
its files) only parts on the rows above it; ``tests/test_package_faces.py`` checks
that, and that every part is on the map::

    validation.py  one set of input rules, named errors
    atomic.py      files written whole or not at all
    paths.py       where data goes
    presets.py     the fast / class_cpu / class / paper sizes, the rule that picks one
    geometry.py    the detector and q
    io.py          the files read, by suffix: frame stacks, stored arrays, two-time maps
       |
    simulate/      speckle movies with known dynamics (rate laws, Dynamics, the movie)
    correlation/   ROI maps, two-time C2, multi-tau g2, diagonal means, KWW fit
    scenarios/     labelled C2 with known truth, the synthetic rheo-XPCS run
       |  c2 (n_roi, T, T) + truth
       v
    dataset/       diagonal crops, scaling, the HDF5 store, the split, augmentation
    library.py     the synthetic C2 library of a preset, cached
    aps/           APS 8-ID-I result files (a beamline's C2): read, write
    prepare.py     any map (T, T) or (n_roi, T, T) to scaled crops and their table
       |  crops (N, 256, 256) in [0, 1]
       v
    model.py       the published autoencoder (and the four-stage text variant)
    paper.py       the paper's published files (weights, latents, rheometer table)
    train/         training: config, runtime, checkpoints, the loop, several processes
    pipeline.py    a preset's crops, augmented sets and trained model, cached
       |  encoder
       v
    latent/        encoding, k-means and knee, ordering by relaxation, scores, search,
                   LatentSpace (a model with classified references, saved whole)
    words/         every sentence a chapter builds from its numbers, the verdicts' rule
    evaluation/    can a method tell the classes apart? every feature set side by side
    parallel/      C2 and latents of many files as Dask tasks, here or on a cluster
       |  labels, latents
       v
    rheology/      class fractions over time, stress minima, their alignment
    plotting/      every figure the chapters share
    chapter.py     each chapter's banner and pipeline strip
    checks.py      the fill-in exercises' checks
    widgets.py     the explorers of latent space
    speckle_widget.py  the speckle movie with its sliders (chapter 1)
    cli/           the command line: c2, classify, similar, train

Three arrows go up the map, each where it cannot make a circle at import time:
``words/`` reads ``evaluation/``'s table columns inside its functions (``evaluation/``
imports ``words/`` at the top); ``train/__main__.py`` (``python -m xpcs_nb.train``)
runs the ``train`` command of ``cli/``, which imports ``train/`` only when it runs; and
``io.py`` reads an APS result file's maps with ``aps/`` inside ``read_maps`` (the frame
readers ``correlation/`` imports stay free of pandas).

Beyond one process: ``parallel/`` (Dask) and ``torchrun -m xpcs_nb.train`` (training
on several GPUs, :mod:`xpcs_nb.train.distributed`).

Notebooks import from here; nothing here imports a notebook.

The small public surface, for a reader's own data (loaded when first used, so that
``import xpcs_nb`` stays light)::

    from xpcs_nb import prepare_crops, encode, decode, LatentSpace

and the command line ``python -m xpcs_nb`` (or ``xpcs-nb``) in ``cli/``: ``c2``
(frames to APS result files), ``classify`` and ``similar`` (files to a table and a
figure), ``train`` (crops to a trained autoencoder).
"""

from importlib import import_module

__version__ = "0.1.0"

# name -> the module that defines it
_PUBLIC = {
    "prepare_crops": "xpcs_nb.prepare",
    "encode": "xpcs_nb.latent.encoding",
    "decode": "xpcs_nb.latent.encoding",
    "LatentSpace": "xpcs_nb.latent.space",
}
__all__ = ["__version__", *_PUBLIC]


def __getattr__(name: str):
    """The public names above, imported on first use (PEP 562)."""
    if name in _PUBLIC:
        return getattr(import_module(_PUBLIC[name]), name)
    raise AttributeError(f"module 'xpcs_nb' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_PUBLIC))
