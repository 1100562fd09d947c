"""The continuous truth and its scores, against independent computations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr
from sklearn.metrics import balanced_accuracy_score, r2_score

from xpcs_nb import evaluation, scenarios
from xpcs_nb.evaluation import continuous, truth_scores


def test_truth_draws_fill_the_rate_range_without_gaps_and_balance_the_kinds():
    _, truth = continuous.continuous_truth(continuous.ContinuousSpec(n_maps=400, crop_size=64))
    plain = truth[truth["kind"] != "aging"]["log_rate"]
    low, high = np.log10(continuous.DECAY_RANGE)
    assert plain.min() >= low and plain.max() <= high
    # log-uniform: every tenth of the range holds some maps (no factor-2 gaps as between the library's classes)
    counts, _ = np.histogram(plain, bins=10, range=(low, high))
    assert counts.min() >= 10
    assert truth["kind"].value_counts().to_dict() == {kind: 100 for kind in continuous.KINDS}
    assert truth.loc[truth["kind"].isin(["avalanche", "aging"]), "kww_exponent"].eq(1.0).all()
    assert truth["q_exponent"].between(*continuous.Q_EXPONENT_RANGE).all()
    assert set(truth["rate_class"]) == set(range(scenarios.N_RATE_CLASSES))


def test_same_seed_same_dynamics_at_every_photon_rate():
    a = continuous.continuous_truth(continuous.ContinuousSpec(n_maps=8, crop_size=32, photons_per_pixel=10))[1]
    b = continuous.continuous_truth(continuous.ContinuousSpec(n_maps=8, crop_size=32, photons_per_pixel=1))[1]
    pd.testing.assert_frame_equal(a.drop(columns="photons_per_pixel"), b.drop(columns="photons_per_pixel"))


def test_the_stored_analytic_maps_are_fitted_back_to_their_rate(tmp_path):
    """Plain exponential maps (noise small at 100 photons): the fixed-baseline fit finds the drawn rate."""
    spec = continuous.ContinuousSpec(n_maps=24, crop_size=128, method="analytic", photons_per_pixel=100.0)
    data = continuous.load_continuous_set(spec, tmp_path, diagonal="keep")
    truth = data.metadata
    rates, _ = evaluation.fit_rates(data.profiles)
    plain = (truth["kind"] == "plain") & (truth["kww_exponent"] < 1.1) & (truth["log_rate"] > -3)
    assert plain.sum() >= 1
    # q_exponent spreads the rate over the sector's pixels, so allow a factor 1.5
    np.testing.assert_allclose(np.log10(rates[plain]), truth.loc[plain, "log_rate"], atol=np.log10(1.5))


def test_scores_agree_with_scipy_and_sklearn():
    rng = np.random.default_rng(0)
    truth, predicted = rng.normal(size=40), rng.normal(size=40)
    assert truth_scores.score_of("rank log rate", truth, predicted) == pytest.approx(spearmanr(truth, predicted)[0])
    assert truth_scores.score_of("R2 KWW exponent", truth, predicted) == pytest.approx(r2_score(truth, predicted))
    labels, guess = rng.integers(0, 2, 40), rng.integers(0, 2, 40)
    assert truth_scores.score_of("balanced accuracy aging", labels, guess) == pytest.approx(
        balanced_accuracy_score(labels, guess))


def synthetic_truth(n=60, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame(dict(log_rate=rng.uniform(-4, -0.5, n), kww_exponent=rng.uniform(0.8, 1.7, n),
                             q_exponent=rng.uniform(1, 2, n), kind=np.repeat(continuous.KINDS, n // 4),
                             rate_class=rng.integers(0, 5, n)))


def test_held_out_predictions_never_see_their_own_map():
    truth = synthetic_truth()
    groups = np.arange(60) // 2
    # a feature that is the map's own index: a model that saw the map would predict it exactly
    features = np.column_stack([groups.astype(float), np.zeros(60)])
    out = truth_scores.truth_predictions(features, truth, groups)
    kww, predicted = out["R2 KWW exponent"]
    assert not np.allclose(kww, predicted)


def test_informative_features_beat_noise_beyond_the_interval():
    truth = synthetic_truth(n=80, seed=1)
    groups = np.arange(80)
    rng = np.random.default_rng(2)
    kinds = np.stack([(truth["kind"] == k).to_numpy(float) for k in continuous.KINDS], axis=1)
    good = np.column_stack([truth["log_rate"], truth["kww_exponent"], truth["q_exponent"], kinds])
    good = good + rng.normal(0, 0.01, good.shape)
    noise = rng.normal(size=good.shape)
    predictions = {"trained": [truth_scores.truth_predictions(good, truth, groups)],
                   "pca": [truth_scores.truth_predictions(noise, truth, groups)]}
    table = truth_scores.paired_scores(predictions, groups, n_resamples=200)
    judged = table[table["method"] == "pca"].set_index("score")
    for score in ("rank log rate", "R2 log rate", "R2 KWW exponent", "balanced accuracy aging"):
        assert judged.loc[score, "verdict"] == "better than", score
    assert table.loc[table["method"] == "trained", "verdict"].isna().all()


def test_paired_scores_of_a_method_against_itself_is_no_verdict():
    truth = synthetic_truth()
    groups = np.arange(60) // 3
    features = np.random.default_rng(3).normal(size=(60, 3))
    run = truth_scores.truth_predictions(features, truth, groups)
    table = truth_scores.paired_scores({"trained": [run], "untrained": [run]}, groups, n_resamples=100)
    others = table[table["method"] == "untrained"]
    assert (others["difference"] == 0).all() and (others["verdict"] == "no better than").all()


def test_bad_inputs_name_the_argument():
    with pytest.raises(ValueError, match="n_maps must be"):
        continuous.ContinuousSpec(n_maps=2, crop_size=32)
    with pytest.raises(ValueError, match="features, truth and groups must have one row per crop"):
        truth_scores.truth_predictions(np.zeros((3, 2)), synthetic_truth(), np.arange(3))
    with pytest.raises(ValueError, match="reference must be one of the methods"):
        truth_scores.paired_scores({"pca": []}, np.arange(4))
    with pytest.raises(ValueError, match="name must be one of"):
        truth_scores.score_of("accuracy", np.zeros(2), np.zeros(2))
