"""E1, E2: how information flows from the CNN into the LSTM.

E1 correlates each conv2 filter's mean activation with the predicted CO2; E2 counts which input steps the
max-pool hands on to the LSTM (its indices are the only "attention" a CNN-LSTM has). Both read the study's
single capture (per-window filter means, selection counts accumulated batch by batch); nothing here runs the
model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from interp.study import Study, cached
from interp.summaries import SelectionCounts, field_values, selection_counts


@dataclass(frozen=True)
class FilterOutputCorrelation:
    """E1: Pearson correlation between each conv2 filter's mean activation and the predicted CO2.

    Attributes
    ----------
    r_steps : (C, H) float64
        r between filter c's activation (after BN + ReLU) averaged over the L input steps and the prediction
        at horizon step h, over the N evaluation windows. Constant filters (or a constant prediction) give 0;
        NaN/inf activations or predictions (a broken model) give NaN.
    constant : (C,) bool
        Filters whose mean activation is the same in every window (dead or saturated); their r is set to 0.
    prediction_constant : bool
        True when the last-step prediction is the same for every window (then every r is 0).
    """

    r_steps: np.ndarray
    constant: np.ndarray
    prediction_constant: bool

    @property
    def r(self) -> np.ndarray:
        """``(C,)`` r at the last horizon step (the attribution target)."""
        return self.r_steps[:, -1]

    @property
    def ranking(self) -> np.ndarray:
        """``(C,)`` filter indices by decreasing |r| at the last step (ties: lower index first)."""
        return np.argsort(-np.abs(self.r), kind="stable")

    @property
    def n_constant(self) -> int:
        return int(self.constant.sum())


def pearson_columns(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pearson r between every column of ``a`` ``(N, P)`` and every column of ``b`` ``(N, Q)``.

    Returns
    -------
    r : (P, Q) float64
        Correlations; 0 where either column is constant (its r is undefined), NaN where either column has a
        NaN or ±inf value.
    a_constant, b_constant : (P,), (Q,) bool
        Columns with a single distinct value (never a column with a NaN or ±inf value).
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    a_finite, b_finite = np.isfinite(a).all(axis=0), np.isfinite(b).all(axis=0)
    a, b = np.where(a_finite, a, 0.0), np.where(b_finite, b, 0.0)
    a_constant = a_finite & (np.ptp(a, axis=0) == 0)
    b_constant = b_finite & (np.ptp(b, axis=0) == 0)
    ac = a - a.mean(axis=0)
    bc = b - b.mean(axis=0)
    norm = np.outer(np.sqrt((ac * ac).sum(axis=0)), np.sqrt((bc * bc).sum(axis=0)))
    defined = np.outer(~a_constant, ~b_constant) & (norm > 0)
    r = np.zeros(norm.shape)
    np.divide(ac.T @ bc, norm, out=r, where=defined)
    r[~np.outer(a_finite, b_finite)] = np.nan
    return r, a_constant, b_constant


@cached
def filter_output_correlation(study: Study) -> FilterOutputCorrelation:
    """E1: correlate the 64 conv2 filters' mean activations with the predicted CO2 at every horizon step.

    The filter's activation is ``capture.act2`` (conv2 → BN → ReLU, the pool's input) averaged over the
    lookback (``capture.act2.window_mean``); the prediction is in model units (r is unchanged by the affine map
    to ppm).
    """
    cap = study.capture
    r, constant, pred_constant = pearson_columns(cap.act2.window_mean, cap.pred)
    return FilterOutputCorrelation(r_steps=r, constant=constant, prediction_constant=bool(pred_constant[-1]))


@dataclass(frozen=True)
class MaxPoolSelection(SelectionCounts):
    """E2: which input steps the max-pool selects, over all filters and windows, with ties counted apart.

    ``pool_indices`` has shape ``(N, C, P)`` with P pool windows over L input steps; window p of a
    ``MaxPool1d(2)`` covers steps 2p and 2p + 1. A selection is a tie when the selected step's value equals
    that of the other step of its pair (``index ^ 1``): mostly two zeros after the ReLU. The pool then
    picks by its tie-break rule (the first step in PyTorch), so a tie says nothing about which step matters;
    ties are counted apart and left out of the position histogram and of :attr:`second_share`.

    Its fields are those of the pass's :class:`~interp.summaries.SelectionCounts` (``counts`` index 0 is the
    oldest step of the lookback, L - 1 the latest; the pool's choice among ``not_finite_inputs`` is arbitrary)
    and these:

    Attributes
    ----------
    n_channels, n_positions, lookback : int
        C, P and L.
    step_hours : float
        Spacing of the input steps in hours.
    """

    n_channels: int
    n_positions: int
    lookback: int
    step_hours: float

    @property
    def expected_total(self) -> int:
        """N · C · (L // 2): one selection per window, filter and pool window of a MaxPool1d(2)."""
        return self.n_windows * self.n_channels * (self.lookback // 2)

    @property
    def first(self) -> np.ndarray:
        """``(L // 2,)`` decided selections of the first step 2k of each pair."""
        return self.decided_counts[0 : 2 * (self.lookback // 2) : 2]

    @property
    def second(self) -> np.ndarray:
        """``(L // 2,)`` decided selections of the second step 2k + 1 of each pair."""
        return self.decided_counts[1 : 2 * (self.lookback // 2) : 2]

    @property
    def hours_before_last(self) -> np.ndarray:
        """``(L,)`` each input step's time relative to the last input step, hours (0 = last, negative = earlier)."""
        return (np.arange(self.lookback) - (self.lookback - 1)) * self.step_hours

    @property
    def second_share(self) -> float:
        """Share of decided selections (ties left out) that picked the later step of its pair (NaN if none)."""
        decided = int(self.first.sum() + self.second.sum())
        return float(self.second.sum() / decided) if decided else float("nan")

    @property
    def tie_share(self) -> float:
        """Share of all selections that were ties (NaN if there are none at all)."""
        total = int(self.counts.sum())
        return float(self.ties.sum() / total) if total else float("nan")


def maxpool_selection_counts(
    pool_indices: np.ndarray, pool_input: np.ndarray, step_hours: float = 1.0
) -> MaxPoolSelection:
    """Count the selected positions of a ``MaxPool1d(2)``, ties apart.

    Parameters
    ----------
    pool_indices : (N, C, P) int
        Selected positions in 0 … L-1, as ``return_indices=True`` gives them.
    pool_input : (N, C, L)
        The pool's input (to tell ties: the selected value equals its partner's, ``index ^ 1``).
    step_hours : float
        Spacing of the input steps in hours.
    """
    _, c, p = pool_indices.shape
    counts = selection_counts(
        torch.as_tensor(np.asarray(pool_indices)), torch.as_tensor(np.asarray(pool_input))
    )
    return selection_of(counts, c, p, step_hours)


def selection_of(
    counts: SelectionCounts, n_channels: int, n_positions: int, step_hours: float
) -> MaxPoolSelection:
    """:class:`MaxPoolSelection` from a pass's counts over ``n_channels`` channels and ``n_positions`` pool
    windows."""
    return MaxPoolSelection(
        **field_values(counts),
        n_channels=int(n_channels),
        n_positions=int(n_positions),
        lookback=len(counts.counts),
        step_hours=float(step_hours),
    )


@cached
def maxpool_selection(study: Study) -> MaxPoolSelection:
    """E2: histogram of the selected input steps (``capture.selection``) over filters and windows."""
    cap = study.capture
    channels, positions = cap.grad_pooled.mean_abs.shape
    return selection_of(cap.selection, channels, positions, 1.0 / study.dataset.steps_per_hour)
