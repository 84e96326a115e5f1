"""Section B, gradient attribution (B1–B6), per horizon: figure, then invariants + metrics snapshot.

The headline check ``test_b5_maxpool_gradient_routing`` asserts that the max-pool routes each pooled value's
gradient to exactly its one selected input position.
"""

from __future__ import annotations

import pytest


@pytest.mark.mpl_image_compare
def test_b1_input_gradient_heatmap(figure_of):
    return figure_of("B1")


def test_b1_input_gradient_heatmap_metrics(metrics_of):
    metrics_of("B1")


@pytest.mark.mpl_image_compare
def test_b2_feature_importance(figure_of):
    return figure_of("B2")


def test_b2_feature_importance_metrics(metrics_of):
    metrics_of("B2")


@pytest.mark.mpl_image_compare
def test_b3_temporal_profile(figure_of):
    return figure_of("B3")


def test_b3_temporal_profile_metrics(metrics_of):
    metrics_of("B3")


@pytest.mark.mpl_image_compare
def test_b4_guided_backprop_heatmap(figure_of):
    return figure_of("B4")


def test_b4_guided_backprop_metrics(metrics_of):
    metrics_of("B4")


@pytest.mark.mpl_image_compare
def test_b5_layerwise_gradients(figure_of):
    return figure_of("B5")


def test_b5_layerwise_gradients_metrics(metrics_of):
    metrics_of("B5")


@pytest.mark.mpl_image_compare
def test_b6_gradient_flow_ratio(figure_of):
    return figure_of("B6")


def test_b6_gradient_flow_ratio_metrics(metrics_of):
    metrics_of("B6")
