"""Numbering classes by relaxation rate, class 0 the slowest, as the paper does.

The measure is the width of the diagonal band of a C2 crop (:func:`band_width`): wide
for slowly changing speckle, narrow for fast dynamics. Classes are ranked by the
widths of their crops (:func:`order_by_relaxation`) or, where only latent vectors
exist, by the widths of their decoded cluster centres (:func:`order_by_decoded_centres`).
"""

from __future__ import annotations

import numpy as np

from xpcs_nb.correlation import diagonal_means
from xpcs_nb.validation import as_crops, as_labels, as_latents
from xpcs_nb.latent.encoding import decode
from xpcs_nb.validation import check_array, check_int, describe

__all__ = ["band_width", "order_by_relaxation", "order_by_decoded_centres"]


def _half_level_lag(profile: np.ndarray) -> float:
    """Lag where ``profile`` (lags 0 .. L) first falls halfway from lag 1 to its far level.

    Lag 0 is left out: it carries the shot noise of the diagonal, not the dynamics.
    The far level is the median over the far half of the lags; the drop from lag 1 to
    it must stand clear of the profile's point-to-point noise (5 sigma), otherwise the
    crop shows no measurable decay and its width is saturated at L. Linear
    interpolation between the two lags around the crossing.
    """
    decay = profile[1:]  # lags 1 .. L
    max_lag = profile.size - 1
    far = decay[decay.size // 2:]
    floor = float(np.median(far))
    noise = float(np.std(np.diff(far)) / np.sqrt(2)) if far.size > 2 else 0.0
    top = float(decay[0])
    if not top - floor > 5.0 * noise or not top > floor:
        return float(max_lag)
    half = 0.5 * (top + floor)
    after = int(np.argmax(decay <= half))  # exists: the median of the far half lies below half
    if after == 0:
        return 1.0
    before = after - 1
    return 1.0 + before + (decay[before] - half) / (decay[before] - decay[after])


def band_width(crops, max_lag: int | None = None) -> np.ndarray:
    """Width of the diagonal band of each C2 crop, in frames: its relaxation time scale.

    The measure: average C2 along each diagonal to get a lag profile
    ``p(k) = mean_t C2(t, t + k)`` (the one-time g2 of the crop,
    :func:`xpcs_nb.correlation.diagonal_means`), for k = 0 .. ``max_lag``. The band
    width is the lag where p first falls halfway from its first off-diagonal value
    p(1) down to its far level (the median of p over the far half of the lags),
    interpolated between frames. A wide band means slowly changing speckle (slow
    dynamics, the paper's class 0); a narrow one fast dynamics.

    Why these choices:

    * Lag 0 is left out: the diagonal holds the shot noise of the photon counts (the
      ratio form's diagonal is lifted by 1 / mean counts), which says nothing about the
      dynamics and, after min-max scaling, would make a frozen crop look fast.
    * Only each crop's own levels enter, so the width does not change when a crop is
      scaled or offset (min-max scaling, or the published decoder's squeezed output
      range of about 0.52 .. 0.67).
    * A crop whose profile does not fall measurably (the drop from p(1) to the far
      level is within 5 sigma of the point-to-point noise of the far lags) gets the
      largest width, ``max_lag``: nothing decorrelates within the crop, the slowest
      case.
    * Lags stop at ``max_lag`` (default S / 2) because a long lag is averaged over
      few pixels (lag S - 1 over one) and its noise would set the floor.

    Limits: for an exponential band ``exp(-k / w)`` with w well below ``max_lag`` the
    width is ``1 + w ln 2`` frames; as w grows past ``max_lag`` the width saturates
    near ``max_lag``, so the measure ranks all classes but cannot tell apart two
    nearly frozen ones.

    Parameters
    ----------
    crops : array (N, S, S)
        Two-time maps, diagonal top-left to bottom-right; finite.
    max_lag : int, optional
        Largest lag used, 1 .. S-1; default S // 2.

    Returns
    -------
    widths : ndarray (N,), float64
        Frames (multiply by the frame time for seconds); ``max_lag`` for a crop that
        does not decorrelate measurably.

    Example
    -------
    >>> lag = np.abs(np.subtract.outer(np.arange(64), np.arange(64)))
    >>> crops = np.stack([np.exp(-lag / 2.0), np.exp(-lag / 4.0)])  # bands of w = 2 and 4 frames
    >>> band_width(crops).round(1).tolist()  # about 1 + w ln 2 = 2.4 and 3.8
    [2.4, 3.8]
    """
    crops = as_crops(crops)
    size = crops.shape[1]
    if max_lag is None:
        max_lag = size // 2
    max_lag = check_int(max_lag, "max_lag", minimum=1, maximum=size - 1, context=f" for crops of side {size}")
    profiles = diagonal_means(crops, first_lag=0, last_lag=max_lag)
    return np.array([_half_level_lag(profile) for profile in profiles])


def _mapping_slowest_first(classes: np.ndarray, class_widths: np.ndarray) -> dict[int, int]:
    """{old class: new class} with the widest band (slowest) as 0; NaN widths go last."""
    sort_key = np.where(np.isnan(class_widths), np.inf, -class_widths)
    widest_first = classes[np.argsort(sort_key, kind="stable")]
    return {int(old): new for new, old in enumerate(widest_first)}


def _median_of_finite(values: np.ndarray) -> float:
    """Median of the finite entries; NaN when there are none."""
    finite = values[np.isfinite(values)]
    return float(np.median(finite)) if finite.size else float("nan")


def _relabel(labels: np.ndarray, mapping: dict[int, int]) -> np.ndarray:
    """``labels`` with every old class replaced by ``mapping[old]`` (a lookup table)."""
    lookup = np.zeros(max(mapping) + 1, dtype=np.int64)
    lookup[list(mapping)] = list(mapping.values())
    return lookup[labels]


def order_by_relaxation(labels, crops_or_widths) -> tuple[np.ndarray, dict[int, int]]:
    """Renumber classes by relaxation rate: class 0 the slowest (widest band), as in the paper.

    Each class is ranked by the median :func:`band_width` of its members; the widest
    becomes 0, the next 1, and so on. Classes whose widths are all NaN (widths given
    as NaN for crops that could not be measured) come last.

    Parameters
    ----------
    labels : array (N,), int >= 0
        Classes as k-means numbered them.
    crops_or_widths : array (N, S, S) or (N,)
        The crops themselves (finite), or their band widths from :func:`band_width`
        (NaN allowed, see above).

    Returns
    -------
    new_labels : ndarray (N,), int
        0 .. n_classes-1, slowest first.
    mapping : dict {old class: new class}
        Reorder anything indexed by old class, e.g. k-means centres, with
        ``centres[sorted(mapping, key=mapping.get)]``.

    Example
    -------
    >>> order_by_relaxation([0, 0, 1, 2], [2.0, 3.0, 40.0, 9.0])
    (array([2, 2, 0, 1]), {1: 0, 2: 1, 0: 2})
    """
    labels = as_labels(labels)
    widths = check_array(crops_or_widths, "crops_or_widths", ndim=(1, 3), kind="real", finite=False)
    if widths.ndim == 3:
        widths = band_width(widths)
    if widths.shape != labels.shape:
        raise ValueError(
            f"crops_or_widths must be crops (N, S, S) or widths (N,) with N = {labels.size} "
            f"(one per label), got {describe(widths)}"
        )
    classes = np.unique(labels)
    class_widths = np.array([_median_of_finite(widths[labels == c]) for c in classes])
    mapping = _mapping_slowest_first(classes, class_widths)
    return _relabel(labels, mapping), mapping


def order_by_decoded_centres(
    model, labels, centres, batch_size: int = 64, device=None
) -> tuple[np.ndarray, dict[int, int]]:
    """Renumber k-means classes by the band width of their decoded centres.

    For data that come as latent vectors only, such as the paper's 900 published
    latents (no crops were published with them), :func:`order_by_relaxation` has no
    crops to measure. Instead each cluster centre is turned back into an image by
    the model's decoder and its :func:`band_width` measured; the class whose centre
    decodes to the widest band becomes class 0. This ranks what the decoder makes of
    the average latent of a class, not the class's crops themselves.

    Parameters
    ----------
    model : torch.nn.Module with ``decode(latents (B, D)) -> (B, 1, S, S)``
        E.g. ``xpcs_nb.paper.load_model()``.
    labels : array (N,), int
        Classes 0 .. k-1, as k-means numbered them.
    centres : array (k, D)
        Row c is the centre of class c.
    batch_size : int
    device : str or torch.device, optional
        As in :func:`xpcs_nb.latent.decode`.

    Returns
    -------
    new_labels : ndarray (N,), int
    mapping : dict {old class: new class}
        As in :func:`order_by_relaxation`.
    """
    centres = as_latents(centres, name="centres")
    labels = as_labels(labels)
    if labels.max() >= len(centres):
        raise ValueError(
            f"labels must lie in 0 .. {len(centres) - 1} (one class per centre), got {labels.max()}"
        )
    centre_widths = band_width(decode(model, centres, batch_size=batch_size, device=device))
    mapping = _mapping_slowest_first(np.arange(len(centres)), centre_widths)
    return _relabel(labels, mapping), mapping
