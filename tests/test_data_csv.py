"""User CSVs: load_csv parses and checks (DESIGN §3.2), write_csv round-trips, bad input names its problem."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from interp.config import FEATURES, DataConfig
from interp.data.csv import load_csv, write_csv
from interp.data.synthetic import indoor_co2
from interp.data.windows import make_dataset
from interp.errors import DataError

HEADER = "timestamp,co2,temperature"


def hourly_rows(n: int, start: str = "2025-03-03 00:00") -> list[str]:
    """``n`` good hourly lines of the HEADER columns."""
    times = pd.date_range(start, periods=n, freq="1h")
    return [f"{t.isoformat()},{450 + 10 * (i % 7)},{20 + 0.1 * i:.1f}" for i, t in enumerate(times)]


def write(tmp_path: Path, lines: list[str], name: str = "room.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return path


def replace_line(lines: list[str], line: int, text: str) -> list[str]:
    """Replace file line ``line`` (1-based, header = 1)."""
    out = list(lines)
    out[line - 1] = text
    return out


@pytest.fixture
def good(tmp_path: Path) -> list[str]:
    return [HEADER, *hourly_rows(10)]


def test_load_csv_returns_a_checked_frame(tmp_path, good):
    frame = load_csv(write(tmp_path, good))
    assert list(frame.columns) == ["co2", "temperature"]
    assert frame.index.name == "timestamp"
    assert frame.index.dtype == np.dtype("datetime64[ns]")
    assert (frame.dtypes == np.float64).all()
    assert frame.attrs["resolution"] == pd.Timedelta("1h")
    assert frame.index[0] == pd.Timestamp("2025-03-03 00:00")
    assert frame["co2"].iloc[1] == 460.0
    assert "hour_sin" not in frame.columns  # calendar features are never added silently


def test_features_keep_their_order_and_the_target_goes_first(tmp_path):
    path = write(
        tmp_path,
        ["timestamp,light,co2,temperature", "2025-01-01T00:00,1,400,20", "2025-01-01T01:00,2,410,21"],
    )
    assert list(load_csv(path).columns) == ["light", "co2", "temperature"]
    assert list(load_csv(path, features=["temperature", "light"]).columns) == ["co2", "temperature", "light"]
    assert list(load_csv(path, features=["temperature", "co2"]).columns) == ["temperature", "co2"]


def test_timestamp_and_target_names_are_configurable(tmp_path):
    path = write(tmp_path, ['"Date","CO2"', '"2025-01-01 00:00:00",400', '"2025-01-01 00:01:00",401'])
    frame = load_csv(path, timestamp="Date", target="CO2")
    assert list(frame.columns) == ["CO2"]
    assert frame.attrs["resolution"] == pd.Timedelta("1min")


def test_calendar_features_are_added_on_request(tmp_path, good):
    frame = load_csv(write(tmp_path, good), add_calendar=True)
    assert list(frame.columns) == ["co2", "temperature", "hour_sin", "hour_cos", "is_weekday"]
    np.testing.assert_allclose(frame["hour_sin"].iloc[6], 1.0)  # 06:00
    assert frame["is_weekday"].iloc[0] == 1.0  # 2025-03-03 is a Monday


def test_gaps_are_allowed_and_stay_missing_rows(tmp_path, good):
    lines = [line for number, line in enumerate(good, start=1) if number not in (5, 6)]
    frame = load_csv(write(tmp_path, lines))
    assert len(frame) == 8
    assert frame.attrs["resolution"] == pd.Timedelta("1h")
    assert (frame.index[3] - frame.index[2]) == pd.Timedelta("3h")


def test_seconds_of_clock_jitter_are_not_irregular(tmp_path):
    seconds = [0, 59, 120, 180, 240, 300, 359, 420]  # "10:00:59", "10:05:59": as in the UCI files
    stamps = [pd.Timestamp("2025-01-01 10:00") + pd.Timedelta(seconds=s) for s in seconds]
    frame = load_csv(write(tmp_path, ["timestamp,co2", *(f"{t},{500 + i}" for i, t in enumerate(stamps))]))
    assert frame.attrs["resolution"] == pd.Timedelta("1min")
    assert list(frame.index) == stamps  # accepted as they are, not moved


def test_utc_offsets_are_converted_to_utc(tmp_path):
    path = write(tmp_path, ["timestamp,co2", "2025-01-01T01:00:00+01:00,400", "2025-01-01T01:00:00Z,410"])
    frame = load_csv(path)
    assert list(frame.index) == [pd.Timestamp("2025-01-01 00:00"), pd.Timestamp("2025-01-01 01:00")]


def test_resolution_averages_into_bins_and_empty_bins_become_gaps(tmp_path, good):
    lines = [line for number, line in enumerate(good, start=1) if number not in (6, 7)]  # 04:00, 05:00
    frame = load_csv(write(tmp_path, lines), resolution="2h")
    assert frame.attrs["resolution"] == pd.Timedelta("2h")
    assert list(frame.index.hour) == [0, 2, 6, 8]  # the 04:00 bin has no rows: a gap
    assert frame["co2"].iloc[0] == pytest.approx((450 + 460) / 2)
    assert frame.index.dtype == np.dtype("datetime64[ns]")
    assert frame.index.name == "timestamp"


def test_write_then_load_gives_an_equal_frame(tmp_path):
    frame = indoor_co2(days=8, seed=3)
    path = write_csv(frame, tmp_path / "sub" / "room.csv")
    loaded = load_csv(path)
    expected = frame.set_axis(frame.index.as_unit("ns"), axis=0)
    pd.testing.assert_frame_equal(loaded, expected, check_freq=False, check_exact=True)
    assert list(loaded.columns) == list(FEATURES)
    assert path.read_text().splitlines()[1].startswith("2025-01-06T00:00:00,")


def test_write_keeps_fractions_of_a_second(tmp_path):
    index = pd.DatetimeIndex(["2025-01-01 00:00:00.25", "2025-01-01 00:00:00.5"], name="timestamp")
    frame = pd.DataFrame({"co2": [400.1, 1 / 3]}, index=index)
    loaded = load_csv(write_csv(frame, tmp_path / "fast.csv"))
    pd.testing.assert_frame_equal(loaded, frame.set_axis(index.as_unit("ns"), axis=0), check_exact=True)


def test_write_is_atomic(tmp_path, monkeypatch):
    path = tmp_path / "room.csv"
    path.write_text("old content\n")

    def fail(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        write_csv(indoor_co2(days=2), path)
    assert path.read_text() == "old content\n"
    assert [p.name for p in tmp_path.iterdir()] == ["room.csv"]  # no temporary file left behind


def test_write_replaces_an_existing_file(tmp_path):
    path = tmp_path / "room.csv"
    path.write_text("old content\n")
    write_csv(indoor_co2(days=2), path)
    assert path.read_text().startswith("timestamp,co2,")
    assert [p.name for p in tmp_path.iterdir()] == ["room.csv"]


def test_a_byte_order_mark_is_not_part_of_the_first_name(tmp_path, good):
    path = tmp_path / "excel.csv"
    path.write_text("\n".join(good) + "\n", encoding="utf-8-sig")
    assert list(load_csv(path).columns) == ["co2", "temperature"]


def test_write_converts_an_aware_index_to_utc(tmp_path):
    index = pd.date_range("2025-01-01 01:00", periods=3, freq="1h", tz="Europe/Brussels", name="timestamp")
    loaded = load_csv(
        write_csv(pd.DataFrame({"co2": [400.0, 410.0, 420.0]}, index=index), tmp_path / "tz.csv")
    )
    assert loaded.index[0] == pd.Timestamp("2025-01-01 00:00")


def test_write_refuses_a_frame_without_timestamps(tmp_path):
    with pytest.raises(DataError, match="DatetimeIndex"):
        write_csv(pd.DataFrame({"co2": [1.0]}), tmp_path / "x.csv")


def bad_file(tmp_path: Path, good: list[str], case: str) -> tuple[Path, dict]:
    """A file (and load_csv keyword arguments) with exactly one problem, named ``case``."""
    files = {
        "empty file": ([""], {}),
        "header only": ([HEADER], {}),
        "no timestamp column": (good, {"timestamp": "time"}),
        "semicolons": ([line.replace(",", ";") for line in good], {}),
        "no target column": (good, {"target": "co2_ppm"}),
        "no feature column": (good, {"features": ["co2", "wind"]}),
        "repeated feature": (good, {"features": ["co2", "temperature", "temperature"]}),
        "repeated column": ([f"{HEADER},co2", *(f"{line},0" for line in good[1:])], {}),
        "timestamp as feature": (good, {"features": ["co2", "timestamp"]}),
        "non-numeric": (replace_line(good, 5, "2025-03-03T03:00:00,abc,20.3"), {}),
        "decimal comma": (replace_line(good, 6, '2025-03-03T04:00:00,480,"20,4"'), {}),
        "infinite": (replace_line(good, 4, "2025-03-03T02:00:00,inf,20.2"), {}),
        "NaN": (replace_line(good, 7, "2025-03-03T05:00:00,NaN,20.5"), {}),
        "empty value": (replace_line(good, 7, "2025-03-03T05:00:00,500,"), {}),
        "blank line": (replace_line(good, 3, ""), {}),
        "empty timestamp": (replace_line(good, 8, ",500,20.6"), {}),
        "unparseable timestamp": (replace_line(good, 9, "2025-03-03 25:00,510,20.7"), {}),
        "duplicate timestamp": (replace_line(good, 6, "2025-03-03T03:00:00,480,20.4"), {}),
        "unsorted timestamps": (replace_line(good, 6, "2025-03-03T01:30:00,480,20.4"), {}),
        "irregular timestamps": (replace_line(good, 6, "2025-03-03T04:25:00,480,20.4"), {}),
        "ragged line": (replace_line(good, 4, "2025-03-03T02:00:00,470,20.2,7"), {}),
        "bad resolution": (good, {"resolution": "quickly"}),
        "negative resolution": (good, {"resolution": "-1h"}),
        "resolution finer than data": (good, {"resolution": "1min"}),
        "one row": (good[:2], {}),
        "day first": ([HEADER, "03/01/2025 00:00,450,20.0", "03/01/2025 01:00,460,20.1"], {}),
        "month first": ([HEADER, "01/03/2025 00:00,450,20.0", "01/03/2025 01:00,460,20.1"], {}),
        "not the given format": (good, {"timestamp_format": "%d/%m/%Y %H:%M"}),
        "unknown directive": (good, {"timestamp_format": "%d/%m/%Y %Q"}),
        "clock falls back (duplicate)": (
            [HEADER, *hourly_rows(3, "2025-10-26 00:00"), "2025-10-26T02:00:00,470,20.3"],
            {},
        ),
        "clock falls back (unsorted)": (
            [
                HEADER,
                "2025-10-26T01:30:00,450,20.0",
                "2025-10-26T02:00:00,460,20.1",
                "2025-10-26T02:30:00,470,20.2",
                "2025-10-26T02:00:00,480,20.3",
            ],
            {},
        ),
        "duplicate with offsets": (
            [HEADER, "2025-10-26T02:00:00+01:00,450,20.0", "2025-10-26T02:00:00+01:00,460,20.1"],
            {},
        ),
        "step changes to coarser": (
            [
                HEADER,
                *(f"{t.isoformat()},450,20.0" for t in pd.date_range("2025-03-03", periods=20, freq="30min")),
                *(
                    f"{t.isoformat()},450,20.0"
                    for t in pd.date_range("2025-03-03 10:30", periods=15, freq="1h")
                ),
            ],
            {},
        ),
        "step changes to finer": (
            [
                HEADER,
                *hourly_rows(30),
                *(
                    f"{t.isoformat()},450,20.0"
                    for t in pd.date_range("2025-03-04 06:00", periods=5, freq="30min")
                ),
            ],
            {},
        ),
    }
    if case == "folder":
        return tmp_path, {}
    lines, kwargs = files[case]
    return write(tmp_path, lines), kwargs


# case → words the one-line message must contain besides the file's path (column, line, value, fix).
BAD_INPUTS = {
    "folder": ["expected a CSV file", "a folder"],
    "empty file": ["empty file"],
    "header only": ["data rows", "none"],
    "no timestamp column": ["'time'", "['timestamp', 'co2', 'temperature']", "--timestamp NAME"],
    "semicolons": ["'timestamp'", "comma-separated"],
    "no target column": ["'co2_ppm'", "Rename the CO2 column to 'co2_ppm'", "--target NAME"],
    "no feature column": ["'wind'", "remove it from --features"],
    "repeated feature": ["['temperature']", "Remove the repeats from --features"],
    "repeated column": ["['co2']", "line 1", "Rename or drop"],
    "timestamp as feature": ["'timestamp'", "Remove it from --features"],
    "non-numeric": ["'co2'", "'abc'", "line 5", "plain numbers"],
    "decimal comma": ["'temperature'", "'20,4'", "line 6", "decimal point"],
    "infinite": ["'co2'", "'inf'", "line 4"],
    "NaN": ["'co2'", "line 7", "NaN", "Fill the gap"],
    "empty value": ["'temperature'", "line 7", "empty", "Fill the gap"],
    "blank line": ["'timestamp'", "line 3", "empty"],
    "empty timestamp": ["'timestamp'", "line 8", "empty", "Fill in the timestamp"],
    "unparseable timestamp": ["'timestamp'", "'2025-03-03 25:00'", "line 9", "ISO 8601"],
    "duplicate timestamp": ["unique", "line 6", "line 5", "delete the duplicate row"],
    "unsorted timestamps": ["increasing order", "line 6", "Sort the file by timestamp."],
    "irregular timestamps": ["regular 1h grid", "line 6", "85min after line 5", "--resolution 1h"],
    "ragged line": ["same number of fields", "line 4", "Fix that line"],
    "bad resolution": ["'quickly'", "--resolution 5min"],
    "negative resolution": ["'-1h'", "positive"],
    "resolution finer than data": ["'1min'", "coarser --resolution", "--resolution 1h"],
    "one row": ["at least two rows", "--resolution 1h"],
    "day first": ["'timestamp'", "ISO 8601", "'03/01/2025 00:00'", "line 2", "--timestamp-format"],
    "month first": ["'timestamp'", "ISO 8601", "'01/03/2025 00:00'", "line 2", "--timestamp-format"],
    "not the given format": ["'timestamp'", "'%d/%m/%Y %H:%M'", "'2025-03-03T00:00:00'", "line 2"],
    "unknown directive": ["--timestamp-format", "'%d/%m/%Y %Q'", "strftime"],
    "clock falls back (duplicate)": ["line 5", "line 4", "daylight saving", "UTC", "ISO 8601 with offsets"],
    "clock falls back (unsorted)": ["line 5", "line 4", "Sort the file", "daylight saving", "UTC"],
    "duplicate with offsets": ["line 3", "Delete the duplicate row"],
    "step changes to coarser": [
        "1h steps from line 21 to line 36",
        "otherwise steps 30min",
        "--resolution 1h",
    ],
    "step changes to finer": ["regular 1h grid", "line 33", "30min after line 32", "--resolution 1h"],
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_raises_one_line_naming_the_file_and_the_problem(tmp_path, good, case):
    path, kwargs = bad_file(tmp_path, good, case)
    with pytest.raises(DataError) as caught:
        load_csv(path, **kwargs)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: expected")
    for words in BAD_INPUTS[case]:
        assert words in message, f"{words!r} not in {message!r}"
    assert "average the duplicate" not in message  # a clock that fell back needs UTC, not averaging
    if case in ("duplicate with offsets", "unsorted timestamps"):
        assert "daylight saving" not in message  # times with offsets, or a step back of more than an hour


def test_iso_8601_variants_are_read_without_a_format(tmp_path):
    lines = [
        "timestamp,co2",
        "2025-03-03 00:00,400",
        "2025-03-03T01:00:00.000,410",
        "2025/03/03 02:00:00,420",
    ]
    frame = load_csv(write(tmp_path, lines))
    assert list(frame.index.hour) == [0, 1, 2] and (frame.index.day == 3).all()


def test_a_timestamp_format_reads_day_first_dates(tmp_path):
    """Twelve days of March written dd/mm/yyyy: every day is ≤ 12, so only the format tells the month."""
    times = pd.date_range("2025-03-01", periods=12 * 24, freq="1h")
    lines = [
        "timestamp,co2",
        *(f"{t.strftime('%d/%m/%Y %H:%M')},{400 + i % 50}" for i, t in enumerate(times)),
    ]
    path = write(tmp_path, lines)
    with pytest.raises(DataError, match="--timestamp-format"):
        load_csv(path)
    frame = load_csv(path, timestamp_format="%d/%m/%Y %H:%M")
    assert list(frame.index) == list(times)
    assert frame.attrs["resolution"] == pd.Timedelta("1h")


def test_a_timestamp_format_with_an_offset_converts_to_utc(tmp_path):
    lines = ["timestamp,co2", "26.10.2025 02:30 +0200,400", "26.10.2025 02:30 +0100,410"]
    frame = load_csv(write(tmp_path, lines), timestamp_format="%d.%m.%Y %H:%M %z")
    assert list(frame.index) == [pd.Timestamp("2025-10-26 00:30"), pd.Timestamp("2025-10-26 01:30")]


def test_a_changed_step_averaged_onto_one_grid_loads(tmp_path):
    """The file of "step changes to coarser", averaged to 1 h: 10 bins from the 30-min rows, then 15 hours."""
    path, _ = bad_file(tmp_path, [HEADER, *hourly_rows(10)], "step changes to coarser")
    frame = load_csv(path, resolution="1h")
    assert len(frame) == 25 and frame.attrs["resolution"] == pd.Timedelta("1h")
    assert frame.attrs["rows_read"] == {"rows": 35, "kept": 25}


def test_rows_missing_at_random_are_gaps_not_a_changed_step(tmp_path):
    """Every other row missing for fewer than RESOLUTION_CHANGE_STEPS steps is a run of gaps, not a new step."""
    keep = [i for i in range(200) if not (50 <= i < 72 and i % 2)]  # 11 steps of 2 h
    times = pd.date_range("2025-03-03", periods=200, freq="1h")[keep]
    frame = load_csv(write(tmp_path, ["timestamp,co2", *(f"{t.isoformat()},450" for t in times)]))
    assert len(frame) == 189 and frame.attrs["resolution"] == pd.Timedelta("1h")


def test_missing_file_names_the_path_and_the_example_command(tmp_path):
    path = tmp_path / "nowhere.csv"
    with pytest.raises(DataError, match=r"python -m interp data --out FILE\.csv") as caught:
        load_csv(path)
    assert str(caught.value).startswith(f"{path}: expected a CSV file. Found nothing")


def test_trailing_blank_lines_are_not_rows(tmp_path, good):
    path = tmp_path / "room.csv"
    path.write_text("\n".join(good) + "\n\n\n")
    assert len(load_csv(path)) == 10


def test_too_few_rows_for_the_windows_is_reported_by_make_dataset(tmp_path):
    path = write(tmp_path, [HEADER, *hourly_rows(150)])
    frame = load_csv(path)
    with pytest.raises(DataError, match=r"expected at least 64 train windows of 24 \+ 24 steps") as caught:
        make_dataset(frame, 24, DataConfig(), source=str(path))
    assert str(caught.value).startswith(str(path))
    assert "\n" not in str(caught.value)


def test_a_loaded_file_windows_like_the_embedded_data(tmp_path):
    path = write_csv(indoor_co2(days=40, seed=1), tmp_path / "room.csv")
    dataset = make_dataset(load_csv(path), 1, DataConfig(lookback_hours=24), source=str(path))
    assert dataset.feature_names == FEATURES
    assert dataset.lookback_steps == 24
    assert dataset.horizon_steps == 1
    assert not dataset.is_embedded
