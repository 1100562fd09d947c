"""Every chapter executes from its py:percent source with papermill at the fast preset."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from tools import book  # noqa: E402



@pytest.fixture(scope="module", autouse=True)
def fresh_output_folder():
    """No executed notebook of an earlier run may stand in for this run's."""
    if book.EXECUTED.exists():
        shutil.rmtree(book.EXECUTED)


@pytest.mark.parametrize("source", book.chapter_sources(), ids=lambda p: p.stem)
def test_chapter_executes(source, monkeypatch):
    monkeypatch.setenv("XPCS_PRESET", "fast")
    executed = book.execute_chapter(source, preset="fast")
    notebook = nbformat.read(executed, as_version=4)
    solutions = [c for c in notebook.cells if c.cell_type == "code" and "hide-cell" in c.metadata.get("tags", [])]
    assert len(solutions) >= 2, f"{source.name}: fewer than two exercise solutions"
    for cell in solutions:
        assert cell.execution_count is not None, f"{source.name}: a solution did not run"
        assert not [o for o in cell.outputs if o.output_type == "error"], f"{source.name}: a solution failed"
    assert_figures_were_drawn(source.name, notebook)
    assert_fill_in_solutions_pass(source.name, notebook)
    assert_banner_says_preset_and_time(source.name, notebook)


def assert_fill_in_solutions_pass(name: str, notebook) -> None:
    """The solution of each fill-in exercise printed its check's "right:" line."""
    cells = notebook.cells
    fill_ins = [i for i, c in enumerate(cells) if c.cell_type == "markdown" and "(fill in).**" in c.source]
    assert fill_ins, f"{name}: no fill-in exercise"
    for i in fill_ins:
        printed = "".join(o.get("text", "") for o in cells[i + 3].outputs if o.output_type == "stream")
        assert "right:" in printed and "not yet:" not in printed, (
            f"{name}: the fill-in solution in cell {i + 3} did not pass its check: {printed!r}")


def assert_banner_says_preset_and_time(name: str, notebook) -> None:
    """The banner was shown and rewritten by FRAME.finish() with the preset and the run time."""
    banners = [o["data"]["text/markdown"] for c in notebook.cells if c.cell_type == "code"
               for o in c.outputs if "text/markdown" in o.get("data", {})
               and "This page was executed at" in o["data"]["text/markdown"]]
    assert len(banners) == 1, f"{name}: {len(banners)} banners, expected one"
    assert "`fast` preset" in banners[0] and "It took" in banners[0], f"{name}: banner not finished: {banners[0][:200]!r}"


def assert_figures_were_drawn(name: str, notebook) -> None:
    """Every cell that shows a figure holds a PNG; a non-interactive backend (say
    MPLBACKEND=Agg leaking into the kernel's environment) would leave them empty."""
    figure_cells = [c for c in notebook.cells if c.cell_type == "code" and "plt.show()" in c.source]
    assert figure_cells, f"{name}: no cell shows a figure"
    blank = [c.source.splitlines()[0] for c in figure_cells
             if not any("image/png" in o.get("data", {}) for o in c.outputs)]
    assert not blank, f"{name}: {len(blank)} of {len(figure_cells)} figure cells hold no image, e.g. {blank[:3]}"
