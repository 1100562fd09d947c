"""The command line under bad input and faults (issue 21): each case fails on the code before the fix."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pytest
import torch

from xpcs_nb.aps import read_c2, read_roi_table, write_aps_result
from xpcs_nb.cli import main
from xpcs_nb.cli.c2_command import CROP_SIZE, DEFAULTS
from xpcs_nb.cli.memory import c2_peak_bytes, check_fits
from xpcs_nb.correlation import azimuth_map, q_map, roi_partition, two_time
from xpcs_nb.dataset import CROP_SIZE as MODEL_CROP_SIZE
from xpcs_nb.geometry import Detector
from xpcs_nb.latent import LatentSpace, distance_to_reference
from xpcs_nb.latent.encoding import encode
from xpcs_nb.model import Autoencoder
from xpcs_nb.prepare import prepare_crops

ROOT = Path(__file__).resolve().parents[1]


def run_cli(*arguments, cwd=ROOT, timeout=300):
    """``python -m xpcs_nb ARGUMENTS`` in a fresh process, as a user runs it."""
    environment = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, "-m", "xpcs_nb", *map(str, arguments)], capture_output=True, text=True,
                          cwd=cwd, env=environment, timeout=timeout)


def poisson_movie(path: Path, shape, rate: float = 4.0, seed: int = 0) -> Path:
    np.save(path, np.random.default_rng(seed).poisson(rate, shape).astype(np.uint16))
    return path


# ------------------------------------------------------------------ 1. memory


def test_c2_refuses_a_map_that_cannot_fit_before_any_work(tmp_path):
    movie = tmp_path / "long.npy"
    np.save(movie, np.zeros((1_000_000, 2, 2), np.uint16))  # 8 MB on disk, a 3.6 TiB map
    done = run_cli("c2", movie, "--q-edges", "0.0001", "0.001", "--out", tmp_path / "out", timeout=120)
    assert done.returncode == 1
    errors = [line for line in done.stderr.splitlines() if line.startswith("xpcs-nb: error:")]
    assert len(errors) == 1 and "3.64 TiB" in errors[0] and "--bin-frames" in errors[0], done.stderr
    assert not (tmp_path / "out" / "long_results.h5").exists()


def test_the_way_out_fits_and_one_less_does_not():
    available = 1 << 30
    with pytest.raises(MemoryError, match=r"--bin-frames (\d+)") as refused:
        check_fits(30_000, [16, 16], bin_frames=1, available=available)
    factor = int(refused.value.args[0].split("--bin-frames ")[1].split()[0])
    check_fits(30_000, [16, 16], bin_frames=factor, available=available)  # the advice works
    with pytest.raises(MemoryError):
        check_fits(30_000, [16, 16], bin_frames=factor - 1, available=available)  # and is the least that does
    maps, peak = c2_peak_bytes(30_000 // factor * factor, [16, 16], bin_frames=factor)
    assert maps == 2 * (30_000 // factor) ** 2 * 4


PEAK_DRIVER = """
import json, resource, sys
import h5py, numpy, scipy.linalg
import xpcs_nb.aps, xpcs_nb.correlation, xpcs_nb.geometry
from xpcs_nb.cli import main
scipy.linalg.blas.ssyrk(1.0, numpy.ones((64, 64), numpy.float32))  # BLAS threads and buffers: a constant of any run
with open("/proc/self/statm") as f:
    before = int(f.read().split()[1]) * resource.getpagesize()
status = main(sys.argv[1:])
print(json.dumps({"status": status, "before": before,
                  "peak": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}))
"""


@pytest.mark.slow
def test_c2_peak_memory_stays_near_the_map(tmp_path):
    """6000 frames: a 144 MB map. Before the fix the peak above the imports was about 3.9x
    the map (a symmetrised copy, np.triu of every map, the checks' temporaries: some 560 MB
    here). Now it is the map plus 20 MB, measured alone, and plus 77 MB in one order of
    this suite (a 64 MB malloc arena of a BLAS thread, we think): the constant allowed is
    96 MiB. The big movies' ratios are printed by benchmarks/bench_c2_memory.py."""
    n_frames = 6000
    movie = poisson_movie(tmp_path / "movie.npy", (n_frames, 4, 4), rate=2.0)
    # one BLAS thread and two malloc arenas: a thread's arena (64 MB) is no part of what c2 allocates
    quiet = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", MALLOC_ARENA_MAX="2")
    done = subprocess.run([sys.executable, "-c", PEAK_DRIVER, "c2", str(movie), "--q-edges", "0.0001", "0.001",
                           "--out", str(tmp_path / "out")], capture_output=True, text=True, cwd=ROOT, timeout=300,
                          env=quiet)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["status"] == 0, done.stderr
    map_bytes = n_frames**2 * 4
    extra = result["peak"] - result["before"]
    assert extra <= 1.5 * map_bytes + (96 << 20), f"{extra / map_bytes:.2f}x the map ({result})"
    np.testing.assert_allclose(read_c2(tmp_path / "out" / "movie_results.h5")[:50, :50],
                               two_time(np.load(movie)[:, :, :], np.ones((4, 4), bool))[0][:50, :50], rtol=1e-6)


# ------------------------------------------------------------------ 2. photon-sparse frames


def test_photon_sparse_frames_are_written_with_nan_and_one_warning(tmp_path):
    movie = poisson_movie(tmp_path / "sparse.npy", (200, 64, 64), rate=0.01)
    done = run_cli("c2", movie, "--q-edges", "0.001", "0.002", "0.003", "0.004", "--sectors", "4",
                   "--crop-size", "0", "--out", tmp_path / "out")
    assert done.returncode == 0, done.stderr
    warning_lines = [line for line in done.stderr.splitlines() if "without any photon" in line]
    assert len(warning_lines) == 1 and warning_lines[0].startswith("xpcs-nb: warning:"), done.stderr
    result = tmp_path / "out" / "sparse_results.h5"
    frames = np.load(movie)
    labels = roi_partition(q_map(Detector(shape=(64, 64))), azimuth_map(Detector(shape=(64, 64))),
                           [0.001, 0.002, 0.003, 0.004], n_sectors=4)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        expected = two_time(frames, labels)
    assert len([w for w in caught if "without any photon" in str(w.message)]) == 1, "one warning per call"
    dark_by_counting = [int(np.sum(frames[:, labels == r].sum(axis=1) == 0)) for r in range(1, labels.max() + 1)]
    with h5py.File(result, "r") as f:
        maps = f["xpcs/twotime/correlation_map"]
        stored = [int(maps[name].attrs["frames_without_photons"]) for name in sorted(maps)]
        total = int(f.attrs["frames_without_photons"])
    assert stored == dark_by_counting and total == sum(dark_by_counting) > 0
    for roi in range(1, labels.max() + 1):
        back = read_c2(result, roi)
        assert int(np.isnan(back).all(axis=1).sum()) == dark_by_counting[roi - 1]
        np.testing.assert_allclose(back, expected[roi - 1], rtol=1e-6)  # NaN where expected is NaN


def test_the_writer_refuses_nan_that_is_not_a_whole_frame(tmp_path):
    c2 = np.ones((6, 6))
    c2[1, 2] = c2[2, 1] = np.nan
    with pytest.raises(ValueError, match="except whole rows and columns"):
        write_aps_result(tmp_path / "r.h5", [c2])


# ------------------------------------------------------------------ 3. same-stem inputs


@pytest.mark.parametrize("names", [("a/movie.npy", "b/movie.npy"), ("good.npy", "good.h5"),
                                   ("same.npy", "same.npy")])
def test_inputs_that_would_write_one_result_are_refused_before_any_work(tmp_path, capsys, names):
    frames = np.random.default_rng(0).poisson(4.0, (20, 16, 16)).astype(np.uint16)
    for name in names:
        path = tmp_path / name
        path.parent.mkdir(exist_ok=True)
        if name.endswith(".npy"):
            np.save(path, frames)
        else:
            with h5py.File(path, "w") as f:
                f["entry/data/data"] = frames
    status = main(["c2", *(str(tmp_path / name) for name in names), "--q-edges", "0.001", "0.004",
                   "--crop-size", "0", "--out", str(tmp_path / "out")])
    captured = capsys.readouterr()
    assert status == 1 and "would both write" in captured.err
    assert not (tmp_path / "out").exists(), "nothing was written"


# ------------------------------------------------------------------ 5. classify / similar trust


def small_space(folder: Path) -> LatentSpace:
    """A saved space of a small random model (crops of 64 frames), 12 band maps as reference."""
    torch.manual_seed(0)
    model = Autoencoder(latent_size=8, encoder_channels=(4, 4), decoder_channels=(4, 4), pool=4, image_size=64)
    lag = np.abs(np.subtract.outer(np.arange(64), np.arange(64)))
    widths = np.array([1.0, 1.5, 2.0, 6.0, 8.0, 10.0, 25.0, 30.0, 40.0, 60.0, 80.0, 100.0])
    space = LatentSpace(model).fit(np.exp(-lag / widths[:, None, None]), pd.DataFrame({"width": widths}), k=3)
    space.save(folder)
    return space


def band(n: int, width: float) -> np.ndarray:
    lag = np.abs(np.subtract.outer(np.arange(n), np.arange(n)))
    return 1 + 0.2 * np.exp(-lag / width)


@pytest.fixture
def doubtful_maps(tmp_path) -> dict[str, Path]:
    good = band(80, 8.0)
    tilted = good + 0.05 * np.triu(np.ones((80, 80)), 1)  # not symmetric
    maps = {"good": good, "zero": np.zeros((80, 80)), "tilted": tilted, "upper": np.triu(good)}
    paths = {}
    for name, c2 in maps.items():
        paths[name] = tmp_path / f"{name}.npy"
        np.save(paths[name], c2)
    return paths


@pytest.mark.parametrize("command", ["classify", "similar"])
def test_maps_that_are_not_c2_are_flagged(tmp_path, capsys, doubtful_maps, command):
    space = small_space(tmp_path / "space")
    files = [str(path) for path in doubtful_maps.values()]
    extra = ["--neighbours", "2"] if command == "similar" else []
    status = main([command, *files, "--space", str(tmp_path / "space"), "--out", str(tmp_path / "out"), *extra])
    err = capsys.readouterr().err
    assert status == 0, err
    table = pd.read_csv(tmp_path / "out" / ("classes.csv" if command == "classify" else "neighbours.csv"))
    trust = table.drop_duplicates("file").set_index("file")["trust"]
    assert trust[files[0]] == "ok"
    assert trust[files[1]].startswith("constant map")
    assert trust[files[2]].startswith("not symmetric")
    assert trust[files[3]].startswith("one triangle stored (zeros below the diagonal)")
    warning_lines = [line for line in err.splitlines() if line.startswith("xpcs-nb: warning:")]
    assert len(warning_lines) == 3 and all(f"{path} roi 1:" in " ".join(warning_lines) for path in files[1:])
    # the gap ratio is chapter 7's: nearest reference latent over the reference set's typical spacing
    crops, _ = prepare_crops(np.load(files[0]), crop_size=64, seed=0)
    expected = distance_to_reference(encode(space.model, crops), space.latents)["gap_ratio"]
    np.testing.assert_allclose(table.loc[table["file"] == files[0], "gap_ratio"].iloc[0], expected.iloc[0], rtol=1e-6)


def test_a_map_far_from_the_reference_set_is_flagged(tmp_path, capsys):
    space = small_space(tmp_path / "space")
    frames = np.arange(80) // 20
    blocks = 1.0 + (frames[:, None] == frames[None, :])  # four frozen states, nothing like a decaying band
    np.save(tmp_path / "blocks.npy", blocks)
    crops, _ = prepare_crops(blocks, crop_size=64, seed=0)
    ratio = float(distance_to_reference(encode(space.model, crops), space.latents)["gap_ratio"].iloc[0])
    assert ratio > 2, "the test needs a map far from the bands"
    assert main(["classify", str(tmp_path / "blocks.npy"), "--space", str(tmp_path / "space"),
                 "--out", str(tmp_path / "out")]) == 0
    table = pd.read_csv(tmp_path / "out" / "classes.csv")
    assert table["trust"].iloc[0].startswith("far from the reference set")
    assert "times its typical spacing" in capsys.readouterr().err


def test_an_aps_file_holding_the_lower_triangle_is_named(tmp_path):
    path = tmp_path / "lower.h5"
    with h5py.File(path, "w") as f:
        f["xpcs/twotime/correlation_map/c2_00001"] = np.tril(band(40, 5.0))
    with pytest.raises(ValueError, match="below the diagonal and zeros above"):
        read_c2(path, 1)


# ------------------------------------------------------------------ 6. messages and help


def test_dataset_naming_a_group_says_so(tmp_path, capsys):
    with h5py.File(tmp_path / "scan.h5", "w") as f:
        f["entry/data/data"] = np.ones((20, 8, 8), np.uint16)
    status = main(["c2", str(tmp_path / "scan.h5"), "--dataset", "entry", "--q-edges", "0.001", "0.004",
                   "--crop-size", "0", "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert status == 1 and "--dataset entry is a group" in err and "/entry/data/data" in err


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a torch without CUDA")
def test_device_cuda_without_cuda_is_one_line(tmp_path, capsys):
    small_space(tmp_path / "space")
    status = main(["classify", str(tmp_path / "x.npy"), "--space", str(tmp_path / "space"), "--device", "cuda",
                   "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert status == 1 and "--device cuda" in err and "use --device cpu" in err and "AssertionError" not in err


def test_neighbours_zero_is_an_argument_error_before_any_loading(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["similar", "a.npy", "--model", "published", "--neighbours", "0", "--out", "nowhere"])
    assert stop.value.code == 2
    assert "--neighbours: must be a whole number of at least 1, got 0" in capsys.readouterr().err


def test_a_truncated_weights_file_is_named(tmp_path, capsys):
    small_space(tmp_path / "space")
    weights = tmp_path / "space" / "weights.pt"
    weights.write_bytes(weights.read_bytes()[:200])
    status = main(["classify", str(tmp_path / "x.npy"), "--space", str(tmp_path / "space"),
                   "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert status == 1 and str(weights) in err


def test_a_label_of_ten_to_the_twelve_is_just_a_label(tmp_path):
    frames = np.random.default_rng(2).poisson(3.0, (30, 16, 16)).astype(np.float32)
    np.save(tmp_path / "movie.npy", frames)
    labels = np.zeros((16, 16), np.int64)
    labels[:8], labels[8:] = 10**12, 5  # written as ROI 2 and ROI 1
    np.save(tmp_path / "labels.npy", labels)
    assert main(["c2", str(tmp_path / "movie.npy"), "--labels", str(tmp_path / "labels.npy"), "--crop-size", "0",
                 "--out", str(tmp_path)]) == 0
    expected = two_time(frames, np.where(labels == 5, 1, 2))
    for roi in (1, 2):
        np.testing.assert_allclose(read_c2(tmp_path / "movie_results.h5", roi), expected[roi - 1], rtol=1e-6)


def test_help_shows_the_geometry_defaults_and_no_python_names():
    helps = {command: run_cli(command, "--help", timeout=60) for command in ("c2", "classify", "similar")}
    for command, done in helps.items():
        assert done.returncode == 0, done.stderr
        for markup in (":func:", ":mod:", ":class:", ":meth:", "``", "xpcs_nb.", "LatentSpace"):
            assert markup not in done.stdout, f"{command} --help shows {markup!r}"
    text = " ".join(helps["c2"].stdout.split())
    assert "else 8 m" in text and "55 um" in text and "1.127 A" in text and "11 keV" in text
    assert "taken as 8 m" in text


def test_the_defaults_are_the_detector_and_the_model():
    detector = Detector()
    assert DEFAULTS == {"distance": detector.distance, "pixel_size": detector.pixel_size,
                        "wavelength": detector.wavelength}
    assert CROP_SIZE == MODEL_CROP_SIZE


def test_help_imports_neither_numpy_nor_torch():
    code = ("import sys\nfrom xpcs_nb.cli import main\ntry:\n    main(['c2', '--help'])\nexcept SystemExit:\n    pass\n"
            "print([name for name in ('numpy', 'torch', 'h5py', 'pandas') if name in sys.modules])")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stdout


# ------------------------------------------------------------------ 7. geometry from the file


def write_frames_file(path: Path, frames, *, distance=4.0, pixel_size=75e-6, wavelength=1.0e-10, frame_time=0.01,
                      units=None):
    """A frame file as chapter 7 writes it (geometry under /entry/instrument/detector)."""
    with h5py.File(path, "w") as f:
        f["entry/data/data"] = frames
        detector = f.create_group("entry/instrument/detector")
        detector["distance"] = distance
        detector["x_pixel_size"] = pixel_size
        detector["wavelength"] = wavelength
        detector["frame_time"] = frame_time
        for name, unit in (units or {}).items():
            detector[name].attrs["units"] = unit
    return path


def test_c2_reads_the_geometry_and_frame_time_the_file_stores(tmp_path, capsys):
    frames = np.random.default_rng(4).poisson(3.0, (30, 32, 32)).astype(np.uint16)
    path = write_frames_file(tmp_path / "scan.h5", frames, distance=4000.0, units={"distance": "mm"})
    edges = ["0.002", "0.02"]
    assert main(["c2", str(path), "--q-edges", *edges, "--crop-size", "0", "--out", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert "distance 4 m (file)" in out and "pixel 7.5e-05 m (file)" in out and "wavelength 1e-10 m (file)" in out
    assert "frame time 0.01 s (file)" in out
    result = tmp_path / "out" / "scan_results.h5"
    detector = Detector(shape=(32, 32), distance=4.0, pixel_size=75e-6, wavelength=1e-10)
    q = q_map(detector)
    inside = (q >= 0.002) & (q < 0.02)
    np.testing.assert_allclose(read_roi_table(result)["q"], [q[inside].mean()], rtol=1e-6)
    with h5py.File(result, "r") as f:
        stored = {name: f["entry/instrument/detector"][name][()] for name in ("distance", "x_pixel_size",
                                                                               "wavelength", "frame_time")}
    assert stored == pytest.approx({"distance": 4.0, "x_pixel_size": 75e-6, "wavelength": 1e-10, "frame_time": 0.01})
    # a flag overrides the file, and says so
    assert main(["c2", str(path), "--q-edges", *edges, "--distance", "8", "--crop-size", "0",
                 "--out", str(tmp_path / "flag")]) == 0
    assert "distance 8 m (flag)" in capsys.readouterr().out


def test_classify_takes_the_frame_time_from_the_result(tmp_path, capsys):
    frames = np.random.default_rng(5).poisson(3.0, (70, 16, 16)).astype(np.uint16)
    path = write_frames_file(tmp_path / "scan.h5", frames, frame_time=0.02)
    assert main(["c2", str(path), "--q-edges", "0.001", "0.02", "--crop-size", "64",
                 "--out", str(tmp_path / "out")]) == 0
    small_space(tmp_path / "space")
    assert main(["classify", str(tmp_path / "out" / "scan_results.h5"), "--space", str(tmp_path / "space"),
                 "--out", str(tmp_path / "classes")]) == 0
    assert pd.read_csv(tmp_path / "classes" / "classes.csv")["frame_time"].tolist() == [0.02]


def test_a_stack_too_short_for_a_crop_is_refused_at_c2(tmp_path, capsys):
    movie = poisson_movie(tmp_path / "short.npy", (200, 16, 16))
    status = main(["c2", str(movie), "--q-edges", "0.001", "0.02", "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert status == 1 and "shorter than the 256-frame crops" in err and "at least 256 frames" in err
    assert "smaller crop" not in err and not (tmp_path / "out").exists()
