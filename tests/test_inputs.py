"""The input rules of every public function, generated from ``tests/input_rules.py``.

For each function, each argument and each kind of value readers get wrong, the call
either gives the same result as the plain value (numpy integers for an integer, lists
and CPU tensors for an array) or raises an error naming the argument, what it expects
and what came. The messages that one rule does not say (a range tied to the data, a
documented NaN, a kind of object) are listed in MESSAGES below, and the few answers
that are not errors in the tests after it.
"""

from __future__ import annotations

import dataclasses
import math
import re
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import torch
from torch.utils.data import TensorDataset

import input_rules as ir
from input_rules import Array, Choice, Flag, Integer, Real, Reached
from xpcs_nb import aps, dataset, evaluation, latent, pipeline, plotting, rheology, widgets
from xpcs_nb import correlation as corr
from xpcs_nb import scenarios as sc
from xpcs_nb import simulate as sim
from xpcs_nb.geometry import Detector
from xpcs_nb.library import LibrarySpec
from xpcs_nb.paths import generated_dir
from xpcs_nb.presets import get_preset
from xpcs_nb.train import TrainConfig, mean_image_mse, reconstruction_mse, train
from xpcs_nb.validation import ArgumentTypeError, describe

# unweighted fits on purpose (exact curves, input checks): the warning is tested in test_g2_errors.py
pytestmark = pytest.mark.filterwarnings("ignore::xpcs_nb.correlation.UnweightedFitWarning")


def cases(kind, accepting=False):
    """(rules, argument, rule) of every argument of this kind, with ids; slow where the valid calls are."""
    found = []
    for rules in ir.ALL:
        for name, rule in rules.arguments.items():
            if isinstance(rule, kind) and (rules.accepts or not accepting):
                marks = [pytest.mark.slow] if accepting and rules.slow else []
                found.append(pytest.param(rules, name, rule, id=f"{rules.name}-{name}", marks=marks))
    return found


class Folder:
    """Where a call may write, and the APS result file the readers open."""

    def __init__(self, path: Path, aps_file: Path):
        self.path, self.aps_file = path, aps_file


@pytest.fixture(scope="module")
def aps_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("aps") / "result.hdf"
    aps.write_aps_result(path, [ir.c2_like(seed=1), ir.c2_like(seed=2)])
    return path


@pytest.fixture
def call(tmp_path, aps_file, monkeypatch):
    """call(rules, **changes): the rule's valid call with some arguments changed."""
    folder = Folder(tmp_path, aps_file)

    def run(rules, **changes):
        if rules.data_dir:
            monkeypatch.setenv("XPCS_DATA_DIR", str(tmp_path))
        for module, attribute in rules.stubbed:
            monkeypatch.setattr(module, attribute, stop)
        return rules.function(**(rules.kwargs(folder) | changes))

    yield run
    plt.close("all")


def stop(*args, **kwargs):
    raise Reached


def valid(call, rules, **changes):
    """The result of a call with valid values; None where the work is stubbed (it must be reached)."""
    if rules.stubbed:
        with pytest.raises(Reached):
            call(rules, **changes)
        return None
    return call(rules, **changes)


def plain(result):
    """A form of a result that np.testing.assert_equal compares (figures by panels, modules by layout)."""
    module = type(result).__module__
    if isinstance(result, pd.DataFrame):
        return {"columns": [str(c) for c in result.columns], "rows": result.to_dict("list")}
    if isinstance(result, np.random.Generator):
        return result.integers(1 << 30, size=4)
    if isinstance(result, torch.Tensor):
        return result.numpy()
    if isinstance(result, torch.nn.Module):
        return repr(result)
    if hasattr(result, "get_last_lr"):  # a learning-rate schedule
        return result.get_last_lr()
    if isinstance(result, torch.utils.data.Dataset):
        return [plain(result[i]) for i in range(len(result))]
    if module.startswith("matplotlib"):
        if hasattr(result, "axes") and isinstance(result.axes, list):
            return len(result.axes)
        if hasattr(result, "get_array"):
            return [np.asarray(result.get_array()), result.get_clim()]
        return [type(result).__name__, len(result.get_children())]
    if module.startswith("ipywidgets"):  # the explorer: its query and its table of neighbours
        return [plain(getattr(child, "value", None)) for child in result.children[:2]]
    if dataclasses.is_dataclass(result) and not isinstance(result, type):
        return {f.name: plain(getattr(result, f.name)) for f in dataclasses.fields(result)}
    if isinstance(result, dict):
        return {key: plain(value) for key, value in result.items()}
    if isinstance(result, (tuple, list)) or hasattr(result, "__next__"):
        return [plain(part) for part in result]
    if isinstance(result, Path):
        return str(result)
    if callable(result):
        return getattr(result, "__qualname__", type(result).__name__)
    return result


def assert_same(rules, got, expected):
    """``got`` equals ``expected`` (already in its plain form) where the rules compare results."""
    if rules.compare:
        np.testing.assert_equal(plain(got), expected)


def label_of(name, rule):
    return re.escape(rule.label or name)


# ---------------------------------------------------------------- integers


def not_integers(good):
    return [True, 2.5, float(good), np.float32(good), float("nan"), torch.tensor(good), str(good)]


@pytest.mark.parametrize("rules, name, rule", cases(Integer))
def test_integers_refuse_bools_floats_nan_tensors_and_strings(call, rules, name, rule):
    for bad in not_integers(rule.good):
        expected = rf"^{label_of(name, rule)} must be an integer \(int or numpy integer\), got {re.escape(describe(bad))}"
        with pytest.raises(ArgumentTypeError, match=expected):
            call(rules, **{name: rule.wrap(bad)})


@pytest.mark.parametrize("rules, name, rule", [case for case in cases(Integer)
                                               if case.values[2].below is not None or case.values[2].above is not None])
def test_integers_out_of_range_name_the_range_and_the_value(call, rules, name, rule):
    if rule.below is not None:
        with pytest.raises(ValueError, match=rf"^{label_of(name, rule)} must be >=? -?\d+.*got {rule.below}"):
            call(rules, **{name: rule.wrap(rule.below)})
    if rule.above is not None:
        with pytest.raises(ValueError, match=rf"^{label_of(name, rule)} must be .*<=? -?\d+.*got {rule.above}"):
            call(rules, **{name: rule.wrap(rule.above)})


@pytest.mark.parametrize("rules, name, rule", cases(Integer, accepting=True))
def test_numpy_integers_are_integers(call, rules, name, rule):
    expected = plain(valid(call, rules, **{name: rule.wrap(rule.good)}))
    for numpy_integer in (np.int64(rule.good), np.int32(rule.good)):
        assert_same(rules, valid(call, rules, **{name: rule.wrap(numpy_integer)}), expected)


# ---------------------------------------------------------------- reals


@pytest.mark.parametrize("rules, name, rule", cases(Real))
def test_reals_refuse_bools_tensors_nan_and_inf(call, rules, name, rule):
    label = label_of(name, rule)
    for bad in (True, torch.tensor(rule.good)):
        with pytest.raises(ArgumentTypeError, match=rf"^{label} must be a real number \(int or float\), "
                                                    rf"got {re.escape(describe(bad))}"):
            call(rules, **{name: bad})
    for bad in (float("nan"), float("inf")):
        with pytest.raises(ValueError, match=rf"^{label} must be a finite number, got {bad} \(float\)"):
            call(rules, **{name: bad})
    for outside in (rule.below, rule.above):
        if outside is not None:
            with pytest.raises(ValueError, match=rf"^{label} must be .*got {outside}"):
                call(rules, **{name: outside})


@pytest.mark.parametrize("rules, name, rule", cases(Real, accepting=True))
def test_numpy_numbers_are_real_numbers(call, rules, name, rule):
    expected = plain(valid(call, rules, **{name: rule.good}))
    others = [np.float64(rule.good), np.float32(rule.good)] + ([np.int64(rule.good)] if rule.good % 1 == 0 else [])
    for other in others:
        got = valid(call, rules, **{name: other})
        if float(other) == rule.good:
            assert_same(rules, got, expected)


# ---------------------------------------------------------------- arrays


WHICH_PART = r"(\[\d+\])?( \([^)]*\))?"  # "c2_list[0]", "c2 (its crop at offset 0)"


def nan_message(name, rule):
    label = rule.label or name
    if rule.nan.startswith(label):
        return "^" + rule.nan
    return rf"^{re.escape(label)}{WHICH_PART} must (be )?{rule.nan}"


@pytest.mark.parametrize("rules, name, rule", cases(Array))
def test_arrays_holding_nan_are_refused_by_name_or_documented(call, rules, name, rule):
    holding_nan = np.array(rule.good, dtype=np.float64)
    holding_nan.flat[1] = np.nan  # off the diagonal of a map
    if rule.nan is None:
        call(rules, **{name: rule.wrap(holding_nan)})
        return
    with pytest.raises(ValueError, match=nan_message(name, rule)):
        plain(call(rules, **{name: rule.wrap(holding_nan)}))


@pytest.mark.parametrize("rules, name, rule", [case for case in cases(Array) if case.values[2].scalar])
def test_a_scalar_is_not_an_array(call, rules, name, rule):
    for scalar in (True, 2.5):
        with pytest.raises(ValueError, match=rf"^{re.escape(rule.label or name)}{WHICH_PART} must"):
            plain(call(rules, **{name: rule.wrap(scalar)}))


@pytest.mark.parametrize("rules, name, rule", cases(Array, accepting=True))
def test_lists_and_cpu_tensors_are_arrays(call, rules, name, rule):
    good = np.asarray(rule.good)
    expected = plain(valid(call, rules, **{name: rule.wrap(good)}))
    for other in (good.tolist(), torch.from_numpy(good.copy())):
        assert_same(rules, valid(call, rules, **{name: rule.wrap(other)}), expected)


# ---------------------------------------------------------------- flags and choices


@pytest.mark.parametrize("rules, name, rule", cases(Flag))
def test_flags_are_true_or_false(call, rules, name, rule):
    for bad in (1, "yes", None):
        with pytest.raises(ArgumentTypeError, match=rf"^{name} must be True or False, got {re.escape(describe(bad))}"):
            call(rules, **{name: bad})


@pytest.mark.parametrize("rules, name, rule", cases(Choice))
def test_choices_list_what_is_allowed(call, rules, name, rule):
    with pytest.raises(ValueError, match=rf"^{name} must be one of .*; got {re.escape(describe(rule.bad))}"):
        call(rules, **{name: rule.bad})
