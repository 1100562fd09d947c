"""Training the autoencoder: the authors' recipe, resumable and reproducible.

The recipe (upstream ``AutoEncoder/train_test_Jay.py`` and the paper, section V D):

* Adam, with a cyclic learning rate (:func:`~xpcs_nb.train.cyclic_lr`), stepped after
  every batch;
* mean squared error, as the paper's text says (``loss="l1"`` gives the L1 loss that
  the authors' script actually uses);
* the weights with the lowest validation loss kept (the authors validated in train
  mode, with dropout on; here validation runs in eval mode).

Added here: a checkpoint after every epoch holding everything the next epoch depends
on (weights, optimiser, scheduler, gradient scaler, history, random states), so a
killed run resumes where it stopped and ends with the same weights, bit for bit on a
CPU in float32; mixed precision and channels-last where the hardware gains from them
(:mod:`xpcs_nb.train.runtime`); a batch holding NaN or inf stops training at once,
naming the batch. Started by ``torchrun`` (:mod:`xpcs_nb.train.distributed`), the
same function trains data-parallel on all the processes.
"""

from __future__ import annotations

import logging
import math
import time

import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset
from tqdm.auto import tqdm

from xpcs_nb.validation import check_bool, describe

from . import distributed
from .checkpoint import BEST_WEIGHTS, LAST_CHECKPOINT, save_checkpoint, save_weights
from .config import LOSSES, TrainConfig
from .history import History
from .identity import content_id, model_shapes
from .random_state import seed_everything
from .runtime import Runtime, resolve_runtime
from .state import TrainingState, fingerprint, fresh_state, resume_state

__all__ = ["train", "train_one_epoch", "evaluate", "check_finite_batch"]

# "resumed from epoch N ..." goes here (INFO): the command line prints it; a notebook shows
# it only if it configures logging.
log = logging.getLogger("xpcs_nb.train")


def train(model: nn.Module, train_ds: Dataset, val_ds: Dataset | None, config: TrainConfig | None = None,
          resume: bool = True) -> History:
    """Train ``model`` to reconstruct its input, the authors' way.

    Parameters
    ----------
    model : nn.Module
        Maps images (N, 1, S, S) to reconstructions of the same shape in [0, 1], e.g.
        :func:`xpcs_nb.model.published_autoencoder`. Trained in place; it ends with the
        weights of the last epoch (the best ones: :func:`~xpcs_nb.train.load_best`).
    train_ds, val_ds : Dataset
        Items are float tensors (1, S, S) in [0, 1], or tuples whose first element is
        one (as from a ``TensorDataset``). ``val_ds`` may be None: then the best epoch
        is judged by the training loss.
    config : TrainConfig, optional
        Defaults to ``TrainConfig()``.
    resume : bool
        With ``config.checkpoint_dir`` holding a ``last.pt``, continue from it
        (training only the epochs still missing) when it was made for this model on
        the same data with the same settings, and log ``"resumed from epoch N of M"``
        (logger ``xpcs_nb.train``, level INFO); False starts afresh and overwrites.

    Returns
    -------
    History
        Per-epoch losses and learning rates, including epochs of earlier runs that
        were resumed.

    Under ``torchrun`` (a process group joined with
    :func:`~xpcs_nb.train.distributed.join_torchrun`) every process calls this with
    the same arguments: ``config.batch_size`` is the global batch, split across the
    processes; the history (losses averaged over them) and the weights come out the
    same on every process; rank 0 writes the checkpoints. See
    :mod:`xpcs_nb.train.distributed`.

    Raises
    ------
    ValueError
        Empty or ill-shaped datasets; a batch holding NaN or inf (the message names
        the epoch, the batch and what it found); a checkpoint that is corrupt, or made
        for another model, on other data or with other settings (the message names
        the file and what differs; :mod:`xpcs_nb.train.identity`).
    FloatingPointError
        The loss itself became NaN or inf (training diverged).

    Examples
    --------
    >>> from torch.utils.data import TensorDataset
    >>> from xpcs_nb.model import Autoencoder
    >>> seed_everything(0)
    >>> tiny = Autoencoder(latent_size=4, encoder_channels=(4,), decoder_channels=(4,), pool=2, image_size=8)
    >>> images = TensorDataset(torch.rand(16, 1, 8, 8))
    >>> history = train(tiny, images, None, TrainConfig(epochs=2, batch_size=8, device="cpu", progress=False))
    >>> history.epoch, history.best_epoch in (1, 2)
    ([1, 2], True)
    """
    config = TrainConfig() if config is None else config
    if not isinstance(config, TrainConfig):
        raise TypeError(f"config must be a TrainConfig, got {describe(config)}")
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {describe(model)}")
    resume = check_bool(resume, "resume")
    _check_dataset(train_ds, "train_ds")
    if val_ds is not None:
        _check_dataset(val_ds, "val_ds")
    runtime = resolve_runtime(config)
    model.to(runtime.device, memory_format=runtime.memory_format)
    world = distributed.current_world()  # None: one process
    is_main = world is None or world.is_main

    loader_generator = torch.Generator()
    if world is None:
        train_loader = _loader(train_ds, config, runtime, loader_generator)
    else:
        train_loader = distributed.sharded_loader(train_ds, config.batch_size, config.seed, world,
                                                  config.num_workers, runtime.device.type == "cuda")
    val_loader = None if val_ds is None else _loader(val_ds, config, runtime, None)
    state = fresh_state(model, config, runtime, loader_generator, len(train_loader))
    last_path = None if config.checkpoint_dir is None else config.checkpoint_dir / LAST_CHECKPOINT
    settings = fingerprint(config, len(train_ds))
    if last_path is not None:  # what the run trains, stored in last.pt and checked on resuming
        settings = fingerprint(config, len(train_ds), content_id(train_ds), model_shapes(model))
    if resume and last_path is not None and last_path.exists():
        resume_state(state, last_path, settings)
        done = state.history.epochs_done
        log.info("resumed from epoch %d of %d (%s)%s", done, config.epochs, last_path,
                 "; nothing left to train" if done >= config.epochs else "")
    else:
        seed_everything(config.seed)
        loader_generator.manual_seed(config.seed)
    network = model if world is None else distributed.wrap(model, runtime.device)

    loss_fn = LOSSES[config.loss]()
    progress = config.progress and is_main
    epochs = tqdm(range(state.history.epochs_done, config.epochs), desc="epochs",
                  initial=state.history.epochs_done, total=config.epochs, disable=not progress)
    for epoch in epochs:
        started = time.perf_counter()
        if world is not None:
            distributed.start_epoch(train_loader, config.seed, epoch, world)
        batch_losses: list[torch.Tensor] = []
        train_loss = train_one_epoch(state, train_loader, loss_fn, runtime, progress, epoch=epoch + 1,
                                     batch_losses=batch_losses, network=network)
        val_loss = math.nan
        if val_loader is not None:
            val_loss = evaluate(model, val_loader, loss_fn, runtime, epoch=epoch + 1)
        _check_loss(train_loss, "training", epoch + 1)
        if val_loader is not None:
            _check_loss(val_loss, "validation", epoch + 1)
        lr = state.scheduler.get_last_lr()[0]
        global_batch_losses = distributed.mean_over_ranks(torch.stack(batch_losses))  # as they are on one process
        is_best = state.history.record(train_loss, val_loss, lr, time.perf_counter() - started,
                                       batch_losses=global_batch_losses.tolist())
        if config.checkpoint_dir is not None and is_main:
            if is_best:
                save_weights(model, config.checkpoint_dir / BEST_WEIGHTS)
            save_checkpoint(state.state_dict(settings), last_path)
        distributed.barrier()  # no rank runs ahead of the checkpoint
        epochs.set_postfix(train=f"{train_loss:.3g}", val=f"{val_loss:.3g}")
    return state.history


def train_one_epoch(state: TrainingState, loader: DataLoader, loss_fn: nn.Module, runtime: Runtime,
                    progress: bool = False, epoch: int = 1, batch_losses: list | None = None,
                    network: nn.Module | None = None) -> float:
    """One pass over ``loader``, an optimiser step per batch; mean loss per crop.

    ``batch_losses``, when given, receives each batch's loss as a detached 0-d tensor
    (on the training device: no sync per batch). ``network`` runs the batches when
    it is not ``state.model`` itself: its DistributedDataParallel wrapper, under
    torchrun (the mean loss per crop is then the mean over all processes).

    The schedule steps only after batches where the optimiser stepped: with fp16 the
    gradient scaler skips the step of a batch whose gradients overflowed (and lowers
    its scale), and the learning rate must not move on without it.
    """
    network = state.model if network is None else network
    network.train()
    total_loss = torch.zeros((), device=runtime.device)  # summed on the device: no sync per batch
    n_images = 0
    # The bar counts batches beside the loader rather than wrapping it: tqdm.auto's
    # wrapper opens an iterator of its own (drawing from the loader's generator and,
    # with workers, starting them) that the loop never uses.
    bar = tqdm(total=len(loader), desc="batches", leave=False, disable=not progress)
    for index, batch in enumerate(loader):
        images = _to_device(batch, runtime, f"training batch {index} of epoch {epoch}")
        state.optimizer.zero_grad(set_to_none=True)
        with runtime.autocast():
            reconstructions = network(images)
        loss = loss_fn(reconstructions.float(), images)
        state.scaler.scale(loss).backward()
        if _scaled_step(state):
            state.scheduler.step()
        total_loss += loss.detach() * len(images)
        if batch_losses is not None:
            batch_losses.append(loss.detach().float())
        n_images += len(images)
        bar.update()
    bar.close()
    total_loss, n_images = distributed.sum_over_ranks(total_loss, n_images)
    return total_loss.item() / n_images


def _scaled_step(state: TrainingState) -> bool:
    """Step the optimiser through the gradient scaler; False when the scaler skipped it."""
    if not state.scaler.is_enabled():
        state.optimizer.step()
        return True
    scale_before = state.scaler.get_scale()
    state.scaler.step(state.optimizer)
    state.scaler.update()
    return state.scaler.get_scale() >= scale_before  # the scale drops only after a skipped step


@torch.no_grad()
def evaluate(model: nn.Module, loader: DataLoader, loss_fn: nn.Module, runtime: Runtime, epoch: int = 1) -> float:
    """Mean loss per crop over ``loader`` in eval mode (dropout off)."""
    model.eval()
    total_loss = torch.zeros((), device=runtime.device)
    n_images = 0
    for index, batch in enumerate(loader):
        images = _to_device(batch, runtime, f"validation batch {index} of epoch {epoch}")
        with runtime.autocast():
            reconstructions = model(images)
        total_loss += loss_fn(reconstructions.float(), images) * len(images)
        n_images += len(images)
    return total_loss.item() / n_images


def check_finite_batch(images: torch.Tensor, where: str) -> None:
    """ValueError naming ``where`` and what it holds when ``images`` has NaN or inf.

    >>> batch = torch.tensor([[0.5, float("nan")], [float("inf"), 0.1]])
    >>> check_finite_batch(batch, "batch 3")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: batch 3 holds 1 NaN and 1 inf values (in 2 of its 2 images, the first at position 0 ...
    """
    finite = torch.isfinite(images)
    if bool(finite.all()):
        return
    n_nan = int(torch.isnan(images).sum())
    n_inf = int(torch.isinf(images).sum())
    bad_images = (~finite).reshape(len(images), -1).any(dim=1)
    first = int(bad_images.nonzero()[0, 0])
    raise ValueError(
        f"{where} holds {n_nan} NaN and {n_inf} inf values (in {int(bad_images.sum())} of its {len(images)} "
        f"images, the first at position {first} of the batch); clean the crops (e.g. np.nan_to_num) or "
        "drop them before training"
    )


def _check_loss(loss: float, which: str, epoch: int) -> None:
    if not math.isfinite(loss):
        raise FloatingPointError(
            f"the {which} loss of epoch {epoch} is {loss}: training diverged although every batch was "
            "finite; lower lr or use amp='off'"
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
        raise ValueError(f"{name} items must be float tensors (1, S, S), got {type(image).__name__}")
    if not image.is_floating_point() or image.ndim != 3 or image.shape[0] != 1:
        raise ValueError(f"{name} items must be float tensors (1, S, S), got {image.dtype} {tuple(image.shape)}")


def _images_of(item):
    """An item or batch is a tensor, or a tuple/list whose first element is one."""
    return item[0] if isinstance(item, (tuple, list)) else item


def _loader(dataset: Dataset, config: TrainConfig, runtime: Runtime, generator: torch.Generator | None) -> DataLoader:
    """Shuffled batches when a generator is given (training), in order otherwise."""
    return DataLoader(dataset, batch_size=config.batch_size, shuffle=generator is not None, generator=generator,
                      num_workers=config.num_workers, pin_memory=runtime.device.type == "cuda")


def _to_device(batch, runtime: Runtime, where: str) -> torch.Tensor:
    """The batch's images on the training device; checked for NaN/inf while still on the CPU."""
    images = _images_of(batch)
    if images.device.type == "cpu":  # no GPU sync per batch for the check
        check_finite_batch(images, where)
    return images.to(runtime.device, non_blocking=True, memory_format=runtime.memory_format)
