"""A continuous truth: evaluation maps whose dynamics are drawn from ranges, with no gaps.

The library's rate classes have centres 4x apart and rates jittered by at most 2^±0.5,
so a factor-2 gap separates neighbouring classes: sorting them rewards structure real
data lack. Here every map draws, independently and from its own seed
(:data:`CONTINUOUS_SEED`, never trained on):

* ``Gamma dt`` (decay per frame at the sector's mean q) log-uniform over the whole
  range of the rate classes, :data:`DECAY_RANGE`;
* a q exponent (``Gamma ∝ q^n``) uniform in :data:`Q_EXPONENT_RANGE`;
* one of :data:`KINDS`, the same number of maps each: ``"plain"`` (a KWW exponent
  uniform in :data:`KWW_RANGE`, constant rate), ``"heterodyne"`` (fringes of period
  12-50 frames from a static reference with 20-50 % of the intensity, KWW exponent
  drawn as for plain), ``"avalanche"`` (1-3 avalanches inside the crop, each
  resetting 40-90 % of the grains) and ``"aging"`` (the rate falls by a factor
  e^0.5 to e^1.5 across the crop). The simulator draws a KWW exponent other than 1
  only for a stationary, avalanche-free process, so avalanche and aging maps decay
  as plain exponentials.

Each map is exactly one crop (``n_frames = crop_size``), so everything its truth says
happens inside the crop, and the map is the unit of every cross-validation and
bootstrap. The truth per crop: ``log_rate`` (log10 of the geometric-mean ``Gamma dt``
over the crop), ``kww_exponent``, ``q_exponent``, ``kind``, ``rate_class`` (the
library's class of that rate, for the secondary ARI). One store per photon rate, all
from the same seed: the same dynamics, only the photon counts differ.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .. import dataset, scenarios
from ..paths import generated_dir
from ..presets import Preset, get_preset
from ..simulate import Dynamics
from ..validation import check_choice, check_int, check_real, check_seed
from .data import EvaluationSet, stored_profiles
from .diagonal import DIAGONAL_CHOICES, treat_diagonal

__all__ = ["CONTINUOUS_SEED", "KINDS", "DECAY_RANGE", "KWW_RANGE", "Q_EXPONENT_RANGE", "ContinuousSpec",
           "continuous_truth", "continuous_spec", "continuous_store", "continuous_set"]

CONTINUOUS_SEED = 20_000
KINDS = ("plain", "heterodyne", "avalanche", "aging")
DECAY_RANGE = (scenarios.CLASS_DECAY_PER_FRAME[0] / np.sqrt(2), scenarios.CLASS_DECAY_PER_FRAME[-1] * np.sqrt(2))
KWW_RANGE = (0.8, 1.7)
Q_EXPONENT_RANGE = (1.0, 2.0)
CONTINUOUS_VERSION = 1


@dataclass(frozen=True)
class ContinuousSpec:
    """What a continuous evaluation store holds: ``n_maps`` crops of side ``crop_size``.

    ``n_maps`` is rounded up to a multiple of the number of kinds (4).
    """

    n_maps: int
    crop_size: int
    method: str = "movie"
    photons_per_pixel: float = 10.0
    seed: int = CONTINUOUS_SEED

    def __post_init__(self) -> None:
        n_maps = check_int(self.n_maps, "n_maps", minimum=len(KINDS))
        object.__setattr__(self, "n_maps", -(-n_maps // len(KINDS)) * len(KINDS))
        object.__setattr__(self, "crop_size", check_int(self.crop_size, "crop_size", minimum=8))
        object.__setattr__(self, "method", check_choice(self.method, "method", ("movie", "analytic")))
        object.__setattr__(self, "photons_per_pixel", check_real(self.photons_per_pixel, "photons_per_pixel",
                                                                 minimum=0, include_min=False))
        object.__setattr__(self, "seed", check_seed(self.seed))

    @property
    def file_name(self) -> str:
        return (f"continuous_v{CONTINUOUS_VERSION}_{self.method}_{self.n_maps}_S{self.crop_size}"
                f"_ph{self.photons_per_pixel:g}_seed{self.seed}.h5")


def _dynamics(kind: str, rng: np.random.Generator, roi: scenarios.SectorROI, n_frames: int, dt: float):
    """One map's dynamics and the truth they imply (besides the rate)."""
    decay = float(np.exp(rng.uniform(*np.log(DECAY_RANGE))))
    q_exponent = float(rng.uniform(*Q_EXPONENT_RANGE))
    kww = float(rng.uniform(*KWW_RANGE)) if kind in ("plain", "heterodyne") else 1.0
    shape = dict(q_ref=roi.q_mean, kww_exponent=kww, q_exponent=q_exponent)
    if kind == "heterodyne":
        speed = 2 * np.pi / (rng.uniform(12, 50) * dt) / roi.q_mean
        phi = np.radians(roi.azimuth_center)
        return Dynamics(rate=decay / dt, reference_fraction=rng.uniform(0.2, 0.5),
                        flow_velocity=(speed * np.cos(phi), speed * np.sin(phi)), **shape)
    if kind == "avalanche":
        end = dt * (n_frames - 1)
        times = np.sort(rng.uniform(0.1 * end, 0.9 * end, size=rng.integers(1, 4)))
        return Dynamics(rate=decay / dt, avalanche_times=tuple(times), avalanche_fraction=rng.uniform(0.4, 0.9),
                        **shape)
    if kind == "aging":
        slowing = rng.uniform(0.5, 1.5)
        rate = decay / dt * np.exp(slowing * (0.5 - np.arange(n_frames) / (n_frames - 1)))
        return Dynamics(rate=rate, **shape)
    return Dynamics(rate=decay / dt, **shape)


def continuous_truth(spec: ContinuousSpec, dt: float = 0.1) -> tuple[list[Dynamics], pd.DataFrame]:
    """The dynamics of every map and their truth table (one row per map); cheap, makes no map.

    >>> _, truth = continuous_truth(ContinuousSpec(n_maps=8, crop_size=32))
    >>> sorted(truth["kind"].value_counts().to_dict().items())
    [('aging', 2), ('avalanche', 2), ('heterodyne', 2), ('plain', 2)]
    >>> bool(truth["log_rate"].between(np.log10(DECAY_RANGE[0]), np.log10(DECAY_RANGE[1]) + 0.01).all())
    True
    """
    if not isinstance(spec, ContinuousSpec):
        raise TypeError(f"spec must be a ContinuousSpec, got {type(spec).__name__}")
    rng = np.random.default_rng(spec.seed)
    kinds = rng.permutation(np.repeat(np.array(KINDS), spec.n_maps // len(KINDS)))
    sectors = rng.integers(0, 18, size=spec.n_maps)
    item_seeds = np.random.SeedSequence(spec.seed).generate_state(spec.n_maps).tolist()
    times = dt * np.arange(spec.crop_size)
    all_dynamics, rows = [], []
    for kind, sector, item_seed in zip(kinds, sectors, item_seeds):
        roi = scenarios.SectorROI(sector=int(sector))
        dynamics = _dynamics(str(kind), np.random.default_rng(item_seed), roi, spec.crop_size, dt)
        decay = float(np.exp(np.mean(np.log(dynamics.rate_at(times))))) * dt
        all_dynamics.append(dynamics)
        rows.append(dict(kind=str(kind), log_rate=np.log10(decay), rate_class=scenarios.rate_class(decay),
                         kww_exponent=dynamics.kww_exponent, q_exponent=dynamics.q_exponent, sector=int(sector),
                         seed=int(item_seed), photons_per_pixel=spec.photons_per_pixel, dt=dt))
    return all_dynamics, pd.DataFrame(rows)


class _Maps:
    """The spec's maps, made one at a time (a sequence for :func:`xpcs_nb.dataset.build_crop_store`)."""

    def __init__(self, spec: ContinuousSpec, dynamics: list[Dynamics], truth: pd.DataFrame):
        self.spec, self.dynamics, self.truth = spec, dynamics, truth

    def __len__(self) -> int:
        return len(self.dynamics)

    def __getitem__(self, index: int) -> np.ndarray:
        row = self.truth.iloc[index]
        return scenarios.c2_for_dynamics(self.dynamics[index], scenarios.SectorROI(sector=int(row["sector"])),
                                         self.spec.crop_size, float(row["dt"]), seed=(int(row["seed"]) + 1) % 2**32,
                                         method=self.spec.method, photons_per_pixel=self.spec.photons_per_pixel)


def continuous_store(spec: ContinuousSpec, directory) -> Path:
    """Path of the store of ``spec`` in ``directory``, built (atomically) when missing."""
    path = Path(directory) / spec.file_name
    if not path.exists():
        dynamics, truth = continuous_truth(spec)
        dataset.build_crop_store(_Maps(spec, dynamics, truth), truth, path, seed=spec.seed, crops_per_c2=1,
                                 crop_size=spec.crop_size, experiment_key=None)
    return path


def continuous_spec(preset: Preset | str, photons_per_pixel, *, seed=CONTINUOUS_SEED) -> ContinuousSpec:
    """A preset's continuous set at one photon rate: ``7 x eval_per_class`` maps (rounded up to 4 kinds).

    >>> spec = continuous_spec("fast", 1.0)
    >>> spec.n_maps, spec.crop_size, spec.method
    (56, 256, 'movie')
    """
    p = get_preset(preset) if isinstance(preset, str) else preset
    return ContinuousSpec(n_maps=7 * p.eval_per_class, crop_size=p.crop_size, method=p.library_method,
                          photons_per_pixel=photons_per_pixel, seed=seed)


def load_continuous_set(spec: ContinuousSpec, directory, *, diagonal: str) -> EvaluationSet:
    """The crops of ``spec`` (built in ``directory`` when missing) as an :class:`EvaluationSet`.

    ``labels`` hold the rate class of each crop's true rate, ``groups`` its map;
    ``metadata`` the truth (``log_rate``, ``kww_exponent``, ``q_exponent``, ``kind``).

    >>> import tempfile
    >>> spec = ContinuousSpec(n_maps=4, crop_size=32, method="analytic")
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     data = load_continuous_set(spec, folder, diagonal="keep")
    >>> data.crops.shape, data.profiles.shape, sorted(data.metadata["kind"])
    ((4, 32, 32), (4, 16), ['aging', 'avalanche', 'heterodyne', 'plain'])
    """
    check_choice(diagonal, "diagonal", DIAGONAL_CHOICES)
    crops, metadata = dataset.load_crop_store(continuous_store(spec, directory), mmap=False)
    return EvaluationSet(crops=treat_diagonal(crops, diagonal), labels=metadata["rate_class"].to_numpy(np.int64),
                         groups=metadata["c2_index"].to_numpy(dtype=np.int64),
                         photons_per_pixel=float(spec.photons_per_pixel), diagonal=diagonal, metadata=metadata,
                         profiles=stored_profiles(crops, metadata))


def continuous_set(preset: Preset | str, photons_per_pixel, *, diagonal: str = "keep",
                   seed=CONTINUOUS_SEED) -> EvaluationSet:
    """A preset's continuous evaluation set at one photon rate, cached under its generated folder."""
    p = get_preset(preset) if isinstance(preset, str) else preset
    return load_continuous_set(continuous_spec(p, photons_per_pixel, seed=seed), generated_dir(p.name),
                               diagonal=diagonal)
