"""Section B catalog items: gradient-based attribution (B1–B6), folder ``gradient_attribution``.

Tables written beside the figures: ``B2_feature_importance.csv`` (feature, importance, rank, net signed
gradient) and ``B3_temporal_importance.csv`` (step, lag in hours, importance overall and per CO2 regime).
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from interp.analyses import gradients as analyses
from interp.catalog import SECTION_FOLDERS, Item
from interp.config import REGIME_NAMES
from interp.plots import gradients as plots
from interp.study import Study

FOLDER = SECTION_FOLDERS["B"]
TEMPORAL_BINS = 24
"""B3 metrics: the temporal profile summed into at most this many contiguous bins (hourly for 24 h at 1 h)."""
TOP_CHANNELS = 5
"""B5 metrics: channels with the largest mean |gradient| listed per layer."""


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
        "peak_lag_hours": float(r.lag_hours[step]),
        "peak_mean_abs_gradient": float(r.mean_abs[step, feature]),
        "net_gradient_by_feature": _by_feature(r, r.signed_mean.sum(axis=0)),
    }


def b1_invariants(study: Study) -> None:
    analyses.check_gradients_finite_nonzero(analyses.input_gradient(study), "B1")


def b2_metrics(study: Study) -> Mapping[str, Any]:
    r = analyses.input_gradient(study)
    ranking = [r.feature_names[i] for i in r.ranking]
    decoy_rank = ranking.index(r.feature_names[r.decoy_index]) + 1 if r.decoy_index >= 0 else None
    return {
        "feature_importance": _by_feature(r, r.feature_importance),
        "ranking": ranking,
        "decoy_rank": decoy_rank,
    }


def b2_invariants(study: Study) -> None:
    r = analyses.input_gradient(study)
    analyses.check_sums_to_one(r.feature_importance, "feature importances of the gradient", "B2")
    analyses.check_decoy_not_important(study)


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


def b3_metrics(study: Study) -> Mapping[str, Any]:
    r = analyses.input_gradient(study)
    bins = np.array_split(np.arange(r.lag_hours.size), min(r.lag_hours.size, TEMPORAL_BINS))
    quarter = r.lag_hours <= r.lag_hours.max() / 4

    def centroid(profile: np.ndarray) -> float:
        return float(np.sum(r.lag_hours * profile))

    return {
        "bin_lag_hours": [float(r.lag_hours[b].mean()) for b in bins],
        "temporal_importance": [float(r.temporal_importance[b].sum()) for b in bins],
        "centroid_lag_hours": centroid(r.temporal_importance),
        "recent_quarter_share": float(r.temporal_importance[quarter].sum()),
        "regime_centroid_lag_hours": {
            name: centroid(r.regime_temporal_importance[i]) for i, name in enumerate(REGIME_NAMES)
        },
    }


def b3_invariants(study: Study) -> None:
    r = analyses.input_gradient(study)
    analyses.check_sums_to_one(r.temporal_importance, "temporal importances of the gradient", "B3")


def b3_tables(study: Study) -> Mapping[str, str]:
    r = analyses.input_gradient(study)
    columns = {
        "step": np.arange(r.lag_hours.size),
        "lag_hours": r.lag_hours,
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


def b4_invariants(study: Study) -> None:
    analyses.check_guided_differs(analyses.guided_backprop(study))
    analyses.check_guided_relus_nonnegative(study)


def b5_metrics(study: Study) -> Mapping[str, Any]:
    layers = analyses.layer_gradients(study)
    routing = analyses.maxpool_routing(study)
    grads = {"conv1": layers.conv1, "conv2": layers.conv2, "pool": layers.pooled}
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


def b5_invariants(study: Study) -> None:
    analyses.check_maxpool_routing(study)


def b6_metrics(study: Study) -> Mapping[str, Any]:
    flow = analyses.gradient_flow(study)
    return {
        "norms": dict(zip(flow.points, flow.norms.tolist(), strict=True)),
        "ratios": dict(zip(flow.ratio_names, flow.ratios.tolist(), strict=True)),
    }


def b6_invariants(study: Study) -> None:
    analyses.check_flow_ratios(analyses.gradient_flow(study))


ITEMS: tuple[Item, ...] = (
    Item(
        "B1",
        "input_gradient_heatmap",
        FOLDER,
        "Input-gradient saliency (lookback × features)",
        draw=lambda s: plots.input_gradient_heatmap(analyses.input_gradient(s)),
        metrics=b1_metrics,
        invariants=b1_invariants,
    ),
    Item(
        "B2",
        "feature_importance",
        FOLDER,
        "Per-feature gradient importance",
        draw=lambda s: plots.feature_importance(analyses.input_gradient(s)),
        metrics=b2_metrics,
        invariants=b2_invariants,
        tables=b2_tables,
    ),
    Item(
        "B3",
        "temporal_profile",
        FOLDER,
        "Temporal gradient profile",
        draw=lambda s: plots.temporal_profile(analyses.input_gradient(s)),
        metrics=b3_metrics,
        invariants=b3_invariants,
        tables=b3_tables,
    ),
    Item(
        "B4",
        "guided_backprop",
        FOLDER,
        "Guided backprop heatmap (nn.ReLU modules; LSTM gates untouched)",
        draw=lambda s: plots.guided_backprop_heatmap(analyses.guided_backprop(s)),
        metrics=b4_metrics,
        invariants=b4_invariants,
    ),
    Item(
        "B5",
        "layerwise_gradients",
        FOLDER,
        "Layer-wise gradient magnitude (conv1, conv2, LSTM input)",
        draw=lambda s: plots.layer_gradients(analyses.layer_gradients(s)),
        metrics=b5_metrics,
        invariants=b5_invariants,
    ),
    Item(
        "B6",
        "gradient_flow_ratio",
        FOLDER,
        "Gradient-flow ratio between layers",
        draw=lambda s: plots.gradient_flow(analyses.gradient_flow(s)),
        metrics=b6_metrics,
        invariants=b6_invariants,
    ),
)
