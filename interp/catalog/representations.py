"""Section C catalog items (C1–C8): hidden-state structure of the CNN and the LSTM, with their invariants.

Invariants:

- C1, C3: explained-variance ratios are finite, in [0, 1], descending, sum to at most 1, and not all zero
  (a representation without variance is a dead layer).
- C4: a linear probe reads the CO2 regime from ``h_n`` better than chance: the balanced accuracy of a
  logistic regression (balanced class weights) on the 20 leading PCs of ``h_n``, over
  :data:`~interp.analyses.representations.PROBE_FOLDS` chronological folds, is at least
  :data:`PROBE_MIN_BALANCED_ACCURACY` (chance 1/3; the reference models reach 0.77 at 1 h and 0.54 at
  24 h, a window-shuffled LSTM 0.23–0.32). Calibrated on the embedded data; skipped on user data.
- C6: the cluster/regime crosstab counts every window once and every cluster is non-empty.
- C8: canonical correlations are finite, in [0, 1] and descending.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from interp.analyses import representations as analyses
from interp.catalog import SECTION_FOLDERS, Item
from interp.config import REGIME_NAMES
from interp.errors import InvariantError, InvariantSkipped
from interp.plots import representations as plots
from interp.study import Study

FOLDER = SECTION_FOLDERS["C"]

PROBE_MIN_BALANCED_ACCURACY = 0.45
"""C4 threshold: chance is 1/3 for three regimes; a healthy model's state reads the regime far better."""

TOLERANCE = 1e-9
"""Slack for the floating-point comparisons of ratios and correlations."""


def check_explained_variance(item_id: str, what: str, ratio: np.ndarray) -> None:
    """Raise InvariantError unless ``ratio`` is a valid, non-zero, descending explained-variance ratio."""
    problems = []
    if not np.all(np.isfinite(ratio)):
        problems.append("non-finite values")
    elif np.any(ratio < -TOLERANCE) or np.any(ratio > 1 + TOLERANCE):
        problems.append(f"values outside [0, 1] (min {ratio.min():.3g}, max {ratio.max():.3g})")
    elif np.any(np.diff(ratio) > TOLERANCE):
        problems.append(f"an increase at component {int(np.argmax(np.diff(ratio) > TOLERANCE)) + 2}")
    elif ratio.sum() > 1 + 1e-6:
        problems.append(f"a sum of {ratio.sum():.6f}")
    elif ratio.sum() == 0:
        problems.append("no variance at all (every window has the same representation)")
    if problems:
        raise InvariantError(
            f"{item_id}: expected the explained-variance ratios of the {what} to be finite, in [0, 1], "
            f"descending, non-zero and to sum to at most 1. Found {problems[0]}. "
            f"Check that the layer is alive and that the PCA is fitted on the evaluation set."
        )


def check_canonical_correlations(item_id: str, result: analyses.CCAResult) -> None:
    """Raise InvariantError unless the canonical correlations are finite, in [0, 1] and descending."""
    corr = result.correlations
    if not np.all(np.isfinite(corr)) or np.any(corr < -TOLERANCE) or np.any(corr > 1 + TOLERANCE):
        found = f"values from {np.min(corr):.6g} to {np.max(corr):.6g}"
    elif np.any(np.diff(corr) > TOLERANCE):
        found = f"an increase at pair {int(np.argmax(np.diff(corr) > TOLERANCE)) + 2}"
    else:
        return
    raise InvariantError(
        f"{item_id}: expected canonical correlations in [0, 1] in descending order. Found {found}. "
        f"Check the whitening of both sides (centring, rank, ridge)."
    )


def check_crosstab(item_id: str, clusters: analyses.ClusterResult, n_windows: int) -> None:
    """Raise InvariantError unless the crosstab counts each of ``n_windows`` once and no cluster is empty."""
    total = int(clusters.crosstab.sum())
    sizes = clusters.crosstab.sum(axis=1)
    if np.any(clusters.labels < 0):
        found = f"{int(np.sum(clusters.labels < 0))} windows left unclustered (non-finite hidden states)"
    elif total != n_windows:
        found = f"{total} windows in the crosstab for {n_windows} evaluation windows"
    elif np.any(sizes == 0):
        found = f"empty clusters (sizes {sizes.tolist()}), i.e. fewer distinct hidden states than clusters"
    else:
        return
    raise InvariantError(
        f"{item_id}: expected a crosstab of {len(sizes)} non-empty clusters that counts every window once. "
        f"Found {found}. Check that the LSTM state varies across windows and that every label is counted."
    )


def check_regime_probe(item_id: str, study: Study) -> None:
    """Raise InvariantError unless ``h_n`` encodes the regime better than chance (embedded data only)."""
    if not study.dataset.is_embedded:
        raise InvariantSkipped(
            f"{item_id}: the regime-probe threshold {PROBE_MIN_BALANCED_ACCURACY} is calibrated on the "
            f"embedded data; on {study.dataset.source} read the probe's balanced accuracy in the metrics."
        )
    probe = analyses.hidden_state_regime_probe(study)
    if not probe.balanced_accuracy >= PROBE_MIN_BALANCED_ACCURACY:
        raise InvariantError(
            f"{item_id}: expected a linear probe of the CO2 regime from the 20 leading PCs of h_n to reach "
            f"a balanced accuracy of at least {PROBE_MIN_BALANCED_ACCURACY} (chance 1/3) over "
            f"{probe.n_folds} chronological folds. "
            f"Found {probe.balanced_accuracy:.3f} (recall per regime {np.round(probe.recall, 3).tolist()}). "
            f"Check that the LSTM is trained and receives the CNN features."
        )


def crosstab_csv(clusters: analyses.ClusterResult) -> str:
    """C6 crosstab as CSV text: one row per cluster, one column per regime, plus the cluster size."""
    header = ",".join(["cluster", *REGIME_NAMES[: clusters.crosstab.shape[1]], "size"])
    rows = [",".join(map(str, [c, *row, row.sum()])) for c, row in enumerate(clusters.crosstab)]
    return "\n".join([header, *rows]) + "\n"


def _centroids(scores: np.ndarray, regimes: np.ndarray) -> list[list[float]]:
    return [
        scores[regimes == r, :2].mean(axis=0).tolist() if np.any(regimes == r) else [float("nan")] * 2
        for r in range(3)
    ]


def _probe_metrics(probe: analyses.ProbeResult | None) -> Mapping[str, Any] | None:
    if probe is None:
        return None
    return {"balanced_accuracy": probe.balanced_accuracy, "recall": probe.recall}


def _c1_metrics(study: Study) -> Mapping[str, Any]:
    result = analyses.cnn_embedding_pca(study)
    return {
        "n_windows": len(result.scores),
        "n_features": result.components.shape[1],
        "explained_variance_ratio_top5": result.explained_variance_ratio[:5],
        "regime_centroids_pc12": _centroids(result.scores, study.dataset.test_regimes),
        "regime_probe_on_top20_pcs": _probe_metrics(analyses.cnn_regime_probe(study)),
    }


def _c4_metrics(study: Study) -> Mapping[str, Any]:
    regimes = study.dataset.test_regimes
    comparison = analyses.comparison_hidden_state_pca(study)
    pure_centroids = None if comparison is None else _centroids(comparison.scores, regimes)
    return {
        "probe": f"balanced logistic regression on 20 PCs, {analyses.PROBE_FOLDS} chronological folds",
        "cnn_lstm_regime_probe": _probe_metrics(analyses.hidden_state_regime_probe(study)),
        "pure_lstm_regime_probe": _probe_metrics(analyses.comparison_regime_probe(study)),
        "cnn_lstm_regime_centroids_pc12": _centroids(analyses.hidden_state_pca(study).scores, regimes),
        "pure_lstm_regime_centroids_pc12": pure_centroids,
    }


def _c6_metrics(study: Study) -> Mapping[str, Any]:
    clusters = analyses.hidden_state_clusters(study)
    sizes = clusters.crosstab.sum(axis=1)
    return {
        "crosstab_cluster_by_regime": clusters.crosstab,
        "cluster_sizes": sizes,
        "adjusted_rand_index": clusters.adjusted_rand,
        "purity": clusters.crosstab.max(axis=1).sum() / max(int(sizes.sum()), 1),
    }


def _c7_metrics(study: Study) -> Mapping[str, Any]:
    spectra = analyses.variance_spectra(study)
    at = (1, 2, 5, 10, 20)
    return {
        "cnn_components_for_90pct": analyses.components_for(spectra.cnn),
        "lstm_components_for_90pct": analyses.components_for(spectra.lstm),
        "cnn_cumulative_at": {k: np.cumsum(spectra.cnn)[k - 1] for k in at if k <= len(spectra.cnn)},
        "lstm_cumulative_at": {k: np.cumsum(spectra.lstm)[k - 1] for k in at if k <= len(spectra.lstm)},
    }


def _c8_metrics(study: Study) -> Mapping[str, Any]:
    result = analyses.cnn_lstm_cca(study)
    return {
        "rank": result.rank,
        "ridge": result.ridge,
        "canonical_correlations": result.correlations,
        "mean_canonical_correlation": float(np.mean(result.correlations)),
    }


ITEMS: tuple[Item, ...] = (
    Item(
        "C1",
        "cnn_embedding_by_regime",
        FOLDER,
        "CNN feature-map PCA by CO2 regime",
        draw=lambda s: plots.cnn_embedding_by_regime(analyses.cnn_embedding_pca(s), s.dataset.test_regimes),
        metrics=_c1_metrics,
        invariants=lambda s: check_explained_variance(
            "C1", "CNN pool output", analyses.cnn_embedding_pca(s).explained_variance_ratio
        ),
    ),
    Item(
        "C2",
        "cnn_embedding_by_hour",
        FOLDER,
        "CNN feature-map PCA by hour of day",
        draw=lambda s: plots.cnn_embedding_by_hour(analyses.cnn_embedding_pca(s), s.dataset.test_hours),
        metrics=lambda s: {
            "pc12_vs_hour_sin_cos_correlation": analyses.hour_correlations(
                analyses.cnn_embedding_pca(s).scores, s.dataset.test_hours
            )
        },
    ),
    Item(
        "C3",
        "lstm_pca_variance",
        FOLDER,
        "LSTM hidden-state PCA explained variance (top 20)",
        draw=lambda s: plots.lstm_variance(analyses.hidden_state_pca(s)),
        metrics=lambda s: {
            "explained_variance_ratio": analyses.hidden_state_pca(s).explained_variance_ratio,
            "cumulative": float(np.sum(analyses.hidden_state_pca(s).explained_variance_ratio)),
        },
        invariants=lambda s: check_explained_variance(
            "C3", "LSTM state h_n", analyses.hidden_state_pca(s).explained_variance_ratio
        ),
    ),
    Item(
        "C4",
        "lstm_pca_by_regime",
        FOLDER,
        "LSTM hidden-state PCA by CO2 regime, vs the pure LSTM",
        draw=lambda s: plots.lstm_embedding_by_regime(
            analyses.hidden_state_pca(s), s.dataset.test_regimes, analyses.comparison_hidden_state_pca(s)
        ),
        metrics=_c4_metrics,
        invariants=lambda s: check_regime_probe("C4", s),
    ),
    Item(
        "C5",
        "lstm_pca_by_hour",
        FOLDER,
        "LSTM hidden-state PCA by hour of day",
        draw=lambda s: plots.lstm_embedding_by_hour(analyses.hidden_state_pca(s), s.dataset.test_hours),
        metrics=lambda s: {
            "pc12_vs_hour_sin_cos_correlation": analyses.hour_correlations(
                analyses.hidden_state_pca(s).scores, s.dataset.test_hours
            )
        },
    ),
    Item(
        "C6",
        "kmeans_clusters",
        FOLDER,
        "K-Means (4 clusters) of the LSTM states and CO2-regime crosstab",
        draw=lambda s: plots.kmeans_clusters(analyses.hidden_state_pca(s), analyses.hidden_state_clusters(s)),
        metrics=_c6_metrics,
        invariants=lambda s: check_crosstab("C6", analyses.hidden_state_clusters(s), len(s.capture.h_n)),
        tables=lambda s: {"C6_cluster_regime_crosstab.csv": crosstab_csv(analyses.hidden_state_clusters(s))},
    ),
    Item(
        "C7",
        "cnn_vs_lstm_variance",
        FOLDER,
        "CNN vs LSTM explained variance",
        draw=lambda s: plots.cnn_vs_lstm_variance(analyses.variance_spectra(s)),
        metrics=_c7_metrics,
    ),
    Item(
        "C8",
        "cca",
        FOLDER,
        "Canonical correlations between CNN feature maps and LSTM states",
        draw=lambda s: plots.cca(analyses.cnn_lstm_cca(s), s.dataset.test_regimes),
        metrics=_c8_metrics,
        invariants=lambda s: check_canonical_correlations("C8", analyses.cnn_lstm_cca(s)),
    ),
)

TSNE_ITEMS: tuple[Item, ...] = (
    Item(
        "C1",
        "cnn_embedding_tsne",
        FOLDER,
        "CNN feature-map t-SNE by CO2 regime and hour (opt-in --tsne, not image-compared)",
        draw=lambda s: plots.cnn_tsne(analyses.cnn_tsne(s), s.dataset.test_regimes, s.dataset.test_hours),
        metrics=lambda s: {"kl_divergence": analyses.cnn_tsne(s).kl_divergence},
    ),
)
"""Drawn only when ``study.config.tsne`` is set; never in the image baselines."""
