"""Every method side by side, on one evaluation set or across a photon-rate sweep.

The sweep runs from bright (10 photons per pixel per frame, about the paper's real
crop) to dim (0.1), where the shot-noise lift of the diagonal is forty times the
speckle contrast (see :mod:`xpcs_nb.evaluation.diagonal`). Scored with
``diagonal="keep"`` and again with ``"neighbours"``, it shows where each method
breaks, and how much of that is the diagonal's doing rather than the noise.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd
import torch

from ..presets import Preset, as_preset
from .data import EVALUATION_SEED, EvaluationSet, evaluation_set
from .features import method_features
from .table import FAMILIES, method_table

__all__ = ["SWEEP_PHOTONS", "compare_methods", "noise_sweep"]

SWEEP_PHOTONS = (10.0, 1.0, 0.3, 0.1)


def compare_methods(data: EvaluationSet, trained: torch.nn.Module | Sequence[torch.nn.Module], *,
                    trained_at_rate=None, untrained_seeds=(0, 1, 2), kmeans_seeds=range(5), k=10,
                    families=FAMILIES, n_init=10, **classical) -> pd.DataFrame:
    """The tidy score table (:func:`method_table`) of every method on ``data``.

    ``trained`` is the encoder to evaluate, or several (one per training seed);
    ``trained_at_rate`` (optional) the same trained further at ``data``'s photon rate;
    ``classical`` goes to :func:`classical_features` (``pca_components``,
    ``pixel_block``, ``seed``).

    >>> from xpcs_nb.evaluation import load_evaluation_set
    >>> from xpcs_nb.library import LibrarySpec
    >>> from xpcs_nb.model import Autoencoder
    >>> import tempfile
    >>> spec = LibrarySpec(n_per_class=2, n_frames=64, crop_size=64, crops_per_c2=1, method="analytic",
    ...                    photons_per_pixel=10.0)
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     data = load_evaluation_set(spec, folder, diagonal="neighbours")
    >>> _ = torch.manual_seed(0)
    >>> net = Autoencoder(latent_size=8, encoder_channels=(4, 4, 4), decoder_channels=(4, 4, 4),
    ...                   pool=2, image_size=64)
    >>> table = compare_methods(data, net, untrained_seeds=[0], kmeans_seeds=[0], k=1, n_init=1)
    >>> table.groupby("method", sort=False).size().to_dict()
    {'trained': 3, 'untrained': 3, 'pca': 3, 'pixels': 3, 'relaxation_time': 3, 'chance': 2}
    """
    if not isinstance(data, EvaluationSet):
        raise TypeError(f"data must be an EvaluationSet, got {type(data).__name__}")
    runs = method_features(data.crops, trained, untrained_seeds=untrained_seeds, trained_at_rate=trained_at_rate,
                           profiles=data.profiles, **classical)
    return method_table(runs, data.labels, photons_per_pixel=data.photons_per_pixel, diagonal=data.diagonal,
                        groups=data.groups, kmeans_seeds=kmeans_seeds, k=k, families=families, n_init=n_init)


def noise_sweep(preset: Preset | str, trained, *, photons=None, diagonal: str, seed=EVALUATION_SEED,
                n_per_class=None, trained_at_rate: Mapping | None = None, **options) -> pd.DataFrame:
    """:func:`compare_methods` on the preset's evaluation set at every photon rate, one table.

    ``photons`` defaults to the preset's ``eval_photons`` (the full sweep is
    :data:`SWEEP_PHOTONS`); ``trained_at_rate`` maps a photon rate to the encoder(s)
    trained at it (rates it lacks get no such rows); ``options`` go to
    :func:`compare_methods`. Each rate's library is built the first time and reused
    after (see :func:`evaluation_set`).

    >>> from xpcs_nb import paper
    >>> table = noise_sweep("fast", paper.load_model(), diagonal="neighbours")  # doctest: +SKIP
    """
    if photons is None:
        photons = as_preset(preset).eval_photons
    if trained_at_rate is not None and not isinstance(trained_at_rate, Mapping):
        raise TypeError(f"trained_at_rate must map photon rates to models, got {type(trained_at_rate).__name__}")
    matched = {} if trained_at_rate is None else {float(rate): models for rate, models in trained_at_rate.items()}
    tables = [compare_methods(evaluation_set(preset, rate, diagonal=diagonal, seed=seed, n_per_class=n_per_class),
                              trained, trained_at_rate=matched.get(float(rate)), **options)
              for rate in photons]
    return pd.concat(tables, ignore_index=True)
