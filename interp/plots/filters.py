"""Plots A1–A3: the conv filters' weights (pure functions: result → Figure)."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from interp.analyses.filters import DORMANT_FRACTION, FilterBank, FilterNorms, Layer2Summary
from interp.plots.style import DIVERGING, new_figure

BANK_COLUMNS = 8
"""A1 lays the 32 filters out in rows of 8."""


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
    ax = fig.add_axes((0.16, 0.05, 0.74, 0.88))
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
    fig.suptitle(f"A1 Layer-1 filter bank: {count} filters × {features} features × {taps} taps")
    return fig


def layer1_filter_norms(result: FilterNorms) -> Figure:
    """A2: bar chart of layer-1 filter L2 norms; dormant filters (below the threshold line) hatched grey."""
    fig = new_figure(8.0, 4.0)
    ax = fig.add_axes((0.08, 0.13, 0.9, 0.77))
    index = np.arange(result.norms.size)
    colours = np.where(result.dormant, "#bbbbbb", "#3b6ea5")
    bars = ax.bar(index, result.norms, color=colours, edgecolor="black", linewidth=0.4)
    for bar, dormant in zip(bars, result.dormant, strict=True):
        if dormant:
            bar.set_hatch("///")
    ax.axhline(result.threshold, color="#d7191c", linestyle="--", linewidth=1.0)
    ax.set_xticks(index, [str(i) for i in index], fontsize=6)
    ax.set_xlim(-0.7, result.norms.size - 0.3)
    ax.set_ylim(0, max(float(np.max(result.norms)) * 1.25, result.threshold * 2, 1e-12))
    ax.set_xlabel("layer-1 filter")
    ax.set_ylabel("L2 norm of weights (model units)")
    handles = [
        Patch(facecolor="#3b6ea5", edgecolor="black", label="active"),
        Patch(facecolor="#bbbbbb", edgecolor="black", hatch="///", label="dormant"),
        Patch(
            facecolor="none",
            edgecolor="#d7191c",
            linestyle="--",
            label=f"threshold: {DORMANT_FRACTION:.0%} of the largest norm",
        ),
    ]
    ax.legend(handles=handles, loc="upper right")
    dormant = int(np.sum(result.dormant))
    ax.set_title(f"A2 Layer-1 filter L2 norms ({dormant} of {result.norms.size} dormant)", y=1.0)
    return fig


def layer2_filter_summary(result: Layer2Summary) -> Figure:
    """A3: (64 × 32) heatmap of layer-2 kernel norms, colour range [0, max]."""
    fig = new_figure(7.0, 8.0)
    ax = fig.add_axes((0.1, 0.07, 0.75, 0.86))
    vmax = float(np.max(result.norms)) if result.norms.size else 1.0
    image = ax.imshow(
        result.norms,
        cmap="viridis",
        vmin=0.0,
        vmax=vmax if vmax > 0 else 1.0,
        aspect="auto",
        interpolation="nearest",
    )
    rows, columns = result.norms.shape
    ax.set_yticks(np.arange(0, rows, 4))
    ax.set_xticks(np.arange(0, columns, 2))
    ax.set_ylabel("layer-2 filter")
    ax.set_xlabel("input channel (layer-1 filter)")
    colour_axes = fig.add_axes((0.87, 0.25, 0.02, 0.5))
    fig.colorbar(image, cax=colour_axes, label=f"L2 norm over the {result.shape[2]} taps")
    ax.set_title(f"A3 Layer-2 filter summary: {rows} × {columns} kernel norms", y=1.0)
    return fig
