"""xpcs_nb: the helper package of the AI-NERD XPCS + machine-learning book.

The package follows the data, from a speckle movie to classes beside the rheometer;
each step imports only the steps above it::

    simulate/     speckle movies with known dynamics (rate laws, Dynamics, the movie)
    scenarios/    labelled C2 with known truth, the synthetic rheo-XPCS run
       |  frames (T, H, W) + truth
       v
    correlation/  ROI maps, two-time C2, multi-tau g2, diagonal means, KWW fit
       |  c2 (n_roi, T, T), g2
       v
    dataset/      diagonal crops, scaling, the HDF5 store, the split, augmentation
    library.py    the synthetic C2 library of a preset, cached
    aps/          APS 8-ID-I result files (a beamline's C2): read, write
    prepare.py    any map (T, T) or (n_roi, T, T) to scaled crops and their table
    paper.py      the paper's published files (weights, latents, rheometer table)
       |  crops (N, 256, 256) in [0, 1]
       v
    model.py      the published autoencoder (and the four-stage text variant)
    train/        training: config, precision, checkpoints, the loop
    pipeline.py   a preset's crops, augmented sets and trained model, cached
       |  encoder
       v
    latent/       encoding, k-means and knee, ordering by relaxation, scores, search,
                  LatentSpace (a model with classified references, saved whole)
    evaluation/   can a method tell the classes apart? every feature set side by side
       |  labels, latents
       v
    rheology/     class fractions over time, stress minima, their alignment

Beside the flow: ``words/`` (every sentence a chapter builds from its numbers, the
verdicts' rule among them), ``plotting/``, ``widgets.py`` and ``speckle_widget.py`` (every
figure and explorer the chapters share), ``presets.py`` (the fast / class_cpu / class /
paper sizes and the rule that picks one for this machine), ``chapter.py`` and ``checks.py``
(each chapter's banner and pipeline strip, the fill-in exercises' checks), ``geometry.py``
(the detector), ``paths.py`` (where data goes), ``io.py`` (the files read, by suffix: frame
stacks, stored arrays, maps), ``validation.py`` (one set of input rules) and ``atomic.py``
(files written whole or not at all).

Beyond one process: ``parallel/`` (C2 and latents of many files as Dask tasks, on
this machine or a cluster) and ``torchrun -m xpcs_nb.train`` (training on several
GPUs, :mod:`xpcs_nb.train.distributed`).

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
