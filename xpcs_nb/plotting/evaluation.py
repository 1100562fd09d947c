"""The evaluation of :mod:`xpcs_nb.evaluation` as a figure: each method's score against the photon rate.

One panel per metric (rate-class ARI, each family's precision@k), every method a line
with its mean ± std as error bars, chance (where the table has it) a dashed grey line.

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

__all__ = ["method_sweep"]

_COLUMNS = ("method", "photons", "metric", "mean", "std")
_MARKERS = "osD^vP*X"


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

    The methods are drawn side by side, each nudged a little along the log axis, so
    their error bars do not hide one another; bright (many photons) is on the left.
    """
    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"table must be a DataFrame, got {type(table).__name__}")
    missing = set(_COLUMNS) - set(table.columns)
    if missing:
        raise ValueError(f"table must have the columns {_COLUMNS}, missing {sorted(missing)}")
    rows = table[table["metric"] == metric]
    if rows.empty:
        raise ValueError(f"metric must be one of the table's metrics {sorted(set(table['metric']))}, got {metric!r}")
    if "diagonal" in rows and rows["diagonal"].nunique() > 1:
        raise ValueError("table must hold one diagonal choice; filter it first")
    if ax is None:
        _, ax = plt.subplots(figsize=(PAGE_WIDTH / 2, 2.8), layout="constrained")
    methods = [m for m in dict.fromkeys(rows["method"]) if m != "chance"]
    nudges = np.exp(np.linspace(-0.08, 0.08, len(methods))) if len(methods) > 1 else [1.0]
    for i, (method, nudge) in enumerate(zip(methods, nudges)):
        mine = rows[rows["method"] == method].sort_values("photons")
        ax.errorbar(mine["photons"] * nudge, mine["mean"], yerr=mine["std"], marker=_MARKERS[i % len(_MARKERS)],
                    ms=4, capsize=2, lw=1.2, label=method.replace("_", " "))
    chance = rows[rows["method"] == "chance"].sort_values("photons")
    if not chance.empty:
        ax.plot(chance["photons"], chance["mean"], ls="--", color="grey", lw=1, label="chance")
    ax.set_xscale("log")
    rates = sorted(set(rows["photons"]))
    ax.set_xticks(rates, labels=[f"{rate:g}" for rate in rates])
    ax.xaxis.set_minor_locator(plt.NullLocator())
    ax.set_xlim(min(rates) / 1.6, max(rates) * 1.6)
    ax.invert_xaxis()
    ax.set_xlabel("photons per pixel per frame")
    ax.set_ylabel(metric)
    ax.set_title(metric if title is None else title, fontsize=9)
    if legend:
        handles, labels = ax.get_legend_handles_labels()  # chance last, after the methods
        order = sorted(range(len(labels)), key=lambda i: labels[i] == "chance")
        ax.legend([handles[i] for i in order], [labels[i] for i in order], fontsize=7)
    return ax
