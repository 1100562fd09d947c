"""The evaluation data: labelled crops of a fresh library at a chosen photon rate.

One library per photon rate, all from the same seed: the same labels, sectors,
dynamics and crop positions, only the photon counts differ (the seed that draws
the dynamics is independent of the one that draws the counts, see
:func:`xpcs_nb.scenarios.scenario_c2`). A change of score along the sweep is then
the noise's doing, not a different draw of dynamics.

The seed defaults to :data:`EVALUATION_SEED`, far from the seeds the chapters train
on (0, 1, 2 ...), so a trained encoder never meets its own training crops here.
Each library is stored once under ``data/generated/<preset>/`` with a file name that
spells out its spec (:attr:`xpcs_nb.library.LibrarySpec.file_name`, photon rate
included); the diagonal treatment is applied when the crops are loaded, so both
choices share one store.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .. import dataset, library
from ..paths import generated_dir
from ..presets import Preset, as_preset
from ..scenarios import AVALANCHE
from ..validation import check_choice, check_int, check_real, check_seed
from .diagonal import DIAGONAL_CHOICES, treat_diagonal
from .relaxation import lag_profiles, unscaled_crops

__all__ = ["EVALUATION_SEED", "EvaluationSet", "crop_labels", "evaluation_spec",
           "evaluation_store", "load_evaluation_set", "evaluation_set", "stored_profiles"]

EVALUATION_SEED = 10_000


@dataclass(frozen=True)
class EvaluationSet:
    """Crops to score methods on, with their truth.

    Attributes
    ----------
    crops : ndarray (N, S, S), float32
        Each crop min-max scaled to [0, 1] after the diagonal treatment.
    labels : ndarray (N,), int
        What each crop shows (:func:`crop_labels`): 0-4 rate classes, 5 heterodyne,
        6 avalanche.
    groups : ndarray (N,), int
        The large C2 each crop was cut from; crops of one C2 share their dynamics,
        so a retrieval score must not count them as found.
    photons_per_pixel : float
        Mean counts per pixel per frame of the movies behind the C2.
    diagonal : {"keep", "neighbours"}
    metadata : DataFrame, N rows
        The store's table (truth of every crop's C2, its ``label`` among them) and
        ``crop_size``.
    profiles : ndarray (N, S/2), float64
        Each crop's lag profile in C2 units (baseline 1), lags 1 .. S/2, from the
        crop before scaling (:func:`xpcs_nb.evaluation.relaxation.lag_profiles`):
        what a fit with its baseline fixed at 1 needs.
    """

    crops: np.ndarray
    labels: np.ndarray
    groups: np.ndarray
    photons_per_pixel: float
    diagonal: str
    metadata: pd.DataFrame
    profiles: np.ndarray

    def __len__(self) -> int:
        return len(self.labels)


def _shows_avalanche(row) -> bool:
    """Whether an avalanche of the crop's C2 falls between its first and last frame."""
    first = row.window_start + row.dt * row.crop_offset
    last = first + row.dt * (row.crop_size - 1)
    return any(first < float(t) <= last for t in str(row.avalanche_times).split())


def crop_labels(metadata: pd.DataFrame) -> np.ndarray:
    """The label of what each crop shows (N,), from a crop store's metadata.

    A label belongs to a large C2, a crop sees only S of its frames. Heterodyne
    fringes run through every frame, but an avalanche happens at one instant: a crop
    whose frames miss it shows plain relaxation, and gets the rate class of its C2's
    mean rate instead of label 6 (the same rule the library applies to a whole C2,
    :func:`xpcs_nb.scenarios.scenario_truth`: avalanche only if one falls inside).

    >>> table = pd.DataFrame(dict(label=[6, 6, 2], rate_class=[3, 3, 2], crop_offset=[0, 100, 0],
    ...                           window_start=0.0, dt=0.1, avalanche_times=["5.0", "5.0", ""]))
    >>> crop_labels(table.assign(crop_size=64)).tolist()
    [6, 3, 2]
    """
    labels = metadata["label"].to_numpy(dtype=np.int64).copy()
    for i, row in enumerate(metadata.itertuples(index=False)):
        if labels[i] == AVALANCHE and not _shows_avalanche(row):
            labels[i] = row.rate_class
    return labels


def evaluation_spec(preset: Preset | str, photons_per_pixel, *, seed=EVALUATION_SEED,
                    n_per_class=None) -> library.LibrarySpec:
    """The library spec of a preset's evaluation set at one photon rate.

    ``n_per_class`` defaults to the preset's ``eval_per_class``; the rest (frames,
    crop size, crops per C2, method) is the preset's library's.

    >>> spec = evaluation_spec("fast", 0.3)
    >>> spec.n_per_class, spec.n_frames, spec.photons_per_pixel, spec.seed
    (8, 512, 0.3, 10000)
    """
    p = as_preset(preset)
    photons = check_real(photons_per_pixel, "photons_per_pixel", minimum=0, include_min=False)
    seed = check_seed(seed)
    if n_per_class is None:
        n_per_class = p.eval_per_class
    n_per_class = check_int(n_per_class, "n_per_class", minimum=1)
    return library.LibrarySpec(n_per_class=n_per_class, n_frames=p.c2_frames, crops_per_c2=p.crops_per_c2,
                               crop_size=p.crop_size, method=p.library_method, photons_per_pixel=photons,
                               seed=seed)


def evaluation_store(spec: library.LibrarySpec, directory) -> Path:
    """Path of the store of ``spec`` in ``directory``, built (atomically) when missing."""
    return library.spec_store(spec, directory)


def load_evaluation_set(spec: library.LibrarySpec, directory, *, diagonal: str) -> EvaluationSet:
    """The crops of ``spec`` (built in ``directory`` when missing), diagonal treated as asked.

    >>> import tempfile
    >>> spec = library.LibrarySpec(n_per_class=1, n_frames=32, crop_size=32, crops_per_c2=2,
    ...                            method="analytic", photons_per_pixel=1.0)
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     data = load_evaluation_set(spec, folder, diagonal="neighbours")
    >>> data.crops.shape, len(set(data.groups.tolist())), set(data.labels[data.metadata.label < 6].tolist())
    ((14, 32, 32), 7, {0, 1, 2, 3, 4, 5})
    """
    check_choice(diagonal, "diagonal", DIAGONAL_CHOICES)
    crops, metadata = dataset.load_crop_store(evaluation_store(spec, directory), mmap=False)
    metadata = metadata.assign(crop_size=spec.crop_size)
    return EvaluationSet(crops=treat_diagonal(crops, diagonal), labels=crop_labels(metadata),
                         groups=metadata["c2_index"].to_numpy(dtype=np.int64),
                         photons_per_pixel=float(spec.photons_per_pixel), diagonal=diagonal, metadata=metadata,
                         profiles=stored_profiles(crops, metadata))


def stored_profiles(crops, metadata: pd.DataFrame) -> np.ndarray:
    """Lag profiles (N, S/2) in C2 units of a store's scaled crops, from its ``raw_min``/``raw_max`` columns.

    >>> table = pd.DataFrame(dict(raw_min=[1.0], raw_max=[1.2]))
    >>> stored_profiles(np.array([[[1.0, 0.5], [0.5, 1.0]]]), table).tolist()
    [[1.1]]
    """
    return lag_profiles(unscaled_crops(np.asarray(crops), metadata["raw_min"].to_numpy(),
                                       metadata["raw_max"].to_numpy()))


def evaluation_set(preset: Preset | str, photons_per_pixel, *, diagonal: str, seed=EVALUATION_SEED,
                   n_per_class=None) -> EvaluationSet:
    """A preset's evaluation set at one photon rate, cached under its generated folder.

    >>> data = evaluation_set("fast", 1.0, diagonal="neighbours")  # doctest: +SKIP
    >>> data.crops.shape  # doctest: +SKIP
    (112, 256, 256)
    """
    p = as_preset(preset)
    spec = evaluation_spec(p, photons_per_pixel, seed=seed, n_per_class=n_per_class)
    return load_evaluation_set(spec, generated_dir(p.name), diagonal=diagonal)
