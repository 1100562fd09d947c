"""Every chapter has the frame the book promises its readers.

Overview, Prerequisites, Summary and What's next headings; at least two exercises,
each followed by a folded (``hide-cell``) solution that starts with ``# Solution``.
That the solutions run is checked where the chapters execute
(``tests/integration/test_1_notebooks.py``).
"""

from __future__ import annotations

from pathlib import Path

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


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_every_exercise_has_a_folded_solution(source):
    notebook = jupytext.read(source)
    exercises = [i for i, c in enumerate(notebook.cells)
                 if c.cell_type == "markdown" and "**Exercise" in c.source]
    assert len(exercises) >= 2, f"{source.name} has {len(exercises)} exercises, expected at least 2"
    for i in exercises:
        following = notebook.cells[i + 1] if i + 1 < len(notebook.cells) else None
        assert following is not None and following in solution_cells(notebook), (
            f"{source.name}: the exercise in cell {i} is not followed by a hide-cell '# Solution' cell")
