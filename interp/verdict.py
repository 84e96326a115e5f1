"""What one gate check measured: a value, the threshold it is held to, and which way is worse.

Every invariant (tier 1) and every drift check (tier 2) returns a :class:`Verdict`, so the terminal verdict,
``study_results.json`` and the report all say the same three things about a failure: which property, by how
much, and which way it moved.
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass

import numpy as np
from scipy import stats

OPS = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le, "==": operator.eq}
"""The comparisons a verdict may hold its value to."""

NULL_CONFIDENCE = 0.99
"""One-sided confidence of the prediction bounds drawn from null models and from the calibration ensemble."""


def fmt(value: float) -> str:
    """A number for a message: 4 significant digits, integers as integers, NaN/inf spelled out."""
    if isinstance(value, (int, np.integer)) or (math.isfinite(value) and float(value).is_integer()):
        return str(int(value)) if abs(value) < 1e15 else f"{value:.4g}"
    return f"{value:.4g}"


@dataclass(frozen=True)
class Verdict:
    """The outcome of one check: ``value op threshold`` must hold.

    Attributes
    ----------
    value : float
        What was measured (NaN fails every comparison).
    op : str
        One of :data:`OPS`: ``">"`` means the value must exceed ``threshold``.
    threshold : float
        The bound, itself a comparison where possible (a naive forecast, null models, healthy retrains).
    measure : str
        What ``value`` is, with its unit: ``"skill over the best naive forecast (1 − MSE/MSE_naive)"``.
    context : str
        Where the threshold comes from, e.g. ``"random-init nulls 0.51–0.60 (5 seeds)"``.
    fix : str
        What to do when the check fails.
    """

    value: float
    op: str
    threshold: float
    measure: str
    context: str = ""
    fix: str = ""

    def __post_init__(self) -> None:
        if self.op not in OPS:
            raise ValueError(f"Verdict op must be one of {', '.join(OPS)}. Found {self.op!r}.")

    @property
    def passed(self) -> bool:
        """Whether ``value op threshold`` holds (never for NaN)."""
        value, threshold = float(self.value), float(self.threshold)
        if math.isnan(value) or math.isnan(threshold):
            return False
        return bool(OPS[self.op](value, threshold))

    @property
    def direction(self) -> str:
        """Which way a failing value is off: ``"too low"``, ``"too high"``, ``"differs"``; ``""`` when passed."""
        if self.passed:
            return ""
        if math.isnan(float(self.value)):
            return "not finite"
        if self.op in (">", ">="):
            return "too low"
        if self.op in ("<", "<="):
            return "too high"
        return "differs"

    def describe(self) -> str:
        """``"<measure> = <value>; expected <op> <threshold> (<context>)"``, one line."""
        context = f" ({self.context})" if self.context else ""
        return f"{self.measure} = {fmt(self.value)}; expected {self.op} {fmt(self.threshold)}{context}"


def prediction_bound(
    values: np.ndarray | list[float], worse: str, confidence: float = NULL_CONFIDENCE, floor: float = 0.0
) -> float:
    """One-sided normal prediction bound for one more draw from the population of ``values``.

    ``mean ± t(confidence, n − 1) · s · √(1 + 1/n)``: a new draw from the same population falls beyond it with
    probability ``1 − confidence`` (Student-t prediction interval). ``worse="higher"`` gives the upper bound,
    ``"lower"`` the lower one. ``floor`` is the smallest spread ``s`` allowed: the resolution of the measure,
    so that identical values (a period fixed by the FFT grid) do not give a zero-width interval.

    Raises
    ------
    ValueError
        With fewer than 2 finite values.
    """
    data = np.asarray(values, dtype=np.float64)
    data = data[np.isfinite(data)]
    if data.size < 2:
        raise ValueError(f"A prediction bound needs at least 2 finite values. Found {data.size}.")
    n = data.size
    spread = max(float(np.std(data, ddof=1)), floor)
    half = float(stats.t.ppf(confidence, n - 1)) * spread * math.sqrt(1.0 + 1.0 / n)
    if worse == "higher":
        return float(np.mean(data) + half)
    if worse == "lower":
        return float(np.mean(data) - half)
    raise ValueError(f"worse must be 'higher' or 'lower'. Found {worse!r}.")


def span(values: np.ndarray | list[float]) -> str:
    """``"0.51–0.60"``: the range of some values, for a verdict's context."""
    data = np.asarray(values, dtype=np.float64)
    return f"{fmt(float(np.nanmin(data)))}–{fmt(float(np.nanmax(data)))}"
