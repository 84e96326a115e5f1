"""Deliberately broken models for the negative tests: each invariant must fail on one of these.

Every factory returns ``mutate(model) -> model`` for the ``broken_study`` fixture, which applies it to a deep
copy of the reference model (the reference itself is never touched).
"""

from __future__ import annotations

import copy
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

from interp.study import Study

Mutation = Callable[[nn.Module], nn.Module]


def replaced(name: str, module: nn.Module) -> Mutation:
    """Replace the submodule at dotted path ``name`` (``"relu2"``, ``"head.1"``, ``"pool"``) by ``module``."""

    def mutate(model: nn.Module) -> nn.Module:
        parent, _, child = name.rpartition(".")
        setattr(model.get_submodule(parent), child, module)
        return model

    return mutate


def zeroed(*prefixes: str) -> Mutation:
    """Set every parameter whose name starts with one of ``prefixes`` (``"lstm"``, ``"conv1.weight"``) to 0."""

    def mutate(model: nn.Module) -> nn.Module:
        with torch.no_grad():
            for name, parameter in model.named_parameters():
                if name.startswith(prefixes):
                    parameter.zero_()
        return model

    return mutate


def exploded(name: str) -> Mutation:
    """Fill the parameter ``name`` with +inf, as after a diverged update.

    inf rather than NaN keeps the failure about the invariant: downstream values still become inf or NaN
    (``inf · 0``, ``inf − inf``).
    """

    def mutate(model: nn.Module) -> nn.Module:
        with torch.no_grad():
            model.get_parameter(name).fill_(float("inf"))
        return model

    return mutate


def scaled(name: str, factor: float, index: tuple = ()) -> Mutation:
    """Multiply the parameter ``name`` (or its slice ``index``) by ``factor``."""

    def mutate(model: nn.Module) -> nn.Module:
        with torch.no_grad():
            model.get_parameter(name)[index] *= factor
        return model

    return mutate


class FunctionalReLU(nn.Module):
    """Calls ``F.relu``: the same forward pass as ``nn.ReLU``, but guided-backprop hooks cannot reach it."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(x)


def functional_relus(*names: str) -> Mutation:
    """Replace the named ``nn.ReLU`` modules (dotted paths) by :class:`FunctionalReLU`."""

    def mutate(model: nn.Module) -> nn.Module:
        for name in names:
            replaced(name, FunctionalReLU())(model)
        return model

    return mutate


class WindowShufflingLSTM(nn.LSTM):
    """Runs on the batch's windows in a seeded random order: ``h_n`` of window i belongs to another window."""

    def forward(self, x, hx=None):
        order = torch.randperm(x.shape[0], generator=torch.Generator().manual_seed(0))
        return super().forward(x[order], hx)


def shuffling_lstm(model: nn.Module) -> nn.Module:
    """Swap the model's LSTM for a :class:`WindowShufflingLSTM` with the same weights."""
    lstm = model.lstm
    shuffled = WindowShufflingLSTM(lstm.input_size, lstm.hidden_size, lstm.num_layers, batch_first=True)
    shuffled.load_state_dict(lstm.state_dict())
    model.lstm = shuffled
    return model


def dead_channels(bn: str, count: int) -> Mutation:
    """Kill the first ``count`` channels of a conv block: BatchNorm ``bn``'s shift set to −10⁴, so the ReLU
    after it outputs exact zeros for every input (dead units, as after a diverged update)."""

    def mutate(model: nn.Module) -> nn.Module:
        with torch.no_grad():
            model.get_submodule(bn).bias[:count] = -1e4
        return model

    return mutate


def same_architecture(a: nn.Module, b: nn.Module) -> bool:
    """Whether two models have the same module types and the same parameter and buffer shapes, in order."""
    modules = [(n, type(m)) for n, m in a.named_modules()] == [(n, type(m)) for n, m in b.named_modules()]
    shapes = [(k, tuple(v.shape)) for k, v in a.state_dict().items()] == [
        (k, tuple(v.shape)) for k, v in b.state_dict().items()
    ]
    return modules and shapes


def broken(reference: Study, mutate: Mutation) -> Study:
    """A Study of ``mutate`` applied to a deep copy of ``reference``'s model, on the same data.

    When the mutation keeps the architecture, the broken study shares ``reference``'s null models
    (:func:`interp.nulls.null_studies`): random initialisations of the same architecture are the same models.
    """
    model = mutate(copy.deepcopy(reference.model)).eval()
    return Study(
        model,
        reference.dataset,
        reference.horizon_hours,
        comparison_model=reference.comparison_model,
        config=reference.config,
        nulls_from=reference if same_architecture(model, reference.model) else None,
    )
