"""The widget renderer, served from the site itself rather than from a CDN.

Chapters 3 and 6 save ipywidgets in their executed notebooks. On the static site
they are drawn by the npm package ``@jupyter-widgets/html-manager`` (its
``embed-amd.js`` bundle holds the base, controls and output widgets, and their
fonts lie beside it), which needs RequireJS on the page (npm ``requirejs``).

* ``package.json`` / ``package-lock.json`` pin both packages;
  :func:`install_widget_js` runs ``npm ci`` when ``node_modules`` does not hold
  the pinned versions (npm talks to its registry only; CI caches its downloads).
* :func:`stage_widget_js` copies the files a page loads into the stage's
  ``_vendor/widgets/``, with ``widgets-setup.js`` (the fonts' path, and MathJax 3
  for the renderer's MathJax 2 calls); ``_config.yml`` lists ``_vendor`` in ``html_static_path``,
  so they are published as ``_static/widgets/...``, and names them in myst-nb's
  ``nb_ipywidgets_js``, the scripts myst-nb adds to every page with widgets.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from .paths import ROOT

__all__ = ["NODE_MODULES", "STATIC_FOLDER", "WIDGET_JS", "SETUP_JS", "WIDGET_PACKAGES",
           "pinned_versions", "installed_version", "install_widget_js", "stage_widget_js"]

NODE_MODULES = ROOT / "node_modules"
STATIC_FOLDER = "_vendor"  # in the stage; _config.yml's html_static_path, published as _static/

# the site's copy, relative to html_static_path (pages load them from _static/widgets/...)
WIDGET_JS = {
    "require": "widgets/require.js",
    "setup": "widgets/setup.js",  # where the fonts lie; MathJax 3 for the renderer (widgets-setup.js)
    "embed": "widgets/html-manager/embed-amd.js",
}
SETUP_JS = Path(__file__).with_name("widgets-setup.js")

# webpack's font files (Font Awesome), loaded by the renderer's CSS from beside embed-amd.js
_FONT_SUFFIXES = (".woff2", ".woff", ".ttf", ".eot", ".svg")


@dataclass(frozen=True)
class _Package:
    name: str  # npm package
    file: str  # the file a page loads, in the package
    key: str  # where the site's copy goes: WIDGET_JS[key]


WIDGET_PACKAGES = (
    _Package("requirejs", "require.js", "require"),
    _Package("@jupyter-widgets/html-manager", "dist/embed-amd.js", "embed"),
)


def pinned_versions(root: Path = ROOT) -> dict[str, str]:
    """The exact versions ``package.json`` pins, e.g. ``{"requirejs": "2.3.8", ...}``.

    A range (``^1.0.15``) is refused: the site must serve what was tested.

    >>> pinned_versions()["requirejs"]
    '2.3.8'
    """
    dependencies = json.loads((root / "package.json").read_text())["dependencies"]
    for name, version in dependencies.items():
        if not version[:1].isdigit():
            raise ValueError(f"package.json: {name} must be pinned to an exact version, e.g. '1.0.15', "
                             f"got {version!r}")
    return dependencies


def installed_version(name: str, node_modules: Path = NODE_MODULES) -> str | None:
    """The version of npm package ``name`` in ``node_modules``, or None when it is not there.

    >>> installed_version("no-such-package") is None
    True
    """
    manifest = node_modules / name / "package.json"
    if not manifest.exists():
        return None
    return json.loads(manifest.read_text())["version"]


def install_widget_js(root: Path = ROOT) -> Path:
    """Run ``npm ci`` unless ``node_modules`` already holds the pinned versions; returns it.

    Raises RuntimeError when npm is missing or fails.
    """
    node_modules = root / "node_modules"
    wanted = pinned_versions(root)
    if all(installed_version(name, node_modules) == version for name, version in wanted.items()):
        return node_modules
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm not found: the site serves the widget renderer from the npm packages "
                           f"{', '.join(wanted)}; install Node.js (e.g. `apt-get install npm`)")
    print(f"installing the site's JavaScript with npm ci: {wanted}", flush=True)
    result = subprocess.run([npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"], cwd=root,
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"npm ci failed in {root}:\n{(result.stdout + result.stderr)[-3000:]}")
    return node_modules


def stage_widget_js(static_dir: Path, node_modules: Path | None = None) -> list[Path]:
    """Copy the set-up script, RequireJS, the widget renderer and its fonts into
    ``static_dir`` (the stage's ``_vendor``, a folder of ``html_static_path``);
    returns the copies. Installs the npm packages first when ``node_modules`` is not given.
    """
    node_modules = node_modules or install_widget_js()
    copies = [_copy(SETUP_JS, static_dir / WIDGET_JS["setup"])]
    for package in WIDGET_PACKAGES:
        target = static_dir / WIDGET_JS[package.key]
        copies.append(_copy(node_modules / package.name / package.file, target))
        copies.append(_write_notice(node_modules / package.name, target))
    renderer = node_modules / "@jupyter-widgets/html-manager/dist"
    fonts_dir = (static_dir / WIDGET_JS["embed"]).parent  # its CSS loads them from beside it
    copies += [_copy(font, fonts_dir / font.name) for font in sorted(renderer.iterdir())
               if font.suffix in _FONT_SUFFIXES]
    return copies


def _copy(source: Path, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copy2(source, target))


def _write_notice(package_dir: Path, beside: Path) -> Path:
    """A ``<name>.LICENSE.txt`` beside the copy: package, version, licence, homepage,
    and the bundle's third-party notices where the package ships them."""
    manifest = json.loads((package_dir / "package.json").read_text())
    lines = [f"{manifest['name']} {manifest['version']}, licence {manifest.get('license', '?')}",
             f"copied unchanged from the npm package; source: {manifest.get('homepage', '')}", ""]
    for licence in sorted(package_dir.glob("LICENSE*")) + sorted((package_dir / "dist").glob("*.LICENSE.txt")):
        lines.append(licence.read_text())
    notice = beside.with_name(f"{beside.stem}.LICENSE.txt")
    notice.write_text("\n".join(lines))
    return notice
