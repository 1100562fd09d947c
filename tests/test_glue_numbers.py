"""No result number is typed into a chapter's prose: it is glued from the run, or a constant.

A number the run produces changes with the preset and the seed; typed into Markdown it
is right at one preset and silently wrong at the others. The rule checked here:
in a chapter's Markdown, outside code, maths, roles (``{glue:text}`...` ``, cites),
link targets and HTML tags, every number with a decimal point, every percentage and
every number after "≈" must be listed, with the reason it is not a result, in
``tests/glue_constants/<chapter>.toml`` (a setting of the simulation, a fact of the
paper, a consequence of theory). Anything else is a result and must be glued.
Integers without a unit sign (sample sizes, k, frames) are not checked: they are
mostly settings, and the rule must stay one a writer can follow.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import jupytext
import pytest

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.py"))
CONSTANTS = Path(__file__).resolve().parent / "glue_constants"

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
            "Glued: {glue:text}`ari`, `x = 0.5` in code, $\\beta = 0.25$ in maths.")
    assert result_like_numbers(text) == ["0.83", "19%", "0.02", "549"]


def test_the_rule_leaves_code_maths_roles_and_links_alone():
    text = ("See {glue:text}`score:.2f`, `np.round(x, 0.5)`, $q = 0.1\\,nm^{-1}$, "
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
        f"{chapter.name}: numbers typed into the prose {sorted(set(found))}: glue them from the run "
        f"(myst_nb.glue and {{glue:text}}`name`), or, if they are settings, paper facts or theory, "
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
