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
# # 7. Your own data
#
# ## Overview
#
# The six chapters before this one built the AI-NERD pipeline piece by piece
# {cite:p}`horwath2024`. This one runs it end to end the way you would on a
# measurement of your own, with the calls a beamline scientist makes: the command
# line `xpcs-nb` (also `python -m xpcs_nb`), `xpcs_nb.prepare_crops`,
# `xpcs_nb.LatentSpace` and `xpcs_nb.parallel`. So it doubles as the user guide. You
# will:
#
# 1. write speckle movies to disk as an area detector writes them (HDF5 frame
#    stacks), standing in for your measurement;
# 2. correlate them into two-time maps with `xpcs-nb c2`, which writes result files
#    in the APS 8-ID-I layout;
# 3. classify every ROI and find its nearest reference maps with `xpcs-nb classify`
#    and `xpcs-nb similar`, once with the published model and once with the model
#    trained in chapter 3, and read the tables and figures they write;
# 4. run the correlation and the encoding again on a Dask cluster and check that the
#    results are the same as on the serial path;
# 5. classify a rheo-XPCS run window by window *as it arrives*, the way you would
#    during a beamtime, with the class-fraction plot growing;
# 6. check what decides whether a result on new data can be trusted: frame time,
#    q range, contrast, and the distance to the reference set.
#
# ## Prerequisites
#
# | you need | where |
# | --- | --- |
# | ROIs of q-rings × sectors, the two-time $C_2$ | chapter 1 |
# | diagonal crops scaled to [0, 1], APS result files | chapter 2 |
# | the trained autoencoder | chapter 3 |
# | k-means classes ordered slowest first | chapter 4 |
# | class fractions per window beside the stress | chapter 5 |
# | nearest neighbours in latent space, the gap between real and synthetic | chapter 6 |
#
# Time to run: about a minute and a half at `fast` on 2 CPU cores, most of it in the
# five commands (each starts a Python process that loads PyTorch) and the Dask
# cluster's two worker processes; a few minutes at `class` and `paper`, whose movies
# are longer and whose library is larger. The autoencoder comes from chapter 3's
# cache, the published files from chapter 2's.

# %% tags=["parameters"]
import os

from xpcs_nb.presets import preset_for_this_machine

PRESET = preset_for_this_machine()  # $XPCS_PRESET, else "class" with a CUDA GPU, "fast" without; or "class_cpu", "paper"
SEED = 0  # fixes the simulated measurements, the library and model of chapters 2-3, the k-means starts
N_WORKERS = 2  # worker processes of the Dask cluster

# %%
import logging
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import h5py
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import Markdown, display
from matplotlib.colors import ListedColormap
from matplotlib.ticker import FormatStrFormatter, LogLocator, NullFormatter

from xpcs_nb import LatentSpace, aps, correlation, latent, parallel, prepare_crops, rheology, scenarios, simulate
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
WORK = Path(tempfile.mkdtemp(prefix="xpcs_chapter7_"))  # everything this chapter writes; removed at the end
FRAME_TIME = LIBRARY_FRAME_TIME  # s per frame, the frame time of chapter 3's training library
PHOTONS = LibrarySpec.from_preset(P, seed=SEED).photons_per_pixel  # per pixel per frame, as in the library
Q_EDGES = (0.010, *scenarios.PAPER_Q_EDGES)  # nm^-1: an inner ring, then the paper's ring
N_SECTORS = 18
NAMES = scenarios.CLASS_NAMES  # the library's seven behaviours, label -> name
print(f"preset {P.name!r}: movies of {P.own_data_frames} frames of {P.detector_side}x{P.detector_side} pixels; "
      f"files go to {WORK}")

# %% [markdown]
# ## A measurement on disk
#
# Your detector writes frames, not correlations. Here the simulator of chapter 1
# stands in for the beamline: three samples, each given one behaviour of the
# chapter-2 library so that we know what the answer should be (a slow gel in
# equilibrium, a fast fluid, and a slow glass whose speckle is reset by an avalanche
# every 200 frames), filmed on the paper's geometry (55 µm pixels, 8 m, 11 keV) at
# the library's frame time and photon rate. Their rates sit at the centres of the
# library's rate classes (1 for the gel, 3 for the fluid, 0 for the glass between
# avalanches; chapter 2) and are given in 1/s, so the same sample can be filmed at
# another frame time later on.
# Each movie goes to an HDF5 file laid out as area detectors lay it out: the frame
# stack `(T, H, W)` of photon counts at `/entry/data/data`, compressed frame by frame,
# and the geometry under `/entry/instrument/detector`. The file is written whole or
# not at all (`xpcs_nb.atomic.atomic_path`), so a crash never leaves half a file.

# %%
SAMPLES = {"slow_gel": 1, "fast_fluid": 3, "avalanching_glass": scenarios.AVALANCHE}  # name -> true behaviour
RATE = {c: scenarios.CLASS_DECAY_PER_FRAME[c] / FRAME_TIME for c in range(5)}  # 1/s at q = 0.024 nm^-1, per class
duration = P.own_data_frames * FRAME_TIME  # s
dynamics_of = {"slow_gel": simulate.stationary(RATE[1]),
               "fast_fluid": simulate.stationary(RATE[3]),
               "avalanching_glass": simulate.avalanches(RATE[0], times=np.arange(20.0, duration, 20.0), fraction=0.7)}


def write_detector_file(path, frames, detector, frame_time):
    """Frames (T, H, W) of counts as an area detector's HDF5 file, with its geometry (SI units)."""
    with atomic_path(path) as tmp, h5py.File(tmp, "w") as f:
        f.create_dataset("entry/data/data", data=frames, chunks=(1, *frames.shape[1:]), compression="lzf")
        geometry = f.create_group("entry/instrument/detector")
        geometry["frame_time"] = frame_time  # s
        geometry["x_pixel_size"] = detector.pixel_size  # m
        geometry["distance"] = detector.distance  # m
        geometry["wavelength"] = detector.wavelength  # m
        geometry["beam_center"] = detector.center  # (row, column), pixels


detector = Detector(shape=(P.detector_side, P.detector_side))  # the paper's geometry, see chapter 1
(WORK / "raw").mkdir()
movies = []
for number, (name, label) in enumerate(SAMPLES.items()):
    movie = simulate.simulate_movie(detector, dynamics_of[name], P.own_data_frames, FRAME_TIME, seed=SEED + number,
                                    photons_per_pixel=PHOTONS)
    movies.append(WORK / "raw" / f"{name}.h5")
    write_detector_file(movies[-1], movie.frames, detector, FRAME_TIME)
    print(f"{movies[-1].name}: {NAMES[label]}, {movies[-1].stat().st_size / 1e6:.0f} MB")
del movie

with h5py.File(movies[0], "r") as f:
    f.visititems(lambda name, item: print(f"  /{name}", item.shape, item.dtype)
                 if isinstance(item, h5py.Dataset) else None)

# %% [markdown]
# ## From frames to $C_2$: `xpcs-nb c2`
#
# The first command takes frame stacks and writes one result file per stack, the
# two-time map of every ROI in the APS 8-ID-I layout (upper triangle, the q and
# azimuth of each ROI). The ROIs are q-rings × azimuthal sectors on a flat detector,
# as in chapter 1: here two rings of 18 sectors, the paper's ring and an inner one
# (its use comes at the end of the chapter). The geometry is read from the file, not
# left to the command's defaults.
#
# The cells below run each command as you would in a terminal (the `$` line is what
# you would type); from Python they call `sys.executable -m xpcs_nb` with
# `subprocess`, so the same interpreter and package run them.

# %%
def xpcs_nb_command(*arguments):
    """Run ``xpcs-nb ARGUMENTS`` as a terminal would (python -m xpcs_nb) and print its output."""
    arguments = [str(argument) for argument in arguments]
    print("$ xpcs-nb " + " ".join(arguments).replace(str(WORK), "$WORK"))
    done = subprocess.run([sys.executable, "-m", "xpcs_nb", *arguments], capture_output=True, text=True)
    print(done.stdout.replace(str(WORK), "$WORK"), end="")
    if done.returncode != 0:  # the command's own error lines say which file and why
        raise RuntimeError(f"xpcs-nb {arguments[0]} exited with status {done.returncode}:\n{done.stderr}")


with h5py.File(movies[0], "r") as f:
    geometry = {key: f["entry/instrument/detector"][key][()] for key in ("distance", "x_pixel_size", "wavelength")}
xpcs_nb_command("c2", *movies, "--dataset", "/entry/data/data", "--q-edges", *Q_EDGES, "--sectors", N_SECTORS,
                "--distance", geometry["distance"], "--pixel-size", geometry["x_pixel_size"],
                "--wavelength", geometry["wavelength"], "--out", WORK / "c2")

# %% [markdown]
# What a result file holds, read back with `xpcs_nb.aps`: one row per ROI with its
# q and azimuth, and the maps themselves. One map per sample, from the first sector of
# the paper's ring:

# %%
c2_files = [WORK / "c2" / f"{path.stem}_results.h5" for path in movies]
rois = aps.read_roi_table(c2_files[0])
rois["ring"] = np.where(rois.q < scenarios.PAPER_Q_EDGES[0], "inner", "paper")
first_of_paper_ring = int(rois.roi[rois.ring == "paper"].iloc[0])
print(f"{len(rois)} ROIs per file, q from {rois.q.min():.4f} to {rois.q.max():.4f} nm^-1")

fig, axes = plt.subplots(1, 3, figsize=(PAGE_WIDTH, 2.9), constrained_layout=True)
for ax, path, name in zip(axes, c2_files, SAMPLES):
    show_c2(ax, aps.read_c2(path, roi=first_of_paper_ring, correct_diagonal=True), dt=FRAME_TIME,
            title=f"{name}, ROI {first_of_paper_ring}")
plt.show()
rois.head(3)

# %% [markdown]
# ## Classes and neighbours with the published model
#
# `xpcs-nb classify` cuts a 256-frame crop from the diagonal of every map (seeded,
# as the training crops were cut), scales it to [0, 1], encodes it, and gives it the
# class of the nearest k-means centre. With `--model published` the latent space is
# the published autoencoder with the paper's 900 real latent vectors as the reference
# set, k at the knee of the inertia curve, classes numbered slowest first (chapter 5).
# `xpcs-nb similar` lists, for every crop, the nearest reference latents. Each writes
# a CSV table and a PNG figure. We give `--k 5`, the knee chapter 5 found for these
# latents; without `--k` each command finds the knee again, a sweep of k-means runs
# over k = 2 .. 12 that takes longer than the rest of the command.

# %%
K_PUBLISHED = 5  # the knee of the published latents' inertia curve (chapter 5)
xpcs_nb_command("classify", *c2_files, "--model", "published", "--k", K_PUBLISHED, "--seed", SEED,
                "--out", WORK / "published")
xpcs_nb_command("similar", *c2_files, "--model", "published", "--k", K_PUBLISHED, "--seed", SEED,
                "--neighbours", 4, "--out", WORK / "published")

# %% [markdown]
# The tables are plain CSV, for pandas or a spreadsheet (the figures, `classes.png`
# and `neighbours.png`, show the first crops). One row per crop: the file, the ROI,
# where the crop was cut, its class and its distance to every class centre (latent
# units):

# %%
published_classes = pd.read_csv(WORK / "published" / "classes.csv")
published_neighbours = pd.read_csv(WORK / "published" / "neighbours.csv")
published_classes["sample"] = [Path(file).stem.removesuffix("_results") for file in published_classes.file]
published_classes[["sample", "roi", "crop_offset", "class", "distance", "distance_0", "distance_1"]].head(4)

# %% [markdown]
# The neighbours table names, for every crop, the reference maps nearest to it: here
# the paper's run E031, so each neighbour is a sector and a start time of that run.

# %%
published_neighbours[["roi", "rank", "neighbour", "neighbour_distance", "neighbour_class", "neighbour_sector",
                      "neighbour_start_time"]].head(4)

# %% [markdown]
# ## The same with the model trained in chapter 3
#
# A model of your own, here chapter 3's, goes to the command line as a saved
# `LatentSpace`: the model, a reference set encoded and clustered, and a table saying
# what each reference crop is. The reference set is chapter 2's library, whose
# behaviour we know, so the neighbours can say which behaviour a new map looks like.
# `fit` picks k at the knee of the inertia curve and numbers the classes by the band
# width of their crops, slowest first.

# %%
library_crops, library_table, _ = crop_splits(P, SEED)  # (N, 256, 256) in [0, 1], and what each crop is
model, _ = trained_autoencoder(P, SEED, device="auto", progress=False)
own_space = LatentSpace(model, seed=SEED).fit(library_crops, library_table[["label", "name", "q"]])
own_space.save(WORK / "chapter3_space")
print(own_space, "->", sorted(p.name for p in (WORK / "chapter3_space").iterdir()))

# %%
xpcs_nb_command("classify", *c2_files, "--space", WORK / "chapter3_space", "--seed", SEED, "--out", WORK / "chapter3")
xpcs_nb_command("similar", *c2_files, "--space", WORK / "chapter3_space", "--seed", SEED, "--neighbours", 4,
                "--out", WORK / "chapter3")

# %% [markdown]
# One table for both models, one row per ROI: its q-ring, its class under each model,
# and the behaviour most of its four nearest library crops carry ("looks like").
# It is written next to the others as `results.csv`.

# %%
own_classes = pd.read_csv(WORK / "chapter3" / "classes.csv")
own_neighbours = pd.read_csv(WORK / "chapter3" / "neighbours.csv")
looks_like = (own_neighbours.groupby(["file", "roi"]).neighbour_name
              .agg(lambda names: names.value_counts().index[0]).rename("looks_like"))
results = (published_classes[["file", "sample", "roi", "class"]].rename(columns={"class": "class_published"})
           .merge(own_classes[["file", "roi", "class"]].rename(columns={"class": "class_chapter3"}),
                  on=["file", "roi"])
           .merge(looks_like, on=["file", "roi"])
           .merge(rois[["roi", "q", "ring"]], on="roi"))
results["truth"] = [NAMES[SAMPLES[sample]] for sample in results["sample"]]
assert results.roi.tolist() == rois.roi.tolist() * len(c2_files), "rows go file by file, ROI by ROI"
with atomic_path(WORK / "results.csv") as tmp:
    results.drop(columns="file").to_csv(tmp, index=False)
summary = (results.groupby(["sample", "ring"])
           .agg(truth=("truth", "first"), looks_like=("looks_like", lambda x: x.value_counts().index[0]),
                class_chapter3=("class_chapter3", lambda x: x.value_counts().index[0]),
                class_published=("class_published", lambda x: x.value_counts().index[0]),
                rois=("roi", "size")))
summary

# %% [markdown]
# The table gives the most common value of each column over the 18 sectors of a
# ring. The figure below gives every ROI: each sample's detector with every sector
# painted in its class, under each model (dark: slow, yellow: fast; the two models'
# classes are numbered separately, so compare colours within a row only).

# %% mystnb={"figure": {"caption": "Every ROI of the three measurements, painted with its class: the published model (top, the paper's 900 real maps as reference) and chapter 3's model (bottom, the synthetic library as reference). Columns: the three samples; the inner ring lies at lower q than the paper's ring. Look at whether the samples separate, and at the inner ring, where the same dynamics are slower.", "name": "fig-own-data-classes"}}
labels = correlation.roi_partition(detector.q_map(), detector.azimuth_map(), Q_EDGES, n_sectors=N_SECTORS)
assert labels.max() == len(rois), "every ROI holds pixels, so the command numbered them as roi_partition does"
inside_ring = np.flatnonzero(labels.any(axis=0))  # the columns (and rows) the ROIs cover
fig, axes = plt.subplots(2, len(SAMPLES), figsize=(PAGE_WIDTH, 5.0), constrained_layout=True)
for row, (model_name, k) in enumerate((("published", K_PUBLISHED), ("chapter3", own_space.k))):
    cmap = ListedColormap(class_colours(k))
    for column, name in enumerate(SAMPLES):
        rows = results[results["sample"] == name].sort_values("roi")
        painted = np.full(len(rois) + 1, np.nan)
        painted[rows.roi.to_numpy()] = rows[f"class_{model_name}"].to_numpy()
        view = np.where(labels > 0, painted[labels], np.nan)[np.ix_(inside_ring, inside_ring)]
        image = axes[row, column].imshow(view, cmap=cmap, vmin=-0.5, vmax=k - 0.5)
        axes[row, column].set_title(f"{name}, {model_name} model", fontsize=9)
        axes[row, column].set_xticks([])
        axes[row, column].set_yticks([])
    fig.colorbar(image, ax=axes[row, :], ticks=range(k), shrink=0.8, label="class (0 slowest)")
plt.show()

# %%
agreement = results.groupby("sample").apply(lambda t: float(np.mean(t.looks_like == t.truth)), include_groups=False)
k_own = own_space.k
n_rois = len(rois)
n_maps = len(results)
looks_like_right = f"{np.mean(results.looks_like == results.truth):.0%}"
paper_ring = summary.xs("paper", level="ring")
classes_by_model = {model_name: ", ".join(f"{paper_ring.loc[name, f'class_{model_name}']} ({name})"
                                          for name in SAMPLES)
                    for model_name in ("chapter3", "published")}
ring_changes = [name for name in SAMPLES if summary.loc[(name, "inner"), "class_chapter3"]
                != summary.loc[(name, "paper"), "class_chapter3"]]
ordered = {model_name: bool(paper_ring.loc["slow_gel", f"class_{model_name}"]
                            < paper_ring.loc["fast_fluid", f"class_{model_name}"])
           for model_name in ("chapter3", "published")}  # classes are numbered slowest first
order_note = ({(True, True): "Both models put the gel in a slower class than the fluid, as their rates say",
              (True, False): "Only chapter 3's model puts the gel in a slower class than the fluid; whatever "
                             "the published model reads in these synthetic maps, it is not their rate alone",
              (False, True): "Only the published model puts the gel in a slower class than the fluid",
              (False, False): "Neither model puts the gel in a slower class than the fluid"}[
    (ordered["chapter3"], ordered["published"])])
ring_changes_text = ((", ".join(ring_changes) + (" changes" if len(ring_changes) == 1 else " change"))
    if ring_changes else "no sample changes")
agreement.rename("share of ROIs whose neighbours carry the true behaviour").to_frame()

# %% [markdown]
# Over all {eval}`n_maps` maps ({eval}`n_rois` ROIs in each of the three
# files), the majority of the four
# nearest library crops carries the sample's true behaviour for
# {eval}`looks_like_right` of them; the table above breaks it down by sample. In
# the paper's ring, chapter 3's model (k = {eval}`k_own`, at the knee) gives the
# samples the classes {eval}`classes_by_model["chapter3"]`; the published model (k = 5, the
# knee of chapter 5) gives {eval}`classes_by_model["published"]`. The two sets of numbers
# are not comparable: the published classes are clusters of the paper's real maps,
# chapter 3's of the synthetic library, and a class number means nothing outside its
# own space. {eval}`order_note`. Between the rings, {eval}`ring_changes_text` its most common class
# under chapter 3's model: the inner ring lies at lower q, where the same sample
# relaxes more slowly (the checks at the end come back to this).
#
# ## The same on a Dask cluster
#
# For a beamtime's worth of files, the same two steps run as Dask tasks
# (`xpcs_nb.parallel`): one task per file, which the worker reads itself, so nothing
# large travels. `dask_client` starts a `LocalCluster` of worker processes on this
# machine (or, given a scheduler address, uses a cluster that is already running, such
# as a dask-jobqueue one on an HPC system), and shuts it down after the block. It
# also gives `os.environ` back as it was: Dask's nanny writes its workers' settings
# (one BLAS thread each) into the parent's environment, where they would slow every
# process started later.
#
# 1. `two_time_files`: the $C_2$ of every movie, with the same ROI map the command
#    built (`correlation.roi_partition` on the same geometry); with `out_dir` each
#    worker writes its maps to a `.npy` file and returns the path, so the maps never
#    pass through this process all at once;
# 2. `prepare_crops` on each file's maps, as the commands cut them, saved as `.npy`;
# 3. `encode_files`: the latent vectors of every crop file, both models, each sent
#    to the workers once;
# 4. the class of each crop: its nearest centre (`latent.nearest_neighbours` against
#    the space's `centres`).

# %%
published_space = LatentSpace.published(k=K_PUBLISHED, seed=SEED)  # what --model published --k 5 builds
logging.getLogger("distributed").setLevel(logging.ERROR)  # the workers' start and shutdown messages
environment = dict(os.environ)
started = time.perf_counter()
with parallel.dask_client(n_workers=N_WORKERS) as client:  # processes=True, one thread each
    print(f"{len(client.scheduler_info()['workers'])} workers")
    c2_paths = parallel.two_time_files(movies, labels, dataset="/entry/data/data", form="ratio",
                                       out_dir=WORK / "dask", scheduler=client)  # one (n_roi, T, T) .npy per movie
    crop_files = []
    for path, c2_path in zip(movies, c2_paths):
        c2 = np.load(c2_path)
        c2 = (c2 + np.swapaxes(c2, 1, 2)) / 2  # exactly symmetric, as the c2 command writes it
        crops, _ = prepare_crops(c2, seed=SEED)
        crop_files.append(WORK / "dask" / f"{path.stem}.crops.npy")
        np.save(crop_files[-1], crops)
    latents_dask = {space_name: np.concatenate(parallel.encode_files(space.model, crop_files, scheduler=client))
                    for space_name, space in (("published", published_space), ("chapter3", own_space))}
dask_seconds = time.perf_counter() - started
assert dict(os.environ) == environment, "dask_client gives back the environment its workers' nanny changed"
print(f"cluster started, used and stopped in {dask_seconds:.0f} s")

# %% [markdown]
# Now compare with what the serial path wrote: the maps in the result files, and the
# classes in the two `classes.csv`.

# %%
c2_difference = 0.0
for result_file, c2_path in zip(c2_files, c2_paths):  # one movie at a time
    c2_parallel = np.load(c2_path)
    c2_parallel = (c2_parallel + np.swapaxes(c2_parallel, 1, 2)) / 2
    for index, roi in enumerate(rois.roi):
        c2_serial = aps.read_c2(result_file, roi=roi)  # (T, T), upper triangle as stored
        c2_difference = max(c2_difference, float(np.max(np.abs(np.triu(c2_serial) - np.triu(c2_parallel[index])))))
same_classes = {}
for space_name, space, table in (("published", published_space, published_classes),
                                 ("chapter3", own_space, own_classes)):
    nearest_centre, _ = latent.nearest_neighbours(space.centres, latents_dask[space_name], k=1)
    same_classes[space_name] = np.array_equal(nearest_centre.ravel(), table["class"].to_numpy())
assert all(same_classes.values()), f"the Dask path gave other classes: {same_classes}"
assert c2_difference <= 1e-6, f"the Dask path's C2 differ from the files' by {c2_difference:g}"
dask_c2_difference = f"{c2_difference:.1g}"
dask_seconds_text = f"{dask_seconds:.0f}"
dask_n_crops = len(latents_dask["chapter3"])
print(f"largest difference between the C2: {c2_difference:.1g}; the same classes: {same_classes}")

# %% [markdown]
# The {eval}`dask_n_crops` crops get the same classes from the cluster as from the
# command line, under both models, and the largest difference between the two paths'
# maps is {eval}`dask_c2_difference` (the same code runs in both; a worker's
# single-threaded BLAS could add in another order than the command's and differ in
# the last bits, which the assertion allows up to one part in a million). On this machine the cluster
# took {eval}`dask_seconds_text` s to start, work and stop: for three small files that
# is mostly start-up, and a cluster pays off with many files and many cores
# (`benchmarks/` measures it).
#
# ## During the beamtime: classify each window as it lands
#
# At the beamline the data come while you decide what to measure next. Chapter 5's
# synthetic rheo-XPCS run serves as the stream here: after the shear stops, a window
# of 256 frames every 57 s, 18 sectors each, and the rheometer's stress alongside. A
# generator hands over one window at a time, as a file watcher on the beamline's
# result folder would; each window is classified the moment it lands, with the saved
# `LatentSpace` (its classes were fixed beforehand, on the reference set, so a new
# window never renumbers the old ones), and the class-fraction plot grows by one bar.
# Run it in Jupyter to watch it grow; the page shows the finished figure below.

# %%
experiment = scenarios.rheo_experiment(n_sectors=N_SECTORS, n_windows=P.stream_windows, window_frames=256,
                                       seed=SEED, photons_per_pixel=PHOTONS, method=P.rheo_c2_method)
stress_time, stress = rheology.stress_after_shear(experiment.rheometer)
window_starts = experiment.shear_stop_time + experiment.table().groupby("window").window_start.first().to_numpy()


def windows_as_they_land(experiment):
    """Yield (window, start on the rheometer clock in s, c2 (n_sectors, T, T)), one window at a time."""
    for window in range(experiment.n_windows):
        first = window * experiment.n_sectors
        sectors = range(first, first + experiment.n_sectors)
        yield window, window_starts[window], np.stack([experiment.c2(i) for i in sectors])


def draw_so_far(fig, fractions, times, now):
    """The class fractions so far above the stress measured so far, on the whole run's time axis."""
    fig.clear()
    seen = stress_time <= now
    fractions_beside_stress(fractions, times, stress_time[seen], stress[seen], [], fig=fig,
                            title=f"{len(times)} of {experiment.n_windows} windows classified")
    fig.axes[0].set_xlim(window_starts[0] - 57, window_starts[-1] + 2 * 57)


fig = plt.figure(figsize=(PAGE_WIDTH, 4.2), dpi=60)  # a light figure, redrawn for every window
live = display(Markdown("*waiting for the first window...*"), display_id=True)
stream, seconds_per_window = [], []
for window, start, c2 in windows_as_they_land(experiment):
    started = time.perf_counter()
    stream.append(own_space.classify(c2).assign(window=window, start=start))  # one row per sector
    seconds_per_window.append(time.perf_counter() - started)
    landed = pd.concat(stream, ignore_index=True)
    fractions = rheology.class_fractions(landed["class"], landed.window, n_classes=own_space.k)
    draw_so_far(fig, fractions, window_starts[:window + 1], now=start + 256 * experiment.dt)
    live.update(fig)
plt.close(fig)
live.update(Markdown(f"*All {experiment.n_windows} windows classified as they landed; the finished figure "
                     "follows.*"))
stream_windows = experiment.n_windows
stream_ms = f"{1000 * np.median(seconds_per_window):.0f}"

# %% [markdown]
# The run once every window is in, with the stress minima and (a synthetic run can
# show them) the true bursts:

# %% mystnb={"figure": {"caption": "The rheo-XPCS run classified window by window as it arrived, with the saved chapter-3 LatentSpace: the share of the 18 sectors in each class per window (top, dark slow to yellow fast) above the stress (bottom), stress minima as black lines, true bursts as red triangles.", "name": "fig-own-data-stream"}}
minima_index, minima_times = rheology.stress_minima(stress_time, stress)
inside = (minima_times >= window_starts[0]) & (minima_times <= window_starts[-1] + 256 * experiment.dt)
fractions_beside_stress(fractions, window_starts, stress_time, stress, minima_times[inside],
                        bursts=(experiment.bursts.time + experiment.shear_stop_time).to_numpy(),
                        title=f"{experiment.n_windows} windows, classified as they landed (k = {own_space.k})")
plt.show()

truth = experiment.table()
fastest_share = fractions[own_space.k - 1].to_numpy()
in_burst = truth.groupby("window").in_burst.mean().to_numpy()
late = window_starts - experiment.shear_stop_time > 450
burst_windows = int(np.sum(in_burst[late] > 0))
if burst_windows >= 2:
    burst_r = np.corrcoef(in_burst[late], fastest_share[late])[0, 1]
    burst_text = (f"in the {late.sum()} windows after the relaxation, {burst_windows} of them touched by a burst, the "
                  f"share of sectors in the fastest class follows the share inside a burst with a correlation of "
                  f"{burst_r:.2f}")
else:
    burst_text = f"only {burst_windows} of the {late.sum()} windows after the relaxation is touched by a burst"
stream_bursts = len(experiment.bursts)
stream_burst_text = burst_text
print(f"median {1000 * np.median(seconds_per_window):.0f} ms to classify a window; {burst_text}")

# %% [markdown]
# Each window took about {eval}`stream_ms` ms to classify on this machine, far
# less than the 57 s until the next one: classification keeps up with the beamline
# with room to spare. The run holds {eval}`stream_bursts` bursts; counting from
# 450 s after the shear stopped, when the fast dynamics left by the shear are gone,
# {eval}`stream_burst_text` (chapter 5 measures that coupling in full).
#
# ## Before you trust the result
#
# A classifier answers every question put to it: each new crop has a nearest centre
# and nearest reference maps, however unlike the reference set it is. Four checks say
# whether the answer means anything; each compares your data with what the model and
# its reference set were made from.
#
# ### 1. Frame time
#
# A crop is 256 *frames*, whatever a frame lasts. A sample filmed at a shorter frame
# time shows the same relaxation as a wider band, and looks slower to a model
# trained at a longer one. Chapter 3's library was simulated at $0.1$ s per frame.
# Suppose the fast fluid had been measured at $0.02$ s per frame, with a beam five
# times brighter so that a frame holds as many photons as before and only the time
# axis changes. Its map (simulated for one sector, from photons), classified as it
# is and after `prepare_crops` binned five frames into one (`frame_time`,
# `target_frame_time`; on the command line `--frame-time`, `--target-frame-time`):

# %%
FINE_FRAME_TIME = FRAME_TIME / 5  # s
fine_c2 = scenarios.c2_for_dynamics(dynamics_of["fast_fluid"], scenarios.SectorROI(detector), 5 * 300,
                                    FINE_FRAME_TIME, seed=SEED, method="movie", photons_per_pixel=PHOTONS)
as_measured, _ = prepare_crops(fine_c2, seed=SEED)
binned, binned_table = prepare_crops(fine_c2, seed=SEED, frame_time=FINE_FRAME_TIME, target_frame_time=FRAME_TIME)
class_as_measured = int(own_space.classify_crops(as_measured)["class"].iloc[0])
class_binned = int(own_space.classify_crops(binned)["class"].iloc[0])
class_at_library_time = int(results[(results["sample"] == "fast_fluid") & (results.ring == "paper")]
                            .class_chapter3.value_counts().index[0])
frame_class_raw = class_as_measured
frame_class_binned = class_binned
frame_class_reference = class_at_library_time
frame_bin = int(binned_table.bin_frames.iloc[0])
if class_binned == class_at_library_time != class_as_measured:
    frame_text = "binning brings it back to the class of the same sample measured at the library's frame time"
elif class_binned == class_at_library_time:
    frame_text = ("here the time axis alone does not move it out of its class, but binning keeps it where the same "
                  "sample measured at the library's frame time sits")
else:
    frame_text = ("even binned it does not land where the same sample measured at the library's frame time sits: "
                  "the map is simulated anew, and it lies near a class boundary of this model")
frame_text_text = frame_text
print(f"class as measured: {class_as_measured}; binned by {binned_table.bin_frames.iloc[0]}: {class_binned}; "
      f"the same sample at {FRAME_TIME} s per frame (most sectors of the paper's ring): {class_at_library_time}")

# %% [markdown]
# As measured, the map falls in class {eval}`frame_class_raw`; binned by
# {eval}`frame_bin` to the library's frame time, in class
# {eval}`frame_class_binned`; the same sample measured at the library's frame
# time is in class {eval}`frame_class_reference` (most sectors of the paper's
# ring): {eval}`frame_text_text`. At a real detector a shorter frame also holds fewer
# photons, and the noisier map can look faster to a model, not slower; binning
# restores the photons per frame as well as the time axis (try
# `photons_per_pixel=PHOTONS / 5` above). Bin to the model's frame time when you know
# it. The paper does not state the frame time of the published model's training data,
# so with that model compare classes only between maps taken at one frame time.
#
# ### 2. q range
#
# Diffusive dynamics relax at a rate $\Gamma = D q^2$, so one sample gives different
# bands at different q. A model's classes are only comparable with its training data
# at the q its reference maps were taken at: for the library, sectors of the paper's
# ring, whose mean q spans the narrow range in the table's last row. The inner ring
# of our files lies below it:

# %%
q_table = rois.groupby("ring").agg(q_min=("q", "min"), q_max=("q", "max"), rois=("roi", "size"))
q_table.loc["library (reference)"] = [library_table.q.min(), library_table.q.max(), library_table.c2_index.nunique()]
outside = ~rois.q.between(*scenarios.PAPER_Q_EDGES)  # the ring the library's sectors were cut from
rate_ratio = (rois.q[rois.ring == "inner"].mean() / rois.q[rois.ring == "paper"].mean()) ** 2
by_sector = results.assign(sector=(results.roi - 1) % N_SECTORS).pivot_table(
    index=["sample", "sector"], columns="ring", values="class_chapter3")
sector_changes = float(np.mean(by_sector.inner != by_sector.paper))
q_outside = int(outside.sum())
q_rate_ratio = f"{rate_ratio:.2f}"
q_sector_changes = f"{sector_changes:.0%}"
q_table.round(4)

# %% [markdown]
# {eval}`q_outside` of the {eval}`n_rois` ROIs of each file lie outside the
# ring the library's maps were taken in. Under $\Gamma = D q^2$ the inner ring relaxes at
# {eval}`q_rate_ratio` times the rate of the paper's ring, and for
# {eval}`q_sector_changes` of the sectors (of all three samples) the inner ROI
# gets another class from chapter 3's model than the outer ROI of the same sector. A
# class found off the reference's q range describes the sample at that q, and the
# model never saw a map there: compare classes between samples at the same q, and
# trust them most inside the q range the reference maps were taken at.
#
# ### 3. Contrast
#
# Scaling each crop to [0, 1] removes the contrast $\beta$ (the height of $C_2$ above
# its baseline, chapter 1) but not the noise: a map with a third of the contrast
# scales to the same range with three times the relative noise. So compare $\beta$
# with the reference set's. In the ratio form the baseline is 1, and $C_2$ at a lag
# of one frame, minus 1, estimates $\beta$ (slightly low for the fastest decays).
# For the library's reference, a few of its large maps, two per behaviour:

# %%
def contrast_at_lag_one(c2):
    """beta estimated as the mean of C2 one frame off the diagonal, minus the ratio form's baseline 1."""
    return correlation.diagonal_means(c2, first_lag=1, last_lag=1)[..., 0] - 1.0


library_maps = LibraryMaps(LibrarySpec.from_preset(P, seed=SEED))
sampled = library_table.drop_duplicates("c2_index").groupby("label").head(2).c2_index
reference_contrast = np.array([contrast_at_lag_one(library_maps[int(i)]) for i in sampled])
results["contrast"] = [float(contrast_at_lag_one(aps.read_c2(path, roi=roi)))  # same order as results
                       for path in c2_files for roi in rois.roi]
low, high = reference_contrast.min(), reference_contrast.max()
contrast_reference = f"{np.median(reference_contrast):.3f}"
contrast_files = f"{results.contrast.median():.3f}"
contrast_outside = int((~results.contrast.between(low, high)).sum())
contrast_ratio = results.contrast.median() / np.median(reference_contrast)
contrast_ratio_text = f"{contrast_ratio:.2f}"
contrast_verdict = ("the two agree, and contrast is not what sets our maps apart"
     if 0.8 < contrast_ratio < 1.25 else "yet the two differ by more than a fifth: check the simulation's settings")
results.groupby("sample").contrast.describe()[["min", "50%", "max"]].round(3)

# %% [markdown]
# The median contrast of our {eval}`n_maps` maps is {eval}`contrast_files`,
# that of the sampled library maps {eval}`contrast_reference` (a ratio of
# {eval}`contrast_ratio_text`); {eval}`contrast_outside` of ours lie outside the
# range the sampled library maps span, a range that a handful of maps draws narrowly.
# Both were simulated with four speckle grains per pixel, and
# {eval}`contrast_verdict`. A real detector with larger pixels,
# a partly coherent beam or a weakly scattering sample gives a lower $\beta$, and its
# crops then look noisier than anything the model was trained on.
#
# ### 4. Distance to the reference set
#
# The last check is chapter 6's measure of the gap between real and synthetic maps,
# now in the package as `latent.distance_to_reference`: each new crop's distance to
# its nearest reference latent, over the typical distance between neighbouring
# reference latents (the median nearest-neighbour distance inside the reference
# set). Near 1, the new map sits among the reference maps as they sit among
# themselves; several times that, it lies apart, and its class is only "most like".

# %%
one_per_map = ~library_table.duplicated("c2_index").to_numpy()  # two crops of one map are near-twins
references = {"published": published_space.latents, "chapter3": own_space.latents[one_per_map]}
gaps = {space_name: latent.distance_to_reference(latents_dask[space_name], reference).gap_ratio.to_numpy()
        for space_name, reference in references.items()}
for space_name, ratio in gaps.items():
    results[f"gap_{space_name}"] = ratio
gap_table = results.groupby("sample")[["gap_published", "gap_chapter3"]].median()
gap_published = f"{np.median(gaps['published']):.1f}"
gap_chapter3 = f"{np.median(gaps['chapter3']):.1f}"
apart = [name for name in SAMPLES if (gap_table.loc[name] > 2).all()]
gap_apart = ((f"The {' and the '.join(name.replace('_', ' ') for name in apart)} "
             f"{'lies' if len(apart) == 1 else 'lie'} more than twice the typical spacing from both "
             "reference sets: neither holds maps much like "
             f"{'it' if len(apart) == 1 else 'them'}, and {'its' if len(apart) == 1 else 'their'} classes are "
             "only \"most like\".") if apart else
     "No sample lies more than twice the typical spacing from both reference sets.")

fig, (ax_contrast, ax_gap) = plt.subplots(1, 2, figsize=(PAGE_WIDTH, 3.2), constrained_layout=True)
bins = np.histogram_bin_edges(np.concatenate([reference_contrast, results.contrast]), bins=20)
ax_contrast.hist(reference_contrast, bins=bins, density=True, alpha=0.6, label="library maps (reference)",
                 color="gray")
ax_contrast.hist(results.contrast, bins=bins, density=True, alpha=0.6, label="our maps", color="tab:blue")
ax_contrast.set_xlabel(r"contrast $\beta$ ($C_2$ at lag 1, minus 1)")
ax_contrast.set_ylabel("density")
ax_contrast.legend(fontsize=8)
sample_colours = dict(zip(SAMPLES, ["tab:blue", "tab:orange", "tab:green"]))
for position, space_name in enumerate(gaps):
    for name, colour in sample_colours.items():
        ratio = results.loc[results["sample"] == name, f"gap_{space_name}"]
        ax_gap.scatter(position + np.linspace(-0.25, 0.25, len(ratio)), ratio, s=8, color=colour,
                       label=name if position == 0 else None)
ax_gap.axhline(1, color="k", ls=":", lw=1)
ax_gap.set_xticks(range(len(gaps)), [f"{name} model" for name in gaps])
ax_gap.set_yscale("log")
ax_gap.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
ax_gap.yaxis.set_major_formatter(FormatStrFormatter("%g"))
ax_gap.yaxis.set_minor_formatter(NullFormatter())
ax_gap.set_ylabel("nearest reference distance\n/ typical reference spacing")
ax_gap.legend(fontsize=8)
plt.show()
gap_table.round(2)

# %% [markdown]
# The reference spacing for chapter 3's library is taken over one crop per library
# map: the two crops of one map are near-twins (chapter 6), and would make the typical
# spacing look smaller than the spacing between independent maps. Over all our ROIs
# the median ratio is {eval}`gap_chapter3` against the library and
# {eval}`gap_published` against the paper's 900 real maps; the table gives the
# median per sample. {eval}`gap_apart` Each ratio is measured against its own
# set's spacing, so the two columns compare like with like even though the two latent
# spaces differ. On your own data the test is the same: a ratio well above 1 under
# every model means no reference set yet holds maps like yours. Then classify them
# among themselves (k-means on their own latents, chapters 4-5, or `LatentSpace.fit`
# on your crops) rather than against a reference set that does not cover them.

# %% [markdown]
# **Question 1.** Your detector ran at 0.01 s per frame; the model you use was trained
# on maps at 0.1 s per frame. What should you do before classifying?
#
# - A. Nothing: scaling each crop to [0, 1] removes the frame time.
# - B. Bin ten frames into one, e.g. `prepare_crops(c2, frame_time=0.01, target_frame_time=0.1)` or `--frame-time 0.01 --target-frame-time 0.1`.
# - C. Cut crops ten times larger than 256 frames.
#
# <details><summary>Answer</summary>
#
# **B.** A crop is a number of frames, so the frame time sets how wide a band a
# relaxation makes; binning brings the maps to the model's time per frame. Scaling
# (A) changes the values, not the time axis, and the model reads 256 × 256 crops only
# (C).
#
# </details>

# %% [markdown]
# **Question 2.** A new ROI's nearest reference latent lies five times farther than
# reference latents lie from their nearest neighbours. What does its class mean?
#
# - A. It is a new class, faster than all the others.
# - B. It is the class of the nearest centre, but no reference map is like it: treat the class as "most like" and look at the map itself.
# - C. The model is broken and must be retrained.
#
# <details><summary>Answer</summary>
#
# **B.** A nearest centre always exists, so a class is always given. The distance
# says how far the map is from everything the space knows; it says nothing about
# speed (A), and a model can be sound for its own reference set and still not cover
# your data (C).
#
# </details>

# %% [markdown]
# **Question 3.** Why does the Dask path give the same classes as the command line?
#
# - A. Dask averages the results of its workers, which removes the differences.
# - B. The workers run the same functions on the same files, with the same crop seeds and the same model weights; only the order of floating-point sums can differ.
# - C. It does not in general; it did here by chance.
#
# <details><summary>Answer</summary>
#
# **B.** Each task is the serial function (`two_time_file`, `encode_file`) run on
# another process; the crop offsets come from the seed, not from the process. Dask
# does not average anything (A), and the equality is asserted, not lucky (C).
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
    """Share of each class 0 .. k-1 among one window's sectors: array (k,), summing to 1."""
    ...  # count each class (np.bincount with minlength), then divide by the number of sectors


last_window = stream[-1]["class"].to_numpy()

# %%
reference_shares = rheology.class_fractions(last_window, np.zeros(len(last_window)), n_classes=own_space.k)
check_answer("the class shares of the last window", class_shares(last_window, own_space.k),
             reference_shares.to_numpy()[0])

# %% tags=["hide-cell"]
# Solution: count each class, including those absent from the window, and divide by
# the number of sectors.
def class_shares(classes, k):
    """Share of each class 0 .. k-1 among one window's sectors: array (k,), summing to 1."""
    return np.bincount(classes, minlength=k) / len(classes)


assert check_answer("the class shares of the last window", class_shares(last_window, own_space.k),
                    reference_shares.to_numpy()[0])

# %% [markdown]
# **Exercise 2: several crops per map.** The commands cut one crop per map. Classify
# the fast fluid and the avalanching glass again with three crops per ROI (`--crops-per-map 3`, or the
# `crops_per_map` of a `LatentSpace`) and count the ROIs whose crops disagree. What
# does a disagreement say about the map?

# %% tags=["hide-cell"]
# Solution: crops from different stretches of one map disagree when the dynamics
# change within the measurement (the avalanching glass: a crop with an avalanche block
# and one without), or when a map sits near the boundary between two classes, where
# noise tips a crop either way. A stationary map far from a boundary gives the same
# class for every crop. So disagreement marks maps worth a look, and a map's class is
# best read as the share of its crops in each class.
three_crops = LatentSpace.load(WORK / "chapter3_space")
three_crops.crops_per_map = 3
for path in (c2_files[1], c2_files[2]):  # the fast fluid, the avalanching glass
    table = three_crops.classify(path)
    disagree = table.groupby("roi")["class"].nunique() > 1
    print(f"{path.stem}: {int(disagree.sum())} of {disagree.size} ROIs have crops in more than one class")

# %% [markdown]
# ## Summary
#
# - `xpcs-nb c2` turns detector frame stacks into APS-layout result files (q-rings ×
#   sectors from the file's geometry); `xpcs-nb classify` and `xpcs-nb similar` turn
#   result files into a class per crop and its nearest reference maps, each as a CSV
#   table and a PNG figure, with the published model or with any saved `LatentSpace`,
#   such as one built on chapter 3's model and chapter 2's library.
# - `xpcs_nb.parallel` runs the same correlation and encoding as Dask tasks, on this
#   machine or on a cluster; the classes equal the serial path's.
# - During a beamtime, a saved `LatentSpace` classifies each window as it lands, in a
#   fraction of the time between windows, with classes fixed in advance so the
#   growing figure never renumbers them.
# - Before trusting a class on new data, check the frame time (bin to the model's),
#   the q range (compare at the reference's q), the contrast (against the reference
#   maps'), and the distance to the reference set (`latent.distance_to_reference`; a
#   ratio well above 1 means the class is only "most like").
#
# ## What's next
#
# Take a result file from your own beamline through `xpcs-nb classify` with the
# published model, and look first at its distance to the reference set. Where it is
# large, build a reference set from your own maps: `prepare_crops` on a few hundred of
# them, `LatentSpace(model).fit(crops)` with the published model or one trained on
# them (chapter 3), saved with `save` and used with `--space`. The paper's outlook is
# the same: the classes become useful once they are tied to what else was measured at
# the time, the rheometer, the sample position, the temperature.

# %%
shutil.rmtree(WORK)  # the movies, result files, tables and the saved space of this run

# %%
FRAME.finish()
