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
# # 5. Clusters over time, beside the shear stress
#
# ## Overview
#
# In the AI-NERD experiment a colloidal glass is sheared hard, the shear stops, and
# for the next 50 minutes two instruments watch it relax at the same time: the
# rheometer measures the shear stress of the whole sample, and XPCS measures the
# dynamics in 18 azimuthal sectors, one $C_2$ per sector every 57 seconds. The paper
# classifies every $C_2$ with the autoencoder and k-means, draws the share of each
# class in every time window as a stacked bar, and sets the bars above the stress
# trace with its minima marked (its Fig. 3) ([Horwath et al. 2024](https://doi.org/10.1038/s41467-024-49381-z)). Its reading: the
# moments where slow and fast classes trade places coincide with the stress minima.
#
# A figure like that invites the eye to find coincidences. So this chapter first
# builds an experiment where the coupling between the dynamics and the stress is
# known, because we put it there, and asks whether the same pipeline finds it. Then
# it rebuilds Fig. 3 from the published data and asks the same question there. You
# will:
#
# 1. simulate a rheo-XPCS run whose avalanche bursts speed up some sectors and make
#    the stress drop a few seconds later;
# 2. encode its $C_2$, cluster them into five classes and number the classes from
#    slowest to fastest;
# 3. draw the class fractions per window above the stress, with its minima and the
#    true bursts;
# 4. measure whether clustering recovered the coupling: against the truth directly,
#    and with a permutation test that needs no truth;
# 5. rebuild the paper's Fig. 3 from the published latents, sector numbers, start
#    times and rheometer table, after working out how the two clocks line up;
# 6. say what that figure supports, and what it does not.
#
# ## Prerequisites
#
# | you need | where |
# | --- | --- |
# | the trained autoencoder and its latent vectors | chapter 3 |
# | k-means, the elbow (knee) of the inertia curve, ordering classes by band width | chapter 4 |
# | what a two-time $C_2$ shows (band width = relaxation time) | chapter 1 |
# | a permutation test (shuffle what should not matter, count how often chance does as well) | any statistics primer |
#
# Time to run: about two minutes at `fast` on a laptop CPU, a few at `class` and
# `paper`. The autoencoder comes from chapter 3's cache; without it, this chapter
# first trains it from random weights as chapter 3 does (no preset fine-tunes the
# published weights), which adds that training time once.

# %% tags=["parameters"]
from xpcs_nb.presets import preset_for_this_machine

# $XPCS_PRESET, else "class" with a CUDA GPU, "fast" without; or "class_cpu", "paper"
PRESET = preset_for_this_machine()
SEED = 0  # fixes the synthetic experiment, the k-means starts and the permutations
N_SYNTHETIC = 100  # windows of the synthetic run: twice the paper's, for power to spare
N_POWER_SEEDS = 20  # synthetic runs, one seed each, behind the test's power

# %%
import textwrap

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch
from myst_nb import glue

from xpcs_nb import dataset, evaluation, latent, paper, rheology, scenarios
from xpcs_nb.chapter import start_chapter
from xpcs_nb.checks import check_answer
from xpcs_nb.library import LibrarySpec
from xpcs_nb.pipeline import trained_autoencoder
from xpcs_nb.plotting import (PAGE_WIDTH, class_gallery, crop_grid, elbow,
                              fractions_beside_stress, permutation_histogram)
from xpcs_nb.plotting.bursts import bursts_beside_stress
from xpcs_nb.presets import get_preset
from xpcs_nb.scenarios.rheo_experiment import IN_BURST_ACTIVITY
from xpcs_nb.words import rheology as words

P = get_preset(PRESET)
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
N_WINDOWS = 50  # XPCS time windows, as in the paper's run E031
K = 5  # classes, as in the paper's Fig. 3
ALPHA = 0.05  # significance level of the alignment tests, fixed before looking
print(f"preset {P.name!r} on {DEVICE}: {N_SYNTHETIC} synthetic windows x 18 sectors, "
      f"C2 made by the {P.rheo_c2_method!r} method; k = {K}")

# %%
FRAME = start_chapter(5, PRESET)

# %% [markdown]
# ## A synthetic experiment with a known coupling
#
# `scenarios.rheo_experiment` follows the protocol of the paper's run as its
# published rheometer table shows it: shear at 30/s for 190 s, at 100/s for 10 s,
# then rest. XPCS windows of 256 frames (0.1 s each, a setting of ours: the paper
# does not give its frame time) start 5 s before the stop and then every 57 s, as
# the published start times do, 18 sectors each; the paper's run has
# {eval}`N_WINDOWS` windows, ours {eval}`N_SYNTHETIC`, so that its test has power
# to spare (measured below). In every sector
# the dynamics are fast right after the shear, slow down over a few minutes, and
# keep ageing. From 450 s after the stop, **bursts** arrive at random (about one
# every 250 s). This is the coupling we build in, and the one we want to recover:
#
# - a burst hits each sector with probability 1/2; in a hit sector the relaxation
#   rate jumps sixtyfold and decays back exponentially with an *e-folding* time of
#   30 s, and half the speckle grains are reset at once (an avalanche);
# - 10 s after the burst the stress starts to drop, by 0.6 Pa per sector hit, over
#   10 s, then builds back up over about 150 s.
#
# So each stress minimum trails a burst by about 20 s, and its depth counts the
# sectors that burst. The bursts per sector are a **toy**: the 18 sectors are
# directions of the scattering vector in one illuminated spot, so they all look at
# the same volume of the sample, and a real avalanche there would show in many
# directions at once rather than stay in the sectors a coin toss picked. The toy
# gives the pipeline a known, partial signal to find; nothing more.

# %%
photons = LibrarySpec.from_preset(P, seed=SEED).photons_per_pixel
experiment = scenarios.rheo_experiment(
    n_sectors=18, n_windows=N_SYNTHETIC, window_frames=256, seed=SEED,
    photons_per_pixel=photons, method=P.rheo_c2_method)
truth = experiment.table()  # one row per (window, sector), window-major
stop_time = experiment.shear_stop_time
bursts = experiment.bursts.assign(rheometer_time=experiment.bursts.time + stop_time)
photons_text = f"{photons:g}"
c2_made = words.c2_method_sentence(P.rheo_c2_method, P.library_method, P.name)
print(f"{len(truth)} C2, shear stops at {stop_time:.0f} s; {len(bursts)} bursts:")
bursts[["rheometer_time", "n_sectors_hit", "stress_drop"]].round(1)

# %% [markdown]
# The $C_2$ have the photon rate of chapter 2's library at this preset
# ({eval}`photons_text` per pixel per frame), and {eval}`c2_made`.
#
# Here is the truth we will try to find again: the stress after the stop (its
# first minutes are off the top of the scale), the bursts as red lines, and the
# share of the 18 sectors that are inside a burst in each window.

# %% [markdown]
# **Think!** A window covers 25.6 s of every 57 s, so many bursts fall in a gap
# between two windows. Before you run the next cell, predict: will those bursts show
# in the top panel (sectors in a burst), or leave it empty?

# %%
window_times = stop_time + truth.groupby("window").window_start.first().to_numpy()
spacing = float(np.median(np.diff(window_times)))
in_burst = truth.groupby("window").in_burst.mean().to_numpy()  # share in a burst
stress_time, stress = rheology.stress_after_shear(experiment.rheometer)
minima_index, minima_times = rheology.stress_minima(stress_time, stress)
bursts_beside_stress(window_times, in_burst, stress_time, stress, minima_times,
                     bursts.rheometer_time)
plt.show()
print(f"stress minima at {minima_times.round(0).tolist()} s")

# %% [markdown]
# **Figure 5.1.** The synthetic run's truth: the share of the 18 sectors inside a
# burst in each window (top, one bar per window, as wide as the gap to the next), and
# the shear stress with its minima (bottom), the true bursts as dashed red lines on
# the rheometer clock. Look at the bar that follows each red line.
#
# Where does each burst show? The next cell finds, for every burst, the first window
# whose middle comes after it, and what the truth says of the sectors it hit there.

# %%
window_s = experiment.window_frames * experiment.dt  # one window, s
starts = window_times - stop_time  # s after the stop
middles = starts + 0.5 * experiment.dt * (experiment.window_frames - 1)
reach = []
for burst in experiment.bursts.itertuples():
    window = int(np.argmax(middles > burst.time))  # the first middle after the burst
    hit = truth[(truth.window == window) & truth.sector.isin(burst.sectors)]
    inside = bool(np.any((starts <= burst.time) & (burst.time < starts + window_s)))
    reach.append(dict(burst_s=burst.time, inside_a_window=inside, window=window,
                      delay_s=middles[window] - burst.time,
                      hit_in_burst=hit.in_burst.mean(), rows=hit.index.to_numpy()))
reach = pd.DataFrame(reach)


def boost(seconds):
    """The rate's boost factor ``seconds`` after a burst, as the simulation sets it."""
    decay = np.exp(-np.asarray(seconds) / scenarios.BURST_DECAY_TIME)
    return 1 + (scenarios.BURST_BOOST - 1) * decay


gap_s = spacing - window_s
in_burst_s = scenarios.BURST_DECAY_TIME * np.log(1 / IN_BURST_ACTIVITY)
reach.drop(columns="rows").round(2)

# %%
boost_30, boost_60, boost_gap = (f"{boost(s):.0f}" for s in (30, 60, gap_s))
in_burst_text = f"{in_burst_s:.0f}"
activity_text = f"{IN_BURST_ACTIVITY:g}"
gap_text = f"{gap_s:.0f}"
between = reach[~reach.inside_a_window]
n_reaching = int((between.hit_in_burst > 0).sum())
burst_reach = words.burst_reach_sentence(len(reach), len(between), n_reaching)
print(f"boost x{boost_30} at 30 s, x{boost_60} at 60 s; in a burst {in_burst_text} s")

# %% [markdown]
# The 30 s of a burst is an *e-folding* time, not its length: the rate's boost is
# still {eval}`boost_30`-fold 30 s after the burst and {eval}`boost_60`-fold after
# 60 s. The truth counts a sector as *in a burst* while the burst's share,
# $e^{-s/30\,\mathrm{s}}$, stays above {eval}`activity_text` (`IN_BURST_ACTIVITY`),
# that is for {eval}`in_burst_text` s. The gap between two windows is
# {eval}`gap_text` s, so a burst that falls in it still runs at about
# {eval}`boost_gap`-fold or more when the next window opens. In this run
# {eval}`burst_reach`.

# %% [markdown]
# ## Encode, cluster, and number the classes by relaxation
#
# Every $C_2$ is scaled to [0, 1] on its own and encoded by the model of chapter 3
# into 64 numbers; k-means then splits the latent vectors into five classes, as
# in the paper. k-means numbers its clusters arbitrarily, so we renumber them by the
# width of the band along the diagonal (the relaxation time, chapter 4): class 0
# has the widest band (slowest), class 4 the narrowest (fastest).
#
# The band width is measured from lag 1 on: chapter 4 showed that the shot-noise
# spike on the diagonal would make every slow crop look like the fastest.

# %%
model, _ = trained_autoencoder(P, SEED, device=DEVICE, progress=False)
crops = dataset.minmax_scale(experiment.all_c2())[0]  # (N, 256, 256)
latents = latent.encode(model, crops, device=DEVICE)  # (N, 64)
widths = latent.band_width(crops)  # frames, from lag 1 on

sweep = latent.kmeans_sweep(latents, seed=SEED)
raw_labels, _ = latent.cluster(latents, K, seed=SEED)
labels, _ = latent.order_by_relaxation(raw_labels, widths)
print(f"the knee of the inertia curve: k = {sweep.knee.value}; we use k = {K}, as the paper")
scores = evaluation.cluster_scores(truth.label.to_numpy(), labels)
print("agreement with the true labels:", {n: round(v, 2) for n, v in scores.items()})
counts = pd.crosstab(truth["name"], labels, rownames=["true label"], colnames=["class"])
per_class = pd.DataFrame(
    {c: {"median band width (frames)": f"{np.median(widths[labels == c]):.1f}",
         "share in a burst": f"{truth.in_burst[labels == c].mean():.2f}"}
     for c in range(K)})
table = pd.concat([counts.astype(object), per_class])
table.rename_axis(index="true label", columns="class")

# %%
def mean_class(name: str) -> float:
    """Mean class number of the crops whose true label is ``name``."""
    return float(labels[truth["name"].to_numpy() == name].mean())


stationary_first = mean_class("nearly stationary") < mean_class("slow evolution")
class_contents_text = words.class_contents(counts)
slow_widths = words.slow_widths(*(np.median(widths[labels == c]) for c in (0, 1)))
slow_order = words.slow_order(stationary_first)
fastest_in_burst = f"{truth.in_burst[labels == K - 1].mean():.0%}"
avalanche_sentence = words.avalanche_sentence(counts)
print(class_contents_text.replace("; ", "\n"))

# %% [markdown]
# Read the table down its columns: {eval}`class_contents_text`. The slowest bands are
# so wide that a 256-frame crop barely sees them decay: the median widths of classes
# 0 and 1 are {eval}`slow_widths`, and the order among
# the slow classes means little ({eval}`slow_order`). The fastest class collects
# the fast crops, the sectors right after the shear *and* the sectors inside a burst
# ({eval}`fastest_in_burst` of its crops lie inside a burst).
# {eval}`avalanche_sentence` The last row is what matters here: the share of
# each class that lies inside a burst.
#
# A few crops of each class:

# %%
captions = [f"{name}, {window_times[w]:.0f} s"
            for name, w in zip(truth["name"], truth.window)]
class_gallery(crops, labels, per_class=4, seed=SEED, captions=captions)
plt.show()

# %% [markdown]
# **Figure 5.2.** Four random crops of each class, class 0 (slowest, top) to class 4
# (fastest, bottom), each captioned with its true label and its window's time on the
# rheometer clock. Look at the band narrowing from row to row, and at which labels
# share a row.
#
# ## Class fractions beside the stress
#
# Now the figure itself, built the way the paper's Fig. 3 is: one bar per window,
# split into the share of the 18 sectors in each class, above the stress with its
# minima as vertical lines. The red ticks on top mark the true bursts, which the
# paper could not know.

# %%
fractions = rheology.class_fractions(labels, truth.window.to_numpy(), n_classes=K)
fractions_beside_stress(fractions, window_times, stress_time, stress, minima_times,
                        bursts=bursts.rheometer_time.to_numpy(),
                        title=f"synthetic experiment ({P.rheo_c2_method} C2), k = {K}")
plt.show()

# %% [markdown]
# **Figure 5.3.** The synthetic run as the paper's Fig. 3 draws a run: the share of
# the 18 sectors in each class, window by window (top; dark is slow, yellow fast),
# above the stress with its minima as black lines, and the true bursts as red ticks.
# Look for the yellow rising after each red tick, and for the minima that follow.
#
# ## Did clustering recover the coupling?
#
# Two measures, fixed before looking at the figure.
#
# **Against the truth.** In each window, compare the share of sectors inside a burst
# with the share of sectors in the fastest class. The first minutes after the shear
# are fast for a reason that has nothing to do with bursts, so we give the
# correlation over all windows and over the windows after 450 s, where bursts are
# the only source of fast dynamics.
#
# **Without the truth** (the only test the real data allow). A *transition* is a
# change of the fast share by more than 0.25 between consecutive windows
# (`rheology.transition_times`). The statistic is the mean time from each stress
# minimum to its nearest transition. To see what chance gives, all minima are shifted
# together by a random offset, wrapping around the run, 9999 times: their number and
# spacing stay, only their timing relative to the transitions is lost. The p-value
# is the share of shifts that land at least as close as the real minima (counting the
# real minima themselves as one more shift, so p is never 0). We call the alignment
# shown when p falls below 0.05, a level fixed before looking.

# %%
FAST = [K - 1]  # the fastest class; chosen before looking
AFTER = 450  # s after the stop: from here on, bursts are the only fast dynamics
fast_share = fractions[FAST].sum(axis=1).to_numpy()
late = window_times - stop_time > AFTER
r_all = np.corrcoef(in_burst, fast_share)[0, 1]
r_late = np.corrcoef(in_burst[late], fast_share[late])[0, 1]
print(f"'share in a burst' against 'share in class {K - 1}': r = {r_all:.2f} over "
      f"all {len(window_times)} windows,\nr = {r_late:.2f} over the {late.sum()} after "
      f"{AFTER} s")

inside = (minima_times >= window_times[0]) & (minima_times < window_times[-1] + spacing)
synthetic_test = rheology.transition_alignment(fractions, window_times,
                                               minima_times[inside], FAST, seed=SEED)
print(textwrap.fill(synthetic_test.summary(), 88))  # lines the page can show

# %%
fig, (ax_scatter, ax_null) = plt.subplots(1, 2, figsize=(PAGE_WIDTH, 3.4),
                                          constrained_layout=True)
for these, colour, label in ((~late, "gray", f"first {AFTER} s"),
                             (late, "tab:red", f"after {AFTER} s")):
    ax_scatter.scatter(in_burst[these], fast_share[these], color=colour, label=label)
ax_scatter.plot([0, 1], [0, 1], "k:", lw=1)
ax_scatter.set(xlabel="share of sectors in a burst (truth)",
               ylabel=f"share in class {K - 1} (clustering)")
ax_scatter.legend(fontsize=8)
permutation_histogram(synthetic_test.null_distribution, synthetic_test.observed,
                      synthetic_test.p_value, ax=ax_null,
                      xlabel="mean distance, minimum → transition (s)")
plt.show()

# %% [markdown]
# **Figure 5.4.** Left: each window's share of sectors in the fastest class against
# its share in a burst (the truth), before and after 450 s; the dotted line is a
# perfect match. Right: the permutation test on the synthetic run, the mean distance
# from the stress minima to their nearest transition (line) against the randomly
# shifted minima (histogram). Look at how close the red points lie to the diagonal,
# and where the line falls in the histogram.

# %%
synthetic_tracking = words.synthetic_tracking(r_late, r_all, int(late.sum()), AFTER)
synthetic_tracking_short = words.synthetic_tracking_short(r_late, AFTER)
glue("synthetic_tracking_short", synthetic_tracking_short, display=False)  # intro
synthetic_n_minima = int(inside.sum())
synthetic_conclusion_text = words.synthetic_conclusion(synthetic_test.p_value,
                                                       synthetic_n_minima, ALPHA)
synthetic_p = words.p_text(synthetic_test.p_value, ALPHA)
seen = [np.mean(labels[rows] == K - 1) for rows in between.rows]  # next window
gap_bursts = words.gap_bursts_sentence(len(between), np.mean(seen) if seen else None)
print(textwrap.fill(synthetic_conclusion_text, 88))

# %% [markdown]
# In this run the fastest class {eval}`synthetic_tracking`.
# {eval}`synthetic_conclusion_text` Notice too what it costs: every burst gives two
# transitions, into the fast class and out of it a window or two later. A burst
# that falls between two windows is not lost to the bars: {eval}`gap_bursts`. What
# the gap does cost is timing: the bars place such a burst only to within a window
# spacing, while its stress drop is placed to the second.
#
# One run gives one p, which another seed or CPU could move across 0.05. A control
# must show *power*: the share of runs, each its own seed, in which the test finds the
# coupling. Encoding {eval}`N_POWER_SEEDS` runs is too slow here, so
# `rheology.alignment_power` tests each run's *true* classes: the pipeline's ceiling.

# %%
power = {n: rheology.alignment_power(range(N_POWER_SEEDS), n_windows=n, alpha=ALPHA)[1]
         for n in (N_SYNTHETIC, N_WINDOWS)}  # windows -> p per seed
power_text = {n: words.power_text(int(np.sum(runs.p_value < ALPHA)), N_POWER_SEEDS)
              + f", median p {words.p_text(runs.p_value.median(), ALPHA)}"
              for n, runs in power.items()}
power_synthetic, power_paper = power_text[N_SYNTHETIC], power_text[N_WINDOWS]
print(power_text)

# %% [markdown]
# With true classes the test finds the built-in coupling in {eval}`power_synthetic`
# at this run's {eval}`N_SYNTHETIC` windows, and in {eval}`power_paper` at the
# paper's {eval}`N_WINDOWS`. The encoder's classes can only do worse: this run gave
# p = {eval}`synthetic_p`.
#
# ## The real experiment: the paper's Fig. 3 rebuilt
#
# The authors published the 900 latent vectors of their run E031 (18 sectors × 50
# windows), the sector and start time of each, their trained model, and the
# rheometer table. No crops: so the classes are numbered from slow to fast by
# decoding each cluster centre back into an image and measuring its band
# (`latent.order_by_decoded_centres`).
#
# First, the number of classes. The paper read four to six off its elbow plot;
# the knee of the inertia curve of the published latents:

# %%
published_latents = paper.load_latents()  # (900, 64)
sectors = paper.load_sectors()  # (900,), 1 .. 18
start_times = paper.load_start_times()  # (900,), s after the end of shear
published = paper.load_model()

real_sweep = latent.kmeans_sweep(published_latents, seed=SEED)
K_REAL = real_sweep.knee.value
elbow(real_sweep.ks, real_sweep.inertia, real_sweep.knee,
      title="the 900 published latents")
plt.show()

# %% [markdown]
# **Figure 5.5.** The k-means inertia of the 900 published latent vectors against
# k, with the knee marked. Compare the knee with the paper's four to six.

# %%
raw_real, centres = latent.cluster(published_latents, K_REAL, seed=SEED)
real_labels, mapping = latent.order_by_decoded_centres(published, raw_real, centres)
ordered_centres = centres[sorted(mapping, key=mapping.get)]
decoded = latent.decode(published, ordered_centres)
decoded_widths = latent.band_width(decoded)
print(f"k = {K_REAL}; class sizes {np.bincount(real_labels).tolist()}; "
      f"decoded band widths {decoded_widths.round(1).tolist()} frames")

titles = [f"class {c}: {np.sum(real_labels == c)} C2" for c in range(K_REAL)]
crop_grid(decoded, titles=titles, vmin=None, vmax=None,
          colorbar_label="decoder output",  # the outputs span less than [0, 1]
          title="each class centre, decoded by the published model")
plt.show()

# %% [markdown]
# **Figure 5.6.** Each class's centre in latent space, decoded into an image by the
# published model, slowest class first. Look at the band along the diagonal
# narrowing from class to class: that is what numbers the classes.

# %%
PAPER_KS = range(4, 7)  # "four - six clusters", the paper's reading of its elbow
PAPER_FIG3_CLASSES = 5  # classes 0 to 4 in the paper's Figs. 2 and 3
in_range = "inside" if K_REAL in PAPER_KS else "outside"
same = ("as many classes as" if K_REAL == PAPER_FIG3_CLASSES
        else "a different number of classes from")
k_real = K_REAL
k_real_sentence = (f"The knee falls at k = {K_REAL}, {in_range} the paper's range of "
                   f"four to six, so the rebuilt figure has {same} the published one "
                   "(five).")
decoded_widths_text = (f"from {decoded_widths[0]:.0f} frames (class 0) to "
                       f"{decoded_widths[-1]:.0f} frames (class {K_REAL - 1})")
print(k_real_sentence)

# %% [markdown]
# {eval}`k_real_sentence` The decoded centres' band widths go
# {eval}`decoded_widths_text`, a broad band to a thin one. A caveat: this orders what
# the decoder makes of each class's *average* latent vector, not the class's crops,
# which were not published.
#
# ### Two clocks
#
# The start times are seconds after the end of shear; the rheometer counts from the
# start of its protocol. The published files do not say how the two line up, but the
# rheometer's shear-rate column shows where the shear stops:

# %%
rheo = paper.load_rheology()
stop = rheology.shear_stop_time(rheo)
last_sheared = rheo.time[np.abs(rheo.shear_rate) > 1e-3].max()
print(f"last sheared sample at {last_sheared:.0f} s, first at rest at {stop:.0f} s")

fig, ax = plt.subplots(figsize=(PAGE_WIDTH, 3), constrained_layout=True)
near = (rheo.time > 170) & (rheo.time < 260)
ax.plot(rheo.time[near], rheo.shear_rate[near], "o-", ms=4)
ax.axvspan(last_sheared, stop, color="tab:orange", alpha=0.3,
           label="the shear stops somewhere in here")
ax.set(xlabel="rheometer time (s)", ylabel="shear rate (1/s)")
ax.legend()
plt.show()

# %% [markdown]
# **Figure 5.7.** The rheometer's shear rate around the end of shear, one point per
# sample. Look at the gap between the last sheared sample and the first at rest
# (shaded): the stop lies somewhere in it.

# %%
real_window_ids = np.unique(start_times)
real_window_times = rheology.align_windows(real_window_ids, stop)
sheared = np.abs(rheo.shear_rate.to_numpy()) > 1e-3
real_spacing = float(np.median(np.diff(real_window_times)))
sampling_sheared = f"{np.median(np.diff(rheo.time[sheared])):g}"
sampling_at_rest = f"{np.median(np.diff(rheo.time[~sheared])):g}"
last_sheared_text = f"{last_sheared:.0f}"
stop_text = f"{stop:.0f}"
clock_gap = f"{stop - last_sheared:.0f}"
clock_share = f"{(stop - last_sheared) / real_spacing:.0%}"
real_spacing_text = f"{real_spacing:.0f}"
print(f"{real_window_ids.size} windows; on the rheometer clock they start at "
      f"{real_window_times[0]:.0f} .. {real_window_times[-1]:.0f} s")

# %% [markdown]
# The rheometer samples every {eval}`sampling_sheared` s under shear, then every
# {eval}`sampling_at_rest` s at rest. The last sheared sample reads
# {eval}`last_sheared_text` s, the first at rest {eval}`stop_text` s: the stop lies
# between the two. We take the first sample at rest, {eval}`stop_text` s, so a window
# that starts at $t$ seconds after the end of shear sits at $t$ + {eval}`stop_text` s
# on the rheometer clock. The uncertainty is at most {eval}`clock_gap` s,
# {eval}`clock_share` of the {eval}`real_spacing_text` s between windows
# (exercise 3 shifts it and looks again).
#
# ### Fig. 3, rebuilt

# %%
real_time, real_stress = rheology.stress_after_shear(rheo)
real_minima_index, real_minima = rheology.stress_minima(real_time, real_stress)
real_fractions = rheology.class_fractions(real_labels, start_times, n_classes=K_REAL)
print("stress minima (5 noise std deep):", real_minima.round(0).tolist(), "s")
real_minima_text = words.times_list(real_minima)
n_real_minima = int(real_minima.size)
first_windows_fast = f"{real_fractions.iloc[0, K_REAL - 1]:.0%}"
fractions_beside_stress(real_fractions, real_window_times, real_time, real_stress,
                        real_minima, title=f"the paper's run E031: published latents, "
                                           f"k = {K_REAL}")
plt.show()

# %% [markdown]
# **Figure 5.8.** The paper's Fig. 3, rebuilt from the published files: the share of
# the 18 sectors in each class, window by window (top; dark is slow, yellow fast),
# above the shear stress after the shear stopped (bottom), stress minima as black
# lines on both. Look at the fast class filling the first windows and at what happens
# near each minimum; the alignment test below asks whether the coincidences exceed
# chance.
#
# What the rebuilt figure shows, read plainly: in the first window after the stop
# {eval}`first_windows_fast` of the sectors are in the fastest class, as the
# stress falls steeply; then the slower classes take over, with fast sectors coming
# back in bursts throughout the rest of the run. The stress minima (black lines, at
# {eval}`real_minima_text` s) do fall near some changes in the bars, as the paper
# describes. But so do many other moments: the bars change often.
#
# ## What the figure does and does not support
#
# The same test as on the synthetic run, with the same choices made beforehand
# (fastest class, a change of 0.25, either direction).

# %% [markdown]
# **Think!** On the synthetic run the test knew a coupling was there. Here, predict
# before you run the next cell: will the real minima sit clearly closer to the
# transitions than randomly shifted minima do, so that p falls below 0.05?

# %%
REAL_FAST = [K_REAL - 1]
real_test = rheology.transition_alignment(real_fractions, real_window_times,
                                          real_minima, REAL_FAST, seed=SEED)
print(textwrap.fill(real_test.summary(), 88))

half_a_window = {f"half a window: p would be {real_test.p_at_resolution:.4f}":
                 real_test.window_spacing / 2}
permutation_histogram(real_test.null_distribution, real_test.observed,
                      real_test.p_value, markers=half_a_window,
                      xlabel="mean distance, minimum → nearest transition (s)")
plt.show()

# %% [markdown]
# **Figure 5.9.** The permutation test on the paper's run: the mean distance from the
# stress minima to their nearest transition (line) against the same for randomly
# shifted minima (histogram), with the distance an alignment to half a window would
# give. Look at where the line falls in the histogram.

# %%
DEEP = 1.0  # Pa: only the deep minima
_, deep_minima = rheology.stress_minima(real_time, real_stress, prominence=DEEP)
TWO_FAST = [K_REAL - 2, K_REAL - 1]


def real_p(minima, fast_classes):
    """The real run's p-value for other minima or another choice of fast classes."""
    return rheology.transition_alignment(real_fractions, real_window_times, minima,
                                         fast_classes, seed=SEED).p_value


p_deep, p_two_fast, p_two_fast_deep = (real_p(deep_minima, REAL_FAST),
                                       real_p(real_minima, TWO_FAST),
                                       real_p(deep_minima, TWO_FAST))
all_p = [real_test.p_value, p_deep, p_two_fast, p_two_fast_deep]
real_verdict_short = words.real_verdict_short(real_test.p_value, ALPHA, all_p)
glue("real_verdict_short", real_verdict_short, display=False)  # pasted into the intro
print(f"p = {real_test.p_value:.3f}; deep minima {p_deep:.3f}; classes {TWO_FAST} "
      f"fast: {p_two_fast:.3f}, deep {p_two_fast_deep:.3f}")

# %%
real_observed = f"{real_test.observed:.0f}"
real_null = f"{real_test.null_mean:.0f} ± {real_test.null_std:.0f}"
real_p_share = f"{real_test.p_value:.0%}"
real_p_text = words.p_text(real_test.p_value, ALPHA)
n_deep = int(deep_minima.size)
p_deep_text, p_two_fast_text, p_two_fast_deep_text = (
    words.p_text(p, ALPHA) for p in (p_deep, p_two_fast, p_two_fast_deep))
two_fast = f"{TWO_FAST[0]} and {TWO_FAST[1]}"
power_sentence = words.power_sentence(real_test.p_at_resolution, ALPHA)
real_verdict_text = words.real_verdict(
    real_test.p_value, ALPHA, n_real_minima, int(real_window_ids.size),
    int(real_test.transition_times.size))

# %% [markdown]
# The stress minima sit on average {eval}`real_observed` s from their nearest
# transition, against {eval}`real_null` s for randomly shifted minima, and
# {eval}`real_p_share` of the random shifts land at least as close (p =
# {eval}`real_p_text`). With only the minima deeper than 1 Pa ({eval}`n_deep` of
# them), p = {eval}`p_deep_text`; counting classes {eval}`two_fast` as fast
# instead, p = {eval}`p_two_fast_text` with all minima and
# {eval}`p_two_fast_deep_text` with the deep ones. {eval}`power_sentence`; and on
# synthetic runs as long as this one, a coupling built in and found by perfect
# classes, the test succeeds in {eval}`power_paper`.
#
# So, plainly:
#
# - **Supported**: the classes change over the run in an orderly way, fast right
#   after the shear and slow later with intermittent fast episodes, and the
#   classification sorts the $C_2$ by relaxation rate. Both need no coincidence test.
# - **That the transitions between slow and fast dynamics line up with the stress
#   minima**: {eval}`real_verdict_text`.
# - **What it would take** to settle it: more minima (longer runs, or several runs of
#   the same protocol), windows closer together than {eval}`real_spacing_text` s so a
#   transition is placed more precisely, and the definition of "transition" and
#   "fast" fixed before looking; trying several and keeping the best, as the variants
#   above do, is a multiple comparison that no single p-value above pays for. The
#   synthetic run shows the size of effect such a test can see.

# %% [markdown]
# ## Exercises
#
# **Exercise 1 (fill in).** Do the real run's permutation test by hand. Write the
# statistic, the mean over the stress minima of the time to the nearest transition,
# and the p-value: the share of the random shifts in `real_test.null_distribution`
# that land at least as close as the real minima, counting the real minima themselves
# as one more shift (add 1 above and below). Broadcasting the minima against the
# transitions, `minima[:, None] - transitions[None, :]`, gives every distance at once.

# %%
def mean_distance_to_nearest(minima, transitions):
    """Mean over ``minima`` (K,) of the distance (s) to the nearest transition."""
    ...  # your code: the absolute differences, the smallest per minimum, their mean


def permutation_p_value(observed, null):
    """One-sided p: the share of ``null`` (n,) at or below ``observed``, plus one."""
    ...  # your code


observed_by_hand = mean_distance_to_nearest(real_minima, real_test.transition_times)
p_by_hand = permutation_p_value(observed_by_hand, real_test.null_distribution)

# %%
check_answer("the mean distance to the nearest transition (s)", observed_by_hand,
             real_test.observed)
check_answer("the permutation p-value", p_by_hand, real_test.p_value)

# %% tags=["hide-cell"] jupyter={"source_hidden": true}
# Solution
def mean_distance_to_nearest(minima, transitions):
    """Mean over ``minima`` (K,) of the distance (s) to the nearest transition."""
    return np.abs(minima[:, None] - transitions[None, :]).min(axis=1).mean()


def permutation_p_value(observed, null):
    """One-sided p: the share of ``null`` (n,) at or below ``observed``, plus one."""
    return (1 + np.sum(null <= observed)) / (1 + null.size)


observed_by_hand = mean_distance_to_nearest(real_minima, real_test.transition_times)
p_by_hand = permutation_p_value(observed_by_hand, real_test.null_distribution)
assert check_answer("the mean distance to the nearest transition (s)", observed_by_hand,
                    real_test.observed)
assert check_answer("the permutation p-value", p_by_hand, real_test.p_value)

# %% [markdown]
# **Exercise 2: which classes count as fast?** Repeat both tests with the two fastest
# classes counted as fast. What changes, and why is it not fair to report whichever
# choice gives the smallest p?

# %% tags=["hide-cell"] jupyter={"source_hidden": true}
# Solution: more transitions (every excursion into the second-fastest class counts
# too), so a minimum is near one more easily, by chance as well. Choosing the
# definition after seeing the p-values is a multiple comparison: with several tries,
# one small p comes easily.
for name, fr, times, minima, fast in (
        ("synthetic", fractions, window_times, minima_times[inside], [K - 2, K - 1]),
        ("real", real_fractions, real_window_times, real_minima, TWO_FAST)):
    test = rheology.transition_alignment(fr, times, minima, fast, seed=SEED)
    print(f"{name}: {test.transition_times.size} transitions, mean distance "
          f"{test.observed:.0f} s against {test.null_mean:.0f} s by chance, "
          f"p = {test.p_value:.3f}")

# %% [markdown]
# **Exercise 3: the clock's uncertainty.** The shear stopped somewhere between the
# last sheared sample ({eval}`last_sheared_text` s) and the first at rest
# ({eval}`stop_text` s). Put the windows on the rheometer clock with the stop at the
# earlier time instead and rerun the real test. Does the conclusion depend on where
# in that interval the stop falls?

# %% tags=["hide-cell"] jupyter={"source_hidden": true}
# Solution: a common shift of the stop moves every window, and so every transition,
# by the same amount while the minima stay put; minima whose nearest transition lies
# before them move away, those with it after them come closer, and the random shifts
# of the null absorb any common offset. Read the printed p-values: if they stay on the
# same side of ALPHA across the interval, the conclusion does not depend on it.
for assumed_stop in (last_sheared, (last_sheared + stop) / 2, stop):
    times = rheology.align_windows(real_window_ids, assumed_stop)
    test = rheology.transition_alignment(real_fractions, times, real_minima, REAL_FAST,
                                         seed=SEED)
    print(f"stop at {assumed_stop:.0f} s: mean distance {test.observed:.0f} s, "
          f"p = {test.p_value:.2f}")

# %% [markdown]
# ## Check your understanding
#
# **Question 1.** The permutation test shifts all the stress minima together by one
# random offset, wrapping around the run, rather than placing each minimum at a
# random time of its own. Why?
#
# - A. Shifting them together is faster to compute.
# - B. It keeps the number and spacing of the minima and destroys only their timing
#   relative to the transitions, which is exactly the relation under test.
# - C. Random times of their own would make the test too strict, never giving a small p.
#
# <details><summary>Answer</summary>
#
# **B.** The null hypothesis is "the minima bear no relation to the transitions",
# not "the minima are scattered at random": stress minima come roughly regularly,
# and a null that scatters them would compare the real minima with arrangements the
# rheometer never produces. A is not the reason (both are cheap). C is not the point
# either: minima scattered one by one would test a different null (any number of
# minima bunched anywhere), not whether these minima relate to the transitions.
#
# </details>

# %% [markdown]
# **Question 2.** Suppose the test on a real run gives p well above the chosen level.
# What may you conclude?
#
# - A. The stress minima and the class transitions are unrelated.
# - B. The paper's reading is wrong.
# - C. With this many minima and windows, this measure cannot tell the alignment the
#   paper describes from chance: the relation is not shown, which is not the same as
#   shown false.
#
# <details><summary>Answer</summary>
#
# **C.** A large p says the data are compatible with no relation; it does not say
# there is none (A), nor that the paper's reading is false (B). With a handful of
# minima and transitions this frequent, chance often puts minima as near a transition
# as the real ones: a loose alignment cannot stand out. What a large p does exclude is
# an alignment as tight as the windows can resolve, if that alignment's own p is small.
#
# </details>

# %% [markdown]
# ## Summary
#
# - On a synthetic run built with a coupling between avalanche bursts and stress
#   drops, encoding, k-means (k = 5) and numbering the classes by band width give a
#   fastest class that {eval}`synthetic_tracking_short`; the permutation test on its
#   transitions gave p = {eval}`synthetic_p` with
#   {eval}`synthetic_n_minima` minima; with true classes its power is
#   {eval}`power_synthetic`, at the paper's length {eval}`power_paper`.
# - The paper's Fig. 3 rebuilt from the published latents: the knee gives k =
#   {eval}`k_real`; the windows go on the rheometer clock at the first resting
#   sample, {eval}`stop_text` s (the stop lies after the last sheared sample,
#   {eval}`last_sheared_text` s); the stress minima sit at {eval}`real_minima_text` s.
# - The figure shows an orderly evolution of the dynamics; the alignment of
#   transitions with stress minima that the paper reads in it
#   {eval}`real_verdict_short`, with {eval}`n_real_minima` minima in one run.
#
# ## What's next
#
# Chapter 6 uses the latent space to search: given a $C_2$ you care about, find the
# ones most like it, the paper's Fig. 4, and bring your own data to the search.

# %%
FRAME.finish()
