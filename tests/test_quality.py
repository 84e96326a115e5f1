"""Unit and property tests of the Section E (E1–E7) pure functions: correlation, pooling, ablation, errors."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import torch
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import stats
from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score
from torch import nn

from interp.analyses.ablation import (
    CONV1_HALF,
    CONV2_HALF,
    INTACT,
    last_step_errors,
    layer_ablation,
    random_halves,
)
from interp.analyses.flow import maxpool_selection_counts, pearson_columns
from interp.analyses.quality import (
    LastStepPredictions,
    calibration_fit,
    regime_errors,
    regression_metrics,
    residual_statistics,
)
from interp.hooks import ModelState
from interp.models import CNNLSTMForecaster

finite = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)


@st.composite
def truth_and_prediction(draw):
    """``(N, H)`` truth and prediction arrays of the same shape, finite values in ±1000."""
    truth = draw(hnp.arrays(np.float64, st.tuples(st.integers(3, 40), st.integers(1, 5)), elements=finite))
    return truth, draw(hnp.arrays(np.float64, truth.shape, elements=finite))


@settings(max_examples=50, deadline=None)
@given(truth_and_prediction())
@example((np.array([[3.28091829e-162], [0.0], [0.0]]), np.ones((3, 1))))  # found by hypothesis: R² was −inf
def test_regression_metrics_match_sklearn(arrays):
    truth, pred = arrays
    m = regression_metrics(truth, pred)
    np.testing.assert_allclose(
        m.rmse_ppm**2, mean_squared_error(truth, pred, multioutput="raw_values"), rtol=1e-9, atol=1e-9
    )
    np.testing.assert_allclose(
        m.mae_ppm, mean_absolute_error(truth, pred, multioutput="raw_values"), rtol=1e-9, atol=1e-9
    )
    varying = np.var(truth, axis=0) > 1e-3
    if varying.any():
        expected = r2_score(truth[:, varying], pred[:, varying], multioutput="raw_values")
        np.testing.assert_allclose(m.r2[varying], expected, rtol=1e-6, atol=1e-9)
    assert np.isnan(m.r2[np.ptp(truth, axis=0) == 0]).all()
    assert not np.isinf(m.r2).any()
    np.testing.assert_equal(m.r2_last, m.r2[-1])
    assert m.rmse_mean == pytest.approx(m.rmse_ppm.mean())


def test_r2_is_nan_for_a_truth_constant_up_to_rounding():
    truth = np.array([[1.0], [1.0], [1.0 + 2**-52]])  # one ulp apart: SS_tot is rounding noise
    assert np.isnan(regression_metrics(truth, np.array([[1e3], [-1e3], [1.0]])).r2).all()


def test_calibration_fit_recovers_a_line_and_handles_a_constant_truth():
    truth = np.array([400.0, 600.0, 900.0, 1300.0])
    fit = calibration_fit(truth, 0.5 * truth + 300.0)
    assert (fit.slope, fit.intercept_ppm, fit.pearson_r) == pytest.approx((0.5, 300.0, 1.0))
    flat = calibration_fit(np.full(4, 800.0), truth)
    assert (flat.slope, flat.pearson_r) == (0.0, 0.0)


def _series(truth, pred, regimes=None, bounds=(800.0, 1200.0)) -> LastStepPredictions:
    truth = np.asarray(truth, dtype=np.float64)
    if regimes is None:
        regimes = np.digitize(truth, bounds).astype(np.int8)
    return LastStepPredictions(
        t_target=np.arange(len(truth)).astype("datetime64[h]").astype("datetime64[ns]"),
        truth_ppm=truth,
        pred_ppm=np.asarray(pred, dtype=np.float64),
        regimes=np.asarray(regimes, dtype=np.int8),
        regime_bounds=np.asarray(bounds),
        horizon_hours=1.0,
    )


def test_residual_statistics_match_scipy():
    rng = np.random.default_rng(0)
    truth = rng.uniform(400, 1500, 500)
    res = _series(truth, truth - rng.normal(5.0, 20.0, 500))
    r = residual_statistics(res)
    assert r.mean_ppm == pytest.approx(5.0, abs=2.0) and r.std_ppm == pytest.approx(20.0, rel=0.1)
    assert r.skewness == pytest.approx(stats.skew(res.residual_ppm))
    assert r.qq_r > 0.99 and np.all(np.diff(r.qq_ordered) >= 0)
    assert abs(r.lag1_autocorrelation) < 0.15
    alternating = residual_statistics(_series(np.zeros(50), (-1.0) ** np.arange(50)))
    assert alternating.lag1_autocorrelation < -0.9


def test_regime_errors_by_hand():
    result = regime_errors(_series([500, 700, 900, 1300], [520, 700, 880, 1200]))
    assert result.counts.tolist() == [2, 1, 1]
    np.testing.assert_allclose(result.rmse_ppm, [np.sqrt(200), 20, 100])
    np.testing.assert_allclose(result.mae_ppm, [10, 20, 100])
    np.testing.assert_allclose(result.bias_ppm, [-10, 20, 100])
    assert result.mislabelled == 0


def test_regime_errors_with_an_empty_regime_give_nan_and_still_pass():
    result = regime_errors(_series([500, 700], [500, 690]))
    assert result.counts.tolist() == [2, 0, 0] and np.isnan(result.rmse_ppm[1:]).all()


def test_regime_errors_count_invalid_and_wrong_labels():
    assert regime_errors(_series([500, 900, 1300], [0, 0, 0], regimes=[0, 1, -1])).counts.sum() == 2
    assert regime_errors(_series([500, 900, 1300], [0, 0, 0], regimes=[0, 2, 2])).mislabelled == 1
    # within float32 round-trip distance of a bound either label is accepted
    assert regime_errors(_series([799.999, 900, 1300], [0, 0, 0], regimes=[1, 1, 2])).mislabelled == 0


@settings(max_examples=40, deadline=None)
@given(st.integers(5, 30), st.integers(2, 5), st.integers(1, 3), st.data())
def test_pearson_columns_match_corrcoef_and_zero_constant_columns(n, p, q, data):
    a = data.draw(hnp.arrays(np.float64, (n, p), elements=finite))
    b = data.draw(hnp.arrays(np.float64, (n, q), elements=finite))
    a[:, 0] = 7.0  # always one constant column
    r, a_constant, _ = pearson_columns(a, b)
    assert a_constant[0] and (r[0] == 0).all()
    assert np.all(np.abs(r) <= 1 + 1e-9)
    for i in range(p):
        for j in range(q):
            if np.std(a[:, i]) > 1e-6 and np.std(b[:, j]) > 1e-6:
                assert r[i, j] == pytest.approx(np.corrcoef(a[:, i], b[:, j])[0, 1], abs=1e-6)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 5), st.integers(1, 4), st.integers(1, 8), st.integers(0, 2**16), st.booleans())
def test_maxpool_counts_of_a_real_pool(n, c, half, seed, relu):
    x = torch.randn(n, c, 2 * half, generator=torch.Generator().manual_seed(seed))
    if relu:
        x = torch.relu(x)  # exact zeros: ties
    _, idx = nn.MaxPool1d(2, return_indices=True)(x)
    result = maxpool_selection_counts(idx.numpy(), x.numpy())
    assert result.outside_window == 0
    assert result.counts.sum() == n * c * half == result.expected_total
    tied = (x[..., 0::2] == x[..., 1::2]).numpy().sum(axis=(0, 1))
    np.testing.assert_array_equal(result.ties, tied)
    np.testing.assert_array_equal(result.first + result.second + result.ties, n * c)
    assert result.decided_counts.sum() + result.ties.sum() == result.counts.sum()


def test_maxpool_ties_are_counted_apart_from_the_positions():
    """Two pairs of equal zeros, one pair won by its second step, one by its first: the histogram and the
    second-step share see only the two decided pairs; the ties are counted per pair."""
    x = torch.tensor([[[0.0, 0.0, 1.0, 2.0, 3.0, 1.0, 0.0, 0.0]]])
    _, idx = nn.MaxPool1d(2, return_indices=True)(x)
    result = maxpool_selection_counts(idx.numpy(), x.numpy(), step_hours=0.5)
    np.testing.assert_array_equal(result.decided_counts, [0, 0, 0, 1, 1, 0, 0, 0])
    np.testing.assert_array_equal(result.ties, [1, 0, 0, 1])
    np.testing.assert_array_equal(result.counts, [1, 0, 0, 1, 1, 0, 1, 0])
    assert result.second_share == 0.5 and result.tie_share == 0.5
    np.testing.assert_allclose(result.hours_before_last, np.arange(-7, 1) * 0.5)


def test_maxpool_selection_fails_for_overlapping_windows():
    x = torch.randn(3, 2, 8, generator=torch.Generator().manual_seed(0))
    _, idx = nn.MaxPool1d(2, stride=1, return_indices=True)(x)
    result = maxpool_selection_counts(idx.numpy(), x.numpy())
    assert result.outside_window > 0 or result.counts.sum() != result.expected_total


def test_last_step_errors_by_hand():
    assert last_step_errors(np.array([[0.0, 1.0], [0.0, 3.0]]), np.array([[9.0, 4.0], [9.0, 3.0]])) == (
        pytest.approx(np.sqrt(4.5)),
        pytest.approx(1.5),
    )


def test_random_halves_are_seeded_halves():
    halves = random_halves(32, 4, seed=0)
    assert [h.size for h in halves] == [16] * 4 and all(np.array_equal(h, np.unique(h)) for h in halves)
    assert all(np.array_equal(a, b) for a, b in zip(halves, random_halves(32, 4, seed=0), strict=True))
    assert not all(np.array_equal(halves[0], h) for h in halves[1:])


def _tiny_study(model, x, pred_ppm):
    from interp.passes import capture

    study = SimpleNamespace(
        model=model,
        dataset=SimpleNamespace(test=SimpleNamespace(x=x), to_ppm=lambda y: np.asarray(y) * 100.0 + 800.0),
        targets_ppm=pred_ppm,
        predictions_ppm=pred_ppm,
        comparison=None,
        config=SimpleNamespace(seed=0),
        _cache={},
    )
    study.capture = capture(model, x)
    return study


def test_layer_ablation_keeps_the_operating_point_and_leaves_the_model_unchanged():
    """Half-ablated forecasts are not constant (the other half still carries the input), the whole-block
    ablation is (input removed), and the model under study is untouched."""
    torch.manual_seed(0)
    model = CNNLSTMForecaster(3, 2).eval()
    x = torch.randn(64, 8, 3)
    with torch.no_grad():
        pred = model(x).numpy() * 100.0 + 800.0  # the intact model is perfect on these targets
    before = ModelState.of(model)
    result = layer_ablation(_tiny_study(model, x, pred))
    assert before.differences(model) == []
    assert result.configurations == (INTACT, CONV1_HALF, CONV2_HALF) and not result.has_comparison
    assert result.rmse(INTACT) == 0 and result.rmse(CONV1_HALF) > 0 and result.rmse(CONV2_HALF) > 0
    assert (result.prediction_std_ppm > 0).all()
    assert (result.rmse_range_ppm[:, 0] <= result.rmse_ppm).all() and (
        result.rmse_ppm <= result.rmse_range_ppm[:, 1]
    ).all()
    assert result.input_removed_rmse_ppm >= float(np.std(pred[:, -1]))  # a constant forecast: RMSE ≥ spread
