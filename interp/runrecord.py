"""What one run of the gate found, in the shape the report is drawn from (pytest and ``interp study`` alike).

A :class:`RunReport` holds one :class:`ItemRecord` per plan item and horizon (its files in the results tree and
its metrics) and one :class:`~interp.gate.outcome.CheckOutcome` per check of every tier, plus the run's
provenance. :mod:`interp.report` writes it as ``study_results.json``, ``summary.png`` and ``index.html``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from interp.gate.outcome import STATUSES, TIERS, CheckOutcome

HORIZON_ORDER = ("h1", "h24", "cross")
"""Horizon tags in display order."""


@dataclass(frozen=True)
class ItemRecord:
    """One plan item at one horizon in a run.

    Attributes
    ----------
    horizon : str
        ``"h1"``, ``"h24"`` or ``"cross"`` (E8–E10).
    item, slug, title, folder : str
        The catalog item's plan id, file-name stem, one-line title and results folder.
    figure : str or None
        The PNG, relative to the tree (None when nothing was drawn).
    tables : tuple of str
        The item's CSV tables, relative to the tree.
    metrics : mapping
        The item's JSON-able metrics (:func:`interp.metrics.to_jsonable`).
    accepted_figure : str or None
        The accepted baseline model's figure of the same item, relative to the tree (under ``accepted/``):
        present when the model under test is not the accepted one, or when the exact image comparison failed.
    diff_figure : str or None
        The exact tier's difference image of a failed image comparison, relative to the tree (under ``exact/``).
    """

    horizon: str
    item: str
    slug: str
    title: str
    folder: str
    figure: str | None
    tables: tuple[str, ...] = ()
    metrics: Mapping[str, Any] = field(default_factory=dict)
    accepted_figure: str | None = None
    diff_figure: str | None = None

    @property
    def key(self) -> str:
        """``"h24-B4"``: horizon and plan id (an optional variant's id carries its slug, ``C1-cnn_embedding_tsne``)."""
        return f"{self.horizon}-{self.item}"


@dataclass(frozen=True)
class RunReport:
    """Everything one run found.

    Attributes
    ----------
    items : tuple of ItemRecord
        In catalog order, per horizon (h1, h24, then cross).
    outcomes : tuple of CheckOutcome
        Every check of every tier (invariant, drift, exact).
    provenance : mapping
        JSON-able facts: checkpoint files and sha256s, data source and fingerprint per horizon, library versions,
        git commit, the command line, whether the model under test is the accepted baseline.
    """

    items: tuple[ItemRecord, ...]
    outcomes: tuple[CheckOutcome, ...]
    provenance: Mapping[str, Any] = field(default_factory=dict)

    @property
    def status(self) -> str:
        """``"failed"`` when any check failed, else ``"passed"``."""
        return "failed" if any(o.status == "failed" for o in self.outcomes) else "passed"

    def checks_of(self, record: ItemRecord) -> tuple[CheckOutcome, ...]:
        """The outcomes of one item at its horizon, invariants first, then drift, then exact."""
        mine = [o for o in self.outcomes if o.horizon == record.horizon and o.item == record.item]
        return tuple(sorted(mine, key=lambda o: TIERS.index(o.tier)))

    def item_status(self, record: ItemRecord) -> str:
        """The item's worst status: failed, else passed, else skipped; ``"drawn"`` when no check ran on it (it
        declares none, or only the exact tier's, which skips for a model that is not the accepted one)."""
        statuses = {
            o.status for o in self.checks_of(record) if not (o.tier == "exact" and o.status == "skipped")
        }
        for status in ("failed", "passed", "skipped"):
            if status in statuses:
                return status
        return "drawn"

    def counts(self) -> dict[str, dict[str, int]]:
        """``{tier: {status: n}}`` over every check, every tier and status present (zeros included)."""
        return {
            tier: {
                status: sum(o.tier == tier and o.status == status for o in self.outcomes)
                for status in STATUSES
            }
            for tier in TIERS
        }

    def failed(self) -> tuple[CheckOutcome, ...]:
        """The failed checks, invariants first, then drift, then exact; by horizon and item within a tier."""
        bad = [o for o in self.outcomes if o.status == "failed"]
        return tuple(sorted(bad, key=lambda o: (TIERS.index(o.tier), HORIZON_ORDER.index(o.horizon), o.item)))
