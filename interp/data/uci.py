"""The UCI Occupancy Detection data (Candanedo & Feldheim 2016, CC BY 4.0) as a real example of user data.

Three 1-min files of one office room in February 2015, with gaps of 7.1 h and 29.3 h between them. Each file
is averaged to the study resolution on its own, so no bin mixes files and the gaps stay gaps (windows never
straddle them).
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import pandas as pd

from interp.data.csv import load_csv
from interp.data.synthetic import add_calendar_features
from interp.errors import DataError

UCI_FILES: tuple[str, ...] = ("datatraining.txt", "datatest.txt", "datatest2.txt")
UCI_COLUMNS: dict[str, str] = {
    "CO2": "co2",
    "Temperature": "temperature",
    "Humidity": "humidity",
    "Light": "light",
    "HumidityRatio": "humidity_ratio",
    "Occupancy": "occupancy",
}
"""The files' columns (besides ``Date``) and the names used here, in feature order (target first)."""


def load_uci_occupancy(folder: str | os.PathLike[str], resolution: str = "5min") -> pd.DataFrame:
    """Load, join and resample the three UCI Occupancy files.

    Parameters
    ----------
    folder : str or PathLike
        Folder holding ``datatraining.txt``, ``datatest.txt`` and ``datatest2.txt`` (header ``"Date",
        "Temperature","Humidity","Light","CO2","HumidityRatio","Occupancy"``), e.g.
        ``../shared/data/uci_occupancy``.
    resolution : str
        Pandas duration each file is averaged to (its timestamps have seconds of jitter, ``17:51:59``).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``timestamp`` in time order; float64 columns co2 [ppm], temperature [°C], humidity [%RH],
        light [lux], humidity_ratio [kg/kg], occupancy [fraction of the bin's minutes occupied, 0–1],
        hour_sin, hour_cos, is_weekday. ``attrs["resolution"]`` is the step, ``attrs["rows_read"]`` counts
        the 1-min rows of the three files. The hours between files are missing rows (gaps).

    Raises
    ------
    DataError
        A file is missing or malformed, or two files overlap in time.
    """
    loaded = {
        name: load_csv(
            Path(folder) / name,
            timestamp="Date",
            target="CO2",
            features=list(UCI_COLUMNS),
            resolution=resolution,
        )
        for name in UCI_FILES
    }
    names = sorted(loaded, key=lambda name: loaded[name].index[0])
    for before, after in itertools.pairwise(names):
        if loaded[after].index[0] <= loaded[before].index[-1]:
            raise DataError(
                f"{folder}: expected the UCI files to cover separate time spans. Found {after} starting at "
                f"{loaded[after].index[0]}, before the end of {before}. Use the original, unmodified files."
            )
    parts = [loaded[name] for name in names]
    frame = pd.concat(parts).rename(columns=UCI_COLUMNS)
    add_calendar_features(frame)
    frame.attrs = {
        "resolution": parts[0].attrs["resolution"],
        "rows_read": {"rows": sum(part.attrs["rows_read"]["rows"] for part in parts), "kept": len(frame)},
    }
    return frame
