"""The neighbour explorer with ``queries`` works on a static page: no kernel, only the
saved widget state, the site's own widget renderer, and headless Chromium."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tools import book  # noqa: E402

from xpcs_nb import widgets  # noqa: E402

ipywidgets = pytest.importorskip("ipywidgets")


def static_page(box) -> str:
    """A page as myst-nb writes one: RequireJS, the set-up script, the renderer, the
    saved state of every widget (the browser-side link included) and one view."""
    from ipywidgets.embed import embed_data

    data = embed_data(views=[box])
    scripts = "".join(f'<script src="_static/{book.WIDGET_JS[key]}"></script>'
                      for key in ("require", "setup", "embed"))
    state = json.dumps({"version_major": 2, "version_minor": 0, "state": data["manager_state"]["state"]})
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>explorer</title>{scripts}</head><body><main><h1>x</h1>"
            f'<script type="application/vnd.jupyter.widget-state+json">{state}</script>'
            f'<div><script type="application/vnd.jupyter.widget-view+json">{json.dumps(data["view_specs"][0])}'
            "</script></div></main></body></html>")


@pytest.mark.slow
def test_picking_a_query_shows_its_precomputed_answer(tmp_path):
    try:
        book.find_chromium()
        node_modules = book.install_widget_js()
    except RuntimeError as error:
        pytest.skip(str(error))
    rng = np.random.default_rng(0)
    labels = np.repeat([0, 1, 2], 4)
    latents = labels[:, None] * 10.0 + rng.normal(size=(12, 3))
    box = widgets.neighbour_explorer(rng.random((12, 8, 8)), latents, rng.normal(size=(12, 2)), labels,
                                     k=3, label_names=["a", "b", "c"], queries=[0, 9], start=0, dpi=20)
    book.stage_widget_js(tmp_path / "_static", node_modules)
    (tmp_path / "explorer.html").write_text(static_page(box))
    with book.browse(tmp_path) as (context, base):
        page = context.new_page()
        page.goto(f"{base}explorer.html")
        page.wait_for_selector("select", timeout=20_000)
        shown = page.get_by_text("query #0", exact=False)
        assert shown.is_visible() and not page.get_by_text("query #9", exact=False).is_visible()
        page.select_option("select", value="#9 (2: c)")  # the renderer's value is the label
        page.get_by_text("query #9", exact=False).wait_for(state="visible", timeout=5_000)
        assert not shown.is_visible()
