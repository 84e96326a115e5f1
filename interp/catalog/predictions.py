"""Section E, prediction-quality items (E4–E7), saved under ``predictions/``."""

from __future__ import annotations

from typing import Any

from interp.analyses import quality
from interp.catalog import SECTION_FOLDERS, Item
from interp.plots import quality as quality_plots
from interp.study import Study

FOLDER = SECTION_FOLDERS["E-predictions"]


def _e4_metrics(study: Study) -> dict[str, Any]:
    metrics = quality.prediction_metrics(study)
    return {
        **metrics.summary(),
        "rmse_ppm_per_step": metrics.rmse_ppm,
        "mae_ppm_per_step": metrics.mae_ppm,
        "r2_per_step": metrics.r2,
        "n_windows": metrics.n_windows,
    }


def _e5_metrics(study: Study) -> dict[str, Any]:
    fit = quality.prediction_calibration(study)
    return {
        "r2_last": quality.prediction_metrics(study).r2_last,
        "r2_floor": quality.r2_floor(study.horizon_hours, study.dataset.is_embedded),
        "pearson_r": fit.pearson_r,
        "slope": fit.slope,
        "intercept_ppm": fit.intercept_ppm,
    }


def _e5_invariants(study: Study) -> None:
    quality.check_quality_floor(
        quality.prediction_metrics(study), study.horizon_hours, study.dataset.is_embedded
    )


def _e6_metrics(study: Study) -> dict[str, Any]:
    r = quality.residual_analysis(study)
    return {
        "mean_ppm": r.mean_ppm,
        "std_ppm": r.std_ppm,
        "skewness": r.skewness,
        "excess_kurtosis": r.excess_kurtosis,
        "qq_r": r.qq_r,
        "lag1_autocorrelation": r.lag1_autocorrelation,
    }


def _e7_metrics(study: Study) -> dict[str, Any]:
    r = quality.error_by_regime(study)
    return {
        name: {
            "count": r.counts[k],
            "rmse_ppm": r.rmse_ppm[k],
            "mae_ppm": r.mae_ppm[k],
            "bias_ppm": r.bias_ppm[k],
        }
        for k, name in enumerate(r.names)
    }


ITEMS: tuple[Item, ...] = (
    Item(
        "E4",
        "predictions_overlay",
        FOLDER,
        "Predictions overlay: truth vs prediction at the last horizon step",
        draw=lambda s: quality_plots.predictions_overlay(
            quality.last_step_predictions(s), quality.prediction_metrics(s)
        ),
        metrics=_e4_metrics,
    ),
    Item(
        "E5",
        "prediction_scatter",
        FOLDER,
        "Prediction scatter with R²",
        draw=lambda s: quality_plots.prediction_scatter(
            quality.last_step_predictions(s), quality.prediction_metrics(s), quality.prediction_calibration(s)
        ),
        metrics=_e5_metrics,
        invariants=_e5_invariants,
    ),
    Item(
        "E6",
        "residual_analysis",
        FOLDER,
        "Residual analysis: vs prediction, histogram, Q-Q, over time",
        draw=lambda s: quality_plots.residual_panels(quality.residual_analysis(s)),
        metrics=_e6_metrics,
    ),
    Item(
        "E7",
        "error_by_regime",
        FOLDER,
        "Error by CO2 regime",
        draw=lambda s: quality_plots.regime_errors(quality.error_by_regime(s)),
        metrics=_e7_metrics,
        invariants=lambda s: quality.check_regime_errors(quality.error_by_regime(s)),
    ),
)
