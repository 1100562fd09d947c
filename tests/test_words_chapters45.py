"""Chapters 4 and 5's words and figures follow the numbers they are given.

Chapter 4's words of :mod:`xpcs_nb.words.clusters` refuse bad input by name; the burst
facts chapter 5 states from :mod:`xpcs_nb.scenarios.rheo_experiment`'s constants are checked
against the simulation's own ``burst_activity``; the evaluation figure is checked
for what a reader needs (methods apart, one style per method, a legend one can read).
"""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from xpcs_nb.plotting.bursts import bursts_beside_stress  # noqa: E402
from xpcs_nb.plotting.evaluation import LEGEND_SIZE, method_sweeps  # noqa: E402
from xpcs_nb.scenarios import BURST_BOOST, BURST_DECAY_TIME, SectorRate  # noqa: E402
from xpcs_nb.scenarios.rheo_experiment import IN_BURST_ACTIVITY  # noqa: E402
from xpcs_nb.words import clusters, rheology  # noqa: E402

METHODS = ["trained", "trained_at_rate", "untrained", "pca", "pixels", "relaxation_time", "chance"]
RATES = [10.0, 1.0, 0.3]


def sweep_table(seed: int = 0) -> pd.DataFrame:
    """A tidy table like noise_sweep's: two metrics, three rates, no trained_at_rate at 10."""
    rng = np.random.default_rng(seed)
    rows = []
    for metric in ("rate-class ARI", "heterodyne precision@10"):
        for photons in RATES:
            for method in METHODS:
                if method == "trained_at_rate" and photons == 10.0:
                    continue
                chance = method == "chance"
                rows.append(dict(method=method, photons=photons, diagonal="keep", metric=metric,
                                 mean=0.15 if chance else float(rng.uniform(0.2, 0.95)),
                                 std=0.0 if chance else float(rng.uniform(0.01, 0.1)), n=5, over=""))
    return pd.DataFrame(rows)


@pytest.mark.parametrize("call, message", [
    (lambda: clusters.photon_rate(0), "n must be"),
    (lambda: clusters.trap_rank(pd.Series([1.0])), "naive must be"),
])
def test_bad_input_is_named(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()


def test_the_in_burst_time_chapter_5_states_is_the_simulations():
    """Chapter 5 says a sector is in a burst for 30 ln(1 / IN_BURST_ACTIVITY) s: check it on a SectorRate."""
    rate = SectorRate(fast=1.0, slow=0.1, tau_relax=10.0, anisotropy=1.0, t_age=100.0, boost=BURST_BOOST,
                      tau_burst=BURST_DECAY_TIME, burst_times=(100.0,))
    in_burst_s = BURST_DECAY_TIME * math.log(1 / IN_BURST_ACTIVITY)
    activity = rate.burst_activity(np.array([100 + in_burst_s - 0.1, 100 + in_burst_s + 0.1]))
    assert activity[0] > IN_BURST_ACTIVITY > activity[1]
    boost_30 = 1 + (BURST_BOOST - 1) * rate.burst_activity(np.array([130.0]))[0]
    assert 20 < boost_30 < 25  # "still about 22x at 30 s"


def test_burst_reach_words_follow_the_counts():
    assert rheology.burst_reach_sentence(5, 3, 2).startswith("3 of the 5 bursts fall in a gap")
    assert "yet 2 of those 3 still count" in rheology.burst_reach_sentence(5, 3, 2)
    assert rheology.burst_reach_sentence(3, 0, 0) == "all 3 bursts fall inside a window"
    with pytest.raises(ValueError, match="n_between"):
        rheology.burst_reach_sentence(2, 3, 2)
    with pytest.raises(ValueError, match="n_reaching"):
        rheology.burst_reach_sentence(5, 2, 3)


@pytest.mark.parametrize("p, word", [(0.049, "confirmed by this test"), (0.05, "not confirmed")])
def test_the_real_verdict_turns_at_alpha(p, word):
    assert rheology.real_verdict(p, 0.05, 6, 50, 20).startswith(word)
    assert rheology.real_verdict_short(p, 0.05, [p, 0.3]).startswith("is " + word.split(" by")[0])


def test_the_c2_sentence_says_when_the_rheology_c2_differ_from_the_library():
    assert "resemble its training crops without matching them" in rheology.c2_method_sentence(
        "analytic", "movie", "fast")
    assert "look like the ones" in rheology.c2_method_sentence("movie", "movie", "class")
    with pytest.raises(ValueError, match="rheo_method"):
        rheology.c2_method_sentence("photons", "movie", "fast")


def test_the_sweep_figure_sets_methods_apart_with_one_style_each_and_a_legend_below():
    table = sweep_table()
    fig = method_sweeps(table[(table.method != "chance") | (table.metric != "rate-class ARI")])  # as noise_sweep
    try:
        assert not any(ax.get_legend() for ax in fig.axes) and len(fig.legends) == 1
        legend = [text.get_text() for text in fig.legends[0].get_texts()]
        assert legend[-1] == "chance" and legend.count("chance") == 1  # chance is drawn in one panel only
        assert all(text.get_fontsize() >= 8 for text in fig.legends[0].get_texts()) and LEGEND_SIZE >= 8
        styles = {}
        for ax in fig.axes:
            xs = {}
            for container in ax.containers:  # one errorbar per method; chance is a plain line
                label, line = container.get_label(), container.lines[0]
                styles.setdefault(label, set()).add((line.get_color(), line.get_marker()))
                xs[label] = np.asarray(line.get_xdata(), dtype=float)
            at_one = sorted(x[np.argmin(abs(np.log(x)))] for x in xs.values())  # every method near 1 photon
            assert len(set(np.round(at_one, 6))) == len(at_one)  # no two methods at the same x
            assert 1 / 1.4 < min(at_one) and max(at_one) < 1.4  # still beside their rate
        assert all(len(style) == 1 for style in styles.values())  # the same style in every panel
        assert len({next(iter(s)) for s in styles.values()}) == len(styles)  # distinct styles
    finally:
        plt.close(fig)


def test_the_burst_figure_checks_its_inputs():
    t = np.linspace(200, 900, 71)
    with pytest.raises(ValueError, match="in_burst"):
        bursts_beside_stress([200, 500], [0.0], t, t, [], [])
    with pytest.raises(ValueError, match="settle_time"):
        bursts_beside_stress([200, 500], [0.0, 0.5], t, t, [], [], settle_time=1000)
