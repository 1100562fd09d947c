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
from xpcs_nb.correlation import open_frames, two_time


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


# ----------------------------------------------------------------------
# Static bins with frames streamed from disk and with photon-sparse frames (issue 21, item 12).
#
# ``two_time(open_frames(path), ..., static_labels=...)`` and the same with a CSR matrix
# raised "device and static_labels take frames as an array"; now both must give the
# in-memory result, whose static-bin arithmetic is checked against its definition in
# tests/test_correlation_forms.py. Here: a drifting flux (so the divisors matter), static
# bins finer than the ROIs and one reaching outside them, binned and unbinned frames.


H, W, T = 12, 10, 40


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """Counts (T, H, W) uint16 under a flux that doubles over the run, some frames dark in one bin."""
    rng = np.random.default_rng(4)
    flux = np.linspace(1.0, 2.0, T)[:, None, None]
    level = np.where(np.arange(W) < 5, 0.3, 1.5)[None, None, :]  # two intensities side by side
    frames = rng.poisson(flux * level, size=(T, H, W)).astype(np.uint16)
    frames[5, :, :5] = 0  # a frame with no photon in the left static bins
    path = tmp_path_factory.mktemp("static") / "stack.npy"
    np.save(path, frames)
    return frames, path


def rois():
    labels = np.zeros((H, W), dtype=np.int64)
    labels[1:6, 1:9], labels[6:11, 1:9] = 1, 2
    return labels


def bins():
    """Four bins inside the ROIs (columns < 5 and >= 5 of each), the fourth reaching outside them."""
    static = np.zeros((H, W), dtype=np.int64)
    static[1:6, 1:5], static[1:6, 5:9] = 1, 2
    static[6:11, 1:5] = 3
    static[6:12, 5:10] = 4  # pixels of no ROI in it too: all of them are averaged
    return static


@pytest.mark.parametrize("form", ["ratio", "paper"])
@pytest.mark.parametrize("bin_frames", [1, 3])
def test_streamed_and_sparse_equal_the_array(stack, form, bin_frames):
    frames, path = stack
    expected = two_time(frames, rois(), form=form, bin_frames=bin_frames, static_labels=bins())
    streamed = two_time(open_frames(path), rois(), form=form, bin_frames=bin_frames, static_labels=bins(),
                        block_frames=4)
    sparse = two_time(sp.csr_matrix(frames.reshape(T, -1)), rois(), form=form, bin_frames=bin_frames,
                      static_labels=bins())
    plain = two_time(frames, rois(), form=form, bin_frames=bin_frames)
    assert not np.allclose(expected, plain, equal_nan=True)  # the bins change the result: a real check
    for name, result in (("streamed", streamed), ("sparse", sparse)):
        assert result.shape == expected.shape and result.dtype == expected.dtype, name
        np.testing.assert_allclose(result, expected, rtol=2e-6, atol=2e-6, equal_nan=True, err_msg=name)


def test_float64_and_a_detector_gap_outside_the_bins(stack, tmp_path):
    frames, _ = stack
    gapped = frames.astype(np.float32)
    gapped[:, 0, :] = np.nan  # row 0: in no ROI and no bin, never read
    path = tmp_path / "gapped.npy"
    np.save(path, gapped)
    expected = two_time(gapped, rois(), static_labels=bins(), dtype=np.float64)
    streamed = two_time(open_frames(path), rois(), static_labels=bins(), dtype=np.float64)
    np.testing.assert_allclose(streamed, expected, rtol=1e-12, atol=1e-12)


def test_bad_static_labels_are_refused_as_for_arrays(stack):
    frames, path = stack
    holes = bins()
    holes[2, 2] = 0  # a pixel of ROI 1 in no bin
    for source in (open_frames(path), sp.csr_matrix(frames.reshape(T, -1))):
        with pytest.raises(ValueError, match=r"static_labels: 1 pixel\(s\) of ROI 1 lie in no static bin"):
            two_time(source, rois(), static_labels=holes)
        with pytest.raises(ValueError, match="static_labels has no meaning for form=\"paper_per_pixel\""):
            two_time(source, rois(), form="paper_per_pixel", static_labels=bins())
        with pytest.raises(ValueError, match="static_labels must have shape"):
            two_time(source, rois(), static_labels=np.ones((3, 3), dtype=int))
