"""Section A8: the temporal receptive field of the conv stack, analytic and measured.

Analytic: the classic recursion over the layers found by type (conv1, conv2, pool): with ``j`` the distance
in input steps between neighbouring units (the "jump", product of earlier strides), each layer of kernel ``k``
and dilation ``d`` widens the field by ``(k − 1)·d·j``. For Conv1d(k=7) → Conv1d(k=5) → MaxPool1d(2) this
gives 7, 11 and 12 input steps (Araujo et al., "Computing receptive fields of convolutional neural networks",
Distill 2019, doi:10.23915/distill.00021).

Empirical: the span of the non-zero input gradient of the central unit of each layer (all channels at the
central position), united over a batch of evaluation windows — the effective receptive field's support
(Luo et al., arXiv:1701.04128). One small backward pass of its own (≤ 64 windows), with
``torch.autograd.grad`` under :func:`~interp.hooks.model_unchanged`; no ``.grad`` is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from interp.hooks import CNNLSTMHookManager, find_layers, model_unchanged
from interp.study import Study, cached

PLANNED_RECEPTIVE_FIELD = 11
"""The plan's receptive field of a conv2 unit: 7 + (5 − 1) input steps."""

PLANNED_POOLED_RECEPTIVE_FIELD = 12
"""A pooled unit covers two neighbouring conv2 units: 11 + (2 − 1)."""

RF_WINDOWS = 64
"""Evaluation windows (evenly spaced in time) in the empirical pass."""

LAYER_NAMES = ("conv1", "conv2", "pool")
"""The layers A8 measures, in forward order; the hook manager's tensors are conv1, conv2 and pooled."""


def _first(value: int | tuple[int, ...]) -> int:
    return int(value[0]) if isinstance(value, tuple) else int(value)


def _padding(module: nn.Module, kernel: int, dilation: int) -> int:
    padding = module.padding
    if padding == "same":
        return (kernel - 1) * dilation // 2
    if padding == "valid":
        return 0
    return _first(padding)


def layer_geometry(model: nn.Module) -> np.ndarray:
    """``(3, 4)`` int: kernel size, stride, dilation, left padding of conv1, conv2 and the pool (by type)."""
    layers = find_layers(model)
    rows = []
    for module in (layers.conv1, layers.conv2, layers.pool):
        kernel, dilation = _first(module.kernel_size), _first(module.dilation)
        rows.append((kernel, _first(module.stride), dilation, _padding(module, kernel, dilation)))
    return np.array(rows, dtype=np.int64)


def receptive_fields(
    kernels: Sequence[int], strides: Sequence[int] | None = None, dilations: Sequence[int] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Analytic receptive field of each layer of a 1-D stack, in input steps.

    Parameters
    ----------
    kernels : sequence of int
        Kernel size of each layer, input side first.
    strides, dilations : sequence of int, optional
        Per layer; 1 when omitted.

    Returns
    -------
    fields : (n_layers,) int
        Input steps one unit of each layer depends on: ``r_l = r_{l−1} + (k_l − 1)·d_l·j_{l−1}``, ``r_0 = 1``.
    jumps : (n_layers,) int
        Input steps between neighbouring units of each layer: ``j_l = j_{l−1}·s_l``, ``j_0 = 1``.
    """
    n = len(kernels)
    strides = [1] * n if strides is None else list(strides)
    dilations = [1] * n if dilations is None else list(dilations)
    field, jump = 1, 1
    fields, jumps = [], []
    for k, s, d in zip(kernels, strides, dilations, strict=True):
        field += (int(k) - 1) * int(d) * jump
        jump *= int(s)
        fields.append(field)
        jumps.append(jump)
    return np.array(fields, dtype=np.int64), np.array(jumps, dtype=np.int64)


def gradient_profile(inputs: torch.Tensor, unit: torch.Tensor) -> np.ndarray:
    """``(L,)`` mean ``|d unit.sum() / d inputs|`` over windows and features of ``(N, L, F)`` inputs.

    A step is in the receptive field's support when its value is > 0 (some window or feature has a non-zero
    gradient). Uses ``torch.autograd.grad`` with ``retain_graph=True``: no ``.grad`` is written.
    """
    (grad,) = torch.autograd.grad(unit.sum(), inputs, retain_graph=True)
    return grad.detach().abs().double().mean(dim=(0, 2)).cpu().numpy()


def support_bounds(support: np.ndarray) -> tuple[int, int]:
    """First and last True step of a ``(L,)`` bool mask; ``(-1, -1)`` when none is True."""
    hits = np.flatnonzero(support)
    return (int(hits[0]), int(hits[-1])) if hits.size else (-1, -1)


def unit_bounds(geometry: np.ndarray, units: Sequence[int]) -> np.ndarray:
    """``(n_layers, 2)`` int: first and last input step that unit ``units[l]`` of layer ``l`` depends on.

    ``geometry`` is ``(n_layers, 4)``: kernel, stride, dilation, left padding per layer (input side first).
    Steps outside ``0 … L − 1`` are padding.
    """
    offset, jump, field = 0, 1, 1
    bounds = []
    for (kernel, stride, dilation, padding), unit in zip(geometry.tolist(), units, strict=True):
        offset -= padding * jump
        field += (kernel - 1) * dilation * jump
        jump *= stride
        first = int(unit) * jump + offset
        bounds.append((first, first + field - 1))
    return np.array(bounds, dtype=np.int64)


@dataclass(frozen=True)
class ReceptiveField:
    """A8: analytic and empirical receptive fields of conv1, conv2 and the pool.

    Attributes
    ----------
    layers : tuple of str
        ``("conv1", "conv2", "pool")``.
    geometry : (3, 4) int
        Kernel size, stride, dilation and left padding of each layer, found by type.
    analytic : (3,) int
        Receptive field of one unit of each layer, input steps (7, 11, 12 as planned).
    jumps : (3,) int
        Input steps between neighbouring units (1, 1, 2).
    empirical : (3,) int
        Span of the non-zero input gradient of each layer's central unit (all channels), united over the
        windows, input steps.
    centres : (3,) int
        Position of the central unit in each layer's own output (``length // 2``).
    analytic_bounds, empirical_bounds : (3, 2) int
        First and last input step of each central unit's field: from the geometry, and from the gradient
        (``-1`` when the gradient is zero everywhere).
    profiles : (3, L) float64
        Mean ``|input gradient|`` per step of each central unit, each row scaled to a maximum of 1 over its
        finite steps; a NaN or ±inf step (a broken model) stays NaN or inf, and is not in the support.
    lookback_steps : int
    steps_per_hour : float
    n_windows : int
        Windows in the empirical pass.
    """

    layers: tuple[str, ...]
    geometry: np.ndarray
    analytic: np.ndarray
    jumps: np.ndarray
    empirical: np.ndarray
    centres: np.ndarray
    analytic_bounds: np.ndarray
    empirical_bounds: np.ndarray
    profiles: np.ndarray
    lookback_steps: int
    steps_per_hour: float
    n_windows: int


def window_sample(n_windows: int, size: int = RF_WINDOWS) -> np.ndarray:
    """Indices of ``min(size, n_windows)`` windows evenly spaced over ``0 … n_windows − 1`` (time order)."""
    return np.unique(np.linspace(0, n_windows - 1, min(size, n_windows)).round().astype(np.int64))


def empirical_profiles(model: nn.Module, x: torch.Tensor) -> tuple[np.ndarray, np.ndarray]:
    """Input-gradient profiles of the central conv1, conv2 and pooled units of a CNN-LSTM.

    Parameters
    ----------
    model : nn.Module
        A model with two Conv1d, a MaxPool1d and an LSTM; left unchanged.
    x : torch.Tensor
        ``(N, L, F)`` windows in model units (a small batch: one forward and three gradient passes).

    Returns
    -------
    profiles : (3, L) float64
        Mean ``|d unit / d x|`` per input step (not normalised).
    centres : (3,) int
        Central position used in each layer's output.
    """
    device = next(model.parameters()).device
    with model_unchanged(model):
        inputs = x.detach().to(device).requires_grad_(True)
        with CNNLSTMHookManager(model) as hooks:
            model(inputs)
        tensors = [hooks.captures[name] for name in ("conv1", "conv2", "pooled")]
        centres = np.array([t.shape[-1] // 2 for t in tensors], dtype=np.int64)
        profiles = np.stack(
            [gradient_profile(inputs, t[:, :, c]) for t, c in zip(tensors, centres, strict=True)]
        )
    return profiles, centres


@cached
def receptive_field(study: Study) -> ReceptiveField:
    """A8: analytic receptive fields from the layer geometry and their empirical support on test windows."""
    geometry = layer_geometry(study.model)
    analytic, jumps = receptive_fields(geometry[:, 0], geometry[:, 1], geometry[:, 2])
    x = study.dataset.test.x
    indices = window_sample(x.shape[0])
    profiles, centres = empirical_profiles(study.model, x[torch.from_numpy(indices)])
    empirical_bounds = np.array([support_bounds(p > 0) for p in profiles], dtype=np.int64)
    empirical = np.where(empirical_bounds[:, 0] >= 0, empirical_bounds[:, 1] - empirical_bounds[:, 0] + 1, 0)
    finite = np.isfinite(profiles)
    peaks = np.where(finite, profiles, 0.0).max(axis=1, keepdims=True)
    return ReceptiveField(
        layers=LAYER_NAMES,
        geometry=geometry,
        analytic=analytic,
        jumps=jumps,
        empirical=empirical,
        centres=centres,
        analytic_bounds=unit_bounds(geometry, centres),
        empirical_bounds=empirical_bounds,
        profiles=np.divide(profiles, peaks, out=np.where(finite, 0.0, profiles), where=peaks > 0),
        lookback_steps=int(x.shape[1]),
        steps_per_hour=float(study.dataset.steps_per_hour),
        n_windows=int(indices.size),
    )
