"""The book builds with warnings as errors and every page renders in headless Chromium."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from tools import book  # noqa: E402


@pytest.fixture(scope="module")
def site():
    sources = book.chapter_sources()
    executed = [book.EXECUTED / f"{s.stem}.ipynb" for s in sources]
    missing = [p.name for p in executed if not p.exists()]
    if missing:
        pytest.fail(f"notebooks were not executed first: {missing} (run with --integration)")
    result = book.build_site(book.stage_book(executed), warnings_as_errors=True)
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
