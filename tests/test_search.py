"""Similarity search: the reader's own C2 (array or APS file) against encoded crops."""

import numpy as np
import pytest
import torch

from xpcs_nb import aps, latent
from xpcs_nb.dataset import diagonal_crop, minmax_scale
from xpcs_nb.model import Autoencoder

SIZE = 64  # crop side for the tiny test model (the real one takes 256)


@pytest.fixture(scope="module")
def model():
    """A tiny untrained autoencoder: its latents are arbitrary but deterministic."""
    torch.manual_seed(0)
    return Autoencoder(latent_size=8, encoder_channels=(4, 4), decoder_channels=(4, 4), pool=4,
                       image_size=SIZE).eval()


def band_map(width, n_frames=100, seed=0, baseline=1.0, contrast=0.25):
    """A symmetric ratio-form C2 (T, T): exponential band of ``width`` frames plus noise."""
    rng = np.random.default_rng(seed)
    lag = np.abs(np.subtract.outer(np.arange(n_frames), np.arange(n_frames)))
    noise = rng.normal(scale=0.01, size=(n_frames, n_frames))
    return baseline + contrast * np.exp(-lag / width) + (noise + noise.T) / 2


@pytest.fixture(scope="module")
def library(model):
    """Eight maps, their middle crops scaled to [0, 1], and the crops' latents."""
    maps = [band_map(width, seed=i) for i, width in enumerate((1, 2, 4, 8, 16, 32, 64, 128))]
    offset = (100 - SIZE) // 2
    crops = minmax_scale(np.stack([diagonal_crop(m, offset, SIZE) for m in maps]))[0]
    return maps, crops, latent.encode(model, crops)


def test_neighbours_are_the_nearest_latents_by_brute_force(model, library):
    _, _, latents = library
    query = band_map(6.0, n_frames=90, seed=99)
    found = latent.find_similar(model, query, latents, k=5, crop_offset=7, crop_size=SIZE)

    crop = minmax_scale(query[7:7 + SIZE, 7:7 + SIZE])[0]
    with torch.no_grad():
        expected_latent = model.encode(torch.from_numpy(crop)[None, None].float())[0].numpy()
    distances = np.sqrt(((latents.astype(np.float64) - expected_latent) ** 2).sum(axis=1))
    np.testing.assert_allclose(found.query_latent, expected_latent, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(found.indices, np.argsort(distances, kind="stable")[:5])
    np.testing.assert_allclose(found.distances, np.sort(distances)[:5], rtol=1e-5, atol=1e-6)
    assert found.crop_offset == 7
    np.testing.assert_allclose(found.query_crop, crop)


def test_a_library_map_finds_its_own_crop_first_whatever_its_scale(model, library):
    maps, _, latents = library
    # The middle crop is the default; scaling and offsetting the map changes nothing.
    found = latent.find_similar(model, 3.0 * maps[5] - 2.0, latents, k=3, crop_size=SIZE)
    assert found.crop_offset == (100 - SIZE) // 2
    assert found.indices[0] == 5
    assert found.distances[0] < 1e-4
    assert list(found.table().columns) == ["rank", "index", "distance"]


def test_an_aps_file_gives_the_same_neighbours_as_the_array(model, library, tmp_path):
    maps, _, latents = library
    path = tmp_path / "result.hdf"
    aps.write_aps_result(path, [maps[0], maps[3]])
    from_file = latent.find_similar(model, path, latents, k=4, roi=2, crop_size=SIZE)
    from_array = latent.find_similar(model, maps[3], latents, k=4, crop_size=SIZE)
    np.testing.assert_array_equal(from_file.indices, from_array.indices)
    np.testing.assert_allclose(from_file.distances, from_array.distances, rtol=1e-6)
    assert latent.find_similar(model, str(path), latents, k=1, roi=1, crop_size=SIZE).indices[0] == 0


def test_the_predicted_class_is_the_neighbours_majority_ties_to_the_nearest(model, library):
    maps, _, _ = library
    query_latent = latent.find_similar(model, maps[0], np.zeros((1, 8)), k=1, crop_size=SIZE).query_latent
    step = np.zeros(8)
    step[0] = 1.0
    latents = query_latent + np.outer([0.1, 0.2, 0.3, 0.4, 0.5], step)  # distances 0.1 .. 0.5, in order
    labels = np.array([1, 2, 2, 1, 3])

    three = latent.find_similar(model, maps[0], latents, k=3, labels=labels, crop_size=SIZE)
    assert three.predicted_class == 2 and three.votes == {2: 2, 1: 1}
    four = latent.find_similar(model, maps[0], latents, k=4, labels=labels, crop_size=SIZE)
    assert four.predicted_class == 1  # 1 and 2 tie at two votes; label 1 has the nearest member
    np.testing.assert_array_equal(four.neighbour_labels, [1, 2, 2, 1])
    assert four.table()["label"].tolist() == [1, 2, 2, 1]


@pytest.mark.parametrize(
    "query, message",
    [
        (np.ones(300), "2-D C2 array"),
        (np.ones((2, 300, 300)), "2-D C2 array"),
        (np.ones((300, 280)), "query must be a square"),
        (np.ones((200, 200)), "query has 200 frames, fewer than crop_size=256"),
        (np.full((300, 300), np.nan), "query must be finite"),
        (np.ones((300, 300)), "query is constant"),
    ],
)
def test_bad_queries_are_refused_by_name(query, message):
    stub = Autoencoder(latent_size=4)
    with pytest.raises(ValueError, match=message):
        latent.find_similar(stub, query, np.zeros((3, 4)), k=1)


def test_bad_arguments_are_refused(model, library, tmp_path):
    maps, _, latents = library
    with pytest.raises(ValueError, match="crop_offset must be >= 0 and <= 36"):
        latent.find_similar(model, maps[0], latents, crop_offset=37, crop_size=SIZE)
    with pytest.raises(ValueError, match="labels must have 8 entries"):
        latent.find_similar(model, maps[0], latents, labels=np.zeros(3, dtype=int), crop_size=SIZE)
    with pytest.raises(ValueError, match="k must be >= 1 and <= 8"):
        latent.find_similar(model, maps[0], latents, k=9, crop_size=SIZE)
    with pytest.raises(ValueError, match="same model"):
        latent.find_similar(model, maps[0], np.zeros((3, 5)), k=1, crop_size=SIZE)
    with pytest.raises(ValueError, match="is not a file"):
        latent.find_similar(model, tmp_path / "missing.hdf", latents, crop_size=SIZE)
    path = tmp_path / "one.hdf"
    aps.write_aps_result(path, [maps[0]])
    with pytest.raises(KeyError, match="its ROIs are"):
        latent.find_similar(model, path, latents, roi=2, crop_size=SIZE)
