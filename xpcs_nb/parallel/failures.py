"""A batch where some files failed: every failing file named, the good results kept.

One corrupt file among hundreds (a copy cut short, a detector file still being
written) must neither hide which one it was nor throw away the others' work.
:func:`gather_by_file` waits for every task; when some failed it raises
:class:`FilesFailed`, whose message names each failing file with its reason and
which carries the results of the files that worked::

    try:
        c2s = two_time_files(paths, labels)
    except FilesFailed as batch:
        print(batch)                    # one line per failing file
        c2s = batch.results             # aligned with paths, None where a file failed
        retry = list(batch.failures)    # the failing paths, to fix and run again

``FilesFailed`` is a ``ValueError``, so code that caught the first error before
still catches it. With ``out_dir`` the good outputs are on disk and ``results`` holds
their paths.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["FilesFailed", "gather_by_file"]


class FilesFailed(ValueError):
    """Some files of a batch failed; the others' results are kept.

    Attributes
    ----------
    results : list
        One entry per input path, in order: the result (or output path), None where
        the file failed.
    failures : dict[Path, str]
        Each failing input path and why, in input order.

    >>> error = FilesFailed([1, None, 3], {Path("b.npy"): "b.npy: truncated"})
    >>> print(error)
    1 of 3 files failed (the 2 others' results are in .results):
      b.npy: truncated
    >>> error.succeeded
    [1, 3]
    """

    def __init__(self, results: list, failures: dict[Path, str]) -> None:
        self.results = list(results)
        self.failures = dict(failures)
        n_good = len(self.results) - len(self.failures)
        lines = "\n".join(f"  {reason}" for reason in self.failures.values())
        super().__init__(f"{len(self.failures)} of {len(self.results)} files failed (the {n_good} others' "
                         f"results are in .results):\n{lines}")

    @property
    def succeeded(self) -> list:
        """The results of the files that worked, in input order."""
        return [result for result in self.results if result is not None]

    def __reduce__(self):  # picklable with its attributes (e.g. sent between processes)
        return type(self), (self.results, self.failures)


def gather_by_file(client, futures: list, paths: list[Path]) -> list:
    """Every task's result in the order of ``paths``; :class:`FilesFailed` when some failed.

    Waits for all tasks (a failure does not cancel the others). A task's error is
    reported as ``"<path>: <error>"`` unless its message names the path already.
    """
    from distributed import wait

    wait(futures)
    finished = [future.status == "finished" for future in futures]
    good = iter(client.gather([future for future, done in zip(futures, finished) if done]))
    results = [next(good) if done else None for done in finished]
    failures = {path: _reason(path, future.exception())
                for path, future, done in zip(paths, futures, finished) if not done}
    if failures:
        raise FilesFailed(results, failures)
    return results


def _reason(path: Path, error: BaseException | None) -> str:
    """One line: the error's message when it names the file (this package's), else path, type and message."""
    if error is None:
        text = f"{path}: the task was cancelled or lost"
    elif isinstance(error, ValueError) and str(path) in str(error):
        text = str(error)
    else:
        text = f"{path}: {type(error).__name__}: {error}"
    return " ".join(text.split())
