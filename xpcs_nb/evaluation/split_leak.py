"""The authors' pitfall: a test set drawn at random from the *augmented* images.

The AI-NERD training script splits the augmented set at random, each crop and its
shifted copies mixed, so most test images are shifted copies of crops whose other
copies were trained on. A test error measured that way says how well the network
recalls crops it has seen, not how it does on a new experiment.

:func:`leak_test_images` builds the test images for a trained preset: shifted copies
of the *training* crops that the run never trained on (what a random split of the
augmented set would hold out), shifted copies of the *test* crops (the split by
experiment, few at small presets), and shifted copies of crops from *new maps* (a
library drawn from seeds the training never used, all labels in equal numbers).
:func:`per_image_mse` scores a model on each.
"""

from __future__ import annotations

import numpy as np
import torch
from torch.utils.data import Subset

from dataclasses import replace

from .. import dataset
from ..library import LibrarySpec, spec_store
from ..paths import generated_dir
from ..pipeline import augmented_sets, crop_splits
from ..presets import Preset, as_preset
from ..validation import check_array, check_int, check_seed, describe
from .data import EVALUATION_SEED

__all__ = ["leak_test_images", "per_image_mse", "mean_over_sources", "NEW_MAPS_SEED"]

NEW_MAPS_SEED = EVALUATION_SEED  # the library seed of chapter 4's evaluation sets, never trained on


def _images(data: dataset.AugmentedCropDataset, items: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Images (n, S, S) float32 and the crop index each is a copy of."""
    images = np.stack([data[int(i)][0].numpy() for i in items]) if len(items) else np.empty((0, 0, 0))
    sources = np.array([data.locate(int(i))[0] for i in items], dtype=np.int64)
    return images.astype(np.float32), sources


def new_maps_store(preset: Preset | str):
    """The store of the preset's held-out library (``eval_per_class`` maps per label, seed 10,000), built when missing."""
    p = as_preset(preset)
    spec = replace(LibrarySpec.from_preset(p, seed=NEW_MAPS_SEED), n_per_class=p.eval_per_class)
    return spec_store(spec, generated_dir(p.name))


def _new_map_crops(preset):
    """The held-out library's crops (N, S, S), memory-mapped."""
    return dataset.load_crop_store(new_maps_store(preset))[0]


def leak_test_images(preset: Preset | str, seed: int = 0, n_images: int = 128) -> dict:
    """Two test sets for the model :func:`~xpcs_nb.pipeline.trained_autoencoder` trains.

    Parameters
    ----------
    preset, seed
        As for ``trained_autoencoder``: the same library, split and training images.
    n_images : int
        Images in each set (fewer when a split has fewer augmented images).

    Returns
    -------
    dict
        ``"random split"``: shifted copies of training crops, drawn first from the
        copies the run did not train on; ``"by map"``: shifted copies of the test
        split's crops; ``"new maps"``: shifted copies of crops of the held-out
        library (:func:`new_maps_store`). Each maps to ``(images (n, S, S) float32 in
        [0, 1], source crop index per image (n,))``. ``"seen"`` counts the random-split images the run
        did train on (0 unless the preset trains on every augmented image);
        ``"copies"`` the shifted copies of the training crops in all, ``"trained on"``
        how many of them the run's epochs use.
    """
    seed = check_seed(seed)
    n_images = check_int(n_images, "n_images", minimum=1)
    train_images, _ = augmented_sets(preset, seed)
    full = train_images.dataset if isinstance(train_images, Subset) else train_images
    trained_on = np.asarray(train_images.indices if isinstance(train_images, Subset) else np.arange(len(full)))
    rng = np.random.default_rng(seed + 7)
    unseen = np.setdiff1d(np.arange(len(full)), trained_on)
    chosen = rng.permutation(unseen)[:n_images]
    seen = n_images - len(chosen)
    if seen > 0:
        chosen = np.concatenate([chosen, rng.permutation(trained_on)[:seen]])
    crops, _, splits = crop_splits(preset, seed)
    factor = full.factor
    by_map = dataset.AugmentedCropDataset(crops, splits["test"], seed=seed + 2, factor=factor)
    map_items = rng.permutation(len(by_map))[:n_images]
    new_crops = _new_map_crops(preset)
    new_maps = dataset.AugmentedCropDataset(new_crops, seed=seed + 3, factor=factor)
    new_items = rng.permutation(len(new_maps))[:n_images]
    return {"random split": _images(full, np.sort(chosen)), "test split": _images(by_map, np.sort(map_items)),
            "new maps": _images(new_maps, np.sort(new_items)),
            "seen": int(max(seen, 0)), "copies": len(full), "trained on": len(trained_on)}


def per_image_mse(model: torch.nn.Module, images, batch_size: int = 32) -> np.ndarray:
    """Mean squared error per pixel of ``model``'s reconstruction of each image.

    Parameters
    ----------
    model : nn.Module
        Maps (B, 1, S, S) to (B, 1, S, S); run in eval mode, float32, on the device of
        its parameters, then given back in the mode it came in.
    images : array (N, S, S), values in [0, 1]
    batch_size : int

    Returns
    -------
    errors : float64 (N,)

    >>> per_image_mse(torch.nn.Identity(), np.full((2, 4, 4), 0.5, dtype=np.float32))
    array([0., 0.])
    """
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {describe(model)}")
    images = check_array(images, "images", ndim=3, minimum=0, maximum=1, dtype=np.float32)
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    parameter = next(model.parameters(), None)
    device = parameter.device if parameter is not None else torch.device("cpu")
    was_training = model.training
    model.eval()
    errors = []
    try:
        with torch.no_grad():
            for start in range(0, len(images), batch_size):
                batch = torch.from_numpy(images[start:start + batch_size])[:, None].to(device)
                difference = model(batch).float().double() - batch.double()
                errors.append(difference.pow(2).mean(dim=(1, 2, 3)).cpu().numpy())
    finally:
        model.train(was_training)
    return np.concatenate(errors) if errors else np.empty(0)


def mean_over_sources(errors, sources) -> tuple[float, float, int]:
    """Mean error with its standard error over source crops, each crop's copies averaged first.

    Shifted copies of one crop are not independent tests, so the spread is taken over
    crops: ``(mean of the per-crop means, their standard deviation / sqrt(n), n)``;
    the standard error is NaN with a single crop.

    >>> mean_over_sources([1.0, 3.0, 4.0], [0, 0, 1])
    (3.0, 1.0, 2)
    """
    errors = check_array(errors, "errors", ndim=1, kind="real")
    sources = check_array(sources, "sources", ndim=1, kind="integer")
    if len(errors) != len(sources) or not len(errors):
        raise ValueError(f"errors and sources must be non-empty and of one length, got {len(errors)} and "
                         f"{len(sources)}")
    per_crop = np.array([errors[sources == crop].mean() for crop in np.unique(sources)])
    spread = per_crop.std(ddof=1) / np.sqrt(len(per_crop)) if len(per_crop) > 1 else float("nan")
    return float(per_crop.mean()), float(spread), len(per_crop)
