"""Tier 3 of the gate: every item's figure (pytest-mpl) and metrics (syrupy) compared exactly with the baseline.

Ids name the horizon and the plan item: ``test_figure[h24-B4]``, ``test_metrics[h24-B4]``,
``test_figure[cross-E8]``. Every figure is drawn and written into this run's results tree first, whatever the
tier; the comparison itself applies only when the model under test is the accepted one
(``baselines/MANIFEST.json``) and skips otherwise, naming both hashes.
"""

from __future__ import annotations

import pytest


@pytest.mark.mpl_image_compare
def test_figure(horizon, exact_case, figure_of):
    return figure_of(*exact_case)


def test_metrics(horizon, exact_case, metrics_of):
    metrics_of(*exact_case)


def test_predictions_npz(horizon, suite, run_tree):
    """``h{H}/predictions.npz`` of this run holds the evaluation set's forecasts in ppm."""
    import numpy as np

    from interp.report import write_predictions

    study = suite.study(horizon)
    with np.load(write_predictions(study, run_tree)) as saved:
        np.testing.assert_array_equal(saved["prediction_ppm"], study.predictions_ppm)
