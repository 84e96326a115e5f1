"""The regression zoo: healthy retrains the gate must pass and broken models it must fail, with reasons.

Every variant is built from the accepted baseline's recipe (its checkpoint's training config and the embedded
data), at one horizon, as a :class:`~interp.study.Study` ready for the gate's tiers 1 and 2:

- **healthy** retrains that are *not* in the calibration ensemble (:data:`interp.gate.calibration.ENSEMBLE`):
  other training seeds, another data seed, more days with another seed, longer training with more patience;
- **regressions**, of kinds the gate must catch: models that learned nothing (random initialisation, weights
  permuted within each tensor), an undertrained model (1 epoch), inputs fed in the wrong column order, a CO2
  sensor in other units, half of layer 1 dead, BatchNorm statistics lost, LSTM states scrambled across windows,
  a model trained on time-shuffled targets, and one trained with the future leaking through the decoy.

:func:`gate_outcomes` runs every invariant and drift measure of the catalog on a variant, exactly as
``pytest checks`` does; ``tests/test_discrimination.py`` asserts the verdicts.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from interp import catalog
from interp.config import DECOY_FEATURE, DataConfig, TrainConfig
from interp.data.windows import Dataset, embedded_dataset
from interp.gate.drift import Calibration, run_drift
from interp.gate.outcome import CheckOutcome, run_invariant
from interp.models.checkpoint import load_checkpoint
from interp.nulls import permuted, random_init
from interp.study import Study
from interp.suite import baseline_study, checkpoint_name, load_study
from interp.testing.breakage import dead_channels, shuffling_lstm
from interp.training import train

ZOO_SEED = 7
"""Seed of the zoo's null models (outside the gate's and the meta-test's null seeds)."""


class InputTransform(nn.Module):
    """Wrap a forecaster so it sees its input through ``transform`` (a plumbing bug before the model)."""

    def __init__(self, model: nn.Module, transform: Callable[[torch.Tensor], torch.Tensor]) -> None:
        super().__init__()
        self.model = model
        self.transform = transform

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(self.transform(x))


def reversed_columns(model: nn.Module) -> nn.Module:
    """The features fed in reverse column order (a CSV whose columns were reordered)."""
    return InputTransform(model, lambda x: x.flip(-1))


def co2_in_other_units(model: nn.Module) -> nn.Module:
    """The CO2 input (column 0) doubled around its mean: a sensor reporting in other units or miscalibrated."""
    return InputTransform(model, lambda x: torch.cat([2.0 * x[..., :1], x[..., 1:]], dim=-1))


def batchnorm_statistics_lost(model: nn.Module) -> nn.Module:
    """Every BatchNorm's running statistics reset to mean 0, variance 1 (exported without its buffers)."""
    for module in model.modules():
        if isinstance(module, nn.modules.batchnorm._NormBase):
            module.reset_running_stats()
    return model


def shuffled_targets(dataset: Dataset, seed: int) -> Dataset:
    """Training and validation targets shuffled across windows: the model is fitted to noise labels."""
    generator = torch.Generator().manual_seed(seed)

    def shuffle(part):
        return dataclasses.replace(part, y=part.y[torch.randperm(len(part.y), generator=generator)])

    return dataclasses.replace(dataset, train=shuffle(dataset.train), val=shuffle(dataset.val))


def leaking_decoy(dataset: Dataset, seed: int) -> Dataset:
    """Training and validation inputs whose decoy carries the future target (plus 10 % noise) at every step.

    The model learns to read the decoy; on the clean test windows the decoy carries nothing again.
    """
    decoy = dataset.feature_names.index(DECOY_FEATURE)
    generator = torch.Generator().manual_seed(seed)

    def leak(part):
        x = part.x.clone()
        future = part.y[:, -1:].expand(-1, x.shape[1])
        x[:, :, decoy] = future + 0.1 * torch.randn(future.shape, generator=generator)
        return dataclasses.replace(part, x=x)

    return dataclasses.replace(dataset, train=leak(dataset.train), val=leak(dataset.val))


@dataclass(frozen=True)
class Variant:
    """One model of the zoo.

    Attributes
    ----------
    name : str
    healthy : bool
        True: tiers 1 and 2 must pass; False: at least one named check must fail.
    description : str
    train : TrainConfig fields to change from the baseline recipe, or None (a mutation of the baseline).
    data : DataConfig fields to change (a healthy data variation).
    mutate : callable, optional
        ``mutate(model) -> model`` applied to a copy of the baseline model.
    corrupt : callable, optional
        ``corrupt(dataset, seed) -> dataset`` applied to the training data before training.
    """

    name: str
    healthy: bool
    description: str
    train: dict | None = None
    data: dict | None = None
    mutate: Callable[[nn.Module], nn.Module] | None = None
    corrupt: Callable[[Dataset, int], Dataset] | None = None


VARIANTS: tuple[Variant, ...] = (
    Variant("seed7", True, "training seed 7", train={"seed": 7}),
    Variant("seed8", True, "training seed 8", train={"seed": 8}),
    Variant(
        "data-seed2", True, "another draw of the embedded room (data seed 2)", train={}, data={"seed": 2}
    ),
    Variant(
        "days300-seed9",
        True,
        "300 days of data instead of 180, training seed 9",
        train={"seed": 9},
        data={"days": 300},
    ),
    Variant(
        "patient",
        True,
        "60 epochs with patience 12 instead of 30 and 6",
        train={"epochs": 60, "patience": 12},
    ),
    Variant(
        "random-init",
        False,
        "the architecture at random initialisation",
        mutate=lambda m: random_init(m, ZOO_SEED),
    ),
    Variant(
        "permuted-weights",
        False,
        "trained weights shuffled within each tensor",
        mutate=lambda m: permuted(m, ZOO_SEED),
    ),
    Variant("undertrained", False, "one epoch of training", train={"epochs": 1}),
    Variant("wrong-column-order", False, "features fed in reverse column order", mutate=reversed_columns),
    Variant("co2-other-units", False, "the CO2 input doubled around its mean", mutate=co2_in_other_units),
    Variant(
        "half-conv1-dead", False, "16 of 32 layer-1 channels dead after BN", mutate=dead_channels("bn1", 16)
    ),
    Variant("batchnorm-lost", False, "BatchNorm running statistics reset", mutate=batchnorm_statistics_lost),
    Variant("states-scrambled", False, "LSTM states belong to other windows", mutate=shuffling_lstm),
    Variant(
        "shuffled-targets",
        False,
        "trained on targets shuffled across windows",
        train={},
        corrupt=shuffled_targets,
    ),
    Variant(
        "leaking-decoy",
        False,
        "trained with the future target leaking through the decoy",
        train={},
        corrupt=leaking_decoy,
    ),
)
"""The zoo, healthy variants first."""


def variant(name: str) -> Variant:
    for v in VARIANTS:
        if v.name == name:
            return v
    raise KeyError(f"No zoo variant {name!r}; known: {', '.join(v.name for v in VARIANTS)}.")


def build(v: Variant, horizon: int, baselines: Path) -> Study:
    """The variant's Study at one horizon, on its own data's test windows (the embedded room)."""
    path = baselines / "checkpoints" / checkpoint_name("cnn_lstm", horizon)
    if v.train is None:
        reference = load_study(_sources(baselines), horizon)
        model = v.mutate(reference.model) if v.mutate else reference.model
        return Study(model.eval(), reference.dataset, horizon, config=reference.config)
    _, meta = load_checkpoint(path)
    data_fields = {
        k: v for k, v in meta.data.items() if k in {f.name for f in dataclasses.fields(DataConfig)}
    }
    data_config = DataConfig(
        **{**_lists_to_tuples(data_fields), **(v.data or {}), "lookback_hours": meta.lookback_hours}
    )
    train_fields = {
        k: x for k, x in meta.training.items() if k in {f.name for f in dataclasses.fields(TrainConfig)}
    }
    train_config = TrainConfig(**{**train_fields, **v.train})
    dataset = embedded_dataset(horizon, **dataclasses.asdict(data_config))
    fitted = v.corrupt(dataset, train_config.seed) if v.corrupt else dataset
    model = train("cnn_lstm", fitted, train_config, quiet=True).model
    return Study(model, dataset, horizon)


def _lists_to_tuples(fields: dict) -> dict:
    return {k: tuple(x) if isinstance(x, list) else x for k, x in fields.items()}


def _sources(baselines: Path):
    from interp.suite import Sources

    return Sources(checkpoint_dir=baselines / "checkpoints")


def gate_outcomes(study: Study, baselines: Path, calibration: Calibration | None) -> list[CheckOutcome]:
    """Tiers 1 and 2 of the gate on one study: every invariant and every drift measure of the catalog."""
    baseline = baseline_study(study, baselines / "checkpoints", _sources(baselines))
    outcomes = [run_invariant(inv, item, study) for item in catalog.items() for inv in item.invariants]
    outcomes += [
        run_drift(d, item, study, baseline, calibration) for item in catalog.items() for d in item.drift
    ]
    return outcomes


def cross_outcomes(study_1h: Study, study_24h: Study) -> list[CheckOutcome]:
    """The cross-horizon invariants (E8) of a variant's two studies."""
    return [
        run_invariant(inv, item, study_1h, study_24h)
        for item in catalog.cross_items()
        for inv in item.invariants
    ]


def failed_checks(outcomes: list[CheckOutcome]) -> list[str]:
    """``"h24 E5 skill-over-climatology [invariant]"``-style names of the failed checks."""
    return [f"{o.horizon} {o.item} {o.name} [{o.tier}]" for o in outcomes if o.status == "failed"]


def describe(outcomes: list[CheckOutcome]) -> dict[str, float]:
    """Every numeric value of the outcomes, by id (for the note's table)."""
    return {o.id: float(o.value) for o in outcomes if o.value is not None and np.isfinite(o.value)}
