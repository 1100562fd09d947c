"""The random states training draws from: seeding them, saving them, restoring them.

Dropout masks come from torch's generator of the training device, the order of the
crops from the data loader's own generator; numpy and Python's ``random`` are saved
too, for datasets that draw from them. On CUDA only the training device's generator
is saved and restored, so a run from a 4-GPU node resumes on a 1-GPU machine, and
CPU training never opens a CUDA context.
"""

from __future__ import annotations

import random

import numpy as np
import torch

from xpcs_nb.validation import check_seed

__all__ = ["seed_everything", "random_states", "restore_random_states"]


def seed_everything(seed: int) -> None:
    """Seed torch (CPU and CUDA), numpy's global generator and Python's ``random``.

    Call it before building a model for a reproducible initialisation.

    >>> seed_everything(3); a = torch.rand(2)
    >>> seed_everything(np.int64(3)); torch.equal(a, torch.rand(2))
    True
    """
    seed = check_seed(seed)
    random.seed(seed)
    np.random.seed(seed % 2**32)  # numpy's legacy seeds stop at 2**32 - 1
    torch.manual_seed(seed)


def random_states(loader_generator: torch.Generator, device: torch.device) -> dict:
    """The states as types ``torch.load(weights_only=True)`` reads back."""
    _, keys, position, has_gauss, cached_gaussian = np.random.get_state()  # ("MT19937", ...)
    states = {
        "torch": torch.get_rng_state(),  # dropout masks on the CPU
        "python": random.getstate(),
        "numpy": {
            "keys": torch.from_numpy(keys.astype(np.int64)),
            "position": int(position),
            "has_gauss": int(has_gauss),
            "cached_gaussian": float(cached_gaussian),
        },
        "loader": loader_generator.get_state(),  # the order of the training crops
    }
    if device.type == "cuda":
        states["cuda"] = torch.cuda.get_rng_state(device)  # dropout masks on the training GPU
    return states


def restore_random_states(states: dict, loader_generator: torch.Generator, device: torch.device) -> None:
    """Put back what :func:`random_states` saved; the CUDA state only when training on CUDA."""
    torch.set_rng_state(states["torch"])
    random.setstate(states["python"])
    numpy_state = states["numpy"]
    np.random.set_state(
        (
            "MT19937",
            numpy_state["keys"].numpy().astype(np.uint32),
            numpy_state["position"],
            numpy_state["has_gauss"],
            numpy_state["cached_gaussian"],
        )
    )
    loader_generator.set_state(states["loader"])
    cuda_state = states.get("cuda")
    if device.type != "cuda" or cuda_state is None:
        return
    if isinstance(cuda_state, (list, tuple)):  # format 1 saved every visible GPU
        index = device.index if device.index is not None else torch.cuda.current_device()
        if index >= len(cuda_state):
            return  # that GPU was not there when the run started: keep this one's state
        cuda_state = cuda_state[index]
    torch.cuda.set_rng_state(cuda_state, device)
