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

# module -> the public names it defines, imported on first use
_NAMES = {
    "config": ("TrainConfig", "AMP_MODES", "LOSSES"),
    "history": ("History",),
    "loop": ("train", "train_one_epoch", "evaluate", "check_finite_batch"),
    "random_state": ("seed_everything", "random_states", "restore_random_states"),
    "state": ("cyclic_lr", "TrainingState", "fresh_state", "fingerprint", "resume_state", "RESUME_FINGERPRINT"),
    "checkpoint": ("load_checkpoint", "load_best", "save_checkpoint", "save_weights", "LAST_CHECKPOINT",
                   "BEST_WEIGHTS", "CHECKPOINT_FORMAT"),
    "runtime": ("cpu_has_native_bf16", "Runtime", "resolve_runtime", "resolve_device", "cpu_prefers_channels_last",
                "cuda_amp_dtype", "onednn_isa_cap"),
    "mse": ("reconstruction_mse", "mean_image_mse"),
    "pca_baseline": ("pca_reconstruction_errors", "pca_reconstruction_mse"),
    "identity": ("content_id", "model_shapes", "describe_shape_change", "SAMPLE_ITEMS", "FULL_HASH_BYTES"),
    "distributed": ("World", "current_world", "join_torchrun", "leave", "local_batch_size", "sharded_loader",
                    "start_epoch", "wrap", "sum_over_ranks", "mean_over_ranks", "barrier", "collective_timeout",
                    "DEFAULT_TIMEOUT_S", "TIMEOUT_VARIABLE"),
}
_HOME = {name: module for module, names in _NAMES.items() for name in names}

__all__ = list(_HOME)


def __getattr__(name: str):
    """The public names above, imported from their module on first use (PEP 562)."""
    if name in _HOME:
        value = getattr(import_module(f".{_HOME[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
