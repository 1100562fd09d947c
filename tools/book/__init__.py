"""Build the book the way CI and the README do, in four steps.

1. :func:`execute_chapters` (``build.py``): every chapter executed with papermill at
   a preset, into ``_build/executed/``, the Markdown cells' ``{eval}`` roles evaluated
   on the way and kept as jupyterlab-myst keeps them (``execution.py``, ``expressions.py``).
2. :func:`stage_book` (``build.py``): the book's sources and the executed notebooks
   copied into ``_build/stage/``, execution off, the site's addresses from the
   environment (:func:`site_links`, ``links.py``), the widget renderer copied in
   from npm (:func:`stage_widget_js`, ``widgets.py``).
3. :func:`build_site` (``build.py``): Jupyter Book 1.x writes ``_build/html``.
4. :func:`check_site` (``browser.py``): headless Chromium opens every page and
   reports what does not render.

An executed chapter is kept in ``_build/chapter-cache/`` and reused while its source,
the package, the environment and the preset are unchanged (``cache.py``), so the
tests after a book build do not run the chapters again. ``jupyterlab.py`` opens the
executed chapters in a real JupyterLab, as a student sees them (integration test 3).

Used by ``tasks.py`` and by ``tests/integration``; ``python -m tools.book`` runs step
4 on an existing build.
"""

from .browser import (
    CHROMIUM_ARGS,
    CHROMIUM_NAMES,
    MISSING_PAGE,
    PageReport,
    browse,
    check_site,
    find_chromium,
    search_site,
    serve,
    site_pages,
    summarise,
)
from .build import (
    ChapterRun,
    build_site,
    chapter_sources,
    execute_chapter,
    execute_chapters,
    execution_table,
    run_chapter,
    stage_book,
    write_values_in,
)
from .expressions import (
    METADATA_KEY,
    ExpressionError,
    displayed_text,
    escape_problems,
    eval_expressions,
    request_for,
    stored_expressions,
    written_in,
)
from .links import (
    DEFAULT_BINDERHUB,
    REPOSITORY_HOSTS,
    SiteLinks,
    public_repository_url,
    site_links,
    with_site_links,
)
from .widgets import (
    NODE_MODULES,
    SETUP_JS,
    STATIC_FOLDER,
    WIDGET_JS,
    WIDGET_PACKAGES,
    install_widget_js,
    installed_version,
    pinned_versions,
    stage_widget_js,
)
from .jupyterlab import LAB_SCREENSHOTS, LabReport, check_in_lab, lab_problems, lab_server, raw_markup
from .cache import CHAPTER_CACHE, KEY_FILES, cached_execution, execution_key, keep_execution
from .paths import BOOK_SOURCES, BUILD, EXECUTED, HTML, NOTEBOOKS, ROOT, SCREENSHOTS, STAGE

__all__ = [
    # where things are
    "ROOT", "NOTEBOOKS", "BUILD", "EXECUTED", "STAGE", "HTML", "SCREENSHOTS", "BOOK_SOURCES",
    # steps 1-3
    "chapter_sources", "ChapterRun", "run_chapter", "execute_chapter", "execute_chapters", "stage_book", "write_values_in", "execution_table",
    "build_site",
    # chapters executed once (cache.py)
    "CHAPTER_CACHE", "KEY_FILES", "execution_key", "cached_execution", "keep_execution",
    # the {eval} roles: found, evaluated, stored as jupyterlab-myst stores them, written in for the site
    "METADATA_KEY", "ExpressionError", "eval_expressions", "request_for", "stored_expressions", "displayed_text",
    "escape_problems", "written_in",
    # the site's addresses
    "REPOSITORY_HOSTS", "DEFAULT_BINDERHUB", "SiteLinks", "site_links", "public_repository_url", "with_site_links",
    # the widget renderer, served from the site (widgets.py)
    "NODE_MODULES", "STATIC_FOLDER", "WIDGET_JS", "SETUP_JS", "WIDGET_PACKAGES", "pinned_versions",
    "installed_version", "install_widget_js", "stage_widget_js",
    # what a student sees in JupyterLab (jupyterlab.py)
    "LAB_SCREENSHOTS", "LabReport", "lab_server", "check_in_lab", "lab_problems", "raw_markup",
    # step 4
    "MISSING_PAGE", "CHROMIUM_NAMES", "CHROMIUM_ARGS", "PageReport", "site_pages", "serve", "find_chromium",
    "browse", "check_site", "search_site", "summarise",
]
