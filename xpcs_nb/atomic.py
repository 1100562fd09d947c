"""Write a file whole or not at all: a temporary file beside it, then ``os.replace``.

Every file the package writes (crop stores, checkpoints, fetched paper files, result
tables) goes through :func:`atomic_path`, so a reader never meets a half-written file
under its final name:

- the temporary file sits in the target's folder, so ``os.replace`` is a rename that
  happens whole or not at all;
- any exception in the ``with`` block and Ctrl-C remove the temporary file and leave
  the target as it was;
- SIGTERM during a write (where SIGTERM was at its default, which ends the process)
  removes every temporary file of the writes in progress and ends the process at once
  with status 143 (128 + 15), as a shell reports a process SIGTERM ended. It does not
  raise an exception: an exception raised by a signal handler can land in a
  destructor or a weakref callback, where Python prints "Exception ignored" and goes
  on, and the process would finish the file and carry on;
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

__all__ = ["atomic_path", "check_distinct_outputs", "temporary_names"]

_MARK = ".tmp-pid"
TERMINATED_STATUS = 128 + signal.SIGTERM  # 143, what a shell reports for a process SIGTERM ended

# The temporary files of the writes in progress in this process (any thread): the
# SIGTERM handler removes them all before the process ends.
_LIVE: set[Path] = set()


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


def _end_on_sigterm(signum, frame) -> None:
    """SIGTERM inside an atomic write: remove the temporary files, end with status 143.

    ``os._exit`` ends the process here and now, as the default SIGTERM action would
    (no clean-up of other code runs in either case); only the temporary files are
    removed first, and one line says why on stderr.
    """
    for temporary in list(_LIVE):
        try:
            os.unlink(temporary)
        except OSError:
            pass
    try:
        os.write(2, b"terminated by SIGTERM during a write; the unfinished files were removed\n")
    except OSError:
        pass
    os._exit(TERMINATED_STATUS)


@contextmanager
def _sigterm_ends_cleanly() -> Iterator[None]:
    """Inside the block SIGTERM removes the temporary files and exits with 143.

    Only where SIGTERM is at its default (ending the process); a handler someone else
    set, or an ignored SIGTERM, is left alone. Signal handlers can only be set from
    the main thread; elsewhere this does nothing (the main thread's handler, when an
    atomic write there set one, still removes this thread's temporary files).
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGTERM)
    if previous is not signal.SIG_DFL:
        yield
        return
    signal.signal(signal.SIGTERM, _end_on_sigterm)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def check_distinct_outputs(inputs, outputs, name: str = "paths") -> None:
    """ValueError when two inputs would write the same output file; before any work.

    The one rule of the command line (``xpcs-nb c2``) and the Dask path
    (:func:`xpcs_nb.parallel.two_time_files`): one result would silently replace
    the other. Outputs are compared as absolute paths (``o/x.h5`` and ``./o/x.h5``
    are one file).

    Parameters
    ----------
    inputs, outputs : sequences of str or Path, the same length
        Each input and the file it would write.
    name : str
        The argument named in the message.

    >>> check_distinct_outputs(["a/m.npy", "b/n.npy"], ["o/m.h5", "o/n.h5"])
    >>> check_distinct_outputs(["a/m.npy", "b/m.npy"], ["o/m.h5", "o/m.h5"])
    Traceback (most recent call last):
    ...
    ValueError: paths: a/m.npy and b/m.npy would both write o/m.h5; give the files different names or call once per folder
    """
    inputs, outputs = list(inputs), list(outputs)
    if len(inputs) != len(outputs):
        raise ValueError(f"outputs must hold one path per input ({len(inputs)}), got {len(outputs)}")
    seen: dict[Path, object] = {}
    for source, output in zip(inputs, outputs):
        key = Path(os.path.abspath(output))
        if key in seen:
            raise ValueError(f"{name}: {seen[key]} and {source} would both write {output}; "
                             "give the files different names or call once per folder")
        seen[key] = source


@contextmanager
def atomic_path(path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success move it onto ``path``.

    Missing parent folders are created. On any exception the temporary file is
    removed and ``path`` is untouched; SIGTERM removes it and ends the process with
    status 143 (see the module notes).

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
    with _sigterm_ends_cleanly():
        handle, name = tempfile.mkstemp(dir=target.parent, prefix=f"{_prefix(target)}{os.getpid()}.",
                                        suffix=".tmp")
        os.close(handle)
        temporary = Path(name)
        _LIVE.add(temporary)
        try:
            yield temporary
            os.chmod(temporary, _file_mode())
            os.replace(temporary, target)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
        finally:
            _LIVE.discard(temporary)
