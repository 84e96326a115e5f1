"""Section A (CNN filter analysis): catalog items A1–A8, folder ``cnn_filters``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from interp.analyses import activations, filters, receptive_field
from interp.catalog import SECTION_FOLDERS, Item
from interp.config import REGIME_NAMES
from interp.metrics import to_jsonable
from interp.plots import activations as activation_plots
from interp.plots import filters as filter_plots
from interp.plots import receptive_field as receptive_field_plots
from interp.study import Study

FOLDER = SECTION_FOLDERS["A"]


def _a1_metrics(study: Study) -> Mapping[str, Any]:
    bank = filters.layer1_filter_bank(study)
    return to_jsonable(
        {
            "shape": list(bank.weights.shape),
            "max_abs_weight": bank.limit,
            "feature_weight_norms": dict(zip(bank.feature_names, bank.feature_norms, strict=True)),
        }
    )


def _a2_metrics(study: Study) -> Mapping[str, Any]:
    result = filters.layer1_filter_norms(study)
    return to_jsonable(
        {
            "norms": result.norms,
            "dormant_threshold": result.threshold,
            "dormant_fraction_of_largest": filters.DORMANT_FRACTION,
            "dormant_count": int(np.sum(result.dormant)),
            "dormant_filters": np.flatnonzero(result.dormant),
        }
    )


def _a3_metrics(study: Study) -> Mapping[str, Any]:
    summary = filters.layer2_filter_summary(study)
    norms = summary.norms
    return to_jsonable(
        {
            "shape": list(summary.shape),
            "filter_norms": np.sqrt(np.sum(norms**2, axis=1)),
            "input_channel_norms": np.sqrt(np.sum(norms**2, axis=0)),
            "max_kernel_norm": float(np.max(norms)),
        }
    )


def _map_metrics(result: activations.ActivationMap) -> Mapping[str, Any]:
    window = result.window
    return to_jsonable(
        {
            "window_index": window.index,
            "target_ppm": window.target_ppm,
            "regime": REGIME_NAMES[window.regime],
            "fallback_no_high_window": window.fallback,
            "filter_means": result.activations.mean(axis=1),
            "zero_fraction": float(np.mean(result.activations <= activations.EPSILON)),
            "max_activation": float(np.max(result.activations)),
        }
    )


def _stats_metrics(study: Study) -> Mapping[str, Any]:
    stats = activations.activation_stats(study)
    layers = {"layer1": stats.layer1, "layer2": stats.layer2}
    return to_jsonable(
        {
            "epsilon": stats.epsilon,
            **{
                layer: {
                    "mean": v.mean,
                    "sparsity": v.sparsity,
                    "max": v.max,
                    "mean_sparsity": float(np.mean(v.sparsity)),
                }
                for layer, v in layers.items()
            },
        }
    )


def _regime_metrics(study: Study) -> Mapping[str, Any]:
    result = activations.activation_by_regime(study)
    blocks = {"layer1": result.layer1, "layer2": result.layer2}
    return to_jsonable(
        {
            "regime_counts": dict(zip(REGIME_NAMES, result.layer1.counts, strict=True)),
            **{
                layer: {
                    "means": dict(zip(REGIME_NAMES, block.means, strict=True)),
                    "high_specialists": block.specialists,
                    "largest_high_minus_low": block.high_minus_low[block.specialists[0]]
                    if block.specialists.size
                    else float("nan"),
                }
                for layer, block in blocks.items()
            },
        }
    )


def _rf_metrics(study: Study) -> Mapping[str, Any]:
    result = receptive_field.receptive_field(study)
    return to_jsonable(
        {
            "layers": list(result.layers),
            "kernel_sizes": result.geometry[:, 0],
            "analytic_steps": result.analytic,
            "empirical_steps": result.empirical,
            "jumps": result.jumps,
            "empirical_bounds": result.empirical_bounds,
            "conv2_receptive_field_hours": float(result.analytic[1] / result.steps_per_hour),
            "n_windows": result.n_windows,
        }
    )


ITEMS: tuple[Item, ...] = (
    Item(
        "A1",
        "layer1_filter_bank",
        FOLDER,
        "Layer-1 filter bank (32 × features × 7 taps)",
        draw=lambda s: filter_plots.layer1_filter_bank(filters.layer1_filter_bank(s)),
        metrics=_a1_metrics,
        invariants=filters.check_layer1_weight_shape,
    ),
    Item(
        "A2",
        "layer1_filter_norms",
        FOLDER,
        "Layer-1 filter L2 norms and dormant filters",
        draw=lambda s: filter_plots.layer1_filter_norms(filters.layer1_filter_norms(s)),
        metrics=_a2_metrics,
        invariants=filters.check_dormant_filters,
    ),
    Item(
        "A3",
        "layer2_filter_summary",
        FOLDER,
        "Layer-2 filter norms (64 × 32, collapsed over the kernel)",
        draw=lambda s: filter_plots.layer2_filter_summary(filters.layer2_filter_summary(s)),
        metrics=_a3_metrics,
        invariants=filters.check_layer2_weight_shape,
    ),
    Item(
        "A4",
        "layer1_activation_heatmap",
        FOLDER,
        "Layer-1 activations of a representative window",
        draw=lambda s: activation_plots.activation_heatmap(activations.layer1_activation_heatmap(s), "A4"),
        metrics=lambda s: _map_metrics(activations.layer1_activation_heatmap(s)),
        invariants=activations.check_layer1_activations,
    ),
    Item(
        "A5",
        "layer2_activation_heatmap",
        FOLDER,
        "Layer-2 activations of a representative window",
        draw=lambda s: activation_plots.activation_heatmap(activations.layer2_activation_heatmap(s), "A5"),
        metrics=lambda s: _map_metrics(activations.layer2_activation_heatmap(s)),
        invariants=activations.check_layer2_activations,
    ),
    Item(
        "A6",
        "activation_stats",
        FOLDER,
        "Activation statistics per filter (mean, sparsity, max)",
        draw=lambda s: activation_plots.activation_stats_table(activations.activation_stats(s)),
        metrics=_stats_metrics,
        invariants=activations.check_activation_stats,
        tables=lambda s: {
            "A6_activation_stats.csv": activations.activation_stats_csv(activations.activation_stats(s))
        },
    ),
    Item(
        "A7",
        "activation_by_regime",
        FOLDER,
        "Filter activation by CO2 regime",
        draw=lambda s: activation_plots.activation_by_regime(activations.activation_by_regime(s)),
        metrics=_regime_metrics,
        invariants=activations.check_regime_specialists,
    ),
    Item(
        "A8",
        "receptive_field",
        FOLDER,
        "Receptive field of the conv stack (analytic and measured)",
        draw=lambda s: receptive_field_plots.receptive_field_diagram(receptive_field.receptive_field(s)),
        metrics=_rf_metrics,
        invariants=receptive_field.check_receptive_field,
    ),
)
