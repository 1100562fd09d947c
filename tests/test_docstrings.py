"""No docstring of the package holds a measurement or the project's history.

A docstring says what a function or module does: its purpose, shapes and units, an
example the tests run. How fast it ran on some machine belongs in
``book/performance.md`` beside the benchmark that measured it; how the code came to
be belongs in git. A number in a docstring that nothing executes goes stale unseen, so
these patterns fail the run where one appears. Doctest examples are left out of the
scan: they are executed, so their numbers are checked.

The patterns are narrow on purpose: shapes (``256 x 256``), units (``photons per
pixel per frame``, ``1/s``), physical times (``57 s apart``) and rules that name a CPU
feature (``AVX-512 BF16``) pass; the lists below show which sentences each pattern is
meant to catch and which to let through, and are tested too.
"""

from __future__ import annotations

import ast
import doctest
import re
from pathlib import Path

import pytest

import xpcs_nb

PACKAGE = Path(xpcs_nb.__file__).parent

_DURATION = r"\d+(\.\d+)?\s?(ms|s|sec|seconds?|min|minutes?|h|hours?)"
PATTERNS = {
    "a machine (cores, load, a CPU model)": (
        r"\b\d+-core\b|\bon (one|two|\d+) (cpu )?cores?\b|\blaptop\b|\bload (average )?(of )?\d"
        r"|\b(EPYC|Xeon|Ryzen|Threadripper|Apple M\d)\b|\b(shared|quiet|busy) (\d+-core )?machine\b"),
    "a run statistic (median of runs, best of n)": r"\b(median|mean|best) of \d+ (runs|repeats|calls)\b|\bbest of \d+\b",
    "a speed-up or speed ratio": (
        r"\b\d+(\.\d+)?(-\d+(\.\d+)?)?\s?(x|×|times) (faster|slower|less|more|smaller|larger|that bound|the speed)\b"
        r"|(^|[\s(])[x×]\d+\.\d+\b|(^|[\s(])×\d|\bimages?/s\b|\bcrops?/s\b|\bitems?/s\b|\bit/s\b"),
    "a run time on some hardware": (
        rf"\b{_DURATION} (for|on|per) (a |one |the )?\d"
        rf"|\b(about|took|takes|in) {_DURATION} on\b|\b{_DURATION} on (a|one|\d|the same) "
        r"|\b(a quarter of an hour|half an hour|an hour|\d+ (minutes|hours)) (on|where|with)\b"),
    "a result compared (N against M)": r"\b\d+(\.\d+)?\s?\S{0,3} against \d+(\.\d+)?\b",
    "a measured p-value or score": r"\bp = 0\.\d+|\bARI (of )?0\.\d+|\bR² (of )?0\.\d+",
    "history (issues, sessions, versions, dates)": (
        r"\bissue #?\d+|\b(PR|pull request) #?\d+|\bcommit [0-9a-f]{7,}\b|\bsessions?\b|\b20\d\d-\d\d-\d\d\b"
        r"|\bused to (say|be|give|return|run|take)\b|\bpreviously\b|\bformerly\b|\bearlier (version|measurement)s?\b"
        r"|\bfirst version\b|\bbefore this (rule|change|fix|commit)\b|\bwas \d+ lines\b|\bwe (measured|found|tried)\b"),
    "a measurement named": r"\bmeasured (\d|at \d|to pay|on (a|one|two|both|the same) )|\bmeasured \d",
}
COMPILED = {name: re.compile(pattern, re.IGNORECASE) for name, pattern in PATTERNS.items()}

# sentences each pattern must catch (from docstrings this test made the package drop)
CAUGHT = [
    "0.95 of a plain SSYRK (median of 5 runs on a shared 2-core machine, 0.93-0.96 but 0.75 under a load of 7)",
    "so that the part being written stays in cache (2-3x faster than one pass over the whole map)",
    "labelled pixels and one raw block (measured 1.05x that bound, 2.3x less than loading a 0.5 GB stack whole)",
    "About 0.1 s for 512 frames, 0.5 s for 2048.",
    "drawing 2 M H W Gaussian numbers (about 3 ms for 160 x 160 x 4 on one laptop core)",
    "``class`` trains for about 12 hours on a 2-core CPU",
    "the whole book in about a quarter of an hour where the CPU computes bf16 in hardware",
    "about 90 minutes on 2 cores, for a reader without a GPU",
    "An evaluation that can tell methods apart (issue 11, 'show that the method works').",
    "its models stay above the mean image (0.039 to 0.047\n  against 0.0127 with two epochs of 320)",
    "mean distance 92 s against 139 +- 71 s for shifted minima, p = 0.37",
    "channels-last was faster (x1.5 on an AVX2 laptop)",
    "the training ran at 33 images/s",
    "cpu_has_native_bf16() used to say True under the AVX2 emulation",
    "measured 2026-11-30 on the CI machine",
    "this session's run",
]
# sentences no pattern may catch: shapes, units, physics, rules that name a CPU feature
PASSED = [
    "crops (N, 256, 256) in [0, 1], latents (N, 64)",
    "A 256 x 256 crop of a c2 (T, T), 4 x 4 block averages, 2 rings x 4 sectors",
    "Mean counts per pixel per frame; 10 photons per pixel",
    "The paper's data give 50 windows 57 s apart; the first at rest reads 209 s",
    "30/s from 0 to 189 s, 100/s from 190 to 199 s (1 s samples), then 10 s samples",
    "bf16 autocast on compute capability 8.0 and later; AVX-512 BF16 or AMX; held to AVX2",
    "relaxing in ~150 s to slow dynamics; a rate of 5 /s",
    "Width in samples of a centred moving average, 1 (default) means none",
    "ROI maps: q-rings x azimuthal sectors, their nominal bounds and measured statistics",
    "a p-value above 0.05 means the relation is not shown",
    "x100 augmentation done lazily; the store is written whole",
    "One worker process per CPU core, one thread each",
    "Seconds a collective operation may wait, else 300",
    "the convolutions see larger maps (roughly four times the arithmetic)",
    "channels-last on x86 CPUs; ``<x1 x2>_p / (<x1>_p <x2>_p)``",
    "including epochs of earlier runs that the checkpoint resumed",
]


def _prose(docstring: str) -> str:
    """The docstring without its doctest examples (which the tests execute)."""
    parts = doctest.DocTestParser().parse(docstring)
    return "".join(part for part in parts if isinstance(part, str))


def findings(text: str) -> list[tuple[str, str]]:
    """(pattern name, the words around the match) for each match in ``text``.

    Line breaks count as spaces, so a phrase wrapped over two lines is caught too.
    """
    flat = " ".join(text.split())
    return [(name, flat[max(match.start() - 40, 0):match.end() + 40])
            for name, pattern in COMPILED.items() for match in pattern.finditer(flat)]


def docstrings(path: Path):
    """(line number, docstring) of the module, every class and every function of ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            text = ast.get_docstring(node, clean=True)
            if text:
                yield (node.body[0].lineno, text)


SOURCES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("sentence", CAUGHT)
def test_a_measurement_or_history_is_caught(sentence):
    assert findings(sentence), f"no pattern catches: {sentence}"


@pytest.mark.parametrize("sentence", PASSED)
def test_shapes_units_and_physics_pass(sentence):
    assert not findings(sentence), f"{findings(sentence)} in: {sentence}"


def test_doctest_outputs_are_left_out_of_the_scan():
    text = "Peak memory of the maps.\n\n>>> fits(40000)\n'4x smaller, 33 images/s'\n"
    assert findings(text) and not findings(_prose(text))


def test_the_scan_sees_the_whole_package():
    assert len(SOURCES) > 100 and PACKAGE / "correlation" / "twotime.py" in SOURCES


@pytest.mark.parametrize("path", SOURCES, ids=lambda path: str(path.relative_to(PACKAGE)))
def test_no_measurement_or_history_in_the_docstrings_of(path):
    found = [f"line {line}+: {name}: {text}"
             for line, docstring in docstrings(path) for name, text in findings(_prose(docstring))]
    assert not found, ("a docstring holds a measurement or history; move the measurement to "
                       "book/performance.md beside its benchmark, leave history to git:\n" + "\n".join(found))
