"""Section D catalog items (D1–D6, folder ``temporal_patterns``): metrics, figures and drift.

Section D asserts no invariant. The daily cycle in the LSTM state (D2, D3) comes from the calendar inputs: random
networks of the same architecture show a 24 h PC1 too in most seeds, while a few random seeds do not, so it is
neither a property training gives (it would have to fail on random networks) nor one every working network has.
It is tracked as drift instead (the share of PC1's power at 24 h). Non-finite forecasts, which would make the D
spectra NaN, are E4's invariant.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from interp.analyses import temporal as analyses
from interp.catalog import SECTION_FOLDERS, Drift, Item
from interp.plots import temporal as plots
from interp.study import Study

FOLDER = SECTION_FOLDERS["D"]
DAY = analyses.DAY_HOURS


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
    ),
    Item(
        "D2",
        "hidden_state_fft",
        FOLDER,
        "FFT of the top 3 LSTM hidden-state PCs",
        draw=lambda s: plots.hidden_state_fft(analyses.hidden_state_spectra(s)),
        metrics=hidden_state_spectrum_metrics,
        drift=(
            Drift(
                "state-daily-power",
                "share of hidden-state PC1's power within one FFT bin of 24 h",
                "lower",
                value=lambda s: float(
                    analyses.share_near_period(analyses.hidden_state_spectra(s).spectrum, DAY)[0]
                ),
                resolution=0.01,
            ),
        ),
    ),
    Item(
        "D3",
        "hidden_state_acf",
        FOLDER,
        "Autocorrelation of the top 3 LSTM hidden-state PCs (72 h)",
        draw=lambda s: plots.hidden_state_acf(analyses.hidden_state_acf(s)),
        metrics=acf_metrics,
    ),
    Item(
        "D4",
        "residual_fft",
        FOLDER,
        "FFT of the last-step residuals",
        draw=lambda s: plots.residual_fft(analyses.residual_spectrum(s)),
        metrics=lambda s: _spectrum_metrics(analyses.residual_spectrum(s)),
    ),
    Item(
        "D5",
        "rolling_rmse",
        FOLDER,
        "24 h rolling RMSE across the test set",
        draw=lambda s: plots.rolling_rmse(analyses.rolling_rmse(s)),
        metrics=rolling_rmse_metrics,
    ),
    Item(
        "D6",
        "phase_aligned_error",
        FOLDER,
        "Error by hour of day of the forecast target",
        draw=lambda s: plots.phase_aligned_error(analyses.phase_aligned_error(s)),
        metrics=phase_metrics,
    ),
)
"""Plan items D1–D6 in plan order."""
