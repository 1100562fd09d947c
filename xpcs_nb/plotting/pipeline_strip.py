"""The book's pipeline as one strip of boxes: where each chapter sits in the whole.

The intro shows the strip with every step; each chapter's first cell shows it again
with that chapter's steps lit, so a reader always sees where the page sits between
the detector's frames and the rheometer's stress.

>>> [step.name for step in PIPELINE_STEPS][:3]
['frames', 'C2', 'crops']
>>> chapter_steps(3)
('encoder', 'latents')
"""

from __future__ import annotations

from dataclasses import dataclass

import matplotlib.pyplot as plt
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from xpcs_nb.plotting.style import PAGE_WIDTH
from xpcs_nb.validation import check_int

__all__ = ["PipelineStep", "PIPELINE_STEPS", "CHAPTER_STEPS", "chapter_steps", "pipeline_strip"]


@dataclass(frozen=True)
class PipelineStep:
    """One box of the strip: its name, what it holds, its chapter, and where it sits.

    ``column`` counts from the left; ``lane`` is ``"full"`` for a full-height box, or
    ``"top"`` / ``"bottom"`` for the two half-height boxes that share a column.
    """

    name: str
    detail: str
    chapter: int
    column: int
    lane: str = "full"


PIPELINE_STEPS = (
    PipelineStep("frames", "speckle movie", 1, 0),
    PipelineStep("C2", "two-time, per ROI", 1, 1),
    PipelineStep("crops", "256 × 256, [0, 1]", 2, 2),
    PipelineStep("encoder", "autoencoder", 3, 3),
    PipelineStep("latents", "64 numbers", 3, 4),
    PipelineStep("classes", "k-means, UMAP", 4, 5, "top"),
    PipelineStep("neighbours", "latent search", 6, 5, "bottom"),
    PipelineStep("rheology", "fractions vs stress", 5, 6),
)
"""The steps in the order the data flows; classes and neighbours both read the latents,
and the rheology reads the classes."""

_ARROWS = (("frames", "C2"), ("C2", "crops"), ("crops", "encoder"), ("encoder", "latents"),
           ("latents", "classes"), ("latents", "neighbours"), ("classes", "rheology"))

CHAPTER_STEPS = {
    1: ("frames", "C2"),
    2: ("C2", "crops"),
    3: ("encoder", "latents"),
    4: ("latents", "classes"),
    5: ("classes", "rheology"),
    6: ("latents", "neighbours"),
    7: tuple(step.name for step in PIPELINE_STEPS),
    8: ("frames", "C2"),
}
"""The steps each chapter works on; chapter 7 runs all of them on your own data, and
chapter 8 goes back to chapter 1's steps in depth."""

_LIT = "#3b6ea8"  # boxes of the current chapter
_DIM = "#d9dde3"  # the rest of the pipeline
_INK = "#59606b"  # arrows and chapter numbers


def chapter_steps(chapter: int) -> tuple[str, ...]:
    """Names of the steps chapter ``chapter`` (1-8) works on."""
    chapter = check_int(chapter, "chapter", minimum=1, maximum=max(CHAPTER_STEPS))
    return CHAPTER_STEPS[chapter]


def pipeline_strip(highlight: tuple[str, ...] | None = None, *, ax=None, width: float = PAGE_WIDTH):
    """Draw the pipeline as boxes joined by arrows, the ``highlight`` steps lit.

    Parameters
    ----------
    highlight : tuple of str, optional
        Names from :data:`PIPELINE_STEPS` to light; ``None`` lights every step.
    ax : matplotlib Axes, optional
        Drawn on a new figure ``width`` inches wide when omitted.
    width : float
        Figure width in inches, for a new figure.

    Returns
    -------
    matplotlib Axes
    """
    names = [step.name for step in PIPELINE_STEPS]
    lit = set(names if highlight is None else highlight)
    unknown = sorted(lit - set(names))
    if unknown:
        raise ValueError(f"highlight: expected step names from {names}, got unknown {unknown}")
    if ax is None:
        _, ax = plt.subplots(figsize=(width, 1.05), layout="constrained")
    boxes = {step.name: _box(step) for step in PIPELINE_STEPS}
    for step in PIPELINE_STEPS:
        _draw_box(ax, step, boxes[step.name], on=step.name in lit)
    for start, end in _ARROWS:
        (x0, y0, w0, h0), (x1, y1, _, h1) = boxes[start], boxes[end]  # from the right edge to the left edge
        ax.add_patch(FancyArrowPatch((x0 + w0, y0 + h0 / 2), (x1, y1 + h1 / 2), arrowstyle="-|>",
                                     mutation_scale=7, color=_INK, linewidth=0.7, shrinkA=1, shrinkB=1))
    ax.set_xlim(0, max(step.column for step in PIPELINE_STEPS) + 1)
    ax.set_ylim(-0.22, 1)
    ax.set_axis_off()
    return ax


def _box(step: PipelineStep) -> tuple[float, float, float, float]:
    """``(x, y, width, height)`` of a step's box in data units (one column is 1 wide)."""
    y, height = {"full": (0.1, 0.8), "top": (0.53, 0.37), "bottom": (0.1, 0.37)}[step.lane]
    return step.column + 0.11, y, 0.78, height


def _draw_box(ax, step: PipelineStep, box: tuple[float, float, float, float], *, on: bool) -> None:
    """One rounded box with the step's name, its detail and its chapter under it."""
    x, y, w, h = box
    ax.add_patch(FancyBboxPatch((x, y), w, h, boxstyle="round,pad=0.0,rounding_size=0.06",
                                facecolor=_LIT if on else _DIM, edgecolor="none"))
    colour = "white" if on else _INK
    full = step.lane == "full"
    centre = x + w / 2
    ax.text(centre, y + h * (0.62 if full else 0.68), step.name, ha="center", va="center",
            fontsize=8.5 if full else 7.5, weight="bold", color=colour)
    ax.text(centre, y + h * (0.36 if full else 0.27), step.detail, ha="center", va="center",
            fontsize=6, color=colour)
    if step.lane != "top":
        label = f"ch. {step.chapter}" if full else "ch. 4 / 6"
        ax.text(step.column + 0.5, -0.1, label, ha="center", va="center", fontsize=6.5, color=_INK)
