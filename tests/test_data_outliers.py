"""Implausible values are warned about, naming the column, the file line and the value (issue "Robust to what
users feed it": one CO2 of 1e9 or one light of 1e12 passed silently into training)."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from interp.data.csv import load_csv, write_csv
from interp.data.outliers import implausible
from interp.data.synthetic import indoor_co2
from interp.errors import DataWarning

UCI = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "uci_occupancy"


def with_values(tmp_path: Path, changes: dict[tuple[int, str], float]) -> Path:
    """20 days of the embedded room as a CSV, with ``{(row, column): value}`` written in (row 0 = line 2)."""
    room = indoor_co2(days=20)
    for (row, column), value in changes.items():
        room.iloc[row, room.columns.get_loc(column)] = value
    return write_csv(room, tmp_path / "room.csv")


def caught(path: Path, **kwargs: object) -> list[str]:
    with warnings.catch_warnings(record=True) as records:
        warnings.simplefilter("always")
        load_csv(path, **kwargs)
    assert all(issubclass(record.category, DataWarning) for record in records)
    return [str(record.message) for record in records]


@pytest.mark.parametrize(
    ("column", "value", "shown"),
    [("co2", 1e9, "1e+09"), ("light", 1e12, "1e+12"), ("temperature", -273.0, "-273")],
)
def test_one_implausible_value_is_warned_about_by_column_line_and_value(tmp_path, column, value, shown):
    messages = caught(with_values(tmp_path, {(100, column): value}))
    assert len(messages) == 1
    (message,) = messages
    assert "\n" not in message and message.startswith(f"{tmp_path / 'room.csv'}: column {column!r}")
    assert f"holds {shown} on line 102" in message and "correct or delete the line" in message


def test_co2_outside_the_physical_range_is_warned_about_even_within_the_spread(tmp_path):
    """−5 ppm lies within a spread of the rest: the spread rule alone would let it pass, physics does not."""
    message = caught(with_values(tmp_path, {(7, "co2"): -5.0}))[0]
    assert "holds -5 on line 9" in message and "physically possible 0 to 100,000 ppm" in message


def test_one_warning_per_column_counts_the_others(tmp_path):
    path = with_values(tmp_path, {(30, "light"): 1e12, (40, "light"): 2e12, (50, "co2"): 1e9})
    messages = caught(path)
    assert len(messages) == 2
    assert "'co2' holds 1e+09 on line 52" in messages[0]
    assert "'light' holds 1e+12 on line 32" in messages[1] and "(1 more such values" in messages[1]


def test_the_spread_rule_by_hand():
    """0..1000: q1 = 10, q99 = 990, spread 980, so the upper fence is 990 + 20·980 = 20 590."""
    values = np.arange(1001.0)
    values[-1] = 20_591.0
    assert np.flatnonzero(implausible(values)).tolist() == [1000]
    values[-1] = 20_589.0
    assert not implausible(values).any()


def test_a_column_without_spread_is_not_judged():
    """A flag that is 0 on 99 % of the rows has q1 = q99: no scale to call its 1s, or anything, implausible."""
    values = np.zeros(1000)
    values[::200] = 1.0
    assert not implausible(values).any()


@pytest.mark.parametrize(("days", "seed"), [(2, 0), (8, 3), (60, 5), (180, 0), (180, 5)])
def test_the_embedded_room_warns_about_nothing(tmp_path, days, seed):
    assert caught(write_csv(indoor_co2(days=days, seed=seed), tmp_path / "room.csv")) == []


@pytest.mark.skipif(not UCI.is_dir(), reason=f"the UCI Occupancy files are not at {UCI}")
@pytest.mark.parametrize("name", ["datatraining.txt", "datatest.txt", "datatest2.txt"])
def test_the_uci_files_warn_about_nothing(name):
    assert caught(UCI / name, timestamp="Date", target="CO2") == []


def test_values_are_kept_as_they_are(tmp_path):
    """A warning only: the value reaches the frame unchanged (the person decides)."""
    with pytest.warns(DataWarning):
        frame = load_csv(with_values(tmp_path, {(100, "co2"): 1e9}))
    assert frame["co2"].iloc[100] == 1e9 and isinstance(frame.index, pd.DatetimeIndex)
