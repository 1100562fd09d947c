"""The files of a run: ``last.pt`` (everything, checksummed) and ``best.pt`` (weights).

``last.pt`` is written after every epoch through :func:`xpcs_nb.atomic.atomic_path`,
so it is whole or absent. A file damaged later (a bad disk, a copy cut short, a byte
flipped) is caught by a sha256 of the serialized state stored inside it: it is
refused with an error naming the file, never resumed. ``best.pt`` is a plain
``state_dict`` on the CPU, like the published weights, loadable anywhere.
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import torch
from torch import nn

from xpcs_nb.atomic import atomic_path
from xpcs_nb.model import check_state_dict

__all__ = ["LAST_CHECKPOINT", "BEST_WEIGHTS", "CHECKPOINT_FORMAT", "save_checkpoint", "load_checkpoint",
           "save_weights", "load_best"]

LAST_CHECKPOINT = "last.pt"  # everything, written after every epoch
BEST_WEIGHTS = "best.pt"  # a plain state_dict, like the published weights
CHECKPOINT_FORMAT = "xpcs_nb.train/2"  # 2: the state wrapped with its sha256
UNCHECKED_FORMAT = "xpcs_nb.train/1"  # the state itself, no checksum (still read)


def save_checkpoint(state: dict, path: str | Path) -> None:
    """Write ``state`` (tensors, numbers, strings, containers) to ``path`` with its sha256."""
    body = _serialize(state)
    wrapped = {
        "format": CHECKPOINT_FORMAT,
        "sha256": hashlib.sha256(body).hexdigest(),
        "state": torch.frombuffer(bytearray(body), dtype=torch.uint8),
    }
    with atomic_path(path) as temporary:
        torch.save(wrapped, temporary)


def load_checkpoint(path: str | Path) -> dict:
    """Read a ``last.pt`` written by :func:`xpcs_nb.train.train` (tensors on the CPU).

    Raises
    ------
    FileNotFoundError
        No file at ``path``.
    ValueError
        The file cannot be read, its checksum does not match (it was damaged after it
        was written), or it is not a checkpoint of this package; the message names it.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "last.pt"
    >>> save_checkpoint({"history": {"epoch": [1]}}, path)
    >>> load_checkpoint(path)["history"]
    {'epoch': [1]}
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}")
    wrapped = _read(path)
    if not isinstance(wrapped, dict) or wrapped.get("format") not in (CHECKPOINT_FORMAT, UNCHECKED_FORMAT):
        raise ValueError(f"{path} is not a checkpoint of xpcs_nb.train (format {CHECKPOINT_FORMAT})")
    if wrapped["format"] == UNCHECKED_FORMAT:
        return wrapped
    body = wrapped["state"].numpy().tobytes()
    digest = hashlib.sha256(body).hexdigest()
    if digest != wrapped["sha256"]:
        raise ValueError(
            f"checkpoint {path} is corrupted: the sha256 of its contents is {digest[:16]}..., "
            f"it was written as {str(wrapped['sha256'])[:16]}...; delete it or pass resume=False "
            "to start afresh"
        )
    return _deserialize(body, path)


def save_weights(model: nn.Module, path: str | Path) -> None:
    """Write ``model``'s weights as CPU tensors in the default layout (loads anywhere)."""
    portable = {key: value.detach().cpu().contiguous() for key, value in model.state_dict().items()}
    with atomic_path(path) as temporary:
        torch.save(portable, temporary)


def load_best(model: nn.Module, checkpoint_dir: str | Path) -> nn.Module:
    """Load the best weights of a run (``checkpoint_dir/best.pt``) into ``model``; return it."""
    path = Path(checkpoint_dir) / BEST_WEIGHTS
    if not path.is_file():
        raise FileNotFoundError(
            f"no best weights at {path}; train with checkpoint_dir={str(checkpoint_dir)!r} first"
        )
    try:
        state_dict = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # see _read
        raise ValueError(f"weights file {path} cannot be read ({type(error).__name__}: {error})") from error
    try:
        check_state_dict(model, state_dict)
    except (TypeError, ValueError) as error:
        raise ValueError(f"weights file {path}: {error}") from error
    model.load_state_dict(state_dict)
    return model


def _serialize(state: dict) -> bytes:
    buffer = io.BytesIO()
    torch.save(state, buffer)
    return buffer.getvalue()


def _read(path: Path):
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # a damaged file raises RuntimeError, EOFError, KeyError, ...
        raise ValueError(
            f"checkpoint {path} cannot be read ({type(error).__name__}: {error}); "
            "delete it or pass resume=False to start afresh"
        ) from error


def _deserialize(body: bytes, path: Path) -> dict:
    try:
        return torch.load(io.BytesIO(body), map_location="cpu", weights_only=True)
    except Exception as error:
        raise ValueError(f"checkpoint {path} cannot be read ({type(error).__name__}: {error})") from error
