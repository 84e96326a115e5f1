"""Every pass over a model: capture, guided backprop, plain and ablated forward passes (DESIGN §10).

A :class:`~interp.study.Study` calls these once each and caches the results; analyses never run the model
themselves, and a new method adds its pass here instead of reaching into the study. Every pass runs under
:func:`~interp.hooks.model_unchanged` and streams the windows in batches of :func:`window_batch` windows,
keeping only what the analyses read (:mod:`interp.summaries`), so memory does not grow with the layer maps
of all windows (DESIGN §9).

Gradient passes take only the gradients they return: the parameters are frozen for the pass (restored after)
and, on the CPU, the LSTM runs on PyTorch's native kernels, whose backward skips the weight gradients that
oneDNN's fused LSTM backward always computes.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import functools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from interp.hooks import CNNLSTMHookManager, find_layers, guided_relus, model_unchanged
from interp.summaries import (
    AttributionAccumulator,
    AttributionSummary,
    BlockAccumulator,
    BlockSummary,
    ChannelMoments,
    GradientAccumulator,
    GradientSummary,
    RoutingCounts,
    Rows,
    SelectionCounts,
    add_counts,
    routing_counts,
    selection_counts,
    to_numpy,
)

STEPS_PER_BATCH = 16_384
"""Window steps (windows × lookback steps) per batch: 56 windows at lookback 288 (5-min data, 24 h), 682 at
lookback 24 (hourly data: the reference evaluation sets pass in one batch). A gradient batch at lookback 288
peaks at about 190 MB (autograd's saved tensors and the batch's maps) whatever the number of windows; twice
the batch doubles that for no gain in speed (measured: 113 windows, 340 MB, the same time)."""


def window_batch(lookback_steps: int) -> int:
    """Windows per batch at ``lookback_steps`` (:data:`STEPS_PER_BATCH`, at least 1)."""
    return max(1, STEPS_PER_BATCH // max(1, int(lookback_steps)))


def _batches(x: torch.Tensor) -> tuple[torch.Tensor, ...]:
    return torch.split(x, window_batch(x.shape[1]))


@dataclass(frozen=True)
class Capture:
    """What one forward and one backward pass over the evaluation set leave for the analyses.

    N windows, L lookback steps, F features, H horizon steps, C1 = 32 and C2 = 64 conv channels (read from the
    model), L' = L // 2 pooled steps. Gradients are of the prediction at the last horizon step (model units)
    summed over the windows, so each window's gradient is its own. Only ``(N, ·)`` per-window rows and
    N-independent summaries are kept: nothing here is ``(N, C, L)``.

    Attributes
    ----------
    pred : (N, H) float32
        Predictions, model units.
    h_n : (N, 128) float32
        Last-layer final hidden state of the LSTM.
    act1, act2 : BlockSummary
        Block outputs after BN + ReLU, ``(N, C1, L)`` and ``(N, C2, L)`` (act2 is the pool's input), reduced;
        their ``window`` is the map of window :attr:`kept_window`.
    pooled_min : (C2,) float64
        Smallest pool output value per channel.
    grad_input : AttributionSummary
        The input gradient ``d pred[:, -1] / d x`` ``(N, L, F)``, reduced (B1–B3).
    grad_act1, grad_act2, grad_pooled : GradientSummary
        Gradients at the block outputs and at the pool output ``(N, C2, L')``, reduced (B5, B6).
    act2_gradient_x_activation : (C2,) float64
        Mean over windows and positions of ``|grad_act2 × act2|`` (E10).
    routing : RoutingCounts
        Max-pool gradient routing (B5).
    selection : SelectionCounts
        Max-pool selected positions (E2).
    kept_window : int
        The window whose full maps ``act1.window``, ``act2.window`` hold (-1: none).
    """

    pred: np.ndarray
    h_n: np.ndarray
    act1: BlockSummary
    act2: BlockSummary
    pooled_min: np.ndarray
    grad_input: AttributionSummary
    grad_act1: GradientSummary
    grad_act2: GradientSummary
    grad_pooled: GradientSummary
    act2_gradient_x_activation: np.ndarray
    routing: RoutingCounts
    selection: SelectionCounts
    kept_window: int


def capture(model: nn.Module, x: torch.Tensor, target_step: int = -1, keep: int = -1) -> Capture:
    """One forward pass with hooks and one backward pass with ``torch.autograd.grad``, batch by batch.

    Parameters
    ----------
    model : nn.Module
        A CNN-LSTM (two Conv1d, a MaxPool1d, an LSTM); left unchanged.
    x : torch.Tensor
        ``(N, L, F)`` float input in model units.
    target_step : int
        Horizon step whose prediction is the attribution target.
    keep : int
        Window whose full activation maps are kept (A4/A5); -1 keeps none.
    """
    device = _device(model)
    n = len(x)
    blocks = {"act1": BlockAccumulator(n, keep), "act2": BlockAccumulator(n, keep)}
    input_grad = AttributionAccumulator(n)
    layer_grads = {name: GradientAccumulator(n) for name in ("act1", "act2", "pooled")}
    pred_rows, state_rows = Rows(n), Rows(n)
    product: torch.Tensor | float = 0.0
    pooled_min: torch.Tensor | None = None
    routing: RoutingCounts | None = None
    selection: SelectionCounts | None = None
    start = 0
    with _pass(model), _cudnn_off(device), _input_gradients_only(model, native_lstm=False):
        for chunk in _batches(x):
            inputs = chunk.detach().to(device).requires_grad_(True)
            with CNNLSTMHookManager(model) as hooks:
                pred = model(inputs)
            caps = hooks.captures
            wrt = [inputs, caps["act1"], caps["act2"], caps["pooled"], caps["conv2"]]
            g_input, g_act1, g_act2, g_pooled, g_conv2 = torch.autograd.grad(pred[:, target_step].sum(), wrt)
            act2, indices = caps["act2"].detach(), caps["pool_indices"]
            for name, grad in (("act1", g_act1), ("act2", g_act2), ("pooled", g_pooled)):
                layer_grads[name].add(grad)
            for name, block in blocks.items():
                block.add(caps[name])
            input_grad.add(g_input)
            product = product + (g_act2 * act2).abs().double().sum(dim=(0, 2))
            batch_min = caps["pooled"].detach().amin(dim=(0, 2))
            pooled_min = batch_min if pooled_min is None else torch.minimum(pooled_min, batch_min)
            routing = add_counts(routing, routing_counts(indices, g_act2, g_conv2))
            selection = add_counts(selection, selection_counts(indices, act2))
            pred_rows.write(start, pred)
            state_rows.write(start, caps["h_n"])
            start += len(chunk)
            del caps, hooks, pred, inputs  # free this batch's graph before the next forward pass
    act2_summary = blocks["act2"].result()
    return Capture(
        pred=pred_rows.array,
        h_n=state_rows.array,
        act1=blocks["act1"].result(),
        act2=act2_summary,
        pooled_min=to_numpy(pooled_min).astype(np.float64),
        grad_input=input_grad.result(),
        grad_act1=layer_grads["act1"].result(),
        grad_act2=layer_grads["act2"].result(),
        grad_pooled=layer_grads["pooled"].result(),
        act2_gradient_x_activation=to_numpy(product) / (act2_summary.position_mean.shape[1] * n),
        routing=routing,
        selection=selection,
        kept_window=keep,
    )


@dataclass(frozen=True)
class GuidedCapture:
    """B4: the guided-backprop input attribution of the last horizon step, reduced, and its distance to the
    plain gradient.

    Attributes
    ----------
    attribution : AttributionSummary
        Of the guided ``(N, L, F)`` attribution (every ``nn.ReLU`` module passes on only ≥ 0 gradients).
    difference_norm : (N,) float64
        ``‖guided − plain‖`` of each window (Frobenius norm over steps and features, float64).
    """

    attribution: AttributionSummary
    difference_norm: np.ndarray


def guided_capture(model: nn.Module, x: torch.Tensor, target_step: int = -1) -> GuidedCapture:
    """Per batch, the plain and the guided input gradient (:func:`interp.hooks.guided_relus`), reduced."""
    device = _device(model)
    attribution, differences = AttributionAccumulator(len(x)), Rows(len(x))
    start = 0
    with _pass(model), _cudnn_off(device), _input_gradients_only(model):
        for chunk in _batches(x):
            plain = _input_gradient(model, chunk, target_step)
            with guided_relus(model):
                guided = _input_gradient(model, chunk, target_step)
            attribution.add(guided)
            difference = guided.double() - plain.double()
            differences.write(start, (difference * difference).sum(dim=(1, 2)).sqrt())
            start += len(chunk)
    return GuidedCapture(attribution.result(), differences.array)


def input_gradients(
    model: nn.Module, x: torch.Tensor, target_step: int = -1, *, guided: bool = False
) -> np.ndarray:
    """``(N, L, F)`` float32 signed ``d y[:, target_step] / d x``; ``guided``: through guided ReLU modules."""
    device = _device(model)
    guide = guided_relus(model) if guided else contextlib.nullcontext()
    out, start = Rows(len(x)), 0
    with _pass(model), _cudnn_off(device), _input_gradients_only(model), guide:
        for chunk in _batches(x):
            out.write(start, _input_gradient(model, chunk, target_step))
            start += len(chunk)
    return out.array


def _input_gradient(model: nn.Module, chunk: torch.Tensor, target_step: int) -> torch.Tensor:
    inputs = chunk.detach().to(_device(model)).requires_grad_(True)
    (grad,) = torch.autograd.grad(model(inputs)[:, target_step].sum(), inputs)
    return grad


LAYER_OUTPUTS = ("conv1", "conv2", "pooled")
"""The layer outputs :func:`layer_output_gradients` differentiates at: the two Conv1d outputs (before BN) and
the pool output (the LSTM input)."""


def layer_output_gradients(
    model: nn.Module, x: torch.Tensor, target_step: int = -1, *, times_activation: bool = False
) -> dict[str, np.ndarray]:
    """Gradients of ``y[:, target_step]`` at :data:`LAYER_OUTPUTS` (one forward, one backward per batch).

    Returns ``{name: (N, C, L) float32}`` (``(N, C2, L')`` for the pool output); with ``times_activation`` each
    gradient is multiplied by the layer output.
    """
    device = _device(model)
    out, start = {name: Rows(len(x)) for name in LAYER_OUTPUTS}, 0
    with _pass(model), _cudnn_off(device), _input_gradients_only(model):
        for chunk in _batches(x):
            inputs = chunk.detach().to(device).requires_grad_(True)
            with CNNLSTMHookManager(model) as hooks:
                pred = model(inputs)
            outputs = [hooks.captures[name] for name in LAYER_OUTPUTS]
            grads = torch.autograd.grad(pred[:, target_step].sum(), outputs)
            for name, grad, output in zip(LAYER_OUTPUTS, grads, outputs, strict=True):
                out[name].write(start, grad * output if times_activation else grad)
            start += len(chunk)
    return {name: rows.array for name, rows in out.items()}


def pooled_output(model: nn.Module, x: torch.Tensor) -> np.ndarray:
    """``(N, C2, L')`` float32 pool output (the LSTM input) of every window: forward passes without gradients."""
    device = _device(model)
    out, start = Rows(len(x)), 0
    with _pass(model), torch.no_grad():
        for chunk in _batches(x):
            with CNNLSTMHookManager(model) as hooks:
                model(chunk.to(device))
            out.write(start, hooks.captures["pooled"])
            start += len(chunk)
    return out.array


def paired_channel_correlation(
    model_a: nn.Module, x_a: torch.Tensor, model_b: nn.Module, x_b: torch.Tensor
) -> np.ndarray:
    """``(C2a, C2b)`` Pearson correlation of every pair of pool-input channels (block 2 after BN + ReLU) of two
    models over the same windows and all their positions.

    ``x_a[i]`` and ``x_b[i]`` must hold the same data, each in its model's units. Forward passes without
    gradients, both models side by side, batch by batch (:class:`~interp.summaries.ChannelMoments`).
    """
    moments = ChannelMoments()
    batch = window_batch(x_a.shape[1])
    with _pass(model_a), _pass(model_b), torch.no_grad():
        for start in range(0, len(x_a), batch):
            a = _pool_input(model_a, x_a[start : start + batch])
            b = _pool_input(model_b, x_b[start : start + batch])
            moments.add(a, b.to(a.device))
    return moments.correlation()


def _pool_input(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    with CNNLSTMHookManager(model) as hooks:
        model(x.to(_device(model)))
    return hooks.captures["act2"]


def predict(model: nn.Module, x: torch.Tensor) -> np.ndarray:
    """Forward pass in eval mode without gradients: ``(N, H)`` predictions in model units."""
    device = _device(model)
    out, start = Rows(len(x)), 0
    with _pass(model), torch.no_grad():
        for chunk in _batches(x):
            out.write(start, model(chunk.to(device)))
            start += len(chunk)
    return out.array


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
    handle = lstm.register_forward_hook(lambda m, i, out: states.append(to_numpy(out[1][0][-1])))
    try:
        pred = predict(model, x)
    finally:
        handle.remove()
    return ComparisonCapture(h_n=np.concatenate(states), pred=pred)


@contextlib.contextmanager
def _pass(model: nn.Module) -> Iterator[None]:
    """One pass: under :func:`~interp.hooks.model_unchanged`, and the C heap trimmed afterwards.

    A pass allocates and frees hundreds of MB of batch buffers; glibc keeps freed memory in its heap, where
    the next pass, interleaved with whatever was allocated in between, cannot always reuse it. Without the
    trim, each study of a null model added its pass's buffers to the resident memory (measured at 5-min data:
    +170 MB over the five null models).
    """
    try:
        with model_unchanged(model):
            yield
    finally:
        trim = _malloc_trim()
        if trim is not None:
            trim(0)


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, or None where the C library has none (macOS, Windows, musl)."""
    try:
        return ctypes.CDLL(ctypes.util.find_library("c")).malloc_trim
    except (OSError, AttributeError, TypeError):
        return None


def _device(model: nn.Module) -> torch.device:
    return next(model.parameters()).device


def _cudnn_off(device: torch.device):
    """Gradients through an LSTM need cuDNN off on CUDA (its RNN backward requires training mode)."""
    if device.type == "cuda":
        return torch.backends.cudnn.flags(enabled=False)
    return contextlib.nullcontext()


@contextlib.contextmanager
def _input_gradients_only(model: nn.Module, *, native_lstm: bool = True) -> Iterator[None]:
    """Freeze the parameters and (``native_lstm``) run the LSTM on PyTorch's native CPU kernels; both restored.

    Frozen parameters let autograd skip every weight gradient; oneDNN's fused LSTM backward computes them
    regardless, so around the LSTM's forward (two module hooks) oneDNN is switched off: the native LSTM's
    backward takes only the input and hidden-state gradients (about 0.7× the time). Its values agree with
    oneDNN's to float32 rounding, not bit for bit: the study's capture keeps oneDNN, so that its hidden states
    (and the regime probe's borderline windows, C4) are those of a plain forward pass.
    """
    frozen = [p for p in model.parameters() if p.requires_grad]
    lstm = find_layers(model).lstm
    enabled = torch.backends.mkldnn.enabled
    handles = []
    try:
        for parameter in frozen:
            parameter.requires_grad_(False)
        if native_lstm:
            handles.append(lstm.register_forward_pre_hook(lambda *_: _set_mkldnn(False)))
            handles.append(lstm.register_forward_hook(lambda *_: _set_mkldnn(enabled)))
        yield
    finally:
        for handle in handles:
            handle.remove()
        _set_mkldnn(enabled)
        for parameter in frozen:
            parameter.requires_grad_(True)


def _set_mkldnn(enabled: bool) -> None:
    torch.backends.mkldnn.enabled = enabled


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
    device = _device(model)
    index = torch.as_tensor(list(channels), dtype=torch.long, device=device)
    fill = torch.as_tensor(np.asarray(values), dtype=torch.float32, device=device)

    def replace(_module: nn.Module, inputs: tuple[torch.Tensor, ...]) -> tuple[torch.Tensor, ...]:
        out = inputs[0].clone()
        out[:, index] = fill.to(out.dtype)
        return (out, *inputs[1:])

    with _pass(model), torch.no_grad():
        handle = target.register_forward_pre_hook(replace)
        try:
            return predict(model, x)
        finally:
            handle.remove()
