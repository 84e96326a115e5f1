"""Section A analyses on whole models: BN-folded norms and dormancy (A2, A6), change from initialisation (A1,
A3), the one time-axis wording (A4, A5, A8)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from interp import catalog
from interp.analyses.activations import activation_stats
from interp.analyses.filters import (
    DORMANT_ZERO_SHARE,
    conv_weight,
    initial_model,
    layer1_filter_bank,
    layer1_filter_norms,
    layer2_filter_summary,
)
from interp.config import DataConfig, TrainConfig
from interp.models import CNNLSTMForecaster
from interp.plots.activations import TIME_LABEL
from interp.plots.style import draw_styled
from interp.suite import Sources, load_study, train_checkpoints
from interp.testing.breakage import broken, dead_channels

RESCALED = 20
"""Filters rescaled in the BN-compensation test."""


def rescaled_with_bn_compensating(factor: float):
    """Multiply conv1's weight and bias of the first :data:`RESCALED` filters by ``factor``, and bn1's running
    mean by ``factor`` and ``running_var + ε`` by ``factor²``: bn1's output, hence the model's function, is
    unchanged (up to float rounding)."""

    def mutate(model: nn.Module) -> nn.Module:
        with torch.no_grad():
            model.conv1.weight[:RESCALED] *= factor
            model.conv1.bias[:RESCALED] *= factor
            model.bn1.running_mean[:RESCALED] *= factor
            var = model.bn1.running_var[:RESCALED]
            var.copy_(factor**2 * (var + model.bn1.eps) - model.bn1.eps)  # var + ε scales by factor² exactly
        return model

    return mutate


@pytest.mark.parametrize("factor", [0.2, 10.0])
def test_a2_does_not_move_when_batchnorm_compensates_a_rescaling(reference_study, factor):
    reference = reference_study(1)
    study = broken(reference, rescaled_with_bn_compensating(factor))
    np.testing.assert_allclose(study.capture.pred, reference.capture.pred, rtol=1e-5, atol=1e-6)
    before, after = layer1_filter_norms(reference), layer1_filter_norms(study)
    np.testing.assert_allclose(after.norms, before.norms, rtol=1e-5)
    np.testing.assert_allclose(after.zero_share, before.zero_share, atol=1e-3)
    np.testing.assert_array_equal(after.dormant, before.dormant)


def test_a2_and_a6_agree_on_dormancy(reference_study):
    study = broken(reference_study(24), dead_channels("bn1", 16))
    a2, a6 = layer1_filter_norms(study), activation_stats(study).layer1
    np.testing.assert_array_equal(a2.zero_share, a6.sparsity)
    np.testing.assert_array_equal(a2.dormant, a6.sparsity >= DORMANT_ZERO_SHARE)
    assert np.flatnonzero(a2.dormant).tolist() == list(range(16))


def test_rebuilt_initialisation_is_the_one_training_started_from(tmp_path):
    """A 0-epoch training saves its initial weights: A1 and A3 must find no change at all."""
    (path,) = train_checkpoints(
        tmp_path,
        (1,),
        ("cnn_lstm",),
        data_config=DataConfig(days=40),
        train_config=TrainConfig(epochs=0, seed=5),
        quiet=True,
    )
    study = load_study(Sources(checkpoint=path), 1)
    for change in (layer1_filter_bank(study).change, layer2_filter_summary(study).change):
        assert change.available
        assert (change.correlation, change.relative_change) == pytest.approx((1.0, 0.0), abs=1e-12)


def test_one_epoch_of_training_is_measured_from_its_own_seed(quick_checkpoint):
    study = load_study(Sources(checkpoint=quick_checkpoint), 1)
    change = layer1_filter_bank(study).change
    seed = study.checkpoint.training["seed"]
    other = initial_model(CNNLSTMForecaster, study.checkpoint.model_kwargs, seed + 1)
    trained = conv_weight(study.model.conv1).ravel()
    unrelated = np.corrcoef(trained, conv_weight(other.conv1).ravel())[0, 1]
    assert 0.0 < change.relative_change < 1.0
    assert change.correlation > 0.5 > abs(unrelated)


def test_change_from_init_is_none_with_a_reason_without_a_checkpoint(reference_study):
    study = broken(reference_study(1), lambda model: model)  # a Study without checkpoint metadata
    metrics = catalog.item("A1").metrics(study)
    assert metrics["change_from_init"] is None and "no checkpoint" in metrics["change_from_init_unknown"]
    assert catalog.item("A3").metrics(study)["change_from_init"] is None


def test_section_a_time_axes_use_one_wording(reference_study):
    study = reference_study(1)
    labels = {
        item.id: [ax.get_xlabel() for ax in draw_styled(item.draw, study).axes]
        for item in catalog.items()
        if item.id.startswith("A")
    }
    for plan_id in ("A4", "A5", "A8"):
        assert TIME_LABEL in labels[plan_id], plan_id
    assert not [label for texts in labels.values() for label in texts if "hours before" in label]


def test_a6_table_lists_every_filter_of_both_blocks(reference_study):
    study = reference_study(24)
    ((name, text),) = catalog.item("A6").tables(study).items()
    lines = text.splitlines()
    assert name == "A6_activation_stats.csv" and lines[0] == "layer,filter,mean,sparsity,max"
    assert len(lines) == 1 + study.capture.act1.mean.size + study.capture.act2.mean.size
