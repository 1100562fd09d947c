"""One set of input rules for every public function of the package.

Public functions check their arguments here; private kernels trust what they are
given (the split scikit-learn makes in ``sklearn/utils/validation.py``). Every error
names the argument, what was expected and what came::

    >>> check_int(True, "n_frames")
    Traceback (most recent call last):
    ...
    xpcs_nb.validation.ArgumentTypeError: n_frames must be an integer (int or numpy integer), got True (bool)

The rules:

- an **integer** is a Python ``int`` or a numpy integer; ``bool``, every float (also
  ``2.0`` and ``np.float32(2)``) and tensors are refused;
- a **real number** is an ``int``, ``float`` or numpy number, finite unless allowed;
  ``bool`` is refused;
- an **array** is anything ``numpy.asarray`` takes, CPU torch tensors included; it is
  checked for its number of dimensions, shape, kind and finiteness.

A wrong *kind* of value raises :class:`ArgumentTypeError`, a subclass of both
``TypeError`` and ``ValueError`` (as numpy's ``AxisError`` is of ``ValueError`` and
``IndexError``), so ``except ValueError`` catches every bad argument. A value of the
right kind outside its range raises ``ValueError``.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Sequence

import numpy as np

__all__ = [
    "as_latents", "as_labels", "as_crops", "check_count",
    "ArgumentTypeError",
    "describe",
    "check_int",
    "check_seed",
    "check_real",
    "check_bool",
    "check_choice",
    "check_array",
    "check_square_maps",
    "check_table",
]


class ArgumentTypeError(TypeError, ValueError):
    """An argument of the wrong kind (a bool where an integer belongs, a float for a size...)."""


def describe(value) -> str:
    """A short account of ``value`` for an error message: its repr (cut) and its type.

    >>> describe(2.5)
    '2.5 (float)'
    >>> describe(np.zeros((3, 4)))
    'an array of shape (3, 4) and dtype float64 (ndarray)'
    """
    kind = type(value).__name__
    shape = getattr(value, "shape", None)
    if shape is not None and len(shape) > 0:
        return f"an array of shape {tuple(shape)} and dtype {getattr(value, 'dtype', '?')} ({kind})"
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{text} ({kind})"


def _range_text(minimum, maximum, include_min: bool = True, include_max: bool = True) -> str:
    parts = []
    if minimum is not None:
        parts.append(f"{'>=' if include_min else '>'} {minimum}")
    if maximum is not None:
        parts.append(f"{'<=' if include_max else '<'} {maximum}")
    return " and ".join(parts)


def _check_range(number, name: str, minimum, maximum, include_min: bool, include_max: bool, context: str) -> None:
    too_low = minimum is not None and (number < minimum if include_min else number <= minimum)
    too_high = maximum is not None and (number > maximum if include_max else number >= maximum)
    if too_low or too_high:
        raise ValueError(
            f"{name} must be {_range_text(minimum, maximum, include_min, include_max)}{context}, got {number!r}"
        )


def check_int(value, name: str, *, minimum: int | None = None, maximum: int | None = None,
              context: str = "") -> int:
    """``value`` as a Python ``int`` within ``[minimum, maximum]`` (either bound optional).

    ``context`` finishes the range in the message, e.g. ``" for 40 points"``.

    >>> check_int(np.int64(3), "k", minimum=1)
    3
    >>> check_int(0, "k", minimum=1)
    Traceback (most recent call last):
    ...
    ValueError: k must be >= 1, got 0
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Integral, np.integer)):
        raise ArgumentTypeError(f"{name} must be an integer (int or numpy integer), got {describe(value)}")
    number = int(value)
    _check_range(number, name, minimum, maximum, True, True, context)
    return number


def check_seed(value, name: str = "seed", *, allow_none: bool = False) -> int | None:
    """A random seed: an integer in ``[0, 2**63 - 1]`` (None too when ``allow_none``).

    >>> check_seed(np.uint32(7))
    7
    """
    if value is None and allow_none:
        return None
    if value is None:
        raise ArgumentTypeError(f"{name} must be an integer >= 0, got None")
    return check_int(value, name, minimum=0, maximum=2**63 - 1)


def check_real(value, name: str, *, minimum: float | None = None, maximum: float | None = None,
               include_min: bool = True, include_max: bool = True, allow_inf: bool = False,
               context: str = "") -> float:
    """``value`` as a finite Python ``float`` within the given bounds.

    ``include_min=False`` makes the lower bound strict (``> minimum``), likewise
    ``include_max``. ``allow_inf`` lets +-inf through (never NaN).

    >>> check_real(np.float32(0.5), "lr", minimum=0, include_min=False)
    0.5
    >>> check_real(float("nan"), "lr")
    Traceback (most recent call last):
    ...
    ValueError: lr must be a finite number, got nan (float)
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Real, np.number)) \
            or isinstance(value, (complex, np.complexfloating)):
        raise ArgumentTypeError(f"{name} must be a real number (int or float), got {describe(value)}")
    number = float(value)
    if np.isnan(number) or (np.isinf(number) and not allow_inf):
        raise ValueError(f"{name} must be a finite number, got {describe(value)}")
    _check_range(number, name, minimum, maximum, include_min, include_max, context)
    return number


def check_bool(value, name: str) -> bool:
    """``value`` as a ``bool``; integers such as 0 and 1 are refused, so are strings."""
    if not isinstance(value, (bool, np.bool_)):
        raise ArgumentTypeError(f"{name} must be True or False, got {describe(value)}")
    return bool(value)


def check_choice(value, name: str, choices: Iterable):
    """``value`` if it is one of ``choices``; ValueError listing them otherwise.

    >>> check_choice("paper", "form", ("paper", "ratio"))
    'paper'
    """
    choices = tuple(choices)
    try:
        known = value in choices
    except TypeError:  # unhashable or incomparable values
        known = False
    if not known:
        listed = ", ".join(repr(choice) for choice in choices)
        raise ValueError(f"{name} must be one of {listed}; got {describe(value)}")
    return value


def _as_numpy(value, name: str) -> np.ndarray:
    """numpy view of ``value``; torch tensors are detached and moved to the CPU."""
    if type(value).__module__.startswith("torch"):
        value = value.detach().cpu().numpy()
    try:
        return np.asarray(value)
    except (ValueError, TypeError) as error:
        raise ArgumentTypeError(f"{name} must be an array, got {describe(value)} ({error})") from None


def check_array(value, name: str, *, ndim: int | Sequence[int] | None = None,
                shape: Sequence[int | None] | None = None, dtype=None, kind: str | None = "real",
                finite: bool = True, min_size: int = 1, minimum: float | None = None,
                maximum: float | None = None) -> np.ndarray:
    """``value`` as a numpy array that meets every given condition.

    Parameters
    ----------
    ndim : int or tuple of int
        Allowed numbers of dimensions.
    shape : tuple
        Expected shape; ``None`` entries are free (``(None, 256, 256)``).
    dtype : numpy dtype, optional
        Cast to it after the checks (``np.float32`` ...); by default the dtype is kept.
    kind : {"real", "integer", "bool", None}
        ``"real"`` takes integers, floats and booleans; ``"integer"`` only integers (or
        integral floats, cast); ``"bool"`` booleans; ``None`` anything.
    finite : bool
        Refuse NaN and inf (floating arrays only).
    min_size : int
        Fewest elements accepted.
    minimum, maximum : float, optional
        Inclusive bounds on every element.

    >>> check_array([[1, 2], [3, 4]], "c2", ndim=2, dtype=np.float32).dtype
    dtype('float32')
    >>> check_array([1.0, float("nan")], "g2")
    Traceback (most recent call last):
    ...
    ValueError: g2 must be finite; 1 of its 2 values are NaN or inf (first at index (1,))
    """
    array = _as_numpy(value, name)
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, (int, np.integer)) else tuple(ndim)
        if array.ndim not in allowed:
            wanted = " or ".join(f"{n}-D" for n in allowed)
            raise ValueError(f"{name} must be {wanted}, got {describe(array)}")
    if shape is not None:
        shape = tuple(shape)
        if array.ndim != len(shape) or any(s is not None and s != a for s, a in zip(shape, array.shape)):
            wanted = "(" + ", ".join("any" if s is None else str(s) for s in shape) + ")"
            raise ValueError(f"{name} must have shape {wanted}, got {describe(array)}")
    if array.size < min_size:
        raise ValueError(f"{name} must hold at least {min_size} value(s), got {describe(array)}")
    array = _check_kind(array, name, kind)
    if finite and np.issubdtype(array.dtype, np.inexact):
        bad = ~np.isfinite(array)
        if bad.any():
            first = tuple(int(i) for i in np.argwhere(bad)[0])
            raise ValueError(
                f"{name} must be finite; {int(bad.sum())} of its {array.size} values are NaN or inf "
                f"(first at index {first})"
            )
    if array.size and (minimum is not None or maximum is not None) and kind in ("real", "integer"):
        low, high = np.nanmin(array), np.nanmax(array)
        if (minimum is not None and low < minimum) or (maximum is not None and high > maximum):
            raise ValueError(
                f"{name} must have values {_range_text(minimum, maximum)}, got values in [{low:.6g}, {high:.6g}]"
            )
    if dtype is not None:
        array = array.astype(dtype, copy=False)
    return array


def _check_kind(array: np.ndarray, name: str, kind: str | None) -> np.ndarray:
    if kind is None:
        return array
    is_bool = array.dtype == np.bool_
    is_int = np.issubdtype(array.dtype, np.integer)
    is_float = np.issubdtype(array.dtype, np.floating)
    if kind == "bool" and not is_bool:
        raise ArgumentTypeError(f"{name} must be a boolean array, got {describe(array)}")
    if kind == "real" and not (is_bool or is_int or is_float):
        raise ArgumentTypeError(f"{name} must hold real numbers, got {describe(array)}")
    if kind == "integer" and not is_int:
        integral_floats = is_float and np.isfinite(array).all() and np.all(np.mod(array, 1) == 0)
        if not integral_floats:
            raise ArgumentTypeError(f"{name} must hold integers, got {describe(array)}")
        array = array.astype(np.int64)
    return array


def check_square_maps(value, name: str = "c2", *, min_size: int = 2, allow_nan_diagonal: bool = False,
                      dtype=np.float64) -> np.ndarray:
    """Two-time maps ``(T, T)`` or a stack ``(n, T, T)`` with ``T >= min_size``, finite.

    With ``allow_nan_diagonal`` the main diagonal may be NaN (the way some beamlines
    store a C2 whose shot-noise diagonal was removed); everything else must be finite.
    """
    array = check_array(value, name, ndim=(2, 3), kind="real", finite=False, dtype=dtype)
    if array.shape[-1] != array.shape[-2] or array.shape[-1] < min_size:
        raise ValueError(f"{name} must be square maps (T, T) or (n, T, T) with T >= {min_size}, "
                         f"got {describe(array)}")
    bad = ~np.isfinite(array)
    if allow_nan_diagonal:
        diagonal = np.eye(array.shape[-1], dtype=bool)
        bad &= ~(diagonal & np.isnan(array))
    if bad.any():
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        where = "off the diagonal " if allow_nan_diagonal else ""
        raise ValueError(f"{name} must be finite {where}; {int(bad.sum())} values are NaN or inf "
                         f"(first at index {first})")
    return array


def check_table(table, columns, name: str = "table") -> None:
    """Raise unless ``table`` is a pandas DataFrame holding every name in ``columns``.

    TypeError for another kind of object, ValueError naming the missing columns.

    >>> import pandas as pd
    >>> check_table(pd.DataFrame({"a": [1]}), ("a", "b"))
    Traceback (most recent call last):
    ...
    ValueError: table must have the columns ('a', 'b'), missing ['b']
    """
    import pandas as pd

    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"{name} must be a DataFrame, got {type(table).__name__}")
    missing = set(columns) - set(table.columns)
    if missing:
        raise ValueError(f"{name} must have the columns {columns}, missing {sorted(missing)}")


# The rules of the latent space and its scores: latents are rows of finite numbers, labels are
# class numbers >= 0, crops are square, a number of clusters or neighbours is bounded by the points.

def as_latents(latents, name: str = "latents") -> np.ndarray:
    """``latents`` as a finite float64 array (N, D) with N, D >= 1."""
    return check_array(latents, name, ndim=2, kind="real", dtype=np.float64)


def as_labels(labels, n_points: int | None = None, name: str = "labels") -> np.ndarray:
    """``labels`` as an int64 array (N,) of classes >= 0, ``n_points`` long when given."""
    array = check_array(labels, name, ndim=1, kind="integer", minimum=0).astype(np.int64)
    if n_points is not None and array.shape[0] != n_points:
        raise ValueError(f"{name} must have {n_points} entries (one per point), got {array.shape[0]}")
    return array


def as_crops(crops, name: str = "crops") -> np.ndarray:
    """``crops`` as a finite float array (N, S, S) with S >= 2 (integers become float64)."""
    array = check_array(crops, name, ndim=3, kind="real")
    if array.shape[1] != array.shape[2] or array.shape[1] < 2:
        raise ValueError(f"{name} must be an array (N, S, S) of square crops with S >= 2, got {describe(array)}")
    if not np.issubdtype(array.dtype, np.floating):
        array = array.astype(np.float64)
    return array


def check_count(value, n_points: int, name: str = "k", minimum: int = 1, maximum: int | None = None) -> int:
    """A number of clusters or neighbours, ``minimum`` .. ``maximum`` (default: the number of points)."""
    maximum = n_points if maximum is None else maximum
    return check_int(value, name, minimum=minimum, maximum=maximum, context=f" for {n_points} points")
