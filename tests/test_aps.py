"""Tests of xpcs_nb.aps: APS 8-ID-I result files, both layouts; their maps cut into crops by prepare_crops."""

from __future__ import annotations

import h5py
import numpy as np
import pandas as pd
import pytest

from xpcs_nb import aps, prepare_crops
from xpcs_nb.dataset import build_crop_store, iter_crops, load_crop_store
from xpcs_nb.io import read_maps

S = 256


def c2_like(n_frames: int, seed: int, dtype=np.float64) -> np.ndarray:
    frames = np.random.default_rng(seed).random((n_frames, 32))
    return (frames @ frames.T / 32).astype(dtype)


@pytest.fixture
def maps() -> list[np.ndarray]:
    return [c2_like(300, seed) for seed in range(4)]


Q = [0.20, 0.20, 0.25, 0.25]  # nm^-1
PHI = [10.0, 30.0, 10.0, 30.0]  # degrees


@pytest.mark.parametrize("layout", ["new", "legacy"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_round_trip_is_exact(tmp_path, layout, dtype):
    maps = [c2_like(300, seed, dtype) for seed in range(4)]
    path = tmp_path / "result.hdf"
    aps.write_aps_result(path, maps, layout=layout, q=Q, phi=PHI)
    assert aps.list_rois(path) == [1, 2, 3, 4]
    for roi, c2 in enumerate(maps, start=1):
        np.testing.assert_array_equal(aps.read_c2(path, roi), c2)
    table = aps.read_roi_table(path)
    assert table["roi"].tolist() == [1, 2, 3, 4]
    np.testing.assert_allclose(table["q"], Q, rtol=1e-12)
    np.testing.assert_array_equal(table["phi"], PHI)


@pytest.mark.parametrize("layout, name", [("new", "xpcs/twotime/correlation_map/c2_00003"),
                                          ("legacy", "exchange/C2T_all/g2_00003")])
def test_file_holds_the_upper_half_under_1_based_padded_names(tmp_path, maps, layout, name):
    path = tmp_path / "result.hdf"
    aps.write_aps_result(path, maps, layout=layout)
    with h5py.File(path, "r") as f:
        stored = f[name][()]
    below = np.tril_indices(300, k=-1)
    assert np.all(stored[below] == 0)
    np.testing.assert_array_equal(stored[np.triu_indices(300)], maps[2][np.triu_indices(300)])


def test_full_maps_in_a_file_read_right_too(tmp_path, maps):
    path = tmp_path / "full.hdf"
    with h5py.File(path, "w") as f:
        f["xpcs/twotime/correlation_map/c2_00001"] = maps[0]
    np.testing.assert_array_equal(aps.read_c2(path, 1), maps[0])


def test_bins_and_q_map_of_a_hand_written_new_file(tmp_path, maps):
    """Map NNNNN -> processed_bins -> dynamic_index_mapping -> (q, phi) grid, by hand."""
    path = tmp_path / "hand.hdf"
    q_list_per_angstrom = np.array([0.002, 0.003, 0.004])
    phi_list = np.array([-10.0, 10.0])
    with h5py.File(path, "w") as f:
        for roi in (1, 2):
            f[f"xpcs/twotime/correlation_map/c2_{roi:05d}"] = np.triu(maps[roi])
        f["xpcs/twotime/processed_bins"] = [2, 5]  # bins 2 and 5 of the mapping below
        f["xpcs/qmap/dynamic_index_mapping"] = [0, 1, 2, 3, 5]  # flat = q_index * 2 + phi_index
        f["xpcs/qmap/dynamic_v_list_dim0"] = q_list_per_angstrom
        f["xpcs/qmap/dynamic_v_list_dim1"] = phi_list
        f["xpcs/qmap/map_names"] = [b"q", b"phi"]
        f["xpcs/qmap/map_units"] = [b"1/A", b"degree"]
    table = aps.read_roi_table(path)
    assert table["bin"].tolist() == [2, 5]
    # bin 2 -> flat 1 -> (q 0, phi 1); bin 5 -> flat 5 -> (q 2, phi 1); 1/A -> 1/nm is x10
    np.testing.assert_allclose(table["q"], [0.02, 0.04])
    np.testing.assert_array_equal(table["phi"], [10.0, 10.0])
    np.testing.assert_array_equal(aps.read_c2(path, 2), maps[2])


def test_q_units_and_missing_q_map(tmp_path, maps):
    path = tmp_path / "units.hdf"
    aps.write_aps_result(path, maps[:2], q=[0.1, 0.2], phi=[0.0, 0.0])
    with h5py.File(path, "a") as f:
        del f["xpcs/qmap/map_units"]
        f["xpcs/qmap/map_units"] = [b"1/nm", b"degree"]
    np.testing.assert_allclose(aps.read_roi_table(path)["q"], [0.01, 0.02])  # stored 1/A values
    with h5py.File(path, "a") as f:
        f["xpcs/qmap/map_units"][0] = b"furlong"
    with pytest.raises(ValueError, match="furlong"):
        aps.read_roi_table(path)
    aps.write_aps_result(path, maps[:2], layout="legacy")
    assert aps.read_roi_table(path)[["q", "phi"]].isna().all().all()


def test_missing_maps_error_lists_what_the_file_has(tmp_path, maps):
    path = tmp_path / "raw.hdf"
    with h5py.File(path, "w") as f:
        f["entry/data/data"] = np.zeros((2, 3, 3), dtype=np.uint16)
        f.create_group("xpcs/qmap")
    for read in (aps.read_c2, aps.list_rois, aps.read_roi_table):
        with pytest.raises(KeyError, match=r"no two-time maps.*/entry/data/data uint16"):
            read(path)
    aps.write_aps_result(path, maps[:2])
    with pytest.raises(KeyError, match=r"roi=7.*\[1, 2\]"):
        aps.read_c2(path, 7)


def test_writer_rejects_bad_input(tmp_path, maps):
    path = tmp_path / "w.hdf"
    with pytest.raises(ValueError, match="symmetric"):
        aps.write_aps_result(path, [np.triu(maps[0])])
    with pytest.raises(ValueError, match="square"):
        aps.write_aps_result(path, [np.ones((3, 4))])
    with pytest.raises(ValueError, match="layout"):
        aps.write_aps_result(path, maps, layout="nexus")
    with pytest.raises(ValueError, match="q and phi together"):
        aps.write_aps_result(path, maps, q=Q)
    with pytest.raises(ValueError, match="distinct"):
        aps.write_aps_result(path, maps, q=[0.2] * 4, phi=[10.0] * 4)
    assert not list(tmp_path.iterdir())


def test_diagonal_from_neighbours(maps):
    c2 = maps[0]
    corrected = aps.diagonal_from_neighbours(c2)
    n = len(c2)
    for t in [0, 1, 150, n - 1]:
        neighbours = [c2[t, u] for u in (t - 1, t + 1) if 0 <= u < n]
        assert corrected[t, t] == pytest.approx(np.mean(neighbours))
    off_diagonal = ~np.eye(n, dtype=bool)
    np.testing.assert_array_equal(corrected[off_diagonal], c2[off_diagonal])


@pytest.mark.parametrize("layout", ["new", "legacy"])
def test_read_maps_then_prepare_crops_cuts_like_the_training_store(tmp_path, maps, layout):
    path = tmp_path / "E031.hdf"
    aps.write_aps_result(path, maps, layout=layout, q=Q, phi=PHI)
    stored, rois = read_maps(path)
    assert rois == [1, 2, 3, 4]
    crops, table = prepare_crops(stored[[3, 1]], rois=[4, 2], crops_per_map=2, seed=4)
    expected = np.concatenate([c for _, c, _ in iter_crops([maps[3], maps[1]], seed=4)])
    np.testing.assert_array_equal(crops, expected)
    assert crops.shape == (4, S, S) and crops.dtype == np.float32
    table = table.merge(aps.read_roi_table(path), on="roi")
    assert table["roi"].tolist() == [4, 4, 2, 2]
    np.testing.assert_allclose(table["q"], [0.25, 0.25, 0.20, 0.20])
    np.testing.assert_array_equal(table["phi"], [30.0, 30.0, 30.0, 30.0])


def test_a_short_map_of_a_file_is_named(tmp_path, maps):
    path = tmp_path / "short.hdf"
    aps.write_aps_result(path, [c2_like(200, 8), c2_like(200, 9)])
    stored, rois = read_maps(path)
    with pytest.raises(ValueError, match=r"c2\[0\] has 200 frames, fewer than crop_size=256"):
        prepare_crops(stored, rois=rois, seed=0)
    with pytest.raises(ValueError, match=r"rois must give one ROI number per map of c2 \(2\), got 3"):
        prepare_crops(stored, rois=[1, 2, 3], seed=0)


def test_beamline_maps_into_a_crop_store(tmp_path, maps):
    """A crop store built from a file's maps holds the crops prepare_crops cuts from them."""
    path = tmp_path / "E031.hdf"
    aps.write_aps_result(path, maps, q=Q, phi=PHI)
    table = aps.read_roi_table(path).assign(experiment_id=path.stem)
    build_crop_store([aps.read_c2(path, roi) for roi in table["roi"]], table,
                     tmp_path / "beamline.h5", seed=2)
    stored, metadata = load_crop_store(tmp_path / "beamline.h5")
    crops, direct = prepare_crops(read_maps(path)[0], crops_per_map=2, seed=2)
    np.testing.assert_array_equal(stored[:], crops)
    columns = ["roi", "crop_offset", "c2_frames", "crop_seed", "raw_min", "raw_max"]
    pd.testing.assert_frame_equal(metadata[columns], direct[columns], check_dtype=False)


def test_roi_must_be_an_integer(tmp_path, maps):
    path = tmp_path / "result.hdf"
    aps.write_aps_result(path, maps)
    for roi in (1.7, 1.0, True, np.float32(2), "1"):
        with pytest.raises(TypeError, match=r"roi must be an integer .*got"):
            aps.read_c2(path, roi)
    with pytest.raises(ValueError, match="roi must be >= 1, got 0"):
        aps.read_c2(path, 0)
    np.testing.assert_array_equal(aps.read_c2(path, np.int64(2)), maps[1])
