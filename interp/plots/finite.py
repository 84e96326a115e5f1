"""Panels of non-finite values: a broken model's figure says so in place of the panel, and never raises.

A model with a NaN or infinite weight (a diverged update) yields NaN or ±inf activations, gradients and
forecasts. Matplotlib draws such values as nothing, so the panel looks empty or, worse, plausible; and an axis
limit computed from them raises ``Axis limits cannot be NaN or Inf``. So every plot function asks
:func:`not_finite_panel` before it draws a panel from model outputs: when any value the panel would show is NaN
or ±inf, the panel is replaced by a notice ("not finite: 13272 of 13272 values are NaN/inf") and the caller
skips it (and its colour bar). Values that are NaN by definition in a healthy model (an empty regime, an
undefined correlation) are left out of the check by the caller.

The notice is drawn in axes coordinates and changes neither limits nor the ticks of shared axes, so a finite
panel beside it is drawn as it would be without it.
"""

from __future__ import annotations

import textwrap

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

NOTICE_COLOUR = "#8c1c13"


def not_finite_count(*arrays: object) -> tuple[int, int]:
    """``(values that are NaN or ±inf, all values)`` over ``arrays`` (integers and booleans are finite)."""
    bad = total = 0
    for array in arrays:
        values = np.asarray(array)
        total += values.size
        if values.dtype.kind in "fc":
            bad += int(values.size - np.count_nonzero(np.isfinite(values)))
    return bad, total


def not_finite_text(*arrays: object) -> str | None:
    """``"not finite: N of M values are NaN/inf"``, or None when every value is finite."""
    bad, total = not_finite_count(*arrays)
    return None if bad == 0 else f"not finite: {bad} of {total} values are NaN/inf"


NOTICE_FONT_SIZE = 8.0
CHARACTER_WIDTH_INCHES = 0.07
"""About the width of one character at :data:`NOTICE_FONT_SIZE` points: the notice wraps to its panel's width."""


def show_notice(ax: Axes, text: str) -> None:
    """Write ``text`` in the middle of ``ax`` in place of its data: ticks and tick labels hidden, limits kept.

    Each line is wrapped to the panel's width, so a notice in a narrow panel does not spill into its neighbours.
    """
    width = ax.get_position().width * ax.get_figure().get_figwidth()
    columns = max(16, int(width / CHARACTER_WIDTH_INCHES))
    wrapped = "\n".join(textwrap.fill(line, columns) for line in text.splitlines())
    ax.tick_params(left=False, bottom=False, labelleft=False, labelbottom=False)
    ax.text(
        0.5,
        0.5,
        wrapped,
        transform=ax.transAxes,
        ha="center",
        va="center",
        fontsize=NOTICE_FONT_SIZE,
        color=NOTICE_COLOUR,
        bbox={"boxstyle": "round", "facecolor": "white", "edgecolor": NOTICE_COLOUR},
    )


def not_finite_panel(ax: Axes, *arrays: object, what: str) -> bool:
    """When a value of ``arrays`` is NaN or ±inf, put the notice on ``ax`` and return True (skip the panel).

    Parameters
    ----------
    ax : Axes
        The panel that would show ``arrays``.
    *arrays : array-like
        Everything the panel would draw or scale by.
    what : str
        What the values are, with their unit (``"mean |∂ŷ/∂x|"``): the first line of the notice.
    """
    text = not_finite_text(*arrays)
    if text is None:
        return False
    show_notice(ax, f"{what}\n{text}")
    return True


def figure_note(fig: Figure, *arrays: object, what: str) -> bool:
    """When a value of ``arrays`` is NaN or ±inf, write one line saying so at the bottom of ``fig`` (True).

    For figures that show their values as text (a table prints ``nan`` where a panel would stay empty).
    """
    text = not_finite_text(*arrays)
    if text is None:
        return False
    fig.text(
        0.5,
        0.005,
        f"{what} {text}",
        ha="center",
        va="bottom",
        fontsize=9,
        color=NOTICE_COLOUR,
    )
    return True
