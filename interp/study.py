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

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
from torch import nn

from interp.config import StudyConfig
from interp.data.windows import Dataset
from interp.passes import Capture, ComparisonCapture, capture, comparison_capture, guided_gradient

if TYPE_CHECKING:
    from interp.models.checkpoint import CheckpointMeta

R = TypeVar("R")


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
    nulls_from : Study, optional
        For a null model of another study's model (:mod:`interp.nulls`): that study, whose reference null
        models this one shares (same architecture, same data).
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
        nulls_from: Study | None = None,
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
        self.nulls_from = nulls_from
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
