"""Public attribution API: saliency, guided backprop and layer-wise gradients of a CNN-LSTM (DESIGN §7).

Each function explains the prediction at one horizon step (``target_step``, default the last) of every window,
in model (standardised) units, and returns signed gradients as numpy float32 arrays. The model is left as it
was found: the passes run in eval mode under :func:`~interp.hooks.model_unchanged`, gradients are taken with
``torch.autograd.grad`` (no ``.grad`` is written) and every hook lives only inside a ``with`` block.

Each is one lean pass over ``x`` in batches (:mod:`interp.passes`) that takes only the gradients it returns:
a ``.sum()`` target instead of one backward root per window, the parameters frozen, and on the CPU the LSTM's
native kernels, whose backward skips the weight gradients. A :class:`~interp.study.Study` keeps reduced
versions of the same gradients for its evaluation set; call these for the full arrays or for other inputs.

References: saliency, Simonyan et al., arXiv:1312.6034; guided backprop, Springenberg et al., arXiv:1412.6806.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.overrides import TorchFunctionMode

from interp.errors import DataError
from interp.hooks import find_layers, model_unchanged
from interp.passes import LAYER_OUTPUTS, input_gradients, layer_output_gradients

LAYER_GRADIENT_KEYS = ("conv1", "conv2", "pool")
"""Keys of :func:`layer_gradients`: the two Conv1d module outputs and the pool output (the LSTM input)."""


def _check_input(model: nn.Module, x: torch.Tensor) -> None:
    n_features = find_layers(model).conv1.in_channels
    if (
        not isinstance(x, torch.Tensor)
        or x.ndim != 3
        or not x.is_floating_point()
        or x.shape[-1] != n_features
    ):
        found = f"{type(x).__name__} of shape {tuple(getattr(x, 'shape', ()))}"
        raise DataError(
            f"Expected x as a float tensor (windows, lookback steps, {n_features} features) in model units. "
            f"Found a {found}. Pass dataset.test.x or windows built the same way."
        )


def saliency(model: nn.Module, x: torch.Tensor, target_step: int = -1) -> np.ndarray:
    """Signed input gradient ``d y[:, target_step] / d x`` of every window.

    Parameters
    ----------
    model : nn.Module
        A CNN-LSTM with two Conv1d, a MaxPool1d and an LSTM module; left unchanged.
    x : torch.Tensor
        ``(N, L, F)`` float input, model units.
    target_step : int
        Horizon step whose prediction is explained (python indexing; -1 = the last, t+H).

    Returns
    -------
    np.ndarray
        ``(N, L, F)`` float32, model units per model unit. Equals Captum's ``Saliency(model).attribute(x,
        target=target_step, abs=False)``.
    """
    _check_input(model, x)
    return input_gradients(model, x, target_step)


def guided_backprop(model: nn.Module, x: torch.Tensor, target_step: int = -1) -> np.ndarray:
    """Guided-backprop input attribution: the gradient with every ``nn.ReLU`` module passing on only ≥ 0.

    Every ``nn.ReLU`` module of the model is guided — in the CNNLSTMForecaster the two conv blocks and the
    head. The LSTM's sigmoid/tanh gates are untouched, and functional ``F.relu`` calls escape the hooks (then
    the result silently equals :func:`saliency`; the B4 invariants catch that).

    Parameters
    ----------
    model, x, target_step
        As for :func:`saliency`.

    Returns
    -------
    np.ndarray
        ``(N, L, F)`` float32, signed. Equals Captum's ``GuidedBackprop(model).attribute(x, target=...)``.
    """
    _check_input(model, x)
    return input_gradients(model, x, target_step, guided=True)


def layer_gradients(model: nn.Module, x: torch.Tensor, target_step: int = -1) -> dict[str, np.ndarray]:
    """Signed gradients of ``y[:, target_step]`` at the conv1, conv2 and pool outputs (one backward pass).

    Parameters
    ----------
    model, x, target_step
        As for :func:`saliency`.

    Returns
    -------
    dict of str to np.ndarray
        ``"conv1"``: ``(N, 32, L)`` at the first Conv1d output (before BN); ``"conv2"``: ``(N, 64, L)`` at
        the second Conv1d output; ``"pool"``: ``(N, 64, L // 2)`` at the MaxPool1d output, the LSTM input.
        float32. Each equals Captum's ``LayerGradientXActivation(model, layer, multiply_by_inputs=False)``.
    """
    _check_input(model, x)
    grads = layer_output_gradients(model, x, target_step)
    return {key: grads[name] for key, name in zip(LAYER_GRADIENT_KEYS, LAYER_OUTPUTS, strict=True)}


def layer_gradients_x_activations(
    model: nn.Module, x: torch.Tensor, target_step: int = -1
) -> dict[str, np.ndarray]:
    """Gradient × activation at the conv1, conv2 and pool outputs (one pass, as :func:`layer_gradients`).

    Parameters
    ----------
    model, x, target_step
        As for :func:`saliency`.

    Returns
    -------
    dict of str to np.ndarray
        Keys and shapes of :func:`layer_gradients`, float32: each layer output times the gradient of
        ``y[:, target_step]`` at it. Each equals Captum's ``LayerGradientXActivation(model, layer)``.
    """
    _check_input(model, x)
    products = layer_output_gradients(model, x, target_step, times_activation=True)
    return {key: products[name] for key, name in zip(LAYER_GRADIENT_KEYS, LAYER_OUTPUTS, strict=True)}


_RELU_FUNCTIONS = frozenset({F.relu, torch.relu, torch.Tensor.relu})


class _ReluTrace(TorchFunctionMode):
    """Record, for every relu call of a forward pass, the minimum gradient later passed on to its input.

    A module ReLU with full backward hooks sees its input through a ``BackwardHookFunction``; the gradient it
    passes on is that node's output *after* the module's hooks, so a later node hook reads it. A functional
    relu's input gets a tensor hook.
    """

    def __init__(self) -> None:
        super().__init__()
        self.minima: list[float | None] = []

    def __torch_function__(self, func, types, args=(), kwargs=None):
        if func in _RELU_FUNCTIONS and isinstance(args[0], torch.Tensor) and args[0].requires_grad:
            self._trace(args[0])
        return func(*args, **(kwargs or {}))

    def _trace(self, tensor: torch.Tensor) -> None:
        slot = len(self.minima)
        self.minima.append(None)

        def store(grad: torch.Tensor) -> None:
            self.minima[slot] = float(grad.min())

        node = tensor.grad_fn
        if node is not None and type(node).__name__ == "BackwardHookFunctionBackward":
            index = tensor.output_nr
            node.register_hook(lambda grad_inputs, grad_outputs: store(grad_inputs[index]))
        else:
            tensor.register_hook(store)


def relu_gradient_minima(model: nn.Module, x: torch.Tensor, target_step: int = -1) -> list[float | None]:
    """Minimum gradient each relu call (``nn.ReLU`` module or functional) passes on, in call order.

    Run it inside :func:`interp.hooks.guided_relus` to check the guided pass (every value then ≥ 0 unless a
    functional relu escapes the hooks). ``None`` for a relu the target does not depend on.

    Parameters
    ----------
    model, x, target_step
        As for :func:`saliency`; one forward and one backward pass over ``x``.
    """
    _check_input(model, x)
    trace = _ReluTrace()
    with model_unchanged(model), torch.backends.cudnn.flags(enabled=False):
        inputs = x.detach().to(next(model.parameters()).device).requires_grad_(True)
        with trace:
            pred = model(inputs)
        torch.autograd.grad(pred[:, target_step].sum(), inputs)
    return trace.minima
