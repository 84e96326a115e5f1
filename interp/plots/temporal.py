"""Section D figures: spectra against period (log axis), ACF, rolling RMSE, error by hour of day.

Spectra are drawn as each bin's share of its series' non-DC power against the period in hours per cycle, so
series of different units (activations, PC scores, ppm) read on one scale; the 12 h, 24 h and weekly periods
are marked.
"""

from __future__ import annotations

import matplotlib.dates as mdates
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, MaxNLocator, NullLocator

from interp.analyses.spectra import Spectrum
from interp.analyses.temporal import (
    Autocorrelation,
    FilterSpectra,
    HiddenStateSpectra,
    PhaseProfile,
    RollingRMSE,
)
from interp.plots.finite import not_finite_panel
from interp.plots.style import new_figure

REFERENCE_PERIODS_HOURS = (12.0, 24.0, 168.0)
PERIOD_TICKS_HOURS = (6, 12, 24, 48, 168)
MARKS = "(dashed: 24 h; dotted: 12 h, 168 h)"
PC_COLOURS = ("#1b9e77", "#d95f02", "#7570b3")


def _share_limit(spectrum: Spectrum, rows: np.ndarray) -> float:
    """A common y limit for the power shares of ``rows``: 5 % above the largest, at most 1."""
    shares = spectrum.power_share[rows]
    top = float(np.nanmax(shares)) if np.isfinite(shares).any() else 0.0
    return min(1.0, 1.05 * top) if top > 0 else 1.0


def _spectrum_axes(
    ax: Axes, spectrum: Spectrum, row: int, colour: str, top: float, label: str | None = None
) -> None:
    """Draw one series' power share against period on a log axis with the reference periods marked."""
    periods = spectrum.period_hours
    ax.plot(periods, spectrum.power_share[row], color=colour, lw=1.0, label=label)
    for period in REFERENCE_PERIODS_HOURS:
        if periods[-1] <= period <= periods[0]:
            ax.axvline(period, color="0.6", lw=0.8, ls="--" if period == 24 else ":", zorder=0)
    ax.set_xscale("log")
    ax.set_xlim(periods[-1], periods[0])
    ax.xaxis.set_major_locator(
        FixedLocator([t for t in PERIOD_TICKS_HOURS if periods[-1] <= t <= periods[0]])
    )
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_major_formatter(lambda value, _: f"{value:g}")
    ax.set_ylim(0.0, top)
    ax.yaxis.set_major_locator(MaxNLocator(3))
    ax.set_xlabel("period (hours per cycle)")


def _title(ax: Axes, text: str) -> None:
    """An axes title at a fixed position (matplotlib's automatic title placement is slow to draw)."""
    ax.set_title(text, y=1.0, pad=4.0)


def filter_activation_fft(result: FilterSpectra) -> Figure:
    """D1: spectra of the six layer-2 filters most periodic against red noise, with their AR(1) nulls.

    Each panel shows the filter's power share (its activation at the window's last position), the mean and
    the 95th percentile of its AR(1) surrogates on the same scale (a share of the filter's own power), and
    the peak: the bin with the largest power over the null mean.
    """
    fig = new_figure(9.0, 5.2)
    axes = fig.subplots(2, 3, sharex=True, sharey=True)
    spectrum, null = result.layer2, result.layer2_null
    total = spectrum.power.sum(axis=1, keepdims=True)
    scale = np.divide(1.0, total, out=np.zeros_like(total), where=total > 0)
    top = _share_limit(spectrum, result.top_filters)
    for ax, f in zip(axes.flat, result.top_filters, strict=False):
        periods = spectrum.period_hours
        if not_finite_panel(ax, spectrum.power_share[f], what="power share of the activation"):
            _title(ax, f"filter {f}")
            continue
        ax.fill_between(
            periods, 0.0, null.null_power_q95[f] * scale[f], color="0.85", lw=0, label="AR(1) 95th percentile"
        )
        ax.plot(periods, null.null_power[f] * scale[f], color="0.35", lw=0.9, ls="--", label="AR(1) mean")
        _spectrum_axes(ax, spectrum, int(f), "C0", top, label="filter's power share")
        peak = null.peak_period_hours[f]
        if np.isfinite(peak):
            share = spectrum.power_share[f, int(np.argmin(np.abs(periods - peak)))]
            ax.plot([peak], [share], "o", color="C3", ms=3.5, label="peak over the null")
        _title(ax, f"filter {f}: {peak:.1f} h, {null.peak_to_null[f]:.0f}× null, p = {null.p_value[f]:.3f}")
    for ax in axes[:, 0]:
        ax.set_ylabel("share of power")
    for ax in axes[0]:
        ax.set_xlabel("")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    if labels:
        fig.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, 0.9), ncols=len(labels))
    fig.suptitle(
        "D1 Layer-2 filters (activation at the last input step): the 6 most periodic against red noise\n"
        f"(peak: largest power / AR(1) mean; p over {null.n_surrogates} surrogates) {MARKS}"
    )
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.1, top=0.78, hspace=0.3, wspace=0.12)
    return fig


def hidden_state_fft(result: HiddenStateSpectra) -> Figure:
    """D2: spectra of the top three PC score series of the LSTM's final hidden state."""
    fig = new_figure(9.0, 3.2)
    spectrum = result.spectrum
    axes = fig.subplots(1, spectrum.power.shape[0], sharey=True, squeeze=False)[0]
    top = _share_limit(spectrum, np.arange(spectrum.power.shape[0]))
    for row, ax in enumerate(axes):
        if not_finite_panel(ax, spectrum.power_share[row], what="power share of the PC score"):
            _title(ax, f"PC{row + 1}")
            continue
        _spectrum_axes(ax, spectrum, row, PC_COLOURS[row], top)
        _title(
            ax,
            f"PC{row + 1} ({result.explained_variance_ratio[row]:.0%} var): "
            f"peak {spectrum.dominant_period_hours[row]:.1f} h",
        )
    axes[0].set_ylabel("share of power")
    fig.suptitle("D2 FFT of the top 3 LSTM hidden-state PCs " + MARKS)
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.17, top=0.8, wspace=0.1)
    return fig


def hidden_state_acf(result: Autocorrelation) -> Figure:
    """D3: autocorrelation of the hidden-state PC scores up to 72 h, with the white-noise 95 % band."""
    fig = new_figure(7.5, 3.5)
    ax = fig.add_subplot()
    _title(ax, "D3 ACF of LSTM hidden-state PCs (dashed: multiples of 24 h)")
    fig.subplots_adjust(left=0.09, right=0.78, bottom=0.14, top=0.9)
    if not_finite_panel(ax, result.acf[:, : result.n_steps], what="autocorrelation of the PC scores"):
        return fig
    ax.axhspan(-result.band, result.band, color="0.85", label=f"±1.96/√n = ±{result.band:.3f}")
    ax.axhline(0.0, color="0.4", lw=0.6)
    for lag in np.arange(12.0, result.lag_hours[-1] + 1, 12.0):
        ax.axvline(lag, color="0.6", lw=0.8, ls="--" if lag % 24 == 0 else ":", zorder=0)
    for row, acf in enumerate(result.acf):
        ax.plot(result.lag_hours, acf, color=PC_COLOURS[row], lw=1.2, label=f"PC{row + 1}")
    ax.set_xlim(0, result.lag_hours[-1])
    ax.set_ylim(-1.05, 1.05)
    ax.set_yticks([-1.0, -0.5, 0.0, 0.5, 1.0])
    ax.set_xticks(np.arange(0.0, result.lag_hours[-1] + 1, 12.0))
    ax.set_xlabel("lag (hours)")
    ax.set_ylabel("autocorrelation")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return fig


def residual_fft(result: Spectrum) -> Figure:
    """D4: spectrum of the last-horizon-step residual series (truth − prediction; the sign does not change it)."""
    fig = new_figure(6.5, 3.5)
    ax = fig.add_subplot()
    fig.subplots_adjust(left=0.11, right=0.97, bottom=0.14, top=0.9)
    if not_finite_panel(ax, result.power_share[0], what="power share of the residual, truth − prediction"):
        _title(ax, "D4 FFT of residuals, truth − prediction (last step)")
        return fig
    _spectrum_axes(ax, result, 0, "C3", _share_limit(result, np.arange(1)))
    ax.set_xlabel(f"period (hours per cycle) {MARKS}")
    ax.set_ylabel("share of power of truth − prediction")
    _title(
        ax,
        f"D4 FFT of residuals, truth − prediction (last step): peak {result.dominant_period_hours[0]:.1f} h, "
        f"periodicity {result.periodicity[0]:.2f}",
    )
    return fig


def rolling_rmse(result: RollingRMSE) -> Figure:
    """D5: 24 h rolling RMSE of the last-step residual (truth − prediction) against the window's end time."""
    fig = new_figure(9.0, 3.5)
    ax = fig.add_subplot()
    _title(ax, f"D5 Rolling RMSE over a {result.window_hours:g} h window of forecast targets")
    fig.subplots_adjust(left=0.07, right=0.8, bottom=0.14, top=0.9)
    if not_finite_panel(ax, result.rmse_ppm, result.overall_rmse_ppm, what="rolling RMSE (ppm)"):
        return fig
    ax.plot(
        result.t_end, result.rmse_ppm, color="C0", lw=1.0, label=f"{result.window_hours:g} h rolling RMSE"
    )
    ax.axhline(
        result.overall_rmse_ppm,
        color="C3",
        lw=0.9,
        ls="--",
        label=f"overall {result.overall_rmse_ppm:.1f} ppm",
    )
    days = int(np.ptp(result.t_end) / np.timedelta64(1, "D")) if result.t_end.size else 0
    ax.xaxis.set_major_locator(mdates.DayLocator(interval=days // 10 + 1))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%m-%d"))
    ax.set_ylim(bottom=0)
    ax.set_xlabel("window end (target time, month-day)")
    ax.set_ylabel("RMSE of truth − prediction (ppm)")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return fig


def phase_aligned_error(result: PhaseProfile) -> Figure:
    """D6: mean residual (truth − prediction) by the target's hour of day, with the interquartile range and
    ±1 standard deviation; above 0 the model under-predicts."""
    fig = new_figure(7.5, 3.5)
    ax = fig.add_subplot()
    _title(ax, "D6 Phase-aligned residual (last horizon step) over the 24 h cycle")
    fig.subplots_adjust(left=0.1, right=0.8, bottom=0.14, top=0.9)
    filled = result.count > 0
    stats = (result.mean_ppm, result.std_ppm, result.q25_ppm, result.q75_ppm)
    if not_finite_panel(ax, *(v[filled] for v in stats), what="residual by hour of day (ppm)"):
        return fig
    hour = result.hour
    ax.fill_between(
        hour,
        result.mean_ppm - result.std_ppm,
        result.mean_ppm + result.std_ppm,
        color="C0",
        alpha=0.15,
        lw=0,
        label="mean ± 1 sd",
    )
    ax.fill_between(hour, result.q25_ppm, result.q75_ppm, color="C0", alpha=0.3, lw=0, label="25–75 %")
    ax.plot(hour, result.mean_ppm, color="C0", marker="o", ms=3, lw=1.2, label="mean")
    ax.axhline(0.0, color="0.4", lw=0.6)
    ax.set_xlim(-0.5, 23.5)
    ax.set_xticks(np.arange(0, 24, 3))
    ax.set_xlabel("hour of day of the forecast target")
    ax.set_ylabel("residual, truth − prediction (ppm)\n(> 0: model under-predicts)")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return fig
