"""Chapter 1's speckle explorer: its movie obeys Siegert, its figure and sliders redraw."""

from __future__ import annotations

import base64

import numpy as np
import pytest

from xpcs_nb import speckle_widget as sw


def test_siegert_curve_is_the_formula():
    run = sw.speckle_run(rate=4.0, contrast=0.25, photons_per_pixel=1.0)
    tau = np.arange(1, 160) * 0.01
    np.testing.assert_allclose(run.siegert, 1 + 0.25 * np.exp(-2 * 4.0 * tau))
    np.testing.assert_allclose(run.lags, tau)


@pytest.mark.parametrize("rate, contrast", [(3.0, 0.5), (10.0, 0.25)])
def test_bright_movie_follows_siegert(rate, contrast):
    """At 20 photons per pixel the g2 read off C2 lies on 1 + beta exp(-2 Gamma tau)."""
    run = sw.speckle_run(rate, contrast, 20.0, side=32, n_frames=300)
    short = run.lags < 1 / rate  # where the decay carries the signal
    assert np.abs(run.g2[short] - run.siegert[short]).max() < 0.25 * contrast
    # a wrong rate (twice the truth) is further from the data than the truth
    wrong = 1 + contrast * np.exp(-2 * 2 * rate * run.lags)
    assert np.abs(run.g2[short] - wrong[short]).mean() > 2 * np.abs(run.g2[short] - run.siegert[short]).mean()


def test_fewer_photons_scatter_more():
    bright = sw.speckle_run(5.0, 0.25, 10.0)
    faint = sw.speckle_run(5.0, 0.25, 0.1)
    tail = bright.lags > 0.5  # fully decorrelated: g2 should be 1
    assert np.std(faint.g2[tail]) > 3 * np.std(bright.g2[tail])


def test_runs_are_cached_and_read_only():
    first = sw.speckle_run(5.0, 0.5, 1.0)
    assert sw.speckle_run(5.0, 0.5, 1.0) is first
    with pytest.raises(ValueError):
        first.c2[0, 0] = 0.0


@pytest.mark.parametrize("kwargs, match", [
    ({"contrast": 0.3}, "contrast: expected 1/M"),
    ({"contrast": 0.0}, "contrast"),
    ({"rate": -1.0}, "rate"),
    ({"photons_per_pixel": 0.0}, "photons_per_pixel"),
])
def test_bad_settings_are_named(kwargs, match):
    settings = {"rate": 5.0, "contrast": 0.25, "photons_per_pixel": 1.0} | kwargs
    with pytest.raises(ValueError, match=match):
        sw.speckle_run(**settings)


def test_figure_draws_data_then_siegert():
    run = sw.speckle_run(5.0, 0.25, 1.0)
    fig = sw.speckle_figure(run)
    g2_axes = fig.axes[0]
    data, curve = g2_axes.lines[:2]
    np.testing.assert_allclose(data.get_ydata(), run.g2)
    np.testing.assert_allclose(curve.get_ydata(), run.siegert)
    assert len(fig.axes) == 3  # g2, C2 and C2's colour bar
    with pytest.raises(TypeError, match="run: expected a SpeckleRun"):
        sw.speckle_figure(run.c2)


def png_of(output) -> bytes:
    (item,) = output.outputs
    data = base64.b64decode(item["data"]["image/png"])
    assert data.startswith(b"\x89PNG")
    return data


def test_sliders_redraw_the_figure():
    pytest.importorskip("ipywidgets")
    box = sw.speckle_explorer(rate=5.0, contrast=0.25, photons_per_pixel=1.0, n_frames=80, side=16)
    rate, contrast, photons, output = box.children
    first = png_of(output)
    for slider, value in ((rate, 20.0), (contrast, 1.0), (photons, 5.0)):
        slider.value = value
        drawn = png_of(output)
        assert drawn != first
        first = drawn
    with pytest.raises(ValueError, match="contrast"):
        sw.speckle_explorer(contrast=0.3)
