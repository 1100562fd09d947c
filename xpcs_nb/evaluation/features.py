"""The methods compared: one feature set (N, D) per method, computed on the same crops.

* ``"trained"``: the latent vectors of a trained encoder (:func:`xpcs_nb.latent.encode`);
* ``"trained_at_rate"`` (when given): the same encoder trained further on crops of the
  photon rate being evaluated (:func:`xpcs_nb.pipeline.noise_matched_autoencoder`), so
  a fall of the trained encoder's score at low rates can be told apart from a mismatch
  of training and test noise;
* ``"untrained"``: the same architecture with random weights drawn from a seed. It
  shows what the architecture alone gives; a trained encoder must beat it to claim
  that training taught it something;
* ``"pca"``: the first principal components of the raw pixels, a linear encoder;
* ``"pixels"``: the pixels themselves, block-averaged (4 x 4 by default);
* ``"relaxation_time"``: the classical XPCS analysis as a physicist does it, log10 of
  the relaxation time of ``1 + beta exp(-2 Gamma k)`` fitted with its baseline fixed
  at 1 to the lag profile of the crop in C2 units (lags 1 .. S/2), one number
  (:mod:`xpcs_nb.evaluation.relaxation`).

The relaxation time needs the crops' lag profiles before scaling (``profiles``, e.g.
:attr:`EvaluationSet.profiles` or :func:`stored_profiles` of a store); it never sees
lag 0, so the diagonal treatment does not change it. Every other method sees the
scaled pixels. A fit that finds no decay gets the median of the others: it then counts
as "unknown" rather than being dropped, which would flatter the method by removing its
hardest crops.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence

import numpy as np
import torch

from .. import latent
from sklearn.decomposition import PCA

from ..validation import as_crops, check_array, check_choice, check_int, check_seed
from .relaxation import relaxation_features

__all__ = ["BASELINE_KINDS", "baseline_features", "METHODS", "untrained_copy", "network_features", "relaxation_time_features",
           "classical_features", "feature_sets", "method_features"]

BASELINE_KINDS = ("pca", "pixels")

METHODS = ("trained", "untrained", "pca", "pixels", "relaxation_time")


def untrained_copy(model: torch.nn.Module, seed) -> torch.nn.Module:
    """The same architecture as ``model`` with fresh random weights, in eval mode.

    Every layer that can (``reset_parameters``) draws its PyTorch default start again
    from ``seed``; the global random state is left as it was.

    >>> from xpcs_nb.model import Autoencoder
    >>> net = Autoencoder(latent_size=4, encoder_channels=(2, 2, 2), decoder_channels=(2, 2, 2),
    ...                   pool=2, image_size=32)
    >>> a, b = untrained_copy(net, 0), untrained_copy(net, 0)
    >>> bool(torch.equal(a.encoder[0].weight, b.encoder[0].weight))
    True
    >>> bool(torch.equal(a.encoder[0].weight, net.encoder[0].weight))
    False
    """
    seed = check_seed(seed)
    fresh = copy.deepcopy(model)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        for module in fresh.modules():
            if hasattr(module, "reset_parameters"):
                module.reset_parameters()
    return fresh.eval()


def network_features(model: torch.nn.Module, crops) -> np.ndarray:
    """Latent vectors (N, D) float32 of crops (N, S, S) in [0, 1] (S: the model's image size).

    >>> from xpcs_nb.model import Autoencoder
    >>> net = Autoencoder(latent_size=4, encoder_channels=(2, 2, 2), decoder_channels=(2, 2, 2),
    ...                   pool=2, image_size=32)
    >>> network_features(net, np.zeros((3, 32, 32))).shape
    (3, 4)
    """
    crops = check_array(crops, "crops", ndim=3, minimum=0, maximum=1, dtype=np.float32)
    return latent.encode(model, crops)


def relaxation_time_features(profiles) -> np.ndarray:
    """log10 relaxation time (N, 1), in frames, fitted with the baseline fixed at 1 to lag profiles (N, L).

    ``profiles`` are in C2 units, lags 1 .. L (:func:`xpcs_nb.evaluation.stored_profiles`);
    a profile with no decay takes the median of the others.

    >>> k = np.arange(1, 33)
    >>> profiles = np.stack([1 + 0.25 * np.exp(-2 * k / tau) for tau in (2.0, 8.0)])
    >>> relaxation_time_features(profiles).round(2).ravel().tolist()
    [0.3, 0.9]
    """
    return relaxation_features(check_array(profiles, "profiles", ndim=2, finite=True))


def classical_features(crops, *, profiles=None, seed=0, pca_components=64,
                       pixel_block=4) -> dict[str, np.ndarray]:
    """``{"pca", "pixels", "relaxation_time"}`` features of crops (N, S, S) in [0, 1].

    ``profiles`` (N, L): the crops' lag profiles in C2 units, which the relaxation
    time needs; without them that method is left out. ``pca_components`` is cut to N
    when there are fewer crops; ``pixel_block`` must divide S.

    >>> crops = np.random.default_rng(0).random((5, 8, 8))
    >>> profiles = 1 + 0.2 * np.exp(-np.arange(1, 5) / np.arange(1.0, 6.0)[:, None])
    >>> sets = classical_features(crops, profiles=profiles, pixel_block=2)
    >>> {name: values.shape for name, values in sets.items()}
    {'pca': (5, 5), 'pixels': (5, 16), 'relaxation_time': (5, 1)}
    >>> list(classical_features(crops, pixel_block=2))
    ['pca', 'pixels']
    """
    crops = check_array(crops, "crops", ndim=3)
    seed = check_seed(seed)
    pca_components = check_int(pca_components, "pca_components", minimum=1)
    pixel_block = check_int(pixel_block, "pixel_block", minimum=1)
    sets = {
        "pca": baseline_features(crops, "pca", seed=seed, n_components=min(pca_components, len(crops))),
        "pixels": baseline_features(crops, "pixels", downsample=pixel_block),
    }
    if profiles is not None:
        profiles = check_array(profiles, "profiles", ndim=2, finite=True)
        if len(profiles) != len(crops):
            raise ValueError(f"profiles must hold one row per crop ({len(crops)}), got {len(profiles)}")
        sets["relaxation_time"] = relaxation_time_features(profiles)
    return sets


def feature_sets(crops, model: torch.nn.Module, *, seed=0, **classical) -> dict[str, np.ndarray]:
    """Every method of :data:`METHODS` on the same crops: name -> features (N, D).

    ``model`` is the trained encoder; ``"untrained"`` is ``untrained_copy(model,
    seed)``. ``classical`` goes to :func:`classical_features`.

    >>> from xpcs_nb.model import Autoencoder
    >>> net = Autoencoder(latent_size=4, encoder_channels=(2, 2, 2), decoder_channels=(2, 2, 2),
    ...                   pool=2, image_size=32)
    >>> crops = np.random.default_rng(0).random((6, 32, 32))
    >>> profiles = 1 + 0.2 * np.exp(-np.arange(1, 17) / np.arange(1.0, 7.0)[:, None])
    >>> {name: values.shape for name, values in feature_sets(crops, net, profiles=profiles).items()}
    {'trained': (6, 4), 'untrained': (6, 4), 'pca': (6, 6), 'pixels': (6, 64), 'relaxation_time': (6, 1)}
    """
    return {"trained": network_features(model, crops),
            "untrained": network_features(untrained_copy(model, seed), crops),
            **classical_features(crops, seed=seed, **classical)}


def _models(value, name: str) -> list[torch.nn.Module]:
    """One model or a non-empty sequence of them, as a list."""
    models = [value] if isinstance(value, torch.nn.Module) else list(value)
    if not models or not all(isinstance(m, torch.nn.Module) for m in models):
        raise TypeError(f"{name} must be a torch.nn.Module or a non-empty sequence of them, got {value!r}")
    return models


def method_features(crops, trained: torch.nn.Module | Sequence[torch.nn.Module], *, untrained_seeds=(0, 1, 2),
                    trained_at_rate: torch.nn.Module | Sequence[torch.nn.Module] | None = None,
                    **classical) -> Mapping[str, list[np.ndarray]]:
    """Every method's features, one array per independent run: name -> [features (N, D), ...].

    ``trained`` is one model or several (trained from different seeds); the untrained
    network is drawn once per seed of ``untrained_seeds`` from the first model's
    architecture. ``trained_at_rate``, one model or several, adds the method of that
    name. The classical methods are deterministic: one run each.

    >>> from xpcs_nb.model import Autoencoder
    >>> net = Autoencoder(latent_size=4, encoder_channels=(2, 2, 2), decoder_channels=(2, 2, 2),
    ...                   pool=2, image_size=32)
    >>> profiles = 1 + 0.2 * np.exp(-np.arange(1, 17) / np.arange(1.0, 7.0)[:, None])
    >>> runs = method_features(np.random.default_rng(0).random((6, 32, 32)), [net, net], untrained_seeds=[3],
    ...                        profiles=profiles)
    >>> {name: len(values) for name, values in runs.items()}
    {'trained': 2, 'untrained': 1, 'pca': 1, 'pixels': 1, 'relaxation_time': 1}
    """
    models = _models(trained, "trained")
    seeds = [check_seed(seed, "each of untrained_seeds") for seed in untrained_seeds]
    if not seeds:
        raise ValueError("untrained_seeds must hold at least one seed, got none")
    runs = {"trained": [network_features(m, crops) for m in models]}
    if trained_at_rate is not None:
        runs["trained_at_rate"] = [network_features(m, crops) for m in _models(trained_at_rate, "trained_at_rate")]
    runs["untrained"] = [network_features(untrained_copy(models[0], s), crops) for s in seeds]
    runs.update({name: [values] for name, values in classical_features(crops, **classical).items()})
    return runs


def _downsample(crops: np.ndarray, factor: int) -> np.ndarray:
    """Block means over ``factor x factor`` pixels: (N, S, S) -> (N, S/factor, S/factor)."""
    n, size, _ = crops.shape
    blocks = crops.reshape(n, size // factor, factor, size // factor, factor)
    return blocks.mean(axis=(2, 4))


def _pca_features(crops: np.ndarray, n_components: int, seed: int) -> np.ndarray:
    n, size, _ = crops.shape
    n_components = check_int(n_components, "n_components", minimum=1, maximum=min(n, size * size),
                             context=" (at most N and S^2)")
    flat = crops.reshape(n, -1).astype(np.float32, copy=False)
    pca = PCA(n_components=n_components, svd_solver="randomized", random_state=seed)
    return pca.fit_transform(flat)


def _pixel_features(crops: np.ndarray, downsample: int) -> np.ndarray:
    n, size, _ = crops.shape
    downsample = check_int(downsample, "downsample", minimum=1, maximum=size, context=f" for crops of side {size}")
    if size % downsample:
        raise ValueError(f"downsample must divide the crop side {size}, got {downsample}")
    return _downsample(crops, downsample).reshape(n, -1)


def baseline_features(crops, kind: str, seed: int = 0, n_components: int = 64, downsample: int = 4) -> np.ndarray:
    """Classical features of C2 crops, to cluster with the same k-means as the latents.

    Parameters
    ----------
    crops : array (N, S, S)
        Finite.
    kind : {"pca", "pixels"}
        ``"pca"``: the first ``n_components`` principal components of the raw pixels
        (a linear encoder; needs N x S^2 floats in memory).
        ``"pixels"``: the pixels themselves after block-averaging ``downsample x
        downsample`` (256 -> 64 per side with the default: 4096 numbers per crop).
    seed : int
        Seeds the randomised PCA solver.
    n_components : int
        For ``"pca"``; 1 .. min(N, S^2).
    downsample : int
        For ``"pixels"``; must divide S.

    Returns
    -------
    features : ndarray (N, d)
        d = ``n_components`` or (S / downsample)^2.

    Example
    -------
    >>> crops = np.random.default_rng(0).random((3, 8, 8))
    >>> baseline_features(crops, "pixels", downsample=4).shape
    (3, 4)
    """
    crops = as_crops(crops)
    kind = check_choice(kind, "kind", BASELINE_KINDS)
    seed = check_seed(seed)
    # the sizes are integers whatever the kind; their ranges matter only to their own kind
    n_components = check_int(n_components, "n_components")
    downsample = check_int(downsample, "downsample")
    if kind == "pca":
        return _pca_features(crops, n_components, seed)
    return _pixel_features(crops, downsample)
