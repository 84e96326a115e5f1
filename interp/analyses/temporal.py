"""Section D: periodicity of CNN activations and LSTM hidden states, and the time structure of the errors.

The evaluation set is the test split in time order, one window per data step, so every per-window quantity
(a filter's activation at one position, a hidden-state PC score, the residual) is a time series sampled every
``1 / dataset.steps_per_hour`` hours. Spectra and autocorrelations (:mod:`interp.analyses.spectra`) need
evenly spaced samples: when the user's data has gaps, they use the longest gap-free run of windows (on the
embedded data: the whole split). D3 draws the ACF's white-noise band ``±1.96 / √n``.

Residuals are ``truth − prediction`` at the last horizon step in ppm (positive: the model under-predicts),
the one convention of D and E (:attr:`interp.analyses.quality.LastStepPredictions.residual_ppm`), stamped with
the target time (``dataset.test.t_target``): the hour that is being forecast is the one whose conditions shape
the error.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from interp.analyses.quality import last_step_predictions
from interp.analyses.representations import hidden_state_pca
from interp.analyses.spectra import RedNoiseTest, Spectrum, autocorrelation, power_spectrum, red_noise_test
from interp.study import Study, cached

TOP_FILTERS = 6
"""D1 shows this many of the most periodic layer-2 filters."""

SIGNIFICANCE = 0.05
"""D1 counts a series as periodic when its red-noise p-value is at most this."""

N_PCS = 3
"""D2/D3 study this many leading hidden-state PCs."""

ACF_MAX_LAG_HOURS = 72.0
ROLLING_WINDOW_HOURS = 24.0
DAY_HOURS = 24.0


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
    """``(N,)`` truth − prediction at the last horizon step, ppm, in time order (positive: under-prediction)."""
    return last_step_predictions(study).residual_ppm


@dataclass(frozen=True)
class FilterSpectra:
    """D1: spectra of each conv filter's activation at the last position of the window, and their red-noise test.

    Attributes
    ----------
    layer1 : Spectrum with S = C1 (block-1 output ``act1``, post BN + ReLU).
    layer2 : Spectrum with S = C2 (block-2 output ``act2``, the pool's input).
    layer1_null, layer2_null : RedNoiseTest of the same series.
    top_filters : (6,) int, layer-2 filters by decreasing power over red noise (``layer2_null.ranking()``).
    """

    layer1: Spectrum
    layer2: Spectrum
    layer1_null: RedNoiseTest
    layer2_null: RedNoiseTest
    top_filters: np.ndarray


@cached
def filter_activation_spectra(study: Study) -> FilterSpectra:
    """D1: FFT of each filter's activation at the window's last position, across the evaluation set.

    Rule: a filter's series is its activation (post BN + ReLU) at the last position of the conv output, the
    position of the window's last input step. Windows one data step apart then give the filter's response to
    successive steps of the data, a proper time series. The mean over the window's positions would be a
    moving average over the lookback, whose transfer function is zero at multiples of ``1 / lookback``: with a
    24 h lookback it cancels exactly the daily cycle D1 looks for. The red-noise surrogates are seeded from
    ``study.config.seed`` (layer 1 and layer 2 draw from ``[seed, 1]`` and ``[seed, 2]``).
    """
    run, step = _regular(study)
    cap = study.capture
    seed = study.config.seed
    layer1, layer2 = cap.act1.last[run].T, cap.act2.last[run].T
    layer2_null = red_noise_test(layer2, step, seed=[seed, 2])
    return FilterSpectra(
        layer1=power_spectrum(layer1, step),
        layer2=power_spectrum(layer2, step),
        layer1_null=red_noise_test(layer1, step, seed=[seed, 1]),
        layer2_null=layer2_null,
        top_filters=layer2_null.ranking()[:TOP_FILTERS],
    )


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
