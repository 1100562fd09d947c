"""Chapter 4's figures of a clustering: the elbow with its knee, and a UMAP plane three ways.

:func:`elbow_panels` sets the inertia with its knee, the Kneedle construction and the
silhouette side by side; :func:`latent_maps` colours one UMAP plane by class, by
azimuthal sector and by time, as chapter 4 does for the paper's real latents.

>>> import matplotlib.pyplot as plt
>>> from xpcs_nb import latent
>>> points = np.random.default_rng(0).normal(size=(40, 3))
>>> fig = elbow_panels(latent.kmeans_sweep(points, ks=range(2, 6), seed=0), "toy")
>>> len(fig.axes)
3
>>> plt.close(fig)
"""

from __future__ import annotations

import matplotlib.pyplot as plt

from xpcs_nb.plotting.curves import elbow, knee_construction
from xpcs_nb.plotting.scatter import umap_scatter
from xpcs_nb.plotting.style import PAGE_WIDTH
from xpcs_nb.validation import check_array

__all__ = ["elbow_panels", "latent_maps"]


def elbow_panels(sweep, title: str = "", *, fig: plt.Figure | None = None) -> plt.Figure:
    """Inertia with its knee (left), the Kneedle construction (middle), the silhouette (right).

    ``sweep``: a :class:`xpcs_nb.latent.SweepResult` (``ks``, ``inertia``,
    ``silhouette``, ``knee``), e.g. from :func:`xpcs_nb.latent.kmeans_sweep`.
    """
    for name in ("ks", "inertia", "silhouette", "knee"):
        if not hasattr(sweep, name):
            raise TypeError(f"sweep must be a latent.SweepResult (with .{name}), "
                            f"got {type(sweep).__name__}")
    if fig is None:
        fig = plt.figure(figsize=(PAGE_WIDTH, 2.9), layout="constrained")
    ax_elbow, ax_knee, ax_sil = fig.subplots(1, 3)
    elbow(sweep.ks, sweep.inertia, sweep.knee, title=title, ax=ax_elbow)
    knee_construction(sweep.knee, ax=ax_knee)
    ax_sil.plot(sweep.ks, sweep.silhouette, "o-")
    ax_sil.set_xlabel("k (clusters)")
    ax_sil.set_ylabel("mean silhouette")
    return fig


def latent_maps(embedding, classes, sectors, starts, *, fig: plt.Figure | None = None) -> plt.Figure:
    """One UMAP plane three times: by class (slow to fast), by sector, by window start.

    Parameters
    ----------
    embedding : array (N, 2)
        The UMAP plane.
    classes : array (N,), int
        Classes ordered slow (0) to fast.
    sectors : array (N,)
        Azimuthal sector of each point (a colour bar, ``twilight``: it wraps round).
    starts : array (N,)
        Window start, s after the shear stopped (a colour bar).

    >>> import matplotlib.pyplot as plt
    >>> rng = np.random.default_rng(0)
    >>> fig = latent_maps(rng.random((6, 2)), [0, 1, 2, 0, 1, 2], [1, 2, 3, 4, 5, 6], np.arange(6.0))
    >>> len(fig.axes)  # three planes and two colour bars
    5
    >>> plt.close(fig)
    """
    embedding = check_array(embedding, "embedding", shape=(None, 2))
    n = len(embedding)
    sectors = check_array(sectors, "sectors", shape=(n,))
    starts = check_array(starts, "starts", shape=(n,))
    if fig is None:
        fig = plt.figure(figsize=(PAGE_WIDTH, 3.4), layout="constrained")
    axes = fig.subplots(1, 3)
    k = len(set(check_array(classes, "classes", shape=(n,), kind="integer").tolist()))
    umap_scatter(embedding, classes, ordered=True, size=6, legend=False, ax=axes[0],
                 title=f"k-means classes, k = {k}")
    axes[0].legend(fontsize=8, markerscale=1.5, title="slow → fast", title_fontsize=8)
    for ax, values, label, cmap in ((axes[1], sectors, "azimuthal sector", "twilight"),
                                    (axes[2], starts, "window start (s after shear stop)", "cividis")):
        shown = ax.scatter(*embedding.T, c=values, s=6, cmap=cmap)
        fig.colorbar(shown, ax=ax, orientation="horizontal", label=label)  # a quantity: a colour bar
        ax.set_xticks([])
        ax.set_yticks([])
    return fig
