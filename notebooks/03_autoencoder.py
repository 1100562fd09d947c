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
# # 3. The published autoencoder, trained and explained
#
# ## Overview
#
# An autoencoder is a pair of networks: an *encoder* that squeezes an image into a
# few numbers, the *latent vector*, and a *decoder* that rebuilds the image from
# them. Trained only to make the rebuilt image match the input, it learns which
# features of the images matter, with no labels at all. The AI-NERD paper compresses
# each 256 × 256 $C_2$ crop into 64 numbers this way ([Horwath et al. 2024](https://doi.org/10.1038/s41467-024-49381-z)), and does
# everything that follows (clustering, similarity search) on those 64 numbers. In
# this chapter you will:
#
# 1. build the paper's network layer by layer and see the shape of the data;
# 2. run the published trained weights on a real $C_2$ crop (the paper's Fig. 1D);
# 3. write the training loop yourself and see that `xpcs_nb.train` gives the same
#    loss, step for step, on the same seed;
# 4. train the architecture from random weights on chapter 2's library, with the
#    authors' optimiser and schedule, and set its test error beside the mean
#    training image and PCA with 64 components, the best *linear* code of its size;
# 5. measure a pitfall of the authors' code: a test set drawn at random from the
#    shifted copies of the crops holds copies of the training crops;
# 6. compare reconstructions of every label with their inputs;
# 7. see what the size of the code changes (the paper's Supp. Fig. 2), and why the
#    sweep of network sizes only runs at the larger presets;
# 8. find the latent dimensions that a ReLU switches off for good.
#
# Three questions along the way and five exercises at the end test your understanding.
#
# ## Prerequisites
#
# | you need | where |
# | --- | --- |
# | the crops, their scaling and augmentation | chapter 2 |
# | convolution, max-pooling, ReLU, a training loop in PyTorch | the PyTorch "60 minute blitz" or any deep-learning course |
#
# Time to run: at `fast`, a few minutes on an idle 2-core CPU, longer on a busy one;
# at `class_cpu`, about half an hour on 2 cores with AVX-512 (the latent-size sweep
# is most of it) and over an hour on a CPU without it; at `class`, minutes to tens of
# minutes on one GPU; at `paper`, hours on a GPU. The banner below says how long this
# page took when it was built. Trained weights are cached under `data/generated/`, so a rerun only loads
# them (the loop by hand always runs).

# %% tags=["parameters"]
from xpcs_nb.presets import preset_for_this_machine

# $XPCS_PRESET, else "class" with a CUDA GPU, "fast" without; or "class_cpu", "paper"
PRESET = preset_for_this_machine()
SEED = 0  # fixes the library, the split, the initial weights and the batches
# steps of the training loop written by hand; None: 8 at fast and class_cpu, else 300
HAND_STEPS = None

# %%
import textwrap
import time
from dataclasses import replace

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, Subset

from xpcs_nb import latent, paper, words
from xpcs_nb.chapter import start_chapter
from xpcs_nb.checks import check_answer
from xpcs_nb.plotting import layer_table
from xpcs_nb.model import Autoencoder, count_parameters, four_stage_autoencoder
from xpcs_nb.pipeline import (augmented_sets, crop_splits, errors_on_test_split,
                              trained_autoencoder)
from xpcs_nb.plotting import PAGE_WIDTH, crop_grid, training_history
from xpcs_nb.plotting.latent_heatmap import latent_heatmaps
from xpcs_nb.presets import PRESETS, get_preset
from xpcs_nb.scenarios import CLASS_NAMES
from xpcs_nb.evaluation import leak_test_images, mean_over_sources, per_image_mse
from xpcs_nb.train import TrainConfig, mean_image_mse, pca_reconstruction_errors, reconstruction_mse, train
from xpcs_nb.train.runtime import resolve_runtime

# %%
P = get_preset(PRESET)
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
HAND_STEPS = HAND_STEPS or (8 if P.name in ("fast", "class_cpu") else 300)
print(f"preset {P.name!r} on {DEVICE}: {P.epochs} epochs of {P.train_items or 'all'} "
      f"images, latent sweep over {P.latent_sweep or 'no sizes'}")

# %%
FRAME = start_chapter(3, PRESET)

# %% [markdown]
# ## The architecture
#
# The network read off the published weights has three encoder stages. Each stage
# applies two 3 × 3 convolutions (each followed by dropout of 5 %, a setting of the
# authors' code that the paper's text does not state, and a ReLU) and then
# a 4 × 4 max-pooling, which divides each side by four: 256 → 64 → 16 → 4. The
# channels grow 16 → 32 → 64, so the encoder ends with 64 maps of 4 × 4 pixels, 1024
# numbers. A linear layer and a ReLU turn them into the **64-number latent vector**.
# The decoder mirrors this: a linear layer back to 1024 numbers, three stages of two
# convolutions followed by ×4 bilinear upsampling, and a last convolution with a
# sigmoid, so every output pixel lies in (0, 1) like the scaled inputs.
#
# The table below is produced by running one image through the network and
# recording each layer's output shape (`xpcs_nb.plotting.layer_table`, with forward hooks).

# %%
published = paper.load_model()  # the paper's weights, loaded strictly, in eval mode
table = layer_table(published)
print(f"{count_parameters(published):,} weights in all")
table[table.type != "Dropout"].style.hide(axis="index").format({"weights": "{:,}"})

# %% [markdown]
# The layer names (`encoder.0`, ..., `bottleneck.1`, `decoder1.21`) are the keys of
# the published `state_dict`, so the weights load with `strict=True`.
#
# The paper's text describes *four* stages that each reduce the image "by a factor of
# four". Read as area (2 × 2 pooling), four stages take 256 to 16 pixels a side. The
# package offers that reading as `four_stage_autoencoder()`; it is a bigger network,
# and it is *not* what the published weights hold:

# %%
variant = four_stage_autoencoder()
latent_shape = tuple(variant.encode(torch.rand(1, 1, 256, 256)).shape)
print(f"published: {count_parameters(published):,} weights; four-stage text variant: "
      f"{count_parameters(variant):,} weights, one crop encoded to {latent_shape}")

# %% [markdown]
# ## The published model on a real $C_2$
#
# The authors published one real crop from the experiment, scaled to [0, 1]. We run
# the published model on it (the paper's Fig. 1D).
#
# **Think!** The network ends in a sigmoid, so each output pixel can lie anywhere
# between 0 and 1. Before you run the next cell, predict: will the published model's
# output on this crop span 0 to 1, as its input does?

# %%
def rescale(image: np.ndarray) -> np.ndarray:
    """Min-max rescale to [0, 1], as the crops were."""
    return (image - image.min()) / (image.max() - image.min())


target = paper.load_target_image()  # (256, 256) in [0, 1]
with torch.no_grad():
    output = published(torch.from_numpy(target).float()[None, None])[0, 0].numpy()
published_out_min, published_out_max = float(output.min()), float(output.max())
published_correlation = float(np.corrcoef(target.ravel(), output.ravel())[0, 1])
published_mse_rescaled = float(np.mean((rescale(output) - target) ** 2))
published_mse_flat = float(np.mean((target - target.mean()) ** 2))  # a flat image
print(f"output range {published_out_min:.2f} .. {published_out_max:.2f}; "
      f"correlation with the input {published_correlation:.3f}")
print(f"MSE after rescaling {published_mse_rescaled:.4f}, against "
      f"{published_mse_flat:.4f} for a flat image at the input's mean")

# %% [markdown]
# The output only spans {eval}`f"{published_out_min:.2f}"` to
# {eval}`f"{published_out_max:.2f}"`, while the input spans 0 to 1: the shape is right,
# the scale is compressed. The output's correlation with the input is
# {eval}`f"{published_correlation:.2f}"`, and once rescaled to [0, 1] its mean squared
# error is {eval}`f"{published_mse_rescaled:.4f}"` per pixel, against
# {eval}`f"{published_mse_flat:.4f}"` for a flat image at the input's mean. (These
# numbers come from the published files, so they are the same at every preset.)

# %%
panels = np.stack([target, output, rescale(output)])  # one colour scale, 0 to 1
crop_grid(panels, titles=["real crop (input)", "published model's output",
                          "output rescaled to [0, 1]"])
plt.show()

# %% [markdown]
# **Figure 3.1.** The paper's Fig. 1D, rebuilt: a real $C_2$ crop (left), the
# published model's output (middle) and the output rescaled to [0, 1] (right), on
# one grey scale from 0 to 1. Look at the band along the diagonal and the fringes
# parallel to it: they survive the 64-number bottleneck, the pixel noise does not.
#
# ## Training the architecture on the synthetic library
#
# Now we train the same architecture on chapter 2's crops. The recipe follows the
# paper and its code:
#
# - **loss**: mean squared error between output and input (the paper's text; the
#   upstream script used the L1 loss, available as `loss="l1"`);
# - **optimiser**: Adam;
# - **learning rate**: `CyclicLR` in `triangular2` mode, rising from LR/10 to LR and
#   back, the amplitude halving every cycle, stepped after every batch (the authors'
#   half cycle is six epochs; the small presets use shorter ones so a cycle fits);
# - **data**: the augmented training images, validated on the separate validation
#   split in `eval()` mode (dropout off); the weights of the best validation epoch
#   are kept.
#
# At every preset the weights start random, as in the paper; whether a few minutes
# of training are enough is measured below against two baselines. Fine-tuning the
# published weights (transfer learning) is an exercise at the end of the chapter.
#
# ## The training loop, by hand
#
# Before the package does it for us, here is the whole loop in plain PyTorch: a
# `DataLoader` that shuffles the augmented training images with its own seeded
# generator, the model in train mode (dropout on), and for every batch a forward
# pass, the loss, `zero_grad`, `backward`, an optimiser step and a scheduler step.
# It runs for a few steps only (the parameter `HAND_STEPS`: 8 batches at `fast`
# and `class_cpu`, 300 otherwise), the learning rate rising from LR/10 to LR.
# `runtime` holds what `xpcs_nb.train` decides for this machine: bf16 autocast where
# the chip computes bf16 natively, the memory layout, else float32 (fp16 on an older
# GPU would need a gradient scaler, so there the demo runs in float32).

# %%
train_images, val_images = augmented_sets(P, SEED)
print(f"{len(train_images)} training and {len(val_images)} validation images per "
      f"epoch; weights start from: {P.start_from}")
# exactly HAND_STEPS batches; one epoch whose learning rate peaks at the last step
demo_images = Subset(train_images, range(HAND_STEPS * P.batch_size))
demo_config = TrainConfig(epochs=1, batch_size=P.batch_size, lr=P.learning_rate,
                          seed=SEED, device=DEVICE, half_cycle_epochs=1, progress=False)
runtime = resolve_runtime(demo_config)
if runtime.amp_dtype == torch.float16:  # fp16 needs a gradient scaler: float32 here
    demo_config = replace(demo_config, amp="off")
    runtime = resolve_runtime(demo_config)
print(f"{HAND_STEPS} steps of {P.batch_size} images on {runtime.device}, "
      f"autocast {runtime.amp_dtype}, channels-last {runtime.channels_last}")

# %% [markdown]
# First the pieces: the network with its seeded initial weights, Adam, the cyclic
# schedule, and a loader with a generator of its own for the order of the images.

# %%
LR = P.learning_rate
torch.manual_seed(SEED)                                   # the initial weights
net = Autoencoder().to(runtime.device, memory_format=runtime.memory_format)
optimizer = torch.optim.Adam(net.parameters(), lr=LR)
scheduler = torch.optim.lr_scheduler.CyclicLR(
    optimizer, base_lr=LR / 10, max_lr=LR, step_size_up=HAND_STEPS,
    mode="triangular2", cycle_momentum=False)
torch.manual_seed(SEED)                                   # the dropout masks
order = torch.Generator().manual_seed(SEED)               # the order of the images
loader = DataLoader(demo_images, batch_size=P.batch_size, shuffle=True, generator=order)

# %% [markdown]
# Then the loop itself: every line of it is a step of training.

# %%
started = time.perf_counter()
losses_by_hand = []
net.train()                                               # dropout on
for images in loader:
    images = images.to(runtime.device, memory_format=runtime.memory_format)
    with runtime.autocast():                              # bf16 where the chip has it
        reconstructions = net(images)
    loss = F.mse_loss(reconstructions.float(), images)    # the loss itself in float32
    optimizer.zero_grad()
    loss.backward()                                       # gradients of the loss
    optimizer.step()                                      # Adam moves the weights
    scheduler.step()                                      # the learning rate moves on
    losses_by_hand.append(loss.item())
hand_seconds = time.perf_counter() - started
hand_loss_first, hand_loss_last = losses_by_hand[0], losses_by_hand[-1]
print(f"by hand: {len(losses_by_hand)} steps in {hand_seconds:.0f} s, "
      f"loss {hand_loss_first:.4f} -> {hand_loss_last:.4f}")

# %% [markdown]
# Now the same steps through `xpcs_nb.train`: the same seed, the same images, one
# epoch of exactly `HAND_STEPS` batches. Besides the loss of every epoch, its
# `History` records the loss of every batch (`history.batch_loss`), so the two
# curves can be laid over each other.

# %% [markdown]
# **Think!** Same seed, same images, same number of steps. Before you run the next
# cell, predict: will the package's loss equal the hand-written loop's at every step
# exactly, or only to a few digits?

# %%
torch.manual_seed(SEED)
packaged = Autoencoder()
demo_history = train(packaged, demo_images, None, demo_config)
differences = np.abs(np.array(losses_by_hand) - np.array(demo_history.batch_loss))
hand_max_difference = float(differences.max())
print(f"largest difference between the two loss curves: {hand_max_difference:.3g}")
hand_steps = HAND_STEPS
mode = words.precision_mode(runtime.amp_dtype, runtime.channels_last)
hand_same_phrase = words.loop_agreement(hand_max_difference, mode)

# %%
fig, ax = plt.subplots(figsize=(0.75 * PAGE_WIDTH, 3.2), layout="constrained")
steps = np.arange(1, HAND_STEPS + 1)
ax.plot(steps, losses_by_hand, "-", lw=3, alpha=0.5, label="the loop by hand")
ax.plot(steps, demo_history.batch_loss, "k.", label="xpcs_nb.train")
ax.set_xlabel("optimiser step")
ax.set_ylabel("training loss (MSE per pixel)")
ax.set_title(f"same seed, same steps: largest difference {hand_max_difference:.2g}")
ax.legend()
plt.show()

# %% [markdown]
# **Figure 3.2.** The loss of every training step, from the loop above (thick line)
# and from `xpcs_nb.train` on the same seed (dots); the title gives the largest
# difference between the two. Look for any dot off the line: the package runs the
# same loop, plus validation, checkpoints and checks.
#
# By hand, the {eval}`hand_steps` steps ran in {eval}`f"{hand_seconds:.0f}"` s here
# and brought the training loss from {eval}`f"{hand_loss_first:.4f}"` to
# {eval}`f"{hand_loss_last:.4f}"`. The largest difference between the two curves is
# {eval}`f"{hand_max_difference:.3g}"`: {eval}`hand_same_phrase`. That needs every
# random draw in the same order (initial weights, dropout masks, the loader's own
# generator for the batch order) and the same precision and memory layout. A GPU's
# convolutions may pick other algorithms from run to run, so there the curves can
# differ in the last digits.

# %% [markdown]
# **Question 1.** In the loop above, what would go wrong if `optimizer.zero_grad()`
# were left out?
#
# - A. Nothing: `loss.backward()` overwrites the gradients of the previous batch.
# - B. Each `backward()` would add its gradients to those of all earlier batches, so
#   every step would move the weights along the sum of the gradients so far.
# - C. Dropout would stay on when the model is evaluated.
# - D. The learning rate would stop following the cyclic schedule.
#
# <details><summary>Answer</summary>
#
# **B.** PyTorch *accumulates* gradients: `backward()` adds to each weight's `.grad`,
# so without zeroing, step $n$ would use the sum of $n$ batches' gradients. A: that
# `backward()` adds is exactly why `zero_grad()` is there. C: dropout follows
# `net.train()` and `net.eval()`. D: the schedule moves with `scheduler.step()`.
#
# </details>

# %% [markdown]
# ## The real run
#
# `trained_autoencoder` trains the preset's full run with `xpcs_nb.train` (or loads
# it from `data/generated/`, where chapters 4 to 6 find it too), keeping the weights
# of the best validation epoch.

# %%
model, history = trained_autoencoder(P, SEED, device=DEVICE)  # trains, or loads it

# %%
fig, (ax_loss, ax_lr) = plt.subplots(1, 2, figsize=(PAGE_WIDTH, 3.2),
                                     layout="constrained")
training_history(history.epoch, history.train_loss, history.val_loss,
                 best=history.best_epoch, ax=ax_loss)
ax_lr.plot(history.epoch, history.lr, "o-")
ax_lr.set_xlabel("epoch")
ax_lr.set_ylabel("learning rate at the epoch's end")
for ax in (ax_loss, ax_lr):
    ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
plt.show()

# %% [markdown]
# **Figure 3.3.** Training the published architecture from random weights. Left: the
# loss per epoch on the training images (train mode) and on the validation images
# (eval mode, after the epoch); the dotted line marks the epoch whose weights are
# kept. Right: the cyclic learning rate at each epoch's end. Look at whether the
# validation loss still falls at the last epoch: then training stopped too early.

# %% [markdown]
# A falling loss says the model learns *something*. Is it more than the average
# $C_2$? The first baseline is the mean training image: the one image closest, in
# squared error, to all the training crops when the input is ignored.
#
# **Think!** The model above trained from random weights on the preset's images.
# Before you run the next cell, predict: will its test error fall below the mean
# image's, and by how much?

# %%
crops, metadata, splits = crop_splits(P, SEED)
test_crops = np.asarray(crops[np.sort(splits["test"])])  # (N_test, 256, 256)
errors = errors_on_test_split(model, P, SEED)
test_mse, mean_image_mse_text = errors["model_mse"], errors["mean_image_mse"]
mse_ratio = test_mse / mean_image_mse_text
mse_verdict = words.below_mean_image(mse_ratio)
n_test = errors["n_test"]
train_images_seen = history.epochs_done * len(train_images)
print(f"test MSE per pixel over {n_test} test crops: model {test_mse:.4f}, "
      f"mean training image {mean_image_mse_text:.4f} (ratio {mse_ratio:.2f})")

# %% [markdown]
# On the {eval}`n_test` test crops the model's error is {eval}`f"{test_mse:.4f}"`
# per pixel, {eval}`mse_verdict` the mean image's {eval}`f"{mean_image_mse_text:.4f}"`
# (a ratio of {eval}`f"{mse_ratio:.2f}"`), after {eval}`train_images_seen`
# training images from random weights.

# %% [markdown]
# **Question 2.** Why is the mean training image the baseline for the test error,
# rather than, say, a reconstruction error of zero?
#
# - A. Because the mean image has the lowest error any model can reach.
# - B. Because it is the best reconstruction, in squared error, that ignores the input:
#   a model that does not beat it has shown no sign of using the crop it was given.
# - C. Because it is what an untrained network outputs.
# - D. Because the paper reports its error.
#
# <details><summary>Answer</summary>
#
# **B.** The one fixed image with the least squared error over the training crops is
# their mean; only information about the individual crop can do better. A: a model
# that uses the input can do far better (zero error, the perfect copy, is out of a
# 64-number bottleneck's reach). C: an untrained network outputs something near a
# flat grey image, usually worse. D: the paper reports no such baseline.
#
# </details>

# %% [markdown]
# ## A fair baseline: the best linear code of the same size
#
# Any model that looks at the crop beats the mean image. The fair question is whether
# the network's non-linear layers buy anything. PCA with 64 components codes each
# crop by its coordinates along the 64 directions in which the training images vary
# most: no *linear* code of 64 numbers reconstructs the images it was fitted on
# better. We fit it on the network's training images (one epoch's, at most 2,048)
# and score it on the same test crops, for 1 to 1024 components (see the figure
# of the latent-size section).

# %% [markdown]
# **Think!** PCA is fitted in seconds, without a single gradient step; the network
# trained for minutes. Before you run the next cell, predict: which of the two, with
# 64 numbers each, reconstructs the test crops better at this preset?

# %%
picks = np.linspace(0, len(train_images) - 1, min(len(train_images), 2048)).astype(int)
fit_images = np.stack([train_images[int(i)][0].numpy() for i in picks])  # (N, 256, 256)
n_pca_fit = len(fit_images)
pca_sizes = sorted({2 ** j for j in range(11)} | {64} | set(P.latent_sweep))
pca_sizes = [k for k in pca_sizes if k < n_pca_fit]
pca_curve = dict(zip(pca_sizes, pca_reconstruction_errors(fit_images, test_crops, pca_sizes)))
del fit_images  # 0.25 MB an image
pca_mse, pca_verdict = pca_curve[64], words.versus_pca(test_mse, pca_curve[64], 64)
baselines = pd.DataFrame({
    "reconstruction": ["mean training image", "PCA, 64 components", "autoencoder, 64 numbers"],
    "test MSE per pixel": [mean_image_mse_text, pca_mse, test_mse]})
baselines.style.hide(axis="index").format({"test MSE per pixel": "{:.4f}"})

# %% [markdown]
# Fitted on {eval}`n_pca_fit` training images, PCA-64's test error is
# {eval}`f"{pca_mse:.4f}"` per pixel. The trained network's is
# {eval}`pca_verdict`.
#
# ## A pitfall: testing on shifted copies of the training crops
#
# The authors' training script makes the 100 shifted copies of every crop first and
# then splits *that* set at random into training and test images. A crop's copies
# then sit on both sides of the split, so most "test" images are shifted copies of
# crops the network trained on. This book splits by experiment before augmenting
# (chapter 2): no test crop shares a map with a training crop.
#
# How much does that flatter the test error? No second training is needed: the
# model's epochs used only part of the shifted copies of the training crops, and the
# copies it never trained on are what a random split would hold out. We score the
# model on some of them, on as many copies of the test crops (the book's split, few
# maps at small presets) and of crops from new maps (chapter 4's held-out library,
# every label alike); copies of one crop are not independent tests, so each spread
# is the standard error over source crops.

# %% [markdown]
# **Think!** None of these images was trained on. Before you run the next cell,
# predict: is the error on unseen copies of training crops below that on new maps?

# %%
leak = leak_test_images(P, SEED, n_images=128)
leak_rows = []
for name in ("random split", "test split", "new maps"):
    images, sources = leak[name]
    mean, spread, n_sources = mean_over_sources(per_image_mse(model, images), sources)
    leak_rows.append((name, len(images), n_sources, mean, spread))
leak_table = pd.DataFrame(leak_rows, columns=["test set", "images", "source crops",
                                              "test MSE", "standard error"])
print(f"the run trained on {leak['trained on']} of the {leak['copies']} shifted copies "
      f"of its training crops")
leak_text = words.leak_sentence(leak_rows[0][3:5], leak_rows[2][3:5])
leak_table.style.hide(axis="index").format({"test MSE": "{:.4f}", "standard error": "{:.4f}"})

# %% [markdown]
# On the same model, {eval}`leak_text`. Whatever the gap at this preset, only a test
# set of whole experiments measures what the method does on a new one: the split
# comes before the augmentation.

# %% [markdown]
# ## Reconstructions beside their inputs
#
# One crop of every label, each from the test split where it has one, else from the
# validation split (the model never trained on either), else from the training
# split; the title names the split. The split keeps whole experiments together, so
# with a small library a label can be missing from the test and validation splits.

# %%
labels = metadata.label.to_numpy()  # (N,)
examples, sources = [], []  # one crop per label, and the split it comes from
for label in range(len(CLASS_NAMES)):
    for split in ("test", "validation", "train"):
        rows = np.sort(splits[split])
        rows = rows[labels[rows] == label]
        if rows.size:
            examples.append(int(rows[0]))
            sources.append(split)
            break
n_labels = len(CLASS_NAMES)
labels_from_splits = words.label_sources(sources)
print(f"of the {n_labels} labels: {labels_from_splits}")

# %%
inputs = np.stack([crops[i] for i in examples])  # (7, 256, 256)
outputs = latent.decode(model, latent.encode(model, inputs))  # (7, 256, 256)
titles = [f"{CLASS_NAMES[labels[i]].replace(' ', chr(10), 1)}\n({split})"
          for i, split in zip(examples, sources)]
crop_grid(np.concatenate([inputs, outputs]), n_cols=len(examples),
          titles=titles + [""] * len(examples), row_labels=["input", "reconstruction"])
plt.show()

# %% [markdown]
# **Figure 3.4.** One crop of every label (top row) and the trained model's
# reconstruction (bottom row); each title names the label and the split the crop
# comes from (of the {eval}`n_labels` labels, {eval}`labels_from_splits`). Look at
# the band along the diagonal and its width, at the fringes of the heterodyne crops,
# and at the blocks that avalanches leave: which survive the 64-number bottleneck?
#
# ## How many numbers does a $C_2$ need? The latent-size sweep
#
# The paper trained models with latent vectors of 2 to 1024 numbers and plotted the
# test error against the size: it "rapidly decreased and leveled off at a latent
# dimension of 16", and the authors chose 64 "to balance high accuracy with the
# complexity of the latent representation". Such a sweep means something only if
# every model trains through whole cycles of the learning rate (ending at the low
# rate where the weights settle), on enough images to beat PCA of its size, with
# several training seeds for the spread: a training per size and seed. PCA's half
# of the comparison costs seconds and is always drawn.

# %%
sweep_preset = P.with_(half_cycle_epochs=P.sweep_half_cycle_epochs)  # whole cycles
rows = []
for size in P.latent_sweep:  # empty at fast
    for k in range(P.sweep_seeds):
        sweep_model, _ = trained_autoencoder(
            sweep_preset, SEED, latent_size=size, epochs=P.sweep_epochs,
            n_train=P.sweep_items, tag="sweep", device=DEVICE, progress=False,
            train_seed=SEED + k)
        rows.append((size, SEED + k, reconstruction_mse(sweep_model, test_crops)))
sweep = pd.DataFrame(rows, columns=["latent size", "training seed", "test MSE"])
summary = sweep.groupby("latent size")["test MSE"].agg(["mean", "std"]).reset_index()
summary["PCA test MSE"] = [pca_curve.get(size, np.nan) for size in summary["latent size"]]
sweep_plan_text = words.sweep_plan(P, PRESETS)

# %% [markdown]
# {eval}`sweep_plan_text`.

# %%
fig, ax = plt.subplots(figsize=(PAGE_WIDTH, 3.4), layout="constrained")
ax.plot(list(pca_curve), list(pca_curve.values()), "s-", color="0.55",
        label=f"PCA, fitted on {n_pca_fit:,} training images")
ax.axhline(mean_image_mse_text, color="k", ls="--", label="mean training image")
ax.plot([64], [test_mse], "r*", ms=15, label="the trained network")
if len(summary):
    ax.errorbar(summary["latent size"], summary["mean"], yerr=summary["std"], fmt="o-",
                capsize=4, label=f"sweep: mean ± std over {P.sweep_seeds} seeds")
ax.set_xscale("log", base=2)
ax.xaxis.set_major_formatter(plt.ScalarFormatter())  # 1, 4, 16, ... not powers
ax.set(yscale="log", xlabel="latent size (network) or components (PCA)",
       ylabel="test MSE per pixel")
ax.legend(loc="center left", bbox_to_anchor=(1.02, 0.5), fontsize="small")
plt.show()

# %% [markdown]
# **Figure 3.5.** The test error against the size of the code (the paper's Supp.
# Fig. 2, with baselines): PCA with k components (grey squares), the mean training
# image (dashed, the code of size zero), the chapter's trained network (red star,
# 64 latent numbers) and, at the presets that run the sweep, the sweep's networks
# (circles, mean and standard deviation over training seeds). Look at where the star
# sits against the grey curve: below it, the network's non-linear code beats the
# linear ones of the same size; read across to the curve to see how many PCA
# components its 64 numbers are worth.

# %%
network_worth = words.pca_equivalent(list(pca_curve), list(pca_curve.values()), test_mse)
sweep_phrase_text = "the sweep was not run (see above)" if summary.empty else (
    words.sweep_sentence(summary["latent size"], summary["mean"], summary["std"],
                         mean_image_mse_text, epochs=P.sweep_epochs,
                         images=P.sweep_items, pca_means=summary["PCA test MSE"]))
print(textwrap.fill(network_worth, 88))
summary.style.hide(axis="index").format(precision=4, na_rep="— (one seed)")

# %% [markdown]
# {eval}`network_worth` At this preset, {eval}`sweep_phrase_text`.
#
# ## Dead latent dimensions
#
# The latent vector comes out of a ReLU, which sets every negative number to zero.
# A unit whose input is negative for *every* image is zero for every image: it is
# dead. Count such dimensions in the authors' 900 published latent vectors of real
# crops, and in our model's on the test crops.

# %% [markdown]
# **Think!** The published model trained for 50 epochs on real data; ours trained
# briefly on synthetic crops. Before you run the next cell, predict: which of the two
# leaves more of its 64 latent dimensions dead?

# %%
published_latents = paper.load_latents()  # (900, 64), from the paper's model
our_latents = latent.encode(model, test_crops)  # (N_test, 64)
dead_published = np.flatnonzero(np.all(published_latents == 0, axis=0))
dead_ours = np.flatnonzero(np.all(our_latents == 0, axis=0))
dead_published_text, dead_ours_text = int(dead_published.size), int(dead_ours.size)
alive_published = int(published_latents.shape[1] - dead_published.size)
n_our_latents = len(our_latents)
print(f"published latents: {dead_published_text} of 64 dimensions are zero "
      f"for all {len(published_latents)} vectors")
print(f"our model: {dead_ours_text} of 64 dimensions are zero "
      f"for all {n_our_latents} test crops")

# %%
latent_heatmaps({"published latents (900 real C2)": published_latents,
                 "our model, test crops": our_latents})
plt.show()

# %% [markdown]
# **Figure 3.6.** The latent vectors as heatmaps: one column per crop, one row per
# latent dimension, the colour the ReLU output in the network's own arbitrary units
# (each panel has its own colour bar, from 0). Left, the 900 published vectors of the
# paper's real crops; right, our model on the test crops. Look for rows that are
# black all the way across: those dimensions are dead.

# %% [markdown]
# In the published latents {eval}`dead_published_text` of the 64 dimensions are zero
# for all 900 vectors; our model leaves {eval}`dead_ours_text` of 64 at zero on all
# {eval}`n_our_latents` test crops (with few test crops, some of these may
# only be asleep: zero here, not zero on every possible crop). Dead units are
# harmless for clustering (a constant dimension adds the same to every distance),
# but they are wasted capacity: the paper's "64-dimensional" latent space is
# effectively {eval}`alive_published`-dimensional. A leaky ReLU or no activation
# on the latent would avoid this; the published model has the ReLU, so we keep it.

# %% [markdown]
# **Question 3.** A latent dimension is zero for every crop you encode. Which is right?
#
# - A. It carries no information about these crops: dropping it changes no distance
#   between their latent vectors, so clustering and search are unaffected.
# - B. Dropout switched it off; in `eval()` mode it will come back.
# - C. The network is broken and must be retrained before its latents can be used.
#
# <details><summary>Answer</summary>
#
# **A.** A dimension that is the same constant for every crop adds nothing to any
# Euclidean distance. B: `latent.encode` runs the model in `eval()` mode, dropout
# off; and dropout zeroes random units, never the same one for every crop. C: dead
# units waste capacity but do not harm the live ones; the published model has them.
#
# </details>

# %% [markdown]
# ## Exercises
#
# **Exercise 1: where are the weights?** Using `layer_table(published)`, find which
# layer holds the most weights. Is it a convolution or a linear layer, and why?

# %% tags=["hide-cell"] jupyter={"source_hidden": true}
# Solution: the bottleneck's two linear layers (1024 x 64 weights each, plus biases),
# ahead of the 64 -> 64 channel 3 x 3 convolutions (64 x 64 x 9 + 64): a convolution
# reuses its weights at every pixel, a linear layer has one per input-output pair.
print(table.sort_values("weights", ascending=False).head(4).to_string(index=False))

# %% [markdown]
# **Exercise 2 (fill in).** *The baseline, by hand.* Write `mean_image_error`: it
# "reconstructs" every test crop as the mean of the training crops and returns the
# mean squared error per pixel. Two or three lines of numpy do it; the cell below
# compares your number with the package's `mean_image_mse` (on at most 256 training
# crops, to keep memory small: all of them at `fast`).

# %%
train_sample = np.asarray(crops[np.sort(splits["train"])[:256]])  # (N, 256, 256)


def mean_image_error(train_crops: np.ndarray, test_crops: np.ndarray) -> float:
    """MSE per pixel of the mean training crop (S, S) as every test crop's output."""
    ...  # your code: the mean training crop, then the mean squared error against it


my_baseline = mean_image_error(train_sample, test_crops)

# %%
reference = mean_image_mse(train_sample, test_crops)
check_answer("the mean image's test MSE", my_baseline, reference, rtol=1e-4)

# %% tags=["hide-cell"] jupyter={"source_hidden": true}
# Solution: the mean over the crop axis is the one image closest, in squared error,
# to all the training crops; every test crop is then compared with it.
def mean_image_error(train_crops: np.ndarray, test_crops: np.ndarray) -> float:
    """MSE per pixel of the mean training crop (S, S) as every test crop's output."""
    mean_image = train_crops.astype(np.float64).mean(axis=0)  # (S, S)
    return float(np.mean((test_crops - mean_image) ** 2))


my_baseline = mean_image_error(train_sample, test_crops)
assert check_answer("the mean image's test MSE", my_baseline, reference, rtol=1e-4)

# %% [markdown]
# **Exercise 3: the rescaling matters.** Compute the MSE between the published
# model's raw output and the target, and compare it with the MSE after rescaling and
# with a flat image. What does the raw number alone suggest, and why is it
# misleading here?

# %% tags=["hide-cell"] jupyter={"source_hidden": true}
# Solution: the raw output is compressed into a narrow band of grey levels, so its raw
# MSE can exceed even a flat grey image's although the shape is right: compare the
# three numbers. The error lies in the output's scale, not in its shape.
raw_mse = np.mean((output - target) ** 2)
print(f"output range {output.min():.2f} .. {output.max():.2f}: raw MSE {raw_mse:.4f}, "
      f"rescaled {published_mse_rescaled:.4f}, flat {published_mse_flat:.4f}")

# %% [markdown]
# **Exercise 4: a symmetric input, a symmetric output?** A $C_2$ is symmetric. Is the
# published model's reconstruction of the real crop symmetric? Measure
# $|y - y^\top|$ relative to the output's range, its mean and its largest value,
# find where the largest one sits, and explain.

# %% tags=["hide-cell"] jupyter={"source_hidden": true}
# Solution: nothing in the network forces y = y^T; training on symmetric inputs only
# encourages it. The numbers say how far that goes, on average and at the worst pixel.
y_range = output.max() - output.min()
asymmetry = np.abs(output - output.T) / y_range  # (256, 256), in units of the range
row, col = np.unravel_index(asymmetry.argmax(), asymmetry.shape)
print(f"asymmetry |y - y^T| / range: mean {asymmetry.mean():.1%}, "
      f"largest {asymmetry.max():.1%}")
print(f"the largest at row {row}, column {col}: "
      f"{abs(int(col) - int(row))} pixels from the diagonal")
near_edge = min(row, col, 255 - row, 255 - col) < 16
verdict = words.symmetry_sentence(asymmetry.mean(), asymmetry.max(), near_edge)
print(textwrap.fill(verdict, 88))

# %% [markdown]
# **Exercise 5: fine-tuning the published weights.** Instead of random weights,
# start from the paper's trained ones (transfer learning): `P.with_(start_from=
# "published")` makes `trained_autoencoder` copy them in before training. Train
# with a tag of its own (so the cache keeps it apart from the main run) for one epoch
# of a few hundred images, and compare its test error with the model trained from
# scratch and with the mean image. Does the published start help on our crops? If
# not, why might it not?

# %% tags=["hide-cell"] jupyter={"source_hidden": true}
# Solution: one short epoch of 8 batches from the published weights. Read the numbers
# rather than expecting an answer: the published output covers a narrow band of grey
# levels (the real crop above), which a few steps may not stretch to [0, 1].
n_tune = 8 * P.batch_size
from_published = P.with_(start_from="published")
tuned, _ = trained_autoencoder(from_published, SEED, epochs=1, n_train=n_tune,
                               tag="finetune", device=DEVICE, progress=False)
tuned_mse = errors_on_test_split(tuned, P, SEED)["model_mse"]
print(f"test MSE: fine-tuned {tuned_mse:.4f} after {n_tune} images, "
      f"from scratch {test_mse:.4f}, mean image {mean_image_mse_text:.4f}")

# %% [markdown]
# ## Summary
#
# - The published network: three stages of two 3 × 3 convolutions and a 4 × 4
#   max-pool (256 → 4 pixels), a 64-number latent vector behind a ReLU, and a decoder
#   that mirrors it with bilinear upsampling and a sigmoid; its weights load strictly.
# - On the real crop it returns a denoised, range-compressed copy: correlation
#   {eval}`f"{published_correlation:.2f}"` with the input, and a mean squared error of
#   {eval}`f"{published_mse_rescaled:.4f}"` once rescaled (a flat image:
#   {eval}`f"{published_mse_flat:.4f}"`).
# - Training is a short loop: batches, forward pass, loss, `zero_grad`, `backward`,
#   an optimiser step and a scheduler step. Written by hand and run through
#   `xpcs_nb.train` on the same seed, it gave {eval}`hand_same_phrase` (largest
#   difference {eval}`f"{hand_max_difference:.3g}"` over
#   {eval}`hand_steps` steps).
# - Trained from random weights with Adam, MSE and a triangular2 cyclic learning
#   rate, the architecture's test error is {eval}`f"{test_mse:.4f}"` per pixel,
#   {eval}`mse_verdict` the mean training image's
#   {eval}`f"{mean_image_mse_text:.4f}"` (ratio {eval}`f"{mse_ratio:.2f}"`).
# - The fair baseline is PCA with as many components as latent numbers: the network's
#   test error is {eval}`pca_verdict`.
# - Split the augmented set at random, as the authors' script does, and the test set
#   holds shifted copies of training crops: {eval}`leak_text`.
# - The latent-size sweep: {eval}`sweep_phrase_text`. The paper, with far longer
#   training, saw the error level off at 16 latent dimensions and chose 64.
# - A ReLU on the latent leaves dead dimensions: {eval}`dead_published_text` of 64 in
#   the published model, {eval}`dead_ours_text` of 64 in ours on the test crops.
#
# ## What's next
#
# Chapter 4 encodes every crop, clusters the latent vectors with k-means, draws them
# with UMAP, and asks whether the clusters are the classes the library was built
# with.

# %%
FRAME.finish()
