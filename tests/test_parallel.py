"""xpcs_nb.parallel on a real LocalCluster of 2 worker processes: the same numbers as the serial path."""

from __future__ import annotations

import h5py
import numpy as np
import pytest
import torch

from xpcs_nb.model import Autoencoder
from xpcs_nb.parallel import FilesFailed, dask_client, encode_file, encode_files, two_time_file, two_time_files


@pytest.fixture(scope="module")
def client():
    with dask_client(n_workers=2) as client:
        yield client


@pytest.fixture
def movies(tmp_path):
    """Two .npy stacks and one HDF5 stack (T, H, W) of photon counts with different statistics."""
    rng = np.random.default_rng(0)
    paths = []
    for index, rate in enumerate((0.5, 2.0)):
        path = tmp_path / f"movie{index}.npy"
        np.save(path, rng.poisson(rate, size=(60, 12, 12)).astype(np.uint16))
        paths.append(path)
    path = tmp_path / "movie2.h5"
    with h5py.File(path, "w") as f:
        f["entry/data/data"] = rng.poisson(1.0, size=(60, 12, 12)).astype(np.uint16)
    return paths, path


def labels():
    rois = np.zeros((12, 12), dtype=np.int64)
    rois[:, :6], rois[:, 6:] = 1, 2
    return rois


@pytest.mark.slow
def test_two_time_files_equal_the_serial_path(client, movies):
    npy_paths, h5_path = movies
    serial = [two_time_file(path, labels(), form="paper") for path in npy_paths]
    on_cluster = two_time_files(npy_paths, labels(), scheduler=client, form="paper")
    assert len(on_cluster) == 2
    for ours, theirs in zip(on_cluster, serial):
        assert ours.shape == (2, 60, 60)
        np.testing.assert_array_equal(ours, theirs)
    assert not np.array_equal(on_cluster[0], on_cluster[1])  # each file its own result, in order
    # the same through the scheduler's address, as for a cluster started elsewhere
    from_h5 = two_time_files([h5_path], labels(), dataset="entry/data/data", scheduler=client.scheduler.address)
    np.testing.assert_array_equal(from_h5[0], two_time_file(h5_path, labels(), dataset="entry/data/data"))


@pytest.mark.slow
def test_with_out_dir_the_workers_write_the_c2(client, movies, tmp_path):
    npy_paths, _ = movies
    written = two_time_files(npy_paths, labels(), out_dir=tmp_path / "c2", scheduler=client)
    assert written == [tmp_path / "c2" / "movie0.c2.npy", tmp_path / "c2" / "movie1.c2.npy"]
    for path, output in zip(npy_paths, written):
        np.testing.assert_array_equal(np.load(output), two_time_file(path, labels()))
    with pytest.raises(ValueError, match="would both write"):
        two_time_files([npy_paths[0], npy_paths[0]], labels(), out_dir=tmp_path / "c2", scheduler=client)


def test_encode_files_equal_the_serial_path(client, tmp_path):
    torch.manual_seed(0)
    model = Autoencoder(latent_size=4, encoder_channels=(4,), decoder_channels=(4,), pool=2, image_size=16)
    model.train()  # encode runs it in eval mode on the workers too: no dropout noise
    rng = np.random.default_rng(1)
    npy = tmp_path / "crops.npy"
    np.save(npy, rng.random((7, 16, 16), dtype=np.float32))
    h5 = tmp_path / "store.h5"
    with h5py.File(h5, "w") as f:
        f["crops"] = rng.random((5, 16, 16), dtype=np.float32)
    serial = [encode_file(model, npy, batch_size=3), encode_file(model, h5, "crops", batch_size=3)]
    ours_npy = encode_files(model, [npy], batch_size=3, scheduler=client)
    ours_h5 = encode_files(model, [h5, h5], "crops", batch_size=3, scheduler=client)
    np.testing.assert_array_equal(ours_npy[0], serial[0])
    np.testing.assert_array_equal(ours_h5[0], serial[1])
    np.testing.assert_array_equal(ours_h5[1], serial[1])
    assert ours_npy[0].shape == (7, 4) and model.training  # the caller's model is left as it was


def test_a_bad_file_is_named(client, movies, tmp_path):
    npy_paths, _ = movies
    flat = tmp_path / "flat.npy"
    np.save(flat, np.zeros((12, 12)))
    with pytest.raises(ValueError, match="flat.npy must hold a 3-D array"):
        two_time_files([npy_paths[0], flat], labels(), scheduler=client)
    with pytest.raises(ValueError, match="missing.npy does not exist"):
        two_time_files([tmp_path / "missing.npy"], labels(), scheduler=client)


def test_arguments_are_checked():
    with pytest.raises(ValueError, match="n_workers is for the local cluster only"):
        with dask_client("tcp://127.0.0.1:1", n_workers=2):
            pass
    with pytest.raises(ValueError, match="paths must be a list of file paths, got 'a.npy'"):
        two_time_files("a.npy", labels())
    with pytest.raises(ValueError, match="n_workers must be"):
        with dask_client(n_workers=0):
            pass


def test_a_local_cluster_gives_the_environment_back(monkeypatch):
    """Dask's nanny writes OMP_NUM_THREADS=1 and more into the parent's environment when
    it starts workers; after the block every later process must get the machine's own."""
    import os

    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MALLOC_TRIM_THRESHOLD_"):
        monkeypatch.delenv(name, raising=False)  # as a fresh session has them: unset
    before = dict(os.environ)
    with dask_client(n_workers=1) as client:
        assert client.submit(sum, [1, 2]).result() == 3
    assert dict(os.environ) == before


# --- issue 21, item 7: one corrupt file among good ones ---------------------------------

@pytest.fixture
def with_corrupt_files(movies, tmp_path):
    """The three good stacks, a .npy cut short and an HDF5 file cut short, in between."""
    npy_paths, h5_path = movies
    cut_npy = tmp_path / "cut.npy"
    cut_npy.write_bytes(npy_paths[0].read_bytes()[:2000])
    cut_h5 = tmp_path / "half.h5"
    cut_h5.write_bytes(h5_path.read_bytes()[:3000])
    return [npy_paths[0], cut_npy, npy_paths[1], cut_h5], [0, 2]


def test_each_failing_file_is_named_and_the_good_results_kept(client, with_corrupt_files):
    paths, good = with_corrupt_files
    with pytest.raises(FilesFailed) as caught:
        two_time_files(paths, labels(), dataset=None, scheduler=client)
    error = caught.value
    assert isinstance(error, ValueError)  # code that caught the first error still catches this
    message = str(error)
    assert message.startswith("2 of 4 files failed")
    assert f"{paths[1]} cannot be read, is it whole?" in message  # numpy said only "mmap length ..."
    assert str(paths[3]) in message
    assert list(error.failures) == [paths[1], paths[3]]
    assert error.results[1] is None and error.results[3] is None
    for index in good:
        np.testing.assert_array_equal(error.results[index], two_time_file(paths[index], labels()))


def test_a_truncated_hdf5_file_is_named(client, with_corrupt_files):
    paths, _ = with_corrupt_files
    with pytest.raises(FilesFailed, match=r"1 of 1 files failed") as caught:
        two_time_files([paths[3]], labels(), dataset="entry/data/data", scheduler=client)
    assert f"{paths[3]} cannot be read, is it whole?" in str(caught.value)


def test_with_out_dir_the_good_outputs_are_written_and_returned(client, with_corrupt_files, tmp_path):
    paths, good = with_corrupt_files
    with pytest.raises(FilesFailed) as caught:
        two_time_files(paths, labels(), out_dir=tmp_path / "out", scheduler=client)
    written = caught.value.results
    assert written[1] is None and written[3] is None
    assert caught.value.succeeded == [tmp_path / "out" / "movie0.c2.npy", tmp_path / "out" / "movie1.c2.npy"]
    for index in good:
        np.testing.assert_array_equal(np.load(written[index]), two_time_file(paths[index], labels()))
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["movie0.c2.npy", "movie1.c2.npy"]


def test_encode_files_names_a_bad_crop_file_and_keeps_the_others(client, tmp_path):
    torch.manual_seed(0)
    model = Autoencoder(latent_size=4, encoder_channels=(4,), decoder_channels=(4,), pool=2, image_size=16)
    good = tmp_path / "crops.npy"
    np.save(good, np.random.default_rng(1).random((3, 16, 16), dtype=np.float32))
    out_of_range = tmp_path / "raw.npy"
    np.save(out_of_range, np.full((3, 16, 16), 7.0, dtype=np.float32))  # not scaled to [0, 1]
    with pytest.raises(FilesFailed, match=r"1 of 2 files failed") as caught:
        encode_files(model, [good, out_of_range], scheduler=client)
    assert str(out_of_range) in str(caught.value)
    np.testing.assert_array_equal(caught.value.results[0], encode_file(model, good))
