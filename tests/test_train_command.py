"""``python -m xpcs_nb.train`` (xpcs_nb/cli/train.py) and what a resumed run checks.

Issue 21, items 5 and 8: a run resumed on other crops or another model went on
silently; ``--epochs 0``, ``--items 0`` and a ``--checkpoint-dir`` that is a file gave
tracebacks (the last one after the first epoch).
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time

import h5py
import numpy as np
import pytest
import torch
from torch.utils.data import TensorDataset

from test_train import band_images, config, small_model
from xpcs_nb.cli import train as command
from xpcs_nb.model import DROPOUT
from xpcs_nb.train import LAST_CHECKPOINT, load_checkpoint, train
from xpcs_nb.train.identity import content_id, model_shapes
from xpcs_nb.train.state import DATA_KEY, MODEL_KEY

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TINY = ["--latent-size", "4", "--encoder-channels", "4", "--decoder-channels", "4", "--pool", "2",
        "--device", "cpu", "--amp", "off", "--no-channels-last", "--no-progress", "--batch-size", "8",
        "--lr", "0.01"]


@pytest.fixture(scope="module")
def crops(tmp_path_factory):
    folder = tmp_path_factory.mktemp("crops")
    paths = {}
    for name, seed in (("a", 0), ("b", 1)):
        paths[name] = folder / f"{name}.npy"
        np.save(paths[name], np.random.default_rng(seed).random((16, 16, 16), dtype=np.float32))
    return paths


def run_main(argv, capsys):
    """``main(argv)``: (status, stdout, stderr); argparse's SystemExit gives its code."""
    try:
        status = command.main([str(part) for part in argv])
    except SystemExit as stop:
        status = stop.code
    out, err = capsys.readouterr()
    return status, out, err


# --- bad arguments: one usage line and an error, before any work -------------------------

@pytest.mark.parametrize("argv, message", [
    (["--epochs", "0"], "argument --epochs: expected an integer >= 1, got '0'"),
    (["--items", "0"], "argument --items: expected an integer >= 1, got '0'"),
    (["--batch-size", "-4"], "argument --batch-size: expected an integer >= 1, got '-4'"),
    (["--lr", "nan"], "argument --lr: expected a number > 0, got 'nan'"),
    (["--dropout", "1"], "argument --dropout: expected a number from 0 up to (not including) 1, got '1'"),
    (["--encoder-channels", "4,x"], "argument --encoder-channels: expected integers >= 1"),
    (["--timeout", "0"], "argument --timeout: expected a number > 0, got '0'"),
])
def test_bad_numbers_are_usage_errors(crops, capsys, argv, message):
    status, out, err = run_main(["--data", crops["a"], *argv], capsys)
    assert status == 2 and out == ""
    assert message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 2  # the usage line and the error


def test_a_checkpoint_dir_that_is_a_file_is_refused_before_training(crops, tmp_path, capsys):
    a_file = tmp_path / "notes.txt"
    a_file.write_text("not a folder")
    status, _, err = run_main(["--data", crops["a"], "--checkpoint-dir", a_file], capsys)
    assert status == 2 and f"--checkpoint-dir: {a_file} is a file, not a folder" in err
    status, _, err = run_main(["--data", crops["a"], "--checkpoint-dir", a_file / "run"], capsys)
    assert status == 2 and f"{a_file} is a file, so {a_file / 'run'} cannot be made" in err


def test_missing_or_unreadable_data_is_named(crops, tmp_path, capsys):
    status, _, err = run_main(["--data", tmp_path / "none.npy"], capsys)
    assert status == 2 and f"--data: {tmp_path / 'none.npy'} is not a file" in err
    truncated = tmp_path / "cut.npy"
    truncated.write_bytes(crops["a"].read_bytes()[:500])
    status, _, err = run_main(["--data", truncated, *TINY], capsys)
    assert status == 1 and str(truncated) in err and "Traceback" not in err
    flat = tmp_path / "flat.npy"
    np.save(flat, np.zeros((4, 16)))
    status, _, err = run_main(["--data", flat, *TINY], capsys)
    assert status == 1 and f"{flat} must hold crops (N, S, S)" in err


def test_a_model_that_does_not_fit_the_crops_is_one_line(crops, capsys):
    status, _, err = run_main(["--data", crops["a"], "--device", "cpu"], capsys)  # published layout, 16 x 16
    assert status == 1 and err.strip().count("\n") == 0 and "image_size must be >= 64, got 16" in err


def test_every_option_has_help():
    parser = command.build_parser()
    undocumented = [action.dest for action in parser._actions if not action.help]
    assert undocumented == []
    assert command.DEFAULT_DROPOUT == DROPOUT  # written out there to keep torch out of --help


def test_help_does_not_import_torch():
    """--help in a fresh process, with xpcs_nb/cli/train.py loaded as a file (the package
    xpcs_nb.cli is another module's to keep light): torch and numpy's users stay out."""
    code = ("import importlib.util, sys; spec = importlib.util.spec_from_file_location('t', "
            "'xpcs_nb/cli/train.py'); m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)\n"
            "try: m.main(['--help'])\nexcept SystemExit: pass\n"
            "print('torch' in sys.modules, 'h5py' in sys.modules, file=sys.stderr)")
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stderr.split() == ["False", "False"]
    assert "--checkpoint-dir" in done.stdout
    print(f"--help in {time.perf_counter() - started:.2f} s")


# --- resuming checks what it resumes ---------------------------------------------------

def test_resume_on_other_crops_is_refused(crops, tmp_path, capsys):
    folder = tmp_path / "run"
    status, out, _ = run_main(["--data", crops["a"], "--epochs", "1", "--checkpoint-dir", folder, *TINY], capsys)
    assert status == 0 and "epoch 1: train loss" in out
    status, out, err = run_main(["--data", crops["b"], "--epochs", "2", "--checkpoint-dir", folder, *TINY], capsys)
    assert status == 1 and out == ""
    assert f"checkpoint {folder / LAST_CHECKPOINT} was trained on other data" in err
    assert load_checkpoint(folder / LAST_CHECKPOINT)["history"]["epoch"] == [1]  # left as it was
    status, out, err = run_main(["--data", crops["a"], "--epochs", "2", "--checkpoint-dir", folder,
                                 "--latent-size", "8", *TINY[2:]], capsys)
    assert status == 1 and "belongs to another model (bottleneck" in err
    status, out, err = run_main(["--data", crops["a"], "--epochs", "2", "--checkpoint-dir", folder, *TINY], capsys)
    assert status == 0 and "resumed from epoch 1 of 2" in err and "epoch 2: train loss" in out
    status, out, err = run_main(["--data", crops["b"], "--epochs", "1", "--checkpoint-dir", folder, "--no-resume",
                                 *TINY], capsys)
    assert status == 0 and "resumed" not in err


def test_the_content_id_sees_other_crops_and_samples_large_sets():
    images = band_images(300, seed=1)
    same = TensorDataset(images.tensors[0].clone())
    assert content_id(images) == content_id(same)
    edited = images.tensors[0].clone()
    edited[137, 0, 5, 5] += 0.25  # one value of one crop: crops in memory are hashed whole
    assert content_id(TensorDataset(edited)) != content_id(images)
    assert content_id(TensorDataset(images.tensors[0][:299])) != content_id(images)  # one crop fewer
    assert content_id(images).startswith("300 x (1, 32, 32) float32 ")
    reads = []

    class Counting(torch.utils.data.Dataset):
        def __len__(self):
            return 10_000

        def __getitem__(self, index):
            reads.append(index)
            return torch.zeros(1, 4, 4)

    content_id(Counting())
    assert len(reads) == 256 and reads[0] == 0 and reads[-1] == 9_999


def test_train_logs_the_resume_and_stores_what_it_checks(tmp_path, caplog):
    data = band_images(16, seed=3)
    train(small_model(), data, None, config(tmp_path, epochs=1))
    fingerprint = load_checkpoint(tmp_path / LAST_CHECKPOINT)["fingerprint"]
    assert fingerprint[DATA_KEY] == content_id(data)
    assert fingerprint[MODEL_KEY] == model_shapes(small_model())
    with caplog.at_level(logging.INFO, logger="xpcs_nb.train"):
        train(small_model(), data, None, config(tmp_path, epochs=2))
    assert f"resumed from epoch 1 of 2 ({tmp_path / LAST_CHECKPOINT})" in caplog.text
    with pytest.raises(ValueError, match="was trained on other data"):
        train(small_model(), band_images(16, seed=4), None, config(tmp_path, epochs=3))


def test_a_checkpoint_from_before_the_data_check_still_resumes(tmp_path):
    """last.pt files in the chapters' cache were written without a data id or shapes."""
    data = band_images(16, seed=3)
    train(small_model(), data, None, config(tmp_path, epochs=1))
    last = tmp_path / LAST_CHECKPOINT
    checkpoint = load_checkpoint(last)
    for key in (DATA_KEY, MODEL_KEY):
        del checkpoint["fingerprint"][key]
    from xpcs_nb.train.checkpoint import save_checkpoint

    save_checkpoint(checkpoint, last)
    history = train(small_model(), data, None, config(tmp_path, epochs=2))
    assert history.epoch == [1, 2]


def test_hdf5_crop_stores_are_read(crops, tmp_path, capsys):
    store = tmp_path / "store.h5"
    with h5py.File(store, "w") as handle:
        handle["crops"] = np.load(crops["a"])
    from_npy = run_main(["--data", crops["a"], "--epochs", "1", *TINY], capsys)
    from_h5 = run_main(["--data", store, "--epochs", "1", *TINY], capsys)
    assert from_npy[0] == from_h5[0] == 0
    assert from_npy[1].splitlines()[0] == from_h5[1].splitlines()[0]  # the same weights' sha256
    status, _, err = run_main(["--data", store, "--dataset", "other", *TINY], capsys)
    assert status == 1 and f"{store} has no dataset 'other'" in err


def test_the_forwarder_runs_the_command(crops):
    done = subprocess.run([sys.executable, "-m", "xpcs_nb.train", "--data", str(crops["a"]), "--epochs", "0"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "expected an integer >= 1, got '0'" in done.stderr


def test_the_collective_timeout_comes_from_the_argument_then_the_environment(monkeypatch):
    from xpcs_nb.train.distributed import DEFAULT_TIMEOUT_S, TIMEOUT_VARIABLE, collective_timeout

    monkeypatch.delenv(TIMEOUT_VARIABLE, raising=False)
    assert collective_timeout() == DEFAULT_TIMEOUT_S == 300
    monkeypatch.setenv(TIMEOUT_VARIABLE, "42")
    assert collective_timeout() == 42 and collective_timeout(7) == 7
    monkeypatch.setenv(TIMEOUT_VARIABLE, "soon")
    with pytest.raises(ValueError, match="the environment variable XPCS_DDP_TIMEOUT must be a positive number "
                                         "of seconds, got 'soon'"):
        collective_timeout()


def test_train_as_a_sub_command_of_xpcs_nb(crops, capsys):
    """add_train_command plugs the same options into ``xpcs-nb train`` (xpcs_nb/cli/__init__.py adds it)."""
    import argparse

    parser = argparse.ArgumentParser(prog="xpcs-nb")
    commands = parser.add_subparsers(dest="command", required=True)
    command.add_train_command(commands)
    with pytest.raises(SystemExit) as stop:
        parser.parse_args(["train", "--data", str(crops["a"]), "--epochs", "0"])
    assert stop.value.code == 2 and "expected an integer >= 1, got '0'" in capsys.readouterr().err
    arguments = parser.parse_args(["train", "--data", str(crops["a"]), "--epochs", "1", *TINY])
    assert arguments.run(arguments) == 0
    assert "epoch 1: train loss" in capsys.readouterr().out


def test_the_command_names_every_preset():
    from xpcs_nb.cli.train import PRESET_NAMES
    from xpcs_nb.presets import PRESETS

    assert sorted(PRESET_NAMES) == sorted(PRESETS)


def test_a_failed_monitored_barrier_counts_as_a_stopped_rank():
    """gloo's monitored barrier says 'failed to pass monitoredBarrier': one line, not a traceback."""
    from xpcs_nb.cli.train import _is_timeout

    assert _is_timeout(RuntimeError("[Rank 0]: Ranks 1 failed to pass monitoredBarrier in 5000 ms"))
    assert not _is_timeout(RuntimeError("CUDA out of memory"))
