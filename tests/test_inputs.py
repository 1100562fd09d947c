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
from xpcs_nb import aps, dataset, evaluation, latent, pipeline, plotting, prepare_crops, rheology, widgets
from xpcs_nb import correlation as corr
from xpcs_nb import scenarios as sc
from xpcs_nb import simulate as sim
from xpcs_nb.geometry import Detector
from xpcs_nb.library import LibrarySpec
from xpcs_nb.paths import generated_dir
from xpcs_nb.presets import get_preset
from xpcs_nb.train import TrainConfig, mean_image_mse, reconstruction_mse, train
from xpcs_nb.validation import ArgumentTypeError, describe

# unweighted fits on purpose (exact curves, input checks): the warning is tested in test_correlation_g2.py
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
        expected = (rf"^{label_of(name, rule)} must be an integer \(int or numpy integer\), "
                    rf"got {re.escape(describe(bad))}")
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


WHICH_PART = r"(\[\d+\])?( \([^)]*\)| [a-z ]+)?"  # "c2_list[0]", "c2 (its crop at offset 0)", "crops read on demand"


def nan_message(name, rule):
    label = rule.label or name
    if rule.nan.startswith("^"):
        return rule.nan
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
    for scalar in (True, 2.5, np.int64(3), np.float32(3.0)):
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


# ---------------------------------------------------------------- what one rule does not say

C2 = ir.C2_STACK
LABELS_8 = ir.LABELS_8
MAP, S, N_FRAMES, CROPS_S = ir.MAP, ir.S, ir.N_FRAMES, ir.CROPS_S
TINY_SPEC = ir.TINY_SPEC


def _two_time(frames, labels):
    return corr.two_time(frames, labels, dtype=np.float64)


def _multi_tau(frames, labels):
    return corr.multi_tau_g2(frames, labels, 2, 4)


def _stack_holding_nan():
    frames = ir.STACK.copy()
    frames[3, 1, 1] = np.nan
    return frames


def _float_labels_holding_nan():
    labels = LABELS_8.astype(np.float64)
    labels[0, 0] = np.nan
    return labels


def _alignment(**changes):
    return rheology.transition_alignment(**(ir._ALIGNMENT | changes))


def _explorer(**changes):
    return widgets.neighbour_explorer(**(dict(crops=ir.R_CROPS, latents=ir.R_LATENTS, embedding=ir.EMBEDDING,
                                              labels=ir.R_LABELS, k=3, start=0, dpi=20) | changes))


def _eval_table():
    return evaluation.method_table(**ir._TABLE)


# (a call, the error it raises, the message's pattern)
MESSAGES = {
    # correlation, geometry
    "two_time frames 2-D": (lambda: _two_time(ir.STACK[0], LABELS_8), ValueError,
                            r"frames must be 3-D, got an array of shape \(8, 8\)"),
    "multi_tau frames 2-D": (lambda: _multi_tau(ir.STACK[0], LABELS_8), ValueError,
                             r"frames must be 3-D, got an array of shape \(8, 8\)"),
    "kww tau NaN in a list": (lambda: corr.kww([1.0, np.nan], 1.0, 0.2, 1.0, 1.0), ValueError, "tau must be finite"),
    "two_time labels fractional": (lambda: _two_time(ir.STACK, LABELS_8 + 0.5), ArgumentTypeError,
                                   "labels must hold integers"),
    "multi_tau frames NaN": (lambda: _multi_tau(_stack_holding_nan(), LABELS_8), ValueError,
                             "frames hold NaN or inf in a labelled pixel"),
    "multi_tau labels NaN": (lambda: _multi_tau(ir.STACK, _float_labels_holding_nan()), ValueError,
                             r"labels must be finite; 1 of its 64 values are NaN"),
    "multi_tau labels fractional": (lambda: _multi_tau(ir.STACK, LABELS_8 + 0.5), ArgumentTypeError,
                                    "labels must hold integers"),
    "num_bufs odd": (lambda: corr.multi_tau_g2(ir.STACK, LABELS_8, 2, 5), ValueError,
                     "num_bufs must be an even integer"),
    "first_lag beyond T": (lambda: corr.diagonal_means(C2, first_lag=10), ValueError,
                           r"first_lag must be >= 0 and <= 9 for c2 with T = 10, got 10"),
    "last_lag below first_lag": (lambda: corr.diagonal_means(C2, first_lag=3, last_lag=2), ValueError,
                                 r"last_lag must be >= 3 .*got 2"),
    "c2 not square": (lambda: corr.g2_from_c2(np.zeros((3, 4))), ValueError,
                      r"c2 must be square maps \(\.\.\., T, T\), got an array of shape \(3, 4\)"),
    "diagonal_means c2 not square": (lambda: corr.diagonal_means(np.zeros((3, 4))), ValueError,
                                     r"c2 must be square maps \(\.\.\., T, T\)"),
    "c2 of strings": (lambda: corr.g2_from_c2(np.full((3, 3), "x")), ArgumentTypeError, "c2 must hold real numbers"),
    "diagonal_means c2 of strings": (lambda: corr.diagonal_means(np.full((3, 3), "x")), ArgumentTypeError,
                                     "c2 must hold real numbers"),
    "q_edges NaN": (lambda: corr.roi_partition(ir.Q_MAP, ir.PHI_MAP, [0.1, np.nan, 0.3]), ValueError,
                    "q_edges must be strictly increasing"),
    "fit_kww p0 key": (lambda: corr.fit_kww(ir.TAU, ir.G2, p0={"gamma": 1.0}), ValueError,
                       "a key of p0 must be one of .*got 'gamma'"),
    "fit_kww alpha_bounds": (lambda: corr.fit_kww(ir.TAU, ir.G2, alpha_bounds=(2.0, 1.0)), ValueError,
                             "alpha_bounds must be"),
    "Detector shape one number": (lambda: Detector(shape=6), ArgumentTypeError, "shape must be two numbers"),
    "Detector shape[0] zero": (lambda: Detector(shape=(0, 4)), ValueError, r"shape\[0\] must be >= 1, got 0"),
    "Detector wavelength": (lambda: Detector(wavelength=-1.0), ValueError,
                            r"wavelength must be > 0.0 \(metres\), got -1.0"),
    # dataset, aps, library, presets
    "seed below 0": (lambda: dataset.crop_rng(-1, 0), ValueError, "seed must be >= 0"),
    "offset beyond the map": (lambda: dataset.diagonal_crop(MAP, N_FRAMES - S + 1, S), ValueError,
                              rf"offset must be >= 0 and <= {N_FRAMES - S}"),
    "factor beyond the crop": (lambda: dataset.shift_table(4, S + 1, S, seed=0), ValueError,
                               f"factor must be >= 1 and <= {S}"),
    "indices fractional": (lambda: dataset.AugmentedCropDataset(CROPS_S, [0.5, 1.0], seed=0), ArgumentTypeError,
                           "indices must hold integers"),
    "rois fractional": (lambda: prepare_crops(ir.MAP, seed=0, crop_size=ir.S, rois=[1.5]), ArgumentTypeError,
                        "rois must hold integers"),
    "photons_per_pixel zero": (lambda: LibrarySpec(**(TINY_SPEC | {"photons_per_pixel": 0})), ValueError,
                               "photons_per_pixel must be > 0"),
    "latent_sweep entry": (lambda: ir.preset_with(latent_sweep=(4, 8.0)), ArgumentTypeError, "latent_sweep entry"),
    "get_preset of 1": (lambda: get_preset(1), ArgumentTypeError, "name must be a preset name"),
    "get_preset of True": (lambda: get_preset(True), ArgumentTypeError,
                           r"name must be a preset name such as 'fast', got True \(bool\)"),
    "generated_dir of True": (lambda: generated_dir(True), ArgumentTypeError, "preset_name must be a str"),
    "generated_dir of a path": (lambda: generated_dir("a/b"), ValueError, "simple name"),
    # evaluation
    "crops not square": (lambda: evaluation.treat_diagonal(np.zeros((2, 3, 4)), "keep"), ValueError,
                         "crops must be square"),
    "crops beyond [0, 1]": (lambda: evaluation.network_features(ir.small_network(), ir.EVAL_CROPS * 2), ValueError,
                            "crops must have values >= 0 and <= 1"),
    "labels one short": (lambda: evaluation.rate_class_ari(ir.FEATURES, ir.EVAL_LABELS[:-1]), ValueError,
                         "labels must have one entry per row of features"),
    "labels fractional": (lambda: evaluation.chance_precision(ir.EVAL_LABELS + 0.5, [0]), ValueError,
                          "labels must hold integers"),
    "trained not a module": (lambda: evaluation.method_features(ir.EVAL_CROPS, [], untrained_seeds=[0]), TypeError,
                             "trained must be a torch.nn.Module"),
    "data not an EvaluationSet": (lambda: evaluation.compare_methods(ir.EVAL_CROPS, ir.NETWORK), TypeError,
                                  "data must be an EvaluationSet"),
    "verdict std": (lambda: evaluation.verdict(0.5, -0.1, 0.4, 0.1), ValueError, "std must be >= 0"),
    "verdict other_mean": (lambda: evaluation.verdict(0.5, 0.1, True, 0.1), ArgumentTypeError,
                           "other_mean must be a real number"),
    "verdict mean": (lambda: evaluation.verdict(float("nan"), 0.1, 0.4, 0.1), ValueError,
                     "mean must be a finite number"),
    "verdicts of a dict": (lambda: evaluation.verdicts({"method": ["trained"]}), TypeError,
                           "table must be a DataFrame"),
    "verdicts without std": (lambda: evaluation.verdicts(_eval_table().drop(columns="std")), ValueError,
                             r"missing \['std'\]"),
    "verdicts reference": (lambda: evaluation.verdicts(_eval_table().assign(method="trained"), "untrained"),
                           ValueError, "reference must be one of the table's methods"),
    "verdict_sentence metric": (lambda: evaluation.verdict_sentence(_eval_table(), "rate-class ARI", 10.0),
                                ValueError, "table has no rows for metric"),
    "method_sweep metric": (lambda: plotting.method_sweep(_eval_table(), "accuracy"), ValueError,
                            "metric must be one of the table's metrics"),
    "method_sweep two diagonals": (lambda: plotting.method_sweep(
        pd.concat([_eval_table(), _eval_table().assign(diagonal="neighbours")]), "rate-class ARI"), ValueError,
        "table must hold one diagonal choice"),
    "method_sweep of a dict": (lambda: plotting.method_sweep(_eval_table().to_dict(), "rate-class ARI"), TypeError,
                               "table must be a DataFrame"),
    # latent
    "latents 4-D": (lambda: latent.cluster(np.zeros((2, 2, 2, 2)), 3, 0), ValueError,
                    r"latents must be .*got an array of shape \(2, 2, 2, 2\)"),
    "band_width crops 4-D": (lambda: latent.band_width(np.zeros((2, 2, 2, 2))), ValueError,
                             r"crops must be .*got an array of shape \(2, 2, 2, 2\)"),
    "scores true 4-D": (lambda: evaluation.cluster_scores(np.zeros((2, 2, 2, 2)), ir.LATENT_LABELS), ValueError,
                        r"true must be .*got an array of shape \(2, 2, 2, 2\)"),
    "query 4-D": (lambda: latent.nearest_neighbours(ir.LATENTS, np.zeros((2, 2, 2, 2))), ValueError,
                  r"query must be .*got an array of shape \(2, 2, 2, 2\)"),
    "bool labels": (lambda: latent.order_by_relaxation(np.array([True, False]), np.array([1.0, 2.0])),
                    ArgumentTypeError, "labels must hold integers"),
    "ks of floats": (lambda: latent.kmeans_sweep(ir.LATENTS, ks=[2.0, 3.0, 4.0], seed=0), ArgumentTypeError,
                     r"ks must hold integers .*got an array of shape \(3,\)"),
    "ks of bools": (lambda: latent.kmeans_sweep(ir.LATENTS, ks=[True, True, True], seed=0), ArgumentTypeError,
                    "ks must hold integers"),
    "baseline kind": (lambda: evaluation.baseline_features(ir.BAND_CROPS, "wavelets"), ValueError,
                      r"kind must be one of 'pca', 'pixels'; got 'wavelets'"),
    "features not a mapping": (lambda: evaluation.score_table(ir.LATENT_LABELS, ir.LATENTS), ArgumentTypeError,
                               r"features must be a mapping .*got an array of shape \(12, 4\)"),
    "model a string": (lambda: latent.encode("not a model", ir.BIG_CROPS), ArgumentTypeError,
                       r"model must be a torch.nn.Module with a method encode\(\), got 'not a model' \(str\)"),
    "model without decode": (lambda: latent.decode(torch.nn.Linear(2, 2), ir.LATENTS), ArgumentTypeError,
                             r"model must be a torch.nn.Module with a method decode\(\)"),
    # plotting
    "images 2-D": (lambda: plotting.crop_grid(np.zeros((8, 8))), ValueError, "images must be 3-D"),
    "embedding of 3 columns": (lambda: plotting.umap_scatter(np.zeros((4, 3)), ir.CLASSES), ValueError,
                               r"embedding must have shape \(any, 2\)"),
    "classes fractional": (lambda: plotting.umap_scatter(np.zeros((4, 2)), [0.5, 1.0, 0.0, 1.0]), ArgumentTypeError,
                           "classes"),
    # rheology, neighbour explorer
    "index beyond the items": (lambda: widgets.neighbours_of(ir.R_LATENTS, 12, 3), ValueError,
                               r"^index must be >= 0 and <= 11, got 12$"),
    "n_classes at a label": (lambda: rheology.class_fractions(ir.R_LABELS, ir.R_LABELS, n_classes=2), ValueError,
                             r"^n_classes must exceed every label; labels reach 2, n_classes is 2$"),
    "threshold beyond 1": (lambda: rheology.transition_times(ir.FRACTIONS, ir.WINDOW_TIMES, [1], threshold=2.5),
                           ValueError, r"^threshold must be > 0.0 and < 1.0, got 2.5$"),
    "prominence negative": (lambda: rheology.stress_minima(ir.TIME, ir.STRESS, prominence=-1.0), ValueError,
                            r"^prominence must be > 0.0 Pa, got -1.0$"),
    "direction up": (lambda: rheology.transition_times(ir.FRACTIONS, ir.WINDOW_TIMES, [1], direction="up"),
                     ValueError, r"^direction must be one of 'either', 'rise', 'fall'; got 'up' \(str\)$"),
    "fast_classes True": (lambda: _alignment(fast_classes=True), ArgumentTypeError, "^fast_classes must hold integers"),
    "fast_classes 1.5": (lambda: _alignment(fast_classes=1.5), ArgumentTypeError, "^fast_classes must hold integers"),
    "fast_classes NaN": (lambda: _alignment(fast_classes=[np.nan]), ArgumentTypeError,
                         "^fast_classes must hold integers"),
    "fast_classes beyond": (lambda: _alignment(fast_classes=[2]), ValueError,
                            r"^fast_classes must be column numbers in 0 .. 1, got \[2\]$"),
    "labels fractional (fractions)": (lambda: rheology.class_fractions(ir.R_LABELS + 0.5, ir.R_LABELS),
                                      ArgumentTypeError, r"^labels must hold integers, got an array of shape \(12,\)"),
    "labels bool (fractions)": (lambda: rheology.class_fractions(ir.R_LABELS > 0, ir.R_LABELS), ArgumentTypeError,
                                "^labels must hold integers"),
    "labels negative": (lambda: rheology.class_fractions(ir.R_LABELS - (ir.R_LABELS == 0), ir.R_LABELS), ValueError,
                        r"^labels must have values >= 0, got values in \[-1, 2\]$"),
    "window_ids one short": (lambda: rheology.class_fractions(ir.R_LABELS, ir.R_LABELS[:11]), ValueError,
                             r"^window_ids must have one entry per label \(12\), got shape \(11,\)$"),
    "stress one short": (lambda: rheology.stress_minima(ir.TIME, ir.STRESS[:9]), ValueError,
                         r"^stress must have shape \(10\), got an array of shape \(9,\)"),
    "time of two values": (lambda: rheology.stress_minima(ir.TIME[:2], ir.STRESS[:2]), ValueError,
                           r"^time must hold at least 3 value\(s\)"),
    "explorer latents short": (lambda: _explorer(latents=ir.R_LATENTS[:5]), ValueError,
                               r"^latents must have shape \(12, any\)"),
    "explorer crops 2-D": (lambda: _explorer(crops=ir.R_CROPS[0]), ValueError, "^crops must be 3-D"),
    "rheo a dict": (lambda: rheology.shear_stop_time({"time": [0.0]}), ArgumentTypeError,
                    r"^rheo must be a pandas DataFrame, got \{'time': \[0.0\]\} \(dict\)$"),
    # simulate, scenarios
    "labels of a batch fractional": (lambda: sc.scenario_batch([1.5, 2.0], 8, seed=0), ArgumentTypeError,
                                     "labels must hold integers"),
    "labels of a batch bool": (lambda: sc.scenario_batch([True, False], 8, seed=0), ArgumentTypeError,
                               "labels must hold integers"),
    "labels of a batch beyond 6": (lambda: sc.scenario_batch([0, 7], 8, seed=0), ValueError,
                                   "labels must have values >= 0 and <= 6"),
    "detector a tuple": (lambda: sim.simulate_movie(**(ir._MOVIE | {"detector": (4, 4)})), ArgumentTypeError,
                         "detector must be a Detector"),
    "dynamics a number": (lambda: sim.simulate_movie(**(ir._MOVIE | {"dynamics": 1.0})), ArgumentTypeError,
                          "dynamics must be a Dynamics"),
    "roi a number": (lambda: sc.scenario_c2(**(ir._SCENARIO | {"roi": 0})), ArgumentTypeError,
                     "roi must be a SectorROI"),
    "rng a number": (lambda: sc.scenario_dynamics(0, 0, dt=0.1, n_frames=8, roi=ir.ROI), ArgumentTypeError,
                     "rng must be a numpy.random.Generator"),
    "label beyond 6": (lambda: sc.scenario_c2(**(ir._SCENARIO | {"label": 7})), ValueError,
                       "label must be >= 0 and <= 6.*heterodyne.*got 7"),
    "sector beyond 17": (lambda: sc.SectorROI(sector=18), ValueError,
                         "sector must be >= 0 and <= 17 for 18 sectors, got 18"),
    "c2_mean not square": (lambda: sc.c2_noise_std(**(ir._NOISE | {"c2_mean": np.ones((3, 4))})), ValueError,
                           "c2_mean must be a square map"),
    "q_edges decreasing": (lambda: sc.SectorROI(q_edges=(0.029, 0.019)), ValueError, "q_edges must be increasing"),
    "g2_theory tau NaN": (lambda: sim.stationary(2.0).g2_theory(0.02, [0.1, np.nan], 0.5), ValueError,
                          "tau must be finite"),
    "g2_theory contrast": (lambda: sim.stationary(2.0).g2_theory(0.02, [0.1], 2.0), ValueError,
                           r"contrast must be > 0.0 and <= 1.0 \(speckle contrast beta\), got 2.0"),
    "c2_theory contrast": (lambda: sim.stationary(2.0).c2_theory(0.02, [0.0, 0.1], True), ArgumentTypeError,
                           "contrast must be a real number.*True"),
    "c2_theory times NaN": (lambda: sim.stationary(2.0).c2_theory(0.02, [0.0, np.nan], 0.5), ValueError,
                            "times must be finite"),
    "relaxation_rate q": (lambda: sim.simulate_movie(**ir._MOVIE).relaxation_rate(-0.01), ValueError,
                          "q must be >= 0"),
    # model, training
    "encode a numpy batch": (lambda: ir.tiny_autoencoder().eval().encode(np.zeros((1, 1, 8, 8), dtype=np.float32)),
                             TypeError, "images must be a torch.Tensor, got .*ndarray"),
    "decode a numpy batch": (lambda: ir.tiny_autoencoder().decode(np.zeros((1, 4), dtype=np.float32)), TypeError,
                             "latents must be a torch.Tensor"),
    **{f"TrainConfig {name}": (lambda change=change: TrainConfig(**change), ValueError, name)
       for change, name in [({"channels_last": 1}, "channels_last"), ({"progress": "yes"}, "progress"),
                            ({"device": 0}, "device"), ({"checkpoint_dir": 3}, "checkpoint_dir"),
                            ({"amp": True}, "amp"), ({"loss": None}, "loss")]},
    **{f"resume {bad!r}": (lambda bad=bad: train(ir.tiny_autoencoder(), TensorDataset(torch.rand(8, 1, 8, 8)), None,
                                                 TrainConfig(epochs=1), resume=bad), ArgumentTypeError,
                            "resume must be True or False") for bad in (1, "yes")},
    "config a dict": (lambda: train(ir.tiny_autoencoder(), TensorDataset(torch.rand(8, 1, 8, 8)), None,
                                    {"epochs": 1}), TypeError, r"config must be a TrainConfig, got \{'epochs': 1\}"),
    "numpy items": (lambda: train(ir.tiny_autoencoder(), [np.zeros((1, 8, 8), dtype=np.float32)], None,
                                  TrainConfig(epochs=1, batch_size=4, device="cpu", amp="off", progress=False)),
                    ValueError, r"train_ds items must be float tensors \(1, S, S\), got ndarray"),
    "crops beyond 1": (lambda: reconstruction_mse(torch.nn.Identity(), np.full((1, 4, 4), 2.0)), ValueError,
                       "crops must have values >= 0 and <= 1"),
    "crops 2-D": (lambda: reconstruction_mse(torch.nn.Identity(), np.zeros((4, 4))), ValueError, "crops must be 3-D"),
    "test_crops of another size": (lambda: mean_image_mse(np.zeros((2, 4, 4)), np.zeros((1, 3, 3))), ValueError,
                                   r"test_crops must have the training crops' size \(4, 4\)"),
    "checkpoint_dir preset 3": (lambda: pipeline.checkpoint_dir(3), ArgumentTypeError,
                                "preset must be a preset name"),
    "checkpoint_dir train_seed": (lambda: pipeline.checkpoint_dir("fast", train_seed=-1), ValueError,
                                  "must be >= 0"),  # the message says "seed", not "train_seed"
}


@pytest.mark.parametrize("case", MESSAGES)
def test_messages_name_the_argument(case, tmp_path, monkeypatch):
    monkeypatch.setenv("XPCS_DATA_DIR", str(tmp_path))
    make, error, pattern = MESSAGES[case]
    with pytest.raises(error, match=pattern):
        plain(make())
    plt.close("all")


@pytest.mark.parametrize("bad", [(), (1.0, 0.0), (1.0, float("nan")), (True,)], ids=repr)
def test_preset_photon_rates_are_checked(bad):
    with pytest.raises((ValueError, ArgumentTypeError), match="eval_photons"):
        ir.preset_with(eval_photons=bad)


# ---------------------------------------------------------------- answers that are not errors


def test_boolean_and_integral_float_labels_still_work():
    reference = _two_time(ir.STACK, LABELS_8)
    np.testing.assert_array_equal(_two_time(ir.STACK, LABELS_8.astype(np.float32)), reference)
    np.testing.assert_array_equal(_two_time(ir.STACK, LABELS_8 == 2)[0], reference[1])


def test_a_nan_in_the_q_map_is_a_pixel_in_no_roi():
    q = ir.Q_MAP.copy()
    reference = corr.roi_partition(q, ir.PHI_MAP, ir.Q_EDGES, n_sectors=4)
    row, col = np.argwhere(reference > 0)[0]
    q[row, col] = np.nan  # a masked gap
    holed = corr.roi_partition(q, ir.PHI_MAP, ir.Q_EDGES, n_sectors=4)
    assert holed[row, col] == 0 and (holed != reference).sum() == 1


@pytest.mark.parametrize("function", [corr.g2_from_c2, corr.diagonal_means])
def test_a_nan_in_c2_stays_in_its_lag(function):
    reference = function(C2)
    holed = C2.copy()
    holed[1, 2, 5] = np.nan  # lag 3 of map 1
    got = function(holed)
    assert np.isnan(got[1, 2]) and np.isfinite(np.delete(got[1], 2)).all()
    np.testing.assert_array_equal(got[[0, 2]], reference[[0, 2]])


def test_a_nan_g2_point_is_left_out_of_the_fit():
    holed = ir.G2.copy()
    holed[4] = np.nan  # a lag touched by a dark frame
    fit = corr.fit_kww(ir.TAU, holed)
    assert fit.n_points == 29 and fit.rate == pytest.approx(2.0, rel=1e-6)


def test_numpy_numbers_make_python_numbers():
    assert corr.kww(np.float32(0.0), 1.0, np.int64(1), 2.0, 1.0) == 2.0
    detector = Detector(shape=(np.int64(6), np.int32(4)), pixel_size=np.float32(55e-6))
    assert detector.shape == (6, 4) and all(type(n) is int for n in detector.shape)
    with_numpy = LibrarySpec(**(TINY_SPEC | {"n_per_class": np.int64(1), "seed": np.uint8(0)}))
    assert with_numpy == LibrarySpec(**TINY_SPEC) and hash(with_numpy) == hash(LibrarySpec(**TINY_SPEC))
    assert type(with_numpy.n_per_class) is int
    assert type(ir.preset_with(n_frames=np.int64(600)).n_frames) is int
    assert ir.preset_with(train_items=None).train_items is None
    model = ir.published_autoencoder(latent_size=np.int64(8))
    assert type(model.latent_size) is int and model.bottleneck[1].out_features == 8
    assert sim.simulate_movie(**(ir._MOVIE | {"dt": np.int64(1)})).dt == 1.0
    assert rheology.align_windows([-5.0], np.int64(209)) == rheology.align_windows([-5.0], 209.0)
    np.testing.assert_equal(rheology.stress_minima(ir.TIME, ir.STRESS, prominence=1),
                            rheology.stress_minima(ir.TIME, ir.STRESS, prominence=1.0))


def test_generated_dir_takes_a_plain_name(tmp_path, monkeypatch):
    monkeypatch.setenv("XPCS_DATA_DIR", str(tmp_path))
    assert generated_dir("fast") == tmp_path / "generated" / "fast"


def test_order_by_relaxation_ranks_unmeasured_widths_last():
    """order_by_relaxation's documented NaN: a class whose widths could not be measured."""
    new_labels, mapping = latent.order_by_relaxation([0, 1, 2], [np.nan, 3.0, 9.0])
    assert mapping == {2: 0, 1: 1, 0: 2}


def test_ks_may_come_as_a_tensor_or_a_generator():
    from_tensor = latent.kmeans_sweep(ir.LATENTS, ks=torch.arange(2, 5), seed=0, n_init=2)
    from_generator = latent.kmeans_sweep(ir.LATENTS, ks=(k for k in (2, 3, 4)), seed=0, n_init=2)
    np.testing.assert_equal(plain(from_tensor), plain(from_generator))
    assert from_tensor.ks.tolist() == [2, 3, 4]


def test_show_c2_leaves_nan_blank_and_scales_to_the_rest():
    c2 = np.full((4, 4), 0.5) + np.eye(4)
    c2[np.tril_indices(4, -1)] = np.nan  # an APS file holds the upper half only
    image = plotting.show_c2(plt.subplots()[1], torch.as_tensor(c2))
    assert np.isfinite(image.get_clim()).all()
    plt.close("all")


def test_one_fast_class_may_be_a_bare_integer_or_a_tensor():
    expected = plain(_alignment(fast_classes=[1]))
    np.testing.assert_equal(plain(_alignment(fast_classes=np.int64(1))), expected)
    np.testing.assert_equal(plain(_alignment(fast_classes=torch.tensor([1]))), expected)


def test_integral_float_labels_are_labels():
    np.testing.assert_equal(plain(rheology.class_fractions(ir.R_LABELS.astype(float), ir.R_LABELS)),
                            plain(rheology.class_fractions(ir.R_LABELS, ir.R_LABELS)))


def test_empty_windows_and_pixels_may_hold_nan():
    """A NaN row of fractions is an empty window (class_fractions makes them), and a crop is
    only drawn: both are accepted where the rules refuse NaN."""
    with_empty_window = ir.FRACTIONS.copy()
    with_empty_window[3] = np.nan
    assert rheology.transition_times(with_empty_window, ir.WINDOW_TIMES, [1]).size > 0
    crops = ir.R_CROPS.copy()
    crops[0, 0, 0] = np.nan
    figure = widgets.neighbour_figure(crops, ir.EMBEDDING, ir.R_LABELS, 0, [1, 2], [0.5, 0.6])
    assert len(figure.axes) == 4
    plt.close("all")


def test_labels_of_a_batch_take_numpy_integers_and_tensors():
    assert [truth.label for truth in sc.scenario_batch(np.array([1, 6], dtype=np.int64), 8, seed=0)[1]] == [1, 6]
    assert [truth.label for truth in sc.scenario_batch(torch.tensor([1, 6]), 8, seed=0)[1]] == [1, 6]


def test_the_theory_of_a_dynamics_takes_tensors_and_numpy_numbers():
    dynamics = sim.stationary(2.0)
    np.testing.assert_allclose(dynamics.g2_theory(torch.tensor([0.02]), [0.0], np.float32(0.5)), [1.5])
    np.testing.assert_allclose(dynamics.c2_theory(np.float64(0.02), torch.tensor([0.0, 0.1]), 0.5)[0, 0], 1.5)


def test_training_takes_numpy_integers_in_its_config_and_refuses_nan_data():
    images = TensorDataset(torch.rand(8, 1, 8, 8))
    quick = dict(epochs=1, batch_size=4, device="cpu", amp="off", progress=False)
    history = train(ir.tiny_autoencoder(), images, None,
                    TrainConfig(**(quick | dict(epochs=np.int64(1), batch_size=np.int32(4)))))
    assert history.epoch == [1]
    poisoned = images.tensors[0].clone()
    poisoned[5, 0, 1, 1] = float("nan")
    with pytest.raises(ValueError, match=r"training batch [01] of epoch 1 holds 1 NaN and 0 inf values"):
        train(ir.tiny_autoencoder(), TensorDataset(poisoned), None, TrainConfig(**quick))


def test_errors_against_the_mean_image_take_tensors():
    assert reconstruction_mse(torch.nn.Identity(), np.full((2, 4, 4), 0.5, dtype=np.float32)) == 0.0
    assert mean_image_mse(torch.zeros(2, 4, 4), torch.ones(1, 4, 4)) == 1.0


@pytest.mark.parametrize("tag", ["main", "sweep", "run-2_b", "v1.2"])
def test_checkpoint_dir_takes_plain_tags(tmp_path, monkeypatch, tag):
    monkeypatch.setenv("XPCS_DATA_DIR", str(tmp_path))
    folder = pipeline.checkpoint_dir("fast", tag=tag)
    assert folder.parent == tmp_path / "generated" / "fast" and tag in folder.name


@pytest.mark.parametrize("tag", ["../escape", "a/b", "a\\b", "", ".", "..", "a..b", ".hidden", "x/../..",
                                 None, 3, True])
def test_checkpoint_dir_refuses_tags_that_are_not_plain_names(tmp_path, monkeypatch, tag):
    monkeypatch.setenv("XPCS_DATA_DIR", str(tmp_path))
    with pytest.raises(ValueError, match="tag must be a plain name"):
        pipeline.checkpoint_dir("fast", tag=tag)
    monkeypatch.setattr(pipeline, "augmented_sets", stop)
    with pytest.raises(ValueError, match="tag must be a plain name"):
        pipeline.trained_autoencoder("fast", tag=tag if tag != "main" else "../../x")


def test_checkpoint_dir_names_a_training_seed_other_than_the_data_seed(tmp_path, monkeypatch):
    monkeypatch.setenv("XPCS_DATA_DIR", str(tmp_path))
    assert pipeline.checkpoint_dir("fast", seed=0, train_seed=0) == pipeline.checkpoint_dir("fast", seed=0)
    key, run = pipeline.library_key("fast"), pipeline.training_key("fast")
    assert pipeline.checkpoint_dir("fast", seed=0, train_seed=2).name.endswith(f"_seed0_lib{key}_run{run}_train2")
