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
# # 3. The published autoencoder, trained and explained
#
# ## Overview
#
# An autoencoder is a pair of networks: an *encoder* that squeezes an image into a
# few numbers, the *latent vector*, and a *decoder* that rebuilds the image from
# them. Trained only to make the rebuilt image match the input, it learns which
# features of the images matter, with no labels at all. The AI-NERD paper compresses
# each 256 × 256 $C_2$ crop into 64 numbers this way {cite:p}`horwath2024`, and does
# everything that follows (clustering, similarity search) on those 64 numbers. In
# this chapter you will:
#
# 1. build the paper's network layer by layer and see the shape of the data at each
#    step;
# 2. load the published trained weights and run them on a real $C_2$ crop from the
#    experiment (the paper's Fig. 1D);
# 3. train the same architecture on the synthetic library of chapter 2, with the
#    paper's optimiser and learning-rate schedule, and follow its loss;
# 4. compare reconstructions with their inputs;
# 5. sweep the size of the latent vector from 2 to 1024 (the paper's Supp. Fig. 2);
# 6. find the latent dimensions that a ReLU switches off for good.
#
# ## Prerequisites
#
# | you need | where |
# | --- | --- |
# | the crops, their scaling and augmentation | chapter 2 |
# | convolution, max-pooling, ReLU, a training loop in PyTorch | the PyTorch "60 minute blitz" or any deep-learning course |
#
# Time to run: about three minutes at `fast` on a laptop CPU (small models, a few
# hundred images); at `class`, under ten minutes on one GPU; at `paper`, hours on a
# GPU. Trained weights are cached under `data/generated/`, so a rerun only loads
# them.

# %% tags=["parameters"]
import os

PRESET = os.environ.get("XPCS_PRESET", "class")  # "fast", "class" or "paper"
SEED = 0  # fixes the library, the split, the initial weights and the batches

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch

from xpcs_nb import latent, paper
from xpcs_nb.model import count_parameters, four_stage_autoencoder
from xpcs_nb.pipeline import augmented_sets, crop_splits, trained_autoencoder
from xpcs_nb.plotting import PAGE_WIDTH, crop_grid, training_history
from xpcs_nb.presets import get_preset

P = get_preset(PRESET)
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
print(f"preset {P.name!r} on {DEVICE}: {P.epochs} epochs of {P.train_items or 'all'} images, "
      f"latent sweep over {P.latent_sweep}")

# %% [markdown]
# ## The architecture
#
# The network read off the published weights has three encoder stages. Each stage
# applies two 3 × 3 convolutions (each followed by dropout of 5 % and a ReLU) and then
# a 4 × 4 max-pooling, which divides each side by four: 256 → 64 → 16 → 4. The
# channels grow 16 → 32 → 64, so the encoder ends with 64 maps of 4 × 4 pixels, 1024
# numbers. A linear layer and a ReLU turn them into the **64-number latent vector**.
# The decoder mirrors this: a linear layer back to 1024 numbers, three stages of two
# convolutions followed by ×4 bilinear upsampling, and a last convolution with a
# sigmoid, so every output pixel lies in (0, 1) like the scaled inputs.
#
# The table below is produced by running one image through the network and
# recording each layer's output shape.

# %%
def layer_table(model: torch.nn.Module, image_size: int = 256) -> pd.DataFrame:
    """One row per leaf layer: its name, type, output shape and number of weights."""
    rows, hooks = [], []
    for name, module in model.named_modules():
        if len(list(module.children())) == 0:
            hooks.append(module.register_forward_hook(
                lambda m, inputs, output, name=name: rows.append(
                    (name, type(m).__name__, tuple(output.shape[1:]), sum(p.numel() for p in m.parameters())))))
    with torch.no_grad():
        model.eval()(torch.zeros(1, 1, image_size, image_size))
    for hook in hooks:
        hook.remove()
    return pd.DataFrame(rows, columns=["layer", "type", "output shape (C, H, W)", "weights"])


published = paper.load_model()  # the paper's trained weights, loaded strictly, in eval mode
table = layer_table(published)
print(f"{count_parameters(published):,} weights in all")
table[table.type != "Dropout"].style.hide(axis="index")

# %% [markdown]
# The layer names (`encoder.0`, `encoder.3`, ..., `bottleneck.1`, `decoder1.21`)
# are exactly the keys of the published `state_dict`, which is why the weights load
# with `strict=True`: every tensor finds its place, none is left over.
#
# The paper's text describes *four* stages that each reduce the image "by a factor of
# four". Read as area (2 × 2 pooling), four stages take 256 to 16 pixels a side. The
# package offers that reading as `four_stage_autoencoder()`; it is a bigger network,
# and it is *not* what the published weights hold:

# %%
variant = four_stage_autoencoder()
print(f"published: {count_parameters(published):,} weights; four-stage text variant: "
      f"{count_parameters(variant):,} weights")
print("the variant encodes one crop to", tuple(variant.encode(torch.rand(1, 1, 256, 256)).shape))

# %% [markdown]
# ## The published model on a real $C_2$
#
# The authors published one real crop from the experiment, scaled to [0, 1]. Here it
# is with the published model's reconstruction (the paper's Fig. 1D). The output
# reads as a *denoised* input: the band, its changes of width and the off-diagonal
# fringes survive, the pixel noise does not. One thing to notice: the output only
# spans about 0.52 to 0.67 while the input spans 0 to 1. The shape is right, the
# scale is compressed; rescaling the output to [0, 1] shows how close the shape is.

# %% mystnb={"figure": {"caption": "The paper's Fig. 1D, rebuilt: a real $C_2$ crop from the experiment (left), the published model's output (middle) and the same output rescaled to [0, 1] (right). Look at the band along the diagonal and the fringes parallel to it: they survive the 64-number bottleneck, the pixel noise does not, and the raw output spans only 0.52 to 0.67.", "name": "fig-published-reconstruction"}}
def rescale(image: np.ndarray) -> np.ndarray:
    """Min-max rescale to [0, 1], as the crops were."""
    return (image - image.min()) / (image.max() - image.min())


target = paper.load_target_image()  # (256, 256) in [0, 1]
with torch.no_grad():
    output = published(torch.from_numpy(target).float()[None, None])[0, 0].numpy()
correlation = np.corrcoef(target.ravel(), output.ravel())[0, 1]
mse_rescaled = np.mean((rescale(output) - target) ** 2)
mse_constant = np.mean((target - target.mean()) ** 2)
print(f"output range {output.min():.2f} .. {output.max():.2f}; correlation with the input {correlation:.3f}")
print(f"MSE after rescaling {mse_rescaled:.4f}, against {mse_constant:.4f} for a flat image at the input's mean")

crop_grid(np.stack([target, output, rescale(output)]),  # one colour scale, 0 to 1, for all three
          titles=["real crop (input)", "published model's output", "output rescaled to [0, 1]"])
plt.show()

# %% [markdown]
# ## Training the architecture on the synthetic library
#
# Now we train the same architecture from scratch on chapter 2's crops. The recipe
# follows the paper and its code:
#
# - **loss**: mean squared error between output and input (the paper's text; the
#   upstream script used the L1 loss, available as `loss="l1"`);
# - **optimiser**: Adam;
# - **learning rate**: `CyclicLR` in `triangular2` mode, rising from LR/10 to LR and
#   back over two half cycles, the amplitude halving every cycle, stepped after
#   every batch (the paper's half cycle is six epochs; the small presets use shorter
#   ones so a cycle fits);
# - **data**: the augmented training images, validated on the separate validation
#   split in `eval()` mode (dropout off); the weights of the best validation epoch
#   are kept.
#
# Training saves a checkpoint after every epoch (model, optimiser, scheduler and
# every random-number state), so a run that is interrupted resumes where it
# stopped, and a finished one is simply loaded.
#
# **Where training starts.** At `class` and `paper` the weights start random, as in
# the paper. Learning a thin diagonal band from scratch takes tens of thousands of
# images, which a laptop CPU cannot do in minutes; so the `fast` preset starts from
# the published weights and *fine-tunes* them on our crops (transfer learning). The
# figure above already showed that the published network has learned what a $C_2$
# looks like; fine-tuning adapts it to the simulator's crops.

# %%
train_images, val_images = augmented_sets(P, SEED)
print(f"{len(train_images)} training and {len(val_images)} validation images per epoch; "
      f"weights start from: {P.start_from}")
model, history = trained_autoencoder(P, SEED, device=DEVICE)

fig, (ax_loss, ax_lr) = plt.subplots(1, 2, figsize=(PAGE_WIDTH, 3.2), layout="constrained")
training_history(history.epoch, history.train_loss, history.val_loss, best=history.best_epoch, ax=ax_loss)
ax_lr.plot(history.epoch, history.lr, "o-")
ax_lr.set_xlabel("epoch")
ax_lr.set_ylabel("learning rate at the epoch's end")
for ax in (ax_loss, ax_lr):
    ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
plt.show()

# %% [markdown]
# ## Reconstructions beside their inputs
#
# Test crops the model never saw, one per label where the test split has one, above
# their reconstructions. The band and its width survive first; fringes and the
# edges of avalanche blocks need the longer training of the `class` preset.

# %%
crops, metadata, splits = crop_splits(P, SEED)
test_rows = splits["test"]
by_label = metadata.iloc[test_rows].drop_duplicates("label").sort_values("label")
examples = by_label.index.to_numpy()[:6]
inputs = np.stack([crops[i] for i in examples])
outputs = latent.decode(model, latent.encode(model, inputs))

crop_grid(np.concatenate([inputs, outputs]), n_cols=len(examples),
          titles=list(metadata.name.loc[examples]) + [""] * len(examples), row_labels=["input", "reconstruction"])
plt.show()

test_mse = np.mean((latent.decode(model, latent.encode(model, crops[np.sort(test_rows)])) -
                    np.asarray(crops[np.sort(test_rows)])) ** 2)
print(f"test MSE per pixel: {test_mse:.4f} over {len(test_rows)} test crops")

# %% [markdown]
# ## How many numbers does a $C_2$ need? The latent-size sweep
#
# The paper trained models with latent vectors of 2 to 1024 numbers (powers of two)
# and plotted the test error against the size: it fell quickly and levelled off near
# 16; the authors chose 64 to keep a margin. We repeat the sweep with the preset's
# sizes, each model trained with the same data and schedule (fewer images and epochs
# than the main model, so the curve is about the trend, not the last digit). At
# `fast` each model gets one short epoch and its bottleneck starts from scratch (only
# the convolutions can come from the published model when the latent size differs),
# so expect a rough curve; `class` sweeps all ten sizes from 2 to 1024.

# %% mystnb={"figure": {"caption": "The latent-size sweep (the paper's Supp. Fig. 2): test error against the number of latent dimensions. In the paper the error falls until about 16 and then levels off; at the `fast` preset each model trains for one short epoch, so only the trend can be read.", "name": "fig-latent-sweep"}}
test_crops = np.asarray(crops[np.sort(test_rows)])
sweep = []
for size in P.latent_sweep:
    sweep_model, _ = trained_autoencoder(P, SEED, latent_size=size, epochs=P.sweep_epochs,
                                         n_train=P.sweep_items, tag="sweep", device=DEVICE, progress=False)
    rebuilt = latent.decode(sweep_model, latent.encode(sweep_model, test_crops))
    sweep.append((size, float(np.mean((rebuilt - test_crops) ** 2))))
sweep = pd.DataFrame(sweep, columns=["latent size", "test MSE"])

fig, ax = plt.subplots(figsize=(0.75 * PAGE_WIDTH, 3.4), constrained_layout=True)
ax.plot(sweep["latent size"], sweep["test MSE"], "o-")
ax.set_xscale("log", base=2)
ax.set_xlabel("latent size")
ax.set_ylabel("test MSE per pixel")
ax.set_title(f"latent-size sweep ({P.sweep_epochs} epoch(s) of {P.sweep_items} images each)")
plt.show()

# %%
sweep.style.hide(axis="index")

# %% [markdown]
# ## Dead latent dimensions
#
# The latent vector comes out of a ReLU, which sets every negative number to zero.
# If, after training, a latent unit's input is negative for *every* image, that
# unit is zero for every image: it is dead, and carries no information. The 900
# latent vectors the authors published show 20 of their 64 dimensions at zero for
# every single vector. Our model has its own dead units:

# %%
published_latents = paper.load_latents()  # (900, 64), from the paper's model
our_latents = latent.encode(model, test_crops)  # (N, 64)
dead_published = np.flatnonzero(np.all(published_latents == 0, axis=0))
dead_ours = np.flatnonzero(np.all(our_latents == 0, axis=0))
print(f"published latents: {dead_published.size} of 64 dimensions are zero for all 900 vectors")
print(f"our model on the test crops: {dead_ours.size} of 64 dimensions are zero for all {len(our_latents)}")

fig, axes = plt.subplots(1, 2, figsize=(PAGE_WIDTH, 3), constrained_layout=True)
for ax, values, title in ((axes[0], published_latents, "published latents (900 real C2)"),
                          (axes[1], our_latents, "our model, test crops")):
    ax.imshow(values.T, aspect="auto", cmap="magma", interpolation="nearest")
    ax.set_xlabel("crop")
    ax.set_ylabel("latent dimension")
    ax.set_title(title)
plt.show()

# %% [markdown]
# Dead units are harmless for clustering (a constant dimension adds the same to every
# distance), but they are wasted capacity: the paper's "64-dimensional" latent
# space is effectively 44-dimensional. A leaky ReLU or no activation on the latent
# would avoid this; the published model has the ReLU, so we keep it.
#
# ## Exercises
#
# **Exercise 1: where are the weights?** Using `layer_table(published)`, find which
# layer holds the most weights. Is it a convolution or a linear layer, and why?

# %% tags=["hide-cell"]
# Solution: the two linear layers of the bottleneck (1024 x 64 weights each, plus
# biases) are the largest, ahead of the 64 -> 64 channel 3 x 3 convolutions
# (64 x 64 x 9 + 64). A convolution reuses its few weights at every pixel; a linear
# layer has one weight per pair of input and output numbers.
print(table.sort_values("weights", ascending=False).head(4).to_string(index=False))

# %% [markdown]
# **Exercise 2: the rescaling matters.** Compute the MSE between the published
# model's raw output and the target, and compare it with the MSE after rescaling and
# with a flat image. What does the raw number alone suggest, and why is it
# misleading here?

# %% tags=["hide-cell"]
# Solution: the raw output is compressed into 0.52 .. 0.67, so its raw MSE is large
# even though the shape is right; judging the model needs the rescaled comparison.
print(f"raw MSE {np.mean((output - target) ** 2):.4f}, rescaled {mse_rescaled:.4f}, flat {mse_constant:.4f}")

# %% [markdown]
# **Exercise 3: a symmetric input, a symmetric output?** A $C_2$ is symmetric. Is the
# published model's reconstruction of the real crop symmetric? Measure
# $\max|y - y^\top|$ relative to the output's range, and explain.

# %% tags=["hide-cell"]
# Solution: convolutions see the image as an image, not as a symmetric matrix; nothing
# in the network forces symmetry, but training on symmetric inputs makes the output
# nearly symmetric.
asymmetry = np.abs(output - output.T).max() / (output.max() - output.min())
print(f"largest asymmetry: {asymmetry:.1%} of the output's range")

# %% [markdown]
# ## Summary
#
# - The published network: three stages of two 3 × 3 convolutions and a 4 × 4
#   max-pool (256 → 4 pixels), a 64-number latent vector behind a ReLU, and a decoder
#   that mirrors it with bilinear upsampling and a sigmoid; its weights load strictly.
# - On the real crop it returns a denoised, range-compressed copy: correlation about
#   0.95, and a small error once rescaled.
# - Trained with Adam, MSE and a triangular2 cyclic learning rate, the same
#   architecture learns the synthetic crops; reconstructions keep the band and its
#   width first.
# - The error falls quickly with the latent size and then levels off; 64 leaves a
#   margin.
# - A ReLU on the latent leaves dead dimensions: 20 of 64 in the published model.
#
# ## What's next
#
# Chapter 4 encodes every crop, clusters the latent vectors with k-means, draws them
# with UMAP, and asks whether the clusters are the classes the library was built
# with.
