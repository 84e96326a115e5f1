"""Unit tests of the cross-horizon analyses (E8–E10): invariants, ranks, and the E10 filter pairing."""

from __future__ import annotations

import copy
import dataclasses

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import spearmanr

from interp.analyses.comparison import (
    filter_importance_shift,
    metrics_summary,
    pair_filters,
    rank_correlation,
    ranks,
)
from interp.errors import InvariantSkipped
from interp.models import CNNLSTMForecaster
from interp.study import Study


@given(st.lists(st.one_of(st.floats(0, 1), st.just(np.nan)), min_size=1, max_size=20))
def test_ranks_are_a_permutation_ordered_by_value(values):
    v = np.array(values)
    r = ranks(v)
    assert sorted(r.tolist()) == list(range(1, len(v) + 1))
    order = np.argsort(r)
    key = np.nan_to_num(v[order], nan=-1.0)
    assert np.all(np.diff(key) <= 0)


def test_rank_correlation_is_spearman_and_nan_when_constant():
    rng = np.random.default_rng(0)
    a, b = rng.random(12), rng.random(12)
    assert rank_correlation(a, b) == pytest.approx(spearmanr(a, b).statistic)
    assert np.isnan(rank_correlation(a, np.ones(12)))
    assert np.isnan(rank_correlation(a, np.r_[b[:-1], np.nan]))


def permute_conv2(model: CNNLSTMForecaster, perm: torch.Tensor) -> CNNLSTMForecaster:
    """The same function with conv2's output channels reordered: new channel j is old channel perm[j]."""
    out = copy.deepcopy(model)
    with torch.no_grad():
        for tensor in (
            out.conv2.weight,
            out.conv2.bias,
            out.bn2.weight,
            out.bn2.bias,
            out.bn2.running_mean,
            out.bn2.running_var,
        ):
            tensor.copy_(tensor[perm])
        out.lstm.weight_ih_l0.copy_(out.lstm.weight_ih_l0[:, perm])
    return out


def test_e10_pairs_a_permuted_copy_back_to_its_filters(small_dataset):
    torch.manual_seed(0)
    model = CNNLSTMForecaster(10, 1).eval()
    perm = torch.randperm(64, generator=torch.Generator().manual_seed(1))
    one, other = Study(model, small_dataset), Study(permute_conv2(model, perm), small_dataset)
    np.testing.assert_allclose(other.capture.pred, one.capture.pred, rtol=1e-5, atol=1e-6)

    result = filter_importance_shift(one, other)
    np.testing.assert_array_equal(result.match, np.argsort(perm.numpy()))
    np.testing.assert_allclose(result.match_correlation, 1.0, rtol=1e-6)
    np.testing.assert_allclose(result.importance_24h, result.importance_1h, rtol=1e-4)
    assert result.spearman == pytest.approx(1.0)
    assert result.identity_fraction == np.mean(perm.numpy() == np.arange(64))
    assert result.n_shared_windows == len(small_dataset.test.x)


def test_e10_pairing_needs_shared_windows(small_dataset):
    shifted = dataclasses.replace(
        small_dataset.test, t_last_input=small_dataset.test.t_last_input + np.timedelta64(999, "D")
    )
    far = dataclasses.replace(small_dataset, test=shifted)
    model = CNNLSTMForecaster(10, 1).eval()
    with pytest.raises(InvariantSkipped, match=r"E10 .* found 0"):
        pair_filters(Study(model, small_dataset), Study(model, far))


def test_pair_results_are_cached_per_partner(small_dataset):
    torch.manual_seed(0)
    one = Study(CNNLSTMForecaster(10, 1).eval(), small_dataset)
    partner, other = (Study(CNNLSTMForecaster(10, 1).eval(), small_dataset) for _ in range(2))
    first = filter_importance_shift(one, partner)
    assert filter_importance_shift(one, partner) is first
    assert filter_importance_shift(one, other) is not first
    assert not np.array_equal(filter_importance_shift(one, other).importance_24h, first.importance_24h)


def test_e8_reports_each_horizons_skill_over_persistence_by_hand(small_dataset):
    torch.manual_seed(0)
    studies = [Study(CNNLSTMForecaster(10, 1).eval(), small_dataset) for _ in range(2)]
    summary = metrics_summary(*studies)
    history = small_dataset.to_ppm(small_dataset.test.x[:, :, small_dataset.scaler.target_index].numpy())
    for k, study in enumerate(studies):
        truth, pred = study.targets_ppm, study.predictions_ppm
        persistence = history[:, -1:]
        expected = (
            1 - ((pred - truth) ** 2).mean(axis=0).sum() / ((persistence - truth) ** 2).mean(axis=0).sum()
        )
        assert summary.skill_persistence[k] == pytest.approx(expected, rel=1e-9)
    assert np.isfinite(summary.skill_hour_of_day).all()
    assert not np.allclose(summary.skill_hour_of_day, summary.skill_persistence)
