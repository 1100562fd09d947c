"""An evaluation that can tell methods apart: does the method work, and better than its baselines?

Clustering all seven labels of the library with k = 7 cannot tell a trained encoder
from an untrained one: the five rate classes are easy for every method, and the
heterodyne and avalanche crops, which carry every rate, scatter over all clusters
for every method. So the labels are scored the way their physics asks:

1. **Rate classes (0-4)** differ in one number, the relaxation rate: k-means with
   k = 5 on those crops alone, ARI against the truth, over several k-means seeds
   (:func:`rate_class_ari`), across a sweep of photon rates (:func:`noise_sweep`)
   from 10 photons per pixel per frame down to 0.1, where every method must break.
2. **Shape families (5 heterodyne fringes, 6 avalanche blocks)** ride on any rate:
   retrieval, the share of each family crop's k nearest neighbours in feature space
   that belong to its family (:func:`family_retrieval`), against chance
   (:func:`chance_precision`); crops cut from the query's own large C2 never count.
   A crop is labelled by what it shows (:func:`crop_labels`): a crop of an
   avalanche C2 whose frames miss the avalanche is a rate-class crop.
3. The **diagonal** is an explicit choice (:func:`treat_diagonal`, ``"keep"`` or
   ``"neighbours"``): its shot-noise lift, ``1 / photons_per_pixel``, dominates the
   min-max scaling below about one photon.
4. **Every method side by side** (:data:`METHODS`): the trained encoder, the same
   network untrained, PCA, raw pixels, a fitted relaxation time; means and spreads
   over k-means seeds, untrained draws and (where given) training seeds, in one tidy
   table (:func:`method_table`, :func:`wide_table`).
5. A **verdict** in words (:func:`verdicts`): the trained encoder is "better than",
   "no better than" or "worse than" each other method, by whether the difference of
   means exceeds their combined spread.

6. A **continuous truth** (:func:`continuous_set`): rates, KWW and q exponents drawn
   from ranges with no gaps, heterodyne, avalanche and aging crops, scored by rank
   correlation, kNN R² and balanced accuracy held out by map
   (:func:`truth_predictions`), each difference to the trained encoder with a paired
   bootstrap interval over maps (:func:`paired_scores`).

Files: ``diagonal.py`` (the diagonal treatment), ``data.py`` (evaluation sets),
``continuous.py`` (the continuous truth), ``relaxation.py`` (the fixed-baseline fit),
``truth_scores.py`` (scores of the continuous truth), ``features.py`` (the methods), ``scores.py`` (ARI and retrieval), ``table.py`` (the
tidy table), ``compare.py`` (methods side by side, the sweep), ``paired.py`` (paired differences
with a bootstrap interval over evaluation maps); the verdicts' words are in
:mod:`xpcs_nb.words`.

>>> import numpy as np
>>> labels = np.array([5, 5, 0, 0])
>>> precision_at_k(np.array([[0.0], [0.1], [3.0], [3.1]]), labels, [0, 1], k=1).tolist()
[1.0, 1.0]
"""

from .by_label import ALL_LABELS, BY_LABEL_COLUMNS, per_query_precision, precision_by_label
from .compare import SWEEP_PHOTONS, compare_methods, noise_sweep
from .continuous import (CONTINUOUS_SEED, DECAY_RANGE, KINDS, KWW_RANGE, Q_EXPONENT_RANGE, ContinuousSpec,
                         continuous_set, continuous_spec, continuous_store, continuous_truth, load_continuous_set)
from .data import (EVALUATION_SEED, EvaluationSet, crop_labels, evaluation_set,
                   evaluation_spec, evaluation_store, load_evaluation_set, stored_profiles)
from .relaxation import RATE_BOUNDS, fit_rates, lag_profiles, relaxation_features, unscaled_crops
from .truth_scores import (TRUTH_SCORES, continuous_comparison, held_out, paired_ari, paired_scores, score_of,
                           truth_predictions)
from .diagonal import DIAGONAL_CHOICES, diagonal_lift, treat_diagonal
from .paired import PairedDifference, interval_verdict, paired_bootstrap, paired_mean_difference
from .split_leak import NEW_MAPS_SEED, leak_test_images, mean_over_sources, new_maps_store, per_image_mse
from .paired_search import PAIRED_COLUMNS, TOO_FEW_MAPS, paired_precision_differences
from .features import (BASELINE_KINDS, METHODS, baseline_features, classical_features, feature_sets,
                       method_features, network_features, relaxation_time_features, untrained_copy)
from .scores import chance_precision, cluster_scores, family_retrieval, precision_at_k, rate_class_ari, score_table
from .table import FAMILIES, RATE_METRIC, TABLE_COLUMNS, method_table, retrieval_metric, wide_table
from ..words.verdicts import METHOD_NAMES, VERDICTS, names_list, verdict, verdict_sentence, verdicts  # the words live in xpcs_nb.words

__all__ = [
    "cluster_scores", "score_table", "BASELINE_KINDS", "baseline_features",
    "NEW_MAPS_SEED", "leak_test_images", "mean_over_sources", "new_maps_store", "per_image_mse",
    "DECAY_RANGE", "KWW_RANGE", "Q_EXPONENT_RANGE", "continuous_store", "RATE_BOUNDS", "unscaled_crops",
    "held_out", "score_of",
    "DIAGONAL_CHOICES", "diagonal_lift", "treat_diagonal",
    "EVALUATION_SEED", "EvaluationSet", "crop_labels", "evaluation_spec", "evaluation_store",
    "load_evaluation_set", "evaluation_set", "stored_profiles",
    "CONTINUOUS_SEED", "KINDS", "ContinuousSpec", "continuous_set", "continuous_spec", "continuous_truth",
    "load_continuous_set", "fit_rates", "lag_profiles", "relaxation_features",
    "TRUTH_SCORES", "truth_predictions", "paired_scores", "continuous_comparison", "paired_ari",
    "METHODS", "untrained_copy", "network_features", "relaxation_time_features", "classical_features",
    "feature_sets", "method_features",
    "rate_class_ari", "precision_at_k", "chance_precision", "family_retrieval",
    "TABLE_COLUMNS", "FAMILIES", "RATE_METRIC", "retrieval_metric", "method_table", "wide_table",
    "SWEEP_PHOTONS", "compare_methods", "noise_sweep",
    "PairedDifference", "paired_bootstrap", "paired_mean_difference", "interval_verdict",
    "PAIRED_COLUMNS", "TOO_FEW_MAPS", "paired_precision_differences",
    "VERDICTS", "METHOD_NAMES", "verdict", "verdicts", "verdict_sentence", "names_list",
    "ALL_LABELS", "BY_LABEL_COLUMNS", "per_query_precision", "precision_by_label",
]
