"""The study of one model at one horizon: every analysis computed once, on demand, and cached.

The expensive passes are done once per study (DESIGN §5):

- one forward pass over the evaluation set (the test split in time order) with
  :class:`~interp.hooks.CNNLSTMHookManager` capturing activations, pool indices, ``h_n`` and predictions;
- one backward pass from the attribution target (the prediction at the last horizon step, model units) giving
  the input gradient and the gradients at conv1, conv2, the pool input and the pool output;
- one guided pass (B4).

Analyses are plain functions ``f(study) -> FrozenResult`` decorated with :func:`cached`, which stores the
result on the study, so every analysis is computed at most once per study however many checks read it.
(DESIGN §5 speaks of one cached property per analysis; a decorator keeps each section's analyses in its own
module instead of one ever-growing class.)
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
import torch
from torch import nn

from interp.config import StudyConfig
from interp.data.windows import Dataset
from interp.hooks import CNNLSTMHookManager, guided_relus, model_unchanged

if TYPE_CHECKING:
    from interp.models.checkpoint import CheckpointMeta

R = TypeVar("R")

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


class Study:
    """Everything for one model at one horizon, computed once and cached.

    Parameters
    ----------
    model : nn.Module
        The CNN-LSTM under study. It is never changed: every pass runs under
        :func:`~interp.hooks.model_unchanged`.
    dataset : Dataset
        Windows for this horizon; the evaluation set is ``dataset.test`` in time order.
    horizon_hours : float
        Horizon in hours (1 or 24); must match ``dataset.horizon_hours``.
    comparison_model : nn.Module, optional
        The "CNN bypassed" LSTMForecaster trained on the same data (E3, C4).
    config : StudyConfig
    checkpoint : CheckpointMeta, optional
        Where the model came from (recorded in study_results.json).
    """

    def __init__(
        self,
        model: nn.Module,
        dataset: Dataset,
        horizon_hours: float | None = None,
        *,
        comparison_model: nn.Module | None = None,
        config: StudyConfig = StudyConfig(),
        checkpoint: CheckpointMeta | None = None,
    ) -> None:
        if horizon_hours is not None and float(horizon_hours) != float(dataset.horizon_hours):
            raise ValueError(
                f"horizon_hours={horizon_hours} does not match the dataset's horizon "
                f"{dataset.horizon_hours} h; build the dataset for the same horizon."
            )
        self.model = model
        self.dataset = dataset
        self.horizon_hours = dataset.horizon_hours
        self.comparison_model = comparison_model
        self.config = config
        self.checkpoint = checkpoint
        self._cache: dict[str, Any] = {}

    @property
    def tag(self) -> str:
        """``h1`` or ``h24``: the horizon's id in test ids, folders and snapshots."""
        return f"h{self.horizon_hours:g}"

    @functools.cached_property
    def capture(self) -> Capture:
        """The single forward + backward pass over the evaluation set."""
        return capture(self.model, self.dataset.test.x)

    @functools.cached_property
    def guided_input(self) -> np.ndarray:
        """``(N, L, F)`` guided-backprop attribution of the last horizon step (one extra pass)."""
        return guided_gradient(self.model, self.dataset.test.x)

    @functools.cached_property
    def comparison(self) -> ComparisonCapture | None:
        """One forward pass of the comparison LSTMForecaster (E3, C4); None when no comparison model is given."""
        if self.comparison_model is None:
            return None
        return comparison_capture(self.comparison_model, self.dataset.test.x)

    @functools.cached_property
    def predictions_ppm(self) -> np.ndarray:
        """``(N, H)`` predictions on the evaluation set, ppm."""
        return self.dataset.to_ppm(self.capture.pred)

    @functools.cached_property
    def targets_ppm(self) -> np.ndarray:
        """``(N, H)`` true CO2 of the evaluation set, ppm."""
        return self.dataset.to_ppm(self.dataset.test.y)


def cached(fn: Callable[[Study], R]) -> Callable[[Study], R]:
    """Cache ``fn(study)`` on the study: each analysis is computed at most once per study."""
    key = f"{fn.__module__}.{fn.__qualname__}"

    @functools.wraps(fn)
    def wrapper(study: Study) -> R:
        if key not in study._cache:
            study._cache[key] = fn(study)
        return study._cache[key]

    return wrapper
