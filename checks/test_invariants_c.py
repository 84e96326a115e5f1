"""Negative tests of the Section C invariants (C1, C3, C4, C6, C8): each must fail on a broken model.

Where no broken model can produce the faulty result (a PCA that is not descending, a crosstab that loses
windows), a broken result object is fed to the check directly.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from interp import catalog
from interp.analyses import representations as analyses
from interp.catalog import representations as checks
from interp.errors import InvariantError, InvariantSkipped
from interp.study import Study
from interp.testing.breakage import exploded, shuffling_lstm, zeroed

DEAD_CONV = zeroed("conv2.")
DEAD_LSTM = zeroed("lstm.")


@pytest.mark.parametrize(
    ("mutate", "found"),
    [(DEAD_CONV, "no variance at all"), (exploded("conv2.bias"), "non-finite values")],
    ids=["dead_conv2", "exploded_conv2"],
)
def test_c1_fails_when_the_cnn_features_are_dead_or_diverged(broken_study, mutate, found):
    with pytest.raises(InvariantError, match=rf"C1: expected the explained-variance ratios.*Found {found}"):
        catalog.item("C1").invariants(broken_study(mutate))


@pytest.mark.embedded_data
def test_c3_c4_c6_fail_when_the_lstm_is_dead(broken_study):
    """Every window ends in the same (zero) hidden state: no variance, no regime, one cluster."""
    broken = broken_study(DEAD_LSTM)
    with pytest.raises(
        InvariantError, match=r"C3: expected the explained-variance ratios.*no variance at all"
    ):
        catalog.item("C3").invariants(broken)
    with pytest.raises(InvariantError, match=r"C4: expected a linear probe of the CO2 regime.*Found 0.333"):
        catalog.item("C4").invariants(broken)
    with pytest.raises(
        InvariantError, match=r"C6: expected a crosstab of 4 non-empty clusters.*empty clusters"
    ):
        catalog.item("C6").invariants(broken)


@pytest.mark.embedded_data
def test_c3_c4_c6_c8_fail_when_the_lstm_diverges(broken_study):
    """An inf recurrent weight makes every hidden state NaN."""
    broken = broken_study(exploded("lstm.weight_hh_l1"))
    with pytest.raises(
        InvariantError, match=r"C3: expected the explained-variance ratios.*non-finite values"
    ):
        catalog.item("C3").invariants(broken)
    with pytest.raises(InvariantError, match=r"C4: expected a linear probe of the CO2 regime.*Found nan"):
        catalog.item("C4").invariants(broken)
    with pytest.raises(InvariantError, match=r"C6: expected a crosstab.*left unclustered"):
        catalog.item("C6").invariants(broken)
    with pytest.raises(InvariantError, match=r"C8: expected canonical correlations in \[0, 1\]"):
        catalog.item("C8").invariants(broken)


@pytest.mark.embedded_data
def test_c4_fails_when_the_states_belong_to_other_windows(broken_study):
    """Healthy-looking states, shuffled across windows: the regime can no longer be read from them."""
    with pytest.raises(InvariantError, match=r"C4: expected a linear probe of the CO2 regime"):
        catalog.item("C4").invariants(broken_study(shuffling_lstm))


@pytest.mark.parametrize(
    "ratio",
    [[0.2, 0.5, 0.1], [1.2, 0.0], [0.7, 0.6], [0.5, np.nan]],
    ids=["increasing", "above_one", "sum_above_one", "nan"],
)
def test_explained_variance_check_rejects_invalid_ratios(ratio):
    with pytest.raises(InvariantError, match=r"C3: expected the explained-variance ratios"):
        checks.check_explained_variance("C3", "LSTM state h_n", np.array(ratio))


def test_explained_variance_check_accepts_a_valid_spectrum():
    checks.check_explained_variance("C3", "LSTM state h_n", np.array([0.6, 0.3, 0.1]))


def test_c4_probe_is_skipped_on_user_data(broken_study):
    reference = broken_study(lambda m: m)
    user_data = dataclasses.replace(reference.dataset, source="/data/my_room.csv")
    with pytest.raises(InvariantSkipped, match=r"C4: the regime-probe threshold .* calibrated"):
        catalog.item("C4").invariants(Study(reference.model, user_data))


def test_c6_crosstab_check_rejects_a_crosstab_that_loses_windows():
    labels = np.repeat(np.arange(4), 5)
    crosstab = np.array([[5, 0, 0], [0, 5, 0], [0, 0, 5], [0, 0, 4]])
    lossy = analyses.ClusterResult(labels, crosstab, 1.0)
    with pytest.raises(InvariantError, match=r"C6: .* Found 19 windows in the crosstab for 20"):
        checks.check_crosstab("C6", lossy, 20)


@pytest.mark.parametrize(
    "corr", [[0.9, 1.2], [0.5, 0.8], [0.3, -0.1]], ids=["above_one", "increasing", "negative"]
)
def test_cca_check_rejects_invalid_correlations(corr):
    variates = np.zeros((10, len(corr)))
    broken = analyses.CCAResult(np.array(corr), variates, variates, len(corr), analyses.CCA_RIDGE)
    with pytest.raises(InvariantError, match=r"C8: expected canonical correlations in \[0, 1\]"):
        checks.check_canonical_correlations("C8", broken)
