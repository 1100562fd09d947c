"""Training at the photon rate that is evaluated: the library at another rate, the further
training, and the evaluation's extra method."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from xpcs_nb import dataset, evaluation, pipeline
from xpcs_nb.library import LibrarySpec
from xpcs_nb.presets import get_preset

TINY = get_preset("fast").with_(name="tiny", c2_frames=256, library_per_class=2, crops_per_c2=1,
                                library_method="analytic", train_items=32, val_items=8, epochs=1,
                                half_cycle_epochs=1, augment_factor=2, eval_matched_epochs=1)


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("XPCS_DATA_DIR", str(tmp_path))
    return tmp_path


def test_library_at_photons_changes_only_the_noise(data_dir):
    own = pipeline.library_at_photons(TINY, 10.0)
    dim = pipeline.library_at_photons(TINY, 0.5)
    assert own.name == LibrarySpec.from_preset(TINY).file_name  # the library itself at its own rate
    assert "_ph0.5_" in dim.name
    bright, bright_meta = dataset.load_crop_store(own)
    faint, faint_meta = dataset.load_crop_store(dim)
    assert bright_meta["label"].tolist() == faint_meta["label"].tolist()  # same C2, same labels
    assert not np.allclose(np.asarray(bright), np.asarray(faint))  # other counts


@pytest.mark.slow
def test_noise_matched_model_starts_from_chapter_3s_and_moves(data_dir):
    base, _ = pipeline.trained_autoencoder(TINY, 0, device="cpu", progress=False)
    same, _ = pipeline.noise_matched_autoencoder(TINY, 10.0, 0, device="cpu", progress=False)
    for a, b in zip(base.state_dict().values(), same.state_dict().values()):
        assert torch.equal(a, b)  # at the library's rate: the model itself
    matched, history = pipeline.noise_matched_autoencoder(TINY, 0.5, 0, device="cpu", progress=False)
    assert not matched.training and len(history.train_loss) == TINY.eval_matched_epochs
    moved = [not torch.equal(a, b) for a, b in zip(base.state_dict().values(), matched.state_dict().values())]
    assert any(moved)
    again, _ = pipeline.noise_matched_autoencoder(TINY, 0.5, 0, device="cpu", progress=False)  # from its cache
    for a, b in zip(matched.state_dict().values(), again.state_dict().values()):
        assert torch.equal(a, b)


def test_noise_matched_refuses_a_bad_rate():
    with pytest.raises(ValueError, match="photons_per_pixel"):
        pipeline.noise_matched_autoencoder(TINY, 0.0)


def test_sweep_scores_the_encoder_trained_at_each_rate(data_dir):
    torch.manual_seed(0)
    net = pipeline.Autoencoder(latent_size=8, encoder_channels=(4, 4, 4), decoder_channels=(4, 4, 4),
                               pool=2, image_size=64)
    other = evaluation.untrained_copy(net, 5)
    preset = TINY.with_(crop_size=64, c2_frames=64, eval_per_class=1)
    table = evaluation.noise_sweep(preset, net, photons=(10.0, 1.0), diagonal="keep", trained_at_rate={1.0: other},
                                   untrained_seeds=[0], kmeans_seeds=[0], k=1, n_init=1)
    at_rate = table[table["method"] == "trained_at_rate"]
    assert set(at_rate["photons"]) == {1.0}  # only where a model was given
    with pytest.raises(TypeError, match="trained_at_rate"):
        evaluation.noise_sweep(preset, net, photons=(1.0,), diagonal="keep", trained_at_rate=[other])
