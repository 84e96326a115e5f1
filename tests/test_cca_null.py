"""C8: the variance-weighted CCA and its time-shifted null, on representations whose answer is known."""

from __future__ import annotations

import numpy as np
import pytest

from interp.analyses import representations as rep
from interp.plots import representations as plots


def _compare(a: np.ndarray, b: np.ndarray, min_shift: int = 24, seed: int = 0) -> rep.CCAComparison:
    sa, sb = rep.centred_svd(a), rep.centred_svd(b)
    shifts = rep.null_shifts(len(a), min_shift, seed=seed)
    return rep.CCAComparison(rep.cca_of(sa, sb), rep.shifted_null(sa, sb, shifts), float(min_shift))


def _spread(n: int, d: int, rng: np.random.Generator) -> np.ndarray:
    """``(n, d)`` Gaussian features with variances falling from 1 to 0.01 (a representation's typical spectrum)."""
    return rng.normal(size=(n, d)) * np.geomspace(1.0, 0.1, d)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_weighted_cca_of_independent_representations_is_within_its_null(seed):
    rng = np.random.default_rng(seed)
    result = _compare(_spread(400, 40, rng), _spread(400, 30, rng), seed=seed)
    null = result.null.weighted
    assert abs(result.real.weighted_correlation - null.mean()) < 4 * null.std()


def test_weighted_cca_of_a_linear_transform_is_one_and_far_above_its_null():
    rng = np.random.default_rng(0)
    a = _spread(400, 12, rng)
    result = _compare(a, a @ rng.normal(size=(12, 12)) + 3.0)
    # 1 up to the ridge, which shrinks a pair by about λ / (2 s²) on b's weakest directions
    assert result.real.weighted_correlation == pytest.approx(1.0, abs=1e-3)
    assert result.null.weighted.max() < 0.5


def test_weighted_cca_discounts_a_perfectly_shared_sliver_of_variance():
    """A direction holding 1e-6 of a's variance, shared exactly with b, must not pass for shared information."""
    rng = np.random.default_rng(0)
    shared = rng.normal(size=400)
    a = np.c_[rng.normal(size=(400, 3)), 1e-3 * shared]
    b = np.c_[shared, rng.normal(size=(400, 3))]
    real = rep.cca_of(rep.centred_svd(a), rep.centred_svd(b), ridge=0.0)
    assert real.correlations[0] == pytest.approx(1.0, abs=1e-9)
    assert np.mean(real.correlations) > 0.25
    assert real.weighted_correlation < 0.1
    assert real.a_variance_share.sum() == pytest.approx(1.0)


def test_shifted_null_keeps_the_shared_hour_of_day_clock():
    """Both sides carry the clock: windows a day apart still correlate (why C8 needs a null at all)."""
    rng = np.random.default_rng(0)
    angle = 2 * np.pi * np.arange(480) / 24
    clock = np.c_[np.sin(angle), np.cos(angle)]
    a = np.c_[clock, 0.3 * rng.normal(size=(480, 4))]
    b = np.c_[clock @ np.array([[0.6, -0.8], [0.8, 0.6]]), 0.3 * rng.normal(size=(480, 3))]
    result = _compare(a, b)
    assert np.all(result.null.correlations[:, 0] > 0.95)
    assert result.real.correlations[0] == pytest.approx(1.0, abs=1e-5)


def test_null_shifts_keep_every_pairing_a_day_apart_and_follow_the_seed():
    shifts = rep.null_shifts(100, 24, draws=200, seed=0)
    assert shifts.min() >= 24 and shifts.max() <= 100 - 24
    np.testing.assert_array_equal(shifts, rep.null_shifts(100, 24, draws=200, seed=0))
    assert not np.array_equal(shifts, rep.null_shifts(100, 24, draws=200, seed=1))
    assert rep.null_shifts(10, 24, draws=50).min() == 5


def test_cca_figure_draws_the_real_pairing_against_its_null_and_the_weights():
    rng = np.random.default_rng(0)
    result = _compare(_spread(200, 8, rng), _spread(200, 6, rng))
    fig = plots.cca(result, np.zeros(200, dtype=np.int64))
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert any(label.startswith("null: windows ≥ 24 h apart") for label in labels)
    assert any(label.startswith("real pairing") for label in labels)
    assert any(label.startswith("weight: share of the CNN's variance") for label in labels)
    assert f"{result.real.weighted_correlation:.3f}" in fig.axes[0].get_title()
    assert f"null {result.null.weighted.mean():.3f}" in fig.axes[0].get_title()
