"""One function over many files: a progress bar, one error line per bad file, the rest done."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

__all__ = ["ERROR_PREFIX", "WARNING_PREFIX", "positive_int", "run_batch"]

ERROR_PREFIX = "xpcs-nb: error:"
WARNING_PREFIX = "xpcs-nb: warning:"


def positive_int(text: str) -> int:
    """An argparse type: a whole number of at least 1 (argparse then says which option).

    >>> positive_int("3")
    3
    >>> positive_int("0")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: must be a whole number of at least 1, got 0
    """
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, got {value}")
    return value


def run_batch(paths: Sequence[str], work: Callable, *, desc: str) -> tuple[list, list[str]]:
    """``work(path)`` for every path; a failure is reported and the batch goes on.

    Parameters
    ----------
    paths : sequence of str
    work : callable
        Takes one path, returns a result.
    desc : str
        The progress bar's label.

    Returns
    -------
    results : list
        ``(path, result)`` for every path that worked, in order.
    failed : list of str
        The paths that did not; each got a line ``xpcs-nb: error: PATH: why`` on stderr.

    >>> results, failed = run_batch(["1", "x"], int, desc="numbers")  # doctest: +ELLIPSIS
    >>> results, failed
    ([('1', 1)], ['x'])
    """
    from tqdm.auto import tqdm

    results, failed = [], []
    for path in tqdm(paths, desc=desc, unit="file", file=sys.stderr, disable=None):
        try:
            results.append((path, work(path)))
        except Exception as error:  # one bad file must not stop the batch; say what it was
            failed.append(path)
            message = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            tqdm.write(f"{ERROR_PREFIX} {path}: {message}", file=sys.stderr)
    return results, failed
