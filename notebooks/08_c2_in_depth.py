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
# # 8. $C_2$ as a beamline computes it
#
# ## Overview
#
# Chapter 1 computed $g_2$ and $C_2$ and read the pictures; that is all the later
# chapters need. This chapter is optional depth for a reader who will compute $C_2$
# from a real detector, or read a beamline's result files, and wants to know what the
# numbers in them mean. On the same simulated movie as chapter 1 you will:
#
# 1. open the multi-tau correlator: its ladder of lags, what it saves and what it
#    gives up against $C_2$;
# 2. compare the two forms of $C_2$, the paper's and the beamline's ratio form, and a
#    variant to avoid (each pixel divided by its own mean);
# 3. see why beamlines divide frame by frame (flux jitter) and by *static* bins
#    finer than the ROI (uneven mean intensity);
# 4. put error bars on $g_2$ read off $C_2$, and test whether a fit's ± can be
#    trusted;
# 5. handle a detector's real size: sparse photons, frames streamed from disk, empty
#    frames, and maps binned by age and lag.
#
# ## Prerequisites
#
# | you need | where to get it |
# | --- | --- |
# | speckle, ROIs, $g_2$, the Siegert relation, the paper's form of $C_2$ | chapter 1 |
# | a least-squares fit and its error bars | any data-analysis course |
# | sparse matrices (rows, columns, non-zeros) | the SciPy documentation |
#
# Time to run: about a minute at the `fast` preset on a laptop CPU, a few minutes at
# `class`, longer at `paper` (its maps are 5,000 frames on a side).

# %% tags=["parameters"]
from xpcs_nb.presets import preset_for_this_machine

# $XPCS_PRESET, else "class" with a CUDA GPU, "fast" without; or "class_cpu", "paper"
PRESET = preset_for_this_machine()
SEED = 2024  # the seed of chapter 1: the same speckle movie
FRAME_TIME = 0.01  # s per frame
RATE = 2.0  # relaxation rate Gamma at q_ref = 0.024 nm^-1, 1/s

# %%
import tempfile
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import scipy.sparse

from xpcs_nb import correlation as corr
from xpcs_nb import simulate as sim
from xpcs_nb import words
from xpcs_nb.chapter import start_chapter
from xpcs_nb.checks import check_answer
from xpcs_nb.geometry import Detector
from xpcs_nb.plotting import PAGE_WIDTH, show_c2
from xpcs_nb.plotting.lag_ladder import lag_ladder, pair_averaging
from xpcs_nb.presets import get_preset

P = get_preset(PRESET)
print(f"preset {P.name!r}: {P.detector_side}x{P.detector_side} pixels, "
      f"{P.n_frames} frames of {FRAME_TIME} s")

# %%
FRAME = start_chapter(8, PRESET)

# %% [markdown]
# ## Chapter 1's movie again
#
# The same detector (55 µm pixels, 8 m from the sample, 11 keV photons), the same 18
# sectors of the ring $0.019 < q < 0.029$ nm$^{-1}$, and the same equilibrium movie:
# 4 speckle grains per pixel (contrast $\beta$ = 0.25), one photon per pixel per
# frame, Brownian dynamics.

# %%
detector = Detector(shape=(P.detector_side, P.detector_side), pixel_size=55e-6,
                    distance=8.0, wavelength=1.127e-10)
q_map = detector.q_map()  # (H, W), nm^-1
azimuth_map = detector.azimuth_map()  # (H, W), degrees
PAPER_Q_RING = (0.019, 0.029)  # nm^-1
labels = corr.roi_partition(q_map, azimuth_map, q_edges=PAPER_Q_RING, n_sectors=18)
equilibrium = sim.simulate_movie(
    detector, sim.stationary(RATE), n_frames=P.n_frames, dt=FRAME_TIME, seed=SEED,
    grains_per_pixel=4, photons_per_pixel=1.0)
frames = equilibrium.frames  # (T, H, W) photon counts
n_frames = int(P.n_frames)
print(f"{labels.max()} ROIs; frames {frames.shape}, "
      f"{frames.mean():.2f} photons per pixel per frame")

# %% [markdown]
# ## Multi-tau: a ladder of lags
#
# A movie of $T$ frames has $T - 1$ lags. Correlating every pair of frames costs
# $T^2/2$ products per pixel, and it samples a decay that spans decades very
# unevenly: a handful of lags where $g_2$ changes fastest, thousands where it is flat.
# Beamline software computes $g_2$ with a **multi-tau** correlator instead
# (`corr.multi_tau_g2`, with the lags and normalisation of scikit-beam):
#
# - level 0 takes the raw frames and the lags $0, 1, \dots, m - 1$ frames ($m$ is
#   `num_bufs`, `MT_BUFS` = 8 here, as in chapter 1);
# - level $L + 1$ averages the frames of level $L$ in pairs, so each of its frames
#   spans $2^{L+1}$ raw frames, and takes the lags $m/2, \dots, m - 1$ of *its*
#   frames: $2^{L+1} m/2, \dots, 2^{L+1}(m-1)$ raw frames;
# - so the lags double from level to level and, within a level, are $2^L$ frames
#   apart: about $m/2$ lags per doubling, nearly evenly spaced on a log axis.
#
# The figure draws this chapter's correlator (6 levels of 8 buffers) from the
# package's own lag function, `corr.multi_tau_lags`, with the lags of the two-time
# map of the same movie for comparison.

# %%
MT_LEVELS, MT_BUFS = 6, 8  # the multi-tau correlator of chapters 1 and 8
mt_lags, mt_level = corr.multi_tau_lags(MT_LEVELS, MT_BUFS)  # lags (frames), levels
fig, axes = plt.subplots(1, 2, figsize=(PAGE_WIDTH, 3.2), constrained_layout=True,
                         gridspec_kw={"width_ratios": [1, 1.4]})
pair_averaging(4, 16, ax=axes[0])
lag_ladder(MT_LEVELS, MT_BUFS, dt=FRAME_TIME, two_time_frames=n_frames, ax=axes[1])
plt.show()

# %% [markdown]
# **Figure 8.1.** Left: how each level of the correlator averages the frames of the
# level below in pairs. Right: the lags each level measures (dots, one row per
# level), against the one-frame spacing of every lag of the two-time map. Look at how
# the spacing between the dots grows with the lag.

# %% [markdown]
# **Think!** The two-time map multiplies every pair of frames; the multi-tau
# correlator only the pairs its lags need, on fewer and fewer averaged frames. For
# this movie, will the two-time map multiply about 2, about 10 or about 100 times
# as many pairs of frames per pixel? The next cell counts them.

# %%
# level L has T // 2^L frames, and its lag k (in level-L frames) pairs n_L - k of
# them; the two-time map pairs all T (T + 1) / 2
mt_pairs = sum(n_frames // 2**level - lag // 2**level
               for lag, level in zip(mt_lags, mt_level))
c2_pairs = n_frames * (n_frames + 1) // 2
print(f"multi-tau: {len(mt_lags) - 1} lags up to {mt_lags[-1]} frames, "
      f"{mt_pairs} pairs of frames per pixel")
print(f"two-time: {n_frames - 1} lags, {c2_pairs} pairs")
mt_n_lags = int(len(mt_lags) - 1)
mt_max_lag = float(mt_lags[-1] * FRAME_TIME)
mt_last_step = int(2 ** mt_level[-1])
mt_pairs_text, c2_pairs_text = words.thousands(mt_pairs), words.thousands(c2_pairs)
pair_ratio = float(c2_pairs / mt_pairs)
c2_megabytes = float(n_frames**2 * 4 / 1e6)

# %% [markdown]
# The two-time map multiplies {eval}`f"{pair_ratio:.0f}"` times as many pairs. What
# multi-tau gains, and what it gives up, against $C_2$:
#
# - **Time and memory.** Its {eval}`mt_n_lags` lags multiply
#   {eval}`mt_pairs_text` pairs of frames per pixel in this movie of
#   {eval}`n_frames` frames; every pair, as $C_2$ needs, is
#   {eval}`c2_pairs_text`, and the ratio grows with $T$. A multi-tau correlator can
#   run while the frames arrive, keeping only $m$ frames per level; $C_2$ is $T^2$
#   numbers per ROI, {eval}`f"{c2_megabytes:.1f}"` MB in float32 for each ROI here.
# - **Lag resolution at long lags.** Level $L$ measures only every $2^L$-th lag, on
#   frames averaged over $2^L$: at its longest lag, {eval}`f"{mt_max_lag:.2f}"` s, the
#   step is {eval}`mt_last_step` frames, and anything faster than that is averaged
#   away. $C_2$ has every lag up to $T - 1$ frames at one frame's resolution.
# - **Time dependence.** Like any $g_2$, it averages over the start time $t$: a
#   change of the dynamics during the movie is blended into one curve. $C_2$ keeps
#   both times; that is why the rest of this book works with it.
#
# ## Two forms of $C_2$, and a variant to avoid
#
# Chapter 1 wrote the paper's form (Methods V B, eqs. 1-2): fluctuations
# $D(p, t) = I(p, t)/\langle I(Q)\rangle_t - 1$ normalised by the time-averaged
# intensity of a static bin of pixels at that $q$ (the package takes the ROI itself),
# correlated and averaged over the ROI's pixels; baseline 0. Beamline software
# (APS 8-ID-I, scikit-beam) normalises by the ROI's mean *in each frame* instead:
#
# $$ C_2^{\text{ratio}}(t_1, t_2) = \frac{\langle I(p, t_1)\, I(p, t_2) \rangle_p}
#    {\langle I(p, t_1) \rangle_p\, \langle I(p, t_2) \rangle_p} , $$
#
# baseline 1. When the ROI's mean hardly changes from frame to frame the two agree up
# to that offset, $C_2^{\text{paper}} \approx C_2^{\text{ratio}} - 1$.
#
# It is tempting to divide each pixel by *its own* time average instead,
# $D(p, t) = I(p, t)/\langle I(p)\rangle_t - 1$ (`form="paper_per_pixel"`; earlier
# versions of this book called it the paper form). It is a different quantity. Each
# pixel's fluctuation now sums to zero over the movie, so every row of $C_2$ sums to
# zero, and a finite window lends each pixel a mean that already contains part of
# the fluctuation being measured: a pixel that sat on a bright speckle for much of
# the movie gets a large mean and a damped fluctuation. The next figure plots each
# form against the ratio form, pair of frames by pair of frames.

# %%
c2_paper = corr.two_time(frames, labels, form="paper")  # (18, T, T)
c2_ratio = corr.two_time(frames, labels, form="ratio")
c2_per_pixel = corr.two_time(frames, labels, form="paper_per_pixel")
off_diagonal = ~np.eye(n_frames, dtype=bool)
x_all = (c2_ratio[0][off_diagonal] - 1).astype(np.float64)  # sector 1
y_all = {"paper form": c2_paper[0][off_diagonal].astype(np.float64),
         "per-pixel variant": c2_per_pixel[0][off_diagonal].astype(np.float64)}
slopes = {name: float(np.polyfit(x_all, y, 1)[0]) for name, y in y_all.items()}
slope_paper, slope_per_pixel = slopes["paper form"], slopes["per-pixel variant"]

# %%
fig, axes = plt.subplots(1, 3, figsize=(PAGE_WIDTH, 3.1), constrained_layout=True)
show_c2(axes[0], c2_paper[0], dt=FRAME_TIME, title="paper form\n(baseline 0)")
show_c2(axes[1], c2_ratio[0], dt=FRAME_TIME, title="ratio form\n(baseline 1)")
sample = np.random.default_rng(SEED).choice(off_diagonal.sum(), 4000, replace=False)
for (name, y), colour in zip(y_all.items(), ("tab:blue", "tab:orange")):
    axes[2].plot(x_all[sample], y[sample], ".", ms=2, alpha=0.4, color=colour,
                 label=f"{name}, slope {slopes[name]:.2f}")
lim = np.array([x_all.min(), x_all.max()])
axes[2].plot(lim, lim, "k-", lw=1, label="equal")
axes[2].set_xlabel("ratio form $- 1$")
axes[2].set_ylabel("paper form / variant")
axes[2].set_title("sector 1,\noff-diagonal pairs")
axes[2].legend(fontsize=6, markerscale=3)
plt.show()

# %% [markdown]
# **Figure 8.2.** Sector 1 of the equilibrium movie in the paper's form and the ratio
# form (left, middle: the same picture, offset by 1), and every off-diagonal pair of
# frames of the two against the ratio form (right). Look at the orange cloud: it lies
# below the line of equality.
#
# The paper's form lies on the diagonal, slope {eval}`f"{slope_paper:.2f}"`, while
# the per-pixel variant falls below it, slope {eval}`f"{slope_per_pixel:.2f}"`. The
# effect shrinks as the movie grows longer than the relaxation time.

# %% [markdown]
# **Think!** The variant fails worst on a sample that barely moves. Take frozen
# speckle, a relaxation time far longer than the movie. Off the diagonal, what level
# do you expect from the paper's form: about 0, about the contrast 0.25, or about
# 1.25? And from the per-pixel variant? The next cell simulates it.

# %%
frozen = sim.simulate_movie(detector, sim.stationary(RATE * 1e-4),
                            n_frames=min(n_frames, 1000), dt=FRAME_TIME, seed=SEED + 5,
                            grains_per_pixel=4, photons_per_pixel=2.0)
frozen_c2 = {form: corr.two_time(frozen.frames, labels == 1, form=form)[0]
             for form in ("paper", "paper_per_pixel")}
frozen_level = {form: float(corr.g2_from_c2(c2).mean())
                for form, c2 in frozen_c2.items()}
frozen_paper, frozen_per_pixel = frozen_level["paper"], frozen_level["paper_per_pixel"]
fig, axes = plt.subplots(1, 2, figsize=(PAGE_WIDTH, 3.4), constrained_layout=True)
for ax, (form, title) in zip(axes, (("paper", "paper form"),
                                    ("paper_per_pixel", "per-pixel variant"))):
    show_c2(ax, frozen_c2[form], dt=FRAME_TIME, vmin=-0.05, vmax=0.4,
            title=f"frozen speckle, {title}\n"
                  f"mean off-diagonal {frozen_level[form]:.3f}")
plt.show()

# %% [markdown]
# **Figure 8.3.** Sector 1 of a movie whose speckle does not change, in the paper's
# form (left) and the per-pixel variant (right), on the same colour scale. Look at the
# level away from the diagonal.
#
# Off the diagonal the paper's form gives {eval}`f"{frozen_paper:.3f}"` (the contrast
# is 0.25), the per-pixel variant {eval}`f"{frozen_per_pixel:.3f}"`. Every pixel
# keeps its speckle intensity, and its own time average *is* that intensity, so the
# per-pixel fluctuation is Poisson noise alone: the variant says the sample has
# decorrelated completely. The paper's form divides by the ROI's mean, so the static
# speckle stays at the contrast, the signature of a sample that has not moved.
#
# ## Flux jitter: why beamlines divide frame by frame
#
# The incoming flux jitters. If every frame is brighter or dimmer by a common factor,
# the ratio form divides it out frame by frame, while the paper's form, normalised
# over time, sees the jitter as a correlated fluctuation of all pixels:

# %%
flux = 1.0 + 0.2 * np.random.default_rng(SEED + 1).standard_normal(n_frames)  # ±20 %
jittered = frames * flux[:, None, None]  # every pixel of a frame brighter or dimmer
whole_ring = labels > 0  # all 18 sectors as one ROI, to see the effect above the noise
fig, axes = plt.subplots(1, 2, figsize=(PAGE_WIDTH, 3.4), constrained_layout=True)
for ax, form in zip(axes, ("paper", "ratio")):
    show_c2(ax, corr.two_time(jittered, whole_ring, form=form)[0], dt=FRAME_TIME,
            title=f"{form} form, flux jitter ±20 %")
plt.show()

# %% [markdown]
# **Figure 8.4.** The whole ring of the equilibrium movie with every frame scaled by a
# random factor (±20 %), in the paper's form (left) and the ratio form (right). Look
# for the horizontal and vertical stripes: only the paper's form has them.
#
# ## What to divide by: static bins
#
# The ratio form divides each frame by the ROI's mean in that frame. That is right
# when every pixel of the ROI has the same mean intensity. A real ROI often does not:
# the SAXS intensity can fall steeply across a wide $q$ ring, a bright streak or the
# edge of the beamstop's shadow can cross it. Pixels of different mean then look, to
# the ratio form, like a speckle pattern that never changes: the off-diagonal
# baseline rises above 1 by the spread of the means, $\langle a^2\rangle/\langle
# a\rangle^2 - 1$, whatever the sample does.
#
# APS 8-ID-I's correlator (boost_corr) avoids this: before correlating, it divides
# each frame by its own mean over *static* $q$ bins, finer than the dynamic ROI (its
# `sqmap`), so that every pixel enters with mean 1 within its bin. `two_time` does
# the same with `static_labels=`:
#
# $$ Y(p, t) = \frac{I(p, t)}{\langle I(t)\rangle_{b(p)}}, \qquad
#    C_2(t_1, t_2) = \frac{\langle Y(p, t_1)\, Y(p, t_2)\rangle_p}
#    {\langle Y(p, t_1)\rangle_p \langle Y(p, t_2)\rangle_p}, $$
#
# with $b(p)$ the static bin of pixel $p$; when the static bins are the ROIs
# themselves this is the plain ratio form. The simplest test case: one sector whose
# inner half is four times brighter than its outer half (two static bins), under an
# incident flux that drifts from 50 % to 150 % over the movie.

# %%
split_q = np.median(q_map[labels == 1])
two_levels = np.where(q_map < split_q, 4.0, 1.0)  # inner half of a sector 4x brighter
static_bins = corr.roi_partition(  # each sector cut in two at split_q
    q_map, azimuth_map, q_edges=[PAPER_Q_RING[0], split_q, PAPER_Q_RING[1]],
    n_sectors=18)
demo_frames = min(n_frames, 1000)  # enough for a baseline; bounds the memory at paper
noiseless = sim.simulate_movie(detector, sim.stationary(RATE), n_frames=demo_frames,
                               dt=FRAME_TIME, seed=SEED + 6, photons_per_pixel=None)
drift = np.linspace(0.5, 1.5, demo_frames)
drifting = np.random.default_rng(SEED + 7).poisson(  # counts, (T, H, W)
    2.0 * drift[:, None, None] * two_levels * noiseless.frames)
c2_plain = corr.two_time(drifting, labels == 1, form="ratio")[0]
c2_static = corr.two_time(drifting, labels == 1, form="ratio",
                          static_labels=static_bins)[0]
baseline_plain = float(corr.g2_from_c2(c2_plain)[demo_frames // 4:].mean())
baseline_static = float(corr.g2_from_c2(c2_static)[demo_frames // 4:].mean())
levels_in_sector = two_levels[labels == 1]  # the mean-intensity level a of each pixel
baseline_theory = float(np.mean(levels_in_sector**2) / np.mean(levels_in_sector) ** 2)

# %%
fig, axes = plt.subplots(1, 3, figsize=(PAGE_WIDTH, 3.0), constrained_layout=True)
show_c2(axes[0], c2_plain, dt=FRAME_TIME, title="ratio form", vmin=0.95, vmax=1.7)
show_c2(axes[1], c2_static, dt=FRAME_TIME, title="ratio form,\nstatic bins",
        vmin=0.95, vmax=1.7)
lag_axis = np.arange(1, demo_frames) * FRAME_TIME
axes[2].semilogx(lag_axis, corr.g2_from_c2(c2_plain), label="ratio form")
axes[2].semilogx(lag_axis, corr.g2_from_c2(c2_static), label="with static bins")
axes[2].axhline(1.0, color="k", lw=0.8)
axes[2].set_xlabel("lag $\\tau$ (s)")
axes[2].set_ylabel("$g_2$ from $C_2$")
axes[2].set_title("two levels,\ndrifting flux")
axes[2].legend(fontsize=7)
plt.show()

# %% [markdown]
# **Figure 8.5.** One sector with two mean intensities (inner half four times the
# outer) under a drifting flux: the plain ratio form (left), the ratio form with two
# static bins (middle), and the $g_2$ read off each (right). Look at where each $g_2$
# settles at long lags.
#
# The plain ratio form settles at a baseline of {eval}`f"{baseline_plain:.2f}"`
# (the spread of the means predicts $\langle a^2\rangle/\langle a\rangle^2$ =
# {eval}`f"{baseline_theory:.2f}"` for levels 4 and 1 over the two halves), the form
# with static bins at {eval}`f"{baseline_static:.3f}"`: only the second one says that
# the sample has fully decorrelated. The drift itself does no harm to either, since
# both divide frame by frame. Where the static bins are the ROI, as in the rest of
# this book's synthetic data (every pixel of a sector has the same mean), both give
# the same numbers.
#
# ## From $C_2$ back to $g_2$, with error bars
#
# In equilibrium, $C_2$ depends only on $t_2 - t_1$, so averaging each diagonal of the
# ratio form gives back $g_2$: the one-time correlation is a summary of the two-time
# one, valid exactly when nothing changes. Each lag $k$ averages $T - k$ pairs of
# frames; `g2_with_errors` also returns that count and a standard error per lag (by
# batch means along the diagonal, because neighbouring pairs share a slowly changing
# speckle). With those errors a fit can be weighted. Whether its $\chi^2_{\text{red}}$
# and its ± can then be trusted is a question the data can answer: the 18 sectors
# are 18 independent measurements of the same dynamics.

# %%
g2_diag = corr.g2_with_errors(c2_ratio, max_lag=n_frames // 4)  # lags up to T/4
diagonal_lags = g2_diag.lags * FRAME_TIME
lags, g2 = corr.multi_tau_g2(frames, labels, num_levels=MT_LEVELS, num_bufs=MT_BUFS)
fig, ax = plt.subplots(figsize=(6.5, 4), constrained_layout=True)
ax.errorbar(diagonal_lags, g2_diag.g2[0], yerr=g2_diag.stderr[0], fmt="-", lw=0.8,
            elinewidth=0.5, label="mean of each diagonal of $C_2$, ± standard error")
ax.plot(lags[1:] * FRAME_TIME, g2[0, 1:], "o", label="multi-tau $g_2$")
ax.set_xscale("log")
ax.set_xlabel("lag $\\tau$ (s)")
ax.set_ylabel("$g_2$")
ax.legend()
plt.show()

# %% [markdown]
# **Figure 8.6.** Sector 1: $g_2$ as the mean of each diagonal of $C_2$ with its
# standard error (line and bars), and the multi-tau $g_2$ of the same movie (dots).
# Look at how the two agree, and at the error bars, which grow with the lag.

# %% [markdown]
# **Think!** Fit each of the 18 sectors with these errors as weights. If the errors
# are right, the fitted rates should scatter from sector to sector by about the ±
# each fit quotes, and $\chi^2_{\text{red}}$ should be near 1. Do you expect both to
# hold? The next cell checks.

# %%
weighted = [corr.fit_kww(diagonal_lags, g2_diag.g2[r], sigma=g2_diag.stderr[r],
                         absolute_sigma=True, fix_alpha=1.0)
            for r in range(labels.max())]
sector_rates = np.array([f.rate for f in weighted])
quoted = float(np.mean([f.rate_err for f in weighted]))
understated = float(sector_rates.std(ddof=1) / quoted)
chi2_sector1 = float(weighted[0].chi2_red)
chi2_mean = float(np.mean([f.chi2_red for f in weighted]))
print(f"sector 1: Gamma = {weighted[0].rate:.2f} ± {weighted[0].rate_err:.2f} 1/s, "
      f"chi2_red = {chi2_sector1:.2f}")
print(f"18 sectors: Gamma scatters by {sector_rates.std(ddof=1):.3f} 1/s, "
      f"the fits quote ± {quoted:.3f}")
# the per-lag errors, checked the same way: the scatter of each lag's g2 over the
# sectors against the standard error they quote for it (1 if they are right)
per_lag = g2_diag.g2.std(axis=0, ddof=1) / np.nanmean(g2_diag.stderr, axis=0)
per_lag_ratio = float(np.nanmedian(per_lag))
print(f"per lag: scatter over the sectors / quoted standard error, "
      f"median {per_lag_ratio:.2f}")
fit_trust = words.error_reading(chi2_mean, understated)

# %% [markdown]
# Lag by lag, the sectors' $g_2$ scatter {eval}`f"{per_lag_ratio:.2f}"` times the
# standard error they quote (median over the lags; 1 means the per-lag errors are
# right). The fits are another matter. Sector 1's $\chi^2_{\text{red}}$ is
# {eval}`f"{chi2_sector1:.2f}"`, the mean over the sectors
# {eval}`f"{chi2_mean:.2f}"`: {eval}`fit_trust`. One cause explains it: neighbouring
# lags average nearly the same frames, so their errors are strongly correlated, and
# least squares treats them as independent. A $\chi^2_{\text{red}}$ computed with
# correlated errors does not measure how good the ± is. The test
# `tests/test_correlation_g2.py` checks the same facts over 30 seeds of a simulated stack
# (`.venv/bin/pytest tests/test_correlation_g2.py -q --slow`; the comment over its g2-error
# tests gives the numbers it measured). Trust the scatter between independent ROIs or repeated runs more than a
# single fit's ±.
#
# ## At a detector's real size: sparse photons and frames on disk
#
# The paper's Lambda 750k detector has 512 × 1536 pixels, and its correlations take
# groups of 5,000 frames: 7.9 GB of 16-bit counts, more than a laptop holds. Two
# facts make it tractable. Real XPCS counts are *sparse*: at a fraction of a photon
# per pixel per frame almost every value is zero, so a sparse matrix (row = frame,
# column = pixel) stores only the photons, and `two_time` correlates it without ever
# making it dense. And the frames need not be in memory at all: `open_frames` reads
# an HDF5 dataset or a `.npy` file a block of frames at a time, and `two_time` then
# holds only its output and two blocks. Both give the same $C_2$ as the array. Here is
# sector 1 of an equilibrium movie at 0.05 photons per pixel per frame, as a sparse
# matrix and from a file:

# %%
faint = sim.simulate_movie(detector, sim.stationary(RATE), n_frames=n_frames,
                           dt=FRAME_TIME, seed=SEED + 20, photons_per_pixel=0.05).frames
sector1 = labels == 1
photons = scipy.sparse.csr_matrix(faint.reshape(len(faint), -1))  # row t is frame t
sparse_density = float(100 * photons.nnz / faint.size)
sparse_bytes = photons.data.nbytes + photons.indices.nbytes + photons.indptr.nbytes
sparse_storage = float(sparse_bytes / faint.nbytes)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", RuntimeWarning)  # a frame may catch no photon
    c2_dense = corr.two_time(faint, sector1)[0]
    c2_sparse = corr.two_time(photons, sector1)[0]
    with tempfile.TemporaryDirectory() as tmp:
        np.save(Path(tmp) / "frames.npy", faint)
        on_disk = corr.open_frames(Path(tmp) / "frames.npy")
        c2_streamed = corr.two_time(on_disk, sector1, block_frames=n_frames // 4)[0]
print(f"{sparse_density:.1f} % of the counts are non-zero; sparse storage "
      f"{sparse_storage:.2f} of the dense {faint.dtype} stack")
print(f"largest |C2 difference|: sparse {np.nanmax(np.abs(c2_sparse - c2_dense)):.1e}, "
      f"streamed {np.nanmax(np.abs(c2_streamed - c2_dense)):.1e}")

# %% [markdown]
# Only {eval}`f"{sparse_density:.1f}"` % of the counts are non-zero, and the sparse
# matrix takes {eval}`f"{sparse_storage:.2f}"` of the dense stack's memory. The work
# shrinks faster still: a sparse product multiplies only pairs of photons in the same
# pixel, about the square of the density times the dense product's work.
# `benchmarks/bench_correlation.py` measures both paths side by side, and the peak
# memory of the streamed one; `book/performance.md` has the numbers.
#
# So few photons also change how $g_2$ is best computed. The mean of each diagonal of
# $C_2$ averages ratios $N \sum_p I I / (\sum_p I \sum_p I)$ pair of frames by pair of
# frames, and a frame in which the ROI caught no photon makes its whole row of $C_2$
# NaN (0/0): every lag whose diagonal crosses it is lost. Beamline correlators divide
# *sums* instead, $g_2(k) = \langle I(t) I(t+k)\rangle / (\langle I(t)\rangle
# \langle I(t+k)\rangle)$ with each mean over the pixels and all pairs of frames $k$
# apart (`g2_ratio_of_sums`), where an empty frame only adds zeros:

# %%
dark = faint.copy()
dark[len(dark) // 3] = 0  # one frame without any photon, e.g. a beam drop
with warnings.catch_warnings():
    warnings.simplefilter("ignore", RuntimeWarning)
    g2_diagonal = corr.g2_from_c2(corr.two_time(dark, sector1))[0]
    g2_sums = corr.g2_ratio_of_sums(dark, sector1)
dark_nan_lags = int(np.isnan(g2_diagonal).sum())
dark_all_lags = len(g2_diagonal)
print(f"lags 1..{dark_all_lags}: diagonal mean NaN at {dark_nan_lags}, "
      f"ratio of sums NaN at {int(np.isnan(g2_sums.g2).sum())}")

# %% [markdown]
# One empty frame costs the diagonal mean {eval}`dark_nan_lags` of
# {eval}`dark_all_lags` lags; the ratio of sums keeps them all. Where the ROI's
# intensity is steady the two agree; where it changes from frame to frame they differ
# slightly (a mean of ratios is not a ratio of means), so a fit should say which one
# it used.
#
# Long series make large maps: 20,000 frames give $4 \times 10^8$ values per ROI.
# `bin_c2` averages $C_2$ in square blocks of $(t_1, t_2)$; `age_lag` re-indexes it by
# the age $(t_1 + t_2)/2$ and the lag $t_2 - t_1$ of each pair, so that each row is the
# $g_2$ of one stretch of the experiment. Here is chapter 1's aging sample, whose rate
# falls as $\Gamma(t) = \Gamma_0/(1 + t/t_a)$, in four age bins:

# %%
duration = n_frames * FRAME_TIME
aging = sim.simulate_movie(detector, sim.aging(rate0=20.0, t_age=duration / 20),
                           n_frames=n_frames, dt=FRAME_TIME, seed=SEED + 10,
                           grains_per_pixel=4, photons_per_pixel=2.0)
c2_aging = corr.two_time(aging.frames, labels == 1, form="ratio")[0]
edges, age_lags, by_age = corr.age_lag(c2_aging, age_bin=n_frames // 4,
                                       max_lag=n_frames // 4)
fig, ax = plt.subplots(figsize=(6.5, 3.6), constrained_layout=True)
for a in range(len(edges) - 1):
    start, end = edges[a] * FRAME_TIME, edges[a + 1] * FRAME_TIME
    ax.semilogx(age_lags[1:] * FRAME_TIME, by_age[a, 1:],
                label=f"age {start:.1f}-{end:.1f} s")
ax.set_xlabel("lag $t_2 - t_1$ (s)")
ax.set_ylabel("$C_2$ averaged at each age")
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# **Figure 8.7.** The aging sample's $C_2$ (sector 1, ratio form) averaged over pairs
# of frames of the same age, one curve per quarter of the movie, against the lag.
# Look at how the decay moves to longer lags as the sample ages: each curve is the
# $g_2$ of one stretch of the experiment.
#
# ## Exercises
#
# **Exercise 1 (fill in).** Write $g_2$ from $C_2$ yourself: the mean of each
# diagonal above the main one, for the lags of 1, 2, ..., $T - 1$ frames, as
# `corr.g2_from_c2` does. `np.diagonal(c2, offset=k)` is the diagonal of lag $k$.
# Replace the `...`, run the cell, then run the check below it.

# %%
def g2_from_diagonals(c2: np.ndarray) -> np.ndarray:
    """Mean of each diagonal of c2 (T, T) above the main one -> g2 (T - 1,)."""
    return ...  # an array: the mean of the diagonal of lag k, for k = 1 .. T-1


my_g2 = g2_from_diagonals(c2_ratio[0])  # sector 1 of the equilibrium movie

# %%
check_answer("your g2 of sector 1", my_g2, corr.g2_from_c2(c2_ratio[0]),
             rtol=1e-4, atol=1e-6)

# %% tags=["hide-cell"] jupyter={"source_hidden": true}
# Solution: np.diagonal(c2, offset=k) holds C2(t, t + k) for t = 0 .. T-1-k.
def g2_from_diagonals(c2: np.ndarray) -> np.ndarray:
    """Mean of each diagonal of c2 (T, T) above the main one -> g2 (T - 1,)."""
    n = c2.shape[0]
    return np.array([np.diagonal(c2, offset=k).mean() for k in range(1, n)])


my_g2 = g2_from_diagonals(c2_ratio[0])
assert check_answer("your g2 of sector 1", my_g2, corr.g2_from_c2(c2_ratio[0]),
                    rtol=1e-4, atol=1e-6)

# %% [markdown]
# **Exercise 2: why the rows sum to zero.** Check numerically that every row of the
# per-pixel variant `c2_per_pixel[0]` sums to zero (to float32 precision), and that
# the rows of the paper's form `c2_paper[0]` do not. Explain both in one line from the
# definitions of $D(p, t)$.

# %% tags=["hide-cell"] jupyter={"source_hidden": true}
# Solution: with each pixel's own mean, the sum over t2 of D(p, t2) is zero for each
# pixel, and a row sum is the pixel average of D(p, t1) times that sum.  With the
# ROI's mean S, the sum over t2 of D(p, t2) = T (<I(p)>_t / S - 1), which is not zero
# for a pixel brighter or dimmer than the ROI's mean.
for name, c2 in (("per-pixel variant", c2_per_pixel[0]), ("paper form", c2_paper[0])):
    row_sums = c2.astype(np.float64).sum(axis=1)
    print(f"{name}: largest |row sum| {np.abs(row_sums).max():.2e} "
          f"(row values of order {c2.max():.2f})")

# %% [markdown]
# **Exercise 3: a finer ladder.** Count the lags and the pairs of frames per pixel of
# a multi-tau correlator with 16 buffers instead of 8 (and the same 6 levels). What
# does it gain at long lags, and what does it cost?

# %% tags=["hide-cell"] jupyter={"source_hidden": true}
# Solution: twice the buffers give about twice the lags per doubling, so a finer
# ladder and a longer reach (the last level ends at 2^5 * 15 frames); the pairs grow
# about as the lags do, still far fewer than the two-time map's.
for bufs in (8, 16):
    lags_b, level_b = corr.multi_tau_lags(MT_LEVELS, bufs)
    pairs_b = sum(n_frames // 2**lv - lag // 2**lv for lag, lv in zip(lags_b, level_b))
    print(f"{bufs} buffers: {len(lags_b) - 1} lags up to {lags_b[-1]} frames, "
          f"{pairs_b} pairs per pixel")

# %% [markdown]
# ## Check your understanding
#
# **Question 1.** A multi-tau correlator and a two-time $C_2$ are computed from the
# same movie of a sample in equilibrium. What does the multi-tau $g_2$ give up?
#
# - A. The short lags: its first level already averages frames in pairs.
# - B. Resolution at long lags (level $L$ sees every $2^L$-th lag, on frames averaged
#   over $2^L$) and any change of the dynamics during the movie.
# - C. Accuracy: it is a different quantity, which agrees with the diagonal means of
#   $C_2$ only for Brownian samples.
#
# <details><summary>Answer</summary>
#
# **B.** Each level averages the frames of the level before in pairs, so long lags
# are measured coarsely, and like every $g_2$ it averages over the start time. A is
# wrong: level 0 uses the raw frames and the lags $0 \dots m-1$, so the short lags are
# at full resolution. C is wrong: in equilibrium both estimate the same $g_2(\tau)$,
# whatever the dynamics; the figure of $g_2$ with error bars shows them on top of
# each other.
#
# </details>

# %% [markdown]
# **Question 2.** A sample does not move at all during the movie (frozen speckle).
# Off the diagonal, what does the paper's form of $C_2$, normalised by the ROI's
# time-averaged SAXS intensity, show?
#
# - A. About 0, as for a sample that has fully decorrelated.
# - B. About the contrast $\beta$: the static speckle stays correlated.
# - C. About $1 + \beta$.
#
# <details><summary>Answer</summary>
#
# **B.** Each pixel keeps its speckle intensity, which differs from the ROI's mean, so
# $D(p, t_1) D(p, t_2)$ averages to the speckle's variance over the mean squared, the
# contrast. A is what the per-pixel variant gives: dividing each pixel by its own time
# average removes exactly the static speckle, so a frozen sample looks decorrelated
# (the frozen-speckle figure). C is the level of the *ratio* form, whose baseline is 1, not of the
# paper's form, whose baseline is 0.
#
# </details>

# %% [markdown]
# **Question 3.** The incident flux drifts slowly during a movie, and the ROI holds
# pixels of two different mean intensities. Which $C_2$ settles at its true baseline
# at long lags?
#
# - A. The paper's form, because it divides by a time average.
# - B. The plain ratio form, because it divides frame by frame.
# - C. The ratio form with static bins that separate the two intensities.
#
# <details><summary>Answer</summary>
#
# **C.** Dividing frame by frame removes the drift, and the static bins give every
# pixel mean 1 within its bin, so the uneven intensity no longer looks like frozen
# speckle (the static-bin figure). B removes the drift but keeps the spread of the means as a
# raised baseline. A divides by one time average, so the drift itself shows up as a
# correlated fluctuation of all pixels, as the flux jitter did.
#
# </details>

# %% [markdown]
# ## Summary
#
# - A multi-tau correlator measures $g_2$ on a ladder of lags that double from level
#   to level, on frames averaged in pairs: cheap in time and memory, coarse at long
#   lags, and blind to changes during the movie, which $C_2$ keeps at $T^2$ cost.
# - The paper's form of $C_2$ correlates fluctuations normalised by the time-averaged
#   SAXS intensity of a $q$ bin (baseline 0, frozen speckle stays at the contrast);
#   dividing each pixel by its own mean instead is a different quantity (rows sum to
#   zero, frozen speckle looks decorrelated).
# - The ratio form of beamline software normalises each frame (baseline 1, immune to
#   flux jitter), and with static bins, as at APS, it also ignores uneven mean
#   intensity inside an ROI.
# - $g_2$ from $C_2$ comes with per-lag errors that are right lag by lag; a weighted
#   fit's ± is still too small, because neighbouring lags share frames, and its
#   $\chi^2_{\text{red}}$ does not reveal it. Compare independent ROIs or runs.
# - Real detectors are large and their counts sparse: `two_time` takes a sparse
#   matrix or frames streamed from disk (`open_frames`); `g2_ratio_of_sums` survives
#   empty frames; `bin_c2` and `age_lag` shrink long maps.
#
# ## What's next
#
# Back to the pipeline: chapter 2 builds a library of labelled dynamics, computes
# their $C_2$ in the ratio form, and cuts them into the crops the autoencoder learns
# from. Chapter 7 runs the pipeline on your own detector frames and APS result files,
# where this chapter's choice of form is an argument of `xpcs-nb c2` (`--form`).

# %%
FRAME.finish()
