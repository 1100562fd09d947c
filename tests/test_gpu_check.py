"""``python3 tasks.py gpu-check``: the refusal without CUDA, a smoke run on the CPU, its parts.

CUDA is hidden from the commands (``CUDA_VISIBLE_DEVICES=""``), so these tests mean the
same on a machine with a GPU.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from tools import gpu_check, gpu_check_preset
from tools.gpu_check_steps import displayed_table, glued_table, glued_values, printed_device

ROOT = Path(__file__).resolve().parents[1]
NO_CUDA = {**os.environ, "CUDA_VISIBLE_DEVICES": ""}


def gpu_check_command(*options: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "tasks.py"), "gpu-check", *options], cwd=ROOT, env=NO_CUDA,
                          capture_output=True, text=True, timeout=timeout)


def test_without_cuda_and_without_allow_cpu_exits_2_with_the_reason(tmp_path):
    result = gpu_check_command("--out", str(tmp_path / "out"))
    assert result.returncode == 2, result.stdout + result.stderr
    assert "CUDA is not available" in result.stderr and "--allow-cpu" in result.stderr
    assert not (tmp_path / "out" / "results.json").exists()


@pytest.mark.slow
def test_smoke_run_on_the_cpu_writes_every_step(tmp_path):
    out = tmp_path / "out"
    started = time.monotonic()
    result = gpu_check_command("--allow-cpu", "--preset", "fast", "--smoke", "--out", str(out))
    elapsed = time.monotonic() - started
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert elapsed < 150, f"the smoke run took {elapsed:.0f} s"  # about 20 s of CPU; the 2 cores are shared
    results = json.loads((out / "results.json").read_text())
    steps = {step["name"]: step for step in results["steps"]}
    assert list(steps) == ["environment", "training", "correlation", "chapters", "evaluation"]
    for step in steps.values():
        assert step["status"] == "ok" or (step["status"] == "skipped" and step["reason"]), step
    assert steps["environment"]["data"]["cuda_available"] is False
    rows = steps["training"]["data"]["rows"]
    assert rows and all(row["xpcs_nb_train"] > 0 and row["bare_loop"] > 0 for row in rows)
    assert steps["training"]["data"]["paper_images"] == 20_000_000
    assert steps["correlation"]["data"]["max_abs_difference"] < 1e-3
    chapter = steps["chapters"]["data"]["chapters"][0]
    assert chapter["status"] == "ok" and chapter["data"]["device_printed"] == "cpu"
    assert chapter["data"]["glued"] == ["smoke_device"]
    assert (out / "executed" / "00_smoke.ipynb").exists()
    assert "| trained |" in steps["evaluation"]["data"]["table_markdown"]
    summary = (out / "summary.md").read_text()
    for heading in ("## environment", "## training", "## correlation", "## chapters", "## evaluation"):
        assert heading in summary
    assert "20,000,000 images" in summary and "| untrained |" in summary
    assert "# GPU check" in result.stdout


def test_a_step_past_its_limit_is_stopped_and_reported(tmp_path):
    spec = {"step": "training", "preset": "fast", "smoke": True, "out": str(tmp_path)}
    started = time.monotonic()
    step = gpu_check.run_child(spec, 1.5, tmp_path)  # importing torch alone takes longer
    assert step["status"] == "timeout" and "limit of 2 s" in step["reason"], step
    assert time.monotonic() - started < 25 and "log_tail" in step
    assert gpu_check.run_child(spec, 0.5, tmp_path)["reason"] == "no time left in the budget"


def test_a_failing_step_reports_its_error(tmp_path):
    spec = {"step": "no_such_step", "preset": "fast", "smoke": True, "out": str(tmp_path)}
    step = gpu_check.run_child(spec, 60, tmp_path)
    assert step["status"] == "failed" and "no_such_step" in step["reason"], step


def test_the_budget_keeps_time_for_the_later_steps():
    budget = gpu_check.Budget(480)
    assert budget.limit("environment") == pytest.approx(0.06 * 480)
    assert budget.limit("chapters") == pytest.approx(480 - 0.15 * 480 - gpu_check.MARGIN_S, abs=1)
    small = gpu_check.Budget(10)
    assert small.limit("chapters") < 5


def test_a_preset_that_does_not_fit_falls_back_to_fast_and_says_why():
    choice = gpu_check_preset.choose_preset("class", 1000.0, 300.0)
    assert choice["chosen"] == "fast" and choice["fallback"] and "does not fit" in choice["why"]
    unknown = gpu_check_preset.choose_preset("class", None, 1e9)  # no rate measured: cannot judge
    assert unknown["chosen"] == "fast" and unknown["estimate_s"]["total"] is None
    assert gpu_check_preset.choose_preset("fast", 1000.0, 1e9)["chosen"] == "fast"
    assert gpu_check_preset.choose_preset("class", 1e9, 1e9)["chosen"] == "class"


def test_a_preset_that_does_not_fit_tries_the_smaller_ones_first():
    class_cpu = gpu_check_preset.estimate_chapters_s("class_cpu", 1000.0)["total"]
    class_ = gpu_check_preset.estimate_chapters_s("class", 1000.0)["total"]
    assert class_cpu < class_
    between = gpu_check_preset.choose_preset("class", 1000.0, (class_cpu + class_) / 2)
    assert between["chosen"] == "class_cpu" and between["fallback"]
    assert "'class' estimated at" in between["why"] and "running 'class_cpu' instead" in between["why"]
    from_paper = gpu_check_preset.choose_preset("paper", 1000.0, (class_cpu + class_) / 2)
    assert from_paper["chosen"] == "class_cpu" and "'paper' estimated" in from_paper["why"]
    neither = gpu_check_preset.choose_preset("class", 1000.0, class_cpu / 2)
    assert neither["chosen"] == "fast" and "'class_cpu' estimated at" in neither["why"]


def test_glued_values_and_the_glued_table_are_read_from_an_executed_notebook():
    table = ("<table><thead><tr><th>method</th><th>ARI</th></tr></thead>"
             "<tbody><tr><td>pca</td><td>0.5</td></tr></tbody></table>")
    prefix = "application/papermill.record/"
    cell = nbformat.v4.new_code_cell("glue(...)")
    cell.outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="preset 'class' on cuda: 12 epochs\n"),
        nbformat.v4.new_output("display_data", data={prefix + "text/plain": "0.91"},
                               metadata={"scrapbook": {"name": "ari_trained", "mime_prefix": prefix}}),
        nbformat.v4.new_output("display_data", data={"text/html": table, "text/plain": "method ARI\npca 0.5"},
                               metadata={"scrapbook": {"name": "eval_table", "mime_prefix": ""}}),
    ]
    notebook = nbformat.v4.new_notebook(cells=[cell])
    values = glued_values(notebook)
    assert values["ari_trained"] == {"text/plain": "0.91"}
    name, text = glued_table(values)
    assert name == "eval_table" and "pca" in text
    assert glued_table({"ari_trained": values["ari_trained"]}) is None
    assert printed_device(notebook) == "cuda"


def test_the_table_a_wide_table_cell_displayed_is_read_when_none_was_glued():
    import pandas as pd

    frame = pd.DataFrame({("rate-class ARI", 10.0): ["0.90 ± 0.01"]}, index=pd.Index(["trained"], name="method"))
    cell = nbformat.v4.new_code_cell("evaluation.wide_table(sweep_table, digits=2)")
    cell.outputs = [nbformat.v4.new_output("execute_result", data={"text/html": frame.to_html(),
                                                                   "text/plain": frame.to_string()})]
    other = nbformat.v4.new_code_cell("x = 1")
    text = displayed_table(nbformat.v4.new_notebook(cells=[other, cell]))
    assert "trained" in text and "0.90 ± 0.01" in text and text.startswith("|")
    assert displayed_table(nbformat.v4.new_notebook(cells=[other])) is None


def test_the_estimate_counts_a_library_per_training_seed_and_rate(monkeypatch, tmp_path):
    from xpcs_nb import paths
    from xpcs_nb.library import LibrarySpec
    from xpcs_nb.presets import get_preset

    monkeypatch.setenv(paths.DATA_DIR_ENV, str(tmp_path))  # nothing cached
    p = get_preset("class")
    assert LibrarySpec.from_preset(p).photons_per_pixel in p.eval_photons
    # the evaluation sets, then per training seed its own library at every evaluated rate
    expected = len(p.eval_photons) + p.eval_train_seeds * len(p.eval_photons)
    assert gpu_check_preset.missing_libraries(p) == [p.eval_per_class] * len(p.eval_photons) + [
        p.library_per_class] * (expected - len(p.eval_photons))
    cached = tmp_path / "generated" / "class" / LibrarySpec.from_preset(p, seed=1).file_name
    cached.touch()
    assert len(gpu_check_preset.missing_libraries(p)) == expected - 1


def test_nothing_under_tools_or_benchmarks_imports_tasks():
    import ast

    for path in sorted((ROOT / "tools").rglob("*.py")) + sorted((ROOT / "benchmarks").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert "tasks" not in [name.split(".")[0] for name in names], f"{path.relative_to(ROOT)} imports tasks"


def test_the_script_parses_its_own_options_from_any_folder(tmp_path):
    script = subprocess.run([sys.executable, str(ROOT / "tools" / "gpu_check.py"), "--help"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=60)
    assert script.returncode == 0, script.stderr
    assert "--budget-s" in script.stdout and "--allow-cpu" in script.stdout
    forwarded = subprocess.run([sys.executable, str(ROOT / "tasks.py"), "gpu-check", "--help"], cwd=tmp_path,
                               capture_output=True, text=True, timeout=60)
    assert forwarded.returncode == 0 and forwarded.stdout == script.stdout, forwarded.stderr
    args = gpu_check.parse_args(["--preset", "fast", "--budget-s", "30", "--out", str(tmp_path)])
    assert (args.preset, args.budget_s, args.out, args.allow_cpu) == ("fast", 30.0, tmp_path, False)
    with pytest.raises(SystemExit):
        gpu_check.parse_args(["--preset", "huge"])


def test_tasks_refuses_options_it_does_not_forward():
    result = subprocess.run([sys.executable, str(ROOT / "tasks.py"), "linkcheck", "--budget-s", "3"], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "unrecognized arguments: --budget-s 3" in result.stderr
