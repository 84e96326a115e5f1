"""Negative tests of the Section B invariants (B1–B6): each fails on a deliberately broken model or data."""

from __future__ import annotations

import dataclasses

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from interp import catalog
from interp.analyses import gradients
from interp.config import DECOY_FEATURE
from interp.errors import InvariantError, InvariantSkipped
from interp.study import Study
from interp.testing.breakage import functional_relus, replaced, scaled


class LeakyMaxPool(nn.MaxPool1d):
    """A MaxPool1d that also passes on 10 % of each window's mean, so unselected positions get gradient."""

    def forward(self, x: torch.Tensor):
        values, indices = F.max_pool1d(x, self.kernel_size, self.stride, return_indices=True)
        values = values + 0.1 * F.avg_pool1d(x, self.kernel_size, self.stride)
        return (values, indices) if self.return_indices else values


def test_b1_fails_when_conv1_is_zeroed(broken_study):
    broken = broken_study(scaled("conv1.weight", 0.0))
    with pytest.raises(InvariantError, match=r"B1: .*finite, non-zero gradient for every window"):
        catalog.item("B1").invariants(broken)


@pytest.mark.parametrize("item_id", ["B2", "B3"])
def test_b2_b3_importances_fail_when_the_output_ignores_the_input(broken_study, item_id):
    broken = broken_study(scaled("head.2.weight", 0.0))
    with pytest.raises(InvariantError, match=rf"{item_id}: .*to sum to 1"):
        catalog.item(item_id).invariants(broken)


@pytest.mark.embedded_data
@pytest.mark.parametrize("hours", [1, 24], ids=["h1", "h24"])
def test_b2_decoy_fails_when_layer1_amplifies_pressure(broken_study, hours):
    decoy = broken_study(lambda m: m, hours).dataset.feature_names.index(DECOY_FEATURE)
    broken = broken_study(scaled("conv1.weight", 1000.0, (slice(None), decoy)), hours)
    with pytest.raises(InvariantError, match=rf"B2: .*decoy '{DECOY_FEATURE}'"):
        gradients.check_decoy_not_important(broken)


def test_b2_decoy_is_skipped_on_user_data(broken_study):
    reference = broken_study(lambda m: m)
    user = Study(reference.model, dataclasses.replace(reference.dataset, source="/data/room.csv"))
    with pytest.raises(InvariantSkipped, match="embedded data"):
        gradients.check_decoy_not_important(user)


def test_b4_fails_when_every_relu_is_functional(broken_study):
    broken = broken_study(functional_relus("relu1", "relu2", "head.1"))
    with pytest.raises(InvariantError, match=r"B4: .*differ from the plain gradient"):
        gradients.check_guided_differs(gradients.guided_backprop(broken))


def test_b4_fails_when_a_conv_relu_escapes_the_guided_hooks(broken_study):
    """The head's nn.ReLU still makes guided differ from plain; the ReLU trace catches the escaped ones."""
    broken = broken_study(functional_relus("relu1", "relu2"))
    gradients.check_guided_differs(gradients.guided_backprop(broken))
    with pytest.raises(InvariantError, match=r"B4: .*2 of 3 ReLU calls passing negative gradients"):
        catalog.item("B4").invariants(broken)


@pytest.mark.parametrize(
    "pool", [nn.MaxPool1d(2, stride=1), LeakyMaxPool(2)], ids=["overlapping_windows", "leaking_pool"]
)
def test_b5_routing_fails_for_a_broken_pool(broken_study, pool):
    broken = broken_study(replaced("pool", pool))
    with pytest.raises(InvariantError, match=r"B5: .*exactly at the"):
        catalog.item("B5").invariants(broken)


def test_b5_routing_fails_when_no_gradient_reaches_the_input(broken_study):
    broken = broken_study(scaled("conv1.weight", 0.0))
    with pytest.raises(InvariantError, match=r"B5: .*non-zero input gradient in every window"):
        catalog.item("B5").invariants(broken)


def test_b6_fails_when_conv2_blocks_the_gradient(broken_study):
    broken = broken_study(scaled("conv2.weight", 0.0))
    with pytest.raises(InvariantError, match=r"B6: .*act1/conv2=0"):
        catalog.item("B6").invariants(broken)
