# ---
# jupyter:
#   jupytext:
#     cell_metadata_filter: jupyter,mystnb,tags,-all
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
# # 6. Similarity search in latent space
#
# ## Overview
#
# An XPCS experiment can produce thousands of $C_2$ maps, far more than anyone can
# look through. If you have found one map that interests you (fringes, a sudden
# block, an odd band), you want the others like it. The AI-NERD paper does this with
# the encoder alone: every map becomes 64 numbers, and "like it" means "nearby in
# those 64 numbers" ([Horwath et al. 2024](https://doi.org/10.1038/s41467-024-49381-z)). Its Fig. 4 takes a few $C_2$ with
# heterodyne fringes as queries and shows their nearest neighbours. In this chapter
# you will:
#
# 1. encode the library of chapter 2 and draw it with UMAP, coloured by the true
#    behaviour;
# 2. choose heterodyne queries, as the paper did, and find their nearest neighbours
#    by euclidean distance in the latent space, shown on the UMAP plane and as
#    images;
# 3. see why the search must run in the latent space and not on the UMAP picture;
# 4. measure how often a neighbour shows the same behaviour as its query
#    (precision at k), with and without the easy matches;
# 5. run the same search on other features (PCA, the raw pixels, an untrained
#    network, a fitted relaxation time), compared query by query with an interval;
# 6. give the published model a real $C_2$ and look for its neighbours among our
#    synthetic crops, and judge how far apart the two worlds are;
# 7. explore a few queries with a widget, and search with a $C_2$ of your own, as an
#    array or as an APS 8-ID-I result file.
#
# ## Prerequisites
#
# | you need | where |
# | --- | --- |
# | the crops, their labels, APS result files | chapter 2 |
# | the trained autoencoder and `latent.encode` | chapter 3 |
# | UMAP, the baselines (PCA, pixels, untrained network), the verdict rule | chapter 4 |
# | euclidean distance between vectors | any linear-algebra primer |
#
# Time to run: one to a few minutes at `fast` on a 2-core CPU, a few to tens of
# minutes at `class` and `paper`. The autoencoder comes from chapter 3's cache, at
# `class` two more training seeds from chapter 4's (run chapter 4 first, or they are
# trained here). The banner below says how long this page took when it was built.

# %% tags=["parameters"]
from xpcs_nb.presets import preset_for_this_machine

# $XPCS_PRESET, else "class" with a CUDA GPU, "fast" without; or "class_cpu", "paper"
PRESET = preset_for_this_machine()
SEED = 0  # fixes the library and the model (as in chapters 2 and 3)
K_NEIGHBOURS = 4  # neighbours per query, as in the paper's Fig. 4
PIXEL_SIDE = 32  # the raw-pixel baseline: each crop averaged down to 32 x 32 pixels

# %%
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch
from myst_nb import glue
from scipy.spatial.distance import cdist

from xpcs_nb import aps, evaluation, latent, paper, scenarios, widgets, words
from xpcs_nb.chapter import start_chapter
from xpcs_nb.checks import check_answer
from xpcs_nb.evaluation.by_label import ALL_LABELS, per_query_precision, precision_by_label
from xpcs_nb.evaluation.paired_search import paired_precision_differences
from xpcs_nb.library import LibraryMaps, LibrarySpec
from xpcs_nb.pipeline import crop_splits, trained_autoencoder
from xpcs_nb.plotting import PAGE_WIDTH, crop_grid, umap_scatter
from xpcs_nb.plotting.search_baselines import precision_bars
from xpcs_nb.presets import get_preset

P = get_preset(PRESET)
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
NAMES = scenarios.CLASS_NAMES  # label -> name; 5 is heterodyne, 6 avalanche
print(f"preset {P.name!r} on {DEVICE}; {K_NEIGHBOURS} neighbours per query")

# %%
FRAME = start_chapter(6, PRESET)

# %% [markdown]
# ## The library in latent space
#
# Every crop of the chapter-2 library is encoded by the chapter-3 model. UMAP then
# lays the 64-number vectors out in a plane, with the paper's settings
# (`n_neighbors=5, min_dist=0.25, random_state=42`, from the authors' code). The
# colours are the true labels, which neither the encoder nor UMAP saw. A label here
# is what the crop *shows* (chapter 4's `evaluation.crop_labels`): a crop cut from
# an avalanche map whose frames miss the avalanche shows plain relaxation and counts
# as its rate class.

# %%
crops, metadata, _ = crop_splits(P, SEED)  # crops (N, 256, 256) in [0, 1]
# (N,) what each crop shows, and (N,) which large C2 it was cut from
labels = evaluation.crop_labels(metadata.assign(crop_size=crops.shape[-1]))
maps_of = metadata.c2_index.to_numpy()
model, _ = trained_autoencoder(P, SEED, device=DEVICE, progress=False)
latents = latent.encode(model, crops, device=DEVICE)  # (N, 64)
embedding = latent.umap_embedding(latents, seed=42, n_neighbors=5, min_dist=0.25)

n_crops, n_maps = len(crops), len(np.unique(maps_of))
is_avalanche_map = metadata.label.to_numpy() == scenarios.AVALANCHE
missed = int(np.sum(is_avalanche_map & (labels != scenarios.AVALANCHE)))
missed_avalanches = f"{missed} of the {int(is_avalanche_map.sum())}"
training_text = words.training_text(P.start_from, P.epochs, P.train_items)
print(f"{n_crops} crops of {n_maps} large C2; {missed_avalanches} avalanche crops "
      "miss their avalanche")

# %%
umap_scatter(embedding, labels, size=14, alpha=0.6,
             names=[f"{i}: {name}" for i, name in enumerate(NAMES)],
             title=f"{n_crops} library crops, encoded and drawn with UMAP")
plt.show()

# %% [markdown]
# **Figure 6.1.** The library in the chapter-3 model's latent space, drawn with
# UMAP: one point per crop, coloured by what the crop shows. Look at which
# behaviours form islands of their own and which overlap.
#
# At this preset the library holds {eval}`n_crops` crops cut from
# {eval}`n_maps` large $C_2$, encoded by {eval}`training_text`;
# {eval}`missed_avalanches` avalanche crops miss their avalanche.
#
# ## Heterodyne queries and their nearest neighbours
#
# Heterodyne $C_2$ show fringes parallel to the diagonal: the light scattered by
# moving particles beats against light from a static reference. The paper chose four
# such maps as queries, two with lower-frequency fringes than the other two. We do
# the same with the library's heterodyne maps: sorted by their true fringe period, we
# take four spread from the longest to the shortest, and use the first crop of each.
#
# The search itself is one line: the euclidean distance from the query's latent
# vector to every other one, the smallest first (`latent.nearest_neighbours`, here
# through `widgets.neighbours_of`, which leaves the query out).

# %%
heterodyne = (metadata[metadata.label == scenarios.HETERODYNE]
              .drop_duplicates("experiment_id"))
period_frames = heterodyne.fringe_period / heterodyne.dt
by_period = heterodyne.index[np.argsort(-period_frames.to_numpy(), kind="stable")]
spread = np.unique(np.linspace(0, len(by_period) - 1, 4).round().astype(int))
queries = [int(by_period[i]) for i in spread]  # longest fringe period first
neighbours = {q: widgets.neighbours_of(latents, q, K_NEIGHBOURS) for q in queries}
for q in queries:
    indices, distances = neighbours[q]
    print(f"query #{q} ({period_frames[q]:.0f} frames a period): {indices.tolist()}")
    print(f"  {[NAMES[i] for i in labels[indices]]}, {distances.round(2).tolist()}")

# %% [markdown]
# The queries as open circles, their neighbours as filled points of the same colour:

# %%
QUERY_COLOURS = ["tab:red", "tab:blue", "tab:green", "tab:purple"]
fig, ax = plt.subplots(figsize=(0.85 * PAGE_WIDTH, 5), constrained_layout=True)
ax.scatter(*embedding.T, s=12, color="lightgray")
for colour, q in zip(QUERY_COLOURS, queries):
    indices, _ = neighbours[q]
    ax.scatter(*embedding[indices].T, s=60, color=colour, edgecolor="k", zorder=3)
    ax.scatter(*embedding[q], s=400, facecolor="none", edgecolor=colour, linewidth=2.5,
               zorder=4, label=f"query #{q}")
ax.set(xticks=[], yticks=[], xlabel="UMAP 1", ylabel="UMAP 2",
       title="heterodyne queries (○) and their nearest neighbours (●)")
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# **Figure 6.2.** The four heterodyne queries (open circles) and their nearest
# neighbours in latent space (filled points of the same colour), placed on the UMAP
# plane of Figure 6.1. Look at whether a query's neighbours sit next to it in the
# picture: they were found in the 64 latent numbers, not here.
#
# And as images, one row per query. Each neighbour carries its latent distance, its
# true label, and a note when it is the other crop of the *same* large map as the
# query (its twin: an easy match, same sample, same moment).

# %%
def neighbour_title(q, i, distance):
    """Neighbour i's title: its row, latent distance, label, and if it is a twin."""
    twin = " (same map)" if maps_of[i] == maps_of[q] else ""
    return f"#{i}, d = {distance:.2f}\n{NAMES[labels[i]]}{twin}"


shown, titles = [], []
for q in queries:
    indices, distances = neighbours[q]
    shown += [q, *indices]
    titles.append(f"query #{q}\nperiod {period_frames[q]:.0f} frames")
    titles += [neighbour_title(q, i, d) for i, d in zip(indices, distances)]
fig = crop_grid(np.stack([crops[i] for i in shown]), n_cols=K_NEIGHBOURS + 1,
                titles=titles)
for colour, first in zip(QUERY_COLOURS, range(0, len(shown), K_NEIGHBOURS + 1)):
    fig.axes[first].title.set_color(colour)  # the query's colour in Figure 6.2
plt.show()

# %% [markdown]
# **Figure 6.3.** Similarity search, as in the paper's Fig. 4: each row is a
# heterodyne query (left, in its UMAP figure's colour) and its nearest neighbours in
# latent space, with their latent distance and true label. Look at whether the
# neighbours share the query's fringes, and at what the others share with it.

# %%
def neighbour_names(q):
    """q's neighbours, nearest first, by label; its map's other crop is "its twin"."""
    indices, _ = neighbours[q]
    return ", ".join("its twin" if maps_of[i] == maps_of[q] else NAMES[labels[i]]
                     for i in indices)


others = [i for q in queries for i in neighbours[q][0] if maps_of[i] != maps_of[q]]
n_heterodyne_maps = len(heterodyne)
query_lines = "; ".join(f"#{q} ({period_frames[q]:.0f} frames a period): "
                        + neighbour_names(q) for q in queries)
n_other_heterodyne = sum(labels[i] == scenarios.HETERODYNE for i in others)
heterodyne_others = f"{n_other_heterodyne} of the {len(others)}"

# %% [markdown]
# What this run found, with {eval}`n_heterodyne_maps` heterodyne maps in the
# library: the queries' neighbours, nearest first, are {eval}`query_lines`.
# Leaving the twins aside, {eval}`heterodyne_others` neighbours from other maps
# are heterodyne. Where a neighbour shares the query's fringes, the search does what
# the paper expects of it: test images with similar fringes close together. Where it
# returns another behaviour, look in the figure at what that neighbour shares with
# the query: the decay along the diagonal, the level of the background, not the
# fringes. A search can only return what the collection holds; a small library may
# have no other map with fringes of the query's period.
#
# ### Why distances in latent space, and not on the picture
#
# UMAP keeps who is near whom only roughly, and it stretches and squeezes the plane
# to spread points evenly; a distance in its picture is not a distance between
# $C_2$ (the paper says the same). A quick check: for every crop, how many of its
# nearest neighbours in the UMAP plane are also among its nearest in the latent space?
#
# **Think!** Before you run the next cell: of a crop's four nearest neighbours in
# the UMAP plane, how many do you expect among its four nearest in the latent
# space, all four, about half, or none? The cell prints the average share, and the
# share of crops for which all four agree.

# %%
def plane_overlap(latents, embedding, k):
    """Per point: the share of its k nearest in the plane also k nearest in latents."""
    shares = []
    for i in range(len(latents)):
        in_latent, _ = widgets.neighbours_of(latents, i, k)
        in_plane, _ = widgets.neighbours_of(embedding, i, k)
        shares.append(len(set(in_latent) & set(in_plane)) / k)
    return np.array(shares)


overlap = plane_overlap(latents, embedding, K_NEIGHBOURS)
overlap_mean, overlap_all = f"{overlap.mean():.0%}", f"{np.mean(overlap == 1):.0%}"
overlap_verdict = words.overlap_verdict(overlap.mean())
print(f"{overlap_mean} of the UMAP neighbours are latent ones; all, for {overlap_all}")

# %% [markdown]
# On average {eval}`overlap_mean` of a crop's nearest neighbours in the plane
# are among its nearest in the latent space, and for {eval}`overlap_all` of the
# crops all of them are: the two neighbourhoods {eval}`overlap_verdict`. A
# search on the picture would return different crops, for reasons that belong to the
# drawing, not to the data. So the picture is for looking, the latent space for
# searching.

# %% [markdown]
# ## How good is the search? Precision at k
#
# With true labels we can score the search: for every crop used as a query, the
# share of its k nearest neighbours that carry the query's label. Two versions:
#
# - **all other crops**: the twin crop of the same large map is allowed, and it is
#   an easy match, since it shows the same sample in the same state;
# - **other maps only**: both crops of the query's map are left out, so a match has
#   to come from an independent $C_2$ of the same behaviour.
#
# For reference, picking k crops at random scores, on average, the share of the
# query's label among the crops it may pick (`evaluation.chance_precision`).
# `evaluation.precision_at_k` scores one feature space; `precision_by_label` runs it
# with every crop as a query and averages per label, with the spread over the
# queries.
#
# **Think!** Which column of the next table will be higher, "all other crops" or
# "other maps only", and for which behaviour do you expect the largest gap between
# the two? Write down your guess, then run the cell.

# %%
precision_tables = {
    "all other crops": precision_by_label({"trained": latents}, labels, K_NEIGHBOURS),
    "other maps only": precision_by_label({"trained": latents}, labels, K_NEIGHBOURS,
                                          groups=maps_of),
}


def label_name(label):
    return "all crops" if label == ALL_LABELS else f"{label}: {NAMES[label]}"


def column(version, method="trained"):
    """One method's mean precision per label, from one version of the table."""
    table = precision_tables[version]
    return table[table.method == method].set_index("label")["mean"]


precision = pd.DataFrame({f"precision@{K_NEIGHBOURS}, {version}": column(version)
                          for version in precision_tables})
precision["chance (other maps only)"] = column("other maps only", "chance")
precision.index = [label_name(label) for label in precision.index]
precision.style.format("{:.2f}", na_rep="n/a")

# %%
nearest = [widgets.neighbours_of(latents, i, 1)[0][0] for i in range(len(latents))]
nearest_is_twin = np.mean(maps_of[nearest] == maps_of)
honest = column("other maps only")
rate_scores = [honest[label] for label in range(scenarios.N_RATE_CLASSES)]
avalanche_neighbours = []  # the K nearest crops of other maps, for every avalanche crop
for q in np.flatnonzero(labels == scenarios.AVALANCHE):
    rows = np.flatnonzero(maps_of != maps_of[q])
    found_rows, _ = latent.nearest_neighbours(latents[rows], latents[q], k=K_NEIGHBOURS)
    avalanche_neighbours += rows[found_rows].tolist()
neighbour_shares = pd.Series(labels[avalanche_neighbours]).value_counts(normalize=True)
rate_range = f"{min(rate_scores):.2f} to {max(rate_scores):.2f}"
heterodyne_other = f"{honest[scenarios.HETERODYNE]:.2f}"
heterodyne_all = f"{column('all other crops')[scenarios.HETERODYNE]:.2f}"
avalanche_other = f"{honest[scenarios.AVALANCHE]:.2f}"
chance_level = f"{precision.loc['all crops', 'chance (other maps only)']:.2f}"
avalanche_neighbours_text = words.share_list(
    {NAMES[label]: share for label, share in neighbour_shares.items()})
nearest_is_twin_text = f"{nearest_is_twin:.0%}"
print(f"the nearest neighbour is the twin for {nearest_is_twin_text} of the crops")

# %% [markdown]
# At this preset, precision@4 with other maps only is {eval}`rate_range` for
# the five rate classes, {eval}`heterodyne_other` for heterodyne
# ({eval}`heterodyne_all` with the twin allowed) and {eval}`avalanche_other`
# for avalanches, against a chance level of about {eval}`chance_level`.
# Avalanche crops are a hard case for any search: what marks them is a block whose
# place and size change from crop to crop, on top of a slow band like those of the
# slow rate classes. Here the nearest crops of other maps to an avalanche crop are
# {eval}`avalanche_neighbours_text` (the three commonest labels). For
# {eval}`nearest_is_twin_text` of all crops the nearest neighbour is the twin from
# the same map, which is why the second column is the honest one.
#
# **Question 1.** Why does the honest score leave out the query's twin crop (the
# other crop cut from the same large $C_2$)?
#
# - A. The twin always carries a different label, so it would lower the score
#   unfairly.
# - B. The twin shows the same sample in the same state; finding it says nothing
#   about whether the search finds *other* measurements of the same behaviour.
# - C. The twin is always the farthest crop, so leaving it out changes nothing and
#   saves time.
#
# <details><summary>Answer</summary>
#
# **B.** Both crops come from one $C_2$, so they share its dynamics, noise and
# contrast; a search that finds the twin has matched a measurement with itself. A is
# wrong: the twin carries the same label (an avalanche crop may differ only when its
# frames miss the avalanche), which is exactly why it would *raise* the score. C is
# wrong: the twin is often the *nearest* crop; the share of crops whose nearest
# neighbour is their twin was measured just above.
#
# </details>
#
# ## Is it the encoder? The same search on other features
#
# A score alone does not say whether the trained encoder is what makes the search
# work. Chapter 4 compared its clusters with other features; here the same search,
# with the same queries and the twin left out, runs on
#
# - **the untrained network**: the same architecture with random weights (one draw
#   per seed, as in chapter 4), which shows what the architecture alone gives;
# - **PCA**: as many principal components of the raw pixels as the latent vector has
#   numbers, fitted on the library's crops, a linear encoder;
# - **the raw pixels**: each crop averaged down to 32 × 32 pixels (block means; the
#   `PIXEL_SIDE` parameter), then compared pixel by pixel;
# - **the relaxation time**: the classical analysis, one number per crop (the log of
#   the decay time of its lag profile, fitted with the baseline fixed at 1).
#
# The features come from chapter 4's builders (`evaluation.network_features`,
# `evaluation.classical_features`). Where the preset has chapter 4's extra training
# seeds (`eval_train_seeds`), the trained encoder is those models too, taken from
# chapter 4's cache (or trained here if chapter 4 has not run).
#
# **Think!** The raw pixels and PCA were never trained to tell behaviours apart.
# Before you run the next two cells, guess: over all crops, will the trained encoder
# find neighbours of the query's label clearly more often than they do, about as
# often, or less often?

# %%
trained_models = [model] + [  # more training seeds where the preset has them (ch. 4)
    trained_autoencoder(P, SEED, train_seed=s, device=DEVICE, progress=False)[0]
    for s in range(1, P.eval_train_seeds)]
untrained = [evaluation.untrained_copy(model, seed) for seed in range(P.eval_untrained_seeds)]
runs = {
    "trained": [latents] + [evaluation.network_features(m, crops)
                            for m in trained_models[1:]],
    "untrained": [evaluation.network_features(m, crops) for m in untrained],
    **evaluation.classical_features(crops, profiles=evaluation.stored_profiles(crops, metadata),
                                    seed=SEED, pca_components=latents.shape[1],
                                    pixel_block=crops.shape[-1] // PIXEL_SIDE),
}
# tidy: one row per method and label, with mean, std and n
baselines = precision_by_label(runs, labels, K_NEIGHBOURS, groups=maps_of)
# method -> (runs, N) precision@k of every crop as a query, for the paired comparison
query_scores = per_query_precision(runs, labels, K_NEIGHBOURS, groups=maps_of)
print(f"{len(runs)} feature spaces, {len(baselines)} rows of (method, label) scores")

# %%
ax = precision_bars(baselines, label_names=dict(enumerate(NAMES)),
                    method_names=evaluation.METHOD_NAMES,
                    ylabel=f"precision@{K_NEIGHBOURS}, other maps only",
                    title="the same search on the trained latents and four baselines")
plt.show()

# %% [markdown]
# **Figure 6.4.** The similarity search on five feature spaces, label by label:
# precision@4 with the query's own map left out, the mean over the queries with a ±
# one standard deviation bar (over the queries, and the networks' seeds or draws;
# cut at 0 and 1); dashed: chance. The bars show how single queries scatter (one
# query scores 0, 1/4, 1/2, 3/4 or 1), so they overlap almost always: look at the
# means. Whether one method beats another is asked query by query: the trained
# encoder's precision minus a baseline's on the same queries, averaged, with a
# 95 % bootstrap interval that resamples the queries' source maps whole
# (`evaluation.paired_mean_difference`); "better than" only where the whole
# interval lies above zero.

# %%
differences = paired_precision_differences(query_scores, labels, maps_of, seed=SEED)
verdicts = words.search_verdicts(baselines, differences, reference="trained")
spread_over = words.spread_over(len(trained_models), len(untrained))
baseline_verdicts = verdicts.verdicts
glue("baseline_verdicts", baseline_verdicts, display=False)  # pasted into the intro
baseline_scores = verdicts.scores
label_verdicts = words.search.label_verdicts(verdicts.ahead, verdicts.behind,
                                             dict(enumerate(NAMES)))
print(verdicts.conclusion)
(differences.assign(text=differences.apply(words.search.interval_text, axis=1),
                    label=differences.label.map(label_name))
 .set_index(["label", "method"]).text.unstack()
 .rename(columns=evaluation.METHOD_NAMES))

# %% [markdown]
# The table: the trained encoder's precision@4 minus each baseline's on the same
# queries, with its 95 % interval. Over all crops, ranked by their mean (± the
# spread over {eval}`spread_over`): {eval}`baseline_scores`; chance is
# {eval}`chance_level`. Paired on the same queries, the trained encoder minus each
# baseline is {eval}`verdicts.differences`: read off these intervals it is
# {eval}`baseline_verdicts`. {eval}`verdicts.conclusion` {eval}`label_verdicts`
#
# A small library gives few queries per label, so wide intervals. Why can raw
# pixels or PCA compete at all? The rate classes differ mostly in how fast $C_2$ falls away from
# its diagonal, the width of the bright band, and that width is visible in
# block-averaged pixels and in the first principal components alike; a random
# convolutional network followed by pooling also keeps it. What training could add
# is indifference to what does not matter for the label (the noise, where the crop
# was cut): whether it does is what the baselines test. Run the chapter at another
# preset (a larger library, longer training) to see whether the verdict changes.
#
# **Question 2.** Suppose the raw pixels find neighbours of the query's label as
# often as the trained encoder does: the paired interval holds zero. What follows?
#
# - A. The encoder is useless for XPCS and the paper's search should use pixels.
# - B. On this library the labels can be told apart from what the pixels show
#   directly, so this score cannot show what training adds; a harder test (more
#   noise, more varied maps, real data) is needed to tell the two apart.
# - C. The comparison is unfair because pixel distances and latent distances have
#   different units.
#
# <details><summary>Answer</summary>
#
# **B.** A tie on an easy task says the task is easy, not that the methods are
# equal on every task. A goes too far: one library at one preset cannot speak for
# real data, and a latent vector is also 64 numbers against about a thousand block
# means, cheaper to store and search. C is wrong: precision@k uses only the *order*
# of distances from each query within one feature space, so the units never meet.
#
# </details>

# %% [markdown]
# ## A real $C_2$, the published model, and the gap between the worlds
#
# The authors published one real crop from their experiment. It shows fringes
# parallel to the diagonal, a heterodyne signature like the paper's Fig. 4 queries.
# Real and synthetic crops can only be compared in one latent space, so here the
# library is encoded again, with the *published* model, and the real crop is the
# query.

# %%
published = paper.load_model()
# the library, in the published model's latent space (N, 64)
library_published = latent.encode(published, crops)
target = paper.load_target_image().astype(np.float32)  # (256, 256) in [0, 1]
target_latent = latent.encode(published, target[None])[0]
target_indices, target_distances = latent.nearest_neighbours(library_published,
                                                             target_latent, k=8)
print("labels of the real crop's 8 nearest synthetic crops:")
print([NAMES[label] for label in labels[target_indices]])

# %%
titles = ["real crop (query)"] + [f"#{i}, d = {d:.2f}\n{NAMES[labels[i]]}"
                                  for i, d in zip(target_indices, target_distances)]
crop_grid(np.stack([target, *(crops[i] for i in target_indices)]), n_cols=5,
          titles=titles)
plt.show()

# %% [markdown]
# **Figure 6.5.** The paper's real crop (top left) and its eight nearest synthetic
# crops in the published model's latent space, with their latent distance and true
# label. Look at whether the neighbours have fringes, and at how their noise and
# contrast differ from the real crop's.
#
# Is the real crop close to these neighbours, or only less far from them than from
# the rest? Compare its distance to its nearest synthetic crop with the distance
# between a synthetic crop and *its* nearest synthetic crop of another map
# (`latent.distance_to_reference` divides the one by the median of the other; the
# twin of the same map would shrink that spacing, so `groups=maps_of` leaves it out,
# as chapter 7 does); and do the same on the real side, with the 900 published
# latent vectors of the paper's run, which the same model made from real maps.

# %%
real_latents = paper.load_latents()  # (900, 64) from real C2
gap = pd.concat([  # the library's spacing: each crop's nearest crop of another map
    latent.distance_to_reference(target_latent, library_published, groups=maps_of),
    latent.distance_to_reference(target_latent, real_latents)])
gap.index = ["synthetic library", "the paper's 900 real C2"]
gap.columns = ["the real crop's nearest (latent units)",
               "typical nearest inside the set (median)", "ratio"]
gap.style.format("{:.2f}")

# %% [markdown]
# One UMAP of both sets together, drawn in the published model's latent space:

# %%
both = np.concatenate([real_latents.astype(np.float32), library_published,
                       target_latent[None]])
both_embedding = latent.umap_embedding(both, seed=42)
n_real = len(real_latents)
fig, ax = plt.subplots(figsize=(PAGE_WIDTH, 4.5), constrained_layout=True)
ax.scatter(*both_embedding[:n_real].T, s=8, color="gray", alpha=0.5,
           label="the paper's 900 real C2")
umap_scatter(both_embedding[n_real:-1], labels, size=16,
             names=[f"synthetic: {n}" for n in NAMES], alpha=1.0, legend=False, ax=ax,
             title="real and synthetic C2 in the published model's latent space")
ax.scatter(*both_embedding[-1], marker="*", s=350, color="k", label="the real crop")
ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
plt.show()

# %% [markdown]
# **Figure 6.6.** One UMAP of the paper's 900 real $C_2$ (gray), the synthetic
# library (coloured by label) and the real crop (black star), all encoded by the
# published model. Look at whether the synthetic points mix with the real cloud or
# sit apart from it, and where the star lands.

# %%
ratio_synthetic, ratio_real = gap["ratio"]
# (N,) each synthetic crop's distance to its nearest crop of another synthetic map,
# and to the nearest real map
nearest_synthetic = latent.nearest_distance_within(library_published, groups=maps_of)
nearest_real = cdist(library_published, real_latents).min(axis=1)
among_themselves_text = f"{np.mean(nearest_synthetic < nearest_real):.0%}"
n_heterodyne = int(np.sum(labels[target_indices] == scenarios.HETERODYNE))
real_words = words.real_crop_words(n_heterodyne, len(target_indices), ratio_synthetic,
                                   ratio_real)
ratio_synthetic_text, ratio_real_text = f"{ratio_synthetic:.1f}", f"{ratio_real:.1f}"
print(f"ratios: {ratio_synthetic:.2f} to the library, {ratio_real:.2f} to the real; "
      f"{among_themselves_text} nearer another synthetic map than any real one")

# %% [markdown]
# Read the two results together. {eval}`real_words.search`
# But the real crop is {eval}`ratio_synthetic_text`
# times farther from its nearest synthetic crop than synthetic crops are from those
# of other maps, while among the real maps its ratio is {eval}`ratio_real_text`,
# {eval}`real_words.real_side`. And {eval}`among_themselves_text` of the synthetic
# crops lie nearer to another map's crop than to any of the 900 real maps;
# the joint UMAP shows where they sit relative to the real cloud.
# {eval}`real_words.conclusion`
#
# **Question 3.** A query's nearest neighbour in a library is three times farther
# away than the library's crops typically are from one another, and the vote of its
# neighbours says "heterodyne". How much should you trust that label?
#
# - A. Fully: the nearest neighbour is by definition the most similar crop, so its
#   label is the query's.
# - B. Little, by itself: the query lies outside the library's neighbourhoods, so
#   the vote only says which crops are least unlike it; check the label another way
#   (look at the map, or search a library that covers such maps).
# - C. Not at all: distances in a latent space carry no meaning, only the UMAP
#   picture does.
#
# <details><summary>Answer</summary>
#
# **B.** A nearest neighbour always exists, however far; the distance compared with
# the library's own spacing says whether "nearest" also means "near". A ignores that
# distance. C has it the wrong way round: the latent distances are what the search
# measures, and the UMAP picture is the one whose distances cannot be compared (as
# the paper says).
#
# </details>
#
# ## Explore a few queries
#
# The widget below shows, for one query at a time, its eight nearest neighbours in
# latent space as images and as ringed points on the UMAP plane, with a table of
# their distances. It offers the heterodyne queries above and the first crop of
# each other behaviour, all drawn when the page was built: the dropdown switches
# between them on the rendered site too, with no Python running. With a running
# kernel, leave out `queries=...` and the dropdown offers every crop of the library,
# each answer computed when you pick it.

# %%
first_of_each = [int(np.flatnonzero(labels == label)[0]) for label in np.unique(labels)
                 if label != scenarios.HETERODYNE]
explorer_queries = queries + first_of_each  # the heterodyne queries, then one per label
widgets.neighbour_explorer(crops, latents, embedding, labels, k=8, label_names=NAMES,
                           start=queries[0], queries=explorer_queries,
                           image_format="jpeg")  # noisy crops: far smaller than PNG

# %% [markdown]
# ## Bring your own $C_2$
#
# `latent.find_similar` wraps the steps for a map of your own. It takes a $C_2$ of
# any length of at least 256 frames (a NumPy array, or the path of an APS 8-ID-I
# result file and the ROI to read), cuts the 256-frame square in the middle of its
# diagonal (or at `crop_offset`), scales it to [0, 1] as the training crops were,
# encodes it, and returns the nearest crops with their distances. Given labels, it
# also predicts a class: the majority label of the neighbours.
#
# To show it without a beamline file, we write the first query's large map (in the
# ratio form the APS software uses) to an APS result file in a temporary folder and
# search with the file. The library's crops of that map were cut at random offsets,
# so the middle crop is not one of them; it shares their frames in part.

# %%
spec = LibrarySpec.from_preset(P, seed=SEED)
own_map = LibraryMaps(spec)[int(metadata.c2_index[queries[0]])]  # (T, T), baseline 1
with tempfile.TemporaryDirectory() as folder:
    path = Path(folder) / "my_measurement.hdf"
    aps.write_aps_result(path, [own_map])
    found = latent.find_similar(model, path, latents, k=8, labels=labels, roi=1)
from_array = latent.find_similar(model, own_map, latents, k=8, labels=labels)
print(f"a {own_map.shape[0]}-frame map, cropped at frame {found.crop_offset}")
print(f"predicted class {found.predicted_class} ({NAMES[found.predicted_class]}), "
      f"votes {found.votes}")
print("the file and the array give the same neighbours:",
      np.array_equal(found.indices, from_array.indices))
(found.table()
 .assign(name=lambda t: [NAMES[label] for label in t.label],
         same_map=lambda t: maps_of[t["index"]] == maps_of[queries[0]])
 .style.format({"distance": "{:.3f}"}).hide(axis="index"))

# %% [markdown]
# A map shorter than 256 frames, a non-square array, or one with NaN in it is
# refused with a message that names the argument:

# %%
for bad in (np.ones((200, 200)), np.ones((300, 280)), np.full((300, 300), np.nan)):
    try:
        latent.find_similar(model, bad, latents)
    except ValueError as error:
        print(f"{bad.shape}: {error}")

# %% [markdown]
# ## Exercises
#
# **Exercise 1 (fill in).** *The honest score, by hand.* Write `search_precision`:
# for one query crop, the euclidean distance from its features to every crop, with
# the query's own map (itself and its twin) left out, then the share of its k
# nearest crops that carry its label. That is all `evaluation.precision_at_k` does;
# the check below runs your function on every crop and compares with it. Four or
# five lines of numpy do it.

# %%
def search_precision(features, labels, groups, query, k):
    """precision@k of crop ``query``: the share of its k nearest crops outside its
    own map that carry its label.

    features (N, D) float, labels (N,) int, groups (N,) int: each crop's large map.
    """
    distances = ...  # (N,) euclidean distances from features[query] to every row
    ...  # leave out the query's own map: its group's rows get the distance np.inf
    nearest = ...  # the rows of the k smallest distances (np.argsort)
    return ...  # the share of them whose label is labels[query]


# %%
features64 = latents.astype(np.float64)  # (N, 64)
every_crop = np.arange(len(labels))
what = f"precision@{K_NEIGHBOURS} of every crop (other maps only)"
package = evaluation.precision_at_k(features64, labels, every_crop, K_NEIGHBOURS,
                                    groups=maps_of)
mine = search_precision(features64, labels, maps_of, queries[0], K_NEIGHBOURS)
if mine is not None and mine is not Ellipsis:  # filled in: score every crop
    mine = [search_precision(features64, labels, maps_of, q, K_NEIGHBOURS)
            for q in every_crop]
check_answer(what, mine, package)

# %% tags=["hide-cell"] jupyter={"source_hidden": true}
# Solution: one row of distances, the query's map masked with infinity so it can
# never be picked, a sort, and a mean of a boolean array.
def search_precision(features, labels, groups, query, k):
    """precision@k of crop ``query`` among the crops outside its own map."""
    distances = np.linalg.norm(features - features[query], axis=1)  # (N,)
    distances[groups == groups[query]] = np.inf  # the query and its twin: never
    nearest = np.argsort(distances, kind="stable")[:k]
    return float(np.mean(labels[nearest] == labels[query]))


mine = [search_precision(features64, labels, maps_of, q, K_NEIGHBOURS)
        for q in every_crop]
assert check_answer(what, mine, package)

# %% [markdown]
# **Exercise 2: a map the model never saw.** Make a new heterodyne $C_2$ of 300
# frames with `scenarios.scenario_c2(scenarios.HETERODYNE, 300, seed=123,
# photons_per_pixel=10)` and an avalanche one with the same seed, and ask
# `find_similar` for their class. Try a few seeds: which is found more reliably?

# %% tags=["hide-cell"] jupyter={"source_hidden": true}
# Solution: the vote is only as good as the library's coverage. A new map whose
# fringe period or block position no library map shares has no close match, and the
# vote goes to whatever is nearest; an avalanche block on a slow band tends to land
# among the slow classes (compare the precision table above). The printed votes say
# how often each is found at this preset; the larger library of `class` gives the
# vote more to work with.
for label in (scenarios.HETERODYNE, scenarios.AVALANCHE):
    votes = []
    for seed in (123, 124, 125):
        c2, _ = scenarios.scenario_c2(label, 300, seed=seed, photons_per_pixel=10)
        found_new = latent.find_similar(model, c2, latents, k=5, labels=labels)
        votes.append(NAMES[found_new.predicted_class])
    print(f"true {NAMES[label]}: predicted {votes}")

# %% [markdown]
# **Exercise 3: a neighbourhood by distance.** The paper suggests collecting every
# map within a chosen distance of a query, rather than a fixed number. For the first
# heterodyne query, count the crops within radius r for a few radii, and the share of
# them that are heterodyne. How would you pick r?

# %% tags=["hide-cell"] jupyter={"source_hidden": true}
# Solution: small radii give few, pure matches; larger ones mix in other behaviours
# (the printout says from which radius on, at this preset). One way to pick r: a
# small multiple of the typical nearest-neighbour distance inside the library,
# checked against a few labelled examples.
distance_to_all = np.linalg.norm(latents - latents[queries[0]], axis=1)
typical = np.median(latent.nearest_distance_within(latents, groups=maps_of))
not_the_query = np.arange(len(latents)) != queries[0]
for factor in (1, 2, 3, 4, 6):
    inside = np.flatnonzero((distance_to_all <= factor * typical) & not_the_query)
    share = (f"{np.mean(labels[inside] == scenarios.HETERODYNE):.0%}" if inside.size
             else "none")
    print(f"r = {factor} x {typical:.2f}: {inside.size} crops, {share} heterodyne")

# %% [markdown]
# ## Summary
#
# - A similarity search is a nearest-neighbour search in the encoder's latent space;
#   the UMAP plane only shows where the answers lie, and its own neighbourhoods
#   differ from the latent ones.
# - Precision at k, with the twin crop of the same map left out, scores the search
#   per behaviour; at this preset: {eval}`rate_range` for the rate classes,
#   {eval}`heterodyne_other` for heterodyne fringes, {eval}`avalanche_other`
#   for avalanches.
# - A search score needs its baselines: on the same queries the trained encoder is
#   {eval}`baseline_verdicts`, read off the paired 95 % intervals.
# - Searched with the published model, a real heterodyne crop finds synthetic
#   neighbours (of its eight nearest, {eval}`real_words.heterodyne` are heterodyne),
#   but it lies {eval}`real_words.summary`.
# - `latent.find_similar` takes your own $C_2$ (an array, or an APS 8-ID-I file),
#   prepares it exactly as the training crops were, and returns its neighbours and a
#   predicted class; `widgets.neighbour_explorer` lets you browse, a few precomputed
#   queries on the site, any crop with a kernel.
#
# ## What's next
#
# This is the last step of the paper's pipeline. Chapter 7 runs the whole of it on
# data as a beamline scientist meets them: detector frame stacks turned into APS
# result files, classes and neighbours from the command line (`xpcs-nb classify`,
# `xpcs-nb similar`) with the published model and with chapter 3's, the same on a
# Dask cluster, a run classified window by window as it arrives, and the checks to
# make before trusting a class on new data (frame time, q range, contrast, and this
# chapter's distance to the reference set).

# %%
FRAME.finish()
