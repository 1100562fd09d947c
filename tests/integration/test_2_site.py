"""The book builds with warnings as errors and every page renders in headless Chromium."""

from __future__ import annotations

import html
import re
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from tools import book  # noqa: E402


# The published site takes these from its deployment; the test build uses stand-ins.
TEST_LINKS = {"XPCS_REPOSITORY_URL": "https://github.com/example/xpcs-nb",
              "XPCS_JUPYTERHUB_URL": "https://hub.example.edu"}


@pytest.fixture(scope="module")
def site():
    sources = book.chapter_sources()
    executed = [book.EXECUTED / f"{s.stem}.ipynb" for s in sources]
    missing = [p.name for p in executed if not p.exists()]
    if missing:
        pytest.fail(f"notebooks were not executed first: {missing} (run with --integration)")
    result = book.build_site(book.stage_book(executed, book.site_links(TEST_LINKS)), warnings_as_errors=True)
    assert result.returncode == 0, "jupyter-book build -W failed:\n" + (result.stdout + result.stderr)[-6000:]
    return book.HTML


@pytest.fixture(scope="module")
def reports(site):
    return {r.page: r for r in book.check_site(site)}


def test_book_builds_without_warnings(site):
    assert (site / "index.html").exists()


@pytest.mark.parametrize("page", book.site_pages())
def test_page_renders_in_chromium(reports, page):
    report = reports[page]
    print(book.summarise([report]))
    assert not report.problems, "\n".join(report.problems)
    assert Path(report.screenshot).exists()


def test_no_request_leaves_the_site(reports):
    """MathJax, RequireJS and the widget renderer are the site's own files: nothing from a CDN."""
    leaving = {page: report.outside_requests for page, report in reports.items() if report.outside_requests}
    assert not leaving, leaving


def test_saved_widgets_are_drawn(site, reports):
    """The chapters' explorers (ipywidgets) are drawn in Chromium by the site's own renderer."""
    saved = {page: (site / page).read_text().count("application/vnd.jupyter.widget-view+json")
             for page in book.site_pages() if page != book.MISSING_PAGE}
    with_widgets = {page: count for page, count in saved.items() if count}
    assert with_widgets, "no chapter saved a widget: is the renderer still needed?"
    assert {page: reports[page].widgets for page in with_widgets} == with_widgets


def header_links(page: Path) -> list[str]:
    return re.findall(r'href="([^"]+)"', page.read_text())


@pytest.mark.parametrize("source", book.chapter_sources(), ids=lambda p: p.stem)
def test_chapter_has_launch_and_download_buttons(site, source):
    """Binder and the JupyterHub open the chapter's committed .ipynb; the download is the executed one."""
    links = header_links(site / "notebooks" / f"{source.stem}.html")
    notebook = f"notebooks/{source.stem}.ipynb"
    assert (ROOT / notebook).exists()
    assert f"https://mybinder.org/v2/gh/example/xpcs-nb/main?urlpath=lab/tree/{notebook}" in links
    hub = [link for link in links if link.startswith("https://hub.example.edu/hub/user-redirect/git-pull?")]
    assert len(hub) == 1
    query = parse_qs(urlparse(html.unescape(hub[0])).query)
    assert query == {"repo": [TEST_LINKS["XPCS_REPOSITORY_URL"]], "branch": ["main"],
                     "urlpath": [f"lab/tree/xpcs-nb/{notebook}"]}
    assert TEST_LINKS["XPCS_REPOSITORY_URL"] in links
    download = site / "_sources" / notebook
    assert f"../_sources/{notebook}" in links and download.exists()
    outputs = [c for c in nbformat.read(download, as_version=4).cells if c.cell_type == "code" and c.outputs]
    assert outputs, "the downloadable notebook should carry the build's outputs"


def test_text_pages_have_no_launch_buttons(site):
    links = header_links(site / "book" / "setup.html")
    assert TEST_LINKS["XPCS_REPOSITORY_URL"] in links
    assert not [link for link in links if "mybinder.org" in link or "hub.example.edu" in link]


@pytest.mark.parametrize("query, page", [
    ("Siegert", "notebooks/01_speckle_to_c2.html"),
    ("nearest neighbours", "notebooks/06_similarity.html"),
    ("nbgitpuller", "book/setup.html"),
])
def test_search_box_finds_the_page(site, query, page):
    assert page in book.search_site(query, site)


def test_site_published_under_a_path_works_there(site, tmp_path):
    """A project site (https://owner.github.io/xpcs-nb/): pages and the 404 page load at that path."""
    executed = [book.EXECUTED / f"{s.stem}.ipynb" for s in book.chapter_sources()]
    links = book.site_links({**TEST_LINKS, "XPCS_SITE_URL": "https://example.github.io/xpcs-nb/"})
    result = book.build_site(book.stage_book(executed, links), output=tmp_path)
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    reports = book.check_site(tmp_path / "_build" / "html", mount="/xpcs-nb/", screenshot_dir=tmp_path / "shots",
                              pages=["book/intro.html", "notebooks/01_speckle_to_c2.html", book.MISSING_PAGE])
    assert not [r.problems for r in reports if r.problems], book.summarise(reports)


def test_no_role_reaches_the_site(site):
    """The stage writes each {eval} value in; the intro's five {glue:text} pastes render too."""
    for page in ["book/intro.html", *[f"notebooks/{s.stem}.html" for s in book.chapter_sources()]]:
        text = html.unescape(re.sub(r"<[^>]+>", " ", (site / page).read_text()))
        raw = re.findall(r"\{(?:eval|glue:?\w*)\}`[^`]*`", text)
        assert not raw, f"{page} shows roles as text: {raw[:5]}"
