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
# # 2. A library of dynamics, and the C2 dataset
#
# ## Overview
#
# The AI-NERD autoencoder learned from thousands of real two-time correlations. The
# paper's Data Availability statement gives a download link for its raw XPCS and
# rheology data (at anl.box.com), but this book does not depend on them: the machines
# that build and test it cannot reach that site, and synthetic data whose truth is
# known let every step be checked. So this book trains on synthetic correlations made
# by the simulator of chapter 1. In this chapter you will:
#
# 1. meet a library of seven behaviours: five classes ordered by relaxation rate, as
#    in the paper's classes 0-4, plus heterodyne fringes and avalanches;
# 2. follow the paper's recipe for the training set: large $C_2$ per ROI, two random
#    256 × 256 crops along the diagonal of each, every crop scaled to [0, 1];
# 3. store the crops and their truth in one HDF5 file, written so that a crash never
#    leaves a half-written file behind;
# 4. split the data so that no crop of one $C_2$ can leak from training into testing;
# 5. augment the crops a hundredfold by shifting them along the diagonal, lazily,
#    without ever storing the copies;
# 6. turn an APS 8-ID-I result file into crops, the way to bring your own data.
#
# ## Prerequisites
#
# | you need | where |
# | --- | --- |
# | what a $C_2$ shows and how to read it | chapter 1 |
# | NumPy indexing, a little pandas | any introduction |
# | what a PyTorch `Dataset` is (an object with `len` and `[i]`) | the PyTorch tutorials |
#
# Time to run: under a minute at `fast`, a few minutes at `class` (the library is
# built once and cached under `data/generated/`), about an hour at `paper`.

# %% tags=["parameters"]
from xpcs_nb.presets import preset_for_this_machine

# $XPCS_PRESET, else "class" with a CUDA GPU, "fast" without; or "class_cpu", "paper"
PRESET = preset_for_this_machine()
SEED = 0  # fixes the library, the crops, the split and the augmentation

# %%
import tempfile
import textwrap
from pathlib import Path

import h5py
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Rectangle

from xpcs_nb import aps, dataset, prepare_crops, scenarios
from xpcs_nb.chapter import start_chapter
from xpcs_nb.evaluation import crop_labels
from xpcs_nb.checks import check_answer
from xpcs_nb.io import read_maps
from xpcs_nb.library import COMPRESSED_EXPONENTS, LibraryMaps, LibrarySpec
from xpcs_nb.library import library_store
from xpcs_nb.plotting import PAGE_WIDTH, class_gallery, crop_grid, show_c2
from xpcs_nb.presets import get_preset
from xpcs_nb.words import band_steps, band_widths, split_overlap
from xpcs_nb.words.library import seam_verdict

P = get_preset(PRESET)
spec = LibrarySpec.from_preset(P, seed=SEED)
n_classes = len(scenarios.CLASS_NAMES)
print(f"preset {P.name!r}: {spec.n_per_class} C2 per class x {n_classes} classes, "
      f"{spec.n_frames} frames each, {spec.crops_per_c2} crops of {spec.crop_size}")

# %%
FRAME = start_chapter(2, PRESET)

# what the paper preset builds, for the table below (a spec only: nothing is made)
paper_spec = LibrarySpec.from_preset(get_preset("paper"), seed=SEED)
paper_crops = paper_spec.n_c2 * paper_spec.crops_per_c2
paper_n_c2 = f"{paper_spec.n_c2:,}"
paper_per_class = int(paper_spec.n_per_class)
paper_frames = int(paper_spec.n_frames)
paper_crops_per_c2 = int(paper_spec.crops_per_c2)
paper_crops_text = f"{paper_crops:,}"
paper_factor = int(get_preset("paper").augment_factor)
paper_images = f"{paper_crops * get_preset('paper').augment_factor:,}"
n_labels = len(scenarios.CLASS_NAMES)
sector_pixels = int(scenarios.SectorROI(sector=0).n_pixels)
band = band_widths(scenarios.CLASS_DECAY_PER_FRAME)  # frames, classes 0-4, as text
band_steps_text = band_steps(scenarios.CLASS_DECAY_PER_FRAME)
compressed_share = f"{spec.compressed_fraction:.0%}"
ballistic_share = f"{spec.ballistic_fraction:.0%}"
kww_range = " and ".join(f"{a:g}" for a in COMPRESSED_EXPONENTS)

# %% [markdown]
# ## The paper's recipe, in numbers
#
# The AI-NERD training set ([Horwath et al. 2024](https://doi.org/10.1038/s41467-024-49381-z)) was built like this:
#
# | step | the paper | this book at `paper` |
# | --- | --- | --- |
# | large $C_2$, randomly chosen | 2000, from silica suspensions at differing volume fractions and rheological conditions | {eval}`paper_n_c2` ({eval}`paper_per_class` per class, {eval}`n_labels` classes) |
# | frames per $C_2$ | 5000 (so each map is 5000 × 5000) | {eval}`paper_frames` |
# | crops per $C_2$ | 2 random 256 × 256 crops along the diagonal | {eval}`paper_crops_per_c2` |
# | base set | 4000 crops | {eval}`paper_crops_text` |
# | augmentation | × 100 by shifting along the diagonal | × {eval}`paper_factor`, done lazily |
# | training set | 400,000 images | {eval}`paper_images` images, never stored |
#
# The authors found that the model reproduced off-diagonal features only after this
# hundredfold augmentation: with the 4000 base images it "was not able to accurately
# represent off-diagonal features", and a factor of 10 "showed minimal improvement".

# %% [markdown]
# ## A library with known truth
#
# Each entry of the library is one large $C_2$ (ratio form, baseline 1) of one ROI: a
# random one of the paper's 18 sectors, seen on the chapter-1 detector. Its dynamics
# are drawn from one of seven labels:
#
# | label | name | what the $C_2$ shows |
# | --- | --- | --- |
# | 0 | nearly stationary | a band about {eval}`band[0]` frames wide: a 256-frame crop is almost flat |
# | 1 | slow evolution | a band about {eval}`band[1]` frames wide |
# | 2, 3, 4 | intermediate, fast, fastest | bands about {eval}`band[2]`, {eval}`band[3]` and {eval}`band[4]` frames wide |
# | 5 | heterodyne | fringes parallel to the diagonal |
# | 6 | avalanche | square blocks: decorrelation at sudden events |
#
# A band is $1/(2\Gamma\,\delta t)$ frames wide, so the faster the relaxation, the
# narrower the band: from the slowest class to the fastest it gets
# {eval}`band_steps_text`. The classes are ordered by relaxation rate as the paper's
# are. Within a class the rate of each map is drawn around the class's centre, and it
# may drift slowly along the map (aging or speeding up), so a band's width can change
# along the diagonal. Each map is made the honest way:
# the photons of the sector's {eval}`sector_pixels` pixels are simulated and
# correlated, so the noise
# has the streaks real data has. The photon rate is 10 per pixel per frame: the
# Poisson shot noise lifts the diagonal of a $C_2$ by 1/(mean counts), and at this
# rate the lift matches what the paper's published real crop shows. Building the
# whole library takes a while; the package caches it, so the next chapters (and a
# rerun of this one) load it.
#
# Not every sample relaxes like Brownian particles, with a simple exponential and a
# rate growing as $q^2$. Colloidal gels and glasses often decay as a *compressed*
# exponential, $g_1 = \exp[-(\Gamma\tau)^\alpha]$ with $\alpha > 1$ (chapter 1's KWW
# form), and relax at a rate proportional to $q$: the *ballistic* motion of stress-driven
# rearrangements (general XPCS experience; the AI-NERD paper does not discuss either).
# So in every label, {eval}`compressed_share` of the maps decay as
# compressed exponentials (exponent drawn between {eval}`kww_range`; avalanche maps
# excepted, which the simulator cannot combine with it), and, drawn independently,
# {eval}`ballistic_share` relax ballistically. The label keeps its meaning (the rate
# at the sector's mean $q$ is drawn as for any other map); two truth columns,
# `kww_exponent` (1 for a simple exponential) and `q_exponent` (2 diffusive, 1
# ballistic), say which maps are which, so an evaluation can ask whether a method
# sorts them by rate or by shape.

# %%
store_path = library_store(P, seed=SEED)
crops, metadata = dataset.load_crop_store(store_path)  # crops (N, 256, 256) in [0, 1]
print(f"{store_path.name}:\ncrops {crops.shape}, {len(metadata)} metadata rows")

# %%
columns = ["experiment_id", "c2_index", "crop_offset", "label", "name", "rate_mean",
           "q", "sector", "kww_exponent", "q_exponent"]
# sectors shown 1-18, as chapter 1's ROI labels and the paper's files number them
shown = metadata.assign(sector=metadata.sector + 1)[columns].head()
digits = {"rate_mean": "{:.3g}", "q": "{:.4f}", "kww_exponent": "{:g}",
          "q_exponent": "{:g}"}
shown.style.hide(axis="index").format(digits)

# %% [markdown]
# Each row says where a crop came from: the map (`c2_index`), where along its
# diagonal (`crop_offset`, in frames), and the truth of the dynamics: the label, the
# relaxation rate $\Gamma$ at the ROI's mean $q$ (`rate_mean`, 1/s), that mean $q$
# (`q`, nm⁻¹), the sector, and more. Sectors are numbered 1-18 here, as everywhere in this book: they are the
# ROI labels of chapter 1 (sector 1 starts at the +x direction, counter-clockwise)
# and the sector numbers of the paper's published files (chapter 5). The store itself
# keeps a Python index, 0-17 (`metadata.sector`, as `scenarios.SectorROI` takes it),
# so the table adds 1.

# %% [markdown]
# ### Where the crops come from
#
# A crop is a square block *on* the diagonal: frames $o$ to $o + 255$ against
# themselves. It is itself a small $C_2$, symmetric, with its diagonal on the
# diagonal. Here are three large maps with the two crops that were cut from each.

# %%
maps = LibraryMaps(spec)
size = spec.crop_size
fig, axes = plt.subplots(1, 3, figsize=(PAGE_WIDTH, 2.9), constrained_layout=True)
for ax, label in zip(axes, (1, 5, 6)):
    index = int(np.flatnonzero(maps.labels == label)[0])
    name = scenarios.CLASS_NAMES[label]
    show_c2(ax, maps[index], unit="frames", title=f"map {index}: {name}")
    for offset in metadata.loc[metadata.c2_index == index, "crop_offset"]:
        box = Rectangle((offset, offset), size, size, fill=False, ec="red", lw=1.5)
        ax.add_patch(box)
plt.show()

# %% [markdown]
# **Figure 2.1.** Three large maps of the library (slow evolution, heterodyne,
# avalanche), time in frames down and across, with the two crops cut from each
# (red squares). Each crop sits on the diagonal: it is a small $C_2$ of its own
# frames. Look at how much of each map's structure (the band, the fringes, the
# blocks) a single crop catches.

# %% [markdown]
# ### A gallery of crops per class
#
# Scaled to [0, 1], three crops of every label with their truth. These are what the
# autoencoder sees.

# %%
names = [f"{label}: {name}" for label, name in enumerate(scenarios.CLASS_NAMES)]
captions = [f"Γ = {rate:.2g}/s, sector {sector + 1}"  # sectors 1-18, as the ROI labels
            for rate, sector in zip(metadata.rate_mean, metadata.sector)]
class_gallery(crops, metadata.label.to_numpy(), per_class=3, seed=SEED,
              class_names=names, captions=captions)
plt.show()

# %% [markdown]
# **Figure 2.2.** Three crops of every label, each scaled to [0, 1], with its rate
# $\Gamma$ and its sector. Look at the band along the diagonal: wide and nearly flat
# in class 0, narrower in every faster class, a thin line in class 4; the fringes of
# the heterodyne crops; the square blocks of the avalanches.

# %% [markdown]
# ### Scaling to [0, 1]
#
# Each crop is scaled on its own: $x \mapsto (x - \min)/(\max - \min)$. The paper
# says only that "images were normalized such that the intensity distribution of each
# images ranged from 0 to 1"; min-max scaling is the simplest way to do exactly
# that. That throws away the absolute contrast (which depends on the beamline, the
# detector and the sample), and keeps the shape, which is what the dynamics are
# about. The store keeps `raw_min` and `raw_max` so the original values can be
# recovered. A constant crop has no shape at all and $\max = \min$: it is stored as
# zeros, `raw_min == raw_max` marks it, and the build warns about how many there are.
# None should appear in a library of real dynamics:

# %%
constant = metadata.raw_min == metadata.raw_max
lows = np.array([crops[i].min() for i in range(len(crops))])  # (N,)
highs = np.array([crops[i].max() for i in range(len(crops))])  # (N,)
print(f"constant crops: {int(constant.sum())} of {len(metadata)}")
print(f"every crop spans [0, 1]: {np.allclose(lows, 0) and np.allclose(highs, 1)}")

# %% [markdown]
# ## The HDF5 store
#
# One file holds everything: the crops as one float32 array (contiguous, so it can be
# memory-mapped and read without loading it all) and one dataset per metadata column.
# The file is first written under a temporary name in the same folder and renamed
# only when complete: an interrupted build leaves no file under the final name, so a
# later run never mistakes half a dataset for a whole one.

# %%
with h5py.File(store_path, "r") as f:
    print(textwrap.fill(dataset.describe_hdf5(f["metadata"], limit=8), 88))
    print("crops:", f["crops"].shape, f["crops"].dtype)
    print("attributes:")
    for key, value in f.attrs.items():
        print(f"  {key}: {value}")

# %% [markdown]
# ## A split without leakage
#
# The two crops of one map show the same sample at nearly the same moment. If one
# landed in training and the other in testing, the test would reward memory, not
# understanding. So the split deals out whole *experiments* (here, each large map is
# its own experiment; in the rheology chapter, one experiment holds all 18 sectors
# and every time window of a run). The shares asked for are 80 % of the maps for
# training, 10 % for validation and 10 % for testing.

# %% [markdown]
# **Think!** Whole maps cannot always meet those shares exactly. Before you run the
# next cell, predict: will every split get at least one map, and how many maps will
# land in more than one split?

# %%
splits = dataset.split_by_experiment(metadata, fractions=(0.8, 0.1, 0.1), seed=SEED)
experiments = {name: set(metadata.experiment_id.iloc[rows])
               for name, rows in splits.items()}
for name, rows in splits.items():
    print(f"{name:>10}: {len(rows):5d} crops from {len(experiments[name]):4d} maps")
train_maps = experiments["train"]
shared = (train_maps & experiments["test"]) | (train_maps & experiments["validation"])
print("maps in more than one split:", len(shared))
split_maps = {name: len(maps) for name, maps in experiments.items()}  # maps per split
split_maps_all = int(metadata.experiment_id.nunique())
split_shared_phrase = split_overlap(len(shared))

# %% [markdown]
# The split gives {eval}`split_maps["train"]`, {eval}`split_maps["validation"]` and
# {eval}`split_maps["test"]` of the {eval}`split_maps_all` maps to training,
# validation and testing, and {eval}`split_shared_phrase`: both crops of a map always
# travel together. Exercise 3 counts what a split by single crops would do.

# %% [markdown]
# ## Augmentation: a hundred copies that never exist
#
# The paper multiplied its 4000 crops by 100. Stored as float32 those 400,000 images
# would take 400,000 × 256 × 256 × 4 bytes = 105 GB. Here the copies are made on the
# fly: item $i$ of the `AugmentedCropDataset` is copy $i \bmod 100$ of crop
# $\lfloor i/100 \rfloor$, shifted by a number of frames drawn once from the seed.
# The same seed gives the same item, in any order and in any worker process.
#
# The shift follows the paper's code: the crop is rolled along both axes together
# (`np.roll`, a wrap-around), so the diagonal stays on the diagonal and the crop stays
# symmetric. The price is a *seam*: the last frames are glued to the first, and the
# block where they meet is correlation between frames that were never adjacent. The
# `mode="diagonal"` option cuts a fresh crop further along the large map instead,
# which has no seam but needs the large maps kept. (The upstream code called
# `scipy.ndimage.shift(..., mode="wrap")`, whose wrap is off by one row and column:
# `np.roll` is the clean version of what they meant.)

# %%
train = dataset.AugmentedCropDataset(crops, splits["train"], seed=SEED,
                                     factor=P.augment_factor, return_info=True)
stored_gb = len(train) * 256 * 256 * 4 / 1e9
print(f"{len(splits['train'])} training crops x {P.augment_factor} = {len(train)} "
      f"items, {stored_gb:.1f} GB if they were stored")

# %% [markdown]
# **Think!** The next cell draws the first training crop and three of its shifted
# copies. Before you run it, predict: does the band stay on the diagonal, and where
# do the original's last frames end up?

# %%
copies = [train[copy] for copy in range(4)]  # (image, info) of one training crop
images = np.stack([np.asarray(image[0]) for image, _ in copies])  # (4, 256, 256)
titles = [f"shifted by {info['shift']} frames" if info["shift"] else "original"
          for _, info in copies]
crop_grid(images, titles=titles)
plt.show()

# %% [markdown]
# **Figure 2.3.** A training crop and three copies rolled along both axes together.
# The band stays on the diagonal and keeps its width. Look for the seam: a break in
# the band at the frame given by the shift, where the original's last frame meets its
# first; everything before the seam was the end of the original.
#
# ### A pitfall: the seam looks like an avalanche
#
# An avalanche resets the speckle at one moment: frames on either side of it no
# longer correlate, so the band along the diagonal is cut there and the crop splits
# into two squares (the avalanche row of the gallery above). The wrap's seam makes
# the same cut, so how often does the paper's augmentation give a crop that has no
# avalanche the avalanche's signature? `dataset.seam_score` measures the cut: for
# every frame $c$, the band's mean over lags 1 to 8 *beside* $c$ minus its mean
# *across* $c$, in the crop's [0, 1] units; a crop's score is the largest over $c$.
# A crop counts as avalanche-like above the 95th percentile of the unshifted
# rate-class crops' scores, so 5 % of those pass by construction. We score
# rate-class crops (no avalanche), one per map, each shifted by the same few shifts
# in both modes: the paper's wrap and the seam-free `mode="diagonal"`, a fresh crop
# cut further along the large map.
#
# **Think!** What share of the wrapped copies will score as avalanches: about 5 %,
# about half, or nearly all?

# %%
N_SEAM_CROPS, N_SHIFTS = 40, 3  # rate-class crops scored (one per map), shifts each
rate_crops = metadata[metadata.label < scenarios.N_RATE_CLASSES].drop_duplicates("c2_index")
rows = rate_crops.sample(min(N_SEAM_CROPS, len(rate_crops)), random_state=SEED).index.to_numpy()
needed = set(metadata.c2_index[rows])  # the large maps (T, T) the seam-free shift cuts
source = [maps[i] if i in needed else None for i in range(len(maps))]
shifted = {mode: dataset.AugmentedCropDataset(crops, rows, seed=SEED, mode=mode,
                                              source_c2=source, metadata=metadata)
           for mode in ("wrap", "diagonal")}
copies = [(c, s) for c in rows for s in shifted["wrap"].shifts[c, 1:1 + N_SHIFTS]]
seam = {mode: dataset.seam_score(np.stack([data.image(c, s) for c, s in copies]))[0]
        for mode, data in shifted.items()}  # mode -> (len(copies),) scores
unshifted = np.flatnonzero(metadata.label < scenarios.N_RATE_CLASSES)  # every rate crop
threshold = np.quantile(dataset.seam_score(np.stack([crops[i] for i in unshifted]))[0], 0.95)
shows = crop_labels(metadata.assign(crop_size=crops.shape[-1]))  # what a crop shows
avalanches = np.stack([crops[i] for i in np.flatnonzero(shows == scenarios.AVALANCHE)])
flagged = {mode: float(np.mean(score > threshold)) for mode, score in seam.items()}
flagged["avalanche crops"] = float(np.mean(dataset.seam_score(avalanches)[0] > threshold))
wrap_flagged, diagonal_flagged, avalanche_flagged = (
    f"{share:.0%}" for share in flagged.values())
n_copies, n_unshifted, threshold_text = len(copies), len(unshifted), f"{threshold:.3f}"
seam_text = seam_verdict(flagged["wrap"], flagged["diagonal"])
print({name: f"{share:.0%}" for name, share in flagged.items()}, f"above {threshold:.3f}")

# %%
inside = [i for i, (_, s) in enumerate(copies) if 64 <= s <= 192]  # seams well inside
c, s = copies[max(inside, key=lambda i: seam["wrap"][i])]  # the clearest of them
fig, axes = plt.subplots(1, 3, figsize=(PAGE_WIDTH, 2.7), constrained_layout=True)
for ax, (mode, data) in zip(axes, shifted.items()):
    ax.imshow(data.image(c, s), cmap="viridis", vmin=0, vmax=1)
    ax.set(title=f"{mode}, shift {s}", xticks=[], yticks=[])
    axes[2].plot(dataset.seam_profile(data.image(c, s)), lw=1, label=mode)
axes[2].axhline(threshold, color="gray", ls="--", lw=1, label="threshold")
axes[2].set(xlabel="boundary c (frame)", ylabel="band drop across c")
axes[2].legend(fontsize=7)
plt.show()

# %% [markdown]
# **Figure 2.4.** One rate-class crop shifted by the same number of frames with the
# paper's wrap (left) and the seam-free diagonal shift (middle), and the band's drop
# across every frame $c$ for both (right; dashed: the avalanche threshold). Look for
# the two squares in the wrapped copy and the peak of its drop at the shift.
#
# Of {eval}`n_copies` shifted copies, {eval}`wrap_flagged` score as avalanches
# with the wrap and {eval}`diagonal_flagged` with the seam-free shift (threshold
# {eval}`threshold_text`); {eval}`avalanche_flagged` of the library's true
# avalanche crops pass the same threshold. So {eval}`seam_text`.
#
# Why does the seam-free shift not give 5 %? Exactly 5 % of the {eval}`n_unshifted`
# crops the threshold was set on pass it, by construction; but a percentile is only an
# estimate, placed where those very crops happened to put it, and other crops pass it
# more or less often. A seam-free copy is a plain
# crop of the same map cut elsewhere along its diagonal, with nothing shifted inside
# it, so its share is the rate at which a crop with no cut passes this threshold by
# chance: the rate to read the wrap's share against. A network trained
# on wrapped copies meets the avalanche's one visual cue in crops of every label;
# the book trains on wrapped copies as the paper did, and chapter 4 asks how well
# avalanches are then told apart.
#
# ## Bring your own data: APS 8-ID-I result files
#
# At the APS 8-ID-I beamline the correlation software writes an HDF5 result file.
# In the current layout each ROI's $C_2$ is at `/xpcs/twotime/correlation_map/c2_00001`,
# `c2_00002`, ..., and only the upper half of each symmetric map is stored; older files
# keep them at `/exchange/C2T_all/g2_00001`, .... `xpcs_nb.aps` reads both layouts
# and mirrors the upper half; `prepare_crops` cuts its maps the same way as above. To show it without a
# beamline file, we write two of our maps in each layout and read them back.

# %% [markdown]
# **Think!** The file keeps only the upper half of each map. Before you run the next
# cell, predict: will ROI 1 come back exactly as it was written, bit for bit?

# %%
exact = {}  # layout -> ROI 1 read back bit for bit
with tempfile.TemporaryDirectory() as folder:
    for layout in ("new", "legacy"):
        path = Path(folder) / f"result_{layout}.hdf"
        aps.write_aps_result(path, [maps[0], maps[1]], layout=layout)
        with h5py.File(path, "r") as f:
            print(f"{layout} layout holds:")
            listing = textwrap.fill(dataset.describe_hdf5(f, limit=6), 84)
            print(textwrap.indent(listing, "  "))
        exact[layout] = bool(np.array_equal(aps.read_c2(path, roi=1), maps[0]))
        own_crops, _ = prepare_crops(read_maps(path)[0], crops_per_map=2, seed=SEED)
        print(f"  ROI 1 read back exactly: {exact[layout]}; crops {own_crops.shape}\n")
round_trip_phrase = (
    "in both layouts ROI 1 comes back bit for bit: a C2 is symmetric, so mirroring "
    "the upper half restores the whole map" if all(exact.values()) else
    f"ROI 1 does not come back exactly in every layout ({exact})")

# %% [markdown]
# The answer: {eval}`round_trip_phrase`.
#
# With a real file, `aps.list_rois(path)` tells what it holds and
# `prepare_crops(read_maps(path)[0], seed=0)` gives crops ready for the encoder of chapter 3.
# A file without maps raises an error that lists everything the file does contain.
#
# ## Exercises
#
# **Exercise 1 (fill in).** Cut a crop the way the library does: the square block of a
# large map that sits on its diagonal from frame `offset`, scaled to [0, 1] on its
# own. Replace each `...`, run the cell, then the check below it. (The check compares
# with the package's `diagonal_crop` and `minmax_scale`, which built the store.)

# %%
map_index = int(metadata.c2_index.iloc[0])  # the map of the first crop in the store
offset = int(metadata.crop_offset.iloc[0])  # where that crop starts, frames
large = np.asarray(maps[map_index])  # (T, T)


def diagonal_crop_scaled(c2: np.ndarray, offset: int, size: int) -> np.ndarray:
    """The (size, size) block of c2 on its diagonal from frame offset, in [0, 1]."""
    block = ...  # frames offset .. offset + size - 1 against themselves
    return ...  # (block - its minimum) / (its maximum - its minimum)


my_crop = diagonal_crop_scaled(large, offset, spec.crop_size)

# %%
reference = dataset.minmax_scale(dataset.diagonal_crop(large, offset, spec.crop_size))
reference = reference[0]  # (size, size)
what = "your crop"
check_answer(what, my_crop, reference, rtol=1e-5, atol=1e-6)

# %% tags=["hide-cell"] jupyter={"source_hidden": true}
# Solution: a crop on the diagonal is a small C2 of frames offset .. offset + size - 1.
def diagonal_crop_scaled(c2: np.ndarray, offset: int, size: int) -> np.ndarray:
    """The (size, size) block of c2 on its diagonal from frame offset, in [0, 1]."""
    block = c2[offset:offset + size, offset:offset + size].astype(np.float64)
    return (block - block.min()) / (block.max() - block.min())


my_crop = diagonal_crop_scaled(large, offset, spec.crop_size)
assert check_answer(what, my_crop, reference, rtol=1e-5, atol=1e-6)

# %% [markdown]
# **Exercise 2: the paper's memory bill.** How many bytes would the paper's augmented
# training set take as float32, and as the 8-bit images you might be tempted to use?
# How many bytes does this chapter's store take on disk?

# %% tags=["hide-cell"] jupyter={"source_hidden": true}
# Solution
n_images, side = 4000 * 100, 256
pixels = n_images * side * side
print(f"float32: {pixels * 4 / 1e9:.0f} GB; uint8: {pixels / 1e9:.0f} GB")
print(f"this store: {store_path.stat().st_size / 1e6:.0f} MB for {len(metadata)} crops")

# %% [markdown]
# **Exercise 3: catch a leak.** Make a *bad* split that assigns crops at random,
# ignoring the experiments, and count the maps that end up with one crop in training
# and the other in testing.

# %% tags=["hide-cell"] jupyter={"source_hidden": true}
# Solution
rng = np.random.default_rng(SEED)
names = ["train", "validation", "test"]
assignment = rng.choice(names, size=len(metadata), p=[0.8, 0.1, 0.1])  # one per crop
bad = {name: set(metadata.experiment_id[assignment == name]) for name in names}
print(f"maps split between train and test by a random split: "
      f"{len(bad['train'] & bad['test'])} of {metadata.experiment_id.nunique()}")

# %% [markdown]
# **Exercise 4: what the augmentation does to the physics.** A band width is a
# relaxation time. Does a wrap-around shift change the band width of a crop? Compare
# the mean of the first off-diagonal of a crop and of a shifted copy, and explain
# where they differ.

# %% tags=["hide-cell"] jupyter={"source_hidden": true}
# Solution: away from the seam nothing changes; the shift only moves frames around.
original = crops[splits["train"][0]]
shifted, info = train[1]
shift = info["shift"]
first_off_diagonal = lambda image: np.diagonal(np.asarray(image), offset=1)  # (255,)
print(f"shift {shift}: mean first off-diagonal "
      f"{first_off_diagonal(original).mean():.4f} (original) vs "
      f"{first_off_diagonal(shifted[0]).mean():.4f} (shifted)")
print("the copies differ only at the seam, where frame 255 meets frame 0")

# %% [markdown]
# ## Check your understanding
#
# **Question 1.** Why does the split deal out whole maps (experiments) rather than
# single crops?
#
# - A. To keep the seven labels equally represented in every split.
# - B. Because two crops of one map show the same sample at nearly the same moment: a
#   crop in training would let the model "recognise" its sibling in testing, and the
#   test score would reward memory.
# - C. Because the HDF5 store can only be read map by map.
#
# <details><summary>Answer</summary>
#
# **B.** Crops of one map are near copies, so a split by crop leaks information from
# training into testing (Exercise 3 counts how often a random split does it). A is
# not the reason: balancing labels would be a *stratified* split, a different concern,
# and the split by experiment does not promise it. C is wrong: the store holds the
# crops as one array that can be read crop by crop in any order.
#
# </details>

# %% [markdown]
# **Question 2.** Every crop is min-max scaled to [0, 1] on its own. Two crops differ
# only in their speckle contrast $\beta$ (one 0.2, one 0.1), everything else equal and
# noise-free. What does the autoencoder see?
#
# - A. Two different images: the one with the larger contrast is brighter.
# - B. The same image: scaling removes the baseline and the contrast and keeps the
#   shape of the decay.
# - C. The same image, but only if both crops have the same baseline.
#
# <details><summary>Answer</summary>
#
# **B.** $x \mapsto (x - \min)/(\max - \min)$ undoes any change $x \mapsto a + b x$ with
# $b > 0$; a different contrast (and a different baseline) is exactly such a change,
# so the dynamics, the shape, is all that is left. A is what an unscaled crop would
# show. C is wrong: the baseline is removed as well; the store's `raw_min` and
# `raw_max` keep both, should you need them.
#
# </details>

# %% [markdown]
# **Question 3.** The augmentation rolls a crop by the same number of frames along
# both axes (`np.roll`). What does that do to a crop?
#
# - A. Its diagonal stays on the diagonal and it stays symmetric, but a seam appears
#   where the last frames meet the first.
# - B. It shifts the diagonal band off the main diagonal, so the network learns to
#   find it anywhere.
# - C. It changes the band's width, so the augmented set covers more relaxation rates.
#
# <details><summary>Answer</summary>
#
# **A.** Rolling rows and columns together maps the pair $(t_1, t_2)$ to
# $(t_1 + s, t_2 + s)$, which keeps $t_1 = t_2$ on the diagonal and keeps the map
# symmetric; the wrap-around glues frame 255 to frame 0, and that block is the seam.
# B would need rolling along one axis only. C is wrong: the lag $t_2 - t_1$ of every
# pair is unchanged, so the band width, the relaxation time, is too (Exercise 4).
#
# </details>

# %% [markdown]
# ## Summary
#
# - The library holds seven labelled behaviours; rate classes 0-4 are ordered by
#   relaxation rate like the paper's, heterodyne and avalanche stand apart.
# - The paper's recipe: large $C_2$ per ROI, two diagonal crops of 256 × 256 each,
#   min-max scaled per crop; ×100 augmentation by shifting along the diagonal.
# - The crops and their truth live in one HDF5 file written atomically; the split
#   keeps each experiment whole; the augmentation is computed when an item is asked
#   for, never stored.
# - `xpcs_nb.aps` turns APS 8-ID-I result files into the same crops.
#
# ## What's next
#
# Chapter 3 trains the paper's convolutional autoencoder on these crops, loads the
# published weights, and looks at what 64 numbers can keep of a $C_2$.

# %%
FRAME.finish()
