"""Shared test set-up.

* ``--integration`` runs ``tests/integration`` (every notebook with papermill at the
  ``fast`` preset, the book build with warnings as errors, the Chromium check);
  without it those tests are skipped, so ``pytest`` alone stays quick.
* The published paper files are read from ``XPCS_PAPER_DATA``; when unset it
  points at ``../shared/paper_data`` beside the checkout, where CI keeps them.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_PAPER_DATA = ROOT.parent / "shared" / "paper_data"

if "XPCS_PAPER_DATA" not in os.environ and SHARED_PAPER_DATA.is_dir():
    os.environ["XPCS_PAPER_DATA"] = str(SHARED_PAPER_DATA)


@pytest.fixture
def paper_data() -> Path:
    """The local copy of the published paper files; the test is skipped without one."""
    folder = os.environ.get("XPCS_PAPER_DATA")
    if not folder or not Path(folder).is_dir():
        pytest.skip("no local copy of the published files; set XPCS_PAPER_DATA")
    return Path(folder)


def pytest_addoption(parser):
    parser.addoption("--integration", action="store_true",
                     help="also execute the notebooks, build the book and check it in Chromium")


def pytest_collection_modifyitems(config, items):
    """Integration tests run last (notebooks before the site); skipped unless asked for."""
    def is_integration(item):
        return "integration" in Path(str(item.fspath)).parts

    if not config.getoption("--integration"):
        skip = pytest.mark.skip(reason="needs --integration")
        for item in items:
            if is_integration(item):
                item.add_marker(skip)
    items.sort(key=lambda item: (is_integration(item), Path(str(item.fspath)).name if is_integration(item) else ""))
