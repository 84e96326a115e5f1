"""Section B catalog items: gradient-based attribution (B1–B6), folder ``gradient_attribution``.

Tables written beside the figures: ``B2_feature_importance.csv`` (feature, importance, rank, net signed
gradient) and ``B3_temporal_importance.csv`` (step, lag in hours before the last input step, importance overall
and per CO2 regime). Figures and metrics give window time relative to the last input step (0 = last input
step, negative = earlier); only the B3 table keeps the positive lag.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import torch

from interp import nulls
from interp.analyses import gradients as analyses
from interp.analyses import similarity
from interp.attribution import relu_gradient_minima
from interp.catalog import SECTION_FOLDERS, Drift, Invariant, Item
from interp.config import DECOY_FEATURE, REGIME_NAMES
from interp.errors import InvariantSkipped
from interp.hooks import guided_relus
from interp.plots import gradients as plots
from interp.study import Study
from interp.verdict import Verdict, prediction_bound, span

FOLDER = SECTION_FOLDERS["B"]
TEMPORAL_BINS = 24
"""B3 metrics: the temporal profile summed into at most this many contiguous bins (hourly for 24 h at 1 h)."""
TOP_CHANNELS = 5
"""B5 metrics: channels with the largest mean |gradient| listed per layer (block 1 output, LSTM input)."""
MIN_GUIDED_DIFFERENCE = 1e-3
"""B4: ``‖guided − gradient‖ / ‖gradient‖`` below this means no ReLU gradient was modified."""
RELU_CHECK_WINDOWS = 64
"""B4: evenly spaced evaluation windows on which the guided ReLUs are traced (a small extra pass)."""


def finite_nonzero_gradient(study: Study) -> Verdict:
    """B1 (sanity): every window's input gradient is finite and not all zero."""
    norm = analyses.input_gradient(study).window_norm
    bad = np.flatnonzero(~np.isfinite(norm) | (norm == 0))
    return Verdict(
        bad.size,
        "==",
        0,
        "windows whose input gradient is zero or not finite",
        context=f"of {norm.size}; first {bad[:5].tolist()}" if bad.size else f"of {norm.size}",
        fix="Check that the weights are finite and that the input reaches the prediction (no zeroed layer).",
    )


def decoy_index(study: Study) -> int:
    """Position of the planted decoy among the features; raises InvariantSkipped on data without one."""
    result = analyses.input_gradient(study)
    if result.decoy_index < 0:
        raise InvariantSkipped(
            f"B2: the decoy check needs the embedded data with its planted '{DECOY_FEATURE}' feature; "
            f"this study runs on {study.dataset.source}."
        )
    return result.decoy_index


def decoy_share(study: Study) -> float:
    """B2 drift: the decoy's gradient-importance share (NaN on data without a planted decoy)."""
    result = analyses.input_gradient(study)
    return float(result.feature_importance[result.decoy_index]) if result.decoy_index >= 0 else float("nan")


def decoy_below_null(study: Study) -> Verdict:
    """B2 (sanity, embedded data): the decoy gets no more importance than an untrained network's top feature.

    The null is the largest feature share of each random initialisation of the same architecture
    (:func:`interp.nulls.null_studies`) on the same windows; the bound is their one-sided 99 % prediction bound.
    A network that has not learned to lean on the decoy, trained or not, stays below it (its decoy share is at
    most its own largest share); one fitted to leakage through the decoy does not. How far healthy retrains move
    the decoy's share is tracked, tighter, by the drift tier.
    """
    decoy = decoy_index(study)
    largest = nulls.null_values(study, lambda n: float(np.max(analyses.input_gradient(n).feature_importance)))
    return Verdict(
        float(analyses.input_gradient(study).feature_importance[decoy]),
        "<=",
        prediction_bound(largest, "higher"),
        f"gradient-importance share of the decoy '{DECOY_FEATURE}'",
        context=f"largest feature share of {largest.size} random-init networks {span(largest)}, 99 % bound",
        fix="The model relies on a feature with no causal effect: look for leakage into the decoy and retrain.",
    )


def guided_differs(study: Study) -> Verdict:
    """B4 (structural): guided backprop differs from the plain gradient (it needs nn.ReLU modules to hook)."""
    g = analyses.guided_backprop(study)
    return Verdict(
        g.relative_difference,
        ">=",
        MIN_GUIDED_DIFFERENCE,
        "‖guided − gradient‖ / ‖gradient‖",
        context=f"nn.ReLU modules {list(g.relu_modules)}",
        fix="Use nn.ReLU modules, not F.relu: guided backprop hooks modules only.",
    )


def relus_pass_nonnegative(study: Study) -> Verdict:
    """B4 (structural): during a guided pass every ReLU call (module or functional) passes on gradients ≥ 0.

    Traced on :data:`RELU_CHECK_WINDOWS` evenly spaced evaluation windows (one small extra pass).
    """
    x = study.dataset.test.x
    rows = np.unique(np.linspace(0, len(x) - 1, min(RELU_CHECK_WINDOWS, len(x))).astype(np.int64))
    with guided_relus(study.model):
        minima = relu_gradient_minima(study.model, x[torch.from_numpy(rows)])
    negative = [i for i, m in enumerate(minima) if m is not None and m < 0]
    return Verdict(
        len(negative),
        "==",
        0,
        "ReLU calls passing negative gradients in the guided pass",
        context=f"of {len(minima)} calls; calls {negative[:6]}" if negative else f"of {len(minima)} calls",
        fix="Replace functional relu calls by nn.ReLU modules so the guided hooks reach them.",
    )


def maxpool_routing(study: Study) -> Verdict:
    """B5 (structural): the pool input's gradient is non-zero exactly at the selected positions, one per output."""
    r = analyses.maxpool_routing(study)
    wrong = r.mismatched + abs(r.pooled_values - r.selected) + int(r.zero_gradient_windows.size)
    return Verdict(
        wrong,
        "==",
        0,
        "pool-input positions where gradient and max-pool selection disagree (+ windows without gradient)",
        context=f"{r.mismatched} mismatched, {r.selected} distinct selected for {r.pooled_values} pooled values, "
        f"{r.zero_gradient_windows.size} all-zero windows",
        fix="Use a non-overlapping nn.MaxPool1d that passes on only the maxima; check for zeroed layers.",
    )


def gradient_reaches_input(study: Study) -> Verdict:
    """B6 (sanity): every stage's gradient-norm ratio is finite and positive (no layer blocks the gradient)."""
    flow = analyses.gradient_flow(study)
    bad = [
        f"{name}={value:.3g}"
        for name, value in zip(flow.ratio_names, flow.ratios, strict=True)
        if not (np.isfinite(value) and value > 0)
    ]
    return Verdict(
        len(bad),
        "==",
        0,
        "layer-to-layer gradient-norm ratios that are zero or not finite",
        context=", ".join(bad),
        fix="A layer blocks the gradient: check for zeroed weights or dead BN/ReLU channels.",
    )


def _by_feature(result: analyses.InputAttribution, values: np.ndarray) -> dict[str, float]:
    return dict(zip(result.feature_names, values.tolist(), strict=True))


def _csv(frame: pd.DataFrame) -> str:
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, float_format="%.6g", lineterminator="\n")
    return buffer.getvalue()


def b1_metrics(study: Study) -> Mapping[str, Any]:
    r = analyses.input_gradient(study)
    step, feature = np.unravel_index(int(np.argmax(r.mean_abs)), r.mean_abs.shape)
    return {
        "windows": int(r.window_norm.size),
        "mean_abs_gradient": float(r.mean_abs.mean()),
        "peak_feature": r.feature_names[feature],
        "peak_time_hours": float(r.time_hours[step]),
        "peak_mean_abs_gradient": float(r.mean_abs[step, feature]),
        "net_gradient_by_feature": _by_feature(r, r.signed_mean.sum(axis=0)),
    }


def b2_metrics(study: Study) -> Mapping[str, Any]:
    r = analyses.input_gradient(study)
    ranking = [r.feature_names[i] for i in r.ranking]
    decoy_rank = ranking.index(r.feature_names[r.decoy_index]) + 1 if r.decoy_index >= 0 else None
    return {
        "feature_importance": _by_feature(r, r.feature_importance),
        "ranking": ranking,
        "decoy_rank": decoy_rank,
    }


def b2_tables(study: Study) -> Mapping[str, str]:
    r = analyses.input_gradient(study)
    rank = np.empty(len(r.ranking), dtype=np.int64)
    rank[r.ranking] = np.arange(1, len(r.ranking) + 1)
    frame = pd.DataFrame(
        {
            "feature": r.feature_names,
            "importance": r.feature_importance,
            "rank": rank,
            "net_gradient": r.signed_mean.sum(axis=0),
        }
    )
    return {"B2_feature_importance.csv": _csv(frame)}


def centroid_time_hours(r: analyses.InputAttribution, profile: np.ndarray | None = None) -> float:
    """B3: importance-weighted mean time of a temporal profile (default the overall one), hours relative to the
    last input step (≤ 0)."""
    return float(np.sum(r.time_hours * (r.temporal_importance if profile is None else profile)))


def b3_metrics(study: Study) -> Mapping[str, Any]:
    r = analyses.input_gradient(study)
    bins = np.array_split(np.arange(r.time_hours.size), min(r.time_hours.size, TEMPORAL_BINS))
    quarter = r.time_hours >= r.time_hours.min() / 4

    def centroid(profile: np.ndarray) -> float:
        return centroid_time_hours(r, profile)

    return {
        "bin_time_hours": [float(r.time_hours[b].mean()) for b in bins],
        "temporal_importance": [float(r.temporal_importance[b].sum()) for b in bins],
        "centroid_time_hours": centroid(r.temporal_importance),
        "recent_quarter_share": float(r.temporal_importance[quarter].sum()),
        "regime_centroid_time_hours": {
            name: centroid(r.regime_temporal_importance[i]) for i, name in enumerate(REGIME_NAMES)
        },
    }


def b3_tables(study: Study) -> Mapping[str, str]:
    r = analyses.input_gradient(study)
    columns = {
        "step": np.arange(r.time_hours.size),
        "lag_hours": np.abs(r.time_hours),
        "importance": r.temporal_importance,
    }
    columns |= {f"importance_{name}": r.regime_temporal_importance[i] for i, name in enumerate(REGIME_NAMES)}
    return {"B3_temporal_importance.csv": _csv(pd.DataFrame(columns))}


def b4_metrics(study: Study) -> Mapping[str, Any]:
    g = analyses.guided_backprop(study)
    return {
        "feature_importance": _by_feature(g.attribution, g.attribution.feature_importance),
        "ranking": [g.attribution.feature_names[i] for i in g.attribution.ranking],
        "relative_difference": g.relative_difference,
        "entropy_gradient": g.entropy_gradient,
        "entropy_guided": g.entropy_guided,
        "relu_modules": list(g.relu_modules),
    }


def b5_metrics(study: Study) -> Mapping[str, Any]:
    layers = analyses.layer_gradients(study)
    routing = analyses.maxpool_routing(study)
    # act2 is left out: the max-pool copies each pooled gradient to one act2 position, so act2's per-channel
    # mean |gradient| is the pooled one times L' / L by construction.
    grads = {"act1": layers.act1, "pooled": layers.pooled}
    return {
        "mean_abs_gradient": {name: float(g.mean()) for name, g in grads.items()},
        "top_channels": {
            name: np.argsort(-g.mean(axis=1), kind="stable")[:TOP_CHANNELS].tolist()
            for name, g in grads.items()
        },
        "pool_input_selected_fraction": routing.selected_fraction,
        "routing_mismatches": routing.mismatched,
        "conv2_nonzero_fraction": routing.nonzero_conv2 / routing.positions,
        "zero_gradient_windows": int(routing.zero_gradient_windows.size),
    }


def b6_metrics(study: Study) -> Mapping[str, Any]:
    flow = analyses.gradient_flow(study)
    return {
        "norms": dict(zip(flow.points, flow.norms.tolist(), strict=True)),
        "ratios": dict(zip(flow.ratio_names, flow.ratios.tolist(), strict=True)),
    }


ITEMS: tuple[Item, ...] = (
    Item(
        "B1",
        "input_gradient_heatmap",
        FOLDER,
        "Input-gradient saliency (lookback × features)",
        draw=lambda s: plots.input_gradient_heatmap(analyses.input_gradient(s)),
        metrics=b1_metrics,
        invariants=(
            Invariant(
                "finite-nonzero-gradient",
                finite_nonzero_gradient,
                "sanity",
                "any finite network whose input reaches the output has a finite, non-zero input gradient",
            ),
        ),
    ),
    Item(
        "B2",
        "feature_importance",
        FOLDER,
        "Per-feature gradient importance",
        draw=lambda s: plots.feature_importance(analyses.input_gradient(s)),
        metrics=b2_metrics,
        invariants=(
            Invariant(
                "decoy-below-null",
                decoy_below_null,
                "sanity",
                "a model that has not learned to lean on the decoy (trained or not) gives it no more importance "
                "than an untrained network gives its top feature; a model fitted to leakage through it does",
            ),
        ),
        drift=(
            Drift(
                "decoy-share",
                f"gradient-importance share of the decoy '{DECOY_FEATURE}' (embedded data)",
                "higher",
                value=decoy_share,
                resolution=0.005,
            ),
            Drift(
                "importance-rank-correlation",
                "Spearman ρ of the per-feature gradient importances",
                "lower",
                similarity=lambda s, b: similarity.rank_correlation(
                    analyses.input_gradient(s).feature_importance,
                    analyses.input_gradient(b).feature_importance,
                ),
                resolution=0.05,
                scale="correlation",
            ),
            Drift(
                "top3-overlap",
                "share of the 3 most important features in common",
                "lower",
                similarity=lambda s, b: similarity.top_k_overlap(
                    analyses.input_gradient(s).feature_importance,
                    analyses.input_gradient(b).feature_importance,
                ),
                resolution=1 / 3,
            ),
        ),
        tables=b2_tables,
    ),
    Item(
        "B3",
        "temporal_profile",
        FOLDER,
        "Temporal gradient profile",
        draw=lambda s: plots.temporal_profile(analyses.input_gradient(s)),
        metrics=b3_metrics,
        drift=(
            Drift(
                "temporal-centroid",
                "centroid of the temporal gradient profile, hours relative to the last input step",
                "both",
                value=lambda s: centroid_time_hours(analyses.input_gradient(s)),
                resolution=1.0,
            ),
        ),
        tables=b3_tables,
    ),
    Item(
        "B4",
        "guided_backprop",
        FOLDER,
        "Guided backprop heatmap (nn.ReLU modules; LSTM gates untouched)",
        draw=lambda s: plots.guided_backprop_heatmap(analyses.guided_backprop(s)),
        metrics=b4_metrics,
        invariants=(
            Invariant(
                "guided-differs",
                guided_differs,
                "structural",
                "with nn.ReLU modules guided backprop zeroes some negative gradients, for any weights",
            ),
            Invariant(
                "relus-pass-nonnegative",
                relus_pass_nonnegative,
                "structural",
                "in a guided pass every ReLU passes on only gradients ≥ 0 when all ReLUs are modules",
            ),
        ),
    ),
    Item(
        "B5",
        "layerwise_gradients",
        FOLDER,
        "Layer-wise gradient magnitude (conv1, conv2, LSTM input)",
        draw=lambda s: plots.layer_gradients(analyses.layer_gradients(s)),
        metrics=b5_metrics,
        invariants=(
            Invariant(
                "maxpool-routing",
                maxpool_routing,
                "structural",
                "a non-overlapping max-pool routes each output's gradient to its one selected input, for any weights",
            ),
        ),
    ),
    Item(
        "B6",
        "gradient_flow_ratio",
        FOLDER,
        "Gradient-flow ratio between layers",
        draw=lambda s: plots.gradient_flow(analyses.gradient_flow(s)),
        metrics=b6_metrics,
        invariants=(
            Invariant(
                "gradient-reaches-input",
                gradient_reaches_input,
                "sanity",
                "in any finite network without a dead stage the gradient reaches every layer",
            ),
        ),
    ),
)
