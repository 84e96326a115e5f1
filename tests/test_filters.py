"""Unit tests of the Section A filter and activation analyses (A1–A7) on hand-made arrays."""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from interp.analyses.activations import (
    EPSILON,
    ActivationStats,
    LayerStats,
    activation_stats_csv,
    choose_representative,
    layer_stats,
    regime_means,
)
from interp.analyses.filters import DORMANT_FRACTION, dormant_mask, filter_norms
from interp.catalog import filters as catalog_a

finite = st.floats(-10, 10, allow_nan=False, width=32)


def test_filter_norms_are_the_l2_norm_of_each_output_filter():
    weight = np.zeros((3, 2, 2))
    weight[0] = [[3.0, 0.0], [0.0, 4.0]]
    weight[2, 1, 1] = -2.0
    np.testing.assert_allclose(filter_norms(weight), [5.0, 0.0, 2.0])


@given(arrays(np.float64, (4, 3, 5), elements=finite), st.floats(-5, 5, allow_nan=False))
@settings(max_examples=30, deadline=None)
def test_filter_norms_scale_with_the_absolute_factor(weight, factor):
    np.testing.assert_allclose(filter_norms(factor * weight), abs(factor) * filter_norms(weight), atol=1e-9)


def test_dormant_is_strictly_below_five_percent_of_the_largest_norm():
    norms = np.array([10.0, 0.5, 0.49, 3.0])
    assert DORMANT_FRACTION == 0.05
    np.testing.assert_array_equal(dormant_mask(norms), [False, False, True, False])


def test_all_zero_filters_are_all_dormant():
    assert dormant_mask(np.zeros(4)).all()


def test_layer_stats_of_a_known_block():
    act = np.array([[[0.0, 2.0], [1.0, 1.0]], [[0.0, 4.0], [0.0, 3.0]]])  # (N=2, C=2, L=2)
    stats = layer_stats(act)
    np.testing.assert_allclose(stats.mean, [1.5, 1.25])
    np.testing.assert_allclose(stats.sparsity, [0.5, 0.25])
    np.testing.assert_allclose(stats.max, [4.0, 3.0])


def test_layer_stats_counts_values_up_to_epsilon_as_zero():
    act = np.array([[[EPSILON, 2 * EPSILON, 0.0, 1.0]]])
    assert layer_stats(act).sparsity[0] == pytest.approx(0.5)


@given(arrays(np.float32, (5, 3, 4), elements=st.floats(0, 5, width=32)))
@settings(max_examples=30, deadline=None)
def test_sparsity_is_a_fraction_and_mean_is_within_zero_and_max(act):
    stats = layer_stats(act)
    assert np.all((stats.sparsity >= 0) & (stats.sparsity <= 1))
    assert np.all((stats.mean >= 0) & (stats.mean <= stats.max + 1e-12))


def test_layer_stats_marks_non_finite_filters_with_nan_sparsity():
    act = np.ones((2, 2, 3))
    act[1, 0, 2] = np.nan
    stats = layer_stats(act)
    assert np.isnan(stats.sparsity[0]) and stats.sparsity[1] == 0.0


def test_representative_window_is_the_highest_high_target():
    targets = np.array([900.0, 1500.0, 1300.0, 1500.0])
    regimes = np.array([1, 2, 2, 2])
    assert choose_representative(targets, regimes) == (1, False)  # the first of a tie


def test_representative_window_falls_back_to_the_highest_target_without_high():
    targets = np.array([700.0, 1100.0, 900.0])
    assert choose_representative(targets, np.array([0, 1, 1])) == (1, True)


def test_regime_means_standard_errors_and_specialists():
    # 2 Low, 1 Medium, 3 High windows; 3 filters, 2 steps; filter 1 fires in High only, filter 2 in Low only.
    window_means = np.array(
        [
            [1.0, 0.0, 2.0],
            [1.0, 0.0, 4.0],
            [1.0, 1.0, 1.0],
            [1.0, 3.0, 0.0],
            [1.0, 5.0, 0.0],
            [1.0, 7.0, 0.0],
        ]
    )
    act = np.repeat(window_means[:, :, None], 2, axis=2)
    regimes = np.array([0, 0, 1, 2, 2, 2])
    result = regime_means(act, regimes, top=2)
    np.testing.assert_array_equal(result.counts, [2, 1, 3])
    np.testing.assert_allclose(result.means[0], [1.0, 0.0, 3.0])
    np.testing.assert_allclose(result.means[2], [1.0, 5.0, 0.0])
    np.testing.assert_allclose(result.standard_errors[2], [0.0, 2.0 / np.sqrt(3), 0.0])
    assert np.isnan(result.standard_errors[1]).all()  # one Medium window: no standard error
    np.testing.assert_allclose(result.high_minus_low, [0.0, 5.0, -3.0])
    np.testing.assert_array_equal(result.specialists, [1, 0])


def test_regime_means_without_high_windows_name_no_specialist():
    act = np.ones((3, 2, 4))
    result = regime_means(act, np.array([0, 1, 1]))
    assert np.isnan(result.means[2]).all() and result.specialists.size == 0


def test_activation_stats_csv_round_trips():
    stats = ActivationStats(
        LayerStats(np.array([0.5, 1.0]), np.array([0.25, 0.0]), np.array([2.0, 3.0])),
        LayerStats(np.array([0.125]), np.array([1.0]), np.array([0.0])),
        EPSILON,
    )
    rows = list(csv.DictReader(io.StringIO(activation_stats_csv(stats))))
    assert [(r["layer"], r["filter"]) for r in rows] == [("layer1", "0"), ("layer1", "1"), ("layer2", "0")]
    assert float(rows[0]["sparsity"]) == 0.25 and float(rows[2]["mean"]) == 0.125


def test_section_a_catalog_is_in_plan_order_with_its_slugs():
    expected = [
        ("A1", "layer1_filter_bank"),
        ("A2", "layer1_filter_norms"),
        ("A3", "layer2_filter_summary"),
        ("A4", "layer1_activation_heatmap"),
        ("A5", "layer2_activation_heatmap"),
        ("A6", "activation_stats"),
        ("A7", "activation_by_regime"),
        ("A8", "receptive_field"),
    ]
    assert [(i.id, i.slug) for i in catalog_a.ITEMS] == expected
    assert {i.folder for i in catalog_a.ITEMS} == {"cnn_filters"}
