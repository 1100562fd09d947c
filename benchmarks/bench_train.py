"""Training speed of the published network: CPU modes side by side, and the overhead
of ``xpcs_nb.train`` over a bare PyTorch loop (goal: ratio >= 0.85).

1. **CPU modes.** Training steps (forward, backward, Adam) on 256 x 256 crops in four
   modes: float32; channels-last layout; bf16 autocast; both. Each mode has its own
   model and is warmed up first; then rounds of a few batches per mode, the order
   rotating every round so that drift in the machine's load spreads over all modes.
   Printed: images per second and the ratio to float32, and CPU-seconds per image
   (this process's CPU time, all threads: less sensitive to other processes' load
   than the wall clock), with the CPU's ISA as ATen and oneDNN will use it.
   ``ATEN_CPU_CAPABILITY=avx2 ONEDNN_MAX_CPU_ISA=AVX2`` set before the run make an
   AVX-512 CPU behave like an AVX2 laptop.
2. **Overhead.** ``xpcs_nb.train`` (checkpoint every epoch included) against the
   textbook loop with the same batches, optimiser, schedule, loss, precision and
   layout, alternating which goes first; both in the mode ``TrainConfig()`` picks on
   this machine. Also the encoding rate (eval mode, no gradients).
3. **GPU** (when CUDA is available): the overhead comparison there, in the mode
   ``TrainConfig(device="cuda")`` picks, with cuDNN left as the book's training
   leaves it (no ``cudnn.benchmark``), scaled to the paper's 400,000 crops x 50
   epochs.

On a shared machine the numbers move with the load: compare ratios measured in one
run, not rates across runs. About two minutes on an idle 2-core CPU.

Usage::

    python benchmarks/bench_train.py                  # CPU, then GPU if present
    python benchmarks/bench_train.py --rounds 5 --steps 4
    python benchmarks/bench_train.py --modes-only     # only step 1
    python benchmarks/bench_train.py --modes-only --modes channels-last   # float32 against channels-last
    ATEN_CPU_CAPABILITY=avx2 ONEDNN_MAX_CPU_ISA=AVX2 python benchmarks/bench_train.py --modes-only
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from dataclasses import replace

import torch
from torch.utils.data import DataLoader, TensorDataset

from xpcs_nb.model import published_autoencoder
from xpcs_nb.train import TrainConfig, cpu_has_native_bf16, cyclic_lr, seed_everything, train
from xpcs_nb.train.runtime import cpu_prefers_channels_last, resolve_runtime

PAPER_CROPS = 400_000
PAPER_EPOCHS = 50
CPU_MODES = {  # name: (autocast dtype, channels_last)
    "float32": (None, False),
    "channels-last": (None, True),
    "bf16": (torch.bfloat16, False),
    "bf16 + channels-last": (torch.bfloat16, True),
}


def synthetic_crops(n: int, seed: int, side: int = 256, chunk: int = 256) -> TensorDataset:
    """C2-like crops (n, 1, side, side) in [0, 1]: a diagonal band of random width plus noise.

    Made ``chunk`` crops at a time, so no intermediate is larger than a chunk.
    """
    generator = torch.Generator().manual_seed(seed)
    index = torch.arange(side, dtype=torch.float32)
    lag = (index[:, None] - index[None, :]).abs()
    images = torch.empty(n, 1, side, side)
    for start in range(0, n, chunk):
        count = min(chunk, n - start)
        widths = side * (0.02 + 0.2 * torch.rand(count, 1, 1, generator=generator))
        part = torch.exp(-lag / widths) + 0.05 * torch.randn(count, side, side, generator=generator)
        low, high = part.amin(dim=(1, 2), keepdim=True), part.amax(dim=(1, 2), keepdim=True)
        images[start:start + count, 0] = (part - low) / (high - low)
    return TensorDataset(images)


# --- 1. CPU modes -----------------------------------------------------------------------

class ModeRunner:
    """One model, optimiser and batch in one precision and layout; times training steps."""

    def __init__(self, amp_dtype: torch.dtype | None, channels_last: bool, batch: torch.Tensor) -> None:
        seed_everything(0)
        self.memory_format = torch.channels_last if channels_last else torch.contiguous_format
        self.amp_dtype = amp_dtype
        self.model = published_autoencoder().to(memory_format=self.memory_format).train()
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=1e-3)
        self.batch = batch.contiguous(memory_format=self.memory_format)

    def step(self) -> None:
        self.optimizer.zero_grad(set_to_none=True)
        with torch.autocast("cpu", dtype=self.amp_dtype, enabled=self.amp_dtype is not None):
            reconstructions = self.model(self.batch)
        torch.nn.functional.mse_loss(reconstructions.float(), self.batch).backward()
        self.optimizer.step()

    def seconds(self, steps: int) -> tuple[float, float]:
        """Wall-clock and CPU seconds (this process, all threads) of ``steps`` training steps."""
        started, cpu_started = time.perf_counter(), time.process_time()
        for _ in range(steps):
            self.step()
        return time.perf_counter() - started, time.process_time() - cpu_started


def compare_cpu_modes(batch_size: int, rounds: int, steps: int, warm_up: int,
                      modes: tuple[str, ...] = tuple(CPU_MODES)) -> dict[str, float]:
    """Images/s of each CPU mode in ``modes`` (float32 always), in interleaved rounds; printed with ratios."""
    unknown = sorted(set(modes) - set(CPU_MODES))
    if unknown:
        raise ValueError(f"modes must be among {list(CPU_MODES)}, got {unknown}")
    batch = synthetic_crops(batch_size, seed=0).tensors[0]
    runners = {name: ModeRunner(*CPU_MODES[name], batch) for name in CPU_MODES if name == "float32" or name in modes}
    for runner in runners.values():
        runner.seconds(warm_up)
    wall, cpu = dict.fromkeys(runners, 0.0), dict.fromkeys(runners, 0.0)
    names = list(runners)
    for round_index in range(rounds):
        shift = round_index % len(names)
        for name in names[shift:] + names[:shift]:
            seconds, cpu_seconds = runners[name].seconds(steps)
            wall[name] += seconds
            cpu[name] += cpu_seconds
    images = rounds * steps * batch_size
    rates = {name: images / total for name, total in wall.items()}
    print(f"CPU modes: batch {batch_size}, {rounds} rounds x {steps} steps per mode after {warm_up} warm-up steps; "
          f"ATen {torch.backends.cpu.get_cpu_capability()}, oneDNN cap "
          f"{os.environ.get('ONEDNN_MAX_CPU_ISA') or os.environ.get('DNNL_MAX_CPU_ISA') or 'none'}; "
          f"TrainConfig picks bf16: {cpu_has_native_bf16()}, channels-last: {cpu_prefers_channels_last()}")
    for name, rate in rates.items():
        print(f"  {name:22s} {rate:7.1f} images/s   x{rate / rates['float32']:.2f} of float32   "
              f"{cpu[name] / images:.3f} CPU-s/image  x{cpu['float32'] / cpu[name]:.2f}")
    return rates


# --- 2. and 3. xpcs_nb.train against a bare loop ------------------------------------------

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
    runtime = resolve_runtime(config)
    model = published_autoencoder().to(runtime.device, memory_format=runtime.memory_format)
    loader = DataLoader(dataset, batch_size=config.batch_size, shuffle=True,
                        generator=torch.Generator().manual_seed(config.seed), pin_memory=runtime.device.type == "cuda")
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
    scheduler = cyclic_lr(optimizer, config.lr, config.half_cycle_epochs * len(loader))
    scaler = torch.amp.GradScaler(runtime.device.type, enabled=runtime.amp_dtype == torch.float16)
    loss_fn = torch.nn.MSELoss()
    _synchronize(config.device)
    started = time.perf_counter()
    model.train()
    for _ in range(config.epochs):
        for (images,) in loader:
            images = images.to(runtime.device, non_blocking=True, memory_format=runtime.memory_format)
            optimizer.zero_grad(set_to_none=True)
            with runtime.autocast():
                loss = loss_fn(model(images).float(), images)
            scaler.scale(loss).backward()
            scaler.step(optimizer)
            scaler.update()
            scheduler.step()
    _synchronize(config.device)
    return time.perf_counter() - started


def encode_rate(dataset: TensorDataset, config: TrainConfig) -> float:
    """Crops per second through the encoder (eval mode, no gradients), warmed up at the timed batch size."""
    runtime = resolve_runtime(config)
    model = published_autoencoder().to(runtime.device, memory_format=runtime.memory_format).eval()
    batches = dataset.tensors[0].split(config.batch_size)
    with torch.inference_mode(), runtime.autocast():
        model.encode(batches[0].to(runtime.device, memory_format=runtime.memory_format))  # warm-up
        _synchronize(config.device)
        started = time.perf_counter()
        for batch in batches:
            model.encode(batch.to(runtime.device, non_blocking=True, memory_format=runtime.memory_format))
        _synchronize(config.device)
    return len(dataset) / (time.perf_counter() - started)


def _synchronize(device: str) -> None:
    if torch.device(device).type == "cuda":
        torch.cuda.synchronize()


def compare_with_bare_loop(config: TrainConfig, n_crops: int, repeats: int) -> float:
    """Print both rates and their ratio; return training images per second of xpcs_nb."""
    dataset = synthetic_crops(n_crops, seed=0)
    runtime = resolve_runtime(config)
    time_bare_loop(TensorDataset(dataset.tensors[0][: 2 * config.batch_size]), replace(config, epochs=1))  # warm-up
    seconds = {"xpcs_nb.train": 0.0, "bare loop": 0.0}
    for repeat in range(repeats):
        runs = [("xpcs_nb.train", time_xpcs_train), ("bare loop", time_bare_loop)]
        for name, run in runs if repeat % 2 == 0 else runs[::-1]:  # alternate to cancel drift
            seconds[name] += run(dataset, config)
    images = repeats * config.epochs * n_crops
    rates = {name: images / total for name, total in seconds.items()}
    precision = runtime.amp_dtype or "off (float32)"
    print(f"  {runtime.device}, autocast {precision}, channels_last={runtime.channels_last}, "
          f"{n_crops} crops x {config.epochs} epochs x {repeats} repeats, batch {config.batch_size}")
    for name, rate in rates.items():
        print(f"  {name:14s} {rate:9.1f} images/s  ({seconds[name]:.1f} s)")
    print(f"  ratio xpcs_nb / bare: {rates['xpcs_nb.train'] / rates['bare loop']:.3f} (goal >= 0.85)")
    print(f"  encode: {encode_rate(dataset, config):.1f} crops/s")
    return rates["xpcs_nb.train"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3, help="CPU modes: interleaved rounds")
    parser.add_argument("--steps", type=int, default=3, help="CPU modes: batches per mode and round")
    parser.add_argument("--warm-up", type=int, default=2, help="CPU modes: untimed batches per mode first")
    parser.add_argument("--crops", type=int, default=64, help="overhead comparison: crops per epoch on the CPU")
    parser.add_argument("--gpu-crops", type=int, default=2048, help="crops per epoch on a GPU")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--skip-cpu", action="store_true", help="only the GPU comparison")
    parser.add_argument("--modes-only", action="store_true", help="only the CPU modes (step 1)")
    parser.add_argument("--modes", nargs="+", choices=list(CPU_MODES), default=list(CPU_MODES),
                        help="CPU modes to compare (float32 is always measured: the ratios' reference)")
    args = parser.parse_args()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} CPU threads")

    shared = dict(epochs=args.epochs, batch_size=args.batch_size, lr=1e-3, progress=False)
    if not args.skip_cpu:
        compare_cpu_modes(args.batch_size, args.rounds, args.steps, args.warm_up, tuple(args.modes))
        if args.modes_only:
            return
        print("xpcs_nb.train against a bare loop, CPU, TrainConfig's default mode:")
        compare_with_bare_loop(TrainConfig(device="cpu", **shared), args.crops, args.repeats)

    if not torch.cuda.is_available():
        print("GPU: no GPU (CUDA not available); nothing measured")
        return
    print(f"GPU ({torch.cuda.get_device_name()}), TrainConfig's default mode, cudnn.benchmark="
          f"{torch.backends.cudnn.benchmark} as in the book's training:")
    rate = compare_with_bare_loop(TrainConfig(device="cuda", **shared), args.gpu_crops, args.repeats)
    hours = PAPER_CROPS * PAPER_EPOCHS / rate / 3600
    print(f"  paper scale ({PAPER_CROPS:,} crops x {PAPER_EPOCHS} epochs): {hours:.1f} h at this rate")


if __name__ == "__main__":
    main()
