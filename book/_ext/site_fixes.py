"""Two small repairs to the HTML that Jupyter Book 1.x writes, so pages load cleanly.

1. sphinx-thebe's configuration script (``const THEBE_JS_URL = ...``) is added once
   per build phase and so lands twice in every page; the second copy throws
   "Identifier 'THEBE_JS_URL' has already been declared".  Keep the first.
2. pydata-sphinx-theme logs "Got invalid theme mode" on a first visit when no
   default mode is set; ``_config.yml`` sets ``html_context.default_mode``.
"""

from __future__ import annotations


def _drop_duplicate_inline_scripts(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen_bodies = set()
    kept = []
    for script in scripts:
        body = getattr(script, "attributes", {}).get("body") if hasattr(script, "attributes") else None
        if body:
            if body in seen_bodies:
                continue
            seen_bodies.add(body)
        kept.append(script)
    context["script_files"] = kept


def setup(app):
    app.connect("html-page-context", _drop_duplicate_inline_scripts)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
