"""Unit and property tests of Section D's pure functions: spectra, peaks, ACF, rolling RMSE, phase profile."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.figure import Figure
from scipy import signal

from interp.analyses.temporal import (
    Autocorrelation,
    FilterSpectra,
    HiddenStateSpectra,
    autocorrelation,
    hour_of_day_profile,
    longest_regular_run,
    near_period,
    power_spectrum,
    rolling_rmse_series,
    share_near_period,
)
from interp.errors import DataError
from interp.plots import temporal as plots


def hourly(n: int, start: str = "2025-01-01") -> np.ndarray:
    return pd.date_range(start, periods=n, freq="1h").to_numpy()


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(48, 800),
    step_hours=st.sampled_from([0.25, 0.5, 1.0]),
    cycles=st.floats(4.0, 40.0),
    phase=st.floats(0.0, 2 * np.pi),
    slope=st.floats(-0.01, 0.01),
    seed=st.integers(0, 2**16),
)
def test_planted_sinusoid_is_found_within_one_bin(n, step_hours, cycles, phase, slope, seed):
    cycles = min(cycles, n / 4)
    period_hours = n * step_hours / cycles
    t = np.arange(n) * step_hours
    noise = np.random.default_rng(seed).normal(0.0, 0.1, n)
    x = 3.0 * np.sin(2 * np.pi * t / period_hours + phase) + slope * np.arange(n) + 5.0 + noise
    spectrum = power_spectrum(x, step_hours)
    assert near_period(spectrum, period_hours)[0], (spectrum.dominant_period_hours, period_hours)
    assert share_near_period(spectrum, period_hours)[0] > 0.5


@settings(max_examples=40, deadline=None)
@given(n=st.integers(4, 300).filter(lambda v: v % 2 == 1), seed=st.integers(0, 2**16))
def test_spectrum_is_a_one_sided_parseval_split_of_the_detrended_variance(n, seed):
    x = np.random.default_rng(seed).normal(size=(2, n))
    spectrum = power_spectrum(x, 1.0)
    assert spectrum.power.shape == (2, n // 2)
    assert (spectrum.power >= 0).all()
    np.testing.assert_allclose(
        2 * spectrum.power.sum(axis=1), (signal.detrend(x) ** 2).sum(axis=1), rtol=1e-9
    )


def test_spectrum_axes_are_hours_per_cycle():
    spectrum = power_spectrum(np.random.default_rng(0).normal(size=96), 0.5)
    assert spectrum.n_steps == 96
    np.testing.assert_allclose(spectrum.frequency_per_hour[0], 1 / 48)
    np.testing.assert_allclose(spectrum.period_hours, 1 / spectrum.frequency_per_hour)
    assert spectrum.period_hours[-1] == pytest.approx(1.0)  # Nyquist: two samples of 0.5 h
    assert spectrum.bin_width_per_hour == pytest.approx(1 / 48)


def test_periodicity_is_one_for_a_sinusoid_on_a_bin_and_small_for_noise():
    t = np.arange(240)
    sinusoid = np.sin(2 * np.pi * t / 24)
    noise = np.random.default_rng(1).normal(size=240)
    spectrum = power_spectrum(np.stack([sinusoid, noise]), 1.0)
    assert spectrum.periodicity[0] > 0.99  # linear detrending leaks a little of a sinusoid
    assert spectrum.dominant_period_hours[0] == pytest.approx(24.0)
    assert spectrum.periodicity[1] < 0.2


def test_constant_and_non_finite_series_do_not_spoil_the_others():
    t = np.arange(100)
    x = np.stack([np.full(100, 7.1), np.sin(2 * np.pi * t / 10), np.where(t == 3, np.inf, 1.0)])
    spectrum = power_spectrum(x, 1.0)
    assert (spectrum.power[0] == 0).all() and spectrum.periodicity[0] == 0
    assert np.isnan(spectrum.dominant_period_hours[0])
    assert spectrum.dominant_period_hours[1] == pytest.approx(10.0)
    assert np.isnan(spectrum.power[2]).all() and np.isnan(spectrum.periodicity[2])
    assert not near_period(spectrum, 10.0)[[0, 2]].any()
    np.testing.assert_array_equal(spectrum.power_share[0], 0.0)


def test_too_short_series_raise_data_error():
    with pytest.raises(DataError, match="at least 4"):
        power_spectrum(np.arange(3.0), 1.0)


@settings(max_examples=30, deadline=None)
@given(n=st.integers(5, 200), seed=st.integers(0, 2**16))
def test_acf_matches_the_biased_sample_definition(n, seed):
    x = np.random.default_rng(seed).normal(size=n)
    max_lag = min(30, n - 1)
    acf = autocorrelation(x, max_lag)[0]
    centred = x - x.mean()
    expected = [centred[: n - k] @ centred[k:] / (centred @ centred) for k in range(max_lag + 1)]
    np.testing.assert_allclose(acf, expected, atol=1e-12)
    assert acf[0] == pytest.approx(1.0) and (np.abs(acf) <= 1 + 1e-12).all()


def test_acf_of_a_daily_cycle_peaks_at_24_and_dips_at_12():
    t = np.arange(600)
    acf = autocorrelation(np.sin(2 * np.pi * t / 24), 72)[0]
    assert acf[24] > 0.9 and acf[12] < -0.9
    result = Autocorrelation(np.arange(73.0), acf[None], 1.96 / np.sqrt(600), 600)
    assert result.at(24.0)[0] == acf[24] and result.at(12.2)[0] == acf[12]


def test_acf_of_a_constant_is_zero_and_of_a_non_finite_series_or_past_the_series_nan():
    series = np.stack([np.ones(10), np.arange(10.0), np.where(np.arange(10) == 4, np.inf, 1.0)])
    acf = autocorrelation(series, 15)
    np.testing.assert_array_equal(acf[0, :10], 0.0)
    assert np.isnan(acf[:, 10:]).all() and np.isfinite(acf[1, :10]).all() and np.isnan(acf[2]).all()


def test_longest_regular_run_skips_gaps():
    times = np.concatenate([hourly(5), hourly(9, "2025-02-01"), hourly(3, "2025-03-01")])
    assert longest_regular_run(times, pd.Timedelta(hours=1)) == slice(5, 14)
    assert longest_regular_run(hourly(7), pd.Timedelta(hours=1)) == slice(0, 7)


def test_rolling_rmse_matches_an_explicit_window_and_keeps_full_windows_only():
    errors = np.random.default_rng(2).normal(size=100)
    result = rolling_rmse_series(errors, hourly(100), 24.0, 1.0)
    expected = [np.sqrt(np.mean(errors[i - 23 : i + 1] ** 2)) for i in range(23, 100)]
    np.testing.assert_allclose(result.rmse_ppm, expected, rtol=1e-12)
    np.testing.assert_array_equal(result.t_end, hourly(100)[23:])
    assert result.overall_rmse_ppm == pytest.approx(np.sqrt(np.mean(errors**2)))


def test_rolling_rmse_drops_windows_that_span_a_gap():
    times = np.concatenate([hourly(30), hourly(30, "2025-01-05")])
    result = rolling_rmse_series(np.full(60, -3.0), times, 24.0, 1.0)
    assert result.rmse_ppm.size == 2 * (30 - 23)
    np.testing.assert_allclose(result.rmse_ppm, 3.0)


def test_hour_of_day_profile_has_24_bins_matching_a_groupby():
    rng = np.random.default_rng(3)
    hours = np.concatenate([rng.integers(0, 24, 500), np.arange(24)])
    hours[hours == 5] = 6
    errors = rng.normal(size=hours.size) + hours
    profile = hour_of_day_profile(errors, hours)
    grouped = pd.Series(errors).groupby(hours)
    assert profile.hour.tolist() == list(range(24)) and profile.count[5] == 0
    assert np.isnan([profile.mean_ppm[5], profile.std_ppm[5], profile.q25_ppm[5]]).all()
    present = np.flatnonzero(profile.count)
    np.testing.assert_allclose(profile.mean_ppm[present], grouped.mean().to_numpy())
    np.testing.assert_allclose(profile.std_ppm[present], grouped.std(ddof=0).to_numpy())
    np.testing.assert_allclose(profile.q75_ppm[present], grouped.quantile(0.75).to_numpy())
    assert profile.count.sum() == hours.size


def test_plots_draw_degenerate_results_without_warnings():
    t = np.arange(200)
    series = np.stack([np.zeros(200), np.sin(2 * np.pi * t / 24), np.cos(2 * np.pi * t / 7)])
    spectrum = power_spectrum(series, 1.0)
    filters = FilterSpectra(spectrum, spectrum, np.array([1, 2, 0]))
    hidden = HiddenStateSpectra(power_spectrum(series[1:], 1.0), np.array([0.6, 0.2]))
    acf = Autocorrelation(np.arange(73.0), autocorrelation(series[1:], 72), 0.1, 200)
    errors = np.where(t > 100, np.nan, 1.0)
    figures = [
        plots.filter_activation_fft(filters),
        plots.hidden_state_fft(hidden),
        plots.hidden_state_acf(acf),
        plots.residual_fft(power_spectrum(series[:1], 1.0)),
        plots.rolling_rmse(rolling_rmse_series(errors, hourly(200), 24.0, 1.0)),
        plots.phase_aligned_error(hour_of_day_profile(errors, t % 24)),
    ]
    assert all(isinstance(fig, Figure) for fig in figures)
    for fig in figures:
        fig.canvas.draw()


def test_rolling_rmse_is_nan_for_full_windows_holding_a_nan():
    errors = np.ones(50)
    errors[30] = np.nan
    rmse = rolling_rmse_series(errors, hourly(50), 24.0, 1.0).rmse_ppm
    assert rmse.size == 27
    assert np.isnan(rmse[30 - 23 : 30 + 1]).all() and np.isfinite(rmse[: 30 - 23]).all()
