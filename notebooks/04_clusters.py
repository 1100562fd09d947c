# ---
# jupyter:
#   jupytext:
#     cell_metadata_filter: tags,mystnb,-all
#     formats: ipynb,py:percent
#     notebook_metadata_filter: kernelspec,jupytext
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 4. Clusters in latent space
#
# ## Overview
#
# The autoencoder of chapter 3 turns every $C_2$ crop into 64 numbers. Crops with
# similar dynamics should land near each other in that 64-dimensional space, and
# groups of nearby points should be classes of behaviour. The AI-NERD paper found
# its classes with k-means and drew the space in two dimensions with UMAP
# {cite:p}`horwath2024`. In this chapter you will:
#
# 1. encode every crop of the synthetic library;
# 2. run k-means for k = 2 to 12 and choose k with the elbow method, made automatic
#    by finding the knee of the curve (and see its reasoning);
# 3. renumber the clusters by relaxation rate measured on the crops themselves, so
#    class 0 is the slowest, as in the paper;
# 4. draw the latent space with UMAP and look at random members of each class (the
#    paper's Fig. 2);
# 5. score the clusters against the truth the library was built with, and against
#    simpler baselines: PCA of the pixels, the raw pixels, a fitted relaxation time;
# 6. do the same on the paper's 900 real latent vectors.
#
# ## Prerequisites
#
# | you need | where |
# | --- | --- |
# | the library and its truth | chapter 2 |
# | the trained encoder | chapter 3 (this chapter trains or loads it on its own) |
# | k-means, the idea of a 2-D embedding | any machine-learning introduction |
#
# Time to run: about a minute at `fast` once chapter 3's model is cached (UMAP
# compiles itself on first use, about 15 s); a few minutes at `class`.

# %% tags=["parameters"]
import os

PRESET = os.environ.get("XPCS_PRESET", "class")  # "fast", "class" or "paper"
SEED = 0  # fixes the library, the model, k-means and UMAP

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch

from xpcs_nb import latent, paper, scenarios
from xpcs_nb.pipeline import crop_splits, trained_autoencoder
from xpcs_nb.plotting import PAGE_WIDTH, class_gallery, elbow, knee_construction, umap_scatter
from xpcs_nb.presets import get_preset

P = get_preset(PRESET)
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
KS = range(2, 13)  # the paper's range of k

# %% [markdown]
# ## Encoding the library
#
# Every crop of the library (all splits: clustering uses no labels, so there is
# nothing to hold out) goes through the encoder. The truth stays aside until we
# score.

# %%
crops, metadata, _ = crop_splits(P, SEED)
model, _ = trained_autoencoder(P, SEED, device=DEVICE, progress=False)
latents = latent.encode(model, crops, device=DEVICE)  # (N, 64)
truth = metadata.label.to_numpy()
print(f"latents {latents.shape}; {np.all(latents == 0, axis=0).sum()} of 64 dimensions are dead")

# %% [markdown]
# ## How many clusters? The elbow and its knee
#
# k-means splits the points into k groups, each around its centre, so that the
# *inertia*, the sum of squared distances of the points to their centres, is as small
# as it can be. More clusters always lower the inertia; the question is where adding
# one stops paying. Plotted against k, the inertia falls steeply and then flattens:
# the bend is the *elbow*.
#
# To find the bend without judging by eye, the Kneedle method scales the curve into
# the unit square, draws the chord from its first to its last point, and picks the
# point farthest below the chord. The middle panel shows that reasoning. The
# silhouette (how much closer each point is to its own cluster than to the next one,
# from -1 to 1) is a second opinion.

# %% mystnb={"figure": {"caption": "Choosing k on the synthetic library (the paper's Supp. Fig. 3): the k-means inertia against k with the knee marked (left), the Kneedle construction that finds it (middle: the point farthest below the chord) and the mean silhouette (right).", "name": "fig-elbow-synthetic"}}
def plot_elbow(sweep: latent.SweepResult, title: str):
    """Inertia with its knee, the Kneedle construction, and the silhouette, side by side."""
    fig, (ax_elbow, ax_knee, ax_sil) = plt.subplots(1, 3, figsize=(PAGE_WIDTH, 2.9), layout="constrained")
    elbow(sweep.ks, sweep.inertia, sweep.knee, title=title, ax=ax_elbow)
    knee_construction(sweep.knee, ax=ax_knee)
    ax_sil.plot(sweep.ks, sweep.silhouette, "o-")
    ax_sil.set_xlabel("k (clusters)")
    ax_sil.set_ylabel("mean silhouette")
    return fig


sweep = latent.kmeans_sweep(latents, ks=KS, seed=SEED)
plot_elbow(sweep, "synthetic library")
plt.show()
print(f"knee at k = {sweep.knee.value}; the library was built with {len(scenarios.CLASS_NAMES)} labels")

# %% [markdown]
# ## Classes ordered by relaxation rate
#
# k-means numbers its clusters arbitrarily. The paper ordered its classes from slow
# to fast. We do the same with a property measured on the crops themselves, not on
# the truth: the *width of the diagonal band*, the lag at which the mean of each
# diagonal has fallen halfway from the diagonal to its lowest value. A wide band is
# slow dynamics. Each cluster is ranked by the median band width of its members, the
# widest becoming class 0.
#
# We cluster with the knee's k and, for the scores, also with the true number of
# labels (7), so that a wrong k does not hide how well the space separates them.

# %%
widths = latent.band_width(crops)  # (N,) frames
k_knee = int(sweep.knee.value)
classes_knee, _ = latent.order_by_relaxation(sweep.labels_for(k_knee), widths)
classes, _ = latent.order_by_relaxation(latent.cluster(latents, len(scenarios.CLASS_NAMES), SEED)[0], widths)

confusion = pd.crosstab(pd.Series(metadata.name, name="true label"), pd.Series(classes, name="class"))
confusion = confusion.reindex(list(scenarios.CLASS_NAMES)).fillna(0).astype(int)
confusion

# %% [markdown]
# Read the table row by row: a perfect clustering puts each true label in one column
# only. The rate classes should spread from class 0 (slow) to class 6 (fast) if the
# band width orders them well; heterodyne and avalanche crops sit where their band
# width places them. One limit to know: the two slowest labels relax over thousands
# of frames, far beyond a 256-frame crop, so their measured band widths are nearly the
# same (a few tens of frames, where the measure saturates) and their order relative
# to each other is not meaningful. The order of the faster classes is.

# %% [markdown]
# ## The latent space in two dimensions: UMAP
#
# UMAP builds a graph of each point's nearest neighbours in the 64-dimensional space
# and lays it out in the plane so that neighbours stay neighbours. The paper's
# settings: 5 neighbours, minimum distance 0.25, and a fixed random state. UMAP keeps
# local structure; distances between far-apart groups in the plane mean little, and
# nothing is ever measured in the UMAP plane in this book.

# %%
embedding = latent.umap_embedding(latents, seed=42, n_neighbors=5, min_dist=0.25)  # (N, 2)

fig, (ax_classes, ax_truth) = plt.subplots(2, 1, figsize=(PAGE_WIDTH, 7.5), layout="constrained")
umap_scatter(embedding, classes, ordered=True, title="k-means classes (dark = slowest)", ax=ax_classes)
umap_scatter(embedding, truth, names=scenarios.CLASS_NAMES, title="true labels", ax=ax_truth)
plt.show()

# %% [markdown]
# ## What each class looks like (the paper's Fig. 2)
#
# Random members of each class, slowest first. Within a class the crops should look
# alike; from class to class the band should narrow.

# %% mystnb={"figure": {"caption": "Random members of each k-means class, slowest (widest band) at the top, as in the paper's Fig. 2. Look for crops that look alike within a row, and for the band narrowing from row to row.", "name": "fig-class-samples"}}
class_gallery(crops, classes, per_class=5, seed=SEED)  # one row per class, its size in brackets
plt.show()

# %% [markdown]
# ## Scores against the truth, and against simpler methods
#
# The library knows what each crop is, so we can score the clusters: the adjusted
# Rand index (ARI: 1 for a perfect match up to renaming, 0 for chance) and the
# normalised mutual information (NMI: 1 perfect, 0 independent). A fair question is
# whether the autoencoder is needed at all, so the same k-means (k = 7) runs on three
# baselines:
#
# - **PCA of the pixels**: the 64 main components of the flattened crops;
# - **raw pixels**: the crops themselves, downsampled 4× to 64 × 64;
# - **relaxation time**: one number per crop, the band width used above (the
#   classical XPCS summary).

# %%
features = {
    "autoencoder latents (64)": latents,
    "PCA of pixels (64)": latent.baseline_features(crops, kind="pca", seed=SEED),
    "raw pixels (64 x 64)": latent.baseline_features(crops, kind="pixels", seed=SEED),
    "relaxation time (1)": latent.baseline_features(crops, kind="relaxation_time", seed=SEED),
}
score_table = latent.score_table(truth, features, k=len(scenarios.CLASS_NAMES), seed=SEED)
print(f"preset {P.name!r}, {len(truth)} crops, k = {len(scenarios.CLASS_NAMES)}")
score_table.round(3)

# %% [markdown]
# Read the table honestly. The relaxation time alone can only order crops along one
# axis: it cannot tell a heterodyne or an avalanche crop from a rate class of the same
# band width. Pixels and their principal components see everything, noise included.
# The latents are what the autoencoder judged worth keeping to rebuild the crops; how
# well they separate the labels depends on how long it trained. At the `fast` preset
# the encoder has been fine-tuned on a few hundred images; at `class` it is trained
# from scratch on tens of thousands and the aim is an ARI of 0.9 or more.

# %% [markdown]
# ## The paper's 900 real latent vectors
#
# The authors published the latent vectors of their inference set: experiment E031,
# 18 azimuthal sectors × 50 consecutive time windows after the shear stopped, each a
# 256-frame $C_2$ encoded by the published model. Their elbow, knee and UMAP:

# %% mystnb={"figure": {"caption": "The elbow of the paper's 900 real latent vectors (experiment E031), with its knee and silhouette: compare with the paper's judgement of four to six clusters.", "name": "fig-elbow-real"}}
real_latents = paper.load_latents()  # (900, 64)
real_sectors = paper.load_sectors()  # (900,) 1..18
real_starts = paper.load_start_times()  # (900,) s after the shear stopped
real_sweep = latent.kmeans_sweep(real_latents, ks=KS, seed=SEED)
plot_elbow(real_sweep, "900 real latents (E031)")
plt.show()
print(f"knee of the real latents: k = {real_sweep.knee.value} (the paper judged four to six clusters)")

# %%
k_real = int(real_sweep.knee.value)
real_classes, _ = latent.order_by_decoded_centres(paper.load_model(), real_sweep.labels_for(k_real),
                                                  real_sweep.centres_for(k_real))
real_embedding = latent.umap_embedding(real_latents, seed=42, n_neighbors=5, min_dist=0.25)

fig, axes = plt.subplots(1, 3, figsize=(PAGE_WIDTH, 3.4), layout="constrained")
umap_scatter(real_embedding, real_classes, ordered=True, size=6, legend=False, ax=axes[0],
             title=f"k-means classes, k = {k_real}")
axes[0].legend(fontsize=7, markerscale=1.5, title="slow → fast", title_fontsize=7)
for ax, values, label, cmap in ((axes[1], real_sectors, "azimuthal sector", "twilight"),
                                (axes[2], real_starts, "window start (s after shear stop)", "cividis")):
    shown = ax.scatter(*real_embedding.T, c=values, s=6, cmap=cmap)
    fig.colorbar(shown, ax=ax, orientation="horizontal", label=label)  # a quantity, not classes: a colour bar
    ax.set_xticks([])
    ax.set_yticks([])
plt.show()

# %% [markdown]
# The real latents have no crops beside them, so their classes are ordered by
# *decoding* each cluster centre with the published decoder and measuring the band
# width of the decoded image: a proxy for the cluster's typical $C_2$, not a
# measurement on its members. Colouring the same map by time shows where the early
# windows, right after the shear stopped, sit; colouring by sector shows whether the
# direction relative to the shear matters. Chapter 5 puts the classes on the time
# axis beside the rheometer's stress.
#
# ## Exercises
#
# **Exercise 1: how stable are the clusters?** Cluster the synthetic latents with
# k = 7 and five different seeds. Compute the ARI of each run against the first.
# What does it tell you about how much to trust one run?

# %% tags=["hide-cell"]
# Solution
runs = [latent.cluster(latents, 7, seed)[0] for seed in range(5)]
print("ARI against the first run:", [round(latent.scores(runs[0], run)["ARI"], 3) for run in runs[1:]])

# %% [markdown]
# **Exercise 2: what does k = 2 separate?** Cluster with k = 2 and cross-tabulate
# against the true labels. Which behaviours end up together?

# %% tags=["hide-cell"]
# Solution
two, _ = latent.order_by_relaxation(latent.cluster(latents, 2, SEED)[0], widths)
pd.crosstab(pd.Series(metadata.name, name="true label"), pd.Series(two, name="class (k = 2)"))

# %% [markdown]
# **Exercise 3: neighbours in the plane are not neighbours in the space.** For ten
# random crops, compare their 5 nearest neighbours in the 64-dimensional latent space
# with their 5 nearest neighbours in the UMAP plane. What fraction agree?

# %% tags=["hide-cell"]
# Solution: UMAP keeps much of the local structure but not all of it.
rng = np.random.default_rng(SEED)
agreement = []
for i in rng.choice(len(latents), 10, replace=False):
    in_space, _ = latent.nearest_neighbours(latents, latents[i], k=6)
    in_plane, _ = latent.nearest_neighbours(embedding, embedding[i], k=6)
    agreement.append(len(set(in_space[1:]) & set(in_plane[1:])) / 5)
print(f"mean share of the 5 latent-space neighbours that are also UMAP-plane neighbours: {np.mean(agreement):.2f}")

# %% [markdown]
# ## Summary
#
# - k-means on the latent vectors, k from 2 to 12; the Kneedle knee makes the elbow
#   method reproducible, and the silhouette is a second opinion.
# - Classes are renumbered by the band width measured on the crops, class 0 the
#   slowest, as in the paper.
# - UMAP (5 neighbours, minimum distance 0.25) draws the space; it is for looking,
#   never for measuring.
# - Against the library's truth, the scores of the latents stand beside those of
#   PCA, raw pixels and a relaxation time, in one table.
# - The paper's 900 real latents have their own elbow and knee; their classes are
#   ordered through the decoder.
#
# ## What's next
#
# Chapter 5 follows the classes through time, sector by sector, and sets their
# fractions beside the shear stress the rheometer measured.
