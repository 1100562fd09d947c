"""Everything the next epoch depends on, made fresh or resumed from ``last.pt``.

The optimiser is Adam; the schedule the authors' cyclic learning rate
(``CyclicLR``, ``triangular2``, from ``lr / 10`` up to ``lr`` and back, the peak
halved every cycle, stepped after every batch).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from torch import nn

from xpcs_nb.model import check_state_dict
from xpcs_nb.validation import check_int, check_real

from .checkpoint import load_checkpoint
from .config import TrainConfig
from .history import History
from .identity import describe_shape_change
from .random_state import random_states, restore_random_states
from .runtime import Runtime

__all__ = ["TrainingState", "fresh_state", "cyclic_lr", "fingerprint", "resume_state", "RESUME_FINGERPRINT"]

# Settings that must not change between a checkpoint and its resumption.
RESUME_FINGERPRINT = ("batch_size", "lr", "loss", "seed", "half_cycle_epochs")
# What the run trains on (see xpcs_nb.train.identity); checkpoints written before these
# were stored lack them and are resumed unchecked on them.
DATA_KEY, MODEL_KEY = "data_id", "model_shapes"
_AFRESH = "or start afresh and overwrite it (resume=False; --no-resume on the command line)"


def cyclic_lr(optimizer: torch.optim.Optimizer, lr: float,
              steps_per_half_cycle: int) -> torch.optim.lr_scheduler.CyclicLR:
    """The authors' schedule: triangular2 between ``lr / 10`` and ``lr``.

    Parameters
    ----------
    optimizer : Optimizer
    lr : float
        Peak learning rate of the first cycle.
    steps_per_half_cycle : int
        Optimiser steps from the bottom to the peak (upstream: six epochs of batches).

    >>> optimizer = torch.optim.Adam([torch.zeros(1, requires_grad=True)], lr=1e-3)
    >>> schedule = cyclic_lr(optimizer, 1e-3, steps_per_half_cycle=2)
    >>> rates = []
    >>> for _ in range(4):
    ...     optimizer.step()
    ...     schedule.step()
    ...     rates.append(round(schedule.get_last_lr()[0], 6))
    >>> rates  # up to the peak in two steps, down to lr / 10 in two more
    [0.00055, 0.001, 0.00055, 0.0001]
    """
    lr = check_real(lr, "lr", minimum=0, include_min=False)
    steps_per_half_cycle = check_int(steps_per_half_cycle, "steps_per_half_cycle", minimum=1)
    return torch.optim.lr_scheduler.CyclicLR(
        optimizer,
        base_lr=lr / 10,
        max_lr=lr,
        step_size_up=steps_per_half_cycle,
        mode="triangular2",
        cycle_momentum=False,  # Adam has no momentum term to cycle
    )


@dataclass
class TrainingState:
    """The model, optimiser, schedule, gradient scaler, history and random states, as one."""

    model: nn.Module
    optimizer: torch.optim.Optimizer
    scheduler: torch.optim.lr_scheduler.CyclicLR
    scaler: torch.amp.GradScaler
    loader_generator: torch.Generator
    history: History
    device: torch.device

    def state_dict(self, fingerprint: dict) -> dict:
        return {
            "fingerprint": fingerprint,
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "scheduler": self.scheduler.state_dict(),
            "scaler": self.scaler.state_dict(),
            "history": asdict(self.history),
            "rng": random_states(self.loader_generator, self.device),
        }

    def load_state_dict(self, checkpoint: dict) -> None:
        check_state_dict(self.model, checkpoint["model"])
        self.model.load_state_dict(checkpoint["model"])
        self.optimizer.load_state_dict(checkpoint["optimizer"])
        self.scheduler.load_state_dict(checkpoint["scheduler"])
        if self.scaler.is_enabled() and checkpoint["scaler"]:
            self.scaler.load_state_dict(checkpoint["scaler"])
        self.history = History(**checkpoint["history"])
        restore_random_states(checkpoint["rng"], self.loader_generator, self.device)


def fresh_state(model: nn.Module, config: TrainConfig, runtime: Runtime, loader_generator: torch.Generator,
                batches_per_epoch: int) -> TrainingState:
    """Adam, the cyclic schedule, a gradient scaler (active for fp16 only), no history."""
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
    return TrainingState(
        model=model,
        optimizer=optimizer,
        scheduler=cyclic_lr(optimizer, config.lr, config.half_cycle_epochs * batches_per_epoch),
        scaler=torch.amp.GradScaler(runtime.device.type, enabled=runtime.amp_dtype == torch.float16),
        loader_generator=loader_generator,
        history=History(),
        device=runtime.device,
    )


def fingerprint(config: TrainConfig, n_train: int, data_id: str | None = None,
                shapes: dict | None = None) -> dict:
    """The settings a resumed run must share with its checkpoint.

    ``data_id`` (:func:`~xpcs_nb.train.identity.content_id` of the training set) and
    ``shapes`` (:func:`~xpcs_nb.train.identity.model_shapes`) are checked too when given.
    """
    settings = {name: getattr(config, name) for name in RESUME_FINGERPRINT} | {"n_train": n_train}
    if data_id is not None:
        settings[DATA_KEY] = data_id
    if shapes is not None:
        settings[MODEL_KEY] = shapes
    return settings


def resume_state(state: TrainingState, path: Path, expected: dict) -> None:
    """Load ``path`` into ``state``; ValueError naming the file and why if it does not fit.

    Refused, in this order: a checkpoint of another model (the tensors that differ
    are named), of other training data (both content ids are given), of other
    settings. A checkpoint written before data ids and shapes were stored is not
    checked on them.
    """
    checkpoint = load_checkpoint(path)
    saved = checkpoint.get("fingerprint", {})
    if MODEL_KEY in saved and MODEL_KEY in expected:
        change = describe_shape_change(saved[MODEL_KEY], expected[MODEL_KEY])
        if change:
            raise ValueError(f"checkpoint {path} belongs to another model ({change}); use another checkpoint "
                             "folder for this layout, " + _AFRESH)
    if DATA_KEY in saved and DATA_KEY in expected and saved[DATA_KEY] != expected[DATA_KEY]:
        raise ValueError(f"checkpoint {path} was trained on other data (checkpoint: {saved[DATA_KEY]}; now: "
                         f"{expected[DATA_KEY]}); use another checkpoint folder for these crops, " + _AFRESH)
    checked = [name for name in expected if name not in (DATA_KEY, MODEL_KEY)]
    changed = {name: (saved.get(name), expected[name]) for name in checked if saved.get(name) != expected[name]}
    if changed:
        details = ", ".join(f"{name}: checkpoint {old!r}, now {new!r}" for name, (old, new) in changed.items())
        raise ValueError(
            f"checkpoint {path} was made with other settings ({details}); "
            "restore them, " + _AFRESH
        )
    try:
        state.load_state_dict(checkpoint)
    except (ValueError, KeyError, TypeError, RuntimeError) as error:
        raise ValueError(f"checkpoint {path} does not fit this model or run: {error}") from error
