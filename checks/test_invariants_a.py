"""Negative tests of the Section A invariants (A1–A8): each fails on a deliberately broken model."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch
from torch import nn

from interp import catalog
from interp.analyses.activations import representative_window
from interp.errors import InvariantError, InvariantSkipped
from interp.study import Study
from interp.testing.breakage import replaced


def replaced_conv(name: str, kernel: int, padding: int):
    """Replace conv ``name`` by a Conv1d of another kernel size, copying what fits of the old kernel.

    The old taps go to the centre of the new kernel (or its centre taps are kept when it is smaller); the
    other taps keep the new layer's seeded initialisation.
    """

    def mutate(model: nn.Module) -> nn.Module:
        old = getattr(model, name)
        torch.manual_seed(0)
        new = nn.Conv1d(old.in_channels, old.out_channels, kernel, padding=padding)
        k_old = old.kernel_size[0]
        k = min(k_old, kernel)
        with torch.no_grad():
            new_start, old_start = (kernel - k) // 2, (k_old - k) // 2
            new.weight[:, :, new_start : new_start + k] = old.weight[:, :, old_start : old_start + k]
            new.bias.copy_(old.bias)
        setattr(model, name, new)
        return model

    return mutate


def zeroed_filters(count: int):
    """Zero the weights of the first ``count`` layer-1 filters (bias kept)."""

    def mutate(model: nn.Module) -> nn.Module:
        with torch.no_grad():
            model.conv1.weight[:count].zero_()
        return model

    return mutate


def zeroed_outer_taps(model: nn.Module) -> nn.Module:
    """Zero conv1's first and last taps: the analytic field stays 11, the input gradient spans only 9."""
    with torch.no_grad():
        model.conv1.weight[:, :, [0, -1]] = 0.0
    return model


def exploded_bias(model: nn.Module) -> nn.Module:
    """Set one conv1 bias to +inf, as after a diverged update (inf, not NaN: NaN never equals itself, so the
    model-unchanged guard would report the untouched NaN as a change)."""
    with torch.no_grad():
        model.conv1.bias[0] = float("inf")
    return model


def input_blind_conv1(model: nn.Module) -> nn.Module:
    """Zero conv1's weights: every window gives the same activations, so no filter separates the regimes."""
    with torch.no_grad():
        model.conv1.weight.zero_()
    return model


def test_a1_fails_on_a_layer1_kernel_of_5(broken_study):
    with pytest.raises(InvariantError, match=r"A1: expected layer-1 weights of shape \(32, 10, 7\)"):
        catalog.item("A1").invariants(broken_study(replaced_conv("conv1", 5, 2)))


def test_a2_fails_when_most_layer1_filters_are_dormant(broken_study):
    with pytest.raises(InvariantError, match=r"A2: .* Found 20 of 32 dormant"):
        catalog.item("A2").invariants(broken_study(zeroed_filters(20)))


def test_a3_fails_on_a_layer2_kernel_of_7(broken_study):
    with pytest.raises(InvariantError, match=r"A3: expected layer-2 weights of shape \(64, 32, 5\)"):
        catalog.item("A3").invariants(broken_study(replaced_conv("conv2", 7, 3)))


def test_a4_fails_when_relu1_is_bypassed(broken_study):
    with pytest.raises(InvariantError, match=r"A4: expected layer-1 activations ≥ 0"):
        catalog.item("A4").invariants(broken_study(replaced("relu1", nn.Identity())))


def test_a4_fails_when_conv1_shortens_the_sequence(broken_study):
    with pytest.raises(InvariantError, match=r"A4: expected layer-1 activations of shape"):
        catalog.item("A4").invariants(broken_study(replaced_conv("conv1", 7, 2)))


def test_a5_fails_when_relu2_is_bypassed(broken_study):
    with pytest.raises(InvariantError, match=r"A5: expected layer-2 activations ≥ 0"):
        catalog.item("A5").invariants(broken_study(replaced("relu2", nn.Identity())))


def test_a5_fails_when_the_pool_does_not_halve_the_sequence(broken_study):
    with pytest.raises(InvariantError, match=r"A5: expected pooled activations of shape"):
        catalog.item("A5").invariants(broken_study(replaced("pool", nn.MaxPool1d(3))))


def test_a6_fails_on_non_finite_activations(broken_study):
    with pytest.raises(InvariantError, match=r"A6: expected finite layer 1 activation statistics"):
        catalog.item("A6").invariants(broken_study(exploded_bias))


def test_a6_fails_on_negative_mean_activations(broken_study):
    with pytest.raises(InvariantError, match=r"A6: expected 0 ≤ mean ≤ max"):
        catalog.item("A6").invariants(broken_study(replaced("relu1", nn.Identity())))


def test_a7_fails_when_no_filter_sees_the_input(broken_study):
    with pytest.raises(InvariantError, match=r"A7: expected at least one filter"):
        catalog.item("A7").invariants(broken_study(input_blind_conv1))


def without_high_windows(broken_study) -> Study:
    """The reference model on its own data with every High window relabelled Medium (as on user data)."""
    reference = broken_study(lambda m: m)
    dataset = dataclasses.replace(
        reference.dataset, test_regimes=np.minimum(reference.dataset.test_regimes, 1)
    )
    return Study(reference.model, dataset, reference.horizon_hours)


def test_a7_is_skipped_with_a_reason_without_high_windows(broken_study):
    with pytest.raises(InvariantSkipped, match=r"A7: the evaluation set has \d+ Low and 0 High windows"):
        catalog.item("A7").invariants(without_high_windows(broken_study))


def test_a4_falls_back_to_the_highest_target_without_high_windows(broken_study):
    study = without_high_windows(broken_study)
    window = representative_window(study)
    assert window.fallback and window.index == int(np.argmax(study.targets_ppm[:, -1]))
    assert "no High window" in catalog.item("A4").draw(study).get_suptitle()


def test_a8_receptive_field_fails_on_a_layer2_kernel_of_7(broken_study):
    with pytest.raises(
        InvariantError, match=r"A8: expected an analytic receptive field of 11 steps at conv2"
    ):
        catalog.item("A8").invariants(broken_study(replaced_conv("conv2", 7, 3)))


def test_a8_receptive_field_fails_on_a_pool_of_3(broken_study):
    with pytest.raises(InvariantError, match=r"A8: expected an analytic receptive field of 12 steps at pool"):
        catalog.item("A8").invariants(broken_study(replaced("pool", nn.MaxPool1d(3))))


def test_a8_receptive_field_fails_when_the_measured_field_is_narrower(broken_study):
    with pytest.raises(InvariantError, match=r"A8: expected the input gradient of the central conv1 unit"):
        catalog.item("A8").invariants(broken_study(zeroed_outer_taps))
