"""Latent vectors of many crop files, one Dask task per file, the model sent once.

The model goes to every worker once (``client.scatter(..., broadcast=True)``: one
copy per worker, not one per task); each task opens its file of crops ``(N, S, S)``
on the worker and encodes it in batches (:func:`xpcs_nb.latent.encode`, in eval
mode: dropout off). :func:`encode_file` is the task itself, so the serial path is::

    latents = [encode_file(model, path) for path in paths]
"""

from __future__ import annotations

import copy
from functools import partial

import numpy as np
import torch

from xpcs_nb.latent import encode
from xpcs_nb.validation import ArgumentTypeError, describe

from .cluster import dask_client
from .failures import gather_by_file
from xpcs_nb.io import check_paths, open_array

__all__ = ["encode_file", "encode_files"]


def encode_file(model: torch.nn.Module, path, dataset: str | None = None, batch_size: int = 64,
                device=None) -> np.ndarray:
    """Latent vectors ``(N, D)`` of the crops ``(N, S, S)`` stored at ``path``.

    Parameters
    ----------
    model : torch.nn.Module with ``encode``
        E.g. :func:`xpcs_nb.paper.load_model`.
    path : str or Path
        A ``.npy`` file or an HDF5 file of crops scaled to [0, 1], read ``batch_size``
        crops at a time.
    dataset : str, optional
        The crops' dataset in an HDF5 file (``"crops"`` in a crop store).
    batch_size : int
        Crops per forward pass.
    device : str or torch.device, optional
        Where to run (see :func:`xpcs_nb.latent.encode`).

    Returns
    -------
    latents : ndarray (N, D), float32

    >>> import tempfile, os
    >>> from xpcs_nb.model import Autoencoder
    >>> _ = torch.manual_seed(0)
    >>> model = Autoencoder(latent_size=4, encoder_channels=(4,), decoder_channels=(4,), pool=2, image_size=8)
    >>> path = os.path.join(tempfile.mkdtemp(), "crops.npy")
    >>> np.save(path, np.random.default_rng(0).random((5, 8, 8), dtype=np.float32))
    >>> encode_file(model, path).shape
    (5, 4)
    """
    with open_array(path, dataset, ndim=3) as crops:
        try:
            return encode(model, crops, batch_size=batch_size, device=device)
        except ValueError as error:
            raise ValueError(f"{path}: {error}") from error


def encode_files(model: torch.nn.Module, paths, dataset: str | None = None, batch_size: int = 64, *,
                 device=None, scheduler=None, n_workers: int | None = None) -> list[np.ndarray]:
    """Latent vectors of many crop files, one Dask task per file, in the order of ``paths``.

    Parameters
    ----------
    model : torch.nn.Module with ``encode``
        Sent to the workers once, as a copy on the CPU (the caller's model is not
        moved); ``device="cuda"`` runs it on the workers' GPUs.
    paths : list of str or Path
        Files of crops ``(N, S, S)`` in [0, 1] (``.npy`` or HDF5), read by the workers.
    dataset, batch_size, device
        As for :func:`encode_file`.
    scheduler : None, str or distributed.Client
        As for :func:`~xpcs_nb.parallel.two_time_files`: a local cluster by default,
        or the address of a running one (e.g. dask-jobqueue on an HPC system).
    n_workers : int, optional
        Worker processes of the local cluster (default: one per CPU core).

    Returns
    -------
    list of ndarray (N_i, D), float32
        Equal to ``[encode_file(model, p, dataset, batch_size) for p in paths]``.

    Raises
    ------
    FilesFailed
        Some files could not be encoded: each named with its reason, the others'
        latents in ``.results`` (None where a file failed), as for
        :func:`~xpcs_nb.parallel.two_time_files` (whose notes explain the ``if
        __name__ == "__main__":`` guard a script needs).

    >>> encode_files(torch.nn.Linear(2, 2), ["crops.npy"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    xpcs_nb.validation.ArgumentTypeError: model must be a torch.nn.Module with a method encode(), got Linear...
    """
    if not isinstance(model, torch.nn.Module) or not callable(getattr(model, "encode", None)):
        raise ArgumentTypeError(f"model must be a torch.nn.Module with a method encode(), got {describe(model)}")
    paths = check_paths(paths)
    cpu_copy = copy.deepcopy(model).cpu()
    with dask_client(scheduler, n_workers) as client:
        shared_model = client.scatter(cpu_copy, broadcast=True, hash=False)  # a key per call (see c2.py)
        # the settings go in a partial: client.map has keywords of its own (batch_size among them)
        task = partial(_encode_path, dataset=dataset, batch_size=batch_size, device=device)
        futures = client.map(task, [str(path) for path in paths], model=shared_model)
        return gather_by_file(client, futures, paths)


def _encode_path(path: str, model: torch.nn.Module, dataset, batch_size, device) -> np.ndarray:
    """:func:`encode_file` with the path first, as ``client.map`` passes it."""
    return encode_file(model, path, dataset, batch_size, device)
