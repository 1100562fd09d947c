"""Where and how the tensors run: device, autocast dtype and memory layout.

The decisions ``TrainConfig(amp="auto", channels_last=None)`` leaves to the machine:

* **CUDA**: bf16 autocast on compute capability 8.0 and later (Ampere, Hopper...),
  fp16 with a gradient scaler below (T4, V100). ``torch.cuda.is_bf16_supported()``
  is no guide: it says True on those older GPUs too, where bf16 is emulated and
  slower than fp16. Channels-last layout.
* **CPU**: bf16 autocast where the processor computes bf16 in hardware *and*
  PyTorch's kernels are allowed to use those instructions (see
  :func:`cpu_has_native_bf16`); float32 elsewhere, where bf16 would be emulated and
  slower than float32. Channels-last layout on every x86 CPU whose vector kernels
  are AVX2 or wider (:func:`cpu_prefers_channels_last`). The measurements behind both
  rules, on an AVX-512 BF16 CPU and on the same CPU held to AVX2, are in
  ``book/performance.md`` ("CPU modes on two kinds of CPU"); ``benchmarks/bench_train.py``
  repeats them on any machine.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import torch

from .config import TrainConfig

__all__ = ["Runtime", "resolve_runtime", "resolve_device", "cpu_has_native_bf16", "cpu_prefers_channels_last",
           "cuda_amp_dtype", "onednn_isa_cap"]

AMP_DTYPES = {"off": None, "bf16": torch.bfloat16, "fp16": torch.float16}
CPU_BF16_FLAGS = ("avx512_bf16", "amx_bf16")
# oneDNN's ISA names for ONEDNN_MAX_CPU_ISA and their bit masks (enum dnnl_cpu_isa_t): a
# mask holds the bits of every ISA it includes, so "ISA a allows b" is a & b == b.
ONEDNN_ISA_MASKS = {
    "SSE41": 0x1, "AVX": 0x3, "AVX2": 0x7, "AVX2_VNNI": 0xF, "AVX2_VNNI_2": 0x1F,
    "AVX512_CORE": 0x27, "AVX512_CORE_VNNI": 0x67, "AVX512_CORE_BF16": 0xE7,
    "AVX10_1_512": 0x1EF, "AVX512_CORE_FP16": 0x1EF, "AVX10_1_512_AMX": 0xFEF, "AVX512_CORE_AMX": 0xFEF,
    "AVX10_1_512_AMX_FP16": 0x1FEF, "AVX512_CORE_AMX_FP16": 0x1FEF,
}
ONEDNN_ISA_VARIABLES = ("ONEDNN_MAX_CPU_ISA", "DNNL_MAX_CPU_ISA")  # oneDNN reads the first one set
# ATen's vector kernels (torch.backends.cpu.get_cpu_capability(), capped by ATEN_CPU_CAPABILITY).
ATEN_WIDE_CAPABILITIES = ("AVX512", "AVX2")


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
        channels_last = device.type == "cuda" or (device.type == "cpu" and cpu_prefers_channels_last())
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
    """Whether training in bf16 runs on bf16 hardware here (x86 AVX-512 BF16 or AMX).

    Three conditions, all needed, and oneDNN's own check must agree:

    1. **The processor** has the instructions. torch's cpuinfo probes
       (``torch.cpu._is_avx512_bf16_supported``, ``_is_amx_tile_supported``, private
       but used by its compiler) read the CPUID bits on every OS; where they are
       missing, the Linux flags ``avx512_bf16`` / ``amx_bf16`` of ``/proc/cpuinfo``
       decide. Not ``torch.ops.mkldnn._is_mkldnn_bf16_supported()``: it is True on
       every AVX-512 CPU, where oneDNN emulates bf16 with float32 arithmetic.
    2. **oneDNN** (convolutions) may use them: ``ONEDNN_MAX_CPU_ISA`` (or
       ``DNNL_MAX_CPU_ISA``) unset, ``ALL``/``DEFAULT``, or ``AVX512_CORE_BF16`` and
       above (:func:`onednn_isa_cap`). Set to ``AVX2``, oneDNN emulates bf16.
    3. **ATen** (the other kernels) runs its AVX-512 code:
       ``torch.backends.cpu.get_cpu_capability()``, which follows
       ``ATEN_CPU_CAPABILITY``, is ``"AVX512"``.

    oneDNN's own check is ``torch.ops.mkldnn._is_mkldnn_bf16_supported()``: False
    once oneDNN is held below AVX-512, whatever the reason.

    The two variables are how one CPU stands in for an older one; a CPU without the
    instructions fails condition 1 whatever they say. ARM CPUs with bf16
    instructions get float32 here: not measured.

    >>> import os; saved = os.environ.get("ONEDNN_MAX_CPU_ISA")
    >>> os.environ["ONEDNN_MAX_CPU_ISA"] = "AVX2"; cpu_has_native_bf16()
    False
    >>> _ = os.environ.pop("ONEDNN_MAX_CPU_ISA") if saved is None else os.environ.update(ONEDNN_MAX_CPU_ISA=saved)
    """
    probes = [getattr(torch.cpu, name, None) for name in ("_is_avx512_bf16_supported", "_is_amx_tile_supported")]
    if all(callable(probe) for probe in probes):
        hardware = any(probe() for probe in probes)
    else:
        hardware = _cpuinfo_has_flags(CPU_BF16_FLAGS)
    onednn_allows = onednn_isa_cap() & ONEDNN_ISA_MASKS["AVX512_CORE_BF16"] == ONEDNN_ISA_MASKS["AVX512_CORE_BF16"]
    aten_allows = torch.backends.cpu.get_cpu_capability() == "AVX512"
    return hardware and onednn_allows and aten_allows and _onednn_has_bf16_kernels()


def _onednn_has_bf16_kernels() -> bool:
    """oneDNN's own answer (True from AVX-512 on, emulated or not); False where torch cannot say."""
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


def cpu_prefers_channels_last() -> bool:
    """Whether the CPU trains the published network faster in channels-last layout.

    True where ATen's vector kernels are AVX2 or AVX-512 (most x86 CPUs in use;
    ``ATEN_CPU_CAPABILITY=default`` turns them off) and oneDNN may use AVX2 or
    more: channels-last was the faster float32 layout on both kinds of CPU measured
    (``book/performance.md``). False on other CPUs (ARM among them): not measured.
    """
    if torch.backends.cpu.get_cpu_capability() not in ATEN_WIDE_CAPABILITIES:
        return False
    avx2 = ONEDNN_ISA_MASKS["AVX2"]
    return onednn_isa_cap() & avx2 == avx2


def onednn_isa_cap() -> int:
    """The most oneDNN may use, as its ISA bit mask (``ONEDNN_ISA_MASKS``); all bits when uncapped.

    From ``ONEDNN_MAX_CPU_ISA`` (else ``DNNL_MAX_CPU_ISA``): unset, empty, ``ALL``,
    ``DEFAULT`` or a name this table does not know (oneDNN then ignores the cap too)
    mean no cap. oneDNN reads the variable once, at its first use in the process, so
    set it before the process starts.

    >>> import os; saved = os.environ.get("ONEDNN_MAX_CPU_ISA")
    >>> os.environ["ONEDNN_MAX_CPU_ISA"] = "avx512_core_bf16"; hex(onednn_isa_cap())
    '0xe7'
    >>> os.environ["ONEDNN_MAX_CPU_ISA"] = "ALL"; onednn_isa_cap() == -1
    True
    >>> _ = os.environ.pop("ONEDNN_MAX_CPU_ISA") if saved is None else os.environ.update(ONEDNN_MAX_CPU_ISA=saved)
    """
    for variable in ONEDNN_ISA_VARIABLES:
        value = os.environ.get(variable, "").strip().upper()
        if value:
            return ONEDNN_ISA_MASKS.get(value, -1)
    return -1


def _cpuinfo_has_flags(flags: tuple[str, ...], path: str = "/proc/cpuinfo") -> bool:
    try:
        text = Path(path).read_text()
    except OSError:
        return False
    present = set(text.split())
    return any(flag in present for flag in flags)
