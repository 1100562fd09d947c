"""Build the book the way CI and the README do, in four steps.

1. ``execute_chapters``: each ``notebooks/NN_name.py`` (py:percent, the source of
   truth) is converted with jupytext and executed with papermill, the preset passed
   as the ``PRESET`` parameter, into ``_build/executed/``.
2. ``stage_book``: the book's pages, configuration and the executed notebooks are
   copied into ``_build/stage/`` with execution switched off, so every chapter runs
   exactly once per build; the repository and launch buttons get their addresses
   from the environment (``site_links``).
3. ``build_site``: Jupyter Book 1.x writes the site to ``_build/html``.
4. ``check_site``: headless Chromium opens every page and reports pages that do not
   render, images that do not load, failed requests to the site itself, broken
   internal links, formulas MathJax did not typeset and console errors.  MathJax is
   served from the site itself; requests to CDNs (the widget renderer) fail offline
   and are reported apart, not as errors.

Used by ``tasks.py`` and by ``tests/integration``.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping
from urllib.parse import quote, urljoin, urlparse

import yaml

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
BUILD = ROOT / "_build"
EXECUTED = BUILD / "executed"
STAGE = BUILD / "stage"
HTML = BUILD / "html"
SCREENSHOTS = BUILD / "screenshots"
MISSING_PAGE = "no-such-folder/no-such-page.html"  # an address the browser check expects the 404 page at
# Files and folders of the book's source, copied into the stage as they are.
BOOK_SOURCES = ["_toc.yml", "book", "references.bib"]  # _config.yml is rewritten, see stage_book


def chapter_sources() -> list[Path]:
    """The chapter notebooks' py:percent sources, in chapter order."""
    return sorted(NOTEBOOKS.glob("[0-9][0-9]_*.py"))


def execute_chapter(source: Path, preset: str, out_dir: Path = EXECUTED, timeout: int = 3600) -> Path:
    """Execute one chapter with papermill; returns the executed ``.ipynb``.

    The notebook runs with ``notebooks/`` as its working directory, as it does for a
    reader who opens it on a JupyterHub.
    """
    import jupytext
    import papermill

    out_dir.mkdir(parents=True, exist_ok=True)
    unexecuted = out_dir / f"{source.stem}.input.ipynb"
    executed = out_dir / f"{source.stem}.ipynb"
    jupytext.write(jupytext.read(source), unexecuted)
    started = time.perf_counter()
    papermill.execute_notebook(
        str(unexecuted),
        str(executed),
        parameters={"PRESET": preset},
        kernel_name="python3",
        cwd=str(source.parent),
        progress_bar=False,
        execution_timeout=timeout,
    )
    unexecuted.unlink()
    print(f"executed {source.name} at preset {preset!r} in {time.perf_counter() - started:.0f} s", flush=True)
    return executed


def execute_chapters(preset: str) -> list[Path]:
    """Execute every chapter in order; returns the executed notebooks."""
    if EXECUTED.exists():
        shutil.rmtree(EXECUTED)
    return [execute_chapter(src, preset) for src in chapter_sources()]


def stage_book(executed: list[Path], links: SiteLinks | None = None) -> Path:
    """Copy the book's sources and the executed notebooks into ``_build/stage``.

    ``links`` sets the repository and launch buttons; by default ``site_links()``
    reads them from the environment.
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
    (STAGE / "notebooks").mkdir()
    for notebook in executed:
        shutil.copy2(notebook, STAGE / "notebooks" / notebook.name)
    (STAGE / "book" / "execution.md").write_text(execution_table(executed))
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    config.setdefault("execute", {})["execute_notebooks"] = "off"
    config = with_site_links(config, links or site_links())
    (STAGE / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    return STAGE


# Where the book's source is published and where readers can run its chapters belong
# to a deployment of the site, not to the book, so they are read from the build's
# environment (a CI job knows its repository) instead of being written into _config.yml.
REPOSITORY_HOSTS = ("github.com", "gitlab.com", "bitbucket.org")  # those sphinx-book-theme links to
DEFAULT_BINDERHUB = "https://mybinder.org"


@dataclass(frozen=True)
class SiteLinks:
    """The addresses behind the site's repository and launch buttons.

    ``repository_url`` is the public repository (``https://github.com/<org>/<repo>``);
    without it the site has no repository, issue or launch buttons, because every one
    of them points into the repository.  ``jupyterhub_url`` is a hub with nbgitpuller
    (``https://hub.example.edu``); ``binderhub_url`` a BinderHub, mybinder.org unless
    set otherwise.  An empty string switches a button off.  ``site_url`` is where the
    site itself is published (``https://owner.github.io/xpcs-nb/``); the 404 page
    needs its path, as it is shown at any depth of the site.
    """

    repository_url: str = ""
    branch: str = "main"
    binderhub_url: str = DEFAULT_BINDERHUB
    jupyterhub_url: str = ""
    site_url: str = ""

    @property
    def site_path(self) -> str:
        """The path the site is published under, with both slashes: "/" or "/xpcs-nb/"."""
        path = urlparse(self.site_url).path.strip("/")
        return f"/{path}/" if path else "/"


def site_links(environ: Mapping[str, str] | None = None) -> SiteLinks:
    """The site's links from ``XPCS_REPOSITORY_URL``, ``XPCS_REPOSITORY_BRANCH``,
    ``XPCS_BINDERHUB_URL``, ``XPCS_JUPYTERHUB_URL`` and ``XPCS_SITE_URL``.

    Without ``XPCS_REPOSITORY_URL`` the repository is read from ``git remote get-url
    origin`` when that is a public web address; a clone of a local folder has none.
    Raises ValueError, naming the variable, for an address that is not an http(s) URL
    or a repository on a host the theme can link to.
    """
    environ = os.environ if environ is None else environ
    repository = environ.get("XPCS_REPOSITORY_URL")
    if repository is None:
        repository = public_repository_url(_git_origin())
    links = SiteLinks(
        repository_url=_checked_url("XPCS_REPOSITORY_URL", repository.strip()),
        branch=environ.get("XPCS_REPOSITORY_BRANCH", "main").strip() or "main",
        binderhub_url=_checked_url("XPCS_BINDERHUB_URL", environ.get("XPCS_BINDERHUB_URL", DEFAULT_BINDERHUB).strip()),
        jupyterhub_url=_checked_url("XPCS_JUPYTERHUB_URL", environ.get("XPCS_JUPYTERHUB_URL", "").strip()),
        site_url=_checked_url("XPCS_SITE_URL", environ.get("XPCS_SITE_URL", "").strip()),
    )
    if links.repository_url:
        parsed = urlparse(links.repository_url)
        if parsed.hostname not in REPOSITORY_HOSTS or len(parsed.path.strip("/").split("/")) < 2:
            raise ValueError(f"XPCS_REPOSITORY_URL must be https://<host>/<owner>/<repository> on one of "
                             f"{', '.join(REPOSITORY_HOSTS)}; got {links.repository_url!r}")
    return links


def _checked_url(variable: str, value: str) -> str:
    if value and (urlparse(value).scheme not in ("http", "https") or not urlparse(value).hostname):
        raise ValueError(f"{variable} must be an http(s) URL such as https://host/path, got {value!r}")
    return value.rstrip("/")


def _git_origin() -> str:
    """The checkout's ``origin`` remote; "" without one (or without git, as in a tarball)."""
    try:
        result = subprocess.run(["git", "-C", str(ROOT), "remote", "get-url", "origin"],
                                capture_output=True, text=True)
    except FileNotFoundError:
        return ""
    return result.stdout.strip() if result.returncode == 0 else ""


def public_repository_url(remote: str) -> str:
    """The web address of a git remote on a public host, or "" for any other remote.

    >>> public_repository_url("git@github.com:owner/repo.git")
    'https://github.com/owner/repo'
    >>> public_repository_url("/home/me/clone")
    ''
    """
    remote = remote.strip()
    if remote.startswith("git@") and ":" in remote:  # scp-like ssh address
        host, path = remote[len("git@"):].split(":", 1)
        remote = f"https://{host}/{path}"
    parsed = urlparse(remote)
    if parsed.scheme not in ("http", "https", "ssh") or parsed.hostname not in REPOSITORY_HOSTS:
        return ""
    path = parsed.path.strip("/").removesuffix(".git")
    return f"https://{parsed.hostname}/{path}"


def with_site_links(config: dict, links: SiteLinks) -> dict:
    """A copy of the Jupyter Book configuration with the repository and launch buttons set.

    With a repository: the repository and issue buttons, and launch buttons for each
    hub given, each opening the chapter's ``.ipynb`` in JupyterLab.  Without one: no
    such buttons (Jupyter Book's default repository, its own, must not be linked).
    Either way the 404 page's links start from the site's path.
    """
    config = json.loads(json.dumps(config))  # deep copy
    html = config.setdefault("html", {})
    launch = config.setdefault("launch_buttons", {})
    _place_the_404_page(config, links)
    if not links.repository_url:
        html["use_repository_button"] = html["use_issues_button"] = False
        launch["binderhub_url"] = launch["jupyterhub_url"] = ""
        return config
    config.setdefault("repository", {}).update(url=links.repository_url, branch=links.branch)
    html["use_repository_button"] = html["use_issues_button"] = True
    launch.update(binderhub_url=links.binderhub_url, jupyterhub_url=links.jupyterhub_url)
    return config


def _place_the_404_page(config: dict, links: SiteLinks) -> None:
    """Root the 404 page's links at the site's path; it is served at any address."""
    sphinx_config = config.setdefault("sphinx", {}).setdefault("config", {})
    sphinx_config["notfound_urls_prefix"] = links.site_path
    context = sphinx_config.get("notfound_context", {})
    if "body" in context:
        context["body"] = context["body"].replace("href='/", f"href='{links.site_path}")
    if links.site_url:
        config.setdefault("html", {})["baseurl"] = links.site_url + "/"


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


def site_pages(html_dir: Path = HTML) -> list[str]:
    """Every page of the table of contents and the 404 page, as paths relative to the site root."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    pages = [toc["root"]]

    def walk(entries):
        for entry in entries:
            if "file" in entry:
                pages.append(entry["file"])
            walk(entry.get("sections", []))

    for part in toc.get("parts", []):
        walk(part.get("chapters", []))
    walk(toc.get("chapters", []))
    # and an address that does not exist, which shows the 404 page (sphinx-notfound-page)
    return [f"{Path(page).with_suffix('')}.html" for page in pages] + [MISSING_PAGE]


@dataclass
class PageReport:
    """What Chromium saw on one page."""

    page: str
    problems: list[str] = field(default_factory=list)
    offline_cdn_requests: list[str] = field(default_factory=list)
    images: int = 0
    internal_links: int = 0
    screenshot: str = ""


class _StaticHost(http.server.SimpleHTTPRequestHandler):
    """Serves the site under ``mount`` and answers a missing address with the site's
    ``404.html`` and status 404, as GitHub Pages and most static hosts do."""

    mount = "/"

    def log_message(self, *args):  # keep test output readable
        pass

    def translate_path(self, path):
        if not path.startswith(self.mount):
            return str(Path(self.directory) / "__outside_the_mount__" / "missing")  # never exists
        return super().translate_path("/" + path[len(self.mount):])

    def send_error(self, code, message=None, explain=None):
        not_found_page = Path(self.directory) / "404.html"
        if code != 404 or not not_found_page.exists():
            return super().send_error(code, message, explain)
        body = not_found_page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


def serve(directory: Path, mount: str = "/") -> tuple[http.server.ThreadingHTTPServer, str]:
    """Serve ``directory`` at ``mount`` ("/" or "/xpcs-nb/") on a free loopback port.

    Returns (server, base URL of the site).
    """
    if not (mount.startswith("/") and mount.endswith("/")):
        raise ValueError(f"mount must start and end with '/', e.g. '/xpcs-nb/', got {mount!r}")
    handler = functools.partial(type("Host", (_StaticHost,), {"mount": mount}), directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}{mount}"


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def find_chromium() -> str:
    """Path of Debian's Chromium, or a RuntimeError that says how to install it."""
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    raise RuntimeError("headless Chromium not found: install Debian's package with `apt-get install chromium`")


def check_site(html_dir: Path = HTML, pages: list[str] | None = None, screenshot_dir: Path = SCREENSHOTS,
               width: int = 1366, height: int = 900, mount: str = "/") -> list[PageReport]:
    """Open every page in headless Chromium, the site served at ``mount``; one report per page.

    A page fails when it does not answer 200 (404 for :data:`MISSING_PAGE`, which
    must show the site's 404 page), has no heading, shows a Sphinx or
    notebook error, has an image that does not load or a formula that MathJax did
    not typeset, links to a page or anchor of the site that does not exist,
    requests a file of the site that fails, or logs a
    console error that is not caused by an offline CDN request.
    """
    pages = pages or site_pages(html_dir)
    screenshot_dir.mkdir(parents=True, exist_ok=True)
    with browse(html_dir, width, height, mount) as (context, base):
        return [_check_page(context, base, page_path, screenshot_dir, html_dir) for page_path in pages]


@contextlib.contextmanager
def browse(html_dir: Path = HTML, width: int = 1366, height: int = 900, mount: str = "/"):
    """Serve ``html_dir`` at ``mount`` on loopback and open headless Chromium.

    Yields (browser context, base URL of the site).
    """
    from playwright.sync_api import sync_playwright

    server, base = serve(html_dir, mount)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=find_chromium(), headless=True, args=CHROMIUM_ARGS)
            try:
                yield browser.new_context(viewport={"width": width, "height": height}), base
            finally:
                browser.close()
    finally:
        server.shutdown()


def search_site(query: str, html_dir: Path = HTML) -> list[str]:
    """The pages the site's own search box lists for ``query`` (paths relative to the site root).

    Runs Sphinx's search page in Chromium, as a reader's search does.
    """
    with browse(html_dir) as (context, base):
        page = context.new_page()
        page.goto(urljoin(base, f"search.html?q={quote(query)}"), wait_until="load")
        page.wait_for_selector("#search-results p.search-summary", timeout=20_000)
        links = page.eval_on_selector_all("#search-results li a", "els => els.map(e => e.href)")
    return sorted({urlparse(_site_relative(link, base)).path for link in links})


def _is_own(url: str, base: str) -> bool:
    """True for any address on the test server, inside the site's path or not."""
    parsed = urlparse(base)
    return url.startswith(f"{parsed.scheme}://{parsed.netloc}/")


def _site_relative(url: str, base: str) -> str:
    """``http://host/mount/book/a.html#x`` -> ``book/a.html#x``."""
    return url[len(base):]


def _check_page(context, base: str, page_path: str, screenshot_dir: Path, html_dir: Path) -> PageReport:
    report = PageReport(page=page_path)
    page = context.new_page()
    failed_requests: list[str] = []
    console_errors: list[tuple[str, str]] = []
    page.on("requestfailed", lambda request: failed_requests.append(request.url))
    page.on("console", lambda msg: console_errors.append((msg.text, msg.location.get("url", ""))) if msg.type == "error" else None)
    page.on("pageerror", lambda error: console_errors.append((f"uncaught: {error}", "")))

    expected_status = 404 if page_path == MISSING_PAGE else 200
    response = page.goto(urljoin(base, page_path), wait_until="load")
    if response is None or response.status != expected_status:
        report.problems.append(f"HTTP status {None if response is None else response.status}, "
                               f"expected {expected_status}")
    page.wait_for_timeout(500)  # late scripts (copy buttons, togglebuttons) settle

    if page.locator("main h1, article h1").count() == 0:
        report.problems.append("no <h1> heading in the page body")
    body_text = page.locator("main").inner_text() if page.locator("main").count() else ""
    for marker in ("Traceback (most recent call last)", "Unknown directive type", "WARNING: ", "ERROR: "):
        if marker in body_text:
            report.problems.append(f"page body shows {marker.strip()!r}")

    _check_math(page, report)

    images = page.eval_on_selector_all(
        "img", "els => els.map(e => ({src: e.currentSrc || e.src, ok: e.complete && e.naturalWidth > 0}))")
    report.images = len(images)
    for image in images:
        if not image["ok"]:
            report.problems.append(f"image does not load: {image['src']}")

    report.internal_links = _check_internal_links(page, base, report, html_dir)

    for url in failed_requests:
        if _is_own(url, base):
            report.problems.append(f"request for the site's own file failed: {url}")
        else:
            report.offline_cdn_requests.append(url)
    for text, url in console_errors:
        if expected_status == 404 and response is not None and url == response.url:
            continue  # the browser reports the 404 we asked for
        from_a_cdn = bool(url) and not _is_own(url, base)
        about_a_cdn_request = any(cdn_url in text for cdn_url in report.offline_cdn_requests)
        if not (from_a_cdn or about_a_cdn_request):
            report.problems.append(f"console error: {text} ({url})")

    shot = screenshot_dir / ("404.png" if page_path == MISSING_PAGE else page_path.replace("/", "__").replace(".html", ".png"))
    page.screenshot(path=str(shot), full_page=False)
    report.screenshot = str(shot)
    page.close()
    return report


def _check_math(page, report: PageReport) -> None:
    """Every formula Sphinx wrote (``.math`` elements) must be typeset by MathJax, without errors."""
    formulas = page.locator(".math").count()
    if formulas == 0:
        return
    typeset = page.evaluate(
        "async () => { if (!window.MathJax?.startup?.promise) return false;"
        " await MathJax.startup.promise; return true; }")
    if not typeset:
        report.problems.append(f"{formulas} formulas but MathJax did not load")
        return
    rendered = page.locator("mjx-container").count()
    if rendered < formulas:
        report.problems.append(f"only {rendered} of {formulas} formulas typeset by MathJax")
    errors = page.locator("mjx-merror").all_inner_texts()
    if errors:
        report.problems.append(f"MathJax errors: {errors[:3]}")


def _check_internal_links(page, base: str, report: PageReport, html_root: Path) -> int:
    """Every link to the site's own pages must reach an existing page and anchor."""
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
    own = sorted({h for h in hrefs if _is_own(h, base)})
    here = page.url.split("#")[0]
    for href in own:
        if href.split("#")[0] == here:  # an anchor on this very page (the 404 page has no file of its own)
            fragment = urlparse(href).fragment
            if fragment and page.locator(f'[id="{fragment}"]').count() == 0:
                report.problems.append(f"link to a missing anchor: {href}")
            continue
        if not href.startswith(base):
            report.problems.append(f"internal link outside the site's path {urlparse(base).path}: {href}")
            continue
        parsed = urlparse(_site_relative(href, base))
        target = html_root / parsed.path
        if parsed.path.endswith("/"):
            target = target / "index.html"
        if not target.exists():
            report.problems.append(f"broken internal link: {href}")
            continue
        if parsed.fragment and target.suffix == ".html":
            text = target.read_text(errors="replace")
            if f'id="{parsed.fragment}"' not in text and f"name=\"{parsed.fragment}\"" not in text:
                report.problems.append(f"link to a missing anchor: {href}")
    return len(own)


def summarise(reports: list[PageReport]) -> str:
    """One line per page (ok / FAIL, images, links, CDN requests), then its problems."""
    lines = []
    for r in reports:
        status = "ok" if not r.problems else "FAIL"
        lines.append(f"{status:4} {r.page}: {r.images} images, {r.internal_links} internal links, "
                     f"{len(r.offline_cdn_requests)} offline CDN requests")
        lines += [f"       - {p}" for p in r.problems]
    return "\n".join(lines)


if __name__ == "__main__":  # python -m tools.book check  (after a build)
    reports = check_site()
    print(summarise(reports))
    print(json.dumps([r.__dict__ for r in reports], indent=1)[:2000])
    sys.exit(1 if any(r.problems for r in reports) else 0)
