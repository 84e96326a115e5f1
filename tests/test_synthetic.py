"""The embedded room (DESIGN §3.1): deterministic, in the design's feature order, physically plausible."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from interp.config import DECOY_FEATURE, FEATURES
from interp.data.synthetic import OUTDOOR_CO2_PPM, indoor_co2


@pytest.fixture(scope="module")
def room() -> pd.DataFrame:
    return indoor_co2()


def test_the_same_seed_gives_the_same_frame_and_another_seed_another():
    first, again, other = (
        indoor_co2(days=14, seed=5),
        indoor_co2(days=14, seed=5),
        indoor_co2(days=14, seed=6),
    )
    pd.testing.assert_frame_equal(first, again, check_exact=True)
    assert not np.allclose(first["co2"], other["co2"])
    assert not np.allclose(first[DECOY_FEATURE], other[DECOY_FEATURE])


def test_index_and_feature_order(room):
    assert tuple(room.columns) == FEATURES
    assert room.index.name == "timestamp"
    assert len(room) == 180 * 24
    assert (np.diff(room.index.asi8) == np.diff(room.index.asi8)[0]).all()  # hourly, no gaps
    assert room.index[1] - room.index[0] == pd.Timedelta("1h")
    assert (room.dtypes == np.float64).all()
    assert not room.isna().any().any()


def test_occupancy_is_a_count_of_people(room):
    occupancy = room["occupancy"].to_numpy()
    np.testing.assert_array_equal(occupancy, np.round(occupancy))
    assert occupancy.min() == 0 and occupancy.max() >= 10


def test_co2_never_falls_far_below_outdoor_air(room):
    assert room["co2"].min() >= OUTDOOR_CO2_PPM - 30  # 420 ppm outside, 8 ppm sensor noise
    assert room["co2"].quantile(0.05) < 450  # and the empty room settles near it


def test_busy_weekdays_reach_high_and_weekends_stay_low(room):
    days = room.groupby(room.index.normalize())
    peak_ppm, peak_people, weekday = days["co2"].max(), days["occupancy"].max(), days["is_weekday"].max()
    busy = peak_people >= 9
    assert busy.sum() >= 20
    assert (peak_ppm[busy] >= 1200).all()  # High regime on every busy day
    assert (peak_ppm[weekday == 0] < 1200).all()


def test_co2_decays_overnight(room):
    evening = room.loc[room.index.hour == 18, "co2"].to_numpy()[:-1]
    next_dawn = room.loc[room.index.hour == 5, "co2"].to_numpy()[1:]
    elevated = evening >= 800
    assert elevated.sum() >= 30
    excess = (next_dawn - OUTDOOR_CO2_PPM) / (evening - OUTDOOR_CO2_PPM)
    assert (excess[elevated] < 0.5).all()  # more than half of the evening's excess is gone by 05 h
    assert np.median(next_dawn) < 450


def test_calendar_features_match_the_timestamps(room):
    hour = room.index.hour.to_numpy()
    np.testing.assert_allclose(room["hour_sin"], np.sin(2 * np.pi * hour / 24), atol=1e-12)
    np.testing.assert_allclose(room["hour_cos"], np.cos(2 * np.pi * hour / 24), atol=1e-12)
    np.testing.assert_array_equal(room["is_weekday"], (room.index.day_of_week < 5).astype(float))


def test_the_decoy_is_stationary_and_unrelated_to_co2(room):
    pressure = room[DECOY_FEATURE]
    assert pressure.between(990, 1036).all()  # mean-reverting around 1013 hPa, not a random walk
    halves = np.array_split(pressure.to_numpy(), 2)
    assert abs(halves[0].mean() - halves[1].mean()) < pressure.std()
    assert abs(np.corrcoef(pressure, room["co2"])[0, 1]) < 0.2
