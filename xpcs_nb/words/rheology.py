"""Chapter 5's words: how the C2 were made, how far a burst reaches, and the alignment verdicts.

Each function takes numbers of the run (a correlation, a p-value, counts) and
returns the sentence the chapter shows, so the words follow the numbers at every
preset.

>>> tracking(0.95), tracking(0.6), tracking(0.1)
('tracks the bursts almost one for one', 'follows the bursts, but loosely', 'does not follow the bursts')
"""

from __future__ import annotations

import pandas as pd

from ..validation import check_choice, check_int, check_real

__all__ = ["c2_method_sentence", "class_contents", "slow_widths", "slow_order", "avalanche_sentence",
           "tracking", "synthetic_tracking", "synthetic_tracking_short", "synthetic_conclusion",
           "burst_reach_sentence", "gap_bursts_sentence", "real_verdict", "real_verdict_short",
           "power_sentence", "times_list", "p_text", "power_text"]

_METHODS = ("analytic", "movie")


def p_text(p_value, alpha=0.05) -> str:
    """A p-value with as many digits as it takes to read its side of ``alpha`` off the text.

    Two significant digits, more where two would round onto ``alpha`` or across it:
    0.0503 is not "0.05" (which reads as "at the level"), 0.0496 not "0.05" either.

    >>> p_text(0.021), p_text(0.0503), p_text(0.0496), p_text(0.0001), p_text(0.5)
    ('0.021', '0.0503', '0.0496', '0.0001', '0.5')
    """
    p_value = check_real(p_value, "p_value", minimum=0, maximum=1)
    alpha = check_real(alpha, "alpha", minimum=0, maximum=1, include_min=False)
    for digits in range(2, 8):
        text = f"{p_value:.{digits}g}"
        if float(text) != alpha and (float(text) < alpha) == (p_value < alpha):
            return text
    return repr(p_value)


def power_text(n_below: int, n_seeds: int) -> str:
    """How often a test found its effect over seeds: ``"17 of 20 seeds (85%)"``.

    >>> power_text(17, 20)
    '17 of 20 seeds (85%)'
    """
    n_seeds = check_int(n_seeds, "n_seeds", minimum=1)
    n_below = check_int(n_below, "n_below", minimum=0, maximum=n_seeds)
    return f"{n_below} of {n_seeds} seeds ({n_below / n_seeds:.0%})"


def c2_method_sentence(rheo_method: str, library_method: str, preset: str) -> str:
    """How the rheology C2 were made beside the library the encoder was trained on.

    >>> c2_method_sentence("analytic", "movie", "fast")[:62]
    'at `fast` they are the expected C2 plus Gaussian noise of the '
    >>> c2_method_sentence("movie", "movie", "class")[:58]
    'at `class` they are correlated from simulated photons, as '
    """
    rheo_method = check_choice(rheo_method, "rheo_method", _METHODS)
    library_method = check_choice(library_method, "library_method", _METHODS)
    made = {"analytic": "the expected C2 plus Gaussian noise of the right size",
            "movie": "correlated from simulated photons"}
    if rheo_method == library_method:
        return (f"at `{preset}` they are {made[rheo_method]}, as chapter 2's library is, so the crops look "
                "like the ones the autoencoder was trained on")
    return (f"at `{preset}` they are {made[rheo_method]}, not {made[library_method]} as chapter 2's "
            "library is: same photon rate, but their noise is white, independent from one point "
            "(t1, t2) of the C2 to the next, where the library's is correlated over the relaxation time, "
            "so the encoder meets crops that resemble its training crops without matching them (a preset "
            "with `rheo_c2_method=\"movie\"` correlates photons here too)")


def class_contents(counts: pd.DataFrame) -> str:
    """One phrase per class column of a (true label x class) count table.

    >>> counts = pd.DataFrame({0: [8, 2], 1: [1, 9]}, index=["slow", "fast"])
    >>> class_contents(counts)
    'class 0 mostly slow (8 of 10); class 1 mostly fast (9 of 10)'
    """
    if not isinstance(counts, pd.DataFrame) or counts.empty:
        raise ValueError(f"counts must be a non-empty DataFrame of counts, got {type(counts).__name__}")
    return "; ".join(f"class {c} mostly {counts[c].idxmax()} ({counts[c].max()} of {counts[c].sum()})"
                     for c in counts.columns)


def slow_widths(first, second) -> str:
    """The median band widths (frames) of the two slowest classes, flagged when close.

    >>> slow_widths(40.2, 38.0), slow_widths(40.2, 20.0)
    ('40.2 and 38.0 frames, close together', '40.2 and 20.0 frames')
    """
    first, second = check_real(first, "first", minimum=0), check_real(second, "second", minimum=0)
    close = abs(first - second) < 0.2 * max(first, second)
    return f"{first:.1f} and {second:.1f} frames" + (", close together" if close else "")


def slow_order(stationary_first: bool) -> str:
    """Whether the nearly stationary crops sit in slower classes than the slowly evolving ones."""
    if stationary_first:
        return "here the nearly stationary crops do sit in slower classes than the slowly evolving ones"
    return ("here the nearly stationary crops even sit, on average, in faster-numbered classes than "
            "the slowly evolving ones")


def avalanche_sentence(counts: pd.DataFrame, label: str = "avalanche") -> str:
    """Whether one class holds only avalanche crops (a burst that struck mid-window).

    >>> counts = pd.DataFrame({0: [5, 0], 1: [2, 3]}, index=["slow", "avalanche"])
    >>> avalanche_sentence(counts)[:40]
    'No class is made of avalanche crops alon'
    """
    if label not in counts.index:
        return f"No crop has the label {label!r}: no burst struck inside a window."
    alone = [c for c in counts.columns if counts.loc[label, c] == counts[c].sum()]
    if alone:
        return (f"Class {alone[0]} is made only of avalanche crops, the windows where a burst struck "
                "mid-window and left a square block.")
    return ("No class is made of avalanche crops alone: the square blocks a burst leaves when it "
            "strikes mid-window join the classes their band width places them in.")


def tracking(r) -> str:
    """How closely the fastest class follows the bursts, in words, from the correlation ``r``."""
    r = check_real(r, "r", minimum=-1, maximum=1)
    if r >= 0.9:
        return "tracks the bursts almost one for one"
    if r >= 0.5:
        return "follows the bursts, but loosely"
    return "does not follow the bursts"


def synthetic_tracking(r_late, r_all, n_late: int, after) -> str:
    """The fastest class against the bursts, late windows and the whole run.

    >>> synthetic_tracking(0.93, 0.41, 42, 450)[:58]
    'tracks the bursts almost one for one once the post-shear r'
    """
    n_late = check_int(n_late, "n_late", minimum=0)
    r_all = check_real(r_all, "r_all", minimum=-1, maximum=1)
    return (f"{tracking(r_late)} once the post-shear relaxation is over: r = {r_late:.2f} over the {n_late} "
            f"windows after {after:g} s, and r = {r_all:.2f} over the whole run, where the early fast "
            "windows have no burst behind them")


def synthetic_tracking_short(r_late, after) -> str:
    """The intro's short form of :func:`synthetic_tracking`.

    >>> synthetic_tracking_short(0.93, 450)
    'tracks the bursts almost one for one (r = 0.93 after 450 s)'
    """
    return f"{tracking(r_late)} (r = {r_late:.2f} after {after:g} s)"


def synthetic_conclusion(p_value, n_minima: int, alpha) -> str:
    """What the permutation test says on the synthetic run, where the coupling is known.

    >>> synthetic_conclusion(0.002, 5, 0.05)[:55]
    'The permutation test finds the stress minima closer to '
    >>> synthetic_conclusion(0.3, 5, 0.05)[:56]
    'Yet the permutation test does not find the stress minima'
    """
    p_value = check_real(p_value, "p_value", minimum=0, maximum=1)
    n_minima = check_int(n_minima, "n_minima", minimum=0)
    alpha = check_real(alpha, "alpha", minimum=0, maximum=1, include_min=False)
    if p_value < alpha:
        return (f"The permutation test finds the stress minima closer to the transitions than random shifts "
                f"put them, p = {p_text(p_value, alpha)} with {n_minima} minima. So, where the coupling is real and "
                "strong, the pipeline finds it, and this test can show it.")
    return (f"Yet the permutation test does not find the stress minima closer to the transitions than "
            f"random shifts put them (p = {p_text(p_value, alpha)} with {n_minima} minima): at this preset even a "
            "coupling we built in escapes the test, a warning for the real data below.")


def burst_reach_sentence(n_bursts: int, n_between: int, n_reaching: int) -> str:
    """How many bursts fall between windows, and how many of those still reach the next one.

    ``n_between``: bursts that fall in a gap between windows; ``n_reaching``: those of
    them whose sectors are *in a burst* (the truth) in the next window.

    >>> burst_reach_sentence(9, 5, 5)
    '5 of the 9 bursts fall in a gap between windows, yet all 5 still count as in a burst in the next window'
    >>> burst_reach_sentence(9, 5, 3)[-61:]
    'yet 3 of those 5 still count as in a burst in the next window'
    >>> burst_reach_sentence(1, 0, 0)
    'the one burst falls inside a window'
    """
    n_bursts = check_int(n_bursts, "n_bursts", minimum=0)
    n_between = check_int(n_between, "n_between", minimum=0, maximum=n_bursts)
    n_reaching = check_int(n_reaching, "n_reaching", minimum=0, maximum=n_between)
    if n_bursts == 0:
        return "no burst falls inside the run"
    if n_between == 0:
        return ("the one burst falls inside a window" if n_bursts == 1
                else f"all {n_bursts} bursts fall inside a window")
    reached = f"all {n_reaching}" if n_reaching == n_between else f"{n_reaching} of those {n_between}"
    falls = "burst falls" if n_between == 1 else "bursts fall"
    return (f"{n_between} of the {n_bursts} {falls} in a gap between windows, yet {reached} still count "
            "as in a burst in the next window")


def gap_bursts_sentence(n_between: int, share_fastest) -> str:
    """What became of the bursts that fell between windows, by the clustering.

    ``share_fastest``: the share of the sectors they hit that sit in the fastest
    class in the next window (ignored when ``n_between`` is 0).

    >>> gap_bursts_sentence(6, 0.72)
    'of the sectors hit by the 6 bursts that fell between windows, 72% sit in the fastest class in the next window'
    >>> gap_bursts_sentence(0, None)
    'no burst fell between two windows in this run'
    """
    n_between = check_int(n_between, "n_between", minimum=0)
    if n_between == 0:
        return "no burst fell between two windows in this run"
    share = check_real(share_fastest, "share_fastest", minimum=0, maximum=1)
    bursts = "burst that fell" if n_between == 1 else "bursts that fell"
    return (f"of the sectors hit by the {n_between} {bursts} between windows, {share:.0%} sit in the "
            "fastest class in the next window")


def real_verdict(p_value, alpha, n_minima: int, n_windows: int, n_transitions: int) -> str:
    """The verdict on the real run's alignment of transitions with stress minima.

    >>> real_verdict(0.4, 0.05, 6, 50, 20)[:60]
    'not confirmed. With 6 minima, 50 windows and 20 transitions,'
    """
    p_value = check_real(p_value, "p_value", minimum=0, maximum=1)
    alpha = check_real(alpha, "alpha", minimum=0, maximum=1, include_min=False)
    if p_value < alpha:
        return (f"confirmed by this test (p = {p_text(p_value, alpha)}, below {alpha:g}), with the fastest class and "
                f"the threshold fixed before looking; with {n_minima} minima in one run it is a first "
                "indication, to be repeated on other runs")
    return (f"not confirmed. With {n_minima} minima, {n_windows} windows and {n_transitions} transitions, "
            f"the published data cannot tell that alignment from chance by this measure (p = {p_text(p_value, alpha)}, "
            f"not below {alpha:g}). That is \"not shown\", not \"shown false\"")


def real_verdict_short(p_value, alpha, all_p) -> str:
    """The intro's short form of :func:`real_verdict`; ``all_p``: the p-values of every variant tried.

    >>> real_verdict_short(0.4, 0.05, [0.4, 0.2, 0.6])
    'is not confirmed by a permutation test (p = 0.2 or more over the variants tried)'
    """
    p_value = check_real(p_value, "p_value", minimum=0, maximum=1)
    if p_value < check_real(alpha, "alpha", minimum=0, maximum=1, include_min=False):
        return f"is confirmed by the permutation test (p = {p_text(p_value, alpha)})"
    return f"is not confirmed by a permutation test (p = {p_text(min(all_p), alpha)} or more over the variants tried)"


def power_sentence(p_at_resolution, alpha) -> str:
    """Whether the test could have seen an alignment as tight as the windows resolve.

    >>> power_sentence(0.08, 0.05)
    'The test is nearly blind here: an alignment as tight as the windows can resolve (half a window) would have given p = 0.08'
    """
    p = check_real(p_at_resolution, "p_at_resolution", minimum=0, maximum=1)
    blind = p >= check_real(alpha, "alpha", minimum=0, maximum=1, include_min=False)
    return (f"The test is {'nearly blind here' if blind else 'not blind'}: an alignment as tight as the "
            f"windows can resolve (half a window) would have given p = {p_text(p, alpha)}")


def times_list(times) -> str:
    """``'549, 1122 and 2304'``: times in whole seconds.

    >>> times_list([549.2, 1121.8, 2304.0]), times_list([80.4])
    ('549, 1122 and 2304', '80')
    """
    from .verdicts import names_list

    return names_list(f"{check_real(t, 'times entry'):.0f}" for t in times)
