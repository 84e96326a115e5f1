"""Plot A8: schematic of each conv layer's temporal coverage within the lookback window."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from interp.analyses.receptive_field import ReceptiveField
from interp.plots.activations import TIME_LABEL
from interp.plots.finite import NOTICE_COLOUR, not_finite_text
from interp.plots.style import new_figure

UNIT_LABELS = {"conv1": "conv1 unit", "conv2": "conv2 unit", "pool": "pooled unit"}


def receptive_field_diagram(result: ReceptiveField) -> Figure:
    """A8: per layer, the central unit's measured input-gradient profile and its analytic field (outline).

    Row 0 is the whole lookback window; below it conv1, conv2 and the pool, each a strip of steps coloured by
    the normalised mean ``|d unit / d input|`` (0–1), with the analytic field outlined in red; a strip with
    NaN/inf gradients (a broken model) says so.
    """
    steps, rows = result.lookback_steps, len(result.layers)
    fig = new_figure(9.0, 4.2)
    ax = fig.add_axes((0.19, 0.14, 0.62, 0.72))
    image = ax.imshow(
        result.profiles,
        cmap="Blues",
        vmin=0.0,
        vmax=1.0,
        aspect="auto",
        interpolation="nearest",
        extent=(-0.5, steps - 0.5, rows + 0.5, 0.5),
    )
    ax.add_patch(Rectangle((-0.5, -0.4), steps, 0.8, facecolor="#dddddd", edgecolor="black", linewidth=0.8))
    ax.text(
        steps / 2 - 0.5,
        0.0,
        f"lookback window: {steps} steps = {steps / result.steps_per_hour:g} h",
        ha="center",
        va="center",
        fontsize=8,
    )
    for row in range(1, rows + 1):
        text = not_finite_text(result.profiles[row - 1])
        if text is not None:
            ax.text(
                steps / 2 - 0.5, row, f"input gradient {text}", ha="center", va="center", color=NOTICE_COLOUR
            )
        first, last = (int(v) for v in result.analytic_bounds[row - 1])
        ax.add_patch(
            Rectangle(
                (first - 0.5, row - 0.45),
                last - first + 1,
                0.9,
                facecolor="none",
                edgecolor="#d7191c",
                linewidth=1.5,
            )
        )
        ax.text(
            steps - 0.2,
            row,
            f"RF {int(result.analytic[row - 1])} analytic\n{int(result.empirical[row - 1])} measured",
            va="center",
            ha="left",
            fontsize=7,
            clip_on=False,
        )
    ax.set_xlim(-0.5, steps - 0.5)
    ax.set_ylim(rows + 0.5, -0.5)
    labels = ["input"] + [
        f"{UNIT_LABELS.get(name, name)} #{int(c)}\n(k={int(g[0])}, stride {int(g[1])})"
        for name, c, g in zip(result.layers, result.centres, result.geometry, strict=True)
    ]
    ax.set_yticks(np.arange(rows + 1), labels)
    ticks = np.arange(steps - 1, -1, -2)[::-1]
    ax.set_xticks(ticks, [f"{(t - (steps - 1)) / result.steps_per_hour:g}" for t in ticks])
    ax.set_xlabel(TIME_LABEL)
    colour_axes = fig.add_axes((0.93, 0.14, 0.015, 0.72))
    fig.colorbar(image, cax=colour_axes, label="normalised mean |d unit / d input|")
    hours = result.analytic[1] / result.steps_per_hour
    fig.suptitle(
        f"A8 Receptive field: the CNN sees {hours:g} h per conv2 unit\n"
        f"(shading: measured input gradient over {result.n_windows} test windows; "
        f"red outline: analytic field)",
        fontsize=9,
    )
    return fig
