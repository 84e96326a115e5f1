"""Unit tests of the Section C computations (PCA, CCA, probes, clusters) and figures on hand-made inputs."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.cross_decomposition import CCA
from sklearn.decomposition import PCA

from interp.analyses import representations as rep
from interp.plots import representations as plots


def _planted(seed: int = 0, n: int = 200) -> tuple[np.ndarray, np.ndarray]:
    """Two views sharing a strong and a weak latent signal, mixed by random invertible matrices."""
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, 2))
    a = np.c_[z[:, 0] + 0.3 * rng.normal(size=n), z[:, 1] + rng.normal(size=n), rng.normal(size=n)]
    b = np.c_[z[:, 0] + 0.3 * rng.normal(size=n), z[:, 1] + rng.normal(size=n), rng.normal(size=(n, 2))]
    return a @ rng.normal(size=(3, 3)), b @ rng.normal(size=(4, 4))


def test_pca_equals_sklearn_full_solver():
    x = np.random.default_rng(1).normal(size=(60, 12)) @ np.diag(np.linspace(3, 0.1, 12))
    ours = rep.pca(x, 5)
    theirs = PCA(5, svd_solver="full").fit(x)
    np.testing.assert_allclose(ours.explained_variance_ratio, theirs.explained_variance_ratio_, rtol=1e-10)
    np.testing.assert_allclose(ours.components, theirs.components_, atol=1e-10)
    np.testing.assert_allclose(ours.scores, theirs.transform(x), atol=1e-10)


def test_pca_of_constant_features_is_all_zero_and_silent():
    result = rep.pca(np.full((30, 6), 2.5), 4)
    assert result.scores.shape == (30, 4) and result.components.shape == (4, 6)
    assert not np.any(result.explained_variance_ratio) and not np.any(result.scores)


def test_pca_keeps_at_most_min_n_d_components():
    assert rep.pca(np.random.default_rng(0).normal(size=(8, 30)), 20).scores.shape == (8, 8)


@settings(max_examples=30, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(3, 25), st.integers(1, 10)), elements=st.floats(-1e3, 1e3)))
def test_explained_variance_ratio_is_descending_in_unit_interval(x):
    ratio = rep.variance_ratio(rep.centred_svd(x))
    assert np.all(ratio >= 0) and np.all(ratio <= 1 + 1e-12)
    assert np.all(np.diff(ratio) <= 1e-12)
    assert ratio.sum() == pytest.approx(1.0) or ratio.sum() == 0


@pytest.mark.parametrize(
    ("ratio", "expected"), [([0.5, 0.3, 0.15, 0.05], 3), ([0.95, 0.05], 1), ([0.2, 0.2], 0), ([], 0)]
)
def test_components_for_ninety_percent(ratio, expected):
    assert rep.components_for(np.array(ratio)) == expected


def test_cca_matches_sklearn_iterative_cca():
    a, b = _planted()
    sk = CCA(n_components=3, max_iter=5000, tol=1e-12).fit(a, b)
    xs, ys = sk.transform(a, b)
    theirs = [np.corrcoef(xs[:, i], ys[:, i])[0, 1] for i in range(3)]
    ours = rep.canonical_correlations(a, b, ridge=0.0)
    np.testing.assert_allclose(ours.correlations, theirs, atol=1e-6)
    ridged = rep.canonical_correlations(a, b).correlations  # the ridge only shrinks, by ~λ / (2 s²)
    assert np.all(ridged <= np.array(theirs) + 1e-9)
    np.testing.assert_allclose(ridged, theirs, atol=1e-3)


def test_cca_variates_carry_the_correlations():
    a, b = _planted(seed=3)
    result = rep.canonical_correlations(a, b)
    pairwise = [np.corrcoef(result.a_variates[:, i], result.b_variates[:, i])[0, 1] for i in range(3)]
    np.testing.assert_allclose(pairwise, result.correlations, atol=1e-4)


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 10_000))
def test_cca_is_invariant_to_invertible_linear_maps(seed):
    a, b = _planted(seed)
    rng = np.random.default_rng(seed + 1)
    plain = rep.canonical_correlations(a, b, ridge=0).correlations
    a_mixed, b_mixed = a @ rng.normal(size=(3, 3)) + 5.0, b @ rng.normal(size=(4, 4))
    mixed = rep.canonical_correlations(a_mixed, b_mixed, ridge=0)
    np.testing.assert_allclose(mixed.correlations, plain, atol=1e-6)


def test_cca_of_identical_views_is_one_and_of_a_constant_view_is_zero():
    a, _ = _planted()
    assert rep.canonical_correlations(a, a, ridge=0).correlations == pytest.approx(np.ones(3), abs=1e-9)
    assert np.all(rep.canonical_correlations(a, a).correlations < 1)
    assert not np.any(rep.canonical_correlations(a, np.zeros((len(a), 5))).correlations)


def test_cca_reduces_each_side_to_the_stated_rank():
    rng = np.random.default_rng(0)
    result = rep.canonical_correlations(rng.normal(size=(100, 40)), rng.normal(size=(100, 30)), rank=7)
    assert result.rank == 7 and result.correlations.shape == (7,) and result.a_variates.shape == (100, 7)


def test_hour_correlations_of_the_clock_itself_is_the_identity():
    hours = np.arange(240) % 24
    angle = 2 * np.pi * hours / 24
    scores = np.c_[np.sin(angle), np.cos(angle)]
    np.testing.assert_allclose(rep.hour_correlations(scores, hours), np.eye(2), atol=1e-12)
    assert not np.any(rep.hour_correlations(np.zeros((240, 2)), hours))


def _blocks(n_per: int = 40, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Regime 0, 1, 2 repeated in blocks over time; features separate them."""
    rng = np.random.default_rng(seed)
    regimes = np.tile(np.repeat(np.arange(3), n_per), 5).astype(np.int8)
    return np.eye(3)[regimes] * 4 + rng.normal(size=(len(regimes), 3)), regimes


def test_regime_probe_reads_separable_regimes():
    features, regimes = _blocks()
    probe = rep.regime_probe(features, regimes)
    assert probe.balanced_accuracy == 1.0 and probe.n_folds == rep.PROBE_FOLDS


def test_regime_probe_of_constant_features_predicts_the_majority_regime():
    regimes = np.tile(np.array([0] * 30 + [1] * 6 + [2] * 4), 5)
    probe = rep.regime_probe(np.ones((len(regimes), 4)), regimes)
    assert probe.recall.tolist() == [1.0, 0.0, 0.0] and probe.balanced_accuracy == pytest.approx(1 / 3)


def test_regime_probe_reports_an_absent_regime_as_nan():
    features, regimes = _blocks()
    keep = regimes != 2
    probe = rep.regime_probe(features[keep], regimes[keep])
    assert np.isnan(probe.recall[2]) and probe.balanced_accuracy == 1.0


def test_clusters_are_numbered_by_the_order_key_and_counted_once():
    rng = np.random.default_rng(0)
    centres = np.array([[10, 0], [0, 10], [-10, 0], [0, -10]], dtype=float)
    truth = np.repeat(np.arange(4), 25)
    states = centres[truth] + rng.normal(size=(100, 2))
    order_key = np.array([300.0, 100.0, 400.0, 200.0])[truth]
    regimes = np.minimum(truth, 2)
    result = rep.regime_clusters(states, regimes, order_key)
    np.testing.assert_array_equal(result.labels, np.array([2, 0, 3, 1])[truth])
    assert result.crosstab.sum() == 100 and result.crosstab.shape == (4, 3)


def test_clusters_of_too_few_distinct_states_leave_clusters_empty_without_warning():
    states = np.repeat(np.array([[0.0, 1.0], [2.0, 3.0]]), 10, axis=0)
    regimes = np.repeat(np.array([0, 1]), 10)
    result = rep.regime_clusters(states, regimes, order_key=states[:, 0])
    assert result.crosstab.sum(axis=1).tolist() == [10, 10, 0, 0]


def test_regime_figures_draw_every_regime_and_the_missing_comparison_note():
    features, regimes = _blocks()
    result = rep.pca(features, 3)
    fig = plots.lstm_embedding_by_regime(result, regimes, None)
    texts = [t.get_text() for t in fig.axes[1].texts]
    assert any("no comparison model" in t for t in texts)
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert labels == ["Low (n=200)", "Medium (n=200)", "High (n=200)"]
    assert len(plots.lstm_embedding_by_regime(result, regimes, result).axes[1].collections) == 3


def test_variance_figure_marks_the_components_reaching_ninety_percent():
    spectra = rep.VarianceSpectra(cnn=np.array([0.5, 0.3, 0.15, 0.05]), lstm=np.array([0.95, 0.05]))
    fig = plots.cnn_vs_lstm_variance(spectra, n_components=4)
    labels = [t.get_text() for t in fig.axes[1].get_legend().get_texts()]
    assert labels == ["CNN pool output: 90 % at 3 PCs", "LSTM h_n[-1]: 90 % at 1 PCs"]


@pytest.mark.parametrize("draw", ["regime", "hour"])
def test_c4_c5_scatter_axes_fit_the_data_not_a_symmetric_box(draw):
    """Scores far from 0 on one side must fill the panel: limits are each axis' range plus the margin."""
    rng = np.random.default_rng(0)
    scores = np.c_[rng.uniform(5.0, 10.0, 90), rng.uniform(-1.0, 0.5, 90)]
    scores[0, 0], scores[1, 0], scores[0, 1], scores[1, 1] = 5.0, 10.0, -1.0, 0.5
    result = rep.PCAResult(scores, np.array([0.7, 0.2]), np.eye(2))
    if draw == "regime":
        ax = plots.lstm_embedding_by_regime(result, np.arange(90) % 3, None).axes[0]
    else:
        ax = plots.lstm_embedding_by_hour(result, np.arange(90) % 24).axes[0]
    margin = plots.AXIS_MARGIN
    np.testing.assert_allclose(ax.get_xlim(), (5.0 - 5 * margin, 10.0 + 5 * margin))
    np.testing.assert_allclose(ax.get_ylim(), (-1.0 - 1.5 * margin, 0.5 + 1.5 * margin))


def test_tsne_embeds_every_window_in_two_finite_dimensions(small_dataset):
    """C1's opt-in t-SNE (``--tsne``): one finite 2-D point per evaluation window and a finite KL divergence."""
    import torch

    from interp.analyses.representations import cnn_tsne
    from interp.models import CNNLSTMForecaster
    from interp.study import Study

    torch.manual_seed(0)
    study = Study(
        CNNLSTMForecaster(small_dataset.n_features, small_dataset.horizon_steps).eval(), small_dataset
    )
    result = cnn_tsne(study)
    assert result.embedding.shape == (len(study.pooled), 2)
    assert np.all(np.isfinite(result.embedding)) and np.isfinite(result.kl_divergence)
