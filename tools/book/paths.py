"""Where the book's sources are and where each build step writes (all under ``_build/``)."""

from __future__ import annotations

from pathlib import Path

__all__ = ["ROOT", "NOTEBOOKS", "BUILD", "EXECUTED", "STAGE", "HTML", "SCREENSHOTS", "BOOK_SOURCES"]

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
BUILD = ROOT / "_build"
EXECUTED = BUILD / "executed"
STAGE = BUILD / "stage"
HTML = BUILD / "html"
SCREENSHOTS = BUILD / "screenshots"
# Files and folders of the book's source, copied into the stage as they are.
BOOK_SOURCES = ["_toc.yml", "book", "references.bib"]  # _config.yml is rewritten, see stage_book
