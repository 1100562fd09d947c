"""Ratio-of-sums g2 (:func:`g2_ratio_of_sums`) against an independent float64 loop.

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
