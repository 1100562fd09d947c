"""Shared test set-up.

* ``--integration`` runs ``tests/integration`` (every notebook with papermill at the
  ``fast`` preset, the book build with warnings as errors, the Chromium check);
  without it those tests are skipped, so ``pytest`` alone stays quick.
* ``--slow`` also runs the tests marked ``slow`` (a DDP job, the GPU check's smoke run,
  UMAP...); ``python3 tasks.py test``, which CI runs, passes it, so CI runs every test.
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


@pytest.fixture(autouse=True)
def environment_left_as_found():
    """A test must not leave a changed os.environ behind: the notebooks' kernels run
    later in this process's environment (a leaked MPLBACKEND=Agg once blanked every
    figure of the book, a leaked OMP_NUM_THREADS=1 ran its training on one core)."""
    before = _environment()
    yield
    changed = sorted(name for name in before.keys() | _environment().keys()
                     if before.get(name) != os.environ.get(name))
    assert not changed, f"the test left the environment changed: {changed}"


# set by pytest itself, by torch the first time its compiler stack is imported, or by
# scikit-learn the first time it is imported (setdefault, for Intel's OpenMP; harmless)
_IGNORED = {"PYTEST_CURRENT_TEST", "TORCHINDUCTOR_CACHE_DIR", "KMP_DUPLICATE_LIB_OK", "KMP_INIT_AT_FORK"}


def _environment() -> dict[str, str]:
    return {name: value for name, value in os.environ.items() if name not in _IGNORED}


def pytest_addoption(parser):
    parser.addoption("--integration", action="store_true",
                     help="also execute the notebooks, build the book and check it in Chromium")
    parser.addoption("--slow", action="store_true", help="also run the tests marked slow (tasks.py test passes it)")


def pytest_collection_modifyitems(config, items):
    """Integration tests run last (notebooks before the site); skipped unless asked for."""
    def is_integration(item):
        return "integration" in Path(str(item.fspath)).parts

    if not config.getoption("--integration"):
        skip = pytest.mark.skip(reason="needs --integration")
        for item in items:
            if is_integration(item):
                item.add_marker(skip)
    if not config.getoption("--slow"):
        skip_slow = pytest.mark.skip(reason="slow: needs --slow")
        for item in items:
            if "slow" in item.keywords:
                item.add_marker(skip_slow)
    items.sort(key=lambda item: (is_integration(item), Path(str(item.fspath)).name if is_integration(item) else ""))
