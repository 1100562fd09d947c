"""Input rules of xpcs_nb.simulate and xpcs_nb.scenarios.

Every public entry point that takes a size, a seed, a real number or an array is fed
the values readers get wrong: ``True`` and floats where an integer belongs (also
``np.float32``), numpy integers (accepted), NaN, and torch tensors (refused as
numbers, accepted as CPU arrays).  A wrong kind raises ``ArgumentTypeError`` (a
TypeError and a ValueError), a value out of range a ``ValueError``; both name the
argument and what came.
"""

from __future__ import annotations

import numpy as np
import pytest

from xpcs_nb import scenarios as sc
from xpcs_nb import simulate as sim
from xpcs_nb.geometry import Detector
from xpcs_nb.validation import ArgumentTypeError

torch = pytest.importorskip("torch")

SMALL = Detector(shape=(4, 4))
ROI = sc.SectorROI()


def _movie(**kwargs):
    arguments = {"detector": SMALL, "dynamics": sim.stationary(1.0), "n_frames": 3, "dt": 0.01, "seed": 0}
    return sim.simulate_movie(**(arguments | kwargs))


def _scenario(**kwargs):
    return sc.scenario_c2(**({"label": 1, "n_frames": 8, "seed": 0} | kwargs))


def _truth(**kwargs):
    return sc.scenario_truth(**({"label": 1, "n_frames": 8, "seed": 0} | kwargs))


def _batch(**kwargs):
    return sc.scenario_batch(**({"labels": [0, 5], "n_frames": 8, "seed": 0} | kwargs))


def _c2_for_dynamics(**kwargs):
    arguments = {"dynamics": sim.stationary(1.0), "roi": ROI, "n_frames": 8, "dt": 0.1, "seed": 0}
    return sc.c2_for_dynamics(**(arguments | kwargs))


def _experiment(**kwargs):
    return sc.rheo_experiment(**({"n_sectors": 2, "n_windows": 2, "window_frames": 8, "seed": 0} | kwargs))


def _noise(**kwargs):
    arguments = {"c2_mean": np.full((4, 4), 1.1), "contrast": 0.25, "photons_per_pixel": 1.0, "n_pixels": 50}
    return sc.c2_noise_std(**(arguments | kwargs))


def _expected(**kwargs):
    arguments = {"dynamics": sim.stationary(1.0), "roi": ROI, "times": [0.0, 0.1, 0.2], "contrast": 0.25}
    return sc.expected_c2(**(arguments | kwargs))


def _draw(**kwargs):
    arguments = {"label": 0, "rng": np.random.default_rng(0), "dt": 0.1, "n_frames": 8, "roi": ROI}
    return sc.scenario_dynamics(**(arguments | kwargs))


# (call, argument, a good integer value)
INTEGER_ARGUMENTS = [
    (_movie, "n_frames", 4),
    (_movie, "seed", 3),
    (_movie, "grains_per_pixel", 2),
    (_scenario, "label", 2),
    (_scenario, "n_frames", 6),
    (_scenario, "seed", 5),
    (_scenario, "grains_per_pixel", 2),
    (_truth, "label", 6),
    (_truth, "seed", 5),
    (_batch, "n_frames", 6),
    (_batch, "seed", 5),
    (_c2_for_dynamics, "n_frames", 6),
    (_c2_for_dynamics, "seed", 5),
    (_c2_for_dynamics, "grains_per_pixel", 2),
    (_experiment, "n_sectors", 3),
    (_experiment, "n_windows", 1),
    (_experiment, "window_frames", 6),
    (_experiment, "seed", 5),
    (_experiment, "grains_per_pixel", 2),
    (_noise, "n_pixels", 10),
    (_draw, "label", 6),
    (_draw, "n_frames", 6),
    (lambda **kw: sc.SectorROI(**kw), "sector", 4),
    (lambda **kw: sc.SectorROI(**({"sector": 0} | kw)), "n_sectors", 6),
]
_INT_IDS = [f"{call.__name__}-{name}" for call, name, _ in INTEGER_ARGUMENTS]


@pytest.mark.parametrize(("call", "name", "good"), INTEGER_ARGUMENTS, ids=_INT_IDS)
def test_numpy_integers_are_accepted(call, name, good):
    call(**{name: np.int64(good)})
    call(**{name: np.int32(good)})


@pytest.mark.parametrize(("call", "name", "good"), INTEGER_ARGUMENTS, ids=_INT_IDS)
@pytest.mark.parametrize("bad", [True, 2.5, "float32", "nan", "tensor"])
def test_non_integers_are_refused_by_name(call, name, good, bad):
    value = {"float32": np.float32(good), "nan": float("nan"), "tensor": torch.tensor(good)}.get(bad, bad)
    with pytest.raises(ArgumentTypeError, match=f"{name} must be an integer") as error:
        call(**{name: value})
    assert type(value).__name__ in str(error.value)  # the message says what came


# (call, argument, a good real value)
REAL_ARGUMENTS = [
    (_movie, "dt", 0.02),
    (_movie, "photons_per_pixel", 2.5),
    (_movie, "t_start", 1.5),
    (_scenario, "dt", 0.05),
    (_scenario, "photons_per_pixel", 2.5),
    (_scenario, "window_start", 3.0),
    (_c2_for_dynamics, "t_start", 3.0),
    (_experiment, "dt", 0.05),
    (_experiment, "hit_probability", 0.25),
    (_experiment, "photons_per_pixel", 2.5),
    (_noise, "contrast", 0.5),
    (_noise, "photons_per_pixel", 2.5),
    (_expected, "contrast", 0.5),
    (_draw, "dt", 0.05),
    (lambda **kw: sim.stationary(**({"rate": 1.0} | kw)), "rate", 2.5),
    (lambda **kw: sim.aging(**({"rate0": 1.0, "t_age": 1.0} | kw)), "t_age", 2.5),
    (lambda **kw: sim.relaxation_after_shear(**({"rate_fast": 9.0, "rate_slow": 1.0, "tau_relax": 1.0} | kw)),
     "tau_relax", 2.5),
    (lambda **kw: sim.avalanches(**({"rate": 1.0, "times": [1.0], "fraction": 0.5} | kw)), "fraction", 0.25),
    (lambda **kw: sim.heterodyne(**({"rate": 1.0, "speed": 10.0, "reference_fraction": 0.3} | kw)),
     "speed", 2.5),
    (lambda **kw: sim.Dynamics(**({"rate": 1.0} | kw)), "q_exponent", 1.5),
    (lambda **kw: sc.rate_class(**kw), "decay_per_frame", 0.01),
]
_REAL_IDS = [f"{call.__name__}-{name}" for call, name, _ in REAL_ARGUMENTS]


@pytest.mark.parametrize(("call", "name", "good"), REAL_ARGUMENTS, ids=_REAL_IDS)
def test_reals_accept_floats_and_numpy_numbers(call, name, good):
    call(**{name: good})
    call(**{name: np.float32(good)})
    call(**{name: np.float64(good)})


@pytest.mark.parametrize(("call", "name", "good"), REAL_ARGUMENTS, ids=_REAL_IDS)
def test_reals_refuse_bool_nan_and_tensors(call, name, good):
    with pytest.raises(ArgumentTypeError, match=f"{name} must be a real number.*True"):
        call(**{name: True})
    with pytest.raises(ArgumentTypeError, match=f"{name} must be a real number.*Tensor"):
        call(**{name: torch.tensor(good)})
    with pytest.raises(ValueError, match=f"{name} must be a finite number, got nan"):
        call(**{name: float("nan")})


def test_integer_valued_reals_are_accepted_where_a_time_belongs():
    assert _movie(dt=np.int64(1)).dt == 1.0


# (call, argument, a good array)
ARRAY_ARGUMENTS = [
    (_movie, "intensity_map", np.full((4, 4), 0.5)),
    (_noise, "c2_mean", np.full((4, 4), 1.1)),
    (_expected, "times", np.array([0.0, 0.1, 0.2])),
    (lambda **kw: sim.avalanches(**({"rate": 1.0, "fraction": 0.5} | kw)), "times", np.array([0.5, 1.0])),
    (lambda **kw: sim.structure_factor_peak(**kw), "q", np.array([0.02, 0.03])),
    (lambda **kw: sim.Dynamics(**kw), "rate", np.array([1.0, 2.0, 0.5])),
    (lambda **kw: sim.Dynamics(**({"rate": 1.0} | kw)), "flow_velocity", np.array([1.0, 2.0])),
    (lambda **kw: sc.SectorRate(1.0, 0.1, 10.0, 1.0, 10.0, 2.0, 5.0, **kw), "burst_times", np.array([5.0, 9.0])),
]
_ARRAY_IDS = [f"{call.__name__}-{name}" for call, name, _ in ARRAY_ARGUMENTS]


def _as_comparable(result):
    if isinstance(result, sim.SpeckleMovie):
        return result.frames
    if isinstance(result, sim.Dynamics):
        return (result.rate, result.avalanche_times, result.flow_velocity)
    if isinstance(result, sc.SectorRate):
        return result.burst_times
    return result


@pytest.mark.parametrize(("call", "name", "good"), ARRAY_ARGUMENTS, ids=_ARRAY_IDS)
def test_arrays_accept_lists_and_cpu_tensors_alike(call, name, good):
    expected = _as_comparable(call(**{name: good}))
    for same in (good.tolist(), torch.from_numpy(good)):
        got = _as_comparable(call(**{name: same}))
        if isinstance(expected, np.ndarray):
            np.testing.assert_array_equal(got, expected)
        else:
            assert got == expected


@pytest.mark.parametrize(("call", "name", "good"), ARRAY_ARGUMENTS, ids=_ARRAY_IDS)
def test_arrays_holding_nan_are_refused_by_name(call, name, good):
    bad = good.astype(float)
    bad.flat[-1] = np.nan
    with pytest.raises(ValueError, match=f"{name} must be finite"):
        call(**{name: bad})


def test_labels_of_a_batch_are_integers():
    c2s, truths = _batch(labels=np.array([1, 6], dtype=np.int64))
    assert [truth.label for truth in truths] == [1, 6]
    assert [truth.label for truth in _batch(labels=torch.tensor([1, 6]))[1]] == [1, 6]
    with pytest.raises(ArgumentTypeError, match="labels must hold integers"):
        _batch(labels=[1.5, 2.0])
    with pytest.raises(ArgumentTypeError, match="labels must hold integers"):
        _batch(labels=[True, False])
    with pytest.raises(ArgumentTypeError, match="labels must hold integers"):
        _batch(labels=[1.0, float("nan")])
    with pytest.raises(ValueError, match="labels must have values >= 0 and <= 6"):
        _batch(labels=[0, 7])


def test_wrong_kinds_of_objects_are_named():
    with pytest.raises(ArgumentTypeError, match="detector must be a Detector"):
        _movie(detector=(4, 4))
    with pytest.raises(ArgumentTypeError, match="dynamics must be a Dynamics"):
        _movie(dynamics=1.0)
    with pytest.raises(ArgumentTypeError, match="roi must be a SectorROI"):
        _scenario(roi=0)
    with pytest.raises(ArgumentTypeError, match="rng must be a numpy.random.Generator"):
        _draw(rng=0)
    with pytest.raises(ValueError, match="method must be one of 'analytic', 'movie'"):
        _experiment(method="fast")


def test_ranges_are_named_with_the_value_that_came():
    with pytest.raises(ValueError, match="label must be >= 0 and <= 6.*heterodyne.*got 7"):
        _scenario(label=7)
    with pytest.raises(ValueError, match="sector must be >= 0 and <= 17 for 18 sectors, got 18"):
        sc.SectorROI(sector=18)
    with pytest.raises(ValueError, match="drop_duration must be > 0"):
        _experiment(drop_duration=0.0)
    with pytest.raises(ValueError, match="c2_mean must be a square map"):
        _noise(c2_mean=np.ones((3, 4)))
    with pytest.raises(ValueError, match="q_edges must be increasing"):
        sc.SectorROI(q_edges=(0.029, 0.019))


def test_theory_of_a_dynamics_checks_its_arguments():
    dynamics = sim.stationary(2.0)
    np.testing.assert_allclose(dynamics.g2_theory(torch.tensor([0.02]), [0.0], np.float32(0.5)), [1.5])
    np.testing.assert_allclose(dynamics.c2_theory(np.float64(0.02), torch.tensor([0.0, 0.1]), 0.5)[0, 0], 1.5)
    with pytest.raises(ValueError, match="tau must be finite"):
        dynamics.g2_theory(0.02, [0.1, np.nan], 0.5)
    with pytest.raises(ValueError, match=r"contrast must be > 0.0 and <= 1.0 \(speckle contrast beta\), got 2.0"):
        dynamics.g2_theory(0.02, [0.1], 2.0)
    with pytest.raises(ArgumentTypeError, match="contrast must be a real number.*True"):
        dynamics.c2_theory(0.02, [0.0, 0.1], True)
    with pytest.raises(ValueError, match="times must be finite"):
        dynamics.c2_theory(0.02, [0.0, np.nan], 0.5)
    with pytest.raises(ValueError, match="q must be >= 0"):
        _movie().relaxation_rate(-0.01)
