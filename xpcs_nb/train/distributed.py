"""Training on several processes: DistributedDataParallel, launched by ``torchrun``.

``torchrun --nproc_per_node N -m xpcs_nb.train ...`` starts N copies of the same
program and tells each its rank in environment variables; :func:`join_torchrun` reads
them and joins the process group (NCCL between GPUs, gloo between CPU processes).
From then on :func:`xpcs_nb.train.train` trains data-parallel by itself:

* the model is wrapped in ``DistributedDataParallel``: each rank computes gradients
  on its share of the batch, and the ranks average them before every optimiser step,
  so every rank takes the same step and keeps the same weights;
* ``TrainConfig.batch_size`` stays the *global* batch: each rank gets ``batch_size /
  N`` crops of it, drawn by a ``DistributedSampler`` (a permutation of the crops seeded
  by ``seed + epoch``, dealt out rank by rank; a few crops are repeated when N does
  not divide their number). Since the loss is a mean per crop, the average of the N
  ranks' gradients is the gradient of the mean over the global batch: the step one
  process would take on the same crops (up to float rounding);
* dropout masks come from a seed made of (seed, epoch, rank): independent between
  ranks, and a resumed run draws the same ones;
* losses are averaged over the ranks, so the history is the global one, the same
  on every rank; validation runs on every rank over the whole validation set;
* rank 0 alone writes ``last.pt`` and ``best.pt``, the same files as a single
  process writes: a run resumes on another number of processes (same global batch,
  same number of steps per epoch), or in a notebook.

Outside torchrun (no process group) nothing here changes training.

A rank that stops (stopped by a signal, a hung GPU, a node lost without its
process being killed) would leave the others waiting in a collective operation for
ever. :func:`join_torchrun` gives the group a timeout: every collective (the
gradient all-reduce, the loss sums, the barriers) that waits longer raises an error
on the ranks still running, they exit, and torchrun ends the job. The timeout is
:data:`DEFAULT_TIMEOUT_S` seconds unless ``timeout_s`` or the environment variable
``XPCS_DDP_TIMEOUT`` (seconds) says otherwise; it must exceed the longest time one
rank works alone while the others wait (rank 0 writing a checkpoint). On the CPU
(gloo) the barriers are monitored barriers, whose error names the ranks that did not
arrive.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from datetime import timedelta

import numpy as np
import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, Dataset, DistributedSampler

__all__ = ["World", "current_world", "join_torchrun", "leave", "local_batch_size", "sharded_loader",
           "start_epoch", "wrap", "sum_over_ranks", "mean_over_ranks", "barrier", "collective_timeout",
           "DEFAULT_TIMEOUT_S", "TIMEOUT_VARIABLE"]

DEFAULT_TIMEOUT_S = 300.0  # a collective waiting longer than this fails: a rank has stopped
TIMEOUT_VARIABLE = "XPCS_DDP_TIMEOUT"  # seconds, read when no timeout_s is passed
_timeout: timedelta | None = None  # the group's, set by join_torchrun


@dataclass(frozen=True)
class World:
    """This process's place among the training processes."""

    rank: int  # 0 .. size - 1, over all machines
    size: int  # number of processes
    local_rank: int  # on this machine: the GPU it drives

    @property
    def is_main(self) -> bool:
        """Rank 0 writes the files and shows the progress bars."""
        return self.rank == 0


def current_world() -> World | None:
    """The process group this process trains in; None outside torchrun.

    >>> current_world() is None  # a plain Python process
    True
    """
    if not (dist.is_available() and dist.is_initialized()):
        return None
    return World(dist.get_rank(), dist.get_world_size(), int(os.environ.get("LOCAL_RANK", dist.get_rank())))


def collective_timeout(timeout_s: float | None = None) -> float:
    """Seconds a collective operation may wait: ``timeout_s``, else ``$XPCS_DDP_TIMEOUT``, else 300.

    >>> collective_timeout(20)
    20.0
    >>> collective_timeout(0)
    Traceback (most recent call last):
    ...
    ValueError: timeout_s must be a positive number of seconds, got 0
    """
    where = "timeout_s"
    if timeout_s is None and os.environ.get(TIMEOUT_VARIABLE, "").strip():
        timeout_s, where = os.environ[TIMEOUT_VARIABLE].strip(), f"the environment variable {TIMEOUT_VARIABLE}"
    if timeout_s is None:
        return DEFAULT_TIMEOUT_S
    try:
        seconds = float(timeout_s)
    except (TypeError, ValueError):
        seconds = math.nan
    if isinstance(timeout_s, bool) or not (math.isfinite(seconds) and seconds > 0):
        raise ValueError(f"{where} must be a positive number of seconds, got {timeout_s!r}")
    return seconds


def join_torchrun(device: str = "auto", timeout_s: float | None = None) -> World:
    """Join the process group that ``torchrun`` described in the environment.

    The backend is NCCL when this process trains on a GPU (``device`` "auto" with
    CUDA available, or "cuda"), each process on the GPU of its ``LOCAL_RANK``, and
    gloo on the CPU. Collectives that wait longer than :func:`collective_timeout`
    (``timeout_s``, ``$XPCS_DDP_TIMEOUT`` or 300 s) fail instead of hanging.

    Raises
    ------
    RuntimeError
        Not started by torchrun (no ``RANK`` / ``WORLD_SIZE`` / ``LOCAL_RANK``), or
        more processes on this machine than GPUs.
    ValueError
        ``device`` names one GPU (``"cuda:1"``): each process takes its own.

    >>> join_torchrun("cpu")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    RuntimeError: not started by torchrun: RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR not set; ...
    """
    missing = [name for name in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR") if name not in os.environ]
    if missing:
        raise RuntimeError(f"not started by torchrun: {', '.join(missing)} not set; launch with "
                           "`torchrun --nproc_per_node N -m xpcs_nb.train ...`")
    if device.startswith("cuda:"):
        raise ValueError(f"device: under torchrun each process trains on the GPU of its LOCAL_RANK; pass 'cuda' "
                         f"or 'auto', got {device!r}")
    local_rank = int(os.environ["LOCAL_RANK"])
    on_gpu = device.startswith("cuda") or (device == "auto" and torch.cuda.is_available())
    if on_gpu:
        if local_rank >= torch.cuda.device_count():
            raise RuntimeError(f"LOCAL_RANK is {local_rank} but this machine has {torch.cuda.device_count()} "
                               "GPU(s); start at most that many processes per machine")
        torch.cuda.set_device(local_rank)  # "cuda" and "auto" now mean this process's GPU
    global _timeout
    _timeout = timedelta(seconds=collective_timeout(timeout_s))
    dist.init_process_group(backend="nccl" if on_gpu else "gloo", timeout=_timeout)
    return current_world()


def leave() -> None:
    """Leave the process group (at the end of the program)."""
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()


def local_batch_size(batch_size: int, world: World) -> int:
    """Each rank's share of the global batch.

    >>> local_batch_size(32, World(rank=0, size=4, local_rank=0))
    8
    >>> local_batch_size(30, World(rank=0, size=4, local_rank=0))
    Traceback (most recent call last):
    ...
    ValueError: batch_size (the global batch) must be divisible by the 4 processes, got 30
    """
    if batch_size % world.size:
        raise ValueError(f"batch_size (the global batch) must be divisible by the {world.size} processes, "
                         f"got {batch_size}")
    return batch_size // world.size


def sharded_loader(dataset: Dataset, batch_size: int, seed: int, world: World, num_workers: int = 0,
                   pin_memory: bool = False) -> DataLoader:
    """This rank's batches of ``batch_size / N`` crops, from a permutation shared by all ranks."""
    sampler = DistributedSampler(dataset, num_replicas=world.size, rank=world.rank, shuffle=True, seed=seed)
    return DataLoader(dataset, batch_size=local_batch_size(batch_size, world), sampler=sampler,
                      num_workers=num_workers, pin_memory=pin_memory)


def start_epoch(loader: DataLoader, seed: int, epoch: int, world: World) -> None:
    """Before epoch ``epoch`` (0-based): its permutation of the crops and this rank's dropout seed."""
    loader.sampler.set_epoch(epoch)
    torch.manual_seed(int(np.random.SeedSequence([seed, epoch, world.rank]).generate_state(1)[0]))


def wrap(model: nn.Module, device: torch.device) -> DistributedDataParallel:
    """``model`` in DistributedDataParallel (rank 0's weights are copied to every rank here)."""
    on_gpu = device.type == "cuda"
    return DistributedDataParallel(model, device_ids=[torch.cuda.current_device()] if on_gpu else None)


def sum_over_ranks(total: torch.Tensor, count: int) -> tuple[torch.Tensor, int]:
    """A summed loss and its number of crops, added up over all ranks (as they are without a group)."""
    if current_world() is None:
        return total, count
    both = torch.stack([total.double(), torch.tensor(float(count), dtype=torch.float64, device=total.device)])
    dist.all_reduce(both)
    return both[0], int(both[1].item())


def mean_over_ranks(values: torch.Tensor) -> torch.Tensor:
    """Element-wise mean of ``values`` over all ranks (as it is without a group)."""
    world = current_world()
    if world is None:
        return values
    values = values.clone()
    dist.all_reduce(values)
    return values / world.size


def barrier() -> None:
    """Wait for every rank (a no-op without a group); a monitored barrier on gloo.

    A monitored barrier fails after the group's timeout with an error naming the
    ranks that did not arrive (gloo only; NCCL's barrier times out through its
    watchdog).
    """
    if current_world() is None:
        return
    if dist.get_backend() == "gloo":
        # its own timeout, not the group's, unless given
        dist.monitored_barrier(timeout=_timeout or timedelta(seconds=collective_timeout()), wait_all_ranks=True)
    else:
        dist.barrier()
