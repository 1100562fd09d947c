"""Input rules of the plotting functions: sizes and seeds are integers, data are finite arrays.

An integer argument takes Python and numpy integers and refuses bool and every float;
a real refuses bool and NaN; an array takes numpy arrays, lists and CPU torch tensors
and refuses NaN. Each error names the argument.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from xpcs_nb import plotting  # noqa: E402
from xpcs_nb.validation import ArgumentTypeError  # noqa: E402

CROPS = np.random.default_rng(0).random((4, 8, 8))
CLASSES = np.array([0, 0, 1, 1])


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


# One call per integer argument: name -> function of the value.
INTEGER_ARGUMENTS = {
    "n_cols": lambda n: plotting.crop_grid(CROPS, n_cols=n),
    "per_class": lambda n: plotting.class_gallery(CROPS, CLASSES, per_class=n),
    "seed": lambda n: plotting.class_gallery(CROPS, CLASSES, seed=n),
    "n_rows": lambda n: plotting.grid_size(n, 3),
    "n_classes": lambda n: plotting.class_colours(n),
}


@pytest.mark.parametrize("name", INTEGER_ARGUMENTS)
@pytest.mark.parametrize("bad", [True, 2.5, np.float32(2), 2.0])
def test_integer_arguments_refuse_bool_and_floats(name, bad):
    with pytest.raises(ArgumentTypeError, match=f"{name} must be an integer"):
        INTEGER_ARGUMENTS[name](bad)


@pytest.mark.parametrize("name", INTEGER_ARGUMENTS)
def test_integer_arguments_accept_numpy_integers(name):
    INTEGER_ARGUMENTS[name](np.int64(2))


@pytest.mark.parametrize("name", ["n_cols", "per_class", "seed"])
def test_integer_arguments_refuse_tensors(name):
    with pytest.raises(ArgumentTypeError, match=name):
        INTEGER_ARGUMENTS[name](torch.tensor(2))


def test_per_class_must_be_positive():
    with pytest.raises(ValueError, match="per_class must be >= 1, got 0"):
        plotting.class_gallery(CROPS, CLASSES, per_class=0)


def nan_version(array) -> np.ndarray:
    array = np.array(array, dtype=float)
    array.flat[1] = np.nan
    return array


# One call per array argument: name -> (function of the array, a valid array).
ARRAY_ARGUMENTS = {
    "images": (lambda a: plotting.crop_grid(a), CROPS),
    "crops": (lambda a: plotting.class_gallery(a, CLASSES), CROPS),
    "train_loss": (lambda a: plotting.training_history([1, 2, 3], a), [0.3, 0.2, 0.1]),
    "inertia": (lambda a: plotting.elbow([2, 3, 4], a, knee=3), [9.0, 4.0, 3.0]),
    "null_distribution": (lambda a: plotting.permutation_histogram(a, 1.0, 0.5), [0.5, 1.5, 2.0]),
    "embedding": (lambda a: plotting.umap_scatter(a, CLASSES), np.zeros((4, 2))),
    "stress": (lambda a: plotting.fractions_beside_stress(pd.DataFrame({0: [1.0, 1.0]}), [0.0, 60.0],
                                                          [0.0, 30.0, 60.0], a, []), [3.0, 2.0, 1.0]),
    "frame": (lambda a: plotting.show_frame(plt.subplots()[1], a), np.ones((4, 4))),
}


@pytest.mark.parametrize("name", ARRAY_ARGUMENTS)
def test_arrays_holding_nan_are_refused(name):
    draw, valid = ARRAY_ARGUMENTS[name]
    with pytest.raises(ValueError, match=f"{name} must be finite"):
        draw(nan_version(valid))


@pytest.mark.parametrize("name", ARRAY_ARGUMENTS)
def test_arrays_accept_lists_and_torch_tensors(name):
    draw, valid = ARRAY_ARGUMENTS[name]
    draw(np.asarray(valid).tolist())
    draw(torch.as_tensor(np.asarray(valid, dtype=np.float32)))


def test_show_c2_leaves_nan_blank_and_scales_to_the_rest():
    c2 = np.full((4, 4), 0.5) + np.eye(4)
    c2[np.tril_indices(4, -1)] = np.nan  # an APS file holds the upper half only
    image = plotting.show_c2(plt.subplots()[1], torch.as_tensor(c2))
    assert np.isfinite(image.get_clim()).all()


def test_arrays_of_the_wrong_shape_name_the_argument():
    with pytest.raises(ValueError, match="images must be 3-D"):
        plotting.crop_grid(np.zeros((8, 8)))
    with pytest.raises(ValueError, match=r"embedding must have shape \(any, 2\)"):
        plotting.umap_scatter(np.zeros((4, 3)), CLASSES)


def test_classes_must_be_integers():
    with pytest.raises(ArgumentTypeError, match="classes"):
        plotting.umap_scatter(np.zeros((4, 2)), [0.5, 1.0, 0.0, 1.0])


# One call per real argument: name -> function of the value.
REAL_ARGUMENTS = {
    "dt": lambda x: plotting.show_c2(plt.subplots()[1], np.eye(4) + 0.1, dt=x),
    "observed": lambda x: plotting.permutation_histogram([1.0, 2.0], x, 0.5),
    "size": lambda x: plotting.umap_scatter(np.zeros((4, 2)), CLASSES, size=x),
}


@pytest.mark.parametrize("name", REAL_ARGUMENTS)
@pytest.mark.parametrize("bad", [True, float("nan")])
def test_reals_refuse_bool_and_nan(name, bad):
    with pytest.raises(ValueError, match=name):
        REAL_ARGUMENTS[name](bad)


@pytest.mark.parametrize("name", REAL_ARGUMENTS)
@pytest.mark.parametrize("good", [2.5, np.float32(2), np.int64(2)])
def test_reals_accept_numbers(name, good):
    REAL_ARGUMENTS[name](good)


def test_p_value_must_lie_in_zero_one():
    with pytest.raises(ValueError, match=r"p_value must be >= 0 and <= 1, got 1.5"):
        plotting.permutation_histogram([1.0, 2.0], 1.0, 1.5)
