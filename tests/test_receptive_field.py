"""Receptive-field arithmetic (A8) against hand-weighted models whose answer can be written down."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from interp.analyses.receptive_field import (
    PLANNED_POOLED_RECEPTIVE_FIELD,
    PLANNED_RECEPTIVE_FIELD,
    empirical_profiles,
    gradient_profile,
    layer_geometry,
    receptive_fields,
    support_bounds,
    unit_bounds,
    window_sample,
)
from interp.hooks import ModelState
from interp.models import CNNLSTMForecaster

layer = st.tuples(st.integers(1, 7), st.integers(1, 3), st.integers(1, 2))  # kernel, stride, dilation


def ones_stack(layers: list[tuple[int, int, int]], padding: bool = False) -> nn.Sequential:
    """Single-channel Conv1d layers with all-ones kernels: every input in the field reaches the output."""
    convs = []
    for kernel, stride, dilation in layers:
        conv = nn.Conv1d(
            1,
            1,
            kernel,
            stride=stride,
            dilation=dilation,
            padding=(kernel - 1) * dilation // 2 if padding else 0,
            bias=False,
        )
        nn.init.ones_(conv.weight)
        convs.append(conv)
    return nn.Sequential(*convs)


def measured(stack: nn.Sequential, length: int, unit: int) -> tuple[int, int]:
    """First and last input step with a non-zero gradient of output ``unit`` of a ``(1, 1, length)`` input."""
    x = torch.rand(2, length, 1, generator=torch.Generator().manual_seed(0)).add(0.1).requires_grad_(True)
    out = stack(x.transpose(1, 2))
    return support_bounds(gradient_profile(x, out[:, 0, unit]) > 0)


def test_plan_arithmetic_conv7_conv5_pool2():
    fields, jumps = receptive_fields([7, 5, 2], [1, 1, 2])
    np.testing.assert_array_equal(fields, [7, PLANNED_RECEPTIVE_FIELD, PLANNED_POOLED_RECEPTIVE_FIELD])
    np.testing.assert_array_equal(jumps, [1, 1, 2])


def test_a_layer_after_a_stride_widens_the_field_by_the_jump():
    fields, jumps = receptive_fields([3, 2, 3], [1, 2, 1], [1, 1, 2])
    np.testing.assert_array_equal(fields, [3, 4, 4 + 2 * 2 * 2])
    np.testing.assert_array_equal(jumps, [1, 2, 2])


@given(st.lists(st.tuples(st.integers(1, 9), st.integers(1, 3)), min_size=1, max_size=4))
@settings(max_examples=40, deadline=None)
def test_stride_one_field_is_one_plus_the_dilated_kernel_extents(kernels_dilations):
    kernels, dilations = zip(*kernels_dilations, strict=True)
    fields, _ = receptive_fields(kernels, dilations=dilations)
    assert fields[-1] == 1 + sum((k - 1) * d for k, d in kernels_dilations)
    assert np.all(np.diff(fields) >= 0)


@given(st.lists(layer, min_size=1, max_size=3))
@settings(max_examples=25, deadline=None)
def test_all_ones_kernels_measure_exactly_the_analytic_field(layers):
    kernels, strides, dilations = zip(*layers, strict=True)
    fields, _ = receptive_fields(kernels, strides, dilations)
    stack = ones_stack(list(layers))
    first, last = measured(stack, length=int(fields[-1]) + 8, unit=0)
    assert (first, last) == (0, int(fields[-1]) - 1)


@given(
    st.lists(
        st.tuples(st.sampled_from([1, 3, 5, 7]), st.integers(1, 2), st.integers(1, 2)), min_size=1, max_size=3
    )
)
@settings(max_examples=25, deadline=None)
def test_unit_bounds_match_the_measured_support_with_same_padding(layers):
    geometry = np.array([(k, s, d, (k - 1) * d // 2) for k, s, d in layers])
    fields, jumps = receptive_fields(geometry[:, 0], geometry[:, 1], geometry[:, 2])
    length = 4 * int(fields[-1]) + 4 * int(jumps[-1])
    unit = length // (2 * int(jumps[-1]))
    units = [0] * (len(layers) - 1) + [unit]
    expected = unit_bounds(geometry, units)[-1]
    assert 0 <= expected[0] and expected[1] < length  # the field lies inside the input
    assert measured(ones_stack(list(layers), padding=True), length, unit) == tuple(expected)


def test_unit_bounds_of_the_planned_stack_at_the_centre_of_24_steps():
    geometry = np.array([[7, 1, 1, 3], [5, 1, 1, 2], [2, 2, 1, 0]])
    np.testing.assert_array_equal(unit_bounds(geometry, [12, 12, 6]), [[9, 15], [7, 17], [7, 18]])


def test_layer_geometry_is_found_by_type():
    np.testing.assert_array_equal(
        layer_geometry(CNNLSTMForecaster(10, 1)), [[7, 1, 1, 3], [5, 1, 1, 2], [2, 2, 1, 0]]
    )


def test_layer_geometry_resolves_same_padding():
    model = CNNLSTMForecaster(10, 1)
    model.conv2 = nn.Conv1d(32, 64, 5, dilation=2, padding="same")
    assert layer_geometry(model)[1].tolist() == [5, 1, 2, 4]


def hand_weighted_forecaster() -> CNNLSTMForecaster:
    """The planned CNN-LSTM with all-ones conv kernels and zero biases (BN at its identity initialisation)."""
    torch.manual_seed(0)
    model = CNNLSTMForecaster(10, 1).eval()
    with torch.no_grad():
        for conv in (model.conv1, model.conv2):
            conv.weight.fill_(1.0)
            conv.bias.zero_()
    return model


def test_empirical_fields_of_a_hand_weighted_forecaster_are_7_11_12():
    model = hand_weighted_forecaster()
    x = torch.rand(64, 24, 10, generator=torch.Generator().manual_seed(1)) + 0.1  # positive: ReLUs pass
    profiles, centres = empirical_profiles(model, x)
    np.testing.assert_array_equal(centres, [12, 12, 6])
    spans = [support_bounds(p > 0) for p in profiles]
    assert spans == [(9, 15), (7, 17), (7, 18)]


def test_one_window_through_the_pool_sees_only_the_selected_position():
    model = hand_weighted_forecaster()
    x = torch.rand(1, 24, 10, generator=torch.Generator().manual_seed(2)) + 0.1
    profiles, _ = empirical_profiles(model, x)
    first, last = support_bounds(profiles[2] > 0)
    assert (
        last - first + 1 == PLANNED_RECEPTIVE_FIELD
    )  # max-pool routes the gradient through one of two units


def test_empirical_pass_leaves_the_model_unchanged_and_writes_no_grad():
    model = hand_weighted_forecaster().train()
    before = ModelState.of(model)
    empirical_profiles(model, torch.rand(4, 24, 10))
    assert before.differences(model) == []
    assert all(p.grad is None for p in model.parameters())


def test_empirical_pass_removes_its_hooks_when_the_model_raises():
    model = hand_weighted_forecaster()
    before = ModelState.of(model)
    with pytest.raises(RuntimeError):
        empirical_profiles(model, torch.rand(4, 24, 9))  # wrong feature count: conv1 raises
    assert before.differences(model) == []


def test_window_sample_is_evenly_spaced_and_bounded():
    np.testing.assert_array_equal(window_sample(5, 64), [0, 1, 2, 3, 4])
    sample = window_sample(1000, 64)
    assert sample.size == 64 and sample[0] == 0 and sample[-1] == 999
