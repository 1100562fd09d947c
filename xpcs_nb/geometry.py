"""Detector geometry: which scattering vector q and azimuth each pixel sees.

Small-angle approximation is *not* used: q = 4 pi sin(theta) / lambda with
2 theta = arctan(r / distance), so the maps stay right for wide detectors.

Conventions (shared by the whole package):

* images are indexed ``[row, col]``; rows run down, columns to the right;
* the azimuth is measured in degrees in [0, 360), counter-clockwise from the
  +col direction as seen on the detector (so "up" on the image is 90 degrees);
* q is in inverse nanometres (nm^-1), the unit the AI-NERD paper uses.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from xpcs_nb.validation import ArgumentTypeError, check_int, check_real, describe

__all__ = ["Detector", "PAPER_DETECTOR", "stored_geometry"]


@dataclass(frozen=True)
class Detector:
    """A flat area detector perpendicular to the direct beam.

    Attributes
    ----------
    shape : (int, int)
        Pixels (rows, cols).
    pixel_size : float
        Pixel pitch in metres (55e-6 for a Lambda 750k or Eiger).
    distance : float
        Sample-to-detector distance in metres.
    wavelength : float
        X-ray wavelength in metres (1.127e-10 m is 11 keV).
    beam_center : (float, float) or None
        Direct-beam position in pixels (row, col); None puts it at the centre.

    Sizes are integers (numpy integers too, not bools or floats), lengths positive
    finite reals; both are stored as plain Python numbers.

    >>> Detector(shape=(np.int64(4), 6)).shape
    (4, 6)
    >>> Detector(shape=(4, 6.0))
    Traceback (most recent call last):
    ...
    xpcs_nb.validation.ArgumentTypeError: shape[1] must be an integer (int or numpy integer), got 6.0 (float)
    """

    shape: tuple[int, int] = (256, 256)
    pixel_size: float = 55e-6
    distance: float = 8.0
    wavelength: float = 1.127e-10
    beam_center: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        # a frozen dataclass: the checked values replace the given ones this way
        set_field = object.__setattr__
        set_field(self, "shape", tuple(check_int(n, f"shape[{i}]", minimum=1)
                                       for i, n in enumerate(_pair(self.shape, "shape"))))
        for name in ("pixel_size", "distance", "wavelength"):
            set_field(self, name, check_real(getattr(self, name), name, minimum=0.0, include_min=False,
                                             context=" (metres)"))
        if self.beam_center is not None:
            set_field(self, "beam_center", tuple(check_real(x, f"beam_center[{i}]")
                                                 for i, x in enumerate(_pair(self.beam_center, "beam_center"))))

    @property
    def center(self) -> tuple[float, float]:
        """Beam centre (row, col) in pixels."""
        if self.beam_center is None:
            return ((self.shape[0] - 1) / 2.0, (self.shape[1] - 1) / 2.0)
        return (float(self.beam_center[0]), float(self.beam_center[1]))

    def _offsets(self) -> tuple[np.ndarray, np.ndarray]:
        """Pixel offsets from the beam centre in metres: (dy up, dx right), each (H, W)."""
        rows, cols = np.indices(self.shape, dtype=np.float64)
        r0, c0 = self.center
        return (r0 - rows) * self.pixel_size, (cols - c0) * self.pixel_size

    def q_map(self) -> np.ndarray:
        """Momentum transfer per pixel, q (H, W) in nm^-1."""
        dy, dx = self._offsets()
        two_theta = np.arctan2(np.hypot(dx, dy), self.distance)
        q_per_m = 4.0 * np.pi * np.sin(two_theta / 2.0) / self.wavelength
        return q_per_m * 1e-9

    def azimuth_map(self) -> np.ndarray:
        """Azimuthal angle per pixel (H, W) in degrees, in [0, 360)."""
        dy, dx = self._offsets()
        return np.mod(np.degrees(np.arctan2(dy, dx)), 360.0)

    def q_vectors(self) -> tuple[np.ndarray, np.ndarray]:
        """In-plane components of q per pixel, (q_x, q_y) each (H, W) in nm^-1.

        q_x points along +col, q_y up the image; used for flow (heterodyne) phases.
        """
        q = self.q_map()
        phi = np.radians(self.azimuth_map())
        return q * np.cos(phi), q * np.sin(phi)


def _pair(value, name: str) -> tuple:
    """``value`` as a 2-tuple (rows, cols); ArgumentTypeError otherwise."""
    try:
        pair = tuple(value)
    except TypeError:
        pair = ()
    if len(pair) != 2:
        raise ArgumentTypeError(f"{name} must be two numbers (rows, cols), got {describe(value)}")
    return pair


# The AI-NERD experiment: Lambda 750k (55 um pixels) at 8 m; the paper's ROI is
# 0.019 < q < 0.029 nm^-1.  11 keV is a typical 8-ID-I energy (not stated in the paper).
PAPER_DETECTOR = Detector(shape=(512, 1536), pixel_size=55e-6, distance=8.0, wavelength=1.127e-10)


# ------------------------------------------------------------ geometry in a file

# Where a frame file keeps its geometry (NeXus-style, as chapter 7's frame files and
# this package's result files do), each field's unit when the file gives none, and
# the other places a NeXus file may keep the wavelength.
DETECTOR_GROUP = "entry/instrument/detector"
STORED_FIELDS = {"distance": "m", "x_pixel_size": "m", "y_pixel_size": "m", "wavelength": "m",
                 "beam_center": "pixel", "frame_time": "s"}
WAVELENGTH_ELSEWHERE = ("entry/instrument/monochromator/wavelength", "entry/instrument/beam/incident_wavelength")
_UNITS = {"m": 1.0, "metre": 1.0, "meter": 1.0, "mm": 1e-3, "um": 1e-6, "µm": 1e-6, "μm": 1e-6, "micron": 1e-6,
          "nm": 1e-9, "a": 1e-10, "å": 1e-10, "angstrom": 1e-10, "s": 1.0, "second": 1.0, "ms": 1e-3,
          "us": 1e-6, "µs": 1e-6, "pixel": 1.0, "pixels": 1.0}


def stored_geometry(path) -> dict:
    """The geometry and frame time an HDF5 file stores, in metres and seconds.

    Reads ``/entry/instrument/detector/{distance, x_pixel_size, y_pixel_size,
    wavelength, beam_center, frame_time}`` (and the wavelength from
    ``/entry/instrument/monochromator/wavelength`` or
    ``/entry/instrument/beam/incident_wavelength`` when the detector has none). A
    ``units`` attribute is honoured (``mm``, ``um``, ``nm``, ``angstrom``, ``ms``, ...);
    without one, metres, seconds and pixels are assumed, as chapter 7 writes them.

    Returns
    -------
    dict
        Only the fields found: ``distance``, ``pixel_size`` (m), ``wavelength`` (m),
        ``beam_center`` ((row, col) pixels), ``frame_time`` (s). Empty for a file
        without them (a ``.npy`` file included).

    Raises
    ------
    ValueError
        A unit it does not know, a value that is not a positive number, or
        ``x_pixel_size`` and ``y_pixel_size`` that differ (square pixels only).
    """
    import h5py  # here: the command line's --help must not wait for it

    if str(path).lower().endswith(".npy"):
        return {}
    found = {}
    with h5py.File(path, "r") as f:
        for name in STORED_FIELDS:
            key = f"{DETECTOR_GROUP}/{name}"
            if name == "wavelength" and key not in f:
                key = next((other for other in WAVELENGTH_ELSEWHERE if other in f), key)
            if key in f and isinstance(f[key], h5py.Dataset):
                found[name] = _in_base_units(f[key], name, STORED_FIELDS[name], path)
    x, y = found.pop("x_pixel_size", None), found.pop("y_pixel_size", None)
    if x is not None and y is not None and not np.isclose(x, y, rtol=1e-6):
        raise ValueError(f"{path}: x_pixel_size {x} m and y_pixel_size {y} m differ; only square pixels are "
                         "handled (give --pixel-size to override)")
    if x is not None or y is not None:
        found["pixel_size"] = x if x is not None else y
    return found


def _in_base_units(dataset, name: str, default_unit: str, path):
    unit = dataset.attrs.get("units", default_unit)
    unit = (unit.decode() if isinstance(unit, bytes) else str(unit)).strip()
    factor = _UNITS.get(unit.lower().replace("angstroms", "angstrom"))
    if factor is None:
        raise ValueError(f"{path}: /{dataset.name.lstrip('/')} has units {unit!r}; expected one of "
                         f"{', '.join(sorted(_UNITS))}")
    value = np.asarray(dataset[()], dtype=np.float64) * factor
    if name == "beam_center":
        if value.shape != (2,) or not np.all(np.isfinite(value)):
            raise ValueError(f"{path}: /{dataset.name.lstrip('/')} must be two numbers (row, col), got {value!r}")
        return (float(value[0]), float(value[1]))
    if value.size != 1 or not (np.isfinite(value.item()) and value.item() > 0):
        raise ValueError(f"{path}: /{dataset.name.lstrip('/')} must be one positive number, got {value!r}")
    return float(value.item())
