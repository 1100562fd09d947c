"""The package's one set of input rules (xpcs_nb.validation)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from xpcs_nb.validation import (ArgumentTypeError, check_array, check_bool, check_choice, check_int,
                                check_real, check_seed, check_square_maps)


@pytest.mark.parametrize("value", [3, np.int64(3), np.int32(3), np.uint8(3)])
def test_integers_accept_python_and_numpy_integers(value):
    result = check_int(value, "n")
    assert result == 3 and type(result) is int


@pytest.mark.parametrize("value", [True, np.bool_(True), 2.5, 2.0, np.float32(2), float("nan"),
                                   torch.tensor(2), "2", None])
def test_integers_refuse_everything_else_and_name_the_argument(value):
    with pytest.raises(ArgumentTypeError, match=r"n_frames must be an integer.*got"):
        check_int(value, "n_frames")


def test_type_errors_are_value_errors_too():
    with pytest.raises(ValueError):
        check_int(True, "n")
    with pytest.raises(TypeError):
        check_int(True, "n")


def test_integer_range_message_names_bounds_and_value():
    with pytest.raises(ValueError, match=r"k must be >= 2 and <= 12 for 40 points, got 13"):
        check_int(13, "k", minimum=2, maximum=12, context=" for 40 points")


def test_seed():
    assert check_seed(np.uint32(7)) == 7
    assert check_seed(None, allow_none=True) is None
    with pytest.raises(ValueError, match="seed must be >= 0"):
        check_seed(-1)
    with pytest.raises(ArgumentTypeError):
        check_seed(None)


@pytest.mark.parametrize("value", [True, "1", torch.tensor(1.0), 1 + 2j, None])
def test_reals_refuse_bools_strings_tensors(value):
    with pytest.raises(ArgumentTypeError, match=r"lr must be a real number"):
        check_real(value, "lr")


@pytest.mark.parametrize("value", [float("nan"), float("inf"), np.float32("nan")])
def test_reals_refuse_nan_and_inf(value):
    with pytest.raises(ValueError, match="lr must be a finite number"):
        check_real(value, "lr")


def test_reals_bounds_strict_and_inclusive():
    assert check_real(np.float32(0.5), "lr", minimum=0, include_min=False) == 0.5
    with pytest.raises(ValueError, match=r"lr must be > 0, got 0.0"):
        check_real(0, "lr", minimum=0, include_min=False)
    assert check_real(float("inf"), "t", allow_inf=True) == float("inf")


def test_bool_and_choice():
    assert check_bool(np.bool_(False), "flag") is False
    with pytest.raises(ArgumentTypeError, match="flag must be True or False, got 1"):
        check_bool(1, "flag")
    with pytest.raises(ValueError, match=r"form must be one of 'paper', 'ratio'; got 'x'"):
        check_choice("x", "form", ("paper", "ratio"))
    with pytest.raises(ValueError, match="form must be one of"):
        check_choice([1], "form", ("paper",))


def test_arrays_from_numpy_lists_and_torch():
    assert check_array(torch.ones(2, 3), "x", ndim=2).shape == (2, 3)
    assert check_array([[1, 2]], "x", shape=(None, 2), dtype=np.float32).dtype == np.float32


def test_array_errors_name_argument_expected_and_received():
    with pytest.raises(ValueError, match=r"frames must be 3-D, got an array of shape \(2, 2\)"):
        check_array(np.zeros((2, 2)), "frames", ndim=3)
    with pytest.raises(ValueError, match=r"crops must have shape \(any, 256, 256\), got an array of shape \(1, 8, 8\)"):
        check_array(np.zeros((1, 8, 8)), "crops", shape=(None, 256, 256))
    with pytest.raises(ValueError, match=r"x must be finite; 1 of its 3 values are NaN"):
        check_array([0.0, np.inf, 1.0], "x")
    with pytest.raises(ArgumentTypeError, match="x must hold real numbers"):
        check_array(["a", "b"], "x")
    with pytest.raises(ArgumentTypeError, match="x must hold integers"):
        check_array([1.5, 2.0], "x", kind="integer")
    assert check_array([1.0, 2.0], "x", kind="integer").dtype == np.int64
    with pytest.raises(ValueError, match=r"crops must have values >= 0 and <= 1, got values in \[0, 2\]"):
        check_array([0.0, 2.0], "crops", minimum=0, maximum=1)
    with pytest.raises(ValueError, match="at least 1 value"):
        check_array(np.zeros((0, 3)), "x")
    with pytest.raises(ArgumentTypeError, match="x must be an array"):
        check_array([[1, 2], [3]], "x")


def test_square_maps_and_nan_diagonal():
    c2 = np.ones((4, 4))
    c2[np.diag_indices(4)] = np.nan
    with pytest.raises(ValueError, match="c2 must be finite"):
        check_square_maps(c2)
    assert check_square_maps(c2, allow_nan_diagonal=True).shape == (4, 4)
    c2[0, 1] = np.nan
    with pytest.raises(ValueError, match=r"finite off the diagonal.*\(0, 1\)"):
        check_square_maps(c2, allow_nan_diagonal=True)
    with pytest.raises(ValueError, match=r"c2 must be square maps"):
        check_square_maps(np.ones((3, 4)))
