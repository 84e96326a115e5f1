"""The study of one model at one horizon: every analysis computed once, on demand, and cached.

The expensive passes are done once per study (DESIGN §5), each streaming the evaluation set (the test split
in time order) in batches and keeping only what the analyses read (:mod:`interp.summaries`, DESIGN §9):

- one forward pass with :class:`~interp.hooks.CNNLSTMHookManager` capturing activations, pool indices,
  ``h_n`` and predictions, and one backward pass from the attribution target (the prediction at the last
  horizon step, model units) giving the gradients at the input, the block outputs, conv2 and the pool output
  (:attr:`Study.capture`);
- one guided pass (B4, :attr:`Study.guided`);
- one forward pass for the pool output of every window (C1, C8: :attr:`Study.pooled`), the only per-window
  map kept, read by the few analyses that need it, so studies that never read it (the null models) never
  hold it.

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
import torch
from torch import nn

from interp.config import StudyConfig
from interp.data.windows import Dataset
from interp.errors import ConfigError, DataError
from interp.hooks import find_layers
from interp.passes import (
    STEPS_PER_BATCH,
    Capture,
    ComparisonCapture,
    GuidedCapture,
    capture,
    comparison_capture,
    guided_capture,
    pooled_output,
)
from interp.runtime import memory_left

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
        check_fits_in_memory(model, dataset)
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
        """The single forward + backward pass over the evaluation set, reduced as the analyses read it.

        It keeps the full maps of A4/A5's representative window, chosen from the targets alone.
        """
        from interp.analyses.activations import representative_window  # the analyses import this module

        return capture(self.model, self.dataset.test.x, keep=representative_window(self).index)

    @functools.cached_property
    def guided(self) -> GuidedCapture:
        """The guided-backprop pass of the last horizon step (B4), reduced, with its distance to the gradient."""
        return guided_capture(self.model, self.dataset.test.x)

    @functools.cached_property
    def feature_windows(self) -> np.ndarray:
        """Indices of the evaluation windows the CNN-feature analyses decompose (C1, C2, C7, C8, the C1 drift).

        Every window when there are at most :data:`MAX_FEATURE_WINDOWS`; otherwise every k-th window from the
        first, with the smallest k that keeps at most that many, so they stay evenly spaced in time and the same
        windows give the same subset.
        """
        return feature_window_indices(len(self.dataset.test.x))

    @functools.cached_property
    def pooled(self) -> np.ndarray:
        """``(W, C2, L // 2)`` float32 pool output (the LSTM input) of the :attr:`feature_windows`."""
        windows = self.feature_windows
        x = self.dataset.test.x
        return pooled_output(self.model, x if len(windows) == len(x) else x[torch.as_tensor(windows)])

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


MAX_FEATURE_WINDOWS = 1024
"""Most evaluation windows the CNN-feature analyses decompose: their features are ``C2 · L/2`` wide (9,216 at
lookback 288), so a decomposition of every window grows faster than the windows. 1,024 evenly spaced windows
(more than 42 days of hourly windows) estimate 20 principal components and a CKA well; the reference evaluation
sets (599 and 553 windows) are decomposed whole."""


def feature_window_indices(n_windows: int) -> np.ndarray:
    """:attr:`Study.feature_windows` of ``n_windows`` evaluation windows: ``0, k, 2k, …`` with the smallest
    ``k ≥ 1`` that keeps at most :data:`MAX_FEATURE_WINDOWS`."""
    stride = max(1, -(-n_windows // MAX_FEATURE_WINDOWS))
    return np.arange(0, n_windows, stride)


BATCH_VALUES_PER_UNIT = 13
"""float32 values a gradient batch holds per conv channel and LSTM hidden unit per window step (autograd's saved
tensors and the batch's maps; measured 190 MB for 32 + 64 channels and 128 units at 56 windows × 288 steps)."""


def memory_estimate(model: nn.Module, dataset: Dataset) -> int:
    """Bytes a study of ``model`` on ``dataset`` adds to the process at its peak, roughly (an upper estimate).

    One gradient batch (:data:`~interp.passes.STEPS_PER_BATCH` window steps, :data:`BATCH_VALUES_PER_UNIT`
    values per channel and hidden unit), the pool output kept for C1/C8 (``W · C2 · L/2`` float32 for the
    ``W ≤`` :data:`MAX_FEATURE_WINDOWS` feature windows), its decomposition (``24 · W · C2 · L/2`` bytes: the
    centred float64 copy, ``vt`` and LAPACK's work) and the per-window rows of the passes
    (``N · (2L + 4 (C1 + C2) + 2 (H + hidden))`` float64). The data itself is already in memory when a study is built.
    """
    layers = find_layers(model)
    c1, c2, hidden = layers.conv1.out_channels, layers.conv2.out_channels, layers.lstm.hidden_size
    n, lookback = len(dataset.test.x), int(dataset.lookback_steps)
    width = c2 * (lookback // 2)
    batch = STEPS_PER_BATCH * BATCH_VALUES_PER_UNIT * (c1 + c2 + hidden) * 4
    rows = n * (2 * lookback + 4 * (c1 + c2) + 2 * (dataset.horizon_steps + hidden)) * 8
    w = len(feature_window_indices(n))
    return batch + w * width * 4 + 24 * w * width + rows


def check_fits_in_memory(model: nn.Module, dataset: Dataset) -> None:
    """Refuse, before any pass, a study whose :func:`memory_estimate` exceeds what the machine has left.

    What is left is the physical memory less this process's peak resident memory so far (the data is loaded).
    A model without the studied layers is left to the passes, which name what is missing.

    Raises
    ------
    DataError
        With the estimate, the number of windows and the fix.
    """
    left = memory_left()
    try:
        need = memory_estimate(model, dataset)
    except ConfigError:
        return
    if left is not None and need > left:
        raise DataError(
            f"{dataset.source}: expected the study of {len(dataset.test.x)} evaluation windows of "
            f"{dataset.lookback_steps} steps to fit in the {left / 1e9:.1f} GB this machine has left. "
            f"Found an estimate of {need / 1e9:.1f} GB (one gradient batch, the rows kept per window and the CNN "
            f"features of up to {MAX_FEATURE_WINDOWS} windows). Study a shorter stretch of data or a coarser "
            "resolution."
        )


def cached(fn: Callable[[Study], R]) -> Callable[[Study], R]:
    """Cache ``fn(study)`` on the study: each analysis is computed at most once per study."""
    key = f"{fn.__module__}.{fn.__qualname__}"

    @functools.wraps(fn)
    def wrapper(study: Study) -> R:
        if key not in study._cache:
            study._cache[key] = fn(study)
        return study._cache[key]

    return wrapper
