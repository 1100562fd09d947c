"""Where the pixels of one sector are: :class:`SectorROI`, one q-ring x azimuthal sector.

>>> roi = SectorROI(sector=3)
>>> roi.n_pixels > 0, bool(PAPER_Q_EDGES[0] <= roi.q_mean <= PAPER_Q_EDGES[1]), roi.azimuth_center
(True, True, 70.0)
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from .. import correlation
from ..geometry import Detector
from ..validation import ArgumentTypeError, check_array, check_int, describe

__all__ = ["PAPER_Q_EDGES", "DEFAULT_DETECTOR", "SectorROI"]

PAPER_Q_EDGES = (0.019, 0.029)
"""The AI-NERD ROI ring, nm^-1 (the first structure-factor peak)."""

DEFAULT_DETECTOR = Detector(shape=(160, 160))
"""The ``fast`` preset's detector: paper geometry (55 um pixels, 8 m, 11 keV), 160 x 160."""


@dataclass(frozen=True)
class SectorROI:
    """One azimuthal sector of a q-ring on a detector: the pixels one C2 averages.

    Attributes
    ----------
    detector : Detector
        The full detector.
    sector : int
        Sector index 0 .. n_sectors-1, as :func:`xpcs_nb.correlation.roi_partition`
        numbers them (sector 0 starts at azimuth 0, counter-clockwise).
    q_edges : (float, float)
        Ring bounds in nm^-1, increasing.
    n_sectors : int
        Sectors in the ring (the paper: 18 of 20 degrees).
    """

    detector: Detector = DEFAULT_DETECTOR
    sector: int = 0
    q_edges: tuple[float, float] = PAPER_Q_EDGES
    n_sectors: int = 18

    def __post_init__(self) -> None:
        if not isinstance(self.detector, Detector):
            raise ArgumentTypeError(f"detector must be a Detector, got {describe(self.detector)}")
        n_sectors = check_int(self.n_sectors, "n_sectors", minimum=1)
        sector = check_int(self.sector, "sector", minimum=0, maximum=n_sectors - 1,
                           context=f" for {n_sectors} sectors")
        edges = check_array(self.q_edges, "q_edges", shape=(2,), minimum=0.0, dtype=float)
        if not edges[0] < edges[1]:
            raise ValueError(f"q_edges must be increasing (q_min, q_max) in nm^-1, got {self.q_edges!r}")
        # hashable, plain values: the pixel lookup below is cached on them
        object.__setattr__(self, "n_sectors", n_sectors)
        object.__setattr__(self, "sector", sector)
        object.__setattr__(self, "q_edges", (float(edges[0]), float(edges[1])))
        if self.n_pixels == 0:
            raise ValueError(f"sector {self.sector} of the ring {self.q_edges} has no pixels on this detector")

    @property
    def mask(self) -> np.ndarray:
        """Pixels of the sector on the full detector, bool (H, W), read-only."""
        return _sector_pixels(self.detector, self.q_edges, self.n_sectors, self.sector)[0]

    @property
    def q(self) -> np.ndarray:
        """q of each pixel, (N,) in nm^-1, read-only."""
        return _sector_pixels(self.detector, self.q_edges, self.n_sectors, self.sector)[1]

    @property
    def azimuth(self) -> np.ndarray:
        """Azimuth of each pixel, (N,) in degrees, read-only."""
        return _sector_pixels(self.detector, self.q_edges, self.n_sectors, self.sector)[2]

    @property
    def n_pixels(self) -> int:
        """Pixels N in the sector."""
        return int(self.q.size)

    @property
    def q_mean(self) -> float:
        """Mean q of the sector's pixels, nm^-1."""
        return float(self.q.mean())

    @property
    def azimuth_center(self) -> float:
        """Nominal centre of the sector in degrees."""
        return (self.sector + 0.5) * 360.0 / self.n_sectors

    def crop(self) -> tuple[Detector, np.ndarray]:
        """The smallest detector holding the sector, and the sector's mask on it (h, w).

        The crop keeps every pixel's q and azimuth (the beam centre moves with it), so
        simulating it costs only the sector's bounding box.
        """
        rows, cols = np.nonzero(self.mask)
        top, left = rows.min(), cols.min()
        bottom, right = rows.max() + 1, cols.max() + 1
        row0, col0 = self.detector.center
        cropped = Detector(shape=(int(bottom - top), int(right - left)),
                           pixel_size=self.detector.pixel_size, distance=self.detector.distance,
                           wavelength=self.detector.wavelength, beam_center=(row0 - top, col0 - left))
        return cropped, self.mask[top:bottom, left:right]


@functools.lru_cache(maxsize=8)
def _ring_labels(detector: Detector, q_edges: tuple[float, float], n_sectors: int) -> np.ndarray:
    return correlation.roi_partition(detector.q_map(), detector.azimuth_map(), list(q_edges), n_sectors=n_sectors)


@functools.lru_cache(maxsize=256)
def _sector_pixels(detector: Detector, q_edges: tuple[float, float], n_sectors: int,
                   sector: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(mask (H, W), q (N,), azimuth (N,)) of one sector; cached, so made read-only."""
    mask = _ring_labels(detector, q_edges, n_sectors) == sector + 1
    arrays = (mask, detector.q_map()[mask], detector.azimuth_map()[mask])
    for array in arrays:
        array.flags.writeable = False
    return arrays
