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
# 3. compute the one-time correlation $g_2(\tau)$ of a sample in equilibrium with a
#    multi-tau correlator (its ladder of lags, and what it gives up), fit it with the
#    KWW form and check it against the Siegert relation, recovering the contrast and
#    the relaxation rate the movie was made with;
# 4. compute the two-time correlation $C_2(t_1, t_2)$ as the paper defines it and as
#    beamline software does, see how they relate, and choose what to divide by;
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
from xpcs_nb.presets import preset_for_this_machine

PRESET = preset_for_this_machine()  # $XPCS_PRESET, else "class" with a CUDA GPU, "fast" without; or "class_cpu", "paper"
SEED = 2024  # the same seed gives the same speckle movies
FRAME_TIME = 0.01  # s per frame
RATE = 2.0  # relaxation rate Gamma at q_ref = 0.024 nm^-1 in the equilibrium run, 1/s

# %%
import matplotlib.pyplot as plt
import numpy as np

import warnings


from xpcs_nb import correlation as corr
from xpcs_nb import simulate as sim
from xpcs_nb.chapter import start_chapter
from xpcs_nb.checks import check_answer
from xpcs_nb.geometry import Detector
from xpcs_nb.plotting import PAGE_WIDTH, show_c2, show_frame, show_roi_map
from xpcs_nb.plotting.lag_ladder import lag_ladder, pair_averaging
from xpcs_nb.presets import get_preset

# The multi-tau fits below have no error bars to weigh by: fit_kww says (once per
# call site) that their chi2_red is then a mean squared residual.  We know; the
# weighted fit comes in "From C2 back to g2".
warnings.filterwarnings("ignore", category=corr.UnweightedFitWarning)

P = get_preset(PRESET)
print(f"preset {P.name!r}: {P.detector_side}x{P.detector_side} pixels, {P.n_frames} frames of {FRAME_TIME} s")

# %%
FRAME = start_chapter(1, PRESET)

# %% [markdown]
# ## The detector and its regions of interest
#
# The paper's experiment placed a Lambda 750k photon-counting detector (55 µm pixels)
# 8 m behind the sample. A pixel at distance $r$ from the direct beam sees the
# scattering angle $2\theta = \arctan(r/L)$ and the scattering vector
#
# $$ q = \frac{4\pi}{\lambda} \sin\theta . $$
#
# The intensity scattered by a suspension is a product of two factors,
# $I(q) \propto P(q)\,S(q)$. The *form factor* $P(q)$ is what one particle scatters on
# its own; it depends only on the particle's shape and size. The *structure factor*
# $S(q)$ is the interference between particles: in a dense suspension they sit at a
# typical nearest-neighbour distance $d$, and $S(q)$ has its first peak near
# $q \approx 2\pi/d$. That is a peak of $S$, set by where the particles sit, not of
# $P$. The paper analyses the ring $0.019 < q < 0.029$ nm$^{-1}$, "within the vicinity
# of the first peak in the structure factor". The ring's middle corresponds to
# $2\pi/q$ = {eval}`f"{ring_spacing:.0f}"` nm, about the size of the paper's silica
# particles (200-300 nm, Methods V A): in a glass this dense, neighbours nearly touch.
# Because shear makes the dynamics depend on direction, the ring is cut into 18
# azimuthal sectors of 20° each: 18 ROIs, each with its own correlation function. Our
# simulated detector is a square patch of the real one, centred on the beam, big
# enough to hold that ring. The photon energy is the paper's 11 keV (Methods V B), so
# $\lambda = hc/E$ = 0.1127 nm.

# %%
detector = Detector(shape=(P.detector_side, P.detector_side), pixel_size=55e-6, distance=8.0,
                    wavelength=1.127e-10)
q_map = detector.q_map()  # (H, W), nm^-1
azimuth_map = detector.azimuth_map()  # (H, W), degrees

PAPER_Q_RING = (0.019, 0.029)  # nm^-1
labels = corr.roi_partition(q_map, azimuth_map, q_edges=PAPER_Q_RING, n_sectors=18)
pixels_per_roi = np.bincount(labels.ravel())[1:]
print(f"{labels.max()} ROIs, {pixels_per_roi.min()} to {pixels_per_roi.max()} pixels each")
ring_spacing = float(2 * np.pi / np.mean(PAPER_Q_RING))

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
duration = P.n_frames * FRAME_TIME
# how many relaxation times the movie lasts at the inner and outer edge of the ring
ring_decorrelations = float(equilibrium.relaxation_rate(PAPER_Q_RING[0])[0] * duration)
ring_decorrelations_max = float(equilibrium.relaxation_rate(PAPER_Q_RING[1])[0] * duration)

fig, axes = plt.subplots(1, 3, figsize=(PAGE_WIDTH, 3.1), constrained_layout=True)
show_frame(axes[0], frames[0], title="frame 0:\nphoton counts")
show_frame(axes[1], frames.mean(axis=0), title="time average: speckle washes\nout, except near the beam",
           label="mean counts")
row, col = np.argwhere(labels == 1)[0]
axes[2].plot(equilibrium.times, frames[:, row, col], lw=0.7)
axes[2].set_xlabel("time (s)")
axes[2].set_ylabel("counts")
axes[2].set_title("one pixel of sector 1\nover time")
plt.show()

# %% [markdown]
# One frame looks like noise: about one photon per pixel (this movie's setting), many
# zeros, as in many XPCS experiments. The speckle is there all the same, and it shows
# only statistically, through correlations. Averaged over time it washes out where
# the sample moves fast enough: at the ring a pixel forgets its speckle
# {eval}`f"{ring_decorrelations:.0f}"` to {eval}`f"{ring_decorrelations_max:.0f}"`
# times during the movie, but near the beam, where $\Gamma = D q^2$ is small, the
# speckle barely changes and survives in the average as a grainy centre. Elsewhere the
# average is nearly flat (what grain is left is speckle averaged over only a few
# relaxation times, plus photon noise), because this simulated sample scatters the same
# mean intensity at every $q$ (a real one peaks at its structure factor, which only
# rescales each pixel). The synthetic library of chapter 2 uses 10 photons per pixel per frame, not
# 1: shot noise lifts the diagonal of a ratio-form $C_2$ by 1 / (photons per pixel),
# and at 1 photon that lift would dominate every scaled crop; at 10 it is 0.4 times
# the contrast, about what the paper's published real crop shows.
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
# which lets us read $\beta$ and $\Gamma$ off a fit, once we have measured $g_2$ and
# have a model to fit.
#
# ### Multi-tau: a ladder of lags
#
# A movie of $T$ frames has $T - 1$ lags. Correlating every pair of frames costs
# $T^2/2$ products per pixel, and it samples a decay that spans decades very
# unevenly: a handful of lags where $g_2$ changes fastest, thousands where it is flat.
# Beamline software computes $g_2$ with a **multi-tau** correlator instead
# (`corr.multi_tau_g2`, with the lags and normalisation of scikit-beam):
#
# - level 0 takes the raw frames and the lags $0, 1, \dots, m - 1$ frames ($m$ is
#   `num_bufs`, `MT_BUFS` = 8 in this chapter);
# - level $L + 1$ averages the frames of level $L$ in pairs, so each of its frames
#   spans $2^{L+1}$ raw frames, and takes the lags $m/2, \dots, m - 1$ of *its*
#   frames: $2^{L+1} m/2, \dots, 2^{L+1}(m-1)$ raw frames;
# - so the lags double from level to level and, within a level, are $2^L$ frames
#   apart: about $m/2$ lags per doubling, nearly evenly spaced on a log axis.
#
# The figure draws this chapter's correlator (6 levels of 8 buffers) from the
# package's own lag function, `corr.multi_tau_lags`, with the lags of the two-time
# map of the same movie below for comparison.

# %%
MT_LEVELS, MT_BUFS = 6, 8  # the multi-tau correlator of this chapter
mt_lags, mt_level = corr.multi_tau_lags(MT_LEVELS, MT_BUFS)  # lags in frames, level of each
fig, axes = plt.subplots(1, 2, figsize=(PAGE_WIDTH, 3.2), constrained_layout=True,
                         gridspec_kw={"width_ratios": [1, 1.4]})
pair_averaging(4, 16, ax=axes[0])
lag_ladder(MT_LEVELS, MT_BUFS, dt=FRAME_TIME, two_time_frames=P.n_frames, ax=axes[1])
plt.show()

# pairs of frames multiplied per pixel: level L has T // 2^L frames, and its lag k
# (in level-L frames) pairs n_L - k of them; the two-time map pairs all T (T + 1) / 2
mt_pairs = sum(P.n_frames // 2**level - lag // 2**level for lag, level in zip(mt_lags, mt_level))
c2_pairs = P.n_frames * (P.n_frames + 1) // 2
print(f"multi-tau: {len(mt_lags) - 1} lags up to {mt_lags[-1]} frames, {mt_pairs} pairs of frames per pixel; "
      f"two-time: {P.n_frames - 1} lags, {c2_pairs} pairs")
mt_n_lags = int(len(mt_lags) - 1)
mt_max_lag = float(mt_lags[-1] * FRAME_TIME)
mt_last_step = int(2 ** mt_level[-1])
mt_pairs_text = f"{mt_pairs:,}"
c2_pairs_text = f"{c2_pairs:,}"
pair_ratio = float(c2_pairs / mt_pairs)
c2_megabytes = float(P.n_frames**2 * 4 / 1e6)
n_frames = int(P.n_frames)

# %% [markdown]
# What multi-tau gains, and what it gives up, against the two-time correlation
# $C_2(t_1, t_2)$ of the next section, which correlates every pair of frames:
#
# - **Time and memory.** Its {eval}`mt_n_lags` lags multiply
#   {eval}`mt_pairs_text` pairs of frames per pixel in this movie of
#   {eval}`n_frames` frames; every pair, as $C_2$ needs, is
#   {eval}`c2_pairs_text`, {eval}`f"{pair_ratio:.0f}"` times more, and the ratio
#   grows with $T$. A multi-tau correlator can run while the frames arrive, keeping
#   only $m$ frames per level; $C_2$ is $T^2$ numbers per ROI,
#   {eval}`f"{c2_megabytes:.1f}"` MB in float32 for each ROI of this movie.
# - **Lag resolution at long lags.** Level $L$ measures only every $2^L$-th lag, on
#   frames averaged over $2^L$: at its longest lag, {eval}`f"{mt_max_lag:.2f}"` s, the
#   step is {eval}`mt_last_step` frames, and anything faster than that is
#   averaged away. $C_2$ has every lag up to $T - 1$ frames at one frame's resolution.
# - **Time dependence.** Like any $g_2$, it averages over the start time $t$: a
#   change of the dynamics during the movie is blended into one curve. $C_2$ keeps
#   both times; that is why the rest of this book works with it.
#
# ### Fitting $g_2$: the KWW form
#
# The model fitted to $g_2$ throughout XPCS is the **Kohlrausch-Williams-Watts
# (KWW)** form, a stretched or compressed exponential. In this package's notation
# (`corr.kww`, `corr.fit_kww`):
#
# $$ g_2(\tau) = b + \beta \exp\!\left[-2\,(\Gamma\tau)^{\alpha}\right] , $$
#
# with the baseline $b$ (1 for the ratio-form $g_2$ of this chapter), the contrast
# $\beta$, the rate $\Gamma$ and the exponent $\alpha$. Many papers write the same
# curve with the relaxation time $\tau_0 = 1/\Gamma$, as
# $\exp[-2(\tau/\tau_0)^{\alpha}]$, and call the exponent $\gamma$ (or $\beta$, which
# here is the contrast).
#
# - $\alpha = 1$: a simple exponential, the Siegert relation above for Brownian
#   particles.
# - $\alpha < 1$, *stretched*: slower than exponential at long lags, the mark of a
#   spread of relaxation rates, each region of the sample relaxing at its own.
# - $\alpha > 1$, *compressed*: sharper than exponential. Colloidal gels and glasses
#   often show it, with $\alpha$ near 1.5 and $\Gamma \propto q$ instead of $q^2$:
#   internal stresses move the particles ballistically, not by diffusion.
#
# The AI-NERD paper writes no formula for $g_2$. Its introduction says only that,
# under steady-state conditions, "analytical models describing the dynamic
# decorrelation can be assumed, and experimental data is fit to the model to extract
# physical parameters", and that "the dynamics of relaxation are often strongly
# outside of equilibrium conditions", which is why it turns to $C_2$. The KWW form is
# the usual such model (Madsen et al. 2010, the paper's ref. 78, discuss correlation
# functions beyond a simple exponential). The simulated sample of this chapter is
# Brownian, so the fits below hold $\alpha$ at 1 (`fix_alpha=1.0`); one of them
# leaves it free to see whether the data agree.

# %%
kww_tau = np.geomspace(1e-2, 10, 200)  # s
fig, ax = plt.subplots(figsize=(5.5, 3.4), constrained_layout=True)
for alpha, name in ((0.5, "stretched"), (1.0, "simple exponential"), (1.5, "compressed")):
    ax.semilogx(kww_tau, corr.kww(kww_tau, baseline=1.0, beta=0.25, rate=1.0, alpha=alpha),
                label=f"$\\alpha$ = {alpha}: {name}")
ax.axvline(1.0, color="0.6", lw=0.8, ls=":")  # tau = 1 / Gamma: every curve passes 1 + beta e^-2 there
ax.set_xlabel("lag $\\tau$ (s), $\\Gamma$ = 1/s")
ax.set_ylabel("$g_2$")
ax.set_title("the KWW form, $\\beta$ = 0.25", fontsize=9)
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# Now the measurement: the multi-tau $g_2$ of every sector of the equilibrium movie,
# and a KWW fit of sector 1, with $\alpha$ held at 1 and then free.

# %%
lags, g2 = corr.multi_tau_g2(frames, labels, num_levels=MT_LEVELS, num_bufs=MT_BUFS)  # g2 (n_roi, n_lags)
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
free = corr.fit_kww(tau, g2[0])  # alpha free
free_truth = corr.fit_kww(tau, g2_truth)
print(f"sector 1: beta = {fit.beta:.3f} ± {fit.beta_err:.3f} (true {equilibrium.contrast})")
print(f"          Gamma = {fit.rate:.2f} ± {fit.rate_err:.2f} 1/s; the same fit on the exact curve: "
      f"{fit_truth.rate:.2f} 1/s; pixel rates span {rate_range[0]:.2f} .. {rate_range[1]:.2f} 1/s")
print(f"          alpha free: {free.alpha:.3f} ± {free.alpha_err:.3f}; on the exact curve {free_truth.alpha:.3f}")

fig, ax = plt.subplots(figsize=(6.5, 4), constrained_layout=True)
ax.semilogx(tau, g2[0], "o", label="sector 1, multi-tau")
ax.semilogx(tau, g2_truth, "k-", label="Siegert, averaged over the sector's pixels (truth)")
ax.semilogx(tau, fit.model(tau), "r--", label="KWW fit, $\\alpha$ = 1")
ax.set_xlabel("lag $\\tau$ (s)")
ax.set_ylabel("$g_2$")
ax.legend()
plt.show()

rate_gap = abs(fit.rate - fit_truth.rate) / fit.rate_err  # the gap to the exact curve's fit, in quoted errors
beta_fit = float(fit.beta)
rate_fit = float(fit.rate)
rate_fit_err = float(fit.rate_err)
rate_exact_fit = float(fit_truth.rate)
rate_spread = float(rate_range[1] / rate_range[0])
rate_gap_phrase = (f"they differ by {rate_gap:.0f} times the ±, a first sign that it is too small"
     if rate_gap > 2 else "they agree within twice the ±")
alpha_free = float(free.alpha)
alpha_free_err = float(free.alpha_err)
alpha_exact = float(free_truth.alpha)
alpha_phrase = ("within its error of 1: the data alone cannot tell the slight stretching from a simple exponential"
     if abs(free.alpha - 1) < 2 * free.alpha_err else
     "measurably below 1: the data show the stretching that the blend of rates causes"
     if free.alpha < 1 else "above 1, which the blend of rates cannot cause: read it as noise")

# %% [markdown]
# The fit gives the contrast $\beta$ = {eval}`f"{beta_fit:.3f}"`; the movie was made
# with 0.25. For the rate there is a subtlety worth meeting early: a sector is wide in
# $q$, its pixels relax at rates that differ by a factor of
# {eval}`f"{rate_spread:.1f}"` from the inner to the outer edge, and $g_2$ is the
# average of their exponentials. One exponential fitted to that blend gives a weighted
# mean rate: $\Gamma$ = {eval}`f"{rate_fit:.2f}"` ± {eval}`f"{rate_fit_err:.2f}"` s$^{-1}$
# from the data, {eval}`f"{rate_exact_fit:.2f}"` s$^{-1}$ from the same fit of the exact
# blended curve; {eval}`rate_gap_phrase`. A blend of exponentials is also a
# slightly *stretched* decay: the free-$\alpha$ fit of the exact curve gives
# $\alpha$ = {eval}`f"{alpha_exact:.3f}"`, and of the data
# {eval}`f"{alpha_free:.3f}"` ± {eval}`f"{alpha_free_err:.3f}"`,
# {eval}`alpha_phrase`.
#
# The real uncertainty comes from the finite number of independent speckle
# measurements: about (pixels in the ROI) × (recording time / relaxation time). The
# ± above are least-squares errors of an unweighted fit, and they are too small:
# neighbouring multi-tau points share frames, so their errors are correlated, which
# least squares does not know. The section "From $C_2$ back to $g_2$" measures by how
# much.
#
# ### Diffusion: $\Gamma \propto q^2$
#
# Cut the same ring into thin rings instead of sectors, and the rate should grow as
# $q^2$. A log-log plot of $\Gamma$ against $q$ then has slope 2.

# %%
q_rings = np.linspace(*PAPER_Q_RING, 6)
ring_labels = corr.roi_partition(q_map, azimuth_map, q_edges=q_rings, n_sectors=1)
ring_lags, ring_g2 = corr.multi_tau_g2(frames, ring_labels, num_levels=MT_LEVELS, num_bufs=MT_BUFS)
ring_lags, ring_g2 = ring_lags[1:], ring_g2[:, 1:]
ring_q = corr.roi_table(ring_labels, q_map, azimuth_map)["q_mean"]
ring_rates = np.array([corr.fit_kww(ring_lags * FRAME_TIME, g, fix_alpha=1.0).rate for g in ring_g2])
slope = np.polyfit(np.log(ring_q), np.log(ring_rates), 1)[0]
q_slope = float(slope)

fig, ax = plt.subplots(figsize=(5.5, 4), constrained_layout=True)
ax.loglog(ring_q, ring_rates, "o", label=f"fitted, slope {slope:.2f}")
ax.loglog(ring_q, equilibrium.dynamics.rate * (ring_q / sim.Q_REF) ** 2, "k-", label="truth, $\\Gamma = D q^2$")
ax.set_xlabel("q (nm$^{-1}$)")
ax.set_ylabel("$\\Gamma$ (1/s)")
ax.legend()
plt.show()

# %% [markdown]
# The fitted slope is {eval}`f"{q_slope:.2f}"`, where diffusion predicts 2: the rate
# of the speckle's decay measures how the particles move, length scale by length
# scale. Ballistic motion would give a slope of 1.
#
# ## Two-time correlation
#
# Out of equilibrium the dynamics change while we watch, and averaging over the start
# time $t$ throws that change away. The two-time correlation keeps both times. The
# AI-NERD paper (Methods V B, eqs. 1-2) correlates the normalised intensity
# fluctuation between every pair of frames and averages over the pixels of an ROI:
#
# $$ C_2(t_1, t_2) = \langle D(\vec Q, t_1)\, D(\vec Q, t_2) \rangle_{i,j}, \qquad
#    D(\vec Q, t) = \frac{I(\vec Q, t) - \langle I(Q) \rangle_t}{\langle I(Q) \rangle_t}, $$
#
# where $\langle\cdot\rangle_{i,j}$ is the mean over pixels and $\langle I(Q)\rangle_t$
# is, in the paper's words, "the 1D Small-angle x-ray scattering (SAXS) intensity at
# the pixel with momentum transfer $\vec Q$, i.e., azimuthal average of the
# time-average". So the denominator is not each pixel's own time average: it is the
# time average averaged again over a *static bin* of pixels at that $q$. The package
# takes the ROI itself as that bin by default: the sector is the set of pixels "at" its
# $q$ to within the ring's width, and it stays one bin when shear makes the scattering
# differ from sector to sector. A literal azimuthal average over the whole ring is one
# argument away (`static_labels=` a map of thin full rings). Written out in NumPy for
# one ROI, it is a matrix product:

# %%
def c2_paper_form(roi_frames: np.ndarray) -> np.ndarray:
    """C2 of the paper's eqs. (1)-(2) for one ROI; roi_frames (T, N pixels) -> c2 (T, T)."""
    intensity = roi_frames.astype(np.float64)
    saxs = intensity.mean()  # <I(Q)>_t: the time average, averaged over the ROI's pixels
    fluctuation = (intensity - saxs) / saxs  # D(p, t), (T, N)
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
# ROI *in each frame* instead of a mean over time:
#
# $$ C_2^{\text{ratio}}(t_1, t_2) = \frac{\langle I(p, t_1)\, I(p, t_2) \rangle_p}
#    {\langle I(p, t_1) \rangle_p\, \langle I(p, t_2) \rangle_p} . $$
#
# Its baseline is 1 instead of 0 and its diagonal band reaches $1 + \beta$. When the
# ROI's mean intensity hardly changes from frame to frame, $\langle I(p,t)\rangle_p
# \approx \langle I(Q)\rangle_t$ and the two forms agree up to that offset:
# $C_2^{\text{paper}} \approx C_2^{\text{ratio}} - 1$. The figures in this book say
# which form they show.
#
# ### A variant to avoid: each pixel's own mean
#
# It is tempting to divide each pixel by *its own* time average,
# $D(p, t) = I(p, t)/\langle I(p)\rangle_t - 1$ (`form="paper_per_pixel"`; earlier
# versions of this book called it the paper form). It is a different quantity. Each
# pixel's fluctuation now sums to zero over the movie, so every row of $C_2$ sums to
# zero, and a finite window lends each pixel a mean that already contains part of the
# fluctuation being measured: a pixel that happened to sit on a bright speckle for
# much of the movie gets a large mean and a damped fluctuation. The scatter plot below
# shows the consequence: against the ratio form the paper's form lies on the diagonal,
# slope {eval}`f"{slope_paper:.2f}"`, while the per-pixel variant falls below it,
# slope {eval}`f"{slope_per_pixel:.2f}"`. The effect shrinks as the movie grows
# longer than the relaxation time.

# %%
c2_ratio = corr.two_time(frames, labels, form="ratio")
c2_per_pixel = corr.two_time(frames, labels, form="paper_per_pixel")
off_diagonal = ~np.eye(c2_ratio.shape[-1], dtype=bool)
x_all = (c2_ratio[0][off_diagonal] - 1).astype(np.float64)
slopes = {name: np.polyfit(x_all, c2[0][off_diagonal].astype(np.float64), 1)[0]
          for name, c2 in (("paper", c2_paper), ("per_pixel", c2_per_pixel))}
slope_paper = float(slopes["paper"])
slope_per_pixel = float(slopes["per_pixel"])

fig, axes = plt.subplots(1, 3, figsize=(PAGE_WIDTH, 3.1), constrained_layout=True)
show_c2(axes[0], c2_paper[0], dt=FRAME_TIME, title="paper form\n(baseline 0)")
show_c2(axes[1], c2_ratio[0], dt=FRAME_TIME, title="ratio form\n(baseline 1)")
sample = np.random.default_rng(SEED).choice(off_diagonal.sum(), 4000, replace=False)
axes[2].plot(x_all[sample], c2_per_pixel[0][off_diagonal][sample], ".", ms=2, alpha=0.4, color="tab:orange",
             label=f"per-pixel mean, slope {slopes['per_pixel']:.2f}")
axes[2].plot(x_all[sample], c2_paper[0][off_diagonal][sample], ".", ms=2, alpha=0.4, color="tab:blue",
             label=f"paper form, slope {slopes['paper']:.2f}")
lim = np.array([x_all.min(), x_all.max()])
axes[2].plot(lim, lim, "k-", lw=1, label="equal")
axes[2].set_xlabel("ratio form $- 1$")
axes[2].set_ylabel("paper form / variant")
axes[2].set_title("sector 1,\noff-diagonal pairs")
axes[2].legend(fontsize=6, markerscale=3)
plt.show()

# %% [markdown]
# The variant fails worst on a sample that barely moves. Take frozen speckle: a movie
# whose relaxation time is far longer than the recording. Every pixel then keeps its
# speckle intensity, and its own time average *is* that intensity, so the per-pixel
# fluctuation is Poisson noise alone and $C_2$ falls to about 0 off the diagonal, as if
# the sample had decorrelated completely. The paper's form divides by the ROI's mean
# instead, so the static speckle stays: $C_2$ sits near the contrast $\beta$ = 0.25, the
# signature of a sample that has not moved.

# %%
frozen = sim.simulate_movie(detector, sim.stationary(RATE * 1e-4), n_frames=min(P.n_frames, 1000), dt=FRAME_TIME,
                            seed=SEED + 5, grains_per_pixel=4, photons_per_pixel=2.0)
frozen_c2 = {form: corr.two_time(frozen.frames, labels == 1, form=form)[0]
             for form in ("paper", "paper_per_pixel")}
frozen_level = {form: float(corr.g2_from_c2(c2).mean()) for form, c2 in frozen_c2.items()}
frozen_paper = float(frozen_level["paper"])
frozen_per_pixel = float(frozen_level["paper_per_pixel"])
fig, axes = plt.subplots(1, 2, figsize=(PAGE_WIDTH, 3.4), constrained_layout=True)
for ax, (form, title) in zip(axes, (("paper", "paper form"), ("paper_per_pixel", "per-pixel variant"))):
    show_c2(ax, frozen_c2[form], dt=FRAME_TIME, title=f"frozen speckle, {title}\n"
            f"mean off-diagonal {frozen_level[form]:.3f}", vmin=-0.05, vmax=0.4)
plt.show()

# %% [markdown]
# Off the diagonal the paper's form gives {eval}`f"{frozen_paper:.3f}"` (the contrast
# is 0.25), the per-pixel variant {eval}`f"{frozen_per_pixel:.3f}"`.
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
# ### What to divide by: static bins
#
# The ratio form divides each frame by the ROI's mean in that frame. That is right
# when every pixel of the ROI has the same mean intensity. A real ROI often does not:
# the SAXS intensity can fall steeply across a wide $q$ ring, a bright streak or the
# edge of the beamstop's shadow can cross it. Pixels of different mean then look,
# to the ratio form, like a speckle pattern that never changes: the off-diagonal
# baseline rises above 1 by the spread of the means, $\langle a^2\rangle/\langle
# a\rangle^2 - 1$, whatever the sample does.
#
# APS 8-ID-I's correlator (boost_corr) avoids this: before correlating, it divides
# each frame by its own mean over *static* $q$ bins, finer than the dynamic ROI (its
# `sqmap`), so that every pixel enters with mean 1 within its bin. `two_time` does the
# same with `static_labels=`:
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
two_levels = np.where(q_map < split_q, 4.0, 1.0)  # the inner half of each sector 4x brighter
static_bins = corr.roi_partition(q_map, azimuth_map, q_edges=[PAPER_Q_RING[0], split_q, PAPER_Q_RING[1]],
                                 n_sectors=18)  # each sector cut in two at split_q
demo_frames = min(P.n_frames, 1000)  # enough for a baseline; keeps the paper preset's memory down
noiseless = sim.simulate_movie(detector, sim.stationary(RATE), n_frames=demo_frames, dt=FRAME_TIME,
                               seed=SEED + 6, grains_per_pixel=4, photons_per_pixel=None)
drift = np.linspace(0.5, 1.5, demo_frames)
drifting = np.random.default_rng(SEED + 7).poisson(
    2.0 * drift[:, None, None] * two_levels * noiseless.frames)  # counts, (T, H, W)
c2_plain = corr.two_time(drifting, labels == 1, form="ratio")[0]
c2_static = corr.two_time(drifting, labels == 1, form="ratio", static_labels=static_bins)[0]
baseline = {name: float(corr.g2_from_c2(c2)[demo_frames // 4:].mean())
            for name, c2 in (("plain", c2_plain), ("static", c2_static))}
baseline_plain = float(baseline["plain"])
baseline_static = float(baseline["static"])
levels_in_sector = two_levels[labels == 1]  # the mean-intensity level a of each pixel of the sector
baseline_theory = float(np.mean(levels_in_sector**2) / np.mean(levels_in_sector) ** 2)

fig, axes = plt.subplots(1, 3, figsize=(PAGE_WIDTH, 3.0), constrained_layout=True)
show_c2(axes[0], c2_plain, dt=FRAME_TIME, title="ratio form", vmin=0.95, vmax=1.7)
show_c2(axes[1], c2_static, dt=FRAME_TIME, title="ratio form,\nstatic bins", vmin=0.95, vmax=1.7)
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
# The plain ratio form settles at a baseline of {eval}`f"{baseline_plain:.2f}"`
# (the spread of the means predicts $\langle a^2\rangle/\langle a\rangle^2$ =
# {eval}`f"{baseline_theory:.2f}"` for levels 4 and 1 over the two halves), the form
# with static bins at {eval}`f"{baseline_static:.3f}"`: only
# the second one says that the sample has fully decorrelated. The drift itself does no
# harm to either, since both divide frame by frame. Where the static bins are the ROI,
# as in the rest of this book's synthetic data (every pixel of a sector has the same
# mean), both give the same numbers.
#
# ### From $C_2$ back to $g_2$
#
# In equilibrium, $C_2$ depends only on $t_2 - t_1$, so averaging each diagonal of the
# ratio form gives back $g_2$: the one-time correlation is a summary of the two-time
# one, valid exactly when nothing changes. Each lag $k$ averages $T - k$ pairs of
# frames; `g2_with_errors` also returns that count and a standard error per lag (by
# batch means along the diagonal, because neighbouring pairs share a slowly changing
# speckle). With those errors the fit is weighted, and its $\chi^2_{\text{red}}$ means
# what it says.

# %%
g2_diag = corr.g2_with_errors(c2_ratio, max_lag=P.n_frames // 4)  # all 18 sectors, lags up to T/4
diagonal_lags = g2_diag.lags * FRAME_TIME
fig, ax = plt.subplots(figsize=(6.5, 4), constrained_layout=True)
ax.errorbar(diagonal_lags, g2_diag.g2[0], yerr=g2_diag.stderr[0], fmt="-", lw=0.8, elinewidth=0.5,
            label="mean of each diagonal of $C_2$, ± standard error")
ax.semilogx(tau, g2[0], "o", label="multi-tau $g_2$")
ax.set_xscale("log")
ax.set_xlabel("lag $\\tau$ (s)")
ax.set_ylabel("$g_2$")
ax.legend()
plt.show()

weighted = [corr.fit_kww(diagonal_lags, g2_diag.g2[r], sigma=g2_diag.stderr[r], absolute_sigma=True,
                         fix_alpha=1.0) for r in range(labels.max())]
sector_rates = np.array([f.rate for f in weighted])
quoted = np.mean([f.rate_err for f in weighted])
understated = sector_rates.std(ddof=1) / quoted
print(f"sector 1, weighted fit: Gamma = {weighted[0].rate:.2f} ± {weighted[0].rate_err:.2f} 1/s, "
      f"chi2_red = {weighted[0].chi2_red:.2f}")
print(f"18 sectors (the same truth): Gamma scatters by {sector_rates.std(ddof=1):.3f} 1/s, "
      f"the fits quote ± {quoted:.3f} on average: {understated:.1f} times too small")
chi2_sector1 = float(weighted[0].chi2_red)
chi2_mean = float(np.mean([f.chi2_red for f in weighted]))
understated_text = float(understated)
# the per-lag errors, checked the same way: the scatter of each lag's g2 over the 18
# sectors against the standard error the sectors quote for it (1 if they are right)
per_lag = g2_diag.g2.std(axis=0, ddof=1) / np.nanmean(g2_diag.stderr, axis=0)
per_lag_ratio = float(np.nanmedian(per_lag))
print(f"per lag: scatter over the sectors / quoted standard error, median {np.nanmedian(per_lag):.2f}")

# %% [markdown]
# The 18 sectors are 18 independent measurements of the same dynamics (the simulated
# sample is isotropic, every sector spans the same $q$). Lag by lag, their $g_2$
# scatter {eval}`f"{per_lag_ratio:.2f}"` times the standard error they quote (median
# over the lags; 1 means the per-lag errors are right). Their fitted rates, though,
# scatter {eval}`f"{understated_text:.1f}"` times more than the error each fit quotes, and
# the mean $\chi^2_{\text{red}}$ is {eval}`f"{chi2_mean:.2f}"`, where independent
# errors would give about 1. One cause explains both: neighbouring lags average
# nearly the same frames, so their errors are strongly correlated, and least squares
# treats them as independent. The test
# `tests/test_g2_errors.py` checks the same two facts over 30 seeds of a simulated
# stack (`.venv/bin/pytest tests/test_g2_errors.py -q`; its docstring gives the
# numbers it measured). Trust the scatter between independent ROIs or repeated runs
# more than a single fit's ±.

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

# %% [markdown]
# ## At a detector's real size: sparse photons and frames on disk
#
# The paper's Lambda 750k detector has 512 × 1536 pixels, and its correlations take
# groups of 5,000 frames: 7.9 GB of 16-bit counts, more than a laptop holds. Two facts
# make it tractable. Real
# XPCS counts are *sparse*: at a fraction of a photon per pixel per frame almost every
# value is zero, so a sparse matrix (row = frame, column = pixel) stores only the
# photons, and `two_time` correlates it without ever making it dense. And the frames
# need not be in memory at all: `open_frames` reads an HDF5 dataset or a `.npy` file a
# block of frames at a time, and `two_time` then holds only its output and two blocks.
# Both give the same $C_2$ as the array. Here is sector 1 of an equilibrium movie at
# 0.05 photons per pixel per frame, as a sparse matrix and from a file:

# %%
import tempfile
from pathlib import Path

import scipy.sparse

faint = sim.simulate_movie(detector, sim.stationary(RATE), n_frames=P.n_frames, dt=FRAME_TIME, seed=SEED + 20,
                         grains_per_pixel=4, photons_per_pixel=0.05).frames
sector1 = labels == 1
photons = scipy.sparse.csr_matrix(faint.reshape(len(faint), -1))  # (T, H*W): row t is frame t
density = photons.nnz / faint.size
sparse_bytes = photons.data.nbytes + photons.indices.nbytes + photons.indptr.nbytes
with warnings.catch_warnings():
    warnings.simplefilter("ignore", RuntimeWarning)  # a frame may hold no photon in sector 1
    c2_dense = corr.two_time(faint, sector1)[0]
    c2_sparse = corr.two_time(photons, sector1)[0]
    with tempfile.TemporaryDirectory() as tmp:
        np.save(Path(tmp) / "frames.npy", faint)
        on_disk = corr.open_frames(Path(tmp) / "frames.npy")
        c2_streamed = corr.two_time(on_disk, sector1, block_frames=P.n_frames // 4)[0]
print(f"{100 * density:.1f} % of the counts are non-zero; sparse storage {sparse_bytes / faint.nbytes:.2f} "
      f"of the dense {faint.dtype} stack")
print(f"largest |C2 difference|: sparse {np.nanmax(np.abs(c2_sparse - c2_dense)):.1e}, "
      f"streamed from disk {np.nanmax(np.abs(c2_streamed - c2_dense)):.1e}")
sparse_density = float(100 * density)
sparse_storage = float(sparse_bytes / faint.nbytes)

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
print(f"lags 1..{len(g2_diagonal)}: diagonal mean NaN at {int(np.isnan(g2_diagonal).sum())}, "
      f"ratio of sums NaN at {int(np.isnan(g2_sums.g2).sum())}")
dark_nan_lags = int(np.isnan(g2_diagonal).sum())
dark_all_lags = len(g2_diagonal)

# %% [markdown]
# One empty frame costs the diagonal mean {eval}`dark_nan_lags` of
# {eval}`dark_all_lags` lags; the ratio of sums keeps them all. Where the ROI's
# intensity is steady the two agree; where it changes from frame to frame they differ
# slightly (a mean of ratios is not a ratio of means), so a fit should say which one it
# used.
#
# Long series make large maps: 20,000 frames give $4 \times 10^8$ values per ROI.
# `bin_c2` averages $C_2$ in square blocks of $(t_1, t_2)$; `age_lag` re-indexes it by
# the age $(t_1 + t_2)/2$ and the lag $t_2 - t_1$ of each pair, so that each row is the
# $g_2$ of one stretch of the experiment. For the aging sample above, four age bins
# show the decay slowing down as the sample ages:

# %%
edges, age_lags, by_age = corr.age_lag(c2_gallery["aging"], age_bin=P.n_frames // 4, max_lag=P.n_frames // 4)
fig, ax = plt.subplots(figsize=(6.5, 3.6), constrained_layout=True)
for a in range(len(edges) - 1):
    ax.semilogx(age_lags[1:] * FRAME_TIME, by_age[a, 1:],
                label=f"age {edges[a] * FRAME_TIME:.1f}-{edges[a + 1] * FRAME_TIME:.1f} s")
ax.set_xlabel("lag $t_2 - t_1$ (s)")
ax.set_ylabel("$C_2$ averaged at each age")
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# ## Exercises
#
# **Exercise 1 (fill in).** Write the ratio form of $C_2$ for one ROI in NumPy, as
# `c2_paper_form` above does for the paper's form:
# $C_2(t_1, t_2) = \langle I(p,t_1) I(p,t_2)\rangle_p / (\langle I(p,t_1)\rangle_p
# \langle I(p,t_2)\rangle_p)$. The numerator is one matrix product; the denominator
# is an outer product of the ROI's mean intensity in each frame with itself. Replace
# each `...`, run the cell, then run the check below it.

# %%
def c2_ratio_form(roi_frames: np.ndarray) -> np.ndarray:
    """Ratio-form C2 of one ROI; roi_frames (T, N pixels) -> c2 (T, T)."""
    intensity = roi_frames.astype(np.float64)
    numerator = ...  # <I(p, t1) I(p, t2)>_p for every pair of frames, (T, T)
    frame_mean = ...  # <I(p, t)>_p, the ROI's mean in each frame, (T,)
    return ...  # the numerator over the outer product of frame_mean with itself


my_c2 = c2_ratio_form(roi_frames)  # sector 1, as in c2_paper_form above

# %%
check_answer("your ratio-form C2 of sector 1", my_c2, corr.two_time(frames, labels == 1, form="ratio")[0],
             rtol=1e-4, atol=1e-5)

# %% tags=["hide-cell"]
# Solution: the pixel average of the products, divided by the product of the averages.
def c2_ratio_form(roi_frames: np.ndarray) -> np.ndarray:
    """Ratio-form C2 of one ROI; roi_frames (T, N pixels) -> c2 (T, T)."""
    intensity = roi_frames.astype(np.float64)
    numerator = intensity @ intensity.T / intensity.shape[1]
    frame_mean = intensity.mean(axis=1)
    return numerator / np.outer(frame_mean, frame_mean)


my_c2 = c2_ratio_form(roi_frames)
assert check_answer("your ratio-form C2 of sector 1", my_c2, corr.two_time(frames, labels == 1, form="ratio")[0],
                    rtol=1e-4, atol=1e-5)

# %% [markdown]
# **Exercise 2: contrast from grains.** Simulate the equilibrium movie again with 2 and
# then 8 grains per pixel. Fit $g_2$ of sector 1 each time. Which contrast do you
# expect, and do you get it?

# %% tags=["hide-cell"]
# Solution: the contrast is 1/M, so 0.5 and 0.125.
for grains in (2, 8):
    movie = sim.simulate_movie(detector, sim.stationary(RATE), n_frames=P.n_frames, dt=FRAME_TIME,
                               seed=SEED, grains_per_pixel=grains, photons_per_pixel=2.0)
    lags_m, g2_m = corr.multi_tau_g2(movie.frames, labels == 1, num_levels=MT_LEVELS, num_bufs=MT_BUFS)
    beta = corr.fit_kww(lags_m[1:] * FRAME_TIME, g2_m[0, 1:], fix_alpha=1.0).beta
    print(f"M = {grains}: fitted beta = {beta:.3f}, expected {1 / grains:.3f}")

# %% [markdown]
# **Exercise 3: read a rate off the band.** In the ratio-form $C_2$ of an equilibrium
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
# **Exercise 4: why the rows sum to zero.** Check numerically that every row of the
# per-pixel variant `c2_per_pixel[0]` sums to zero (to float32 precision), and that the
# rows of the paper's form `c2_paper[0]` do not. Explain both in one line from the
# definitions of $D(p, t)$.

# %% tags=["hide-cell"]
# Solution: with each pixel's own mean, sum over t2 of D(p, t2) is zero for each pixel,
# and the row sum is the pixel average of D(p, t1) times that sum.  With the ROI's mean
# S, sum over t2 of D(p, t2) = T (<I(p)>_t / S - 1), which is not zero for a pixel
# brighter or dimmer than the ROI's mean.
for name, c2 in (("per-pixel variant", c2_per_pixel[0]), ("paper form", c2_paper[0])):
    row_sums = c2.astype(np.float64).sum(axis=1)
    print(f"{name}: largest |row sum| {np.abs(row_sums).max():.2e} (row values of order {c2.max():.2f})")

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
# whatever the dynamics; the figure in "From $C_2$ back to $g_2$" shows them on top of
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
# average removes exactly the static speckle, so a frozen sample looks decorrelated,
# the pitfall shown above. C is the level of the *ratio* form, whose baseline is 1,
# not of the paper's form, whose baseline is 0.
#
# </details>

# %% [markdown]
# **Question 3.** A KWW fit of an equilibrium $g_2$ gives an exponent $\alpha$
# clearly above 1. What does that say about the sample?
#
# - A. The decay is compressed, sharper than an exponential: typical of stress-driven,
#   ballistic rearrangements, where also $\Gamma \propto q$.
# - B. The decay is stretched: the ROI mixes many relaxation rates.
# - C. Nothing about the dynamics: $\alpha$ only rescales the contrast.
#
# <details><summary>Answer</summary>
#
# **A.** $\alpha > 1$ makes $\exp[-2(\Gamma\tau)^\alpha]$ fall faster than an exponential
# around $\tau = 1/\Gamma$, the compressed shape of jammed and glassy samples. B is the
# opposite case: a blend of rates gives $\alpha < 1$, as the sector's blend of rates
# did, slightly, above. C is wrong: the contrast is $\beta$, the value at $\tau = 0$;
# $\alpha$ changes only the shape of the decay, not its height.
#
# </details>

# %% [markdown]
# ## Summary
#
# - Every pixel has a $q$ and an azimuth; the paper's ROIs are 18 sectors of 20° of the
#   ring $0.019 < q < 0.029$ nm$^{-1}$.
# - In equilibrium, $g_2(\tau) = 1 + \beta e^{-2\Gamma\tau}$ (Siegert); a fit gives the
#   contrast $\beta$ and the rate $\Gamma$, and diffusion shows as $\Gamma \propto q^2$.
# - A multi-tau correlator measures $g_2$ on a ladder of lags that double from level to
#   level, on frames averaged in pairs: cheap in time and memory, coarse at long lags,
#   and blind to changes during the movie, which $C_2$ keeps at $T^2$ cost.
# - The KWW form $g_2 = b + \beta\exp[-2(\Gamma\tau)^\alpha]$ fits $g_2$: $\alpha = 1$
#   for Brownian motion, below 1 (stretched) for a spread of rates, above 1
#   (compressed) for stress-driven, ballistic motion.
# - $C_2(t_1, t_2)$ keeps both times. The paper's form correlates fluctuations
#   normalised by the time-averaged SAXS intensity of a $q$ bin (baseline 0, frozen
#   speckle stays at the contrast); dividing each pixel by its own mean instead is a
#   different quantity (rows sum to zero, frozen speckle looks decorrelated). The
#   ratio form of beamline software normalises each frame (baseline 1, immune to flux
#   jitter), and with static bins, as at APS, it also ignores uneven mean intensity
#   inside an ROI.
# - $g_2$ from $C_2$ comes with per-lag errors; a weighted fit's ± is still too small,
#   because neighbouring lags share frames.
# - Band width, its change along the diagonal, squares and fringes are the features to
#   read in a $C_2$.
# - Real detectors are large and their counts sparse: `two_time` takes a sparse matrix
#   or frames streamed from disk (`open_frames`); `g2_ratio_of_sums` survives empty
#   frames; `bin_c2` and `age_lag` shrink long maps.
#
# ## What's next
#
# Chapter 2 builds a library of such dynamics with known ground truth, computes large
# $C_2$ maps from them, and cuts them into the 256 × 256 crops that the paper trains
# its autoencoder on.

# %%
FRAME.finish()
