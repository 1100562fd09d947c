"""Chapter 7's words follow the numbers of the run, in every case they distinguish."""

from __future__ import annotations

import pytest

from xpcs_nb import words


@pytest.mark.parametrize("chapter3, published, start", [
    (True, True, "Both models"), (True, False, "Only chapter 3's model"),
    (False, True, "Only the published model"), (False, False, "Neither model")])
def test_order_note_names_the_models_that_order_gel_before_fluid(chapter3, published, start):
    assert words.order_note(chapter3, published).startswith(start)


def test_ring_changes_agrees_in_number():
    assert words.ring_changes([]) == "no sample changes"
    assert words.ring_changes(["fast_fluid"]) == "fast fluid changes"
    assert words.ring_changes(["slow_gel", "avalanching_glass"]) == "slow gel, avalanching glass change"


def test_burst_sentence_states_a_correlation_only_with_two_touched_windows():
    assert "correlation of -0.12" in words.burst_sentence(12, 3, -0.123)
    assert words.burst_sentence(12, 1, 0.9) == ("only 1 of the 12 windows after the relaxation is touched "
                                                "by a burst")
    assert "only 3 of the 12" in words.burst_sentence(12, 3, None)


def test_frame_time_sentence_covers_the_three_outcomes():
    assert words.frame_time_sentence(2, 4, 4).startswith("binning brings it back")
    assert words.frame_time_sentence(4, 4, 4).startswith("here the time axis alone")
    assert words.frame_time_sentence(2, 3, 4).startswith("even binned")


@pytest.mark.parametrize("ratio, agree", [(1.0, True), (0.81, True), (1.24, True), (0.79, False),
                                          (1.26, False)])
def test_contrast_verdict_agrees_within_a_fifth(ratio, agree):
    assert words.contrast_verdict(ratio).startswith("the two agree") == agree


def test_contrast_verdict_refuses_a_ratio_that_is_not_positive():
    with pytest.raises(ValueError, match="ratio must be a positive ratio of contrasts, got 0"):
        words.contrast_verdict(0)


def test_gap_apart_agrees_in_number():
    assert words.gap_apart([]).startswith("No sample")
    one = words.gap_apart(["fast_fluid"])
    assert one.startswith("The fast fluid lies ") and "like it, and its classes" in one
    two = words.gap_apart(["slow_gel", "fast_fluid"])
    assert two.startswith("The slow gel and the fast fluid lie ") and "like them, and their classes" in two
