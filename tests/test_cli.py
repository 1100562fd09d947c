"""The command line end to end, on files written here, one of them bad."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from xpcs_nb import scenarios
from xpcs_nb.aps import list_rois, read_c2, read_roi_table, write_aps_result
from xpcs_nb.cli import main
from xpcs_nb.correlation import azimuth_map, q_map, roi_partition, two_time
from xpcs_nb.geometry import Detector
from xpcs_nb.latent import LatentSpace
from xpcs_nb.model import Autoencoder

ROOT = Path(__file__).resolve().parents[1]


def symmetric(c2: np.ndarray) -> np.ndarray:
    return (c2 + c2.T) / 2


@pytest.fixture
def c2_files(tmp_path) -> dict[str, Path]:
    """Two APS files (2 ROIs and 1 ROI), a .npy map with a removed diagonal, and a broken file."""
    maps = [symmetric(scenarios.scenario_c2(label, 300, seed=label)[0].astype(np.float64)) for label in (0, 2, 4, 1)]
    write_aps_result(tmp_path / "run_a.h5", maps[:2])
    write_aps_result(tmp_path / "run_b.h5", maps[2:3], layout="legacy")
    removed = maps[3].copy()
    np.fill_diagonal(removed, np.nan)
    np.save(tmp_path / "map_c.npy", removed)
    (tmp_path / "broken.h5").write_text("not an HDF5 file")
    return {"a": tmp_path / "run_a.h5", "b": tmp_path / "run_b.h5", "c": tmp_path / "map_c.npy",
            "bad": tmp_path / "broken.h5"}


@pytest.mark.slow
def test_classify_end_to_end_with_the_published_model(c2_files, tmp_path, paper_data):
    files = [c2_files[name] for name in ("a", "bad", "b", "c")]  # the bad file in the middle
    out = tmp_path / "classes"
    environment = {**os.environ, "XPCS_PAPER_DATA": str(paper_data), "OMP_NUM_THREADS": "1"}
    result = subprocess.run([sys.executable, "-m", "xpcs_nb", "classify", *map(str, files), "--model", "published",
                             "--out", str(out)], capture_output=True, text=True, cwd=ROOT, env=environment,
                            timeout=300)
    assert result.returncode == 1, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("xpcs-nb: error:")]
    assert len(errors) == 1 and str(c2_files["bad"]) in errors[0], result.stderr
    assert "Traceback" not in result.stderr
    table = pd.read_csv(out / "classes.csv")
    assert table["file"].tolist() == [str(c2_files["a"])] * 2 + [str(c2_files["b"]), str(c2_files["c"])]
    assert table["roi"].tolist() == [1, 2, 1, 1]
    assert table["diagonal_filled"].tolist() == [False, False, False, True]
    distances = table.filter(regex=r"^distance_\d+$").to_numpy()
    assert distances.shape[1] >= 2
    np.testing.assert_array_equal(table["class"], distances.argmin(axis=1))
    np.testing.assert_allclose(table["distance"], distances.min(axis=1))
    assert (out / "classes.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def small_space(folder: Path) -> LatentSpace:
    """A saved LatentSpace of a small random model (crops of 64 frames), 12 band maps as reference."""
    torch.manual_seed(0)
    model = Autoencoder(latent_size=8, encoder_channels=(4, 4), decoder_channels=(4, 4), pool=4, image_size=64)
    lag = np.abs(np.subtract.outer(np.arange(64), np.arange(64)))
    widths = np.array([1.0, 1.5, 2.0, 6.0, 8.0, 10.0, 25.0, 30.0, 40.0, 60.0, 80.0, 100.0])
    crops = np.exp(-lag / widths[:, None, None])
    space = LatentSpace(model).fit(crops, pd.DataFrame({"width": widths}), k=3)
    space.save(folder)
    return space


def test_similar_with_a_saved_space(c2_files, tmp_path, capsys):
    space = small_space(tmp_path / "space")
    out = tmp_path / "similar"
    files = [str(c2_files[name]) for name in ("a", "b", "c", "bad")]
    status = main(["similar", *files, "--space", str(tmp_path / "space"), "--neighbours", "3",
                   "--crops-per-map", "2", "--out", str(out)])
    assert status == 1
    assert f"xpcs-nb: error: {c2_files['bad']}:" in capsys.readouterr().err
    table = pd.read_csv(out / "neighbours.csv")
    assert len(table) == 4 * 2 * 3, "4 maps, 2 crops each, 3 neighbours per crop"
    assert set(table["file"]) == {files[0], files[1], files[2]}
    assert table["rank"].tolist() == [1, 2, 3] * 8
    np.testing.assert_array_equal(table["neighbour_class"], space.labels[table["neighbour"]])
    np.testing.assert_array_equal(table["neighbour_width"], space.reference["width"].to_numpy()[table["neighbour"]])
    # the same as the Python interface gives for one file, with the same crops
    space.crops_per_map = 2
    expected = space.neighbours(c2_files["c"], k=3)
    np.testing.assert_array_equal(table.loc[table["file"] == files[2], "neighbour"], expected["neighbour"])
    assert (out / "neighbours.png").stat().st_size > 0


def test_c2_writes_aps_files_that_read_back(tmp_path, capsys):
    rng = np.random.default_rng(0)
    frames = rng.poisson(5.0, size=(40, 48, 48)).astype(np.uint16)
    np.save(tmp_path / "movie.npy", frames)
    (tmp_path / "empty.npy").write_bytes(b"")
    out = tmp_path / "results"
    edges = ["0.001", "0.003", "0.005"]
    status = main(["c2", str(tmp_path / "movie.npy"), str(tmp_path / "empty.npy"), "--q-edges", *edges,
                   "--sectors", "2", "--crop-size", "0", "--out", str(out)])
    assert status == 1
    assert f"xpcs-nb: error: {tmp_path / 'empty.npy'}:" in capsys.readouterr().err
    result = out / "movie_results.h5"
    detector = Detector(shape=(48, 48))
    labels = roi_partition(q_map(detector), azimuth_map(detector), [float(e) for e in edges], n_sectors=2)
    assert np.unique(labels[labels > 0]).tolist() == [1, 2, 3, 4], "every ROI has pixels here"
    expected = two_time(frames, labels)
    assert list_rois(result) == [1, 2, 3, 4]
    for roi in range(1, 5):
        np.testing.assert_allclose(read_c2(result, roi), expected[roi - 1], rtol=1e-6)
    q = read_roi_table(result)["q"].to_numpy()
    assert np.all((q > 0.001) & (q < 0.005))


def test_c2_reads_hdf5_stacks_and_a_labels_map(tmp_path):
    import h5py

    frames = np.random.default_rng(1).poisson(3.0, size=(30, 16, 16)).astype(np.float32)
    with h5py.File(tmp_path / "scan.h5", "w") as f:
        f["entry/data/data"] = frames
        f["entry/data/mask"] = np.ones((16, 16))
    labels = np.zeros((16, 16), dtype=np.int64)
    labels[:8], labels[8:] = 3, 7  # numbered with gaps: written as ROIs 1 and 2
    np.save(tmp_path / "labels.npy", labels)
    assert main(["c2", str(tmp_path / "scan.h5"), "--labels", str(tmp_path / "labels.npy"),
                 "--form", "paper", "--crop-size", "0", "--out", str(tmp_path)]) == 0
    expected = two_time(frames, np.where(labels == 3, 1, 2), form="paper")
    for roi in (1, 2):
        np.testing.assert_allclose(read_c2(tmp_path / "scan_results.h5", roi), expected[roi - 1], rtol=1e-6, atol=1e-7)


def test_a_failing_set_up_is_one_error_line(tmp_path, capsys):
    status = main(["classify", str(tmp_path / "x.npy"), "--space", str(tmp_path / "nowhere"), "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert status == 1 and err.startswith("xpcs-nb: error: FileNotFoundError:") and "lacks weights.pt" in err


def test_wrong_arguments_exit_with_status_2(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["classify", "a.npy", "--out", "x"])  # neither --model nor --space
    assert stop.value.code == 2
    assert "one of the arguments --model --space is required" in capsys.readouterr().err


def test_frame_times_are_checked_before_any_model_loads(tmp_path, capsys):
    status = main(["classify", "a.npy", "--model", "published", "--frame-time", "0.04",
                   "--target-frame-time", "0.1", "--out", str(tmp_path)])
    assert status == 1 and "whole number of frames" in capsys.readouterr().err


def test_the_console_script_is_the_same_main():
    import importlib
    import tomllib

    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    module, _, name = scripts["xpcs-nb"].partition(":")
    assert getattr(importlib.import_module(module), name) is main


def test_main_leaves_the_environment_alone(tmp_path):
    """The command line runs in-process in notebooks and tests: it must not change the
    environment that later kernels inherit (MPLBACKEND=Agg once blanked every figure)."""
    before = dict(os.environ)
    np.save(tmp_path / "movie.npy", np.random.default_rng(0).poisson(4.0, (20, 32, 32)))
    assert main(["c2", str(tmp_path / "movie.npy"), "--q-edges", "0.001", "0.004", "--crop-size", "0",
                 "--out", str(tmp_path)]) == 0
    assert dict(os.environ) == before
