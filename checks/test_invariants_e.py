"""Negative tests of the Section E invariants (E1–E7): each fails on a deliberately broken model or data."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch
from torch import nn

from interp import catalog
from interp.analyses.ablation import zero_conv
from interp.analyses.flow import FilterOutputCorrelation, check_filter_output_correlation
from interp.errors import InvariantError
from interp.study import Study
from interp.testing.breakage import replaced


def shuffle_head(model: nn.Module) -> nn.Module:
    """Permute every weight and bias of the forecast head (seeded)."""
    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for param in model.head.parameters():
            flat = param.view(-1)
            flat.copy_(flat[torch.randperm(flat.numel(), generator=generator)])
    return model


def test_e1_fails_when_conv2_is_zeroed(broken_study):
    broken = broken_study(lambda m: zero_conv(m, 1))
    with pytest.raises(InvariantError, match=r"E1: .*\|r\| ≥"):
        catalog.item("E1").invariants(broken)


@pytest.mark.parametrize("bad", [1.5, -1.0001, np.nan], ids=["above_1", "below_-1", "nan"])
def test_e1_fails_for_a_correlation_outside_minus_one_to_one(bad):
    r = np.full((64, 1), 0.9)
    r[5, 0] = bad
    result = FilterOutputCorrelation(r_steps=r, constant=np.zeros(64, bool), prediction_constant=False)
    with pytest.raises(InvariantError, match=r"E1: .*filters \[5\]"):
        check_filter_output_correlation(result)


def test_e2_fails_when_the_pool_has_stride_one(broken_study):
    broken = broken_study(replaced("pool", nn.MaxPool1d(2, stride=1)))
    with pytest.raises(InvariantError, match=r"E2: .*max-pool selections"):
        catalog.item("E2").invariants(broken)


def test_e2_fails_when_the_pool_windows_overlap(broken_study):
    broken = broken_study(replaced("pool", nn.MaxPool1d(4, stride=2, padding=1)))
    with pytest.raises(InvariantError, match=r"E2: .*own pool window"):
        catalog.item("E2").invariants(broken)


@pytest.mark.parametrize("layer", [0, 1], ids=["conv1_already_zero", "conv2_already_zero"])
def test_e3_fails_when_zeroing_a_conv_changes_nothing(broken_study, layer):
    broken = broken_study(lambda m: zero_conv(m, layer))
    with pytest.raises(InvariantError, match=r"E3: .*zeroed"):
        catalog.item("E3").invariants(broken)


@pytest.mark.embedded_data
def test_e5_fails_with_shuffled_head_weights(broken_study, horizon):
    broken = broken_study(shuffle_head, horizon=horizon)
    with pytest.raises(InvariantError, match=r"E5: .*R²"):
        catalog.item("E5").invariants(broken)


def _relabelled(broken_study, relabel) -> Study:
    reference = broken_study(lambda m: m)
    dataset = reference.dataset
    return Study(reference.model, dataclasses.replace(dataset, test_regimes=relabel(dataset.test_regimes)))


def test_e7_fails_when_a_window_has_no_valid_regime(broken_study):
    def relabel(regimes: np.ndarray) -> np.ndarray:
        out = regimes.copy()
        out[0] = 3
        return out

    with pytest.raises(InvariantError, match=r"E7: .*sum to"):
        catalog.item("E7").invariants(_relabelled(broken_study, relabel))


def test_e7_fails_when_regimes_are_taken_from_other_windows(broken_study):
    def relabel(regimes: np.ndarray) -> np.ndarray:
        return np.roll(regimes, len(regimes) // 2)

    with pytest.raises(InvariantError, match=r"E7: .*labelled otherwise"):
        catalog.item("E7").invariants(_relabelled(broken_study, relabel))
