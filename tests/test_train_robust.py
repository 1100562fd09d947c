"""Training that fails clearly and runs fast: NaN batches, damaged checkpoints, the
CPU's bf16 path, and the GPU decisions (tested on a CPU by standing in for CUDA)."""

import numpy as np
import pytest
import torch
from torch.utils.data import TensorDataset

from test_train import band_images, config, small_model
from xpcs_nb.train import LAST_CHECKPOINT, TrainConfig, cpu_has_native_bf16, load_checkpoint, train
from xpcs_nb.train import random_state, runtime
from xpcs_nb.train.mse import mean_image_mse, reconstruction_mse
from xpcs_nb.train.loop import train_one_epoch
from xpcs_nb.train.state import fresh_state


@pytest.fixture(scope="module")
def data():
    return band_images(24, seed=1), band_images(8, seed=2)


def with_bad_values(dataset, index, value):
    images = dataset.tensors[0].clone()
    images[index, 0, 3, 5] = value
    return TensorDataset(images)


# --- data holding NaN or inf ----------------------------------------------------------

@pytest.mark.parametrize("value, found", [(float("nan"), "1 NaN and 0 inf"), (float("inf"), "0 NaN and 1 inf")])
def test_a_bad_training_batch_stops_training_naming_it(data, tmp_path, value, found):
    train_ds, val_ds = data
    bad = with_bad_values(train_ds, 13, value)  # unshuffled, crop 13 sits in batch 1 (batches of 8)
    with pytest.raises(ValueError, match=rf"training batch \d of epoch 1 holds {found} values"):
        train(small_model(), bad, val_ds, config(tmp_path))
    assert not (tmp_path / LAST_CHECKPOINT).exists()  # nothing saved from a poisoned epoch


def test_the_bad_batch_is_the_one_named(data):
    train_ds, _ = data
    bad = with_bad_values(train_ds, 13, float("nan"))
    no_shuffle = torch.utils.data.DataLoader(bad, batch_size=8)
    settings = TrainConfig(batch_size=8, device="cpu", amp="off", channels_last=False, progress=False)
    model = small_model()
    run = runtime.resolve_runtime(settings)
    state = fresh_state(model, settings, run, torch.Generator(), len(no_shuffle))
    with pytest.raises(ValueError, match=r"training batch 1 of epoch 1 holds 1 NaN .* position 5 of the batch"):
        train_one_epoch(state, no_shuffle, torch.nn.MSELoss(), run)


def test_a_bad_validation_batch_stops_training_naming_it(data, tmp_path):
    train_ds, val_ds = data
    with pytest.raises(ValueError, match=r"validation batch 0 of epoch 1 holds 1 NaN"):
        train(small_model(), train_ds, with_bad_values(val_ds, 2, float("nan")), config(tmp_path))


def test_a_diverged_loss_is_a_clear_error_not_a_missing_best_pt(data, tmp_path):
    train_ds, val_ds = data
    broken = torch.nn.Sequential(torch.nn.Conv2d(1, 1, kernel_size=1))
    with torch.no_grad():
        broken[0].weight.fill_(float("inf"))  # finite crops in, inf - inf = NaN out
        broken[0].bias.fill_(-float("inf"))
    with pytest.raises(FloatingPointError, match="the training loss of epoch 1 is nan: training diverged"):
        train(broken, train_ds, val_ds, config(tmp_path))


# --- damaged checkpoints ----------------------------------------------------------------

def test_a_flipped_byte_in_last_pt_is_refused_not_resumed(data, tmp_path):
    train_ds, val_ds = data
    train(small_model(), train_ds, val_ds, config(tmp_path, epochs=1))
    last = tmp_path / LAST_CHECKPOINT
    content = bytearray(last.read_bytes())
    content[len(content) // 2] ^= 0xFF  # inside the weights, where torch.load would not notice
    last.write_bytes(bytes(content))
    with pytest.raises(ValueError, match=rf"checkpoint {last} is corrupted: the sha256"):
        load_checkpoint(last)
    with pytest.raises(ValueError, match="is corrupted"):
        train(small_model(), train_ds, val_ds, config(tmp_path))


def test_checkpoints_of_format_1_are_still_read(tmp_path):
    legacy = {"format": "xpcs_nb.train/1", "history": {"epoch": [1]}}
    torch.save(legacy, tmp_path / "last.pt")
    assert load_checkpoint(tmp_path / "last.pt")["history"] == {"epoch": [1]}


# --- the CPU: bf16 where the processor computes bf16, channels-last where it pays (test_runtime.py) --

@pytest.mark.parametrize("native, dtype, channels_last", [(True, torch.bfloat16, True), (False, None, False),
                                                          (False, None, True)])
def test_cpu_default_follows_native_bf16(monkeypatch, native, dtype, channels_last):
    monkeypatch.setattr(runtime, "cpu_has_native_bf16", lambda: native)
    monkeypatch.setattr(runtime, "cpu_prefers_channels_last", lambda: channels_last)
    chosen = runtime.resolve_runtime(TrainConfig(device="cpu"))
    assert (chosen.amp_dtype, chosen.channels_last) == (dtype, channels_last)
    forced = runtime.resolve_runtime(TrainConfig(device="cpu", amp="off", channels_last=False))
    assert (forced.amp_dtype, forced.channels_last) == (None, False)


def test_native_bf16_read_from_cpu_flags_when_torch_cannot_say(monkeypatch, tmp_path):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("flags\t\t: fpu avx2 avx512f avx512bw\n")
    assert not runtime._cpuinfo_has_flags(runtime.CPU_BF16_FLAGS, str(cpuinfo))
    cpuinfo.write_text("flags\t\t: fpu avx2 avx512f avx512_bf16\n")
    assert runtime._cpuinfo_has_flags(runtime.CPU_BF16_FLAGS, str(cpuinfo))
    assert not runtime._cpuinfo_has_flags(runtime.CPU_BF16_FLAGS, str(tmp_path / "missing"))
    monkeypatch.delattr(torch.cpu, "_is_avx512_bf16_supported", raising=False)
    for variable in ("ONEDNN_MAX_CPU_ISA", "DNNL_MAX_CPU_ISA"):
        monkeypatch.delenv(variable, raising=False)
    uncapped = torch.backends.cpu.get_cpu_capability() == "AVX512" and runtime._onednn_has_bf16_kernels()
    assert cpu_has_native_bf16() == (runtime._cpuinfo_has_flags(runtime.CPU_BF16_FLAGS) and uncapped)


def test_bf16_channels_last_resume_is_exact_and_learns(data, tmp_path):
    train_ds, val_ds = data
    fast = dict(amp="bf16", channels_last=True, epochs=3)
    straight = small_model()
    straight_history = train(straight, train_ds, val_ds, config(tmp_path / "straight", **fast))
    resumed = small_model()
    train(resumed, train_ds, val_ds, config(tmp_path / "split", **(fast | {"epochs": 1})))
    resumed_history = train(small_model(seed=9), train_ds, val_ds, config(tmp_path / "split", **fast))
    assert resumed_history.train_loss == straight_history.train_loss
    assert straight_history.val_loss[-1] < straight_history.val_loss[0]


# --- the GPU decisions, with CUDA stood in for ----------------------------------------

@pytest.mark.parametrize("capability, dtype", [((7, 5), torch.float16), ((7, 0), torch.float16),
                                              ((8, 0), torch.bfloat16), ((9, 0), torch.bfloat16)])
def test_cuda_auto_amp_follows_compute_capability_of_the_training_device(monkeypatch, capability, dtype):
    asked = []
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: True)  # emulated on a T4: no guide
    monkeypatch.setattr(torch.cuda, "get_device_capability", lambda device=None: asked.append(device) or capability)
    chosen = runtime.resolve_runtime(TrainConfig(device="cuda:1"))
    assert chosen.amp_dtype == dtype and chosen.channels_last
    assert asked == [torch.device("cuda:1")]


def test_cpu_training_never_touches_cuda_random_states(data, tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("CUDA touched during CPU training")

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)  # a GPU machine
    for name in ("get_rng_state", "get_rng_state_all", "set_rng_state", "set_rng_state_all"):
        monkeypatch.setattr(torch.cuda, name, refuse)
    train_ds, val_ds = data
    train(small_model(), train_ds, val_ds, config(tmp_path, epochs=1))
    train(small_model(), train_ds, val_ds, config(tmp_path, epochs=2))  # resumes
    assert "cuda" not in load_checkpoint(tmp_path / LAST_CHECKPOINT)["rng"]


class FakeCudaRng:
    """Stands in for torch.cuda's per-device generator functions."""

    def __init__(self, monkeypatch):
        self.saved_from, self.restored = [], []
        monkeypatch.setattr(torch.cuda, "get_rng_state", self.get)
        monkeypatch.setattr(torch.cuda, "set_rng_state", lambda state, device: self.restored.append((state, device)))
        monkeypatch.setattr(torch.cuda, "get_rng_state_all", self.refuse)
        monkeypatch.setattr(torch.cuda, "set_rng_state_all", self.refuse)

    def get(self, device):
        self.saved_from.append(device)
        return torch.full((4,), device.index, dtype=torch.uint8)

    @staticmethod
    def refuse(*args):
        raise AssertionError("every GPU's state touched")


def test_only_the_training_gpus_random_state_is_saved_and_restored(monkeypatch):
    fake = FakeCudaRng(monkeypatch)
    generator = torch.Generator()
    states = random_state.random_states(generator, torch.device("cuda", 3))
    assert fake.saved_from == [torch.device("cuda", 3)]
    random_state.restore_random_states(states, generator, torch.device("cuda", 0))  # a 1-GPU machine
    assert len(fake.restored) == 1 and fake.restored[0][1] == torch.device("cuda", 0)
    assert torch.equal(fake.restored[0][0], torch.full((4,), 3, dtype=torch.uint8))


def test_a_checkpoint_with_every_gpus_state_resumes_on_fewer_gpus(monkeypatch):
    fake = FakeCudaRng(monkeypatch)
    generator = torch.Generator()
    states = random_state.random_states(generator, torch.device("cpu"))
    states["cuda"] = [torch.full((4,), i, dtype=torch.uint8) for i in range(4)]  # format 1, a 4-GPU node
    random_state.restore_random_states(states, generator, torch.device("cuda", 0))
    assert torch.equal(fake.restored[0][0], states["cuda"][0])
    fake.restored.clear()
    random_state.restore_random_states(states, generator, torch.device("cuda", 5))  # no such GPU then
    assert fake.restored == []


class SkippingScaler:
    """A GradScaler that finds overflowing gradients in the given batches: it skips
    the optimiser step and halves its scale there, as torch's does."""

    def __init__(self, skip_batches):
        self.skip_batches, self.batch, self.scale_value = set(skip_batches), 0, 2.0**16

    def is_enabled(self):
        return True

    def scale(self, loss):
        return loss * self.scale_value

    def get_scale(self):
        return self.scale_value

    def step(self, optimizer):
        if self.batch not in self.skip_batches:
            optimizer.step()

    def update(self):
        if self.batch in self.skip_batches:
            self.scale_value /= 2
        self.batch += 1


def test_schedule_steps_only_when_the_optimiser_steps(data):
    train_ds, _ = data  # 24 crops: 3 batches of 8
    settings = TrainConfig(batch_size=8, device="cpu", amp="off", progress=False)
    run = runtime.resolve_runtime(settings)
    state = fresh_state(small_model(), settings, run, torch.Generator().manual_seed(0), 3)
    state.scaler = SkippingScaler(skip_batches={0, 2})
    loader = torch.utils.data.DataLoader(train_ds, batch_size=8)
    train_one_epoch(state, loader, torch.nn.MSELoss(), run)
    assert state.scheduler.last_epoch == 1  # one real step out of three batches
    assert state.optimizer.state_dict()["state"][0]["step"].item() == 1


# --- the mean-image baseline --------------------------------------------------------------

def test_errors_match_their_definitions(data):
    train_ds, val_ds = data
    train_crops, test_crops = train_ds.tensors[0][:, 0].numpy(), val_ds.tensors[0][:, 0].numpy()
    expected = np.mean((test_crops - train_crops.mean(axis=0)) ** 2)
    assert mean_image_mse(train_crops, test_crops, batch_size=5) == pytest.approx(expected, rel=1e-6)
    model = small_model().eval()
    with torch.no_grad():
        direct = torch.mean((model(val_ds.tensors[0]) - val_ds.tensors[0]) ** 2).item()
    assert reconstruction_mse(model, torch.from_numpy(test_crops), batch_size=3) == pytest.approx(direct, rel=1e-5)
    assert model.training is False
