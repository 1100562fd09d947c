"""Chapters 2 and 3's words and the dead-unit heatmap, checked against what they describe."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest

from xpcs_nb import scenarios, words
from xpcs_nb.plotting.latent_heatmap import LATENT_UNIT, latent_heatmaps
from xpcs_nb.simulate import stationary


@pytest.mark.parametrize("label", [1, 2, 3, 4])
def test_band_width_is_where_an_analytic_c2_falls_to_1_over_e(label):
    """The width chapter 2 states is the lag where C2 - 1 of a class-centre rate falls to 1/e."""
    decay = scenarios.CLASS_DECAY_PER_FRAME[label]
    roi = scenarios.SectorROI()
    n_frames = 1200
    c2 = scenarios.expected_c2(stationary(decay, q_exponent=0.0), roi, times=np.arange(n_frames, dtype=float),
                               contrast=0.25)
    excess = c2[0] - 1  # (T,) at lags 0 .. T-1
    measured = np.interp(np.exp(-1), excess[::-1] / excess[0], np.arange(n_frames)[::-1])
    stated = float(words.band_widths([decay])[0])
    assert measured == pytest.approx(stated, rel=0.03)


def test_bands_narrow_from_class_0_to_4_and_the_first_step_is_tenfold():
    widths = [float(w) for w in words.band_widths(scenarios.CLASS_DECAY_PER_FRAME)]
    assert widths == sorted(widths, reverse=True)
    assert words.band_steps(scenarios.CLASS_DECAY_PER_FRAME) == (
        "10 times narrower from class 0 to class 1, then 4 times narrower at each step from class 1 to class 4")


@pytest.mark.parametrize("bad", [[], [0.0, 1e-3], [-1e-3], [np.nan]])
def test_band_widths_name_the_argument_on_bad_input(bad):
    with pytest.raises(ValueError, match="decays_per_frame"):
        words.band_widths(bad)


def test_band_steps_needs_two_classes():
    with pytest.raises(ValueError, match="two classes"):
        words.band_steps([1e-3])


def test_sweep_sentence_states_a_trend_only_beyond_the_spread():
    falls = words.sweep_sentence([4, 16, 64], [0.03, 0.02, 0.01], [0.001] * 3, 0.05, epochs=2, images=320)
    flat = words.sweep_sentence([4, 16, 64], [0.0200, 0.0195, 0.0190], [0.002] * 3, 0.05, epochs=2, images=320)
    none = words.sweep_sentence([4, 64], [0.06, 0.07], [0.001] * 2, 0.05, epochs=2, images=None)
    one_seed = words.sweep_sentence([4, 64], [0.03, 0.01], [np.nan] * 2, 0.05, epochs=2, images=320)
    assert "falls with the latent size" in falls and falls.startswith("every size beats")
    assert "does not change" in flat
    assert none.startswith("no latent size beats") and "says nothing about the latent size" in none
    assert "one seed per size" in one_seed


def test_sweep_sentence_counts_the_sizes_that_beat_the_mean_image():
    text = words.sweep_sentence([4, 16, 64], [0.06, 0.04, 0.03], [0.001] * 3, 0.05, epochs=1, images=10)
    assert text.startswith("2 of the 3 sizes beat the mean image (0.0500)")
    with pytest.raises(ValueError, match="one length"):
        words.sweep_sentence([4, 16], [0.1], [0.1], 0.05, epochs=1, images=10)


def test_below_mean_image_and_loop_agreement_reject_nonsense():
    assert [words.below_mean_image(r) for r in (0.5, 0.8, 1.2)] == ["well below", "below", "not below"]
    with pytest.raises(ValueError, match="ratio"):
        words.below_mean_image(float("nan"))
    with pytest.raises(ValueError, match="max_difference"):
        words.loop_agreement(-1.0, "float32")


def test_label_sources_counts_every_split():
    assert words.label_sources(["test"] * 5 + ["train", "validation"]) == (
        "5 from test, 1 from train, 1 from validation")
    with pytest.raises(ValueError, match="splits"):
        words.label_sources([])


def test_split_overlap_agrees_in_number():
    assert words.split_overlap(1).startswith("1 map lands")
    with pytest.raises(ValueError, match="n_shared"):
        words.split_overlap(-1)


def test_latent_heatmaps_draw_every_value_with_a_labelled_colour_bar():
    latents = np.array([[0.0, 2.0, 0.5], [0.0, 1.0, 0.0]])  # (N=2 crops, D=3): dimension 0 dead
    fig = latent_heatmaps({"ours": latents})
    ax, bar = fig.axes
    image = ax.images[0]
    assert np.array_equal(image.get_array(), latents.T)  # rows are dimensions, columns crops
    assert image.get_clim() == (0.0, 2.0)
    assert bar.get_ylabel() == LATENT_UNIT
    plt.close(fig)


@pytest.mark.parametrize("panels, match", [({}, "non-empty"), ({"a": np.zeros(3)}, "shape"),
                                           ([np.zeros((2, 2))], "dict")])
def test_latent_heatmaps_reject_bad_panels(panels, match):
    with pytest.raises((ValueError, TypeError), match=match):
        latent_heatmaps(panels)
