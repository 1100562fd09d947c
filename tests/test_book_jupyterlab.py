"""The JupyterLab check's reading of a rendered Markdown cell (tools/book/jupyterlab.py).

The HTML below is what jupyterlab-myst 2.7.0 drew in JupyterLab 4.4.10 for each case
(copied from the page); tests/integration/test_3_jupyterlab.py checks the same cases
in a running JupyterLab.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tools.book.jupyterlab import lab_problems, raw_markup  # noqa: E402

CITATION_NOT_FOUND = ('<p>A cite: <span class="cite-group parenthetical"><span class="text-yellow-600" '
                      'title="Citation Not Found"><svg></svg>horwath2024</span></span> end.</p>')


def test_a_stored_value_shown_is_fine():
    assert lab_problems("MSE {eval}`f\"{mse:.4f}\"` at {eval}`PRESET`.", ["0.5234", "fast"],
                        "MSE 0.5234 at fast.", "<p>MSE <span>0.5234</span> at <span>fast</span>.</p>") == []


def test_a_glue_role_put_back_is_caught_though_it_shows_as_plain_text():
    """jupyterlab-myst draws {glue:text}`ari` as <span>ari</span>, as it draws a value: only the source tells."""
    problems = lab_problems("Pasted: {glue:text}`ari`.", [], "Pasted: ari.", "<p>Pasted: <span>ari</span>.</p>")
    assert len(problems) == 1 and problems[0].startswith("{glue:text}`ari`")


def test_an_eval_role_without_its_stored_value_is_caught():
    problems = lab_problems("MSE {eval}`mse`, n {eval}`n`.", ["0.52"], "MSE 0.52, n n.",
                            "<p>MSE <span>0.52</span>, n <code>n</code>.</p>")
    assert problems == ["{eval}`n` has no stored value: JupyterLab shows the expression 'n' until the reader "
                        "runs the cell"]


def test_a_value_not_shown_is_caught():
    assert lab_problems("MSE {eval}`mse`.", ["0.52"], "MSE .", "<p>MSE .</p>") == ["the stored value '0.52' is not shown"]


def test_an_unresolved_citation_and_an_unknown_directive_are_caught():
    problems = lab_problems("A cite: {cite:p}`horwath2024` end.", [], "A cite: horwath2024 end.", CITATION_NOT_FOUND)
    assert len(problems) == 1 and "Citation Not Found" in problems[0]
    assert lab_problems("```{glue:figure} f\n```", [], "glue:figure - Unknown Directive", "") == [
        "jupyterlab-myst shows 'Unknown Directive'"]


@pytest.mark.parametrize("text, found", [
    ("{eval}`mse_text` left raw", ["{eval}`mse_text`"]),
    ("a {glue:text}`ari` and {numref}`fig-1`", ["{glue:text}`ari`", "{numref}`fig-1`"]),
    ("```{note}\nbody\n```", ["```{note}"]),
    (":::{admonition} Title", [":::{admonition} Title"]),
    ("(fig-target)=\nHeading", ["(fig-target)="]),
    ("Sets {1, 2} and `code` and C₂(t₁, t₂) and 19 % of f(x)", []),
])
def test_raw_markup_in_visible_text(text, found):
    assert raw_markup(text) == found
