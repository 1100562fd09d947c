"""Every chapter executes from its py:percent source with papermill at the fast preset.

An execution kept in the chapter cache under the same key (the chapter, the package,
the environment, the preset: ``tools/book/cache.py``) is reused, so ``tasks.py test``
after ``tasks.py book`` does not run the chapters again; each test says which it did.
"""

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
    run = book.run_chapter(source, preset="fast")
    print(f"{source.name}: " + (f"reused the kept execution (key {run.key[:12]})" if run.reused
                                else f"executed in {run.seconds:.0f} s, kept under key {run.key[:12]}"))
    notebook = nbformat.read(run.notebook, as_version=4)
    solutions = [c for c in notebook.cells if c.cell_type == "code" and "hide-cell" in c.metadata.get("tags", [])]
    assert len(solutions) >= 2, f"{source.name}: fewer than two exercise solutions"
    for cell in solutions:
        assert cell.execution_count is not None, f"{source.name}: a solution did not run"
        assert not [o for o in cell.outputs if o.output_type == "error"], f"{source.name}: a solution failed"
    assert_figures_were_drawn(source.name, notebook)
    assert_fill_in_solutions_pass(source.name, notebook)
    assert_banner_says_preset_and_time(source.name, notebook)
    assert_every_figure_has_its_caption(source.name, notebook)
    assert_roles_have_stored_values(source.name, notebook)


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


def figure_caption_problems(name: str, notebook) -> list[str]:
    """Rule R4 on the executed notebook: every code cell with an ``image/png`` output (the
    banner cell, which draws the pipeline strip, aside) is followed by a Markdown cell
    starting ``**Figure N.K.**``, N the chapter's number, K = 1, 2, ... in order."""
    number, cells, problems, k = int(name[:2]), notebook.cells, [], 0
    for i, cell in enumerate(cells):
        pngs = [o for o in cell.get("outputs", []) if "image/png" in o.get("data", {})]
        if cell.cell_type != "code" or not pngs or "start_chapter(" in cell.source:
            continue
        k += 1
        following = cells[i + 1].source.lstrip() if i + 1 < len(cells) else ""
        if len(pngs) > 1:
            problems.append(f"{name}: code cell {i} draws {len(pngs)} figures (one per cell)")
        if not (i + 1 < len(cells) and cells[i + 1].cell_type == "markdown" and following.startswith(f"**Figure {number}.{k}.**")):
            problems.append(f"{name}: the figure of code cell {i} is not followed by a '**Figure {number}.{k}.**' caption, "
                            f"but {following[:40]!r}")
    return problems


def assert_every_figure_has_its_caption(name: str, notebook) -> None:
    problems = figure_caption_problems(name, notebook)
    assert not problems, "\n".join(problems)


def assert_roles_have_stored_values(name: str, notebook) -> None:
    """Each {eval} role has its value stored (so JupyterLab shows it), shown without Python's escapes."""
    for i, cell in enumerate(notebook.cells):
        if cell.cell_type != "markdown":
            continue
        stored = cell.metadata.get(book.METADATA_KEY, [])
        assert [e["expression"] for e in stored] == book.eval_expressions(cell.source), f"{name}: Markdown cell {i}"
        problems = book.escape_problems(stored)
        assert not problems, f"{name}: Markdown cell {i}: " + "; ".join(problems)
