"""Training the autoencoder: the authors' recipe, resumable and reproducible.

The recipe (upstream ``AutoEncoder/train_test_Jay.py`` and the paper, section V D):

* Adam, with a cyclic learning rate: ``CyclicLR`` in ``triangular2`` mode from
  ``lr / 10`` up to ``lr`` and back, half a cycle lasting six epochs, the peak halved
  every cycle, stepped after every batch;
* mean squared error, as the paper's text says (``loss="l1"`` gives the L1 loss that
  the authors' script actually uses);
* the weights with the lowest validation loss kept (the authors validated in train
  mode, with dropout on; here validation runs in eval mode).

Added here: a checkpoint after every epoch holding everything the next epoch depends
on (weights, optimiser, scheduler, gradient scaler, history and the random states of
torch, numpy, Python and the data loader's shuffling), so a killed run resumes where
it stopped and ends with the same weights, bit for bit on a CPU; on a GPU, mixed
precision and channels-last memory layout.

Example
-------
>>> from xpcs_nb.model import published_autoencoder
>>> seed_everything(0)
>>> model = published_autoencoder()
>>> config = TrainConfig(epochs=3, batch_size=32, checkpoint_dir="runs/fast")
>>> history = train(model, train_set, val_set, config)  # doctest: +SKIP
>>> load_best(model, "runs/fast")  # doctest: +SKIP
"""

from __future__ import annotations

import math
import os
import random
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset
from tqdm.auto import tqdm

from xpcs_nb.model import check_state_dict

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
]

LOSSES = {"mse": nn.MSELoss, "l1": nn.L1Loss}
AMP_MODES = ("auto", "off", "bf16", "fp16")
LAST_CHECKPOINT = "last.pt"  # everything, written after every epoch
BEST_WEIGHTS = "best.pt"  # a plain state_dict, like the published weights
CHECKPOINT_FORMAT = "xpcs_nb.train/1"
# Settings that must not change between a checkpoint and its resumption.
RESUME_FINGERPRINT = ("batch_size", "lr", "loss", "seed", "half_cycle_epochs")


@dataclass
class TrainConfig:
    """How to train.

    Attributes
    ----------
    epochs : int
        Total epochs; a resumed run trains the ones still missing.
    batch_size : int
        Crops per optimiser step.
    lr : float
        Peak learning rate of the cycle; the cycle starts at ``lr / 10``.
    loss : {"mse", "l1"}
        Reconstruction loss: the paper's text says MSE, the authors' script uses L1.
    seed : int
        Seeds torch, numpy, Python's ``random`` and the shuffling of ``train_ds``.
    device : str
        ``"auto"`` (CUDA when available, else CPU), ``"cpu"``, ``"cuda"``, ``"cuda:1"``...
    num_workers : int
        DataLoader worker processes (0: load in the main process).
    amp : {"auto", "off", "bf16", "fp16"}
        Mixed precision. ``"auto"``: bf16 on a GPU that supports it, else fp16 on a
        GPU, off on the CPU. fp16 brings a gradient scaler.
    channels_last : bool or None
        Memory layout of activations; None: on for CUDA, off on the CPU.
    checkpoint_dir : str, Path or None
        Folder for ``last.pt`` and ``best.pt``; None keeps nothing on disk (and a
        killed run cannot resume).
    half_cycle_epochs : int
        Epochs from the bottom of the learning-rate cycle to its peak (upstream: 6).
    progress : bool
        Show tqdm progress bars.
    """

    epochs: int = 50
    batch_size: int = 32
    lr: float = 1e-3
    loss: str = "mse"
    seed: int = 0
    device: str = "auto"
    num_workers: int = 0
    amp: str = "auto"
    channels_last: bool | None = None
    checkpoint_dir: str | Path | None = None
    half_cycle_epochs: int = 6
    progress: bool = True

    def __post_init__(self) -> None:
        for name in ("epochs", "batch_size", "half_cycle_epochs"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if not isinstance(self.num_workers, int) or self.num_workers < 0:
            raise ValueError(f"num_workers must be an integer >= 0, got {self.num_workers!r}")
        if not (isinstance(self.lr, (int, float)) and self.lr > 0 and math.isfinite(self.lr)):
            raise ValueError(f"lr must be a positive number, got {self.lr!r}")
        if self.loss not in LOSSES:
            raise ValueError(f"loss must be one of {sorted(LOSSES)}, got {self.loss!r}")
        if not isinstance(self.seed, int) or self.seed < 0:
            raise ValueError(f"seed must be an integer >= 0, got {self.seed!r}")
        if self.amp not in AMP_MODES:
            raise ValueError(f"amp must be one of {AMP_MODES}, got {self.amp!r}")
        if self.checkpoint_dir is not None:
            self.checkpoint_dir = Path(self.checkpoint_dir)


@dataclass
class History:
    """What happened, epoch by epoch: the data of the loss plot.

    Attributes
    ----------
    epoch : list of int
        1, 2, ...
    train_loss, val_loss : list of float
        Mean loss per crop over the epoch (train: in train mode, while the weights
        change; val: in eval mode after the epoch; NaN without a validation set).
    lr : list of float
        Learning rate after the epoch's last step.
    seconds : list of float
        Wall time of each epoch, validation and checkpointing included.
    best_epoch : int or None
        Epoch of the lowest validation loss (training loss without a validation set).
    best_loss : float
        That loss.
    """

    epoch: list[int] = field(default_factory=list)
    train_loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    best_epoch: int | None = None
    best_loss: float = math.inf

    @property
    def epochs_done(self) -> int:
        """Epochs recorded so far (earlier, resumed runs included)."""
        return len(self.epoch)

    def record(self, train_loss: float, val_loss: float, lr: float, seconds: float) -> bool:
        """Append one epoch; return True when it is the best so far."""
        self.epoch.append(self.epochs_done + 1)
        self.train_loss.append(train_loss)
        self.val_loss.append(val_loss)
        self.lr.append(lr)
        self.seconds.append(seconds)
        score = train_loss if math.isnan(val_loss) else val_loss
        if score < self.best_loss:
            self.best_epoch, self.best_loss = self.epochs_done, score
            return True
        return False


def seed_everything(seed: int) -> None:
    """Seed torch (CPU and CUDA), numpy's global generator and Python's ``random``.

    Call it before building a model for a reproducible initialisation.
    """
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed must be an integer >= 0, got {seed!r}")
    random.seed(int(seed))
    np.random.seed(int(seed) % 2**32)  # numpy's legacy seeds stop at 2**32 - 1
    torch.manual_seed(int(seed))


def cyclic_lr(
    optimizer: torch.optim.Optimizer, lr: float, steps_per_half_cycle: int
) -> torch.optim.lr_scheduler.CyclicLR:
    """The authors' schedule: triangular2 between ``lr / 10`` and ``lr``.

    Parameters
    ----------
    optimizer : Optimizer
    lr : float
        Peak learning rate of the first cycle.
    steps_per_half_cycle : int
        Optimiser steps from the bottom to the peak (upstream: six epochs of batches).
    """
    return torch.optim.lr_scheduler.CyclicLR(
        optimizer,
        base_lr=lr / 10,
        max_lr=lr,
        step_size_up=steps_per_half_cycle,
        mode="triangular2",
        cycle_momentum=False,  # Adam has no momentum term to cycle
    )


@dataclass
class _Runtime:
    """Where and how the tensors run, resolved from a TrainConfig."""

    device: torch.device
    amp_dtype: torch.dtype | None
    channels_last: bool

    @property
    def memory_format(self) -> torch.memory_format:
        return torch.channels_last if self.channels_last else torch.contiguous_format

    def autocast(self) -> torch.autocast:
        return torch.autocast(
            self.device.type, dtype=self.amp_dtype, enabled=self.amp_dtype is not None
        )


def _resolve_runtime(config: TrainConfig) -> _Runtime:
    device = _resolve_device(config.device)
    on_gpu = device.type == "cuda"
    amp = config.amp
    if amp == "auto":
        amp = ("bf16" if torch.cuda.is_bf16_supported() else "fp16") if on_gpu else "off"
    amp_dtype = {"off": None, "bf16": torch.bfloat16, "fp16": torch.float16}[amp]
    channels_last = on_gpu if config.channels_last is None else config.channels_last
    return _Runtime(device, amp_dtype, channels_last)


def _resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    device = torch.device(name)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device is {name!r} but CUDA is not available; use 'cpu' or 'auto'")
    return device


@dataclass
class _TrainingState:
    """Everything the next epoch depends on: saved and restored as one."""

    model: nn.Module
    optimizer: torch.optim.Optimizer
    scheduler: torch.optim.lr_scheduler.CyclicLR
    scaler: torch.amp.GradScaler
    loader_generator: torch.Generator
    history: History

    def state_dict(self, fingerprint: dict) -> dict:
        return {
            "format": CHECKPOINT_FORMAT,
            "fingerprint": fingerprint,
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "scheduler": self.scheduler.state_dict(),
            "scaler": self.scaler.state_dict(),
            "history": asdict(self.history),
            "rng": _random_states(self.loader_generator),
        }

    def load_state_dict(self, checkpoint: dict) -> None:
        check_state_dict(self.model, checkpoint["model"])
        self.model.load_state_dict(checkpoint["model"])
        self.optimizer.load_state_dict(checkpoint["optimizer"])
        self.scheduler.load_state_dict(checkpoint["scheduler"])
        if self.scaler.is_enabled() and checkpoint["scaler"]:
            self.scaler.load_state_dict(checkpoint["scaler"])
        self.history = History(**checkpoint["history"])
        _restore_random_states(checkpoint["rng"], self.loader_generator)


def _random_states(loader_generator: torch.Generator) -> dict:
    """The random states training draws from, as types torch.load(weights_only=True) reads."""
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
    if torch.cuda.is_available():
        states["cuda"] = torch.cuda.get_rng_state_all()  # dropout masks on GPUs
    return states


def _restore_random_states(states: dict, loader_generator: torch.Generator) -> None:
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
    if "cuda" in states and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(states["cuda"])


def train(
    model: nn.Module,
    train_ds: Dataset,
    val_ds: Dataset | None,
    config: TrainConfig | None = None,
    resume: bool = True,
) -> History:
    """Train ``model`` to reconstruct its input, the authors' way.

    Parameters
    ----------
    model : nn.Module
        Maps images (N, 1, S, S) to reconstructions of the same shape in [0, 1], e.g.
        :func:`xpcs_nb.model.published_autoencoder`. Trained in place; it ends with the
        weights of the last epoch (the best ones: :func:`load_best`).
    train_ds, val_ds : Dataset
        Items are float tensors (1, S, S) in [0, 1], or tuples whose first element is
        one (as from a ``TensorDataset``). ``val_ds`` may be None: then the best epoch
        is judged by the training loss.
    config : TrainConfig, optional
        Defaults to ``TrainConfig()``.
    resume : bool
        With ``config.checkpoint_dir`` holding a ``last.pt``, continue from it
        (training only the epochs still missing); False starts afresh and overwrites.

    Returns
    -------
    History
        Per-epoch losses and learning rates, including epochs of earlier runs that
        were resumed.

    Raises
    ------
    ValueError
        Empty or ill-shaped datasets, or a checkpoint that is corrupt or made with
        other settings (the message names the file).
    """
    config = TrainConfig() if config is None else config
    if not isinstance(config, TrainConfig):
        raise TypeError(f"config must be a TrainConfig, got {type(config).__name__}")
    _check_dataset(train_ds, "train_ds")
    if val_ds is not None:
        _check_dataset(val_ds, "val_ds")
    runtime = _resolve_runtime(config)
    model.to(runtime.device, memory_format=runtime.memory_format)

    loader_generator = torch.Generator()
    train_loader = _loader(train_ds, config, runtime, loader_generator)
    val_loader = None if val_ds is None else _loader(val_ds, config, runtime, None)
    state = _fresh_state(model, config, runtime, loader_generator, len(train_loader))
    fingerprint = _fingerprint(config, len(train_ds))
    last_path = None if config.checkpoint_dir is None else config.checkpoint_dir / LAST_CHECKPOINT
    if resume and last_path is not None and last_path.exists():
        _resume(state, last_path, fingerprint)
    else:
        seed_everything(config.seed)
        loader_generator.manual_seed(config.seed)

    loss_fn = LOSSES[config.loss]()
    epochs = tqdm(
        range(state.history.epochs_done, config.epochs),
        desc="epochs",
        initial=state.history.epochs_done,
        total=config.epochs,
        disable=not config.progress,
    )
    for _ in epochs:
        started = time.perf_counter()
        train_loss = _train_one_epoch(state, train_loader, loss_fn, runtime, config.progress)
        val_loss = math.nan
        if val_loader is not None:
            val_loss = _evaluate(model, val_loader, loss_fn, runtime)
        lr = state.scheduler.get_last_lr()[0]
        is_best = state.history.record(train_loss, val_loss, lr, time.perf_counter() - started)
        if config.checkpoint_dir is not None:
            if is_best:
                best_weights = _portable(model.state_dict())
                _save_atomically(best_weights, config.checkpoint_dir / BEST_WEIGHTS)
            _save_atomically(state.state_dict(fingerprint), last_path)
        epochs.set_postfix(train=f"{train_loss:.3g}", val=f"{val_loss:.3g}")
    return state.history


def _fresh_state(
    model: nn.Module,
    config: TrainConfig,
    runtime: _Runtime,
    loader_generator: torch.Generator,
    batches_per_epoch: int,
) -> _TrainingState:
    """Adam, the cyclic schedule, a gradient scaler (active for fp16 only), no history."""
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
    use_scaler = runtime.amp_dtype == torch.float16
    return _TrainingState(
        model=model,
        optimizer=optimizer,
        scheduler=cyclic_lr(optimizer, config.lr, config.half_cycle_epochs * batches_per_epoch),
        scaler=torch.amp.GradScaler(runtime.device.type, enabled=use_scaler),
        loader_generator=loader_generator,
        history=History(),
    )


def _check_dataset(dataset: Dataset, name: str) -> None:
    """Fail early, naming the argument, on datasets training cannot use."""
    try:
        size = len(dataset)
    except TypeError as error:
        raise ValueError(f"{name} must be a map-style Dataset with a length") from error
    if size == 0:
        raise ValueError(f"{name} is empty")
    image = _images_of(dataset[0])
    if not isinstance(image, torch.Tensor):
        raise ValueError(
            f"{name} items must be float tensors (1, S, S), got {type(image).__name__}"
        )
    if not image.is_floating_point() or image.ndim != 3 or image.shape[0] != 1:
        raise ValueError(
            f"{name} items must be float tensors (1, S, S), got {image.dtype} {tuple(image.shape)}"
        )


def _images_of(item):
    """An item or batch is a tensor, or a tuple/list whose first element is one."""
    return item[0] if isinstance(item, (tuple, list)) else item


def _loader(
    dataset: Dataset, config: TrainConfig, runtime: _Runtime, generator: torch.Generator | None
) -> DataLoader:
    """Shuffled batches when a generator is given (training), in order otherwise."""
    return DataLoader(
        dataset,
        batch_size=config.batch_size,
        shuffle=generator is not None,
        generator=generator,
        num_workers=config.num_workers,
        pin_memory=runtime.device.type == "cuda",
    )


def _fingerprint(config: TrainConfig, n_train: int) -> dict:
    settings = {name: getattr(config, name) for name in RESUME_FINGERPRINT}
    return settings | {"n_train": n_train}


def _resume(state: _TrainingState, path: Path, fingerprint: dict) -> None:
    checkpoint = load_checkpoint(path)
    changed = {
        name: (checkpoint["fingerprint"].get(name), value)
        for name, value in fingerprint.items()
        if checkpoint["fingerprint"].get(name) != value
    }
    if changed:
        details = ", ".join(
            f"{name}: checkpoint {old!r}, now {new!r}" for name, (old, new) in changed.items()
        )
        raise ValueError(
            f"checkpoint {path} was made with other settings ({details}); "
            "restore them, or pass resume=False to start afresh"
        )
    try:
        state.load_state_dict(checkpoint)
    except (ValueError, KeyError, TypeError, RuntimeError) as error:
        raise ValueError(f"checkpoint {path} does not fit this model or run: {error}") from error


def _train_one_epoch(
    state: _TrainingState, loader: DataLoader, loss_fn: nn.Module, runtime: _Runtime, progress: bool
) -> float:
    """One pass over ``loader``, an optimiser and a scheduler step per batch; mean loss per crop."""
    state.model.train()
    total_loss = torch.zeros((), device=runtime.device)  # summed on the device: no sync per batch
    n_images = 0
    for batch in tqdm(loader, desc="batches", leave=False, disable=not progress):
        images = _to_device(batch, runtime)
        state.optimizer.zero_grad(set_to_none=True)
        with runtime.autocast():
            reconstructions = state.model(images)
        loss = loss_fn(reconstructions.float(), images)
        state.scaler.scale(loss).backward()
        state.scaler.step(state.optimizer)
        state.scaler.update()
        state.scheduler.step()
        total_loss += loss.detach() * len(images)
        n_images += len(images)
    return total_loss.item() / n_images


@torch.no_grad()
def _evaluate(model: nn.Module, loader: DataLoader, loss_fn: nn.Module, runtime: _Runtime) -> float:
    """Mean loss per crop over ``loader`` in eval mode (dropout off)."""
    model.eval()
    total_loss = torch.zeros((), device=runtime.device)
    n_images = 0
    for batch in loader:
        images = _to_device(batch, runtime)
        with runtime.autocast():
            reconstructions = model(images)
        total_loss += loss_fn(reconstructions.float(), images) * len(images)
        n_images += len(images)
    return total_loss.item() / n_images


def _to_device(batch, runtime: _Runtime) -> torch.Tensor:
    images = _images_of(batch)
    return images.to(runtime.device, non_blocking=True, memory_format=runtime.memory_format)


def _portable(state_dict: dict) -> dict:
    """CPU copies in the default layout: loads anywhere, like the published weights."""
    return {key: value.detach().cpu().contiguous() for key, value in state_dict.items()}


def _save_atomically(payload, path: Path) -> None:
    """torch.save to a temporary file beside ``path``, then rename: never half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(handle)
    try:
        torch.save(payload, temporary)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def load_checkpoint(path: str | Path) -> dict:
    """Read a ``last.pt`` written by :func:`train` (tensors on the CPU).

    Raises
    ------
    FileNotFoundError
        No file at ``path``.
    ValueError
        The file is damaged or is not a checkpoint of this module; the message names it.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}")
    try:
        checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # a damaged file raises RuntimeError, EOFError, KeyError, ...
        raise ValueError(
            f"checkpoint {path} cannot be read ({type(error).__name__}: {error}); "
            "delete it or pass resume=False to start afresh"
        ) from error
    if not isinstance(checkpoint, dict) or checkpoint.get("format") != CHECKPOINT_FORMAT:
        raise ValueError(
            f"{path} is not a checkpoint of xpcs_nb.train (format {CHECKPOINT_FORMAT})"
        )
    return checkpoint


def load_best(model: nn.Module, checkpoint_dir: str | Path) -> nn.Module:
    """Load the best weights of a run (``checkpoint_dir/best.pt``) into ``model``; return it."""
    path = Path(checkpoint_dir) / BEST_WEIGHTS
    if not path.is_file():
        raise FileNotFoundError(
            f"no best weights at {path}; train with checkpoint_dir={str(checkpoint_dir)!r} first"
        )
    try:
        state_dict = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # see load_checkpoint
        raise ValueError(
            f"weights file {path} cannot be read ({type(error).__name__}: {error})"
        ) from error
    try:
        check_state_dict(model, state_dict)
    except ValueError as error:
        raise ValueError(f"weights file {path}: {error}") from error
    model.load_state_dict(state_dict)
    return model
