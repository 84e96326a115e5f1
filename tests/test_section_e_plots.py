"""Legibility of the Section E figures at both horizons: readable ticks, no colliding labels, stated skill."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.image import AxesImage

from interp.analyses.flow import FilterOutputCorrelation
from interp.analyses.quality import LastStepPredictions, calibration_fit, regression_metrics
from interp.plots import flow as flow_plots
from interp.plots import quality as quality_plots
from interp.plots.style import draw_styled


def correlation(n_steps: int) -> FilterOutputCorrelation:
    r = np.random.default_rng(0).uniform(-0.8, 0.8, (64, n_steps))
    return FilterOutputCorrelation(r_steps=r, constant=np.zeros(64, bool), prediction_constant=False)


def tick_labels_collide(ax: Axes) -> bool:
    """Whether any two visible x tick labels of ``ax`` overlap once drawn."""
    ax.figure.canvas.draw()
    boxes = [t.get_window_extent() for t in ax.get_xticklabels() if t.get_visible() and t.get_text()]
    return any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])


@pytest.mark.parametrize("n_steps", [1, 24])
def test_e1_horizon_axis_shows_whole_steps_and_legible_filter_labels(n_steps):
    fig = draw_styled(flow_plots.filter_output_correlation, correlation(n_steps))
    images = [ax for ax in fig.axes if any(isinstance(a, AxesImage) for a in ax.get_children())]
    for ax in images:
        ticks = [t for t in ax.get_yticks() if 0.5 <= t <= n_steps + 0.5]
        assert ticks and all(float(t).is_integer() for t in ticks)
    assert len(images) == (n_steps > 1)  # one horizon step: the matrix would repeat the bars
    labelled = images[0] if images else fig.axes[0]
    assert min(t.get_fontsize() for t in labelled.get_xticklabels()) >= 7
    assert not tick_labels_collide(labelled)


@pytest.mark.parametrize("horizon_hours", [1.0, 24.0])
def test_e4_date_ticks_do_not_collide(horizon_hours):
    n = 599
    truth = 600 + 300 * np.sin(np.arange(n) / 5)
    series = LastStepPredictions(
        t_target=pd.date_range("2025-06-10", periods=n, freq="1h").to_numpy(),
        truth_ppm=truth,
        pred_ppm=truth + 20,
        regimes=np.digitize(truth, (800.0, 1200.0)).astype(np.int8),
        regime_bounds=np.array([800.0, 1200.0]),
        horizon_hours=horizon_hours,
    )
    metrics = regression_metrics(truth[:, None], truth[:, None] + 20)
    fig = draw_styled(quality_plots.predictions_overlay, series, metrics)
    assert not any(tick_labels_collide(ax) for ax in fig.axes)


def test_e5_scatter_states_the_skill_over_each_naive_forecast():
    truth = np.linspace(400.0, 1500.0, 50)
    series = LastStepPredictions(
        t_target=pd.date_range("2025-06-10", periods=50, freq="1h").to_numpy(),
        truth_ppm=truth,
        pred_ppm=truth + 5,
        regimes=np.digitize(truth, (800.0, 1200.0)).astype(np.int8),
        regime_bounds=np.array([800.0, 1200.0]),
        horizon_hours=1.0,
    )
    skills = {"persistence": 0.4721, "hour-of-day": -0.1437}
    fig = draw_styled(
        quality_plots.prediction_scatter,
        series,
        regression_metrics(truth[:, None], truth[:, None] + 5),
        calibration_fit(truth, truth + 5),
        skills,
    )
    text = " ".join(t.get_text() for ax in fig.axes for t in ax.texts)
    assert "persistence: 0.472" in text and "hour-of-day: -0.144" in text
