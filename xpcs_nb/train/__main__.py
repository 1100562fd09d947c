"""Train the autoencoder from the command line, on one process or many with torchrun.

    python -m xpcs_nb.train --preset fast                          # one process
    torchrun --nproc_per_node 4 -m xpcs_nb.train --preset class    # 4 GPUs (or CPU processes)
    torchrun --nproc_per_node 2 -m xpcs_nb.train --data crops.npy --epochs 3 --device cpu

With ``--preset`` the data, the model and the recipe are chapter 3's
(:func:`xpcs_nb.pipeline.trained_autoencoder`: the preset's library, split and
augmented set, seeded initial weights, its epochs, batch and learning rate), and the
checkpoints go to the same folder, so a run started here resumes in the notebook and
the other way round. ``--data crops.npy`` trains instead on your own crops ``(N, S,
S)`` scaled to [0, 1] (and ``--val-data`` validates on others). ``--batch-size`` is
the global batch, split across the processes (see :mod:`xpcs_nb.train.distributed`).

Each process prints the sha256 of its final weights: under torchrun the lines must
agree (DistributedDataParallel keeps the ranks in step); rank 0 prints the history.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import TensorDataset

from xpcs_nb.model import DROPOUT, Autoencoder
from xpcs_nb.presets import PRESETS, get_preset

from . import distributed
from .config import AMP_MODES, TrainConfig
from .loop import train
from .random_state import seed_everything


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m xpcs_nb.train", description=__doc__.splitlines()[0])
    parser.add_argument("--preset", choices=sorted(PRESETS), default=None,
                        help="sizes and recipe (default: $XPCS_PRESET, else 'class')")
    parser.add_argument("--seed", type=int, default=0, help="data, initial weights, dropout and batch order")
    parser.add_argument("--epochs", type=int, default=None, help="default: the preset's")
    parser.add_argument("--items", type=int, default=None, help="training crops per epoch (default: the preset's)")
    parser.add_argument("--batch-size", type=int, default=None, help="global batch (default: the preset's)")
    parser.add_argument("--lr", type=float, default=None, help="peak learning rate (default: the preset's)")
    parser.add_argument("--latent-size", type=int, default=64)
    parser.add_argument("--data", type=Path, default=None, help=".npy crops (N, S, S) in [0, 1] instead of the preset's")
    parser.add_argument("--val-data", type=Path, default=None, help=".npy validation crops (with --data)")
    parser.add_argument("--encoder-channels", type=_channels, default=None,
                        help="e.g. 16,32,64 (default: the published layout)")
    parser.add_argument("--decoder-channels", type=_channels, default=None)
    parser.add_argument("--pool", type=int, default=None)
    parser.add_argument("--dropout", type=float, default=DROPOUT)
    parser.add_argument("--checkpoint-dir", type=Path, default=None,
                        help="default with --preset: chapter 3's folder for it; with --data: none (no resume)")
    parser.add_argument("--no-resume", action="store_true", help="start afresh even if last.pt exists")
    parser.add_argument("--device", default="auto", help="auto, cpu or cuda (under torchrun: this rank's GPU)")
    parser.add_argument("--amp", choices=AMP_MODES, default="auto")
    parser.add_argument("--channels-last", action=argparse.BooleanOptionalAction, default=None,
                        help="memory layout (default: where it pays, see xpcs_nb.train.runtime)")
    parser.add_argument("--num-workers", type=int, default=0, help="DataLoader worker processes per rank")
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args(argv)
    if args.data is None and args.val_data is not None:
        parser.error("--val-data needs --data")
    return args


def _channels(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected integers separated by commas such as 16,32,64, got {text!r}")


def crops_dataset(path: Path, items: int | None = None) -> TensorDataset:
    """Crops ``(N, S, S)`` in [0, 1] from a ``.npy`` file as a dataset of ``(1, S, S)`` float32 tensors."""
    crops = np.load(path, mmap_mode="r")
    if crops.ndim != 3 or crops.shape[1] != crops.shape[2]:
        raise ValueError(f"{path} must hold crops (N, S, S), got shape {crops.shape}")
    crops = np.array(crops[:items], dtype=np.float32)
    if not np.isfinite(crops).all() or crops.min() < 0 or crops.max() > 1:
        raise ValueError(f"{path} must hold finite crops scaled to [0, 1] (see xpcs_nb.dataset.minmax_scale)")
    return TensorDataset(torch.from_numpy(crops)[:, None])


def datasets(args: argparse.Namespace, preset, world):
    """Training and validation sets; the preset's library is built (and cached) by rank 0 first."""
    if args.data is not None:
        val = None if args.val_data is None else crops_dataset(args.val_data)
        return crops_dataset(args.data, args.items), val
    from xpcs_nb.pipeline import augmented_sets

    if world is not None and not world.is_main:
        distributed.barrier()  # wait for rank 0 to build the cached library
    sets = augmented_sets(preset, args.seed, n_train=args.items)
    if world is not None and world.is_main:
        distributed.barrier()
    return sets


def build_model(args: argparse.Namespace, preset, image_size: int) -> Autoencoder:
    """Seeded initial weights (the same on every rank), as :func:`~xpcs_nb.pipeline.trained_autoencoder`."""
    layout = {name: value for name, value in (("encoder_channels", args.encoder_channels),
                                              ("decoder_channels", args.decoder_channels), ("pool", args.pool))
              if value is not None}
    seed_everything(args.seed)
    model = Autoencoder(latent_size=args.latent_size, dropout=args.dropout, image_size=image_size, **layout)
    if args.data is None and preset.start_from == "published":
        from xpcs_nb.pipeline import copy_published_weights

        copy_published_weights(model)
    return model


def weights_digest(model: torch.nn.Module) -> str:
    """sha256 of the weights' bytes, key by key: equal digests, equal weights."""
    digest = hashlib.sha256()
    for key, value in model.state_dict().items():
        digest.update(key.encode())
        digest.update(value.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    preset = get_preset(args.preset)
    world = distributed.join_torchrun(args.device) if _under_torchrun() else None
    try:
        train_set, val_set = datasets(args, preset, world)
        image_size = train_set[0][0].shape[-1]
        model = build_model(args, preset, image_size)
        checkpoint_dir = args.checkpoint_dir
        if checkpoint_dir is None and args.data is None:
            from xpcs_nb.pipeline import checkpoint_dir as preset_checkpoint_dir

            checkpoint_dir = preset_checkpoint_dir(preset, args.seed, args.latent_size)
        config = TrainConfig(
            epochs=preset.epochs if args.epochs is None else args.epochs,
            batch_size=preset.batch_size if args.batch_size is None else args.batch_size,
            lr=preset.learning_rate if args.lr is None else args.lr, loss="mse", seed=args.seed,
            device=args.device, num_workers=args.num_workers, amp=args.amp, channels_last=args.channels_last,
            checkpoint_dir=checkpoint_dir, half_cycle_epochs=preset.half_cycle_epochs,
            progress=not args.no_progress)
        history = train(model, train_set, val_set, config, resume=not args.no_resume)
        rank = 0 if world is None else world.rank
        print(f"rank {rank}: weights sha256 {weights_digest(model)}", flush=True)
        if world is None or world.is_main:
            for epoch, loss, val_loss in zip(history.epoch, history.train_loss, history.val_loss):
                print(f"epoch {epoch}: train loss {loss:.6g}, validation loss {val_loss:.6g}", flush=True)
            if checkpoint_dir is not None:
                print(f"checkpoints in {checkpoint_dir}", flush=True)
    finally:
        distributed.leave()
    return 0


def _under_torchrun() -> bool:
    """torchrun sets these for every process it starts."""
    return "TORCHELASTIC_RUN_ID" in os.environ or "LOCAL_RANK" in os.environ


if __name__ == "__main__":
    sys.exit(main())
