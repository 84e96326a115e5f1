"""Hook context managers: activation capture, guided ReLUs, and the model-unchanged guard.

Hooks exist only inside ``with`` blocks and are removed in ``finally``, even when the body raises
(the pattern of Captum's ``tests/attr/test_hook_removal.py``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from interp.errors import ConfigError, InvariantError


@dataclass(frozen=True)
class CNNLayers:
    """The modules the suite studies, found by type in registration order."""

    conv1: nn.Conv1d
    conv2: nn.Conv1d
    pool: nn.MaxPool1d
    lstm: nn.LSTM


def find_layers(model: nn.Module) -> CNNLayers:
    """Find the two Conv1d layers, the MaxPool1d and the LSTM of ``model`` by type.

    Raises
    ------
    ConfigError
        When the model does not expose two Conv1d, one MaxPool1d and one LSTM module.
    """
    convs = [m for m in model.modules() if isinstance(m, nn.Conv1d)]
    pools = [m for m in model.modules() if isinstance(m, nn.MaxPool1d)]
    lstms = [m for m in model.modules() if isinstance(m, nn.LSTM)]
    if len(convs) < 2 or not pools or not lstms:
        raise ConfigError(
            f"Expected a model with two nn.Conv1d, one nn.MaxPool1d and one nn.LSTM module. "
            f"Found {len(convs)} Conv1d, {len(pools)} MaxPool1d and {len(lstms)} LSTM in "
            f"{type(model).__name__}. Build the model from these torch.nn modules so the hooks can find them."
        )
    return CNNLayers(convs[0], convs[1], pools[0], lstms[0])


def check_forecaster(model: nn.Module, x: torch.Tensor, horizon_steps: int) -> None:
    """Refuse, with one clear line, a model the suite cannot study faithfully.

    The model must expose the studied layers (:func:`find_layers`), its LSTM must be unidirectional (the suite
    reads the last layer's final hidden state as what the head reads; a bidirectional LSTM's head reads both
    directions), and ``model(x)`` must return one tensor ``(N, horizon_steps)``.

    Raises
    ------
    ConfigError
        Naming what was found and the fix.
    """
    layers = find_layers(model)
    name = type(model).__name__
    if layers.lstm.bidirectional:
        raise ConfigError(
            f"{name}: expected a unidirectional nn.LSTM (the suite studies the final hidden state the head reads). "
            f"Found bidirectional=True. Study a unidirectional model, or wrap yours so its head reads one direction."
        )
    with model_unchanged(model), torch.no_grad():
        out = model(x[:2])
    if not isinstance(out, torch.Tensor):
        raise ConfigError(
            f"{name}: expected forward to return one tensor (batch, {horizon_steps}). Found a {type(out).__name__}. "
            f"Wrap the model so forward returns the prediction only, e.g. `lambda x: model(x)[0]` in an nn.Module."
        )
    if tuple(out.shape) != (min(2, len(x)), horizon_steps):
        raise ConfigError(
            f"{name}: expected forward to return (batch, {horizon_steps}) predictions. Found shape "
            f"{tuple(out.shape)}. Build the model with horizon_steps={horizon_steps} for this data."
        )


class CNNLSTMHookManager:
    """Capture a CNN-LSTM's internal tensors during a forward pass.

    Inside the ``with`` block, ``captures`` fills with the tensors of the latest forward pass:

    - ``conv1``, ``conv2``: Conv1d module outputs (before BN), ``(B, 32, L)`` and ``(B, 64, L)``;
    - ``act1``: the input of conv2, i.e. block 1 after BN + ReLU, ``(B, 32, L)``;
    - ``act2``: the input of the pool, i.e. block 2 after BN + ReLU, ``(B, 64, L)``;
    - ``pooled``, ``pool_indices``: pool output and the selected positions (0 … L-1), ``(B, 64, L // 2)``;
    - ``h_n``: the LSTM's last-layer final hidden state, ``(B, 128)``.

    The pool is switched to ``return_indices=True`` for the block; its hook hands only the values on, so the
    model's forward pass is unchanged. ``return_indices`` is restored on exit.
    """

    def __init__(self, model: nn.Module) -> None:
        self.model = model
        self.layers = find_layers(model)
        self.captures: dict[str, torch.Tensor] = {}
        self._handles: list[Any] = []
        self._return_indices = self.layers.pool.return_indices

    def __enter__(self) -> CNNLSTMHookManager:
        layers = self.layers
        try:
            layers.pool.return_indices = True
            self._handles += [
                layers.conv1.register_forward_hook(self._store_output("conv1")),
                layers.conv2.register_forward_hook(self._store_output("conv2")),
                layers.conv2.register_forward_pre_hook(self._store_input("act1")),
                layers.pool.register_forward_pre_hook(self._store_input("act2")),
                layers.pool.register_forward_hook(self._pool_hook),
                layers.lstm.register_forward_hook(self._lstm_hook),
            ]
        except BaseException:
            self._remove()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self._remove()

    def _remove(self) -> None:
        for handle in self._handles:
            handle.remove()
        self._handles.clear()
        self.layers.pool.return_indices = self._return_indices

    def _store_output(self, name: str):
        def hook(module: nn.Module, inputs: tuple, output: torch.Tensor) -> None:
            self.captures[name] = output

        return hook

    def _store_input(self, name: str):
        def hook(module: nn.Module, inputs: tuple) -> None:
            self.captures[name] = inputs[0]

        return hook

    def _pool_hook(self, module: nn.Module, inputs: tuple, output: Any) -> torch.Tensor:
        values, indices = output
        self.captures["pooled"] = values
        self.captures["pool_indices"] = indices
        return values

    def _lstm_hook(self, module: nn.Module, inputs: tuple, output: Any) -> None:
        _, (h_n, _) = output
        self.captures["h_n"] = h_n[-1]


@contextlib.contextmanager
def guided_relus(model: nn.Module) -> Iterator[list[nn.ReLU]]:
    """Make every ``nn.ReLU`` module of ``model`` pass on only non-negative gradients (guided backprop).

    Functional ``F.relu`` calls and the LSTM's gates are untouched: guided backprop acts on ReLU modules only
    (Springenberg et al., arXiv:1412.6806). Yields the ReLU modules found.
    """
    relus = [m for m in model.modules() if isinstance(m, nn.ReLU)]
    handles = []
    try:
        for relu in relus:
            handles.append(relu.register_full_backward_hook(_clamp_gradient))
        yield relus
    finally:
        for handle in handles:
            handle.remove()


def _clamp_gradient(module: nn.Module, grad_input: tuple, grad_output: tuple) -> tuple:
    return tuple(None if g is None else torch.clamp(g, min=0.0) for g in grad_input)


def _hook_count(model: nn.Module) -> int:
    return sum(
        len(m._forward_hooks)
        + len(m._forward_pre_hooks)
        + len(m._backward_hooks)
        + len(m._backward_pre_hooks)
        for m in model.modules()
    )


@dataclass(frozen=True)
class ModelState:
    """What an analysis must leave as it found it."""

    training: bool
    state: dict[str, torch.Tensor]
    requires_grad: dict[str, bool]
    return_indices: tuple[bool, ...]
    hooks: int

    @classmethod
    def of(cls, model: nn.Module) -> ModelState:
        return cls(
            training=model.training,
            state={k: v.detach().clone() for k, v in model.state_dict().items()},
            requires_grad={k: p.requires_grad for k, p in model.named_parameters()},
            return_indices=tuple(m.return_indices for m in model.modules() if isinstance(m, nn.MaxPool1d)),
            hooks=_hook_count(model),
        )

    def differences(self, model: nn.Module) -> list[str]:
        """Names of what differs between this record and ``model`` now (empty when unchanged)."""
        now = ModelState.of(model)
        diffs = []
        if now.training != self.training:
            diffs.append(f"training mode {self.training} → {now.training}")
        changed = [k for k, v in self.state.items() if k not in now.state or not _same(v, now.state[k])]
        diffs += [f"state_dict[{k!r}] changed" for k in changed]
        diffs += [
            f"requires_grad of {k!r} changed"
            for k, v in self.requires_grad.items()
            if now.requires_grad.get(k) != v
        ]
        if now.return_indices != self.return_indices:
            diffs.append(f"pool.return_indices {self.return_indices} → {now.return_indices}")
        if now.hooks != self.hooks:
            diffs.append(f"{now.hooks - self.hooks} hook(s) left on the model")
        return diffs


def _same(a: torch.Tensor, b: torch.Tensor) -> bool:
    """Equal tensors, with NaN equal to NaN (``torch.equal`` treats NaN as unequal to itself) and ±inf only to
    itself: a model with NaN or infinite weights (a diverged update) is "unchanged" when they are where they were.
    """
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    if a.is_floating_point() or a.is_complex():
        nan_a, nan_b = a.isnan(), b.isnan()
        return torch.equal(nan_a, nan_b) and torch.equal(a.masked_fill(nan_a, 0), b.masked_fill(nan_b, 0))
    return torch.equal(a, b)


@contextlib.contextmanager
def model_unchanged(model: nn.Module) -> Iterator[None]:
    """Run an analysis in eval mode and restore the model's mode afterwards, even when the body raises.

    Raises
    ------
    InvariantError
        When, after a body that did not raise, the state_dict, ``requires_grad``, ``return_indices`` or the
        hook count differ from before.
    """
    before = ModelState.of(model)
    model.eval()
    try:
        yield
    finally:
        model.train(before.training)
    diffs = before.differences(model)
    if diffs:
        raise InvariantError(f"The analysis changed the model: {'; '.join(diffs)}.")
