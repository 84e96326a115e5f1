"""The run's one-page summary (``summary.png``): the verdict and what moved against the accepted model.

Three panels, drawn from a :class:`~interp.runrecord.RunReport` alone:

- **status per tier and horizon**: how many checks failed / passed / were skipped, a cell per tier (invariant,
  drift, exact) and horizon (1 h, 24 h, cross), coloured by its worst status;
- **failed checks**: one line each (horizon, item, check, tier, value against its bound, which way), the first
  :data:`MAX_FAILED_LINES`, each cut at 110 characters;
- **drift against the calibrated bounds**: one row per drift measure, a marker per horizon. Every measure has
  its own scale, so each value is placed on a shared axis by the rule ``x = (value − c) / (bound − c)``, ``c``
  being the middle of the healthy retrains' range quoted in the check's message: 0 is the middle of healthy
  retrains, 1 the calibrated bound the check compares with, and beyond 1 the check fails. Values outside the
  drawn axis sit on its edge with their value written beside.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from interp.gate.outcome import TIERS, CheckOutcome
from interp.plots.style import new_figure
from interp.readable import bound, check_value, healthy_range, horizon_name
from interp.runrecord import HORIZON_ORDER, RunReport

STATUS_COLOURS = {"failed": "#cf222e", "passed": "#1a7f37", "skipped": "#afb8c1", "none": "#f6f8fa"}
"""Cell and marker colours, the same as the HTML report's."""

HORIZON_MARKERS = {"h1": ("o", "#1b9e77"), "h24": ("s", "#7570b3")}
"""Marker and colour of each horizon in the drift panel."""

MAX_FAILED_LINES = 14
"""Failed checks listed in the panel; the rest are counted (the report lists them all)."""

AXIS = (-2.0, 3.0)
"""Drawn range of the scaled drift axis (see the module docstring)."""


@dataclass(frozen=True)
class DriftPoint:
    """One drift check placed on the scaled axis.

    Attributes
    ----------
    label : str
        ``"E5 skill-over-naive"``: the row.
    horizon : str
        ``"h1"`` or ``"h24"``.
    x : float
        ``(value − c) / (bound − c)`` (NaN when the value is not finite).
    healthy : (float, float)
        The healthy retrains' range on the same axis.
    failed : bool
    text : str
        ``"-18.53 (≥ -0.2711)"``: the value and its bound, unscaled.
    """

    label: str
    horizon: str
    x: float
    healthy: tuple[float, float]
    failed: bool
    text: str


def drift_point(o: CheckOutcome) -> DriftPoint | None:
    """A drift check on the scaled axis; None when it has no value, no bound or no healthy range to scale by."""
    healthy = healthy_range(o.message)
    if o.tier != "drift" or o.value is None or o.threshold is None or healthy is None:
        return None
    centre = (healthy[0] + healthy[1]) / 2
    span = o.threshold - centre
    if span == 0:
        span = max((healthy[1] - healthy[0]) / 2, 1e-12) * (1 if o.op in ("<", "<=") else -1)
    scaled = sorted(((healthy[0] - centre) / span, (healthy[1] - centre) / span))
    x = (o.value - centre) / span if math.isfinite(o.value) else math.nan
    text = f"{check_value(o.value)} ({bound(o.op, o.threshold)})"
    return DriftPoint(f"{o.item} {o.name}", o.horizon, x, (scaled[0], scaled[1]), o.status == "failed", text)


def summary_dashboard(run: RunReport) -> Figure:
    """The summary page of ``run``: status per tier and horizon, the failed checks, drift against its bounds."""
    points = [p for p in map(drift_point, run.outcomes) if p is not None]
    labels = list(dict.fromkeys(p.label for p in points))
    drift_height = 1.2 + 0.26 * len(labels) if points else 0.8
    height = 2.95 + drift_height
    fig = new_figure(10.0, height)
    upper = fig.add_gridspec(1, 2, width_ratios=(0.36, 0.64), wspace=0.06, left=0.1, right=0.98)
    upper.update(top=1 - 0.6 / height, bottom=1 - 2.75 / height)
    lower = fig.add_gridspec(
        1,
        1,
        left=0.2,
        right=0.97,
        top=(drift_height - 0.3) / height,
        bottom=(0.6 if points else 0.1) / height,
    )
    failed = run.failed()
    total = len(run.outcomes)
    said = f"{len(failed)} of {total} checks failed" if failed else f"no check failed ({total} checks)"
    verdict = f"{run.status.upper()} — {said}"
    fig.suptitle(verdict, color=STATUS_COLOURS[run.status], fontweight="bold", y=0.995)
    _status_table(fig.add_subplot(upper[0, 0]), run)
    _failed_list(fig.add_subplot(upper[0, 1]), failed)
    _drift_panel(fig.add_subplot(lower[0, 0]), points, labels, run)
    return fig


def _status_table(ax, run: RunReport) -> None:
    horizons = [h for h in HORIZON_ORDER if any(o.horizon == h for o in run.outcomes)] or ["h1"]
    ax.set_xlim(0, len(horizons))
    ax.set_ylim(len(TIERS), -0.45)
    ax.set_axis_off()
    ax.set_title("checks per tier and horizon", loc="left", pad=2)
    for row, tier in enumerate(TIERS):
        ax.text(-0.06, row + 0.5, tier, ha="right", va="center", transform=ax.transData, fontsize=8)
        for col, horizon in enumerate(horizons):
            mine = [o.status for o in run.outcomes if o.tier == tier and o.horizon == horizon]
            worst = next((s for s in ("failed", "passed", "skipped") if s in mine), "none")
            ax.add_patch(Rectangle((col + 0.03, row + 0.04), 0.94, 0.92, color=STATUS_COLOURS[worst]))
            text = (
                "\n".join(f"{mine.count(s)} {s}" for s in ("failed", "passed", "skipped") if s in mine) or "—"
            )
            colour = "white" if worst in ("failed", "passed") else "#1f2328"
            ax.text(col + 0.5, row + 0.5, text, ha="center", va="center", fontsize=7.5, color=colour)
    for col, horizon in enumerate(horizons):
        ax.text(col + 0.5, -0.06, horizon_name(horizon), ha="center", va="bottom", fontsize=8)


def _failed_list(ax, failed: tuple[CheckOutcome, ...]) -> None:
    ax.set_axis_off()
    ax.set_title(f"failed checks ({len(failed)})", loc="left", pad=2)
    if not failed:
        ax.text(0.02, 0.9, "No check failed.", va="top", fontsize=9, color=STATUS_COLOURS["passed"])
        return
    lines = [_short(_failed_line(o), 110) for o in failed[:MAX_FAILED_LINES]]
    if len(failed) > MAX_FAILED_LINES:
        lines.append(
            f"… and {len(failed) - MAX_FAILED_LINES} more: every failed check is listed in index.html"
        )
    ax.text(0.02, 1.0, "\n".join(lines), va="top", ha="left", fontsize=7, linespacing=1.35, wrap=False)


def _failed_line(o: CheckOutcome) -> str:
    """``"24 h  E5 skill-over-naive [invariant]: -1.907, expected > 0 (too low)"``."""
    head = f"{horizon_name(o.horizon)}  {o.item} {o.name} [{o.tier}]"
    if o.value is None:
        return f"{head}: {o.message}"
    return f"{head}: {check_value(o.value)}, expected {bound(o.op, o.threshold)} ({o.direction or 'failed'})"


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _drift_panel(ax, points: list[DriftPoint], labels: list[str], run: RunReport) -> None:
    ax.set_title("drift from the accepted model, each measure scaled to its calibrated bound", loc="left")
    if not points:
        drifts = [o for o in run.outcomes if o.tier == "drift"]
        said = drifts[0].message if drifts else "no drift check ran"
        ax.text(0.0, 1.0, _short(said, 110), ha="left", va="top", transform=ax.transAxes, fontsize=8)
        ax.set_axis_off()
        return
    low, high = AXIS
    ax.axvspan(1.0, high, color=STATUS_COLOURS["failed"], alpha=0.07, lw=0)
    ax.axvline(1.0, color=STATUS_COLOURS["failed"], lw=1.0, ls="--")
    ax.axvline(0.0, color="#8c959f", lw=0.6)
    offsets = {"h1": -0.18, "h24": 0.18}
    for p in points:
        y = labels.index(p.label) + offsets.get(p.horizon, 0.0)
        ax.plot(p.healthy, (y, y), color="#8c959f", lw=4, alpha=0.5, solid_capstyle="butt")
        marker, colour = HORIZON_MARKERS.get(p.horizon, ("D", "#666666"))
        x = high if math.isnan(p.x) else float(np.clip(p.x, low, high))
        face = STATUS_COLOURS["failed"] if p.failed else colour
        ax.plot(x, y, marker=marker, ms=5.5, mfc=face, mec=colour, mew=1.2, ls="none", clip_on=False)
        if p.failed or x != p.x:
            beside, align = (-0.08, "right") if x > 1.8 else (0.08, "left")
            ax.text(x + beside, y, p.text, fontsize=7, va="center", ha=align, color="#1f2328")
    ax.set_yticks(range(len(labels)), labels, fontsize=7)
    ax.set_ylim(len(labels) - 0.5, -0.5)
    ax.set_xlim(low, high)
    ax.set_xlabel(
        "0 = middle of healthy retrains (grey bar: their range), 1 = calibrated bound; beyond 1 fails"
    )
    for horizon, (marker, colour) in HORIZON_MARKERS.items():
        ax.plot([], [], marker=marker, color=colour, ls="none", label=horizon_name(horizon))
    ax.plot([], [], marker="o", mfc=STATUS_COLOURS["failed"], mec="#666666", ls="none", label="failed")
    ax.legend(
        loc="lower right", bbox_to_anchor=(1.0, 1.0), fontsize=7, ncols=3, frameon=False, borderaxespad=0.1
    )
    ax.grid(axis="x", color="#eaeef2", lw=0.6)
