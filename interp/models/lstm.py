"""The "CNN bypassed" comparison model (E3, C4): the same LSTM and head on the raw input."""

from __future__ import annotations

import torch
from torch import nn

from interp.models.cnn_lstm import ForecastHead


class LSTMForecaster(nn.Module):
    """``lstm`` LSTM(F→128, 2 layers, batch_first) → ``head`` on ``h_n[-1]``.

    Shapes: input ``(B, L, F)`` → output ``(B, H)``, model units.
    """

    def __init__(self, n_features: int = 10, horizon_steps: int = 1) -> None:
        super().__init__()
        self.lstm = nn.LSTM(n_features, 128, num_layers=2, batch_first=True)
        self.head = ForecastHead(128, horizon_steps)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _, (h_n, _) = self.lstm(x)
        return self.head(h_n[-1])
