"""Tiers 1 and 2 of the gate: one item per health invariant and per drift measure of every catalog item.

Ids name the horizon, the plan item and the property: ``test_invariant[h24-E5-skill-over-climatology]``,
``test_cross_invariant[cross-E8-error-grows-with-horizon]``, ``test_drift[h24-B2-importance-rank-correlation]``.
A failure says the value, the threshold and which way it is off; the run ends with the gate's verdict.
"""

from __future__ import annotations

from interp.gate.drift import run_drift
from interp.gate.outcome import run_invariant


def test_invariant(invariant_case, study, record_gate):
    item, invariant = invariant_case
    record_gate(run_invariant(invariant, item, study))


def test_cross_invariant(cross_invariant_case, studies, record_gate):
    item, invariant = cross_invariant_case
    record_gate(run_invariant(invariant, item, studies[1], studies[24]))


def test_drift(drift_case, study, suite, record_gate):
    item, drift = drift_case
    baseline = suite.baseline(int(study.horizon_hours))
    record_gate(run_drift(drift, item, study, baseline, suite.gate.calibration))
