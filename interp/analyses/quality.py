"""E4–E7: prediction quality — overlay, scatter with R², residual analysis, error by CO2 regime.

Everything is in ppm and read from the study's capture (``study.predictions_ppm``, ``study.targets_ppm``);
nothing here runs the model. E4–E7 look at the last horizon step (t + H), the attribution target; the
metrics of :func:`prediction_metrics` are given for every horizon step as well, for the cross-horizon table
(E8). Residuals are truth − prediction (positive: the model under-predicts).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from interp.config import REGIME_NAMES
from interp.study import Study, cached

CONSTANT_TRUTH_RTOL = 1e-9
"""R² is NaN for a truth column whose standard deviation is ≤ 1e-9 × the column's largest |truth| or |prediction|
(float64 rounding is ~1e-16 relative; a real CO2 series varies by far more than 1e-9 of its level)."""

REGIME_BOUND_TOLERANCE_PPM = 0.01
"""E7: a window's regime may disagree with its target only this close to a bound (float32 round trip)."""


@dataclass(frozen=True)
class QualityMetrics:
    """Forecast errors per horizon step, in ppm (E4, E5; imported by the cross-horizon table E8).

    Attributes
    ----------
    rmse_ppm, mae_ppm : (H,) float64
        Root-mean-square and mean absolute error per horizon step over the N evaluation windows, ppm.
    r2 : (H,) float64
        Coefficient of determination ``1 - SS_res / SS_tot`` per step (NaN where the target is constant, see
        :func:`regression_metrics`).
    n_windows : int
        N.
    """

    rmse_ppm: np.ndarray
    mae_ppm: np.ndarray
    r2: np.ndarray
    n_windows: int

    @property
    def rmse_last(self) -> float:
        """RMSE at the last horizon step, ppm."""
        return float(self.rmse_ppm[-1])

    @property
    def mae_last(self) -> float:
        """MAE at the last horizon step, ppm."""
        return float(self.mae_ppm[-1])

    @property
    def r2_last(self) -> float:
        """R² at the last horizon step."""
        return float(self.r2[-1])

    @property
    def rmse_mean(self) -> float:
        """Per-step RMSE averaged over the horizon steps, ppm."""
        return float(self.rmse_ppm.mean())

    @property
    def mae_mean(self) -> float:
        """Per-step MAE averaged over the horizon steps, ppm."""
        return float(self.mae_ppm.mean())

    @property
    def r2_mean(self) -> float:
        """Per-step R² averaged over the horizon steps."""
        return float(self.r2.mean())

    def summary(self) -> dict[str, float]:
        """The six headline numbers: RMSE, MAE (ppm) and R² at the last step and averaged over steps."""
        return {
            "rmse_ppm_last": self.rmse_last,
            "mae_ppm_last": self.mae_last,
            "r2_last": self.r2_last,
            "rmse_ppm_mean": self.rmse_mean,
            "mae_ppm_mean": self.mae_mean,
            "r2_mean": self.r2_mean,
        }


def regression_metrics(truth: np.ndarray, pred: np.ndarray) -> QualityMetrics:
    """RMSE, MAE and R² per column of ``(N, H)`` targets and predictions (same units, ppm here).

    R² is computed in float64 on values divided by the column's largest ``|truth|`` or ``|prediction|``, so no
    square under- or overflows. It is NaN where the truth is constant — its standard deviation is at most
    :data:`CONSTANT_TRUTH_RTOL` of that scale, where SS_tot is rounding noise and ``SS_res / SS_tot`` would be
    meaningless or overflow — and where a value is not finite; it is never ±inf.
    """
    truth = np.asarray(truth, dtype=np.float64)
    pred = np.asarray(pred, dtype=np.float64)
    err = pred - truth
    scale = np.maximum(np.max(np.abs(truth), axis=0), np.max(np.abs(pred), axis=0))
    scale = np.where(np.isfinite(scale) & (scale > 0), scale, 1.0)
    unit_truth, unit_err = truth / scale, err / scale
    ss_res = (unit_err**2).sum(axis=0)
    ss_tot = ((unit_truth - unit_truth.mean(axis=0)) ** 2).sum(axis=0)
    varying = np.isfinite(ss_res) & np.isfinite(ss_tot) & (ss_tot > truth.shape[0] * CONSTANT_TRUTH_RTOL**2)
    ratio = np.full(ss_tot.shape, np.nan)
    np.divide(ss_res, ss_tot, out=ratio, where=varying)
    return QualityMetrics(
        rmse_ppm=np.sqrt((err**2).mean(axis=0)),
        mae_ppm=np.abs(err).mean(axis=0),
        r2=1.0 - ratio,
        n_windows=truth.shape[0],
    )


@cached
def prediction_metrics(study: Study) -> QualityMetrics:
    """RMSE, MAE and R² in ppm per horizon step on the evaluation set (E4, E5, E8)."""
    return regression_metrics(study.targets_ppm, study.predictions_ppm)


@dataclass(frozen=True)
class LastStepPredictions:
    """E4–E7: truth and prediction at the last horizon step of each evaluation window, in time order.

    Attributes
    ----------
    t_target : (N,) datetime64[ns]
        Timestamp of each window's last horizon step.
    truth_ppm, pred_ppm : (N,) float64
        True and predicted CO2, ppm.
    regimes : (N,) int8
        CO2 regime of each window (0 Low, 1 Medium, 2 High).
    regime_bounds : (2,) float64
        ppm bounds Low < b0 ≤ Medium < b1 ≤ High.
    horizon_hours : float
    """

    t_target: np.ndarray
    truth_ppm: np.ndarray
    pred_ppm: np.ndarray
    regimes: np.ndarray
    regime_bounds: np.ndarray
    horizon_hours: float

    @property
    def residual_ppm(self) -> np.ndarray:
        """``(N,)`` truth − prediction, ppm."""
        return self.truth_ppm - self.pred_ppm


@cached
def last_step_predictions(study: Study) -> LastStepPredictions:
    """E4: the evaluation set's truth and prediction at t + H, ppm, with timestamps and regimes."""
    return LastStepPredictions(
        t_target=np.asarray(study.dataset.test.t_target),
        truth_ppm=study.targets_ppm[:, -1],
        pred_ppm=study.predictions_ppm[:, -1],
        regimes=np.asarray(study.dataset.test_regimes),
        regime_bounds=np.asarray(study.dataset.regime_bounds, dtype=np.float64),
        horizon_hours=float(study.horizon_hours),
    )


@dataclass(frozen=True)
class CalibrationFit:
    """E5: least-squares line ``pred = slope · truth + intercept`` and the Pearson r of the scatter.

    A calibrated forecast has slope 1 and intercept 0; slope < 1 means it regresses to the mean.
    """

    slope: float
    intercept_ppm: float
    pearson_r: float


def calibration_fit(truth: np.ndarray, pred: np.ndarray) -> CalibrationFit:
    """Fit ``pred ≈ slope · truth + intercept`` for ``(N,)`` arrays (slope 0 and r 0 for a constant truth; all
    NaN when a value is NaN or ±inf)."""
    truth = np.asarray(truth, dtype=np.float64)
    pred = np.asarray(pred, dtype=np.float64)
    if not (np.all(np.isfinite(truth)) and np.all(np.isfinite(pred))):
        return CalibrationFit(slope=float("nan"), intercept_ppm=float("nan"), pearson_r=float("nan"))
    tc, pc = truth - truth.mean(), pred - pred.mean()
    sxx, syy = float(tc @ tc), float(pc @ pc)
    slope = float(tc @ pc) / sxx if sxx > 0 else 0.0
    r = float(tc @ pc) / np.sqrt(sxx * syy) if sxx > 0 and syy > 0 else 0.0
    return CalibrationFit(slope=slope, intercept_ppm=float(pred.mean() - slope * truth.mean()), pearson_r=r)


@cached
def prediction_calibration(study: Study) -> CalibrationFit:
    """E5: calibration line of the last-step predictions against the truth."""
    series = last_step_predictions(study)
    return calibration_fit(series.truth_ppm, series.pred_ppm)


@dataclass(frozen=True)
class Residuals:
    """E6: residuals (truth − prediction, ppm) at the last horizon step and their normal Q-Q plot.

    Attributes
    ----------
    series : LastStepPredictions
        What the residuals are of (time, truth, prediction).
    qq_theoretical, qq_ordered : (N,) float64
        Normal quantiles and the sorted residuals (``scipy.stats.probplot``).
    qq_slope, qq_intercept, qq_r : float
        Least-squares line through the Q-Q points and its correlation (1 for normal residuals).
    mean_ppm, std_ppm, skewness, excess_kurtosis, lag1_autocorrelation : float
        Moments of the residuals; lag-1 autocorrelation in time order (0 for independent errors).
    """

    series: LastStepPredictions
    qq_theoretical: np.ndarray
    qq_ordered: np.ndarray
    qq_slope: float
    qq_intercept: float
    qq_r: float
    mean_ppm: float
    std_ppm: float
    skewness: float
    excess_kurtosis: float
    lag1_autocorrelation: float


def residual_statistics(series: LastStepPredictions) -> Residuals:
    """Q-Q points, moments and lag-1 autocorrelation of ``series.residual_ppm`` (at least 3 windows)."""
    res = series.residual_ppm
    (osm, osr), (slope, intercept, r) = stats.probplot(res, dist="norm")
    centred = res - res.mean()
    denom = float(centred @ centred)
    lag1 = float(centred[:-1] @ centred[1:]) / denom if denom > 0 else 0.0
    constant = denom == 0
    return Residuals(
        series=series,
        qq_theoretical=np.asarray(osm, dtype=np.float64),
        qq_ordered=np.asarray(osr, dtype=np.float64),
        qq_slope=float(slope),
        qq_intercept=float(intercept),
        qq_r=float(r),
        mean_ppm=float(res.mean()),
        std_ppm=float(res.std()),
        skewness=0.0 if constant else float(stats.skew(res)),
        excess_kurtosis=0.0 if constant else float(stats.kurtosis(res)),
        lag1_autocorrelation=lag1,
    )


@cached
def residual_analysis(study: Study) -> Residuals:
    """E6: residual moments, normal Q-Q points and autocorrelation at the last horizon step."""
    return residual_statistics(last_step_predictions(study))


@dataclass(frozen=True)
class RegimeErrors:
    """E7: forecast error at the last horizon step per CO2 regime (Low, Medium, High).

    Attributes
    ----------
    names : tuple of str
        Regime names, length 3.
    counts : (3,) int64
        Windows per regime; they sum to N when every window has a valid regime.
    rmse_ppm, mae_ppm, bias_ppm : (3,) float64
        RMSE, MAE and mean residual (truth − prediction) per regime, ppm; NaN for an empty regime.
    regime_bounds : (2,) float64
        ppm bounds Low < b0 ≤ Medium < b1 ≤ High.
    n_windows : int
        N.
    mislabelled : int
        Windows whose regime disagrees with their target ppm and the bounds (away from a bound).
    """

    names: tuple[str, ...]
    counts: np.ndarray
    rmse_ppm: np.ndarray
    mae_ppm: np.ndarray
    bias_ppm: np.ndarray
    regime_bounds: np.ndarray
    n_windows: int
    mislabelled: int


def regime_errors(series: LastStepPredictions) -> RegimeErrors:
    """Per-regime counts, RMSE, MAE and bias of ``series`` (regimes 0, 1, 2; other labels are not counted)."""
    res = series.residual_ppm
    masks = [series.regimes == k for k in range(len(REGIME_NAMES))]
    counts = np.array([m.sum() for m in masks], dtype=np.int64)

    def per_regime(values: np.ndarray) -> np.ndarray:
        return np.array([values[m].mean() if m.any() else np.nan for m in masks])

    expected = np.digitize(series.truth_ppm, series.regime_bounds)
    near_bound = np.abs(series.truth_ppm[:, None] - series.regime_bounds[None, :]).min(axis=1)
    wrong = (expected != series.regimes) & (near_bound > REGIME_BOUND_TOLERANCE_PPM)
    return RegimeErrors(
        names=REGIME_NAMES,
        counts=counts,
        rmse_ppm=np.sqrt(per_regime(res**2)),
        mae_ppm=per_regime(np.abs(res)),
        bias_ppm=per_regime(res),
        regime_bounds=series.regime_bounds,
        n_windows=res.shape[0],
        mislabelled=int(wrong.sum()),
    )


@cached
def error_by_regime(study: Study) -> RegimeErrors:
    """E7: RMSE, MAE, bias and counts per CO2 regime at the last horizon step."""
    return regime_errors(last_step_predictions(study))
