"""One record per gate check: what the terminal verdict, ``study_results.json`` and the report all show.

A check is identified as ``<horizon>-<item>-<name>`` (``h24-E5-skill-over-climatology``, ``cross-E8-…``), the same id
pytest shows in ``test_invariant[…]`` and ``test_drift[…]``.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

from interp.catalog import CrossItem, Invariant, Item, not_applicable
from interp.errors import InvariantSkipped
from interp.metrics import round_float
from interp.study import Study
from interp.verdict import Verdict, fmt

TIERS = ("invariant", "drift", "exact")
"""The gate's three tiers, in the order a reviewer reads them."""

STATUSES = ("failed", "passed", "skipped", "drawn")
"""``drawn``: an item that asserts nothing beyond its figure and metrics (informational)."""


@dataclass(frozen=True)
class CheckOutcome:
    """What one check found.

    Attributes
    ----------
    tier : str
        One of :data:`TIERS`.
    horizon : str
        ``"h1"``, ``"h24"`` or ``"cross"``.
    item : str
        Plan id (``"E5"``).
    name : str
        The invariant's or drift measure's name, ``"figure"`` or ``"metrics"`` for the exact tier.
    status : str
        One of :data:`STATUSES`.
    kind : str
        Invariant kind (learned, structural, sanity) or the drift's worse direction.
    value, threshold : float or None
        The measured value and its bound (None when skipped or not numeric).
    op : str
        The comparison that must hold (``">"``…), ``""`` when there is none.
    measure : str
        What the value is, with its unit.
    direction : str
        For a failure: ``"too low"``, ``"too high"``, ``"differs"``, ``"not finite"``.
    message : str
        One line for a person: the verdict, the skip reason, or the error.
    """

    tier: str
    horizon: str
    item: str
    name: str
    status: str
    kind: str = ""
    value: float | None = None
    threshold: float | None = None
    op: str = ""
    measure: str = ""
    direction: str = ""
    message: str = ""

    @property
    def id(self) -> str:
        return f"{self.horizon}-{self.item}-{self.name}"

    def line(self) -> str:
        """``"FAILED h24 E5 skill-over-climatology [invariant]: … = -0.1; expected > 0 (too low)"``."""
        return f"{self.status.upper()} {self.horizon} {self.item} {self.name} [{self.tier}]: {self.message}"

    def to_json(self) -> dict[str, Any]:
        """JSON-able, floats rounded like every stored metric."""
        out = dataclasses.asdict(self)
        for key in ("value", "threshold"):
            if isinstance(out[key], float):
                out[key] = round_float(out[key])
        out["id"] = self.id
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CheckOutcome:
        fields = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in fields}
        for key in ("value", "threshold"):
            if isinstance(values.get(key), str):
                values[key] = float(values[key])
        return cls(**values)


def from_verdict(tier: str, horizon: str, item: str, name: str, kind: str, verdict: Verdict) -> CheckOutcome:
    """The outcome of a check that produced ``verdict``."""
    direction = verdict.direction
    message = verdict.describe()
    if direction:
        message = f"{message} — {direction}" + (f". {verdict.fix}" if verdict.fix else "")
    value = float(verdict.value)
    return CheckOutcome(
        tier=tier,
        horizon=horizon,
        item=item,
        name=name,
        status="passed" if verdict.passed else "failed",
        kind=kind,
        value=value,
        threshold=float(verdict.threshold),
        op=verdict.op,
        measure=verdict.measure,
        direction=direction,
        message=message,
    )


def run_invariant(invariant: Invariant, item: Item | CrossItem | str, *studies: Study) -> CheckOutcome:
    """Run one invariant on one study (or the 1 h and 24 h pair of a cross item).

    ``item`` is the catalog item (or its plan id); an item that does not apply to the data
    (:func:`interp.catalog.not_applicable`) gives a skipped outcome with the reason.
    """
    horizon = studies[0].tag if len(studies) == 1 else "cross"
    item_id = item if isinstance(item, str) else item.id
    reason = None if isinstance(item, str) else not_applicable(item, *studies)
    try:
        if reason is not None:
            raise InvariantSkipped(reason)
        verdict = invariant.check(*studies)
    except InvariantSkipped as skipped:
        return CheckOutcome(
            "invariant", horizon, item_id, invariant.name, "skipped", invariant.kind, message=str(skipped)
        )
    return from_verdict("invariant", horizon, item_id, invariant.name, invariant.kind, verdict)


def summary_line(outcome: CheckOutcome) -> str:
    """The verdict line of a failed check: item, horizon, value against threshold, which way."""
    if outcome.value is None or outcome.threshold is None:
        return f"{outcome.horizon} {outcome.item} {outcome.name} [{outcome.tier}]: {outcome.message}"
    value = "nan" if math.isnan(outcome.value) else fmt(outcome.value)
    return (
        f"{outcome.horizon} {outcome.item} {outcome.name} [{outcome.tier}, {outcome.kind}]: "
        f"{value} {outcome.direction or 'ok'}, expected {outcome.op} {fmt(outcome.threshold)} — {outcome.measure}"
    )
