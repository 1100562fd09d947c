"""Paired differences as a figure: the reference minus each method, per score, with 95 % intervals.

One panel per photon rate; the scores run down the panel, every method a marker at
its difference with a horizontal bar over its interval, dodged so that no bar hides
another; the zero line is where "better than" starts (an interval wholly right of it).

>>> import matplotlib.pyplot as plt
>>> tidy = pd.DataFrame(dict(score=["ARI", "ARI"], method=["trained", "pca"], photons=1.0, value=[0.9, 0.8],
...                          difference=[np.nan, 0.1], low=[np.nan, 0.02], high=[np.nan, 0.2]))
>>> fig = paired_differences(tidy)
>>> [text.get_text() for text in fig.legends[0].get_texts()]
['PCA']
>>> plt.close(fig)
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..validation import check_table
from ..words.clusters import METHOD_LABELS, photon_rate
from .style import PAGE_WIDTH

__all__ = ["paired_differences"]

_COLUMNS = ("score", "method", "photons", "difference", "low", "high")
_COLOURS = {"trained_at_rate": "tab:cyan", "untrained": "tab:orange", "pca": "tab:green", "pixels": "tab:red",
            "relaxation_time": "tab:purple"}
_MARKERS = {"trained_at_rate": "D", "untrained": "s", "pca": "^", "pixels": "v", "relaxation_time": "P"}


def paired_differences(table: pd.DataFrame, *, reference: str = "the trained encoder") -> plt.Figure:
    """A figure of :func:`xpcs_nb.evaluation.paired_scores` rows (with ``photons``), one panel per rate."""
    check_table(table, _COLUMNS)
    rows = table[table["difference"].notna()]
    rates = sorted(set(rows["photons"]), reverse=True)
    scores = list(dict.fromkeys(rows["score"]))
    methods = [m for m in METHOD_LABELS if m in set(rows["method"])]
    fig, axes = plt.subplots(1, len(rates), figsize=(PAGE_WIDTH, 0.45 * len(scores) + 1.6), sharey=True,
                             layout="constrained", squeeze=False)
    offsets = np.linspace(-0.3, 0.3, len(methods)) if len(methods) > 1 else [0.0]
    for ax, rate in zip(axes[0], rates):
        here = rows[rows["photons"] == rate]
        for method, offset in zip(methods, offsets):
            mine = here[here["method"] == method].set_index("score").reindex(scores)
            y = np.arange(len(scores)) + offset
            ax.errorbar(mine["difference"], y, xerr=[mine["difference"] - mine["low"], mine["high"] - mine["difference"]],
                        fmt=_MARKERS.get(method, "o"), color=_COLOURS.get(method, "tab:gray"), ms=4, capsize=2,
                        label=METHOD_LABELS[method])
        ax.axvline(0, color="black", lw=0.8)
        ax.set_title(photon_rate(rate), fontsize=9)
    fig.supxlabel(f"{reference}'s score minus the method's (95 % interval)", fontsize=9)
    axes[0, 0].set_yticks(np.arange(len(scores)), scores, fontsize=8)
    axes[0, 0].invert_yaxis()
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside upper center", ncols=len(methods), fontsize=8)
    return fig
