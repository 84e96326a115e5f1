"""Section E, prediction-quality items (E4–E7), saved under ``predictions/``."""

from __future__ import annotations

from typing import Any

import numpy as np

from interp import nulls
from interp.analyses import quality, similarity, skill
from interp.catalog import SECTION_FOLDERS, Drift, Invariant, Item
from interp.plots import quality as quality_plots
from interp.study import Study
from interp.verdict import Verdict, prediction_bound, span

FOLDER = SECTION_FOLDERS["E-predictions"]


def _e4_metrics(study: Study) -> dict[str, Any]:
    metrics = quality.prediction_metrics(study)
    return {
        **metrics.summary(),
        "rmse_ppm_per_step": metrics.rmse_ppm,
        "mae_ppm_per_step": metrics.mae_ppm,
        "r2_per_step": metrics.r2,
    }


def finite_forecast(study: Study) -> Verdict:
    """E4 (sanity): every forecast of the evaluation set is finite."""
    bad = int(np.sum(~np.isfinite(study.predictions_ppm)))
    return Verdict(
        bad,
        "==",
        0,
        "NaN or inf forecasts (windows × horizon steps)",
        context=f"of {study.predictions_ppm.size}",
        fix="The model diverged: check its weights and BatchNorm statistics for NaN or inf, and retrain.",
    )


def skill_over_climatology(study: Study) -> Verdict:
    """E5 (learned): the forecast beats the training mean by more than untrained networks of the architecture do.

    The reference is the no-information forecast (the mean training target of each horizon step); the bound is
    the one-sided 99 % prediction bound of the same skill for the random initialisations of the model
    (:func:`interp.nulls.null_studies`). Beating persistence is not asked here: at fine resolutions persistence
    is hard to beat for a healthy model (the 5-min UCI data), so the skill over the best naive forecast is
    reported beside it and tracked by the drift tier against the accepted model.
    """
    scores = skill.skill_scores(study)
    null = nulls.null_values(study, lambda n: skill.skill_scores(n).skill("mean"))
    others = ", ".join(f"{name} {value:.3f}" for name, value in scores.skills().items() if name != "mean")
    return Verdict(
        scores.skill("mean"),
        ">",
        prediction_bound(null, "higher"),
        "MSE skill over the training-mean forecast, all horizon steps",
        context=f"random-init networks {span(null)}, 99 % bound; skill over {others}",
        fix="The forecast carries no information beyond the mean: retrain, or check the data and checkpoint.",
    )


def _e5_metrics(study: Study) -> dict[str, Any]:
    fit = quality.prediction_calibration(study)
    return {
        "r2_last": quality.prediction_metrics(study).r2_last,
        "skill_all_steps": skill.skill_scores(study).skills(),
        "pearson_r": fit.pearson_r,
        "slope": fit.slope,
        "intercept_ppm": fit.intercept_ppm,
    }


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
        invariants=(
            Invariant(
                "finite-forecast",
                finite_forecast,
                "sanity",
                "a model with finite weights gives finite forecasts, trained or not",
            ),
        ),
    ),
    Item(
        "E5",
        "prediction_scatter",
        FOLDER,
        "Prediction scatter with R²",
        draw=lambda s: quality_plots.prediction_scatter(
            quality.last_step_predictions(s),
            quality.prediction_metrics(s),
            quality.prediction_calibration(s),
            skill.skill_scores(s).skills(),
        ),
        metrics=_e5_metrics,
        invariants=(
            Invariant(
                "skill-over-climatology",
                skill_over_climatology,
                "learned",
                "training makes the forecast better than the no-information forecast, the training mean",
            ),
        ),
        drift=(
            Drift(
                "skill-over-naive",
                "MSE skill over the best naive forecast, all horizon steps",
                "lower",
                value=lambda s: skill.skill_scores(s).skill("best naive"),
                resolution=0.01,
            ),
            Drift(
                "skill-over-hour-of-day",
                "MSE skill over the hour-of-day climatology, all horizon steps",
                "lower",
                value=lambda s: skill.skill_scores(s).skill("hour-of-day"),
                resolution=0.01,
            ),
            Drift(
                "forecast-correlation",
                "Pearson r of the two models' last-step forecasts on the same windows",
                "lower",
                similarity=similarity.forecast_correlation,
                resolution=0.01,
                scale="correlation",
            ),
        ),
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
        drift=(
            Drift(
                "high-regime-rmse",
                "RMSE at the last step over the High-CO2 windows, ppm",
                "higher",
                value=lambda s: float(quality.error_by_regime(s).rmse_ppm[-1]),
                resolution=1.0,
            ),
        ),
        needs_regimes=True,
    ),
)
