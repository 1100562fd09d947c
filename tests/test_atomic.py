"""Atomic writes: whole or nothing, SIGTERM and SIGKILL leftovers, the umask's mode."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from xpcs_nb.atomic import atomic_path, temporary_names


def test_success_replaces_and_exception_keeps_old(tmp_path):
    target = tmp_path / "sub" / "out.txt"
    with atomic_path(target) as tmp:
        assert tmp.parent == target.parent and tmp != target
        tmp.write_text("new")
    assert target.read_text() == "new"
    with pytest.raises(KeyError):
        with atomic_path(target) as tmp:
            tmp.write_text("half")
            raise KeyError("boom")
    assert target.read_text() == "new"
    assert temporary_names(target) == []


def test_mode_follows_umask_not_0600(tmp_path):
    old = os.umask(0o022)
    try:
        target = tmp_path / "out.txt"
        with atomic_path(target) as tmp:
            tmp.write_text("x")
        assert target.stat().st_mode & 0o777 == 0o644
        os.umask(0o002)
        with atomic_path(target) as tmp:
            tmp.write_text("x")
        assert target.stat().st_mode & 0o777 == 0o664
    finally:
        os.umask(old)


WRITER = textwrap.dedent("""
    import signal, sys, time, pathlib
    from xpcs_nb.atomic import atomic_path
    # A writer as a shell starts it: SIGTERM at its default, whatever the test runner's is
    # (an ignored disposition is inherited across exec, and atomic_path then leaves it alone).
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    with atomic_path(sys.argv[1]) as tmp:
        tmp.write_text("partial")
        print("writing", flush=True)
        time.sleep(60)
""")


def _start_writer(target):
    process = subprocess.Popen([sys.executable, "-c", WRITER, str(target)], stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "writing"
    assert len(temporary_names(target)) == 1
    return process


def signal_status(pid: int) -> str:
    """The State and Sig* lines of /proc/<pid>/status: why a signal was not acted on."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError as error:
        return f"no /proc status ({error})"
    return "; ".join(line for line in lines if line.startswith(("State", "SigBlk", "SigIgn", "SigCgt", "SigPnd", "ShdPnd")))


def test_sigterm_removes_the_temporary_file(tmp_path):
    target = tmp_path / "store.h5"
    process = _start_writer(target)
    caught = signal_status(process.pid)  # SigCgt must hold SIGTERM (bit 15) once the writer is inside the block
    process.send_signal(signal.SIGTERM)
    try:
        code = process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        after = signal_status(process.pid)
        process.kill()
        process.wait()
        pytest.fail(f"the writer outlived SIGTERM by 20 s; before the signal: {caught}; after: {after}; "
                    f"this process: {signal_status(os.getpid())}")
    assert code != 0
    assert temporary_names(target) == [] and not target.exists()


def test_sigkill_leftover_is_removed_by_the_next_write(tmp_path):
    target = tmp_path / "store.h5"
    process = _start_writer(target)
    process.kill()
    process.wait(timeout=20)
    assert len(temporary_names(target)) == 1  # nobody could clean up
    other = tmp_path / "other.h5"
    with atomic_path(other) as tmp:  # a write of another target leaves it
        tmp.write_text("y")
    assert len(temporary_names(target)) == 1
    with atomic_path(target) as tmp:
        tmp.write_text("done")
    assert temporary_names(target) == [] and target.read_text() == "done"


def test_live_writers_temporary_file_is_left_alone(tmp_path):
    target = tmp_path / "store.h5"
    process = _start_writer(target)
    try:
        with atomic_path(target) as tmp:
            tmp.write_text("mine")
        assert len(temporary_names(target)) == 1
    finally:
        process.kill()
        process.wait(timeout=20)


H5_WRITER = textwrap.dedent("""
    import signal, sys, time
    import h5py, numpy as np
    from xpcs_nb.atomic import atomic_path
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # as a shell starts it
    with atomic_path(sys.argv[1]) as tmp, h5py.File(tmp, "w") as f:
        print("writing", flush=True)
        end, i = time.monotonic() + 4, 0
        while time.monotonic() < end:  # h5py objects made and dropped: weakref callbacks all the time
            dataset = f.create_dataset(f"d{i}", data=np.arange(64))
            dataset.attrs["n"] = i
            del dataset
            i += 1
    print("finished", flush=True)
""")


def test_sigterm_during_an_hdf5_write_always_ends_with_143_and_no_file(tmp_path):
    """Issue 21 item 4: the signal used to raise inside h5py's weakref callbacks ("Exception
    ignored in: WeakValueDictionary"), and the writer went on and finished the file."""
    rng = np.random.default_rng(0)
    outcomes = []
    for attempt in range(10):
        target = tmp_path / f"result_{attempt}.h5"
        process = subprocess.Popen([sys.executable, "-c", H5_WRITER, str(target)], stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)
        assert process.stdout.readline().strip() == "writing"
        time.sleep(rng.uniform(0.0, 0.3))
        process.send_signal(signal.SIGTERM)
        try:
            out, err = process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            pytest.fail(f"attempt {attempt}: the writer outlived SIGTERM by 20 s")
        outcomes.append((process.returncode, target.exists(), len(temporary_names(target)), "finished" in out))
    assert outcomes == [(143, False, 0, False)] * 10, outcomes
