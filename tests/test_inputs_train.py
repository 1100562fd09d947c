"""Input rules of the model, its training and the chapter-3 pipeline.

Every public entry point that takes a size, a seed, a real number or an array is fed
the values readers get wrong: ``True`` and floats where an integer belongs (also
``np.float32``), numpy integers (accepted), NaN, and torch tensors. A wrong kind
raises ``ArgumentTypeError`` (a TypeError and a ValueError), a value out of range a
``ValueError``; both name the argument and what came.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch
from torch.utils.data import TensorDataset

from xpcs_nb import pipeline
from xpcs_nb.model import Autoencoder, four_stage_autoencoder, published_autoencoder
from xpcs_nb.presets import get_preset
from xpcs_nb.train import TrainConfig, cyclic_lr, mean_image_mse, reconstruction_mse, seed_everything, train
from xpcs_nb.validation import ArgumentTypeError

# (value, accepted?, message fragment when refused) for an argument that wants an integer
INTEGER_CASES = [
    (True, False, "got True (bool)"),
    (2.5, False, "got 2.5 (float)"),
    (np.float32(4), False, "(float32)"),
    (float("nan"), False, "got nan (float)"),
    (torch.tensor(4), False, "(Tensor)"),
    (np.int64(4), True, None),
]
REAL_CASES = [
    (True, False, ArgumentTypeError, "got True (bool)"),
    (float("nan"), False, ValueError, "finite"),
    (float("inf"), False, ValueError, "finite"),
    (torch.tensor(0.01), False, ArgumentTypeError, "(Tensor)"),
    (np.float32(0.01), True, None, None),
]


def tiny_autoencoder(**changes):
    settings = dict(latent_size=4, encoder_channels=(4,), decoder_channels=(4,), pool=2, image_size=8)
    return Autoencoder(**(settings | changes))


def assert_integer_rule(call, name, value, accepted, fragment):
    if accepted:
        call(value)
        return
    with pytest.raises(ArgumentTypeError, match=rf"{name} must be an integer .*{re.escape(fragment)}"):
        call(value)


# --- the model ------------------------------------------------------------------------

@pytest.mark.parametrize("value, accepted, fragment", INTEGER_CASES)
@pytest.mark.parametrize("name", ["latent_size", "pool", "image_size"])
def test_autoencoder_sizes(name, value, accepted, fragment):
    assert_integer_rule(lambda v: tiny_autoencoder(**{name: v}), name, value, accepted, fragment)


@pytest.mark.parametrize("value, accepted, fragment", INTEGER_CASES)
def test_autoencoder_channels(value, accepted, fragment):
    assert_integer_rule(lambda v: tiny_autoencoder(encoder_channels=(v,)), r"encoder_channels\[0\]", value,
                        accepted, fragment)


@pytest.mark.parametrize("value, accepted, fragment", INTEGER_CASES)
@pytest.mark.parametrize("build", [published_autoencoder, four_stage_autoencoder])
def test_model_builders_latent_size(build, value, accepted, fragment):
    assert_integer_rule(build, "latent_size", value, accepted, fragment)


def test_numpy_latent_size_gives_a_python_int():
    model = published_autoencoder(latent_size=np.int64(8))
    assert type(model.latent_size) is int and model.bottleneck[1].out_features == 8


@pytest.mark.parametrize("value, accepted, error, fragment", REAL_CASES)
def test_autoencoder_dropout(value, accepted, error, fragment):
    if accepted:
        tiny_autoencoder(dropout=value)
        return
    with pytest.raises(error, match=rf"dropout must be .*{re.escape(fragment)}"):
        tiny_autoencoder(dropout=value)


def test_autoencoder_refuses_a_numpy_batch_and_takes_a_tensor():
    model = tiny_autoencoder().eval()
    with pytest.raises(TypeError, match="images must be a torch.Tensor, got .*ndarray"):
        model.encode(np.zeros((1, 1, 8, 8), dtype=np.float32))
    assert model(torch.zeros(1, 1, 8, 8)).shape == (1, 1, 8, 8)
    with pytest.raises(TypeError, match="latents must be a torch.Tensor"):
        model.decode(np.zeros((1, 4), dtype=np.float32))


# --- TrainConfig, seed_everything, cyclic_lr ----------------------------------------------

@pytest.mark.parametrize("value, accepted, fragment", INTEGER_CASES)
@pytest.mark.parametrize("name", ["epochs", "batch_size", "half_cycle_epochs", "num_workers", "seed"])
def test_train_config_integers(name, value, accepted, fragment):
    def make(v):
        config = TrainConfig(**{name: v})
        assert type(getattr(config, name)) is int

    assert_integer_rule(make, name, value, accepted, fragment)


@pytest.mark.parametrize("value, accepted, error, fragment", REAL_CASES)
def test_train_config_lr(value, accepted, error, fragment):
    if accepted:
        assert TrainConfig(lr=value).lr == pytest.approx(0.01)
        return
    with pytest.raises(error, match=rf"lr must be .*{re.escape(fragment)}"):
        TrainConfig(lr=value)


@pytest.mark.parametrize("changes, name", [({"channels_last": 1}, "channels_last"), ({"progress": "yes"}, "progress"),
                                           ({"device": 0}, "device"), ({"checkpoint_dir": 3}, "checkpoint_dir"),
                                           ({"amp": True}, "amp"), ({"loss": None}, "loss")])
def test_train_config_flags_and_choices(changes, name):
    with pytest.raises(ValueError, match=name):
        TrainConfig(**changes)


@pytest.mark.parametrize("value, accepted, fragment", INTEGER_CASES)
def test_seed_everything(value, accepted, fragment):
    assert_integer_rule(seed_everything, "seed", value, accepted, fragment)


@pytest.mark.parametrize("value, accepted, fragment", INTEGER_CASES)
def test_cyclic_lr_steps(value, accepted, fragment):
    optimizer = torch.optim.Adam([torch.zeros(1, requires_grad=True)])
    assert_integer_rule(lambda v: cyclic_lr(optimizer, 1e-3, v), "steps_per_half_cycle", value, accepted, fragment)


# --- train ---------------------------------------------------------------------------

@pytest.fixture
def images():
    return TensorDataset(torch.rand(8, 1, 8, 8))


def quick(**changes):
    return TrainConfig(**(dict(epochs=1, batch_size=4, device="cpu", amp="off", progress=False) | changes))


def test_train_takes_numpy_integers_in_its_config(images):
    history = train(tiny_autoencoder(), images, None, quick(epochs=np.int64(1), batch_size=np.int32(4)))
    assert history.epoch == [1]


@pytest.mark.parametrize("bad, message", [(1, "resume must be True or False"), ("yes", "resume must be True or False")])
def test_train_resume_is_a_bool(images, bad, message):
    with pytest.raises(ArgumentTypeError, match=message):
        train(tiny_autoencoder(), images, None, quick(), resume=bad)


def test_train_config_must_be_a_train_config(images):
    with pytest.raises(TypeError, match=r"config must be a TrainConfig, got \{'epochs': 1\} \(dict\)"):
        train(tiny_autoencoder(), images, None, {"epochs": 1})


def test_train_refuses_data_holding_nan(images):
    poisoned = images.tensors[0].clone()
    poisoned[5, 0, 1, 1] = float("nan")
    with pytest.raises(ValueError, match=r"training batch [01] of epoch 1 holds 1 NaN and 0 inf values"):
        train(tiny_autoencoder(), TensorDataset(poisoned), None, quick())


def test_train_refuses_numpy_items():
    with pytest.raises(ValueError, match=r"train_ds items must be float tensors \(1, S, S\), got ndarray"):
        train(tiny_autoencoder(), [np.zeros((1, 8, 8), dtype=np.float32)], None, quick())


# --- errors against the mean image ----------------------------------------------------

def test_reconstruction_mse_arrays():
    model = torch.nn.Identity()
    crops = np.full((2, 4, 4), 0.5, dtype=np.float32)
    assert reconstruction_mse(model, crops) == 0.0
    assert reconstruction_mse(model, torch.from_numpy(crops)) == 0.0  # a CPU tensor
    assert reconstruction_mse(model, crops.tolist()) == 0.0  # a list
    crops[1, 2, 3] = np.nan
    with pytest.raises(ValueError, match=r"crops must be finite; 1 of its 32 values are NaN or inf"):
        reconstruction_mse(model, crops)
    with pytest.raises(ValueError, match=r"crops must have values >= 0 and <= 1"):
        reconstruction_mse(model, np.full((1, 4, 4), 2.0))
    with pytest.raises(ValueError, match="crops must be 3-D"):
        reconstruction_mse(model, np.zeros((4, 4)))


@pytest.mark.parametrize("value, accepted, fragment", INTEGER_CASES)
def test_error_batch_sizes(value, accepted, fragment):
    crops = np.zeros((2, 4, 4))
    assert_integer_rule(lambda v: reconstruction_mse(torch.nn.Identity(), crops, batch_size=v), "batch_size",
                        value, accepted, fragment)
    assert_integer_rule(lambda v: mean_image_mse(crops, crops, batch_size=v), "batch_size", value, accepted,
                        fragment)


def test_mean_image_mse_arrays():
    with pytest.raises(ValueError, match="test_crops must be finite"):
        mean_image_mse(np.zeros((2, 4, 4)), np.full((1, 4, 4), np.nan))
    with pytest.raises(ValueError, match=r"test_crops must have the training crops' size \(4, 4\)"):
        mean_image_mse(np.zeros((2, 4, 4)), np.zeros((1, 3, 3)))
    assert mean_image_mse(torch.zeros(2, 4, 4), torch.ones(1, 4, 4)) == 1.0


# --- the pipeline: checked before any work is done ------------------------------------

class Reached(Exception):
    """The checks passed and the work began."""


def reached(*args, **kwargs):
    raise Reached


@pytest.fixture
def data_root(tmp_path, monkeypatch):
    monkeypatch.setenv("XPCS_DATA_DIR", str(tmp_path))
    return tmp_path


@pytest.mark.parametrize("tag", ["main", "sweep", "run-2_b", "v1.2"])
def test_checkpoint_dir_takes_plain_tags(data_root, tag):
    folder = pipeline.checkpoint_dir("fast", tag=tag)
    assert folder.parent == data_root / "generated" / "fast" and tag in folder.name


@pytest.mark.parametrize("tag", ["../escape", "a/b", "a\\b", "", ".", "..", "a..b", ".hidden", "x/../..",
                                 None, 3, True])
def test_checkpoint_dir_refuses_tags_that_are_not_plain_names(data_root, tag):
    with pytest.raises(ValueError, match="tag must be a plain name"):
        pipeline.checkpoint_dir("fast", tag=tag)


@pytest.mark.parametrize("value, accepted, fragment", INTEGER_CASES)
@pytest.mark.parametrize("name", ["seed", "latent_size"])
def test_checkpoint_dir_numbers(data_root, name, value, accepted, fragment):
    assert_integer_rule(lambda v: pipeline.checkpoint_dir("fast", **{name: v}), name, value, accepted, fragment)


def test_checkpoint_dir_preset_kind(data_root):
    with pytest.raises(ArgumentTypeError, match="preset must be a preset name"):
        pipeline.checkpoint_dir(3)


@pytest.mark.parametrize("value, accepted, fragment", INTEGER_CASES)
def test_crop_splits_seed(monkeypatch, value, accepted, fragment):
    monkeypatch.setattr(pipeline, "library_store", reached)
    with pytest.raises(Reached) if accepted else pytest.raises(ArgumentTypeError, match="seed must be an integer"):
        pipeline.crop_splits("fast", seed=value)


@pytest.mark.parametrize("value, accepted, fragment", INTEGER_CASES)
@pytest.mark.parametrize("name", ["n_train", "n_val", "seed"])
def test_augmented_sets_sizes(monkeypatch, name, value, accepted, fragment):
    monkeypatch.setattr(pipeline, "crop_splits", reached)
    with pytest.raises(Reached) if accepted else pytest.raises(ArgumentTypeError, match=f"{name} must be an integer"):
        pipeline.augmented_sets("fast", **{name: value})


@pytest.mark.parametrize("value, accepted, fragment", INTEGER_CASES)
@pytest.mark.parametrize("name", ["seed", "latent_size", "epochs"])
def test_trained_autoencoder_sizes(data_root, monkeypatch, name, value, accepted, fragment):
    monkeypatch.setattr(pipeline, "augmented_sets", reached)
    with pytest.raises(Reached) if accepted else pytest.raises(ArgumentTypeError, match=f"{name} must be an integer"):
        pipeline.trained_autoencoder("fast", **{name: value})


def test_trained_autoencoder_tag(data_root, monkeypatch):
    monkeypatch.setattr(pipeline, "augmented_sets", reached)
    with pytest.raises(ValueError, match="tag must be a plain name"):
        pipeline.trained_autoencoder("fast", tag="../../x")


@pytest.mark.parametrize("value, accepted, fragment", INTEGER_CASES)
def test_errors_on_test_split_seed(monkeypatch, value, accepted, fragment):
    monkeypatch.setattr(pipeline, "crop_splits", reached)
    with pytest.raises(Reached) if accepted else pytest.raises(ArgumentTypeError, match="seed must be an integer"):
        pipeline.errors_on_test_split(torch.nn.Identity(), "fast", seed=value)


def test_get_preset_name_kind():
    with pytest.raises(ArgumentTypeError, match=r"name must be a preset name such as 'fast', got True \(bool\)"):
        get_preset(True)


def test_checkpoint_dir_names_a_training_seed_other_than_the_data_seed(data_root):
    assert pipeline.checkpoint_dir("fast", seed=0, train_seed=0) == pipeline.checkpoint_dir("fast", seed=0)
    key = pipeline.library_key("fast")
    run = pipeline.training_key("fast")
    assert pipeline.checkpoint_dir("fast", seed=0, train_seed=2).name.endswith(f"_seed0_lib{key}_run{run}_train2")
    with pytest.raises(ValueError):
        pipeline.checkpoint_dir("fast", train_seed=-1)
