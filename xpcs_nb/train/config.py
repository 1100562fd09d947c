"""How to train: :class:`TrainConfig`, checked once when it is made."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from torch import nn

from xpcs_nb.validation import ArgumentTypeError, check_bool, check_choice, check_int, check_real, check_seed, describe

__all__ = ["TrainConfig", "AMP_MODES", "LOSSES"]

LOSSES = {"mse": nn.MSELoss, "l1": nn.L1Loss}
AMP_MODES = ("auto", "off", "bf16", "fp16")


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
        Mixed precision (autocast). ``"auto"``: on a GPU, bf16 from compute capability
        8.0 (Ampere) on, fp16 below; on the CPU, bf16 where the processor computes it
        natively (AVX-512 BF16 or AMX), float32 elsewhere (see
        :func:`xpcs_nb.train.cpu_has_native_bf16`). ``"off"``: float32 throughout.
        fp16 brings a gradient scaler.
    channels_last : bool or None
        Memory layout of activations; None: channels-last on CUDA and on x86 CPUs
        with AVX2 or wider (faster there in float32 and bf16, see
        :func:`xpcs_nb.train.runtime.cpu_prefers_channels_last`), the default layout
        elsewhere.
    checkpoint_dir : str, Path or None
        Folder for ``last.pt`` and ``best.pt``; None keeps nothing on disk (and a
        killed run cannot resume).
    half_cycle_epochs : int
        Epochs from the bottom of the learning-rate cycle to its peak (upstream: 6).
    progress : bool
        Show tqdm progress bars.

    Examples
    --------
    >>> import numpy as np
    >>> TrainConfig(epochs=np.int64(3), amp="off").epochs
    3
    >>> TrainConfig(lr=True)
    Traceback (most recent call last):
    ...
    xpcs_nb.validation.ArgumentTypeError: lr must be a real number (int or float), got True (bool)
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
        self.epochs = check_int(self.epochs, "epochs", minimum=1)
        self.batch_size = check_int(self.batch_size, "batch_size", minimum=1)
        self.half_cycle_epochs = check_int(self.half_cycle_epochs, "half_cycle_epochs", minimum=1)
        self.num_workers = check_int(self.num_workers, "num_workers", minimum=0)
        self.lr = check_real(self.lr, "lr", minimum=0, include_min=False)
        self.loss = check_choice(self.loss, "loss", tuple(LOSSES))
        self.seed = check_seed(self.seed)
        self.amp = check_choice(self.amp, "amp", AMP_MODES)
        if not isinstance(self.device, str):
            raise ArgumentTypeError(f"device must be a string such as 'auto', 'cpu' or 'cuda:0', "
                                    f"got {describe(self.device)}")
        if self.channels_last is not None:
            self.channels_last = check_bool(self.channels_last, "channels_last")
        self.progress = check_bool(self.progress, "progress")
        if self.checkpoint_dir is not None:
            if not isinstance(self.checkpoint_dir, (str, Path)):
                raise ArgumentTypeError(f"checkpoint_dir must be a str, a Path or None, "
                                        f"got {describe(self.checkpoint_dir)}")
            self.checkpoint_dir = Path(self.checkpoint_dir)
