"""The ``slow`` marker: skipped by a plain ``pytest``, run with ``--slow``, and ``tasks.py test`` passes it."""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

import tasks

TESTS = Path(__file__).resolve().parent


def test_tasks_test_runs_the_slow_and_the_integration_tests(monkeypatch):
    commands = []
    monkeypatch.setattr(tasks, "ensure_chromium", lambda: None)
    monkeypatch.setattr(tasks.subprocess, "run", lambda command, **kw: commands.append(command) or
                        subprocess.CompletedProcess(command, 0))
    assert tasks.command_test(argparse.Namespace(pytest_args=["-x"])) == 0
    (command,) = commands
    assert command[1:4] == ["-m", "pytest", "tests"] and {"--slow", "--integration", "-x"} <= set(command)


def test_a_slow_test_is_skipped_unless_asked_for(tmp_path):
    shutil.copy(TESTS / "conftest.py", tmp_path / "conftest.py")
    (tmp_path / "test_one.py").write_text("import pytest\n\n\n@pytest.mark.slow\ndef test_long():\n    pass\n")
    (tmp_path / "pytest.ini").write_text("[pytest]\nmarkers =\n    slow: long\n")

    def run(*options):
        done = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *options],
                              cwd=tmp_path, capture_output=True, text=True, timeout=120)
        return done.stdout.strip().splitlines()[-1]

    assert "1 skipped" in run()
    assert "1 passed" in run("--slow")
