"""Section C figures: embeddings, explained variance, clusters and canonical correlations (C1–C8).

Scatter axes fit the data: each axis spans its own ``[min, max]`` of the scores plus a 5 % margin, with no
equal aspect (the two principal components of a panel differ in spread, often by several times, and a shared
scale would squeeze the second to a line); the hour of day uses a cyclic colour map with fixed limits 0–24 h;
fractions use fixed limits [0, 1].
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FormatStrFormatter

from interp.analyses.representations import (
    N_COMPONENTS,
    VARIANCE_TARGET,
    CCAComparison,
    ClusterResult,
    PCAResult,
    TSNEResult,
    VarianceSpectra,
    components_for,
)
from interp.config import REGIME_NAMES
from interp.plots.finite import not_finite_panel
from interp.plots.style import REGIME_COLOURS, new_figure

HOUR_CMAP = "twilight"
"""Cyclic colour map for the hour of day (23 h sits next to 0 h)."""

CLUSTER_COLOURS = ("#1b9e77", "#7570b3", "#e7298a", "#66a61e")
MARKER_SIZE = 6.0
AXIS_MARGIN = 0.05
"""Scatter axes: margin on each side, as a fraction of the data's range."""
REAL_COLOUR, NULL_COLOUR, WEIGHT_COLOUR = "#4c72b0", "#555555", "#dd8452"


def cnn_embedding_by_regime(result: PCAResult, regimes: np.ndarray) -> Figure:
    """C1: CNN pool output in its first two principal components, coloured by CO2 regime."""
    fig = new_figure(5.5, 4.5)
    ax = fig.add_subplot()
    _scatter_regimes(ax, result.scores, regimes)
    _pc_labels(ax, result)
    ax.set_title("C1 CNN feature maps (pool output), PCA, by CO2 regime")
    return fig


def cnn_embedding_by_hour(result: PCAResult, hours: np.ndarray) -> Figure:
    """C2: CNN pool output in its first two principal components, coloured by hour of day."""
    fig = new_figure(5.5, 4.5)
    ax = fig.add_subplot()
    _scatter_hours(fig, ax, result.scores, hours)
    _pc_labels(ax, result)
    ax.set_title("C2 CNN feature maps (pool output), PCA, by hour of day")
    return fig


def lstm_variance(result: PCAResult) -> Figure:
    """C3: explained variance ratio of the LSTM state's leading components, with the cumulative curve."""
    ratio = result.explained_variance_ratio
    k = np.arange(1, len(ratio) + 1)
    fig = new_figure(6.0, 4.0)
    ax = fig.add_subplot()
    ax.set_title(f"C3 LSTM final hidden state h_n[-1]: top {len(ratio)} components")
    if not_finite_panel(ax, ratio, what="explained variance ratio of h_n[-1]"):
        return fig
    ax.bar(k, ratio, color="#4c72b0", label="per component")
    ax.plot(k, np.cumsum(ratio), "o-", color="#dd8452", markersize=3, label="cumulative")
    ax.axhline(VARIANCE_TARGET, color="grey", linestyle=":", linewidth=1)
    ax.set(xlim=(0.4, len(ratio) + 0.6), ylim=(0, 1.02), xticks=k[::2] if len(k) > 10 else k)
    ax.set_xlabel("principal component")
    ax.set_ylabel("explained variance ratio")
    ax.legend(loc="center right")
    return fig


def lstm_embedding_by_regime(result: PCAResult, regimes: np.ndarray, comparison: PCAResult | None) -> Figure:
    """C4: LSTM states by CO2 regime beside the plain LSTMForecaster's (a note instead when there is none)."""
    fig = new_figure(10.0, 4.5)
    left, right = fig.subplots(1, 2)
    _scatter_regimes(left, result.scores, regimes)
    _pc_labels(left, result)
    left.set_title("CNN-LSTM: h_n[-1]")
    if comparison is None:
        right.set_axis_off()
        note = "no comparison model given:\npure-LSTM panel not drawn"
        right.text(0.5, 0.5, note, ha="center", va="center")
    else:
        _scatter_regimes(right, comparison.scores, regimes)
        _pc_labels(right, comparison)
        right.set_title("pure LSTM (CNN bypassed): h_n[-1]")
    fig.suptitle("C4 LSTM hidden-state PCA by CO2 regime")
    return fig


def lstm_embedding_by_hour(result: PCAResult, hours: np.ndarray) -> Figure:
    """C5: LSTM states in their first two principal components, coloured by hour of day."""
    fig = new_figure(5.5, 4.5)
    ax = fig.add_subplot()
    _scatter_hours(fig, ax, result.scores, hours)
    _pc_labels(ax, result)
    ax.set_title("C5 LSTM hidden state h_n[-1], PCA, by hour of day")
    return fig


def kmeans_clusters(result: PCAResult, clusters: ClusterResult) -> Figure:
    """C6: K-Means clusters in the PCA plane and their row-normalised crosstab with the CO2 regimes."""
    fig = new_figure(10.0, 4.5)
    left, right = fig.subplots(1, 2, width_ratios=(1.2, 1))
    fig.suptitle(f"C6 K-Means ({len(clusters.crosstab)} clusters) of the LSTM hidden states")
    left.set_title("clusters (numbered by mean target CO2)")
    if not_finite_panel(left, result.scores[:, :2], what="PCA scores of h_n[-1]"):
        not_finite_panel(right, result.scores, what="h_n[-1] (no clusters)")
        return fig
    for c in range(len(clusters.crosstab)):
        points = result.scores[clusters.labels == c]
        colour = CLUSTER_COLOURS[c % len(CLUSTER_COLOURS)]
        left.scatter(points[:, 0], points[:, 1], s=MARKER_SIZE, color=colour, label=f"cluster {c}")
    _fit_axes(left, result.scores)
    _pc_labels(left, result)
    left.legend(loc="best", markerscale=2)
    counts = clusters.crosstab
    sizes = counts.sum(axis=1, keepdims=True)
    share = np.divide(counts, sizes, out=np.zeros(counts.shape), where=sizes > 0)
    image = right.imshow(share, cmap="Blues", vmin=0.0, vmax=1.0, aspect="auto")
    for (row, col), n in np.ndenumerate(counts):
        colour = "white" if share[row, col] > 0.6 else "black"
        right.text(col, row, str(n), ha="center", va="center", color=colour)
    right.set_xticks(range(counts.shape[1]), REGIME_NAMES[: counts.shape[1]])
    right.set_yticks(range(len(counts)), [f"cluster {c}" for c in range(len(counts))])
    right.set_xlabel("CO2 regime")
    right.set_title(f"windows per cluster and regime (ARI {clusters.adjusted_rand:.2f})")
    fig.colorbar(image, ax=right, label="fraction of the cluster")
    return fig


def cnn_vs_lstm_variance(spectra: VarianceSpectra, n_components: int = N_COMPONENTS) -> Figure:
    """C7: explained-variance curves of the CNN features and the LSTM states overlaid, 90 % marked."""
    fig = new_figure(10.0, 4.0)
    per, cumulative = fig.subplots(1, 2)
    curves = (("CNN pool output", spectra.cnn, "#4c72b0"), ("LSTM h_n[-1]", spectra.lstm, "#dd8452"))
    fig.suptitle("C7 CNN vs LSTM explained variance: which representation is more compact?")
    per.set_title("per component")
    cumulative.set_title("cumulative")
    what = "explained variance ratio of the CNN pool output and h_n[-1]"
    if not_finite_panel(per, spectra.cnn, spectra.lstm, what=what):
        not_finite_panel(cumulative, spectra.cnn, spectra.lstm, what=what)
        return fig
    n90 = [components_for(ratio) for _, ratio, _ in curves]
    shown = max(n_components, *n90)
    for (name, ratio, colour), n in zip(curves, n90, strict=True):
        k = np.arange(1, min(shown, len(ratio)) + 1)
        per.plot(k, ratio[: len(k)], color=colour, label=name)
        cumulative.plot(k, np.cumsum(ratio)[: len(k)], color=colour, label=f"{name}: 90 % at {n} PCs")
        if n:
            cumulative.axvline(n, color=colour, linestyle="--", linewidth=1)
    per.set_yscale("log")
    per.minorticks_off()
    per.yaxis.set_major_formatter(FormatStrFormatter("%g"))  # plain labels: mathtext is slow to lay out
    xlim = (0, 1.05 * shown + 1)
    per.set(xlim=xlim, xlabel="principal component", ylabel="explained variance ratio (log)")
    per.legend(loc="upper right")
    cumulative.axhline(VARIANCE_TARGET, color="grey", linestyle=":", linewidth=1)
    cumulative.set(xlim=xlim, ylim=(0, 1.02), xlabel="components", ylabel="cumulative ratio")
    cumulative.legend(loc="lower right")
    return fig


def cca(result: CCAComparison, regimes: np.ndarray) -> Figure:
    """C8: canonical correlations of the real pairing against the time-shifted null, and the first real pair."""
    real, null = result.real, result.null
    fig = new_figure(10.0, 4.5)
    bars, pair = fig.subplots(1, 2)
    fig.suptitle(
        "C8 CCA, CNN pool output vs LSTM h_n[-1]: how much of the CNN's information does the LSTM keep?"
    )
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.12, top=0.82, wspace=0.22)
    what = "canonical correlations of the CNN pool output and h_n[-1]"
    if not_finite_panel(bars, real.correlations, what=what):
        not_finite_panel(pair, real.a_variates[:, :1], real.b_variates[:, :1], what="first canonical pair")
        return fig
    k = np.arange(1, len(real.correlations) + 1)
    bars.bar(k, real.correlations, color=REAL_COLOUR, label="real pairing (same window)")
    if len(null.shifts):
        low, high = null.correlations.min(axis=0), null.correlations.max(axis=0)
        bars.fill_between(k, low, high, step="mid", color=NULL_COLOUR, alpha=0.3, linewidth=0)
        bars.step(
            k,
            null.correlations.mean(axis=0),
            where="mid",
            color=NULL_COLOUR,
            linewidth=1.5,
            label=f"null: windows ≥ {result.min_shift_hours:g} h apart ({len(null.shifts)} shifts, mean, range)",
        )
    bars.plot(
        k,
        real.a_variance_share,
        "o",
        color=WEIGHT_COLOUR,
        markersize=4,
        label="weight: share of the CNN's variance on the pair's CNN variate",
    )
    bars.set(
        ylim=(0, 1.25), xlim=(0.4, len(k) + 0.6), xlabel="canonical pair", ylabel="canonical correlation"
    )
    bars.set_yticks(np.linspace(0, 1, 6))
    bars.set_xticks(k[::2] if len(k) > 10 else k)
    bars.legend(loc="upper right")
    bars.set_title(
        f"variance-weighted correlation {real.weighted_correlation:.3f} "
        f"(null {_mean(null.weighted):.3f}, max {_max(null.weighted):.3f})\n"
        f"plain mean {_mean(real.correlations):.3f} (null {_mean(null.correlations):.3f}); "
        f"each side reduced to {real.rank} PCs"
    )
    a = _standardise(real.a_variates[:, 0])
    b = _standardise(real.b_variates[:, 0])
    _scatter_regimes(pair, np.stack([a, b], axis=1), regimes)
    pair.set_xlabel("CNN canonical variate 1 (standardised)")
    pair.set_ylabel("LSTM canonical variate 1 (standardised)")
    first = real.correlations[0] if len(k) else float("nan")
    first_null = _mean(null.correlations[:, 0]) if len(k) else float("nan")
    pair.set_title(f"first canonical pair, r = {first:.3f} (null {first_null:.3f})")
    return fig


def cnn_tsne(result: TSNEResult, regimes: np.ndarray, hours: np.ndarray) -> Figure:
    """C1/C2 (opt-in): t-SNE of the CNN features, by CO2 regime and by hour of day."""
    fig = new_figure(10.0, 4.5)
    by_regime, by_hour = fig.subplots(1, 2)
    _scatter_regimes(by_regime, result.embedding, regimes)
    _scatter_hours(fig, by_hour, result.embedding, hours)
    for ax in (by_regime, by_hour):
        ax.set(xlabel="t-SNE 1", ylabel="t-SNE 2")
    by_regime.set_title("by CO2 regime")
    by_hour.set_title("by hour of day")
    fig.suptitle(f"C1/C2 CNN feature maps, t-SNE (KL {result.kl_divergence:.2f})")
    return fig


def _scatter_regimes(ax: Axes, scores: np.ndarray, regimes: np.ndarray) -> None:
    if not_finite_panel(ax, scores[:, :2], what="coordinates of the windows"):
        return
    for r, (name, colour) in enumerate(zip(REGIME_NAMES, REGIME_COLOURS, strict=True)):
        points = scores[regimes == r]
        ax.scatter(points[:, 0], points[:, 1], s=MARKER_SIZE, color=colour, label=f"{name} (n={len(points)})")
    _fit_axes(ax, scores)
    ax.legend(loc="best", markerscale=2)


def _scatter_hours(fig: Figure, ax: Axes, scores: np.ndarray, hours: np.ndarray) -> None:
    if not_finite_panel(ax, scores[:, :2], what="coordinates of the windows"):
        return
    points = ax.scatter(scores[:, 0], scores[:, 1], s=MARKER_SIZE, c=hours, cmap=HOUR_CMAP, vmin=0, vmax=24)
    _fit_axes(ax, scores)
    fig.colorbar(points, ax=ax, label="hour of day (last input step)", ticks=range(0, 25, 6))


def _fit_axes(ax: Axes, scores: np.ndarray) -> None:
    """Each axis: the finite scores' ``[min, max]`` widened by :data:`AXIS_MARGIN` (±1 around a single value)."""
    limits = []
    for column in (scores[:, 0], scores[:, 1]):
        finite = column[np.isfinite(column)]
        low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 0.0)
        pad = AXIS_MARGIN * (high - low) if high > low else 1.0
        limits.append((low - pad, high + pad))
    ax.set(xlim=limits[0], ylim=limits[1])


def _pc_labels(ax: Axes, result: PCAResult) -> None:
    ratio = result.explained_variance_ratio
    ax.set_xlabel(f"PC1 ({100 * ratio[0]:.1f} % of variance)")
    ax.set_ylabel(f"PC2 ({100 * ratio[1]:.1f} % of variance)")


def _mean(values: np.ndarray) -> float:
    return float(np.mean(values)) if np.size(values) else float("nan")


def _max(values: np.ndarray) -> float:
    return float(np.max(values)) if np.size(values) else float("nan")


def _standardise(v: np.ndarray) -> np.ndarray:
    sd = v.std()
    return (v - v.mean()) / sd if sd > 0 else v - v.mean()
