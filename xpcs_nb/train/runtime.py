"""Where and how the tensors run: device, autocast dtype and memory layout.

The decisions ``TrainConfig(amp="auto", channels_last=None)`` leaves to the machine:

* **CUDA**: bf16 autocast on compute capability 8.0 and later (Ampere, Hopper...),
  fp16 with a gradient scaler below (T4, V100). ``torch.cuda.is_bf16_supported()``
  is no guide: it says True on those older GPUs too, where bf16 is emulated and
  slower than fp16. Channels-last layout.
* **CPU**: bf16 autocast and channels-last where the processor computes bf16 in
  hardware (see :func:`cpu_has_native_bf16`); float32 in the default layout
  elsewhere. On a 2-core AVX-512 BF16 CPU the published network trained at 11.8
  images/s in float32, 22.7 with channels-last, 20.6 with bf16, 33.3 with both
  (``benchmarks/bench_train.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch

from .config import TrainConfig

__all__ = ["Runtime", "resolve_runtime", "resolve_device", "cpu_has_native_bf16", "cuda_amp_dtype"]

AMP_DTYPES = {"off": None, "bf16": torch.bfloat16, "fp16": torch.float16}
CPU_BF16_FLAGS = ("avx512_bf16", "amx_bf16")


@dataclass
class Runtime:
    """Where and how the tensors run, resolved from a TrainConfig."""

    device: torch.device
    amp_dtype: torch.dtype | None
    channels_last: bool

    @property
    def memory_format(self) -> torch.memory_format:
        return torch.channels_last if self.channels_last else torch.contiguous_format

    def autocast(self) -> torch.autocast:
        return torch.autocast(self.device.type, dtype=self.amp_dtype, enabled=self.amp_dtype is not None)


def resolve_runtime(config: TrainConfig) -> Runtime:
    """Device, autocast dtype (None: float32) and layout for ``config``."""
    device = resolve_device(config.device)
    if config.amp != "auto":
        amp_dtype = AMP_DTYPES[config.amp]
    elif device.type == "cuda":
        amp_dtype = cuda_amp_dtype(device)
    else:
        amp_dtype = torch.bfloat16 if device.type == "cpu" and cpu_has_native_bf16() else None
    if config.channels_last is not None:
        channels_last = config.channels_last
    else:
        channels_last = device.type == "cuda" or (device.type == "cpu" and cpu_has_native_bf16())
    return Runtime(device, amp_dtype, channels_last)


def resolve_device(name: str) -> torch.device:
    """``"auto"``: CUDA when available, else the CPU; a named CUDA device must exist."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(name)
    except RuntimeError as error:
        raise ValueError(f"device must be 'auto', 'cpu', 'cuda' or 'cuda:N', got {name!r} ({error})") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device is {name!r} but CUDA is not available; use 'cpu' or 'auto'")
    return device


def cuda_amp_dtype(device: torch.device) -> torch.dtype:
    """bf16 on GPUs with bf16 tensor cores (compute capability >= 8.0), else fp16.

    Asks the device that trains, not the current one (``cuda:1`` may differ from
    ``cuda:0``).
    """
    major, _ = torch.cuda.get_device_capability(device)
    return torch.bfloat16 if major >= 8 else torch.float16


def cpu_has_native_bf16() -> bool:
    """Whether this CPU computes bf16 in hardware (x86 AVX-512 BF16 or AMX).

    Not ``torch.ops.mkldnn._is_mkldnn_bf16_supported()``: it is True on every
    AVX-512 CPU, where oneDNN emulates bf16 with float32 arithmetic (slower than
    float32 itself); nor ``torch.backends.cpu.get_cpu_capability()``, which says
    ``"AVX512"`` whether or not the BF16 extension is there. torch's own cpuinfo
    probes (``torch.cpu._is_avx512_bf16_supported``, ``_is_amx_tile_supported``,
    private but used by its compiler) read the CPUID bits on every OS; where they are
    missing, the Linux flags ``avx512_bf16`` / ``amx_bf16`` of ``/proc/cpuinfo``
    decide. ARM CPUs with bf16 instructions get float32 here: not measured.
    """
    probes = [getattr(torch.cpu, name, None) for name in ("_is_avx512_bf16_supported", "_is_amx_tile_supported")]
    if all(callable(probe) for probe in probes):
        return any(probe() for probe in probes)
    return _cpuinfo_has_flags(CPU_BF16_FLAGS)


def _cpuinfo_has_flags(flags: tuple[str, ...], path: str = "/proc/cpuinfo") -> bool:
    try:
        text = Path(path).read_text()
    except OSError:
        return False
    present = set(text.split())
    return any(flag in present for flag in flags)
