"""Integration on real data: UCI Occupancy Detection (1-min, three files joined), 5-min resolution, lookback
6 h, horizon 1 h = 12 steps; a short training run, then the study and its headline invariants."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from interp import catalog
from interp.config import DataConfig, TrainConfig
from interp.data.windows import make_dataset
from interp.gate.outcome import run_invariant
from interp.study import Study
from interp.training import train

UCI = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "uci_occupancy"

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not UCI.is_dir(), reason=f"the UCI data is expected beside the project at {UCI}"),
]


@pytest.fixture(scope="module")
def uci_frame():
    from interp.data.uci import load_uci_occupancy

    return load_uci_occupancy(UCI, resolution="5min")


@pytest.fixture(scope="module")
def uci_study(uci_frame) -> Study:
    dataset = make_dataset(uci_frame, 1, DataConfig(lookback_hours=6), source=str(UCI))
    model = train("cnn_lstm", dataset, TrainConfig(epochs=4, batch_size=128), quiet=True).model
    return Study(model, dataset, 1)


def test_uci_windows_never_straddle_the_gaps_between_files(uci_frame, uci_study):
    """Every window's rows are consecutive 5-min rows of the frame: first input to target, no gap inside."""
    dataset = uci_study.dataset
    lookback, horizon = dataset.lookback_steps, dataset.horizon_steps
    assert (horizon, lookback) == (12, 72)
    index = uci_frame.index.as_unit("ns")
    gaps = np.flatnonzero(np.diff(index.asi8) != dataset.resolution.value)
    assert len(gaps) == 2, "the three files are joined with two gaps between them"
    for split in (dataset.train, dataset.val, dataset.test):
        assert len(split.x) > 0
        last_input = index.get_indexer(pd.DatetimeIndex(split.t_last_input).as_unit("ns"))
        first_input, target = last_input - (lookback - 1), last_input + horizon
        assert np.all(first_input >= 0) and np.all(index[target] == split.t_target)
        straddles = (first_input[:, None] <= gaps[None, :]) & (gaps[None, :] < target[:, None])
        assert not straddles.any()


@pytest.mark.parametrize("item_id", ["A8", "B5", "E3"])
def test_uci_headline_invariants_hold(uci_study, item_id):
    for invariant in catalog.item(item_id).invariants:
        outcome = run_invariant(invariant, item_id, uci_study)
        assert outcome.status == "passed", outcome.line()


def test_uci_skill_is_judged_not_skipped(uci_study):
    """E5 applies to any data. This 4-epoch model does not beat persistence over 12 five-minute steps (CO2
    barely moves in an hour), and the invariant says so with the numbers instead of skipping."""
    (invariant,) = catalog.item("E5").invariants
    outcome = run_invariant(invariant, "E5", uci_study)
    assert outcome.status in ("passed", "failed") and "skill over persistence" in outcome.message


def test_uci_every_item_computes_and_draws(uci_study):
    """Every analysis runs on user data; data-specific invariants may only skip with a reason."""
    from interp.plots.style import draw_styled, png_bytes

    skipped = {}
    for item in catalog.items():
        item.metrics(uci_study)
        assert png_bytes(draw_styled(item.draw, uci_study))[:4] == b"\x89PNG"
        for invariant in item.invariants:
            outcome = run_invariant(invariant, item.id, uci_study)
            if outcome.status == "skipped":
                skipped[f"{item.id} {invariant.name}"] = outcome.message
    assert all(reason for reason in skipped.values())
