"""Chapter 1 and 8's sentences follow their numbers, and refuse bad ones by name."""

import pytest

from xpcs_nb import words


@pytest.mark.parametrize("value, expected", [(2.07, "agree"), (2.09, "agree"), (2.20, "differ by 4 times")])
def test_agreement_turns_at_twice_the_error(value, expected):
    assert expected in words.agreement(value, 2.0, 0.05)


def test_error_reading_says_when_chi2_hides_a_small_error():
    assert "does not show it" in words.error_reading(0.56, 4.2)
    assert "say what they mean" in words.error_reading(1.0, 1.0)
    assert "poor fit" in words.error_reading(3.0, 4.0)


@pytest.mark.parametrize("call, name", [
    (lambda: words.agreement(1.0, 1.0, 0.0), "error"),
    (lambda: words.alpha_reading(1.0, -0.1), "alpha_err"),
    (lambda: words.error_reading(-1.0, 1.0), "chi2_red"),
    (lambda: words.slope_reading(2.0, tolerance=0.0), "tolerance"),
])
def test_bad_numbers_are_named(call, name):
    with pytest.raises(ValueError, match=name):
        call()
