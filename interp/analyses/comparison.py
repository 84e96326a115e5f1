"""Cross-horizon comparison (plan E5): E8 metrics and skill, E9 attribution shift, E10 filter importance shift.

Every function here takes the 1 h and the 24 h study and reads what each study has already computed (its
capture, its cached analyses); the one exception is E10's filter pairing, which needs both models'
activations on the same windows side by side: one forward pass of each model over the shared windows
(:func:`interp.passes.paired_channel_correlation`), cached with the pair.

The 1 h and 24 h models are trained separately, so filter ``k`` of one model need not detect what filter
``k`` of the other detects. E10 therefore pairs the 24 h model's conv2 filters with the 1 h model's by their
activations on the windows both evaluation sets share (same forecast time, same input), with an optimal
one-to-one assignment, before comparing importances; ``identity_fraction`` reports how many filters paired
with their own index.
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import torch
from scipy.optimize import linear_sum_assignment
from scipy.stats import spearmanr

from interp.analyses.gradients import input_gradient, normalise
from interp.analyses.quality import prediction_metrics
from interp.analyses.skill import skill_scores
from interp.errors import InvariantSkipped
from interp.passes import paired_channel_correlation
from interp.study import Study, cached

R = TypeVar("R")

MOVERS = 6
"""How many conv2 filters E10 names as the ones whose importance rank moves most."""


@dataclass(frozen=True)
class MetricsSummary:
    """E8: forecast quality at the last horizon step of each study, and its skill over two naive forecasts.

    Attributes
    ----------
    horizons_hours : (2,) float
        1 and 24.
    rmse, mae : (2,) float
        ppm, at the last horizon step, over the evaluation set.
    r2 : (2,) float
        Coefficient of determination at the last horizon step.
    skill_persistence, skill_hour_of_day : (2,) float
        MSE skill score over all horizon steps against persistence and against the hour-of-day climatology
        (:mod:`interp.analyses.skill`): 0 no better than that forecast, 1 perfect.
    n_windows : (2,) int
        Evaluation windows of each study.
    """

    horizons_hours: np.ndarray
    rmse: np.ndarray
    mae: np.ndarray
    r2: np.ndarray
    skill_persistence: np.ndarray
    skill_hour_of_day: np.ndarray
    n_windows: np.ndarray


@dataclass(frozen=True)
class AttributionShift:
    """E9: per-feature input-gradient importance at 1 h and 24 h and its shift.

    Importance of feature f is B2's saliency share (:func:`interp.analyses.gradients.input_gradient`): the
    mean of ``|d pred[:, -1] / d x[:, :, f]|`` over windows, summed over lookback steps, divided by its sum
    over features, so each vector sums to 1 (NaN when the gradient vanishes everywhere).

    Attributes
    ----------
    feature_names : tuple of str, length F
    importance_1h, importance_24h : (F,) float
        Shares of the total input-gradient magnitude.
    shift : (F,) float
        ``importance_24h - importance_1h``.
    rank_1h, rank_24h : (F,) int
        1 = most important feature.
    spearman : float
        Rank correlation of the two importance vectors (NaN when either is constant).
    """

    feature_names: tuple[str, ...]
    importance_1h: np.ndarray
    importance_24h: np.ndarray
    shift: np.ndarray
    rank_1h: np.ndarray
    rank_24h: np.ndarray
    spearman: float


@dataclass(frozen=True)
class FilterImportanceShift:
    """E10: conv2 filter importance at 1 h and 24 h, over filters paired by their activations.

    Importance of filter c is the mean of ``|grad_act2 × act2|`` over windows and positions (gradient ×
    activation at the pool input), divided by its sum over filters. All arrays are indexed by the 1 h model's
    filter; ``importance_24h[c]`` is the importance of the 24 h filter ``match[c]`` paired with it.

    Attributes
    ----------
    importance_1h, importance_24h : (C,) float
        Shares of the total gradient × activation (C = 64); NaN when the gradient vanishes everywhere.
    match : (C,) int
        24 h filter paired with each 1 h filter (one-to-one, maximising summed activation correlation).
    match_correlation : (C,) float
        Pearson correlation of the paired filters' activations on the shared windows (0 for a dead filter).
    identity_fraction : float
        Fraction of filters paired with their own index.
    rank_1h, rank_24h : (C,) int
        1 = most important filter.
    rank_change : (C,) int
        ``rank_24h - rank_1h``: positive when a filter matters less at 24 h.
    spearman : float
        Rank correlation of the paired importances (NaN when either is constant).
    movers : (MOVERS,) int
        1 h filter indices with the largest ``|rank_change|`` (ties broken by index).
    n_shared_windows : int
        Windows present in both evaluation sets, used for the pairing.
    """

    importance_1h: np.ndarray
    importance_24h: np.ndarray
    match: np.ndarray
    match_correlation: np.ndarray
    identity_fraction: float
    rank_1h: np.ndarray
    rank_24h: np.ndarray
    rank_change: np.ndarray
    spearman: float
    movers: np.ndarray
    n_shared_windows: int


_PAIR_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def cached_pair(fn: Callable[[Study, Study], R]) -> Callable[[Study, Study], R]:
    """Cache ``fn(study_1h, study_24h)`` for as long as both studies live (the pair analogue of ``cached``)."""

    @functools.wraps(fn)
    def wrapper(study_1h: Study, study_24h: Study) -> R:
        entries = _PAIR_CACHE.setdefault(study_1h, {}).setdefault(fn.__qualname__, [])
        for partner, result in entries:
            if partner() is study_24h:
                return result
        result = fn(study_1h, study_24h)
        entries.append((weakref.ref(study_24h), result))
        return result

    return wrapper


def metrics_summary(study_1h: Study, study_24h: Study) -> MetricsSummary:
    """E8: RMSE, MAE (ppm) and R² at the last horizon step of both studies (from ``prediction_metrics``), and
    their skill over persistence and the hour-of-day climatology (from ``skill_scores``)."""
    pair = (prediction_metrics(study_1h), prediction_metrics(study_24h))
    skills = (skill_scores(study_1h).skills(), skill_scores(study_24h).skills())
    return MetricsSummary(
        horizons_hours=np.array([study_1h.horizon_hours, study_24h.horizon_hours], dtype=np.float64),
        rmse=np.array([m.rmse_last for m in pair]),
        mae=np.array([m.mae_last for m in pair]),
        r2=np.array([m.r2_last for m in pair]),
        skill_persistence=np.array([s["persistence"] for s in skills]),
        skill_hour_of_day=np.array([s["hour-of-day"] for s in skills]),
        n_windows=np.array([len(study_1h.dataset.test.x), len(study_24h.dataset.test.x)], dtype=np.int64),
    )


@cached
def conv2_filter_share(study: Study) -> np.ndarray:
    """``(64,)`` mean ``|grad_act2 × act2|`` per conv2 filter over windows and positions, summing to 1."""
    return normalise(study.capture.act2_gradient_x_activation)


@cached_pair
def attribution_shift(study_1h: Study, study_24h: Study) -> AttributionShift:
    """E9: how the per-feature input-gradient importance moves from the 1 h to the 24 h model."""
    names = tuple(study_1h.dataset.feature_names)
    if names != tuple(study_24h.dataset.feature_names):
        raise InvariantSkipped(
            f"E9 compares features by name; the 1 h study has {list(names)} and the 24 h study has "
            f"{list(study_24h.dataset.feature_names)}."
        )
    one, day = input_gradient(study_1h).feature_importance, input_gradient(study_24h).feature_importance
    return AttributionShift(
        feature_names=names,
        importance_1h=one,
        importance_24h=day,
        shift=day - one,
        rank_1h=ranks(one),
        rank_24h=ranks(day),
        spearman=rank_correlation(one, day),
    )


@cached_pair
def filter_importance_shift(study_1h: Study, study_24h: Study) -> FilterImportanceShift:
    """E10: pair the two models' conv2 filters by activation, then compare their importance ranks."""
    match, corr, n_shared = pair_filters(study_1h, study_24h)
    one = conv2_filter_share(study_1h)
    day = conv2_filter_share(study_24h)[match]
    rank_1h, rank_24h = ranks(one), ranks(day)
    change = rank_24h - rank_1h
    movers = np.lexsort((np.arange(len(change)), -np.abs(change)))[:MOVERS]
    return FilterImportanceShift(
        importance_1h=one,
        importance_24h=day,
        match=match,
        match_correlation=corr,
        identity_fraction=float(np.mean(match == np.arange(len(match)))),
        rank_1h=rank_1h,
        rank_24h=rank_24h,
        rank_change=change,
        spearman=rank_correlation(one, day),
        movers=movers.astype(np.int64),
        n_shared_windows=n_shared,
    )


def pair_filters(study_1h: Study, study_24h: Study) -> tuple[np.ndarray, np.ndarray, int]:
    """Pair conv2 filters of the two models one-to-one by the correlation of their activations.

    The activations ``act2[:, c, :]`` (every position of every window a sample) are compared on the windows
    whose last input step is in both evaluation sets (their inputs are the same rows of data), in one forward
    pass of each model over those windows. Dead filters, and filters with a NaN or ±inf activation, correlate
    0 with everything.

    Returns
    -------
    match : (C,) int
        24 h filter paired with each 1 h filter (``scipy.optimize.linear_sum_assignment``).
    correlation : (C,) float
        Correlation of each pair.
    n_shared : int
        Number of shared windows.

    Raises
    ------
    InvariantSkipped
        When the evaluation sets share fewer than 2 windows (different data): there is nothing to pair on.
    """
    _, i1, i24 = np.intersect1d(
        study_1h.dataset.test.t_last_input, study_24h.dataset.test.t_last_input, return_indices=True
    )
    if len(i1) < 2:
        raise InvariantSkipped(
            f"E10 pairs filters on windows both evaluation sets share; found {len(i1)}. "
            "Study both horizons on the same data."
        )
    correlation = paired_channel_correlation(
        study_1h.model,
        study_1h.dataset.test.x[torch.from_numpy(i1)],
        study_24h.model,
        study_24h.dataset.test.x[torch.from_numpy(i24)],
    )
    rows, cols = linear_sum_assignment(-correlation)
    match = cols[np.argsort(rows)].astype(np.int64)
    return match, correlation[np.arange(len(match)), match], len(i1)


def ranks(values: np.ndarray) -> np.ndarray:
    """``(K,)`` int ranks, 1 = largest value; ties (and NaN) ordered by index."""
    order = np.lexsort((np.arange(len(values)), -np.nan_to_num(values, nan=-np.inf)))
    out = np.empty(len(values), dtype=np.int64)
    out[order] = np.arange(1, len(values) + 1)
    return out


def rank_correlation(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman's rho of ``a`` and ``b``; NaN when either is non-finite or constant."""
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))) or np.ptp(a) == 0 or np.ptp(b) == 0:
        return float("nan")
    return float(spearmanr(a, b).statistic)
