"""Section B conventions: layer gradients that do not depend on a conv layer's weight scale (B5, B6), a B5
colour scale that shows every panel, and one window-time axis (0 = last input step, negative = earlier) in the
B1, B3, B4 and B5 figures and metrics."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch

from interp.analyses import gradients
from interp.catalog import gradients as catalog
from interp.models import CNNLSTMForecaster
from interp.plots import gradients as plots
from interp.study import Study


def _with_random_batchnorm(model: torch.nn.Module, seed: int) -> torch.nn.Module:
    """``model`` with BN running statistics and affine parameters drawn at random (away from 0/1 defaults)."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for bn in (model.bn1, model.bn2):
            size = bn.num_features
            bn.running_mean.copy_(torch.randn(size, generator=generator) * 0.3)
            bn.running_var.copy_(torch.rand(size, generator=generator) + 0.5)
            bn.weight.copy_(torch.rand(size, generator=generator) + 0.5)
            bn.bias.copy_(torch.randn(size, generator=generator) * 0.2)
    return model


def _rescaled(model: torch.nn.Module, layer: str, c: float) -> torch.nn.Module:
    """A copy computing the same function: conv ``layer``'s weight and bias times ``c``, folded into its BN.

    BN (eval) computes ``γ (z − μ) / √(σ² + ε) + β``; with ``z → c z``, ``μ → c μ`` and
    ``σ² → c² (σ² + ε) − ε`` every term is unchanged.
    """
    copied = copy.deepcopy(model)
    conv, bn = getattr(copied, f"conv{layer}"), getattr(copied, f"bn{layer}")
    with torch.no_grad():
        conv.weight.mul_(c)
        conv.bias.mul_(c)
        bn.running_mean.mul_(c)
        bn.running_var.copy_(c**2 * (bn.running_var + bn.eps) - bn.eps)
    return copied


def _assert_same_metrics(ours, theirs, path=""):
    if isinstance(ours, dict):
        assert ours.keys() == theirs.keys(), path
        for key in ours:
            _assert_same_metrics(ours[key], theirs[key], f"{path}.{key}")
    elif isinstance(ours, list) and all(isinstance(v, int) for v in ours):
        assert ours == theirs, path
    else:
        np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-9, err_msg=path)


@pytest.fixture(scope="module")
def trained_looking_model(small_dataset):
    torch.manual_seed(3)
    model = CNNLSTMForecaster(small_dataset.n_features, small_dataset.horizon_steps).eval()
    return _with_random_batchnorm(model, seed=3)


@pytest.mark.parametrize(("layer", "c"), [("1", 0.1), ("1", 10.0), ("2", 0.1), ("2", 10.0)])
def test_b5_b6_metrics_do_not_move_when_a_conv_layer_is_rescaled_into_its_batchnorm(
    small_dataset, trained_looking_model, layer, c
):
    plain = Study(trained_looking_model, small_dataset)
    rescaled = Study(_rescaled(trained_looking_model, layer, c), small_dataset)
    np.testing.assert_allclose(rescaled.capture.pred, plain.capture.pred, rtol=1e-4, atol=1e-5)
    _assert_same_metrics(catalog.b5_metrics(rescaled), catalog.b5_metrics(plain))
    _assert_same_metrics(catalog.b6_metrics(rescaled), catalog.b6_metrics(plain))


def test_b6_drops_the_pool_stage_whose_ratio_is_one_by_construction(small_dataset, trained_looking_model):
    flow = gradients.gradient_flow(Study(trained_looking_model, small_dataset))
    assert flow.ratio_names == ("input/act1", "act1/act2")
    assert np.all(np.isfinite(flow.ratios)) and np.all(flow.ratios > 0)


def test_b5_colour_scale_shows_every_panel_despite_an_outlier():
    """One cell 1000 times the rest must not leave its panel black: most cells get a visible colour."""
    rng = np.random.default_rng(0)
    act1 = rng.uniform(0.5, 1.0, size=(32, 24))
    act1[0, -1] = 1000.0
    result = gradients.LayerGradients(
        act1=act1,
        act2=rng.uniform(0.5, 1.0, size=(64, 24)),
        pooled=rng.uniform(0.5, 1.0, size=(64, 12)),
        time_hours=gradients.time_hours(24, 1.0),
    )
    fig = plots.layer_gradients(result)
    panels = [ax for ax in fig.axes if ax.images]
    colour_bars = [ax for ax in fig.axes if not ax.images]
    assert len(panels) == 3 and len(colour_bars) == 3
    for ax, values in zip(panels, (result.act1, result.act2, result.pooled), strict=True):
        image = ax.images[0]
        shown = np.asarray(image.norm(np.asarray(image.get_array())))
        assert np.median(shown) > 0.3, ax.get_title()
        assert image.norm.vmax == pytest.approx(np.percentile(values, plots.LAYER_PERCENTILE))
        assert "99th percentile" in ax.get_title()


@pytest.mark.parametrize("item_id", ["B1", "B3", "B4", "B5"])
def test_window_time_axes_put_the_last_input_step_at_zero_and_earlier_steps_left(
    small_dataset, trained_looking_model, item_id
):
    study = Study(trained_looking_model, small_dataset)
    (item,) = [i for i in catalog.ITEMS if i.id == item_id]
    axes = [ax for ax in item.draw(study).axes if ax.get_xlabel()]
    assert axes
    lookback_hours = small_dataset.lookback_steps / small_dataset.steps_per_hour
    for ax in axes:
        assert ax.get_xlabel() == plots.TIME_LABEL == "time relative to the last input step (h)"
        left, right = ax.get_xlim()
        assert left == pytest.approx(-lookback_hours + 0.5 / small_dataset.steps_per_hour)
        assert right == pytest.approx(0.5 / small_dataset.steps_per_hour)


def test_b1_b3_metrics_give_window_times_at_or_before_zero(small_dataset, trained_looking_model):
    study = Study(trained_looking_model, small_dataset)
    b1, b3 = catalog.b1_metrics(study), catalog.b3_metrics(study)
    assert b1["peak_time_hours"] <= 0
    assert b3["bin_time_hours"][-1] == 0.0 and all(np.diff(b3["bin_time_hours"]) > 0)
    assert b3["centroid_time_hours"] < 0
    assert all(t < 0 for t in b3["regime_centroid_time_hours"].values() if np.isfinite(t))
