"""Explorers for the notebooks: pick a C2, see the ones nearest to it in latent space.

A rendered book page has no kernel: a widget on it can change what it shows only
through links drawn in the browser, not by running Python. So the explorer has two
modes. Given ``queries``, it draws the answer for each of those few queries when it
is built and lets the dropdown switch between them in the browser
(``ipywidgets.jslink``), which works on the static site as in JupyterLab. Without
``queries`` it offers every crop and draws the answer when one is picked, which
needs a running kernel.

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
from xpcs_nb.validation import check_array, check_choice, check_int

__all__ = ["neighbours_of", "neighbour_figure", "neighbour_explorer", "png_output"]


def _check_inputs(crops, latents, embedding, labels) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Check that the four arrays describe the same N items; return them as numpy arrays."""
    # Crops are only drawn: their shape is checked, not every pixel for NaN.
    crops = check_array(crops, "crops", ndim=3, finite=False)
    n = len(crops)
    latents = check_array(latents, "latents", shape=(n, None))
    embedding = check_array(embedding, "embedding", shape=(n, 2))
    labels = check_array(labels, "labels", shape=(n,), kind="integer")
    return crops, latents, embedding, labels


def neighbours_of(latents, index: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` nearest rows to row ``index`` of ``latents``, the row itself left out.

    Parameters
    ----------
    latents : array (N, D)
        Searched with the euclidean distance.
    index : int
        The query's row, 0 .. N-1.
    k : int
        Neighbours wanted, 1 .. N-1.

    Returns
    -------
    indices : ndarray (k,), int
        Nearest first (euclidean distance in the latent space).
    distances : ndarray (k,)

    Examples
    --------
    >>> points = np.array([[0.0, 0.0], [1.0, 0.0], [5.0, 0.0], [0.0, 2.0]])
    >>> indices, distances = neighbours_of(points, 0, 2)
    >>> indices.tolist(), distances.round(3).tolist()
    ([1, 3], [1.0, 2.0])
    """
    latents = check_array(latents, "latents", ndim=2, min_size=2)
    index, k = _check_query(index, k, len(latents))
    return _neighbours_of(latents, index, k)


def _check_query(index, k, n: int, index_name: str = "index") -> tuple[int, int]:
    """A query row in 0 .. n-1 and a number of neighbours in 1 .. n-1."""
    index = check_int(index, index_name, minimum=0, maximum=n - 1)
    k = check_int(k, "k", minimum=1, maximum=n - 1, context=" (the query itself is left out)")
    return index, k


def _neighbours_of(latents: np.ndarray, index: int, k: int) -> tuple[np.ndarray, np.ndarray]:
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

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> crops, embedding = rng.random((6, 8, 8)), rng.normal(size=(6, 2))
    >>> fig = neighbour_figure(crops, embedding, [0, 0, 0, 1, 1, 1], 0, [1, 2], [0.5, 0.7])
    >>> len(fig.axes)  # the UMAP plane, the query, two neighbours
    4
    """
    crops = check_array(crops, "crops", ndim=3, finite=False)
    n = len(crops)
    embedding = check_array(embedding, "embedding", shape=(n, 2))
    labels = check_array(labels, "labels", shape=(n,), kind="integer")
    query = check_int(query, "query", minimum=0, maximum=n - 1)
    indices = check_array(indices, "indices", ndim=1, kind="integer", minimum=0, maximum=n - 1)
    distances = check_array(distances, "distances", shape=indices.shape, minimum=0)
    _check_label_names(label_names, labels)
    return _draw_neighbour_figure(crops, embedding, labels, query, indices, distances,
                                  label_names=label_names, fig=fig, title=title)


def _check_label_names(label_names, labels: np.ndarray) -> None:
    """``label_names``, when given, must name every label value."""
    if label_names is not None and len(label_names) <= labels.max():
        raise ValueError(f"label_names must name every label 0 .. {labels.max()}, "
                         f"got {len(label_names)} names")


def _draw_neighbour_figure(crops: np.ndarray, embedding: np.ndarray, labels: np.ndarray, query: int,
                           indices: np.ndarray, distances: np.ndarray, *, label_names, fig: Figure | None,
                           title: str) -> Figure:
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


def png_output(fig: Figure, dpi: int, image_format: str = "png") -> dict:
    """The figure as one notebook display output (base64 PNG or JPEG), without pyplot.

    What an ``ipywidgets.Output`` shows when its ``outputs`` are set: the widgets
    redraw this way, so no figure is left open in pyplot.

    >>> output = png_output(Figure(figsize=(1, 1)), dpi=20)
    >>> output["output_type"], sorted(output["data"])
    ('display_data', ['image/png', 'text/plain'])
    """
    dpi = check_int(dpi, "dpi", minimum=1)
    image_format = check_choice(image_format, "image_format", ("png", "jpeg"))
    buffer = io.BytesIO()
    fig.savefig(buffer, format=image_format, dpi=dpi)
    return {"output_type": "display_data", "metadata": {},
            "data": {f"image/{image_format}": base64.b64encode(buffer.getvalue()).decode("ascii"),
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
                       label_names: Sequence[str] | None = None, start: int = 0, dpi: int = 80,
                       queries: Sequence[int] | None = None, image_format: str = "png"):
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
        The query shown first (one of ``queries`` when they are given).
    dpi : int
        Resolution of the figure.
    queries : sequence of int, optional
        Rows to offer, each drawn now: the dropdown then switches between them in
        the browser, so the box also works on a static page without a kernel.
        Default: offer every row and draw on demand (needs a running kernel).
    image_format : {"png", "jpeg"}
        How the figures are stored. Noisy crops compress poorly as PNG; "jpeg" keeps
        a page of many precomputed queries several times smaller.

    Returns
    -------
    ipywidgets.VBox
        Without ``queries``: ``children = (selector, table, output)``, a
        ``Dropdown`` whose value is the query's row (set ``selector.value`` to
        change it from code), an ``HTML`` table of the neighbours, and an
        ``Output`` holding the figure of :func:`neighbour_figure` as a PNG.
        With ``queries``: ``children = (selector, pages)``, where ``pages`` is a
        ``Stack`` of one ``VBox(table, output)`` per query, in the dropdown's
        order; ``box.link`` is the browser-side link from ``selector.index`` to
        ``pages.selected_index``. The figures are rendered without pyplot, so
        nothing else appears in the notebook, and the box can be tested without a
        browser.
    """
    import ipywidgets as widgets  # imported here: only the explorer needs it

    crops, latents, embedding, labels = _check_inputs(crops, latents, embedding, labels)
    n = len(latents)
    start, k = _check_query(start, k, n, index_name="start")
    _check_label_names(label_names, labels)
    dpi = check_int(dpi, "dpi", minimum=1)
    image_format = check_choice(image_format, "image_format", ("png", "jpeg"))
    offered = range(n) if queries is None else _check_queries(queries, n, start)

    def answer(index: int) -> tuple[str, dict]:
        """The neighbour table (HTML) and figure (a PNG output) of one query."""
        indices, distances = _neighbours_of(latents, index, k)
        fig = _draw_neighbour_figure(crops, embedding, labels, index, indices, distances,
                                     label_names=label_names, fig=None, title="")
        return _neighbour_table(index, labels, indices, distances, label_names), png_output(fig, dpi, image_format)

    options = [(f"#{i} ({_label_text(int(labels[i]), label_names)})", i) for i in offered]
    selector = widgets.Dropdown(options=options, value=start, description="query",
                                layout=widgets.Layout(width="360px"))
    if queries is not None:
        return _precomputed_box(widgets, selector, [answer(i) for i in offered])
    table, output = widgets.HTML(), widgets.Output()

    def show(index: int) -> None:
        table.value, png = answer(index)
        output.outputs = (png,)

    selector.observe(lambda change: show(change["new"]), names="value")
    show(start)
    return widgets.VBox([selector, table, output])


def _check_queries(queries, n: int, start: int) -> list[int]:
    """``queries`` as distinct rows 0 .. n-1 that include ``start``."""
    rows = check_array(queries, "queries", ndim=1, kind="integer", minimum=0, maximum=n - 1)
    rows = [int(row) for row in rows]
    if not rows or len(set(rows)) != len(rows):
        raise ValueError(f"queries must be distinct rows 0 .. {n - 1}, at least one, got {rows}")
    if start not in rows:
        raise ValueError(f"start must be one of queries {rows}, got {start}")
    return rows


def _precomputed_box(widgets, selector, answers: list[tuple[str, dict]]):
    """A Stack of one (table, figure) page per option, switched by the selector in the browser."""
    pages = []
    for table_html, png in answers:
        output = widgets.Output()
        output.outputs = (png,)
        pages.append(widgets.VBox([widgets.HTML(table_html), output]))
    stack = widgets.Stack(pages, selected_index=selector.index)
    box = widgets.VBox([selector, stack])
    box.link = widgets.jslink((selector, "index"), (stack, "selected_index"))
    return box
