"""How alike two models are on the same windows: the drift tier's measures that need both models.

Every measure here is invariant to what a retrain permutes (the order of filters, units and hidden dimensions)
and to an overall scale where that is arbitrary:

- :func:`linear_cka`: linear centred kernel alignment of two representations of the same N samples (Kornblith
  et al., "Similarity of neural network representations revisited", ICML 2019, arXiv:1905.00414), invariant to
  orthogonal transforms (so to permutations of units) and isotropic scaling;
- :func:`rank_correlation`: Spearman's ρ of two importance vectors indexed by input feature (features keep
  their meaning across retrains, filters do not);
- :func:`top_k_overlap`: the share of the k most important features two vectors have in common;
- the study-level measures of the catalog's drift declarations (CKA of hidden states and CNN features, the
  correlation of the two forecasts).
"""

from __future__ import annotations

import numpy as np
from scipy.stats import spearmanr

from interp.study import Study


def linear_cka(a: np.ndarray, b: np.ndarray) -> float:
    """Linear CKA of ``(N, p)`` and ``(N, q)`` representations of the same N samples, in [0, 1].

    ``‖BᵀA‖²_F / (‖AᵀA‖_F · ‖BᵀB‖_F)`` after centring each column; computed in float64 through the N × N Gram
    matrices when N is smaller than the widths. NaN when either representation is constant or not finite.
    """
    x = np.asarray(a, dtype=np.float64).reshape(len(a), -1)
    y = np.asarray(b, dtype=np.float64).reshape(len(b), -1)
    if x.shape[0] != y.shape[0]:
        raise ValueError(
            f"linear_cka needs the same samples on both sides. Found {x.shape[0]} and {y.shape[0]}."
        )
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        return float("nan")
    x = x - x.mean(axis=0)
    y = y - y.mean(axis=0)
    if x.shape[1] > x.shape[0] or y.shape[1] > y.shape[0]:
        kx, ky = x @ x.T, y @ y.T
        cross, norm_x, norm_y = float(np.sum(kx * ky)), float(np.linalg.norm(kx)), float(np.linalg.norm(ky))
    else:
        cross = float(np.linalg.norm(y.T @ x) ** 2)
        norm_x, norm_y = float(np.linalg.norm(x.T @ x)), float(np.linalg.norm(y.T @ y))
    if norm_x == 0.0 or norm_y == 0.0:
        return float("nan")
    return cross / (norm_x * norm_y)


def rank_correlation(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman's ρ of two vectors; NaN when either is not finite or constant."""
    x, y = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))) or np.ptp(x) == 0 or np.ptp(y) == 0:
        return float("nan")
    return float(spearmanr(x, y).statistic)


def top_k_overlap(a: np.ndarray, b: np.ndarray, k: int = 3) -> float:
    """Share of the ``k`` largest entries of ``a`` that are among the ``k`` largest of ``b`` (ties: lower index).

    NaN when either vector is not finite.
    """
    x, y = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        return float("nan")
    k = min(k, x.size)
    top = {int(i) for i in np.argsort(-x, kind="stable")[:k]}
    return len(top & {int(i) for i in np.argsort(-y, kind="stable")[:k]}) / k


def hidden_state_cka(study: Study, baseline: Study) -> float:
    """C3 drift: linear CKA of the two models' final LSTM states ``h_n`` on the same windows."""
    return linear_cka(study.capture.h_n, baseline.capture.h_n)


def cnn_feature_cka(study: Study, baseline: Study) -> float:
    """C1 drift: linear CKA of the two models' pool outputs (the LSTM's input), flattened per window."""
    return linear_cka(study.pooled, baseline.pooled)


def forecast_correlation(study: Study, baseline: Study) -> float:
    """E5 drift: Pearson r of the two models' last-step forecasts (ppm) on the same windows."""
    a, b = study.predictions_ppm[:, -1], baseline.predictions_ppm[:, -1]
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))) or np.ptp(a) == 0 or np.ptp(b) == 0:
        return float("nan")
    return float(np.corrcoef(a, b)[0, 1])
