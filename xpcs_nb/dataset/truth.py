"""What is known about each large map (its truth record), joined onto its crops."""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Mapping

import numpy as np
import pandas as pd

__all__ = ["CROP_COLUMNS", "join_truth", "warn_if_constant"]

# The columns the crop store writes itself; truth fields may not reuse these names.
CROP_COLUMNS = (
    "experiment_id",
    "c2_index",
    "crop_offset",
    "c2_frames",
    "crop_seed",
    "raw_min",
    "raw_max",
)


def join_truth(crop_table: pd.DataFrame, truth: pd.DataFrame) -> pd.DataFrame:
    """Give every crop the fields of the map it came from (row ``c2_index`` of ``truth``).

    ``experiment_id``, when ``truth`` has it, becomes the first column.

    >>> crops = pd.DataFrame({"c2_index": [0, 0, 1], "crop_offset": [3, 9, 4]})
    >>> join_truth(crops, pd.DataFrame({"label": ["a", "b"], "experiment_id": ["e1", "e2"]}))
      experiment_id  c2_index  crop_offset label
    0            e1         0            3     a
    1            e1         0            9     a
    2            e2         1            4     b
    """
    for name, table in (("crop_table", crop_table), ("truth", truth)):
        if not isinstance(table, pd.DataFrame):
            raise TypeError(f"{name} must be a pandas DataFrame, got {type(table).__name__}")
    if "c2_index" not in crop_table.columns:
        raise KeyError(f"crop_table must have a c2_index column; it has {list(crop_table.columns)}")
    per_crop = truth.iloc[crop_table["c2_index"].to_numpy()].reset_index(drop=True)
    joined = pd.concat([crop_table.reset_index(drop=True), per_crop], axis=1)
    if "experiment_id" in joined.columns:
        joined = joined[["experiment_id", *joined.columns.drop("experiment_id")]]
    return joined


def warn_if_constant(metadata: pd.DataFrame) -> int:
    """Warn how many crops were constant (stored as zeros); return that count."""
    n_constant = int((metadata["raw_min"] == metadata["raw_max"]).sum())
    if n_constant:
        warnings.warn(
            f"{n_constant} of {len(metadata)} crops were constant and are stored as all "
            "zeros (raw_min == raw_max marks them)",
            stacklevel=3,
        )
    return n_constant


def truth_table(truths, n_c2: int) -> pd.DataFrame:
    """One row per map from dict-likes, dataclasses, a structured array or a DataFrame."""
    if truths is None:
        table = pd.DataFrame(index=range(n_c2))
    elif isinstance(truths, pd.DataFrame):
        table = truths.reset_index(drop=True)
    elif isinstance(truths, np.ndarray) and truths.dtype.names:
        table = pd.DataFrame.from_records(truths)
    else:
        table = pd.DataFrame.from_records([_as_dict(record) for record in truths])
    if len(table) != n_c2:
        raise ValueError(f"truths must hold one record per C2 map ({n_c2}), got {len(table)}")
    return table


def _as_dict(record) -> dict:
    if dataclasses.is_dataclass(record) and not isinstance(record, type):
        return dataclasses.asdict(record)
    if isinstance(record, Mapping):
        return dict(record)
    raise ValueError(
        f"each truth record must be a mapping or a dataclass, got {type(record).__name__}"
    )


def with_experiment_ids(truth: pd.DataFrame, experiment_key: str | None) -> pd.DataFrame:
    """``truth`` with an ``experiment_id`` column first; reject clashing field names."""
    if experiment_key is None:
        experiment = [f"c2_{index:05d}" for index in range(len(truth))]
    elif experiment_key not in truth.columns:
        raise KeyError(
            f"experiment_key {experiment_key!r} is not a truth field; the fields are "
            f"{list(truth.columns)} (pass experiment_key=None to make each map its own "
            "experiment)"
        )
    else:
        experiment = truth[experiment_key].tolist()
    if experiment_key == "experiment_id":
        truth = truth.drop(columns="experiment_id")
    clashes = [str(name) for name in truth.columns if name in CROP_COLUMNS]
    if clashes:
        raise ValueError(
            f"truth fields {clashes} clash with the store's own columns {list(CROP_COLUMNS)}; "
            "rename them"
        )
    return pd.concat([pd.DataFrame({"experiment_id": experiment}), truth], axis=1)
