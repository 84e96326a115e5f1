"""Shared figure conventions: fixed size and dpi, a fixed style, no pyplot state.

Every plot function builds ``Figure(...)`` through :func:`new_figure`; colour limits are fixed by the caller
from the data's own scale rule (symmetric ``±max|v|`` for signed maps, ``[0, max]`` for magnitudes), never left
to autoscale per panel, so that image baselines move only when the drawing changes.
"""

from __future__ import annotations

import io

import matplotlib as mpl
import matplotlib.style
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

DPI = 100
"""Every figure's dpi (baseline images are drawn at this dpi): 100, so that 7 pt tick labels are ~10 px high."""

STYLE: dict[str, object] = {
    "font.size": 8.0,
    "axes.titlesize": 9.0,
    "axes.labelsize": 8.0,
    "xtick.labelsize": 7.0,
    "ytick.labelsize": 7.0,
    "legend.fontsize": 7.0,
    "figure.titlesize": 10.0,
    "image.cmap": "viridis",
    "svg.hashsalt": "interp",
}
"""rcParams on top of matplotlib's "default" style, applied by :func:`apply_style`."""

DIVERGING = "RdBu_r"
"""Colour map for signed quantities (weights, gradients), always with symmetric limits."""

REGIME_COLOURS = ("#2c7bb6", "#fdae61", "#d7191c")
"""Low, Medium, High."""


def apply_style() -> None:
    """Reset rcParams to matplotlib's defaults plus :data:`STYLE` (the checks' autouse fixture calls this)."""
    mpl.rcdefaults()
    mpl.style.use("default")
    mpl.rcParams.update(STYLE)


def new_figure(width: float, height: float) -> Figure:
    """A new Figure of ``width`` × ``height`` inches at :data:`DPI`, with an Agg canvas attached."""
    fig = Figure(figsize=(width, height), dpi=DPI)
    FigureCanvasAgg(fig)
    return fig


def png_bytes(fig: Figure) -> bytes:
    """Render ``fig`` to PNG bytes deterministically (no timestamps or version metadata)."""
    buffer = io.BytesIO()
    with mpl.style.context("default", after_reset=True), mpl.rc_context(STYLE):
        fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def symmetric_limit(*arrays) -> float:
    """``max |v|`` over the arrays, never 0 (so ``vmin=-lim, vmax=lim`` is always a valid range)."""
    import numpy as np

    lim = max(float(np.nanmax(np.abs(a))) if np.size(a) else 0.0 for a in arrays)
    return lim if lim > 0 else 1.0


def draw_styled(draw, *args):
    """Call ``draw(*args)`` under matplotlib's "default" style plus :data:`STYLE`, whatever the global state.

    pytest-mpl resets the style inside each image test; drawing under this context makes the checks and
    ``python -m interp study`` produce the same figure.
    """
    with mpl.style.context("default", after_reset=True), mpl.rc_context(STYLE):
        return draw(*args)


def figure_from_png(png: bytes) -> Figure:
    """A Figure that shows the PNG pixel for pixel (no resampling), for comparing an already-saved plot.

    The checks hand pytest-mpl this figure, so the image compared with the baseline is exactly the file written
    to ``results/`` and each plot is rendered once (re-encoding it reproduces the same bytes).
    """
    import matplotlib.image

    pixels = matplotlib.image.imread(io.BytesIO(png), format="png")
    height, width = pixels.shape[:2]
    fig = new_figure(width / DPI, height / DPI)
    fig.figimage(pixels, 0, 0, origin="upper", resize=False)
    return fig
