"""Two-time C2 of many frame stacks on disk, one Dask task per file.

Each task is given a path, opens the file on its worker and returns ``c2 (n_roi, T',
T')``; the ROI labels are sent to every worker once (``client.scatter``), not with
each task. :func:`two_time_file` is the task itself, so the serial path is one line::

    c2s = [two_time_file(path, labels) for path in paths]

and gives the same numbers as :func:`two_time_files` (the same code, with a worker's
one BLAS thread: a multi-threaded BLAS may sum in another order, differing in the
last bits).
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

import numpy as np

from xpcs_nb.atomic import atomic_path, check_distinct_outputs
from xpcs_nb.correlation import two_time

from .cluster import dask_client
from .failures import gather_by_file
from xpcs_nb.io import check_paths, open_array

__all__ = ["two_time_file", "two_time_files"]


def two_time_file(path, labels, dataset: str | None = None, **options) -> np.ndarray:
    """C2 of the frame stack ``(T, H, W)`` stored at ``path``.

    Parameters
    ----------
    path : str or Path
        A ``.npy`` file or an HDF5 file (see :func:`~xpcs_nb.parallel.open_array`).
    labels : (H, W) int or bool
        ROI labels 1..n, as for :func:`xpcs_nb.correlation.two_time`.
    dataset : str, optional
        The frames' dataset in an HDF5 file, e.g. ``"/entry/data/data"``.
    **options
        Passed to :func:`~xpcs_nb.correlation.two_time` (``form``, ``bin_frames``,
        ``dtype``, ``static_labels``...).

    Returns
    -------
    c2 : (n_roi, T', T')

    Raises
    ------
    ValueError
        The file cannot be used; the message names it.

    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "movie.npy")
    >>> np.save(path, np.random.default_rng(0).poisson(2.0, size=(50, 8, 8)))
    >>> two_time_file(path, np.ones((8, 8), dtype=bool)).shape
    (1, 50, 50)
    """
    with open_array(path, dataset, ndim=3) as frames:
        try:
            return two_time(frames[()], labels, **options)
        except ValueError as error:
            raise ValueError(f"{path}: {error}") from error


def two_time_files(paths, labels, dataset: str | None = None, *, out_dir=None, scheduler=None,
                   n_workers: int | None = None, **options) -> list[np.ndarray] | list[Path]:
    """C2 of many frame stacks, one Dask task per file, in the order of ``paths``.

    Parameters
    ----------
    paths : list of str or Path
        Frame stacks ``(T, H, W)``: ``.npy`` or HDF5 files, which the workers read
        themselves (they must see the same paths).
    labels : (H, W) int or bool
        ROI labels shared by every stack (sent to each worker once).
    dataset : str, optional
        The frames' dataset in HDF5 files.
    out_dir : str or Path, optional
        Each worker writes its C2 to ``out_dir/<file name without suffix>.c2.npy``
        (whole or not at all) and returns that path: nothing large comes back to
        this process, however many files there are. By default the C2 are returned.
    scheduler : None, str or distributed.Client
        None: a ``LocalCluster`` of ``n_workers`` processes on this machine, started
        and stopped by the call; an address such as ``"tcp://host:8786"``: a running
        cluster (e.g. from dask-jobqueue on an HPC system); a Client: reused. See
        :func:`~xpcs_nb.parallel.dask_client`.
    n_workers : int, optional
        Worker processes of the local cluster (default: one per CPU core).
    **options
        Passed to :func:`~xpcs_nb.correlation.two_time`.

    Returns
    -------
    list of ndarray (n_roi, T', T'), or of Path with ``out_dir``
        Equal to ``[two_time_file(p, labels, dataset, **options) for p in paths]``.

    Raises
    ------
    FilesFailed
        Some files could not be used (truncated, unreadable, wrong shape...): every
        task runs to its end first, then the error names each failing file with its
        reason, and carries ``.results`` (aligned with ``paths``, None where a file
        failed; with ``out_dir`` the good files are written and these are their
        paths) and ``.failures`` (path -> reason). A ``ValueError``; see
        :mod:`xpcs_nb.parallel.failures`.
    ValueError
        With ``out_dir``, two input files of the same name (their outputs would
        collide), before any work.

    Notes
    -----
    In a script, call this under ``if __name__ == "__main__":``. The local cluster's
    worker processes are started by ``multiprocessing`` with the "spawn" method
    (Dask's default), which imports the main script again in each new process: code
    at the top level of the script, this call included, would run again in every
    worker. Notebooks and ``python -c`` need no guard.

    >>> two_time_files([], np.ones((8, 8), dtype=bool))
    Traceback (most recent call last):
    ...
    ValueError: paths must name at least one file, got an empty list
    """
    paths = check_paths(paths)
    outputs = None if out_dir is None else _output_paths(paths, out_dir)
    with dask_client(scheduler, n_workers) as client:
        # hash=False: a key of its own per call; a content-hashed key is shared with an earlier
        # call's copy, which the scheduler may be releasing ("lost dependencies", or a hang)
        shared_labels = client.scatter(np.asarray(labels), broadcast=True, hash=False)
        # the options go in a partial: client.map has keywords of its own (key, workers, batch_size...)
        if outputs is None:
            task = partial(two_time_file, dataset=dataset, **options)
            futures = client.map(task, [str(path) for path in paths], labels=shared_labels)
        else:
            task = partial(_two_time_to_file, dataset=dataset, **options)
            futures = client.map(task, [str(path) for path in paths], outputs, labels=shared_labels)
        return gather_by_file(client, futures, paths)


def _output_paths(paths: list[Path], out_dir) -> list[Path]:
    """``out_dir/<stem>.c2.npy`` for each input; ValueError when two inputs share a stem."""
    outputs = [Path(out_dir) / f"{path.stem}.c2.npy" for path in paths]
    check_distinct_outputs(paths, outputs)  # the command line's rule too
    return outputs


def _two_time_to_file(path: str, output: Path, labels, dataset, **options) -> Path:
    """The C2 of ``path`` written to ``output`` (through a temporary file); ``output``."""
    c2 = two_time_file(path, labels, dataset, **options)
    with atomic_path(output) as temporary:
        with open(temporary, "wb") as handle:  # np.save(str) would add ".npy" to the temporary name
            np.save(handle, c2)
    return output
