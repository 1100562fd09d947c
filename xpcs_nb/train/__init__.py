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
* :mod:`~xpcs_nb.train.errors` -- test error against the mean-image baseline.

Example
-------
>>> from xpcs_nb.model import published_autoencoder
>>> seed_everything(0)
>>> model = published_autoencoder()
>>> config = TrainConfig(epochs=3, batch_size=32, checkpoint_dir="runs/fast")
>>> history = train(model, train_set, val_set, config)  # doctest: +SKIP
>>> load_best(model, "runs/fast")  # doctest: +SKIP

On several GPUs (or CPU processes), from a shell: ``torchrun --nproc_per_node 4 -m
xpcs_nb.train --preset class`` (``python -m xpcs_nb.train --help``).
"""

from .checkpoint import BEST_WEIGHTS, LAST_CHECKPOINT, load_best, load_checkpoint
from .config import AMP_MODES, TrainConfig
from .errors import mean_image_mse, reconstruction_mse
from .history import History
from .loop import train
from .random_state import seed_everything
from .runtime import cpu_has_native_bf16
from .state import cyclic_lr

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
