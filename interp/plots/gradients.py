"""B1–B6 figures: input-gradient and guided-backprop maps, feature and temporal importance, layer gradients
and gradient flow. Pure functions of the analysis results; colour limits fixed from each result's own scale
(``[0, max]`` for magnitudes; B5: ``[0, 99th percentile]`` per panel). Window-time axes read "time relative to
the last input step (h)": 0 is the last input step, negative values are earlier.
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import NullLocator

from interp.analyses.gradients import GradientFlow, GuidedBackprop, InputAttribution, LayerGradients
from interp.config import REGIME_NAMES
from interp.plots.finite import not_finite_panel
from interp.plots.style import REGIME_COLOURS, new_figure

BAR_COLOUR, DECOY_COLOUR = "#4c72b0", "#9e9e9e"
TIME_LABEL = "time relative to the last input step (h)"
LAYER_PERCENTILE = 99.0
"""B5: each panel's colour scale runs from 0 to this percentile of its cells (larger cells are drawn at the top
colour), so that a few large cells cannot leave the rest of a panel black."""


def _upper(values: np.ndarray) -> float:
    """``max`` of the finite values, never 0: the fixed upper colour/axis limit of a magnitude."""
    finite = values[np.isfinite(values)]
    top = float(finite.max()) if finite.size else 0.0
    return top if top > 0 else 1.0


def _time_extent(times: np.ndarray) -> tuple[float, float]:
    """x extent of an image whose columns are the window steps: the oldest step on the left, 0 h on the right."""
    half = (times[1] - times[0]) / 2 if times.size > 1 else 0.5
    return float(times[0] - half), float(times[-1] + half)


def _attribution_map(fig: Figure, ax: Axes, result: InputAttribution, label: str) -> None:
    if not_finite_panel(ax, result.mean_abs, what=label):
        return
    image = ax.imshow(
        result.mean_abs.T,
        aspect="auto",
        cmap="viridis",
        vmin=0.0,
        vmax=_upper(result.mean_abs),
        interpolation="nearest",
        extent=(*_time_extent(result.time_hours), len(result.feature_names) - 0.5, -0.5),
    )
    ax.set_yticks(np.arange(len(result.feature_names)), result.feature_names)
    ax.set_xlabel(TIME_LABEL)
    fig.colorbar(image, ax=ax, fraction=0.04, pad=0.02).set_label(label)


def input_gradient_heatmap(result: InputAttribution) -> Figure:
    """B1: mean |d ŷ / d x| over the evaluation windows, features × lookback steps."""
    fig = new_figure(8, 4)
    ax = fig.add_subplot()
    _attribution_map(fig, ax, result, "mean |∂ŷ/∂x|")
    ax.set_title(
        f"B1 Input-gradient saliency: mean |∂ŷ(t+H)/∂x| over {result.window_norm.size} windows "
        f"(CNN → max-pool → LSTM → head)"
    )
    fig.subplots_adjust(left=0.2, right=0.92, bottom=0.13, top=0.9)
    return fig


def guided_backprop_heatmap(result: GuidedBackprop) -> Figure:
    """B4: mean |guided backprop| over the evaluation windows, features × lookback steps."""
    fig = new_figure(8, 4)
    ax = fig.add_subplot()
    _attribution_map(fig, ax, result.attribution, "mean |guided backprop|")
    relus = ", ".join(result.relu_modules) or "none"
    ax.set_title(
        f"B4 Guided backprop: nn.ReLU modules guided ({relus}); LSTM gates untouched\n"
        f"map entropy {result.entropy_guided:.3f} vs {result.entropy_gradient:.3f} for the plain gradient "
        f"(lower = sharper); ‖guided − gradient‖/‖gradient‖ = {result.relative_difference:.3f}"
    )
    fig.subplots_adjust(left=0.2, right=0.92, bottom=0.13, top=0.86)
    return fig


def feature_importance(result: InputAttribution) -> Figure:
    """B2: per-feature share of the mean |input gradient|, largest first; the planted decoy in grey."""
    order = result.ranking
    values = result.feature_importance[order]
    fig = new_figure(7, 4)
    ax = fig.add_subplot()
    colours = [DECOY_COLOUR if i == result.decoy_index else BAR_COLOUR for i in order]
    rows = np.arange(len(order))
    decoy = " — grey: planted decoy (no causal effect)" if result.decoy_index >= 0 else ""
    ax.set_title(f"B2 Per-feature gradient importance{decoy}")
    fig.subplots_adjust(left=0.22, right=0.96, bottom=0.13, top=0.91)
    if not_finite_panel(ax, values, what="share of mean |∂ŷ/∂x| per feature"):
        return fig
    ax.barh(rows, values, color=colours, edgecolor="black", linewidth=0.3)
    for row, value in zip(rows, values, strict=True):
        ax.text(value, row, f" {value:.3f}", va="center", fontsize=7)
    ax.set_yticks(rows, [result.feature_names[i] for i in order])
    ax.invert_yaxis()
    ax.set_xlim(0, 1.18 * _upper(values))
    ax.set_xlabel("share of mean |∂ŷ/∂x| (sums to 1)")
    ax.grid(axis="x", linewidth=0.3)
    return fig


def temporal_profile(result: InputAttribution) -> Figure:
    """B3: share of the mean |input gradient| per lookback step, all windows and per CO2 regime."""
    fig = new_figure(8, 4)
    ax = fig.add_subplot()
    fig.subplots_adjust(left=0.1, right=0.97, bottom=0.13, top=0.91)
    if not_finite_panel(ax, result.temporal_importance, what="share of mean |∂ŷ/∂x| per lookback step"):
        ax.set_title("B3 Temporal gradient profile: which lookback steps matter")
        return fig
    for regime, (name, colour) in enumerate(zip(REGIME_NAMES, REGIME_COLOURS, strict=True)):
        profile = result.regime_temporal_importance[regime]
        if np.all(np.isfinite(profile)):
            ax.plot(result.time_hours, profile, color=colour, linewidth=1.0, marker=".", label=f"{name} CO2")
    ax.plot(result.time_hours, result.temporal_importance, color="black", linewidth=2.0, label="all windows")
    ax.set_xlim(*_time_extent(result.time_hours))
    ax.set_ylim(
        0,
        1.1 * _upper(np.concatenate([result.temporal_importance, result.regime_temporal_importance.ravel()])),
    )
    ax.set_xlabel(TIME_LABEL)
    ax.set_ylabel("share of mean |∂ŷ/∂x| (sums to 1)")
    ax.grid(linewidth=0.3)
    ax.legend(loc="upper left")
    centroid = float(np.sum(result.time_hours * result.temporal_importance))
    ax.set_title(f"B3 Temporal gradient profile: which lookback steps matter (centroid at {centroid:.1f} h)")
    return fig


def layer_gradients(result: LayerGradients) -> Figure:
    """B5: mean |gradient| at block 1, block 2 and the pool output (LSTM input), channel × step, time-aligned.

    Each panel has its own colour scale, ``[0, 99th percentile of its cells]`` (:data:`LAYER_PERCENTILE`), and
    its own colour bar, as its title says; B6 compares the layers' magnitudes.
    """
    fig = new_figure(8, 8)
    axes = fig.subplots(3, 1, sharex=True, gridspec_kw={"height_ratios": [1, 2, 2], "hspace": 0.35})
    x0, x1 = _time_extent(result.time_hours)
    panels = (
        ("block 1 output (conv1 → BN → ReLU)", result.act1),
        ("block 2 output = pool input", result.act2),
        ("pool output = LSTM input", result.pooled),
    )
    for ax, (name, grad) in zip(axes, panels, strict=True):
        ax.set_ylabel("channel")
        if not_finite_panel(ax, grad, what="mean |∂ŷ/∂·|"):
            ax.set_title(f"{name}: {grad.shape[0]} × {grad.shape[1]}")
            continue
        finite = grad[np.isfinite(grad)]
        high = float(np.percentile(finite, LAYER_PERCENTILE)) if finite.size else 0.0
        image = ax.imshow(
            grad,
            aspect="auto",
            cmap="viridis",
            vmin=0.0,
            vmax=high if high > 0 else _upper(grad),
            interpolation="nearest",
            extent=(x0, x1, grad.shape[0] - 0.5, -0.5),
        )
        ax.set_title(
            f"{name}: {grad.shape[0]} × {grad.shape[1]}, mean {grad.mean():.2e}; "
            f"colour 0 … {LAYER_PERCENTILE:g}th percentile of this panel"
        )
        fig.colorbar(image, ax=ax, fraction=0.04, pad=0.02, extend="max").set_label("mean |∂ŷ/∂·|")
    axes[-1].set_xlabel(TIME_LABEL)
    fig.suptitle("B5 Layer-wise gradient magnitude (after BN + ReLU): CNN layer 1 → CNN layer 2 → LSTM input")
    fig.subplots_adjust(left=0.09, right=0.93, bottom=0.07, top=0.92)
    return fig


FLOW_LABELS = {
    "input": "input",
    "act1": "block 1 out\n(conv1 → BN → ReLU)",
    "act2": "block 2 out = pool in\n(pool out: same norm)",
}


def gradient_flow(result: GradientFlow) -> Figure:
    """B6: mean per-window gradient L2 norm at each point (log scale), each stage's ratio written above it."""
    fig = new_figure(8, 4.5)
    ax = fig.add_subplot()
    ax.set_title(
        "B6 Gradient flow at the block outputs (after BN + ReLU): gradient norm at each point;\n"
        "× ratio of each backward stage (right → left)"
    )
    fig.subplots_adjust(left=0.1, right=0.97, bottom=0.16, top=0.88)
    if not_finite_panel(ax, result.norms, what="mean per-window ‖∂ŷ/∂·‖₂"):
        return fig
    positions = np.arange(len(result.points))
    positive = np.where(np.isfinite(result.norms) & (result.norms > 0), result.norms, np.nan)
    ax.bar(positions, positive, width=0.6, color=BAR_COLOUR, edgecolor="black", linewidth=0.3)
    ax.set_yscale("log")
    ax.yaxis.set_minor_locator(NullLocator())
    finite = positive[np.isfinite(positive)]
    low, high = (finite.min(), finite.max()) if finite.size else (1.0, 1.0)
    ax.set_ylim(10 ** np.floor(np.log10(low) - 0.5), 10 ** np.ceil(np.log10(high) + 1.0))
    for i, ratio in enumerate(result.ratios):
        ax.annotate(
            f"× {ratio:.3g}",
            xy=(i + 0.5, 10 ** (np.log10(high) + 0.5)),
            ha="center",
            fontsize=8,
            bbox={"boxstyle": "round", "facecolor": "white", "linewidth": 0.3},
        )
        ax.annotate(
            "",
            xy=(i + 0.2, high * 2),
            xytext=(i + 0.8, high * 2),
            arrowprops={"arrowstyle": "->", "linewidth": 0.6},
        )
    ax.set_xticks(positions, [FLOW_LABELS.get(p, p) for p in result.points])
    ax.set_xlim(-0.6, len(positions) - 0.4)
    ax.set_ylabel("mean per-window ‖∂ŷ/∂·‖₂")
    ax.grid(axis="y", linewidth=0.3)
    return fig
