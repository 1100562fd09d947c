"""The chapters' figures, drawn on small synthetic inputs with the Agg backend."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from xpcs_nb import plotting  # noqa: E402
from xpcs_nb.latent import find_knee  # noqa: E402
from xpcs_nb.correlation import multi_tau_lags  # noqa: E402
from xpcs_nb.plotting.lag_ladder import lag_ladder, pair_averaging  # noqa: E402
from xpcs_nb.plotting.lag_profiles import lag_profile, width_comparison  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def crops(n: int, size: int = 16, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).random((n, size, size))


def image_axes(fig) -> list:
    """The panels that hold an image (the colour bar holds none)."""
    return [ax for ax in fig.axes if ax.images and ax.get_label() != "<colorbar>"]


def colourbars(fig) -> list:
    return [ax for ax in fig.axes if ax.get_label() == "<colorbar>"]


def assert_fits_page(fig) -> None:
    width, _ = fig.get_size_inches()
    assert width <= 8.0, f"figure {width:.1f} in wide, the page column is about 7.5 in"


def test_every_c2_image_uses_the_one_colour_map():
    fig, ax = plt.subplots()
    assert plotting.show_c2(ax, np.eye(8) + 0.1).get_cmap().name == plotting.C2_CMAP
    grid = plotting.crop_grid(crops(3))
    gallery = plotting.class_gallery(crops(4), [0, 0, 1, 1], per_class=2)
    for figure in (grid, gallery):
        assert {ax.images[0].get_cmap().name for ax in image_axes(figure)} == {plotting.C2_CMAP}


def test_show_c2_labels_its_colour_bar():
    fig, ax = plt.subplots()
    plotting.show_c2(ax, np.eye(8) + 0.1, label="C2 (ratio form)")
    assert colourbars(fig)[0].get_ylabel() == "C2 (ratio form)"


def test_crop_grid_leaves_no_empty_panel_and_shares_one_labelled_colour_bar():
    fig = plotting.crop_grid(crops(7), n_cols=3, titles=[f"#{i}" for i in range(7)],
                             row_labels=["a", "b", "c"])
    panels = image_axes(fig)
    assert len(panels) == 7
    assert len(fig.axes) == 8  # seven images and one colour bar; no blank ninth panel
    assert [ax.get_title() for ax in panels] == [f"#{i}" for i in range(7)]
    assert [panels[i].get_ylabel() for i in (0, 3, 6)] == ["a", "b", "c"]
    assert all(not ax.get_xticks().size and not ax.get_yticks().size for ax in panels)
    assert "[0, 1]" in colourbars(fig)[0].get_ylabel()
    assert_fits_page(fig)


def test_crop_grid_own_scale_spans_the_images():
    images = crops(2) * 0.1 + 0.5
    fig = plotting.crop_grid(images, vmin=None, vmax=None)
    assert image_axes(fig)[0].images[0].get_clim() == (images.min(), images.max())


def test_crop_grid_refuses_titles_of_the_wrong_number():
    with pytest.raises(ValueError, match="titles must hold 3 entries"):
        plotting.crop_grid(crops(3), titles=["one"])


def test_class_gallery_shortens_the_row_of_a_small_class():
    classes = np.array([0] * 6 + [1] * 2 + [2] * 5)
    fig = plotting.class_gallery(crops(len(classes)), classes, per_class=4, seed=1)
    panels = image_axes(fig)
    assert len(panels) == 4 + 2 + 4
    assert len(fig.axes) == len(panels) + 1  # nothing but the panels and one colour bar
    assert all(ax.images for ax in fig.axes if ax.get_label() != "<colorbar>")
    row_labels = [ax.get_ylabel() for ax in panels if ax.get_ylabel()]
    assert row_labels == ["class 0\n(6)", "class 1\n(2)", "class 2\n(5)"]
    assert_fits_page(fig)


def test_class_gallery_names_and_captions():
    classes = np.array([0, 0, 1])
    fig = plotting.class_gallery(crops(3), classes, per_class=3, class_names=["slow", "fast"],
                                 captions=["x", "y", "z"])
    panels = image_axes(fig)
    assert sorted(ax.get_title() for ax in panels) == ["x", "y", "z"]
    assert panels[0].get_ylabel().startswith("slow") and panels[2].get_ylabel().startswith("fast")


def test_class_gallery_is_reproducible_for_a_seed():
    classes = np.repeat(np.arange(3), 5)
    images = crops(len(classes))
    first = [ax.images[0].get_array().sum() for ax in image_axes(plotting.class_gallery(images, classes, seed=3))]
    again = [ax.images[0].get_array().sum() for ax in image_axes(plotting.class_gallery(images, classes, seed=3))]
    assert first == again


def test_training_history_log_scale_and_legend():
    ax = plotting.training_history([1, 2, 3], [0.3, 0.2, 0.1], [0.25, 0.2, 0.15], best=3)
    assert ax.get_yscale() == "log"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["training", "validation", "kept: epoch 3"]
    assert_fits_page(ax.figure)


def test_training_history_without_validation_draws_one_line():
    ax = plotting.training_history([10, 20], [0.3, 0.2], [np.nan, np.nan], xlabel="crops seen")
    assert len(ax.lines) == 1
    assert ax.get_xlabel() == "crops seen"


def test_elbow_marks_the_knee_it_is_given():
    ks = np.arange(2, 9)
    inertia = 100.0 / ks**2
    knee = find_knee(ks, inertia)
    ax = plotting.elbow(ks, inertia, knee, title="test")
    marker = ax.lines[-1]
    assert marker.get_xdata()[0] == knee.value
    assert ax.get_legend().get_texts()[0].get_text() == f"knee: k = {knee.value}"
    assert plotting.elbow(ks, inertia, int(knee.value)).lines[-1].get_xdata()[0] == knee.value


def test_knee_construction_draws_curve_chord_and_gap():
    ks = np.arange(2, 9)
    ax = plotting.knee_construction(find_knee(ks, 100.0 / ks**2))
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["curve, scaled", "chord", "largest gap"]


def test_permutation_histogram_gives_p_in_the_legend():
    null = np.random.default_rng(0).normal(100, 10, 500)
    ax = plotting.permutation_histogram(null, 70.0, 0.004, xlabel="s", markers={"half a window": 28.0})
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "observed, p = 0.004" in labels and "half a window" in labels
    assert sum(patch.get_height() for patch in ax.patches) == 500


def test_umap_scatter_has_one_legend_entry_per_class_and_no_colour_bar():
    embedding = np.random.default_rng(0).random((30, 2))
    classes = np.repeat([0, 2, 3], 10)
    names = ["zero", "one", "two", "three"]
    ax = plotting.umap_scatter(embedding, classes, names=names)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["zero", "two", "three"]
    assert not colourbars(ax.figure)
    assert_fits_page(ax.figure)


def test_umap_scatter_ordered_classes_take_the_class_colours():
    ax = plotting.umap_scatter(np.zeros((3, 2)), [0, 1, 2], ordered=True)
    colours = [collection.get_facecolor()[0] for collection in ax.collections]
    np.testing.assert_allclose(np.array(colours)[:, :3], plotting.class_colours(3)[:, :3], atol=1e-6)


def test_fractions_beside_stress_two_panels_sharing_time():
    fractions = pd.DataFrame(np.full((4, 3), 1 / 3))
    window_times = np.array([200.0, 260.0, 320.0, 380.0])
    t = np.linspace(200, 1000, 81)
    fig = plotting.fractions_beside_stress(fractions, window_times, t, np.sin(t / 60), [300.0, 700.0],
                                           bursts=[250.0], title="run")
    ax_bars, ax_stress = fig.axes
    assert len(ax_bars.patches) == 12  # four windows x three classes
    legend = [t.get_text() for t in ax_bars.get_legend().get_texts()]
    assert legend == ["true bursts", "class 0", "class 1", "class 2"]
    assert ax_stress.get_ylabel() == "shear stress (Pa)"
    assert ax_bars.get_shared_x_axes().joined(ax_bars, ax_stress)
    assert_fits_page(fig)


def test_fractions_must_match_the_windows():
    with pytest.raises(ValueError, match="fractions must have shape"):
        plotting.fractions_beside_stress(pd.DataFrame(np.ones((3, 1))), [0.0, 1.0], [0.0, 1.0], [1.0, 2.0], [])


# ----------------------------------------------------------------------
# The multi-tau figures draw the package's own lags, and refuse what they cannot draw.


def test_lag_ladder_draws_multi_tau_lags_level_by_level():
    ax = lag_ladder(6, 8, dt=0.01, two_time_frames=600)
    lags, levels = multi_tau_lags(6, 8)
    drawn = [np.asarray(line.get_xdata()) for line in ax.lines]
    assert len(drawn) == 6 + 1  # six levels, then the two-time row
    for level in range(6):
        expected = lags[(levels == level) & (lags > 0)] * 0.01
        np.testing.assert_allclose(drawn[level], expected)
    np.testing.assert_allclose(drawn[-1], np.arange(1, 600) * 0.01)
    assert [t.get_text() for t in ax.get_yticklabels()][-1] == "C2"
    plt.close(ax.figure)


def test_pair_averaging_draws_one_block_per_averaged_frame():
    ax = pair_averaging(4, 16)
    widths = sorted(p.get_width() for p in ax.patches)
    # 16 frames of 1, 8 of 2, 4 of 4, 2 of 8
    assert widths == sorted([1] * 16 + [2] * 8 + [4] * 4 + [8] * 2)
    plt.close(ax.figure)


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="num_bufs"):
        lag_ladder(3, 5)
    with pytest.raises(ValueError, match="n_frames must be a multiple"):
        pair_averaging(4, 10)
    with pytest.raises(ValueError, match="two_time_frames"):
        lag_ladder(3, 4, two_time_frames=1)
    with pytest.raises(ValueError, match="dt"):
        lag_ladder(3, 4, dt=0.0)


# ----------------------------------------------------------------------
# The diagonal-trap figures of chapter 4: what they draw, and clear errors for bad input.


def test_lag_profile_draws_the_profile_and_one_line_per_width():
    profile = np.r_[1.0, 0.3 * np.exp(-np.arange(20) / 5.0)]
    ax = lag_profile(profile, {"from lag 1": 4.5, "from the diagonal": 0.6}, max_lag=10)
    try:
        assert ax.lines[0].get_xdata().tolist() == list(range(11))
        assert [line.get_xdata()[0] for line in ax.lines[2:]] == [4.5, 0.6]
    finally:
        plt.close(ax.figure)


@pytest.mark.parametrize("bad, message", [
    (dict(profile=[1.0], widths={}), "profile"),
    (dict(profile=[1.0, 0.5, np.nan], widths={}), "profile"),
    (dict(profile=[1.0, 0.5, 0.2], widths={}, max_lag=5), "max_lag"),
    (dict(profile=[1.0, 0.5, 0.2], widths=[1.0]), "widths"),
])
def test_lag_profile_refuses_bad_input(bad, message):
    with pytest.raises((ValueError, TypeError), match=message):
        lag_profile(**bad)


def test_width_comparison_draws_one_bar_set_per_method():
    table = pd.DataFrame({"from lag 1": [40.0, 3.0], "from the diagonal": [0.6, 1.2]}, index=["slow", "fast"])
    ax = width_comparison(table)
    try:
        assert len(ax.containers) == 2
        assert [bar.get_width() for bar in ax.containers[1]] == [0.6, 1.2]
    finally:
        plt.close(ax.figure)


@pytest.mark.parametrize("bad", [pd.DataFrame(), [[1.0, 2.0]], pd.DataFrame({"a": [-1.0]})])
def test_width_comparison_refuses_bad_input(bad):
    with pytest.raises((ValueError, TypeError), match="table"):
        width_comparison(bad)
