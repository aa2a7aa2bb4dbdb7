"""Shared helpers: JSON-friendly conversion of result dataclasses and input checks."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np

OUTCOME_VALUES = (-1, 0, 1)


def to_builtin(value: Any) -> Any:
    """Turn numpy scalars/arrays (also nested in lists, tuples, dicts) into plain Python.

    Non-finite floats become None, so the result serialises as strict JSON.
    """
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_builtin(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): to_builtin(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_builtin(v) for v in value]
    if isinstance(value, np.ndarray):
        return [to_builtin(v) for v in value.tolist()]
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer, int)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        value = float(value)
        return value if math.isfinite(value) else None
    return value


class AsDict:
    """Mixin for frozen result dataclasses: ``as_dict()`` gives JSON-ready builtins."""

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = to_builtin(self)
        return out


def opt_float(value: float | None) -> float | None:
    """A plain float, or None when the value is missing or not finite."""
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def as_outcomes(outcomes: Any) -> np.ndarray:
    """Validate an outcome array (+1 focal wins, 0 tie, -1 focal loses) as int64."""
    arr = np.asarray(outcomes)
    if arr.ndim != 1:
        raise ValueError("outcomes must be one-dimensional")
    if arr.size == 0:
        return arr.astype(np.int64)
    out = arr.astype(np.int64, copy=False)
    exact = out is arr or np.array_equal(out, arr)
    if not exact or out.min() < -1 or out.max() > 1:
        raise ValueError("outcomes must contain only -1, 0 and +1")
    return out


def check_level(level: float) -> float:
    level = float(level)
    if not 0.0 < level < 1.0:
        raise ValueError("level must be strictly between 0 and 1")
    return level


def factorize(ids: Any) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(ids, return_inverse=True)``, by a lookup table instead of a sort when the
    ids are integers spanning a moderate range (database ids, indices): from 0 when they are
    non-negative and small, else from the smallest (one study's ids lie far from 0 in a
    database of many studies)."""
    arr = np.asarray(ids)
    if arr.dtype.kind in "iu" and arr.size and arr.ndim == 1:
        low, high = int(arr.min()), int(arr.max())
        if low >= 0 and high < 4 * arr.size + 1_000_000:
            low = 0  # (no subtraction pass)
        if high - low < 4 * arr.size + 1_000_000:
            shifted = (arr if low == 0 else arr - arr.dtype.type(low)).astype(np.intp, copy=False)
            present = np.bincount(shifted, minlength=high - low + 1) > 0
            lookup = np.cumsum(present) - 1
            return (np.flatnonzero(present) + low).astype(arr.dtype), lookup[shifted]
    return np.unique(arr, return_inverse=True)


def distinct(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct values of a float array and each element's index among them
    (``np.unique(x, return_inverse=True)``; by ``factorize`` when the values are integers in
    a moderate range, e.g. length differences)."""
    if x.size:
        low, high = x.min(), x.max()
        if np.isfinite(low) and np.isfinite(high) and high - low < 4 * x.size + 1_000_000 and (x == np.round(x)).all():
            ids, inverse = factorize((x - low).astype(np.int64))
            return ids + low, inverse
    return np.unique(x, return_inverse=True)
