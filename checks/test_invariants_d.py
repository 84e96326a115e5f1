"""Negative tests of the Section D invariants (D1–D6): each fails on a broken model or a broken data order."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from interp import catalog
from interp.analyses.representations import hidden_state_pca
from interp.errors import InvariantError, InvariantSkipped
from interp.study import Study
from interp.testing.breakage import exploded, shuffling_lstm, zeroed


def windows_sorted_by_state(broken_study) -> Study:
    """The reference model fed the test windows sorted by its own hidden-state PC1, timestamps left in time
    order: the worst case of an evaluation set that is no longer a time series (a sort gone wrong)."""
    reference = broken_study(lambda m: m)
    dataset = reference.dataset
    order = torch.from_numpy(np.argsort(hidden_state_pca(reference).scores[:, 0], kind="stable"))
    test = dataclasses.replace(dataset.test, x=dataset.test.x[order], y=dataset.test.y[order])
    reordered = dataclasses.replace(dataset, test=test, test_regimes=dataset.test_regimes[order.numpy()])
    return Study(reference.model, reordered, reference.horizon_hours)


@pytest.mark.parametrize("name", ["conv1.bias", "conv2.bias"])
def test_d1_fails_when_filter_activations_explode(broken_study, name):
    with pytest.raises(InvariantError, match=r"D1: expected finite, non-negative spectra"):
        catalog.item("D1").invariants(broken_study(exploded(name)))


def test_d2_d3_fail_when_hidden_states_explode(broken_study):
    broken = broken_study(exploded("lstm.weight_hh_l1"))
    for item_id in ("D2", "D3"):
        with pytest.raises(InvariantError, match=rf"{item_id}: expected finite LSTM hidden states"):
            catalog.item(item_id).invariants(broken)


@pytest.mark.embedded_data
def test_d2_d3_fail_when_the_hidden_state_is_constant(broken_study):
    broken = broken_study(zeroed("lstm."))
    with pytest.raises(InvariantError, match=r"D2: .*dominant period to be 24 h.* Found none"):
        catalog.item("D2").invariants(broken)
    with pytest.raises(InvariantError, match=r"D3: .*autocorrelation at 24 h to exceed that at 12 h"):
        catalog.item("D3").invariants(broken)


@pytest.mark.embedded_data
def test_d2_fails_when_the_hidden_states_belong_to_other_windows(broken_study):
    with pytest.raises(InvariantError, match=r"D2: .*dominant period to be 24 h"):
        catalog.item("D2").invariants(broken_study(shuffling_lstm))


@pytest.mark.embedded_data
def test_d2_d3_fail_when_the_windows_are_out_of_time_order(broken_study):
    broken = windows_sorted_by_state(broken_study)
    with pytest.raises(InvariantError, match=r"D2: .*dominant period to be 24 h"):
        catalog.item("D2").invariants(broken)
    with pytest.raises(InvariantError, match=r"D3: .*autocorrelation at 24 h to exceed that at 12 h"):
        catalog.item("D3").invariants(broken)


def test_d2_d3_are_informational_on_user_data(broken_study):
    reference = broken_study(zeroed("lstm."))
    user = Study(reference.model, dataclasses.replace(reference.dataset, source="room.csv"))
    for item_id in ("D2", "D3"):
        with pytest.raises(InvariantSkipped, match=rf"{item_id}: .*on room.csv it is informational"):
            catalog.item(item_id).invariants(user)


def test_d4_d5_d6_fail_when_predictions_explode(broken_study):
    broken = broken_study(exploded("head.2.bias"))
    messages = {
        "D4": r"D4: expected finite, non-negative spectra of the last-step residuals",
        "D5": r"D5: expected a finite 24 h rolling RMSE",
        "D6": r"D6: expected 24 hour-of-day bins",
    }
    for item_id, message in messages.items():
        with pytest.raises(InvariantError, match=message):
            catalog.item(item_id).invariants(broken)
