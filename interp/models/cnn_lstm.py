"""The CNN-LSTM forecaster under study (DESIGN §4)."""

from __future__ import annotations

import torch
from torch import nn


class ForecastHead(nn.Sequential):
    """``Linear(hidden → 64) → ReLU → Linear(64 → horizon_steps)`` on the last hidden state."""

    def __init__(self, hidden_size: int, horizon_steps: int) -> None:
        super().__init__(nn.Linear(hidden_size, 64), nn.ReLU(), nn.Linear(64, horizon_steps))


class CNNLSTMForecaster(nn.Module):
    """Two conv blocks, a max-pool and a two-layer LSTM forecasting CO2 ``horizon_steps`` ahead.

    ``conv1`` Conv1d(F→32, k=7, pad 3) → ``bn1`` → ``relu1`` → ``conv2`` Conv1d(32→64, k=5, pad 2) → ``bn2`` →
    ``relu2`` → ``pool`` MaxPool1d(2) → ``lstm`` LSTM(64→128, 2 layers) → ``head`` on ``h_n[-1]``.

    Parameters
    ----------
    n_features : int
        Input features F.
    horizon_steps : int
        Output steps H.

    Shapes
    ------
    input ``(B, L, F)`` in model units → output ``(B, H)`` in model units. Activations: ``(B, 32, L)``,
    ``(B, 64, L)``, pooled ``(B, 64, L // 2)``.
    """

    def __init__(self, n_features: int = 10, horizon_steps: int = 1) -> None:
        super().__init__()
        self.conv1 = nn.Conv1d(n_features, 32, kernel_size=7, padding=3)
        self.bn1 = nn.BatchNorm1d(32)
        self.relu1 = nn.ReLU()
        self.conv2 = nn.Conv1d(32, 64, kernel_size=5, padding=2)
        self.bn2 = nn.BatchNorm1d(64)
        self.relu2 = nn.ReLU()
        self.pool = nn.MaxPool1d(2)
        self.lstm = nn.LSTM(64, 128, num_layers=2, batch_first=True)
        self.head = ForecastHead(128, horizon_steps)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        z = self.relu1(self.bn1(self.conv1(x.transpose(1, 2))))
        z = self.relu2(self.bn2(self.conv2(z)))
        pooled = self.pool(z)
        if isinstance(pooled, tuple):  # pool.return_indices set by a caller that forgot its hook
            pooled = pooled[0]
        _, (h_n, _) = self.lstm(pooled.transpose(1, 2))
        return self.head(h_n[-1])
