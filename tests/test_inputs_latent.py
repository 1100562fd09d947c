"""Input rules of xpcs_nb.latent's public functions (see xpcs_nb.validation).

Sizes, counts and seeds take Python and numpy integers and refuse bools, floats (2.0
too) and tensors; arrays take numpy arrays, lists and CPU torch tensors and refuse
NaN; every error names the argument, what was expected and what came.
"""

import re

import numpy as np
import pandas as pd
import pytest
import torch
from threadpoolctl import threadpool_limits

from xpcs_nb import latent
from xpcs_nb.model import Autoencoder
from xpcs_nb.validation import ArgumentTypeError, describe

SIZE = 64  # crop side of the tiny model


@pytest.fixture(autouse=True)
def one_thread():
    with threadpool_limits(1):
        yield


def band_crops(widths, size):
    """Crops exp(-|i - j| / w) in [0, 1], one per width."""
    lag = np.abs(np.subtract.outer(np.arange(size), np.arange(size)))
    return np.exp(-lag[None] / np.asarray(widths, dtype=float)[:, None, None])


torch.manual_seed(0)
MODEL = Autoencoder(latent_size=4, encoder_channels=(4, 4), decoder_channels=(4, 4), pool=4,
                    image_size=SIZE).eval()
RNG = np.random.default_rng(0)
LATENTS = np.concatenate([RNG.normal(centre, 0.1, (4, 4)) for centre in (0.0, 3.0, 6.0)])  # (12, 4)
LABELS = np.repeat([0, 1, 2], 4)
CROPS = band_crops([1.0, 2.0, 4.0, 8.0, 16.0, 32.0], size=16)  # (6, 16, 16)
BIG_CROPS = band_crops([2.0, 8.0, 32.0], size=SIZE)  # what the model takes
QUERY = band_crops([5.0], size=80)[0]  # a C2 (80, 80)
LIBRARY = latent.encode(MODEL, BIG_CROPS)  # (3, 4)

# Each public function with valid arguments; a test overrides one of them.
CALLS = {
    "encode": lambda **kw: latent.encode(**{"model": MODEL, "crops": BIG_CROPS, "batch_size": 2, **kw}),
    "decode": lambda **kw: latent.decode(**{"model": MODEL, "latents": LATENTS[:3], "batch_size": 2, **kw}),
    "cluster": lambda **kw: latent.cluster(**{"latents": LATENTS, "k": 3, "seed": 0, "n_init": 2, **kw}),
    "kmeans_sweep": lambda **kw: latent.kmeans_sweep(**{"latents": LATENTS, "ks": range(2, 5), "seed": 0,
                                                       "n_init": 2, "silhouette_sample_size": 10, **kw}),
    "umap_embedding": lambda **kw: latent.umap_embedding(**{"latents": LATENTS, "seed": 0, "n_neighbors": 3,
                                                           "min_dist": 0.25, **kw}),
    "nearest_neighbours": lambda **kw: latent.nearest_neighbours(**{"latents": LATENTS, "query": LATENTS[1],
                                                                   "k": 2, **kw}),
    "band_width": lambda **kw: latent.band_width(**{"crops": CROPS, "max_lag": 6, **kw}),
    "order_by_relaxation": lambda **kw: latent.order_by_relaxation(**{"labels": [0, 0, 1, 1, 2, 2],
                                                                     "crops_or_widths": CROPS, **kw}),
    "scores": lambda **kw: latent.scores(**{"true": LABELS, "predicted": LABELS[::-1], **kw}),
    "baseline_features": lambda **kw: latent.baseline_features(**{"crops": CROPS, "kind": "pixels", "seed": 0,
                                                                 "n_components": 3, "downsample": 4, **kw}),
    "score_table": lambda **kw: latent.score_table(**{"true_labels": LABELS, "features": {"latents": LATENTS},
                                                     "k": 3, "seed": 0, "n_init": 2, **kw}),
    "find_similar": lambda **kw: latent.find_similar(**{"model": MODEL, "query": QUERY, "latents": LIBRARY,
                                                       "k": 2, "labels": [0, 1, 1], "crop_offset": 5,
                                                       "roi": 1, "crop_size": SIZE, **kw}),
}

# (function, integer argument, a valid value); umap_embedding's are below, UMAP is slow.
INTEGERS = [
    ("encode", "batch_size", 2),
    ("decode", "batch_size", 2),
    ("cluster", "k", 3),
    ("cluster", "seed", 0),
    ("cluster", "n_init", 2),
    ("kmeans_sweep", "seed", 1),
    ("kmeans_sweep", "n_init", 2),
    ("kmeans_sweep", "silhouette_sample_size", 10),
    ("nearest_neighbours", "k", 3),
    ("band_width", "max_lag", 5),
    ("baseline_features", "seed", 1),
    ("baseline_features", "n_components", 2),
    ("baseline_features", "downsample", 2),
    ("score_table", "k", 2),
    ("score_table", "seed", 1),
    ("score_table", "n_init", 2),
    ("find_similar", "k", 3),
    ("find_similar", "crop_offset", 8),
    ("find_similar", "roi", 1),
    ("find_similar", "crop_size", SIZE),
]

# n_components has a range only for the PCA baseline
EXTRA = {("baseline_features", "n_components"): {"kind": "pca"}}


def call(function, argument, value):
    return CALLS[function](**{argument: value, **EXTRA.get((function, argument), {})})


NOT_INTEGERS = [True, 2.5, 2.0, np.float32(2), torch.tensor(2)]


def same(a, b):
    """Whether two results of the same function are equal (arrays, tuples, tables, dataclasses)."""
    if isinstance(a, tuple):
        return all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, pd.DataFrame):
        return a.equals(b)
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[key], b[key]) for key in a)
    if hasattr(a, "__dataclass_fields__"):
        return all(same(getattr(a, f), getattr(b, f)) for f in a.__dataclass_fields__ )
    if isinstance(a, (np.ndarray, float, int)) or a is None:
        return np.array_equal(a, b, equal_nan=True) if a is not None else b is None
    return a == b


@pytest.mark.parametrize("bad", NOT_INTEGERS, ids=repr)
@pytest.mark.parametrize("function, argument, good", INTEGERS)
def test_integers_refuse_bools_floats_and_tensors(function, argument, good, bad):
    expected = rf"{argument} must be an integer \(int or numpy integer\), got {re.escape(describe(bad))}"
    with pytest.raises(ArgumentTypeError, match=expected):
        call(function, argument, bad)


@pytest.mark.parametrize("function, argument, good", INTEGERS)
def test_integers_take_numpy_integers(function, argument, good):
    assert same(call(function, argument, np.int64(good)), call(function, argument, good))


@pytest.mark.parametrize("function, argument, good", INTEGERS)
def test_integers_out_of_range_name_the_range(function, argument, good):
    if argument == "seed":
        bad, expected = -1, "seed must be >= 0"
    else:
        bad, expected = 10**6, rf"{argument} must be (>= -?\d+ and )?<= \d+.*got 1000000"
        if argument in ("n_init", "batch_size", "silhouette_sample_size", "roi", "crop_size"):  # no upper bound
            bad, expected = 0, rf"{argument} must be >= \d+.*got 0"
    with pytest.raises(ValueError, match=expected):
        call(function, argument, bad)


# (function, array argument, what a NaN in it raises)
ARRAYS = [
    ("encode", "crops", r"crops must be finite and scaled to \[0, 1\]"),
    ("decode", "latents", "latents must be finite"),
    ("cluster", "latents", "latents must be finite"),
    ("kmeans_sweep", "latents", "latents must be finite"),
    ("umap_embedding", "latents", "latents must be finite"),
    ("nearest_neighbours", "latents", "latents must be finite"),
    ("nearest_neighbours", "query", "query must be finite"),
    ("band_width", "crops", "crops must be finite"),
    ("order_by_relaxation", "labels", "labels must hold integers"),
    ("order_by_relaxation", "crops_or_widths", "crops must be finite"),
    ("scores", "true", "true must hold integers"),
    ("scores", "predicted", "predicted must hold integers"),
    ("baseline_features", "crops", "crops must be finite"),
    ("score_table", "true_labels", "true_labels must hold integers"),
    ("find_similar", "query", "query must be finite"),
    ("find_similar", "latents", "latents must be finite"),
    ("find_similar", "labels", "labels must hold integers"),
]


def default_array(function, argument):
    """The valid value CALLS uses for ``argument``, as a float numpy array."""
    values = {
        ("encode", "crops"): BIG_CROPS, ("band_width", "crops"): CROPS, ("baseline_features", "crops"): CROPS,
        ("order_by_relaxation", "crops_or_widths"): CROPS, ("order_by_relaxation", "labels"): [0, 0, 1, 1, 2, 2],
        ("nearest_neighbours", "query"): LATENTS[1], ("find_similar", "query"): QUERY,
        ("find_similar", "latents"): LIBRARY, ("find_similar", "labels"): [0, 1, 1],
        ("decode", "latents"): LATENTS[:3], ("scores", "true"): LABELS, ("scores", "predicted"): LABELS[::-1],
        ("score_table", "true_labels"): LABELS,
    }
    return np.array(values.get((function, argument), LATENTS), dtype=np.float64)


@pytest.mark.parametrize("function, argument, message", ARRAYS)
def test_arrays_holding_nan_are_refused_by_name(function, argument, message):
    array = default_array(function, argument)
    array[(0,) * array.ndim] = np.nan
    with pytest.raises(ValueError, match=message):
        CALLS[function](**{argument: array})


# UMAP is slow: test_umap_takes_numpy_integers_and_tensors runs it once for all its arguments
@pytest.mark.parametrize("function, argument, message", [case for case in ARRAYS if case[0] != "umap_embedding"])
def test_arrays_come_as_lists_or_cpu_tensors(function, argument, message):
    array = default_array(function, argument)
    if "labels" in argument or function == "scores":
        array = array.astype(np.int64)
    expected = CALLS[function](**{argument: array})
    assert same(CALLS[function](**{argument: torch.from_numpy(array)}), expected)
    assert same(CALLS[function](**{argument: array.tolist()}), expected)


@pytest.mark.parametrize("function, argument", [("cluster", "latents"), ("band_width", "crops"),
                                                ("scores", "true"), ("nearest_neighbours", "query")])
def test_arrays_of_the_wrong_shape_name_the_argument_and_the_shape(function, argument):
    with pytest.raises(ValueError, match=rf"{argument} must be .*got an array of shape \(2, 2, 2, 2\)"):
        CALLS[function](**{argument: np.zeros((2, 2, 2, 2))})


def test_bool_labels_are_not_classes():
    with pytest.raises(ArgumentTypeError, match="labels must hold integers"):
        latent.order_by_relaxation(np.array([True, False]), np.array([1.0, 2.0]))


def test_widths_may_hold_nan_and_rank_last():
    """order_by_relaxation's documented NaN: a class whose widths could not be measured."""
    new_labels, mapping = latent.order_by_relaxation([0, 1, 2], [np.nan, 3.0, 9.0])
    assert mapping == {2: 0, 1: 1, 0: 2}


def test_ks_must_be_integers():
    with pytest.raises(ArgumentTypeError, match=r"ks must hold integers .*got an array of shape \(3,\)"):
        latent.kmeans_sweep(LATENTS, ks=[2.0, 3.0, 4.0], seed=0)
    with pytest.raises(ArgumentTypeError, match="ks must hold integers"):
        latent.kmeans_sweep(LATENTS, ks=[True, True, True], seed=0)
    from_tensor = latent.kmeans_sweep(LATENTS, ks=torch.arange(2, 5), seed=0, n_init=2)
    from_generator = latent.kmeans_sweep(LATENTS, ks=(k for k in (2, 3, 4)), seed=0, n_init=2)
    assert same(from_tensor, from_generator) and from_tensor.ks.tolist() == [2, 3, 4]


def test_min_dist_is_a_finite_real_between_0_and_1():
    for bad, error in ((True, ArgumentTypeError), (float("nan"), ValueError), (1.5, ValueError)):
        with pytest.raises(error, match="min_dist must be"):
            latent.umap_embedding(LATENTS, min_dist=bad)


@pytest.mark.parametrize("bad", NOT_INTEGERS, ids=repr)
@pytest.mark.parametrize("argument", ["seed", "n_neighbors"])
def test_umap_integers_refuse_bools_floats_and_tensors(argument, bad):
    with pytest.raises(ArgumentTypeError, match=rf"{argument} must be an integer"):
        latent.umap_embedding(LATENTS, **{argument: bad})


def test_umap_takes_numpy_integers_and_tensors():
    reference = latent.umap_embedding(LATENTS, seed=0, n_neighbors=3)
    other_types = latent.umap_embedding(torch.from_numpy(LATENTS), seed=np.int64(0), n_neighbors=np.int32(3),
                                        min_dist=np.float32(0.25))
    np.testing.assert_array_equal(other_types, reference)


def test_kind_is_one_of_the_baselines():
    with pytest.raises(ValueError, match=r"kind must be one of 'pca', 'pixels'; got 'wavelets'"):
        latent.baseline_features(CROPS, "wavelets")


def test_features_must_be_a_mapping():
    with pytest.raises(ArgumentTypeError, match=r"features must be a mapping .*got an array of shape \(12, 4\)"):
        latent.score_table(LABELS, LATENTS)


def test_the_model_must_be_a_module_with_the_method():
    with pytest.raises(ArgumentTypeError, match=r"model must be a torch.nn.Module with a method encode\(\), got \'not a model\' \(str\)"):
        latent.encode("not a model", BIG_CROPS)
    with pytest.raises(ArgumentTypeError, match=r"model must be a torch.nn.Module with a method decode\(\)"):
        latent.decode(torch.nn.Linear(2, 2), LATENTS)
