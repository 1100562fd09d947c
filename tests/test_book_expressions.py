"""The chapters' {eval} roles: evaluated where the cell stands, stored as jupyterlab-myst
stores them, written into the site's Markdown as JupyterLab shows them."""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tools import book  # noqa: E402
from tools.book.expressions import ExpressionError, displayed_text, eval_expressions, written_in  # noqa: E402


def ok(text_plain: str) -> dict:
    return {"status": "ok", "data": {"text/plain": text_plain}, "metadata": {}}


def test_roles_are_found_in_prose_and_tables_not_in_code_blocks():
    markdown = ("| a | {eval}`n_maps` |\n\n```python\nx = {eval}`not_a_role`\n```\n"
                "~~~\n{eval}`nor_this`\n~~~\nthe {eval}`f\"{mse:.4f}\"` and {eval}`split[\"train\"]`.")
    assert eval_expressions(markdown) == ["n_maps", 'f"{mse:.4f}"', 'split["train"]']


@pytest.mark.parametrize("value", ["0.52", "it's", 'say "hi"', "B ≈ 0.5 (19 %)", "", 42, 0.1 + 0.2, "'quoted'"])
def test_displayed_text_is_the_value_as_jupyterlab_myst_shows_it(value):
    """jupyterlab-myst strips one pair of quotes off the repr, so a str shows as itself
    (the cases without a backslash in the repr) and a number as its repr."""
    assert displayed_text(ok(repr(value))) == (value if isinstance(value, str) else repr(value))


def test_stored_expressions_refuses_errors_and_rich_values():
    reply = {"status": "ok", "user_expressions": {
        "0": {"status": "error", "ename": "NameError", "evalue": "name 'mse' is not defined", "traceback": []}}}
    with pytest.raises(ExpressionError, match=r"\{eval\}`mse` failed: NameError"):
        book.stored_expressions(["mse"], reply)
    rich = {"status": "ok", "user_expressions": {"0": {"status": "ok", "metadata": {},
                                                       "data": {"text/plain": "<Figure>", "image/png": "iVBO"}}}}
    with pytest.raises(ExpressionError, match="expected only text/plain"):
        book.stored_expressions(["fig"], rich)


def test_written_in_replaces_every_role_and_escapes_markup():
    stored = [{"expression": "name", "result": ok(repr("class_cpu"))},
              {"expression": "p", "result": ok(repr("p < 0.05 *"))}]
    text = written_in("At {eval}`name`: {eval}`p`, {eval}`name`.\n```\n{eval}`name`\n```", stored)
    assert text == "At class\\_cpu: p \\< 0.05 \\*, class\\_cpu.\n```\n{eval}`name`\n```"


def test_written_in_refuses_a_role_without_a_stored_result():
    with pytest.raises(ExpressionError, match=r"02_x.ipynb, Markdown cell 3: \{eval\}`missing` has no stored result"):
        written_in("a {eval}`missing` b", [], where="02_x.ipynb, Markdown cell 3: ")


def small_chapter() -> nbformat.NotebookNode:
    return new_notebook(cells=[
        new_code_cell("PRESET = 'x'", metadata={"tags": ["parameters"]}),
        new_code_cell("mse = 0.123456\nword = 'first'"),
        new_markdown_cell("MSE {eval}`f\"{mse:.4f}\"`, the {eval}`word` value, {eval}`PRESET`."),
        new_code_cell("word = 'second'"),
        new_markdown_cell("Now the {eval}`word` value."),
        new_markdown_cell("No role here."),
    ], metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})


def run(notebook, tmp_path: Path) -> nbformat.NotebookNode:
    import papermill

    from tools.book.execution import ENGINE

    source, executed = tmp_path / "in.ipynb", tmp_path / "out.ipynb"
    nbformat.write(notebook, source)
    papermill.execute_notebook(str(source), str(executed), parameters={"PRESET": "fast"}, kernel_name="python3",
                               engine_name=ENGINE, progress_bar=False, execution_timeout=60)
    return nbformat.read(executed, as_version=4)


def test_execution_stores_each_cells_values_at_its_place(tmp_path):
    """The value is the one when the cell is reached: `word` is 'first' above its change,
    'second' below; the injected parameter is seen; the format matches jupyterlab-myst's."""
    cells = run(small_chapter(), tmp_path).cells
    stored = {i: c.metadata.get("user_expressions") for i, c in enumerate(cells) if c.cell_type == "markdown"}
    first, second, none = (stored[i] for i in sorted(stored))
    assert first == [{"expression": 'f"{mse:.4f}"', "result": ok("'0.1235'")},
                     {"expression": "word", "result": ok("'first'")},
                     {"expression": "PRESET", "result": ok("'fast'")}]
    assert second == [{"expression": "word", "result": ok("'second'")}]
    assert none is None
    code = [c for c in cells if c.cell_type == "code"]
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1)), "roles must not take execution counts"


def test_a_failing_role_stops_the_execution_naming_cell_and_expression(tmp_path):
    notebook = small_chapter()
    notebook.cells[4].source = "Now {eval}`wrod` here."
    with pytest.raises(ExpressionError, match=r"Markdown cell \d+ \('Now .*'\.\.\.\): \{eval\}`wrod` failed: NameError"):
        run(notebook, tmp_path)


def test_staging_writes_the_values_in(tmp_path):
    notebook = run(small_chapter(), tmp_path)
    executed, staged = tmp_path / "03_x.ipynb", tmp_path / "staged.ipynb"
    nbformat.write(notebook, executed)
    book.write_values_in(executed, staged)
    markdown = [c.source for c in nbformat.read(staged, as_version=4).cells if c.cell_type == "markdown"]
    assert markdown == ["MSE 0.1235, the first value, fast.", "Now the second value.", "No role here."]
    index = next(i for i, c in enumerate(notebook.cells) if c.source == "Now the {eval}`word` value.")
    notebook.cells[index].metadata.pop("user_expressions")
    nbformat.write(notebook, executed)
    with pytest.raises(ExpressionError, match=rf"03_x.ipynb, Markdown cell {index}: \{{eval\}}`word` has no stored"):
        book.write_values_in(executed, staged)


def test_docstring_examples_of_the_expressions_module():
    import doctest

    from tools.book import expressions

    results = doctest.testmod(expressions)
    assert results.attempted >= 8 and results.failed == 0
