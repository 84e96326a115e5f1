"""Windows never vanish silently: the DataReport on every Dataset, and the refusal of data whose gaps cost
too many windows (issue "Robust to what users feed it")."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from interp.config import DataConfig
from interp.data.accounting import MAX_DROPPED_SHARE
from interp.data.csv import load_csv, write_csv
from interp.data.synthetic import indoor_co2
from interp.data.windows import make_dataset
from interp.errors import DataError
from interp.models.checkpoint import load_checkpoint

REFERENCE = Path(__file__).resolve().parents[1] / "baselines" / "checkpoints"
SHORT = DataConfig(lookback_hours=2)  # with a 1 h horizon: windows of 3 rows


def hourly(n: int, missing: list[int]) -> pd.DataFrame:
    """``n`` hourly grid positions, without the rows at ``missing``; co2 and temperature."""
    index = pd.date_range("2025-03-03", periods=n, freq="1h", name="timestamp").delete(missing)
    rng = np.random.default_rng(0)
    return pd.DataFrame({"co2": rng.uniform(400, 900, len(index)), "temperature": 21.0}, index=index)


def test_the_report_counts_rows_and_windows_as_by_hand():
    """200 hourly positions, rows 50, 120 and 121 missing, windows of 2 + 1 steps, 70/15/15 split.

    Gap-free, 200 rows cut at 140 and 170 give windows [0, 138), [143, 168), [173, 198): 138 + 25 + 25 = 188,
    and 198 − 188 = 10 windows overlap the gaps between the parts. Each gap of g rows away from a cut costs
    g + 3 − 1 windows: 3 + 4 = 7, so 181 are kept. The 197 rows left are cut at 138 and 167: train holds
    48 + 67 + 17 = 132 (segments of 50, 69 and 78 rows), validation 167 − 141 − 2 = 24, test 197 − 170 − 2 = 25.
    """
    report = make_dataset(hourly(200, [50, 120, 121]), 1, SHORT, source="room.csv").data_report
    assert (report.rows_read, report.rows_kept, report.rows_missing, report.gaps) == (197, 197, 3, 2)
    assert report.windows_kept == (132, 24, 25)
    assert (report.windows_possible, report.windows_dropped, report.windows_in_split_gaps) == (188, 7, 10)
    assert report.dropped_share == pytest.approx(7 / 188)
    assert any("3 rows missing in 2 gaps" in reason for reason in report.reasons)


def test_the_report_is_json_and_names_its_numbers():
    report = make_dataset(hourly(200, [50]), 1, SHORT, source="room.csv").data_report
    data = json.loads(json.dumps(report.as_dict()))
    assert data["windows_kept"] == {
        "train": report.windows_kept[0],
        "validation": report.windows_kept[1],
        "test": report.windows_kept[2],
    }
    assert data["windows_dropped"] == 3 and data["rows_missing"] == 1 and data["source"] == "room.csv"
    line = report.line()
    assert "\n" not in line and "199 rows read" in line and "3 (1.6%) lost to gaps" in line


def test_rows_averaged_into_bins_are_read_but_not_kept(tmp_path):
    """400 rows at 30 min averaged to 1 h: 200 rows kept of 400 read."""
    index = pd.date_range("2025-03-03", periods=400, freq="30min", name="timestamp")
    path = write_csv(pd.DataFrame({"co2": np.linspace(400, 800, 400)}, index=index), tmp_path / "half.csv")
    report = make_dataset(load_csv(path, resolution="1h"), 1, SHORT, source=str(path)).data_report
    assert (report.rows_read, report.rows_kept, report.resolution) == (400, 200, "1h")
    assert report.reasons[0] == "400 rows averaged into 200 rows of 1h"
    cut = make_dataset(load_csv(path, resolution="1h").iloc[:150], 1, SHORT, source=str(path)).data_report
    assert (cut.rows_read, cut.rows_kept) == (150, 150)  # a part of the file: its own rows, none averaged


def test_gaps_that_cost_more_than_the_limit_are_refused_unless_allowed():
    """A row missing every 8 h costs 1 + 3 − 1 = 3 windows each: 150 of the 388 possible, less the few that
    overlap the gaps between the parts anyway, 38 % > 25 %."""
    frame = hourly(400, list(range(4, 400, 8)))
    with pytest.raises(DataError) as caught:
        make_dataset(frame, 1, SHORT, source="room.csv")
    message = str(caught.value)
    assert "\n" not in message and message.startswith("room.csv: expected gaps to cost at most 25%")
    assert "Found 38% lost" in message and "50 missing rows in 50 gaps" in message
    assert "--allow-gaps" in message and "--resolution" in message
    report = make_dataset(frame, 1, SHORT, source="room.csv", max_dropped_share=1.0).data_report
    assert 147 <= report.windows_dropped <= 150 and report.windows_possible == 388
    assert f"use the {sum(report.windows_kept)} windows left" in message


def test_gaps_within_the_limit_pass():
    """A row missing every 16 h costs 3 windows of 16, 19 % ≤ 25 %."""
    dataset = make_dataset(hourly(400, list(range(4, 400, 16))), 1, SHORT, source="room.csv")
    assert dataset.data_report.dropped_share == pytest.approx(3 / 16, abs=0.02)
    assert dataset.data_report.dropped_share <= MAX_DROPPED_SHARE


def test_five_percent_of_rows_missing_at_random_is_refused(tmp_path):
    """The issue's case: 5 % of the rows of the embedded room missing at random cost about 1 − 0.95²⁵ ≈ 72 % of
    the 24 + 1-step windows; training went on with a quarter of its windows and no word."""
    room = indoor_co2(days=60)
    keep = np.random.default_rng(0).random(len(room)) > 0.05
    path = write_csv(room[keep], tmp_path / "room.csv")
    with pytest.raises(DataError, match=r"Found 7\d% lost") as caught:
        make_dataset(load_csv(path), 1, source=str(path))
    assert str(caught.value).startswith(f"{path}: ")


def test_a_step_that_changes_from_1h_to_30min_is_refused_naming_the_lines(tmp_path):
    """The issue's case: 90 days at 1 h, then 90 days at 30 min. The 1 h rows (lines 2–2161, then one 1 h step
    to the first 30-min row on line 2162) sat on every other 30-min slot, so their windows vanished."""
    fine = indoor_co2(days=90, seed=1, resolution="30min")
    fine.index = fine.index + pd.Timedelta(days=90)
    path = write_csv(pd.concat([indoor_co2(days=90), fine]), tmp_path / "mixed.csv")
    with pytest.raises(DataError) as caught:
        load_csv(path)
    assert "Found 1h steps from line 2 to line 2162" in str(caught.value)
    assert "--resolution 1h" in str(caught.value)
    report = make_dataset(load_csv(path, resolution="1h"), 1, source=str(path)).data_report
    assert (report.rows_read, report.rows_kept, report.rows_missing) == (90 * 24 + 90 * 48, 180 * 24, 0)


@pytest.mark.parametrize("hours", [1, 24])
def test_the_embedded_windows_and_scaling_are_the_reference_checkpoints(hours):
    """The baselines stand: the embedded data still windows to the reference checkpoints' training data
    (fingerprint) and scaler, with nothing dropped."""
    _, meta = load_checkpoint(REFERENCE / f"cnn_lstm_h{hours}.pt")
    config = DataConfig(lookback_hours=meta.lookback_hours, days=meta.data["days"], seed=meta.data["seed"])
    dataset = make_dataset(indoor_co2(days=config.days, seed=config.seed), hours, config)
    assert dataset.fingerprint == meta.data["fingerprint"]
    np.testing.assert_array_equal(dataset.scaler.mean, meta.scaler.mean)
    np.testing.assert_array_equal(dataset.scaler.scale, meta.scaler.scale)
    report = dataset.data_report
    assert report.windows_dropped == 0 and report.rows_missing == 0
    assert report.rows_read == report.rows_kept == config.days * 24
