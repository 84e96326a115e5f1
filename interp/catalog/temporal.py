"""Section D catalog items (D1–D6, folder ``temporal_patterns``): metrics and healthy-model invariants.

Invariants that hold for any data: spectra finite and non-negative, the ACF finite within ±1, a finite rolling
RMSE, 24 populated hour-of-day bins. On the embedded data, whose daily cycle is planted, the LSTM's state must
also follow that cycle: PC1's dominant period is 24 h ± one bin (D2) and its ACF is higher at 24 h than at
12 h (D3). On user data those two are informational (``InvariantSkipped`` with the finding).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from interp.analyses import temporal as analyses
from interp.catalog import SECTION_FOLDERS, Item
from interp.errors import InvariantError, InvariantSkipped
from interp.plots import temporal as plots
from interp.study import Study

FOLDER = SECTION_FOLDERS["D"]
DAY = analyses.DAY_HOURS


def require_valid_spectrum(item_id: str, name: str, spectrum: analyses.Spectrum) -> None:
    """Raise ``InvariantError`` unless every power of ``spectrum`` is finite and non-negative."""
    bad = ~(np.isfinite(spectrum.power) & (spectrum.power >= 0))
    if bad.any():
        rows = np.flatnonzero(bad.any(axis=1))
        raise InvariantError(
            f"{item_id}: expected finite, non-negative spectra of the {name}. "
            f"Found NaN/inf or negative power in series {rows[:8].tolist()} ({len(rows)} of {len(bad)}). "
            f"Check the model for NaN/inf weights or activations."
        )


def _embedded_only(study: Study, item_id: str, finding: str) -> None:
    if not study.dataset.is_embedded:
        raise InvariantSkipped(
            f"{item_id}: the daily-cycle assertion applies to the embedded data, where a daily cycle is "
            f"planted; on {study.dataset.source} it is informational: {finding}."
        )


def check_filter_spectra(study: Study) -> None:
    """D1: both conv layers' activation spectra are finite and non-negative."""
    result = analyses.filter_activation_spectra(study)
    require_valid_spectrum("D1", "layer-1 filter activations", result.layer1)
    require_valid_spectrum("D1", "layer-2 filter activations", result.layer2)


def require_finite_hidden_states(item_id: str, study: Study) -> None:
    """Raise ``InvariantError`` when ``h_n`` holds NaN/inf (the PCA of D2/D3 cannot run on it)."""
    bad = int((~np.isfinite(study.capture.h_n)).sum())
    if bad:
        raise InvariantError(
            f"{item_id}: expected finite LSTM hidden states. Found {bad} NaN/inf values in h_n. "
            f"Check the model for NaN/inf weights."
        )


def check_hidden_state_spectra(study: Study) -> None:
    """D2: finite hidden states and spectra; on the embedded data PC1's dominant period is 24 h ± one bin."""
    require_finite_hidden_states("D2", study)
    spectrum = analyses.hidden_state_spectra(study).spectrum
    require_valid_spectrum("D2", "hidden-state PC scores", spectrum)
    period = float(spectrum.dominant_period_hours[0])
    found = f"{period:.1f} h" if np.isfinite(period) else "none (PC1 is constant)"
    _embedded_only(study, "D2", f"PC1's dominant period is {found}")
    if not analyses.near_period(spectrum, DAY)[0]:
        low, high = (1 / (1 / DAY + sign * spectrum.bin_width_per_hour) for sign in (1, -1))
        raise InvariantError(
            f"D2: expected hidden-state PC1's dominant period to be 24 h ± one bin ({low:.1f}–{high:.1f} h) "
            f"on the embedded data with its planted daily cycle. Found {found}. "
            f"The LSTM's state does not follow the daily cycle: check training and the input order."
        )


def check_hidden_state_acf(study: Study) -> None:
    """D3: ACF finite within ±1 up to 24 h; on the embedded data PC1's ACF at 24 h exceeds that at 12 h."""
    require_finite_hidden_states("D3", study)
    result = analyses.hidden_state_acf(study)
    if result.n_steps <= np.searchsorted(result.lag_hours, DAY):
        raise InvariantSkipped(
            f"D3: the ACF needs more than 24 h of evenly spaced windows; {study.dataset.source} gives "
            f"{result.n_steps}."
        )
    values = result.acf[:, result.lag_hours <= DAY]
    ok = np.isfinite(values) & (np.abs(values) <= 1 + 1e-9)
    if not ok.all():
        raise InvariantError(
            f"D3: expected hidden-state ACF values that are finite and within [-1, 1] up to 24 h lag. "
            f"Found {values[~ok][:4].tolist()} ({int((~ok).sum())} values). "
            f"Check the hidden states for NaN/inf."
        )
    day, half = float(result.at(DAY)[0]), float(result.at(DAY / 2)[0])
    _embedded_only(study, "D3", f"PC1's ACF is {day:.3f} at 24 h and {half:.3f} at 12 h")
    if not day > half:
        raise InvariantError(
            f"D3: expected hidden-state PC1's autocorrelation at 24 h to exceed that at 12 h on the embedded "
            f"data with its planted daily cycle. Found {day:.3f} at 24 h and {half:.3f} at 12 h. "
            f"The LSTM's state does not repeat daily: check training and the input order."
        )


def check_residual_spectrum(study: Study) -> None:
    """D4: the residual spectrum is finite and non-negative."""
    require_valid_spectrum("D4", "last-step residuals", analyses.residual_spectrum(study))


def check_rolling_rmse(study: Study) -> None:
    """D5: at least one full 24 h window, and every rolling RMSE finite."""
    rmse = analyses.rolling_rmse(study).rmse_ppm
    bad = int((~np.isfinite(rmse)).sum())
    if rmse.size == 0 or bad:
        raise InvariantError(
            f"D5: expected a finite 24 h rolling RMSE at every full window. "
            f"Found {rmse.size} full windows, {bad} of them NaN/inf. "
            f"Check the predictions for NaN/inf, or give a test split longer than 24 h."
        )


def check_phase_aligned_error(study: Study) -> None:
    """D6: one bin per hour of day (24), each populated, each with a finite mean and spread."""
    result = analyses.phase_aligned_error(study)
    empty = np.flatnonzero(result.count == 0).tolist()
    bad = int((~np.isfinite(np.stack([result.mean_ppm, result.std_ppm]))).sum())
    if result.hour.size != 24 or empty or bad:
        raise InvariantError(
            f"D6: expected 24 hour-of-day bins, each with windows and a finite mean and spread of the error. "
            f"Found {result.hour.size} bins, empty hours {empty}, {bad} NaN/inf statistics. "
            f"Check the predictions for NaN/inf, or give a test split that covers every hour of the day."
        )


def _spectrum_metrics(spectrum: analyses.Spectrum) -> dict[str, Any]:
    return {
        "dominant_period_hours": spectrum.dominant_period_hours,
        "periodicity": spectrum.periodicity,
        "power_share_24h": analyses.share_near_period(spectrum, DAY),
        "power_share_12h": analyses.share_near_period(spectrum, DAY / 2),
        "n_steps": spectrum.n_steps,
    }


def filter_metrics(study: Study) -> Mapping[str, Any]:
    """D1: the top filters, every filter's periodicity, and how many filters peak at 24 h ± one bin."""
    result = analyses.filter_activation_spectra(study)
    top = result.top_filters
    return {
        "top_filters": top,
        "top_periodicity": result.layer2.periodicity[top],
        "top_dominant_period_hours": result.layer2.dominant_period_hours[top],
        "layer2_periodicity": result.layer2.periodicity,
        "layer1_periodicity": result.layer1.periodicity,
        "layer2_filters_at_24h": int(analyses.near_period(result.layer2, DAY).sum()),
        "layer1_filters_at_24h": int(analyses.near_period(result.layer1, DAY).sum()),
    }


def hidden_state_spectrum_metrics(study: Study) -> Mapping[str, Any]:
    """D2: dominant period, periodicity and 24 h / 12 h power shares of PC1 … PC3."""
    result = analyses.hidden_state_spectra(study)
    return {**_spectrum_metrics(result.spectrum), "explained_variance_ratio": result.explained_variance_ratio}


def acf_metrics(study: Study) -> Mapping[str, Any]:
    """D3: ACF of PC1 … PC3 at 12, 24, 48 and 72 h, and the white-noise band."""
    result = analyses.hidden_state_acf(study)
    return {**{f"acf_{lag:g}h": result.at(lag) for lag in (12.0, 24.0, 48.0, 72.0)}, "band": result.band}


def rolling_rmse_metrics(study: Study) -> Mapping[str, Any]:
    """D5: the rolling RMSE's range and the end time of the worst 24 h."""
    result = analyses.rolling_rmse(study)
    rmse = result.rmse_ppm
    worst = int(np.nanargmax(rmse)) if np.isfinite(rmse).any() else 0
    return {
        "overall_rmse_ppm": result.overall_rmse_ppm,
        "rolling_mean_ppm": float(np.mean(rmse)),
        "rolling_min_ppm": float(np.min(rmse)),
        "rolling_max_ppm": float(np.max(rmse)),
        "worst_window_end": str(np.datetime_as_string(result.t_end[worst], unit="h")),
        "n_windows": rmse.size,
    }


def phase_metrics(study: Study) -> Mapping[str, Any]:
    """D6: mean and standard deviation of the error per target hour, the worst hour and the mean's range."""
    result = analyses.phase_aligned_error(study)
    mean = result.mean_ppm
    return {
        "mean_ppm": mean,
        "std_ppm": result.std_ppm,
        "worst_hour": int(np.nanargmax(np.abs(mean))),
        "mean_range_ppm": float(np.nanmax(mean) - np.nanmin(mean)),
    }


ITEMS = (
    Item(
        "D1",
        "filter_activation_fft",
        FOLDER,
        "FFT of CNN filter activations: the 6 most periodic filters",
        draw=lambda s: plots.filter_activation_fft(analyses.filter_activation_spectra(s)),
        metrics=filter_metrics,
        invariants=check_filter_spectra,
    ),
    Item(
        "D2",
        "hidden_state_fft",
        FOLDER,
        "FFT of the top 3 LSTM hidden-state PCs",
        draw=lambda s: plots.hidden_state_fft(analyses.hidden_state_spectra(s)),
        metrics=hidden_state_spectrum_metrics,
        invariants=check_hidden_state_spectra,
    ),
    Item(
        "D3",
        "hidden_state_acf",
        FOLDER,
        "Autocorrelation of the top 3 LSTM hidden-state PCs (72 h)",
        draw=lambda s: plots.hidden_state_acf(analyses.hidden_state_acf(s)),
        metrics=acf_metrics,
        invariants=check_hidden_state_acf,
    ),
    Item(
        "D4",
        "residual_fft",
        FOLDER,
        "FFT of the last-step residuals",
        draw=lambda s: plots.residual_fft(analyses.residual_spectrum(s)),
        metrics=lambda s: _spectrum_metrics(analyses.residual_spectrum(s)),
        invariants=check_residual_spectrum,
    ),
    Item(
        "D5",
        "rolling_rmse",
        FOLDER,
        "24 h rolling RMSE across the test set",
        draw=lambda s: plots.rolling_rmse(analyses.rolling_rmse(s)),
        metrics=rolling_rmse_metrics,
        invariants=check_rolling_rmse,
    ),
    Item(
        "D6",
        "phase_aligned_error",
        FOLDER,
        "Error by hour of day of the forecast target",
        draw=lambda s: plots.phase_aligned_error(analyses.phase_aligned_error(s)),
        metrics=phase_metrics,
        invariants=check_phase_aligned_error,
    ),
)
"""Plan items D1–D6 in plan order."""
