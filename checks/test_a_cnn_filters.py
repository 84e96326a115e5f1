"""Section A, CNN filter analysis (A1–A8), per horizon: figure, then invariants + metrics snapshot."""

from __future__ import annotations

import pytest

from interp import catalog


@pytest.mark.mpl_image_compare
def test_a1_layer1_filter_bank(figure_of):
    return figure_of("A1")


def test_a1_layer1_filter_bank_metrics(metrics_of):
    metrics_of("A1")


@pytest.mark.mpl_image_compare
def test_a2_layer1_filter_norms(figure_of):
    return figure_of("A2")


def test_a2_layer1_filter_norms_metrics(metrics_of):
    metrics_of("A2")


@pytest.mark.mpl_image_compare
def test_a3_layer2_filter_summary(figure_of):
    return figure_of("A3")


def test_a3_layer2_filter_summary_metrics(metrics_of):
    metrics_of("A3")


@pytest.mark.mpl_image_compare
def test_a4_layer1_activation_heatmap(figure_of):
    return figure_of("A4")


def test_a4_layer1_activation_heatmap_metrics(metrics_of):
    metrics_of("A4")


@pytest.mark.mpl_image_compare
def test_a5_layer2_activation_heatmap(figure_of):
    return figure_of("A5")


def test_a5_layer2_activation_heatmap_metrics(metrics_of):
    metrics_of("A5")


@pytest.mark.mpl_image_compare
def test_a6_activation_stats(figure_of):
    return figure_of("A6")


def test_a6_activation_stats_metrics(metrics_of):
    metrics_of("A6")


def test_a6_activation_stats_csv(study):
    ((name, text),) = catalog.item("A6").tables(study).items()
    lines = text.splitlines()
    assert name == "A6_activation_stats.csv" and lines[0] == "layer,filter,mean,sparsity,max"
    assert len(lines) == 1 + 32 + 64


@pytest.mark.mpl_image_compare
def test_a7_activation_by_regime(figure_of):
    return figure_of("A7")


def test_a7_activation_by_regime_metrics(metrics_of):
    metrics_of("A7")


@pytest.mark.mpl_image_compare
def test_a8_receptive_field(figure_of):
    return figure_of("A8")
