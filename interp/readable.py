"""Numbers as the report shows them: units read from metric names, long vectors summarised, checks in words.

Shared by the HTML page (:mod:`interp.gallery`) and the summary dashboard (:mod:`interp.plots.summary`), so
that both say the same thing the same way.

Rules (stated once, applied to every item):

- **Units from the key name.** A metric key is split at ``_``; the innermost key of the path that carries a unit
  word decides: ``ppm`` → ppm, ``hours`` → h, ``steps`` → steps, ``share`` / ``fraction`` / ``sparsity`` → a
  share in [0, 1], shown as a percentage. Other keys are shown as bare numbers.
- **Numbers** get 4 significant digits, integers and values of 10⁴ or more are shown whole (19050, not
  1.905e+04); stored ``"nan"`` / ``"inf"`` strings stay words.
- **Long vectors** (more than :data:`LONG` numbers, nested lists counted element-wise) are summarised as
  ``n``, min, median and max of their finite values (and how many are not finite); shorter ones are listed.
  Lists of words are listed in full.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from interp.verdict import fmt

LONG = 10
"""Vectors with more numbers than this are summarised (n, min, median, max) instead of listed."""

UNIT_WORDS: dict[str, str] = {"ppm": "ppm", "hours": "h", "steps": "steps"}
"""Key word → unit shown after the number."""

SHARE_WORDS = frozenset({"share", "fraction", "sparsity"})
"""Key words of a share in [0, 1], shown as a percentage."""

OP_SYMBOLS = {">": ">", ">=": "≥", "<": "<", "<=": "≤", "==": "=", "!=": "≠"}
"""A check's comparison as printed."""

HORIZON_NAMES = {"h1": "1 h", "h24": "24 h", "cross": "1 h vs 24 h"}
"""Horizon tag → words; an unknown tag is shown as itself."""

_HEALTHY = re.compile(r"healthy retrains (\S+?)–(\S+?)\)")


def horizon_name(tag: str) -> str:
    """``"h24"`` → ``"24 h"``, ``"cross"`` → ``"1 h vs 24 h"``."""
    return HORIZON_NAMES.get(tag, tag)


def unit_of(path: Sequence[str]) -> str:
    """The unit of the metric at ``path`` (keys, outermost first): ``"ppm"``, ``"h"``, ``"steps"``, ``"%"``, ``""``."""
    for key in reversed(path):
        words = set(str(key).lower().split("_"))
        for word, unit in UNIT_WORDS.items():
            if word in words:
                return unit
        if words & SHARE_WORDS:
            return "%"
    return ""


def number(value: Any, unit: str = "") -> str:
    """One value with its unit: ``"98.45 ppm"``, ``"50.17 %"`` (a share × 100), ``"12"``, ``"yes"``, ``"—"``."""
    text = _bare(value, unit)
    return f"{text} {unit}" if unit and _numeric(value) is not None and math.isfinite(float(value)) else text


def _bare(value: Any, unit: str) -> str:
    """``value`` without its unit (a share already × 100)."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        return value
    return digits(float(value) * 100.0 if unit == "%" else value)


def digits(value: float) -> str:
    """4 significant digits; whole numbers, and values of 10⁴ or more, without a fraction or an exponent."""
    if isinstance(value, int) or not math.isfinite(value) or not 1e4 <= abs(value) < 1e15:
        return fmt(value)
    return f"{value:.0f}"


def _numeric(value: Any) -> float | None:
    """A list element as a float (the stored words ``nan``/``inf``/``-inf`` included); None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if value in ("nan", "inf", "-inf"):
        return float(value)
    return None


def _flat(values: Sequence[Any]) -> Iterator[Any]:
    for value in values:
        if isinstance(value, list):
            yield from _flat(value)
        else:
            yield value


def vector(values: Sequence[Any], unit: str = "") -> str:
    """A list: listed when short (or not numeric), else ``"n 64 · min 0.1 · median 0.5 · max 2"`` (with unit)."""
    flat = list(_flat(values))
    floats = [_numeric(v) for v in flat]
    if len(flat) <= LONG or any(f is None for f in floats):
        return _listed(values, unit)
    data = np.array(floats, dtype=np.float64)
    finite = data[np.isfinite(data)]
    shape = _shape(values)
    parts = [f"n {shape[0]}" if len(shape) == 1 else "×".join(map(str, shape)) + " values"]
    if finite.size:
        parts += [
            f"{name} {number(float(stat), unit)}"
            for name, stat in (("min", finite.min()), ("median", np.median(finite)), ("max", finite.max()))
        ]
    if finite.size < data.size:
        parts.append(f"{data.size - finite.size} not finite")
    return " · ".join(parts)


def _shape(values: Sequence[Any]) -> list[int]:
    shape = [len(values)]
    if values and all(isinstance(v, list) for v in values) and len({len(v) for v in values}) == 1:
        shape += _shape(values[0])
    return shape


def _listed(values: Sequence[Any], unit: str) -> str:
    """``"[23.96, 11.98] h"``: every element without its unit, the unit once after the list."""

    def inner(items: Sequence[Any]) -> str:
        return "[" + ", ".join(inner(v) if isinstance(v, list) else _bare(v, unit) for v in items) + "]"

    numeric = any(_numeric(v) is not None for v in _flat(values))
    return f"{inner(values)} {unit}" if unit and numeric else inner(values)


def metric_rows(metrics: Mapping[str, Any], path: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """``(label, shown value)`` of every leaf of ``metrics``, nested keys joined with `` › ``, in key order."""
    rows: list[tuple[str, str]] = []
    for key in sorted(metrics, key=str):
        value, where = metrics[key], (*path, str(key))
        if isinstance(value, Mapping) and value:
            rows += metric_rows(value, where)
        elif isinstance(value, list):
            rows.append((" › ".join(where), vector(value, unit_of(where))))
        elif isinstance(value, Mapping):
            rows.append((" › ".join(where), "{}"))
        else:
            rows.append((" › ".join(where), number(value, unit_of(where))))
    return rows


def check_value(value: float | None) -> str:
    """A check's measured value or bound: 4 significant digits, ``"—"`` when there is none."""
    if value is None:
        return "—"
    return digits(value)


def bound(op: str, threshold: float | None) -> str:
    """``"≥ 0.8528"``: the comparison a check's value must pass; ``"—"`` when there is none."""
    if not op or threshold is None:
        return "—"
    return f"{OP_SYMBOLS.get(op, op)} {check_value(threshold)}"


def healthy_range(message: str) -> tuple[float, float] | None:
    """The healthy retrains' range a drift message quotes (``"… healthy retrains -0.01775–0.0658)"``), or None."""
    found = _HEALTHY.search(message)
    if found is None:
        return None
    try:
        low, high = float(found.group(1)), float(found.group(2))
    except ValueError:
        return None
    return (low, high) if math.isfinite(low) and math.isfinite(high) else None
