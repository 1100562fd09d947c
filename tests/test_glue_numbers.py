"""No result number is typed into a chapter's prose: it comes from the run, or is a constant.

A number the run produces changes with the preset and the seed; typed into Markdown it
is right at one preset and silently wrong at the others. The rules checked here:

* in a chapter's Markdown, outside code, maths, roles (``{eval}`mse_text` ``, cites),
  link targets and HTML tags, every number with a decimal point, every percentage and
  every number after "≈" must be listed, with the reason it is not a result, in
  ``tests/glue_constants/<chapter>.toml`` (a setting of the simulation, a fact of the
  paper, a consequence of theory). Anything else is a result and must come from the
  run as an ``{eval}`` role on a kernel variable. Integers without a unit sign (sample
  sizes, k, frames) are not checked: they are mostly settings, and the rule must stay
  one a writer can follow;
* no ``{glue`` role in a chapter (R6): JupyterLab cannot show it (only the intro pastes
  glued keys, from the executed chapters);
* every name an ``{eval}`` role reads is defined in a code cell above its Markdown cell:
  a reader runs the chapter top to bottom, and the build evaluates each role when its
  cell is reached (``tools/book/execution.py``).
"""

from __future__ import annotations

import ast
import builtins
import re
import sys
import tomllib
from pathlib import Path

import jupytext
import pytest

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.py"))
CONSTANTS = Path(__file__).resolve().parent / "glue_constants"
sys.path.insert(0, str(ROOT))
from tools.book.expressions import eval_expressions, roles  # noqa: E402

# Removed before looking for numbers: what the reader sees as code, maths, roles, links, tags.
_NOT_PROSE = [r"```.*?```", r"\$\$.*?\$\$", r"\$[^$\n]+\$", r"\{[a-z:-]+\}`[^`]*`", r"`[^`]*`",
              r"\]\([^)]*\)", r"<[^>]+>"]
_RESULT_LIKE = re.compile(
    r"(?<![\w.,])\d[\d,]*\.\d+(?![\w.])"        # a decimal point: 0.85, 1,234.5
    r"|(?<![\w.,])\d[\d,.]*\s?%"                # a percentage: 19 %, 2.5%
    r"|(?<=≈)\s?\d[\d,.]*"                      # after ≈: ≈ 549
)


def prose(markdown: str) -> str:
    """``markdown`` without code, maths, roles, link targets and HTML tags."""
    for pattern in _NOT_PROSE:
        markdown = re.sub(pattern, " ", markdown, flags=re.S)
    return markdown


def result_like_numbers(markdown: str) -> list[str]:
    """The numbers in ``markdown``'s prose that look like results, normalised (no spaces)."""
    return [re.sub(r"\s", "", m.group()).rstrip(",.") for m in _RESULT_LIKE.finditer(prose(markdown))]


def allowed_constants(chapter: Path) -> dict[str, str]:
    """The chapter's declared constants: number as written -> why it is not a result."""
    path = CONSTANTS / f"{chapter.stem}.toml"
    if not path.exists():
        return {}
    table = tomllib.loads(path.read_text(encoding="utf-8"))
    return {str(number): reason for number, reason in table.get("constants", {}).items()}


def test_the_rule_catches_a_typed_in_result():
    text = ("The ARI is 0.83 and the error fell by 19 %, p ≈ 0.02; minima near ≈ 549 s. "
            "From the run: {eval}`ari_text`, {eval}`f\"{ari:.2f}\"`, `x = 0.5` in code, $\\beta = 0.25$ in maths.")
    assert result_like_numbers(text) == ["0.83", "19%", "0.02", "549"]


def test_the_rule_leaves_code_maths_roles_and_links_alone():
    text = ("See {eval}`f\"{score:.2f}\"`, `np.round(x, 0.5)`, $q = 0.1\\,nm^{-1}$, "
            "[v1.2](https://example.org/v1.2.3) and <span style='width: 50%'>x</span>.")
    assert result_like_numbers(text) == []


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_prose_has_no_typed_in_result(chapter):
    allowed = allowed_constants(chapter)
    found = []
    for cell in jupytext.read(chapter).cells:
        if cell.cell_type == "markdown":
            found += [n for n in result_like_numbers(cell.source) if n not in allowed]
    assert not found, (
        f"{chapter.name}: numbers typed into the prose {sorted(set(found))}: take them from the run "
        f"(a variable in a code cell above, shown with {{eval}}`name`), or, if they are settings, paper facts or theory, "
        f"list them with the reason in tests/glue_constants/{chapter.stem}.toml")


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_declared_constants_are_used_and_explained(chapter):
    allowed = allowed_constants(chapter)
    text = " ".join(c.source for c in jupytext.read(chapter).cells if c.cell_type == "markdown")
    present = set(result_like_numbers(text))
    stale = sorted(set(allowed) - present)
    assert not stale, f"tests/glue_constants/{chapter.stem}.toml lists numbers the chapter no longer states: {stale}"
    unexplained = sorted(n for n, reason in allowed.items() if len(reason.split()) < 3)
    assert not unexplained, f"tests/glue_constants/{chapter.stem}.toml: give each constant a reason, not {unexplained}"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_has_no_glue_role(chapter):
    """R6: a {glue} role shows in JupyterLab as its bare key; numbers come from {eval} roles."""
    found = [f"{{{m['name']}}}`{m['content']}`" for cell in jupytext.read(chapter).cells
             if cell.cell_type == "markdown" for m in roles(cell.source) if m["name"].startswith("glue")]
    assert not found, f"{chapter.name}: glue roles {found}: write {{eval}}`variable` instead"


def defined_names(code: str) -> set[str]:
    """Names a code cell binds: assignments, loop and with targets, imports, functions, classes."""
    # IPython magics and shell lines are no Python (a line that continues with != is)
    code = "\n".join(line for line in code.splitlines() if not re.match(r"\s*(%|!(?!=))", line))
    names = set()
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(alias.asname or alias.name).split(".")[0] for alias in node.names}
    return names


def read_names(expression: str) -> set[str]:
    return {node.id for node in ast.walk(ast.parse(expression, mode="eval"))
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)}


def roles_read_before_defined(cells) -> list[str]:
    """Each {eval} role (with its cell index) that reads a name no code cell above defines."""
    defined, problems = set(dir(builtins)), []
    for i, cell in enumerate(cells):
        if cell.cell_type == "code":
            defined |= defined_names(cell.source)
            continue
        for expression in eval_expressions(cell.source) if cell.cell_type == "markdown" else []:
            missing = sorted(read_names(expression) - defined)
            if missing:
                problems.append(f"cell {i}: {{eval}}`{expression}` reads {missing}, not defined above")
    return problems


def test_the_order_rule_catches_a_role_above_its_variable():
    from nbformat.v4 import new_code_cell, new_markdown_cell

    cells = [new_code_cell("import numpy as np\nfor k in range(3):\n    mse = k"),
             new_markdown_cell("MSE {eval}`f\"{mse:.2f}\"`, k {eval}`k`, {eval}`np.pi`, {eval}`len(later)`."),
             new_code_cell("later = [1]"), new_markdown_cell("Now {eval}`later[0]`.")]
    assert roles_read_before_defined(cells) == ["cell 1: {eval}`len(later)` reads ['later'], not defined above"]


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_eval_roles_read_variables_defined_above(chapter):
    problems = roles_read_before_defined(jupytext.read(chapter).cells)
    assert not problems, f"{chapter.name}: move the code above the prose, or the prose below:\n" + "\n".join(problems)
