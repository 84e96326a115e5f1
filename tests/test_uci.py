"""The UCI Occupancy Detection files as user data (DESIGN §3.2): joined, resampled per file, gaps kept."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from interp.config import DataConfig
from interp.data.csv import load_csv
from interp.data.uci import UCI_FILES, load_uci_occupancy
from interp.data.windows import Dataset, Split, make_dataset
from interp.errors import DataError

UCI = Path(__file__).parents[1] / ".." / "shared" / "data" / "uci_occupancy"
COLUMNS = [
    "co2",
    "temperature",
    "humidity",
    "light",
    "humidity_ratio",
    "occupancy",
    "hour_sin",
    "hour_cos",
    "is_weekday",
]

pytestmark = pytest.mark.skipif(not UCI.is_dir(), reason=f"the UCI Occupancy files are not at {UCI}")


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return load_uci_occupancy(UCI)


def test_columns_units_and_resolution(frame):
    assert list(frame.columns) == COLUMNS
    assert (frame.dtypes == np.float64).all()
    assert frame.index.name == "timestamp"
    assert frame.index.dtype == np.dtype("datetime64[ns]")
    assert frame.attrs["resolution"] == pd.Timedelta("5min")
    assert frame.index.is_monotonic_increasing and frame.index.is_unique
    assert (frame.index.asi8 % pd.Timedelta("5min").value == 0).all()  # bins on the 5-min grid
    assert 412 <= frame["co2"].min() and frame["co2"].max() <= 2077  # README: CO2 412-2077 ppm
    assert frame["occupancy"].between(0, 1).all()


def test_the_gaps_between_files_stay_gaps(frame):
    steps = pd.Series(np.diff(frame.index.asi8)).map(pd.Timedelta)
    gaps = steps[steps != pd.Timedelta("5min")]
    assert len(gaps) == 2
    hours = sorted(gap / pd.Timedelta("1h") for gap in gaps)
    assert hours == pytest.approx([7.1, 29.3], abs=0.1)  # README: 7.1 h and 29.3 h


def test_each_file_is_averaged_on_its_own(frame):
    expected = []
    for name in UCI_FILES:
        raw = pd.read_csv(UCI / name, parse_dates=["Date"], index_col="Date")
        expected.append(raw["CO2"].resample("5min").mean().dropna())
    co2 = pd.concat(expected).sort_index()
    assert len(co2) == len(frame)
    np.testing.assert_allclose(frame["co2"].to_numpy(), co2.to_numpy(), rtol=1e-12)
    np.testing.assert_array_equal(frame.index.asi8, co2.index.as_unit("ns").asi8)


def test_calendar_features_follow_the_timestamps(frame):
    hour = frame.index.hour + frame.index.minute / 60
    np.testing.assert_allclose(frame["hour_sin"], np.sin(2 * np.pi * hour / 24), atol=1e-12)
    assert frame.loc["2015-02-07", "is_weekday"].eq(0).all()  # a Saturday
    assert frame.loc["2015-02-09", "is_weekday"].eq(1).all()


def test_a_raw_file_with_seconds_jitter_loads_at_one_minute():
    raw = load_csv(UCI / "datatest.txt", timestamp="Date", target="CO2")
    assert raw.attrs["resolution"] == pd.Timedelta("1min")
    assert len(raw) == 2665
    assert list(raw.columns) == ["Temperature", "Humidity", "Light", "CO2", "HumidityRatio", "Occupancy"]


def windows_are_contiguous(index: pd.DatetimeIndex, split: Split, dataset: Dataset) -> bool:
    """Whether every window's lookback + horizon rows follow each other one step apart (no gap inside)."""
    span = dataset.lookback_steps + dataset.horizon_steps
    last_input = index.get_indexer(pd.DatetimeIndex(split.t_last_input))
    target = index.get_indexer(pd.DatetimeIndex(split.t_target))
    first = last_input - (dataset.lookback_steps - 1)
    rows_ok = (first >= 0) & (target - first == span - 1)
    return bool(rows_ok.all() and (index[target] - index[first] == (span - 1) * dataset.resolution).all())


def test_windows_exist_in_every_split_and_never_straddle_a_gap(frame):
    dataset = make_dataset(frame, 1.0, DataConfig(lookback_hours=6), source=str(UCI))
    assert (dataset.lookback_steps, dataset.horizon_steps) == (72, 12)
    sizes = [len(part.x) for part in (dataset.train, dataset.val, dataset.test)]
    assert sizes == [2631, 450, 450]
    for part in (dataset.train, dataset.val, dataset.test):
        assert windows_are_contiguous(frame.index, part, dataset)
    assert set(np.unique(dataset.test_regimes)) == {0, 1, 2}

    before_gap = int(np.flatnonzero(np.diff(frame.index.asi8) != pd.Timedelta("5min").value)[0])
    straddling = Split(
        dataset.test.x[:1],
        dataset.test.y[:1],
        frame.index[[before_gap]].to_numpy(),
        frame.index[[before_gap + 12]].to_numpy(),
    )
    assert not windows_are_contiguous(frame.index, straddling, dataset)  # the check can fail


def test_a_missing_file_names_it(tmp_path):
    with pytest.raises(DataError, match=r"datatraining\.txt: expected a CSV file"):
        load_uci_occupancy(tmp_path)
