"""Chapter 3's words: the loop by hand against the package, the test error against the
mean image, the latent-size sweep, and the symmetry of a reconstruction.

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
           "symmetry_sentence"]


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


def sweep_sentence(sizes, means, stds, mean_image_mse: float, *, epochs: int, images) -> str:
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
    return f"{beat} ({mean_image_mse:.4f}), and the test error {_trend(sizes, means, stds)}"


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
