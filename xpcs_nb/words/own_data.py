"""Chapter 7's words: what a run on "your own data" found, from its numbers.

Chapter 7 runs the pipeline on three simulated samples whose behaviour is known and
states what the classifiers, the stream and the trust checks found. Which sentence
is true depends on the run (another preset, another seed); each function here takes
the numbers and returns the words.

>>> ring_changes(["slow_gel"])
'slow gel changes'
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["order_note", "ring_changes", "burst_sentence", "frame_time_sentence",
           "contrast_verdict", "gap_apart", "sample_name"]


def sample_name(name: str) -> str:
    """A sample's variable name as words: ``'slow_gel'`` -> ``'slow gel'``.

    >>> sample_name("avalanching_glass")
    'avalanching glass'
    """
    return name.replace("_", " ")


def order_note(chapter3_gel_slower: bool, published_gel_slower: bool) -> str:
    """Which models put the slow gel in a slower class than the fast fluid (classes are
    numbered slowest first).

    >>> order_note(True, True)
    'Both models put the gel in a slower class than the fluid, as their rates say'
    >>> order_note(False, False)
    'Neither model puts the gel in a slower class than the fluid'
    """
    notes = {
        (True, True): "Both models put the gel in a slower class than the fluid, as their rates say",
        (True, False): ("Only chapter 3's model puts the gel in a slower class than the fluid; whatever "
                        "the published model reads in these synthetic maps, it is not their rate alone"),
        (False, True): "Only the published model puts the gel in a slower class than the fluid",
        (False, False): "Neither model puts the gel in a slower class than the fluid",
    }
    return notes[(bool(chapter3_gel_slower), bool(published_gel_slower))]


def ring_changes(names: Sequence[str]) -> str:
    """The samples whose most common class differs between the two rings, as the
    subject of "... its most common class".

    >>> ring_changes([]), ring_changes(["slow_gel", "fast_fluid"])
    ('no sample changes', 'slow gel, fast fluid change')
    """
    if not names:
        return "no sample changes"
    verb = "changes" if len(names) == 1 else "change"
    return ", ".join(sample_name(name) for name in names) + " " + verb


def burst_sentence(n_late: int, n_touched: int, correlation: float | None) -> str:
    """How the fastest class follows the bursts in the ``n_late`` windows after the
    relaxation, ``n_touched`` of them touched by a burst (``correlation`` is None when
    fewer than two are).

    >>> burst_sentence(20, 6, 0.81)[-59:]
    'follows the share inside a burst with a correlation of 0.81'
    >>> burst_sentence(20, 1, None)
    'only 1 of the 20 windows after the relaxation is touched by a burst'
    """
    if n_touched < 2 or correlation is None:
        return f"only {n_touched} of the {n_late} windows after the relaxation is touched by a burst"
    return (f"in the {n_late} windows after the relaxation, {n_touched} of them touched by a burst, the "
            "share of sectors in the fastest class follows the share inside a burst with a correlation of "
            f"{correlation:.2f}")


def frame_time_sentence(class_as_measured: int, class_binned: int, class_reference: int) -> str:
    """What binning to the library's frame time did to a map's class.

    >>> frame_time_sentence(1, 3, 3)
    "binning brings it back to the class of the same sample measured at the library's frame time"
    """
    if class_binned == class_reference != class_as_measured:
        return "binning brings it back to the class of the same sample measured at the library's frame time"
    if class_binned == class_reference:
        return ("here the time axis alone does not move it out of its class, but binning keeps it where the "
                "same sample measured at the library's frame time sits")
    return ("even binned it does not land where the same sample measured at the library's frame time sits: "
            "the map is simulated anew, and it lies near a class boundary of this model")


def contrast_verdict(ratio: float, tolerance: float = 0.2) -> str:
    """Whether our maps' median contrast agrees with the reference's: ``ratio`` = ours
    over theirs; within a fifth either way (``tolerance``) they agree.

    >>> contrast_verdict(1.05)
    'the two agree, and contrast is not what sets our maps apart'
    >>> contrast_verdict(0.5)
    "yet the two differ by more than a fifth: check the simulation's settings"
    """
    if not ratio > 0:
        raise ValueError(f"ratio must be a positive ratio of contrasts, got {ratio}")
    if 1 - tolerance < ratio < 1 / (1 - tolerance):
        return "the two agree, and contrast is not what sets our maps apart"
    return "yet the two differ by more than a fifth: check the simulation's settings"


def gap_apart(names: Sequence[str]) -> str:
    """One sentence on the samples that lie more than twice the typical spacing from
    both reference sets.

    >>> gap_apart([])
    'No sample lies more than twice the typical spacing from both reference sets.'
    >>> gap_apart(["fast_fluid"])[:60]
    'The fast fluid lies more than twice the typical spacing from'
    """
    if not names:
        return "No sample lies more than twice the typical spacing from both reference sets."
    one = len(names) == 1
    subject = " and the ".join(sample_name(name) for name in names)
    return (f"The {subject} {'lies' if one else 'lie'} more than twice the typical spacing from both "
            f"reference sets: neither holds maps much like {'it' if one else 'them'}, and "
            f"{'its' if one else 'their'} classes are only \"most like\".")
