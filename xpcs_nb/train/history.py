"""What happened, epoch by epoch: :class:`History`, the data of the loss plot."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

__all__ = ["History"]


@dataclass
class History:
    """Losses and learning rates per epoch, and the training loss of every batch.

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
    batch_loss : list of float
        Training loss of every optimiser step, in order, all epochs one after the
        other (mean over the batch's crops, in train mode, before the step). Empty for
        checkpoints written before it was recorded.
    best_epoch : int or None
        Epoch of the lowest validation loss (training loss without a validation set).
    best_loss : float
        That loss.

    Examples
    --------
    >>> history = History()
    >>> history.record(train_loss=0.02, val_loss=0.03, lr=1e-3, seconds=1.0)
    True
    >>> history.record(train_loss=0.01, val_loss=0.04, lr=1e-4, seconds=1.0)
    False
    >>> history.best_epoch, history.epochs_done
    (1, 2)
    >>> history.record(0.01, 0.02, 1e-4, 1.0, batch_losses=[0.012, 0.008]), history.batch_loss
    (True, [0.012, 0.008])
    """

    epoch: list[int] = field(default_factory=list)
    train_loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    batch_loss: list[float] = field(default_factory=list)
    best_epoch: int | None = None
    best_loss: float = math.inf

    @property
    def epochs_done(self) -> int:
        """Epochs recorded so far (earlier, resumed runs included)."""
        return len(self.epoch)

    def record(self, train_loss: float, val_loss: float, lr: float, seconds: float,
               batch_losses: Sequence[float] = ()) -> bool:
        """Append one epoch (and its per-batch losses); return True when it is the best so far."""
        self.epoch.append(self.epochs_done + 1)
        self.batch_loss.extend(float(loss) for loss in batch_losses)
        self.train_loss.append(train_loss)
        self.val_loss.append(val_loss)
        self.lr.append(lr)
        self.seconds.append(seconds)
        score = train_loss if math.isnan(val_loss) else val_loss
        if score < self.best_loss:
            self.best_epoch, self.best_loss = self.epochs_done, score
            return True
        return False
