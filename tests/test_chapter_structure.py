"""Every chapter has the frame the book promises its readers.

Overview, Prerequisites, Summary and What's next headings; the banner and pipeline
strip of :mod:`xpcs_nb.chapter` (started in the first code cells, finished in the
last); at least two exercises, each followed by a folded (``hide-cell``) solution that
starts with ``# Solution``; one of them a fill-in exercise (a scaffold with ``...``, a
check cell, then the solution, which must pass that check); two or more
multiple-choice questions with a folded answer. That the solutions run and pass their
checks is tested where the chapters execute (``tests/integration/test_1_notebooks.py``).
"""

from __future__ import annotations

from pathlib import Path

import re

import jupytext
import pytest
from nbformat.v4 import new_code_cell

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
SOURCES = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.py"))
REQUIRED_HEADINGS = ("## Overview", "## Prerequisites", "## Summary", "## What's next")


def solution_cells(notebook) -> list:
    return [c for c in notebook.cells
            if c.cell_type == "code" and "hide-cell" in c.metadata.get("tags", [])
            and c.source.lstrip().startswith("# Solution")]


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_chapter_has_its_frame(source):
    text = "\n".join(c.source for c in jupytext.read(source).cells if c.cell_type == "markdown")
    missing = [heading for heading in REQUIRED_HEADINGS if heading not in text]
    assert not missing, f"{source.name} lacks {missing}"


def is_fill_in(cell) -> bool:
    return cell.cell_type == "markdown" and re.search(r"\*\*Exercise \d+ \(fill in\)\.\*\*", cell.source) is not None


def has_placeholder(cell) -> bool:
    """A code cell with a bare ``...`` for the reader to replace (not in a string or comment)."""
    code = "\n".join(line.split("#", 1)[0] for line in cell.source.splitlines())
    return cell.cell_type == "code" and re.search(r"(?<![\w.'\"])\.\.\.(?![\w.'\"])", code) is not None


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_every_exercise_has_a_folded_solution(source):
    notebook = jupytext.read(source)
    cells = notebook.cells
    exercises = [i for i, c in enumerate(cells) if c.cell_type == "markdown" and "**Exercise" in c.source]
    assert len(exercises) >= 2, f"{source.name} has {len(exercises)} exercises, expected at least 2"
    for i in exercises:
        # a fill-in exercise: scaffold, check, then the solution
        offset = 3 if is_fill_in(cells[i]) else 1
        following = cells[i + offset] if i + offset < len(cells) else None
        assert following is not None and following in solution_cells(notebook), (
            f"{source.name}: the exercise in cell {i} is not followed by a hide-cell '# Solution' cell")


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_one_exercise_is_filled_in_and_checked(source):
    cells = jupytext.read(source).cells
    fill_ins = [i for i, c in enumerate(cells) if is_fill_in(c)]
    assert fill_ins, f"{source.name}: no '**Exercise N (fill in).**' exercise"
    for i in fill_ins:
        scaffold, check, solution = cells[i + 1:i + 4]
        assert has_placeholder(scaffold), f"{source.name}: the fill-in exercise in cell {i} has no ... to fill"
        assert "check_answer(" in check.source and not has_placeholder(check), (
            f"{source.name}: cell {i + 2} should check the reader's answer with check_answer(...)")
        assert "assert check_answer(" in solution.source and not has_placeholder(solution), (
            f"{source.name}: the solution of the fill-in exercise in cell {i} must end by passing its check")


QUESTION = re.compile(r"\*\*Question \d+\.\*\*")
OPTION = re.compile(r"^- ([A-E])\. ", re.M)
ANSWER = re.compile(r"<details><summary>Answer</summary>\s*\*\*([A-E])\.\*\*\s*\S", re.S)


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_chapter_asks_questions_with_folded_answers(source):
    questions = [c.source for c in jupytext.read(source).cells
                 if c.cell_type == "markdown" and QUESTION.search(c.source)]
    assert len(questions) >= 2, f"{source.name} asks {len(questions)} multiple-choice questions, expected 2 or 3"
    for text in questions:
        options = OPTION.findall(text)
        answer = ANSWER.search(text)
        assert len(options) >= 3, f"{source.name}: a question with {len(options)} options: {text[:60]!r}"
        assert answer and answer.group(1) in options, (
            f"{source.name}: a question without a folded answer naming one of its options: {text[:60]!r}")
        assert "</details>" in text, f"{source.name}: a question's answer is not closed: {text[:60]!r}"


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_chapter_shows_and_finishes_its_frame(source):
    code = [c.source for c in jupytext.read(source).cells if c.cell_type == "code"]
    number = int(source.name[:2])
    assert any(f"start_chapter({number}, PRESET)" in c for c in code[:4]), (
        f"{source.name}: none of the first four code cells calls FRAME = start_chapter({number}, PRESET)")
    assert code[-1].strip() == "FRAME.finish()", f"{source.name}: the last code cell should be FRAME.finish()"


# ---------------------------------------------------------------------------
# Rules R1-R5 every chapter meets (R6, numbers in the prose, is tests/test_glue_numbers.py).
# Each rule is a function returning the problems it finds, so the rule itself is tested
# on small fixtures (a chapter that keeps it, one that breaks it) below the chapter tests.

MAX_CELL_LINES, SHORT_CELL_LINES, MAX_SOURCE_LINES, MIN_THINK = 25, 15, 800, 2
FIGURE_CAPTION = re.compile(r"\*\*Figure (\d+)\.(\d+)\.\*\*")
REQUIRED_METADATA_FILTER = "jupyter,mystnb,tags,-all"


def non_blank_lines(cell) -> int:
    return sum(1 for line in cell.source.splitlines() if line.strip())


def code_cell_length_problems(notebook) -> list[str]:
    """R1: no code cell over 25 non-blank lines; most (more than half) under 15."""
    code = [c for c in notebook.cells if c.cell_type == "code"]
    problems = [f"a code cell of {non_blank_lines(c)} non-blank lines (at most {MAX_CELL_LINES}): "
                f"{c.source.strip().splitlines()[0][:60]!r}" for c in code if non_blank_lines(c) > MAX_CELL_LINES]
    short = sum(non_blank_lines(c) < SHORT_CELL_LINES for c in code)
    if code and short * 2 <= len(code):
        problems.append(f"only {short} of {len(code)} code cells are under {SHORT_CELL_LINES} non-blank lines "
                        "(most should be)")
    return problems


def is_think_prompt(markdown: str) -> bool:
    """Whether a Markdown cell ends with a paragraph that starts with '**Think!**'."""
    paragraphs = [p for p in re.split(r"\n\s*\n", markdown.strip()) if p.strip()]
    return bool(paragraphs) and paragraphs[-1].lstrip().startswith("**Think!**")


def think_problems(notebook) -> list[str]:
    """R3: at least two '**Think!**' Markdown cells, each right before the code cell whose result
    it asks the reader to predict, and that code cell (or the next one) followed by Markdown saying what happened."""
    cells = notebook.cells
    prompts = [i for i, c in enumerate(cells) if c.cell_type == "markdown" and is_think_prompt(c.source)]
    problems = [] if len(prompts) >= MIN_THINK else [f"{len(prompts)} '**Think!**' prompts, expected {MIN_THINK} or more"]
    for i in prompts:
        if i + 1 >= len(cells) or cells[i + 1].cell_type != "code":
            problems.append(f"the '**Think!**' prompt in cell {i} is not followed by the code cell it asks about")
            continue
        after = i + 1
        while after < len(cells) and cells[after].cell_type == "code" and after - i <= 2:
            after += 1  # the result may take two cells (compute, then draw)
        if after >= len(cells) or cells[after].cell_type != "markdown":
            problems.append(f"the code cell after the '**Think!**' prompt in cell {i} is not followed by Markdown "
                            "that says what happened")
    return problems


def draws_figures(cell) -> int:
    """How many figures a code cell shows (its ``plt.show()`` calls); the banner cell draws none that count."""
    if cell.cell_type != "code" or "start_chapter(" in cell.source:
        return 0
    code = "\n".join(line.split("#", 1)[0] for line in cell.source.splitlines())
    return code.count("plt.show()")


def figure_caption_problems(notebook, number: int) -> list[str]:
    """R4: each code cell that shows a figure (one at most) is followed by a Markdown cell
    starting '**Figure N.K.**' (N the chapter, K = 1, 2, ... in order); no site-only
    caption in cell metadata, and a figure name only where a {numref} uses it."""
    cells, problems, k = notebook.cells, [], 0
    markdown = "\n".join(c.source for c in cells if c.cell_type == "markdown")
    for i, cell in enumerate(cells):
        figure = cell.metadata.get("mystnb", {}).get("figure", {})
        if "caption" in figure:
            problems.append(f"cell {i} has a site-only mystnb figure caption in its metadata (invisible in JupyterLab)")
        if "name" in figure and f"{{numref}}`{figure['name']}`" not in markdown:
            problems.append(f"cell {i} names its figure {figure['name']!r}, which no {{numref}} uses")
        shown = draws_figures(cell)
        if not shown:
            continue
        k += 1
        if shown > 1:
            problems.append(f"code cell {i} shows {shown} figures (one per cell; panels are fine)")
        following = cells[i + 1] if i + 1 < len(cells) else None
        caption = FIGURE_CAPTION.match(following.source.lstrip()) if following and following.cell_type == "markdown" else None
        if not caption or (int(caption[1]), int(caption[2])) != (number, k):
            found = following.source.lstrip()[:40] if following else "the end of the chapter"
            problems.append(f"the figure of code cell {i} is not followed by a '**Figure {number}.{k}.**' caption "
                            f"cell, but {found!r}")
    return problems


def folded_solution_problems(notebook) -> list[str]:
    """R5: each solution cell also folds in JupyterLab (metadata jupyter.source_hidden), and the
    jupytext header keeps that metadata (cell_metadata_filter jupyter,mystnb,tags,-all)."""
    problems = [f"the solution cell {c.source.strip().splitlines()[0][:50]!r} lacks "
                'jupyter={"source_hidden": true} (folded on the site only)'
                for c in solution_cells(notebook) if not c.metadata.get("jupyter", {}).get("source_hidden")]
    kept = notebook.metadata.get("jupytext", {}).get("cell_metadata_filter", "")
    if kept != REQUIRED_METADATA_FILTER:
        problems.append(f"jupytext cell_metadata_filter is {kept!r}, expected {REQUIRED_METADATA_FILTER!r} "
                        "(else the solutions' jupyter metadata is dropped)")
    return problems


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_r1_code_cells_are_short(source):
    problems = code_cell_length_problems(jupytext.read(source))
    assert not problems, f"{source.name}: " + "; ".join(problems)


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_r2_chapter_source_is_at_most_800_lines(source):
    lines = len(source.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_SOURCE_LINES, f"{source.name} has {lines} lines, at most {MAX_SOURCE_LINES}"


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_r3_think_prompts_before_code(source):
    problems = think_problems(jupytext.read(source))
    assert not problems, f"{source.name}: " + "; ".join(problems)


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_r4_every_figure_has_a_visible_caption(source):
    problems = figure_caption_problems(jupytext.read(source), int(source.name[:2]))
    assert not problems, f"{source.name}:\n" + "\n".join(problems)


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_r5_solutions_fold_in_jupyterlab(source):
    problems = folded_solution_problems(jupytext.read(source))
    assert not problems, f"{source.name}:\n" + "\n".join(problems)


# The rules on fixtures: a chapter in the agreed form passes each, and each break is caught.

GOOD_CHAPTER = '''# ---
# jupyter:
#   jupytext:
#     cell_metadata_filter: jupyter,mystnb,tags,-all
#     formats: ipynb,py:percent
# ---

# %% [markdown]
# # 9. A fixture

# %%
FRAME = start_chapter(9, PRESET)
plt.show()

# %% [markdown]
# **Think!** What will the histogram below look like?

# %%
plt.hist(values)
plt.show()

# %% [markdown]
# **Figure 9.1.** The histogram: look at its two peaks.

# %% [markdown]
# **Think!** Will the mean be above or below 1?

# %%
print(values.mean())

# %% [markdown]
# It is below: the low peak holds more values.

# %% [markdown]
# **Exercise 1.** Plot the cumulative sum.

# %% tags=["hide-cell"] jupyter={"source_hidden": true}
# Solution
plt.plot(values.cumsum())
plt.show()

# %% [markdown]
# **Figure 9.2.** The cumulative sum rises in two steps.
'''


def good_chapter():
    return jupytext.reads(GOOD_CHAPTER, fmt="py:percent")


def test_rules_pass_on_a_chapter_in_the_agreed_form():
    notebook = good_chapter()
    assert solution_cells(notebook), "the fixture's solution must count as one"
    assert code_cell_length_problems(notebook) == []
    assert think_problems(notebook) == []
    assert figure_caption_problems(notebook, 9) == []
    assert folded_solution_problems(notebook) == []


def test_r1_catches_a_long_cell_and_mostly_long_cells():
    notebook = good_chapter()
    notebook.cells[3].source = "\n".join(f"x{i} = {i}" for i in range(26))
    assert "a code cell of 26 non-blank lines" in code_cell_length_problems(notebook)[0]
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.source = "\n".join(f"x{i} = {i}" for i in range(16))
    assert any("under 15" in p for p in code_cell_length_problems(notebook))


def test_r3_catches_a_missing_prompt_and_a_prompt_not_before_code():
    notebook = good_chapter()
    notebook.cells[2].source = "What will the histogram look like?"
    assert think_problems(notebook) == ["1 '**Think!**' prompts, expected 2 or more"]
    notebook.cells[2].source = "Some text first.\n\n**Think!** What will the histogram look like?"
    assert think_problems(notebook) == []  # the prompt may close a longer Markdown cell
    notebook.cells[2].source = "**Think!** What will it look like?\n\nThe answer: two peaks."
    assert think_problems(notebook) == ["1 '**Think!**' prompts, expected 2 or more"]  # ... but must close it
    notebook = good_chapter()
    notebook.cells[7] = new_code_cell("print(values.std())")  # two code cells may answer a prompt ...
    assert think_problems(notebook) == []
    notebook.cells[8] = new_code_cell("print(values.max())")  # ... a third one where Markdown should say what happened
    assert any("not followed by Markdown" in p for p in think_problems(notebook))


def test_r4_catches_a_missing_or_misnumbered_caption_two_figures_and_site_only_metadata():
    notebook = good_chapter()
    notebook.cells[4].source = "The histogram has two peaks."
    assert "'**Figure 9.1.**'" in figure_caption_problems(notebook, 9)[0]
    notebook = good_chapter()
    notebook.cells[10].source = "**Figure 9.3.** The cumulative sum."
    assert "'**Figure 9.2.**'" in figure_caption_problems(notebook, 9)[0]
    notebook = good_chapter()
    notebook.cells[3].source += "\nplt.plot(values)\nplt.show()"
    assert "shows 2 figures" in figure_caption_problems(notebook, 9)[0]
    notebook = good_chapter()
    notebook.cells[3].metadata["mystnb"] = {"figure": {"caption": "A histogram", "name": "fig-hist"}}
    assert len(figure_caption_problems(notebook, 9)) == 2


def test_r5_catches_an_unfolded_solution_and_a_filter_that_drops_it():
    notebook = good_chapter()
    notebook.cells[9].metadata.pop("jupyter")
    assert "lacks jupyter=" in folded_solution_problems(notebook)[0]
    notebook = jupytext.reads(GOOD_CHAPTER.replace("jupyter,mystnb,tags,-all", "tags,mystnb,-all"), fmt="py:percent")
    assert any("cell_metadata_filter" in p for p in folded_solution_problems(notebook))
