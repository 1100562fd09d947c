"""The widget renderer is served from the site (tools/book/widgets.py), and the browser
check fails a page that requests anything from another host or leaves a widget undrawn
(tools/book/browser.py)."""

from __future__ import annotations

import doctest
import json
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tools import book  # noqa: E402
from tools.book import browser, widgets  # noqa: E402

CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())["sphinx"]["config"]


@pytest.mark.parametrize("module", [widgets, browser], ids=lambda m: m.__name__)
def test_docstring_examples(module):
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


def test_package_json_pins_exact_versions_and_the_lock_agrees():
    pins = book.pinned_versions()
    assert set(pins) == {package.name for package in book.WIDGET_PACKAGES}
    locked = json.loads((ROOT / "package-lock.json").read_text())["packages"]
    assert locked[""]["dependencies"] == pins
    for name, version in pins.items():
        assert locked[f"node_modules/{name}"]["version"] == version


def test_a_version_range_is_refused(tmp_path):
    (tmp_path / "package.json").write_text(json.dumps({"dependencies": {"requirejs": "^2.3.8"}}))
    with pytest.raises(ValueError, match=r"requirejs must be pinned.*'\^2.3.8'"):
        book.pinned_versions(tmp_path)


def test_missing_npm_is_a_clear_error(tmp_path, monkeypatch):
    (tmp_path / "package.json").write_text((ROOT / "package.json").read_text())
    monkeypatch.setattr(widgets.shutil, "which", lambda name: None)
    with pytest.raises(RuntimeError, match="npm not found.*@jupyter-widgets/html-manager"):
        book.install_widget_js(tmp_path)


def test_myst_nb_loads_the_sites_own_copies_in_order():
    """RequireJS first (the renderer is an AMD module), the set-up script, then the renderer."""
    assert list(CONFIG["nb_ipywidgets_js"]) == [book.WIDGET_JS[key] for key in ("require", "setup", "embed")]
    assert CONFIG["html_static_path"] == [book.STATIC_FOLDER]


@pytest.fixture(scope="module")
def node_modules() -> Path:
    """The pinned packages, installed with ``npm ci`` when missing (a few seconds)."""
    try:
        return book.install_widget_js()
    except RuntimeError as error:
        if "npm not found" in str(error):
            pytest.skip(str(error))
        raise


def test_staged_copies_are_what_the_pages_load(node_modules, tmp_path):
    copies = book.stage_widget_js(tmp_path, node_modules)
    assert all(path.is_file() and path.stat().st_size > 0 for path in copies)
    for script in CONFIG["nb_ipywidgets_js"]:
        assert (tmp_path / script).is_file(), script
    renderer = tmp_path / book.WIDGET_JS["embed"]
    assert (tmp_path / book.WIDGET_JS["setup"]).read_text() == book.SETUP_JS.read_text()
    # every font the renderer's CSS asks for lies beside it
    fonts = [path.name for path in renderer.parent.iterdir() if path.suffix in (".woff2", ".woff", ".ttf")]
    assert fonts and all(name in renderer.read_text() for name in fonts)
    # each package's licence travels with it
    for package in book.WIDGET_PACKAGES:
        notice = (tmp_path / book.WIDGET_JS[package.key]).with_name(Path(package.file).stem + ".LICENSE.txt")
        assert notice.read_text().startswith(f"{package.name} {book.pinned_versions()[package.name]}, licence ")


# --- the browser check on a tiny site ----------------------------------------------------

VIEW = '<script type="application/vnd.jupyter.widget-view+json">{"model_id": "m1"}</script>'
PAGES = {
    # a script from another host: a request leaving the site
    "cdn.html": '<main><h1>CDN</h1><script src="https://cdn.example.invalid/require.min.js"></script></main>',
    # a saved widget and no renderer on the page
    "undrawn.html": f"<main><h1>Undrawn</h1><div>{VIEW}</div></main>",
    # what html-manager leaves: a div.widget-subarea before the view, the widget drawn in it
    "drawn.html": (f"<main><h1>Drawn</h1><div>{VIEW}</div></main><script>"
                   "const view = document.querySelector('script[type*=widget-view]');"
                   "const area = document.createElement('div'); area.className = 'widget-subarea';"
                   "area.innerHTML = '<div class=\"jupyter-widgets widget-dropdown\">x</div>';"
                   "setTimeout(() => view.parentElement.insertBefore(area, view), 300);</script>"),
}


@pytest.fixture(scope="module")
def tiny_site_reports(tmp_path_factory):
    try:
        book.find_chromium()
    except RuntimeError as error:
        pytest.skip(str(error))
    site = tmp_path_factory.mktemp("site")
    for name, body in PAGES.items():
        (site / name).write_text(f"<!doctype html><html><head><title>{name}</title></head><body>{body}</body></html>")
    reports = book.check_site(site, pages=list(PAGES), screenshot_dir=site / "shots", widget_timeout_s=2)
    return {report.page: report for report in reports}


@pytest.mark.slow
def test_a_request_to_another_host_fails_the_page(tiny_site_reports):
    report = tiny_site_reports["cdn.html"]
    assert report.outside_requests == ["https://cdn.example.invalid/require.min.js"]
    assert "request leaving the site: https://cdn.example.invalid/require.min.js" in report.problems


@pytest.mark.slow
def test_an_undrawn_widget_fails_the_page(tiny_site_reports):
    report = tiny_site_reports["undrawn.html"]
    assert report.widgets == 0
    assert report.problems == ["only 0 of 1 saved widgets drawn by the widget renderer"]


@pytest.mark.slow
def test_a_drawn_widget_passes(tiny_site_reports):
    report = tiny_site_reports["drawn.html"]
    assert (report.widgets, report.problems, report.outside_requests) == (1, [], [])
