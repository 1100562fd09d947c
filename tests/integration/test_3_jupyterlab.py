"""The executed chapters open in a real JupyterLab (with jupyterlab-myst) as a student sees them.

One ``jupyter lab`` from this environment, one headless Chromium: each notebook that
``test_1_notebooks.py`` left in ``_build/executed/`` is opened, and every Markdown
cell is read as rendered: no MyST shown as text, no role jupyterlab-myst cannot render
(``{glue:text}``, ``{cite:p}`` without a bibliography, ``{doc}``), every stored
``{eval}`` value shown (tools/book/jupyterlab.py). A fixture notebook with each of
those faults shows, in the same JupyterLab, that the check catches them. Screenshots:
``_build/jupyterlab/``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from tools import book  # noqa: E402
from tools.book import jupyterlab  # noqa: E402

FIXTURE = book.BUILD / "jupyterlab-fixture" / "faults.ipynb"
STORED = {"expression": "x", "result": {"status": "ok", "data": {"text/plain": "'0.5234'"}, "metadata": {}}}
# cell source -> the fault the check must report for it ("" for a cell that is fine)
FAULTS = {
    "A stored value: {eval}`x` here.": "",
    "A value put back without its stored result: {eval}`y` here.": "{eval}`y` has no stored value",
    "A pasted glue role: {glue:text}`ari` here.": "{glue:text}`ari`: jupyterlab-myst does not render",
    "A citation: {cite:p}`horwath2024` here.": "Citation Not Found",
    "```{glue:figure} fig\nA glued figure.\n```": "Unknown Directive",
    "Maths $\\beta = 0.25$ and a folded answer.\n\n<details><summary>Answer</summary>\n\n**B.** Yes.\n\n</details>": "",
}


def write_fixture() -> Path:
    cells = [new_markdown_cell(source, metadata={book.METADATA_KEY: [STORED]} if "{eval}`x`" in source else {})
             for source in FAULTS]
    FIXTURE.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "language": "python",
                                                                      "display_name": "Python 3"}}), FIXTURE)
    return FIXTURE


@pytest.fixture(scope="module")
def reports():
    executed = [book.EXECUTED / f"{s.stem}.ipynb" for s in book.chapter_sources()]
    missing = [p.name for p in executed if not p.exists()]
    if missing:
        pytest.fail(f"notebooks were not executed first: {missing} (run with --integration)")
    found = jupyterlab.check_in_lab([write_fixture(), *executed])
    for report in found:
        print(f"{report.notebook}: {report.cells} cells, {report.values_checked} stored values checked, "
              f"{len(report.problems)} problems, screenshot {report.screenshot}")
    return {report.notebook: report for report in found}


def test_the_check_catches_each_fault_in_a_real_jupyterlab(reports):
    problems = reports[FIXTURE.name].problems
    for i, (source, fault) in enumerate(FAULTS.items()):
        in_cell = [p for p in problems if p.startswith(f"Markdown cell {i} ")]
        if fault:
            assert any(fault in p for p in in_cell), f"cell {i} {source[:40]!r}: {fault!r} not reported: {in_cell}"
        else:
            assert not in_cell, f"cell {i} {source[:40]!r} is fine, yet: {in_cell}"
    assert reports[FIXTURE.name].values_checked == 1


@pytest.mark.parametrize("source", book.chapter_sources(), ids=lambda p: p.stem)
def test_chapter_renders_in_jupyterlab(reports, source):
    report = reports[f"{source.stem}.ipynb"]
    assert Path(report.screenshot).exists()
    assert not report.problems, f"{source.name} in JupyterLab:\n" + "\n".join(report.problems)
