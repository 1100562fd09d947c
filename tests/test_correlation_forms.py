"""The three C2 normalisations of :func:`xpcs_nb.correlation.two_time` against
independent float64 loops, and the two cases that tell them apart.

- ``paper``: the paper's eq. (1)-(2), D = (I - S_b) / S_b with S_b the time average
  averaged over the pixel's static bin (default: the ROI);
- ``paper_per_pixel``: D = I / <I(p)>_t - 1, each pixel's own time mean;
- ``ratio``: N sum Y Y / (sum Y sum Y), Y = I or, with ``static_labels``, each frame
  divided by its mean over each static bin (boost_corr's ``sqmap`` normalisation).

Frozen speckle (every frame the same speckle pattern plus Poisson noise): C2 off the
diagonal is near 0 with the per-pixel variant and near the speckle contrast with the
paper's.  Two intensity levels in one ROI under a drifting flux: the plain ratio
form's baseline rises to ~1.36, with static bins it stays at 1.
"""

from __future__ import annotations

import numpy as np
import pytest

from xpcs_nb import correlation as corr


def _stack(seed=0, n_frames=30, h=10, w=12):
    rng = np.random.default_rng(seed)
    mean = rng.exponential(3.0, (h, w))  # a speckle pattern
    flux = 1.0 + 0.3 * np.sin(np.arange(n_frames) / 5.0)
    return rng.poisson(mean * flux[:, None, None] * rng.exponential(1.0, (n_frames, h, w))).astype(np.uint16)


def _labels(h=10, w=12):
    labels = np.zeros((h, w), dtype=np.int32)
    labels[:, : w // 2] = 1
    labels[:, w // 2:] = 2
    labels[0, 0] = 0  # a pixel in no ROI
    return labels


def _static(h=10, w=12):
    """Four static bins, two inside each ROI (finer than the ROIs)."""
    static = np.where(np.arange(h)[:, None] < h // 2, 1, 2) * np.ones((h, w), dtype=np.int32)
    static[:, w // 2:] += 2
    return static


def _bin_of(static, p):
    return static.ravel() == static.ravel()[p]


def _reference(frames, labels, form, static=None):
    """C2 by plain float64 loops over ROIs, pixels and frames (np.einsum for the products)."""
    frames = frames.astype(np.float64)
    n_frames = frames.shape[0]
    flat = frames.reshape(n_frames, -1)
    static = labels if static is None else static
    out = []
    for r in range(1, labels.max() + 1):
        pix = np.flatnonzero(labels.ravel() == r)
        i = flat[:, pix]
        if form == "paper":
            s = np.array([flat[:, _bin_of(static, p)].mean() for p in pix])  # S(q_p)
            d = (i - s) / s
            out.append(np.einsum("ip,jp->ij", d, d) / pix.size)
        elif form == "paper_per_pixel":
            keep = i.mean(axis=0) > 0  # zero-mean pixels are left out
            d = i[:, keep] / i[:, keep].mean(axis=0) - 1.0
            out.append(np.einsum("ip,jp->ij", d, d) / keep.sum())
        else:
            m = np.empty_like(i)
            for t in range(n_frames):
                for k, p in enumerate(pix):
                    m[t, k] = flat[t, _bin_of(static, p)].mean()  # frame t's mean over p's static bin
            y = i / m
            out.append(pix.size * np.einsum("ip,jp->ij", y, y) / np.outer(y.sum(1), y.sum(1)))
    return np.array(out)


@pytest.mark.parametrize("form", corr.FORMS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_forms_match_float64_loops(form, dtype):
    frames, labels = _stack(), _labels()
    ref = _reference(frames, labels, form)
    tol = 1e-12 if dtype == np.float64 else 2e-5
    np.testing.assert_allclose(corr.two_time(frames, labels, form=form, dtype=dtype), ref, rtol=0, atol=tol)
    np.testing.assert_allclose(corr.two_time(frames, labels, form=form, dtype=dtype, chunk_pixels=7), ref,
                               rtol=0, atol=tol)


@pytest.mark.parametrize("form", ["paper", "ratio"])
@pytest.mark.parametrize("device", [None, "cpu"])
def test_static_bins_match_float64_loops(form, device):
    if device is not None:
        pytest.importorskip("torch")
    frames, labels, static = _stack(seed=1), _labels(), _static()
    ref = _reference(frames, labels, form, static)
    for chunk in (None, 5):
        got = corr.two_time(frames, labels, form=form, dtype=np.float64, static_labels=static,
                            chunk_pixels=chunk, device=device)
        np.testing.assert_allclose(got, ref, rtol=0, atol=1e-12)


@pytest.mark.parametrize("form", ["paper", "ratio"])
def test_static_bins_equal_to_the_rois_change_nothing(form):
    frames, labels = _stack(seed=2), _labels()
    plain = corr.two_time(frames, labels, form=form, dtype=np.float64)
    same = corr.two_time(frames, labels, form=form, dtype=np.float64, static_labels=labels)
    np.testing.assert_allclose(same, plain, rtol=0, atol=1e-12)


def test_paper_form_with_a_ring_as_static_bin():
    """A static bin wider than the ROI (the whole ring, the paper's "azimuthal average"):
    S is averaged over pixels outside the ROI too (here the label-0 pixel)."""
    frames, labels = _stack(seed=3), _labels()
    ring = np.ones_like(labels)
    got = corr.two_time(frames, labels, form="paper", dtype=np.float64, static_labels=ring)
    np.testing.assert_allclose(got, _reference(frames, labels, "paper", ring), rtol=0, atol=1e-12)


def _frozen_speckle(seed=4, n_frames=200, side=32, mean=5.0):
    rng = np.random.default_rng(seed)
    pattern = rng.exponential(mean, (side, side))  # fully coherent speckle: contrast 1
    return rng.poisson(pattern, (n_frames, side, side)), pattern


def test_frozen_speckle_per_pixel_variant_loses_the_contrast():
    """Every frame is the same speckle pattern plus Poisson noise.

    Paper form: D = I/S - 1 with S the ROI mean, so C2(t1 != t2) = <(lambda_p/S - 1)^2>_p,
    the pattern's own contrast var(lambda)/S^2 (1 in expectation for exponential
    speckle).  Per-pixel variant: D = I/<I(p)>_t - 1 is Poisson noise only, so the
    off-diagonal is ~ -1/(T-1) ~ 0.  Ratio form: 1 + the same contrast.
    """
    frames, pattern = _frozen_speckle()
    mask = np.ones(pattern.shape, dtype=bool)
    contrast = pattern.var() / pattern.mean() ** 2  # of this pattern
    off = {form: corr.g2_from_c2(corr.two_time(frames, mask, form=form, dtype=np.float64))[0].mean()
           for form in corr.FORMS}
    assert abs(off["paper_per_pixel"]) < 0.01
    assert abs(off["paper"] - contrast) < 0.03 * contrast
    assert abs(off["ratio"] - 1 - contrast) < 0.03 * contrast
    assert contrast > 0.8


def _drifting_two_levels(seed=5, n_frames=400, side=32):
    """Two intensity levels (1 and 4) in one ROI, a flux drifting from 0.5 to 1.5."""
    rng = np.random.default_rng(seed)
    level = np.ones((side, side))
    level[:, side // 2:] = 4.0
    flux = np.linspace(0.5, 1.5, n_frames)
    frames = rng.poisson(level * flux[:, None, None] * rng.exponential(1.0, (n_frames, side, side)))
    return frames, np.where(level > 1, 2, 1)


def test_drifting_flux_two_levels_static_bins_keep_the_baseline_at_one():
    """Plain ratio: N sum I1 I2 / (sum I1 sum I2) over two levels a, b (half the pixels
    each) gives, for decorrelated frames, (a^2 + b^2)/2 / ((a + b)/2)^2 = 17/12.5 = 1.36
    whatever the flux; with the levels as static bins each frame is divided by its own
    level's mean and the baseline is 1."""
    frames, static = _drifting_two_levels()
    mask = np.ones(static.shape, dtype=bool)
    plain = corr.g2_from_c2(corr.two_time(frames, mask, form="ratio"))[0]
    binned = corr.g2_from_c2(corr.two_time(frames, mask, form="ratio", static_labels=static))[0]
    assert abs(plain[5:].mean() - 1.36) < 0.01
    assert abs(binned[5:].mean() - 1.0) < 0.005
    assert np.abs(binned[5:200] - 1.0).max() < 0.05  # flat, lag by lag


def test_static_labels_are_checked():
    frames, labels = _stack(), _labels()
    hole = _static()
    hole[3, 3] = 0  # a labelled pixel in no static bin
    with pytest.raises(ValueError, match="static_labels"):
        corr.two_time(frames, labels, static_labels=hole)
    with pytest.raises(ValueError, match="static_labels"):
        corr.two_time(frames, labels, static_labels=_static()[:5])
    with pytest.raises(ValueError, match="static_labels"):
        corr.two_time(frames, labels, form="paper_per_pixel", static_labels=_static())
    gap = _static()
    gap[gap == 2] = 5  # static bins 2 and 3 empty
    gap[gap == 3] = 5
    with pytest.raises(ValueError, match="static_labels"):
        corr.two_time(frames, labels, static_labels=gap)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("bin_frames", [1, 3])
@pytest.mark.parametrize("contiguous", [True, False])
def test_static_bins_both_chunk_paths_match_float64_loops(dtype, bin_frames, contiguous):
    """ROIs that are each one run of pixels take the fused read-divide kernel; others are
    gathered and divided in place.  Both against the loops on the time-binned frames,
    in several chunks (7 pixels) and in one; static bins finer than the ROIs, in stripes
    that cut each image row into several runs."""
    frames, labels = _stack(seed=6, n_frames=31), _labels()
    if contiguous:
        labels = np.where(np.arange(10)[:, None] < 4, 1, 2) * np.ones((10, 12), dtype=np.int32)
    static = 1 + (np.arange(12)[None, :] // 3) % 2 + 2 * (np.arange(10)[:, None] % 2)
    binned = frames[: 30 if bin_frames == 3 else 31]
    binned = binned.reshape(-1, bin_frames, 10, 12).sum(axis=1)
    ref = _reference(binned, labels, "ratio", static)
    tol = 1e-12 if dtype == np.float64 else 2e-5
    for chunk in (None, 7):
        got = corr.two_time(frames, labels, form="ratio", dtype=dtype, bin_frames=bin_frames,
                            static_labels=static, chunk_pixels=chunk)
        np.testing.assert_allclose(got, ref, rtol=0, atol=tol)


@pytest.mark.parametrize("bad, message", [(np.nan, "NaN"), (-1.0, "negative")])
def test_static_bins_check_the_frames_of_every_bin_pixel(bad, message):
    """A bad value in a static bin's pixel is an error, even outside every ROI (it would
    enter the bin's mean); float frames take the same kernels as counts."""
    frames, labels = _stack().astype(np.float32), _labels()
    assert labels[0, 0] == 0
    frames[4, 0, 0] = bad
    assert np.all(np.isfinite(corr.two_time(frames, labels, form="ratio")))  # not read without static bins
    with pytest.raises(ValueError, match=message):
        corr.two_time(frames, labels, form="ratio", static_labels=_static())


@pytest.mark.parametrize("kind", [np.bool_, np.float16])
def test_static_bins_take_bool_and_half_precision_frames(kind):
    """dtypes numba does not read directly (bool, float16) give the C2 of their uint8 / float32 values."""
    frames, labels = _stack(seed=7), _labels()
    frames = (frames > 3) if kind is np.bool_ else frames.astype(np.float16)
    wide = frames.astype(np.uint8 if kind is np.bool_ else np.float32)
    for lab in (labels, np.ones_like(labels)):  # gathered and one-run ROIs
        got = corr.two_time(frames, lab, dtype=np.float64, static_labels=_static())
        np.testing.assert_array_equal(got, corr.two_time(wide, lab, dtype=np.float64, static_labels=_static()))
