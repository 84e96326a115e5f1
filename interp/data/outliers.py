"""Values implausibly far from the rest of their column: warned about, never dropped or changed.

The rule, per column: the spread is the width of the central 98 % of the values, ``q99 − q1`` (the 1st and 99th
percentiles); a value more than ``FAR_SPREADS`` spreads below ``q1`` or above ``q99`` is implausible. Over the
embedded room (seeds 0–11, 2–300 days) and the three UCI Occupancy files the farthest value lies 3.2 spreads
beyond that range (CO2 of a crowded afternoon; UCI light on a sunny one reaches 1.8), so 20 spreads leaves a
sixfold margin, while a saturated 16-bit reading (65 535) lies 35 spreads or more away and a sensor's 1e9
millions. The rule holds while fewer than 1 % of a column's values are faulty on either side (more would move
q1 or q99); a column whose q1 and q99 coincide (a flag that is almost always 0) has no spread and is not
judged. Independently, CO2 outside 0–100 000 ppm (10 % of the air) is physically impossible in a room, so such
a target value is implausible whatever the spread.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd

from interp.errors import DataWarning

FAR_SPREADS = 20.0
"""How many spreads (``q99 − q1``) beyond the 1st or 99th percentile make a value implausible."""

CO2_PPM_RANGE: tuple[float, float] = (0.0, 100_000.0)
"""Physically possible CO2 in ppm; the target column is CO2 in ppm."""


def implausible(values: np.ndarray) -> np.ndarray:
    """Which values lie more than ``FAR_SPREADS`` spreads beyond the column's 1st–99th percentile range.

    Parameters
    ----------
    values : np.ndarray
        ``(N,)`` finite float64, one column in its own unit.

    Returns
    -------
    np.ndarray
        ``(N,)`` bool; all False when the column has no spread (``q1 == q99``).
    """
    low, high = np.quantile(values, [0.01, 0.99])
    spread = high - low
    if spread <= 0:
        return np.zeros(len(values), dtype=bool)
    return (values < low - FAR_SPREADS * spread) | (values > high + FAR_SPREADS * spread)


def warn_implausible(
    where: str, frame: pd.DataFrame, target: str, *, line_of_row: Callable[[int], int]
) -> None:
    """Warn once per column that holds an implausible value, naming the column, the first such line and value.

    Parameters
    ----------
    where : str
        The file, for the message.
    frame : pandas.DataFrame
        The file's rows in file order, finite float64 columns.
    target : str
        The CO2 column (ppm), also held to :data:`CO2_PPM_RANGE`.
    line_of_row : callable
        File line of a 0-based row.

    Warns
    -----
    DataWarning
        One per column with implausible values.
    """
    for column in frame.columns:
        values = frame[column].to_numpy(dtype=np.float64)
        far = implausible(values)
        impossible = np.zeros_like(far)
        if column == target:
            low, high = CO2_PPM_RANGE
            impossible = (values < low) | (values > high)
        flagged = np.flatnonzero(far | impossible)
        if not len(flagged):
            continue
        row = int(flagged[0])
        if impossible[row]:
            why = f"outside the physically possible {CO2_PPM_RANGE[0]:,.0f} to {CO2_PPM_RANGE[1]:,.0f} ppm of CO2"
        else:
            q1, q99 = np.quantile(values, [0.01, 0.99])
            why = f"more than {FAR_SPREADS:g} spreads beyond the range of its central 98 % ({q1:.4g} to {q99:.4g})"
        others = f" ({len(flagged) - 1} more such values in the column)" if len(flagged) > 1 else ""
        warnings.warn(
            f"{where}: column {column!r} holds {values[row]:g} on line {line_of_row(row)}, {why}{others}. "
            "Check the sensor and correct or delete the line if the value is a fault.",
            DataWarning,
            stacklevel=3,
        )
