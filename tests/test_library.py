"""The synthetic C2 library: what it holds, that it is reproducible, and its cache."""

from __future__ import annotations

import numpy as np
import pytest

from xpcs_nb import dataset, scenarios
from xpcs_nb.library import LibraryMaps, LibrarySpec, build_library, library_store
from xpcs_nb.presets import get_preset

TINY = LibrarySpec(n_per_class=1, n_frames=300, crop_size=256, method="analytic", seed=3)


def test_truth_without_the_map_equals_the_truth_with_it():
    maps = LibraryMaps(TINY)
    for index in (0, 4):
        c2, truth = scenarios.scenario_c2(**maps._arguments(index))
        assert maps.truth(index) == truth
        np.testing.assert_array_equal(maps[index], c2)


def test_every_label_appears_n_per_class_times():
    maps = LibraryMaps(LibrarySpec(n_per_class=3, n_frames=256, method="analytic", seed=1))
    assert sorted(np.bincount(maps.labels)) == [3] * len(scenarios.CLASS_NAMES)


def test_store_holds_diagonal_crops_of_the_maps_with_their_truth(tmp_path):
    metadata = build_library(TINY, tmp_path / "lib.h5")
    crops, stored = dataset.load_crop_store(tmp_path / "lib.h5")
    maps = LibraryMaps(TINY)
    assert crops.shape == (TINY.n_c2 * TINY.crops_per_c2, 256, 256)
    for row in (0, 5):
        index, offset = int(stored.c2_index[row]), int(stored.crop_offset[row])
        expected, _, _ = dataset.minmax_scale(maps[index][offset:offset + 256, offset:offset + 256])
        np.testing.assert_allclose(crops[row], expected, atol=1e-6)
        assert stored.label[row] == maps.labels[index]
        assert stored.sector[row] == maps.sectors[index]
    assert list(metadata.label) == list(stored.label)


def test_same_seed_same_store_other_seed_other_store(tmp_path):
    build_library(TINY, tmp_path / "a.h5")
    build_library(TINY, tmp_path / "b.h5")
    other = LibrarySpec(**{**TINY.__dict__, "seed": 4})
    build_library(other, tmp_path / "c.h5")
    a, _ = dataset.load_crop_store(tmp_path / "a.h5", mmap=False)
    b, _ = dataset.load_crop_store(tmp_path / "b.h5", mmap=False)
    c, _ = dataset.load_crop_store(tmp_path / "c.h5", mmap=False)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_library_store_is_cached_by_preset_and_seed(tmp_path, monkeypatch):
    monkeypatch.setenv("XPCS_DATA_DIR", str(tmp_path))
    small = get_preset("fast").with_(library_per_class=1, c2_frames=256, library_method="analytic")
    path = library_store(small, seed=0, verbose=False)
    assert path.parent == tmp_path / "generated" / "fast"
    stamp = path.stat().st_mtime_ns
    assert library_store(small, seed=0, verbose=False) == path
    assert path.stat().st_mtime_ns == stamp  # not rebuilt
    assert library_store(small, seed=1, verbose=False) != path


@pytest.mark.parametrize("field, value", [("n_per_class", 0), ("n_frames", 100), ("method", "guess"),
                                          ("crop_size", -1)])
def test_bad_spec_names_the_field(field, value):
    arguments = {**TINY.__dict__, field: value}
    with pytest.raises(ValueError, match=field):
        LibrarySpec(**arguments)
