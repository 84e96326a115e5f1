"""One residual convention in Sections D and E: truth − prediction, positive when the model under-predicts."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from interp.analyses import quality, temporal


def under_predicting_study(shortfall_ppm: float = 10.0, hours: int = 48) -> SimpleNamespace:
    """A hand-made study whose forecasts are ``shortfall_ppm`` below the truth in every window (H = 1)."""
    truth = np.linspace(450.0, 1400.0, hours)[:, None]
    t_target = pd.date_range("2025-01-01", periods=hours, freq="1h").to_numpy()
    return SimpleNamespace(
        dataset=SimpleNamespace(
            test=SimpleNamespace(t_target=t_target),
            test_regimes=np.digitize(truth[:, 0], (800.0, 1200.0)).astype(np.int8),
            regime_bounds=(800.0, 1200.0),
        ),
        horizon_hours=1.0,
        targets_ppm=truth,
        predictions_ppm=truth - shortfall_ppm,
        _cache={},
    )


def test_d_and_e_give_an_under_predicting_model_the_same_positive_residual():
    study = under_predicting_study(10.0)
    np.testing.assert_allclose(temporal.residuals_ppm(study), 10.0)
    np.testing.assert_allclose(quality.last_step_predictions(study).residual_ppm, 10.0)
    d6 = temporal.phase_aligned_error(study)
    np.testing.assert_allclose(d6.mean_ppm, 10.0)
    np.testing.assert_allclose([d6.q25_ppm, d6.q75_ppm], 10.0)
    assert quality.residual_analysis(study).mean_ppm == pytest.approx(10.0)
    np.testing.assert_allclose(quality.error_by_regime(study).bias_ppm, 10.0)
