"""Section A4–A7: activation maps of the two conv blocks (post BN + ReLU), from the study's one forward pass.

A4/A5 show one representative window's ``(32, L)`` and ``(64, L)`` maps, A6 the per-filter mean, sparsity and
maximum over the evaluation set, A7 the mean activation per filter within each CO2 regime. Everything reads
``study.capture.act1`` / ``act2`` (and ``pooled`` for the shape invariant); no pass is run here. Feature-map
inspection in the spirit of Zeiler & Fergus, arXiv:1311.2901.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np

from interp.config import REGIME_NAMES
from interp.study import Study, cached

HIGH, LOW = REGIME_NAMES.index("High"), REGIME_NAMES.index("Low")

EPSILON = 1e-6
"""An activation counts as zero for A6's sparsity when it is ≤ 1e-6 (post-ReLU values are ≥ 0)."""


TOP_SPECIALISTS = 3
"""A7 names this many High-CO2 specialists per layer (largest High − Low mean difference)."""


def choose_representative(targets_ppm: np.ndarray, regimes: np.ndarray) -> tuple[int, bool]:
    """A4/A5 rule: the window with the highest target among the High windows, else the highest overall.

    Parameters
    ----------
    targets_ppm : (N,) float
        Each window's target at the last horizon step, ppm.
    regimes : (N,) int
        Regime of each window (0 Low, 1 Medium, 2 High).

    Returns
    -------
    index : int
        Chosen window (the first one on ties).
    fallback : bool
        True when there is no High window and the highest target overall was taken.
    """
    high = np.flatnonzero(regimes == HIGH)
    if high.size:
        return int(high[np.argmax(targets_ppm[high])]), False
    return int(np.argmax(targets_ppm)), True


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
        True when the evaluation set has no High window.
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
    """A4/A5: the evaluation window with the highest target in the High regime (fallback: highest overall)."""
    targets = study.targets_ppm[:, -1]
    index, fallback = choose_representative(targets, study.dataset.test_regimes)
    rule = "no High window: highest target overall" if fallback else "highest target among High windows"
    return RepresentativeWindow(
        index, float(targets[index]), int(study.dataset.test_regimes[index]), fallback, rule
    )


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


def _activation_map(study: Study, layer: str, act: np.ndarray) -> ActivationMap:
    window = representative_window(study)
    dataset = study.dataset
    steps = act.shape[2]
    hours = (np.arange(steps) - (steps - 1)) / dataset.steps_per_hour
    co2 = dataset.to_ppm(study.capture.x[window.index, :, dataset.scaler.target_index])
    single = act[window.index]
    vmax = float(np.max(single)) if single.size else 0.0
    return ActivationMap(layer, single, hours, co2, window, vmax if vmax > 0 else 1.0)


@cached
def layer1_activation_heatmap(study: Study) -> ActivationMap:
    """A4: ``(32, L)`` layer-1 activations (``capture.act1``) of the representative window."""
    return _activation_map(study, "layer 1", study.capture.act1)


@cached
def layer2_activation_heatmap(study: Study) -> ActivationMap:
    """A5: ``(64, L)`` layer-2 activations (``capture.act2``, the pool input) of the representative window."""
    return _activation_map(study, "layer 2", study.capture.act2)


@dataclass(frozen=True)
class LayerStats:
    """Per-filter statistics of one conv block over all windows and steps.

    Attributes
    ----------
    mean : (C,) float64
        Mean activation.
    sparsity : (C,) float64
        Fraction of activations ≤ :data:`EPSILON`, in [0, 1]; NaN when the activations are not finite.
    max : (C,) float64
        Largest activation.
    """

    mean: np.ndarray
    sparsity: np.ndarray
    max: np.ndarray


def layer_stats(act: np.ndarray, epsilon: float = EPSILON) -> LayerStats:
    """Mean, sparsity and maximum per filter of ``(N, C, L)`` activations."""
    per_filter = np.moveaxis(np.asarray(act, dtype=np.float64), 1, 0).reshape(act.shape[1], -1)
    finite = np.all(np.isfinite(per_filter), axis=1)
    sparsity = np.where(finite, np.mean(per_filter <= epsilon, axis=1), np.nan)
    return LayerStats(per_filter.mean(axis=1), sparsity, per_filter.max(axis=1))


@dataclass(frozen=True)
class ActivationStats:
    """A6: per-filter activation statistics of both conv blocks (post BN + ReLU)."""

    layer1: LayerStats
    layer2: LayerStats
    epsilon: float


@cached
def activation_stats(study: Study) -> ActivationStats:
    """A6: mean, sparsity (share ≤ 1e-6) and max per filter over the evaluation set."""
    capture = study.capture
    return ActivationStats(layer_stats(capture.act1), layer_stats(capture.act2), EPSILON)


def activation_stats_csv(stats: ActivationStats) -> str:
    """A6 table as CSV: ``layer,filter,mean,sparsity,max`` (sparsity a fraction), 6 significant digits."""
    out = io.StringIO()
    out.write("layer,filter,mean,sparsity,max\n")
    for layer, values in (("layer1", stats.layer1), ("layer2", stats.layer2)):
        for i, row in enumerate(zip(values.mean, values.sparsity, values.max, strict=True)):
            out.write(f"{layer},{i}," + ",".join(format(float(v), ".6g") for v in row) + "\n")
    return out.getvalue()


@dataclass(frozen=True)
class RegimeMeans:
    """Mean activation per filter within each CO2 regime, for one conv block.

    Attributes
    ----------
    means : (3, C) float64
        Mean over the regime's windows of each window's mean activation (over steps); NaN for an empty regime.
    standard_errors : (3, C) float64
        Standard error of those means (sample std / √n); NaN below 2 windows.
    counts : (3,) int
        Windows per regime (Low, Medium, High).
    high_minus_low : (C,) float64
        ``means[High] − means[Low]``.
    specialists : (k,) int
        The :data:`TOP_SPECIALISTS` filters with the largest High − Low difference, largest first (empty when
        High or Low has no window).
    """

    means: np.ndarray
    standard_errors: np.ndarray
    counts: np.ndarray
    high_minus_low: np.ndarray
    specialists: np.ndarray


def regime_means(act: np.ndarray, regimes: np.ndarray, top: int = TOP_SPECIALISTS) -> RegimeMeans:
    """A7 for one block: per-regime mean and standard error of ``(N, C, L)`` activations."""
    window_means = np.asarray(act, dtype=np.float64).mean(axis=2)
    n_regimes, n_filters = len(REGIME_NAMES), window_means.shape[1]
    means = np.full((n_regimes, n_filters), np.nan)
    errors = np.full((n_regimes, n_filters), np.nan)
    counts = np.zeros(n_regimes, dtype=np.int64)
    for r in range(n_regimes):
        rows = window_means[regimes == r]
        counts[r] = rows.shape[0]
        if counts[r]:
            means[r] = rows.mean(axis=0)
        if counts[r] > 1:
            errors[r] = rows.std(axis=0, ddof=1) / np.sqrt(counts[r])
    difference = means[HIGH] - means[LOW]
    if counts[HIGH] and counts[LOW]:
        specialists = np.argsort(-difference, kind="stable")[:top]
    else:
        specialists = np.zeros(0, dtype=np.int64)
    return RegimeMeans(means, errors, counts, difference, specialists)


@dataclass(frozen=True)
class RegimeActivation:
    """A7: per-regime mean activation of both conv blocks."""

    layer1: RegimeMeans
    layer2: RegimeMeans


@cached
def activation_by_regime(study: Study) -> RegimeActivation:
    """A7: mean activation per filter in the Low, Medium and High CO2 regimes, and the High specialists."""
    regimes = study.dataset.test_regimes
    capture = study.capture
    return RegimeActivation(regime_means(capture.act1, regimes), regime_means(capture.act2, regimes))
