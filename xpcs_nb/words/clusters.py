"""Chapter 4's words: photon rates, the diagonal trap, the 7-label target, the further training.

Every function takes numbers of the run (medians, means, rates) and returns the words
the chapter shows; the paired differences' words are in :mod:`xpcs_nb.words.paired`.

>>> photon_rate(1.0), photon_rate(0.3)
('1 photon per pixel', '0.3 photons per pixel')
"""

from __future__ import annotations

import pandas as pd

from ..validation import check_real
from .verdicts import names_list

__all__ = ["METHOD_LABELS", "photon_rate", "photon_rates", "trap_spike_word", "trap_rank", "target_sentence",
           "matched_text"]

METHOD_LABELS = {"trained": "trained", "trained_at_rate": "trained at rate", "untrained": "untrained",
                 "pca": "PCA", "pixels": "raw pixels", "relaxation_time": "relaxation time", "chance": "chance"}
"""How a table or a legend names each method (short; :data:`xpcs_nb.words.METHOD_NAMES` is for sentences)."""


def photon_rate(n) -> str:
    """``'1 photon per pixel'``, ``'0.3 photons per pixel'``: ``n`` photons per pixel per frame."""
    n = check_real(n, "n", minimum=0, include_min=False, context=" (photons per pixel)")
    return f"{n:g} photon{'' if n == 1 else 's'} per pixel"


def photon_rates(values) -> str:
    """``'10, 1 and 0.3 photons per pixel'``: several rates (photons per pixel per frame), one unit.

    >>> photon_rates([10, 1, 0.3]), photon_rates([1])
    ('10, 1 and 0.3 photons per pixel', '1 photon per pixel')
    """
    values = list(values)
    unit = "photon" if values == [1] else "photons"
    return f"{names_list([f'{v:g}' for v in values])} {unit} per pixel"


def trap_spike_word(ratio) -> str:
    """How the diagonal's step compares with the decay: ``'larger than'`` or ``'a large part of'``.

    >>> trap_spike_word(3.2), trap_spike_word(0.4)
    ('larger than', 'a large part of')
    """
    return "larger than" if check_real(ratio, "ratio", minimum=0) > 1 else "a large part of"


def trap_rank(naive: pd.Series) -> str:
    """What the band width measured from the diagonal does to the order of the rate labels.

    ``naive``: the median width (frames) per label, slowest label first.

    >>> trap_rank(pd.Series([0.6, 2.0, 5.1], index=["slow", "medium", "fast"]))
    'the slow crops come out narrower than the crops labelled "fast" (5.1 frames): the slowest label would be ranked the fastest'
    >>> trap_rank(pd.Series([6.0, 5.0, 4.0], index=["slow", "medium", "fast"]))
    'the order is squeezed: every rate label lies between 4.0 and 6.0 frames'
    """
    if not isinstance(naive, pd.Series) or naive.size < 2:
        raise ValueError(f"naive must be a Series of at least two labels' widths, got {naive!r}")
    if naive.iloc[0] < naive.iloc[-1]:
        return (f"the {naive.index[0]} crops come out narrower than the crops labelled "
                f"\"{naive.index[-1]}\" ({naive.iloc[-1]:.1f} frames): the slowest label would be "
                "ranked the fastest")
    return f"the order is squeezed: every rate label lies between {naive.min():.1f} and {naive.max():.1f} frames"


def target_sentence(trained_mean, untrained_mean, target) -> str:
    """Whether a target score tells the trained encoder from the untrained network.

    >>> target_sentence(0.95, 0.93, 0.9)
    'in this run the trained encoder and the untrained network both pass it, so it cannot tell them apart'
    >>> target_sentence(0.91, 0.85, 0.9)[:60]
    'in this run the two means fall on either side of it (0.91 tr'
    """
    trained_mean = check_real(trained_mean, "trained_mean")
    untrained_mean = check_real(untrained_mean, "untrained_mean")
    target = check_real(target, "target")
    passes = (trained_mean >= target, untrained_mean >= target)
    if passes[0] == passes[1]:
        return (f"in this run the trained encoder and the untrained network both "
                f"{'pass' if passes[0] else 'miss'} it, so it cannot tell them apart")
    return (f"in this run the two means fall on either side of it ({trained_mean:.2f} trained, "
            f"{untrained_mean:.2f} untrained), but the score rests mostly on the rate classes, "
            "which need no training, so crossing it says little")


def matched_text(preset: str, rates, epochs) -> str:
    """What the chapter does about training and test noise differing: the further training, or why not.

    >>> matched_text("fast", [], 1)[:44]
    'At `fast` the encoder is not trained further'
    >>> matched_text("class_cpu", [1.0, 0.3], 1)[-64:]
    'at 1 and 0.3 photons per pixel; the evaluation maps stay unseen.'
    """
    rates = sorted(rates, reverse=True)
    if not rates:
        return (f"At `{preset}` the encoder is not trained further at each photon rate: on a CPU that training "
                "would take most of this chapter's time. The `class_cpu` and `class` presets do it and score "
                "the result as \"trained at rate\", which tells a limit of the method from a mismatch of "
                "training and test noise.")
    s = "" if epochs == 1 else "s"
    return ("To tell a limit of the method from a mismatch of training and test noise, each trained encoder "
            f"is also trained further, {epochs} epoch{s} on the same library made at the rate evaluated "
            f"(\"trained at rate\"), at {photon_rates(rates)}; the evaluation maps stay unseen.")
