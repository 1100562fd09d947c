"""The book's synthetic C2 library: labelled large C2, cut into crops, stored once.

Chapter 2 builds it; chapters 3 to 6 load the same file. A library is fixed by a
:class:`LibrarySpec` (how many C2 per class, their size, the seed) and lives in
``data/generated/<preset>/`` under a name that spells out that spec, so a rerun of
any chapter finds it instead of rebuilding it::

    from xpcs_nb.library import library_store
    path = library_store("fast", seed=0)            # builds it the first time
    crops, metadata = dataset.load_crop_store(path)  # crops (N, 256, 256) in [0, 1]

Each large C2 comes from :func:`xpcs_nb.scenarios.scenario_c2` for one of the seven
labels (rate classes 0-4, heterodyne, avalanche), seen through a random one of the
paper's 18 sectors; the store keeps its truth beside every crop.

Not every decay is a simple exponential with Gamma ∝ q^2 (Brownian motion).  In each
label, ``compressed_fraction`` of the C2 (rounded to a whole number of C2, chosen at
random from the seed) decay as a compressed exponential, g1 = exp(-(Gamma tau) **
alpha) with alpha drawn per C2 from :data:`COMPRESSED_EXPONENTS` (labels 0-5; the
simulator cannot combine it with avalanches), and, chosen independently,
``ballistic_fraction`` relax at a rate proportional to q instead of q^2 (all
labels).  Both are the signature of stress-driven rearrangements in colloidal
glasses and gels.  The truth columns ``kww_exponent`` (1 for a simple exponential)
and ``q_exponent`` (2 diffusive, 1 ballistic) say which C2 are which; the label keeps
its meaning (the rate at the sector's mean q is drawn as for any other C2).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from . import dataset, scenarios
from .paths import generated_dir
from .presets import Preset, as_preset
from .validation import check_bool, check_choice, check_int, check_real, check_seed

__all__ = ["LibrarySpec", "LibraryMaps", "truth_record", "build_library", "library_store", "spec_store", "LIBRARY_VERSION",
           "COMPRESSED_EXPONENTS", "COMPRESSED_LABELS", "BALLISTIC_LABELS"]

N_LABELS = len(scenarios.CLASS_NAMES)

LIBRARY_VERSION = 2
"""Part of every store's file name: a change to what a spec generates bumps it, so a
cache built by an older version is rebuilt, never read as this one's (2: compressed and
ballistic C2, the ``kww_exponent`` and ``q_exponent`` truth columns)."""

COMPRESSED_EXPONENTS = (1.3, 1.7)
"""Range of the KWW exponent alpha of a compressed C2 (uniform); about 1.5 is what
colloidal gels and glasses usually show."""

COMPRESSED_LABELS = tuple(range(scenarios.AVALANCHE))
"""Labels that take a compressed decay: the rate classes and heterodyne (not avalanche)."""

BALLISTIC_LABELS = tuple(range(N_LABELS))
"""Labels that take ballistic (Gamma ∝ q) dynamics: all."""


@dataclass(frozen=True)
class LibrarySpec:
    """What a library holds.

    Attributes
    ----------
    n_per_class : int
        Large C2 per label (7 labels: rate classes 0-4, heterodyne, avalanche).
    n_frames : int
        Frames T of each large C2 (the paper: 5000).
    crops_per_c2 : int
        Diagonal crops cut from each (the paper: 2).
    crop_size : int
        Crop side S (the paper: 256).
    method : {"movie", "analytic"}
        How each C2 is made (see :mod:`xpcs_nb.scenarios`): simulated photons
        correlated, or the expected C2 plus white noise.
    photons_per_pixel : float
        Mean counts per pixel per frame. The Poisson shot noise lifts the diagonal of
        a ratio-form C2 by ``1 / photons_per_pixel``; at 10 that lift is 0.4 times the
        contrast (0.25), so the diagonal stands out of the band as it does in the
        paper's published real crop. At 1 photon the diagonal would dominate every
        scaled crop.
    compressed_fraction : float
        Share in [0, 1] of each label's C2 (labels :data:`COMPRESSED_LABELS`) with a
        compressed decay, KWW exponent drawn from :data:`COMPRESSED_EXPONENTS`;
        ``round(compressed_fraction * n_per_class)`` C2 per label.
    ballistic_fraction : float
        Share in [0, 1] of each label's C2 with ballistic dynamics (Gamma ∝ q),
        chosen independently of the compressed ones; rounded the same way.
    seed : int
        Fixes the labels' order, the sectors, the dynamics, the noise and the crops.
    """

    n_per_class: int
    n_frames: int
    crops_per_c2: int = 2
    crop_size: int = 256
    method: str = "movie"
    photons_per_pixel: float = 10.0
    seed: int = 0
    compressed_fraction: float = 0.25
    ballistic_fraction: float = 0.25

    def __post_init__(self) -> None:
        # A frozen dataclass: the checked values (numpy integers made ints) are set
        # through object.__setattr__, so equal specs compare and hash equal.
        checked = {name: check_int(getattr(self, name), name, minimum=1)
                   for name in ("n_per_class", "crops_per_c2", "crop_size")}
        checked["n_frames"] = check_int(self.n_frames, "n_frames", minimum=checked["crop_size"],
                                        context=" (crop_size)")
        checked["method"] = check_choice(self.method, "method", ("movie", "analytic"))
        checked["photons_per_pixel"] = check_real(self.photons_per_pixel, "photons_per_pixel",
                                                  minimum=0, include_min=False)
        checked["seed"] = check_seed(self.seed)
        for name in ("compressed_fraction", "ballistic_fraction"):
            checked[name] = check_real(getattr(self, name), name, minimum=0.0, maximum=1.0)
        for name, value in checked.items():
            object.__setattr__(self, name, value)

    @classmethod
    def from_preset(cls, preset: Preset | str, seed: int = 0) -> "LibrarySpec":
        """The library a preset asks for (``Preset.library_per_class``, ``c2_frames``, ...)."""
        p = as_preset(preset)
        return cls(n_per_class=p.library_per_class, n_frames=p.c2_frames, crops_per_c2=p.crops_per_c2,
                   crop_size=p.crop_size, method=p.library_method, seed=seed)

    @property
    def n_c2(self) -> int:
        """Number of large C2 in the library (``n_per_class`` x 7 labels)."""
        return self.n_per_class * N_LABELS

    @property
    def file_name(self) -> str:
        """The store's file name; it spells out the spec, so another spec gets another file."""
        return (f"library_v{LIBRARY_VERSION}_{self.method}_{self.n_per_class}x{N_LABELS}_T{self.n_frames}"
                f"_S{self.crop_size}x{self.crops_per_c2}_ph{self.photons_per_pixel:g}"
                f"_kww{self.compressed_fraction:g}_bal{self.ballistic_fraction:g}_seed{self.seed}.h5")


class LibraryMaps(Sequence):
    """The large C2 of a library, made one at a time when indexed.

    ``maps[i]`` is ``c2 (T, T)`` float32 in the ratio form; ``maps.truth(i)`` its
    :class:`~xpcs_nb.scenarios.C2Truth`, known without making the map. Nothing is
    kept in memory, so a library of thousands of 5000-frame maps can be streamed
    into a crop store.  ``kww_exponents (n_c2,)`` and ``q_exponents (n_c2,)`` say
    which maps are compressed and which ballistic (drawn from a stream of the seed
    of their own: the labels, sectors and item seeds are those of version 1).
    """

    def __init__(self, spec: LibrarySpec):
        self.spec = _checked_spec(spec)
        rng = np.random.default_rng(spec.seed)
        self.labels = rng.permutation(np.repeat(np.arange(N_LABELS), spec.n_per_class))
        self.sectors = rng.integers(0, 18, size=spec.n_c2)
        self.item_seeds = np.random.SeedSequence(spec.seed).generate_state(spec.n_c2).tolist()
        shapes = np.random.default_rng(np.random.SeedSequence(spec.seed).spawn(1)[0])
        self.kww_exponents = _drawn_per_label(shapes, self.labels, COMPRESSED_LABELS, spec.compressed_fraction,
                                              COMPRESSED_EXPONENTS, plain=1.0)
        self.q_exponents = _drawn_per_label(shapes, self.labels, BALLISTIC_LABELS, spec.ballistic_fraction,
                                            (1.0, 1.0), plain=2.0)

    def __len__(self) -> int:
        return self.spec.n_c2

    def _arguments(self, index: int) -> dict:
        index = check_int(index, "index")
        if not 0 <= index < len(self):
            raise IndexError(f"index must be in [0, {len(self)}), got {index}")
        return dict(label=int(self.labels[index]), n_frames=self.spec.n_frames, seed=self.item_seeds[index],
                    method=self.spec.method, roi=scenarios.SectorROI(sector=int(self.sectors[index])),
                    photons_per_pixel=self.spec.photons_per_pixel,
                    kww_exponent=float(self.kww_exponents[index]), q_exponent=float(self.q_exponents[index]))

    def __getitem__(self, index: int) -> np.ndarray:
        c2, _ = scenarios.scenario_c2(**self._arguments(index))
        return c2

    def truth(self, index: int) -> scenarios.C2Truth:
        """What map ``index`` is made from (label, rates, q, sector, seed, ...); cheap."""
        return scenarios.scenario_truth(**self._arguments(index))


def _drawn_per_label(rng: np.random.Generator, labels: np.ndarray, eligible, fraction: float, value_range,
                     plain: float) -> np.ndarray:
    """(n_c2,) float: ``plain`` except for ``round(fraction * n)`` random C2 of each eligible label
    (``n`` its C2), which get a value uniform in ``value_range``."""
    values = np.full(labels.size, plain)
    for label in eligible:
        members = np.flatnonzero(labels == label)
        chosen = rng.choice(members, size=int(np.floor(fraction * members.size + 0.5)), replace=False)
        values[np.sort(chosen)] = rng.uniform(*value_range, size=chosen.size)
    return values


def truth_record(truth: scenarios.C2Truth) -> dict:
    """A C2Truth as one flat, storable row: tuples become text, None becomes NaN."""
    if not isinstance(truth, scenarios.C2Truth):
        raise TypeError(f"truth must be a scenarios.C2Truth, got {type(truth).__name__}")
    row = truth.as_dict()
    row["avalanche_times"] = " ".join(f"{t:.6g}" for t in row["avalanche_times"])
    row["fringe_period"] = np.nan if row["fringe_period"] is None else row["fringe_period"]
    row["window"] = -1 if row["window"] is None else row["window"]
    return row


def build_library(spec: LibrarySpec, path) -> pd.DataFrame:
    """Make every large C2 of ``spec``, cut and scale its crops, store them at ``path``.

    Written atomically (see :func:`xpcs_nb.dataset.build_crop_store`); returns the
    metadata table, one row per crop. Every C2 is its own experiment for the split.
    """
    maps = LibraryMaps(_checked_spec(spec))
    truths = [truth_record(maps.truth(i)) for i in range(len(maps))]
    return dataset.build_crop_store(maps, truths, path, seed=spec.seed, crops_per_c2=spec.crops_per_c2,
                                    crop_size=spec.crop_size, experiment_key=None)


def library_store(preset: Preset | str, seed: int = 0, *, rebuild: bool = False, verbose: bool = True) -> Path:
    """Path of the preset's library store, building it when missing (or ``rebuild``)."""
    p = as_preset(preset)
    return spec_store(LibrarySpec.from_preset(p, seed=seed), generated_dir(p.name), rebuild=rebuild, verbose=verbose)


def spec_store(spec: LibrarySpec, directory, *, rebuild: bool = False, verbose: bool = False) -> Path:
    """Path of the store of ``spec`` in ``directory`` (named :attr:`LibrarySpec.file_name`),
    built atomically when missing (or ``rebuild``); ``verbose`` prints what was built and how long it took."""
    spec = _checked_spec(spec)
    rebuild, verbose = check_bool(rebuild, "rebuild"), check_bool(verbose, "verbose")
    path = Path(directory) / spec.file_name
    if rebuild or not path.exists():
        started = time.perf_counter()
        metadata = build_library(spec, path)
        if verbose:
            print(f"built {path.name}: {spec.n_c2} C2 of {spec.n_frames} frames -> {len(metadata)} crops "
                  f"in {time.perf_counter() - started:.0f} s")
    return path


def _checked_spec(spec) -> LibrarySpec:
    if not isinstance(spec, LibrarySpec):
        raise TypeError(f"spec must be a LibrarySpec, got {type(spec).__name__}")
    return spec

