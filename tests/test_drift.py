"""Every drift measure of the catalog computes on a model that is not the baseline, and the tier's mechanics.

The gate's own run (``pytest checks`` on the accepted model) short-circuits the drift tier, so this is where each
measure is exercised on the reference model against a perturbed copy of itself, on the same windows.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from interp import catalog
from interp.gate.calibration import tolerance
from interp.gate.drift import Calibration, Tolerance, drift_verdict, run_drift
from interp.testing.breakage import broken

DRIFTS = [(item, d) for item in catalog.items() for d in item.drift]


def nudged(model: torch.nn.Module) -> torch.nn.Module:
    """Every parameter moved by 5 % of its own spread (seeded): a different model, still a working one."""
    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for p in model.parameters():
            spread = p.std() if p.numel() > 1 else p.abs().reshape(())
            p.add_(0.05 * spread * torch.randn(p.shape, generator=generator))
    return model


@pytest.mark.parametrize("hours", [1, 24], ids=["h1", "h24"])
def test_every_drift_measure_is_finite_against_another_model(reference_study, hours):
    reference = reference_study(hours)
    other = broken(reference, nudged)
    values = {f"{item.id}/{d.name}": d.measure(other, reference) for item, d in DRIFTS}
    assert all(math.isfinite(v[0]) for v in values.values()), values
    identical = {f"{item.id}/{d.name}": d.measure(reference, reference)[0] for item, d in DRIFTS}
    for (item, d), value in zip(DRIFTS, identical.values(), strict=True):
        expected = 1.0 if d.similarity is not None else 0.0
        assert value == pytest.approx(expected, abs=1e-6), f"{item.id}/{d.name} of a model with itself"


def test_tolerance_rule_is_a_student_t_prediction_bound():
    values = [0.8, 0.9, 0.85, 0.95, 0.7]
    n, mean, s = 5, np.mean(values), np.std(values, ddof=1)
    from scipy import stats

    expected = mean - stats.t.ppf(0.99, n - 1) * s * math.sqrt(1 + 1 / n)
    assert tolerance(values, "lower", "linear", 0.0) == {"lower": pytest.approx(expected), "upper": None}
    both = tolerance(values, "both", "linear", 0.0)
    assert both["lower"] < expected and both["upper"] > max(values)
    assert (
        tolerance([0.5, 0.5, 0.5], "higher", "linear", 0.1)["upper"] > 0.5
    )  # the resolution floors the spread
    fisher = tolerance([0.95, 0.97, 0.96], "lower", "correlation", 0.0)["lower"]
    assert -1 < fisher < 0.95


def test_a_drift_value_beyond_its_bound_fails_and_says_which_way():
    drift = next(d for _, d in DRIFTS if d.worse == "lower")
    bounds = Tolerance(lower=0.5, upper=None, values=(0.6, 0.7))
    assert drift_verdict(drift, 0.4, bounds, "").direction == "too low"
    assert drift_verdict(drift, 0.6, bounds, "").passed
    two_sided = Tolerance(lower=-1.0, upper=1.0, values=(0.0,))
    assert drift_verdict(drift, 1.5, two_sided, "").direction == "too high"


def test_drift_without_calibration_or_with_a_stale_one_fails_with_the_fix(reference_study, tmp_path):
    reference = reference_study(24)
    other = broken(reference, nudged)
    item, drift = DRIFTS[0]
    missing = run_drift(drift, item.id, other, reference, None)
    assert missing.status == "failed" and "make calibrate" in missing.message
    stale = Calibration(
        {"h24": {f"{item.id}/{drift.name}": Tolerance(-1.0, 1.0, (0.0,))}},
        {"cnn_lstm_h24.pt": "0" * 64},
        "r",
        tmp_path,
    )
    outcome = run_drift(drift, item.id, other, reference, stale)
    assert outcome.status == "failed" and "another baseline" in outcome.message
    assert run_drift(drift, item.id, other, None, stale).status == "passed"  # the model is the baseline
