"""E1, E2 figures: filter-output correlation and max-pool selection frequency."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from interp.analyses.flow import FilterOutputCorrelation, MaxPoolSelection
from interp.plots.style import DIVERGING, new_figure

FIRST_COLOUR, SECOND_COLOUR, TIE_COLOUR = "#4c72b0", "#dd8452", "#7f7f7f"


def filter_output_correlation(result: FilterOutputCorrelation) -> Figure:
    """E1: ranked bar chart of r at the last horizon step over a filters × horizon-steps matrix of r.

    Filters are ordered by decreasing |r| at the last step in both panels; colour limits are fixed at ±1.
    """
    order = result.ranking
    r = result.r[order]
    n_filters, n_steps = result.r_steps.shape
    fig = new_figure(10, 6)
    bars, matrix = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [1, 1], "hspace": 0.08})
    cmap = fig.colorbar(
        matrix.imshow(
            result.r_steps[order].T,
            aspect="auto",
            cmap=DIVERGING,
            vmin=-1,
            vmax=1,
            interpolation="nearest",
            origin="lower",
            extent=(-0.5, n_filters - 0.5, 0.5, n_steps + 0.5),
        ),
        ax=[bars, matrix],
        fraction=0.03,
        pad=0.01,
    )
    cmap.set_label("Pearson r")
    bars.bar(np.arange(n_filters), r, color=cmap.cmap(cmap.norm(r)), edgecolor="black", linewidth=0.3)
    bars.axhline(0, color="black", linewidth=0.6)
    bars.set_ylim(-1, 1)
    bars.set_ylabel(f"r with predicted CO2\n(t + {n_steps} steps)")
    bars.grid(axis="y", linewidth=0.3)
    constant = (
        f"; {result.n_constant} constant filter(s) shaded grey, r set to 0" if result.n_constant else ""
    )
    bars.set_title(
        f"E1 Filter–output correlation: conv2 filters' mean activation vs predicted CO2, ranked by |r|"
        f"{constant}"
    )
    for rank in np.flatnonzero(result.constant[order]):
        bars.axvspan(rank - 0.45, rank + 0.45, color=TIE_COLOUR, alpha=0.3, linewidth=0)
    matrix.set_ylabel("horizon step")
    matrix.set_xlabel("conv2 filter (ranked)")
    matrix.set_xticks(np.arange(n_filters), [str(f) for f in order], fontsize=5, rotation=90)
    matrix.set_xlim(-0.5, n_filters - 0.5)
    return fig


def maxpool_selection(result: MaxPoolSelection) -> Figure:
    """E2: how often each input step is selected, and the first/second split inside each pool window.

    The count axis runs from 0 to N · C, the most any one step can be selected; shares run from 0 to 1
    (the band above holds the legend).
    """
    fig = new_figure(9, 6)
    counts_ax, split_ax = fig.subplots(2, 1, gridspec_kw={"hspace": 0.45})
    steps = np.arange(result.lookback)
    counts_ax.bar(
        steps,
        result.counts,
        color=[FIRST_COLOUR if s % 2 == 0 else SECOND_COLOUR for s in steps],
        edgecolor="black",
        linewidth=0.3,
    )
    counts_ax.set_xlim(-0.6, result.lookback - 0.4)
    counts_ax.set_ylim(0, result.n_windows * result.n_channels)
    counts_ax.set_xlabel(f"input step (0 = oldest, {result.lookback - 1} = latest)")
    counts_ax.set_ylabel("times selected")
    counts_ax.set_title(
        f"E2 MaxPool selection frequency over {result.n_channels} filters × {result.n_windows} windows "
        f"({result.counts.sum()} selections)"
    )
    counts_ax.legend(
        handles=[
            Patch(color=FIRST_COLOUR, label="first step of its pool window (2p)"),
            Patch(color=SECOND_COLOUR, label="second step (2p + 1)"),
        ],
        loc="upper left",
        ncols=2,
    )

    per_window = result.n_windows * result.n_channels
    windows = np.arange(result.n_positions)
    first = result.first / per_window
    second = result.second / per_window
    split_ax.bar(windows, first, color=FIRST_COLOUR, label="first step")
    split_ax.bar(windows, second, bottom=first, color=SECOND_COLOUR, label="second step")
    tie_windows = np.arange(result.ties.shape[0])
    split_ax.bar(
        tie_windows,
        result.ties / per_window,
        color="none",
        edgecolor=TIE_COLOUR,
        hatch="///",
        linewidth=0,
        label="of which ties (equal values → first)",
    )
    split_ax.axhline(0.5, color="black", linewidth=0.6, linestyle="--")
    split_ax.set_ylim(0, 1.25)
    split_ax.set_yticks(np.linspace(0, 1, 5))
    split_ax.set_xlim(-0.6, max(result.n_positions, tie_windows.size) - 0.4)
    split_ax.set_xlabel("pool window p (input steps 2p, 2p + 1)")
    split_ax.set_ylabel("share of selections")
    split_ax.set_title(
        f"Second step chosen in {result.second_fraction:.1%} of selections "
        f"({result.second_fraction_without_ties:.1%} of those without a tie)"
    )
    split_ax.legend(loc="upper left", ncols=3)
    return fig
