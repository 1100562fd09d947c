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
# # 7. Your own data
#
# ## Overview
#
# The chapters before built the AI-NERD pipeline ([Horwath et al. 2024](https://doi.org/10.1038/s41467-024-49381-z)) piece by
# piece. This one runs it end to end on a measurement of your own, with a beamline
# scientist's calls (`xpcs-nb` on the command line, `prepare_crops`, `LatentSpace`,
# `xpcs_nb.parallel`), so it doubles as the user guide. You will:
#
# 1. write speckle movies to disk as an area detector writes them (HDF5 frame
#    stacks) and correlate them with `xpcs-nb c2` into APS 8-ID-I result files;
# 2. classify every ROI and find its nearest reference maps with `xpcs-nb classify`
#    and `xpcs-nb similar`, with the published model and with chapter 3's;
# 3. run the correlation and the encoding on a Dask cluster, with the same results;
# 4. classify a rheo-XPCS run window by window *as it arrives*, as during a beamtime;
# 5. check what decides whether a result on new data can be trusted: frame time,
#    q range, contrast, and the distance to the reference set.
#
# ## Prerequisites
#
# Every chapter before: ROIs of q-rings × sectors and the two-time $C_2$ (1); crops
# scaled to [0, 1] and APS result files (2); the trained autoencoder (3); k-means
# classes ordered slowest first (4); class fractions beside the stress (5); latent
# neighbours and the gap between real and synthetic maps (6).
#
# Time to run: about a minute and a half at `fast` on 2 CPU cores (five commands
# that each load PyTorch, and the Dask workers); a few minutes at `class`, `paper`.

# %% tags=["parameters"]
import os

from xpcs_nb.presets import preset_for_this_machine

# $XPCS_PRESET, else "class" with a CUDA GPU, "fast" without; or "class_cpu", "paper"
PRESET = preset_for_this_machine()
SEED = 0  # fixes the measurements, chapters 2-3's library and model, the k-means starts
N_WORKERS = 2  # worker processes of the Dask cluster

# %%
import logging
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import h5py
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import Markdown, display
from matplotlib.colors import ListedColormap

from xpcs_nb import LatentSpace, aps, correlation, latent, parallel, prepare_crops
from xpcs_nb import rheology, scenarios, simulate, words
from xpcs_nb.atomic import atomic_path
from xpcs_nb.chapter import start_chapter
from xpcs_nb.checks import check_answer
from xpcs_nb.geometry import Detector
from xpcs_nb.library import LibraryMaps, LibrarySpec
from xpcs_nb.pipeline import crop_splits, trained_autoencoder
from xpcs_nb.plotting import PAGE_WIDTH, class_colours, fractions_beside_stress, show_c2
from xpcs_nb.prepare import LIBRARY_FRAME_TIME
from xpcs_nb.presets import get_preset

# %%
FRAME = start_chapter(7, PRESET)

# %%
P = get_preset(PRESET)
# everything this chapter writes goes to WORK, removed at the end
WORK = Path(tempfile.mkdtemp(prefix="xpcs_chapter7_"))
FRAME_TIME = LIBRARY_FRAME_TIME  # s per frame, that of chapter 3's training library
# photons per pixel per frame, as in the library
PHOTONS = LibrarySpec.from_preset(P, seed=SEED).photons_per_pixel
Q_EDGES = (0.010, *scenarios.PAPER_Q_EDGES)  # nm^-1: an inner ring, then the paper's
N_SECTORS = 18
NAMES = scenarios.CLASS_NAMES  # the library's seven behaviours, label -> name
side = P.detector_side
print(f"preset {P.name!r}: {P.own_data_frames} frames of {side}x{side} pixels a movie")
print(f"files go to {WORK}")

# %% [markdown]
# ## A measurement on disk
#
# Your detector writes frames, not correlations. Here chapter 1's simulator stands
# in: three samples with known behaviours (a slow gel, a fast fluid, a slow glass reset
# by an avalanche every 200 frames) at the centres of the library's rate classes 1, 3
# and 0, in 1/s so that a sample can be filmed at another frame time later; on the
# paper's geometry (55 µm pixels, 8 m, 11 keV) at the library's frame time and photon
# rate. Each movie goes to an HDF5 file as an area detector writes it (counts
# `(T, H, W)` at `/entry/data/data`, the geometry under `/entry/instrument/detector`),
# whole or not at all (`xpcs_nb.atomic.atomic_path`).

# %%
# name -> true behaviour; RATE: 1/s at q = 0.024 nm^-1 for each rate class
SAMPLES = {"slow_gel": 1, "fast_fluid": 3, "avalanching_glass": scenarios.AVALANCHE}
RATE = {c: scenarios.CLASS_DECAY_PER_FRAME[c] / FRAME_TIME for c in range(5)}
duration = P.own_data_frames * FRAME_TIME  # s
avalanche_times = np.arange(20.0, duration, 20.0)  # s
dynamics_of = {"slow_gel": simulate.stationary(RATE[1]),
               "fast_fluid": simulate.stationary(RATE[3]),
               "avalanching_glass": simulate.avalanches(RATE[0], times=avalanche_times,
                                                        fraction=0.7)}


def write_detector_file(path, frames, detector, frame_time):
    """Frames (T, H, W) of counts as an area detector's HDF5 file, with its geometry."""
    with atomic_path(path) as tmp, h5py.File(tmp, "w") as f:
        f.create_dataset("entry/data/data", data=frames, chunks=(1, *frames.shape[1:]),
                         compression="lzf")
        geometry = f.create_group("entry/instrument/detector")
        geometry["frame_time"] = frame_time  # s
        geometry["x_pixel_size"] = detector.pixel_size  # m
        geometry["distance"] = detector.distance  # m
        geometry["wavelength"] = detector.wavelength  # m
        geometry["beam_center"] = detector.center  # (row, column), pixels

# %%
detector = Detector(shape=(P.detector_side, P.detector_side))  # the paper's geometry
(WORK / "raw").mkdir()
movies = []
for number, (name, label) in enumerate(SAMPLES.items()):
    movie = simulate.simulate_movie(detector, dynamics_of[name], P.own_data_frames,
                                    FRAME_TIME, seed=SEED + number,
                                    photons_per_pixel=PHOTONS)
    movies.append(WORK / "raw" / f"{name}.h5")
    write_detector_file(movies[-1], movie.frames, detector, FRAME_TIME)
    print(f"{name}.h5: {NAMES[label]}, {movies[-1].stat().st_size / 1e6:.0f} MB")
del movie
with h5py.File(movies[0], "r") as f:
    f.visititems(lambda name, item: print(f"  /{name}", item.shape, item.dtype)
                 if isinstance(item, h5py.Dataset) else None)

# %% [markdown]
# ## From frames to $C_2$: `xpcs-nb c2`
#
# The first command writes one result file per frame stack, the two-time map of
# every ROI in the APS 8-ID-I layout. The ROIs are q-rings × 18 azimuthal sectors, as
# in chapter 1: the paper's ring and an inner one (used at the end of the chapter),
# with the geometry and frame time that `c2` reads from the file (it prints each value
# and where it came from; `--distance` and the like would override them). Each command
# runs as in a terminal (the `$` line is what you would type), through `subprocess`.

# %%
def xpcs_nb_command(*arguments):
    """Run ``xpcs-nb ARGUMENTS`` as a terminal would (python -m xpcs_nb)."""
    arguments = [str(argument) for argument in arguments]
    typed = "$ xpcs-nb " + " ".join(arguments).replace(str(WORK), "$WORK")
    print(" \\\n    ".join(textwrap.wrap(typed, 80, break_long_words=False)))
    done = subprocess.run([sys.executable, "-m", "xpcs_nb", *arguments],
                          capture_output=True, text=True)
    print(done.stdout.replace(str(WORK), "$WORK"), end="")
    if done.returncode != 0:  # the command's own error lines say which file and why
        raise RuntimeError(f"xpcs-nb {arguments[0]} exited with status "
                           f"{done.returncode}:\n{done.stderr}")


xpcs_nb_command("c2", *movies, "--dataset", "/entry/data/data", "--q-edges", *Q_EDGES,
                "--sectors", N_SECTORS, "--out", WORK / "c2")

# %%
# what a result file holds, read back with xpcs_nb.aps: one row per ROI, and the maps
c2_files = [WORK / "c2" / f"{path.stem}_results.h5" for path in movies]
rois = aps.read_roi_table(c2_files[0])
rois["ring"] = np.where(rois.q < scenarios.PAPER_Q_EDGES[0], "inner", "paper")
first_of_paper_ring = int(rois.roi[rois.ring == "paper"].iloc[0])
print(f"{len(rois)} ROIs a file, q from {rois.q.min():.4f} to {rois.q.max():.4f} nm^-1")
rois.head(3).style.format({"q": "{:.4f}"}, precision=1).hide(axis="index")

# %%
fig, axes = plt.subplots(1, 3, figsize=(PAGE_WIDTH, 2.9), constrained_layout=True)
for ax, path, name in zip(axes, c2_files, SAMPLES):
    c2 = aps.read_c2(path, roi=first_of_paper_ring, correct_diagonal=True)
    show_c2(ax, c2, dt=FRAME_TIME, title=f"{name}, ROI {first_of_paper_ring}")
plt.show()

# %% [markdown]
# **Figure 7.1.** One $C_2$ per sample, from the first sector of the paper's ring, as
# the `c2` command wrote them. Look at the width of the bright band along the
# diagonal (slow gel wide, fast fluid narrow) and at the avalanches' blocks.

# %% [markdown]
# ## Classes and neighbours with the published model
#
# `xpcs-nb classify` cuts a 256-frame crop from the diagonal of every map (seeded),
# scales it to [0, 1], encodes it, and gives it the class of the nearest k-means
# centre. With `--model published` the reference set is the paper's 900 real latent
# vectors (run E031), classes numbered slowest first; `xpcs-nb similar` lists each
# crop's nearest reference maps. We give `--k 5`, the knee chapter 5 found; without
# `--k` each command sweeps k = 2 .. 12 to find it, which takes longer than the rest.

# %%
K_PUBLISHED = 5  # the knee of the published latents' inertia curve (chapter 5)
xpcs_nb_command("classify", *c2_files, "--model", "published", "--k", K_PUBLISHED,
                "--seed", SEED, "--out", WORK / "published")
xpcs_nb_command("similar", *c2_files, "--model", "published", "--k", K_PUBLISHED,
                "--seed", SEED, "--neighbours", 4, "--out", WORK / "published")

# %%
# each command writes a CSV table and a PNG figure; classify's has one row per crop:
# its ROI, where it was cut, its class, its distance to every class centre
published_classes = pd.read_csv(WORK / "published" / "classes.csv")
published_classes["sample"] = [Path(file).stem.removesuffix("_results")
                               for file in published_classes.file]
columns = ["sample", "roi", "crop_offset", "class", "distance", "distance_0"]
published_classes[columns].head(4).style.format(precision=3).hide(axis="index")

# %% [markdown]
# ## The same with the model trained in chapter 3
#
# A model of your own goes to the command line as a saved `LatentSpace`: the model, a
# reference set encoded and clustered, and a table of what each reference crop is.
# Here: chapter 3's model on chapter 2's library, whose behaviours we know; `fit`
# picks k at the knee and numbers the classes slowest first.

# %%
# crops (N, 256, 256) in [0, 1], and a table of what each crop is
library_crops, library_table, _ = crop_splits(P, SEED)
model, _ = trained_autoencoder(P, SEED, device="auto", progress=False)
own_space = LatentSpace(model, seed=SEED).fit(  # c2_index: the map each crop is of
    library_crops, library_table[["label", "name", "q", "c2_index"]])
own_space.save(WORK / "chapter3_space")
k_own = own_space.k  # the number of classes, at the knee
print(own_space, "->", sorted(p.name for p in (WORK / "chapter3_space").iterdir()))

# %%
xpcs_nb_command("classify", *c2_files, "--space", WORK / "chapter3_space",
                "--seed", SEED, "--out", WORK / "chapter3")
xpcs_nb_command("similar", *c2_files, "--space", WORK / "chapter3_space",
                "--seed", SEED, "--neighbours", 4, "--out", WORK / "chapter3")

# %% [markdown]
# One table for both models, `results.csv`, one row per ROI: its q-ring, its class
# under each model, and the behaviour most of its four nearest library crops carry.

# %%
def most_common(values):
    """The most common value of a column (ties: the first counted)."""
    return values.value_counts().index[0]


own_classes = pd.read_csv(WORK / "chapter3" / "classes.csv")
own_neighbours = pd.read_csv(WORK / "chapter3" / "neighbours.csv")
looks_like = (own_neighbours.groupby(["file", "roi"]).neighbour_name.agg(most_common)
              .rename("looks_like"))
results = (published_classes[["file", "sample", "roi", "class"]]
           .rename(columns={"class": "class_published"})
           .merge(own_classes[["file", "roi", "class"]]
                  .rename(columns={"class": "class_chapter3"}), on=["file", "roi"])
           .merge(looks_like, on=["file", "roi"])
           .merge(rois[["roi", "q", "ring"]], on="roi"))
results["truth"] = [NAMES[SAMPLES[sample]] for sample in results["sample"]]
assert results.roi.tolist() == rois.roi.tolist() * len(c2_files), "file, then ROI"
with atomic_path(WORK / "results.csv") as tmp:
    results.drop(columns="file").to_csv(tmp, index=False)
summary = results.groupby(["sample", "ring"]).agg(
    truth=("truth", "first"), looks_like=("looks_like", most_common),
    class_chapter3=("class_chapter3", most_common),
    class_published=("class_published", most_common), rois=("roi", "size"))
summary

# %%
labels = correlation.roi_partition(detector.q_map(), detector.azimuth_map(), Q_EDGES,
                                   n_sectors=N_SECTORS)
assert labels.max() == len(rois), "every ROI holds pixels: numbered as the command did"
inside_ring = np.flatnonzero(labels.any(axis=0))  # the columns (and rows) with ROIs
fig, axes = plt.subplots(2, 3, figsize=(PAGE_WIDTH, 5.0), constrained_layout=True)
classes_of = {"published": K_PUBLISHED, "chapter3": k_own}  # model -> its k
for row, (model_name, k) in enumerate(classes_of.items()):
    for column, name in enumerate(SAMPLES):
        rows = results[results["sample"] == name].sort_values("roi")
        painted = np.full(len(rois) + 1, np.nan)
        painted[rows.roi.to_numpy()] = rows[f"class_{model_name}"].to_numpy()
        view = np.where(labels > 0, painted[labels], np.nan)[np.ix_(inside_ring,
                                                                    inside_ring)]
        image = axes[row, column].imshow(view, cmap=ListedColormap(class_colours(k)),
                                         vmin=-0.5, vmax=k - 0.5)
        axes[row, column].set_title(f"{name}, {model_name} model", fontsize=9)
        axes[row, column].set(xticks=[], yticks=[])
    fig.colorbar(image, ax=axes[row, :], ticks=range(k), shrink=0.8,
                 label="class (0 slowest)")
plt.show()

# %% [markdown]
# **Figure 7.2.** Every ROI painted with its class (dark slow, yellow fast; compare
# within a row): the published model (top, the paper's 900 real maps as reference),
# chapter 3's (bottom, the synthetic library); a column per sample, the inner ring at
# lower q. Look at whether the samples separate, and at the inner ring, where the same
# dynamics are slower. The table above gives each ring's most common values.

# %%
agreement = (results.looks_like == results.truth).groupby(results["sample"]).mean()
n_rois, n_maps = len(rois), len(results)
looks_like_right = f"{np.mean(results.looks_like == results.truth):.0%}"
paper_ring = summary.xs("paper", level="ring")
classes_by_model = {
    model_name: ", ".join(f"{paper_ring.loc[name, f'class_{model_name}']} ({name})"
                          for name in SAMPLES)
    for model_name in ("chapter3", "published")}
gel_slower = {model_name: bool(paper_ring.loc["slow_gel", f"class_{model_name}"]
                               < paper_ring.loc["fast_fluid", f"class_{model_name}"])
              for model_name in ("chapter3", "published")}  # classes go slowest first
order_note = words.order_note(gel_slower["chapter3"], gel_slower["published"])
ring_changes_text = words.ring_changes(
    [name for name in SAMPLES if summary.loc[(name, "inner"), "class_chapter3"]
     != summary.loc[(name, "paper"), "class_chapter3"]])
(agreement.rename("share of ROIs whose neighbours carry the true behaviour").to_frame()
 .style.format("{:.0%}"))

# %% [markdown]
# Over all {eval}`n_maps` maps ({eval}`n_rois` ROIs in each of the three files),
# most of the four nearest library crops carry the true behaviour for
# {eval}`looks_like_right` of them (by sample in the table). In the paper's ring,
# chapter 3's model (k = {eval}`k_own`) gives the classes
# {eval}`classes_by_model["chapter3"]`; the published model (k = 5)
# {eval}`classes_by_model["published"]`. A class number means nothing outside its
# own space (the paper's real maps, or the synthetic library). {eval}`order_note`.
# Between the rings, {eval}`ring_changes_text` its most common class under chapter
# 3's model: the inner ring lies at lower q, where a sample relaxes more slowly.
#
# ## The same on a Dask cluster
#
# For a beamtime's worth of files, the same steps run as Dask tasks
# (`xpcs_nb.parallel`), one per file, read by the worker itself. `dask_client` starts
# a `LocalCluster` here (or joins one, e.g. dask-jobqueue on an HPC system), stops it
# after the block and restores `os.environ` (Dask's nanny sets one BLAS thread in
# it). The steps: `two_time_files` (each worker writes its movie's $C_2$ to a
# `.npy`), `prepare_crops`, `encode_files` with both models, the nearest centres.
# In a script, put these calls under `if __name__ == "__main__":`: each worker
# process starts by importing the script again, and code outside the guard would run
# in every worker. A file that cannot be read does not sink the batch:
# `two_time_files` raises `FilesFailed`, which names each failing file and keeps the
# others' results in its `.results` (the written paths, with `out_dir`).

# %%
published_space = LatentSpace.published(k=K_PUBLISHED, seed=SEED)  # --model published
spaces = {"published": published_space, "chapter3": own_space}
logging.getLogger("distributed").setLevel(logging.ERROR)  # no start and stop messages
environment, started = dict(os.environ), time.perf_counter()
with parallel.dask_client(n_workers=N_WORKERS) as client:  # processes, one thread each
    print(f"{len(client.scheduler_info()['workers'])} workers")
    c2_paths = parallel.two_time_files(  # one .npy of (n_roi, T, T) per movie
        movies, labels, dataset="/entry/data/data", form="ratio", out_dir=WORK / "dask",
        scheduler=client)
    crop_files = []
    for path, c2_path in zip(movies, c2_paths):
        c2 = np.load(c2_path)
        c2 = (c2 + np.swapaxes(c2, 1, 2)) / 2  # exactly symmetric, as the command's
        crop_files.append(WORK / "dask" / f"{path.stem}.crops.npy")
        np.save(crop_files[-1], prepare_crops(c2, seed=SEED)[0])
    latents_dask = {name: np.concatenate(parallel.encode_files(space.model, crop_files,
                                                                scheduler=client))
                    for name, space in spaces.items()}
dask_seconds = time.perf_counter() - started
assert dict(os.environ) == environment, "dask_client gives back the environment"
print(f"cluster started, used and stopped in {dask_seconds:.0f} s")

# %% [markdown]
# **Think!** The cluster ran the same functions on the same files, in other
# processes. Before the next cell compares them with the command line's result files
# and `classes.csv`: will the classes be equal, and how large a $C_2$ difference?

# %%
c2_difference = 0.0
for result_file, c2_path in zip(c2_files, c2_paths):  # one movie at a time
    c2_parallel = np.load(c2_path)
    c2_parallel = (c2_parallel + np.swapaxes(c2_parallel, 1, 2)) / 2
    for index, roi in enumerate(rois.roi):
        c2_serial = aps.read_c2(result_file, roi=roi)  # (T, T), upper triangle stored
        gap = np.abs(np.triu(c2_serial) - np.triu(c2_parallel[index]))
        c2_difference = max(c2_difference, float(gap.max()))
tables = {"published": published_classes, "chapter3": own_classes}
same_classes = {}
for name, space in spaces.items():
    nearest, _ = latent.nearest_neighbours(space.centres, latents_dask[name], k=1)
    same_classes[name] = np.array_equal(nearest.ravel(), tables[name]["class"])
assert all(same_classes.values()), f"the Dask path gave other classes: {same_classes}"
assert c2_difference <= 1e-6, f"the Dask path's C2 differ by {c2_difference:g}"
dask_c2_difference, dask_seconds_text = f"{c2_difference:.1g}", f"{dask_seconds:.0f}"
dask_n_crops = len(latents_dask["chapter3"])
print(f"largest difference between the C2: {c2_difference:.1g}")
print(f"the same classes: {same_classes}")

# %% [markdown]
# The {eval}`dask_n_crops` crops get the same classes on both paths, under both
# models, and the largest difference between the maps is {eval}`dask_c2_difference`
# (a worker's BLAS may add in another order and differ in the last bits; the assertion
# allows one part in a million). The cluster took {eval}`dask_seconds_text` s to
# start, work and stop, mostly start-up: it pays off with many files and cores.
#
# ## During the beamtime: classify each window as it lands
#
# At the beamline the data come while you decide what to measure next. Chapter 5's
# synthetic rheo-XPCS run serves as the stream: after the shear stops, a window of 256
# frames every 57 s, 18 sectors each, with the stress alongside. A generator hands
# over one window at a time, as a watcher of the result folder would; each is
# classified as it lands with the saved `LatentSpace` (classes fixed beforehand, so a
# new window never renumbers old ones), and the plot grows by one bar. Run it in
# Jupyter to watch it grow; the page shows the finished figure.

# %%
experiment = scenarios.rheo_experiment(
    n_sectors=N_SECTORS, n_windows=P.stream_windows, window_frames=256, seed=SEED,
    photons_per_pixel=PHOTONS, method=P.rheo_c2_method)
stress_time, stress = rheology.stress_after_shear(experiment.rheometer)
first_starts = experiment.table().groupby("window").window_start.first().to_numpy()
window_starts = experiment.shear_stop_time + first_starts  # s, on the rheometer's clock


def windows_as_they_land(experiment):
    """Yield (window, its start in s, c2 (n_sectors, T, T)), one window at a time."""
    for window in range(experiment.n_windows):
        first = window * experiment.n_sectors
        sectors = range(first, first + experiment.n_sectors)
        yield window, window_starts[window], np.stack(list(map(experiment.c2, sectors)))


def draw_so_far(fig, fractions, times, now):
    """The class fractions and stress so far, on the whole run's time axis."""
    fig.clear()
    seen = stress_time <= now
    title = f"{len(times)} of {experiment.n_windows} windows classified"
    fractions_beside_stress(fractions, times, stress_time[seen], stress[seen], [],
                            fig=fig, title=title)
    fig.axes[0].set_xlim(window_starts[0] - 57, window_starts[-1] + 2 * 57)

# %%
fig = plt.figure(figsize=(PAGE_WIDTH, 4.2), dpi=60)  # light, redrawn for every window
live = display(Markdown("*waiting for the first window...*"), display_id=True)
stream, seconds_per_window = [], []
for window, start, c2 in windows_as_they_land(experiment):
    started = time.perf_counter()
    stream.append(own_space.classify(c2).assign(window=window, start=start))
    seconds_per_window.append(time.perf_counter() - started)
    landed = pd.concat(stream, ignore_index=True)
    fractions = rheology.class_fractions(landed["class"], landed.window,
                                         n_classes=own_space.k)
    draw_so_far(fig, fractions, window_starts[:window + 1], start + 256 * experiment.dt)
    live.update(fig)
plt.close(fig)
live.update(Markdown(f"*All {experiment.n_windows} windows classified as they landed; "
                     "the finished figure follows.*"))
stream_ms = f"{1000 * np.median(seconds_per_window):.0f}"

# %%
minima_index, minima_times = rheology.stress_minima(stress_time, stress)
last = window_starts[-1] + 256 * experiment.dt  # s, the end of the last window
inside = (minima_times >= window_starts[0]) & (minima_times <= last)
fractions_beside_stress(
    fractions, window_starts, stress_time, stress, minima_times[inside],
    bursts=(experiment.bursts.time + experiment.shear_stop_time).to_numpy(),
    title=f"{experiment.n_windows} windows, classified as they landed (k = {k_own})")
plt.show()

# %% [markdown]
# **Figure 7.3.** The run classified window by window as it arrived: the share of
# the 18 sectors in each class (top, dark slow to yellow fast) above the stress
# (bottom), stress minima as black lines, true bursts as red triangles. Look at
# whether the fast classes rise where the bursts fall.

# %%
fastest_share = fractions[own_space.k - 1].to_numpy()
in_burst = experiment.table().groupby("window").in_burst.mean().to_numpy()
late = window_starts - experiment.shear_stop_time > 450  # s after the shear stopped
touched = int(np.sum(in_burst[late] > 0))
late_in_burst, late_fastest = in_burst[late], fastest_share[late]
burst_r = np.corrcoef(late_in_burst, late_fastest)[0, 1] if touched > 1 else None
stream_burst_text = words.burst_sentence(int(late.sum()), touched, burst_r)
stream_bursts = len(experiment.bursts)
print(f"median {stream_ms} ms to classify a window; {touched} of the {late.sum()} "
      "windows after the relaxation touched by a burst")

# %% [markdown]
# Each window took about {eval}`stream_ms` ms to classify on this machine, far
# less than the 57 s until the next one: classification keeps up with the beamline
# with room to spare. The run holds {eval}`stream_bursts` bursts; counting from
# 450 s after the shear stopped, when the fast dynamics left by the shear are gone,
# {eval}`stream_burst_text` (chapter 5 measures that coupling in full).
#
# ## Before you trust the result
#
# Every crop gets a nearest centre, however unlike the reference set. Four checks
# compare your data with what the model and its reference were made from.
#
# ### 1. Frame time
#
# A crop is 256 *frames*, whatever a frame lasts: at a shorter frame time the same
# relaxation is a wider band. Chapter 3's library was simulated at $0.1$ s per frame.
# Suppose the fast fluid had been measured at $0.02$ s per frame, with a beam five
# times brighter so that only the time axis changes. Its map (one sector, from
# photons) is classified as it is and after `prepare_crops` bins five frames into one
# (`frame_time`, `target_frame_time`; `--frame-time`, `--target-frame-time`).
#
# **Think!** Filmed five times faster, will the fluid get a slower class, a faster
# one, or the same? Binned?

# %%
FINE_FRAME_TIME = FRAME_TIME / 5  # s
fine_c2 = scenarios.c2_for_dynamics(
    dynamics_of["fast_fluid"], scenarios.SectorROI(detector), 5 * 300, FINE_FRAME_TIME,
    seed=SEED, method="movie", photons_per_pixel=PHOTONS)
as_measured, _ = prepare_crops(fine_c2, seed=SEED)
binned, binned_table = prepare_crops(fine_c2, seed=SEED, frame_time=FINE_FRAME_TIME,
                                     target_frame_time=FRAME_TIME)
frame_class_raw = int(own_space.classify_crops(as_measured)["class"].iloc[0])
frame_class_binned = int(own_space.classify_crops(binned)["class"].iloc[0])
fluid_paper_ring = results.query("sample == 'fast_fluid' and ring == 'paper'")
frame_class_reference = int(most_common(fluid_paper_ring.class_chapter3))
frame_bin = int(binned_table.bin_frames.iloc[0])
frame_text = words.frame_time_sentence(frame_class_raw, frame_class_binned,
                                       frame_class_reference)
print(f"as measured {frame_class_raw}; binned by {frame_bin}: {frame_class_binned}")
print(f"the same sample at {FRAME_TIME} s a frame (most of the paper's ring): "
      f"{frame_class_reference}")

# %% [markdown]
# As measured, the map falls in class {eval}`frame_class_raw`; binned by
# {eval}`frame_bin` to the library's frame time, in class {eval}`frame_class_binned`;
# the same sample at the library's frame time is in class
# {eval}`frame_class_reference` (most of the paper's ring): {eval}`frame_text`.
# A real shorter frame also holds fewer photons, and the noisier map can look faster;
# binning restores the photons too (try `photons_per_pixel=PHOTONS / 5` above). The
# paper does not state the published model's frame time: with it, compare classes
# only between maps taken at one frame time.
#
# ### 2. q range
#
# Diffusive dynamics relax at a rate $\Gamma = D q^2$, so one sample gives different
# bands at different q. The library's maps are sectors of the paper's ring, whose q
# spans the narrow range in the table's last row; our inner ring lies below it:

# %%
q_table = rois.groupby("ring").agg(q_min=("q", "min"), q_max=("q", "max"),
                                  rois=("roi", "size"))
q_table.loc["library (reference)"] = [library_table.q.min(), library_table.q.max(),
                                      library_table.c2_index.nunique()]
# outside the ring the library's sectors were cut from
q_outside = int((~rois.q.between(*scenarios.PAPER_Q_EDGES)).sum())
mean_q = rois.groupby("ring").q.mean()
q_rate_ratio = f"{(mean_q['inner'] / mean_q['paper']) ** 2:.2f}"
by_sector = results.assign(sector=(results.roi - 1) % N_SECTORS).pivot_table(
    index=["sample", "sector"], columns="ring", values="class_chapter3")
q_sector_changes = f"{np.mean(by_sector.inner != by_sector.paper):.0%}"
q_table.style.format({"q_min": "{:.4f}", "q_max": "{:.4f}", "rois": "{:.0f}"})

# %% [markdown]
# {eval}`q_outside` of the {eval}`n_rois` ROIs of each file lie outside the ring
# of the library's maps. The inner ring relaxes at {eval}`q_rate_ratio` times the
# rate of the paper's ring, and for {eval}`q_sector_changes` of the sectors the inner
# ROI gets another class from chapter 3's model than the outer one. Compare classes
# between samples at the same q, and trust them most inside the reference's q range.
#
# ### 3. Contrast
#
# Scaling a crop to [0, 1] removes the contrast $\beta$ (the height of $C_2$ above its
# baseline) but not the noise. The simulator's noise of a $C_2$ element
# (`scenarios.c2_noise_std`) over $N$ pixels at $\bar n$ photons per pixel is
# $\sigma\sqrt{N} = \beta + 1/\bar n$ between uncorrelated frames, a little more near
# the diagonal: a speckle part that shrinks with $\beta$, a photon part that does not.
#
# **Think!** Divide $\beta$ by three at the library's $\bar n$. Before you run the next
# cell: is the relative noise $\sigma/\beta$ three times larger, $\sqrt 3$ times, or
# less?

# %%
BETA = 1 / 4  # the simulator's contrast: four speckle grains per pixel (chapter 1)


def relative_noise(beta, c):
    """sigma / beta of one C2 element, times sqrt(N), between frames correlated by c."""
    expected = 1 + beta * np.array([[1.0, c], [c, 1.0]])  # a 2-frame C2, ratio form
    return scenarios.c2_noise_std(expected, beta, PHOTONS, n_pixels=1)[0, 1] / beta


noise_ratios = [relative_noise(BETA / 3, c) / relative_noise(BETA, c) for c in (1, 0)]
n_beta = f"{PHOTONS * BETA:g}"
noise_low, noise_high = (f"{ratio:.1f}" for ratio in noise_ratios)
print(f"at n*beta = {n_beta}, a third of the contrast gives {noise_low} (next to the")
print(f"diagonal) to {noise_high} (far from it) times the relative noise")

# %% [markdown]
# At the library's $\bar n\beta$ of {eval}`n_beta`, a third of the contrast gives
# {eval}`noise_low` to {eval}`noise_high` times the relative noise, not three: the
# speckle part falls with $\beta$. Still, compare $\beta$ with the reference's: $C_2$
# at a lag of one frame, minus its baseline 1, estimates it (slightly low for the
# fastest decays). For the reference, two of the library's large maps per behaviour:

# %%
def contrast_at_lag_one(c2):
    """beta estimated: the mean of C2 one frame off the diagonal, minus baseline 1."""
    return correlation.diagonal_means(c2, first_lag=1, last_lag=1)[..., 0] - 1.0


library_maps = LibraryMaps(LibrarySpec.from_preset(P, seed=SEED))
one_per_map = ~library_table.duplicated("c2_index").to_numpy()  # one crop of each map
sampled = library_table[one_per_map].groupby("label").head(2).c2_index.tolist()
reference_contrast = np.array([contrast_at_lag_one(library_maps[i]) for i in sampled])
results["contrast"] = [float(contrast_at_lag_one(aps.read_c2(path, roi=roi)))
                       for path in c2_files for roi in rois.roi]  # the order of results
low, high = reference_contrast.min(), reference_contrast.max()
contrast_reference = f"{np.median(reference_contrast):.3f}"
contrast_files = f"{results.contrast.median():.3f}"
contrast_outside = int((~results.contrast.between(low, high)).sum())
contrast_ratio = results.contrast.median() / np.median(reference_contrast)
contrast_ratio_text = f"{contrast_ratio:.2f}"
contrast_verdict = words.contrast_verdict(contrast_ratio)
results.groupby("sample").contrast.describe()[["min", "50%", "max"]].style.format(
    "{:.3f}")

# %% [markdown]
# The median contrast of our {eval}`n_maps` maps is {eval}`contrast_files`, that
# of the sampled library maps {eval}`contrast_reference` (a ratio of
# {eval}`contrast_ratio_text`); {eval}`contrast_outside` of ours lie outside the
# narrow range a handful of library maps spans. Both were simulated with four speckle
# grains per pixel, and {eval}`contrast_verdict`. Larger pixels, a partly coherent
# beam or a weak scatterer give a lower $\beta$ and noisier-looking crops.
#
# ### 4. Distance to the reference set
#
# Chapter 6's gap, `LatentSpace.distance_to_reference`: a crop's distance to its
# nearest reference latent over the reference set's median nearest-neighbour distance,
# each reference crop's nearest sought among crops of other maps (the space's
# `c2_index` column). Near 1, it sits among the reference maps as they do; several
# times that, "most like".

# %%
for space_name, space in spaces.items():
    gap = space.distance_to_reference(latents_dask[space_name])
    results[f"gap_{space_name}"] = gap.gap_ratio.to_numpy()
gap_table = results.groupby("sample")[["gap_published", "gap_chapter3"]].median()
gap_published = f"{results.gap_published.median():.1f}"
gap_chapter3 = f"{results.gap_chapter3.median():.1f}"
gap_apart = words.gap_apart([name for name in SAMPLES if all(gap_table.loc[name] > 2)])
gap_table.style.format("{:.2f}")

# %%
from matplotlib.ticker import LogLocator, NullFormatter
fig, (ax_contrast, ax_gap) = plt.subplots(1, 2, figsize=(PAGE_WIDTH, 3.2),
                                          constrained_layout=True)
bins = np.histogram_bin_edges([*reference_contrast, *results.contrast], 20)
for values, name, colour in ((reference_contrast, "library maps (reference)", "gray"),
                             (results.contrast, "our maps", "tab:blue")):
    ax_contrast.hist(values, bins, density=True, alpha=0.6, label=name, color=colour)
ax_contrast.set(xlabel=r"contrast $\beta$ ($C_2$ at lag 1, minus 1)", ylabel="density")
ax_contrast.legend(fontsize=8)
for position, space_name in enumerate(spaces):
    for name, colour in zip(SAMPLES, ["tab:blue", "tab:orange", "tab:green"]):
        ratio = results.loc[results["sample"] == name, f"gap_{space_name}"]
        ax_gap.scatter(position + np.linspace(-0.25, 0.25, len(ratio)), ratio, s=8,
                       color=colour, label=name if position == 0 else None)
ax_gap.axhline(1, color="k", ls=":", lw=1)
ax_gap.set_xticks(range(len(spaces)), [f"{name} model" for name in spaces])
ax_gap.set(yscale="log", ylabel="nearest reference distance\n/ typical spacing")
ax_gap.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))  # 1, 2, 5, 10, ...
ax_gap.yaxis.set_major_formatter("{x:g}")
ax_gap.yaxis.set_minor_formatter(NullFormatter())
ax_gap.legend(fontsize=8)
plt.show()

# %% [markdown]
# **Figure 7.4.** Left: the contrast $\beta$ of our maps (blue) and of sampled library
# maps (gray). Right: each ROI's nearest reference distance over the reference's typical
# spacing, per model and sample (dotted: 1). Look at which samples sit far above 1.
#
# Chapter 3's spacing leaves a crop's twin out (a map's two crops are near-twins, so
# each library crop's nearest is sought among other maps). Over all our ROIs the median ratio, each against its own set's
# spacing, is {eval}`gap_chapter3` against the library and {eval}`gap_published`
# against the paper's 900 real maps (the table: per sample). {eval}`gap_apart` On
# your data, a ratio well above 1 under every model means no reference set holds
# maps like yours: classify them among themselves (k-means on their latents,
# chapters 4-5, or `LatentSpace.fit` on your crops).

# %% [markdown]
# **Question 1.** Your detector ran at 0.01 s per frame; the model you use was trained
# on maps at 0.1 s per frame. What should you do before classifying?
#
# - A. Nothing: scaling each crop to [0, 1] removes the frame time.
# - B. Bin ten frames into one: `prepare_crops(c2, frame_time=0.01,
#   target_frame_time=0.1)`, or `--frame-time 0.01 --target-frame-time 0.1`.
# - C. Cut crops ten times larger than 256 frames.
#
# <details><summary>Answer</summary>
#
# **B.** A crop is a number of frames, so the frame time sets how wide a band a
# relaxation makes; binning brings the maps to the model's time per frame. Scaling
# (A) changes the values, not the time axis; the model reads 256 × 256 crops only (C).
#
# </details>

# %% [markdown]
# **Question 2.** A new ROI's nearest reference latent lies five times farther than
# reference latents lie from their nearest neighbours. What does its class mean?
#
# - A. It is a new class, faster than all the others.
# - B. It is the class of the nearest centre, but no reference map is like it: treat
#   the class as "most like" and look at the map itself.
# - C. The model is broken and must be retrained.
#
# <details><summary>Answer</summary>
#
# **B.** A nearest centre always exists, so a class is always given. The distance
# says how far the map is from everything the space knows, not its speed (A); a sound
# model may still not cover your data (C).
#
# </details>

# %% [markdown]
# ## Exercises
#
# **Exercise 1 (fill in).** During the beamtime, each window's bar is the share of
# its sectors in each class. Write `class_shares(classes, k)`: given the classes of one
# window's sectors (integers 0 .. k-1), return an array of k shares that sum to 1.

# %%
def class_shares(classes, k):
    """Share of each class 0 .. k-1 among one window's sectors: (k,), summing to 1."""
    ...  # count each class (np.bincount with minlength), divide by the sectors' number


last_window = stream[-1]["class"].to_numpy()
WHAT = "the class shares of the last window"

# %%
reference_shares = rheology.class_fractions(last_window, np.zeros(len(last_window)),
                                            n_classes=k_own)
check_answer(WHAT, class_shares(last_window, k_own),
             reference_shares.to_numpy()[0])

# %% tags=["hide-cell"] jupyter={"source_hidden": true}
# Solution: count each class, including those absent from the window, and divide by
# the number of sectors.
def class_shares(classes, k):
    """Share of each class 0 .. k-1 among one window's sectors: (k,), summing to 1."""
    return np.bincount(classes, minlength=k) / len(classes)


assert check_answer(WHAT, class_shares(last_window, k_own),
                    reference_shares.to_numpy()[0])

# %% [markdown]
# **Exercise 2: several crops per map.** Classify the fast fluid and the avalanching
# glass with three crops per ROI (`--crops-per-map 3`, or a `LatentSpace`'s
# `crops_per_map`) and count the ROIs whose crops disagree. What does it say?

# %% tags=["hide-cell"] jupyter={"source_hidden": true}
# Solution: a map's crops disagree when its dynamics change within the measurement
# (an avalanche block in one crop, not in another) or when it sits near a class
# boundary, where noise tips a crop either way: such maps are worth a look.
three_crops = LatentSpace.load(WORK / "chapter3_space")
three_crops.crops_per_map = 3
for path in (c2_files[1], c2_files[2]):  # the fast fluid, the avalanching glass
    disagree = three_crops.classify(path).groupby("roi")["class"].nunique() > 1
    print(f"{path.stem}: {int(disagree.sum())} of {disagree.size} ROIs have crops "
          "in more than one class")

# %% [markdown]
# ## Summary
#
# - `xpcs-nb c2` turns detector frame stacks into APS result files; `xpcs-nb classify`
#   and `similar` give each crop a class and its nearest reference maps, with the
#   published model or any saved `LatentSpace` (here chapter 3's on the library).
# - `xpcs_nb.parallel` runs the same steps as Dask tasks, with the same classes.
# - During a beamtime, a saved `LatentSpace` classifies each window as it lands.
# - Before trusting a class, check the frame time, the q range, the contrast and the
#   gap to the reference set (`classify`'s `gap_ratio`; well above 1: only "most like").
#
# ## What's next
#
# Take a result file from your own beamline through `xpcs-nb classify`, and look
# first at its distance to the reference set. Where it is large, build a reference set
# from your own maps: `prepare_crops` on a few hundred, `LatentSpace(model).fit(crops)`,
# `save`, then `--space`. The paper's outlook is the same: classes become useful once
# tied to what else was measured, the rheometer, the sample position, the temperature.

# %%
shutil.rmtree(WORK)  # the movies, result files, tables and the saved space of this run

# %%
FRAME.finish()
