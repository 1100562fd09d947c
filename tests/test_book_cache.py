"""Chapters executed once: the chapter cache's key and its reuse (tools/book/cache.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tools import book  # noqa: E402


@pytest.fixture
def project(tmp_path):
    """A small stand-in for the repository: a chapter, a package of two files, the pins."""
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "02_x.py").write_text("# %%\nx = 1\n")
    (tmp_path / "pkg" / "sub").mkdir(parents=True)
    (tmp_path / "pkg" / "a.py").write_text("A = 1\n")
    (tmp_path / "pkg" / "sub" / "b.py").write_text("B = 2\n")
    (tmp_path / "requirements.txt").write_text("numpy==2.0\n")
    return tmp_path


def key(root: Path, preset: str = "fast") -> str:
    return book.execution_key(root / "notebooks" / "02_x.py", preset, root=root, key_files=["pkg", "requirements.txt"])


@pytest.mark.parametrize("change", [
    lambda r: (r / "notebooks" / "02_x.py").write_text("# %%\nx = 2\n"),
    lambda r: (r / "pkg" / "sub" / "b.py").write_text("B = 3\n"),
    lambda r: (r / "pkg" / "sub" / "c.py").write_text(""),
    lambda r: (r / "pkg" / "a.py").rename(r / "pkg" / "sub" / "a.py"),
    lambda r: (r / "requirements.txt").write_text("numpy==2.1\n"),
], ids=["chapter", "package file", "new package file", "moved file", "requirements"])
def test_the_key_changes_with_what_the_run_depends_on(project, change):
    before = key(project)
    assert key(project) == before, "the key must not change by itself"
    change(project)
    assert key(project) != before


def test_the_key_changes_with_the_preset_and_ignores_bytecode(project):
    before = key(project)
    assert key(project, "class") != before
    (project / "pkg" / "__pycache__").mkdir()
    (project / "pkg" / "__pycache__" / "a.cpython-311.pyc").write_bytes(b"\0")
    assert key(project) == before


def test_the_key_refuses_a_missing_input_and_an_empty_preset(project):
    with pytest.raises(FileNotFoundError, match="nothing"):
        book.execution_key(project / "notebooks" / "02_x.py", "fast", root=project, key_files=["nothing"])
    with pytest.raises(ValueError, match="preset must be a preset's name, got ''"):
        key(project, "")


def test_a_kept_execution_is_reused_under_its_key_only(project, tmp_path):
    source, cache, out = project / "notebooks" / "02_x.py", tmp_path / "cache", tmp_path / "out"
    executed = tmp_path / "02_x.ipynb"
    executed.write_text('{"cells": "the first run"}')
    assert book.cached_execution(source, "k1", out, cache) is None
    book.keep_execution(source, "k1", executed, "fast", cache)
    reused = book.cached_execution(source, "k1", out, cache)
    assert reused == out / "02_x.ipynb" and reused.read_text() == '{"cells": "the first run"}'
    assert book.cached_execution(source, "k2", out, cache) is None, "another key is a miss"
    executed.write_text('{"cells": "the second run"}')
    book.keep_execution(source, "k2", executed, "fast", cache)
    assert book.cached_execution(source, "k1", out, cache) is None, "only the last execution is kept"
    assert book.cached_execution(source, "k2", out, cache).read_text() == '{"cells": "the second run"}'


def test_an_interrupted_keep_is_a_miss(project, tmp_path, monkeypatch):
    """Killed between the notebook and its record: the old key must not find the new notebook."""
    source, cache, out = project / "notebooks" / "02_x.py", tmp_path / "cache", tmp_path / "out"
    executed = tmp_path / "02_x.ipynb"
    executed.write_text("old")
    book.keep_execution(source, "old-key", executed, "fast", cache)
    executed.write_text("new")
    from tools.book import cache as cache_module

    real = cache_module._write_atomically

    def killed_before_the_record(target, content):
        if target.suffix == ".json":
            raise KeyboardInterrupt
        real(target, content)

    monkeypatch.setattr(cache_module, "_write_atomically", killed_before_the_record)
    with pytest.raises(KeyboardInterrupt):
        book.keep_execution(source, "new-key", executed, "fast", cache)
    assert book.cached_execution(source, "old-key", out, cache) is None
    assert book.cached_execution(source, "new-key", out, cache) is None


def test_the_repositorys_key_covers_the_package_and_the_pins():
    assert {"xpcs_nb", "requirements.txt"} <= set(book.KEY_FILES)
    assert all((ROOT / name).exists() for name in book.KEY_FILES)
    assert book.CHAPTER_CACHE.is_relative_to(book.BUILD)


def test_a_cell_past_the_presets_limit_stops_fast_but_not_the_larger_presets(tmp_path, monkeypatch):
    """``fast`` keeps a per-cell limit (CI's guard); ``class_cpu`` cells may run for hours on
    a slow CPU, so they get none (tools/book/build.py's cell_timeout)."""
    from nbclient.exceptions import CellTimeoutError

    from tools.book import build

    chapter = tmp_path / "09_slow.py"
    header = ("# ---\n# jupyter:\n#   kernelspec:\n#     display_name: Python 3\n#     language: python\n"
              "#     name: python3\n# ---\n\n")
    chapter.write_text(header + '# %% tags=["parameters"]\nPRESET = "x"\n\n# %%\nimport time\ntime.sleep(4)\n')
    monkeypatch.setitem(build.CELL_TIMEOUT_S, "fast", 2)
    assert build.cell_timeout("fast") == 2 and build.cell_timeout("class_cpu") is None
    with pytest.raises(CellTimeoutError):
        build.run_chapter(chapter, "fast", out_dir=tmp_path / "out", cache=None)
    run = build.run_chapter(chapter, "class_cpu", out_dir=tmp_path / "out", cache=None)
    assert run.notebook.exists() and not run.reused
