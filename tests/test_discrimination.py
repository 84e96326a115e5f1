"""The gate discriminates: healthy retrains it was not calibrated on pass tiers 1 and 2, regressions fail.

Each variant of the regression zoo (:mod:`interp.testing.zoo`) is built at both horizons — trained from the
baseline's recipe where it is a retrain — and run through every invariant and drift check of the catalog and
the cross-horizon invariants, exactly as ``pytest checks`` runs them. Slow (it trains eight models per run of the
whole module), and part of ``make test``.
"""

from __future__ import annotations

import pytest

from interp.gate.drift import Calibration
from interp.suite import BASELINES
from interp.testing import zoo

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def calibration() -> Calibration:
    found = Calibration.read(BASELINES)
    assert found is not None, "baselines/calibration.json is missing: run `make calibrate`"
    return found


@pytest.mark.parametrize("name", [v.name for v in zoo.VARIANTS])
def test_the_gate_passes_healthy_retrains_and_fails_regressions(name, calibration):
    variant = zoo.variant(name)
    studies = {hours: zoo.build(variant, hours, BASELINES) for hours in (1, 24)}
    outcomes = [o for hours in (1, 24) for o in zoo.gate_outcomes(studies[hours], BASELINES, calibration)]
    failed = zoo.failed_checks(outcomes + zoo.cross_outcomes(studies[1], studies[24]))
    if variant.healthy:
        assert not failed, f"healthy retrain '{variant.description}' fails {failed}"
    else:
        assert failed, f"regression '{variant.description}' passes the gate"
