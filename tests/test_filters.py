"""Unit tests of the Section A filter and activation analyses (A1–A7) on hand-made arrays."""

from __future__ import annotations

import csv
import io

import numpy as np
import pandas as pd
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from torch import nn

from interp.analyses.activations import (
    ActivationStats,
    LayerStats,
    RegimeActivation,
    activation_stats_csv,
    choose_representative,
    effective_sample_size,
    layer_stats,
    regime_means,
    window_positions,
)
from interp.analyses.filters import (
    batchnorm_scale,
    change_from_init,
    effective_weight,
    filter_norms,
    following_batchnorm,
    initial_model,
)
from interp.catalog import filters as catalog_a
from interp.models import CNNLSTMForecaster
from interp.plots.activations import activation_by_regime

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


def conv_bn_relu(scale: float = 1.0, count: int = 2) -> nn.Sequential:
    """Conv1d(2→3, k=3) → BatchNorm1d(3) → ReLU with seeded weights and BN statistics; the first ``count``
    filters' weight and bias are multiplied by ``scale`` and the BN's running statistics compensate exactly."""
    torch.manual_seed(0)
    block = nn.Sequential(nn.Conv1d(2, 3, 3), nn.BatchNorm1d(3), nn.ReLU()).eval()
    with torch.no_grad():
        block[1].weight.copy_(torch.tensor([0.5, -2.0, 1.5]))
        block[1].bias.copy_(torch.tensor([0.1, 0.0, -0.3]))
        block[1].running_mean.copy_(torch.tensor([0.2, -0.1, 0.4]))
        block[1].running_var.copy_(torch.tensor([0.3, 2.0, 0.7]))
        block[0].weight[:count] *= scale
        block[0].bias[:count] *= scale
        block[1].running_mean[:count] *= scale
        var = block[1].running_var[:count]
        var.copy_(scale**2 * (var + block[1].eps) - block[1].eps)  # var + ε scales by scale² exactly
    return block


def test_effective_weight_folds_the_following_batchnorm_scale():
    block = conv_bn_relu()
    weight, folded = effective_weight(block, block[0])
    gamma_over_sigma = np.array([0.5, -2.0, 1.5]) / np.sqrt(np.array([0.3, 2.0, 0.7]) + block[1].eps)
    assert folded
    np.testing.assert_allclose(batchnorm_scale(block[1]), gamma_over_sigma, rtol=1e-6)
    np.testing.assert_allclose(
        weight, block[0].weight.detach().double().numpy() * gamma_over_sigma[:, None, None]
    )


def test_folded_norms_do_not_change_when_batchnorm_compensates_a_rescaled_filter():
    x = torch.randn(4, 2, 9, generator=torch.Generator().manual_seed(1))
    original, rescaled = conv_bn_relu(), conv_bn_relu(scale=10.0)
    torch.testing.assert_close(rescaled(x), original(x), rtol=1e-5, atol=1e-6)  # the same function
    norms = [filter_norms(effective_weight(b, b[0])[0]) for b in (original, rescaled)]
    np.testing.assert_allclose(norms[1], norms[0], rtol=1e-6)
    raw = [filter_norms(b[0].weight.detach().double().numpy()) for b in (original, rescaled)]
    np.testing.assert_allclose(raw[1][:2], 10.0 * raw[0][:2])  # what A2 used to show moved tenfold


def test_the_batchnorm_of_a_conv_is_the_next_one_registered_before_another_conv():
    model = CNNLSTMForecaster(10, 1)
    assert following_batchnorm(model, model.conv1) is model.bn1
    assert following_batchnorm(model, model.conv2) is model.bn2
    no_bn = nn.Sequential(nn.Conv1d(2, 3, 3), nn.ReLU(), nn.Conv1d(3, 3, 3), nn.BatchNorm1d(3))
    assert following_batchnorm(no_bn, no_bn[0]) is None  # conv2's BN does not normalise conv1
    other_width = nn.Sequential(nn.Conv1d(2, 3, 3), nn.BatchNorm1d(4))
    assert following_batchnorm(other_width, other_width[0]) is None


def test_without_batchnorm_the_raw_weight_is_used():
    block = nn.Sequential(nn.Conv1d(2, 3, 3), nn.ReLU())
    weight, folded = effective_weight(block, block[0])
    assert not folded
    np.testing.assert_array_equal(weight, block[0].weight.detach().double().numpy())
    stateless = nn.Sequential(nn.Conv1d(2, 3, 3), nn.BatchNorm1d(3, track_running_stats=False))
    assert not effective_weight(stateless, stateless[0])[1]


def test_change_from_init_of_identical_and_moved_weights():
    w0 = np.arange(1.0, 7.0).reshape(2, 3, 1)
    same = change_from_init(w0, w0)
    assert (same.correlation, same.relative_change) == pytest.approx((1.0, 0.0))
    moved = change_from_init(w0 + np.array([3.0, -3.0] * 3).reshape(2, 3, 1), w0)
    assert moved.relative_change == pytest.approx(np.sqrt(6 * 9) / np.linalg.norm(w0))
    assert moved.correlation < 1.0 and moved.available


def test_initial_model_is_reproducible_and_leaves_the_random_stream_alone():
    torch.manual_seed(123)
    expected_next = torch.rand(3)
    torch.manual_seed(123)
    a = initial_model(CNNLSTMForecaster, {"n_features": 10, "horizon_steps": 1}, seed=7)
    torch.testing.assert_close(torch.rand(3), expected_next)
    b = initial_model(CNNLSTMForecaster, {"n_features": 10, "horizon_steps": 1}, seed=7)
    c = initial_model(CNNLSTMForecaster, {"n_features": 10, "horizon_steps": 1}, seed=8)
    torch.testing.assert_close(a.conv1.weight, b.conv1.weight, rtol=0, atol=0)
    assert not torch.equal(a.conv1.weight, c.conv1.weight)


def test_layer_stats_of_a_known_block():
    act = np.array([[[0.0, 2.0], [1.0, 1.0]], [[0.0, 4.0], [0.0, 3.0]]])  # (N=2, C=2, L=2)
    stats = layer_stats(act)
    np.testing.assert_allclose(stats.mean, [1.5, 1.25])
    np.testing.assert_allclose(stats.sparsity, [0.5, 0.25])
    np.testing.assert_allclose(stats.max, [4.0, 3.0])


def test_layer_stats_count_only_exact_zeros():
    act = np.array([[[1e-9, 1e-6, 0.0, 1.0]]])  # tiny positive outputs are a firing filter, not a dead one
    assert layer_stats(act).sparsity[0] == pytest.approx(0.25)


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


def test_representative_window_is_the_median_high_target_not_the_extreme_one():
    targets = np.array([900.0, 2100.0, 1300.0, 1500.0, 1400.0])
    regimes = np.array([1, 2, 2, 2, 2])
    assert choose_representative(targets, regimes) == (
        4,
        2,
    )  # High sorted: 1300, 1400, 1500, 2100 → lower median


def test_representative_window_takes_the_earliest_of_tied_medians():
    targets = np.array([1300.0, 1300.0, 1300.0])
    assert choose_representative(targets, np.array([2, 2, 2])) == (1, 2)  # rank (3 - 1) // 2 = 1, stable


def test_representative_window_falls_back_to_the_median_of_the_highest_regime_present():
    targets = np.array([700.0, 1100.0, 900.0, 1000.0])
    assert choose_representative(targets, np.array([0, 1, 1, 1])) == (3, 1)


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
    result = regime_means(act, regimes, positions=np.arange(6) * 10, bandwidth=10, top=2)  # non-overlapping
    np.testing.assert_array_equal(result.counts, [2, 1, 3])
    np.testing.assert_allclose(result.means[0], [1.0, 0.0, 3.0])
    np.testing.assert_allclose(result.means[2], [1.0, 5.0, 0.0])
    np.testing.assert_allclose(result.standard_errors[2], [0.0, 2.0 / np.sqrt(3), 0.0])
    assert np.isnan(result.standard_errors[1]).all()  # one Medium window: no standard error
    np.testing.assert_allclose(result.high_minus_low, [0.0, 5.0, -3.0])
    np.testing.assert_array_equal(result.specialists, [1, 0])


def test_regime_means_without_high_windows_name_no_specialist():
    act = np.ones((3, 2, 4))
    result = regime_means(act, np.array([0, 1, 1]), positions=np.arange(3), bandwidth=4)
    assert np.isnan(result.means[2]).all() and result.specialists.size == 0


def ar1(n: int, rho: float, seed: int) -> np.ndarray:
    """``(n,)`` stationary AR(1) series with unit innovations: variance 1 / (1 − ρ²)."""
    from scipy.signal import lfilter

    noise = np.random.default_rng(seed).standard_normal(n)
    noise[0] /= np.sqrt(1 - rho**2)
    return lfilter([1.0], [1.0, -rho], noise)


@pytest.mark.parametrize("rho", [0.0, 0.5, 0.8])
def test_standard_error_of_an_ar1_regime_matches_theory(rho):
    n = 200_000
    series = ar1(n, rho, seed=3)
    act = series[:, None, None]  # (N, C=1, L=1): one filter, one step per window
    result = regime_means(act, np.zeros(n, dtype=int), positions=np.arange(n), bandwidth=200)
    # Var(mean) of a stationary AR(1) ≈ σ² (1 + ρ) / ((1 − ρ) n), σ² = 1 / (1 − ρ²)
    theory = np.sqrt((1 + rho) / ((1 - rho) * (1 - rho**2) * n))
    assert result.standard_errors[0, 0] == pytest.approx(theory, rel=0.05)
    assert result.effective_counts[0, 0] == pytest.approx(n * (1 - rho) / (1 + rho), rel=0.1)


def test_windows_further_apart_than_the_bandwidth_count_fully():
    values = np.array([[1.0], [2.0], [4.0], [7.0]])  # a trend: neighbours alike
    np.testing.assert_array_equal(effective_sample_size(values, np.array([0, 2, 4, 6]), bandwidth=2), [4.0])
    assert effective_sample_size(values, np.array([0, 1, 2, 3]), bandwidth=2)[0] < 4.0


def test_identical_neighbours_are_worth_one_window_each_run():
    # Two runs of identical values, further apart than the bandwidth: a run repeats one window's information.
    values = np.array([1.0] * 3 + [5.0] * 3)[:, None]
    positions = np.array([0, 1, 2, 5000, 5001, 5002])
    n_eff = effective_sample_size(values, positions, bandwidth=1000)[0]
    assert n_eff == pytest.approx(18 / (9 - 8 / 1000))  # → 2 runs as the Bartlett weights 1 − k/B → 1


@given(
    arrays(np.float64, (12, 2), elements=finite),
    st.lists(st.integers(1, 30), min_size=11, max_size=11),
    st.integers(1, 40),
)
@settings(max_examples=60, deadline=None)
def test_effective_sample_size_is_between_one_and_n(values, gaps, bandwidth):
    positions = np.concatenate([[0], np.cumsum(gaps)])
    n_eff = effective_sample_size(values, positions, bandwidth)
    assert np.all((n_eff >= 1.0) & (n_eff <= 12.0))


def test_window_positions_count_steps_from_the_first_window():
    t = pd.to_datetime(["2024-01-01 00:00", "2024-01-01 01:00", "2024-01-01 05:00"]).to_numpy()
    np.testing.assert_array_equal(window_positions(t, pd.Timedelta(hours=1)), [0, 1, 5])


def test_a7_plot_joins_no_filter_indices_with_lines():
    rng = np.random.default_rng(0)
    act = rng.random((12, 4, 3))
    regimes = np.repeat([0, 1, 2], 4)
    block = regime_means(act, regimes, positions=np.arange(12), bandwidth=3)
    fig = activation_by_regime(RegimeActivation(block, block, 3))
    lines = [line for ax in fig.axes for line in ax.get_lines() if len(line.get_xdata()) > 2]
    assert lines and all(line.get_linestyle() == "None" for line in lines)
    assert "t + H" in fig.get_suptitle()


def test_activation_stats_csv_round_trips():
    stats = ActivationStats(
        LayerStats(np.array([0.5, 1.0]), np.array([0.25, 0.0]), np.array([2.0, 3.0])),
        LayerStats(np.array([0.125]), np.array([1.0]), np.array([0.0])),
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
