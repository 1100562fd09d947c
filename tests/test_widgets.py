"""The neighbour explorer: built on tiny data, driven from code, no browser."""

import base64
import re

import numpy as np
import pytest

from xpcs_nb import widgets

pytest.importorskip("ipywidgets")


@pytest.fixture
def tiny():
    """Twelve 16x16 crops in three well separated groups of latents."""
    rng = np.random.default_rng(0)
    labels = np.repeat([0, 1, 2], 4)
    latents = labels[:, None] * 10.0 + rng.normal(size=(12, 3))
    embedding = rng.normal(size=(12, 2)) + labels[:, None] * 5.0
    crops = rng.random((12, 16, 16)).astype(np.float32)
    return crops, latents, embedding, labels


def png_of(output):
    (item,) = output.outputs
    assert item["output_type"] == "display_data"
    data = base64.b64decode(item["data"]["image/png"])
    assert data.startswith(b"\x89PNG")
    return data


def test_the_explorer_shows_the_first_query_and_follows_the_selection(tiny):
    crops, latents, embedding, labels = tiny
    box = widgets.neighbour_explorer(crops, latents, embedding, labels, k=3, label_names=["a", "b", "c"])
    selector, table, output = box.children

    assert selector.value == 0
    first_png, first_table = png_of(output), table.value
    assert "query #0" in first_table and "100% of its 3 neighbours" in first_table

    selector.value = 9  # a crop of the third group
    assert png_of(output) != first_png
    assert "query #9" in table.value and "2: c" in table.value
    expected, _ = widgets.neighbours_of(latents, 9, 3)
    for index in expected:
        assert f"<td>{index}</td>" in table.value
    assert 9 not in expected and set(expected) <= {8, 10, 11}


def test_neighbours_leave_the_query_out_and_match_brute_force(tiny):
    _, latents, _, _ = tiny
    indices, distances = widgets.neighbours_of(latents, 4, 5)
    brute = np.linalg.norm(latents - latents[4], axis=1)
    order = [i for i in np.argsort(brute, kind="stable") if i != 4][:5]
    np.testing.assert_array_equal(indices, order)
    np.testing.assert_allclose(distances, brute[order])


def test_the_static_figure_has_the_map_and_one_image_per_crop(tiny):
    crops, latents, embedding, labels = tiny
    indices, distances = widgets.neighbours_of(latents, 2, 4)
    fig = widgets.neighbour_figure(crops, embedding, labels, 2, indices, distances)
    assert len(fig.axes) == 1 + 1 + 4  # the UMAP plane, the query, four neighbours


def test_bad_input_is_refused(tiny):
    crops, latents, embedding, labels = tiny
    with pytest.raises(ValueError, match=r"embedding must have shape \(12, 2\), got an array of shape \(5, 2\)"):
        widgets.neighbour_explorer(crops, latents, embedding[:5], labels)
    with pytest.raises(ValueError, match=r"k must be >= 1 and <= 11 \(the query itself is left out\), got 12"):
        widgets.neighbour_explorer(crops, latents, embedding, labels, k=12)
    with pytest.raises(ValueError, match="labels must hold integers"):
        widgets.neighbour_explorer(crops, latents, embedding, labels + 0.5)
    with pytest.raises(ValueError, match="labels must have shape"):
        widgets.neighbour_explorer(crops, latents, embedding, labels[:11])
    with pytest.raises(ValueError, match="label_names must name every label 0 .. 2"):
        widgets.neighbour_explorer(crops, latents, embedding, labels, label_names=["a", "b"])


def test_given_queries_every_answer_is_drawn_now_and_switched_in_the_browser(tiny):
    """A static page has no kernel: each offered query's table and figure must be in the box."""
    crops, latents, embedding, labels = tiny
    box = widgets.neighbour_explorer(crops, latents, embedding, labels, k=3, queries=[9, 0, 5], start=0)
    selector, pages = box.children
    assert [value for _, value in selector.options] == [9, 0, 5]
    assert selector.value == 0 and pages.selected_index == selector.index == 1
    assert len(pages.children) == 3
    for query, page in zip([9, 0, 5], pages.children):
        table, output = page.children
        assert f"query #{query}" in table.value
        expected, _ = widgets.neighbours_of(latents, query, 3)
        rows = [int(cell) for cell in re.findall(r"<tr><td>\d+</td><td>(\d+)</td>", table.value)]
        assert rows == expected.tolist()
    assert len({png_of(page.children[1]) for page in pages.children}) == 3
    # the link lives in the browser: the dropdown's index drives the stack's page
    assert box.link.source == (selector, "index") and box.link.target == (pages, "selected_index")


def test_bad_queries_are_refused(tiny):
    crops, latents, embedding, labels = tiny
    with pytest.raises(ValueError, match=r"start must be one of queries \[1, 2\], got 0"):
        widgets.neighbour_explorer(crops, latents, embedding, labels, queries=[1, 2])
    with pytest.raises(ValueError, match=r"queries must be distinct rows 0 .. 11, at least one, got \[1, 1\]"):
        widgets.neighbour_explorer(crops, latents, embedding, labels, queries=[1, 1], start=1)
    with pytest.raises(ValueError, match=r"queries must have values >= 0 and <= 11, got values in \[0, 12\]"):
        widgets.neighbour_explorer(crops, latents, embedding, labels, queries=[0, 12])


def test_figures_can_be_stored_as_jpeg(tiny):
    crops, latents, embedding, labels = tiny
    box = widgets.neighbour_explorer(crops, latents, embedding, labels, k=3, queries=[0], image_format="jpeg")
    (item,) = box.children[1].children[0].children[1].outputs
    assert base64.b64decode(item["data"]["image/jpeg"]).startswith(b"\xff\xd8")
    with pytest.raises(ValueError, match="image_format"):
        widgets.neighbour_explorer(crops, latents, embedding, labels, image_format="gif")
