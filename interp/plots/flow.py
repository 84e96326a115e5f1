"""E1, E2 figures: filter-output correlation and max-pool selection frequency."""

from __future__ import annotations

import numpy as np
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from interp.analyses.flow import FilterOutputCorrelation, MaxPoolSelection
from interp.plots.finite import not_finite_panel, show_notice
from interp.plots.style import DIVERGING, new_figure

FIRST_COLOUR, SECOND_COLOUR, TIE_COLOUR = "#4c72b0", "#dd8452", "#7f7f7f"


def filter_output_correlation(result: FilterOutputCorrelation) -> Figure:
    """E1: ranked bar chart of r at the last horizon step, over a filters × horizon-steps matrix of r.

    Filters are ordered by decreasing |r| at the last step; colour limits are fixed at ±1. With a single
    horizon step the matrix would repeat the bars, so only the bars are drawn.
    """
    order = result.ranking
    r = result.r[order]
    n_filters, n_steps = result.r_steps.shape
    filters = np.arange(n_filters)
    title = "E1 Filter–output correlation: conv2 filters' mean activation vs predicted CO2, ranked by |r|"
    if not np.all(np.isfinite(result.r_steps)):
        fig = new_figure(10, 4.2)
        bars = fig.subplots()
        not_finite_panel(bars, result.r_steps, what="Pearson r of the filters' activation and the prediction")
        bars.set_title(title)
        return fig
    if n_steps > 1:
        fig = new_figure(10, 6.5)
        bars, matrix = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [1, 1], "hspace": 0.08})
        image = matrix.imshow(
            result.r_steps[order].T,
            aspect="auto",
            cmap=DIVERGING,
            vmin=-1,
            vmax=1,
            interpolation="nearest",
            origin="lower",
            extent=(-0.5, n_filters - 0.5, 0.5, n_steps + 0.5),
        )
        matrix.yaxis.set_major_locator(MaxNLocator(nbins=6, integer=True))
        matrix.set_ylim(0.5, n_steps + 0.5)
        matrix.set_ylabel("horizon step k\n(predicted CO2 at t + k steps)")
        labelled, panels = matrix, [bars, matrix]
    else:
        fig = new_figure(10, 4.2)
        bars = fig.subplots()
        image = ScalarMappable(norm=Normalize(-1, 1), cmap=DIVERGING)
        labelled, panels = bars, [bars]
    cmap = fig.colorbar(image, ax=panels, fraction=0.03, pad=0.01)
    cmap.set_label("Pearson r")
    bars.bar(filters, r, color=cmap.cmap(cmap.norm(r)), edgecolor="black", linewidth=0.3)
    bars.axhline(0, color="black", linewidth=0.6)
    bars.set_ylim(-1, 1)
    bars.set_ylabel(f"r with predicted CO2\n(last step, t + {n_steps} steps)")
    bars.grid(axis="y", linewidth=0.3)
    constant = (
        f"; {result.n_constant} constant filter(s) shaded grey, r set to 0" if result.n_constant else ""
    )
    bars.set_title(f"{title}{constant}")
    for rank in np.flatnonzero(result.constant[order]):
        bars.axvspan(rank - 0.45, rank + 0.45, color=TIE_COLOUR, alpha=0.3, linewidth=0)
    labelled.set_xlabel("conv2 filter (ranked by |r|)")
    labelled.set_xticks(filters, [str(f) for f in order], fontsize=7, rotation=90)
    labelled.set_xlim(-0.5, n_filters - 0.5)
    return fig


def maxpool_selection(result: MaxPoolSelection) -> Figure:
    """E2: how often each input step wins its pool window over a smaller partner, and how often it is a tie.

    Both panels share the window-time axis (hours relative to the last input step, 0 = last). The counts
    leave ties out (equal values, which the pool's tie-break rule settles); their axis runs from 0 to N · C,
    the most any one step can be selected. Below, each pair's N · C selections split into first step, second
    step and ties (shares summing to 1).
    """
    fig = new_figure(9, 6.2)
    counts_ax, split_ax = fig.subplots(2, 1, sharex=True, gridspec_kw={"hspace": 0.5})
    if result.not_finite_inputs:
        total = result.n_windows * result.n_channels * result.lookback
        text = (
            f"pool inputs not finite: {result.not_finite_inputs} of {total} values are NaN/inf\n"
            f"(the model's weights or outputs are NaN/inf: the pool's choice among them is arbitrary)"
        )
        for ax in (counts_ax, split_ax):
            show_notice(ax, text)
        counts_ax.set_title(
            f"E2 MaxPool selections over {result.n_channels} filters × {result.n_windows} windows"
        )
        return fig
    hours = result.hours_before_last
    width = 0.8 * result.step_hours
    counts_ax.bar(
        hours,
        result.decided_counts,
        width,
        color=[FIRST_COLOUR if s % 2 == 0 else SECOND_COLOUR for s in range(result.lookback)],
        edgecolor="black",
        linewidth=0.3,
    )
    per_window = result.n_windows * result.n_channels
    counts_ax.set_ylim(0, per_window)
    counts_ax.set_ylabel("times selected,\nties left out")
    counts_ax.set_title(
        f"E2 MaxPool selections over {result.n_channels} filters × {result.n_windows} windows: "
        f"{int(result.decided_counts.sum())} decided, {int(result.ties.sum())} ties left out"
    )
    counts_ax.legend(
        handles=[
            Patch(color=FIRST_COLOUR, label="first step of its pool window"),
            Patch(color=SECOND_COLOUR, label="second step"),
        ],
        loc="upper left",
        ncols=2,
    )
    counts_ax.tick_params(labelbottom=True)

    pairs = result.ties.shape[0]
    centres = (hours[0 : 2 * pairs : 2] + hours[1 : 2 * pairs : 2]) / 2
    first, second, ties = (values / per_window for values in (result.first, result.second, result.ties))
    bar_width = 1.6 * result.step_hours
    split_ax.bar(centres, first, bar_width, color=FIRST_COLOUR, label="first step wins")
    split_ax.bar(centres, second, bar_width, bottom=first, color=SECOND_COLOUR, label="second step wins")
    split_ax.bar(
        centres,
        ties,
        bar_width,
        bottom=first + second,
        color="#d9d9d9",
        edgecolor=TIE_COLOUR,
        hatch="///",
        linewidth=0,
        label="tie (equal values)",
    )
    split_ax.set_ylim(0, 1.25)
    split_ax.set_yticks(np.linspace(0, 1, 5))
    split_ax.set_xlim(hours[0] - result.step_hours, hours[-1] + result.step_hours)
    split_ax.set_xlabel("time relative to the last input step (h)")
    split_ax.set_ylabel("share of the pair's\nselections")
    split_ax.set_title(
        f"Second step wins {result.second_share:.1%} of decided selections; "
        f"ties are {result.tie_share:.1%} of all selections"
    )
    split_ax.legend(loc="upper left", ncols=3)
    return fig
