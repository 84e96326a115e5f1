"""Section C, hidden-state structure (C1–C8), per horizon: figure, then invariants + metrics snapshot.

The t-SNE view of C1/C2 is opt-in (``--tsne``): slow and platform-dependent, so it is saved but never
image-compared or snapshotted.
"""

from __future__ import annotations

import numpy as np
import pytest

from interp.analyses import representations as analyses
from interp.catalog.representations import TSNE_ITEMS
from interp.plots.style import draw_styled
from interp.report import save_item_figure


@pytest.mark.mpl_image_compare
def test_c1_cnn_embedding_by_regime(figure_of):
    return figure_of("C1")


def test_c1_cnn_embedding_by_regime_metrics(metrics_of):
    metrics_of("C1")


@pytest.mark.mpl_image_compare
def test_c2_cnn_embedding_by_hour(figure_of):
    return figure_of("C2")


def test_c2_cnn_embedding_by_hour_metrics(metrics_of):
    metrics_of("C2")


def test_c1_c2_cnn_embedding_tsne(study, request):
    if not study.config.tsne:
        pytest.skip("t-SNE is opt-in (--tsne): slow and platform-dependent, so never image-compared")
    result = analyses.cnn_tsne(study)
    assert result.embedding.shape == (len(study.capture.pooled), 2)
    assert np.all(np.isfinite(result.embedding)) and np.isfinite(result.kl_divergence)
    (item,) = TSNE_ITEMS
    save_item_figure(item, study, draw_styled(item.draw, study), request.config.rootpath / "results")


@pytest.mark.mpl_image_compare
def test_c3_lstm_pca_variance(figure_of):
    return figure_of("C3")


def test_c3_lstm_pca_variance_metrics(metrics_of):
    metrics_of("C3")


@pytest.mark.mpl_image_compare
def test_c4_lstm_pca_by_regime(figure_of):
    return figure_of("C4")


def test_c4_lstm_pca_by_regime_metrics(metrics_of):
    metrics_of("C4")


@pytest.mark.mpl_image_compare
def test_c5_lstm_pca_by_hour(figure_of):
    return figure_of("C5")


def test_c5_lstm_pca_by_hour_metrics(metrics_of):
    metrics_of("C5")


@pytest.mark.mpl_image_compare
def test_c6_kmeans_clusters(figure_of):
    return figure_of("C6")


def test_c6_kmeans_clusters_metrics(metrics_of):
    metrics_of("C6")


@pytest.mark.mpl_image_compare
def test_c7_cnn_vs_lstm_variance(figure_of):
    return figure_of("C7")


def test_c7_cnn_vs_lstm_variance_metrics(metrics_of):
    metrics_of("C7")


@pytest.mark.mpl_image_compare
def test_c8_cca(figure_of):
    return figure_of("C8")


def test_c8_cca_metrics(metrics_of):
    metrics_of("C8")
