"""A network's layers as a table: what each leaf layer outputs for one image, and its weights."""

from __future__ import annotations

import pandas as pd
import torch

from ..validation import check_int, describe

__all__ = ["layer_table"]


def layer_table(model: torch.nn.Module, image_size: int = 256) -> pd.DataFrame:
    """One row per leaf layer: its name, type, output shape and number of weights.

    A forward hook on every leaf layer (one with no layers inside) records the shape
    of its output while one blank image (1, 1, image_size, image_size) runs through
    the model in eval mode; the hooks are removed afterwards.

    Returns
    -------
    DataFrame with columns ``layer``, ``type``, ``output shape (C, H, W)``, ``weights``

    >>> from xpcs_nb.model import Autoencoder
    >>> table = layer_table(Autoencoder())
    >>> table.iloc[-1].tolist()[1:3], int(table.weights.sum()) == sum(p.numel() for p in Autoencoder().parameters())
    (['Sigmoid', (1, 256, 256)], True)
    """
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {describe(model)}")
    image_size = check_int(image_size, "image_size", minimum=1)
    rows, hooks = [], []

    def record(name, module, output):
        weights = sum(p.numel() for p in module.parameters())
        rows.append((name, type(module).__name__, tuple(output.shape[1:]), weights))

    for name, module in model.named_modules():
        if len(list(module.children())) == 0:  # a leaf: no layers inside
            hooks.append(module.register_forward_hook(
                lambda m, inputs, output, name=name: record(name, m, output)))
    try:
        with torch.no_grad():
            model.eval()(torch.zeros(1, 1, image_size, image_size))
    finally:
        for hook in hooks:
            hook.remove()
    return pd.DataFrame(rows, columns=["layer", "type", "output shape (C, H, W)", "weights"])
