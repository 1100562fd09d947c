"""Input rules of xpcs_nb.evaluation's entry points: sizes, seeds, reals and arrays.

Integers accept Python and numpy integers and refuse bool and every float (also
``np.float32(2)``); reals refuse bool, NaN and tensors; arrays accept lists, numpy and
CPU torch tensors and refuse NaN. Each error names the argument.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from xpcs_nb import evaluation
from xpcs_nb.model import Autoencoder
from xpcs_nb.validation import ArgumentTypeError

RNG = np.random.default_rng(0)
LABELS = np.repeat(np.arange(7), 4)
FEATURES = LABELS[:, None] + RNG.normal(0, 0.01, (28, 2))
CROPS = RNG.random((3, 32, 32))


def network():
    torch.manual_seed(0)
    return Autoencoder(latent_size=4, encoder_channels=(2, 2, 2), decoder_channels=(2, 2, 2), pool=2,
                       image_size=32)


# Each entry: argument name, a call taking that argument's value, and a valid integer n.
INTEGER_ARGUMENTS = {
    "seed (evaluation_spec)": ("seed", lambda v: evaluation.evaluation_spec("fast", 1.0, seed=v), 3),
    "n_per_class": ("n_per_class", lambda v: evaluation.evaluation_spec("fast", 1.0, n_per_class=v), 2),
    "seed (untrained_copy)": ("seed", lambda v: evaluation.untrained_copy(network(), v), 3),
    "seed (classical_features)": ("seed", lambda v: evaluation.classical_features(CROPS, seed=v), 1),
    "pca_components": ("pca_components", lambda v: evaluation.classical_features(CROPS, pca_components=v), 2),
    "pixel_block": ("pixel_block", lambda v: evaluation.classical_features(CROPS, pixel_block=v), 4),
    "kmeans_seeds": ("each of kmeans_seeds", lambda v: evaluation.rate_class_ari(FEATURES, LABELS, [v]), 0),
    "n_init": ("n_init", lambda v: evaluation.rate_class_ari(FEATURES, LABELS, [0], n_init=v), 2),
    "k (precision_at_k)": ("k", lambda v: evaluation.precision_at_k(FEATURES, LABELS, [0], k=v), 3),
    "family": ("family", lambda v: evaluation.family_retrieval(FEATURES, LABELS, v, k=2), 5),
    "k (family_retrieval)": ("k", lambda v: evaluation.family_retrieval(FEATURES, LABELS, 5, k=v), 2),
    "k (method_table)": ("k", lambda v: evaluation.method_table({"x": [FEATURES]}, LABELS, photons_per_pixel=1.0,
                                                                diagonal="keep", kmeans_seeds=[0], k=v), 2),
    "untrained_seeds": ("each of untrained_seeds",
                        lambda v: evaluation.method_features(CROPS, network(), untrained_seeds=[v]), 1),
}


@pytest.mark.parametrize("case", INTEGER_ARGUMENTS, ids=str)
@pytest.mark.parametrize("bad", [True, 2.5, np.float32(2), 2.0, torch.tensor(2)], ids=repr)
def test_integer_arguments_refuse_bools_floats_and_tensors(case, bad):
    name, call, _ = INTEGER_ARGUMENTS[case]
    with pytest.raises(ArgumentTypeError, match=f"{name} must be an integer"):
        call(bad)


@pytest.mark.parametrize("case", INTEGER_ARGUMENTS, ids=str)
def test_integer_arguments_accept_numpy_integers(case):
    _, call, n = INTEGER_ARGUMENTS[case]
    assert call(np.int64(n)) is not None


REAL_ARGUMENTS = {
    "diagonal_lift": lambda v: evaluation.diagonal_lift(v),
    "evaluation_spec": lambda v: evaluation.evaluation_spec("fast", v),
    "method_table": lambda v: evaluation.method_table({"x": [FEATURES]}, LABELS, photons_per_pixel=v,
                                                      diagonal="keep", kmeans_seeds=[0], k=2),
}


@pytest.mark.parametrize("case", REAL_ARGUMENTS)
def test_photon_rates_refuse_bools_tensors_nan_and_zero(case):
    call = REAL_ARGUMENTS[case]
    for bad in (True, torch.tensor(1.0)):
        with pytest.raises(ArgumentTypeError, match="photons_per_pixel must be a real number"):
            call(bad)
    with pytest.raises(ValueError, match="photons_per_pixel must be a finite number"):
        call(float("nan"))
    with pytest.raises(ValueError, match="photons_per_pixel must be > 0"):
        call(0.0)
    for good in (2.5, np.int64(3), np.float32(0.5)):
        call(good)


NETWORK = network()

# Each entry: argument name, a call taking that array, and a valid array.
ARRAY_ARGUMENTS = {
    "crops (treat_diagonal)": ("crops", lambda a: evaluation.treat_diagonal(a, "keep"), CROPS),
    "crops (network_features)": ("crops", lambda a: evaluation.network_features(NETWORK, a), CROPS),
    "profiles (relaxation_time_features)": ("profiles", evaluation.relaxation_time_features, 1 + CROPS[:, 0]),
    "crops (classical_features)": ("crops", lambda a: evaluation.classical_features(a, pixel_block=8), CROPS),
    "features (rate_class_ari)": ("features", lambda a: evaluation.rate_class_ari(a, LABELS, [0]), FEATURES),
    "features (precision_at_k)": ("features", lambda a: evaluation.precision_at_k(a, LABELS, [0], 2), FEATURES),
    "labels (rate_class_ari)": ("labels", lambda a: evaluation.rate_class_ari(FEATURES, a, [0]), LABELS),
    "labels (chance_precision)": ("labels", lambda a: evaluation.chance_precision(a, [0]), LABELS),
    "queries": ("queries", lambda a: evaluation.precision_at_k(FEATURES, LABELS, a, 2), np.array([0, 5])),
    "groups": ("groups", lambda a: evaluation.precision_at_k(FEATURES, LABELS, [0], 2, groups=a), np.arange(28)),
}


@pytest.mark.parametrize("case", ARRAY_ARGUMENTS)
def test_arrays_accept_lists_and_torch_tensors(case):
    _, call, good = ARRAY_ARGUMENTS[case]
    reference = call(good)
    for same in (good.tolist(), torch.as_tensor(good)):
        result = call(same)
        if isinstance(reference, np.ndarray):
            np.testing.assert_allclose(result, reference, rtol=1e-5)


@pytest.mark.parametrize("case", ARRAY_ARGUMENTS)
def test_arrays_holding_nan_are_refused_by_name(case):
    name, call, good = ARRAY_ARGUMENTS[case]
    bad = good.astype(np.float64)
    bad.flat[1] = np.nan
    with pytest.raises(ValueError, match=f"{name} must (be finite|hold integers)"):
        call(bad)


def test_choices_and_wrong_shapes_name_the_argument():
    with pytest.raises(ValueError, match="diagonal must be one of 'keep', 'neighbours'"):
        evaluation.treat_diagonal(CROPS, "drop")
    with pytest.raises(ValueError, match="crops must be square"):
        evaluation.treat_diagonal(np.zeros((2, 3, 4)), "keep")
    with pytest.raises(ValueError, match="crops must have values >= 0 and <= 1"):
        evaluation.network_features(network(), CROPS * 2)
    with pytest.raises(ValueError, match="labels must have one entry per row of features"):
        evaluation.rate_class_ari(FEATURES, LABELS[:-1])
    with pytest.raises(ValueError, match="labels must hold integers"):
        evaluation.chance_precision(LABELS + 0.5, [0])
    with pytest.raises(TypeError, match="trained must be a torch.nn.Module"):
        evaluation.method_features(CROPS, [], untrained_seeds=[0])
    with pytest.raises(TypeError, match="data must be an EvaluationSet"):
        evaluation.compare_methods(CROPS, network())


def test_verdict_inputs_are_checked_by_name():
    with pytest.raises(ValueError, match="std must be >= 0"):
        evaluation.verdict(0.5, -0.1, 0.4, 0.1)
    with pytest.raises(ArgumentTypeError, match="other_mean must be a real number"):
        evaluation.verdict(0.5, 0.1, True, 0.1)
    with pytest.raises(ValueError, match="mean must be a finite number"):
        evaluation.verdict(float("nan"), 0.1, 0.4, 0.1)
    with pytest.raises(TypeError, match="table must be a DataFrame"):
        evaluation.verdicts({"method": ["trained"]})
    table = evaluation.method_table({"trained": [FEATURES]}, LABELS, photons_per_pixel=1.0, diagonal="keep",
                                    kmeans_seeds=[0], k=2)
    with pytest.raises(ValueError, match="missing \\['std'\\]"):
        evaluation.verdicts(table.drop(columns="std"))
    with pytest.raises(ValueError, match="reference must be one of the table's methods"):
        evaluation.verdicts(table, "untrained")
    with pytest.raises(ValueError, match="table has no rows for metric"):
        evaluation.verdict_sentence(table, "rate-class ARI", 10.0)


def test_method_sweep_inputs_are_checked_by_name():
    from xpcs_nb.plotting import method_sweep

    table = evaluation.method_table({"trained": [FEATURES]}, LABELS, photons_per_pixel=1.0, diagonal="keep",
                                    kmeans_seeds=[0], k=2)
    with pytest.raises(ValueError, match="metric must be one of the table's metrics"):
        method_sweep(table, "accuracy")
    with pytest.raises(ValueError, match="table must hold one diagonal choice"):
        method_sweep(pd.concat([table, table.assign(diagonal="neighbours")]), "rate-class ARI")
    with pytest.raises(TypeError, match="table must be a DataFrame"):
        method_sweep(table.to_dict(), "rate-class ARI")


@pytest.mark.parametrize("bad", [(), (1.0, 0.0), (1.0, float("nan")), (True,)], ids=repr)
def test_preset_photon_rates_are_checked(bad):
    from xpcs_nb.presets import get_preset

    with pytest.raises((ValueError, ArgumentTypeError), match="eval_photons"):
        get_preset("fast").with_(eval_photons=bad)


@pytest.mark.parametrize("field", ["eval_per_class", "eval_kmeans_seeds", "eval_untrained_seeds",
                                   "eval_train_seeds"])
def test_preset_evaluation_sizes_are_positive_integers(field):
    from xpcs_nb.presets import get_preset

    with pytest.raises(ArgumentTypeError, match=f"{field} must be an integer"):
        get_preset("fast").with_(**{field: 2.0})
    with pytest.raises(ValueError, match=f"{field} must be >= 1"):
        get_preset("fast").with_(**{field: 0})
