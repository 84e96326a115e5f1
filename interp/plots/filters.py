"""Plots A1–A3: the conv filters' weights and how often layer 1 fires (pure functions: result → Figure)."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from interp.analyses.filters import DORMANT_ZERO_SHARE, ChangeFromInit, FilterBank, FilterNorms, Layer2Summary
from interp.plots.finite import not_finite_panel
from interp.plots.style import DIVERGING, new_figure

BANK_COLUMNS = 8
"""A1 lays the 32 filters out in rows of 8."""

ACTIVE, DORMANT = "#3b6ea5", "#bbbbbb"


def change_line(layer: str, change: ChangeFromInit) -> str:
    """One line on how far training moved ``layer``'s weights from their initialisation."""
    if not change.available:
        return f"change of {layer} from its initialisation unknown: {change.reason}"
    return (
        f"{layer} vs its initialisation: correlation {change.correlation:.3f}, "
        f"‖w − w₀‖ / ‖w₀‖ = {change.relative_change:.3f}"
    )


def _mosaic(weights: np.ndarray, columns: int) -> np.ndarray:
    """Tile ``(C, F, K)`` filters into one ``(rows·(F+1)−1, columns·(K+1)−1)`` image, NaN between tiles."""
    count, features, taps = weights.shape
    rows = -(-count // columns)
    image = np.full((rows * (features + 1) - 1, columns * (taps + 1) - 1), np.nan)
    for i in range(count):
        r, c = divmod(i, columns)
        image[r * (features + 1) : r * (features + 1) + features, c * (taps + 1) : c * (taps + 1) + taps] = (
            weights[i]
        )
    return image


def layer1_filter_bank(result: FilterBank) -> Figure:
    """A1: the 32 layer-1 filters as (features × taps) heatmaps on one symmetric colour scale."""
    count, features, taps = result.weights.shape
    rows = -(-count // BANK_COLUMNS)
    fig = new_figure(10.0, 8.0)
    ax = fig.add_axes((0.16, 0.05, 0.74, 0.85))
    fig.suptitle(
        f"A1 Layer-1 filter bank: {count} filters × {features} features × {taps} taps\n"
        f"{change_line('conv1', result.change)}",
        fontsize=10,
    )
    if not_finite_panel(ax, result.weights, what="layer-1 weights (model units)"):
        return fig
    image = ax.imshow(
        _mosaic(result.weights, BANK_COLUMNS),
        cmap=DIVERGING,
        vmin=-result.limit,
        vmax=result.limit,
        aspect="auto",
        interpolation="nearest",
    )
    ax.set_xticks([])
    ax.set_yticks([])
    centre = (taps - 1) // 2
    for r in range(rows):
        for f, name in enumerate(result.feature_names):
            ax.text(-0.8, r * (features + 1) + f, name, ha="right", va="center", fontsize=6)
    for i in range(count):
        r, c = divmod(i, BANK_COLUMNS)
        ax.text(c * (taps + 1) + centre, r * (features + 1) - 0.7, f"filter {i}", ha="center", fontsize=7)
    for side in ax.spines.values():
        side.set_visible(False)
    ax.set_xlabel(f"each tile: {features} features (rows) × {taps} kernel taps (columns, oldest step left)")
    colour_axes = fig.add_axes((0.92, 0.25, 0.015, 0.5))
    fig.colorbar(image, cax=colour_axes, label="weight (model units)")
    return fig


def layer1_filter_norms(result: FilterNorms) -> Figure:
    """A2: bar charts of the layer-1 filters' BN-folded L2 norms and of their share of exact-zero outputs.

    Dormant filters (zero on at least :data:`DORMANT_ZERO_SHARE` of positions) are hatched grey in both panels.
    """
    fig = new_figure(8.0, 5.5)
    top = fig.add_axes((0.09, 0.55, 0.89, 0.33))
    bottom = fig.add_axes((0.09, 0.1, 0.89, 0.33))
    index = np.arange(result.norms.size)
    colours = np.where(result.dormant, DORMANT, ACTIVE)
    norm_label = "L2 norm of w·γ/√(var+ε)" if result.bn_folded else "L2 norm of raw w (no BN)"
    for ax, values, what in (
        (top, result.norms, norm_label),
        (bottom, 100.0 * result.zero_share, "share of zero outputs (%)"),
    ):
        if not_finite_panel(ax, values, what=what):
            continue
        bars = ax.bar(index, values, color=colours, edgecolor="black", linewidth=0.4)
        for bar, dormant in zip(bars, result.dormant, strict=True):
            if dormant:
                bar.set_hatch("///")
        ax.set_xticks(index, [str(i) for i in index], fontsize=7)
        ax.set_xlim(-0.7, result.norms.size - 0.3)
    if np.all(np.isfinite(result.norms)):
        top.set_ylim(0, max(float(np.max(result.norms, initial=0.0)) * 1.3, 1e-12))
        top.legend(
            handles=[
                Patch(facecolor=ACTIVE, edgecolor="black", label="active"),
                Patch(facecolor=DORMANT, edgecolor="black", hatch="///", label="dormant"),
            ],
            loc="upper right",
            ncol=2,
        )
    top.set_ylabel(norm_label)
    top.set_title(
        "filter norm with the following BatchNorm folded in"
        if result.bn_folded
        else "filter norm (no BatchNorm follows conv1: raw weights)",
        y=1.0,
    )
    bottom.axhline(100.0 * DORMANT_ZERO_SHARE, color="#d7191c", linestyle="--", linewidth=1.0)
    bottom.set_ylim(0, 105)
    bottom.set_ylabel("outputs exactly 0 (%)")
    bottom.set_xlabel("layer-1 filter")
    bottom.set_title(
        f"share of zero outputs (post BN + ReLU, all test windows and steps); dashed: "
        f"dormant at ≥ {DORMANT_ZERO_SHARE:.0%}",
        y=1.0,
    )
    dormant = int(np.sum(result.dormant))
    fig.suptitle(f"A2 Layer-1 filter norms and dormant filters ({dormant} of {result.norms.size} dormant)")
    return fig


def layer2_filter_summary(result: Layer2Summary) -> Figure:
    """A3: (64 × 32) heatmap of layer-2 kernel norms, colour range [0, max]."""
    fig = new_figure(7.0, 8.0)
    ax = fig.add_axes((0.1, 0.07, 0.75, 0.86))
    rows, columns = result.norms.shape
    ax.set_title(
        f"A3 Layer-2 filter summary: {rows} × {columns} kernel norms\n{change_line('conv2', result.change)}",
        y=1.0,
        fontsize=9,
    )
    if not_finite_panel(ax, result.norms, what=f"layer-2 kernel norms over the {result.taps} taps"):
        return fig
    vmax = float(np.max(result.norms)) if result.norms.size else 1.0
    image = ax.imshow(
        result.norms,
        cmap="viridis",
        vmin=0.0,
        vmax=vmax if vmax > 0 else 1.0,
        aspect="auto",
        interpolation="nearest",
    )
    ax.set_yticks(np.arange(0, rows, 4))
    ax.set_xticks(np.arange(0, columns, 2))
    ax.set_ylabel("layer-2 filter")
    ax.set_xlabel("input channel (layer-1 filter)")
    colour_axes = fig.add_axes((0.87, 0.25, 0.02, 0.5))
    fig.colorbar(image, cax=colour_axes, label=f"L2 norm over the {result.taps} taps")
    return fig
