"""The run sizes of the book, in one place.

Four presets:

* ``fast``  -- what the tests run on a CPU, in minutes. Chapter 3 trains the paper's
  network from random weights on 6,144 crops (4 epochs of 1,536, batch 32) and sets
  it beside PCA with as many components; it runs no latent-size sweep (one short
  epoch per model taught nothing), so ``latent_sweep`` is empty and the other sweep
  fields are unused. Chapter 4 evaluates at 10, 1 and 0.3 photons per pixel on 8
  large C2 per label, with chapter 3's one trained encoder, not trained further at
  each rate (``eval_matched`` is False).
* ``class`` -- the default for a reader with one GPU on a JupyterHub; chapter 4
  evaluates at four photon rates on 40 C2 per label, with three training seeds.
* ``class_cpu`` -- ``class``'s libraries and evaluation sets (40 C2 per label, three
  training seeds) on a CPU: 4 epochs of 4,000 images per seed, a 3-size sweep of
  2 epochs of 2,500 images per model (one whole learning-rate cycle), three photon
  rates; for a reader without a GPU, and the preset the published site is built at.
* ``paper`` -- the AI-NERD paper's scale (5000-frame C2, 400,000 augmented crops,
  50 epochs); a GPU. Chapter 4 evaluates one trained encoder (each more
  is a whole training of its own): set ``eval_train_seeds`` to 3 for the spread over seeds.

A notebook picks one in its ``parameters`` cell::

    PRESET = preset_for_this_machine()  # $XPCS_PRESET, else class with CUDA, fast without
    P = get_preset(PRESET)

:func:`preset_for_this_machine` is the one rule, used by ``tasks.py`` too;
:func:`why_this_preset` says in words which part of it chose (the chapter banner
shows that sentence). The run time and the results of each preset, with the command
that measured them, are in ``book/performance.md``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace

from .validation import ArgumentTypeError, check_bool, check_choice, check_int, check_real, describe

__all__ = ["Preset", "PRESETS", "get_preset", "as_preset", "preset_for_this_machine", "why_this_preset", "ENV_VAR"]

ENV_VAR = "XPCS_PRESET"
# The fields that name a choice, and their choices.
CHOICES = {
    "library_method": ("movie", "analytic"),
    "start_from": ("scratch", "published"),
    "rheo_c2_method": ("movie", "analytic"),
}
OPTIONAL_SIZES = ("train_items", "val_items", "sweep_items")  # None means "all of them"


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
    # chapter 3: training the autoencoder
    train_items: int | None = None  # augmented training images per epoch; None: all of them
    val_items: int | None = None  # augmented validation images; None: all
    epochs: int = 50  # the paper: 50
    batch_size: int = 32
    learning_rate: float = 1e-3
    half_cycle_epochs: int = 6  # CyclicLR half cycle, as upstream
    latent_sweep: tuple[int, ...] = (2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)  # Supp. Fig. 2
    sweep_items: int | None = None  # training images per model of the sweep
    sweep_epochs: int = 10  # a whole number of learning-rate cycles (2 x sweep_half_cycle_epochs each)
    sweep_half_cycle_epochs: int = 5  # CyclicLR half cycle of the sweep's models
    sweep_seeds: int = 3  # training seeds per latent size of the sweep (its error bars)
    start_from: str = "scratch"  # "scratch" (the paper, every preset) or "published": fine-tune the paper's weights
    # chapter 5: the synthetic rheo-XPCS experiment
    rheo_c2_method: str = "movie"  # "movie" (photons simulated) or "analytic" (expected C2 plus noise)
    # chapter 4: the evaluation that can tell methods apart (xpcs_nb.evaluation)
    eval_photons: tuple[float, ...] = (10.0, 1.0, 0.3, 0.1)  # photons per pixel per frame, one library each
    eval_per_class: int = 40  # large C2 per label of each evaluation library (seed 10,000, never trained on)
    eval_kmeans_seeds: int = 5  # k-means seeds 0 .. n-1 per feature run
    eval_untrained_seeds: int = 3  # random networks (the untrained baseline), seeds 0 .. n-1
    eval_train_seeds: int = 3  # trained encoders, seeds 0 .. n-1 (seed 0 is chapter 3's model)
    eval_matched_epochs: int = 1  # further training of each trained encoder at each evaluated photon rate
    eval_matched: bool = True  # chapter 4 trains them at all (False at fast: its time budget)
    # chapter 7: the synthetic rheo-XPCS run streamed window by window "during the beamtime",
    # and the detector movies that stand in for a reader's own measurement
    stream_windows: int = 50  # windows of 18 sectors (the paper's run E031: 50)
    own_data_frames: int = 2048  # frames of each of the three movies (36 C2 of T x T per movie)

    def __post_init__(self) -> None:
        # Frozen: checked values (numpy integers made ints) go in through object.__setattr__.
        if not isinstance(self.name, str) or not self.name.isidentifier():
            raise ValueError(f"name must be a simple name such as 'fast', got {self.name!r}")
        for field in fields(self):
            value = getattr(self, field.name)
            if field.name in CHOICES:
                value = check_choice(value, field.name, CHOICES[field.name])
            elif field.name == "learning_rate":
                value = check_real(value, field.name, minimum=0, include_min=False)
            elif field.name == "latent_sweep":
                value = tuple(check_int(size, "latent_sweep entry", minimum=1) for size in value)
            elif field.name == "eval_photons":
                value = tuple(check_real(rate, "eval_photons entry", minimum=0, include_min=False) for rate in value)
                if not value:
                    raise ValueError("eval_photons must hold at least one photon rate, got none")
            elif field.name == "eval_matched":
                value = check_bool(value, field.name)
            elif field.name in OPTIONAL_SIZES and value is None:
                pass
            elif field.name != "name":
                value = check_int(value, field.name, minimum=1)
            object.__setattr__(self, field.name, value)
        cycle = 2 * self.sweep_half_cycle_epochs
        if self.latent_sweep and self.sweep_epochs % cycle:
            raise ValueError(f"sweep_epochs must be a whole number of learning-rate cycles (a multiple of "
                             f"2 x sweep_half_cycle_epochs = {cycle}), got {self.sweep_epochs}")

    def with_(self, **changes) -> "Preset":
        """A copy with some fields changed, e.g. ``P.with_(n_frames=200)``."""
        return replace(self, **changes)


PRESETS: dict[str, Preset] = {
    "fast": Preset(name="fast", detector_side=160, n_frames=600, c2_frames=512, crop_size=256,
                   library_per_class=6, train_items=1536, val_items=128, epochs=4, batch_size=32,
                   half_cycle_epochs=2, latent_sweep=(), sweep_items=256, sweep_epochs=1, sweep_seeds=2,
                   start_from="scratch", rheo_c2_method="analytic",
                   eval_photons=(10.0, 1.0, 0.3), eval_per_class=8, eval_train_seeds=1, eval_matched=False,
                   stream_windows=24,
                   own_data_frames=600),
    "class": Preset(name="class", detector_side=192, n_frames=2000, c2_frames=2048, crop_size=256,
                    library_per_class=40, train_items=20_000, val_items=2_000, epochs=12, half_cycle_epochs=3,
                    sweep_items=5_000, sweep_epochs=4, sweep_half_cycle_epochs=2),
    "paper": Preset(name="paper", detector_side=192, n_frames=5000, c2_frames=5000, crop_size=256,
                    library_per_class=286, epochs=50, half_cycle_epochs=6, sweep_items=40_000, sweep_epochs=10,
                    eval_train_seeds=1),
}
# class's libraries, evaluation sets and three training seeds, with the training cut to what
# a 2-core CPU does in well under two hours (book/performance.md has the measured times).
PRESETS["class_cpu"] = PRESETS["class"].with_(
    name="class_cpu", train_items=4_000, val_items=500, epochs=4, half_cycle_epochs=2,
    latent_sweep=(4, 16, 64), sweep_items=2_500, sweep_epochs=2, sweep_half_cycle_epochs=1, sweep_seeds=2,
    eval_photons=(10.0, 1.0, 0.3))


def _cuda_available() -> bool:
    """Whether PyTorch is installed and sees a CUDA GPU (imported only when asked)."""
    try:
        import torch
    except ImportError:
        return False
    return bool(torch.cuda.is_available())


def preset_for_this_machine() -> str:
    """The preset to run here: ``$XPCS_PRESET`` if set, else ``class`` with a CUDA GPU, else ``fast``.

    ``class`` is sized for a GPU; on a CPU ``fast`` (or ``class_cpu``, chosen by name)
    keeps the run short. ``book/performance.md`` gives each preset's run time.

    >>> import os; os.environ["XPCS_PRESET"] = "class_cpu"; preset_for_this_machine()
    'class_cpu'
    >>> del os.environ["XPCS_PRESET"]
    """
    chosen = os.environ.get(ENV_VAR, "").strip()
    if chosen:
        return get_preset(chosen).name
    return "class" if _cuda_available() else "fast"


def why_this_preset(preset: str) -> str:
    """One sentence on why ``preset`` runs here, for the chapter banner.

    >>> import os; os.environ.pop("XPCS_PRESET", None) and None
    >>> why_this_preset("paper")
    'chosen by hand (PRESET in the first cell)'
    """
    preset = get_preset(preset).name
    chosen = os.environ.get(ENV_VAR, "").strip()
    if chosen and get_preset(chosen).name == preset:
        return f"chosen by the environment variable {ENV_VAR}={chosen}"
    automatic = "class" if _cuda_available() else "fast"
    if preset != automatic:
        return "chosen by hand (PRESET in the first cell)"
    if preset == "class":
        return "chosen because PyTorch sees a CUDA GPU; set XPCS_PRESET to choose another"
    return "chosen because PyTorch sees no CUDA GPU; set XPCS_PRESET to choose another"


def get_preset(name: str | None = None) -> Preset:
    """Return the preset called ``name``; None means :func:`preset_for_this_machine`.

    Raises ValueError naming the known presets when ``name`` is unknown.

    >>> fast = get_preset("fast")
    >>> fast.start_from, fast.batch_size, fast.epochs * fast.train_items
    ('scratch', 32, 6144)
    >>> fast.with_(n_frames=2.5)
    Traceback (most recent call last):
    ...
    xpcs_nb.validation.ArgumentTypeError: n_frames must be an integer (int or numpy integer), got 2.5 (float)
    """
    if name is None:
        name = preset_for_this_machine()
    if not isinstance(name, str):
        raise ArgumentTypeError(f"name must be a preset name such as 'fast', got {describe(name)}")
    key = str(name).strip().lower()
    if key not in PRESETS:
        raise ValueError(f"preset must be one of {sorted(PRESETS)}, got {name!r}")
    return PRESETS[key]


def as_preset(preset) -> Preset:
    """``preset`` as a :class:`Preset`: a preset's name (as :func:`get_preset` takes it) or a Preset itself.

    The one coercion behind every function that takes "a preset name or a Preset".

    >>> as_preset("fast") is get_preset("fast"), as_preset(get_preset("class")).name
    (True, 'class')
    >>> as_preset(None)
    Traceback (most recent call last):
    ...
    xpcs_nb.validation.ArgumentTypeError: preset must be a preset name such as 'fast' or a Preset, got None (NoneType)
    """
    if isinstance(preset, str):
        return get_preset(preset)
    if not isinstance(preset, Preset):
        raise ArgumentTypeError(f"preset must be a preset name such as 'fast' or a Preset, got {describe(preset)}")
    return preset
