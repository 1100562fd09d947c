"""The evaluation that tells methods apart: each score checked against an independent count."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from xpcs_nb import evaluation, scenarios
from xpcs_nb.library import LibraryMaps, LibrarySpec
from xpcs_nb.model import Autoencoder
from xpcs_nb.presets import get_preset

SIDE = 32


def tiny_network(latent_size: int = 8) -> Autoencoder:
    """The published layout, shrunk to 32 x 32 crops (three 2x2 poolings, two channels)."""
    torch.manual_seed(0)
    return Autoencoder(latent_size=latent_size, encoder_channels=(4, 4, 4), decoder_channels=(4, 4, 4), pool=2,
                       image_size=SIDE).eval()


TINY_SPEC = LibrarySpec(n_per_class=2, n_frames=48, crop_size=SIDE, crops_per_c2=2, method="analytic",
                        photons_per_pixel=10.0, seed=8)  # seed 8: two avalanche crops miss theirs


@pytest.fixture(scope="module")
def tiny_set(tmp_path_factory) -> evaluation.EvaluationSet:
    return evaluation.load_evaluation_set(TINY_SPEC, tmp_path_factory.mktemp("evaluation"), diagonal="neighbours")


# ------------------------------------------------------------------ retrieval


def brute_force_precision(features, labels, query, k, groups):
    """Sort every other crop by distance by hand and count the query's label among the first k."""
    others = [j for j in range(len(labels)) if groups[j] != groups[query]]
    others.sort(key=lambda j: (float(np.sum((features[j] - features[query]) ** 2)), j))
    return sum(labels[j] == labels[query] for j in others[:k]) / k


@pytest.mark.parametrize("use_groups", [False, True])
def test_precision_at_k_equals_a_brute_force_count(use_groups):
    rng = np.random.default_rng(1)
    features = rng.normal(size=(30, 3))
    labels = rng.integers(0, 3, size=30)
    groups = np.repeat(np.arange(15), 2) if use_groups else np.arange(30)
    queries = np.arange(30)
    got = evaluation.precision_at_k(features, labels, queries, k=5, groups=groups if use_groups else None)
    expected = [brute_force_precision(features, labels, q, 5, groups) for q in queries]
    np.testing.assert_allclose(got, expected)


def test_precision_never_counts_the_query_or_its_own_c2():
    # Each crop has a twin (same C2) at distance 0; the next crop of its label is far.
    features = np.array([[0.0], [0.0], [10.0], [10.0], [1.0], [1.0]])
    labels = np.array([5, 5, 5, 5, 0, 0])
    groups = np.array([0, 0, 1, 1, 2, 2])
    assert evaluation.precision_at_k(features, labels, [0], k=1).tolist() == [1.0]  # the twin
    assert evaluation.precision_at_k(features, labels, [0], k=1, groups=groups).tolist() == [0.0]


def test_chance_level_formula_and_random_features_reach_it():
    labels = np.array([5] * 6 + [0] * 14)
    groups = np.repeat(np.arange(10), 2)
    queries = np.flatnonzero(labels == 5)
    chance = evaluation.chance_precision(labels, queries, groups=groups)
    np.testing.assert_allclose(chance, (6 - 2) / (20 - 2))
    np.testing.assert_allclose(evaluation.chance_precision(labels, queries), (6 - 1) / (20 - 1))
    rng = np.random.default_rng(0)
    draws = [evaluation.family_retrieval(rng.normal(size=(20, 4)), labels, 5, k=3, groups=groups)[0].mean()
             for _ in range(400)]
    assert np.mean(draws) == pytest.approx(chance[0], abs=0.02)


def test_family_retrieval_finds_a_separate_family_and_refuses_a_missing_one():
    labels = np.array([6, 6, 6, 6, 0, 1, 2, 3])
    features = np.where(labels[:, None] == 6, 100.0, 0.0) + np.arange(8)[:, None]
    precision, chance = evaluation.family_retrieval(features, labels, 6, k=3)
    assert precision.tolist() == [1.0] * 4 and np.allclose(chance, 3 / 7)
    with pytest.raises(ValueError, match="family 5 has no crops"):
        evaluation.family_retrieval(features, labels, 5)


def test_k_larger_than_the_crops_outside_the_group_is_refused():
    with pytest.raises(ValueError, match="k must be >= 1 and <= 2"):
        evaluation.precision_at_k(np.zeros((4, 1)), [0, 0, 1, 1], [0], k=3, groups=[0, 0, 1, 1])


# ------------------------------------------------------------------ rate-class ARI


def test_ari_is_one_on_separable_features_and_near_zero_on_shuffled_labels():
    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(7), 40)
    separable = labels[:, None] * 10.0 + rng.normal(0, 0.5, (280, 2))
    np.testing.assert_allclose(evaluation.rate_class_ari(separable, labels, range(3)), 1.0)
    shuffled = rng.permutation(labels)
    aris = evaluation.rate_class_ari(separable, shuffled, range(3))
    assert np.all(np.abs(aris) < 0.05)


def test_ari_leaves_heterodyne_and_avalanche_out():
    labels = np.repeat(np.arange(7), 10)
    features = np.where(labels < 5, labels, 0)[:, None] + np.random.default_rng(0).normal(0, 0.01, (70, 1))
    # the shape families sit on class 0; scored with them, class 0 would be a mixture
    np.testing.assert_allclose(evaluation.rate_class_ari(features, labels, [0]), 1.0)


# ------------------------------------------------------------------ the diagonal


def analytic_c2(photons_per_pixel):
    truth = scenarios.scenario_truth(2, 64, seed=3)
    times = 0.1 * np.arange(64)
    return scenarios.expected_c2(truth.dynamics, scenarios.SectorROI(), times, 0.25, photons_per_pixel)


def test_the_diagonal_lift_is_one_over_the_photon_rate():
    lifted, clean = analytic_c2(0.1), analytic_c2(None)
    np.testing.assert_allclose(np.diag(lifted - clean), evaluation.diagonal_lift(0.1))
    np.testing.assert_allclose(lifted - np.diag(np.diag(lifted - clean)), clean)


def test_neighbours_remove_the_lift_and_keep_lets_it_squeeze_the_band():
    clean = evaluation.treat_diagonal(analytic_c2(None), "neighbours")
    for photons in (10.0, 1.0, 0.1):
        lifted = analytic_c2(photons)
        np.testing.assert_allclose(evaluation.treat_diagonal(lifted, "neighbours"), clean, atol=1e-6)
        kept = evaluation.treat_diagonal(lifted, "keep")
        off_diagonal_top = kept[~np.eye(64, dtype=bool)].max()
        beta_share = 0.25 * (clean.max() > 0) / (0.25 + 1.0 / photons)  # signal's share of [0, 1]
        assert off_diagonal_top < beta_share + 0.01
    assert evaluation.treat_diagonal(analytic_c2(0.1), "keep")[~np.eye(64, dtype=bool)].max() < 0.03


def test_treating_scaled_crops_equals_treating_the_raw_c2():
    raw = analytic_c2(1.0)[None] * 3.0 + 1.0
    scaled = (raw - raw.min()) / (raw.max() - raw.min())
    for choice in evaluation.DIAGONAL_CHOICES:
        np.testing.assert_allclose(evaluation.treat_diagonal(scaled, choice), evaluation.treat_diagonal(raw, choice),
                                   atol=1e-6)


# ------------------------------------------------------------------ data and features


def test_evaluation_spec_follows_the_preset_and_its_own_size():
    fast = evaluation.evaluation_spec("fast", 1.0)
    assert (fast.n_per_class, fast.crop_size, fast.seed) == (get_preset("fast").eval_per_class, 256,
                                                             evaluation.EVALUATION_SEED)
    assert evaluation.evaluation_spec("class", 10.0).n_per_class == get_preset("class").eval_per_class == 40
    assert evaluation.evaluation_spec("fast", 1.0, n_per_class=3).n_per_class == 3
    assert evaluation.evaluation_spec("fast", 1.0).file_name != evaluation.evaluation_spec("fast", 0.1).file_name


def test_evaluation_sets_of_a_sweep_differ_only_in_photons(tmp_path):
    def spec(photons):
        return LibrarySpec(n_per_class=1, n_frames=40, crop_size=SIDE, crops_per_c2=2, method="analytic",
                           photons_per_pixel=photons, seed=2)

    bright = evaluation.load_evaluation_set(spec(10.0), tmp_path, diagonal="keep")
    dim = evaluation.load_evaluation_set(spec(0.1), tmp_path, diagonal="keep")
    assert np.array_equal(bright.labels, dim.labels) and np.array_equal(bright.groups, dim.groups)
    for column in ("rate_mean", "crop_offset", "sector"):
        np.testing.assert_array_equal(bright.metadata[column], dim.metadata[column])
    assert not np.allclose(bright.crops, dim.crops)
    stores = sorted(tmp_path.glob("*.h5"))
    mtimes = [p.stat().st_mtime_ns for p in stores]
    evaluation.load_evaluation_set(spec(10.0), tmp_path, diagonal="neighbours")  # reuses the store
    assert [p.stat().st_mtime_ns for p in stores] == mtimes and len(stores) == 2


def test_tiny_set_is_scaled_and_labelled(tiny_set):
    assert tiny_set.crops.shape == (28, SIDE, SIDE) and tiny_set.crops.dtype == np.float32
    assert tiny_set.crops.min() == 0.0 and tiny_set.crops.max() == 1.0
    assert np.bincount(tiny_set.metadata["label"]).tolist() == [4] * 7
    assert np.bincount(tiny_set.groups).tolist() == [2] * 14
    shown = tiny_set.labels == 6
    assert np.all(tiny_set.metadata["label"][shown] == 6)
    hidden = (tiny_set.metadata["label"] == 6).to_numpy() & ~shown
    np.testing.assert_array_equal(tiny_set.labels[hidden], tiny_set.metadata["rate_class"][hidden])
    assert np.array_equal(tiny_set.labels[~hidden], tiny_set.metadata["label"][~hidden])


def test_crop_labels_agree_with_the_dynamics_of_each_crop(tiny_set):
    """Remake each avalanche C2's dynamics and count the resets between the crop's frames."""
    maps = LibraryMaps(TINY_SPEC)
    for row, label in zip(tiny_set.metadata.itertuples(), tiny_set.labels):
        if row.label != 6:
            continue
        truth = maps.truth(row.c2_index)
        times = truth.window_start + truth.dt * (row.crop_offset + np.arange(SIDE))
        blocks = np.unique(truth.dynamics.avalanche_counts(times)).size
        assert label == (6 if blocks > 1 else truth.rate_class)
    assert set(tiny_set.labels[tiny_set.metadata["label"] == 6].tolist()) == {0, 1, 6}  # both cases met


def test_a_crop_shows_an_avalanche_only_if_one_falls_between_its_first_and_last_frame():
    # frames 10 .. 19 of a C2 sampled every 0.5 s: times 5.0 .. 9.5
    times = ["4.9", "5.0", "5.1", "9.5", "9.6", "2.0 7.0", ""]
    table = pd.DataFrame(dict(label=[6] * 6 + [5], rate_class=4, crop_offset=10, crop_size=10, window_start=0.0,
                              dt=0.5, avalanche_times=times))
    # at the first frame the grains are reset before the crop starts: no block inside it
    assert evaluation.crop_labels(table).tolist() == [4, 4, 6, 6, 4, 6, 5]


def test_untrained_copy_is_seeded_new_and_leaves_the_global_random_state():
    net = tiny_network()
    state = torch.random.get_rng_state()
    first, again, other = (evaluation.untrained_copy(net, s) for s in (1, 1, 2))
    assert torch.equal(torch.random.get_rng_state(), state)
    weights = [m.encoder[0].weight for m in (net, first, again, other)]
    assert torch.equal(weights[1], weights[2])
    assert not torch.equal(weights[0], weights[1]) and not torch.equal(weights[1], weights[3])
    assert type(first) is type(net) and not first.training


def test_feature_sets_cover_every_method_on_the_same_crops(tiny_set):
    sets = evaluation.feature_sets(tiny_set.crops[:10], tiny_network(), profiles=tiny_set.profiles[:10])
    assert tuple(sets) == evaluation.METHODS
    assert all(len(values) == 10 and np.isfinite(values).all() for values in sets.values())
    assert sets["pixels"].shape[1] == (SIDE // 4) ** 2 and sets["relaxation_time"].shape[1] == 1


# ------------------------------------------------------------------ the table


def test_compare_methods_table_has_a_row_per_method_metric_and_chance(tiny_set):
    table = evaluation.compare_methods(tiny_set, [tiny_network(), tiny_network(4)], untrained_seeds=[0, 1],
                                       kmeans_seeds=[0, 1, 2], k=3, n_init=2)
    assert tuple(table.columns) == evaluation.TABLE_COLUMNS
    metrics = [evaluation.RATE_METRIC, "heterodyne precision@3", "avalanche precision@3"]
    expected = pd.MultiIndex.from_product([list(evaluation.METHODS), metrics]).tolist()
    expected += [("chance", metric) for metric in metrics[1:]]
    assert list(zip(table["method"], table["metric"])) == expected
    n = table.set_index(["method", "metric"])["n"]
    assert n[("trained", evaluation.RATE_METRIC)] == 2 * 3 and n[("pca", evaluation.RATE_METRIC)] == 3
    n_heterodyne = 4
    assert n[("untrained", "heterodyne precision@3")] == 2 * n_heterodyne
    assert n[("chance", "heterodyne precision@3")] == n_heterodyne
    chance = table.set_index(["method", "metric"])["mean"][("chance", "heterodyne precision@3")]
    assert chance == pytest.approx((n_heterodyne - 2) / (28 - 2))
    assert set(table["photons"]) == {10.0} and set(table["diagonal"]) == {"neighbours"}
    assert table["mean"].between(-1, 1).all() and (table["std"] >= 0).all()


def test_wide_table_puts_methods_down_and_photons_across():
    tidy = pd.DataFrame([dict(method=m, photons=p, diagonal="keep", metric=evaluation.RATE_METRIC, mean=0.5,
                              std=0.1, n=5, over="k-means seeds") for m in ("pca", "pixels") for p in (0.1, 10.0)])
    wide = evaluation.wide_table(tidy, digits=1)
    assert wide.index.tolist() == ["pca", "pixels"]
    assert [p for _, p in wide.columns] == [10.0, 0.1]
    assert wide.iloc[0, 0] == "0.5 ± 0.1"


# ------------------------------------------------------------------ presets


def test_presets_size_the_evaluation_class_above_fast():
    fast, class_ = get_preset("fast"), get_preset("class")
    assert set(fast.eval_photons) <= set(class_.eval_photons) <= set(evaluation.SWEEP_PHOTONS)
    assert 1.0 in fast.eval_photons  # the chapter compares the diagonal choices there
    assert fast.eval_per_class < class_.eval_per_class
    assert fast.eval_train_seeds == 1 and class_.eval_train_seeds >= 3
    for preset in (fast, class_, get_preset("paper")):
        assert preset.eval_kmeans_seeds >= 5 and preset.eval_untrained_seeds >= 3


def test_class_cpu_keeps_class_evaluation_and_trains_less():
    class_, cpu = get_preset("class"), get_preset("class_cpu")
    same = ("detector_side", "n_frames", "c2_frames", "library_per_class", "eval_per_class", "eval_kmeans_seeds",
            "eval_untrained_seeds", "eval_train_seeds", "rheo_c2_method", "start_from")
    assert {f: getattr(cpu, f) for f in same} == {f: getattr(class_, f) for f in same}
    assert set(cpu.eval_photons) < set(class_.eval_photons)
    assert cpu.epochs * cpu.train_items < class_.epochs * class_.train_items
    for rate in cpu.eval_photons:  # the same evaluation sets, so the two columns compare like with like
        assert evaluation.evaluation_spec(cpu, rate).file_name == evaluation.evaluation_spec(class_, rate).file_name


def test_noise_sweep_defaults_to_the_preset_rates(monkeypatch):
    asked = []
    monkeypatch.setattr(evaluation.compare, "evaluation_set",
                        lambda preset, rate, **options: asked.append(rate) or "set")
    monkeypatch.setattr(evaluation.compare, "compare_methods",
                        lambda data, trained, **options: pd.DataFrame({"photons": [0.0]}))
    evaluation.noise_sweep("fast", tiny_network(), diagonal="keep")
    assert tuple(asked) == get_preset("fast").eval_photons


# ------------------------------------------------------------------ verdicts


def tidy(means, stds, methods=("trained", "untrained"), photons=1.0, metric=evaluation.RATE_METRIC):
    return pd.DataFrame(dict(method=list(methods), photons=photons, diagonal="keep", metric=metric,
                             mean=list(means), std=list(stds), n=5, over="k-means seeds"))


@pytest.mark.parametrize(("other", "expected"), [(0.5, "better than"), (0.76, "no better than"),
                                                 (0.84, "no better than"), (0.86, "worse than")])
def test_verdict_compares_the_difference_with_the_combined_spread(other, expected):
    # spread sqrt(0.03^2 + 0.04^2) = 0.05 around a mean of 0.8
    assert evaluation.verdict(0.8, 0.03, other, 0.04) == expected


def test_verdict_on_equal_means_without_spread_is_no_better():
    assert evaluation.verdict(0.5, 0.0, 0.5, 0.0) == "no better than"
    assert evaluation.verdict(0.5, 0.0, 0.49, 0.0) == "better than"


def test_verdicts_judge_the_reference_against_every_method_per_metric_and_rate():
    table = pd.concat([tidy([0.9, 0.5, 0.88], [0.01, 0.1, 0.02], ("trained", "untrained", "pca"), photons=p)
                       for p in (10.0, 1.0)] + [tidy([0.7, 0.2], [0.1, 0.0], ("trained", "chance"),
                                                     metric="heterodyne precision@10")], ignore_index=True)
    judged = evaluation.verdicts(table)
    assert len(judged) == 2 * 2 + 1
    assert judged.set_index(["metric", "photons", "method"])["verdict"].to_dict() == {
        (evaluation.RATE_METRIC, 10.0, "untrained"): "better than",
        (evaluation.RATE_METRIC, 10.0, "pca"): "no better than",
        (evaluation.RATE_METRIC, 1.0, "untrained"): "better than",
        (evaluation.RATE_METRIC, 1.0, "pca"): "no better than",
        ("heterodyne precision@10", 1.0, "chance"): "better than"}
    np.testing.assert_allclose(judged["difference"].iloc[0], 0.4)
    np.testing.assert_allclose(judged["spread"].iloc[0], np.hypot(0.01, 0.1))
    assert set(evaluation.verdicts(table, "pca")["method"]) == {"trained", "untrained"}


def test_verdict_sentence_names_every_method_with_its_numbers():
    table = tidy([0.9, 0.3, 0.95], [0.01, 0.1, 0.01], ("trained", "untrained", "relaxation_time"))
    sentence = evaluation.verdict_sentence(table, evaluation.RATE_METRIC, 1.0)
    assert sentence == ("the trained encoder (0.90 ± 0.01) is better than the untrained network (0.30 ± 0.10) "
                        "and worse than the relaxation time (0.95 ± 0.01)")
    assert evaluation.verdict_sentence(table.iloc[:2], evaluation.RATE_METRIC, 1.0, digits=1).endswith(
        "better than the untrained network (0.3 ± 0.1)")


def test_verdicts_follow_a_real_table(tiny_set):
    table = evaluation.compare_methods(tiny_set, tiny_network(), untrained_seeds=[0, 1], kmeans_seeds=[0, 1], k=2,
                                       n_init=2)
    judged = evaluation.verdicts(table)
    assert set(judged["verdict"]) <= set(evaluation.VERDICTS)
    assert len(judged) == len(table) - table.groupby("metric").ngroups  # every row but the trained one


# ------------------------------------------------------------------ the figure


def test_method_sweep_draws_every_method_with_error_bars_and_chance():
    import matplotlib.pyplot as plt

    from xpcs_nb.plotting import method_sweep

    rows = [tidy([0.9, 0.5, 0.1], [0.01, 0.1, 0.0], ("trained", "untrained", "chance"), photons=p)
            for p in (10.0, 1.0, 0.3)]
    table = pd.concat(rows, ignore_index=True)
    ax = method_sweep(table, evaluation.RATE_METRIC)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["trained", "untrained", "chance"]
    assert ax.get_xscale() == "log" and ax.xaxis_inverted()
    assert ax.figure.get_size_inches()[0] <= 7.5
    plt.close(ax.figure)
