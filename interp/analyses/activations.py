"""Section A4–A7: activation maps of the two conv blocks (post BN + ReLU), from the study's one forward pass.

A4/A5 show one typical High-CO2 window's ``(32, L)`` and ``(64, L)`` maps, A6 the per-filter mean, sparsity
(share of exact zeros) and maximum over the evaluation set, A7 the mean activation per filter within each CO2
regime with standard errors that account for overlapping windows. Everything reads the study's capture
(``study.capture.act1`` / ``act2``: the blocks' statistics, per-window means and the representative window's
maps, :class:`~interp.summaries.BlockSummary`); no pass is run here. Feature-map inspection in the spirit of
Zeiler & Fergus, arXiv:1311.2901.

A window's regime is the regime of its target at the last horizon step (t + H), not of its inputs.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from interp.config import REGIME_NAMES
from interp.study import Study, cached
from interp.summaries import BlockAccumulator, BlockSummary

HIGH, LOW = REGIME_NAMES.index("High"), REGIME_NAMES.index("Low")

TOP_SPECIALISTS = 3
"""A7 names this many High-CO2 specialists per layer (largest High − Low mean difference)."""


def choose_representative(targets_ppm: np.ndarray, regimes: np.ndarray) -> tuple[int, int]:
    """A4/A5 rule: the High window whose target is the (lower) median of the High windows' targets.

    A typical High-CO2 window, not the most extreme one. Without a High window, the same rule is applied to the
    highest regime that has windows.

    Parameters
    ----------
    targets_ppm : (N,) float
        Each window's target at the last horizon step, ppm.
    regimes : (N,) int
        Regime of each window (0 Low, 1 Medium, 2 High).

    Returns
    -------
    index : int
        Chosen window: rank ``(n − 1) // 2`` of the regime's n windows sorted by target (stable, so the
        earliest window on ties).
    regime : int
        The regime it was chosen from (High unless that regime is empty).
    """
    regime = HIGH if np.any(regimes == HIGH) else int(np.max(regimes))
    members = np.flatnonzero(regimes == regime)
    ranked = members[np.argsort(targets_ppm[members], kind="stable")]
    return int(ranked[(ranked.size - 1) // 2]), regime


@dataclass(frozen=True)
class RepresentativeWindow:
    """The window A4 and A5 show.

    Attributes
    ----------
    index : int
        Position in the evaluation set (test split, time order).
    target_ppm : float
        Its target at the last horizon step, ppm.
    regime : int
        Its regime (index into ``REGIME_NAMES``).
    fallback : bool
        True when the evaluation set has no High window (the median of the highest non-empty regime is shown).
    rule : str
        The selection rule in words, for the figure title.
    """

    index: int
    target_ppm: float
    regime: int
    fallback: bool
    rule: str


@cached
def representative_window(study: Study) -> RepresentativeWindow:
    """A4/A5: the evaluation window with the median target among the High windows (:func:`choose_representative`)."""
    targets, regimes = study.targets_ppm[:, -1], study.dataset.test_regimes
    index, regime = choose_representative(targets, regimes)
    count, name = int(np.sum(regimes == regime)), REGIME_NAMES[regime]
    rule = f"median target (at t + H) of the {count} {name} windows"
    if regime != HIGH:
        rule = f"no High window: {rule}"
    return RepresentativeWindow(index, float(targets[index]), int(regimes[index]), regime != HIGH, rule)


@dataclass(frozen=True)
class ActivationMap:
    """A4/A5: one conv block's activations for the representative window.

    Attributes
    ----------
    layer : str
        ``"layer 1"`` or ``"layer 2"``.
    activations : (C, L) float32
        Post BN + ReLU activations (C = 32 or 64 filters, L lookback steps).
    hours : (L,) float64
        Time of each step relative to the window's last input step, hours (0 = now, negative = earlier).
    co2_ppm : (L,) float64
        The window's CO2 input, ppm.
    window : RepresentativeWindow
    vmax : float
        Upper colour limit: the largest activation of the map (lower limit 0).
    """

    layer: str
    activations: np.ndarray
    hours: np.ndarray
    co2_ppm: np.ndarray
    window: RepresentativeWindow
    vmax: float


def _activation_map(study: Study, layer: str, block: BlockSummary) -> ActivationMap:
    window = representative_window(study)  # the window Study.capture kept: block.window is its map
    dataset = study.dataset
    single = block.window
    steps = single.shape[1]
    hours = (np.arange(steps) - (steps - 1)) / dataset.steps_per_hour
    co2 = dataset.to_ppm(dataset.test.x[window.index, :, dataset.scaler.target_index])
    vmax = float(np.max(single)) if single.size else 0.0
    return ActivationMap(layer, single, hours, co2, window, vmax if vmax > 0 else 1.0)


@cached
def layer1_activation_heatmap(study: Study) -> ActivationMap:
    """A4: ``(32, L)`` layer-1 activations (``capture.act1.window``) of the representative window."""
    return _activation_map(study, "layer 1", study.capture.act1)


@cached
def layer2_activation_heatmap(study: Study) -> ActivationMap:
    """A5: ``(64, L)`` layer-2 activations (``capture.act2.window``, the pool input) of the representative
    window."""
    return _activation_map(study, "layer 2", study.capture.act2)


@dataclass(frozen=True)
class LayerStats:
    """Per-filter statistics of one conv block over all windows and steps.

    Attributes
    ----------
    mean : (C,) float64
        Mean activation.
    sparsity : (C,) float64
        Fraction of activations that are exactly 0 (the ReLU's dead side), in [0, 1]; NaN when the activations
        are not finite. A2 calls a filter dormant from this share.
    max : (C,) float64
        Largest activation.
    """

    mean: np.ndarray
    sparsity: np.ndarray
    max: np.ndarray


def layer_stats(act: np.ndarray) -> LayerStats:
    """Mean, sparsity (share of exact zeros) and maximum per filter of ``(N, C, L)`` activations."""
    act = np.asarray(act)
    accumulator = BlockAccumulator(len(act))
    accumulator.add(torch.as_tensor(act))
    return block_stats(accumulator.result())


def block_stats(block: BlockSummary) -> LayerStats:
    """A6's statistics of a block reduced by a pass (:class:`~interp.summaries.BlockSummary`)."""
    return LayerStats(block.mean, block.zero_share, block.max)


@dataclass(frozen=True)
class ActivationStats:
    """A6: per-filter activation statistics of both conv blocks (post BN + ReLU)."""

    layer1: LayerStats
    layer2: LayerStats


@cached
def activation_stats(study: Study) -> ActivationStats:
    """A6: mean, sparsity (share of exact zeros) and max per filter over the evaluation set."""
    capture = study.capture
    return ActivationStats(block_stats(capture.act1), block_stats(capture.act2))


def activation_stats_csv(stats: ActivationStats) -> str:
    """A6 table as CSV: ``layer,filter,mean,sparsity,max`` (sparsity a fraction), 6 significant digits."""
    out = io.StringIO()
    out.write("layer,filter,mean,sparsity,max\n")
    for layer, values in (("layer1", stats.layer1), ("layer2", stats.layer2)):
        for i, row in enumerate(zip(values.mean, values.sparsity, values.max, strict=True)):
            out.write(f"{layer},{i}," + ",".join(format(float(v), ".6g") for v in row) + "\n")
    return out.getvalue()


def effective_sample_size(values: np.ndarray, positions: np.ndarray, bandwidth: int) -> np.ndarray:
    """Effective number of independent observations behind the mean of a time-indexed series, per column.

    Newey–West (Bartlett) estimate (Newey & West, Econometrica 55:703, 1987): with ``y`` the centred values,
    ``n_eff = n · Σ y_i² / Σ_ij w(|p_i − p_j|) y_i y_j`` and ``w(k) = max(0, 1 − k / bandwidth)``, so that the
    standard error of the mean is ``s / √n_eff``. With ``bandwidth`` = the lookback L, ``w(k)`` is the share of
    input steps two windows k steps apart have in common. The Bartlett weights keep the denominator positive;
    ``n_eff`` is clipped to ``[1, n]`` (the mean is never worth more than n independent values, nor less than
    one); a constant column gets ``n``, a column with a NaN or ±inf value NaN (a broken model's activations).

    Parameters
    ----------
    values : (n, C) float
        One row per observation, in time order.
    positions : (n,) int
        Strictly increasing time index of each row, in steps (rows missing from the series are simply absent).
    bandwidth : int
        Lags ``≥ bandwidth`` steps get no weight; 1 treats the rows as independent.

    Returns
    -------
    (C,) float64
    """
    values = np.asarray(values, dtype=np.float64)
    n = values.shape[0]
    if n < 2:
        return np.full(values.shape[1], float(n))
    finite = np.all(np.isfinite(values), axis=0)
    values = np.where(finite, values, 0.0)
    centred = values - values.mean(axis=0)
    spread = np.asarray(positions, dtype=np.int64) - int(positions[0])
    length = int(spread[-1]) + 1
    dense = np.zeros((length + bandwidth, values.shape[1]))
    dense[spread] = centred
    variance = np.sum(centred**2, axis=0)
    weighted = variance.copy()
    for lag in range(1, bandwidth):
        weighted += 2.0 * (1.0 - lag / bandwidth) * np.sum(dense[:length] * dense[lag : length + lag], axis=0)
    ratio = np.divide(variance, weighted, out=np.ones_like(variance), where=weighted > 0)
    return np.where(finite, np.clip(n * ratio, 1.0, n), np.nan)


@dataclass(frozen=True)
class RegimeMeans:
    """Mean activation per filter within each CO2 regime, for one conv block.

    Attributes
    ----------
    means : (3, C) float64
        Mean over the regime's windows of each window's mean activation (over steps); NaN for an empty regime.
    standard_errors : (3, C) float64
        Standard error of those means, ``s / √n_eff`` (sample std over the regime's windows, effective sample
        size of :func:`effective_sample_size`); NaN below 2 windows.
    effective_counts : (3, C) float64
        ``n_eff`` per regime and filter (1 … the regime's window count); NaN for an empty regime.
    counts : (3,) int
        Windows per regime (Low, Medium, High).
    high_minus_low : (C,) float64
        ``means[High] − means[Low]``.
    specialists : (k,) int
        The :data:`TOP_SPECIALISTS` filters with the largest High − Low difference, largest first (empty when
        High or Low has no window); a filter whose difference is NaN or ±inf is never one.

    Non-finite activations (a broken model) give NaN or ±inf statistics, without warnings.
    """

    means: np.ndarray
    standard_errors: np.ndarray
    effective_counts: np.ndarray
    counts: np.ndarray
    high_minus_low: np.ndarray
    specialists: np.ndarray


def regime_means(
    act: np.ndarray, regimes: np.ndarray, positions: np.ndarray, bandwidth: int, top: int = TOP_SPECIALISTS
) -> RegimeMeans:
    """A7 for one block: per-regime mean and standard error of ``(N, C, L)`` activations.

    Parameters
    ----------
    act : (N, C, L) float
        Activations of N windows in time order.
    regimes : (N,) int
        Regime of each window's target at t + H.
    positions : (N,) int
        Strictly increasing time index of each window, in steps.
    bandwidth : int
        Dependence range for the standard errors (:func:`effective_sample_size`): the lookback, in steps.
    top : int
        How many High specialists to name.
    """
    with np.errstate(invalid="ignore", over="ignore"):
        window_means = np.asarray(act, dtype=np.float64).mean(axis=2)
    return window_regime_means(window_means, regimes, positions, bandwidth, top)


def window_regime_means(
    window_means: np.ndarray,
    regimes: np.ndarray,
    positions: np.ndarray,
    bandwidth: int,
    top: int = TOP_SPECIALISTS,
) -> RegimeMeans:
    """:func:`regime_means` from each window's mean activation per filter, ``(N, C)`` (what a pass keeps)."""
    with np.errstate(invalid="ignore", over="ignore"):
        return _regime_means(np.asarray(window_means, dtype=np.float64), regimes, positions, bandwidth, top)


def _regime_means(
    window_means: np.ndarray, regimes: np.ndarray, positions: np.ndarray, bandwidth: int, top: int
) -> RegimeMeans:
    n_regimes, n_filters = len(REGIME_NAMES), window_means.shape[1]
    means = np.full((n_regimes, n_filters), np.nan)
    errors = np.full((n_regimes, n_filters), np.nan)
    effective = np.full((n_regimes, n_filters), np.nan)
    counts = np.zeros(n_regimes, dtype=np.int64)
    for r in range(n_regimes):
        members = np.flatnonzero(regimes == r)
        rows = window_means[members]
        counts[r] = members.size
        if counts[r]:
            means[r] = rows.mean(axis=0)
            effective[r] = effective_sample_size(rows, positions[members], bandwidth)
        if counts[r] > 1:
            errors[r] = rows.std(axis=0, ddof=1) / np.sqrt(effective[r])
    difference = means[HIGH] - means[LOW]
    if counts[HIGH] and counts[LOW]:
        order = np.argsort(-difference, kind="stable")
        specialists = order[np.isfinite(difference[order])][:top]
    else:
        specialists = np.zeros(0, dtype=np.int64)
    return RegimeMeans(means, errors, effective, counts, difference, specialists)


@dataclass(frozen=True)
class RegimeActivation:
    """A7: per-regime mean activation of both conv blocks.

    ``bandwidth`` is the dependence range of the standard errors, in steps (the lookback).
    """

    layer1: RegimeMeans
    layer2: RegimeMeans
    bandwidth: int


def window_positions(t_target: np.ndarray, resolution: pd.Timedelta) -> np.ndarray:
    """``(N,)`` int: each window's time index in steps of ``resolution``, from its target time (0 = first)."""
    t = np.asarray(t_target, dtype="datetime64[ns]")
    if t.size == 0:
        return np.zeros(0, dtype=np.int64)
    return np.round((t - t[0]) / resolution.to_timedelta64()).astype(np.int64)


@cached
def activation_by_regime(study: Study) -> RegimeActivation:
    """A7: mean activation per filter in the Low, Medium and High CO2 regimes, and the High specialists.

    Consecutive windows share all but one input step, so their activations are far from independent; the
    standard errors use the Newey–West effective sample size with the lookback as bandwidth.
    """
    dataset = study.dataset
    regimes = dataset.test_regimes
    positions = window_positions(dataset.test.t_target, dataset.resolution)
    bandwidth = int(dataset.lookback_steps)
    capture = study.capture
    return RegimeActivation(
        window_regime_means(capture.act1.window_mean, regimes, positions, bandwidth),
        window_regime_means(capture.act2.window_mean, regimes, positions, bandwidth),
        bandwidth,
    )
