"""How good a reconstruction is: the model's mean squared error beside a baseline.

The baseline is the mean training image: the one image that minimises the squared
error to the training crops when the input is ignored. A model whose test error is
not well below it has learned nothing about the individual crop.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from xpcs_nb.validation import ArgumentTypeError, check_array, check_int, describe

__all__ = ["reconstruction_mse", "mean_image_mse"]


def reconstruction_mse(model: nn.Module, crops, batch_size: int = 64) -> float:
    """Mean squared error per pixel of ``model``'s reconstructions of ``crops``.

    Parameters
    ----------
    model : nn.Module
        Maps (B, 1, S, S) to (B, 1, S, S); run in eval mode in float32 on the device
        of its parameters, then given back in the mode it came in.
    crops : array (N, S, S)
        Scaled to [0, 1]: numpy, a list, a CPU tensor, or a memory-mapped store (read
        ``batch_size`` crops at a time).
    batch_size : int

    Examples
    --------
    >>> identity = nn.Identity()
    >>> reconstruction_mse(identity, np.full((3, 4, 4), 0.5, dtype=np.float32))
    0.0
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {describe(model)}")
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    parameter = next(model.parameters(), None)
    device = parameter.device if parameter is not None else torch.device("cpu")
    was_training = model.training
    model.eval()
    squared_error, n_values = 0.0, 0
    try:
        with torch.no_grad():
            for batch in _batches(crops, batch_size):
                images = torch.from_numpy(batch)[:, None].to(device)
                error = model(images).float() - images
                squared_error += float(error.double().pow(2).sum())
                n_values += error.numel()
    finally:
        model.train(was_training)
    return squared_error / n_values


def mean_image_mse(train_crops, test_crops, batch_size: int = 256) -> float:
    """Mean squared error per pixel of the mean training crop as every test crop's reconstruction.

    Parameters
    ----------
    train_crops, test_crops : array (N, S, S)
        Crops scaled to [0, 1] (numpy, lists, CPU tensors or memory-mapped stores).
    batch_size : int
        Crops read at a time.

    Examples
    --------
    >>> train_crops = np.stack([np.zeros((2, 2)), np.ones((2, 2))])  # mean image: 0.5
    >>> mean_image_mse(train_crops, np.ones((1, 2, 2)))
    0.25
    """
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    total, n_train = None, 0
    for batch in _batches(train_crops, batch_size, name="train_crops"):
        part = batch.astype(np.float64).sum(axis=0)
        total = part if total is None else total + part
        n_train += len(batch)
    mean_image = total / n_train
    squared_error, n_values = 0.0, 0
    for batch in _batches(test_crops, batch_size, name="test_crops"):
        if batch.shape[1:] != mean_image.shape:
            raise ValueError(f"test_crops must have the training crops' size {mean_image.shape}, "
                             f"got {batch.shape[1:]}")
        squared_error += float(((batch - mean_image) ** 2).sum())
        n_values += batch.size
    return squared_error / n_values


def _batches(crops, batch_size: int, name: str = "crops"):
    """Checked float32 chunks (B, S, S) of ``crops``, read one at a time."""
    if type(crops).__module__.startswith("torch"):
        crops = check_array(crops, name, ndim=3)
    try:
        n_crops = len(crops)
    except TypeError:
        raise ArgumentTypeError(f"{name} must be an array (N, S, S), got {describe(crops)}") from None
    if n_crops == 0:
        raise ValueError(f"{name} must hold at least one crop, got none")
    for start in range(0, n_crops, batch_size):
        yield check_array(crops[start:start + batch_size], name, ndim=3, minimum=0, maximum=1, dtype=np.float32)
