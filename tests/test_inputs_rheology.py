"""Input rules of the rheology functions and the neighbour explorer (xpcs_nb.validation).

For every size, seed, real number and array argument: ``True``, ``2.5``,
``np.float32(n)``, NaN and torch tensors go in, and the answer is either the same
result as for the plain value (numpy integers where an integer belongs, CPU tensors
where an array belongs) or an error that names the argument, what it expects and
what it got.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from xpcs_nb import rheology, widgets
from xpcs_nb.validation import ArgumentTypeError

torch = pytest.importorskip("torch")


# ------------------------------------------------------------------ data


def alternating_run():
    """Fractions (60, 2), window times 57 s apart, a fast fraction switching six times."""
    fast = np.repeat([0.1, 0.9, 0.1, 0.9, 0.1, 0.9, 0.1], [5, 10, 8, 12, 9, 7, 9])
    return np.column_stack([1 - fast, fast]), 57.0 * np.arange(60)


FRACTIONS, WINDOW_TIMES = alternating_run()
MINIMA = WINDOW_TIMES[[5, 15, 23]] + 5.0
TIME = np.arange(0.0, 100.0, 10.0)
STRESS = np.array([90.0, 90.0, 90.0, 89.0, 87.0, 86.0, 87.0, 89.0, 90.0, 90.0])
LABELS = np.repeat([0, 1, 2], 4)
RNG = np.random.default_rng(0)
LATENTS = LABELS[:, None] * 10.0 + RNG.normal(size=(12, 3))
EMBEDDING = RNG.normal(size=(12, 2))
CROPS = RNG.random((12, 8, 8))


def alignment(**changes):
    arguments = dict(fractions=FRACTIONS, window_times=WINDOW_TIMES, minima_times=MINIMA, fast_classes=[1],
                     n_permutations=99, seed=0)
    return rheology.transition_alignment(**{**arguments, **changes})


def explorer(**changes):
    pytest.importorskip("ipywidgets")
    arguments = dict(crops=CROPS, latents=LATENTS, embedding=EMBEDDING, labels=LABELS, k=3, start=0, dpi=20)
    return widgets.neighbour_explorer(**{**arguments, **changes})


def figure(**changes):
    arguments = dict(crops=CROPS, embedding=EMBEDDING, labels=LABELS, query=0, indices=[1, 2], distances=[0.5, 0.6])
    return widgets.neighbour_figure(**{**arguments, **changes})


def same(a, b) -> bool:
    """Two results of the functions above are equal (arrays, frames, tuples, the test's result, a widget)."""
    if isinstance(a, rheology.TransitionAlignment):
        return a.p_value == b.p_value and np.array_equal(a.null_distribution, b.null_distribution)
    if isinstance(a, pd.DataFrame):
        return a.equals(b)
    if isinstance(a, tuple):
        return all(same(x, y) for x, y in zip(a, b))
    if hasattr(a, "children"):  # the explorer: same query, same table of neighbours
        return a.children[0].value == b.children[0].value and a.children[1].value == b.children[1].value
    if hasattr(a, "axes"):  # a figure: as many panels
        return len(a.axes) == len(b.axes)
    return np.array_equal(np.asarray(a), np.asarray(b), equal_nan=True)


# ------------------------------------------------------------- integers

# (argument name, call with that argument set, a valid value)
INTEGER_ARGUMENTS = [
    ("n_classes", lambda v: rheology.class_fractions(LABELS, LABELS // 2, n_classes=v), 4),
    ("smooth", lambda v: rheology.stress_minima(TIME, STRESS, prominence=1.0, smooth=v), 3),
    ("n_permutations", lambda v: alignment(n_permutations=v), 99),
    ("seed", lambda v: alignment(seed=v), 5),
    ("index", lambda v: widgets.neighbours_of(LATENTS, v, 3), 4),
    ("k", lambda v: widgets.neighbours_of(LATENTS, 4, v), 3),
    ("query", lambda v: figure(query=v), 3),
    ("k", lambda v: explorer(k=v), 3),
    ("start", lambda v: explorer(start=v), 3),
    ("dpi", lambda v: explorer(dpi=v), 20),
]
INTEGER_IDS = [f"{i}-{name}" for i, (name, _, _) in enumerate(INTEGER_ARGUMENTS)]


@pytest.mark.parametrize("name, call, n", INTEGER_ARGUMENTS, ids=INTEGER_IDS)
def test_numpy_integers_are_integers(name, call, n):
    assert same(call(np.int64(n)), call(n))
    assert same(call(np.int32(n)), call(n))


@pytest.mark.parametrize("name, call, n", INTEGER_ARGUMENTS, ids=INTEGER_IDS)
@pytest.mark.parametrize("bad, received", [
    (True, "True (bool)"),
    (2.5, "2.5 (float)"),
    (2.0, "2.0 (float)"),
    (float("nan"), "nan (float)"),
    ("3", "'3' (str)"),
])
def test_bools_floats_and_strings_are_not_integers(name, call, n, bad, received):
    message = f"{name} must be an integer (int or numpy integer), got {received}"
    with pytest.raises(ArgumentTypeError, match=re.escape(message)):
        call(bad)


@pytest.mark.parametrize("name, call, n", INTEGER_ARGUMENTS, ids=INTEGER_IDS)
def test_numpy_floats_and_tensors_are_not_integers(name, call, n):
    with pytest.raises(ArgumentTypeError, match=rf"^{name} must be an integer .*, got .*\(float32\)$"):
        call(np.float32(n))
    with pytest.raises(ArgumentTypeError, match=rf"^{name} must be an integer .*\(Tensor\)$"):
        call(torch.tensor(n))


@pytest.mark.parametrize("name, call, low", [
    ("n_classes", lambda v: rheology.class_fractions(LABELS, LABELS // 2, n_classes=v), 1),
    ("smooth", lambda v: rheology.stress_minima(TIME, STRESS, smooth=v), 1),
    ("n_permutations", lambda v: alignment(n_permutations=v), 1),
    ("seed", lambda v: alignment(seed=v), 0),
    ("k", lambda v: explorer(k=v), 1),
])
def test_integers_below_their_range_are_refused(name, call, low):
    with pytest.raises(ValueError, match=rf"^{name} must be >= {low}\b.*got {low - 1}$"):
        call(low - 1)


def test_index_and_k_must_fit_the_number_of_items():
    with pytest.raises(ValueError, match=r"^index must be >= 0 and <= 11, got 12$"):
        widgets.neighbours_of(LATENTS, 12, 3)
    with pytest.raises(ValueError, match=r"^start must be >= 0 and <= 11, got -1$"):
        explorer(start=-1)
    with pytest.raises(ValueError, match=r"^query must be >= 0 and <= 11, got 12$"):
        figure(query=12)
    with pytest.raises(ValueError, match=r"^n_classes must exceed every label; labels reach 2, n_classes is 2$"):
        rheology.class_fractions(LABELS, LABELS, n_classes=2)


# --------------------------------------------------------- real numbers

REAL_ARGUMENTS = [
    ("shear_stop", lambda v: rheology.align_windows([-5.0, 52.0], v), 0.5),
    ("prominence", lambda v: rheology.stress_minima(TIME, STRESS, prominence=v), 0.5),
    ("threshold", lambda v: rheology.transition_times(FRACTIONS, WINDOW_TIMES, [1], threshold=v), 0.5),
    ("threshold", lambda v: alignment(threshold=v), 0.5),
    ("rate_tolerance", lambda v: rheology.shear_stop_time(
        pd.DataFrame({"time": [0.0, 1.0, 11.0], "shear_rate": [100.0, 0.0, 0.0]}), v), 0.5),
]
REAL_IDS = [f"{i}-{name}" for i, (name, _, _) in enumerate(REAL_ARGUMENTS)]


@pytest.mark.parametrize("name, call, x", REAL_ARGUMENTS, ids=REAL_IDS)
def test_numpy_numbers_and_ints_are_real_numbers(name, call, x):
    assert same(call(np.float32(x)), call(x))
    assert same(call(np.float64(x)), call(x))


def test_integers_are_real_numbers():
    assert same(rheology.align_windows([-5.0], np.int64(209)), rheology.align_windows([-5.0], 209.0))
    assert same(rheology.stress_minima(TIME, STRESS, prominence=1), rheology.stress_minima(TIME, STRESS, prominence=1.0))


@pytest.mark.parametrize("name, call, x", REAL_ARGUMENTS, ids=REAL_IDS)
def test_bools_tensors_nan_and_inf_are_not_real_numbers(name, call, x):
    with pytest.raises(ArgumentTypeError, match=re.escape(f"{name} must be a real number (int or float), got True (bool)")):
        call(True)
    with pytest.raises(ArgumentTypeError, match=rf"^{name} must be a real number .*\(Tensor\)$"):
        call(torch.tensor(x))
    with pytest.raises(ValueError, match=re.escape(f"{name} must be a finite number, got nan (float)")):
        call(float("nan"))
    with pytest.raises(ValueError, match=re.escape(f"{name} must be a finite number, got inf (float)")):
        call(float("inf"))


def test_reals_outside_their_range_are_refused():
    with pytest.raises(ValueError, match=r"^threshold must be > 0.0 and < 1.0, got 2.5$"):
        rheology.transition_times(FRACTIONS, WINDOW_TIMES, [1], threshold=2.5)
    with pytest.raises(ValueError, match=r"^prominence must be > 0.0 Pa, got -1.0$"):
        rheology.stress_minima(TIME, STRESS, prominence=-1.0)


def test_a_direction_is_one_of_three():
    with pytest.raises(ValueError, match=r"^direction must be one of 'either', 'rise', 'fall'; got 'up' \(str\)$"):
        rheology.transition_times(FRACTIONS, WINDOW_TIMES, [1], direction="up")


# ----------------------------------------------------------------- arrays

# (argument name, call with that array set, a valid array)
ARRAY_ARGUMENTS = [
    ("labels", lambda v: rheology.class_fractions(v, LABELS // 2), LABELS),
    ("window_ids", lambda v: rheology.class_fractions(LABELS, v), LABELS * 10.0),
    ("start_times", lambda v: rheology.align_windows(v, 209.0), np.array([-5.0, 52.0])),
    ("stress", lambda v: rheology.noise_level(v), STRESS),
    ("time", lambda v: rheology.stress_minima(v, STRESS, prominence=1.0), TIME),
    ("stress", lambda v: rheology.stress_minima(TIME, v, prominence=1.0), STRESS),
    ("window_times", lambda v: rheology.transition_times(FRACTIONS, v, [1]), WINDOW_TIMES),
    ("window_times", lambda v: alignment(window_times=v), WINDOW_TIMES),
    ("minima_times", lambda v: alignment(minima_times=v), MINIMA),
    ("latents", lambda v: widgets.neighbours_of(v, 4, 3), LATENTS),
    ("latents", lambda v: explorer(latents=v), LATENTS),
    ("embedding", lambda v: explorer(embedding=v), EMBEDDING),
    ("labels", lambda v: explorer(labels=v), LABELS),
    ("embedding", lambda v: figure(embedding=v), EMBEDDING),
    ("distances", lambda v: figure(distances=v), np.array([0.5, 0.6])),
]
ARRAY_IDS = [f"{i}-{name}" for i, (name, _, _) in enumerate(ARRAY_ARGUMENTS)]


@pytest.mark.parametrize("name, call, good", ARRAY_ARGUMENTS, ids=ARRAY_IDS)
def test_lists_and_tensors_are_arrays(name, call, good):
    expected = call(good)
    assert same(call(good.tolist()), expected)
    assert same(call(torch.as_tensor(good)), expected)


@pytest.mark.parametrize("name, call, good", ARRAY_ARGUMENTS, ids=ARRAY_IDS)
def test_an_array_holding_nan_is_refused(name, call, good):
    holding_nan = good.astype(float)
    holding_nan.flat[-1] = np.nan
    integers = np.issubdtype(good.dtype, np.integer)
    message = f"{name} must hold integers" if integers else f"{name} must be finite; 1 of its {good.size} values"
    with pytest.raises(ValueError, match=re.escape(message)):
        call(holding_nan)


@pytest.mark.parametrize("name, call, good", ARRAY_ARGUMENTS, ids=ARRAY_IDS)
@pytest.mark.parametrize("scalar", [True, 2.5, np.int64(3), np.float32(3.0)], ids=["bool", "float", "int64", "float32"])
def test_a_scalar_is_not_an_array(name, call, good, scalar):
    with pytest.raises(ValueError, match=rf"^{name} must (be \d-D|have shape|hold integers|be 1-D)"):
        call(scalar)


def test_one_fast_class_may_be_a_bare_integer():
    expected = alignment(fast_classes=[1])
    assert same(alignment(fast_classes=np.int64(1)), expected)
    assert same(alignment(fast_classes=torch.tensor([1])), expected)
    for bad in (True, 1.5, [np.nan]):
        with pytest.raises(ArgumentTypeError, match=r"^fast_classes must hold integers"):
            alignment(fast_classes=bad)


def test_integer_arrays_refuse_fractions_and_bools_accept_integral_floats():
    with pytest.raises(ArgumentTypeError, match=r"^labels must hold integers, got an array of shape \(12,\)"):
        rheology.class_fractions(LABELS + 0.5, LABELS)
    with pytest.raises(ArgumentTypeError, match=r"^labels must hold integers"):
        rheology.class_fractions(LABELS > 0, LABELS)
    assert same(rheology.class_fractions(LABELS.astype(float), LABELS), rheology.class_fractions(LABELS, LABELS))
    with pytest.raises(ValueError, match=r"^labels must have values >= 0, got values in \[-1, 2\]$"):
        rheology.class_fractions(LABELS - (LABELS == 0), LABELS)
    with pytest.raises(ValueError, match=r"^fast_classes must be column numbers in 0 .. 1, got \[2\]$"):
        alignment(fast_classes=[2])


def test_arrays_of_the_wrong_shape_are_refused_by_name():
    with pytest.raises(ValueError, match=r"^window_ids must have one entry per label \(12\), got shape \(11,\)$"):
        rheology.class_fractions(LABELS, LABELS[:11])
    with pytest.raises(ValueError, match=r"^stress must have shape \(10\), got an array of shape \(9,\)"):
        rheology.stress_minima(TIME, STRESS[:9])
    with pytest.raises(ValueError, match=r"^time must hold at least 3 value\(s\)"):
        rheology.stress_minima(TIME[:2], STRESS[:2])
    with pytest.raises(ValueError, match=r"^latents must have shape \(12, any\)"):
        explorer(latents=LATENTS[:5])
    with pytest.raises(ValueError, match=r"^crops must be 3-D"):
        explorer(crops=CROPS[0])


def test_empty_windows_and_pixels_may_hold_nan():
    """A NaN row of fractions is an empty window (class_fractions makes them), and a crop is
    only drawn: both are accepted where the rules above refuse NaN."""
    with_empty_window = FRACTIONS.copy()
    with_empty_window[3] = np.nan
    assert rheology.transition_times(with_empty_window, WINDOW_TIMES, [1]).size > 0
    crops = CROPS.copy()
    crops[0, 0, 0] = np.nan
    assert len(figure(crops=crops).axes) == 4


def test_the_rheometer_table_must_be_a_dataframe():
    with pytest.raises(ArgumentTypeError, match=r"^rheo must be a pandas DataFrame, got \{'time': \[0.0\]\} \(dict\)$"):
        rheology.shear_stop_time({"time": [0.0]})
