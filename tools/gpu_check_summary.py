"""``summary.md`` of ``tasks.py gpu-check``: the figures of ``results.json``, ready to paste, dated.

Only the standard library: it runs after every step, also when a step failed.
"""

from __future__ import annotations

__all__ = ["summary_markdown"]


def summary_markdown(results: dict) -> str:
    """The whole summary: a header, a table of steps, one section per step."""
    lines = [f"# GPU check, {results['started_utc']}", "",
             f"`{results['command'].strip()}`: preset `{results['preset']}` asked for, budget "
             f"{results['budget_s']:.0f} s, device `{results['device']}`"
             + (", **smoke run (tiny sizes; no figure here means anything)**" if results.get("smoke") else "")
             + (f", finished {results['finished_utc']}" if results.get("finished_utc")
                else ", still running or stopped")
             + ".", "", "| step | status | seconds | limit (s) | note |", "| --- | --- | ---: | ---: | --- |"]
    for step in results["steps"]:
        lines.append(f"| {step['name']} | {step['status']} | {step['seconds']:.1f} | {step['limit_s']:.0f} | "
                     f"{cell(step.get('reason', ''))} |")
    for step in results["steps"]:
        lines += ["", f"## {step['name']}", ""]
        lines += SECTIONS.get(step["name"], key_values)(step.get("data", {}))
        if step.get("log_tail"):
            lines += ["", "Last lines of its log:", "", "```", step["log_tail"][-1500:], "```"]
    return "\n".join(lines) + "\n"


def cell(text) -> str:
    return str(text).replace("|", "/").replace("\n", " ")[:300]


def number(value, digits: int = 1) -> str:
    """``1,234.5``; None (not measured) as "?"."""
    if value is None:
        return "?"
    return f"{value:,.{digits}f}" if isinstance(value, (int, float)) else str(value)


def key_values(data: dict) -> list[str]:
    """A bullet list of every recorded value."""
    return [f"- {key}: {number(value, 4) if isinstance(value, float) else value}" for key, value in data.items()] \
        or ["(nothing recorded)"]


def training_section(data: dict) -> list[str]:
    """Images/s per batch size, the ratio to a bare loop, the paper's training time."""
    if not data.get("rows"):
        return key_values(data)
    lines = [f"{data['device']}, autocast {data['amp_dtype']}, channels-last {data['channels_last']}; "
             f"{data['crops']} synthetic crops x {data['epochs']} epochs x {data['repeats']} repeats per "
             f"measurement ({data['source']}).", "",
             "| batch | `xpcs_nb.train` images/s | bare loop images/s | ratio |", "| ---: | ---: | ---: | ---: |"]
    for row in data["rows"]:
        lines.append(f"| {row['batch']} | {number(row['xpcs_nb_train'])} | {number(row['bare_loop'])} | "
                     f"{row['ratio']:.3f} |")
    if "paper_hours" in data:
        lines += ["", f"The paper's training, {data['paper_images']:,} images (400,000 crops x 50 epochs), at "
                      f"the batch-{data['paper_batch']} rate: **{data['paper_hours']:.2f} h**.",
                  f"Encoding (eval mode, no gradients): {number(data['encode_crops_per_s'])} crops/s."]
    return lines


def correlation_section(data: dict) -> list[str]:
    """C2 on the torch device against BLAS SYRK on the CPU."""
    if "speedup_torch_over_cpu" not in data:
        return key_values(data)
    seconds = data["seconds_best_of_2"]
    return [f"`two_time`, {data['frames']} frames x {data['pixels']:,} pixels ({data['data']}), "
            f"{data['form']} form, {data['dtype']}; best of 2:", "",
            "| path | seconds |", "| --- | ---: |",
            f"| CPU, BLAS SYRK (`device=None`) | {seconds['cpu_blas']:.3f} |",
            f"| torch GEMM (`device=\"{data['device']}\"`) | {seconds['torch']:.3f} |", "",
            f"Speed-up: **{data['speedup_torch_over_cpu']:.1f} x**; largest difference between the two C2: "
            f"{data['max_abs_difference']:.2e}."]


def chapters_section(data: dict) -> list[str]:
    """The preset chosen (and why), then each chapter's wall time and device."""
    choice = data.get("preset_choice", {})
    lines = [f"Preset asked for: `{choice.get('requested')}`; run at: `{choice.get('chosen')}`. "
             f"{choice.get('why', '')}."]
    if choice.get("estimate_s"):
        estimate = choice["estimate_s"]
        lines += ["", f"Estimate at `{choice['requested']}`: library {number(estimate['library'], 0)} s "
                      f"({estimate['libraries_to_build']} to build), training {number(estimate['training'], 0)} s "
                      f"({estimate['training_images']:,} image-steps), other work {number(estimate['other'], 0)} s; "
                      f"{number(choice['available_s'], 0)} s were left for the chapters."]
    lines += ["", "| chapter | status | wall (s) | papermill (s) | device printed | note |",
              "| --- | --- | ---: | ---: | --- | --- |"]
    for chapter in data.get("chapters", []):
        run = chapter.get("data", {})
        wall = number(run.get("wall_s", chapter.get("seconds")))
        lines.append(f"| {chapter['chapter']} | {chapter['status']} | {wall} | "
                     f"{number(run.get('papermill_s', ''))} | {run.get('device_printed', '')} | "
                     f"{cell(chapter.get('reason', ''))} |")
    return lines


def evaluation_section(data: dict) -> list[str]:
    """The evaluation table (markdown), where it came from."""
    if "table_markdown" not in data:
        return key_values(data)
    lines = [f"From {data['source']}" + (f"; {data['note']}" if data.get("note") else "") + "."]
    if "photons_per_pixel" in data:
        lines[0] += (f" {data['crops']} crops, {data['photons_per_pixel']:g} photons per pixel per frame, "
                     f"diagonal {data['diagonal']!r}; options {data.get('options')}; "
                     f"{number(data.get('seconds'))} s.")
    return lines + ["", data["table_markdown"]]


SECTIONS = {"training": training_section, "correlation": correlation_section, "chapters": chapters_section,
            "evaluation": evaluation_section}
