"""Chapter 4's paired words: every verdict they state is the interval rule applied to its row."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from xpcs_nb.evaluation import PairedDifference, interval_verdict
from xpcs_nb.words import clusters, paired

SCORES = ["rank log rate", "R2 log rate", "R2 q exponent", "balanced accuracy aging", "ARI rate classes"]
METHODS = ["trained", "untrained", "pca", "relaxation_time"]


def paired_table(seed=0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for photons in (10.0, 1.0):
        for score in SCORES:
            for method in METHODS:
                row = dict(score=score, method=method, photons=photons, value=float(rng.uniform(0, 1)))
                if method != "trained":
                    centre, half = rng.normal(0, 0.1), rng.uniform(0.01, 0.1)
                    result = PairedDifference(centre, centre - half, centre + half, 0.95, 500, 40)
                    row.update(difference=centre, low=result.low, high=result.high, verdict=interval_verdict(result))
                rows.append(row)
    return pd.DataFrame(rows)


def verdict_of(table, method, score, photons):
    row = table[(table.method == method) & (table.score == score) & (table.photons == photons)].iloc[0]
    return "better than" if row.low > 0 else "worse than" if row.high < 0 else "no better than"


@pytest.mark.parametrize("seed", range(3))
def test_the_grid_states_the_interval_rule_for_every_cell(seed):
    table = paired_table(seed)
    for photons in (10.0, 1.0):
        grid = paired.paired_grid(table, photons)
        for method in METHODS[1:]:
            for score in SCORES:
                cell = grid.loc[clusters.METHOD_LABELS[method], score]
                assert f"· {verdict_of(table, method, score, photons)} ·" in cell


@pytest.mark.parametrize("seed", range(3))
def test_versus_puts_every_rate_under_its_own_verdict(seed):
    table = paired_table(seed)
    text = paired.versus(table, "untrained", "ARI rate classes")
    for part in text.split("; "):
        word = next(w for w in ("no better than", "better than", "worse than") if part.startswith(w))
        for photons in (10.0, 1.0):
            rate = clusters.photon_rate(photons)
            if f"at {rate}" in part or f"and {rate}" in part:
                assert verdict_of(table, "untrained", "ARI rate classes", photons) == word


def test_fit_sentence_splits_rate_scores_from_the_rest():
    table = paired_table(0)
    fit = table[table.method == "relaxation_time"]
    text = paired.fit_sentence(table)
    adds = fit[~fit.score.isin(paired.RATE_SCORES) & (fit.verdict == "better than")]
    if adds.empty:
        assert text.endswith("adds nothing the intervals can see")
    else:
        assert all(score in text.split("adds to it on")[1] for score in adds.score)


def test_a_score_or_method_not_in_the_table_is_named():
    with pytest.raises(ValueError, match="score must be one of"):
        paired.versus(paired_table(), "untrained", "accuracy")
    with pytest.raises(ValueError, match="method must be one of"):
        paired.where_better(paired_table(), "svm")
    with pytest.raises(ValueError, match="photons must be one of"):
        paired.paired_grid(paired_table(), 0.1)


@pytest.mark.parametrize("seed", range(3))
def test_where_better_lists_the_better_and_worse_scores_and_counts_the_rest(seed):
    table = paired_table(seed)
    for method in ("untrained", "pca"):
        rows = table[table.method == method]
        text = paired.where_better(table, method)
        for word in ("better than", "worse than"):
            chosen = rows[rows.verdict == word]
            part = [p for p in text.split("; ") if p.startswith(word)]
            assert bool(part) == (not chosen.empty)
            if part:
                assert all(score in part[0] for score in chosen.score)
        same = int((rows.verdict == "no better than").sum())
        if same:
            assert f"{same} of {len(rows)} comparisons" in text or f"all {len(rows)} comparisons" in text
        else:
            assert "no better than" not in text
