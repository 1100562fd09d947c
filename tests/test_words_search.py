"""The words of chapter 6's baseline verdict follow the numbers, in every case the rule allows."""

from __future__ import annotations

import pandas as pd
import pytest

from xpcs_nb.words import names_list, search_verdicts


def table(means: dict[str, float], std: float = 0.05, per_label: dict | None = None) -> pd.DataFrame:
    """A precision_by_label-like table: every method's 'all' row, chance, and optional per-label rows."""
    rows = [dict(method=m, label="all", mean=v, std=std, n=10) for m, v in means.items()]
    rows.append(dict(method="chance", label="all", mean=0.1, std=0.0, n=10))
    for label, values in (per_label or {}).items():
        rows += [dict(method=m, label=label, mean=v, std=std, n=5) for m, v in values.items()]
    return pd.DataFrame(rows)


def paired(intervals: dict[str, tuple[float, float, float]], label="all") -> pd.DataFrame:
    """A paired_precision_differences-like table: method -> (difference, low, high), verdict from the interval."""
    rows = []
    for method, (difference, low, high) in intervals.items():
        word = "better than" if low > 0 else "worse than" if high < 0 else "no better than"
        rows.append(dict(method=method, label=label, difference=difference, low=low, high=high, verdict=word,
                         n_queries=10, n_maps=5))
    return pd.DataFrame(rows)


def test_better_than_every_baseline_when_every_interval_lies_above_zero():
    words = search_verdicts(table({"trained": 0.9, "pca": 0.5, "pixels": 0.6}),
                            paired({"pca": (0.4, 0.3, 0.5), "pixels": (0.3, 0.1, 0.5)}))
    assert words.ranking == ("trained", "pixels", "pca")
    assert words.verdicts == "better than the raw pixels and PCA"
    assert words.differences == "the raw pixels +0.30 [+0.10, +0.50]; PCA +0.40 [+0.30, +0.50]"
    assert "earns its place" in words.conclusion


def test_the_interval_not_the_spread_decides():
    """Means 0.75 against 0.70 with a spread of 0.3 over queries: the chapter-4 rule says
    'no better'; the paired interval above zero says 'better'."""
    words = search_verdicts(table({"trained": 0.75, "pca": 0.7}, std=0.3), paired({"pca": (0.05, 0.01, 0.09)}))
    assert words.verdicts == "better than PCA"


def test_worse_than_one():
    words = search_verdicts(table({"trained": 0.5, "pca": 0.9, "pixels": 0.52}),
                            paired({"pca": (-0.4, -0.5, -0.3), "pixels": (-0.02, -0.06, 0.02)}))
    assert words.verdicts == "no better than the raw pixels; worse than PCA"
    assert words.conclusion.startswith("At this preset the trained encoder finds neighbours of the query's label "
                                       "less often than PCA")


def test_ahead_of_some_but_not_all():
    words = search_verdicts(table({"trained": 0.8, "pca": 0.78, "relaxation_time": 0.5}),
                            paired({"pca": (0.02, -0.01, 0.05), "relaxation_time": (0.3, 0.2, 0.4)}))
    assert words.verdicts == "better than the relaxation time; no better than PCA"
    assert "ahead of the relaxation time beyond the interval, but not of PCA" in words.conclusion


def test_no_interval_excludes_zero():
    words = search_verdicts(table({"trained": 0.7, "pca": 0.8}), paired({"pca": (-0.1, -0.25, 0.05)}))
    assert words.conclusion.startswith("At this preset no paired difference")


def test_labels_ahead_and_behind_come_from_the_per_label_intervals():
    differences = pd.concat([paired({"pca": (0.0, -0.1, 0.1)}),
                             paired({"pca": (0.3, 0.1, 0.5), "pixels": (0.2, 0.05, 0.4)}, label=0),
                             paired({"pca": (-0.3, -0.5, -0.1), "pixels": (0.1, 0.05, 0.2)}, label=5)])
    words = search_verdicts(table({"trained": 0.7, "pca": 0.7, "pixels": 0.6}, per_label={
        0: {"trained": 1.0, "pca": 1.0, "chance": 1.0}, 5: {"trained": 0.2, "pca": 0.4}}), differences)
    assert words.ahead == (0,)
    assert words.behind == {5: ["pca"]}
    assert words.best == {0: ["trained", "pca"], 5: ["pca"]}
    assert words.reference_best == (0,)


def test_a_label_from_one_map_is_stated_without_an_interval():
    differences = paired({"pca": (0.1, 0.05, 0.2)})
    differences.loc[0, ["low", "high", "verdict"]] = [float("nan"), float("nan"), "not tested (one map)"]
    words = search_verdicts(table({"trained": 0.7, "pca": 0.6}), differences)
    assert words.differences == "PCA +0.10 (one map: no interval)" and words.verdicts == ""


def test_bad_tables_are_refused_by_name():
    with pytest.raises(ValueError, match="reference must be a method"):
        search_verdicts(table({"pca": 0.5}), paired({"pca": (0.0, -0.1, 0.1)}))
    with pytest.raises(ValueError, match="differences must hold at least one method"):
        search_verdicts(table({"trained": 0.5}), paired({"pca": (0.0, -0.1, 0.1)}, label=0))
    with pytest.raises(ValueError, match="differences names methods that table lacks: \\['pixels'\\]"):
        search_verdicts(table({"trained": 0.5}), paired({"pixels": (0.0, -0.1, 0.1)}))
    with pytest.raises(ValueError, match="columns"):
        search_verdicts(pd.DataFrame(dict(method=["trained"], mean=[0.5])), paired({"pca": (0.0, -0.1, 0.1)}))
    with pytest.raises(TypeError, match="DataFrame"):
        search_verdicts({"trained": 0.5}, paired({"pca": (0.0, -0.1, 0.1)}))
    with pytest.raises(ValueError, match="at least one name"):
        names_list([])


def test_real_crop_words_follow_the_vote_and_the_gap():
    from xpcs_nb.words import real_crop_words

    close = real_crop_words(5, 8, 1.2, 0.9)
    assert close.heterodyne == "5" and close.search.startswith("The search does what it should: 5 of")
    assert close.real_side == "a typical distance, or closer"
    assert "not apart" in close.conclusion and "still apart" not in close.summary
    far = real_crop_words(4, 8, 3.0, 2.0)
    assert far.search.startswith("The search gives a mixed answer: only 4 of")  # half is not a majority
    assert far.real_side == "a distance larger than typical"
    assert "most like" in far.conclusion and far.summary.startswith("3.0 times farther")
    with pytest.raises(ValueError, match="n_heterodyne must be in 0 .. n_neighbours=8, got 9"):
        real_crop_words(9, 8, 1.0, 1.0)


def test_small_sentences_of_chapter_6():
    from xpcs_nb.words import overlap_verdict, share_list, spread_over, training_text

    assert share_list({"a": 0.1, "b": 0.6, "c": 0.3}) == "60% b, 30% c, 10% a"
    assert overlap_verdict(0.89) == "agree only in part"
    assert spread_over(1, 3).endswith("the 3 random draws of the untrained network")
    assert "3 training seeds" in spread_over(3, 3)
    assert training_text("scratch", 4, 1536).endswith("4 epochs of 1,536 augmented crops")
    with pytest.raises(ValueError, match="start_from must be 'scratch' or 'published', got 'x'"):
        training_text("x", 1, None)
    with pytest.raises(ValueError, match=r"mean_share must be a share in \[0, 1\], got 1.5"):
        overlap_verdict(1.5)
