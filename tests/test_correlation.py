"""Tests of xpcs_nb.correlation: ROI maps, two-time C2 (both forms), multi-tau g2,
g2 from C2 and the KWW fit.

Peers: scikit-beam's ``two_time_corr`` and ``multi_tau_auto_corr`` (skipped when
scikit-beam is not installed).  Theory: per-pixel paper-form rows sum to zero, the
forms differ by exactly 1 on a "Latin square" stack, and the Siegert relation on a
Brownian speckle stack made here (not by xpcs_nb.simulate).  The three normalisations
against float64 loops, frozen speckle and the drifting two-level flux are in
``tests/test_correlation_forms.py``.
"""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pytest

from xpcs_nb import correlation as corr
from xpcs_nb.correlation import pixels
from xpcs_nb.geometry import Detector

# unweighted fits on purpose (exact curves, input checks): the warning is tested in test_correlation_g2.py
pytestmark = pytest.mark.filterwarnings("ignore::xpcs_nb.correlation.UnweightedFitWarning")

# ------------------------------------------------------------------ helpers


def _poisson_stack(n_frames=60, side=32, rate=3.0, seed=0):
    rng = np.random.default_rng(seed)
    # a slowly varying incident flux, so the ratio and paper forms differ
    flux = 1.0 + 0.2 * np.sin(np.arange(n_frames) / 7.0)
    return rng.poisson(rate * flux[:, None, None], size=(n_frames, side, side)).astype(np.float64)


def _labels(side=32):
    """Four ROIs of different sizes and shapes, not contiguous in memory."""
    labels = np.zeros((side, side), dtype=np.int32)
    labels[2:12, 3:20] = 1
    labels[15:30, ::3] = 2
    labels[15:30, 1::3] = 3
    labels[0, :] = 4
    return labels


def _naive_ratio(frames, labels):
    n_roi = labels.max()
    n_frames = frames.shape[0]
    out = np.empty((n_roi, n_frames, n_frames))
    for r in range(n_roi):
        pix = frames[:, labels == r + 1]  # (T, N)
        for t1 in range(n_frames):
            for t2 in range(n_frames):
                num = np.mean(pix[t1] * pix[t2])
                out[r, t1, t2] = num / (np.mean(pix[t1]) * np.mean(pix[t2]))
    return out


def _brownian_stack(seed, n_frames=400, side=32, gamma=0.05, n_fields=1):
    """Speckle with Brownian (exponential) dynamics, made here from first principles.

    Each pixel carries ``n_fields`` independent circular complex Gaussian fields
    E, updated as an AR(1) process E(t+1) = a E(t) + sqrt(1 - a^2) xi with
    a = exp(-gamma) per frame, so <E(t) E*(t+tau)> = exp(-gamma tau).  The
    intensity is the mean of |E|^2 over the fields; by the Siegert relation
    g2(tau) = 1 + beta exp(-2 gamma tau) with beta = 1 / n_fields.
    """
    rng = np.random.default_rng(seed)
    a = np.exp(-gamma)
    n = side * side * n_fields

    def xi():
        return (rng.standard_normal(n) + 1j * rng.standard_normal(n)) / np.sqrt(2.0)

    field = xi()
    out = np.empty((n_frames, n))
    for t in range(n_frames):
        out[t] = np.abs(field) ** 2
        field = a * field + np.sqrt(1.0 - a * a) * xi()
    return out.reshape(n_frames, n_fields, side, side).mean(axis=1)


# ------------------------------------------------------------------ ROI maps


def test_q_and_azimuth_maps_forward_to_detector():
    det = Detector(shape=(40, 50))
    np.testing.assert_array_equal(corr.q_map(det), det.q_map())
    np.testing.assert_array_equal(corr.azimuth_map(det), det.azimuth_map())


def test_roi_partition_rings_and_sectors():
    det = Detector(shape=(128, 128))
    q, phi = det.q_map(), det.azimuth_map()
    edges = np.linspace(0.2, 1.0, 5) * q.max() * 0.7
    labels = corr.roi_partition(q, phi, edges, n_sectors=18)
    assert labels.dtype == np.int32 and labels.shape == q.shape
    assert labels.max() == 4 * 18
    # every label 1..72 has pixels, and each pixel's label encodes its ring and sector
    assert set(np.unique(labels)) == set(range(0, 73))
    inside = labels > 0
    ring, sector = np.divmod(labels[inside] - 1, 18)
    assert np.all(q[inside] >= edges[ring]) and np.all(q[inside] < edges[ring + 1])
    assert np.all(np.floor(phi[inside] / 20.0) == sector)
    # outside the rings: label 0
    assert np.all((q[~inside] < edges[0]) | (q[~inside] >= edges[-1]))


def test_roi_partition_first_sector_and_mask():
    q = np.full((1, 4), 1.0)
    phi = np.array([[5.0, 15.0, 95.0, 355.0]])
    labels = corr.roi_partition(q, phi, [0.5, 1.5], n_sectors=4, first_sector_deg=10.0)
    # sectors of 90 deg starting at 10: [10, 100) -> 0, ..., [280, 370) -> 3
    np.testing.assert_array_equal(labels, [[4, 1, 1, 4]])
    mask = np.array([[True, False, True, True]])
    labels = corr.roi_partition(q, phi, [0.5, 1.5], n_sectors=4, first_sector_deg=10.0, mask=mask)
    np.testing.assert_array_equal(labels, [[4, 0, 1, 4]])
    # NaN in the maps (e.g. a masked gap): no ROI, no warning
    q[0, 0], phi[0, 2] = np.nan, np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        labels = corr.roi_partition(q, phi, [0.5, 1.5], n_sectors=4, first_sector_deg=10.0)
    np.testing.assert_array_equal(labels, [[0, 1, 0, 4]])
    with pytest.raises(ValueError, match="q_edges"):
        corr.roi_partition(q, phi, [1.5, 0.5])
    with pytest.raises(ValueError, match="azimuth_map"):
        corr.roi_partition(q, phi[:, :2], [0.5, 1.5])


def test_roi_bounds_and_table_agree_with_partition():
    det = Detector(shape=(96, 96), beam_center=(30.0, 40.0))
    q, phi = det.q_map(), det.azimuth_map()
    edges = [0.05 * q.max(), 0.3 * q.max(), 0.5 * q.max()]
    labels = corr.roi_partition(q, phi, edges, n_sectors=6, first_sector_deg=45.0)
    bounds = corr.roi_bounds(edges, n_sectors=6, first_sector_deg=45.0)
    table = corr.roi_table(labels, q, phi)
    np.testing.assert_array_equal(bounds["label"], np.arange(1, 13))
    np.testing.assert_array_equal(table["label"], np.arange(1, 13))
    for i, label in enumerate(bounds["label"]):
        sel = labels == label
        assert table["n_pixels"][i] == sel.sum() > 0
        assert bounds["q_min"][i] <= table["q_min"][i] <= table["q_max"][i] < bounds["q_max"][i]
        offset = np.mod(phi[sel] - bounds["phi_min"][i], 360.0)
        assert np.all(offset < bounds["phi_max"][i] - bounds["phi_min"][i])
        np.testing.assert_allclose(table["q_mean"][i], q[sel].mean())


# ------------------------------------------------------------- two-time C2


def test_ratio_form_matches_scikit_beam():
    sk = pytest.importorskip("skbeam.core.correlation")
    frames, labels = _poisson_stack(), _labels()
    n_frames = frames.shape[0]
    # num_levels=1, num_bufs=T (even): every pair of frames, the full T x T matrix
    ref = sk.two_time_corr(labels, frames, n_frames, n_frames, 1).g2
    ours = corr.two_time(frames, labels, form="ratio", dtype=np.float64)
    assert ours.shape == ref.shape == (4, n_frames, n_frames)
    np.testing.assert_allclose(ours, ref, rtol=1e-10, atol=0)


@pytest.mark.parametrize(("num_levels", "num_bufs"), [(4, 8), (3, 12), (1, 10), (6, 4)])
def test_multi_tau_matches_scikit_beam(num_levels, num_bufs):
    sk = pytest.importorskip("skbeam.core.correlation")
    frames, labels = _poisson_stack(seed=3), _labels()
    ref_g2, ref_lags = sk.multi_tau_auto_corr(num_levels, num_bufs, labels, frames)
    lags, g2 = corr.multi_tau_g2(frames, labels, num_levels, num_bufs)
    np.testing.assert_array_equal(lags, ref_lags)
    assert g2.shape == (4, lags.size)
    np.testing.assert_allclose(g2, ref_g2.T, rtol=1e-10, atol=0)


def test_multi_tau_integer_frames_and_lags():
    frames, labels = _poisson_stack(seed=4), _labels()
    lags, g2 = corr.multi_tau_g2(frames.astype(np.uint16), labels, 3, 8)
    lags64, g2_64 = corr.multi_tau_g2(frames, labels, 3, 8, chunk_pixels=5)
    np.testing.assert_array_equal(lags, [0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 14, 16, 20, 24, 28])
    np.testing.assert_array_equal(lags, lags64)
    np.testing.assert_allclose(g2, g2_64, rtol=1e-12)


def test_ratio_form_matches_naive_loop_with_zero_pixels():
    rng = np.random.default_rng(5)
    frames = rng.poisson(2.0, size=(7, 5, 6)).astype(np.int64)
    labels = np.array([1, 2] * 15).reshape(5, 6)
    frames[:, 0, 0] = 0  # a pixel that never sees a photon still counts in N (as scikit-beam)
    ref = _naive_ratio(frames.astype(np.float64), labels)
    np.testing.assert_allclose(corr.two_time(frames, labels, dtype=np.float64), ref, rtol=1e-12)
    np.testing.assert_allclose(corr.two_time(frames, labels, chunk_pixels=4), ref, rtol=1e-5)


@pytest.mark.parametrize("form", corr.FORMS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_two_time_is_symmetric_and_chunk_independent(form, dtype):
    frames, labels = _poisson_stack(n_frames=300, seed=6), _labels()
    c2 = corr.two_time(frames.astype(np.uint16), labels, form=form, dtype=dtype)
    assert c2.dtype == dtype and c2.shape == (4, 300, 300)
    np.testing.assert_array_equal(c2, np.swapaxes(c2, 1, 2))  # mirrored, so exactly
    small = corr.two_time(frames, labels, form=form, dtype=dtype, chunk_pixels=7)
    scale = np.abs(c2).max()
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(small, c2, rtol=0, atol=tol * scale)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_per_pixel_paper_form_rows_sum_to_zero(dtype):
    """sum_t2 C2(t1, t2) = <D(p, t1) sum_t2 D(p, t2)>_p and sum_t D(p, t) = 0 exactly."""
    frames, labels = _poisson_stack(n_frames=200, seed=7), _labels()
    c2 = corr.two_time(frames, labels, form="paper_per_pixel", dtype=dtype)
    rows = c2.astype(np.float64).sum(axis=2)
    # each row sums 200 terms of size ~ |c2|: float rounding only
    bound = (1e-4 if dtype == np.float32 else 1e-12) * np.abs(c2).astype(np.float64).sum(axis=2)
    assert np.all(np.abs(rows) <= bound)
    # the ratio form has no such property (its baseline is 1), nor has the paper's
    # own form (q-binned mean): its rows sum to T (<I(t1)>_p/S - 1)(<I>_pt/S - 1) +
    # the pixels' spread, not 0
    ratio = corr.two_time(frames, labels, form="ratio", dtype=dtype)
    assert np.all(ratio.sum(axis=2) > 100)
    paper = corr.two_time(frames, labels, form="paper", dtype=dtype).astype(np.float64)
    assert np.abs(paper.sum(axis=2)).max() > 100 * bound.max()


def test_forms_differ_by_one_on_a_latin_square_stack():
    """C2_paper = C2_ratio - 1 exactly when every pixel has the same time-mean m and
    every frame has the same ROI-mean m.

    Then D = I/m - 1 for all pixels, and <D1 D2>_p = <I1 I2>_p / m^2 - <I1>_p/m -
    <I2>_p/m + 1 = <I1 I2>_p / (<I1>_p <I2>_p) - 1.  A stack I(p, t) = v[(p + t) mod K]
    (K frames, K pixels) has both properties: each pixel's series and each frame's
    pixels are a permutation of v.
    """
    k = 48
    rng = np.random.default_rng(8)
    v = rng.poisson(5.0, size=k).astype(np.float64) + 1.0
    p = np.arange(k)
    frames = v[(p[None, :] + p[:, None]) % k].reshape(k, 6, 8)
    labels = np.ones((6, 8), dtype=np.int32)
    ratio = corr.two_time(frames, labels, form="ratio", dtype=np.float64)
    for form in ("paper", "paper_per_pixel"):  # the q-binned S and each pixel's mean are both m
        paper = corr.two_time(frames, labels, form=form, dtype=np.float64)
        np.testing.assert_allclose(paper, ratio - 1.0, rtol=0, atol=1e-12)


def test_per_pixel_paper_form_masks_zero_mean_pixels():
    frames, labels = _poisson_stack(n_frames=40, seed=9), _labels()
    dead = frames.copy()
    dead[:, 2, 3:8] = 0  # five dead pixels in ROI 1
    c2 = corr.two_time(dead, labels, form="paper_per_pixel", dtype=np.float64)
    assert np.all(np.isfinite(c2))
    trimmed = labels.copy()
    trimmed[2, 3:8] = 0
    np.testing.assert_allclose(c2, corr.two_time(dead, trimmed, form="paper_per_pixel", dtype=np.float64),
                               rtol=1e-12)
    # the paper's own form divides by the ROI's mean, never by a pixel's: a dead pixel
    # stays in, with D = -1 in every frame (dead pixels belong out of labels)
    assert np.isfinite(corr.two_time(dead, labels, form="paper", dtype=np.float64)).all()


def test_binning_equals_two_time_of_summed_frames():
    frames, labels = _poisson_stack(n_frames=62, seed=10), _labels()
    summed = frames[:60].reshape(20, 3, 32, 32).sum(axis=1)  # 62 // 3 = 20 bins, 2 frames dropped
    for form in corr.FORMS:
        binned = corr.two_time(frames.astype(np.int32), labels, form=form, bin_frames=3, dtype=np.float64)
        assert binned.shape == (4, 20, 20)
        np.testing.assert_allclose(binned, corr.two_time(summed, labels, form=form, dtype=np.float64), rtol=1e-12)


def test_boolean_mask_is_one_roi():
    frames, labels = _poisson_stack(n_frames=30, seed=11), _labels()
    mask = labels == 2
    c2 = corr.two_time(frames, mask, dtype=np.float64)
    assert c2.shape == (1, 30, 30)
    np.testing.assert_allclose(c2[0], corr.two_time(frames, labels, dtype=np.float64)[1], rtol=1e-12)


@pytest.mark.parametrize("form", corr.FORMS)
def test_torch_path_on_cpu_matches_blas(form):
    pytest.importorskip("torch")
    frames, labels = _poisson_stack(n_frames=50, seed=12), _labels()
    ref = corr.two_time(frames, labels, form=form, dtype=np.float64)
    got = corr.two_time(frames, labels, form=form, dtype=np.float64, device="cpu", chunk_pixels=33)
    np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-12)


def test_ratio_form_dark_frame_gives_nan_rows():
    frames, labels = _poisson_stack(n_frames=20, seed=13), _labels()
    frames[5][labels == 4] = 0
    with pytest.warns(RuntimeWarning, match="without any photon"):
        c2 = corr.two_time(frames, labels, dtype=np.float64)
    assert np.all(np.isnan(c2[3, 5])) and np.all(np.isnan(c2[3, :, 5]))
    assert np.isfinite(np.delete(np.delete(c2[3], 5, 0), 5, 1)).all()
    assert np.isfinite(c2[:3]).all()


# ----------------------------------------------------------- g2 from C2


def test_g2_from_c2_is_the_mean_of_each_off_diagonal():
    rng = np.random.default_rng(14)
    c2 = rng.random((2, 3, 9, 9))
    g2 = corr.g2_from_c2(c2)
    assert g2.shape == (2, 3, 8)
    for k in range(1, 9):
        np.testing.assert_allclose(g2[..., k - 1], np.diagonal(c2, k, axis1=-2, axis2=-1).mean(-1))
    with pytest.raises(ValueError, match="c2"):
        corr.g2_from_c2(np.zeros((3, 4)))


@pytest.mark.parametrize("shape", [(9, 9), (4, 9, 9), (2, 3, 9, 9)])
@pytest.mark.parametrize(("first_lag", "last_lag"), [(0, None), (1, None), (0, 0), (3, 5), (8, 8), (2, None)])
def test_diagonal_means_are_np_diagonal_means(shape, first_lag, last_lag):
    c2 = np.random.default_rng(18).random(shape).astype(np.float32)
    means = corr.diagonal_means(c2, first_lag=first_lag, last_lag=last_lag)
    last = shape[-1] - 1 if last_lag is None else last_lag
    assert means.dtype == np.float64 and means.shape == shape[:-2] + (last - first_lag + 1,)
    for k in range(first_lag, last + 1):
        expected = np.diagonal(c2.astype(np.float64), k, axis1=-2, axis2=-1).mean(-1)
        np.testing.assert_allclose(means[..., k - first_lag], expected, rtol=1e-12)


def test_g2_from_c2_is_diagonal_means_from_lag_one():
    c2 = np.random.default_rng(19).random((3, 12, 12))
    np.testing.assert_array_equal(corr.g2_from_c2(c2), corr.diagonal_means(c2, first_lag=1))
    with pytest.raises(ValueError, match="c2 must have T >= 2"):
        corr.g2_from_c2(np.ones((1, 1)))
    np.testing.assert_array_equal(corr.diagonal_means(np.full((1, 1), 3.0), first_lag=0), [3.0])


# ---------------------------------------------------- Brownian dynamics + KWW


@pytest.mark.parametrize(("n_fields", "seed"), [(1, 100), (2, 101)])
def test_brownian_stack_obeys_siegert(n_fields, seed):
    """g2 = 1 + beta exp(-2 Gamma tau) with beta = 1/n_fields, Gamma = 0.05 / frame.

    Tolerances: on 20 seeds of this very stack (400 frames, 1024 pixels) the fitted
    beta scatters by 0.012 (n_fields=1) and 0.007 (n_fields=2) and Gamma by 2.5 %
    (alpha free: 0.03).  curve_fit's own errors are ~3x smaller since neighbouring
    lags share frames, so the bounds are ~4 standard deviations of that scatter:
    beta within 0.05, Gamma within 10 %, alpha within 0.12.
    """
    gamma, beta = 0.05, 1.0 / n_fields
    frames = _brownian_stack(seed, gamma=gamma, n_fields=n_fields)
    labels = np.ones(frames.shape[1:], dtype=bool)
    g2 = corr.g2_from_c2(corr.two_time(frames, labels, form="ratio", dtype=np.float64))[0]
    tau = np.arange(1, 81)
    fit = corr.fit_kww(tau, g2[:80])
    assert abs(fit.beta - beta) < 0.05
    assert abs(fit.rate / gamma - 1) < 0.10
    assert abs(fit.alpha - 1) < 0.12
    assert abs(fit.baseline - 1) < 0.02
    fixed = corr.fit_kww(tau, g2[:80], fix_alpha=1.0, fix_baseline=1.0)
    assert fixed.alpha == 1.0 and fixed.baseline == 1.0 and fixed.alpha_err == fixed.baseline_err == 0.0
    assert fixed.fixed == ("baseline", "alpha")
    assert abs(fixed.beta - beta) < 0.05 and abs(fixed.rate / gamma - 1) < 0.10
    # multi-tau on the same stack sees the same dynamics
    lags, mt = corr.multi_tau_g2(frames, labels, num_levels=5, num_bufs=16)
    sel = (lags > 0) & (lags <= 80)
    mt_fit = corr.fit_kww(lags[sel], mt[0, sel], fix_alpha=1.0)
    assert abs(mt_fit.beta - beta) < 0.05 and abs(mt_fit.rate / gamma - 1) < 0.10
    # The per-pixel paper form has baseline ~0 and the same decay.  Its baseline sits a
    # little below 0: every row sums to zero, so the positive area around the diagonal,
    # beta (1 + 2 sum_tau exp(-2 Gamma tau)) = beta coth(Gamma), is paid back by a
    # baseline of about -beta coth(Gamma) / T (-0.05 here for beta = 1).  Dividing
    # each pixel by its own 400-frame mean (only ~20 correlation times) also bends
    # the decay: on 30 seeds the fitted Gamma is 5-10 % high (scatter 2.5 %) and
    # beta 2-4 % low (scatter 1 %), hence the looser bounds for this form.
    gp = corr.g2_from_c2(corr.two_time(frames, labels, form="paper_per_pixel", dtype=np.float64))[0]
    p_fit = corr.fit_kww(tau, gp[:80], fix_alpha=1.0)
    assert abs(p_fit.baseline + beta / np.tanh(gamma) / frames.shape[0]) < 0.02
    assert abs(p_fit.beta / beta - 1) < 0.10 and abs(p_fit.rate / gamma - 1) < 0.25
    # The paper's own form (one S for the ROI) keeps the decay of the ratio form:
    # C2_paper = C2_ratio * (<I(t1)>_p <I(t2)>_p / S^2) - ..., and a stationary
    # stack has <I(t)>_p ~ S, so C2_paper ~ C2_ratio - 1 lag by lag.
    gq = corr.g2_from_c2(corr.two_time(frames, labels, form="paper", dtype=np.float64))[0]
    q_fit = corr.fit_kww(tau, gq[:80], fix_alpha=1.0)
    assert abs(q_fit.baseline) < 0.02
    assert abs(q_fit.beta - beta) < 0.05 and abs(q_fit.rate / gamma - 1) < 0.10


def test_fit_kww_recovers_a_stretched_exponential():
    tau = np.geomspace(1e-3, 10.0, 60)  # seconds
    truth = dict(baseline=1.02, beta=0.3, rate=4.0, alpha=0.6)
    g2 = corr.kww(tau, **truth)
    fit = corr.fit_kww(tau, g2)
    for name, value in truth.items():
        assert getattr(fit, name) == pytest.approx(value, rel=1e-6)
    np.testing.assert_allclose(fit.model(tau), g2, atol=1e-9)
    assert fit.relaxation_time == pytest.approx(0.25, rel=1e-6)
    noisy = g2 + np.random.default_rng(15).normal(0, 1e-3, tau.size)
    fit = corr.fit_kww(tau, noisy, sigma=np.full(tau.size, 1e-3), absolute_sigma=True)
    for name in truth:  # within 5 standard errors
        assert abs(getattr(fit, name) - truth[name]) < 5 * getattr(fit, name + "_err")
    assert 0.5 < fit.chi2_red < 1.6
    with pytest.raises(dataclasses.FrozenInstanceError):
        fit.beta = 1.0  # type: ignore[misc]


def test_fit_kww_rejects_bad_input():
    tau = np.arange(0, 10.0)
    with pytest.raises(ValueError, match="tau"):
        corr.fit_kww(tau, np.ones(10))  # lag 0
    with pytest.raises(ValueError, match="tau and g2"):
        corr.fit_kww(tau[1:], np.ones(3))
    with pytest.raises(ValueError, match="fix_alpha"):
        corr.fit_kww(tau[1:], np.ones(9), fix_alpha=-1.0)


# ------------------------------------------------------------- validation


def _good():
    return _poisson_stack(n_frames=10, side=8, seed=16), np.ones((8, 8), dtype=np.int32)


def _bad_cases():
    frames, labels = _good()
    nan = frames.copy()
    nan[3, 2, 2] = np.nan
    inf = frames.copy()
    inf[3, 2, 2] = np.inf
    neg = frames.astype(np.int16)
    neg[0, 1, 1] = -1
    gap = labels.copy()
    gap[0, 0] = 3  # label 2 is empty
    dark = frames.copy()
    lab2 = labels.copy()
    lab2[:, :2] = 2
    dark[:, :, :2] = 0  # ROI 2 never sees a photon
    return [
        ("frames", dict(frames=frames[0], labels=labels)),
        ("labels", dict(frames=frames, labels=labels[:7])),
        ("frames", dict(frames=nan, labels=labels)),
        ("frames", dict(frames=inf, labels=labels)),
        ("frames", dict(frames=neg, labels=labels)),
        ("labels", dict(frames=frames, labels=gap)),
        ("labels", dict(frames=dark, labels=lab2)),
        ("labels", dict(frames=frames, labels=np.zeros_like(labels))),
        ("frames", dict(frames=frames[:1], labels=labels)),
        ("form", dict(frames=frames, labels=labels, form="bogus")),
        ("bin_frames", dict(frames=frames, labels=labels, bin_frames=0)),
        ("bin_frames", dict(frames=frames, labels=labels, bin_frames=6)),  # leaves 1 frame
    ]


@pytest.mark.parametrize(("name", "kwargs"), _bad_cases())
def test_two_time_rejects_bad_input(name, kwargs):
    forms = [kwargs.pop("form")] if "form" in kwargs else list(corr.FORMS)
    for form in forms:
        with pytest.raises(ValueError, match=name):
            corr.two_time(form=form, **kwargs)


@pytest.mark.parametrize(("name", "kwargs"), [c for c in _bad_cases() if c[0] in ("frames", "labels")][:7])
def test_multi_tau_rejects_bad_input(name, kwargs):
    with pytest.raises(ValueError, match=name):
        corr.multi_tau_g2(num_levels=2, num_bufs=4, **kwargs)


def test_multi_tau_rejects_odd_buffers():
    frames, labels = _good()
    with pytest.raises(ValueError, match="num_bufs"):
        corr.multi_tau_g2(frames, labels, 2, 5)
    with pytest.raises(ValueError, match="num_levels"):
        corr.multi_tau_g2(frames, labels, 0, 4)


@pytest.mark.parametrize("call", [corr.two_time, lambda f, l: corr.multi_tau_g2(f, l, 2, 4)])
def test_sparse_labels_are_refused_without_a_huge_allocation(call):
    """Labels {1, 10**9}: memory follows the pixels, not the largest label.

    Before, an array of counts per label value (8 GB here) was made before the
    empty ROIs were reported.
    """
    import time
    import tracemalloc

    frames, labels = _good()
    labels = labels.astype(np.int64)
    labels[0, 0] = 10**9
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with pytest.raises(ValueError, match=r"999999998 of the ROIs 1\.\.1000000000 have no pixels.*first \[2, 3,"):
            call(frames, labels)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 50 * 2**20
    assert time.perf_counter() - start < 5.0


def test_missing_rois_are_listed():
    frames, labels = _good()
    labels[0, :4] = [3, 5, 9, 0]
    with pytest.raises(ValueError, match=r"labels: 5 of the ROIs 1\.\.9 have no pixels .*first \[2, 4, 6, 7, 8\]"):
        corr.two_time(frames, labels)


def test_nan_outside_every_roi_is_ignored():
    """Detector gaps are often NaN; pixels outside every ROI are never read."""
    frames, labels = _good()
    labels[0, 0] = 0
    frames[:, 0, 0] = np.nan
    assert np.isfinite(corr.two_time(frames, labels)).all()


def test_gather_passes_and_blocks_do_not_change_the_result(monkeypatch):
    """Tiny gather passes (ROIs split across passes) and one-frame copy blocks."""
    frames, labels = _poisson_stack(n_frames=40, seed=17), _labels()
    frames = frames.astype(np.uint16)
    ref = corr.two_time(frames, labels, form="paper", dtype=np.float64)
    ref_lags, ref_g2 = corr.multi_tau_g2(frames, labels, 3, 8)
    monkeypatch.setattr(pixels, "_GATHER_BYTES", 40 * 2 * 37)  # 37 pixels per pass
    monkeypatch.setattr(pixels, "_BLOCK_BYTES", 1)
    got = corr.two_time(frames, labels, form="paper", dtype=np.float64, chunk_pixels=10)
    np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-14)
    lags, g2 = corr.multi_tau_g2(frames, labels, 3, 8, chunk_pixels=10)
    np.testing.assert_array_equal(lags, ref_lags)
    np.testing.assert_allclose(g2, ref_g2, rtol=1e-12)
