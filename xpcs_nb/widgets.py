"""Explorers for the notebooks: pick a C2, see the ones nearest to it in latent space.

A rendered book page has no kernel, so a widget on it shows nothing. Each explorer
here therefore draws with a figure function the chapter also calls for its static
figure: the page shows the answer for one chosen query, and a reader with a kernel
gets the same picture for any query.

* :func:`neighbour_figure` -- the query, its neighbours as images, and the UMAP
  plane with them highlighted (one Matplotlib figure).
* :func:`neighbour_explorer` -- an ipywidgets box: a dropdown to pick the query, a
  table of its neighbours, and that figure.

Neighbours are always found in the latent space (:func:`xpcs_nb.latent.nearest_neighbours`);
the UMAP plane only shows where they landed.

Shapes: ``crops (N, S, S)``, ``latents (N, D)``, ``embedding (N, 2)``, ``labels (N,)``.
"""

from __future__ import annotations

import base64
import html
import io
import math
from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure

from xpcs_nb.latent import nearest_neighbours

__all__ = ["neighbours_of", "neighbour_figure", "neighbour_explorer"]


def _check_inputs(crops, latents, embedding, labels) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Check that the four arrays describe the same N items; return latents, embedding, labels."""
    n = len(crops)
    if np.ndim(crops) != 3:
        raise ValueError(f"crops must be an array (N, S, S), got shape {np.shape(crops)}")
    latents = np.asarray(latents)
    embedding = np.asarray(embedding)
    labels = np.asarray(labels)
    if latents.ndim != 2 or len(latents) != n:
        raise ValueError(f"latents must be (N, D) with N = {n} (one per crop), got shape {latents.shape}")
    if embedding.shape != (n, 2):
        raise ValueError(f"embedding must be (N, 2) with N = {n} (one point per crop), got shape {embedding.shape}")
    if labels.shape != (n,) or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"labels must be {n} integers (one per crop), got {labels.dtype} shape {labels.shape}")
    return latents, embedding, labels


def neighbours_of(latents, index: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` nearest rows to row ``index`` of ``latents``, the row itself left out.

    Returns
    -------
    indices : ndarray (k,), int
        Nearest first (euclidean distance in the latent space).
    distances : ndarray (k,)
    """
    latents = np.asarray(latents)
    if not 0 <= index < len(latents):
        raise ValueError(f"index must be in 0 .. {len(latents) - 1}, got {index}")
    if not 1 <= k < len(latents):
        raise ValueError(f"k must be between 1 and {len(latents) - 1} (the query itself is left out), got {k}")
    indices, distances = nearest_neighbours(latents, latents[index], k=k + 1)
    keep = indices != index
    return indices[keep][:k], distances[keep][:k]


def _label_text(label: int, label_names: Sequence[str] | None) -> str:
    return f"{label}: {label_names[label]}" if label_names is not None else f"label {label}"


def neighbour_figure(crops, embedding, labels, query: int, indices, distances, *,
                     label_names: Sequence[str] | None = None, fig: Figure | None = None,
                     title: str = "") -> Figure:
    """Draw a query, its neighbours and where they sit in the UMAP plane.

    Left: every crop as a point of the embedding, coloured by label; the query as a
    large open circle, its neighbours as points ringed in black. Right: the query's
    crop, then each neighbour's with its latent distance and label.

    Parameters
    ----------
    crops : array (N, S, S)
    embedding : array (N, 2)
        E.g. :func:`xpcs_nb.latent.umap_embedding` of the latents.
    labels : array (N,), int
        Colours the points and titles the images (true labels or clusters).
    query : int
        Row of the query.
    indices, distances : array (k,)
        Its neighbours and their latent distances, e.g. from :func:`neighbours_of`.
    label_names : sequence of str, optional
        Name of each label value, e.g. ``xpcs_nb.scenarios.CLASS_NAMES``.
    fig : matplotlib Figure, optional
        Draw into this figure (``plt.figure(...)`` in a notebook, so ``plt.show()``
        shows it); default a new Figure not registered with pyplot.
    title : str

    Returns
    -------
    Figure
    """
    embedding = np.asarray(embedding)
    labels = np.asarray(labels)
    indices = np.asarray(indices)
    k = len(indices)
    n_columns = math.ceil((k + 1) / 2)
    if fig is None:
        fig = Figure(figsize=(4.5 + 2.0 * n_columns, 4.6), layout="constrained")
    grid = fig.add_gridspec(2, n_columns + 2)
    ax_map = fig.add_subplot(grid[:, :2])
    values = np.unique(labels)
    colours = {value: f"C{i % 10}" for i, value in enumerate(values)}
    for value in values:
        here = labels == value
        ax_map.scatter(*embedding[here].T, s=10, color=colours[value], alpha=0.5,
                       label=_label_text(int(value), label_names))
    ax_map.scatter(*embedding[indices].T, s=45, facecolor=[colours[v] for v in labels[indices]],
                   edgecolor="k", linewidth=1.2, zorder=3)
    ax_map.scatter(*embedding[query], s=260, facecolor="none", edgecolor="k", linewidth=2, zorder=4)
    ax_map.set_xticks([])
    ax_map.set_yticks([])
    ax_map.set_xlabel("UMAP 1")
    ax_map.set_ylabel("UMAP 2")
    ax_map.legend(fontsize=6, loc="best", markerscale=1.5)
    ax_map.set_title("○ query, ● its neighbours", fontsize=9)

    shown = [(query, "query", labels[query])] + [
        (int(i), f"d = {d:.2f}", labels[i]) for i, d in zip(indices, distances)]
    for position, (row, text, label) in enumerate(shown):
        ax = fig.add_subplot(grid[position // n_columns, 2 + position % n_columns])
        ax.imshow(np.asarray(crops[row]), cmap="viridis", vmin=0, vmax=1)
        ax.set_title(f"#{row}, {text}\n{_label_text(int(label), label_names)}", fontsize=7)
        ax.set_xticks([])
        ax.set_yticks([])
        for spine in ax.spines.values():
            spine.set_edgecolor("k" if position == 0 else colours[label])
            spine.set_linewidth(2.5 if position == 0 else 1.5)
    if title:
        fig.suptitle(title)
    return fig


def _png_output(fig: Figure, dpi: int) -> dict:
    """The figure as one notebook display output (base64 PNG), without pyplot."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return {"output_type": "display_data", "metadata": {},
            "data": {"image/png": base64.b64encode(buffer.getvalue()).decode("ascii"),
                     "text/plain": "<neighbour figure>"}}


def _neighbour_table(query: int, labels, indices, distances, label_names) -> str:
    rows = "".join(
        f"<tr><td>{rank}</td><td>{i}</td><td>{d:.3f}</td>"
        f"<td>{html.escape(_label_text(int(labels[i]), label_names))}</td></tr>"
        for rank, (i, d) in enumerate(zip(indices, distances), start=1))
    same = float(np.mean(labels[indices] == labels[query]))
    return (f"<b>query #{query}</b> ({html.escape(_label_text(int(labels[query]), label_names))}): "
            f"{same:.0%} of its {len(indices)} neighbours share its label"
            "<table><tr><th>rank</th><th>crop</th><th>latent distance</th><th>label</th></tr>"
            f"{rows}</table>")


def neighbour_explorer(crops, latents, embedding, labels, k: int = 8, *,
                       label_names: Sequence[str] | None = None, start: int = 0, dpi: int = 80):
    """An ipywidgets explorer: pick a crop, see its ``k`` nearest neighbours.

    Parameters
    ----------
    crops : array (N, S, S)
        What the images show (scaled to [0, 1]).
    latents : array (N, D)
        Where the neighbours are searched (euclidean distance).
    embedding : array (N, 2)
        Where the points are drawn (UMAP); not used for any distance.
    labels : array (N,), int
    k : int
        Neighbours shown, 1 .. N-1; the query itself is left out.
    label_names : sequence of str, optional
    start : int
        The query shown first.
    dpi : int
        Resolution of the figure.

    Returns
    -------
    ipywidgets.VBox
        ``children = (selector, table, output)``: a ``Dropdown`` whose value is the
        query's row (set ``selector.value`` to change it from code), an ``HTML`` table
        of the neighbours, and an ``Output`` holding the figure of
        :func:`neighbour_figure` as a PNG. The figure is rendered without pyplot,
        so nothing else appears in the notebook, and the box works (and can be
        tested) without a browser.
    """
    import ipywidgets as widgets  # imported here: only the explorer needs it

    latents, embedding, labels = _check_inputs(crops, latents, embedding, labels)
    n = len(latents)
    if not 1 <= k < n:
        raise ValueError(f"k must be between 1 and {n - 1} (the query itself is left out), got {k}")
    if not 0 <= start < n:
        raise ValueError(f"start must be a crop index in 0 .. {n - 1}, got {start}")

    options = [(f"#{i} ({_label_text(int(labels[i]), label_names)})", i) for i in range(n)]
    selector = widgets.Dropdown(options=options, value=int(start), description="query",
                                layout=widgets.Layout(width="360px"))
    table = widgets.HTML()
    output = widgets.Output()

    def show(index: int) -> None:
        indices, distances = neighbours_of(latents, index, k)
        fig = neighbour_figure(crops, embedding, labels, index, indices, distances, label_names=label_names)
        output.outputs = (_png_output(fig, dpi),)
        table.value = _neighbour_table(index, labels, indices, distances, label_names)

    selector.observe(lambda change: show(change["new"]), names="value")
    show(int(start))
    return widgets.VBox([selector, table, output])
