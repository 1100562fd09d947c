"""What each chapter needs from the chapters before it, built once and then loaded.

A chapter that runs on its own calls these; each result is cached under
``data/generated/<preset>/`` (see :mod:`xpcs_nb.paths`), keyed by preset and seed:

* :func:`crop_splits` -- the library's crops (chapter 2) and a split by experiment;
* :func:`augmented_sets` -- training and validation images, shifted along the diagonal;
* :func:`trained_autoencoder` -- the autoencoder trained on them (chapter 3);
* :func:`noise_matched_autoencoder` -- that autoencoder trained further on crops of
  another photon rate, the rate chapter 4 evaluates it at;
* :func:`errors_on_test_split` -- its test error beside the mean training image's.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from torch.utils.data import Subset

from . import dataset
from .library import LibrarySpec, library_store, spec_store
from .model import Autoencoder
from .paths import generated_dir
from .presets import Preset, as_preset
from .train import History, TrainConfig, load_best, mean_image_mse, reconstruction_mse, train
from .validation import check_int, check_real, check_seed, describe

__all__ = ["crop_splits", "augmented_sets", "trained_autoencoder", "noise_matched_autoencoder",
           "copy_published_weights", "checkpoint_dir", "library_key", "errors_on_test_split"]

SPLIT_FRACTIONS = (0.8, 0.1, 0.1)
# A tag becomes part of a folder name: letters, digits, "-" and "_", dots only between them.
PLAIN_NAME = re.compile(r"[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*")


def _check_tag(tag) -> str:
    if not isinstance(tag, str) or not PLAIN_NAME.fullmatch(tag):
        raise ValueError(f"tag must be a plain name (letters, digits, '-', '_', dots between them; no path "
                         f"separators or '..'), got {describe(tag)}")
    return tag


def _check_items(value, name: str) -> int | None:
    return None if value is None else check_int(value, name, minimum=1)


def crop_splits(preset: Preset | str, seed: int = 0, photons_per_pixel: float | None = None
                ) -> tuple[object, pd.DataFrame, dict[str, np.ndarray]]:
    """The library's crops (N, S, S), their metadata, and row indices per split.

    The split keeps every experiment (here: every large C2) whole, 80 / 10 / 10 %.
    ``photons_per_pixel`` asks for the same library (same C2, same dynamics) at
    another photon rate, built the first time (:func:`library_at_photons`).
    """
    seed = check_seed(seed)
    p = as_preset(preset)
    store = library_store(p, seed=seed) if photons_per_pixel is None else library_at_photons(p, photons_per_pixel, seed)
    crops, metadata = dataset.load_crop_store(store)
    splits = dataset.split_by_experiment(metadata, fractions=SPLIT_FRACTIONS, seed=seed)
    return crops, metadata, splits


def library_at_photons(preset: Preset | str, photons_per_pixel, seed: int = 0) -> Path:
    """Path of the preset's library made at ``photons_per_pixel``, built when missing.

    The spec is the preset's library's with only the photon rate changed, so at the
    library's own rate this is the library itself.
    """
    p = as_preset(preset)
    photons = check_real(photons_per_pixel, "photons_per_pixel", minimum=0, include_min=False)
    spec = replace(LibrarySpec.from_preset(p, seed=check_seed(seed)), photons_per_pixel=photons)
    return spec_store(spec, generated_dir(p.name))


def _subset(images: dataset.AugmentedCropDataset, n_items: int | None, seed: int):
    """A fixed random choice of ``n_items`` images (all of them when None or more)."""
    if n_items is None or n_items >= len(images):
        return images
    chosen = np.sort(np.random.default_rng(seed).choice(len(images), size=n_items, replace=False))
    return Subset(images, chosen.tolist())


def augmented_sets(preset: Preset | str, seed: int = 0, n_train: int | None = None, n_val: int | None = None,
                   photons_per_pixel: float | None = None):
    """Training and validation images (float32 tensors (1, S, S) in [0, 1]).

    Each is an :class:`~xpcs_nb.dataset.AugmentedCropDataset` over its split (x
    ``augment_factor``), cut to the preset's ``train_items`` / ``val_items`` (or
    ``n_train`` / ``n_val``) by a seeded random choice; ``photons_per_pixel`` as in
    :func:`crop_splits`.
    """
    p = as_preset(preset)
    seed = check_seed(seed)
    n_train, n_val = _check_items(n_train, "n_train"), _check_items(n_val, "n_val")
    crops, _, splits = crop_splits(p, seed, photons_per_pixel)
    train_images = dataset.AugmentedCropDataset(crops, splits["train"], seed=seed, factor=p.augment_factor)
    val_images = dataset.AugmentedCropDataset(crops, splits["validation"], seed=seed + 1, factor=p.augment_factor)
    n_train = p.train_items if n_train is None else n_train
    n_val = p.val_items if n_val is None else n_val
    return _subset(train_images, n_train, seed), _subset(val_images, n_val, seed + 1)


def copy_published_weights(model: Autoencoder) -> list[str]:
    """Start ``model`` from the paper's trained weights wherever the shapes agree.

    For the published layout with a 64-number latent that is every tensor; for
    another latent size, the convolutions (the bottleneck's two linear layers keep
    their random start). Returns the names of the tensors copied. This is transfer
    learning (``Preset.start_from == "published"``); every preset trains from
    scratch by default.
    """
    from . import paper

    published = paper.load_weights()
    own = model.state_dict()
    copied = [name for name, tensor in published.items() if name in own and own[name].shape == tensor.shape]
    model.load_state_dict({**own, **{name: published[name] for name in copied}})
    return copied


def checkpoint_dir(preset: Preset | str, seed: int = 0, latent_size: int = 64, tag: str = "main",
                   train_seed: int | None = None) -> Path:
    """Where :func:`trained_autoencoder` keeps ``last.pt`` and ``best.pt``.

    ``generated_dir(preset)/autoencoder_<tag>_<start_from>_latent<latent_size>_seed<seed>_lib<key>_run<sizes>``,
    e.g. ``autoencoder_sweep_scratch_latent16_seed1_lib3f0a9c2e_run5d41402a``, with
    ``_train<train_seed>`` added when a training seed other than ``seed`` is given.
    ``<key>`` is :func:`library_key` of the library the model trains on and ``<sizes>``
    :func:`training_key` of the preset's training sizes, so a model trained on an
    earlier library, or for more or fewer epochs or images, is not loaded as if it
    were this one's. ``tag`` names the run inside the preset's folder; it must be a plain name,
    so no tag can lead outside it:

    >>> checkpoint_dir("fast", tag="../../elsewhere")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: tag must be a plain name (letters, digits, '-', '_', dots between them; ...
    """
    p = as_preset(preset)
    seed = check_seed(seed)
    latent_size = check_int(latent_size, "latent_size", minimum=1)
    tag = _check_tag(tag)
    train_seed = seed if train_seed is None else check_seed(train_seed)
    suffix = "" if train_seed == seed else f"_train{train_seed}"
    return generated_dir(p.name) / (f"autoencoder_{tag}_{p.start_from}_latent{latent_size}_seed{seed}"
                                    f"_lib{library_key(p, seed)}_run{training_key(p)}{suffix}")


TRAINING_FIELDS = ("train_items", "val_items", "epochs", "batch_size", "learning_rate", "half_cycle_epochs",
                   "sweep_items", "sweep_epochs", "eval_matched_epochs")
"""The preset's fields that decide how a cached model was trained (see :func:`training_key`)."""


def training_key(preset: Preset | str) -> str:
    """Eight hex digits naming the preset's training sizes (:data:`TRAINING_FIELDS`).

    >>> from xpcs_nb.presets import get_preset
    >>> training_key("fast") == training_key(get_preset("fast").with_(n_frames=300))
    True
    >>> training_key("fast") == training_key(get_preset("fast").with_(sweep_epochs=3))
    False
    """
    p = as_preset(preset)
    sizes = ",".join(f"{name}={getattr(p, name)!r}" for name in TRAINING_FIELDS)
    return hashlib.sha256(sizes.encode()).hexdigest()[:8]


def library_key(preset: Preset | str, seed: int = 0) -> str:
    """Eight hex digits naming the preset's library (its store's file name, which spells its spec).

    >>> len(library_key("fast")), library_key("fast") == library_key("fast", 1)
    (8, False)
    """
    name = LibrarySpec.from_preset(as_preset(preset), seed=check_seed(seed)).file_name
    return hashlib.sha256(name.encode()).hexdigest()[:8]


def trained_autoencoder(preset: Preset | str, seed: int = 0, latent_size: int = 64, *, epochs: int | None = None,
                        n_train: int | None = None, tag: str = "main", device: str = "auto",
                        progress: bool = True, train_seed: int | None = None) -> tuple[Autoencoder, History]:
    """The published architecture trained on the preset's library; best validation weights.

    Starts from random weights, or from the paper's (``Preset.start_from ==
    "published"``, see :func:`copy_published_weights`). Trains only what is missing:
    a finished run is loaded from its checkpoint, an interrupted one resumes. Returns
    the model in eval mode on the CPU and the training history.

    ``seed`` fixes the data (library, split, augmentation) and, unless ``train_seed``
    is given, the training too (initial weights, dropout, batch order); ``train_seed``
    repeats a training on the same data with other random draws, as seed error bars
    need.
    """
    p = as_preset(preset)
    folder = checkpoint_dir(p, seed, latent_size, tag, train_seed)  # checks the seeds, latent_size and tag
    train_seed = seed if train_seed is None else train_seed
    epochs = p.epochs if epochs is None else check_int(epochs, "epochs", minimum=1)
    train_images, val_images = augmented_sets(p, seed, n_train=n_train)
    config = TrainConfig(epochs=epochs, batch_size=p.batch_size,
                         lr=p.learning_rate, loss="mse", seed=train_seed, device=device,
                         half_cycle_epochs=p.half_cycle_epochs, progress=progress,
                         checkpoint_dir=folder)
    torch.manual_seed(train_seed)  # the initial weights
    model = Autoencoder(latent_size=latent_size)
    if p.start_from == "published":
        copy_published_weights(model)
    history = train(model, train_images, val_images, config, resume=True)
    load_best(model, config.checkpoint_dir)
    return model.cpu().eval(), history


def noise_matched_autoencoder(preset: Preset | str, photons_per_pixel, seed: int = 0, *, epochs: int | None = None,
                              device: str = "auto", progress: bool = True,
                              train_seed: int | None = None) -> tuple[Autoencoder, History]:
    """Chapter 3's autoencoder trained further on the library made at ``photons_per_pixel``.

    An encoder trained at one photon rate meets, at a lower one, noise and a diagonal
    lift it never saw. This starts from :func:`trained_autoencoder` (same ``seed`` and
    ``train_seed``) and trains ``epochs`` more (default: the preset's
    ``eval_matched_epochs``) on the same large C2 made at the new rate, with the same
    schedule, batch and split; the evaluation libraries (seed 10,000) stay unseen. At
    the library's own rate it is that model, unchanged. Cached like
    :func:`trained_autoencoder`, in ``autoencoder_at<photons>photons_...``. Returns the
    model in eval mode on the CPU and the further training's history.
    """
    p = as_preset(preset)
    photons = check_real(photons_per_pixel, "photons_per_pixel", minimum=0, include_min=False)
    model, history = trained_autoencoder(p, seed, device=device, progress=progress, train_seed=train_seed)
    if photons == LibrarySpec.from_preset(p, seed=check_seed(seed)).photons_per_pixel:
        return model, history
    folder = checkpoint_dir(p, seed, tag=f"at{photons:g}photons", train_seed=train_seed)
    epochs = p.eval_matched_epochs if epochs is None else check_int(epochs, "epochs", minimum=1)
    train_images, val_images = augmented_sets(p, seed, photons_per_pixel=photons)
    config = TrainConfig(epochs=epochs, batch_size=p.batch_size, lr=p.learning_rate, loss="mse",
                         seed=seed if train_seed is None else train_seed, device=device,
                         half_cycle_epochs=min(p.half_cycle_epochs, epochs), progress=progress,
                         checkpoint_dir=folder)
    history = train(model, train_images, val_images, config, resume=True)
    load_best(model, config.checkpoint_dir)
    return model.cpu().eval(), history


def errors_on_test_split(model: torch.nn.Module, preset: Preset | str, seed: int = 0) -> dict[str, float]:
    """Test error of ``model`` and of the mean training crop on the same test crops.

    The mean training crop, shown for every test crop whatever it is, is the baseline
    a trained model must beat by far; an untrained one does not.

    Returns
    -------
    dict
        ``model_mse`` and ``mean_image_mse`` (per pixel, crops in [0, 1]) and
        ``n_test`` (crops of the test split), ``n_train`` (crops averaged).
    """
    crops, _, splits = crop_splits(as_preset(preset), check_seed(seed))
    test_crops = np.asarray(crops[np.sort(splits["test"])])
    train_crops = crops[np.sort(splits["train"])]
    return {
        "model_mse": reconstruction_mse(model, test_crops),
        "mean_image_mse": mean_image_mse(train_crops, test_crops),
        "n_test": len(test_crops),
        "n_train": len(train_crops),
    }
