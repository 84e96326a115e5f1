"""E3 figure: RMSE with each conv block at half capacity, beside intact, LSTM-only and "input removed"."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from interp.analyses.ablation import CONV1_HALF, CONV2_HALF, INTACT, LSTM_ONLY, LayerAblation
from interp.plots.finite import not_finite_panel
from interp.plots.style import new_figure

COLOURS = {INTACT: "#4c72b0", CONV1_HALF: "#c44e52", CONV2_HALF: "#dd8452", LSTM_ONLY: "#8c8c8c"}


def layer_ablation(result: LayerAblation) -> Figure:
    """E3: one bar per configuration (RMSE at the last step, ppm) with the range over the random halves.

    Each bar is labelled inside its top with the RMSE and the ratio to intact; the dotted line is the RMSE of a
    constant forecast (a whole block mean-ablated: "input removed"). Without a comparison model the
    "LSTM only" bar is left out and a note says so. The y axis runs from 0 to 1.15 × the largest value shown.
    """
    fig = new_figure(7, 4.5)
    ax = fig.subplots()
    ax.set_title(
        f"E3 Layer ablation: half of a block's filters mean-ablated ({result.draws} random halves, range shown)"
    )
    values = (result.rmse_ppm, result.rmse_range_ppm, result.input_removed_rmse_ppm)
    if not_finite_panel(ax, *values, what="RMSE at the last horizon step (ppm), every configuration"):
        return fig
    positions = np.arange(len(result.configurations))
    low, high = result.rmse_range_ppm[:, 0], result.rmse_range_ppm[:, 1]
    ax.bar(
        positions,
        result.rmse_ppm,
        color=[COLOURS.get(c, "#8c8c8c") for c in result.configurations],
        edgecolor="black",
        linewidth=0.5,
        width=0.6,
        yerr=np.stack([result.rmse_ppm - low, high - result.rmse_ppm]),
        capsize=4,
        error_kw={"linewidth": 0.8},
    )
    for x, rmse, ratio in zip(positions, result.rmse_ppm, result.rmse_ratio, strict=True):
        ax.text(
            x,
            0.5 * rmse,
            f"{rmse:.1f} ppm\n×{ratio:.2f}",
            ha="center",
            va="center",
            fontsize=8,
            color="white",
        )
    removed = result.input_removed_rmse_ppm
    ax.axhline(removed, color="black", linewidth=0.8, linestyle=":")
    ax.text(
        3.55,
        removed,
        f"input removed (constant forecast): {removed:.0f} ppm",
        ha="right",
        va="bottom",
        fontsize=7,
    )
    ax.set_xticks(positions, [c.replace(" half", "\nhalf") for c in result.configurations])
    ax.set_xlim(-0.6, 3.6)
    ax.set_ylim(0, 1.15 * float(max(np.max(high), removed)))
    ax.set_ylabel("RMSE at the last horizon step (ppm)")
    ax.grid(axis="y", linewidth=0.3)
    if result.has_comparison and result.rmse(LSTM_ONLY) < result.rmse(INTACT):
        ax.text(
            0.02,
            0.97,
            "The LSTM-only model beats the CNN-LSTM on these windows",
            transform=ax.transAxes,
            ha="left",
            va="top",
            fontsize=8,
            color="#8c1c13",
        )
    if not result.has_comparison:
        ax.text(
            3,
            0.05 * removed,
            "LSTM-only comparison\nmodel not given:\nbar omitted",
            ha="center",
            va="bottom",
            fontsize=7,
            color="#555555",
        )
    return fig
