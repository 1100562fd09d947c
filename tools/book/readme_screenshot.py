"""Retake the README's screenshot, ``book/images/site-chapter5.png``, from a site build.

Chapter 5 is executed at a preset (``fast`` by default); every other chapter is
staged as its unexecuted notebook, so the sidebar lists all of them without running
them (their pages are built, with no outputs). The screenshot is the chapter-5 page
at ``#fig-3-rebuilt`` (the paper's Fig. 3, rebuilt), 1366 × 900 pixels, as the
browser check takes them. Run from the repository root, with the published files
reachable (``XPCS_PAPER_DATA`` offline)::

    PYTHONPATH=. .venv/bin/python -m tools.book.readme_screenshot

Several minutes: chapter 5 runs, then Jupyter Book builds the whole site. The
rocket (launch) and repository icons appear when the publisher's addresses are set,
as for the published site (``XPCS_REPOSITORY_URL``, ``XPCS_JUPYTERHUB_URL``; see
:mod:`tools.book.links`). To retake only the picture from a site already built,
``take_screenshot()``.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from .browser import browse
from .build import build_site, chapter_sources, execute_chapter, stage_book
from .paths import BUILD, HTML, ROOT

__all__ = ["SCREENSHOT", "CHAPTER", "ANCHOR", "staged_notebooks", "take_screenshot"]

SCREENSHOT = ROOT / "book" / "images" / "site-chapter5.png"
CHAPTER = "05_rheology"
ANCHOR = "fig-3-rebuilt"  # the heading "Fig. 3, rebuilt" of chapter 5


def staged_notebooks(preset: str, out_dir: Path = BUILD / "readme-screenshot") -> list[Path]:
    """Chapter 5 executed at ``preset``, every other chapter as an unexecuted ``.ipynb``."""
    import jupytext

    out_dir.mkdir(parents=True, exist_ok=True)
    notebooks = []
    for source in chapter_sources():
        if source.stem == CHAPTER:
            notebooks.append(execute_chapter(source, preset, out_dir=out_dir))
        else:
            notebooks.append(out_dir / f"{source.stem}.ipynb")
            jupytext.write(jupytext.read(source), notebooks[-1])
    if not any(path.stem == CHAPTER for path in notebooks):
        raise FileNotFoundError(f"no notebooks/{CHAPTER}.py to execute: the screenshot shows that chapter")
    return notebooks


def take_screenshot(target: Path = SCREENSHOT, html_dir: Path = HTML) -> Path:
    """Open chapter 5's page of the built site at :data:`ANCHOR` and save the view as ``target``."""
    page_path = f"notebooks/{CHAPTER}.html"
    if not (html_dir / page_path).is_file():
        raise FileNotFoundError(f"{html_dir / page_path} is missing: build the site first")
    with browse(html_dir) as (context, base):
        page = context.new_page()
        page.goto(f"{base}{page_path}#{ANCHOR}", wait_until="networkidle")
        # the theme paints the target heading; a README picture shows the page as read
        page.add_style_tag(content=":target, :target > :is(h1, h2, h3, h4) "
                                   "{ background-color: transparent !important; }")
        page.wait_for_timeout(1500)  # MathJax typesets after the load event
        page.screenshot(path=str(target), full_page=False)
    return target


def main(argv: list[str] | None = None) -> Path:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--preset", default="fast", help="preset chapter 5 runs at (default: fast)")
    args = parser.parse_args(argv)
    stage_book(staged_notebooks(args.preset))
    result = build_site(warnings_as_errors=False)  # the unexecuted chapters' pastes warn
    if result.returncode != 0:
        raise RuntimeError(f"jupyter-book failed ({result.returncode}); see _build/jupyter-book-html.log")
    shot = take_screenshot()
    shutil.rmtree(BUILD / "readme-screenshot", ignore_errors=True)
    print(f"wrote {shot.relative_to(ROOT)}")
    return shot


if __name__ == "__main__":
    main()
