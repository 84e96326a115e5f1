"""E3: ablation by CNN layer — how much the forecast needs each conv layer.

Each ablation is one forward pass over the evaluation set on a deep copy of the model with one Conv1d's
weights and bias set to zero (:func:`interp.study.predict`); the model under study is never changed. The
intact RMSE comes from the study's capture, and the "CNN bypassed" bar from the comparison LSTMForecaster's
single forward pass (``study.comparison``), when one is given.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from interp.errors import InvariantError
from interp.hooks import find_layers
from interp.study import Study, cached, predict

MIN_ABLATION_INCREASE = 0.01
"""E3: zeroing a conv layer must raise the RMSE by at least this fraction of the intact RMSE. A margin rather
than a bare ``>`` so that rounding differences between two passes can never pass for a layer that matters."""

INTACT, CONV1_ZEROED, CONV2_ZEROED, LSTM_ONLY = "intact", "conv1 zeroed", "conv2 zeroed", "LSTM only"


@dataclass(frozen=True)
class LayerAblation:
    """E3: forecast error at the last horizon step with each CNN layer ablated.

    Attributes
    ----------
    configurations : tuple of str
        ``("intact", "conv1 zeroed", "conv2 zeroed")`` and ``"LSTM only"`` (the comparison
        LSTMForecaster, CNN bypassed) when the study has a comparison model.
    rmse_ppm, mae_ppm : (K,) float64
        RMSE and MAE in ppm at the last horizon step, one per configuration, over the N evaluation windows.
    """

    configurations: tuple[str, ...]
    rmse_ppm: np.ndarray
    mae_ppm: np.ndarray

    def rmse(self, configuration: str) -> float:
        """RMSE in ppm of one configuration (KeyError naming the known ones if absent)."""
        if configuration not in self.configurations:
            raise KeyError(f"No ablation {configuration!r}; known: {', '.join(self.configurations)}.")
        return float(self.rmse_ppm[self.configurations.index(configuration)])

    @property
    def has_comparison(self) -> bool:
        return LSTM_ONLY in self.configurations

    @property
    def rmse_ratio(self) -> np.ndarray:
        """``(K,)`` RMSE of each configuration divided by the intact RMSE."""
        return self.rmse_ppm / self.rmse_ppm[0]


def zero_conv(model: nn.Module, which: int) -> nn.Module:
    """A deep copy of ``model`` whose ``which``-th Conv1d (0: conv1, 1: conv2) has zero weights and bias."""
    ablated = copy.deepcopy(model)
    layers = find_layers(ablated)
    conv = (layers.conv1, layers.conv2)[which]
    with torch.no_grad():
        conv.weight.zero_()
        if conv.bias is not None:
            conv.bias.zero_()
    return ablated


def last_step_errors(truth_ppm: np.ndarray, pred_ppm: np.ndarray) -> tuple[float, float]:
    """RMSE and MAE in ppm between ``(N, H)`` targets and predictions at the last horizon step."""
    err = np.asarray(pred_ppm, dtype=np.float64)[:, -1] - np.asarray(truth_ppm, dtype=np.float64)[:, -1]
    return float(np.sqrt(np.mean(err**2))), float(np.mean(np.abs(err)))


@cached
def layer_ablation(study: Study) -> LayerAblation:
    """E3: RMSE at the last horizon step intact, with conv1 zeroed, with conv2 zeroed, and LSTM-only."""
    x = study.dataset.test.x
    truth = study.targets_ppm
    preds = {
        INTACT: study.predictions_ppm,
        CONV1_ZEROED: study.dataset.to_ppm(predict(zero_conv(study.model, 0), x)),
        CONV2_ZEROED: study.dataset.to_ppm(predict(zero_conv(study.model, 1), x)),
    }
    if study.comparison is not None:
        preds[LSTM_ONLY] = study.dataset.to_ppm(study.comparison.pred)
    errors = np.array([last_step_errors(truth, p) for p in preds.values()])
    return LayerAblation(configurations=tuple(preds), rmse_ppm=errors[:, 0], mae_ppm=errors[:, 1])


def check_layer_ablation(result: LayerAblation) -> None:
    """E3 invariant: zeroing conv1 and zeroing conv2 each raise the RMSE by at least 1 % of the intact RMSE.

    Raises
    ------
    InvariantError
        Naming the layer whose ablation did not hurt, with both RMSEs.
    """
    intact = result.rmse(INTACT)
    for name in (CONV1_ZEROED, CONV2_ZEROED):
        ablated = result.rmse(name)
        if not ablated > intact * (1 + MIN_ABLATION_INCREASE):
            raise InvariantError(
                f"E3: expected the RMSE with {name} to exceed the intact RMSE {intact:.3f} ppm by at least "
                f"{MIN_ABLATION_INCREASE:.0%}. Found {ablated:.3f} ppm. "
                f"The forecast does not depend on that layer; inspect its weights and retrain."
            )
