"""The run sizes of the book, in one place.

Three presets:

* ``fast``  -- what CI runs on a 2-core CPU; every chapter in a minute or two.
* ``class`` -- the default for a reader with one GPU on a JupyterHub.
* ``paper`` -- the AI-NERD paper's scale (5000-frame C2, 400,000 augmented crops,
  50 epochs); hours, and a GPU.

A notebook picks one in its ``parameters`` cell::

    PRESET = os.environ.get("XPCS_PRESET", "class")
    P = get_preset(PRESET)

The environment variable lets a Jupyter Book build (which cannot pass papermill
parameters) choose the preset.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace

__all__ = ["Preset", "PRESETS", "get_preset", "ENV_VAR"]

ENV_VAR = "XPCS_PRESET"


@dataclass(frozen=True)
class Preset:
    """Sizes for one preset; each field says which chapter reads it."""

    name: str
    # chapter 1: one speckle movie
    detector_side: int  # square detector, pixels per side
    n_frames: int  # frames per movie
    # chapter 2: the C2 library and its crops
    c2_frames: int  # frames of each large C2 (the paper: 5000)
    crop_size: int  # crop side (the paper: 256)
    library_per_class: int  # large C2 per label, 7 labels (the paper: 2000 C2 in all)
    crops_per_c2: int = 2  # the paper: 2
    augment_factor: int = 100  # shifted copies per crop, the original included (the paper: 100)
    library_method: str = "movie"  # "movie" (photons simulated) or "analytic" (see scenarios)

    def with_(self, **changes) -> "Preset":
        """A copy with some fields changed, e.g. ``P.with_(n_frames=200)``."""
        return replace(self, **changes)


PRESETS: dict[str, Preset] = {
    "fast": Preset(name="fast", detector_side=160, n_frames=600, c2_frames=512, crop_size=256,
                   library_per_class=6),
    "class": Preset(name="class", detector_side=192, n_frames=2000, c2_frames=2048, crop_size=256,
                    library_per_class=40),
    "paper": Preset(name="paper", detector_side=192, n_frames=5000, c2_frames=5000, crop_size=256,
                    library_per_class=286),
}


def get_preset(name: str | None = None) -> Preset:
    """Return the preset called ``name``; None reads ``$XPCS_PRESET`` (default ``class``).

    Raises ValueError naming the known presets when ``name`` is unknown.
    """
    if name is None:
        name = os.environ.get(ENV_VAR, "class")
    key = str(name).strip().lower()
    if key not in PRESETS:
        raise ValueError(f"preset must be one of {sorted(PRESETS)}, got {name!r}")
    return PRESETS[key]
