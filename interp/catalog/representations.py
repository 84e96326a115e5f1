"""Section C catalog items (C1–C8): hidden-state structure of the CNN and the LSTM, with their invariants.

Invariants (sanity): the CNN feature maps (C1) and the LSTM state (C3) vary across windows and are finite — a
representation without variance is a dead layer. The regime probe (C4), the clusters (C6) and the canonical
correlations (C8) are reported and tracked as drift, not asserted: a random network of the same architecture
reads the CO2 regime from its state about as well as the trained one does (the input holds the CO2 level), so
no threshold on them separates a trained model from an untrained one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from interp.analyses import representations as analyses
from interp.analyses import similarity
from interp.catalog import SECTION_FOLDERS, Drift, Invariant, Item
from interp.config import REGIME_NAMES
from interp.plots import representations as plots
from interp.study import Study
from interp.verdict import Verdict

FOLDER = SECTION_FOLDERS["C"]


def varies(what: str, ratio: np.ndarray) -> Verdict:
    """Sanity: a representation with a finite, non-zero variance across windows (its explained-variance ratios
    then sum to 1 over all components; to 0 when every window gives the same representation, NaN when not
    finite)."""
    return Verdict(
        float(np.sum(ratio)),
        ">",
        0.0,
        f"share of the {what}'s variance in its leading components",
        fix="The layer gives every window the same (or a non-finite) representation: check it is alive.",
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
        "explained_variance_ratio_top5": result.explained_variance_ratio[:5],
        "regime_centroids_pc12": _centroids(result.scores, analyses.feature_regimes(study)),
        "regime_probe_on_top20_pcs": _probe_metrics(analyses.cnn_regime_probe(study)),
    }


def _c4_metrics(study: Study) -> Mapping[str, Any]:
    regimes = study.dataset.test_regimes
    comparison = analyses.comparison_hidden_state_pca(study)
    pure_centroids = None if comparison is None else _centroids(comparison.scores, regimes)
    return {
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
    real, null = result.real, result.null
    return {
        "canonical_correlations": real.correlations,
        "mean_canonical_correlation": float(np.mean(real.correlations)),
        "variance_weighted_correlation": real.weighted_correlation,
        "null_canonical_correlations": null.correlations.mean(axis=0),
        "null_variance_weighted_correlation": {
            "mean": float(np.mean(null.weighted)),
            "max": float(np.max(null.weighted)),
        },
    }


ITEMS: tuple[Item, ...] = (
    Item(
        "C1",
        "cnn_embedding_by_regime",
        FOLDER,
        "CNN feature-map PCA by CO2 regime",
        draw=lambda s: plots.cnn_embedding_by_regime(
            analyses.cnn_embedding_pca(s), analyses.feature_regimes(s)
        ),
        metrics=_c1_metrics,
        invariants=(
            Invariant(
                "cnn-features-vary",
                lambda s: varies("CNN pool output", analyses.cnn_embedding_pca(s).explained_variance_ratio),
                "sanity",
                "a working conv stack maps different windows to different features, trained or not",
            ),
        ),
        drift=(
            Drift(
                "cnn-feature-cka",
                "linear CKA of the two models' CNN features (pool output) on the same windows",
                "lower",
                similarity=similarity.cnn_feature_cka,
                resolution=0.01,
                scale="correlation",
            ),
        ),
    ),
    Item(
        "C2",
        "cnn_embedding_by_hour",
        FOLDER,
        "CNN feature-map PCA by hour of day",
        draw=lambda s: plots.cnn_embedding_by_hour(analyses.cnn_embedding_pca(s), analyses.feature_hours(s)),
        metrics=lambda s: {
            "pc12_vs_hour_sin_cos_correlation": analyses.hour_correlations(
                analyses.cnn_embedding_pca(s).scores, analyses.feature_hours(s)
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
        invariants=(
            Invariant(
                "hidden-state-varies",
                lambda s: varies("LSTM state h_n", analyses.hidden_state_pca(s).explained_variance_ratio),
                "sanity",
                "a working LSTM maps different windows to different states, trained or not",
            ),
        ),
        drift=(
            Drift(
                "hidden-state-cka",
                "linear CKA of the two models' LSTM states h_n on the same windows",
                "lower",
                similarity=similarity.hidden_state_cka,
                resolution=0.01,
                scale="correlation",
            ),
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
        drift=(
            Drift(
                "regime-probe",
                "balanced accuracy of the linear regime probe on h_n",
                "lower",
                value=lambda s: analyses.hidden_state_regime_probe(s).balanced_accuracy,
                resolution=0.01,
            ),
        ),
        needs_regimes=True,
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
        tables=lambda s: {"C6_cluster_regime_crosstab.csv": crosstab_csv(analyses.hidden_state_clusters(s))},
        needs_regimes=True,
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
        draw=lambda s: plots.cca(analyses.cnn_lstm_cca(s), analyses.feature_regimes(s)),
        metrics=_c8_metrics,
    ),
)

TSNE_ITEMS: tuple[Item, ...] = (
    Item(
        "C1",
        "cnn_embedding_tsne",
        FOLDER,
        "CNN feature-map t-SNE by CO2 regime and hour (opt-in --tsne, not image-compared)",
        draw=lambda s: plots.cnn_tsne(
            analyses.cnn_tsne(s), analyses.feature_regimes(s), analyses.feature_hours(s)
        ),
        metrics=lambda s: {"kl_divergence": analyses.cnn_tsne(s).kl_divergence},
    ),
)
"""Drawn only when ``study.config.tsne`` is set; never in the image baselines."""
