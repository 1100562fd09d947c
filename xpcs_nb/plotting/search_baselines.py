"""A search's precision@k per label, every method beside the others: grouped bars.

Drawn from the tidy table of :func:`xpcs_nb.evaluation.by_label.precision_by_label`:
one group of bars per label (and one for all crops), one bar per method with its
mean and a ± std error bar (cut at 0 and 1, the range a precision can take), chance
as a short dashed grey line across each group.

>>> import matplotlib.pyplot as plt
>>> import pandas as pd
>>> tidy = pd.DataFrame(dict(method=["trained", "trained", "chance", "chance"], label=[0, "all", 0, "all"],
...                          mean=[0.9, 0.8, 0.2, 0.2], std=[0.1, 0.2, 0.0, 0.0], n=3))
>>> ax = precision_bars(tidy, label_names={0: "slow"})
>>> [tick.get_text() for tick in ax.get_xticklabels()]
['0: slow', 'all crops']
>>> plt.close(ax.figure)
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from xpcs_nb.plotting.style import PAGE_WIDTH
from ..validation import check_table

__all__ = ["precision_bars"]

_COLUMNS = ("method", "label", "mean", "std")


def precision_bars(table: pd.DataFrame, *, label_names: Mapping[int, str] | None = None,
                   method_names: Mapping[str, str] | None = None, ylabel: str = "precision@k",
                   title: str = "", ax: plt.Axes | None = None) -> plt.Axes:
    """Grouped bars of precision@k: labels along x, methods side by side, chance dashed.

    Parameters
    ----------
    table : DataFrame
        Columns ``method``, ``label``, ``mean``, ``std``; the method ``"chance"`` (if
        present) is drawn as a dashed line, not a bar; the label ``"all"`` is named
        "all crops".
    label_names : mapping {label: name}, optional
        Tick text ``"label: name"``.
    method_names : mapping {method: legend text}, optional
    ylabel, title : str
    ax : Axes, optional
        Default: a new figure the width of the page.
    """
    check_table(table, _COLUMNS)
    methods = [m for m in dict.fromkeys(table["method"]) if m != "chance"]
    if not methods:
        raise ValueError("table must hold at least one method besides 'chance'")
    labels = list(dict.fromkeys(table["label"]))
    label_names, method_names = dict(label_names or {}), dict(method_names or {})
    if ax is None:
        _, ax = plt.subplots(figsize=(PAGE_WIDTH, 3.6), layout="constrained")
    width = 0.8 / len(methods)
    x = np.arange(len(labels))
    for i, method in enumerate(methods):
        mine = table[table["method"] == method].set_index("label").reindex(labels)
        means = mine["mean"].to_numpy()
        spread = np.stack([np.minimum(mine["std"], means), np.minimum(mine["std"], 1 - means)])  # inside [0, 1]
        ax.bar(x + (i - (len(methods) - 1) / 2) * width, means, width, yerr=spread, capsize=2,
               error_kw=dict(lw=0.8), label=method_names.get(method, method))
    chance = table[table["method"] == "chance"].set_index("label").reindex(labels)["mean"]
    for position, level in zip(x, chance):
        if np.isfinite(level):
            ax.hlines(level, position - 0.42, position + 0.42, colors="grey", linestyles="--", lw=1.2,
                      label="chance" if position == x[0] else None)
    ax.set_xticks(x, labels=[_tick(label, label_names) for label in labels], rotation=20, ha="right",
                  rotation_mode="anchor", fontsize=8)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel(ylabel)
    handles, names = ax.get_legend_handles_labels()
    order = sorted(range(len(names)), key=lambda i: names[i] == "chance")  # chance after the methods
    ax.legend([handles[i] for i in order], [names[i] for i in order], fontsize=7, ncols=3, loc="lower left",
              bbox_to_anchor=(0, 1.0), frameon=False)
    if title:
        ax.set_title(title, fontsize=9, pad=32)  # above the legend's two rows
    return ax


def _tick(label, names: Mapping[int, str]) -> str:
    if label == "all":
        return "all crops"
    return f"{label}: {names[label]}" if label in names else str(label)
