"""xpcs_nb.parallel on a real LocalCluster of 2 worker processes: the same numbers as the serial path."""

from __future__ import annotations

import h5py
import numpy as np
import pytest
import torch

from xpcs_nb.model import Autoencoder
from xpcs_nb.parallel import dask_client, encode_file, encode_files, two_time_file, two_time_files


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
