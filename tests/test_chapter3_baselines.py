"""Chapter 3's new evidence: the random-split leak sets, the sweep's whole cycles, and their words."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch.utils.data import Subset

from xpcs_nb import dataset, words
from xpcs_nb.evaluation import split_leak
from xpcs_nb.presets import PRESETS, get_preset


@pytest.fixture
def tiny_run(monkeypatch):
    """Six crops of 8 x 8 (crop k filled with k / 10), four for training, two for testing."""
    crops = np.stack([np.full((8, 8), k / 10, dtype=np.float32) for k in range(6)])
    splits = {"train": np.arange(4), "validation": np.array([], dtype=int), "test": np.array([4, 5])}
    full = dataset.AugmentedCropDataset(crops, splits["train"], seed=0, factor=5)  # 20 copies
    trained = Subset(full, list(range(0, 20, 2)))  # the run trains on every other copy
    monkeypatch.setattr(split_leak, "crop_splits", lambda preset, seed: (crops, None, splits))
    monkeypatch.setattr(split_leak, "augmented_sets", lambda preset, seed: (trained, None))
    new = np.stack([np.full((8, 8), 0.9, dtype=np.float32), np.full((8, 8), 0.8, dtype=np.float32)])
    monkeypatch.setattr(split_leak, "_new_map_crops", lambda preset: new)
    return crops, trained


def test_random_split_set_holds_unseen_copies_of_training_crops(tiny_run):
    leak = split_leak.leak_test_images("fast", 0, n_images=6)
    images, sources = leak["random split"]
    assert len(images) == 6 and leak["seen"] == 0
    assert leak["copies"] == 20 and leak["trained on"] == 10
    assert set(sources) <= {0, 1, 2, 3}
    # every image is a (constant) copy of the crop it names
    np.testing.assert_allclose(images.mean(axis=(1, 2)), sources / 10, atol=1e-6)


def test_test_split_and_new_maps_hold_copies_of_their_own_crops_only(tiny_run):
    leak = split_leak.leak_test_images("fast", 0, n_images=6)
    images, sources = leak["test split"]
    assert set(sources) <= {4, 5} and len(images) == 6
    np.testing.assert_allclose(images.mean(axis=(1, 2)), sources / 10, atol=1e-6)
    images, sources = leak["new maps"]
    assert set(sources) <= {0, 1} and len(images) == 6
    np.testing.assert_allclose(images.mean(axis=(1, 2)), 0.9 - sources / 10, atol=1e-6)


def test_seen_copies_fill_in_only_when_the_unseen_run_out(tiny_run):
    leak = split_leak.leak_test_images("fast", 0, n_images=14)
    assert leak["seen"] == 4 and len(leak["random split"][0]) == 14


def test_per_image_mse_equals_numpy_and_mean_over_sources_averages_crops_first():
    images = np.random.default_rng(0).random((5, 4, 4)).astype(np.float32)
    halve = torch.nn.Sequential(torch.nn.Identity())
    halve.forward = lambda x: x / 2
    np.testing.assert_allclose(split_leak.per_image_mse(halve, images),
                               ((images / 2) ** 2).mean(axis=(1, 2)), rtol=1e-6)
    mean, spread, n = split_leak.mean_over_sources([1.0, 1.0, 1.0, 5.0], [0, 0, 0, 1])
    assert (mean, n) == (3.0, 2) and spread == pytest.approx(np.std([1.0, 5.0], ddof=1) / np.sqrt(2))
    with pytest.raises(ValueError, match="errors and sources"):
        split_leak.mean_over_sources([1.0], [0, 1])


def test_every_preset_that_sweeps_trains_whole_cycles():
    for p in PRESETS.values():
        if p.latent_sweep:
            assert p.sweep_epochs % (2 * p.sweep_half_cycle_epochs) == 0, p.name
    assert PRESETS["fast"].latent_sweep == ()
    with pytest.raises(ValueError, match="whole number of learning-rate cycles"):
        get_preset("class_cpu").with_(sweep_epochs=3)


def test_words_follow_the_numbers():
    assert words.versus_pca(0.004, 0.005, 64).startswith("below PCA-64")
    assert words.versus_pca(0.006, 0.005, 64).startswith("not below PCA-64")
    assert "2.0 times smaller" in words.leak_sentence((0.003, 0.0002), (0.006, 0.0005))
    assert "do not differ" in words.leak_sentence((0.0050, 0.001), (0.0055, 0.001))
    assert "has not memorised" in words.leak_sentence((0.0101, 0.0012), (0.0051, 0.0002))
    assert "better than PCA with 16 components and worse than PCA with 32" in words.pca_equivalent(
        [16, 32, 64], [0.008, 0.006, 0.005], 0.007)
    assert "better than PCA with any" in words.pca_equivalent([16, 32], [0.008, 0.006], 0.001)
    assert "worse than PCA with even 16" in words.pca_equivalent([16, 32], [0.008, 0.006], 0.009)
    assert words.sweep_plan(PRESETS["class_cpu"], PRESETS).startswith("Here class_cpu trains")
    text = words.sweep_sentence([4, 64], [0.02, 0.01], [0.001] * 2, 0.05, epochs=2, images=10,
                                pca_means=[0.015, 0.012])
    assert text.endswith("1 of the 2 sizes beat PCA with as many components")
    with pytest.raises(ValueError, match="pca_mse"):
        words.versus_pca(0.004, 0.0, 64)
