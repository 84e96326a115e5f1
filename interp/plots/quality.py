"""E4–E7 figures: predictions overlay, scatter with R², residual panels, error by CO2 regime.

Residuals are truth − prediction in ppm (positive: the model under-predicts), as in Section D.
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.dates as mdates
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from interp.analyses.quality import (
    CalibrationFit,
    LastStepPredictions,
    QualityMetrics,
    RegimeErrors,
    Residuals,
)
from interp.config import REGIME_NAMES
from interp.plots.finite import not_finite_panel
from interp.plots.style import REGIME_COLOURS, new_figure

TRUTH_COLOUR, PRED_COLOUR = "#222222", "#dd8452"
RESIDUAL_LABEL = "residual, truth − prediction (ppm)"
PREDICTION_WHAT = "true and predicted CO2 at t + H (ppm)"


def _ppm_limits(*arrays: np.ndarray, top: float = 0.05) -> tuple[float, float]:
    """Shared ppm axis limits: the data's range padded by 5 % below and ``top`` (a fraction) above."""
    lo = min(float(np.min(a)) for a in arrays)
    hi = max(float(np.max(a)) for a in arrays)
    span = hi - lo if hi > lo else 20.0
    return lo - 0.05 * span, hi + top * span


def _bounds(ax, series: LastStepPredictions, horizontal: bool = True) -> None:
    for bound in series.regime_bounds:
        (ax.axhline if horizontal else ax.axvline)(bound, color="#999999", linewidth=0.6, linestyle=":")


def _date_axis(ax: Axes, max_ticks: int) -> None:
    """At most ``max_ticks`` date ticks, labelled day and month ("09 Jun"), so that labels never collide."""
    ax.xaxis.set_major_locator(mdates.AutoDateLocator(minticks=3, maxticks=max_ticks))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b"))


def predictions_overlay(series: LastStepPredictions, metrics: QualityMetrics) -> Figure:
    """E4: truth and prediction at t + H over the whole evaluation period, and its first week enlarged.

    Dotted lines mark the regime bounds. The y axis is the data's range in both panels, padded above for
    the legend.
    """
    fig = new_figure(10, 6)
    full, week = fig.subplots(2, 1, gridspec_kw={"hspace": 0.45})
    full.set_title(
        f"E4 Predictions overlay, t + {series.horizon_hours:g} h: RMSE {metrics.rmse_last:.1f} ppm, "
        f"MAE {metrics.mae_last:.1f} ppm, R² {metrics.r2_last:.3f} ({metrics.n_windows} windows)"
    )
    week.set_title("First week of the evaluation period")
    if not_finite_panel(full, series.truth_ppm, series.pred_ppm, what=PREDICTION_WHAT):
        not_finite_panel(week, series.truth_ppm, series.pred_ppm, what=PREDICTION_WHAT)
        return fig
    limits = _ppm_limits(series.truth_ppm, series.pred_ppm, top=0.2)
    first_week = series.t_target <= series.t_target[0] + np.timedelta64(7, "D")
    for ax, mask in ((full, slice(None)), (week, first_week)):
        ax.plot(
            series.t_target[mask], series.truth_ppm[mask], color=TRUTH_COLOUR, linewidth=0.8, label="truth"
        )
        ax.plot(
            series.t_target[mask],
            series.pred_ppm[mask],
            color=PRED_COLOUR,
            linewidth=0.8,
            label=f"prediction (t + {series.horizon_hours:g} h)",
        )
        _bounds(ax, series)
        _date_axis(ax, 10)
        ax.set_ylim(*limits)
        ax.set_ylabel("CO2 (ppm)")
        ax.grid(linewidth=0.3)
    full.legend(loc="upper right", ncols=2)
    week.set_xlabel("time of the forecast target")
    return fig


def prediction_scatter(
    series: LastStepPredictions, metrics: QualityMetrics, fit: CalibrationFit, skills: Mapping[str, float]
) -> Figure:
    """E5: predicted vs true CO2 at t + H coloured by regime, with the identity and the least-squares line.

    ``skills`` (naive forecast name → MSE skill score over all horizon steps, as
    :meth:`interp.analyses.skill.SkillScores.skills` gives them) are listed in the lower right corner.
    """
    fig = new_figure(6, 6)
    ax = fig.subplots()
    ax.set_title(f"E5 Prediction scatter: R² = {metrics.r2_last:.3f}, r = {fit.pearson_r:.3f}")
    if not_finite_panel(ax, series.truth_ppm, series.pred_ppm, what=PREDICTION_WHAT):
        return fig
    limits = _ppm_limits(series.truth_ppm, series.pred_ppm)
    for k, colour in enumerate(REGIME_COLOURS):
        mask = series.regimes == k
        ax.scatter(
            series.truth_ppm[mask],
            series.pred_ppm[mask],
            s=5,
            color=colour,
            alpha=0.6,
            linewidths=0,
            label=f"{REGIME_NAMES[k]} (n={int(mask.sum())})",
        )
    line = np.array(limits)
    ax.plot(line, line, color="black", linewidth=0.8, label="identity")
    ax.plot(
        line,
        fit.slope * line + fit.intercept_ppm,
        color="#c44e52",
        linewidth=0.8,
        linestyle="--",
        label=f"fit: {fit.slope:.3f}·truth + {fit.intercept_ppm:.1f}",
    )
    _bounds(ax, series)
    _bounds(ax, series, horizontal=False)
    ax.set_xlim(*limits)
    ax.set_ylim(*limits)
    ax.set_aspect("equal")
    ax.set_xlabel("true CO2 (ppm)")
    ax.set_ylabel(f"predicted CO2, t + {series.horizon_hours:g} h (ppm)")
    ax.legend(loc="upper left")
    ax.grid(linewidth=0.3)
    ax.text(
        0.98,
        0.02,
        "MSE skill, all horizon steps, over\n"
        + "\n".join(f"{name}: {value:.3f}" for name, value in skills.items()),
        transform=ax.transAxes,
        ha="right",
        va="bottom",
        fontsize=7,
        multialignment="left",
        bbox={"boxstyle": "round", "facecolor": "white", "edgecolor": "0.7", "alpha": 0.85},
    )
    return fig


def residual_panels(result: Residuals) -> Figure:
    """E6: residual vs prediction, histogram, normal Q-Q plot and residual over time (truth − prediction)."""
    series = result.series
    res = series.residual_ppm
    fig = new_figure(10, 7.5)
    (vs_pred, hist), (qq, over_time) = fig.subplots(2, 2, gridspec_kw={"hspace": 0.4, "wspace": 0.3})
    fig.suptitle(
        f"E6 Residual analysis at t + {series.horizon_hours:g} h "
        "(residual = truth − prediction; > 0: the model under-predicts)"
    )
    panels = (vs_pred, hist, qq, over_time)
    if not_finite_panel(vs_pred, series.pred_ppm, res, what=RESIDUAL_LABEL):
        for ax in panels[1:]:
            not_finite_panel(ax, series.pred_ppm, res, what=RESIDUAL_LABEL)
        return fig
    lim = 1.05 * float(np.max(np.abs(res))) if np.any(res) else 1.0

    vs_pred.scatter(series.pred_ppm, res, s=4, color="#4c72b0", alpha=0.5, linewidths=0)
    vs_pred.axhline(0, color="black", linewidth=0.6)
    vs_pred.set_xlim(*_ppm_limits(series.pred_ppm))
    vs_pred.set_ylim(-lim, lim)
    vs_pred.set_xlabel("predicted CO2 (ppm)")
    vs_pred.set_ylabel(RESIDUAL_LABEL)
    vs_pred.set_title("Residual vs prediction")

    hist.hist(res, bins=40, range=(-lim, lim), color="#4c72b0", edgecolor="white", linewidth=0.3)
    hist.axvline(
        result.mean_ppm,
        color="#c44e52",
        linewidth=0.8,
        label=f"mean {result.mean_ppm:.1f}, std {result.std_ppm:.1f} ppm",
    )
    hist.set_xlim(-lim, lim)
    hist.set_xlabel(RESIDUAL_LABEL)
    hist.set_ylabel("windows")
    hist.set_title(f"Histogram (skew {result.skewness:.2f}, excess kurtosis {result.excess_kurtosis:.2f})")
    hist.legend(loc="upper right")

    qq.scatter(result.qq_theoretical, result.qq_ordered, s=4, color="#4c72b0", linewidths=0)
    ends = np.array([result.qq_theoretical[0], result.qq_theoretical[-1]])
    qq.plot(ends, result.qq_slope * ends + result.qq_intercept, color="#c44e52", linewidth=0.8)
    qq.set_ylim(-lim, lim)
    qq.set_xlabel("normal theoretical quantile")
    qq.set_ylabel("ordered residual, truth − prediction (ppm)")
    qq.set_title(f"Normal Q-Q (r = {result.qq_r:.3f})")

    over_time.plot(series.t_target, res, color="#4c72b0", linewidth=0.6)
    over_time.axhline(0, color="black", linewidth=0.6)
    over_time.set_ylim(-lim, lim)
    over_time.set_xlabel("time of the forecast target")
    over_time.set_ylabel(RESIDUAL_LABEL)
    over_time.set_title(f"Residual over time (lag-1 autocorrelation {result.lag1_autocorrelation:.2f})")
    _date_axis(over_time, 5)
    for ax in panels:
        ax.grid(linewidth=0.3)
    return fig


def regime_errors(result: RegimeErrors) -> Figure:
    """E7: RMSE and MAE per CO2 regime, with each regime's window count and bias (mean of truth − prediction);
    empty regimes are marked "no windows"."""
    fig = new_figure(7, 4.5)
    ax = fig.subplots()
    ax.set_title(
        f"E7 Error by CO2 regime ({result.n_windows} windows; plain: RMSE, hatched: MAE;\n"
        "bias: mean of truth − prediction, > 0: the model under-predicts)"
    )
    filled = result.counts > 0
    errors = (result.rmse_ppm[filled], result.mae_ppm[filled], result.bias_ppm[filled])
    if not_finite_panel(ax, *errors, what="RMSE, MAE and bias per regime (ppm)"):
        return fig
    x = np.arange(len(result.names))
    width = 0.38
    rmse = np.nan_to_num(result.rmse_ppm)
    mae = np.nan_to_num(result.mae_ppm)
    ax.bar(x - width / 2, rmse, width, color=REGIME_COLOURS, edgecolor="black", linewidth=0.5, label="RMSE")
    ax.bar(
        x + width / 2,
        mae,
        width,
        color=REGIME_COLOURS,
        edgecolor="black",
        linewidth=0.5,
        hatch="//",
        alpha=0.7,
        label="MAE",
    )
    top = max(float(np.max(rmse)), 1.0)
    for k in range(len(result.names)):
        text = (
            f"n = {result.counts[k]}\nbias {result.bias_ppm[k]:+.1f} ppm"
            if result.counts[k]
            else "no windows"
        )
        ax.text(x[k], 1.02 * max(rmse[k], mae[k]), text, ha="center", va="bottom", fontsize=7)
    low, high = result.regime_bounds
    ranges = (f"< {low:g}", f"{low:g}–{high:g}", f"≥ {high:g}")
    ax.set_xticks(x, [f"{name}\n{span} ppm" for name, span in zip(result.names, ranges, strict=True)])
    ax.set_ylim(0, 1.3 * top)
    ax.set_ylabel("error of truth − prediction at the last horizon step (ppm)")
    ax.grid(axis="y", linewidth=0.3)
    return fig
