"""Section A (CNN filter analysis): catalog items A1–A8, folder ``cnn_filters``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from interp.analyses import activations, filters, receptive_field
from interp.catalog import SECTION_FOLDERS, Drift, Invariant, Item
from interp.config import REGIME_NAMES
from interp.errors import InvariantSkipped
from interp.metrics import to_jsonable
from interp.plots import activations as activation_plots
from interp.plots import filters as filter_plots
from interp.plots import receptive_field as receptive_field_plots
from interp.study import Study
from interp.verdict import Verdict

FOLDER = SECTION_FOLDERS["A"]

MAX_DORMANT_SHARE = 0.5
"""A2: a layer whose filters are dormant in the majority has collapsed."""

RESOLUTION = 1e-6
"""A7: High − Low differences below this fraction of the block's largest mean (at least 1) are rounding."""


def dormant_filters(study: Study) -> Verdict:
    """A2 (sanity): fewer than half of the layer-1 filters are dormant (exact 0 on ≥ 99 % of positions)."""
    result = filters.layer1_filter_norms(study)
    count, total = int(np.sum(result.dormant)), result.dormant.size
    return Verdict(
        count / total,
        "<",
        MAX_DORMANT_SHARE,
        f"share of layer-1 filters that are exactly 0 on ≥ {filters.DORMANT_ZERO_SHARE:.0%} of positions",
        context=f"{count} of {total} dormant: {np.flatnonzero(result.dormant).tolist()[:12]}",
        fix="Check the training run (learning rate, weight decay) or the checkpoint for dead filters.",
    )


def activations_nonnegative(study: Study) -> Verdict:
    """A4 (structural): the block outputs and the pooled values are ≥ 0 (each block ends in a ReLU)."""
    cap = study.capture
    minima = {
        name: float(np.min(a)) if a.size else 0.0
        for name, a in (("layer 1", cap.act1.min), ("layer 2", cap.act2.min), ("pooled", cap.pooled_min))
    }
    worst = min(minima, key=lambda k: (np.nan_to_num(minima[k], nan=-np.inf), k))
    return Verdict(
        minima[worst],
        ">=",
        0.0,
        f"smallest activation after BN + ReLU ({worst})",
        fix="End each conv block in an nn.ReLU module before the next layer.",
    )


def finite_statistics(study: Study) -> Verdict:
    """A6 (sanity): every filter's mean, sparsity and maximum are finite."""
    stats = activations.activation_stats(study)
    bad = [
        f"{name} filter {i}"
        for name, values in (("layer 1", stats.layer1), ("layer 2", stats.layer2))
        for i in np.flatnonzero(~np.isfinite(values.mean + values.sparsity + values.max))
    ]
    return Verdict(
        len(bad),
        "==",
        0,
        "filters with NaN or inf activation statistics",
        context=", ".join(bad[:6]),
        fix="Check the checkpoint's weights and BatchNorm statistics for NaN or inf.",
    )


def responds_to_co2_level(study: Study) -> Verdict:
    """A7 (sanity): some filter's mean activation differs between the High and Low regimes beyond its error.

    The error is the standard error of High − Low with the Newey–West effective sample size of each regime
    (overlapping windows are not independent; see :func:`interp.analyses.activations.effective_sample_size`).
    """
    result = activations.activation_by_regime(study)
    counts = result.layer1.counts
    if counts[activations.HIGH] < 2 or counts[activations.LOW] < 2:
        raise InvariantSkipped(
            f"A7: the evaluation set has {counts[activations.LOW]} Low and {counts[activations.HIGH]} High "
            f"windows; comparing regimes needs at least 2 of each."
        )
    best = 0.0
    for block in (result.layer1, result.layer2):
        error = np.sqrt(
            block.standard_errors[activations.HIGH] ** 2 + block.standard_errors[activations.LOW] ** 2
        )
        # Differences below float32 resolution of the block's activations are rounding, not a response.
        largest = np.max(np.abs(block.means), where=~np.isnan(block.means), initial=0.0)
        error = np.maximum(error, RESOLUTION * max(float(largest), 1.0))
        ratio = np.abs(block.high_minus_low) / error
        if not np.all(np.isfinite(ratio)):
            return Verdict(float("nan"), ">", 1.0, "largest |High − Low| / standard error over the filters")
        best = max(best, float(np.max(ratio, initial=0.0)))
    return Verdict(
        best,
        ">",
        1.0,
        "largest |High − Low| mean activation / its standard error (effective sample size), over the filters",
        context=f"regime of each window's target at t + H; {int(counts[activations.LOW])} Low and "
        f"{int(counts[activations.HIGH])} High windows, overlapping over a {result.bandwidth}-step lookback",
        fix="The conv blocks do not respond to the CO2 level: check the checkpoint.",
    )


def receptive_field_matches(study: Study) -> Verdict:
    """A8 (structural): the measured receptive field of each layer equals the analytic one from its geometry."""
    result = receptive_field.receptive_field(study)
    first, last = result.analytic_bounds[:, 0], result.analytic_bounds[:, 1]
    if np.any(first < 0) or np.any(last >= result.lookback_steps):
        raise InvariantSkipped(
            f"A8: the central units' fields span steps {result.analytic_bounds.tolist()}, beyond the "
            f"{result.lookback_steps}-step lookback; the padding would cut the measured field."
        )
    gaps = np.abs(result.empirical.astype(np.int64) - result.analytic.astype(np.int64))
    worst = int(np.argmax(gaps))
    return Verdict(
        int(gaps[worst]),
        "==",
        0,
        "steps between the measured and the analytic receptive field",
        context=f"{result.layers[worst]}: analytic {int(result.analytic[worst])}, measured "
        f"{int(result.empirical[worst])} over {result.n_windows} windows",
        fix="Look for zeroed kernel taps, dead channels or a layer the geometry does not describe.",
    )


def _change_metrics(change: filters.ChangeFromInit) -> dict[str, Any]:
    """``change_from_init``: correlation and relative change, or None with the reason beside it."""
    if change.available:
        return {
            "change_from_init": {"correlation": change.correlation, "relative_change": change.relative_change}
        }
    return {"change_from_init": None, "change_from_init_unknown": change.reason}


def _a1_metrics(study: Study) -> Mapping[str, Any]:
    bank = filters.layer1_filter_bank(study)
    return to_jsonable(
        {
            "max_abs_weight": bank.limit,
            "feature_weight_norms": dict(zip(bank.feature_names, bank.feature_norms, strict=True)),
            **_change_metrics(bank.change),
        }
    )


def _a2_metrics(study: Study) -> Mapping[str, Any]:
    result = filters.layer1_filter_norms(study)
    return to_jsonable(
        {
            "norms": result.norms,
            "zero_share": result.zero_share,
            "dormant_count": int(np.sum(result.dormant)),
            "dormant_filters": np.flatnonzero(result.dormant),
        }
    )


def _a3_metrics(study: Study) -> Mapping[str, Any]:
    summary = filters.layer2_filter_summary(study)
    norms = summary.norms
    return to_jsonable(
        {
            "filter_norms": np.sqrt(np.sum(norms**2, axis=1)),
            "input_channel_norms": np.sqrt(np.sum(norms**2, axis=0)),
            "max_kernel_norm": float(np.max(norms)),
            **_change_metrics(summary.change),
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
            "zero_fraction": float(np.mean(result.activations == 0.0)),
            "max_activation": float(np.max(result.activations)),
        }
    )


def _stats_metrics(study: Study) -> Mapping[str, Any]:
    stats = activations.activation_stats(study)
    layers = {"layer1": stats.layer1, "layer2": stats.layer2}
    return to_jsonable(
        {
            layer: {
                "mean": v.mean,
                "sparsity": v.sparsity,
                "max": v.max,
                "mean_sparsity": float(np.mean(v.sparsity)),
            }
            for layer, v in layers.items()
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
                    "median_effective_windows": dict(
                        zip(REGIME_NAMES, np.median(block.effective_counts, axis=1), strict=True)
                    ),
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
    ),
    Item(
        "A2",
        "layer1_filter_norms",
        FOLDER,
        "Layer-1 filter L2 norms (BatchNorm folded) and dormant filters",
        draw=lambda s: filter_plots.layer1_filter_norms(filters.layer1_filter_norms(s)),
        metrics=_a2_metrics,
        invariants=(
            Invariant(
                "dormant-filters",
                dormant_filters,
                "sanity",
                "filters of a working layer fire on some inputs, trained or not; a majority dead means the layer "
                "collapsed",
            ),
        ),
        drift=(
            Drift(
                "dormant-share",
                "share of dormant layer-1 filters",
                "higher",
                value=lambda s: float(np.mean(filters.layer1_filter_norms(s).dormant)),
                resolution=1 / 32,
            ),
        ),
    ),
    Item(
        "A3",
        "layer2_filter_summary",
        FOLDER,
        "Layer-2 filter norms (64 × 32, collapsed over the kernel)",
        draw=lambda s: filter_plots.layer2_filter_summary(filters.layer2_filter_summary(s)),
        metrics=_a3_metrics,
    ),
    Item(
        "A4",
        "layer1_activation_heatmap",
        FOLDER,
        "Layer-1 activations of a typical High-CO2 window",
        draw=lambda s: activation_plots.activation_heatmap(activations.layer1_activation_heatmap(s), "A4"),
        metrics=lambda s: _map_metrics(activations.layer1_activation_heatmap(s)),
        invariants=(
            Invariant(
                "activations-nonnegative",
                activations_nonnegative,
                "structural",
                "each conv block ends in a ReLU, so its output and the pooled values are ≥ 0 for any weights",
            ),
        ),
    ),
    Item(
        "A5",
        "layer2_activation_heatmap",
        FOLDER,
        "Layer-2 activations of a typical High-CO2 window",
        draw=lambda s: activation_plots.activation_heatmap(activations.layer2_activation_heatmap(s), "A5"),
        metrics=lambda s: _map_metrics(activations.layer2_activation_heatmap(s)),
    ),
    Item(
        "A6",
        "activation_stats",
        FOLDER,
        "Activation statistics per filter (mean, sparsity, max)",
        draw=lambda s: activation_plots.activation_stats_table(activations.activation_stats(s)),
        metrics=_stats_metrics,
        invariants=(
            Invariant(
                "finite-statistics",
                finite_statistics,
                "sanity",
                "finite weights give finite activations, trained or not",
            ),
        ),
        drift=(
            Drift(
                "layer2-sparsity",
                "mean share of zero layer-2 activations (higher: more of layer 2 is silent)",
                "higher",
                value=lambda s: float(np.mean(activations.activation_stats(s).layer2.sparsity)),
                resolution=0.01,
            ),
        ),
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
        invariants=(
            Invariant(
                "responds-to-co2-level",
                responds_to_co2_level,
                "sanity",
                "filters that read the CO2 input respond to its level, trained or not; an input-blind block does not",
            ),
        ),
        needs_regimes=True,
    ),
    Item(
        "A8",
        "receptive_field",
        FOLDER,
        "Receptive field of the conv stack (analytic and measured)",
        draw=lambda s: receptive_field_plots.receptive_field_diagram(receptive_field.receptive_field(s)),
        metrics=_rf_metrics,
        invariants=(
            Invariant(
                "receptive-field",
                receptive_field_matches,
                "structural",
                "the measured field of a unit is its analytic field for any weights without zeroed taps",
            ),
        ),
    ),
)
