"""interp.attribution agrees with Captum (test-only dependency) on a CNN-LSTM with non-trivial BN statistics.

The Captum calls are the reference the benchmark (``make bench``) uses too:
``Saliency(model).attribute(x, target=t, abs=False)``, ``GuidedBackprop(model).attribute(x, target=t)``,
``LayerGradientXActivation(model, layer, multiply_by_inputs=False).attribute(x, target=t)`` (layer gradients)
and ``LayerGradientXActivation(model, layer).attribute(x, target=t)`` (gradient × activation), with ``layer``
in ``model.conv1``, ``model.conv2``, ``model.pool`` and ``t`` the non-negative index of the target step.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from captum.attr import GuidedBackprop, LayerGradientXActivation, Saliency

from interp import attribution
from interp.hooks import ModelState

RTOL = 1e-5
HORIZON = 3


@pytest.fixture(scope="module")
def model(bn_varied_model):
    return bn_varied_model(HORIZON)


@pytest.fixture(scope="module")
def x():
    return torch.randn(32, 24, 10, generator=torch.Generator().manual_seed(1))


def _captum_input(x: torch.Tensor) -> torch.Tensor:
    return x.clone().requires_grad_(True)  # Captum warns when it has to switch requires_grad on itself


def _assert_close(ours: np.ndarray, theirs: torch.Tensor) -> None:
    reference = theirs.detach().numpy()
    assert ours.shape == reference.shape and ours.dtype == np.float32
    assert np.abs(reference).max() > 0
    np.testing.assert_allclose(ours, reference, rtol=RTOL, atol=RTOL * np.abs(reference).max())


STEPS = pytest.mark.parametrize("step", [-1, 0])


@STEPS
def test_saliency_matches_captum(model, x, step):
    theirs = Saliency(model).attribute(_captum_input(x), target=step % HORIZON, abs=False)
    _assert_close(attribution.saliency(model, x, step), theirs)


@STEPS
@pytest.mark.filterwarnings("ignore:Setting backward hooks on ReLU activations")
def test_guided_backprop_matches_captum(model, x, step):
    theirs = GuidedBackprop(model).attribute(_captum_input(x), target=step % HORIZON)
    ours = attribution.guided_backprop(model, x, step)
    _assert_close(ours, theirs)
    assert not np.allclose(ours, attribution.saliency(model, x, step))


@STEPS
@pytest.mark.parametrize("name", ["conv1", "conv2", "pool"])
def test_layer_gradients_match_captum(model, x, step, name):
    layer = getattr(model, name)
    theirs = LayerGradientXActivation(model, layer, multiply_by_inputs=False).attribute(
        _captum_input(x), target=step % HORIZON
    )
    _assert_close(attribution.layer_gradients(model, x, step)[name], theirs)


@pytest.mark.parametrize("name", ["conv1", "conv2", "pool"])
def test_layer_gradients_x_activations_match_captum(model, x, name):
    theirs = LayerGradientXActivation(model, getattr(model, name)).attribute(
        _captum_input(x), target=HORIZON - 1
    )
    _assert_close(attribution.layer_gradients_x_activations(model, x)[name], theirs)


def test_captum_comparison_leaves_pool_as_it_was(model, x):
    """Our passes switch pool.return_indices on only inside their hooks; Captum sees the model as it is."""
    before = ModelState.of(model)
    attribution.layer_gradients(model, x)
    assert before.differences(model) == [] and model.pool.return_indices is False
