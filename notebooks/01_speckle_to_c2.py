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
#    sectors of 20° ([Horwath et al. 2024](https://doi.org/10.1038/s41467-024-49381-z));
# 3. compute the one-time correlation $g_2(\tau)$ of a sample in equilibrium, fit it,
#    and check it against the Siegert relation, recovering the contrast and the
#    relaxation rate the movie was made with;
# 4. compute the two-time correlation $C_2(t_1, t_2)$ as the paper defines it, and
#    play with a small simulated sample whose rate, contrast and photon rate you set;
# 5. read the $C_2$ of samples out of equilibrium: aging, relaxing after shear,
#    avalanching, flowing past a static reference.
#
# These $C_2$ maps are the images that the rest of the book feeds to a neural network.
# How a beamline computes them (multi-tau internals, the other normalisations, error
# bars, detectors of real size) is the optional chapter 8; the later chapters do not
# need it.
#
# ## Prerequisites
#
# | you need | where to get it |
# | --- | --- |
# | Python, NumPy arrays and Matplotlib | any introductory course |
# | the idea of an autocorrelation function | a few lines on Wikipedia suffice |
# | complex numbers, the exponential decay $e^{-t/\tau}$ | school mathematics |
#
# Time to run: under a minute at the `fast` preset on a laptop CPU, a few minutes at
# `class`, about ten at `paper`.

# %% tags=["parameters"]
from xpcs_nb.presets import preset_for_this_machine

# $XPCS_PRESET, else "class" with a CUDA GPU, "fast" without; or "class_cpu", "paper"
PRESET = preset_for_this_machine()
SEED = 2024  # the same seed gives the same speckle movies
FRAME_TIME = 0.01  # s per frame
RATE = 2.0  # relaxation rate Gamma at q_ref = 0.024 nm^-1, 1/s

# %%
import warnings

import matplotlib.pyplot as plt
import numpy as np

from xpcs_nb import correlation as corr
from xpcs_nb import simulate as sim
from xpcs_nb import words
from xpcs_nb.chapter import start_chapter
from xpcs_nb.checks import check_answer
from xpcs_nb.geometry import Detector
from xpcs_nb.plotting import PAGE_WIDTH, show_c2, show_frame, show_roi_map
from xpcs_nb.presets import get_preset
from xpcs_nb.speckle_widget import speckle_explorer, speckle_figure, speckle_run

# The multi-tau fits below have no error bars to weigh by: fit_kww says (once per
# call site) that their chi2_red is then a mean squared residual.  We know; chapter 8
# weighs them.
warnings.filterwarnings("ignore", category=corr.UnweightedFitWarning)

P = get_preset(PRESET)
print(f"preset {P.name!r}: {P.detector_side}x{P.detector_side} pixels, "
      f"{P.n_frames} frames of {FRAME_TIME} s")

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
# $q \approx 2\pi/d$. The paper analyses the ring $0.019 < q < 0.029$ nm$^{-1}$,
# "within the vicinity of the first peak in the structure factor". Because shear
# makes the dynamics depend on direction, the ring is cut into 18 azimuthal sectors
# of 20° each: 18 ROIs, each with its own correlation function. Our simulated
# detector is a square patch of the real one, centred on the beam, big enough to hold
# that ring. The photon energy is the paper's 11 keV (Methods V B), so
# $\lambda = hc/E$ = 0.1127 nm.

# %%
WAVELENGTH, DISTANCE, PIXEL = 1.127e-10, 8.0, 55e-6  # m: the paper's set-up
detector = Detector(shape=(P.detector_side, P.detector_side), pixel_size=PIXEL,
                    distance=DISTANCE, wavelength=WAVELENGTH)
q_map = detector.q_map()  # (H, W), nm^-1
azimuth_map = detector.azimuth_map()  # (H, W), degrees
PAPER_Q_RING = (0.019, 0.029)  # nm^-1
labels = corr.roi_partition(q_map, azimuth_map, q_edges=PAPER_Q_RING, n_sectors=18)
pixels_per_roi = np.bincount(labels.ravel())[1:]
print(f"{labels.max()} ROIs, {pixels_per_roi.min()} to {pixels_per_roi.max()} pixels "
      "each")
ring_spacing = float(2 * np.pi / np.mean(PAPER_Q_RING))  # nm

# %%
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
# **Figure 1.1.** Every pixel of the simulated detector with its scattering vector $q$
# (left) and azimuth (middle), and the 18 ROIs cut from the paper's ring (right).
# Look at how $q$ grows with the distance from the beam in the centre, and where
# sector 1 starts: at +x (to the right), the numbers running counter-clockwise.
# Pixels outside the ring carry the label 0 and take no part.
#
# The ring's middle corresponds to $2\pi/q$ = {eval}`f"{ring_spacing:.0f}"` nm, about
# the size of the paper's silica particles (200-300 nm, Methods V A): in a glass this
# dense, neighbours nearly touch.
#
# ## A speckle movie in equilibrium
#
# The simulator (`xpcs_nb.simulate`) gives each pixel a few independent speckle
# *grains*, each a complex field $E$ that forgets its past at the rate $\Gamma$:
#
# $$ E(t + \Delta t) = a\,E(t) + \sqrt{1 - a^2}\,\xi, \qquad
#    a = e^{-\Gamma \Delta t}, $$
#
# with $\xi$ fresh complex Gaussian noise. The field correlation is then
# $g_1(\tau) = e^{-\Gamma \tau}$. A pixel's intensity is the mean of $|E|^2$ over its
# $M$ grains, which sets the speckle contrast $\beta = 1/M$, and the detector counts
# Poisson photons with that intensity as their mean. Brownian particles relax
# diffusively, $\Gamma = D q^2$, so the outer part of the ring decorrelates faster
# than the inner.
#
# The grains stand for what a real pixel does when it spans *several* speckles: it
# averages their independent intensities, and the contrast falls as one over their
# number. How big is a speckle? About $\lambda L / a$, with $a$ the size of the
# illuminated spot on the sample. With the paper's numbers, 0.1127 nm, 8 m and a beam
# of 10 µm × 10 µm on the sample (Methods V B), that is computed below.

# %%
BEAM = 10e-6  # m, the beam's footprint on the sample (Methods V B)
speckle_um = WAVELENGTH * DISTANCE / BEAM * 1e6  # lambda L / a, in µm
speckle_pixels = speckle_um / (PIXEL * 1e6)
print(f"speckle about {speckle_um:.0f} µm across: {speckle_pixels:.1f} pixels of "
      f"{PIXEL * 1e6:.0f} µm")

# %% [markdown]
# A speckle is about {eval}`f"{speckle_um:.0f}"` µm across,
# {eval}`f"{speckle_pixels:.1f}"` of the 55 µm pixels: in the paper's geometry a pixel
# is smaller than a speckle, so pixel averaging alone would cost little contrast. The
# simulation's $M = 4$ grains, $\beta$ = 0.25, is a round setting lower than that;
# a beam that is only partly coherent lowers a real contrast too.

# %% [markdown]
# **Think!** The next cell simulates the movie at one photon per pixel per frame and
# shows a single frame, the average of all frames, and one pixel over time. Will you
# see speckle grains in the single frame? In the time average?

# %%
equilibrium = sim.simulate_movie(
    detector, sim.stationary(RATE), n_frames=P.n_frames, dt=FRAME_TIME, seed=SEED,
    grains_per_pixel=4, photons_per_pixel=1.0)
frames = equilibrium.frames  # (T, H, W) photon counts
print(f"frames {frames.shape} {frames.dtype}, mean {frames.mean():.2f} photons per "
      f"pixel per frame, true contrast {equilibrium.contrast}")
duration = P.n_frames * FRAME_TIME  # s
# how many relaxation times the movie lasts at the inner and outer edge of the ring
inner_edge, outer_edge = (equilibrium.relaxation_rate(q)[0] for q in PAPER_Q_RING)
ring_decorrelations = float(inner_edge * duration)
ring_decorrelations_max = float(outer_edge * duration)

# %%
fig, axes = plt.subplots(1, 3, figsize=(PAGE_WIDTH, 3.1), constrained_layout=True)
show_frame(axes[0], frames[0], title="frame 0:\nphoton counts")
show_frame(axes[1], frames.mean(axis=0), label="mean counts",
           title="time average: speckle washes\nout, except near the beam")
row, col = np.argwhere(labels == 1)[0]
axes[2].plot(equilibrium.times, frames[:, row, col], lw=0.7)
axes[2].set_xlabel("time (s)")
axes[2].set_ylabel("counts")
axes[2].set_title("one pixel of sector 1\nover time")
plt.show()

# %% [markdown]
# **Figure 1.2.** The equilibrium movie: its first frame (left), the average of all
# its frames (middle), and the counts of one pixel of sector 1 over time (right). Look
# at the single frame: mostly zeros and ones; and at the grainy centre of the average.
#
# One frame looks like noise: about one photon per pixel, many zeros, as in many XPCS
# experiments. The speckle is there all the same, and it shows only statistically,
# through correlations. Averaged over time it washes out where the sample moves fast
# enough: at the ring a pixel forgets its speckle
# {eval}`f"{ring_decorrelations:.0f}"` to {eval}`f"{ring_decorrelations_max:.0f}"`
# times during the movie, but near the beam, where $\Gamma = D q^2$ is small, the
# speckle barely changes and survives in the average as a grainy centre. Elsewhere
# the average is nearly flat, because this simulated sample scatters the same mean
# intensity at every $q$ (a real one peaks at its structure factor, which only
# rescales each pixel). The synthetic library of chapter 2 uses 10 photons per pixel
# per frame, not 1: shot noise lifts the diagonal of a ratio-form $C_2$ by
# 1 / (photons per pixel), and at 1 photon that lift would dominate every scaled crop;
# at 10 it is 0.4 times the contrast, about what the paper's published real crop
# shows.
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
# which lets us read $\beta$ and $\Gamma$ off a fit. Beamline software computes $g_2$
# with a **multi-tau** correlator (`corr.multi_tau_g2`): a few lags per doubling of
# the lag, the longer ones on frames averaged in pairs, so a decay that spans decades
# is sampled evenly on a log axis at little cost. Chapter 8 opens it up.
#
# ### Fitting $g_2$: the KWW form
#
# The model fitted to $g_2$ throughout XPCS is the **Kohlrausch-Williams-Watts
# (KWW)** form, a stretched or compressed exponential. In this package's notation
# (`corr.kww`, `corr.fit_kww`):
#
# $$ g_2(\tau) = b + \beta \exp\!\left[-2\,(\Gamma\tau)^{\alpha}\right] , $$
#
# with the baseline $b$ (1 for the $g_2$ of this chapter), the contrast $\beta$, the
# rate $\Gamma$ and the exponent $\alpha$. Many papers write the same curve with the
# relaxation time $\tau_0 = 1/\Gamma$, as $\exp[-2(\tau/\tau_0)^{\alpha}]$, and call
# the exponent $\gamma$ (or $\beta$, which here is the contrast).
#
# - $\alpha = 1$: a simple exponential, the Siegert relation above for Brownian
#   particles.
# - $\alpha < 1$, *stretched*: slower than exponential at long lags, the mark of a
#   spread of relaxation rates, each region of the sample relaxing at its own.
# - $\alpha > 1$, *compressed*: sharper than exponential, a mark of a sample out of
#   equilibrium. Colloidal gels and glasses that age, relax internal stress or flow
#   often show it, with $\alpha$ near 1.5. Whether the motion is ballistic
#   ($\Gamma \propto q$) or diffusive ($\Gamma \propto q^2$) is a separate question,
#   answered by fitting several $q$ (below), not by $\alpha$.
#
# The AI-NERD paper writes no formula for $g_2$. Its introduction says only that,
# under steady-state conditions, "analytical models describing the dynamic
# decorrelation can be assumed, and experimental data is fit to the model to extract
# physical parameters", and that "the dynamics of relaxation are often strongly
# outside of equilibrium conditions", which is why it turns to $C_2$. The KWW form is
# the usual such model (Madsen et al. 2010, the paper's ref. 78, discuss correlation
# functions beyond a simple exponential).

# %%
kww_tau = np.geomspace(1e-2, 10, 200)  # s
fig, ax = plt.subplots(figsize=(5.5, 3.4), constrained_layout=True)
for alpha, name in ((0.5, "stretched"), (1.0, "simple exponential"),
                    (1.5, "compressed")):
    g2_kww = corr.kww(kww_tau, baseline=1.0, beta=0.25, rate=1.0, alpha=alpha)
    ax.semilogx(kww_tau, g2_kww, label=f"$\\alpha$ = {alpha}: {name}")
ax.axvline(1.0, color="0.6", lw=0.8, ls=":")  # tau = 1 / Gamma
ax.set_xlabel("lag $\\tau$ (s), $\\Gamma$ = 1/s")
ax.set_ylabel("$g_2$")
ax.set_title("the KWW form, $\\beta$ = 0.25", fontsize=9)
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# **Figure 1.3.** The KWW form with the same contrast and rate and three exponents
# $\alpha$. Look at the dotted line at $\tau = 1/\Gamma$, where every curve passes
# $1 + \beta e^{-2}$: the exponent changes the shape of the decay, not its height or
# where it happens.

# %% [markdown]
# **Think!** The movie was made with $\beta$ = 0.25 and a rate of 2/s at
# $q_{\text{ref}}$, about the middle of the ring. The next cell fits the $g_2$ of
# sector 1 with $\alpha$ held at 1. Will it give back 0.25? Will the rate be exactly
# the one at the sector's mean $q$, or something blurred? And if $\alpha$ is left
# free, will it come out 1?

# %%
MT_LEVELS, MT_BUFS = 6, 8  # the multi-tau correlator: 6 levels of 8 buffers
lags, g2 = corr.multi_tau_g2(frames, labels, num_levels=MT_LEVELS, num_bufs=MT_BUFS)
# lag 0 is <I^2>/<I>^2, which also holds the Poisson shot noise: leave it out
lags, g2 = lags[1:], g2[:, 1:]  # g2 (n_roi, n_lags)
tau = lags * FRAME_TIME  # s
# The truth for a sector: the Siegert curve of each of its pixels, averaged, because
# the pixels of one sector span q = 0.019 .. 0.029 nm^-1 and so a range of rates.
sector_pixel_q = q_map[labels == 1]  # (N,)
g2_truth = equilibrium.g2_theory(sector_pixel_q[:, None], tau[None, :]).mean(axis=0)
fit = corr.fit_kww(tau, g2[0], fix_alpha=1.0)  # g2 = b + beta exp(-2 Gamma tau)
fit_truth = corr.fit_kww(tau, g2_truth, fix_alpha=1.0)  # the same fit, exact curve
free, free_truth = corr.fit_kww(tau, g2[0]), corr.fit_kww(tau, g2_truth)  # alpha free
print(f"sector 1: beta = {fit.beta:.3f} ± {fit.beta_err:.3f} "
      f"(true {equilibrium.contrast})")
print(f"  Gamma = {fit.rate:.2f} ± {fit.rate_err:.2f} 1/s; "
      f"the same fit on the exact curve: {fit_truth.rate:.2f} 1/s")
print(f"  alpha free: {free.alpha:.3f} ± {free.alpha_err:.3f}; "
      f"on the exact curve {free_truth.alpha:.3f}")

# %%
fig, ax = plt.subplots(figsize=(6.5, 4), constrained_layout=True)
ax.semilogx(tau, g2[0], "o", label="sector 1, multi-tau")
ax.semilogx(tau, g2_truth, "k-",
            label="Siegert, averaged over the sector's pixels (truth)")
ax.semilogx(tau, fit.model(tau), "r--", label="KWW fit, $\\alpha$ = 1")
ax.set_xlabel("lag $\\tau$ (s)")
ax.set_ylabel("$g_2$")
ax.legend()
plt.show()

# %% [markdown]
# **Figure 1.4.** The multi-tau $g_2$ of sector 1 (dots), the exact $g_2$ of its
# pixels (black) and the single-exponential fit (red dashes). Look at how closely the
# dots follow the truth at short lags, and how they scatter where the decay is over.

# %%
# the sector's pixels relax at rates from its inner to its outer edge
inner_rate = equilibrium.relaxation_rate(sector_pixel_q.min())[0]
rate_spread = float(equilibrium.relaxation_rate(sector_pixel_q.max())[0] / inner_rate)
beta_fit, rate_fit, rate_fit_err = float(fit.beta), float(fit.rate), float(fit.rate_err)
rate_exact_fit = float(fit_truth.rate)
rate_agreement = words.agreement(rate_fit, rate_exact_fit, rate_fit_err)
alpha_free, alpha_free_err = float(free.alpha), float(free.alpha_err)
alpha_exact = float(free_truth.alpha)
alpha_text = words.alpha_reading(alpha_free, alpha_free_err)

# %% [markdown]
# The fit gives the contrast $\beta$ = {eval}`f"{beta_fit:.3f}"`; the movie was made
# with 0.25. For the rate there is a subtlety worth meeting early: a sector is wide in
# $q$, its pixels relax at rates that differ by a factor of
# {eval}`f"{rate_spread:.1f}"` from the inner to the outer edge, and $g_2$ is the
# average of their exponentials. One exponential fitted to that blend gives a
# weighted mean rate: $\Gamma$ = {eval}`f"{rate_fit:.2f}"` ±
# {eval}`f"{rate_fit_err:.2f}"` s$^{-1}$ from the data, {eval}`f"{rate_exact_fit:.2f}"`
# s$^{-1}$ from the same fit of the exact blended curve; {eval}`rate_agreement`. A
# blend of exponentials is also a slightly *stretched* decay: the free-$\alpha$ fit
# of the exact curve gives $\alpha$ = {eval}`f"{alpha_exact:.3f}"`, and of the data
# {eval}`f"{alpha_free:.3f}"` ± {eval}`f"{alpha_free_err:.3f}"`, {eval}`alpha_text`.
#
# The ± of an unweighted fit like this one are least-squares errors, and they are
# too small: neighbouring multi-tau points share frames, so their errors are
# correlated, which least squares does not know. Chapter 8 measures by how much.
#
# ### Diffusion: $\Gamma \propto q^2$
#
# Cut the same ring into thin rings instead of sectors, and the rate should grow as
# $q^2$. A log-log plot of $\Gamma$ against $q$ then has slope 2.

# %% [markdown]
# **Think!** Five thin rings span $q$ from 0.019 to 0.029 nm$^{-1}$, a factor of
# about 1.5. By what factor do you expect their rates to grow from the innermost to
# the outermost ring? The next cell fits each ring.

# %%
q_rings = np.linspace(*PAPER_Q_RING, 6)
ring_labels = corr.roi_partition(q_map, azimuth_map, q_edges=q_rings, n_sectors=1)
ring_lags, ring_g2 = corr.multi_tau_g2(frames, ring_labels, num_levels=MT_LEVELS,
                                       num_bufs=MT_BUFS)
ring_tau, ring_g2 = ring_lags[1:] * FRAME_TIME, ring_g2[:, 1:]
ring_q = corr.roi_table(ring_labels, q_map, azimuth_map)["q_mean"]  # nm^-1
ring_rates = np.array([corr.fit_kww(ring_tau, g, fix_alpha=1.0).rate for g in ring_g2])
q_slope = float(np.polyfit(np.log(ring_q), np.log(ring_rates), 1)[0])
rate_growth = float(ring_rates[-1] / ring_rates[0])
slope_text = words.slope_reading(q_slope)

# %%
fig, ax = plt.subplots(figsize=(5.5, 4), constrained_layout=True)
ax.loglog(ring_q, ring_rates, "o", label=f"fitted, slope {q_slope:.2f}")
ax.loglog(ring_q, RATE * (ring_q / sim.Q_REF) ** 2, "k-",
          label="truth, $\\Gamma = D q^2$")
ax.minorticks_off()  # log axes over less than a decade: a few plain ticks instead
q_ticks = np.round(np.linspace(ring_q.min(), ring_q.max(), 3), 4)
rate_ticks = np.round(np.linspace(ring_rates.min(), ring_rates.max(), 3), 1)
ax.set_xticks(q_ticks, labels=[f"{t:.4f}" for t in q_ticks])
ax.set_yticks(rate_ticks, labels=[f"{t:.1f}" for t in rate_ticks])
ax.set_xlabel("q (nm$^{-1}$)")
ax.set_ylabel("$\\Gamma$ (1/s)")
ax.legend()
plt.show()

# %% [markdown]
# **Figure 1.5.** The rate fitted in each of five thin rings against the ring's mean
# $q$, on log-log axes (dots), and the simulated truth $\Gamma = D q^2$ (line). Look at
# the slope: on these axes a power law is a straight line, and its slope is the power.
#
# The rates grow by a factor of {eval}`f"{rate_growth:.2f}"`, and the fitted slope is
# {eval}`f"{q_slope:.2f}"`, {eval}`slope_text`: the rate of the speckle's decay
# measures how the particles move, length scale by length scale. Ballistic motion
# would give a slope of 1.
#
# ## Two-time correlation
#
# Out of equilibrium the dynamics change while we watch, and averaging over the start
# time $t$ throws that change away. The two-time correlation keeps both times. The
# AI-NERD paper (Methods V B, eqs. 1-2) correlates the normalised intensity
# fluctuation between every pair of frames and averages over the pixels of an ROI:
#
# $$ C_2(t_1, t_2) = \langle D(\vec Q, t_1)\, D(\vec Q, t_2) \rangle_{i,j}, \qquad
#    D(\vec Q, t) = \frac{I(\vec Q, t) - \langle I(Q) \rangle_t}
#                         {\langle I(Q) \rangle_t}, $$
#
# where $\langle\cdot\rangle_{i,j}$ is the mean over pixels and $\langle I(Q)\rangle_t$
# is, in the paper's words, "the 1D Small-angle x-ray scattering (SAXS) intensity at
# the pixel with momentum transfer $\vec Q$, i.e., azimuthal average of the
# time-average". So the denominator is the time average averaged again over a bin of
# pixels at that $q$; the package takes the ROI itself as that bin. Written out in
# NumPy for one ROI, it is a matrix product:

# %%
def c2_paper_form(roi_frames: np.ndarray) -> np.ndarray:
    """C2 of the paper's eqs. (1)-(2) for one ROI; roi_frames (T, N) -> (T, T)."""
    intensity = roi_frames.astype(np.float64)
    saxs = intensity.mean()  # <I(Q)>_t: the time average over the ROI's pixels
    fluctuation = (intensity - saxs) / saxs  # D(p, t), (T, N)
    return fluctuation @ fluctuation.T / fluctuation.shape[1]  # <D(t1) D(t2)>_p


roi_frames = frames[:, labels == 1]  # (T, N): the pixels of sector 1
c2_by_hand = c2_paper_form(roi_frames)
c2_paper = corr.two_time(frames, labels, form="paper")  # (18, T, T), all sectors
print("largest difference from the package:", np.abs(c2_by_hand - c2_paper[0]).max())

# %% [markdown]
# The package's `two_time` does the same for every ROI at once, in float32, as one
# symmetric matrix product per ROI over chunks of pixels, so it keeps up even with
# movies of thousands of frames.
#
# Beamline software (APS 8-ID-I, scikit-beam) normalises by the mean intensity of the
# ROI *in each frame* instead of a mean over time, the **ratio form**:
#
# $$ C_2^{\text{ratio}}(t_1, t_2) = \frac{\langle I(p, t_1)\, I(p, t_2) \rangle_p}
#    {\langle I(p, t_1) \rangle_p\, \langle I(p, t_2) \rangle_p} . $$
#
# Its baseline is 1 instead of 0 and its diagonal band reaches $1 + \beta$. When the
# ROI's mean intensity hardly changes from frame to frame, the two forms agree up to
# that offset: $C_2^{\text{paper}} \approx C_2^{\text{ratio}} - 1$. The rest of the
# book uses the ratio form, as the beamline's files do, and its figures say which
# form they show. Chapter 8 compares the two, and a variant to avoid, in depth.

# %%
c2_ratio = corr.two_time(frames, labels, form="ratio")  # (18, T, T)
offset_gap = float(np.abs(c2_ratio[0] - 1 - c2_paper[0]).mean())
fig, axes = plt.subplots(1, 2, figsize=(PAGE_WIDTH, 3.4), constrained_layout=True)
show_c2(axes[0], c2_paper[0], dt=FRAME_TIME, title="sector 1, paper form\n(baseline 0)")
show_c2(axes[1], c2_ratio[0], dt=FRAME_TIME, title="sector 1, ratio form\n(baseline 1)")
plt.show()

# %% [markdown]
# **Figure 1.6.** The two-time correlation of sector 1 of the equilibrium movie, in the
# paper's form (left) and the ratio form (right). Look at the bright band along the
# diagonal: the same width from corner to corner, because nothing changes in
# equilibrium; its width is the correlation time. The two maps differ by the offset
# of 1, to within {eval}`f"{offset_gap:.4f}"` on average.
#
# ## Try it: rate, contrast and photons
#
# The figure below is a small simulated sample (24 × 24 pixels, 160 frames, every
# pixel relaxing at the same rate), its $g_2$ read off the diagonals of its $C_2$
# beside the Siegert curve $1 + \beta e^{-2\Gamma\tau}$, and its $C_2$. Then come
# sliders that redraw it: the rate $\Gamma$, the contrast $\beta$ (the simulator's
# $1/M$ values) and the photon rate per pixel per frame.

# %%
example = speckle_run(rate=5.0, contrast=0.25, photons_per_pixel=1.0)
fig = plt.figure(figsize=(PAGE_WIDTH, 3.5), layout="constrained")
speckle_figure(example, fig=fig)
plt.show()

# %% [markdown]
# **Figure 1.7.** A small equilibrium sample with $\Gamma$ = 5/s, $\beta$ = 0.25 and one
# photon per pixel per frame: $g_2$ from its $C_2$ (dots) beside the Siegert curve
# (line), and the $C_2$ itself. Look at where $g_2$ starts (near $1 + \beta$) and how
# the width of the band in $C_2$ matches the lag at which $g_2$ has decayed.
#
# The sliders below need a running kernel (JupyterLab, Binder or your JupyterHub; the
# rocket menu at the top of the page opens one). On the static web page they show
# the starting figure and do not redraw. Try: a faster rate (the band thins), a
# contrast of 1 (one grain per pixel, $g_2$ starts near 2), and a tenth of a photon per
# pixel per frame (the same curve, buried in noise).

# %%
speckle_explorer(rate=5.0, contrast=0.25, photons_per_pixel=1.0)

# %% [markdown]
# ## Reading $C_2$ out of equilibrium
#
# Now the pictures the rest of the book is about. Four samples, each simulated on the
# same detector and shown for sector 1 in the ratio form:
#
# - **Aging**: a glass slows down as it ages, $\Gamma(t) = \Gamma_0/(1 + t/t_a)$.
# - **Relaxation after shear**: the shear has just stopped; the dynamics are fast and
#   then settle to a slow rate.
# - **Avalanches**: at a few moments a fraction of the sample rearranges at once.
# - **Heterodyne**: part of the scattered light comes from a static reference and the
#   rest flows past it at speed $v$. Their interference beats at the frequency
#   $\omega = \vec q \cdot \vec v$.

# %% [markdown]
# **Think!** In equilibrium the band along the diagonal kept one width, the
# correlation time. Before you run the next cell: for the aging sample, will the
# band get wider or thinner from the top-left corner to the bottom-right? What might
# an avalanche, a sudden loss of correlation, do to the map?

# %%
scenarios = {
    "aging": sim.aging(rate0=20.0, t_age=duration / 20, exponent=1.0),
    "relaxation after shear": sim.relaxation_after_shear(
        rate_fast=40.0, rate_slow=0.5, tau_relax=duration / 4),
    "avalanches": sim.avalanches(rate=0.5, times=np.array([0.3, 0.55, 0.8]) * duration,
                                 fraction=0.7),
    "heterodyne": sim.heterodyne(rate=0.5, speed=250.0, reference_fraction=0.5,
                                 direction_deg=0.0),
}
c2_gallery = {}
for i, (name, dynamics) in enumerate(scenarios.items()):
    movie = sim.simulate_movie(detector, dynamics, n_frames=P.n_frames, dt=FRAME_TIME,
                               seed=SEED + 10 + i, grains_per_pixel=4,
                               photons_per_pixel=2.0)
    c2_gallery[name] = corr.two_time(movie.frames, labels == 1, form="ratio")[0]

# %%
fig, axes = plt.subplots(2, 2, figsize=(PAGE_WIDTH, 6.4), constrained_layout=True)
for ax, (name, c2) in zip(axes.ravel(), c2_gallery.items()):
    show_c2(ax, c2, dt=FRAME_TIME, title=name)
plt.show()

# %% [markdown]
# **Figure 1.8.** The ratio-form $C_2$ of sector 1 for four samples out of
# equilibrium: aging (top left), relaxing after shear (top right), avalanching (bottom
# left) and flowing past a static reference (bottom right). Look at the band along the
# diagonal in each: how its width changes, where it breaks, what runs beside it.
#
# Learn to see four things in a $C_2$:
#
# 1. **The width of the band** along the diagonal is the correlation time at that
#    moment: wide means slow, thin means fast.
# 2. **A change of width along the diagonal** is a change of the dynamics in time:
#    aging widens it, and so does relaxation after shear.
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
check_answer("your ratio-form C2 of sector 1", my_c2, c2_ratio[0], rtol=1e-4, atol=1e-5)

# %% tags=["hide-cell"] jupyter={"source_hidden": true}
# Solution: the pixel average of the products, over the product of the averages.
def c2_ratio_form(roi_frames: np.ndarray) -> np.ndarray:
    """Ratio-form C2 of one ROI; roi_frames (T, N pixels) -> c2 (T, T)."""
    intensity = roi_frames.astype(np.float64)
    numerator = intensity @ intensity.T / intensity.shape[1]
    frame_mean = intensity.mean(axis=1)
    return numerator / np.outer(frame_mean, frame_mean)


my_c2 = c2_ratio_form(roi_frames)
assert check_answer("your ratio-form C2 of sector 1", my_c2, c2_ratio[0],
                    rtol=1e-4, atol=1e-5)

# %% [markdown]
# **Exercise 2: contrast from grains.** Simulate the equilibrium movie again with 2
# and then 8 grains per pixel. Fit $g_2$ of sector 1 each time. Which contrast do you
# expect, and do you get it?

# %% tags=["hide-cell"] jupyter={"source_hidden": true}
# Solution: the contrast is 1/M, so 0.5 and 0.125.
for grains in (2, 8):
    movie = sim.simulate_movie(detector, sim.stationary(RATE), n_frames=P.n_frames,
                               dt=FRAME_TIME, seed=SEED, grains_per_pixel=grains,
                               photons_per_pixel=2.0)
    lags_m, g2_m = corr.multi_tau_g2(movie.frames, labels == 1, num_levels=MT_LEVELS,
                                     num_bufs=MT_BUFS)
    beta = corr.fit_kww(lags_m[1:] * FRAME_TIME, g2_m[0, 1:], fix_alpha=1.0).beta
    print(f"M = {grains}: fitted beta = {beta:.3f}, expected {1 / grains:.3f}")

# %% [markdown]
# **Exercise 3: read a rate off the band.** In the ratio-form $C_2$ of an equilibrium
# movie, $C_2 - 1$ falls from $\beta$ next to the diagonal to $\beta/e$ at the lag
# $\tau = 1/(2\Gamma)$. Take the middle one of the thin rings above (so that one
# rate describes it well), compute its $C_2$, find the lag at which the mean of each
# diagonal crosses $\beta/e$, and turn it into $\Gamma$. Compare with the truth.

# %% tags=["hide-cell"] jupyter={"source_hidden": true}
# Solution: use the diagonals' means (g2 from C2) and interpolate the crossing.
middle_ring = 3
ring_c2 = corr.two_time(frames, ring_labels == middle_ring, form="ratio")[0]
excess = corr.g2_from_c2(ring_c2) - 1.0  # lags of 1, 2, ... frames
beta_estimate = excess[0]  # one frame: still close to beta, as Gamma * dt << 1
crossing = np.argmax(excess < beta_estimate / np.e)  # first lag below beta / e
lag_frames = np.interp(beta_estimate / np.e, excess[crossing::-1],
                       np.arange(1, crossing + 2)[::-1])
true_rate = equilibrium.relaxation_rate(ring_q[middle_ring - 1])[0]
print(f"Gamma from the band width: {1 / (2 * lag_frames * FRAME_TIME):.2f} 1/s; "
      f"true {true_rate:.2f} 1/s")

# %% [markdown]
# ## Check your understanding
#
# **Question 1.** A detector pixel spans several speckles instead of a fraction of
# one. What changes in the $g_2$ of an ROI?
#
# - A. The contrast $\beta$ falls: the pixel averages independent speckle intensities,
#   whose fluctuations partly cancel. The decay rate stays the same.
# - B. The decay gets faster, because each pixel sees more of the sample.
# - C. The baseline rises above 1, because the pixel collects more photons.
#
# <details><summary>Answer</summary>
#
# **A.** Averaging $M$ independent speckles divides the intensity's relative variance,
# and so $\beta$, by $M$: that is what the simulator's grains per pixel do (Exercise
# 2). The rate is set by the sample's motion at that $q$, not by the pixel, so B is
# wrong. C is wrong: $g_2$ is normalised by the mean intensity squared, so more
# photons leave its baseline at 1; they only make it less noisy.
#
# </details>

# %% [markdown]
# **Question 2.** In a sample's ratio-form $C_2$, the bright band along the diagonal
# widens steadily from the top-left corner to the bottom-right. What does the sample
# do?
#
# - A. It slows down as time goes on, as an aging glass or a sample relaxing after
#   shear does.
# - B. It speeds up as time goes on.
# - C. It rearranges suddenly at a few moments.
#
# <details><summary>Answer</summary>
#
# **A.** The band's width at a point of the diagonal is the correlation time at that
# moment, so a widening band means slower and slower dynamics (the gallery's top
# row).
# B would thin the band. C would break the map into squares along the diagonal, as
# the avalanches did.
#
# </details>

# %% [markdown]
# **Question 3.** A KWW fit of a $g_2$ gives an exponent $\alpha$ clearly above 1.
# What does that say about the sample?
#
# - A. The decay is compressed, sharper than an exponential: a mark of a sample out of
#   equilibrium (aging, relaxing internal stress, flowing), not of Brownian
#   diffusion.
# - B. The particles move ballistically, so $\Gamma \propto q$.
# - C. Nothing about the dynamics: $\alpha$ only rescales the contrast.
#
# <details><summary>Answer</summary>
#
# **A.** $\alpha > 1$ makes $\exp[-2(\Gamma\tau)^\alpha]$ fall faster than an
# exponential around $\tau = 1/\Gamma$, the compressed shape that aging gels and
# glasses under internal stress often show. B is a separate claim: how $\Gamma$
# scales with $q$ is measured by fitting several $q$, as the thin rings did, and
# $\alpha$ alone says nothing about it. C is wrong: the contrast is $\beta$, the
# value at $\tau = 0$; $\alpha$ changes only the shape of the decay, not its height.
#
# </details>

# %% [markdown]
# ## Summary
#
# - Every pixel has a $q$ and an azimuth; the paper's ROIs are 18 sectors of 20° of
#   the ring $0.019 < q < 0.029$ nm$^{-1}$.
# - A pixel that spans several speckles averages them, and the contrast $\beta$ falls;
#   in the paper's geometry a speckle ($\lambda L/a$) is larger than a pixel.
# - In equilibrium, $g_2(\tau) = 1 + \beta e^{-2\Gamma\tau}$ (Siegert); a fit gives
#   the contrast $\beta$ and the rate $\Gamma$, and diffusion shows as
#   $\Gamma \propto q^2$ across rings of different $q$.
# - The KWW form $g_2 = b + \beta\exp[-2(\Gamma\tau)^\alpha]$ fits $g_2$: $\alpha = 1$
#   for Brownian motion, below 1 (stretched) for a spread of rates, above 1
#   (compressed) for samples out of equilibrium.
# - $C_2(t_1, t_2)$ keeps both times. The paper's form correlates fluctuations
#   normalised by a time-averaged intensity (baseline 0); the ratio form of beamline
#   software normalises each frame (baseline 1); they differ by about 1.
# - Band width, its change along the diagonal, squares and fringes are the features to
#   read in a $C_2$.
#
# ## What's next
#
# Chapter 2 builds a library of such dynamics with known ground truth, computes large
# $C_2$ maps from them, and cuts them into the 256 × 256 crops that the paper trains
# its autoencoder on. Optional, at any point: chapter 8 shows how a beamline computes
# $C_2$ (the multi-tau ladder, the other normalisations and static bins, error bars on
# $g_2$, sparse photons and frames on disk).

# %%
FRAME.finish()
