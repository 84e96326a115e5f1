"""E1, E2: how information flows from the CNN into the LSTM.

E1 correlates each conv2 filter's mean activation with the predicted CO2; E2 counts which input steps the
max-pool hands on to the LSTM (its indices are the only "attention" a CNN-LSTM has). Both read the study's
single capture; nothing here runs the model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from interp.study import Study, cached


@dataclass(frozen=True)
class FilterOutputCorrelation:
    """E1: Pearson correlation between each conv2 filter's mean activation and the predicted CO2.

    Attributes
    ----------
    r_steps : (C, H) float64
        r between filter c's activation (after BN + ReLU) averaged over the L input steps and the prediction
        at horizon step h, over the N evaluation windows. Constant filters (or a constant prediction) give 0.
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
        Correlations; 0 where either column is constant (its r is undefined).
    a_constant, b_constant : (P,), (Q,) bool
        Columns with a single distinct value.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    a_constant = np.ptp(a, axis=0) == 0
    b_constant = np.ptp(b, axis=0) == 0
    ac = a - a.mean(axis=0)
    bc = b - b.mean(axis=0)
    norm = np.outer(np.sqrt((ac * ac).sum(axis=0)), np.sqrt((bc * bc).sum(axis=0)))
    defined = np.outer(~a_constant, ~b_constant) & (norm > 0)
    r = np.zeros(norm.shape)
    np.divide(ac.T @ bc, norm, out=r, where=defined)
    return r, a_constant, b_constant


@cached
def filter_output_correlation(study: Study) -> FilterOutputCorrelation:
    """E1: correlate the 64 conv2 filters' mean activations with the predicted CO2 at every horizon step.

    The filter's activation is ``capture.act2`` (conv2 → BN → ReLU, the pool's input) averaged over the
    lookback; the prediction is in model units (r is unchanged by the affine map to ppm).
    """
    cap = study.capture
    r, constant, pred_constant = pearson_columns(cap.act2.mean(axis=2), cap.pred)
    return FilterOutputCorrelation(r_steps=r, constant=constant, prediction_constant=bool(pred_constant[-1]))


@dataclass(frozen=True)
class MaxPoolSelection:
    """E2: which input steps the max-pool selects, over all filters and windows.

    ``pool_indices`` has shape ``(N, C, P)`` with P pool windows over L input steps; window p of a
    ``MaxPool1d(2)`` covers steps 2p and 2p + 1.

    Attributes
    ----------
    counts : (L,) int64
        Times each input step was selected (0 = oldest step of the lookback, L - 1 = latest).
    first, second : (P,) int64
        Per pool window p, selections of step 2p (first) and of step 2p + 1 (second).
    ties : (L // 2,) int64
        Per pair of steps (2p, 2p + 1), (window, filter) pairs whose two values are equal (mostly both 0
        after the ReLU); MaxPool1d then selects the first step, so ties inflate ``first``.
    n_windows, n_channels, n_positions, lookback : int
        N, C, P and L.
    outside_window : int
        Selections whose index is not in the pool window they were output for (``index // 2 != p``).
    """

    counts: np.ndarray
    first: np.ndarray
    second: np.ndarray
    ties: np.ndarray
    n_windows: int
    n_channels: int
    n_positions: int
    lookback: int
    outside_window: int

    @property
    def expected_total(self) -> int:
        """N · C · (L // 2): one selection per window, filter and pool window of a MaxPool1d(2)."""
        return self.n_windows * self.n_channels * (self.lookback // 2)

    @property
    def second_fraction(self) -> float:
        """Share of all selections that picked the later step of its pool window."""
        return float(self.second.sum() / max(self.counts.sum(), 1))

    @property
    def second_fraction_without_ties(self) -> float:
        """Share of selections picking the later step among pool windows whose two values differ."""
        decided = self.first.sum() + self.second.sum() - self.ties.sum()
        return float(self.second.sum() / max(decided, 1))


def maxpool_selection_counts(pool_indices: np.ndarray, pool_input: np.ndarray) -> MaxPoolSelection:
    """Count the selected positions of a ``MaxPool1d(2)``.

    Parameters
    ----------
    pool_indices : (N, C, P) int
        Selected positions in 0 … L-1, as ``return_indices=True`` gives them.
    pool_input : (N, C, L)
        The pool's input (for the tie count).
    """
    n, c, p = pool_indices.shape
    lookback = pool_input.shape[2]
    positions = np.arange(p)
    counts = np.bincount(pool_indices.ravel(), minlength=lookback).astype(np.int64)
    first = (pool_indices == 2 * positions).sum(axis=(0, 1)).astype(np.int64)
    second = (pool_indices == 2 * positions + 1).sum(axis=(0, 1)).astype(np.int64)
    pairs = lookback // 2
    ties = (pool_input[..., 0 : 2 * pairs : 2] == pool_input[..., 1 : 2 * pairs : 2]).sum(axis=(0, 1))
    outside = int((pool_indices // 2 != positions).sum())
    return MaxPoolSelection(
        counts=counts,
        first=first,
        second=second,
        ties=ties.astype(np.int64),
        n_windows=n,
        n_channels=c,
        n_positions=p,
        lookback=lookback,
        outside_window=outside,
    )


@cached
def maxpool_selection(study: Study) -> MaxPoolSelection:
    """E2: histogram of the selected input steps (``capture.pool_indices``) over filters and windows."""
    cap = study.capture
    return maxpool_selection_counts(cap.pool_indices, cap.act2)
