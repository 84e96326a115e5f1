"""Section D catalog items (D1–D6, folder ``temporal_patterns``): metrics and healthy-model invariants.

On the embedded data, whose daily cycle is planted, the LSTM's state must follow that cycle: PC1's dominant
period is 24 h ± one FFT bin (D2) and its autocorrelation is higher at 24 h than at 12 h (D3). These are sanity
invariants: the calendar features put a daily cycle into any network's state, trained or not, and a state that
does not follow it (a window-shuffling LSTM, a wrong time order) is broken. On user data they are informational
(``InvariantSkipped`` with the finding). Non-finite forecasts, which would make the D spectra NaN, are E4's
invariant.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from interp.analyses import spectra
from interp.analyses import temporal as analyses
from interp.catalog import SECTION_FOLDERS, Invariant, Item
from interp.errors import InvariantSkipped
from interp.plots import temporal as plots
from interp.study import Study
from interp.verdict import Verdict

FOLDER = SECTION_FOLDERS["D"]
DAY = analyses.DAY_HOURS


def _embedded_only(study: Study, item_id: str, finding: str) -> None:
    if not study.dataset.is_embedded:
        raise InvariantSkipped(
            f"{item_id}: the daily-cycle assertion applies to the embedded data, where a daily cycle is "
            f"planted; on {study.dataset.source} it is informational: {finding}."
        )


def daily_cycle_in_state(study: Study) -> Verdict:
    """D2 (sanity, embedded data): hidden-state PC1's dominant period is within one FFT bin of 24 h."""
    spectrum = analyses.hidden_state_spectra(study).spectrum
    period = float(spectrum.dominant_period_hours[0])
    found = f"{period:.1f} h" if np.isfinite(period) else "none (PC1 is constant or not finite)"
    _embedded_only(study, "D2", f"PC1's dominant period is {found}")
    bins = abs(1.0 / period - 1.0 / DAY) / spectrum.bin_width_per_hour if period > 0 else float("nan")
    return Verdict(
        bins,
        "<=",
        1.0,
        f"FFT bins between hidden-state PC1's dominant period ({found}) and 24 h",
        fix="The LSTM's state does not follow the planted daily cycle: check training and the input order.",
    )


def state_repeats_daily(study: Study) -> Verdict:
    """D3 (sanity, embedded data): hidden-state PC1's autocorrelation at 24 h exceeds both its value at 12 h
    and the white-noise 95 % band (a state that only looks periodic by chance does not)."""
    result = analyses.hidden_state_acf(study)
    if result.n_steps <= np.searchsorted(result.lag_hours, DAY):
        raise InvariantSkipped(
            f"D3: the ACF needs more than 24 h of evenly spaced windows; {study.dataset.source} gives "
            f"{result.n_steps}."
        )
    day, half = float(result.at(DAY)[0]), float(result.at(DAY / 2)[0])
    _embedded_only(study, "D3", f"PC1's ACF is {day:.3f} at 24 h and {half:.3f} at 12 h")
    return Verdict(
        day,
        ">",
        max(half, result.band),
        "hidden-state PC1's autocorrelation at 24 h",
        context=f"bound: the larger of its value at 12 h ({half:.3f}) and the white-noise band ({result.band:.3f})",
        fix="The LSTM's state does not repeat daily: check training and the input order.",
    )


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
        invariants=(
            Invariant(
                "daily-cycle-in-state",
                daily_cycle_in_state,
                "sanity",
                "the calendar inputs put the planted daily cycle into any working network's state",
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
        invariants=(
            Invariant(
                "state-repeats-daily",
                state_repeats_daily,
                "sanity",
                "a working network's state repeats with the planted daily cycle of its calendar inputs",
            ),
        ),
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
