"""LatentSpace: fit, classify, neighbours, and a save/load round trip that changes nothing."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import torch

from xpcs_nb.aps import write_aps_result
from xpcs_nb import latent
from xpcs_nb.latent import LatentSpace, band_width, encode
from xpcs_nb.model import Autoencoder

SIDE = 32
WIDTHS = (1.0, 1.2, 1.4, 1.6, 8.0, 9.0, 10.0, 11.0, 30.0, 35.0, 40.0, 45.0)


def tiny_model() -> Autoencoder:
    torch.manual_seed(0)
    return Autoencoder(latent_size=8, encoder_channels=(4, 4), decoder_channels=(4, 4), pool=4, image_size=SIDE)


def band_map(n_frames: int, width: float) -> np.ndarray:
    lag = np.abs(np.subtract.outer(np.arange(n_frames), np.arange(n_frames)))
    return 1 + 0.2 * np.exp(-lag / width)


@pytest.fixture
def fitted() -> LatentSpace:
    crops = np.stack([band_map(SIDE, w) - 1 for w in WIDTHS]) / 0.2  # already in [0, 1]
    reference = pd.DataFrame({"width": WIDTHS, "name": [f"w{w:g}" for w in WIDTHS]})
    return LatentSpace(tiny_model(), crops_per_map=2).fit(crops, reference, k=3)


def test_fit_orders_the_classes_slowest_first(fitted):
    assert fitted.k == 3 and fitted.centres.shape == (3, 8) and fitted.latents.shape == (len(WIDTHS), 8)
    widths = band_width(np.stack([band_map(SIDE, w) for w in WIDTHS]))
    medians = [np.median(widths[fitted.labels == c]) for c in range(3)]
    assert medians == sorted(medians, reverse=True), "class 0 has the widest band"
    # each reference latent sits nearest its own class centre (k-means converged)
    distances = np.linalg.norm(fitted.latents[:, None].astype(np.float64) - fitted.centres[None], axis=2)
    np.testing.assert_array_equal(distances.argmin(axis=1), fitted.labels)


def test_k_none_takes_the_knee_of_the_sweep():
    rng = np.random.default_rng(0)
    crops = np.clip(np.concatenate([rng.normal(level, 0.01, (6, SIDE, SIDE)) for level in (0.1, 0.5, 0.9)]), 0, 1)
    space = LatentSpace(tiny_model()).fit(crops)
    assert 2 <= space.k <= 12
    with pytest.raises(ValueError, match="k must be given for fewer than 5 reference crops"):
        LatentSpace(tiny_model()).fit(crops[:4])


def test_classify_gives_the_nearest_centre_and_every_distance(fitted):
    maps = np.stack([band_map(80, 1.2), band_map(80, 40.0)])
    table = fitted.classify(maps)
    crops, prepared = fitted.prepare(maps)
    latents = encode(fitted.model, crops).astype(np.float64)
    distances = np.linalg.norm(latents[:, None] - fitted.centres[None], axis=2)
    assert len(table) == 4 and table["roi"].tolist() == [1, 1, 2, 2]
    np.testing.assert_array_equal(table["class"], distances.argmin(axis=1))
    np.testing.assert_allclose(table[["distance_0", "distance_1", "distance_2"]].to_numpy(), distances)
    np.testing.assert_allclose(table["distance"], distances.min(axis=1))
    assert table["class"].iloc[0] > table["class"].iloc[2], "the narrow band is the faster class"
    pd.testing.assert_frame_equal(table[prepared.columns], prepared)


def test_neighbours_lists_the_nearest_reference_crops(fitted):
    table = fitted.neighbours(band_map(64, 9.0), k=4)
    assert len(table) == 2 * 4 and table["rank"].tolist() == [1, 2, 3, 4] * 2
    for _, rows in table.groupby("crop_offset"):
        assert rows["neighbour_distance"].is_monotonic_increasing
        np.testing.assert_array_equal(rows["neighbour_class"], fitted.labels[rows["neighbour"]])
        np.testing.assert_array_equal(rows["neighbour_width"], np.asarray(WIDTHS)[rows["neighbour"]])


def test_a_file_is_classified_with_its_own_roi_numbers(fitted, tmp_path):
    write_aps_result(tmp_path / "run.h5", [band_map(40, 2.0), band_map(40, 30.0)])
    np.save(tmp_path / "maps.npy", np.stack([band_map(40, 2.0), band_map(40, 30.0)]))
    from_file = fitted.classify(tmp_path / "run.h5")
    from_npy = fitted.classify(str(tmp_path / "maps.npy"))
    assert from_file["file"].iloc[0].endswith("run.h5") and from_file["roi"].tolist() == [1, 1, 2, 2]
    np.testing.assert_array_equal(from_file["class"], from_npy["class"])


def test_distance_to_reference_leaves_twins_of_one_map_out_of_the_spacing(tmp_path):
    """With c2_index, a crop's nearest reference is sought among other maps only (latent.gap's groups)."""
    crops = np.stack([band_map(SIDE, w) - 1 for w in WIDTHS]) / 0.2
    maps = np.arange(len(WIDTHS)) // 2  # two crops per map
    twins = LatentSpace(tiny_model()).fit(crops, pd.DataFrame({"c2_index": maps}), k=3)
    alone = LatentSpace(tiny_model()).fit(crops, k=3)
    new = twins.latents[:3] + 0.01
    by_map = latent.distance_to_reference(new, twins.latents, groups=maps)
    pd.testing.assert_frame_equal(twins.distance_to_reference(new), by_map)
    pd.testing.assert_frame_equal(alone.distance_to_reference(new), latent.distance_to_reference(new, alone.latents))
    assert by_map.reference_spacing.iloc[0] > alone.distance_to_reference(new).reference_spacing.iloc[0]
    loaded = LatentSpace.load(twins.save(tmp_path / "space"))  # the column survives the files
    pd.testing.assert_frame_equal(loaded.distance_to_reference(new), by_map)
    with pytest.raises(RuntimeError, match="not fitted yet"):
        LatentSpace(tiny_model()).distance_to_reference(new)


def test_save_and_load_give_the_same_classes_and_neighbours(fitted, tmp_path):
    maps = np.stack([band_map(70, w) for w in (1.1, 7.0, 50.0)])
    folder = fitted.save(tmp_path / "space")
    assert sorted(p.name for p in folder.iterdir()) == ["space.json", "space.npz", "weights.pt"]
    settings = json.loads((folder / "space.json").read_text())
    assert settings["k"] == 3 and settings["reference_columns"] == ["width", "name"]
    loaded = LatentSpace.load(folder)
    assert not loaded.model.training and loaded.crops_per_map == 2
    pd.testing.assert_frame_equal(loaded.classify(maps), fitted.classify(maps))
    pd.testing.assert_frame_equal(loaded.neighbours(maps, k=3), fitted.neighbours(maps, k=3))
    pd.testing.assert_frame_equal(loaded.reference, fitted.reference)
    with np.load(folder / "space.npz", allow_pickle=False) as arrays:  # nothing in it needs pickle
        assert {name: arrays[name].dtype.kind for name in arrays.files}["reference_1"] == "U"


def test_load_names_what_is_missing_and_a_wrong_format(fitted, tmp_path):
    with pytest.raises(FileNotFoundError, match="lacks space.json, space.npz"):
        (tmp_path / "half").mkdir()
        fitted.save(tmp_path / "half")
        (tmp_path / "half" / "space.json").unlink()
        (tmp_path / "half" / "space.npz").unlink()
        LatentSpace.load(tmp_path / "half")
    folder = fitted.save(tmp_path / "space")
    (folder / "space.json").write_text(json.dumps({"format": "other", "version": 1}))
    with pytest.raises(ValueError, match="must be a xpcs_nb.LatentSpace version 1"):
        LatentSpace.load(folder)


def test_a_space_that_is_not_fitted_says_so():
    with pytest.raises(RuntimeError, match="not fitted yet"):
        LatentSpace(tiny_model()).classify(band_map(40, 3.0))
    with pytest.raises(TypeError, match="model must be an xpcs_nb.model.Autoencoder"):
        LatentSpace("published")


def test_the_published_space_classifies_offline(paper_data):
    space = LatentSpace.published()
    assert len(space.latents) == 900 and 2 <= space.k <= 12
    assert list(space.reference.columns) == ["sector", "start_time"]
    lag = np.abs(np.subtract.outer(np.arange(300), np.arange(300)))
    table = space.classify(1 + 0.2 * np.exp(-lag / 20.0))
    assert len(table) == 1 and 0 <= table["class"].iloc[0] < space.k
