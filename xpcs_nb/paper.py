"""The published files of the AI-NERD paper: trained weights, latents, rheometer table.

The authors (Horwath et al.) published their trained autoencoder and the data behind
their figures in the GitHub repository ``jhorwath/XPCS_Clustering`` (BSD-3-style
licence). This module fetches those files from the repository at one pinned commit,
checks each against the sha256 in :data:`REGISTRY`, and loads it.

Where the files come from:

* ``$XPCS_PAPER_DATA`` set: read from that folder (no network), still hash-checked.
* otherwise: downloaded once with pooch into :func:`cache_dir`
  (``~/.cache/xpcs_nb/paper`` on Linux; outside the repository, so they cannot be
  committed by accident), then read from there.

Example
-------
>>> from xpcs_nb import paper
>>> latents = paper.load_latents()  # doctest: +SKIP
>>> latents.shape  # doctest: +SKIP
(900, 64)
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pooch
import torch

from xpcs_nb.atomic import atomic_path
from xpcs_nb.model import Autoencoder, published_autoencoder
from xpcs_nb.validation import check_choice

__all__ = [
    "ENV_VAR",
    "REGISTRY",
    "WEIGHTS",
    "TARGET_IMAGE",
    "LATENTS",
    "SECTORS",
    "START_TIMES",
    "RHEOLOGY_PICKLE",
    "RHEOLOGY_CSV",
    "cache_dir",
    "fetch",
    "load_weights",
    "load_model",
    "load_latents",
    "load_sectors",
    "load_start_times",
    "load_rheology",
    "load_target_image",
]

ENV_VAR = "XPCS_PAPER_DATA"
UPSTREAM_REPOSITORY = "jhorwath/XPCS_Clustering"
UPSTREAM_COMMIT = "db80266ba0cc9a18969a76548ad9d38476e8c754"
BASE_URL = f"https://raw.githubusercontent.com/{UPSTREAM_REPOSITORY}/{UPSTREAM_COMMIT}/"

WEIGHTS = "full_dataset_augmented_training_normbest_model_0051.pth"
TARGET_IMAGE = "AccuracyEvaluation_TargetImage.npy"
LATENTS = "full_dataset_AugmentedTraining_rheo64.npy"
SECTORS = "E031_256_sectors.npy"
START_TIMES = "E031_256_start.npy"
RHEOLOGY_PICKLE = "RheoData.pkl"
RHEOLOGY_CSV = "RheoData.csv"


@dataclass(frozen=True)
class PaperFile:
    """One published file.

    Attributes
    ----------
    upstream_path : str or None
        Path inside the upstream repository; None for a file derived here.
    sha256 : str
        Hex digest of the file's bytes.
    other_paths : tuple of str
        Further upstream paths tried, in order, when the first download fails.
    """

    upstream_path: str | None
    sha256: str
    other_paths: tuple[str, ...] = ()

    @property
    def url(self) -> str | None:
        """Raw download address at the pinned commit (None for a derived file)."""
        return None if self.upstream_path is None else BASE_URL + self.upstream_path

    @property
    def urls(self) -> list[str]:
        """Every address to try, the main one first (empty for a derived file)."""
        if self.upstream_path is None:
            return []
        return [BASE_URL + path for path in (self.upstream_path, *self.other_paths)]


REGISTRY: dict[str, PaperFile] = {
    WEIGHTS: PaperFile(
        f"AutoEncoder/weights/{WEIGHTS}",
        "136278c5cfc3121e08a254e25a8d760d4f04aac2a2697b2907f5eafd64a61140",
    ),
    TARGET_IMAGE: PaperFile(
        f"XPCSData/{TARGET_IMAGE}",
        "87c221752efddbef5d179b2cc44fbae451187c300ade89e07357e676bf5556a8",
    ),
    LATENTS: PaperFile(
        f"analysis_data/{LATENTS}",
        "eb4a118b836fb40499d0069db3cc47b9b85a121625c57a4431a3b5c23002424f",
    ),
    SECTORS: PaperFile(
        f"analysis_data/{SECTORS}",
        "3872c897dc60655f15a79ff53b08848819e131e96c9ecd890d375778a61e3de8",
    ),
    START_TIMES: PaperFile(
        f"analysis_data/{START_TIMES}",
        "50869bee8b609f59a044f78ba6a4e0530485059eb0c53ea9245543fdd179221a",
    ),
    RHEOLOGY_PICKLE: PaperFile(
        f"analysis_data/{RHEOLOGY_PICKLE}",
        "030ef31351f309fd688211a1c9d6db626e0b6c7448b0a56ae4811d33c6608159",
        # The authors' analysis notebook reads analysis_data/, but the file was first
        # committed under XPCSData/; the sha256 decides which copy is accepted.
        other_paths=(f"XPCSData/{RHEOLOGY_PICKLE}",),
    ),
    # Not upstream: RheoData.pkl written with DataFrame.to_csv(index=False).
    RHEOLOGY_CSV: PaperFile(
        None,
        "4a3aac87919b919aac68dc9cf010ee5d5e016e153ee86312c7e930aaed1713bd",
    ),
}


def cache_dir() -> Path:
    """Folder that downloads go to: ``pooch.os_cache("xpcs_nb") / "paper"``.

    On Linux ``$XDG_CACHE_HOME/xpcs_nb/paper``, by default ``~/.cache/xpcs_nb/paper``.
    """
    return Path(pooch.os_cache("xpcs_nb")) / "paper"


def fetch(name: str) -> Path:
    """Path of the published file ``name``, its sha256 checked.

    Parameters
    ----------
    name : str
        A key of :data:`REGISTRY`, e.g. ``paper.WEIGHTS``.

    Returns
    -------
    Path
        In ``$XPCS_PAPER_DATA`` when that variable is set, else in :func:`cache_dir`
        (downloaded on first use).

    Raises
    ------
    ValueError
        Unknown ``name``, or a file whose sha256 does not match the registry.
    FileNotFoundError
        ``$XPCS_PAPER_DATA`` is set but holds no file ``name``.
    ConnectionError
        The download failed; the message names the variable to set instead.
    """
    name = check_choice(name, "name", sorted(REGISTRY))
    local_folder = os.environ.get(ENV_VAR)
    if local_folder:
        return _checked_local_copy(Path(local_folder).expanduser(), name)
    if REGISTRY[name].upstream_path is None:
        return _derived_csv(name)
    return _download(name)


def _checked_local_copy(folder: Path, name: str) -> Path:
    path = folder / name
    if not path.is_file():
        raise FileNotFoundError(
            f"{ENV_VAR}={str(folder)!r} has no file {name!r}; point {ENV_VAR} at a folder "
            "holding the published files, or unset it to download them"
        )
    _check_sha256(path, REGISTRY[name].sha256)
    return path


def _check_sha256(path: Path, expected: str) -> None:
    actual = pooch.file_hash(str(path), alg="sha256")
    if actual != expected:
        raise ValueError(
            f"sha256 of {path} is {actual}, expected {expected}: the file is corrupt or "
            "not the published version; replace it with a fresh copy"
        )


def _download(name: str) -> Path:
    """Download ``name`` into :func:`cache_dir` unless a good copy is already there.

    The registry's addresses are tried in order; the first that gives the file with
    the right sha256 wins. Each download goes to a temporary file that replaces the
    cached copy only once its sha256 matched.
    """
    entry = REGISTRY[name]
    path = cache_dir() / name
    if path.is_file() and pooch.file_hash(str(path), alg="sha256") == entry.sha256:
        return path
    failures = []
    for url in entry.urls:
        try:
            with atomic_path(path) as temporary:
                pooch.HTTPDownloader(progressbar=False)(url, str(temporary), None)
                _check_sha256(temporary, entry.sha256)
            return path
        # requests' ConnectionError, Timeout, HTTPError are OSErrors; a wrong sha256 is
        # a ValueError: another address may still hold the right file.
        except (OSError, ValueError) as error:
            failures.append(f"{url}: {error}")
    raise ConnectionError(
        f"could not download {name}; to work offline, set the environment variable "
        f"{ENV_VAR} to a folder holding the published files (tried: {'; '.join(failures)})"
    )


def _derived_csv(name: str) -> Path:
    """Write the rheometer CSV from the hash-checked pickle (once), then check it too."""
    path = cache_dir() / name
    if not path.is_file():
        table = pd.read_pickle(fetch(RHEOLOGY_PICKLE))
        _write_text_atomically(path, table.to_csv(index=False))
    _check_sha256(path, REGISTRY[name].sha256)
    return path


def _write_text_atomically(path: Path, text: str) -> None:
    with atomic_path(path) as temporary:
        with open(temporary, "w", newline="") as stream:
            stream.write(text)


def load_weights() -> dict[str, torch.Tensor]:
    """The published ``state_dict`` (30 tensors, float32, on the CPU).

    Loaded with ``weights_only=True`` (no arbitrary code runs) and
    ``map_location="cpu"`` (the authors saved it from a GPU).
    """
    return torch.load(fetch(WEIGHTS), map_location="cpu", weights_only=True)


def load_model(device: str | torch.device = "cpu") -> Autoencoder:
    """The published autoencoder with its weights, in eval mode (dropout off)."""
    model = published_autoencoder(latent_size=64).load_weights(load_weights())
    return model.to(device).eval()


def load_target_image() -> np.ndarray:
    """One real C2 crop from the authors' accuracy check.

    Returns
    -------
    ndarray (256, 256), float64
        Min-max scaled to [0, 1].
    """
    return np.load(fetch(TARGET_IMAGE), allow_pickle=False)


def load_latents() -> np.ndarray:
    """The published latent vectors of experiment E031.

    Returns
    -------
    ndarray (900, 64), float64
        18 azimuthal sectors x 50 time windows, as encoded by the published model;
        all >= 0 (taken after a ReLU), and 20 of the 64 dimensions are zero for every
        row.
    """
    return np.load(fetch(LATENTS), allow_pickle=False)


def load_sectors() -> np.ndarray:
    """Azimuthal sector of each latent: ndarray (900,), int64, 1 .. 18 (20 degrees each)."""
    return np.load(fetch(SECTORS), allow_pickle=False)


def load_start_times() -> np.ndarray:
    """Start time of each latent's C2 window: ndarray (900,), float64, seconds.

    About -5 .. 2802 s, about 57 s apart, relative to the end of shear.
    """
    return np.load(fetch(START_TIMES), allow_pickle=False)


def load_rheology(source: str = "pickle") -> pd.DataFrame:
    """The rheometer table of the experiment: 560 rows.

    Parameters
    ----------
    source : {"pickle", "csv"}
        ``"pickle"``: the upstream ``RheoData.pkl``, unpickled only after its sha256
        matched (unpickling runs code, so never unpickle an unchecked file).
        ``"csv"``: the same table as CSV, for a pandas that cannot read the pickle;
        without ``$XPCS_PAPER_DATA`` it is written from the pickle.

    Returns
    -------
    DataFrame
        Columns shear_rate (1/s), shear_stress (Pa), viscosity, torque, time_hr,
        time_min, time_sec, time (s), point_num.
    """
    source = check_choice(source, "source", ("pickle", "csv"))
    if source == "pickle":
        return pd.read_pickle(fetch(RHEOLOGY_PICKLE))
    return pd.read_csv(fetch(RHEOLOGY_CSV))
