"""What a checkpoint was trained on: a content id of the training crops and the model's shapes.

A ``last.pt`` stores both; :func:`xpcs_nb.train.train` resumes from it only when
they are the current run's (:func:`~xpcs_nb.train.state.resume_state`), so a run
pointed at a folder that holds another data set's or another layout's checkpoint
is refused with the reason instead of silently going on with other crops.

The content id is cheap whatever the size of the data: the number of items, the
shape and dtype of an item, and a sha256 of the bytes of every item when the data set
is a ``TensorDataset`` (crops in memory, as the command line loads them) of at most
:data:`FULL_HASH_BYTES`, or holds at most :data:`SAMPLE_ITEMS` items; otherwise of
that many items evenly spaced through the data set (the first and last always among
them). Two such large data sets that differ only in items between the sampled ones
get the same id: there the check catches another file, another crop size, another
number of crops, another selection, not a single edited crop.

>>> import torch
>>> from torch.utils.data import TensorDataset
>>> a = TensorDataset(torch.zeros(10, 1, 4, 4))
>>> b = TensorDataset(torch.ones(10, 1, 4, 4))
>>> content_id(a) == content_id(TensorDataset(torch.zeros(10, 1, 4, 4))), content_id(a) == content_id(b)
(True, False)
>>> content_id(a)[:23]
'10 x (1, 4, 4) float32 '
"""

from __future__ import annotations

import hashlib

import numpy as np
import torch
from torch import nn
from torch.utils.data import Dataset, TensorDataset

__all__ = ["SAMPLE_ITEMS", "FULL_HASH_BYTES", "content_id", "model_shapes", "describe_shape_change"]

SAMPLE_ITEMS = 256  # items hashed at most; all of them below this
FULL_HASH_BYTES = 1 << 30  # a TensorDataset up to 1 GiB is hashed whole (about a second)


def content_id(dataset: Dataset, sample_items: int = SAMPLE_ITEMS) -> str:
    """``"N x (1, S, S) float32 <16 hex digits>"``: the data set's size and a hash of its items.

    Parameters
    ----------
    dataset : Dataset
        Items are tensors (1, S, S) or tuples whose first element is one (as
        :func:`~xpcs_nb.train.train` takes them).
    sample_items : int
        All items are hashed when there are at most this many (or the data set is a
        ``TensorDataset`` of at most :data:`FULL_HASH_BYTES`); otherwise this many,
        evenly spaced (indices ``round(linspace(0, N - 1, sample_items))``).
    """
    n_items = len(dataset)
    if isinstance(dataset, TensorDataset) and n_items and dataset.tensors[0].nbytes <= FULL_HASH_BYTES:
        images = dataset.tensors[0]
        digest = hashlib.sha256(str(tuple(images.shape)).encode())
        digest.update(images.detach().cpu().contiguous().numpy().tobytes())
        return f"{n_items} x {tuple(images.shape[1:])} {str(images.dtype).removeprefix('torch.')} " \
               f"{digest.hexdigest()[:16]}"
    if n_items <= sample_items:
        picks = range(n_items)
    else:
        picks = np.unique(np.linspace(0, n_items - 1, sample_items).round().astype(np.int64)).tolist()
    digest = hashlib.sha256()
    first = None
    for index in picks:
        image = _image(dataset[index])
        first = image if first is None else first
        digest.update(str(tuple(image.shape)).encode())
        digest.update(image.detach().cpu().contiguous().numpy().tobytes())
    shape = "()" if first is None else str(tuple(first.shape))
    dtype = "none" if first is None else str(first.dtype).removeprefix("torch.")
    return f"{n_items} x {shape} {dtype} {digest.hexdigest()[:16]}"


def model_shapes(model: nn.Module) -> dict[str, list[int]]:
    """Each tensor of ``model.state_dict()`` by name: its shape, as a list (stored in ``last.pt``).

    >>> model_shapes(nn.Linear(3, 2))
    {'weight': [2, 3], 'bias': [2]}
    """
    return {name: list(value.shape) for name, value in model.state_dict().items()}


def describe_shape_change(saved: dict, current: dict, at_most: int = 3) -> str:
    """The first tensors that differ between two :func:`model_shapes`, in words ("" when equal).

    >>> describe_shape_change({"w": [4, 2], "b": [4]}, {"w": [8, 2], "b": [8], "c": [1]})
    'w: checkpoint (4, 2), this model (8, 2); b: checkpoint (4,), this model (8,); c: only in this model'
    """
    changes = []
    for name in list(saved) + [name for name in current if name not in saved]:
        if name not in current:
            changes.append(f"{name}: only in the checkpoint")
        elif name not in saved:
            changes.append(f"{name}: only in this model")
        elif list(saved[name]) != list(current[name]):
            changes.append(f"{name}: checkpoint {tuple(saved[name])}, this model {tuple(current[name])}")
    more = len(changes) - at_most
    return "; ".join(changes[:at_most]) + (f"; and {more} more" if more > 0 else "")


def _image(item) -> torch.Tensor:
    image = item[0] if isinstance(item, (tuple, list)) else item
    if not isinstance(image, torch.Tensor):
        image = torch.as_tensor(np.asarray(image))
    return image
