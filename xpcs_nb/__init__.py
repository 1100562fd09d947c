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
    aps/          APS 8-ID-I result files (a beamline's C2): read, write, crops
    paper.py      the paper's published files (weights, latents, rheometer table)
       |  crops (N, 256, 256) in [0, 1]
       v
    model.py      the published autoencoder (and the four-stage text variant)
    train/        training: config, precision, checkpoints, the loop
    pipeline.py   a preset's crops, augmented sets and trained model, cached
       |  encoder
       v
    latent/       encoding, k-means and knee, ordering by relaxation, scores, search
    evaluation/   can a method tell the classes apart? every feature set side by side
       |  labels, latents
       v
    rheology/     class fractions over time, stress minima, their alignment

Beside the flow: ``plotting/`` and ``widgets.py`` (every figure and explorer the
chapters share), ``presets.py`` (the fast / class / paper sizes), ``geometry.py``
(the detector), ``paths.py`` (where data goes), ``validation.py`` (one set of input
rules) and ``atomic.py`` (files written whole or not at all).

Notebooks import from here; nothing here imports a notebook.
"""

__version__ = "0.1.0"
