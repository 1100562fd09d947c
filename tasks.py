#!/usr/bin/env python3
"""The project's two commands, for a fresh machine with only Python 3.11.

    python3 tasks.py book   # set up .venv, execute every chapter, write the site to _build/html
    python3 tasks.py test   # set up .venv, unit tests, notebooks (fast preset), book build, browser check

and, with the network, ``python3 tasks.py linkcheck`` (external links, nothing executed);
on a machine with a GPU, ``python3 tasks.py gpu-check`` (training speed, chapters 3-7 on
the GPU, the evaluation table; see ``tools/gpu_check.py``).

Both create the virtual environment ``.venv`` on first use (pinned packages from
requirements.txt, the package ``xpcs_nb`` in editable mode) and re-run themselves
inside it.  ``book`` takes ``--preset fast|class_cpu|class|paper``; without it, the
``XPCS_PRESET`` environment variable, else ``class`` where a GPU is found and
``fast`` where none is.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
VENV_PYTHON = VENV / "bin" / "python"
STAMP = VENV / ".installed-requirements"


def requirements_digest() -> str:
    """Hash of what the environment is built from; a change triggers a reinstall."""
    digest = hashlib.sha256()
    for name in ("requirements.txt", "pyproject.toml"):
        digest.update((ROOT / name).read_bytes())
    return digest.hexdigest()


def ensure_venv() -> None:
    """Create ``.venv`` and install the pinned requirements when they changed."""
    if not VENV_PYTHON.exists():
        print(f"creating the virtual environment {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    wanted = requirements_digest()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    pip = [str(VENV_PYTHON), "-m", "pip", "install", "--disable-pip-version-check", "--quiet"]
    print("installing pinned requirements (first time: a few minutes)", flush=True)
    subprocess.run(pip + ["--upgrade", "pip"], check=True)
    subprocess.run(pip + ["-r", str(ROOT / "requirements.txt")], check=True)
    subprocess.run(pip + ["--no-deps", "-e", str(ROOT)], check=True)
    STAMP.write_text(wanted)


def in_venv() -> bool:
    """True when this interpreter is the project's ``.venv``."""
    return Path(sys.prefix).resolve() == VENV.resolve()


def reexec_in_venv() -> None:
    """Set up ``.venv`` if needed and replace this process by the same command inside it."""
    ensure_venv()
    os.execv(str(VENV_PYTHON), [str(VENV_PYTHON), str(Path(__file__).resolve()), *sys.argv[1:]])


def default_preset() -> str:
    """The chapters' own rule (``xpcs_nb.presets.preset_for_this_machine``): ``$XPCS_PRESET``
    if set, else ``class`` with a CUDA GPU and ``fast`` without."""
    from xpcs_nb.presets import preset_for_this_machine

    return preset_for_this_machine()


def ensure_chromium() -> None:
    """Install Debian's Chromium when the browser check would not find it.

    Runs inside ``.venv``: the lookup is the browser check's own (``find_chromium``).
    """
    from tools.book.browser import find_chromium

    try:
        find_chromium()
        return
    except RuntimeError:
        pass
    apt = ["apt-get"] if os.geteuid() == 0 else ["sudo", "-n", "apt-get"]
    print("installing Debian's chromium for the browser check", flush=True)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(apt + ["update", "-qq"], check=True, env=env)
    subprocess.run(apt + ["install", "-y", "-qq", "chromium"], check=True, env=env)
    find_chromium()  # installed, yet not on the PATH: say so now rather than in the browser check


def command_book(args: argparse.Namespace) -> int:
    """Execute every chapter at the chosen preset and build ``_build/html``."""
    from tools import book

    preset = args.preset or default_preset()
    links = site_links_or_none()  # checked before the chapters run, not after
    if links is None:
        return 2
    print(f"building the book at preset {preset!r}; repository and launch buttons: "
          f"{links.repository_url or 'none (set XPCS_REPOSITORY_URL, see book/setup.md)'}", flush=True)
    os.environ["XPCS_PRESET"] = preset
    executed = book.execute_chapters(preset)
    result = book.build_site(book.stage_book(executed, links), warnings_as_errors=False)
    print(result.stdout[-3000:], result.stderr[-3000:], sep="\n")
    if result.returncode == 0:
        print(f"site written to {book.HTML}; open {book.HTML / 'index.html'}")
    return result.returncode


def command_test(args: argparse.Namespace) -> int:
    """Unit tests, then the notebooks at ``fast``, the book build and the Chromium check."""
    ensure_chromium()  # the published files: tests/conftest.py points XPCS_PAPER_DATA at ../shared
    pytest_args = [sys.executable, "-m", "pytest", "tests", "--integration", "--slow", *args.pytest_args]
    started = time.perf_counter()
    code = subprocess.run(pytest_args, cwd=ROOT).returncode
    print(f"test command took {time.perf_counter() - started:.0f} s", flush=True)
    return code


def site_links_or_none():
    """The site's addresses from the environment, or None after printing what is wrong."""
    from tools import book

    try:
        return book.site_links()
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return None


def command_linkcheck(args: argparse.Namespace) -> int:
    """Check the book's external links without executing anything (DOIs are skipped)."""
    from tools import book

    links = site_links_or_none()
    if links is None:
        return 2

    unexecuted = [source.with_suffix(".ipynb") for source in book.chapter_sources()]
    result = book.build_site(book.stage_book(unexecuted, links, with_values=False), warnings_as_errors=False,
                             builder="linkcheck")
    print(result.stdout[-4000:], result.stderr[-2000:], sep="\n")
    print(f"full report: {book.BUILD / 'jupyter-book-linkcheck.log'}")
    return result.returncode


def command_gpu_check(args: argparse.Namespace) -> int:
    """Forward to ``tools/gpu_check.py`` (its own options; ``gpu-check --help`` lists them)."""
    return subprocess.run([sys.executable, str(ROOT / "tools" / "gpu_check.py"), *args.forwarded], cwd=ROOT).returncode


def interpreter_sees_cuda() -> bool:
    """Whether this Python's torch is a CUDA build that sees a GPU.

    ``gpu-check`` then runs in this interpreter rather than in ``.venv``, whose torch is
    the CPU build that requirements.txt pins.
    """
    try:
        import torch
    except ImportError:
        return False
    return torch.cuda.is_available()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    book = commands.add_parser("book", help="execute every chapter and build the site into _build/html")
    book.add_argument("--preset", choices=["fast", "class", "class_cpu", "paper"], help="run size (default: see above)")
    test = commands.add_parser("test", help="unit tests, notebooks at the fast preset, book build, browser check")
    test.add_argument("pytest_args", nargs=argparse.REMAINDER, help="extra arguments passed to pytest")
    commands.add_parser("linkcheck", help="check external links with execution off (needs the network)")
    commands.add_parser("gpu-check", add_help=False,  # its options and --help belong to tools/gpu_check.py
                        help="one GPU, one command: training speed, chapters 3-7, evaluation")
    args, forwarded = parser.parse_known_args()
    if forwarded and args.command != "gpu-check":
        parser.error(f"unrecognized arguments: {' '.join(forwarded)}")
    args.forwarded = forwarded
    if not in_venv() and not (args.command == "gpu-check" and interpreter_sees_cuda()):
        reexec_in_venv()
    sys.path.insert(0, str(ROOT))
    commands = {"book": command_book, "test": command_test, "linkcheck": command_linkcheck,
                "gpu-check": command_gpu_check}
    return commands[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
