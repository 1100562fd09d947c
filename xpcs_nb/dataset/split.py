"""Train / validation / test split that keeps each experiment's crops together."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ..validation import check_array, check_seed

__all__ = ["SPLIT_NAMES", "split_by_experiment"]

SPLIT_NAMES = ("train", "validation", "test")


def split_by_experiment(
    metadata: pd.DataFrame,
    fractions: tuple[float, float, float] = (0.8, 0.1, 0.1),
    *,
    seed: int,
    group_column: str = "experiment_id",
) -> dict[str, np.ndarray]:
    """Split crops into train / validation / test, whole experiments at a time.

    Crops of one experiment (its ROIs, its time windows, the two crops of one map)
    are near copies of each other; one in training and another in the test set would
    make the test score a memory test. So the experiments, in an order shuffled by
    ``seed``, are dealt one by one to the split furthest below its share of crops.
    The shares come out right to within about one experiment's crops.

    Parameters
    ----------
    metadata : DataFrame, one row per crop
    fractions : (3,) floats >= 0 summing to 1
        Shares of crops for train, validation and test.
    seed : int
    group_column : str
        The column naming each crop's experiment.

    Returns
    -------
    split : dict
        ``{"train": rows, "validation": rows, "test": rows}``, each a sorted int64
        array of row positions in ``metadata``; every row is in exactly one.

    >>> metadata = pd.DataFrame({"experiment_id": ["a", "a", "b", "b", "c", "c"]})
    >>> {name: rows.tolist() for name, rows in split_by_experiment(metadata, (0.34, 0.33, 0.33), seed=0).items()}
    {'train': [4, 5], 'validation': [0, 1], 'test': [2, 3]}
    """
    if not isinstance(metadata, pd.DataFrame):
        raise TypeError(f"metadata must be a pandas DataFrame, got {type(metadata).__name__}")
    shares = _check_fractions(fractions)
    seed = check_seed(seed)
    if group_column not in metadata.columns:
        raise KeyError(
            f"group_column {group_column!r} is not a metadata column; the columns are "
            f"{list(metadata.columns)}"
        )
    groups = metadata[group_column]
    if groups.isna().any():
        raise ValueError(f"metadata column {group_column!r} has missing values")
    _, group_of_row, group_sizes = np.unique(
        groups.to_numpy(), return_inverse=True, return_counts=True
    )
    split_of_group = _deal_groups(group_sizes, shares * len(metadata), shares > 0, seed)
    split_of_row = split_of_group[group_of_row]
    split = {name: np.flatnonzero(split_of_row == i) for i, name in enumerate(SPLIT_NAMES)}
    empty = [name for name, share in zip(SPLIT_NAMES, shares) if share > 0 and not len(split[name])]
    if empty:
        warnings.warn(
            f"splits {empty} got no crops: {len(group_sizes)} experiments are too few for "
            f"fractions {tuple(fractions)}",
            stacklevel=2,
        )
    return split


def _deal_groups(group_sizes: np.ndarray, targets: np.ndarray, open_splits: np.ndarray,
                 seed: int) -> np.ndarray:
    """Split number of each group: groups in a seeded order, each to the neediest split."""
    filled = np.zeros(len(targets))
    split_of_group = np.empty(len(group_sizes), dtype=np.int64)
    for group in np.random.default_rng(seed).permutation(len(group_sizes)):
        shortfall = np.where(open_splits, targets - filled, -np.inf)
        split_of_group[group] = np.argmax(shortfall)
        filled[split_of_group[group]] += group_sizes[group]
    return split_of_group


def _check_fractions(fractions) -> np.ndarray:
    shares = check_array(fractions, "fractions", kind="real", dtype=np.float64)
    if shares.shape != (3,) or (shares < 0).any() or not np.isclose(shares.sum(), 1.0):
        raise ValueError(
            f"fractions must be three numbers >= 0 (train, validation, test) summing to 1, "
            f"got {fractions!r}"
        )
    return shares
