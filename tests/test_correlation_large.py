"""Frames that are not a dense array in memory: streamed from disk, and photon-sparse.

- streamed: :func:`two_time` on a :class:`FrameSource` (``.npy``, raw binary, HDF5),
  read in blocks that do not divide T, equals :func:`two_time` on the array, every
  form, with and without ``bin_frames``;
- sparse: a CSR matrix (T, H*W) and the same stack as events give the dense C2 (every
  form, float32 and float64);
- bad input names the argument.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from xpcs_nb import correlation as corr


def _stack(seed=0, n_frames=37, h=9, w=11, rate=0.08):
    rng = np.random.default_rng(seed)
    speckle = rng.exponential(1.0, (h, w))
    frames = rng.poisson(rate * speckle * rng.exponential(1.0, (n_frames, h, w))).astype(np.uint16)
    frames[5] = 0  # a frame without photons
    return frames


def _labels(h=9, w=11):
    labels = np.zeros((h, w), dtype=np.int32)
    labels[:, : w // 2] = 1
    labels[:, w // 2:] = 2
    labels[0, 0] = 0
    return labels


def _same(a, b, tol):
    assert a.shape == b.shape and a.dtype == b.dtype
    assert np.array_equal(np.isnan(a), np.isnan(b))
    np.testing.assert_allclose(np.nan_to_num(a), np.nan_to_num(b), rtol=tol, atol=tol)


@pytest.fixture
def sources(tmp_path):
    import h5py

    frames = _stack()
    np.save(tmp_path / "f.npy", frames)
    frames.tofile(tmp_path / "f.raw")
    with h5py.File(tmp_path / "f.h5", "w") as fh:
        fh.create_dataset("entry/data", data=frames, chunks=(4, 9, 11))
    return frames, {
        "npy": corr.open_frames(tmp_path / "f.npy"),
        "raw": corr.open_frames(tmp_path / "f.raw", dtype=np.uint16, shape=frames.shape),
        "hdf5": corr.open_frames(tmp_path / "f.h5", "entry/data"),
    }


@pytest.mark.filterwarnings("ignore:ROI")
@pytest.mark.parametrize("kind", ["npy", "raw", "hdf5"])
@pytest.mark.parametrize("form", corr.FORMS)
@pytest.mark.parametrize("bin_frames, block", [(1, 5), (2, 4), (1, None)])
def test_streamed_equals_in_memory(sources, kind, form, bin_frames, block):
    frames, srcs = sources
    src = srcs[kind]
    assert src.shape == frames.shape and src.dtype == frames.dtype
    ref = corr.two_time(frames, _labels(), form=form, bin_frames=bin_frames, dtype=np.float64)
    got = corr.two_time(src, _labels(), form=form, bin_frames=bin_frames, dtype=np.float64, block_frames=block)
    _same(got, ref, 1e-12)


def test_source_reads_blocks(sources):
    frames, srcs = sources
    for src in srcs.values():
        np.testing.assert_array_equal(src.read(3, 17), frames[3:17])
        assert src.read(4, 4).shape == (0, 9, 11)
    with pytest.raises(ValueError, match="t1 must be >= 3 and <= 37"):
        srcs["npy"].read(3, 40)


def test_open_frames_errors(tmp_path, sources):
    with pytest.raises(ValueError, match="needs dtype and shape"):
        corr.open_frames(tmp_path / "f.raw")
    with pytest.raises(ValueError, match="holds 7326 bytes"):
        corr.open_frames(tmp_path / "f.raw", dtype=np.uint16, shape=(38, 9, 11))
    with pytest.raises(ValueError, match="dataset: an HDF5 file"):
        corr.open_frames(tmp_path / "f.h5")
    with pytest.raises(ValueError, match="has no dataset 'nope'"):
        corr.open_frames(tmp_path / "f.h5", "nope")
    np.save(tmp_path / "fortran.npy", np.asfortranarray(np.zeros((3, 4, 5), np.uint16)))
    with pytest.raises(ValueError, match="Fortran order"):
        corr.open_frames(tmp_path / "fortran.npy")
    with pytest.raises(ValueError, match="device takes frames as an array"):
        corr.two_time(sources[1]["npy"], _labels(), device="cpu")


def _events(frames):
    t, y, x = np.nonzero(frames)
    counts = frames[t, y, x]
    # one event per photon, shuffled: repeated (frame, pixel) pairs are summed
    t, pix = np.repeat(t, counts), np.repeat(y * frames.shape[2] + x, counts)
    order = np.random.default_rng(1).permutation(t.size)
    return corr.photon_events(t[order], pix[order], n_frames=frames.shape[0], frame_shape=frames.shape[1:])


@pytest.mark.filterwarnings("ignore:ROI")
@pytest.mark.parametrize("form", corr.FORMS)
@pytest.mark.parametrize("dtype, tol", [(np.float64, 1e-12), (np.float32, 2e-6)])
@pytest.mark.parametrize("bin_frames", [1, 3])
def test_sparse_equals_dense(form, dtype, tol, bin_frames):
    frames = _stack()
    ref = corr.two_time(frames, _labels(), form=form, bin_frames=bin_frames, dtype=dtype)
    csr = sp.csr_matrix(frames.reshape(frames.shape[0], -1))
    _same(corr.two_time(csr, _labels(), form=form, bin_frames=bin_frames, dtype=dtype), ref, tol)
    _same(corr.two_time(_events(frames), _labels(), form=form, bin_frames=bin_frames, dtype=dtype), ref, tol)


def test_events_match_the_stack():
    frames = _stack()
    np.testing.assert_array_equal(_events(frames).toarray(), frames.reshape(frames.shape[0], -1))


def test_sparse_errors():
    frames = _stack()
    csr = sp.csr_matrix(frames.reshape(frames.shape[0], -1))
    with pytest.raises(ValueError, match=r"shape \(T, H\*W\) = \(T, 99\).*got \(37, 98\)"):
        corr.two_time(csr[:, :98], _labels())
    bad = csr.astype(np.float64)
    bad.data[0] = -1
    with pytest.raises(ValueError, match="negative counts"):
        corr.two_time(bad, _labels())
    with pytest.raises(ValueError, match="frame must be in 0 .. 3"):
        corr.photon_events([4], [0], n_frames=4, frame_shape=(2, 2))
    with pytest.raises(ValueError, match="count must be >= 0"):
        corr.photon_events([0], [0], [-2], n_frames=4, frame_shape=(2, 2))


@pytest.mark.parametrize("kind", ["npy", "hdf5"])
@pytest.mark.parametrize("gather_bytes", [None, 37 * 2 * 10])  # one pass, or passes of 10 pixels
def test_multi_tau_streamed_and_sparse(sources, kind, gather_bytes, monkeypatch):
    if gather_bytes:
        monkeypatch.setattr("xpcs_nb.correlation.multitau._GATHER_BYTES", gather_bytes)
    frames, srcs = sources
    lags, ref = corr.multi_tau_g2(frames, _labels(), num_levels=3, num_bufs=8)
    csr = sp.csr_matrix(frames.reshape(frames.shape[0], -1))
    for given in (srcs[kind], csr):
        got_lags, got = corr.multi_tau_g2(given, _labels(), num_levels=3, num_bufs=8, chunk_pixels=7)
        np.testing.assert_array_equal(got_lags, lags)
        np.testing.assert_allclose(got, ref, rtol=1e-12)
