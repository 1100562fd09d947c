"""Steps 1 to 3 of the build: execute the chapters, stage the book, run Jupyter Book.

1. :func:`execute_chapters`: each ``notebooks/NN_name.py`` (py:percent, the source of
   truth) is converted with jupytext and executed with papermill, the preset passed
   as the ``PRESET`` parameter, into ``_build/executed/``; each Markdown cell's
   ``{eval}`` roles are evaluated when the cell is reached and kept in its metadata as
   jupyterlab-myst keeps them (``execution.py``, ``expressions.py``).
2. :func:`stage_book`: the book's pages, configuration and the executed notebooks are
   copied into ``_build/stage/`` with execution switched off, each ``{eval}`` role
   replaced by its stored value (myst-nb does not evaluate them), so every chapter runs
   exactly once per build; the repository and launch buttons get their addresses
   from the environment (:func:`tools.book.links.site_links`); the widget renderer
   is copied in from npm (:func:`tools.book.widgets.stage_widget_js`), so the site
   loads no script from a CDN.
3. :func:`build_site`: Jupyter Book 1.x writes the site to ``_build/html``.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

from .cache import CHAPTER_CACHE, cached_execution, execution_key, keep_execution
from .expressions import METADATA_KEY, ExpressionError, written_in
from .links import SiteLinks, site_links, with_site_links
from .paths import BOOK_SOURCES, EXECUTED, NOTEBOOKS, ROOT, STAGE
from .widgets import STATIC_FOLDER, stage_widget_js

__all__ = ["CELL_TIMEOUT_S", "cell_timeout", "chapter_sources", "ChapterRun", "run_chapter", "execute_chapter", "execute_chapters", "stage_book", "write_values_in", "execution_table",
           "build_site"]


CELL_TIMEOUT_S = {"fast": 3600}
"""Seconds one cell may run, by preset. ``fast`` is what CI, Binder and laptops run: a cell
past an hour there is a fault. The larger presets train for hours in one cell on a
2-core CPU without AVX-512 (chapter 4 at ``class_cpu``), so they get no cell limit;
the job running them bounds the whole (``timeout-minutes`` in the workflow)."""


def cell_timeout(preset: str) -> int | None:
    """The cell limit of :data:`CELL_TIMEOUT_S` for ``preset``; None (no limit) for the larger presets.

    >>> cell_timeout("fast"), cell_timeout("class_cpu")
    (3600, None)
    """
    return CELL_TIMEOUT_S.get(preset)


def chapter_sources() -> list[Path]:
    """The chapter notebooks' py:percent sources, in chapter order."""
    return sorted(NOTEBOOKS.glob("[0-9][0-9]_*.py"))


@dataclass(frozen=True)
class ChapterRun:
    """One chapter's execution: the executed notebook, whether it was reused from the
    chapter cache (:mod:`tools.book.cache`), the key it is kept under, and the seconds taken."""

    notebook: Path
    reused: bool
    key: str
    seconds: float


def run_chapter(source: Path, preset: str, out_dir: Path = EXECUTED, timeout: int | None = None,
                cache: Path | None = CHAPTER_CACHE) -> ChapterRun:
    """Execute one chapter with papermill, or reuse its kept execution; the executed ``.ipynb``
    lands in ``out_dir``.

    The notebook runs with ``notebooks/`` as its working directory, as it does for a
    reader who opens it on a JupyterHub. The Markdown cells' ``{eval}`` roles are
    evaluated on the way (:mod:`tools.book.execution`); one that fails stops the
    execution with an :class:`ExpressionError` naming the chapter, cell and expression.
    With a ``cache`` folder, an execution kept there under the same key (the chapter,
    the package, the environment, the preset: :func:`tools.book.cache.execution_key`)
    is copied instead of run, and a new execution is kept; ``cache=None`` always runs.
    ``timeout``: seconds a cell may run; default :func:`cell_timeout` of the preset.
    """
    import jupytext
    import papermill

    from .execution import ENGINE

    started = time.perf_counter()
    key = execution_key(source, preset)
    kept = cached_execution(source, key, out_dir, cache) if cache is not None else None
    if kept is not None:
        print(f"reused the execution of {source.name} at preset {preset!r} kept under key {key[:12]} "
              f"({cache}): its source, the package, the environment and the preset are unchanged", flush=True)
        return ChapterRun(kept, True, key, time.perf_counter() - started)
    out_dir.mkdir(parents=True, exist_ok=True)
    unexecuted = out_dir / f"{source.stem}.input.ipynb"
    executed = out_dir / f"{source.stem}.ipynb"
    jupytext.write(jupytext.read(source), unexecuted)
    try:
        papermill.execute_notebook(
            str(unexecuted),
            str(executed),
            parameters={"PRESET": preset},
            kernel_name="python3",
            engine_name=ENGINE,
            cwd=str(source.parent),
            progress_bar=False,
            execution_timeout=cell_timeout(preset) if timeout is None else timeout,
        )
    except ExpressionError as error:
        raise ExpressionError(f"{source.name}: {error}") from None
    unexecuted.unlink()
    if cache is not None:
        keep_execution(source, key, executed, preset, cache)
    seconds = time.perf_counter() - started
    print(f"executed {source.name} at preset {preset!r} in {seconds:.0f} s", flush=True)
    return ChapterRun(executed, False, key, seconds)


def execute_chapter(source: Path, preset: str, out_dir: Path = EXECUTED, timeout: int | None = None,
                    cache: Path | None = CHAPTER_CACHE) -> Path:
    """:func:`run_chapter`, returning only the executed notebook."""
    return run_chapter(source, preset, out_dir, timeout, cache).notebook


def execute_chapters(preset: str, cache: Path | None = CHAPTER_CACHE) -> list[Path]:
    """Execute every chapter in order (or reuse its kept execution); returns the executed notebooks."""
    if EXECUTED.exists():
        shutil.rmtree(EXECUTED)
    return [execute_chapter(src, preset, cache=cache) for src in chapter_sources()]


def stage_book(executed: list[Path], links: SiteLinks | None = None, with_values: bool = True) -> Path:
    """Copy the book's sources and the executed notebooks into ``_build/stage``.

    ``links`` sets the repository and launch buttons; by default ``site_links()``
    reads them from the environment. RequireJS and the widget renderer go into
    ``_vendor/``, which ``_config.yml`` publishes as ``_static``. Each ``{eval}`` role
    of a notebook is replaced by its stored value (:func:`write_values_in`);
    ``with_values=False`` copies the notebooks as they are (the link check stages the
    unexecuted ones).
    """
    if STAGE.exists():
        shutil.rmtree(STAGE)
    STAGE.mkdir(parents=True)
    for name in BOOK_SOURCES:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, STAGE / name)
        elif src.exists():
            shutil.copy2(src, STAGE / name)
    stage_widget_js(STAGE / STATIC_FOLDER)
    (STAGE / "notebooks").mkdir()
    for notebook in executed:
        if with_values:
            write_values_in(notebook, STAGE / "notebooks" / notebook.name)
        else:
            shutil.copy2(notebook, STAGE / "notebooks" / notebook.name)
    (STAGE / "book" / "execution.md").write_text(execution_table(executed))
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    config.setdefault("execute", {})["execute_notebooks"] = "off"
    config = with_site_links(config, links or site_links())
    (STAGE / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    return STAGE


def write_values_in(executed: Path, staged: Path) -> Path:
    """Copy the executed notebook ``executed`` to ``staged``, each Markdown cell's ``{eval}``
    roles replaced by the text JupyterLab shows for them (from the cell's stored results).

    A role without a stored result raises :class:`ExpressionError` naming the notebook,
    the cell and the role: the site must not show a role, nor a value of another run.
    """
    import nbformat

    notebook = nbformat.read(executed, as_version=4)
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "markdown":
            cell.source = written_in(cell.source, cell.metadata.get(METADATA_KEY, []),
                                     where=f"{executed.name}, Markdown cell {index}: ")
    nbformat.write(notebook, staged)
    return staged


def execution_table(executed: list[Path]) -> str:
    """The execution-times page: one row per chapter, from papermill's metadata."""
    import nbformat

    rows = []
    for path in executed:
        run = nbformat.read(path, as_version=4).metadata.get("papermill", {})
        preset = run.get("parameters", {}).get("PRESET", "?")
        finished = str(run.get("end_time", ""))[:19].replace("T", " ")
        rows.append(f"| [{path.stem}](../notebooks/{path.name}) | `{preset}` | {run.get('duration', float('nan')):.0f} | {finished} |")
    return "\n".join([
        "# Execution times",
        "",
        "How long each chapter took to execute, with papermill, in the build that produced this site.",
        "",
        "| chapter | preset | seconds | finished (UTC) |",
        "| --- | --- | ---: | --- |",
        *rows,
        "",
    ])


def build_site(stage: Path = STAGE, warnings_as_errors: bool = True, builder: str = "html",
               output: Path = ROOT) -> subprocess.CompletedProcess:
    """Run Jupyter Book on the stage; the site lands in ``<output>/_build/<builder>``
    (``_build/html`` by default), its log in ``<output>/_build/jupyter-book-<builder>.log``."""
    target = output / "_build" / builder
    if builder == "html" and target.exists():
        shutil.rmtree(target)
    command = [str(Path(sys.executable).parent / "jupyter-book"), "build", str(stage), "--path-output", str(output),
               "--all", "--builder", builder]
    if warnings_as_errors:
        command += ["-W", "--keep-going"]
    result = subprocess.run(command, capture_output=True, text=True)
    (output / "_build").mkdir(parents=True, exist_ok=True)
    (output / "_build" / f"jupyter-book-{builder}.log").write_text(result.stdout + result.stderr)
    return result
