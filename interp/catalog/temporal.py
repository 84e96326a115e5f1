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

from interp.analyses import spectra
from interp.analyses import temporal as analyses
from interp.catalog import SECTION_FOLDERS, Drift, Item
from interp.plots import temporal as plots
from interp.study import Study

FOLDER = SECTION_FOLDERS["D"]
DAY = analyses.DAY_HOURS


def _spectrum_metrics(spectrum: spectra.Spectrum) -> dict[str, Any]:
    return {
        "dominant_period_hours": spectrum.dominant_period_hours,
        "periodicity": spectrum.periodicity,
        "power_share_24h": spectra.share_near_period(spectrum, DAY),
        "power_share_12h": spectra.share_near_period(spectrum, DAY / 2),
    }


def _periodic_counts(prefix: str, spectrum: spectra.Spectrum, test: spectra.RedNoiseTest) -> dict[str, int]:
    """How many filters peak at 24 h (strongest bin), stand above red noise, and do so with a 24 h line."""
    periodic = test.p_value <= analyses.SIGNIFICANCE
    line_at_day = spectra.near_period(spectrum, DAY, test.peak_period_hours)
    return {
        f"{prefix}_filters_at_24h": int(spectra.near_period(spectrum, DAY).sum()),
        f"{prefix}_filters_periodic": int(periodic.sum()),
        f"{prefix}_filters_periodic_at_24h": int((periodic & line_at_day).sum()),
    }


def filter_metrics(study: Study) -> Mapping[str, Any]:
    """D1: the top filters by power over red noise, every filter's score, and how many filters are periodic."""
    result = analyses.filter_activation_spectra(study)
    top, null = result.top_filters, result.layer2_null
    return {
        "top_filters": top,
        "top_peak_period_hours": null.peak_period_hours[top],
        "top_peak_to_null": null.peak_to_null[top],
        "top_p_value": null.p_value[top],
        "layer2_peak_to_null": null.peak_to_null,
        "layer2_peak_period_hours": null.peak_period_hours,
        "layer2_dominant_period_hours": result.layer2.dominant_period_hours,
        "layer1_peak_to_null": result.layer1_null.peak_to_null,
        **_periodic_counts("layer2", result.layer2, null),
        **_periodic_counts("layer1", result.layer1, result.layer1_null),
    }


def hidden_state_spectrum_metrics(study: Study) -> Mapping[str, Any]:
    """D2: dominant period, periodicity and 24 h / 12 h power shares of PC1 … PC3."""
    result = analyses.hidden_state_spectra(study)
    return {**_spectrum_metrics(result.spectrum), "explained_variance_ratio": result.explained_variance_ratio}


def acf_metrics(study: Study) -> Mapping[str, Any]:
    """D3: ACF of PC1 … PC3 at 12, 24, 48 and 72 h."""
    result = analyses.hidden_state_acf(study)
    return {f"acf_{lag:g}h": result.at(lag) for lag in (12.0, 24.0, 48.0, 72.0)}


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
    }


def phase_metrics(study: Study) -> Mapping[str, Any]:
    """D6: mean and standard deviation of the residual (truth − prediction) per target hour, the hour of the
    largest |mean| and the mean's range."""
    result = analyses.phase_aligned_error(study)
    mean = result.mean_ppm
    known = ~np.isnan(mean)
    return {
        "mean_ppm": mean,
        "std_ppm": result.std_ppm,
        "worst_hour": int(np.nanargmax(np.abs(mean))) if known.any() else -1,
        "mean_range_ppm": float(np.nanmax(mean) - np.nanmin(mean)) if known.any() else float("nan"),
    }


ITEMS = (
    Item(
        "D1",
        "filter_activation_fft",
        FOLDER,
        "FFT of CNN filter activations: the 6 filters most periodic against red noise",
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
                    spectra.share_near_period(analyses.hidden_state_spectra(s).spectrum, DAY)[0]
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
        "FFT of the last-step residuals (truth − prediction)",
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
        "Residual (truth − prediction) by hour of day of the forecast target",
        draw=lambda s: plots.phase_aligned_error(analyses.phase_aligned_error(s)),
        metrics=phase_metrics,
    ),
)
"""Plan items D1–D6 in plan order."""
