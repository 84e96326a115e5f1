"""B1–B6 figures: input-gradient and guided-backprop maps, feature and temporal importance, layer gradients
and gradient flow. Pure functions of the analysis results; colour limits fixed from each result's own scale
(``[0, max]`` for magnitudes).
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import NullLocator

from interp.analyses.gradients import GradientFlow, GuidedBackprop, InputAttribution, LayerGradients
from interp.config import REGIME_NAMES
from interp.plots.style import REGIME_COLOURS, new_figure

BAR_COLOUR, DECOY_COLOUR = "#4c72b0", "#9e9e9e"
LAG_LABEL = "lag (hours before the last input step)"


def _upper(values: np.ndarray) -> float:
    """``max`` of the finite values, never 0: the fixed upper colour/axis limit of a magnitude."""
    finite = values[np.isfinite(values)]
    top = float(finite.max()) if finite.size else 0.0
    return top if top > 0 else 1.0


def _lag_extent(lags: np.ndarray) -> tuple[float, float]:
    """x extent of an image whose columns are the window steps: oldest lag on the left, 0 h on the right."""
    half = (lags[0] - lags[1]) / 2 if lags.size > 1 else 0.5
    return float(lags[0] + half), float(lags[-1] - half)


def _attribution_map(fig: Figure, ax: Axes, result: InputAttribution, label: str) -> None:
    image = ax.imshow(
        result.mean_abs.T,
        aspect="auto",
        cmap="viridis",
        vmin=0.0,
        vmax=_upper(result.mean_abs),
        interpolation="nearest",
        extent=(*_lag_extent(result.lag_hours), len(result.feature_names) - 0.5, -0.5),
    )
    ax.set_yticks(np.arange(len(result.feature_names)), result.feature_names)
    ax.set_xlabel(LAG_LABEL)
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
    ax.barh(rows, np.nan_to_num(values), color=colours, edgecolor="black", linewidth=0.3)
    for row, value in zip(rows, values, strict=True):
        ax.text(value if np.isfinite(value) else 0.0, row, f" {value:.3f}", va="center", fontsize=7)
    ax.set_yticks(rows, [result.feature_names[i] for i in order])
    ax.invert_yaxis()
    ax.set_xlim(0, 1.18 * _upper(values))
    ax.set_xlabel("share of mean |∂ŷ/∂x| (sums to 1)")
    ax.grid(axis="x", linewidth=0.3)
    decoy = " — grey: planted decoy (no causal effect)" if result.decoy_index >= 0 else ""
    ax.set_title(f"B2 Per-feature gradient importance{decoy}")
    fig.subplots_adjust(left=0.22, right=0.96, bottom=0.13, top=0.91)
    return fig


def temporal_profile(result: InputAttribution) -> Figure:
    """B3: share of the mean |input gradient| per lookback step, all windows and per CO2 regime."""
    fig = new_figure(8, 4)
    ax = fig.add_subplot()
    for regime, (name, colour) in enumerate(zip(REGIME_NAMES, REGIME_COLOURS, strict=True)):
        profile = result.regime_temporal_importance[regime]
        if np.all(np.isfinite(profile)):
            ax.plot(result.lag_hours, profile, color=colour, linewidth=1.0, marker=".", label=f"{name} CO2")
    ax.plot(result.lag_hours, result.temporal_importance, color="black", linewidth=2.0, label="all windows")
    ax.set_xlim(*_lag_extent(result.lag_hours))
    ax.set_ylim(
        0,
        1.1 * _upper(np.concatenate([result.temporal_importance, result.regime_temporal_importance.ravel()])),
    )
    ax.set_xlabel(LAG_LABEL)
    ax.set_ylabel("share of mean |∂ŷ/∂x| (sums to 1)")
    ax.grid(linewidth=0.3)
    ax.legend(loc="upper left")
    centroid = float(np.sum(result.lag_hours * result.temporal_importance))
    ax.set_title(f"B3 Temporal gradient profile: which lookback steps matter (centroid lag {centroid:.1f} h)")
    fig.subplots_adjust(left=0.1, right=0.97, bottom=0.13, top=0.91)
    return fig


def layer_gradients(result: LayerGradients) -> Figure:
    """B5: mean |gradient| at conv1, conv2 and the pool output (LSTM input), channel × step, time-aligned.

    Each panel is scaled by its own largest cell (stated in its title) so one colour bar serves all three; B6
    compares the layers' magnitudes.
    """
    fig = new_figure(8, 8)
    axes = fig.subplots(3, 1, sharex=True, gridspec_kw={"height_ratios": [1, 2, 2], "hspace": 0.3})
    x0, x1 = _lag_extent(result.lag_hours)
    panels = (
        ("conv1 output (before BN)", result.conv1),
        ("conv2 output (before BN)", result.conv2),
        ("pool output = LSTM input", result.pooled),
    )
    for ax, (name, grad) in zip(axes, panels, strict=True):
        top = _upper(grad)
        image = ax.imshow(
            grad / top,
            aspect="auto",
            cmap="viridis",
            vmin=0.0,
            vmax=1.0,
            interpolation="nearest",
            extent=(x0, x1, grad.shape[0] - 0.5, -0.5),
        )
        ax.set_ylabel("channel")
        ax.set_title(f"{name}: {grad.shape[0]} × {grad.shape[1]}, mean {grad.mean():.2e}, max {top:.2e}")
    axes[-1].set_xlabel(LAG_LABEL)
    fig.suptitle("B5 Layer-wise gradient magnitude: CNN layer 1 → CNN layer 2 → LSTM input")
    fig.subplots_adjust(left=0.09, right=0.87, bottom=0.07, top=0.92)
    colour_axis = fig.add_axes((0.9, 0.07, 0.02, 0.85))
    fig.colorbar(image, cax=colour_axis).set_label("mean |∂ŷ/∂·| / panel max")
    return fig


FLOW_LABELS = {
    "input": "input",
    "conv1": "conv1 out",
    "act1": "block 1\n(BN+ReLU)",
    "conv2": "conv2 out",
    "act2": "block 2 =\npool in",
    "pooled": "pool out =\nLSTM in",
}


def gradient_flow(result: GradientFlow) -> Figure:
    """B6: mean per-window gradient L2 norm at each point (log scale), each stage's ratio written above it."""
    fig = new_figure(8, 4.5)
    ax = fig.add_subplot()
    positions = np.arange(len(result.points))
    positive = np.where(np.isfinite(result.norms) & (result.norms > 0), result.norms, np.nan)
    ax.bar(positions, positive, color=BAR_COLOUR, edgecolor="black", linewidth=0.3)
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
            fontsize=7,
            bbox={"boxstyle": "round", "facecolor": "white", "linewidth": 0.3},
        )
        ax.annotate(
            "",
            xy=(i + 0.15, high * 2),
            xytext=(i + 0.85, high * 2),
            arrowprops={"arrowstyle": "->", "linewidth": 0.6},
        )
    ax.set_xticks(positions, [FLOW_LABELS.get(p, p) for p in result.points])
    ax.set_ylabel("mean per-window ‖∂ŷ/∂·‖₂")
    ax.grid(axis="y", linewidth=0.3)
    ax.set_title(
        "B6 Gradient flow: gradient norm at each point; × ratio of each backward stage (right → left)"
    )
    fig.subplots_adjust(left=0.1, right=0.97, bottom=0.16, top=0.91)
    return fig
