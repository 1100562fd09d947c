"""``python tools/gpu_check.py``: one prepared command that measures the book on one GPU.

Also reachable as ``python3 tasks.py gpu-check`` (which picks the interpreter and
forwards its options here). ``python tools/gpu_check.py --help`` lists the options.

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
   allowance per chapter: ``tools/gpu_check_preset.py``) fits what is left; otherwise
   the largest smaller preset that fits, else ``fast``, and the summary says why.
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
if str(ROOT) not in sys.path:  # run as a script: ``tools`` and ``xpcs_nb`` are found from the checkout
    sys.path.insert(0, str(ROOT))

from tools.gpu_check_preset import MODEL_CHAPTERS, choose_preset  # noqa: E402

STEPS = ("environment", "training", "correlation", "chapters", "evaluation")
PAPER_IMAGES = 400_000 * 50  # the paper's training: 400,000 augmented crops x 50 epochs
# Shares of the budget each step may use; "chapters" gets what the others leave.
SHARES = {"environment": 0.06, "training": 0.15, "correlation": 0.08, "evaluation": 0.15}
MARGIN_S = 5.0  # kept back from the deadline for writing the files
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

def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The command's options (standard library only, so any Python can parse them)."""
    parser.add_argument("--out", type=Path, default=ROOT / "_build" / "gpu-check", help="output folder")
    parser.add_argument("--preset", choices=["fast", "class", "class_cpu", "paper"], default="class",
                        help="the chapters' preset (fast instead when it does not fit the budget)")
    parser.add_argument("--budget-s", type=float, default=480.0, help="deadline of the whole command, seconds")
    parser.add_argument("--allow-cpu", action="store_true", help="run without CUDA (a smoke run on a CPU)")
    parser.add_argument("--smoke", action="store_true", help=argparse.SUPPRESS)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The options of ``python tools/gpu_check.py`` (``tasks.py gpu-check`` forwards its own here)."""
    parser = argparse.ArgumentParser(prog="python tools/gpu_check.py", description=__doc__.split("\n\n")[0])
    add_arguments(parser)
    return parser.parse_args(argv)


def run(args: argparse.Namespace, options: list[str] | None = None) -> int:
    """Run every step within the budget; 2 without CUDA unless ``--allow-cpu``; 1 if a step failed.

    ``options``: the command-line options ``args`` came from, recorded in results.json.
    """
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
    results = {"command": " ".join(["python tools/gpu_check.py", *(options or [])]),
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
    """Run one step as ``python tools/gpu_check.py --child SPEC``; stop it at ``limit`` seconds.

    Returns ``{name, status, seconds, limit_s, data, reason?, log_tail?}``; ``status`` is
    ok, failed, timeout or skipped. What the child recorded before it was stopped is kept.
    """
    name = spec.get("label", spec["step"])
    step = {"name": name, "status": "skipped", "seconds": 0.0, "limit_s": round(limit, 1), "data": {}}
    if limit < 1.0:
        return {**step, "reason": "no time left in the budget"}
    result_file, log_file = work / f"{name}.json", work / f"{name}.log"
    command = [sys.executable, str(ROOT / "tools" / "gpu_check.py"), "--child",
               json.dumps({**spec, "result": str(result_file)})]
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
    """``python tools/gpu_check.py [options]``, or ``--child SPEC`` for one step (the parent's call)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["--child"]:
        return child_main(json.loads(argv[1]))
    return run(parse_args(argv), argv)


if __name__ == "__main__":
    sys.exit(main())
