"""Numbers, vectors and matrices from YAML data, with errors that point at the bad element."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from dlsolve.errors import Path, SpecInvalid, describe
from dlsolve.limits import MAX_ENTRIES


def number(value: Any, path: Path) -> float:
    """A finite float64 (an int beyond float64's range is refused, not turned into ∞)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise SpecInvalid(f"expected a number, got {describe(value)}", path)
    try:
        x = float(value)
    except OverflowError:
        raise SpecInvalid("expected a finite number, got an integer beyond float64 (about ±1.8e308)",
                          path) from None
    if not math.isfinite(x):
        raise SpecInvalid(f"expected a finite number, got {value}", path)
    return x


def _size(value: list[Any], path: Path) -> None:
    if len(value) > MAX_ENTRIES:
        raise SpecInvalid(f"{len(value):,} entries; at most {MAX_ENTRIES:,} are taken (limit MAX_ENTRIES)", path)


def vector(value: Any, path: Path, scalar_ok: bool = True) -> np.ndarray:
    """A list of numbers (or one number, as a vector of one)."""
    if isinstance(value, list):
        if not value:
            raise SpecInvalid("expected at least one number, got an empty list", path)
        _size(value, path)
        return np.array([number(v, path + (i,)) for i, v in enumerate(value)])
    if scalar_ok:
        return np.array([number(value, path)])
    raise SpecInvalid(f"expected a list of numbers, got {describe(value)}", path)


def matrix(value: Any, path: Path) -> np.ndarray:
    """A list of equally long rows of numbers; a bare number is a 1×1 matrix."""
    if not isinstance(value, list):
        return np.array([[number(value, path)]])
    if not value:
        raise SpecInvalid("expected a matrix (a list of rows), got an empty list", path)
    if not all(isinstance(r, list) for r in value):
        raise SpecInvalid("expected a matrix written as a list of rows, e.g. [[0.4], [-0.2]] "
                          "for 2 inputs and 1 unit", path)
    width = len(value[0])
    if len(value) * width > MAX_ENTRIES:
        raise SpecInvalid(f"a {len(value):,} × {width:,} matrix; at most {MAX_ENTRIES:,} entries are taken "
                          "(limit MAX_ENTRIES)", path)
    for i, row in enumerate(value):
        if len(row) != width:
            raise SpecInvalid(f"ragged matrix: row {i + 1} has {len(row)} entries, row 1 has {width}",
                              path + (i,))
    if width == 0:
        raise SpecInvalid("expected a matrix with at least one column", path)
    return np.array([[number(v, path + (i, j)) for j, v in enumerate(row)] for i, row in enumerate(value)])


def tensor(value: Any, path: Path) -> np.ndarray:
    """A number, a vector or a matrix (an image), as an array of its own shape."""
    if isinstance(value, list) and value and isinstance(value[0], list):
        return matrix(value, path)
    return vector(value, path)
