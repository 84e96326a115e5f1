"""Section B1–B6: gradient attribution through the whole CNN-LSTM (input ← conv ← pool ← LSTM ← head).

Everything here reads the study's single backward pass (:attr:`Study.capture`: input and block-output
gradients, reduced over the windows) and its one guided pass (:attr:`Study.guided`); no analysis runs the model
again. The target
is the prediction at the last horizon step, in model (standardised) units, so gradients are in model units
per model unit. Saliency follows Simonyan et al. (arXiv:1312.6034), guided backprop Springenberg et al.
(arXiv:1412.6806).

Window time: step ``t`` of an ``L``-step window sits at ``(t - (L - 1)) / steps_per_hour`` hours relative to the
last input step: 0 is the last input step ("now"), negative values are earlier.

Layer gradients (B5, B6) are read at the block outputs after BN + ReLU (``act1``, ``act2``) and at the pool
output, never at the Conv1d outputs: a BatchNorm in eval mode makes the network's function independent of the
scale of the conv before it (multiply a conv's weights and bias by ``c`` and its BN's running mean by ``c``,
its running variance by ``c²``, with ``eps`` folded in, and the network computes the same function), but the
gradient at that conv's output scales by ``1 / c``. At the block outputs the gradient does not move under such
a rescaling. It is not invariant to every reparametrisation: scaling a BN's affine ``γ, β`` by ``c`` and the
next conv's weights by ``1 / c`` also keeps the function and scales the gradient at that block's output by
``1 / c``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from interp.config import DECOY_FEATURE, REGIME_NAMES
from interp.study import Study, cached
from interp.summaries import (
    AttributionSummary,
    RoutingCounts,
    field_values,
    routing_counts,
    summarise_attribution_values,
)

FLOW_POINTS = ("input", "act1", "act2")
"""B6: gradient points from the input to the pool input (``act2``). The pool output (the LSTM input) is left
out: a non-overlapping max-pool copies each pooled gradient to one input position, so the gradient norms at
its input and output are equal by construction."""


def time_hours(lookback_steps: int, steps_per_hour: float) -> np.ndarray:
    """``(L,)`` time of each window step relative to the last input step, hours: ``-(L - 1) / sph`` … 0."""
    return (np.arange(lookback_steps) - (lookback_steps - 1)) / float(steps_per_hour)


def normalise(values: np.ndarray) -> np.ndarray:
    """``values / values.sum()``; NaN everywhere when the sum is zero or not finite (a broken attribution)."""
    total = float(np.sum(values))
    if total == 0.0 or not np.isfinite(total):
        return np.full(values.shape, np.nan)
    return values / total


def map_entropy(mean_abs: np.ndarray) -> float:
    """Entropy of a non-negative map as a distribution, divided by ``log(size)``: 1 = flat, 0 = one cell."""
    p = normalise(mean_abs.ravel())
    if not np.all(np.isfinite(p)) or p.size < 2:
        return float("nan")
    p = p[p > 0]
    return float(-np.sum(p * np.log(p)) / np.log(mean_abs.size))


@dataclass(frozen=True)
class InputAttribution:
    """B1–B4: an input attribution ``(N, L, F)`` summarised over the evaluation windows.

    Attributes
    ----------
    method : str
        ``"gradient"`` (saliency) or ``"guided backprop"``.
    feature_names : tuple of str
        The F features, in input order.
    time_hours : (L,) float64
        Time of each window step relative to the last input step, hours (0 = last input step, negative =
        earlier).
    mean_abs : (L, F) float64
        Mean over windows of ``|attribution|``, model units per model unit.
    signed_mean : (L, F) float64
        Mean over windows of the signed attribution (the direction of each input's influence).
    window_norm : (N,) float64
        L2 norm of each window's attribution (NaN or inf when the attribution is not finite).
    feature_importance : (F,) float64
        ``mean_abs`` summed over steps, normalised to sum 1 (NaN when the attribution is all zero).
    temporal_importance : (L,) float64
        ``mean_abs`` summed over features, normalised to sum 1.
    regime_temporal_importance : (3, L) float64
        ``temporal_importance`` over the windows of each CO2 regime (Low, Medium, High); NaN rows for a regime
        without windows.
    decoy_index : int
        Index of the planted decoy feature on the embedded data, -1 on user data.
    """

    method: str
    feature_names: tuple[str, ...]
    time_hours: np.ndarray
    mean_abs: np.ndarray
    signed_mean: np.ndarray
    window_norm: np.ndarray
    feature_importance: np.ndarray
    temporal_importance: np.ndarray
    regime_temporal_importance: np.ndarray
    decoy_index: int

    @property
    def ranking(self) -> np.ndarray:
        """``(F,)`` feature indices by decreasing importance (ties: input order)."""
        return np.argsort(-np.nan_to_num(self.feature_importance, nan=-np.inf), kind="stable")


def summarise_attribution(
    values: np.ndarray,
    regimes: np.ndarray,
    feature_names: tuple[str, ...],
    times: np.ndarray,
    method: str,
    decoy_index: int = -1,
) -> InputAttribution:
    """Summarise an ``(N, L, F)`` attribution over windows.

    ``regimes``: ``(N,)`` CO2 regime (0, 1, 2); ``times``: ``(L,)`` step times relative to the last input step,
    hours.
    """
    return attribution_of(
        summarise_attribution_values(values), regimes, feature_names, times, method, decoy_index
    )


def attribution_of(
    summary: AttributionSummary,
    regimes: np.ndarray,
    feature_names: tuple[str, ...],
    times: np.ndarray,
    method: str,
    decoy_index: int = -1,
) -> InputAttribution:
    """:func:`summarise_attribution` from an attribution already reduced by a pass."""
    mean_abs = summary.mean_abs
    by_regime = np.full((len(REGIME_NAMES), mean_abs.shape[0]), np.nan)
    for regime in range(len(REGIME_NAMES)):
        members = regimes == regime
        if members.any():
            by_regime[regime] = normalise(summary.window_profile[members].mean(axis=0))
    return InputAttribution(
        method=method,
        feature_names=tuple(feature_names),
        time_hours=times,
        mean_abs=mean_abs,
        signed_mean=summary.signed_mean,
        window_norm=summary.window_norm,
        feature_importance=normalise(mean_abs.sum(axis=0)),
        temporal_importance=normalise(mean_abs.sum(axis=1)),
        regime_temporal_importance=by_regime,
        decoy_index=decoy_index,
    )


def _summarise(study: Study, summary: AttributionSummary, method: str) -> InputAttribution:
    dataset = study.dataset
    names = tuple(dataset.feature_names)
    decoy = names.index(DECOY_FEATURE) if dataset.is_embedded and DECOY_FEATURE in names else -1
    times = time_hours(summary.mean_abs.shape[0], dataset.steps_per_hour)
    return attribution_of(summary, dataset.test_regimes, names, times, method, decoy)


@cached
def input_gradient(study: Study) -> InputAttribution:
    """B1–B3: saliency ``d ŷ[:, -1] / d x`` of the study's one backward pass, summarised over windows."""
    return _summarise(study, study.capture.grad_input, "gradient")


@dataclass(frozen=True)
class GuidedBackprop:
    """B4: guided backprop, compared with the plain gradient.

    Guided backprop clamps the gradient each ``nn.ReLU`` module passes on to ≥ 0 (conv blocks and head); the
    LSTM's sigmoid/tanh gates are untouched.

    Attributes
    ----------
    attribution : InputAttribution
        The guided ``(N, L, F)`` attribution, summarised.
    relative_difference : float
        ``‖guided − gradient‖ / ‖gradient‖`` over all windows (Frobenius norms); 0 when no ReLU was modified.
    entropy_gradient, entropy_guided : float
        :func:`map_entropy` of the two ``(L, F)`` mean-|·| maps; lower is sharper.
    relu_modules : tuple of str
        Names of the ``nn.ReLU`` modules the guided pass modified.
    """

    attribution: InputAttribution
    relative_difference: float
    entropy_gradient: float
    entropy_guided: float
    relu_modules: tuple[str, ...]


@cached
def guided_backprop(study: Study) -> GuidedBackprop:
    """B4: the study's one guided pass, summarised and compared with the plain gradient."""
    guided = study.guided
    with np.errstate(over="ignore", invalid="ignore"):
        plain_norm = float(np.sqrt(np.sum(study.capture.grad_input.window_norm**2)))
        distance = float(np.sqrt(np.sum(guided.difference_norm**2)))
    difference = distance / plain_norm if plain_norm > 0 else float("nan")
    attribution = _summarise(study, guided.attribution, "guided backprop")
    relus = tuple(name for name, m in study.model.named_modules() if isinstance(m, torch.nn.ReLU))
    return GuidedBackprop(
        attribution,
        difference,
        map_entropy(input_gradient(study).mean_abs),
        map_entropy(attribution.mean_abs),
        relus,
    )


@dataclass(frozen=True)
class LayerGradients:
    """B5: mean ``|gradient|`` at the two block outputs and the pool output (channel × step).

    Read after BN + ReLU, so a rescaling of a conv layer that its BN absorbs leaves them unchanged (see the
    module docstring). Units: model units of the prediction per unit of the activation.

    Attributes
    ----------
    act1 : (C1, L) float64
        At block 1's output (conv1 → BN → ReLU), conv2's input; ``C1 = 32`` for the reference model.
    act2 : (C2, L) float64
        At block 2's output, the pool's input; about half its values are 0 in each window (max-pool routing).
    pooled : (C2, L // 2) float64
        At the pool output, i.e. the LSTM input; pooled step ``j`` covers window steps ``2j`` and ``2j + 1``.
    time_hours : (L,) float64
        Time of each window step relative to the last input step, hours (0 = last input step).
    """

    act1: np.ndarray
    act2: np.ndarray
    pooled: np.ndarray
    time_hours: np.ndarray


@cached
def layer_gradients(study: Study) -> LayerGradients:
    """B5: mean |gradient| per channel and step at act1, act2 and the pool output (the study's one pass)."""
    cap = study.capture
    times = time_hours(study.dataset.test.x.shape[1], study.dataset.steps_per_hour)
    return LayerGradients(cap.grad_act1.mean_abs, cap.grad_act2.mean_abs, cap.grad_pooled.mean_abs, times)


@dataclass(frozen=True)
class MaxPoolRouting(RoutingCounts):
    """B5: where the max-pool routes the gradient, over all windows and channels.

    Its fields are those of the pass's :class:`~interp.summaries.RoutingCounts` (``nonzero_conv2`` is fewer than
    ``selected``: ReLU zeros block the rest) and this one:

    Attributes
    ----------
    zero_gradient_windows : (k,) int64
        Windows whose input gradient is exactly zero everywhere.
    """

    zero_gradient_windows: np.ndarray

    @property
    def selected_fraction(self) -> float:
        """Share of pool-input positions that receive a gradient (0.5 for MaxPool1d(2), L even)."""
        return self.selected / self.positions


def maxpool_routing_counts(
    pool_indices: np.ndarray, grad_pool_input: np.ndarray, grad_conv2: np.ndarray, grad_input: np.ndarray
) -> MaxPoolRouting:
    """Compare the non-zero gradient at the pool input ``(N, C, L)`` with the pool's ``(N, C, L')`` picks."""
    counts = routing_counts(
        torch.as_tensor(np.asarray(pool_indices)),
        torch.as_tensor(np.asarray(grad_pool_input)),
        torch.as_tensor(np.asarray(grad_conv2)),
    )
    return routing_of(counts, summarise_attribution_values(grad_input).window_norm)


def routing_of(counts: RoutingCounts, input_norms: np.ndarray) -> MaxPoolRouting:
    """:class:`MaxPoolRouting` from a pass's counts and the ``(N,)`` norms of the input gradient."""
    return MaxPoolRouting(**field_values(counts), zero_gradient_windows=np.flatnonzero(input_norms == 0))


@cached
def maxpool_routing(study: Study) -> MaxPoolRouting:
    """B5: max-pool gradient routing in the study's one backward pass."""
    cap = study.capture
    return routing_of(cap.routing, cap.grad_input.window_norm)


@dataclass(frozen=True)
class GradientFlow:
    """B6: gradient magnitude at each block output back to the input.

    Attributes
    ----------
    points : tuple of str
        :data:`FLOW_POINTS`, input first.
    norms : (3,) float64
        Mean over windows of the per-window L2 norm of the gradient at each point.
    ratios : (2,) float64
        ``norms[i] / norms[i + 1]``: the gain of each backward stage (``input/act1``: ReLU1, BN1 and conv1;
        ``act1/act2``: ReLU2, BN2 and conv2); NaN or inf when a norm is 0. Both are invariant to a rescaling
        of conv1 or conv2 folded into its BN.
    """

    points: tuple[str, ...]
    norms: np.ndarray
    ratios: np.ndarray

    @property
    def ratio_names(self) -> tuple[str, ...]:
        return tuple(f"{a}/{b}" for a, b in zip(self.points[:-1], self.points[1:], strict=True))


def gradient_flow_norms(grads: dict[str, np.ndarray]) -> GradientFlow:
    """B6 from ``{point: (N, ...) gradient}`` for every name in :data:`FLOW_POINTS`."""
    flat = {p: grads[p].astype(np.float64).reshape(len(grads[p]), -1) for p in FLOW_POINTS}
    with np.errstate(over="ignore"):
        return flow_of({p: np.sqrt(np.sum(g**2, axis=1)) for p, g in flat.items()})


def flow_of(window_norms: dict[str, np.ndarray]) -> GradientFlow:
    """B6 from ``{point: (N,) L2 norm of each window's gradient}`` for every name in :data:`FLOW_POINTS`."""
    norms = np.array([float(np.mean(window_norms[p])) for p in FLOW_POINTS])
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = norms[:-1] / norms[1:]
    return GradientFlow(FLOW_POINTS, norms, ratios)


@cached
def gradient_flow(study: Study) -> GradientFlow:
    """B6: gradient-flow norms and stage ratios from the study's one backward pass."""
    cap = study.capture
    return flow_of(
        {
            "input": cap.grad_input.window_norm,
            "act1": cap.grad_act1.window_norm,
            "act2": cap.grad_act2.window_norm,
        }
    )
