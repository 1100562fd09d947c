"""A latent space to bring new data to: model, reference latents, classes, saved whole.

:class:`LatentSpace` keeps together what classifying a new C2 needs, so that a
reader does not have to: the autoencoder, the latent vectors of a reference set (with
a table saying what each one is), the k-means centres, and the class numbers ordered
as the paper orders them (class 0 the slowest). Then

- :meth:`LatentSpace.fit` encodes reference crops, picks k at the knee of the k-means
  inertia over k = 2 .. 12 (or takes the k given) and orders the classes by the band
  width of their crops (:func:`~xpcs_nb.latent.order_by_relaxation`);
  :meth:`LatentSpace.fit_latents` does the same from latent vectors alone (e.g. the
  paper's published ones), ordering by decoded centres;
- :meth:`LatentSpace.classify` takes a map, a stack of maps, a ``.npy`` file or an APS
  result file, prepares crops (:func:`xpcs_nb.prepare_crops`), encodes them and gives
  each crop the class of its nearest centre, with the distance to every centre;
- :meth:`LatentSpace.neighbours` lists the reference crops nearest to each new crop;
- :meth:`LatentSpace.distance_to_reference` says how far new latents lie from the
  reference set, in units of the set's own spacing (chapter 6's gap ratio);
- :meth:`LatentSpace.save` / :meth:`LatentSpace.load` keep it in a folder: the weights
  (``weights.pt``, a torch ``state_dict``), ``space.json`` (the model layout, k, the
  settings) and ``space.npz`` (latents, labels, centres, the reference table). No
  pickle anywhere: arrays load with ``allow_pickle=False``, weights with
  ``weights_only=True``.

Distances are euclidean, in latent units, in the full latent space (never UMAP).

Example
-------
>>> import torch
>>> from xpcs_nb.model import Autoencoder
>>> _ = torch.manual_seed(0)
>>> model = Autoencoder(latent_size=8, encoder_channels=(4, 4), decoder_channels=(4, 4), pool=4, image_size=32)
>>> lag = np.abs(np.subtract.outer(np.arange(32), np.arange(32)))
>>> crops = np.stack([np.exp(-lag / w) for w in (1, 1.2, 1.4, 8, 9, 10, 30, 35, 40)])
>>> space = LatentSpace(model).fit(crops, k=3)
>>> space.labels.tolist()  # class 0: the widest bands
[2, 2, 2, 1, 1, 1, 0, 0, 0]
>>> space.classify(crops[:2])[["roi", "class"]].values.tolist()  # two maps of 32 frames
[[1, 2], [2, 2]]
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from xpcs_nb.atomic import atomic_path
from xpcs_nb.validation import as_crops, as_latents
from xpcs_nb.latent.clusters import PAPER_KS, cluster, kmeans_sweep
from xpcs_nb.latent.encoding import encode
from xpcs_nb.latent.gap import distance_to_reference
from xpcs_nb.latent.ordering import order_by_decoded_centres, order_by_relaxation
from xpcs_nb.latent.search import nearest_neighbours
from xpcs_nb.io import read_maps
from xpcs_nb.model import Autoencoder
from xpcs_nb.prepare import check_frame_times, prepare_crops
from xpcs_nb.validation import ArgumentTypeError, check_int, check_seed, describe

__all__ = ["LatentSpace", "MAP_COLUMN", "SPACE_FORMAT", "SPACE_VERSION"]

SPACE_FORMAT = "xpcs_nb.LatentSpace"
SPACE_VERSION = 1
MAP_COLUMN = "c2_index"
"""The reference table's column naming the large C2 each reference crop was cut from."""
FILES = {"weights": "weights.pt", "settings": "space.json", "arrays": "space.npz"}


class LatentSpace:
    """An autoencoder with a classified reference set, ready for new maps.

    Parameters
    ----------
    model : Autoencoder
        Any trained :class:`xpcs_nb.model.Autoencoder` (e.g.
        ``xpcs_nb.paper.load_model()``); used in eval mode.
    crops_per_map : int
        Crops cut from each new map by :meth:`classify` and :meth:`neighbours`.
    seed : int
        Seeds k-means and the crop offsets of new maps.
    frame_time, target_frame_time : float, optional
        Seconds per frame of the new maps and of the crops (see
        :func:`xpcs_nb.prepare_crops`); default no binning.

    Attributes (after fitting)
    --------------------------
    latents : float32 (N, D)
        The reference latents.
    reference : DataFrame, N rows
        What each reference latent is (any columns given to ``fit``). A column
        ``c2_index`` (the large C2 each crop was cut from) keeps two crops of one map
        out of the reference set's spacing (:meth:`distance_to_reference`).
    labels : int64 (N,)
        Class of each reference latent, 0 the slowest.
    centres : float64 (k, D)
        Row c is the centre of class c.
    """

    def __init__(self, model, *, crops_per_map: int = 1, seed: int = 0, frame_time: float | None = None,
                 target_frame_time: float | None = None) -> None:
        if not isinstance(model, torch.nn.Module) or not callable(getattr(model, "encode", None)):
            raise ArgumentTypeError(f"model must be an xpcs_nb.model.Autoencoder, got {describe(model)}")
        self.model = model.eval()
        self.crops_per_map = check_int(crops_per_map, "crops_per_map", minimum=1)
        self.seed = check_seed(seed)
        check_frame_times(frame_time, target_frame_time)  # now, not at the first map
        self.frame_time = frame_time
        self.target_frame_time = target_frame_time
        self.latents = self.reference = self.labels = self.centres = None

    def __repr__(self) -> str:
        if self.latents is None:
            return f"LatentSpace(model={type(self.model).__name__}, not fitted)"
        return (f"LatentSpace(model={type(self.model).__name__}, {len(self.latents)} reference latents of "
                f"{self.latents.shape[1]}, k={self.k})")

    @property
    def k(self) -> int:
        """The number of classes."""
        return len(self._fitted_centres())

    @property
    def crop_size(self) -> int:
        """The side of the crops the model reads (its ``image_size``; 256 when it has none)."""
        return int(getattr(self.model, "image_size", 256))

    # ------------------------------------------------------------ fitting

    def fit(self, crops, reference=None, *, k: int | None = None) -> "LatentSpace":
        """Encode reference crops, cluster them, number the classes slowest first.

        Parameters
        ----------
        crops : array (N, S, S)
            Reference crops scaled to [0, 1] (e.g. from :func:`xpcs_nb.prepare_crops`
            or a crop store); S the model's ``image_size``.
        reference : DataFrame, optional
            N rows saying what each crop is (e.g. prepare_crops's table); kept, saved
            and shown by :meth:`neighbours`. Give its ``c2_index`` column when several
            crops come from one map (see :meth:`distance_to_reference`). Default: no
            columns.
        k : int, optional
            Number of classes; default the knee of the k-means inertia over
            k = 2 .. 12 (fewer when N is small; at least 5 crops then).

        Returns
        -------
        self
        """
        crops = as_crops(crops)
        latents = encode(self.model, crops)
        labels, centres = self._cluster(latents, k)
        labels, mapping = order_by_relaxation(labels, crops)
        return self._keep(latents, reference, labels, centres[sorted(mapping, key=mapping.get)])

    def fit_latents(self, latents, reference=None, *, k: int | None = None) -> "LatentSpace":
        """As :meth:`fit`, from latent vectors (N, D) whose crops are not at hand.

        The classes are ordered by the band width of the decoded centres
        (:func:`xpcs_nb.latent.order_by_decoded_centres`), as for the paper's 900
        published latents (:meth:`published`).
        """
        latents = as_latents(latents).astype(np.float32)
        labels, centres = self._cluster(latents, k)
        labels, mapping = order_by_decoded_centres(self.model, labels, centres)
        return self._keep(latents, reference, labels, centres[sorted(mapping, key=mapping.get)])

    @classmethod
    def published(cls, *, k: int | None = None, seed: int = 0, **settings) -> "LatentSpace":
        """The published model with the paper's 900 latents of experiment E031 as reference.

        The reference table holds each latent's ``sector`` (1 .. 18) and
        ``start_time`` (s after the end of shear). Reads the published files
        (:mod:`xpcs_nb.paper`; offline from ``$XPCS_PAPER_DATA``).
        """
        from xpcs_nb import paper

        reference = pd.DataFrame({"sector": paper.load_sectors(), "start_time": paper.load_start_times()})
        space = cls(paper.load_model(), seed=seed, **settings)
        return space.fit_latents(paper.load_latents(), reference, k=k)

    def _cluster(self, latents: np.ndarray, k: int | None) -> tuple[np.ndarray, np.ndarray]:
        """k-means labels and centres (numbered as k-means left them); k at the knee when None."""
        n = len(latents)
        if k is not None:
            return cluster(latents, check_int(k, "k", minimum=1, maximum=n, context=f" for {n} reference latents"),
                           seed=self.seed)
        ks = [value for value in PAPER_KS if value <= n - 1]  # the silhouette needs a point to spare
        if len(ks) < 3:
            raise ValueError(f"k must be given for fewer than 5 reference crops (no knee of 3 k), got {n} crops")
        sweep = kmeans_sweep(latents, ks, seed=self.seed)
        if sweep.knee.value is None:
            raise ValueError(f"k=None: the k-means inertia over k = {ks[0]} .. {ks[-1]} has no knee; give k")
        return sweep.labels_for(sweep.knee.value), sweep.centres_for(sweep.knee.value)

    def _keep(self, latents, reference, labels, centres) -> "LatentSpace":
        if reference is None:
            reference = pd.DataFrame(index=pd.RangeIndex(len(latents)))
        if not isinstance(reference, pd.DataFrame) or len(reference) != len(latents):
            raise ValueError(f"reference must be a DataFrame with one row per crop ({len(latents)}), "
                             f"got {describe(reference)}")
        self.latents = np.asarray(latents, dtype=np.float32)
        self.reference = reference.reset_index(drop=True)
        self.labels = np.asarray(labels, dtype=np.int64)
        self.centres = np.asarray(centres, dtype=np.float64)
        return self

    def _fitted_centres(self) -> np.ndarray:
        if self.centres is None:
            raise RuntimeError("this LatentSpace is not fitted yet: call fit(crops) or fit_latents(latents) first")
        return self.centres

    # ------------------------------------------------------------ new data

    def prepare(self, source) -> tuple[np.ndarray, pd.DataFrame]:
        """Crops of ``source`` and their table, as :meth:`classify` sees them.

        ``source``: a map (T, T), a stack (n_roi, T, T), or the path of a ``.npy``
        or APS result file (:func:`xpcs_nb.io.read_maps`); the table gains a
        ``file`` column (empty for arrays) and the file's own ROI numbers.
        """
        if isinstance(source, (str, Path)):
            maps, rois = read_maps(source)
            file = str(source)
        else:
            maps, rois, file = source, None, ""
        crops, table = prepare_crops(maps, crop_size=self.crop_size, crops_per_map=self.crops_per_map,
                                     seed=self.seed, frame_time=self.frame_time,
                                     target_frame_time=self.target_frame_time, rois=rois)
        table.insert(0, "file", file)
        return crops, table

    def classify(self, source) -> pd.DataFrame:
        """The class of every crop of ``source``: its nearest centre.

        Parameters
        ----------
        source : array (T, T) or (n_roi, T, T), or a path
            See :meth:`prepare`.

        Returns
        -------
        DataFrame, one row per crop
            :meth:`prepare`'s table, then ``class`` (0 the slowest), ``distance`` (to
            its class centre) and ``distance_0 .. distance_{k-1}`` (to every centre),
            in latent units.
        """
        return self.classify_crops(*self.prepare(source))

    def classify_crops(self, crops, table: pd.DataFrame | None = None) -> pd.DataFrame:
        """:meth:`classify` for crops already prepared: (N, S, S) in [0, 1], and their table."""
        centres = self._fitted_centres()
        latents = encode(self.model, crops)
        table = _crop_table(len(latents), table)
        distances = _distances(latents, centres)
        classes = np.argmin(distances, axis=1)
        table["class"] = classes
        table["distance"] = distances[np.arange(len(classes)), classes]
        for c in range(len(centres)):
            table[f"distance_{c}"] = distances[:, c]
        return table

    def neighbours(self, source, k: int = 5) -> pd.DataFrame:
        """The ``k`` reference crops nearest to every crop of ``source``.

        Returns
        -------
        DataFrame, ``k`` rows per crop, nearest first
            :meth:`prepare`'s table, then ``rank`` (1 .. k), ``neighbour`` (row of
            the reference set), ``neighbour_distance`` (latent units),
            ``neighbour_class``, and the reference table's columns prefixed
            ``neighbour_``.
        """
        return self.neighbours_of_crops(*self.prepare(source), k=k)

    def neighbours_of_crops(self, crops, table: pd.DataFrame | None = None, *, k: int = 5) -> pd.DataFrame:
        """:meth:`neighbours` for crops already prepared: (N, S, S) in [0, 1], and their table."""
        self._fitted_centres()
        k = check_int(k, "k", minimum=1, maximum=len(self.latents), context=" (the reference latents)")
        latents = encode(self.model, crops)
        table = _crop_table(len(latents), table)
        indices, distances = nearest_neighbours(self.latents, latents, k=k)
        indices, distances = indices.reshape(-1, k), distances.reshape(-1, k)
        rows = table.loc[table.index.repeat(k)].reset_index(drop=True)
        rows["rank"] = np.tile(np.arange(1, k + 1), len(table))
        rows["neighbour"] = indices.ravel()
        rows["neighbour_distance"] = distances.ravel()
        rows["neighbour_class"] = self.labels[indices.ravel()]
        found = self.reference.iloc[indices.ravel()].reset_index(drop=True).add_prefix("neighbour_")
        return pd.concat([rows, found], axis=1)

    # ------------------------------------------------------------ distance

    def distance_to_reference(self, latents) -> pd.DataFrame:
        """How far latents (Q, D) lie from the reference set, against its own spacing.

        :func:`xpcs_nb.latent.distance_to_reference` with this space's reference
        latents, and with the reference table's ``c2_index`` as its ``groups`` where
        there is one, so twin crops of one map do not shrink the spacing. Returns its
        DataFrame of Q rows (``nearest_reference``, ``reference_spacing``,
        ``gap_ratio``).
        """
        reference = self._fitted_reference()
        groups = reference[MAP_COLUMN].to_numpy() if MAP_COLUMN in reference else None
        return distance_to_reference(latents, self.latents, groups=groups)

    def _fitted_reference(self) -> pd.DataFrame:
        self._fitted_centres()  # raises the "not fitted" error
        return self.reference

    # ------------------------------------------------------------ files

    def save(self, folder) -> Path:
        """Write ``weights.pt``, ``space.json`` and ``space.npz`` into ``folder``; returns it.

        Each file is written whole or not at all (:func:`xpcs_nb.atomic.atomic_path`).
        The reference table's columns must be numbers, booleans or text.
        """
        centres = self._fitted_centres()
        if not isinstance(self.model, Autoencoder):
            raise ArgumentTypeError(f"save needs an xpcs_nb.model.Autoencoder model, got {describe(self.model)}")
        folder = Path(folder)
        columns = [str(name) for name in self.reference.columns]
        arrays = {"latents": self.latents, "labels": self.labels, "centres": centres}
        arrays.update({f"reference_{i}": _column_array(self.reference[name], name)
                       for i, name in enumerate(self.reference.columns)})
        settings = {"format": SPACE_FORMAT, "version": SPACE_VERSION, "layout": self.model.layout,
                    "k": int(len(centres)), "seed": self.seed, "crops_per_map": self.crops_per_map,
                    "frame_time": self.frame_time, "target_frame_time": self.target_frame_time,
                    "reference_columns": columns}
        with atomic_path(folder / FILES["weights"]) as tmp:
            torch.save({key: value.cpu() for key, value in self.model.state_dict().items()}, tmp)
        with atomic_path(folder / FILES["arrays"]) as tmp, open(tmp, "wb") as handle:
            np.savez(handle, **arrays)
        with atomic_path(folder / FILES["settings"]) as tmp:
            tmp.write_text(json.dumps(settings, indent=2) + "\n")
        return folder

    @classmethod
    def load(cls, folder, device="cpu") -> "LatentSpace":
        """A LatentSpace written by :meth:`save`; the model in eval mode on ``device``."""
        folder = Path(folder)
        missing = [name for name in FILES.values() if not (folder / name).is_file()]
        if missing:
            raise FileNotFoundError(f"folder must hold a saved LatentSpace ({', '.join(FILES.values())}); "
                                    f"{folder} lacks {', '.join(missing)}")
        settings = json.loads((folder / FILES["settings"]).read_text())
        if settings.get("format") != SPACE_FORMAT or settings.get("version") != SPACE_VERSION:
            raise ValueError(f"{folder / FILES['settings']} must be a {SPACE_FORMAT} version {SPACE_VERSION}, "
                             f"got format {settings.get('format')!r} version {settings.get('version')!r}")
        layout = {key: tuple(value) if isinstance(value, list) else value for key, value in settings["layout"].items()}
        weights = torch.load(folder / FILES["weights"], map_location="cpu", weights_only=True)
        model = Autoencoder(**layout).load_weights(weights).to(device)
        space = cls(model, crops_per_map=settings["crops_per_map"], seed=settings["seed"],
                    frame_time=settings["frame_time"], target_frame_time=settings["target_frame_time"])
        with np.load(folder / FILES["arrays"], allow_pickle=False) as arrays:
            reference = pd.DataFrame({name: arrays[f"reference_{i}"]
                                      for i, name in enumerate(settings["reference_columns"])},
                                     index=pd.RangeIndex(len(arrays["latents"])))
            return space._keep(arrays["latents"], reference, arrays["labels"], arrays["centres"])


def _crop_table(n: int, table) -> pd.DataFrame:
    """A copy of ``table`` (one row per crop, ``n`` crops) with a fresh index; a bare crop number when None."""
    if table is None:
        return pd.DataFrame({"crop": np.arange(n)})
    if not isinstance(table, pd.DataFrame) or len(table) != n:
        raise ValueError(f"table must be a DataFrame with one row per crop ({n}), got {describe(table)}")
    return table.reset_index(drop=True).copy()


def _distances(latents: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """Euclidean distances (N, k) of each latent to each centre, float64."""
    difference = latents.astype(np.float64)[:, np.newaxis, :] - centres[np.newaxis]
    return np.sqrt(np.sum(difference**2, axis=2))


def _column_array(column: pd.Series, name) -> np.ndarray:
    """A reference column as an array np.load reads without pickle: numbers, booleans or text."""
    values = column.to_numpy()
    if values.dtype.kind in "biuf":
        return values
    if values.dtype == object and all(isinstance(value, str) for value in values):
        return values.astype(str)
    raise ValueError(f"reference column {name!r} must hold numbers, booleans or text to be saved, "
                     f"got dtype {column.dtype}")
