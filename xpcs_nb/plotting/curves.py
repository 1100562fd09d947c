"""Line plots of the chapters' numbers: training loss, the elbow and its knee, a permutation test.

Each function draws on the ``ax`` it is given (or a new page-width one) and returns it.

>>> import matplotlib.pyplot as plt
>>> ax = elbow([2, 3, 4, 5, 6], [100.0, 40.0, 25.0, 20.0, 18.0], knee=3)
>>> ax.get_legend().get_texts()[0].get_text()
'knee: k = 3'
>>> plt.close(ax.figure)
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np

from xpcs_nb.plotting.style import PAGE_WIDTH
from xpcs_nb.validation import check_array, check_real

__all__ = ["training_history", "elbow", "knee_construction", "permutation_histogram"]


def training_history(steps, train_loss, val_loss=None, *, best: float | None = None, xlabel: str = "epoch",
                     ylabel: str = "MSE per pixel", ax: plt.Axes | None = None) -> plt.Axes:
    """Training and validation loss over training, on a log scale.

    Parameters
    ----------
    steps : array (E,)
        Epochs, or crops seen, at which the losses were taken (say which in ``xlabel``).
    train_loss : array (E,)
    val_loss : array (E,), optional
        NaN entries (no validation set) are left out of the plot.
    best : float, optional
        The step whose weights were kept, marked by a dotted line.
    """
    steps = check_array(steps, "steps", ndim=1)
    train_loss = check_array(train_loss, "train_loss", shape=(len(steps),), minimum=0)
    ax = _axes(ax, 3.2)
    ax.plot(steps, train_loss, "o-", label="training")
    if val_loss is not None:
        val_loss = check_array(val_loss, "val_loss", shape=(len(steps),), finite=False)
        if np.isfinite(val_loss).any():
            ax.plot(steps, val_loss, "s-", label="validation")
    if best is not None:
        best = check_real(best, "best")
        ax.axvline(best, color="gray", ls=":", label=f"kept: {xlabel} {best:g}")
    ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend()
    return ax


def elbow(ks, inertia, knee, *, title: str = "", ax: plt.Axes | None = None) -> plt.Axes:
    """The k-means inertia against k, the knee marked by a dashed line.

    Parameters
    ----------
    ks : array (M,), int
        Numbers of clusters tried.
    inertia : array (M,)
        Sum of squared distances to the centres, latent units squared.
    knee : xpcs_nb.latent.Knee or int
        The knee (``latent.find_knee(ks, inertia)`` or ``SweepResult.knee``) or its k.
    """
    ks = check_array(ks, "ks", ndim=1, kind="integer")
    inertia = check_array(inertia, "inertia", shape=(len(ks),), minimum=0)
    k_knee = getattr(knee, "value", knee)
    k_knee = check_real(k_knee, "knee")
    ax = _axes(ax, 3.2)
    ax.plot(ks, inertia, "o-")
    ax.axvline(k_knee, color="tab:red", ls="--", label=f"knee: k = {k_knee:g}")
    ax.set_xlabel("k (clusters)")
    ax.set_ylabel("inertia")
    ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
    if title:
        ax.set_title(title)
    ax.legend()
    return ax


def knee_construction(knee, *, ax: plt.Axes | None = None) -> plt.Axes:
    """How Kneedle finds the knee: the scaled curve, its chord, and the largest gap to it.

    ``knee`` is an :class:`xpcs_nb.latent.Knee` (its ``x_normalised``,
    ``y_normalised``, ``distance`` and ``index``).
    """
    x = check_array(knee.x_normalised, "knee.x_normalised", ndim=1)
    y = check_array(knee.y_normalised, "knee.y_normalised", shape=(len(x),))
    gap = check_array(knee.distance, "knee.distance", shape=(len(x),))
    i = int(knee.index)
    ax = _axes(ax, 3.2)
    ax.plot(x, y, "o-", label="curve, scaled")
    ax.plot([0, 1], [1, 0], "k:", label="chord")
    # the distance below the chord x + y = 1 runs along its normal, (1, 1) / sqrt(2)
    ax.plot([x[i], x[i] + gap[i] / np.sqrt(2)], [y[i], y[i] + gap[i] / np.sqrt(2)], "r-", label="largest gap")
    ax.set_xlabel("k, scaled")
    ax.set_ylabel("inertia, scaled")
    ax.set_aspect("equal")
    ax.legend(fontsize=8)
    return ax


def permutation_histogram(null_distribution, observed: float, p_value: float, *,
                          xlabel: str = "statistic", markers: Mapping[str, float] | None = None,
                          ax: plt.Axes | None = None) -> plt.Axes:
    """The null distribution of a permutation test, with the observed value and its p.

    Parameters
    ----------
    null_distribution : array (n_permutations,)
        The statistic for each permutation (e.g. ``TransitionAlignment.null_distribution``).
    observed : float
        The statistic of the data, drawn as a solid line; the legend gives ``p_value``.
    markers : mapping str -> float, optional
        Further reference values drawn as dashed lines, labelled by their keys.
    """
    null_distribution = check_array(null_distribution, "null_distribution", ndim=1)
    observed = check_real(observed, "observed")
    p_value = check_real(p_value, "p_value", minimum=0, maximum=1)
    ax = _axes(ax, 3.2)
    ax.hist(null_distribution, bins=40, color="lightgray", label="permutations")
    ax.axvline(observed, color="k", lw=2, label=f"observed, p = {p_value:.3g}")
    for (label, value), colour in zip((markers or {}).items(), ("tab:green", "tab:orange", "tab:purple")):
        ax.axvline(check_real(value, f"markers[{label!r}]"), color=colour, ls="--", label=label)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("permutations")
    ax.legend(fontsize=8)
    return ax


def _axes(ax: plt.Axes | None, height: float) -> plt.Axes:
    """``ax``, or the axes of a new figure of the page's width and ``height`` inches."""
    if ax is not None:
        return ax
    return plt.subplots(figsize=(PAGE_WIDTH * 0.7, height), layout="constrained")[1]
