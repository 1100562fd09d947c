"""The fair baseline for a reconstruction: PCA, the best linear code of a given size.

A k-number autoencoder is a non-linear code of size k. The best *linear* code of the
same size, in squared error on the images it is fitted to, is principal component
analysis: keep the k directions of largest variance around the mean image and
project every image onto them. With k = 0 it is the mean image itself. A network
whose test error does not beat PCA at its own latent size has gained nothing from
being non-linear.
"""

from __future__ import annotations

import numpy as np

from ..validation import check_array, check_int, describe

__all__ = ["pca_reconstruction_errors", "pca_reconstruction_mse"]


def _flat(crops, name: str) -> np.ndarray:
    """Crops (N, S, S) or (N, 1, S, S) in [0, 1] as float32 rows (N, S*S)."""
    array = check_array(crops, name, ndim=(3, 4), minimum=0, maximum=1, dtype=np.float32)
    if array.ndim == 4 and array.shape[1] != 1:
        raise ValueError(f"{name} must be (N, S, S) or (N, 1, S, S), got shape {array.shape}")
    if len(array) == 0:
        raise ValueError(f"{name} must hold at least one crop, got none")
    return array.reshape(len(array), -1)


def pca_reconstruction_errors(train_crops, test_crops, sizes) -> np.ndarray:
    """Test MSE per pixel of PCA codes of each size in ``sizes``, fitted on ``train_crops``.

    Parameters
    ----------
    train_crops : array (N, S, S) or (N, 1, S, S), values in [0, 1]
        The images the principal components are fitted to (their mean included).
    test_crops : array (M, S, S) or (M, 1, S, S), values in [0, 1]
        The images reconstructed; same S as the training crops.
    sizes : sequence of int (K,)
        Numbers of components, each from 0 (the mean training image alone) to N - 1
        (N centred images span at most N - 1 directions).

    Returns
    -------
    errors : float64 (K,)
        Mean squared error per pixel of each reconstruction, in the crops' units
        (intensity in [0, 1], squared).

    The components come from the eigenvectors of the centred training images' Gram
    matrix (N x N), so N images of S*S pixels cost one N x N x S*S product.

    >>> rng = np.random.default_rng(0)
    >>> train = rng.random((20, 8, 8))
    >>> errors = pca_reconstruction_errors(train, train, [0, 5, 19])
    >>> bool(errors[0] > errors[1] > 0), round(float(errors[2]), 12)
    (True, 0.0)
    """
    train = _flat(train_crops, "train_crops")
    test = _flat(test_crops, "test_crops")
    if test.shape[1] != train.shape[1]:
        raise ValueError(f"test_crops must have the training crops' size ({train.shape[1]} pixels each), "
                         f"got {test.shape[1]} pixels each")
    if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__iter__"):
        raise TypeError(f"sizes must be a sequence of component counts, got {describe(sizes)}")
    limit = len(train) - 1
    sizes = [check_int(k, "sizes entry", minimum=0, maximum=limit,
                       context=f" ({len(train)} training crops span at most {limit} directions)") for k in sizes]
    if not sizes:
        raise ValueError("sizes must hold at least one number of components, got none")
    mean = train.astype(np.float64).mean(axis=0)  # (D,)
    centred = train - mean.astype(np.float32)  # (N, D) float32
    gram = (centred @ centred.T).astype(np.float64)  # (N, N)
    eigenvalues, vectors = np.linalg.eigh(gram)  # ascending
    keep = max(sizes)
    order = np.argsort(eigenvalues)[::-1][:keep]
    scales = np.sqrt(np.clip(eigenvalues[order], np.finfo(float).tiny, None))
    components = (centred.T @ vectors[:, order].astype(np.float32)) / scales.astype(np.float32)  # (D, k)
    test_centred = test.astype(np.float64) - mean  # (M, D)
    projections = test_centred @ components.astype(np.float64)  # (M, k)
    explained = np.concatenate([[0.0], np.cumsum((projections ** 2).sum(axis=0))])  # (k + 1,)
    total = float((test_centred ** 2).sum())
    return np.array([max(total - explained[k], 0.0) / test_centred.size for k in sizes])


def pca_reconstruction_mse(train_crops, test_crops, n_components: int) -> float:
    """Test MSE per pixel of the ``n_components``-number PCA code fitted on ``train_crops``.

    See :func:`pca_reconstruction_errors` for the shapes and units.

    >>> train = np.stack([np.zeros((2, 2)), np.ones((2, 2))])  # one direction of variance
    >>> pca_reconstruction_mse(train, np.full((1, 2, 2), 0.25), 0)  # the mean image, 0.5
    0.0625
    >>> pca_reconstruction_mse(train, np.full((1, 2, 2), 0.25), 1)
    0.0
    """
    return float(pca_reconstruction_errors(train_crops, test_crops, [n_components])[0])
