"""Chapter 1's explorer: choose a rate, a contrast and a photon rate; see g2 and C2.

A rendered book page has no kernel, so the chapter first draws the static figure of
:func:`speckle_figure` for one setting, then shows :func:`speckle_explorer`, whose
sliders redraw the same figure in a running kernel.

* :func:`speckle_run` -- a small simulated speckle movie of a sample in equilibrium
  (every pixel relaxes at the same rate), its ratio-form C2 and the g2 read off C2's
  diagonals, beside the Siegert curve ``1 + beta exp(-2 Gamma tau)``; cached, so a
  slider moved back to a value it had redraws at once.
* :func:`speckle_figure` -- g2 with the Siegert curve, and the C2 map (one figure).
* :func:`speckle_explorer` -- an ipywidgets box: three sliders and that figure.

The simulator sets the contrast with whole speckle grains per pixel, ``beta = 1 / M``,
so the contrast slider offers those values (:data:`CONTRASTS`).

>>> run = speckle_run(rate=5.0, contrast=0.5, photons_per_pixel=2.0)
>>> run.c2.shape, run.lags.shape
((160, 160), (159,))
>>> float(run.siegert[0].round(3))  # 1 + 0.5 exp(-2 * 5 / s * 0.01 s)
1.452
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from matplotlib.figure import Figure

from xpcs_nb import correlation as corr
from xpcs_nb import simulate as sim
from xpcs_nb.geometry import Detector
from xpcs_nb.plotting.detector import show_c2
from xpcs_nb.validation import check_int, check_real

__all__ = ["CONTRASTS", "SpeckleRun", "speckle_run", "speckle_figure", "speckle_explorer"]

CONTRASTS = (1.0, 1 / 2, 1 / 3, 1 / 4, 1 / 6, 1 / 8)
"""The contrasts the simulator makes: 1 / M for M = 1, 2, 3, 4, 6, 8 grains per pixel."""


@dataclass(frozen=True)
class SpeckleRun:
    """One small movie's correlations and the truth it was made with.

    Attributes
    ----------
    rate : float
        Relaxation rate Gamma of every pixel, 1/s.
    contrast : float
        Speckle contrast beta = 1 / (grains per pixel).
    photons_per_pixel : float
        Mean photon count per pixel per frame.
    dt : float
        Frame time, s.
    c2 : array (T, T)
        Ratio-form C2 of all pixels as one ROI (baseline 1).
    lags : array (T - 1,)
        Lags of 1 .. T-1 frames, in s.
    g2 : array (T - 1,)
        The mean of each diagonal of ``c2`` at those lags.
    siegert : array (T - 1,)
        ``1 + contrast * exp(-2 rate lags)``, the Siegert relation's g2.
    """

    rate: float
    contrast: float
    photons_per_pixel: float
    dt: float
    c2: np.ndarray
    lags: np.ndarray
    g2: np.ndarray
    siegert: np.ndarray


def _grains_for(contrast) -> int:
    """The whole number of grains M with 1 / M == contrast, or a ValueError naming the choices."""
    contrast = check_real(contrast, "contrast", minimum=0.0, maximum=1.0, include_min=False)
    grains = round(1.0 / contrast)
    if abs(1.0 / grains - contrast) > 1e-6:
        choices = ", ".join(f"{c:.3g}" for c in CONTRASTS)
        raise ValueError(f"contrast: expected 1/M for a whole number M of speckle grains per pixel "
                         f"(e.g. {choices}), got {contrast}")
    return grains


def speckle_run(rate: float, contrast: float, photons_per_pixel: float, *, side: int = 24,
                n_frames: int = 160, dt: float = 0.01, seed: int = 0) -> SpeckleRun:
    """Simulate a small equilibrium movie and correlate it (cached by its arguments).

    Parameters
    ----------
    rate : float
        Relaxation rate Gamma in 1/s, > 0, the same at every pixel (``q_exponent=0``).
    contrast : float
        Speckle contrast beta: 1 / M for a whole number M of grains per pixel, see
        :data:`CONTRASTS`.
    photons_per_pixel : float
        Mean photon count per pixel per frame, > 0.
    side : int
        The detector patch is ``side x side`` pixels, all of them one ROI (>= 2).
    n_frames : int
        Frames T (>= 3); C2 is (T, T).
    dt : float
        Frame time in s, > 0.
    seed : int
        The same arguments and seed give the same movie.

    Returns
    -------
    SpeckleRun
        Its arrays are read-only (they are shared with the cache).
    """
    rate = check_real(rate, "rate", minimum=0.0, include_min=False, context=" (1/s)")
    grains = _grains_for(contrast)
    photons = check_real(photons_per_pixel, "photons_per_pixel", minimum=0.0, include_min=False)
    side = check_int(side, "side", minimum=2)
    n_frames = check_int(n_frames, "n_frames", minimum=3)
    dt = check_real(dt, "dt", minimum=0.0, include_min=False, context=" (s)")
    seed = check_int(seed, "seed", minimum=0)
    return _cached_run(rate, grains, photons, side, n_frames, dt, seed)


@lru_cache(maxsize=64)
def _cached_run(rate: float, grains: int, photons: float, side: int, n_frames: int, dt: float,
                seed: int) -> SpeckleRun:
    detector = Detector(shape=(side, side), pixel_size=55e-6, distance=8.0, wavelength=1.127e-10)
    movie = sim.simulate_movie(detector, sim.stationary(rate, q_exponent=0.0), n_frames=n_frames, dt=dt,
                               seed=seed, grains_per_pixel=grains, photons_per_pixel=photons)
    c2 = corr.two_time(movie.frames, np.ones((side, side), dtype=bool), form="ratio")[0]
    lags = np.arange(1, n_frames) * dt
    arrays = {"c2": c2, "lags": lags, "g2": corr.g2_from_c2(c2),
              "siegert": 1.0 + movie.contrast * np.exp(-2.0 * rate * lags)}
    for array in arrays.values():
        array.flags.writeable = False
    return SpeckleRun(rate=rate, contrast=movie.contrast, photons_per_pixel=photons, dt=dt, **arrays)


def speckle_figure(run: SpeckleRun, *, fig: Figure | None = None, width: float = 8.0) -> Figure:
    """Draw ``run``: its g2 with the Siegert curve (left) and its C2 (right).

    Parameters
    ----------
    run : SpeckleRun
        From :func:`speckle_run`.
    fig : matplotlib Figure, optional
        Drawn into (cleared first); a new Figure, without pyplot, when omitted.
    width : float
        Width in inches of a new figure.

    Returns
    -------
    matplotlib Figure
        ``fig.axes[0]`` holds g2: the measured points first, then the Siegert curve.
    """
    if not isinstance(run, SpeckleRun):
        raise TypeError(f"run: expected a SpeckleRun from speckle_run(...), got {type(run).__name__}")
    if fig is None:
        fig = Figure(figsize=(width, 3.5))
    fig.clear()
    if fig.get_layout_engine() is None:
        # fixed margins: a constrained layout would double the time of a redraw
        fig.subplots_adjust(left=0.09, right=0.9, bottom=0.2, top=0.9, wspace=0.3)
    left, right = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.2, 1]})
    left.semilogx(run.lags, run.g2, ".", ms=4, color="tab:blue", label="mean of each diagonal of $C_2$")
    left.semilogx(run.lags, run.siegert, "k-", lw=1.2,
                  label=r"Siegert: $1 + \beta e^{-2\Gamma\tau}$")
    left.axhline(1.0, color="0.6", lw=0.8, ls=":")
    left.set_ylim(0.9, 1.0 + max(1.3 * run.contrast, 0.15))
    left.set_xlabel(r"lag $\tau$ (s)")
    left.set_ylabel("$g_2$")
    left.legend(fontsize=7, loc="upper right")
    left.set_title(f"$\\Gamma$ = {run.rate:.3g}/s, $\\beta$ = {run.contrast:.3g}, "
                   f"{run.photons_per_pixel:.3g} photons/pixel/frame", fontsize=9)
    show_c2(right, run.c2, dt=run.dt, title="ratio-form $C_2$ of the movie")
    return fig


def speckle_explorer(rate: float = 5.0, contrast: float = 0.25, photons_per_pixel: float = 1.0, *,
                     dpi: int = 80, **run_options):
    """Sliders for the rate, the contrast and the photon rate that redraw :func:`speckle_figure`.

    Parameters
    ----------
    rate, contrast, photons_per_pixel : float
        The first setting shown (see :func:`speckle_run`); the rate slider spans
        0.5 .. 50 /s, the photon rate 0.05 .. 20 per pixel per frame.
    dpi : int
        Resolution of the figure.
    **run_options
        ``side``, ``n_frames``, ``dt``, ``seed`` for :func:`speckle_run`.

    Returns
    -------
    ipywidgets.VBox
        ``children = (rate, contrast, photons, output)``: two ``FloatLogSlider`` and a
        ``SelectionSlider`` (set their ``value`` from code to redraw), and an
        ``Output`` holding the figure as a PNG, drawn without pyplot, so the box
        works (and can be tested) without a browser.
    """
    import ipywidgets as widgets  # imported here: only the explorer needs it

    from xpcs_nb.widgets import png_output

    speckle_run(rate, contrast, photons_per_pixel, **run_options)  # checks every argument
    dpi = check_int(dpi, "dpi", minimum=1)
    style = {"description_width": "150px"}
    layout = widgets.Layout(width="480px")
    rate_slider = widgets.FloatLogSlider(value=rate, base=10, min=np.log10(0.5), max=np.log10(50), step=0.05,
                                         description="rate Γ (1/s)", continuous_update=False,
                                         style=style, layout=layout)
    contrast_slider = widgets.SelectionSlider(
        options=[(f"{c:.3g}", c) for c in CONTRASTS], value=CONTRASTS[_contrast_index(contrast)],
        description="contrast β", continuous_update=False, style=style, layout=layout)
    photon_slider = widgets.FloatLogSlider(value=photons_per_pixel, base=10, min=np.log10(0.05), max=np.log10(20),
                                           step=0.05, description="photons/pixel/frame",
                                           continuous_update=False, style=style, layout=layout)
    output = widgets.Output()

    def redraw(_change=None) -> None:
        run = speckle_run(rate_slider.value, contrast_slider.value, photon_slider.value, **run_options)
        output.outputs = (png_output(speckle_figure(run), dpi),)

    for slider in (rate_slider, contrast_slider, photon_slider):
        slider.observe(redraw, names="value")
    redraw()
    return widgets.VBox([rate_slider, contrast_slider, photon_slider, output])


def _contrast_index(contrast: float) -> int:
    """The position of ``contrast`` in :data:`CONTRASTS`, or a ValueError naming them."""
    grains = _grains_for(contrast)
    matches = [i for i, c in enumerate(CONTRASTS) if round(1 / c) == grains]
    if not matches:
        raise ValueError(f"contrast: the slider offers {[round(c, 3) for c in CONTRASTS]}, got {contrast}")
    return matches[0]
