"""Section D: periodicity of CNN activations and LSTM hidden states, and the time structure of the errors.

The evaluation set is the test split in time order, one window per data step, so every per-window quantity
(a filter's mean activation, a hidden-state PC score, the residual) is a time series sampled every
``1 / dataset.steps_per_hour`` hours. Spectra and autocorrelations need evenly spaced samples: when the
user's data has gaps, they use the longest gap-free run of windows (on the embedded data: the whole split).

- Spectrum: the one-sided periodogram ``|rfft(x)|² / n`` of the linearly detrended series
  (``scipy.signal.detrend``, ``scipy.fft.rfft``/``rfftfreq``), DC bin dropped; periods in hours per cycle.
- Periodicity of a series: the share of its non-DC power in the largest peak, the peak being the strongest bin
  and its two neighbours (a period between two bins leaks into both).
- ACF: the biased sample autocorrelation ``Σ x_t x_{t+k} / Σ x_t²`` of the mean-removed series, computed with
  ``scipy.signal.correlate`` (Box & Jenkins, *Time Series Analysis*, 1970), with the white-noise band
  ``±1.96 / √n``.
- Errors are ``prediction − truth`` at the last horizon step in ppm, stamped with the target time
  (``dataset.test.t_target``): the hour that is being forecast is the one whose conditions shape the error.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import fft, signal

from interp.analyses.representations import hidden_state_pca
from interp.errors import DataError
from interp.study import Study, cached

TOP_FILTERS = 6
"""D1 shows this many of the most periodic layer-2 filters."""

N_PCS = 3
"""D2/D3 study this many leading hidden-state PCs."""

ACF_MAX_LAG_HOURS = 72.0
ROLLING_WINDOW_HOURS = 24.0
DAY_HOURS = 24.0


@dataclass(frozen=True)
class Spectrum:
    """Periodograms of S series of n evenly spaced samples (K = n // 2 non-DC bins).

    Attributes
    ----------
    frequency_per_hour : (K,) bin frequencies, cycles per hour, increasing.
    period_hours : (K,) ``1 / frequency``, hours per cycle, decreasing.
    power : (S, K) ``|rfft|² / n`` of the detrended series, (series unit)²; NaN rows for series with NaN/inf.
    dominant_period_hours : (S,) period of the strongest bin; NaN for a constant or non-finite series.
    periodicity : (S,) share of the non-DC power in the strongest bin ± 1 bin, in [0, 1]; 0 if constant.
    step_hours : float, sample spacing.
    n_steps : int, series length n.
    """

    frequency_per_hour: np.ndarray
    period_hours: np.ndarray
    power: np.ndarray
    dominant_period_hours: np.ndarray
    periodicity: np.ndarray
    step_hours: float
    n_steps: int

    @property
    def bin_width_per_hour(self) -> float:
        """Frequency resolution ``1 / (n · step)``, cycles per hour."""
        return float(self.frequency_per_hour[0])

    @property
    def power_share(self) -> np.ndarray:
        """``(S, K)`` each bin's share of its series' non-DC power (0 for a constant series)."""
        total = self.power.sum(axis=1, keepdims=True)
        return np.divide(self.power, total, out=np.zeros_like(self.power), where=total > 0)


def power_spectrum(series: np.ndarray, step_hours: float) -> Spectrum:
    """Periodogram, dominant period and periodicity of each row of ``series``.

    Parameters
    ----------
    series : np.ndarray
        ``(S, n)`` or ``(n,)`` evenly spaced samples in time order, n ≥ 4.
    step_hours : float
        Sample spacing in hours.
    """
    x = np.atleast_2d(np.asarray(series, dtype=np.float64))
    n = x.shape[1]
    if n < 4:
        raise DataError(
            f"Expected a time series of at least 4 evenly spaced windows for a spectrum. Found {n}. "
            f"Provide a longer test split without gaps."
        )
    finite = np.isfinite(x).all(axis=1)
    live = finite & (np.ptp(np.where(finite[:, None], x, 0.0), axis=1) > 0)
    power = np.zeros((x.shape[0], n // 2))
    power[~finite] = np.nan
    if live.any():
        coeffs = fft.rfft(signal.detrend(x[live], axis=1, type="linear"), axis=1)
        power[live] = np.abs(coeffs[:, 1 : n // 2 + 1]) ** 2 / n
    frequency = fft.rfftfreq(n, d=step_hours)[1 : n // 2 + 1]
    total = power.sum(axis=1)
    peak = np.argmax(np.where(live[:, None], power, 0.0), axis=1)
    padded = np.pad(np.where(live[:, None], power, 0.0), ((0, 0), (1, 1)))
    rows = np.arange(x.shape[0])
    peak_power = padded[rows, peak] + padded[rows, peak + 1] + padded[rows, peak + 2]
    periodicity = np.where(finite, 0.0, np.nan)
    periodicity[live] = peak_power[live] / total[live]
    dominant = np.full(x.shape[0], np.nan)
    dominant[live] = 1.0 / frequency[peak[live]]
    return Spectrum(frequency, 1.0 / frequency, power, dominant, periodicity, float(step_hours), n)


def near_period(spectrum: Spectrum, period_hours: float) -> np.ndarray:
    """``(S,)`` bool: whether each series' dominant frequency is within one bin of ``1 / period_hours``."""
    offset = np.abs(1.0 / spectrum.dominant_period_hours - 1.0 / period_hours)
    return np.nan_to_num(offset, nan=np.inf) <= spectrum.bin_width_per_hour * (1 + 1e-9)


def share_near_period(spectrum: Spectrum, period_hours: float) -> np.ndarray:
    """``(S,)`` share of each series' non-DC power within one bin of the frequency ``1 / period_hours``."""
    close = np.abs(spectrum.frequency_per_hour - 1.0 / period_hours) <= spectrum.bin_width_per_hour
    return spectrum.power_share[:, close].sum(axis=1)


def autocorrelation(series: np.ndarray, max_lag: int) -> np.ndarray:
    """Biased sample ACF ``(S, max_lag + 1)`` of each row of ``series`` at lags 0 … max_lag steps.

    ``acf[k] = Σ_t x_t x_{t+k} / Σ_t x_t²`` of the mean-removed series via ``scipy.signal.correlate``; a
    constant series has no correlation structure and gets all zeros; a series with NaN/inf, and lags past
    the series, get NaN.
    """
    x = np.atleast_2d(np.asarray(series, dtype=np.float64))
    n = x.shape[1]
    acf = np.full((x.shape[0], max_lag + 1), np.nan)
    usable = min(max_lag, n - 1) + 1
    for row, values in enumerate(x):
        if not np.isfinite(values).all():
            continue
        centred = values - values.mean()
        full = signal.correlate(centred, centred, mode="full")[n - 1 : n - 1 + usable]
        acf[row, :usable] = full / full[0] if np.ptp(values) > 0 else 0.0
    return acf


def longest_regular_run(times: np.ndarray, step: pd.Timedelta) -> slice:
    """The longest stretch of ``times`` (sorted datetime64) whose consecutive samples are ``step`` apart."""
    ticks = pd.DatetimeIndex(times).as_unit("ns").asi8
    breaks = np.flatnonzero(np.diff(ticks) != step.value) + 1
    edges = np.concatenate([[0], breaks, [len(ticks)]])
    longest = int(np.argmax(np.diff(edges)))
    return slice(int(edges[longest]), int(edges[longest + 1]))


def _regular(study: Study) -> tuple[slice, float]:
    """The evaluation windows a spectrum may use, and their spacing in hours."""
    dataset = study.dataset
    return longest_regular_run(dataset.test.t_target, dataset.resolution), 1.0 / dataset.steps_per_hour


def residuals_ppm(study: Study) -> np.ndarray:
    """``(N,)`` prediction − truth at the last horizon step, ppm, in time order."""
    return study.predictions_ppm[:, -1] - study.targets_ppm[:, -1]


@dataclass(frozen=True)
class FilterSpectra:
    """D1: spectra of each conv filter's window-mean activation series.

    Attributes
    ----------
    layer1 : Spectrum with S = 32 (block-1 output ``act1``, post BN + ReLU).
    layer2 : Spectrum with S = 64 (block-2 output ``act2``, the pool's input).
    top_filters : (6,) int, layer-2 filters by decreasing periodicity (ties by index).
    """

    layer1: Spectrum
    layer2: Spectrum
    top_filters: np.ndarray


@cached
def filter_activation_spectra(study: Study) -> FilterSpectra:
    """D1: FFT of each filter's activation (mean over the window's positions) across the evaluation set."""
    run, step = _regular(study)
    cap = study.capture
    layer1 = power_spectrum(cap.act1[run].mean(axis=2).T, step)
    layer2 = power_spectrum(cap.act2[run].mean(axis=2).T, step)
    order = np.argsort(-np.nan_to_num(layer2.periodicity, nan=-1.0), kind="stable")
    return FilterSpectra(layer1, layer2, order[:TOP_FILTERS])


@dataclass(frozen=True)
class HiddenStateSpectra:
    """D2: spectra of the leading PC scores of the LSTM's final hidden state ``h_n``.

    Attributes
    ----------
    spectrum : Spectrum with S = 3 (PC1 … PC3 scores).
    explained_variance_ratio : (3,) share of ``h_n`` variance of each PC.
    """

    spectrum: Spectrum
    explained_variance_ratio: np.ndarray


@cached
def hidden_state_spectra(study: Study) -> HiddenStateSpectra:
    """D2: FFT of the top 3 PC score series of ``h_n`` (PCA shared with Section C)."""
    run, step = _regular(study)
    pca = hidden_state_pca(study)
    k = min(N_PCS, pca.scores.shape[1])
    return HiddenStateSpectra(power_spectrum(pca.scores[run, :k].T, step), pca.explained_variance_ratio[:k])


@dataclass(frozen=True)
class Autocorrelation:
    """D3: ACF of the leading hidden-state PC scores.

    Attributes
    ----------
    lag_hours : (M + 1,) lags 0 … 72 h.
    acf : (S, M + 1) sample ACF of PC1 … PC3 (NaN past the series' length).
    band : float, the white-noise 95 % band half-width ``1.96 / √n``.
    n_steps : int, series length n.
    """

    lag_hours: np.ndarray
    acf: np.ndarray
    band: float
    n_steps: int

    def at(self, hours: float) -> np.ndarray:
        """``(S,)`` ACF at the lag nearest to ``hours``."""
        return self.acf[:, int(np.argmin(np.abs(self.lag_hours - hours)))]


@cached
def hidden_state_acf(study: Study) -> Autocorrelation:
    """D3: autocorrelation of the top 3 PC score series of ``h_n`` up to 72 h lag."""
    run, step = _regular(study)
    scores = hidden_state_pca(study).scores[run, :N_PCS].T
    max_lag = round(ACF_MAX_LAG_HOURS / step)
    acf = autocorrelation(scores, max_lag)
    n = scores.shape[1]
    return Autocorrelation(np.arange(max_lag + 1) * step, acf, 1.96 / np.sqrt(n), n)


@cached
def residual_spectrum(study: Study) -> Spectrum:
    """D4: FFT of the last-horizon-step residual series (ppm); S = 1."""
    run, step = _regular(study)
    return power_spectrum(residuals_ppm(study)[run], step)


@dataclass(frozen=True)
class RollingRMSE:
    """D5: RMSE over a trailing 24 h window of targets, for every window end with a full 24 h of windows.

    Attributes
    ----------
    t_end : (M,) datetime64[ns], target time of the window's last sample.
    rmse_ppm : (M,) RMSE of the last-step error over the windows with targets in ``(t_end − 24 h, t_end]``.
    overall_rmse_ppm : float, RMSE over the whole evaluation set.
    window_hours : float.
    """

    t_end: np.ndarray
    rmse_ppm: np.ndarray
    overall_rmse_ppm: float
    window_hours: float


def rolling_rmse_series(
    errors: np.ndarray, times: np.ndarray, window_hours: float, steps_per_hour: float
) -> RollingRMSE:
    """Trailing rolling RMSE of ``errors`` (ppm) stamped ``times`` (sorted); only full windows are kept.

    The window is time-based, ``(t − window_hours, t]``, so it never spans a gap in the user's data as if the
    gap were not there; a window is full when it holds ``window_hours · steps_per_hour`` samples, and its RMSE
    is NaN when one of them is NaN.
    """
    index = pd.DatetimeIndex(times)
    squared = pd.Series(np.asarray(errors, dtype=np.float64) ** 2, index=index)
    window, size = pd.Timedelta(hours=window_hours), round(window_hours * steps_per_hour)
    full = (pd.Series(1.0, index=index).rolling(window).count() == size).to_numpy()
    mse = squared.rolling(window, min_periods=size).mean().to_numpy()[full]
    return RollingRMSE(
        t_end=np.asarray(times)[full],
        rmse_ppm=np.sqrt(mse),
        overall_rmse_ppm=float(np.sqrt(np.mean(squared.to_numpy()))),
        window_hours=float(window_hours),
    )


@cached
def rolling_rmse(study: Study) -> RollingRMSE:
    """D5: 24 h rolling RMSE of the last-horizon-step error across the test set."""
    dataset = study.dataset
    return rolling_rmse_series(
        residuals_ppm(study), dataset.test.t_target, ROLLING_WINDOW_HOURS, dataset.steps_per_hour
    )


@dataclass(frozen=True)
class PhaseProfile:
    """D6: the last-step error folded onto the 24 h cycle by the target's hour of day.

    Attributes
    ----------
    hour : (24,) hour of day 0 … 23 of the forecast target.
    mean_ppm, std_ppm, q25_ppm, q75_ppm : (24,) mean, standard deviation and quartiles of the error (NaN in
        an empty bin).
    count : (24,) windows per bin.
    """

    hour: np.ndarray
    mean_ppm: np.ndarray
    std_ppm: np.ndarray
    q25_ppm: np.ndarray
    q75_ppm: np.ndarray
    count: np.ndarray


def hour_of_day_profile(errors: np.ndarray, hours: np.ndarray) -> PhaseProfile:
    """Mean, spread and count of ``errors`` in each of the 24 hour-of-day bins given by ``hours`` (0–23)."""
    errors = np.asarray(errors, dtype=np.float64)
    stats = np.full((4, 24), np.nan)
    count = np.bincount(hours, minlength=24)
    # NaN/inf errors give NaN/inf statistics, without warnings: the D6 invariant reports them.
    with np.errstate(invalid="ignore", over="ignore"):
        for h in np.flatnonzero(count):
            values = errors[hours == h]
            stats[:, h] = (values.mean(), values.std(), *np.percentile(values, [25, 75]))
    return PhaseProfile(np.arange(24), *stats, count)


@cached
def phase_aligned_error(study: Study) -> PhaseProfile:
    """D6: mean and spread of the last-step error (ppm) by the target's hour of day."""
    hours = pd.DatetimeIndex(study.dataset.test.t_target).hour.to_numpy()
    return hour_of_day_profile(residuals_ppm(study), hours)
