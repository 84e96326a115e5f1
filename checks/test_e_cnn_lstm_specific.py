"""Section E, CNN-LSTM-specific checks (E1–E3), per horizon: figure, then invariants + metrics snapshot."""

from __future__ import annotations

import pytest


@pytest.mark.mpl_image_compare
def test_e1_filter_output_correlation(figure_of):
    return figure_of("E1")


def test_e1_filter_output_correlation_metrics(metrics_of):
    metrics_of("E1")


@pytest.mark.mpl_image_compare
def test_e2_maxpool_selection(figure_of):
    return figure_of("E2")


def test_e2_maxpool_selection_metrics(metrics_of):
    metrics_of("E2")


@pytest.mark.mpl_image_compare
def test_e3_layer_ablation(figure_of):
    return figure_of("E3")


def test_e3_layer_ablation_metrics(metrics_of):
    metrics_of("E3")
