"""Correlation maths: ROI maps, two-time C2, multi-tau g2, diagonal means (g2 from C2), KWW fit.

Shapes: ``frames (T, H, W)``, ``labels (H, W)``, ``c2 (n_roi, T, T)``,
``g2 (n_roi, n_lags)``.  Time runs down the rows and across the columns of every
C2, origin upper left (as in APS 8-ID-I result files).

One file per concept:

- :mod:`.roi`: q-rings x azimuthal sectors (:func:`roi_partition`), their nominal
  bounds and measured statistics;
- :mod:`.pixels`: the pixels of each ROI gathered from a frame stack in chunks (the
  private kernel both correlators read through);
- :mod:`.twotime`: two-time C2 in the paper's form (q-binned mean), its per-pixel
  variant and the APS ratio form, optionally with static bins (:func:`two_time`);
  :mod:`.staticbins` divides by the static bins' means, :mod:`.gram` holds the
  matrix product (BLAS SYRK on the CPU, a GEMM on a torch device), :mod:`.normalise`
  turns the accumulated product into C2 (scale, mirror, dark frames);
- frame stacks on disk (HDF5, ``.npy``, raw) are read a block of frames at a time
  (:func:`open_frames`, from :mod:`xpcs_nb.io`); :mod:`.streamed` correlates them
  with two blocks in memory (:func:`two_time` and :func:`multi_tau_g2` take such a source, or a
  sparse matrix, wherever they take an array);
- :mod:`.sparse`: photon-sparse frames, a CSR matrix (T, H*W) or an event list
  (:func:`photon_events`), correlated without densifying;
- :mod:`.multitau`: multi-tau one-time g2 (:func:`multi_tau_g2`);
- :mod:`.diagonals`: means along the diagonals of C2 (:func:`diagonal_means`,
  :func:`g2_from_c2`, :func:`g2_with_errors` with per-lag standard errors and pair
  counts);
- :mod:`.ratiog2`: g2 per lag as beamline correlators compute it, a ratio of sums
  over pixels and frame pairs, with errors, beside the diagonal mean
  (:func:`g2_ratio_of_sums`);
- :mod:`.binned`: C2 averaged in (t1, t2) blocks (:func:`bin_c2`) and in (age, lag)
  coordinates (:func:`age_lag`), for long series;
- :mod:`.kww`: the stretched exponential and its fit (:func:`fit_kww`).

>>> import numpy as np
>>> from xpcs_nb import correlation
>>> frames = np.random.default_rng(0).poisson(2.0, size=(50, 16, 16))
>>> correlation.two_time(frames, np.ones((16, 16), dtype=bool)).shape
(1, 50, 50)
"""

from xpcs_nb.io import FrameSource, open_frames

from .binned import age_lag, bin_c2
from .diagonals import G2WithErrors, diagonal_means, g2_from_c2, g2_with_errors
from .kww import KWWFit, UnweightedFitWarning, fit_kww, kww
from .multitau import multi_tau_g2, multi_tau_lags
from .roi import azimuth_map, q_map, roi_bounds, roi_partition, roi_table
from .ratiog2 import G2RatioOfSums, g2_ratio_of_sums
from .sparse import photon_events
from .twotime import FORMS, two_time

__all__ = [
    "q_map",
    "azimuth_map",
    "roi_partition",
    "roi_bounds",
    "roi_table",
    "FORMS",
    "two_time",
    "FrameSource",
    "open_frames",
    "photon_events",
    "multi_tau_lags",
    "multi_tau_g2",
    "diagonal_means",
    "g2_from_c2",
    "G2WithErrors",
    "g2_with_errors",
    "bin_c2",
    "age_lag",
    "G2RatioOfSums",
    "g2_ratio_of_sums",
    "KWWFit",
    "kww",
    "fit_kww",
    "UnweightedFitWarning",
]
