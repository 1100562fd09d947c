"""How often the alignment test finds a coupling that is there: its power over synthetic runs.

One synthetic run gives one p-value, and a p-value of one run near the level says
little: another seed, or another CPU's rounding in the encoder, moves it to the other
side. The power is the share of runs, each drawn with its own seed, in which the test
finds the coupling (p below the level). Encoding and clustering 900 C2 per run is too
slow to repeat over many seeds in a chapter, so :func:`truth_alignment_p` runs the
test on the *truth* of :func:`~xpcs_nb.scenarios.rheo_experiment`: a sector counts as
fast where a perfect clustering would put it in the fastest class (inside a burst, or
of the fastest rate class). Its power is the ceiling of the pipeline's: the test
cannot do better with classes made by an encoder than with the true ones.

Only the truths and the rheometer trace are made (no C2), a second or so per run.

>>> truth_alignment_p(0, n_windows=20, n_permutations=199).keys()
dict_keys(['seed', 'p_value', 'n_minima', 'n_bursts'])
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..scenarios import rheo_experiment
from ..validation import check_array, check_int, check_real
from .alignment import transition_alignment
from .fractions import class_fractions
from .stress import stress_after_shear, stress_minima

__all__ = ["FASTEST_LABEL", "truth_alignment_p", "alignment_power"]

FASTEST_LABEL = 4  # the fastest rate class of the library's labels


def truth_alignment_p(seed: int, *, n_windows: int = 50, n_permutations: int = 1999,
                      **experiment_options) -> dict:
    """The alignment test of chapter 5 on one synthetic run's truth.

    The run is ``rheo_experiment(n_windows=n_windows, seed=seed, **experiment_options)``;
    its stress minima inside the windows' span are tested against the transitions of
    the share of truly fast sectors (threshold 0.25, as the chapter), with
    ``n_permutations`` random shifts seeded by ``seed``.

    Returns
    -------
    dict
        ``seed``, ``p_value``, ``n_minima`` (minima tested), ``n_bursts`` (bursts drawn).
    """
    seed = check_int(seed, "seed", minimum=0)
    experiment = rheo_experiment(n_windows=check_int(n_windows, "n_windows", minimum=2), seed=seed,
                                 **experiment_options)
    truth = experiment.table()
    fast = (truth.in_burst | (truth.label == FASTEST_LABEL)).to_numpy().astype(int)  # (W * sectors,)
    window_times = experiment.shear_stop_time + truth.groupby("window").window_start.first().to_numpy()
    spacing = float(np.median(np.diff(window_times)))
    _, minima = stress_minima(*stress_after_shear(experiment.rheometer))
    minima = minima[(minima >= window_times[0]) & (minima < window_times[-1] + spacing)]
    if minima.size == 0:
        return dict(seed=seed, p_value=1.0, n_minima=0, n_bursts=len(experiment.bursts))
    fractions = class_fractions(fast, truth.window.to_numpy(), n_classes=2)
    test = transition_alignment(fractions, window_times, minima, [1], seed=seed, n_permutations=n_permutations)
    return dict(seed=seed, p_value=test.p_value, n_minima=int(minima.size), n_bursts=len(experiment.bursts))


def alignment_power(seeds, *, alpha: float = 0.05, **options) -> tuple[float, pd.DataFrame]:
    """The share of synthetic runs whose truth-based test gives p below ``alpha``.

    Parameters
    ----------
    seeds : sequence of int
        One run per seed.
    alpha : float in (0, 1)
        The level.
    **options
        Passed to :func:`truth_alignment_p` (``n_windows``, ``n_permutations``, and the
        options of :func:`~xpcs_nb.scenarios.rheo_experiment`).

    Returns
    -------
    power : float
        Share of the runs with p < ``alpha``.
    runs : DataFrame
        One row per seed: ``seed``, ``p_value``, ``n_minima``, ``n_bursts``.
    """
    seeds = check_array(seeds, "seeds", ndim=1, kind="integer", minimum=0)
    alpha = check_real(alpha, "alpha", minimum=0, maximum=1, include_min=False, include_max=False)
    runs = pd.DataFrame([truth_alignment_p(int(seed), **options) for seed in seeds])
    return float(np.mean(runs.p_value < alpha)), runs
