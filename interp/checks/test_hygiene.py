"""Hygiene: the study leaves the model as it found it (DESIGN §5), and the guards that say so can fail."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from interp import catalog
from interp.errors import InvariantError
from interp.gate.outcome import run_invariant
from interp.hooks import CNNLSTMHookManager, ModelState, find_layers, model_unchanged


def test_study_leaves_model_unchanged(study, suite):
    """After every analysis and check of the study: no hook on any module, same state_dict, eval mode,
    return_indices."""
    for item in catalog.items():
        item.metrics(study)
        for invariant in item.invariants:
            run_invariant(invariant, item.id, study)
    assert suite.loaded_state(study.tag).differences(study.model) == []
    assert not study.model.training


def test_model_unchanged_detects_a_mutation(broken_study):
    study = broken_study(lambda m: m)
    with pytest.raises(InvariantError, match="state_dict"):
        with model_unchanged(study.model):
            with torch.no_grad():
                find_layers(study.model).conv1.weight.mul_(2.0)


def test_model_unchanged_detects_a_surviving_hook(broken_study):
    study = broken_study(lambda m: m)
    with pytest.raises(InvariantError, match="hook"):
        with model_unchanged(study.model):
            find_layers(study.model).lstm.register_forward_hook(lambda *args: None)


def test_model_unchanged_restores_mode_when_the_analysis_raises(broken_study):
    model = broken_study(lambda m: m).model.train()
    with pytest.raises(RuntimeError, match="boom"):
        with model_unchanged(model):
            raise RuntimeError("boom")
    assert model.training


def test_hook_manager_removes_hooks_when_the_forward_raises(broken_study):
    model = broken_study(lambda m: m).model
    before = ModelState.of(model)
    with pytest.raises(RuntimeError):
        with CNNLSTMHookManager(model):
            model(
                torch.zeros(2, 24, find_layers(model).conv1.in_channels + 1)
            )  # wrong feature count: conv1 raises
    assert before.differences(model) == []


def test_hook_manager_requires_the_studied_layers():
    with pytest.raises(Exception, match="Conv1d"):
        CNNLSTMHookManager(nn.Sequential(nn.Linear(3, 3)))
