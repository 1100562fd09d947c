"""The chapters' frame: banner, pipeline strip, fill-in checks, and the intro's figure."""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colors import to_hex

from xpcs_nb import chapter
from xpcs_nb.checks import check_answer
from xpcs_nb.plotting.pipeline_strip import CHAPTER_STEPS, PIPELINE_STEPS, chapter_steps, pipeline_strip

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.mark.parametrize("preset", ["fast", "class", "class_cpu", "paper"])
def test_banner_names_preset_hardware_and_results_page(preset):
    frame = chapter.ChapterFrame(4, preset, hardware="2 CPU cores (test), no GPU")
    text = frame.banner()
    assert f"`{preset}` preset" in text and "2 CPU cores (test)" in text and "It took" not in text
    assert f"({chapter.RESULTS_PAGE})" in text
    assert "It took 3 min 05 s." in frame.banner(185.2)


def test_results_page_link_resolves_from_the_notebooks_folder():
    assert (ROOT / "notebooks" / chapter.RESULTS_PAGE).resolve() == ROOT / "book" / "performance.md"


def test_finish_rewrites_the_banner_with_the_time(capsys):
    frame = chapter.start_chapter(2, "fast")
    frame.started -= 75  # as if the chapter had run 75 s
    frame.finish()
    assert frame.elapsed_s >= 75
    assert "chapter 2 ran in 1 min 15 s at the fast preset" in capsys.readouterr().out


def test_start_chapter_refuses_bad_arguments():
    with pytest.raises(ValueError, match="chapter"):
        chapter.start_chapter(9, "fast")
    with pytest.raises(ValueError, match="preset"):
        chapter.start_chapter(1, "huge")
    with pytest.raises(TypeError, match="chapter"):
        chapter.start_chapter(1.0, "fast")


def test_hardware_names_cores_or_gpu():
    text = chapter.describe_hardware()
    assert "CPU cores" in text or text.startswith("GPU ")


def test_every_chapter_lights_known_steps_and_every_step_has_a_chapter():
    names = {step.name for step in PIPELINE_STEPS}
    for number, steps in CHAPTER_STEPS.items():
        assert set(steps) <= names, number
    assert names == {name for steps in CHAPTER_STEPS.values() for name in steps}
    assert chapter_steps(7) == tuple(step.name for step in PIPELINE_STEPS)


def test_strip_lights_only_the_chapters_steps():
    ax = pipeline_strip(chapter_steps(4))
    lit = [p for p in ax.patches if hasattr(p, "get_boxstyle") and to_hex(p.get_facecolor()) == "#3b6ea8"]
    dim = [p for p in ax.patches if hasattr(p, "get_boxstyle") and to_hex(p.get_facecolor()) == "#d9dde3"]
    assert (len(lit), len(dim)) == (2, len(PIPELINE_STEPS) - 2)
    labels = [t.get_text() for t in ax.texts]
    assert all(step.name in labels for step in PIPELINE_STEPS)


def test_strip_refuses_an_unknown_step():
    with pytest.raises(ValueError, match="highlight.*'decoder'"):
        pipeline_strip(("latents", "decoder"))


def test_intro_figure_is_what_the_package_draws(tmp_path):
    sys.path.insert(0, str(ROOT))
    from tools import pipeline_figure

    fresh = pipeline_figure.draw(tmp_path / "pipeline.png")
    committed = plt.imread(pipeline_figure.FIGURE)
    drawn = plt.imread(fresh)
    assert committed.shape == drawn.shape, "run `python tools/pipeline_figure.py` and commit the figure"
    assert np.abs(committed - drawn).mean() < 0.01, "run `python tools/pipeline_figure.py` and commit the figure"


@pytest.mark.parametrize("got, expected, passes", [
    (0.25, 0.25, True), (0.2500001, 0.25, True), (0.3, 0.25, False), (None, 0.25, False), (..., 0.25, False),
    ([1.0, 2.0], np.array([1.0, 2.0]), True), ([1.0, 2.0], np.array([1.0, 2.0, 3.0]), False),
    (float("nan"), 1.0, False), ("paper", "paper", True), ("ratio", "paper", False), ("a", 1.0, False),
])
def test_check_answer(got, expected, passes, capsys):
    result = check_answer("the value", got, expected)
    assert bool(result) is passes and result.passed is passes
    line = capsys.readouterr().out
    assert line.startswith("right:" if passes else "not yet:")
    assert line.strip() == result.message
    if isinstance(expected, float):
        assert repr(expected) not in line, "the check must not print the reference"


def test_check_answer_shows_no_bare_boolean_in_a_notebook():
    """A scaffold cell ending in check_answer(...) shows the printed line only, not False."""
    from IPython.core.formatters import DisplayFormatter

    result = check_answer("the value", None, 1.0)
    assert DisplayFormatter().format(result) == ({}, {})
    assert DisplayFormatter().format(False)[0]["text/plain"] == "False"  # what the old return showed


def test_check_answer_accepts_a_tensor():
    torch = pytest.importorskip("torch")
    assert check_answer("c2", torch.ones(2, 2), np.ones((2, 2)))


def test_a_chapter_kernel_shows_a_sentence_with_both_quotes_as_its_text():
    """{eval} shows the kernel's text/plain: a repr would escape one quote (chapter 2\\'s)."""
    from IPython.core.interactiveshell import InteractiveShell

    from xpcs_nb.chapter import show_strings_as_text

    shell = InteractiveShell()  # a shell of its own, not the process-wide instance
    sentence = 'chapter 2\'s crops are "movie" C2'
    assert shell.display_formatter.format(sentence)[0]["text/plain"] != sentence  # the repr, escaped
    show_strings_as_text(shell)
    shell.user_ns["sentence"] = sentence
    assert shell.user_expressions({"0": "sentence"})["0"]["data"]["text/plain"] == sentence
