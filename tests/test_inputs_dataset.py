"""Input rules of the data-on-disk entry points: dataset, aps, library.

Integers (sizes, seeds, indices) accept Python and numpy integers and refuse bool, every
float (also 2.0 and np.float32), NaN and tensors; arrays accept numpy arrays, lists and
CPU torch tensors and refuse NaN; each error names the argument and what it got.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from xpcs_nb import aps, dataset, prepare_crops
from xpcs_nb.library import LibraryMaps, LibrarySpec, library_store
from xpcs_nb.paths import generated_dir
from xpcs_nb.presets import get_preset
from xpcs_nb.validation import ArgumentTypeError

S = 8  # crop side of these tests
N_FRAMES = 12


def c2_like(n_frames: int = N_FRAMES, seed: int = 0) -> np.ndarray:
    frames = np.random.default_rng(seed).random((n_frames, 5))
    return frames @ frames.T / 5


MAP = c2_like()
CROPS = dataset.minmax_scale(np.stack([MAP[i : i + S, i : i + S] for i in range(4)]))[0]
METADATA = pd.DataFrame({"experiment_id": [f"E{i}" for i in range(10)]})
TINY_SPEC = dict(n_per_class=1, n_frames=256, crop_size=256, method="analytic", seed=0)


@pytest.fixture(scope="module")
def aps_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("aps") / "result.hdf"
    aps.write_aps_result(path, [c2_like(seed=1), c2_like(seed=2)])
    return path


def comparable(result):
    """A plain form of a result, so that two calls can be compared with np.testing."""
    if isinstance(result, pd.DataFrame):
        return result.to_dict("list")
    if isinstance(result, np.random.Generator):
        return result.integers(1 << 30, size=4)
    if isinstance(result, dataset.AugmentedCropDataset):
        return [result[i].numpy() for i in range(len(result))]
    if isinstance(result, (tuple, list)):
        return [comparable(part) for part in result]
    if hasattr(result, "__next__"):  # a generator of crops
        return [comparable(part) for part in result]
    return result


def build_store(tmp_path, **arguments):
    arguments = {"seed": 0, "crop_size": S, "experiment_key": None, **arguments}
    return dataset.build_crop_store([MAP, c2_like(seed=3)], None, tmp_path / "s.h5", **arguments)


# (argument name, a good integer value, call(value, tmp_path)) for every integer argument
INTEGER_ARGUMENTS = {
    "check_c2 crop_size": ("crop_size", S, lambda n, _: dataset.check_c2(MAP, n)),
    "crop_rng seed": ("seed", 4, lambda n, _: dataset.crop_rng(n, 1)),
    "crop_rng c2_index": ("c2_index", 2, lambda n, _: dataset.crop_rng(1, n)),
    "random_crop_offsets n_frames": (
        "n_frames", N_FRAMES, lambda n, _: dataset.random_crop_offsets(n, S, 2, np.random.default_rng(0))),
    "random_crop_offsets crop_size": (
        "crop_size", S, lambda n, _: dataset.random_crop_offsets(N_FRAMES, n, 2, np.random.default_rng(0))),
    "random_crop_offsets n_crops": (
        "n_crops", 2, lambda n, _: dataset.random_crop_offsets(N_FRAMES, S, n, np.random.default_rng(0))),
    "diagonal_crop offset": ("offset", 3, lambda n, _: dataset.diagonal_crop(MAP, n, S)),
    "diagonal_crop crop_size": ("crop_size", S, lambda n, _: dataset.diagonal_crop(MAP, 1, n)),
    "cut_crops crop_size": ("crop_size", S, lambda n, _: dataset.cut_crops(MAP, [0, 2], n)),
    "iter_crops seed": ("seed", 5, lambda n, _: dataset.iter_crops([MAP], seed=n, crop_size=S)),
    "iter_crops crops_per_c2": (
        "crops_per_c2", 3, lambda n, _: dataset.iter_crops([MAP], seed=0, crops_per_c2=n, crop_size=S)),
    "iter_crops crop_size": ("crop_size", S, lambda n, _: dataset.iter_crops([MAP], seed=0, crop_size=n)),
    "build_crop_store seed": ("seed", 6, lambda n, tmp: build_store(tmp, seed=n)),
    "build_crop_store crops_per_c2": ("crops_per_c2", 3, lambda n, tmp: build_store(tmp, crops_per_c2=n)),
    "build_crop_store crop_size": ("crop_size", S, lambda n, tmp: build_store(tmp, crop_size=n)),
    "split_by_experiment seed": ("seed", 2, lambda n, _: dataset.split_by_experiment(METADATA, seed=n)),
    "wrap_shift shift": ("shift", 3, lambda n, _: dataset.wrap_shift(CROPS[0], n)),
    "shift_table n_crops": ("n_crops", 4, lambda n, _: dataset.shift_table(n, 3, S, seed=0)),
    "shift_table factor": ("factor", 3, lambda n, _: dataset.shift_table(4, n, S, seed=0)),
    "shift_table crop_size": ("crop_size", S, lambda n, _: dataset.shift_table(4, 3, n, seed=0)),
    "shift_table seed": ("seed", 9, lambda n, _: dataset.shift_table(4, 3, S, seed=n)),
    "AugmentedCropDataset seed": ("seed", 1, lambda n, _: dataset.AugmentedCropDataset(CROPS, seed=n, factor=2)),
    "AugmentedCropDataset factor": ("factor", 3, lambda n, _: dataset.AugmentedCropDataset(CROPS, seed=0, factor=n)),
    "AugmentedCropDataset item": (
        "item", 5, lambda n, _: dataset.AugmentedCropDataset(CROPS, seed=0, factor=2)[n].numpy()),
    "read_c2 roi": ("roi", 2, lambda n, tmp: aps.read_c2(tmp.aps_file, n)),
    "prepare_crops seed": ("seed", 3, lambda n, _: prepare_crops(MAP, seed=n, crop_size=S)),
    "prepare_crops crop_size": ("crop_size", S, lambda n, _: prepare_crops(MAP, seed=0, crop_size=n)),
    "prepare_crops crops_per_map": (
        "crops_per_map", 3, lambda n, _: prepare_crops(MAP, seed=0, crop_size=S, crops_per_map=n)),
    "LibrarySpec n_per_class": ("n_per_class", 2, lambda n, _: LibrarySpec(**{**TINY_SPEC, "n_per_class": n})),
    "LibrarySpec n_frames": ("n_frames", 300, lambda n, _: LibrarySpec(**{**TINY_SPEC, "n_frames": n})),
    "LibrarySpec crops_per_c2": ("crops_per_c2", 3, lambda n, _: LibrarySpec(**{**TINY_SPEC, "crops_per_c2": n})),
    "LibrarySpec crop_size": ("crop_size", 128, lambda n, _: LibrarySpec(**{**TINY_SPEC, "crop_size": n})),
    "LibrarySpec seed": ("seed", 4, lambda n, _: LibrarySpec(**{**TINY_SPEC, "seed": n})),
    "LibraryMaps index": ("index", 2, lambda n, _: LibraryMaps(LibrarySpec(**TINY_SPEC)).truth(n)),
}


class Folder:
    """tmp_path and the APS file, in one argument for the calls above."""

    def __init__(self, path, aps_file):
        self.path, self.aps_file = path, aps_file

    def __truediv__(self, name):
        return self.path / name


@pytest.fixture
def folder(tmp_path, aps_file):
    return Folder(tmp_path, aps_file)


@pytest.mark.parametrize("case", INTEGER_ARGUMENTS)
@pytest.mark.parametrize("bad", [True, 2.5, "float32", "nan", "tensor"])
def test_integer_arguments_refuse_what_is_not_an_integer(case, bad, folder):
    name, good, call = INTEGER_ARGUMENTS[case]
    value = {"float32": np.float32(good), "nan": float("nan"), "tensor": torch.tensor(good)}.get(bad, bad)
    with pytest.raises(ArgumentTypeError, match=rf"{name} must be an integer .*got .*\("):
        call(value, folder)


@pytest.mark.parametrize("case", INTEGER_ARGUMENTS)
def test_integer_arguments_take_numpy_integers(case, folder):
    name, good, call = INTEGER_ARGUMENTS[case]
    np.testing.assert_equal(comparable(call(np.int64(good), folder)), comparable(call(good, folder)))


def test_sizes_out_of_range_name_the_bound():
    with pytest.raises(ValueError, match="crops_per_c2 must be >= 1, got 0"):
        next(dataset.iter_crops([MAP], seed=0, crops_per_c2=0, crop_size=S))
    with pytest.raises(ValueError, match="seed must be >= 0"):
        dataset.crop_rng(-1, 0)
    with pytest.raises(ValueError, match=rf"offset must be >= 0 and <= {N_FRAMES - S}"):
        dataset.diagonal_crop(MAP, N_FRAMES - S + 1, S)
    with pytest.raises(ValueError, match=f"factor must be >= 1 and <= {S}"):
        dataset.shift_table(4, S + 1, S, seed=0)
    with pytest.raises(ValueError, match="n_frames must be >= 256"):
        LibrarySpec(**{**TINY_SPEC, "n_frames": 255})


# (argument name, a good array, call(array, folder)) for every array argument
ARRAY_ARGUMENTS = {
    "check_c2 c2": ("c2", MAP, lambda a, _: dataset.check_c2(a, S)),
    "diagonal_crop c2": ("c2", MAP, lambda a, _: dataset.diagonal_crop(a, 0, S)),
    "minmax_scale images": ("images", MAP, lambda a, _: dataset.minmax_scale(a)),
    "cut_crops c2": ("c2", MAP, lambda a, _: dataset.cut_crops(a, [0, 3], S)),
    "cut_crops offsets": ("offsets", np.array([0, 3]), lambda a, _: dataset.cut_crops(MAP, a, S)),
    "iter_crops c2s": ("c2_list", MAP, lambda a, _: dataset.iter_crops([a], seed=0, crop_size=S)),
    "build_crop_store c2_list": ("c2_list", MAP, lambda a, tmp: dataset.build_crop_store(
        [a], None, tmp / "s.h5", seed=0, crop_size=S, experiment_key=None)),
    "split_by_experiment fractions": (
        "fractions", np.array([0.6, 0.2, 0.2]), lambda a, _: dataset.split_by_experiment(METADATA, a, seed=0)),
    "wrap_shift crop": ("crop", CROPS[0], lambda a, _: dataset.wrap_shift(a, 2)),
    "AugmentedCropDataset crops": ("crops", CROPS, lambda a, _: dataset.AugmentedCropDataset(a, seed=0, factor=2)),
    "AugmentedCropDataset indices": (
        "indices", np.array([2, 0]), lambda a, _: dataset.AugmentedCropDataset(CROPS, a, seed=0, factor=2)),
    "full_from_upper upper": ("upper", np.triu(MAP), lambda a, _: aps.full_from_upper(a)),
    "diagonal_from_neighbours c2": ("c2", MAP, lambda a, _: aps.diagonal_from_neighbours(a)),
    "write_aps_result c2s": ("c2s", MAP, lambda a, tmp: aps.write_aps_result(tmp / "r.hdf", [a]) or
                             aps.read_c2(tmp / "r.hdf", 1)),
    "write_aps_result q": ("q", np.array([0.2, 0.3]), lambda a, tmp: aps.write_aps_result(
        tmp / "r.hdf", [MAP, MAP], q=a, phi=[10.0, 10.0]) or aps.read_roi_table(tmp / "r.hdf")),
    "prepare_crops rois": ("rois", np.array([2]), lambda a, _: prepare_crops(MAP, seed=0, crop_size=S, rois=a)),
}


@pytest.mark.parametrize("case", ARRAY_ARGUMENTS)
@pytest.mark.parametrize("form", ["list", "tensor"])
def test_array_arguments_take_lists_and_tensors(case, form, folder):
    _, good, call = ARRAY_ARGUMENTS[case]
    other = good.tolist() if form == "list" else torch.from_numpy(good.copy())
    np.testing.assert_equal(comparable(call(other, folder)), comparable(call(good, folder)))


@pytest.mark.parametrize("case", [c for c in ARRAY_ARGUMENTS if not c.endswith(("indices", "offsets", "rois"))])
def test_array_arguments_refuse_nan(case, folder):
    name, good, call = ARRAY_ARGUMENTS[case]
    bad = np.array(good, dtype=np.float64)
    bad.flat[1] = np.nan  # off the diagonal of a map
    with pytest.raises(ValueError, match=rf"{name}.*(finite|NaN)"):
        comparable(call(bad, folder))


@pytest.mark.parametrize("case", ARRAY_ARGUMENTS)
@pytest.mark.parametrize("bad", [True, 2.5])
def test_array_arguments_refuse_scalars(case, bad, folder):
    name, _, call = ARRAY_ARGUMENTS[case]
    with pytest.raises(ValueError, match=name):
        comparable(call(bad, folder))


def test_index_arrays_must_hold_integers():
    with pytest.raises(ArgumentTypeError, match="indices must hold integers"):
        dataset.AugmentedCropDataset(CROPS, [0.5, 1.0], seed=0)
    with pytest.raises(ArgumentTypeError, match="rois must hold integers"):
        prepare_crops(MAP, seed=0, crop_size=S, rois=[1.5])


def test_real_and_bool_arguments(tmp_path, monkeypatch):
    for bad in (True, float("nan"), float("inf"), torch.tensor(10.0)):
        with pytest.raises(ValueError, match="photons_per_pixel"):
            LibrarySpec(**{**TINY_SPEC, "photons_per_pixel": bad})
    assert LibrarySpec(**{**TINY_SPEC, "photons_per_pixel": np.float32(2.5)}).photons_per_pixel == 2.5
    with pytest.raises(ValueError, match="photons_per_pixel must be > 0"):
        LibrarySpec(**{**TINY_SPEC, "photons_per_pixel": 0})
    with pytest.raises(ArgumentTypeError, match="mmap must be True or False, got 1"):
        dataset.load_crop_store(tmp_path / "none.h5", mmap=1)
    with pytest.raises(ArgumentTypeError, match="return_info must be True or False"):
        dataset.AugmentedCropDataset(CROPS, seed=0, return_info="yes")
    with pytest.raises(ArgumentTypeError, match="correct_diagonal must be True or False"):
        aps.read_c2(tmp_path / "none.hdf", 1, correct_diagonal=None)
    with pytest.raises(ArgumentTypeError, match="rebuild must be True or False"):
        library_store("fast", rebuild="no")
    with pytest.raises(ValueError, match="seed must be >= 0"):
        library_store("fast", seed=-1)


def test_numpy_integer_specs_equal_int_specs():
    with_numpy = LibrarySpec(**{**TINY_SPEC, "n_per_class": np.int64(1), "seed": np.uint8(0)})
    assert with_numpy == LibrarySpec(**TINY_SPEC) and hash(with_numpy) == hash(LibrarySpec(**TINY_SPEC))
    assert type(with_numpy.n_per_class) is int


@pytest.mark.parametrize("bad", [True, 2.5, np.float32(600), float("nan"), torch.tensor(600)])
def test_preset_sizes_must_be_integers(bad):
    with pytest.raises(ArgumentTypeError, match="n_frames must be an integer"):
        get_preset("fast").with_(n_frames=bad)


def test_preset_fields_are_checked():
    fast = get_preset("fast")
    assert type(fast.with_(n_frames=np.int64(600)).n_frames) is int
    assert fast.with_(train_items=None).train_items is None
    with pytest.raises(ValueError, match="learning_rate must be > 0"):
        fast.with_(learning_rate=0.0)
    with pytest.raises(ValueError, match="start_from must be one of"):
        fast.with_(start_from="pretrained")
    with pytest.raises(ArgumentTypeError, match="latent_sweep entry"):
        fast.with_(latent_sweep=(4, 8.0))
    with pytest.raises(ValueError, match="batch_size must be >= 1"):
        fast.with_(batch_size=0)
    with pytest.raises(ArgumentTypeError, match="name must be a preset name"):
        get_preset(1)


def test_generated_dir_takes_only_plain_names(tmp_path, monkeypatch):
    monkeypatch.setenv("XPCS_DATA_DIR", str(tmp_path))
    assert generated_dir("fast") == tmp_path / "generated" / "fast"
    with pytest.raises(ArgumentTypeError, match="preset_name must be a str"):
        generated_dir(True)
    with pytest.raises(ValueError, match="simple name"):
        generated_dir("a/b")
