"""Training the autoencoder: the authors' recipe, resumable, reproducible and fast.

One concept per file:

* :mod:`~xpcs_nb.train.config` -- :class:`TrainConfig`, how to train;
* :mod:`~xpcs_nb.train.runtime` -- device, autocast dtype and memory layout;
* :mod:`~xpcs_nb.train.random_state` -- seeding, saving and restoring random states;
* :mod:`~xpcs_nb.train.checkpoint` -- ``last.pt`` (checksummed) and ``best.pt``;
* :mod:`~xpcs_nb.train.state` -- optimiser, cyclic schedule, scaler: what resumes;
* :mod:`~xpcs_nb.train.history` -- :class:`History`, the losses epoch by epoch;
* :mod:`~xpcs_nb.train.loop` -- :func:`train` and its epochs;
* :mod:`~xpcs_nb.train.distributed` -- the same on several processes (torchrun, DDP);
* :mod:`~xpcs_nb.train.mse` -- test error against the mean-image baseline;
* :mod:`~xpcs_nb.train.identity` -- what a checkpoint was trained on (data, model).

The names below are imported on first use, so ``python -m xpcs_nb.train --help``
(:mod:`xpcs_nb.cli.train`) does not wait for torch.

Example
-------
>>> from xpcs_nb.model import published_autoencoder
>>> from xpcs_nb.train import TrainConfig, load_best, seed_everything, train
>>> seed_everything(0)
>>> model = published_autoencoder()
>>> config = TrainConfig(epochs=3, batch_size=32, checkpoint_dir="runs/fast")
>>> history = train(model, train_set, val_set, config)  # doctest: +SKIP
>>> load_best(model, "runs/fast")  # doctest: +SKIP

On several GPUs (or CPU processes), from a shell: ``torchrun --nproc_per_node 4 -m
xpcs_nb.train --data crops.npy --preset class`` (``python -m xpcs_nb.train --help``).
"""

from importlib import import_module

_HOME = {
    "TrainConfig": "config", "AMP_MODES": "config", "History": "history", "train": "loop",
    "seed_everything": "random_state", "cyclic_lr": "state", "load_checkpoint": "checkpoint",
    "load_best": "checkpoint", "LAST_CHECKPOINT": "checkpoint", "BEST_WEIGHTS": "checkpoint",
    "cpu_has_native_bf16": "runtime", "reconstruction_mse": "mse", "mean_image_mse": "mse",
}

__all__ = [
    "TrainConfig",
    "History",
    "train",
    "seed_everything",
    "cyclic_lr",
    "load_checkpoint",
    "load_best",
    "LAST_CHECKPOINT",
    "BEST_WEIGHTS",
    "AMP_MODES",
    "cpu_has_native_bf16",
    "reconstruction_mse",
    "mean_image_mse",
]


def __getattr__(name: str):
    """The public names above, imported from their module on first use (PEP 562)."""
    if name in _HOME:
        value = getattr(import_module(f".{_HOME[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
