"""The evaluation of :mod:`xpcs_nb.evaluation` as a figure: each method's score against the photon rate.

One panel per metric (rate-class ARI, each family's precision@k), every method a line
with its mean ± std as error bars, chance (where the table has it) a dashed grey line.
Each method keeps its colour and marker in every panel, and the methods are dodged
sideways around each photon rate so that no error bar hides another;
:func:`method_sweeps` draws every metric side by side with one legend below.

>>> import matplotlib.pyplot as plt
>>> import pandas as pd
>>> tidy = pd.DataFrame(dict(method=["trained", "trained", "chance"], photons=[10.0, 1.0, 1.0],
...                          diagonal="keep", metric="rate-class ARI", mean=[0.9, 0.8, 0.1],
...                          std=[0.01, 0.02, 0.0], n=5, over=""))
>>> ax = method_sweep(tidy, "rate-class ARI")
>>> [text.get_text() for text in ax.get_legend().get_texts()]
['trained', 'chance']
>>> plt.close(ax.figure)
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from xpcs_nb.plotting.style import PAGE_WIDTH
from xpcs_nb.words.clusters import METHOD_LABELS
from ..validation import check_table

__all__ = ["method_sweep", "method_sweeps"]

_COLUMNS = ("method", "photons", "metric", "mean", "std")
_ORDER = ("trained", "trained_at_rate", "untrained", "pca", "pixels", "relaxation_time")
_MARKERS = "oDs^vPX*"
_COLOURS = ("tab:blue", "tab:cyan", "tab:orange", "tab:green", "tab:red", "tab:purple", "tab:brown", "tab:pink")
_DODGE = 0.45  # the methods around one rate span this share of the (log) gap to the next rate
LEGEND_SIZE = 8
"""Font size (pt) of the evaluation legends."""


def _ordered(methods) -> list[str]:
    """The methods in one fixed order (known methods first, then the others as given)."""
    methods = list(dict.fromkeys(methods))
    return [m for m in _ORDER if m in methods] + [m for m in methods if m not in _ORDER]


def _style(method: str, methods: list[str]) -> dict:
    """The same colour and marker for a method in every panel, whichever methods the panel has."""
    i = _ordered(list(_ORDER) + list(methods)).index(method)
    return dict(color=_COLOURS[i % len(_COLOURS)], marker=_MARKERS[i % len(_MARKERS)])


def _dodges(rates, n: int) -> np.ndarray:
    """Factors (n,) that spread n methods around each rate on a log axis, centred on 1."""
    if n < 2:
        return np.ones(n)
    gaps = np.diff(np.log(sorted(rates)))
    span = _DODGE * (gaps.min() if gaps.size else 1.0)
    return np.exp(np.linspace(span / 2, -span / 2, n))  # the first method leftmost (the axis is inverted)


def _check(table: pd.DataFrame, metric: str) -> pd.DataFrame:
    check_table(table, _COLUMNS)
    rows = table[table["metric"] == metric]
    if rows.empty:
        raise ValueError(f"metric must be one of the table's metrics {sorted(set(table['metric']))}, got {metric!r}")
    if "diagonal" in rows and rows["diagonal"].nunique() > 1:
        raise ValueError("table must hold one diagonal choice; filter it first")
    return rows


def method_sweep(table: pd.DataFrame, metric: str, *, legend: bool = True, title: str | None = None,
                 ax: plt.Axes | None = None) -> plt.Axes:
    """Mean ± std of every method of ``table`` for one ``metric``, against photons per pixel (log axis).

    Parameters
    ----------
    table : DataFrame
        The tidy table of :func:`xpcs_nb.evaluation.noise_sweep` (one diagonal choice:
        filter it first), columns ``method``, ``photons``, ``metric``, ``mean``, ``std``.
    metric : str
        One of the table's metrics.
    legend : bool
        Draw the legend on this panel.
    title : str, optional
        Default: the metric.

    The methods are drawn side by side, each dodged along the log axis by a share of
    the gap between rates, so their error bars do not hide one another; bright (many
    photons) is on the left.
    """
    rows = _check(table, metric)
    if ax is None:
        _, ax = plt.subplots(figsize=(PAGE_WIDTH / 2, 2.8), layout="constrained")
    methods = [m for m in _ordered(rows["method"]) if m != "chance"]
    rates = sorted(set(rows["photons"]))
    for method, dodge in zip(methods, _dodges(rates, len(methods))):
        mine = rows[rows["method"] == method].sort_values("photons")
        ax.errorbar(mine["photons"] * dodge, mine["mean"], yerr=mine["std"], ms=4.5, capsize=2, lw=1.2,
                    elinewidth=1, label=METHOD_LABELS.get(method, method.replace("_", " ")),
                    **_style(method, methods))
    chance = rows[rows["method"] == "chance"].sort_values("photons")
    if not chance.empty:
        ax.plot(chance["photons"], chance["mean"], ls="--", color="grey", lw=1, label="chance")
    ax.set_xscale("log")
    ax.set_xticks(rates, labels=[f"{rate:g}" for rate in rates])
    ax.xaxis.set_minor_locator(plt.NullLocator())
    ax.set_xlim(min(rates) / 1.6, max(rates) * 1.6)
    ax.invert_xaxis()
    ax.set_xlabel("photons per pixel per frame")
    ax.set_ylabel(metric)
    ax.set_title(metric if title is None else title, fontsize=9)
    if legend:
        ax.legend(*_legend_entries(ax), fontsize=LEGEND_SIZE)
    return ax


def _legend_entries(*axes: plt.Axes) -> tuple[list, list]:
    """The handles and labels of all ``axes``, each label once, chance last."""
    entries = {}
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels()):
            entries.setdefault(label, handle)
    labels = sorted(entries, key=lambda label: label == "chance")
    return [entries[label] for label in labels], labels


def method_sweeps(table: pd.DataFrame, metrics=None, *, fig: plt.Figure | None = None) -> plt.Figure:
    """One :func:`method_sweep` panel per metric, side by side, one shared legend below them.

    ``metrics``: default every metric of ``table``, in its order.

    >>> tidy = pd.DataFrame(dict(method=["trained", "pca", "trained", "chance"], photons=[10.0, 10.0, 1.0, 1.0],
    ...                          diagonal="keep", metric=["ARI", "ARI", "P@10", "P@10"],
    ...                          mean=[0.9, 0.5, 0.6, 0.1], std=0.05, n=5, over=""))
    >>> fig = method_sweeps(tidy)
    >>> len(fig.axes), [t.get_text() for t in fig.legends[0].get_texts()]
    (2, ['trained', 'PCA', 'chance'])
    >>> plt.close(fig)
    """
    metrics = list(dict.fromkeys(table["metric"])) if metrics is None else list(metrics)
    if not metrics:
        raise ValueError("metrics must name at least one metric, got none")
    if fig is None:
        fig = plt.figure(figsize=(PAGE_WIDTH, 3.4), layout="constrained")
    axes = fig.subplots(1, len(metrics), sharey=True, squeeze=False)[0]
    for i, (ax, metric) in enumerate(zip(axes, metrics)):
        method_sweep(table, metric, legend=False, ax=ax)
        ax.set_ylabel("score" if i == 0 else "")
    handles, labels = _legend_entries(*axes)  # chance may be drawn in some panels only
    fig.legend(handles, labels, loc="outside lower center", ncols=min(len(labels), 4), fontsize=LEGEND_SIZE,
               frameon=False)
    return fig
