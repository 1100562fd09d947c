"""Every chapter has the frame the book promises its readers.

Overview, Prerequisites, Summary and What's next headings; the banner and pipeline
strip of :mod:`xpcs_nb.chapter` (started in the first code cells, finished in the
last); at least two exercises, each followed by a folded (``hide-cell``) solution that
starts with ``# Solution``; one of them a fill-in exercise (a scaffold with ``...``, a
check cell, then the solution, which must pass that check); two or more
multiple-choice questions with a folded answer. That the solutions run and pass their
checks is tested where the chapters execute (``tests/integration/test_1_notebooks.py``).
"""

from __future__ import annotations

from pathlib import Path

import re

import jupytext
import pytest

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
SOURCES = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.py"))
REQUIRED_HEADINGS = ("## Overview", "## Prerequisites", "## Summary", "## What's next")


def solution_cells(notebook) -> list:
    return [c for c in notebook.cells
            if c.cell_type == "code" and "hide-cell" in c.metadata.get("tags", [])
            and c.source.lstrip().startswith("# Solution")]


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_chapter_has_its_frame(source):
    text = "\n".join(c.source for c in jupytext.read(source).cells if c.cell_type == "markdown")
    missing = [heading for heading in REQUIRED_HEADINGS if heading not in text]
    assert not missing, f"{source.name} lacks {missing}"


def is_fill_in(cell) -> bool:
    return cell.cell_type == "markdown" and re.search(r"\*\*Exercise \d+ \(fill in\)\.\*\*", cell.source) is not None


def has_placeholder(cell) -> bool:
    """A code cell with a bare ``...`` for the reader to replace (not in a string or comment)."""
    code = "\n".join(line.split("#", 1)[0] for line in cell.source.splitlines())
    return cell.cell_type == "code" and re.search(r"(?<![\w.'\"])\.\.\.(?![\w.'\"])", code) is not None


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_every_exercise_has_a_folded_solution(source):
    notebook = jupytext.read(source)
    cells = notebook.cells
    exercises = [i for i, c in enumerate(cells) if c.cell_type == "markdown" and "**Exercise" in c.source]
    assert len(exercises) >= 2, f"{source.name} has {len(exercises)} exercises, expected at least 2"
    for i in exercises:
        # a fill-in exercise: scaffold, check, then the solution
        offset = 3 if is_fill_in(cells[i]) else 1
        following = cells[i + offset] if i + offset < len(cells) else None
        assert following is not None and following in solution_cells(notebook), (
            f"{source.name}: the exercise in cell {i} is not followed by a hide-cell '# Solution' cell")


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_one_exercise_is_filled_in_and_checked(source):
    cells = jupytext.read(source).cells
    fill_ins = [i for i, c in enumerate(cells) if is_fill_in(c)]
    assert fill_ins, f"{source.name}: no '**Exercise N (fill in).**' exercise"
    for i in fill_ins:
        scaffold, check, solution = cells[i + 1:i + 4]
        assert has_placeholder(scaffold), f"{source.name}: the fill-in exercise in cell {i} has no ... to fill"
        assert "check_answer(" in check.source and not has_placeholder(check), (
            f"{source.name}: cell {i + 2} should check the reader's answer with check_answer(...)")
        assert "assert check_answer(" in solution.source and not has_placeholder(solution), (
            f"{source.name}: the solution of the fill-in exercise in cell {i} must end by passing its check")


QUESTION = re.compile(r"\*\*Question \d+\.\*\*")
OPTION = re.compile(r"^- ([A-E])\. ", re.M)
ANSWER = re.compile(r"<details><summary>Answer</summary>\s*\*\*([A-E])\.\*\*\s*\S", re.S)


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_chapter_asks_questions_with_folded_answers(source):
    questions = [c.source for c in jupytext.read(source).cells
                 if c.cell_type == "markdown" and QUESTION.search(c.source)]
    assert len(questions) >= 2, f"{source.name} asks {len(questions)} multiple-choice questions, expected 2 or 3"
    for text in questions:
        options = OPTION.findall(text)
        answer = ANSWER.search(text)
        assert len(options) >= 3, f"{source.name}: a question with {len(options)} options: {text[:60]!r}"
        assert answer and answer.group(1) in options, (
            f"{source.name}: a question without a folded answer naming one of its options: {text[:60]!r}")
        assert "</details>" in text, f"{source.name}: a question's answer is not closed: {text[:60]!r}"


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_chapter_shows_and_finishes_its_frame(source):
    code = [c.source for c in jupytext.read(source).cells if c.cell_type == "code"]
    number = int(source.name[:2])
    assert any(f"start_chapter({number}, PRESET)" in c for c in code[:4]), (
        f"{source.name}: none of the first four code cells calls FRAME = start_chapter({number}, PRESET)")
    assert code[-1].strip() == "FRAME.finish()", f"{source.name}: the last code cell should be FRAME.finish()"
