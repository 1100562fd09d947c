"""The three environment files stay in step: environment.yml (a GPU JupyterHub),
.binder/environment.yml (mybinder.org, CPU) and requirements.txt (the README's venv)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def conda_environment(path: Path) -> tuple[list[str], list[str]]:
    """(conda packages, pip packages) of an environment file."""
    dependencies = yaml.safe_load(path.read_text())["dependencies"]
    conda = [d for d in dependencies if isinstance(d, str)]
    pip = next(d["pip"] for d in dependencies if isinstance(d, dict))
    return conda, pip


def package_name(requirement: str) -> str:
    name = re.split(r"[<>=!~ ;\[]", requirement.strip().strip('"'), maxsplit=1)[0]
    return name.lower().replace("_", "-")


def test_binder_differs_only_in_the_pytorch_build():
    hub_conda, hub_pip = conda_environment(ROOT / "environment.yml")
    binder_conda, binder_pip = conda_environment(ROOT / ".binder" / "environment.yml")
    assert [p.replace("pytorch-gpu", "pytorch-cpu") for p in hub_conda] == binder_conda
    assert [p for p in hub_pip if p != "-e ."] == binder_pip


def test_binder_installs_the_package_and_runs_the_fast_preset(tmp_path):
    post_build = (ROOT / ".binder" / "postBuild").read_text()
    assert "pip install --no-deps --editable ." in post_build
    for script in ("postBuild", "start"):
        assert os.access(ROOT / ".binder" / script, os.X_OK), f".binder/{script} must be executable"
    printed = subprocess.run([str(ROOT / ".binder" / "start"), "sh", "-c", "echo $XPCS_PRESET"],
                             capture_output=True, text=True, env={"PATH": os.environ["PATH"]}, check=True)
    assert printed.stdout.strip() == "fast"
    chosen = subprocess.run([str(ROOT / ".binder" / "start"), "sh", "-c", "echo $XPCS_PRESET"], capture_output=True,
                            text=True, env={"PATH": os.environ["PATH"], "XPCS_PRESET": "class"}, check=True)
    assert chosen.stdout.strip() == "class"


def test_book_extensions_are_installed_everywhere():
    """Every Sphinx extension _config.yml loads is in each environment that builds the book."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    distributions = {"notfound.extension": "sphinx-notfound-page", "sphinx-mathjax-offline": "sphinx-mathjax-offline"}
    wanted = {distributions[name] for name in config["sphinx"]["extra_extensions"]} | {"jupyter-book"}
    pinned = {package_name(line) for line in (ROOT / "requirements.txt").read_text().splitlines()
              if line.strip() and not line.startswith("#")}
    assert wanted <= pinned
    for path in (ROOT / "environment.yml", ROOT / ".binder" / "environment.yml"):
        assert wanted <= {package_name(p) for p in conda_environment(path)[1]}, path


def pinned_version(name: str) -> str:
    """The version requirements.txt pins for ``name``."""
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        if not line.startswith("#") and "==" in line and package_name(line) == name:
            return line.split("==", 1)[1].strip()
    raise AssertionError(f"requirements.txt pins no {name}")


def test_jupyterlab_myst_is_in_every_environment_at_the_tested_versions():
    """The chapters' numbers are {eval} roles: JupyterLab shows them through jupyterlab-myst
    2.7.0, which JupyterLab 4.4 loads (4.6 disables it)."""
    assert pinned_version("jupyterlab-myst") == "2.7.0"
    assert pinned_version("jupyterlab").startswith("4.4.")
    for path in (ROOT / "environment.yml", ROOT / ".binder" / "environment.yml"):
        conda = conda_environment(path)[0]
        assert "jupyterlab-myst=2.7.0" in conda, path
        assert "jupyterlab>=4.4,<4.5" in conda, path


def test_jupyterlab_loads_jupyterlab_myst():
    """``jupyter labextension list`` of this environment says the extension is enabled and OK."""
    jupyter = Path(sys.executable).parent / "jupyter"
    listed = subprocess.run([str(jupyter), "labextension", "list"], capture_output=True, text=True, timeout=120)
    text = re.sub(r"\x1b\[[0-9;]*m", "", listed.stdout + listed.stderr)  # drop the colours
    assert re.search(r"JupyterLab v4\.4\.", text), text
    assert re.search(r"jupyterlab-myst v2\.7\.0 enabled\s+OK", text), text
