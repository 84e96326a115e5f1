"""The one-page summary dashboard (``summary.png``), drawn fresh from the items' statuses and metrics.

:func:`summary_data` picks the headline numbers out of the items' metrics (a missing item or key shows as
"—", so the page is drawn whatever subset of the catalog ran); :func:`summary_dashboard` draws them: the
status of every check per horizon, a table of headline numbers, and bars of the ablation RMSE, the error by
CO2 regime and the feature importance per horizon.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure

from interp.plots.style import new_figure

STATUS_CODES = {"passed": 0, "failed": 1, "skipped": 2, "drawn": 3}
"""Status → colour index of the status grid; -1 (not run) is drawn blank."""

STATUS_COLOURS = ("#2da44e", "#cf222e", "#afb8c1", "#d0d7de")
"""passed, failed, skipped, drawn."""

TAG_COLOURS = {"h1": "#1b9e77", "h24": "#7570b3"}

HEADLINES: tuple[tuple[str, str, tuple[str | int, ...]], ...] = (
    ("R² at t+H (E5)", "E5", ("r2_last",)),
    ("skill over best naive (E5)", "E5", ("skill_all_steps", "best naive")),
    ("RMSE at t+H, ppm (E4)", "E4", ("rmse_ppm_last",)),
    ("MAE at t+H, ppm (E4)", "E4", ("mae_ppm_last",)),
    ("dormant layer-1 filters (A2)", "A2", ("dormant_count",)),
    ("conv2 receptive field, h (A8)", "A8", ("conv2_receptive_field_hours",)),
    ("decoy 'pressure' rank (B2)", "B2", ("decoy_rank",)),
    ("guided vs gradient rel. diff. (B4)", "B4", ("relative_difference",)),
    ("pool routing mismatches (B5)", "B5", ("routing_mismatches",)),
    ("regime probe bal. acc. (C4)", "C4", ("cnn_lstm_regime_probe", "balanced_accuracy")),
    ("mean canonical corr. (C8)", "C8", ("mean_canonical_correlation",)),
)
"""(row label, item id, key path into the item's metrics) of the headline table."""

BAR_PANELS: tuple[tuple[str, str, str, str | None], ...] = (
    ("E3 RMSE by ablation (ppm)", "E3", "configurations", "rmse_ppm"),
    ("E7 RMSE by CO2 regime (ppm)", "E7", "", "rmse_ppm"),
    ("B2 feature importance (share)", "B2", "feature_importance", None),
)
"""(title, item id, metrics key of a mapping — "" for the metrics themselves —, key inside each entry)."""


@dataclass(frozen=True)
class BarPanel:
    """Grouped bars: one value per category and horizon (NaN where missing)."""

    title: str
    categories: tuple[str, ...]
    values: Mapping[str, np.ndarray]


@dataclass(frozen=True)
class SummaryData:
    """Everything the dashboard shows.

    Attributes
    ----------
    rows : tuple of str
        Status-grid rows: ``h1``, ``h24``, ``comparison`` (those that ran).
    ids : tuple of str
        Status-grid columns, in catalog order.
    status : (len(rows), len(ids)) int
        :data:`STATUS_CODES`, -1 where an item did not run in that row.
    tags : tuple of str
        Horizons of the headline table and bars (``h1``, ``h24``).
    headlines : tuple of (label, tuple of str)
        Formatted value per tag.
    panels : tuple of BarPanel
    """

    rows: tuple[str, ...]
    ids: tuple[str, ...]
    status: np.ndarray
    tags: tuple[str, ...]
    headlines: tuple[tuple[str, tuple[str, ...]], ...]
    panels: tuple[BarPanel, ...]


def summary_data(results: Mapping[str, Mapping[str, tuple[str, Mapping[str, Any]]]]) -> SummaryData:
    """Build the dashboard's data from ``{row tag: {item key: (status, metrics)}}``, rows in display order."""
    rows = tuple(results)
    ids = tuple(dict.fromkeys(k for row in results.values() for k in row))
    status = np.array(
        [[STATUS_CODES[results[r][k][0]] if k in results[r] else -1 for k in ids] for r in rows]
    )
    tags = tuple(r for r in rows if r != "comparison")
    headlines = tuple(
        (label, tuple(_format(_lookup(results[t].get(item, ("", {}))[1], path)) for t in tags))
        for label, item, path in HEADLINES
    )
    panels = []
    for title, item, key, inner in BAR_PANELS:
        entries = {t: _lookup(results[t].get(item, ("", {}))[1], (key,) if key else ()) for t in tags}
        categories = tuple(dict.fromkeys(c for e in entries.values() if isinstance(e, Mapping) for c in e))
        values = {
            t: np.array([_number(_lookup(e, (c, inner) if inner else (c,))) for c in categories])
            for t, e in entries.items()
        }
        panels.append(BarPanel(title, categories, values))
    return SummaryData(rows, ids, status, tags, headlines, tuple(panels))


def _lookup(value: Any, path: Sequence[str | int]) -> Any:
    """Follow ``path`` through nested mappings and lists; None where a step is missing."""
    for step in path:
        if isinstance(value, Mapping) and isinstance(step, str):
            value = value.get(step)
        elif isinstance(value, list) and isinstance(step, int) and -len(value) <= step < len(value):
            value = value[step]
        else:
            return None
    return value


def _number(value: Any) -> float:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else float("nan")


def _format(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def summary_of_run(run) -> SummaryData:
    """The dashboard's data of a :class:`~interp.runrecord.RunReport` (interim adapter)."""
    rows: dict[str, dict[str, tuple[str, Mapping[str, Any]]]] = {}
    for r in run.items:
        tag = "comparison" if r.horizon == "cross" else r.horizon
        rows.setdefault(tag, {})[r.item] = (run.item_status(r), r.metrics)
    return summary_data(rows)


def summary_dashboard(run) -> Figure:
    """The summary page of a run (interim: the status grid and headline numbers)."""
    return _dashboard(summary_of_run(run))


def _dashboard(data: SummaryData) -> Figure:
    """One page (10 × 8 in): check status per horizon, headline numbers, ablation / regime / feature bars."""
    fig = new_figure(10.0, 8.0)
    grid = fig.add_gridspec(
        3,
        2,
        height_ratios=(0.55, 1.0, 1.15),
        hspace=0.55,
        wspace=0.3,
        left=0.08,
        right=0.98,
        top=0.93,
        bottom=0.06,
    )
    counts = {s: int(np.sum(data.status == c)) for s, c in STATUS_CODES.items()}
    fig.suptitle("CNN-LSTM interpretability study — " + ", ".join(f"{n} {s}" for s, n in counts.items()))
    _status_grid(fig.add_subplot(grid[0, :]), data)
    _headline_table(fig.add_subplot(grid[1, 0]), data)
    positions = (grid[1, 1], grid[2, 0], grid[2, 1])
    for spec, panel in zip(positions, data.panels, strict=True):
        _bars(fig.add_subplot(spec), panel, data.tags, horizontal=len(panel.categories) > 5)
    return fig


def _status_grid(ax, data: SummaryData) -> None:
    if not data.ids:
        ax.text(0.5, 0.5, "no checks ran", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return
    cmap = ListedColormap(("#ffffff", *STATUS_COLOURS))
    ax.imshow(
        data.status + 1, cmap=cmap, vmin=0, vmax=len(STATUS_COLOURS), aspect="auto", interpolation="nearest"
    )
    ax.set_xticks(np.arange(len(data.ids)), data.ids, rotation=90, fontsize=6)
    ax.set_yticks(np.arange(len(data.rows)), data.rows)
    ax.set_xticks(np.arange(len(data.ids) + 1) - 0.5, minor=True)
    ax.set_yticks(np.arange(len(data.rows) + 1) - 0.5, minor=True)
    ax.grid(which="minor", color="white", linewidth=1.0)
    ax.tick_params(which="minor", length=0)
    ax.set_title("Check status (green passed, red failed, grey skipped, blank not run)")


def _headline_table(ax, data: SummaryData) -> None:
    ax.axis("off")
    if not data.tags:
        return
    value_width = 0.4 / len(data.tags)
    table = ax.table(
        cellText=[[label, *values] for label, values in data.headlines],
        colLabels=["", *data.tags],
        colWidths=[0.6] + [value_width] * len(data.tags),
        cellLoc="center",
        bbox=(0.0, 0.0, 1.0, 0.95),
    )
    table.auto_set_font_size(False)
    table.set_fontsize(7)
    for row in range(1, len(data.headlines) + 1):
        table[row, 0].set_text_props(ha="left")
        table[row, 0].PAD = 0.03
    ax.set_title("Headline numbers")


def _bars(ax, panel: BarPanel, tags: tuple[str, ...], horizontal: bool) -> None:
    ax.set_title(panel.title)
    if not panel.categories:
        ax.text(0.5, 0.5, "not computed", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return
    pos = np.arange(len(panel.categories))
    width = 0.8 / max(len(tags), 1)
    for k, tag in enumerate(tags):
        offset = pos + (k - (len(tags) - 1) / 2) * width
        values = np.nan_to_num(panel.values[tag])
        colour = TAG_COLOURS.get(tag, "#666666")
        if horizontal:
            ax.barh(offset, values, width, color=colour, label=tag)
        else:
            ax.bar(offset, values, width, color=colour, label=tag)
    top = max(float(np.max(np.nan_to_num(np.concatenate(list(panel.values.values()))))), 1e-12) * 1.15
    if horizontal:
        ax.set_yticks(pos, panel.categories, fontsize=6)
        ax.invert_yaxis()
        ax.set_xlim(0, top)
    else:
        ax.set_xticks(pos, panel.categories, fontsize=7)
        ax.set_ylim(0, top)
    ax.legend(loc="lower right" if horizontal else "upper right", fontsize=6)
