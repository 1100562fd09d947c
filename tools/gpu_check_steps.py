"""The steps of ``tasks.py gpu-check`` (see :mod:`tools.gpu_check`), each run in a child process.

Every ``step_<name>(spec, save)`` measures one thing and calls ``save(**data)`` as soon
as it has a number, so a step stopped at its limit still leaves what it measured.
``spec`` holds ``preset``, ``smoke``, ``out`` (the output folder) and step options.
"""

from __future__ import annotations

import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAPER_IMAGES = 400_000 * 50  # the paper's training: 400,000 augmented crops x 50 epochs
BENCH_BATCHES = (32, 128)  # besides the preset's own batch size
# What the chapters import besides torch (module names); a bare GPU machine may lack some.
CHAPTER_MODULES = ("papermill", "jupytext", "nbformat", "ipykernel", "myst_nb", "h5py", "sklearn", "umap", "pooch",
                   "matplotlib", "pandas", "scipy", "ipywidgets")


class Skip(Exception):
    """The step does not apply (the message says why)."""


def device_name() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def synchronize(device: str) -> None:
    import torch

    if device == "cuda":
        torch.cuda.synchronize()


# --- 1. environment ----------------------------------------------------------------------

def step_environment(spec: dict, save) -> None:
    """torch and CUDA versions, the GPU, the precision and layout ``xpcs_nb.train`` picks, cuDNN."""
    import importlib.util
    import os
    import platform

    import torch

    from xpcs_nb.train import TrainConfig
    from xpcs_nb.train.runtime import resolve_runtime

    save(python=platform.python_version(), torch=torch.__version__, cuda_build=torch.version.cuda,
         cuda_available=torch.cuda.is_available(), cpu_count=os.cpu_count(), torch_threads=torch.get_num_threads(),
         paper_data=os.environ.get("XPCS_PAPER_DATA") or "not set: the chapters would download the paper's files",
         python_executable=sys.executable,
         missing_modules=[name for name in CHAPTER_MODULES if importlib.util.find_spec(name) is None] or "none")
    if torch.cuda.is_available():
        properties = torch.cuda.get_device_properties(0)
        capability = ".".join(map(str, torch.cuda.get_device_capability(0)))
        save(gpu=torch.cuda.get_device_name(0), compute_capability=capability,
             gpu_memory_gib=round(properties.total_memory / 2**30, 1), gpu_count=torch.cuda.device_count(),
             cudnn_version=torch.backends.cudnn.version())
    runtime = resolve_runtime(TrainConfig(device=device_name()))
    save(train_device=str(runtime.device), amp_dtype=str(runtime.amp_dtype or "off (float32)"),
         channels_last=runtime.channels_last, cudnn_enabled=torch.backends.cudnn.enabled,
         cudnn_benchmark=torch.backends.cudnn.benchmark, cudnn_deterministic=torch.backends.cudnn.deterministic,
         tf32_matmul=torch.backends.cuda.matmul.allow_tf32, tf32_cudnn=torch.backends.cudnn.allow_tf32)


# --- 2. training throughput -----------------------------------------------------------------

def step_training(spec: dict, save) -> None:
    """``xpcs_nb.train`` and the bare loop (``benchmarks/bench_train.py``), images/s per batch size."""
    from dataclasses import replace

    from torch.utils.data import TensorDataset

    from xpcs_nb.presets import get_preset
    from xpcs_nb.train import TrainConfig
    from xpcs_nb.train.runtime import resolve_runtime

    sys.path.insert(0, str(ROOT / "benchmarks"))
    import bench_train

    device, smoke = device_name(), spec["smoke"]
    preset_batch = get_preset(spec["preset"]).batch_size
    batches = (2,) if smoke else tuple(sorted({*BENCH_BATCHES, preset_batch}))
    n_crops = 4 if smoke else (2048 if device == "cuda" else 64)
    epochs, repeats = (1, 1) if smoke else (2, 2)
    config = TrainConfig(device=device, epochs=epochs, lr=1e-3, progress=False)
    runtime = resolve_runtime(config)
    save(device=device, amp_dtype=str(runtime.amp_dtype or "off (float32)"), channels_last=runtime.channels_last,
         crops=n_crops, epochs=epochs, repeats=repeats, source="benchmarks/bench_train.py", rows=[])
    dataset = bench_train.synthetic_crops(n_crops, seed=0)
    rows = []
    for batch in batches:
        batch_config = replace(config, batch_size=batch)
        warm = TensorDataset(dataset.tensors[0][: 2 * batch])
        bench_train.time_bare_loop(warm, replace(batch_config, epochs=1))  # warm-up: cuDNN, allocator
        seconds = {"xpcs_nb.train": 0.0, "bare loop": 0.0}
        for repeat in range(repeats):
            runs = [("xpcs_nb.train", bench_train.time_xpcs_train), ("bare loop", bench_train.time_bare_loop)]
            for name, timed in runs if repeat % 2 == 0 else runs[::-1]:
                seconds[name] += timed(dataset, batch_config)
        images = repeats * epochs * n_crops
        row = {"batch": batch, "xpcs_nb_train": images / seconds["xpcs_nb.train"],
               "bare_loop": images / seconds["bare loop"]}
        row["ratio"] = row["xpcs_nb_train"] / row["bare_loop"]
        rows.append(row)
        save(rows=rows)
        if batch == preset_batch or (smoke and batch == batches[0]):
            save(images_per_s_preset_batch=row["xpcs_nb_train"], preset_batch=preset_batch)
    paper_row = next((row for row in rows if row["batch"] == 32), rows[0])  # the paper's batch size: 32
    save(paper_images=PAPER_IMAGES, paper_batch=paper_row["batch"],
         paper_hours=PAPER_IMAGES / paper_row["xpcs_nb_train"] / 3600,
         encode_crops_per_s=bench_train.encode_rate(dataset, replace(config, batch_size=preset_batch)))


# --- 3. correlation on the GPU ----------------------------------------------------------------

def step_correlation(spec: dict, save) -> None:
    """``two_time`` with ``device="cuda"`` (torch GEMM) against the CPU's BLAS SYRK, one size."""
    import numpy as np
    import torch

    from xpcs_nb.correlation import two_time

    device = device_name()
    n_frames, side = (200, 32) if spec["smoke"] else ((4000, 256) if device == "cuda" else (1000, 64))
    generator = torch.Generator(device).manual_seed(0)
    rates = torch.full((n_frames, side, side), 2.0, device=device)
    frames = torch.poisson(rates, generator=generator).to(torch.int32).cpu().numpy().astype(np.uint16)
    labels = np.ones((side, side), dtype=bool)
    save(frames=n_frames, pixels=side * side, form="ratio", dtype="float32", device=device,
         data="Poisson counts, 2 photons per pixel per frame, one ROI of all pixels")
    two_time(frames[:50], labels, device=device)  # warm-up: CUDA context, cuBLAS
    seconds = {}
    for name, where in (("cpu_blas", None), ("torch", device), ("cpu_blas", None), ("torch", device)):
        synchronize(device)
        started = time.perf_counter()
        c2 = two_time(frames, labels, device=where)
        synchronize(device)
        seconds[name] = min(seconds.get(name, float("inf")), time.perf_counter() - started)
        if name == "cpu_blas":
            reference = c2
        else:
            save(max_abs_difference=float(np.nanmax(np.abs(c2 - reference))))
        save(seconds_best_of_2=dict(seconds))
    save(speedup_torch_over_cpu=seconds["cpu_blas"] / seconds["torch"])


# --- 4. chapters --------------------------------------------------------------------------

def step_chapter(spec: dict, save) -> None:
    """Execute one chapter with papermill at the preset into ``<out>/executed``; its wall time."""
    import nbformat

    from tools.book import chapter_sources, execute_chapter
    from tools.gpu_check import SMOKE_NOTEBOOK

    out = Path(spec["out"]) / "executed"
    if spec["smoke"]:
        source = Path(tempfile.mkdtemp(prefix="gpu-check-smoke-")) / "00_smoke.py"
        source.write_text(SMOKE_NOTEBOOK)
    else:
        source = next(path for path in chapter_sources() if path.name.startswith(spec["chapter"] + "_"))
    save(source=str(source.relative_to(ROOT) if source.is_relative_to(ROOT) else source.name), preset=spec["preset"])
    started = time.perf_counter()
    try:
        executed = execute_chapter(source, spec["preset"], out_dir=out, timeout=3600)
    finally:
        save(wall_s=time.perf_counter() - started)
        if spec["smoke"]:
            shutil.rmtree(source.parent, ignore_errors=True)
    notebook = nbformat.read(executed, as_version=4)
    save(executed=str(executed), papermill_s=notebook.metadata.get("papermill", {}).get("duration"),
         device_printed=printed_device(notebook), glued=sorted(glued_values(notebook)))


def printed_device(notebook) -> str:
    """The device the chapter says it runs on ("... on cuda"), or "not printed"."""
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            match = re.search(r"\bon (cuda|cpu)\b", output.get("text", ""))
            if match:
                return match.group(1)
    return "not printed"


def glued_values(notebook) -> dict[str, dict]:
    """``{name: mime bundle}`` of every value the notebook glued (myst-nb ``glue``)."""
    values = {}
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            scrapbook = output.get("metadata", {}).get("scrapbook")
            if not scrapbook:
                continue
            prefix = scrapbook.get("mime_prefix", "")
            values[scrapbook["name"]] = {key[len(prefix):]: value for key, value in output.get("data", {}).items()}
    return values


def glued_table(values: dict[str, dict]) -> tuple[str, str] | None:
    """The first glued table, as (name, markdown or text), preferring names with "eval" or "table"."""
    names = sorted(values, key=lambda name: not re.search("eval|table|method", name))
    for name in names:
        bundle = values[name]
        if "|" in bundle.get("text/markdown", ""):
            return name, bundle["text/markdown"]
        if "<table" in bundle.get("text/html", ""):
            return name, html_table_markdown(bundle["text/html"]) or "```\n" + bundle.get("text/plain", "") + "\n```"
    return None


def displayed_table(notebook, marker: str = "wide_table(") -> str | None:
    """The table a code cell calling ``marker`` displayed (its last expression), as markdown or text."""
    for cell in notebook.cells:
        if cell.cell_type != "code" or marker not in cell.source:
            continue
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if "<table" in data.get("text/html", ""):
                return html_table_markdown(data["text/html"]) or "```\n" + data.get("text/plain", "") + "\n```"
    return None


def html_table_markdown(html: str) -> str | None:
    """A glued DataFrame's HTML as a markdown table (None when pandas cannot read it)."""
    import io

    import pandas as pd

    try:
        frame = pd.read_html(io.StringIO(html))[0]
    except Exception:  # no HTML parser installed, or not a table pandas reads
        return None
    return markdown_frame(frame)


def markdown_frame(frame) -> str:
    """A DataFrame (its index as the first column, column levels joined) as a markdown table."""
    def label(column) -> str:
        return " ".join(str(part) for part in column) if isinstance(column, tuple) else str(column)

    header = [label(frame.index.name or "")] + [label(column) for column in frame.columns]
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    for index, row in frame.iterrows():
        lines.append("| " + " | ".join([label(index)] + [str(value) for value in row]) + " |")
    return "\n".join(lines)


# --- 5. evaluation ----------------------------------------------------------------------------

def step_evaluation(spec: dict, save) -> None:
    """Chapter 4's glued evaluation table, else ``compare_methods`` with the trained model."""
    import nbformat

    executed = Path(spec["executed_ch4"]) if spec["executed_ch4"] else None
    if executed is None:
        save(note="chapter 4 did not run to its end; computed here")
    elif executed.exists():
        notebook = nbformat.read(executed, as_version=4)
        found = glued_table(glued_values(notebook))
        if found:
            save(source=f"glued by {executed.name} as {found[0]!r}", table_markdown=found[1])
            return
        shown = displayed_table(notebook)
        if shown:
            save(source=f"{executed.name}, the table its wide_table cell displayed", table_markdown=shown)
            return
        save(note=f"{executed.name} glued and displayed no table; computed here")
    if spec["smoke"]:
        data, model, photons = smoke_evaluation_inputs()
    else:
        data, model, photons = preset_evaluation_inputs(spec["preset"])
    save(photons_per_pixel=photons, diagonal=data.diagonal, crops=len(data.labels))
    from xpcs_nb import evaluation

    options = dict(untrained_seeds=[0], kmeans_seeds=[0], k=1, n_init=1) if spec["smoke"] else \
        dict(untrained_seeds=(0, 1, 2), kmeans_seeds=range(3))
    started = time.perf_counter()
    table = evaluation.compare_methods(data, model, **options)
    save(source="xpcs_nb.evaluation.compare_methods" + (" (smoke: tiny set, tiny net)" if spec["smoke"] else ""),
         seconds=time.perf_counter() - started, table_markdown=markdown_frame(evaluation.wide_table(table)),
         options={key: list(value) if isinstance(value, range) else value for key, value in options.items()})


def preset_evaluation_inputs(preset: str):
    """The preset's evaluation set (10 photons per pixel, diagonal replaced) and chapter 3's model."""
    from xpcs_nb import evaluation
    from xpcs_nb.pipeline import checkpoint_dir, trained_autoencoder

    if not (checkpoint_dir(preset, 0) / "best.pt").exists():
        raise Skip(f"no trained model at preset {preset!r} (chapter 3 did not finish), nothing to evaluate")
    model, _ = trained_autoencoder(preset, 0, device=device_name(), progress=False)  # loaded, not retrained
    model.to(device_name())  # encoding follows the model's device
    return evaluation.evaluation_set(preset, 10.0, diagonal="neighbours"), model, 10.0


def smoke_evaluation_inputs():
    """A tiny evaluation set (7 x 2 C2 of 64 frames) and a tiny untrained network, for ``--smoke``."""
    import torch

    from xpcs_nb.evaluation import load_evaluation_set
    from xpcs_nb.library import LibrarySpec
    from xpcs_nb.model import Autoencoder

    spec = LibrarySpec(n_per_class=2, n_frames=64, crop_size=64, crops_per_c2=1, method="analytic",
                       photons_per_pixel=10.0)
    with tempfile.TemporaryDirectory() as folder:
        data = load_evaluation_set(spec, folder, diagonal="neighbours")
    torch.manual_seed(0)
    model = Autoencoder(latent_size=8, encoder_channels=(4, 4, 4), decoder_channels=(4, 4, 4), pool=2, image_size=64)
    return data, model, 10.0
