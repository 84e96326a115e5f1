"""Deterministic training of the forecasters.

Seeded torch, a seeded DataLoader generator, ``torch.use_deterministic_algorithms(True)`` and a
fixed thread count: on the same machine a retrain reproduces the state_dict bit for bit. Adam on the MSE of
all horizon steps (model units); early stopping on the validation MSE keeps the best epoch's weights.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import sys
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from tqdm.auto import tqdm

from interp.config import TrainConfig
from interp.data.windows import Dataset
from interp.models import MODEL_TYPES


@dataclass(frozen=True)
class TrainResult:
    """A trained model (eval mode) and its training metrics.

    Attributes
    ----------
    model : nn.Module
    best_epoch, epochs_run : int
    train_mse, val_mse : float
        Best epoch's losses, model units.
    val_rmse_ppm : float
        Validation RMSE over all horizon steps at the best epoch, ppm.
    """

    model: nn.Module
    best_epoch: int
    epochs_run: int
    train_mse: float
    val_mse: float
    val_rmse_ppm: float

    def metrics(self) -> dict[str, float | int]:
        return {k: v for k, v in dataclasses.asdict(self).items() if k != "model"}


@contextlib.contextmanager
def deterministic(seed: int, threads: int) -> Iterator[None]:
    """Seed torch, fix the thread count and switch on deterministic algorithms for the block."""
    previous = (torch.get_num_threads(), torch.are_deterministic_algorithms_enabled())
    torch.manual_seed(seed)
    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(True)
    try:
        yield
    finally:
        torch.set_num_threads(previous[0])
        torch.use_deterministic_algorithms(previous[1])


def build_model(model_type: str, dataset: Dataset, model_class: str | None = None) -> nn.Module:
    """A freshly initialised model sized for ``dataset``: ``cnn_lstm`` or ``lstm``, or the user's own class.

    The constructor contract of a user class (``model_class``, ``package.module:Class``): it takes the keyword
    arguments ``n_features`` (input features F) and ``horizon_steps`` (output steps H), and its ``forward`` maps
    ``(B, L, F)`` model units to one tensor ``(B, H)``. It is built from ``nn.Conv1d`` ×2 (each followed by its
    ``nn.BatchNorm1d`` and an ``nn.ReLU`` module), an ``nn.MaxPool1d`` and a unidirectional ``nn.LSTM`` whose last
    hidden state feeds the head; the modules may be nested and named as you like (they are found by type).
    """
    if model_class is not None and model_type == "cnn_lstm":
        from interp.models.checkpoint import resolve_model_class

        cls = resolve_model_class(model_class)
    else:
        cls = MODEL_TYPES[model_type]
    return cls(n_features=dataset.n_features, horizon_steps=dataset.horizon_steps)


def train(
    model_type: str,
    dataset: Dataset,
    config: TrainConfig = TrainConfig(),
    *,
    quiet: bool = False,
    model_class: str | None = None,
) -> TrainResult:
    """Train a ``cnn_lstm`` or ``lstm`` forecaster on ``dataset.train`` with early stopping on ``dataset.val``.

    Parameters
    ----------
    model_type : {"cnn_lstm", "lstm"}
    dataset : Dataset
    config : TrainConfig
    quiet : bool
        Hide the tqdm progress bar (it is hidden anyway when stderr is not a terminal).
    model_class : str, optional
        ``package.module:Class`` of your own CNN-LSTM, trained instead of ``CNNLSTMForecaster`` (see
        :func:`build_model` for its constructor contract).
    """
    with deterministic(config.seed, config.threads):
        model = build_model(model_type, dataset, model_class)
        loader = DataLoader(
            TensorDataset(dataset.train.x, dataset.train.y),
            batch_size=config.batch_size,
            shuffle=True,
            generator=torch.Generator().manual_seed(config.seed),
        )
        optimiser = torch.optim.Adam(
            model.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay
        )
        loss_fn = nn.MSELoss()
        best = (float("inf"), 0, float("nan"), copy.deepcopy(model.state_dict()))
        epochs_run = 0
        bar = tqdm(
            range(config.epochs),
            desc=f"train {model_type} h{dataset.horizon_hours:g}",
            unit="epoch",
            disable=quiet or not sys.stderr.isatty(),
            leave=False,
        )
        for epoch in bar:
            model.train()
            total, count = 0.0, 0
            for x, y in loader:
                optimiser.zero_grad()
                loss = loss_fn(model(x), y)
                loss.backward()
                optimiser.step()
                total += loss.item() * len(x)
                count += len(x)
            val_mse = evaluate_mse(model, dataset.val.x, dataset.val.y)
            epochs_run = epoch + 1
            bar.set_postfix(train=f"{total / count:.4f}", val=f"{val_mse:.4f}")
            if val_mse < best[0]:
                best = (val_mse, epoch + 1, total / count, copy.deepcopy(model.state_dict()))
            elif epoch + 1 - best[1] >= config.patience:
                break
        model.load_state_dict(best[3])
        model.eval()
    scale = float(dataset.scaler.scale[dataset.scaler.target_index])
    return TrainResult(model, best[1], epochs_run, best[2], best[0], float(np.sqrt(best[0]) * scale))


def evaluate_mse(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    """Mean squared error of ``model`` on ``(x, y)`` in eval mode, model units."""
    model.eval()
    with torch.no_grad():
        return float(nn.functional.mse_loss(model(x), y))
