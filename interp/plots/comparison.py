"""Cross-horizon figures (plan E5): E8 metrics table, E9 attribution shift, E10 filter importance shift."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from interp.analyses.comparison import AttributionShift, FilterImportanceShift, MetricsSummary
from interp.plots.finite import not_finite_panel
from interp.plots.style import new_figure, symmetric_limit

HORIZON_COLOURS = ("#1b9e77", "#7570b3")
"""1 h, 24 h."""


def metrics_table(summary: MetricsSummary) -> Figure:
    """E8: a table of RMSE, MAE (ppm), R² at the last horizon step and skill over persistence and the
    hour-of-day climatology (all horizon steps), over bars of the errors and of the skills by horizon."""
    fig = new_figure(8.0, 5.0)
    grid = fig.add_gridspec(2, 2, height_ratios=(0.8, 1.0))
    table_ax = fig.add_subplot(grid[0, :])
    error_ax, skill_ax = fig.add_subplot(grid[1, 0]), fig.add_subplot(grid[1, 1])
    labels = [f"{h:g} h" for h in summary.horizons_hours]
    columns = zip(
        summary.rmse,
        summary.mae,
        summary.r2,
        summary.skill_persistence,
        summary.skill_hour_of_day,
        summary.n_windows,
        strict=True,
    )
    cells = [
        [f"{r:.1f}", f"{m:.1f}", f"{q:.3f}", f"{p:.3f}", f"{c:.3f}", f"{n:d}"] for r, m, q, p, c, n in columns
    ]
    table_ax.axis("off")
    table = table_ax.table(
        cellText=cells,
        rowLabels=labels,
        colLabels=[
            "RMSE (ppm)",
            "MAE (ppm)",
            "R²",
            "skill over\npersistence",
            "skill over\nhour of day",
            "windows",
        ],
        cellLoc="center",
        bbox=(0.08, 0.0, 0.92, 0.75),
    )
    table.auto_set_font_size(False)
    table.set_fontsize(8)
    table_ax.set_title(
        "E8 Metrics by horizon: RMSE, MAE and R² at the last horizon step;\n"
        "MSE skill over naive forecasts, all horizon steps (0: no better than that forecast, 1: perfect)"
    )

    fig.subplots_adjust(left=0.09, right=0.98, bottom=0.07, top=0.9, wspace=0.3, hspace=0.35)
    error_ax.set_title("Error by horizon")
    skill_ax.set_title("Skill by horizon")
    skills = (summary.skill_persistence, summary.skill_hour_of_day)
    if not not_finite_panel(error_ax, summary.rmse, summary.mae, what="RMSE and MAE (ppm)"):
        _horizon_bars(error_ax, ("RMSE", "MAE"), (summary.rmse, summary.mae), labels, "%.0f")
        error_ax.set_ylim(0, 1.45 * max(float(np.max(np.r_[summary.rmse, summary.mae])), 1.0))
        error_ax.set_ylabel("error (ppm)")
    if not_finite_panel(skill_ax, *skills, what="MSE skill scores"):
        return fig
    _horizon_bars(skill_ax, ("over persistence", "over hour of day"), skills, labels, "%.2f")
    low = min(float(np.min(np.nan_to_num(np.r_[skills]))), 0.0)
    skill_ax.set_ylim(low - 0.1 * (1 - low) if low < 0 else 0.0, 1.3)
    skill_ax.set_yticks(np.arange(np.ceil(skill_ax.get_ylim()[0] * 4) / 4, 1.01, 0.25))
    skill_ax.axhline(0.0, color="black", linewidth=0.6)
    skill_ax.set_ylabel("MSE skill score")
    return fig


def _horizon_bars(ax, groups: tuple[str, str], values: tuple, labels: list[str], fmt: str) -> None:
    """Grouped bars: one group per quantity, one bar per horizon, each labelled with its value."""
    x = np.arange(len(groups))
    width = 0.38
    for k, colour in enumerate(HORIZON_COLOURS):
        heights = np.nan_to_num([v[k] for v in values])
        bars = ax.bar(x + (k - 0.5) * width, heights, width, color=colour, label=labels[k])
        ax.bar_label(bars, fmt=fmt, fontsize=7)
    ax.set_xticks(x, groups)
    ax.legend(loc="upper left", ncol=2)


def attribution_shift(result: AttributionShift) -> Figure:
    """E9: per-feature importance shares at 1 h and 24 h (grouped bars) and their shift (24 h − 1 h)."""
    fig = new_figure(8.0, 3.6)
    share_ax, shift_ax = fig.subplots(1, 2, sharey=True)
    share_ax.set_title("Feature importance by horizon")
    shift_ax.set_title(f"E9 Attribution shift (Spearman ρ = {result.spearman:.2f})")
    fig.subplots_adjust(left=0.22, right=0.98, bottom=0.14, top=0.9, wspace=0.08)
    importances = (result.importance_1h, result.importance_24h)
    if not_finite_panel(share_ax, *importances, what="share of mean |input gradient| at 1 h and 24 h"):
        not_finite_panel(shift_ax, *importances, what="share at 24 h − share at 1 h")
        return fig
    y = np.arange(len(result.feature_names))
    height = 0.4
    for k, values in enumerate((result.importance_1h, result.importance_24h)):
        colour, label = HORIZON_COLOURS[k], ("1 h", "24 h")[k]
        share_ax.barh(y + (k - 0.5) * height, values, height, color=colour, label=label)
    top = np.max(np.r_[result.importance_1h, result.importance_24h, 0.0])
    share_ax.set_xlim(0, 1.45 * top if top > 0 else 1.0)
    share_ax.set_yticks(y, result.feature_names)
    share_ax.invert_yaxis()
    share_ax.set_xlabel("share of mean |input gradient|")
    share_ax.legend(loc="lower right")

    shift = result.shift
    colours = np.where(shift >= 0, HORIZON_COLOURS[1], HORIZON_COLOURS[0])
    shift_ax.barh(y, shift, 0.6, color=colours)
    lim = 1.15 * symmetric_limit(shift)
    shift_ax.set_xlim(-lim, lim)
    shift_ax.axvline(0.0, color="black", linewidth=0.8)
    shift_ax.set_xlabel("share at 24 h − share at 1 h")
    return fig


def filter_importance_shift(result: FilterImportanceShift) -> Figure:
    """E10: paired conv2 filter importance at 1 h vs 24 h (scatter) and the largest rank changes (bars)."""
    fig = new_figure(8.0, 3.6)
    scatter_ax, rank_ax = fig.subplots(1, 2, gridspec_kw={"width_ratios": (1.0, 1.1)})
    pair_r = float(np.mean(result.match_correlation))
    scatter_ax.set_title(f"E10 conv2 filters (ρ = {result.spearman:.2f}, mean pair r = {pair_r:.2f})")
    rank_ax.set_title("Largest rank moves")
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.14, top=0.9, wspace=0.45)
    importances = (result.importance_1h, result.importance_24h)
    if not_finite_panel(scatter_ax, *importances, what="conv2 filter importance shares at 1 h and 24 h"):
        not_finite_panel(rank_ax, *importances, what="conv2 filter importance ranks")
        return fig
    one, day = result.importance_1h, result.importance_24h
    top = max(float(np.max(np.r_[one, day])), 1e-12) * 1.1
    scatter_ax.plot([0, top], [0, top], color="grey", linewidth=0.8, linestyle="--")
    scatter_ax.scatter(one, day, s=12, color="#8c959f", label="pairs")
    movers = result.movers
    scatter_ax.scatter(one[movers], day[movers], s=16, color="#d95f02", label="largest rank moves")
    for c in movers:
        scatter_ax.annotate(f"{c}", (one[c], day[c]), fontsize=6, xytext=(2, 2), textcoords="offset points")
    scatter_ax.legend(loc="upper left")
    scatter_ax.set_xlim(0, top)
    scatter_ax.set_ylim(0, top)
    scatter_ax.set_xlabel("importance share, 1 h model")
    scatter_ax.set_ylabel("importance share, paired 24 h filter")

    change = result.rank_change[movers]
    labels = [f"{c}→{result.match[c]}" for c in movers]
    colours = np.where(change > 0, HORIZON_COLOURS[0], HORIZON_COLOURS[1])
    y = np.arange(len(movers))
    rank_ax.barh(y, -change, 0.6, color=colours)
    lim = 1.15 * symmetric_limit(change)
    rank_ax.set_xlim(-lim, lim)
    rank_ax.axvline(0.0, color="black", linewidth=0.8)
    rank_ax.set_yticks(y, labels)
    rank_ax.invert_yaxis()
    rank_ax.set_xlabel(f"rank gained at 24 h ({result.identity_fraction:.0%} same index)")
    rank_ax.set_ylabel("filter at 1 h → paired filter at 24 h")
    return fig
