"""``python3 tasks.py gpu-check``: one prepared command that measures the book on one GPU.

Steps, in the order they run, each in its own process with its own time limit cut
from ``--budget-s`` (the command's whole deadline), so a hung or slow step is
stopped and the next one still runs:

1. ``environment``: torch, CUDA, the GPU, the autocast dtype and layout
   ``xpcs_nb.train`` would choose (:func:`xpcs_nb.train.runtime.resolve_runtime`),
   cuDNN settings, where the published paper files are read from.
2. ``training``: ``benchmarks/bench_train.py``'s GPU measurement (its functions,
   imported): ``xpcs_nb.train`` and a bare loop, images/s per batch size, and the
   implied time of the paper's training (400,000 crops x 50 epochs).
3. ``correlation``: :func:`xpcs_nb.correlation.two_time` on the GPU (torch GEMM)
   against the CPU (BLAS SYRK), one size, time ratio and agreement.
4. ``chapters``: chapters 3 to 7 (those that use the model) executed with papermill
   (``tools/book/build.py``'s ``execute_chapter``) into ``<out>/executed/``. The
   preset runs only if its estimate (library, training at step 2's rate, a fixed
   allowance per chapter) fits what is left; otherwise ``fast``, and the summary
   says why.
5. ``evaluation``: the evaluation table of chapter 4 if it glued one, else
   :func:`xpcs_nb.evaluation.compare_methods` with the trained model.

Steps 3 before 4: the cheap measurement is taken before the long one can be cut
off. After every step ``<out>/results.json`` and ``<out>/summary.md`` are rewritten,
so a run killed from outside still leaves what it measured. ``--smoke`` shrinks
every step (tiny sizes, a two-cell notebook instead of the chapters) for a CPU test.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STEPS = ("environment", "training", "correlation", "chapters", "evaluation")
MODEL_CHAPTERS = ("03", "04", "05", "06", "07")  # the chapters that train or load the autoencoder
PAPER_IMAGES = 400_000 * 50  # the paper's training: 400,000 augmented crops x 50 epochs
# Shares of the budget each step may use; "chapters" gets what the others leave.
SHARES = {"environment": 0.06, "training": 0.15, "correlation": 0.08, "evaluation": 0.15}
MARGIN_S = 5.0  # kept back from the deadline for writing the files
# Chapter estimates (seconds). Library builds as measured on 2 CPU cores (book/performance.md);
# the data loader's rate from benchmarks/bench_dataset.py (DataLoader, no workers); the
# allowance per chapter for everything but library and training (kernel start, figures,
# k-means, UMAP, the rheo-XPCS run) is a guess from the fast preset's CPU times.
LIBRARY_S = {"fast": 6.0, "class": 106.0, "class_cpu": 106.0, "paper": 106.0 * (286 / 40) * (5000 / 2048) ** 2}
LOADER_IMAGES_PER_S = 12_000.0
CHAPTER_ALLOWANCE_S = {"fast": 45.0, "class": 90.0, "class_cpu": 90.0, "paper": 300.0}
SMOKE_NOTEBOOK = '''# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% tags=["parameters"]
PRESET = "class"

# %%
import torch
from myst_nb import glue

DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
print(f"preset {PRESET!r} on {DEVICE}")
glue("smoke_device", DEVICE, display=False)
'''


# --- the parent: options, limits, files -------------------------------------------------

def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The options of ``tasks.py gpu-check``, for ``python -m tools.gpu_check`` (the same parser)."""
    sys.path.insert(0, str(ROOT))
    import tasks

    parser = argparse.ArgumentParser(prog="python -m tools.gpu_check", description=__doc__.split("\n\n")[0])
    tasks.add_gpu_check_arguments(parser)
    return parser.parse_args(argv)


def run(args: argparse.Namespace) -> int:
    """Run every step within the budget; 2 without CUDA unless ``--allow-cpu``; 1 if a step failed."""
    import torch

    if not torch.cuda.is_available() and not args.allow_cpu:
        print(f"error: CUDA is not available (torch {torch.__version__} in {sys.prefix}), so there is no GPU to "
              "check. Run this on a machine with an NVIDIA GPU, with a Python whose torch is a CUDA build (tasks.py "
              "then runs there, not in .venv, which pins the CPU build); or pass --allow-cpu for a smoke run on the "
              "CPU (e.g. --allow-cpu --preset fast --smoke).", file=sys.stderr)
        return 2
    use_paper_data_beside_checkout()
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))  # kernels too
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(out / "executed", ignore_errors=True)  # no notebook of an earlier run is read as this one's
    budget = Budget(args.budget_s)
    options = sys.argv[sys.argv.index("gpu-check") + 1:] if "gpu-check" in sys.argv else sys.argv[1:]
    results = {"command": "python3 tasks.py gpu-check " + " ".join(options),
               "started_utc": utc_now(), "preset": args.preset, "budget_s": args.budget_s,
               "smoke": bool(args.smoke), "device": "cuda" if torch.cuda.is_available() else "cpu", "steps": []}
    base = {"preset": args.preset, "smoke": bool(args.smoke), "out": str(out)}
    with tempfile.TemporaryDirectory(prefix="gpu-check-") as work:
        for name in ("environment", "training", "correlation"):
            record(results, out, run_child({**base, "step": name}, budget.limit(name), Path(work)))
        training = step_data(results, "training")
        chosen = choose_preset(args.preset, training.get("images_per_s_preset_batch"),
                               budget.limit("chapters"), smoke=bool(args.smoke))
        chapters = run_chapters({**base, "preset": chosen["chosen"]}, chosen, budget, Path(work))
        record(results, out, chapters)
        number = "00" if args.smoke else "04"
        ch4_ok = any(run["chapter"] == number and run["status"] == "ok" for run in chapters["data"]["chapters"])
        spec = {**base, "step": "evaluation", "preset": chosen["chosen"],
                "executed_ch4": str(out / "executed" / chapter_file(number)) if ch4_ok else ""}
        record(results, out, run_child(spec, budget.limit("evaluation"), Path(work)))
    results["finished_utc"] = utc_now()
    write_files(results, out)
    print((out / "summary.md").read_text())
    print(f"written: {out / 'results.json'}, {out / 'summary.md'}")
    return 0 if all(step["status"] in ("ok", "skipped") for step in results["steps"]) else 1


def use_paper_data_beside_checkout() -> None:
    """Point ``XPCS_PAPER_DATA`` at ``shared/paper_data`` (in or beside the checkout) when unset.

    The GPU machine has no network, so the chapters cannot download the paper's files.
    """
    if os.environ.get("XPCS_PAPER_DATA"):
        return
    for folder in (ROOT / "shared" / "paper_data", ROOT.parent / "shared" / "paper_data"):
        if folder.is_dir():
            os.environ["XPCS_PAPER_DATA"] = str(folder)
            return


def utc_now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


class Budget:
    """The command's deadline, and the share of it each step may use."""

    def __init__(self, total_s: float) -> None:
        self.total_s = float(total_s)
        self.deadline = time.monotonic() + self.total_s

    def left(self) -> float:
        """Seconds to the deadline, less the margin kept for writing the files."""
        return self.deadline - time.monotonic() - MARGIN_S

    def limit(self, name: str) -> float:
        """Seconds step ``name`` may take: its share, less what the later steps keep back.

        ``chapters`` has no share of its own: it gets all that the later steps leave.
        """
        later = STEPS[STEPS.index(name) + 1:]
        free = self.left() - sum(SHARES.get(step, 0.0) for step in later) * self.total_s
        if name == "chapters":
            return max(0.0, free)
        return max(0.0, min(SHARES[name] * self.total_s, free))


def step_data(results: dict, name: str) -> dict:
    """The ``data`` of step ``name`` in ``results`` ({} when it is missing)."""
    return next((step.get("data", {}) for step in results["steps"] if step["name"] == name), {})


def record(results: dict, out: Path, step: dict) -> None:
    """Append one step's result and rewrite results.json and summary.md."""
    results["steps"].append(step)
    write_files(results, out)
    print(f"[gpu-check] {step['name']}: {step['status']} in {step['seconds']:.1f} s (limit {step['limit_s']:.0f} s)"
          + (f" -- {step['reason']}" if step.get("reason") else ""), flush=True)


def write_files(results: dict, out: Path) -> None:
    """results.json and summary.md, each written whole (temporary file, then rename)."""
    from tools.gpu_check_summary import summary_markdown

    for name, text in (("results.json", json.dumps(results, indent=2, default=str)),
                       ("summary.md", summary_markdown(results))):
        temporary = out / f".{name}.tmp"
        temporary.write_text(text)
        temporary.replace(out / name)


# --- running a step in a child process, with a time limit --------------------------------

def run_child(spec: dict, limit: float, work: Path) -> dict:
    """Run one step as ``python -m tools.gpu_check --child SPEC``; stop it at ``limit`` seconds.

    Returns ``{name, status, seconds, limit_s, data, reason?, log_tail?}``; ``status`` is
    ok, failed, timeout or skipped. What the child recorded before it was stopped is kept.
    """
    name = spec.get("label", spec["step"])
    step = {"name": name, "status": "skipped", "seconds": 0.0, "limit_s": round(limit, 1), "data": {}}
    if limit < 1.0:
        return {**step, "reason": "no time left in the budget"}
    result_file, log_file = work / f"{name}.json", work / f"{name}.log"
    command = [sys.executable, "-m", "tools.gpu_check", "--child", json.dumps({**spec, "result": str(result_file)})]
    started = time.monotonic()
    with open(log_file, "w") as log:
        child = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            code = child.wait(timeout=limit)
        except subprocess.TimeoutExpired:
            stop(child)
            code = None
    step["seconds"] = round(time.monotonic() - started, 2)
    child_result = json.loads(result_file.read_text()) if result_file.exists() else {}
    step["data"] = child_result.get("data", {})
    if child_result.get("skipped"):
        step.update(status="skipped", reason=child_result["skipped"])
    elif code is None:
        step.update(status="timeout", reason=f"stopped at its limit of {limit:.0f} s")
    elif code == 0:
        step["status"] = "ok"
    else:
        step.update(status="failed", reason=child_result.get("error") or f"exit status {code}")
    if step["status"] in ("failed", "timeout"):
        step["log_tail"] = log_file.read_text(errors="replace")[-3000:]
    return step


def stop(child: subprocess.Popen) -> None:
    """SIGTERM the child's process group (the child shuts a notebook kernel down), then SIGKILL."""
    for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
        try:
            os.killpg(child.pid, sig)
            child.wait(timeout=wait)
            return
        except (ProcessLookupError, subprocess.TimeoutExpired):
            continue


def chapter_file(number: str) -> str:
    """File name of an executed chapter in ``<out>/executed`` ("00": the smoke notebook)."""
    if number == "00":
        return "00_smoke.ipynb"
    return next(ROOT.glob(f"notebooks/{number}_*.py")).with_suffix(".ipynb").name


def run_chapters(spec: dict, choice: dict, budget: Budget, work: Path) -> dict:
    """Execute the model chapters one by one (the smoke notebook with ``--smoke``); one step."""
    started = time.monotonic()
    numbers = ("00",) if spec["smoke"] else MODEL_CHAPTERS
    chapters, status, reason = [], "ok", None
    for number in numbers:
        limit = budget.limit("chapters")
        if status != "ok":
            chapters.append({"chapter": number, "status": "skipped", "reason": f"an earlier chapter {status}"})
            continue
        child = run_child({**spec, "step": "chapter", "label": f"chapter-{number}", "chapter": number}, limit, work)
        chapters.append({"chapter": number, **child})
        if child["status"] != "ok":
            status, reason = child["status"], f"chapter {number}: {child.get('reason')}"
    limit = round(time.monotonic() - started + budget.left(), 1)
    data = {"preset_choice": choice, "chapters": chapters}
    step = {"name": "chapters", "status": status, "seconds": round(time.monotonic() - started, 2),
            "limit_s": limit, "data": data}
    return {**step, "reason": reason} if reason else step


# Smaller presets tried, in order, when the requested one does not fit; 'fast' always comes last.
SMALLER = {"paper": ("class", "class_cpu"), "class": ("class_cpu",)}


def choose_preset(requested: str, rate: float | None, available_s: float, smoke: bool = False) -> dict:
    """Run the chapters at ``requested`` if its estimate fits ``available_s``, else at the
    largest smaller preset that fits (``SMALLER``), else at ``fast``."""
    if smoke:
        return {"requested": requested, "chosen": requested, "why": "--smoke: a two-cell notebook, no chapter"}
    estimate = estimate_chapters_s(requested, rate)
    choice = {"requested": requested, "estimate_s": estimate, "available_s": round(available_s, 1)}
    if fits(estimate, available_s):
        return {**choice, "chosen": requested, "why": f"estimated {total_text(estimate)}, fits the "
                f"{available_s:.0f} s left"}
    if requested == "fast":
        return {**choice, "chosen": "fast", "why": f"estimated {total_text(estimate)}, more than the "
                f"{available_s:.0f} s left, but 'fast' is the smallest preset: run, each chapter stopped at the limit"}
    refused = [too_long(requested, estimate, available_s)]
    for smaller in SMALLER.get(requested, ()):
        smaller_estimate = estimate_chapters_s(smaller, rate)
        if fits(smaller_estimate, available_s):
            return {**choice, "chosen": smaller, "why": "; ".join(refused) + f"; running {smaller!r} instead "
                    f"(estimated {total_text(smaller_estimate)})", "fallback": True}
        refused.append(too_long(smaller, smaller_estimate, available_s))
    return {**choice, "chosen": "fast", "why": "; ".join(refused) + "; running 'fast' instead", "fallback": True}


def fits(estimate: dict, available_s: float) -> bool:
    return estimate["total"] is not None and estimate["total"] <= available_s


def total_text(estimate: dict) -> str:
    return "an unknown time (no training rate)" if estimate["total"] is None else f"{estimate['total']:.0f} s"


def too_long(preset: str, estimate: dict, available_s: float) -> str:
    training = "not measured" if estimate["training"] is None else f"{estimate['training']:.0f}"
    return (f"{preset!r} estimated at {total_text(estimate)} (library {estimate['library']:.0f}, training "
            f"{training}, other work {estimate['other']:.0f}) does not fit the {available_s:.0f} s left")


def estimate_chapters_s(preset: str, rate: float | None) -> dict:
    """Seconds chapters 3-7 need at ``preset``: libraries not yet cached, training at ``rate``, allowance.

    Reads the preset's evaluation fields (``eval_photons``, ``eval_per_class``,
    ``eval_train_seeds``, ``sweep_seeds``) where the preset has them.
    """
    from xpcs_nb.presets import get_preset

    p = get_preset(preset)
    libraries = missing_libraries(p)
    library = sum(LIBRARY_S[p.name] * n_per_class / p.library_per_class for n_per_class in libraries)
    images = training_images(p)
    # No rate measured (step 2 failed or ran out of time): the preset cannot be judged to fit.
    training = images / rate + images / LOADER_IMAGES_PER_S if rate and rate > 0 else None
    other = CHAPTER_ALLOWANCE_S[p.name] * len(MODEL_CHAPTERS)
    total = None if training is None else library + training + other
    return {"library": library, "training": training, "other": other, "total": total,
            "training_images": images, "libraries_to_build": len(libraries)}


def missing_libraries(p) -> list[int]:
    """C2 per label of each library chapters 3-7 would build and that is not cached yet.

    Chapter 4's evaluation sets (one per photon rate), and for every training seed of
    the evaluation the preset's library drawn with that seed (``pipeline.trained_autoencoder``:
    the seed fixes the data too) and that library at each other evaluated rate (its
    training at that rate).
    """
    from dataclasses import replace

    from xpcs_nb import evaluation
    from xpcs_nb.library import LibrarySpec
    from xpcs_nb.paths import generated_dir

    folder = generated_dir(p.name)
    specs = [evaluation.evaluation_spec(p, rate) for rate in getattr(p, "eval_photons", ())]
    for seed in range(getattr(p, "eval_train_seeds", 1)):
        own = LibrarySpec.from_preset(p, seed=seed)
        specs.append(own)
        specs += [replace(own, photons_per_pixel=rate) for rate in getattr(p, "eval_photons", ())
                  if rate != own.photons_per_pixel]
    return [spec.n_per_class for spec in specs if not (folder / spec.file_name).exists()]


def training_images(p) -> int:
    """Training-step equivalents of chapters 3-4 (validation images count a third: no backward pass).

    The main model once per training seed of the evaluation, then trained further at each
    evaluated photon rate but the library's; the latent sweep once per sweep seed.
    """
    n_train = p.train_items or 400_000
    n_val = p.val_items or 40_000
    seeds = getattr(p, "eval_train_seeds", 1)
    from xpcs_nb.library import LibrarySpec

    own_rate = LibrarySpec.from_preset(p).photons_per_pixel
    other_rates = len([rate for rate in getattr(p, "eval_photons", ()) if rate != own_rate])
    main = seeds * (p.epochs + other_rates * getattr(p, "eval_matched_epochs", 0)) * (n_train + n_val / 3)
    sweep = (len(p.latent_sweep) * getattr(p, "sweep_seeds", 1) * p.sweep_epochs
             * ((p.sweep_items or n_train) + n_val / 3))
    return int(main + sweep)


# --- the child ------------------------------------------------------------------------------

def child_main(spec: dict) -> int:
    """Run one step; write ``{"data": ..., "error"?: ..., "skipped"?: ...}`` to ``spec["result"]``."""
    from tools import gpu_check_steps as steps

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # unwind: papermill shuts its kernel down
    result_file = Path(spec["result"])
    result: dict = {"data": {}}

    def save(**data) -> None:
        result["data"].update(data)
        result_file.write_text(json.dumps(result, default=str))

    try:
        getattr(steps, f"step_{spec['step']}")(spec, save)
    except steps.Skip as skip:
        result["skipped"] = str(skip)
        save()
        return 0
    except Exception as error:  # the parent reports it; the next step still runs
        result["error"] = f"{type(error).__name__}: {str(error)[:1500]}"
        save()
        raise
    save()
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        return child_main(json.loads(argv[1]))
    return run(parse_args(argv))


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
