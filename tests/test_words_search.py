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


def test_better_than_every_baseline():
    words = search_verdicts(table({"trained": 0.9, "pca": 0.5, "pixels": 0.6}))
    assert words.ranking == ("trained", "pixels", "pca")
    assert words.verdicts == "better than the raw pixels and PCA"
    assert "earns its place" in words.conclusion


def test_worse_than_one():
    words = search_verdicts(table({"trained": 0.5, "pca": 0.9, "pixels": 0.52}))
    assert words.verdicts == "no better than the raw pixels; worse than PCA"
    assert words.conclusion == "At this preset the trained encoder loses to PCA by more than the spread."


def test_ahead_but_within_the_spread():
    words = search_verdicts(table({"trained": 0.75, "pca": 0.7}, std=0.3))
    assert words.verdicts == "no better than PCA"
    assert "has the highest mean, but its lead does not stand out" in words.conclusion


def test_behind_within_the_spread_names_who_is_ahead():
    words = search_verdicts(table({"trained": 0.7, "pca": 0.8, "untrained": 0.75, "relaxation_time": 0.5},
                                  std=0.3))
    assert words.ranking[0] == "pca" and "chance" not in words.ranking
    assert "below that of PCA and the untrained network" in words.conclusion
    assert "the relaxation time" not in words.conclusion
    assert words.scores.startswith("PCA 0.80 ± 0.30; the untrained network 0.75 ± 0.30; the trained encoder 0.70")


def test_best_per_label_keeps_ties_and_leaves_chance_out():
    words = search_verdicts(table({"trained": 0.7, "pca": 0.7}, per_label={
        0: {"trained": 1.0, "pca": 1.0, "chance": 1.0}, 5: {"trained": 0.2, "pca": 0.4}}))
    assert words.best == {0: ["trained", "pca"], 5: ["pca"]}
    assert words.reference_best == (0,)


def test_bad_tables_are_refused_by_name():
    with pytest.raises(ValueError, match="reference must be a method"):
        search_verdicts(table({"pca": 0.5}))
    with pytest.raises(ValueError, match="at least one method besides"):
        search_verdicts(table({"trained": 0.5}))
    with pytest.raises(ValueError, match="columns"):
        search_verdicts(pd.DataFrame(dict(method=["trained"], mean=[0.5])))
    with pytest.raises(TypeError, match="DataFrame"):
        search_verdicts({"trained": 0.5})
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
