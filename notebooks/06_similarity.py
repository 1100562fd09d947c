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
# # 6. Similarity search in latent space
#
# ## Overview
#
# An XPCS experiment can produce thousands of $C_2$ maps, far more than anyone can
# look through. If you have found one map that interests you (fringes, a sudden
# block, an odd band), you want the others like it. The AI-NERD paper does this with
# the encoder alone: every map becomes 64 numbers, and "like it" means "nearby in
# those 64 numbers" {cite:p}`horwath2024`. Its Fig. 4 takes a few $C_2$ with
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
#    network, a fitted relaxation time) to see what the trained encoder adds;
# 6. give the published model a real $C_2$ and look for its neighbours among our
#    synthetic crops, and judge how far apart the two worlds are;
# 7. explore any query with a widget, and search with a $C_2$ of your own, as an
#    array or as an APS 8-ID-I result file.
#
# ## Prerequisites
#
# | you need | where |
# | --- | --- |
# | the crops, their labels, APS result files | chapter 2 |
# | the trained autoencoder and `latent.encode` | chapter 3 |
# | UMAP, the baselines (PCA, raw pixels, untrained network) and chapter 4's verdict rule | chapter 4 |
# | euclidean distance between vectors | any linear-algebra primer |
#
# Time to run: one to a few minutes at `fast` on a 2-core CPU (UMAP compiles itself
# on its first call, and the baselines encode the library three more times); a few
# minutes to tens of minutes at `class` and `paper`, where the library is larger.
# The autoencoder comes from chapter 3's cache, and at `class` the two more training
# seeds from chapter 4's (run chapter 4 first: otherwise they are trained here). The
# banner below says how long this page took when it was built.

# %% tags=["parameters"]
from xpcs_nb.presets import preset_for_this_machine

PRESET = preset_for_this_machine()  # $XPCS_PRESET, else "class" with a CUDA GPU, "fast" without; or "class_cpu", "paper"
SEED = 0  # fixes the library and the model (as in chapters 2 and 3)
K_NEIGHBOURS = 4  # neighbours per query, as in the paper's Fig. 4
PIXEL_SIDE = 32  # the raw-pixel baseline averages each crop down to PIXEL_SIDE x PIXEL_SIDE

# %%
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch
from myst_nb import glue
from scipy.spatial.distance import cdist

from xpcs_nb import aps, evaluation, latent, paper, scenarios, widgets
from xpcs_nb.chapter import start_chapter
from xpcs_nb.checks import check_answer
from xpcs_nb.evaluation.by_label import ALL_LABELS, precision_by_label
from xpcs_nb.words import names_list, search_verdicts
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
labels = evaluation.crop_labels(metadata.assign(crop_size=crops.shape[-1]))  # (N,) what each crop shows
maps_of = metadata.c2_index.to_numpy()  # (N,) which large C2 each crop was cut from
model, _ = trained_autoencoder(P, SEED, device=DEVICE, progress=False)
latents = latent.encode(model, crops, device=DEVICE)  # (N, 64)
embedding = latent.umap_embedding(latents, seed=42, n_neighbors=5, min_dist=0.25)
LABEL_NAMES = [f"{label}: {name}" for label, name in enumerate(NAMES)]

missed = int(np.sum((metadata.label.to_numpy() == scenarios.AVALANCHE) & (labels != scenarios.AVALANCHE)))
n_crops = len(crops)
n_maps = len(np.unique(maps_of))
missed_avalanches = f"{missed} of the {int(np.sum(metadata.label == scenarios.AVALANCHE))}"
start_weights = "random weights" if P.start_from == "scratch" else "the published weights"
training_text = (f"a model trained from {start_weights} for {P.epochs} epochs of "
     f"{P.train_items or 'all the'} augmented crops")
print(f"{len(crops)} crops of {len(np.unique(maps_of))} large C2; {missed} avalanche crops miss their avalanche")
umap_scatter(embedding, labels, names=LABEL_NAMES, size=14, alpha=0.6,
             title=f"{len(crops)} library crops, encoded and drawn with UMAP")
plt.show()

# %% [markdown]
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
# vector to every other one, the smallest first (`latent.nearest_neighbours`; here
# through `widgets.neighbours_of`, which leaves the query itself out).

# %%
heterodyne = metadata[metadata.label == scenarios.HETERODYNE].drop_duplicates("experiment_id")
period_frames = heterodyne.fringe_period / heterodyne.dt
by_period = heterodyne.index[np.argsort(-period_frames.to_numpy(), kind="stable")]
queries = [int(by_period[i]) for i in np.unique(np.linspace(0, len(by_period) - 1, 4).round().astype(int))]
neighbours = {q: widgets.neighbours_of(latents, q, K_NEIGHBOURS) for q in queries}
for q in queries:
    indices, distances = neighbours[q]
    print(f"query #{q} (fringe period {period_frames[q]:.0f} frames): neighbours {indices.tolist()}, "
          f"labels {[NAMES[l] for l in labels[indices]]}, distances {distances.round(2).tolist()}")

# %% [markdown]
# The queries as large open circles, each with its neighbours as filled points of
# the same colour:

# %%
QUERY_COLOURS = ["tab:red", "tab:blue", "tab:green", "tab:purple"]
fig, ax = plt.subplots(figsize=(0.85 * PAGE_WIDTH, 5), constrained_layout=True)
ax.scatter(*embedding.T, s=12, color="lightgray")
for colour, q in zip(QUERY_COLOURS, queries):
    indices, _ = neighbours[q]
    ax.scatter(*embedding[indices].T, s=60, color=colour, edgecolor="k", zorder=3)
    ax.scatter(*embedding[q], s=400, facecolor="none", edgecolor=colour, linewidth=2.5, zorder=4,
               label=f"query #{q}")
ax.set_xticks([])
ax.set_yticks([])
ax.set_xlabel("UMAP 1")
ax.set_ylabel("UMAP 2")
ax.legend(fontsize=8)
ax.set_title("heterodyne queries (○) and their nearest neighbours (●)")
plt.show()

# %% [markdown]
# And as images, one row per query. Each neighbour carries its latent distance, its
# true label, and a note when it is the other crop of the *same* large map as the
# query (its twin: an easy match, same sample, same moment).

# %% mystnb={"figure": {"caption": "Similarity search, as in the paper's Fig. 4: each row is a heterodyne query (left) and its nearest neighbours in latent space, with their latent distance and true label. Look at whether the neighbours share the query's fringes, and at what the others share with it.", "name": "fig-neighbour-grid"}}
shown, titles = [], []
for q in queries:
    indices, distances = neighbours[q]
    shown += [q, *indices]
    titles.append(f"query #{q}\nperiod {period_frames[q]:.0f} frames")
    titles += [f"#{i}, d = {d:.2f}\n{NAMES[labels[i]]}{' (same map)' if maps_of[i] == maps_of[q] else ''}"
               for i, d in zip(indices, distances)]
fig = crop_grid(np.stack([crops[i] for i in shown]), n_cols=K_NEIGHBOURS + 1, titles=titles)
for colour, row_start in zip(QUERY_COLOURS, range(0, len(shown), K_NEIGHBOURS + 1)):
    fig.axes[row_start].title.set_color(colour)  # the query's colour in the UMAP figure above
plt.show()

# %%
def neighbour_names(q):
    """The query's neighbours in order, named by label, its own map's other crop as "its twin"."""
    indices, _ = neighbours[q]
    return ", ".join("its twin" if maps_of[i] == maps_of[q] else NAMES[labels[i]] for i in indices)


others = [i for q in queries for i in neighbours[q][0] if maps_of[i] != maps_of[q]]
n_heterodyne_maps = len(heterodyne)
query_lines = ("; ".join(f"#{q} ({period_frames[q]:.0f} frames a period): {neighbour_names(q)}"
                        for q in queries))
heterodyne_others = f"{sum(labels[i] == scenarios.HETERODYNE for i in others)} of the {len(others)}"

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

# %%
def plane_overlap(latents, embedding, k):
    """Share of each point's k nearest in the plane that are also among its k nearest in latent space."""
    shares = []
    for i in range(len(latents)):
        in_latent, _ = widgets.neighbours_of(latents, i, k)
        in_plane, _ = widgets.neighbours_of(embedding, i, k)
        shares.append(len(set(in_latent) & set(in_plane)) / k)
    return np.array(shares)


overlap = plane_overlap(latents, embedding, K_NEIGHBOURS)
overlap_mean = f"{overlap.mean():.0%}"
overlap_all = f"{np.mean(overlap == 1):.0%}"
overlap_verdict = "agree only in part" if overlap.mean() < 0.9 else "agree for most crops here, but not all"
print(f"on average {overlap.mean():.0%} of a crop's {K_NEIGHBOURS} nearest neighbours in the UMAP plane are "
      f"among its {K_NEIGHBOURS} nearest in latent space; for {np.mean(overlap == 1):.0%} of the crops all are")

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

# %%
precision_tables = {
    "all other crops": precision_by_label({"trained": latents}, labels, K_NEIGHBOURS),
    "other maps only": precision_by_label({"trained": latents}, labels, K_NEIGHBOURS, groups=maps_of),
}


def label_name(label):
    return "all crops" if label == ALL_LABELS else f"{label}: {NAMES[label]}"


precision = pd.DataFrame({
    f"precision@{K_NEIGHBOURS}, {version}": table[table.method == "trained"].set_index("label")["mean"]
    for version, table in precision_tables.items()
})
precision["chance (other maps only)"] = (precision_tables["other maps only"]
                                         .query("method == 'chance'").set_index("label")["mean"])
precision.index = [label_name(label) for label in precision.index]
nearest_is_twin = np.mean([maps_of[widgets.neighbours_of(latents, i, 1)[0][0]] == maps_of[i]
                           for i in range(len(latents))])
print(f"the nearest neighbour is the twin crop of the same map for {nearest_is_twin:.0%} of the crops")
precision.round(2)

# %%
def trained_mean(version, label):
    table = precision_tables[version]
    return float(table[(table.method == "trained") & (table.label == label)]["mean"].iloc[0])


rate_scores = [trained_mean("other maps only", label) for label in range(scenarios.N_RATE_CLASSES)]
avalanche_queries = np.flatnonzero(labels == scenarios.AVALANCHE)
avalanche_neighbours = np.concatenate([  # the K nearest crops of other maps, for every avalanche crop
    np.flatnonzero(maps_of != maps_of[q])[latent.nearest_neighbours(latents[maps_of != maps_of[q]], latents[q],
                                                                     k=K_NEIGHBOURS)[0]]
    for q in avalanche_queries])
neighbour_shares = pd.Series(labels[avalanche_neighbours]).value_counts(normalize=True)
rate_range = f"{min(rate_scores):.2f} to {max(rate_scores):.2f}"
heterodyne_other = f"{trained_mean('other maps only', scenarios.HETERODYNE):.2f}"
heterodyne_all = f"{trained_mean('all other crops', scenarios.HETERODYNE):.2f}"
avalanche_other = f"{trained_mean('other maps only', scenarios.AVALANCHE):.2f}"
chance_level = f"{precision.loc['all crops', 'chance (other maps only)']:.2f}"
avalanche_neighbours_text = (", ".join(f"{share:.0%} {NAMES[label]}"
                                      for label, share in neighbour_shares.head(3).items()))
nearest_is_twin_text = f"{nearest_is_twin:.0%}"

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
#   the fitted decay time of its lag profile).
#
# The features come from chapter 4's builders (`evaluation.network_features`,
# `evaluation.classical_features`). Where the preset has chapter 4's extra training
# seeds (`eval_train_seeds`), the trained encoder is those models too, taken from
# chapter 4's cache (or trained here if chapter 4 has not run).

# %%
trained_models = [model] + [trained_autoencoder(P, SEED + s, device=DEVICE, progress=False)[0]
                            for s in range(1, P.eval_train_seeds)]  # as in chapter 4
untrained_seeds = range(P.eval_untrained_seeds)
runs = {
    "trained": [latents] + [evaluation.network_features(m, crops) for m in trained_models[1:]],
    "untrained": [evaluation.network_features(evaluation.untrained_copy(model, seed), crops)
                  for seed in untrained_seeds],
    **evaluation.classical_features(crops, seed=SEED, pca_components=latents.shape[1],
                                    pixel_block=crops.shape[-1] // PIXEL_SIDE),
}
baselines = precision_by_label(runs, labels, K_NEIGHBOURS, groups=maps_of)  # tidy: method, label, mean, std, n
print({method: features[0].shape if isinstance(features, list) else features.shape
       for method, features in runs.items()})
(baselines.assign(score=[f"{m:.2f} ± {s:.2f}" for m, s in zip(baselines["mean"], baselines["std"])],
                  label=[label_name(label) for label in baselines["label"]])
 .pivot(index="label", columns="method", values="score")
 .reindex(index=[label_name(label) for label in dict.fromkeys(baselines["label"])],
          columns=list(dict.fromkeys(baselines["method"]))))

# %% mystnb={"figure": {"caption": "The similarity search on five feature spaces, label by label: precision@4 with the query's own map left out, the mean over the query crops with a \u00b1 one standard deviation bar (over the queries, and for the networks also over their training seeds or random draws; cut at 0 and 1); the dashed line is chance.", "name": "fig-search-baselines"}}
ax = precision_bars(baselines, label_names=dict(enumerate(NAMES)), method_names=evaluation.METHOD_NAMES,
                    ylabel=f"precision@{K_NEIGHBOURS}, other maps only",
                    title="the same search on the trained latents and on four baselines")
plt.show()

# %%
words = search_verdicts(baselines, reference="trained")  # chapter 4's rule, over all crops
best_text = [f"{NAMES[label]} ({label}): {names_list([evaluation.METHOD_NAMES[m] for m in methods])}"
             for label, methods in words.best.items()]
baseline_scores = words.scores
chance_all = baselines[(baselines.method == "chance") & (baselines.label == ALL_LABELS)]["mean"].iloc[0]
baseline_chance = f"{chance_all:.2f}"
spread_over = ("the query crops, and over the " + (
    f"{len(trained_models)} training seeds of the trained encoder and the " if len(trained_models) > 1 else "")
     + f"{len(untrained_seeds)} random draws of the untrained network")
baseline_verdicts = words.verdicts
glue("baseline_verdicts", baseline_verdicts, display=False)  # pasted into the intro
baseline_conclusion = words.conclusion
trained_top = f"{len(words.reference_best)} of the {len(words.best)}"
best_by_label = "; ".join(best_text)
print(words.conclusion)

# %% [markdown]
# Over all crops, ranked by their mean precision@4 (± the spread over
# {eval}`spread_over`): {eval}`baseline_scores`; chance is {eval}`baseline_chance`.
# By chapter 4's rule (a difference counts when it is larger than the two spreads
# combined) the trained encoder is {eval}`baseline_verdicts`.
# {eval}`baseline_conclusion`
#
# Label by label, the trained encoder has the highest mean for
# {eval}`trained_top` labels; the best per label is {eval}`best_by_label`.
#
# The spread is wide by nature: one query's precision@k can only be a multiple of
# 1/k (with four neighbours: 0, 1/4, 1/2, 3/4 or 1), so single queries scatter a
# lot, and a small library gives few queries per label. Why can raw pixels or PCA compete at all? The rate
# classes differ mostly in how fast $C_2$ falls away from its diagonal, the width of
# the bright band, and that width is visible in block-averaged pixels and in the first
# principal components alike; a random convolutional network followed by pooling
# also keeps it. What training could add is indifference to what does not matter for
# the label (the noise, where the crop was cut): whether it does is what the
# baselines test. Run the chapter at another preset (a larger library, longer
# training) to see whether the verdict changes.
#
# **Question 2.** Suppose the raw pixels find neighbours of the query's label as
# often as the trained encoder does, within the spread. What follows?
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
# means, cheaper to store and search. C is wrong: precision@k uses only the *order* of distances
# from each query within one feature space, so the units never meet.
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
library_published = latent.encode(published, crops)  # the library, in the published model's latent space
target = paper.load_target_image().astype(np.float32)  # (256, 256) in [0, 1]
target_latent = latent.encode(published, target[None])[0]
target_indices, target_distances = latent.nearest_neighbours(library_published, target_latent, k=8)

crop_grid(np.stack([target, *(crops[i] for i in target_indices)]), n_cols=5,
          titles=["real crop (query)"] + [f"#{i}, d = {d:.2f}\n{NAMES[labels[i]]}"
                                          for i, d in zip(target_indices, target_distances)])
plt.show()
print("labels of the real crop's 8 nearest synthetic crops:", [NAMES[l] for l in labels[target_indices]])

# %% [markdown]
# Is the real crop close to these neighbours, or only less far from them than from
# the rest? Compare its distance to its nearest synthetic crop with the distance
# between a synthetic crop and *its* nearest synthetic crop (`latent.distance_to_reference`
# divides the one by the median of the other); and do the same on the real side,
# with the 900 published latent vectors of the paper's run, which the same model made
# from real maps.

# %%
real_latents = paper.load_latents()  # (900, 64) from real C2
gap = pd.concat([latent.distance_to_reference(target_latent, library_published),
                 latent.distance_to_reference(target_latent, real_latents)])
gap.index = ["synthetic library", "the paper's 900 real C2"]
gap.columns = ["the real crop's nearest (latent units)", "typical nearest inside the set (median)", "ratio"]
gap.round(2)

# %% [markdown]
# One UMAP of both sets together, drawn in the published model's latent space:

# %%
both = np.concatenate([real_latents.astype(np.float32), library_published, target_latent[None]])
both_embedding = latent.umap_embedding(both, seed=42)
n_real = len(real_latents)
fig, ax = plt.subplots(figsize=(PAGE_WIDTH, 4.5), constrained_layout=True)
ax.scatter(*both_embedding[:n_real].T, s=8, color="gray", alpha=0.5, label="the paper's 900 real C2")
umap_scatter(both_embedding[n_real:-1], labels, names=[f"synthetic: {name}" for name in NAMES], size=16,
             alpha=1.0, legend=False, ax=ax, title="real and synthetic C2 in the published model's latent space")
ax.scatter(*both_embedding[-1], marker="*", s=350, color="k", label="the real crop")
ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
plt.show()

# %%
ratio_synthetic, ratio_real = gap["ratio"]
nearest_synthetic = latent.nearest_distance_within(library_published)  # (N,) to the nearest other synthetic crop
nearest_real = cdist(library_published, real_latents).min(axis=1)  # (N,) to the nearest real map
among_themselves = np.mean(nearest_synthetic < nearest_real)
n_heterodyne = int(np.sum(labels[target_indices] == scenarios.HETERODYNE))
target_heterodyne = "all" if n_heterodyne == 8 else f"{n_heterodyne}"
target_sentence = (f"The search does what it should: {'all 8' if n_heterodyne == 8 else n_heterodyne} of the "
                   "real crop's 8 nearest synthetic crops are heterodyne, the right behaviour."
                   if n_heterodyne > 4 else
                   f"The search gives a mixed answer: only {n_heterodyne} of the real crop's 8 nearest "
                   "synthetic crops are heterodyne.")
ratio_synthetic_text = f"{ratio_synthetic:.1f}"
ratio_real_text = f"{ratio_real:.1f}"
real_side = "a typical distance, or closer" if ratio_real <= 1.5 else "a distance larger than typical"
among_themselves_text = f"{among_themselves:.0%}"
apart = ratio_synthetic > 1.5
gap_conclusion = ("The simulator's crops are not yet real data: their noise, contrast and shapes differ enough that the "
    "published model, which only saw real maps, puts them apart. A search across the gap can say \"most like\", "
    "not \"alike\". Closing the gap would take a simulator tuned on real maps (noise correlations, diagonal, "
    "drift), or fine-tuning on real data." if apart else
    "At this preset the real crop sits among the synthetic crops about as closely as they sit among themselves: "
    "by this measure the simulator's crops and the real one are not apart.")
gap_summary = (f"{ratio_synthetic:.1f} times farther from its nearest synthetic crop than synthetic crops "
     "sit from each other" + (": the simulator and the experiment are still apart" if apart else ""))
print(f"ratios: {ratio_synthetic:.2f} to the library, {ratio_real:.2f} to the real maps; "
      f"{among_themselves:.0%} of the synthetic crops are nearer another synthetic crop than any real map")

# %% [markdown]
# Read the two results together. {eval}`target_sentence`
# But the real crop is {eval}`ratio_synthetic_text`
# times farther from its nearest synthetic crop than synthetic crops are from each
# other, while among the real maps its ratio is {eval}`ratio_real_text`,
# {eval}`real_side`. And {eval}`among_themselves_text` of the synthetic crops lie
# nearer to another synthetic crop than to any of the 900 real maps; the joint UMAP
# shows where they sit relative to the real cloud.
# {eval}`gap_conclusion`
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
# ## Explore any query
#
# First the answer for one heterodyne query as a static figure (this is what the
# rendered page shows), then the same figure in a widget where you pick the query.
# The widget needs a running kernel; on the static site it shows nothing.

# %%
start = queries[0]
indices, distances = widgets.neighbours_of(latents, start, 8)
fig = plt.figure(figsize=(PAGE_WIDTH, 3.6), layout="constrained")
widgets.neighbour_figure(crops, embedding, labels, start, indices, distances, label_names=NAMES, fig=fig,
                         title=f"query #{start} and its 8 nearest neighbours in latent space")
plt.show()

# %%
widgets.neighbour_explorer(crops, latents, embedding, labels, k=8, label_names=NAMES, start=start)

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
# To show it without a beamline file, we write one of the library's large maps (the
# heterodyne map of the first query, in the ratio form the APS software uses) to an
# APS result file in a temporary folder and search with the file. The library's
# crops of that map were cut at random offsets, so the middle crop is not one of
# them; it shares their frames in part.

# %%
spec = LibrarySpec.from_preset(P, seed=SEED)
own_map = LibraryMaps(spec)[int(metadata.c2_index[queries[0]])]  # (T, T), baseline 1
with tempfile.TemporaryDirectory() as folder:
    path = Path(folder) / "my_measurement.hdf"
    aps.write_aps_result(path, [own_map])
    found = latent.find_similar(model, path, latents, k=8, labels=labels, roi=1)
from_array = latent.find_similar(model, own_map, latents, k=8, labels=labels)
print(f"a {own_map.shape[0]}-frame map, cropped at frame {found.crop_offset}; predicted class "
      f"{found.predicted_class} ({NAMES[found.predicted_class]}), votes {found.votes}")
print("the file and the array give the same neighbours:", np.array_equal(found.indices, from_array.indices))
found.table().assign(name=lambda t: [NAMES[l] for l in t.label],
                     same_map=lambda t: maps_of[t["index"]] == maps_of[queries[0]]).round(3)

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
    """precision@k of crop ``query``: the share of its k nearest crops outside its own map with its label.

    features (N, D) float, labels (N,) int, groups (N,) int: the large map each crop was cut from.
    """
    distances = ...  # (N,) euclidean distances from features[query] to every row of features
    ...  # leave out the query's own map: set the distances of its group's rows to np.inf
    nearest = ...  # the rows of the k smallest distances (np.argsort)
    return ...  # the share of them whose label is labels[query]


# %%
features64 = latents.astype(np.float64)  # (N, 64)
every_crop = np.arange(len(labels))
mine = search_precision(features64, labels, maps_of, queries[0], K_NEIGHBOURS)
if mine is not None and mine is not Ellipsis:  # filled in: score every crop, as the package does
    mine = [search_precision(features64, labels, maps_of, q, K_NEIGHBOURS) for q in every_crop]
check_answer(f"precision@{K_NEIGHBOURS} of every crop (other maps only)", mine,
             evaluation.precision_at_k(features64, labels, every_crop, K_NEIGHBOURS, groups=maps_of))

# %% tags=["hide-cell"]
# Solution: one row of distances, the query's map masked with infinity so it can
# never be picked, a sort, and a mean of a boolean array.
def search_precision(features, labels, groups, query, k):
    """precision@k of crop ``query``: the share of its k nearest crops outside its own map with its label."""
    distances = np.linalg.norm(features - features[query], axis=1)  # (N,)
    distances[groups == groups[query]] = np.inf  # the query and its twin are never neighbours
    nearest = np.argsort(distances, kind="stable")[:k]
    return float(np.mean(labels[nearest] == labels[query]))


mine = [search_precision(features64, labels, maps_of, q, K_NEIGHBOURS) for q in every_crop]
assert check_answer(f"precision@{K_NEIGHBOURS} of every crop (other maps only)", mine,
                    evaluation.precision_at_k(features64, labels, every_crop, K_NEIGHBOURS, groups=maps_of))

# %% [markdown]
# **Exercise 2: search on the picture.** Compute the precision@4 (other maps only)
# with neighbours found in the UMAP plane instead of the latent space. Is it better
# or worse, and what does that say about using the picture for search?

# %% tags=["hide-cell"]
# Solution: compare the two printed numbers. Whichever is higher at this preset, the
# plane is a drawing made with random choices: a different seed or n_neighbors gives
# a different answer, while the latent distances stay put. Try seed=1 below.
for name, space in (("latent space", latents), ("UMAP plane, seed 42", embedding),
                    ("UMAP plane, seed 1", latent.umap_embedding(latents, seed=1, n_neighbors=5, min_dist=0.25))):
    score = evaluation.precision_at_k(space, labels, every_crop, K_NEIGHBOURS, groups=maps_of).mean()
    print(f"precision@{K_NEIGHBOURS}, other maps only, {name}: {score:.2f}")

# %% [markdown]
# **Exercise 3: a map the model never saw.** Make a new heterodyne $C_2$ of 300 frames
# with `scenarios.scenario_c2(scenarios.HETERODYNE, 300, seed=123, photons_per_pixel=10)`
# and an avalanche one with the same seed, and ask `find_similar` for their class.
# Try a few seeds: which behaviour is found more reliably?

# %% tags=["hide-cell"]
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
        votes.append(NAMES[latent.find_similar(model, c2, latents, k=5, labels=labels).predicted_class])
    print(f"true {NAMES[label]}: predicted {votes}")

# %% [markdown]
# **Exercise 4: a neighbourhood by distance.** The paper suggests collecting every
# map within a chosen distance of a query, rather than a fixed number. For the first
# heterodyne query, count the crops within radius r for a few radii, and the share of
# them that are heterodyne. How would you pick r?

# %% tags=["hide-cell"]
# Solution: small radii give few, pure matches; larger ones mix in other behaviours
# (the printout says from which radius on, at this preset). One way to pick r: a
# small multiple of the typical nearest-neighbour distance inside the library,
# checked against a few labelled examples.
distance_to_all = np.linalg.norm(latents - latents[queries[0]], axis=1)
typical = np.median(latent.nearest_distance_within(latents))
for factor in (1, 2, 3, 4, 6):
    inside = np.flatnonzero((distance_to_all <= factor * typical) & (np.arange(len(latents)) != queries[0]))
    share = f"{np.mean(labels[inside] == scenarios.HETERODYNE):.0%}" if inside.size else "none"
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
#   {eval}`baseline_verdicts`, by chapter 4's rule.
# - Searched with the published model, a real heterodyne crop finds synthetic
#   neighbours (of its eight nearest, {eval}`target_heterodyne` are heterodyne),
#   but it lies {eval}`gap_summary`.
# - `latent.find_similar` takes your own $C_2$ (an array, or an APS 8-ID-I file),
#   prepares it exactly as the training crops were, and returns its neighbours and a
#   predicted class; `widgets.neighbour_explorer` lets you browse.
#
# ## What's next
#
# This is the last step of the paper's pipeline. To go further, take a result file
# from your own beamline through chapter 2's `aps.aps_to_crops`, encode it with the
# published model or one trained on your data (chapter 3), and use this chapter's
# search and chapter 5's class fractions on it. The paper's outlook is the same: once
# similar maps are grouped, look at what the rheometer, the sample position or the
# time say about each group.

# %%
FRAME.finish()
