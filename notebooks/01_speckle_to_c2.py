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
# # 1. From speckle to two-time correlation
#
# ## Overview
#
# A coherent X-ray beam scattered by a disordered sample makes a grainy interference
# pattern on the detector: **speckle**. When the particles in the sample move, the
# speckle pattern changes, and how fast it forgets itself tells how fast the sample
# rearranges. XPCS measures exactly that. In this chapter you will:
#
# 1. simulate a speckle movie on a photon-counting detector whose dynamics you choose;
# 2. give every pixel its scattering vector $q$ and azimuth, and cut the detector into
#    the regions of interest (ROIs) of the AI-NERD paper: a $q$-ring split into 18
#    sectors of 20° {cite:p}`horwath2024`;
# 3. compute the one-time correlation $g_2(\tau)$ of a sample in equilibrium and check
#    it against the Siegert relation, recovering the contrast and the relaxation rate
#    the movie was made with;
# 4. compute the two-time correlation $C_2(t_1, t_2)$ in its two common conventions and
#    see how they relate;
# 5. read the $C_2$ of samples out of equilibrium: aging, relaxing after shear,
#    avalanching, flowing past a static reference.
#
# These $C_2$ maps are the images that the rest of the book feeds to a neural network.
#
# ## Prerequisites
#
# | you need | where to get it |
# | --- | --- |
# | Python, NumPy arrays and Matplotlib | any introductory course |
# | the idea of an autocorrelation function | a few lines on Wikipedia suffice |
# | complex numbers, the exponential decay $e^{-t/\tau}$ | school mathematics |
#
# Time to run: about half a minute at the `fast` preset on a laptop CPU, two to three
# minutes at `class`, ten at `paper`.

# %% tags=["parameters"]
import os

PRESET = os.environ.get("XPCS_PRESET", "class")  # "fast", "class" or "paper"
SEED = 2024  # the same seed gives the same speckle movies
FRAME_TIME = 0.01  # s per frame
RATE = 2.0  # relaxation rate Gamma at q_ref = 0.024 nm^-1 in the equilibrium run, 1/s

# %%
import matplotlib.pyplot as plt
import numpy as np

from xpcs_nb import correlation as corr
from xpcs_nb import simulate as sim
from xpcs_nb.geometry import Detector
from xpcs_nb.plotting import PAGE_WIDTH, show_c2, show_frame, show_roi_map
from xpcs_nb.presets import get_preset

P = get_preset(PRESET)
print(f"preset {P.name!r}: {P.detector_side}x{P.detector_side} pixels, {P.n_frames} frames of {FRAME_TIME} s")

# %% [markdown]
# ## The detector and its regions of interest
#
# The paper's experiment placed a Lambda 750k photon-counting detector (55 µm pixels)
# 8 m behind the sample. A pixel at distance $r$ from the direct beam sees the
# scattering angle $2\theta = \arctan(r/L)$ and the scattering vector
#
# $$ q = \frac{4\pi}{\lambda} \sin\theta . $$
#
# Particles of size $d$ scatter most strongly near $q \approx 2\pi/d$; the paper
# analyses the ring $0.019 < q < 0.029$ nm$^{-1}$ around the first peak of the
# structure factor. Because shear makes the dynamics depend on direction, the ring is
# cut into 18 azimuthal sectors of 20° each: 18 ROIs, each with its own correlation
# function. Our simulated detector is a square patch of the real one, centred on the
# beam, big enough to hold that ring. (11 keV X-rays, $\lambda$ = 0.1127 nm, are an
# assumption; the paper does not state the energy.)

# %%
detector = Detector(shape=(P.detector_side, P.detector_side), pixel_size=55e-6, distance=8.0,
                    wavelength=1.127e-10)
q_map = detector.q_map()  # (H, W), nm^-1
azimuth_map = detector.azimuth_map()  # (H, W), degrees

PAPER_Q_RING = (0.019, 0.029)  # nm^-1
labels = corr.roi_partition(q_map, azimuth_map, q_edges=PAPER_Q_RING, n_sectors=18)
pixels_per_roi = np.bincount(labels.ravel())[1:]
print(f"{labels.max()} ROIs, {pixels_per_roi.min()} to {pixels_per_roi.max()} pixels each")

fig, axes = plt.subplots(1, 3, figsize=(PAGE_WIDTH, 3.1), constrained_layout=True)
image = axes[0].imshow(q_map, cmap="cividis")
fig.colorbar(image, ax=axes[0], fraction=0.046, label="q (nm$^{-1}$)")
axes[0].set_title("scattering vector q")
image = axes[1].imshow(azimuth_map, cmap="twilight")
fig.colorbar(image, ax=axes[1], fraction=0.046, label="azimuth (deg)")
axes[1].set_title("azimuth,\ncounter-clockwise from +x")
show_roi_map(axes[2], labels, title="18 sectors of the ring\n0.019-0.029 nm$^{-1}$")
plt.show()

# %% [markdown]
# Sector 1 starts at the +x direction (to the right) and the numbers run
# counter-clockwise. Pixels outside the ring carry the label 0 and take no part.
#
# ## A speckle movie in equilibrium
#
# The simulator (`xpcs_nb.simulate`) gives each pixel a few independent speckle
# *grains*, each a complex field $E$ that forgets its past at the rate $\Gamma$:
#
# $$ E(t + \Delta t) = a\,E(t) + \sqrt{1 - a^2}\,\xi, \qquad a = e^{-\Gamma \Delta t}, $$
#
# with $\xi$ fresh complex Gaussian noise. The field correlation is then
# $g_1(\tau) = e^{-\Gamma \tau}$. A pixel's intensity is the mean of $|E|^2$ over its
# $M$ grains, which sets the speckle contrast $\beta = 1/M$ (a real detector's pixel
# averages over part of a speckle in the same way), and the detector counts Poisson
# photons with that intensity as their mean. Brownian particles relax diffusively,
# $\Gamma = D q^2$, so the outer part of the ring decorrelates faster than the inner.

# %%
equilibrium = sim.simulate_movie(
    detector, sim.stationary(RATE), n_frames=P.n_frames, dt=FRAME_TIME, seed=SEED,
    grains_per_pixel=4, photons_per_pixel=1.0,
)
frames = equilibrium.frames  # (T, H, W) photon counts
print(f"frames {frames.shape} {frames.dtype}, mean {frames.mean():.2f} photons per pixel per frame, "
      f"true contrast {equilibrium.contrast}")

fig, axes = plt.subplots(1, 3, figsize=(PAGE_WIDTH, 3.1), constrained_layout=True)
show_frame(axes[0], frames[0], title="frame 0:\nphoton counts")
show_frame(axes[1], frames.mean(axis=0), title="time average:\nthe speckle washes out", label="mean counts")
row, col = np.argwhere(labels == 1)[0]
axes[2].plot(equilibrium.times, frames[:, row, col], lw=0.7)
axes[2].set_xlabel("time (s)")
axes[2].set_ylabel("counts")
axes[2].set_title("one pixel of sector 1\nover time")
plt.show()

# %% [markdown]
# One frame looks like noise: about one photon per pixel, many zeros, as in a real
# XPCS experiment. The speckle is there all the same, and it shows only
# statistically, through correlations. Averaged over time it disappears, leaving a
# flat image: this simulated sample scatters the same mean intensity at every $q$ (a
# real one peaks at its structure factor, which only rescales each pixel).
#
# ## One-time correlation and the Siegert relation
#
# For a sample in equilibrium the statistics do not depend on when we look, so the
# intensity autocorrelation depends only on the lag $\tau$:
#
# $$ g_2(q, \tau) = \frac{\langle I(t)\, I(t+\tau) \rangle}{\langle I \rangle^2}, $$
#
# averaged over time and over the pixels of one ROI. For Gaussian speckle it is tied
# to the field correlation by the **Siegert relation**,
#
# $$ g_2(\tau) = 1 + \beta\, |g_1(\tau)|^2 = 1 + \beta\, e^{-2\Gamma\tau} , $$
#
# which lets us read $\beta$ and $\Gamma$ off a fit. The *multi-tau* correlator
# computes $g_2$ on lags spaced nearly logarithmically, averaging neighbouring frames
# at long lags, which is how beamline software does it.

# %%
lags, g2 = corr.multi_tau_g2(frames, labels, num_levels=6, num_bufs=8)  # g2 (n_roi, n_lags)
# lag 0 is <I^2>/<I>^2, which also holds the Poisson shot noise: leave it out
lags, g2 = lags[1:], g2[:, 1:]
tau = lags * FRAME_TIME  # s
sector_q = corr.roi_table(labels, q_map, azimuth_map)["q_mean"]  # nm^-1 per ROI

# The truth for a sector: the Siegert curve of each of its pixels, averaged, because
# the pixels of one sector span q = 0.019 .. 0.029 nm^-1 and so a range of rates.
sector_pixel_q = q_map[labels == 1]  # (N,)
g2_truth = equilibrium.g2_theory(sector_pixel_q[:, None], tau[None, :]).mean(axis=0)
rate_range = equilibrium.relaxation_rate(sector_pixel_q.min())[0], equilibrium.relaxation_rate(sector_pixel_q.max())[0]

fit = corr.fit_kww(tau, g2[0], fix_alpha=1.0)  # a single exponential: g2 = baseline + beta exp(-2 Gamma tau)
fit_truth = corr.fit_kww(tau, g2_truth, fix_alpha=1.0)  # the same fit applied to the exact curve
print(f"sector 1: beta = {fit.beta:.3f} ± {fit.beta_err:.3f} (true {equilibrium.contrast})")
print(f"          Gamma = {fit.rate:.2f} ± {fit.rate_err:.2f} 1/s; the same fit on the exact curve: "
      f"{fit_truth.rate:.2f} 1/s; pixel rates span {rate_range[0]:.2f} .. {rate_range[1]:.2f} 1/s")

fig, ax = plt.subplots(figsize=(6.5, 4), constrained_layout=True)
ax.semilogx(tau, g2[0], "o", label="sector 1, multi-tau")
ax.semilogx(tau, g2_truth, "k-", label="Siegert, averaged over the sector's pixels (truth)")
ax.semilogx(tau, fit.model(tau), "r--", label="fit, one exponential")
ax.set_xlabel("lag $\\tau$ (s)")
ax.set_ylabel("$g_2$")
ax.legend()
plt.show()

# %% [markdown]
# The fit recovers the contrast the movie was made with. For the rate there is a
# subtlety worth meeting early: a sector is wide in $q$, its pixels relax at rates
# that differ by a factor of 2.3 from the inner to the outer edge, and $g_2$ is the
# average of their exponentials. One exponential fitted to that blend gives a
# weighted mean rate, which is what the same fit of the exact blended curve gives
# too. The error bars come from the finite number of independent speckle
# measurements: about (pixels in the ROI) × (recording time / relaxation time).
#
# ### Diffusion: $\Gamma \propto q^2$
#
# Cut the same ring into thin rings instead of sectors, and the rate should grow as
# $q^2$. A log-log plot of $\Gamma$ against $q$ then has slope 2.

# %%
q_rings = np.linspace(*PAPER_Q_RING, 6)
ring_labels = corr.roi_partition(q_map, azimuth_map, q_edges=q_rings, n_sectors=1)
ring_lags, ring_g2 = corr.multi_tau_g2(frames, ring_labels, num_levels=6, num_bufs=8)
ring_lags, ring_g2 = ring_lags[1:], ring_g2[:, 1:]
ring_q = corr.roi_table(ring_labels, q_map, azimuth_map)["q_mean"]
ring_rates = np.array([corr.fit_kww(ring_lags * FRAME_TIME, g, fix_alpha=1.0).rate for g in ring_g2])
slope = np.polyfit(np.log(ring_q), np.log(ring_rates), 1)[0]

fig, ax = plt.subplots(figsize=(5.5, 4), constrained_layout=True)
ax.loglog(ring_q, ring_rates, "o", label=f"fitted, slope {slope:.2f}")
ax.loglog(ring_q, equilibrium.dynamics.rate * (ring_q / sim.Q_REF) ** 2, "k-", label="truth, $\\Gamma = D q^2$")
ax.set_xlabel("q (nm$^{-1}$)")
ax.set_ylabel("$\\Gamma$ (1/s)")
ax.legend()
plt.show()

# %% [markdown]
# ## Two-time correlation
#
# Out of equilibrium the dynamics change while we watch, and averaging over the start
# time $t$ throws that change away. The two-time correlation keeps both times. The
# AI-NERD paper uses the normalised intensity fluctuation of each pixel $p$,
#
# $$ D(p, t) = \frac{I(p, t) - \langle I(p) \rangle_t}{\langle I(p) \rangle_t}, $$
#
# and correlates it between every pair of frames, averaging over the pixels of an ROI
# (the paper's eqs. 1-2):
#
# $$ C_2(t_1, t_2) = \langle D(p, t_1)\, D(p, t_2) \rangle_p . $$
#
# Written out in NumPy for one ROI, that is a matrix product:

# %%
def c2_paper_form(roi_frames: np.ndarray) -> np.ndarray:
    """C2 of the paper's eqs. (1)-(2) for one ROI; roi_frames (T, N pixels) -> c2 (T, T)."""
    intensity = roi_frames.astype(np.float64)
    mean_in_time = intensity.mean(axis=0)  # <I(p)>_t, (N,)
    fluctuation = (intensity - mean_in_time) / mean_in_time  # D(p, t), (T, N)
    return fluctuation @ fluctuation.T / fluctuation.shape[1]  # <D(t1) D(t2)>_p


roi_frames = frames[:, labels == 1]  # (T, N): the pixels of sector 1
c2_by_hand = c2_paper_form(roi_frames)
c2_paper = corr.two_time(frames, labels, form="paper")  # (18, T, T), all sectors at once
print("largest difference from the package:", np.abs(c2_by_hand - c2_paper[0]).max())

# %% [markdown]
# The package's `two_time` does the same for every ROI at once, in float32, as one
# symmetric matrix product per ROI over chunks of pixels (a BLAS `syrk`), so it keeps
# up with a plain matrix product even for movies of thousands of frames.
#
# ### The other convention: the ratio form
#
# Beamline software (APS 8-ID-I, scikit-beam) normalises by the mean intensity of the
# ROI *in each frame* instead of the mean of each pixel over time:
#
# $$ C_2^{\text{ratio}}(t_1, t_2) = \frac{\langle I(p, t_1)\, I(p, t_2) \rangle_p}
#    {\langle I(p, t_1) \rangle_p\, \langle I(p, t_2) \rangle_p} . $$
#
# Its baseline is 1 instead of 0 and its diagonal band reaches $1 + \beta$. For a
# stationary ROI whose pixels all have the same mean, the two forms agree up to that
# offset: $C_2^{\text{paper}} \approx C_2^{\text{ratio}} - 1$. The figures in this
# book say which form they show.

# %%
c2_ratio = corr.two_time(frames, labels, form="ratio")
fig, axes = plt.subplots(1, 3, figsize=(PAGE_WIDTH, 3.1), constrained_layout=True)
show_c2(axes[0], c2_paper[0], dt=FRAME_TIME, title="paper form\n(baseline 0)")
show_c2(axes[1], c2_ratio[0], dt=FRAME_TIME, title="ratio form\n(baseline 1)")
off_diagonal = ~np.eye(c2_ratio.shape[-1], dtype=bool)
sample = np.random.default_rng(SEED).choice(off_diagonal.sum(), 4000, replace=False)
axes[2].plot((c2_ratio[0][off_diagonal] - 1)[sample], c2_paper[0][off_diagonal][sample], ".", ms=2, alpha=0.5)
lim = np.array([c2_paper[0][off_diagonal].min(), c2_paper[0][off_diagonal].max()])
axes[2].plot(lim, lim, "k-", lw=1, label="equal")
axes[2].set_xlabel("ratio form $- 1$")
axes[2].set_ylabel("paper form")
axes[2].set_title("sector 1,\noff-diagonal pairs")
axes[2].legend()
plt.show()

# %% [markdown]
# The paper form has one exact property worth knowing: every row sums to zero, because
# $\sum_t D(p, t) = 0$ for each pixel by construction. Its baseline therefore sits a
# little *below* zero, by about $\beta / (\Gamma T \Delta t)$.
#
# Why would a beamline prefer the ratio form? Because the incoming flux jitters. If
# every frame is brighter or dimmer by a common factor, the ratio form divides it out
# frame by frame, while the paper form, normalised over time, sees the jitter as a
# correlated fluctuation of all pixels and paints stripes across $C_2$:

# %%
flux = 1.0 + 0.2 * np.random.default_rng(SEED + 1).standard_normal(P.n_frames)  # ±20 % per frame
jittered = frames * flux[:, None, None]  # every pixel of a frame brighter or dimmer together
whole_ring = labels > 0  # all 18 sectors as one ROI, to see the effect above the noise
fig, axes = plt.subplots(1, 2, figsize=(PAGE_WIDTH, 3.4), constrained_layout=True)
show_c2(axes[0], corr.two_time(jittered, whole_ring, form="paper")[0], dt=FRAME_TIME,
        title="paper form, flux jitter ±20 %")
show_c2(axes[1], corr.two_time(jittered, whole_ring, form="ratio")[0], dt=FRAME_TIME,
        title="ratio form, flux jitter ±20 %")
plt.show()

# %% [markdown]
# ### From $C_2$ back to $g_2$
#
# In equilibrium, $C_2$ depends only on $t_2 - t_1$, so averaging each diagonal of the
# ratio form gives back $g_2$: the one-time correlation is a summary of the two-time
# one, valid exactly when nothing changes.

# %%
g2_from_c2 = corr.g2_from_c2(c2_ratio[0])  # lags 1 .. T-1 frames
diagonal_lags = np.arange(1, g2_from_c2.size + 1) * FRAME_TIME
fig, ax = plt.subplots(figsize=(6.5, 4), constrained_layout=True)
ax.semilogx(diagonal_lags, g2_from_c2, "-", label="mean of each diagonal of $C_2$")
ax.semilogx(tau, g2[0], "o", label="multi-tau $g_2$")
ax.set_xlabel("lag $\\tau$ (s)")
ax.set_ylabel("$g_2$")
ax.legend()
plt.show()

# %% [markdown]
# ## Reading $C_2$ out of equilibrium
#
# Now the pictures the rest of the book is about. Four samples, each simulated on the
# same detector and shown for sector 1 in the ratio form:
#
# - **Aging**: a glass slows down as it ages, $\Gamma(t) = \Gamma_0/(1 + t/t_a)$. The
#   diagonal band widens from the top-left corner to the bottom-right.
# - **Relaxation after shear**: the shear has just stopped; the dynamics are fast and
#   then settle to a slow rate. The band is thin at first, then broad.
# - **Avalanches**: at a few moments a fraction of the sample rearranges at once.
#   Correlation across such a moment drops: the map breaks into squares along the
#   diagonal.
# - **Heterodyne**: part of the scattered light comes from a static reference and the
#   rest flows past it at speed $v$. Their interference beats at the frequency
#   $\omega = \vec q \cdot \vec v$, which draws fringes parallel to the diagonal.

# %%
duration = P.n_frames * FRAME_TIME
scenarios = {
    "aging": sim.aging(rate0=20.0, t_age=duration / 20, exponent=1.0),
    "relaxation after shear": sim.relaxation_after_shear(rate_fast=40.0, rate_slow=0.5, tau_relax=duration / 4),
    "avalanches": sim.avalanches(rate=0.5, times=np.array([0.3, 0.55, 0.8]) * duration, fraction=0.7),
    "heterodyne": sim.heterodyne(rate=0.5, speed=250.0, reference_fraction=0.5, direction_deg=0.0),
}
c2_gallery = {}
for i, (name, dynamics) in enumerate(scenarios.items()):
    movie = sim.simulate_movie(detector, dynamics, n_frames=P.n_frames, dt=FRAME_TIME, seed=SEED + 10 + i,
                               grains_per_pixel=4, photons_per_pixel=2.0)
    c2_gallery[name] = corr.two_time(movie.frames, labels == 1, form="ratio")[0]

fig, axes = plt.subplots(2, 2, figsize=(PAGE_WIDTH, 6.4), constrained_layout=True)
for ax, (name, c2) in zip(axes.ravel(), c2_gallery.items()):
    show_c2(ax, c2, dt=FRAME_TIME, title=name)
plt.show()

# %% [markdown]
# Learn to see four things in a $C_2$:
#
# 1. **The width of the band** along the diagonal is the correlation time at that
#    moment: wide means slow, thin means fast.
# 2. **A change of width along the diagonal** is a change of the dynamics in time
#    (aging widens it, relaxation after shear too).
# 3. **Squares** are intervals between sudden rearrangements; the sample decorrelates
#    abruptly between them.
# 4. **Stripes parallel to the diagonal** are beats between a moving and a static
#    part of the sample.
#
# The AI-NERD paper's real $C_2$ mix all of these, noisily, across thousands of ROIs
# and time windows. That is why the authors let a neural network sort them.
#
# ## Exercises
#
# **Exercise 1: contrast from grains.** Simulate the equilibrium movie again with 2 and
# then 8 grains per pixel. Fit $g_2$ of sector 1 each time. Which contrast do you
# expect, and do you get it?

# %% tags=["hide-cell"]
# Solution: the contrast is 1/M, so 0.5 and 0.125.
for grains in (2, 8):
    movie = sim.simulate_movie(detector, sim.stationary(RATE), n_frames=P.n_frames, dt=FRAME_TIME,
                               seed=SEED, grains_per_pixel=grains, photons_per_pixel=2.0)
    lags_m, g2_m = corr.multi_tau_g2(movie.frames, labels == 1, num_levels=6, num_bufs=8)
    beta = corr.fit_kww(lags_m[1:] * FRAME_TIME, g2_m[0, 1:], fix_alpha=1.0).beta
    print(f"M = {grains}: fitted beta = {beta:.3f}, expected {1 / grains:.3f}")

# %% [markdown]
# **Exercise 2: read a rate off the band.** In the ratio-form $C_2$ of an equilibrium
# movie, $C_2 - 1$ falls from $\beta$ next to the diagonal to $\beta/e$ at the lag
# $\tau = 1/(2\Gamma)$. Take the middle one of the thin rings above (so that one
# rate describes it well), compute its $C_2$, find the lag at which the mean of each
# diagonal crosses $\beta/e$, and turn it into $\Gamma$. Compare with the truth.

# %% tags=["hide-cell"]
# Solution: use the diagonals' means (g2 from C2) and interpolate the crossing.
middle_ring = 3
ring_c2 = corr.two_time(frames, ring_labels == middle_ring, form="ratio")[0]
excess = corr.g2_from_c2(ring_c2) - 1.0  # lags of 1, 2, ... frames
beta_estimate = excess[0]  # one frame: still close to beta, as Gamma * dt << 1
crossing = np.argmax(excess < beta_estimate / np.e)  # first lag below beta / e
lag_frames = np.interp(beta_estimate / np.e, excess[crossing::-1], np.arange(1, crossing + 2)[::-1])
true_rate = equilibrium.relaxation_rate(ring_q[middle_ring - 1])[0]
print(f"Gamma from the band width: {1 / (2 * lag_frames * FRAME_TIME):.2f} 1/s; true {true_rate:.2f} 1/s")

# %% [markdown]
# **Exercise 3: why the rows sum to zero.** Check numerically that every row of the
# paper-form `c2_paper[0]` sums to zero (to float32 precision), then explain it in one
# line from the definition of $D(p, t)$.

# %% tags=["hide-cell"]
# Solution: sum over t2 of D(p, t2) is zero for each pixel, and the row sum is the
# pixel average of D(p, t1) times that sum.
row_sums = c2_paper[0].astype(np.float64).sum(axis=1)
print(f"largest |row sum|: {np.abs(row_sums).max():.2e} (row values are of order {c2_paper[0].max():.2f})")

# %% [markdown]
# ## Summary
#
# - Every pixel has a $q$ and an azimuth; the paper's ROIs are 18 sectors of 20° of the
#   ring $0.019 < q < 0.029$ nm$^{-1}$.
# - In equilibrium, $g_2(\tau) = 1 + \beta e^{-2\Gamma\tau}$ (Siegert); a fit gives the
#   contrast $\beta$ and the rate $\Gamma$, and diffusion shows as $\Gamma \propto q^2$.
# - $C_2(t_1, t_2)$ keeps both times. The paper's form correlates per-pixel normalised
#   fluctuations (baseline 0, rows sum to zero); the ratio form of beamline software
#   normalises each frame (baseline 1, immune to flux jitter).
# - Band width, its change along the diagonal, squares and fringes are the features to
#   read in a $C_2$.
#
# ## What's next
#
# Chapter 2 builds a library of such dynamics with known ground truth, computes large
# $C_2$ maps from them, and cuts them into the 256 × 256 crops that the paper trains
# its autoencoder on.
