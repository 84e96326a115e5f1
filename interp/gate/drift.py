"""Tier 2: drift of the model under test against the accepted baseline, within calibrated tolerances.

The baseline model is studied on the *same windows* as the model under test (the test split of the data
under test, in the baseline's own standardisation), so a drift value compares two models, never two data sets.
Each :class:`~interp.catalog.Drift` measure gives one number; its tolerance comes from
``baselines/calibration.json`` (:mod:`interp.gate.calibration`): how far healthy retrains move that number.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from interp.catalog import Drift, Item, not_applicable
from interp.errors import ConfigError
from interp.gate.manifest import sha256_of
from interp.gate.outcome import CheckOutcome, from_verdict
from interp.study import Study
from interp.verdict import Verdict, fmt

CALIBRATION = "calibration.json"


def measure_key(item_id: str, drift: Drift) -> str:
    """Key of a measure in the calibration file: ``"B2/importance-rank-correlation"``."""
    return f"{item_id}/{drift.name}"


@dataclass(frozen=True)
class Tolerance:
    """The calibrated bounds of one drift measure.

    Attributes
    ----------
    lower, upper : float or None
        The drift value must stay ≥ ``lower`` (when given) and ≤ ``upper`` (when given).
    values : tuple of float
        The healthy ensemble's drift values the bounds were derived from.
    """

    lower: float | None
    upper: float | None
    values: tuple[float, ...]


@dataclass(frozen=True)
class Calibration:
    """``baselines/calibration.json``: tolerances per horizon and measure, and what they were derived from."""

    tolerances: dict[str, dict[str, Tolerance]]
    baseline: dict[str, str]
    rule: str
    path: Path

    @classmethod
    def read(cls, folder: Path) -> Calibration | None:
        """The calibration in ``folder``; None when there is none.

        Raises
        ------
        ConfigError
            When the file exists but cannot be read.
        """
        path = folder / CALIBRATION
        if not path.is_file():
            return None
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            tolerances = {
                tag: {
                    key: Tolerance(
                        _number(entry.get("lower")),
                        _number(entry.get("upper")),
                        tuple(map(float, entry["values"])),
                    )
                    for key, entry in measures.items()
                }
                for tag, measures in raw["measures"].items()
            }
            return cls(tolerances, dict(raw["baseline"]), str(raw["rule"]), path)
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ConfigError(
                f"{path}: expected a drift calibration (measures, baseline, rule). Found an unreadable file "
                f"({type(exc).__name__}: {exc}). Run `make calibrate` to write it again."
            ) from None

    def tolerance(self, horizon: str, key: str) -> Tolerance | None:
        return self.tolerances.get(horizon, {}).get(key)

    def stale_for(self, baseline: Study) -> str:
        """Why these tolerances do not belong to ``baseline``'s checkpoint ("" when they do)."""
        if baseline.checkpoint is None:
            return ""
        name = baseline.checkpoint.path.name
        found = sha256_of(baseline.checkpoint.path)
        calibrated = self.baseline.get(name)
        if calibrated == found:
            return ""
        return (
            f"{self.path} was calibrated against another baseline ({name} sha256 {str(calibrated)[:12]}, now "
            f"{found[:12]}): tolerances belong to one baseline. Run `make calibrate` and commit the file."
        )


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def drift_verdict(drift: Drift, value: float, tolerance: Tolerance, detail: str) -> Verdict:
    """The verdict of one drift value against its calibrated bounds (the violated side, else the nearer one)."""
    what = f"{drift.what} ({'model − baseline' if drift.value is not None else 'model vs baseline'})"
    context = f"{detail}healthy retrains {fmt(min(tolerance.values))}–{fmt(max(tolerance.values))}"
    fix = (
        "The explanation moved further than healthy retrains move it: compare the two models' figures in the "
        "report; accept the retrain on purpose (`make accept`) if the change is wanted."
    )
    lower, upper = tolerance.lower, tolerance.upper
    if upper is None or (lower is not None and (np.isnan(value) or value < (lower + upper) / 2)):
        assert lower is not None
        return Verdict(value, ">=", lower, what, context, fix)
    return Verdict(value, "<=", upper, what, context, fix)


def run_drift(
    drift: Drift, item: Item | str, study: Study, baseline: Study | None, calibration: Calibration | None
) -> CheckOutcome:
    """One drift check of ``study`` against ``baseline`` (None: the model under test is the baseline).

    ``item`` is the catalog item (or its plan id); an item that does not apply to the data
    (:func:`interp.catalog.not_applicable`) gives a skipped outcome with the reason.
    """
    tag = study.tag
    item_id = item if isinstance(item, str) else item.id

    def outcome(status: str, message: str) -> CheckOutcome:
        return CheckOutcome(
            "drift", tag, item_id, drift.name, status, drift.worse, measure=drift.what, message=message
        )

    reason = None if isinstance(item, str) else not_applicable(item, study)
    if reason is not None:
        return outcome("skipped", reason)
    if baseline is None:
        return outcome("passed", "the model under test is the accepted baseline: no drift by definition")
    value, mine, theirs = drift.measure(study, baseline)
    if mine is not None and theirs is not None and np.isnan(mine) and np.isnan(theirs):
        return outcome("skipped", f"{drift.what} is not defined on this data for either model")
    tolerance = calibration.tolerance(tag, measure_key(item_id, drift)) if calibration is not None else None
    if tolerance is None:
        where = calibration.path if calibration is not None else CALIBRATION
        return outcome(
            "failed",
            f"no calibrated tolerance for {measure_key(item_id, drift)} at {tag} in {where}: the drift of this "
            f"model cannot be judged. Run `make calibrate` (it trains the healthy ensemble) and commit the file.",
        )
    stale = calibration.stale_for(baseline)
    if stale:
        return outcome("failed", stale)
    detail = f"model {fmt(mine)}, baseline {fmt(theirs)}; " if mine is not None and theirs is not None else ""
    return from_verdict(
        "drift", tag, item_id, drift.name, drift.worse, drift_verdict(drift, value, tolerance, detail)
    )
