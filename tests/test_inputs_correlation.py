"""Input rules of xpcs_nb.correlation and xpcs_nb.geometry's Detector.

Every public entry point that takes a size, an array or a real number is fed the
values readers get wrong: ``True`` and floats where an integer belongs (also ``2.0``
and ``np.float32``), numpy integers (accepted), NaN, and CPU torch tensors (accepted).
A wrong kind raises ``ArgumentTypeError`` (a TypeError and a ValueError), a value
out of range a ``ValueError``; both name the argument and what came.
"""

from __future__ import annotations

import numpy as np
import pytest

from xpcs_nb import correlation as corr
from xpcs_nb.geometry import Detector
from xpcs_nb.validation import ArgumentTypeError

# unweighted fits on purpose (exact curves, input checks): the warning is tested in test_g2_errors.py
pytestmark = pytest.mark.filterwarnings("ignore::xpcs_nb.correlation.UnweightedFitWarning")

torch = pytest.importorskip("torch")


def _stack(n_frames=24, side=8, seed=0):
    return np.random.default_rng(seed).poisson(3.0, size=(n_frames, side, side)).astype(np.float64)


def _labels(side=8):
    labels = np.ones((side, side), dtype=np.int32)
    labels[:, : side // 2] = 2
    return labels


def _maps(side=16):
    det = Detector(shape=(side, side))
    return det.q_map(), det.azimuth_map()


def _edges(q):
    return [0.1 * q.max(), 0.5 * q.max(), 0.9 * q.max()]


def _c2():
    return np.random.default_rng(1).random((3, 10, 10))


def _two_time(**kwargs):
    return corr.two_time(_stack(), _labels(), dtype=np.float64, **kwargs)


def _multi_tau(**kwargs):
    args = dict(num_levels=2, num_bufs=4) | kwargs
    return corr.multi_tau_g2(_stack(), _labels(), **args)


def _partition(**kwargs):
    q, phi = _maps()
    return corr.roi_partition(q, phi, _edges(q), **kwargs)


def _bounds(**kwargs):
    return corr.roi_bounds([0.1, 0.2, 0.3], **kwargs)


# (call, argument, a good integer value)
INTEGER_ARGUMENTS = [
    (_two_time, "bin_frames", 2),
    (_two_time, "chunk_pixels", 5),
    (_multi_tau, "num_levels", 3),
    (_multi_tau, "num_bufs", 6),
    (_multi_tau, "chunk_pixels", 5),
    (_partition, "n_sectors", 6),
    (_bounds, "n_sectors", 6),
    (lambda **kw: corr.multi_tau_lags(**({"num_levels": 3, "num_bufs": 4} | kw)), "num_levels", 2),
    (lambda **kw: corr.diagonal_means(_c2(), **kw), "first_lag", 2),
    (lambda **kw: corr.diagonal_means(_c2(), **kw), "last_lag", 7),
]
_IDS = [f"{call.__name__}-{name}" for call, name, _ in INTEGER_ARGUMENTS]


def _same(a, b):
    if isinstance(a, tuple):
        for x, y in zip(a, b):
            _same(x, y)
    elif isinstance(a, dict):
        for key in a:
            np.testing.assert_array_equal(a[key], b[key])
    else:
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(("call", "name", "good"), INTEGER_ARGUMENTS, ids=_IDS)
def test_numpy_integers_are_accepted(call, name, good):
    _same(call(**{name: np.int64(good)}), call(**{name: good}))
    _same(call(**{name: np.int32(good)}), call(**{name: good}))


@pytest.mark.parametrize(("call", "name", "good"), INTEGER_ARGUMENTS, ids=_IDS)
@pytest.mark.parametrize("bad", [True, 2.5, "float", "float32", "tensor"])
def test_non_integers_are_refused(call, name, good, bad):
    value = {"float": float(good), "float32": np.float32(good), "tensor": torch.tensor(good)}.get(bad, bad)
    with pytest.raises(ArgumentTypeError, match=rf"^{name} must be an integer .*, got .*\({type(value).__name__}\)"):
        call(**{name: value})


def test_integers_out_of_range_name_the_argument():
    with pytest.raises(ValueError, match="bin_frames must be >= 1, got 0"):
        _two_time(bin_frames=0)
    with pytest.raises(ValueError, match="num_bufs must be an even integer"):
        _multi_tau(num_bufs=5)
    with pytest.raises(ValueError, match=r"first_lag must be >= 0 and <= 9 for c2 with T = 10, got 10"):
        corr.diagonal_means(_c2(), first_lag=10)
    with pytest.raises(ValueError, match=r"last_lag must be >= 3 .*got 2"):
        corr.diagonal_means(_c2(), first_lag=3, last_lag=2)


# ----------------------------------------------------------------- arrays


def test_two_time_and_multi_tau_take_torch_tensors_and_lists():
    frames, labels = _stack(), _labels()
    ref = corr.two_time(frames, labels, dtype=np.float64)
    np.testing.assert_array_equal(corr.two_time(torch.from_numpy(frames), torch.from_numpy(labels),
                                                dtype=np.float64), ref)
    np.testing.assert_array_equal(corr.two_time(frames, labels.tolist(), dtype=np.float64), ref)
    lags, g2 = corr.multi_tau_g2(frames, labels, 2, 4)
    t_lags, t_g2 = corr.multi_tau_g2(torch.from_numpy(frames), torch.from_numpy(labels), 2, 4)
    np.testing.assert_array_equal(t_lags, lags)
    np.testing.assert_array_equal(t_g2, g2)


@pytest.mark.parametrize("call", [corr.two_time, lambda f, l: corr.multi_tau_g2(f, l, 2, 4)])
def test_nan_frames_and_labels_are_refused(call):
    frames, labels = _stack(), _labels()
    frames[3, 1, 1] = np.nan
    with pytest.raises(ValueError, match="frames hold NaN or inf in a labelled pixel"):
        call(frames, labels)
    float_labels = labels.astype(np.float64)
    float_labels[0, 0] = np.nan
    with pytest.raises(ValueError, match=r"labels must be finite; 1 of its 64 values are NaN"):
        call(_stack(), float_labels)
    with pytest.raises(ArgumentTypeError, match="labels must hold integers"):
        call(_stack(), labels + 0.5)
    with pytest.raises(ValueError, match=r"frames must be 3-D, got an array of shape \(8, 8\)"):
        call(_stack()[0], labels)


def test_boolean_and_integral_float_labels_still_work():
    frames, labels = _stack(), _labels()
    ref = corr.two_time(frames, labels, dtype=np.float64)
    np.testing.assert_array_equal(corr.two_time(frames, labels.astype(np.float32), dtype=np.float64), ref)
    np.testing.assert_array_equal(corr.two_time(frames, labels == 2, dtype=np.float64)[0], ref[1])


def test_roi_partition_takes_tensors_and_treats_nan_maps_as_no_roi():
    q, phi = _maps()
    edges = _edges(q)
    ref = corr.roi_partition(q, phi, edges, n_sectors=4)
    got = corr.roi_partition(torch.from_numpy(q), torch.from_numpy(phi), torch.tensor(edges), n_sectors=4)
    np.testing.assert_array_equal(got, ref)
    row, col = np.argwhere(ref > 0)[0]
    q[row, col] = np.nan  # a masked gap
    holed = corr.roi_partition(q, phi, edges, n_sectors=4)
    assert holed[row, col] == 0 and (holed != ref).sum() == 1
    with pytest.raises(ValueError, match="q_edges must be strictly increasing"):
        corr.roi_partition(q, phi, [0.1, np.nan, 0.3])
    with pytest.raises(ArgumentTypeError, match=r"first_sector_deg must be a real number .*got True"):
        corr.roi_partition(q, phi, edges, first_sector_deg=True)
    with pytest.raises(ValueError, match="first_sector_deg must be a finite number, got nan"):
        corr.roi_partition(q, phi, edges, first_sector_deg=np.nan)
    np.testing.assert_array_equal(corr.roi_partition(q, phi, edges, n_sectors=4, first_sector_deg=np.float32(0)),
                                  corr.roi_partition(q, phi, edges, n_sectors=4))


@pytest.mark.parametrize("call", [corr.g2_from_c2, corr.diagonal_means])
def test_diagonal_means_take_tensors_and_lists_and_carry_nan(call):
    c2 = _c2()
    ref = call(c2)
    np.testing.assert_array_equal(call(torch.from_numpy(c2)), ref)
    np.testing.assert_array_equal(call(c2[0].tolist()), ref[0])
    holed = c2.copy()
    holed[1, 2, 5] = np.nan  # lag 3 of map 1
    got = call(holed)
    assert np.isnan(got[1, 2]) and np.isfinite(np.delete(got[1], 2)).all()
    np.testing.assert_array_equal(got[[0, 2]], ref[[0, 2]])
    with pytest.raises(ValueError, match=r"c2 must be square maps \(\.\.\., T, T\), got an array of shape \(3, 4\)"):
        call(np.zeros((3, 4)))
    with pytest.raises(ArgumentTypeError, match="c2 must hold real numbers"):
        call(np.full((3, 3), "x"))


def test_fit_kww_inputs():
    tau = np.geomspace(0.01, 10.0, 30)
    g2 = corr.kww(tau, 1.0, 0.3, 2.0, 1.0)
    ref = corr.fit_kww(tau, g2)
    got = corr.fit_kww(torch.from_numpy(tau), torch.from_numpy(g2), fix_alpha=np.float32(1.0))
    assert got.rate == pytest.approx(ref.rate, rel=1e-6)
    # a NaN g2 point (a lag touched by a dark frame) is left out of the fit
    holed = g2.copy()
    holed[4] = np.nan
    fit = corr.fit_kww(tau, holed)
    assert fit.n_points == 29 and fit.rate == pytest.approx(2.0, rel=1e-6)
    bad_tau = tau.copy()
    bad_tau[4] = np.nan
    with pytest.raises(ValueError, match="tau must be finite"):
        corr.fit_kww(bad_tau, g2)
    with pytest.raises(ValueError, match="sigma must be finite"):
        corr.fit_kww(tau, g2, sigma=np.where(tau > 1, np.nan, 0.01))
    with pytest.raises(ArgumentTypeError, match="fix_alpha must be a real number .*got True"):
        corr.fit_kww(tau, g2, fix_alpha=True)
    with pytest.raises(ValueError, match="fix_baseline must be a finite number, got nan"):
        corr.fit_kww(tau, g2, fix_baseline=np.nan)
    with pytest.raises(ArgumentTypeError, match="absolute_sigma must be True or False, got 1"):
        corr.fit_kww(tau, g2, absolute_sigma=1)
    with pytest.raises(ValueError, match="a key of p0 must be one of .*got 'gamma'"):
        corr.fit_kww(tau, g2, p0={"gamma": 1.0})
    with pytest.raises(ValueError, match="alpha_bounds must be"):
        corr.fit_kww(tau, g2, alpha_bounds=(2.0, 1.0))


def test_kww_checks_its_parameters():
    assert corr.kww(np.float32(0.0), 1.0, np.int64(1), 2.0, 1.0) == 2.0
    with pytest.raises(ArgumentTypeError, match="alpha must be a real number .*got True"):
        corr.kww([1.0], 1.0, 0.2, 1.0, True)
    with pytest.raises(ValueError, match="tau must be finite"):
        corr.kww([1.0, np.nan], 1.0, 0.2, 1.0, 1.0)


# ----------------------------------------------------------------- geometry


def test_detector_sizes_and_lengths():
    det = Detector(shape=(np.int64(6), np.int32(4)), pixel_size=np.float32(55e-6))
    assert det.shape == (6, 4) and all(type(n) is int for n in det.shape)
    assert det.q_map().shape == (6, 4)
    for bad in (True, 4.0, 2.5, np.float32(4)):
        with pytest.raises(ArgumentTypeError, match=r"shape\[1\] must be an integer"):
            Detector(shape=(6, bad))
    with pytest.raises(ArgumentTypeError, match="shape must be two numbers"):
        Detector(shape=6)
    with pytest.raises(ValueError, match=r"shape\[0\] must be >= 1, got 0"):
        Detector(shape=(0, 4))
    with pytest.raises(ValueError, match="distance must be a finite number, got nan"):
        Detector(distance=np.nan)
    with pytest.raises(ValueError, match=r"wavelength must be > 0.0 \(metres\), got -1.0"):
        Detector(wavelength=-1.0)
    with pytest.raises(ArgumentTypeError, match="pixel_size must be a real number"):
        Detector(pixel_size=torch.tensor(55e-6))
