"""PCA reconstruction error against an independent computation: numpy's SVD, done the textbook way."""

import numpy as np
import pytest

from xpcs_nb.train import mean_image_mse
from xpcs_nb.train.pca_baseline import pca_reconstruction_errors, pca_reconstruction_mse


def svd_reconstruction_mse(train, test, k):
    """Reconstruct each test image from the top-k right singular vectors of the centred training set."""
    train = train.reshape(len(train), -1).astype(np.float64)
    test = test.reshape(len(test), -1).astype(np.float64)
    mean = train.mean(axis=0)
    _, _, vt = np.linalg.svd(train - mean, full_matrices=False)
    basis = vt[:k]  # (k, D)
    rebuilt = mean + (test - mean) @ basis.T @ basis
    return float(np.mean((rebuilt - test) ** 2))


@pytest.fixture
def images():
    rng = np.random.default_rng(3)
    # low-rank structure plus noise, so the leading components matter
    factors = rng.random((40, 5)) @ rng.random((5, 12 * 12))
    crops = factors / factors.max() * 0.8 + 0.2 * rng.random((40, 12 * 12))
    crops = crops.reshape(40, 12, 12).astype(np.float32)
    return crops[:30], crops[30:]


def test_errors_equal_numpy_svd_reconstruction(images):
    train, test = images
    sizes = [1, 3, 5, 10, 29]
    ours = pca_reconstruction_errors(train, test, sizes)
    expected = [svd_reconstruction_mse(train, test, k) for k in sizes]
    np.testing.assert_allclose(ours, expected, rtol=1e-4, atol=1e-9)


def test_no_component_is_the_mean_image(images):
    train, test = images
    assert pca_reconstruction_mse(train, test, 0) == pytest.approx(mean_image_mse(train, test), rel=1e-6)


def test_errors_fall_with_more_components_and_vanish_on_the_training_set(images):
    train, test = images
    errors = pca_reconstruction_errors(train, test, range(30))
    assert np.all(np.diff(errors) <= 1e-12)
    assert pca_reconstruction_mse(train, train, 29) < 1e-9


def test_accepts_channel_axis(images):
    train, test = images
    assert pca_reconstruction_mse(train[:, None], test[:, None], 4) == pytest.approx(
        pca_reconstruction_mse(train, test, 4))


def test_bad_input_names_the_argument(images):
    train, test = images
    with pytest.raises(ValueError, match=r"sizes entry must be >= 0 and <= 29 \(30 training crops"):
        pca_reconstruction_errors(train, test, [30])
    with pytest.raises(ValueError, match="test_crops must have the training crops' size"):
        pca_reconstruction_mse(train, test[:, :6, :6], 2)
    with pytest.raises(ValueError, match="train_crops"):
        pca_reconstruction_mse(train * 3, test, 2)
    with pytest.raises(TypeError, match="sizes must be a sequence"):
        pca_reconstruction_errors(train, test, 4)
    with pytest.raises(ValueError, match="sizes must hold at least one"):
        pca_reconstruction_errors(train, test, [])
