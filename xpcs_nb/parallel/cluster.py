"""Where the tasks run: a Dask cluster on this machine, or one that is already running.

:func:`dask_client` is the one way in. ``scheduler=None`` starts an in-process
``LocalCluster`` sized to the machine: one worker *process* per CPU core, one thread
each (the correlation is BLAS-bound and the encoder torch-bound; Dask sets
``OMP_NUM_THREADS=1`` in its worker processes, so one core each and no
oversubscription). ``scheduler="tcp://host:8786"`` connects to a running scheduler,
for example one started on an HPC system with dask-jobqueue::

    from dask_jobqueue import SLURMCluster          # pip install dask-jobqueue
    cluster = SLURMCluster(cores=1, processes=1, memory="8GB", walltime="01:00:00")
    cluster.scale(jobs=16)                           # 16 batch jobs, one worker each
    c2s = two_time_files(paths, labels, scheduler=cluster.scheduler_address)

Workers there must see the files under the same paths (a shared file system) and
have this package installed.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from distributed import Client, LocalCluster

from xpcs_nb.validation import ArgumentTypeError, check_int, describe

__all__ = ["dask_client", "default_workers"]


def default_workers() -> int:
    """Worker processes of a local cluster: ``os.cpu_count()`` (1 when unknown).

    >>> default_workers() >= 1
    True
    """
    return os.cpu_count() or 1


@contextmanager
def dask_client(scheduler=None, n_workers: int | None = None) -> Iterator[Client]:
    """A ``distributed.Client`` for the ``with`` block.

    Parameters
    ----------
    scheduler : None, str or distributed.Client
        None: start a ``LocalCluster`` here (``n_workers`` processes, one thread
        each, no dashboard) and shut it down after the block. A str: the address of
        a running scheduler (``"tcp://10.0.0.5:8786"``; e.g. a dask-jobqueue
        cluster's ``scheduler_address``), disconnected after the block. A Client:
        used as it is and left open (several calls on one cluster).
    n_workers : int, optional
        Worker processes of the local cluster; default :func:`default_workers`. Only
        with ``scheduler=None``.

    Examples
    --------
    >>> with dask_client(n_workers=1) as client:  # doctest: +SKIP
    ...     client.submit(sum, [1, 2]).result()
    3
    >>> with dask_client(scheduler=8786):
    ...     pass
    Traceback (most recent call last):
    ...
    xpcs_nb.validation.ArgumentTypeError: scheduler must be None, an address such as 'tcp://host:8786' or a distributed.Client, got 8786 (int)
    """
    if isinstance(scheduler, Client):
        _no_workers_with(n_workers, "a Client")
        yield scheduler
    elif isinstance(scheduler, str):
        _no_workers_with(n_workers, f"the address {scheduler!r}")
        with Client(scheduler) as client:
            yield client
    elif scheduler is None:
        n_workers = default_workers() if n_workers is None else check_int(n_workers, "n_workers", minimum=1)
        with _environment_restored(), LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                                                   dashboard_address=None) as cluster, Client(cluster) as client:
            yield client
    else:
        raise ArgumentTypeError("scheduler must be None, an address such as 'tcp://host:8786' or a "
                                f"distributed.Client, got {describe(scheduler)}")


@contextmanager
def _environment_restored() -> Iterator[None]:
    """Give ``os.environ`` back as it was after the block.

    Dask's nanny writes its workers' settings (``OMP_NUM_THREADS=1``,
    ``MKL_NUM_THREADS=1``, ``PYTHONHASHSEED``...) into the *parent's* environment
    when it starts them; left there, every process started later (a notebook kernel,
    a training run) would run on one thread.
    """
    saved = dict(os.environ)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _no_workers_with(n_workers, what: str) -> None:
    if n_workers is not None:
        raise ValueError(f"n_workers is for the local cluster only; the cluster at {what} has its own workers, "
                         f"got n_workers={n_workers!r}")
