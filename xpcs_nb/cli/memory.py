"""How much memory ``c2`` needs for a stack, and how much there is, before any work.

A two-time map grows as the square of the frames: a (40000, 4, 4) stack of 1.3 MB
gives a 6.4 GB map. ``c2`` therefore compares its estimate of the peak with the
memory available and refuses, in one line, a stack whose maps will not fit, rather
than being killed by the kernel minutes later with no message.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["available_bytes", "c2_peak_bytes", "check_fits", "format_bytes"]

CONSTANT_BYTES = 128 << 20  # the writer's row blocks, h5py's buffers, a labels array: a generous constant
CHUNK_BYTES = 1 << 26  # one pixel chunk of the correlator (xpcs_nb.correlation.pixels._CHUNK_BYTES)
GATHER_BYTES = 1 << 29  # at most one gather pass of labelled pixels (pixels._GATHER_BYTES)
USABLE = 0.9  # share of the available memory a run may plan to use


def format_bytes(n: float) -> str:
    """``n`` bytes in binary units, three significant digits.

    >>> format_bytes(6.4e9), format_bytes(256 << 20), format_bytes(900)
    ('5.96 GiB', '256 MiB', '900 B')
    """
    for unit, size in (("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size:
            return f"{n / size:.3g} {unit}"
    return f"{int(n)} B"


def c2_peak_bytes(n_frames: int, roi_pixels: list[int], *, bin_frames: int = 1, frame_itemsize: int = 2,
                  frames_in_memory_bytes: int = 0, map_itemsize: int = 4) -> tuple[int, int]:
    """(the maps' bytes, the estimated peak beyond what was in use before) for one stack.

    Parameters
    ----------
    n_frames : int
        T, frames in the stack.
    roi_pixels : list of int
        Pixels in each ROI.
    bin_frames : int
        Frames summed into one; the maps are (T // bin_frames)^2.
    frame_itemsize : int
        Bytes per count in the stack (2 for uint16).
    frames_in_memory_bytes : int
        The stack itself when it is read whole (HDF5); 0 for a memory-mapped ``.npy``.
    map_itemsize : int
        4 (float32 maps).

    The peak is the maps, one gather pass of the labelled pixels (at most 512 MiB),
    one pixel chunk (at most 64 MiB), the stack when read whole, and a constant.

    >>> maps, peak = c2_peak_bytes(12000, [16])
    >>> format_bytes(maps), format_bytes(peak)
    ('549 MiB', '678 MiB')
    """
    n_out = n_frames // bin_frames
    maps = len(roi_pixels) * n_out * n_out * map_itemsize
    labelled = sum(roi_pixels)
    gather = min(GATHER_BYTES, n_frames * labelled * frame_itemsize)
    chunk = min(CHUNK_BYTES, n_out * max(roi_pixels, default=0) * map_itemsize)
    return maps, maps + gather + chunk + frames_in_memory_bytes + CONSTANT_BYTES


def available_bytes() -> int:
    """Memory this process can still use: the system's available memory, or less under a cgroup limit."""
    import psutil

    available = psutil.virtual_memory().available
    limit = _cgroup_room()
    return int(min(available, limit)) if limit is not None else int(available)


def _cgroup_room() -> int | None:
    """Bytes left under this process's cgroup memory limit (v2 or v1); None without a limit."""
    for limit_file, usage_file, stat_file, cache_key in (
            (Path("/sys/fs/cgroup/memory.max"), Path("/sys/fs/cgroup/memory.current"),
             Path("/sys/fs/cgroup/memory.stat"), "inactive_file"),
            (Path("/sys/fs/cgroup/memory/memory.limit_in_bytes"), Path("/sys/fs/cgroup/memory/memory.usage_in_bytes"),
             Path("/sys/fs/cgroup/memory/memory.stat"), "total_inactive_file")):
        try:
            limit_text = limit_file.read_text().strip()
            usage = int(usage_file.read_text().strip())
        except (OSError, ValueError):
            continue
        if limit_text == "max" or int(limit_text) >= 1 << 60:  # no limit (v1 writes a huge number)
            return None
        reclaimable = _stat_value(stat_file, cache_key)  # page cache the kernel gives back first
        return max(0, int(limit_text) - usage + reclaimable)
    return None


def _stat_value(path: Path, key: str) -> int:
    try:
        for line in path.read_text().splitlines():
            name, _, value = line.partition(" ")
            if name == key:
                return int(value)
    except (OSError, ValueError):
        pass
    return 0


def check_fits(n_frames: int, roi_pixels: list[int], *, bin_frames: int, available: int | None = None,
               **sizes) -> None:
    """MemoryError, in one line with the size and the way out, when the maps will not fit.

    ``available`` defaults to :func:`available_bytes`; ``sizes`` go to :func:`c2_peak_bytes`.

    >>> check_fits(40000, [16], bin_frames=1, available=2 << 30)
    Traceback (most recent call last):
    ...
    MemoryError: the maps need 5.96 GiB (1 ROI x 40000^2 frames x 4 bytes), about 6.09 GiB with working space, more than the 1.8 GiB that may be used of the 2 GiB available; use --bin-frames 2 (maps of 20000^2 frames, 4x smaller) or fewer ROIs
    """
    available = available_bytes() if available is None else available
    maps, peak = c2_peak_bytes(n_frames, roi_pixels, bin_frames=bin_frames, **sizes)
    usable = USABLE * available
    if peak <= usable:
        return
    factor = bin_frames + 1
    while factor < n_frames // 2 and c2_peak_bytes(n_frames, roi_pixels, bin_frames=factor, **sizes)[1] > usable:
        factor += 1
    n_out, n_roi = n_frames // bin_frames, len(roi_pixels)
    fits = c2_peak_bytes(n_frames, roi_pixels, bin_frames=factor, **sizes)[1] <= usable
    way_out = (f"use --bin-frames {factor} (maps of {n_frames // factor}^2 frames, "
               f"{(n_out / (n_frames // factor)) ** 2:.3g}x smaller) or fewer ROIs" if fits else
               "no --bin-frames fits: use fewer ROIs or a machine with more memory")
    raise MemoryError(
        f"the maps need {format_bytes(maps)} ({n_roi} ROI{'s' if n_roi != 1 else ''} x {n_out}^2 frames x "
        f"{sizes.get('map_itemsize', 4)} bytes), about {format_bytes(peak)} with working space, more than the "
        f"{format_bytes(usable)} that may be used of the {format_bytes(available)} available; {way_out}")
