"""Crops to latent vectors and back, in batches, on the model's device.

:func:`encode` runs the model's encoder over many crops (an array, a lazily read
h5py dataset or memory map, or a torch Dataset) one batch at a time; :func:`decode`
runs its decoder over latent vectors such as cluster centres.

Where the work runs: by default where the model's parameters are. With ``device``
given and different from the model's, a copy of the model runs there and the model
passed in is left where it is: ``encode(model, crops, device="cuda")`` works with a
model on the CPU and leaves it on the CPU. The copy costs one transfer of the weights
per call; to encode many times on a GPU, move the model once (``model.to("cuda")``).
Either way the model runs in ``eval()`` mode (dropout off, so a crop always gives the
same vector) and is given back in the mode it came in.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

from xpcs_nb.validation import as_latents
from xpcs_nb.validation import ArgumentTypeError, check_array, check_int, describe

__all__ = ["encode", "decode"]


# ---------------------------------------------------------------- the model


def _check_model(model, method: str) -> None:
    if not isinstance(model, torch.nn.Module) or not callable(getattr(model, method, None)):
        raise ArgumentTypeError(f"model must be a torch.nn.Module with a method {method}(), got {describe(model)}")


def _model_device(model: torch.nn.Module) -> torch.device:
    """Where the model's parameters are (the CPU for a model without any)."""
    parameter = next(model.parameters(), None)
    return parameter.device if parameter is not None else torch.device("cpu")


def _resolved(device) -> torch.device:
    """``device`` as a torch.device with its index: plain "cuda" is the current GPU, as for tensors."""
    device = torch.device(device)
    if device.type == "cuda" and device.index is None:
        return torch.device("cuda", torch.cuda.current_device())
    return device


@contextmanager
def _in_eval_mode(model: torch.nn.Module):
    """Dropout off and no gradients for the block; the model goes back to the mode it came in."""
    was_training = model.training
    model.eval()
    try:
        with torch.inference_mode():
            yield
    finally:
        model.train(was_training)


@contextmanager
def _ready_to_run(model: torch.nn.Module, device) -> Iterator[tuple[torch.nn.Module, torch.device]]:
    """``(runner, device)``: the module to call, in eval mode, and the device its inputs go to.

    ``device`` None or the model's own: the runner is the model itself. Another device:
    the runner is a copy of the model moved there, and the caller's model stays where
    it is. Moving the model there and back instead would cost two transfers instead of
    one, change the caller's model under it while the call runs, and lose its weights
    for good on a device that holds no values (``meta``).
    """
    home = _model_device(model)
    target = home if device is None else _resolved(device)
    runner = model if target == home else copy.deepcopy(model).to(target)
    with _in_eval_mode(runner):
        yield runner, target


# ---------------------------------------------------------------- batches


def _crop_array(crops):
    """``crops`` as (N, S, S), ready to slice into batches.

    Accepted: ``(N, S, S)``, the model's own input shape ``(N, 1, S, S)``, or one crop
    ``(S, S)`` (then N = 1). Objects that read their data on demand (h5py datasets,
    zarr arrays) must be (N, S, S) and are kept as they are, so that only one batch is
    ever in memory; numpy arrays, memory maps included, stay views; lists and tensors
    (on any device) become numpy arrays.
    """
    lazy = hasattr(crops, "shape") and hasattr(crops, "dtype") and not isinstance(crops, (np.ndarray, torch.Tensor))
    if lazy:
        if len(crops.shape) != 3 or crops.shape[0] < 1:
            raise ValueError(f"crops read on demand must be (N, S, S) with N >= 1, got {describe(crops)}")
        return crops
    array = check_array(crops, "crops", ndim=(2, 3, 4), kind="real", finite=False)
    if array.ndim == 4 and array.shape[1] != 1:
        raise ValueError(f"crops must be (N, S, S), (N, 1, S, S) or (S, S); a 4-D array needs one channel, "
                         f"got {describe(array)}")
    return array.reshape((-1,) + array.shape[-2:])


def _array_batches(crops, batch_size: int) -> Iterator[torch.Tensor]:
    """Float32 tensors (B, 1, S, S) of consecutive crops; slicing keeps lazy arrays lazy."""
    for start in range(0, len(crops), batch_size):
        # a copy: slices of a read-only memory map cannot back a torch tensor
        batch = np.array(crops[start : start + batch_size], dtype=np.float32)
        yield torch.from_numpy(batch).unsqueeze(1)


def _dataset_batches(dataset: Dataset, batch_size: int) -> Iterator[torch.Tensor]:
    """Image batches of a Dataset whose items are ``image (1, S, S)`` or ``(image, info)``."""
    for batch in DataLoader(dataset, batch_size=batch_size, shuffle=False):
        yield batch[0] if isinstance(batch, (list, tuple)) else batch


def _check_unit_range(images: torch.Tensor) -> None:
    """The model was trained on crops min-max scaled to [0, 1]; anything else is a mistake."""
    if not torch.isfinite(images).all() or images.min() < 0 or images.max() > 1:
        raise ValueError(
            "crops must be finite and scaled to [0, 1] (see xpcs_nb.dataset.minmax_scale), "
            f"got values in [{images.min().item():.3g}, {images.max().item():.3g}]"
        )


# ---------------------------------------------------------------- public


def encode(model, crops, batch_size: int = 64, device=None) -> np.ndarray:
    """Latent vectors of many crops, computed in batches.

    Parameters
    ----------
    model : torch.nn.Module with ``encode(images (B, 1, S, S)) -> (B, D)``
        E.g. ``xpcs_nb.paper.load_model()``. Run in ``eval()`` mode (dropout off, so
        the same crop always gives the same vector) and given back in the mode it
        came in, on the device it was on.
    crops : array (N, S, S), (N, 1, S, S) or (S, S), or a torch Dataset
        Crops scaled to [0, 1] (:func:`xpcs_nb.prepare_crops` makes them); a numpy
        array, a list, a torch tensor, an h5py dataset or memory map (N, S, S) (read
        one batch at a time), or a Dataset whose items are ``(1, S, S)`` tensors or
        ``(image, info)`` pairs such as :class:`xpcs_nb.dataset.AugmentedCropDataset`.
        One crop (S, S) counts as N = 1.
    batch_size : int
        Crops per forward pass, >= 1; only memory and speed depend on it.
    device : str or torch.device, optional
        Where to run; default where the model's parameters are. Another device than
        the model's runs a copy of the model there (see the module's notes).

    Returns
    -------
    latents : ndarray (N, D), float32
        Always two axes: one crop (S, S) gives (1, D).

    Example
    -------
    >>> import torch
    >>> from xpcs_nb.model import Autoencoder
    >>> _ = torch.manual_seed(0)
    >>> model = Autoencoder(latent_size=8, encoder_channels=(4, 4), decoder_channels=(4, 4),
    ...                     pool=4, image_size=64)
    >>> crops = np.random.default_rng(0).random((5, 64, 64))
    >>> encode(model, crops, batch_size=2).shape
    (5, 8)
    >>> encode(model, torch.from_numpy(crops)[:, None]).shape, encode(model, crops[0]).shape
    ((5, 8), (1, 8))
    """
    _check_model(model, "encode")
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    if isinstance(crops, Dataset):
        batches = _dataset_batches(crops, batch_size)
    else:
        batches = _array_batches(_crop_array(crops), batch_size)
    chunks = []
    with _ready_to_run(model, device) as (runner, target):
        for images in batches:
            _check_unit_range(images)
            chunks.append(runner.encode(images.to(target, torch.float32)).cpu().numpy())
    if not chunks:
        raise ValueError("crops must hold at least one crop, got none")
    return np.concatenate(chunks).astype(np.float32, copy=False)


def decode(model, latents, batch_size: int = 64, device=None) -> np.ndarray:
    """Images the model's decoder makes from latent vectors (e.g. cluster centres).

    Parameters
    ----------
    model : torch.nn.Module with ``decode(latents (B, D)) -> (B, 1, S, S)``
        Run in ``eval()`` mode, given back in the mode it came in, on its device.
    latents : array (N, D) or (D,)
        Finite; numpy, a list or a torch tensor. One vector (D,) counts as N = 1.
    batch_size : int
        Vectors per forward pass, >= 1.
    device : str or torch.device, optional
        As in :func:`encode`.

    Returns
    -------
    images : ndarray (N, S, S), float32
        The published model's outputs span only about 0.52 .. 0.67 for crops that
        span 0 .. 1; measures such as :func:`xpcs_nb.latent.band_width` that use each
        image's own levels are not troubled by that.

    Example
    -------
    >>> import torch
    >>> from xpcs_nb.model import Autoencoder
    >>> _ = torch.manual_seed(0)
    >>> model = Autoencoder(latent_size=8, encoder_channels=(4, 4), decoder_channels=(4, 4),
    ...                     pool=4, image_size=64)
    >>> images = decode(model, np.zeros((3, 8)))
    >>> images.shape, bool(images.min() >= 0 and images.max() <= 1)
    ((3, 64, 64), True)
    >>> decode(model, torch.zeros(8)).shape
    (1, 64, 64)
    """
    _check_model(model, "decode")
    latents = check_array(latents, "latents", ndim=(1, 2), kind="real")
    latents = as_latents(latents.reshape(-1, latents.shape[-1]))
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    chunks = []
    with _ready_to_run(model, device) as (runner, target):
        for start in range(0, len(latents), batch_size):
            batch = torch.as_tensor(latents[start : start + batch_size], dtype=torch.float32, device=target)
            chunks.append(runner.decode(batch).squeeze(1).cpu().numpy())
    return np.concatenate(chunks).astype(np.float32, copy=False)
