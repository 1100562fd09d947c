"""Draw the intro's pipeline figure, ``book/images/pipeline.png``, from the package.

    python tools/pipeline_figure.py

The intro is a Markdown page and executes nothing, so its figure is a file; the
chapters draw the same strip live (:func:`xpcs_nb.chapter.start_chapter`).
``tests/test_chapter_frame.py`` fails when the file and a fresh drawing differ.
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from xpcs_nb.atomic import atomic_path  # noqa: E402
from xpcs_nb.plotting.pipeline_strip import pipeline_strip  # noqa: E402

FIGURE = ROOT / "book" / "images" / "pipeline.png"
DPI = 150


def draw(path: Path = FIGURE) -> Path:
    """Write the whole pipeline, every step lit, to ``path`` (PNG); return the path."""
    ax = pipeline_strip()
    with atomic_path(path) as tmp:
        ax.figure.savefig(tmp, dpi=DPI, format="png", metadata={"Software": None})
    plt.close(ax.figure)
    return path


if __name__ == "__main__":
    print(draw())
