"""The input rules of the package's public functions, declared once per function.

Each :class:`Rules` row names a public function, a call of it that works, and the kind
of each argument whose rule ``tests/test_inputs.py`` checks (in the spirit of
scikit-learn's ``_parameter_constraints`` and ``tests/test_public_functions.py``):

- :class:`Integer`: Python and numpy integers give the same result; ``True``, ``2.5``,
  ``2.0``, ``np.float32``, NaN, a tensor and a string raise ``ArgumentTypeError``;
- :class:`Real`: numpy numbers give the same result; ``True`` and a tensor raise
  ``ArgumentTypeError``, NaN and inf a ``ValueError`` ("must be a finite number");
- :class:`Array`: a list and a CPU tensor give the same result as the numpy array;
  NaN is refused by name (or accepted where the function documents it); a scalar is
  refused by name;
- :class:`Flag`: only ``True``/``False``; :class:`Choice`: one of a listed set.

Every error names the argument, what was expected and what came.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import torch  # noqa: E402

from xpcs_nb import aps, dataset, evaluation, latent, pipeline, plotting, prepare_crops, rheology, widgets  # noqa: E402
from xpcs_nb import correlation as corr  # noqa: E402
from xpcs_nb import scenarios as sc  # noqa: E402
from xpcs_nb import simulate as sim  # noqa: E402
from xpcs_nb.geometry import Detector  # noqa: E402
from xpcs_nb.library import LibraryMaps, LibrarySpec, library_store  # noqa: E402
from xpcs_nb.model import Autoencoder, four_stage_autoencoder, published_autoencoder  # noqa: E402
from xpcs_nb.presets import get_preset  # noqa: E402
from xpcs_nb.train import TrainConfig, cyclic_lr, mean_image_mse, reconstruction_mse, seed_everything  # noqa: E402


def same_value(value):
    return value


@dataclass(frozen=True)
class Integer:
    """An integer argument; ``below``/``above`` are values just outside its range."""

    good: int
    below: int | None = None
    above: int | None = None
    label: str | None = None  # how the message names it, when not by the argument's name
    wrap: Callable = same_value  # how the value sits in the argument (``[v]`` for a list of seeds)


@dataclass(frozen=True)
class Real:
    """A real-number argument; ``below``/``above`` are values just outside its range."""

    good: float
    below: float | None = None
    above: float | None = None
    label: str | None = None


@dataclass(frozen=True)
class Array:
    """An array argument. ``nan``: what a NaN raises (a regex), ``None`` when it is accepted."""

    good: Any
    nan: str | None = "finite"
    label: str | None = None
    wrap: Callable = same_value
    scalar: bool = True  # a scalar (True, 2.5) is refused by name; False where a scalar is a valid value


@dataclass(frozen=True)
class Flag:
    """A True-or-False argument."""


@dataclass(frozen=True)
class Choice:
    """An argument taking one of a listed set; ``bad`` is a value outside it."""

    bad: Any


@dataclass
class Rules:
    """One public function: a valid call (keyword arguments) and the kind of each argument.

    ``valid`` is a dict or a function of the test's folder (a fresh random generator, a
    path to write). ``stubbed`` names module attributes replaced by a stop that raises
    ``Reached``: the arguments are checked before any of that work. ``accepts=False``
    skips the calls with valid values (they would build a whole data set).
    """

    function: Callable
    valid: dict | Callable[[Any], dict]
    arguments: dict[str, Integer | Real | Array | Flag | Choice]
    name: str = ""
    stubbed: tuple[tuple[Any, str], ...] = ()
    data_dir: bool = False
    accepts: bool = True
    slow: bool = False
    compare: bool = True

    def __post_init__(self):
        self.name = self.name or getattr(self.function, "__qualname__", "call")

    def kwargs(self, folder) -> dict:
        return dict(self.valid(folder) if callable(self.valid) else self.valid)


# ---------------------------------------------------------------- correlation, geometry


def _poisson_stack(n_frames=24, side=8, seed=0):
    return np.random.default_rng(seed).poisson(3.0, size=(n_frames, side, side)).astype(np.float64)


STACK = _poisson_stack()
LABELS_8 = np.ones((8, 8), dtype=np.int32)
LABELS_8[:, :4] = 2
_DETECTOR_16 = Detector(shape=(16, 16))
Q_MAP, PHI_MAP = _DETECTOR_16.q_map(), _DETECTOR_16.azimuth_map()
Q_EDGES = np.array([0.1, 0.5, 0.9]) * Q_MAP.max()
C2_STACK = np.random.default_rng(1).random((3, 10, 10))
TAU = np.geomspace(0.01, 10.0, 30)
G2 = corr.kww(TAU, 1.0, 0.3, 2.0, 1.0)
_FRAMES = {"frames": Array(STACK, nan="frames hold NaN or inf in a labelled pixel"),
           "labels": Array(LABELS_8, nan=r"labels must be finite; 1 of its 64 values are NaN")}

CORRELATION = [
    Rules(corr.two_time, dict(frames=STACK, labels=LABELS_8, dtype=np.float64),
          {"bin_frames": Integer(2, below=0), "chunk_pixels": Integer(5), **_FRAMES}),
    Rules(corr.multi_tau_g2, dict(frames=STACK, labels=LABELS_8, num_levels=2, num_bufs=4),
          {"num_levels": Integer(3), "num_bufs": Integer(6), "chunk_pixels": Integer(5), **_FRAMES}),
    Rules(corr.roi_partition, dict(q_map=Q_MAP, azimuth_map=PHI_MAP, q_edges=Q_EDGES, n_sectors=4),
          {"n_sectors": Integer(6), "first_sector_deg": Real(10.0), "q_map": Array(Q_MAP, nan=None),
           "azimuth_map": Array(PHI_MAP, nan=None),
           "q_edges": Array(Q_EDGES, nan="q_edges must be strictly increasing")}),
    Rules(corr.roi_bounds, dict(q_edges=[0.1, 0.2, 0.3]), {"n_sectors": Integer(6)}),
    Rules(corr.multi_tau_lags, dict(num_levels=3, num_bufs=4), {"num_levels": Integer(2)}),
    Rules(corr.diagonal_means, dict(c2=C2_STACK),
          {"first_lag": Integer(2, above=10), "last_lag": Integer(7), "c2": Array(C2_STACK, nan=None)}),
    Rules(corr.g2_from_c2, dict(c2=C2_STACK), {"c2": Array(C2_STACK, nan=None)}),
    Rules(corr.fit_kww, dict(tau=TAU, g2=G2),
          {"fix_alpha": Real(1.0), "fix_baseline": Real(1.0), "absolute_sigma": Flag(),
           "tau": Array(TAU, scalar=False), "g2": Array(G2, nan=None, scalar=False),
           "sigma": Array(np.full(30, 0.01))}),
    Rules(corr.kww, dict(tau=[0.0, 1.0], baseline=1.0, beta=0.2, rate=1.0, alpha=1.0),
          {"alpha": Real(1.0), "beta": Real(0.5), "rate": Real(2.0), "tau": Array(np.array([0.0, 1.0]), scalar=False)}),
    Rules(Detector, dict(shape=(6, 4)),
          {"shape": Integer(4, below=0, label="shape[1]", wrap=lambda n: (6, n)), "pixel_size": Real(5.5e-5),
           "distance": Real(8.0), "wavelength": Real(1e-10, below=-1.0)}),
]

# ---------------------------------------------------------------- dataset, aps, library, presets

S = 8  # crop side of these calls
N_FRAMES = 12


def c2_like(n_frames: int = N_FRAMES, seed: int = 0) -> np.ndarray:
    """A symmetric positive map (n_frames, n_frames), as a C2 is."""
    frames = np.random.default_rng(seed).random((n_frames, 5))
    return frames @ frames.T / 5


MAP = c2_like()
CROPS_S = dataset.minmax_scale(np.stack([MAP[i: i + S, i: i + S] for i in range(4)]))[0]
METADATA = pd.DataFrame({"experiment_id": [f"E{i}" for i in range(10)]})
TINY_SPEC = dict(n_per_class=1, n_frames=256, crop_size=256, method="analytic", seed=0)


def crops_from(**arguments):
    """iter_crops, drawn to the end."""
    return list(dataset.iter_crops(**arguments))


def augmented_item(item):
    """One item of a small augmented set."""
    return dataset.AugmentedCropDataset(CROPS_S, seed=0, factor=2)[item].numpy()


def library_truth(index):
    """The truth of one map of a tiny library."""
    return LibraryMaps(LibrarySpec(**TINY_SPEC)).truth(index)


def aps_round_trip(path, c2s, **options):
    """Write an APS result file, read back its first map and its ROI table."""
    aps.write_aps_result(path, c2s, **options)
    return aps.read_c2(path, 1), aps.read_roi_table(path)


def preset_with(**changes):
    """The fast preset with some fields changed."""
    return get_preset("fast").with_(**changes)


_OFFSETS = dict(n_frames=N_FRAMES, crop_size=S, n_crops=2)

DATASET = [
    Rules(dataset.check_c2, dict(c2=MAP, crop_size=S), {"crop_size": Integer(S), "c2": Array(MAP)}),
    Rules(dataset.crop_rng, dict(seed=1, c2_index=1), {"seed": Integer(4, below=-1), "c2_index": Integer(2)}),
    Rules(dataset.random_crop_offsets, lambda _: dict(_OFFSETS, rng=np.random.default_rng(0)),
          {"n_frames": Integer(N_FRAMES), "crop_size": Integer(S), "n_crops": Integer(2)}),
    Rules(dataset.diagonal_crop, dict(c2=MAP, offset=0, crop_size=S),
          {"offset": Integer(3, above=N_FRAMES - S + 1), "crop_size": Integer(S), "c2": Array(MAP)}),
    Rules(dataset.cut_crops, dict(c2=MAP, offsets=[0, 2], crop_size=S),
          {"crop_size": Integer(S), "c2": Array(MAP), "offsets": Array(np.array([0, 3]), nan="hold integers")}),
    Rules(crops_from, dict(c2s=[MAP], seed=0, crop_size=S), name="iter_crops",
          arguments={"seed": Integer(5), "crops_per_c2": Integer(3, below=0), "crop_size": Integer(S),
                     "c2s": Array(MAP, label="c2_list", wrap=lambda a: [a])}),
    Rules(dataset.build_crop_store,
          lambda folder: dict(c2_list=[MAP, c2_like(seed=3)], truths=None, path=folder.path / "s.h5", seed=0,
                              crop_size=S, experiment_key=None),
          {"seed": Integer(6), "crops_per_c2": Integer(3), "crop_size": Integer(S),
           "c2_list": Array(MAP, wrap=lambda a: [a])}),
    Rules(dataset.split_by_experiment, dict(metadata=METADATA, seed=0),
          {"seed": Integer(2), "fractions": Array(np.array([0.6, 0.2, 0.2]))}),
    Rules(dataset.wrap_shift, dict(crop=CROPS_S[0], shift=2), {"shift": Integer(3), "crop": Array(CROPS_S[0])}),
    Rules(dataset.shift_table, dict(n_crops=4, factor=3, crop_size=S, seed=0),
          {"n_crops": Integer(4), "factor": Integer(3, above=S + 1), "crop_size": Integer(S), "seed": Integer(9)}),
    Rules(dataset.AugmentedCropDataset, dict(crops=CROPS_S, seed=0, factor=2),
          {"seed": Integer(1), "factor": Integer(3), "crops": Array(CROPS_S),
           "indices": Array(np.array([2, 0]), nan="hold integers"), "return_info": Flag()}),
    Rules(augmented_item, dict(item=1), {"item": Integer(5)}),
    Rules(dataset.minmax_scale, dict(images=MAP), {"images": Array(MAP)}),
    Rules(dataset.load_crop_store, lambda folder: dict(path=folder.path / "none.h5"), {"mmap": Flag()},
          accepts=False),
    Rules(aps.read_c2, lambda folder: dict(path=folder.aps_file, roi=1),
          {"roi": Integer(2), "correct_diagonal": Flag()}),
    Rules(prepare_crops, dict(c2=np.stack([MAP, MAP]), seed=0, crop_size=S),
          {"seed": Integer(3), "crop_size": Integer(S), "crops_per_map": Integer(3),
           "fill_diagonal": Flag(), "rois": Array(np.array([2, 1]), nan="hold integers")}),
    Rules(aps.full_from_upper, dict(upper=np.triu(MAP)), {"upper": Array(np.triu(MAP))}),
    Rules(aps.diagonal_from_neighbours, dict(c2=MAP), {"c2": Array(MAP)}),
    Rules(aps_round_trip, lambda folder: dict(path=folder.path / "r.hdf", c2s=[MAP]), name="write_aps_result",
          arguments={"c2s": Array(MAP, wrap=lambda a: [a])}),
    Rules(aps_round_trip, lambda folder: dict(path=folder.path / "r.hdf", c2s=[MAP, MAP], phi=[10.0, 10.0]),
          {"q": Array(np.array([0.2, 0.3]))}, name="write_aps_result q"),
    Rules(LibrarySpec, TINY_SPEC,
          {"n_per_class": Integer(2), "n_frames": Integer(300, below=255), "crops_per_c2": Integer(3),
           "crop_size": Integer(128), "seed": Integer(4), "photons_per_pixel": Real(2.5, below=0.0)}),
    Rules(library_truth, dict(index=1), {"index": Integer(2)}, name="LibraryMaps.truth"),
    Rules(library_store, dict(preset="fast"), {"rebuild": Flag(), "seed": Integer(0, below=-1)}, accepts=False),
    Rules(preset_with, {}, name="Preset.with_",
          arguments={"n_frames": Integer(600), "batch_size": Integer(16, below=0),
                     "learning_rate": Real(0.5, below=0.0), "start_from": Choice("pretrained"),
                     **{name: Integer(2, below=0) for name in ("eval_per_class", "eval_kmeans_seeds",
                                                               "eval_untrained_seeds", "eval_train_seeds")}}),
]

# ---------------------------------------------------------------- evaluation

_RNG = np.random.default_rng(0)
EVAL_LABELS = np.repeat(np.arange(7), 4)
FEATURES = EVAL_LABELS[:, None] + _RNG.normal(0, 0.01, (28, 2))
EVAL_CROPS = _RNG.random((3, 32, 32))


def small_network():
    """A seeded autoencoder taking 32 x 32 crops."""
    torch.manual_seed(0)
    return Autoencoder(latent_size=4, encoder_channels=(2, 2, 2), decoder_channels=(2, 2, 2), pool=2,
                       image_size=32)


NETWORK = small_network()
_TABLE = dict(runs={"x": [FEATURES]}, labels=EVAL_LABELS, photons_per_pixel=1.0, diagonal="keep",
              kmeans_seeds=[0], k=2)
_LABELS_EVAL = Array(EVAL_LABELS, nan="(be finite|hold integers)")

EVALUATION = [
    Rules(evaluation.evaluation_spec, dict(preset="fast", photons_per_pixel=1.0),
          {"seed": Integer(3), "n_per_class": Integer(2), "photons_per_pixel": Real(3.0, below=0.0)}),
    Rules(evaluation.untrained_copy, lambda _: dict(model=small_network(), seed=0), {"seed": Integer(3)}),
    Rules(evaluation.classical_features, dict(crops=EVAL_CROPS, pixel_block=8),
          {"seed": Integer(1), "pca_components": Integer(2), "pixel_block": Integer(4), "crops": Array(EVAL_CROPS)}),
    Rules(evaluation.rate_class_ari, dict(features=FEATURES, labels=EVAL_LABELS, kmeans_seeds=[0]),
          {"kmeans_seeds": Integer(0, label="each of kmeans_seeds", wrap=lambda n: [n]), "n_init": Integer(2),
           "features": Array(FEATURES), "labels": _LABELS_EVAL}),
    Rules(evaluation.precision_at_k, dict(features=FEATURES, labels=EVAL_LABELS, queries=[0], k=2),
          {"k": Integer(3), "features": Array(FEATURES), "queries": Array(np.array([0, 5]), nan="hold integers"),
           "groups": Array(np.arange(28), nan="hold integers")}),
    Rules(evaluation.family_retrieval, dict(features=FEATURES, labels=EVAL_LABELS, family=5, k=2),
          {"family": Integer(5), "k": Integer(2)}),
    Rules(evaluation.method_table, _TABLE,
          {"k": Integer(2), "photons_per_pixel": Real(3.0, below=0.0), "diagonal": Choice("drop")}),
    Rules(evaluation.method_features, dict(crops=EVAL_CROPS, trained=NETWORK, untrained_seeds=[0]),
          {"untrained_seeds": Integer(1, label="each of untrained_seeds", wrap=lambda n: [n])}),
    Rules(evaluation.diagonal_lift, dict(photons_per_pixel=1.0), {"photons_per_pixel": Real(3.0, below=0.0)}),
    Rules(evaluation.treat_diagonal, dict(crops=EVAL_CROPS, diagonal="keep"),
          {"crops": Array(EVAL_CROPS), "diagonal": Choice("drop")}),
    Rules(evaluation.network_features, dict(model=NETWORK, crops=EVAL_CROPS), {"crops": Array(EVAL_CROPS)}),
    Rules(evaluation.relaxation_time_features, dict(profiles=1 + EVAL_CROPS[:, 0]),
          {"profiles": Array(1 + EVAL_CROPS[:, 0])}),
    Rules(evaluation.chance_precision, dict(labels=EVAL_LABELS, queries=[0]), {"labels": _LABELS_EVAL}),
]

# ---------------------------------------------------------------- latent

SIZE = 64  # crop side of the tiny model


def band_crops(widths, size):
    """Crops exp(-|i - j| / w) in [0, 1], one per width."""
    lag = np.abs(np.subtract.outer(np.arange(size), np.arange(size)))
    return np.exp(-lag[None] / np.asarray(widths, dtype=float)[:, None, None])


torch.manual_seed(0)
MODEL = Autoencoder(latent_size=4, encoder_channels=(4, 4), decoder_channels=(4, 4), pool=4, image_size=SIZE).eval()
LATENTS = np.concatenate([_RNG.normal(centre, 0.1, (4, 4)) for centre in (0.0, 3.0, 6.0)])  # (12, 4)
LATENT_LABELS = np.repeat([0, 1, 2], 4)
BAND_CROPS = band_crops([1.0, 2.0, 4.0, 8.0, 16.0, 32.0], size=16)  # (6, 16, 16)
BIG_CROPS = band_crops([2.0, 8.0, 32.0], size=SIZE)  # what the model takes
QUERY = band_crops([5.0], size=80)[0]  # a C2 (80, 80)
LIBRARY = latent.encode(MODEL, BIG_CROPS)  # (3, 4)
_ABOVE = 10**6  # above every size these calls allow
_INTS = "hold integers"

LATENT = [
    Rules(latent.encode, dict(model=MODEL, crops=BIG_CROPS, batch_size=2),
          {"batch_size": Integer(2, below=0), "crops": Array(BIG_CROPS, nan=r"finite and scaled to \[0, 1\]")}),
    Rules(latent.decode, dict(model=MODEL, latents=LATENTS[:3], batch_size=2),
          {"batch_size": Integer(2, below=0), "latents": Array(LATENTS[:3])}),
    Rules(latent.cluster, dict(latents=LATENTS, k=3, seed=0, n_init=2),
          {"k": Integer(3, above=_ABOVE), "seed": Integer(0, below=-1), "n_init": Integer(2, below=0),
           "latents": Array(LATENTS)}),
    Rules(latent.kmeans_sweep, dict(latents=LATENTS, ks=range(2, 5), seed=0, n_init=2, silhouette_sample_size=10),
          {"seed": Integer(1, below=-1), "n_init": Integer(2, below=0), "silhouette_sample_size": Integer(10, below=0),
           "latents": Array(LATENTS)}),
    Rules(latent.umap_embedding, dict(latents=LATENTS, seed=0, n_neighbors=3, min_dist=0.25), slow=True,
          arguments={"seed": Integer(0, below=-1), "n_neighbors": Integer(3), "min_dist": Real(0.25, above=1.5),
                     "latents": Array(LATENTS)}),
    Rules(latent.nearest_neighbours, dict(latents=LATENTS, query=LATENTS[1], k=2),
          {"k": Integer(3, above=_ABOVE), "latents": Array(LATENTS), "query": Array(LATENTS[1])}),
    Rules(latent.band_width, dict(crops=BAND_CROPS, max_lag=6),
          {"max_lag": Integer(5, above=_ABOVE), "crops": Array(BAND_CROPS)}),
    Rules(latent.order_by_relaxation, dict(labels=[0, 0, 1, 1, 2, 2], crops_or_widths=BAND_CROPS),
          {"labels": Array(np.array([0, 0, 1, 1, 2, 2]), nan=_INTS),
           "crops_or_widths": Array(BAND_CROPS, nan="^crops must be finite")}),
    Rules(evaluation.cluster_scores, dict(true=LATENT_LABELS, predicted=LATENT_LABELS[::-1]),
          {"true": Array(LATENT_LABELS, nan=_INTS), "predicted": Array(LATENT_LABELS[::-1], nan=_INTS)}),
    Rules(evaluation.baseline_features, dict(crops=BAND_CROPS, kind="pixels", seed=0, n_components=3, downsample=4),
          {"seed": Integer(1, below=-1), "downsample": Integer(2, above=_ABOVE), "crops": Array(BAND_CROPS),
           "kind": Choice("wavelets")}),
    Rules(evaluation.baseline_features, dict(crops=BAND_CROPS, kind="pca", seed=0, n_components=3),
          {"n_components": Integer(2, above=_ABOVE)}, name="baseline_features pca"),
    Rules(evaluation.score_table, dict(true_labels=LATENT_LABELS, features={"latents": LATENTS}, k=3, seed=0, n_init=2),
          {"k": Integer(2, above=_ABOVE), "seed": Integer(1, below=-1), "n_init": Integer(2, below=0),
           "true_labels": Array(LATENT_LABELS, nan=_INTS)}),
    Rules(latent.find_similar, dict(model=MODEL, query=QUERY, latents=LIBRARY, k=2, labels=[0, 1, 1], crop_offset=5,
                                    roi=1, crop_size=SIZE),
          {"k": Integer(3, above=_ABOVE), "crop_offset": Integer(8, above=_ABOVE), "roi": Integer(1, below=0),
           "crop_size": Integer(SIZE, below=0), "query": Array(QUERY), "latents": Array(LIBRARY),
           "labels": Array(np.array([0, 1, 1]), nan=_INTS)}),
]

# ---------------------------------------------------------------- plotting

PLOT_CROPS = np.random.default_rng(0).random((4, 8, 8))
CLASSES = np.array([0, 0, 1, 1])


def drawn_c2(c2, dt=1.0):
    """show_c2 on a new axes."""
    return plotting.show_c2(plt.subplots()[1], c2, dt=dt)


def drawn_frame(frame):
    """show_frame on a new axes."""
    return plotting.show_frame(plt.subplots()[1], frame)


PLOTTING = [
    Rules(plotting.crop_grid, dict(images=PLOT_CROPS), {"n_cols": Integer(2), "images": Array(PLOT_CROPS)}),
    Rules(plotting.class_gallery, dict(crops=PLOT_CROPS, classes=CLASSES),
          {"per_class": Integer(2, below=0), "seed": Integer(2), "crops": Array(PLOT_CROPS)}),
    Rules(plotting.grid_size, dict(n_rows=2, n_cols=3), {"n_rows": Integer(2)}),
    Rules(plotting.class_colours, dict(n_classes=2), {"n_classes": Integer(2)}),
    Rules(plotting.training_history, dict(steps=[1, 2, 3], train_loss=[0.3, 0.2, 0.1]),
          {"train_loss": Array(np.array([0.3, 0.2, 0.1]))}),
    Rules(plotting.elbow, dict(ks=[2, 3, 4], inertia=[9.0, 4.0, 3.0], knee=3),
          {"inertia": Array(np.array([9.0, 4.0, 3.0]))}),
    Rules(plotting.permutation_histogram, dict(null_distribution=[0.5, 1.5, 2.0], observed=1.0, p_value=0.5),
          {"null_distribution": Array(np.array([0.5, 1.5, 2.0])), "observed": Real(2.0),
           "p_value": Real(0.5, above=1.5)}),
    Rules(plotting.umap_scatter, dict(embedding=np.zeros((4, 2)), classes=CLASSES),
          {"embedding": Array(np.zeros((4, 2))), "size": Real(2.0)}),
    Rules(plotting.fractions_beside_stress,
          dict(fractions=pd.DataFrame({0: [1.0, 1.0]}), window_times=[0.0, 60.0], stress_time=[0.0, 30.0, 60.0],
               stress=[3.0, 2.0, 1.0], minima_times=[]),
          {"stress": Array(np.array([3.0, 2.0, 1.0]))}),
    Rules(drawn_frame, dict(frame=np.ones((4, 4))), {"frame": Array(np.ones((4, 4)))}, name="show_frame"),
    Rules(drawn_c2, dict(c2=np.eye(4) + 0.1), {"dt": Real(2.0)}, name="show_c2"),
]

# ---------------------------------------------------------------- rheology, neighbour explorer

_FAST = np.repeat([0.1, 0.9, 0.1, 0.9, 0.1, 0.9, 0.1], [5, 10, 8, 12, 9, 7, 9])
FRACTIONS, WINDOW_TIMES = np.column_stack([1 - _FAST, _FAST]), 57.0 * np.arange(60)
MINIMA = WINDOW_TIMES[[5, 15, 23]] + 5.0
TIME = np.arange(0.0, 100.0, 10.0)
STRESS = np.array([90.0, 90.0, 90.0, 89.0, 87.0, 86.0, 87.0, 89.0, 90.0, 90.0])
R_LABELS = np.repeat([0, 1, 2], 4)
R_LATENTS = R_LABELS[:, None] * 10.0 + _RNG.normal(size=(12, 3))
EMBEDDING = _RNG.normal(size=(12, 2))
R_CROPS = _RNG.random((12, 8, 8))
RHEO = pd.DataFrame({"time": [0.0, 1.0, 11.0], "shear_rate": [100.0, 0.0, 0.0]})
_ALIGNMENT = dict(fractions=FRACTIONS, window_times=WINDOW_TIMES, minima_times=MINIMA, fast_classes=[1],
                  n_permutations=99, seed=0)

RHEOLOGY = [
    Rules(rheology.class_fractions, dict(labels=R_LABELS, window_ids=R_LABELS // 2),
          {"n_classes": Integer(4, below=0), "labels": Array(R_LABELS, nan=_INTS),
           "window_ids": Array(R_LABELS * 10.0)}),
    Rules(rheology.stress_minima, dict(time=TIME, stress=STRESS, prominence=1.0),
          {"smooth": Integer(3, below=0), "prominence": Real(0.5, below=-1.0), "time": Array(TIME),
           "stress": Array(STRESS)}),
    Rules(rheology.transition_alignment, _ALIGNMENT,
          {"n_permutations": Integer(99, below=0), "seed": Integer(5, below=-1), "threshold": Real(0.5),
           "window_times": Array(WINDOW_TIMES), "minima_times": Array(MINIMA)}),
    Rules(rheology.transition_times, dict(fractions=FRACTIONS, window_times=WINDOW_TIMES, fast_classes=[1]),
          {"threshold": Real(0.5, above=2.5), "window_times": Array(WINDOW_TIMES), "direction": Choice("up")}),
    Rules(rheology.align_windows, dict(start_times=[-5.0, 52.0], shear_stop=209.0),
          {"shear_stop": Real(0.5), "start_times": Array(np.array([-5.0, 52.0]))}),
    Rules(rheology.noise_level, dict(stress=STRESS), {"stress": Array(STRESS)}),
    Rules(rheology.shear_stop_time, dict(rheo=RHEO), {"rate_tolerance": Real(0.5)}),
    Rules(widgets.neighbours_of, dict(latents=R_LATENTS, index=4, k=3),
          {"index": Integer(4, above=12), "k": Integer(3), "latents": Array(R_LATENTS)}),
    Rules(widgets.neighbour_figure, dict(crops=R_CROPS, embedding=EMBEDDING, labels=R_LABELS, query=0,
                                         indices=[1, 2], distances=[0.5, 0.6]),
          {"query": Integer(3, above=12), "embedding": Array(EMBEDDING), "distances": Array(np.array([0.5, 0.6]))}),
    Rules(widgets.neighbour_explorer, dict(crops=R_CROPS, latents=R_LATENTS, embedding=EMBEDDING, labels=R_LABELS,
                                           k=3, start=0, dpi=20),
          {"k": Integer(3, below=0), "start": Integer(3, below=-1), "dpi": Integer(20),
           "latents": Array(R_LATENTS), "embedding": Array(EMBEDDING), "labels": Array(R_LABELS, nan=_INTS)}),
]

# ---------------------------------------------------------------- simulate, scenarios

SMALL = Detector(shape=(4, 4))
ROI = sc.SectorROI()
_MOVIE = dict(detector=SMALL, dynamics=sim.stationary(1.0), n_frames=3, dt=0.01, seed=0)
_SCENARIO = dict(label=1, n_frames=8, seed=0)
_NOISE = dict(c2_mean=np.full((4, 4), 1.1), contrast=0.25, photons_per_pixel=1.0, n_pixels=50)


def sector_rate(burst_times=()):
    """A SectorRate with fixed rates and the given burst times."""
    return sc.SectorRate(1.0, 0.1, 10.0, 1.0, 10.0, 2.0, 5.0, burst_times=burst_times)


SIMULATE = [
    Rules(sim.simulate_movie, _MOVIE,
          {"n_frames": Integer(4), "seed": Integer(3), "grains_per_pixel": Integer(2), "dt": Real(0.02),
           "photons_per_pixel": Real(2.5), "t_start": Real(1.5), "intensity_map": Array(np.full((4, 4), 0.5))}),
    Rules(sc.scenario_c2, _SCENARIO,
          {"label": Integer(2, above=7), "n_frames": Integer(6), "seed": Integer(5), "grains_per_pixel": Integer(2),
           "dt": Real(0.05), "photons_per_pixel": Real(2.5), "window_start": Real(3.0)}),
    Rules(sc.scenario_truth, _SCENARIO, {"label": Integer(6), "seed": Integer(5)}),
    Rules(sc.scenario_batch, dict(labels=[0, 5], n_frames=8, seed=0),
          {"n_frames": Integer(6), "seed": Integer(5), "labels": Array(np.array([1, 6]), nan=_INTS)}),
    Rules(sc.c2_for_dynamics, dict(dynamics=sim.stationary(1.0), roi=ROI, n_frames=8, dt=0.1, seed=0),
          {"n_frames": Integer(6), "seed": Integer(5), "grains_per_pixel": Integer(2), "t_start": Real(3.0)}),
    Rules(sc.rheo_experiment, dict(n_sectors=2, n_windows=2, window_frames=8, seed=0),
          {"n_sectors": Integer(3), "n_windows": Integer(1), "window_frames": Integer(6), "seed": Integer(5),
           "grains_per_pixel": Integer(2), "dt": Real(0.05), "hit_probability": Real(0.25),
           "photons_per_pixel": Real(2.5), "drop_duration": Real(10.0, below=0.0), "method": Choice("fast")}),
    Rules(sc.c2_noise_std, _NOISE,
          {"n_pixels": Integer(10), "contrast": Real(0.5), "photons_per_pixel": Real(2.5),
           "c2_mean": Array(np.full((4, 4), 1.1))}),
    Rules(sc.expected_c2, dict(dynamics=sim.stationary(1.0), roi=ROI, times=[0.0, 0.1, 0.2], contrast=0.25),
          {"contrast": Real(0.5), "times": Array(np.array([0.0, 0.1, 0.2]))}),
    Rules(sc.scenario_dynamics, lambda _: dict(label=0, rng=np.random.default_rng(0), dt=0.1, n_frames=8, roi=ROI),
          {"label": Integer(6), "n_frames": Integer(6), "dt": Real(0.05)}),
    Rules(sc.SectorROI, {}, {"sector": Integer(4, above=18)}),
    Rules(sc.SectorROI, dict(sector=0), {"n_sectors": Integer(6)}, name="SectorROI n_sectors"),
    Rules(sim.stationary, dict(rate=1.0), {"rate": Real(2.5)}),
    Rules(sim.aging, dict(rate0=1.0, t_age=1.0), {"t_age": Real(2.5)}),
    Rules(sim.relaxation_after_shear, dict(rate_fast=9.0, rate_slow=1.0, tau_relax=1.0), {"tau_relax": Real(2.5)}),
    Rules(sim.avalanches, dict(rate=1.0, times=[1.0], fraction=0.5),
          {"fraction": Real(0.25), "times": Array(np.array([0.5, 1.0]))}),
    Rules(sim.heterodyne, dict(rate=1.0, speed=10.0, reference_fraction=0.3), {"speed": Real(2.5)}),
    Rules(sim.Dynamics, dict(rate=1.0),
          {"q_exponent": Real(1.5), "rate": Array(np.array([1.0, 2.0, 0.5]), scalar=False),
           "flow_velocity": Array(np.array([1.0, 2.0]))}),
    Rules(sc.rate_class, dict(decay_per_frame=0.02), {"decay_per_frame": Real(0.01)}),
    Rules(sim.structure_factor_peak, dict(q=[0.02, 0.03]), {"q": Array(np.array([0.02, 0.03]), scalar=False)}),
    Rules(sector_rate, {}, {"burst_times": Array(np.array([5.0, 9.0]))}, name="SectorRate"),
]

# ---------------------------------------------------------------- model, training, pipeline


class Reached(Exception):
    """The checks passed and the stubbed work began."""


def tiny_autoencoder(**changes):
    """A one-stage autoencoder for 8 x 8 crops."""
    return Autoencoder(**(dict(latent_size=4, encoder_channels=(4,), decoder_channels=(4,), pool=2, image_size=8)
                          | changes))


def scheduler(steps_per_half_cycle):
    """cyclic_lr over a fresh optimiser."""
    return cyclic_lr(torch.optim.Adam([torch.zeros(1, requires_grad=True)]), 1e-3, steps_per_half_cycle)


_ZEROS = np.zeros((2, 4, 4))

TRAIN = [
    Rules(tiny_autoencoder, {}, name="Autoencoder",
          arguments={"latent_size": Integer(4), "pool": Integer(4), "image_size": Integer(4),
                     "encoder_channels": Integer(4, label="encoder_channels[0]", wrap=lambda n: (n,)),
                     "dropout": Real(0.25)}),
    Rules(published_autoencoder, {}, {"latent_size": Integer(4)}),
    Rules(four_stage_autoencoder, {}, {"latent_size": Integer(4)}),
    Rules(TrainConfig, {}, {**{name: Integer(4) for name in ("epochs", "batch_size", "half_cycle_epochs",
                                                             "num_workers", "seed")}, "lr": Real(0.5)}),
    Rules(seed_everything, dict(seed=0), {"seed": Integer(4)}),
    Rules(scheduler, dict(steps_per_half_cycle=2), {"steps_per_half_cycle": Integer(4)}, name="cyclic_lr"),
    Rules(reconstruction_mse, dict(model=torch.nn.Identity(), crops=_ZEROS),
          {"batch_size": Integer(4), "crops": Array(np.full((2, 4, 4), 0.5))}),
    Rules(mean_image_mse, dict(train_crops=_ZEROS, test_crops=_ZEROS),
          {"batch_size": Integer(4), "test_crops": Array(np.full((1, 4, 4), 0.5))}),
    Rules(pipeline.checkpoint_dir, dict(preset="fast"), {"seed": Integer(4), "latent_size": Integer(4)},
          data_dir=True),
    Rules(pipeline.crop_splits, dict(preset="fast"), {"seed": Integer(4)}, stubbed=((pipeline, "library_store"),)),
    Rules(pipeline.augmented_sets, dict(preset="fast"), {name: Integer(4) for name in ("n_train", "n_val", "seed")},
          stubbed=((pipeline, "crop_splits"),)),
    Rules(pipeline.trained_autoencoder, dict(preset="fast"),
          {name: Integer(4) for name in ("seed", "latent_size", "epochs")}, data_dir=True,
          stubbed=((pipeline, "augmented_sets"),)),
    Rules(pipeline.errors_on_test_split, dict(model=torch.nn.Identity(), preset="fast"), {"seed": Integer(4)},
          stubbed=((pipeline, "crop_splits"),)),
]

ALL = CORRELATION + DATASET + EVALUATION + LATENT + PLOTTING + RHEOLOGY + SIMULATE + TRAIN
