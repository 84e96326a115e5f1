"""E5/E8: forecast skill against naive forecasts on the same windows.

A forecast is only worth explaining if it beats forecasts that need no model. Four naive forecasts are built
from what every window already holds, for every horizon step ``k`` (all in ppm):

- ``persistence``: the last input value of the target, ``ŷ(t + k) = y(t)``;
- ``mean``: the mean training target of step ``k`` (climatology of the training split);
- ``seasonal``: the value one day before, ``ŷ(t + k) = y(t + k − 24 h)`` (inside the lookback window when the
  lookback is at least 24 h; unavailable otherwise);
- ``hour-of-day``: the mean training target at the hour of day of ``t + k`` (a calendar climatology).

Skill is the MSE skill score ``1 − MSE_model / MSE_naive`` over all windows and all horizon steps (Murphy,
"Skill scores based on the mean square error", Mon. Weather Rev. 1988): 0 is no better than the naive forecast,
1 perfect. ``best naive`` takes, step by step, the lower-MSE of persistence and the mean on these windows
(chosen with hindsight, so it is the harder reference of the two canonical no-skill forecasts).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from interp.study import Study, cached

DAY_HOURS = 24.0

NAIVE_FORECASTS = ("persistence", "mean", "seasonal", "hour-of-day")
"""The naive forecasts, in report order."""


@dataclass(frozen=True)
class SkillScores:
    """E5: the model's and the naive forecasts' errors on the evaluation windows, all horizon steps.

    Attributes
    ----------
    model_mse_ppm2 : (H,) float64
        The model's MSE per horizon step, ppm².
    naive_mse_ppm2 : dict of str to (H,) float64
        Each naive forecast's MSE per step (absent when it cannot be built: ``seasonal`` with a lookback under
        24 h).
    """

    model_mse_ppm2: np.ndarray
    naive_mse_ppm2: dict[str, np.ndarray]

    def skill(self, naive: str) -> float:
        """``1 − ΣMSE_model / ΣMSE_naive`` over the horizon steps (NaN when that naive forecast is absent)."""
        if naive == "best naive":
            reference = self.best_naive_mse_ppm2
        elif naive in self.naive_mse_ppm2:
            reference = self.naive_mse_ppm2[naive]
        else:
            return float("nan")
        total = float(np.sum(reference))
        return 1.0 - float(np.sum(self.model_mse_ppm2)) / total if total > 0 else float("nan")

    @property
    def best_naive_mse_ppm2(self) -> np.ndarray:
        """``(H,)`` per step the lower MSE of persistence and the training mean."""
        return np.minimum(self.naive_mse_ppm2["persistence"], self.naive_mse_ppm2["mean"])

    def skills(self) -> dict[str, float]:
        """Skill over each available naive forecast and over the best naive one."""
        names = [n for n in NAIVE_FORECASTS if n in self.naive_mse_ppm2]
        return {name: self.skill(name) for name in (*names, "best naive")}


def naive_forecasts(study: Study) -> dict[str, np.ndarray]:
    """``{name: (N, H) ppm}`` naive forecasts of the evaluation windows (see the module docstring)."""
    dataset = study.dataset
    target = dataset.scaler.target_index
    history = dataset.to_ppm(dataset.test.x[:, :, target])
    n, steps = history.shape
    horizon = dataset.horizon_steps
    train_y = dataset.to_ppm(dataset.train.y)
    out = {
        "persistence": np.repeat(history[:, -1:], horizon, axis=1),
        "mean": np.broadcast_to(train_y.mean(axis=0), (n, horizon)).copy(),
    }
    day = round(DAY_HOURS * dataset.steps_per_hour)
    lag_index = steps - 1 + np.arange(1, horizon + 1) - day
    if lag_index.min() >= 0 and lag_index.max() < steps:
        out["seasonal"] = history[:, lag_index]
    out["hour-of-day"] = _hour_of_day_climatology(
        train_y,
        _step_hours(dataset.train.t_last_input, dataset),
        _step_hours(dataset.test.t_last_input, dataset),
    )
    return out


def _step_hours(t_last_input: np.ndarray, dataset) -> np.ndarray:
    """``(N, H)`` hour of day of every horizon step's target time."""
    steps = pd.to_timedelta(np.arange(1, dataset.horizon_steps + 1) * dataset.resolution)
    times = pd.DatetimeIndex(t_last_input).to_numpy()[:, None] + steps.to_numpy()[None, :]
    return pd.DatetimeIndex(times.ravel()).hour.to_numpy().reshape(times.shape)


def _hour_of_day_climatology(
    train_y: np.ndarray, train_hours: np.ndarray, test_hours: np.ndarray
) -> np.ndarray:
    """Mean training target per (step, hour of day), looked up for the test windows (step mean if unseen)."""
    out = np.empty(test_hours.shape)
    for k in range(train_y.shape[1]):
        sums = np.bincount(train_hours[:, k], weights=train_y[:, k], minlength=24)
        counts = np.bincount(train_hours[:, k], minlength=24)
        table = np.where(counts > 0, sums / np.maximum(counts, 1), train_y[:, k].mean())
        out[:, k] = table[test_hours[:, k]]
    return out


def skill_scores_of(truth_ppm: np.ndarray, pred_ppm: np.ndarray, naive: dict[str, np.ndarray]) -> SkillScores:
    """Per-step MSEs of a forecast and of each naive forecast against ``(N, H)`` truths (ppm)."""
    truth = np.asarray(truth_ppm, dtype=np.float64)

    def mse(pred: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore", invalid="ignore"):
            return np.mean((np.asarray(pred, dtype=np.float64) - truth) ** 2, axis=0)

    return SkillScores(mse(pred_ppm), {name: mse(values) for name, values in naive.items()})


@cached
def naive_forecasts_of(study: Study) -> dict[str, np.ndarray]:
    """The study's naive forecasts (cached: several items and the drift tier read them)."""
    return naive_forecasts(study)


@cached
def skill_scores(study: Study) -> SkillScores:
    """E5: the model's MSE skill over each naive forecast, all horizon steps, evaluation windows."""
    return skill_scores_of(study.targets_ppm, study.predictions_ppm, naive_forecasts_of(study))
