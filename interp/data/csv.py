"""User data: load and check a CSV of timestamped measurements, and write one (DESIGN §3.2).

The format is the one ``python -m interp data --out FILE.csv`` writes: a header row, a timestamp column
(ISO 8601, e.g. ``2025-01-06T13:00:00``), then one numeric column per feature. Row problems are reported by
file line number, the header being line 1. Fixes are named as the command line spells them (``--resolution
1h``); the keyword arguments of :func:`load_csv` carry the same names (``resolution="1h"``).
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from interp.atomic import write_atomic
from interp.config import TARGET
from interp.data.outliers import warn_implausible
from interp.data.synthetic import add_calendar_features
from interp.data.windows import infer_resolution
from interp.errors import DataError

MISSING_TOKENS = frozenset({"", "na", "n/a", "#n/a", "nan", "null", "none"})
"""Cell values (stripped, lower case) read as a missing value rather than as a non-numeric one."""

GRID_TOLERANCE = 0.1
"""How far (in steps) a timestamp may sit from the regular grid before the data count as irregular; clock
jitter of a second at 1-min sampling (the UCI files) is 0.017 steps."""

RESOLUTION_CHANGE_STEPS = 12
"""Consecutive steps of one multiple (2 or more) of the file's usual step that count as a change of the
sampling step rather than as gaps. Rows missing at random at a rate p give such a run of length r with
probability below (p·(1 − p))^r ≤ 0.25^12 ≈ 6·10⁻⁸ per row."""

UTC_OFFSET = re.compile(r"(Z|[+-]\d\d:?\d\d)$", re.IGNORECASE)
"""The end of an ISO 8601 timestamp that says its offset from UTC."""

OFFSETS_FIX = "export the timestamps in UTC or as ISO 8601 with offsets (2025-10-26T02:30:00+01:00)"
"""The fix for local times that repeat when the clock falls back."""


def load_csv(
    path: str | os.PathLike[str],
    timestamp: str = "timestamp",
    target: str = TARGET,
    features: Sequence[str] | None = None,
    resolution: str | None = None,
    *,
    timestamp_format: str | None = None,
    add_calendar: bool = False,
) -> pd.DataFrame:
    """Parse and check a CSV of measurements into a frame for :func:`~interp.data.windows.make_dataset`.

    Parameters
    ----------
    path : str or PathLike
        Comma-separated file with a header row.
    timestamp : str
        Name of the timestamp column. Values are parsed as ISO 8601 (``2025-01-06T13:00:00``, a space for the
        ``T``, optional seconds, fractions and UTC offset), or with ``timestamp_format``; any other format is
        refused, since ``03/04/2025`` reads as March or April. Timestamps with a UTC offset are converted to
        UTC and stored without time zone.
    target : str
        Name of the target column (CO2 in ppm).
    features : sequence of str, optional
        Feature columns, in model order. Default: every column but the timestamp, in file order. When the
        target is not among them it is put first.
    resolution : str, optional
        Pandas duration (``"5min"``, ``"1h"``). When given, the rows are averaged into bins of this length on
        a grid anchored at the Unix epoch; bins without data are dropped, so they become gaps. When omitted,
        the resolution is the most common step between rows, and every row must sit on that regular grid
        (within ``GRID_TOLERANCE`` steps; missing rows are gaps, which windows never straddle), without
        ``RESOLUTION_CHANGE_STEPS`` consecutive steps of a multiple of it (the sampling step changing).
    timestamp_format : str, optional
        strftime pattern of the timestamps (``"%d/%m/%Y %H:%M"``) when they are not ISO 8601.
    add_calendar : bool
        Append ``hour_sin``, ``hour_cos`` and ``is_weekday`` computed from the timestamps (off by default:
        features are never added silently).

    Returns
    -------
    pandas.DataFrame
        Indexed by a sorted, unique ``DatetimeIndex`` named ``"timestamp"`` (datetime64[ns]); float64 columns
        in feature order (then the calendar features); ``frame.attrs["resolution"]`` is the step, a
        ``pd.Timedelta``, and ``frame.attrs["rows_read"]`` is ``{"rows": data rows in the file, "kept":
        len(frame)}``.

    Raises
    ------
    DataError
        Missing file or column, empty or non-numeric values, timestamps that are not ISO 8601 (nor in
        ``timestamp_format``), duplicate or unsorted, timestamps off a regular grid or whose step changes
        part-way, or an unusable resolution. The message names the file, the column or line, and the fix.

    Warns
    -----
    DataWarning
        A value implausibly far from the rest of its column (:func:`~interp.data.outliers.warn_implausible`).
    """
    where = str(path)
    raw = _read(Path(path))
    columns = _select_columns(where, list(raw.columns), timestamp, target, features)
    index = _parse_timestamps(where, raw[timestamp], timestamp, timestamp_format)
    values = {name: _parse_numbers(where, raw[name], name) for name in columns}
    rows = pd.DataFrame(values, index=pd.DatetimeIndex(index, name="timestamp"))

    if resolution is None:
        step = _regular_step(where, rows.index)
        frame = rows
    else:
        step = _resolution(where, resolution, rows.index)
        frame = rows.resample(step, origin="epoch").mean().dropna(how="all")
        frame.index = frame.index.as_unit("ns").rename("timestamp")
    warn_implausible(where, rows, target, line_of_row=_line)  # once the file is known to be usable
    if add_calendar:
        add_calendar_features(frame)
    frame.attrs["resolution"] = step
    frame.attrs["rows_read"] = {"rows": len(raw), "kept": len(frame)}
    return frame


def write_csv(frame: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write a frame in the format :func:`load_csv` reads, atomically.

    The first column is ``timestamp`` (ISO 8601 to the second, or to the nanosecond when any timestamp has a
    fraction of a second); the frame's columns follow with floats at full (repr) precision, so that
    ``load_csv`` returns an equal frame. The file is written next to its destination and renamed over it,
    so an interrupted write never leaves a partial file under ``path``. Missing parent folders are created.

    Parameters
    ----------
    frame : pandas.DataFrame
        Indexed by a ``DatetimeIndex`` (time zone-aware indexes are written in UTC); numeric columns.
    path : str or PathLike
        Destination file.

    Returns
    -------
    pathlib.Path
        The path written.
    """
    destination = Path(path)
    if not isinstance(frame.index, pd.DatetimeIndex):
        raise DataError(
            f"{destination}: expected a frame indexed by timestamps. Found a {type(frame.index).__name__}. "
            "Set a DatetimeIndex before writing."
        )
    if "timestamp" in frame.columns:
        raise DataError(
            f"{destination}: expected no column named 'timestamp' (the index is written under that name). "
            "Found one among the columns. Rename or drop the column."
        )
    index = frame.index if frame.index.tz is None else frame.index.tz_convert(None)
    stamps = index.as_unit("ns").to_numpy()
    whole_seconds = bool(np.all(stamps.astype(np.int64) % 1_000_000_000 == 0))
    table = frame.copy()
    table.insert(0, "timestamp", np.datetime_as_string(stamps, unit="s" if whole_seconds else "ns"))
    text = table.to_csv(index=False, lineterminator="\n")

    write_atomic(destination, text.encode("utf-8"))
    return destination


def _read(path: Path) -> pd.DataFrame:
    """Every cell as a string; blank lines kept (as empty rows) so that row ``i`` is file line ``i + 2``."""
    if not path.is_file():
        problem = "a folder" if path.is_dir() else "nothing"
        raise DataError(
            f"{path}: expected a CSV file. Found {problem} at that path. "
            "Check the path, or write an example with `python -m interp data --out FILE.csv`."
        )
    try:
        raw = pd.read_csv(
            path,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=False,
            skipinitialspace=True,
            encoding="utf-8-sig",
        )
    except pd.errors.EmptyDataError:
        raise DataError(
            f"{path}: expected a header row and data rows. Found an empty file. "
            "Check the path and the export."
        ) from None
    except (pd.errors.ParserError, UnicodeDecodeError) as error:
        reason = " ".join(str(error).split())
        raise DataError(
            f"{path}: expected a comma-separated UTF-8 file with the same number of fields on every line. "
            f"Found: {reason}. Fix that line (quote values that contain commas) or re-export the file."
        ) from None
    with path.open(encoding="utf-8-sig", newline="") as stream:
        header = [name.strip() for name in next(csv.reader(stream, skipinitialspace=True), [])]
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:
        raise DataError(
            f"{path}: expected each column name once in the header (line 1). "
            f"Found {repeated} more than once. Rename or drop the repeated columns."
        )
    raw = raw.rename(columns=lambda name: str(name).strip())
    last = len(raw)
    while last and (raw.iloc[last - 1] == "").all():
        last -= 1
    raw = raw.iloc[:last]  # trailing blank lines are not rows
    if raw.empty:
        raise DataError(f"{path}: expected data rows under the header. Found none. Check the export.")
    return raw


def _select_columns(
    where: str, found: list[str], timestamp: str, target: str, features: Sequence[str] | None
) -> list[str]:
    """The feature columns, in output order; every named column must exist."""
    if timestamp not in found:
        raise DataError(
            f"{where}: expected a timestamp column {timestamp!r}. Found columns {found}. "
            "Pass --timestamp NAME or rename the column; the file must be comma-separated."
        )
    if features is None:
        columns = [name for name in found if name != timestamp]
    else:
        columns = list(features)
        if target not in columns:
            columns.insert(0, target)
    if target not in found:
        raise DataError(
            f"{where}: expected a target column {target!r}. Found columns {found}. "
            f"Rename the CO2 column to {target!r}, or train on this file with --target NAME (a study reads "
            "the target its checkpoint was trained on)."
        )
    repeated = sorted({name for name in columns if columns.count(name) > 1})
    if repeated:
        raise DataError(
            f"{where}: expected each feature once. Found {repeated} more than once in the features {columns}. "
            "Remove the repeats from --features."
        )
    if timestamp in columns:
        raise DataError(
            f"{where}: expected features without the timestamp column {timestamp!r}. Found it in {columns}. "
            "Remove it from --features."
        )
    missing = [name for name in columns if name not in found]
    if missing:
        raise DataError(
            f"{where}: expected feature column {missing[0]!r}. Found columns {found}. "
            "Add the column to the file or remove it from --features."
        )
    return columns


def _is_missing(cell: str) -> bool:
    """Whether a cell reads as a missing value (empty, "NaN", "NA", ...) rather than as a wrong one."""
    return cell.strip().lower() in MISSING_TOKENS


def _duration(step: pd.Timedelta) -> str:
    """A step as a pandas duration string: ``1h``, ``5min``, ``30s`` (the largest unit that divides it)."""
    for unit, size in (
        ("D", pd.Timedelta("1D")),
        ("h", pd.Timedelta("1h")),
        ("min", pd.Timedelta("1min")),
        ("s", pd.Timedelta("1s")),
    ):
        if step % size == pd.Timedelta(0):
            return f"{step // size}{unit}"
    return str(step)


def _line(row: int) -> int:
    """File line of data row ``row`` (0-based; the header is line 1)."""
    return row + 2


def _parse_timestamps(
    where: str, text: pd.Series, column: str, timestamp_format: str | None
) -> pd.DatetimeIndex:
    """Parse (ISO 8601 or ``timestamp_format``), then require non-empty, unique, increasing timestamps; naive,
    datetime64[ns]."""
    try:
        parsed = pd.to_datetime(text, format=timestamp_format or "ISO8601", errors="coerce", utc=True)
    except ValueError as error:  # a directive strptime does not know
        raise DataError(
            f"{where}: expected a strftime pattern as --timestamp-format, like '%d/%m/%Y %H:%M'. "
            f"Found {timestamp_format!r} ({error}). Pass a pattern of strftime directives."
        ) from None
    bad = np.flatnonzero(parsed.isna().to_numpy())
    if len(bad) and _is_missing(text.iloc[bad[0]]):
        raise DataError(
            f"{where}: expected a timestamp on every row of column {column!r}. "
            f"Found an empty value on line {_line(bad[0])}. Fill in the timestamp or delete the line."
        )
    if len(bad) and timestamp_format is None:
        raise DataError(
            f"{where}: expected ISO 8601 timestamps like '2025-01-06T13:00:00' in column {column!r} (other "
            f"formats are ambiguous: 03/04 is March or April). Found {text.iloc[bad[0]]!r} on line "
            f"{_line(bad[0])}. Export the timestamps in ISO 8601, or pass their strftime pattern, e.g. "
            "--timestamp-format '%d/%m/%Y %H:%M'."
        )
    if len(bad):
        raise DataError(
            f"{where}: expected timestamps in column {column!r} to match --timestamp-format "
            f"{timestamp_format!r}. Found {text.iloc[bad[0]]!r} on line {_line(bad[0])}. "
            "Fix the line, or pass the pattern the file is written in."
        )
    index = pd.DatetimeIndex(parsed).tz_localize(None).as_unit("ns")
    steps = np.diff(index.asi8)
    wrong = np.flatnonzero(steps <= 0)
    if len(wrong):
        row = int(wrong[0]) + 1
        # A naive local clock that falls back an hour (daylight saving time) repeats up to an hour of times.
        fell_back = -steps[wrong[0]] <= pd.Timedelta("1h").value and not UTC_OFFSET.search(
            text.iloc[row].strip()
        )
        clock = "if the clock fell back an hour there (daylight saving time)"
        if steps[wrong[0]] == 0:
            earlier = int(np.flatnonzero(index.asi8 == index.asi8[row])[0])
            fix = f"{clock.capitalize()}, {OFFSETS_FIX}; otherwise delete" if fell_back else "Delete"
            raise DataError(
                f"{where}: expected unique timestamps. Found {index[row]} on line {_line(row)} repeating "
                f"line {_line(earlier)}. {fix} the duplicate row."
            )
        raise DataError(
            f"{where}: expected timestamps in increasing order. Found {index[row]} on line {_line(row)} "
            f"before {index[row - 1]} of line {_line(row - 1)}. Sort the file by timestamp"
            f"{f', or, {clock}, {OFFSETS_FIX}' if fell_back else ''}."
        )
    return index


def _parse_numbers(where: str, text: pd.Series, column: str) -> np.ndarray:
    """float64 values of one column; the first empty, non-numeric or non-finite cell raises."""
    try:
        numbers = text.astype(np.float64).to_numpy()
    except ValueError:  # some cell is not a number: find which, below
        numbers = pd.to_numeric(text, errors="coerce").to_numpy(dtype=np.float64)
    bad = np.flatnonzero(~np.isfinite(numbers))
    if len(bad):
        row = int(bad[0])
        if _is_missing(text.iloc[row]):
            raise DataError(
                f"{where}: expected a value on every row of column {column!r}. "
                f"Found an empty or NaN value on line {_line(row)}. "
                "Fill the gap (or delete the line: missing rows become gaps that windows skip)."
            )
        raise DataError(
            f"{where}: expected finite numbers in column {column!r}. Found {text.iloc[row]!r} on line "
            f"{_line(row)}. Write plain numbers with a decimal point, or leave the column out of --features."
        )
    return numbers


def _regular_step(where: str, index: pd.DatetimeIndex) -> pd.Timedelta:
    """The inferred step; every row must sit on the grid ``index[0] + k·step`` (gaps allowed), and the step
    must not change part-way (:data:`RESOLUTION_CHANGE_STEPS`)."""
    if len(index) < 2:
        raise DataError(
            f"{where}: expected at least two rows to infer the resolution. Found {len(index)}. "
            "Provide more rows, or pass the step with --resolution (e.g. --resolution 1h)."
        )
    step = infer_resolution(index)
    position = (index.asi8 - index.asi8[0]) / step.value
    nearest = np.round(position)
    off = np.abs(position - nearest) > GRID_TOLERANCE
    crowded = np.concatenate([[False], np.diff(nearest) < 1])
    bad = np.flatnonzero(off | crowded)
    if len(bad):
        row = int(bad[0])  # ≥ 1: the first row is on the grid
        raise DataError(
            f"{where}: expected timestamps on a regular {_duration(step)} grid (gaps allowed). "
            f"Found {index[row]} on line {_line(row)}, {_duration(index[row] - index[row - 1])} after line "
            f"{_line(row - 1)} and {position[row]:.2f} steps after the first row. "
            f"Pass --resolution {_duration(step)} to average the rows onto a regular grid."
        )
    multiple = np.diff(nearest).astype(np.int64)  # steps between consecutive rows
    edges = np.flatnonzero(np.diff(multiple) != 0) + 1
    starts, ends = np.r_[0, edges], np.r_[edges, len(multiple)]
    changed = np.flatnonzero((ends - starts >= RESOLUTION_CHANGE_STEPS) & (multiple[starts] >= 2))
    if len(changed):
        first, last = int(starts[changed[0]]), int(ends[changed[0]])  # rows first..last
        coarse = _duration(step * int(multiple[first]))
        raise DataError(
            f"{where}: expected one sampling step throughout. Found {coarse} steps from line {_line(first)} to "
            f"line {_line(last)} in a file that otherwise steps {_duration(step)}. "
            f"Pass --resolution {coarse} to average every row onto one {coarse} grid."
        )
    return step


def _resolution(where: str, resolution: str, index: pd.DatetimeIndex) -> pd.Timedelta:
    """The requested step as a Timedelta; it must be positive and no finer than the data's own step."""
    try:
        step = pd.Timedelta(resolution)
    except (TypeError, ValueError):
        step = pd.NaT
    if pd.isna(step) or step <= pd.Timedelta(0):
        raise DataError(
            f"{where}: expected a positive pandas duration as --resolution, like 5min or 1h. "
            f"Found {resolution!r}. Pass a duration such as --resolution 5min."
        )
    own = infer_resolution(index) if len(index) > 1 else step
    if step < own:
        raise DataError(
            f"{where}: expected a resolution no finer than the data's step of {_duration(own)}. "
            f"Found {resolution!r}, which would leave a gap between every row. Pass a coarser --resolution, "
            f"e.g. --resolution {_duration(own)}."
        )
    return step
