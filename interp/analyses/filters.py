"""Section A1–A3: the learned convolution filters.

A1 shows each layer-1 filter as a (features × 7 taps) pattern in the raw input space, A2 ranks the layer-1
filters by the L2 norm of their BatchNorm-folded weights and marks the dormant ones (those that almost never
fire on the evaluation set), A3 collapses the layer-2 filters (64 × 32 × 5) over the kernel into a 64 × 32 map
of norms (filter visualisation as in Zeiler & Fergus, arXiv:1311.2901). The Conv1d layers are found by type
(:func:`interp.hooks.find_layers`).

A1 and A3 also say how far training moved the weights from their initialisation, rebuilt from the checkpoint's
training seed exactly as :func:`interp.training.train` built it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from interp.analyses.activations import activation_stats
from interp.hooks import find_layers
from interp.study import Study, cached
from interp.training import deterministic

DORMANT_ZERO_SHARE = 0.99
"""A2: a layer-1 filter is dormant when its output (post BN + ReLU) is exactly 0 on ≥ 99 % of the evaluation
positions (windows × steps), i.e. it fires on fewer than 1 in 100."""


def conv_weight(conv: nn.Conv1d) -> np.ndarray:
    """``(out_channels, in_channels, kernel)`` float64 copy of a Conv1d weight (the model is not touched)."""
    return conv.weight.detach().cpu().numpy().astype(np.float64)


def filter_norms(weight: np.ndarray) -> np.ndarray:
    """``(C_out,)`` L2 norm of each output filter of a ``(C_out, C_in, K)`` weight."""
    return np.sqrt(np.sum(weight.reshape(weight.shape[0], -1) ** 2, axis=1))


def following_batchnorm(model: nn.Module, conv: nn.Conv1d) -> nn.BatchNorm1d | None:
    """The BatchNorm1d that normalises ``conv``'s output, found by registration order.

    Rule: the first ``nn.BatchNorm1d`` registered after ``conv`` in ``model.modules()`` and before the next
    ``nn.Conv1d``, provided its ``num_features`` equals ``conv.out_channels``; None otherwise. This relies on
    modules being registered in forward order, as in :class:`~interp.models.CNNLSTMForecaster` and any
    ``nn.Sequential`` conv block.
    """
    found = False
    for module in model.modules():
        if module is conv:
            found = True
        elif found and isinstance(module, nn.Conv1d):
            return None
        elif found and isinstance(module, nn.BatchNorm1d):
            return module if module.num_features == conv.out_channels else None
    return None


def batchnorm_scale(bn: nn.BatchNorm1d) -> np.ndarray | None:
    """``(C,)`` float64 ``γ / √(running_var + ε)`` of an eval-mode BatchNorm (γ = 1 without affine).

    None when the layer keeps no running statistics (it then normalises by each batch's, so no fixed scale).
    """
    if bn.running_var is None:
        return None
    var = bn.running_var.detach().cpu().numpy().astype(np.float64)
    gamma = bn.weight.detach().cpu().numpy().astype(np.float64) if bn.affine else np.ones_like(var)
    return gamma / np.sqrt(var + bn.eps)


def effective_weight(model: nn.Module, conv: nn.Conv1d) -> tuple[np.ndarray, bool]:
    """``conv``'s weight with the following BatchNorm folded in, ``w · γ / √(running_var + ε)`` per filter.

    Returns
    -------
    weight : (C_out, C_in, K) float64
        Folded weight; the raw weight when no BatchNorm with running statistics follows ``conv``
        (:func:`following_batchnorm`).
    folded : bool
        Whether a BatchNorm was folded in.
    """
    weight = conv_weight(conv)
    bn = following_batchnorm(model, conv)
    scale = None if bn is None else batchnorm_scale(bn)
    if scale is None:
        return weight, False
    return weight * scale[:, None, None], True


@dataclass(frozen=True)
class ChangeFromInit:
    """How far training moved one Conv1d's weights from their initialisation.

    Attributes
    ----------
    correlation : float
        Pearson r between the trained and the initial weights (all entries); NaN when not rebuilt.
    relative_change : float
        ``‖w − w₀‖ / ‖w₀‖`` (Frobenius norms); NaN when not rebuilt.
    reason : str
        Empty when the initialisation was rebuilt; otherwise why it could not be.
    """

    correlation: float
    relative_change: float
    reason: str

    @property
    def available(self) -> bool:
        """Whether the initialisation was rebuilt (the numbers are meaningful)."""
        return not self.reason


def change_from_init(trained: np.ndarray, initial: np.ndarray) -> ChangeFromInit:
    """Correlation and relative distance between trained and initial weights of the same shape."""
    a, b = np.ravel(trained).astype(np.float64), np.ravel(initial).astype(np.float64)
    correlation = float(np.corrcoef(a, b)[0, 1]) if a.size > 1 and np.std(a) > 0 and np.std(b) > 0 else np.nan
    scale = float(np.linalg.norm(b))
    relative = float(np.linalg.norm(a - b)) / scale if scale > 0 else np.nan
    return ChangeFromInit(correlation, relative, "")


def initial_model(model_class: type[nn.Module], model_kwargs: dict, seed: int, threads: int = 1) -> nn.Module:
    """A model as :func:`interp.training.train` initialises it: built under ``deterministic(seed, threads)``.

    torch's global random state is restored afterwards, so the caller's random stream is not touched.
    """
    with torch.random.fork_rng(devices=[]), deterministic(seed, threads):
        return model_class(**model_kwargs)


@dataclass(frozen=True)
class InitialConvWeights:
    """The two Conv1d weights before training (A1, A3).

    Attributes
    ----------
    conv1, conv2 : (C_out, C_in, K) float64 or None
        Initial weights; None when they cannot be rebuilt.
    reason : str
        Empty when rebuilt; otherwise why not (no checkpoint, no seed in its training config, other shapes).
    """

    conv1: np.ndarray | None
    conv2: np.ndarray | None
    reason: str

    def change(self, layer: str, trained: np.ndarray) -> ChangeFromInit:
        """The change of ``layer`` (``"conv1"``/``"conv2"``) from its initial weights to ``trained``."""
        initial = getattr(self, layer)
        if initial is None:
            return ChangeFromInit(np.nan, np.nan, self.reason)
        return change_from_init(trained, initial)


@cached
def initial_conv_weights(study: Study) -> InitialConvWeights:
    """The conv weights the model started training from, rebuilt from ``study.checkpoint.training["seed"]``.

    ``interp.training.train`` seeds torch under :func:`~interp.training.deterministic` and then builds the
    model, so building the checkpoint's class with its kwargs under the same seed gives the same weights.
    """
    meta = study.checkpoint
    if meta is None:
        return InitialConvWeights(None, None, "no checkpoint: the training seed is unknown")
    seed = meta.training.get("seed")
    if seed is None:
        return InitialConvWeights(None, None, "the checkpoint's training config records no seed")
    initial = initial_model(
        type(study.model), meta.model_kwargs, int(seed), int(meta.training.get("threads", 1))
    )
    start, now = find_layers(initial), find_layers(study.model)
    if any(getattr(start, n).weight.shape != getattr(now, n).weight.shape for n in ("conv1", "conv2")):
        return InitialConvWeights(None, None, "the rebuilt model's conv shapes differ from the checkpoint's")
    return InitialConvWeights(conv_weight(start.conv1), conv_weight(start.conv2), "")


@dataclass(frozen=True)
class FilterBank:
    """A1: the layer-1 filter bank.

    Attributes
    ----------
    weights : (32, F, 7) float64
        ``conv1.weight``: filter × input feature × tap; input in model (standardised) units.
    feature_names : tuple of str
        The F input features, in weight order.
    limit : float
        ``max |weight|``: the one symmetric colour limit shared by all 32 heatmaps.
    feature_norms : (F,) float64
        L2 norm of all layer-1 weights reading each feature: how strongly layer 1 looks at it.
    change : ChangeFromInit
        How far training moved ``conv1.weight`` from its initialisation.
    """

    weights: np.ndarray
    feature_names: tuple[str, ...]
    limit: float
    feature_norms: np.ndarray
    change: ChangeFromInit


@cached
def layer1_filter_bank(study: Study) -> FilterBank:
    """A1: the layer-1 Conv1d weights as 32 (features × taps) patterns, and their change from initialisation."""
    weights = conv_weight(find_layers(study.model).conv1)
    limit = float(np.max(np.abs(weights))) if weights.size else 0.0
    feature_norms = np.sqrt(np.sum(weights**2, axis=(0, 2)))
    change = initial_conv_weights(study).change("conv1", weights)
    return FilterBank(
        weights, tuple(study.dataset.feature_names), limit if limit > 0 else 1.0, feature_norms, change
    )


@dataclass(frozen=True)
class FilterNorms:
    """A2: effective L2 norm and firing rate of each layer-1 filter.

    Attributes
    ----------
    norms : (32,) float64
        L2 norm of each ``(F, 7)`` filter with the following BatchNorm folded in (``w · γ / √(var + ε)``), in
        BN-output units per model input unit: what reaches the ReLU. Raw weight norms when ``bn_folded`` is False.
    bn_folded : bool
        Whether a BatchNorm follows conv1 (:func:`following_batchnorm`) and was folded in.
    zero_share : (32,) float64
        Share of the filter's post BN + ReLU outputs that are exactly 0, over all evaluation windows and steps
        (A6's sparsity).
    dormant : (32,) bool
        ``zero_share ≥`` :data:`DORMANT_ZERO_SHARE`.
    """

    norms: np.ndarray
    bn_folded: bool
    zero_share: np.ndarray
    dormant: np.ndarray


@cached
def layer1_filter_norms(study: Study) -> FilterNorms:
    """A2: BN-folded L2 norms of the layer-1 filters and the dormant ones (exact 0 on ≥ 99 % of positions).

    A norm alone cannot say a filter is dormant: BatchNorm rescales every filter, so a small raw norm can fire
    as much as a large one. Dormancy is read from the activations instead.
    """
    weight, folded = effective_weight(study.model, find_layers(study.model).conv1)
    zero_share = activation_stats(study).layer1.sparsity
    return FilterNorms(filter_norms(weight), folded, zero_share, zero_share >= DORMANT_ZERO_SHARE)


@dataclass(frozen=True)
class Layer2Summary:
    """A3: layer-2 filters collapsed over the kernel.

    Attributes
    ----------
    norms : (64, 32) float64
        ``norms[o, i]``: L2 norm over the 5 taps of ``conv2.weight[o, i]`` — how much layer-2 filter ``o``
        reads layer-1 channel ``i``.
    taps : int
        Kernel size of conv2 (5).
    change : ChangeFromInit
        How far training moved ``conv2.weight`` from its initialisation.
    """

    norms: np.ndarray
    taps: int
    change: ChangeFromInit


@cached
def layer2_filter_summary(study: Study) -> Layer2Summary:
    """A3: the (64 × 32) map of layer-2 kernel norms, and conv2's change from initialisation."""
    weights = conv_weight(find_layers(study.model).conv2)
    change = initial_conv_weights(study).change("conv2", weights)
    return Layer2Summary(np.sqrt(np.sum(weights**2, axis=2)), int(weights.shape[2]), change)
