"""Train the autoencoder on crops from a file, on one process or many with torchrun.

    python -m xpcs_nb.train --data crops.npy --epochs 20 --checkpoint-dir runs/mine
    torchrun --nproc_per_node 4 -m xpcs_nb.train --data crops.npy --preset class --checkpoint-dir runs/class
    torchrun --nproc_per_node 2 -m xpcs_nb.train --data crops.npy --epochs 3 --device cpu

``--data`` holds the crops ``(N, S, S)`` scaled to [0, 1]: a ``.npy`` file, or an HDF5
file with a ``crops`` dataset (a crop store of :func:`xpcs_nb.dataset.build_crop_store`;
``--dataset`` names another). ``--preset`` gives the recipe (epochs, global batch,
learning rate, half cycle of the schedule); the options override it. With
``--checkpoint-dir`` a stopped run resumes where it stopped when started again with
the same data, model and settings, and says so; a folder holding another run's
checkpoint is refused with the reason. The chapters train through
:func:`xpcs_nb.pipeline.trained_autoencoder` (their cached library); this command does
not use that layer.

Each process prints the sha256 of its final weights: under torchrun the lines must
agree (DistributedDataParallel keeps the ranks in step); rank 0 prints the history.
Wrong arguments end with a usage line and status 2, data or checkpoints that cannot
be used with one line ``... error: why`` and status 1. numpy and torch are imported
only once the arguments are checked, so ``--help`` is quick.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

__all__ = ["build_parser", "add_train_command", "main", "PROG"]

PROG = "python -m xpcs_nb.train"
PRESET_NAMES = ("fast", "class_cpu", "class", "paper")
"""The presets' names, spelled here so that ``--help`` imports no numpy (a test keeps them
equal to :data:`xpcs_nb.presets.PRESETS`)."""
USAGE = "%(prog)s --data CROPS [--preset P] [--epochs N] [--checkpoint-dir DIR] [options]"
DEFAULT_DROPOUT = 0.05  # xpcs_nb.model.DROPOUT, checked equal by the tests (not imported: torch)


def build_parser(prog: str = PROG) -> argparse.ArgumentParser:
    """The argument parser of ``python -m xpcs_nb.train``."""
    parser = argparse.ArgumentParser(prog=prog, description=__doc__.splitlines()[0], usage=USAGE,
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    _add_arguments(parser)
    return parser


def add_train_command(commands) -> argparse.ArgumentParser:
    """Add ``train`` to the sub-commands of ``xpcs-nb`` (an ``add_subparsers`` object)."""
    parser = commands.add_parser("train", help="train the autoencoder on crops (N, S, S) from a file",
                                 description=__doc__.splitlines()[0], usage=USAGE,
                                 formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    _add_arguments(parser)
    parser.set_defaults(run=lambda arguments: run(arguments, parser))
    return parser


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    data = parser.add_argument_group("data")
    data.add_argument("--data", type=Path, required=True,
                      help="crops (N, S, S) scaled to [0, 1]: a .npy file or an HDF5 file (see --dataset)")
    data.add_argument("--val-data", type=Path, default=None,
                      help="validation crops, as --data; without them the best epoch is the lowest training loss")
    data.add_argument("--dataset", default="crops", help="the crops' dataset inside HDF5 files")
    data.add_argument("--items", type=_positive_int, default=None,
                      help="train on the first ITEMS crops only (default: all)")
    recipe = parser.add_argument_group("recipe (default: the preset's)")
    recipe.add_argument("--preset", choices=PRESET_NAMES, default=None,
                        help="the recipe's source (default: $XPCS_PRESET, else the one this machine gets)")
    recipe.add_argument("--epochs", type=_positive_int, default=None, help="epochs in all, resumed ones included")
    recipe.add_argument("--batch-size", type=_positive_int, default=None,
                        help="global batch: crops per optimiser step, split across torchrun's processes")
    recipe.add_argument("--lr", type=_positive_float, default=None, help="peak learning rate of the cycle")
    recipe.add_argument("--seed", type=_nonnegative_int, default=0,
                        help="initial weights, dropout masks and batch order")
    model = parser.add_argument_group("model (default: the published layout)")
    model.add_argument("--latent-size", type=_positive_int, default=64, help="numbers in the latent vector")
    model.add_argument("--encoder-channels", type=_channels, default=None,
                       help="channels of the encoder's convolution stages, e.g. 16,32,64")
    model.add_argument("--decoder-channels", type=_channels, default=None,
                       help="channels of the decoder's stages, e.g. 64,32,16")
    model.add_argument("--pool", type=_positive_int, default=None, help="max-pooling factor of each stage")
    model.add_argument("--dropout", type=_fraction, default=DEFAULT_DROPOUT, help="dropout probability, 0 to <1")
    run_group = parser.add_argument_group("run")
    run_group.add_argument("--checkpoint-dir", type=Path, default=None,
                           help="folder for last.pt and best.pt; a run started again resumes from it "
                                "(default: none, nothing is kept)")
    run_group.add_argument("--no-resume", action="store_true",
                           help="start afresh even if the folder holds a last.pt (it is overwritten)")
    run_group.add_argument("--device", default="auto",
                           help="auto (a GPU when there is one), cpu or cuda; under torchrun each process "
                                "takes the GPU of its LOCAL_RANK")
    run_group.add_argument("--amp", choices=("auto", "off", "bf16", "fp16"), default="auto",
                           help="mixed precision: auto picks bf16 or fp16 where the hardware gains from it")
    run_group.add_argument("--channels-last", action=argparse.BooleanOptionalAction, default=None,
                           help="memory layout of the activations (default: where it was measured to pay)")
    run_group.add_argument("--num-workers", type=_nonnegative_int, default=0,
                           help="data-loading processes per training process")
    run_group.add_argument("--timeout", type=_positive_float, default=None,
                           help="under torchrun: seconds a process waits for the others before the job "
                                "fails (default: $XPCS_DDP_TIMEOUT, else 300)")
    run_group.add_argument("--no-progress", action="store_true", help="no progress bars")


def parse_args(argv: list[str] | None = None, parser: argparse.ArgumentParser | None = None) -> argparse.Namespace:
    """Parse and check ``argv``; wrong arguments end in ``SystemExit(2)`` with one usage line."""
    parser = build_parser() if parser is None else parser
    arguments = parser.parse_args(argv)
    check_arguments(arguments, parser)
    return arguments


def check_arguments(arguments: argparse.Namespace, parser: argparse.ArgumentParser) -> None:
    """What argparse's types cannot see: files that must exist, a checkpoint folder that can be one."""
    from xpcs_nb.io import HDF5_SUFFIXES, file_kind  # after parsing: --help stays light

    for option, path in (("--data", arguments.data), ("--val-data", arguments.val_data)):
        if path is not None and not path.is_file():
            parser.error(f"{option}: {path} is not a file")
        if path is not None and file_kind(path) is None:
            parser.error(f"{option}: expected a .npy or HDF5 ({', '.join(HDF5_SUFFIXES)}) file, got {path}")
    folder = arguments.checkpoint_dir
    if folder is not None:
        blocking = next((p for p in (folder, *folder.parents) if p.exists() and not p.is_dir()), None)
        if blocking == folder:
            parser.error(f"--checkpoint-dir: {folder} is a file, not a folder")
        if blocking is not None:
            parser.error(f"--checkpoint-dir: {blocking} is a file, so {folder} cannot be made")
        existing = next(p for p in (folder, *folder.parents) if p.exists())
        if not os.access(existing, os.W_OK | os.X_OK):
            parser.error(f"--checkpoint-dir: {existing} is not writable")


def main(argv: list[str] | None = None) -> int:
    """``python -m xpcs_nb.train``: 0 when trained, 1 when the data or a checkpoint cannot be used."""
    parser = build_parser()
    return run(parse_args(argv, parser), parser)


def run(arguments: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """Train as ``arguments`` say (checked by :func:`check_arguments`)."""
    check_arguments(arguments, parser)
    import logging

    from xpcs_nb.train import distributed

    log = logging.getLogger("xpcs_nb.train")  # says "resumed from epoch N of M"
    handler = logging.StreamHandler(sys.stderr)
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    world = None
    try:
        if _under_torchrun():
            world = distributed.join_torchrun(arguments.device, arguments.timeout)
        _train(arguments, world)
    except (ValueError, OSError, FloatingPointError) as error:  # data, checkpoint, layout: one line
        rank = "" if world is None else f"rank {world.rank}: "
        print(f"{parser.prog}: error: {rank}{error}", file=sys.stderr, flush=True)
        return 1
    except RuntimeError as error:
        if world is None or not _is_timeout(error):
            raise
        print(f"{parser.prog}: error: rank {world.rank}: another process stopped answering for "
              f"{distributed.collective_timeout(arguments.timeout):g} s ({_first_line(error)}); the job "
              "ends. Restart it: it resumes from the last checkpoint. A slow step needs a longer --timeout "
              f"or ${distributed.TIMEOUT_VARIABLE}.", file=sys.stderr, flush=True)
        return 1
    finally:
        log.removeHandler(handler)
        distributed.leave()
    return 0


def _train(arguments: argparse.Namespace, world) -> None:
    from xpcs_nb.presets import get_preset
    from xpcs_nb.train import TrainConfig, train

    preset = get_preset(arguments.preset)
    train_set = crops_dataset(arguments.data, arguments.dataset, arguments.items)
    val_set = None if arguments.val_data is None else crops_dataset(arguments.val_data, arguments.dataset)
    model = build_model(arguments, image_size=train_set[0][0].shape[-1])
    config = TrainConfig(
        epochs=preset.epochs if arguments.epochs is None else arguments.epochs,
        batch_size=preset.batch_size if arguments.batch_size is None else arguments.batch_size,
        lr=preset.learning_rate if arguments.lr is None else arguments.lr, loss="mse", seed=arguments.seed,
        device=arguments.device, num_workers=arguments.num_workers, amp=arguments.amp,
        channels_last=arguments.channels_last, checkpoint_dir=arguments.checkpoint_dir,
        half_cycle_epochs=preset.half_cycle_epochs, progress=not arguments.no_progress)
    history = train(model, train_set, val_set, config, resume=not arguments.no_resume)
    rank = 0 if world is None else world.rank
    print(f"rank {rank}: weights sha256 {weights_digest(model)}", flush=True)
    if world is None or world.is_main:
        for epoch, loss, val_loss in zip(history.epoch, history.train_loss, history.val_loss):
            print(f"epoch {epoch}: train loss {loss:.6g}, validation loss {val_loss:.6g}", flush=True)
        if arguments.checkpoint_dir is not None:
            print(f"checkpoints in {arguments.checkpoint_dir}", flush=True)


def crops_dataset(path: Path, dataset: str = "crops", items: int | None = None):
    """Crops ``(N, S, S)`` in [0, 1] from a ``.npy`` or HDF5 file as a ``TensorDataset`` of (1, S, S) float32.

    ValueError naming the file when it holds something else.
    """
    import numpy as np
    import torch
    from torch.utils.data import TensorDataset

    crops = _read_crops(path, dataset, items)
    if crops.ndim != 3 or crops.shape[1] != crops.shape[2] or crops.shape[0] == 0:
        raise ValueError(f"{path} must hold crops (N, S, S) with N >= 1, got shape {crops.shape}")
    if not np.isfinite(crops).all() or crops.min() < 0 or crops.max() > 1:
        raise ValueError(f"{path} must hold finite crops scaled to [0, 1] (see xpcs_nb.dataset.minmax_scale)")
    return TensorDataset(torch.from_numpy(crops)[:, None])


def _read_crops(path: Path, dataset: str, items: int | None):
    import numpy as np

    from xpcs_nb.io import file_kind, open_array

    with open_array(path, dataset if file_kind(path) == "hdf5" else None, ndim=None) as stored:
        return np.array(stored[:items], dtype=np.float32)


def build_model(arguments: argparse.Namespace, image_size: int):
    """Seeded initial weights (the same on every rank) in the layout the options give."""
    from xpcs_nb.model import Autoencoder
    from xpcs_nb.train import seed_everything

    layout = {name: value for name, value in (("encoder_channels", arguments.encoder_channels),
                                              ("decoder_channels", arguments.decoder_channels),
                                              ("pool", arguments.pool)) if value is not None}
    seed_everything(arguments.seed)
    return Autoencoder(latent_size=arguments.latent_size, dropout=arguments.dropout, image_size=image_size,
                       **layout)


def weights_digest(model) -> str:
    """sha256 of the weights' bytes, key by key: equal digests, equal weights."""
    import hashlib

    digest = hashlib.sha256()
    for key, value in model.state_dict().items():
        digest.update(key.encode())
        digest.update(value.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()


def _under_torchrun() -> bool:
    """torchrun sets these for every process it starts."""
    return "TORCHELASTIC_RUN_ID" in os.environ or "LOCAL_RANK" in os.environ


def _is_timeout(error: BaseException) -> bool:
    """Whether a collective failed because another rank did not answer in time.

    >>> _is_timeout(RuntimeError("[Rank 0]: Ranks 1 failed to pass monitoredBarrier in 5000 ms"))
    True
    >>> _is_timeout(RuntimeError("Timed out waiting 5000ms for recv operation to complete"))
    True
    >>> _is_timeout(RuntimeError("CUDA out of memory"))
    False
    """
    text = str(error).lower()
    return any(sign in text for sign in ("timed out", "timeout", "monitored barrier", "monitoredbarrier"))


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0][:300]


def _positive_int(text: str) -> int:
    return _number(text, int, lambda value: value >= 1, "an integer >= 1")


def _nonnegative_int(text: str) -> int:
    return _number(text, int, lambda value: value >= 0, "an integer >= 0")


def _positive_float(text: str) -> float:
    return _number(text, float, lambda value: 0 < value < float("inf"), "a number > 0")


def _fraction(text: str) -> float:
    return _number(text, float, lambda value: 0 <= value < 1, "a number from 0 up to (not including) 1")


def _number(text: str, kind, ok, expected: str):
    try:
        value = kind(text)
    except ValueError:
        value = None
    if value is None or not ok(value):
        raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
    return value


def _channels(text: str) -> tuple[int, ...]:
    try:
        channels = tuple(int(part) for part in text.split(","))
    except ValueError:
        channels = ()
    if not channels or min(channels) < 1:
        raise argparse.ArgumentTypeError(f"expected integers >= 1 separated by commas such as 16,32,64, "
                                         f"got {text!r}")
    return channels


if __name__ == "__main__":
    sys.exit(main())
