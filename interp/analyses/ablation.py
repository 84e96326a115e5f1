"""E3: ablation by CNN layer — how much the forecast needs each conv block.

The CNN is the LSTM's only input path, so removing a whole block (zeroing its weights, or replacing its whole
output by a constant) removes the input altogether: the forecast becomes a constant and both layers look the
same ("input removed"). Instead each block is ablated at half capacity, keeping its operating point: a seeded
random half of its channels is mean-ablated — each replaced, in every window, by its mean over the evaluation
set (per position), after BN + ReLU — and the other half keeps its information. The RMSE is averaged over
:data:`DRAWS` random halves (their range is reported). The whole-block ablation is kept as the "input removed"
reference, and the comparison LSTMForecaster trained on the same data gives the plan's "LSTM on raw input" bar.
Mean-ablation as in Wang et al., "Interpretability in the wild" (arXiv:2211.00593), §2.

Every ablated pass is one forward pass over the evaluation set (:func:`interp.passes.ablated_predict`); the
model under study is never changed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from interp.passes import ablated_predict
from interp.study import Study, cached
from interp.summaries import BlockSummary

DRAWS = 4
"""Random halves ablated per block; their RMSEs are averaged."""

INTACT, CONV1_HALF, CONV2_HALF, LSTM_ONLY = "intact", "conv1 half ablated", "conv2 half ablated", "LSTM only"
BLOCK_POINTS = {CONV1_HALF: "act1", CONV2_HALF: "act2"}
"""The block output each half-ablation replaces (see :data:`interp.passes.ABLATION_POINTS`)."""


@dataclass(frozen=True)
class LayerAblation:
    """E3: forecast error at the last horizon step with each conv block at half capacity.

    Attributes
    ----------
    configurations : tuple of str
        ``("intact", "conv1 half ablated", "conv2 half ablated")`` and ``"LSTM only"`` (the comparison
        LSTMForecaster, CNN bypassed) when the study has a comparison model.
    rmse_ppm, mae_ppm : (K,) float64
        RMSE and MAE in ppm at the last horizon step, one per configuration (ablations: mean over the draws).
    rmse_range_ppm : (K, 2) float64
        Smallest and largest RMSE over the draws (equal to ``rmse_ppm`` for intact and LSTM only).
    prediction_std_ppm : (K,) float64
        Standard deviation of each configuration's last-step forecast over the windows (mean over draws): an
        ablation that keeps the operating point leaves it well above 0.
    input_removed_rmse_ppm : float
        RMSE when a whole block is mean-ablated: the forecast is then one constant (the reference line).
    draws : int
    """

    configurations: tuple[str, ...]
    rmse_ppm: np.ndarray
    mae_ppm: np.ndarray
    rmse_range_ppm: np.ndarray
    prediction_std_ppm: np.ndarray
    input_removed_rmse_ppm: float
    draws: int

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


def last_step_errors(truth_ppm: np.ndarray, pred_ppm: np.ndarray) -> tuple[float, float]:
    """RMSE and MAE in ppm between ``(N, H)`` targets and predictions at the last horizon step."""
    err = np.asarray(pred_ppm, dtype=np.float64)[:, -1] - np.asarray(truth_ppm, dtype=np.float64)[:, -1]
    return float(np.sqrt(np.mean(err**2))), float(np.mean(np.abs(err)))


def random_halves(n_channels: int, draws: int, seed: int) -> list[np.ndarray]:
    """``draws`` seeded random halves (sorted channel indices, ``n_channels // 2`` each) of ``n_channels``."""
    rng = np.random.default_rng(seed)
    return [np.sort(rng.permutation(n_channels)[: n_channels // 2]) for _ in range(draws)]


def _block_output(study: Study, point: str) -> BlockSummary:
    return study.capture.act1 if point == "act1" else study.capture.act2


@cached
def half_ablation_predictions(study: Study) -> dict[str, list[np.ndarray]]:
    """``{configuration: [(N, H) ppm forecast per draw]}`` for the two half-ablated blocks."""
    x = study.dataset.test.x
    out: dict[str, list[np.ndarray]] = {}
    for configuration, point in BLOCK_POINTS.items():
        means = _block_output(study, point).position_mean
        out[configuration] = [
            study.dataset.to_ppm(ablated_predict(study.model, x, point, half, means[half]))
            for half in random_halves(len(means), DRAWS, study.config.seed)
        ]
    return out


@cached
def layer_ablation(study: Study) -> LayerAblation:
    """E3: RMSE at the last horizon step intact, with each conv block half mean-ablated, and LSTM-only."""
    truth = study.targets_ppm
    runs: dict[str, list[np.ndarray]] = {INTACT: [study.predictions_ppm], **half_ablation_predictions(study)}
    if study.comparison is not None:
        runs[LSTM_ONLY] = [study.dataset.to_ppm(study.comparison.pred)]
    errors = {name: np.array([last_step_errors(truth, p) for p in preds]) for name, preds in runs.items()}
    whole = _block_output(study, "act2").position_mean
    removed = study.dataset.to_ppm(
        ablated_predict(study.model, study.dataset.test.x[:1], "act2", range(len(whole)), whole)
    )
    return LayerAblation(
        configurations=tuple(runs),
        rmse_ppm=np.array([e[:, 0].mean() for e in errors.values()]),
        mae_ppm=np.array([e[:, 1].mean() for e in errors.values()]),
        rmse_range_ppm=np.array([(e[:, 0].min(), e[:, 0].max()) for e in errors.values()]),
        prediction_std_ppm=np.array(
            [np.mean([float(np.std(p[:, -1])) for p in preds]) for preds in runs.values()]
        ),
        input_removed_rmse_ppm=last_step_errors(truth, np.broadcast_to(removed, truth.shape))[0],
        draws=DRAWS,
    )
