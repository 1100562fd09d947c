"""Each chapter's py:percent source and its committed .ipynb pair say the same thing.

Compared: cell types, sources, tags and figure captions (not outputs, ids or
timestamps).  The
.ipynb is committed without outputs.  Fix a failure with
``jupytext --sync notebooks/NN_name.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

import jupytext
import nbformat
import pytest

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
SOURCES = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.py"))


def cell_signature(notebook) -> list[tuple[str, str, tuple[str, ...], str]]:
    """Per cell: type, source, tags and the figure caption metadata (``mystnb``)."""
    return [(c.cell_type, c.source.strip(), tuple(c.metadata.get("tags", ())),
             json.dumps(c.metadata.get("mystnb"), sort_keys=True)) for c in notebook.cells]


def test_every_chapter_has_both_files():
    ipynbs = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    assert [p.stem for p in SOURCES] == [p.stem for p in ipynbs]
    assert SOURCES, "no chapter notebooks found"


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_pair_in_sync(source):
    from_py = jupytext.read(source)
    from_ipynb = nbformat.read(source.with_suffix(".ipynb"), as_version=4)
    assert cell_signature(from_py) == cell_signature(from_ipynb), (
        f"{source.name} and its .ipynb differ: run `jupytext --sync {source}`")


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_ipynb_has_no_outputs(source):
    notebook = nbformat.read(source.with_suffix(".ipynb"), as_version=4)
    with_outputs = [i for i, c in enumerate(notebook.cells) if c.cell_type == "code" and (c.outputs or c.execution_count)]
    assert not with_outputs, f"cells {with_outputs} of {source.stem}.ipynb carry outputs; clear them before committing"


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_first_code_cell_is_parameters(source):
    notebook = jupytext.read(source)
    first_code = next(c for c in notebook.cells if c.cell_type == "code")
    assert "parameters" in first_code.metadata.get("tags", []), "first code cell must be tagged `parameters`"
    assert "PRESET" in first_code.source and "XPCS_PRESET" in first_code.source
