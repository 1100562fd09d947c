"""Images per second of ``xpcs_nb.train`` against a bare PyTorch loop (goal >= 0.85).

Both train the published layout on the same synthetic 256 x 256 crops, with the same
batch size, batches, optimiser, schedule and loss, in one process, alternating which
goes first. ``xpcs_nb.train`` also writes a checkpoint every epoch; that cost counts.
Also measured: encoding throughput (crops per second, eval mode, no gradients).

On a GPU (CUDA available) the comparison runs there with mixed precision and
channels-last for both loops, and the result is scaled to the paper's training
(400,000 crops x 50 epochs). Without one it says "no GPU".

Usage::

    python benchmarks/bench_train.py                      # CPU, then GPU if present
    python benchmarks/bench_train.py --crops 256 --repeats 3
"""

from __future__ import annotations

import argparse
import tempfile
import time
from dataclasses import replace

import torch
from torch.utils.data import DataLoader, TensorDataset

from xpcs_nb.model import published_autoencoder
from xpcs_nb.train import TrainConfig, cyclic_lr, seed_everything, train

PAPER_CROPS = 400_000
PAPER_EPOCHS = 50


def synthetic_crops(n: int, seed: int, side: int = 256) -> TensorDataset:
    """C2-like crops (n, 1, side, side) in [0, 1]: a diagonal band of random width plus noise."""
    generator = torch.Generator().manual_seed(seed)
    index = torch.arange(side, dtype=torch.float32)
    lag = (index[:, None] - index[None, :]).abs()
    widths = side * (0.02 + 0.2 * torch.rand(n, 1, 1, generator=generator))
    images = torch.exp(-lag / widths) + 0.05 * torch.randn(n, side, side, generator=generator)
    low, high = images.amin(dim=(1, 2), keepdim=True), images.amax(dim=(1, 2), keepdim=True)
    return TensorDataset(((images - low) / (high - low))[:, None])


def time_xpcs_train(dataset: TensorDataset, config: TrainConfig) -> float:
    """Seconds for ``xpcs_nb.train`` (no validation set, checkpoints to a temporary folder)."""
    seed_everything(config.seed)
    model = published_autoencoder()
    with tempfile.TemporaryDirectory() as folder:
        config = replace(config, checkpoint_dir=folder)
        _synchronize(config.device)
        started = time.perf_counter()
        train(model, dataset, None, config, resume=False)
        _synchronize(config.device)
        return time.perf_counter() - started


def time_bare_loop(dataset: TensorDataset, config: TrainConfig) -> float:
    """Seconds for the textbook loop: same batches, Adam, CyclicLR, MSE, precision, layout."""
    seed_everything(config.seed)
    device = torch.device(config.device)
    memory_format = torch.channels_last if config.channels_last else torch.contiguous_format
    amp_dtype = {"off": None, "bf16": torch.bfloat16, "fp16": torch.float16}[config.amp]
    model = published_autoencoder().to(device, memory_format=memory_format)
    loader = DataLoader(
        dataset,
        batch_size=config.batch_size,
        shuffle=True,
        generator=torch.Generator().manual_seed(config.seed),
        pin_memory=device.type == "cuda",
    )
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
    scheduler = cyclic_lr(optimizer, config.lr, config.half_cycle_epochs * len(loader))
    scaler = torch.amp.GradScaler(device.type, enabled=amp_dtype == torch.float16)
    loss_fn = torch.nn.MSELoss()
    _synchronize(config.device)
    started = time.perf_counter()
    model.train()
    for _ in range(config.epochs):
        for (images,) in loader:
            images = images.to(device, non_blocking=True, memory_format=memory_format)
            optimizer.zero_grad(set_to_none=True)
            with torch.autocast(device.type, dtype=amp_dtype, enabled=amp_dtype is not None):
                loss = loss_fn(model(images).float(), images)
            scaler.scale(loss).backward()
            scaler.step(optimizer)
            scaler.update()
            scheduler.step()
    _synchronize(config.device)
    return time.perf_counter() - started


def encode_rate(dataset: TensorDataset, config: TrainConfig) -> float:
    """Crops per second through the encoder (eval mode, no gradients)."""
    device = torch.device(config.device)
    memory_format = torch.channels_last if config.channels_last else torch.contiguous_format
    amp_dtype = {"off": None, "bf16": torch.bfloat16, "fp16": torch.float16}[config.amp]
    model = published_autoencoder().to(device, memory_format=memory_format).eval()
    images = dataset.tensors[0]
    autocast = torch.autocast(device.type, dtype=amp_dtype, enabled=amp_dtype is not None)
    with torch.inference_mode(), autocast:
        model.encode(images[:2].to(device, memory_format=memory_format))  # warm-up
        _synchronize(config.device)
        started = time.perf_counter()
        for batch in images.split(config.batch_size):
            model.encode(batch.to(device, non_blocking=True, memory_format=memory_format))
        _synchronize(config.device)
    return len(images) / (time.perf_counter() - started)


def _synchronize(device: str) -> None:
    if torch.device(device).type == "cuda":
        torch.cuda.synchronize()


def compare(config: TrainConfig, n_crops: int, repeats: int) -> float:
    """Print both rates and their ratio; return training images per second of xpcs_nb."""
    dataset = synthetic_crops(n_crops, seed=0)
    warm_up = replace(config, epochs=1)
    time_bare_loop(TensorDataset(dataset.tensors[0][: config.batch_size]), warm_up)
    seconds = {"xpcs_nb.train": 0.0, "bare loop": 0.0}
    for repeat in range(repeats):
        runs = [("xpcs_nb.train", time_xpcs_train), ("bare loop", time_bare_loop)]
        for name, run in runs if repeat % 2 == 0 else runs[::-1]:  # alternate to cancel drift
            seconds[name] += run(dataset, config)
    images = repeats * config.epochs * n_crops
    rates = {name: images / total for name, total in seconds.items()}
    print(
        f"  {config.device}, amp={config.amp}, channels_last={config.channels_last}, "
        f"{n_crops} crops x {config.epochs} epochs x {repeats} repeats, batch {config.batch_size}"
    )
    for name, rate in rates.items():
        print(f"  {name:14s} {rate:9.1f} images/s  ({seconds[name]:.1f} s)")
    ratio = rates["xpcs_nb.train"] / rates["bare loop"]
    print(f"  ratio xpcs_nb / bare: {ratio:.3f} (goal >= 0.85)")
    print(f"  encode: {encode_rate(dataset, config):.1f} crops/s")
    return rates["xpcs_nb.train"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--crops", type=int, default=128, help="crops per epoch on the CPU")
    parser.add_argument("--gpu-crops", type=int, default=4096, help="crops per epoch on a GPU")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--skip-cpu", action="store_true", help="only the GPU comparison")
    args = parser.parse_args()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} CPU threads")

    shared = dict(epochs=args.epochs, batch_size=args.batch_size, lr=1e-3, progress=False)
    if not args.skip_cpu:
        print("CPU (float32, contiguous):")
        cpu = TrainConfig(device="cpu", amp="off", channels_last=False, **shared)
        compare(cpu, args.crops, args.repeats)

    if not torch.cuda.is_available():
        print("GPU: no GPU (CUDA not available); nothing measured")
        return
    torch.backends.cudnn.benchmark = True  # fixed input size: let cuDNN pick its fastest kernels
    amp = "bf16" if torch.cuda.is_bf16_supported() else "fp16"
    print(f"GPU ({torch.cuda.get_device_name()}):")
    gpu = TrainConfig(device="cuda", amp=amp, channels_last=True, **shared)
    rate = compare(gpu, args.gpu_crops, args.repeats)
    hours = PAPER_CROPS * PAPER_EPOCHS / rate / 3600
    scale = f"{PAPER_CROPS:,} crops x {PAPER_EPOCHS} epochs"
    print(f"  paper scale ({scale}): {hours:.1f} h at this rate")


if __name__ == "__main__":
    main()
