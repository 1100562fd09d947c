"""The frame around every chapter: which preset built the page, on what, and where it sits.

A chapter's first code cell after its imports calls :func:`start_chapter`, which shows

* a banner: the preset the page was executed at, what that preset means, the hardware
  and the date, and a link to the results page that lists the numbers at the other
  presets;
* the pipeline strip (:func:`xpcs_nb.plotting.pipeline_strip`) with the chapter's steps lit.

Its last cell calls :meth:`ChapterFrame.finish`, which rewrites the banner in place with
the time the chapter took, so the executed page (and the published site) says how long
it ran on that hardware.

>>> describe_preset("fast").startswith("fast:")
True
"""

from __future__ import annotations

import datetime as _dt
import os
import platform
import time
from dataclasses import dataclass, field

import matplotlib.pyplot as plt

from xpcs_nb.plotting.pipeline_strip import CHAPTER_STEPS, chapter_steps, pipeline_strip
from xpcs_nb.presets import PRESETS, why_this_preset
from xpcs_nb.validation import check_choice, check_int

__all__ = ["ChapterFrame", "start_chapter", "describe_preset", "describe_hardware", "site_sentence", "RESULTS_PAGE",
           "SITE_PRESET"]

RESULTS_PAGE = "../book/performance.md"
"""The results page, relative to a chapter in ``notebooks/``."""

SITE_PRESET = "class_cpu"
"""The preset the published site is built at (``.github/workflows/book.yml``; a test keeps the two equal)."""

_PRESET_MEANING = {
    "fast": "the smallest size, what the tests and Binder run on a CPU in minutes; small libraries "
            "and a short training, so its numbers show the method's behaviour, not its best",
    "class": "the size for one GPU on a JupyterHub: larger libraries, longer training, three training seeds",
    "class_cpu": "class's libraries, evaluation sets and three training seeds, with a training sized for a "
                 "CPU without a GPU: class-sized statistics of a short training",
    "paper": "the AI-NERD paper's scale: 5000-frame C2, 400,000 augmented crops, 50 epochs; a GPU",
}


def describe_preset(preset: str) -> str:
    """One sentence on what ``preset`` (``fast``, ``class``, ``class_cpu`` or ``paper``) runs."""
    preset = check_choice(preset, "preset", tuple(PRESETS))
    return f"{preset}: {_PRESET_MEANING[preset]}"


def site_sentence(preset: str) -> str:
    """Whether a page executed at ``preset`` is what the published site shows, in one sentence.

    >>> site_sentence("class_cpu")
    'The published site is built at this preset.'
    >>> site_sentence("fast")
    'The published site shows this chapter at the `class_cpu` preset.'
    """
    preset = check_choice(preset, "preset", tuple(PRESETS))
    if preset == SITE_PRESET:
        return "The published site is built at this preset."
    return f"The published site shows this chapter at the `{SITE_PRESET}` preset."


def describe_hardware() -> str:
    """The device the chapter runs on: the GPU's name, or the CPU's model and its cores."""
    import torch

    if torch.cuda.is_available():
        return f"GPU {torch.cuda.get_device_name(0)}"
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return f"{cores} CPU cores ({_cpu_model()}), no GPU"


def _cpu_model() -> str:
    """The CPU's marketing name from ``/proc/cpuinfo`` where Linux has one, else platform's guess."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return " ".join(line.split(":", 1)[1].split())
    except OSError:
        pass
    return platform.processor() or platform.machine()


@dataclass
class ChapterFrame:
    """The banner of one executed chapter; :meth:`finish` adds the time it took."""

    chapter: int
    preset: str
    hardware: str = field(default_factory=describe_hardware)
    started: float = field(default_factory=time.perf_counter)
    date: str = field(default_factory=lambda: _dt.date.today().isoformat())
    elapsed_s: float | None = None
    _handle: object = field(default=None, repr=False)

    def banner(self, elapsed_s: float | None = None) -> str:
        """The banner's Markdown; ``elapsed_s`` (seconds) once the chapter has run."""
        took = "" if elapsed_s is None else f" It took {_duration(elapsed_s)}."
        return (
            f"**This page was executed at the `{self.preset}` preset** ({why_this_preset(self.preset)}) "
            f"on {self.hardware}, "
            f"on {self.date}.{took}\n\n"
            f"*{describe_preset(self.preset)}.* {site_sentence(self.preset)} Numbers in the text come from this run; "
            f"the [results page]({RESULTS_PAGE}) lists them at the other presets, and "
            f"`XPCS_PRESET=class` (or `PRESET = \"class\"` in the first cell) runs this chapter at another."
        )

    def show(self) -> None:
        """Display the banner (updatable) and the pipeline strip with this chapter's steps lit."""
        from IPython.display import Markdown, display

        self._handle = display(Markdown(self.banner()), display_id=True)
        ax = pipeline_strip(chapter_steps(self.chapter))
        ax.set_title(f"Chapter {self.chapter} in the pipeline", fontsize=8, loc="left")
        plt.show()

    def finish(self) -> None:
        """Rewrite the banner with the time since :func:`start_chapter` (kept in ``elapsed_s``)."""
        from IPython.display import Markdown

        self.elapsed_s = time.perf_counter() - self.started
        if self._handle is not None:
            self._handle.update(Markdown(self.banner(self.elapsed_s)))
        print(f"chapter {self.chapter} ran in {_duration(self.elapsed_s)} at the {self.preset} preset")


def start_chapter(chapter: int, preset: str) -> ChapterFrame:
    """Show chapter ``chapter``'s banner and pipeline strip; keep the frame to :meth:`~ChapterFrame.finish` it."""
    chapter = check_int(chapter, "chapter", minimum=1, maximum=max(CHAPTER_STEPS))
    preset = check_choice(preset, "preset", tuple(PRESETS))
    frame = ChapterFrame(chapter, preset)
    show_strings_as_text()
    frame.show()
    return frame


def show_strings_as_text(shell=None) -> None:
    """Let this kernel (or ``shell``, an IPython shell) display a ``str`` as its text, not its repr.

    The ``{eval}`` roles in a chapter's prose show what the kernel displays for each
    value; for a sentence that holds both ``'`` and ``"``, the repr escapes one of them
    (``chapter 2\\'s``), and JupyterLab would show the backslash. Outside IPython this
    does nothing.
    """
    if shell is None:
        try:
            from IPython import get_ipython
        except ImportError:
            return
        shell = get_ipython()
        if shell is None:
            return
    shell.display_formatter.formatters["text/plain"].for_type(str, lambda text, printer, cycle: printer.text(text))


def _duration(seconds: float) -> str:
    """``'45 s'``, ``'3 min 05 s'`` or ``'1 h 02 min'``."""
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"
