"""Every docstring example in the package runs, and gives what it shows.

Readers copy the ``>>>`` examples, so they are tests: one test per module, run with
the standard library's doctest (NumPy's float formatting as in the docstrings).
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import numpy as np
import pytest

import xpcs_nb


def _module_names() -> list[str]:
    return sorted(info.name for info in pkgutil.walk_packages(xpcs_nb.__path__, prefix="xpcs_nb."))


def _has_examples(name: str) -> bool:
    return bool(doctest.DocTestFinder(exclude_empty=True).find(importlib.import_module(name)))


MODULES = _module_names()


def test_the_package_has_examples():
    assert sum(_has_examples(name) for name in MODULES) >= 5


@pytest.mark.parametrize("name", MODULES)
def test_examples_of(name, tmp_path, monkeypatch):
    module = importlib.import_module(name)
    monkeypatch.chdir(tmp_path)  # examples that write files write them here
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    tests = [test for test in finder.find(module, globs={"np": np, **vars(module)}) if test.examples]
    if not tests:
        pytest.skip(f"{name} has no docstring examples")
    for test in tests:
        runner.run(test, out=lambda text: None)
    results = runner.summarize(verbose=False)
    assert results.failed == 0, f"{results.failed} of {results.attempted} docstring examples of {name} failed; " \
                                f"run: python -m doctest -v {module.__file__}"
