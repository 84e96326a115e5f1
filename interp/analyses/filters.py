"""Section A1–A3: the learned convolution filters (weights only, no pass over the data).

A1 shows each layer-1 filter as a (features × 7 taps) pattern in the raw input space, A2 ranks the layer-1
filters by L2 norm and marks the dormant ones, A3 collapses the layer-2 filters (64 × 32 × 5) over the kernel
into a 64 × 32 map of norms (filter visualisation as in Zeiler & Fergus, arXiv:1311.2901). The Conv1d layers
are found by type (:func:`interp.hooks.find_layers`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from torch import nn

from interp.hooks import find_layers
from interp.study import Study, cached

DORMANT_FRACTION = 0.05
"""A layer-1 filter is dormant when its L2 norm is below 5 % of the largest layer-1 filter norm."""


def conv_weight(conv: nn.Conv1d) -> np.ndarray:
    """``(out_channels, in_channels, kernel)`` float64 copy of a Conv1d weight (the model is not touched)."""
    return conv.weight.detach().cpu().numpy().astype(np.float64)


def filter_norms(weight: np.ndarray) -> np.ndarray:
    """``(C_out,)`` L2 norm of each output filter of a ``(C_out, C_in, K)`` weight."""
    return np.sqrt(np.sum(weight.reshape(weight.shape[0], -1) ** 2, axis=1))


def dormant_mask(norms: np.ndarray, fraction: float = DORMANT_FRACTION) -> np.ndarray:
    """``(C,)`` bool: filters with a norm below ``fraction`` × the largest one (all, when every norm is 0)."""
    largest = float(np.max(norms)) if norms.size else 0.0
    if largest == 0.0:
        return np.ones(norms.shape, dtype=bool)
    return norms < fraction * largest


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
    """

    weights: np.ndarray
    feature_names: tuple[str, ...]
    limit: float
    feature_norms: np.ndarray


@cached
def layer1_filter_bank(study: Study) -> FilterBank:
    """A1: the layer-1 Conv1d weights as 32 (features × taps) patterns."""
    weights = conv_weight(find_layers(study.model).conv1)
    limit = float(np.max(np.abs(weights))) if weights.size else 0.0
    feature_norms = np.sqrt(np.sum(weights**2, axis=(0, 2)))
    return FilterBank(weights, tuple(study.dataset.feature_names), limit if limit > 0 else 1.0, feature_norms)


@dataclass(frozen=True)
class FilterNorms:
    """A2: L2 norm of each layer-1 filter.

    Attributes
    ----------
    norms : (32,) float64
        L2 norm of each ``(F, 7)`` filter, model units.
    threshold : float
        Dormancy threshold: :data:`DORMANT_FRACTION` × the largest norm.
    dormant : (32,) bool
        Filters with a norm below ``threshold``.
    """

    norms: np.ndarray
    threshold: float
    dormant: np.ndarray


@cached
def layer1_filter_norms(study: Study) -> FilterNorms:
    """A2: per-filter L2 norms of layer 1 and the dormant filters (norm < 5 % of the largest)."""
    norms = filter_norms(layer1_filter_bank(study).weights)
    threshold = DORMANT_FRACTION * float(np.max(norms)) if norms.size else 0.0
    return FilterNorms(norms, threshold, dormant_mask(norms))


@dataclass(frozen=True)
class Layer2Summary:
    """A3: layer-2 filters collapsed over the kernel.

    Attributes
    ----------
    norms : (64, 32) float64
        ``norms[o, i]``: L2 norm over the 5 taps of ``conv2.weight[o, i]`` — how much layer-2 filter ``o``
        reads layer-1 channel ``i``.
    shape : tuple of int
        The full weight shape ``(64, 32, 5)``.
    """

    norms: np.ndarray
    shape: tuple[int, ...]


@cached
def layer2_filter_summary(study: Study) -> Layer2Summary:
    """A3: the (64 × 32) map of layer-2 kernel norms."""
    weights = conv_weight(find_layers(study.model).conv2)
    return Layer2Summary(np.sqrt(np.sum(weights**2, axis=2)), tuple(weights.shape))
