"""Classes over time next to the rheometer: the paper's Fig. 3.

The experiment (Horwath et al., section III and V A): a colloidal glass is sheared
(30/s, then 100/s), the shear stops, and while the stress relaxes XPCS records the
dynamics in 18 azimuthal sectors. Each 57-second window gives 18 C2 maps, each C2 a
class. This subpackage

1. counts the classes in every window (:func:`class_fractions`, Fig. 3A's stacked
   bars; ``fractions.py``);
2. finds the minima of the stress trace (:func:`stress_minima`, Fig. 3's black lines;
   ``stress.py``);
3. puts the XPCS windows on the rheometer's clock (:func:`shear_stop_time`,
   :func:`align_windows`; ``stress.py``);
4. asks whether the windows where slow and fast classes trade places sit closer to
   the stress minima than chance would put them (:func:`transition_alignment`;
   ``alignment.py``).

The published files hold no XPCS timestamps on the rheometer clock; step 3 works the
offset out from the shear-rate column (see :func:`shear_stop_time`).

Example
-------
>>> import numpy as np
>>> labels = np.array([0, 0, 1, 1, 1, 2])
>>> windows = np.array([0, 0, 0, 1, 1, 1])
>>> class_fractions(labels, windows, n_classes=3).round(2).values.tolist()
[[0.67, 0.33, 0.0], [0.0, 0.67, 0.33]]
"""

from .alignment import TransitionAlignment, transition_alignment, transition_times
from .fractions import class_fractions
from .power import FASTEST_LABEL, alignment_power, truth_alignment_p
from .stress import (
    NOISE_PROMINENCE_FACTOR,
    align_windows,
    noise_level,
    shear_stop_time,
    stress_after_shear,
    stress_minima,
)

__all__ = [
    "NOISE_PROMINENCE_FACTOR",
    "TransitionAlignment",
    "class_fractions",
    "shear_stop_time",
    "align_windows",
    "stress_after_shear",
    "noise_level",
    "stress_minima",
    "transition_times",
    "transition_alignment",
    "FASTEST_LABEL",
    "truth_alignment_p",
    "alignment_power",
]
