"""Write a file whole or not at all: a temporary file beside it, then ``os.replace``.

Every file the package writes (crop stores, checkpoints, fetched paper files, result
tables) goes through :func:`atomic_path`, so a reader never meets a half-written file
under its final name:

- the temporary file sits in the target's folder, so ``os.replace`` is a rename that
  happens whole or not at all;
- any exception in the ``with`` block, Ctrl-C, and SIGTERM (in the main thread) remove
  the temporary file and leave the target as it was;
- a run killed outright (SIGKILL, power loss) cannot clean up; its temporary file
  carries the writer's process id, and the next write of the same target removes it
  once that process is gone;
- the finished file gets the mode a plain ``open(path, "w")`` would give (0666 less the
  umask), not the 0600 of ``tempfile.mkstemp``.
"""

from __future__ import annotations

import os
import signal
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["atomic_path", "temporary_names"]

_MARK = ".tmp-pid"


def _prefix(target: Path) -> str:
    return f".{target.name}{_MARK}"


def temporary_names(target) -> list[Path]:
    """Temporary files of writes of ``target`` (live or left by killed runs)."""
    target = Path(target)
    if not target.parent.is_dir():
        return []
    return sorted(target.parent.glob(_prefix(target) + "*"))


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def _remove_stale(target: Path) -> None:
    """Remove temporary files of ``target`` whose writing process no longer exists."""
    for leftover in temporary_names(target):
        pid_text = leftover.name[len(_prefix(target)):].split(".", 1)[0]
        if pid_text.isdigit() and not _process_alive(int(pid_text)):
            leftover.unlink(missing_ok=True)


def _file_mode() -> int:
    """0666 less the current umask (what ``open(..., "w")`` gives a new file)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


class _Terminated(SystemExit):
    """SIGTERM arrived inside an atomic write."""


@contextmanager
def _sigterm_raises() -> Iterator[None]:
    """Turn SIGTERM into an exception for the block, so clean-up code runs.

    Signal handlers can only be set from the main thread; elsewhere this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGTERM)
    if previous not in (signal.SIG_DFL, None):  # someone else handles SIGTERM: leave it to them
        yield
        return

    def handler(signum, frame):
        raise _Terminated(128 + signum)

    signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextmanager
def atomic_path(path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success move it onto ``path``.

    Missing parent folders are created. On any exception (SIGTERM included) the
    temporary file is removed and ``path`` is untouched.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "table.csv"
    >>> with atomic_path(target) as tmp:
    ...     _ = tmp.write_text("a,b\\n1,2\\n")
    >>> target.read_text()
    'a,b\\n1,2\\n'
    >>> try:
    ...     with atomic_path(target) as tmp:
    ...         _ = tmp.write_text("half")
    ...         raise RuntimeError("the writer failed")
    ... except RuntimeError:
    ...     pass
    >>> target.read_text(), temporary_names(target)
    ('a,b\\n1,2\\n', [])
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale(target)
    with _sigterm_raises():
        handle, name = tempfile.mkstemp(dir=target.parent, prefix=f"{_prefix(target)}{os.getpid()}.",
                                        suffix=".tmp")
        os.close(handle)
        temporary = Path(name)
        try:
            yield temporary
            os.chmod(temporary, _file_mode())
            os.replace(temporary, target)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
