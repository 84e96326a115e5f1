"""E3 figure: RMSE with each CNN layer ablated."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from interp.analyses.ablation import LSTM_ONLY, LayerAblation
from interp.plots.style import new_figure

COLOURS = {"intact": "#4c72b0", "conv1 zeroed": "#c44e52", "conv2 zeroed": "#dd8452", LSTM_ONLY: "#8c8c8c"}


def layer_ablation(result: LayerAblation) -> Figure:
    """E3: one bar per configuration (RMSE at the last step, ppm), labelled with RMSE and ratio to intact.

    The y axis runs from 0 to 1.2 × the largest RMSE; without a comparison model the "LSTM only" bar is
    left out and a note says so.
    """
    fig = new_figure(7, 4.5)
    ax = fig.subplots()
    positions = np.arange(len(result.configurations))
    ax.bar(
        positions,
        result.rmse_ppm,
        color=[COLOURS.get(c, "#8c8c8c") for c in result.configurations],
        edgecolor="black",
        linewidth=0.5,
        width=0.6,
    )
    for x, rmse, ratio in zip(positions, result.rmse_ppm, result.rmse_ratio, strict=True):
        ax.text(x, rmse, f"{rmse:.1f} ppm\n×{ratio:.2f}", ha="center", va="bottom", fontsize=7)
    ax.axhline(result.rmse_ppm[0], color="black", linewidth=0.6, linestyle="--")
    ax.set_xticks(positions, list(result.configurations))
    ax.set_xlim(-0.6, 3.6)
    ax.set_ylim(0, 1.2 * float(np.max(result.rmse_ppm)))
    ax.set_ylabel("RMSE at the last horizon step (ppm)")
    ax.set_title("E3 Layer ablation impact (conv weights and bias zeroed; ×: ratio to intact)")
    ax.grid(axis="y", linewidth=0.3)
    if not result.has_comparison:
        ax.text(
            3,
            0.05 * float(np.max(result.rmse_ppm)),
            "LSTM-only comparison\nmodel not given:\nbar omitted",
            ha="center",
            va="bottom",
            fontsize=7,
            color="#555555",
        )
    return fig
