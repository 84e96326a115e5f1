"""Cross-horizon checks E8–E10 (plan E5): figure, then invariants + metrics snapshot; both horizons needed."""

from __future__ import annotations

import pytest


@pytest.mark.mpl_image_compare
def test_e8_metrics_summary(cross_figure_of):
    return cross_figure_of("E8")


def test_e8_metrics_summary_metrics(cross_metrics_of):
    cross_metrics_of("E8")


@pytest.mark.mpl_image_compare
def test_e9_attribution_shift(cross_figure_of):
    return cross_figure_of("E9")


def test_e9_attribution_shift_metrics(cross_metrics_of):
    cross_metrics_of("E9")


@pytest.mark.mpl_image_compare
def test_e10_filter_importance_shift(cross_figure_of):
    return cross_figure_of("E10")


def test_e10_filter_importance_shift_metrics(cross_metrics_of):
    cross_metrics_of("E10")
