"""What a student sees in JupyterLab: each executed chapter opened in a real JupyterLab.

The chapters are written for JupyterLab with the extension jupyterlab-myst, which
renders their MyST Markdown (roles, directives, maths) and shows the ``{eval}`` values
stored in each Markdown cell's metadata (:mod:`tools.book.expressions`). This module
starts ``jupyter lab`` from this environment on a free loopback port
(:func:`lab_server`), opens each notebook in headless Chromium (:func:`check_in_lab`),
and reports, per chapter:

* MyST that JupyterLab does not render as the site does (:func:`lab_problems`): markup
  shown as text (:func:`raw_markup`: a role, a directive fence, a target line); a role
  jupyterlab-myst does not know, which it shows as its bare content (``{glue:text}`ari```
  shows "ari", indistinguishable from a value, so the roles are read from the source);
  an ``{eval}`` role without a stored value (it shows the expression as code); a
  citation it cannot resolve ("Citation Not Found": it has no bibliography); an
  unknown directive;
* stored ``{eval}`` values that the page does not show.

It takes one screenshot per chapter into ``_build/jupyterlab/``.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from .browser import CHROMIUM_ARGS, find_chromium
from .expressions import METADATA_KEY, displayed_text, roles
from .paths import BUILD, ROOT

__all__ = ["LAB_SCREENSHOTS", "LAB_SETTINGS", "LabReport", "raw_markup", "source_roles", "lab_problems",
           "expected_values", "lab_server", "check_in_lab"]

LAB_SCREENSHOTS = BUILD / "jupyterlab"
# JupyterLab's settings for the check: every cell in the page (no windowing, so the
# text of the whole notebook can be read), and no network calls for news or updates.
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none", "kernelShutdown": True},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false",
                                                                         "checkForUpdates": False},
}

# MyST markup a reader must never see as text: a role (name in braces, then a backtick),
# a directive's opening fence (``` or ::: and a name in braces), and a target or
# comment line of MyST's block syntax.
_RAW = [
    re.compile(r"\{[a-z][\w:.-]*\}`[^`\n]*`?"),   # {eval}`x`, {glue:text}`k`, {cite:p}`a`, {numref}`fig`
    re.compile(r"(?:`{3,}|~{3,}|:{3,})\s*\{[a-z][\w:.-]*\}[^\n]*"),  # ```{note}, :::{admonition} Title
    re.compile(r"^\s*\([\w-]+\)=\s*$", re.M),     # (label)= target lines
]


def raw_markup(text: str) -> list[str]:
    """The pieces of MyST markup in ``text`` (a rendered cell's visible text), in order.

    >>> raw_markup("The MSE is 0.52 and the rate ≈ 3 s⁻¹ (Fig. 1).")
    []
    >>> raw_markup("The MSE is {eval}`mse_text`, see {cite:p}`horwath2024`.")
    ['{eval}`mse_text`', '{cite:p}`horwath2024`']
    >>> raw_markup("pasted: {glue:text}`ari`\\n:::{admonition} Note\\n```{figure} a.png")
    ['{glue:text}`ari`', ':::{admonition} Note', '```{figure} a.png']
    """
    found = []
    for pattern in _RAW:
        found += [(m.start(), m.group().strip()) for m in pattern.finditer(text)]
    return [piece for _, piece in sorted(found)]


# Roles jupyterlab-myst 2.7 renders as the site does (cross-references within the
# notebook, maths, small inline markup); {eval} is checked on its own.
LAB_ROLES = {"eval", "math", "numref", "ref", "eq", "term", "sub", "sup", "abbr", "kbd", "u", "underline",
             "strike", "smallcaps", "chem", "button"}


def source_roles(markdown: str) -> list[tuple[str, str]]:
    """(name, content) of each role in ``markdown``, outside fenced code blocks and inline code.

    >>> source_roles("See {cite:p}`horwath2024`, `{eval}` in code, {glue:text}`ari` and {eval}`n`.")
    [('cite:p', 'horwath2024'), ('glue:text', 'ari'), ('eval', 'n')]
    """
    return [(m.group("name"), m.group("content")) for m in roles(markdown)]


def lab_problems(source: str, stored: list[str], shown_text: str, shown_html: str) -> list[str]:
    """What is wrong with one Markdown cell as JupyterLab (with jupyterlab-myst) shows it.

    ``source`` is the cell's Markdown, ``stored`` the texts of its stored ``{eval}``
    values (:func:`expected_values`), ``shown_text`` and ``shown_html`` the visible text
    and the HTML of the rendered cell. Empty when the cell is fine.

    >>> lab_problems("MSE {eval}`mse`.", ["0.52"], "MSE 0.52.", "<p>MSE <span>0.52</span>.</p>")
    []
    >>> lab_problems("Pasted: {glue:text}`ari`.", [], "Pasted: ari.", "<p>Pasted: <span>ari</span>.</p>")
    ["{glue:text}`ari`: jupyterlab-myst does not render this role as the site does (it shows 'ari' as plain text, or as a link that does not resolve)"]
    >>> lab_problems("{eval}`t` s, then {eval}`t` s again.", ["9"], "9 s, then 9 s again.", "")
    []
    >>> lab_problems("MSE {eval}`mse`.", [], "MSE mse.", "<p>MSE <code>mse</code>.</p>")
    ["{eval}`mse` has no stored value: JupyterLab shows the expression 'mse' until the reader runs the cell"]
    """
    problems = [f"shows MyST as text: {piece!r}" for piece in raw_markup(shown_text)]
    evals = []
    for name, content in source_roles(source):
        if name == "eval":
            evals.append(content)
        elif name.startswith("cite"):
            pass  # counted from the page below, where jupyterlab-myst marks it
        elif name not in LAB_ROLES:
            problems.append(f"{{{name}}}`{content}`: jupyterlab-myst does not render this role as the site does "
                            f"(it shows {content!r} as plain text, or as a link that does not resolve)")
    evals = list(dict.fromkeys(evals))  # a role repeated in the cell is stored (and counted) once
    for expression in evals[len(stored):] if len(evals) > len(stored) else []:
        problems.append(f"{{eval}}`{expression}` has no stored value: JupyterLab shows the expression "
                        f"{expression!r} until the reader runs the cell")
    text = " ".join(shown_text.split())
    problems += [f"the stored value {value!r} is not shown" for value in stored if " ".join(value.split()) not in text]
    unresolved = shown_html.count('title="Citation Not Found"')
    if unresolved:
        problems.append(f"{unresolved} citation(s) shown as 'Citation Not Found' with a warning icon and the bare key "
                        "(jupyterlab-myst has no bibliography): write the reference as a Markdown link instead")
    for marker in ("Unknown Directive", "Unknown Role", "Unknown role"):
        if marker in shown_text:
            problems.append(f"jupyterlab-myst shows {marker!r}")
    return problems


def expected_values(notebook) -> dict[int, list[str]]:
    """Cell index -> the texts JupyterLab must show for that Markdown cell's stored ``{eval}`` values."""
    return {i: [displayed_text(entry["result"]) for entry in cell.metadata.get(METADATA_KEY, [])]
            for i, cell in enumerate(notebook.cells)
            if cell.cell_type == "markdown" and cell.metadata.get(METADATA_KEY)}


@dataclass
class LabReport:
    """What JupyterLab showed for one notebook."""

    notebook: str
    cells: int = 0
    markdown_cells: int = 0
    values_checked: int = 0
    problems: list[str] = field(default_factory=list)
    screenshot: str = ""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def lab_server(root: Path = ROOT, timeout_s: float = 90.0):
    """Run ``jupyter lab`` from this environment, serving ``root``, on a free loopback port.

    The server has its own token, settings (:data:`LAB_SETTINGS`) and runtime folders in
    a temporary folder, opens no browser and is stopped on exit. Yields (base URL, token).
    """
    token, port = secrets.token_hex(16), _free_port()
    with tempfile.TemporaryDirectory(prefix="xpcs-lab-") as scratch:
        settings = Path(scratch) / "settings"
        for name, values in LAB_SETTINGS.items():
            (settings / name).parent.mkdir(parents=True, exist_ok=True)
            (settings / name).write_text(json.dumps(values))
        command = [str(Path(sys.executable).parent / "jupyter-lab"), "--no-browser", f"--port={port}",
                   "--ip=127.0.0.1", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
                   f"--LabApp.user_settings_dir={settings}", f"--LabApp.workspaces_dir={Path(scratch) / 'workspaces'}",
                   "--ServerApp.port_retries=0", "--LabApp.extension_manager=readonly",
                   "--LabApp.expose_app_in_browser=True"]  # window.jupyterapp: the check hides the file browser
        if os.geteuid() == 0:  # a container's root, as on a CI runner image
            command.append("--allow-root")
        environment = dict(os.environ, JUPYTER_RUNTIME_DIR=str(Path(scratch) / "runtime"))
        log = open(Path(scratch) / "lab.log", "w")
        server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=environment,
                                  start_new_session=True)
        base = f"http://127.0.0.1:{port}/"
        try:
            _wait_for(base, token, server, timeout_s, Path(scratch) / "lab.log")
            yield base, token
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.pid, signal.SIGTERM)  # the server and the kernels it started
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
            log.close()


def _wait_for(base: str, token: str, server: subprocess.Popen, timeout_s: float, log: Path) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"jupyter lab exited with code {server.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{base}api/status?token={token}", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"jupyter lab did not answer within {timeout_s:.0f} s:\n{log.read_text()[-3000:]}")


# In the page: each cell's kind and visible text, in notebook order (windowing off: all are there).
_CELLS_JS = """() => [...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell')]
  .map(c => ({markdown: c.classList.contains('jp-MarkdownCell'),
              rendered: c.classList.contains('jp-mod-rendered'),
              text: (c.querySelector('.myst, .jp-RenderedMarkdown') || {}).innerText || '',
              html: (c.querySelector('.myst, .jp-RenderedMarkdown') || {}).innerHTML || ''}))"""


def check_in_lab(notebooks: list[Path], screenshot_dir: Path = LAB_SCREENSHOTS, root: Path = ROOT,
                 width: int = 1280, height: int = 900, render_timeout_s: float = 90.0) -> list[LabReport]:
    """Open each notebook (inside ``root``) in one JupyterLab and one headless Chromium; one report each.

    JupyterLab loads once; the notebooks are opened one after the other, as a reader
    opens them from the file browser (and closed again, their kernels shut down). A
    notebook fails when JupyterLab does not show all its cells or leaves a Markdown
    cell unrendered, or when :func:`lab_problems` finds something wrong in a Markdown
    cell. A screenshot of the top of each notebook, file browser hidden, as a student
    first sees it, goes to ``screenshot_dir/<name>.png``.
    """
    import nbformat
    from playwright.sync_api import sync_playwright

    screenshot_dir.mkdir(parents=True, exist_ok=True)
    reports = []
    with lab_server(root) as (base, token), sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=find_chromium(), headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_context(viewport={"width": width, "height": height}).new_page()
            page.goto(f"{base}lab?reset&token={token}", wait_until="load")
            page.wait_for_function("() => window.jupyterapp?.started !== undefined", timeout=render_timeout_s * 1000)
            page.evaluate("async () => { await window.jupyterapp.started; await window.jupyterapp.restored;"
                          " await window.jupyterapp.commands.execute('application:toggle-left-area'); }")
            for path in notebooks:
                notebook = nbformat.read(path, as_version=4)
                relative = str(path.resolve().relative_to(root.resolve()))
                reports.append(_check_notebook(page, relative, path, notebook, screenshot_dir, render_timeout_s))
        finally:
            browser.close()
    return reports


def _check_notebook(page, relative: str, path: Path, notebook, screenshot_dir: Path,
                    render_timeout_s: float) -> LabReport:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    report = LabReport(notebook=path.name, cells=len(notebook.cells),
                       markdown_cells=sum(c.cell_type == "markdown" for c in notebook.cells))
    page.evaluate("async path => { await window.jupyterapp.commands.execute('docmanager:open',"
                  " {path, factory: 'Notebook'}); }", relative)
    expected_count = len(notebook.cells)
    try:
        page.wait_for_function(
            f"() => {{ const cells = ({_CELLS_JS})(); return cells.length === {expected_count}"
            " && cells.every(c => !c.markdown || (c.rendered && c.text.length > 0)); }",
            timeout=render_timeout_s * 1000)
    except PlaywrightTimeout:
        pass  # counted below, with what was there
    page.wait_for_timeout(1000)  # maths and inline values settle
    cells = page.evaluate(_CELLS_JS)
    if len(cells) != expected_count:
        report.problems.append(f"JupyterLab shows {len(cells)} cells, the notebook has {expected_count}")
    values = expected_values(notebook)
    for i, (cell, shown) in enumerate(zip(notebook.cells, cells)):
        if cell.cell_type != "markdown":
            continue
        heading = cell.source.strip().splitlines()[0][:50] if cell.source.strip() else ""
        if not shown["rendered"]:
            report.problems.append(f"Markdown cell {i} ({heading!r}) is not rendered")
        report.values_checked += len(values.get(i, []))
        report.problems += [f"Markdown cell {i} ({heading!r}): {problem}"
                            for problem in lab_problems(cell.source, values.get(i, []), shown["text"], shown["html"])]
    shot = screenshot_dir / f"{path.stem}.png"
    page.screenshot(path=str(shot))
    report.screenshot = str(shot)
    # close without saving: JupyterLab marks a notebook changed once its kernel starts
    page.evaluate("() => { for (const w of [...window.jupyterapp.shell.widgets('main')]) {"
                  " if (w.context) { w.context.model.dirty = false; } w.dispose(); } }")
    page.wait_for_timeout(500)
    return report
