"""DistributedDataParallel training through the real torchrun: 2 CPU processes with gloo.

Tiny data (32 crops 16 x 16 written to .npy), a tiny model with dropout off (with
dropout the ranks draw other masks than one process would, so the losses could not
be compared step for step).

Checked:
* the two ranks end with identical weights (each prints the sha256 of its own);
* the losses equal those of one process on the same global batches: the first step
  computed here by hand, every step against ``torchrun --nproc_per_node 1``. The
  tolerance, 1e-5 relative, is float32 rounding: the mean over a global batch of 8
  is the mean of two means of 4 (and the gradients averaged across ranks in another
  order), a few ulp per step, grown over 8 Adam steps; a wrong split or a missed
  gradient average differs by percent;
* a run stopped after one epoch and started again ends with the same weights and
  history as the uninterrupted run, bit for bit;
* rank 0 wrote the usual last.pt and best.pt, whose history has every batch;
* a rank that stops (SIGSTOP) ends the job with a clear error after ``--timeout``.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import torch

from xpcs_nb.model import Autoencoder
from xpcs_nb.train import load_checkpoint
from xpcs_nb.train.random_state import seed_everything

pytestmark = pytest.mark.slow  # two torchrun jobs and a stopped one: about a minute

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LAYOUT = ["--latent-size", "4", "--encoder-channels", "4", "--decoder-channels", "4", "--pool", "2",
          "--dropout", "0"]


def torchrun(n_processes: int, crops, checkpoint_dir, epochs: int = 2) -> str:
    """Run ``python -m torch.distributed.run ... -m xpcs_nb.train``; its output."""
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={n_processes}",
               "-m", "xpcs_nb.train", "--data", str(crops), "--epochs", str(epochs), "--batch-size", "8",
               "--lr", "0.01", "--seed", "3", "--device", "cpu", "--amp", "off", "--no-channels-last",
               "--checkpoint-dir", str(checkpoint_dir), "--no-progress", *LAYOUT]
    environment = dict(os.environ, OMP_NUM_THREADS="1")
    done = subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout


def digests(output: str) -> dict[int, str]:
    return {int(rank): digest for rank, digest in re.findall(r"rank (\d+): weights sha256 ([0-9a-f]{64})", output)}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ddp")
    crops = folder / "crops.npy"
    np.save(crops, np.random.default_rng(0).random((32, 16, 16), dtype=np.float32))
    two = torchrun(2, crops, folder / "two")
    one = torchrun(1, crops, folder / "one")
    return crops, folder, two, one


def test_the_two_ranks_end_with_identical_weights(runs):
    _, _, two, one = runs
    ranks = digests(two)
    assert sorted(ranks) == [0, 1]
    assert ranks[0] == ranks[1]


def test_a_resumed_run_ends_as_the_uninterrupted_one(runs):
    """Killed after epoch 1 (here: told to stop there), started again: the same weights, bit for bit."""
    crops, folder, two, _ = runs
    torchrun(2, crops, folder / "resumed", epochs=1)
    resumed = torchrun(2, crops, folder / "resumed", epochs=2)
    assert digests(resumed) == digests(two)
    assert load_checkpoint(folder / "resumed" / "last.pt")["history"]["batch_loss"] == \
        load_checkpoint(folder / "two" / "last.pt")["history"]["batch_loss"]


def test_losses_equal_one_process_on_the_same_global_batches(runs):
    crops, folder, _, _ = runs
    two = load_checkpoint(folder / "two" / "last.pt")
    one = load_checkpoint(folder / "one" / "last.pt")
    assert len(two["history"]["batch_loss"]) == 2 * 4  # 2 epochs x 32 crops / global batch 8
    np.testing.assert_allclose(two["history"]["batch_loss"], one["history"]["batch_loss"], rtol=1e-5)
    np.testing.assert_allclose(two["history"]["train_loss"], one["history"]["train_loss"], rtol=1e-5)
    for key, value in one["model"].items():
        np.testing.assert_allclose(two["model"][key].numpy(), value.numpy(), rtol=1e-4, atol=1e-6, err_msg=key)

    # the first step by hand: the same initial weights, the first 8 crops of epoch 0's permutation
    seed_everything(3)
    model = Autoencoder(latent_size=4, encoder_channels=(4,), decoder_channels=(4,), pool=2, dropout=0.0,
                        image_size=16)
    generator = torch.Generator()
    generator.manual_seed(3)  # DistributedSampler's: seed + epoch
    first_batch = torch.randperm(32, generator=generator)[:8]
    images = torch.from_numpy(np.load(crops))[first_batch][:, None]
    with torch.no_grad():
        loss = torch.nn.functional.mse_loss(model(images), images).item()
    assert two["history"]["batch_loss"][0] == pytest.approx(loss, rel=1e-6)


def test_rank_zero_wrote_the_usual_files(runs):
    _, folder, two, _ = runs
    assert (folder / "two" / "best.pt").is_file()
    assert "epoch 2: train loss" in two
    assert load_checkpoint(folder / "two" / "last.pt")["history"]["epoch"] == [1, 2]


def test_a_stopped_rank_ends_the_job_with_a_clear_error(tmp_path):
    """Issue 21, item 6: SIGSTOP on rank 1 left rank 0 waiting in a futex for ever.

    With ``--timeout 5`` rank 0's next collective fails after 5 s, it prints one line
    and exits 1; torchrun then sends the stopped rank SIGTERM and, 30 s later (its
    own grace period, not ours), SIGKILL, and exits non-zero.
    """
    crops = tmp_path / "crops.npy"
    np.save(crops, np.random.default_rng(0).random((64, 16, 16), dtype=np.float32))
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
               "-m", "xpcs_nb.train", "--data", str(crops), "--epochs", "10000", "--batch-size", "8",
               "--device", "cpu", "--amp", "off", "--no-channels-last", "--checkpoint-dir", str(tmp_path / "run"),
               "--no-progress", "--timeout", "5", *LAYOUT]
    job = subprocess.Popen(command, cwd=ROOT, env=dict(os.environ, OMP_NUM_THREADS="1"), text=True,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        started = time.monotonic()
        while not (tmp_path / "run" / "last.pt").exists():  # training runs: epoch 1 is written
            assert job.poll() is None and time.monotonic() - started < 180, job.communicate()[1][-3000:]
            time.sleep(0.2)
        rank_one = [pid for pid in _children(job.pid) if _environment(pid).get("RANK") == "1"]
        assert len(rank_one) == 1
        os.kill(rank_one[0], signal.SIGSTOP)
        stopped = time.monotonic()
        _, err = job.communicate(timeout=150)
    finally:
        if job.poll() is None:
            os.killpg(job.pid, signal.SIGKILL)
            job.communicate()
    waited = time.monotonic() - stopped
    assert job.returncode != 0
    assert "error: rank 0: another process stopped answering for 5 s" in err, err[-3000:]
    assert waited < 5 + 30 + 60, waited  # our timeout + torchrun's grace + a loaded machine's slack


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = open(f"/proc/{entry}/stat").read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:  # the parent's pid
                found.append(int(entry))
    return found


def _environment(pid: int) -> dict[str, str]:
    try:
        raw = open(f"/proc/{pid}/environ", "rb").read()
    except OSError:
        return {}
    pairs = (item.split(b"=", 1) for item in raw.split(b"\0") if b"=" in item)
    return {key.decode(errors="replace"): value.decode(errors="replace") for key, value in pairs}
