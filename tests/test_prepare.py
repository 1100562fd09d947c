"""prepare_crops: any map or stack to scaled crops with their table; read_maps: maps from files."""

from __future__ import annotations

import numpy as np
import pytest

from xpcs_nb.aps import diagonal_from_neighbours, write_aps_result
from xpcs_nb.dataset import crop_rng, cut_crops, random_crop_offsets
from xpcs_nb.io import read_maps
from xpcs_nb.prepare import LIBRARY_FRAME_TIME, bin_frames_of, bin_map, prepare_crops


def exponential_map(n_frames: int, width: float, diagonal_lift: float = 0.05) -> np.ndarray:
    lag = np.abs(np.subtract.outer(np.arange(n_frames), np.arange(n_frames)))
    return 1 + 0.2 * np.exp(-lag / width) + diagonal_lift * (lag == 0)


def test_one_map_gives_the_crops_the_training_set_would_cut():
    c2 = exponential_map(80, 5.0)
    crops, table = prepare_crops(c2, crop_size=32, crops_per_map=3, seed=7)
    offsets = random_crop_offsets(80, 32, 3, crop_rng(7, 0))
    expected, low, high = cut_crops(c2, offsets, crop_size=32)
    np.testing.assert_array_equal(crops, expected)
    assert crops.dtype == np.float32 and crops.shape == (3, 32, 32)
    assert table["crop_offset"].tolist() == offsets.tolist()
    np.testing.assert_array_equal(table["raw_min"], low)
    np.testing.assert_array_equal(table["raw_max"], high)
    assert table["roi"].tolist() == [1, 1, 1] and table["map_index"].tolist() == [0, 0, 0]
    assert not table["diagonal_filled"].any() and table["frame_time"].isna().all()


def test_a_stack_numbers_rois_from_one_and_seeds_each_map_on_its_own():
    stack = np.stack([exponential_map(60, w) for w in (2.0, 8.0, 30.0)])
    crops, table = prepare_crops(stack, crop_size=16, crops_per_map=2, seed=0)
    assert crops.shape == (6, 16, 16)
    assert table["roi"].tolist() == [1, 1, 2, 2, 3, 3]
    alone, alone_table = prepare_crops(stack[2], crop_size=16, crops_per_map=2, seed=0)
    # map 2 of the stack is map 0 when alone: offsets from (seed, map number), as in the training set
    assert table["crop_offset"].tolist()[4:] == random_crop_offsets(60, 16, 2, crop_rng(0, 2)).tolist()
    assert alone_table["crop_offset"].tolist() == random_crop_offsets(60, 16, 2, crop_rng(0, 0)).tolist()
    assert float(crops.min()) == 0.0 and float(crops.max()) == 1.0


def test_a_nan_diagonal_is_filled_from_its_neighbours():
    c2 = exponential_map(40, 4.0)
    removed = c2.copy()
    np.fill_diagonal(removed, np.nan)
    crops, table = prepare_crops(removed, crop_size=40)
    expected, _, _ = cut_crops(diagonal_from_neighbours(removed), [0], crop_size=40)
    np.testing.assert_array_equal(crops, expected)
    assert table["diagonal_filled"].tolist() == [True]
    forced, forced_table = prepare_crops(c2, crop_size=40, fill_diagonal=True)
    np.testing.assert_allclose(forced, expected, atol=1e-6)
    assert forced_table["diagonal_filled"].tolist() == [True]


def test_nan_off_the_diagonal_is_refused_by_name():
    c2 = exponential_map(40, 4.0)
    c2[3, 9] = np.nan
    with pytest.raises(ValueError, match=r"c2\[0\] must be finite off its diagonal"):
        prepare_crops(c2, crop_size=32)


def test_binning_averages_blocks_and_records_the_frame_time():
    c2 = exponential_map(90, 6.0)
    crops, table = prepare_crops(c2, crop_size=30, frame_time=0.0333, target_frame_time=LIBRARY_FRAME_TIME)
    assert table["bin_frames"].tolist() == [3] and table["c2_frames"].tolist() == [30]
    assert table["frame_time"].iloc[0] == pytest.approx(3 * 0.0333)
    expected, _, _ = cut_crops(bin_map(c2, 3), [0], crop_size=30)
    np.testing.assert_array_equal(crops, expected)
    # a diagonal block: b diagonal and b(b-1) off-diagonal values, so the lift falls as 1/b
    lifted = bin_map(exponential_map(6, 1e9, diagonal_lift=0.3), 3)
    np.testing.assert_allclose(np.diagonal(lifted) - lifted[0, 1], 0.3 / 3)


@pytest.mark.parametrize("arguments, message", [
    (dict(target_frame_time=0.1), "target_frame_time needs frame_time"),
    (dict(frame_time=0.1, target_frame_time=0.05), "target_frame_time must be >= 0.1"),
    (dict(frame_time=0.04, target_frame_time=0.1), "whole number of frames"),
    (dict(crop_size=64), "fewer than crop_size=64"),
    (dict(crops_per_map=0), "crops_per_map must be >= 1, got 0"),
])
def test_bad_arguments_are_named(arguments, message):
    with pytest.raises(ValueError, match=message):
        prepare_crops(exponential_map(40, 3.0), **{"crop_size": 32, **arguments})


def test_binning_too_far_leaves_a_map_shorter_than_a_crop():
    with pytest.raises(ValueError, match="fewer than crop_size=32"):
        prepare_crops(exponential_map(40, 3.0), crop_size=32, frame_time=0.1, target_frame_time=0.2)


def test_bin_frames_of_rounds_within_the_tolerance_only():
    assert bin_frames_of(0.1, 0.1) == 1
    assert bin_frames_of(0.01, 0.101) == 10
    with pytest.raises(ValueError, match="whole number"):
        bin_frames_of(0.01, 0.115)


def test_read_maps_takes_npy_and_aps_files(tmp_path):
    maps = np.stack([exponential_map(20, w) for w in (2.0, 5.0)])
    np.save(tmp_path / "stack.npy", maps)
    write_aps_result(tmp_path / "run.h5", list(maps))
    from_npy, rois_npy = read_maps(tmp_path / "stack.npy")
    from_aps, rois_aps = read_maps(tmp_path / "run.h5")
    np.testing.assert_array_equal(from_npy, maps)
    np.testing.assert_allclose(from_aps, maps)
    assert rois_npy == rois_aps == [1, 2]


def test_read_maps_refuses_pickles_and_unknown_files(tmp_path):
    np.save(tmp_path / "objects.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(ValueError, match="allow_pickle"):
        read_maps(tmp_path / "objects.npy")
    (tmp_path / "notes.txt").write_text("c2")
    with pytest.raises(ValueError, match="must end in .npy"):
        read_maps(tmp_path / "notes.txt")
    with pytest.raises(FileNotFoundError, match="no such file"):
        read_maps(tmp_path / "missing.npy")
