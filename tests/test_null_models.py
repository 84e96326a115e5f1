"""Null-model discipline (DESIGN §6): every invariant's kind is proven on models that learned nothing.

- a *learned* invariant fails on every null model: 5 random initialisations and 5 within-tensor permutations of
  the trained weights (:data:`interp.nulls.META_SEEDS`, disjoint from the seeds the gate compares against);
- a *structural* or *sanity* invariant holds on the random initialisations (it does not depend on training).

The null models are built from the suite's reference checkpoints at both horizons.
"""

from __future__ import annotations

import pytest

from interp import catalog
from interp.gate.outcome import run_invariant
from interp.nulls import META_SEEDS, NULL_KINDS, null_study

PER_HORIZON = [(item, inv) for item in catalog.items() for inv in item.invariants]
CROSS = [(item, inv) for item in catalog.cross_items() for inv in item.invariants]


def _nulls(reference, kind: str):
    return [(seed, null_study(reference, NULL_KINDS[kind](reference.model, seed))) for seed in META_SEEDS]


@pytest.mark.parametrize("kind", sorted(NULL_KINDS))
@pytest.mark.parametrize("hours", [1, 24], ids=["h1", "h24"])
def test_learned_invariants_fail_on_every_null_model(reference_study, hours, kind):
    learned = [(item, inv) for item, inv in PER_HORIZON if inv.kind == "learned"]
    assert learned, "the catalog declares no learned invariant"
    passed = [
        f"seed {seed} {item.id} {inv.name}: {outcome.message}"
        for seed, null in _nulls(reference_study(hours), kind)
        for item, inv in learned
        if (outcome := run_invariant(inv, item.id, null)).status != "failed"
    ]
    assert not passed, f"learned invariants not failing on {kind} nulls: {passed}"


@pytest.mark.parametrize("kind", sorted(NULL_KINDS))
def test_learned_cross_horizon_invariants_fail_on_null_pairs(reference_study, kind):
    pairs = zip(_nulls(reference_study(1), kind), _nulls(reference_study(24), kind), strict=True)
    passed = [
        f"seed {seed} {item.id} {inv.name}: {outcome.message}"
        for (seed, n1), (_, n24) in pairs
        for item, inv in CROSS
        if inv.kind == "learned" and (outcome := run_invariant(inv, item.id, n1, n24)).status != "failed"
    ]
    assert not passed, f"learned cross-horizon invariants not failing on {kind} nulls: {passed}"


@pytest.mark.parametrize("hours", [1, 24], ids=["h1", "h24"])
def test_structural_and_sanity_invariants_hold_on_random_initialisations(reference_study, hours):
    failed = [
        f"seed {seed} {item.id} {inv.name}: {outcome.message}"
        for seed, null in _nulls(reference_study(hours), "random-init")
        for item, inv in PER_HORIZON
        if inv.kind != "learned" and (outcome := run_invariant(inv, item.id, null)).status == "failed"
    ]
    assert not failed, f"invariants declared independent of training fail on random initialisations: {failed}"


def test_every_invariant_kind_is_covered():
    kinds = {inv.kind for _, inv in (*PER_HORIZON, *CROSS)}
    assert kinds <= set(catalog.INVARIANT_KINDS) and "learned" in kinds
