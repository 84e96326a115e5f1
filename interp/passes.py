"""Every pass over a model: capture, guided backprop, plain and ablated forward passes (DESIGN §10).

A :class:`~interp.study.Study` calls these once each and caches the results; analyses never run the model
themselves, and a new method adds its pass here instead of reaching into the study. Every pass runs under
:func:`~interp.hooks.model_unchanged`, in chunks of :data:`BATCH` windows.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from interp.hooks import CNNLSTMHookManager, find_layers, guided_relus, model_unchanged

BATCH = 1024
"""Windows per forward/backward chunk; the evaluation sets here fit in one."""


@dataclass(frozen=True)
class Capture:
    """Everything one forward and one backward pass over the evaluation set yield (numpy, float32).

    N windows, L lookback steps, F features, H horizon steps. Gradients are of the prediction at the last
    horizon step (model units) summed over the windows, so each window's rows are its own gradient.

    Attributes
    ----------
    x : (N, L, F) input, model units.
    conv1, conv2 : (N, 32, L), (N, 64, L) Conv1d outputs before BN.
    act1, act2 : (N, 32, L), (N, 64, L) block outputs after BN + ReLU (act2 is the pool's input).
    pooled : (N, 64, L // 2) pool output (the LSTM's input).
    pool_indices : (N, 64, L // 2) int64 selected positions in 0 … L-1.
    h_n : (N, 128) last-layer final hidden state of the LSTM.
    pred : (N, H) predictions, model units.
    grad_input : (N, L, F) signed d pred[:, -1] / d x.
    grad_conv1, grad_conv2 : gradients at the Conv1d outputs, shapes of conv1 and conv2.
    grad_act1, grad_act2 : gradients at the block outputs (act2: the pool's input).
    grad_pooled : (N, 64, L // 2) gradient at the pool output.
    """

    x: np.ndarray
    conv1: np.ndarray
    conv2: np.ndarray
    act1: np.ndarray
    act2: np.ndarray
    pooled: np.ndarray
    pool_indices: np.ndarray
    h_n: np.ndarray
    pred: np.ndarray
    grad_input: np.ndarray
    grad_conv1: np.ndarray
    grad_conv2: np.ndarray
    grad_act1: np.ndarray
    grad_act2: np.ndarray
    grad_pooled: np.ndarray


GRADIENT_POINTS = ("conv1", "conv2", "act1", "act2", "pooled")


def capture(model: nn.Module, x: torch.Tensor, target_step: int = -1) -> Capture:
    """One forward pass with hooks and one backward pass with ``torch.autograd.grad`` (no ``.grad`` written).

    Parameters
    ----------
    model : nn.Module
        A CNN-LSTM (two Conv1d, a MaxPool1d, an LSTM); left unchanged.
    x : torch.Tensor
        ``(N, L, F)`` float input in model units.
    target_step : int
        Horizon step whose prediction is the attribution target.
    """
    parts: list[dict[str, np.ndarray]] = []
    device = next(model.parameters()).device
    with model_unchanged(model), _cudnn_off(device):
        for chunk in torch.split(x, BATCH):
            inputs = chunk.detach().to(device).requires_grad_(True)
            with CNNLSTMHookManager(model) as hooks:
                pred = model(inputs)
            caps = hooks.captures
            wrt = [inputs] + [caps[name] for name in GRADIENT_POINTS]
            grads = torch.autograd.grad(pred[:, target_step].sum(), wrt)
            out = {name: _np(caps[name]) for name in (*GRADIENT_POINTS, "pool_indices", "h_n")}
            out["x"] = _np(inputs)
            out["pred"] = _np(pred)
            out["grad_input"] = _np(grads[0])
            for name, grad in zip(GRADIENT_POINTS, grads[1:], strict=True):
                out[f"grad_{name}"] = _np(grad)
            parts.append(out)
    merged = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    return Capture(**merged)


def guided_gradient(model: nn.Module, x: torch.Tensor, target_step: int = -1) -> np.ndarray:
    """Guided-backprop input attribution ``(N, L, F)``: gradients through ReLU modules clamped at zero."""
    device = next(model.parameters()).device
    parts = []
    with model_unchanged(model), _cudnn_off(device), guided_relus(model):
        for chunk in torch.split(x, BATCH):
            inputs = chunk.detach().to(device).requires_grad_(True)
            (grad,) = torch.autograd.grad(model(inputs)[:, target_step].sum(), inputs)
            parts.append(_np(grad))
    return np.concatenate(parts)


def predict(model: nn.Module, x: torch.Tensor) -> np.ndarray:
    """Forward pass in eval mode without gradients: ``(N, H)`` predictions in model units."""
    device = next(model.parameters()).device
    with model_unchanged(model), torch.no_grad():
        return np.concatenate([_np(model(chunk.to(device))) for chunk in torch.split(x, BATCH)])


@dataclass(frozen=True)
class ComparisonCapture:
    """The comparison LSTMForecaster on the evaluation set.

    Attributes
    ----------
    h_n : (N, 128) last-layer final hidden state.
    pred : (N, H) predictions, model units.
    """

    h_n: np.ndarray
    pred: np.ndarray


def comparison_capture(model: nn.Module, x: torch.Tensor) -> ComparisonCapture:
    """Forward pass of an LSTM-only model, capturing ``h_n[-1]`` with a hook on its (first) nn.LSTM."""
    lstm = next(m for m in model.modules() if isinstance(m, nn.LSTM))
    states: list[np.ndarray] = []
    handle = lstm.register_forward_hook(lambda m, i, out: states.append(_np(out[1][0][-1])))
    try:
        pred = predict(model, x)
    finally:
        handle.remove()
    return ComparisonCapture(h_n=np.concatenate(states), pred=pred)


def _np(t: torch.Tensor) -> np.ndarray:
    return t.detach().cpu().numpy()


def _cudnn_off(device: torch.device):
    """Gradients through an LSTM need cuDNN off on CUDA (its RNN backward requires training mode)."""
    if device.type == "cuda":
        return torch.backends.cudnn.flags(enabled=False)
    return contextlib.nullcontext()


ABLATION_POINTS = ("act1", "act2")
"""Where a block output can be ablated: ``act1`` (block 1 after BN + ReLU, conv2's input) and ``act2``
(block 2 after BN + ReLU, the pool's input)."""


def ablated_predict(
    model: nn.Module, x: torch.Tensor, point: str, channels: Sequence[int], values: np.ndarray
) -> np.ndarray:
    """Forward pass with some channels of a block output replaced by fixed values: ``(N, H)`` model units.

    Parameters
    ----------
    model : nn.Module
        A CNN-LSTM; left unchanged (the replacement is a forward pre-hook on the next layer, removed on exit).
    x : torch.Tensor
        ``(N, L, F)`` input, model units.
    point : {"act1", "act2"}
        The block output to ablate (:data:`ABLATION_POINTS`).
    channels : sequence of int
        The channels replaced.
    values : np.ndarray
        ``(len(channels), L)`` what each replaced channel carries instead, for every window (e.g. its mean over
        the evaluation set: a mean-ablation that keeps the layer's operating point).
    """
    if point not in ABLATION_POINTS:
        raise ValueError(f"point must be one of {', '.join(ABLATION_POINTS)}. Found {point!r}.")
    layers = find_layers(model)
    target = layers.conv2 if point == "act1" else layers.pool
    device = next(model.parameters()).device
    index = torch.as_tensor(list(channels), dtype=torch.long, device=device)
    fill = torch.as_tensor(np.asarray(values), dtype=torch.float32, device=device)

    def replace(_module: nn.Module, inputs: tuple[torch.Tensor, ...]) -> tuple[torch.Tensor, ...]:
        out = inputs[0].clone()
        out[:, index] = fill.to(out.dtype)
        return (out, *inputs[1:])

    with model_unchanged(model), torch.no_grad():
        handle = target.register_forward_pre_hook(replace)
        try:
            parts = [_np(model(chunk.to(device))) for chunk in torch.split(x, BATCH)]
        finally:
            handle.remove()
    return np.concatenate(parts)
