"""The drift tier's two-model measures: linear CKA, rank correlation, top-k overlap."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import ortho_group

from interp.analyses.similarity import linear_cka, rank_correlation, top_k_overlap


def reference_cka(x: np.ndarray, y: np.ndarray) -> float:
    """CKA from its HSIC definition with an explicit centring matrix (Kornblith et al. 2019, eq. 2–4)."""
    n = len(x)
    h = np.eye(n) - np.ones((n, n)) / n
    kx, ky = h @ (x @ x.T) @ h, h @ (y @ y.T) @ h
    return float(np.sum(kx * ky) / (np.linalg.norm(kx) * np.linalg.norm(ky)))


@settings(max_examples=25, deadline=None)
@given(st.integers(5, 40), st.integers(1, 12), st.integers(1, 60), st.integers(0, 2**16))
def test_linear_cka_matches_its_definition_in_both_branches(n, p, q, seed):
    rng = np.random.default_rng(seed)
    x, y = rng.normal(size=(n, p)), rng.normal(size=(n, q))
    assert linear_cka(x, y) == pytest.approx(reference_cka(x, y), abs=1e-9)


def test_linear_cka_is_invariant_to_permutations_rotations_and_scale():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 16))
    rotated = 3.0 * x[:, rng.permutation(16)] @ ortho_group.rvs(16, random_state=1) + 5.0
    assert linear_cka(x, rotated) == pytest.approx(1.0)
    assert linear_cka(x, rng.normal(size=(200, 16))) < 0.2
    assert np.isnan(linear_cka(x, np.ones((200, 3))))
    assert np.isnan(linear_cka(x, np.full((200, 3), np.nan)))
    with pytest.raises(ValueError, match="same samples"):
        linear_cka(x, x[:10])


def test_rank_correlation_and_top_k_overlap_by_hand():
    a, b = np.array([0.5, 0.3, 0.1, 0.1]), np.array([0.1, 0.3, 0.5, 0.1])
    assert rank_correlation(a, a[::1] * 2) == pytest.approx(1.0)
    assert rank_correlation(a, b) < 0
    assert np.isnan(rank_correlation(a, np.ones(4)))
    assert top_k_overlap(a, b, k=2) == 0.5 and top_k_overlap(a, a, k=3) == 1.0
    assert np.isnan(top_k_overlap(a, np.array([np.nan, 0, 0, 0])))
