"""Tests of xpcs_nb.dataset: crops, scaling, the HDF5 store, the split, augmentation."""

from __future__ import annotations

import dataclasses
import pickle

import h5py
import numpy as np
import pandas as pd
import pytest
import scipy.ndimage
import torch
from torch.utils.data import DataLoader

from xpcs_nb import dataset
from xpcs_nb.dataset import (
    AugmentedCropDataset,
    build_crop_store,
    iter_crops,
    load_crop_store,
    load_source_c2,
    minmax_scale,
    shift_table,
    split_by_experiment,
    wrap_shift,
)

S = 256


def c2_like(n_frames: int, seed: int) -> np.ndarray:
    """A symmetric C2-like map: the Gram matrix of random frames (n_frames, n_frames)."""
    frames = np.random.default_rng(seed).random((n_frames, 32))
    return frames @ frames.T / 32


@pytest.fixture
def maps() -> list[np.ndarray]:
    return [c2_like(n_frames, seed) for seed, n_frames in enumerate([300, 320, 300, 400])]


@pytest.fixture
def truths() -> list[dict]:
    return [
        {"experiment_id": f"E{i // 2}", "label": ["aging", "shear"][i % 2], "rate": 0.5 * i,
         "sector": i + 1, "jammed": bool(i % 2), "rates": [1.0, 2.0 + i, 3.0]}
        for i in range(4)
    ]


@pytest.fixture
def store(tmp_path, maps, truths):
    path = tmp_path / "store.h5"
    metadata = build_crop_store(maps, truths, path, seed=7, keep_source=True)
    return path, metadata


def scaled_by_hand(block: np.ndarray) -> np.ndarray:
    block = block.astype(np.float64)
    return ((block - block.min()) / (block.max() - block.min())).astype(np.float32)


# ------------------------------------------------------------------------- crops


def test_crops_are_scaled_diagonal_blocks_of_the_map(maps):
    for c2, crops, table in iter_crops(maps, seed=3, crops_per_c2=3):
        assert crops.shape == (3, S, S) and crops.dtype == np.float32
        for crop, offset, low, high in zip(
            crops, table["crop_offset"], table["raw_min"], table["raw_max"]
        ):
            assert 0 <= offset <= len(c2) - S
            block = c2[offset : offset + S, offset : offset + S]
            np.testing.assert_array_equal(crop, scaled_by_hand(block))
            assert (low, high) == (block.min(), block.max())
            np.testing.assert_array_equal(crop, crop.T)


def test_offsets_are_distinct_and_follow_the_seed(maps):
    def offsets(seed):
        return [tuple(t["crop_offset"]) for _, _, t in iter_crops(maps, seed=seed)]

    assert offsets(1) == offsets(1)
    assert offsets(1) != offsets(2)
    assert all(len(set(pair)) == 2 for pair in offsets(1))


def test_minmax_scale_reaches_0_and_1_exactly():
    rng = np.random.default_rng(0)
    images = np.stack([rng.normal(loc, scale, (S, S))
                       for loc, scale in [(0, 1), (1e6, 1e-3), (-5, 30)]])
    scaled, low, high = minmax_scale(images)
    for image, out, lo, hi in zip(images, scaled, low, high):
        assert out.min() == 0.0 and out.max() == 1.0
        assert out[np.unravel_index(image.argmin(), image.shape)] == 0.0
        assert out[np.unravel_index(image.argmax(), image.shape)] == 1.0
        assert (lo, hi) == (image.min(), image.max())
        np.testing.assert_allclose(lo + out * (hi - lo), image, rtol=1e-6, atol=1e-6 * abs(hi))


def test_constant_image_becomes_zeros():
    scaled, low, high = minmax_scale(np.full((2, 8, 8), 1.25))
    assert np.all(scaled == 0) and np.all(low == high)


def test_constant_crops_are_counted_in_a_warning(tmp_path, maps):
    with pytest.warns(UserWarning, match="2 of 4 crops were constant"):
        metadata = build_crop_store([maps[0], np.ones((300, 300))], None, tmp_path / "c.h5",
                                    seed=0, experiment_key=None)
    crops, _ = load_crop_store(tmp_path / "c.h5")
    constant = (metadata["raw_min"] == metadata["raw_max"]).to_numpy()
    assert constant.tolist() == [False, False, True, True]
    assert np.all(crops[2:] == 0)


@pytest.mark.parametrize(
    "bad, message",
    [
        (np.ones((300, 299)), "square"),
        (np.ones((3, 300, 300)), "square"),
        (np.ones((200, 200)), "fewer than crop_size"),
        (np.where(np.eye(300) > 0, np.nan, 1.0), "NaN"),
        (np.full((300, 300), "a"), "real numbers"),
    ],
)
def test_bad_maps_are_rejected_by_name(tmp_path, maps, bad, message):
    with pytest.raises(ValueError, match=message) as error:
        build_crop_store([maps[0], bad], None, tmp_path / "s.h5", seed=0, experiment_key=None)
    assert "c2_list[1]" in str(error.value)
    assert not list(tmp_path.iterdir())


# ------------------------------------------------------------------------- store


def test_store_round_trip_is_exact(store, maps, truths):
    path, metadata = store
    crops, loaded = load_crop_store(path)
    expected = np.concatenate([c for _, c, _ in iter_crops(maps, seed=7)])
    np.testing.assert_array_equal(crops[:], expected)
    np.testing.assert_array_equal(load_crop_store(path, mmap=False)[0], expected)
    pd.testing.assert_frame_equal(loaded, metadata)
    assert loaded.attrs["seed"] == 7 and loaded.attrs["crop_size"] == S
    for row in loaded.itertuples():
        truth = truths[row.c2_index]
        assert (row.experiment_id, row.label, row.rate, row.sector, row.jammed) == (
            truth["experiment_id"], truth["label"], truth["rate"], truth["sector"],
            truth["jammed"])
        np.testing.assert_array_equal(row.rates, truth["rates"])
    for c2, source in zip(maps, load_source_c2(path)):
        np.testing.assert_array_equal(source, c2.astype(np.float32))


def test_store_takes_structured_arrays_and_dataclasses(tmp_path, maps):
    @dataclasses.dataclass
    class Truth:
        run: int
        q: float

    records = np.array([(i // 2, 0.1 * i) for i in range(4)], dtype=[("run", int), ("q", float)])
    from_array = build_crop_store(maps, records, tmp_path / "a.h5", seed=1, experiment_key="run")
    from_dataclasses = build_crop_store([*maps], [Truth(int(r), q) for r, q in records],
                                        tmp_path / "b.h5", seed=1, experiment_key="run")
    pd.testing.assert_frame_equal(from_array, from_dataclasses)
    assert from_array["experiment_id"].tolist() == [0, 0, 0, 0, 1, 1, 1, 1]
    pd.testing.assert_frame_equal(load_crop_store(tmp_path / "a.h5")[1], from_array)


def test_same_seed_same_store(tmp_path, maps, truths):
    build_crop_store(maps, truths, tmp_path / "a.h5", seed=5)
    build_crop_store(maps, truths, tmp_path / "b.h5", seed=5)
    (a, meta_a), (b, meta_b) = (load_crop_store(tmp_path / name) for name in ("a.h5", "b.h5"))
    np.testing.assert_array_equal(a[:], b[:])
    pd.testing.assert_frame_equal(meta_a, meta_b)


def test_interrupted_write_leaves_no_file(tmp_path, maps, truths, monkeypatch):
    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(dataset.store, "write_table", interrupt)
    with pytest.raises(KeyboardInterrupt):
        build_crop_store(maps, truths, tmp_path / "store.h5", seed=0)
    assert not list(tmp_path.iterdir())


def test_failed_rewrite_keeps_the_old_file(store, maps, truths):
    path, metadata = store
    with pytest.raises(ValueError, match="NaN"):
        build_crop_store([maps[0], np.full((300, 300), np.nan)], truths[:2], path, seed=0)
    pd.testing.assert_frame_equal(load_crop_store(path)[1], metadata)
    assert [p.name for p in path.parent.iterdir()] == [path.name]


def test_bad_truths_raise_clear_errors(tmp_path, maps, truths):
    path = tmp_path / "s.h5"
    with pytest.raises(ValueError, match="one record per C2 map"):
        build_crop_store(maps, truths[:3], path, seed=0)
    with pytest.raises(KeyError, match="'run' is not a truth field"):
        build_crop_store(maps, truths, path, seed=0, experiment_key="run")
    with pytest.raises(ValueError, match="clash"):
        build_crop_store(maps, [{**t, "crop_offset": 1} for t in truths], path, seed=0)
    with pytest.raises(ValueError, match="'mixed'"):
        build_crop_store(maps, [{**t, "mixed": [1, "a"][i % 2]} for i, t in enumerate(truths)],
                         path, seed=0)
    with pytest.raises(ValueError, match="crops_per_c2"):
        build_crop_store(maps, truths, path, seed=0, crops_per_c2=0)
    assert not path.exists()


def test_loading_a_file_that_is_not_a_store_lists_its_contents(tmp_path):
    path = tmp_path / "other.h5"
    with h5py.File(path, "w") as f:
        f["images/stack"] = np.zeros((2, 4, 4))
    with pytest.raises(KeyError, match=r"missing \['crops', 'metadata'\].*/images/stack"):
        load_crop_store(path)


def test_mapped_crops_pickle_without_their_data(store):
    crops, _ = load_crop_store(store[0])
    crops[0]  # open the map before pickling
    payload = pickle.dumps(crops)
    assert len(payload) < 1000
    np.testing.assert_array_equal(pickle.loads(payload)[:], crops[:])


# ------------------------------------------------------------------------- split


def many_experiments(n_experiments: int, rng) -> pd.DataFrame:
    sizes = rng.integers(1, 5, n_experiments) * 2  # 1..4 maps of two crops each
    return pd.DataFrame({"experiment_id": np.repeat([f"E{i:03d}" for i in range(n_experiments)],
                                                    sizes)})


def test_split_keeps_experiments_whole_and_follows_fractions():
    metadata = many_experiments(200, np.random.default_rng(0))
    split = split_by_experiment(metadata, (0.7, 0.2, 0.1), seed=3)
    rows = np.concatenate(list(split.values()))
    assert sorted(rows) == list(range(len(metadata)))
    experiments = [set(metadata["experiment_id"].iloc[r]) for r in split.values()]
    assert not (experiments[0] & experiments[1] or experiments[0] & experiments[2]
                or experiments[1] & experiments[2])
    for share, name in zip((0.7, 0.2, 0.1), dataset.SPLIT_NAMES):
        assert abs(len(split[name]) / len(metadata) - share) < 0.02


def test_split_depends_on_the_seed_only():
    metadata = many_experiments(50, np.random.default_rng(1))
    a, b = (split_by_experiment(metadata, seed=4) for _ in range(2))
    assert all(np.array_equal(a[k], b[k]) for k in a)
    c = split_by_experiment(metadata, seed=5)
    assert not np.array_equal(a["test"], c["test"])


def test_split_with_a_zero_fraction_and_bad_fractions():
    metadata = many_experiments(20, np.random.default_rng(2))
    assert len(split_by_experiment(metadata, (0.5, 0.5, 0.0), seed=0)["test"]) == 0
    for bad in [(0.8, 0.1), (0.8, 0.3, -0.1), (0.5, 0.2, 0.2)]:
        with pytest.raises(ValueError, match="fractions"):
            split_by_experiment(metadata, bad, seed=0)
    with pytest.raises(KeyError, match="'run'"):
        split_by_experiment(metadata, seed=0, group_column="run")
    with pytest.warns(UserWarning, match="too few"):
        split_by_experiment(metadata.iloc[:2], seed=0)


# ------------------------------------------------------------------ augmentation


def test_wrap_shift_equals_scipy_grid_wrap():
    crop = np.random.default_rng(0).random((S, S))
    for shift in [1, 17, 128, 255]:
        rolled = wrap_shift(crop, shift)
        for order in (0, 1):
            shifted = scipy.ndimage.shift(crop, (shift, shift), order=order, mode="grid-wrap")
            np.testing.assert_array_equal(rolled, shifted)
        np.testing.assert_allclose(
            rolled, scipy.ndimage.shift(crop, (shift, shift), mode="grid-wrap"), atol=1e-12)


def test_scipy_wrap_mode_of_the_upstream_code_is_not_a_roll():
    """What wrap_shift's docstring says about scipy's mode="wrap": period S-1, not S."""
    crop = np.random.default_rng(1).random((S, S))
    for shift in [1, 100, 254]:
        upstream = scipy.ndimage.shift(crop, (shift, shift), order=0, mode="wrap")
        index = (np.arange(S) - shift) % (S - 1)
        np.testing.assert_array_equal(upstream, crop[np.ix_(index, index)])
        assert not np.array_equal(upstream, wrap_shift(crop, shift))


def test_shift_table():
    shifts = shift_table(50, 100, S, seed=0)
    assert shifts.shape == (50, 100) and np.all(shifts[:, 0] == 0)
    assert all(len(set(row[1:])) == 99 and row[1:].min() >= 1 and row[1:].max() < S
               for row in shifts)
    np.testing.assert_array_equal(shifts, shift_table(50, 100, S, seed=0))
    assert not np.array_equal(shifts, shift_table(50, 100, S, seed=1))
    with pytest.raises(ValueError, match="factor"):
        shift_table(5, S + 1, S, seed=0)


def test_augmented_items_are_shifted_valid_c2_crops(store):
    crops, metadata = load_crop_store(store[0])
    data = AugmentedCropDataset(crops, seed=11, factor=10, return_info=True)
    assert len(data) == 10 * len(crops)
    for item in [0, 1, 9, 10, 37, len(data) - 1]:
        image, info = data[item]
        assert image.dtype == torch.float32 and image.shape == (1, S, S)
        assert info["crop"] == item // 10
        crop, shifted, s = crops[info["crop"]], image[0].numpy(), info["shift"]
        assert (s == 0) == (item % 10 == 0)
        np.testing.assert_array_equal(shifted, shifted.T)
        np.testing.assert_array_equal(np.diag(shifted), np.roll(np.diag(crop), s))
        # the frames the shift keeps in one piece: the crop's upper-left block, moved
        np.testing.assert_array_equal(shifted[s:, s:], crop[: S - s, : S - s])
        assert shifted.min() == 0 and shifted.max() == 1


def test_augmentation_is_deterministic_under_a_seed(store):
    crops, _ = load_crop_store(store[0])
    subset = [5, 2, 7]
    a = AugmentedCropDataset(crops, subset, seed=1, factor=4)
    b = AugmentedCropDataset(crops, subset, seed=1, factor=4)
    c = AugmentedCropDataset(crops, subset, seed=2, factor=4)
    assert len(a) == 12
    for item in reversed(range(len(a))):
        assert torch.equal(a[item], b[item])
    assert any(not torch.equal(a[i], c[i]) for i in range(len(a)))
    # a crop gets the same shifts whichever subset it sits in
    whole = AugmentedCropDataset(crops, seed=1, factor=4)
    assert all(torch.equal(a[j], whole[2 * 4 + j - 4]) for j in range(4, 8))
    with pytest.raises(IndexError):
        a[len(a)]


def test_diagonal_mode_cuts_a_fresh_crop_from_the_map(store):
    path, _ = store
    crops, metadata = load_crop_store(path)
    sources = load_source_c2(path)
    data = AugmentedCropDataset(crops, seed=0, factor=5, mode="diagonal",
                                source_c2=sources, metadata=metadata, return_info=True)
    for item in range(0, len(data), 3):
        image, info = data[item]
        row = metadata.iloc[info["crop"]]
        c2 = np.asarray(sources[row.c2_index])
        offset = (row.crop_offset - info["shift"]) % (len(c2) - S + 1)
        expected = crops[info["crop"]] if info["shift"] == 0 else scaled_by_hand(
            c2[offset : offset + S, offset : offset + S])
        np.testing.assert_array_equal(image[0].numpy(), expected)
    with pytest.raises(ValueError, match="source_c2"):
        AugmentedCropDataset(crops, seed=0, mode="diagonal")
    with pytest.raises(ValueError, match="mode"):
        AugmentedCropDataset(crops, seed=0, mode="reflect")


def test_bad_dataset_arguments(store):
    crops, _ = load_crop_store(store[0])
    with pytest.raises(ValueError, match="indices"):
        AugmentedCropDataset(crops, [0, len(crops)], seed=0)
    with pytest.raises(ValueError, match=r"\(N, S, S\)"):
        AugmentedCropDataset(np.zeros((4, 8, 9)), seed=0)
    with pytest.raises(ValueError, match="factor"):
        AugmentedCropDataset(crops, seed=0, factor=0)


def test_dataloader_workers_read_the_mapped_crops(store):
    crops, _ = load_crop_store(store[0])
    data = AugmentedCropDataset(crops, seed=3, factor=4)
    batches = list(DataLoader(data, batch_size=8, num_workers=2))
    np.testing.assert_array_equal(torch.cat(batches).numpy(),
                                  torch.stack([data[i] for i in range(len(data))]).numpy())


# ------------------------------------------------------- a store rebuilt under a map


@pytest.fixture
def rebuilt(store, maps, truths):
    """A store loaded memory-mapped, then rebuilt under the same name with other crops."""
    path, _ = store
    crops, metadata = load_crop_store(path)
    first_crop = np.array(load_crop_store(path, mmap=False)[0][0])
    build_crop_store(maps[::-1], truths[::-1], path, seed=8, keep_source=True)
    assert not np.array_equal(load_crop_store(path, mmap=False)[0][0], first_crop)
    return crops, metadata, first_crop


def test_a_map_first_read_after_a_rebuild_refuses_the_new_file(rebuilt):
    crops, metadata, _ = rebuilt
    assert crops._array is None  # mapped lazily: the file was not opened before the rebuild
    with pytest.raises(dataset.StoreRebuiltError, match="rebuilt.*load_crop_store"):
        crops[0]
    with pytest.raises(dataset.StoreRebuiltError):
        np.asarray(crops)


def test_a_pickled_map_refuses_the_rebuilt_file(store, maps, truths):
    path, _ = store
    crops, _ = load_crop_store(path)
    before = np.array(crops[0])  # opened now: this process keeps the old file's bytes
    build_crop_store(maps[::-1], truths[::-1], path, seed=8)
    np.testing.assert_array_equal(crops[0], before)
    with pytest.raises(dataset.StoreRebuiltError, match="rebuilt"):
        pickle.loads(pickle.dumps(crops))[0]


def test_dataloader_workers_refuse_a_rebuilt_store(rebuilt):
    crops, metadata, _ = rebuilt
    data = AugmentedCropDataset(crops, seed=3, factor=2)
    with pytest.raises(dataset.StoreRebuiltError, match="rebuilt"):
        list(DataLoader(data, batch_size=4, num_workers=1))


def test_source_maps_refuse_a_rebuilt_store(store, maps, truths):
    path, _ = store
    sources = load_source_c2(path)
    build_crop_store(maps[::-1], truths[::-1], path, seed=8, keep_source=True)
    with pytest.raises(dataset.StoreRebuiltError):
        sources[0][0]


def test_every_build_gets_its_own_content_id(tmp_path, maps, truths):
    ids = set()
    for _ in range(2):
        build_crop_store(maps, truths, tmp_path / "s.h5", seed=0)
        ids.add(load_crop_store(tmp_path / "s.h5")[1].attrs["content_id"])
    assert len(ids) == 2 and all(len(i) == 32 for i in ids)


def test_a_store_without_content_id_still_maps(store):
    path, _ = store
    with h5py.File(path, "a") as f:
        del f.attrs["content_id"]
    crops, _ = load_crop_store(path)
    np.testing.assert_array_equal(crops[1], load_crop_store(path, mmap=False)[0][1])
