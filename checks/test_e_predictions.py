"""Section E, prediction quality checks (E4–E7), per horizon: figure, then invariants + metrics snapshot."""

from __future__ import annotations

import pytest


@pytest.mark.mpl_image_compare
def test_e4_predictions_overlay(figure_of):
    return figure_of("E4")


def test_e4_predictions_overlay_metrics(metrics_of):
    metrics_of("E4")


@pytest.mark.mpl_image_compare
def test_e5_prediction_scatter(figure_of):
    return figure_of("E5")


def test_e5_prediction_scatter_metrics(metrics_of):
    metrics_of("E5")


@pytest.mark.mpl_image_compare
def test_e6_residual_analysis(figure_of):
    return figure_of("E6")


def test_e6_residual_analysis_metrics(metrics_of):
    metrics_of("E6")


@pytest.mark.mpl_image_compare
def test_e7_error_by_regime(figure_of):
    return figure_of("E7")


def test_e7_error_by_regime_metrics(metrics_of):
    metrics_of("E7")
