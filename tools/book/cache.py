"""Chapters executed once: an executed notebook is kept and reused while nothing it depends on changed.

``python3 tasks.py book`` executes every chapter; ``python3 tasks.py test`` after it
would execute them all again at the same preset (the slowest part of the tests). Each
executed notebook is therefore kept in ``_build/chapter-cache/`` under a key, the
sha256 of what its run depends on (:func:`execution_key`):

* the chapter's source, ``notebooks/NN_name.py``;
* every file of the package ``xpcs_nb`` (its code, and so the data and models it makes);
* ``requirements.txt`` and ``pyproject.toml`` (the environment);
* the build's own execution code (``execution.py``, ``expressions.py``: what it stores);
* the preset.

A chapter whose key has a kept notebook is copied from there (:func:`cached_execution`)
instead of being run. Anything else the run reads (the published paper files, which
are checked by sha256, and ``data/generated``, which the package keys itself) does not
enter the key.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

from .paths import BUILD, ROOT

__all__ = ["CHAPTER_CACHE", "KEY_FILES", "execution_key", "cached_execution", "keep_execution"]

CHAPTER_CACHE = BUILD / "chapter-cache"
# what every chapter's key covers besides its own source (folders: every file in them)
KEY_FILES = ["xpcs_nb", "requirements.txt", "pyproject.toml", "tools/book/execution.py", "tools/book/expressions.py"]


def _files(root: Path, names: list[str]) -> list[Path]:
    """The files ``names`` stand for under ``root``, folders expanded, caches left out, sorted."""
    found = []
    for name in names:
        path = root / name
        if path.is_dir():
            found += [p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
        elif path.is_file():
            found.append(path)
        else:
            raise FileNotFoundError(f"execution_key: {path} is neither a file nor a folder")
    return sorted(found)


def execution_key(source: Path, preset: str, root: Path = ROOT, key_files: list[str] | None = None) -> str:
    """The sha256 (hex) of what executing ``source`` at ``preset`` depends on (see the module docstring).

    Each file enters with its path relative to ``root`` and its bytes, so a renamed or
    moved file changes the key as an edited one does.
    """
    if not isinstance(preset, str) or not preset:
        raise ValueError(f"execution_key: preset must be a preset's name, got {preset!r}")
    digest = hashlib.sha256(f"preset={preset}\n".encode())
    for path in [Path(source).resolve(), *_files(root, key_files if key_files is not None else KEY_FILES)]:
        name = path.relative_to(root) if path.is_relative_to(root) else path
        digest.update(f"\n{name}\n".encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _kept(source: Path, cache: Path) -> tuple[Path, Path]:
    return cache / f"{Path(source).stem}.ipynb", cache / f"{Path(source).stem}.json"


def cached_execution(source: Path, key: str, out_dir: Path, cache: Path = CHAPTER_CACHE) -> Path | None:
    """Copy the notebook kept for ``source`` under ``key`` into ``out_dir``; None when there is none.

    Only the last execution of each chapter is kept: an older key is a miss.
    """
    notebook, record = _kept(source, cache)
    if not (notebook.exists() and record.exists()) or json.loads(record.read_text()).get("key") != key:
        return None
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / notebook.name
    shutil.copy2(notebook, target)
    return target


def keep_execution(source: Path, key: str, executed: Path, preset: str, cache: Path = CHAPTER_CACHE) -> Path:
    """Keep ``executed`` as the execution of ``source`` under ``key``; returns the kept copy.

    The old record goes first and the new one is written last, each file through a
    rename, so an interrupted write leaves a miss, never a notebook under another key.
    """
    cache.mkdir(parents=True, exist_ok=True)
    notebook, record = _kept(source, cache)
    record.unlink(missing_ok=True)
    _write_atomically(notebook, executed.read_bytes())
    _write_atomically(record, json.dumps({"key": key, "preset": preset, "source": Path(source).name}).encode())
    return notebook


def _write_atomically(target: Path, content: bytes) -> None:
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(content)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
