"""The convolutional autoencoder of the AI-NERD paper.

Two layouts of one hourglass network:

* :func:`published_autoencoder` -- the model whose weights the authors published
  (``full_dataset_augmented_training_normbest_model_0051.pth``): three stages, 4x4
  pooling, 256 -> 64 -> 16 -> 4 pixels. Its ``state_dict`` loads with ``strict=True``.
* :func:`four_stage_autoencoder` -- what the paper's text (section V D) describes: four
  stages, each shrinking the image "by a factor of four", read as four in area (2x2
  pooling), 256 -> 128 -> 64 -> 32 -> 16 pixels.

Both are :class:`Autoencoder` objects; ``encode`` gives the latent vector (after its
ReLU, so every entry is >= 0, as in the published latents), ``decode`` maps it back to
an image in [0, 1] (a sigmoid ends the decoder).

Example
-------
>>> import torch
>>> model = published_autoencoder(latent_size=64).eval()
>>> crops = torch.rand(2, 1, 256, 256)
>>> model.encode(crops).shape
torch.Size([2, 64])
>>> model(crops).shape
torch.Size([2, 1, 256, 256])
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import torch
from torch import nn

from .validation import ArgumentTypeError, check_int, check_real, describe

__all__ = [
    "Autoencoder",
    "published_autoencoder",
    "four_stage_autoencoder",
    "check_state_dict",
    "count_parameters",
]

# The published model, read off its weights (see DESIGN.md).
PUBLISHED_ENCODER_CHANNELS = (16, 32, 64)
PUBLISHED_DECODER_CHANNELS = (64, 64, 32)
PUBLISHED_POOL = 4
DROPOUT = 0.05
IMAGE_SIZE = 256


def _conv_block(in_channels: int, out_channels: int, dropout: float) -> list[nn.Module]:
    """Two [3x3 conv (padding 1), dropout, ReLU] triples: six modules, size kept."""
    return [
        nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1),
        nn.Dropout(dropout),
        nn.ReLU(),
        nn.Conv2d(out_channels, out_channels, kernel_size=3, padding=1),
        nn.Dropout(dropout),
        nn.ReLU(),
    ]


def _encoder(channels: Sequence[int], pool: int, dropout: float) -> nn.Sequential:
    """One conv block then ``pool x pool`` max-pooling per stage; input has 1 channel.

    The flat ``nn.Sequential`` (7 modules a stage) gives the published key names
    ``encoder.0, encoder.3, encoder.7, ...``.
    """
    layers: list[nn.Module] = []
    in_channels = 1
    for out_channels in channels:
        layers += _conv_block(in_channels, out_channels, dropout)
        layers.append(nn.MaxPool2d(pool))
        in_channels = out_channels
    return nn.Sequential(*layers)


def _decoder(
    in_channels: int, channels: Sequence[int], pool: int, dropout: float
) -> nn.Sequential:
    """One conv block then bilinear x``pool`` upsampling per stage; a 3x3 conv to one
    channel and a sigmoid at the end (keys ``decoder1.0, ..., decoder1.21`` when
    there are three stages)."""
    layers: list[nn.Module] = []
    for out_channels in channels:
        layers += _conv_block(in_channels, out_channels, dropout)
        # align_corners=False is nn.Upsample's default, and what the authors trained with
        layers.append(nn.Upsample(scale_factor=pool, mode="bilinear", align_corners=False))
        in_channels = out_channels
    layers += [nn.Conv2d(in_channels, 1, kernel_size=3, padding=1), nn.Sigmoid()]
    return nn.Sequential(*layers)


def _bottleneck(feature_shape: tuple[int, int, int], latent_size: int) -> nn.Sequential:
    """Flatten -> Linear -> ReLU (the latent) -> Linear -> ReLU -> Unflatten.

    Indices 1 and 3 are the two Linear layers, as in the published keys
    ``bottleneck.1`` and ``bottleneck.3``; :meth:`Autoencoder.encode` stops after
    index 2, so the latent is taken after its ReLU.
    """
    n_features = feature_shape[0] * feature_shape[1] * feature_shape[2]
    return nn.Sequential(
        nn.Flatten(),
        nn.Linear(n_features, latent_size),
        nn.ReLU(),
        nn.Linear(latent_size, n_features),
        nn.ReLU(),
        nn.Unflatten(1, feature_shape),
    )


class Autoencoder(nn.Module):
    """Hourglass convolutional autoencoder for C2 crops.

    Encoder: per stage two [3x3 conv, dropout, ReLU] then ``pool x pool`` max-pooling.
    Bottleneck: flatten -> Linear(latent_size) -> ReLU -> Linear -> ReLU -> unflatten.
    Decoder: per stage two [3x3 conv, dropout, ReLU] then bilinear x``pool``
    upsampling; a final 3x3 conv to one channel and a sigmoid. (Dropout before the
    ReLU, not after, is the authors' order; the two commute, so it does not matter.)

    Parameters
    ----------
    latent_size : int
        Length of the latent vector (the paper: 64; its sweep: 2 .. 1024).
    encoder_channels : sequence of int
        Output channels of each encoder stage, e.g. ``(16, 32, 64)``.
    decoder_channels : sequence of int
        Output channels of each decoder stage, e.g. ``(64, 64, 32)``; as many stages
        as the encoder.
    pool : int
        Pooling (and upsampling) factor per stage, along each axis.
    dropout : float
        Dropout probability after every convolution (the paper: 0.05).
    image_size : int
        Side of the square input in pixels; must be divisible by
        ``pool ** n_stages``.

    Attributes
    ----------
    layout : dict
        The checked constructor arguments; ``Autoencoder(**model.layout)`` builds the
        same layout (how :class:`xpcs_nb.latent.LatentSpace` saves a model).
    encoder, bottleneck, decoder1 : nn.Sequential
        Named as in the authors' code, so their ``state_dict`` keys match.
    """

    def __init__(
        self,
        latent_size: int = 64,
        encoder_channels: Sequence[int] = PUBLISHED_ENCODER_CHANNELS,
        decoder_channels: Sequence[int] = PUBLISHED_DECODER_CHANNELS,
        pool: int = PUBLISHED_POOL,
        dropout: float = DROPOUT,
        image_size: int = IMAGE_SIZE,
    ) -> None:
        super().__init__()
        latent_size, encoder_channels, decoder_channels, pool, dropout, image_size = _check_layout(
            latent_size, encoder_channels, decoder_channels, pool, dropout, image_size
        )
        n_stages = len(encoder_channels)
        feature_side = image_size // pool**n_stages
        feature_shape = (encoder_channels[-1], feature_side, feature_side)

        self.latent_size = latent_size
        self.image_size = image_size
        # the arguments that rebuild this layout: Autoencoder(**model.layout)
        self.layout = dict(latent_size=latent_size, encoder_channels=encoder_channels,
                           decoder_channels=decoder_channels, pool=pool, dropout=dropout, image_size=image_size)
        self.encoder = _encoder(encoder_channels, pool, dropout)
        self.bottleneck = _bottleneck(feature_shape, latent_size)
        self.decoder1 = _decoder(encoder_channels[-1], decoder_channels, pool, dropout)

    def encode(self, images: torch.Tensor) -> torch.Tensor:
        """Latent vectors of a batch of images.

        Parameters
        ----------
        images : Tensor (N, 1, image_size, image_size)
            Crops scaled to [0, 1].

        Returns
        -------
        Tensor (N, latent_size)
            Non-negative (taken after the bottleneck's first ReLU).
        """
        self._check_images(images)
        features = self.encoder(images)
        return self.bottleneck[:3](features)

    def decode(self, latents: torch.Tensor) -> torch.Tensor:
        """Images from latent vectors.

        Parameters
        ----------
        latents : Tensor (N, latent_size)

        Returns
        -------
        Tensor (N, 1, image_size, image_size)
            Values in [0, 1].
        """
        if not isinstance(latents, torch.Tensor):
            raise TypeError(f"latents must be a torch.Tensor, got {describe(latents)}")
        if latents.ndim != 2 or latents.shape[1] != self.latent_size:
            raise ValueError(
                f"latents must have shape (N, {self.latent_size}), got {tuple(latents.shape)}"
            )
        return self.decoder1(self.bottleneck[3:](latents))

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """Reconstruct ``images (N, 1, S, S)``; returns the same shape, values in [0, 1]."""
        return self.decode(self.encode(images))

    def load_weights(self, state_dict: Mapping[str, torch.Tensor]) -> "Autoencoder":
        """Load a ``state_dict`` strictly and return ``self`` in eval mode (dropout off).

        ``nn.Module.load_state_dict`` stops at the first kind of problem; this raises
        one ValueError listing missing keys, unexpected keys and shape mismatches
        together, with shapes. Loaded weights are there to be used, so the model comes
        back in ``eval()`` mode: the same crop always gives the same latent vector. To
        train on from them, call ``model.train()``.

        >>> model = Autoencoder(latent_size=4, encoder_channels=(2,), decoder_channels=(2,), pool=4, image_size=16)
        >>> Autoencoder(latent_size=4, encoder_channels=(2,), decoder_channels=(2,), pool=4,
        ...             image_size=16).load_weights(model.state_dict()).training
        False
        """
        check_state_dict(self, state_dict)
        self.load_state_dict(state_dict, strict=True)
        return self.eval()

    def _check_images(self, images: torch.Tensor) -> None:
        expected = (1, self.image_size, self.image_size)
        if not isinstance(images, torch.Tensor):
            raise TypeError(f"images must be a torch.Tensor, got {type(images).__name__}")
        if images.ndim != 4 or tuple(images.shape[1:]) != expected:
            raise ValueError(
                f"images must have shape (N, 1, {self.image_size}, {self.image_size}), "
                f"got {tuple(images.shape)}; add the channel axis with images[:, None] "
                "and crop or resize to the model's image_size"
            )
        weights_dtype = self.encoder[0].weight.dtype
        # The usual slip: np.load gives float64, torch.from_numpy keeps it.
        if images.dtype == torch.float64 and weights_dtype == torch.float32:
            raise ValueError(
                "images must be float32 like the weights, got float64; use images.float()"
            )
        if not images.is_floating_point():
            raise ValueError(
                f"images must be a floating-point tensor in [0, 1], got {images.dtype}"
            )


def _check_layout(latent_size, encoder_channels, decoder_channels, pool, dropout, image_size):
    """The layout as Python numbers; ValueError naming the first argument that cannot make a model."""
    latent_size = check_int(latent_size, "latent_size", minimum=1)
    encoder_channels = _check_channels(encoder_channels, "encoder_channels")
    decoder_channels = _check_channels(decoder_channels, "decoder_channels")
    if len(decoder_channels) != len(encoder_channels):
        raise ValueError(
            "decoder_channels must be as many positive integers as encoder_channels "
            f"({len(encoder_channels)}), got {decoder_channels!r}"
        )
    pool = check_int(pool, "pool", minimum=2)
    dropout = check_real(dropout, "dropout", minimum=0.0, maximum=1.0, include_max=False)
    shrink = pool ** len(encoder_channels)
    image_size = check_int(image_size, "image_size", minimum=shrink)
    if image_size % shrink:
        raise ValueError(f"image_size must be a multiple of pool ** n_stages = {shrink}, got {image_size!r}")
    return latent_size, encoder_channels, decoder_channels, pool, dropout, image_size


def _check_channels(channels, name: str) -> tuple[int, ...]:
    if isinstance(channels, (str, bytes)) or not hasattr(channels, "__len__"):
        raise ArgumentTypeError(f"{name} must be a sequence of positive integers, got {describe(channels)}")
    if len(channels) == 0:
        raise ValueError(f"{name} must hold at least one stage, got {channels!r}")
    return tuple(check_int(c, f"{name}[{i}]", minimum=1) for i, c in enumerate(channels))


def published_autoencoder(latent_size: int = 64) -> Autoencoder:
    """The layout of the authors' published weights (three stages, 4x4 pooling).

    256 -> 64 -> 16 -> 4 pixels with channels 16, 32, 64; flatten 64 x 4 x 4 = 1024
    features; decoder channels 64, 64, 32. About 0.38 M parameters at
    ``latent_size=64``, a third of them in the bottleneck. Any ``latent_size`` works
    (the paper's sweep: 2 .. 1024); only 64 matches the published weights.

    >>> count_parameters(published_autoencoder()), count_parameters(published_autoencoder().bottleneck)
    (379665, 132160)
    """
    return Autoencoder(latent_size=latent_size)


def four_stage_autoencoder(latent_size: int = 64) -> Autoencoder:
    """The model as the paper's text describes it: four stages, 2x2 pooling.

    Section V D says "four stages in both the encoding and decoding networks" with
    max-pooling that reduces "the size of images by a factor of four after each stage".
    The published weights have three stages with 4x4 pooling (a factor of four per
    axis, sixteen in area); four such stages would leave 256 / 4**4 = 1 pixel. Here
    the factor of four is read as area: 2x2 pooling, 256 -> 128 -> 64 -> 32 -> 16.
    The fourth stages follow the ones commented out in the authors' script: 64
    channels in the encoder, 32 in the decoder.

    Differences from :func:`published_autoencoder`: four stages instead of three;
    the convolutions see larger maps (roughly four times the arithmetic); the
    bottleneck flattens 64 x 16 x 16 = 16384 features, so its two Linear layers hold
    about 2.1 M parameters at ``latent_size=64`` (the published ones: 0.13 M); the
    whole model about 2.45 M (the published one: 0.38 M).

    >>> count_parameters(four_stage_autoencoder()), count_parameters(four_stage_autoencoder().bottleneck)
    (2453457, 2113600)
    """
    return Autoencoder(
        latent_size=latent_size,
        encoder_channels=(16, 32, 64, 64),
        decoder_channels=(64, 64, 32, 32),
        pool=2,
    )


def check_state_dict(model: nn.Module, state_dict: Mapping[str, torch.Tensor]) -> None:
    """Raise ValueError listing every key and shape where ``state_dict`` and ``model``
    differ; return None when they match.

    Parameters
    ----------
    model : nn.Module
    state_dict : mapping of str to Tensor
        E.g. from ``torch.load(path, map_location="cpu", weights_only=True)``.
    """
    if not isinstance(state_dict, Mapping):
        raise TypeError(
            f"state_dict must be a mapping of names to tensors, got {type(state_dict).__name__}"
        )
    expected = {key: tuple(value.shape) for key, value in model.state_dict().items()}
    given = {key: tuple(value.shape) for key, value in state_dict.items()}
    problems = [f"missing {key} {shape}" for key, shape in expected.items() if key not in given]
    problems += [f"unexpected {key} {shape}" for key, shape in given.items() if key not in expected]
    problems += [
        f"shape of {key}: model {expected[key]}, state_dict {shape}"
        for key, shape in given.items()
        if key in expected and expected[key] != shape
    ]
    if problems:
        raise ValueError(
            f"state_dict does not fit {type(model).__name__} ({len(problems)} problems):\n  "
            + "\n  ".join(problems)
        )


def count_parameters(model: nn.Module) -> int:
    """Number of trainable parameters of ``model``."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
