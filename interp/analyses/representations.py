"""Section C: geometry of the CNN feature maps and the LSTM hidden states (C1–C8).

Two representations of each evaluation window are studied: the CNN's pool output (the LSTM's input), flattened
to ``(N, 64 · L/2)``, and the LSTM's last-layer final hidden state ``h_n[-1]``, ``(N, 128)``. Pure functions
work on arrays; the ``@cached`` functions apply them to a :class:`~interp.study.Study`; the catalog and
Section D read those.

A diverged model (inf or NaN in a representation) does not raise here: its results are NaN (the clusters
label no window), and the section's invariants report them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg
from sklearn.cluster import KMeans
from sklearn.linear_model import LogisticRegression
from sklearn.manifold import TSNE
from sklearn.metrics import adjusted_rand_score
from sklearn.model_selection import KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from interp.study import Study, cached

N_COMPONENTS = 20
"""Principal components kept for the PCA results (C3 "top 20 PCs")."""

N_CLUSTERS = 4
"""K-Means clusters of the hidden states (C6)."""

CCA_RANK = 20
"""Each side is reduced to this many principal components before CCA (C8)."""

CCA_RIDGE = 1e-6
"""CCA ridge, relative to each side's largest eigenvalue."""

CCA_NULL_DRAWS = 20
"""Time-shifted pairings drawn for the CCA null (C8)."""

CCA_NULL_MIN_SHIFT_HOURS = 24.0
"""A null pairing puts each window beside one at least this far away (a day: no shared weather or occupancy)."""

PROBE_FOLDS = 5
"""Chronological folds (contiguous blocks of windows, no shuffling) of the regime probes."""

VARIANCE_TARGET = 0.9
"""Cumulative explained variance whose component count C7 reports."""

KEPT_AXES = 50
"""Principal axes (rows of :attr:`CentredSVD.vt`) a decomposition keeps: C1–C6 read 20, t-SNE's PCA 50."""

SVD_MAX_ELEMENTS = 1 << 22
"""Largest ``N · D`` decomposed by a thin SVD of a centred float64 copy (32 MB). A wider representation with
``N ≤ D`` (the pool output of 5-minute data has 64 · 144 = 9216 columns) is decomposed through its ``N × N``
Gram matrix, accumulated from the float32 features in blocks of columns: memory ``O(N²)`` instead of a few
``N · D`` float64 copies. The eigenvalues of the Gram matrix carry an absolute error of about ``1e-16 · S₁²``,
so the leading singular values and vectors agree with the SVD's to float64 rounding (tested); only the
smallest singular values lose digits, and no analysis reads them (C7 draws the leading components)."""

GRAM_BLOCK_ELEMENTS = 1 << 20
"""Entries (``N ·`` columns) of one float64 block of centred columns while the Gram matrix is accumulated."""


@dataclass(frozen=True)
class PCAResult:
    """Principal component analysis of N samples of a D-dimensional representation.

    Attributes
    ----------
    scores : (N, k) projections on the components, in the representation's own units.
    explained_variance_ratio : (k,) fraction of the total variance per component, descending; all zero
        when the representation does not vary at all.
    components : (k, D) unit-norm principal axes.
    """

    scores: np.ndarray
    explained_variance_ratio: np.ndarray
    components: np.ndarray


@dataclass(frozen=True)
class ProbeResult:
    """Cross-validated linear probe of the CO2 regime (chronological folds, out-of-fold predictions pooled).

    Attributes
    ----------
    balanced_accuracy : float
        Mean recall over the regimes present; chance is 1 / (regimes present).
    recall : (R,) recall of each regime (NaN for a regime absent from the data).
    n_folds : int
    """

    balanced_accuracy: float
    recall: np.ndarray
    n_folds: int


@dataclass(frozen=True)
class ClusterResult:
    """K-Means clusters of the hidden states and their crosstab against the CO2 regimes (C6).

    Clusters are numbered by increasing mean target CO2, so cluster 0 is the "lowest-CO2" cluster.

    Attributes
    ----------
    labels : (N,) int cluster of each window.
    crosstab : (K, R) int windows per cluster (rows) and regime (columns); sums to N.
    adjusted_rand : float
        Adjusted Rand index between clusters and regimes (0 for chance, 1 for identical partitions).
    """

    labels: np.ndarray
    crosstab: np.ndarray
    adjusted_rand: float


@dataclass(frozen=True)
class CCAResult:
    """Canonical correlations between two representations (C8).

    Attributes
    ----------
    correlations : (r,) canonical correlations, descending, in [0, 1].
    a_variates, b_variates : (N, r) canonical variates of each side (unit norm columns, shrunk by the ridge).
    a_variance_share : (r,) share of side a's total variance along each of its canonical variates,
        ``‖Xᵀ v‖² / ‖X‖²_F`` for the centred features ``X`` and the unit-norm variate ``v``; sums to at most the
        share of a's variance in the kept components.
    rank : int
        Principal components kept on each side before the analysis.
    ridge : float
        Ridge relative to each side's largest eigenvalue.
    """

    correlations: np.ndarray
    a_variates: np.ndarray
    b_variates: np.ndarray
    a_variance_share: np.ndarray
    rank: int
    ridge: float

    @property
    def weighted_correlation(self) -> float:
        """Canonical correlations averaged with weights :attr:`a_variance_share` (0 when a has no variance).

        Projection-weighted CCA (PWCCA, Morcos et al. 2018, arXiv:1806.05759) with squared projections: a pair
        counts by how much of side a's variance its variate carries, not by one vote per pair, so directions
        holding a sliver of the variance (and, whitened, as much say as the leading ones in a plain mean) barely
        count. Squared projections make the weights independent of a's basis (its neurons); PWCCA's absolute
        projections are not.
        """
        total = float(np.sum(self.a_variance_share))
        if not np.isfinite(total):
            return float("nan")
        return float(np.sum(self.a_variance_share * self.correlations) / total) if total > 0 else 0.0


@dataclass(frozen=True)
class CCANull:
    """The same CCA on time-shifted pairings: a's window ``i`` beside b's window ``(i - shift) mod N`` (C8).

    Each side keeps its own windows and their order, only the pairing moves, so the null keeps what any two
    windows a day or more apart share (the hour-of-day clock in the inputs, the weekly rhythm) and the chance
    correlations of finite samples; a real pairing above it carries window-specific information.

    Attributes
    ----------
    shifts : (S,) int shift of each draw, in windows.
    correlations : (S, r) canonical correlations of each draw.
    weighted : (S,) :attr:`CCAResult.weighted_correlation` of each draw.
    """

    shifts: np.ndarray
    correlations: np.ndarray
    weighted: np.ndarray


@dataclass(frozen=True)
class CCAComparison:
    """C8: the real pairing's CCA and its time-shifted null.

    Attributes
    ----------
    real : CCAResult
        Side a: the CNN pool output; side b: the LSTM state.
    null : CCANull
    min_shift_hours : float
        Least time between the two windows of a null pair, hours.
    """

    real: CCAResult
    null: CCANull
    min_shift_hours: float


@dataclass(frozen=True)
class VarianceSpectra:
    """Full explained-variance spectra of the CNN features and the LSTM states (C7).

    Attributes
    ----------
    cnn, lstm : (min(N, D),) explained variance ratio of every principal component, descending.
    """

    cnn: np.ndarray
    lstm: np.ndarray


@dataclass(frozen=True)
class TSNEResult:
    """Two-dimensional t-SNE embedding (van der Maaten & Hinton, JMLR 9, 2008) of the CNN features.

    Attributes
    ----------
    embedding : (N, 2) embedded coordinates (arbitrary units).
    kl_divergence : float
        Final Kullback-Leibler divergence of the fit.
    """

    embedding: np.ndarray
    kl_divergence: float


@dataclass(frozen=True)
class CentredSVD:
    """Thin SVD of centred features ``X - mean = U · diag(S) · Vt`` with sklearn's PCA sign convention.

    Attributes
    ----------
    u : (N, m) left singular vectors, m = min(N, D).
    s : (m,) singular values, descending.
    vt : (k, D) the leading right singular vectors (the principal axes), k = min(m, :data:`KEPT_AXES`).
    """

    u: np.ndarray
    s: np.ndarray
    vt: np.ndarray


def centred_svd(features: np.ndarray) -> CentredSVD:
    """Centre ``features`` ``(N, D)`` (in float64) and decompose them as ``PCA(svd_solver="full")`` does.

    Each representation is decomposed once per study; PCA (C1–C6), the variance spectra (C7) and the CCA
    (C8) are all read from this one decomposition. A thin SVD up to :data:`SVD_MAX_ELEMENTS`, the Gram matrix
    beyond. Signs follow sklearn's ``svd_flip`` on the kept axes (each axis's largest entry positive).
    Non-finite features give an all-NaN decomposition.
    """
    x = np.asarray(features)
    n, d = x.shape
    m, k = min(n, d), min(n, d, KEPT_AXES)
    if not np.all(np.isfinite(x)):
        return CentredSVD(np.full((n, m), np.nan), np.full(m, np.nan), np.full((k, d), np.nan))
    if x.size <= SVD_MAX_ELEMENTS or n > d:
        wide = np.asarray(x, dtype=np.float64)
        u, s, vt = scipy.linalg.svd(wide - wide.mean(axis=0), full_matrices=False)
    else:
        u, s, vt = _gram_svd(x, k)
    vt = np.array(vt[:k])
    signs = np.sign(vt[np.arange(k), np.argmax(np.abs(vt), axis=1)])
    u[:, :k] *= signs
    vt *= signs[:, None]
    return CentredSVD(u, s, vt)


def _gram_svd(x: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``u (N, N)``, ``s (N,)`` and the ``k`` leading rows of ``vt`` of centred ``x`` ``(N, D)``, ``N ≤ D``."""
    n, d = x.shape
    mean = x.mean(axis=0, dtype=np.float64)
    blocks = [
        slice(i, i + max(1, GRAM_BLOCK_ELEMENTS // n)) for i in range(0, d, max(1, GRAM_BLOCK_ELEMENTS // n))
    ]
    gram = np.zeros((n, n))
    for cols in blocks:
        centred = x[:, cols].astype(np.float64) - mean[cols]
        gram += centred @ centred.T
    eigenvalues, vectors = scipy.linalg.eigh(gram)
    u, s = vectors[:, ::-1], np.sqrt(np.clip(eigenvalues[::-1], 0.0, None))
    vt = np.zeros((k, d))
    scale = np.divide(1.0, s[:k], out=np.zeros(k), where=s[:k] > 0)
    for cols in blocks:
        vt[:, cols] = (u[:, :k].T @ (x[:, cols].astype(np.float64) - mean[cols])) * scale[:, None]
    return u, s, vt


def variance_ratio(svd: CentredSVD) -> np.ndarray:
    """Explained variance ratio ``(m,)`` of every principal component; zeros for constant features."""
    power = svd.s**2
    total = power.sum()
    return np.zeros_like(power) if total == 0 else power / total


def pca_of(svd: CentredSVD, n_components: int = N_COMPONENTS) -> PCAResult:
    """The ``min(n_components, m)`` leading components of a decomposition (sklearn's ``fit_transform``)."""
    k = min(n_components, len(svd.s))
    ratio = variance_ratio(svd)[:k]
    if not np.any(ratio):
        return PCAResult(np.zeros((len(svd.u), k)), ratio, np.zeros((k, svd.vt.shape[1])))
    return PCAResult(svd.u[:, :k] * svd.s[:k], ratio, svd.vt[:k])


def pca(features: np.ndarray, n_components: int = N_COMPONENTS) -> PCAResult:
    """Principal components of ``features`` ``(N, D)``; equal to sklearn ``PCA(n, svd_solver="full")``.

    A representation without any variance (a dead layer) has no principal axes: its scores, ratios and
    components are zeros.
    """
    return pca_of(centred_svd(features), n_components)


def components_for(ratio: np.ndarray, target: float = VARIANCE_TARGET) -> int:
    """Fewest leading components whose cumulative explained variance reaches ``target`` (0 if never)."""
    reached = np.flatnonzero(np.cumsum(ratio) >= target - 1e-12)
    return int(reached[0] + 1) if reached.size else 0


def hour_correlations(scores: np.ndarray, hours: np.ndarray) -> np.ndarray:
    """Pearson correlation ``(2, 2)`` of the first two score columns (rows) with sin and cos of the hour.

    ``hours`` are hours of day (0–23); a constant column correlates 0 by definition, non-finite scores NaN.
    """
    if not np.all(np.isfinite(scores[:, :2])):
        return np.full((2, 2), np.nan)
    angle = 2 * np.pi * np.asarray(hours, dtype=np.float64) / 24
    clock = np.stack([np.sin(angle), np.cos(angle)], axis=1)
    a = scores[:, :2] - scores[:, :2].mean(axis=0)
    b = clock - clock.mean(axis=0)
    norms = np.outer(np.linalg.norm(a, axis=0), np.linalg.norm(b, axis=0))
    return np.divide(a.T @ b, norms, out=np.zeros((a.shape[1], 2)), where=norms > 0)


def regime_probe(features: np.ndarray, regimes: np.ndarray, n_regimes: int = 3) -> ProbeResult:
    """Balanced accuracy of a cross-validated logistic-regression regime probe on ``(N, D)`` features.

    The studies feed it the 20 leading principal components of a representation: a linear map of it that
    keeps most of its variance and makes the probe several times cheaper than on the raw 128–768 columns.

    Folds are :data:`PROBE_FOLDS` contiguous blocks in time order (no shuffling): neighbouring windows share
    almost all of their input, so shuffled folds would leak. Out-of-fold predictions are pooled and scored
    once. Features are standardised inside each training fold, and the classes are weighted by inverse
    frequency (``class_weight="balanced"``): the score is the balanced accuracy and Low dominates the data
    (~75 % of the windows), so an unweighted probe would learn to say Low. A training fold with a single
    regime, or whose features do not vary, predicts its most frequent regime (chance level, not a tie
    broken by rounding). Non-finite features give a NaN accuracy.
    """
    x = np.asarray(features, dtype=np.float64)
    y = np.asarray(regimes)
    if not np.all(np.isfinite(x)):
        return ProbeResult(float("nan"), np.full(n_regimes, np.nan), PROBE_FOLDS)
    predicted = np.empty_like(y)
    for train, test in KFold(PROBE_FOLDS, shuffle=False).split(x):
        if len(np.unique(y[train])) < 2 or not np.any(np.ptp(x[train], axis=0) > 0):
            predicted[test] = np.bincount(y[train]).argmax()
            continue
        probe = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000, class_weight="balanced"))
        predicted[test] = probe.fit(x[train], y[train]).predict(x[test])
    recall = np.array(
        [np.mean(predicted[y == r] == r) if np.any(y == r) else np.nan for r in range(n_regimes)]
    )
    return ProbeResult(float(np.nanmean(recall)), recall, PROBE_FOLDS)


def regime_clusters(
    states: np.ndarray, regimes: np.ndarray, order_key: np.ndarray, n_regimes: int = 3, seed: int = 0
) -> ClusterResult:
    """K-Means (:data:`N_CLUSTERS` clusters, ``n_init=10``, ``random_state=seed``) and the regime crosstab.

    Clusters are renumbered by increasing mean ``order_key`` (e.g. target CO2 in ppm). With fewer distinct
    states than clusters, each distinct state is its own cluster and the remaining clusters stay empty.
    Non-finite states are not clustered: every label is -1 and the crosstab is all zero.
    """
    x = np.asarray(states, dtype=np.float64)
    if not np.all(np.isfinite(x)):
        empty = np.zeros((N_CLUSTERS, n_regimes), dtype=np.int64)
        return ClusterResult(np.full(len(x), -1, dtype=np.int64), empty, float("nan"))
    distinct, inverse = np.unique(x, axis=0, return_inverse=True)
    if len(distinct) < N_CLUSTERS:
        raw = inverse.ravel()
    else:
        raw = KMeans(N_CLUSTERS, n_init=10, random_state=seed).fit_predict(x)
    means = [order_key[raw == c].mean() if np.any(raw == c) else np.inf for c in range(N_CLUSTERS)]
    rank = np.empty(N_CLUSTERS, dtype=np.int64)
    rank[np.argsort(means, kind="stable")] = np.arange(N_CLUSTERS)
    labels = rank[raw]
    crosstab = np.zeros((N_CLUSTERS, n_regimes), dtype=np.int64)
    np.add.at(crosstab, (labels, np.asarray(regimes, dtype=np.int64)), 1)
    return ClusterResult(labels, crosstab, float(adjusted_rand_score(regimes, labels)))


def canonical_correlations(
    a: np.ndarray, b: np.ndarray, rank: int = CCA_RANK, ridge: float = CCA_RIDGE
) -> CCAResult:
    """Closed-form CCA (Hotelling, Biometrika 28, 1936) of ``a`` ``(N, Da)`` and ``b`` ``(N, Db)``."""
    return cca_of(centred_svd(a), centred_svd(b), rank, ridge)


def cca_of(a: CentredSVD, b: CentredSVD, rank: int = CCA_RANK, ridge: float = CCA_RIDGE) -> CCAResult:
    """Canonical correlations of two centred decompositions, each reduced to ``rank`` principal components.

    The reduced scores of a side are ``U S``; ``U`` is the orthonormal basis a QR of those scores gives.
    The ridge whitens with ``(S² + λ)^(-1/2)`` instead of ``S⁻¹`` (``λ = ridge · S₁²``), i.e.
    ``Q = U S / √(S² + λ)``, so that near-null directions cannot produce spurious correlations of 1. The
    canonical correlations are the singular values of ``Q_aᵀ Q_b``; a side without variance correlates 0,
    a non-finite side NaN.
    """
    qa, qb = _whitened_basis(a, rank, ridge), _whitened_basis(b, rank, ridge)
    if not (np.all(np.isfinite(a.s)) and np.all(np.isfinite(b.s))):
        r = min(qa.shape[1], qb.shape[1])
        nan = np.full((len(qa), r), np.nan)
        return CCAResult(np.full(r, np.nan), nan, nan, np.full(r, np.nan), r, ridge)
    left, corr, right_t = np.linalg.svd(qa.T @ qb, full_matrices=False)
    a_variates = qa @ left
    return CCAResult(
        corr, a_variates, qb @ right_t.T, _variance_share(a, a_variates), min(qa.shape[1], qb.shape[1]), ridge
    )


def _variance_share(svd: CentredSVD, variates: np.ndarray) -> np.ndarray:
    """``(r,)`` share of the decomposed features' variance along each (normalised) variate column."""
    norms = np.linalg.norm(variates, axis=0)
    unit = np.divide(variates, norms, out=np.zeros_like(variates), where=norms > 0)
    power = np.sum(svd.s**2)
    projected = np.sum((unit.T @ (svd.u * svd.s)) ** 2, axis=1)
    return projected / power if power > 0 else np.zeros(variates.shape[1])


def null_shifts(n_windows: int, min_shift: int, draws: int = CCA_NULL_DRAWS, seed: int = 0) -> np.ndarray:
    """``(draws,)`` circular shifts drawn uniformly from ``[m, N - m]``, ``m = min(min_shift, N // 2)``.

    Every shifted window is then at least ``m`` windows from its own, in either direction around the circle
    (the windows are in time order; with gaps in the data the time between them is only longer).
    """
    m = min(int(min_shift), n_windows // 2)
    return np.random.default_rng(seed).integers(m, n_windows - m, size=draws, endpoint=True)


def shifted_null(
    a: CentredSVD, b: CentredSVD, shifts: np.ndarray, rank: int = CCA_RANK, ridge: float = CCA_RIDGE
) -> CCANull:
    """:func:`cca_of` with b's windows rolled by each shift (rows of a centred matrix rolled stay centred)."""
    draws = [cca_of(a, CentredSVD(np.roll(b.u, int(k), axis=0), b.s, b.vt), rank, ridge) for k in shifts]
    return CCANull(
        np.asarray(shifts, dtype=np.int64),
        np.stack([d.correlations for d in draws]),
        np.array([d.weighted_correlation for d in draws]),
    )


def _whitened_basis(svd: CentredSVD, rank: int, ridge: float) -> np.ndarray:
    u, s = svd.u[:, :rank], svd.s[:rank]
    denominator = np.sqrt(s**2 + ridge * s[0] ** 2)
    return u * np.divide(s, denominator, out=np.zeros_like(s), where=denominator > 0)


def _cnn_features(study: Study) -> np.ndarray:
    pooled = study.pooled
    return pooled.reshape(len(pooled), -1)


def feature_regimes(study: Study) -> np.ndarray:
    """The CO2 regime (at t+H) of each of the study's :attr:`~interp.study.Study.feature_windows`."""
    return np.asarray(study.dataset.test_regimes)[study.feature_windows]


def feature_hours(study: Study) -> np.ndarray:
    """The hour of day (last input step) of each of the study's :attr:`~interp.study.Study.feature_windows`."""
    return np.asarray(study.dataset.test_hours)[study.feature_windows]


@cached
def cnn_svd(study: Study) -> CentredSVD:
    """The pool output of the feature windows flattened to ``(W, 64 · L/2)``, centred and decomposed once (C1,
    C2, C7, C8); W is every evaluation window up to :data:`~interp.study.MAX_FEATURE_WINDOWS`."""
    return centred_svd(_cnn_features(study))


@cached
def feature_window_state_svd(study: Study) -> CentredSVD:
    """``capture.h_n`` of the feature windows, centred and decomposed (C8 pairs it with :func:`cnn_svd`)."""
    windows = study.feature_windows
    if len(windows) == len(study.capture.h_n):
        return hidden_state_svd(study)
    return centred_svd(study.capture.h_n[windows])


@cached
def hidden_state_svd(study: Study) -> CentredSVD:
    """``capture.h_n`` ``(N, 128)`` centred and decomposed once (C3–C8)."""
    return centred_svd(study.capture.h_n)


@cached
def cnn_embedding_pca(study: Study) -> PCAResult:
    """C1, C2, C7: PCA (20 components) of the pool output flattened to ``(N, 64 · L/2)``."""
    return pca_of(cnn_svd(study))


@cached
def hidden_state_pca(study: Study) -> PCAResult:
    """C3–C6 (and Section D): PCA (20 components, ``svd_solver="full"``) of ``capture.h_n`` ``(N, 128)``."""
    return pca_of(hidden_state_svd(study))


@cached
def comparison_hidden_state_pca(study: Study) -> PCAResult | None:
    """C4: PCA of the plain LSTMForecaster's ``h_n[-1]``; None without a comparison model."""
    return None if study.comparison is None else pca(study.comparison.h_n)


@cached
def cnn_regime_probe(study: Study) -> ProbeResult:
    """C1: does the CNN alone separate the regimes? Probe on the CNN's 20 leading principal components."""
    return regime_probe(cnn_embedding_pca(study).scores, feature_regimes(study))


@cached
def hidden_state_regime_probe(study: Study) -> ProbeResult:
    """C4: probe of the regime from the LSTM state's 20 leading principal components (a linear map of h_n)."""
    return regime_probe(hidden_state_pca(study).scores, study.dataset.test_regimes)


@cached
def comparison_regime_probe(study: Study) -> ProbeResult | None:
    """C4: the same probe on the plain LSTMForecaster's state; None without a comparison model."""
    comparison = comparison_hidden_state_pca(study)
    return None if comparison is None else regime_probe(comparison.scores, study.dataset.test_regimes)


@cached
def hidden_state_clusters(study: Study) -> ClusterResult:
    """C6: K-Means of ``h_n`` ordered by mean target CO2 at the last horizon step."""
    target_ppm = study.targets_ppm[:, -1]
    return regime_clusters(study.capture.h_n, study.dataset.test_regimes, target_ppm, seed=study.config.seed)


@cached
def variance_spectra(study: Study) -> VarianceSpectra:
    """C7: full explained-variance spectra of the CNN features and the LSTM states."""
    return VarianceSpectra(variance_ratio(cnn_svd(study)), variance_ratio(hidden_state_svd(study)))


@cached
def cnn_lstm_cca(study: Study) -> CCAComparison:
    """C8: CCA of the CNN features and ``h_n`` (each reduced to 20 components) and its time-shifted null.

    The null draws :data:`CCA_NULL_DRAWS` shifts of at least :data:`CCA_NULL_MIN_SHIFT_HOURS`, seeded by
    ``study.config.seed``.
    """
    a, b = cnn_svd(study), feature_window_state_svd(study)
    windows = study.feature_windows
    stride = int(windows[1] - windows[0]) if len(windows) > 1 else 1  # feature windows are evenly spaced
    steps_per_hour = study.dataset.steps_per_hour / stride
    min_shift = min(round(CCA_NULL_MIN_SHIFT_HOURS * steps_per_hour), len(a.u) // 2)
    shifts = null_shifts(len(a.u), min_shift, seed=study.config.seed)
    return CCAComparison(cca_of(a, b), shifted_null(a, b, shifts), min_shift / steps_per_hour)


@cached
def cnn_tsne(study: Study) -> TSNEResult:
    """C1/C2 (opt-in ``--tsne``): t-SNE of the CNN features after PCA to 50 components (init "pca")."""
    reduced = pca_of(cnn_svd(study), 50).scores
    tsne = TSNE(2, perplexity=30.0, init="pca", learning_rate="auto", random_state=study.config.seed)
    embedding = tsne.fit_transform(reduced)
    return TSNEResult(embedding, float(tsne.kl_divergence_))
