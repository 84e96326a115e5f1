"""CO2 regimes: Low < 800 ppm ≤ Medium < 1200 ppm ≤ High (bounds configurable)."""

from __future__ import annotations

import numpy as np


def regime_of(ppm: np.ndarray, bounds: tuple[float, float] = (800.0, 1200.0)) -> np.ndarray:
    """Regime code of each value: 0 Low, 1 Medium, 2 High.

    Parameters
    ----------
    ppm : np.ndarray
        CO2 in ppm, any shape.
    bounds : tuple of float
        ``(low_medium, medium_high)`` in ppm; a value equal to a bound belongs to the upper regime.

    Returns
    -------
    np.ndarray
        int8 codes, same shape as ``ppm``.
    """
    low, high = bounds
    if not low < high:
        raise ValueError(f"Regime bounds must increase; got {bounds}.")
    return np.digitize(np.asarray(ppm, dtype=np.float64), [low, high], right=False).astype(np.int8)
