"""Unit tests of Section B: a hand-weighted model whose gradients can be written down, the pure summaries,
and the B items end to end on a small study."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from torch import nn

from interp import attribution
from interp.analyses import gradients
from interp.catalog import gradients as catalog
from interp.errors import DataError, InvariantSkipped
from interp.hooks import ModelState, guided_relus
from interp.metrics import to_jsonable
from interp.models import CNNLSTMForecaster
from interp.plots.style import png_bytes
from interp.study import Study

WEIGHTS = (0.5, -2.0, 1.5)
"""Layer-1 read-out of the tiny model: one weight per feature."""


class FunctionalReLU(nn.Module):
    """A ReLU that is not an ``nn.ReLU`` module: guided-backprop hooks cannot reach it."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(x)


class TinyForecaster(nn.Module):
    """``y[:, h] = c[h] · Σ_j max(s[2j], s[2j+1])`` with ``s[t] = w · x[t]``.

    conv1 is the 1-tap read-out ``w``, conv2 the identity, then MaxPool1d(2). The LSTM runs (the hooks need
    it) but its output is multiplied by 0, so the gradients are exact: ``d y[:, h] / d x[t, f] = c[h] · w[f]``
    when step ``t`` wins its pool pair and 0 otherwise.
    """

    def __init__(self, scale: tuple[float, ...], activation: nn.Module | None = None) -> None:
        super().__init__()
        self.conv1 = nn.Conv1d(len(WEIGHTS), 1, kernel_size=1, bias=False)
        self.conv2 = nn.Conv1d(1, 1, kernel_size=1, bias=False)
        self.act = activation if activation is not None else nn.Identity()
        self.pool = nn.MaxPool1d(2)
        self.lstm = nn.LSTM(1, 2, batch_first=True)
        self.register_buffer("scale", torch.tensor(scale))
        with torch.no_grad():
            self.conv1.weight.copy_(torch.tensor(WEIGHTS).view(1, -1, 1))
            self.conv2.weight.fill_(1.0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        z = self.conv2(self.act(self.conv1(x.transpose(1, 2))))
        pooled = self.pool(z)
        if isinstance(pooled, tuple):
            pooled = pooled[0]
        _, (h_n, _) = self.lstm(pooled.transpose(1, 2))
        return pooled.sum(dim=(1, 2))[:, None] * self.scale + 0.0 * h_n[-1].sum(dim=1, keepdim=True)


def _inputs(n: int = 6, steps: int = 8, seed: int = 0) -> torch.Tensor:
    return torch.randn(n, steps, len(WEIGHTS), generator=torch.Generator().manual_seed(seed))


def _winners(signal: np.ndarray) -> np.ndarray:
    """``(N, L)`` bool: the step of each pool pair with the larger signal."""
    pairs = signal.reshape(len(signal), -1, 2)
    second = pairs[:, :, 1] > pairs[:, :, 0]
    return np.stack([~second, second], axis=2).reshape(signal.shape)


@pytest.mark.parametrize(("target_step", "factor"), [(-1, -3.0), (0, 1.0), (1, -3.0)])
def test_saliency_of_a_hand_weighted_model(target_step, factor):
    model, x = TinyForecaster((1.0, -3.0)), _inputs()
    signal = (x.numpy() * np.array(WEIGHTS)).sum(axis=2)
    expected = factor * _winners(signal)[:, :, None] * np.array(WEIGHTS)
    np.testing.assert_allclose(attribution.saliency(model, x, target_step), expected, rtol=1e-6, atol=1e-7)


def test_layer_gradients_of_a_hand_weighted_model():
    model, x = TinyForecaster((2.0, -3.0)), _inputs()
    winners = _winners((x.numpy() * np.array(WEIGHTS)).sum(axis=2))
    grads = attribution.layer_gradients(model, x)
    assert list(grads) == ["conv1", "conv2", "pool"]
    np.testing.assert_allclose(grads["conv1"][:, 0], -3.0 * winners, atol=1e-7)
    np.testing.assert_allclose(grads["conv2"][:, 0], -3.0 * winners, atol=1e-7)
    np.testing.assert_allclose(grads["pool"], np.full((len(x), 1, x.shape[1] // 2), -3.0), atol=1e-7)


def test_layer_gradients_x_activations_of_a_hand_weighted_model():
    model, x = TinyForecaster((2.0, -3.0)), _inputs()
    signal = (x.numpy() * np.array(WEIGHTS)).sum(axis=2)
    products = attribution.layer_gradients_x_activations(model, x)
    np.testing.assert_allclose(products["conv1"][:, 0], -3.0 * _winners(signal) * signal, atol=1e-6)


@pytest.mark.parametrize(("scale", "guided_zero"), [((1.0, -3.0), True), ((1.0, 3.0), False)])
def test_guided_backprop_clamps_the_relu_gradient(scale, guided_zero):
    """With a ReLU after conv1, a negative target weight makes all guided gradients 0, a positive one none."""
    model, x = TinyForecaster(scale, nn.ReLU()), _inputs()
    plain, guided = attribution.saliency(model, x), attribution.guided_backprop(model, x)
    assert np.any(plain != 0)
    if guided_zero:
        assert np.all(guided == 0)
    else:
        np.testing.assert_array_equal(guided, plain)


def test_guided_backprop_misses_functional_relu():
    model, x = TinyForecaster((1.0, -3.0), FunctionalReLU()), _inputs()
    np.testing.assert_array_equal(attribution.guided_backprop(model, x), attribution.saliency(model, x))


def test_relu_gradient_minima_sees_module_and_functional_relus():
    x = _inputs()
    module, functional = TinyForecaster((1.0, -3.0), nn.ReLU()), TinyForecaster((1.0, -3.0), FunctionalReLU())
    (plain,) = attribution.relu_gradient_minima(module, x)
    assert plain < 0
    with guided_relus(module):
        assert attribution.relu_gradient_minima(module, x) == [0.0]
    with guided_relus(functional):
        (escaped,) = attribution.relu_gradient_minima(functional, x)
    assert escaped < 0


def test_attribution_leaves_the_model_unchanged():
    torch.manual_seed(0)
    model = CNNLSTMForecaster(len(WEIGHTS), 2).train()
    before = ModelState.of(model)
    x = torch.randn(4, 8, len(WEIGHTS))
    attribution.saliency(model, x)
    attribution.guided_backprop(model, x)
    attribution.layer_gradients(model, x)
    with guided_relus(model):
        attribution.relu_gradient_minima(model, x)
    assert before.differences(model) == []
    assert model.training
    assert all(p.grad is None for p in model.parameters())


def test_no_hook_survives_a_failing_pass():
    model = CNNLSTMForecaster(len(WEIGHTS), 2).eval()
    before = ModelState.of(model)
    with pytest.raises(IndexError):
        attribution.saliency(model, torch.randn(2, 8, len(WEIGHTS)), target_step=5)
    assert before.differences(model) == []


@pytest.mark.parametrize(
    "bad", [torch.randn(4, 8), torch.randn(4, 8, 5), torch.ones(4, 8, 3, dtype=torch.long)]
)
def test_bad_input_raises_data_error(bad):
    with pytest.raises(DataError, match="Expected x as a float tensor"):
        attribution.saliency(CNNLSTMForecaster(len(WEIGHTS), 1), bad)


def test_time_hours_run_from_the_oldest_step_to_zero_at_the_last_input_step():
    np.testing.assert_array_equal(gradients.time_hours(4, 1.0), [-3.0, -2.0, -1.0, 0.0])
    np.testing.assert_array_equal(gradients.time_hours(4, 2.0), [-1.5, -1.0, -0.5, 0.0])


@given(arrays(np.float64, st.integers(1, 30), elements=st.floats(0, 1e6)).filter(lambda a: a.sum() > 0))
def test_normalise_sums_to_one(values):
    assert abs(gradients.normalise(values).sum() - 1.0) < 1e-9


def test_normalise_of_zeros_is_nan():
    assert np.all(np.isnan(gradients.normalise(np.zeros(3))))


def test_map_entropy_bounds():
    assert gradients.map_entropy(np.ones((4, 3))) == pytest.approx(1.0)
    assert gradients.map_entropy(np.eye(1, 12).reshape(4, 3)) == pytest.approx(0.0)


def test_summarise_attribution_by_hand():
    values = np.zeros((3, 2, 2))
    values[0, 1, 0] = -2.0  # window 0, last step, feature a
    values[1, 0, 1] = 1.0  # window 1, first step, feature b
    values[2, 1, 1] = 1.0
    result = gradients.summarise_attribution(
        values, np.array([0, 0, 2]), ("a", "b"), np.array([1.0, 0.0]), "g"
    )
    np.testing.assert_allclose(result.mean_abs, [[0, 1 / 3], [2 / 3, 1 / 3]])
    np.testing.assert_allclose(result.feature_importance, [0.5, 0.5])
    np.testing.assert_allclose(result.temporal_importance, [0.25, 0.75])
    np.testing.assert_allclose(result.regime_temporal_importance[0], [1 / 3, 2 / 3])
    assert np.all(np.isnan(result.regime_temporal_importance[1]))
    np.testing.assert_allclose(result.window_norm, [2.0, 1.0, 1.0])
    assert result.ranking.tolist() == [0, 1]


def test_maxpool_routing_counts_by_hand():
    indices = np.array([[[1, 2]]])  # one window, one channel, pairs (0, 1) and (2, 3)
    routed = np.array([[[0.0, 0.3, -0.1, 0.0]]])
    conv2 = np.array([[[0.0, 0.3, 0.0, 0.0]]])  # a ReLU zero blocks step 2
    result = gradients.maxpool_routing_counts(indices, routed, conv2, np.ones((1, 4, 2)))
    assert (result.selected, result.mismatched, result.nonzero_conv2) == (2, 0, 1)
    assert result.selected_fraction == 0.5
    leaked_grad = np.array([[[0.1, 0.3, -0.1, 0.2]]])  # the unselected steps 0 and 3 receive gradient too
    leaked = gradients.maxpool_routing_counts(indices, leaked_grad, routed, np.zeros((1, 4, 2)))
    assert leaked.mismatched == 2
    assert leaked.zero_gradient_windows.tolist() == [0]


def test_gradient_flow_norms_by_hand():
    grads = {name: np.full((2, 4), 1.0) for name in gradients.FLOW_POINTS}
    grads["input"] = np.full((2, 4), 3.0)
    flow = gradients.gradient_flow_norms(grads)
    np.testing.assert_allclose(flow.norms, [6.0, 2, 2])
    np.testing.assert_allclose(flow.ratios, [3.0, 1])
    assert flow.ratio_names == ("input/act1", "act1/act2")


@pytest.fixture(scope="module")
def small_study(small_dataset):
    torch.manual_seed(0)
    model = CNNLSTMForecaster(small_dataset.n_features, small_dataset.horizon_steps).eval()
    return Study(model, small_dataset)


def test_b_items_end_to_end(small_study):
    """Every B item computes JSON-able metrics, draws a PNG and writes parseable tables on a small study."""
    for item in catalog.ITEMS:
        assert to_jsonable(item.metrics(small_study))
        assert png_bytes(item.draw(small_study)).startswith(b"\x89PNG")
        for name, text in (item.tables(small_study) if item.tables else {}).items():
            frame = pd.read_csv(io.StringIO(text))
            assert name.startswith(item.id) and abs(frame["importance"].sum() - 1.0) < 1e-4


def test_b5_and_b6_invariants_hold_for_a_random_model(small_study):
    """Routing is structural and gradient flow a sanity property: both hold for untrained weights."""
    assert catalog.maxpool_routing(small_study).passed
    assert catalog.gradient_reaches_input(small_study).passed


def test_b_study_runs_one_backward_and_one_guided_pass(small_study, monkeypatch):
    """Once the study's passes exist, no B analysis, metric or figure runs the model (B4's trace aside)."""
    small_study.capture, small_study.guided  # noqa: B018 - force the two passes
    monkeypatch.setattr(CNNLSTMForecaster, "forward", _no_pass)
    for item in catalog.ITEMS:
        item.metrics(small_study)
        item.draw(small_study)


def _no_pass(*args, **kwargs):
    raise AssertionError("a B analysis ran the model again")


def test_decoy_check_is_skipped_on_user_data(small_study):
    import dataclasses

    user = Study(small_study.model, dataclasses.replace(small_study.dataset, source="/data/room.csv"))
    with pytest.raises(InvariantSkipped, match="embedded"):
        catalog.decoy_below_null(user)


def test_flow_ratios_name_the_blocking_stage():
    flow = gradients.gradient_flow_norms(
        {name: np.ones((2, 3)) for name in gradients.FLOW_POINTS} | {"act1": np.zeros((2, 3))}
    )
    assert dict(zip(flow.ratio_names, flow.ratios, strict=True))["input/act1"] == np.inf
