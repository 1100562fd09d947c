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


def assert_figures_were_drawn(name: str, notebook) -> None:
    """Every cell that shows a figure holds a PNG; a non-interactive backend (say
    MPLBACKEND=Agg leaking into the kernel's environment) would leave them empty."""
    figure_cells = [c for c in notebook.cells if c.cell_type == "code" and "plt.show()" in c.source]
    assert figure_cells, f"{name}: no cell shows a figure"
    blank = [c.source.splitlines()[0] for c in figure_cells
             if not any("image/png" in o.get("data", {}) for o in c.outputs)]
    assert not blank, f"{name}: {len(blank)} of {len(figure_cells)} figure cells hold no image, e.g. {blank[:3]}"
