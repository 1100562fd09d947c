"""Tables in HDF5: one dataset per column, and a one-line account of a file's contents."""

from __future__ import annotations

import h5py
import numpy as np
import pandas as pd

__all__ = ["describe_hdf5", "read_table", "write_table"]


def write_table(group: h5py.Group, table: pd.DataFrame) -> None:
    """Store ``table`` as one dataset per column in ``group`` (column order kept).

    Numbers and bools are stored as they are, strings as UTF-8, equal-length number
    sequences as a (rows, k) dataset. Anything else raises ValueError naming the column.

    >>> import io
    >>> with h5py.File(io.BytesIO(), "w") as f:
    ...     write_table(f.create_group("t"), pd.DataFrame({"a": [1, 2], "b": ["x", "y"]}))
    ...     read_table(f["t"])
       a  b
    0  1  x
    1  2  y
    """
    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"table must be a pandas DataFrame, got {type(table).__name__}")
    for name in table.columns:
        group.create_dataset(str(name), data=_column_for_hdf5(table[name], str(name)))
    group.attrs["columns"] = [str(name) for name in table.columns]


def read_table(group: h5py.Group) -> pd.DataFrame:
    """Read a table written by :func:`write_table`."""
    columns = {}
    for name in group.attrs["columns"]:
        dataset = group[name]
        if h5py.check_string_dtype(dataset.dtype) is not None:
            columns[name] = dataset.asstr()[()]
        elif dataset.ndim == 2:
            columns[name] = list(dataset[()])
        else:
            columns[name] = dataset[()]
    return pd.DataFrame(columns)


def _column_for_hdf5(column: pd.Series, name: str) -> np.ndarray:
    if pd.api.types.is_bool_dtype(column) or pd.api.types.is_numeric_dtype(column):
        return column.to_numpy()
    values = column.tolist()
    if all(isinstance(value, str) for value in values):
        return np.array(values, dtype=h5py.string_dtype())
    if all(np.ndim(value) == 1 for value in values):
        rows = [np.asarray(value) for value in values]
        if len({row.shape for row in rows}) == 1 and all(
            np.issubdtype(row.dtype, np.number) for row in rows
        ):
            return np.stack(rows)
    raise ValueError(
        f"metadata field {name!r} must hold numbers, bools, strings or equal-length "
        f"number sequences in every record, got e.g. {values[0]!r}"
    )


def describe_hdf5(f: h5py.Group, limit: int = 40) -> str:
    """One line listing the groups and datasets under ``f`` (the first ``limit``).

    >>> import io
    >>> with h5py.File(io.BytesIO(), "w") as f:
    ...     f["images/stack"] = np.zeros((2, 3), dtype=np.uint16)
    ...     describe_hdf5(f)
    '/images/, /images/stack uint16 (2, 3)'
    """
    entries: list[str] = []

    def visit(name: str, item) -> None:
        if isinstance(item, h5py.Dataset):
            entries.append(f"/{name} {item.dtype} {item.shape}")
        else:
            entries.append(f"/{name}/")

    f.visititems(visit)
    if not entries:
        return "nothing (an empty file)"
    more = f", ... and {len(entries) - limit} more" if len(entries) > limit else ""
    return ", ".join(entries[:limit]) + more
