"""Negative tests: every structural and sanity invariant fails on the breakage it guards against.

Each case breaks a deep copy of the suite's own reference model (never the model under test), runs one
invariant and asserts that it fails, and which way. Learned invariants are proven on null models in
``tests/test_null_models.py``; some also have a targeted breakage here. ``test_every_invariant_has_a_negative_test``
keeps this table complete.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import NamedTuple

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from interp import catalog
from interp.config import DECOY_FEATURE
from interp.gate.outcome import run_invariant
from interp.study import Study
from interp.testing.breakage import (
    broken,
    dead_channels,
    exploded,
    functional_relus,
    replaced,
    scaled,
    zeroed,
)


class LeakyMaxPool(nn.MaxPool1d):
    """A MaxPool1d that also passes on 10 % of each window's mean, so unselected positions get gradient."""

    def forward(self, x: torch.Tensor):
        values, indices = F.max_pool1d(x, self.kernel_size, self.stride, return_indices=True)
        values = values + 0.1 * F.avg_pool1d(x, self.kernel_size, self.stride)
        return (values, indices) if self.return_indices else values


def zeroed_outer_taps(model: nn.Module) -> nn.Module:
    """Zero conv1's first and last taps: the analytic field stays 11, the input gradient spans only 9."""
    with torch.no_grad():
        model.conv1.weight[:, :, [0, -1]] = 0.0
    return model


def amplified_decoy(model: nn.Module) -> nn.Module:
    """Multiply every layer-1 weight reading the decoy by 1000 (feature 6 of the embedded data)."""
    with torch.no_grad():
        model.conv1.weight[:, 6] *= 1000.0
    return model


def offset_forecast(model: nn.Module) -> nn.Module:
    """Shift every forecast by 10 model units (standard deviations of CO2)."""
    with torch.no_grad():
        model.head[-1].bias.add_(10.0)
    return model


def shuffled_head(model: nn.Module) -> nn.Module:
    """Permute every weight and bias of the forecast head (seeded)."""
    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for param in model.head.parameters():
            flat = param.view(-1)
            flat.copy_(flat[torch.randperm(flat.numel(), generator=generator)])
    return model


class Case(NamedTuple):
    """One negative test: ``item``'s invariant ``name`` must fail (``direction``) on ``breakage``."""

    item: str
    name: str
    breakage: str
    mutate: Callable[[nn.Module], nn.Module]
    direction: str
    hours: int = 24


CASES: tuple[Case, ...] = (
    Case("A2", "dormant-filters", "half of layer 1 dead", dead_channels("bn1", 16), "too high"),
    Case("A4", "activations-nonnegative", "relu1 bypassed", replaced("relu1", nn.Identity()), "too low"),
    Case("A4", "activations-nonnegative", "relu2 bypassed", replaced("relu2", nn.Identity()), "too low"),
    Case("A6", "finite-statistics", "conv1 bias exploded", exploded("conv1.bias"), "differs"),
    Case("A7", "responds-to-co2-level", "conv1 blind to the input", scaled("conv1.weight", 0.0), "too low"),
    Case("A8", "receptive-field", "conv1 outer taps zeroed", zeroed_outer_taps, "differs"),
    Case("B1", "finite-nonzero-gradient", "conv1 zeroed", scaled("conv1.weight", 0.0), "differs"),
    Case("B1", "finite-nonzero-gradient", "LSTM diverged", exploded("lstm.weight_hh_l1"), "differs"),
    Case("B2", "decoy-below-null", f"layer 1 amplifies '{DECOY_FEATURE}'", amplified_decoy, "too high"),
    Case(
        "B2", "decoy-below-null", f"layer 1 amplifies '{DECOY_FEATURE}' (1 h)", amplified_decoy, "too high", 1
    ),
    Case(
        "B4",
        "guided-differs",
        "every ReLU functional",
        functional_relus("relu1", "relu2", "head.1"),
        "too low",
    ),
    Case(
        "B4", "relus-pass-nonnegative", "conv ReLUs functional", functional_relus("relu1", "relu2"), "differs"
    ),
    Case("B5", "maxpool-routing", "overlapping pool", replaced("pool", nn.MaxPool1d(2, stride=1)), "differs"),
    Case("B5", "maxpool-routing", "leaking pool", replaced("pool", LeakyMaxPool(2)), "differs"),
    Case("B6", "gradient-reaches-input", "conv2 zeroed", scaled("conv2.weight", 0.0), "differs"),
    Case("C1", "cnn-features-vary", "conv2 dead", zeroed("conv2."), "too low"),
    Case("C1", "cnn-features-vary", "conv2 bias exploded", exploded("conv2.bias"), "not finite"),
    Case("C3", "hidden-state-varies", "LSTM dead", zeroed("lstm."), "too low"),
    Case("C3", "hidden-state-varies", "LSTM diverged", exploded("lstm.weight_hh_l1"), "not finite"),
    Case(
        "E2",
        "selections-in-own-window",
        "pool of stride 1",
        replaced("pool", nn.MaxPool1d(2, stride=1)),
        "differs",
    ),
    Case(
        "E2",
        "selections-in-own-window",
        "overlapping pool windows",
        replaced("pool", nn.MaxPool1d(4, stride=2, padding=1)),
        "differs",
    ),
    Case("E4", "finite-forecast", "conv1 bias exploded", exploded("conv1.bias"), "differs"),
    Case("E5", "skill-over-climatology", "head weights shuffled", shuffled_head, "too low"),
    Case("E5", "skill-over-climatology", "head weights shuffled (1 h)", shuffled_head, "too low", 1),
)


@pytest.mark.parametrize("case", CASES, ids=[f"{c.item}-{c.name}-h{c.hours}-{c.breakage}" for c in CASES])
def test_invariant_fails_on_its_breakage(case, reference_study):
    item = catalog.item(case.item)
    (invariant,) = [i for i in item.invariants if i.name == case.name]
    outcome = run_invariant(invariant, case.item, broken(reference_study(case.hours), case.mutate))
    assert outcome.status == "failed", outcome.line()
    assert outcome.direction == case.direction, outcome.line()


def test_e8_fails_when_the_1h_model_is_worse_than_the_24h_model(reference_study):
    (invariant,) = catalog.cross_item("E8").invariants
    outcome = run_invariant(invariant, "E8", broken(reference_study(1), offset_forecast), reference_study(24))
    assert outcome.status == "failed" and outcome.direction == "too low", outcome.line()


def user_data(study: Study, **changes) -> Study:
    """The reference model on its own windows presented as a user's CSV (no planted decoy or daily cycle)."""
    dataset = dataclasses.replace(study.dataset, source="/data/room.csv", **changes)
    return Study(study.model, dataset, study.horizon_hours)


@pytest.mark.parametrize(
    ("item_id", "name", "reason"),
    [
        ("B2", "decoy-below-null", "embedded data"),
    ],
)
def test_embedded_data_invariants_skip_on_user_data_with_a_reason(reference_study, item_id, name, reason):
    (invariant,) = [i for i in catalog.item(item_id).invariants if i.name == name]
    outcome = run_invariant(invariant, item_id, user_data(reference_study(24)))
    assert outcome.status == "skipped" and reason in outcome.message


def test_a7_skips_with_a_reason_without_high_windows(reference_study):
    study = reference_study(24)
    study = Study(
        study.model,
        dataclasses.replace(study.dataset, test_regimes=np.minimum(study.dataset.test_regimes, 1)),
    )
    (invariant,) = catalog.item("A7").invariants
    outcome = run_invariant(invariant, "A7", study)
    assert outcome.status == "skipped" and "0 High windows" in outcome.message


def test_every_invariant_has_a_negative_test():
    """Structural and sanity invariants need a breakage here; learned ones are also proven on null models."""
    covered = {(c.item, c.name) for c in CASES} | {("E8", "error-grows-with-horizon")}
    declared = {
        (item.id, inv.name): inv.kind
        for item in (*catalog.items(), *catalog.cross_items())
        for inv in item.invariants
    }
    missing = sorted(key for key, kind in declared.items() if key not in covered)
    assert not missing, f"invariants without a negative test: {missing}"
