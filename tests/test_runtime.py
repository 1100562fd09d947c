"""How ``TrainConfig``'s "auto" settings follow the CPU, and the variables that hold a CPU back.

``ONEDNN_MAX_CPU_ISA=AVX2`` and ``ATEN_CPU_CAPABILITY=avx2`` make an AVX-512 BF16 CPU
behave like an AVX2 laptop; bf16 is then emulated (slower than float32), so the
automatic choice must be float32 there.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from xpcs_nb.train import TrainConfig
from xpcs_nb.train import runtime

ROOT = Path(__file__).resolve().parents[1]
ISA_VARIABLES = ("ONEDNN_MAX_CPU_ISA", "DNNL_MAX_CPU_ISA")


@pytest.fixture
def bf16_cpu(monkeypatch):
    """A CPU with AVX-512 BF16 as torch sees it, with no cap set; tests then add one."""
    for variable in ISA_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda: True, raising=False)
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: False, raising=False)
    monkeypatch.setattr(torch.backends.cpu, "get_cpu_capability", lambda: "AVX512")
    monkeypatch.setattr(runtime, "_onednn_has_bf16_kernels", lambda: True)
    return monkeypatch


@pytest.mark.parametrize("cap, native", [
    (None, True), ("ALL", True), ("DEFAULT", True), ("AVX512_CORE_BF16", True), ("avx512_core_amx", True),
    ("AVX10_1_512", True), ("AVX512_CORE_VNNI", False), ("AVX512_CORE", False), ("AVX2", False),
    ("AVX2_VNNI_2", False), ("SSE41", False)])
def test_onednn_cap_decides_native_bf16(bf16_cpu, cap, native):
    if cap is not None:
        bf16_cpu.setenv("ONEDNN_MAX_CPU_ISA", cap)
    assert runtime.cpu_has_native_bf16() is native
    chosen = runtime.resolve_runtime(TrainConfig(device="cpu"))
    assert chosen.amp_dtype == (torch.bfloat16 if native else None)


def test_the_older_variable_name_counts_and_the_newer_wins(bf16_cpu):
    bf16_cpu.setenv("DNNL_MAX_CPU_ISA", "AVX2")
    assert not runtime.cpu_has_native_bf16()
    bf16_cpu.setenv("ONEDNN_MAX_CPU_ISA", "AVX512_CORE_AMX")
    assert runtime.cpu_has_native_bf16()


def test_an_unknown_cap_is_ignored_as_onednn_ignores_it(bf16_cpu):
    bf16_cpu.setenv("ONEDNN_MAX_CPU_ISA", "AVX99_FUTURE")
    assert runtime.onednn_isa_cap() == -1 and runtime.cpu_has_native_bf16()


@pytest.mark.parametrize("capability", ["AVX2", "DEFAULT", "ZVECTOR"])
def test_aten_below_avx512_means_no_bf16(bf16_cpu, capability):
    bf16_cpu.setattr(torch.backends.cpu, "get_cpu_capability", lambda: capability)
    assert not runtime.cpu_has_native_bf16()


def test_onednn_saying_no_bf16_kernels_means_no_bf16(bf16_cpu):
    bf16_cpu.setattr(runtime, "_onednn_has_bf16_kernels", lambda: False)
    assert not runtime.cpu_has_native_bf16()


def test_no_bf16_instructions_means_no_bf16_whatever_the_variables(bf16_cpu):
    bf16_cpu.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda: False, raising=False)
    bf16_cpu.setenv("ONEDNN_MAX_CPU_ISA", "ALL")
    assert not runtime.cpu_has_native_bf16()
    bf16_cpu.setattr(torch.cpu, "_is_amx_tile_supported", lambda: True, raising=False)
    assert runtime.cpu_has_native_bf16()


def test_native_bf16_read_from_cpu_flags_when_torch_cannot_say(bf16_cpu, tmp_path):
    bf16_cpu.delattr(torch.cpu, "_is_avx512_bf16_supported", raising=False)
    bf16_cpu.setattr(runtime, "_cpuinfo_has_flags", lambda flags: False)
    assert not runtime.cpu_has_native_bf16()
    bf16_cpu.setattr(runtime, "_cpuinfo_has_flags", lambda flags: "avx512_bf16" in flags)
    assert runtime.cpu_has_native_bf16()


@pytest.mark.parametrize("capability, cap, channels_last", [
    ("AVX512", None, True), ("AVX2", "AVX2", True), ("AVX2", None, True), ("DEFAULT", None, False),
    ("AVX512", "SSE41", False), ("AVX", None, False)])
def test_channels_last_on_avx2_and_wider(monkeypatch, capability, cap, channels_last):
    for variable in ISA_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    if cap is not None:
        monkeypatch.setenv("ONEDNN_MAX_CPU_ISA", cap)
    monkeypatch.setattr(torch.backends.cpu, "get_cpu_capability", lambda: capability)
    assert runtime.cpu_prefers_channels_last() is channels_last
    assert runtime.resolve_runtime(TrainConfig(device="cpu")).channels_last is channels_last
    assert runtime.resolve_runtime(TrainConfig(device="cpu", channels_last=not channels_last)).channels_last \
        is (not channels_last)


def resolved_in_a_fresh_process(**variables: str) -> list[str]:
    """amp dtype, channels_last, ATen capability and oneDNN's bf16 answer, in a new process."""
    code = ("import torch; from xpcs_nb.train import TrainConfig; from xpcs_nb.train.runtime import resolve_runtime;"
            "r = resolve_runtime(TrainConfig(device='cpu'));"
            "print(r.amp_dtype, r.channels_last, torch.backends.cpu.get_cpu_capability(),"
            " torch.ops.mkldnn._is_mkldnn_bf16_supported())")
    env = {name: value for name, value in os.environ.items() if name not in ISA_VARIABLES + ("ATEN_CPU_CAPABILITY",)}
    env.update(variables, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])))
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


@pytest.mark.skipif(not torch.backends.cpu.get_cpu_capability().startswith("AVX"), reason="an x86 CPU with AVX2")
def test_an_avx2_emulation_trains_in_float32_channels_last():
    dtype, channels_last, capability, onednn_bf16 = resolved_in_a_fresh_process(
        ONEDNN_MAX_CPU_ISA="AVX2", ATEN_CPU_CAPABILITY="avx2")
    assert (dtype, channels_last, capability) == ("None", "True", "AVX2")
    assert onednn_bf16 == "False"  # oneDNN itself saw the cap: the variable did take effect
