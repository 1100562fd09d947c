"""Labelled C2 with known truth, and a synthetic rheo-XPCS experiment.

Two ways to make a C2 from a :class:`~xpcs_nb.simulate.Dynamics`:

* ``method="movie"`` -- the honest path: simulate the photon counts of one ROI (a
  q-ring x azimuthal sector of the detector) and correlate them with
  :func:`xpcs_nb.correlation.two_time`; its cost grows with T^2 (``book/performance.md``).
* ``method="analytic"`` -- the fast path for datasets: the expected C2 averaged over
  the ROI's pixels (:meth:`Dynamics.c2_theory`) plus Gaussian noise of the size an
  N-pixel average has (:func:`c2_noise_std`).  The noise is white, which real (and
  movie) noise is not: it is correlated over the relaxation time.  The tests check
  that the two paths agree in mean and in noise level.

Labels
------
Rate classes 0-4 follow the AI-NERD paper's classes: 0 nearly stationary, 1 slow
evolution, then 2, 3, 4 increasingly fast.  They are set by the decay per frame
``Gamma dt`` at the ROI's mean q; the band of C2 around the diagonal is
``1 / (2 Gamma dt)`` frames wide (~2500, 250, 60, 16, 4 frames).  Two behaviours that
the rate alone does not describe get labels of their own, because they change the
*shape* of a C2, which is what a clustering sees: 5 heterodyne (fringes parallel to
the diagonal) and 6 avalanche (square blocks).  Each truth also carries the rate
class of its mean rate, so the rate order stays available for those two.

Times: the *sample clock* is seconds since the shear stopped (XPCS windows are
placed on it); the rheometer clock of :func:`rheo_experiment` is that plus
``shear_stop_time``.

The files: :mod:`.labels` (the seven labels and the dynamics drawn for each),
:mod:`.sector` (:class:`SectorROI`), :mod:`.labelled_c2` (:func:`scenario_c2` and its truth),
:mod:`.analytic` (expected C2 and its noise), :mod:`.rheo_experiment` (the run).
"""

from .analytic import c2_noise_std, expected_c2
from .labelled_c2 import C2Truth, c2_for_dynamics, scenario_batch, scenario_c2, scenario_truth
from .labels import (
    AVALANCHE,
    CLASS_DECAY_PER_FRAME,
    CLASS_NAMES,
    HETERODYNE,
    N_RATE_CLASSES,
    rate_class,
    scenario_dynamics,
)
from .rheo_experiment import (
    IN_BURST_ACTIVITY,
    BURST_BOOST,
    BURST_DECAY_TIME,
    BURST_RESET_FRACTION,
    RheoExperiment,
    SectorRate,
    rheo_experiment,
)
from .sector import DEFAULT_DETECTOR, PAPER_Q_EDGES, SectorROI

__all__ = [
    "CLASS_NAMES",
    "N_RATE_CLASSES",
    "HETERODYNE",
    "AVALANCHE",
    "CLASS_DECAY_PER_FRAME",
    "PAPER_Q_EDGES",
    "DEFAULT_DETECTOR",
    "SectorROI",
    "C2Truth",
    "rate_class",
    "scenario_dynamics",
    "scenario_c2",
    "scenario_truth",
    "scenario_batch",
    "c2_for_dynamics",
    "expected_c2",
    "c2_noise_std",
    "SectorRate",
    "BURST_BOOST",
    "IN_BURST_ACTIVITY",
    "BURST_DECAY_TIME",
    "BURST_RESET_FRACTION",
    "RheoExperiment",
    "rheo_experiment",
]
