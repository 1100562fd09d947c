"""Step 4 of the build: headless Chromium opens every page of the built site.

:func:`check_site` reports pages that do not render, images that do not load, failed
requests to the site itself, any request that leaves the site, broken internal links,
formulas MathJax did not typeset, widgets the renderer did not draw and console
errors. The site is served by a static host on loopback (:func:`serve`), which answers
a missing address with the site's 404 page as GitHub Pages does. The site serves all
its scripts itself (MathJax, RequireJS, the widget renderer: ``widgets.py``), so a
request to any other host, a CDN included, is an error: a reader offline, or behind a
firewall, would meet a page that half works.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urljoin, urlparse

import yaml

from .paths import HTML, ROOT, SCREENSHOTS

__all__ = ["MISSING_PAGE", "CHROMIUM_NAMES", "CHROMIUM_ARGS", "PageReport", "site_pages", "serve", "find_chromium",
           "browse", "check_site", "search_site", "summarise"]

MISSING_PAGE = "no-such-folder/no-such-page.html"  # an address the browser check expects the 404 page at


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
    outside_requests: list[str] = field(default_factory=list)  # addresses not on the site's host
    images: int = 0
    widgets: int = 0  # ipywidgets views the renderer drew
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


CHROMIUM_NAMES = ("chromium", "chromium-browser")  # Debian's package, and Ubuntu's older name


def find_chromium() -> str:
    """Path of Debian's Chromium on the ``PATH``, or a RuntimeError that says how to install it.

    The one lookup: the browser check launches what it finds, and ``tasks.py``
    installs the package when it finds nothing.
    """
    for name in CHROMIUM_NAMES:
        path = shutil.which(name)
        if path:
            return path
    raise RuntimeError(f"headless Chromium not found (none of {', '.join(CHROMIUM_NAMES)} on the PATH): "
                       "install Debian's package with `apt-get install chromium`")


def check_site(html_dir: Path = HTML, pages: list[str] | None = None, screenshot_dir: Path = SCREENSHOTS,
               width: int = 1366, height: int = 900, mount: str = "/",
               widget_timeout_s: float = 20.0) -> list[PageReport]:
    """Open every page in headless Chromium, the site served at ``mount``; one report per page.

    A page fails when it does not answer 200 (404 for :data:`MISSING_PAGE`, which
    must show the site's 404 page), has no heading, shows a Sphinx or
    notebook error, has an image that does not load, a formula that MathJax did
    not typeset or a saved widget that is not drawn, links to a page or anchor of
    the site that does not exist, requests a file of the site that fails, makes
    any request to another host, or logs a console error. Widgets are waited for up
    to ``widget_timeout_s`` seconds per page.
    """
    pages = pages or site_pages(html_dir)
    screenshot_dir.mkdir(parents=True, exist_ok=True)
    with browse(html_dir, width, height, mount) as (context, base):
        return [_check_page(context, base, page_path, screenshot_dir, html_dir, widget_timeout_s)
                for page_path in pages]


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


def _leaves_the_site(url: str, base: str) -> bool:
    """True for a network request to another host; ``data:`` and ``blob:`` never leave the page.

    >>> base = "http://127.0.0.1:8000/xpcs-nb/"
    >>> _leaves_the_site("https://cdn.jsdelivr.net/npm/x.js", base), _leaves_the_site("data:font/woff2;base64,AA", base)
    (True, False)
    >>> _leaves_the_site("http://127.0.0.1:8000/xpcs-nb/_static/widgets/require.js", base)
    False
    """
    return urlparse(url).scheme not in ("data", "blob", "about") and not _is_own(url, base)


def _site_relative(url: str, base: str) -> str:
    """``http://host/mount/book/a.html#x`` -> ``book/a.html#x``."""
    return url[len(base):]


def _check_page(context, base: str, page_path: str, screenshot_dir: Path, html_dir: Path,
                widget_timeout_s: float) -> PageReport:
    report = PageReport(page=page_path)
    page = context.new_page()
    failed_requests: list[str] = []
    console_errors: list[tuple[str, str]] = []
    page.on("request", lambda request: report.outside_requests.append(request.url)
            if _leaves_the_site(request.url, base) else None)
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
    _check_widgets(page, report, widget_timeout_s)

    images = page.eval_on_selector_all(
        "img", "els => els.map(e => ({src: e.currentSrc || e.src, ok: e.complete && e.naturalWidth > 0}))")
    report.images = len(images)
    for image in images:
        if not image["ok"]:
            report.problems.append(f"image does not load: {image['src']}")

    report.internal_links = _check_internal_links(page, base, report, html_dir)

    for url in report.outside_requests:
        report.problems.append(f"request leaving the site: {url}")
    for url in failed_requests:
        if _is_own(url, base):
            report.problems.append(f"request for the site's own file failed: {url}")
    for text, url in console_errors:
        if expected_status == 404 and response is not None and url == response.url:
            continue  # the browser reports the 404 we asked for
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


WIDGET_VIEW = 'script[type="application/vnd.jupyter.widget-view+json"]'


def _check_widgets(page, report: PageReport, timeout_s: float) -> None:
    """Every saved widget view must be drawn by the renderer (``@jupyter-widgets/html-manager``).

    The renderer puts a ``div.widget-subarea`` before each view's script tag and draws
    the widget into it (elements of class ``jupyter-widgets``); it works after the
    page's load event, so this waits for it.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    saved = page.locator(WIDGET_VIEW).count()
    if saved == 0:
        return
    count_drawn = (f"() => [...document.querySelectorAll('{WIDGET_VIEW}')].filter(s => "
                   "s.previousElementSibling?.matches('.widget-subarea')"
                   " && s.previousElementSibling.querySelector('.jupyter-widgets')).length")
    try:
        page.wait_for_function(f"() => ({count_drawn})() === {saved}", timeout=timeout_s * 1000)
    except PlaywrightTimeout:
        pass  # some never drawn: count them below
    report.widgets = page.evaluate(count_drawn)
    if report.widgets < saved:
        report.problems.append(f"only {report.widgets} of {saved} saved widgets drawn by the widget renderer")


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
    """One line per page (ok / FAIL, images, widgets, links, requests leaving the site), then its problems."""
    lines = []
    for r in reports:
        status = "ok" if not r.problems else "FAIL"
        lines.append(f"{status:4} {r.page}: {r.images} images, {r.widgets} widgets, {r.internal_links} internal "
                     f"links, {len(r.outside_requests)} requests leaving the site")
        lines += [f"       - {p}" for p in r.problems]
    return "\n".join(lines)

