"""Turn analysis metrics into plain JSON values: numpy scalars and arrays converted, floats rounded.

Used both for ``metrics.json`` and for the syrupy snapshots, so the two always agree.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

SIGNIFICANT_DIGITS = 6
"""Floats are stored with this many significant digits."""


def round_float(value: float, digits: int = SIGNIFICANT_DIGITS) -> float | str:
    """Round to ``digits`` significant digits; NaN and ±inf become the strings ``"nan"``, ``"inf"``, ``"-inf"``."""
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if value == 0:
        return 0.0
    return float(f"{value:.{digits}g}")


def to_jsonable(value: Any, digits: int = SIGNIFICANT_DIGITS) -> Any:
    """Convert ``value`` recursively to JSON-able Python values (dict keys become strings)."""
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v, digits) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return to_jsonable(value.tolist(), digits)
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v, digits) for v in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return round_float(float(value), digits)
    if value is None or isinstance(value, str):
        return value
    raise TypeError(f"Cannot store a metric of type {type(value).__name__}: {value!r}.")
