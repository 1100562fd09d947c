"""Chapter 3's words: the loop by hand against the package, the test error against the
mean image and PCA, the split of the augmented set, the latent-size sweep, and the
symmetry of a reconstruction.

Each function turns a run's numbers into the phrase the chapter's text shows, so the
text stays true at every preset.

>>> below_mean_image(0.4)
'well below'
>>> loop_agreement(0.0, "float32")
'exactly the same numbers, in float32'
"""

from __future__ import annotations

from collections import Counter

import numpy as np

__all__ = ["below_mean_image", "loop_agreement", "precision_mode", "label_sources", "sweep_sentence",
           "symmetry_sentence", "versus_pca", "leak_sentence", "sweep_plan", "pca_equivalent"]


def below_mean_image(ratio: float) -> str:
    """Where a model's test error sits against the mean image's, from their ratio (> 0).

    ``'well below'`` under 0.75, ``'below'`` under 1, else ``'not below'``.

    >>> below_mean_image(0.9), below_mean_image(1.0)
    ('below', 'not below')
    """
    ratio = float(ratio)
    if not np.isfinite(ratio) or ratio < 0:
        raise ValueError(f"ratio must be a finite number >= 0 (model MSE / mean-image MSE), got {ratio}")
    return "well below" if ratio < 0.75 else "below" if ratio < 1 else "not below"


def precision_mode(amp_dtype, channels_last: bool) -> str:
    """How a training step computes: ``'bfloat16 autocast with channels-last'``, ``'float32'``, ...

    ``amp_dtype`` is a ``torch.dtype`` (or its name) or None for float32.

    >>> precision_mode(None, False)
    'float32'
    >>> precision_mode("torch.bfloat16", True)
    'bfloat16 autocast with channels-last'
    """
    mode = f"{str(amp_dtype).removeprefix('torch.')} autocast" if amp_dtype else "float32"
    return mode + (" with channels-last" if channels_last else "")


def loop_agreement(max_difference: float, mode: str) -> str:
    """What the largest difference (>= 0) between two loss curves says, in ``mode``.

    >>> loop_agreement(3e-7, "float32")
    'the same curve to within 3e-07 (in float32), not bit for bit'
    """
    max_difference = float(max_difference)
    if not np.isfinite(max_difference) or max_difference < 0:
        raise ValueError(f"max_difference must be a finite number >= 0, got {max_difference}")
    if max_difference == 0:
        return f"exactly the same numbers, in {mode}"
    return f"the same curve to within {max_difference:.2g} (in {mode}), not bit for bit"


def label_sources(splits) -> str:
    """How many examples came from each split, from one split name per example.

    >>> label_sources(["test", "test", "validation", "train"])
    '2 from test, 1 from validation, 1 from train'
    """
    counts = Counter(str(split) for split in splits)
    if not counts:
        raise ValueError("splits must name at least one split, got none")
    return ", ".join(f"{n} from {split}" for split, n in counts.most_common())


def sweep_sentence(sizes, means, stds, mean_image_mse: float, *, epochs: int, images, pca_means=None) -> str:
    """The latent-size sweep in words: which sizes beat the mean image, and any trend.

    Parameters
    ----------
    sizes, means, stds : sequences of the same length (K,)
        Latent sizes in increasing order, the mean test MSE per pixel over training
        seeds, and its standard deviation (NaN with a single seed: no spread known).
    mean_image_mse : float
        The mean training image's test MSE per pixel.
    epochs : int
        Epochs each model of the sweep was trained for.
    images : int or None
        Training images per epoch (None: all of them).
    pca_means : sequence (K,), optional
        PCA's test MSE with as many components as each latent size.

    A trend is stated only where the ends of the curve differ by more than their
    spreads added; where no size beats the mean image, none is stated.

    >>> sweep_sentence([4, 64], [0.02, 0.01], [0.001, 0.001], 0.05, epochs=2, images=320)
    'every size beats the mean image (0.0500), and the test error falls with the latent size by more than the spread over seeds (0.0200 at 4 latent numbers, 0.0100 at 64)'
    """
    sizes, means, stds = (np.asarray(v, dtype=float).ravel() for v in (sizes, means, stds))
    if not sizes.size or not (sizes.size == means.size == stds.size):
        raise ValueError(f"sizes, means and stds must be non-empty and of one length, got {sizes.size}, "
                         f"{means.size} and {stds.size}")
    n_beat = int((means < mean_image_mse).sum())
    if n_beat == 0:
        return (f"no latent size beats the mean image: the sweep's models, at {means.min():.4f} to "
                f"{means.max():.4f} per pixel, all stay above its {mean_image_mse:.4f}. Trained for {epochs} "
                f"epoch(s) of {images or 'all'} images each, they have not yet learned the crops from random "
                "weights, so here the curve says nothing about the latent size; the main model above, trained "
                "longer, shows what the network can do, and larger presets train every model of the sweep longer")
    beat = ("every size beats the mean image" if n_beat == sizes.size else
            f"{n_beat} of the {sizes.size} sizes beat the mean image")
    sentence = f"{beat} ({mean_image_mse:.4f}), and the test error {_trend(sizes, means, stds)}"
    if pca_means is None:
        return sentence
    pca_means = np.asarray(pca_means, dtype=float).ravel()
    if pca_means.size != sizes.size:
        raise ValueError(f"pca_means must hold one value per size ({sizes.size}), got {pca_means.size}")
    n_pca = int((means < pca_means).sum())
    against = ("every size beats PCA with as many components" if n_pca == sizes.size else
               f"{n_pca} of the {sizes.size} sizes beat PCA with as many components")
    return f"{sentence}; {against}"


def _trend(sizes: np.ndarray, means: np.ndarray, stds: np.ndarray) -> str:
    """'falls', 'rises' or 'does not change' between the sweep's ends, beyond their spread."""
    ends = f"{means[0]:.4f} at {sizes[0]:.0f} latent numbers, {means[-1]:.4f} at {sizes[-1]:.0f}"
    spread = stds[0] + stds[-1]
    if not np.isfinite(spread):
        return f"cannot be told from the spread over seeds with one seed per size ({ends})"
    gap = means[0] - means[-1]
    if gap > spread:
        return f"falls with the latent size by more than the spread over seeds ({ends})"
    if -gap > spread:
        return f"rises with the latent size by more than the spread over seeds ({ends})"
    return f"does not change with the latent size beyond the spread over seeds ({ends})"


def symmetry_sentence(mean_asymmetry: float, largest: float, near_edge: bool) -> str:
    """Whether a reconstruction y is symmetric, from ``|y - y^T| / range`` (its mean and largest value).

    ``near_edge``: the largest value sits within a few pixels of the crop's edge.

    >>> symmetry_sentence(0.01, 0.02, False)
    'The reconstruction is nearly symmetric on average, and nowhere far from symmetric.'
    """
    on_average = "nearly symmetric on average" if mean_asymmetry < 0.05 else "not symmetric, even on average"
    if largest < 0.05:
        return f"The reconstruction is {on_average}, and nowhere far from symmetric."
    kernels = "the learned 3 x 3 kernels are not symmetric (k != k^T)"
    why = (f"near the crop's edge: {kernels}, and the zero padding cuts a row of every kernel at the top and "
           "bottom edges but a column at the left and right ones" if near_edge else
           f"away from the edges: {kernels}, and the bottleneck's linear layers mix all positions with no "
           "symmetry imposed")
    return f"The reconstruction is {on_average}, but clearly not symmetric at its worst pixel, {why}."


def _positive(value, name: str) -> float:
    value = float(value)
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a finite number > 0 (an MSE per pixel), got {value}")
    return value


def versus_pca(model_mse: float, pca_mse: float, n_components: int) -> str:
    """The network's test error against PCA's with as many components as its latent numbers.

    >>> versus_pca(0.004, 0.005, 64)
    'below PCA-64 (0.0040 against 0.0050, ratio 0.80): the non-linear code beats the best linear code of its size'
    >>> versus_pca(0.01, 0.005, 64).split(": ")[1]
    'at this preset a linear code of the same size, fitted in seconds, reconstructs the test crops with 2.0 times less error than the trained network, whose training has not yet paid for its non-linear layers'
    """
    model_mse, pca_mse = _positive(model_mse, "model_mse"), _positive(pca_mse, "pca_mse")
    ratio = model_mse / pca_mse
    numbers = f"PCA-{n_components} ({model_mse:.4f} against {pca_mse:.4f}, ratio {ratio:.2f})"
    if ratio < 1:
        return f"below {numbers}: the non-linear code beats the best linear code of its size"
    how = "as well as" if ratio < 1.1 else f"with {ratio:.1f} times less error than"
    return (f"not below {numbers}: at this preset a linear code of the same size, fitted in seconds, "
            f"reconstructs the test crops {how} the trained network, whose training has not yet paid for "
            "its non-linear layers")


def leak_sentence(random_split: tuple[float, float], new_maps: tuple[float, float]) -> str:
    """The test error on a random split of the augmented set against that on new maps.

    Each argument is (mean test MSE per pixel, its standard error over source crops).
    A difference is stated only where it exceeds both standard errors added.

    >>> leak_sentence((0.003, 0.0002), (0.006, 0.0005)).split(": ")[1][:62]
    'the random split makes the error look 2.0 times smaller than i'
    >>> leak_sentence((0.0050, 0.001), (0.0055, 0.001)).split(": ")[1]
    'the two do not differ beyond their spreads, so at this preset the random split does not flatter the test error'
    """
    (random_mse, random_se), (map_mse, map_se) = random_split, new_maps
    random_mse, map_mse = _positive(random_mse, "random_split's MSE"), _positive(map_mse, "new_maps' MSE")
    numbers = (f"unseen shifted copies of training crops give {random_mse:.4f} ± {random_se:.4f}, copies of "
               f"crops from new maps {map_mse:.4f} ± {map_se:.4f}")
    gap = map_mse - random_mse
    if gap > random_se + map_se:
        return (f"{numbers}: the random split makes the error look {map_mse / random_mse:.1f} times smaller "
                "than it is on new experiments, because the network recalls crops it has seen under a shift "
                "(the shift keeps the band, fringes and blocks of each crop, only moved and wrapped)")
    if -gap > random_se + map_se:
        return (f"{numbers}: here the copies of training crops are the harder ones, so the network has not "
                "memorised its training crops, and the random split does not flatter the test error at this "
                "preset")
    return (f"{numbers}: the two do not differ beyond their spreads, so at this preset the random split does "
            "not flatter the test error")


def sweep_plan(preset, presets) -> str:
    """Which presets run the latent-size sweep, and how, for the chapter's text.

    ``preset`` is the one running; ``presets`` maps names to presets (``PRESETS``).

    >>> from xpcs_nb.presets import PRESETS
    >>> sweep_plan(PRESETS["fast"], PRESETS).split(":")[0]
    'At fast the sweep is not run'
    """
    def how(p) -> str:
        sizes = p.latent_sweep
        doubling = len(sizes) > 3 and all(b == 2 * a for a, b in zip(sizes, sizes[1:]))
        sizes = f"{sizes[0]} to {sizes[-1]}" if doubling else ", ".join(str(size) for size in sizes)
        cycles = p.sweep_epochs // (2 * p.sweep_half_cycle_epochs)
        images = f"{p.sweep_items:,}" if p.sweep_items else "all"
        return (f"{p.name} trains latent sizes {sizes}, {p.sweep_seeds} seeds each, {p.sweep_epochs} epochs of "
                f"{images} images per model ({cycles} whole learning-rate cycle{'s' if cycles > 1 else ''})")

    if preset.latent_sweep:
        return f"Here {how(preset)}."
    running = sorted((p for p in presets.values() if p.latent_sweep),
                     key=lambda p: p.sweep_epochs * (p.sweep_items or 10**9) * len(p.latent_sweep))
    return (f"At {preset.name} the sweep is not run: each model would see a few hundred images in part of "
            "one rising half cycle of the learning rate, never the low rate at a cycle's end where the weights "
            "settle; in the book's earlier runs at that length every size stayed above even the mean image, so the curve "
            f"said nothing about the latent size. The larger presets run it: {'; '.join(how(p) for p in running)}")


def pca_equivalent(sizes, errors, model_mse: float, n_latent: int = 64) -> str:
    """How many PCA components the network's code is worth, read off PCA's error curve.

    ``sizes`` (K,) increasing numbers of components, ``errors`` (K,) their test MSE
    per pixel; ``model_mse`` the network's, with ``n_latent`` latent numbers.

    >>> pca_equivalent([16, 32, 64], [0.008, 0.006, 0.005], 0.007)
    "The network's 64 latent numbers reconstruct the test crops better than PCA with 16 components and worse than PCA with 32."
    """
    sizes = np.asarray(sizes, dtype=float).ravel()
    errors = np.asarray(errors, dtype=float).ravel()
    if not sizes.size or sizes.size != errors.size:
        raise ValueError(f"sizes and errors must be non-empty and of one length, got {sizes.size} and {errors.size}")
    model_mse = _positive(model_mse, "model_mse")
    start = f"The network's {n_latent} latent numbers reconstruct the test crops"
    better = np.flatnonzero(errors <= model_mse)
    if better.size == 0:
        return f"{start} better than PCA with any of up to {sizes[-1]:.0f} components."
    first = better[0]
    if first == 0:
        return f"{start} worse than PCA with even {sizes[0]:.0f} component{'s' if sizes[0] > 1 else ''}."
    return (f"{start} better than PCA with {sizes[first - 1]:.0f} components and worse than PCA with "
            f"{sizes[first]:.0f}.")
