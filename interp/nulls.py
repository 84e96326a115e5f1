"""Null models: the architecture under study with nothing learned in it.

An invariant about learned behaviour must fail on models that learned nothing (DESIGN §6, null-model
discipline). Two kinds of null are built from the model under study, never changing it:

- :func:`random_init`: the same modules re-initialised with PyTorch's default initialisation
  (``reset_parameters``; BatchNorm running statistics reset), seeded;
- :func:`permuted`: the trained weights shuffled within each tensor, seeded: the same weight distribution per
  tensor, none of the learned structure.

Invariants whose threshold is "better than the same architecture at random initialisation" read
:func:`null_studies`: :data:`GATE_SEEDS` random initialisations of the model under study, on its data, cached
on the study. The meta-test (``tests/test_null_models.py``) draws its nulls from other seeds
(:data:`META_SEEDS`), so a null never meets itself as the reference.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

import numpy as np
import torch
from torch import nn

from interp.study import Study, cached

GATE_SEEDS: tuple[int, ...] = (0, 1, 2, 3, 4)
"""Seeds of the random initialisations the gate compares learned scores against."""

META_SEEDS: tuple[int, ...] = (100, 101, 102, 103, 104)
"""Seeds of the null models the meta-test feeds every learned invariant (disjoint from GATE_SEEDS)."""


def random_init(model: nn.Module, seed: int) -> nn.Module:
    """A deep copy of ``model`` with every submodule re-initialised by its own ``reset_parameters``, in eval mode.

    Submodules are reset in registration order after ``torch.manual_seed(seed)``, so the null is the same for
    the same model and seed. BatchNorm running statistics are reset to mean 0, variance 1 (an untrained layer).
    """
    null = copy.deepcopy(model)
    generator_state = torch.random.get_rng_state()
    try:
        torch.manual_seed(seed)
        for module in null.modules():
            if module is not null and hasattr(module, "reset_parameters"):
                module.reset_parameters()
            if isinstance(module, nn.modules.batchnorm._NormBase):
                module.reset_running_stats()
    finally:
        torch.random.set_rng_state(generator_state)
    return null.eval()


def permuted(model: nn.Module, seed: int) -> nn.Module:
    """A deep copy of ``model`` whose every parameter and buffer of floats is shuffled within its own tensor.

    BatchNorm running statistics are shuffled too (they are part of what was learned).
    """
    null = copy.deepcopy(model)
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for tensor in (*null.parameters(), *null.buffers()):
            if not tensor.is_floating_point() or tensor.numel() < 2:
                continue
            flat = tensor.detach().flatten()
            order = torch.randperm(flat.numel(), generator=generator).to(flat.device)
            tensor.copy_(flat[order].reshape(tensor.shape))
    return null.eval()


NULL_KINDS: dict[str, Callable[[nn.Module, int], nn.Module]] = {
    "random-init": random_init,
    "permuted": permuted,
}
"""The null-model kinds of the meta-test, by name."""


def null_study(study: Study, model: nn.Module) -> Study:
    """A Study of ``model`` (a null of ``study``'s model) on ``study``'s data and settings.

    Its own reference nulls are ``study``'s (:func:`null_studies`): a null has the same architecture and data,
    so they are the same models, computed once.
    """
    return Study(model, study.dataset, study.horizon_hours, config=study.config, nulls_from=study)


@cached
def null_studies(study: Study) -> tuple[Study, ...]:
    """Studies of :data:`GATE_SEEDS` random initialisations of the model under study, on its data."""
    if study.nulls_from is not None:
        return null_studies(study.nulls_from)
    return tuple(null_study(study, random_init(study.model, seed)) for seed in GATE_SEEDS)


def null_values(study: Study, score: Callable[[Study], float]) -> np.ndarray:
    """``score`` of each of :func:`null_studies`, float64."""
    return np.array([score(null) for null in null_studies(study)], dtype=np.float64)
