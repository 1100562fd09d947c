"""Static bins with frames streamed from disk and with photon-sparse frames (issue 21, item 12).

``two_time(open_frames(path), ..., static_labels=...)`` and the same with a CSR matrix
raised "device and static_labels take frames as an array"; now both must give the
in-memory result, whose static-bin arithmetic is checked against its definition in
tests/test_correlation_forms.py. Here: a drifting flux (so the divisors matter), static
bins finer than the ROIs and one reaching outside them, binned and unbinned frames.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from xpcs_nb.correlation import open_frames, two_time

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

