"""g2 and its errors: the ratio-of-sums g2 from frames, then g2 from a C2 (second half).

Ratio-of-sums g2 (:func:`g2_ratio_of_sums`) against an independent float64 loop:

- g2, its batch-means error and the diagonal mean equal a plain Python loop over
  pixels and frame pairs (float64), for two ROIs, with bin_frames;
- its level-0 lags equal :func:`multi_tau_g2` (scikit-beam's normalisation);
- a frame with no photons: g2 stays finite at every lag while the diagonal mean of
  the ratio-form C2 (:func:`g2_from_c2`) is NaN on every lag whose diagonal crosses it;
- sparse and streamed input give the same numbers as the array.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import scipy.sparse as sp

from xpcs_nb import correlation as corr
from test_correlation import _brownian_stack


def _stack(seed=3, n_frames=60, h=6, w=8):
    rng = np.random.default_rng(seed)
    flux = 1.0 + 0.5 * np.sin(np.arange(n_frames) / 4.0)  # the ROI's intensity changes
    return rng.poisson(0.7 * flux[:, None, None] * rng.exponential(1.0, (n_frames, h, w))).astype(np.int32)


def _labels(h=6, w=8):
    labels = np.zeros((h, w), dtype=np.int64)
    labels[:3] = 1
    labels[3:] = 2
    labels[0, :2] = 0
    return labels


def _loop(frames, mask, k):
    """g2(k), its batch error and the diagonal mean by plain loops over pixels and times, float64."""
    x = frames[:, mask].astype(np.float64)  # (T, N)
    t_max, n = x.shape
    pairs = range(t_max - k)
    num = sum(float(np.dot(x[t], x[t + k])) for t in pairs)
    past = sum(float(x[t].sum()) for t in pairs)
    future = sum(float(x[t + k].sum()) for t in pairs)
    g2 = n * (t_max - k) * num / (past * future)
    ratios = [n * float(np.dot(x[t], x[t + k])) / (x[t].sum() * x[t + k].sum()) for t in pairs]
    b = int(np.sqrt(t_max - k))
    batches = []
    for j in range((t_max - k) // b):
        ts = range(j * b, (j + 1) * b)
        batches.append(n * b * sum(float(np.dot(x[t], x[t + k])) for t in ts)
                       / (sum(x[t].sum() for t in ts) * sum(x[t + k].sum() for t in ts)))
    err = np.std(batches, ddof=1) / np.sqrt(len(batches)) if len(batches) > 1 else np.nan
    return g2, err, float(np.mean(ratios))


@pytest.mark.parametrize("bin_frames", [1, 2])
def test_against_a_float64_loop(bin_frames):
    frames = _stack()
    res = corr.g2_ratio_of_sums(frames, _labels(), bin_frames=bin_frames)
    binned = frames[: frames.shape[0] // bin_frames * bin_frames]
    binned = binned.reshape(-1, bin_frames, *frames.shape[1:]).sum(axis=1)
    assert res.lags.tolist() == list(range(1, binned.shape[0]))
    assert res.n_pairs.tolist() == [binned.shape[0] - k for k in res.lags]
    for r in (1, 2):
        for i, k in enumerate(res.lags):
            g2, err, diag = _loop(binned, _labels() == r, int(k))
            assert res.g2[r - 1, i] == pytest.approx(g2, rel=1e-12)
            assert res.diagonal_mean[r - 1, i] == pytest.approx(diag, rel=1e-12)
            if np.isnan(err):
                assert np.isnan(res.stderr[r - 1, i])
            else:
                assert res.stderr[r - 1, i] == pytest.approx(err, rel=1e-9)
    # the ROI's intensity changes from frame to frame: mean of ratios != ratio of means
    assert np.max(np.abs(res.g2 - res.diagonal_mean)) > 1e-3


def test_equals_multi_tau_level_0():
    frames = _stack()
    lags, mt = corr.multi_tau_g2(frames, _labels(), num_levels=1, num_bufs=20)
    res = corr.g2_ratio_of_sums(frames, _labels(), max_lag=19)
    np.testing.assert_allclose(res.g2, mt[:, 1:], rtol=1e-12)


def test_a_dark_frame_poisons_only_the_diagonal_mean():
    frames = _stack(n_frames=200)
    frames[120] = 0
    res = corr.g2_ratio_of_sums(frames, _labels())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        from_c2 = corr.g2_from_c2(corr.two_time(frames, _labels(), dtype=np.float64))
    crossing = (res.lags <= 120) | (res.lags < 200 - 120)  # lags with a pair (t, t + k) holding frame 120
    assert np.all(np.isfinite(res.g2))
    assert np.all(np.isnan(from_c2[:, crossing])) and np.all(np.isfinite(from_c2[:, ~crossing]))
    assert crossing.sum() == 120  # lags 1..120 reach frame 120 from before it; 121..199 never touch it
    np.testing.assert_array_equal(np.isnan(res.diagonal_mean), np.isnan(from_c2))
    np.testing.assert_allclose(res.diagonal_mean[:, ~crossing], from_c2[:, ~crossing], rtol=1e-12)


def test_sparse_and_streamed_input(tmp_path):
    frames = _stack()
    ref = corr.g2_ratio_of_sums(frames, _labels())
    np.save(tmp_path / "f.npy", frames)
    for given in (sp.csr_matrix(frames.reshape(frames.shape[0], -1)), corr.open_frames(tmp_path / "f.npy")):
        got = corr.g2_ratio_of_sums(given, _labels(), block_frames=7)
        np.testing.assert_allclose(got.g2, ref.g2, rtol=1e-12)
        np.testing.assert_allclose(got.stderr, ref.stderr, rtol=1e-9)


def test_max_lag_is_checked():
    with pytest.raises(ValueError, match=r"max_lag must be >= 1 and <= 59 for T' = 60"):
        corr.g2_ratio_of_sums(_stack(), _labels(), max_lag=60)


# ----------------------------------------------------------------------
# g2 from C2 with per-lag standard errors and pair counts; the KWW fit's chi2_red
# and the coverage of its errors; a C2 whose main diagonal is NaN.
#
# Measured here (30 seeds of a Brownian speckle stack, 400 frames x 1024 pixels,
# Gamma = 0.05 / frame, lags 1-80, ratio form): the batch-means standard error of
# each lag matches the scatter of that lag over seeds (ratio 0.9-1.1), but a weighted
# fit with those errors gives chi2_red ~0.4 and parameter errors ~3x too small (rms
# pull 2.4-5): the lags of one C2 share frames, so their errors are strongly
# correlated, which least squares does not know.  The test asserts those facts, not
# a coverage the method does not have.


def test_g2_with_errors_matches_loops():
    rng = np.random.default_rng(0)
    c2 = rng.normal(1.0, 0.1, (2, 3, 40, 40))
    res = corr.g2_with_errors(c2)
    np.testing.assert_array_equal(res.lags, np.arange(1, 40))
    np.testing.assert_array_equal(res.n_pairs, 40 - np.arange(1, 40))
    np.testing.assert_allclose(res.g2, corr.g2_from_c2(c2), rtol=1e-14)
    for k in (1, 7, 20, 30):
        n = 40 - k
        b = int(np.floor(np.sqrt(n)))
        n_b = n // b
        assert res.batch[k - 1] == b
        d = np.stack([c2[..., t, t + k] for t in range(n_b * b)], axis=-1)
        means = d.reshape(2, 3, n_b, b).mean(-1)
        np.testing.assert_allclose(res.stderr[..., k - 1], means.std(-1, ddof=1) / np.sqrt(n_b), rtol=1e-12)
    assert np.isnan(res.stderr[..., -1]).all()  # one pair: no error
    assert corr.g2_with_errors(c2, max_lag=5).g2.shape == (2, 3, 5)
    with pytest.raises(ValueError, match="max_lag"):
        corr.g2_with_errors(c2, max_lag=40)


def test_nan_diagonal_changes_no_g2():
    """Beamline files often store C2 with its main diagonal NaN: lags >= 1 never read it."""
    c2 = np.random.default_rng(1).random((3, 30, 30))
    holed = c2.copy()
    holed[:, np.arange(30), np.arange(30)] = np.nan
    np.testing.assert_array_equal(corr.g2_from_c2(holed), corr.g2_from_c2(c2))
    np.testing.assert_array_equal(corr.diagonal_means(holed, first_lag=1), corr.diagonal_means(c2, first_lag=1))
    a, b = corr.g2_with_errors(holed), corr.g2_with_errors(c2)
    np.testing.assert_array_equal(a.g2, b.g2)
    np.testing.assert_array_equal(a.stderr, b.stderr)
    assert np.isnan(corr.diagonal_means(holed, first_lag=0)[:, 0]).all()  # lag 0 is the NaN diagonal


def test_fit_kww_warns_without_sigma():
    tau = np.geomspace(0.1, 100.0, 30)
    g2 = corr.kww(tau, 1.0, 0.2, 0.05, 1.0) + np.random.default_rng(2).normal(0, 0.01, tau.size)
    with pytest.warns(corr.UnweightedFitWarning, match="mean squared residual"):
        fit = corr.fit_kww(tau, g2)
    assert 0.5e-4 < fit.chi2_red < 2e-4  # the mean squared residual, ~0.01^2
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit = corr.fit_kww(tau, g2, sigma=np.full(tau.size, 0.01), absolute_sigma=True)
    assert 0.4 < fit.chi2_red < 1.8  # a reduced chi-square, ~1


@pytest.mark.slow
def test_weighted_fit_of_simulated_g2_errors_per_lag_and_per_parameter():
    gamma, n_seeds = 0.05, 30
    labels = np.ones((32, 32), dtype=bool)
    g2s, ses, fits = [], [], []
    for seed in range(n_seeds):
        frames = _brownian_stack(seed, n_frames=400, side=32, gamma=gamma)
        res = corr.g2_with_errors(corr.two_time(frames, labels, dtype=np.float64)[0], max_lag=80)
        g2s.append(res.g2)
        ses.append(res.stderr)
        fits.append(corr.fit_kww(res.lags, res.g2, sigma=res.stderr, absolute_sigma=True, fix_alpha=1.0))
    g2s, ses = np.array(g2s), np.array(ses)
    # the per-lag errors are right: the scatter over seeds / the mean error
    calib = g2s.std(axis=0, ddof=1) / ses.mean(axis=0)
    assert np.all((calib > 0.6) & (calib < 1.5)), calib
    assert 0.8 < calib.mean() < 1.25
    # ... the fit's are not: correlated lags make chi2_red small and the errors too small
    chi2 = np.mean([f.chi2_red for f in fits])
    pull_rate = np.sqrt(np.mean([((f.rate - gamma) / f.rate_err) ** 2 for f in fits]))
    pull_beta = np.sqrt(np.mean([((f.beta - 1.0) / f.beta_err) ** 2 for f in fits]))
    assert 0.2 < chi2 < 0.7
    assert 1.5 < pull_rate < 6 and 1.5 < pull_beta < 6
    # the fitted values themselves are unbiased: Gamma within 3 % on average
    assert abs(np.mean([f.rate for f in fits]) / gamma - 1) < 0.03


def test_check_c2_names_the_fill_for_a_nan_diagonal():
    """Crops show the diagonal, so a NaN diagonal is refused, with the way to fill it."""
    from xpcs_nb import aps, dataset

    c2 = np.random.default_rng(3).random((8, 8))
    c2 = c2 + c2.T
    holed = c2.copy()
    np.fill_diagonal(holed, np.nan)
    with pytest.raises(ValueError, match="NaN main diagonal.*diagonal_from_neighbours"):
        dataset.check_c2(holed, crop_size=4)
    filled = dataset.check_c2(aps.diagonal_from_neighbours(holed), crop_size=4)
    assert np.isfinite(filled).all()
    np.testing.assert_array_equal(filled[~np.eye(8, dtype=bool)], c2[~np.eye(8, dtype=bool)])
    other = c2.copy()
    other[0, 3] = np.nan  # NaN off the diagonal: the plain finiteness error
    with pytest.raises(ValueError, match="must be finite"):
        dataset.check_c2(other, crop_size=4)
