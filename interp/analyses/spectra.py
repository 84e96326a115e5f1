"""Spectra, red-noise tests and autocorrelations of evenly spaced series (Section D's pure functions).

Every function takes ``(S, n)`` (or ``(n,)``) samples in time order and a spacing in hours; nothing here reads
a study.

- Spectrum: the one-sided periodogram ``|rfft(x)|² / n`` of the linearly detrended series (least-squares
  line removed, as ``scipy.signal.detrend``; ``scipy.fft.rfft``/``rfftfreq``), DC bin dropped; periods in
  hours per cycle. No taper: the red-noise surrogates pass through the same periodogram, so leakage biases a
  series and its null alike, and a Hann window would cut a line's peak power by a third (measured on D1:
  every top filter's ratio to the null drops by 30–40 % with it, the ranking barely moves).
- Periodicity share of a series: the share of its non-DC power in the largest peak, the peak being the
  strongest bin and its two neighbours (a period between two bins leaks into both). It is descriptive only: a
  slow, aperiodic (red-noise) series puts most of its power into the lowest bins and scores high.
- Periodicity against red noise: each bin's power over the mean power of AR(1) surrogates with the series'
  own lag-1 autocorrelation and variance (Gilman, Fuglister & Mitchell, *J. Atmos. Sci.* 1963; Schulz &
  Mudelsee, REDFIT, *Comput. Geosci.* 2002); see :func:`red_noise_test`.
- ACF: the biased sample autocorrelation ``Σ x_t x_{t+k} / Σ x_t²`` of the mean-removed series, computed with
  ``scipy.signal.correlate`` (Box & Jenkins, *Time Series Analysis*, 1970).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import fft, signal

from interp.errors import DataError

N_SURROGATES = 199
"""AR(1) surrogates per series in the red-noise test (p-values in steps of 1 / 200)."""

MAX_LAG1 = 0.99
"""The surrogates' lag-1 autocorrelation is clipped to ±this, so that each is a stationary AR(1)."""

FLAT_TOLERANCE = 1e-9
"""A detrended series whose standard deviation is below this times its largest |value| (at least 1) is flat."""


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
        """``(S, K)`` each bin's share of its series' non-DC power (0 for a constant series, NaN for a series
        with NaN/inf values)."""
        total = self.power.sum(axis=1, keepdims=True)
        out = np.where(np.isfinite(total), 0.0, np.nan) * np.ones_like(self.power)
        return np.divide(self.power, total, out=out, where=total > 0)


def _detrend(x: np.ndarray) -> np.ndarray:
    """Each row minus its least-squares line (``scipy.signal.detrend(type="linear")`` in closed form)."""
    t = np.arange(x.shape[-1], dtype=np.float64)
    t -= t.mean()
    centred = x - x.mean(axis=-1, keepdims=True)
    slope = (centred @ t) / (t @ t)
    return centred - slope[..., None] * t


def _periodogram(x: np.ndarray) -> np.ndarray:
    """``(S, n // 2)`` one-sided periodogram ``|rfft|² / n`` of each linearly detrended row, DC bin dropped."""
    n = x.shape[-1]
    coeffs = fft.rfft(_detrend(x), axis=-1)
    return np.abs(coeffs[..., 1 : n // 2 + 1]) ** 2 / n


def _series_matrix(series: np.ndarray) -> np.ndarray:
    """``series`` as a float64 ``(S, n)`` matrix; raises DataError below 4 samples."""
    x = np.atleast_2d(np.asarray(series, dtype=np.float64))
    if x.shape[1] < 4:
        raise DataError(
            f"Expected a time series of at least 4 evenly spaced windows for a spectrum. Found {x.shape[1]}. "
            f"Provide a longer test split without gaps."
        )
    return x


def power_spectrum(series: np.ndarray, step_hours: float) -> Spectrum:
    """Periodogram, dominant period and periodicity share of each row of ``series``.

    Parameters
    ----------
    series : np.ndarray
        ``(S, n)`` or ``(n,)`` evenly spaced samples in time order, n ≥ 4.
    step_hours : float
        Sample spacing in hours.
    """
    x = _series_matrix(series)
    n = x.shape[1]
    finite = np.isfinite(x).all(axis=1)
    live = finite & (np.ptp(np.where(finite[:, None], x, 0.0), axis=1) > 0)
    power = np.zeros((x.shape[0], n // 2))
    power[~finite] = np.nan
    if live.any():
        power[live] = _periodogram(x[live])
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


@dataclass(frozen=True)
class RedNoiseTest:
    """How far each series' spectrum stands above AR(1) red noise of the same lag-1 autocorrelation and variance.

    S series of n samples, K = n // 2 non-DC bins (the bins of :func:`power_spectrum`).

    Attributes
    ----------
    lag1 : (S,) lag-1 autocorrelation of each detrended series, clipped to ±0.99 (NaN if non-finite).
    null_power : (S, K) mean periodogram of the series' AR(1) surrogates, (series unit)².
    null_power_q95 : (S, K) the surrogates' 95th percentile per bin, (series unit)².
    peak_period_hours : (S,) period of the bin whose power is the largest multiple of the null's; NaN for a
        flat series (constant or a straight line: nothing left after detrending) or a non-finite one.
    peak_to_null : (S,) that multiple (dimensionless); 0 for a flat series, NaN for a non-finite one.
    p_value : (S,) share of surrogates whose own largest multiple (over all bins, against the same null)
        reaches the series', ``(1 + count) / (1 + M)``; 1 for a flat series, NaN for a non-finite one.
    n_surrogates : int, M.
    """

    lag1: np.ndarray
    null_power: np.ndarray
    null_power_q95: np.ndarray
    peak_period_hours: np.ndarray
    peak_to_null: np.ndarray
    p_value: np.ndarray
    n_surrogates: int

    def ranking(self) -> np.ndarray:
        """``(S,)`` series indices by decreasing ``peak_to_null`` (NaN last; ties by index)."""
        return np.argsort(-np.nan_to_num(self.peak_to_null, nan=-1.0), kind="stable")


def red_noise_test(
    series: np.ndarray, step_hours: float, n_surrogates: int = N_SURROGATES, seed: int | list[int] = 0
) -> RedNoiseTest:
    """Test each row of ``series`` for a spectral line against an AR(1) red-noise null.

    For a series x (linearly detrended, standard deviation σ, lag-1 autocorrelation φ = Σ x_t x_{t+1} / Σ x_t²
    clipped to ±0.99) draw M stationary AR(1) surrogates ``y_t = φ y_{t−1} + e_t`` with variance σ² and pass
    them through the same periodogram. The null spectrum is the surrogates' mean periodogram; the series'
    peak is the bin where its power is the largest multiple of the null, so a slow series, which red noise of
    its own φ already explains, scores near the surrogates, and a daily cycle on top of it stands out. The
    p-value compares that multiple with each surrogate's own largest multiple over all bins (a test over all
    frequencies at once, so it needs no correction for the K bins searched). φ is estimated from the series
    itself, line included, as in REDFIT; it makes the null slightly redder than the noise alone.

    Parameters
    ----------
    series : np.ndarray
        ``(S, n)`` or ``(n,)`` evenly spaced samples in time order, n ≥ 4.
    step_hours : float
        Sample spacing in hours.
    n_surrogates : int
        M, surrogates per series.
    seed : int or list of int
        Seed of ``numpy.random.default_rng``; the series draw their surrogates in row order.
    """
    x = _series_matrix(series)
    s, n = x.shape
    bins = n // 2
    rng = np.random.default_rng(seed)
    frequency = fft.rfftfreq(n, d=step_hours)[1 : bins + 1]
    lag1 = np.full(s, np.nan)
    null_mean, null_q95 = np.full((s, bins), np.nan), np.full((s, bins), np.nan)
    peak_period, ratio, p_value = np.full(s, np.nan), np.full(s, np.nan), np.full(s, np.nan)
    power = np.full((s, bins), np.nan)
    finite = np.isfinite(x).all(axis=1)
    detrended = _detrend(np.where(finite[:, None], x, 0.0))
    power[finite] = _periodogram(x[finite])
    sigma = detrended.std(axis=1)
    # a line (or a constant) leaves only round-off after detrending: no variance to test
    flat = sigma <= FLAT_TOLERANCE * np.maximum(np.abs(np.where(finite[:, None], x, 0.0)).max(axis=1), 1.0)
    for row in np.flatnonzero(finite):
        d = detrended[row]
        if flat[row]:
            lag1[row], ratio[row], p_value[row] = 0.0, 0.0, 1.0
            null_mean[row] = null_q95[row] = 0.0
            continue
        phi = float(np.clip((d[:-1] @ d[1:]) / (d @ d), -MAX_LAG1, MAX_LAG1))
        noise = rng.standard_normal((n_surrogates, n))
        noise[:, 1:] *= np.sqrt(1.0 - phi**2)
        surrogates = _periodogram(sigma[row] * signal.lfilter([1.0], [1.0, -phi], noise, axis=1))
        mean = surrogates.mean(axis=0)
        multiple = power[row] / mean
        peak = int(np.argmax(multiple))
        surrogate_best = (surrogates / mean).max(axis=1)
        lag1[row], null_mean[row], null_q95[row] = phi, mean, np.percentile(surrogates, 95, axis=0)
        peak_period[row], ratio[row] = 1.0 / frequency[peak], multiple[peak]
        p_value[row] = (1 + int((surrogate_best >= multiple[peak]).sum())) / (1 + n_surrogates)
    return RedNoiseTest(lag1, null_mean, null_q95, peak_period, ratio, p_value, int(n_surrogates))


def near_period(spectrum: Spectrum, period_hours: float, peaks_hours: np.ndarray | None = None) -> np.ndarray:
    """``(S,)`` bool: whether each series' peak frequency is within one bin of ``1 / period_hours``.

    The peaks are the dominant periods of ``spectrum`` unless ``peaks_hours`` (S,) gives others (e.g. a
    :class:`RedNoiseTest`'s ``peak_period_hours``); NaN peaks are never near.
    """
    peaks = spectrum.dominant_period_hours if peaks_hours is None else peaks_hours
    offset = np.abs(1.0 / peaks - 1.0 / period_hours)
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
