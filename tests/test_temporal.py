"""Unit and property tests of Section D's pure functions: spectra, red-noise test, ACF, rolling RMSE, phase profile."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.figure import Figure
from scipy import signal

from interp.analyses.spectra import (
    autocorrelation,
    near_period,
    power_spectrum,
    red_noise_test,
    share_near_period,
)
from interp.analyses.temporal import (
    Autocorrelation,
    FilterSpectra,
    HiddenStateSpectra,
    filter_activation_spectra,
    hour_of_day_profile,
    longest_regular_run,
    rolling_rmse_series,
)
from interp.errors import DataError
from interp.plots import temporal as plots
from interp.summaries import BlockAccumulator


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
    null = red_noise_test(series, 1.0, n_surrogates=9)
    filters = FilterSpectra(spectrum, spectrum, null, null, null.ranking())
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


def ar1(phi: float, n: int, seed: int) -> np.ndarray:
    """A stationary AR(1) series of unit variance."""
    e = np.random.default_rng(seed).standard_normal(n)
    e[1:] *= np.sqrt(1 - phi**2)
    return signal.lfilter([1.0], [1.0, -phi], e)


def test_red_noise_does_not_score_as_periodic_against_its_null():
    """40 aperiodic AR(1) series, slow and fast: at a 5 % level about 2 may be flagged by chance (binomial: 6 or
    more in under 2 % of such sets); none has its peak far above its null."""
    red = np.stack([ar1(phi, 599, seed) for seed, phi in enumerate(np.linspace(0.3, 0.97, 40))])
    result = red_noise_test(red, 1.0, seed=0)
    assert (result.p_value <= 0.05).sum() <= 5
    assert np.median(result.p_value) > 0.2


def test_a_daily_sine_in_red_noise_scores_as_periodic_at_24_hours():
    t = np.arange(599)
    noisy = np.stack([ar1(0.9, 599, 100 + k) + np.sin(2 * np.pi * t / 24 + k) for k in range(10)])
    result = red_noise_test(noisy, 1.0, seed=0)
    spectrum = power_spectrum(noisy, 1.0)
    assert (result.p_value == 1 / (1 + result.n_surrogates)).all()
    assert (np.abs(1 / result.peak_period_hours - 1 / 24) <= spectrum.bin_width_per_hour).all()
    red = red_noise_test(np.stack([ar1(0.9, 599, 100 + k) for k in range(10)]), 1.0, seed=0)
    assert result.peak_to_null.min() > 3 * red.peak_to_null.max()


def test_red_noise_test_is_seeded_and_handles_constant_and_non_finite_series():
    x = np.stack(
        [
            ar1(0.8, 200, 1),
            np.full(200, 3.0),
            np.where(np.arange(200) == 5, np.nan, 1.0),
            0.1 * np.arange(200.0),
        ]
    )
    first, again = (
        red_noise_test(x, 0.5, n_surrogates=19, seed=4),
        red_noise_test(x, 0.5, n_surrogates=19, seed=4),
    )
    np.testing.assert_array_equal(first.null_power, again.null_power)
    np.testing.assert_array_equal(first.p_value, again.p_value)
    assert not np.array_equal(
        first.null_power[0], red_noise_test(x, 0.5, n_surrogates=19, seed=5).null_power[0]
    )
    for flat in (1, 3):  # a constant and a straight line: nothing left after detrending
        assert (first.peak_to_null[flat], first.p_value[flat]) == (0.0, 1.0)
        assert np.isnan(first.peak_period_hours[flat])
    assert np.isnan([first.peak_to_null[2], first.p_value[2], first.lag1[2]]).all()
    assert first.ranking().tolist() == [0, 1, 3, 2]
    assert first.null_power.shape == (4, 100) and 0.5 < first.lag1[0] < 0.95


def windowed_study(series: np.ndarray, lookback: int = 24) -> SimpleNamespace:
    """A hand-made study whose filter c sees ``series[c]`` slide through its windows, one step per window.

    ``act[n, c, p] = series[c, n + p]``: position p of window n holds sample n + p, so the last position
    of consecutive windows walks through the series one step at a time, as real conv outputs do.
    """
    total = series.shape[1]
    n = total - lookback + 1
    act = np.stack([series[:, k : k + lookback] for k in range(n)]).astype(np.float32)
    accumulator = BlockAccumulator(n)
    accumulator.add(torch.from_numpy(act))
    block = accumulator.result()
    t_target = pd.date_range("2025-01-01", periods=n, freq="1h").to_numpy()
    return SimpleNamespace(
        capture=SimpleNamespace(act1=block, act2=block),
        dataset=SimpleNamespace(
            test=SimpleNamespace(t_target=t_target), resolution=pd.Timedelta(hours=1), steps_per_hour=1.0
        ),
        config=SimpleNamespace(seed=0),
        _cache={},
    )


def test_d1_series_keep_a_daily_cycle_that_a_window_mean_would_cancel():
    """A filter that follows a 24 h sine: its activation averaged over a 24 h window is constant, its last-step
    activation is the sine. D1 must find it at 24 h and rank it above a slow red-noise filter."""
    t = np.arange(600 + 23)
    series = np.stack([np.sin(2 * np.pi * t / 24), 5 * ar1(0.99, t.size, 3), ar1(0.2, t.size, 4)])
    result = filter_activation_spectra(windowed_study(series))
    # Parseval: the D1 series keeps the sine's variance 1/2 (the window mean keeps only float32 round-off)
    assert 2 * result.layer2.power[0].sum() / result.layer2.n_steps == pytest.approx(0.5, rel=0.05)
    assert near_period(result.layer2, 24.0)[0]
    assert result.layer2_null.peak_period_hours[0] == pytest.approx(24.0)
    assert result.top_filters[0] == 0
    assert result.layer2_null.p_value[0] < result.layer2_null.p_value[1:].min()


@pytest.mark.parametrize("hours", [1, 24])
def test_d1_most_conv2_filters_peak_at_24h_on_the_embedded_data(reference_study, hours):
    result = filter_activation_spectra(reference_study(hours))
    channels = result.layer2.power.shape[0]
    assert near_period(result.layer2, 24.0).sum() > channels / 2
    assert (result.layer2_null.p_value[result.top_filters] <= 0.05).all()
