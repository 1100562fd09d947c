"""Where generated and fetched data live.

``data_root()`` is, in order of preference:

1. the folder named by the environment variable ``XPCS_DATA_DIR``;
2. ``data/`` of the source checkout, when the package runs from one (the book's
   case: ``data/`` is git-ignored but for its README);
3. ``~/.cache/xpcs_nb`` for an installed package.

Generated artefacts go under ``data_root()/generated/<preset>/``, keyed by preset and
seed in their file names, so a rerun of a chapter reuses them.
"""

from __future__ import annotations

import os
from pathlib import Path

from .validation import ArgumentTypeError, describe

__all__ = ["DATA_DIR_ENV", "data_root", "generated_dir"]

DATA_DIR_ENV = "XPCS_DATA_DIR"
_CHECKOUT = Path(__file__).resolve().parents[1]


def data_root() -> Path:
    """The folder that holds ``generated/`` (see the module docstring)."""
    if os.environ.get(DATA_DIR_ENV):
        return Path(os.environ[DATA_DIR_ENV]).expanduser()
    if (_CHECKOUT / "pyproject.toml").exists() and (_CHECKOUT / "data").is_dir():
        return _CHECKOUT / "data"
    return Path.home() / ".cache" / "xpcs_nb"


def generated_dir(preset_name: str) -> Path:
    """``data_root()/generated/<preset_name>``, created when missing.

    >>> generated_dir("../outside")
    Traceback (most recent call last):
    ...
    ValueError: preset_name must be a simple name such as 'fast', got '../outside'
    """
    if not isinstance(preset_name, str):
        raise ArgumentTypeError(f"preset_name must be a str such as 'fast', got {describe(preset_name)}")
    if not preset_name.isidentifier():
        raise ValueError(f"preset_name must be a simple name such as 'fast', got {preset_name!r}")
    path = data_root() / "generated" / preset_name
    path.mkdir(parents=True, exist_ok=True)
    return path
