"""Plots A4–A7: activation maps, activation statistics and activations by CO2 regime."""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from interp.analyses.activations import (
    HIGH,
    LOW,
    ActivationMap,
    ActivationStats,
    LayerStats,
    RegimeActivation,
    RegimeMeans,
)
from interp.config import REGIME_NAMES
from interp.plots.finite import figure_note, not_finite_panel
from interp.plots.style import REGIME_COLOURS, new_figure

TABLE_ROWS = 32
"""A6 draws the statistics as side-by-side tables of 32 filters each."""

TIME_LABEL = "time relative to the last input step (h)"
"""The one wording of a window-time axis in Section A (0 = last input step, negative = earlier)."""


def activation_heatmap(result: ActivationMap, plan_id: str) -> Figure:
    """A4/A5: ``(C × L)`` activation map of a typical High-CO2 window under its CO2 input trace."""
    filters, steps = result.activations.shape
    fig = new_figure(8.0, 7.0 if filters > 32 else 5.5)
    trace = fig.add_axes((0.1, 0.78, 0.76, 0.13))
    ax = fig.add_axes((0.1, 0.08, 0.76, 0.66))
    step = float(result.hours[1] - result.hours[0]) if steps > 1 else 1.0
    extent = (result.hours[0] - step / 2, result.hours[-1] + step / 2, filters - 0.5, -0.5)
    trace.plot(result.hours, result.co2_ppm, color="black", linewidth=1.0, marker=".", markersize=3)
    trace.set_xlim(extent[0], extent[1])
    trace.set_ylabel("CO2 (ppm)")
    trace.tick_params(labelbottom=False)
    window = result.window
    fig.suptitle(
        f"{plan_id} {result.layer.capitalize()} activations, window {window.index} "
        f"(target at t + H: {window.target_ppm:.0f} ppm, {REGIME_NAMES[window.regime]})\n"
        f"window shown: {window.rule}",
        fontsize=9,
    )
    if not_finite_panel(ax, result.activations, what=f"{result.layer} activations (post BN + ReLU)"):
        return fig
    image = ax.imshow(
        result.activations,
        cmap="magma",
        vmin=0.0,
        vmax=result.vmax,
        aspect="auto",
        interpolation="nearest",
        extent=extent,
    )
    ax.set_yticks(np.arange(0, filters, 2 if filters <= 32 else 4))
    ax.set_ylabel(f"{result.layer} filter")
    ax.set_xlabel(TIME_LABEL)
    colour_axes = fig.add_axes((0.88, 0.08, 0.02, 0.66))
    fig.colorbar(image, cax=colour_axes, label="activation (post BN + ReLU)")
    return fig


def _stats_table(ax: Axes, stats: LayerStats, first: int, count: int, title: str) -> None:
    """One panel of the A6 table: a monospace text block (a single artist, cheap to draw)."""
    header = f"{'#':>3} {'mean':>6} {'sp %':>5} {'max':>6}"
    lines = [title, header, "-" * len(header)]
    lines += [
        f"{i:>3} {stats.mean[i]:6.3f} {100 * stats.sparsity[i]:5.1f} {stats.max[i]:6.3f}"
        for i in range(first, min(first + count, stats.mean.size))
    ]
    ax.text(
        0.5,
        1.0,
        "\n".join(lines),
        family="monospace",
        fontsize=9,
        ha="center",
        va="top",
        transform=ax.transAxes,
        linespacing=1.4,
    )
    ax.axis("off")


def activation_stats_table(result: ActivationStats) -> Figure:
    """A6: mean, sparsity (% exact zeros) and max activation per filter, as tables (layer 1, then layer 2)."""
    panels = [("layer 1", result.layer1, first) for first in range(0, result.layer1.mean.size, TABLE_ROWS)]
    panels += [("layer 2", result.layer2, first) for first in range(0, result.layer2.mean.size, TABLE_ROWS)]
    fig = new_figure(10.0, 7.0)
    width = 0.98 / len(panels)
    for i, (layer, stats, first) in enumerate(panels):
        ax = fig.add_axes((0.01 + i * width, 0.02, width, 0.91))
        _stats_table(ax, stats, first, TABLE_ROWS, layer)
    fig.suptitle(
        "A6 Activation statistics per filter (post BN + ReLU, evaluation set); "
        "sp % = share of activations exactly 0"
    )
    layers = (result.layer1, result.layer2)
    figure_note(fig, *(v for s in layers for v in (s.mean, s.sparsity, s.max)), what="activation statistics")
    return fig


def _regime_means(ax: Axes, block: RegimeMeans, filters: np.ndarray) -> None:
    for r, name in enumerate(REGIME_NAMES):
        if block.counts[r]:
            ax.plot(
                filters + (r - 1) * 0.22,
                block.means[r],
                color=REGIME_COLOURS[r],
                marker="o",
                markersize=3.0,
                linestyle="none",
                label=f"{name} ({int(block.counts[r])} windows)",
            )
    ax.set_xlim(-0.7, filters.size - 0.3)
    ax.set_ylabel("mean activation")
    ax.tick_params(labelbottom=False)


def _regime_panels(top: Axes, bottom: Axes, block: RegimeMeans, layer: str) -> None:
    """One layer's two A7 panels; a panel of non-finite values shows a notice (an empty regime's NaN does not
    count: it has no windows to average)."""
    filters = np.arange(block.means.shape[1])
    top.set_title(f"{layer}: mean per regime", y=1.0)
    if not not_finite_panel(top, block.means[block.counts > 0], what="mean activation per regime"):
        _regime_means(top, block, filters)
    bottom.set_xlabel(f"{layer} filter")
    both = bool(block.counts[HIGH] and block.counts[LOW])
    if not_finite_panel(bottom, block.high_minus_low if both else (), what="High − Low mean activation"):
        bottom.set_title("High-CO2 specialists: none (activations not finite)", y=1.0)
        return
    difference = np.nan_to_num(block.high_minus_low)
    error = np.nan_to_num(np.sqrt(block.standard_errors[HIGH] ** 2 + block.standard_errors[LOW] ** 2))
    colours = np.full(filters.size, "#999999", dtype=object)
    colours[block.specialists] = REGIME_COLOURS[HIGH]
    bottom.vlines(
        filters, 0.0, difference, colors=list(colours), linewidth=4.0 if filters.size <= 32 else 2.5
    )
    bottom.vlines(filters, difference - error, difference + error, colors="black", linewidth=0.6)
    bottom.axhline(0.0, color="black", linewidth=0.6)
    bottom.margins(y=0.15)
    for i in block.specialists:
        bottom.annotate(
            str(int(i)),
            (float(i), float(difference[i] + error[i])),
            ha="center",
            va="bottom",
            xytext=(0, 2),
            textcoords="offset points",
            fontsize=7,
            color=REGIME_COLOURS[HIGH],
        )
    bottom.set_xlim(-0.7, filters.size - 0.3)
    bottom.set_ylabel("High − Low (± SE, n_eff)")
    named = ", ".join(str(int(i)) for i in block.specialists) or "none (a regime is empty)"
    bottom.set_title(f"High-CO2 specialists: {named}", y=1.0)


def activation_by_regime(result: RegimeActivation) -> Figure:
    """A7: per-filter mean activation by CO2 regime and the High − Low difference, both layers."""
    fig = new_figure(10.0, 6.8)
    grid = fig.add_gridspec(
        2, 2, width_ratios=(1, 2), left=0.07, right=0.98, bottom=0.08, top=0.83, hspace=0.3, wspace=0.18
    )
    for column, (block, layer) in enumerate(((result.layer1, "layer 1"), (result.layer2, "layer 2"))):
        _regime_panels(fig.add_subplot(grid[0, column]), fig.add_subplot(grid[1, column]), block, layer)
    handles, labels = fig.axes[0].get_legend_handles_labels()
    if labels:
        fig.legend(
            handles, labels, loc="upper center", ncol=len(labels), bbox_to_anchor=(0.5, 0.915), frameon=False
        )
    fig.suptitle(
        "A7 Filter activation by CO2 regime of the target at t + H (mean over windows and steps)\n"
        f"± SE with the effective number of windows (inputs overlap over {result.bandwidth} steps); "
        "red: largest High − Low",
        fontsize=10,
        y=0.99,
    )
    return fig
