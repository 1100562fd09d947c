"""The latent space: encoding, k-means and its knee, UMAP, nearest neighbours.

What the AI-NERD paper does with its encoder (Horwath et al., sections II and V E):

1. encode every C2 crop into a 64-number latent vector (:func:`encode`);
2. run k-means for k = 2 .. 12 and pick k at the elbow of the inertia curve
   (:func:`kmeans_sweep`, :func:`find_knee`; the paper found four to six);
3. number the classes by relaxation rate, class 0 the slowest
   (:func:`band_width`, :func:`order_by_relaxation`, :func:`order_by_decoded_centres`);
4. draw the latent space in 2-D with UMAP, only to look at (:func:`umap_embedding`);
5. find the crops most similar to a query by euclidean distance in the latent space,
   never in the UMAP plane (:func:`nearest_neighbours`, :func:`find_similar`);
6. say how far new data lie from the reference set, against the set's own spacing
   (:func:`distance_to_reference`, the domain-gap measure of chapter 6).

:class:`LatentSpace` keeps steps 1-3 and 5 together for new data: a model, reference
latents, centres and class order; ``classify`` and ``neighbours`` for a new map or
file; ``save`` / ``load`` to a folder.

Scores against a known truth, and the classical features to compare with, live in
:mod:`xpcs_nb.evaluation` (:func:`~xpcs_nb.evaluation.cluster_scores`,
:func:`~xpcs_nb.evaluation.score_table`, :func:`~xpcs_nb.evaluation.baseline_features`).

One file per concept:

- :mod:`.encoding`: :func:`encode`, :func:`decode`, batched, on the model's device;
- :mod:`.knee`: the elbow of a curve (:class:`Knee`, :func:`find_knee`);
- :mod:`.clusters`: k-means (:func:`cluster`, :func:`kmeans_sweep`,
  :class:`SweepResult`) and :func:`umap_embedding`;
- :mod:`.ordering`: class numbers by relaxation rate (:func:`band_width`, ...);
- :mod:`.search`: :func:`nearest_neighbours`, :func:`find_similar`;
- :mod:`.gap`: :func:`nearest_distance_within`, :func:`distance_to_reference`;
- :mod:`.space`: :class:`LatentSpace`.

(``encoding``, not ``encode``: a submodule named like
the function it exports would be hidden by it, and ``import xpcs_nb.latent.encode``
would give the function.)

Shapes: ``crops (N, S, S)``, ``latents (N, D)`` (D = 64 for the published model),
``labels (N,)``, ``centres (k, D)``.

Example
-------
>>> import numpy as np
>>> from xpcs_nb import latent
>>> rng = np.random.default_rng(0)
>>> latents = np.concatenate([rng.normal(0, 0.1, (20, 3)), rng.normal(5, 0.1, (20, 3))])
>>> labels, centres = latent.cluster(latents, k=2, seed=0)
>>> np.bincount(labels).tolist()
[20, 20]
>>> indices, distances = latent.nearest_neighbours(latents, latents[3], k=2)
>>> int(indices[0]), float(distances[0])
(3, 0.0)
"""

from .clusters import PAPER_KS, SweepResult, cluster, kmeans_sweep, umap_embedding
from .encoding import decode, encode
from .gap import distance_to_reference, nearest_distance_within
from .knee import Knee, find_knee
from .ordering import band_width, order_by_decoded_centres, order_by_relaxation
from .search import SimilarC2, find_similar, nearest_neighbours
from .space import MAP_COLUMN, SPACE_FORMAT, SPACE_VERSION, LatentSpace

__all__ = [
    "PAPER_KS",
    "Knee",
    "SweepResult",
    "encode",
    "decode",
    "find_knee",
    "kmeans_sweep",
    "cluster",
    "umap_embedding",
    "nearest_neighbours",
    "band_width",
    "order_by_relaxation",
    "order_by_decoded_centres",
    "SimilarC2",
    "find_similar",
    "nearest_distance_within",
    "distance_to_reference",
    "LatentSpace",
    "MAP_COLUMN",
    "SPACE_FORMAT",
    "SPACE_VERSION",
]
