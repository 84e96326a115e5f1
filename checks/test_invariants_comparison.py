"""Negative tests of the cross-horizon invariants (E8–E10): each fails when one study's model is broken."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from interp import catalog
from interp.errors import InvariantError

OFFSET = 10.0
"""Model units (standard deviations of CO2) added to every forecast of the broken 1 h model."""


def output_layer(model: nn.Module) -> nn.Linear:
    return [m for m in model.modules() if isinstance(m, nn.Linear)][-1]


def offset_forecast(model: nn.Module) -> nn.Module:
    """Shift every forecast by OFFSET model units: the 1 h model becomes far worse than the 24 h one."""
    with torch.no_grad():
        output_layer(model).bias.add_(OFFSET)
    return model


def zero_output_weights(model: nn.Module) -> nn.Module:
    """Zero the output layer's weights: the forecast is constant, so every gradient to it vanishes."""
    with torch.no_grad():
        output_layer(model).weight.zero_()
    return model


def pair_with_broken(studies, broken, horizon: int):
    return (broken, studies[24]) if horizon == 1 else (studies[1], broken)


def test_e8_fails_when_the_1h_model_is_worse_than_the_24h_model(broken_study, studies):
    broken = broken_study(offset_forecast, horizon=1)
    with pytest.raises(InvariantError, match=r"E8: expected the 24 h model's RMSE"):
        catalog.cross_item("E8").invariants(broken, studies[24])


@pytest.mark.parametrize("broken_horizon", [1, 24], ids=["broken_h1", "broken_h24"])
def test_e9_fails_when_the_input_gradient_vanishes(broken_study, studies, broken_horizon):
    broken = broken_study(zero_output_weights, horizon=broken_horizon)
    with pytest.raises(InvariantError, match=r"E9: .*feature importance .* finite and sum to 1"):
        catalog.cross_item("E9").invariants(*pair_with_broken(studies, broken, broken_horizon))


@pytest.mark.parametrize("broken_horizon", [1, 24], ids=["broken_h1", "broken_h24"])
def test_e10_fails_when_the_filter_gradient_vanishes(broken_study, studies, broken_horizon):
    broken = broken_study(zero_output_weights, horizon=broken_horizon)
    with pytest.raises(InvariantError, match=r"E10: .*conv2 filter importance .* finite and sum to 1"):
        catalog.cross_item("E10").invariants(*pair_with_broken(studies, broken, broken_horizon))
